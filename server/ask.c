/*
 * ask: see ask.h. The doc, fingerprint, bands and screening of a question
 * are computed once, when it arrives, and kept in struct ask across its
 * round trips.
 */
#include "ask.h"

#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dedupe.h"
#include "lookup.h"
#include "map.h"
#include "metrics.h"
#include "past.h"
#include "pending.h"
#include "receipt.h"
#include "rooms.h"
#include "screen.h"
#include "session.h"
#include "store.h"
#include "tags.h"
#include "util.h"
#include "verify.h"

#define ASK_TRIES 5		/* looks before an ask is stored unchecked against newer questions */
#define FLIGHT_SCAN 512		/* asks in flight in a room a new one is compared with, the newest */
#define FLIGHT_WAIT_MS 200	/* an ask released waits this long at most for the copy to show the change */
#define FLIGHT_WAITS 8		/* times one ask may wait for another */
#define DISTINCT_MAX 32		/* asks in flight sharing a band an ask may judge not the same, not wait for */

static const struct config *cfg;

/* Asks in the order they came (a zeroed queue is empty). */
struct queue {
	struct ask *head, **tail;
};

struct ask {
	char *text;
	char *name;
	char fp[DEDUPE_FP_LEN + 1];
	struct probe p;			/* its doc, keys and bands (verify.h) */
	char *flags;			/* screening of the text and the name: "personal_data,profanity" */
	char *masked;			/* the text with personal data masked, or "" */
	char *pname;			/* the name with personal data masked, or "" */
	long long suggest;		/* a question it may be the same as, for moderators; or 0 */
	double suggest_sim;
	char seen[24];			/* the last question id of the look-up */
	int past_done;			/* the deployment's memory was asked (past.h) */
	char *past;			/* what it found: JSON for "asked_before", or NULL */
	int tries;
	char *topics, *places;		/* its tags (tags.h), comma-separated ids */
	char receipt[RECEIPT_LEN + 1];	/* the code its asker follows it by */
	/* Who asked and where: the viewer; or, taken by an operator, the caller (source "phone"). */
	char room[PROTO_ID_LEN + 1];
	char rid[PROTO_MAX_RID * 4 + 1];
	char client[PROTO_ID_LEN + 48];
	char group[64];			/* the asker's address group, for per-address limits */
	const char *source;
	char caller[PROTO_PHONE_LEN + 1];
	int ask_per_min;
	/* whom the answer goes to (ask.h) */
	const struct ask_sink *sink;
	void *ctx;
	/* while in flight (see "asks in flight" below) */
	int flying;			/* in its room's flights */
	struct ask *prev_flight, *next_flight;
	struct queue waiters;		/* asks waiting for it to end, in the order they came */
	struct ask *next_waiter;	/* among the waiters of the ask it waits for, or among the released */
	uint64_t wait_seq, wait_until;	/* released: the room's seq that ask ended at, and a deadline */
	int parks;			/* times it waited */
	int from_copy;			/* its candidates came from the copy */
	long long judged;		/* the copy's questions up to this id were judged (none matched) */
	char distinct[DISTINCT_MAX * (DEDUPE_FP_LEN + 1) + 1];	/* fingerprints of asks in flight judged not it */
};

static struct {
	struct map *flights;		/* room → its asks in flight looked up in the copy, newest first */
	struct queue released;		/* asks whose wait ended, waiting for the copy to show the change */
	uv_check_t release;
	int down;			/* shutting down: a wait that ends ends its ask */
} T;

static void ask_lookup(struct ask *a);
static void ask_store(struct ask *a, const char *seen_qid, long long target, double sim);
static void ask_end(struct ask *a, redisReply *r, const char *code, const char *message);
static void flight_end(struct ask *a, uint64_t seq);

static void on_release(uv_check_t *h);
static struct ask *queue_take(struct queue *q);
static void flights_free_if_done(void);

void
ask_init(uv_loop_t *loop, const struct config *c)
{
	cfg = c;
	T.flights = map_new();
	uv_check_init(loop, &T.release);
}

/*
 * Asks still in Redis end as their replies come (none, as Redis is let go);
 * those waiting for them end then, those released end now.
 */
