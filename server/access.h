/*
 * access: who an HTTP request acts as. The admin token (a bearer token,
 * for scripts and the first set-up), or a signed-in member of staff (the
 * session cookie, staff.h), whose roles decide what it may do. A request
 * that changes something on a cookie's authority must come from an allowed
 * Origin (with SameSite=Strict, the cross-site protection of DESK.md).
 */
#ifndef SURAK_ACCESS_H
#define SURAK_ACCESS_H

#include "staff.h"

struct lws;
struct http_conn;
struct config;

struct who {
	int token;		/* the admin token: an admin */
	int key;		/* the room's moderator key (access_room) */
	struct staff st;	/* else the signed-in member of staff */
	char actor[40];		/* for the audit: the login, or "admin-token" */
};

typedef void (*access_fn)(struct lws *wsi, struct http_conn *hc, const struct who *w);

void access_init(const struct config *cfg);
/*
 * Calls fn once the request is known to act as one of `roles` (SR_BIT()s;
 * an admin may do anything); with token, the admin token is accepted too.
 * Otherwise answers 401 (not signed in), 403 (signed in without the role,
 * or a change from another Origin) or 503 (Redis away).
 */
void access_check(struct lws *wsi, struct http_conn *hc, unsigned roles, int token, access_fn fn);
/*
 * For a room's own endpoints (hc->arg, the room id): the room's moderator
 * key as a bearer token acts as a moderator of that room (w->key set,
 * w->actor "key:moderator"); without a key (or with the admin token), as
 * access_check(roles, token 1). An invalid room id is a 404, a wrong key
 * a 401.
 */
void access_room(struct lws *wsi, struct http_conn *hc, unsigned roles, access_fn fn);
/* 1 if the request carries the admin token as a bearer token. */
int access_admin_token(struct lws *wsi);

#endif
