/*
 * session: one client connection from handshake to close.
 *
 * Ownership: a session is shared by its connection and by every Redis
 * request that will answer it (refs, through session_hold/release). When
 * the connection closes, wsi becomes NULL and the session leaves its room,
 * but the memory stays until the last reply has arrived and found it
 * closed; replies never touch a freed session, and nothing is ever written
 * to a closed connection.
 *
 * Writes: a frame is written at once when nothing is queued and lws holds
 * nothing half-written; otherwise it is queued (outq.h) and written, one
 * per call, from session_writeable() (LWS_CALLBACK_SERVER_WRITEABLE).
 * Waiting for WRITEABLE for every frame costs two epoll_ctl() calls per
 * frame, which made fan-out far slower (docs/BENCHMARKS.md). lws keeps
 * what the socket does not take of a direct write and flushes it before
 * the next WRITEABLE. A queue that would pass --queue frames is replaced
 * by a fresh welcome, and a reader that does not even take that is closed
 * (1008 "too slow"): a slow reader costs a bounded amount of memory.
 */
#include "session.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "msg.h"
#include "rooms.h"
#include "staff.h"
#include "text.h"
#include "util.h"

#define WRITE_CLOSE ((enum lws_write_protocol)4)	/* see session_writeable() */
#define INFLIGHT_PAUSE 64	/* commands awaiting Redis before reading pauses */
#define INFLIGHT_RESUME 16

static const struct config *cfg;
static session_frame_fn frame_handler;
static struct session *all;	/* every open session, for the keepalive */

/* ---- lifetime ---- */

struct session *
session_open(struct lws *wsi, const char *ip, const char *group, const char *sid)
{
	struct session *s = xcalloc(1, sizeof(*s));

	s->wsi = wsi;
	s->refs = 1;
	snprintf(s->ip, sizeof(s->ip), "%s", ip);
	snprintf(s->group, sizeof(s->group), "%s", group);
	snprintf(s->sid, sizeof(s->sid), "%s", sid);
	outq_init(&s->out, (unsigned)cfg->queue_max);
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
	rooms_member_free(&s->m);
	outq_free(&s->out);
	free(s->rx);
	free(s);
}

void
session_closed(struct session *s)
{
	if (s->counted)
		metrics.connections[s->m.role]--;
	s->counted = 0;
	staff_untrack(s);
	rooms_leave(&s->m);
	outq_clear(&s->out);
	if (s->all_prev)
		s->all_prev->all_next = s->all_next;
	else
		all = s->all_next;
	if (s->all_next)
		s->all_next->all_prev = s->all_prev;
	s->wsi = NULL;
	session_unref(s);
}

void
session_pause_rx(struct session *s, int pause)
{
	if (s->wsi == NULL || s->rx_paused == pause)
		return;
	s->rx_paused = pause;
	lws_rx_flow_control(s->wsi, !pause);
}

void
session_hold(struct session *s, int counted)
{
	s->refs++;
	if (counted && ++s->inflight >= INFLIGHT_PAUSE)
		session_pause_rx(s, 1);
}

struct session *
session_release(struct session *s, int counted)
{
	if (counted) {
		s->inflight--;
		if (s->inflight <= INFLIGHT_RESUME && s->state == SS_LIVE)
			session_pause_rx(s, 0);
	}
	if (s->wsi == NULL) {
		session_unref(s);
		return NULL;
	}
	s->refs--;
	return s;
}

