/*
 * replicas: --redis-replicas N, changes acknowledged only once N Redis
 * replicas have them. A script's reply is held (copied, since hiredis
 * frees it after its callback) until WAIT says N replicas have everything
 * written so far, that script's changes included; if they do not within
 * --redis-replica-wait, the reply becomes "none" (the client gets
 * `unavailable`, and its retry with the same rid is a replay, so nothing
 * is done twice). WAIT blocks the connection it is sent on, so one is in
 * flight at a time per connection and covers every reply held before it
 * was sent.
 */
#ifndef SURAK_REPLICAS_H
#define SURAK_REPLICAS_H

#include <hiredis/hiredis.h>

#include "store.h"

struct rconn;
struct config;

/* The held replies of one command connection (each master's, in a cluster). */
struct replicas *replicas_new(struct rconn *cmd, const struct config *cfg);
/* After the connection is freed: whatever is still held is answered NULL. */
void replicas_free(struct replicas *rp);
/* 1 if a reply of script s must wait for the replicas (a change, with --redis-replicas). */
int replicas_wanted(const struct config *cfg, enum script_id s, const redisReply *r);
/* Holds r; fn(arg, r or NULL) once the replicas have it, or not in time. */
void replicas_hold(struct replicas *rp, const redisReply *r, store_reply_fn fn, void *arg);

#endif
