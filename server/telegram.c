/*
 * telegram: see telegram.h.
 */
#include "telegram.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ask.h"
#include "config.h"
#include "httpio.h"
#include "log.h"
#include "proto.h"
#include "store.h"
#include "util.h"
#include "webclient.h"

#define TG_PREFIX "@tg"		/* the poller's state (tg.lua); no room id can be it */
#define LEASE_MS "10000"	/* the lease, renewed every second by its holder */
#define POLL_S 25		/* getUpdates' long poll */
#define OUTBOX_MAX "20"		/* outbox items taken per room and second */

static struct {
	const struct config *cfg;
	uv_timer_t tick;
	int up;
	char base[1024];	/* the API's URL with /botTOKEN */
	char bot[128];		/* the bot's username (getMe), or "" */
	char token[24];		/* the lease's fencing token, "0" when another hub polls */
	long long offset;	/* where getUpdates goes on */
	int leasing, polling, draining, asking_me;
	uint64_t not_before;	/* no poll before this (ms): a 429's retry_after, a backoff */
	int backoff_s;
	json_t *batch;		/* the updates being turned into asks, one after another */
	size_t next;
} T;

/* ---- what the bot says, in Russian or Kazakh ---- */

enum say { SAY_HELLO, SAY_NO_ROOM, SAY_ANON, SAY_TAKEN, SAY_LIMITED, SAY_CLOSED, SAY_FAILED,
	SAY_APPROVED, SAY_ON_AIR, SAY_ANSWERED, SAY_WRITTEN };

static const char *const says[][2] = {
	[SAY_HELLO] = { "Здравствуйте! Это вопросы в эфир «{1}». Напишите свой вопрос одним сообщением; "
	    "/anon — спросить без имени.", "Сәлеметсіз бе! Бұл «{1}» эфиріне сұрақтар. Сұрағыңызды бір "
	    "хабарламамен жазыңыз; /anon — атыңызсыз сұрау." },
	[SAY_NO_ROOM] = { "Чтобы задать вопрос, откройте ссылку эфира.",
	    "Сұрақ қою үшін эфир сілтемесін ашыңыз." },
	[SAY_ANON] = { "Хорошо: ваше имя не будет показано.", "Жарайды: атыңыз көрсетілмейді." },
	[SAY_TAKEN] = { "Вопрос принят. Код: {1}. Статус и ответ: {2}",
	    "Сұрақ қабылданды. Коды: {1}. Мәртебесі мен жауабы: {2}" },
	[SAY_LIMITED] = { "Слишком много вопросов подряд: подождите минуту.",
	    "Сұрақтар тым көп: бір минут күтіңіз." },
	[SAY_CLOSED] = { "Приём вопросов в этом эфире закрыт.", "Бұл эфирде сұрақ қабылдау жабық." },
	[SAY_FAILED] = { "Вопрос не принят: {1}", "Сұрақ қабылданбады: {1}" },
	[SAY_APPROVED] = { "Ваш вопрос одобрен и виден всем: «{1}»", "Сұрағыңыз мақұлданды: «{1}»" },
	[SAY_ON_AIR] = { "Ваш вопрос сейчас в эфире: «{1}»", "Сұрағыңыз қазір эфирде: «{1}»" },
	[SAY_ANSWERED] = { "На ваш вопрос ответили в эфире: «{1}»",
	    "Сұрағыңызға эфирде жауап берілді: «{1}»" },
	[SAY_WRITTEN] = { "Письменный ответ на ваш вопрос «{1}» ({2}):\n\n{3}",
	    "«{1}» сұрағыңызға жазбаша жауап ({2}):\n\n{3}" },
};

static const char *
say(enum say s, const char *lang)
{
	return says[s][strcmp(lang, "kk") == 0];
}

/* A message: template t with {1}, {2}, {3} replaced by a, b, c. */
static void
fill(char *out, size_t cap, const char *t, const char *a, const char *b, const char *c)
{
	struct sbuf o = { 0 };
	const char *v[3] = { a ? a : "", b ? b : "", c ? c : "" };

	sbuf_init(&o, 256);
	for (; *t; t++) {
		if (t[0] == '{' && t[1] >= '1' && t[1] <= '3' && t[2] == '}') {
			sbuf_adds(&o, v[t[1] - '1']);
			t += 2;
		} else {
			sbuf_addc(&o, *t);
		}
	}
	snprintf(out, cap, "%s", o.data ? o.data : "");
	sbuf_free(&o);
}

