/*
 * dedupe: level one, the comparison form of a question and its
 * fingerprint; and the lists behind both levels loaded (lexicon.c). Level
 * two is doc.c (a question reduced to its doc), minhash.c (trigrams, LSH
 * bands, similarity) and same.c (whether two docs ask the same question).
 *
 * The word lists are data (lexicon.c): greetings and thanks (stripped at
 * the ends), stop words (ignored by level two), abbreviations (expanded)
 * and the rest (see lexicon.h). The only rules in code are general ones:
 * patronymic endings of a form of address, Latin-to-Cyrillic letters, the
 * edit distances that count as a typo, what makes a clause.
 *
 * Everything here is deterministic and identical in every hub process: a
 * fingerprint or a band hash computed by one hub is found by another.
 */
#include "dedupe.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "dedupe_parts.h"
#include "lexicon.h"
#include "map.h"
#include "text.h"
#include "util.h"

int
dedupe_init(void)
{
	return lexicon_init();
}

void
dedupe_free(void)
{
	lexicon_free();
}

static int
span_eq(const struct span *a, const struct span *b)
{
	return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

/* Longest phrase of list matching tok at lo (or ending at hi if from_end). */
const struct phrase *
dedupe_match(const struct phrase_list *list, const struct span *tok, size_t lo, size_t hi,
    int from_end)
{
	const struct phrase *best = NULL;
	const struct phrase_chain *c = NULL;
	size_t i, j, n = list->n;

	if (!from_end && list->first && lo < hi) {
		char key[256];

		if (tok[lo].n >= sizeof(key))
			return NULL;
		memcpy(key, tok[lo].p, tok[lo].n);
		key[tok[lo].n] = '\0';
		if ((c = map_get(list->first, key)) == NULL)
			return NULL;
		n = c->n;
	}
	for (i = 0; i < n; i++) {
		const struct phrase *ph = &list->v[c ? c->idx[i] : i];

		if (ph->ntok > hi - lo || (best && ph->ntok <= best->ntok))
			continue;
		for (j = 0; j < ph->ntok; j++) {
			size_t k = from_end ? hi - ph->ntok + j : lo + j;

			if (!span_eq(&tok[k], &ph->tok[j]))
				break;
		}
		if (j == ph->ntok)
			best = ph;
	}
	return best;
}

static int
ends_with(const struct span *t, const char *suffix)
{
	size_t n = strlen(suffix);

	return t->n > n + 2 && memcmp(t->p + t->n - n, suffix, n) == 0;
}

/* A patronymic, as a form of address uses it: Асаинович, Сериковна, Асқарұлы. */
static int
patronymic(const struct span *t)
{
	static const char *const suffixes[] = {
		"ович", "евич", "овна", "евна", "ична", "улы", "кызы"
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(suffixes); i++)
		if (ends_with(t, suffixes[i]))
			return 1;
	return 0;
}

size_t
dedupe_normalize(const char *text, size_t len, struct sbuf *out)
{
	struct sbuf folded = { 0 };
	struct span *tok = NULL;
	const struct phrase *ph;
	size_t n, lo, hi, i;
	int changed;

	sbuf_reset(out);
	sbuf_init(&folded, len * 2 + 1);
	text_fold(text, len, &folded);
	n = lexicon_split(folded.data, folded.len, &tok);
	lo = 0;
	hi = n;
	do {
		changed = 0;
		while (lo < hi && (ph = dedupe_match(&lex.greetings, tok, lo, hi, 0)) != NULL) {
			lo += ph->ntok;
			changed = 1;
			/* A greeting may be followed by a name and patronymic. */
			if (lo < hi && patronymic(&tok[lo]))
				lo += 1;
			else if (lo + 1 < hi && patronymic(&tok[lo + 1]))
				lo += 2;
		}
		while (lo < hi && (ph = dedupe_match(&lex.thanks, tok, lo, hi, 1)) != NULL) {
			hi -= ph->ntok;
			changed = 1;
		}
	} while (changed && lo < hi);
	if (lo == hi) {		/* nothing but a greeting: compare it whole */
		lo = 0;
		hi = n;
	}
	for (i = lo; i < hi; i++) {
		if (i > lo)
			sbuf_addc(out, ' ');
		sbuf_add(out, tok[i].p, tok[i].n);
	}
	free(tok);
	sbuf_free(&folded);
	return hi - lo;
}

void
dedupe_fingerprint(const char *text, size_t len, char out[DEDUPE_FP_LEN + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	struct sbuf norm = { 0 };

	sbuf_init(&norm, len + 1);
	if (dedupe_normalize(text, len, &norm) == 0) {
		/* No letters or digits at all ("???", emoji): compare the text itself. */
		text_clean(text, len, &norm);
	}
	EVP_Digest(norm.data, norm.len, md, &mdlen, EVP_sha256(), NULL);
	hex_encode(md, DEDUPE_FP_LEN / 2, out);
	sbuf_free(&norm);
}
