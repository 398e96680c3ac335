/*
 * commands: the dispatch table and the commands that are one script each.
 * Every handler may assume the session is live and its role allowed; every
 * one answers its client exactly once (an ack or an error), through the
 * pending command's reply.
 */
#include "commands.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "ask.h"
#include "auth.h"
#include "config.h"
#include "hello.h"
#include "metrics.h"
#include "moderation.h"
#include "pending.h"
#include "rooms.h"
#include "session.h"
#include "similar.h"
#include "staff.h"
#include "store.h"
#include "util.h"
#include "votes.h"


static const struct config *cfg;

typedef void (*handler_fn)(struct session *s, const struct cmd *c);

static void cmd_moderate(struct session *s, const struct cmd *c);
static void cmd_ban(struct session *s, const struct cmd *c);
static void cmd_room(struct session *s, const struct cmd *c);
static void cmd_variants(struct session *s, const struct cmd *c);
static void cmd_rotate(struct session *s, const struct cmd *c);
static void cmd_page(struct session *s, const struct cmd *c);
static void cmd_prove(struct session *s, const struct cmd *c);
static void cmd_history(struct session *s, const struct cmd *c);

#define PAGES_PER_SECOND 20	/* page commands one session may send a second */

/* Which roles may send each command, and what a refused one is told. */
static const struct {
	unsigned roles;
	handler_fn run;
	const char *refused;
} commands[CMD_COUNT] = {
	[CMD_ASK] = { ROLE_BIT(ROLE_VIEWER) | ROLE_BIT(ROLE_OPERATOR), cmd_ask, "only viewers and operators ask" },
	[CMD_VOTE] = { ROLE_BIT(ROLE_VIEWER), cmd_vote, "only viewers ask and vote" },
	[CMD_UNVOTE] = { ROLE_BIT(ROLE_VIEWER), cmd_vote, "only viewers ask and vote" },
	[CMD_SIMILAR] = { ROLE_BIT(ROLE_VIEWER), cmd_similar, "only viewers ask and vote" },
	[CMD_MODERATE] = { ROLE_BIT(ROLE_MODERATOR) | ROLE_BIT(ROLE_PRESENTER), cmd_moderate,
	    "viewers cannot moderate" },
	[CMD_BAN] = { ROLE_BIT(ROLE_MODERATOR), cmd_ban, "only moderators may do this" },
	[CMD_ROOM] = { ROLE_BIT(ROLE_MODERATOR), cmd_room, "only moderators may do this" },
	[CMD_VARIANTS] = { ROLE_BIT(ROLE_MODERATOR), cmd_variants, "only moderators may do this" },
	[CMD_ROTATE] = { ROLE_BIT(ROLE_MODERATOR), cmd_rotate, "only moderators may do this" },
	[CMD_PAGE] = { ROLE_BIT(ROLE_VIEWER) | ROLE_BIT(ROLE_MODERATOR) | ROLE_BIT(ROLE_PRESENTER),
	    cmd_page, "" },
	[CMD_PROVE] = { ROLE_BIT(ROLE_VIEWER), cmd_prove, "only viewers prove their id" },
	[CMD_HISTORY] = { ROLE_BIT(ROLE_MODERATOR), cmd_history, "only moderators may do this" },
};

/* ---- the common reply: an ack from the script, sent as it is ---- */

/* Every script answered by on_command() puts its ack first. */
#define ACK_FIRST 1
_Static_assert(MODERATE_R_ACK == ACK_FIRST &&
    BAN_R_ACK == ACK_FIRST && ROOM_R_ACK == ACK_FIRST && PROVE_R_ACK == ACK_FIRST,
    "scripts answer their ack first");

static void
on_command(void *arg, redisReply *r)
{
	pending_ack(arg, r, ACK_FIRST);
}

static void
run(struct session *s, const struct cmd *c, enum script_id script, const char *const *args)
{
	pending_run(pending_new(s, c), script, args, on_command);
}

/* A moderation's ack goes out, then what follows it (moderation.h). */
static void
on_moderated(void *arg, redisReply *r)
{
	struct pending *p = arg;
	struct moderation *m = p->state;

	p->state = NULL;	/* kept past pending_done() */
	on_command(arg, r);
	moderation_after(m, r);
	moderation_free(m);
}

