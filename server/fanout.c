/*
 * fanout: see fanout.h.
 *
 * The dirty list holds the rooms with a batch to send. Flushes run from a
 * uv_check (right after the poll that delivered the events) and, for a
 * room whose pace does not allow a flush yet, from a timer armed for the
 * earliest such room.
 */
#include "fanout.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "event.h"
#include "map.h"
#include "msg.h"
#include "render.h"
#include "room.h"
#include "util.h"

static struct {
	uv_timer_t timer;
	uv_check_t check;
	struct room *dirty;
} F;

static uint64_t
tick_us(void)
{
	return (uint64_t)room_cfg->tick_ms * 1000;
}

void
fanout_forget(struct room *rm)
{
	struct room **p;

	if (!rm->dirty)
		return;
	for (p = &F.dirty; *p; p = &(*p)->dirty_next)
		if (*p == rm) {
			*p = rm->dirty_next;
			break;
		}
	rm->dirty = 0;
}

/* The events rendered once for `view`, to every live member of the roles with that view. */
static void
send_view(struct room *rm, enum view view, long long wm)
{
	struct sbuf b = { 0 };
	struct msg *m;
	int r, any = 0;

	for (r = 0; r < ROLE_COUNT; r++)
		any |= rm->live[r] && role_view((enum role)r) == view;
	if (!any)
		return;
	sbuf_init(&b, 1024);
	if (render_events(&b, rm->batch.v, rm->batch.n, view, NULL, wm) > 0) {
		m = msg_from_sbuf(&b);
		for (r = 0; r < ROLE_COUNT; r++)
			if (role_view((enum role)r) == view)
				room_send_list(rm->live[r], m);
		msg_unref(m);
	}
	sbuf_free(&b);
}

/*
 * A viewer's own question that is not public (pending, rejected, merged
 * away) is not in the shared batch: its last event goes to its askers.
 */
static void
send_personal(struct room *rm, long long wm)
{
	struct map *done = map_new();
	char key[24];
	size_t i, j;

	for (i = rm->batch.n; i-- > 0;) {
		struct event *ev = rm->batch.v[i];
		struct mlist *l;

		if (ev->op != EV_UPSERT && ev->op != EV_REMOVE)
			continue;
		snprintf(key, sizeof(key), "%lld", ev->qid);
		if (map_get(done, key))
			continue;	/* only the question's last event counts */
		map_put(done, key, ev);
		if (ev->op == EV_UPSERT && ev->now_public)
			continue;
		if ((l = map_get(rm->by_qid, key)) == NULL)
			continue;
		for (j = 0; j < l->n; j++) {
			struct member *mb = l->v[j];
			struct marks who = { &mb->mine, &mb->voted, &mb->own };
			struct sbuf b = { 0 };

			if (!mb->live)
				continue;
			sbuf_init(&b, 512);
			if (render_events(&b, &ev, 1, VIEW_PUBLIC, &who, wm) > 0) {
				struct msg *m = msg_from_sbuf(&b);

				room_ops->send(mb, m);
				msg_unref(m);
			}
			sbuf_free(&b);
		}
	}
	map_free(done);
}

void
fanout_flush(struct room *rm)
{
	uint64_t start = now_us();
	long long wm;

	fanout_forget(rm);
	if (rm->batch.n > 0) {
		wm = rm->batch.v[rm->batch.n - 1]->seq;
		send_view(rm, VIEW_FULL, wm);
		send_view(rm, VIEW_PUBLIC, wm);
		if (rm->live[ROLE_VIEWER])
			send_personal(rm, wm);
		evlist_clear(&rm->batch);
	}
	pace_flushed(&rm->pace, start, now_us() - start, tick_us());
}

void
fanout_discard(struct room *rm)
{
	evlist_clear(&rm->batch);
}

static void on_timer(uv_timer_t *t);

static void
arm_timer(void)
{
	uint64_t now = now_us(), due = UINT64_MAX;
	struct room *rm;

	for (rm = F.dirty; rm; rm = rm->dirty_next) {
		uint64_t t = pace_allowed_at(&rm->pace, tick_us());

		if (t < due)
			due = t;
	}
	if (due == UINT64_MAX) {
		uv_check_stop(&F.check);
		return;
	}
	/* libuv timers count whole milliseconds: round up, never early. */
	uv_timer_start(&F.timer, on_timer, due > now ? (due - now + 999) / 1000 : 0, 0);
}

static void
flush_due(void)
{
	uint64_t now = now_us();
	struct room *rm, *next;

	for (rm = F.dirty; rm; rm = next) {
		next = rm->dirty_next;
		if (now >= pace_allowed_at(&rm->pace, tick_us()))
			fanout_flush(rm);
	}
	arm_timer();
}

static void
on_check(uv_check_t *h)
{
	(void)h;
	flush_due();
}

static void
on_timer(uv_timer_t *t)
{
	(void)t;
	flush_due();
}

void
fanout_add(struct room *rm, struct event *ev)
{
	evlist_push(&rm->batch, ev);
	if (rm->dirty)
		return;
	rm->dirty = 1;
	rm->dirty_next = F.dirty;
	F.dirty = rm;
	uv_check_start(&F.check, on_check);
}

void
fanout_init(uv_loop_t *loop)
{
	memset(&F, 0, sizeof(F));
	uv_timer_init(loop, &F.timer);
	uv_check_init(loop, &F.check);
}

void
fanout_shutdown(void)
{
	uv_timer_stop(&F.timer);
	uv_check_stop(&F.check);
	uv_close((uv_handle_t *)&F.timer, NULL);
	uv_close((uv_handle_t *)&F.check, NULL);
	F.dirty = NULL;
}
