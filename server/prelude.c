/*
 * prelude: see prelude.h.
 */
#include "prelude.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define NAMES_MAX 8	/* names one definition binds ("local a, b = …") */
#define NAME_MAX_LEN 64

struct def {
	const char *start;	/* from its "local" to the next definition's */
	size_t len;
	char names[NAMES_MAX][NAME_MAX_LEN];
	int nnames;
};

struct prelude {
	const char *lib;
	size_t len;
	struct def *defs;
	size_t ndefs;
	unsigned char *needs;	/* needs[i * ndefs + j]: definition i names one of j's */
};

static int
word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Whether text (len bytes) names `name` as a whole word. */
static int
mentions(const char *text, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *p = text, *end = text + len, *at;

	while ((at = memmem(p, (size_t)(end - p), name, n)) != NULL) {
		if ((at == text || !word_char(at[-1])) && (at + n == end || !word_char(at[n])))
			return 1;
		p = at + 1;
	}
	return 0;
}

static int
mentions_def(const char *text, size_t len, const struct def *d)
{
	int k;

	for (k = 0; k < d->nnames; k++)
		if (mentions(text, len, d->names[k]))
			return 1;
	return 0;
}

/* The names a definition binds: "local function f(" or "local a, b = …". */
static void
bind_names(struct def *d)
{
	const char *p = d->start + strlen("local"), *end = d->start + d->len;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p > 9 && strncmp(p, "function ", 9) == 0)
		p += 9;
	while (p < end && d->nnames < NAMES_MAX) {
		size_t n = 0;

		while (p < end && *p == ' ')
			p++;
		while (p + n < end && word_char(p[n]))
			n++;
		if (n == 0 || n >= NAME_MAX_LEN)
			return;
		memcpy(d->names[d->nnames], p, n);
		d->names[d->nnames++][n] = '\0';
		p += n;
		while (p < end && *p == ' ')
			p++;
		if (p == end || *p != ',')
			return;
		p++;
	}
}

struct prelude *
prelude_new(const char *lib, size_t len)
{
	struct prelude *pl = xcalloc(1, sizeof(*pl));
	const char *p = lib, *end = lib + len;
	size_t cap = 0, i, j;

	pl->lib = lib;
	pl->len = len;
	/* Cut at every line that starts with "local". */
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (end - p > 6 && strncmp(p, "local", 5) == 0 && (p[5] == ' ' || p[5] == '\t')) {
			if (pl->ndefs == cap)
				pl->defs = xrealloc(pl->defs, (cap = cap ? 2 * cap : 64) * sizeof(*pl->defs));
			if (pl->ndefs > 0)
				pl->defs[pl->ndefs - 1].len = (size_t)(p - pl->defs[pl->ndefs - 1].start);
			memset(&pl->defs[pl->ndefs], 0, sizeof(pl->defs[0]));
			pl->defs[pl->ndefs++].start = p;
		}
		p = eol ? eol + 1 : end;
	}
	if (pl->ndefs > 0)
		pl->defs[pl->ndefs - 1].len = (size_t)(end - pl->defs[pl->ndefs - 1].start);
	for (i = 0; i < pl->ndefs; i++)
		bind_names(&pl->defs[i]);
	pl->needs = xcalloc(pl->ndefs * pl->ndefs + 1, 1);
	for (i = 0; i < pl->ndefs; i++)
		for (j = 0; j < pl->ndefs; j++)
			if (j != i)
				pl->needs[i * pl->ndefs + j] =
				    (unsigned char)mentions_def(pl->defs[i].start, pl->defs[i].len, &pl->defs[j]);
	return pl;
}

/* Appends as many newlines as text (len bytes) holds. */
static void
blank(struct sbuf *out, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		sbuf_addc(out, '\n');
		p++;
	}
}

void
prelude_for(const struct prelude *pl, const char *text, struct sbuf *out)
{
	size_t n = pl->ndefs, len = strlen(text), i, j;
	unsigned char *kept;
	int grew;

	if (n == 0) {
		sbuf_add(out, pl->lib, pl->len);	/* no definitions to choose from */
		return;
	}
	kept = xcalloc(n, 1);
	for (i = 0; i < n; i++)
		kept[i] = pl->defs[i].nnames == 0 || mentions_def(text, len, &pl->defs[i]);
	do {
		grew = 0;
		for (i = 0; i < n; i++)
			if (kept[i])
				for (j = 0; j < n; j++)
					if (!kept[j] && pl->needs[i * n + j])
						kept[j] = grew = 1;
	} while (grew);
	blank(out, pl->lib, (size_t)(pl->defs[0].start - pl->lib));	/* its opening comment */
	for (i = 0; i < n; i++) {
		if (kept[i])
			sbuf_add(out, pl->defs[i].start, pl->defs[i].len);
		else
			blank(out, pl->defs[i].start, pl->defs[i].len);
	}
	free(kept);
}

void
prelude_free(struct prelude *pl)
{
	if (pl == NULL)
		return;
	free(pl->defs);
	free(pl->needs);
	free(pl);
}
