/*
 * screen: what a text holds that a person should see before the public
 * does: personal data by shape (pii.c), profanity by word list. Profanity
 * is matched on folded words (text_fold()), so case, ё and Kazakh letters
 * typed as Russian ones do not hide it.
 */
#include "screen.h"

#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "log.h"
#include "pii.h"
#include "text.h"
#include "util.h"

enum match { M_PREFIX, M_CONTAINS, M_EXACT };

struct root {
	char *word;
	enum match how;
};

static struct root *roots;
static size_t nroots;

int
screen_init(void)
{
	const struct embedded *e = embed_get("data/profanity.txt");
	const char *p, *end;

	if (nroots)
		return 0;
	if (e == NULL) {
		log_error("screen: data/profanity.txt is not embedded");
		return -1;
	}
	for (p = e->data, end = e->data + e->len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n > 0 && p[0] != '#') {
			enum match how = p[0] == '*' ? M_CONTAINS : p[0] == '=' ? M_EXACT : M_PREFIX;
			size_t skip = how == M_PREFIX ? 0 : 1;
			struct sbuf b = { 0 };

			sbuf_init(&b, n * 2 + 1);
			text_fold(p + skip, n - skip, &b);
			if (b.len > 0 && strchr(b.data, ' ') == NULL) {
				roots = xrealloc(roots, (nroots + 1) * sizeof(*roots));
				roots[nroots].word = sbuf_steal(&b, NULL);
				roots[nroots++].how = how;
			}
			sbuf_free(&b);
		}
		p += n + 1;
	}
	return 0;
}

void
screen_free(void)
{
	size_t i;

	for (i = 0; i < nroots; i++)
		free(roots[i].word);
	free(roots);
	roots = NULL;
	nroots = 0;
}

static int
profane(const char *tok, size_t n)
{
	size_t i;

	for (i = 0; i < nroots; i++) {
		const char *w = roots[i].word;
		size_t wl = strlen(w);

		if (wl > n)
			continue;
		switch (roots[i].how) {
		case M_EXACT:
			if (wl == n && memcmp(tok, w, n) == 0)
				return 1;
			break;
		case M_PREFIX:
			if (memcmp(tok, w, wl) == 0)
				return 1;
			break;
		case M_CONTAINS:
			if (memmem(tok, n, w, wl))
				return 1;
			break;
		}
	}
	return 0;
}

unsigned
screen_text(const char *text, size_t len, struct sbuf *masked)
{
	struct sbuf folded = { 0 };
	unsigned flags = pii_mask(text, len, masked) > 0 ? SCREEN_PERSONAL : 0;
	const char *p;
	size_t k;

	sbuf_init(&folded, len * 2 + 1);
	text_fold(text, len, &folded);
	for (p = folded.data; *p;) {
		for (k = 0; p[k] && p[k] != ' '; k++)
			;
		if (profane(p, k)) {
			flags |= SCREEN_PROFANITY;
			break;
		}
		p += k;
		while (*p == ' ')
			p++;
	}
	sbuf_free(&folded);
	return flags;
}

void
screen_flag_names(unsigned flags, struct sbuf *out)
{
	if (flags & SCREEN_PERSONAL)
		sbuf_adds(out, "personal_data");
	if (flags & SCREEN_PROFANITY)
		sbuf_adds(out, flags & SCREEN_PERSONAL ? ",profanity" : "profanity");
}

void
screen_to_strings(const char *text, char **flags, char **masked)
{
	struct sbuf f = { 0 }, m = { 0 };

	sbuf_init(&f, 32);
	sbuf_init(&m, 16);
	screen_flag_names(screen_text(text, strlen(text), &m), &f);
	*flags = sbuf_steal(&f, NULL);
	*masked = sbuf_steal(&m, NULL);
}

void
screen_both(const char *text, const char *name, char **flags, char **masked, char **pname)
{
	struct sbuf f = { 0 }, m = { 0 }, n = { 0 };
	unsigned fl;

	sbuf_init(&f, 32);
	sbuf_init(&m, 16);
	sbuf_init(&n, 16);
	fl = screen_text(text, strlen(text), &m);
	if (name && name[0])
		fl |= screen_text(name, strlen(name), &n);
	screen_flag_names(fl, &f);
	*flags = sbuf_steal(&f, NULL);
	*masked = sbuf_steal(&m, NULL);
	*pname = sbuf_steal(&n, NULL);
}
