/*
 * replicas: see replicas.h.
 */
#include "replicas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "rconn.h"
#include "util.h"

/* A reply held until the replicas have it. */
struct held {
	redisReply *r;
	store_reply_fn fn;
	void *arg;
	struct held *next;
};

struct replicas;
static void on_wait_done(struct replicas *R, int ok, int all);

/* One command connection's held replies (a master's, in a cluster). */
struct replicas {
	struct rconn *cmd;
	const struct config *cfg;
	struct held *head, *tail;	/* oldest first */
	struct held *mark;		/* the last one the WAIT in flight covers, or NULL */
};

struct replicas *
replicas_new(struct rconn *cmd, const struct config *cfg)
{
	struct replicas *R = xcalloc(1, sizeof(*R));

	R->cmd = cmd;
	R->cfg = cfg;
	return R;
}

void
replicas_free(struct replicas *R)
{
	if (R == NULL)
		return;
	/* The connection was freed first: its WAIT has been answered NULL, and so the held replies. */
	while (R->head)
		on_wait_done(R, 0, 1);
	free(R);
}

/*
 * Scripts that change nothing a failover could lose (the candidates'
 * similar mode counts a rate limit, which may be lost): their replies are
 * not held.
 */
static int
reads_only(enum script_id s)
{
	static const enum script_id reads[] = {
		SCRIPT_CANDIDATES, SCRIPT_KEYS, SCRIPT_SNAPSHOT, SCRIPT_EXPORT, SCRIPT_VARIANTS,
		SCRIPT_ANSWERS, SCRIPT_FOLLOWUP, SCRIPT_REPORT, SCRIPT_RECEIPT, SCRIPT_INFO,
		SCRIPT_AUDIT, SCRIPT_HISTORY, SCRIPT_PAST_FIND, SCRIPT_ANSWERS_TOP, SCRIPT_PAST_GET,
		SCRIPT_PAST_LOG,	/* a fill step lost is made again; an entry twice is read once */
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(reads); i++)
		if (reads[i] == s)
			return 1;
	return 0;
}

int
replicas_wanted(const struct config *cfg, enum script_id s, const redisReply *r)
{
	return cfg->redis_replicas > 0 && r && r->type != REDIS_REPLY_ERROR && !reads_only(s);
}

/* A copy of a reply that outlives hiredis's callback (freed with freeReplyObject). */
static redisReply *
reply_dup(const redisReply *r)
{
	redisReply *c = xcalloc(1, sizeof(*c));
	size_t i;

	c->type = r->type;
	c->integer = r->integer;
	if (r->str) {
		c->str = xmalloc(r->len + 1);
		memcpy(c->str, r->str, r->len);
		c->str[r->len] = '\0';
		c->len = r->len;
	}
	if (r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
		c->element = xcalloc(r->elements, sizeof(*c->element));
		c->elements = r->elements;
		for (i = 0; i < r->elements; i++)
			c->element[i] = reply_dup(r->element[i]);
	}
	return c;
}

/* Answers the replies the WAIT covered (or all that are held). */
static void
on_wait_done(struct replicas *R, int ok, int all)
{
	struct held *h, *last = R->mark;

	R->mark = NULL;
	while ((h = R->head) != NULL) {
		int covered_all = h == last;

		R->head = h->next;
		if (R->head == NULL)
			R->tail = NULL;
		if (!ok)
			metrics.redis_replica_timeouts++;
		h->fn(h->arg, ok ? h->r : NULL);
		freeReplyObject(h->r);
		free(h);
		if (covered_all && !all)
			break;
	}
}

static void send_wait(struct replicas *R);

static void
on_wait(void *arg, redisReply *r)
{
	struct replicas *R = arg;
	int ok = r && r->type == REDIS_REPLY_INTEGER && r->integer >= R->cfg->redis_replicas;

	if (!ok)
		log_warn("redis: %lld of %d replicas within %d ms; the changes waiting are answered unavailable",
		    r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1LL, R->cfg->redis_replicas,
		    R->cfg->redis_replica_wait_ms);
	on_wait_done(R, ok, 0);
	if (R->head)
		send_wait(R);
}

static void
send_wait(struct replicas *R)
{
	char n[16], ms[16];
	const char *wait[3] = { "WAIT", n, ms };

	snprintf(n, sizeof(n), "%d", R->cfg->redis_replicas);
	snprintf(ms, sizeof(ms), "%d", R->cfg->redis_replica_wait_ms);
	R->mark = R->tail;
	if (rconn_send(R->cmd, 3, wait, NULL, on_wait, R, NULL, 1) < 0)
		on_wait_done(R, 0, 1);
}

void
replicas_hold(struct replicas *R, const redisReply *r, store_reply_fn fn, void *arg)
{
	struct held *h = xcalloc(1, sizeof(*h));

	h->r = reply_dup(r);
	h->fn = fn;
	h->arg = arg;
	if (R->tail)
		R->tail->next = h;
	else
		R->head = h;
	R->tail = h;
	if (R->mark == NULL)
		send_wait(R);
}
