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

int
lexicon_init(void)
{
	if (stemmer)
		return 0;
	stemmer = sb_stemmer_new("russian", "UTF_8");
	lex.stopwords = map_new();
	if (stemmer == NULL ||
	    each_line("data/greetings.txt", load_phrase, &lex.greetings) < 0 ||
	    each_line("data/thanks.txt", load_phrase, &lex.thanks) < 0 ||
	    each_line("data/stopwords.txt", load_stopword, NULL) < 0 ||
	    each_line("data/abbreviations.txt", load_abbrev, NULL) < 0 ||
	    each_line("data/antonyms.txt", load_antonym, NULL) < 0)
		return -1;
	return 0;
}

static void
free_list(struct phrase_list *list)
{
	size_t i;

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
	free_list(&lex.greetings);
	free_list(&lex.thanks);
	free_list(&lex.abbrevs);
	free_list(&lex.antonyms);
	map_free(lex.stopwords);
	lex.stopwords = NULL;
	if (stemmer)
		sb_stemmer_delete(stemmer);
	stemmer = NULL;
}

