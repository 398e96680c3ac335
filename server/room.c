/*
 * room: the in-memory copy of each room that has sessions on this hub, and
 * the fan-out of its events.
 *
 * A room's copy is a cache of Redis, never a source of truth. It is loaded
 * by the snapshot script after the SUBSCRIBE to the room's channel is
 * confirmed, so no event can fall between the two: events that arrive
 * while the snapshot loads are buffered and applied after it, skipping
 * those it already contains. Every event carries the room's seq, which
 * grows by one per change; a gap means events were lost (the subscriber
 * connection dropped) and the room is reloaded, its sessions caught up
 * from the kept history or, failing that, sent a fresh snapshot.
 *
 * Fan-out: events are collected per room and sent right after the poll
 * that delivered them, at most one batch per tick (--tick-ms) on average:
 * a room's flushes are paced by GCRA (a virtual schedule that advances one
 * tick per flush, with one tick of tolerance), so changes that come no
 * faster than one a tick go out at once whatever their phase, and faster
 * ones are coalesced, one batch a tick. Each batch
 * is serialised once per view (moderator; viewer and presenter share the
 * public one) and the same bytes are queued for every session of that
 * view. Only what concerns one viewer alone (its own questions while they
 * are not public) is serialised per session.
 *
 * Lifetime: a room lives while it has sessions, plus a short linger so a
 * reconnecting crowd does not make the hub unsubscribe and reload. A room
 * is freed only when it is unsubscribed and no snapshot is in flight.
 */
#include "room.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "map.h"
#include "metrics.h"
#include "msg.h"
#include "proto.h"
#include "session.h"
#include "store.h"
#include "util.h"

#define MAINT_MS 250
#define LINGER_MS 15000		/* an empty room stays subscribed this long */
#define RETRY_MS 500		/* between snapshot attempts */
#define JOIN_TIMEOUT_MS 15000	/* a session waits this long for its welcome */
#define PRESENCE_MS 5000	/* how often a hub reports its viewers of a room */
#define PRESENCE_STALE_MS 15000	/* a report older than this no longer counts */

enum sub_state { SUB_NONE, SUB_PENDING, SUB_ON, SUB_LEAVING };
enum { NVIEWS = 3 };		/* welcome caches: viewer, moderator, presenter */

struct slist {
	struct session **v;
	size_t n, cap;
};

struct room {
	char id[PROTO_ID_LEN + 1];
	struct session *live[NVIEWS];	/* by role */
	unsigned count[NVIEWS];		/* sessions in each live list */
	struct session *waiting;	/* admitted, awaiting the copy */
	unsigned nsessions;
	uint64_t empty_since;
	uint64_t waiting_since;

	enum sub_state sub;
	int loading;			/* a snapshot request is in flight */
	int ready;			/* the copy is valid up to seq */
	int reload;			/* reload after the current load */
	uint64_t retry_at;

	uint64_t seq;
	char epoch[PROTO_ID_LEN + 1];
	json_t *meta;			/* the room object */
	json_t *qs;			/* "id" → question, moderator view */

	json_t **ring;			/* the last events, oldest first */
	size_t ring_start, ring_len;
	json_t *early;			/* events received while loading */
	json_t *batch;			/* events not yet fanned out */
	uint64_t flush_tat;		/* GCRA: µs when the next flush is "due" */
	int dirty;
	struct room *dirty_next;

	struct msg *welcome[NVIEWS];	/* shared full welcomes, valid at welcome_seq */
	uint64_t welcome_seq[NVIEWS];
	json_t **ranked;		/* public questions in rank order */
	size_t nranked;
	uint64_t ranked_seq;
	int ranked_valid;

	struct map *by_client;		/* client id → slist of viewer sessions */
	struct map *by_qid;		/* question id → slist of viewers who asked it */

	uint64_t presence_at;		/* when this hub last reported its viewers */
	int presence_pending;		/* a report is in flight */
	long long viewers;		/* viewers across every hub, -1 until known */
};

static struct {
	uv_loop_t *loop;
	const struct config *cfg;
	struct map *rooms;
	uv_timer_t maint;
	uv_timer_t flush_timer;
	uv_check_t flush_check;
	struct room *dirty;
	int sub_ready;
} R;

static void load(struct room *rm);
static void flush(struct room *rm);
static void on_flush_timer(uv_timer_t *t);
static void send_stats(struct room *rm, struct session *s);

/* ---- small helpers ---- */

static void
slist_add(struct map *m, const char *key, struct session *s)
{
	struct slist *l = map_get(m, key);
	size_t i;

	if (l == NULL) {
		l = xcalloc(1, sizeof(*l));
		map_put(m, key, l);
	}
	for (i = 0; i < l->n; i++)
		if (l->v[i] == s)
			return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 2;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = s;
}

static void
slist_del(struct map *m, const char *key, struct session *s)
{
	struct slist *l = map_get(m, key);
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		if (l->v[i] == s) {
			l->v[i] = l->v[--l->n];
			break;
		}
	if (l->n == 0) {
		map_del(m, key);
		free(l->v);
		free(l);
	}
}

