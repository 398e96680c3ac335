/*
 * ws: lws on a foreign libuv loop (LWS_SERVER_OPTION_LIBUV with
 * foreign_loops), so lws, hiredis and our timers share one thread.
 *
 * The listening socket is ours, not lws's: lws 4.1 cannot set SO_REUSEPORT
 * (its LISTEN_SHARE option only matters on Windows), and several hub
 * processes (--workers) must share the port. Each accepted connection is
 * handed to lws with lws_adopt_socket_vhost(), in HTTP mode, exactly as
 * its own listener would.
 *
 * Handshakes are checked in LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION,
 * before any session exists: the path must be /ws, the Origin (when a
 * browser sends one) must be allowed, and the client's IP must be under
 * its connection cap. Everything after the handshake is the session's.
 * This file never writes to a connection: sessions do.
 */
#include "ws.h"

#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "map.h"
#include "metrics.h"
#include "proto.h"
#include "session.h"
#include "staff.h"
#include "util.h"

struct ws_conn {
	struct session *s;
	char ip[ADDR_MAX];
	char group[ADDR_MAX];	/* what per-address limits count by (addr.h) */
	int counted;		/* included in the per-address count */
	char sid[65];		/* the staff session's SHA-256 from the cookie, or "" */
};

static struct {
	const struct config *cfg;
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	struct map *per_ip;	/* address group → (uintptr_t) open connections */
	char static_dir[1024];
	int listen_fd;
	int port;
	uv_poll_t listen_poll;
	uv_timer_t keepalive;		/* session_keepalive() sweeps */
	int ws_cap;			/* a WebSocket upgrade on a descriptor from here on is refused */
	int fd_cap;			/* a connection on a descriptor from here on is closed at accept */
	int spare_fd;			/* given up to accept-and-close when out of descriptors */
	uint64_t refused_logged;
} W;

/*
 * The client's address: the peer's, or, when the peer is one of the
 * trusted proxies (--trust-proxy), the right-most X-Forwarded-For address
 * that is not (addr.h). Anyone else's X-Forwarded-For is ignored.
 */
void
ws_client_ip(struct lws *wsi, char out[ADDR_MAX])
{
	char fwd[1024];

	out[0] = '\0';
	lws_get_peer_simple(wsi, out, ADDR_MAX);
	if (strncmp(out, "::ffff:", 7) == 0)
		memmove(out, out + 7, strlen(out + 7) + 1);
	if (W.cfg->trust_proxy && addr_in(&W.cfg->trusted, out) &&
	    lws_hdr_copy(wsi, fwd, sizeof(fwd), WSI_TOKEN_X_FORWARDED_FOR) > 0)
		addr_forwarded(&W.cfg->trusted, fwd, out);
	if (out[0] == '\0')
		snprintf(out, ADDR_MAX, "unknown");
}

/* "http://host:port" → "host:port" (NULL if the scheme is not http(s)). */
static const char *
origin_authority(const char *origin)
{
	if (strncmp(origin, "http://", 7) == 0)
		return origin + 7;
	if (strncmp(origin, "https://", 8) == 0)
		return origin + 8;
	return NULL;
}

int
ws_origin_allowed(struct lws *wsi)
{
	char origin[256], host[256];
	const char *list = W.cfg->origins, *auth;
	size_t olen;

	if (lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) <= 0)
		return 1;	/* not a browser: no cross-site risk */
	olen = strlen(origin);
	if (list) {
		const char *p = list;

		while (*p) {
			const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);

			while (*p == ' ')
				p++;
			if ((size_t)(end - p) == olen && strncmp(p, origin, olen) == 0)
				return 1;
			if (!comma)
				break;
			p = comma + 1;
		}
		return 0;
	}
	/* By default only the hub's own origin: the page's host is the one asked. */
	if ((auth = origin_authority(origin)) == NULL ||
	    lws_hdr_copy(wsi, host, sizeof(host), WSI_TOKEN_HOST) <= 0)
		return 0;
	return strcasecmp(auth, host) == 0;
}

