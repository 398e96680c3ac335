/*
 * desk: see desk.h.
 */
#include "desk.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "console.h"
#include "httpio.h"
#include "log.h"
#include "moderation.h"
#include "proto.h"
#include "staff.h"
#include "tags.h"
#include "util.h"

/* ---- POST /api/rooms/ID/moderate ---- */

/* The HTTP status of a script's or the hub's error code. */
static int
error_status(const char *code)
{
	static const struct { const char *code; int status; } map[] = {
		{ "bad_request", 400 }, { "auth_failed", 401 }, { "not_allowed", 403 },
		{ "no_room", 404 }, { "no_question", 404 }, { "rate_limited", 429 },
		{ "unavailable", 503 },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(map); i++)
		if (strcmp(code, map[i].code) == 0)
			return map[i].status;
	return 500;
}

static void
job_script_error(struct job *j, const redisReply *r)
{
	const char *message, *code;
	long long retry;

	code = store_reply_err(r, &message, &retry);
	job_error(j, error_status(code), code, message ? message : code);
}

static void
on_moderated(void *arg, redisReply *r)
{
	struct job *j = arg;
	const char *ack;
	size_t len;

	if (r != NULL)
		moderation_after(j->state, r);
	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r)) {
		job_script_error(j, r);
		return;
	}
	if ((ack = store_reply_str(r, MODERATE_R_ACK, &len)) == NULL) {
		job_error(j, 500, "internal_error", "malformed reply from Redis");
		return;
	}
	job_respond(j, 200, "application/json", xstrndup(ack, len), len);
}

static void
on_departments(void *arg, redisReply *r)
{
	struct job *j = arg;
	const char *args[MODERATE_NARGS];

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r) || moderation_set_department(j->state, r) < 0) {
		job_error(j, 400, "bad_request", "no such department (GET /api/departments lists them)");
		return;
	}
	snprintf(j->room, sizeof(j->room), "%s", ((struct moderation *)j->state)->room);
	moderation_args(j->state, args);
	job_run(j, SCRIPT_MODERATE, args, on_moderated);
}

/* Which role a member of staff (or the room's key) moderates in. */
static const char *
acting_role(const struct who *w)
{
	if (w->key || (w->st.roles & (SR_BIT(SR_ADMIN) | SR_BIT(SR_MODERATOR))))
		return "moderator";
	if (w->st.roles & SR_BIT(SR_PRESENTER))
		return "presenter";
	return "responder";
}

static void
moderate_as(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	const char *args[MODERATE_NARGS], *code, *message;
	char client[PROTO_ID_LEN + 48];
	struct proto_error e;
	struct moderation *m;
	struct cmd c;
	struct job *j;

	memset(&c, 0, sizeof(c));
	if (proto_parse(hc->body ? hc->body : "", hc->body_len, &c, &e) < 0) {
		respond_error(wsi, hc, 400, e.code, e.message);
		return;
	}
	if (c.type != CMD_MODERATE) {
		proto_cmd_free(&c);
		respond_error(wsi, hc, 400, "bad_request", "a moderate command is expected");
		return;
	}
	snprintf(client, sizeof(client), "http:%s", w->actor);
	m = moderation_new(hc->arg, acting_role(w), client, w->actor, w->key ? "" : w->st.name,
	    w->st.departments, &c);
	proto_cmd_free(&c);
	if (moderation_check(m, &code, &message) < 0) {
		respond_error(wsi, hc, error_status(code), code, message);
		moderation_free(m);
		return;
	}
	j = job_new(wsi, hc);
	snprintf(j->room, sizeof(j->room), "%s", hc->arg);
	j->state = m;
	j->free_state = moderation_free;
	if (moderation_needs_departments(m, args)) {
		snprintf(j->room, sizeof(j->room), "%s", STAFF_ROOM);
		job_run(j, SCRIPT_DEPARTMENTS, args, on_departments);
		return;
	}
	moderation_args(m, args);
	job_run(j, SCRIPT_MODERATE, args, on_moderated);
}

