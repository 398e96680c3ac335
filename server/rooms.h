/*
 * rooms: the rooms this hub's sessions are in. For each one it subscribes
 * to the room's channel, keeps the room's copy (copy.h) loaded and
 * current, admits members into it (welcome.h) and hands every event to the
 * fan-out (fanout.h).
 *
 * What the rest of the hub may do with a room goes through this header;
 * sessions are reached only through struct member (member.h).
 */
#ifndef SURAK_ROOMS_H
#define SURAK_ROOMS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "member.h"

struct config;
struct lookup_cand;
struct sbuf;

int rooms_init(uv_loop_t *loop, const struct config *cfg, const struct member_ops *ops);
void rooms_shutdown(void);

/* Store hooks (see store.h). */
void rooms_on_event(const char *room, const char *payload, size_t len);
void rooms_on_subscribed(const char *room);
void rooms_on_unsubscribed(const char *room);
void rooms_on_sub_ready(void);
void rooms_on_lost(const char *room);

/*
 * Admits a member (role, client, key and resume point set) into a room.
 * Its welcome is sent as soon as the room's copy is loaded (at once if it
 * already is); until then it waits.
 */
void rooms_join(struct member *m, const char *room);
/* The member leaves its room (a no-op if it is in none). */
void rooms_leave(struct member *m);
/* Frees what the room modules hold in a member (after rooms_leave()). */
void rooms_member_free(struct member *m);

/* A viewer's client asked (or now also asked) question id. */
void rooms_add_mine(struct member *m, long long id);
/* A viewer's vote for question id is now `on`. */
void rooms_set_voted(struct member *m, long long id, int on);
/* What a viewer may read of question id it shares (member.h, struct ownviews). */
void rooms_set_own(struct member *m, long long id, const char *json);
/* Sends a member a fresh, complete welcome (its queue overflowed). 0, or -1 if it cannot have one. */
int rooms_resync(struct member *m);

/*
 * Writes question id as viewer m sees it, from the room's copy; -1 if m
 * may not see it (or the copy does not have it).
 */
int rooms_write_question(struct member *m, long long id, struct sbuf *out);
/* The title of the member's room as its copy holds it ("" if none yet). */
const char *rooms_title(const struct member *m);

/*
 * A page of the questions m may see (welcome.h, welcome_page()); -1 if m
 * is in no room yet.
 */
int rooms_page(struct member *m, int newest, size_t offset, size_t limit, struct sbuf *out);

/*
 * The near-duplicate candidates of an ask into room `id` filed under
 * `bands`, from this hub's copy of the room's index (lookup.h): 0, with
 * *n of them in out (at most max) and *last the highest question id the
 * copy knows (the ask script checks what is newer); or -1 when this hub
 * cannot answer (no copy of the room here, not loaded or not following
 * its events, or its index still being built: the first look-up starts
 * that, a slice per turn of the loop) and the caller asks Redis.
 */
int rooms_lookup(const char *id, const char *bands, struct lookup_cand *out, size_t max, size_t *n,
    long long *last);

/* 1 when this hub's copy of room `id` holds the changes up to seq (or there is no copy to wait for). */
int rooms_copy_at(const char *id, uint64_t seq);

/* Rooms with members on this hub, for /metrics and /healthz. */
size_t rooms_count(void);

#endif
