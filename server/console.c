/*
 * console: see console.h. Room changes from the console run the same
 * scripts as the moderator page's commands (room, rotate), so they are
 * audited the same way, under the signed-in admin's login.
 */
#include "console.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "auth.h"
#include "config.h"
#include "httpio.h"
#include "log.h"
#include "proto.h"
#include "store.h"
#include "text.h"
#include "util.h"

#define OPEN_EVERY_MS 15000	/* how often a hub looks for rooms whose opening time came */
#define STALE_MS 15000		/* viewer counts older than this do not count (presence.c) */
#define AUDIT_PAGE 500		/* audit entries per answer */

static struct {
	const struct config *cfg;
	uv_timer_t opener;
	int ready;
} C;

static void
ignore(void *arg, redisReply *r)
{
	(void)arg;
	(void)r;
}

/* A rid for a console command: unique, so that no earlier answer is replayed. */
static void
console_rid(char out[40])
{
	char key[AUTH_KEY_LEN + 1];

	if (auth_new_key(key) < 0)
		snprintf(key, sizeof(key), "%llu", (unsigned long long)now_us());
	snprintf(out, 40, "console-%.24s", key);
}

/* ---- GET /api/rooms ---- */

struct listing {
	char **ids;
	char **rows;		/* each room's JSON, or NULL while asked or if gone */
	size_t n, waiting;
	struct job *j;
};

struct info_ask {
	struct listing *l;
	size_t i;
};

static void
listing_free(void *p)
{
	struct listing *l = p;
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->ids[i]);
		free(l->rows[i]);
	}
	free(l->ids);
	free(l->rows);
	free(l);
}

static void
listing_answer(struct listing *l)
{
	struct sbuf b = { 0 };
	size_t i, k = 0;

	sbuf_init(&b, 256 + l->n * 256);
	sbuf_adds(&b, "{\"rooms\":[");
	for (i = 0; i < l->n; i++)
		if (l->rows[i]) {
			sbuf_adds(&b, k++ ? "," : "");
			sbuf_adds(&b, l->rows[i]);
		}
	sbuf_adds(&b, "]}");
	job_respond(l->j, 200, "application/json", sbuf_steal(&b, NULL), b.len);
}

static void
on_info(void *arg, redisReply *r)
{
	struct info_ask *a = arg;
	struct listing *l = a->l;
	const char *room;
	size_t len;

	if (r && store_reply_ok(r) && (room = store_reply_str(r, INFO_R_ROOM, &len)) != NULL) {
		struct sbuf b = { 0 };

		sbuf_init(&b, len + 128);
		sbuf_add(&b, room, len - 1);	/* the room object, its counts added */
		sbuf_printf(&b, ",\"created\":%lld,\"asked\":%lld,\"questions\":%lld,\"viewers\":%lld}",
		    store_reply_int(r, INFO_R_CREATED), store_reply_int(r, INFO_R_ASKED),
		    store_reply_int(r, INFO_R_QUESTIONS), store_reply_int(r, INFO_R_VIEWERS));
		l->rows[a->i] = sbuf_steal(&b, NULL);
	}
	free(a);
	if (--l->waiting > 0)
		return;
	if (l->j->wsi == NULL) {
		job_done(l->j);
		return;
	}
	listing_answer(l);
}

