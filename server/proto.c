/*
 * proto: decoding and encoding of qa.v1 frames. Every check the contract
 * asks for happens here, before anything reaches Redis: types, lengths,
 * identifiers, and the cleaning of user text (text_clean()). A field the
 * contract does not know is ignored, as JSON APIs usually do.
 */
#include "proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "util.h"

static const char *const action_names[ACT_COUNT] = {
	[ACT_APPROVE] = "approve", [ACT_REJECT] = "reject", [ACT_ANSWER] = "answer",
	[ACT_REOPEN] = "reopen", [ACT_FEATURE] = "feature", [ACT_UNFEATURE] = "unfeature",
	[ACT_EDIT] = "edit", [ACT_MERGE] = "merge", [ACT_SPLIT] = "split",
	[ACT_RELEASE_VOTES] = "release_votes", [ACT_DISCARD_VOTES] = "discard_votes",
	[ACT_DISMISS] = "dismiss", [ACT_ASSIGN] = "assign", [ACT_REPLY] = "reply",
	[ACT_TAG] = "tag",
};
static const char *const type_names[CMD_COUNT] = {
	[CMD_HELLO] = "hello", [CMD_ASK] = "ask", [CMD_VOTE] = "vote", [CMD_UNVOTE] = "unvote",
	[CMD_MODERATE] = "moderate", [CMD_BAN] = "ban", [CMD_ROOM] = "room",
	[CMD_SIMILAR] = "similar", [CMD_VARIANTS] = "variants", [CMD_ROTATE] = "rotate_keys",
	[CMD_PAGE] = "page", [CMD_PROVE] = "prove", [CMD_HISTORY] = "history",
};

/* JSON integers beyond 2^53 cannot round-trip through a browser. */
#define MAX_SAFE_INT 9007199254740991LL

const char *
proto_action_name(enum action a)
{
	return action_names[a];
}

int
proto_valid_room_id(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > PROTO_ID_LEN)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0)))
			return 0;
	}
	return 1;
}

int
proto_valid_tag_id(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > PROTO_DEPT_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

int
proto_valid_date(const char *s, size_t n)
{
	static const int days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;
	size_t i;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < n; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return 0;
	return !(m == 2 && d == 29 && y % 4 != 0);
}

int
proto_valid_token(const char *s, size_t n, size_t min, size_t max)
{
	size_t i;

	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int
proto_status_public(const char *status)
{
	return status && (strcmp(status, "approved") == 0 || strcmp(status, "answered") == 0);
}

static int
fail(struct proto_error *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct proto_error *e, const char *code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	/*
	 * The message goes back in a text frame, which must be UTF-8: jansson
	 * quotes the bytes near a syntax error, and either it or the cut at
	 * sizeof(message) can split a character.
	 */
	text_utf8_repair(e->message, strlen(e->message));
	return -1;
}

/* A string field: 0 if present and valid, 1 if absent (or null when nullable), -1 on error. */
static int
get_str(json_t *o, const char *field, int nullable, const char **out, size_t *len,
    struct proto_error *e)
{
	json_t *v = json_object_get(o, field);

	if (v == NULL || (nullable && json_is_null(v)))
		return 1;
	if (!json_is_string(v))
		return fail(e, "bad_request", "'%s' must be a string", field);
	*out = json_string_value(v);
	*len = json_string_length(v);
	return 0;
}

static int
get_int(json_t *o, const char *field, long long min, long long *out, struct proto_error *e)
{
	json_t *v = json_object_get(o, field);

	if (v == NULL)
		return fail(e, "bad_request", "'%s' is required", field);
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > MAX_SAFE_INT)
		return fail(e, "bad_request", "'%s' must be a non-negative integer id", field);
	*out = json_integer_value(v);
	return 0;
}

static int
get_bool(json_t *o, const char *field, int *out, struct proto_error *e)
{
	json_t *v = json_object_get(o, field);

	*out = -1;
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return fail(e, "bad_request", "'%s' must be true or false", field);
	*out = json_is_true(v);
	return 0;
}

/*
 * Cleans user text into *out. Returns 0, or -1 with `empty` or `too_long`
 * (or bad_request for a missing required field).
 */
/*
 * An ask's "phone" (an operator's caller): digits with spaces, dashes,
 * dots and brackets between them and an optional leading +, kept as the
 * digits (and the +); 5 to PROTO_PHONE_LEN of them.
 */
static int
get_phone(json_t *o, struct cmd *c, struct proto_error *e)
{
	const char *s;
	size_t n, i, k = 0;
	int r = get_str(o, "phone", 1, &s, &n, e);

	if (r != 0)
		return r < 0 ? -1 : 0;
	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (k == PROTO_PHONE_LEN)
				return fail(e, "bad_request", "'phone' is too long");
			c->phone[k++] = s[i];
		} else if (s[i] == '+' && k == 0) {
			c->phone[k++] = '+';
		} else if (!strchr(" -.()", s[i])) {
			return fail(e, "bad_request", "'phone' holds digits, spaces, dashes and brackets");
		}
	}
	c->phone[k] = '\0';
	if (k - (c->phone[0] == '+') < 5)
		return fail(e, "bad_request", "'phone' is too short");
	return 0;
}

