/*
 * staff: named staff accounts and their sessions (../shared/DESK.md, "Staff
 * and sign-in"). Accounts and sessions live in Redis under their own hash
 * tag, "surak:{@staff}:" (the staff_put, staff_get, signin and session
 * scripts); no room id can be "@staff".
 *
 *   - Passwords are stored only as Argon2id hashes (libsodium's
 *     crypto_pwhash_str, STAFF_OPSLIMIT and STAFF_MEMLIMIT: about 190 ms on
 *     the 2-core test machine), hashed and verified on libuv's thread pool
 *     so a sign-in never stalls the loop.
 *   - A session id is 32 random bytes, hex in the cookie (HttpOnly,
 *     SameSite=Strict); Redis holds only its SHA-256, with an idle expiry
 *     (12 h) and an absolute one (7 days).
 *   - Every second, the hub asks Redis which of its signed-in WebSockets'
 *     sessions have ended (sign-out, a disabled account, a new password,
 *     expiry) and closes those connections with 4003.
 */
#ifndef SURAK_STAFF_H
#define SURAK_STAFF_H

#include <hiredis/hiredis.h>
#include <uv.h>

#include "store.h"

struct config;
struct session;

#define STAFF_ROOM "@staff"
#define STAFF_COOKIE "surak_sid"
#define STAFF_SID_HEX 64		/* SHA-256 hex of a session id */
#define STAFF_LOGIN_MAX 32
#define STAFF_NAME_MAX 64		/* characters of a display name */
#define STAFF_PASSWORD_MIN 10
#define STAFF_PASSWORD_MAX 256
#define STAFF_IDLE_MS (12LL * 3600 * 1000)
#define STAFF_ABSOLUTE_MS (7LL * 86400 * 1000)

/* The staff roles (DESK.md), as bits. */
enum staff_role { SR_ADMIN, SR_MODERATOR, SR_PRESENTER, SR_RESPONDER, SR_OPERATOR, SR_COUNT };
#define SR_BIT(r) (1u << (r))

extern const char *const staff_role_names[SR_COUNT];

/* A signed-in member of staff, as a session script answers. */
struct staff {
	char login[STAFF_LOGIN_MAX + 1];
	char name[STAFF_NAME_MAX * 4 + 1];
	unsigned roles;			/* SR_BIT()s */
	char departments[512];		/* comma-separated */
};

void staff_init(uv_loop_t *loop, const struct config *cfg);
void staff_shutdown(void);

/* 1 if a login has the contract's form, [a-z0-9._-]{3,32}. */
int staff_valid_login(const char *s, size_t n);
/* The role named s, or -1. */
int staff_role(const char *s, size_t n);
/* Reads an account (staff_json() in lib.lua) into st; -1 if malformed. */
int staff_parse(const char *json, struct staff *st);

/*
 * The SHA-256 (hex) of the session id in a Cookie header's value; "" when
 * it holds none of the right form.
 */
void staff_cookie_sid(const char *cookie, char out[STAFF_SID_HEX + 1]);
/* A new session: its id for the cookie (hex) and the SHA-256 hex Redis keeps. */
void staff_new_sid(char id[STAFF_SID_HEX + 1], char sid[STAFF_SID_HEX + 1]);

/* Hashes a password on the thread pool; fn gets the hash, or NULL on failure. */
void staff_hash(const char *password, size_t n, void (*fn)(void *arg, const char *hash), void *arg);
/*
 * Verifies a password against a hash on the thread pool; an empty hash (an
 * unknown login) is verified against a dummy one, so both take as long.
 */
void staff_verify(const char *hash, const char *password, size_t n,
    void (*fn)(void *arg, int ok), void *arg);
/* The same, blocking (the command line). */
int staff_hash_now(const char *password, size_t n, char *out, size_t outlen);

/* Runs the session script for a session (op "get": its account; "end"). */
enum store_status staff_session(const char *op, const char *sid, store_reply_fn fn, void *arg);

/* A signed-in WebSocket: closed (4003) as soon as its session ends. */
void staff_track(struct session *s);
void staff_untrack(struct session *s);

#endif