static void
url_of(char *out, size_t cap, const char *method)
{
	snprintf(out, cap, "%s/%s", T.base, method);
}

/* A reply nobody waits for. */
static void
ignore(void *arg, redisReply *r)
{
	(void)arg;
	(void)r;
}

/* ---- sending ---- */

struct sent {
	char room[PROTO_ID_LEN + 1];
	char item[24];		/* an outbox item to mark done once sent, or "" */
};

static void
on_sent(void *arg, int ok, long status, const char *body, size_t len, const char *error)
{
	struct sent *s = arg;

	(void)body;
	(void)len;
	if (ok && status == 200 && s && s->item[0]) {
		const char *args[TG_ROOM_NARGS] = {
			[TG_ROOM_OP] = "done", [TG_ROOM_ID] = s->item, [TG_ROOM_CHAT] = "",
			[TG_ROOM_LANG] = "", [TG_ROOM_MAX] = "0",
		};

		store_run(SCRIPT_TG_ROOM, s->room, args, ignore, NULL, NULL);
	} else if (!ok || status != 200) {
		if (ok)
			log_warn("telegram: sendMessage answered HTTP %ld", status);
		else
			log_warn("telegram: sendMessage failed: %s", error);
	}
	free(s);
}

/* sendMessage; item (an outbox item of room) is marked done once Telegram has it. */
static void
send_text(const char *chat, const char *text, const char *room, const char *item)
{
	json_t *o = json_pack("{s:s,s:s}", "chat_id", chat, "text", text);
	char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	char url[1100];
	struct sent *s = NULL;

	json_decref(o);
	if (body == NULL)
		return;
	if (item) {
		s = xcalloc(1, sizeof(*s));
		snprintf(s->room, sizeof(s->room), "%s", room);
		snprintf(s->item, sizeof(s->item), "%s", item);
	}
	url_of(url, sizeof(url), "sendMessage");
	if (webclient_request(url, body, 20, on_sent, s) < 0)
		free(s);
	free(body);
}

/* ---- the lease and the offset ---- */

static void poll_updates(void);
static void next_update(void);

static void
tg_run(const char *op, const char *chat, const char *room, const char *lang, const char *offset,
    store_reply_fn fn, void *arg)
{
	const char *args[TG_NARGS] = {
		[TG_OP] = op, [TG_HUB] = store_hub_id(), [TG_TTL] = LEASE_MS, [TG_TOKEN] = T.token,
		[TG_OFFSET] = offset ? offset : "0", [TG_CHAT] = chat ? chat : "", [TG_ROOM] = room ? room : "",
		[TG_LANG] = lang ? lang : "",
	};

	if (store_run(SCRIPT_TG, TG_PREFIX, args, fn ? fn : ignore, arg, NULL) != STORE_SENT && fn)
		fn(arg, NULL);
}

static void
on_lease(void *arg, redisReply *r)
{
	long long token;

	(void)arg;
	T.leasing = 0;
	if (r == NULL || !store_reply_ok(r))
		return;
	token = store_reply_int(r, TG_R_TOKEN);
	if (token > 0 && strcmp(T.token, "0") == 0)
		log_info("telegram: this hub polls the bot now (lease token %lld)", token);
	snprintf(T.token, sizeof(T.token), "%lld", token);
	if (!T.polling)
		T.offset = store_reply_int(r, TG_R_OFFSET);
	poll_updates();
}

static void
end_batch(void)
{
	json_decref(T.batch);
	T.batch = NULL;
	T.polling = 0;
}

static void
on_commit(void *arg, redisReply *r)
{
	(void)arg;
	if (r && store_reply_ok(r)) {
		T.offset = store_reply_int(r, TG_R_OFFSET);
		end_batch();
		poll_updates();
		return;
	}
	/* Fenced (another hub polls now) or Redis away: the next holder asks again, as replays. */
	log_warn("telegram: the offset could not move on (%s)", r ? "fenced" : "Redis away");
	snprintf(T.token, sizeof(T.token), "0");
	end_batch();
}

