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

void roster_list_add(struct member **head, struct member *m);
void roster_list_del(struct member **head, struct member *m);
/* Adds m to (or removes it from) the room's viewer indexes. */
void roster_index(struct room *rm, struct member *m, int add);
void roster_free_index(struct map *idx);
/* A viewer's client asked question id (indexed if it is in a room). */
void roster_add_mine(struct member *m, long long id);
void roster_set_voted(struct member *m, long long id, int on);
/* Every member of that client now asked question id. */
void roster_add_mine_for_client(struct room *rm, const char *client, long long id);
/* Closes the members admitted with a key that the keys event replaced. */
void roster_close_stale_keys(struct room *rm, const struct event *ev);

#endif
