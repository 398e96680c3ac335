/*
 * room: one room this hub has sessions in, shared by the room modules:
 * rooms.c (registry, subscription, joins; the owner), fanout.c (batches
 * and their pacing) and welcome.c (welcomes and resumes). Nothing outside
 * them includes this header; the rest of the hub uses rooms.h.
 */
#ifndef SURAK_ROOM_H
#define SURAK_ROOM_H

#include <stddef.h>
#include <stdint.h>

#include "copy.h"
#include "member.h"
#include "pace.h"
#include "proto.h"
#include "role.h"

struct config;
struct map;
struct msg;
struct event;
struct welcome_index;

enum sub_state { SUB_NONE, SUB_PENDING, SUB_ON, SUB_LEAVING };

/* A growable array of events (each holding a reference). */
struct evlist {
	struct event **v;
	size_t n, cap;
};

struct room {
	char id[PROTO_ID_LEN + 1];

	/* members */
	struct member *live[ROLE_COUNT];	/* welcomed, by role */
	unsigned count[ROLE_COUNT];
	struct member *waiting;		/* admitted, awaiting the copy */
	unsigned nmembers;
	uint64_t empty_since, waiting_since;
	struct map *by_client;		/* client id → struct mlist of its viewer members */
	struct map *by_qid;		/* question id → struct mlist of viewers who asked it */

	/* the copy and its subscription */
	enum sub_state sub;
	int loading;			/* a snapshot request is in flight */
	int reload;			/* reload after the current load */
	uint64_t retry_at;
	struct copy copy;
	struct copy *next;		/* the copy being loaded, chunk by chunk */
	long long next_after;		/* its next chunk's cursor */
	struct evlist early;		/* events received while loading */
	int index_wanted;		/* asked in: build the copy's near-duplicate index (lookup.h) */
	uint64_t index_us;		/* the work building it took so far */

	/* fan-out (fanout.c) */
	struct evlist batch;		/* events not yet fanned out */
	struct pace pace;
	int dirty;
	struct room *dirty_next;

	/* welcomes (welcome.c): shared full welcomes, valid at welcome_seq */
	struct msg *welcome[ROLE_COUNT];
	uint64_t welcome_seq[ROLE_COUNT];
	struct welcome_index *windex;	/* where each question is in the viewers' shared welcome */
	struct msg *resumed[ROLE_COUNT];	/* the missed events from resumed_from to welcome_seq */
	uint64_t resumed_from[ROLE_COUNT], resumed_to[ROLE_COUNT];
	struct msg *partial[ROLE_COUNT];	/* shared bounded welcomes, valid at partial_seq */
	uint64_t partial_seq[ROLE_COUNT];
	json_t **order[2];		/* public questions by rank, and newest first, valid at order_seq */
	size_t norder[2];
	uint64_t order_seq[2];

	/* presence (presence.c) */
	uint64_t presence_at;
	int presence_pending;
	long long viewers;		/* across every hub, -1 until known */
	char *staff;			/* JSON: the names of the staff signed in, across every hub */
};

/* A list of members, for the indexes. */
struct mlist {
	struct member **v;
	size_t n, cap;
};

/* The callbacks into sessions, and the configuration (rooms.c). */
extern const struct member_ops *room_ops;
extern const struct config *room_cfg;

void evlist_push(struct evlist *l, struct event *ev);
void evlist_clear(struct evlist *l);

/* Queues a frame for every member of a list. */
void room_send_list(struct member *head, struct msg *m);

#endif
