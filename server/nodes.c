/*
 * nodes: see nodes.h.
 *
 * Whether a node is alive is judged by evidence about it, never by how
 * many commands the hub has queued: its command connection PUBLISHes a
 * heartbeat on a channel of this hub and node every quarter of the
 * deadline, ahead of admission; the node must answer it in time (it waits
 * behind at most --redis-inflight commands), and the subscriber must
 * receive it in time. That proves the node, both sockets and the
 * subscription alive, without PING (which hiredis 0.14 mishandles in
 * subscribed mode). A command that misses its own deadline fails alone.
 *
 * With --redis-cluster the slot map is read with CLUSTER SLOTS from any
 * node that answers, again every few seconds, and at once after a MOVED,
 * a lost node, or a room whose subscription was taken away; a master no
 * longer in the map is dropped (its commands answered NULL: the clients
 * get unavailable and retry with the same rid). With --redis-sentinel the
 * Sentinels are asked where the master is, the same way.
 */
#include "nodes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "config.h"
#include "log.h"
#include "map.h"
#include "metrics.h"
#include "rconn.h"
#include "replicas.h"
#include "util.h"

#define WATCHDOG_MS 100
#define MAP_EVERY_MS 5000	/* the slot map (or the Sentinels) asked again this often */
#define MAP_RETRY_MS 250	/* … and this often while it is stale (or the master is down) */

/* A room's channel on a node's subscriber. */
struct sub {
	uint64_t sent;		/* SSUBSCRIBE sent at */
	int confirmed;
	int leaving;		/* SUNSUBSCRIBE sent */
};

/* A Redis node: the one Redis, the master Sentinel names, or a master of the cluster. */
struct node {
	struct node *next;
	unsigned id;
	char name[CLUSTER_HOST_MAX + 8];	/* host:port, for logs */
	char cmd_name[CLUSTER_HOST_MAX + 24], sub_name[CLUSTER_HOST_MAX + 24];
	struct redis_addr addr;			/* host owned; password is the config's */
	struct rconn *cmd, *sub;
	struct replicas *rp;
	struct map *subs;			/* room → struct sub */
	int cmd_was_ready;
	unsigned serves;			/* slots it serves in the map (cluster) */
	int doomed;				/* serves nothing now: freed by the watchdog */
	char hb_channel[96];
	uint64_t hb_sent_seq, hb_acked_seq, hb_recv_seq;
	uint64_t hb_sent_at, hb_acked_at;
	int hb_in_flight;
};

static struct {
	uv_loop_t *loop;
	const struct config *cfg;
	struct store_hooks hooks;
	uv_timer_t watchdog;
	struct node *nodes;
	struct node *single;			/* without a cluster: the one Redis (NULL: not known yet) */
	int cluster;
	struct rconn **sentinels;		/* with --redis-sentinel */
	unsigned sentinel_next;
	struct node *slots[CLUSTER_SLOTS];	/* the cluster's map; NULL: not known */
	unsigned unserved;			/* slots no node serves */
	int map_known, map_stale, map_in_flight;
	uint64_t map_at, map_asked_at;
	unsigned next_id;
	struct rconn_stats gone;		/* the counts of dropped nodes, so totals never go back */
	void (*load_scripts)(struct rconn *cmd);
	char chan_prefix[48];		/* "surak:ev:" or "surak:<db>:ev:" */
	char hub_id[32];
} st;

static uint64_t
deadline(void)
{
	return (uint64_t)st.cfg->redis_timeout_ms;
}

