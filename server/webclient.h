/*
 * webclient: outgoing HTTP requests on the hub's libuv loop, through
 * libcurl's multi interface (a uv_poll_t per socket curl wants watched,
 * one uv_timer_t for curl's timeouts), so that no request ever blocks the
 * loop. Used by the Telegram bot (telegram.h).
 */
#ifndef SURAK_WEBCLIENT_H
#define SURAK_WEBCLIENT_H

#include <stddef.h>
#include <uv.h>

/*
 * A request's end: ok 0 when no HTTP answer came (connection refused,
 * timeout, …; error says why), else the HTTP status and the body.
 */
typedef void (*webclient_fn)(void *arg, int ok, long status, const char *body, size_t len,
    const char *error);

int webclient_init(uv_loop_t *loop, const char *user_agent);
/* Ends every request in flight (each callback told so, ok 0). */
void webclient_shutdown(void);

/*
 * GET url, or POST json (not NULL) to it with Content-Type
 * application/json; at most timeout_s seconds. fn is called once, later.
 * 0, or -1 if the request could not be started.
 */
int webclient_request(const char *url, const char *json, long timeout_s, webclient_fn fn, void *arg);

#endif