void
ask_shutdown(void)
{
	struct ask *list = queue_take(&T.released), *w;

	T.down = 1;
	uv_check_stop(&T.release);
	uv_close((uv_handle_t *)&T.release, NULL);
	while ((w = list) != NULL) {
		list = w->next_waiter;
		ask_end(w, NULL, "unavailable", "the hub is shutting down");
	}
	flights_free_if_done();
}

static void
ask_free(void *arg)
{
	struct ask *a = arg;

	free(a->text);
	free(a->name);
	free(a->flags);
	free(a->masked);
	free(a->pname);
	probe_free(&a->p);
	free(a->past);
	free(a->topics);
	free(a->places);
	free(a);
}

static struct ask *
ask_new(const struct cmd *c)
{
	struct ask *a = xcalloc(1, sizeof(*a));
	struct sbuf topics = { 0 }, places = { 0 };
	size_t len = strlen(c->text);

	a->text = xstrdup(c->text);
	a->name = xstrdup(c->name ? c->name : "");
	dedupe_fingerprint(c->text, len, a->fp);
	probe_build(&a->p, c->text, len);
	screen_both(c->text, a->name, &a->flags, &a->masked, &a->pname);
	sbuf_init(&topics, 64);
	sbuf_init(&places, 64);
	tags_of(c->text, len, &topics, &places);
	a->topics = sbuf_steal(&topics, NULL);
	a->places = sbuf_steal(&places, NULL);
	return a;
}

/* The public reads the asker's initial only: its first character (UTF-8) and a dot. */
static void
ask_initial_name(struct ask *a)
{
	size_t n = 1;

	free(a->pname);
	if (a->name[0] == '\0') {
		a->pname = xstrdup("");
		return;
	}
	while (a->name[n] && ((unsigned char)a->name[n] & 0xC0) == 0x80)
		n++;
	a->pname = xmalloc(n + 2);
	memcpy(a->pname, a->name, n);
	memcpy(a->pname + n, ".", 2);
}

/* ---- asks in flight ----
 *
 * Two asks of this hub into one room that would each file a new question
 * and share a band (the same question typed by many at once, or questions
 * on one topic about one street) would race: neither sees the other, and
 * the later one learns of the first only from the ask script's retry, a
 * Redis call more, again and again when many arrive at once (up to
 * ASK_TRIES, after which it is stored unchecked). Instead an ask judges
 * those in flight there and then (may_be()): for one that is, or may be,
 * the same question it waits until that one ends, then looks up in the
 * copy once the copy shows that change (its seq), and finds it like any
 * later ask would; the others it names to the ask script (distinct), so
 * that the questions they make do not send it back. An ask that joins a
 * question found does not wait, nor make others wait, since it files
 * nothing new. Only asks looked up in the copy take part; the ask
 * script's retry still covers other hubs' asks.
 */

static void
flight_add(struct ask *a)
{
	struct ask *head = map_get(T.flights, a->room);

	a->prev_flight = NULL;
	a->next_flight = head;
	if (head)
		head->prev_flight = a;
	map_put(T.flights, a->room, a);
	a->flying = 1;
}

static void
flight_del(struct ask *a)
{
	if (a->prev_flight)
		a->prev_flight->next_flight = a->next_flight;
	else if (a->next_flight)
		map_put(T.flights, a->room, a->next_flight);
	else
		map_del(T.flights, a->room);
	if (a->next_flight)
		a->next_flight->prev_flight = a->prev_flight;
	a->flying = 0;
	if (T.down)
		flights_free_if_done();
}

/* Once down and the last ask in flight has ended. */
static void
flights_free_if_done(void)
{
	if (T.flights && map_count(T.flights) == 0) {
		map_free(T.flights);
		T.flights = NULL;
	}
}

/*
 * Whether t, in flight, is or may be the question a asks: what a look-up
 * in the copy would conclude once t is there (verify() on t's keys), the
 * same question or one to suggest.
 */
static int
may_be(const struct ask *a, const struct ask *t)
{
	struct lookup_cand c = { .id = 1, .nkeys = 0 };
	long long ids[2];
	double sims[2];
	struct topk same = { &ids[0], &sims[0], 0, 1 }, maybe = { &ids[1], &sims[1], 0, 1 };

	c.key[c.nkeys] = t->p.key;
	c.len[c.nkeys++] = strlen(t->p.key);
	if (t->p.tkey[0] != '\0') {
		c.key[c.nkeys] = t->p.tkey;
		c.len[c.nkeys++] = strlen(t->p.tkey);
	}
	verify(&a->p, &c, 1, 1, &same, &maybe);
	return same.n + maybe.n > 0;
}

