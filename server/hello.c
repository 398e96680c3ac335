/*
 * hello: see hello.h.
 *
 * Viewers: the hellos of one room that arrive in the same turn of the
 * loop go to Redis as one call of the hello script (at most BATCH_MAX
 * clients each), sent from a uv_check, after the poll that read them. In
 * a crowd (19,000 viewers reconnecting at once) that turns 19,000 script
 * calls into a few hundred. A hello whose client has gone before its
 * batch is sent is left out.
 *
 * Moderators and presenters: one `keys` call each; the key exists in clear
 * only in struct hello_state, wiped when the reply has been checked.
 */
#include "hello.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "config.h"
#include "log.h"
#include "map.h"
#include "metrics.h"
#include "pending.h"
#include "rooms.h"
#include "session.h"
#include "staff.h"
#include "util.h"

#define BATCH_MAX 256

static const struct config *cfg;

struct hello_state {
	char key[PROTO_MAX_KEY + 1];
};

/* The viewer hellos of one room, waiting to be sent or answered. */
struct batch {
	char room[PROTO_ID_LEN + 1];
	struct pending **v;
	size_t n;
};

static struct {
	uv_check_t check;
	struct map *open;	/* room → the batch still collecting hellos */
	int armed;
} H;

static void
hello_fail(struct session *s, const char *code, const char *message, int close_code)
{
	session_error(s, NULL, code, message, 0);
	session_close(s, close_code, message);
}

static void
load_ids(struct idset *set, const redisReply *a)
{
	size_t i;

	for (i = 0; a && i < a->elements; i++)
		if (a->element[i]->type == REDIS_REPLY_STRING)
			idset_add(set, strtoll(a->element[i]->str, NULL, 10));
}

/* The session is admitted: it joins its room. */
static void
admit(struct session *s)
{
	s->state = SS_JOINING;
	s->counted = 1;
	metrics.connections[s->m.role]++;
	rooms_join(&s->m, s->room_id);
}

/* Ends a hello whose reply is no answer or an error; 0 if the reply is an "ok". */
static int
refused(struct session *s, redisReply *r)
{
	const char *code, *message;
	long long retry;

	if (r == NULL) {
		hello_fail(s, "unavailable", "Redis cannot be reached; try again", 1013);
		return -1;
	}
	if (store_reply_ok(r))
		return 0;
	code = store_reply_err(r, &message, &retry);
	hello_fail(s, code, message, 1008);
	return -1;
}

/* ---- viewers, in batches ---- */

/* {qid, json, …}: the viewer's own words of the questions it shares. */
static void
load_own(struct member *m, const redisReply *a)
{
	size_t i;

	for (i = 0; a && i + 1 < a->elements; i += 2)
		if (a->element[i]->type == REDIS_REPLY_STRING && a->element[i + 1]->type == REDIS_REPLY_STRING)
			rooms_set_own(m, strtoll(a->element[i]->str, NULL, 10), a->element[i + 1]->str);
}

static void
on_batch(void *arg, redisReply *r)
{
	struct batch *b = arg;
	const redisReply *mine = store_reply_array(r, HELLO_R_MINE);
	const redisReply *voted = store_reply_array(r, HELLO_R_VOTED);
	const redisReply *own = store_reply_array(r, HELLO_R_OWN);
	const redisReply *held = store_reply_array(r, HELLO_R_HELD);
	size_t i;

	/* The reply answers the clients in the order they were sent. */
	for (i = 0; i < b->n; i++) {
		struct session *s = pending_done(b->v[i]);

		if (s == NULL || refused(s, r) < 0)
			continue;
		if (mine && i < mine->elements)
			load_ids(&s->m.mine, mine->element[i]);
		if (voted && i < voted->elements)
			load_ids(&s->m.voted, voted->element[i]);
		if (own && i < own->elements)
			load_own(&s->m, own->element[i]);
		s->challenge = cfg->id_cost > 0 && held && i < held->elements &&
		    store_reply_int(held, i) == 1;
		admit(s);
	}
	free(b->v);
	free(b);
}

/* Sent only if one of its clients is still there. */
static int
batch_wanted(void *arg)
{
	struct batch *b = arg;

	return pending_any_wanted(b->v, b->n);
}

