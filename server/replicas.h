/*
 * replicas: --redis-replicas N, changes acknowledged only once N Redis
 * replicas have them. A script's reply is held (copied, since hiredis
 * frees it after its callback) until WAIT says N replicas have everything
 * written so far, that script's changes included; if they do not within
 * --redis-replica-wait, the reply becomes "none" (the client gets
 * `unavailable`, and its retry with the same rid is a replay, so nothing
 * is done twice). WAIT blocks the connection it is sent on, so one is in
 * flight at a time and covers every reply held before it was sent.
 */
#ifndef SURAK_REPLICAS_H
#define SURAK_REPLICAS_H

#include <hiredis/hiredis.h>

#include "store.h"

struct rconn;
struct config;

void replicas_init(struct rconn *cmd, const struct config *cfg);
/* 1 if a reply of script s must wait for the replicas (a change, with --redis-replicas). */
int replicas_wanted(enum script_id s, const redisReply *r);
/* Holds r; fn(arg, r or NULL) once the replicas have it, or not in time. */
void replicas_hold(const redisReply *r, store_reply_fn fn, void *arg);

#endif
