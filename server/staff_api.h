/*
 * staff_api: the HTTP side of staff (DESK.md "Staff and sign-in"):
 *
 *   POST   /api/session            sign in (login, password): a session cookie
 *   DELETE /api/session            sign out: the session ends in Redis
 *   GET    /api/me                 who is signed in
 *   POST   /api/staff              an account (admin, or the admin token)
 *   GET    /api/staff              every account (admin)
 *   POST   /api/staff/LOGIN        change an account: name, roles,
 *                                  departments, disabled, password (admin)
 *   GET    /api/departments        the departments (staff)
 *   POST   /api/departments        a department (admin, or the admin token)
 *
 * A wrong password and an unknown login get the same 401 after about the
 * same time (both are verified); 5 failures for a login or 20 from an
 * address group in 15 minutes get 429 with Retry-After.
 */
#ifndef SURAK_STAFF_API_H
#define SURAK_STAFF_API_H

struct lws;
struct http_conn;
struct config;

void staff_api_init(const struct config *cfg);
void staff_api_signin(struct lws *wsi, struct http_conn *hc);
void staff_api_signout(struct lws *wsi, struct http_conn *hc);
void staff_api_me(struct lws *wsi, struct http_conn *hc);
void staff_api_create(struct lws *wsi, struct http_conn *hc);
void staff_api_update(struct lws *wsi, struct http_conn *hc);
void staff_api_list(struct lws *wsi, struct http_conn *hc);
void staff_api_departments(struct lws *wsi, struct http_conn *hc);
void staff_api_add_department(struct lws *wsi, struct http_conn *hc);

#endif
