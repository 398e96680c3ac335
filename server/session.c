/*
 * session: one client connection from hello to close.
 *
 * Ownership: a session is shared by its connection and by every Redis
 * request that will answer it (refs). When the connection closes, wsi
 * becomes NULL and the session leaves its room, but the memory stays until
 * the last reply has arrived and found it closed; replies never touch a
 * freed session, and nothing is ever written to a closed connection.
 *
 * Writes happen only in session_writeable() (LWS_CALLBACK_SERVER_WRITEABLE),
 * one frame per call. The queue holds shared messages; when it would grow
 * past --queue the session is reset to a fresh snapshot (room_resync()),
 * and if it overflows again before that snapshot was even written, the
 * connection is closed (1008 "too slow"): a slow reader costs a bounded
 * amount of memory, and one that stopped reading is let go.
 */
#include "session.h"

#include <libwebsockets.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "config.h"
#include "dedupe.h"
#include "log.h"
#include "metrics.h"
#include "msg.h"
#include "room.h"
#include "screen.h"
#include "store.h"
#include "text.h"
#include "util.h"

#define WRITE_CLOSE ((enum lws_write_protocol)4)	/* see session_writeable() */
#define INFLIGHT_PAUSE 64	/* commands awaiting Redis before reading pauses */
#define INFLIGHT_RESUME 16

static const struct config *cfg;

struct ask;

/* New keys, in clear only between their creation and the first ack. */
struct rotate {
	char mod[AUTH_KEY_LEN + 1], pres[AUTH_KEY_LEN + 1];
};

struct pending {
	struct session *s;
	enum cmd_type type;
	char rid[PROTO_MAX_RID * 4 + 1];
	char key[PROTO_MAX_KEY + 1];	/* hello only; wiped after use */
	struct ask *ask;		/* ask and similar: their state across round trips */
	struct rotate *rotate;		/* rotate_keys: the new keys until the ack */
};

/*
 * An ask (or a similar look-up) takes two round trips: the candidates
 * that share an LSH band, verified here, then the ask script with the
 * verdict; the script may answer "retry" when a close question appeared in
 * between, and the look-up runs again.
 */
struct ask {
	char *text;
	char *name;
	char fp[DEDUPE_FP_LEN + 1];
	struct dedupe_doc doc;
	char *key;			/* the doc's key, stored with the question */
	char *flags;			/* screening: "personal_data,profanity" */
	char *masked;			/* the text with personal data masked, or "" */
	char bands[DEDUPE_BANDS * (DEDUPE_BAND_LEN + 1) + 1];
	int tries;
};

#define ASK_TRIES 5		/* look-ups before an ask is stored regardless */
#define SIMILAR_MAX 3		/* questions a "similar" look-up returns */
#define SIMILAR_MIN 0.45	/* trigram similarity worth showing a viewer */

static void ask_lookup(struct pending *p);
static void ask_store(struct pending *p, const char *seen_qid, long long target, double sim);

/* ---- id sets ---- */

int
idset_has(const struct idset *s, long long id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == id)
			return 1;
	return 0;
}

int
idset_add(struct idset *s, long long id)
{
	if (idset_has(s, id))
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = id;
	return 1;
}

int
idset_del(struct idset *s, long long id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == id) {
			s->v[i] = s->v[--s->n];
			return 1;
		}
	return 0;
}