static void
on_departments(void *arg, redisReply *r)
{
	struct pending *p = arg;
	struct moderation *m = p->state;
	const char *args[MODERATE_NARGS];
	char rid[sizeof(p->rid)];
	struct session *s;

	memcpy(rid, p->rid, sizeof(rid));
	if (p->s->wsi == NULL || r == NULL || !store_reply_ok(r) || moderation_set_department(m, r) < 0) {
		if ((s = pending_done(p)) != NULL && pending_check(s, rid, r) == 0)
			session_error(s, rid, "bad_request", "no such department (GET /api/departments lists them)", 0);
		return;
	}
	moderation_args(m, args);
	pending_run(p, SCRIPT_MODERATE, args, on_moderated);
}

_Static_assert((int)DEPARTMENTS_NARGS <= (int)MODERATE_NARGS, "one array holds both scripts' arguments");

static void
cmd_moderate(struct session *s, const struct cmd *c)
{
	struct moderation *m = moderation_new(s->room_id, role_name(s->m.role), s->m.client,
	    s->m.actor, s->m.staff_name, "", c);
	const char *code, *message, *args[MODERATE_NARGS];
	struct pending *p;

	if (moderation_check(m, &code, &message) < 0) {
		session_error(s, c->rid, code, message, 0);
		moderation_free(m);
		return;
	}
	p = pending_new(s, c);
	p->state = m;
	p->free_state = moderation_free;
	if (moderation_needs_departments(m, args)) {
		pending_run_on(p, STAFF_ROOM, SCRIPT_DEPARTMENTS, args, on_departments);
		return;
	}
	moderation_args(m, args);
	pending_run(p, SCRIPT_MODERATE, args, on_moderated);
}

static void
cmd_ban(struct session *s, const struct cmd *c)
{
	char id[24] = "", hold[16];
	const char *args[BAN_NARGS] = {
		[BAN_CLIENT] = s->m.client, [BAN_RID] = c->rid, [BAN_ID] = id,
		[BAN_HANDLE] = c->author, [BAN_HOLD_S] = hold, [BAN_ACTOR] = s->m.actor,
		[BAN_ACTOR_NAME] = s->m.staff_name,
	};

	snprintf(hold, sizeof(hold), "%d", cfg->ban_hold_s > 0 ? cfg->ban_hold_s : 1);
	if (c->id > 0)
		snprintf(id, sizeof(id), "%lld", c->id);
	run(s, c, SCRIPT_BAN, args);
}

static void
cmd_room(struct session *s, const struct cmd *c)
{
	const char *args[ROOM_NARGS] = {
		[ROOM_CLIENT] = s->m.client, [ROOM_RID] = c->rid,
		[ROOM_OPEN] = c->open < 0 ? "" : c->open ? "1" : "0",
		[ROOM_TITLE] = c->title ? c->title : "",
		[ROOM_MODERATION] = c->moderation < 0 ? "" : c->moderation ? "1" : "0",
		[ROOM_ACTOR] = s->m.actor, [ROOM_ACTOR_NAME] = s->m.staff_name,
		[ROOM_ARCHIVED] = "", [ROOM_OPENS_AT] = "", [ROOM_RECORDING] = "", [ROOM_RECORDING_AT] = "",
	};

	run(s, c, SCRIPT_ROOM, args);
}

/* ---- variants: the question with a page of its variants, wrapped in an ack ---- */

static void
on_variants(void *arg, redisReply *r)
{
	struct pending *p = arg;
	char rid[sizeof(p->rid)];
	struct session *s;
	struct sbuf b = { 0 };
	const char *q;
	size_t len;

	memcpy(rid, p->rid, sizeof(rid));
	if ((s = pending_done(p)) == NULL || pending_check(s, rid, r) < 0)
		return;
	if ((q = store_reply_str(r, VARIANTS_R_QUESTION, &len)) == NULL) {
		session_error(s, rid, "internal_error", "malformed reply from Redis", 0);
		return;
	}
	sbuf_init(&b, len + 64);
	sbuf_adds(&b, "{\"type\":\"ack\",\"rid\":");
	sbuf_json_strz(&b, rid);
	sbuf_adds(&b, ",\"q\":");
	sbuf_add(&b, q, len);
	sbuf_addc(&b, '}');
	metrics.acks++;
	session_send_json(s, b.data, b.len);
	sbuf_free(&b);
}

static void
cmd_variants(struct session *s, const struct cmd *c)
{
	char id[24], offset[24], limit[16];
	const char *args[VARIANTS_NARGS] = {
		[VARIANTS_ID] = id, [VARIANTS_OFFSET] = offset, [VARIANTS_LIMIT] = limit,
	};

	snprintf(id, sizeof(id), "%lld", c->id);
	snprintf(offset, sizeof(offset), "%lld", c->offset);
	snprintf(limit, sizeof(limit), "%lld", c->limit);
	pending_run(pending_new(s, c), SCRIPT_VARIANTS, args, on_variants);
}

