/*
 * Fan-out pacing (server/pace.c, GCRA): changes no faster than a tick go
 * out at once whatever their phase, a burst just over a tick is coalesced,
 * and a long flush is followed by half its time without another.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pace.h"

#define TICK 10000	/* µs */

/* When a change at `at` is flushed, given the room's pace; the flush takes `took`. */
static uint64_t
flush_at(struct pace *p, uint64_t at, uint64_t took)
{
	uint64_t allowed = pace_allowed_at(p, TICK), t = at > allowed ? at : allowed;

	pace_flushed(p, t, took, TICK);
	return t;
}

static void
slow_changes_go_at_once(void **state)
{
	struct pace p = { 0 };
	uint64_t t = 1000000;
	int i;

	(void)state;
	/* One change a tick, at an odd phase: each is flushed the moment it comes. */
	for (i = 0; i < 50; i++, t += TICK)
		assert_int_equal(flush_at(&p, t + 3700, 100), t + 3700);
	/* A change a little early (90% of a tick after the last) goes at once too. */
	assert_int_equal(flush_at(&p, t + 3700 - TICK / 10, 100), t + 3700 - TICK / 10);
}

static void
burst_is_coalesced(void **state)
{
	struct pace p = { 0 };
	uint64_t t = 1000000, first, second, third;

	(void)state;
	first = flush_at(&p, t, 100);
	/* Two more changes within the tolerance go out at once... */
	second = flush_at(&p, t + 1, 100);
	assert_int_equal(second, t + 1);
	/* ...but a third just after must wait: the schedule is a tick ahead now. */
	third = flush_at(&p, t + 2, 100);
	assert_int_equal(first, t);
	assert_true(third >= t + TICK);
	assert_true(third <= t + TICK + 1);
	/* A burst just over a tick long: at most one flush a tick (plus the tolerance). */
	{
		struct pace q = { 0 };
		uint64_t at, last = 0;
		int flushes = 0;

		for (at = t; at <= t + TICK + 1; at += 100) {
			if (at >= pace_allowed_at(&q, TICK)) {
				pace_flushed(&q, at, 10, TICK);
				flushes++;
				last = at;
			}
		}
		assert_int_equal(flushes, 3);
		assert_true(last >= t + TICK);
	}
}

static void
long_flush_pauses(void **state)
{
	struct pace p = { 0 };
	uint64_t t = 1000000;

	(void)state;
	/* A 60 ms flush (thousands of viewers): the next waits 30 ms after it ends. */
	flush_at(&p, t, 60000);
	assert_int_equal(pace_allowed_at(&p, TICK), t + 60000 + 30000);
	/* Under PACE_LONG_US there is no pause beyond the tick. */
	{
		struct pace q = { 0 };

		flush_at(&q, t, PACE_LONG_US);
		assert_int_equal(pace_allowed_at(&q, TICK), t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slow_changes_go_at_once),
		cmocka_unit_test(burst_is_coalesced),
		cmocka_unit_test(long_flush_pauses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
