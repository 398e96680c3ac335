/*
 * webclient: see webclient.h.
 */
#include "webclient.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define MAX_BODY (4u << 20)	/* a Bot API answer is a few KB; anything past this is cut */

struct req {
	struct req *prev, *next;	/* in flight */
	CURL *e;
	struct curl_slist *headers;
	char *json;
	struct sbuf body;
	webclient_fn fn;
	void *arg;
	char error[CURL_ERROR_SIZE];
};

struct sock {
	uv_poll_t poll;
	curl_socket_t fd;
};

static struct {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	char *agent;
	int up;
	struct req *live;
} W;

static void
req_free(struct req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else if (W.live == r)
		W.live = r->next;
	if (r->next)
		r->next->prev = r->prev;
	curl_slist_free_all(r->headers);
	free(r->json);
	sbuf_free(&r->body);
	free(r);
}

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct req *r = arg;

	if (r->body.len + size * n > MAX_BODY)
		return 0;	/* curl ends the transfer with an error */
	sbuf_add(&r->body, p, size * n);
	return size * n;
}

/* Transfers that ended: their callbacks. */
static void
finished(void)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(W.multi, &left)) != NULL) {
		struct req *r = NULL;
		long status = 0;
		CURL *e = m->easy_handle;
		CURLcode rc = m->data.result;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		curl_multi_remove_handle(W.multi, e);
		curl_easy_cleanup(e);
		if (r == NULL)
			continue;
		if (rc == CURLE_OK)
			r->fn(r->arg, 1, status, r->body.data ? r->body.data : "", r->body.len, NULL);
		else
			r->fn(r->arg, 0, status, "", 0, r->error[0] ? r->error : curl_easy_strerror(rc));
		req_free(r);
	}
}

static void
on_poll(uv_poll_t *h, int status, int events)
{
	struct sock *s = h->data;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	else {
		if (events & UV_READABLE)
			flags |= CURL_CSELECT_IN;
		if (events & UV_WRITABLE)
			flags |= CURL_CSELECT_OUT;
	}
	curl_multi_socket_action(W.multi, s->fd, flags, &running);
	finished();
}

static void
sock_closed(uv_handle_t *h)
{
	free(h->data);
}

/* curl says which sockets to watch for what. */
static int
on_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct sock *s = socketp;
	int events = 0;

	(void)e;
	(void)userp;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			uv_poll_stop(&s->poll);
			uv_close((uv_handle_t *)&s->poll, sock_closed);
			curl_multi_assign(W.multi, fd, NULL);
		}
		return 0;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->fd = fd;
		if (uv_poll_init_socket(W.loop, &s->poll, fd) != 0) {
			free(s);
			return -1;
		}
		s->poll.data = s;
		curl_multi_assign(W.multi, fd, s);
	}
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	uv_poll_start(&s->poll, events, on_poll);
	return 0;
}

static void
on_timeout(uv_timer_t *t)
{
	int running;

	(void)t;
	curl_multi_socket_action(W.multi, CURL_SOCKET_TIMEOUT, 0, &running);
	finished();
}

static int
on_timer(CURLM *m, long ms, void *userp)
{
	(void)m;
	(void)userp;
	if (ms < 0)
		uv_timer_stop(&W.timer);
	else
		uv_timer_start(&W.timer, on_timeout, (uint64_t)ms, 0);
	return 0;
}

int
webclient_init(uv_loop_t *loop, const char *user_agent)
{
	if (W.up)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (W.multi = curl_multi_init()) == NULL) {
		log_error("webclient: libcurl could not start");
		return -1;
	}
	W.loop = loop;
	W.agent = xstrdup(user_agent);
	uv_timer_init(loop, &W.timer);
	curl_multi_setopt(W.multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(W.multi, CURLMOPT_TIMERFUNCTION, on_timer);
	W.up = 1;
	return 0;
}

void
webclient_shutdown(void)
{
	if (!W.up)
		return;
	uv_timer_stop(&W.timer);
	uv_close((uv_handle_t *)&W.timer, NULL);
	while (W.live) {
		struct req *r = W.live;

		curl_multi_remove_handle(W.multi, r->e);
		curl_easy_cleanup(r->e);
		r->fn(r->arg, 0, 0, "", 0, "the hub is stopping");
		req_free(r);
	}
	curl_multi_cleanup(W.multi);
	curl_global_cleanup();
	free(W.agent);
	W.up = 0;
}

int
webclient_request(const char *url, const char *json, long timeout_s, webclient_fn fn, void *arg)
{
	struct req *r;
	CURL *e;

	if (!W.up || (e = curl_easy_init()) == NULL)
		return -1;
	r = xcalloc(1, sizeof(*r));
	r->e = e;
	r->fn = fn;
	r->arg = arg;
	sbuf_init(&r->body, 1024);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->error);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, W.agent);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	if (json) {
		r->json = xstrdup(json);
		r->headers = curl_slist_append(NULL, "Content-Type: application/json");
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->json);
	}
	r->next = W.live;
	if (W.live)
		W.live->prev = r;
	W.live = r;
	if (curl_multi_add_handle(W.multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		req_free(r);
		return -1;
	}
	return 0;
}
