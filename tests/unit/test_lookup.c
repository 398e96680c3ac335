/*
 * The hub's near-duplicate index (server/lookup.c): candidates in the
 * order the candidates script gives them, merges followed, buckets kept
 * to the newest ids, and keys whose bands the hub computes itself filed
 * where the ask filed them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dedupe.h"
#include "lookup.h"
#include "util.h"

/* Bands "hex,…" whose position i holds the hash h[i] (0: a hash no other list uses). */
static void
bands_of(char *out, const int *h, int n)
{
	int i;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		sprintf(out + strlen(out), "%s%016x", i ? "," : "", h[i] ? h[i] : 0x7000 + i * 97 + n);
}

static void
ranks_by_bands_shared_then_newest(void **state)
{
	struct lookup *l = lookup_new();
	struct lookup_cand c[8];
	char b[512];
	int three[] = { 1, 2, 3 }, one[] = { 1, 0, 0 }, two[] = { 1, 2, 0 }, ask[] = { 1, 2, 3 };

	(void)state;
	bands_of(b, one, 3);
	lookup_key(l, 1, "a|", 2, b);
	bands_of(b, three, 3);
	lookup_key(l, 2, "b|", 2, b);
	bands_of(b, one, 3);
	lookup_key(l, 3, "c|", 2, b);
	bands_of(b, two, 3);
	lookup_key(l, 4, "d|", 2, b);
	lookup_key(l, 4, "d2|", 3, "");		/* a second key, filed under nothing more */
	lookup_key(l, 4, "d|", 2, "");		/* a key it has: ignored */
	bands_of(b, ask, 3);
	assert_int_equal(lookup_find(l, b, c, 8), 4);
	assert_int_equal(c[0].id, 2);		/* three bands */
	assert_int_equal(c[1].id, 4);		/* two */
	assert_int_equal(c[2].id, 3);		/* one each: the newest first */
	assert_int_equal(c[3].id, 1);
	assert_int_equal(c[1].nkeys, 2);
	assert_string_equal(c[1].key[1], "d2|");
	assert_int_equal(c[1].len[1], 3);
	assert_int_equal(lookup_find(l, b, c, 2), 2);
	/* The same hash at another position is another band. */
	assert_int_equal(lookup_find(l, "0000000000000002", c, 8), 0);
	assert_int_equal(lookup_find(l, "zz,", c, 8), 0);
	assert_int_equal(lookup_last(l), 4);
	lookup_free(l);
}

/*
 * Many questions over a few hashes per band position, looked up with
 * every band: the candidates are those a plain count gives, most bands
 * shared first, then the newest.
 */
static void
ranks_many_runs_as_a_plain_count(void **state)
{
	enum { NQ = 400, NB = 12, MAX = 24 };
	static int h[NQ + 1][NB];
	struct lookup *l = lookup_new();
	struct lookup_cand c[MAX];
	char b[NB * 17 + 1];
	int ask[NB], held[NB] = { 0 }, shared[NQ + 1] = { 0 }, id, i, k, s, want = 0;
	unsigned seed = 7;

	(void)state;
	for (i = 0; i < NB; i++)
		ask[i] = 0x100 + i;
	for (id = 1; id <= NQ; id++) {
		for (i = 0; i < NB; i++) {
			seed = seed * 1103515245u + 12345u;
			/* a third of the time the asked band, else one of two others */
			h[id][i] = ask[i] + (int)((seed >> 16) % 3) * 0x1000;
		}
		bands_of(b, h[id], NB);
		lookup_key(l, id, "k|", 2, b);
	}
	/* Bands shared, counted where the question is among its bucket's newest LOOKUP_BUCKET. */
	for (id = NQ; id > 0; id--)
		for (i = 0; i < NB; i++)
			if (h[id][i] == ask[i] && held[i]++ < LOOKUP_BUCKET)
				shared[id]++;
	bands_of(b, ask, NB);
	k = (int)lookup_find(l, b, c, MAX);
	for (s = NB; s > 0 && want < MAX; s--)
		for (id = NQ; id > 0 && want < MAX; id--)
			if (shared[id] == s) {
				assert_true(want < k);
				assert_int_equal(c[want].id, id);
				want++;
			}
	assert_int_equal(k, want);
	assert_int_equal(k, MAX);
	lookup_free(l);
}