void
desk_moderate(struct lws *wsi, struct http_conn *hc)
{
	access_room(wsi, hc, SR_BIT(SR_MODERATOR) | SR_BIT(SR_PRESENTER) | SR_BIT(SR_RESPONDER),
	    moderate_as);
}

/* ---- a room's questions, a chunk per call, put together ---- */

/*
 * The answers of a room (answers.lua) and a responder's follow-up over
 * every room (followup.lua) both gather JSON questions from several
 * script calls into one array.
 */
struct gather {
	long long total;	/* answers ?top=N: how many public questions there are, or -1 */
	json_t *rooms;		/* followup: the room ids still to read */
	size_t next_room;
	char depts[sizeof(((struct staff *)0)->departments) + 2];
	long long from;		/* answers: the next chunk's first id */
	json_t *room;		/* answers: the room */
	json_t *questions;
};

static void
gather_free(void *p)
{
	struct gather *g = p;

	json_decref(g->rooms);
	json_decref(g->room);
	json_decref(g->questions);
	free(g);
}

static struct gather *
gather_new(void)
{
	struct gather *g = xcalloc(1, sizeof(*g));

	g->total = -1;
	g->questions = json_array();
	return g;
}

/* Appends the questions of a script's reply (element i, JSON strings), with their room if given. */
static int
gather_add(struct gather *g, const redisReply *r, size_t i, json_t *room)
{
	const redisReply *qs = store_reply_array(r, i);
	size_t k;

	if (qs == NULL)
		return -1;
	for (k = 0; k < qs->elements; k++) {
		json_t *q = json_loads(qs->element[k]->str ? qs->element[k]->str : "", 0, NULL);

		if (q == NULL)
			return -1;
		if (room)
			json_object_set(q, "room", room);
		json_array_append_new(g->questions, q);
	}
	return 0;
}

/* The departments (on the staff prefix), for fn to read. */
static void
read_departments(struct job *j, store_reply_fn fn)
{
	const char *args[DEPARTMENTS_NARGS] = {
		[DEPARTMENTS_OP] = "list", [DEPARTMENTS_ID] = "", [DEPARTMENTS_NAME] = "",
	};

	snprintf(j->room, sizeof(j->room), "%s", STAFF_ROOM);
	job_run(j, SCRIPT_DEPARTMENTS, args, fn);
}

/* ---- GET /api/rooms/ID/answers (public) ---- */

#define ANSWERS_CHUNK "500"

static void answers_chunk(struct job *j);

static void
on_names(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct gather *g = j->state;
	const redisReply *all;
	json_t *o, *names = json_object();
	size_t i;

	if (!job_alive(j, r)) {
		json_decref(names);
		return;
	}
	/* The departments' names, by id (an extension: the page names them). */
	all = store_reply_ok(r) ? store_reply_array(r, DEPARTMENTS_R_DEPARTMENTS) : NULL;
	for (i = 0; all && i < all->elements; i++) {
		json_t *d = json_loads(all->element[i]->str ? all->element[i]->str : "", 0, NULL);
		const char *id = json_string_value(json_object_get(d, "id"));

		if (id)
			json_object_set(names, id, json_object_get(d, "name"));
		json_decref(d);
	}
	o = json_pack("{s:O,s:O,s:o}", "room", g->room, "questions", g->questions, "departments", names);
	if (o && g->total >= 0) {
		json_object_set_new(o, "partial", json_true());
		json_object_set_new(o, "total", json_integer(g->total));
	}
	job_respond_object(j, o);
}

/*
 * A reply of the answers scripts: the room (from the first reply) and its
 * questions gathered. -1 when the job has been answered instead (gone, an
 * error, a malformed reply).
 */
