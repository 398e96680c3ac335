/*
 * report: see report.h.
 */
#include "report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "console.h"
#include "httpio.h"
#include "proto.h"
#include "staff.h"
#include "util.h"

#define CHUNK "500"	/* question ids per script call */
#define TOP 10		/* the top questions shown */
#define TOP_S "10"

struct report {
	int range;		/* /api/report.json: over rooms, else one room */
	char from_day[11], to_day[11], today[11];
	json_t *rooms;		/* the room ids to read */
	size_t next_room;
	long long from;		/* the next chunk's first question id */
	json_t *room;		/* the room being read (its room_json) */
	json_t *room_counts;	/* its counts, for the range's list */
	json_t *list;		/* range: [{id,title,counts}] */
	/* the sums */
	json_t *counts, *topics, *places, *sources, *per_minute, *top;
};

static void
report_free(void *p)
{
	struct report *rp = p;

	json_decref(rp->rooms);
	json_decref(rp->room);
	json_decref(rp->room_counts);
	json_decref(rp->list);
	json_decref(rp->counts);
	json_decref(rp->topics);
	json_decref(rp->places);
	json_decref(rp->sources);
	json_decref(rp->per_minute);
	json_decref(rp->top);
	free(rp);
}

static struct report *
report_new(void)
{
	struct report *rp = xcalloc(1, sizeof(*rp));
	time_t now = time(NULL);
	struct tm tm;

	/* Overdue is judged by the deployment's own day. */
	localtime_r(&now, &tm);
	strftime(rp->today, sizeof(rp->today), "%Y-%m-%d", &tm);
	rp->list = json_array();
	rp->counts = json_object();
	rp->topics = json_object();
	rp->places = json_object();
	rp->sources = json_object();
	rp->per_minute = json_object();
	rp->top = json_array();
	return rp;
}

/* Adds the numbers of object add into sum, key by key. */
static void
add_numbers(json_t *sum, json_t *add)
{
	const char *k;
	json_t *v;

	json_object_foreach(add, k, v) {
		json_int_t have = json_integer_value(json_object_get(sum, k));

		json_object_set_new(sum, k, json_integer(have + json_integer_value(v)));
	}
}

/* Adds one chunk's part (report.lua) to the sums; -1 if malformed. */
static int
add_part(struct report *rp, const char *s, size_t len)
{
	json_t *part = json_loadb(s, len, 0, NULL), *v, *room = NULL;
	size_t i;

	if (part == NULL || !json_is_object(json_object_get(part, "counts"))) {
		json_decref(part);
		return -1;
	}
	add_numbers(rp->counts, json_object_get(part, "counts"));
	add_numbers(rp->room_counts, json_object_get(part, "counts"));
	add_numbers(rp->topics, json_object_get(part, "topics"));
	add_numbers(rp->places, json_object_get(part, "places"));
	add_numbers(rp->sources, json_object_get(part, "sources"));
	json_array_foreach(json_object_get(part, "per_minute"), i, v) {
		char minute[24];
		json_t *one = json_object();

		snprintf(minute, sizeof(minute), "%lld", (long long)json_integer_value(json_array_get(v, 0)));
		json_object_set_new(one, minute, json_integer(json_integer_value(json_array_get(v, 1))));
		add_numbers(rp->per_minute, one);
		json_decref(one);
	}
	if (rp->range)
		room = json_pack("{s:O,s:O}", "id", json_object_get(rp->room, "id"),
		    "title", json_object_get(rp->room, "title"));
	json_array_foreach(json_object_get(part, "top"), i, v) {
		if (room)
			json_object_set(v, "room", room);
		json_array_append(rp->top, v);
	}
	json_decref(room);
	json_decref(part);
	return 0;
}

static int
by_votes(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t vx = json_integer_value(json_object_get(x, "votes"));
	json_int_t vy = json_integer_value(json_object_get(y, "votes"));

	return vx < vy ? 1 : vx > vy ? -1 : 0;
}

/* [ms, asks] pairs by their minute. */
static int
by_minute(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_array_get(*(json_t *const *)a, 0));
	json_int_t y = json_integer_value(json_array_get(*(json_t *const *)b, 0));

	return x < y ? -1 : x > y;
}

/* The answer: the sums, the top TOP questions by votes, the asks per minute in order. */
static void
report_done(struct job *j)
{
	struct report *rp = j->state;
	json_t *top = json_array(), *pm = json_array(), *x, *o;
	const char *k;
	size_t i;

	sort_json_array(rp->top, by_votes);
	for (i = 0; i < json_array_size(rp->top) && i < TOP; i++)
		json_array_append(top, json_array_get(rp->top, i));
	/* Object keys come in no order: the minutes are sorted as numbers. */
	json_object_foreach(rp->per_minute, k, x)
		json_array_append_new(pm, json_pack("[I,I]", (json_int_t)strtoll(k, NULL, 10),
		    json_integer_value(x)));
	sort_json_array(pm, by_minute);
	o = json_pack("{s:O,s:o,s:O,s:O,s:O,s:o,s:s}", "counts", rp->counts, "per_minute", pm,
	    "topics", rp->topics, "places", rp->places, "sources", rp->sources, "top", top,
	    "today", rp->today);
	if (rp->range) {
		json_object_set_new(o, "from", json_string(rp->from_day));
		json_object_set_new(o, "to", json_string(rp->to_day));
		json_object_set(o, "rooms", rp->list);
	} else {
		json_object_set(o, "room", rp->room);
	}
	job_respond_object(j, o);
}

static void next_room(struct job *j);

