/*
 * receipt: see receipt.h.
 */
#include "receipt.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpio.h"
#include "log.h"
#include "proto.h"
#include "util.h"

/* 31 characters: digits 2-9 and the letters but I, L and O. */
static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
#define ALPHABET_LEN (sizeof(alphabet) - 1)

int
receipt_new(char out[RECEIPT_LEN + 1])
{
	unsigned char raw[64];
	size_t i, o = 0;

	while (o < RECEIPT_LEN) {
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return -1;
		/* Bytes past the last whole multiple of 31 would bias the draw. */
		for (i = 0; i < sizeof(raw) && o < RECEIPT_LEN; i++)
			if (raw[i] < 256 - 256 % ALPHABET_LEN)
				out[o++] = alphabet[raw[i] % ALPHABET_LEN];
	}
	out[o] = '\0';
	return 0;
}

int
receipt_normalize(const char *s, size_t n, char out[RECEIPT_LEN + 1])
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '-' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c == '\0' || strchr(alphabet, c) == NULL || o == RECEIPT_LEN)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return o == RECEIPT_LEN ? 0 : -1;
}

static void
noted(void *arg, redisReply *r)
{
	char *code = arg;

	if (r == NULL || !store_reply_ok(r))
		log_warn("receipt: code %.4s… could not be filed in the index", code);
	free(code);
}

enum store_status
receipt_note(const char *code, const char *room)
{
	const char *args[RECEIPTS_NARGS] = {
		[RECEIPTS_OP] = "note", [RECEIPTS_CODE] = code, [RECEIPTS_ROOM] = room,
	};
	char *copy = xstrdup(code);
	enum store_status st = store_run(SCRIPT_RECEIPTS, RECEIPT_ROOM, args, noted, copy, NULL);

	if (st != STORE_SENT)
		free(copy);
	return st;
}

/* ---- GET /api/receipts/CODE ---- */

static void
on_receipt(void *arg, redisReply *r)
{
	struct job *j = arg;
	const char *code, *message, *body;
	long long retry;
	size_t len;

	if (!job_alive(j, r))
		return;
	if (!store_reply_ok(r)) {
		code = store_reply_err(r, &message, &retry);
		if (strcmp(code, "no_receipt") == 0)
			job_error(j, 404, "not_found", "no such receipt");
		else
			job_error(j, 500, code, message);
		return;
	}
	if ((body = store_reply_str(r, RECEIPT_R_RECEIPT, &len)) == NULL) {
		job_error(j, 500, "internal_error", "malformed reply from Redis");
		return;
	}
	job_respond(j, 200, "application/json", xstrndup(body, len), len);
}

static void
on_found(void *arg, redisReply *r)
{
	struct job *j = arg;
	const char *room;
	const char *args[RECEIPT_NARGS] = { [RECEIPT_CODE] = j->state };
	size_t len;

	if (!job_alive(j, r))
		return;
	room = store_reply_ok(r) ? store_reply_str(r, RECEIPTS_R_ROOM, &len) : NULL;
	if (room == NULL || !proto_valid_room_id(room, len)) {
		job_error(j, 404, "not_found", "no such receipt");
		return;
	}
	memcpy(j->room, room, len);
	j->room[len] = '\0';
	job_run(j, SCRIPT_RECEIPT, args, on_receipt);
}

void
receipt_get(struct lws *wsi, struct http_conn *hc)
{
	char code[RECEIPT_LEN + 1];
	struct job *j;

	if (receipt_normalize(hc->arg, strlen(hc->arg), code) < 0) {
		respond_error(wsi, hc, 404, "not_found", "no such receipt");
		return;
	}
	j = job_new(wsi, hc);
	j->state = xstrdup(code);
	j->free_state = free;
	snprintf(j->room, sizeof(j->room), "%s", RECEIPT_ROOM);
	{
		const char *args[RECEIPTS_NARGS] = {
			[RECEIPTS_OP] = "find", [RECEIPTS_CODE] = code, [RECEIPTS_ROOM] = "",
		};

		job_run(j, SCRIPT_RECEIPTS, args, on_found);
	}
}
