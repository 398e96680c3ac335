/*
 * lexicon: see lexicon.h.
 */
#include "lexicon.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "log.h"
#include "map.h"
#include "text.h"
#include "util.h"

struct lexicon lex;
static struct sb_stemmer *stemmer;

size_t
lexicon_split(char *s, size_t len, struct span **out)
{
	size_t i, n = 0, cap = 8, start = 0;
	struct span *v = xmalloc(cap * sizeof(*v));

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != ' ')
			continue;
		if (i > start) {
			if (n == cap)
				v = xrealloc(v, (cap *= 2) * sizeof(*v));
			v[n].p = s + start;
			v[n].n = i - start;
			n++;
		}
		start = i + 1;
	}
	*out = v;
	return n;
}

static char *
fold_string(const char *s, size_t n)
{
	struct sbuf b = { 0 };

	sbuf_init(&b, n * 2 + 1);
	text_fold(s, n, &b);
	return sbuf_steal(&b, NULL);
}

const char *
lexicon_stem(const char *w, size_t n, size_t *len)
{
	const sb_symbol *r = sb_stemmer_stem(stemmer, (const sb_symbol *)w, (int)n);

	if (r == NULL) {
		*len = n;
		return w;
	}
	*len = (size_t)sb_stemmer_length(stemmer);
	return (const char *)r;
}

/* Folded Kazakh endings, longest first within each group that may follow another. */
static const char *const kz_endings[] = {
	"ндагы", "ндеги", "дагы", "деги", "тагы", "теги",
	"нын", "нин", "дын", "дин", "тын", "тин",
	"нан", "нен", "дан", "ден", "тан", "тен",
	"ына", "ине", "сына", "сине", "га", "ге", "ка", "ке",
	"нда", "нде", "да", "де", "та", "те",
	"мен", "бен", "пен",
	"лар", "лер", "дар", "дер", "тар", "тер",
	"сын", "син", "ны", "ни", "ды", "ди", "ты", "ти",
	"сы", "си", "ы", "и",
};

static size_t
letters(const char *w, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += ((unsigned char)w[i] & 0xC0) != 0x80;
	return k;
}

/* One Kazakh ending off w[0..n), keeping at least min letters; n if none. */
static size_t kz_len[ARRAY_LEN(kz_endings)];	/* their lengths, set by lexicon_init() */

static size_t
kz_strip(const char *w, size_t n, size_t min)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(kz_endings); i++) {
		size_t k = kz_len[i];

		if (k < n && memcmp(w + n - k, kz_endings[i], k) == 0 && letters(w, n - k) >= min)
			return n - k;
	}
	return n;
}

size_t
lexicon_kz_base(const char *w, size_t n, size_t min)
{
	int round;
	size_t k;

	for (round = 0; round < 3 && (k = kz_strip(w, n, min)) < n; round++)
		n = k;
	return n;
}

/* m's value for w[0..n) or for what is left once up to depth Kazakh endings are off, trying each. */
static const char *
kz_lookup(const struct map *m, const char *w, size_t n, int depth)
{
	char buf[256];
	const char *v;
	size_t i;

	if (n >= sizeof(buf))
		return NULL;
	memcpy(buf, w, n);
	buf[n] = '\0';
	if ((v = map_get(m, buf)) != NULL || depth == 0)
		return v;
	for (i = 0; i < ARRAY_LEN(kz_endings); i++) {
		size_t k = kz_len[i];

		if (k < n && memcmp(w + n - k, kz_endings[i], k) == 0 && letters(w, n - k) >= 3 &&
		    (v = kz_lookup(m, w, n - k, depth - 1)) != NULL)
			return v;
	}
	return NULL;
}

const char *
lexicon_kind(const struct map *m, const char *w)
{
	char buf[256];
	const char *v, *s;
	size_t n = strlen(w), sl;

	if (m == NULL || n >= sizeof(buf))
		return NULL;
	if ((v = map_get(m, w)) != NULL)
		return v;
	if (m != lex.units && m != lex.context) {
		s = lexicon_stem(w, n, &sl);
		memcpy(buf, s, sl);
		buf[sl] = '\0';
		if ((v = map_get(m, buf)) != NULL)
			return v;
	}
	/* Kazakh endings off, each way: "кентінде" → "кенті" → "кент". */
	return kz_lookup(m, w, n, 3);
}

