/*
 * A room's copy (server/copy.c): events applied in seq order, a gap of
 * one detected, duplicates ignored, the kept history and where a resume
 * point falls in it, rank order, and loading from a snapshot reply.
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

#include "copy.h"
#include "dedupe.h"
#include "event.h"
#include "lookup.h"
#include "reply.h"
#include "script.h"
#include "util.h"

static struct event *
ev(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	struct event *e;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	e = event_parse(buf, strlen(buf));
	assert_non_null(e);
	return e;
}

static struct event *
upsert(long long seq, long long id, const char *status, int votes)
{
	return ev("{\"seq\":%lld,\"op\":\"upsert\",\"was\":\"\",\"q\":{\"id\":%lld,\"text\":\"q\","
	    "\"status\":\"%s\",\"votes\":%d,\"score\":%d}}", seq, id, status, votes, votes);
}

static enum copy_apply
apply_and_drop(struct copy *c, struct event *e)
{
	enum copy_apply r = copy_apply(c, e);

	event_unref(e);
	return r;
}

static void
start(struct copy *c, size_t history, uint64_t seq)
{
	copy_init(c, history);
	copy_reset(c, json_pack("{s:s}", "id", "r"), seq, "E1");
}

static void
gaps_and_duplicates(void **state)
{
	struct copy c;

	(void)state;
	start(&c, 16, 10);
	assert_int_equal(apply_and_drop(&c, upsert(11, 1, "pending", 1)), COPY_APPLIED);
	assert_int_equal(c.seq, 11);
	/* A gap of one: 12 was lost. */
	assert_int_equal(apply_and_drop(&c, upsert(13, 1, "approved", 1)), COPY_GAP);
	assert_int_equal(c.seq, 11);
	/* Duplicates (the same seq again, or an older one) change nothing. */
	assert_int_equal(apply_and_drop(&c, upsert(11, 1, "rejected", 1)), COPY_STALE);
	assert_int_equal(apply_and_drop(&c, upsert(3, 1, "rejected", 1)), COPY_STALE);
	assert_string_equal(json_string_value(json_object_get(copy_question(&c, 1), "status")), "pending");
	assert_int_equal(apply_and_drop(&c, upsert(12, 1, "approved", 1)), COPY_APPLIED);
	assert_int_equal(apply_and_drop(&c, ev("{\"seq\":13,\"op\":\"remove\",\"id\":1,\"was\":\"approved\",\"into\":2}")),
	    COPY_APPLIED);
	assert_null(copy_question(&c, 1));
	copy_free(&c);
}

static void
history_and_resume_points(void **state)
{
	struct copy c;
	long long s;

	(void)state;
	start(&c, 4, 0);
	/* Nothing kept yet: only "up to date" is a resume point. */
	assert_int_equal(copy_after(&c, 0), 0);
	assert_int_equal(copy_after(&c, 1), -1);
	for (s = 1; s <= 6; s++)
		assert_int_equal(apply_and_drop(&c, upsert(s, s, "approved", 1)), COPY_APPLIED);
	/* Kept: 3..6 (four). */
	assert_int_equal(c.ring_len, 4);
	assert_int_equal(copy_event(&c, 0)->seq, 3);
	assert_int_equal(copy_event(&c, 3)->seq, 6);
	assert_int_equal(copy_after(&c, 6), 4);		/* up to date: nothing to replay */
	assert_int_equal(copy_after(&c, 5), 3);
	assert_int_equal(copy_after(&c, 2), 0);		/* exactly the oldest kept is next */
	assert_int_equal(copy_after(&c, 1), -1);	/* 2 was dropped: a full welcome */
	assert_int_equal(copy_after(&c, 7), -1);	/* from the future */
	copy_free(&c);
}

