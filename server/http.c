/*
 * http: lws's HTTP callback and the routing of requests: the pages,
 * /healthz and /metrics here, the API in api.c. Request bodies are
 * collected here, bounded in size and in time. Responses and jobs are
 * httpio.c's.
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "api.h"
#include "export.h"
#include "config.h"
#include "console.h"
#include "desk.h"
#include "httpio.h"
#include "metrics.h"
#include "proto.h"
#include "receipt.h"
#include "report.h"
#include "rooms.h"
#include "staff_api.h"
#include "store.h"
#include "telegram.h"
#include "util.h"

#define MAX_BODY 16384

static const struct config *cfg;

void
http_init(const struct config *c)
{
	cfg = c;
	api_init(c);
	access_init(c);
	staff_api_init(c);
}

size_t
http_conn_size(void)
{
	return sizeof(struct http_conn);
}

/* ---- pages ---- */

static const char *
page_file(const char *path)
{
	static const struct { const char *prefix, *file; } pages[] = {
		{ "/r/", "viewer.html" }, { "/m/", "moderator.html" },
		{ "/p/", "presenter.html" }, { "/o/", "overlay.html" },
		{ "/a/", "answers.html" }, { "/report/", "report.html" }, { "/op/", "op.html" },
	};
	static const struct { const char *path, *file; } fixed[] = {
		{ "/", "index.html" }, { "/admin", "admin.html" }, { "/desk", "desk.html" },
		{ "/report", "report.html" },
	};
	char code[RECEIPT_LEN + 1];
	size_t i, pl;

	for (i = 0; i < ARRAY_LEN(fixed); i++)
		if (strcmp(path, fixed[i].path) == 0)
			return fixed[i].file;
	for (i = 0; i < ARRAY_LEN(pages); i++) {
		pl = strlen(pages[i].prefix);
		if (strncmp(path, pages[i].prefix, pl) == 0 &&
		    proto_valid_room_id(path + pl, strlen(path + pl)))
			return pages[i].file;
	}
	/* A receipt's page, whatever case and dashes the code is typed in. */
	if (strncmp(path, "/q/", 3) == 0 && receipt_normalize(path + 3, strlen(path + 3), code) == 0)
		return "receipt.html";
	return NULL;
}

/* A file as the response: a page of web_dir (file relative) or another (absolute). */
static int
serve_page(struct lws *wsi, struct http_conn *hc, const char *file)
{
	unsigned char hdr[1024], *p = hdr, *end = hdr + sizeof(hdr);
	char full[1024];
	int n, js = file[0] == '/';

	if (js)
		snprintf(full, sizeof(full), "%s", file);
	else
		snprintf(full, sizeof(full), "%s/%s", cfg->web_dir, file);
	if (httpio_security_headers(wsi, hc->path, &p, end) ||
	    httpio_header(wsi, "cache-control:", "no-cache", &p, end))
		return -1;
	n = lws_serve_http_file(wsi, full, js ? "application/javascript" : "text/html; charset=utf-8",
	    (const char *)hdr, (int)(p - hdr));
	if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
		return -1;
	return 0;
}

/* ---- routing ---- */

static void
export_json(struct lws *wsi, struct http_conn *hc)
{
	export_room(wsi, hc, 1);
}

static void
export_csv(struct lws *wsi, struct http_conn *hc)
{
	export_room(wsi, hc, 0);
}

static void
qr(struct lws *wsi, struct http_conn *hc)
{
	api_qr(wsi, hc, hc->arg, strlen(hc->arg));
}

/*
 * The API: a method and a path, either exact (suffix NULL) or a prefix, one
 * segment (a room id, a login: hc->arg) and a suffix. A route with a body
 * runs once the body is complete.
 */