/* Keeps s (a kind or a label) until lexicon_free(). */
static char *
own(char *s)
{
	lex.owned = xrealloc(lex.owned, (lex.nowned + 1) * sizeof(*lex.owned));
	return lex.owned[lex.nowned++] = s;
}

/*
 * Maps the folded word and its stem to value; units and context words by
 * the word alone: "дети" is no "детей", and "водим" must not make "воды"
 * a verb.
 */
static void
put_word(struct map *m, const char *w, size_t n, const char *value)
{
	char buf[256];
	const char *s;
	size_t sl;

	if (n == 0 || n >= sizeof(buf))
		return;
	memcpy(buf, w, n);
	buf[n] = '\0';
	map_put(m, buf, (void *)value);
	if (m == lex.units || m == lex.context)
		return;
	s = lexicon_stem(buf, n, &sl);
	memcpy(buf, s, sl);
	buf[sl] = '\0';
	if (map_get(m, buf) == NULL)
		map_put(m, buf, (void *)value);
}

/* "word kind" (generic.txt, context.txt) or "kind word" (units.txt, first = 1). */
static void
load_kinds(const char *line, size_t n, struct map *m, int kind_first)
{
	char *f = fold_string(line, n);
	struct span *tok;
	size_t nt = lexicon_split(f, strlen(f), &tok);

	if (nt == 2) {
		const struct span *w = &tok[kind_first ? 1 : 0], *k = &tok[kind_first ? 0 : 1];

		put_word(m, w->p, w->n, own(xstrndup(k->p, k->n)));
	}
	free(tok);
	free(f);
}

static void
load_generic(const char *line, size_t n, void *arg)
{
	(void)arg;
	load_kinds(line, n, lex.generic, 0);
}

static void
load_context(const char *line, size_t n, void *arg)
{
	(void)arg;
	load_kinds(line, n, lex.context, 0);
}

static void
load_unit(const char *line, size_t n, void *arg)
{
	(void)arg;
	load_kinds(line, n, lex.units, 1);
}

/* "verb ENDING", "we ENDING", "not ENDING" */
static void
load_ending(const char *line, size_t n, void *arg)
{
	char *f = fold_string(line, n);
	struct span *tok;
	size_t nt = lexicon_split(f, strlen(f), &tok);

	(void)arg;
	if (nt == 2) {
		struct ending *e;

		lex.endings = xrealloc(lex.endings, (lex.nendings + 1) * sizeof(*lex.endings));
		e = &lex.endings[lex.nendings++];
		int k = tok[0].n > 0 && tok[0].p[0] == 'k';
		const char *kind = tok[0].p + k;
		size_t kn = tok[0].n - (size_t)k;

		e->text = xstrndup(tok[1].p, tok[1].n);
		e->kazakh = k;
		e->kind = kn == 4 && memcmp(kind, "verb", 4) == 0 ? LEX_VERB :
		    kn == 2 && memcmp(kind, "we", 2) == 0 ? LEX_WE : 0;
	}
	free(tok);
	free(f);
}

int
lexicon_verb(const char *w, int kazakh)
{
	size_t n = strlen(w), i, best = 0;
	int kind = 0;

	if (letters(w, n) < 5)
		return 0;
	for (i = 0; i < lex.nendings; i++) {
		size_t k = strlen(lex.endings[i].text);

		if (lex.endings[i].kazakh && !kazakh)
			continue;
		if (k > best && k < n && memcmp(w + n - k, lex.endings[i].text, k) == 0) {
			best = k;
			kind = lex.endings[i].kind;
		}
	}
	return kind;
}

static void add_phrase(struct phrase_list *list, char *folded, char *to);

/* "kazakh = russian" */
static void
load_kkru(const char *line, size_t n, void *arg)
{
	const char *eq = memchr(line, '=', n);
	char *from, *to;

	(void)arg;
	if (eq == NULL)
		return;
	from = fold_string(line, (size_t)(eq - line));
	to = fold_string(eq + 1, n - (size_t)(eq - line) - 1);
	if (!from[0] || !to[0]) {
		free(from);
		free(to);
		return;
	}
	if (strchr(from, ' ') == NULL && map_get(lex.kk, from) == NULL)
		map_put(lex.kk, from, to);
	add_phrase(&lex.kkru, from, to);
}

