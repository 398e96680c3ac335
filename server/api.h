/*
 * api: the HTTP API over rooms: POST /api/rooms (the admin token) and the
 * room link's QR code. The exports are export.h's.
 */
#ifndef SURAK_API_H
#define SURAK_API_H

#include <stddef.h>

struct lws;
struct http_conn;
struct config;

void api_init(const struct config *cfg);
/* POST /api/rooms, once its body (if any) is complete. */
void api_create_room(struct lws *wsi, struct http_conn *hc);
/* GET /api/rooms/ROOM/qr.svg[?download=1]. */
void api_qr(struct lws *wsi, struct http_conn *hc, const char *room, size_t rlen);

#endif