static void
on_index(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct listing *l = j->state;
	const redisReply *ids;
	char stale[16];
	size_t i;

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r) || (ids = store_reply_array(r, ROOMS_INDEX_R_IDS)) == NULL) {
		job_error(j, 500, "internal_error", "the rooms could not be read");
		return;
	}
	l->n = ids->elements;
	l->ids = xcalloc(l->n + 1, sizeof(*l->ids));
	l->rows = xcalloc(l->n + 1, sizeof(*l->rows));
	for (i = 0; i < l->n; i++)
		l->ids[i] = xstrdup(ids->element[i]->type == REDIS_REPLY_STRING ? ids->element[i]->str : "");
	if (l->n == 0) {
		listing_answer(l);
		return;
	}
	/* One call per room: each lives in its own slot of a Redis Cluster. */
	snprintf(stale, sizeof(stale), "%d", STALE_MS);
	l->waiting = l->n;
	for (i = 0; i < l->n; i++) {
		const char *args[INFO_NARGS] = { [INFO_STALE_MS] = stale };
		struct info_ask *a = xcalloc(1, sizeof(*a));

		a->l = l;
		a->i = i;
		if (!proto_valid_room_id(l->ids[i], strlen(l->ids[i])) ||
		    store_run(SCRIPT_INFO, l->ids[i], args, on_info, a, NULL) != STORE_SENT)
			on_info(a, NULL);
	}
}

json_t *
console_room_ids(const redisReply *r)
{
	const redisReply *ids = store_reply_ok(r) ? store_reply_array(r, ROOMS_INDEX_R_IDS) : NULL;
	json_t *out;
	size_t i;

	if (ids == NULL)
		return NULL;
	out = json_array();
	for (i = 0; i < ids->elements; i++)
		if (ids->element[i]->type == REDIS_REPLY_STRING &&
		    proto_valid_room_id(ids->element[i]->str, ids->element[i]->len))
			json_array_append_new(out, json_string(ids->element[i]->str));
	return out;
}

static void
list_rooms(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	const char *args[ROOMS_INDEX_NARGS] = {
		[ROOMS_INDEX_OP] = "list", [ROOMS_INDEX_ID] = "", [ROOMS_INDEX_AT] = "",
		[ROOMS_INDEX_OPENS_AT] = "",
	};
	struct job *j = job_new(wsi, hc);
	struct listing *l = xcalloc(1, sizeof(*l));

	(void)w;
	l->j = j;
	j->state = l;
	j->free_state = listing_free;
	if (store_run(SCRIPT_ROOMS_INDEX, STAFF_ROOM, args, on_index, j, NULL) != STORE_SENT)
		job_error(j, 503, "unavailable", "Redis cannot be reached");
}

void
console_rooms(struct lws *wsi, struct http_conn *hc)
{
	access_check(wsi, hc, SR_BIT(SR_ADMIN), 1, list_rooms);
}

/* ---- POST /api/rooms/ROOM ---- */

static void
on_room_changed(void *arg, redisReply *r)
{
	struct job *j = arg;
	const char *ack, *message, *code;
	json_t *o;
	long long retry;
	char *room;

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r)) {
		code = store_reply_err(r, &message, &retry);
		job_error(j, strcmp(code, "no_room") == 0 ? 404 : 500, code, message);
		return;
	}
	ack = store_reply_str(r, ROOM_R_ACK, NULL);
	o = ack ? json_loads(ack, 0, NULL) : NULL;
	room = o ? json_dumps(json_object_get(o, "room"), JSON_COMPACT) : NULL;
	json_decref(o);
	if (room == NULL) {
		job_error(j, 500, "internal_error", "malformed reply from Redis");
		return;
	}
	job_respond(j, 200, "application/json", room, strlen(room));
}

/* A yes/no field of the body as "1"/"0", "" when absent; -1 if not a boolean. */
static int
flag(const json_t *o, const char *name, char out[2])
{
	const json_t *v = json_object_get(o, name);

	out[0] = '\0';
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return -1;
	snprintf(out, 2, "%s", json_is_true(v) ? "1" : "0");
	return 0;
}

/* The recording's link: an http(s) URL without spaces or quotes, "-" for null. */
static int
recording_url(const json_t *v, char *out, size_t cap)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v), i;

	if (json_is_null(v)) {
		snprintf(out, cap, "-");
		return 0;
	}
	if (s == NULL || n > 500 || n >= cap ||
	    (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0))
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '"' || s[i] == '<' || s[i] == '>' || s[i] == 0x7f)
			return -1;
	memcpy(out, s, n + 1);
	return 0;
}

