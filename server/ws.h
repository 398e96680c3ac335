/*
 * ws: the libwebsockets context on the hub's libuv loop, its listening
 * socket, and the qa.v1 WebSocket protocol: handshake checks (path,
 * subprotocol, Origin, connections per IP) and the glue between lws
 * callbacks and sessions.
 */
#ifndef SURAK_WS_H
#define SURAK_WS_H

#include <uv.h>

#include "addr.h"

struct config;
struct lws;

/* The context, not yet listening. */
int ws_init(uv_loop_t *loop, const struct config *cfg);
/* Opens the listening socket (SO_REUSEPORT with --workers); -1 if it cannot. */
int ws_listen(uv_loop_t *loop);
/* Closes every connection; the loop must run on to finish. */
void ws_shutdown(void);
/* The port actually listened on (useful with --port 0). */
int ws_port(void);
/* The address of the client behind a connection (trusted proxies taken into account). */
void ws_client_ip(struct lws *wsi, char out[ADDR_MAX]);

/*
 * 1 if the request's Origin may act here: none (not a browser), one of
 * --origins, or by default the hub's own origin. Checked for every
 * WebSocket upgrade and every state-changing request a session cookie
 * authenticates.
 */
struct lws;
int ws_origin_allowed(struct lws *wsi);

#endif
