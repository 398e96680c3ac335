/*
 * Unit tests for cluster.c: Redis Cluster's key hashing (the reference
 * values of the cluster specification), rooms in one slot, CLUSTER SLOTS
 * replies, MOVED and ASK errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cluster.h"

static void
hashing(void **state)
{
	(void)state;
	/* The specification's check value, and slots redis-cli CLUSTER KEYSLOT gives. */
	assert_int_equal(cluster_crc16("123456789", 9), 0x31C3);
	assert_int_equal(cluster_key_slot("foo", 3), 12182);
	assert_int_equal(cluster_key_slot("bar", 3), 5061);
	assert_int_equal(cluster_key_slot("{user1000}.following", 20), cluster_key_slot("user1000", 8));
	/* An empty tag or an unclosed one: the whole key counts. */
	assert_int_equal(cluster_key_slot("foo{}bar", 8), cluster_crc16("foo{}bar", 8) % CLUSTER_SLOTS);
	assert_int_equal(cluster_key_slot("foo{bar", 7), cluster_crc16("foo{bar", 7) % CLUSTER_SLOTS);
	/* A room's keys and its channel share the room's slot. */
	assert_int_equal(cluster_key_slot("surak:{town-hall}:q:1", 21), cluster_room_slot("town-hall"));
	assert_int_equal(cluster_key_slot("surak:ev:{town-hall}", 20), cluster_room_slot("town-hall"));
	assert_int_equal(cluster_key_slot("surak:{@staff}", 14), cluster_room_slot("@staff"));
}

static redisReply *
mk(int type)
{
	redisReply *r = calloc(1, sizeof(*r));

	r->type = type;
	return r;
}

static redisReply *
mk_int(long long v)
{
	redisReply *r = mk(REDIS_REPLY_INTEGER);

	r->integer = v;
	return r;
}

static redisReply *
mk_str(const char *s)
{
	redisReply *r = mk(REDIS_REPLY_STRING);

	r->str = strdup(s);
	r->len = strlen(s);
	return r;
}

static redisReply *
mk_arr(size_t n, ...)
{
	redisReply *r = mk(REDIS_REPLY_ARRAY);
	va_list ap;
	size_t i;

	r->elements = n;
	r->element = calloc(n, sizeof(*r->element));
	va_start(ap, n);
	for (i = 0; i < n; i++)
		r->element[i] = va_arg(ap, redisReply *);
	va_end(ap);
	return r;
}

static void
free_reply(redisReply *r)
{
	size_t i;

	for (i = 0; i < r->elements; i++)
		free_reply(r->element[i]);
	free(r->element);
	free(r->str);
	free(r);
}

static void
slots_reply(void **state)
{
	struct cluster_range g[4];
	redisReply *r = mk_arr(2,
	    mk_arr(4, mk_int(0), mk_int(5460),
		mk_arr(3, mk_str("127.0.0.1"), mk_int(7001), mk_str("aaa")),
		mk_arr(3, mk_str("127.0.0.1"), mk_int(7004), mk_str("ddd"))),
	    mk_arr(3, mk_int(5461), mk_int(16383),
		mk_arr(3, mk_str(""), mk_int(7002), mk_str("bbb"))));
	redisReply *bad = mk_arr(1, mk_arr(3, mk_int(10), mk_int(5), mk_arr(2, mk_str("h"), mk_int(1))));

	(void)state;
	assert_int_equal(cluster_parse_slots(r, "10.0.0.9", g, 4), 2);
	assert_int_equal(g[0].start, 0);
	assert_int_equal(g[0].end, 5460);
	assert_string_equal(g[0].host, "127.0.0.1");
	assert_int_equal(g[0].port, 7001);
	/* A master that does not know its address is the node asked. */
	assert_string_equal(g[1].host, "10.0.0.9");
	assert_int_equal(g[1].port, 7002);
	assert_int_equal(cluster_parse_slots(bad, "x", g, 4), -1);
	assert_int_equal(cluster_parse_slots(NULL, "x", g, 4), -1);
	free_reply(r);
	free_reply(bad);
}

static void
redirects(void **state)
{
	char host[64];
	unsigned slot = 0;
	int port = 0;

	(void)state;
	assert_int_equal(cluster_parse_redirect("MOVED 3999 127.0.0.1:6381", &slot, host, sizeof(host), &port),
	    CLUSTER_MOVED);
	assert_int_equal(slot, 3999);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 6381);
	assert_int_equal(cluster_parse_redirect("ASK 12 ::1:7000", &slot, host, sizeof(host), &port), CLUSTER_ASK);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 7000);
	assert_int_equal(cluster_parse_redirect("MOVED 16384 h:1", &slot, host, sizeof(host), &port), CLUSTER_NONE);
	assert_int_equal(cluster_parse_redirect("MOVED 1 h", &slot, host, sizeof(host), &port), CLUSTER_NONE);
	assert_int_equal(cluster_parse_redirect("MOVED 1 h:0", &slot, host, sizeof(host), &port), CLUSTER_NONE);
	assert_int_equal(cluster_parse_redirect("ERR no", &slot, host, sizeof(host), &port), CLUSTER_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hashing),
		cmocka_unit_test(slots_reply),
		cmocka_unit_test(redirects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
