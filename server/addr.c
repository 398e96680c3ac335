/*
 * addr: see addr.h. inet_pton() does the parsing; nothing here allocates.
 */
#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ip as 16 bytes (IPv4 mapped into the last 4), and its family; -1 if not an address. */
static int
parse(const char *ip, uint8_t out[16], int *family)
{
	struct in_addr a4;

	memset(out, 0, 16);
	if (inet_pton(AF_INET, ip, &a4) == 1) {
		memcpy(out + 12, &a4, 4);
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, ip, out) == 1) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(out, mapped, 12) == 0) {
			out[10] = out[11] = 0;	/* the same bytes as the plain IPv4 address */
			*family = 4;
		} else
			*family = 6;
		return 0;
	}
	return -1;
}

static int
prefix_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

int
addr_parse_cidrs(const char *list, struct cidrs *out)
{
	const char *p = list;

	memset(out, 0, sizeof(*out));
	while (p && *p) {
		char one[ADDR_MAX + 8], *slash;
		size_t n = strcspn(p, ",");
		struct cidr *c;
		long bits;

		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
		if (n == 0 || n >= sizeof(one) || out->n == ADDR_CIDRS)
			return -1;
		memcpy(one, p, n);
		one[n] = '\0';
		while (n > 0 && one[n - 1] == ' ')
			one[--n] = '\0';
		c = &out->v[out->n];
		if ((slash = strchr(one, '/')) != NULL)
			*slash = '\0';
		if (parse(one, c->net, &c->family) < 0)
			return -1;
		bits = c->family == 4 ? 32 : 128;
		if (slash) {
			char *end;

			bits = strtol(slash + 1, &end, 10);
			if (*end || bits < 0 || bits > (c->family == 4 ? 32 : 128))
				return -1;
		}
		c->bits = (int)bits + (c->family == 4 ? 96 : 0);
		out->n++;
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	return 0;
}

int
addr_in(const struct cidrs *c, const char *ip)
{
	uint8_t a[16];
	int family;
	size_t i;

	if (parse(ip, a, &family) < 0)
		return 0;
	for (i = 0; i < c->n; i++)
		if (c->v[i].family == family && prefix_equal(a, c->v[i].net, c->v[i].bits))
			return 1;
	return 0;
}

void
addr_group(const char *ip, char out[ADDR_MAX])
{
	uint8_t a[16];
	int family;

	out[0] = '\0';
	if (parse(ip, a, &family) < 0)
		return;
	if (family == 4) {
		inet_ntop(AF_INET, a + 12, out, ADDR_MAX);
		return;
	}
	memset(a + 8, 0, 8);
	inet_ntop(AF_INET6, a, out, ADDR_MAX - 4);
	strcat(out, "/64");
}

int
addr_forwarded(const struct cidrs *trusted, const char *xff, char out[ADDR_MAX])
{
	const char *end = xff + strlen(xff);

	while (end > xff) {
		const char *start = end;
		char one[ADDR_MAX];
		size_t n;
		uint8_t tmp[16];
		int family;

		while (start > xff && start[-1] != ',')
			start--;
		while (start < end && *start == ' ')
			start++;
		n = (size_t)(end - start);
		while (n > 0 && start[n - 1] == ' ')
			n--;
		if (n > 0 && n < ADDR_MAX) {
			memcpy(one, start, n);
			one[n] = '\0';
			if (parse(one, tmp, &family) < 0)
				return -1;	/* garbage in the chain: trust none of it */
			if (!addr_in(trusted, one)) {
				memcpy(out, one, n + 1);
				return 0;
			}
		}
		end = start;
		while (end > xff && (end[-1] == ',' || end[-1] == ' '))
			end--;
	}
	return -1;
}
