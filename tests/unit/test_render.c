/*
 * Rendering (server/render.c): how a batch of events looks to each view,
 * with coalescing, and to one viewer with its own questions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "event.h"
#include "idset.h"
#include "member.h"
#include "render.h"
#include "util.h"

static struct event *
ev(const char *json)
{
	struct event *e = event_parse(json, strlen(json));

	assert_non_null(e);
	return e;
}

#define Q(id, status, votes) "{\"id\":" #id ",\"text\":\"t\",\"name\":null,\"status\":\"" status \
	"\",\"votes\":" #votes ",\"author\":\"u1\",\"flags\":[]}"

/* Renders evs for a view (and a viewer); returns the bytes (static buffer). */
static const char *
out(struct event **evs, size_t n, enum view view, const struct marks *who, size_t *count)
{
	static char buf[8192];
	struct sbuf b = { 0 };

	sbuf_init(&b, 256);
	*count = render_events(&b, evs, n, view, who, evs[n - 1]->seq);
	snprintf(buf, sizeof(buf), "%s", b.data);
	sbuf_free(&b);
	return buf;
}

static void
coalesces_to_the_last_state(void **state)
{
	struct event *evs[4];
	const char *s;
	size_t n, i;

	(void)state;
	evs[0] = ev("{\"seq\":1,\"op\":\"upsert\",\"was\":\"approved\",\"q\":" Q(5, "approved", 1) "}");
	evs[1] = ev("{\"seq\":2,\"op\":\"upsert\",\"was\":\"approved\",\"q\":" Q(5, "approved", 2) "}");
	evs[2] = ev("{\"seq\":3,\"op\":\"room\",\"room\":{\"id\":\"r\",\"open\":true}}");
	evs[3] = ev("{\"seq\":4,\"op\":\"room\",\"room\":{\"id\":\"r\",\"open\":false}}");
	s = out(evs, 4, VIEW_PUBLIC, NULL, &n);
	assert_int_equal(n, 2);
	assert_non_null(strstr(s, "\"type\":\"batch\",\"seq\":4"));
	assert_non_null(strstr(s, "\"votes\":2"));
	assert_null(strstr(s, "\"votes\":1"));
	assert_non_null(strstr(s, "\"open\":false"));
	assert_null(strstr(s, "\"open\":true"));
	/* Moderator fields are not public. */
	assert_null(strstr(s, "author"));
	/* One event alone is sent as itself, not as a batch. */
	s = out(&evs[1], 1, VIEW_FULL, NULL, &n);
	assert_int_equal(n, 1);
	assert_true(strncmp(s, "{\"type\":\"event\",\"seq\":2,\"op\":\"upsert\"", 37) == 0);
	assert_non_null(strstr(s, "\"author\":\"u1\""));
	for (i = 0; i < 4; i++)
		event_unref(evs[i]);
}

static void
public_view_sees_only_public_questions(void **state)
{
	struct event *evs[3];
	const char *s;
	size_t n, i;

	(void)state;
	/* 7: new and pending; 8: approved then rejected; 9: rejected, never public. */
	evs[0] = ev("{\"seq\":1,\"op\":\"upsert\",\"was\":\"\",\"q\":" Q(7, "pending", 1) "}");
	evs[1] = ev("{\"seq\":2,\"op\":\"upsert\",\"was\":\"approved\",\"q\":" Q(8, "rejected", 1) "}");
	evs[2] = ev("{\"seq\":3,\"op\":\"upsert\",\"was\":\"pending\",\"q\":" Q(9, "rejected", 1) "}");
	s = out(evs, 3, VIEW_PUBLIC, NULL, &n);
	assert_int_equal(n, 1);
	assert_string_equal(s, "{\"type\":\"event\",\"seq\":2,\"op\":\"remove\",\"id\":8}");
	s = out(evs, 3, VIEW_FULL, NULL, &n);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++)
		event_unref(evs[i]);
}

static void
approved_then_rejected_within_a_batch(void **state)
{
	struct event *evs[2];
	size_t n;

	(void)state;
	/* Pending → approved → rejected in one batch: the public never saw it. */
	evs[0] = ev("{\"seq\":1,\"op\":\"upsert\",\"was\":\"pending\",\"q\":" Q(4, "approved", 1) "}");
	evs[1] = ev("{\"seq\":2,\"op\":\"upsert\",\"was\":\"approved\",\"q\":" Q(4, "rejected", 1) "}");
	out(evs, 2, VIEW_PUBLIC, NULL, &n);
	assert_int_equal(n, 0);
	event_unref(evs[0]);
	event_unref(evs[1]);
}

