/*
 * idset: linear scans over a few ids beat any structure at this size.
 */
#include "idset.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

int
idset_has(const struct idset *s, long long id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == id)
			return 1;
	return 0;
}

int
idset_add(struct idset *s, long long id)
{
	if (idset_has(s, id))
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = id;
	return 1;
}

int
idset_del(struct idset *s, long long id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == id) {
			s->v[i] = s->v[--s->n];
			return 1;
		}
	return 0;
}

void
idset_free(struct idset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
