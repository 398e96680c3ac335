/*
 * export: see export.h. The JSON response is spliced from the scripts'
 * strings as they come: a question is written without its closing brace,
 * then its variants, chunk after chunk, then the closing "]}". The CSV
 * keeps the one question still open parsed, adds the variants of the
 * chunks that continue it, and writes its row once the next one starts.
 */
#include "export.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "httpio.h"
#include "proto.h"
#include "store.h"
#include "util.h"

struct export {
	int json;
	long long from, vfrom;	/* where the next chunk starts */
	struct sbuf out;	/* the response so far */
	size_t written;		/* questions begun */
	long long open;		/* the id of the question whose variants may go on, or 0 */
	int open_vars;		/* it has variants written (JSON) */
	json_t *open_q;		/* it, parsed (CSV) */
};

static void
export_free(void *p)
{
	struct export *e = p;

	sbuf_free(&e->out);
	json_decref(e->open_q);
	free(e);
}

/* ---- CSV ---- */

static void
csv_field(struct sbuf *b, const char *s)
{
	const char *p;

	sbuf_addc(b, '"');
	/* A leading =, +, - or @ would make spreadsheets run the cell as a formula. */
	if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@'))
		sbuf_addc(b, '\'');
	for (p = s ? s : ""; *p; p++) {
		if (*p == '"')
			sbuf_addc(b, '"');
		sbuf_addc(b, *p);
	}
	sbuf_addc(b, '"');
}

static void
csv_time(struct sbuf *b, long long ms)
{
	char t[40];
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	sbuf_printf(b, "%s.%03lldZ", t, ms % 1000);
}

static void
csv_head(struct sbuf *b)
{
	sbuf_adds(b, "id,status,featured,votes,duplicates,score,text,name,author,flags,"
	    "created,updated,merged_into,original_text,variants,source,caller_phone,topics,places,"
	    "department,due,answered_at,written_answer,answered_in_writing_at\r\n");
}

/* Joins the strings of an array (or the "text" of its objects) with sep. */
static void
csv_join(struct sbuf *b, const json_t *a, const char *field, char sep)
{
	struct sbuf tmp = { 0 };
	const json_t *v;
	size_t k;

	sbuf_init(&tmp, 64);
	json_array_foreach(a, k, v) {
		const char *s = json_string_value(field ? json_object_get(v, field) : v);

		if (k > 0)
			sbuf_addc(&tmp, sep);
		sbuf_adds(&tmp, s ? s : "");
	}
	csv_field(b, tmp.data);
	sbuf_free(&tmp);
}

