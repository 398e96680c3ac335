/*
 * rconn: one asynchronous connection to Redis on the hub's loop, with what
 * hiredis 0.14 lacks: deadlines, admission, reconnection.
 *
 * Admission: at most `max_inflight` requests are at Redis at once; the
 * rest wait here, in order, and are sent as replies come back. A crowd of
 * thousands of commands therefore queues in the hub, not in Redis' socket,
 * and each command's deadline counts from when it is sent: a reply that
 * comes late because thousands were ahead of it is not late.
 *
 * Deadlines: a request without a reply `deadline_ms` after it was sent
 * fails alone (its callback gets NULL: the caller answers `unavailable`);
 * its reply, when it comes, is dropped. A request that waited for
 * admission longer than RCONN_WAIT_FACTOR deadlines fails too. Neither
 * says anything about the connection: whether Redis is alive is for the
 * owner to judge (nodes.c's heartbeat), and rconn_reset() is how it says
 * it is not. A connection that fails to connect or set up in time is
 * reset; a reset connection reconnects with backoff.
 *
 * Never: call redisAsyncFree() on a context whose disconnect callback has
 * run (hiredis frees it itself), or send on a connection not ready.
 */
#ifndef SURAK_RCONN_H
#define SURAK_RCONN_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct redis_addr;
struct rconn;

#define RCONN_WAIT_FACTOR 5	/* deadlines a request may wait for admission */

/* A reply, or NULL: no reply in time, the connection was lost, or the request was not wanted any more. */
typedef void (*rconn_reply_fn)(void *arg, redisReply *r);
/* 0 if the caller no longer needs the request (its client left): it is then not sent. */
typedef int (*rconn_wanted_fn)(void *arg);

struct rconn_hooks {
	/* Connected: send the setup commands (rconn_setup_send()); the connection is ready when they are all answered. */
	void (*setup)(struct rconn *c, void *ud);
	/* Setup answered: requests flow. */
	void (*ready)(struct rconn *c, void *ud);
	/* Lost (or reset): every request in flight or waiting has been answered NULL. */
	void (*lost)(struct rconn *c, void *ud, const char *why);
	/* A subscriber connection's message (pushes, subscribe confirmations). */
	void (*message)(struct rconn *c, void *ud, redisReply *r);
};

struct rconn_stats {
	unsigned inflight, waiting;
	uint64_t timeouts_reply, timeouts_wait, cancelled;
	uint64_t waited;		/* requests that had to wait for admission */
};

struct rconn *rconn_new(uv_loop_t *loop, const char *name, const struct redis_addr *addr,
    int subscriber, unsigned max_inflight, uint64_t deadline_ms,
    const struct rconn_hooks *hooks, void *ud);
/* Drops the connection (callbacks get NULL) and frees it. */
void rconn_free(struct rconn *c);

int rconn_ready(const struct rconn *c);
const char *rconn_name(const struct rconn *c);
const struct rconn_stats *rconn_stats(const struct rconn *c);

/*
 * Sends a command, or queues it for admission. argv is copied. fn is
 * called exactly once; wanted (may be NULL) is asked before a queued
 * request is sent. With `priority` the request skips admission (the
 * heartbeat, a script reloaded after NOSCRIPT). -1 if not ready (fn is not
 * called).
 */
int rconn_send(struct rconn *c, int argc, const char *const *argv, const size_t *lens,
    rconn_reply_fn fn, void *arg, rconn_wanted_fn wanted, int priority);
/* During setup: a command whose reply the setup waits for; fn may be NULL. */
int rconn_setup_send(struct rconn *c, int argc, const char *const *argv, rconn_reply_fn fn, void *arg);
/*
 * A subscriber's SUBSCRIBE/UNSUBSCRIBE; its answers arrive as messages. In
 * setup it is a setup step, ended by rconn_setup_step(). -1 if not ready.
 */
int rconn_subscribe(struct rconn *c, const char *verb, const char *channel);
/*
 * A subscriber's SSUBSCRIBE (on) or SUNSUBSCRIBE of a shard channel; the
 * answers ("ssubscribe", "smessage", "sunsubscribe", then "unsubscribe"
 * when leaving) arrive as messages. -1 if not ready.
 */
int rconn_shard_subscribe(struct rconn *c, const char *channel, int on);
/* One setup step ended (a subscriber's setup subscription confirmed). */
void rconn_setup_step(struct rconn *c);

/* Reads what the socket holds now (before judging that a reply is late). */
void rconn_read_now(struct rconn *c);
/* Declares the connection dead: dropped now, reconnected with backoff. */
void rconn_reset(struct rconn *c, const char *why);
/* The watchdog: deadlines, reconnection. Call it every ~100 ms. */
void rconn_tick(struct rconn *c, uint64_t now);

#endif
