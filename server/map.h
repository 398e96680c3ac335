/*
 * map: a string-keyed hash table of void pointers (open addressing,
 * linear probing, tombstones). Keys are copied; values are not owned.
 */
#ifndef SURAK_MAP_H
#define SURAK_MAP_H

#include <stddef.h>

struct map;

struct map *map_new(void);
void map_free(struct map *m);	/* map_free(NULL) is a no-op */
size_t map_count(const struct map *m);
void *map_get(const struct map *m, const char *key);
/* Sets key to val (val must not be NULL); returns the previous value or NULL. */
void *map_put(struct map *m, const char *key, void *val);
/* Removes key; returns its value or NULL. */
void *map_del(struct map *m, const char *key);
/*
 * Iteration: start with *pos = 0; each call returns the next value (and
 * its key) or NULL at the end. The map must not change while iterating,
 * except through map_del() of the entry just returned.
 */
void *map_next(const struct map *m, size_t *pos, const char **key);

#endif
