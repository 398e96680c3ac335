/*
 * staff_api: see staff_api.h. A password exists in clear only in the
 * request body and in struct signin, both wiped once used.
 */
#include "staff_api.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "addr.h"
#include "config.h"
#include "httpio.h"
#include "log.h"
#include "text.h"
#include "util.h"
#include "ws.h"

#define FAIL_WINDOW_MS (15 * 60 * 1000)	/* failures count for 15 minutes */
#define FAIL_PER_LOGIN 5
#define FAIL_PER_ADDRESS 20

static const struct config *cfg;

void
staff_api_init(const struct config *c)
{
	cfg = c;
}

static void
wipe_body(struct http_conn *hc)
{
	if (hc->body)
		OPENSSL_cleanse(hc->body, hc->body_len);
}

/* The body as a JSON object, or NULL after a 400. */
static json_t *
body_object(struct lws *wsi, struct http_conn *hc)
{
	json_error_t jerr;
	json_t *o = hc->body ? json_loadb(hc->body, hc->body_len, 0, &jerr) : NULL;

	if (!json_is_object(o)) {
		json_decref(o);
		respond_error(wsi, hc, 400, "bad_request", "the body must be a JSON object");
		return NULL;
	}
	return o;
}

/* ---- POST /api/session: signing in ---- */

struct signin {
	char login[STAFF_LOGIN_MAX + 1];
	char password[STAFF_PASSWORD_MAX + 1];
	size_t plen;
	char group[ADDR_MAX];
	char id[STAFF_SID_HEX + 1], sid[STAFF_SID_HEX + 1];
};

static void
signin_free(void *p)
{
	OPENSSL_cleanse(p, sizeof(struct signin));
	free(p);
}

static void
run_signin(struct job *j, const char *op, store_reply_fn fn)
{
	struct signin *si = j->state;
	char window[16], lmax[16], gmax[16], idle[24];
	const char *args[SIGNIN_NARGS] = {
		[SIGNIN_OP] = op, [SIGNIN_LOGIN] = si->login, [SIGNIN_GROUP] = si->group,
		[SIGNIN_SID] = si->sid, [SIGNIN_WINDOW] = window, [SIGNIN_LOGIN_MAX] = lmax,
		[SIGNIN_GROUP_MAX] = gmax, [SIGNIN_IDLE] = idle,
	};

	snprintf(window, sizeof(window), "%d", FAIL_WINDOW_MS);
	snprintf(lmax, sizeof(lmax), "%d", FAIL_PER_LOGIN);
	snprintf(gmax, sizeof(gmax), "%d", FAIL_PER_ADDRESS);
	snprintf(idle, sizeof(idle), "%lld", STAFF_IDLE_MS);
	if (store_run(SCRIPT_SIGNIN, STAFF_ROOM, args, fn, j, NULL) != STORE_SENT)
		job_error(j, 503, "unavailable", "Redis cannot be reached");
}

static void
on_signed_in(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct signin *si = j->state;
	struct lws *wsi = j->wsi;
	struct http_conn *hc;
	struct staff st;
	const char *account;

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r) || (account = store_reply_str(r, SIGNIN_R_ACCOUNT, NULL)) == NULL ||
	    staff_parse(account, &st) < 0) {
		respond_error(wsi, job_done(j), 401, "auth_failed", "wrong login or password");
		return;
	}
	/* The only copy of the session id: in the cookie. */
	hc = j->hc;
	snprintf(hc->set_cookie, sizeof(hc->set_cookie), "%s=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%lld%s",
	    STAFF_COOKIE, si->id, STAFF_ABSOLUTE_MS / 1000,
	    cfg->public_url && strncmp(cfg->public_url, "https:", 6) == 0 ? "; Secure" : "");
	job_done(j);
	respond(wsi, hc, 200, "application/json", xstrdup(account), strlen(account));
}

static void
on_failed(void *arg, redisReply *r)
{
	struct job *j = arg;

	if (!job_alive(j, r))
		return;
	job_error(j, 401, "auth_failed", "wrong login or password");
}

