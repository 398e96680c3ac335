/*
 * httpio: see httpio.h.
 */
#include "httpio.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "store.h"
#include "util.h"

#define CHUNK 16384

static int
is_overlay(const char *path)
{
	return strncmp(path, "/o/", 3) == 0;
}

int
httpio_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
    unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
	    (const unsigned char *)value, (int)strlen(value), p, end);
}

int
httpio_security_headers(struct lws *wsi, const char *path, unsigned char **p, unsigned char *end)
{
	const char *csp = is_overlay(path) ?
	    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
	    "frame-ancestors *" :
	    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
	    "form-action 'self'; frame-ancestors 'none'";

	if (httpio_header(wsi, "content-security-policy:", csp, p, end) ||
	    httpio_header(wsi, "x-content-type-options:", "nosniff", p, end) ||
	    httpio_header(wsi, "referrer-policy:", "no-referrer", p, end) ||
	    httpio_header(wsi, "cross-origin-opener-policy:", "same-origin", p, end))
		return -1;
	if (!is_overlay(path) && httpio_header(wsi, "x-frame-options:", "DENY", p, end))
		return -1;
	return 0;
}

/*
 * A JSON body of some size is sent gzipped to a client that accepts it
 * (the answers page of 2,000 questions is about 700 KB as JSON, 90 KB
 * gzipped: seconds on a phone's 1.6 Mbit/s). Level 1: about 5 ms for
 * 700 KB on the loop. Bodies over GZIP_MAX go as they are, so that a giant
 * export never holds the loop for long.
 */
#define GZIP_MIN 2048
#define GZIP_MAX (8u << 20)

static int
gzip_body(char **body, size_t *len)
{
	z_stream z;
	size_t cap = compressBound((uLong)*len) + 32;
	unsigned char *out = xmalloc(cap);

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return -1;
	}
	z.next_in = (unsigned char *)*body;
	z.avail_in = (uInt)*len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return -1;
	}
	free(*body);
	*body = (char *)out;
	*len = z.total_out;
	deflateEnd(&z);
	return 0;
}

void
respond(struct lws *wsi, struct http_conn *hc, int status, const char *ctype, char *body,
    size_t len)
{
	hc->gzipped = hc->accepts_gzip && body && len >= GZIP_MIN && len <= GZIP_MAX &&
	    strncmp(ctype, "application/json", 16) == 0 && gzip_body(&body, &len) == 0;
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

void
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

void
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

void
httpio_reset(struct http_conn *hc)
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
retry_header(struct lws *wsi, int seconds, unsigned char **p, unsigned char *end)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", seconds);
	return httpio_header(wsi, "retry-after:", v, p, end);
}

int
httpio_write(struct lws *wsi, struct http_conn *hc)
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
		    httpio_security_headers(wsi, hc->path, &p, end) ||
		    httpio_header(wsi, "cache-control:", "no-store", &p, end) ||
		    httpio_header(wsi, "vary:", "accept-encoding", &p, end) ||
		    (hc->gzipped && httpio_header(wsi, "content-encoding:", "gzip", &p, end)) ||
		    (hc->disposition[0] &&
		    httpio_header(wsi, "content-disposition:", hc->disposition, &p, end)) ||
		    (hc->set_cookie[0] && httpio_header(wsi, "set-cookie:", hc->set_cookie, &p, end)) ||
		    (hc->retry_after > 0 && retry_header(wsi, hc->retry_after, &p, end)) ||
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
	httpio_reset(hc);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int
httpio_bearer(struct lws *wsi, char *out, size_t outlen)
{
	char h[PROTO_MAX_KEY + 16];
	int n = lws_hdr_copy(wsi, h, sizeof(h), WSI_TOKEN_HTTP_AUTHORIZATION);

	if (n <= 7 || strncasecmp(h, "Bearer ", 7) != 0 || (size_t)(n - 7) >= outlen)
		return -1;
	memcpy(out, h + 7, (size_t)n - 6);
	OPENSSL_cleanse(h, sizeof(h));
	return 0;
}

struct job *
job_new(struct lws *wsi, struct http_conn *hc)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->wsi = wsi;
	j->hc = hc;
	hc->job = j;
	return j;
}

struct http_conn *
job_done(struct job *j)
{
	struct http_conn *hc = j->hc;

	if (hc)
		hc->job = NULL;
	if (j->free_state)
		j->free_state(j->state);
	free(j);
	return hc;
}

int
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

void
job_run(struct job *j, enum script_id script, const char *const *args, store_reply_fn fn)
{
	enum store_status st = store_run(script, j->room, args, fn, j, NULL);
	struct lws *wsi = j->wsi;

	if (st == STORE_SENT)
		return;
	if (st == STORE_BUG)
		respond_error(wsi, job_done(j), 500, "internal_error", "the hub could not run this request");
	else
		respond_error(wsi, job_done(j), 503, "unavailable", "Redis cannot be reached");
}

void
job_error(struct job *j, int status, const char *code, const char *message)
{
	struct lws *wsi = j->wsi;

	respond_error(wsi, job_done(j), status, code, message);
}

void
job_respond(struct job *j, int status, const char *ctype, char *body, size_t len)
{
	struct lws *wsi = j->wsi;

	respond(wsi, job_done(j), status, ctype, body, len);
}

void
job_respond_object(struct job *j, json_t *o)
{
	char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (body == NULL) {
		job_error(j, 500, "internal_error", "out of memory");
		return;
	}
	job_respond(j, 200, "application/json", body, strlen(body));
}
