/*
 * rconn: see rconn.h.
 *
 * Ownership: each connection owns its redisAsyncContext (NULL while down),
 * the list of requests sent and not yet answered (oldest first: Redis
 * answers in order) and the list of requests waiting for admission. A
 * request answered NULL early (its deadline passed) stays in the sent list
 * as `answered` until its reply comes, so the count of what is at Redis
 * stays true.
 */
#include "rconn.h"

#include <hiredis/async.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "redis_uv.h"
#include "util.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000

enum conn_state { C_DOWN, C_CONNECTING, C_SETUP, C_READY };

struct req {
	struct req *next, *prev;
	struct rconn *c;
	uint64_t queued, sent;		/* ms */
	rconn_reply_fn fn;
	rconn_wanted_fn wanted;
	void *arg;
	int answered;			/* fn has been called (NULL: late) */
	int setup;			/* a setup command */
	int argc;			/* while waiting for admission: a copy of the command */
	char **argv;
	size_t *lens;
};

struct rlist {
	struct req *head, *tail;
	unsigned n;
};

struct rconn {
	const char *name;
	const struct redis_addr *addr;
	int subscriber;
	uv_loop_t *loop;
	unsigned max_inflight;
	uint64_t deadline;
	struct rconn_hooks hooks;
	void *ud;

	redisAsyncContext *ac;
	enum conn_state state;
	uint64_t since;
	uint64_t next_attempt, backoff;
	int setup_left;
	struct rlist sent, waiting;
	struct rconn_stats stats;
};

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata);

/* ---- lists ---- */

static void
rlist_push(struct rlist *l, struct req *q)
{
	q->next = NULL;
	q->prev = l->tail;
	if (l->tail)
		l->tail->next = q;
	else
		l->head = q;
	l->tail = q;
	l->n++;
}

static void
rlist_del(struct rlist *l, struct req *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		l->head = q->next;
	if (q->next)
		q->next->prev = q->prev;
	else
		l->tail = q->prev;
	q->next = q->prev = NULL;
	l->n--;
}

static void
update_stats(struct rconn *c)
{
	c->stats.inflight = c->sent.n;
	c->stats.waiting = c->waiting.n;
}

/* ---- requests ---- */

static struct req *
req_new(struct rconn *c, rconn_reply_fn fn, void *arg)
{
	struct req *q = xcalloc(1, sizeof(*q));

	q->c = c;
	q->fn = fn;
	q->arg = arg;
	q->queued = now_ms();
	return q;
}

/* Keeps a copy of the arguments of a request that must wait for admission. */
static void
req_keep_args(struct req *q, int argc, const char *const *argv, const size_t *lens)
{
	int i;

	q->argc = argc;
	q->argv = xcalloc((size_t)argc, sizeof(char *));
	q->lens = xcalloc((size_t)argc, sizeof(size_t));
	for (i = 0; i < argc; i++) {
		size_t n = lens ? lens[i] : strlen(argv[i]);

		q->argv[i] = xstrndup(argv[i], n);
		q->lens[i] = n;
	}
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

/* Calls q's callback (once), with r or NULL. */
static void
answer(struct req *q, redisReply *r)
{
	if (q->answered)
		return;
	q->answered = 1;
	if (q->fn)
		q->fn(q->arg, r);
}

/* Hands a request to hiredis, which formats it into its buffer at once. */
static int
transmit_argv(struct rconn *c, struct req *q, int argc, const char *const *argv, const size_t *lens)
{
	if (redisAsyncCommandArgv(c->ac, on_reply, q, argc, (const char **)argv, lens) != REDIS_OK)
		return -1;
	q->sent = now_ms();
	rlist_push(&c->sent, q);
	return 0;
}

/* A queued request: its copy of the arguments is no longer needed once sent. */
static int
transmit(struct rconn *c, struct req *q)
{
	int r = transmit_argv(c, q, q->argc, (const char *const *)q->argv, q->lens), i;

	for (i = 0; i < q->argc; i++)
		free(q->argv[i]);
	free(q->argv);
	free(q->lens);
	q->argv = NULL;
	q->lens = NULL;
	q->argc = 0;
	return r;
}

/* Sends waiting requests while there is room at Redis. */
static void
admit(struct rconn *c)
{
	struct req *q;

	while (c->state == C_READY && c->sent.n < c->max_inflight && (q = c->waiting.head) != NULL) {
		rlist_del(&c->waiting, q);
		if (q->wanted && !q->wanted(q->arg)) {
			c->stats.cancelled++;
			answer(q, NULL);
			req_free(q);
			continue;
		}
		if (transmit(c, q) < 0) {
			answer(q, NULL);
			req_free(q);
		}
	}
	update_stats(c);
}

static void
on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct req *q = privdata;
	struct rconn *c = q->c;

	(void)ac;
	rlist_del(&c->sent, q);
	answer(q, reply);
	if (q->setup && reply != NULL)
		rconn_setup_step(c);
	req_free(q);
	/* A NULL reply means hiredis is freeing the context: nothing may be sent now. */
	if (reply != NULL)
		admit(c);
}

