/*
 * roster: a room's members: the waiting list and the live list of each
 * role, the viewers' indexes (by client, and by question they asked, for
 * what concerns one viewer alone), and what happens to them when the
 * room's keys are replaced. rooms.c decides when members come and go;
 * this file keeps the lists true.
 */
#include "roster.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "map.h"
#include "render.h"
#include "room.h"
#include "util.h"

static void
mlist_add(struct map *idx, const char *key, struct member *m)
{
	struct mlist *l = map_get(idx, key);
	size_t i;

	if (l == NULL) {
		l = xcalloc(1, sizeof(*l));
		map_put(idx, key, l);
	}
	for (i = 0; i < l->n; i++)
		if (l->v[i] == m)
			return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 2;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = m;
}

static void
mlist_del(struct map *idx, const char *key, struct member *m)
{
	struct mlist *l = map_get(idx, key);
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		if (l->v[i] == m) {
			l->v[i] = l->v[--l->n];
			break;
		}
	if (l->n == 0) {
		map_del(idx, key);
		free(l->v);
		free(l);
	}
}

void
roster_free_index(struct map *idx)
{
	struct mlist *l;
	size_t pos = 0;

	if (idx == NULL)
		return;
	while ((l = map_next(idx, &pos, NULL)) != NULL) {
		free(l->v);
		free(l);
	}
	map_free(idx);
}

void
roster_list_add(struct member **head, struct member *m)
{
	m->prev = NULL;
	m->next = *head;
	if (*head)
		(*head)->prev = m;
	*head = m;
}

void
roster_list_del(struct member **head, struct member *m)
{
	if (m->prev)
		m->prev->next = m->next;
	else if (*head == m)
		*head = m->next;
	if (m->next)
		m->next->prev = m->prev;
	m->next = m->prev = NULL;
}

/* Adds m to (or removes it from) the room's viewer indexes. */
void
roster_index(struct room *rm, struct member *m, int add)
{
	void (*op)(struct map *, const char *, struct member *) = add ? mlist_add : mlist_del;
	char key[24];
	size_t i;

	if (m->role != ROLE_VIEWER)
		return;
	op(rm->by_client, m->client, m);
	for (i = 0; i < m->mine.n; i++) {
		snprintf(key, sizeof(key), "%lld", m->mine.v[i]);
		op(rm->by_qid, key, m);
	}
}

void
roster_add_mine(struct member *m, long long id)
{
	char key[24];

	if (!idset_add(&m->mine, id) || m->room == NULL || m->role != ROLE_VIEWER)
		return;
	snprintf(key, sizeof(key), "%lld", id);
	mlist_add(m->room->by_qid, key, m);
}

void
roster_set_voted(struct member *m, long long id, int on)
{
	if (on)
		idset_add(&m->voted, id);
	else
		idset_del(&m->voted, id);
}

void
roster_add_mine_for_client(struct room *rm, const char *client, long long id, const char *own)
{
	struct mlist *l = map_get(rm->by_client, client);
	size_t i;

	for (i = 0; l && i < l->n; i++) {
		roster_add_mine(l->v[i], id);
		if (own)
			roster_set_own(l->v[i], id, own);
	}
}

/* ---- own words of shared questions ---- */

void
roster_set_own(struct member *m, long long id, const char *json)
{
	struct ownviews *o = &m->own;
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->id[i] == id) {
			free(o->json[i]);
			o->json[i] = xstrdup(json);
			return;
		}
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 4;
		o->id = xrealloc(o->id, o->cap * sizeof(*o->id));
		o->json = xrealloc(o->json, o->cap * sizeof(*o->json));
	}
	o->id[o->n] = id;
	o->json[o->n++] = xstrdup(json);
}

void
roster_free_own(struct member *m)
{
	size_t i;

	for (i = 0; i < m->own.n; i++)
		free(m->own.json[i]);
	free(m->own.id);
	free(m->own.json);
	memset(&m->own, 0, sizeof(m->own));
}

/* What the author of a question may read of it once it is merged away: its own public words. */
static char *
own_of(const json_t *q)
{
	json_t *text = json_object_get(q, "public_text"), *name = json_object_get(q, "public_name");
	json_t *o = json_pack("{s:O,s:O,s:O}", "text", text ? text : json_object_get(q, "text"),
	    "name", name ? name : json_object_get(q, "name"), "created", json_object_get(q, "created"));
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

void
roster_merged(struct room *rm, long long from, long long into, const json_t *gone)
{
	char key[24];
	struct mlist *l;
	size_t i;

	snprintf(key, sizeof(key), "%lld", from);
	l = map_get(rm->by_qid, key);
	for (i = 0; l && i < l->n; i++) {
		struct member *m = l->v[i];
		const char *had = ownviews_get(&m->own, from);
		/*
		 * Without the source (a merge inside a gap the copy reloaded
		 * over) nothing is shown rather than another's words; the
		 * next hello brings the own words from Redis.
		 */
		char *mine = had ? xstrdup(had) : gone ? own_of(gone) :
		    xstrdup("{\"text\":\"\",\"name\":null,\"created\":0}");

		roster_add_mine(m, into);
		if (mine)
			roster_set_own(m, into, mine);
		free(mine);
	}
}

/* ---- keys ---- */

/* A member admitted with a key that was just replaced. */
static int
stale_key(const struct member *m, const struct event *ev)
{
	if (ev->by && strcmp(ev->by, m->client) == 0)
		return 0;	/* the moderator who rotated them keeps working */
	if (m->keykind == KEY_MODERATOR)
		return m->keyver < ev->modver;
	if (m->keykind == KEY_PRESENTER)
		return m->keyver < ev->presver;
	return 0;
}

void
roster_close_stale_keys(struct room *rm, const struct event *ev)
{
	struct member *lists[ROLE_COUNT + 1], **victims = NULL, *m;
	size_t n = 0, cap = 0, i, l;

	for (l = 0; l < ROLE_COUNT; l++)
		lists[l] = rm->live[l];
	lists[ROLE_COUNT] = rm->waiting;
	for (l = 0; l <= ROLE_COUNT; l++)
		for (m = lists[l]; m; m = m->next)
			if (stale_key(m, ev)) {
				if (n == cap)
					victims = xrealloc(victims, (cap = cap ? cap * 2 : 8) * sizeof(*victims));
				victims[n++] = m;
			}
	/* Failing a member closes its session, which leaves the room. */
	for (i = 0; i < n; i++)
		room_ops->fail(victims[i], "auth_failed", "the room's keys were replaced", 4001,
		    "keys rotated");
	free(victims);
}