static void
update_room(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	json_error_t jerr;
	json_t *o = hc->body ? json_loadb(hc->body, hc->body_len, 0, &jerr) : NULL, *v;
	char open[2], moderation[2], archived[2], opens_at[24] = "", rid[40], client[48];
	char recording[512] = "", recording_at[24] = "";
	struct sbuf title = { 0 };
	struct job *j;

	if (!json_is_object(o) || flag(o, "open", open) < 0 || flag(o, "moderation", moderation) < 0 ||
	    flag(o, "archived", archived) < 0) {
		json_decref(o);
		respond_error(wsi, hc, 400, "bad_request", "a JSON object: open, moderation, archived (true or false), title, opens_at (ms)");
		return;
	}
	if ((v = json_object_get(o, "opens_at")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			json_decref(o);
			respond_error(wsi, hc, 400, "bad_request", "'opens_at' is a time in ms (0: none)");
			return;
		}
		snprintf(opens_at, sizeof(opens_at), "%lld", (long long)json_integer_value(v));
	}
	if ((v = json_object_get(o, "recording")) != NULL) {
		if (recording_url(v, recording, sizeof(recording)) < 0) {
			json_decref(o);
			respond_error(wsi, hc, 400, "bad_request", "'recording' is an http(s) link of at most 500 characters, or null");
			return;
		}
	}
	if ((v = json_object_get(o, "recording_at")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			json_decref(o);
			respond_error(wsi, hc, 400, "bad_request", "'recording_at' is a time in ms");
			return;
		}
		snprintf(recording_at, sizeof(recording_at), "%lld", (long long)json_integer_value(v));
	}
	sbuf_init(&title, 64);
	if ((v = json_object_get(o, "title")) != NULL) {
		long chars = json_is_string(v) ? text_clean(json_string_value(v), json_string_length(v), &title) : -1;

		if (chars <= 0 || chars > PROTO_MAX_TITLE) {
			sbuf_free(&title);
			json_decref(o);
			respond_error(wsi, hc, 400, "bad_request", "'title' must be 1-200 characters");
			return;
		}
	}
	json_decref(o);
	j = job_new(wsi, hc);
	snprintf(j->room, sizeof(j->room), "%s", hc->arg);
	console_rid(rid);
	snprintf(client, sizeof(client), "console-%s", w->actor);
	{
		const char *args[ROOM_NARGS] = {
			[ROOM_CLIENT] = client, [ROOM_RID] = rid, [ROOM_OPEN] = open,
			[ROOM_TITLE] = title.data, [ROOM_MODERATION] = moderation, [ROOM_ACTOR] = w->actor,
			[ROOM_ARCHIVED] = archived, [ROOM_OPENS_AT] = opens_at, [ROOM_ACTOR_NAME] = w->st.name,
			[ROOM_RECORDING] = recording, [ROOM_RECORDING_AT] = recording_at,
		};

		job_run(j, SCRIPT_ROOM, args, on_room_changed);
	}
	/* The opening time in the console's index too (fire and forget: the room holds it). */
	if (opens_at[0]) {
		const char *args[ROOMS_INDEX_NARGS] = {
			[ROOMS_INDEX_OP] = "open_at", [ROOMS_INDEX_ID] = hc->arg, [ROOMS_INDEX_AT] = "",
			[ROOMS_INDEX_OPENS_AT] = opens_at,
		};

		store_run(SCRIPT_ROOMS_INDEX, STAFF_ROOM, args, ignore, NULL, NULL);
	}
	sbuf_free(&title);
}

void
console_update_room(struct lws *wsi, struct http_conn *hc)
{
	if (!proto_valid_room_id(hc->arg, strlen(hc->arg))) {
		respond_error(wsi, hc, 404, "no_room", "no such room");
		return;
	}
	access_check(wsi, hc, SR_BIT(SR_ADMIN), 1, update_room);
}

/* ---- POST /api/rooms/ROOM/keys ---- */

