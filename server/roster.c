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
roster_add_mine_for_client(struct room *rm, const char *client, long long id)
{
	struct mlist *l = map_get(rm->by_client, client);
	size_t i;

	for (i = 0; l && i < l->n; i++)
		roster_add_mine(l->v[i], id);
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