static void
on_verified(void *arg, int ok)
{
	struct job *j = arg;
	struct signin *si = j->state;

	OPENSSL_cleanse(si->password, sizeof(si->password));
	if (j->wsi == NULL) {
		job_done(j);
		return;
	}
	if (!ok) {
		run_signin(j, "fail", on_failed);
		return;
	}
	staff_new_sid(si->id, si->sid);
	run_signin(j, "ok", on_signed_in);
}

static void
on_checked(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct signin *si = j->state;
	long long wait;

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r)) {
		job_error(j, 500, "internal_error", "the sign-in failed");
		return;
	}
	if ((wait = store_reply_int(r, SIGNIN_R_RETRY)) > 0) {
		log_info("staff: sign-ins for %s or from %s held %lld ms", si->login, si->group, wait);
		j->hc->retry_after = (int)((wait + 999) / 1000);
		job_error(j, 429, "rate_limited", "too many failed sign-ins; wait a little");
		return;
	}
	/* An unknown or disabled login is verified against a dummy hash: the same time. */
	staff_verify(store_reply_str(r, SIGNIN_R_HASH, NULL), si->password, si->plen, on_verified, j);
}

static void
signin(struct lws *wsi, struct http_conn *hc)
{
	json_t *o = body_object(wsi, hc);
	const char *login, *password;
	char ip[ADDR_MAX];
	struct signin *si;
	struct job *j;

	wipe_body(hc);
	if (o == NULL)
		return;
	login = json_string_value(json_object_get(o, "login"));
	password = json_string_value(json_object_get(o, "password"));
	if (login == NULL || password == NULL) {
		json_decref(o);
		respond_error(wsi, hc, 400, "bad_request", "login and password are required");
		return;
	}
	j = job_new(wsi, hc);
	j->state = si = xcalloc(1, sizeof(*si));
	j->free_state = signin_free;
	/* A login of another form is no account: counted under "-". */
	snprintf(si->login, sizeof(si->login), "%s", staff_valid_login(login, strlen(login)) ? login : "-");
	si->plen = strlen(password) < STAFF_PASSWORD_MAX ? strlen(password) : STAFF_PASSWORD_MAX;
	memcpy(si->password, password, si->plen);
	OPENSSL_cleanse((void *)password, strlen(password));
	json_decref(o);
	ws_client_ip(wsi, ip);
	addr_group(ip, si->group);
	if (si->group[0] == '\0')
		snprintf(si->group, sizeof(si->group), "%s", ip);
	run_signin(j, "check", on_checked);
}

/* ---- DELETE /api/session, GET /api/me ---- */

static void
on_signed_out(void *arg, redisReply *r)
{
	struct job *j = arg;

	if (!job_alive(j, r))
		return;
	snprintf(j->hc->set_cookie, sizeof(j->hc->set_cookie),
	    "%s=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0", STAFF_COOKIE);
	job_respond(j, 204, "application/json", NULL, 0);
}

static void
signout(struct lws *wsi, struct http_conn *hc)
{
	char cookie[1024] = "", sid[STAFF_SID_HEX + 1] = "";
	struct job *j;

	if (lws_hdr_copy(wsi, cookie, sizeof(cookie), WSI_TOKEN_HTTP_COOKIE) > 0)
		staff_cookie_sid(cookie, sid);
	OPENSSL_cleanse(cookie, sizeof(cookie));
	if (sid[0] && !ws_origin_allowed(wsi)) {
		respond_error(wsi, hc, 403, "not_allowed", "a request from another site");
		return;
	}
	if (sid[0] == '\0') {
		respond(wsi, hc, 204, "application/json", NULL, 0);
		return;
	}
	j = job_new(wsi, hc);
	if (staff_session("end", sid, on_signed_out, j) != STORE_SENT)
		respond_error(wsi, job_done(j), 503, "unavailable", "Redis cannot be reached");
}