static void
backoff(const char *why)
{
	T.backoff_s = T.backoff_s ? (T.backoff_s * 2 > 60 ? 60 : T.backoff_s * 2) : 1;
	T.not_before = now_ms() + (uint64_t)T.backoff_s * 1000;
	log_warn("telegram: %s; polling again in %d s", why, T.backoff_s);
}

/* ---- one update at a time ---- */

struct tgask {
	char chat[32], lang[4], room[PROTO_ID_LEN + 1];
};

static int
tg_alive(void *ctx)
{
	(void)ctx;
	return T.up;
}

static void
tg_ack(void *ctx, const char *rid, const char *ack, size_t len, long long id, int dup)
{
	struct tgask *a = ctx;
	json_t *o = json_loadb(ack, len, 0, NULL);
	const char *code = json_string_value(json_object_get(o, "receipt"));
	char spaced[32] = "", link[600], text[1024], qid[24];

	(void)rid;
	(void)dup;
	if (code && strlen(code) == 12)
		snprintf(spaced, sizeof(spaced), "%.4s-%.4s-%.4s", code, code + 4, code + 8);
	if (T.cfg->public_url && code)
		snprintf(link, sizeof(link), "%s/q/%s", T.cfg->public_url, code);
	else
		snprintf(link, sizeof(link), "/q/%s", code ? code : "");
	fill(text, sizeof(text), say(SAY_TAKEN, a->lang), spaced, link, NULL);
	send_text(a->chat, text, NULL, NULL);
	json_decref(o);
	/* The chat follows its question, and the room's outbox is drained. */
	if (id > 0) {
		const char *args[TG_ROOM_NARGS] = {
			[TG_ROOM_OP] = "follow", [TG_ROOM_ID] = qid, [TG_ROOM_CHAT] = a->chat,
			[TG_ROOM_LANG] = a->lang, [TG_ROOM_MAX] = "0",
		};

		snprintf(qid, sizeof(qid), "%lld", id);
		store_run(SCRIPT_TG_ROOM, a->room, args, ignore, NULL, NULL);
		tg_run("room_add", "", a->room, "", NULL, NULL, NULL);
	}
	free(a);
	next_update();
}

static void
tg_error(void *ctx, const char *rid, redisReply *r, const char *code, const char *message)
{
	struct tgask *a = ctx;
	char text[512];
	long long retry;

	(void)rid;
	if (r)
		code = store_reply_err(r, &message, &retry);
	if (strcmp(code, "unavailable") == 0 || strcmp(code, "internal_error") == 0) {
		/* Redis away: the batch stops here, the offset stays, the update is asked again. */
		log_warn("telegram: an ask could not be stored (%s); the batch waits", code);
		free(a);
		end_batch();
		backoff("Redis is away");
		return;
	}
	if (strcmp(code, "rate_limited") == 0)
		snprintf(text, sizeof(text), "%s", say(SAY_LIMITED, a->lang));
	else if (strcmp(code, "room_closed") == 0)
		snprintf(text, sizeof(text), "%s", say(SAY_CLOSED, a->lang));
	else
		fill(text, sizeof(text), say(SAY_FAILED, a->lang), message ? message : code, NULL, NULL);
	send_text(a->chat, text, NULL, NULL);
	free(a);
	next_update();
}

static const struct ask_sink tg_sink = { tg_alive, tg_ack, tg_error };

/* An update being handled, across the chat's look-up. */
struct update {
	long long id;
	char chat[32], user[32], lang[4], *text, *name;
};

static void
update_free(struct update *u)
{
	free(u->text);
	free(u->name);
	free(u);
}

