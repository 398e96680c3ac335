/*
 * telegram: questions from a Telegram bot (docs/INTAKE.md), when
 * --telegram-token is given. One hub of the deployment polls the Bot API
 * at a time (a lease in Redis with a fencing token, tg.lua); a resident
 * opens the room's deep link (https://t.me/BOT?start=ROOM), and each text
 * message then becomes an ask in that room (ask.h's ask_submit, source
 * "telegram", rid "tg-UPDATE_ID" so that a message asked again after a
 * hub died is a replay), answered with the receipt. The offset moves on
 * only once a batch's asks are acknowledged. What then becomes of the
 * question (approved, on air, answered, answered in writing) comes back
 * through each room's outbox (tg_room.lua), which the lease holder
 * drains. HTTP is libcurl's multi interface on the hub's libuv loop.
 *
 *   GET /api/telegram   {"bot":"username"|null}: the bot, for the QR panels
 */
#ifndef SURAK_TELEGRAM_H
#define SURAK_TELEGRAM_H

#include <uv.h>

struct config;
struct lws;
struct http_conn;

/* Starts the bot if the config has a token; 0, or -1 with the reason logged. */
int telegram_init(uv_loop_t *loop, const struct config *cfg);
void telegram_shutdown(void);

void telegram_info(struct lws *wsi, struct http_conn *hc);

#endif
