/*
 * Candidate verification of the ask pipeline (server/ask.c): the top-k of
 * verified candidates, and which candidate a question is merged into.
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

#include "ask.h"
#include "dedupe.h"
#include "reply.h"
#include "util.h"

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

static void
verify_picks_the_same_question(void **state)
{
	const char *text = "Когда отремонтируют дорогу на улице Абая?";
	redisReply *cands = reply_node(REDIS_REPLY_ARRAY);
	struct dedupe_doc doc;
	long long ids[3] = { 0 };
	double sims[3];
	struct topk one = { ids, sims, 0, 1 }, three = { ids, sims, 0, 3 };

	(void)state;
	/* Newest first, as the candidates script answers. */
	candidate(cands, "12", "Когда отремонтируют дорогу на улице Сатпаева?");
	candidate(cands, "11", "когда отремантируют дорогу на улице абая");
	candidate(cands, "10", "Когда отремонтируют дорогу на улице Абая");
	dedupe_doc_build(&doc, text, strlen(text));
	ask_verify(&doc, NULL, cands, 1, &one, NULL);
	/* Another street is never the same question; the exact wording beats the typo. */
	assert_int_equal(one.n, 1);
	assert_int_equal(ids[0], 10);
	/* For "similar", every candidate alike enough is offered, most similar first. */
	ask_verify(&doc, NULL, cands, 0, &three, NULL);
	assert_true(three.n >= 2);
	assert_int_equal(ids[0], 10);
	assert_true(sims[0] >= sims[1]);
	/* No candidates, or a malformed reply, verify nothing. */
	one.n = 0;
	ask_verify(&doc, NULL, NULL, 1, &one, NULL);
	assert_int_equal(one.n, 0);
	dedupe_doc_free(&doc);
	reply_free(cands);
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
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