static void
on_chat(void *arg, redisReply *r)
{
	struct update *u = arg;
	const char *room = r && store_reply_ok(r) ? store_reply_str(r, TG_R_ROOM, NULL) : NULL;
	const char *anon = r && store_reply_ok(r) ? store_reply_str(r, TG_R_ANON, NULL) : NULL;
	char rid[32], client[48];
	struct ask_request q;
	struct tgask *a;

	if (r == NULL || !store_reply_ok(r)) {
		update_free(u);
		end_batch();
		backoff("Redis is away");
		return;
	}
	if (room == NULL || room[0] == '\0') {
		send_text(u->chat, say(SAY_NO_ROOM, u->lang), NULL, NULL);
		update_free(u);
		next_update();
		return;
	}
	a = xcalloc(1, sizeof(*a));
	snprintf(a->chat, sizeof(a->chat), "%s", u->chat);
	snprintf(a->lang, sizeof(a->lang), "%s", u->lang);
	snprintf(a->room, sizeof(a->room), "%s", room);
	snprintf(rid, sizeof(rid), "tg-%lld", u->id);
	snprintf(client, sizeof(client), "tg-%s", u->user);
	memset(&q, 0, sizeof(q));
	q.room = a->room;
	q.rid = rid;
	q.client = client;
	q.text = u->text;
	q.name = anon && anon[0] == '1' ? "" : u->name;
	q.source = "telegram";
	if (ask_submit(&q, &tg_sink, a) < 0) {
		free(a);
		end_batch();
		backoff("no receipt could be made");
	}
	update_free(u);
}

static void
on_chat_set(void *arg, redisReply *r)
{
	struct update *u = arg;
	char text[512];

	if (r && store_reply_ok(r)) {
		fill(text, sizeof(text), say(SAY_HELLO, u->lang), store_reply_str(r, TG_R_ROOM, NULL), NULL, NULL);
		send_text(u->chat, text, NULL, NULL);
	}
	update_free(u);
	next_update();
}

static void
on_anon(void *arg, redisReply *r)
{
	struct update *u = arg;

	if (r && store_reply_ok(r))
		send_text(u->chat, say(SAY_ANON, u->lang), NULL, NULL);
	update_free(u);
	next_update();
}

/* A JSON integer or string as text. */
static void
id_text(json_t *v, char *out, size_t cap)
{
	if (json_is_integer(v))
		snprintf(out, cap, "%lld", (long long)json_integer_value(v));
	else
		snprintf(out, cap, "%s", json_string_value(v) ? json_string_value(v) : "");
}

/* The next update of the batch; after the last, the offset moves on. */
static void
next_update(void)
{
	json_t *up, *m, *from;
	struct update *u;
	const char *text, *lc;
	char offset[24];

	if (T.batch == NULL)
		return;
	if (T.next >= json_array_size(T.batch)) {
		snprintf(offset, sizeof(offset), "%lld", T.offset);
		tg_run("commit", "", "", "", offset, on_commit, NULL);
		return;
	}
	up = json_array_get(T.batch, T.next++);
	T.offset = json_integer_value(json_object_get(up, "update_id")) + 1;
	m = json_object_get(up, "message");
	text = json_string_value(json_object_get(m, "text"));
	if (m == NULL || text == NULL) {
		next_update();	/* not a text message: nothing to ask */
		return;
	}
	from = json_object_get(m, "from");
	u = xcalloc(1, sizeof(*u));
	u->id = T.offset - 1;
	id_text(json_object_get(json_object_get(m, "chat"), "id"), u->chat, sizeof(u->chat));
	id_text(json_object_get(from, "id"), u->user, sizeof(u->user));
	lc = json_string_value(json_object_get(from, "language_code"));
	snprintf(u->lang, sizeof(u->lang), "%s", lc && strncmp(lc, "kk", 2) == 0 ? "kk" : "ru");
	u->text = xstrdup(text);
	u->name = xstrdup(json_string_value(json_object_get(from, "first_name")) ?
	    json_string_value(json_object_get(from, "first_name")) : "");
	if (strncmp(text, "/start", 6) == 0) {
		char room[PROTO_ID_LEN + 1] = "";
		const char *p = text + 6;

		while (*p == ' ')
			p++;
		snprintf(room, sizeof(room), "%s", p);
		if (!proto_valid_room_id(room, strlen(room))) {
			send_text(u->chat, say(SAY_NO_ROOM, u->lang), NULL, NULL);
			update_free(u);
			next_update();
			return;
		}
		tg_run("chat_set", u->chat, room, u->lang, NULL, on_chat_set, u);
	} else if (strncmp(text, "/anon", 5) == 0) {
		tg_run("anon", u->chat, "", "", NULL, on_anon, u);
	} else {
		tg_run("chat", u->chat, "", "", NULL, on_chat, u);
	}
}

