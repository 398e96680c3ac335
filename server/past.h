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
 *
 * Each hub keeps a copy of the memory's index (a lookup.h index of every
 * record's near-duplicate key), read from the memory's log (past_log.lua)
 * once a second, and looks a question up there: Redis is asked only for
 * the records the copy found alike (past_get.lua), none for most new
 * questions. Until the copy holds the whole log (after a start, while
 * the log of an older deployment is being filled), the past_find script
 * answers as before. The copy is at most a second or so behind: a record
 * filed in another room in that time is not found.
 */
#ifndef SURAK_PAST_H
#define SURAK_PAST_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <uv.h>

#include "store.h"

struct dedupe_doc;
struct sbuf;

#define PAST_ROOM "@past"	/* the memory's "room": no room id can be it */
#define PAST_LOOKUP 8		/* records a look-up verifies */

/* Records q (a moderator Question, as in a moderation ack) of room, if its outcome is worth it. */
void past_note(const char *room, const char *title, const json_t *q);
/* Starts keeping the hub's copy of the memory on loop, if on (--past-copy); past_stop() ends it. */
void past_start(uv_loop_t *loop, int on);
void past_stop(void);
/*
 * Looks up records of other rooms alike (with loose, as for the similar
 * list) a question of room, doc filed under bands ("hex,…"). 1 if fn will
 * be called with a reply for past_best(); 0 if none was found (or Redis
 * is down) and fn will not be called.
 */
int past_lookup(const char *room, const struct dedupe_doc *doc, const char *bands, int loose,
    store_reply_fn fn, void *arg);
/*
 * The best record in a past_find reply for doc: the same question, or
 * (with loose) one alike enough for the similar list; with answered_only,
 * answered ones only. Writes it as JSON {"room","title","id","text",
 * "status","at"} to out and its similarity to *sim; 0 if none.
 */
int past_best(const struct dedupe_doc *doc, const redisReply *r, int loose, int answered_only,
    struct sbuf *out, double *sim);

#endif
