/*
 * Unit tests for proto.c: every rule of the qa.v1 contract that can be
 * checked without a server (types, lengths, identifiers, error codes), and
 * the JSON the hub writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "proto.h"
#include "text.h"
#include "util.h"

static struct cmd c;
static struct proto_error e;

static int
parse(const char *json)
{
	proto_cmd_free(&c);
	return proto_parse(json, strlen(json), &c, &e);
}

/* Parses json and checks it is refused with `code`. */
static void
refused(const char *json, const char *code)
{
	if (parse(json) == 0)
		fail_msg("accepted: %s", json);
	if (strcmp(e.code, code) != 0)
		fail_msg("%s: got %s (%s), want %s", json, e.code, e.message, code);
}

static void
hello(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"type\":\"hello\",\"room\":\"atyrau-live\",\"role\":\"viewer\","
	    "\"client\":\"k3J9abcdefghijkl\"}"), 0);
	assert_int_equal(c.type, CMD_HELLO);
	assert_string_equal(c.room, "atyrau-live");
	assert_int_equal(c.role, ROLE_VIEWER);
	assert_false(c.resume);
	assert_int_equal(parse("{\"type\":\"hello\",\"room\":\"r1\",\"role\":\"moderator\","
	    "\"client\":\"k3J9abcdefghijkl\",\"key\":\"secret\","
	    "\"resume\":{\"epoch\":\"e1\",\"seq\":1234}}"), 0);
	assert_int_equal(c.role, ROLE_MODERATOR);
	assert_string_equal(c.key, "secret");
	assert_true(c.resume);
	assert_int_equal(c.resume_seq, 1234);
	assert_string_equal(c.epoch, "e1");

	refused("{\"type\":\"hello\",\"room\":\"Bad_Room\",\"role\":\"viewer\",\"client\":\"k3J9abcdefghijkl\"}",
	    "bad_request");
	refused("{\"type\":\"hello\",\"room\":\"-r\",\"role\":\"viewer\",\"client\":\"k3J9abcdefghijkl\"}",
	    "bad_request");
	refused("{\"type\":\"hello\",\"room\":\"r\",\"role\":\"admin\",\"client\":\"k3J9abcdefghijkl\"}",
	    "bad_request");
	refused("{\"type\":\"hello\",\"room\":\"r\",\"role\":\"viewer\",\"client\":\"short\"}",
	    "bad_request");
	refused("{\"type\":\"hello\",\"room\":\"r\",\"role\":\"viewer\",\"client\":\"has space in it!!\"}",
	    "bad_request");
	/* A moderator without a key is a signed-in member of staff, or refused by the hub (hello.c). */
	refused("{\"type\":\"hello\",\"room\":\"r\",\"role\":\"viewer\",\"client\":\"k3J9abcdefghijkl\","
	    "\"resume\":{\"epoch\":\"e\",\"seq\":-1}}", "bad_request");
	assert_true(e.hello);
}

static void
ask(void **state)
{
	char big[600 * 2 + 64], text[600 * 2 + 1];
	int i;

	(void)state;
	assert_int_equal(parse("{\"type\":\"ask\",\"rid\":\"a1\",\"text\":\"  Когда   починят?  \","
	    "\"name\":\" Айгүл \"}"), 0);
	assert_string_equal(c.rid, "a1");
	assert_string_equal(c.text, "Когда починят?");
	assert_string_equal(c.name, "Айгүл");
	assert_int_equal(parse("{\"type\":\"ask\",\"rid\":\"a1\",\"text\":\"x\",\"name\":null}"), 0);
	assert_null(c.name);
	assert_int_equal(parse("{\"type\":\"ask\",\"rid\":\"a1\",\"text\":\"x\",\"name\":\"   \"}"), 0);
	assert_null(c.name);
	refused("{\"type\":\"ask\",\"rid\":\"a1\",\"text\":\"   \"}", "empty");
	refused("{\"type\":\"ask\",\"rid\":\"a1\",\"text\":\"\\u200b\\u202e\"}", "empty");
	refused("{\"type\":\"ask\",\"rid\":\"a1\"}", "bad_request");
	refused("{\"type\":\"ask\",\"rid\":\"a1\",\"text\":42}", "bad_request");
	/* 500 Cyrillic characters (1000 bytes) fit; 501 do not. */
	for (i = 0; i < 500; i++)
		memcpy(text + 2 * i, "ы", 2);
	text[1000] = '\0';
	snprintf(big, sizeof(big), "{\"type\":\"ask\",\"rid\":\"a\",\"text\":\"%s\"}", text);
	assert_int_equal(parse(big), 0);
	snprintf(big, sizeof(big), "{\"type\":\"ask\",\"rid\":\"a\",\"text\":\"%sы\"}", text);
	refused(big, "too_long");
	assert_true(e.has_rid);
	assert_string_equal(e.rid, "a");
	refused("{\"type\":\"ask\",\"rid\":\"a\",\"text\":\"x\",\"name\":"
	    "\"12345678901234567890123456789012345678901234567890123456789012345\"}", "too_long");
}

