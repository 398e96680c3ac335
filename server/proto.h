/*
 * proto: the qa.v1 wire contract (../shared/PROTOCOL.md and docs/PROTOCOL.md).
 * Parses and validates client frames into struct cmd, and writes the JSON
 * the hub sends. Pure functions of their input: no I/O, no globals.
 */
#ifndef SURAK_PROTO_H
#define SURAK_PROTO_H

#include <jansson.h>
#include <stddef.h>

#include "role.h"

struct sbuf;

#define PROTO_SUBPROTOCOL "qa.v1"
#define PROTO_MAX_FRAME 8192	/* bytes in one client message */
#define PROTO_MAX_TEXT 500	/* characters in a question */
#define PROTO_MAX_NAME 64
#define PROTO_MAX_TITLE 200
#define PROTO_MAX_RID 64
#define PROTO_MAX_KEY 128
#define PROTO_ID_LEN 64		/* room ids and client ids */
#define PROTO_PAGE_MAX 200	/* questions in one page */
#define PROTO_VARIANTS_MAX 500	/* variants in one variants reply */
#define PROTO_MAX_REPLY 4000	/* characters in a written answer (DESK.md) */
#define PROTO_DEPT_LEN 32	/* department ids: [a-z0-9-]{1,32} */
#define PROTO_TAGS_MAX 8	/* topics, and places, in one tag action */

enum cmd_type {
	CMD_HELLO, CMD_ASK, CMD_VOTE, CMD_UNVOTE, CMD_MODERATE, CMD_BAN, CMD_ROOM,
	CMD_SIMILAR,	/* Surak's additions: approved questions like a draft, */
	CMD_VARIANTS,	/* every variant of a question (moderators), */
	CMD_ROTATE,	/* new keys for the room (moderators) */
	CMD_PAGE,	/* more questions after a partial welcome */
	CMD_PROVE,	/* a held new client id's proof of work */
	CMD_HISTORY,	/* what staff and keys did to a question (its audit entries) */
	CMD_COUNT
};

enum action {
	ACT_APPROVE, ACT_REJECT, ACT_ANSWER, ACT_REOPEN, ACT_FEATURE,
	ACT_UNFEATURE, ACT_EDIT, ACT_MERGE, ACT_SPLIT, ACT_RELEASE_VOTES, ACT_DISCARD_VOTES,
	ACT_DISMISS,
	ACT_ASSIGN, ACT_REPLY, ACT_TAG,	/* the follow-up (DESK.md) */
	ACT_COUNT
};

#define PROTO_PHONE_LEN 20

struct cmd {
	enum cmd_type type;
	char rid[PROTO_MAX_RID * 4 + 1];	/* empty for hello */
	/* hello */
	char room[PROTO_ID_LEN + 1];
	enum role role;
	char client[PROTO_ID_LEN + 1];
	char key[PROTO_MAX_KEY + 1];
	int resume;
	char epoch[PROTO_ID_LEN + 1];
	long long resume_seq;
	int partial;		/* hello: a bounded welcome, the rest paged */
	/* page */
	int sort_new;		/* 0: by rank ("top"), 1: newest first ("new") */
	long long offset, limit;
	/* prove */
	char nonce[PROTO_ID_LEN + 1];
	/* ask (text, name), similar and moderate edit (text), room (title); cleaned, owned */
	char *text;
	char *name;
	char *title;
	/* vote, unvote, moderate, ban */
	long long id;
	enum action action;
	long long into;
	long long variant;
	char author[PROTO_ID_LEN + 1];	/* ban by author handle */
	char department[PROTO_DEPT_LEN + 1];	/* assign */
	char due[11];			/* assign: YYYY-MM-DD */
	char *topics, *places;		/* tag: comma-separated ids (owned) */
	char phone[PROTO_PHONE_LEN + 1];	/* ask by an operator: the caller's number, digits (and a leading +) */
	int open;		/* room: -1 unset, else 0/1 */
	int rotate_mod, rotate_pres;	/* rotate_keys: which keys */
	int moderation;
};

struct proto_error {
	const char *code;	/* contract error code */
	int hello;		/* the refused message was a hello */
	char message[160];
	int has_rid;
	char rid[PROTO_MAX_RID * 4 + 1];
};

/*
 * Parses one client frame (valid UTF-8, at most PROTO_MAX_FRAME bytes).
 * Returns 0 with *c filled (free with proto_cmd_free), or -1 with *e set.
 */
int proto_parse(const char *data, size_t len, struct cmd *c, struct proto_error *e);
void proto_cmd_free(struct cmd *c);

const char *proto_action_name(enum action a);
/* 1 if s matches [a-z0-9][a-z0-9-]{0,63}. */
int proto_valid_room_id(const char *s, size_t n);
/* 1 if s matches [a-z0-9-]{1,32}: a department, topic or place id. */
int proto_valid_tag_id(const char *s, size_t n);
/* 1 if s is a real date YYYY-MM-DD (years 2000-2099). */
int proto_valid_date(const char *s, size_t n);
/* 1 if s matches [A-Za-z0-9_-]{min,max}. */
int proto_valid_token(const char *s, size_t n, size_t min, size_t max);
/* 1 if status is seen by viewers and presenters (approved, answered). */
int proto_status_public(const char *status);

/* {"type":"error","rid":…,"code":…,"message":…[,"retry_after_ms":…]} */
void proto_write_error(struct sbuf *b, const char *rid, const char *code,
    const char *message, long long retry_after_ms);

/*
 * Writes question q (the moderator's view, as the Lua scripts produce it)
 * as `view` sees it; with VIEW_PUBLIC, mine and voted are added when set.
 */
void proto_write_question(struct sbuf *b, const json_t *q, enum view view,
    int mine, int voted);
/* Writes any JSON value compactly. */
void proto_write_json(struct sbuf *b, const json_t *v);

#endif