static void
me(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	struct sbuf b = { 0 };
	const char *d = w->st.departments;
	int r, first = 1;

	sbuf_init(&b, 256);
	sbuf_adds(&b, "{\"login\":");
	sbuf_json_strz(&b, w->st.login);
	sbuf_adds(&b, ",\"name\":");
	sbuf_json_strz(&b, w->st.name);
	sbuf_adds(&b, ",\"roles\":[");
	for (r = 0; r < SR_COUNT; r++)
		if (w->st.roles & SR_BIT(r)) {
			sbuf_printf(&b, "%s\"%s\"", first ? "" : ",", staff_role_names[r]);
			first = 0;
		}
	sbuf_adds(&b, "],\"departments\":[");
	for (first = 1; *d;) {
		const char *comma = strchr(d, ','), *end = comma ? comma : d + strlen(d);

		sbuf_adds(&b, first ? "" : ",");
		sbuf_json_str(&b, d, (size_t)(end - d));
		first = 0;
		d = comma ? comma + 1 : end;
	}
	sbuf_adds(&b, "]}");
	respond(wsi, hc, 200, "application/json", sbuf_steal(&b, NULL), b.len);
}

/* ---- staff accounts (admin) ---- */

/* Roles or departments from a JSON array into "a,b"; -1 if not a list of valid names. */
static int
names_list(const json_t *a, int roles, char *out, size_t n)
{
	const json_t *v;
	size_t i;

	out[0] = '\0';
	if (a == NULL)
		return 0;
	if (!json_is_array(a))
		return -1;
	json_array_foreach(a, i, v) {
		const char *s = json_string_value(v);
		size_t len = strlen(out);

		if (s == NULL || (roles ? staff_role(s, strlen(s)) < 0 : !proto_valid_token(s, strlen(s), 1, 32)) ||
		    len + strlen(s) + 2 > n)
			return -1;
		snprintf(out + len, n - len, "%s%s", len ? "," : "", s);
	}
	return 0;
}

struct account {
	char op[8];
	char login[STAFF_LOGIN_MAX + 1];
	char name[STAFF_NAME_MAX * 4 + 1];
	char roles[128], departments[512];
	char disabled[2];
	char password[STAFF_PASSWORD_MAX + 1];
	size_t plen;
	char actor[40];
};

static void
account_free(void *p)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, sizeof(struct account));
	free(p);
}

static void
on_put(void *arg, redisReply *r)
{
	struct job *j = arg;
	struct account *a = j->state;
	struct lws *wsi = j->wsi;
	const char *account, *message, *code;
	long long retry;
	int created = strcmp(a->op, "add") == 0;
	struct http_conn *hc;
	char login[STAFF_LOGIN_MAX + 1], actor[40];

	if (!job_alive(j, r))
		return;
	memcpy(login, a->login, sizeof(login));
	memcpy(actor, a->actor, sizeof(actor));
	if (!store_reply_ok(r)) {
		code = store_reply_err(r, &message, &retry);
		respond_error(wsi, job_done(j), strcmp(code, "exists") == 0 ? 409 :
		    strcmp(code, "no_staff") == 0 ? 404 : 500, code, message);
		return;
	}
	account = store_reply_str(r, STAFF_PUT_R_ACCOUNT, NULL);
	hc = job_done(j);
	log_info("staff: %s %s by %s", created ? "account created:" : "account changed:", login, actor);
	respond(wsi, hc, created ? 201 : 200, "application/json", xstrdup(account ? account : "{}"),
	    account ? strlen(account) : 2);
}

static void
put_account(struct job *j, const char *hash)
{
	struct account *a = j->state;
	const char *args[STAFF_PUT_NARGS] = {
		[STAFF_PUT_OP] = a->op, [STAFF_PUT_LOGIN] = a->login, [STAFF_PUT_NAME] = a->name,
		[STAFF_PUT_HASH] = hash, [STAFF_PUT_ROLES] = a->roles,
		[STAFF_PUT_DEPARTMENTS] = a->departments, [STAFF_PUT_DISABLED] = a->disabled,
	};

	if (store_run(SCRIPT_STAFF_PUT, STAFF_ROOM, args, on_put, j, NULL) != STORE_SENT)
		job_error(j, 503, "unavailable", "Redis cannot be reached");
}

static void
on_hashed(void *arg, const char *hash)
{
	struct job *j = arg;

	if (j->wsi == NULL) {
		job_done(j);
		return;
	}
	if (hash == NULL) {
		job_error(j, 500, "internal_error", "the password could not be hashed");
		return;
	}
	put_account(j, hash);
}