static int
take_answers(struct job *j, redisReply *r, size_t room_at, size_t questions_at)
{
	struct gather *g = j->state;
	const char *room;

	if (!job_alive(j, r))
		return -1;
	if (!store_reply_ok(r)) {
		job_script_error(j, r);
		return -1;
	}
	if (g->room == NULL && (room = store_reply_str(r, room_at, NULL)) != NULL)
		g->room = json_loads(room, 0, NULL);
	if (g->room == NULL || gather_add(g, r, questions_at, NULL) < 0) {
		job_error(j, 500, "internal_error", "malformed reply from Redis");
		return -1;
	}
	return 0;
}

static void
on_answers(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct gather *g = j->state;

	if (take_answers(j, r, ANSWERS_R_ROOM, ANSWERS_R_QUESTIONS) < 0)
		return;
	if ((g->from = store_reply_int(r, ANSWERS_R_NEXT)) > 0) {
		answers_chunk(j);
		return;
	}
	read_departments(j, on_names);
}

/* ?top=N: the first screen, the rest left to a second request. */
static void
on_answers_top(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct gather *g = j->state;

	if (take_answers(j, r, ANSWERS_TOP_R_ROOM, ANSWERS_TOP_R_QUESTIONS) < 0)
		return;
	g->total = store_reply_int(r, ANSWERS_TOP_R_TOTAL);
	read_departments(j, on_names);
}

static void
answers_chunk(struct job *j)
{
	struct gather *g = j->state;
	char from[24];
	const char *args[ANSWERS_NARGS] = { [ANSWERS_FROM] = from, [ANSWERS_LIMIT] = ANSWERS_CHUNK };

	snprintf(from, sizeof(from), "%lld", g->from);
	job_run(j, SCRIPT_ANSWERS, args, on_answers);
}

void
desk_answers(struct lws *wsi, struct http_conn *hc)
{
	struct job *j;
	struct gather *g;

	if (!proto_valid_room_id(hc->arg, strlen(hc->arg))) {
		respond_error(wsi, hc, 404, "no_room", "no such room");
		return;
	}
	j = job_new(wsi, hc);
	snprintf(j->room, sizeof(j->room), "%s", hc->arg);
	j->state = g = gather_new();
	j->free_state = gather_free;
	g->from = 1;
	{
		char buf[16];
		const char *top = lws_get_urlarg_by_name(wsi, "top=", buf, sizeof(buf));
		long n = top ? strtol(top, NULL, 10) : 0;

		if (n > 0) {
			char limit[16];
			const char *args[ANSWERS_TOP_NARGS] = { [ANSWERS_TOP_LIMIT] = limit };

			snprintf(limit, sizeof(limit), "%ld", n > 500 ? 500 : n);
			job_run(j, SCRIPT_ANSWERS_TOP, args, on_answers_top);
			return;
		}
	}
	answers_chunk(j);
}

/* ---- GET /api/followup (responders, moderators) ---- */

static void followup_room(struct job *j);

/* Open ones first, the earliest due first; then the answered, the latest first. */
static int
by_due(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_t *fx = json_object_get(x, "followup"), *fy = json_object_get(y, "followup");
	json_t *ax = json_object_get(fx, "answer"), *ay = json_object_get(fy, "answer");
	int cmp;

	if (json_is_object(ax) != json_is_object(ay))
		return json_is_object(ax) ? 1 : -1;
	if (json_is_object(ax)) {
		json_int_t tx = json_integer_value(json_object_get(ax, "at"));
		json_int_t ty = json_integer_value(json_object_get(ay, "at"));

		return tx < ty ? 1 : tx > ty ? -1 : 0;
	}
	cmp = strcmp(json_string_value(json_object_get(fx, "due")) ?: "",
	    json_string_value(json_object_get(fy, "due")) ?: "");
	if (cmp != 0)
		return cmp;
	return (int)(json_integer_value(json_object_get(x, "id")) -
	    json_integer_value(json_object_get(y, "id")));
}

static void
followup_done(struct job *j)
{
	struct gather *g = j->state;

	sort_json_array(g->questions, by_due);
	job_respond_object(j, json_pack("{s:s,s:O}", "departments", g->depts, "questions", g->questions));
}