/* ---- polling ---- */

static void
on_updates(void *arg, int ok, long status, const char *body, size_t len, const char *error)
{
	json_t *o, *result;
	char why[160];

	(void)arg;
	if (!ok) {
		T.polling = 0;
		snprintf(why, sizeof(why), "getUpdates failed: %s", error);
		backoff(why);
		return;
	}
	o = json_loadb(body, len, 0, NULL);
	if (status == 429) {
		long long retry = json_integer_value(json_object_get(json_object_get(o, "parameters"),
		    "retry_after"));

		T.not_before = now_ms() + (uint64_t)(retry > 0 ? retry : 5) * 1000;
		log_warn("telegram: 429, waiting %lld s as told", retry > 0 ? retry : 5);
		json_decref(o);
		T.polling = 0;
		return;
	}
	if (status == 409) {
		/* Another getUpdates or a webhook on this bot: give the lease up and wait. */
		log_error("telegram: 409 conflict (another poller or a webhook on this bot): %s",
		    json_string_value(json_object_get(o, "description")) ?: "");
		json_decref(o);
		T.polling = 0;
		T.not_before = now_ms() + 30000;
		tg_run("release", "", "", "", NULL, NULL, NULL);
		snprintf(T.token, sizeof(T.token), "0");
		return;
	}
	result = json_object_get(o, "result");
	if (status != 200 || !json_is_true(json_object_get(o, "ok")) || !json_is_array(result)) {
		json_decref(o);
		T.polling = 0;
		snprintf(why, sizeof(why), "getUpdates answered HTTP %ld", status);
		backoff(why);
		return;
	}
	T.backoff_s = 0;
	if (json_array_size(result) == 0) {
		json_decref(o);
		T.polling = 0;
		poll_updates();
		return;
	}
	T.batch = json_incref(result);
	T.next = 0;
	json_decref(o);
	next_update();
}

static void
poll_updates(void)
{
	char url[1200];

	if (!T.up || T.polling || strcmp(T.token, "0") == 0 || now_ms() < T.not_before)
		return;
	snprintf(url, sizeof(url), "%s/getUpdates?timeout=%d&offset=%lld&allowed_updates=%%5B%%22message%%22%%5D",
	    T.base, POLL_S, T.offset);
	T.polling = 1;
	if (webclient_request(url, NULL, POLL_S + 10, on_updates, NULL) < 0) {
		T.polling = 0;
		backoff("getUpdates could not start");
	}
}

/* ---- the outboxes ---- */

static void
on_outbox(void *arg, redisReply *r)
{
	char *room = arg;
	const redisReply *items = r && store_reply_ok(r) ? store_reply_array(r, TG_ROOM_R_ITEMS) : NULL;
	size_t i;

	T.draining--;
	for (i = 0; items && i < items->elements; i++) {
		const char *s = items->element[i]->str, *tab = s ? strchr(s, '\t') : NULL;
		json_t *o = tab ? json_loads(tab + 1, 0, NULL) : NULL;
		const char *event = json_string_value(json_object_get(o, "event"));
		const char *lang = json_string_value(json_object_get(o, "lang"));
		const char *qtext = json_string_value(json_object_get(o, "text"));
		json_t *ans = json_object_get(o, "answer");
		char item[24], text[8192];

		if (o == NULL || event == NULL) {
			json_decref(o);
			continue;
		}
		lang = lang ? lang : "ru";
		qtext = qtext ? qtext : "";
		snprintf(item, sizeof(item), "%.*s", (int)(tab - s), s);
		if (strcmp(event, "written") == 0)
			fill(text, sizeof(text), say(SAY_WRITTEN, lang), qtext,
			    json_string_value(json_object_get(ans, "by")),
			    json_string_value(json_object_get(ans, "text")));
		else
			fill(text, sizeof(text), say(strcmp(event, "approved") == 0 ? SAY_APPROVED :
			    strcmp(event, "on_air") == 0 ? SAY_ON_AIR : SAY_ANSWERED, lang), qtext, NULL, NULL);
		send_text(json_string_value(json_object_get(o, "chat")), text, room, item);
		json_decref(o);
	}
	free(room);
}