static int
get_text(json_t *o, const char *field, int required, size_t max, char **out,
    struct proto_error *e)
{
	struct sbuf b = { 0 };
	const char *s = NULL;
	size_t n = 0;
	long chars;
	int r = get_str(o, field, !required, &s, &n, e);

	*out = NULL;
	if (r < 0)
		return -1;
	if (r > 0)
		return required ? fail(e, "bad_request", "'%s' is required", field) : 0;
	sbuf_init(&b, n + 1);
	chars = text_clean(s, n, &b);
	if (chars <= 0) {
		sbuf_free(&b);
		if (!required)
			return 0;
		if (chars < 0)
			return fail(e, "bad_request", "'%s' is not valid text", field);
		return fail(e, "empty", "'%s' is empty", field);
	}
	if ((size_t)chars > max) {
		sbuf_free(&b);
		e->code = "too_long";
		snprintf(e->message, sizeof(e->message), "'%s' is longer than %zu characters",
		    field, max);
		return -1;
	}
	*out = sbuf_steal(&b, NULL);
	return 0;
}

static int
copy_token(json_t *o, const char *field, char *dst, size_t min, size_t max, int room,
    struct proto_error *e)
{
	const char *s = NULL;
	size_t n = 0;
	int r = get_str(o, field, 0, &s, &n, e);