static uintptr_t
ip_count(const char *ip)
{
	return (uintptr_t)map_get(W.per_ip, ip);
}

static void
ip_adjust(const char *ip, int delta)
{
	uintptr_t n = ip_count(ip) + (uintptr_t)(intptr_t)delta;

	if (n == 0)
		map_del(W.per_ip, ip);
	else
		map_put(W.per_ip, ip, (void *)n);
}

static int
filter(struct lws *wsi, struct ws_conn *c)
{
	char path[32];

	ws_client_ip(wsi, c->ip);
	addr_group(c->ip, c->group);
	if (c->group[0] == '\0')
		snprintf(c->group, sizeof(c->group), "%s", c->ip);
	if (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) <= 0 ||
	    strcmp(path, "/ws") != 0) {
		log_debug("ws: refused %s: path is not /ws", c->ip);
		return -1;
	}
	if (!ws_origin_allowed(wsi)) {
		log_info("ws: refused %s: Origin not allowed", c->ip);
		return -1;
	}
	/* A signed-in member of staff: only its session's hash is kept. */
	{
		char cookie[1024];

		c->sid[0] = '\0';
		if (lws_hdr_copy(wsi, cookie, sizeof(cookie), WSI_TOKEN_HTTP_COOKIE) > 0)
			staff_cookie_sid(cookie, c->sid);
		OPENSSL_cleanse(cookie, sizeof(cookie));
	}
	if (ip_count(c->group) >= (uintptr_t)W.cfg->conns_per_ip) {
		log_info("ws: refused %s: over %d connections from %s", c->ip, W.cfg->conns_per_ip, c->group);
		return -1;
	}
	if ((int)lws_get_socket_fd(wsi) >= W.ws_cap) {
		metrics.refused_files[REFUSED_AT_UPGRADE]++;
		return -1;
	}
	return 0;
}

static int
ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
    size_t len)
{
	struct ws_conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (filter(wsi, c) < 0) {
			metrics.connections_refused++;
			return -1;
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		/* Counted from here: CLOSED follows every ESTABLISHED. */
		ip_adjust(c->group, 1);
		c->counted = 1;
		c->s = session_open(wsi, c->ip, c->group, c->sid);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (c->s == NULL)
			return -1;
		return session_receive(c->s, in, len,
		    lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0,
		    lws_frame_is_binary(wsi));
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return c->s ? session_writeable(c->s) : 0;
	case LWS_CALLBACK_RECEIVE_PONG:
		if (c->s)
			session_pong(c->s);
		return 0;
	case LWS_CALLBACK_CLOSED:
		if (c->s) {
			session_closed(c->s);
			c->s = NULL;
		}
		if (c->counted) {
			ip_adjust(c->group, -1);
			c->counted = 0;
		}
		return 0;
	default:
		return 0;
	}
}

