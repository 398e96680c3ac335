/*
 * Candidate verification (server/verify.c): the top-k of verified
 * candidates, which candidate a question is merged into, and which a
 * viewer typing it is shown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "dedupe.h"
#include "reply.h"
#include "util.h"
#include "verify.h"

static void
topk_keeps_the_best(void **state)
{
	long long ids[3];
	double sims[3];
	struct topk t = { ids, sims, 0, 3 };

	(void)state;
	topk_offer(&t, 1, 0.5);
	topk_offer(&t, 2, 0.9);
	topk_offer(&t, 3, 0.5);		/* a tie: after the one offered first */
	assert_int_equal(t.n, 3);
	assert_int_equal(ids[0], 2);
	assert_int_equal(ids[1], 1);
	assert_int_equal(ids[2], 3);
	topk_offer(&t, 4, 0.4);		/* worse than all three: not kept */
	assert_int_equal(ids[2], 3);
	topk_offer(&t, 5, 0.7);		/* pushes the last one out */
	assert_int_equal(t.n, 3);
	assert_int_equal(ids[0], 2);
	assert_int_equal(ids[1], 5);
	assert_int_equal(ids[2], 1);
	{
		long long one;
		double s1;
		struct topk k1 = { &one, &s1, 0, 1 };

		topk_offer(&k1, 7, 0.8);
		topk_offer(&k1, 8, 0.8);	/* a tie keeps the first (the newest candidate) */
		assert_int_equal(one, 7);
	}
}

/* {{id, status, {key…}}…}, each key the doc key of a text. */
static void
candidate(redisReply *cands, const char *id, const char *text)
{
	redisReply *c = reply_node(REDIS_REPLY_ARRAY), *keys = reply_node(REDIS_REPLY_ARRAY);
	struct dedupe_doc d;
	struct sbuf b = { 0 };

	dedupe_doc_build(&d, text, strlen(text));
	sbuf_init(&b, 128);
	dedupe_doc_key(&d, &b);
	dedupe_doc_free(&d);
	reply_push(keys, reply_strn(b.data, b.len));
	sbuf_free(&b);
	reply_push(c, reply_strn(id, strlen(id)));
	reply_push(c, reply_strn("approved", 8));
	reply_push(c, keys);
	reply_push(cands, c);
}

/* verify() on the candidates of a look-up's reply, as ask.c and similar.c call it. */
static void
verify_reply(const struct probe *p, const redisReply *cands, int want_same, struct topk *t)
{
	struct lookup_cand c[VERIFY_CANDIDATES];

	verify(p, c, verify_reply_cands(cands, c, ARRAY_LEN(c)), want_same, t, NULL);
}

static void
verify_picks_the_same_question(void **state)
{
	const char *text = "Когда отремонтируют дорогу на улице Абая?";
	redisReply *cands = reply_node(REDIS_REPLY_ARRAY);
	struct probe p;
	long long ids[3] = { 0 };
	double sims[3];
	struct topk one = { ids, sims, 0, 1 }, three = { ids, sims, 0, 3 };

	(void)state;
	/* Newest first, as the candidates script answers. */
	candidate(cands, "12", "Когда отремонтируют дорогу на улице Сатпаева?");
	candidate(cands, "11", "когда отремантируют дорогу на улице абая");
	candidate(cands, "10", "Когда отремонтируют дорогу на улице Абая");
	probe_build(&p, text, strlen(text));
	verify_reply(&p, cands, 1, &one);
	/* Another street is never the same question; the exact wording beats the typo. */
	assert_int_equal(one.n, 1);
	assert_int_equal(ids[0], 10);
	/* For "similar", every candidate alike enough is offered, most similar first. */
	verify_reply(&p, cands, 0, &three);
	assert_true(three.n >= 2);
	assert_int_equal(ids[0], 10);
	assert_true(sims[0] >= sims[1]);
	/* No candidates, or a malformed reply, verify nothing. */
	one.n = 0;
	verify_reply(&p, NULL, 1, &one);
	assert_int_equal(one.n, 0);
	probe_free(&p);
	reply_free(cands);
}

/* A probe's bands: its own, comma-separated, and their numbers as the asks in flight compare them. */
static void
probe_files_its_bands(void **state)
{
	const char *text = "Когда отремонтируют дорогу на улице Абая?";
	struct probe p;
	char own[DEDUPE_BANDS * (DEDUPE_BAND_LEN + 1) + 1] = "";
	int i;

	(void)state;
	probe_build(&p, text, strlen(text));
	assert_true(p.doc.nbands > 0);
	for (i = 0; i < p.doc.nbands; i++) {
		if (i)
			strcat(own, ",");
		strcat(own, p.doc.band[i]);
		assert_int_equal(p.bh[i], strtoull(p.doc.band[i], NULL, 16));
	}
	assert_memory_equal(p.bands, own, strlen(own));
	assert_string_equal(p.tkey, "");	/* Russian: no translation */
	probe_free(&p);
}

static int
setup(void **state)
{
	(void)state;
	return dedupe_init();
}

static int
teardown(void **state)
{
	(void)state;
	dedupe_free();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(topk_keeps_the_best),
		cmocka_unit_test(verify_picks_the_same_question),
		cmocka_unit_test(probe_files_its_bands),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
