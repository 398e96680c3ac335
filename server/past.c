/*
 * past: see past.h.
 */
#include "past.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedupe.h"
#include "log.h"
#include "util.h"

#define LOOSE_MIN 0.45	/* trigram similarity worth offering a viewer (as "similar" does) */

static void
on_noted(void *arg, redisReply *r)
{
	(void)arg;
	if (r == NULL || !store_reply_ok(r))
		log_warn("past: a question's outcome was not recorded (%s)", r ? "an error from Redis" : "no answer");
}

void
past_note(const char *room, const char *title, const json_t *q)
{
	const char *status = json_string_value(json_object_get(q, "status"));
	const json_t *pt = json_object_get(q, "public_text");
	const char *text = json_string_value(pt ? pt : json_object_get(q, "text"));
	char id[24], bands[DEDUPE_BANDS * (DEDUPE_BAND_LEN + 1) + 1] = "";
	struct dedupe_doc d;
	struct sbuf nd = { 0 };
	int i;

	if (status == NULL || text == NULL || json_object_get(q, "merged_into") ||
	    (strcmp(status, "approved") != 0 && strcmp(status, "answered") != 0 &&
	    strcmp(status, "rejected") != 0))
		return;
	snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(q, "id")));
	/* The public text only: what personal data it held is masked. */
	dedupe_doc_build(&d, text, strlen(text));
	sbuf_init(&nd, 128);
	dedupe_doc_key(&d, &nd);
	for (i = 0; i < d.nbands; i++) {
		if (i)
			strcat(bands, ",");
		strcat(bands, d.band[i]);
	}
	{
		const char *args[PAST_NOTE_NARGS] = {
			[PAST_NOTE_ROOM] = room, [PAST_NOTE_ID] = id, [PAST_NOTE_TITLE] = title,
			[PAST_NOTE_TEXT] = text, [PAST_NOTE_STATUS] = status, [PAST_NOTE_ND] = nd.data,
			[PAST_NOTE_BANDS] = bands,
		};

		store_run(SCRIPT_PAST_NOTE, PAST_ROOM, args, on_noted, NULL, NULL);
	}
	sbuf_free(&nd);
	dedupe_doc_free(&d);
}

enum store_status
past_find(const char *room, const char *bands, store_reply_fn fn, void *arg)
{
	char limit[16];
	const char *args[PAST_FIND_NARGS] = {
		[PAST_FIND_BANDS] = bands, [PAST_FIND_ROOM] = room, [PAST_FIND_LIMIT] = limit,
	};

	snprintf(limit, sizeof(limit), "%d", PAST_LOOKUP);
	return store_run(SCRIPT_PAST_FIND, PAST_ROOM, args, fn, arg, NULL);
}

static const char *
field(const redisReply *rec, size_t i)
{
	return i < rec->elements && rec->element[i]->type == REDIS_REPLY_STRING ? rec->element[i]->str : NULL;
}

int
past_best(const struct dedupe_doc *doc, const redisReply *r, int loose, int answered_only,
    struct sbuf *out, double *sim)
{
	const redisReply *found = store_reply_array(r, PAST_FIND_R_FOUND);
	const redisReply *best = NULL;
	double best_sim = -1;
	size_t i;

	for (i = 0; found && i < found->elements; i++) {
		const redisReply *rec = found->element[i];
		const char *nd, *status;
		struct dedupe_doc other;
		double s;
		int ok;

		if (rec->type != REDIS_REPLY_ARRAY || (nd = field(rec, 6)) == NULL ||
		    (status = field(rec, 4)) == NULL || field(rec, 0) == NULL || field(rec, 1) == NULL)
			continue;
		if (answered_only && strcmp(status, "answered") != 0)
			continue;
		dedupe_doc_parse(&other, nd, strlen(nd));
		s = dedupe_similarity(doc, &other);
		ok = loose ? s >= LOOSE_MIN && !dedupe_conflict(doc, &other) : dedupe_same(doc, &other);
		dedupe_doc_free(&other);
		if (ok && s > best_sim) {
			best_sim = s;
			best = rec;
		}
	}
	if (best == NULL)
		return 0;
	sbuf_adds(out, "{\"room\":");
	sbuf_json_strz(out, field(best, 0));
	sbuf_adds(out, ",\"title\":");
	sbuf_json_strz(out, field(best, 2) ? field(best, 2) : "");
	sbuf_printf(out, ",\"id\":%s,\"text\":", field(best, 1));
	sbuf_json_strz(out, field(best, 3) ? field(best, 3) : "");
	sbuf_adds(out, ",\"status\":");
	sbuf_json_strz(out, field(best, 4));
	sbuf_printf(out, ",\"at\":%s}", field(best, 5) ? field(best, 5) : "0");
	*sim = best_sim;
	return 1;
}