const char *
lexicon_kk(const char *w)
{
	const char *v = kz_lookup(lex.kk, w, strlen(w), 3);

	return v == NULL || strcmp(v, w) == 0 ? NULL : v;
}

#define WORDS_MAX 200000	/* words remembered by lexicon_word() before it starts over */

static void
forget_words(void)
{
	size_t pos = 0;
	void *v;

	while ((v = map_next(lex.words, &pos, NULL)) != NULL)
		free(v);
	map_free(lex.words);
	lex.words = map_new();
}

const struct lexicon_word *
lexicon_word(const char *w)
{
	struct lexicon_word *lw = map_get(lex.words, w);

	if (lw != NULL)
		return lw;
	if (map_count(lex.words) >= WORDS_MAX)
		forget_words();
	lw = xcalloc(1, sizeof(*lw));
	lw->generic = lexicon_kind(lex.generic, w);
	lw->context = lexicon_kind(lex.context, w);
	lw->kk = lexicon_kk(w);
	lw->verb = lexicon_verb(w, 0);
	lw->kverb = lexicon_verb(w, 1);
	lw->kzlen = lexicon_kz_base(w, strlen(w), 4);
	map_put(lex.words, w, lw);
	return lw;
}

/* "label: word word…" */
static void
load_numbered(const char *line, size_t n, void *arg)
{
	const char *colon = memchr(line, ':', n);
	char *label, *f;
	struct span *tok;
	size_t nt, i;

	(void)arg;
	if (colon == NULL)
		return;
	label = own(fold_string(line, (size_t)(colon - line)));
	f = fold_string(colon + 1, n - (size_t)(colon - line) - 1);
	nt = lexicon_split(f, strlen(f), &tok);
	for (i = 0; i < nt; i++)
		put_word(lex.numbered, tok[i].p, tok[i].n, label);
	free(tok);
	free(f);
}

static void
add_phrase(struct phrase_list *list, char *folded, char *to)
{
	struct phrase *ph;

	list->v = xrealloc(list->v, (list->n + 1) * sizeof(*list->v));
	ph = &list->v[list->n++];
	ph->text = folded;
	ph->ntok = lexicon_split(ph->text, strlen(ph->text), &ph->tok);
	ph->to = to;
}

/* Calls fn for each non-empty, non-comment line of an embedded list. */
static int
each_line(const char *name, void (*fn)(const char *line, size_t n, void *arg), void *arg)
{
	const struct embedded *e = embed_get(name);
	const char *p, *end;

	if (e == NULL) {
		log_error("lexicon: embedded list %s is missing", name);
		return -1;
	}
	for (p = e->data, end = e->data + e->len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n > 0 && p[0] != '#')
			fn(p, n, arg);
		p += n + 1;
	}
	return 0;
}

static void
load_phrase(const char *line, size_t n, void *arg)
{
	char *f = fold_string(line, n);

	if (f[0])
		add_phrase(arg, f, NULL);
	else
		free(f);
}

static void
load_stopword(const char *line, size_t n, void *arg)
{
	char *f = fold_string(line, n);

	(void)arg;
	if (f[0] && strchr(f, ' ') == NULL)
		map_put(lex.stopwords, f, lex.stopwords);
	free(f);
}

static void
load_abbrev(const char *line, size_t n, void *arg)
{
	const char *eq = memchr(line, '=', n);
	char *from, *to;

	(void)arg;
	if (eq == NULL)
		return;
	from = fold_string(line, (size_t)(eq - line));
	to = fold_string(eq + 1, n - (size_t)(eq - line) - 1);
	if (from[0] && to[0]) {
		add_phrase(&lex.abbrevs, from, to);
		return;
	}
	free(from);
	free(to);
}

static void
load_antonym(const char *line, size_t n, void *arg)
{
	char *f = fold_string(line, n);
	struct span *tok;
	struct sbuf b = { 0 };
	size_t nt = lexicon_split(f, strlen(f), &tok), i, sl;
	const char *s;

	(void)arg;
	if (nt == 2) {
		sbuf_init(&b, 64);
		for (i = 0; i < 2; i++) {
			s = lexicon_stem(tok[i].p, tok[i].n, &sl);
			if (i)
				sbuf_addc(&b, ' ');
			sbuf_add(&b, s, sl);
		}
		add_phrase(&lex.antonyms, sbuf_steal(&b, NULL), NULL);
	}
	free(tok);
	free(f);
}

