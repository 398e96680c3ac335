/*
 * pending: see pending.h.
 */
#include "pending.h"

#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "session.h"
#include "util.h"

struct pending *
pending_new(struct session *s, const struct cmd *c)
{
	struct pending *p = xcalloc(1, sizeof(*p));

	p->s = s;
	p->type = c->type;
	memcpy(p->rid, c->rid, sizeof(p->rid));
	session_hold(s, c->type != CMD_HELLO);
	return p;
}

struct session *
pending_done(struct pending *p)
{
	struct session *s = p->s;
	int counted = p->type != CMD_HELLO;

	if (p->free_state)
		p->free_state(p->state);
	free(p);
	return session_release(s, counted);
}

void
pending_unavailable(struct session *s, const char *rid)
{
	session_error(s, rid, "unavailable",
	    "Redis cannot be reached; if this command was sent before, retry it with the same rid",
	    1000);
}

/* A command whose client has gone need not be sent at all. */
int
pending_wanted(void *arg)
{
	struct pending *p = arg;

	return p->s->wsi != NULL;
}

void
pending_run(struct pending *p, enum script_id script, const char *const *args,
    store_reply_fn on_reply)
{
	pending_run_on(p, p->s->room_id, script, args, on_reply);
}

int
pending_any_wanted(struct pending *const *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pending_wanted(p[i]))
			return 1;
	return 0;
}

struct session *
pending_ack(struct pending *p, redisReply *r, size_t at)
{
	char rid[sizeof(p->rid)];
	struct session *s;
	const char *ack;
	size_t len;

	memcpy(rid, p->rid, sizeof(rid));
	if ((s = pending_done(p)) == NULL || pending_check(s, rid, r) < 0)
		return NULL;
	if ((ack = store_reply_str(r, at, &len)) == NULL) {
		session_error(s, rid, "internal_error", "malformed reply from Redis", 0);
		return NULL;
	}
	metrics.acks++;
	session_send_json(s, ack, len);
	return s;
}

void
pending_run_on(struct pending *p, const char *room, enum script_id script,
    const char *const *args, store_reply_fn on_reply)
{
	enum store_status st = store_run(script, room, args, on_reply, p, pending_wanted);

	if (st != STORE_SENT)
		pending_fail(p, st);
}

void
pending_fail(struct pending *p, enum store_status st)
{
	char rid[sizeof(p->rid)];
	struct session *s;

	memcpy(rid, p->rid, sizeof(rid));
	if ((s = pending_done(p)) == NULL)
		return;
	if (st == STORE_BUG)
		session_error(s, rid, "internal_error", "the hub could not run this command", 0);
	else
		pending_unavailable(s, rid);
}

int
pending_check(struct session *s, const char *rid, redisReply *r)
{
	const char *code, *message;
	long long retry;

	if (r == NULL) {
		pending_unavailable(s, rid);
		return -1;
	}
	if (store_reply_ok(r))
		return 0;
	code = store_reply_err(r, &message, &retry);
	session_error(s, rid, code, message, retry);
	return -1;
}
