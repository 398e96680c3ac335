/*
 * http: the hub's HTTP side. Pages (/r, /m, /p, /o), /healthz, /metrics,
 * POST /api/rooms and the exports; static assets come from an lws file
 * mount on /static, with the same security headers added here.
 */
#ifndef SURAK_HTTP_H
#define SURAK_HTTP_H

#include <libwebsockets.h>

struct config;

void http_init(const struct config *cfg);
/* The callback of protocols[0] ("http"). */
int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len);
/* Per-connection data lws allocates for http_callback. */
size_t http_conn_size(void);

#endif