static void
csv_row(struct sbuf *b, const json_t *q)
{
	sbuf_printf(b, "%lld,%s,%s,%lld,%lld,", (long long)json_integer_value(json_object_get(q, "id")),
	    json_string_value(json_object_get(q, "status")),
	    json_is_true(json_object_get(q, "featured")) ? "yes" : "no",
	    (long long)json_integer_value(json_object_get(q, "votes")),
	    (long long)json_integer_value(json_object_get(q, "dups")));
	sbuf_printf(b, "%g,", json_number_value(json_object_get(q, "score")));
	csv_field(b, json_string_value(json_object_get(q, "text")));
	sbuf_addc(b, ',');
	csv_field(b, json_string_value(json_object_get(q, "name")));
	sbuf_addc(b, ',');
	csv_field(b, json_string_value(json_object_get(q, "author")));
	sbuf_addc(b, ',');
	csv_join(b, json_object_get(q, "flags"), NULL, ' ');
	sbuf_addc(b, ',');
	csv_time(b, json_integer_value(json_object_get(q, "created")));
	sbuf_addc(b, ',');
	csv_time(b, json_integer_value(json_object_get(q, "updated")));
	sbuf_addc(b, ',');
	if (json_object_get(q, "merged_into"))
		sbuf_printf(b, "%lld", (long long)json_integer_value(json_object_get(q, "merged_into")));
	sbuf_addc(b, ',');
	csv_field(b, json_string_value(json_object_get(q, "original_text")));
	sbuf_addc(b, ',');
	csv_join(b, json_object_get(q, "variants"), "text", '\n');
	/* The desk's: where it came from, its tags, its follow-up. */
	sbuf_addc(b, ',');
	csv_field(b, json_string_value(json_object_get(q, "source")));
	sbuf_addc(b, ',');
	csv_field(b, json_string_value(json_object_get(q, "caller_phone")));
	sbuf_addc(b, ',');
	csv_join(b, json_object_get(q, "topics"), NULL, ' ');
	sbuf_addc(b, ',');
	csv_join(b, json_object_get(q, "places"), NULL, ' ');
	{
		const json_t *f = json_object_get(q, "followup"), *ans = json_object_get(f, "answer");

		sbuf_addc(b, ',');
		csv_field(b, json_string_value(json_object_get(f, "department")));
		sbuf_addc(b, ',');
		csv_field(b, json_string_value(json_object_get(f, "due")));
		sbuf_addc(b, ',');
		if (json_is_integer(json_object_get(q, "answered_at")))
			csv_time(b, json_integer_value(json_object_get(q, "answered_at")));
		sbuf_addc(b, ',');
		csv_field(b, json_string_value(json_object_get(ans, "text")));
		sbuf_addc(b, ',');
		if (json_is_integer(json_object_get(ans, "at")))
			csv_time(b, json_integer_value(json_object_get(ans, "at")));
	}
	sbuf_adds(b, "\r\n");
}

/* ---- putting the chunks together ---- */

/* The question still open is complete. */
static void
close_open(struct export *e)
{
	if (e->open == 0)
		return;
	if (e->json)
		sbuf_adds(&e->out, "]}");
	else if (e->open_q) {
		csv_row(&e->out, e->open_q);
		json_decref(e->open_q);
		e->open_q = NULL;
	}
	e->open = 0;
}

/* The variants "items" (the inside of a JSON array) of the open question. */
static void
add_variants(struct export *e, const char *items, size_t len)
{
	if (len == 0)
		return;
	if (e->json) {
		if (e->open_vars)
			sbuf_addc(&e->out, ',');
		sbuf_add(&e->out, items, len);
		e->open_vars = 1;
	} else if (e->open_q) {
		struct sbuf a = { 0 };
		json_t *vs;

		sbuf_init(&a, len + 2);
		sbuf_addc(&a, '[');
		sbuf_add(&a, items, len);
		sbuf_addc(&a, ']');
		if ((vs = json_loadb(a.data, a.len, 0, NULL)) != NULL)
			json_array_extend(json_object_get(e->open_q, "variants"), vs);
		json_decref(vs);
		sbuf_free(&a);
	}
}

/* A question begins (q: its moderator view without variants). */
static void
open_question(struct export *e, long long id, const char *q, size_t len)
{
	close_open(e);
	e->open = id;
	e->open_vars = 0;
	if (e->json) {
		if (e->written > 0)
			sbuf_addc(&e->out, ',');
		sbuf_add(&e->out, q, len - 1);	/* its closing brace comes after the variants */
		sbuf_adds(&e->out, ",\"variants\":[");
	} else if ((e->open_q = json_loadb(q, len, 0, NULL)) != NULL)
		json_object_set_new(e->open_q, "variants", json_array());
	e->written++;
}

/* One chunk's questions: id, question (or "" if it goes on from the last chunk), variants. */
static int
add_chunk(struct export *e, const redisReply *qs)
{
	size_t i;

	for (i = 0; i + 2 < qs->elements; i += 3) {
		const redisReply *id = qs->element[i], *q = qs->element[i + 1], *vs = qs->element[i + 2];

		if (id->type != REDIS_REPLY_INTEGER || q->type != REDIS_REPLY_STRING ||
		    vs->type != REDIS_REPLY_STRING)
			return -1;
		if (q->len > 0) {
			if (q->str[q->len - 1] != '}')
				return -1;
			open_question(e, id->integer, q->str, q->len);
		} else if (id->integer != e->open)
			return -1;
		add_variants(e, vs->str, vs->len);
	}
	return 0;
}