struct rotation {
	char mod[AUTH_KEY_LEN + 1], pres[AUTH_KEY_LEN + 1];
};

static void
rotation_free(void *p)
{
	OPENSSL_cleanse(p, sizeof(struct rotation));
	free(p);
}

static void
on_rotated(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct rotation *k = j->state;
	struct sbuf b = { 0 };
	const char *code, *message;
	long long retry;

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r)) {
		code = store_reply_err(r, &message, &retry);
		job_error(j, strcmp(code, "no_room") == 0 ? 404 : 500, code, message);
		return;
	}
	sbuf_init(&b, 512);
	sbuf_printf(&b, "{\"moderator_key\":\"%s\",\"presenter_key\":\"%s\","
	    "\"moderator_url\":\"/m/%s#key=%s\",\"presenter_url\":\"/p/%s#key=%s\",\"overlay_url\":\"/o/%s#key=%s\"}",
	    k->mod, k->pres, j->room, k->mod, j->room, k->pres, j->room, k->pres);
	job_respond(j, 200, "application/json", sbuf_steal(&b, NULL), b.len);
}

static void
rotate_keys(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	struct job *j = job_new(wsi, hc);
	struct rotation *k = xcalloc(1, sizeof(*k));
	char modhash[AUTH_HASH_LEN + 1], preshash[AUTH_HASH_LEN + 1], rid[40], client[48];

	j->state = k;
	j->free_state = rotation_free;
	snprintf(j->room, sizeof(j->room), "%s", hc->arg);
	if (auth_new_key(k->mod) < 0 || auth_new_key(k->pres) < 0) {
		job_error(j, 500, "internal_error", "no randomness available");
		return;
	}
	auth_hash(k->mod, strlen(k->mod), modhash);
	auth_hash(k->pres, strlen(k->pres), preshash);
	console_rid(rid);
	snprintf(client, sizeof(client), "console-%s", w->actor);
	{
		const char *args[ROTATE_NARGS] = {
			[ROTATE_CLIENT] = client, [ROTATE_RID] = rid, [ROTATE_WHICH] = "both",
			[ROTATE_MODHASH] = modhash, [ROTATE_PRESHASH] = preshash, [ROTATE_ACTOR] = w->actor,
			[ROTATE_ACTOR_NAME] = w->st.name,
		};

		job_run(j, SCRIPT_ROTATE, args, on_rotated);
	}
}

void
console_rotate(struct lws *wsi, struct http_conn *hc)
{
	if (!proto_valid_room_id(hc->arg, strlen(hc->arg))) {
		respond_error(wsi, hc, 404, "no_room", "no such room");
		return;
	}
	access_check(wsi, hc, SR_BIT(SR_ADMIN), 1, rotate_keys);
}

/* ---- GET /api/rooms/ROOM/audit ---- */

static void
on_audit(void *arg, redisReply *r)
{
	struct job *j = arg;
	long long after = *(long long *)j->state, total;
	const redisReply *e;
	struct sbuf b = { 0 };
	const char *code, *message;
	long long retry;
	size_t i;

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r) || (e = store_reply_array(r, AUDIT_R_ENTRIES)) == NULL) {
		code = r ? store_reply_err(r, &message, &retry) : "internal_error";
		job_error(j, strcmp(code, "no_room") == 0 ? 404 : 500, code, "the audit could not be read");
		return;
	}
	total = store_reply_int(r, AUDIT_R_TOTAL);
	sbuf_init(&b, 256 + e->elements * 160);
	sbuf_adds(&b, "{\"entries\":[");
	for (i = 0; i < e->elements; i++) {
		sbuf_adds(&b, i ? "," : "");
		sbuf_add(&b, e->element[i]->str, e->element[i]->len);
	}
	if (after + (long long)e->elements < total)
		sbuf_printf(&b, "],\"next\":%lld,\"total\":%lld}", after + (long long)e->elements, total);
	else
		sbuf_printf(&b, "],\"next\":null,\"total\":%lld}", total);
	job_respond(j, 200, "application/json", sbuf_steal(&b, NULL), b.len);
}

