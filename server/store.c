/*
 * store: everything the hub asks of Redis: the Lua scripts, run on the
 * node that serves the room (nodes.h: the one Redis, the master Sentinel
 * names, or the cluster master of the room's slot), and their replies.
 *
 * Scripts: what the script needs of lib.lua (prelude.h), the table A
 * named from the script's header, and the script are loaded on every
 * (re)connection; a NOSCRIPT reply (the script cache was flushed) runs
 * the script from source with EVAL and loads it
 * again, so the command itself still succeeds. A MOVED reply sends the
 * command on to the node it names; the other replies of a cluster that is
 * changing under a command answer it NULL (unavailable: its retry with
 * the same rid is safe).
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "cluster.h"
#include "config.h"
#include "embed.h"
#include "log.h"
#include "nodes.h"
#include "prelude.h"
#include "rconn.h"
#include "replicas.h"
#include "util.h"

#define REDIRECTS_MAX 3		/* MOVED followed for one command */

/* A script call: kept for its reply, and for sending it again (NOSCRIPT, MOVED). */
struct call {
	enum script_id script;
	struct node *node;		/* where it was sent; alive until its reply */
	store_reply_fn fn;
	void *arg;
	store_wanted_fn wanted;
	int argc;
	char **argv;
	size_t *lens;
	int retried;			/* ran from source after NOSCRIPT */
	int redirects;
};

static struct {
	const struct config *cfg;
	char *sources[SCRIPT_COUNT];	/* lib.lua's part + the table A + the script */
	char shas[SCRIPT_COUNT][41];
	char hub_id[AUTH_KEY_LEN + 1];
} st;

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
is_error(const redisReply *r, const char *prefix)
{
	return r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, prefix, strlen(prefix)) == 0;
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

/* A command connection's setup: every script loaded. */
static void
load_scripts(struct rconn *c)
{
	int i;

	for (i = 0; i < SCRIPT_COUNT; i++) {
		const char *av[3] = { "SCRIPT", "LOAD", st.sources[i] };

		rconn_setup_send(c, 3, av, on_loaded, (void *)(intptr_t)i);
	}
}

static void on_call_reply(void *arg, redisReply *r);

/* Sends the call (again) to node n, ahead of admission when `priority`. */
static int
call_send(struct call *k, struct node *n, int priority)
{
	k->node = n;
	return rconn_send(node_cmd(n), k->argc, (const char *const *)k->argv, k->lens, on_call_reply, k,
	    k->wanted ? call_wanted : NULL, priority);
}

/*
 * A cluster's MOVED: the slot is served elsewhere now. The slot is
 * pointed there at once (and the whole map read again) and the command
 * sent on; 1 if it was.
 *
 * ASK is not followed: it means the room's slot is being migrated, its
 * keys part here, part there, and a script (which reads and writes many
 * keys it does not declare) run there after ASKING would see the room in
 * pieces. The command is answered unavailable instead (its retry with the
 * same rid is safe) until the slot has moved and MOVED says where.
 */
static int
redirect(struct call *k, const redisReply *r)
{
	char host[CLUSTER_HOST_MAX];
	unsigned slot;
	int port;
	struct node *n;

	if (r == NULL || r->type != REDIS_REPLY_ERROR ||
	    cluster_parse_redirect(r->str, &slot, host, sizeof(host), &port) != CLUSTER_MOVED ||
	    (n = nodes_moved(slot, host, port)) == NULL)
		return 0;
	if (++k->redirects > REDIRECTS_MAX || !rconn_ready(node_cmd(n)))
		return 0;
	return call_send(k, n, 0) == 0;
}

static void
on_call_reply(void *arg, redisReply *r)
{
	struct call *k = arg;

	if (is_error(r, "NOSCRIPT") && !k->retried) {
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
		if (call_send(k, k->node, 1) == 0) {
			rconn_send(node_cmd(k->node), 3, load, NULL, on_loaded, (void *)(intptr_t)k->script, NULL, 1);
			return;
		}
		r = NULL;
	}
	if (redirect(k, r))
		return;
	if (is_error(r, "MOVED") || is_error(r, "ASK") || is_error(r, "CLUSTERDOWN") ||
	    is_error(r, "TRYAGAIN") || is_error(r, "READONLY") || is_error(r, "MASTERDOWN") ||
	    is_error(r, "LOADING")) {
		/* The cluster is changing under the command: unavailable, and a retry is safe. */
		log_warn("redis: %s on %s: %s", script_defs[k->script].name, node_name(k->node), r->str);
		nodes_stale();
		r = NULL;
	}
	if (replicas_wanted(st.cfg, k->script, r))
		replicas_hold(node_replicas(k->node), r, k->fn, k->arg);
	else
		k->fn(k->arg, r);
	call_free(k);
	nodes_sync_metrics();
}

/*
 * The definitions of lib.lua the script needs (prelude.h; the others left
 * as empty lines), then the script's arguments as the table A, named as
 * its header declares them (A.client is ARGV[4], …), then the script.
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
	static struct prelude *pl;	/* lib.lua cut into its definitions, once */
	const struct embedded *e = embed_get(d->file);
	struct sbuf b = { 0 };
	int i;

	if (e == NULL) {
		log_error("store: %s is not embedded", d->file);
		return NULL;
	}
	if (pl == NULL)
		pl = prelude_new(lib->data, lib->len);
	sbuf_init(&b, lib->len + e->len + 256);
	prelude_for(pl, e->data, &b);
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
	char prefix[96], chan[NODES_CHAN_MAX], now[24], hist[16];
	const char *head[7];
	struct node *n;
	struct call *k;
	int i;

	for (i = 0; i < d->nargs; i++)
		if (args[i] == NULL) {
			log_error("bug: script %s run without its argument '%s'", d->name, d->args[i]);
			return STORE_BUG;
		}
	if ((n = nodes_route(room)) == NULL || !rconn_ready(node_cmd(n)))
		return STORE_DOWN;
	snprintf(prefix, sizeof(prefix), "surak:{%s}", room);
	nodes_channel(chan, sizeof(chan), room);
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
	if (call_send(k, n, 0) < 0) {
		call_free(k);
		return STORE_DOWN;
	}
	nodes_sync_metrics();
	return STORE_SENT;
}

/* ---- start and stop ---- */

int
store_init(uv_loop_t *loop, const struct config *cfg, const struct store_hooks *hooks)
{
	const struct embedded *lib = embed_get("lua/lib.lua");
	char id[AUTH_KEY_LEN + 1];
	int i;

	memset(&st, 0, sizeof(st));
	st.cfg = cfg;
	if (lib == NULL)
		return -1;
	for (i = 0; i < SCRIPT_COUNT; i++)
		if ((st.sources[i] = script_source(lib, &script_defs[i])) == NULL)
			return -1;
	if (auth_new_key(id) < 0)
		return -1;
	snprintf(st.hub_id, sizeof(st.hub_id), "%.16s", id);
	return nodes_init(loop, cfg, hooks, st.hub_id, load_scripts);
}

void
store_shutdown(void)
{
	int i;

	nodes_shutdown();
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
	return nodes_ready();
}

int
store_healthy(void)
{
	return nodes_healthy();
}

int
store_subscribe(const char *room)
{
	return nodes_subscribe(room);
}

int
store_unsubscribe(const char *room)
{
	return nodes_unsubscribe(room);
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
