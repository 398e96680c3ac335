/*
 * idset: a small set of question ids (a client asks and votes a handful),
 * kept as an unsorted array. idset_free() leaves an empty set.
 */
#ifndef SURAK_IDSET_H
#define SURAK_IDSET_H

#include <stddef.h>

struct idset {
	long long *v;
	size_t n, cap;
};

int idset_has(const struct idset *s, long long id);
int idset_add(struct idset *s, long long id);	/* 1 if added */
int idset_del(struct idset *s, long long id);	/* 1 if removed */
void idset_free(struct idset *s);

#endif