/* Reads an account's fields from the body into a (each optional for an update); -1 after a 400. */
static int
read_account(struct lws *wsi, struct http_conn *hc, json_t *o, struct account *a, int create)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *password = json_string_value(json_object_get(o, "password"));
	const json_t *disabled = json_object_get(o, "disabled");
	struct sbuf clean = { 0 };
	long chars;

	if (names_list(json_object_get(o, "roles"), 1, a->roles, sizeof(a->roles)) < 0 ||
	    names_list(json_object_get(o, "departments"), 0, a->departments, sizeof(a->departments)) < 0) {
		respond_error(wsi, hc, 400, "bad_request", "roles are admin, moderator, presenter, responder, operator; departments are ids");
		return -1;
	}
	if (create && (name == NULL || password == NULL || a->roles[0] == '\0')) {
		respond_error(wsi, hc, 400, "bad_request", "name, password and roles are required");
		return -1;
	}
	if (name) {
		sbuf_init(&clean, strlen(name) + 1);
		chars = text_clean(name, strlen(name), &clean);
		if (chars < 1 || chars > STAFF_NAME_MAX || clean.len >= sizeof(a->name)) {
			sbuf_free(&clean);
			respond_error(wsi, hc, 400, "bad_request", "a name is 1 to 64 characters");
			return -1;
		}
		memcpy(a->name, clean.data, clean.len + 1);
		sbuf_free(&clean);
	}
	if (password) {
		size_t n = strlen(password);

		if (text_chars(password, n) < STAFF_PASSWORD_MIN || n > STAFF_PASSWORD_MAX) {
			respond_error(wsi, hc, 400, "bad_request", "a password is at least 10 characters");
			return -1;
		}
		memcpy(a->password, password, n);
		a->plen = n;
	}
	if (disabled && !json_is_boolean(disabled)) {
		respond_error(wsi, hc, 400, "bad_request", "disabled is true or false");
		return -1;
	}
	if (disabled)
		snprintf(a->disabled, sizeof(a->disabled), "%s", json_is_true(disabled) ? "1" : "0");
	return 0;
}

static void
save_account(struct lws *wsi, struct http_conn *hc, const struct who *w, const char *login, int create)
{
	json_t *o = body_object(wsi, hc);
	struct account *a;
	struct job *j;

	if (o == NULL) {
		wipe_body(hc);
		return;
	}
	a = xcalloc(1, sizeof(*a));
	snprintf(a->op, sizeof(a->op), "%s", create ? "add" : "update");
	snprintf(a->actor, sizeof(a->actor), "%s", w->actor);
	if (create)
		login = json_string_value(json_object_get(o, "login"));
	if (login == NULL || !staff_valid_login(login, strlen(login))) {
		respond_error(wsi, hc, 400, "bad_request", "a login is 3 to 32 of a-z, 0-9, '.', '_', '-'");
		goto out;
	}
	snprintf(a->login, sizeof(a->login), "%s", login);
	if (read_account(wsi, hc, o, a, create) < 0)
		goto out;
	j = job_new(wsi, hc);
	j->state = a;
	j->free_state = account_free;
	a = NULL;
	if (((struct account *)j->state)->plen > 0)
		staff_hash(((struct account *)j->state)->password, ((struct account *)j->state)->plen, on_hashed, j);
	else
		put_account(j, "");
out:
	account_free(a);
	json_decref(o);
	wipe_body(hc);
}

static void
create_account(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	save_account(wsi, hc, w, NULL, 1);
}

static void
update_account(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	char login[sizeof(hc->arg)];

	memcpy(login, hc->arg, sizeof(login));
	save_account(wsi, hc, w, login, 0);
}

static void
on_list(void *arg, redisReply *r)
{
	struct job *j = arg;
	const redisReply *a;
	struct sbuf b = { 0 };
	size_t i;

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r) || (a = store_reply_array(r, STAFF_GET_R_ACCOUNTS)) == NULL) {
		job_error(j, 500, "internal_error", "the staff could not be read");
		return;
	}
	sbuf_init(&b, 256 + a->elements * 160);
	sbuf_adds(&b, "{\"staff\":[");
	for (i = 0; i < a->elements; i++) {
		if (i)
			sbuf_addc(&b, ',');
		sbuf_add(&b, a->element[i]->str, a->element[i]->len);
	}
	sbuf_adds(&b, "]}");
	job_respond(j, 200, "application/json", sbuf_steal(&b, NULL), b.len);
}

