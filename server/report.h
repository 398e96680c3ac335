/*
 * report: the figures of a broadcast (DESK.md "Reports"), summed by the
 * hub from report.lua's chunks (500 question ids a call):
 *
 *   GET /api/rooms/ID/report.json   as for the audit: the room's moderator
 *                                   key, or a moderator or admin signed in
 *   GET /api/report.json?from=YYYY-MM-DD&to=YYYY-MM-DD
 *                                   an admin (or the admin token): every
 *                                   room created in those days (default:
 *                                   the last 30), with each room's counts
 *
 * Both answer {"counts":{asked, questions, merged, pending, approved,
 * rejected, answered_on_air, assigned, answered_in_writing, overdue},
 * "per_minute":[[ms,asks],…], "topics":{id:n}, "places":{id:n},
 * "sources":{web|telegram|phone:n}, "top":[Question, …10], "today"} and
 * "room" (one room) or "from", "to", "rooms":[{id,title,created,counts}]
 * (a span). Overdue: assigned, unanswered, its due day before the hub's
 * local today.
 */
#ifndef SURAK_REPORT_H
#define SURAK_REPORT_H

struct lws;
struct http_conn;

void report_room(struct lws *wsi, struct http_conn *hc);
void report_range(struct lws *wsi, struct http_conn *hc);

#endif