void
idset_free(struct idset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---- lifetime ---- */

static struct session *all;	/* every open session, for the keepalive */

void
session_init(const struct config *c)
{
	cfg = c;
}

struct session *
session_open(struct lws *wsi, const char *ip)
{
	struct session *s = xcalloc(1, sizeof(*s));

	s->wsi = wsi;
	s->refs = 1;
	snprintf(s->ip, sizeof(s->ip), "%s", ip);
	s->last_rx = now_ms();
	s->all_next = all;
	if (all)
		all->all_prev = s;
	all = s;
	metrics.connections_total++;
	/*
	 * A connection that never says hello is cut like a stalled handshake,
	 * by session_keepalive(): lws's own timeout would cost a walk of its
	 * sorted timer list. Its handshake timeout ends here (a removal is
	 * cheap).
	 */
	s->hello_by = s->last_rx + (uint64_t)cfg->handshake_timeout_s * 1000;
	lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
	return s;
}

static void
session_unref(struct session *s)
{
	if (--s->refs > 0)
		return;
	idset_free(&s->mine);
	idset_free(&s->voted);
	free(s->rx);
	free(s->q);
	free(s);
}

void
session_drop_queue(struct session *s)
{
	while (s->qlen > 0) {
		msg_unref(s->q[s->qhead]);
		s->qhead = (s->qhead + 1) % s->qcap;
		s->qlen--;
	}
	s->qhead = 0;
}

void
session_closed(struct session *s)
{
	if (s->counted)
		metrics.connections[s->role]--;
	s->counted = 0;
	room_leave(s);
	session_drop_queue(s);
	if (s->all_prev)
		s->all_prev->all_next = s->all_next;
	else
		all = s->all_next;
	if (s->all_next)
		s->all_next->all_prev = s->all_prev;
	s->wsi = NULL;
	session_unref(s);
}

/* Anything from the peer (a frame or a pong) answers a ping. */
static void
heard_from(struct session *s)
{
	s->last_rx = now_ms();
	s->ping_at = 0;
}

void
session_pong(struct session *s)
{
	heard_from(s);
}

void
session_keepalive(uint64_t now)
{
	struct session *s;

	for (s = all; s; s = s->all_next) {
		if (s->wsi == NULL || s->state == SS_CLOSING)
			continue;
		if (s->state == SS_NEW && now >= s->hello_by) {
			metrics.hello_timeouts++;
			session_close(s, 1008, "hello expected");
		} else if (s->ping_at && now - s->ping_at >= (uint64_t)cfg->keepalive_s * 1000) {
			/* Most likely gone without a word (a phone out of coverage). */
			metrics.keepalive_closes++;
			session_close(s, 1001, "no answer to ping");
		} else if (!s->ping_at && now - s->last_rx >= (uint64_t)cfg->keepalive_s * 1000) {
			s->ping_at = now;
			s->ping_due = 1;
			lws_callback_on_writable(s->wsi);
		}
	}
}

/* ---- output ---- */

/* Hands one frame to lws (which keeps what the socket does not take). */
static int
write_frame(struct session *s, struct msg *m)
{
	int n = lws_write(s->wsi, m->data, m->len, LWS_WRITE_TEXT);

	s->written++;
	metrics.frames_out++;
	metrics.bytes_out += m->len;
	return n;
}

void
session_send(struct session *s, struct msg *m)
{
	if (s->wsi == NULL || s->state == SS_CLOSING)
		return;
	/*
	 * Nothing queued and nothing half-written: write now. Waiting for
	 * WRITEABLE would cost two epoll_ctl() calls per frame (lws turns
	 * write interest on, then off), which profiled as 39% of the hub's
	 * time in a fan-out. If the socket takes only part of the frame, lws
	 * keeps the rest and flushes it before our next WRITEABLE; until then
	 * frames queue here.
	 */
	if (s->qlen == 0 && !lws_partial_buffered(s->wsi)) {
		if (write_frame(s, m) < 0) {	/* a dead socket: closed from WRITEABLE */
			s->write_failed = 1;
			lws_callback_on_writable(s->wsi);
		}
		return;
	}
	if (s->qlen == s->qcap) {
		unsigned cap = s->qcap ? s->qcap * 2 : 4, i;
		struct msg **q;

		if (s->qcap >= (unsigned)cfg->queue_max) {
			/*
			 * Too far behind: start it over from a snapshot, unless
			 * it has not even taken the last one; then it is not
			 * reading at all, and holding frames for it is waste.
			 */
			if (s->state == SS_LIVE && s->room && s->written >= s->resync_at) {
				room_resync(s);
				s->resync_at = s->written + 1;
				return;
			}
			metrics.slow_closes++;
			session_close(s, 1008, "too slow");
			return;
		}
		if (cap > (unsigned)cfg->queue_max)
			cap = (unsigned)cfg->queue_max;
		q = xmalloc(cap * sizeof(*q));
		for (i = 0; i < s->qlen; i++)
			q[i] = s->q[(s->qhead + i) % s->qcap];
		free(s->q);
		s->q = q;
		s->qcap = cap;
		s->qhead = 0;
	}
	s->q[(s->qhead + s->qlen) % s->qcap] = msg_ref(m);
	s->qlen++;
	lws_callback_on_writable(s->wsi);
}

void
session_send_json(struct session *s, const char *json, size_t len)
{
	struct msg *m = msg_new(json, len);

	session_send(s, m);
	msg_unref(m);
}

void
session_error(struct session *s, const char *rid, const char *code,
    const char *message, long long retry_ms)
{
	struct sbuf b = { 0 };

	metrics_error(code);
	sbuf_init(&b, 128);
	proto_write_error(&b, rid && rid[0] ? rid : NULL, code, message, retry_ms);
	session_send_json(s, b.data, b.len);
	sbuf_free(&b);
}

void
session_close(struct session *s, int code, const char *reason)
{
	if (s->wsi == NULL || s->state == SS_CLOSING)
		return;
	if (s->state == SS_LIVE || s->state == SS_JOINING)
		room_leave(s);
	s->state = SS_CLOSING;
	/* The peer's close acknowledgement must be readable. */
	if (s->rx_paused) {
		s->rx_paused = 0;
		lws_rx_flow_control(s->wsi, 1);
	}
	s->close_code = code;
	/* Copied: the reason may point into a Redis reply about to be freed. */
	snprintf(s->close_reason, sizeof(s->close_reason), "%s", reason);
	/* The queue (with the error that explains the close) drains first. */
	lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_REASON_BASE, 10);
	lws_callback_on_writable(s->wsi);
}

