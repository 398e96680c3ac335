/*
 * ask: the pipeline behind `ask` and `similar`. A question takes two round
 * trips: the look-up of candidates that share an LSH band with it (the
 * candidates script), verified here against the question's doc, then the
 * ask script with the verdict. The ask script may answer "retry" when a
 * close question appeared in between, and the look-up runs again (at most
 * ASK_TRIES times; then the question is stored as it is).
 */
#ifndef SURAK_ASK_H
#define SURAK_ASK_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "proto.h"

struct session;
struct dedupe_doc;
struct config;

void ask_init(const struct config *cfg);
void cmd_ask(struct session *s, const struct cmd *c);
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
