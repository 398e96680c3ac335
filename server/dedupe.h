/*
 * dedupe: duplicate detection. Level one is an exact fingerprint of the
 * folded text with greetings and thanks stripped: two questions with the
 * same fingerprint are the same question.
 */
#ifndef SURAK_DEDUPE_H
#define SURAK_DEDUPE_H

#include <stddef.h>

#define DEDUPE_FP_LEN 32	/* hex characters of a fingerprint */

/* Loads the greeting and thanks lists. 0, or -1 if they are missing. */
int dedupe_init(void);
void dedupe_free(void);

/*
 * Writes the comparison form of text (folded tokens, greetings and thanks
 * stripped) into out; returns the number of tokens.
 */
struct sbuf;
size_t dedupe_normalize(const char *text, size_t len, struct sbuf *out);

/* Writes the fingerprint of text (DEDUPE_FP_LEN hex chars + NUL). */
void dedupe_fingerprint(const char *text, size_t len, char out[DEDUPE_FP_LEN + 1]);

#endif