void
nodes_sync_metrics(void)
{
	struct node *n;

	metrics.redis_up = nodes_ready();
	metrics.redis_inflight = metrics.redis_waiting = 0;
	metrics.redis_timeouts[REDIS_TIMEOUT_REPLY] = st.gone.timeouts_reply;
	metrics.redis_timeouts[REDIS_TIMEOUT_WAIT] = st.gone.timeouts_wait;
	metrics.redis_cancelled = st.gone.cancelled;
	metrics.redis_waited = st.gone.waited;
	for (n = st.nodes; n; n = n->next) {
		const struct rconn_stats *s = rconn_stats(n->cmd);

		metrics.redis_inflight += s->inflight;
		metrics.redis_waiting += s->waiting;
		metrics.redis_timeouts[REDIS_TIMEOUT_REPLY] += s->timeouts_reply;
		metrics.redis_timeouts[REDIS_TIMEOUT_WAIT] += s->timeouts_wait;
		metrics.redis_cancelled += s->cancelled;
		metrics.redis_waited += s->waited;
	}
}

void
nodes_channel(char *out, size_t n, const char *room)
{
	snprintf(out, n, "%s{%s}", st.chan_prefix, room);
}

/* The room of a channel, or NULL. */
static const char *
channel_room(const char *chan, char *room, size_t n)
{
	size_t plen = strlen(st.chan_prefix), len;

	if (strncmp(chan, st.chan_prefix, plen) != 0 || chan[plen] != '{')
		return NULL;
	chan += plen + 1;
	len = strlen(chan);
	if (len < 2 || chan[len - 1] != '}' || len >= n)
		return NULL;
	memcpy(room, chan, len - 1);
	room[len - 1] = '\0';
	return room;
}

void
nodes_stale(void)
{
	st.map_stale = 1;
}

/* ---- nodes ---- */

static struct node *node_new(const char *host, int port);

static struct node *
node_find(const char *host, int port)
{
	struct node *n;

	for (n = st.nodes; n; n = n->next)
		if (!n->doomed && n->addr.port == port && n->addr.host && strcmp(n->addr.host, host) == 0)
			return n;
	return NULL;
}

struct node *
nodes_route(const char *room)
{
	return st.cluster ? st.slots[cluster_room_slot(room)] : st.single;
}

static void
set_slot(unsigned slot, struct node *n)
{
	struct node *was = st.slots[slot];

	if (was == n)
		return;
	if (was)
		was->serves--;
	else
		st.unserved--;
	if (n)
		n->serves++;
	else
		st.unserved++;
	st.slots[slot] = n;
}

/* The node's room subscriptions are gone (its subscriber was lost, or it is dropped). */
static void
lose_subs(struct node *n)
{
	struct sub *s;
	const char *room;
	size_t pos = 0;

	while ((s = map_next(n->subs, &pos, &room)) != NULL) {
		char copy[256];

		snprintf(copy, sizeof(copy), "%s", room);
		map_del(n->subs, room);
		free(s);
		if (st.hooks.on_lost)
			st.hooks.on_lost(copy);
	}
}

