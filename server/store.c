/*
 * store: everything the hub asks of Redis, over two connections (rconn.h):
 * one for commands (the Lua scripts, pipelined under admission), one for
 * subscriptions.
 *
 * Whether Redis is alive is judged by evidence about Redis, never by how
 * many commands the hub has queued: the command connection PUBLISHes a
 * heartbeat on this hub's own channel every quarter of the deadline,
 * ahead of admission; Redis must answer it in time (it waits behind at
 * most --redis-inflight commands), and the subscriber must receive it in
 * time. That proves Redis, both sockets and the subscription alive, without
 * PING (which hiredis 0.14 mishandles in subscribed mode). A command that
 * misses its own deadline fails alone (rconn.h).
 *
 * Scripts: lib.lua, the table A named from the script's header, and the
 * script are loaded on every (re)connection; a NOSCRIPT reply (the script
 * cache was flushed) runs the script from source with EVAL and loads it
 * again, so the command itself still succeeds.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "config.h"
#include "embed.h"
#include "log.h"
#include "metrics.h"
#include "rconn.h"
#include "replicas.h"
#include "util.h"

#define WATCHDOG_MS 100

/* A script call: kept for its reply, and for running it from source after NOSCRIPT. */
struct call {
	enum script_id script;
	store_reply_fn fn;
	void *arg;
	store_wanted_fn wanted;
	int argc;
	char **argv;
	size_t *lens;
	int retried;
};

static struct {
	uv_loop_t *loop;
	const struct config *cfg;
	struct store_hooks hooks;
	uv_timer_t watchdog;
	struct rconn *cmd, *sub;
	int cmd_was_ready;
	char *sources[SCRIPT_COUNT];	/* lib.lua + the table A + the script */
	char shas[SCRIPT_COUNT][41];
	char chan_prefix[48];		/* "surak:ev:" or "surak:<db>:ev:" */
	char hub_id[AUTH_KEY_LEN + 1];
	char hb_channel[64];
	uint64_t hb_sent_seq, hb_acked_seq, hb_recv_seq;
	uint64_t hb_sent_at, hb_acked_at;
	int hb_in_flight;
} st;

static uint64_t
deadline(void)
{
	return (uint64_t)st.cfg->redis_timeout_ms;
}

static void
sync_metrics(void)
{
	const struct rconn_stats *s = rconn_stats(st.cmd);

	metrics.redis_up = rconn_ready(st.cmd);
	metrics.redis_inflight = s->inflight;
	metrics.redis_waiting = s->waiting;
	metrics.redis_timeouts[REDIS_TIMEOUT_REPLY] = s->timeouts_reply;
	metrics.redis_timeouts[REDIS_TIMEOUT_WAIT] = s->timeouts_wait;
	metrics.redis_cancelled = s->cancelled;
	metrics.redis_waited = s->waited;
}

/* ---- scripts ---- */

static void
call_free(struct call *k)
{
	int i;

	for (i = 0; i < k->argc; i++)
		free(k->argv[i]);
	free(k->argv);
	free(k->lens);
	free(k);
}

static int
is_noscript(const redisReply *r)
{
	return r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0;
}

static int
call_wanted(void *arg)
{
	struct call *k = arg;

	return k->wanted == NULL || k->wanted(k->arg);
}

static void
on_loaded(void *arg, redisReply *r)
{
	int i = (int)(intptr_t)arg;

	if (r && r->type == REDIS_REPLY_STRING)
		snprintf(st.shas[i], sizeof(st.shas[i]), "%s", r->str);
	else if (r && r->type == REDIS_REPLY_ERROR)
		log_error("redis: SCRIPT LOAD %s failed: %s", script_defs[i].file, r->str);
}

static void
on_call_reply(void *arg, redisReply *r)
{
	struct call *k = arg;

	if (is_noscript(r) && !k->retried) {
		/* The script cache was flushed: run it from source, then reload it. */
		const char *load[3] = { "SCRIPT", "LOAD", st.sources[k->script] };

		log_warn("redis: NOSCRIPT for %s; running it from source", script_defs[k->script].file);
		k->retried = 1;
		free(k->argv[0]);
		free(k->argv[1]);
		k->argv[0] = xstrdup("EVAL");
		k->lens[0] = 4;
		k->argv[1] = xstrdup(st.sources[k->script]);
		k->lens[1] = strlen(k->argv[1]);
		if (rconn_send(st.cmd, k->argc, (const char *const *)k->argv, k->lens, on_call_reply, k,
		    NULL, 1) == 0) {
			rconn_send(st.cmd, 3, load, NULL, on_loaded, (void *)(intptr_t)k->script, NULL, 1);
			return;
		}
		r = NULL;
	}
	if (replicas_wanted(k->script, r)) {
		replicas_hold(r, k->fn, k->arg);
	} else {
		k->fn(k->arg, r);
	}
	call_free(k);
	sync_metrics();
}

/*
 * lib.lua, then the script's arguments as the table A, named as its header
 * declares them (A.client is ARGV[4], …), then the script.
 */
