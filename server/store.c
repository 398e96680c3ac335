/*
 * store: the hub's two Redis connections and their watchdog.
 *
 * Ownership: each connection owns its redisAsyncContext (NULL while down)
 * and the list of requests sent on it and not yet answered, oldest first.
 * Redis answers in order, so the head of that list is the oldest request;
 * when it is older than the deadline the connection is declared dead:
 * redisAsyncFree() then calls every pending callback with a NULL reply,
 * which the callers turn into `unavailable`.
 *
 * The subscriber connection is watched end to end: the command connection
 * PUBLISHes a heartbeat on this hub's own channel, which the subscriber
 * must receive within the deadline. That proves Redis, both sockets and
 * the subscription alive, without PING (which hiredis 0.14 mishandles in
 * subscribed mode).
 *
 * Never: call redisAsyncFree() on a context whose disconnect callback has
 * run (hiredis frees it itself), or send on a connection not READY.
 */
#include "store.h"

#include "redis_uv.h"
#include <hiredis/async.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "config.h"
#include "embed.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#define WATCHDOG_MS 100
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000

enum conn_state { C_DOWN, C_CONNECTING, C_SETUP, C_READY };

struct req;

struct conn {
	const char *name;
	int is_sub;
	redisAsyncContext *ac;		/* NULL while down */
	enum conn_state state;
	uint64_t since;			/* when the current state began */
	uint64_t next_attempt;		/* when to reconnect, while down */
	uint64_t backoff;
	int setup_left;			/* setup replies awaited before READY */
	int ever_ready;
	struct req *head, *tail;	/* in flight, oldest first */
};

struct req {
	struct req *next, *prev;
	struct conn *c;
	uint64_t sent;
	store_reply_fn fn;		/* NULL for the store's own commands */
	void *arg;
	int script;			/* script id, or -1 */
	int argc;			/* kept for a NOSCRIPT retry */
	char **argv;
	size_t *lens;
};

static struct {
	uv_loop_t *loop;
	const struct config *cfg;
	struct store_hooks hooks;
	uv_timer_t watchdog;
	struct conn cmd, sub;
	char *sources[SCRIPT_COUNT];	/* lib.lua + the table A + the script */
	char shas[SCRIPT_COUNT][41];
	char chan_prefix[48];		/* "surak:ev:" or "surak:<db>:ev:" */
	char hub_id[AUTH_KEY_LEN + 1];
	char hb_channel[64];
	uint64_t hb_sent_seq, hb_acked_seq, hb_recv_seq;
	uint64_t hb_sent_at, hb_acked_at;
	int hb_in_flight;
	int shutting_down;
} st;

static void conn_reset(struct conn *c, const char *why);
static void on_reply(redisAsyncContext *ac, void *r, void *privdata);

static uint64_t
deadline(void)
{
	return (uint64_t)st.cfg->redis_timeout_ms;
}

static void
set_state(struct conn *c, enum conn_state s)
{
	c->state = s;
	c->since = now_ms();
	if (c == &st.cmd)
		metrics.redis_up = s == C_READY;
}

static void
req_free(struct req *q)
{
	int i;

	for (i = 0; i < q->argc; i++)
		free(q->argv[i]);
	free(q->argv);
	free(q->lens);
	free(q);
}

static void
req_unlink(struct req *q)
{
	struct conn *c = q->c;

	if (q->prev)
		q->prev->next = q->next;
	else
		c->head = q->next;
	if (q->next)
		q->next->prev = q->prev;
	else
		c->tail = q->prev;
	q->next = q->prev = NULL;
}

/* Sends argv on c; q (which takes argv) is answered through on_reply. */
static int
send_req(struct conn *c, struct req *q)
{
	if (c->ac == NULL)
		return -1;
	if (redisAsyncCommandArgv(c->ac, on_reply, q, q->argc,
	    (const char **)q->argv, q->lens) != REDIS_OK)
		return -1;
	q->c = c;
	q->sent = now_ms();
	q->prev = c->tail;
	q->next = NULL;
	if (c->tail)
		c->tail->next = q;
	else
		c->head = q;
	c->tail = q;
	return 0;
}

