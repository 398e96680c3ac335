/*
 * copy: a hub's in-memory copy of one room, a cache of Redis rebuilt from
 * the snapshot script at any time: the room object, every question not
 * merged away (moderator view), the last `history` events, and the seq
 * the copy is valid up to.
 *
 * Events are applied in seq order: one at seq + 1 is applied, an older one
 * is a duplicate and ignored, a newer one is a gap (events were lost) and
 * the caller reloads. Pure data: no sockets, no clock, no Redis connection
 * (copy_load() reads a snapshot reply, a plain hiredis structure).
 */
#ifndef SURAK_COPY_H
#define SURAK_COPY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "role.h"

struct event;
struct redisReply;

struct copy {
	int ready;			/* loaded: valid up to seq */
	uint64_t seq;
	char epoch[PROTO_ID_LEN + 1];
	json_t *meta;			/* the room object */
	json_t *qs;			/* "id" → question, moderator view */
	struct event **ring;		/* the last events, oldest first */
	size_t ring_start, ring_len, history;
};

enum copy_apply { COPY_APPLIED, COPY_STALE, COPY_GAP };

void copy_init(struct copy *c, size_t history);
void copy_free(struct copy *c);

/*
 * Replaces the copy by a reply of the snapshot script; 0, or -1 (the copy
 * unchanged) if the reply is malformed.
 */
int copy_load(struct copy *c, const struct redisReply *r);
/* Starts a reload: the copy holds this room state and no question yet. */
void copy_reset(struct copy *c, json_t *meta, uint64_t seq, const char *epoch);
/* During a reload: one question (takes the reference) and one kept event, oldest first. */
void copy_put_question(struct copy *c, json_t *q);
void copy_keep_event(struct copy *c, struct event *ev);

/* Applies one event (see above); the copy keeps a reference when applied. */
enum copy_apply copy_apply(struct copy *c, struct event *ev);

/* Index of the first kept event after seq, or -1 if the history lacks one. */
long copy_after(const struct copy *c, uint64_t seq);
/* The i-th kept event, oldest first. */
struct event *copy_event(const struct copy *c, size_t i);

/* A question of the copy, or NULL. */
json_t *copy_question(const struct copy *c, long long id);
/* Questions `view` sees, in rank order (higher score, then lower id); the caller frees the array. */
json_t **copy_ranked(const struct copy *c, enum view view, size_t *n);
/* The same, newest first (later created, then higher id). */
json_t **copy_newest(const struct copy *c, enum view view, size_t *n);

#endif
