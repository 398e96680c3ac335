/*
 * libFuzzer target: one client frame, as the hub receives it.
 *
 * The hub closes a connection on a frame over PROTO_MAX_FRAME bytes or on
 * invalid UTF-8 (session.c) before it parses; everything else reaches
 * proto_parse(). Whatever the bytes, the parse must end in a command that
 * keeps every limit of the contract, or in an error with a contract code
 * that can be written back to the client as JSON.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "proto.h"
#include "text.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const codes[] = {
	"bad_json", "bad_request", "unknown_type", "too_long", "empty", "auth_failed", NULL
};

static void
check_cmd(const struct cmd *c)
{
	assert(strlen(c->rid) <= sizeof(c->rid) - 1);
	if (c->type == CMD_HELLO) {
		assert(proto_valid_room_id(c->room, strlen(c->room)));
		assert(proto_valid_token(c->client, strlen(c->client), 16, PROTO_ID_LEN));
		return;
	}
	assert(text_chars(c->rid, strlen(c->rid)) >= 1);
	assert(text_chars(c->rid, strlen(c->rid)) <= PROTO_MAX_RID);
	if (c->text) {
		size_t n = strlen(c->text);
		assert(text_utf8_valid(c->text, n));
		assert(n > 0 && text_chars(c->text, n) <= PROTO_MAX_TEXT);
	}
	if (c->name)
		assert(text_chars(c->name, strlen(c->name)) <= PROTO_MAX_NAME);
	if (c->title)
		assert(text_chars(c->title, strlen(c->title)) <= PROTO_MAX_TITLE);
	if (c->type == CMD_VOTE || c->type == CMD_UNVOTE)
		assert(c->id > 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct cmd c;
	struct proto_error e;
	struct sbuf b;
	json_error_t je;
	json_t *j;
	int known = 0;

	if (size > PROTO_MAX_FRAME || !text_utf8_valid(s, size))
		return -1;	/* the connection would have been closed */

	if (proto_parse(s, size, &c, &e) == 0) {
		check_cmd(&c);
		proto_cmd_free(&c);
		return 0;
	}
	for (int i = 0; codes[i]; i++)
		known |= strcmp(e.code, codes[i]) == 0;
	assert(known);
	/* The error goes back to the client: it must be one valid JSON object. */
	sbuf_init(&b, 256);
	proto_write_error(&b, e.has_rid ? e.rid : NULL, e.code, e.message, 0);
	j = json_loadb(b.data, b.len, 0, &je);
	assert(j && json_is_object(j));
	json_decref(j);
	sbuf_free(&b);
	return 0;
}