static void
node_free(struct node *n)
{
	struct node **pp;

	for (pp = &st.nodes; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	st.gone.timeouts_reply += rconn_stats(n->cmd)->timeouts_reply;
	st.gone.timeouts_wait += rconn_stats(n->cmd)->timeouts_wait;
	st.gone.cancelled += rconn_stats(n->cmd)->cancelled;
	st.gone.waited += rconn_stats(n->cmd)->waited;
	rconn_free(n->cmd);	/* its commands answered NULL, its WAIT among them */
	replicas_free(n->rp);
	rconn_free(n->sub);
	lose_subs(n);
	map_free(n->subs);
	free(n->addr.host);
	free(n);
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
setup_auth(struct rconn *c, const struct node *n)
{
	if (n->addr.password) {
		const char *av[2] = { "AUTH", n->addr.password };

		rconn_setup_send(c, 2, av, on_setup_reply, c);
	}
}

static void
cmd_setup(struct rconn *c, void *ud)
{
	struct node *n = ud;

	setup_auth(c, n);
	if (n->addr.db) {
		char db[16];
		const char *av[2] = { "SELECT", db };

		snprintf(db, sizeof(db), "%d", n->addr.db);
		rconn_setup_send(c, 2, av, on_setup_reply, c);
	}
	st.load_scripts(c);
}

static void
cmd_ready(struct rconn *c, void *ud)
{
	struct node *n = ud;

	(void)c;
	if (n->cmd_was_ready)
		metrics.redis_reconnects++;
	n->cmd_was_ready = 1;
	nodes_sync_metrics();
}

static void
cmd_lost(struct rconn *c, void *ud, const char *why)
{
	struct node *n = ud;

	(void)c;
	(void)why;
	n->hb_in_flight = 0;
	nodes_stale();
	nodes_sync_metrics();
}

static void
sub_setup(struct rconn *c, void *ud)
{
	struct node *n = ud;

	setup_auth(c, n);
	/* Confirmed through sub_message(), which ends that setup step. */
	rconn_subscribe(c, "SUBSCRIBE", n->hb_channel);
}

static void
sub_ready(struct rconn *c, void *ud)
{
	struct node *n = ud;

	(void)c;
	n->hb_recv_seq = n->hb_acked_seq;
	n->hb_acked_at = 0;
	if (st.hooks.on_sub_ready)
		st.hooks.on_sub_ready();
}

static void
sub_lost(struct rconn *c, void *ud, const char *why)
{
	struct node *n = ud;

	(void)c;
	(void)why;
	nodes_stale();
	lose_subs(n);
}

/* A room's channel answered on node n's subscriber. */
static void
room_message(struct node *n, const char *kind, const char *room, const redisReply *payload)
{
	struct sub *s = map_get(n->subs, room);

	if (strcmp(kind, "smessage") == 0) {
		if (payload->type == REDIS_REPLY_STRING && st.hooks.on_event)
			st.hooks.on_event(room, payload->str, payload->len);
	} else if (strcmp(kind, "ssubscribe") == 0) {
		if (s && !s->leaving && !s->confirmed) {
			s->confirmed = 1;
			if (st.hooks.on_subscribed)
				st.hooks.on_subscribed(room);
		}
	} else if (strcmp(kind, "sunsubscribe") == 0) {
		if (s && !s->leaving) {
			char chan[NODES_CHAN_MAX];

			/* Redis took it away: the slot moved. hiredis's registration goes too. */
			log_info("redis: %s no longer serves room %s; the slot map is read again", n->name, room);
			nodes_channel(chan, sizeof(chan), room);
			rconn_subscribe(n->sub, "UNSUBSCRIBE", chan);
			map_del(n->subs, room);
			free(s);
			nodes_stale();
			if (st.hooks.on_lost)
				st.hooks.on_lost(room);
		}
	} else if (strcmp(kind, "unsubscribe") == 0) {
		if (s && s->leaving) {
			map_del(n->subs, room);
			free(s);
			if (st.hooks.on_unsubscribed)
				st.hooks.on_unsubscribed(room);
		}
	}
}

static void
sub_message(struct rconn *c, void *ud, redisReply *r)
{
	struct node *n = ud;
	const char *kind, *chan;
	char room[256];

	if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING)
		return;
	kind = r->element[0]->str;
	chan = r->element[1]->str;
	if (strcmp(chan, n->hb_channel) == 0) {
		if (strcmp(kind, "message") == 0 && r->element[2]->type == REDIS_REPLY_STRING) {
			uint64_t seq = strtoull(r->element[2]->str, NULL, 10);

			if (seq > n->hb_recv_seq)
				n->hb_recv_seq = seq;
		} else if (strcmp(kind, "subscribe") == 0)
			rconn_setup_step(c);
		return;
	}
	if (channel_room(chan, room, sizeof(room)))
		room_message(n, kind, room, r->element[2]);
}

/* ---- the heartbeat ---- */

static void
on_heartbeat(void *arg, redisReply *r)
{
	struct node *n = arg;

	/*
	 * No reply: the connection was lost (cmd_lost() clears the flag) or
	 * the request's own deadline passed, which judge() has already
	 * turned into a reset; either way the heartbeat stays unanswered.
	 * (A node is freed only after its connections, so n is alive here.)
	 */
	if (r == NULL)
		return;
	n->hb_in_flight = 0;
	if (r->type == REDIS_REPLY_INTEGER) {
		n->hb_acked_seq = n->hb_sent_seq;
		n->hb_acked_at = now_ms();
		metrics_redis_rtt((n->hb_acked_at - n->hb_sent_at) * 1000);
	}
}

static void
heartbeat(struct node *n, uint64_t now)
{
	char seq[24];
	const char *av[3] = { "PUBLISH", n->hb_channel, seq };

	if (!rconn_ready(n->cmd) || n->hb_in_flight || now - n->hb_sent_at < deadline() / 4)
		return;
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)++n->hb_sent_seq);
	if (rconn_send(n->cmd, 3, av, NULL, on_heartbeat, n, NULL, 1) == 0) {
		n->hb_in_flight = 1;
		n->hb_sent_at = now;
	}
}

