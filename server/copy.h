/*
 * copy: a hub's in-memory copy of one room, a cache of Redis rebuilt from
 * the snapshot script at any time: the room object, every question not
 * merged away (moderator view), its near-duplicate index (lookup.h), the
 * last `history` events, and the seq the copy is valid up to.
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
struct lookup;
struct redisReply;

struct copy {
	int ready;			/* loaded: valid up to seq */
	uint64_t seq;
	uint64_t seq0;			/* while loading in chunks: the first chunk's seq */
	char epoch[PROTO_ID_LEN + 1];
	long long modver, presver;	/* the key versions valid now */
	json_t *meta;			/* the room object */
	json_t *qs;			/* "id" → question, moderator view */
	struct lookup *lookup;		/* the near-duplicate index (lookup.h) */
	struct event **ring;		/* the last events, oldest first */
	size_t ring_start, ring_len, history;
};

enum copy_apply { COPY_APPLIED, COPY_STALE, COPY_GAP };

void copy_init(struct copy *c, size_t history);
void copy_free(struct copy *c);

/*
 * Loads a chunk of the snapshot script (first: the copy starts over from
 * it). Returns 1 when that was the last chunk (the history has been
 * replayed over the chunks: the copy is exact at its seq), 0 when more
 * are to come (*next is the next chunk's cursor), -1 if the reply is
 * malformed or the history does not reach back to the first chunk (load
 * again).
 */
int copy_load_chunk(struct copy *c, const struct redisReply *r, int first, long long *next);
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
