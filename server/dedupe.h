/*
 * dedupe: duplicate detection, in two levels.
 *
 * Level one is an exact fingerprint of the folded text with greetings,
 * thanks and forms of address stripped: two questions with the same
 * fingerprint are the same question.
 *
 * Level two finds near-duplicates (typos, abbreviations, word order,
 * endings, Kazakh in Latin letters). A question is reduced to a "doc": the
 * stems of its content words and its numbers. Candidates come from MinHash
 * over character trigrams of the stems, cut into LSH bands that Redis
 * indexes per room; each candidate is then verified by dedupe_compare(),
 * whose guards keep different questions apart (different numbers, a word
 * replaced by another, opposite words). See docs/DEDUPLICATION.md.
 */
#ifndef SURAK_DEDUPE_H
#define SURAK_DEDUPE_H

#include <stddef.h>
#include <stdint.h>

#define DEDUPE_FP_LEN 32	/* hex characters of a fingerprint */
#define DEDUPE_HASHES 48	/* MinHash functions */
#define DEDUPE_BANDS 12		/* LSH bands of DEDUPE_HASHES / DEDUPE_BANDS rows */
#define DEDUPE_BAND_LEN 16	/* hex characters of a band hash */
#define DEDUPE_MAX_TOKENS 96

struct sbuf;

/* Loads the word lists (server/data/). 0, or -1 if one is missing. */
int dedupe_init(void);
void dedupe_free(void);

/*
 * Writes the comparison form of text (folded tokens, greetings, thanks and
 * forms of address stripped) into out; returns the number of tokens.
 */
size_t dedupe_normalize(const char *text, size_t len, struct sbuf *out);

/* Writes the fingerprint of text (DEDUPE_FP_LEN hex chars + NUL). */
void dedupe_fingerprint(const char *text, size_t len, char out[DEDUPE_FP_LEN + 1]);

/* What a content word is to the comparison (lexicon.h's lists). */
enum dedupe_kind {
	DK_CORE,		/* it must find its word in the other question */
	DK_GENERIC,		/* a kind of place before a name: need not */
	DK_AFFECT,		/* feeling or context: need not, in a run of such words */
	DK_WITH,		/* who suffers, helper verbs: need not, in such a run with an affect word */
};

#define DF_VERB 1	/* looks like a verb (verbs.txt) */
#define DF_WE 2		/* a verb of the first person plural: someone it happens to */
#define DF_ASK 4	/* a word that asks (когда, почему, қашан…) */
#define DF_AND 8	/* follows "и", "а", "және": begins another part of the question */

/* A question reduced to what near-duplicate detection compares. */
struct dedupe_doc {
	char *buf;		/* owns the strings below */
	const char *tok[DEDUPE_MAX_TOKENS];	/* stems of the content words */
	const char *word[DEDUPE_MAX_TOKENS];	/* the words themselves (folded) */
	unsigned char kind[DEDUPE_MAX_TOKENS];	/* enum dedupe_kind */
	unsigned char flags[DEDUPE_MAX_TOKENS];	/* DF_… */
	const char *place[DEDUPE_MAX_TOKENS];	/* a generic word's kind of place */
	size_t ntok;
	const char *num[DEDUPE_MAX_TOKENS];	/* numbers that name things, in order */
	const char *label[DEDUPE_MAX_TOKENS];	/* what each names ("дом"), or NULL */
	size_t nnum;
	int kazakh;		/* a third of its words or more are Kazakh (kk-ru.txt) */
	int nbands;		/* 0 when there is nothing to index */
	char band[DEDUPE_BANDS][DEDUPE_BAND_LEN + 1];
	int ntrim;		/* the bands without a clause it may add (dedupe_make_bands), or 0 */
	char trim[DEDUPE_BANDS][DEDUPE_BAND_LEN + 1];
};

/* Builds the doc of a question's text. */
void dedupe_doc_build(struct dedupe_doc *d, const char *text, size_t len);
/*
 * The doc of a Kazakh question's Russian, word for word (kk-ru.txt): 1 if
 * the text is Kazakh and d is built, else 0 and d is left empty. Kazakh
 * and Russian questions meet through it as suggestions, never merges.
 */
int dedupe_doc_translate(struct dedupe_doc *d, const char *text, size_t len);
/* Rebuilds a doc from its key (what dedupe_doc_key() wrote), without bands. */
void dedupe_doc_parse(struct dedupe_doc *d, const char *key, size_t len);
void dedupe_doc_free(struct dedupe_doc *d);
/*
 * The LSH bands an ask files a key under (verify.c probe_build()): a question's own key,
 * its bands and those without a clause it may add; a Kazakh question's
 * Russian ("=…"), its bands alone. Appends them to out as "hex,hex,…";
 * returns how many. The same bands as the doc the key was written from.
 */
int dedupe_key_bands(const char *key, size_t len, struct sbuf *out);
/*
 * The doc's key, stored next to the question: "stem~word stem…|number…"
 * (a word equal to its stem is written once, a word after "и" is written
 * "+stem~word", a number that names a known thing "5@дом").
 */
void dedupe_doc_key(const struct dedupe_doc *d, struct sbuf *out);

/*
 * 1 when two docs ask the same question: the same numbers naming the same
 * things, every content word of each matched by a word of the other (equal
 * stems, a typo, a Russian or Kazakh ending apart) but for generic words
 * and added clauses of feeling, no different kinds of place, and no pair of
 * opposite words between them.
 */
int dedupe_same(const struct dedupe_doc *a, const struct dedupe_doc *b);
/*
 * 1 when two docs cannot be one question whatever their words: other
 * numbers or what they name, other kinds of place, opposite words. A
 * question is a candidate for a new wording only if none of its wordings
 * conflicts with it: "в Дамбе" may join "в селе Дамба", but then "на улице
 * Дамба" may not join both.
 */
int dedupe_conflict(const struct dedupe_doc *a, const struct dedupe_doc *b);
/*
 * 1 when two docs that are not the same question may be, for a moderator
 * to decide ("possibly the same as #N"): nothing conflicts, at least two
 * words of substance in common, and either one holds every word of
 * substance of the other (it adds a clause, a place…) or at most two are
 * left on each side with trigrams alike enough.
 */
int dedupe_suggest(const struct dedupe_doc *a, const struct dedupe_doc *b);
/*
 * 1 when a Kazakh question's Russian (dedupe_doc_translate) and a Russian
 * question may ask the same, for a moderator to decide: the same question
 * by dedupe_same(), or one holds all the words of substance of the other
 * with at most one more. Never a merge.
 */
int dedupe_suggest_across(const struct dedupe_doc *kk, const struct dedupe_doc *ru);
/* How alike two docs read, in [0, 1]: the Dice coefficient of their trigrams. */
double dedupe_similarity(const struct dedupe_doc *a, const struct dedupe_doc *b);

#endif
