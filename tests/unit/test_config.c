/*
 * Unit tests for config.c: defaults, environment, flags beating the
 * environment, refusals, and Redis URLs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"

static struct config c;
static char err[256];

static int
load(int argc, const char **argv)
{
	config_free(&c);
	return config_load(&c, argc, (char **)argv, err, sizeof(err));
}

static void
defaults(void **state)
{
	const char *argv[] = { "surak", "--admin-token", "0123456789abcdef" };

	(void)state;
	unsetenv("SURAK_PORT");
	unsetenv("REDIS_URL");
	assert_int_equal(load(3, argv), 0);
	assert_int_equal(c.port, 8080);
	assert_string_equal(c.redis.host, "127.0.0.1");
	assert_int_equal(c.redis.port, 6379);
	assert_string_equal(c.web_dir, "web");
	assert_int_equal(c.ask_per_min, 5);
	assert_null(c.origins);
}

static void
environment_and_flags(void **state)
{
	const char *argv[] = { "surak", "--port=9000" };
	const char *argv2[] = { "surak" };

	(void)state;
	setenv("SURAK_ADMIN_TOKEN", "0123456789abcdef", 1);
	setenv("SURAK_PORT", "7000", 1);
	setenv("REDIS_URL", "redis://:pw@redis.local:6380/2", 1);
	assert_int_equal(load(1, argv2), 0);
	assert_int_equal(c.port, 7000);
	assert_int_equal(load(2, argv), 0);
	assert_int_equal(c.port, 9000);	/* the flag wins */
	assert_string_equal(c.redis.host, "redis.local");
	assert_int_equal(c.redis.port, 6380);
	assert_string_equal(c.redis.password, "pw");
	assert_int_equal(c.redis.db, 2);
	unsetenv("SURAK_PORT");
	unsetenv("REDIS_URL");
	unsetenv("SURAK_ADMIN_TOKEN");
}

static void
refusals(void **state)
{
	const char *no_token[] = { "surak" };
	const char *short_token[] = { "surak", "--admin-token", "short" };
	const char *bad_port[] = { "surak", "--admin-token", "0123456789abcdef", "--port", "70000" };
	const char *unknown[] = { "surak", "--admin-token", "0123456789abcdef", "--frobnicate" };
	const char *bad_redis[] = { "surak", "--admin-token", "0123456789abcdef", "--redis", "http://x" };
	const char *help[] = { "surak", "--help" };

	(void)state;
	assert_int_equal(load(1, no_token), -1);
	assert_non_null(strstr(err, "admin token"));
	assert_int_equal(load(3, short_token), -1);
	assert_int_equal(load(5, bad_port), -1);
	assert_non_null(strstr(err, "--port"));
	assert_int_equal(load(4, unknown), -1);
	assert_int_equal(load(5, bad_redis), -1);
	assert_int_equal(load(2, help), 1);
}

static void
redis_urls(void **state)
{
	struct redis_addr a;

	(void)state;
	assert_int_equal(config_parse_redis_url("redis://localhost", &a, err, sizeof(err)), 0);
	assert_string_equal(a.host, "localhost");
	assert_int_equal(a.port, 6379);
	assert_null(a.password);
	free(a.host);
	assert_int_equal(config_parse_redis_url("redis://user:secret@10.0.0.5:7000/3", &a, err,
	    sizeof(err)), 0);
	assert_string_equal(a.host, "10.0.0.5");
	assert_string_equal(a.password, "secret");
	assert_int_equal(a.port, 7000);
	assert_int_equal(a.db, 3);
	free(a.host);
	free(a.password);
	assert_int_equal(config_parse_redis_url("unix:///run/redis.sock", &a, err, sizeof(err)), 0);
	assert_string_equal(a.unix_path, "/run/redis.sock");
	free(a.unix_path);
	assert_int_equal(config_parse_redis_url("redis://:6379", &a, err, sizeof(err)), -1);
	assert_int_equal(config_parse_redis_url("redis://h:0", &a, err, sizeof(err)), -1);
	assert_int_equal(config_parse_redis_url("redis://h/x", &a, err, sizeof(err)), -1);
}

static int
teardown(void **state)
{
	(void)state;
	config_free(&c);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(environment_and_flags),
		cmocka_unit_test(refusals),
		cmocka_unit_test(redis_urls),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, teardown);
}
