/*
 * moderation: one `moderate` command, whoever sends it: a moderator's or
 * presenter's WebSocket (commands.c) or POST /api/rooms/ID/moderate
 * (desk.c), the way a responder writes its answers. What the hub checks
 * before Redis (which role may take which action, tag ids, an assigned
 * department's name), the moderate script's arguments, and what follows a
 * success (the outcome into the deployment's memory, the rest of a merge)
 * are here, once.
 */
#ifndef SURAK_MODERATION_H
#define SURAK_MODERATION_H

#include <hiredis/hiredis.h>

#include "dedupe.h"
#include "proto.h"
#include "staff.h"
#include "store.h"

struct moderation {
	char room[PROTO_ID_LEN + 1];
	char role[16];			/* moderator, presenter or responder */
	char client[PROTO_ID_LEN + 48];	/* whose rids these are */
	char rid[PROTO_MAX_RID * 4 + 1];
	char actor[64];			/* for the audit: a login, or key:moderator */
	char name[STAFF_NAME_MAX * 4 + 1];
	char depts[sizeof(((struct staff *)0)->departments)];	/* a responder's departments */
	struct cmd c;			/* the command (its strings owned) */
	char dept_name[256];		/* assign: the department's name, once looked up */
	/* the arguments' own strings */
	char id[24], into[24], variant[24], fp[DEDUPE_FP_LEN + 1];
	char *flags, *masked;
};

/*
 * A moderation for command c in room, sent as role (moderator, presenter,
 * responder; depts: a responder's departments). The strings of c are
 * copied.
 */
struct moderation *moderation_new(const char *room, const char *role, const char *client,
    const char *actor, const char *name, const char *depts, const struct cmd *c);
void moderation_free(void *m);

/* 0 if the hub sees nothing wrong, else -1 with the error's code and message. */
int moderation_check(const struct moderation *m, const char **code, const char **message);

/* 1 if the departments must be read first (assign): run SCRIPT_DEPARTMENTS with these args. */
int moderation_needs_departments(const struct moderation *m, const char *args[DEPARTMENTS_NARGS]);
/* Takes the departments' list: 0 with the department's name set, -1 if there is no such department. */
int moderation_set_department(struct moderation *m, const redisReply *r);

/* The moderate script's arguments (valid while m lives). */
void moderation_args(struct moderation *m, const char *args[MODERATE_NARGS]);

/* After the script answered: the outcome into the memory (past.h), a merge's rest (merge.h). */
void moderation_after(const struct moderation *m, const redisReply *r);

#endif
