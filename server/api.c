/*
 * api: see api.h. Keys are compared in constant time (auth.c) and wiped
 * from memory once checked.
 */
#include "api.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "auth.h"
#include "config.h"
#include "httpio.h"
#include "proto.h"
#include "qr.h"
#include "store.h"
#include "text.h"
#include "util.h"

static const struct config *cfg;

void
api_init(const struct config *c)
{
	cfg = c;
}

/* ---- POST /api/rooms ---- */

struct new_room {
	char title[PROTO_MAX_TITLE * 4 + 1];
	int moderation;
	char opens_at[24];		/* ms, or "" */
	char modkey[AUTH_KEY_LEN + 1], preskey[AUTH_KEY_LEN + 1];
	char *answer;			/* the 201's body, once the room is indexed */
};

static void
wipe_free(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
	free(p);
}

static void
new_room_free(void *p)
{
	struct new_room *nr = p;

	if (nr->answer) {
		OPENSSL_cleanse(nr->answer, strlen(nr->answer));
		free(nr->answer);
	}
	wipe_free(p, sizeof(struct new_room));
}

/* The room is in the console's list: the 201, with its keys in clear, this once. */
static void
on_indexed(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct new_room *nr = j->state;
	char *body;

	if (!job_alive(j, r))
		return;
	body = nr->answer;
	nr->answer = NULL;
	job_respond(j, 201, "application/json", body, strlen(body));
}

static void
on_created(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct new_room *nr = j->state;
	struct sbuf b = { 0 };
	const char *room;
	size_t len;
	char at[24];

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r)) {
		const char *message;
		long long retry;
		const char *code = store_reply_err(r, &message, &retry);

		if (strcmp(code, "exists") == 0)
			job_error(j, 409, "exists", "a room with this id exists");
		else
			job_error(j, 500, code, message);
		return;
	}
	room = store_reply_str(r, CREATE_ROOM_R_ROOM, &len);
	sbuf_init(&b, 512);
	sbuf_adds(&b, "{\"id\":");
	sbuf_json_strz(&b, j->room);
	sbuf_adds(&b, ",\"moderator_key\":");
	sbuf_json_strz(&b, nr->modkey);
	sbuf_adds(&b, ",\"presenter_key\":");
	sbuf_json_strz(&b, nr->preskey);
	sbuf_adds(&b, ",\"room\":");
	sbuf_add(&b, room ? room : "null", room ? len : 4);
	sbuf_printf(&b, ",\"viewer_url\":\"/r/%s\",\"moderator_url\":\"/m/%s#key=%s\","
	    "\"presenter_url\":\"/p/%s#key=%s\",\"overlay_url\":\"/o/%s#key=%s\"}",
	    j->room, j->room, nr->modkey, j->room, nr->preskey, j->room, nr->preskey);
	nr->answer = sbuf_steal(&b, NULL);
	snprintf(at, sizeof(at), "%llu", (unsigned long long)wall_ms());
	{
		const char *args[ROOMS_INDEX_NARGS] = {
			[ROOMS_INDEX_OP] = "add", [ROOMS_INDEX_ID] = j->room, [ROOMS_INDEX_AT] = at,
			[ROOMS_INDEX_OPENS_AT] = nr->opens_at,
		};

		if (store_run(SCRIPT_ROOMS_INDEX, STAFF_ROOM, args, on_indexed, j, NULL) != STORE_SENT)
			on_indexed(j, NULL);
	}
}

/* A JSON time: ms since 1970, or "" for none; -1 if it is not a time. */
static int
opening_time(const json_t *v, char out[24])
{
	out[0] = '\0';
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return -1;
	snprintf(out, 24, "%lld", (long long)json_integer_value(v));
	return 0;
}