/*
 * A node is judged dead only on evidence about it: a heartbeat it did not
 * answer in time, or one it accepted that the subscriber did not receive.
 * What the socket already holds is read first, so a loop that was busy (a
 * long fan-out) does not count against Redis.
 */
static void
judge(struct node *n, uint64_t now)
{
	if (n->hb_in_flight && now - n->hb_sent_at > deadline()) {
		rconn_read_now(n->cmd);
		if (n->hb_in_flight && rconn_ready(n->cmd)) {
			metrics.redis_timeouts[REDIS_TIMEOUT_HEARTBEAT]++;
			rconn_reset(n->cmd, "heartbeat not answered");
		}
	}
	if (rconn_ready(n->sub) && n->hb_acked_at && n->hb_recv_seq < n->hb_acked_seq &&
	    now - n->hb_acked_at > deadline()) {
		rconn_read_now(n->sub);
		if (n->hb_recv_seq < n->hb_acked_seq && rconn_ready(n->sub)) {
			metrics.redis_timeouts[REDIS_TIMEOUT_SUBSCRIBER]++;
			rconn_reset(n->sub, "heartbeat not received");
		}
	}
}

/* Subscriptions Redis never confirmed (the slot was elsewhere): given up, the room told. */
static void
expire_subs(struct node *n, uint64_t now)
{
	struct sub *s;
	const char *room;
	size_t pos = 0;

	while ((s = map_next(n->subs, &pos, &room)) != NULL) {
		char copy[256], chan[NODES_CHAN_MAX];

		if (s->confirmed || s->leaving || now - s->sent <= deadline())
			continue;
		snprintf(copy, sizeof(copy), "%s", room);
		nodes_channel(chan, sizeof(chan), copy);
		rconn_shard_subscribe(n->sub, chan, 0);
		map_del(n->subs, room);
		free(s);
		nodes_stale();
		if (st.hooks.on_lost)
			st.hooks.on_lost(copy);
	}
}

/* ---- the cluster's slot map ---- */

static void
on_slots(void *arg, redisReply *r)
{
	unsigned asked = (unsigned)(uintptr_t)arg;
	struct cluster_range *g;
	struct node *n, *from = NULL;
	unsigned i, covered = 0;
	int k, count;

	st.map_in_flight = 0;
	for (n = st.nodes; n; n = n->next)
		if (n->id == asked)
			from = n;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || from == NULL) {
		if (r && r->type == REDIS_REPLY_ERROR)
			log_warn("redis: CLUSTER SLOTS on a node: %s", r->str);
		return;
	}
	g = xcalloc(r->elements ? r->elements : 1, sizeof(*g));
	count = cluster_parse_slots(r, from->addr.host, g, (int)r->elements);
	if (count <= 0) {
		log_warn("redis: %s answered CLUSTER SLOTS with no slots", from->name);
		free(g);
		return;
	}
	for (i = 0; i < CLUSTER_SLOTS; i++)
		set_slot(i, NULL);
	for (k = 0; k < count; k++) {
		if ((n = node_find(g[k].host, g[k].port)) == NULL)
			n = node_new(g[k].host, g[k].port);
		for (i = g[k].start; i <= g[k].end; i++)
			set_slot(i, n);
		covered += g[k].end - g[k].start + 1;
	}
	free(g);
	/* Nodes that serve nothing now are dropped; rooms subscribed on the wrong node move. */
	for (n = st.nodes; n; n = n->next) {
		struct sub *s;
		const char *room;
		size_t pos = 0;

		if (n->serves == 0) {
			n->doomed = 1;
			continue;
		}
		while ((s = map_next(n->subs, &pos, &room)) != NULL)
			if (st.slots[cluster_room_slot(room)] != n && !s->leaving)
				s->sent = 0, s->confirmed = 0;	/* expire_subs() lets it go */
	}
	if (!st.map_known)
		log_info("redis: cluster map read from %s: %u slots served", from->name, covered);
	st.map_known = 1;
	st.map_stale = st.unserved > 0;
	st.map_at = now_ms();
}

