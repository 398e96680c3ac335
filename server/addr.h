/*
 * addr: client addresses as the limits see them. Pure.
 *
 *   - An address group: what per-address limits count by. An IPv4 address
 *     is its own group; an IPv6 address counts as its /64 (one subscriber
 *     of a provider holds a whole /64, so the exact address is endless).
 *   - Trusted proxies (--trust-proxy CIDR,…): the client's address is the
 *     right-most X-Forwarded-For address that is not a trusted proxy, and
 *     only when the connection itself comes from one.
 */
#ifndef SURAK_ADDR_H
#define SURAK_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_MAX 64	/* bytes of an address or a group, NUL included */
#define ADDR_CIDRS 32

struct cidr {
	int family;		/* 4 or 6 */
	uint8_t net[16];
	int bits;
};

struct cidrs {
	struct cidr v[ADDR_CIDRS];
	size_t n;
};

/* Parses "10.0.0.0/8,::1/128,127.0.0.1" (a bare address is a /32 or /128); -1 on a malformed one. */
int addr_parse_cidrs(const char *list, struct cidrs *out);
/* 1 if the address (text) is inside one of the CIDRs. */
int addr_in(const struct cidrs *c, const char *ip);
/* The address group of ip ("2001:db8:1:2::/64" for IPv6; IPv4 unchanged); "" if ip is not an address. */
void addr_group(const char *ip, char out[ADDR_MAX]);
/*
 * The client's address behind trusted proxies: from a comma-separated
 * X-Forwarded-For, the right-most entry that is not in trusted. Writes it
 * to out and returns 0; -1 if there is none (out is left alone).
 */
int addr_forwarded(const struct cidrs *trusted, const char *xff, char out[ADDR_MAX]);

#endif
