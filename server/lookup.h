/*
 * lookup: a hub's copy of a room's near-duplicate index, so that an ask
 * finds its candidates in memory instead of a script call: each
 * question's keys (the docs dedupe_doc_key() wrote, at most
 * LOOKUP_KEYS), where it was merged, and the LSH buckets, each the newest
 * LOOKUP_BUCKET question ids filed under one band. It answers as the
 * candidates script does (lib.lua candidates_of): the questions sharing
 * the most bands first, then the newest, each followed to the question it
 * was merged into.
 *
 * It is fed by the room's snapshot (keys only: their bands are computed
 * here, a slice at a time, lookup_work()) and by its events (keys with
 * the bands the ask filed them under). A look-up is as good as the copy
 * it belongs to; the ask script checks what is newer (lookup_last()).
 * Pure data: no sockets, no clock, no Redis.
 */
#ifndef SURAK_LOOKUP_H
#define SURAK_LOOKUP_H

#include <stddef.h>

#define LOOKUP_KEYS 8		/* keys kept per question (lib.lua KEYS_MAX) */
#define LOOKUP_BUCKET 64	/* ids kept per bucket, the newest (lib.lua BUCKET_MAX) */

struct lookup;

/* A candidate: the question (merges followed) and its keys, valid until the lookup changes. */
struct lookup_cand {
	long long id;
	size_t nkeys;
	const char *key[LOOKUP_KEYS];
	size_t len[LOOKUP_KEYS];
};

struct lookup *lookup_new(void);
void lookup_free(struct lookup *l);	/* lookup_free(NULL) is a no-op */

/* Question id exists (the highest id seen is lookup_last()). */
void lookup_question(struct lookup *l, long long id);
/*
 * A key of question id, filed under `bands` ("hex,hex,…" as the ask
 * script indexed it; "" for none), or under the bands its doc gives when
 * bands is NULL (later: lookup_work()). A key the question has already,
 * or one past LOOKUP_KEYS, is ignored, as the script ignores it.
 */
void lookup_key(struct lookup *l, long long id, const char *key, size_t len, const char *bands);
/* Question id was merged into `into`: its bands lead there. */
void lookup_merged(struct lookup *l, long long id, long long into);

/* Computes the bands of up to max keys waiting for theirs; returns how many still wait. */
size_t lookup_work(struct lookup *l, size_t max);
/* How many keys wait for their bands (lookup_find() answers only at 0). */
size_t lookup_pending(const struct lookup *l);
/* The highest question id seen. */
long long lookup_last(const struct lookup *l);

/*
 * The candidates of a text filed under `bands` ("hex,hex,…", an ask's:
 * its own, without a clause, its Russian), at most max, into out; returns
 * how many. Only once lookup_work() has nothing left to do.
 */
size_t lookup_find(const struct lookup *l, const char *bands, struct lookup_cand *out, size_t max);

#endif
