/*
 * access: see access.h.
 */
#include "access.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "proto.h"
#include "config.h"
#include "httpio.h"
#include "util.h"
#include "ws.h"

static const struct config *cfg;

struct check {
	unsigned roles;
	access_fn fn;
};

void
access_init(const struct config *c)
{
	cfg = c;
}

int
access_admin_token(struct lws *wsi)
{
	char token[PROTO_MAX_KEY + 1] = "";
	int ok = httpio_bearer(wsi, token, sizeof(token)) == 0 &&
	    auth_equal(token, strlen(token), cfg->admin_token, strlen(cfg->admin_token));

	OPENSSL_cleanse(token, sizeof(token));
	return ok;
}

static void
on_session(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct check *c = j->state;
	struct lws *wsi = j->wsi;
	struct who w;
	access_fn fn = c->fn;
	unsigned roles = c->roles;
	struct http_conn *hc;

	if (!job_alive(j, r))
		return;
	memset(&w, 0, sizeof(w));
	if (!store_reply_ok(r) || staff_parse(store_reply_str(r, SESSION_R_ACCOUNT, NULL), &w.st) < 0) {
		respond_error(wsi, job_done(j), 401, "auth_failed", "sign in first");
		return;
	}
	hc = job_done(j);
	if (!(w.st.roles & (roles | SR_BIT(SR_ADMIN)))) {
		respond_error(wsi, hc, 403, "not_allowed", "your account does not have the role for this");
		return;
	}
	snprintf(w.actor, sizeof(w.actor), "%s", w.st.login);
	fn(wsi, hc, &w);
}

void
access_check(struct lws *wsi, struct http_conn *hc, unsigned roles, int token, access_fn fn)
{
	char cookie[1024] = "", sid[STAFF_SID_HEX + 1];
	char *uri = NULL;
	int ulen = 0, method = lws_http_get_uri_and_method(wsi, &uri, &ulen);
	struct job *j;
	struct check *c;

	if (token && access_admin_token(wsi)) {
		struct who w;

		memset(&w, 0, sizeof(w));
		w.token = 1;
		w.st.roles = SR_BIT(SR_ADMIN);
		snprintf(w.actor, sizeof(w.actor), "admin-token");
		fn(wsi, hc, &w);
		return;
	}
	if (lws_hdr_copy(wsi, cookie, sizeof(cookie), WSI_TOKEN_HTTP_COOKIE) > 0)
		staff_cookie_sid(cookie, sid);
	else
		sid[0] = '\0';
	OPENSSL_cleanse(cookie, sizeof(cookie));
	if (sid[0] == '\0') {
		respond_error(wsi, hc, 401, "auth_failed", "sign in first");
		return;
	}
	/* A change on a cookie's authority: from an allowed page only. */
	if (method != LWSHUMETH_GET && method != LWSHUMETH_HEAD && !ws_origin_allowed(wsi)) {
		respond_error(wsi, hc, 403, "not_allowed", "a request from another site");
		return;
	}
	j = job_new(wsi, hc);
	j->state = c = xcalloc(1, sizeof(*c));
	j->free_state = free;
	c->roles = roles;
	c->fn = fn;
	if (staff_session("get", sid, on_session, j) != STORE_SENT)
		respond_error(wsi, job_done(j), 503, "unavailable", "Redis cannot be reached");
}

/* ---- a room's moderator key ---- */

struct room_key {
	char key[PROTO_MAX_KEY + 1];
	access_fn fn;
};

static void
room_key_free(void *p)
{
	OPENSSL_cleanse(p, sizeof(struct room_key));
	free(p);
}

static void
on_room_keys(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct room_key *k = j->state;
	struct lws *wsi = j->wsi;
	access_fn fn = k->fn;
	struct http_conn *hc;
	struct who w;
	int ok;

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r)) {
		job_error(j, 404, "no_room", "no such room");
		return;
	}
	ok = auth_check(k->key, strlen(k->key), store_reply_str(r, KEYS_R_MODKEY, NULL));
	hc = job_done(j);
	if (!ok) {
		respond_error(wsi, hc, 401, "auth_failed", "the room's moderator key, or a member of staff signed in");
		return;
	}
	memset(&w, 0, sizeof(w));
	w.key = 1;
	w.st.roles = SR_BIT(SR_MODERATOR);
	snprintf(w.actor, sizeof(w.actor), "key:moderator");
	fn(wsi, hc, &w);
}

void
access_room(struct lws *wsi, struct http_conn *hc, unsigned roles, access_fn fn)
{
	struct room_key *k;
	struct job *j;

	if (!proto_valid_room_id(hc->arg, strlen(hc->arg))) {
		respond_error(wsi, hc, 404, "no_room", "no such room");
		return;
	}
	k = xcalloc(1, sizeof(*k));
	if (httpio_bearer(wsi, k->key, sizeof(k->key)) < 0 || access_admin_token(wsi)) {
		room_key_free(k);
		access_check(wsi, hc, roles, 1, fn);
		return;
	}
	k->fn = fn;
	j = job_new(wsi, hc);
	snprintf(j->room, sizeof(j->room), "%s", hc->arg);
	j->state = k;
	j->free_state = room_key_free;
	job_run(j, SCRIPT_KEYS, NULL, on_room_keys);
}
