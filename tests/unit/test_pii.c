/*
 * Personal data masking (server/pii.c) on the labelled corpus
 * tests/data/pii.jsonl: each personal-data case must be masked with its
 * secret gone from the public text (for a number, its last four digits
 * from the text's digits; for an address, its name), each look-alike left
 * alone. Prints precision and recall, per kind, and every miss.
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

#include "pii.h"
#include "util.h"

#define CORPUS "tests/data/pii.jsonl"

struct tally {
	const char *kind;
	int tp, fn;
};

static int
secret_gone(const char *masked, const char *secret)
{
	char digits[4096], one[128];
	const char *p, *s = secret;
	size_t n = 0;

	for (p = masked; *p && n < sizeof(digits) - 1; p++)
		if (*p >= '0' && *p <= '9')
			digits[n++] = *p;
	digits[n] = '\0';
	while (*s) {
		size_t k = strcspn(s, " ");

		snprintf(one, sizeof(one), "%.*s", (int)k, s);
		if ((one[0] >= '0' && one[0] <= '9') ? strstr(digits, one) != NULL : strstr(masked, one) != NULL)
			return 0;
		s += k;
		while (*s == ' ')
			s++;
	}
	return 1;
}

static void
corpus(void **state)
{
	struct tally kinds[] = { { "phone", 0, 0 }, { "iin", 0, 0 }, { "card", 0, 0 }, { "email", 0, 0 } };
	FILE *f = fopen(CORPUS, "r");
	char line[2048];
	int tp = 0, fn = 0, fp = 0, tn = 0;
	size_t k;
	struct sbuf m = { 0 };

	(void)state;
	assert_non_null(f);
	sbuf_init(&m, 256);
	while (fgets(line, sizeof(line), f)) {
		json_t *o;
		const char *text, *secret, *kind;
		size_t found;
		int pii;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		o = json_loads(line, 0, NULL);
		assert_non_null(o);
		text = json_string_value(json_object_get(o, "text"));
		pii = json_is_true(json_object_get(o, "pii"));
		found = pii_mask(text, strlen(text), &m);
		if (pii) {
			secret = json_string_value(json_object_get(o, "secret"));
			kind = json_string_value(json_object_get(o, "kind"));
			int ok = found > 0 && secret_gone(m.data, secret);

			for (k = 0; k < ARRAY_LEN(kinds); k++)
				if (strcmp(kinds[k].kind, kind) == 0) {
					kinds[k].tp += ok;
					kinds[k].fn += !ok;
				}
			if (ok)
				tp++;
			else {
				fn++;
				printf("# missed: %s -> %s\n", text, found ? m.data : "(not masked)");
			}
		} else if (found) {
			fp++;
			printf("# masked a look-alike: %s -> %s\n", text, m.data);
		} else
			tn++;
		json_decref(o);
	}
	fclose(f);
	sbuf_free(&m);
	printf("# personal data masking on %s: %d cases, %d look-alikes: recall %d/%d = %.3f, "
	    "precision %d/%d = %.3f", CORPUS, tp + fn, fp + tn, tp, tp + fn, (double)tp / (tp + fn),
	    tp, tp + fp, tp + fp ? (double)tp / (tp + fp) : 1.0);
	for (k = 0; k < ARRAY_LEN(kinds); k++)
		printf("; %s %d/%d", kinds[k].kind, kinds[k].tp, kinds[k].tp + kinds[k].fn);
	printf("\n");
	assert_true(tp + fn >= 100 && fp + tn >= 100);
	assert_int_equal(fn, 0);
	assert_int_equal(fp, 0);
}

static void
masks_in_place(void **state)
{
	struct sbuf m = { 0 };

	(void)state;
	sbuf_init(&m, 64);
	assert_int_equal(pii_mask("звоните 87012345678 87019876543 вечером", 56, &m), 2);
	assert_string_equal(m.data, "звоните ••• ••• вечером");
	assert_int_equal(pii_mask("Дом 5, кв 12", 18, &m), 0);
	assert_string_equal(m.data, "");
	/* Full-width digits and a non-breaking space read as what they are. */
	{
		const char *t = "тел \xef\xbc\x98\xef\xbc\x97\xef\xbc\x90\xef\xbc\x91\xc2\xa0" "2345678";

		assert_int_equal(pii_mask(t, strlen(t), &m), 1);
		assert_string_equal(m.data, "тел •••");
	}
	/* A Cyrillic word right before an @ is not a local part, and nothing is cut inside a letter. */
	assert_int_equal(pii_mask("вода в микр@A.айоне", strlen("вода в микр@A.айоне"), &m), 0);
	assert_int_equal(pii_mask("пишите на ivan@почта.рф", strlen("пишите на ivan@почта.рф"), &m), 1);
	assert_string_equal(m.data, "пишите на •••");
	sbuf_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(masks_in_place),
		cmocka_unit_test(corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
