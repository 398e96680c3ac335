/*
 * Unit tests for tags.c: the catalog, a few cases of each kind of text,
 * and the precision and recall of every topic and place on the labelled
 * questions of tests/data/tags.tsv (tuned on) and tags-heldout.tsv (never
 * tuned on), printed for the docs (docs/DESK.md, "Tags").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tags.h"
#include "util.h"

static int
setup(void **state)
{
	(void)state;
	return tags_init(NULL);
}

static int
teardown(void **state)
{
	(void)state;
	tags_free();
	return 0;
}

/* The tags of s, as "topics|places". */
static const char *
tag(const char *s)
{
	static char out[1024];
	struct sbuf t = { 0 }, p = { 0 };

	sbuf_init(&t, 64);
	sbuf_init(&p, 64);
	tags_of(s, strlen(s), &t, &p);
	snprintf(out, sizeof(out), "%.*s|%.*s", (int)t.len, t.data ? t.data : "", (int)p.len, p.data ? p.data : "");
	sbuf_free(&t);
	sbuf_free(&p);
	return out;
}

static void
test_cases(void **state)
{
	(void)state;
	assert_string_equal(tag("Когда отремонтируют дорогу в Жилгородке"), "roads|atyrau-city,zhilgorodok");
	assert_string_equal(tag("ауыз су жоқ Құлсарыда"), "water|zhylyoi-district,kulsary");
	assert_string_equal(tag("su zhok Qulsaryda"), "water|zhylyoi-district,kulsary");
	assert_string_equal(tag("спасибо за эфир"), "other|");
	/* Word boundaries: "газета" is not gas, "светлана" not electricity. */
	assert_string_equal(tag("в газете Светлана написала спасибо"), "other|");
}

static void
test_catalog(void **state)
{
	struct sbuf b = { 0 };

	(void)state;
	sbuf_init(&b, 4096);
	tags_catalog(&b);
	sbuf_addc(&b, '\0');
	assert_non_null(strstr(b.data, "{\"id\":\"roads\",\"name\":{\"ru\":\"Дороги\""));
	assert_non_null(strstr(b.data, "\"id\":\"zhilgorodok\",\"parent\":\"atyrau-city\""));
	assert_int_equal(tags_known(TAG_TOPIC, "roads,water"), 1);
	assert_int_equal(tags_known(TAG_TOPIC, "roads,potholes"), 0);
	assert_int_equal(tags_known(TAG_PLACE, ""), 1);
	assert_int_equal(tags_known(TAG_PLACE, "roads"), 0);
	sbuf_free(&b);
}

/* ---- the labelled sets ---- */

#define MAX_TAGS 128

struct score {
	char id[48];
	int tp, fp, fn;
};

struct scores {
	struct score s[MAX_TAGS];
	int n;
};

static struct score *
score_of(struct scores *sc, const char *id, size_t len)
{
	int i;

	for (i = 0; i < sc->n; i++)
		if (strlen(sc->s[i].id) == len && memcmp(sc->s[i].id, id, len) == 0)
			return &sc->s[i];
	assert_true(sc->n < MAX_TAGS);
	snprintf(sc->s[sc->n].id, sizeof(sc->s[sc->n].id), "%.*s", (int)len, id);
	return &sc->s[sc->n++];
}

/* 1 if the comma-separated list has id. */
static int
has(const char *list, const char *id, size_t len)
{
	const char *p = list;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == len && memcmp(p, id, len) == 0)
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/* Counts one question's tags (got) against its labels (want) into sc. */
static void
compare(struct scores *sc, const char *want, const char *got)
{
	const char *p;

	for (p = got; *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n > 0) {
			struct score *s = score_of(sc, p, n);

			if (has(want, p, n))
				s->tp++;
			else
				s->fp++;
		}
		p = e ? e + 1 : p + n;
	}
	for (p = want; *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n > 0 && !has(got, p, n))
			score_of(sc, p, n)->fn++;
		p = e ? e + 1 : p + n;
	}
}

static double
ratio(int a, int b)
{
	return b ? (double)a / b : 1.0;
}

/* Prints every tag's precision and recall; returns the micro-averaged F1. */
static double
report(const char *set, const char *kind, const struct scores *sc)
{
	int i, tp = 0, fp = 0, fn = 0;
	double p, r;

	/* One line per set and kind: "id precision/recall" for every tag. */
	printf("# tags %s %s, precision/recall per tag:", set, kind);
	for (i = 0; i < sc->n; i++) {
		const struct score *s = &sc->s[i];

		printf(" %s %.2f/%.2f", s->id, ratio(s->tp, s->tp + s->fp), ratio(s->tp, s->tp + s->fn));
		tp += s->tp;
		fp += s->fp;
		fn += s->fn;
	}
	printf("\n");
	p = ratio(tp, tp + fp);
	r = ratio(tp, tp + fn);
	printf("# tags %s %s: precision %.3f recall %.3f over all tags (%d right, %d wrong, %d missed)\n",
	    set, kind, p, r, tp, fp, fn);
	return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

/* Reads a labelled file; the F1 of topics and of places into f1[2]. */
static void
measure(const char *path, const char *set, double f1[2])
{
	FILE *f = fopen(path, "r");
	static struct scores topics, places;
	char line[2048];
	int n = 0;

	assert_non_null(f);
	memset(&topics, 0, sizeof(topics));
	memset(&places, 0, sizeof(places));
	while (fgets(line, sizeof(line), f)) {
		char *text = line, *want_t, *want_p, *nl;
		struct sbuf t = { 0 }, p = { 0 };

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		want_t = strchr(text, '\t');
		assert_non_null(want_t);
		*want_t++ = '\0';
		want_p = strchr(want_t, '\t');
		assert_non_null(want_p);
		*want_p++ = '\0';
		sbuf_init(&t, 64);
		sbuf_init(&p, 64);
		tags_of(text, strlen(text), &t, &p);
		sbuf_addc(&t, '\0');
		sbuf_addc(&p, '\0');
		compare(&topics, want_t, t.data);
		compare(&places, want_p, p.data);
		if (getenv("TAGS_VERBOSE") && (strcmp(want_t, t.data) || strcmp(want_p, p.data)))
			printf("# miss: %s | want %s | %s | got %s | %s\n", text, want_t, want_p, t.data, p.data);
		sbuf_free(&t);
		sbuf_free(&p);
		n++;
	}
	fclose(f);
	printf("# tags %s: %d labelled questions\n", set, n);
	f1[0] = report(set, "topic", &topics);
	f1[1] = report(set, "place", &places);
}

static void
test_labelled(void **state)
{
	double f1[2];

	(void)state;
	measure("tests/data/tags.tsv", "dev", f1);
	assert_true(f1[0] >= 0.85);
	assert_true(f1[1] >= 0.85);
}

static void
test_heldout(void **state)
{
	double f1[2];

	(void)state;
	measure("tests/data/tags-heldout.tsv", "held-out", f1);
	assert_true(f1[0] >= 0.75);
	assert_true(f1[1] >= 0.75);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_catalog),
		cmocka_unit_test(test_labelled),
		cmocka_unit_test(test_heldout),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
