/*
 * tags: see tags.h. Each word list becomes patterns (a row of folded
 * words, each exact or a prefix), indexed by the first character of their
 * first word; a text is folded once and each of its words tried against
 * the patterns that begin with its first character.
 */
#include "tags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "log.h"
#include "map.h"
#include "proto.h"
#include "text.h"
#include "util.h"

#define PATTERN_WORDS 4		/* words in one pattern at most */
#define TEXT_WORDS 256		/* words of a text looked at */

struct tag {
	char id[PROTO_DEPT_LEN + 1];
	char parent_id[PROTO_DEPT_LEN + 1];
	int parent;			/* index of the parent, or -1 */
	char *name[3];			/* ru, kk, en */
};

struct pattern {
	enum tag_kind kind;
	int tag;
	size_t n;
	char *word[PATTERN_WORDS];
	int prefix[PATTERN_WORDS];
};

/* The patterns whose first word begins with one character. */
struct plist {
	size_t *v;
	size_t n, cap;
};

static struct {
	struct tag *tags[TAG_KINDS];
	size_t ntags[TAG_KINDS];
	struct pattern *pats;
	size_t npats;
	struct map *first;		/* first character → struct plist */
	int other;			/* the topic given when none is found, or -1 */
	char *catalog;
} T;

static const char *const files[TAG_KINDS] = { "topics.txt", "places.txt" };