static void
follows_merges(void **state)
{
	struct lookup *l = lookup_new();
	struct lookup_cand c[8];

	(void)state;
	lookup_key(l, 1, "a|", 2, "0000000000000001");
	lookup_key(l, 2, "b|", 2, "0000000000000001");
	lookup_key(l, 3, "c|", 2, "0000000000000009");
	lookup_merged(l, 2, 3);
	lookup_merged(l, 1, 2);			/* 1 → 2 → 3 */
	assert_int_equal(lookup_find(l, "0000000000000001", c, 8), 1);
	assert_int_equal(c[0].id, 3);		/* once, with the keys of the question it lives in */
	assert_string_equal(c[0].key[0], "c|");
	/* A merge into a question this copy never saw leads nowhere. */
	lookup_merged(l, 3, 77);
	assert_int_equal(lookup_find(l, "0000000000000001", c, 8), 0);
	assert_int_equal(lookup_last(l), 3);
	lookup_free(l);
}

static void
keeps_the_newest_of_a_bucket(void **state)
{
	struct lookup *l = lookup_new();
	struct lookup_cand c[LOOKUP_BUCKET + 8];
	long long id;
	size_t n, i;

	(void)state;
	for (id = LOOKUP_BUCKET + 10; id >= 1; id--)	/* oldest last: those past the newest 64 are not kept */
		lookup_key(l, id, "k|", 2, "00000000000000aa");
	n = lookup_find(l, "00000000000000aa", c, ARRAY_LEN(c));
	assert_int_equal(n, LOOKUP_BUCKET);
	for (i = 0; i < n; i++)
		assert_int_equal(c[i].id, LOOKUP_BUCKET + 10 - (long long)i);
	lookup_key(l, 1000, "k|", 2, "00000000000000aa");	/* a newer one pushes the oldest out */
	n = lookup_find(l, "00000000000000aa", c, ARRAY_LEN(c));
	assert_int_equal(n, LOOKUP_BUCKET);
	assert_int_equal(c[0].id, 1000);
	assert_int_equal(c[n - 1].id, 12);
	/* Ids that are not a room's are ignored. */
	lookup_key(l, 0, "k|", 2, "00000000000000aa");
	lookup_key(l, -5, "k|", 2, "00000000000000aa");
	assert_int_equal(lookup_last(l), 1000);
	lookup_free(l);
}

/* Keys from a snapshot, banded by the hub, meet what an ask files with the bands it sent. */
static void
bands_computed_from_keys(void **state)
{
	static const char *const texts[] = {
		"Когда отремонтируют дорогу на улице Абая?",
		"Когда поставят светофор у школы номер 5 и почему так долго?",
		"Мектепке қашан жөндеу жасалады?",
	};
	struct lookup *l = lookup_new();
	struct lookup_cand c[4];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(texts); i++) {
		struct dedupe_doc d;
		struct sbuf k = { 0 };

		sbuf_init(&k, 128);
		dedupe_doc_build(&d, texts[i], strlen(texts[i]));
		dedupe_doc_key(&d, &k);
		lookup_key(l, (long long)i + 1, k.data, k.len, NULL);
		dedupe_doc_free(&d);
		sbuf_free(&k);
	}
	assert_int_equal(lookup_work(l, 2), 1);
	assert_int_equal(lookup_work(l, 100), 0);
	for (i = 0; i < ARRAY_LEN(texts); i++) {
		struct dedupe_doc d;
		struct sbuf b = { 0 };
		int j;

		sbuf_init(&b, 512);
		dedupe_doc_build(&d, texts[i], strlen(texts[i]));
		for (j = 0; j < d.nbands; j++)
			sbuf_printf(&b, "%s%s", j ? "," : "", d.band[j]);
		assert_true(lookup_find(l, b.data, c, 4) >= 1);
		assert_int_equal(c[0].id, (long long)i + 1);
		dedupe_doc_free(&d);
		sbuf_free(&b);
	}
	lookup_free(l);
}

static void
grows_and_caps_keys(void **state)
{
	struct lookup *l = lookup_new();
	struct lookup_cand c[1];
	char key[16], band[17];
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(band, sizeof(band), "%016x", i + 1);
		lookup_key(l, i + 1, "x|", 2, band);
	}
	for (i = 0; i < LOOKUP_KEYS + 3; i++) {
		snprintf(key, sizeof(key), "k%d|", i);
		lookup_key(l, 1, key, strlen(key), "");
	}
	assert_int_equal(lookup_find(l, "0000000000000001", c, 1), 1);
	assert_int_equal(c[0].nkeys, LOOKUP_KEYS);
	assert_int_equal(lookup_find(l, "0000000000001388", c, 1), 1);	/* 5000 */
	assert_int_equal(c[0].id, 5000);
	lookup_free(l);
	lookup_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ranks_by_bands_shared_then_newest),
		cmocka_unit_test(ranks_many_runs_as_a_plain_count),
		cmocka_unit_test(follows_merges),
		cmocka_unit_test(keeps_the_newest_of_a_bucket),
		cmocka_unit_test(bands_computed_from_keys),
		cmocka_unit_test(grows_and_caps_keys),
	};

	if (dedupe_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("lookup", tests, NULL, NULL);
}