static void
send_batch(struct batch *b)
{
	struct sbuf clients = { 0 }, groups = { 0 };
	char rate[16], burst[16], cost[16];
	const char *args[HELLO_NARGS] = {
		[HELLO_RATE] = rate, [HELLO_BURST] = burst, [HELLO_COST] = cost,
	};
	size_t i, j;

	/* Clients that left while it collected are dropped now. */
	for (i = j = 0; i < b->n; i++) {
		if (b->v[i]->s->wsi == NULL)
			pending_done(b->v[i]);
		else
			b->v[j++] = b->v[i];
	}
	b->n = j;
	if (b->n == 0) {
		free(b->v);
		free(b);
		return;
	}
	sbuf_init(&clients, b->n * 24);
	sbuf_init(&groups, b->n * 24);
	for (i = 0; i < b->n; i++) {
		if (i) {
			sbuf_addc(&clients, ' ');
			sbuf_addc(&groups, ' ');
		}
		sbuf_adds(&clients, b->v[i]->s->m.client);
		sbuf_adds(&groups, b->v[i]->s->group[0] ? b->v[i]->s->group : "-");
	}
	/* A burst of a quarter of a minute's new ids, at least a few. */
	snprintf(rate, sizeof(rate), "%d", cfg->id_rate);
	snprintf(burst, sizeof(burst), "%d", cfg->id_rate / 4 > 5 ? cfg->id_rate / 4 : 5);
	snprintf(cost, sizeof(cost), "%d", cfg->id_cost);
	args[HELLO_CLIENTS] = clients.data;
	args[HELLO_GROUPS] = groups.data;
	if (store_run(SCRIPT_HELLO, b->room, args, on_batch, b, batch_wanted) != STORE_SENT)
		on_batch(b, NULL);
	sbuf_free(&clients);
	sbuf_free(&groups);
}

static void
on_check(uv_check_t *h)
{
	struct batch *b;
	size_t pos = 0;

	(void)h;
	uv_check_stop(&H.check);
	H.armed = 0;
	while ((b = map_next(H.open, &pos, NULL)) != NULL) {
		map_del(H.open, b->room);
		send_batch(b);
	}
}

static void
add_to_batch(struct pending *p)
{
	struct batch *b = map_get(H.open, p->s->room_id);

	if (b == NULL) {
		b = xcalloc(1, sizeof(*b));
		snprintf(b->room, sizeof(b->room), "%s", p->s->room_id);
		b->v = xmalloc(BATCH_MAX * sizeof(*b->v));
		map_put(H.open, b->room, b);
	}
	b->v[b->n++] = p;
	if (b->n == BATCH_MAX) {
		map_del(H.open, b->room);
		send_batch(b);
	}
	if (!H.armed) {
		uv_check_start(&H.check, on_check);
		H.armed = 1;
	}
}

/* ---- staff, one by one ---- */

static void
hello_free(void *arg)
{
	OPENSSL_cleanse(arg, sizeof(struct hello_state));
	free(arg);
}

/* Which key admits s, with its version; 0, or -1 if none does. */
static int
check_key(struct session *s, const char *key, redisReply *r)
{
	/* The moderator key admits both roles; the presenter key, presenters. */
	if (auth_check(key, strlen(key), store_reply_str(r, KEYS_R_MODKEY, NULL))) {
		s->m.keykind = KEY_MODERATOR;
		s->m.keyver = store_reply_int(r, KEYS_R_MODVER);
		snprintf(s->m.actor, sizeof(s->m.actor), "key:moderator");
		return 0;
	}
	if (s->m.role == ROLE_PRESENTER &&
	    auth_check(key, strlen(key), store_reply_str(r, KEYS_R_PRESKEY, NULL))) {
		s->m.keykind = KEY_PRESENTER;
		s->m.keyver = store_reply_int(r, KEYS_R_PRESVER);
		snprintf(s->m.actor, sizeof(s->m.actor), "key:presenter");
		return 0;
	}
	return -1;
}

static void
on_keys(void *arg, redisReply *r)
{
	struct pending *p = arg;
	struct hello_state h;
	struct session *s;

	memcpy(&h, p->state, sizeof(h));
	if ((s = pending_done(p)) == NULL || refused(s, r) < 0)
		goto out;
	if (check_key(s, h.key, r) < 0) {
		log_info("hello: wrong %s key for room %s from %s",
		    role_name(s->m.role), s->room_id, s->ip);
		hello_fail(s, "auth_failed", "wrong key", 1008);
		goto out;
	}
	admit(s);
out:
	OPENSSL_cleanse(&h, sizeof(h));
}