static void on_exported(void *arg, redisReply *r);

static void
next_chunk(struct job *j)
{
	struct export *e = j->state;
	char from[24], vfrom[24], limit[16], vlimit[16];
	const char *args[EXPORT_NARGS] = {
		[EXPORT_FROM] = from, [EXPORT_VFROM] = vfrom,
		[EXPORT_LIMIT] = limit, [EXPORT_VLIMIT] = vlimit,
	};

	snprintf(from, sizeof(from), "%lld", e->from);
	snprintf(vfrom, sizeof(vfrom), "%lld", e->vfrom);
	snprintf(limit, sizeof(limit), "%d", EXPORT_QUESTIONS);
	snprintf(vlimit, sizeof(vlimit), "%d", EXPORT_VARIANTS);
	job_run(j, SCRIPT_EXPORT, args, on_exported);
}

static void
on_exported(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct export *e = j->state;
	struct lws *wsi = j->wsi;
	struct http_conn *hc;
	const redisReply *qs;
	char room[PROTO_ID_LEN + 1];
	const char *meta;
	size_t len;
	struct sbuf out;
	int json;

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r) || (qs = store_reply_array(r, EXPORT_R_QUESTIONS)) == NULL ||
	    (meta = store_reply_str(r, EXPORT_R_ROOM, &len)) == NULL) {
		respond_error(wsi, job_done(j), 500, "internal_error", "the export failed");
		return;
	}
	if (e->out.data == NULL) {
		sbuf_init(&e->out, 4096 + qs->elements * 256);
		if (e->json) {
			sbuf_adds(&e->out, "{\"room\":");
			sbuf_add(&e->out, meta, len);
			sbuf_printf(&e->out, ",\"exported\":%llu,\"questions\":[", (unsigned long long)wall_ms());
		} else
			csv_head(&e->out);
	}
	if (add_chunk(e, qs) < 0) {
		respond_error(wsi, job_done(j), 500, "internal_error", "the export failed");
		return;
	}
	if ((e->from = store_reply_int(r, EXPORT_R_NEXT)) > 0) {
		e->vfrom = store_reply_int(r, EXPORT_R_NEXTVAR);
		next_chunk(j);
		return;
	}
	close_open(e);
	if (e->json)
		sbuf_adds(&e->out, "]}");
	memcpy(room, j->room, sizeof(room));
	json = e->json;
	out = e->out;
	memset(&e->out, 0, sizeof(e->out));
	hc = job_done(j);
	snprintf(hc->disposition, sizeof(hc->disposition),
	    "attachment; filename=\"%s-questions.%s\"", room, json ? "json" : "csv");
	respond(wsi, hc, 200, json ? "application/json" : "text/csv; charset=utf-8", out.data, out.len);
}

static void start_export(struct lws *wsi, struct http_conn *hc, int json);

static void
export_json_staff(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	(void)w;
	start_export(wsi, hc, 1);
}

static void
export_csv_staff(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	(void)w;
	start_export(wsi, hc, 0);
}

/* The room is hc->arg, its access checked: the chunks begin. */
static void
start_export(struct lws *wsi, struct http_conn *hc, int json)
{
	struct job *j = job_new(wsi, hc);
	struct export *e = xcalloc(1, sizeof(*e));

	snprintf(j->room, sizeof(j->room), "%s", hc->arg);
	j->state = e;
	j->free_state = export_free;
	e->json = json;
	e->from = 1;
	next_chunk(j);
}

void
export_room(struct lws *wsi, struct http_conn *hc, int json)
{
	access_room(wsi, hc, SR_BIT(SR_MODERATOR), json ? export_json_staff : export_csv_staff);
}