static struct lws_protocols protocols[] = {
	{ "http", http_callback, 0, 0, 0, NULL, 0 },
	{ PROTO_SUBPROTOCOL, ws_callback, sizeof(struct ws_conn), 512, 0, NULL, 128 * 1024 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/*
 * lws's validity timer (ping a silent connection, hang up if it stays
 * silent) is off: it keeps a timer per connection in one sorted list and
 * moves it at every received frame, a walk of the whole list (the profile
 * is in docs/BENCHMARKS.md, "Joins"). session_keepalive() does the same
 * job with one sweep every KEEPALIVE_SWEEP_MS.
 */
static const lws_retry_bo_t idle_policy = { .secs_since_valid_ping = 0, .secs_since_valid_hangup = 0 };
#define KEEPALIVE_SWEEP_MS 1000

static struct lws_http_mount static_mount = {
	.mountpoint = "/static",
	.mountpoint_len = 7,
	.origin_protocol = LWSMPRO_FILE,
	.protocol = "http",	/* its ADD_HEADERS callback adds our headers */
	.cache_max_age = 0,
};

static void
lws_to_log(int level, const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && line[n - 1] == '\n')
		n--;
	if (level & LLL_ERR)
		log_error("lws: %.*s", (int)n, line);
	else if (level & LLL_WARN)
		log_warn("lws: %.*s", (int)n, line);
	else
		log_debug("lws: %.*s", (int)n, line);
}

/* ---- the listening socket ---- */

/*
 * The accept queue: the kernel caps it at net.core.somaxconn (4096 on
 * Debian 12), so raising that sysctl is what makes a reconnect storm of
 * tens of thousands fit (docs/OPERATIONS.md). A connection that finds the
 * queue full waits for TCP's retransmissions: 1, 2, 4, 8, 16 s.
 */
#define LISTEN_BACKLOG 65535
/*
 * Connections accepted per turn of the loop: a crowd arriving at once is
 * taken in slices, with Redis replies and fan-out served between them
 * (the listening socket stays readable, so the next turn takes more).
 */
#define ACCEPT_PER_TURN 128
/*
 * The open-files limit is met by refusing early and cleanly: the last
 * WS_RESERVE descriptors (a quarter of the limit when that is less) are
 * kept from WebSockets, so health checks, metrics, pages and Redis still
 * have some (a WebSocket upgrade there is refused: the page tries again
 * later); the last FD_RESERVE are kept from every connection, which is
 * then closed at accept.
 */
#define WS_RESERVE 256
#define FD_RESERVE 32

/* Binds host:port (every interface, IPv6 and IPv4, when host is NULL). */
static int
listen_socket(const char *host, int port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL, *a;
	char service[16];
	int fd = -1, one = 1, zero = 0, r;

	snprintf(service, sizeof(service), "%d", port);
	if ((r = getaddrinfo(host, service, &hints, &res)) != 0) {
		log_error("ws: cannot resolve %s: %s", host ? host : "*", gai_strerror(r));
		return -1;
	}
	/* With no host, prefer the IPv6 wildcard, which takes IPv4 too. */
	for (int pass = 0; pass < 2 && fd < 0; pass++) {
		for (a = res; a && fd < 0; a = a->ai_next) {
			if (host == NULL && (pass == 0) != (a->ai_family == AF_INET6))
				continue;
			fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fd < 0)
				continue;
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (W.cfg->workers > 1)
				setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
			if (a->ai_family == AF_INET6)
				setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
			if (bind(fd, a->ai_addr, a->ai_addrlen) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
				log_error("ws: cannot listen on %s port %d: %s", host ? host : "*", port,
				    strerror(errno));
				close(fd);
				fd = -1;
			}
		}
	}
	freeaddrinfo(res);
	return fd;
}

/*
 * A connection the process cannot hold is closed at once: the client sees
 * the close and tries again later, and the listener keeps serving
 * everyone else (pausing it would leave the whole queue waiting).
 */
static void
refuse(int fd, const char *why)
{
	uint64_t now = now_ms();

	if (fd >= 0)
		close(fd);
	metrics.refused_files[REFUSED_AT_ACCEPT]++;
	if (now - W.refused_logged > 10000) {
		log_warn("ws: refusing connections: %s (descriptor %d of %d)", why, fd, W.fd_cap);
		W.refused_logged = now;
	}
}

static void
on_acceptable(uv_poll_t *h, int status, int events)
{
	int i, one = 1;

	(void)h;
	(void)events;
	if (status < 0)
		return;
	for (i = 0; i < ACCEPT_PER_TURN; i++) {
		int fd = accept4(W.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EMFILE && errno != ENFILE)
				return;		/* EAGAIN: all taken (or a transient error) */
			/* Out of descriptors after all: the spare one takes the connection, to close it. */
			if (W.spare_fd >= 0)
				close(W.spare_fd);
			fd = accept4(W.listen_fd, NULL, NULL, SOCK_CLOEXEC);
			refuse(fd, strerror(errno));
			W.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			continue;
		}
		if (fd >= W.fd_cap) {
			refuse(fd, "near the open-files limit");
			continue;
		}
		/*
		 * No Nagle, as lws's own listener would set: a frame is one
		 * write, and an ack written right after an event must not
		 * wait for the client's (delayed) ACK of that event.
		 */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (lws_adopt_socket_vhost(W.vhost, fd) == NULL)
			log_warn("ws: lws could not adopt a connection");	/* fd closed by lws */
	}
}

