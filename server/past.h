/*
 * past: the deployment's memory across broadcasts. A question a moderator
 * approved, answered or rejected is recorded, with its public text, its
 * room's title and its outcome, in an index of its own in Redis
 * ("surak:{@past}:…", past_note.lua), filed by its LSH bands like a room's
 * questions. A new question in another room looks there (past_find.lua):
 * a match shows its moderators "asked before in <room>, <outcome>", and a
 * viewer typing a question is offered the earlier answered one among the
 * similar questions. Buckets keep their newest 64, so a look-up costs the
 * same whatever the deployment's age.
 */
#ifndef SURAK_PAST_H
#define SURAK_PAST_H

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "store.h"

struct dedupe_doc;
struct sbuf;

#define PAST_ROOM "@past"	/* the memory's "room": no room id can be it */
#define PAST_LOOKUP 8		/* records a look-up verifies */

/* Records q (a moderator Question, as in a moderation ack) of room, if its outcome is worth it. */
void past_note(const char *room, const char *title, const json_t *q);
/* Looks up records of other rooms sharing bands ("hex,…") with a question of room. */
enum store_status past_find(const char *room, const char *bands, store_reply_fn fn, void *arg);
/*
 * The best record in a past_find reply for doc: the same question, or
 * (with loose) one alike enough for the similar list; with answered_only,
 * answered ones only. Writes it as JSON {"room","title","id","text",
 * "status","at"} to out and its similarity to *sim; 0 if none.
 */
int past_best(const struct dedupe_doc *doc, const redisReply *r, int loose, int answered_only,
    struct sbuf *out, double *sim);

#endif