static void
commands(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"type\":\"vote\",\"rid\":\"v\",\"id\":17}"), 0);
	assert_int_equal(c.id, 17);
	refused("{\"type\":\"vote\",\"rid\":\"v\",\"id\":\"17\"}", "bad_request");
	refused("{\"type\":\"vote\",\"rid\":\"v\",\"id\":1.5}", "bad_request");
	refused("{\"type\":\"vote\",\"rid\":\"v\",\"id\":0}", "bad_request");
	refused("{\"type\":\"vote\",\"rid\":\"v\",\"id\":-3}", "bad_request");
	refused("{\"type\":\"vote\",\"rid\":\"v\",\"id\":9007199254740993}", "bad_request");
	refused("{\"type\":\"vote\",\"rid\":\"v\",\"id\":1e400}", "bad_json");
	refused("{\"type\":\"unvote\",\"id\":3}", "bad_request");
	refused("{\"type\":\"vote\",\"rid\":\"\",\"id\":3}", "bad_request");
	refused("{\"type\":\"vote\",\"rid\":"
	    "\"12345678901234567890123456789012345678901234567890123456789012345\",\"id\":3}",
	    "bad_request");

	assert_int_equal(parse("{\"type\":\"moderate\",\"rid\":\"m\",\"id\":3,\"action\":\"approve\"}"), 0);
	assert_int_equal(c.action, ACT_APPROVE);
	assert_int_equal(parse("{\"type\":\"moderate\",\"rid\":\"m\",\"id\":3,\"action\":\"edit\","
	    "\"text\":\" Исправлено \"}"), 0);
	assert_string_equal(c.text, "Исправлено");
	refused("{\"type\":\"moderate\",\"rid\":\"m\",\"id\":3,\"action\":\"edit\"}", "bad_request");
	assert_int_equal(parse("{\"type\":\"moderate\",\"rid\":\"m\",\"id\":3,\"action\":\"merge\",\"into\":2}"), 0);
	assert_int_equal(c.into, 2);
	refused("{\"type\":\"moderate\",\"rid\":\"m\",\"id\":3,\"action\":\"merge\"}", "bad_request");
	assert_int_equal(parse("{\"type\":\"moderate\",\"rid\":\"m\",\"id\":3,\"action\":\"split\",\"variant\":0}"), 0);
	assert_int_equal(c.variant, 0);
	refused("{\"type\":\"moderate\",\"rid\":\"m\",\"id\":3,\"action\":\"explode\"}", "bad_request");

	assert_int_equal(parse("{\"type\":\"ban\",\"rid\":\"b\",\"id\":3}"), 0);
	assert_int_equal(parse("{\"type\":\"ban\",\"rid\":\"b\",\"author\":\"u12\"}"), 0);
	assert_string_equal(c.author, "u12");
	refused("{\"type\":\"ban\",\"rid\":\"b\"}", "bad_request");

	assert_int_equal(parse("{\"type\":\"room\",\"rid\":\"r\",\"open\":false}"), 0);
	assert_int_equal(c.open, 0);
	assert_int_equal(c.moderation, -1);
	assert_int_equal(parse("{\"type\":\"room\",\"rid\":\"r\",\"title\":\"Эфир\",\"moderation\":true}"), 0);
	assert_string_equal(c.title, "Эфир");
	refused("{\"type\":\"room\",\"rid\":\"r\"}", "bad_request");
	refused("{\"type\":\"room\",\"rid\":\"r\",\"open\":\"yes\"}", "bad_request");
}