static void
read_audit(struct lws *wsi, struct http_conn *hc)
{
	char args_q[64] = "", after[24], limit[16];
	const char *p;
	long long from = 0;
	struct job *j;

	if (lws_hdr_copy(wsi, args_q, sizeof(args_q), WSI_TOKEN_HTTP_URI_ARGS) > 0 &&
	    (p = strstr(args_q, "after=")) != NULL)
		from = strtoll(p + 6, NULL, 10);
	if (from < 0)
		from = 0;
	j = job_new(wsi, hc);
	snprintf(j->room, sizeof(j->room), "%s", hc->arg);
	j->state = xmalloc(sizeof(long long));
	*(long long *)j->state = from;
	j->free_state = free;
	snprintf(after, sizeof(after), "%lld", from);
	snprintf(limit, sizeof(limit), "%d", AUDIT_PAGE);
	{
		const char *args[AUDIT_NARGS] = { [AUDIT_AFTER] = after, [AUDIT_LIMIT] = limit };

		job_run(j, SCRIPT_AUDIT, args, on_audit);
	}
}

static void
audit_by_staff(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	(void)w;
	read_audit(wsi, hc);
}

void
console_audit(struct lws *wsi, struct http_conn *hc)
{
	access_room(wsi, hc, SR_BIT(SR_MODERATOR), audit_by_staff);
}

/* ---- rooms opening at their time ---- */

static void
on_opened(void *arg, redisReply *r)
{
	char *room = arg;

	if (r == NULL || !store_reply_ok(r))
		log_warn("console: room %s could not be opened at its time", room);
	else
		log_info("console: room %s opened at its time", room);
	free(room);
}

static void
on_due(void *arg, redisReply *r)
{
	const redisReply *ids = store_reply_array(r, ROOMS_INDEX_R_IDS);
	size_t i;

	(void)arg;
	for (i = 0; ids && i < ids->elements; i++) {
		const char *id = ids->element[i]->str;
		char rid[40];
		const char *args[ROOM_NARGS] = {
			[ROOM_CLIENT] = "schedule", [ROOM_RID] = rid, [ROOM_OPEN] = "1", [ROOM_TITLE] = "",
			[ROOM_MODERATION] = "", [ROOM_ACTOR] = "schedule", [ROOM_ARCHIVED] = "",
			[ROOM_OPENS_AT] = "0", [ROOM_ACTOR_NAME] = "",
			[ROOM_RECORDING] = "", [ROOM_RECORDING_AT] = "",
		};

		if (ids->element[i]->type != REDIS_REPLY_STRING || !proto_valid_room_id(id, strlen(id)))
			continue;
		console_rid(rid);
		if (store_run(SCRIPT_ROOM, id, args, on_opened, xstrdup(id), NULL) != STORE_SENT)
			log_warn("console: room %s is due to open but Redis cannot be reached", id);
	}
}

static void
on_opener(uv_timer_t *t)
{
	const char *args[ROOMS_INDEX_NARGS] = {
		[ROOMS_INDEX_OP] = "due", [ROOMS_INDEX_ID] = "", [ROOMS_INDEX_AT] = "",
		[ROOMS_INDEX_OPENS_AT] = "",
	};

	(void)t;
	if (store_ready())
		store_run(SCRIPT_ROOMS_INDEX, STAFF_ROOM, args, on_due, NULL, NULL);
}

void
console_init(uv_loop_t *loop, const struct config *cfg)
{
	C.cfg = cfg;
	uv_timer_init(loop, &C.opener);
	uv_timer_start(&C.opener, on_opener, OPEN_EVERY_MS, OPEN_EVERY_MS);
	C.ready = 1;
}

void
console_shutdown(void)
{
	if (!C.ready)
		return;
	uv_timer_stop(&C.opener);
	uv_close((uv_handle_t *)&C.opener, NULL);
	C.ready = 0;
}