int
session_writeable(struct session *s)
{
	struct msg *m;
	int n;

	if (s->write_failed)
		return -1;
	if (s->ping_due && s->state != SS_CLOSING) {
		/* A payload, so that the pong has one: lws does not report an empty pong. */
		unsigned char ping[LWS_PRE + 1] = { [LWS_PRE] = 'k' };

		s->ping_due = 0;
		if (lws_write(s->wsi, ping + LWS_PRE, 1, LWS_WRITE_PING) < 0)
			return -1;
		if (s->qlen > 0)
			lws_callback_on_writable(s->wsi);
		return 0;
	}
	if (s->qlen == 0) {
		if (s->state == SS_CLOSING) {
			/*
			 * lws 4.1.6 drops the close frame of a close started by
			 * returning -1 from WRITEABLE (the peer sees 1006), so
			 * the frame is written here first. lws_write() takes
			 * the close opcode as write type 4, which its header
			 * keeps for LWS_WRITE_CLOSE without naming it.
			 */
			unsigned char frame[LWS_PRE + 2 + sizeof(s->close_reason)];
			size_t rl = strlen(s->close_reason);

			frame[LWS_PRE] = (unsigned char)(s->close_code >> 8);
			frame[LWS_PRE + 1] = (unsigned char)(s->close_code & 0xff);
			memcpy(frame + LWS_PRE + 2, s->close_reason, rl);
			lws_write(s->wsi, frame + LWS_PRE, 2 + rl, WRITE_CLOSE);
			return -1;
		}
		return 0;
	}
	m = s->q[s->qhead];
	s->qhead = (s->qhead + 1) % s->qcap;
	s->qlen--;
	n = write_frame(s, m);
	msg_unref(m);
	if (n < 0)
		return -1;
	if (s->qlen > 0 || s->state == SS_CLOSING)
		lws_callback_on_writable(s->wsi);
	return 0;
}

/* ---- commands ---- */

static void
pause_rx(struct session *s, int pause)
{
	if (s->wsi == NULL || s->rx_paused == pause)
		return;
	s->rx_paused = pause;
	lws_rx_flow_control(s->wsi, !pause);
}

static struct pending *
pending_new(struct session *s, const struct cmd *c)
{
	struct pending *p = xcalloc(1, sizeof(*p));

	p->s = s;
	p->type = c->type;
	memcpy(p->rid, c->rid, sizeof(p->rid));
	s->refs++;
	if (c->type != CMD_HELLO && ++s->inflight >= INFLIGHT_PAUSE)
		pause_rx(s, 1);
	return p;
}

static void
ask_free(struct ask *a)
{
	if (a == NULL)
		return;
	free(a->text);
	free(a->name);
	free(a->key);
	free(a->flags);
	free(a->masked);
	dedupe_doc_free(&a->doc);
	free(a);
}

/* Releases p; returns its session if the connection is still there. */
static struct session *
pending_done(struct pending *p)
{
	struct session *s = p->s;

	ask_free(p->ask);
	if (p->rotate) {
		OPENSSL_cleanse(p->rotate, sizeof(*p->rotate));
		free(p->rotate);
	}
	if (p->type != CMD_HELLO) {
		s->inflight--;
		if (s->inflight <= INFLIGHT_RESUME && s->state == SS_LIVE)
			pause_rx(s, 0);
	}
	OPENSSL_cleanse(p->key, sizeof(p->key));
	free(p);
	if (s->wsi == NULL) {
		session_unref(s);
		return NULL;
	}
	s->refs--;
	return s;
}

static void
unavailable(struct session *s, const char *rid)
{
	session_error(s, rid, "unavailable",
	    "Redis cannot be reached; if this command was sent before, retry it with the same rid",
	    1000);
}

/*
 * Sends p's script with on_reply as its callback. If Redis cannot take it,
 * p ends at once and its client gets `unavailable`.
 */
static void
pending_script(struct pending *p, enum script_id script, int nargs, const char *const *args,
    store_reply_fn on_reply)
{
	char rid[sizeof(p->rid)];
	struct session *s;

	if (store_script(script, p->s->room_id, nargs, args, NULL, on_reply, p) == 0)
		return;
	memcpy(rid, p->rid, sizeof(rid));
	if ((s = pending_done(p)) != NULL)
		unavailable(s, rid);
}

static int
check_redis_reply(struct session *s, const char *rid, redisReply *r)
{
	const char *code, *message;
	long long retry;

	if (r == NULL) {
		unavailable(s, rid);
		return -1;
	}
	if (store_reply_ok(r))
		return 0;
	code = store_reply_err(r, &message, &retry);
	session_error(s, rid, code, message, retry);
	return -1;
}