static struct req *
req_new(int argc, const char *const *argv, const size_t *lens)
{
	struct req *q = xcalloc(1, sizeof(*q));
	int i;

	q->script = -1;
	q->argc = argc;
	q->argv = xcalloc((size_t)argc, sizeof(char *));
	q->lens = xcalloc((size_t)argc, sizeof(size_t));
	for (i = 0; i < argc; i++) {
		size_t n = lens ? lens[i] : strlen(argv[i]);

		q->argv[i] = xstrndup(argv[i], n);
		q->lens[i] = n;
	}
	return q;
}

/* A command of the store's own (setup, heartbeat): no caller to answer. */
static int
send_internal(struct conn *c, int argc, const char *const *argv)
{
	struct req *q = req_new(argc, argv, NULL);

	if (send_req(c, q) < 0) {
		req_free(q);
		return -1;
	}
	return 0;
}

static int
is_noscript(const redisReply *r)
{
	return r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0;
}

static void
setup_step_done(struct conn *c)
{
	if (--c->setup_left > 0 || c->state != C_SETUP)
		return;
	set_state(c, C_READY);
	c->backoff = BACKOFF_MIN_MS;
	if (c->ever_ready && c == &st.cmd)
		metrics.redis_reconnects++;
	c->ever_ready = 1;
	log_info("redis: %s connection ready", c->name);
	if (c->is_sub && st.hooks.on_sub_ready) {
		st.hb_recv_seq = st.hb_acked_seq;
		st.hb_acked_at = 0;
		st.hooks.on_sub_ready();
	}
}

static void
on_internal_reply(struct conn *c, struct req *q, redisReply *r)
{
	const char *cmd = q->argv[0];

	if (r == NULL)
		return;
	if (strcmp(cmd, "PUBLISH") == 0) {
		st.hb_in_flight = 0;
		if (r->type == REDIS_REPLY_INTEGER) {
			st.hb_acked_seq = strtoull(q->argv[2], NULL, 10);
			st.hb_acked_at = now_ms();
			metrics_redis_rtt((st.hb_acked_at - st.hb_sent_at) * 1000);
		}
		return;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		log_error("redis: %s connection: %s failed: %s", c->name, cmd, r->str);
		conn_reset(c, "setup failed");
		return;
	}
	if (strcmp(cmd, "SCRIPT") == 0 && r->type == REDIS_REPLY_STRING) {
		int i;

		for (i = 0; i < SCRIPT_COUNT; i++)
			if (strcmp(q->argv[2], st.sources[i]) == 0)
				snprintf(st.shas[i], sizeof(st.shas[i]), "%s", r->str);
	}
	if (c->state == C_SETUP)
		setup_step_done(c);
}

static void
on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct req *q = privdata;
	struct conn *c = q->c;
	redisReply *r = reply;

	(void)ac;
	req_unlink(q);
	if (q->fn == NULL) {
		on_internal_reply(c, q, r);
		req_free(q);
		return;
	}
	if (is_noscript(r) && c->state == C_READY) {
		/* The script cache was flushed: run it from source, then reload it. */
		const char *load[3] = { "SCRIPT", "LOAD", st.sources[q->script] };

		log_warn("redis: NOSCRIPT for %s; running it from source", script_defs[q->script].file);
		free(q->argv[0]);
		free(q->argv[1]);
		q->argv[0] = xstrdup("EVAL");
		q->lens[0] = 4;
		q->argv[1] = xstrdup(st.sources[q->script]);
		q->lens[1] = strlen(q->argv[1]);
		if (send_req(c, q) == 0) {
			send_internal(c, 3, load);
			return;
		}
		r = NULL;
	}
	q->fn(q->arg, r);
	req_free(q);
}

static void
on_sub_message(redisAsyncContext *ac, void *reply, void *privdata)
{
	redisReply *r = reply;
	const char *kind, *chan;
	size_t plen = strlen(st.chan_prefix);

	(void)ac;
	(void)privdata;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_STRING)
		return;
	kind = r->element[0]->str;
	chan = r->element[1]->str;
	if (strcmp(chan, st.hb_channel) == 0) {
		if (strcmp(kind, "message") == 0 && r->element[2]->type == REDIS_REPLY_STRING) {
			uint64_t seq = strtoull(r->element[2]->str, NULL, 10);

			if (seq > st.hb_recv_seq)
				st.hb_recv_seq = seq;
		} else if (strcmp(kind, "subscribe") == 0 && st.sub.state == C_SETUP)
			setup_step_done(&st.sub);
		return;
	}
	if (strncmp(chan, st.chan_prefix, plen) != 0)
		return;
	chan += plen;
	if (strcmp(kind, "message") == 0 && r->element[2]->type == REDIS_REPLY_STRING) {
		if (st.hooks.on_event)
			st.hooks.on_event(chan, r->element[2]->str, r->element[2]->len);
	} else if (strcmp(kind, "subscribe") == 0) {
		if (st.hooks.on_subscribed)
			st.hooks.on_subscribed(chan);
	} else if (strcmp(kind, "unsubscribe") == 0) {
		if (st.hooks.on_unsubscribed)
			st.hooks.on_unsubscribed(chan);
	}
}