	if (r < 0)
		return -1;
	if (r > 0)
		return fail(e, "bad_request", "'%s' is required", field);
	if (room ? !proto_valid_room_id(s, n) : !proto_valid_token(s, n, min, max))
		return fail(e, "bad_request", "'%s' has the wrong form", field);
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int
parse_hello(json_t *o, struct cmd *c, struct proto_error *e)
{
	const char *s = NULL;
	size_t n = 0;
	json_t *resume;
	int r;

	if (copy_token(o, "room", c->room, 1, PROTO_ID_LEN, 1, e) < 0)
		return -1;
	if ((r = get_str(o, "role", 0, &s, &n, e)) != 0)
		return r < 0 ? -1 : fail(e, "bad_request", "'role' is required");
	if (role_parse(s, &c->role) < 0)
		return fail(e, "bad_request", "unknown role '%.32s'", s);
	if (copy_token(o, "client", c->client, 16, PROTO_ID_LEN, 0, e) < 0)
		return -1;
	if ((r = get_str(o, "key", 1, &s, &n, e)) < 0)
		return -1;
	if (r == 0) {
		if (n > PROTO_MAX_KEY)
			return fail(e, "auth_failed", "wrong key");
		memcpy(c->key, s, n);
		c->key[n] = '\0';
	}
	resume = json_object_get(o, "resume");
	if (resume && !json_is_null(resume)) {
		if (!json_is_object(resume))
			return fail(e, "bad_request", "'resume' must be an object");
		if ((r = get_str(resume, "epoch", 0, &s, &n, e)) != 0)
			return r < 0 ? -1 : fail(e, "bad_request", "'resume.epoch' is required");
		if (n > PROTO_ID_LEN)
			return fail(e, "bad_request", "'resume.epoch' is too long");
		memcpy(c->epoch, s, n);
		c->epoch[n] = '\0';
		if (get_int(resume, "seq", 0, &c->resume_seq, e) < 0)
			return -1;
		c->resume = 1;
	}
	if (get_bool(o, "partial", &c->partial, e) < 0)
		return -1;
	c->partial = c->partial == 1;
	return 0;
}

/* offset and limit, both optional: a page of a list of at most max items. */
static int
parse_window(json_t *o, struct cmd *c, long long def, long long max, struct proto_error *e)
{
	c->offset = 0;
	if (json_object_get(o, "offset") != NULL && get_int(o, "offset", 0, &c->offset, e) < 0)
		return -1;
	c->limit = def;
	if (json_object_get(o, "limit") != NULL && get_int(o, "limit", 1, &c->limit, e) < 0)
		return -1;
	if (c->limit > max)
		return fail(e, "bad_request", "'limit' is at most %lld", max);
	return 0;
}

static int
parse_page(json_t *o, struct cmd *c, struct proto_error *e)
{
	const char *s = "top";
	size_t n;
	int r = get_str(o, "sort", 0, &s, &n, e);

	if (r < 0)
		return -1;
	if (r == 0 && strcmp(s, "top") != 0 && strcmp(s, "new") != 0)
		return fail(e, "bad_request", "'sort' is top or new");
	c->sort_new = r == 0 && strcmp(s, "new") == 0;
	return parse_window(o, c, 50, PROTO_PAGE_MAX, e);
}

static int
parse_variants(json_t *o, struct cmd *c, struct proto_error *e)
{
	if (get_int(o, "id", 1, &c->id, e) < 0)
		return -1;
	return parse_window(o, c, PROTO_VARIANTS_MAX, PROTO_VARIANTS_MAX, e);
}

static int
copy_tag_id(json_t *o, const char *field, char *dst, struct proto_error *e)
{
	const char *s = NULL;
	size_t n = 0;
	int r = get_str(o, field, 0, &s, &n, e);

	if (r < 0)
		return -1;
	if (r > 0)
		return fail(e, "bad_request", "'%s' is required", field);
	if (!proto_valid_tag_id(s, n))
		return fail(e, "bad_request", "'%s' has the wrong form", field);
	memcpy(dst, s, n + 1);
	return 0;
}

/* A list of ids ([a-z0-9-]{1,32}, at most PROTO_TAGS_MAX) as "a,b"; absent is empty. */
static int
get_id_list(json_t *o, const char *field, char **out, struct proto_error *e)
{
	json_t *a = json_object_get(o, field), *v;
	struct sbuf b = { 0 };
	size_t i;

	if (a != NULL && (!json_is_array(a) || json_array_size(a) > PROTO_TAGS_MAX))
		return fail(e, "bad_request", "'%s' is a list of at most %d ids", field, PROTO_TAGS_MAX);
	sbuf_init(&b, 64);
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || !proto_valid_tag_id(json_string_value(v), json_string_length(v))) {
			sbuf_free(&b);
			return fail(e, "bad_request", "'%s' holds an id of the wrong form", field);
		}
		if (i)
			sbuf_addc(&b, ',');
		sbuf_adds(&b, json_string_value(v));
	}
	*out = sbuf_steal(&b, NULL);
	return 0;
}

static int
parse_moderate(json_t *o, struct cmd *c, struct proto_error *e)
{
	const char *s = NULL;
	size_t n = 0, i;
	int r;

	if (get_int(o, "id", 1, &c->id, e) < 0)
		return -1;
	if ((r = get_str(o, "action", 0, &s, &n, e)) != 0)
		return r < 0 ? -1 : fail(e, "bad_request", "'action' is required");
	for (i = 0; i < ARRAY_LEN(action_names); i++)
		if (strcmp(s, action_names[i]) == 0)
			break;
	if (i == ARRAY_LEN(action_names))
		return fail(e, "bad_request", "unknown action '%.32s'", s);
	c->action = (enum action)i;
	switch (c->action) {
	case ACT_EDIT:
		return get_text(o, "text", 1, PROTO_MAX_TEXT, &c->text, e);
	case ACT_MERGE:
		return get_int(o, "into", 1, &c->into, e);
	case ACT_SPLIT:
		return get_int(o, "variant", 0, &c->variant, e);
	case ACT_ASSIGN:
		if (copy_tag_id(o, "department", c->department, e) < 0)
			return -1;
		if ((r = get_str(o, "due", 0, &s, &n, e)) != 0)
			return r < 0 ? -1 : fail(e, "bad_request", "'due' is required");
		if (!proto_valid_date(s, n))
			return fail(e, "bad_request", "'due' is a date, YYYY-MM-DD");
		memcpy(c->due, s, n + 1);
		return 0;
	case ACT_REPLY:
		return get_text(o, "text", 1, PROTO_MAX_REPLY, &c->text, e);
	case ACT_TAG:
		if (get_id_list(o, "topics", &c->topics, e) < 0)
			return -1;
		return get_id_list(o, "places", &c->places, e);
	default:
		return 0;
	}
}