/* Indexes a list by the first token of its phrases, for dedupe_match(). */
static void
index_first(struct phrase_list *list)
{
	size_t i;

	list->first = map_new();
	for (i = 0; i < list->n; i++) {
		char key[256];
		struct phrase_chain *c;
		const struct span *t = &list->v[i].tok[0];

		if (list->v[i].ntok == 0 || t->n >= sizeof(key))
			continue;
		memcpy(key, t->p, t->n);
		key[t->n] = '\0';
		if ((c = map_get(list->first, key)) == NULL) {
			c = xcalloc(1, sizeof(*c));
			map_put(list->first, key, c);
		}
		c->idx = xrealloc(c->idx, (c->n + 1) * sizeof(*c->idx));
		c->idx[c->n++] = i;
	}
}

int
lexicon_init(void)
{
	size_t i;

	if (stemmer)
		return 0;
	for (i = 0; i < ARRAY_LEN(kz_endings); i++)
		kz_len[i] = strlen(kz_endings[i]);
	stemmer = sb_stemmer_new("russian", "UTF_8");
	lex.stopwords = map_new();
	lex.generic = map_new();
	lex.context = map_new();
	lex.units = map_new();
	lex.numbered = map_new();
	lex.kk = map_new();
	lex.words = map_new();
	if (stemmer == NULL ||
	    each_line("data/greetings.txt", load_phrase, &lex.greetings) < 0 ||
	    each_line("data/thanks.txt", load_phrase, &lex.thanks) < 0 ||
	    each_line("data/stopwords.txt", load_stopword, NULL) < 0 ||
	    each_line("data/abbreviations.txt", load_abbrev, NULL) < 0 ||
	    each_line("data/antonyms.txt", load_antonym, NULL) < 0 ||
	    each_line("data/generic.txt", load_generic, NULL) < 0 ||
	    each_line("data/context.txt", load_context, NULL) < 0 ||
	    each_line("data/units.txt", load_unit, NULL) < 0 ||
	    each_line("data/numbered.txt", load_numbered, NULL) < 0 ||
	    each_line("data/verbs.txt", load_ending, NULL) < 0 ||
	    each_line("data/kk-ru.txt", load_kkru, NULL) < 0)
		return -1;
	index_first(&lex.greetings);
	index_first(&lex.abbrevs);
	index_first(&lex.kkru);
	return 0;
}

static void
free_list(struct phrase_list *list)
{
	struct phrase_chain *c;
	size_t i, pos = 0;

	while (list->first && (c = map_next(list->first, &pos, NULL)) != NULL) {
		free(c->idx);
		free(c);
	}
	map_free(list->first);
	for (i = 0; i < list->n; i++) {
		free(list->v[i].text);
		free(list->v[i].tok);
		free(list->v[i].to);
	}
	free(list->v);
	memset(list, 0, sizeof(*list));
}

void
lexicon_free(void)
{
	size_t i;

	free_list(&lex.greetings);
	free_list(&lex.thanks);
	free_list(&lex.abbrevs);
	free_list(&lex.antonyms);
	free_list(&lex.kkru);	/* owns the Russian the kk map points to */
	map_free(lex.kk);
	lex.kk = NULL;
	if (lex.words) {
		forget_words();
		map_free(lex.words);
		lex.words = NULL;
	}
	map_free(lex.stopwords);
	map_free(lex.generic);
	map_free(lex.context);
	map_free(lex.units);
	map_free(lex.numbered);
	lex.stopwords = lex.generic = lex.context = lex.units = lex.numbered = NULL;
	for (i = 0; i < lex.nowned; i++)
		free(lex.owned[i]);
	free(lex.owned);
	lex.owned = NULL;
	lex.nowned = 0;
	for (i = 0; i < lex.nendings; i++)
		free(lex.endings[i].text);
	free(lex.endings);
	lex.endings = NULL;
	lex.nendings = 0;
	if (stemmer)
		sb_stemmer_delete(stemmer);
	stemmer = NULL;
}

