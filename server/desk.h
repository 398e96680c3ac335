/*
 * desk: the follow-up after the broadcast over HTTP (DESK.md "Follow-up
 * and written answers", "Public answers"), for the responder's page, the
 * answers page and the moderator page's assignments:
 *
 *   POST /api/rooms/ID/moderate  a `moderate` command as the WebSocket takes
 *                                it (moderation.h), answered with its ack; as
 *                                the room's moderator key, or a member of
 *                                staff: moderators and admins moderate, a
 *                                presenter answers and features, a responder
 *                                replies for its departments
 *   GET  /api/followup           the assigned questions of every room, each
 *                                with its "room":{id,title}: a responder's
 *                                departments' (moderators and admins: all),
 *                                open ones by due day first
 *   GET  /api/rooms/ID/answers   no sign-in: the public record of a room,
 *                                read in chunks of 500 ids, with the
 *                                departments' names
 *   GET  /api/tags               no sign-in: the topics and places (tags.h)
 *                                and the departments, for the pages
 */
#ifndef SURAK_DESK_H
#define SURAK_DESK_H

struct lws;
struct http_conn;

void desk_moderate(struct lws *wsi, struct http_conn *hc);
void desk_followup(struct lws *wsi, struct http_conn *hc);
void desk_answers(struct lws *wsi, struct http_conn *hc);
void desk_tags(struct lws *wsi, struct http_conn *hc);

#endif
