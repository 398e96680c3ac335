/*
 * hello: see hello.h. The key exists in clear only in struct hello_state,
 * wiped when the reply has been checked.
 */
#include "hello.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"
#include "metrics.h"
#include "pending.h"
#include "rooms.h"
#include "session.h"
#include "util.h"

struct hello_state {
	char key[PROTO_MAX_KEY + 1];
};

static void
hello_free(void *arg)
{
	OPENSSL_cleanse(arg, sizeof(struct hello_state));
	free(arg);
}

static void
hello_fail(struct session *s, const char *code, const char *message, int close_code)
{
	session_error(s, NULL, code, message, 0);
	session_close(s, close_code, message);
}

static void
load_ids(struct idset *set, const redisReply *a)
{
	size_t i;

	for (i = 0; a && i < a->elements; i++)
		if (a->element[i]->type == REDIS_REPLY_STRING)
			idset_add(set, strtoll(a->element[i]->str, NULL, 10));
}

/* Which key admits s, with its version; 0, or -1 if none does. */
static int
check_key(struct session *s, const char *key, redisReply *r)
{
	/* The moderator key admits both roles; the presenter key, presenters. */
	if (auth_check(key, strlen(key), store_reply_str(r, KEYS_R_MODKEY, NULL))) {
		s->m.keykind = KEY_MODERATOR;
		s->m.keyver = store_reply_int(r, KEYS_R_MODVER);
		return 0;
	}
	if (s->m.role == ROLE_PRESENTER &&
	    auth_check(key, strlen(key), store_reply_str(r, KEYS_R_PRESKEY, NULL))) {
		s->m.keykind = KEY_PRESENTER;
		s->m.keyver = store_reply_int(r, KEYS_R_PRESVER);
		return 0;
	}
	return -1;
}

static void
on_hello(void *arg, redisReply *r)
{
	struct pending *p = arg;
	struct hello_state h;
	struct session *s;

	memcpy(&h, p->state, sizeof(h));
	if ((s = pending_done(p)) == NULL)
		goto out;
	if (r == NULL) {
		hello_fail(s, "unavailable", "Redis cannot be reached; try again", 1013);
		goto out;
	}
	if (!store_reply_ok(r)) {
		const char *message;
		long long retry;
		const char *code = store_reply_err(r, &message, &retry);

		hello_fail(s, code, message, 1008);
		goto out;
	}
	if (s->m.role == ROLE_VIEWER) {
		load_ids(&s->m.mine, store_reply_array(r, HELLO_R_MINE));
		load_ids(&s->m.voted, store_reply_array(r, HELLO_R_VOTED));
	} else if (check_key(s, h.key, r) < 0) {
		log_info("hello: wrong %s key for room %s from %s",
		    role_name(s->m.role), s->room_id, s->ip);
		hello_fail(s, "auth_failed", "wrong key", 1008);
		goto out;
	}
	s->state = SS_JOINING;
	s->counted = 1;
	metrics.connections[s->m.role]++;
	rooms_join(&s->m, s->room_id);
out:
	OPENSSL_cleanse(&h, sizeof(h));
}

void
cmd_hello(struct session *s, struct cmd *c)
{
	struct pending *p;
	struct hello_state *h;
	const char *args[HELLO_NARGS] = { [HELLO_CLIENT] = c->client };
	enum store_status st;

	s->m.role = c->role;
	memcpy(s->m.client, c->client, sizeof(s->m.client));
	memcpy(s->room_id, c->room, sizeof(s->room_id));
	s->m.resume = c->resume;
	memcpy(s->m.epoch, c->epoch, sizeof(s->m.epoch));
	s->m.resume_seq = c->resume_seq;
	s->state = SS_HELLO;
	p = pending_new(s, c);
	p->state = h = xcalloc(1, sizeof(*h));
	p->free_state = hello_free;
	memcpy(h->key, c->key, sizeof(h->key));
	OPENSSL_cleanse(c->key, sizeof(c->key));
	session_pause_rx(s, 1);
	if (c->role == ROLE_VIEWER)
		st = store_run(SCRIPT_HELLO, s->room_id, args, on_hello, p);
	else
		st = store_run(SCRIPT_KEYS, s->room_id, NULL, on_hello, p);
	if (st != STORE_SENT) {
		pending_done(p);
		hello_fail(s, "unavailable", "Redis cannot be reached; try again", 1013);
	}
}
