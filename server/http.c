/*
 * http: request routing and responses over lws.
 *
 * A response is prepared in struct http_conn (the lws per-connection data)
 * and written from LWS_CALLBACK_HTTP_WRITEABLE: headers first, then the
 * body in chunks. A request that needs Redis holds a struct job, shared
 * with the pending Redis reply; if the connection closes first, the job
 * is detached (wsi = NULL) and the reply only frees it.
 *
 * Security headers for every response are chosen in one place,
 * add_security_headers(): a strict Content-Security-Policy, nosniff, no
 * referrer, and framing denied except for the broadcast overlay (/o/).
 */
#include "http.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "proto.h"
#include "qr.h"
#include "room.h"
#include "store.h"
#include "text.h"
#include "util.h"

#define MAX_BODY 16384
#define CHUNK 16384

static const struct config *cfg;

struct http_conn;

struct job {
	struct lws *wsi;	/* NULL once the connection is gone */
	struct http_conn *hc;
	char room[PROTO_ID_LEN + 1];
	char key[PROTO_MAX_KEY + 1];
	int json;		/* export format */
	char title[PROTO_MAX_TITLE * 4 + 1];
	int moderation;
	char modkey[AUTH_KEY_LEN + 1], preskey[AUTH_KEY_LEN + 1];
};

struct http_conn {
	char path[256];
	struct job *job;
	char *body;		/* request body received so far */
	size_t body_len;
	/* the response */
	int status;
	const char *ctype;
	char *resp;
	size_t resp_len, resp_off;
	int ready, headers_sent;
	char disposition[128];
	uint64_t started;	/* when the request's headers were complete */
};

void
http_init(const struct config *c)
{
	cfg = c;
}

size_t
http_conn_size(void)
{
	return sizeof(struct http_conn);
}

static int
is_overlay(const char *path)
{
	return strncmp(path, "/o/", 3) == 0;
}

static int
add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
    unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
	    (const unsigned char *)value, (int)strlen(value), p, end);
}

static int
add_security_headers(struct lws *wsi, const char *path, unsigned char **p, unsigned char *end)
{
	const char *csp = is_overlay(path) ?
	    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
	    "frame-ancestors *" :
	    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
	    "form-action 'self'; frame-ancestors 'none'";

	if (add_header(wsi, "content-security-policy:", csp, p, end) ||
	    add_header(wsi, "x-content-type-options:", "nosniff", p, end) ||
	    add_header(wsi, "referrer-policy:", "no-referrer", p, end) ||
	    add_header(wsi, "cross-origin-opener-policy:", "same-origin", p, end))
		return -1;
	if (!is_overlay(path) && add_header(wsi, "x-frame-options:", "DENY", p, end))
		return -1;
	return 0;
}

/* ---- responses ---- */

static void
respond(struct lws *wsi, struct http_conn *hc, int status, const char *ctype,
    char *body, size_t len)
{
	free(hc->resp);
	hc->status = status;
	hc->ctype = ctype;
	hc->resp = body;
	hc->resp_len = len;
	hc->resp_off = 0;
	hc->ready = 1;
	hc->headers_sent = 0;
	lws_callback_on_writable(wsi);
}

static void
respond_json(struct lws *wsi, struct http_conn *hc, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
respond_json(struct lws *wsi, struct http_conn *hc, int status, const char *fmt, ...)
{
	va_list ap;
	char *body = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&body, fmt, ap);
	va_end(ap);
	if (n < 0) {
		body = NULL;
		n = 0;
	}
	respond(wsi, hc, status, "application/json", body, (size_t)n);
}

static void
respond_error(struct lws *wsi, struct http_conn *hc, int status, const char *code,
    const char *message)
{
	struct sbuf b = { 0 };

	sbuf_init(&b, 128);
	sbuf_adds(&b, "{\"error\":");
	sbuf_json_strz(&b, code);
	sbuf_adds(&b, ",\"message\":");
	sbuf_json_strz(&b, message);
	sbuf_addc(&b, '}');
	respond(wsi, hc, status, "application/json", b.data, b.len);
}

static void
conn_reset(struct http_conn *hc)
{
	if (hc->job) {
		hc->job->wsi = NULL;
		hc->job->hc = NULL;
		hc->job = NULL;
	}
	free(hc->body);
	free(hc->resp);
	memset(hc, 0, sizeof(*hc));
}

