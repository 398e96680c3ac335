/*
 * export: GET /api/rooms/ROOM/export.json and export.csv (the room's
 * moderator key): every question ever asked in the room, merged ones
 * included, with all their variants. export.lua hands the room over in
 * chunks of at most EXPORT_QUESTIONS questions and EXPORT_VARIANTS
 * variants, a question asked thousands of times over several chunks;
 * this module puts them together into one response.
 */
#ifndef SURAK_EXPORT_H
#define SURAK_EXPORT_H

#include <stddef.h>

struct lws;
struct http_conn;

#define EXPORT_QUESTIONS 500
#define EXPORT_VARIANTS 2000

/* The room is hc->arg; its moderator key, or a moderator or admin signed in. */
void export_room(struct lws *wsi, struct http_conn *hc, int json);

#endif
