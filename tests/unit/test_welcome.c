/*
 * Welcomes (server/welcome.c): a viewer's personal welcome, spliced from
 * the shared one, is byte for byte what rendering the whole room for that
 * viewer gives; members resuming from the same point share one rendering
 * of what they missed unless something in it is their own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "event.h"
#include "msg.h"
#include "render.h"
#include "room.h"
#include "util.h"
#include "welcome.h"

/* What welcome_send() sent, in order. */
static struct msg *sent[8];
static size_t nsent;

static void
capture(struct member *m, struct msg *msg)
{
	(void)m;
	assert_true(nsent < 8);
	sent[nsent++] = msg_ref(msg);
}

static const struct member_ops capture_ops = { .send = capture };

static void
clear_sent(void)
{
	while (nsent > 0)
		msg_unref(sent[--nsent]);
}

static void
add(struct room *rm, long long seq, long long id, const char *status, int votes)
{
	char buf[512];
	struct event *e;

	snprintf(buf, sizeof(buf), "{\"seq\":%lld,\"op\":\"upsert\",\"was\":\"\",\"q\":{\"id\":%lld,"
	    "\"text\":\"вопрос %lld\",\"name\":null,\"status\":\"%s\",\"featured\":false,\"votes\":%d,"
	    "\"dups\":0,\"score\":%d,\"created\":1,\"updated\":2,\"author\":\"u1\",\"flags\":[]}}",
	    seq, id, id, status, votes, votes);
	e = event_parse(buf, strlen(buf));
	assert_non_null(e);
	assert_int_equal(copy_apply(&rm->copy, e), COPY_APPLIED);
	event_unref(e);
}

static void
setup_room(struct room *rm)
{
	memset(rm, 0, sizeof(*rm));
	room_ops = &capture_ops;
	copy_init(&rm->copy, 64);
	copy_reset(&rm->copy, json_pack("{s:s,s:s,s:b,s:b}", "id", "r", "title", "T", "open", 1,
	    "moderation", 1), 0, "E1");
	add(rm, 1, 1, "approved", 5);
	add(rm, 2, 2, "approved", 9);
	add(rm, 3, 3, "answered", 1);
	add(rm, 4, 4, "pending", 1);
	add(rm, 5, 5, "approved", 5);
}

static void
teardown_room(struct room *rm)
{
	clear_sent();
	welcome_drop_caches(rm);
	copy_free(&rm->copy);
}

static void
personal_equals_full_rendering(void **state)
{
	struct room rm;
	struct member m = { .role = ROLE_VIEWER };
	struct marks who = { &m.mine, &m.voted, &m.own };
	struct sbuf want = { 0 };
	json_t **v;
	size_t n;

	(void)state;
	setup_room(&rm);
	idset_add(&m.mine, 2);		/* public */
	idset_add(&m.mine, 4);		/* pending: only the asker sees it */
	idset_add(&m.voted, 5);
	idset_add(&m.voted, 2);
	/* A shared welcome first, as the crowd would have made it. */
	{
		struct member plain = { .role = ROLE_VIEWER };

		welcome_send(&rm, &plain, 0);
		clear_sent();
	}
	welcome_send(&rm, &m, 0);
	assert_int_equal(nsent, 1);
	/* The whole room rendered for this viewer, the long way. */
	v = copy_ranked(&rm.copy, VIEW_PUBLIC, &n);
	sbuf_init(&want, 4096);
	render_welcome_head(&want, ROLE_VIEWER, rm.copy.meta, rm.copy.epoch, rm.copy.seq, 0);
	render_welcome_questions(&want, v, n, VIEW_PUBLIC, &who, 0);
	{
		json_t *q = copy_question(&rm.copy, 4);

		render_welcome_questions(&want, &q, 1, VIEW_PUBLIC, &who, n);
	}
	sbuf_adds(&want, "]}");
	assert_int_equal(sent[0]->len, want.len);
	assert_memory_equal(sent[0]->data, want.data, want.len);
	assert_non_null(strstr(want.data, "\"mine\":true,\"voted\":true}"));
	free(v);
	sbuf_free(&want);
	idset_free(&m.mine);
	idset_free(&m.voted);
	teardown_room(&rm);
	assert_int_equal(msg_live(), 0);
}

static void
resumes_are_shared_unless_personal(void **state)
{
	struct room rm;
	struct member a = { .role = ROLE_VIEWER, .resume = 1, .resume_seq = 3 };
	struct member b = { .role = ROLE_VIEWER, .resume = 1, .resume_seq = 3 };
	struct member c = { .role = ROLE_VIEWER, .resume = 1, .resume_seq = 3 };

	(void)state;
	setup_room(&rm);
	strcpy(a.epoch, "E1");
	strcpy(b.epoch, "E1");
	strcpy(c.epoch, "E1");
	idset_add(&b.voted, 1);		/* own, but not in the missed events (4, 5) */
	idset_add(&c.mine, 4);		/* its pending question is among them */
	welcome_send(&rm, &a, 1);
	welcome_send(&rm, &b, 1);
	welcome_send(&rm, &c, 1);
	assert_int_equal(nsent, 6);	/* each: the resumed welcome, then the missed events */
	assert_non_null(strstr((const char *)sent[0]->data, "\"resumed\":true"));
	assert_ptr_equal(sent[1], sent[3]);	/* one rendering for a and b */
	assert_ptr_not_equal(sent[1], sent[5]);
	assert_null(strstr((const char *)sent[1]->data, "\"id\":4"));	/* pending: not public */
	assert_non_null(strstr((const char *)sent[5]->data, "\"mine\":true"));
	idset_free(&b.voted);
	idset_free(&c.mine);
	teardown_room(&rm);
	assert_int_equal(msg_live(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(personal_equals_full_rendering),
		cmocka_unit_test(resumes_are_shared_unless_personal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
