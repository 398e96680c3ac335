/*
 * store: everything the hub asks of Redis: the one Redis of --redis, or
 * the masters of a Redis Cluster (--redis-cluster), each room's commands
 * and events on the node that serves its hash slot. Two connections per
 * node on the hub's libuv loop (rconn.h): one for commands (the Lua
 * scripts, pipelined, at most --redis-inflight at Redis at once, the rest
 * waiting in the hub), one for subscriptions. Every command has a
 * deadline from when it is sent and fails alone when it passes; the
 * connections are declared dead only when a heartbeat shows the node
 * itself is not answering, then re-established with backoff, their
 * scripts reloaded, their rooms told to subscribe again.
 */
#ifndef SURAK_STORE_H
#define SURAK_STORE_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <uv.h>

#include "script.h"

struct config;

/*
 * A script's reply. `reply` is NULL when Redis could not be reached or did
 * not answer in time: the command may or may not have been stored, which
 * is why every mutating command carries a rid that makes retries safe.
 * The reply is freed by the store after the callback returns.
 */
typedef void (*store_reply_fn)(void *arg, redisReply *reply);
/*
 * Asked before a command that waited for admission is sent: 0 if its
 * caller no longer needs it (the client left); it is then not sent and
 * its reply function gets NULL.
 */
typedef int (*store_wanted_fn)(void *arg);

struct store_hooks {
	/* A room event arrived (SPUBLISHed by a script). */
	void (*on_event)(const char *room, const char *payload, size_t len);
	/* The subscription to a room's channel is confirmed: events flow from now. */
	void (*on_subscribed)(const char *room);
	/* Leaving a room's channel is confirmed. */
	void (*on_unsubscribed)(const char *room);
	/* A subscriber connection is (back) up: rooms may subscribe (again). */
	void (*on_sub_ready)(void);
	/*
	 * A room's subscription is gone without being left: its node's
	 * subscriber was lost, or its slot moved to another node. Events may
	 * have been missed; subscribing again reloads the room.
	 */
	void (*on_lost)(const char *room);
};

int store_init(uv_loop_t *loop, const struct config *cfg, const struct store_hooks *hooks);
void store_shutdown(void);

/* 1 while commands are accepted (connected, scripts loaded). */
int store_ready(void);
/* 1 while both commands and subscriptions work. */
int store_healthy(void);

enum store_status {
	STORE_SENT = 0,		/* fn will be called exactly once */
	STORE_DOWN = -1,	/* Redis is unavailable right now; fn is not called */
	STORE_BUG = -2		/* an argument was not set (logged); fn is not called */
};

/*
 * Runs script `s` for `room`. args holds the script's own arguments by
 * their slots (for ask: args[ASK_CLIENT], …, ASK_NARGS of them, none NULL;
 * see script.h); the common ones (key prefix, channel, now, history length)
 * are added here.
 */
/* A script's full source as Redis runs it (lib.lua, the table A, the script); malloc'd. */
char *store_script_source(enum script_id s);
enum store_status store_run(enum script_id s, const char *room, const char *const *args,
    store_reply_fn fn, void *arg, store_wanted_fn wanted);

/* This hub process's random id (also names its heartbeat channel). */
const char *store_hub_id(void);

/*
 * Subscribes to / leaves a room's channel on the node that serves the
 * room; -1 if that node's subscriber is not connected (or, in a cluster,
 * the room's node is not known yet).
 */
int store_subscribe(const char *room);
int store_unsubscribe(const char *room);

/*
 * Helpers for the {"ok", …} / {"err", code, message, retry} convention of
 * the scripts. store_reply_ok() is 1 for an "ok" array. store_reply_err()
 * returns the error code (or "internal_error" for a malformed or Redis
 * error reply) and fills message and retry.
 */
int store_reply_ok(const redisReply *r);
const char *store_reply_err(const redisReply *r, const char **message, long long *retry_ms);
/* Element i of an array reply as a string (NULL if absent or not a string). */
const char *store_reply_str(const redisReply *r, size_t i, size_t *len);
/* Element i of an array reply if it is an array itself, else NULL. */
const redisReply *store_reply_array(const redisReply *r, size_t i);
long long store_reply_int(const redisReply *r, size_t i);

#endif