static char *script_source(const struct embedded *lib, const struct script_def *d);

char *
store_script_source(enum script_id s)
{
	const struct embedded *lib = embed_get("lua/lib.lua");

	return lib ? script_source(lib, &script_defs[s]) : NULL;
}

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

enum store_status
store_run(enum script_id s, const char *room, const char *const *args, store_reply_fn fn,
    void *arg, store_wanted_fn wanted)
{
	const struct script_def *d = &script_defs[s];
	char prefix[96], chan[128], now[24], hist[16];
	const char *head[7];
	struct call *k;
	int i;

	for (i = 0; i < d->nargs; i++)
		if (args[i] == NULL) {
			log_error("bug: script %s run without its argument '%s'", d->name, d->args[i]);
			return STORE_BUG;
		}
	if (!rconn_ready(st.cmd))
		return STORE_DOWN;
	snprintf(prefix, sizeof(prefix), "surak:{%s}", room);
	snprintf(chan, sizeof(chan), "%s%s", st.chan_prefix, room);
	snprintf(now, sizeof(now), "%llu", (unsigned long long)wall_ms());
	snprintf(hist, sizeof(hist), "%d", st.cfg->history);
	head[0] = "EVALSHA";
	head[1] = st.shas[s];
	head[2] = "1";
	head[3] = prefix;
	head[4] = chan;
	head[5] = now;
	head[6] = hist;
	k = xcalloc(1, sizeof(*k));
	k->script = s;
	k->fn = fn;
	k->arg = arg;
	k->wanted = wanted;
	k->argc = 7 + d->nargs;
	k->argv = xmalloc((size_t)k->argc * sizeof(*k->argv));
	k->lens = xmalloc((size_t)k->argc * sizeof(*k->lens));
	for (i = 0; i < k->argc; i++) {
		const char *a = i < 7 ? head[i] : args[i - 7];

		k->lens[i] = strlen(a);
		k->argv[i] = xstrndup(a, k->lens[i]);
	}
	if (rconn_send(st.cmd, k->argc, (const char *const *)k->argv, k->lens, on_call_reply, k,
	    wanted ? call_wanted : NULL, 0) < 0) {
		call_free(k);
		return STORE_DOWN;
	}
	sync_metrics();
	return STORE_SENT;
}

/* ---- connections ---- */

static void
on_setup_reply(void *arg, redisReply *r)
{
	struct rconn *c = arg;

	if (r && r->type == REDIS_REPLY_ERROR) {
		log_error("redis: %s connection: setup failed: %s", rconn_name(c), r->str);
		rconn_reset(c, "setup failed");
	}
}

static void
cmd_setup(struct rconn *c, void *ud)
{
	const struct redis_addr *a = &st.cfg->redis;
	int i;

	(void)ud;
	if (a->password) {
		const char *av[2] = { "AUTH", a->password };

		rconn_setup_send(c, 2, av, on_setup_reply, c);
	}
	if (a->db) {
		char db[16];
		const char *av[2] = { "SELECT", db };

		snprintf(db, sizeof(db), "%d", a->db);
		rconn_setup_send(c, 2, av, on_setup_reply, c);
	}
	for (i = 0; i < SCRIPT_COUNT; i++) {
		const char *av[3] = { "SCRIPT", "LOAD", st.sources[i] };

		rconn_setup_send(c, 3, av, on_loaded, (void *)(intptr_t)i);
	}
}

static void
cmd_ready(struct rconn *c, void *ud)
{
	(void)c;
	(void)ud;
	if (st.cmd_was_ready)
		metrics.redis_reconnects++;
	st.cmd_was_ready = 1;
	sync_metrics();
}

static void
cmd_lost(struct rconn *c, void *ud, const char *why)
{
	(void)c;
	(void)ud;
	(void)why;
	st.hb_in_flight = 0;
	sync_metrics();
}

static void
sub_setup(struct rconn *c, void *ud)
{
	const struct redis_addr *a = &st.cfg->redis;

	(void)ud;
	if (a->password) {
		const char *av[2] = { "AUTH", a->password };

		rconn_setup_send(c, 2, av, on_setup_reply, c);
	}
	/* Confirmed through sub_message(), which ends that setup step. */
	rconn_subscribe(c, "SUBSCRIBE", st.hb_channel);
}

static void
sub_ready(struct rconn *c, void *ud)
{
	(void)c;
	(void)ud;
	st.hb_recv_seq = st.hb_acked_seq;
	st.hb_acked_at = 0;
	if (st.hooks.on_sub_ready)
		st.hooks.on_sub_ready();
}

static void
sub_lost(struct rconn *c, void *ud, const char *why)
{
	(void)c;
	(void)ud;
	(void)why;
	if (st.hooks.on_sub_lost)
		st.hooks.on_sub_lost();
}