static void
on_command(void *arg, redisReply *r)
{
	struct pending *p = arg;
	enum cmd_type type = p->type;
	char rid[sizeof(p->rid)];
	struct session *s;
	const char *ack;
	size_t len;
	long long id;

	memcpy(rid, p->rid, sizeof(rid));
	if (type == CMD_ASK && p->s->wsi && r && r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
	    (ack = store_reply_str(r, 0, NULL)) != NULL && strcmp(ack, "retry") == 0) {
		/* A close question appeared since the look-up: look again. */
		metrics.ask_retries++;
		if (++p->ask->tries < ASK_TRIES)
			ask_lookup(p);
		else
			ask_store(p, "", 0, 0);
		return;
	}
	if ((s = pending_done(p)) == NULL)
		return;
	if (check_redis_reply(s, rid, r) < 0)
		return;
	ack = store_reply_str(r, 1, &len);
	if (ack == NULL) {
		session_error(s, rid, "internal_error", "malformed reply from Redis", 0);
		return;
	}
	id = store_reply_int(r, 2);
	if (type == CMD_ASK && id > 0) {
		room_add_mine(s, id);
		metrics.asked++;
		if (store_reply_int(r, 3) == 1)
			metrics.merged++;
	} else if (type == CMD_VOTE && id > 0)
		idset_add(&s->voted, id);
	else if (type == CMD_UNVOTE && id > 0)
		idset_del(&s->voted, id);
	metrics.acks++;
	session_send_json(s, ack, len);
}

static void
run(struct session *s, const struct cmd *c, enum script_id script, int nargs,
    const char *const *args)
{
	struct pending *p = pending_new(s, c);

	pending_script(p, script, nargs, args, on_command);
}

/* Screens text: its flags ("" if none) and public text ("" if unchanged). */
static void
screen(const char *text, char **flags, char **masked)
{
	struct sbuf f = { 0 }, m = { 0 };

	sbuf_init(&f, 32);
	sbuf_init(&m, 16);
	screen_flag_names(screen_text(text, strlen(text), &m), &f);
	*flags = sbuf_steal(&f, NULL);
	*masked = sbuf_steal(&m, NULL);
}

static struct ask *
ask_new(const struct cmd *c)
{
	struct ask *a = xcalloc(1, sizeof(*a));
	struct sbuf b = { 0 };
	size_t len = strlen(c->text);
	int i;

	a->text = xstrdup(c->text);
	a->name = xstrdup(c->name ? c->name : "");
	dedupe_fingerprint(c->text, len, a->fp);
	dedupe_doc_build(&a->doc, c->text, len);
	sbuf_init(&b, 128);
	dedupe_doc_key(&a->doc, &b);
	a->key = sbuf_steal(&b, NULL);
	screen(c->text, &a->flags, &a->masked);
	for (i = 0; i < a->doc.nbands; i++) {
		if (i)
			strcat(a->bands, ",");
		strcat(a->bands, a->doc.band[i]);
	}
	return a;
}

/*
 * Verifies the candidates of a look-up reply against the doc: the best
 * match (highest similarity; the newest on a tie, as candidates come
 * newest first) that is the same question, or, with want_same = 0, any
 * close enough. Fills ids/sims (up to max) and returns how many.
 */
static size_t
verify(const struct dedupe_doc *doc, const redisReply *cands, int want_same,
    long long *ids, double *sims, size_t max)
{
	size_t i, j, k, n = 0;

	for (i = 0; cands && i < cands->elements; i++) {
		const redisReply *c = cands->element[i];
		double best = -1;

		if (c->type != REDIS_REPLY_ARRAY || c->elements < 3 ||
		    c->element[2]->type != REDIS_REPLY_ARRAY)
			continue;
		for (j = 0; j < c->element[2]->elements; j++) {
			const redisReply *key = c->element[2]->element[j];
			struct dedupe_doc other;
			double sim;
			int same;

			if (key->type != REDIS_REPLY_STRING)
				continue;
			dedupe_doc_parse(&other, key->str, key->len);
			same = dedupe_same(doc, &other);
			sim = same || !want_same ? dedupe_similarity(doc, &other) : 0;
			dedupe_doc_free(&other);
			if ((same || (!want_same && sim >= SIMILAR_MIN)) && sim > best)
				best = sim;
		}
		if (best < 0)
			continue;
		/* Insert, keeping the best `max` in descending similarity. */
		for (k = n; k > 0 && sims[k - 1] < best; k--)
			if (k < max) {
				sims[k] = sims[k - 1];
				ids[k] = ids[k - 1];
			}
		if (k < max) {
			sims[k] = best;
			ids[k] = strtoll(c->element[0]->type == REDIS_REPLY_STRING ?
			    c->element[0]->str : "0", NULL, 10);
			if (n < max)
				n++;
		}
	}
	return n;
}

