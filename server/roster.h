/*
 * roster: a room's members and their indexes (roster.c); for the room
 * modules only, like room.h.
 */
#ifndef SURAK_ROSTER_H
#define SURAK_ROSTER_H

struct room;
struct member;
struct map;
struct event;

#include <jansson.h>

void roster_list_add(struct member **head, struct member *m);
void roster_list_del(struct member **head, struct member *m);
/* Adds m to (or removes it from) the room's viewer indexes. */
void roster_index(struct room *rm, struct member *m, int add);
void roster_free_index(struct map *idx);
/* A viewer's client asked question id (indexed if it is in a room). */
void roster_add_mine(struct member *m, long long id);
void roster_set_voted(struct member *m, long long id, int on);
/* Every member of that client now asked question id (and may read `own` of it, or NULL). */
void roster_add_mine_for_client(struct room *rm, const char *client, long long id, const char *own);
/* A member's own words of question id (NULL: none). */
void roster_set_own(struct member *m, long long id, const char *json);
/*
 * Question `from` (its moderator view `gone`, NULL if unknown) was merged
 * into `into`: its askers on this hub now asked `into`, keeping their own
 * words of it.
 */
void roster_merged(struct room *rm, long long from, long long into, const json_t *gone);
void roster_free_own(struct member *m);
/* Closes the members admitted with a key that the keys event replaced. */
void roster_close_stale_keys(struct room *rm, const struct event *ev);

#endif
