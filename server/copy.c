/*
 * copy: see copy.h. The history is a ring of `history` shared events.
 */
#include "copy.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "lookup.h"
#include "store.h"
#include "util.h"

static void
qkey(char *buf, size_t n, long long id)
{
	snprintf(buf, n, "%lld", id);
}

void
copy_init(struct copy *c, size_t history)
{
	memset(c, 0, sizeof(*c));
	c->history = history;
	c->ring = xcalloc(history, sizeof(*c->ring));
	c->qs = json_object();
	c->lookup = lookup_new();
}

static void
ring_clear(struct copy *c)
{
	size_t i;

	for (i = 0; i < c->ring_len; i++)
		event_unref(copy_event(c, i));
	c->ring_start = c->ring_len = 0;
}

void
copy_free(struct copy *c)
{
	ring_clear(c);
	free(c->ring);
	json_decref(c->qs);
	json_decref(c->meta);
	lookup_free(c->lookup);
	memset(c, 0, sizeof(*c));
}

void
copy_reset(struct copy *c, json_t *meta, uint64_t seq, const char *epoch)
{
	ring_clear(c);
	json_decref(c->qs);
	c->qs = json_object();
	lookup_free(c->lookup);
	c->lookup = lookup_new();
	json_decref(c->meta);
	c->meta = meta;
	c->seq = seq;
	snprintf(c->epoch, sizeof(c->epoch), "%s", epoch);
	c->ready = 1;
}

void
copy_put_question(struct copy *c, json_t *q)
{
	char key[24];

	qkey(key, sizeof(key), json_integer_value(json_object_get(q, "id")));
	json_object_set_new(c->qs, key, q);
}

void
copy_keep_event(struct copy *c, struct event *ev)
{
	if (c->ring_len == c->history) {
		event_unref(c->ring[c->ring_start]);
		c->ring_start = (c->ring_start + 1) % c->history;
		c->ring_len--;
	}
	c->ring[(c->ring_start + c->ring_len) % c->history] = event_ref(ev);
	c->ring_len++;
}

/* What an event changes of the near-duplicate index. */
static void
index_event(struct copy *c, const struct event *ev)
{
	json_t *k;
	size_t i;

	if (ev->op == EV_REMOVE && ev->into > 0)
		lookup_merged(c->lookup, ev->qid, ev->into);
	if (ev->op != EV_UPSERT)
		return;
	lookup_question(c->lookup, ev->qid);
	json_array_foreach(ev->nd, i, k)
		if (json_is_string(k))
			lookup_key(c->lookup, ev->qid, json_string_value(k), json_string_length(k),
			    i == 0 && ev->bands ? ev->bands : "");
}

/* An event over a copy being loaded, whatever its seq (the chunks may hold its effect already). */
static void
replay(struct copy *c, const struct event *ev)
{
	char key[24];

	snprintf(key, sizeof(key), "%lld", ev->qid);
	index_event(c, ev);
	switch (ev->op) {
	case EV_UPSERT:
		json_object_set(c->qs, key, ev->q);
		break;
	case EV_REMOVE:
		json_object_del(c->qs, key);
		break;
	case EV_ROOM:
		json_decref(c->meta);
		c->meta = json_incref(ev->room);
		break;
	case EV_KEYS:
		c->modver = ev->modver;
		c->presver = ev->presver;
		break;
	}
}

/* A snapshot chunk's part of the index: {id, into, {key…}} each; the keys' bands are computed later. */
static void
index_chunk(struct copy *c, const redisReply *keys)
{
	size_t i, j;

	for (i = 0; keys && i < keys->elements; i++) {
		const redisReply *e = keys->element[i], *k;
		long long id, into;

		if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 || e->element[2]->type != REDIS_REPLY_ARRAY)
			continue;
		id = store_reply_int(e, 0);
		into = store_reply_int(e, 1);
		lookup_question(c->lookup, id);
		if (into > 0)
			lookup_merged(c->lookup, id, into);
		for (j = 0; j < e->element[2]->elements; j++)
			if ((k = e->element[2]->element[j])->type == REDIS_REPLY_STRING)
				lookup_key(c->lookup, id, k->str, k->len, NULL);
	}
}