/*
 * An ask in flight in a's room that shares one of a's bands and is or may
 * be the same question, or NULL. Those that share a band but are judged
 * not the same are listed in a->distinct (their fingerprints), so that the
 * ask script's race check passes over the questions they made; past
 * DISTINCT_MAX of them, a waits for the next one as for a close one.
 */
static struct ask *
close_in_flight(struct ask *a)
{
	struct ask *t;
	int n = 0, k = 0, i;

	a->distinct[0] = '\0';
	if (a->p.doc.nbands == 0 || a->parks >= FLIGHT_WAITS)
		return NULL;
	for (t = map_get(T.flights, a->room); t && n < FLIGHT_SCAN; t = t->next_flight, n++) {
		for (i = 0; i < a->p.doc.nbands && a->p.bh[i] != t->p.bh[i]; i++)
			;
		if (i == a->p.doc.nbands)
			continue;
		if (k == DISTINCT_MAX || may_be(a, t))
			return t;
		if (k++)
			strcat(a->distinct, " ");
		strcat(a->distinct, t->fp);
	}
	return NULL;
}

static void
queue_push(struct queue *q, struct ask *a)
{
	a->next_waiter = NULL;
	*(q->head ? q->tail : &q->head) = a;
	q->tail = &a->next_waiter;
}

/* Empties q; returns what it held, first first. */
static struct ask *
queue_take(struct queue *q)
{
	struct ask *list = q->head;

	q->head = NULL;
	q->tail = NULL;
	return list;
}

/* a ended, its change at the room's seq (0: none); its waiters look up again once the copy has it. */
static void
flight_end(struct ask *a, uint64_t seq)
{
	struct ask *list = queue_take(&a->waiters), *w;

	if (a->flying)
		flight_del(a);
	while ((w = list) != NULL) {
		list = w->next_waiter;
		if (T.down) {
			ask_end(w, NULL, "unavailable", "the hub is shutting down");
			continue;
		}
		w->wait_seq = seq;
		w->wait_until = now_ms() + FLIGHT_WAIT_MS;
		queue_push(&T.released, w);
		uv_check_start(&T.release, on_release);
	}
}

/* After each turn's I/O (the events among it): the released asks whose copy has caught up look up. */
static void
on_release(uv_check_t *h)
{
	struct ask *list = queue_take(&T.released), *w;
	uint64_t now = now_ms();

	while ((w = list) != NULL) {
		list = w->next_waiter;
		w->next_waiter = NULL;
		if (!w->sink->alive(w->ctx))
			ask_end(w, NULL, "unavailable", "the connection closed");
		else if (now >= w->wait_until || rooms_copy_at(w->room, w->wait_seq))
			ask_lookup(w);	/* in the order they came, so ids keep it */
		else
			queue_push(&T.released, w);
	}
	if (T.released.head == NULL)
		uv_check_stop(h);
}

/* ---- ask ---- */

/*
 * A question's round trips hold the struct ask itself; whoever asked is
 * told through its sink (ask.h), the WebSocket session or another source.
 */
static int
ask_wanted(void *arg)
{
	struct ask *a = arg;

	return a->sink->alive(a->ctx);
}

/* Ends a: the sink is told the reply (an ack, an error, or nothing at all). */
static void
ask_end(struct ask *a, redisReply *r, const char *code, const char *message)
{
	const struct ask_sink *sink = a->sink;
	void *ctx = a->ctx;
	char rid[sizeof(a->rid)];
	const char *ack;
	size_t len = 0;
	long long id = 0;
	int dup = 0;

	memcpy(rid, a->rid, sizeof(rid));
	flight_end(a, r && store_reply_ok(r) ? (uint64_t)store_reply_int(r, ASK_R_SEQ) : 0);
	ack = r && store_reply_ok(r) ? store_reply_str(r, ASK_R_ACK, &len) : NULL;
	if (ack && (id = store_reply_int(r, ASK_R_ID)) > 0) {
		metrics.asked++;
		if ((dup = store_reply_int(r, ASK_R_DUP) == 1))
			metrics.merged++;
	}
	if (ack)
		metrics.acks++;
	if (ack)
		sink->ack(ctx, rid, ack, len, id, dup);
	else if (r && store_reply_ok(r))
		sink->error(ctx, rid, NULL, "internal_error", "malformed reply from Redis");
	else
		sink->error(ctx, rid, r, code, message);
	ask_free(a);
}