/* Reads the slot map from a node that answers, if it is due. */
static void
refresh_map(uint64_t now)
{
	const char *av[2] = { "CLUSTER", "SLOTS" };
	struct node *n, *ask = NULL;
	int i;

	if (!st.cluster || st.map_in_flight)
		return;
	if (!(st.map_stale && now - st.map_asked_at >= MAP_RETRY_MS) && now - st.map_at < MAP_EVERY_MS)
		return;
	st.map_asked_at = now;
	for (n = st.nodes; n && ask == NULL; n = n->next)
		if (!n->doomed && rconn_ready(n->cmd))
			ask = n;
	if (ask == NULL) {
		/* No node answers: the seeds again (connecting, or refused: tried with backoff). */
		for (i = 0; i < st.cfg->nseeds; i++)
			if (node_find(st.cfg->seeds[i].host, st.cfg->seeds[i].port) == NULL)
				node_new(st.cfg->seeds[i].host, st.cfg->seeds[i].port);
		return;
	}
	if (rconn_send(ask->cmd, 2, av, NULL, on_slots, (void *)(uintptr_t)ask->id, NULL, 1) == 0)
		st.map_in_flight = 1;
}

/* ---- Sentinel: where the one Redis is ---- */

static void
on_master(void *arg, redisReply *r)
{
	const char *host;
	int port;

	(void)arg;
	st.map_in_flight = 0;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING) {
		if (r && r->type == REDIS_REPLY_ERROR)
			log_warn("redis: Sentinel: %s", r->str);
		else if (r)
			log_warn("redis: Sentinel does not know the master '%s'", st.cfg->redis_master);
		return;
	}
	host = r->element[0]->str;
	port = atoi(r->element[1]->str);
	st.map_stale = 0;
	st.map_at = now_ms();
	if (st.single && st.single->addr.host && strcmp(st.single->addr.host, host) == 0 &&
	    st.single->addr.port == port)
		return;
	log_info("redis: Sentinel names %s:%d the master '%s'", host, port, st.cfg->redis_master);
	if (st.single)
		st.single->doomed = 1;	/* its rooms are told, and subscribe on the new one */
	st.single = node_new(host, port);
}

/* Asks a Sentinel where the master is: now and then, and often while it is down. */
static void
ask_sentinel(uint64_t now)
{
	const char *av[3] = { "SENTINEL", "get-master-addr-by-name", st.cfg->redis_master };
	int down = st.single == NULL || !rconn_ready(st.single->cmd) || st.map_stale;
	int i;

	if (st.sentinels == NULL || st.map_in_flight)
		return;
	if (now - st.map_asked_at < (down ? MAP_RETRY_MS : MAP_EVERY_MS))
		return;
	st.map_asked_at = now;
	for (i = 0; i < st.cfg->nsentinels; i++) {
		struct rconn *c = st.sentinels[st.sentinel_next++ % (unsigned)st.cfg->nsentinels];

		if (rconn_ready(c) && rconn_send(c, 3, av, NULL, on_master, NULL, NULL, 1) == 0) {
			st.map_in_flight = 1;
			return;
		}
	}
}