static struct conn *
conn_of(const redisAsyncContext *ac)
{
	if (st.cmd.ac == ac)
		return &st.cmd;
	if (st.sub.ac == ac)
		return &st.sub;
	return NULL;
}

static void
schedule_retry(struct conn *c)
{
	c->next_attempt = now_ms() + c->backoff;
	c->backoff = c->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff * 2;
}

static void
lost(struct conn *c, const char *why)
{
	int was_sub_up = c->is_sub && c->state != C_DOWN;

	if (c->state == C_READY || c->state == C_SETUP)
		log_warn("redis: %s connection lost (%s)", c->name, why);
	set_state(c, C_DOWN);
	if (!st.shutting_down)
		schedule_retry(c);
	if (c == &st.cmd)
		st.hb_in_flight = 0;
	if (was_sub_up && st.hooks.on_sub_lost && !st.shutting_down)
		st.hooks.on_sub_lost();
}

/* hiredis: the connection closed (error, or our redisAsyncFree). */
static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct conn *c = conn_of(ac);

	if (c == NULL)
		return;		/* already detached by conn_reset() */
	c->ac = NULL;
	lost(c, status == REDIS_OK ? "closed" : (ac->errstr[0] ? ac->errstr : "error"));
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct conn *c = conn_of(ac);
	const struct redis_addr *a = &st.cfg->redis;
	int i;

	if (c == NULL)
		return;
	if (status != REDIS_OK) {
		/* hiredis frees the context after this callback. */
		log_debug("redis: %s connect failed: %s", c->name, ac->errstr);
		c->ac = NULL;
		lost(c, ac->errstr);
		return;
	}
	set_state(c, C_SETUP);
	c->setup_left = 0;
	if (a->password) {
		const char *av[2] = { "AUTH", a->password };

		send_internal(c, 2, av);
		c->setup_left++;
	}
	if (c->is_sub) {
		const char *av[2] = { "SUBSCRIBE", st.hb_channel };

		/* Confirmed through on_sub_message(), which ends the setup. */
		redisAsyncCommandArgv(c->ac, on_sub_message, NULL, 2, av, NULL);
		c->setup_left++;
		return;
	}
	if (a->db) {
		char db[16];
		const char *av[2] = { "SELECT", db };

		snprintf(db, sizeof(db), "%d", a->db);
		send_internal(c, 2, av);
		c->setup_left++;
	}
	for (i = 0; i < SCRIPT_COUNT; i++) {
		const char *av[3] = { "SCRIPT", "LOAD", st.sources[i] };

		send_internal(c, 3, av);
		c->setup_left++;
	}
}

static void
conn_start(struct conn *c)
{
	const struct redis_addr *a = &st.cfg->redis;
	redisAsyncContext *ac;

	if (a->unix_path)
		ac = redisAsyncConnectUnix(a->unix_path);
	else
		ac = redisAsyncConnect(a->host, a->port);
	if (ac == NULL || ac->err) {
		log_debug("redis: %s connect: %s", c->name, ac ? ac->errstr : "no memory");
		if (ac)
			redisAsyncFree(ac);
		schedule_retry(c);
		return;
	}
	if (redis_uv_attach(ac, st.loop) != REDIS_OK) {
		redisAsyncFree(ac);
		schedule_retry(c);
		return;
	}
	c->ac = ac;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	set_state(c, C_CONNECTING);
}

/* Drops the connection now; pending callbacks get a NULL reply. */
static void
conn_reset(struct conn *c, const char *why)
{
	redisAsyncContext *ac = c->ac;

	if (ac == NULL)
		return;
	c->ac = NULL;		/* on_disconnect() will not find it */
	lost(c, why);
	redisAsyncFree(ac);
}

