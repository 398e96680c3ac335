/*
 * pending: a client command awaiting Redis. It holds its session (which
 * stays allocated until the command is answered, see session_hold()) and
 * the command's rid, and ends exactly once, with pending_done().
 */
#ifndef SURAK_PENDING_H
#define SURAK_PENDING_H

#include <hiredis/hiredis.h>

#include "proto.h"
#include "store.h"

struct session;

struct pending {
	struct session *s;
	enum cmd_type type;
	char rid[PROTO_MAX_RID * 4 + 1];
	void *state;			/* a command's own state across round trips */
	void (*free_state)(void *state);
};

struct pending *pending_new(struct session *s, const struct cmd *c);
/* Ends p; returns its session if the connection is still there, else NULL. */
struct session *pending_done(struct pending *p);

/*
 * Runs a script for p with on_reply as its callback. If the script cannot
 * be sent, p ends at once and its client gets `unavailable` (or
 * `internal_error` for a bug, which the store has logged).
 */
void pending_run(struct pending *p, enum script_id script, const char *const *args,
    store_reply_fn on_reply);
/* The same, for a script on another prefix than the session's room (the staff's). */
void pending_run_on(struct pending *p, const char *room, enum script_id script,
    const char *const *args, store_reply_fn on_reply);

/* Ends p as a script that could not be sent (st) ends it: its client is told why. */
void pending_fail(struct pending *p, enum store_status st);
/* 1 while p's client is there to be answered. */
int pending_wanted(void *arg);
/* 1 while any of the n commands' clients is there (a call sent for several). */
int pending_any_wanted(struct pending *const *p, size_t n);

/*
 * Ends p with r, a script's reply whose element `at` is the ack: sends the
 * ack, or the error (internal_error without an ack). Returns the session
 * if the ack went out, else NULL.
 */
struct session *pending_ack(struct pending *p, redisReply *r, size_t at);

/*
 * The common start of a reply: 0 if r is an "ok", else -1 after sending
 * the client its error (no reply at all is `unavailable`).
 */
int pending_check(struct session *s, const char *rid, redisReply *r);
/* The error sent when Redis could not be asked or did not answer. */
void pending_unavailable(struct session *s, const char *rid);

#endif