static void
rank_order(void **state)
{
	struct copy c;
	json_t **v;
	size_t n;

	(void)state;
	start(&c, 8, 0);
	apply_and_drop(&c, upsert(1, 1, "approved", 2));
	apply_and_drop(&c, upsert(2, 2, "pending", 9));
	apply_and_drop(&c, upsert(3, 3, "approved", 5));
	apply_and_drop(&c, upsert(4, 4, "answered", 2));
	v = copy_ranked(&c, VIEW_PUBLIC, &n);
	assert_int_equal(n, 3);		/* the pending one is not public */
	assert_int_equal(json_integer_value(json_object_get(v[0], "id")), 3);
	assert_int_equal(json_integer_value(json_object_get(v[1], "id")), 1);	/* tie: lower id first */
	assert_int_equal(json_integer_value(json_object_get(v[2], "id")), 4);
	free(v);
	v = copy_ranked(&c, VIEW_FULL, &n);
	assert_int_equal(n, 4);
	assert_int_equal(json_integer_value(json_object_get(v[0], "id")), 2);
	free(v);
	copy_free(&c);
}

/*
 * A snapshot chunk as the script answers: room, seq, epoch, versions,
 * questions, next, events, merging, keys (NULL: none).
 */
static redisReply *
chunk_keys(long long seq, long long next, redisReply *questions, redisReply *events, redisReply *keys)
{
	char s[24], n[24];

	snprintf(s, sizeof(s), "%lld", seq);
	snprintf(n, sizeof(n), "%lld", next);
	return reply_arr(11, reply_str("ok"), reply_str("{\"id\":\"r\",\"title\":\"T\"}"), reply_str(s), reply_str("E2"), reply_str("2"), reply_str("1"),
	    questions, reply_str(n), events, reply_arr(0), keys ? keys : reply_arr(0));
}

static redisReply *
chunk(long long seq, long long next, redisReply *questions, redisReply *events)
{
	return chunk_keys(seq, next, questions, events, NULL);
}

/* The bands of a text, as an ask sends them. */
static void
bands_of(const char *text, struct sbuf *key, struct sbuf *bands)
{
	struct dedupe_doc d;
	int i;

	dedupe_doc_build(&d, text, strlen(text));
	dedupe_doc_key(&d, key);
	for (i = 0; i < d.nbands; i++)
		sbuf_printf(bands, "%s%s", i ? "," : "", d.band[i]);
	dedupe_doc_free(&d);
}

/*
 * The copy's near-duplicate index: keys from the chunks (bands computed
 * by the hub), from the replayed history and from later events (bands as
 * sent), merges followed.
 */
static void
indexes_keys(void **state)
{
	struct copy c;
	struct sbuf k1 = { 0 }, b1 = { 0 }, k2 = { 0 }, b2 = { 0 };
	struct lookup_cand cand[4];
	redisReply *r;
	struct event *ev;
	long long next;
	char json[2048];

	(void)state;
	sbuf_init(&k1, 64);
	sbuf_init(&b1, 256);
	sbuf_init(&k2, 64);
	sbuf_init(&b2, 256);
	bands_of("Когда отремонтируют дорогу на улице Абая?", &k1, &b1);
	bands_of("Почему нет горячей воды в микрорайоне Береке?", &k2, &b2);
	copy_init(&c, 8);
	r = chunk_keys(5, 0, reply_arr(1, reply_str("{\"id\":1,\"status\":\"approved\",\"score\":1}")),
	    reply_arr(0), reply_arr(2, reply_arr(3, reply_int(1), reply_int(0), reply_arr(1, reply_str(k1.data))),
		reply_arr(3, reply_int(2), reply_int(1), reply_arr(0))));
	assert_int_equal(copy_load_chunk(&c, r, 1, &next), 1);
	reply_free(r);
	assert_int_equal(lookup_last(c.lookup), 2);
	assert_int_equal(lookup_work(c.lookup, 100), 0);
	assert_int_equal(lookup_find(c.lookup, b1.data, cand, 4), 1);
	assert_int_equal(cand[0].id, 1);
	assert_string_equal(cand[0].key[0], k1.data);
	/* Question 3 asked, with its key and bands; then merged into 1. */
	snprintf(json, sizeof(json), "{\"seq\":6,\"op\":\"upsert\",\"was\":\"\",\"q\":{\"id\":3,\"status\":\"pending\"},"
	    "\"nd\":[\"%s\"],\"bands\":\"%s\"}", k2.data, b2.data);
	ev = event_parse(json, strlen(json));
	assert_non_null(ev);
	assert_int_equal(copy_apply(&c, ev), COPY_APPLIED);
	event_unref(ev);
	assert_int_equal(lookup_last(c.lookup), 3);
	assert_int_equal(lookup_find(c.lookup, b2.data, cand, 4), 1);
	assert_int_equal(cand[0].id, 3);
	snprintf(json, sizeof(json), "{\"seq\":7,\"op\":\"remove\",\"id\":3,\"was\":\"pending\",\"into\":1}");
	ev = event_parse(json, strlen(json));
	assert_non_null(ev);
	assert_int_equal(copy_apply(&c, ev), COPY_APPLIED);
	event_unref(ev);
	assert_int_equal(lookup_find(c.lookup, b2.data, cand, 4), 1);
	assert_int_equal(cand[0].id, 1);
	copy_free(&c);
	sbuf_free(&k1);
	sbuf_free(&b1);
	sbuf_free(&k2);
	sbuf_free(&b2);
}

