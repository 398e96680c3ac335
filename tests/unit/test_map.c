/*
 * Unit tests for map.c: insertion, replacement, deletion with tombstones,
 * growth, and deletion during iteration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "map.h"

static void
basics(void **state)
{
	struct map *m = map_new();
	int a = 1, b = 2;

	(void)state;
	assert_null(map_get(m, "x"));
	assert_null(map_put(m, "x", &a));
	assert_ptr_equal(map_get(m, "x"), &a);
	assert_ptr_equal(map_put(m, "x", &b), &a);
	assert_int_equal(map_count(m), 1);
	assert_ptr_equal(map_del(m, "x"), &b);
	assert_null(map_del(m, "x"));
	assert_int_equal(map_count(m), 0);
	map_free(m);
	map_free(NULL);
}

static void
growth_and_iteration(void **state)
{
	static int vals[5000];
	struct map *m = map_new();
	const char *key;
	size_t pos = 0, seen = 0;
	char k[16];
	int i;
	void *v;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		map_put(m, k, &vals[i]);
	}
	for (i = 0; i < 5000; i += 2) {
		snprintf(k, sizeof(k), "k%d", i);
		assert_ptr_equal(map_del(m, k), &vals[i]);
	}
	assert_int_equal(map_count(m), 2500);
	for (i = 1; i < 5000; i += 2) {
		snprintf(k, sizeof(k), "k%d", i);
		assert_ptr_equal(map_get(m, k), &vals[i]);
	}
	/* Deleting the entry just returned is allowed while iterating. */
	while ((v = map_next(m, &pos, &key)) != NULL) {
		seen++;
		assert_ptr_equal(map_del(m, key), v);
	}
	assert_int_equal(seen, 2500);
	assert_int_equal(map_count(m), 0);
	map_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basics),
		cmocka_unit_test(growth_and_iteration),
	};

	return cmocka_run_group_tests_name("map", tests, NULL, NULL);
}
