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
#include "reply.h"

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

static void
slots_reply(void **state)
{
	struct cluster_range g[4];
	redisReply *r = reply_arr(2,
	    reply_arr(4, reply_int(0), reply_int(5460),
		reply_arr(3, reply_str("127.0.0.1"), reply_int(7001), reply_str("aaa")),
		reply_arr(3, reply_str("127.0.0.1"), reply_int(7004), reply_str("ddd"))),
	    reply_arr(3, reply_int(5461), reply_int(16383),
		reply_arr(3, reply_str(""), reply_int(7002), reply_str("bbb"))));
	redisReply *bad = reply_arr(1, reply_arr(3, reply_int(10), reply_int(5), reply_arr(2, reply_str("h"), reply_int(1))));

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
	reply_free(r);
	reply_free(bad);
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
