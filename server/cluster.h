/*
 * cluster: what the hub must know of Redis Cluster, as pure functions
 * (nodes.c does the talking). Every key of a room is "surak:{ROOM}…" and
 * its event channel "surak:ev:{ROOM}", so a room lives in one hash slot:
 * CRC16 of the room id, modulo 16384. The slot map comes from CLUSTER
 * SLOTS; a MOVED or ASK error names the node that serves a slot now.
 */
#ifndef SURAK_CLUSTER_H
#define SURAK_CLUSTER_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#define CLUSTER_SLOTS 16384
#define CLUSTER_HOST_MAX 256

/* CRC16-CCITT (XModem), the checksum Redis Cluster hashes keys with. */
uint16_t cluster_crc16(const char *s, size_t len);
/* The slot of a key, honouring a {hash tag} as Redis does. */
unsigned cluster_key_slot(const char *key, size_t len);
/* The slot every key and the channel of a room are in. */
unsigned cluster_room_slot(const char *room);

/* A range of slots and the master that serves them. */
struct cluster_range {
	unsigned start, end;
	char host[CLUSTER_HOST_MAX];
	int port;
};

/*
 * Reads a CLUSTER SLOTS reply into out (at most max ranges). A master
 * announced with an empty host is at `asked_host` (the node that was
 * asked). Returns the number of ranges, or -1 if the reply is malformed.
 */
int cluster_parse_slots(const redisReply *r, const char *asked_host, struct cluster_range *out,
    int max);

enum cluster_redirect { CLUSTER_NONE, CLUSTER_MOVED, CLUSTER_ASK };
/* "MOVED 3999 127.0.0.1:6381" or "ASK …": the slot and the node to ask. */
enum cluster_redirect cluster_parse_redirect(const char *err, unsigned *slot, char *host,
    size_t hostlen, int *port);

#endif
