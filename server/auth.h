/*
 * auth: room keys and the admin token. Keys are random (192 bits), shown
 * once, stored only as SHA-256 hex, and compared in constant time.
 */
#ifndef SURAK_AUTH_H
#define SURAK_AUTH_H

#include <stddef.h>

#define AUTH_KEY_LEN 32		/* base64url characters of a new key */
#define AUTH_HASH_LEN 64	/* hex characters of a key's SHA-256 */

/* Writes a fresh random key (AUTH_KEY_LEN chars + NUL). 0 or -1. */
int auth_new_key(char out[AUTH_KEY_LEN + 1]);
/* Writes the lowercase hex SHA-256 of key (AUTH_HASH_LEN chars + NUL). */
void auth_hash(const char *key, size_t len, char out[AUTH_HASH_LEN + 1]);
/* 1 if key hashes to stored_hex, compared in constant time; else 0. */
int auth_check(const char *key, size_t len, const char *stored_hex);
/* 1 if a and b are equal, in time independent of where they differ. */
int auth_equal(const char *a, size_t alen, const char *b, size_t blen);

#endif
