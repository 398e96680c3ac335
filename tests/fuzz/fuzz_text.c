/*
 * libFuzzer target: what the hub does to a question's text. The input is
 * cut in two at its first NUL byte (or its middle), and each half goes
 * through cleaning, folding, the fingerprint, the near-duplicate doc and
 * the screening, as in session.c; then the two docs are compared.
 *
 * Invariants checked beyond "no crash, no leak, no undefined behaviour":
 * cleaning is idempotent and keeps valid UTF-8; a doc's key parses back
 * to the same key; similarity lies in [0, 1] and is symmetric; a doc is
 * the same as itself when it has words; masked text stays valid UTF-8.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dedupe.h"
#include "screen.h"
#include "text.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (dedupe_init() < 0 || screen_init() < 0)
		abort();
	return 0;
}

/* Cleans, screens and builds the doc of one text; 0 if it is not UTF-8. */
static int
one(const char *s, size_t n, struct dedupe_doc *d)
{
	struct sbuf clean, again, fold, norm, masked, key, key2;
	struct dedupe_doc back;
	char fp[DEDUPE_FP_LEN + 1];
	long chars;

	sbuf_init(&clean, n + 1);
	chars = text_clean(s, n, &clean);
	if (chars < 0) {
		assert(!text_utf8_valid(s, n));
		sbuf_free(&clean);
		return 0;
	}
	assert(text_utf8_valid(clean.data, clean.len));
	assert((size_t)chars == text_chars(clean.data, clean.len));
	sbuf_init(&again, clean.len + 1);
	assert(text_clean(clean.data, clean.len, &again) == chars);
	assert(again.len == clean.len && memcmp(again.data, clean.data, clean.len) == 0);

	sbuf_init(&fold, 64);
	text_fold(clean.data, clean.len, &fold);
	assert(text_utf8_valid(fold.data, fold.len));
	sbuf_init(&norm, 64);
	dedupe_normalize(clean.data, clean.len, &norm);
	dedupe_fingerprint(clean.data, clean.len, fp);
	assert(strlen(fp) == DEDUPE_FP_LEN);

	sbuf_init(&masked, 64);
	if (screen_text(clean.data, clean.len, &masked) & SCREEN_PERSONAL)
		assert(masked.len > 0 && text_utf8_valid(masked.data, masked.len));

	dedupe_doc_build(d, clean.data, clean.len);
	sbuf_init(&key, 64);
	dedupe_doc_key(d, &key);
	dedupe_doc_parse(&back, key.data, key.len);
	sbuf_init(&key2, 64);
	dedupe_doc_key(&back, &key2);
	assert(key2.len == key.len && memcmp(key2.data, key.data, key.len) == 0);
	if (d->ntok > 0)
		assert(dedupe_same(d, &back));
	dedupe_doc_free(&back);

	sbuf_free(&clean);
	sbuf_free(&again);
	sbuf_free(&fold);
	sbuf_free(&norm);
	sbuf_free(&masked);
	sbuf_free(&key);
	sbuf_free(&key2);
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nul = memchr(s, '\0', size);
	size_t cut = nul ? (size_t)(nul - s) : size / 2;
	struct dedupe_doc a, b;
	int ha, hb;

	if (size > 4 * 8192)
		return -1;
	ha = one(s, cut, &a);
	hb = one(s + cut + (nul != NULL), size - cut - (nul != NULL), &b);
	if (ha && hb) {
		double ab = dedupe_similarity(&a, &b), ba = dedupe_similarity(&b, &a);
		assert(ab >= 0.0 && ab <= 1.0);
		assert(ab == ba);
		assert(dedupe_same(&a, &b) == dedupe_same(&b, &a));
	}
	if (ha)
		dedupe_doc_free(&a);
	if (hb)
		dedupe_doc_free(&b);
	return 0;
}