static void
on_rooms(void *arg, redisReply *r)
{
	const char *list = r && store_reply_ok(r) ? store_reply_str(r, TG_R_ROOM, NULL) : NULL;
	char *copy, *room, *save = NULL;

	(void)arg;
	T.draining--;
	if (list == NULL || list[0] == '\0')
		return;
	copy = xstrdup(list);
	for (room = strtok_r(copy, ",", &save); room; room = strtok_r(NULL, ",", &save)) {
		const char *args[TG_ROOM_NARGS] = {
			[TG_ROOM_OP] = "take", [TG_ROOM_ID] = "", [TG_ROOM_CHAT] = "", [TG_ROOM_LANG] = "",
			[TG_ROOM_MAX] = OUTBOX_MAX,
		};
		char *arg2 = xstrdup(room);

		T.draining++;
		if (store_run(SCRIPT_TG_ROOM, room, args, on_outbox, arg2, NULL) != STORE_SENT) {
			T.draining--;
			free(arg2);
		}
	}
	free(copy);
}

/* ---- getMe, the tick ---- */

static void
on_me(void *arg, int ok, long status, const char *body, size_t len, const char *error)
{
	json_t *o;
	const char *name;

	(void)arg;
	(void)error;
	T.asking_me = 0;
	if (!ok || status != 200 || (o = json_loadb(body, len, 0, NULL)) == NULL)
		return;
	name = json_string_value(json_object_get(json_object_get(o, "result"), "username"));
	if (name && !T.bot[0]) {
		snprintf(T.bot, sizeof(T.bot), "%s", name);
		log_info("telegram: the bot is @%s", T.bot);
	}
	json_decref(o);
}

static void
on_tick(uv_timer_t *t)
{
	char url[1100];

	(void)t;
	if (!store_ready())
		return;
	if (!T.bot[0] && !T.asking_me) {
		url_of(url, sizeof(url), "getMe");
		T.asking_me = webclient_request(url, NULL, 10, on_me, NULL) == 0;
	}
	if (!T.leasing) {
		T.leasing = 1;
		tg_run("lease", "", "", "", NULL, on_lease, NULL);
	}
	if (strcmp(T.token, "0") != 0 && T.draining == 0) {
		T.draining = 1;
		tg_run("rooms", "", "", "", NULL, on_rooms, NULL);
	}
}

int
telegram_init(uv_loop_t *loop, const struct config *cfg)
{
	char agent[64];

	T.cfg = cfg;
	snprintf(T.token, sizeof(T.token), "0");
	if (cfg->telegram_token == NULL || cfg->telegram_token[0] == '\0')
		return 0;
	snprintf(agent, sizeof(agent), "surak/%s", store_hub_id());
	if (webclient_init(loop, agent) < 0)
		return -1;
	snprintf(T.base, sizeof(T.base), "%s/bot%s", cfg->telegram_api, cfg->telegram_token);
	uv_timer_init(loop, &T.tick);
	uv_timer_start(&T.tick, on_tick, 200, 1000);
	T.up = 1;
	log_info("telegram: bot enabled, Bot API at %s", cfg->telegram_api);
	return 0;
}

void
telegram_shutdown(void)
{
	if (!T.up)
		return;
	T.up = 0;
	uv_timer_stop(&T.tick);
	uv_close((uv_handle_t *)&T.tick, NULL);
	/* The lease goes now, so that another hub takes over at once. */
	tg_run("release", "", "", "", NULL, NULL, NULL);
	webclient_shutdown();
	json_decref(T.batch);
	T.batch = NULL;
}

void
telegram_info(struct lws *wsi, struct http_conn *hc)
{
	if (T.bot[0])
		respond_json(wsi, hc, 200, "{\"bot\":\"%s\"}", T.bot);
	else
		respond_json(wsi, hc, 200, "{\"bot\":null}");
}