static void
sentinel_setup(struct rconn *c, void *ud)
{
	const struct redis_addr *a = ud;

	if (a->password) {
		const char *av[2] = { "AUTH", a->password };

		rconn_setup_send(c, 2, av, on_setup_reply, c);
	}
}

static void
on_watchdog(uv_timer_t *t)
{
	uint64_t now = now_ms();
	struct node *n, *next;
	int i;

	(void)t;
	for (n = st.nodes; n; n = next) {
		next = n->next;
		if (n->doomed) {
			log_info("redis: %s %s now; dropped", n->name, st.cluster ? "serves no slot" : "is not the master");
			node_free(n);
			continue;
		}
		judge(n, now);	/* before the requests' own deadlines, the heartbeat's among them */
		rconn_tick(n->cmd, now);
		rconn_tick(n->sub, now);
		heartbeat(n, now);
		expire_subs(n, now);
	}
	for (i = 0; st.sentinels && i < st.cfg->nsentinels; i++)
		rconn_tick(st.sentinels[i], now);
	refresh_map(now);
	ask_sentinel(now);
	nodes_sync_metrics();
}

/* ---- start and stop ---- */

static struct node *
node_new(const char *host, int port)
{
	static const struct rconn_hooks cmd_hooks = {
		.setup = cmd_setup, .ready = cmd_ready, .lost = cmd_lost,
	};
	static const struct rconn_hooks sub_hooks = {
		.setup = sub_setup, .ready = sub_ready, .lost = sub_lost, .message = sub_message,
	};
	struct node *n = xcalloc(1, sizeof(*n));
	const struct redis_addr *a = st.cluster ? &st.cfg->seeds[0] : &st.cfg->redis;

	n->id = ++st.next_id;
	n->addr = *a;
	n->addr.host = host ? xstrdup(host) : NULL;
	n->addr.port = port;
	if (st.cluster || st.sentinels)
		n->addr.unix_path = NULL;	/* where the cluster or the Sentinels say */
	if (n->addr.unix_path)
		snprintf(n->name, sizeof(n->name), "%s", n->addr.unix_path);
	else
		snprintf(n->name, sizeof(n->name), "%s:%d", host, port);
	/* One Redis keeps the plain names its logs always had. */
	snprintf(n->cmd_name, sizeof(n->cmd_name), st.cluster ? "command %s" : "command", n->name);
	snprintf(n->sub_name, sizeof(n->sub_name), st.cluster ? "subscriber %s" : "subscriber", n->name);
	snprintf(n->hb_channel, sizeof(n->hb_channel), "surak:hb:%s:%u", st.hub_id, n->id);
	n->subs = map_new();
	n->cmd = rconn_new(st.loop, n->cmd_name, &n->addr, 0, (unsigned)st.cfg->redis_inflight,
	    deadline(), &cmd_hooks, n);
	n->sub = rconn_new(st.loop, n->sub_name, &n->addr, 1, 1, deadline(), &sub_hooks, n);
	n->rp = replicas_new(n->cmd, st.cfg);
	n->next = st.nodes;
	st.nodes = n;
	return n;
}

