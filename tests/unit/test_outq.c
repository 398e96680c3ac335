/*
 * The bounded output queue (server/outq.c): growth up to its limit, the
 * verdict at exactly the limit, and resync then close for a reader that
 * does not even take its snapshot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "msg.h"
#include "outq.h"

static struct msg *
frame(void)
{
	return msg_new("{}", 2);
}

static void
holds_up_to_its_limit(void **state)
{
	struct outq q;
	struct msg *m = frame();
	unsigned i;

	(void)state;
	outq_init(&q, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(outq_push(&q, m), OUTQ_QUEUED);
	assert_int_equal(q.len, 8);
	assert_int_equal(q.cap, 8);
	/* One past the limit: never queued; nothing was written, no snapshot was sent. */
	assert_int_equal(outq_push(&q, m), OUTQ_RESYNC);
	assert_int_equal(q.len, 8);
	outq_free(&q);
	msg_unref(m);
	assert_int_equal(msg_live(), 0);
}

static void
keeps_order_across_wrap(void **state)
{
	struct outq q;
	struct msg *v[6];
	unsigned i;

	(void)state;
	outq_init(&q, 4);
	for (i = 0; i < 6; i++)
		v[i] = frame();
	for (i = 0; i < 3; i++)
		outq_push(&q, v[i]);
	msg_unref(outq_pop(&q));	/* v[0] */
	msg_unref(outq_pop(&q));	/* v[1] */
	for (i = 3; i < 6; i++)
		assert_int_equal(outq_push(&q, v[i]), OUTQ_QUEUED);
	for (i = 2; i < 6; i++) {
		struct msg *m = outq_pop(&q);

		assert_ptr_equal(m, v[i]);
		msg_unref(m);
	}
	assert_null(outq_pop(&q));
	for (i = 0; i < 6; i++)
		msg_unref(v[i]);
	outq_free(&q);
	assert_int_equal(msg_live(), 0);
}

static void
resync_then_close(void **state)
{
	struct outq q;
	struct msg *m = frame();
	unsigned i;

	(void)state;
	outq_init(&q, 4);
	for (i = 0; i < 4; i++)
		outq_push(&q, m);
	assert_int_equal(outq_push(&q, m), OUTQ_RESYNC);
	/* The session clears the queue and queues a snapshot. */
	outq_clear(&q);
	outq_push(&q, m);
	outq_resynced(&q);
	for (i = 0; i < 3; i++)
		outq_push(&q, m);
	/* Full again before the snapshot was written: not reading at all. */
	assert_int_equal(outq_push(&q, m), OUTQ_CLOSE);
	/* Had it taken the snapshot and one frame more, it would be resynced again. */
	msg_unref(outq_pop(&q));
	outq_wrote(&q);
	assert_int_equal(outq_push(&q, m), OUTQ_QUEUED);
	assert_int_equal(outq_push(&q, m), OUTQ_RESYNC);
	outq_free(&q);
	msg_unref(m);
	assert_int_equal(msg_live(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(holds_up_to_its_limit),
		cmocka_unit_test(keeps_order_across_wrap),
		cmocka_unit_test(resync_then_close),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