static int
parse_ban(json_t *o, struct cmd *c, struct proto_error *e)
{
	if (json_object_get(o, "id") == NULL && json_object_get(o, "author") != NULL)
		return copy_token(o, "author", c->author, 1, PROTO_ID_LEN, 0, e);
	return get_int(o, "id", 1, &c->id, e);
}

static int
parse_room(json_t *o, struct cmd *c, struct proto_error *e)
{
	if (get_bool(o, "open", &c->open, e) < 0 ||
	    get_bool(o, "moderation", &c->moderation, e) < 0 ||
	    get_text(o, "title", 0, PROTO_MAX_TITLE, &c->title, e) < 0)
		return -1;
	if (c->open < 0 && c->moderation < 0 && c->title == NULL)
		return fail(e, "bad_request", "nothing to change: give open, title or moderation");
	return 0;
}

static int
parse_rid(json_t *o, struct cmd *c, struct proto_error *e)
{
	const char *s = NULL;
	size_t n = 0;
	int r = get_str(o, "rid", 0, &s, &n, e);

	if (r < 0)
		return -1;
	if (r > 0 || n == 0)
		return fail(e, "bad_request", "every command needs a 'rid'");
	if (text_chars(s, n) > PROTO_MAX_RID || strlen(s) != n)
		return fail(e, "bad_request", "'rid' is longer than 64 characters");
	memcpy(c->rid, s, n);
	c->rid[n] = '\0';
	memcpy(e->rid, s, n + 1);
	e->has_rid = 1;
	return 0;
}

int
proto_parse(const char *data, size_t len, struct cmd *c, struct proto_error *e)
{
	json_error_t jerr;
	json_t *o;
	const char *type;
	size_t i;
	int r = -1;

	memset(c, 0, sizeof(*c));
	memset(e, 0, sizeof(*e));
	c->open = c->moderation = -1;
	o = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (o == NULL)
		return fail(e, "bad_json", "not valid JSON: %s", jerr.text);
	if (!json_is_object(o)) {
		fail(e, "bad_request", "a message must be a JSON object");
		goto out;
	}
	if (!json_is_string(json_object_get(o, "type"))) {
		fail(e, "bad_request", "'type' is required");
		goto out;
	}
	type = json_string_value(json_object_get(o, "type"));
	for (i = 0; i < ARRAY_LEN(type_names); i++)
		if (strcmp(type, type_names[i]) == 0)
			break;
	if (i == ARRAY_LEN(type_names)) {
		/* The rid is still echoed, so the client can match the error. */
		if (json_is_string(json_object_get(o, "rid")))
			parse_rid(o, c, e);
		fail(e, "unknown_type", "unknown message type '%.32s'", type);
		goto out;
	}
	c->type = (enum cmd_type)i;
	e->hello = c->type == CMD_HELLO;
	if (c->type != CMD_HELLO && parse_rid(o, c, e) < 0)
		goto out;
	switch (c->type) {
	case CMD_HELLO:
		r = parse_hello(o, c, e);
		break;
	case CMD_ASK:
		r = get_text(o, "text", 1, PROTO_MAX_TEXT, &c->text, e);
		if (r == 0)
			r = get_text(o, "name", 0, PROTO_MAX_NAME, &c->name, e);
		if (r == 0)
			r = get_phone(o, c, e);
		break;
	case CMD_SIMILAR:
		r = get_text(o, "text", 1, PROTO_MAX_TEXT, &c->text, e);
		break;
	case CMD_VOTE:
	case CMD_UNVOTE:
	case CMD_HISTORY:
		r = get_int(o, "id", 1, &c->id, e);
		break;
	case CMD_VARIANTS:
		r = parse_variants(o, c, e);
		break;
	case CMD_MODERATE:
		r = parse_moderate(o, c, e);
		break;
	case CMD_BAN:
		r = parse_ban(o, c, e);
		break;
	case CMD_ROOM:
		r = parse_room(o, c, e);
		break;
	case CMD_ROTATE: {
		const char *w = "both";
		size_t n;

		if ((r = get_str(o, "which", 0, &w, &n, e)) < 0)
			break;
		if (r > 0)
			w = "both";
		r = 0;
		c->rotate_mod = strcmp(w, "moderator") == 0 || strcmp(w, "both") == 0;
		c->rotate_pres = strcmp(w, "presenter") == 0 || strcmp(w, "both") == 0;
		if (!c->rotate_mod && !c->rotate_pres)
			r = fail(e, "bad_request", "'which' is moderator, presenter or both");
		break;
	}
	case CMD_PAGE:
		r = parse_page(o, c, e);
		break;
	case CMD_PROVE:
		r = copy_token(o, "nonce", c->nonce, 1, PROTO_ID_LEN, 0, e);
		break;
	case CMD_COUNT:
		break;
	}
out:
	json_decref(o);
	if (r < 0)
		proto_cmd_free(c);
	return r;
}

