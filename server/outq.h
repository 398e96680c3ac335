/*
 * outq: one connection's bounded queue of frames waiting for the socket.
 * Frames are shared (struct msg, reference counted); the queue holds one
 * reference per frame. It grows by doubling up to `max` frames; a push
 * into a full queue is refused with a verdict instead:
 *
 *   OUTQ_RESYNC  the reader is behind but has taken the last snapshot
 *                it was sent (or none was sent): start it over from a
 *                fresh one rather than keep a backlog;
 *   OUTQ_CLOSE   it has not even taken that snapshot: it is not reading,
 *                and holding frames for it is waste.
 *
 * Pure bookkeeping: nothing here touches a socket.
 */
#ifndef SURAK_OUTQ_H
#define SURAK_OUTQ_H

#include <stdint.h>

struct msg;

struct outq {
	struct msg **q;		/* a ring of cap slots */
	unsigned head, len, cap;
	unsigned max;
	uint64_t written;	/* frames handed to the socket so far */
	uint64_t resync_at;	/* written must reach this for the last snapshot to count as taken */
};

enum outq_verdict { OUTQ_QUEUED, OUTQ_RESYNC, OUTQ_CLOSE };

void outq_init(struct outq *q, unsigned max);
/* Drops every queued frame and frees the ring. */
void outq_free(struct outq *q);
/* Drops every queued frame (a fresh snapshot replaces them). */
void outq_clear(struct outq *q);
/* Queues m, taking a reference, or refuses it with a verdict. */
enum outq_verdict outq_push(struct outq *q, struct msg *m);
/* The oldest frame, whose reference passes to the caller; NULL if empty. */
struct msg *outq_pop(struct outq *q);
/* A frame was handed to the socket (popped, or written past the queue). */
void outq_wrote(struct outq *q);
/* A fresh snapshot was just queued or written: it counts as taken once one more frame is written. */
void outq_resynced(struct outq *q);

#endif
