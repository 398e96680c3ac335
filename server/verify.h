/*
 * verify: a question judged against its candidates, the questions that
 * share an LSH band with it (from this hub's copy of the room, lookup.h,
 * or from the candidates script). struct probe is what a question is
 * looked up and judged by, computed once when it arrives. ask.c asks "is
 * it the same question?" (a merge) or "may it be?" (a suggestion to
 * moderators); similar.c asks "is it alike enough to show a viewer?".
 */
#ifndef SURAK_VERIFY_H
#define SURAK_VERIFY_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "dedupe.h"
#include "lookup.h"

#define VERIFY_CANDIDATES 24	/* candidates judged per look-up (as the candidates script gives) */
#define SIMILAR_MIN 0.45	/* trigram similarity worth showing a viewer */

/*
 * A question as it is looked up and judged: its doc and the doc's key
 * (stored with the question), its Russian when it is Kazakh (tdoc, with
 * tkey "=" and its key; tdoc.buf NULL and tkey "" otherwise), and the
 * bands it is filed under, comma-separated: its own, those without a
 * clause it may add (trimmed), and its Russian's. bh: its own bands as
 * numbers, 0 where none.
 */
struct probe {
	struct dedupe_doc doc, tdoc;
	char *key, *tkey;
	char bands[3 * DEDUPE_BANDS * (DEDUPE_BAND_LEN + 1) + 1];
	uint64_t bh[DEDUPE_BANDS];
};
void probe_build(struct probe *p, const char *text, size_t len);
void probe_free(struct probe *p);

/* The best `max` (id, similarity) pairs offered, most similar first; on a tie the one offered first. */
struct topk {
	long long *ids;
	double *sims;
	size_t n, max;
};
void topk_offer(struct topk *t, long long id, double sim);

/*
 * Verifies candidates against p: each candidate's best match over its
 * keys that is the same question (or, with want_same = 0, any at least
 * SIMILAR_MIN alike) is offered to t. A candidate one of whose keys
 * conflicts with p (dedupe_conflict) is left out when want_same. With
 * suggest, a candidate that is not the same but may be (dedupe_suggest;
 * across Kazakh and Russian through p's tdoc, or a candidate's "=" key)
 * is offered there. Candidates come newest first, so the newest wins a
 * tie.
 */
void verify(const struct probe *p, const struct lookup_cand *cands, size_t n, int want_same,
    struct topk *t, struct topk *suggest);

/* A look-up reply's candidates ({{id, status, {key…}}…}), at most max, pointing into the reply. */
size_t verify_reply_cands(const redisReply *cands, struct lookup_cand *out, size_t max);

#endif