static int
write_response(struct lws *wsi, struct http_conn *hc)
{
	unsigned char buf[LWS_PRE + CHUNK];
	unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
	size_t n;
	int final;

	if (!hc->ready)
		return 0;
	if (!hc->headers_sent) {
		if (lws_add_http_common_headers(wsi, (unsigned)hc->status, hc->ctype,
		    hc->resp_len, &p, end) ||
		    add_security_headers(wsi, hc->path, &p, end) ||
		    add_header(wsi, "cache-control:", "no-store", &p, end) ||
		    (hc->disposition[0] &&
		    add_header(wsi, "content-disposition:", hc->disposition, &p, end)) ||
		    lws_finalize_write_http_header(wsi, start, &p, end))
			return -1;
		hc->headers_sent = 1;
		if (hc->resp_len > 0) {
			lws_callback_on_writable(wsi);
			return 0;
		}
	} else {
		n = hc->resp_len - hc->resp_off;
		if (n > CHUNK)
			n = CHUNK;
		memcpy(start, hc->resp + hc->resp_off, n);
		hc->resp_off += n;
		final = hc->resp_off == hc->resp_len;
		if (lws_write(wsi, start, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
			return -1;
		if (!final) {
			lws_callback_on_writable(wsi);
			return 0;
		}
	}
	conn_reset(hc);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* ---- pages ---- */

static const char *
page_file(const char *path)
{
	static const struct { const char *prefix, *file; } pages[] = {
		{ "/r/", "viewer.html" }, { "/m/", "moderator.html" },
		{ "/p/", "presenter.html" }, { "/o/", "overlay.html" },
	};
	size_t i;

	if (strcmp(path, "/") == 0)
		return "index.html";
	for (i = 0; i < ARRAY_LEN(pages); i++)
		if (strncmp(path, pages[i].prefix, 3) == 0 &&
		    proto_valid_room_id(path + 3, strlen(path + 3)))
			return pages[i].file;
	return NULL;
}

static int
serve_page(struct lws *wsi, struct http_conn *hc, const char *file)
{
	unsigned char hdr[1024], *p = hdr, *end = hdr + sizeof(hdr);
	char full[1024];
	int n;

	snprintf(full, sizeof(full), "%s/%s", cfg->web_dir, file);
	if (add_security_headers(wsi, hc->path, &p, end) ||
	    add_header(wsi, "cache-control:", "no-cache", &p, end))
		return -1;
	n = lws_serve_http_file(wsi, full, "text/html; charset=utf-8", (const char *)hdr,
	    (int)(p - hdr));
	if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
		return -1;
	return 0;
}

/* ---- API ---- */

static int
bearer(struct lws *wsi, char *out, size_t outlen)
{
	char h[PROTO_MAX_KEY + 16];
	int n = lws_hdr_copy(wsi, h, sizeof(h), WSI_TOKEN_HTTP_AUTHORIZATION);

	if (n <= 7 || strncasecmp(h, "Bearer ", 7) != 0 || (size_t)(n - 7) >= outlen)
		return -1;
	memcpy(out, h + 7, (size_t)n - 6);
	return 0;
}

static struct job *
job_new(struct lws *wsi, struct http_conn *hc)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->wsi = wsi;
	j->hc = hc;
	hc->job = j;
	return j;
}

/* Releases j; returns its connection data if the client is still there. */
static struct http_conn *
job_done(struct job *j)
{
	struct http_conn *hc = j->hc;

	if (hc)
		hc->job = NULL;
	OPENSSL_cleanse(j, sizeof(*j));
	free(j);
	return hc;
}

/*
 * The common start of a Redis reply to a job: a job whose client has gone
 * is freed; no reply is a 503. Returns 1 when the caller should go on.
 */
static int
job_alive(struct job *j, redisReply *r)
{
	struct lws *wsi = j->wsi;

	if (wsi == NULL) {
		job_done(j);
		return 0;
	}
	if (r == NULL) {
		respond_error(wsi, job_done(j), 503, "unavailable", "Redis cannot be reached");
		return 0;
	}
	return 1;
}

static void
on_created(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct lws *wsi = j->wsi;
	struct http_conn *hc;
	struct sbuf b = { 0 };
	const char *room;
	size_t len;

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r)) {
		const char *message;
		long long retry;
		const char *code = store_reply_err(r, &message, &retry);

		hc = job_done(j);
		if (strcmp(code, "exists") == 0)
			respond_error(wsi, hc, 409, "exists", "a room with this id exists");
		else
			respond_error(wsi, hc, 500, code, message);
		return;
	}
	room = store_reply_str(r, 1, &len);
	sbuf_init(&b, 512);
	sbuf_adds(&b, "{\"id\":");
	sbuf_json_strz(&b, j->room);
	sbuf_adds(&b, ",\"moderator_key\":");
	sbuf_json_strz(&b, j->modkey);
	sbuf_adds(&b, ",\"presenter_key\":");
	sbuf_json_strz(&b, j->preskey);
	sbuf_adds(&b, ",\"room\":");
	sbuf_add(&b, room ? room : "null", room ? len : 4);
	sbuf_printf(&b, ",\"viewer_url\":\"/r/%s\",\"moderator_url\":\"/m/%s#key=%s\","
	    "\"presenter_url\":\"/p/%s#key=%s\",\"overlay_url\":\"/o/%s#key=%s\"}",
	    j->room, j->room, j->modkey, j->room, j->preskey, j->room, j->preskey);
	hc = job_done(j);
	respond(wsi, hc, 201, "application/json", b.data, b.len);
}