static const struct route {
	int method;
	const char *prefix, *suffix;
	void (*fn)(struct lws *wsi, struct http_conn *hc);
	int body;
} api[] = {
	{ LWSHUMETH_POST, "/api/rooms", NULL, api_create_room, 1 },
	{ LWSHUMETH_GET, "/api/rooms", NULL, console_rooms, 0 },
	{ LWSHUMETH_POST, "/api/rooms/", "", console_update_room, 1 },
	{ LWSHUMETH_POST, "/api/rooms/", "/keys", console_rotate, 0 },
	{ LWSHUMETH_GET, "/api/rooms/", "/audit", console_audit, 0 },
	{ LWSHUMETH_GET, "/api/rooms/", "/export.json", export_json, 0 },
	{ LWSHUMETH_GET, "/api/rooms/", "/export.csv", export_csv, 0 },
	{ LWSHUMETH_GET, "/api/rooms/", "/qr.svg", qr, 0 },
	{ LWSHUMETH_POST, "/api/rooms/", "/moderate", desk_moderate, 1 },
	{ LWSHUMETH_GET, "/api/rooms/", "/answers", desk_answers, 0 },
	{ LWSHUMETH_GET, "/api/rooms/", "/report.json", report_room, 0 },
	{ LWSHUMETH_GET, "/api/report.json", NULL, report_range, 0 },
	{ LWSHUMETH_GET, "/api/followup", NULL, desk_followup, 0 },
	{ LWSHUMETH_GET, "/api/tags", NULL, desk_tags, 0 },
	{ LWSHUMETH_GET, "/api/telegram", NULL, telegram_info, 0 },
	{ LWSHUMETH_GET, "/api/receipts/", "", receipt_get, 0 },
	{ LWSHUMETH_POST, "/api/session", NULL, staff_api_signin, 1 },
	{ LWSHUMETH_DELETE, "/api/session", NULL, staff_api_signout, 0 },
	{ LWSHUMETH_GET, "/api/me", NULL, staff_api_me, 0 },
	{ LWSHUMETH_POST, "/api/staff", NULL, staff_api_create, 1 },
	{ LWSHUMETH_GET, "/api/staff", NULL, staff_api_list, 0 },
	{ LWSHUMETH_POST, "/api/staff/", "", staff_api_update, 1 },
	{ LWSHUMETH_GET, "/api/departments", NULL, staff_api_departments, 0 },
	{ LWSHUMETH_POST, "/api/departments", NULL, staff_api_add_department, 1 },
};

/* The route for a request, its segment in hc->arg; NULL if none (*known: the path exists). */
static const struct route *
find_route(int method, struct http_conn *hc, int *known)
{
	size_t i;

	*known = 0;
	for (i = 0; i < ARRAY_LEN(api); i++) {
		const struct route *r = &api[i];
		size_t pl = strlen(r->prefix);

		if (r->suffix == NULL) {
			if (strcmp(hc->path, r->prefix) != 0)
				continue;
			hc->arg[0] = '\0';
		} else {
			const char *seg = hc->path + pl, *end;

			if (strncmp(hc->path, r->prefix, pl) != 0 || *seg == '\0')
				continue;
			end = strchr(seg, '/');
			if (end == NULL)
				end = seg + strlen(seg);
			if (strcmp(end, r->suffix) != 0 || (size_t)(end - seg) >= sizeof(hc->arg))
				continue;
			memcpy(hc->arg, seg, (size_t)(end - seg));
			hc->arg[end - seg] = '\0';
		}
		*known = 1;
		if (r->method == method || (method == LWSHUMETH_HEAD && r->method == LWSHUMETH_GET))
			return r;
	}
	return NULL;
}