static void
ask_run(struct ask *a, enum script_id script, const char *const *args, store_reply_fn fn)
{
	enum store_status st = store_run(script, a->room, args, fn, a, ask_wanted);

	if (st == STORE_SENT)
		return;
	if (st == STORE_BUG)
		ask_end(a, NULL, "internal_error", "the hub could not run this command");
	else
		ask_end(a, NULL, "unavailable",
		    "Redis cannot be reached; if this command was sent before, retry it with the same rid");
}

static void ask_decide(struct ask *a, long long last_qid, int exact, const struct lookup_cand *cands, size_t n);

/* The ask script's {"retry", last_qid, candidates}: close questions that appeared since the look-up. */
#define RETRY_LAST_QID 1
#define RETRY_CANDIDATES 2

static void
on_ask(void *arg, redisReply *r)
{
	struct ask *a = arg;
	const char *retry;

	if (a->sink->alive(a->ctx) && r && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
	    (retry = store_reply_str(r, 0, NULL)) != NULL && strcmp(retry, "retry") == 0) {
		/* Judged (the earlier ones matched nothing), then asked again. */
		struct lookup_cand c[VERIFY_CANDIDATES];

		metrics.ask_retries++;
		/* The last try judges these too, then stores without another check (last_qid -1). */
		if (++a->tries >= ASK_TRIES)
			metrics.ask_unchecked++;
		ask_decide(a, a->tries >= ASK_TRIES ? -1 : store_reply_int(r, RETRY_LAST_QID), 0, c,
		    verify_reply_cands(store_reply_array(r, RETRY_CANDIDATES), c, ARRAY_LEN(c)));
		return;
	}
	ask_end(a, r, "unavailable",
	    "Redis cannot be reached; if this command was sent before, retry it with the same rid");
}

static void
ask_store(struct ask *a, const char *seen_qid, long long target, double sim)
{
	char limit[16], iplimit[16], tgt[24] = "", simtxt[16] = "", maybe[24] = "";
	const char *args[ASK_NARGS] = {
		[ASK_CLIENT] = a->client, [ASK_RID] = a->rid,
		[ASK_TEXT] = a->text, [ASK_NAME] = a->name, [ASK_FP] = a->fp,
		[ASK_LIMIT] = limit, [ASK_WINDOW] = CONFIG_RATE_WINDOW_MS,
		[ASK_ND] = a->p.key, [ASK_BANDS] = a->p.bands,
		[ASK_SEEN_QID] = seen_qid, [ASK_TARGET] = tgt, [ASK_SIM] = simtxt,
		[ASK_SCREEN] = a->flags, [ASK_MASKED] = a->masked,
		[ASK_PNAME] = a->pname, [ASK_IP] = a->group, [ASK_IP_LIMIT] = iplimit,
		[ASK_SUGGEST] = maybe, [ASK_TKEY] = a->p.tkey, [ASK_PAST] = a->past ? a->past : "",
		[ASK_TOPICS] = a->topics, [ASK_PLACES] = a->places, [ASK_SOURCE] = a->source,
		[ASK_RECEIPT] = a->receipt, [ASK_CALLER] = a->caller, [ASK_DISTINCT] = a->distinct,
	};

	snprintf(limit, sizeof(limit), "%d", a->ask_per_min);
	snprintf(iplimit, sizeof(iplimit), "%d", cfg->ask_per_min_ip);
	if (a->suggest > 0)
		snprintf(maybe, sizeof(maybe), "%lld", a->suggest);
	if (target > 0) {
		snprintf(tgt, sizeof(tgt), "%lld", target);
		snprintf(simtxt, sizeof(simtxt), "%.2f", sim);
	}
	/*
	 * Before the first call of the ask script (a retry counts a try), the
	 * receipt is filed in the deployment's index (on one Redis, the same
	 * connection: Redis has it first), in the same write: one turn of
	 * Redis, one fsync of its log.
	 */
	if (a->tries == 0 && receipt_note(a->receipt, a->room) == STORE_BUG) {
		ask_end(a, NULL, "internal_error", "no receipt could be made");
		return;
	}
	ask_run(a, SCRIPT_ASK, args, on_ask);
}