static void
heartbeat(uint64_t now)
{
	char seq[24];
	const char *av[3] = { "PUBLISH", st.hb_channel, seq };
	uint64_t interval = deadline() / 4;

	if (st.cmd.state != C_READY || st.hb_in_flight || now - st.hb_sent_at < interval)
		return;
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)++st.hb_sent_seq);
	if (send_internal(&st.cmd, 3, av) == 0) {
		st.hb_in_flight = 1;
		st.hb_sent_at = now;
	}
}

static void
watch(struct conn *c, uint64_t now)
{
	if (c->state == C_DOWN) {
		if (c->ac == NULL && now >= c->next_attempt)
			conn_start(c);
		return;
	}
	if (c->state != C_READY && now - c->since > deadline()) {
		conn_reset(c, c->state == C_CONNECTING ? "connect timed out" : "setup timed out");
		return;
	}
	if (c->head && now - c->head->sent > deadline())
		conn_reset(c, "reply timed out");
}

static void
on_watchdog(uv_timer_t *t)
{
	uint64_t now = now_ms();

	(void)t;
	watch(&st.cmd, now);
	watch(&st.sub, now);
	/* A heartbeat Redis accepted must reach the subscriber in time. */
	if (st.sub.state == C_READY && st.hb_acked_at && st.hb_recv_seq < st.hb_acked_seq &&
	    now - st.hb_acked_at > deadline())
		conn_reset(&st.sub, "heartbeat not received");
	heartbeat(now);
}

/*
 * lib.lua, then the script's arguments as the table A, named as its header
 * declares them (A.client is ARGV[4], …), then the script.
 */
static char *
script_source(const struct embedded *lib, const struct script_def *d)
{
	const struct embedded *e = embed_get(d->file);
	struct sbuf b = { 0 };
	int i;

	if (e == NULL) {
		log_error("store: %s is not embedded", d->file);
		return NULL;
	}
	sbuf_init(&b, lib->len + e->len + 256);
	sbuf_add(&b, lib->data, lib->len);
	sbuf_adds(&b, "\nlocal A = {");
	for (i = 0; i < d->nargs; i++)
		sbuf_printf(&b, "%s%s = ARGV[%d]", i ? ", " : "", d->args[i], i + 4);
	sbuf_adds(&b, "}\n");
	sbuf_add(&b, e->data, e->len);
	return sbuf_steal(&b, NULL);
}

int
store_init(uv_loop_t *loop, const struct config *cfg, const struct store_hooks *hooks)
{
	const struct embedded *lib = embed_get("lua/lib.lua");
	char id[AUTH_KEY_LEN + 1];
	int i;

	memset(&st, 0, sizeof(st));
	st.loop = loop;
	st.cfg = cfg;
	st.hooks = *hooks;
	if (lib == NULL)
		return -1;
	for (i = 0; i < SCRIPT_COUNT; i++)
		if ((st.sources[i] = script_source(lib, &script_defs[i])) == NULL)
			return -1;
	if (cfg->redis.db)
		snprintf(st.chan_prefix, sizeof(st.chan_prefix), "surak:%d:ev:", cfg->redis.db);
	else
		snprintf(st.chan_prefix, sizeof(st.chan_prefix), "surak:ev:");
	if (auth_new_key(id) < 0)
		return -1;
	snprintf(st.hub_id, sizeof(st.hub_id), "%.16s", id);
	snprintf(st.hb_channel, sizeof(st.hb_channel), "surak:hb:%s", st.hub_id);
	st.cmd.name = "command";
	st.sub.name = "subscriber";
	st.sub.is_sub = 1;
	st.cmd.backoff = st.sub.backoff = BACKOFF_MIN_MS;
	uv_timer_init(loop, &st.watchdog);
	uv_timer_start(&st.watchdog, on_watchdog, 0, WATCHDOG_MS);
	return 0;
}

void
store_shutdown(void)
{
	int i;

	st.shutting_down = 1;
	uv_timer_stop(&st.watchdog);
	uv_close((uv_handle_t *)&st.watchdog, NULL);
	conn_reset(&st.cmd, "shutdown");
	conn_reset(&st.sub, "shutdown");
	for (i = 0; i < SCRIPT_COUNT; i++) {
		free(st.sources[i]);
		st.sources[i] = NULL;
	}
}

const char *
store_hub_id(void)
{
	return st.hub_id;
}

int
store_ready(void)
{
	return st.cmd.state == C_READY;
}

