/*
 * rooms: the registry of rooms and the life of each: subscription, copy,
 * members.
 *
 * Subscription before snapshot: a room's copy is loaded by the snapshot
 * script only after the SUBSCRIBE to its channel is confirmed, so no event
 * can fall between the two; events that arrive while the snapshot loads
 * are kept (early) and applied after it, skipping those it already holds.
 * Every event carries the room's seq; a gap means events were lost (the
 * subscriber connection dropped) and the room is reloaded, its members
 * caught up from the kept history or, failing that, sent fresh welcomes.
 *
 * Lifetime: a room lives while it has members, plus a linger so that a
 * reconnecting crowd does not make the hub unsubscribe and reload. It is
 * freed only when unsubscribed with no Redis reply pending for it.
 */
#include "rooms.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "event.h"
#include "fanout.h"
#include "log.h"
#include "lookup.h"
#include "map.h"
#include "merge.h"
#include "metrics.h"
#include "msg.h"
#include "presence.h"
#include "proto.h"
#include "room.h"
#include "roster.h"
#include "store.h"
#include "util.h"
#include "welcome.h"

#define MAINT_MS 250
#define LINGER_MS 15000		/* an empty room stays subscribed this long */
#define RETRY_MS 500		/* between snapshot attempts */
#define JOIN_TIMEOUT_MS 15000	/* a member waits this long for its welcome */
#define SNAPSHOT_CHUNK 500	/* questions per snapshot call: each well under 50 ms of Redis */
/*
 * Welcomes sent per room per turn of the loop: when a room's copy arrives
 * with thousands waiting, they are welcomed over several turns, with
 * Redis replies and fan-out served in between.
 */
#define WELCOMES_PER_TURN 256
/*
 * Keys of a loaded copy whose bands are computed per turn of the loop
 * while its index is being built (lookup_work(); some 10 µs each), from
 * the first ask into the room on: a room of 20,000 questions has its
 * index a fraction of a second later, its asks served by the candidates
 * script meanwhile, and a room no one asks in never pays.
 */
#define INDEX_SLICE 128

const struct member_ops *room_ops;
const struct config *room_cfg;

static struct {
	struct map *rooms;
	uv_timer_t maint;
	uv_idle_t serve;	/* runs while a room has members still to welcome */
	uv_idle_t index;	/* runs while a room's near-duplicate index is being built */
} R;

static void load(struct room *rm);
static void on_snapshot(void *arg, redisReply *r);

/* ---- small helpers ---- */

void
evlist_push(struct evlist *l, struct event *ev)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = event_ref(ev);
}

void
evlist_clear(struct evlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		event_unref(l->v[i]);
	l->n = 0;
}

