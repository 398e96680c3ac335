/*
 * dedupe_parts: what the parts of duplicate detection share, and no other
 * module uses: dedupe.c (level one), doc.c (docs), minhash.c (trigrams,
 * bands, similarity), same.c (the comparison).
 */
#ifndef SURAK_DEDUPE_PARTS_H
#define SURAK_DEDUPE_PARTS_H

#include <stddef.h>
#include <stdint.h>

#include "dedupe.h"
#include "lexicon.h"

#define DEDUPE_MAX_CP 64	/* code points compared per token */

/* Longest phrase of list matching tok at lo (or ending at hi if from_end), or NULL. */
const struct phrase *dedupe_match(const struct phrase_list *list, const struct span *tok,
    size_t lo, size_t hi, int from_end);
int dedupe_is_digits(const char *s, size_t n);
/* The code points of a UTF-8 token, at most DEDUPE_MAX_CP. */
size_t dedupe_decode(const char *s, int32_t *cp);
/* 1 if some word of d must find its match (is not generic, feeling or context). */
int dedupe_has_core(const struct dedupe_doc *d);
/* Fills the doc's LSH bands, and those of it without a clause it may add. */
void dedupe_make_bands(struct dedupe_doc *d);
/* The Dice coefficient of two docs' trigram sets. */
double dedupe_dice(const struct dedupe_doc *a, const struct dedupe_doc *b);
/*
 * Whether the run of words a[i..j) may be left out when the other question
 * lacks it (edge: it begins or ends the question): 0 no, 1 yes, 2 yes and
 * it holds words of substance (a clause).
 */
int dedupe_clause(const struct dedupe_doc *a, size_t i, size_t j, int edge);
/*
 * The words d[*lo..*hi) left once the longest clause d may add at its end
 * (or else its start) is off, keeping two words of substance: 1, or 0 if
 * it has no such clause.
 */
int dedupe_trim(const struct dedupe_doc *d, size_t *lo, size_t *hi);

#endif
