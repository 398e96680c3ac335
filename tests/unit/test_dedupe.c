/*
 * Unit tests for near-duplicate detection (dedupe.c level two): docs,
 * their keys, the comparison and its guards, LSH bands; and an offline run
 * of the development set (tests/data/dedupe-dev.json) through the same
 * clustering the hub does, printing its pairwise recall and wrong merges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "dedupe.h"
#include "util.h"

static int
same(const char *x, const char *y, double *sim)
{
	struct dedupe_doc a, b;
	int s;

	dedupe_doc_build(&a, x, strlen(x));
	dedupe_doc_build(&b, y, strlen(y));
	s = dedupe_same(&a, &b);
	if (sim)
		*sim = dedupe_similarity(&a, &b);
	dedupe_doc_free(&a);
	dedupe_doc_free(&b);
	return s;
}

static int
shares_band(const char *x, const char *y)
{
	struct dedupe_doc a, b;
	int i, r = 0;

	dedupe_doc_build(&a, x, strlen(x));
	dedupe_doc_build(&b, y, strlen(y));
	for (i = 0; i < a.nbands && i < b.nbands; i++)
		if (strcmp(a.band[i], b.band[i]) == 0)
			r = 1;
	dedupe_doc_free(&a);
	dedupe_doc_free(&b);
	return r;
}

static void
near_duplicates(void **state)
{
	double sim;

	(void)state;
	/* Typos, endings, abbreviations, word order, Latin script. */
	assert_true(same("Когда поставят светофор у школы?", "когда поставят светафор у школы", &sim));
	assert_true(sim > 0.7 && sim < 1.0);
	assert_true(same("Когда откроют поликлинику?", "когда откроют поликлиннику", NULL));
	assert_true(same("Ремонт дороги на ул. Жамбыла", "ремонт дороги на улице Жамбыла", NULL));
	assert_true(same("Свет в мкр Береке", "свет в микрорайоне Береке", NULL));
	assert_true(same("Когда в Атырау построят мост?", "Когда построят мост в Атырау?", NULL));
	assert_true(same("Мектепке қашан жөндеу жасалады?", "mektepke qashan jondeu jasalady", NULL));
	assert_true(same("Автобус номер 7 когда пустят?", "автобус №7 когда пустят", NULL));
	assert_true(same("Добрый день, Айгуль Сериковна! Когда дадут воду?", "Когда дадут воду?", NULL));
	assert_true(same("Сколько стоит проезд?", "сколько стоит проезд скажите пожалуйста", NULL));
	/* Guards: numbers, a replaced word, opposite words, an added place. */
	assert_false(same("Когда починят дом 5?", "Когда починят дом 15?", NULL));
	assert_false(same("Зарплата в 2026 году", "Зарплата в 2027 году", NULL));
	assert_false(same("Когда откроют баню?", "Когда закроют баню?", NULL));
	assert_false(same("Когда починят дорогу на улице Жамбыла?", "Когда починят дорогу на улице Пушкина?", NULL));
	assert_false(same("Почему нет воды в микрорайоне?", "Почему нет света в микрорайоне?", NULL));
	assert_false(same("Почему нет воды?", "Почему нет воды в Жилгородке?", NULL));
	assert_false(same("Нет света", "Нет светофора", NULL));
	assert_false(same("Будет ли платный проезд?", "Будет ли бесплатный проезд?", NULL));
	/* Near-duplicates meet in at least one LSH band. */
	assert_true(shares_band("Когда поставят светофор у школы?", "когда поставят светафор у школы"));
}

static void
keys_round_trip(void **state)
{
	struct dedupe_doc a, b;
	struct sbuf k = { 0 };
	int i;

	(void)state;
	dedupe_doc_build(&a, "Когда отремонтируют лифт в доме 5 на пр. Азаттык?", 70);
	sbuf_init(&k, 64);
	dedupe_doc_key(&a, &k);
	assert_non_null(strchr(k.data, '|'));
	assert_non_null(strstr(k.data, "|5"));
	dedupe_doc_parse(&b, k.data, k.len);
	assert_int_equal(a.ntok, b.ntok);
	assert_int_equal(a.nnum, b.nnum);
	assert_int_equal(a.nbands, DEDUPE_BANDS);
	assert_int_equal(b.nbands, 0);
	for (i = 0; i < (int)a.ntok; i++)
		assert_string_equal(a.word[i], b.word[i]);
	assert_true(dedupe_similarity(&a, &b) > 0.99);
	assert_true(dedupe_same(&a, &b));
	dedupe_doc_free(&a);
	dedupe_doc_free(&b);
	/* Only stopwords and punctuation: nothing to index. */
	dedupe_doc_build(&a, "и в на ???", 14);
	assert_int_equal(a.nbands, 0);
	dedupe_doc_free(&a);
	sbuf_free(&k);
}

