/*
 * staff: see staff.h. Passwords in clear live only in the work items of
 * the thread pool, wiped (sodium_memzero) once hashed or verified.
 */
#include "staff.h"

#include <jansson.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "session.h"
#include "util.h"

/* About 190 ms a hash on the 2-core test machine (docs/SECURITY.md). */
#define STAFF_OPSLIMIT 3
#define STAFF_MEMLIMIT (64u << 20)
#define SWEEP_MS 1000

const char *const staff_role_names[SR_COUNT] = {
	[SR_ADMIN] = "admin", [SR_MODERATOR] = "moderator", [SR_PRESENTER] = "presenter",
	[SR_RESPONDER] = "responder", [SR_OPERATOR] = "operator",
};

static struct {
	uv_loop_t *loop;
	uv_timer_t sweep;
	struct session *tracked;	/* signed-in WebSockets, a list through staff_next */
	int sweeping;			/* a sweep awaits Redis */
	char dummy[crypto_pwhash_STRBYTES];	/* what an unknown login is verified against */
	int ready;
} S;

int
staff_valid_login(const char *s, size_t n)
{
	size_t i;

	if (n < 3 || n > STAFF_LOGIN_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

int
staff_role(const char *s, size_t n)
{
	int r;

	for (r = 0; r < SR_COUNT; r++)
		if (strlen(staff_role_names[r]) == n && memcmp(staff_role_names[r], s, n) == 0)
			return r;
	return -1;
}

int
staff_parse(const char *json, struct staff *st)
{
	json_t *o = json ? json_loads(json, 0, NULL) : NULL, *v;
	const char *login, *name;
	size_t i;

	memset(st, 0, sizeof(*st));
	if (o == NULL)
		return -1;
	login = json_string_value(json_object_get(o, "login"));
	name = json_string_value(json_object_get(o, "name"));
	if (login == NULL || strlen(login) > STAFF_LOGIN_MAX) {
		json_decref(o);
		return -1;
	}
	snprintf(st->login, sizeof(st->login), "%s", login);
	snprintf(st->name, sizeof(st->name), "%s", name ? name : login);
	json_array_foreach(json_object_get(o, "roles"), i, v) {
		int r = json_string_value(v) ? staff_role(json_string_value(v), strlen(json_string_value(v))) : -1;

		if (r >= 0)
			st->roles |= SR_BIT(r);
	}
	json_array_foreach(json_object_get(o, "departments"), i, v) {
		size_t len = strlen(st->departments);

		if (json_string_value(v) && len + strlen(json_string_value(v)) + 2 < sizeof(st->departments))
			snprintf(st->departments + len, sizeof(st->departments) - len, "%s%s",
			    len ? "," : "", json_string_value(v));
	}
	json_decref(o);
	return 0;
}

/* ---- session ids ---- */

static void
sha256_hex(const char *s, size_t n, char out[STAFF_SID_HEX + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)s, n, md);
	hex_encode(md, sizeof(md), out);
}

void
staff_cookie_sid(const char *cookie, char out[STAFF_SID_HEX + 1])
{
	const char *p = cookie;
	size_t name = strlen(STAFF_COOKIE), i;

	out[0] = '\0';
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, STAFF_COOKIE, name) == 0 && p[name] == '=') {
			const char *v = p + name + 1;

			for (i = 0; i < STAFF_SID_HEX; i++)
				if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
					return;
			if (v[i] != '\0' && v[i] != ';' && v[i] != ' ')
				return;
			sha256_hex(v, STAFF_SID_HEX, out);
			return;
		}
		p = strchr(p, ';');
	}
}

void
staff_new_sid(char id[STAFF_SID_HEX + 1], char sid[STAFF_SID_HEX + 1])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	hex_encode(raw, sizeof(raw), id);
	sodium_memzero(raw, sizeof(raw));
	sha256_hex(id, STAFF_SID_HEX, sid);
}

/* ---- passwords, on the thread pool ---- */

struct pwjob {
	uv_work_t work;
	char password[STAFF_PASSWORD_MAX + 1];
	size_t n;
	char hash[crypto_pwhash_STRBYTES];
	int ok;
	void (*hashed)(void *arg, const char *hash);
	void (*verified)(void *arg, int ok);
	void *arg;
};

static void
hash_work(uv_work_t *w)
{
	struct pwjob *j = w->data;

	j->ok = crypto_pwhash_str(j->hash, j->password, j->n, STAFF_OPSLIMIT, STAFF_MEMLIMIT) == 0;
	sodium_memzero(j->password, sizeof(j->password));
}

static void
verify_work(uv_work_t *w)
{
	struct pwjob *j = w->data;
	int known = j->hash[0] != '\0';

	j->ok = crypto_pwhash_str_verify(known ? j->hash : S.dummy, j->password, j->n) == 0 && known;
	sodium_memzero(j->password, sizeof(j->password));
}

static void
pw_done(uv_work_t *w, int status)
{
	struct pwjob *j = w->data;

	if (j->hashed)
		j->hashed(j->arg, status == 0 && j->ok ? j->hash : NULL);
	else
		j->verified(j->arg, status == 0 && j->ok);
	sodium_memzero(j, sizeof(*j));
	free(j);
}

static struct pwjob *
pwjob_new(const char *password, size_t n, void *arg)
{
	struct pwjob *j = xcalloc(1, sizeof(*j));

	if (n > STAFF_PASSWORD_MAX)
		n = STAFF_PASSWORD_MAX;
	memcpy(j->password, password, n);
	j->n = n;
	j->arg = arg;
	j->work.data = j;
	return j;
}

