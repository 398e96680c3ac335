/*
 * past: see past.h.
 */
#include "past.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedupe.h"
#include "log.h"
#include "lookup.h"
#include "map.h"
#include "metrics.h"
#include "util.h"
#include "verify.h"

#define COPY_EVERY_MS 1000	/* the copy reads the log's new entries this often */
#define COPY_CHUNK 1000		/* log entries one call reads */
#define COPY_CANDIDATES 64	/* a look-up's candidates, the asking room's own among them */

/* past_find and past_get answer alike, for past_best(). */
_Static_assert((int)PAST_FIND_R_FOUND == (int)PAST_GET_R_FOUND, "past_find and past_get answer alike");

/* The hub's copy of the memory's index (past.h). */
static struct {
	uv_timer_t timer;
	int on;			/* between past_start() and past_stop() */
	int busy;		/* a past_log call is at Redis */
	int whole;		/* the copy holds every record the log held at the last read */
	long long read;		/* log entries read */
	char *first;		/* the log's first entry, as read */
	struct lookup *index;	/* records by their number here, 1… */
	struct map *numbers;	/* "ROOM:ID" -> its number */
	char **member;		/* number -> "ROOM:ID" */
	size_t n, cap;
} cp;

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

static enum store_status
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

/* Whether a record's key nd (len bytes) is alike doc: the same question, or with loose close enough. */
static int
alike(const struct dedupe_doc *doc, const char *nd, size_t len, int loose, double *sim)
{
	struct dedupe_doc other;
	int ok;

	dedupe_doc_parse(&other, nd, len);
	*sim = dedupe_similarity(doc, &other);
	ok = loose ? *sim >= SIMILAR_MIN && !dedupe_conflict(doc, &other) : dedupe_same(doc, &other);
	dedupe_doc_free(&other);
	return ok;
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
		double s;

		if (rec->type != REDIS_REPLY_ARRAY || (nd = field(rec, 6)) == NULL ||
		    (status = field(rec, 4)) == NULL || field(rec, 0) == NULL || field(rec, 1) == NULL)
			continue;
		if (answered_only && strcmp(status, "answered") != 0)
			continue;
		if (alike(doc, nd, strlen(nd), loose, &s) && s > best_sim) {
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

/* ---- the hub's copy ---- */

static void copy_read(void);

/* Forgets the copy (the log was replaced: a new Redis, or one restored from an older file). */
static void
copy_clear(void)
{
	size_t i;

	for (i = 1; i <= cp.n; i++)
		free(cp.member[i]);
	free(cp.member);
	map_free(cp.numbers);
	lookup_free(cp.index);
	cp.member = NULL;
	cp.numbers = NULL;
	cp.index = NULL;
	cp.n = cp.cap = 0;
	cp.read = 0;
	cp.whole = 0;
	metrics.past_whole = 0;
	free(cp.first);
	cp.first = NULL;
	metrics.past_records = 0;
}

/* A log entry, "ROOM:ID<TAB>ND": the record, once, with its key. */
static void
copy_add(const char *e, size_t len)
{
	const char *tab = memchr(e, '\t', len);
	char *member;

	if (tab == NULL || tab == e || tab + 1 == e + len)
		return;
	member = xstrndup(e, (size_t)(tab - e));
	if (map_get(cp.numbers, member)) {
		free(member);	/* logged twice (past_log.lua) */
		return;
	}
	if (cp.n + 1 >= cp.cap) {
		cp.cap = cp.cap ? cp.cap * 2 : 1024;
		cp.member = xrealloc(cp.member, cp.cap * sizeof(*cp.member));
	}
	cp.member[++cp.n] = member;
	map_put(cp.numbers, member, (void *)(intptr_t)cp.n);
	lookup_question(cp.index, (long long)cp.n);
	lookup_key(cp.index, (long long)cp.n, tab + 1, len - (size_t)(tab + 1 - e), NULL);
}

static void
on_log(void *arg, redisReply *r)
{
	const redisReply *entries;
	const char *first;
	long long total;
	size_t i;
	int more;

	(void)arg;
	cp.busy = 0;
	if (!cp.on || r == NULL || !store_reply_ok(r) ||
	    (entries = store_reply_array(r, PAST_LOG_R_ENTRIES)) == NULL)
		return;	/* stopped, or Redis unavailable: the timer tries again */
	total = store_reply_int(r, PAST_LOG_R_TOTAL);
	first = store_reply_str(r, PAST_LOG_R_FIRST, NULL);
	if (total < cp.read || (cp.first && (first == NULL || strcmp(first, cp.first) != 0))) {
		log_info("past: the memory's log is not the one this hub copied; copying it again");
		copy_clear();
		copy_read();
		return;
	}
	if (cp.first == NULL && first && *first)
		cp.first = xstrdup(first);
	if (cp.index == NULL) {
		cp.index = lookup_new();
		cp.numbers = map_new();
	}
	for (i = 0; i < entries->elements; i++)
		if (entries->element[i]->type == REDIS_REPLY_STRING)
			copy_add(entries->element[i]->str, entries->element[i]->len);
	cp.read += (long long)entries->elements;
	lookup_work(cp.index, SIZE_MAX);	/* a chunk's keys: a few milliseconds */
	metrics.past_records = cp.n;
	more = entries->elements == COPY_CHUNK || store_reply_int(r, PAST_LOG_R_COMPLETE) != 1;
	if (!cp.whole && !more && cp.read >= total) {
		cp.whole = 1;
		metrics.past_whole = 1;
		log_info("past: this hub's copy of the deployment's memory holds its %zu records", cp.n);
	}
	if (more)
		copy_read();	/* catching up, or the log of an older memory being filled */
}

static void
copy_read(void)
{
	char from[24], count[16];
	const char *args[PAST_LOG_NARGS] = { [PAST_LOG_FROM] = from, [PAST_LOG_COUNT] = count };

	if (cp.busy || !cp.on)
		return;
	snprintf(from, sizeof(from), "%lld", cp.read);
	snprintf(count, sizeof(count), "%d", COPY_CHUNK);
	if (store_run(SCRIPT_PAST_LOG, PAST_ROOM, args, on_log, NULL, NULL) == STORE_SENT)
		cp.busy = 1;
}

static void
on_timer(uv_timer_t *t)
{
	(void)t;
	copy_read();
}

void
past_start(uv_loop_t *loop, int on)
{
	if (!on)
		return;	/* past_find answers every look-up */
	uv_timer_init(loop, &cp.timer);
	uv_timer_start(&cp.timer, on_timer, 0, COPY_EVERY_MS);
	cp.on = 1;
}

void
past_stop(void)
{
	if (!cp.on)
		return;
	cp.on = 0;
	uv_timer_stop(&cp.timer);
	uv_close((uv_handle_t *)&cp.timer, NULL);
	copy_clear();
}

int
past_lookup(const char *room, const struct dedupe_doc *doc, const char *bands, int loose,
    store_reply_fn fn, void *arg)
{
	struct lookup_cand c[COPY_CANDIDATES];
	struct sbuf members = { 0 };
	size_t own = strlen(room), n, i;
	int checked = 0, sent;

	if (!cp.whole)
		return past_find(room, bands, fn, arg) == STORE_SENT;
	metrics.past_local++;
	n = lookup_find(cp.index, bands, c, ARRAY_LEN(c));
	sbuf_init(&members, 128);
	/* As past_find: the first PAST_LOOKUP of other rooms, most bands shared first, then newest. */
	for (i = 0; i < n && checked < PAST_LOOKUP; i++) {
		const char *m = cp.member[c[i].id];
		double sim;

		if (strncmp(m, room, own) == 0 && m[own] == ':')
			continue;
		checked++;
		if (c[i].nkeys > 0 && alike(doc, c[i].key[0], c[i].len[0], loose, &sim)) {
			sbuf_adds(&members, m);
			sbuf_addc(&members, '\n');
		}
	}
	sent = 0;
	if (members.len > 0) {
		const char *args[PAST_GET_NARGS] = { [PAST_GET_MEMBERS] = members.data };

		sent = store_run(SCRIPT_PAST_GET, PAST_ROOM, args, fn, arg, NULL) == STORE_SENT;
	}
	sbuf_free(&members);
	return sent;
}