static void
list_accounts(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	const char *args[STAFF_GET_NARGS] = { [STAFF_GET_LOGIN] = "" };
	struct job *j = job_new(wsi, hc);

	(void)w;
	snprintf(j->room, sizeof(j->room), "%s", STAFF_ROOM);	/* the staff's keys, not a room's */
	job_run(j, SCRIPT_STAFF_GET, args, on_list);
}

/* ---- departments ---- */

struct dept {
	char id[33];
	char name[1024];
};

static void
on_departments(void *arg, redisReply *r)
{
	struct job *j = arg;
	const redisReply *a;
	struct sbuf b = { 0 };
	int created = j->state != NULL;
	const char *code, *message;
	long long retry;
	size_t i;

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r)) {
		code = store_reply_err(r, &message, &retry);
		job_error(j, strcmp(code, "exists") == 0 ? 409 : 500, code, message);
		return;
	}
	a = store_reply_array(r, DEPARTMENTS_R_DEPARTMENTS);
	sbuf_init(&b, 256);
	sbuf_adds(&b, "{\"departments\":[");
	for (i = 0; a && i < a->elements; i++) {
		if (i)
			sbuf_addc(&b, ',');
		sbuf_add(&b, a->element[i]->str, a->element[i]->len);
	}
	sbuf_adds(&b, "]}");
	job_respond(j, created ? 201 : 200, "application/json", sbuf_steal(&b, NULL), b.len);
}

static void
run_departments(struct job *j, const char *op, const char *id, const char *name)
{
	const char *args[DEPARTMENTS_NARGS] = {
		[DEPARTMENTS_OP] = op, [DEPARTMENTS_ID] = id, [DEPARTMENTS_NAME] = name,
	};

	if (store_run(SCRIPT_DEPARTMENTS, STAFF_ROOM, args, on_departments, j, NULL) != STORE_SENT)
		job_error(j, 503, "unavailable", "Redis cannot be reached");
}

static void
list_departments(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	(void)w;
	run_departments(job_new(wsi, hc), "list", "", "");
}

static void
add_department(struct lws *wsi, struct http_conn *hc, const struct who *w)
{
	json_t *o = body_object(wsi, hc), *name;
	const char *id;
	struct job *j;
	char *names;

	(void)w;
	if (o == NULL)
		return;
	id = json_string_value(json_object_get(o, "id"));
	name = json_object_get(o, "name");
	if (id == NULL || !proto_valid_token(id, strlen(id), 1, 32) || !json_is_object(name) ||
	    json_object_size(name) == 0) {
		json_decref(o);
		respond_error(wsi, hc, 400, "bad_request", "id ([a-z0-9-]{1,32}) and name ({\"ru\":…,\"kk\":…,\"en\":…}) are required");
		return;
	}
	names = json_dumps(name, JSON_COMPACT);
	j = job_new(wsi, hc);
	j->state = xstrdup("created");
	j->free_state = free;
	run_departments(j, "add", id, names);
	free(names);
	json_decref(o);
}

/* ---- the routes ---- */

void
staff_api_signin(struct lws *wsi, struct http_conn *hc)
{
	signin(wsi, hc);
}

void
staff_api_signout(struct lws *wsi, struct http_conn *hc)
{
	signout(wsi, hc);
}

void
staff_api_me(struct lws *wsi, struct http_conn *hc)
{
	access_check(wsi, hc, ~0u, 0, me);
}

void
staff_api_create(struct lws *wsi, struct http_conn *hc)
{
	access_check(wsi, hc, SR_BIT(SR_ADMIN), 1, create_account);
}

void
staff_api_update(struct lws *wsi, struct http_conn *hc)
{
	access_check(wsi, hc, SR_BIT(SR_ADMIN), 1, update_account);
}

void
staff_api_list(struct lws *wsi, struct http_conn *hc)
{
	access_check(wsi, hc, SR_BIT(SR_ADMIN), 1, list_accounts);
}

void
staff_api_departments(struct lws *wsi, struct http_conn *hc)
{
	access_check(wsi, hc, ~0u, 1, list_departments);
}

void
staff_api_add_department(struct lws *wsi, struct http_conn *hc)
{
	access_check(wsi, hc, SR_BIT(SR_ADMIN), 1, add_department);
}