static void
create_room(struct lws *wsi, struct http_conn *hc)
{
	char token[PROTO_MAX_KEY + 1] = "";
	char modhash[AUTH_HASH_LEN + 1], preshash[AUTH_HASH_LEN + 1], epoch[AUTH_KEY_LEN + 1];
	const char *args[6];
	json_error_t jerr;
	json_t *o, *v;
	struct job *j;

	if (bearer(wsi, token, sizeof(token)) < 0 ||
	    !auth_equal(token, strlen(token), cfg->admin_token, strlen(cfg->admin_token))) {
		OPENSSL_cleanse(token, sizeof(token));
		respond_error(wsi, hc, 401, "auth_failed", "a valid admin token is required");
		return;
	}
	OPENSSL_cleanse(token, sizeof(token));
	o = hc->body ? json_loadb(hc->body, hc->body_len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		respond_error(wsi, hc, 400, "bad_json", "the body must be a JSON object");
		return;
	}
	j = job_new(wsi, hc);
	v = json_object_get(o, "id");
	if (!json_is_string(v) || !proto_valid_room_id(json_string_value(v), json_string_length(v))) {
		json_decref(o);
		job_done(j);
		respond_error(wsi, hc, 400, "bad_request", "'id' must match [a-z0-9][a-z0-9-]{0,63}");
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
			job_done(j);
			respond_error(wsi, hc, 400, "bad_request", "'title' must be 1-200 characters");
			return;
		}
		snprintf(j->title, sizeof(j->title), "%s", t.data);
		sbuf_free(&t);
	} else
		snprintf(j->title, sizeof(j->title), "%s", j->room);
	v = json_object_get(o, "moderation");
	if (v && !json_is_boolean(v)) {
		json_decref(o);
		job_done(j);
		respond_error(wsi, hc, 400, "bad_request", "'moderation' must be true or false");
		return;
	}
	j->moderation = v ? json_is_true(v) : 1;
	json_decref(o);
	if (auth_new_key(j->modkey) < 0 || auth_new_key(j->preskey) < 0 || auth_new_key(epoch) < 0) {
		job_done(j);
		respond_error(wsi, hc, 500, "internal_error", "no randomness available");
		return;
	}
	auth_hash(j->modkey, strlen(j->modkey), modhash);
	auth_hash(j->preskey, strlen(j->preskey), preshash);
	args[0] = j->room;
	args[1] = j->title;
	args[2] = j->moderation ? "1" : "0";
	args[3] = modhash;
	args[4] = preshash;
	args[5] = epoch;
	if (store_script(SCRIPT_CREATE_ROOM, j->room, 6, args, NULL, on_created, j) < 0) {
		job_done(j);
		respond_error(wsi, hc, 503, "unavailable", "Redis cannot be reached");
	}
}