static void
malformed(void **state)
{
	(void)state;
	refused("{bad", "bad_json");
	refused("", "bad_json");
	refused("[1,2]", "bad_request");
	refused("\"hello\"", "bad_request");
	refused("{\"rid\":\"x\"}", "bad_request");
	refused("{\"type\":7}", "bad_request");
	refused("{\"type\":\"ask\",\"type\":\"vote\"}", "bad_json");		/* duplicate key */
	refused("{\"type\":\"ask\",\"rid\":\"a\",\"text\":\"a\\u0000b\"}", "bad_json");
	/* jansson quotes the bytes near the error; the message stays UTF-8 (fuzz_proto). */
	refused("{\"\\u000\xD7\x87t\":1}", "bad_json");
	assert_true(text_utf8_valid(e.message, strlen(e.message)));
	refused("{\"type\":\"launch\",\"rid\":\"r7\"}", "unknown_type");
	assert_true(e.has_rid);
	assert_string_equal(e.rid, "r7");
	assert_false(e.hello);
}

static void
writing(void **state)
{
	struct sbuf b = { 0 };
	json_t *q = json_loads("{\"id\":3,\"text\":\"Q \\\"x\\\"\",\"name\":null,\"status\":\"approved\","
	    "\"featured\":false,\"votes\":2,\"dups\":1,\"score\":2,\"created\":1,\"updated\":2,"
	    "\"author\":\"u1\",\"flags\":[],\"variants\":[],\"nvariants\":0,\"answered_at\":null,"
	    "\"followup\":{\"state\":\"assigned\",\"department\":\"roads\",\"due\":\"2026-12-10\",\"answer\":null},"
	    "\"topics\":[\"roads\"],\"places\":[],\"source\":\"web\"}", 0, NULL);

	(void)state;
	sbuf_init(&b, 64);
	proto_write_error(&b, NULL, "rate_limited", "slow down", 2000);
	assert_string_equal(b.data, "{\"type\":\"error\",\"rid\":null,\"code\":\"rate_limited\","
	    "\"message\":\"slow down\",\"retry_after_ms\":2000}");
	sbuf_reset(&b);
	proto_write_question(&b, q, VIEW_PUBLIC, 1, 0);
	assert_string_equal(b.data, "{\"id\":3,\"text\":\"Q \\\"x\\\"\",\"name\":null,\"status\":\"approved\","
	    "\"featured\":false,\"votes\":2,\"dups\":1,\"score\":2,\"created\":1,\"updated\":2,"
	    "\"answered_at\":null,\"followup\":{\"state\":\"assigned\",\"department\":\"roads\","
	    "\"due\":\"2026-12-10\",\"answer\":null},\"topics\":[\"roads\"],\"places\":[],\"source\":\"web\","
	    "\"mine\":true}");
	sbuf_reset(&b);
	proto_write_question(&b, q, VIEW_FULL, 0, 0);
	assert_non_null(strstr(b.data, "\"author\":\"u1\""));
	assert_true(proto_status_public("answered"));
	assert_false(proto_status_public("pending"));
	assert_true(proto_valid_room_id("a", 1));
	assert_false(proto_valid_room_id("", 0));
	sbuf_free(&b);
	json_decref(q);
}

static int
teardown(void **state)
{
	(void)state;
	proto_cmd_free(&c);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hello),
		cmocka_unit_test(ask),
		cmocka_unit_test(commands),
		cmocka_unit_test(malformed),
		cmocka_unit_test(writing),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, teardown);
}
