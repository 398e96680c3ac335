/*
 * Client addresses (server/addr.c): IPv6 counts by its /64, IPv4 by the
 * address; --trust-proxy CIDRs; the client behind trusted proxies is the
 * right-most X-Forwarded-For entry that is not one of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "addr.h"

static void
groups(void **state)
{
	char a[ADDR_MAX], b[ADDR_MAX];

	(void)state;
	addr_group("203.0.113.7", a);
	assert_string_equal(a, "203.0.113.7");
	/* Two addresses of one IPv6 subscriber are one group, whatever their spelling. */
	addr_group("2001:db8:1:2::1", a);
	addr_group("2001:0db8:0001:0002:ffff:1:2:3", b);
	assert_string_equal(a, b);
	assert_string_equal(a, "2001:db8:1:2::/64");
	/* The next /64 is another group. */
	addr_group("2001:db8:1:3::1", b);
	assert_string_not_equal(a, b);
	/* An IPv4-mapped IPv6 address is the IPv4 address. */
	addr_group("::ffff:198.51.100.4", a);
	assert_string_equal(a, "198.51.100.4");
	addr_group("not an address", a);
	assert_string_equal(a, "");
}

static void
cidrs(void **state)
{
	struct cidrs c;

	(void)state;
	assert_int_equal(addr_parse_cidrs("10.0.0.0/8, 172.28.0.0/16,::1,fd00::/8", &c), 0);
	assert_int_equal(c.n, 4);
	assert_true(addr_in(&c, "10.200.3.4"));
	assert_true(addr_in(&c, "172.28.255.1"));
	assert_false(addr_in(&c, "172.29.0.1"));
	assert_true(addr_in(&c, "::1"));
	assert_false(addr_in(&c, "::2"));
	assert_true(addr_in(&c, "fd12:3456::9"));
	assert_false(addr_in(&c, "fe80::1"));
	assert_false(addr_in(&c, "garbage"));
	/* A bare IPv4 address is a /32. */
	assert_int_equal(addr_parse_cidrs("127.0.0.1", &c), 0);
	assert_true(addr_in(&c, "127.0.0.1"));
	assert_false(addr_in(&c, "127.0.0.2"));
	/* Malformed lists are refused as a whole. */
	assert_int_equal(addr_parse_cidrs("1", &c), -1);
	assert_int_equal(addr_parse_cidrs("10.0.0.0/33", &c), -1);
	assert_int_equal(addr_parse_cidrs("::/129", &c), -1);
	assert_int_equal(addr_parse_cidrs("10.0.0.0/8,,", &c), -1);
	assert_int_equal(addr_parse_cidrs("10.0.0.0/8x", &c), -1);
}

static void
forwarded(void **state)
{
	struct cidrs t;
	char out[ADDR_MAX] = "unchanged";

	(void)state;
	assert_int_equal(addr_parse_cidrs("10.0.0.0/8", &t), 0);
	/* The proxies' own hops are skipped from the right. */
	assert_int_equal(addr_forwarded(&t, "203.0.113.9, 10.0.0.2, 10.0.0.3", out), 0);
	assert_string_equal(out, "203.0.113.9");
	/* A forged left-most entry is not believed: the right-most untrusted one is the client. */
	assert_int_equal(addr_forwarded(&t, "1.2.3.4, 198.51.100.1,10.0.0.2", out), 0);
	assert_string_equal(out, "198.51.100.1");
	assert_int_equal(addr_forwarded(&t, "2001:db8::5", out), 0);
	assert_string_equal(out, "2001:db8::5");
	/* Only proxies, nothing, or garbage: no client address. */
	strcpy(out, "unchanged");
	assert_int_equal(addr_forwarded(&t, "10.0.0.1, 10.0.0.2", out), -1);
	assert_int_equal(addr_forwarded(&t, "", out), -1);
	assert_int_equal(addr_forwarded(&t, "nonsense", out), -1);
	assert_string_equal(out, "unchanged");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(groups),
		cmocka_unit_test(cidrs),
		cmocka_unit_test(forwarded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