int
store_healthy(void)
{
	return st.cmd.state == C_READY && st.sub.state == C_READY;
}

int
store_run(enum script_id s, const char *room, const char *const *args, store_reply_fn fn,
    void *arg)
{
	const struct script_def *d = &script_defs[s];
	char prefix[96], chan[128], now[24], hist[16];
	const char **argv;
	size_t *alen;
	struct req *q;
	int i, argc = 0;

	for (i = 0; i < d->nargs; i++)
		if (args[i] == NULL) {
			log_error("bug: script %s run without its argument '%s'", d->name, d->args[i]);
			return STORE_BUG;
		}
	if (st.cmd.state != C_READY)
		return STORE_DOWN;
	argv = xmalloc((size_t)(7 + d->nargs) * sizeof(*argv));
	alen = xmalloc((size_t)(7 + d->nargs) * sizeof(*alen));
	snprintf(prefix, sizeof(prefix), "surak:{%s}", room);
	snprintf(chan, sizeof(chan), "%s%s", st.chan_prefix, room);
	snprintf(now, sizeof(now), "%llu", (unsigned long long)wall_ms());
	snprintf(hist, sizeof(hist), "%d", st.cfg->history);
	argv[argc++] = "EVALSHA";
	argv[argc++] = st.shas[s];
	argv[argc++] = "1";
	argv[argc++] = prefix;
	argv[argc++] = chan;
	argv[argc++] = now;
	argv[argc++] = hist;
	for (i = 0; i < argc; i++)
		alen[i] = strlen(argv[i]);
	for (i = 0; i < d->nargs; i++) {
		argv[argc] = args[i];
		alen[argc++] = strlen(args[i]);
	}
	q = req_new(argc, argv, alen);
	free(argv);
	free(alen);
	q->script = (int)s;
	q->fn = fn;
	q->arg = arg;
	if (send_req(&st.cmd, q) < 0) {
		req_free(q);
		return STORE_DOWN;
	}
	return STORE_SENT;
}

static int
sub_command(const char *verb, const char *room)
{
	char chan[128];
	const char *av[2] = { verb, chan };

	if (st.sub.state != C_READY)
		return -1;
	snprintf(chan, sizeof(chan), "%s%s", st.chan_prefix, room);
	if (redisAsyncCommandArgv(st.sub.ac, on_sub_message, NULL, 2, av, NULL) != REDIS_OK)
		return -1;
	return 0;
}

int
store_subscribe(const char *room)
{
	return sub_command("SUBSCRIBE", room);
}

int
store_unsubscribe(const char *room)
{
	return sub_command("UNSUBSCRIBE", room);
}

int
store_reply_ok(const redisReply *r)
{
	return r && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
	    r->element[0]->type == REDIS_REPLY_STRING && strcmp(r->element[0]->str, "ok") == 0;
}

const char *
store_reply_str(const redisReply *r, size_t i, size_t *len)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || i >= r->elements ||
	    (r->element[i]->type != REDIS_REPLY_STRING && r->element[i]->type != REDIS_REPLY_STATUS))
		return NULL;
	if (len)
		*len = r->element[i]->len;
	return r->element[i]->str;
}

const redisReply *
store_reply_array(const redisReply *r, size_t i)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || i >= r->elements ||
	    r->element[i]->type != REDIS_REPLY_ARRAY)
		return NULL;
	return r->element[i];
}

long long
store_reply_int(const redisReply *r, size_t i)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || i >= r->elements)
		return 0;
	if (r->element[i]->type == REDIS_REPLY_INTEGER)
		return r->element[i]->integer;
	if (r->element[i]->type == REDIS_REPLY_STRING)
		return strtoll(r->element[i]->str, NULL, 10);
	return 0;
}

const char *
store_reply_err(const redisReply *r, const char **message, long long *retry_ms)
{
	const char *kind, *code;

	*message = "internal error";
	*retry_ms = 0;
	if (r && r->type == REDIS_REPLY_ERROR) {
		log_error("redis: script error: %s", r->str);
		return "internal_error";
	}
	kind = store_reply_str(r, 0, NULL);
	code = store_reply_str(r, 1, NULL);
	if (kind == NULL || code == NULL || strcmp(kind, "err") != 0)
		return "internal_error";
	*message = store_reply_str(r, 2, NULL);
	if (*message == NULL)
		*message = code;
	*retry_ms = store_reply_int(r, 3);
	return code;
}