static void
a_viewer_sees_its_own(void **state)
{
	struct idset mine = { 0 }, voted = { 0 };
	struct marks who = { &mine, &voted, NULL };
	struct event *evs[2];
	const char *s;
	size_t n;

	(void)state;
	idset_add(&mine, 7);
	idset_add(&voted, 7);
	evs[0] = ev("{\"seq\":1,\"op\":\"upsert\",\"was\":\"\",\"q\":" Q(7, "pending", 1) "}");
	evs[1] = ev("{\"seq\":2,\"op\":\"remove\",\"id\":7,\"was\":\"pending\",\"into\":3}");
	s = out(evs, 1, VIEW_PUBLIC, &who, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(s, "\"mine\":true"));
	assert_non_null(strstr(s, "\"voted\":true"));
	assert_null(strstr(s, "author"));
	s = out(evs, 2, VIEW_PUBLIC, &who, &n);
	assert_int_equal(n, 1);
	assert_string_equal(s, "{\"type\":\"event\",\"seq\":2,\"op\":\"remove\",\"id\":7,\"into\":3}");
	event_unref(evs[0]);
	event_unref(evs[1]);
	idset_free(&mine);
	idset_free(&voted);
}

static void
own_words_instead_of_anothers(void **state)
{
	struct idset mine = { 0 }, voted = { 0 };
	long long ids[1] = { 7 };
	char words[] = "{\"text\":\"мои слова\",\"name\":null,\"created\":5}";
	char *json[1] = { words };
	struct ownviews own = { ids, json, 1, 1 };
	struct marks who = { &mine, &voted, &own };
	struct event *evs[2];
	const char *s;
	size_t n;

	(void)state;
	idset_add(&mine, 7);
	/* Question 7 is another resident's, pending, with a name: the viewer sees only its own words. */
	evs[0] = ev("{\"seq\":1,\"op\":\"upsert\",\"was\":\"\",\"q\":{\"id\":7,\"text\":\"чужой текст\","
	    "\"name\":\"Айгүл 8 701 234 56 78\",\"status\":\"pending\",\"votes\":3,\"updated\":9}}");
	s = out(evs, 1, VIEW_PUBLIC, &who, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(s, "мои слова"));
	assert_null(strstr(s, "чужой"));
	assert_null(strstr(s, "Айгүл"));
	assert_non_null(strstr(s, "\"votes\":1"));
	/* Once public, everyone (the viewer too) reads the question itself. */
	evs[1] = ev("{\"seq\":2,\"op\":\"upsert\",\"was\":\"pending\",\"q\":{\"id\":7,\"text\":\"чужой текст\","
	    "\"name\":null,\"status\":\"approved\",\"votes\":3,\"updated\":9}}");
	s = out(&evs[1], 1, VIEW_PUBLIC, &who, &n);
	assert_non_null(strstr(s, "чужой текст"));
	event_unref(evs[0]);
	event_unref(evs[1]);
	idset_free(&mine);
}

static void
keys_events_are_for_hubs(void **state)
{
	struct event *e = ev("{\"seq\":9,\"op\":\"keys\",\"which\":\"both\",\"by\":\"c\",\"modver\":2,\"presver\":2}");
	size_t n;

	(void)state;
	out(&e, 1, VIEW_FULL, NULL, &n);
	assert_int_equal(n, 0);
	assert_int_equal(e->modver, 2);
	event_unref(e);
	/* Events without what their op needs are refused whole. */
	assert_null(event_parse("{\"seq\":1,\"op\":\"upsert\"}", 23));
	assert_null(event_parse("{\"seq\":0,\"op\":\"room\",\"room\":{}}", 32));
	assert_null(event_parse("{\"seq\":1,\"op\":\"nope\"}", 22));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(coalesces_to_the_last_state),
		cmocka_unit_test(public_view_sees_only_public_questions),
		cmocka_unit_test(approved_then_rejected_within_a_batch),
		cmocka_unit_test(a_viewer_sees_its_own),
		cmocka_unit_test(own_words_instead_of_anothers),
		cmocka_unit_test(keys_events_are_for_hubs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