/* ---- export ---- */

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
export_csv(struct sbuf *b, redisReply *qs)
{
	size_t i, k;

	sbuf_adds(b, "id,status,featured,votes,duplicates,score,text,name,author,flags,"
	    "created,updated,merged_into,original_text,variants\r\n");
	for (i = 0; i < qs->elements; i++) {
		json_t *q = json_loadb(qs->element[i]->str, qs->element[i]->len, 0, NULL);
		json_t *vars, *v, *flags;
		struct sbuf tmp = { 0 };

		if (q == NULL)
			continue;
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
		sbuf_init(&tmp, 64);
		flags = json_object_get(q, "flags");
		json_array_foreach(flags, k, v) {
			if (k > 0)
				sbuf_addc(&tmp, ' ');
			sbuf_adds(&tmp, json_string_value(v) ? json_string_value(v) : "");
		}
		csv_field(b, tmp.data);
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
		sbuf_reset(&tmp);
		vars = json_object_get(q, "variants");
		json_array_foreach(vars, k, v) {
			if (k > 0)
				sbuf_addc(&tmp, '\n');
			sbuf_adds(&tmp, json_string_value(json_object_get(v, "text")) ?
			    json_string_value(json_object_get(v, "text")) : "");
		}
		csv_field(b, tmp.data);
		sbuf_adds(b, "\r\n");
		sbuf_free(&tmp);
		json_decref(q);
	}
}

static void
on_exported(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct lws *wsi = j->wsi;
	struct http_conn *hc;
	struct sbuf b = { 0 };
	redisReply *qs;
	int json = j->json;
	char room[PROTO_ID_LEN + 1];
	size_t i;

	if (!job_alive(j, r))
		return;
	memcpy(room, j->room, sizeof(room));
	if (!store_reply_ok(r) || r->elements < 3 || r->element[2]->type != REDIS_REPLY_ARRAY) {
		respond_error(wsi, job_done(j), 500, "internal_error", "the export failed");
		return;
	}
	qs = r->element[2];
	sbuf_init(&b, 1024 + qs->elements * 512);
	if (json) {
		sbuf_adds(&b, "{\"room\":");
		sbuf_add(&b, r->element[1]->str, r->element[1]->len);
		sbuf_printf(&b, ",\"exported\":%llu,\"questions\":[", (unsigned long long)wall_ms());
		for (i = 0; i < qs->elements; i++) {
			if (i > 0)
				sbuf_addc(&b, ',');
			sbuf_add(&b, qs->element[i]->str, qs->element[i]->len);
		}
		sbuf_adds(&b, "]}");
	} else
		export_csv(&b, qs);
	hc = job_done(j);
	snprintf(hc->disposition, sizeof(hc->disposition),
	    "attachment; filename=\"%s-questions.%s\"", room, json ? "json" : "csv");
	respond(wsi, hc, 200, json ? "application/json" : "text/csv; charset=utf-8",
	    b.data, b.len);
}

static void
on_export_auth(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct lws *wsi = j->wsi;
	struct http_conn *hc;

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r)) {
		hc = job_done(j);
		respond_error(wsi, hc, 404, "no_room", "no such room");
		return;
	}
	if (!auth_check(j->key, strlen(j->key), store_reply_str(r, 4, NULL))) {
		hc = job_done(j);
		respond_error(wsi, hc, 401, "auth_failed", "a valid moderator key is required");
		return;
	}
	OPENSSL_cleanse(j->key, sizeof(j->key));
	if (store_script(SCRIPT_EXPORT, j->room, 0, NULL, NULL, on_exported, j) < 0) {
		hc = job_done(j);
		respond_error(wsi, hc, 503, "unavailable", "Redis cannot be reached");
	}
}

static void
export_room(struct lws *wsi, struct http_conn *hc, const char *room, size_t rlen, int json)
{
	struct job *j;
	const char *args[1] = { "-" };

	if (!proto_valid_room_id(room, rlen)) {
		respond_error(wsi, hc, 404, "no_room", "no such room");
		return;
	}
	j = job_new(wsi, hc);
	memcpy(j->room, room, rlen);
	j->room[rlen] = '\0';
	j->json = json;
	if (bearer(wsi, j->key, sizeof(j->key)) < 0) {
		job_done(j);
		respond_error(wsi, hc, 401, "auth_failed", "a valid moderator key is required");
		return;
	}
	if (store_script(SCRIPT_HELLO, j->room, 1, args, NULL, on_export_auth, j) < 0) {
		job_done(j);
		respond_error(wsi, hc, 503, "unavailable", "Redis cannot be reached");
	}
}

/* ---- QR code of the viewer page ---- */

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
	if (cfg->trust_proxy &&
	    lws_hdr_custom_copy(wsi, proto, sizeof(proto), "x-forwarded-proto:", 18) > 0 &&
	    strcmp(proto, "https") != 0)
		snprintf(proto, sizeof(proto), "http");
	snprintf(out, n, "%s://%s/r/%.*s", proto, host, (int)rlen, room);
	return 0;
}

static void
room_qr(struct lws *wsi, struct http_conn *hc, const char *room, size_t rlen)
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