static void
ask_store(struct pending *p, const char *seen_qid, long long target, double sim)
{
	struct session *s = p->s;
	struct ask *a = p->ask;
	char limit[16], iplimit[16], tgt[24] = "", simtxt[16] = "";
	const char *args[16];

	snprintf(limit, sizeof(limit), "%d", cfg->ask_per_min);
	snprintf(iplimit, sizeof(iplimit), "%d", cfg->ask_per_min_ip);
	if (target > 0) {
		snprintf(tgt, sizeof(tgt), "%lld", target);
		snprintf(simtxt, sizeof(simtxt), "%.2f", sim);
	}
	args[0] = s->client;
	args[1] = p->rid;
	args[2] = a->text;
	args[3] = a->name;
	args[4] = a->fp;
	args[5] = limit;
	args[6] = "60000";
	args[7] = a->key;
	args[8] = a->bands;
	args[9] = seen_qid;
	args[10] = tgt;
	args[11] = simtxt;
	args[12] = a->flags;
	args[13] = a->masked;
	args[14] = s->ip;
	args[15] = iplimit;
	pending_script(p, SCRIPT_ASK, 16, args, on_command);
}

static void
on_candidates(void *arg, redisReply *r)
{
	struct pending *p = arg;
	char rid[sizeof(p->rid)], seen[24];
	struct session *s = p->s;
	const char *fp_hit;
	long long id = 0;
	double sim = 0;

	memcpy(rid, p->rid, sizeof(rid));
	if (s->wsi == NULL || r == NULL || !store_reply_ok(r)) {
		if ((s = pending_done(p)) != NULL)
			check_redis_reply(s, rid, r);
		return;
	}
	snprintf(seen, sizeof(seen), "%lld", store_reply_int(r, 1));
	fp_hit = store_reply_str(r, 2, NULL);
	if (fp_hit == NULL || strcmp(fp_hit, "fp") != 0)
		verify(&p->ask->doc, r->elements > 3 ? r->element[3] : NULL, 1, &id, &sim, 1);
	ask_store(p, seen, id, sim);
}

static void
ask_lookup(struct pending *p)
{
	struct session *s = p->s;
	const char *args[6];

	args[0] = p->ask->fp;
	args[1] = p->ask->bands;
	args[2] = "ask";
	args[3] = s->client;
	args[4] = "0";
	args[5] = "0";
	pending_script(p, SCRIPT_CANDIDATES, 6, args, on_candidates);
}

static void
cmd_ask(struct session *s, const struct cmd *c)
{
	struct pending *p = pending_new(s, c);

	p->ask = ask_new(c);
	ask_lookup(p);
}

static void
on_similar(void *arg, redisReply *r)
{
	struct pending *p = arg;
	char rid[sizeof(p->rid)];
	long long ids[SIMILAR_MAX];
	double sims[SIMILAR_MAX];
	struct session *s = p->s;
	struct sbuf b = { 0 };
	size_t n, i, k = 0;

	memcpy(rid, p->rid, sizeof(rid));
	n = r && store_reply_ok(r) && s->wsi ?
	    verify(&p->ask->doc, r->elements > 3 ? r->element[3] : NULL, 0, ids, sims, SIMILAR_MAX) : 0;
	if ((s = pending_done(p)) == NULL || check_redis_reply(s, rid, r) < 0)
		return;
	sbuf_init(&b, 1024);
	sbuf_adds(&b, "{\"type\":\"ack\",\"rid\":");
	sbuf_json_strz(&b, rid);
	sbuf_adds(&b, ",\"similar\":[");
	for (i = 0; i < n; i++) {
		size_t mark = b.len;

		sbuf_printf(&b, "%s{\"similarity\":%.2f,\"q\":", k ? "," : "", sims[i]);
		if (room_write_question(s, ids[i], &b) < 0) {
			b.len = mark;	/* not in this hub's copy yet: leave it out */
			b.data[b.len] = '\0';
			continue;
		}
		sbuf_addc(&b, '}');
		k++;
	}
	sbuf_adds(&b, "]}");
	metrics.acks++;
	session_send_json(s, b.data, b.len);
	sbuf_free(&b);
}

static void
cmd_similar(struct session *s, const struct cmd *c)
{
	struct pending *p = pending_new(s, c);
	char limit[16], iplimit[16];
	const char *args[8];

	p->ask = ask_new(c);
	snprintf(limit, sizeof(limit), "%d", cfg->similar_per_min);
	snprintf(iplimit, sizeof(iplimit), "%d", cfg->similar_per_min_ip);
	args[0] = "";
	args[1] = p->ask->bands;
	args[2] = "similar";
	args[3] = s->client;
	args[4] = limit;
	args[5] = "60000";
	args[6] = s->ip;
	args[7] = iplimit;
	pending_script(p, SCRIPT_CANDIDATES, 8, args, on_similar);
}