/* ---- history: a question's audit entries, wrapped in an ack ---- */

static void
on_history(void *arg, redisReply *r)
{
	struct pending *p = arg;
	char rid[sizeof(p->rid)];
	const redisReply *e = store_reply_array(r, HISTORY_R_ENTRIES);
	struct session *s;
	struct sbuf b = { 0 };
	size_t i;

	memcpy(rid, p->rid, sizeof(rid));
	if ((s = pending_done(p)) == NULL || pending_check(s, rid, r) < 0)
		return;
	sbuf_init(&b, 256);
	sbuf_adds(&b, "{\"type\":\"ack\",\"rid\":");
	sbuf_json_strz(&b, rid);
	sbuf_adds(&b, ",\"entries\":[");
	for (i = 0; e && i < e->elements; i++) {
		sbuf_adds(&b, i ? "," : "");
		sbuf_add(&b, e->element[i]->str, e->element[i]->len);
	}
	sbuf_adds(&b, "]}");
	metrics.acks++;
	session_send_json(s, b.data, b.len);
	sbuf_free(&b);
}

static void
cmd_history(struct session *s, const struct cmd *c)
{
	char id[24];
	const char *args[HISTORY_NARGS] = { [HISTORY_ID] = id };

	snprintf(id, sizeof(id), "%lld", c->id);
	pending_run(pending_new(s, c), SCRIPT_HISTORY, args, on_history);
}

/* ---- rotate_keys: new keys, in clear only in the first ack ---- */

struct rotate {
	char mod[AUTH_KEY_LEN + 1], pres[AUTH_KEY_LEN + 1];
};

static void
rotate_free(void *arg)
{
	OPENSSL_cleanse(arg, sizeof(struct rotate));
	free(arg);
}

static void
on_rotated(void *arg, redisReply *r)
{
	struct pending *p = arg;
	struct rotate *k = p->state;
	char rid[sizeof(p->rid)];
	struct session *s = p->s;
	struct sbuf b = { 0 };
	const char *ack;
	size_t len;

	memcpy(rid, p->rid, sizeof(rid));
	if (s->wsi == NULL || pending_check(s, rid, r) < 0 ||
	    (ack = store_reply_str(r, ROTATE_R_ACK, &len)) == NULL) {
		pending_done(p);
		return;
	}
	sbuf_init(&b, len + 128);
	sbuf_add(&b, ack, len - 1);	/* without its closing brace */
	/* The keys, in clear, only in this first answer (a replay has none). */
	if (store_reply_int(r, ROTATE_R_MODVER) > 0) {
		if (k->mod[0]) {
			sbuf_adds(&b, ",\"moderator_key\":");
			sbuf_json_strz(&b, k->mod);
			if (s->m.keykind == KEY_MODERATOR)
				s->m.keyver = store_reply_int(r, ROTATE_R_MODVER);
		}
		if (k->pres[0]) {
			sbuf_adds(&b, ",\"presenter_key\":");
			sbuf_json_strz(&b, k->pres);
		}
	}
	sbuf_addc(&b, '}');
	metrics.acks++;
	session_send_json(s, b.data, b.len);
	OPENSSL_cleanse(b.data, b.len);
	sbuf_free(&b);
	pending_done(p);
}

static void
cmd_rotate(struct session *s, const struct cmd *c)
{
	struct pending *p = pending_new(s, c);
	struct rotate *k = xcalloc(1, sizeof(*k));
	char modhash[AUTH_HASH_LEN + 1] = "", preshash[AUTH_HASH_LEN + 1] = "";
	const char *args[ROTATE_NARGS] = {
		[ROTATE_CLIENT] = s->m.client, [ROTATE_RID] = c->rid,
		[ROTATE_WHICH] = c->rotate_mod && c->rotate_pres ? "both" :
		    c->rotate_mod ? "moderator" : "presenter",
		[ROTATE_MODHASH] = modhash, [ROTATE_PRESHASH] = preshash, [ROTATE_ACTOR] = s->m.actor,
		[ROTATE_ACTOR_NAME] = s->m.staff_name,
	};

	p->state = k;
	p->free_state = rotate_free;
	if ((c->rotate_mod && auth_new_key(k->mod) < 0) || (c->rotate_pres && auth_new_key(k->pres) < 0)) {
		pending_done(p);
		session_error(s, c->rid, "internal_error", "no randomness available", 0);
		return;
	}
	if (k->mod[0])
		auth_hash(k->mod, strlen(k->mod), modhash);
	if (k->pres[0])
		auth_hash(k->pres, strlen(k->pres), preshash);
	pending_run(p, SCRIPT_ROTATE, args, on_rotated);
}