/* The first character of a word (its UTF-8 bytes) as a key. */
static void
first_char(const char *w, char out[5])
{
	size_t n = 1;
	unsigned char c = (unsigned char)w[0];

	if (c >= 0xF0)
		n = 4;
	else if (c >= 0xE0)
		n = 3;
	else if (c >= 0xC0)
		n = 2;
	memcpy(out, w, n);
	out[n] = '\0';
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* "id [< parent] = ru | kk | en" */
static int
parse_head(char *line, enum tag_kind kind, struct tag *t)
{
	char *eq = strchr(line, '='), *lt, *id, *names, *p;
	int i;

	if (eq == NULL)
		return -1;
	*eq = '\0';
	names = eq + 1;
	t->parent = -1;
	t->parent_id[0] = '\0';
	if ((lt = strchr(line, '<')) != NULL) {
		*lt = '\0';
		p = trim(lt + 1);
		if (kind != TAG_PLACE || !proto_valid_tag_id(p, strlen(p)))
			return -1;
		snprintf(t->parent_id, sizeof(t->parent_id), "%s", p);
	}
	id = trim(line);
	if (!proto_valid_tag_id(id, strlen(id)))
		return -1;
	snprintf(t->id, sizeof(t->id), "%s", id);
	for (i = 0; i < 3; i++) {
		char *bar = strchr(names, '|');

		if (bar)
			*bar = '\0';
		else if (i < 2)
			return -1;
		t->name[i] = xstrdup(trim(names));
		names = bar ? bar + 1 : names + strlen(names);
	}
	return 0;
}

/* One word of a list ("дорог*", "детск*_сад*") as a pattern of tag. */
static int
add_pattern(const char *spec, enum tag_kind kind, int tag)
{
	struct pattern p = { kind, tag, 0, { 0 }, { 0 } };
	char *copy = xstrdup(spec), *part, *save = NULL;
	struct plist *l;
	char key[5];

	for (part = strtok_r(copy, "_", &save); part; part = strtok_r(NULL, "_", &save)) {
		size_t n = strlen(part);
		int prefix = n > 1 && part[n - 1] == '*';
		struct sbuf b = { 0 };
		char *w, *wsave = NULL;

		sbuf_init(&b, n * 2 + 1);
		text_fold(part, n - (size_t)prefix, &b);
		/* Folding may split a word ("мини-центр"): its parts follow each other. */
		for (w = strtok_r(b.data, " ", &wsave); w; w = strtok_r(NULL, " ", &wsave)) {
			if (p.n == PATTERN_WORDS) {
				sbuf_free(&b);
				goto bad;
			}
			p.word[p.n] = xstrdup(w);
			p.prefix[p.n++] = 0;
		}
		if (p.n)
			p.prefix[p.n - 1] = prefix;
		sbuf_free(&b);
	}
	if (p.n == 0)
		goto bad;
	free(copy);
	T.pats = xrealloc(T.pats, (T.npats + 1) * sizeof(*T.pats));
	T.pats[T.npats] = p;
	first_char(p.word[0], key);
	if ((l = map_get(T.first, key)) == NULL)
		map_put(T.first, key, l = xcalloc(1, sizeof(*l)));
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = T.npats++;
	return 0;
bad:
	while (p.n)
		free(p.word[--p.n]);
	free(copy);
	return -1;
}

static char *
read_list(const char *dir, const char *file)
{
	char path[1024], name[64];
	const struct embedded *e;
	struct sbuf b = { 0 };
	FILE *f;
	size_t n;

	if (dir == NULL) {
		snprintf(name, sizeof(name), "data/%s", file);
		return (e = embed_get(name)) ? xstrdup(e->data) : NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	sbuf_init(&b, 16384);
	do {
		sbuf_grow(&b, 16384);
		n = fread(b.data + b.len, 1, 16384, f);
		b.len += n;
		b.data[b.len] = '\0';
	} while (n > 0);
	fclose(f);
	return sbuf_steal(&b, NULL);
}

static int
load(const char *dir, enum tag_kind kind)
{
	char *text = read_list(dir, files[kind]), *line, *save = NULL;
	int lineno = 0, cur = -1;

	if (text == NULL) {
		log_error("tags: cannot read %s%s%s", dir ? dir : "", dir ? "/" : "(built in) ", files[kind]);
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *w, *wsave = NULL;
		int indented = line[0] == ' ' || line[0] == '\t';

		lineno++;
		if (hash)
			*hash = '\0';
		if (*trim(line) == '\0')
			continue;
		if (!indented) {
			struct tag t;

			memset(&t, 0, sizeof(t));
			if (parse_head(line, kind, &t) < 0)
				goto bad;
			T.tags[kind] = xrealloc(T.tags[kind], (T.ntags[kind] + 1) * sizeof(struct tag));
			T.tags[kind][T.ntags[kind]] = t;
			cur = (int)T.ntags[kind]++;
			continue;
		}
		if (cur < 0)
			goto bad;
		for (w = strtok_r(line, " \t\r", &wsave); w; w = strtok_r(NULL, " \t\r", &wsave))
			if (add_pattern(w, kind, cur) < 0)
				goto bad;
	}
	free(text);
	return 0;
bad:
	log_error("tags: %s: cannot read line %d (see server/tags.h for the format)", files[kind], lineno);
	free(text);
	return -1;
}

static int
find(enum tag_kind kind, const char *id, size_t n)
{
	size_t i;

	for (i = 0; i < T.ntags[kind]; i++)
		if (strlen(T.tags[kind][i].id) == n && memcmp(T.tags[kind][i].id, id, n) == 0)
			return (int)i;
	return -1;
}

static void
build_catalog(void)
{
	static const char *const lang[3] = { "ru", "kk", "en" };
	struct sbuf b = { 0 };
	int k;
	size_t i, l;

	sbuf_init(&b, 8192);
	sbuf_adds(&b, "{");
	for (k = 0; k < TAG_KINDS; k++) {
		sbuf_adds(&b, k == TAG_TOPIC ? "\"topics\":[" : "],\"places\":[");
		for (i = 0; i < T.ntags[k]; i++) {
			const struct tag *t = &T.tags[k][i];

			sbuf_adds(&b, i ? ",{\"id\":" : "{\"id\":");
			sbuf_json_strz(&b, t->id);
			if (k == TAG_PLACE) {
				sbuf_adds(&b, ",\"parent\":");
				if (t->parent >= 0)
					sbuf_json_strz(&b, t->parent_id);
				else
					sbuf_adds(&b, "null");
			}
			sbuf_adds(&b, ",\"name\":{");
			for (l = 0; l < 3; l++) {
				sbuf_adds(&b, l ? ",\"" : "\"");
				sbuf_adds(&b, lang[l]);
				sbuf_adds(&b, "\":");
				sbuf_json_strz(&b, t->name[l]);
			}
			sbuf_adds(&b, "}}");
		}
	}
	sbuf_adds(&b, "]}");
	T.catalog = sbuf_steal(&b, NULL);
}

int
tags_init(const char *dir)
{
	size_t i;

	memset(&T, 0, sizeof(T));
	T.first = map_new();
	if (load(dir, TAG_TOPIC) < 0 || load(dir, TAG_PLACE) < 0)
		goto fail;
	for (i = 0; i < T.ntags[TAG_PLACE]; i++) {
		struct tag *t = &T.tags[TAG_PLACE][i];

		if (t->parent_id[0] &&
		    (t->parent = find(TAG_PLACE, t->parent_id, strlen(t->parent_id))) < 0) {
			log_error("tags: place %s: no parent place %s", t->id, t->parent_id);
			goto fail;
		}
	}
	T.other = -1;
	for (i = 0; i < T.ntags[TAG_TOPIC]; i++) {
		size_t k;
		int words = 0;

		for (k = 0; k < T.npats; k++)
			words |= T.pats[k].kind == TAG_TOPIC && T.pats[k].tag == (int)i;
		if (!words)
			T.other = (int)i;
	}
	build_catalog();
	return 0;
fail:
	tags_free();
	return -1;
}

void
tags_free(void)
{
	size_t i, k, pos = 0;
	struct plist *l;
	int kind;

	for (i = 0; i < T.npats; i++)
		for (k = 0; k < T.pats[i].n; k++)
			free(T.pats[i].word[k]);
	free(T.pats);
	while (T.first && (l = map_next(T.first, &pos, NULL)) != NULL) {
		free(l->v);
		free(l);
	}
	map_free(T.first);
	for (kind = 0; kind < TAG_KINDS; kind++) {
		for (i = 0; i < T.ntags[kind]; i++)
			for (k = 0; k < 3; k++)
				free(T.tags[kind][i].name[k]);
		free(T.tags[kind]);
	}
	free(T.catalog);
	memset(&T, 0, sizeof(T));
}

static int
word_matches(const char *word, int prefix, const char *tok, size_t n)
{
	size_t wl = strlen(word);

	return prefix ? (n >= wl && memcmp(tok, word, wl) == 0) : (n == wl && memcmp(tok, word, n) == 0);
}

static void
write_found(struct sbuf *out, enum tag_kind kind, const unsigned char *found)
{
	size_t i, k = 0;

	for (i = 0; i < T.ntags[kind]; i++)
		if (found[i]) {
			if (k++)
				sbuf_addc(out, ',');
			sbuf_adds(out, T.tags[kind][i].id);
		}
}

void
tags_of(const char *text, size_t len, struct sbuf *topics, struct sbuf *places)
{
	struct sbuf folded = { 0 }, words = { 0 };
	const char *tok[TEXT_WORDS];
	size_t tlen[TEXT_WORDS], n = 0, i, k, any = 0;
	unsigned char *found[TAG_KINDS];
	char *w, *save = NULL;

	found[TAG_TOPIC] = xcalloc(T.ntags[TAG_TOPIC] + 1, 1);
	found[TAG_PLACE] = xcalloc(T.ntags[TAG_PLACE] + 1, 1);
	sbuf_init(&folded, len * 2 + 1);
	sbuf_init(&words, len * 3 + 1);
	text_fold(text, len, &folded);
	/* Latin words in Cyrillic, as everyone else types them. */
	for (w = strtok_r(folded.data, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (words.len)
			sbuf_addc(&words, ' ');
		if (text_is_ascii(w, strlen(w)))
			text_latin_to_cyrillic(w, strlen(w), &words);
		else
			sbuf_adds(&words, w);
	}
	save = NULL;
	for (w = strtok_r(words.data, " ", &save); w && n < TEXT_WORDS; w = strtok_r(NULL, " ", &save)) {
		tok[n] = w;
		tlen[n++] = strlen(w);
	}
	for (i = 0; i < n; i++) {
		char key[5];
		const struct plist *l;

		first_char(tok[i], key);
		if ((l = map_get(T.first, key)) == NULL)
			continue;
		for (k = 0; k < l->n; k++) {
			const struct pattern *p = &T.pats[l->v[k]];
			size_t j;

			if (i + p->n > n)
				continue;
			for (j = 0; j < p->n; j++)
				if (!word_matches(p->word[j], p->prefix[j], tok[i + j], tlen[i + j]))
					break;
			if (j == p->n)
				found[p->kind][p->tag] = 1;
		}
	}
	/* A place counts its parents (a microdistrict its city). */
	for (i = T.ntags[TAG_PLACE]; i-- > 0;) {
		int p = (int)i;

		if (found[TAG_PLACE][i])
			while ((p = T.tags[TAG_PLACE][p].parent) >= 0)
				found[TAG_PLACE][p] = 1;
	}
	for (i = 0; i < T.ntags[TAG_TOPIC]; i++)
		any |= found[TAG_TOPIC][i];
	if (!any && T.other >= 0)
		found[TAG_TOPIC][T.other] = 1;
	write_found(topics, TAG_TOPIC, found[TAG_TOPIC]);
	write_found(places, TAG_PLACE, found[TAG_PLACE]);
	free(found[TAG_TOPIC]);
	free(found[TAG_PLACE]);
	sbuf_free(&folded);
	sbuf_free(&words);
}

int
tags_known(enum tag_kind kind, const char *list)
{
	const char *p = list;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (find(kind, p, n) < 0)
			return 0;
		p += n + (e != NULL);
	}
	return 1;
}

void
tags_catalog(struct sbuf *out)
{
	sbuf_adds(out, T.catalog ? T.catalog : "{\"topics\":[],\"places\":[]}");
}