int
rconn_send(struct rconn *c, int argc, const char *const *argv, const size_t *lens,
    rconn_reply_fn fn, void *arg, rconn_wanted_fn wanted, int priority)
{
	struct req *q;

	if (c->state != C_READY)
		return -1;
	q = req_new(c, fn, arg);
	q->wanted = wanted;
	if (priority || (c->sent.n < c->max_inflight && c->waiting.n == 0)) {
		if (transmit_argv(c, q, argc, argv, lens) < 0) {
			req_free(q);
			return -1;
		}
	} else {
		req_keep_args(q, argc, argv, lens);
		rlist_push(&c->waiting, q);
		c->stats.waited++;
	}
	update_stats(c);
	return 0;
}

int
rconn_setup_send(struct rconn *c, int argc, const char *const *argv, rconn_reply_fn fn, void *arg)
{
	struct req *q;

	if (c->state != C_SETUP)
		return -1;
	q = req_new(c, fn, arg);
	q->setup = 1;
	if (transmit_argv(c, q, argc, argv, NULL) < 0) {
		req_free(q);
		return -1;
	}
	c->setup_left++;
	return 0;
}

static void
on_message(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct rconn *c = privdata;

	(void)ac;
	if (reply && c->hooks.message)
		c->hooks.message(c, c->ud, reply);
}

int
rconn_subscribe(struct rconn *c, const char *verb, const char *channel)
{
	const char *av[2] = { verb, channel };

	if (c->ac == NULL || (c->state != C_READY && c->state != C_SETUP))
		return -1;
	if (redisAsyncCommandArgv(c->ac, on_message, c, 2, av, NULL) != REDIS_OK)
		return -1;
	if (c->state == C_SETUP)
		c->setup_left++;
	return 0;
}

/*
 * hiredis 0.14 predates sharded Pub/Sub: it hands a pushed message to a
 * callback only for a channel it saw SUBSCRIBEd, looked up by the name
 * the push carries. So a shard channel is subscribed both ways: SUBSCRIBE
 * registers the channel with hiredis (nothing is PUBLISHed on it), and
 * SSUBSCRIBE, appended right behind it without a hiredis callback, is
 * the subscription the events ("smessage") come by. Leaving is the
 * reverse: SUNSUBSCRIBE, then the UNSUBSCRIBE whose answer ends hiredis's
 * registration. Redis's answers ("ssubscribe", "sunsubscribe", also one
 * Redis sends by itself when the slot moves) reach the message hook.
 */
int
rconn_shard_subscribe(struct rconn *c, const char *channel, int on)
{
	const char *reg[2] = { on ? "SUBSCRIBE" : "UNSUBSCRIBE", channel };
	const char *shard[2] = { on ? "SSUBSCRIBE" : "SUNSUBSCRIBE", channel };

	if (c->ac == NULL || c->state != C_READY || !c->subscriber)
		return -1;
	if (!on && redisAppendCommandArgv(&c->ac->c, 2, shard, NULL) != REDIS_OK)
		return -1;
	/* This one also has the loop write the buffer out. */
	if (redisAsyncCommandArgv(c->ac, on_message, c, 2, reg, NULL) != REDIS_OK)
		return -1;
	if (on && redisAppendCommandArgv(&c->ac->c, 2, shard, NULL) != REDIS_OK)
		return -1;
	return 0;
}

/* ---- connection ---- */

static void
set_state(struct rconn *c, enum conn_state s)
{
	c->state = s;
	c->since = now_ms();
}

static void
become_ready(struct rconn *c)
{
	set_state(c, C_READY);
	c->backoff = BACKOFF_MIN_MS;
	log_info("redis: %s connection ready", c->name);
	if (c->hooks.ready)
		c->hooks.ready(c, c->ud);
	admit(c);
}

void
rconn_setup_step(struct rconn *c)
{
	if (c->state == C_SETUP && --c->setup_left == 0)
		become_ready(c);
}