static void
cmd_vote(struct session *s, const struct cmd *c)
{
	char id[24], limit[16], iplimit[16], fresh[24], burst[16];
	const char *args[10];

	snprintf(id, sizeof(id), "%lld", c->id);
	snprintf(limit, sizeof(limit), "%d", cfg->vote_per_min);
	snprintf(iplimit, sizeof(iplimit), "%d", cfg->vote_per_min_ip);
	snprintf(fresh, sizeof(fresh), "%lld", (long long)cfg->fresh_client_s * 1000);
	snprintf(burst, sizeof(burst), "%d", cfg->vote_burst);
	args[0] = s->client;
	args[1] = c->rid;
	args[2] = id;
	args[3] = c->type == CMD_VOTE ? "vote" : "unvote";
	args[4] = limit;
	args[5] = "60000";
	args[6] = s->ip;
	args[7] = iplimit;
	args[8] = fresh;
	args[9] = burst;
	run(s, c, SCRIPT_VOTE, 10, args);
}

static void
cmd_moderate(struct session *s, const struct cmd *c)
{
	char id[24], into[24], variant[24], fp[DEDUPE_FP_LEN + 1] = "";
	char *flags = NULL, *masked = NULL;
	const char *args[11];

	if (s->role == ROLE_PRESENTER && c->action != ACT_ANSWER &&
	    c->action != ACT_FEATURE && c->action != ACT_UNFEATURE) {
		session_error(s, c->rid, "not_allowed",
		    "presenters may only answer, feature and unfeature", 0);
		return;
	}
	if (c->action == ACT_EDIT) {
		dedupe_fingerprint(c->text, strlen(c->text), fp);
		screen(c->text, &flags, &masked);
	}
	snprintf(id, sizeof(id), "%lld", c->id);
	snprintf(into, sizeof(into), "%lld", c->into);
	snprintf(variant, sizeof(variant), "%lld", c->variant);
	args[0] = s->client;
	args[1] = c->rid;
	args[2] = proto_role_name(s->role);
	args[3] = id;
	args[4] = proto_action_name(c->action);
	args[5] = c->text ? c->text : "";
	args[6] = fp;
	args[7] = into;
	args[8] = variant;
	args[9] = flags ? flags : "";
	args[10] = masked ? masked : "";
	run(s, c, SCRIPT_MODERATE, 11, args);
	free(flags);
	free(masked);
}

static void
on_variants(void *arg, redisReply *r)
{
	struct pending *p = arg;
	char rid[sizeof(p->rid)];
	struct session *s;
	struct sbuf b = { 0 };
	const char *q;
	size_t len;

	memcpy(rid, p->rid, sizeof(rid));
	if ((s = pending_done(p)) == NULL || check_redis_reply(s, rid, r) < 0)
		return;
	if ((q = store_reply_str(r, 1, &len)) == NULL) {
		session_error(s, rid, "internal_error", "malformed reply from Redis", 0);
		return;
	}
	sbuf_init(&b, len + 64);
	sbuf_adds(&b, "{\"type\":\"ack\",\"rid\":");
	sbuf_json_strz(&b, rid);
	sbuf_adds(&b, ",\"q\":");
	sbuf_add(&b, q, len);
	sbuf_addc(&b, '}');
	metrics.acks++;
	session_send_json(s, b.data, b.len);
	sbuf_free(&b);
}

static void
cmd_variants(struct session *s, const struct cmd *c)
{
	struct pending *p = pending_new(s, c);
	char id[24];
	const char *args[1] = { id };

	snprintf(id, sizeof(id), "%lld", c->id);
	pending_script(p, SCRIPT_VARIANTS, 1, args, on_variants);
}

static void
on_rotated(void *arg, redisReply *r)
{
	struct pending *p = arg;
	struct rotate *k = p->rotate;
	char rid[sizeof(p->rid)];
	struct session *s = p->s;
	struct sbuf b = { 0 };
	const char *ack;
	size_t len;

	memcpy(rid, p->rid, sizeof(rid));
	if (s->wsi == NULL || check_redis_reply(s, rid, r) < 0 ||
	    (ack = store_reply_str(r, 1, &len)) == NULL) {
		pending_done(p);
		return;
	}
	sbuf_init(&b, len + 128);
	sbuf_add(&b, ack, len - 1);	/* without its closing brace */
	/* The keys, in clear, only in this first answer (a replay has none). */
	if (store_reply_int(r, 2) > 0) {
		if (k->mod[0]) {
			sbuf_adds(&b, ",\"moderator_key\":");
			sbuf_json_strz(&b, k->mod);
			if (s->keykind == KEY_MODERATOR)
				s->keyver = store_reply_int(r, 2);
		}
		if (k->pres[0]) {
			sbuf_adds(&b, ",\"presenter_key\":");
			sbuf_json_strz(&b, k->pres);
		}
	}
	sbuf_addc(&b, '}');
	metrics.acks++;
	session_send_json(s, b.data, b.len);
	OPENSSL_cleanse(b.data, b.len);
	sbuf_free(&b);
	pending_done(p);
}