/* ---- the development set, clustered as the hub does ---- */

#define MAX_TEXTS 512
#define MAX_KEYS 8

struct cluster {
	struct dedupe_doc keys[MAX_KEYS];
	int nkeys;
};

static int
assign(struct cluster *cl, int *ncl, const char *text)
{
	struct dedupe_doc d;
	int best = -1, c, k;
	double best_sim = 0;

	dedupe_doc_build(&d, text, strlen(text));
	for (c = 0; c < *ncl; c++)
		for (k = 0; k < cl[c].nkeys; k++) {
			double sim;

			if (!dedupe_same(&d, &cl[c].keys[k]))
				continue;
			sim = dedupe_similarity(&d, &cl[c].keys[k]);
			if (sim > best_sim) {
				best_sim = sim;
				best = c;
			}
		}
	if (best < 0) {
		best = (*ncl)++;
		cl[best].nkeys = 0;
	}
	if (cl[best].nkeys < MAX_KEYS)
		cl[best].keys[cl[best].nkeys++] = d;
	else
		dedupe_doc_free(&d);
	return best;
}

/* Clusters every text of a set file; prints and checks recall and wrong merges. */
static void
run_set(const char *path)
{
	static struct cluster cl[MAX_TEXTS];
	const char *texts[MAX_TEXTS];
	int group[MAX_TEXTS], where[MAX_TEXTS], ncl = 0, n = 0, i, j, k;
	int pairs = 0, found = 0, wrong = 0;
	json_t *root = json_load_file(path, 0, NULL), *g, *t;
	size_t gi, ti;

	assert_non_null(root);
	json_array_foreach(json_object_get(root, "same"), gi, g) {
		json_array_foreach(g, ti, t) {
			texts[n] = json_string_value(t);
			group[n++] = (int)gi;
		}
	}
	json_array_foreach(json_object_get(root, "distinct"), gi, g) {
		json_array_foreach(g, ti, t) {
			texts[n] = json_string_value(t);
			group[n++] = -1 - (int)(gi * 2 + ti);	/* each alone */
		}
	}
	for (i = 0; i < n; i++)
		where[i] = assign(cl, &ncl, texts[i]);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			int want = group[i] == group[j] && group[i] >= 0;

			if (strcmp(texts[i], texts[j]) == 0)
				continue;	/* the distinct pairs repeat some texts */
			if (want) {
				pairs++;
				found += where[i] == where[j];
			}
		}
	/* A wrong merge: a distinct pair, or two groups, in one question. */
	json_array_foreach(json_object_get(root, "distinct"), gi, g) {
		const char *a = json_string_value(json_array_get(g, 0));
		const char *b = json_string_value(json_array_get(g, 1));
		int wa = -1, wb = -1;

		for (i = 0; i < n; i++) {
			if (strcmp(texts[i], a) == 0)
				wa = where[i];
			if (strcmp(texts[i], b) == 0)
				wb = where[i];
		}
		wrong += wa == wb;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (group[i] >= 0 && group[j] >= 0 && group[i] != group[j] && where[i] == where[j])
				wrong++;
	printf("# %s offline: %d texts, %d questions, pairwise recall %d/%d = %.1f%%, wrong merges %d\n",
	    path, n, ncl, found, pairs, 100.0 * found / pairs, wrong);
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (group[i] >= 0 && group[i] == group[j] && where[i] != where[j]) {
				printf("#   missed: \"%s\" / \"%s\"\n", texts[j], texts[i]);
				break;
			}
	assert_int_equal(wrong, 0);
	assert_true(found * 100 >= pairs * 95);
	for (i = 0; i < ncl; i++)
		for (k = 0; k < cl[i].nkeys; k++)
			dedupe_doc_free(&cl[i].keys[k]);
	json_decref(root);
}

static void
dev_set(void **state)
{
	(void)state;
	run_set("tests/data/dedupe-dev.json");
}

static void
extra_set(void **state)
{
	(void)state;
	run_set("tests/data/dedupe-extra.json");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(near_duplicates),
		cmocka_unit_test(keys_round_trip),
		cmocka_unit_test(dev_set),
		cmocka_unit_test(extra_set),
	};
	int r;

	if (dedupe_init() < 0)
		return 1;
	r = cmocka_run_group_tests_name("dedupe", tests, NULL, NULL);
	dedupe_free();
	return r;
}
