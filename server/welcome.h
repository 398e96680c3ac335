/*
 * welcome: a member's first frame in a room, from the room's copy, never
 * from a Redis read per client:
 *   - with `resume` naming the current epoch and a seq still in the kept
 *     history: `welcome` with `resumed:true`, then the missed events,
 *     rendered for the member, as one batch;
 *   - otherwise the full set: one shared serialisation per role and room
 *     version for every member with nothing personal (19,000 reconnecting
 *     viewers cost one serialisation); for a viewer with questions or
 *     votes of its own, a personal one.
 */
#ifndef SURAK_WELCOME_H
#define SURAK_WELCOME_H

struct room;
struct member;

void welcome_send(struct room *rm, struct member *m, int allow_resume);
/* The copy changed wholesale (a reload): cached welcomes are stale. */
void welcome_drop_caches(struct room *rm);

#endif