int
copy_load_chunk(struct copy *c, const redisReply *r, int first, long long *next)
{
	const redisReply *qa = store_reply_array(r, SNAPSHOT_R_QUESTIONS);
	const redisReply *ea = store_reply_array(r, SNAPSHOT_R_EVENTS);
	const char *meta, *epoch = store_reply_str(r, SNAPSHOT_R_EPOCH, NULL);
	uint64_t seq = (uint64_t)store_reply_int(r, SNAPSHOT_R_SEQ);
	json_t *m;
	size_t i, len = 0;

	meta = store_reply_str(r, SNAPSHOT_R_ROOM, &len);
	m = meta ? json_loadb(meta, len, 0, NULL) : NULL;
	if (m == NULL || epoch == NULL || qa == NULL || ea == NULL ||
	    (!first && strcmp(epoch, c->epoch) != 0)) {
		json_decref(m);
		return -1;
	}
	if (first) {
		copy_reset(c, m, seq, epoch);
		c->seq0 = seq;
		c->ready = 0;
	} else {
		json_decref(c->meta);
		c->meta = m;
	}
	c->modver = store_reply_int(r, SNAPSHOT_R_MODVER);
	c->presver = store_reply_int(r, SNAPSHOT_R_PRESVER);
	for (i = 0; i < qa->elements; i++) {
		json_t *q = json_loadb(qa->element[i]->str, qa->element[i]->len, 0, NULL);

		if (q)
			copy_put_question(c, q);
	}
	index_chunk(c, store_reply_array(r, SNAPSHOT_R_KEYS));
	*next = store_reply_int(r, SNAPSHOT_R_NEXT);
	if (*next > 0)
		return 0;
	/* The last chunk: its history, replayed from just after the first chunk over all of them. */
	for (i = 0; i < ea->elements; i++) {
		struct event *ev = event_parse(ea->element[i]->str, ea->element[i]->len);

		if (ev) {
			copy_keep_event(c, ev);
			event_unref(ev);
		}
	}
	if (seq > c->seq0 && (c->ring_len == 0 || (uint64_t)copy_event(c, 0)->seq > c->seq0 + 1))
		return -1;	/* the history no longer reaches back to the first chunk */
	for (i = 0; i < c->ring_len; i++)
		if ((uint64_t)copy_event(c, i)->seq > c->seq0)
			replay(c, copy_event(c, i));
	c->seq = seq;
	c->ready = 1;
	return 1;
}

enum copy_apply
copy_apply(struct copy *c, struct event *ev)
{
	char key[24];

	if ((uint64_t)ev->seq <= c->seq)
		return COPY_STALE;
	if ((uint64_t)ev->seq != c->seq + 1)
		return COPY_GAP;
	qkey(key, sizeof(key), ev->qid);
	index_event(c, ev);
	switch (ev->op) {
	case EV_UPSERT:
		json_object_set(c->qs, key, ev->q);
		break;
	case EV_REMOVE:
		json_object_del(c->qs, key);
		break;
	case EV_ROOM:
		json_decref(c->meta);
		c->meta = json_incref(ev->room);
		break;
	case EV_KEYS:
		c->modver = ev->modver;
		c->presver = ev->presver;
		break;
	}
	c->seq = (uint64_t)ev->seq;
	copy_keep_event(c, ev);
	return COPY_APPLIED;
}

struct event *
copy_event(const struct copy *c, size_t i)
{
	return c->ring[(c->ring_start + i) % c->history];
}

long
copy_after(const struct copy *c, uint64_t seq)
{
	uint64_t first;

	if (c->ring_len == 0)
		return seq == c->seq ? 0 : -1;
	first = (uint64_t)copy_event(c, 0)->seq;
	if (seq + 1 < first || seq > c->seq)
		return -1;
	return (long)(seq + 1 - first);
}

json_t *
copy_question(const struct copy *c, long long id)
{
	char key[24];

	qkey(key, sizeof(key), id);
	return json_object_get(c->qs, key);
}

static int
rank_cmp(const void *a, const void *b)
{
	const json_t *qa = *(json_t *const *)a, *qb = *(json_t *const *)b;
	double sa = json_number_value(json_object_get(qa, "score"));
	double sb = json_number_value(json_object_get(qb, "score"));
	long long ia = json_integer_value(json_object_get(qa, "id"));
	long long ib = json_integer_value(json_object_get(qb, "id"));

	if (sa != sb)
		return sa > sb ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

static int
newest_cmp(const void *a, const void *b)
{
	const json_t *qa = *(json_t *const *)a, *qb = *(json_t *const *)b;
	long long ca = json_integer_value(json_object_get(qa, "created"));
	long long cb = json_integer_value(json_object_get(qb, "created"));
	long long ia = json_integer_value(json_object_get(qa, "id"));
	long long ib = json_integer_value(json_object_get(qb, "id"));

	if (ca != cb)
		return ca > cb ? -1 : 1;
	return ia > ib ? -1 : ia < ib;
}

static json_t **
sorted(const struct copy *c, enum view view, size_t *n, int (*cmp)(const void *, const void *))
{
	size_t cap = json_object_size(c->qs), k = 0;
	json_t **v = xmalloc((cap ? cap : 1) * sizeof(*v));
	const char *key;
	json_t *q;

	json_object_foreach(c->qs, key, q) {
		if (view == VIEW_FULL ||
		    proto_status_public(json_string_value(json_object_get(q, "status"))))
			v[k++] = q;
	}
	qsort(v, k, sizeof(*v), cmp);
	*n = k;
	return v;
}

json_t **
copy_ranked(const struct copy *c, enum view view, size_t *n)
{
	return sorted(c, view, n, rank_cmp);
}

json_t **
copy_newest(const struct copy *c, enum view view, size_t *n)
{
	return sorted(c, view, n, newest_cmp);
}
