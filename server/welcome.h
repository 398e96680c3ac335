/*
 * welcome: a member's first frame in a room, from the room's copy, never
 * from a Redis read per client:
 *   - with `resume` naming the current epoch and a seq still in the kept
 *     history: `welcome` with `resumed:true`, then the missed events,
 *     rendered for the member, as one batch;
 *   - otherwise the full set: one shared serialisation per role and room
 *     version for every member with nothing personal (19,000 reconnecting
 *     viewers cost one serialisation); for a viewer with questions or
 *     votes of its own, a personal one;
 *   - or, for a member that asked for a partial welcome (viewers and
 *     presenters), a bounded one: the question on air, the viewer's own,
 *     then the top questions and the newest in turn, until WELCOME_BUDGET
 *     bytes; "partial":{"total":N,"top":T,"new":W} tells how many the
 *     public can see and how far the welcome holds each order without a
 *     hole, and the page command (welcome_page()) brings the rest.
 */
#ifndef SURAK_WELCOME_H
#define SURAK_WELCOME_H

#include <stddef.h>

struct room;
struct member;

void welcome_send(struct room *rm, struct member *m, int allow_resume);
/* The copy changed wholesale (a reload): cached welcomes are stale. */
void welcome_drop_caches(struct room *rm);

/*
 * A page of the questions m may see, after a partial welcome: `limit` from
 * `offset` in rank order (or newest first), as
 * "questions":[…],"total":N (the caller writes the rest of the ack).
 */
struct sbuf;
void welcome_page(struct room *rm, struct member *m, int newest, size_t offset, size_t limit,
    struct sbuf *out);

#endif