static void
free_slists(struct map *m)
{
	struct slist *l;
	size_t pos = 0;

	if (m == NULL)
		return;
	while ((l = map_next(m, &pos, NULL)) != NULL) {
		free(l->v);
		free(l);
	}
	map_free(m);
}

static void
qkey(char *buf, size_t n, long long id)
{
	snprintf(buf, n, "%lld", id);
}

static long long
jint(const json_t *o, const char *field)
{
	return json_integer_value(json_object_get(o, field));
}

static const char *
jstr(const json_t *o, const char *field)
{
	return json_string_value(json_object_get(o, field));
}

static void
list_add(struct session **head, struct session *s)
{
	s->prev = NULL;
	s->next = *head;
	if (*head)
		(*head)->prev = s;
	*head = s;
}

static void
list_del(struct session **head, struct session *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else if (*head == s)
		*head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

/* ---- lifetime ---- */

static struct room *
room_new(const char *id)
{
	struct room *rm = xcalloc(1, sizeof(*rm));

	snprintf(rm->id, sizeof(rm->id), "%s", id);
	rm->ring = xcalloc((size_t)R.cfg->history, sizeof(*rm->ring));
	rm->early = json_array();
	rm->batch = json_array();
	rm->qs = json_object();
	rm->by_client = map_new();
	rm->by_qid = map_new();
	rm->empty_since = now_ms();
	rm->viewers = -1;
	map_put(R.rooms, id, rm);
	metrics.rooms = map_count(R.rooms);
	return rm;
}

static void
ring_clear(struct room *rm)
{
	size_t i;

	for (i = 0; i < rm->ring_len; i++)
		json_decref(rm->ring[(rm->ring_start + i) % (size_t)R.cfg->history]);
	rm->ring_start = rm->ring_len = 0;
}

static void
ring_push(struct room *rm, json_t *ev)
{
	size_t cap = (size_t)R.cfg->history;

	if (rm->ring_len == cap) {
		json_decref(rm->ring[rm->ring_start]);
		rm->ring_start = (rm->ring_start + 1) % cap;
		rm->ring_len--;
	}
	rm->ring[(rm->ring_start + rm->ring_len) % cap] = json_incref(ev);
	rm->ring_len++;
}

static json_t *
ring_at(const struct room *rm, size_t i)
{
	return rm->ring[(rm->ring_start + i) % (size_t)R.cfg->history];
}

static void
drop_caches(struct room *rm)
{
	int i;

	for (i = 0; i < NVIEWS; i++) {
		msg_unref(rm->welcome[i]);
		rm->welcome[i] = NULL;
	}
	free(rm->ranked);
	rm->ranked = NULL;
	rm->nranked = 0;
	rm->ranked_valid = 0;
}

static void
undirty(struct room *rm)
{
	struct room **p;

	if (!rm->dirty)
		return;
	for (p = &R.dirty; *p; p = &(*p)->dirty_next)
		if (*p == rm) {
			*p = rm->dirty_next;
			break;
		}
	rm->dirty = 0;
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
	undirty(rm);
	ring_clear(rm);
	free(rm->ring);
	json_decref(rm->early);
	json_decref(rm->batch);
	json_decref(rm->qs);
	json_decref(rm->meta);
	drop_caches(rm);
	free_slists(rm->by_client);
	free_slists(rm->by_qid);
	free(rm);
}

/* ---- writing events ---- */

static void
write_event(struct sbuf *b, json_t *ev, const char *op_override, enum view view,
    const struct session *who)
{
	const char *op = op_override ? op_override : jstr(ev, "op");

	sbuf_printf(b, "{\"type\":\"event\",\"seq\":%lld,\"op\":\"%s\"", jint(ev, "seq"), op);
	if (strcmp(op, "upsert") == 0) {
		json_t *q = json_object_get(ev, "q");
		long long id = jint(q, "id");
		int personal = who && idset_has(&who->mine, id);

		sbuf_adds(b, ",\"q\":");
		proto_write_question(b, q, view, personal,
		    personal && idset_has(&who->voted, id));
	} else if (strcmp(op, "remove") == 0) {
		json_t *q = json_object_get(ev, "q");

		sbuf_printf(b, ",\"id\":%lld", q ? jint(q, "id") : jint(ev, "id"));
		if (json_object_get(ev, "into"))
			sbuf_printf(b, ",\"into\":%lld", jint(ev, "into"));
	} else {
		sbuf_adds(b, ",\"room\":");
		proto_write_json(b, json_object_get(ev, "room"));
	}
	sbuf_addc(b, '}');
}

static long long
ev_qid(json_t *ev)
{
	json_t *q = json_object_get(ev, "q");

	return q ? jint(q, "id") : jint(ev, "id");
}

struct coalesce {
	long long id;
	const char *first_was;	/* status before the batch ("" if new) */
	size_t last;		/* index of the question's last event */
};

/*
 * Writes what the events evs[0..n) look like to `view` (and, when `who`
 * is set, to that one viewer, who also sees its own questions whatever
 * their status). Several changes of one question become its last state.
 * Writes a lone event, or a batch; returns how many events were written.
 */
static size_t
render(struct sbuf *out, json_t **evs, size_t n, enum view view,
    const struct session *who, long long watermark)
{
	struct coalesce *co = xcalloc(n ? n : 1, sizeof(*co));
	struct map *idx = map_new();
	struct sbuf body = { 0 };
	size_t i, nco = 0, count = 0, last_room = (size_t)-1;
	char key[24];

	for (i = 0; i < n; i++) {
		struct coalesce *c;

		if (strcmp(jstr(evs[i], "op"), "keys") == 0)
			continue;	/* for hubs only */
		if (strcmp(jstr(evs[i], "op"), "room") == 0) {
			last_room = i;
			continue;
		}
		qkey(key, sizeof(key), ev_qid(evs[i]));
		c = map_get(idx, key);
		if (c == NULL) {
			c = &co[nco++];
			c->id = ev_qid(evs[i]);
			c->first_was = jstr(evs[i], "was");
			map_put(idx, key, c);
		}
		c->last = i;
	}
	sbuf_init(&body, 256);
	for (i = 0; i < n; i++) {
		json_t *ev = evs[i];
		const char *op = jstr(ev, "op"), *emit = NULL;
		struct coalesce *c;

		if (strcmp(op, "keys") == 0) {
			continue;
		} else if (strcmp(op, "room") == 0) {
			emit = i == last_room ? "room" : NULL;
		} else {
			qkey(key, sizeof(key), ev_qid(ev));
			c = map_get(idx, key);
			if (c->last != i)
				continue;
			if (view == VIEW_FULL || (who && idset_has(&who->mine, c->id))) {
				emit = op;
			} else {
				int now_public = strcmp(op, "upsert") == 0 &&
				    proto_status_public(jstr(json_object_get(ev, "q"), "status"));

				if (now_public)
					emit = "upsert";
				else if (proto_status_public(c->first_was))
					emit = "remove";
			}
		}
		if (emit == NULL)
			continue;
		if (count++ > 0)
			sbuf_addc(&body, ',');
		write_event(&body, ev, emit, view, who);
	}
	if (count == 1)
		sbuf_add(out, body.data, body.len);
	else if (count > 1)
		sbuf_printf(out, "{\"type\":\"batch\",\"seq\":%lld,\"events\":[%s]}",
		    watermark, body.data);
	sbuf_free(&body);
	map_free(idx);
	free(co);
	return count;
}

static void
send_to_list(struct session *head, struct msg *m)
{
	struct session *s;

	for (s = head; s; s = s->next)
		session_send(s, m);
}

/*
 * A viewer's own question that is not public (pending, rejected, merged
 * away) is not in the shared batch: it goes to its askers alone.
 */
static void
send_personal(struct room *rm, json_t **evs, size_t n, long long watermark)
{
	struct map *done = map_new();
	size_t i, j;
	char key[24];

	for (i = n; i-- > 0;) {
		json_t *ev = evs[i];
		const char *op = jstr(ev, "op");
		struct slist *l;

		if (strcmp(op, "room") == 0 || strcmp(op, "keys") == 0)
			continue;
		qkey(key, sizeof(key), ev_qid(ev));
		if (map_get(done, key))
			continue;	/* only the question's last event counts */
		map_put(done, key, ev);
		if (strcmp(op, "upsert") == 0 &&
		    proto_status_public(jstr(json_object_get(ev, "q"), "status")))
			continue;
		if ((l = map_get(rm->by_qid, key)) == NULL)
			continue;
		for (j = 0; j < l->n; j++) {
			struct sbuf b = { 0 };

			if (l->v[j]->state != SS_LIVE)
				continue;
			sbuf_init(&b, 512);
			if (render(&b, &ev, 1, VIEW_PUBLIC, l->v[j], watermark) > 0)
				session_send_json(l->v[j], b.data, b.len);
			sbuf_free(&b);
		}
	}
	map_free(done);
}

/* Below this, a flush is cheap enough to need no pause after it (a room
 * of 1,000 viewers takes 5-10 ms here; pausing after it doubled its p50). */
#define FLUSH_PAUSE_AFTER_US 20000

static uint64_t
tick_us(void)
{
	return (uint64_t)R.cfg->tick_ms * 1000;
}

static void
flush(struct room *rm)
{
	size_t n = json_array_size(rm->batch), i;
	json_t **evs;
	long long wm;

	uint64_t start = now_us(), took;

	undirty(rm);
	rm->flush_tat = (rm->flush_tat > start ? rm->flush_tat : start) + tick_us();
	if (n == 0)
		return;
	evs = xmalloc(n * sizeof(*evs));
	for (i = 0; i < n; i++)
		evs[i] = json_array_get(rm->batch, i);
	wm = jint(evs[n - 1], "seq");
	if (rm->live[ROLE_MODERATOR]) {
		struct sbuf b = { 0 };

		sbuf_init(&b, 1024);
		if (render(&b, evs, n, VIEW_FULL, NULL, wm) > 0) {
			struct msg *m = msg_from_sbuf(&b);

			send_to_list(rm->live[ROLE_MODERATOR], m);
			msg_unref(m);
		}
		sbuf_free(&b);
	}
	if (rm->live[ROLE_VIEWER] || rm->live[ROLE_PRESENTER]) {
		struct sbuf b = { 0 };

		sbuf_init(&b, 1024);
		if (render(&b, evs, n, VIEW_PUBLIC, NULL, wm) > 0) {
			struct msg *m = msg_from_sbuf(&b);

			send_to_list(rm->live[ROLE_VIEWER], m);
			send_to_list(rm->live[ROLE_PRESENTER], m);
			msg_unref(m);
		}
		sbuf_free(&b);
	}
	if (rm->live[ROLE_VIEWER])
		send_personal(rm, evs, n, wm);
	free(evs);
	json_array_clear(rm->batch);
	/*
	 * A flush that took longer than a tick and FLUSH_PAUSE_AFTER_US
	 * (thousands of viewers) is followed by half as long again without
	 * one for this room: at most
	 * two thirds of the loop go to one room's fan-out, so commands and
	 * Redis replies are not starved by it. Back-to-back flushes let a
	 * 5,000-viewer vote storm at 1,000 votes a second wait 1.2 s for its
	 * acks, and replies pass --redis-timeout-ms (Redis then looks down);
	 * with the pause: p99 105 ms, and 7,800 votes a second at most
	 * instead of 2,200. A third pause, not a half: with the latter, 10,000
	 * viewers at 50 changes a second waited 330 ms at p99, not 272 ms.
	 */
	took = now_us() - start;
	if (took > FLUSH_PAUSE_AFTER_US && took > tick_us() &&
	    rm->flush_tat < start + took + took / 2 + tick_us())
		rm->flush_tat = start + took + took / 2 + tick_us();
}

/* A room may flush from this time on (µs): one tick before its schedule. */
static uint64_t
flush_allowed_at(const struct room *rm)
{
	return rm->flush_tat > tick_us() ? rm->flush_tat - tick_us() : 0;
}

static void
arm_flush_timer(void)
{
	uint64_t now = now_us(), due = UINT64_MAX;
	struct room *rm;

	for (rm = R.dirty; rm; rm = rm->dirty_next) {
		uint64_t t = flush_allowed_at(rm);

		if (t < due)
			due = t;
	}
	if (due == UINT64_MAX) {
		uv_check_stop(&R.flush_check);
		return;
	}
	/* libuv timers count whole milliseconds: round up, never early. */
	uv_timer_start(&R.flush_timer, on_flush_timer, due > now ? (due - now + 999) / 1000 : 0, 0);
}

static void
flush_due(void)
{
	uint64_t now = now_us();
	struct room *rm = R.dirty, *next;

	for (; rm; rm = next) {
		next = rm->dirty_next;
		if (now >= flush_allowed_at(rm))
			flush(rm);
	}
	arm_flush_timer();
}

static void
on_flush_check(uv_check_t *h)
{
	(void)h;
	flush_due();
}

static void
on_flush_timer(uv_timer_t *t)
{
	(void)t;
	flush_due();
}

static void
mark_dirty(struct room *rm)
{
	if (rm->dirty)
		return;
	rm->dirty = 1;
	rm->dirty_next = R.dirty;
	R.dirty = rm;
	uv_check_start(&R.flush_check, on_flush_check);
}

/* ---- applying events ---- */

static void
add_mine_for_client(struct room *rm, const char *client, long long id)
{
	struct slist *l = map_get(rm->by_client, client);
	size_t i;

	for (i = 0; l && i < l->n; i++)
		room_add_mine(l->v[i], id);
}

/* A session admitted with a key that was just replaced is closed. */
static int
stale_key(const struct session *s, const json_t *ev)
{
	const char *by = jstr(ev, "by");

	if (by && strcmp(by, s->client) == 0)
		return 0;	/* the moderator who rotated them keeps working */
	if (s->keykind == KEY_MODERATOR)
		return s->keyver < jint(ev, "modver");
	if (s->keykind == KEY_PRESENTER)
		return s->keyver < jint(ev, "presver");
	return 0;
}

static void
close_stale_keys(struct room *rm, const json_t *ev)
{
	struct session *lists[3] = { rm->live[ROLE_MODERATOR], rm->live[ROLE_PRESENTER], rm->waiting };
	struct session **victims = NULL, *s;
	size_t n = 0, cap = 0, i, l;

	for (l = 0; l < 3; l++)
		for (s = lists[l]; s; s = s->next)
			if (stale_key(s, ev)) {
				if (n == cap)
					victims = xrealloc(victims, (cap = cap ? cap * 2 : 8) * sizeof(*victims));
				victims[n++] = s;
			}
	for (i = 0; i < n; i++) {
		session_error(victims[i], NULL, "auth_failed", "the room's keys were replaced", 0);
		session_close(victims[i], 4001, "keys rotated");
	}
	free(victims);
}

/* Applies one event to the copy; 0, or -1 on a gap (a reload is started). */
static int
apply(struct room *rm, json_t *ev)
{
	long long seq = jint(ev, "seq"), id;
	const char *op = jstr(ev, "op"), *mine;
	char key[24];

	if (op == NULL || seq <= 0) {
		log_warn("room %s: malformed event ignored", rm->id);
		return 0;
	}
	if ((uint64_t)seq <= rm->seq)
		return 0;
	if ((uint64_t)seq != rm->seq + 1) {
		log_warn("room %s: events %llu..%lld missed; reloading", rm->id,
		    (unsigned long long)rm->seq + 1, seq - 1);
		rm->reload = 1;
		if (!rm->loading)
			load(rm);
		return -1;
	}
	id = ev_qid(ev);
	qkey(key, sizeof(key), id);
	if (strcmp(op, "upsert") == 0) {
		json_object_set(rm->qs, key, json_object_get(ev, "q"));
	} else if (strcmp(op, "remove") == 0) {
		struct slist *l = map_get(rm->by_qid, key);
		long long into = jint(ev, "into");
		size_t i;

		json_object_del(rm->qs, key);
		/* The askers of a merged question now asked its target. */
		for (i = 0; into > 0 && l && i < l->n; i++)
			room_add_mine(l->v[i], into);
	} else if (strcmp(op, "room") == 0) {
		json_decref(rm->meta);
		rm->meta = json_incref(json_object_get(ev, "room"));
	} else if (strcmp(op, "keys") == 0)
		close_stale_keys(rm, ev);
	if ((mine = jstr(ev, "mine")) != NULL)
		add_mine_for_client(rm, mine, id);
	rm->seq = (uint64_t)seq;
	ring_push(rm, ev);
	json_array_append(rm->batch, ev);
	mark_dirty(rm);
	return 0;
}

/* ---- welcomes ---- */

static int
rank_cmp(const void *a, const void *b)
{
	const json_t *qa = *(json_t *const *)a, *qb = *(json_t *const *)b;
	double sa = json_number_value(json_object_get(qa, "score"));
	double sb = json_number_value(json_object_get(qb, "score"));
	long long ia = jint(qa, "id"), ib = jint(qb, "id");

	if (sa != sb)
		return sa > sb ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

/* Questions `view` sees, in rank order (owned by the caller). */
static json_t **
ranked(struct room *rm, enum view view, size_t *n)
{
	size_t cap = json_object_size(rm->qs), k = 0;
	json_t **v = xmalloc((cap ? cap : 1) * sizeof(*v));
	const char *key;
	json_t *q;

	json_object_foreach(rm->qs, key, q) {
		if (view == VIEW_FULL || proto_status_public(jstr(q, "status")))
			v[k++] = q;
	}
	qsort(v, k, sizeof(*v), rank_cmp);
	*n = k;
	return v;
}

static void
welcome_head(struct sbuf *b, struct room *rm, enum role role, int resumed)
{
	sbuf_printf(b, "{\"type\":\"welcome\",\"role\":\"%s\",\"room\":", proto_role_name(role));
	proto_write_json(b, rm->meta);
	sbuf_adds(b, ",\"epoch\":");
	sbuf_json_strz(b, rm->epoch);
	sbuf_printf(b, ",\"seq\":%llu", (unsigned long long)rm->seq);
	if (resumed)
		sbuf_adds(b, ",\"resumed\":true}");
	else
		sbuf_adds(b, ",\"questions\":[");
}

/* The full welcome shared by every session of a role with nothing personal. */
static struct msg *
shared_welcome(struct room *rm, enum role role)
{
	enum view view = role == ROLE_MODERATOR ? VIEW_FULL : VIEW_PUBLIC;
	struct sbuf b = { 0 };
	json_t **v;
	size_t n, i;

	if (rm->welcome[role] && rm->welcome_seq[role] == rm->seq)
		return rm->welcome[role];
	msg_unref(rm->welcome[role]);
	v = ranked(rm, view, &n);
	sbuf_init(&b, 256 + n * 256);
	welcome_head(&b, rm, role, 0);
	for (i = 0; i < n; i++) {
		if (i > 0)
			sbuf_addc(&b, ',');
		proto_write_question(&b, v[i], view, 0, 0);
	}
	sbuf_adds(&b, "]}");
	free(v);
	rm->welcome[role] = msg_from_sbuf(&b);
	rm->welcome_seq[role] = rm->seq;
	sbuf_free(&b);
	return rm->welcome[role];
}

static void
send_personal_welcome(struct room *rm, struct session *s)
{
	struct sbuf b = { 0 };
	json_t **v;
	size_t n, i, k = 0;
	char key[24];

	if (!rm->ranked_valid || rm->ranked_seq != rm->seq) {
		free(rm->ranked);
		rm->ranked = ranked(rm, VIEW_PUBLIC, &rm->nranked);
		rm->ranked_seq = rm->seq;
		rm->ranked_valid = 1;
	}
	v = rm->ranked;
	n = rm->nranked;
	sbuf_init(&b, 256 + n * 256);
	welcome_head(&b, rm, ROLE_VIEWER, 0);
	for (i = 0; i < n; i++) {
		long long id = jint(v[i], "id");

		if (k++ > 0)
			sbuf_addc(&b, ',');
		proto_write_question(&b, v[i], VIEW_PUBLIC, idset_has(&s->mine, id),
		    idset_has(&s->voted, id));
	}
	/* The client's own questions that the public does not see. */
	for (i = 0; i < s->mine.n; i++) {
		json_t *q;

		qkey(key, sizeof(key), s->mine.v[i]);
		q = json_object_get(rm->qs, key);
		if (q == NULL || proto_status_public(jstr(q, "status")))
			continue;
		if (k++ > 0)
			sbuf_addc(&b, ',');
		proto_write_question(&b, q, VIEW_PUBLIC, 1, idset_has(&s->voted, s->mine.v[i]));
	}
	sbuf_adds(&b, "]}");
	session_send_json(s, b.data, b.len);
	sbuf_free(&b);
}

/* Index of the first kept event after seq, or -1 if the history lacks one. */
static long
ring_after(const struct room *rm, long long seq)
{
	long long first;

	if (rm->ring_len == 0)
		return (uint64_t)seq == rm->seq ? 0 : -1;
	first = jint(ring_at(rm, 0), "seq");
	if (seq + 1 < first)
		return -1;
	return (long)(seq + 1 - first);
}

static void
send_welcome(struct room *rm, struct session *s, int allow_resume)
{
	enum view view = s->role == ROLE_MODERATOR ? VIEW_FULL : VIEW_PUBLIC;
	long from;

	if (allow_resume && s->resume && strcmp(s->epoch, rm->epoch) == 0 &&
	    (uint64_t)s->resume_seq <= rm->seq &&
	    (from = ring_after(rm, s->resume_seq)) >= 0) {
		struct sbuf b = { 0 };
		size_t n = rm->ring_len - (size_t)from, i;
		json_t **evs = xmalloc((n ? n : 1) * sizeof(*evs));

		for (i = 0; i < n; i++)
			evs[i] = ring_at(rm, (size_t)from + i);
		sbuf_init(&b, 512);
		welcome_head(&b, rm, s->role, 1);
		session_send_json(s, b.data, b.len);
		sbuf_reset(&b);
		if (n > 0 && render(&b, evs, n, view,
		    s->role == ROLE_VIEWER ? s : NULL, (long long)rm->seq) > 0)
			session_send_json(s, b.data, b.len);
		sbuf_free(&b);
		free(evs);
		return;
	}
	if (s->role == ROLE_VIEWER && (s->mine.n > 0 || s->voted.n > 0))
		send_personal_welcome(rm, s);
	else
		session_send(s, shared_welcome(rm, s->role));
}

/* Adds s to (or removes it from) the room's viewer indexes. */
static void
index_session(struct room *rm, struct session *s, int add)
{
	void (*op)(struct map *, const char *, struct session *) = add ? slist_add : slist_del;
	char key[24];
	size_t i;

	if (s->role != ROLE_VIEWER)
		return;
	op(rm->by_client, s->client, s);
	for (i = 0; i < s->mine.n; i++) {
		qkey(key, sizeof(key), s->mine.v[i]);
		op(rm->by_qid, key, s);
	}
}

static int
usable(const struct room *rm)
{
	return rm->ready && rm->sub == SUB_ON && !rm->loading;
}

/* Welcomes every waiting session, once the copy is usable. */
static void
serve_waiting(struct room *rm)
{
	struct session *s;

	if (!usable(rm))
		return;
	/* Joiners start from the state everyone else has been sent. */
	if (json_array_size(rm->batch) > 0)
		flush(rm);
	while ((s = rm->waiting) != NULL) {
		list_del(&rm->waiting, s);
		send_welcome(rm, s, 1);
		list_add(&rm->live[s->role], s);
		rm->count[s->role]++;
		session_live(s);
		if (s->role == ROLE_MODERATOR && rm->viewers >= 0)
			send_stats(rm, s);
	}
}

/* ---- loading ---- */

/* Sends an error to every session of a list, closes them and lets them go. */
static void
fail_list(struct session **head, const char *code, const char *message)
{
	struct session *s;

	while ((s = *head) != NULL) {
		session_error(s, NULL, code, message, 0);
		session_close(s, 1011, message);
		room_leave(s);
	}
}

static void
fail_sessions(struct room *rm, const char *code, const char *message)
{
	int r;

	fail_list(&rm->waiting, code, message);
	for (r = 0; r < NVIEWS; r++)
		fail_list(&rm->live[r], code, message);
}

static void
resync_all(struct room *rm)
{
	struct session *s;
	int r;

	for (r = 0; r < NVIEWS; r++)
		for (s = rm->live[r]; s; s = s->next)
			room_resync(s);
}

static void
on_snapshot(void *arg, redisReply *r)
{
	struct room *rm = arg;
	uint64_t old_seq = rm->seq, seq;
	int was_ready = rm->ready, same_epoch;
	const char *epoch, *meta;
	json_t *qs, *m;
	redisReply *qa, *ea;
	size_t i, len;

	rm->loading = 0;
	if (rm->sub != SUB_ON)
		return;		/* unsubscribed meanwhile; maintenance decides */
	if (r == NULL) {
		rm->retry_at = now_ms() + RETRY_MS;
		return;
	}
	if (!store_reply_ok(r)) {
		const char *msg;
		long long retry;
		const char *code = store_reply_err(r, &msg, &retry);

		log_warn("room %s: snapshot failed: %s", rm->id, code);
		if (strcmp(code, "no_room") == 0)
			fail_sessions(rm, "no_room", "the room no longer exists");
		rm->retry_at = now_ms() + RETRY_MS;
		return;
	}
	meta = store_reply_str(r, 1, &len);
	m = meta ? json_loadb(meta, len, 0, NULL) : NULL;
	epoch = store_reply_str(r, 3, NULL);
	qa = r->elements > 5 ? r->element[5] : NULL;
	ea = r->elements > 6 ? r->element[6] : NULL;
	if (m == NULL || epoch == NULL || qa == NULL || qa->type != REDIS_REPLY_ARRAY ||
	    ea == NULL || ea->type != REDIS_REPLY_ARRAY) {
		log_error("room %s: malformed snapshot", rm->id);
		json_decref(m);
		rm->retry_at = now_ms() + RETRY_MS;
		return;
	}
	seq = (uint64_t)store_reply_int(r, 2);
	qs = json_object();
	for (i = 0; i < qa->elements; i++) {
		json_t *q = json_loadb(qa->element[i]->str, qa->element[i]->len, 0, NULL);
		char key[24];

		if (q == NULL)
			continue;
		qkey(key, sizeof(key), jint(q, "id"));
		json_object_set_new(qs, key, q);
	}
	same_epoch = strcmp(epoch, rm->epoch) == 0;
	json_decref(rm->qs);
	rm->qs = qs;
	json_decref(rm->meta);
	rm->meta = m;
	snprintf(rm->epoch, sizeof(rm->epoch), "%s", epoch);
	ring_clear(rm);
	for (i = 0; i < ea->elements; i++) {
		json_t *ev = json_loadb(ea->element[i]->str, ea->element[i]->len, 0, NULL);

		if (ev == NULL)
			continue;
		ring_push(rm, ev);
		json_decref(ev);
	}
	rm->seq = seq;
	rm->ready = 1;
	rm->reload = 0;
	drop_caches(rm);

	if (was_ready && (rm->live[0] || rm->live[1] || rm->live[2]) && seq != old_seq) {
		long from = same_epoch && old_seq < seq ? ring_after(rm, (long long)old_seq) : -1;

		if (from < 0) {
			log_info("room %s: history does not cover the gap; resyncing sessions", rm->id);
			json_array_clear(rm->batch);
			resync_all(rm);
		} else {
			/* Catch the live sessions up with what they missed. */
			for (i = (size_t)from; i < rm->ring_len; i++) {
				json_t *ev = ring_at(rm, i);
				const char *mine = jstr(ev, "mine");

				if (mine)
					add_mine_for_client(rm, mine, ev_qid(ev));
				json_array_append(rm->batch, ev);
			}
			mark_dirty(rm);
		}
	}
	/* Events that arrived during the load, in order. */
	for (i = 0; i < json_array_size(rm->early); i++)
		if (apply(rm, json_array_get(rm->early, i)) < 0)
			break;
	json_array_clear(rm->early);
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
	if (store_script(SCRIPT_SNAPSHOT, rm->id, 0, NULL, NULL, on_snapshot, rm) < 0) {
		rm->retry_at = now_ms() + RETRY_MS;
		return;
	}
	rm->loading = 1;
}

/* ---- store hooks ---- */

void
room_on_event(const char *room, const char *payload, size_t len)
{
	struct room *rm = map_get(R.rooms, room);
	json_t *ev;

	metrics.events++;
	if (rm == NULL || rm->sub != SUB_ON)
		return;
	ev = json_loadb(payload, len, 0, NULL);
	if (ev == NULL) {
		log_warn("room %s: unparseable event ignored", room);
		return;
	}
	if (rm->loading || !rm->ready) {
		if (json_array_size(rm->early) >= (size_t)R.cfg->history) {
			json_array_clear(rm->early);	/* the reload will cover them */
			rm->reload = 1;
		}
		json_array_append(rm->early, ev);
	} else
		apply(rm, ev);
	json_decref(ev);
}

void
room_on_subscribed(const char *room)
{
	struct room *rm = map_get(R.rooms, room);

	if (rm == NULL || rm->sub != SUB_PENDING)
		return;
	rm->sub = SUB_ON;
	load(rm);
}

void
room_on_unsubscribed(const char *room)
{
	struct room *rm = map_get(R.rooms, room);

	if (rm == NULL || rm->sub != SUB_LEAVING)
		return;
	rm->sub = SUB_NONE;
	rm->ready = 0;
	if (rm->nsessions == 0 && !busy(rm))
		room_free(rm);
}

static void
subscribe(struct room *rm)
{
	if (rm->sub != SUB_NONE || !R.sub_ready)
		return;
	if (store_subscribe(rm->id) == 0)
		rm->sub = SUB_PENDING;
}

void
room_on_sub_ready(void)
{
	struct room *rm;
	size_t pos = 0;

	R.sub_ready = 1;
	while ((rm = map_next(R.rooms, &pos, NULL)) != NULL)
		if (rm->nsessions > 0)
			subscribe(rm);
}

void
room_on_sub_lost(void)
{
	struct room *rm;
	size_t pos = 0;

	R.sub_ready = 0;
	while ((rm = map_next(R.rooms, &pos, NULL)) != NULL) {
		rm->sub = SUB_NONE;
		json_array_clear(rm->early);
		if (rm->nsessions == 0 && !busy(rm))
			room_free(rm);	/* map_del during map_next is allowed */
	}
}

/* ---- sessions ---- */

void
room_join(struct session *s)
{
	struct room *rm = map_get(R.rooms, s->room_id);

	if (rm == NULL)
		rm = room_new(s->room_id);
	s->room = rm;
	if (rm->nsessions++ == 0 || rm->waiting == NULL)
		rm->waiting_since = now_ms();
	list_add(&rm->waiting, s);
	index_session(rm, s, 1);
	subscribe(rm);
	serve_waiting(rm);
}

void
room_leave(struct session *s)
{
	struct room *rm = s->room;

	if (rm == NULL)
		return;
	if (s->state == SS_LIVE) {
		list_del(&rm->live[s->role], s);
		rm->count[s->role]--;
	} else
		list_del(&rm->waiting, s);
	index_session(rm, s, 0);
	s->room = NULL;
	if (--rm->nsessions == 0)
		rm->empty_since = now_ms();
}

void
room_add_mine(struct session *s, long long id)
{
	char key[24];

	if (!idset_add(&s->mine, id) || s->room == NULL || s->role != ROLE_VIEWER)
		return;
	qkey(key, sizeof(key), id);
	slist_add(s->room->by_qid, key, s);
}

void
room_resync(struct session *s)
{
	if (s->room == NULL || s->state != SS_LIVE)
		return;
	session_drop_queue(s);
	metrics.slow_resyncs++;
	send_welcome(s->room, s, 0);
}

int
room_write_question(struct session *s, long long id, struct sbuf *out)
{
	char key[24];
	json_t *q;

	if (s->room == NULL)
		return -1;
	qkey(key, sizeof(key), id);
	q = json_object_get(s->room->qs, key);
	if (q == NULL || (!proto_status_public(jstr(q, "status")) && !idset_has(&s->mine, id)))
		return -1;
	proto_write_question(out, q, VIEW_PUBLIC, idset_has(&s->mine, id), idset_has(&s->voted, id));
	return 0;
}

size_t
room_count(void)
{
	return map_count(R.rooms);
}

/* ---- presence ---- */

/* {"type":"stats","viewers":N} to one moderator, or to all when s is NULL. */
static void
send_stats(struct room *rm, struct session *s)
{
	char json[64];
	int n = snprintf(json, sizeof(json), "{\"type\":\"stats\",\"viewers\":%lld}", rm->viewers);

	if (s) {
		session_send_json(s, json, (size_t)n);
		return;
	}
	{
		struct msg *m = msg_new(json, (size_t)n);

		send_to_list(rm->live[ROLE_MODERATOR], m);
		msg_unref(m);
	}
}

static void
on_presence(void *arg, redisReply *r)
{
	struct room *rm = arg;
	long long total;

	rm->presence_pending = 0;
	if (!store_reply_ok(r))
		return;
	total = store_reply_int(r, 1);
	if (total != rm->viewers) {
		rm->viewers = total;
		send_stats(rm, NULL);
	}
}

/* Reports this hub's viewers of the room; the reply is the room's total. */
static void
report_presence(struct room *rm, uint64_t now)
{
	char viewers[16], stale[16];
	const char *args[3] = { store_hub_id(), viewers, stale };

	if (rm->presence_pending || now - rm->presence_at < PRESENCE_MS)
		return;
	rm->presence_at = now;
	snprintf(viewers, sizeof(viewers), "%u", rm->count[ROLE_VIEWER]);
	snprintf(stale, sizeof(stale), "%d", PRESENCE_STALE_MS);
	if (store_script(SCRIPT_PRESENCE, rm->id, 3, args, NULL, on_presence, rm) == 0)
		rm->presence_pending = 1;
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
		if (rm->nsessions > 0) {
			subscribe(rm);
			report_presence(rm, now);
			if (rm->sub == SUB_ON && !rm->loading && (!rm->ready || rm->reload) &&
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
				rm->ready = 0;
			}
		} else if (rm->sub == SUB_NONE)
			room_free(rm);
	}
}

int
room_init(uv_loop_t *loop, const struct config *cfg)
{
	memset(&R, 0, sizeof(R));
	R.loop = loop;
	R.cfg = cfg;
	R.rooms = map_new();
	uv_timer_init(loop, &R.maint);
	uv_timer_init(loop, &R.flush_timer);
	uv_check_init(loop, &R.flush_check);
	uv_timer_start(&R.maint, on_maint, MAINT_MS, MAINT_MS);
	return 0;
}

void
room_shutdown(void)
{
	struct room *rm;
	size_t pos = 0;

	uv_timer_stop(&R.maint);
	uv_timer_stop(&R.flush_timer);
	uv_check_stop(&R.flush_check);
	uv_close((uv_handle_t *)&R.maint, NULL);
	uv_close((uv_handle_t *)&R.flush_timer, NULL);
	uv_close((uv_handle_t *)&R.flush_check, NULL);
	while ((rm = map_next(R.rooms, &pos, NULL)) != NULL)
		room_free(rm);
	map_free(R.rooms);
	R.rooms = NULL;
}