static void on_past(void *arg, redisReply *r);

static void
on_candidates(void *arg, redisReply *r)
{
	struct ask *a = arg;
	struct lookup_cand c[VERIFY_CANDIDATES];
	const char *exact;

	if (!a->sink->alive(a->ctx) || r == NULL || !store_reply_ok(r)) {
		ask_end(a, r, "unavailable",
		    "Redis cannot be reached; if this command was sent before, retry it with the same rid");
		return;
	}
	exact = store_reply_str(r, CANDIDATES_R_EXACT, NULL);
	ask_decide(a, store_reply_int(r, CANDIDATES_R_LAST_QID), exact && strcmp(exact, "fp") == 0, c,
	    verify_reply_cands(store_reply_array(r, CANDIDATES_R_CANDIDATES), c, ARRAY_LEN(c)));
}

/*
 * Judges candidates (a look-up's, or those the ask script found newer
 * than it) and stores the ask with the verdict, having seen every
 * question up to last_qid. exact: the look-up found its fingerprint, so
 * it is that question (the ask script merges it) and nothing is judged.
 * last_qid -1: the last try, stored without a check of newer questions.
 */
static void
ask_decide(struct ask *a, long long last_qid, int exact, const struct lookup_cand *cands, size_t n)
{
	char seen[24];
	long long id = 0, maybe_id = 0;
	double sim = 0, maybe_sim = 0;
	struct topk best = { &id, &sim, 0, 1 }, maybe = { &maybe_id, &maybe_sim, 0, 1 };

	if (last_qid < 0)
		seen[0] = '\0';	/* no check of newer questions in the ask script */
	else
		snprintf(seen, sizeof(seen), "%lld", last_qid);
	if (!exact)
		verify(&a->p, cands, n, 1, &best, &maybe);
	/* A suggestion of an earlier look-up stands unless a match or a closer one comes. */
	if (best.n)
		a->suggest = 0;
	else if (maybe.n && (a->suggest == 0 || maybe_sim > a->suggest_sim)) {
		a->suggest = maybe_id;
		a->suggest_sim = maybe_sim;
	}
	/* A new question from the copy: none close in flight here, or it waits for them first. */
	if (best.n == 0 && a->from_copy && !a->flying && !T.down) {
		struct ask *t = close_in_flight(a);

		if (t) {
			a->parks++;
			queue_push(&t->waiters, a);
			metrics.ask_waits++;
			return;
		}
		flight_add(a);
	}
	/* A new question: was it asked in an earlier broadcast? */
	if (best.n == 0 && !exact && !a->past_done && a->p.doc.nbands > 0) {
		a->past_done = 1;
		memcpy(a->seen, seen, sizeof(seen));
		if (past_lookup(a->room, &a->p.doc, a->p.bands, 0, on_past, a))
			return;
	}
	ask_store(a, seen, best.n ? id : 0, sim);
}

/* The deployment's memory answered: the new question is stored with what it found. */
static void
on_past(void *arg, redisReply *r)
{
	struct ask *a = arg;
	struct sbuf b = { 0 };
	double sim;

	sbuf_init(&b, 256);
	if (r && store_reply_ok(r) && past_best(&a->p.doc, r, 0, 0, &b, &sim))
		a->past = sbuf_steal(&b, NULL);
	sbuf_free(&b);
	ask_store(a, a->seen, 0, 0);
}

/*
 * The candidates of an ask: from this hub's copy of the room's index when
 * it has one (rooms_lookup(); the ask script then checks the questions
 * newer than the copy), else from the candidates script.
 */
static void
ask_lookup(struct ask *a)
{
	struct lookup_cand c[VERIFY_CANDIDATES];
	size_t n;
	long long last;
	const char *args[CANDIDATES_NARGS] = {
		[CANDIDATES_FP] = a->fp, [CANDIDATES_BANDS] = a->p.bands,
		[CANDIDATES_MODE] = "ask", [CANDIDATES_CLIENT] = a->client,
		/* asks are limited by the ask script, not here */
		[CANDIDATES_LIMIT] = "0", [CANDIDATES_WINDOW] = "0",
		[CANDIDATES_IP] = "", [CANDIDATES_IP_LIMIT] = "0",
	};

	if (rooms_lookup(a->room, a->p.bands, c, ARRAY_LEN(c), &n, &last) == 0) {
		size_t i, k = 0;

		if (a->parks == 0)
			metrics.ask_local++;
		/* After a wait only what the copy gained since is judged: the rest matched nothing. */
		for (i = 0; i < n; i++)
			if (c[i].id > a->judged)
				c[k++] = c[i];
		a->judged = last;
		a->from_copy = 1;
		ask_decide(a, last, 0, c, k);
		return;
	}
	ask_run(a, SCRIPT_CANDIDATES, args, on_candidates);
}