void
staff_hash(const char *password, size_t n, void (*fn)(void *arg, const char *hash), void *arg)
{
	struct pwjob *j = pwjob_new(password, n, arg);

	j->hashed = fn;
	if (uv_queue_work(S.loop, &j->work, hash_work, pw_done) != 0) {
		sodium_memzero(j, sizeof(*j));
		free(j);
		fn(arg, NULL);
	}
}

void
staff_verify(const char *hash, const char *password, size_t n, void (*fn)(void *arg, int ok), void *arg)
{
	struct pwjob *j = pwjob_new(password, n, arg);

	j->verified = fn;
	snprintf(j->hash, sizeof(j->hash), "%s", hash ? hash : "");
	if (uv_queue_work(S.loop, &j->work, verify_work, pw_done) != 0) {
		sodium_memzero(j, sizeof(*j));
		free(j);
		fn(arg, 0);
	}
}

int
staff_hash_now(const char *password, size_t n, char *out, size_t outlen)
{
	if (sodium_init() < 0 || outlen < crypto_pwhash_STRBYTES)
		return -1;
	return crypto_pwhash_str(out, password, n, STAFF_OPSLIMIT, STAFF_MEMLIMIT) == 0 ? 0 : -1;
}

/* ---- sessions ---- */

enum store_status
staff_session(const char *op, const char *sid, store_reply_fn fn, void *arg)
{
	char idle[24], absolute[24];
	const char *args[SESSION_NARGS] = {
		[SESSION_OP] = op, [SESSION_SID] = sid, [SESSION_SIDS] = "",
		[SESSION_IDLE] = idle, [SESSION_ABSOLUTE] = absolute,
	};

	snprintf(idle, sizeof(idle), "%lld", STAFF_IDLE_MS);
	snprintf(absolute, sizeof(absolute), "%lld", STAFF_ABSOLUTE_MS);
	return store_run(SCRIPT_SESSION, STAFF_ROOM, args, fn, arg, NULL);
}

void
staff_track(struct session *s)
{
	if (s->staff_tracked)
		return;
	s->staff_tracked = 1;
	s->staff_prev = NULL;
	s->staff_next = S.tracked;
	if (S.tracked)
		S.tracked->staff_prev = s;
	S.tracked = s;
}

void
staff_untrack(struct session *s)
{
	if (!s->staff_tracked)
		return;
	if (s->staff_prev)
		s->staff_prev->staff_next = s->staff_next;
	else
		S.tracked = s->staff_next;
	if (s->staff_next)
		s->staff_next->staff_prev = s->staff_prev;
	s->staff_tracked = 0;
	s->staff_next = s->staff_prev = NULL;
}

/* The sessions that ended: their WebSockets are closed. */
static void
on_alive(void *arg, redisReply *r)
{
	const redisReply *dead = store_reply_array(r, SESSION_R_DEAD);
	size_t i;

	(void)arg;
	S.sweeping = 0;
	for (i = 0; dead && i < dead->elements; i++) {
		struct session *s, *next;

		if (dead->element[i]->type != REDIS_REPLY_STRING)
			continue;
		for (s = S.tracked; s; s = next) {
			next = s->staff_next;
			if (strcmp(s->sid, dead->element[i]->str) == 0) {
				staff_untrack(s);
				session_close(s, 4003, "signed out");
			}
		}
	}
}

static void
on_sweep(uv_timer_t *t)
{
	struct sbuf sids = { 0 };
	struct session *s;
	char idle[24], absolute[24];

	(void)t;
	if (S.tracked == NULL || S.sweeping)
		return;
	sbuf_init(&sids, 256);
	for (s = S.tracked; s; s = s->staff_next) {
		if (sids.len)
			sbuf_addc(&sids, ' ');
		sbuf_adds(&sids, s->sid);
	}
	snprintf(idle, sizeof(idle), "%lld", STAFF_IDLE_MS);
	snprintf(absolute, sizeof(absolute), "%lld", STAFF_ABSOLUTE_MS);
	{
		const char *args[SESSION_NARGS] = {
			[SESSION_OP] = "alive", [SESSION_SID] = "", [SESSION_SIDS] = sids.data,
			[SESSION_IDLE] = idle, [SESSION_ABSOLUTE] = absolute,
		};

		if (store_run(SCRIPT_SESSION, STAFF_ROOM, args, on_alive, NULL, NULL) == STORE_SENT)
			S.sweeping = 1;
	}
	sbuf_free(&sids);
}

void
staff_init(uv_loop_t *loop, const struct config *cfg)
{
	(void)cfg;
	S.loop = loop;
	if (sodium_init() < 0)
		log_error("staff: libsodium could not start; sign-ins will fail");
	else if (crypto_pwhash_str(S.dummy, "not a password", 14, STAFF_OPSLIMIT, STAFF_MEMLIMIT) != 0)
		log_error("staff: no memory for a password hash");
	uv_timer_init(loop, &S.sweep);
	uv_timer_start(&S.sweep, on_sweep, SWEEP_MS, SWEEP_MS);
	S.ready = 1;
}

void
staff_shutdown(void)
{
	if (!S.ready)
		return;
	uv_timer_stop(&S.sweep);
	uv_close((uv_handle_t *)&S.sweep, NULL);
	while (S.tracked)
		staff_untrack(S.tracked);
	S.ready = 0;
}