/* ---- routing ---- */

static int
route(struct lws *wsi, struct http_conn *hc)
{
	char *uri = NULL;
	int ulen = 0, method = lws_http_get_uri_and_method(wsi, &uri, &ulen);
	const char *path = hc->path, *file;

	metrics.http_requests++;
	if (method == LWSHUMETH_POST) {
		char cl[24];

		if (strcmp(path, "/api/rooms") == 0) {
			/* Without a body lws reports no completion: answer now. */
			if (lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
				respond_error(wsi, hc, 411, "bad_request",
				    "send the JSON body with a Content-Length");
			else if (strcmp(cl, "0") == 0)
				create_room(wsi, hc);
			return 0;	/* else the body arrives, then BODY_COMPLETION */
		}
		respond_error(wsi, hc, 404, "not_found", "no such resource");
		return 0;
	}
	if (method != LWSHUMETH_GET && method != LWSHUMETH_HEAD) {
		respond_error(wsi, hc, 405, "method_not_allowed", "only GET and POST are served");
		return 0;
	}
	if (strcmp(path, "/healthz") == 0) {
		int ok = store_healthy();

		respond_json(wsi, hc, ok ? 200 : 503,
		    "{\"ok\":%s,\"redis\":%s,\"subscriber\":%s,\"rooms\":%zu}",
		    ok ? "true" : "false", store_ready() ? "true" : "false",
		    ok ? "true" : "false", room_count());
		return 0;
	}
	if (strcmp(path, "/metrics") == 0) {
		struct sbuf b = { 0 };

		sbuf_init(&b, 4096);
		metrics_render(&b);
		respond(wsi, hc, 200, "text/plain; version=0.0.4", b.data, b.len);
		return 0;
	}
	if (strncmp(path, "/api/rooms/", 11) == 0) {
		const char *room = path + 11, *slash = strchr(room, '/');

		if (slash && strcmp(slash, "/export.csv") == 0) {
			export_room(wsi, hc, room, (size_t)(slash - room), 0);
			return 0;
		}
		if (slash && strcmp(slash, "/export.json") == 0) {
			export_room(wsi, hc, room, (size_t)(slash - room), 1);
			return 0;
		}
		if (slash && strcmp(slash, "/qr.svg") == 0) {
			room_qr(wsi, hc, room, (size_t)(slash - room));
			return 0;
		}
	}
	if ((file = page_file(path)) != NULL)
		return serve_page(wsi, hc, file) < 0 ? -1 : 0;
	respond_error(wsi, hc, 404, "not_found", "no such resource");
	return 0;
}

int
http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct http_conn *hc = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* A WebSocket without the qa.v1 subprotocol lands here: refuse it. */
		metrics.connections_refused++;
		return -1;
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		/*
		 * A connection that sends nothing, or its headers a byte at a
		 * time, has --handshake-timeout to finish them.
		 */
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, cfg->handshake_timeout_s);
		return 0;
	case LWS_CALLBACK_HTTP:
		conn_reset(hc);
		hc->started = now_ms();
		snprintf(hc->path, sizeof(hc->path), "%s", (const char *)in);
		if (route(wsi, hc) < 0)
			return -1;
		return 0;
	case LWS_CALLBACK_HTTP_BODY:
		/*
		 * lws restarts its content timeout at every chunk, so a body
		 * sent a byte at a time would never end: the whole body has
		 * --handshake-timeout.
		 */
		if (now_ms() - hc->started > (uint64_t)cfg->handshake_timeout_s * 1000)
			return -1;
		if (len == 0 || hc->ready)
			return 0;
		if (hc->body_len + len > MAX_BODY) {
			respond_error(wsi, hc, 413, "too_long", "the body is over 16 KiB");
			return 0;
		}
		hc->body = xrealloc(hc->body, hc->body_len + len + 1);
		memcpy(hc->body + hc->body_len, in, len);
		hc->body_len += len;
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!hc->ready)
			create_room(wsi, hc);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return write_response(wsi, hc);
	case LWS_CALLBACK_ADD_HEADERS: {
		/* Files from the /static mount: the same headers as everything else. */
		struct lws_process_html_args *a = in;
		unsigned char *p = (unsigned char *)a->p, *end = p + a->max_len;

		if (add_security_headers(wsi, "/static/", &p, end))
			return 1;
		a->max_len -= (int)(p - (unsigned char *)a->p);
		a->p = (char *)p;
		return 0;
	}
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (hc)
			conn_reset(hc);
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}