/* ---- keepalive ---- */

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
	uint64_t keepalive = (uint64_t)cfg->keepalive_s * 1000;
	struct session *s;

	for (s = all; s; s = s->all_next) {
		if (s->wsi == NULL || s->state == SS_CLOSING)
			continue;
		if (s->state == SS_NEW && now >= s->hello_by) {
			metrics.hello_timeouts++;
			session_close(s, 1008, "hello expected");
		} else if (s->ping_at && now - s->ping_at >= keepalive) {
			/* Most likely gone without a word (a phone out of coverage). */
			metrics.keepalive_closes++;
			session_close(s, 1001, "no answer to ping");
		} else if (!s->ping_at && now - s->last_rx >= keepalive) {
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

	outq_wrote(&s->out);
	metrics.frames_out++;
	metrics.bytes_out += m->len;
	return n;
}

void
session_send(struct session *s, struct msg *m)
{
	if (s->wsi == NULL || s->state == SS_CLOSING)
		return;
	if (s->out.len == 0 && !lws_partial_buffered(s->wsi)) {
		if (write_frame(s, m) < 0) {	/* a dead socket: closed from WRITEABLE */
			s->write_failed = 1;
			lws_callback_on_writable(s->wsi);
		}
		return;
	}
	switch (outq_push(&s->out, m)) {
	case OUTQ_QUEUED:
		lws_callback_on_writable(s->wsi);
		return;
	case OUTQ_RESYNC:
		/* Too far behind: start it over from a fresh welcome. */
		if (s->state == SS_LIVE && rooms_resync(&s->m) == 0) {
			outq_resynced(&s->out);
			return;
		}
		break;
	case OUTQ_CLOSE:
		break;
	}
	metrics.slow_closes++;
	session_close(s, 1008, "too slow");
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
	rooms_leave(&s->m);
	s->state = SS_CLOSING;
	/* The peer's close acknowledgement must be readable. */
	session_pause_rx(s, 0);
	s->close_code = code;
	/* Copied: the reason may point into a Redis reply about to be freed. */
	snprintf(s->close_reason, sizeof(s->close_reason), "%s", reason);
	/* The queue (with the error that explains the close) drains first. */
	lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_REASON_BASE, 10);
	lws_callback_on_writable(s->wsi);
}

/*
 * lws 4.1.6 drops the close frame of a close started by returning -1 from
 * WRITEABLE (the peer sees 1006), so the frame is written here first.
 * lws_write() takes the close opcode as write type 4, which its header
 * keeps for LWS_WRITE_CLOSE without naming it.
 */
static void
write_close(struct session *s)
{
	unsigned char frame[LWS_PRE + 2 + sizeof(s->close_reason)];
	size_t rl = strlen(s->close_reason);

	frame[LWS_PRE] = (unsigned char)(s->close_code >> 8);
	frame[LWS_PRE + 1] = (unsigned char)(s->close_code & 0xff);
	memcpy(frame + LWS_PRE + 2, s->close_reason, rl);
	lws_write(s->wsi, frame + LWS_PRE, 2 + rl, WRITE_CLOSE);
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
		if (s->out.len > 0)
			lws_callback_on_writable(s->wsi);
		return 0;
	}
	if ((m = outq_pop(&s->out)) == NULL) {
		if (s->state == SS_CLOSING) {
			write_close(s);
			return -1;
		}
		return 0;
	}
	n = write_frame(s, m);
	msg_unref(m);
	if (n < 0)
		return -1;
	if (s->out.len > 0 || s->state == SS_CLOSING)
		lws_callback_on_writable(s->wsi);
	return 0;
}

/* ---- input ---- */

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
	frame_handler(s, data, len);
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

/* ---- what the room may do to a session ---- */

#define SESSION_OF(mb) ((struct session *)((char *)(mb) - offsetof(struct session, m)))

static void
member_send(struct member *mb, struct msg *m)
{
	session_send(SESSION_OF(mb), m);
}

static void
member_fail(struct member *mb, const char *error, const char *message, int code,
    const char *reason)
{
	struct session *s = SESSION_OF(mb);

	session_error(s, NULL, error, message, 0);
	session_close(s, code, reason);
}

static void
member_live(struct member *mb)
{
	struct session *s = SESSION_OF(mb);
	char json[64];
	int n;

	s->state = SS_LIVE;
	session_pause_rx(s, 0);
	if (s->challenge) {
		/* A held new id: the work that would make its votes count. */
		n = snprintf(json, sizeof(json), "{\"type\":\"challenge\",\"bits\":%d}", cfg->id_cost);
		session_send_json(s, json, (size_t)n);
	}
}

static void
member_reset(struct member *mb)
{
	outq_clear(&SESSION_OF(mb)->out);
}

const struct member_ops session_member_ops = {
	.send = member_send,
	.fail = member_fail,
	.live = member_live,
	.reset = member_reset,
};

void
session_init(const struct config *c, session_frame_fn on_frame)
{
	cfg = c;
	frame_handler = on_frame;
}
