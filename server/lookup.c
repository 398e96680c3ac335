/*
 * lookup: see lookup.h. Question ids are dense within a room, so questions
 * are an array indexed by id; buckets are an open-addressing table keyed
 * by the band's 64-bit hash with its position in the top four bits (a
 * room of 20,000 questions files several hundred thousand of them, most
 * holding one id, kept inline).
 */
#include "lookup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dedupe.h"
#include "util.h"

#define MAX_ID 100000000LL	/* ids past this are not a room's (a corrupt event) */
#define FOLLOW 16		/* merges followed, as lib.lua live_status */

struct question {
	long long into;		/* merged into, or 0 */
	char *keys;		/* its keys, each NUL-terminated, one after the other */
	size_t len;		/* bytes of keys */
	unsigned char nkeys;
	unsigned char exists;
};

struct bucket {
	uint64_t key;		/* 0: empty */
	uint32_t n, cap;
	union {
		long long one;	/* n == 1 and cap == 0 */
		long long *v;	/* ascending */
	} ids;
};

struct pending {
	long long id;
	unsigned k;		/* which of its keys */
};

struct lookup {
	struct question *q;
	size_t nq;		/* q[0..nq) */
	long long last;
	struct bucket *b;
	size_t nb, used;	/* slots (a power of two), filled */
	struct pending *todo;
	size_t ntodo, captodo, done;
};

struct lookup *
lookup_new(void)
{
	struct lookup *l = xcalloc(1, sizeof(*l));

	l->nb = 1024;
	l->b = xcalloc(l->nb, sizeof(*l->b));
	return l;
}

void
lookup_free(struct lookup *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nq; i++)
		free(l->q[i].keys);
	for (i = 0; i < l->nb; i++)
		if (l->b[i].cap)
			free(l->b[i].ids.v);
	free(l->q);
	free(l->b);
	free(l->todo);
	free(l);
}

static struct question *
question(struct lookup *l, long long id)
{
	if (id <= 0 || id > MAX_ID)
		return NULL;
	if ((size_t)id >= l->nq) {
		size_t n = l->nq ? l->nq : 256;

		while (n <= (size_t)id)
			n *= 2;
		l->q = xrealloc(l->q, n * sizeof(*l->q));
		memset(l->q + l->nq, 0, (n - l->nq) * sizeof(*l->q));
		l->nq = n;
	}
	if (!l->q[id].exists) {
		l->q[id].exists = 1;
		if (id > l->last)
			l->last = id;
	}
	return &l->q[id];
}

static const struct question *
found(const struct lookup *l, long long id)
{
	return id > 0 && (size_t)id < l->nq && l->q[id].exists ? &l->q[id] : NULL;
}

void
lookup_question(struct lookup *l, long long id)
{
	question(l, id);
}

/* ---- buckets ---- */

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xFF51AFD7ED558CCDULL;
	x ^= x >> 33;
	return x;
}

