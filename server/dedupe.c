/*
 * dedupe: the comparison form of a question and its fingerprint.
 *
 * The comparison form is text_fold()'s tokens with leading greetings and
 * trailing thanks removed (phrase lists in server/data/, folded the same
 * way at start-up). Digits and names are never removed, so "дом 5" and
 * "дом 15" stay apart. The fingerprint is the first 128 bits of SHA-256 of
 * the comparison form, identical in every hub process.
 */
#include "dedupe.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "log.h"
#include "text.h"
#include "util.h"

struct span {
	const char *p;
	size_t n;
};

/* A phrase: its folded tokens, stored in one string. */
struct phrase {
	char *text;
	struct span *tok;
	size_t ntok;
};

struct phrase_list {
	struct phrase *v;
	size_t n;
};

static struct phrase_list greetings, thanks;

static size_t
split(char *s, size_t len, struct span **out)
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

static int
load_list(const char *name, struct phrase_list *list)
{
	const struct embedded *e = embed_get(name);
	const char *p, *end;

	if (e == NULL) {
		log_error("dedupe: embedded list %s is missing", name);
		return -1;
	}
	for (p = e->data, end = e->data + e->len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct sbuf b = { 0 };
		struct phrase *ph;

		if (n > 0 && p[0] != '#') {
			sbuf_init(&b, n * 2 + 1);
			if (text_fold(p, n, &b) > 0) {
				list->v = xrealloc(list->v, (list->n + 1) * sizeof(*list->v));
				ph = &list->v[list->n++];
				ph->text = sbuf_steal(&b, NULL);
				ph->ntok = split(ph->text, strlen(ph->text), &ph->tok);
			}
			sbuf_free(&b);
		}
		p += n + 1;
	}
	return 0;
}

int
dedupe_init(void)
{
	if (greetings.n > 0)
		return 0;
	if (load_list("data/greetings.txt", &greetings) < 0 ||
	    load_list("data/thanks.txt", &thanks) < 0)
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
	}
	free(list->v);
	memset(list, 0, sizeof(*list));
}

void
dedupe_free(void)
{
	free_list(&greetings);
	free_list(&thanks);
}

static int
span_eq(const struct span *a, const struct span *b)
{
	return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

/* Length in tokens of the longest phrase matching tok[at..] (or ending at `at` if from_end). */
static size_t
match(const struct phrase_list *list, const struct span *tok, size_t lo, size_t hi, int from_end)
{
	size_t i, j, best = 0;

	for (i = 0; i < list->n; i++) {
		const struct phrase *ph = &list->v[i];

		if (ph->ntok > hi - lo || ph->ntok <= best)
			continue;
		for (j = 0; j < ph->ntok; j++) {
			size_t k = from_end ? hi - ph->ntok + j : lo + j;

			if (!span_eq(&tok[k], &ph->tok[j]))
				break;
		}
		if (j == ph->ntok)
			best = ph->ntok;
	}
	return best;
}

size_t
dedupe_normalize(const char *text, size_t len, struct sbuf *out)
{
	struct sbuf folded = { 0 };
	struct span *tok = NULL;
	size_t n, lo, hi, k, i;

	sbuf_reset(out);
	sbuf_init(&folded, len * 2 + 1);
	text_fold(text, len, &folded);
	n = split(folded.data, folded.len, &tok);
	lo = 0;
	hi = n;
	while (lo < hi && (k = match(&greetings, tok, lo, hi, 0)) > 0)
		lo += k;
	while (lo < hi && (k = match(&thanks, tok, lo, hi, 1)) > 0)
		hi -= k;
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
