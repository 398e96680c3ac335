/*
 * merge: see merge.h. A failed call (Redis away, or a timeout) leaves the
 * merge listed in the room's "merging" set; the next load of the room, on
 * any hub, goes on with it.
 */
#include "merge.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "proto.h"
#include "store.h"
#include "util.h"

struct merge {
	char room[PROTO_ID_LEN + 1];
	char id[24];
};

static void next_chunk(struct merge *mg);

static void
on_more(void *arg, redisReply *r)
{
	struct merge *mg = arg;

	if (r == NULL || !store_reply_ok(r)) {
		log_warn("room %s: merging question %s stopped (%s); the next load of the room goes on",
		    mg->room, mg->id, r ? "an error from Redis" : "no answer");
		free(mg);
		return;
	}
	if (store_reply_int(r, MERGE_MORE_R_MORE) == 0) {
		free(mg);
		return;
	}
	next_chunk(mg);
}

static void
next_chunk(struct merge *mg)
{
	char limit[16];
	const char *args[MERGE_MORE_NARGS] = { [MERGE_MORE_ID] = mg->id, [MERGE_MORE_LIMIT] = limit };

	snprintf(limit, sizeof(limit), "%d", MERGE_CHUNK);
	if (store_run(SCRIPT_MERGE_MORE, mg->room, args, on_more, mg, NULL) != STORE_SENT) {
		log_warn("room %s: merging question %s waits for Redis; the next load of the room goes on",
		    mg->room, mg->id);
		free(mg);
	}
}

void
merge_finish(const char *room, const char *id)
{
	struct merge *mg = xcalloc(1, sizeof(*mg));

	snprintf(mg->room, sizeof(mg->room), "%s", room);
	snprintf(mg->id, sizeof(mg->id), "%s", id);
	next_chunk(mg);
}