/* A band's bucket key: its hash (hex) with its position 1..DEDUPE_BANDS on top; 0 if malformed. */
static uint64_t
band_key(const char *hex, size_t n, int pos)
{
	uint64_t h = 0;
	size_t i;

	if (n != DEDUPE_BAND_LEN)
		return 0;
	for (i = 0; i < n; i++) {
		char c = hex[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			return 0;
		h = h << 4 | (uint64_t)v;
	}
	return (h & ~(0xFULL << 60)) | ((uint64_t)pos << 60);
}

static struct bucket *
slot(const struct lookup *l, uint64_t key)
{
	size_t i = mix(key) & (l->nb - 1);

	while (l->b[i].key && l->b[i].key != key)
		i = (i + 1) & (l->nb - 1);
	return &l->b[i];
}

static void
grow(struct lookup *l)
{
	struct bucket *old = l->b;
	size_t i, n = l->nb;

	l->nb *= 2;
	l->b = xcalloc(l->nb, sizeof(*l->b));
	for (i = 0; i < n; i++)
		if (old[i].key)
			*slot(l, old[i].key) = old[i];
	free(old);
}

static const long long *
bucket_ids(const struct bucket *b)
{
	return b->cap ? b->ids.v : &b->ids.one;
}

/* Files id in the bucket of key, keeping the newest LOOKUP_BUCKET. */
static void
file(struct lookup *l, uint64_t key, long long id)
{
	struct bucket *b;
	long long *v;
	size_t i;

	if ((l->used + 1) * 2 > l->nb)
		grow(l);
	b = slot(l, key);
	if (b->key == 0) {
		b->key = key;
		b->n = 1;
		b->ids.one = id;
		l->used++;
		return;
	}
	if (b->cap == 0) {
		long long one = b->ids.one;

		b->cap = 4;
		b->ids.v = xmalloc(b->cap * sizeof(long long));
		b->ids.v[0] = one;
	}
	v = b->ids.v;
	for (i = b->n; i > 0 && v[i - 1] > id; i--)
		;
	if (i > 0 && v[i - 1] == id)
		return;
	if (b->n == LOOKUP_BUCKET) {
		if (i == 0)
			return;	/* older than every id kept */
		memmove(v, v + 1, (i - 1) * sizeof(*v));	/* the oldest goes */
		v[i - 1] = id;
		return;
	}
	if (b->n == b->cap) {
		b->cap *= 2;
		b->ids.v = v = xrealloc(v, b->cap * sizeof(*v));
	}
	memmove(v + i + 1, v + i, (b->n - i) * sizeof(*v));
	v[i] = id;
	b->n++;
}

/* The i-th band (0-based) of a list "hex,hex,…" at p: its bucket key (0 if malformed); returns the next. */
static const char *
next_band(const char *p, int i, uint64_t *key)
{
	const char *e = strchr(p, ',');

	if (e == NULL)
		e = p + strlen(p);
	*key = band_key(p, (size_t)(e - p), i % DEDUPE_BANDS + 1);
	return *e ? e + 1 : e;
}

static void
file_all(struct lookup *l, long long id, const char *bands)
{
	const char *p = bands;
	uint64_t key;
	int i;

	for (i = 0; *p; i++) {
		p = next_band(p, i, &key);
		if (key != 0)
			file(l, key, id);
	}
}

/* ---- keys ---- */

/* q's keys and their lengths, in the order they came (q->nkeys of them). */
static void
keys_of(const struct question *q, const char *key[LOOKUP_KEYS], size_t len[LOOKUP_KEYS])
{
	const char *p = q->keys;
	unsigned k;

	for (k = 0; k < q->nkeys; k++) {
		key[k] = p;
		len[k] = strlen(p);
		p += len[k] + 1;
	}
}

void
lookup_key(struct lookup *l, long long id, const char *key, size_t len, const char *bands)
{
	struct question *q = question(l, id);
	const char *has[LOOKUP_KEYS];
	size_t n[LOOKUP_KEYS];
	unsigned k;

	if (q == NULL || len == 0 || q->nkeys >= LOOKUP_KEYS || memchr(key, '\0', len))
		return;
	keys_of(q, has, n);
	for (k = 0; k < q->nkeys; k++)
		if (n[k] == len && memcmp(has[k], key, len) == 0)
			return;
	q->keys = xrealloc(q->keys, q->len + len + 1);
	memcpy(q->keys + q->len, key, len);
	q->keys[q->len + len] = '\0';
	q->len += len + 1;
	q->nkeys++;
	if (bands) {
		file_all(l, id, bands);
		return;
	}
	if (l->ntodo == l->captodo) {
		l->captodo = l->captodo ? l->captodo * 2 : 256;
		l->todo = xrealloc(l->todo, l->captodo * sizeof(*l->todo));
	}
	l->todo[l->ntodo].id = id;
	l->todo[l->ntodo].k = q->nkeys - 1;
	l->ntodo++;
}

void
lookup_merged(struct lookup *l, long long id, long long into)
{
	struct question *q = question(l, id);

	if (q && into != id)
		q->into = into;
}

size_t
lookup_pending(const struct lookup *l)
{
	return l->ntodo - l->done;
}

size_t
lookup_work(struct lookup *l, size_t max)
{
	struct sbuf bands = { 0 };

	if (max == 0 || l->done == l->ntodo)
		return lookup_pending(l);
	sbuf_init(&bands, 512);
	for (; max > 0 && l->done < l->ntodo; max--, l->done++) {
		const struct pending *p = &l->todo[l->done];
		const char *key[LOOKUP_KEYS];
		size_t len[LOOKUP_KEYS];

		keys_of(&l->q[p->id], key, len);
		sbuf_reset(&bands);
		dedupe_key_bands(key[p->k], len[p->k], &bands);
		file_all(l, p->id, bands.data);
	}
	sbuf_free(&bands);
	if (l->done == l->ntodo) {
		free(l->todo);
		l->todo = NULL;
		l->ntodo = l->captodo = l->done = 0;
	}
	return lookup_pending(l);
}

long long
lookup_last(const struct lookup *l)
{
	return l->last;
}

/* ---- look-up ---- */

struct hit {
	long long id;
	int shared;
};

/* A bucket's ids not yet merged (ascending). */
struct run {
	const long long *p;
	size_t left;
};

/* The question id lives in now (merges followed), or 0 if unknown. */
static long long
live(const struct lookup *l, long long id)
{
	const struct question *q;
	int i;

	for (i = 0; i < FOLLOW; i++) {
		if ((q = found(l, id)) == NULL)
			return 0;
		if (q->into == 0)
			return id;
		id = q->into;
	}
	return 0;
}

/*
 * The ids of the runs, each once with how many runs hold it, ascending:
 * the runs are merged (each is ascending), which costs a few compares per
 * id where sorting them all cost the hub a tenth of an ask (perf).
 */
static size_t
merge_runs(struct run *r, size_t nr, struct hit *out)
{
	size_t n = 0, i;

	for (;;) {
		long long min = 0;
		int any = 0;

		for (i = 0; i < nr; i++)
			if (r[i].left && (!any || r[i].p[0] < min)) {
				min = r[i].p[0];
				any = 1;
			}
		if (!any)
			return n;
		out[n].id = min;
		out[n].shared = 0;
		for (i = 0; i < nr; i++)
			if (r[i].left && r[i].p[0] == min) {
				r[i].p++;
				r[i].left--;
				out[n].shared++;
			}
		n++;
	}
}

size_t
lookup_find(const struct lookup *l, const char *bands, struct lookup_cand *out, size_t max)
{
	struct run *runs;
	struct hit *hits, *ranked;
	size_t *at, nbands = 1, nr = 0, n = 0, nh, k = 0, i, j;
	const char *p = bands;
	int b;

	/* Every bucket of these bands, an id counted once per band it shares (as lib.lua in_bands). */
	for (j = 0; p[j]; j++)
		nbands += p[j] == ',';
	runs = xmalloc(nbands * sizeof(*runs));
	for (b = 0; *p; b++) {
		uint64_t key;
		const struct bucket *bk;

		p = next_band(p, b, &key);
		if (key == 0 || (bk = slot(l, key))->key == 0)
			continue;
		runs[nr].p = bucket_ids(bk);
		runs[nr++].left = bk->n;
		n += bk->n;
	}
	if (n == 0) {
		free(runs);
		return 0;
	}
	hits = xmalloc(2 * n * sizeof(*hits) + (nr + 2) * sizeof(*at));
	ranked = hits + n;
	at = (size_t *)(ranked + n);
	nh = merge_runs(runs, nr, hits);
	/* Most bands shared first, then the newest: a counting sort by bands shared keeps ids ascending. */
	memset(at, 0, (nr + 2) * sizeof(*at));
	for (i = 0; i < nh; i++)
		at[hits[i].shared + 1]++;
	for (i = 1; i < nr + 2; i++)
		at[i] += at[i - 1];
	for (i = 0; i < nh; i++)
		ranked[at[hits[i].shared]++] = hits[i];
	for (i = nh; i-- > 0 && k < max;) {
		long long id = live(l, ranked[i].id);
		const struct question *q;

		if (id == 0)
			continue;
		for (j = 0; j < k && out[j].id != id; j++)
			;
		if (j < k)
			continue;	/* met already, through another question merged into it */
		q = found(l, id);
		out[k].id = id;
		out[k].nkeys = q->nkeys;
		keys_of(q, out[k].key, out[k].len);
		k++;
	}
	free(hits);
	free(runs);
	return k;
}