static void
cmd_rotate(struct session *s, const struct cmd *c)
{
	struct pending *p = pending_new(s, c);
	struct rotate *k = p->rotate = xcalloc(1, sizeof(*k));
	char modhash[AUTH_HASH_LEN + 1] = "", preshash[AUTH_HASH_LEN + 1] = "";
	const char *args[5];

	if ((c->rotate_mod && auth_new_key(k->mod) < 0) || (c->rotate_pres && auth_new_key(k->pres) < 0)) {
		pending_done(p);
		session_error(s, c->rid, "internal_error", "no randomness available", 0);
		return;
	}
	if (k->mod[0])
		auth_hash(k->mod, strlen(k->mod), modhash);
	if (k->pres[0])
		auth_hash(k->pres, strlen(k->pres), preshash);
	args[0] = s->client;
	args[1] = c->rid;
	args[2] = c->rotate_mod && c->rotate_pres ? "both" : c->rotate_mod ? "moderator" : "presenter";
	args[3] = modhash;
	args[4] = preshash;
	pending_script(p, SCRIPT_ROTATE, 5, args, on_rotated);
}

static void
cmd_ban(struct session *s, const struct cmd *c)
{
	char id[24] = "";
	const char *args[4];

	if (c->id > 0)
		snprintf(id, sizeof(id), "%lld", c->id);
	args[0] = s->client;
	args[1] = c->rid;
	args[2] = id;
	args[3] = c->author;
	run(s, c, SCRIPT_BAN, 4, args);
}

static void
cmd_room(struct session *s, const struct cmd *c)
{
	const char *args[5];

	args[0] = s->client;
	args[1] = c->rid;
	args[2] = c->open < 0 ? "" : c->open ? "1" : "0";
	args[3] = c->title ? c->title : "";
	args[4] = c->moderation < 0 ? "" : c->moderation ? "1" : "0";
	run(s, c, SCRIPT_ROOM, 5, args);
}

/* ---- hello ---- */

static void
hello_fail(struct session *s, const char *code, const char *message, int close_code)
{
	session_error(s, NULL, code, message, 0);
	session_close(s, close_code, message);
}

static void
load_ids(struct idset *set, const redisReply *a)
{
	size_t i;

	if (a == NULL || a->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < a->elements; i++)
		if (a->element[i]->type == REDIS_REPLY_STRING)
			idset_add(set, strtoll(a->element[i]->str, NULL, 10));
}

static void
on_hello(void *arg, redisReply *r)
{
	struct pending *p = arg;
	char key[PROTO_MAX_KEY + 1];
	struct session *s;
	const char *hash;
	int ok;

	memcpy(key, p->key, sizeof(key));
	if ((s = pending_done(p)) == NULL)
		goto out;
	if (r == NULL) {
		hello_fail(s, "unavailable", "Redis cannot be reached; try again", 1013);
		goto out;
	}
	if (!store_reply_ok(r)) {
		const char *message;
		long long retry;
		const char *code = store_reply_err(r, &message, &retry);

		hello_fail(s, code, message, 1008);
		goto out;
	}
	if (s->role != ROLE_VIEWER) {
		/* Moderator key for moderators; either key for presenters. */
		hash = store_reply_str(r, 4, NULL);
		ok = auth_check(key, strlen(key), hash);
		if (ok) {
			s->keykind = KEY_MODERATOR;
			s->keyver = store_reply_int(r, 9);
		} else if (s->role == ROLE_PRESENTER &&
		    auth_check(key, strlen(key), store_reply_str(r, 5, NULL))) {
			ok = 1;
			s->keykind = KEY_PRESENTER;
			s->keyver = store_reply_int(r, 10);
		}
		if (!ok) {
			log_info("hello: wrong %s key for room %s from %s",
			    proto_role_name(s->role), s->room_id, s->ip);
			hello_fail(s, "auth_failed", "wrong key", 1008);
			goto out;
		}
	}
	if (s->role == ROLE_VIEWER) {
		load_ids(&s->mine, r->elements > 7 ? r->element[7] : NULL);
		load_ids(&s->voted, r->elements > 8 ? r->element[8] : NULL);
	}
	s->state = SS_JOINING;
	s->counted = 1;
	metrics.connections[s->role]++;
	room_join(s);
out:
	OPENSSL_cleanse(key, sizeof(key));
}

