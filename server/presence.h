/*
 * presence: how many viewers a room has across every hub. Each hub
 * reports its own count every REPORT_EVERY_MS (the presence script keeps the
 * reports and drops a hub that stopped reporting); the total goes to the
 * room's moderators as {"type":"stats","viewers":N} when it changes and
 * when a moderator joins.
 */
#ifndef SURAK_PRESENCE_H
#define SURAK_PRESENCE_H

#include <stdint.h>

struct room;
struct member;

/* Reports this hub's viewers of the room if a report is due. */
void presence_report(struct room *rm, uint64_t now);
/* Sends the room's viewer count to one member, if it is known. */
void presence_send(struct room *rm, struct member *m);

#endif