/* Answers every request NULL: in flight (hiredis will not answer them after a free) and waiting. */
static void
fail_all(struct rconn *c)
{
	struct req *q;

	while ((q = c->waiting.head) != NULL) {
		rlist_del(&c->waiting, q);
		answer(q, NULL);
		req_free(q);
	}
	update_stats(c);
}

static void
lost(struct rconn *c, const char *why)
{
	if (c->state == C_DOWN)
		return;
	if (c->state == C_READY || c->state == C_SETUP)
		log_warn("redis: %s connection lost (%s)", c->name, why);
	set_state(c, C_DOWN);
	c->next_attempt = now_ms() + c->backoff;
	c->backoff = c->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff * 2;
	fail_all(c);
	if (c->hooks.lost)
		c->hooks.lost(c, c->ud, why);
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct rconn *c = ac->data;

	if (c == NULL)
		return;		/* already detached by rconn_reset() */
	c->ac = NULL;
	lost(c, status == REDIS_OK ? "closed" : (ac->errstr[0] ? ac->errstr : "error"));
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct rconn *c = ac->data;

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
	if (c->hooks.setup)
		c->hooks.setup(c, c->ud);
	if (c->state == C_SETUP && c->setup_left == 0)
		become_ready(c);
}

static void
start(struct rconn *c)
{
	redisAsyncContext *ac;

	if (c->addr->unix_path)
		ac = redisAsyncConnectUnix(c->addr->unix_path);
	else
		ac = redisAsyncConnect(c->addr->host, c->addr->port);
	if (ac == NULL || ac->err || redis_uv_attach(ac, c->loop) != REDIS_OK) {
		log_debug("redis: %s connect: %s", c->name, ac ? ac->errstr : "no memory");
		if (ac)
			redisAsyncFree(ac);
		c->next_attempt = now_ms() + c->backoff;
		return;
	}
	ac->data = c;
	c->ac = ac;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	set_state(c, C_CONNECTING);
}

void
rconn_reset(struct rconn *c, const char *why)
{
	redisAsyncContext *ac = c->ac;

	if (ac == NULL)
		return;
	c->ac = NULL;
	ac->data = NULL;	/* on_disconnect() will not find it */
	lost(c, why);
	/*
	 * hiredis calls every pending callback with NULL: the requests in
	 * flight end there (from within a hiredis callback, after it returns).
	 */
	redisAsyncFree(ac);
}

void
rconn_read_now(struct rconn *c)
{
	if (c->ac)
		redisAsyncHandleRead(c->ac);
}

void
rconn_tick(struct rconn *c, uint64_t now)
{
	struct req *q, *next;

	if (c->state == C_DOWN) {
		if (c->ac == NULL && now >= c->next_attempt)
			start(c);
		return;
	}
	if (c->state != C_READY) {
		if (now - c->since > c->deadline)
			rconn_reset(c, c->state == C_CONNECTING ? "connect timed out" : "setup timed out");
		return;
	}
	/* Sent too long ago: answered NULL now, its reply dropped when it comes. */
	for (q = c->sent.head; q && now - q->sent > c->deadline; q = q->next)
		if (!q->answered) {
			c->stats.timeouts_reply++;
			answer(q, NULL);
		}
	/* Waited too long to be sent at all. */
	for (q = c->waiting.head; q && now - q->queued > c->deadline * RCONN_WAIT_FACTOR; q = next) {
		next = q->next;
		rlist_del(&c->waiting, q);
		c->stats.timeouts_wait++;
		answer(q, NULL);
		req_free(q);
	}
	update_stats(c);
}

struct rconn *
rconn_new(uv_loop_t *loop, const char *name, const struct redis_addr *addr, int subscriber,
    unsigned max_inflight, uint64_t deadline_ms, const struct rconn_hooks *hooks, void *ud)
{
	struct rconn *c = xcalloc(1, sizeof(*c));

	c->loop = loop;
	c->name = name;
	c->addr = addr;
	c->subscriber = subscriber;
	c->max_inflight = max_inflight ? max_inflight : 1;
	c->deadline = deadline_ms;
	c->hooks = *hooks;
	c->ud = ud;
	c->backoff = BACKOFF_MIN_MS;
	return c;
}

void
rconn_free(struct rconn *c)
{
	if (c == NULL)
		return;
	c->hooks.lost = NULL;
	rconn_reset(c, "shutdown");
	fail_all(c);
	free(c);
}

int
rconn_ready(const struct rconn *c)
{
	return c->state == C_READY;
}

const char *
rconn_name(const struct rconn *c)
{
	return c->name;
}

const struct rconn_stats *
rconn_stats(const struct rconn *c)
{
	return &c->stats;
}