static void
on_followup(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct gather *g = j->state;
	const char *room;
	json_t *o, *brief;

	if (!job_alive(j, r))
		return;
	/* A room gone since the list was read is skipped. */
	if (store_reply_ok(r) && (room = store_reply_str(r, FOLLOWUP_R_ROOM, NULL)) != NULL &&
	    (o = json_loads(room, 0, NULL)) != NULL) {
		brief = json_pack("{s:O,s:O}", "id", json_object_get(o, "id"),
		    "title", json_object_get(o, "title"));
		json_decref(o);
		if (brief == NULL || gather_add(g, r, FOLLOWUP_R_QUESTIONS, brief) < 0) {
			json_decref(brief);
			job_error(j, 500, "internal_error", "malformed reply from Redis");
			return;
		}
		json_decref(brief);
	}
	followup_room(j);
}

static void
followup_room(struct job *j)
{
	struct gather *g = j->state;
	const char *id;
	const char *args[FOLLOWUP_NARGS] = { [FOLLOWUP_DEPTS] = g->depts };

	if (g->next_room >= json_array_size(g->rooms)) {
		followup_done(j);
		return;
	}
	id = json_string_value(json_array_get(g->rooms, g->next_room++));
	snprintf(j->room, sizeof(j->room), "%s", id ? id : "");
	job_run(j, SCRIPT_FOLLOWUP, args, on_followup);
}

static void
on_rooms(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct gather *g = j->state;

	if (!job_alive(j, r))
		return;
	if ((g->rooms = console_room_ids(r)) == NULL) {
		job_error(j, 500, "internal_error", "malformed reply from Redis");
		return;
	}
	followup_room(j);
}

static void
followup_as(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	struct job *j = job_new(wsi, hc);
	struct gather *g = gather_new();
	const char *args[ROOMS_INDEX_NARGS] = {
		[ROOMS_INDEX_OP] = "list", [ROOMS_INDEX_ID] = "", [ROOMS_INDEX_AT] = "",
		[ROOMS_INDEX_OPENS_AT] = "",
	};

	j->state = g;
	j->free_state = gather_free;
	/* Moderators and admins see every department's; a responder its own. */
	if (w->st.roles & (SR_BIT(SR_ADMIN) | SR_BIT(SR_MODERATOR)))
		snprintf(g->depts, sizeof(g->depts), "*");
	else
		snprintf(g->depts, sizeof(g->depts), "%s", w->st.departments);
	snprintf(j->room, sizeof(j->room), "%s", STAFF_ROOM);
	job_run(j, SCRIPT_ROOMS_INDEX, args, on_rooms);
}

void
desk_followup(struct lws *wsi, struct http_conn *hc)
{
	access_check(wsi, hc, SR_BIT(SR_MODERATOR) | SR_BIT(SR_RESPONDER), 0, followup_as);
}

/* ---- GET /api/tags (public) ---- */

/* The catalog, and the departments (for the pages that name them). */
static void
on_tag_departments(void *arg, redisReply *r)
{
	struct job *j = arg;
	const redisReply *all;
	struct sbuf b = { 0 };
	size_t i;

	if (!job_alive(j, r))
		return;
	all = store_reply_ok(r) ? store_reply_array(r, DEPARTMENTS_R_DEPARTMENTS) : NULL;
	sbuf_init(&b, 8192);
	tags_catalog(&b);
	b.len--;	/* its closing brace */
	sbuf_adds(&b, ",\"departments\":[");
	for (i = 0; all && i < all->elements; i++) {
		if (all->element[i]->type != REDIS_REPLY_STRING)
			continue;
		if (i > 0)
			sbuf_addc(&b, ',');
		sbuf_add(&b, all->element[i]->str, all->element[i]->len);
	}
	sbuf_adds(&b, "]}");
	job_respond(j, 200, "application/json", b.data, b.len);
}

void
desk_tags(struct lws *wsi, struct http_conn *hc)
{
	read_departments(job_new(wsi, hc), on_tag_departments);
}
