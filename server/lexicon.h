/*
 * lexicon: the word lists behind duplicate detection, embedded from
 * server/data/ and folded at start-up the same way as questions (text_fold),
 * so a list entry and a resident's word compare byte for byte:
 *   greetings.txt, thanks.txt   phrases stripped at a question's ends
 *   stopwords.txt               words level two ignores
 *   abbreviations.txt           "short=long" phrases, expanded
 *   antonyms.txt                pairs of words that make two questions different
 *   generic.txt                 kinds of place before a name (улица, ауыл…)
 *   context.txt                 words of feeling or context added to a question
 *   units.txt                   units and counting words of counted amounts
 *   numbered.txt                things named by a number, and their labels
 *   verbs.txt                   endings that mark a verb
 *   kk-ru.txt                   Kazakh civic words and their Russian
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
	struct map *first;	/* a first token → struct phrase_chain of the phrases it begins */
};

struct phrase_chain {
	size_t n;
	size_t *idx;		/* into the list's v */
};

struct lexicon {
	struct phrase_list greetings, thanks, abbrevs;
	struct phrase_list antonyms;	/* each phrase: exactly two stems */
	struct map *stopwords;		/* folded word → non-NULL */
	/* word, stem or Kazakh base → its kind or label (lexicon_kind()) */
	struct map *generic;		/* "street", "district", "settlement"… */
	struct map *context;		/* "affect" or "people" */
	struct map *units;		/* "unit" or "count" */
	struct map *numbered;		/* the label: "дом", "школа"… */
	char **owned;			/* the kinds and labels above */
	size_t nowned;
	struct ending {
		char *text;
		int kind;		/* LEX_VERB, LEX_WE, or 0 for a noun's ending */
		int kazakh;		/* only in a Kazakh question */
	} *endings;
	size_t nendings;
	struct phrase_list kkru;	/* Kazakh phrase → its Russian (to) */
	struct map *kk;			/* a Kazakh word (or its base) → its Russian */
	struct map *words;		/* folded word → struct lexicon_word (lexicon_word()) */
};

#define LEX_VERB 1
#define LEX_WE 2	/* a verb of the first person plural */

extern struct lexicon lex;

int lexicon_init(void);
void lexicon_free(void);
/* Splits s[0..len) at spaces into *out (malloc'd); returns the count. */
size_t lexicon_split(char *s, size_t len, struct span **out);
/* The Russian Snowball stem of a folded word (valid until the next call). */
const char *lexicon_stem(const char *w, size_t n, size_t *len);
/*
 * The bytes of a folded word left once Kazakh case, possessive and plural
 * endings are taken off (at most three), keeping at least min letters:
 * "ауданындағы" → "аудан", "самалда" → "самал". n when there is none.
 */
size_t lexicon_kz_base(const char *w, size_t n, size_t min);
/*
 * What one of the maps above says of a folded word: by the word, its stem
 * or its Kazakh base (units and context: the word or its Kazakh base, as
 * listed); or NULL.
 */
const char *lexicon_kind(const struct map *m, const char *w);

/*
 * LEX_VERB or LEX_WE when a folded word looks like a verb (verbs.txt; with
 * kazakh, the Kazakh endings too), else 0.
 */
int lexicon_verb(const char *w, int kazakh);
/* The Russian of a folded Kazakh word (by the word or its base), or NULL; NULL too when it is the same word. */
const char *lexicon_kk(const char *w);

/* What the lists say of one folded word, worked out once per process and word. */
struct lexicon_word {
	const char *generic;		/* lexicon_kind(lex.generic, w) */
	const char *context;		/* lexicon_kind(lex.context, w) */
	const char *kk;			/* lexicon_kk(w) */
	int verb, kverb;		/* lexicon_verb(w, 0), lexicon_verb(w, 1) */
	size_t kzlen;			/* lexicon_kz_base(w, strlen(w), 4) */
};
const struct lexicon_word *lexicon_word(const char *w);

#endif