static void
on_chunk(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct report *rp = j->state;
	const char *s;
	size_t len;

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r)) {
		if (!rp->range) {
			job_error(j, 404, "no_room", "no such room");
			return;
		}
		next_room(j);	/* a room gone since the list was read */
		return;
	}
	if (rp->room == NULL && (s = store_reply_str(r, REPORT_R_ROOM, &len)) != NULL)
		rp->room = json_loadb(s, len, 0, NULL);
	if (rp->room == NULL || (s = store_reply_str(r, REPORT_R_PART, &len)) == NULL ||
	    add_part(rp, s, len) < 0) {
		job_error(j, 500, "internal_error", "malformed reply from Redis");
		return;
	}
	if ((rp->from = store_reply_int(r, REPORT_R_NEXT)) > 0) {
		char from[24];
		const char *args[REPORT_NARGS] = {
			[REPORT_FROM] = from, [REPORT_LIMIT] = CHUNK, [REPORT_TODAY] = rp->today,
			[REPORT_TOP] = TOP_S,
		};

		snprintf(from, sizeof(from), "%lld", rp->from);
		job_run(j, SCRIPT_REPORT, args, on_chunk);
		return;
	}
	if (rp->range)
		json_array_append_new(rp->list, json_pack("{s:O,s:O,s:O?,s:O}",
		    "id", json_object_get(rp->room, "id"), "title", json_object_get(rp->room, "title"),
		    "created", json_object_get(rp->room, "created"), "counts", rp->room_counts));
	next_room(j);
}

static void
next_room(struct job *j)
{
	struct report *rp = j->state;
	const char *id;
	const char *args[REPORT_NARGS] = {
		[REPORT_FROM] = "1", [REPORT_LIMIT] = CHUNK, [REPORT_TODAY] = rp->today,
		[REPORT_TOP] = TOP_S,
	};

	if (rp->next_room >= json_array_size(rp->rooms)) {
		report_done(j);
		return;
	}
	id = json_string_value(json_array_get(rp->rooms, rp->next_room++));
	snprintf(j->room, sizeof(j->room), "%s", id ? id : "");
	if (rp->range) {
		json_decref(rp->room);
		rp->room = NULL;
	}
	json_decref(rp->room_counts);
	rp->room_counts = json_object();
	job_run(j, SCRIPT_REPORT, args, on_chunk);
}

/* ---- GET /api/rooms/ID/report.json ---- */

static void
room_report(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	struct job *j = job_new(wsi, hc);
	struct report *rp = report_new();

	(void)w;
	j->state = rp;
	j->free_state = report_free;
	rp->rooms = json_pack("[s]", hc->arg);
	next_room(j);
}

void
report_room(struct lws *wsi, struct http_conn *hc)
{
	access_room(wsi, hc, SR_BIT(SR_MODERATOR), room_report);
}

/* ---- GET /api/report.json?from=YYYY-MM-DD&to=YYYY-MM-DD ---- */

/* The local midnight starting day s (YYYY-MM-DD), plus days, in ms. */
static long long
day_ms(const char *s, int days)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8) + days;
	tm.tm_isdst = -1;
	return (long long)mktime(&tm) * 1000;
}

static void
on_rooms(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct report *rp = j->state;

	if (!job_alive(j, r))
		return;
	if ((rp->rooms = console_room_ids(r)) == NULL) {
		job_error(j, 500, "internal_error", "malformed reply from Redis");
		return;
	}
	next_room(j);
}

/* The query's date `name`, or dflt; -1 if given and not a date. */
static int
query_day(struct lws *wsi, const char *name, const char *dflt, char out[11])
{
	char buf[32];
	const char *v = lws_get_urlarg_by_name(wsi, name, buf, sizeof(buf));

	if (v == NULL || *v == '\0') {
		snprintf(out, 11, "%s", dflt);
		return 0;
	}
	if (!proto_valid_date(v, strlen(v)))
		return -1;
	snprintf(out, 11, "%s", v);
	return 0;
}

static void
range_report(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	struct report *rp = report_new();
	char from[24], to[24], month_ago[11];
	time_t then = time(NULL) - 30 * 86400;
	struct tm tm;
	struct job *j;

	(void)w;
	localtime_r(&then, &tm);
	strftime(month_ago, sizeof(month_ago), "%Y-%m-%d", &tm);
	if (query_day(wsi, "from=", month_ago, rp->from_day) < 0 ||
	    query_day(wsi, "to=", rp->today, rp->to_day) < 0) {
		report_free(rp);
		respond_error(wsi, hc, 400, "bad_request", "from and to are days, YYYY-MM-DD");
		return;
	}
	rp->range = 1;
	snprintf(from, sizeof(from), "%lld", day_ms(rp->from_day, 0));
	snprintf(to, sizeof(to), "%lld", day_ms(rp->to_day, 1) - 1);
	j = job_new(wsi, hc);
	j->state = rp;
	j->free_state = report_free;
	snprintf(j->room, sizeof(j->room), "%s", STAFF_ROOM);
	{
		const char *args[ROOMS_INDEX_NARGS] = {
			[ROOMS_INDEX_OP] = "range", [ROOMS_INDEX_ID] = "", [ROOMS_INDEX_AT] = from,
			[ROOMS_INDEX_OPENS_AT] = to,
		};

		job_run(j, SCRIPT_ROOMS_INDEX, args, on_rooms);
	}
}

void
report_range(struct lws *wsi, struct http_conn *hc)
{
	access_check(wsi, hc, 0, 1, range_report);
}
