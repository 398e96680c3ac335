/*
 * ask: the pipeline behind `ask` and `similar`. A question's candidates
 * (the questions sharing an LSH band with it) come from this hub's copy of
 * the room (rooms_lookup()) or, without one, from the candidates script;
 * they are verified here against the question's doc, then the ask script
 * stores it with the verdict. The script answers "retry" with the close
 * questions that appeared since the look-up, which are judged in turn (at
 * most ASK_TRIES times; the last try is stored unchecked against newer
 * ones). A new question waits for one in flight on this hub that it
 * judges the same (or one to suggest) instead of racing it, and names the
 * others sharing a band to the script (ask.c, "asks in flight").
 */
#ifndef SURAK_ASK_H
#define SURAK_ASK_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <uv.h>

#include "proto.h"

struct session;
struct dedupe_doc;
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
void cmd_similar(struct session *s, const struct cmd *c);

/* The best `max` (id, similarity) pairs offered, most similar first; on a tie the one offered first. */
struct topk {
	long long *ids;
	double *sims;
	size_t n, max;
};
void topk_offer(struct topk *t, long long id, double sim);

/*
 * Verifies the candidates of a look-up ({{id, status, {key…}}…}) against
 * doc: each candidate's best match over its keys that is the same question
 * (or, with want_same = 0, any at least SIMILAR_MIN alike) is offered to t.
 * A candidate one of whose keys conflicts with doc (dedupe_conflict) is
 * left out when want_same. With suggest, a candidate that is not the same
 * but may be (dedupe_suggest; across Kazakh and Russian through tdoc, the
 * asked question's Russian, or a candidate's "=" key) is offered there. Candidates come newest
 * first, so the newest wins a tie.
 */
void ask_verify(const struct dedupe_doc *doc, const struct dedupe_doc *tdoc, const redisReply *cands,
    int want_same, struct topk *t, struct topk *suggest);

#endif
