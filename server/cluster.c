/*
 * cluster: see cluster.h.
 */
#include "cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint16_t
cluster_crc16(const char *s, size_t len)
{
	uint16_t crc = 0;
	size_t i;
	int b;

	for (i = 0; i < len; i++) {
		crc ^= (uint16_t)((unsigned char)s[i] << 8);
		for (b = 0; b < 8; b++)
			crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
	}
	return crc;
}

unsigned
cluster_key_slot(const char *key, size_t len)
{
	const char *open = memchr(key, '{', len), *close;

	/* Only the part inside the first {…} counts, if it is not empty. */
	if (open) {
		close = memchr(open + 1, '}', len - (size_t)(open + 1 - key));
		if (close && close > open + 1)
			return cluster_crc16(open + 1, (size_t)(close - open - 1)) % CLUSTER_SLOTS;
	}
	return cluster_crc16(key, len) % CLUSTER_SLOTS;
}

unsigned
cluster_room_slot(const char *room)
{
	return cluster_crc16(room, strlen(room)) % CLUSTER_SLOTS;
}

static int
str_elem(const redisReply *r, char *out, size_t outlen)
{
	if (r->type != REDIS_REPLY_STRING || r->len >= outlen)
		return -1;
	memcpy(out, r->str, r->len);
	out[r->len] = '\0';
	return 0;
}

int
cluster_parse_slots(const redisReply *r, const char *asked_host, struct cluster_range *out, int max)
{
	size_t i;
	int n = 0;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		return -1;
	for (i = 0; i < r->elements && n < max; i++) {
		const redisReply *e = r->element[i], *m;
		struct cluster_range *g = &out[n];

		/* [start, end, [host, port, id, …], replicas…] */
		if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
		    e->element[0]->type != REDIS_REPLY_INTEGER || e->element[1]->type != REDIS_REPLY_INTEGER)
			return -1;
		m = e->element[2];
		if (m->type != REDIS_REPLY_ARRAY || m->elements < 2 || m->element[1]->type != REDIS_REPLY_INTEGER)
			return -1;
		if (e->element[0]->integer < 0 || e->element[1]->integer >= CLUSTER_SLOTS ||
		    e->element[0]->integer > e->element[1]->integer)
			return -1;
		g->start = (unsigned)e->element[0]->integer;
		g->end = (unsigned)e->element[1]->integer;
		if (str_elem(m->element[0], g->host, sizeof(g->host)) < 0)
			return -1;
		/* Empty or "?": the node does not know its own address; it is the one asked. */
		if (g->host[0] == '\0' || strcmp(g->host, "?") == 0)
			snprintf(g->host, sizeof(g->host), "%s", asked_host);
		g->port = (int)m->element[1]->integer;
		if (g->port <= 0 || g->port > 65535)
			return -1;
		n++;
	}
	return n;
}

enum cluster_redirect
cluster_parse_redirect(const char *err, unsigned *slot, char *host, size_t hostlen, int *port)
{
	enum cluster_redirect kind;
	const char *p, *colon;
	char *end;
	unsigned long s;
	long pt;

	if (strncmp(err, "MOVED ", 6) == 0) {
		kind = CLUSTER_MOVED;
		p = err + 6;
	} else if (strncmp(err, "ASK ", 4) == 0) {
		kind = CLUSTER_ASK;
		p = err + 4;
	} else
		return CLUSTER_NONE;
	s = strtoul(p, &end, 10);
	if (end == p || *end != ' ' || s >= CLUSTER_SLOTS)
		return CLUSTER_NONE;
	p = end + 1;
	colon = strrchr(p, ':');	/* host may be an IPv6 address */
	if (colon == NULL || colon == p || (size_t)(colon - p) >= hostlen)
		return CLUSTER_NONE;
	pt = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || pt <= 0 || pt > 65535)
		return CLUSTER_NONE;
	memcpy(host, p, (size_t)(colon - p));
	host[colon - p] = '\0';
	*slot = (unsigned)s;
	*port = (int)pt;
	return kind;
}
