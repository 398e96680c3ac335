/*
 * session: one WebSocket client. Reads its frames, checks them against the
 * contract and its role, runs its commands through the store, and queues
 * what it must receive. The queue is bounded: a session that falls behind
 * is reset to a fresh snapshot instead of holding an ever-growing backlog.
 */
#ifndef SURAK_SESSION_H
#define SURAK_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct lws;
struct msg;
struct room;
struct config;

#define KEY_MODERATOR 1
#define KEY_PRESENTER 2

/* A small set of question ids (a client asks and votes a handful). */
struct idset {
	long long *v;
	size_t n, cap;
};

int idset_has(const struct idset *s, long long id);
int idset_add(struct idset *s, long long id);	/* 1 if added */
int idset_del(struct idset *s, long long id);	/* 1 if removed */
void idset_free(struct idset *s);

enum session_state {
	SS_NEW,		/* waiting for hello */
	SS_HELLO,	/* hello sent to Redis */
	SS_JOINING,	/* admitted, waiting for the room's snapshot */
	SS_LIVE,	/* welcome sent: commands accepted, events flow */
	SS_CLOSING	/* a close was requested; nothing more is read */
};

struct session {
	struct lws *wsi;	/* NULL once the connection is gone */
	unsigned refs;		/* the connection + each Redis reply awaited */
	enum session_state state;
	enum role role;
	char client[PROTO_ID_LEN + 1];
	char ip[64];
	char room_id[PROTO_ID_LEN + 1];
	int keykind;		/* which key admitted it: 0 none, KEY_MODERATOR, KEY_PRESENTER */
	long long keyver;	/* that key's version when it did */
	struct room *room;	/* set from room_join() to room_leave() */
	struct session *next, *prev;	/* in the room's list */

	/* hello's resume point */
	int resume;
	char epoch[PROTO_ID_LEN + 1];
	long long resume_seq;

	struct idset mine;	/* questions this client asked */
	struct idset voted;	/* questions this client voted for */

	/* outgoing frames, a ring of shared messages */
	struct msg **q;
	unsigned qhead, qlen, qcap;
	uint64_t written;	/* frames handed to lws so far */
	uint64_t resync_at;	/* the frame number of the last resync's snapshot */
	int rx_paused;
	int counted;		/* in metrics.connections */
	unsigned inflight;	/* commands awaiting Redis */

	/* a message arriving in several fragments or chunks */
	char *rx;
	size_t rxlen;
	int rx_active;

	/* set when the hub decides to close: code and reason for lws */
	int close_code;
	char close_reason[64];

	/* keepalive: see session_keepalive() */
	struct session *all_next, *all_prev;	/* every open session */
	uint64_t last_rx;	/* ms: the last frame or pong from the peer */
	uint64_t ping_at;	/* ms: when a ping went unanswered so far, or 0 */
	int ping_due;		/* a ping waits for WRITEABLE */
	uint64_t hello_by;	/* ms: closed if still without hello then */
	int write_failed;	/* a direct write failed: close at WRITEABLE */
};

void session_init(const struct config *cfg);

/* The WebSocket is established / has closed. */
struct session *session_open(struct lws *wsi, const char *ip);
void session_closed(struct session *s);

/*
 * Part of a message arrived (`complete` when it is the last part); returns
 * -1 if the connection must close.
 */
int session_receive(struct session *s, const void *in, size_t len, int complete,
    int binary);
/* The socket can take a frame; returns -1 if the connection must close. */
int session_writeable(struct session *s);

/* The peer answered a ping. */
void session_pong(struct session *s);

/*
 * Drops a session without hello after --handshake-timeout, pings every
 * session silent for --keepalive seconds, and drops one still silent
 * --keepalive seconds after its ping. ws.c calls it every second. (lws's own validity
 * timer does the same, but keeps one timer per connection in a sorted
 * list that every received frame re-sorts in O(connections).)
 */
void session_keepalive(uint64_t now);

/* Queues a frame (taking a new reference to m). */
void session_send(struct session *s, struct msg *m);
/* Queues a frame from JSON text. */
void session_send_json(struct session *s, const char *json, size_t len);
/* Sends an error frame. */
void session_error(struct session *s, const char *rid, const char *code,
    const char *message, long long retry_ms);
/* Asks lws to close the connection with code and reason after the queue drains. */
void session_close(struct session *s, int code, const char *reason);
/* The room has sent the welcome: commands are accepted from now. */
void session_live(struct session *s);
/* Drops the queue (it overflowed); the room sends a fresh snapshot. */
void session_drop_queue(struct session *s);

#endif
