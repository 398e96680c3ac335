/*
 * console: the HTTP API behind the console (/admin) and the audit:
 *
 *   GET  /api/rooms               every room with its counts (admin)
 *   POST /api/rooms/ROOM          open or close, title, moderation, archive,
 *                                 opening time (admin)
 *   POST /api/rooms/ROOM/keys     new moderator and presenter keys, shown
 *                                 this once (admin)
 *   GET  /api/rooms/ROOM/audit    the audit trail, ?after=N pages (the
 *                                 room's moderator key, or a moderator's
 *                                 or admin's session)
 *
 * and the opening of rooms created with an opening time, by whichever hub
 * sees the time come first.
 */
#ifndef SURAK_CONSOLE_H
#define SURAK_CONSOLE_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stddef.h>
#include <uv.h>

struct lws;
struct http_conn;
struct config;

void console_init(uv_loop_t *loop, const struct config *cfg);
void console_shutdown(void);
void console_rooms(struct lws *wsi, struct http_conn *hc);
void console_update_room(struct lws *wsi, struct http_conn *hc);
void console_rotate(struct lws *wsi, struct http_conn *hc);
void console_audit(struct lws *wsi, struct http_conn *hc);

/*
 * The room ids of a rooms_index reply ("list" or "range") as a JSON array,
 * ids that cannot be rooms left out; NULL if the reply is not an "ok".
 */
json_t *console_room_ids(const redisReply *r);

#endif