static void
create_room(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	char modhash[AUTH_HASH_LEN + 1], preshash[AUTH_HASH_LEN + 1], epoch[AUTH_KEY_LEN + 1];
	json_error_t jerr;
	json_t *o, *v;
	struct new_room *nr;
	struct job *j;

	o = hc->body ? json_loadb(hc->body, hc->body_len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		respond_error(wsi, hc, 400, "bad_json", "the body must be a JSON object");
		return;
	}
	j = job_new(wsi, hc);
	j->state = nr = xcalloc(1, sizeof(*nr));
	j->free_state = new_room_free;
	v = json_object_get(o, "id");
	if (!json_is_string(v) || !proto_valid_room_id(json_string_value(v), json_string_length(v))) {
		json_decref(o);
		job_error(j, 400, "bad_request", "'id' must match [a-z0-9][a-z0-9-]{0,63}");
		return;
	}
	snprintf(j->room, sizeof(j->room), "%s", json_string_value(v));
	v = json_object_get(o, "title");
	if (v && !json_is_null(v)) {
		struct sbuf t = { 0 };
		long chars = -1;

		sbuf_init(&t, 64);
		if (json_is_string(v))
			chars = text_clean(json_string_value(v), json_string_length(v), &t);
		if (chars <= 0 || chars > PROTO_MAX_TITLE) {
			sbuf_free(&t);
			json_decref(o);
			job_error(j, 400, "bad_request", "'title' must be 1-200 characters");
			return;
		}
		snprintf(nr->title, sizeof(nr->title), "%s", t.data);
		sbuf_free(&t);
	} else
		snprintf(nr->title, sizeof(nr->title), "%s", j->room);
	v = json_object_get(o, "moderation");
	if ((v && !json_is_boolean(v)) || opening_time(json_object_get(o, "opens_at"), nr->opens_at) < 0) {
		json_decref(o);
		job_error(j, 400, "bad_request", "'moderation' is true or false, 'opens_at' a time in ms");
		return;
	}
	nr->moderation = v ? json_is_true(v) : 1;
	json_decref(o);
	if (auth_new_key(nr->modkey) < 0 || auth_new_key(nr->preskey) < 0 || auth_new_key(epoch) < 0) {
		job_error(j, 500, "internal_error", "no randomness available");
		return;
	}
	auth_hash(nr->modkey, strlen(nr->modkey), modhash);
	auth_hash(nr->preskey, strlen(nr->preskey), preshash);
	{
		const char *args[CREATE_ROOM_NARGS] = {
			[CREATE_ROOM_ID] = j->room, [CREATE_ROOM_TITLE] = nr->title,
			[CREATE_ROOM_MODERATION] = nr->moderation ? "1" : "0",
			[CREATE_ROOM_MODKEY] = modhash, [CREATE_ROOM_PRESKEY] = preshash,
			[CREATE_ROOM_EPOCH] = epoch, [CREATE_ROOM_ACTOR] = w->actor,
			[CREATE_ROOM_OPENS_AT] = nr->opens_at, [CREATE_ROOM_ACTOR_NAME] = w->st.name,
		};

		job_run(j, SCRIPT_CREATE_ROOM, args, on_created);
	}
}

void
api_create_room(struct lws *wsi, struct http_conn *hc)
{
	access_check(wsi, hc, SR_BIT(SR_ADMIN), 1, create_room);
}

/* ---- QR code of the viewer page ---- */

/* The connection comes from one of the trusted proxies: its X-Forwarded-* headers count. */
static int
trusted_peer(struct lws *wsi)
{
	char peer[ADDR_MAX];

	lws_get_peer_simple(wsi, peer, sizeof(peer));
	return addr_in(&cfg->trusted, strncmp(peer, "::ffff:", 7) == 0 ? peer + 7 : peer);
}

/* The viewer page's URL as residents reach it. */
static int
viewer_url(struct lws *wsi, const char *room, size_t rlen, char *out, size_t n)
{
	char host[256], proto[16] = "http";
	size_t i;

	if (cfg->public_url) {
		size_t bl = strlen(cfg->public_url);

		while (bl > 0 && cfg->public_url[bl - 1] == '/')
			bl--;
		snprintf(out, n, "%.*s/r/%.*s", (int)bl, cfg->public_url, (int)rlen, room);
		return 0;
	}
	if (lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) <= 0)
		return -1;
	for (i = 0; host[i]; i++)	/* a host name, an address and a port; nothing else */
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]", host[i]))
			return -1;
	if (cfg->trust_proxy && trusted_peer(wsi) &&
	    lws_hdr_custom_copy(wsi, proto, sizeof(proto), "x-forwarded-proto:", 18) > 0 &&
	    strcmp(proto, "https") != 0)
		snprintf(proto, sizeof(proto), "http");
	snprintf(out, n, "%s://%s/r/%.*s", proto, host, (int)rlen, room);
	return 0;
}

void
api_qr(struct lws *wsi, struct http_conn *hc, const char *room, size_t rlen)
{
	char url[512], args[64] = "";
	struct sbuf b = { 0 };

	if (!proto_valid_room_id(room, rlen) || viewer_url(wsi, room, rlen, url, sizeof(url)) < 0) {
		respond_error(wsi, hc, 404, "not_found", "no such room");
		return;
	}
	sbuf_init(&b, 8192);
	if (qr_svg(url, &b) < 0) {
		sbuf_free(&b);
		respond_error(wsi, hc, 500, "internal_error", "the link cannot be encoded");
		return;
	}
	if (lws_hdr_copy(wsi, args, sizeof(args), WSI_TOKEN_HTTP_URI_ARGS) > 0 &&
	    strstr(args, "download"))
		snprintf(hc->disposition, sizeof(hc->disposition),
		    "attachment; filename=\"%.*s-qr.svg\"", (int)rlen, room);
	respond(wsi, hc, 200, "image/svg+xml", b.data, b.len);
}