static void
evlist_free(struct evlist *l)
{
	evlist_clear(l);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void
room_send_list(struct member *head, struct msg *m)
{
	struct member *mb;

	for (mb = head; mb; mb = mb->next)
		room_ops->send(mb, m);
}

static int
has_live(const struct room *rm)
{
	int r;

	for (r = 0; r < ROLE_COUNT; r++)
		if (rm->live[r])
			return 1;
	return 0;
}

/* ---- lifetime ---- */

static struct room *
room_new(const char *id)
{
	struct room *rm = xcalloc(1, sizeof(*rm));

	snprintf(rm->id, sizeof(rm->id), "%s", id);
	copy_init(&rm->copy, (size_t)room_cfg->history);
	rm->by_client = map_new();
	rm->by_qid = map_new();
	rm->empty_since = now_ms();
	rm->viewers = -1;
	map_put(R.rooms, id, rm);
	metrics.rooms = map_count(R.rooms);
	return rm;
}

/* A Redis reply still points at the room: it must not be freed yet. */
static int
busy(const struct room *rm)
{
	return rm->loading || rm->presence_pending;
}

static void
room_free(struct room *rm)
{
	map_del(R.rooms, rm->id);
	metrics.rooms = map_count(R.rooms);
	fanout_forget(rm);
	if (rm->next) {
		copy_free(rm->next);
		free(rm->next);
	}
	evlist_free(&rm->batch);
	evlist_free(&rm->early);
	copy_free(&rm->copy);
	welcome_drop_caches(rm);
	roster_free_index(rm->by_client);
	roster_free_index(rm->by_qid);
	free(rm->staff);
	free(rm);
}

/* ---- members ---- */

static void
subscribe(struct room *rm)
{
	if (rm->sub != SUB_NONE)
		return;
	if (store_subscribe(rm->id) == 0)
		rm->sub = SUB_PENDING;
}

static int
usable(const struct room *rm)
{
	return rm->copy.ready && rm->sub == SUB_ON && !rm->loading;
}

static void on_serve(uv_idle_t *h);

/* Welcomes the waiting members, once the copy is usable; the rest next turn. */
static void
serve_waiting(struct room *rm)
{
	struct member *m;
	int n = 0;

	if (!usable(rm))
		return;
	/* Joiners start from the state everyone else has been sent. */
	if (rm->waiting && rm->batch.n > 0)
		fanout_flush(rm);
	while ((m = rm->waiting) != NULL) {
		if (n++ == WELCOMES_PER_TURN) {
			uv_idle_start(&R.serve, on_serve);
			return;
		}
		/*
		 * Admitted with a key the room has replaced since (the rotation
		 * raced its hello, or this hub loaded the room after it): closed,
		 * whichever hub it is on.
		 */
		if ((m->keykind == KEY_MODERATOR && m->keyver < rm->copy.modver) ||
		    (m->keykind == KEY_PRESENTER && m->keyver < rm->copy.presver)) {
			rooms_leave(m);
			room_ops->fail(m, "auth_failed", "the room's keys were replaced", 4001, "keys rotated");
			continue;
		}
		roster_list_del(&rm->waiting, m);
		welcome_send(rm, m, 1);
		roster_list_add(&rm->live[m->role], m);
		m->live = 1;
		rm->count[m->role]++;
		room_ops->live(m);
		if (m->role == ROLE_MODERATOR)
			presence_send(rm, m);
		if (m->staff_name[0])
			rm->presence_at = 0;	/* who moderates now: told at the next report */
	}
}

void
rooms_join(struct member *m, const char *id)
{
	struct room *rm = map_get(R.rooms, id);

	if (rm == NULL)
		rm = room_new(id);
	m->room = rm;
	m->live = 0;
	if (rm->nmembers++ == 0 || rm->waiting == NULL)
		rm->waiting_since = now_ms();
	roster_list_add(&rm->waiting, m);
	roster_index(rm, m, 1);
	subscribe(rm);
	serve_waiting(rm);
}

void
rooms_leave(struct member *m)
{
	struct room *rm = m->room;

	if (rm == NULL)
		return;
	if (m->live) {
		roster_list_del(&rm->live[m->role], m);
		rm->count[m->role]--;
		if (m->staff_name[0])
			rm->presence_at = 0;
	} else
		roster_list_del(&rm->waiting, m);
	roster_index(rm, m, 0);
	m->room = NULL;
	m->live = 0;
	if (--rm->nmembers == 0)
		rm->empty_since = now_ms();
}

void
rooms_add_mine(struct member *m, long long id)
{
	roster_add_mine(m, id);
}

void
rooms_set_voted(struct member *m, long long id, int on)
{
	roster_set_voted(m, id, on);
}

void
rooms_set_own(struct member *m, long long id, const char *json)
{
	roster_set_own(m, id, json);
}

void
rooms_member_free(struct member *m)
{
	roster_free_own(m);
	idset_free(&m->mine);
	idset_free(&m->voted);
}

int
rooms_resync(struct member *m)
{
	if (m->room == NULL || !m->live)
		return -1;
	room_ops->reset(m);
	metrics.slow_resyncs++;
	welcome_send(m->room, m, 0);
	return 0;
}

const char *
rooms_title(const struct member *m)
{
	const char *t = m->room && m->room->copy.meta ?
	    json_string_value(json_object_get(m->room->copy.meta, "title")) : NULL;

	return t ? t : "";
}

int
rooms_write_question(struct member *m, long long id, struct sbuf *out)
{
	json_t *q;

	if (m->room == NULL)
		return -1;
	q = copy_question(&m->room->copy, id);
	if (q == NULL || (!proto_status_public(json_string_value(json_object_get(q, "status"))) &&
	    !idset_has(&m->mine, id)))
		return -1;
	proto_write_question(out, q, VIEW_PUBLIC, idset_has(&m->mine, id), idset_has(&m->voted, id));
	return 0;
}

int
rooms_page(struct member *m, int newest, size_t offset, size_t limit, struct sbuf *out)
{
	if (m->room == NULL || !m->room->copy.ready)
		return -1;
	welcome_page(m->room, m, newest, offset, limit, out);
	return 0;
}

/* Another slice of every index wanted and not built yet. */
static void
on_index(uv_idle_t *h)
{
	struct room *rm;
	size_t pos = 0;
	int more = 0;

	while ((rm = map_next(R.rooms, &pos, NULL)) != NULL) {
		uint64_t t0;

		if (!rm->index_wanted || !rm->copy.ready || lookup_pending(rm->copy.lookup) == 0)
			continue;
		t0 = now_us();
		if (lookup_work(rm->copy.lookup, INDEX_SLICE) > 0) {
			rm->index_us += now_us() - t0;
			more = 1;
			continue;
		}
		rm->index_us += now_us() - t0;
		log_info("room %s: near-duplicate index built, questions up to #%lld, in %.1f ms of work",
		    rm->id, lookup_last(rm->copy.lookup), (double)rm->index_us / 1000);
		rm->index_us = 0;
	}
	if (!more)
		uv_idle_stop(h);
}

int
rooms_lookup(const char *id, const char *bands, struct lookup_cand *out, size_t max, size_t *n,
    long long *last)
{
	struct room *rm = map_get(R.rooms, id);

	if (rm == NULL || rm->sub != SUB_ON || !rm->copy.ready)
		return -1;
	rm->index_wanted = 1;
	if (lookup_pending(rm->copy.lookup) > 0) {
		uv_idle_start(&R.index, on_index);
		return -1;
	}
	*n = lookup_find(rm->copy.lookup, bands, out, max);
	*last = lookup_last(rm->copy.lookup);
	return 0;
}

int
rooms_copy_at(const char *id, uint64_t seq)
{
	struct room *rm = map_get(R.rooms, id);

	return rm == NULL || !rm->copy.ready || rm->copy.seq >= seq;
}

size_t
rooms_count(void)
{
	return map_count(R.rooms);
}

/* Sends an error to every member of a list, closes them and lets them go. */
static void
fail_list(struct member **head, const char *code, const char *message)
{
	struct member *m;

	while ((m = *head) != NULL) {
		rooms_leave(m);
		room_ops->fail(m, code, message, 1011, message);
	}
}

static void
fail_members(struct room *rm, const char *code, const char *message)
{
	int r;

	fail_list(&rm->waiting, code, message);
	for (r = 0; r < ROLE_COUNT; r++)
		fail_list(&rm->live[r], code, message);
}

/* ---- events ---- */

/*
 * What an applied event changes for the room's members. `gone` is the
 * question a remove took out of the copy (NULL otherwise).
 */
static void
on_applied(struct room *rm, struct event *ev, json_t *gone)
{
	if (ev->op == EV_REMOVE && ev->into > 0)
		/* The askers of a merged question now asked its target, in their own words. */
		roster_merged(rm, ev->qid, ev->into, gone);
	else if (ev->op == EV_KEYS)
		roster_close_stale_keys(rm, ev);
	if (ev->mine)
		roster_add_mine_for_client(rm, ev->mine, ev->qid, ev->own);
}

/* Applies one event to the copy; 0, or -1 on a gap (a reload is started). */
static int
apply(struct room *rm, struct event *ev)
{
	json_t *gone = ev->op == EV_REMOVE ? json_incref(copy_question(&rm->copy, ev->qid)) : NULL;
	enum copy_apply r = copy_apply(&rm->copy, ev);

	if (r != COPY_APPLIED)
		json_decref(gone);
	switch (r) {
	case COPY_STALE:
		return 0;
	case COPY_GAP:
		log_warn("room %s: events %llu..%lld missed; reloading", rm->id,
		    (unsigned long long)rm->copy.seq + 1, ev->seq - 1);
		rm->reload = 1;
		if (!rm->loading)
			load(rm);
		return -1;
	case COPY_APPLIED:
		break;
	}
	on_applied(rm, ev, gone);
	json_decref(gone);
	fanout_add(rm, ev);
	return 0;
}

/* ---- loading ---- */

static void
resync_all(struct room *rm)
{
	struct member *m;
	int r;

	for (r = 0; r < ROLE_COUNT; r++)
		for (m = rm->live[r]; m; m = m->next)
			rooms_resync(m);
}

/*
 * After a reload of a room with live members: catch them up with what
 * they missed from the kept history, or, if it does not reach back to
 * what they were sent, give them fresh welcomes.
 */
static void
catch_up(struct room *rm, uint64_t old_seq, int same_epoch)
{
	long from = same_epoch && old_seq < rm->copy.seq ? copy_after(&rm->copy, old_seq) : -1;
	size_t i;

	if (from < 0) {
		log_info("room %s: history does not cover the gap; resyncing members", rm->id);
		fanout_discard(rm);
		resync_all(rm);
		return;
	}
	for (i = (size_t)from; i < rm->copy.ring_len; i++) {
		struct event *ev = copy_event(&rm->copy, i);

		if (ev->mine)
			roster_add_mine_for_client(rm, ev->mine, ev->qid, ev->own);
		if (ev->op == EV_REMOVE && ev->into > 0)
			roster_merged(rm, ev->qid, ev->into, NULL);
		fanout_add(rm, ev);
	}
}

/* The next chunk of the snapshot the room is loading into rm->next. */
static int
load_chunk(struct room *rm)
{
	char after[24], limit[16];
	const char *args[SNAPSHOT_NARGS] = { [SNAPSHOT_AFTER] = after, [SNAPSHOT_LIMIT] = limit };

	snprintf(after, sizeof(after), "%lld", rm->next_after);
	snprintf(limit, sizeof(limit), "%d", SNAPSHOT_CHUNK);
	return store_run(SCRIPT_SNAPSHOT, rm->id, args, on_snapshot, rm, NULL) == STORE_SENT ? 0 : -1;
}

static void
load_failed(struct room *rm)
{
	rm->loading = 0;
	if (rm->next) {
		copy_free(rm->next);
		free(rm->next);
		rm->next = NULL;
	}
	rm->retry_at = now_ms() + RETRY_MS;
}

/*
 * A chunk of the snapshot: loaded into a copy of its own, which replaces
 * the live one only once complete, so the live copy serves welcomes all
 * along.
 */
static void
on_snapshot(void *arg, redisReply *r)
{
	struct room *rm = arg;
	uint64_t old_seq = rm->copy.seq;
	int was_ready = rm->copy.ready, first = rm->next_after == 0, done;
	char old_epoch[sizeof(rm->copy.epoch)];
	const redisReply *merging;
	long long next = 0;
	size_t i;

	if (rm->sub != SUB_ON || r == NULL) {
		load_failed(rm);	/* unsubscribed meanwhile (maintenance decides), or no answer */
		return;
	}
	if (!store_reply_ok(r)) {
		const char *msg;
		long long retry;
		const char *code = store_reply_err(r, &msg, &retry);

		log_warn("room %s: snapshot failed: %s", rm->id, code);
		load_failed(rm);
		if (strcmp(code, "no_room") == 0)
			fail_members(rm, "no_room", "the room no longer exists");
		return;
	}
	if ((done = copy_load_chunk(rm->next, r, first, &next)) < 0) {
		log_warn("room %s: snapshot not usable (malformed, or the room moved too fast); loading again", rm->id);
		load_failed(rm);
		return;
	}
	if (done == 0) {
		rm->next_after = next;
		if (load_chunk(rm) < 0)
			load_failed(rm);
		return;
	}
	/* Complete: merges a hub left unfinished go on (merge.h); the copy replaces the live one. */
	merging = store_reply_array(r, SNAPSHOT_R_MERGING);
	for (i = 0; merging && i < merging->elements; i++)
		if (merging->element[i]->type == REDIS_REPLY_STRING)
			merge_finish(rm->id, merging->element[i]->str);
	memcpy(old_epoch, rm->copy.epoch, sizeof(old_epoch));
	copy_free(&rm->copy);
	rm->copy = *rm->next;
	free(rm->next);
	rm->next = NULL;
	rm->loading = 0;
	rm->reload = 0;
	welcome_drop_caches(rm);
	if (was_ready && has_live(rm) && rm->copy.seq != old_seq)
		catch_up(rm, old_seq, strcmp(old_epoch, rm->copy.epoch) == 0);
	/* Events that arrived during the load, in order. */
	for (i = 0; i < rm->early.n; i++)
		if (apply(rm, rm->early.v[i]) < 0)
			break;
	evlist_clear(&rm->early);
	if (rm->reload && !rm->loading)
		load(rm);
	serve_waiting(rm);
}

static void
load(struct room *rm)
{
	if (rm->loading || rm->sub != SUB_ON)
		return;
	rm->reload = 0;
	rm->next = xcalloc(1, sizeof(*rm->next));
	copy_init(rm->next, (size_t)room_cfg->history);
	rm->next_after = 0;
	rm->loading = 1;
	if (load_chunk(rm) < 0)
		load_failed(rm);
}

/* ---- store hooks ---- */

void
rooms_on_event(const char *room, const char *payload, size_t len)
{
	struct room *rm = map_get(R.rooms, room);
	struct event *ev;

	metrics.events++;
	if (rm == NULL || rm->sub != SUB_ON)
		return;
	if ((ev = event_parse(payload, len)) == NULL) {
		log_warn("room %s: unparseable event ignored", room);
		return;
	}
	if (rm->loading || !rm->copy.ready) {
		if (rm->early.n >= (size_t)room_cfg->history) {
			evlist_clear(&rm->early);	/* the reload will cover them */
			rm->reload = 1;
		}
		evlist_push(&rm->early, ev);
	} else
		apply(rm, ev);
	event_unref(ev);
}

void
rooms_on_subscribed(const char *room)
{
	struct room *rm = map_get(R.rooms, room);

	if (rm == NULL || rm->sub != SUB_PENDING)
		return;
	rm->sub = SUB_ON;
	load(rm);
}

void
rooms_on_unsubscribed(const char *room)
{
	struct room *rm = map_get(R.rooms, room);

	if (rm == NULL || rm->sub != SUB_LEAVING)
		return;
	rm->sub = SUB_NONE;
	rm->copy.ready = 0;
	if (rm->nmembers == 0 && !busy(rm))
		room_free(rm);
}

void
rooms_on_sub_ready(void)
{
	struct room *rm;
	size_t pos = 0;

	while ((rm = map_next(R.rooms, &pos, NULL)) != NULL)
		if (rm->nmembers > 0)
			subscribe(rm);
}

void
rooms_on_lost(const char *room)
{
	struct room *rm = map_get(R.rooms, room);

	if (rm == NULL)
		return;
	/* Subscribed again by the maintenance timer if it has members; the copy is then reloaded. */
	rm->sub = SUB_NONE;
	evlist_clear(&rm->early);
	if (rm->nmembers == 0 && !busy(rm))
		room_free(rm);
}

/* Another slice of welcomes, for every room with members still waiting. */
static void
on_serve(uv_idle_t *h)
{
	struct room *rm;
	size_t pos = 0;

	uv_idle_stop(h);
	while ((rm = map_next(R.rooms, &pos, NULL)) != NULL)
		if (rm->waiting)
			serve_waiting(rm);	/* restarts the idle handle if some remain */
}

/* ---- maintenance ---- */

static void
on_maint(uv_timer_t *t)
{
	uint64_t now = now_ms();
	struct room *rm;
	size_t pos = 0;

	(void)t;
	while ((rm = map_next(R.rooms, &pos, NULL)) != NULL) {
		if (rm->nmembers > 0) {
			subscribe(rm);
			presence_report(rm, now);
			if (rm->sub == SUB_ON && !rm->loading && (!rm->copy.ready || rm->reload) &&
			    now >= rm->retry_at)
				load(rm);
			if (rm->waiting && now - rm->waiting_since > JOIN_TIMEOUT_MS)
				fail_list(&rm->waiting, "unavailable", "the room could not be loaded in time");
			continue;
		}
		if (now - rm->empty_since < LINGER_MS || busy(rm))
			continue;
		if (rm->sub == SUB_ON) {
			if (store_unsubscribe(rm->id) == 0) {
				rm->sub = SUB_LEAVING;
				rm->copy.ready = 0;
			}
		} else if (rm->sub == SUB_NONE)
			room_free(rm);
	}
}

int
rooms_init(uv_loop_t *loop, const struct config *cfg, const struct member_ops *ops)
{
	memset(&R, 0, sizeof(R));
	room_cfg = cfg;
	room_ops = ops;
	R.rooms = map_new();
	fanout_init(loop);
	uv_timer_init(loop, &R.maint);
	uv_timer_start(&R.maint, on_maint, MAINT_MS, MAINT_MS);
	uv_idle_init(loop, &R.serve);
	uv_idle_init(loop, &R.index);
	return 0;
}

void
rooms_shutdown(void)
{
	struct room *rm;
	size_t pos = 0;

	uv_timer_stop(&R.maint);
	uv_close((uv_handle_t *)&R.maint, NULL);
	uv_idle_stop(&R.serve);
	uv_close((uv_handle_t *)&R.serve, NULL);
	uv_idle_stop(&R.index);
	uv_close((uv_handle_t *)&R.index, NULL);
	fanout_shutdown();
	while ((rm = map_next(R.rooms, &pos, NULL)) != NULL)
		room_free(rm);
	map_free(R.rooms);
	R.rooms = NULL;
}