int
nodes_init(uv_loop_t *loop, const struct config *cfg, const struct store_hooks *hooks, const char *hub_id,
    void (*load_scripts)(struct rconn *cmd))
{
	int i;

	memset(&st, 0, sizeof(st));
	st.loop = loop;
	st.cfg = cfg;
	st.hooks = *hooks;
	st.load_scripts = load_scripts;
	st.cluster = cfg->nseeds > 0;
	snprintf(st.hub_id, sizeof(st.hub_id), "%s", hub_id);
	if (cfg->redis.db && !st.cluster)
		snprintf(st.chan_prefix, sizeof(st.chan_prefix), "surak:%d:ev:", cfg->redis.db);
	else
		snprintf(st.chan_prefix, sizeof(st.chan_prefix), "surak:ev:");
	if (st.cluster) {
		st.map_stale = 1;
		st.unserved = CLUSTER_SLOTS;
		for (i = 0; i < cfg->nseeds; i++)
			if (node_find(cfg->seeds[i].host, cfg->seeds[i].port) == NULL)
				node_new(cfg->seeds[i].host, cfg->seeds[i].port);
	} else if (cfg->nsentinels > 0) {
		static const struct rconn_hooks sentinel_hooks = { .setup = sentinel_setup };

		st.map_stale = 1;
		st.sentinels = xcalloc((size_t)cfg->nsentinels, sizeof(*st.sentinels));
		for (i = 0; i < cfg->nsentinels; i++)
			st.sentinels[i] = rconn_new(loop, "sentinel", &cfg->sentinels[i], 0, 4, deadline(),
			    &sentinel_hooks, &cfg->sentinels[i]);
	} else
		st.single = node_new(cfg->redis.host, cfg->redis.port);
	uv_timer_init(loop, &st.watchdog);
	uv_timer_start(&st.watchdog, on_watchdog, 0, WATCHDOG_MS);
	return 0;
}

void
nodes_shutdown(void)
{
	int i;

	uv_timer_stop(&st.watchdog);
	uv_close((uv_handle_t *)&st.watchdog, NULL);
	st.hooks.on_lost = NULL;
	while (st.nodes)
		node_free(st.nodes);
	st.single = NULL;
	for (i = 0; st.sentinels && i < st.cfg->nsentinels; i++)
		rconn_free(st.sentinels[i]);
	free(st.sentinels);
	st.sentinels = NULL;
}

struct node *
nodes_moved(unsigned slot, const char *host, int port)
{
	struct node *n;

	if (!st.cluster)
		return NULL;
	if ((n = node_find(host, port)) == NULL)
		n = node_new(host, port);
	set_slot(slot, n);
	st.map_stale = 1;
	return n;
}

struct rconn *
node_cmd(const struct node *n)
{
	return n->cmd;
}

struct replicas *
node_replicas(const struct node *n)
{
	return n->rp;
}

const char *
node_name(const struct node *n)
{
	return n->name;
}

/* Every node that serves slots (the one Redis) passes `ok`, and every slot is served. */
static int
all_nodes(int (*ok)(const struct node *))
{
	struct node *n;

	if (!st.cluster)
		return st.single && ok(st.single);
	if (!st.map_known || st.unserved > 0)
		return 0;
	for (n = st.nodes; n; n = n->next)
		if (n->serves > 0 && !ok(n))
			return 0;
	return 1;
}

static int
cmd_up(const struct node *n)
{
	return rconn_ready(n->cmd);
}

static int
both_up(const struct node *n)
{
	return rconn_ready(n->cmd) && rconn_ready(n->sub);
}

int
nodes_ready(void)
{
	return all_nodes(cmd_up);
}

int
nodes_healthy(void)
{
	return all_nodes(both_up);
}

int
nodes_subscribe(const char *room)
{
	struct node *n = nodes_route(room);
	struct sub *s;
	char chan[NODES_CHAN_MAX];

	if (n == NULL || !rconn_ready(n->sub))
		return -1;
	if (map_get(n->subs, room))
		return 0;
	nodes_channel(chan, sizeof(chan), room);
	if (rconn_shard_subscribe(n->sub, chan, 1) < 0)
		return -1;
	s = xcalloc(1, sizeof(*s));
	s->sent = now_ms();
	map_put(n->subs, room, s);
	return 0;
}

int
nodes_unsubscribe(const char *room)
{
	struct node *n;
	struct sub *s = NULL;
	char chan[NODES_CHAN_MAX];

	for (n = st.nodes; n; n = n->next)
		if ((s = map_get(n->subs, room)) != NULL)
			break;
	if (n == NULL || s->leaving || !rconn_ready(n->sub))
		return -1;
	nodes_channel(chan, sizeof(chan), room);
	if (rconn_shard_subscribe(n->sub, chan, 0) < 0)
		return -1;
	s->leaving = 1;
	return 0;
}