void
proto_cmd_free(struct cmd *c)
{
	free(c->text);
	free(c->name);
	free(c->title);
	free(c->topics);
	free(c->places);
	c->text = c->name = c->title = c->topics = c->places = NULL;
}

void
proto_write_error(struct sbuf *b, const char *rid, const char *code,
    const char *message, long long retry_after_ms)
{
	sbuf_adds(b, "{\"type\":\"error\",\"rid\":");
	if (rid)
		sbuf_json_strz(b, rid);
	else
		sbuf_adds(b, "null");
	sbuf_adds(b, ",\"code\":");
	sbuf_json_strz(b, code);
	sbuf_adds(b, ",\"message\":");
	sbuf_json_strz(b, message);
	if (retry_after_ms > 0)
		sbuf_printf(b, ",\"retry_after_ms\":%lld", retry_after_ms);
	sbuf_addc(b, '}');
}

static int
dump_cb(const char *buf, size_t size, void *data)
{
	sbuf_add(data, buf, size);
	return 0;
}

void
proto_write_json(struct sbuf *b, const json_t *v)
{
	if (v == NULL) {
		sbuf_adds(b, "null");
		return;
	}
	if (json_is_string(v)) {
		sbuf_json_str(b, json_string_value(v), json_string_length(v));
		return;
	}
	json_dump_callback(v, dump_cb, b, JSON_COMPACT | JSON_ENCODE_ANY);
}

static const char *const public_fields[] = {
	"id", "text", "name", "status", "featured", "votes", "dups", "score",
	"created", "updated", "answered_at", "followup", "topics", "places", "source"
};

void
proto_write_question(struct sbuf *b, const json_t *q, enum view view, int mine, int voted)
{
	size_t i;

	if (view == VIEW_FULL) {
		proto_write_json(b, q);
		return;
	}
	sbuf_addc(b, '{');
	for (i = 0; i < ARRAY_LEN(public_fields); i++) {
		const json_t *v = json_object_get(q, public_fields[i]);

		/* The public reads the text and name with personal data masked. */
		if (i == 1 && json_object_get(q, "public_text"))
			v = json_object_get(q, "public_text");
		if (i == 2 && json_object_get(q, "public_name"))
			v = json_object_get(q, "public_name");
		if (i > 0)
			sbuf_addc(b, ',');
		sbuf_json_strz(b, public_fields[i]);
		sbuf_addc(b, ':');
		proto_write_json(b, v);
	}
	if (mine)
		sbuf_adds(b, ",\"mine\":true");
	if (voted)
		sbuf_adds(b, ",\"voted\":true");
	sbuf_addc(b, '}');
}
