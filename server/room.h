/*
 * room: this hub's view of the rooms its sessions are in. For each such
 * room it subscribes to the room's channel, keeps an in-memory copy of the
 * room (rebuilt from Redis at any time), and fans every event out to the
 * room's sessions, serialised once per role.
 */
#ifndef SURAK_ROOM_H
#define SURAK_ROOM_H

#include <stddef.h>
#include <uv.h>

struct config;
struct session;

int room_init(uv_loop_t *loop, const struct config *cfg);
void room_shutdown(void);

/* Store hooks (see store.h). */
void room_on_event(const char *room, const char *payload, size_t len);
void room_on_subscribed(const char *room);
void room_on_unsubscribed(const char *room);
void room_on_sub_ready(void);
void room_on_sub_lost(void);

/*
 * Admits a session whose hello Redis accepted. Its welcome is queued as
 * soon as the room's copy is loaded (at once if it already is).
 */
void room_join(struct session *s);
void room_leave(struct session *s);
/* The session's client asked (or now also asked) question id. */
void room_add_mine(struct session *s, long long id);
/* Queues a fresh, complete welcome for s (after its queue overflowed). */
void room_resync(struct session *s);

/*
 * Writes question id as viewer s sees it, from the room's copy; returns -1
 * if s may not see it (or the copy does not have it).
 */
struct sbuf;
int room_write_question(struct session *s, long long id, struct sbuf *out);

/* Rooms with sessions on this hub, for /metrics. */
size_t room_count(void);

#endif