static void
on_keepalive(uv_timer_t *t)
{
	(void)t;
	session_keepalive(now_ms());
}

static int
listen_start(uv_loop_t *loop)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	struct rlimit rl;

	W.listen_fd = listen_socket(W.cfg->host, W.cfg->port);
	if (W.listen_fd < 0)
		return -1;
	W.fd_cap = W.ws_cap = 1 << 30;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (1u << 30)) {
		int lim = (int)rl.rlim_cur;

		W.fd_cap = lim - (lim / 8 < FD_RESERVE ? lim / 8 : FD_RESERVE);
		W.ws_cap = lim - (lim / 4 < WS_RESERVE ? lim / 4 : WS_RESERVE);
	}
	W.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (getsockname(W.listen_fd, (struct sockaddr *)&ss, &sl) == 0)
		W.port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	uv_poll_init(loop, &W.listen_poll, W.listen_fd);
	uv_poll_start(&W.listen_poll, UV_READABLE, on_acceptable);
	return 0;
}

static void
listen_stop(void)
{
	if (W.listen_fd < 0)
		return;
	uv_poll_stop(&W.listen_poll);
	uv_close((uv_handle_t *)&W.listen_poll, NULL);
	close(W.listen_fd);
	W.listen_fd = -1;
	if (W.spare_fd >= 0)
		close(W.spare_fd);
	W.spare_fd = -1;
}

int
ws_init(uv_loop_t *loop, const struct config *cfg)
{
	struct lws_context_creation_info info;
	void *loops[1] = { loop };

	memset(&W, 0, sizeof(W));
	W.cfg = cfg;
	W.per_ip = map_new();
	protocols[0].per_session_data_size = http_conn_size();
	snprintf(W.static_dir, sizeof(W.static_dir), "%s/static", cfg->web_dir);
	static_mount.origin = W.static_dir;
	lws_set_log_level(LLL_ERR | LLL_WARN | (cfg->log_level >= 3 ? LLL_NOTICE : 0),
	    lws_to_log);

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;	/* our listener adopts into it */
	info.protocols = protocols;
	info.mounts = &static_mount;
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN;
	info.foreign_loops = loops;
	info.timeout_secs = (unsigned)cfg->handshake_timeout_s;
	/* Headers that never finish (slowloris) are cut after the same time. */
	info.timeout_secs_ah_idle = (unsigned)cfg->handshake_timeout_s;
	info.retry_and_idle_policy = &idle_policy;
	info.server_string = "surak";
	info.pt_serv_buf_size = 32 * 1024;
	info.max_http_header_pool = 0;
	W.listen_fd = -1;
	W.ctx = lws_create_context(&info);
	if (W.ctx == NULL || (W.vhost = lws_get_vhost_by_name(W.ctx, "default")) == NULL) {
		log_error("ws: cannot start libwebsockets");
		return -1;
	}
	uv_timer_init(loop, &W.keepalive);
	uv_timer_start(&W.keepalive, on_keepalive, KEEPALIVE_SWEEP_MS, KEEPALIVE_SWEEP_MS);
	return 0;
}

int
ws_listen(uv_loop_t *loop)
{
	return listen_start(loop);
}

int
ws_port(void)
{
	return W.port;
}

void
ws_shutdown(void)
{
	listen_stop();
	if (W.ctx) {
		uv_timer_stop(&W.keepalive);
		uv_close((uv_handle_t *)&W.keepalive, NULL);
	}
	if (W.ctx)
		lws_context_destroy(W.ctx);
	W.ctx = NULL;
	map_free(W.per_ip);
	W.per_ip = NULL;
}
