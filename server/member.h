/*
 * member: what a room knows of a session, and all it may do to one.
 *
 * A session embeds one struct member; the room modules own its fields
 * (the session sets role, client and key before rooms_join() and never
 * touches the rest), and reach the session only through the callbacks of
 * struct member_ops, which session.c registers. So the room modules never
 * include session.h: the connection and the room meet here.
 */
#ifndef SURAK_MEMBER_H
#define SURAK_MEMBER_H

#include <stdint.h>

#include "idset.h"
#include "proto.h"
#include "role.h"

struct msg;
struct room;

/*
 * What a viewer may read of the questions it asked that were merged into
 * another resident's question the public cannot see yet: its own words,
 * {"text","name","created"} as the public would read them (own:CLIENT in
 * Redis). Never the other resident's.
 */
struct ownviews {
	long long *id;
	char **json;
	size_t n, cap;
};

/* Which key admitted a session (moderator and presenter keys have versions). */
enum keykind { KEY_NONE, KEY_MODERATOR, KEY_PRESENTER };

struct member {
	/* set by the session before rooms_join() */
	enum role role;
	char client[PROTO_ID_LEN + 1];
	enum keykind keykind;
	long long keyver;		/* that key's version when it admitted the session */
	char actor[40];			/* who acts, for the audit: a staff login or "key:moderator" */
	char staff_name[260];		/* a signed-in member of staff's name, or "" */
	int resume;			/* hello's resume point, if any */
	char epoch[PROTO_ID_LEN + 1];
	long long resume_seq;
	int partial;			/* a bounded welcome, the rest paged */

	/* owned by the room modules */
	struct room *room;		/* from rooms_join() to rooms_leave() */
	struct member *next, *prev;	/* in the room's waiting or live list */
	int live;			/* in a live list: its welcome was sent */
	struct idset mine;		/* questions this client asked (viewers) */
	struct idset voted;		/* questions this client voted for (viewers) */
	struct ownviews own;		/* its own words of the shared ones it may not see */
};

/* What the room modules may do to the session behind a member. */
struct member_ops {
	/* Queues a frame (a new reference to m is taken). */
	void (*send)(struct member *m, struct msg *msg);
	/* Sends an error (no rid) and closes the connection with code and reason. */
	void (*fail)(struct member *m, const char *error, const char *message, int code,
	    const char *reason);
	/* Its welcome was sent: commands are accepted from now. */
	void (*live)(struct member *m);
	/* Drops what is queued for it (a fresh welcome follows). */
	void (*reset)(struct member *m);
};

#endif
