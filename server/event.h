/*
 * event: one change of a room, as the scripts PUBLISH it, parsed once when
 * it arrives and then shared (reference counted) by the room's history,
 * its fan-out batch and every welcome that replays it.
 *
 *   {"seq":41,"op":"upsert","was":"pending","q":{…},"mine":"CLIENT","nd":["KEY"],"bands":"hex,…"}
 *   {"seq":42,"op":"remove","id":17,"was":"approved","into":9}
 *   {"seq":43,"op":"room","room":{…}}
 *   {"seq":44,"op":"keys","which":"both","by":"CLIENT","modver":2,"presver":2}
 *
 * `was`, `mine`, `nd`, `bands` and the keys event are for hubs only
 * (docs/DATA_MODEL.md).
 */
#ifndef SURAK_EVENT_H
#define SURAK_EVENT_H

#include <jansson.h>

enum ev_op { EV_UPSERT, EV_REMOVE, EV_ROOM, EV_KEYS };

struct event {
	unsigned refs;
	enum ev_op op;
	long long seq;
	long long qid;		/* upsert, remove: the question */
	int was_public;		/* upsert, remove: public before this change */
	int now_public;		/* upsert: public after it */
	long long into;		/* remove: merged into this question, or 0 */
	char *mine;		/* upsert: the client that now asked it, or NULL */
	char *own;		/* upsert: what that client may read of it (member.h), or NULL */
	json_t *q;		/* upsert: the question, moderator view */
	json_t *nd;		/* upsert: the near-duplicate keys it was filed under now (lookup.h), or NULL */
	char *bands;		/* upsert: the bands the first of them was filed under, or NULL */
	json_t *room;		/* room: the room object */
	char *by;		/* keys: the client that rotated them */
	long long modver, presver;	/* keys: the versions now valid */
};

/* Parses one published event; NULL if it is not one. */
struct event *event_parse(const char *json, size_t len);
struct event *event_ref(struct event *ev);
void event_unref(struct event *ev);	/* event_unref(NULL) is a no-op */

#endif
