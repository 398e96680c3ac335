/*
 * minhash: a doc's character trigrams, its MinHash signature cut into LSH
 * bands (what Redis indexes a question by), and the Dice similarity of two
 * docs' trigrams. See docs/DEDUPLICATION.md.
 */
#include "dedupe.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "dedupe_parts.h"
#include "util.h"

/* Code points of a UTF-8 token, at most DEDUPE_MAX_CP. */
size_t
dedupe_decode(const char *s, int32_t *cp)
{
	size_t n = 0, len = strlen(s);
	utf8proc_ssize_t i = 0;

	while ((size_t)i < len && n < DEDUPE_MAX_CP) {
		utf8proc_int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
		    (utf8proc_ssize_t)len - i, &c);

		if (k <= 0)
			break;
		cp[n++] = c;
		i += k;
	}
	return n;
}

static uint64_t
mix64(uint64_t x)
{
	/* splitmix64's finaliser: a good 64-bit bijection. */
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

/* 1 if some word of d must find its match (is not generic, feeling or context). */
int
dedupe_has_core(const struct dedupe_doc *d)
{
	size_t i;

	for (i = 0; i < d->ntok; i++)
		if (d->kind[i] == DK_CORE)
			return 1;
	return 0;
}

/*
 * Calls fn(hash, arg) for every character trigram of the words d[lo..hi)
 * and of every number, each padded with boundary marks (numbers with their
 * own, '#'), so word order does not matter and questions that differ only
 * by a number land in different LSH buckets. Generic and context words are
 * left out when there is anything else.
 */
static void
each_trigram(const struct dedupe_doc *d, size_t lo, size_t hi, void (*fn)(uint64_t, void *), void *arg)
{
	int32_t cp[DEDUPE_MAX_CP + 2];
	size_t t, i, n;
	int core = dedupe_has_core(d);

	for (t = 0; t < d->ntok + d->nnum; t++) {
		int is_num = t >= d->ntok;

		if (!is_num && (t < lo || t >= hi || (core && d->kind[t] != DK_CORE)))
			continue;	/* what a near-duplicate may lack does not decide where it is filed */
		n = dedupe_decode(is_num ? d->num[t - d->ntok] : d->tok[t], cp + 1) + 2;
		cp[0] = is_num ? '#' : '^';
		cp[n - 1] = '$';
		for (i = 0; i + 3 <= n; i++) {
			uint64_t h = ((uint64_t)(uint32_t)cp[i] << 42) ^
			    ((uint64_t)(uint32_t)cp[i + 1] << 21) ^ (uint64_t)(uint32_t)cp[i + 2];

			fn(mix64(h), arg);
		}
	}
}

static void
minhash_add(uint64_t h, void *arg)
{
	uint64_t *mins = arg;
	int i;

	for (i = 0; i < DEDUPE_HASHES; i++) {
		uint64_t v = mix64(h ^ (0xA24BAED4963EE407ULL * (uint64_t)(i + 1)));

		if (v < mins[i])
			mins[i] = v;
	}
}

/* The LSH bands of the words d[lo..hi) and the numbers. */
static void
bands(const struct dedupe_doc *d, size_t lo, size_t hi, char out[DEDUPE_BANDS][DEDUPE_BAND_LEN + 1])
{
	uint64_t mins[DEDUPE_HASHES];
	int b, r, i;

	for (i = 0; i < DEDUPE_HASHES; i++)
		mins[i] = UINT64_MAX;
	each_trigram(d, lo, hi, minhash_add, mins);
	for (b = 0; b < DEDUPE_BANDS; b++) {
		uint64_t h = 0xCBF29CE484222325ULL ^ (uint64_t)b;
		unsigned char raw[8];

		for (r = 0; r < DEDUPE_HASHES / DEDUPE_BANDS; r++)
			h = mix64(h ^ mins[b * (DEDUPE_HASHES / DEDUPE_BANDS) + r]);
		for (i = 0; i < 8; i++)
			raw[i] = (unsigned char)(h >> (56 - 8 * i));
		hex_encode(raw, 8, out[b]);
	}
}

void
dedupe_make_bands(struct dedupe_doc *d)
{
	size_t lo, hi;

	d->nbands = d->ntrim = 0;
	if (d->ntok == 0)
		return;	/* numbers alone are not worth indexing */
	bands(d, 0, d->ntok, d->band);
	d->nbands = DEDUPE_BANDS;
	/*
	 * A clause this question may add makes its trigrams unlike those of the
	 * question without it; it is filed under both, so either finds the other.
	 */
	if (dedupe_trim(d, &lo, &hi)) {
		bands(d, lo, hi, d->trim);
		d->ntrim = DEDUPE_BANDS;
	}
}

struct trigrams {
	uint64_t *v;
	size_t n, cap;
};

static void
trigram_add(uint64_t h, void *arg)
{
	struct trigrams *t = arg;

	if (t->n == t->cap)
		t->v = xrealloc(t->v, (t->cap = t->cap ? t->cap * 2 : 32) * sizeof(*t->v));
	t->v[t->n++] = h;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Distinct sorted trigram hashes of a doc. */
static void
trigram_set(const struct dedupe_doc *d, struct trigrams *t)
{
	size_t i, k = 0;

	memset(t, 0, sizeof(*t));
	each_trigram(d, 0, d->ntok, trigram_add, t);
	if (t->n == 0)
		return;		/* t->v is NULL, which qsort() must not be given */
	qsort(t->v, t->n, sizeof(*t->v), u64_cmp);
	for (i = 0; i < t->n; i++)
		if (k == 0 || t->v[k - 1] != t->v[i])
			t->v[k++] = t->v[i];
	t->n = k;
}

double
dedupe_dice(const struct dedupe_doc *a, const struct dedupe_doc *b)
{
	struct trigrams x, y;
	size_t i = 0, j = 0, common = 0;
	double r;

	trigram_set(a, &x);
	trigram_set(b, &y);
	while (i < x.n && j < y.n) {
		if (x.v[i] == y.v[j]) {
			common++;
			i++;
			j++;
		} else if (x.v[i] < y.v[j])
			i++;
		else
			j++;
	}
	r = x.n + y.n ? 2.0 * (double)common / (double)(x.n + y.n) : 0.0;
	free(x.v);
	free(y.v);
	return r;
}

double
dedupe_similarity(const struct dedupe_doc *a, const struct dedupe_doc *b)
{
	return dedupe_dice(a, b);
}