/* ---- page: more questions, from the room's copy (no Redis) ---- */

static void
cmd_page(struct session *s, const struct cmd *c)
{
	uint64_t second = now_ms() / 1000;
	struct sbuf b = { 0 };

	if (second != s->page_second) {
		s->page_second = second;
		s->pages = 0;
	}
	if (++s->pages > PAGES_PER_SECOND) {
		session_error(s, c->rid, "rate_limited", "too many pages, wait a little", 1000);
		return;
	}
	sbuf_init(&b, 16384);
	sbuf_adds(&b, "{\"type\":\"ack\",\"rid\":");
	sbuf_json_strz(&b, c->rid);
	sbuf_printf(&b, ",\"sort\":\"%s\",\"offset\":%lld,", c->sort_new ? "new" : "top", c->offset);
	if (rooms_page(&s->m, c->sort_new, (size_t)c->offset, (size_t)c->limit, &b) < 0) {
		sbuf_free(&b);
		session_error(s, c->rid, "unavailable", "the room is not loaded yet; try again", 500);
		return;
	}
	sbuf_addc(&b, '}');
	metrics.acks++;
	session_send_json(s, b.data, b.len);
	sbuf_free(&b);
}

/* ---- prove: a held new id shows the work --id-cost asks for ---- */

/* Leading zero bits of SHA-256(room ":" client ":" nonce). */
static int
work_bits(const char *room, const char *client, const char *nonce)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char buf[3 * PROTO_ID_LEN + 8];
	int bits = 0, i, b;

	snprintf(buf, sizeof(buf), "%s:%s:%s", room, client, nonce);
	SHA256((const unsigned char *)buf, strlen(buf), md);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		if (md[i] == 0) {
			bits += 8;
			continue;
		}
		for (b = 7; b >= 0 && !(md[i] & (1 << b)); b--)
			bits++;
		break;
	}
	return bits;
}

static void
cmd_prove(struct session *s, const struct cmd *c)
{
	const char *args[PROVE_NARGS] = { [PROVE_CLIENT] = s->m.client, [PROVE_RID] = c->rid };

	if (cfg->id_cost == 0 || !s->challenge) {
		session_error(s, c->rid, "bad_request", "nothing to prove", 0);
		return;
	}
	if (work_bits(s->room_id, s->m.client, c->nonce) < cfg->id_cost) {
		session_error(s, c->rid, "bad_request", "the nonce does not show the work asked for", 0);
		return;
	}
	s->challenge = 0;
	run(s, c, SCRIPT_PROVE, args);
}

/* ---- dispatch ---- */

static void
dispatch(struct session *s, struct cmd *c)
{
	if (c->type == CMD_HELLO) {
		if (s->state != SS_NEW)
			session_error(s, NULL, "bad_request", "hello was already sent", 0);
		else
			cmd_hello(s, c);
		return;
	}
	if (s->state != SS_LIVE) {
		session_error(s, c->rid, "bad_request",
		    s->state == SS_NEW ? "send hello first" : "wait for the welcome", 0);
		return;
	}
	if (!(commands[c->type].roles & ROLE_BIT(s->m.role))) {
		session_error(s, c->rid, "not_allowed", commands[c->type].refused, 0);
		return;
	}
	commands[c->type].run(s, c);
}

void
commands_frame(struct session *s, const char *data, size_t len)
{
	struct proto_error e;
	struct cmd c;

	if (proto_parse(data, len, &c, &e) < 0) {
		session_error(s, e.has_rid ? e.rid : NULL, e.code, e.message, 0);
		/* A hello that cannot be accepted ends the connection. */
		if (s->state == SS_NEW && e.hello)
			session_close(s, 1008, "hello refused");
		return;
	}
	dispatch(s, &c);
	proto_cmd_free(&c);
}

void
commands_init(uv_loop_t *loop, const struct config *c)
{
	cfg = c;
	ask_init(loop, c);
	similar_init(c);
	votes_init(loop, c);
	hello_init(loop, c);
}

void
commands_shutdown(void)
{
	hello_shutdown();
	ask_shutdown();
	votes_shutdown();
}