/*
 * A call an operator takes: the caller is the asker. The same number is
 * the same asker (its limits, "asked by"); without a number each call is
 * its own. The public reads the caller's initial, never the name or number.
 */
static void
ask_by_phone(struct ask *a, const struct cmd *c)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char seed[PROTO_ID_LEN + PROTO_PHONE_LEN + 2];

	a->source = "phone";
	snprintf(a->caller, sizeof(a->caller), "%s", c->phone);
	if (c->phone[0]) {
		snprintf(seed, sizeof(seed), "%s:%s", a->room, c->phone);
		SHA256((const unsigned char *)seed, strlen(seed), md);
		memcpy(a->client, "phone-", 6);
		hex_encode(md, 12, a->client + 6);
	} else {
		snprintf(a->client, sizeof(a->client), "call-%s", a->receipt);
	}
	ask_initial_name(a);
}

/*
 * A question of c (its text and name) asked as q says, answered to sink;
 * with its receipt's code, which ask_store() files in the deployment's
 * index before the question is stored. NULL if no receipt could be made.
 */
static struct ask *
ask_begin(const struct cmd *c, const struct ask_request *q, const struct ask_sink *sink, void *ctx)
{
	struct ask *a = ask_new(c);

	a->sink = sink;
	a->ctx = ctx;
	snprintf(a->room, sizeof(a->room), "%s", q->room);
	snprintf(a->rid, sizeof(a->rid), "%s", q->rid);
	snprintf(a->client, sizeof(a->client), "%s", q->client);
	snprintf(a->group, sizeof(a->group), "%s", q->group ? q->group : "");
	a->source = q->source ? q->source : "web";
	a->ask_per_min = q->ask_per_min > 0 ? q->ask_per_min : cfg->ask_per_min;
	if (receipt_new(a->receipt) < 0) {
		ask_free(a);
		return NULL;
	}
	if (q->initial_only)
		ask_initial_name(a);
	return a;
}

int
ask_submit(const struct ask_request *q, const struct ask_sink *sink, void *ctx)
{
	struct cmd c;
	struct ask *a;

	memset(&c, 0, sizeof(c));
	c.text = (char *)q->text;
	c.name = (char *)(q->name ? q->name : "");
	if ((a = ask_begin(&c, q, sink, ctx)) == NULL)
		return -1;
	ask_lookup(a);
	return 0;
}

/* ---- the WebSocket's asks: the session is the sink, through its pending command ---- */

static int
session_alive(void *ctx)
{
	struct pending *p = ctx;

	return p->s->wsi != NULL;
}

static void
session_ack(void *ctx, const char *rid, const char *ack, size_t len, long long id, int dup)
{
	struct session *s = pending_done(ctx);

	(void)rid;
	(void)dup;
	if (s == NULL)
		return;
	if (id > 0)
		rooms_add_mine(&s->m, id);
	session_send_json(s, ack, len);
}

static void
session_err(void *ctx, const char *rid, redisReply *r, const char *code, const char *message)
{
	struct session *s = pending_done(ctx);

	if (s == NULL)
		return;
	if (r)
		pending_check(s, rid, r);
	else
		session_error(s, rid, code, message, 0);
}

static const struct ask_sink session_sink = { session_alive, session_ack, session_err };

void
cmd_ask(struct session *s, const struct cmd *c)
{
	struct pending *p = pending_new(s, c);
	struct ask_request q = {
		.room = s->room_id, .rid = c->rid, .client = s->m.client, .group = s->group,
		.source = "web",
	};
	struct ask *a;

	if ((a = ask_begin(c, &q, &session_sink, p)) == NULL) {
		pending_done(p);
		session_error(s, c->rid, "internal_error", "no receipt could be made", 0);
		return;
	}
	if (s->m.role == ROLE_OPERATOR)
		ask_by_phone(a, c);
	ask_lookup(a);
}
