/*
 * receipt: the codes a resident follows a question by (DESK.md
 * "Receipts"). Each submission gets a code of RECEIPT_LEN characters from
 * an alphabet without look-alikes (no 0/O, 1/I/L), about 59 random bits,
 * shown in groups of four. The deployment's index (the receipts script,
 * on "surak:{@receipts}") says which room a code was given in; the room
 * keeps what the code shows (the receipt script).
 *
 *   GET /api/receipts/CODE   no sign-in; the receipt, or 404
 */
#ifndef SURAK_RECEIPT_H
#define SURAK_RECEIPT_H

#include <stddef.h>

#include "store.h"

struct lws;
struct http_conn;

#define RECEIPT_LEN 12
#define RECEIPT_ROOM "@receipts"	/* the index's "room": no room id can be it */

/* A fresh random code (RECEIPT_LEN characters + NUL); 0 or -1. */
int receipt_new(char out[RECEIPT_LEN + 1]);
/*
 * A code as a resident types it (any case, with dashes or spaces) in its
 * stored form; -1 if it cannot be one.
 */
int receipt_normalize(const char *s, size_t n, char out[RECEIPT_LEN + 1]);
/* Files a code under its room, before the ask that carries it. */
enum store_status receipt_note(const char *code, const char *room);

void receipt_get(struct lws *wsi, struct http_conn *hc);

#endif
