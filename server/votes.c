/*
 * votes: see votes.h. A vote waits in its question's batch until the end
 * of the loop turn that read it (a uv_check, after the poll): what one
 * turn read goes out in that turn, after the rest of the turn's work
 * (docs/BENCHMARKS.md has what that costs at 1,000 votes a second).
 */
#include "votes.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "map.h"
#include "metrics.h"
#include "pending.h"
#include "rooms.h"
#include "session.h"
#include "store.h"
#include "util.h"

#define BATCH_MAX 64		/* votes in one script call */

struct batch {
	char key[PROTO_ID_LEN + 32];	/* "room id" */
	char room[PROTO_ID_LEN + 1];
	char id[24];
	size_t n;
	struct pending *p[BATCH_MAX];
	struct batch *next;
};

static struct {
	const struct config *cfg;
	struct map *open;	/* "room id" → the batch of this turn still taking votes */
	struct batch *list, **tail;	/* this turn's batches, to be sent in the order they were opened */
	uv_check_t flush;
} V;

static void on_flush(uv_check_t *h);

void
votes_init(uv_loop_t *loop, const struct config *cfg)
{
	V.cfg = cfg;
	V.open = map_new();
	V.tail = &V.list;
	uv_check_init(loop, &V.flush);
}

/* Votes read in the turn that stopped the hub are not sent: their clients are told. */
void
votes_shutdown(void)
{
	struct batch *b;
	size_t i;

	uv_check_stop(&V.flush);
	uv_close((uv_handle_t *)&V.flush, NULL);
	while ((b = V.list) != NULL) {
		V.list = b->next;
		for (i = 0; i < b->n; i++)
			pending_fail(b->p[i], STORE_DOWN);
		free(b);
	}
	V.tail = &V.list;
	map_free(V.open);
	V.open = NULL;
}

/* A vote's reply, alone or from its batch: the ack, or its error. */
static void
on_vote(void *arg, redisReply *r)
{
	struct pending *p = arg;
	enum cmd_type type = p->type;
	struct session *s;
	long long id;

	if ((s = pending_ack(p, r, VOTE_R_ACK)) != NULL && (id = store_reply_int(r, VOTE_R_ID)) > 0)
		rooms_set_voted(&s->m, id, type == CMD_VOTE);
}

static const char *
dir(const struct pending *p)
{
	return p->type == CMD_VOTE ? "vote" : "unvote";
}

/* The limits both scripts take, as their arguments' text. */
struct limits {
	char limit[16], iplimit[16], fresh[24], burst[16];
};

static void
limits_text(struct limits *l)
{
	snprintf(l->limit, sizeof(l->limit), "%d", V.cfg->vote_per_min);
	snprintf(l->iplimit, sizeof(l->iplimit), "%d", V.cfg->vote_per_min_ip);
	snprintf(l->fresh, sizeof(l->fresh), "%lld", (long long)V.cfg->fresh_client_s * 1000);
	snprintf(l->burst, sizeof(l->burst), "%d", V.cfg->vote_burst);
}

static void
send_one(struct batch *b)
{
	struct limits l;
	struct pending *p = b->p[0];
	const char *args[VOTE_NARGS] = {
		[VOTE_CLIENT] = p->s->m.client, [VOTE_RID] = p->rid, [VOTE_ID] = b->id,
		[VOTE_DIR] = dir(p), [VOTE_LIMIT] = l.limit, [VOTE_WINDOW] = CONFIG_RATE_WINDOW_MS,
		[VOTE_IP] = p->s->group, [VOTE_IP_LIMIT] = l.iplimit,
		[VOTE_FRESH_MS] = l.fresh, [VOTE_BURST] = l.burst,
	};

	limits_text(&l);
	pending_run_on(p, b->room, SCRIPT_VOTE, args, on_vote);
}

/* The votes script answered the batch: each vote gets its own reply, or all the whole one (none, an error). */
static void
on_batch(void *arg, redisReply *r)
{
	struct batch *b = arg;
	const redisReply *replies = r && store_reply_ok(r) ? store_reply_array(r, VOTES_R_REPLIES) : NULL;
	size_t i;

	for (i = 0; i < b->n; i++)
		on_vote(b->p[i], replies && i < replies->elements ? replies->element[i] : r);
	free(b);
}

static int
batch_wanted(void *arg)
{
	struct batch *b = arg;

	return pending_any_wanted(b->p, b->n);
}

static void
send_batch(struct batch *b)
{
	struct limits l;
	char *batch;
	const char *args[VOTES_NARGS] = {
		[VOTES_ID] = b->id, [VOTES_LIMIT] = l.limit, [VOTES_WINDOW] = CONFIG_RATE_WINDOW_MS,
		[VOTES_IP_LIMIT] = l.iplimit, [VOTES_FRESH_MS] = l.fresh, [VOTES_BURST] = l.burst,
	};
	json_t *a = json_array();
	enum store_status st;
	size_t i;

	for (i = 0; i < b->n; i++)
		json_array_append_new(a, json_pack("[ssss]", b->p[i]->s->m.client, b->p[i]->rid,
		    dir(b->p[i]), b->p[i]->s->group));
	batch = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	args[VOTES_BATCH] = batch ? batch : "[]";
	limits_text(&l);
	st = batch ? store_run(SCRIPT_VOTES, b->room, args, on_batch, b, batch_wanted) : STORE_BUG;
	free(batch);
	if (st == STORE_SENT) {
		metrics.vote_batches++;
		metrics.votes_batched += b->n;
		return;
	}
	for (i = 0; i < b->n; i++)
		pending_fail(b->p[i], st);
	free(b);
}

/* After the turn's I/O: every batch goes, its votes whose clients have gone dropped. */
static void
on_flush(uv_check_t *h)
{
	struct batch *list = V.list, *b;
	size_t i, n;

	V.list = NULL;
	V.tail = &V.list;
	uv_check_stop(h);
	while ((b = list) != NULL) {
		list = b->next;
		map_del(V.open, b->key);
		for (i = n = 0; i < b->n; i++) {
			if (pending_wanted(b->p[i]))
				b->p[n++] = b->p[i];
			else
				pending_done(b->p[i]);
		}
		b->n = n;
		if (n > 1) {
			send_batch(b);	/* b is its now */
			continue;
		}
		if (n == 1)
			send_one(b);
		free(b);
	}
}

void
cmd_vote(struct session *s, const struct cmd *c)
{
	char key[sizeof(((struct batch *)0)->key)];
	struct batch *b;

	snprintf(key, sizeof(key), "%s %lld", s->room_id, c->id);
	if ((b = map_get(V.open, key)) == NULL || b->n == BATCH_MAX) {
		b = xcalloc(1, sizeof(*b));
		memcpy(b->key, key, sizeof(key));
		snprintf(b->room, sizeof(b->room), "%s", s->room_id);
		snprintf(b->id, sizeof(b->id), "%lld", c->id);
		*V.tail = b;
		V.tail = &b->next;
		map_put(V.open, key, b);
		uv_check_start(&V.flush, on_flush);
	}
	b->p[b->n++] = pending_new(s, c);
}
