/*
 * lexicon: the word lists behind duplicate detection, embedded from
 * server/data/ and folded at start-up the same way as questions (text_fold),
 * so a list entry and a resident's word compare byte for byte:
 *   greetings.txt, thanks.txt   phrases stripped at a question's ends
 *   stopwords.txt               words level two ignores
 *   abbreviations.txt           "short=long" phrases, expanded
 *   antonyms.txt                pairs of words that make two questions different
 * Loaded once per process (lexicon_init) and read-only after.
 */
#ifndef SURAK_LEXICON_H
#define SURAK_LEXICON_H

#include <stddef.h>

struct map;

struct span {
	const char *p;
	size_t n;
};

/* A phrase: its folded tokens, stored in one string. */
struct phrase {
	char *text;
	struct span *tok;
	size_t ntok;
	char *to;		/* abbreviations: the folded expansion */
};

struct phrase_list {
	struct phrase *v;
	size_t n;
};

struct lexicon {
	struct phrase_list greetings, thanks, abbrevs;
	struct phrase_list antonyms;	/* each phrase: exactly two stems */
	struct map *stopwords;		/* folded word → non-NULL */
};

extern struct lexicon lex;

int lexicon_init(void);
void lexicon_free(void);
/* Splits s[0..len) at spaces into *out (malloc'd); returns the count. */
size_t lexicon_split(char *s, size_t len, struct span **out);
/* The Russian Snowball stem of a folded word (valid until the next call). */
const char *lexicon_stem(const char *w, size_t n, size_t *len);

#endif