static void
loads_a_snapshot_in_chunks(void **state)
{
	struct copy c;
	redisReply *r;
	long long next = -1;

	(void)state;
	assert_int_equal(SNAPSHOT_R_COUNT, 11);
	copy_init(&c, 8);
	/* Chunk 1 at seq 7: question 1 approved, 2 pending. */
	r = chunk(7, 2, reply_arr(2, reply_str("{\"id\":1,\"status\":\"approved\",\"score\":1}"),
	    reply_str("{\"id\":2,\"status\":\"pending\",\"score\":1}")), reply_arr(0));
	assert_int_equal(copy_load_chunk(&c, r, 1, &next), 0);
	assert_int_equal(next, 2);
	assert_false(c.ready);
	reply_free(r);
	/*
	 * Chunk 2 at seq 9: meanwhile (seq 8) question 1 was rejected and
	 * (seq 9) question 3 created; chunk 2 holds 3 as it is now, and the
	 * history replays 8 and 9 over both chunks.
	 */
	r = chunk(9, 0, reply_arr(1, reply_str("{\"id\":3,\"status\":\"pending\",\"score\":1}")),
	    reply_arr(3, reply_str("{\"seq\":7,\"op\":\"upsert\",\"was\":\"\",\"q\":{\"id\":2,\"status\":\"pending\"}}"),
		reply_str("{\"seq\":8,\"op\":\"upsert\",\"was\":\"approved\",\"q\":{\"id\":1,\"status\":\"rejected\"}}"),
		reply_str("{\"seq\":9,\"op\":\"upsert\",\"was\":\"\",\"q\":{\"id\":3,\"status\":\"pending\"}}")));
	assert_int_equal(copy_load_chunk(&c, r, 0, &next), 1);
	reply_free(r);
	assert_true(c.ready);
	assert_int_equal(c.seq, 9);
	assert_int_equal(c.modver, 2);
	assert_string_equal(json_string_value(json_object_get(copy_question(&c, 1), "status")), "rejected");
	assert_non_null(copy_question(&c, 3));
	assert_int_equal(c.ring_len, 3);
	/* A history that no longer reaches back to the first chunk: load again. */
	r = chunk(20, 5, reply_arr(0), reply_arr(0));
	assert_int_equal(copy_load_chunk(&c, r, 1, &next), 0);
	reply_free(r);
	r = chunk(30, 0, reply_arr(0), reply_arr(1, reply_str("{\"seq\":30,\"op\":\"room\",\"room\":{\"id\":\"r\"}}")));
	assert_int_equal(copy_load_chunk(&c, r, 0, &next), -1);
	reply_free(r);
	/* A malformed chunk. */
	r = reply_arr(3, reply_str("ok"), reply_str("not json"), reply_str("8"));
	assert_int_equal(copy_load_chunk(&c, r, 1, &next), -1);
	reply_free(r);
	copy_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gaps_and_duplicates),
		cmocka_unit_test(history_and_resume_points),
		cmocka_unit_test(rank_order),
		cmocka_unit_test(loads_a_snapshot_in_chunks),
		cmocka_unit_test(indexes_keys),
	};

	if (dedupe_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
