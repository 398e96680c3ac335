/*
 * bare-broadcast: the floor for fan-out benchmarks. An epoll WebSocket
 * server with nothing else: no JSON, no Redis, no batching. A text frame
 * "PUB <payload>" from any client is written to every other client as one
 * frame. Whatever a real hub does on top costs something; this is how many
 * frames a second the machine carries when nothing is done.
 *
 *   bare-broadcast PORT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

struct client {
	int fd;
	int open;			/* handshake done */
	char *in;
	size_t inlen;
	char *out;
	size_t outlen;
};

static struct client **clients;
static size_t nclients, capclients;
static int ep;

static void
drop(struct client *c)
{
	size_t i;

	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	for (i = 0; i < nclients; i++)
		if (clients[i] == c) {
			clients[i] = clients[--nclients];
			break;
		}
	free(c->in);
	free(c->out);
	free(c);
}

static void
flush_out(struct client *c)
{
	while (c->outlen) {
		ssize_t n = write(c->fd, c->out, c->outlen);

		if (n < 0)
			break;
		memmove(c->out, c->out + n, c->outlen - (size_t)n);
		c->outlen -= (size_t)n;
	}
	struct epoll_event ev = { .events = EPOLLIN | (c->outlen ? EPOLLOUT : 0), .data.ptr = c };
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
send_bytes(struct client *c, const char *p, size_t n)
{
	if (c->outlen == 0) {
		ssize_t w = write(c->fd, p, n);

		if (w == (ssize_t)n)
			return;
		if (w < 0)
			w = 0;
		p += w;
		n -= (size_t)w;
	}
	c->out = realloc(c->out, c->outlen + n);
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
	flush_out(c);
}

static void
broadcast(struct client *from, const char *p, size_t n)
{
	char *frame = malloc(n + 4);
	size_t hl = 2, i;

	frame[0] = (char)0x81;
	if (n < 126)
		frame[1] = (char)n;
	else {
		frame[1] = 126;
		frame[2] = (char)(n >> 8);
		frame[3] = (char)(n & 0xff);
		hl = 4;
	}
	memcpy(frame + hl, p, n);
	for (i = 0; i < nclients; i++)
		if (clients[i] != from && clients[i]->open)
			send_bytes(clients[i], frame, hl + n);
	free(frame);
}

static int
handshake(struct client *c)
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	char *eoh = memmem(c->in, c->inlen, "\r\n\r\n", 4), *k, key[128], resp[256];
	unsigned char md[20], acc[64];
	size_t kl, used;
	int n;

	if (eoh == NULL)
		return 0;
	k = memmem(c->in, (size_t)(eoh - c->in), "Sec-WebSocket-Key: ", 19);
	if (k == NULL)
		return -1;
	k += 19;
	kl = strcspn(k, "\r");
	if (kl + sizeof(guid) > sizeof(key))
		return -1;
	memcpy(key, k, kl);
	memcpy(key + kl, guid, sizeof(guid) - 1);
	EVP_Digest(key, kl + sizeof(guid) - 1, md, NULL, EVP_sha1(), NULL);
	EVP_EncodeBlock(acc, md, 20);
	n = snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acc);
	send_bytes(c, resp, (size_t)n);
	used = (size_t)(eoh + 4 - c->in);
	memmove(c->in, c->in + used, c->inlen - used);
	c->inlen -= used;
	c->open = 1;
	return 1;
}

/* Client frames: masked; "PUB x" is broadcast, a close ends it. */
static int
frames(struct client *c)
{
	size_t off = 0;

	while (c->inlen - off >= 6) {
		unsigned char *p = (unsigned char *)c->in + off;
		size_t len = p[1] & 0x7f, hl = 2, i;

		if (len == 126) {
			if (c->inlen - off < 8)
				break;
			len = ((size_t)p[2] << 8) | p[3];
			hl = 4;
		} else if (len == 127)
			return -1;
		if (c->inlen - off < hl + 4 + len)
			break;
		for (i = 0; i < len; i++)
			p[hl + 4 + i] ^= p[hl + (i & 3)];
		if ((p[0] & 0x0f) == 8)
			return -1;
		if ((p[0] & 0x0f) == 1 && len > 4 && memcmp(p + hl + 4, "PUB ", 4) == 0)
			broadcast(c, (char *)p + hl + 8, len - 4);
		off += hl + 4 + len;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct epoll_event evs[256], ev;
	struct rlimit rl;
	int lfd, one = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: bare-broadcast PORT\n");
		return 2;
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons((uint16_t)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 4096) < 0) {
		perror("bare-broadcast: listen");
		return 1;
	}
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);

		for (int i = 0; i < n; i++) {
			struct client *c = evs[i].data.ptr;

			if (c == NULL) {
				int fd;

				while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					c = calloc(1, sizeof(*c));
					c->fd = fd;
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					if (nclients == capclients) {
						capclients = capclients ? capclients * 2 : 1024;
						clients = realloc(clients, capclients * sizeof(*clients));
					}
					clients[nclients++] = c;
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			if (evs[i].events & EPOLLOUT)
				flush_out(c);
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
				char buf[65536];
				ssize_t r = read(c->fd, buf, sizeof(buf));

				if (r <= 0) {
					if (r < 0 && errno == EAGAIN)
						continue;
					drop(c);
					continue;
				}
				c->in = realloc(c->in, c->inlen + (size_t)r);
				memcpy(c->in + c->inlen, buf, (size_t)r);
				c->inlen += (size_t)r;
				if ((!c->open && handshake(c) < 0) || (c->open && frames(c) < 0))
					drop(c);
			}
		}
	}
}
