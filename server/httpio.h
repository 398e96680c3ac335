/*
 * httpio: what an HTTP handler works with. The request's state (its path
 * and body) and its response live in struct http_conn, the per-connection
 * data lws allocates; a response is prepared with respond…() and written
 * from LWS_CALLBACK_HTTP_WRITEABLE by httpio_write(): headers first, then
 * the body in chunks. A request that needs Redis holds a struct job,
 * shared with the pending reply; if the connection closes first, the job
 * is detached (wsi = NULL) and the reply only frees it.
 *
 * Security headers for every response are chosen in one place,
 * httpio_security_headers(): a strict Content-Security-Policy, nosniff, no
 * referrer, and framing denied except for the broadcast overlay (/o/).
 */
#ifndef SURAK_HTTPIO_H
#define SURAK_HTTPIO_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <stdint.h>

#include "proto.h"
#include "store.h"

struct job;

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
	char set_cookie[256];	/* a Set-Cookie header for the response, or "" */
	int retry_after;	/* seconds for a Retry-After header, or 0 */
	void (*on_body)(struct lws *wsi, struct http_conn *hc);	/* runs once the body is complete */
	char arg[64];		/* what the route matched (a login, a room id) */
	uint64_t started;	/* when the request's headers were complete */
	int accepts_gzip;	/* the request's Accept-Encoding has gzip */
	int gzipped;		/* the response body is gzipped */
};

/* A request awaiting Redis. `state` is the handler's, freed by free_state (which should wipe secrets). */
struct job {
	struct lws *wsi;	/* NULL once the connection is gone */
	struct http_conn *hc;
	char room[PROTO_ID_LEN + 1];
	void *state;
	void (*free_state)(void *state);
};

/* Takes body (malloc'd) as the response. */
void respond(struct lws *wsi, struct http_conn *hc, int status, const char *ctype,
    char *body, size_t len);
void respond_json(struct lws *wsi, struct http_conn *hc, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* {"error":code,"message":message} */
void respond_error(struct lws *wsi, struct http_conn *hc, int status, const char *code,
    const char *message);

/* Forgets the request and response (and detaches a job). */
void httpio_reset(struct http_conn *hc);
/* Writes the next part of the response; -1 if the connection must close. */
int httpio_write(struct lws *wsi, struct http_conn *hc);
int httpio_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
    unsigned char *end);
int httpio_security_headers(struct lws *wsi, const char *path, unsigned char **p,
    unsigned char *end);

/* The token of an "Authorization: Bearer …" header; 0, or -1 if there is none that fits. */
int httpio_bearer(struct lws *wsi, char *out, size_t outlen);

struct job *job_new(struct lws *wsi, struct http_conn *hc);
/* Ends j; returns its connection data if the client is still there, else NULL. */
struct http_conn *job_done(struct job *j);
/*
 * The common start of a Redis reply to a job: a job whose client has gone
 * is ended; no reply is a 503. Returns 1 when the caller should go on.
 */
int job_alive(struct job *j, redisReply *r);
/* Ends j with an error, or with a response (body malloc'd, taken). */
void job_error(struct job *j, int status, const char *code, const char *message);
void job_respond(struct job *j, int status, const char *ctype, char *body, size_t len);
/* Ends j with 200 and the JSON object o (the reference is taken). */
void job_respond_object(struct job *j, json_t *o);
/* Runs a script for j; if it cannot be sent, j ends with 503 (or 500 for a bug). */
void job_run(struct job *j, enum script_id script, const char *const *args, store_reply_fn fn);

#endif
