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
 * so a slow reader costs a bounded amount of memory.
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
#include "store.h"
#include "text.h"
#include "util.h"

#define INFLIGHT_PAUSE 64	/* commands awaiting Redis before reading pauses */
#define INFLIGHT_RESUME 16

static const struct config *cfg;

struct pending {
	struct session *s;
	enum cmd_type type;
	char rid[PROTO_MAX_RID * 4 + 1];
	char key[PROTO_MAX_KEY + 1];	/* hello only; wiped after use */
};

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
	metrics.connections_total++;
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
	s->wsi = NULL;
	session_unref(s);
}

/* ---- output ---- */

void
session_send(struct session *s, struct msg *m)
{
	if (s->wsi == NULL || s->state == SS_CLOSING)
		return;
	if (s->qlen == s->qcap) {
		unsigned cap = s->qcap ? s->qcap * 2 : 4, i;
		struct msg **q;

		if (s->qcap >= (unsigned)cfg->queue_max) {
			/* Too far behind: start it over from a snapshot. */
			if (s->state == SS_LIVE && s->room) {
				room_resync(s);
				return;
			}
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
	s->close_code = code;
	/* Copied: the reason may point into a Redis reply about to be freed. */
	snprintf(s->close_reason, sizeof(s->close_reason), "%s", reason);
	/* The queue (with the error that explains the close) drains first. */
	lws_set_timeout(s->wsi, PENDING_TIMEOUT_CLOSE_SEND, 5);
	lws_callback_on_writable(s->wsi);
}

int
session_writeable(struct session *s)
{
	struct msg *m;
	int n;

	if (s->qlen == 0) {
		if (s->state == SS_CLOSING) {
			lws_close_reason(s->wsi, (enum lws_close_status)s->close_code,
			    (unsigned char *)s->close_reason, strlen(s->close_reason));
			return -1;
		}
		return 0;
	}
	m = s->q[s->qhead];
	s->qhead = (s->qhead + 1) % s->qcap;
	s->qlen--;
	n = lws_write(s->wsi, m->data, m->len, LWS_WRITE_TEXT);
	metrics.frames_out++;
	metrics.bytes_out += m->len;
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

/* Releases p; returns its session if the connection is still there. */
static struct session *
pending_done(struct pending *p)
{
	struct session *s = p->s;

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

	if (store_script(script, s->room_id, nargs, args, NULL, on_command, p) < 0) {
		pending_done(p);
		unavailable(s, c->rid);
	}
}

static void
cmd_ask(struct session *s, const struct cmd *c)
{
	char fp[DEDUPE_FP_LEN + 1], limit[16], window[16];
	const char *args[7];

	dedupe_fingerprint(c->text, strlen(c->text), fp);
	snprintf(limit, sizeof(limit), "%d", cfg->ask_per_min);
	snprintf(window, sizeof(window), "%d", 60000);
	args[0] = s->client;
	args[1] = c->rid;
	args[2] = c->text;
	args[3] = c->name ? c->name : "";
	args[4] = fp;
	args[5] = limit;
	args[6] = window;
	run(s, c, SCRIPT_ASK, 7, args);
}

static void
cmd_vote(struct session *s, const struct cmd *c)
{
	char id[24], limit[16];
	const char *args[6];

	snprintf(id, sizeof(id), "%lld", c->id);
	snprintf(limit, sizeof(limit), "%d", cfg->vote_per_min);
	args[0] = s->client;
	args[1] = c->rid;
	args[2] = id;
	args[3] = c->type == CMD_VOTE ? "vote" : "unvote";
	args[4] = limit;
	args[5] = "60000";
	run(s, c, SCRIPT_VOTE, 6, args);
}

static void
cmd_moderate(struct session *s, const struct cmd *c)
{
	char id[24], into[24], variant[24], fp[DEDUPE_FP_LEN + 1] = "";
	const char *args[9];

	if (s->role == ROLE_PRESENTER && c->action != ACT_ANSWER &&
	    c->action != ACT_FEATURE && c->action != ACT_UNFEATURE) {
		session_error(s, c->rid, "not_allowed",
		    "presenters may only answer, feature and unfeature", 0);
		return;
	}
	if (c->action == ACT_EDIT)
		dedupe_fingerprint(c->text, strlen(c->text), fp);
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
	run(s, c, SCRIPT_MODERATE, 9, args);
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
		if (s->role == ROLE_PRESENTER)
			ok |= auth_check(key, strlen(key), store_reply_str(r, 5, NULL));
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
	const char *args[1];

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
	pause_rx(s, 1);
	if (store_script(SCRIPT_HELLO, s->room_id, 1, args, NULL, on_hello, p) < 0) {
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
		if (s->role != ROLE_VIEWER) {
			session_error(s, c->rid, "not_allowed", "only viewers ask and vote", 0);
			return;
		}
		if (c->type == CMD_ASK)
			cmd_ask(s, c);
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
		if (s->role != ROLE_MODERATOR) {
			session_error(s, c->rid, "not_allowed", "only moderators may do this", 0);
			return;
		}
		if (c->type == CMD_BAN)
			cmd_ban(s, c);
		else
			cmd_room(s, c);
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