static void
cmd_hello(struct session *s, struct cmd *c)
{
	struct pending *p;
	const char *args[2];

	s->role = c->role;
	memcpy(s->client, c->client, sizeof(s->client));
	memcpy(s->room_id, c->room, sizeof(s->room_id));
	s->resume = c->resume;
	memcpy(s->epoch, c->epoch, sizeof(s->epoch));
	s->resume_seq = c->resume_seq;
	s->state = SS_HELLO;
	p = pending_new(s, c);
	memcpy(p->key, c->key, sizeof(p->key));
	OPENSSL_cleanse(c->key, sizeof(c->key));
	args[0] = s->client;
	args[1] = s->role == ROLE_VIEWER ? "1" : "0";
	pause_rx(s, 1);
	if (store_script(SCRIPT_HELLO, s->room_id, 2, args, NULL, on_hello, p) < 0) {
		pending_done(p);
		hello_fail(s, "unavailable", "Redis cannot be reached; try again", 1013);
	}
}

void
session_live(struct session *s)
{
	s->state = SS_LIVE;
	pause_rx(s, 0);
}

static void
dispatch(struct session *s, struct cmd *c)
{
	if (c->type == CMD_HELLO) {
		if (s->state != SS_NEW)
			session_error(s, NULL, "bad_request", "hello was already sent", 0);
		else
			cmd_hello(s, c);
		return;
	}
	if (s->state != SS_LIVE) {
		session_error(s, c->rid, "bad_request",
		    s->state == SS_NEW ? "send hello first" : "wait for the welcome", 0);
		return;
	}
	switch (c->type) {
	case CMD_ASK:
	case CMD_VOTE:
	case CMD_UNVOTE:
	case CMD_SIMILAR:
		if (s->role != ROLE_VIEWER) {
			session_error(s, c->rid, "not_allowed", "only viewers ask and vote", 0);
			return;
		}
		if (c->type == CMD_ASK)
			cmd_ask(s, c);
		else if (c->type == CMD_SIMILAR)
			cmd_similar(s, c);
		else
			cmd_vote(s, c);
		return;
	case CMD_MODERATE:
		if (s->role == ROLE_VIEWER) {
			session_error(s, c->rid, "not_allowed", "viewers cannot moderate", 0);
			return;
		}
		cmd_moderate(s, c);
		return;
	case CMD_BAN:
	case CMD_ROOM:
	case CMD_VARIANTS:
	case CMD_ROTATE:
		if (s->role != ROLE_MODERATOR) {
			session_error(s, c->rid, "not_allowed", "only moderators may do this", 0);
			return;
		}
		if (c->type == CMD_BAN)
			cmd_ban(s, c);
		else if (c->type == CMD_ROOM)
			cmd_room(s, c);
		else if (c->type == CMD_ROTATE)
			cmd_rotate(s, c);
		else
			cmd_variants(s, c);
		return;
	case CMD_HELLO:
		return;
	}
}

static void
handle_frame(struct session *s, const char *data, size_t len)
{
	struct proto_error e;
	struct cmd c;

	if (proto_parse(data, len, &c, &e) < 0) {
		session_error(s, e.has_rid ? e.rid : NULL, e.code, e.message, 0);
		/* A hello that cannot be accepted ends the connection. */
		if (s->state == SS_NEW && e.hello)
			session_close(s, 1008, "hello refused");
		return;
	}
	dispatch(s, &c);
	proto_cmd_free(&c);
}

int
session_receive(struct session *s, const void *in, size_t len, int complete, int binary)
{
	const char *data = in;

	heard_from(s);
	if (s->state == SS_CLOSING)
		return 0;
	if (binary) {
		lws_close_reason(s->wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
		    (unsigned char *)"binary frames are not accepted", 30);
		return -1;
	}
	if (!s->rx_active && complete) {
		if (len > PROTO_MAX_FRAME)
			goto too_big;
	} else {
		if (!s->rx_active) {
			s->rx_active = 1;
			s->rxlen = 0;
		}
		if (s->rxlen + len > PROTO_MAX_FRAME)
			goto too_big;
		if (s->rx == NULL)
			s->rx = xmalloc(PROTO_MAX_FRAME);
		memcpy(s->rx + s->rxlen, in, len);
		s->rxlen += len;
		if (!complete)
			return 0;
		data = s->rx;
		len = s->rxlen;
	}
	if (!text_utf8_valid(data, len)) {
		lws_close_reason(s->wsi, LWS_CLOSE_STATUS_INVALID_PAYLOAD,
		    (unsigned char *)"invalid UTF-8", 13);
		return -1;
	}
	handle_frame(s, data, len);
	s->rx_active = 0;
	free(s->rx);
	s->rx = NULL;
	s->rxlen = 0;
	return 0;
too_big:
	lws_close_reason(s->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
	    (unsigned char *)"message over 8 KiB", 18);
	return -1;
}