static void
sub_message(struct rconn *c, void *ud, redisReply *r)
{
	const char *kind, *chan;
	size_t plen = strlen(st.chan_prefix);

	(void)ud;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING)
		return;
	kind = r->element[0]->str;
	chan = r->element[1]->str;
	if (strcmp(chan, st.hb_channel) == 0) {
		if (strcmp(kind, "message") == 0 && r->element[2]->type == REDIS_REPLY_STRING) {
			uint64_t seq = strtoull(r->element[2]->str, NULL, 10);

			if (seq > st.hb_recv_seq)
				st.hb_recv_seq = seq;
		} else if (strcmp(kind, "subscribe") == 0)
			rconn_setup_step(c);
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

/* ---- the heartbeat ---- */

static void
on_heartbeat(void *arg, redisReply *r)
{
	uint64_t seq = (uint64_t)(uintptr_t)arg;

	/*
	 * No reply: the connection was lost (cmd_lost() clears the flag) or
	 * the request's own deadline passed, which judge() has already
	 * turned into a reset; either way the heartbeat stays unanswered.
	 */
	if (r == NULL)
		return;
	st.hb_in_flight = 0;
	if (r->type == REDIS_REPLY_INTEGER) {
		st.hb_acked_seq = seq;
		st.hb_acked_at = now_ms();
		metrics_redis_rtt((st.hb_acked_at - st.hb_sent_at) * 1000);
	}
}

static void
heartbeat(uint64_t now)
{
	char seq[24];
	const char *av[3] = { "PUBLISH", st.hb_channel, seq };

	if (!rconn_ready(st.cmd) || st.hb_in_flight || now - st.hb_sent_at < deadline() / 4)
		return;
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)++st.hb_sent_seq);
	if (rconn_send(st.cmd, 3, av, NULL, on_heartbeat, (void *)(uintptr_t)st.hb_sent_seq, NULL, 1) == 0) {
		st.hb_in_flight = 1;
		st.hb_sent_at = now;
	}
}

/*
 * Redis is judged dead only on evidence about Redis: a heartbeat it did
 * not answer in time, or one it accepted that the subscriber did not
 * receive. What the socket already holds is read first, so a loop that was
 * busy (a long fan-out) does not count against Redis.
 */
static void
judge(uint64_t now)
{
	if (st.hb_in_flight && now - st.hb_sent_at > deadline()) {
		rconn_read_now(st.cmd);
		if (st.hb_in_flight && rconn_ready(st.cmd)) {
			metrics.redis_timeouts[REDIS_TIMEOUT_HEARTBEAT]++;
			rconn_reset(st.cmd, "heartbeat not answered");
		}
	}
	if (rconn_ready(st.sub) && st.hb_acked_at && st.hb_recv_seq < st.hb_acked_seq &&
	    now - st.hb_acked_at > deadline()) {
		rconn_read_now(st.sub);
		if (st.hb_recv_seq < st.hb_acked_seq && rconn_ready(st.sub)) {
			metrics.redis_timeouts[REDIS_TIMEOUT_SUBSCRIBER]++;
			rconn_reset(st.sub, "heartbeat not received");
		}
	}
}

static void
on_watchdog(uv_timer_t *t)
{
	uint64_t now = now_ms();

	(void)t;
	judge(now);	/* before the requests' own deadlines, the heartbeat's among them */
	rconn_tick(st.cmd, now);
	rconn_tick(st.sub, now);
	heartbeat(now);
	sync_metrics();
}

/* ---- start and stop ---- */

int
store_init(uv_loop_t *loop, const struct config *cfg, const struct store_hooks *hooks)
{
	static const struct rconn_hooks cmd_hooks = {
		.setup = cmd_setup, .ready = cmd_ready, .lost = cmd_lost,
	};
	static const struct rconn_hooks sub_hooks = {
		.setup = sub_setup, .ready = sub_ready, .lost = sub_lost, .message = sub_message,
	};
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
	st.cmd = rconn_new(loop, "command", &cfg->redis, 0, (unsigned)cfg->redis_inflight,
	    deadline(), &cmd_hooks, NULL);
	st.sub = rconn_new(loop, "subscriber", &cfg->redis, 1, 1, deadline(), &sub_hooks, NULL);
	replicas_init(st.cmd, cfg);
	uv_timer_init(loop, &st.watchdog);
	uv_timer_start(&st.watchdog, on_watchdog, 0, WATCHDOG_MS);
	return 0;
}

void
store_shutdown(void)
{
	int i;

	uv_timer_stop(&st.watchdog);
	uv_close((uv_handle_t *)&st.watchdog, NULL);
	st.hooks.on_sub_lost = NULL;
	rconn_free(st.cmd);
	rconn_free(st.sub);
	st.cmd = st.sub = NULL;
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
	return rconn_ready(st.cmd);
}

int
store_healthy(void)
{
	return rconn_ready(st.cmd) && rconn_ready(st.sub);
}

static int
sub_command(const char *verb, const char *room)
{
	char chan[128];

	if (!rconn_ready(st.sub))
		return -1;
	snprintf(chan, sizeof(chan), "%s%s", st.chan_prefix, room);
	return rconn_subscribe(st.sub, verb, chan);
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

/* ---- replies ---- */

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
