/*
 * auth: key generation and comparison on OpenSSL's libcrypto (already
 * loaded by libwebsockets). Keys carry 192 bits of entropy, so a single
 * SHA-256 is a sufficient one-way function: there is no password to guess.
 */
#include "auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#include "util.h"

int
auth_new_key(char out[AUTH_KEY_LEN + 1])
{
	static const char b64url[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[AUTH_KEY_LEN * 3 / 4];
	size_t i, o = 0;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	for (i = 0; i < sizeof(raw); i += 3) {
		unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];

		out[o++] = b64url[(v >> 18) & 63];
		out[o++] = b64url[(v >> 12) & 63];
		out[o++] = b64url[(v >> 6) & 63];
		out[o++] = b64url[v & 63];
	}
	out[o] = '\0';
	return 0;
}

void
auth_hash(const char *key, size_t len, char out[AUTH_HASH_LEN + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL);
	hex_encode(md, sizeof(md), out);
}

int
auth_check(const char *key, size_t len, const char *stored_hex)
{
	char h[AUTH_HASH_LEN + 1];

	if (stored_hex == NULL || strlen(stored_hex) != AUTH_HASH_LEN)
		return 0;
	auth_hash(key, len, h);
	return CRYPTO_memcmp(h, stored_hex, AUTH_HASH_LEN) == 0;
}

int
auth_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	char ha[AUTH_HASH_LEN + 1], hb[AUTH_HASH_LEN + 1];

	/* Hashing first makes the comparison length-independent too. */
	auth_hash(a, alen, ha);
	auth_hash(b, blen, hb);
	return CRYPTO_memcmp(ha, hb, AUTH_HASH_LEN) == 0;
}
