/*
 * session: one WebSocket client's connection, from the handshake to the
 * close: its frames in (reassembled, size- and UTF-8-checked), its bounded
 * queue of frames out, its keepalive, and its lifetime while commands it
 * sent are still awaited from Redis. What a complete frame means is not
 * this module's business: it hands every frame to the handler given to
 * session_init() (commands.c).
 */
#ifndef SURAK_SESSION_H
#define SURAK_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "member.h"
#include "outq.h"
#include "proto.h"

struct lws;
struct msg;
struct config;

enum session_state {
	SS_NEW,		/* waiting for hello */
	SS_HELLO,	/* hello sent to Redis */
	SS_JOINING,	/* admitted, waiting for the room's copy */
	SS_LIVE,	/* welcome sent: commands accepted, events flow */
	SS_CLOSING	/* a close was requested; nothing more is read */
};

struct session {
	struct lws *wsi;	/* NULL once the connection is gone */
	unsigned refs;		/* the connection + each command awaited from Redis */
	enum session_state state;
	struct member m;	/* role, client, key; the rest is the room's */
	char ip[ADDR_MAX];
	char group[ADDR_MAX];	/* its address group: what per-address limits count by */
	char room_id[PROTO_ID_LEN + 1];
	int challenge;		/* owes a proof of work (--id-cost): told so once live */
	char sid[65];		/* SHA-256 hex of its staff session cookie, or "" (staff.h) */
	struct session *staff_next, *staff_prev;	/* signed-in, tracked by staff.c */
	int staff_tracked;

	struct outq out;	/* frames waiting for the socket */
	int rx_paused;
	int counted;		/* in metrics.connections */
	unsigned inflight;	/* commands awaiting Redis (hello excluded) */

	/* a message arriving in several fragments */
	char *rx;
	size_t rxlen;
	int rx_active;

	/* set when the hub decides to close: code and reason for the close frame */
	int close_code;
	char close_reason[64];

	/* keepalive: see session_keepalive() */
	struct session *all_next, *all_prev;	/* every open session */
	uint64_t last_rx;	/* ms: the last frame or pong from the peer */
	uint64_t ping_at;	/* ms: when a ping went unanswered so far, or 0 */
	int ping_due;		/* a ping waits for WRITEABLE */
	uint64_t hello_by;	/* ms: closed if still without hello then */
	int write_failed;	/* a direct write failed: close at WRITEABLE */

	/* pages asked for in the current second (served from memory, but not without bound) */
	uint64_t page_second;
	unsigned pages;
};

/* Called with every complete, valid UTF-8 text frame of a session. */
typedef void (*session_frame_fn)(struct session *s, const char *data, size_t len);

void session_init(const struct config *cfg, session_frame_fn on_frame);
/* What the room modules may do to sessions (member.h), for rooms_init(). */
extern const struct member_ops session_member_ops;

/* The WebSocket is established / has closed. */
/* sid: the SHA-256 hex of the staff session cookie sent with the upgrade, or "". */
struct session *session_open(struct lws *wsi, const char *ip, const char *group, const char *sid);
void session_closed(struct session *s);

/* Part of a message arrived (`complete` when it is the last part); -1 if the connection must close. */
int session_receive(struct session *s, const void *in, size_t len, int complete, int binary);
/* The socket can take a frame; -1 if the connection must close. */
int session_writeable(struct session *s);
/* The peer answered a ping. */
void session_pong(struct session *s);

/*
 * Every second (ws.c): drops a session without hello after
 * --handshake-timeout, pings every session silent for --keepalive seconds,
 * and drops one still silent --keepalive seconds after its ping. (lws's
 * own validity timer does the same with one timer per connection in a
 * sorted list that every received frame re-sorts: docs/ARCHITECTURE.md.)
 */
void session_keepalive(uint64_t now);

/* Queues a frame (taking a new reference to m). */
void session_send(struct session *s, struct msg *m);
void session_send_json(struct session *s, const char *json, size_t len);
void session_error(struct session *s, const char *rid, const char *code,
    const char *message, long long retry_ms);
/* Closes the connection with code and reason once what is queued has gone. */
void session_close(struct session *s, int code, const char *reason);

/*
 * A command of s now awaits Redis: s stays allocated until the matching
 * session_release(), and reading pauses while too many are awaited.
 * `counted` is 0 for a hello (it pauses reading by itself until the welcome).
 */
void session_hold(struct session *s, int counted);
/* That command was answered; returns s, or NULL if its connection is gone. */
struct session *session_release(struct session *s, int counted);
/* Stops (pause = 1) or resumes reading frames from the client. */
void session_pause_rx(struct session *s, int pause);

#endif
