/*
 * map: open addressing with linear probing. The table doubles at 70% load
 * (tombstones included), so lookups stay short. A deleted slot keeps a
 * tombstone until the next resize, which lets map_del() run during
 * map_next() iteration.
 */
#include "map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define TOMBSTONE ((char *)&tombstone_mark)

static const char tombstone_mark;

struct slot {
	char *key;		/* NULL: empty; TOMBSTONE: deleted; else owned */
	void *val;
};

struct map {
	struct slot *slots;
	size_t cap;		/* power of two */
	size_t count;		/* live entries */
	size_t used;		/* live entries + tombstones */
};

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

struct map *
map_new(void)
{
	struct map *m = xcalloc(1, sizeof(*m));

	m->cap = 16;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	return m;
}

void
map_free(struct map *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->cap; i++)
		if (m->slots[i].key && m->slots[i].key != TOMBSTONE)
			free(m->slots[i].key);
	free(m->slots);
	free(m);
}

size_t
map_count(const struct map *m)
{
	return m->count;
}

static struct slot *
find(const struct map *m, const char *key)
{
	size_t i = (size_t)hash(key) & (m->cap - 1);

	for (;; i = (i + 1) & (m->cap - 1)) {
		struct slot *s = &m->slots[i];

		if (s->key == NULL)
			return NULL;
		if (s->key != TOMBSTONE && strcmp(s->key, key) == 0)
			return s;
	}
}

void *
map_get(const struct map *m, const char *key)
{
	struct slot *s = find(m, key);

	return s ? s->val : NULL;
}

static void
resize(struct map *m, size_t cap)
{
	struct slot *old = m->slots;
	size_t oldcap = m->cap, i;

	m->slots = xcalloc(cap, sizeof(*m->slots));
	m->cap = cap;
	m->used = m->count;
	for (i = 0; i < oldcap; i++) {
		size_t j;

		if (old[i].key == NULL || old[i].key == TOMBSTONE)
			continue;
		j = (size_t)hash(old[i].key) & (cap - 1);
		while (m->slots[j].key)
			j = (j + 1) & (cap - 1);
		m->slots[j] = old[i];
	}
	free(old);
}

void *
map_put(struct map *m, const char *key, void *val)
{
	struct slot *s = find(m, key);
	size_t i;

	if (s) {
		void *prev = s->val;

		s->val = val;
		return prev;
	}
	if ((m->used + 1) * 10 > m->cap * 7)
		resize(m, m->count * 2 + 2 > m->cap ? m->cap * 2 : m->cap);
	i = (size_t)hash(key) & (m->cap - 1);
	while (m->slots[i].key && m->slots[i].key != TOMBSTONE)
		i = (i + 1) & (m->cap - 1);
	if (m->slots[i].key == NULL)
		m->used++;
	m->slots[i].key = xstrdup(key);
	m->slots[i].val = val;
	m->count++;
	return NULL;
}

void *
map_del(struct map *m, const char *key)
{
	struct slot *s = find(m, key);
	void *val;

	if (s == NULL)
		return NULL;
	val = s->val;
	free(s->key);
	s->key = TOMBSTONE;
	s->val = NULL;
	m->count--;
	return val;
}

void *
map_next(const struct map *m, size_t *pos, const char **key)
{
	while (*pos < m->cap) {
		struct slot *s = &m->slots[(*pos)++];

		if (s->key && s->key != TOMBSTONE) {
			if (key)
				*key = s->key;
			return s->val;
		}
	}
	return NULL;
}