static int hello_wanted(void *arg);

/* ---- signed-in staff: the session cookie instead of a key ---- */

/* The room exists: a signed-in member of staff joins it. */
static void
on_staff_room(void *arg, redisReply *r)
{
	struct session *s = pending_done(arg);

	if (s == NULL || refused(s, r) < 0)
		return;
	staff_track(s);
	admit(s);
}

static void
on_staff_session(void *arg, redisReply *r)
{
	struct pending *p = arg;
	struct session *s = p->s;
	struct staff st;
	unsigned may;

	if (s->wsi == NULL) {
		pending_done(p);
		return;
	}
	if (r == NULL || !store_reply_ok(r)) {
		pending_done(p);
		refused(s, r);
		return;
	}
	if (staff_parse(store_reply_str(r, SESSION_R_ACCOUNT, NULL), &st) < 0) {
		pending_done(p);
		hello_fail(s, "internal_error", "malformed reply from Redis", 1011);
		return;
	}
	/* Moderators and admins take any role; presenters present, operators take calls. */
	may = SR_BIT(SR_ADMIN) | SR_BIT(SR_MODERATOR) |
	    (s->m.role == ROLE_PRESENTER ? SR_BIT(SR_PRESENTER) : 0) |
	    (s->m.role == ROLE_OPERATOR ? SR_BIT(SR_OPERATOR) : 0);
	if (!(st.roles & may)) {
		pending_done(p);
		hello_fail(s, "not_allowed", "your account does not have this role", 1008);
		return;
	}
	snprintf(s->m.actor, sizeof(s->m.actor), "%s", st.login);
	snprintf(s->m.staff_name, sizeof(s->m.staff_name), "%s", st.name);
	if (store_run(SCRIPT_KEYS, s->room_id, NULL, on_staff_room, p, hello_wanted) != STORE_SENT) {
		pending_done(p);
		hello_fail(s, "unavailable", "Redis cannot be reached; try again", 1013);
	}
}

static int
hello_wanted(void *arg)
{
	struct pending *p = arg;

	return p->s->wsi != NULL;
}

void
cmd_hello(struct session *s, struct cmd *c)
{
	struct pending *p;
	struct hello_state *h;

	s->m.role = c->role;
	memcpy(s->m.client, c->client, sizeof(s->m.client));
	memcpy(s->room_id, c->room, sizeof(s->room_id));
	s->m.resume = c->resume;
	memcpy(s->m.epoch, c->epoch, sizeof(s->m.epoch));
	s->m.resume_seq = c->resume_seq;
	s->m.partial = c->partial;
	s->state = SS_HELLO;
	session_pause_rx(s, 1);
	p = pending_new(s, c);
	if (c->role == ROLE_VIEWER) {
		add_to_batch(p);
		return;
	}
	if (c->key[0] == '\0') {
		/* No key: a member of staff signed in with the session cookie. */
		if (s->sid[0] == '\0') {
			pending_done(p);
			hello_fail(s, "auth_failed", "sign in, or give the room's key", 1008);
		} else if (staff_session("get", s->sid, on_staff_session, p) != STORE_SENT) {
			pending_done(p);
			hello_fail(s, "unavailable", "Redis cannot be reached; try again", 1013);
		}
		return;
	}
	p->state = h = xcalloc(1, sizeof(*h));
	p->free_state = hello_free;
	memcpy(h->key, c->key, sizeof(h->key));
	OPENSSL_cleanse(c->key, sizeof(c->key));
	if (store_run(SCRIPT_KEYS, s->room_id, NULL, on_keys, p, hello_wanted) != STORE_SENT) {
		pending_done(p);
		hello_fail(s, "unavailable", "Redis cannot be reached; try again", 1013);
	}
}

void
hello_init(uv_loop_t *loop, const struct config *c)
{
	cfg = c;
	memset(&H, 0, sizeof(H));
	H.open = map_new();
	uv_check_init(loop, &H.check);
}

void
hello_shutdown(void)
{
	struct batch *b;
	size_t pos = 0;

	uv_check_stop(&H.check);
	uv_close((uv_handle_t *)&H.check, NULL);
	while ((b = map_next(H.open, &pos, NULL)) != NULL) {
		map_del(H.open, b->room);
		on_batch(b, NULL);
	}
	map_free(H.open);
	H.open = NULL;
}
