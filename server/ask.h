/*
 * ask: the pipeline behind `ask`. A question's candidates (the questions
 * sharing an LSH band with it) come from this hub's copy of the room
 * (rooms_lookup()) or, without one, from the candidates script; they are
 * judged against the question (verify.h), then the ask script stores it
 * with the verdict. The script answers "retry" with the close questions
 * that appeared since the look-up, which are judged in turn (at most
 * ASK_TRIES times; the last try is stored unchecked against newer ones).
 * A new question waits for one in flight on this hub that it judges the
 * same (or one to suggest) instead of racing it, and names the others
 * sharing a band to the script (ask.c, "asks in flight").
 */
#ifndef SURAK_ASK_H
#define SURAK_ASK_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <uv.h>

#include "proto.h"

struct session;
struct config;

void ask_init(uv_loop_t *loop, const struct config *cfg);
void ask_shutdown(void);
void cmd_ask(struct session *s, const struct cmd *c);

/*
 * Whom a question's answer goes to: a WebSocket session (cmd_ask) or
 * another source (a Telegram chat, docs/INTAKE.md). alive: whether the
 * asker still wants the answer (if not, the pipeline stops at the next
 * step and error is called with no reply); exactly one of ack and error is
 * called, once. error has the script's error reply r, or (r NULL) code and
 * message of the hub's own.
 */
struct ask_sink {
	int (*alive)(void *ctx);
	void (*ack)(void *ctx, const char *rid, const char *ack, size_t len, long long id, int dup);
	void (*error)(void *ctx, const char *rid, redisReply *r, const char *code, const char *message);
};

/* A question from a source other than a WebSocket. */
struct ask_request {
	const char *room, *rid, *client;
	const char *group;		/* address group for per-address limits, or NULL */
	const char *text, *name;	/* name may be NULL */
	const char *source;		/* "telegram", … */
	int initial_only;		/* the public reads the name's initial only */
	int ask_per_min;		/* the asker's limit, or 0 for --ask-rate */
};
/* Starts the pipeline for q; -1 (and no callback) if no receipt could be made. */
int ask_submit(const struct ask_request *q, const struct ask_sink *sink, void *ctx);

#endif