static int
route(struct lws *wsi, struct http_conn *hc)
{
	char *uri = NULL;
	int ulen = 0, method = lws_http_get_uri_and_method(wsi, &uri, &ulen), known;
	const char *path = hc->path, *file;
	const struct route *r;

	metrics.http_requests++;
	if ((r = find_route(method, hc, &known)) != NULL) {
		char cl[24];

		/* Without a body lws reports no completion: run now. */
		if (r->body && lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
		    strcmp(cl, "0") != 0) {
			hc->on_body = r->fn;	/* the body arrives, then BODY_COMPLETION */
			return 0;
		}
		r->fn(wsi, hc);
		return 0;
	}
	if (known) {
		respond_error(wsi, hc, 405, "method_not_allowed", "not with this method");
		return 0;
	}
	if (method != LWSHUMETH_GET && method != LWSHUMETH_HEAD) {
		respond_error(wsi, hc, 404, "not_found", "no such resource");
		return 0;
	}
	if (strcmp(path, "/healthz") == 0) {
		int ok = store_healthy();

		respond_json(wsi, hc, ok ? 200 : 503,
		    "{\"ok\":%s,\"redis\":%s,\"subscriber\":%s,\"rooms\":%zu}",
		    ok ? "true" : "false", store_ready() ? "true" : "false",
		    ok ? "true" : "false", rooms_count());
		return 0;
	}
	if (strcmp(path, "/metrics") == 0) {
		struct sbuf b = { 0 };

		sbuf_init(&b, 4096);
		metrics_render(&b);
		respond(wsi, hc, 200, "text/plain; version=0.0.4", b.data, b.len);
		return 0;
	}
	if ((file = page_file(path)) != NULL)
		return serve_page(wsi, hc, file) < 0 ? -1 : 0;
	/* The report pages' chart library, Debian's (--chart-js). */
	if (strcmp(path, "/vendor/chart.min.js") == 0)
		return serve_page(wsi, hc, cfg->chart_js) < 0 ? -1 : 0;
	respond_error(wsi, hc, 404, "not_found", "no such resource");
	return 0;
}

int
http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct http_conn *hc = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* A WebSocket without the qa.v1 subprotocol lands here: refuse it. */
		metrics.connections_refused++;
		return -1;
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		/*
		 * A connection that sends nothing, or its headers a byte at a
		 * time, has --handshake-timeout to finish them.
		 */
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, cfg->handshake_timeout_s);
		return 0;
	case LWS_CALLBACK_HTTP:
		httpio_reset(hc);
		hc->started = now_ms();
		snprintf(hc->path, sizeof(hc->path), "%s", (const char *)in);
		{
			char ae[256];

			hc->accepts_gzip = lws_hdr_copy(wsi, ae, sizeof(ae), WSI_TOKEN_HTTP_ACCEPT_ENCODING) > 0 &&
			    strstr(ae, "gzip") != NULL;
		}
		if (route(wsi, hc) < 0)
			return -1;
		return 0;
	case LWS_CALLBACK_HTTP_BODY:
		/*
		 * lws restarts its content timeout at every chunk, so a body
		 * sent a byte at a time would never end: the whole body has
		 * --handshake-timeout.
		 */
		if (now_ms() - hc->started > (uint64_t)cfg->handshake_timeout_s * 1000)
			return -1;
		if (len == 0 || hc->ready)
			return 0;
		if (hc->body_len + len > MAX_BODY) {
			respond_error(wsi, hc, 413, "too_long", "the body is over 16 KiB");
			return 0;
		}
		hc->body = xrealloc(hc->body, hc->body_len + len + 1);
		memcpy(hc->body + hc->body_len, in, len);
		hc->body_len += len;
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!hc->ready && hc->on_body)
			hc->on_body(wsi, hc);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return httpio_write(wsi, hc);
	case LWS_CALLBACK_ADD_HEADERS: {
		/* Files from the /static mount: the same headers as everything else. */
		struct lws_process_html_args *a = in;
		unsigned char *p = (unsigned char *)a->p, *end = p + a->max_len;

		if (httpio_security_headers(wsi, "/static/", &p, end))
			return 1;
		a->max_len -= (int)(p - (unsigned char *)a->p);
		a->p = (char *)p;
		return 0;
	}
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (hc)
			httpio_reset(hc);
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}
