/*
 * fanout: a room's events reach its members in batches. Events are
 * collected per room and sent right after the poll that delivered them
 * (a uv_check), at most one batch per --tick-ms on average (pace.h). Each
 * batch is rendered once per view and the same bytes are queued for every
 * member of that view; a viewer's own questions that the public does not
 * see go to their askers alone.
 */
#ifndef SURAK_FANOUT_H
#define SURAK_FANOUT_H

#include <uv.h>

struct room;
struct event;

void fanout_init(uv_loop_t *loop);
void fanout_shutdown(void);

/* Adds an event to the room's next batch. */
void fanout_add(struct room *rm, struct event *ev);
/* Sends the room's batch now (members about to join start after it). */
void fanout_flush(struct room *rm);
/* Drops the room's batch unsent (its members get fresh welcomes instead). */
void fanout_discard(struct room *rm);
/* The room is going away: forget it. */
void fanout_forget(struct room *rm);

#endif
