/*
 * surak-load: plays viewers, a moderator, askers and voters against a real
 * hub (or against a peer: Nchan, Socket.IO, the bare broadcaster) and
 * prints one summary line per run.
 *
 * Plain epoll and a minimal WebSocket client: the load tool shares the
 * machine's cores with what it measures, so it does as little as it can.
 * Connections are spread over several processes (--procs) and over source
 * addresses in 127.0.0.0/8 (--src), since a process may hold at most
 * 20,000 open files here.
 *
 * Latency: every change the publisher makes carries a marker
 * "#B<seq>:<monotonic µs>#" in its text. CLOCK_MONOTONIC is one clock for
 * every process of the machine, so a viewer that finds a marker in what it
 * receives knows how long the change took, from the publisher's send to
 * its own read. Deliveries are counted per viewer; a change that reached a
 * viewer only inside a snapshot (a resync) does not count.
 *
 * Modes:
 *   fanout     V viewers, one publisher making E changes a second for D s
 *   ingest     askers at full speed (half of the questions duplicates);
 *              reports acks a second and ack latency
 *   votes      voters voting and unvoting on questions 1..Q, viewers watching
 *   reconnect  viewers that reconnect (with resume) whenever they are
 *              dropped; prints "ready", then stops once every viewer has
 *              been welcomed again (or after D s) and reports when the
 *              first and the last new welcome came (realtime µs)
 *   join       V new viewers open their connections at --rate a second in
 *              all (a crowd arriving at once), each trying again 50-150 ms
 *              after any drop (resuming once it had a welcome); stops once
 *              every viewer has been welcomed (or after D s) and reports
 *              when the first and the last first welcome came
 *   idle       viewers that say hello and then only listen, until stdin closes
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum target { T_SURAK, T_NCHAN, T_SIO, T_BARE };
enum mode { M_FANOUT, M_INGEST, M_VOTES, M_RECONNECT, M_JOIN, M_IDLE };
enum kind { K_VIEWER, K_PUBLISHER, K_ASKER, K_VOTER };
enum state { S_CONNECTING, S_UPGRADING, S_OPEN, S_READY, S_CLOSED };

#define RBUF (4 << 20)		/* the shared read buffer of a process */
#define HIST 2048		/* latency histogram buckets, see bucket() */
#define MAX_WINDOW 64

static struct {
	enum target target;
	enum mode mode;
	const char *host;
	int port;
	const char *path;
	const char *room;
	const char *key;
	int viewers, procs, rate, duration, drain, window, questions, askers, voters;
	int src_first, src_count;	/* source addresses 127.0.0.<first..first+count) */
	int handshakes;			/* handshakes in flight per process */
	int partial;			/* viewers ask for a bounded welcome (hello partial:true) */
} opt = {
	.host = "127.0.0.1", .port = 8080, .room = "bench", .viewers = 1000, .procs = 1,
	.rate = -1, .duration = 10, .drain = 5, .window = 8, .questions = 200,
	.src_first = 10, .src_count = 50, .handshakes = 256,
};

struct conn {
	int fd;
	enum state state;
	enum kind kind;
	int src;
	unsigned id;			/* index in this process */
	char *left;			/* bytes of an incomplete frame */
	size_t leftlen;
	char *out;			/* bytes not yet written */
	size_t outlen;
	uint32_t got;			/* changes received */
	/* resume point (reconnect mode) */
	char epoch[64];
	long long seq;
	int welcomes;
	int64_t welcomed_rt;		/* realtime µs of the latest welcome */
	int64_t first_welcomed_rt;	/* realtime µs of the first one */
	int64_t retry_at;		/* reconnect: µs monotonic */
	/* commands in flight (askers, voters): send times by rid slot */
	int64_t sent[MAX_WINDOW];
	unsigned next_rid, inflight;
	unsigned vote_i;
};

/* What a process reports to the parent. */
struct result {
	uint64_t hist[HIST];
	uint64_t delivered, frames, bytes, max_us;
	uint64_t acks, errors, sent, closed, connected, refused;
	uint64_t min_got, viewers_done;
	uint64_t late;			/* loop turns where the rate could not be kept */
	int64_t first_welcome_rt, last_welcome_rt;
	uint64_t rewelcomed;
	uint64_t attempts;		/* connections opened */
	uint64_t welcomed;		/* join: viewers welcomed at least once */
	int64_t start_rt;		/* join: realtime µs when opening began */
};

static struct conn *conns;
static unsigned nconns;
static int ep;
static char *rbuf;
static struct result res;
static unsigned proc_index;
static int64_t t_start, t_end;		/* publishing window, µs monotonic */
static unsigned changes_total;		/* fanout: what the publisher will send */
static unsigned handshaking;
static unsigned long long nonce;	/* this run's: rids and client ids never repeat across runs */

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "surak-load: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

/* Log-linear buckets: 64 per power of two above 64 µs, exact below. */
static unsigned
bucket(uint64_t us)
{
	unsigned b;

	if (us < 64)
		return (unsigned)us;
	b = 63 - (unsigned)__builtin_clzll(us);	/* us in [2^b, 2^(b+1)) */
	b = 64 + (b - 6) * 64 + (unsigned)((us >> (b - 6)) & 63);
	return b < HIST ? b : HIST - 1;
}

static uint64_t
bucket_value(unsigned b)
{
	unsigned e, m;

	if (b < 64)
		return b;
	e = (b - 64) / 64 + 6;
	m = (b - 64) % 64;
	return ((uint64_t)(64 + m) << (e - 6)) + ((1ull << (e - 6)) >> 1);
}

static void
record(uint64_t us)
{
	res.hist[bucket(us)]++;
	if (us > res.max_us)
		res.max_us = us;
}

/* ---- output ---- */

static void
flush_out(struct conn *c)
{
	while (c->outlen > 0) {
		ssize_t n = write(c->fd, c->out, c->outlen);

		if (n < 0) {
			if (errno == EAGAIN) {
				struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.u32 = c->id };

				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				return;
			}
			return;		/* the read side will see the close */
		}
		memmove(c->out, c->out + n, c->outlen - (size_t)n);
		c->outlen -= (size_t)n;
	}
	free(c->out);
	c->out = NULL;
}

static void
send_raw(struct conn *c, const char *p, size_t n)
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

/* A masked text frame (the mask key is zero, which the RFC allows). */
static void
send_text(struct conn *c, const char *p, size_t n)
{
	char h[14 + 65536];
	size_t hl;

	if (n > 65535)
		die("frame too long");
	h[0] = (char)0x81;
	if (n < 126) {
		h[1] = (char)(0x80 | n);
		hl = 2;
	} else {
		h[1] = (char)(0x80 | 126);
		h[2] = (char)(n >> 8);
		h[3] = (char)(n & 0xff);
		hl = 4;
	}
	memset(h + hl, 0, 4);
	hl += 4;
	memcpy(h + hl, p, n);
	send_raw(c, h, hl + n);
}

static void
send_fmt(struct conn *c, const char *fmt, ...)
{
	char b[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	send_text(c, b, (size_t)n);
}

/* ---- connections ---- */

static void conn_start(struct conn *c);

static void
conn_close(struct conn *c)
{
	if (c->state == S_CLOSED)
		return;
	if (c->state == S_CONNECTING || c->state == S_UPGRADING)
		handshaking--;
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->state = S_CLOSED;
	free(c->left);
	c->left = NULL;
	c->leftlen = 0;
	free(c->out);
	c->out = NULL;
	c->outlen = 0;
	c->inflight = 0;
	res.closed++;
	if (opt.mode == M_RECONNECT || opt.mode == M_JOIN)
		c->retry_at = mono_us() + 50000 + (int64_t)(rand() % 100000);
}

static void
conn_start(struct conn *c)
{
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN, .data.u32 = c->id };
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	src.sin_addr.s_addr = htonl((127u << 24) | (unsigned)(opt.src_first + c->src));
	if (bind(c->fd, (struct sockaddr *)&src, sizeof(src)) < 0)
		die("bind 127.0.0.%d: %s", opt.src_first + c->src, strerror(errno));
	dst.sin_port = htons((uint16_t)opt.port);
	inet_pton(AF_INET, opt.host, &dst.sin_addr);
	if (connect(c->fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 && errno != EINPROGRESS)
		die("connect: %s", strerror(errno));
	c->state = S_CONNECTING;
	handshaking++;
	res.attempts++;
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void
send_upgrade(struct conn *c)
{
	char req[512];
	const char *path = opt.path;
	int n;

	if (path == NULL)
		path = opt.target == T_SURAK ? "/ws" : opt.target == T_NCHAN ? "/sub/bench" :
		    opt.target == T_SIO ? "/socket.io/?EIO=4&transport=websocket" : "/";
	if (opt.target == T_NCHAN && c->kind == K_PUBLISHER) {
		c->state = S_READY;	/* plain HTTP POSTs, keep-alive */
		handshaking--;
		return;
	}
	n = snprintf(req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: c3VyYWstbG9hZC1rZXkxMg==\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
	    path, opt.host, opt.port, opt.target == T_SURAK ? "Sec-WebSocket-Protocol: qa.v1\r\n" : "");
	c->state = S_UPGRADING;
	send_raw(c, req, (size_t)n);
}

/* The WebSocket is open: say what this connection is. */
static void
on_open(struct conn *c)
{
	handshaking--;
	res.connected++;
	c->state = S_OPEN;
	switch (opt.target) {
	case T_SURAK:
		if (c->kind == K_PUBLISHER)
			send_fmt(c, "{\"type\":\"hello\",\"room\":\"%s\",\"role\":\"moderator\","
			    "\"client\":\"m%llx-%u-%u\",\"key\":\"%s\"}", opt.room, nonce, proc_index, c->id, opt.key);
		else if (c->welcomes > 0 && c->epoch[0])
			send_fmt(c, "{\"type\":\"hello\",\"room\":\"%s\",\"role\":\"viewer\","
			    "\"client\":\"v%llx-%u-%u\",\"resume\":{\"epoch\":\"%s\",\"seq\":%lld}%s}",
			    opt.room, nonce, proc_index, c->id, c->epoch, c->seq,
			    opt.partial ? ",\"partial\":true" : "");
		else
			send_fmt(c, "{\"type\":\"hello\",\"room\":\"%s\",\"role\":\"viewer\","
			    "\"client\":\"v%llx-%u-%u\"%s}", opt.room, nonce, proc_index, c->id,
			    opt.partial ? ",\"partial\":true" : "");
		break;
	case T_SIO:
		break;		/* wait for the engine.io open packet */
	case T_NCHAN:
	case T_BARE:
		c->state = S_READY;
		break;
	}
}

/* ---- what arrives ---- */

static void
find_markers(struct conn *c, const char *p, size_t n, int64_t now)
{
	const char *end = p + n;

	while ((p = memmem(p, (size_t)(end - p), "#B", 2)) != NULL) {
		unsigned long long seq = 0, t = 0;
		const char *q = p + 2;

		while (q < end && *q >= '0' && *q <= '9')
			seq = seq * 10 + (unsigned)(*q++ - '0');
		if (q < end && *q == ':') {
			q++;
			while (q < end && *q >= '0' && *q <= '9')
				t = t * 10 + (unsigned)(*q++ - '0');
			if (q < end && *q == '#' && t > 0) {
				c->got++;
				res.delivered++;
				record((uint64_t)(now - (int64_t)t));
				if (c->got == changes_total)
					res.viewers_done++;
			}
		}
		p = q;
	}
}

static long long
json_int_after(const char *p, size_t n, const char *key)
{
	const char *k = memmem(p, n, key, strlen(key));
	long long v = 0;

	if (k == NULL)
		return -1;
	k += strlen(key);
	while (k < p + n && *k >= '0' && *k <= '9')
		v = v * 10 + (*k++ - '0');
	return v;
}

static void
on_surak(struct conn *c, const char *p, size_t n, int64_t now)
{
	if (n > 20 && memcmp(p, "{\"type\":\"welcome\"", 17) == 0) {
		const char *e = memmem(p, n, "\"epoch\":\"", 9);
		long long s = json_int_after(p, n, "\"seq\":");

		if (e) {
			const char *q = e + 9, *z = memchr(q, '"', (size_t)(p + n - q));

			if (z && (size_t)(z - q) < sizeof(c->epoch)) {
				memcpy(c->epoch, q, (size_t)(z - q));
				c->epoch[z - q] = '\0';
			}
		}
		if (s >= 0)
			c->seq = s;
		c->welcomes++;
		c->welcomed_rt = real_us();
		if (c->welcomes == 1)
			c->first_welcomed_rt = c->welcomed_rt;
		c->state = S_READY;
		return;
	}
	if (n > 20 && memcmp(p, "{\"type\":\"batch\",\"seq\":", 22) == 0) {
		long long s = json_int_after(p, n, "\"seq\":");

		if (s > c->seq)
			c->seq = s;
	} else if (n > 20 && memcmp(p, "{\"type\":\"event\",\"seq\":", 22) == 0) {
		long long s = json_int_after(p, n, "\"seq\":");

		if (s > c->seq)
			c->seq = s;
	} else if (n > 14 && (memcmp(p, "{\"type\":\"ack\"", 13) == 0 ||
	    memcmp(p, "{\"type\":\"error\"", 15) == 0)) {
		int ack = p[9] == 'a';
		const char *r = memmem(p, n, "\"rid\":\"", 7);

		if (ack)
			res.acks++;
		else
			res.errors++;
		if (r && (c->kind == K_ASKER || c->kind == K_VOTER)) {
			unsigned rid = (unsigned)strtoul(r + 7, NULL, 10);

			record((uint64_t)(now - c->sent[rid % MAX_WINDOW]));
			if (c->inflight > 0)
				c->inflight--;
		}
		return;
	}
	if (c->kind == K_VIEWER)
		find_markers(c, p, n, now);
}

static void
on_sio(struct conn *c, const char *p, size_t n, int64_t now)
{
	if (n >= 1 && p[0] == '0') {
		send_text(c, "40", 2);		/* connect to the default namespace */
		return;
	}
	if (n >= 2 && p[0] == '4' && p[1] == '0') {
		c->state = S_READY;
		return;
	}
	if (n == 1 && p[0] == '2') {
		send_text(c, "3", 1);		/* pong */
		return;
	}
	if (c->kind == K_VIEWER)
		find_markers(c, p, n, now);
}

static void
on_message(struct conn *c, const char *p, size_t n, int64_t now)
{
	res.frames++;
	res.bytes += n;
	switch (opt.target) {
	case T_SURAK: on_surak(c, p, n, now); break;
	case T_SIO: on_sio(c, p, n, now); break;
	default:
		if (c->kind == K_VIEWER)
			find_markers(c, p, n, now);
	}
}

/* Parses the frames in p[0..n); returns the bytes consumed. */
static size_t
parse_frames(struct conn *c, char *p, size_t n, int64_t now)
{
	size_t off = 0;

	while (n - off >= 2) {
		unsigned char b0 = (unsigned char)p[off], b1 = (unsigned char)p[off + 1];
		uint64_t len = b1 & 0x7f;
		size_t hl = 2;

		if (len == 126) {
			if (n - off < 4)
				break;
			len = ((uint64_t)(unsigned char)p[off + 2] << 8) | (unsigned char)p[off + 3];
			hl = 4;
		} else if (len == 127) {
			if (n - off < 10)
				break;
			len = 0;
			for (int i = 0; i < 8; i++)
				len = (len << 8) | (unsigned char)p[off + 2 + i];
			hl = 10;
		}
		if (n - off < hl + len)
			break;
		switch (b0 & 0x0f) {
		case 0x1:
		case 0x0:
			on_message(c, p + off + hl, (size_t)len, now);
			break;
		case 0x8:
			return (size_t)-1;
		case 0x9: {	/* a pong echoes the ping's payload (masked with zeros) */
			char pong[6 + 125] = { (char)0x8a, (char)(0x80 | (len & 0x7f)), 0, 0, 0, 0 };

			if (len <= 125) {
				memcpy(pong + 6, p + off + hl, (size_t)len);
				send_raw(c, pong, 6 + (size_t)len);
			}
			break;
		}
		default:
			break;
		}
		off += hl + (size_t)len;
	}
	return off;
}

static void
on_readable(struct conn *c)
{
	int64_t now;
	size_t have = c->leftlen, used;
	ssize_t r;

	if (have > RBUF / 2)
		die("a frame over %d bytes", RBUF / 2);
	if (have)
		memcpy(rbuf, c->left, have);
	r = read(c->fd, rbuf + have, RBUF - have);
	if (r <= 0) {
		if (r < 0 && errno == EAGAIN)
			return;
		conn_close(c);
		return;
	}
	have += (size_t)r;
	now = mono_us();
	if (c->state == S_UPGRADING) {
		char *eoh = memmem(rbuf, have, "\r\n\r\n", 4);

		if (eoh == NULL)
			goto keep;
		if (have < 12 || memcmp(rbuf + 9, "101", 3) != 0) {
			res.refused++;
			conn_close(c);
			return;
		}
		used = (size_t)(eoh + 4 - rbuf);
		memmove(rbuf, rbuf + used, have - used);
		have -= used;
		on_open(c);
	}
	if (opt.target == T_NCHAN && c->kind == K_PUBLISHER) {
		have = 0;	/* HTTP responses to the POSTs: not needed */
		goto keep;
	}
	used = parse_frames(c, rbuf, have, now);
	if (used == (size_t)-1) {
		conn_close(c);
		return;
	}
	memmove(rbuf, rbuf + used, have - used);
	have -= used;
keep:
	free(c->left);
	c->left = NULL;
	c->leftlen = have;
	if (have) {
		c->left = malloc(have);
		memcpy(c->left, rbuf, have);
	}
}

static void
on_event(struct conn *c, uint32_t events)
{
	if (c->state == S_CLOSED)
		return;
	if (c->state == S_CONNECTING && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		int err = 0;
		socklen_t l = sizeof(err);
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = c->id };

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			res.refused++;
			conn_close(c);
			return;
		}
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		send_upgrade(c);
		return;
	}
	if (events & EPOLLOUT) {
		flush_out(c);
		if (c->outlen == 0) {
			struct epoll_event ev = { .events = EPOLLIN, .data.u32 = c->id };

			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		}
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		on_readable(c);
}

/* ---- what the load sends ---- */

static void
publish(struct conn *c, unsigned seq)
{
	int64_t t = mono_us();
	char text[256];
	int n = snprintf(text, sizeof(text), "#B%u:%lld# Изменение номер %u", seq, (long long)t, seq);

	switch (opt.target) {
	case T_SURAK:
		send_fmt(c, "{\"type\":\"moderate\",\"rid\":\"p%llx-%u\",\"id\":%u,\"action\":\"edit\",\"text\":\"%s\"}",
		    nonce, seq, 1 + seq % (unsigned)opt.questions, text);
		break;
	case T_SIO:
		send_fmt(c, "42[\"pub\",\"%s\"]", text);
		break;
	case T_BARE:
		send_fmt(c, "PUB %s", text);
		break;
	case T_NCHAN: {
		char req[512];
		int m = snprintf(req, sizeof(req), "POST /pub?id=bench HTTP/1.1\r\nHost: %s\r\n"
		    "Content-Length: %d\r\n\r\n%s", opt.host, n, text);

		send_raw(c, req, (size_t)m);
		break;
	}
	}
	res.sent++;
}

/* Questions for ingest: half are a rewording of the question before. */
static const char *const topics[] = {
	"Когда починят дорогу", "Когда дадут горячую воду", "Почему нет света",
	"Когда откроют школу", "Когда уберут мусор", "Когда построят площадку",
	"Почему не ходит автобус", "Когда заменят трубы", "Когда поставят светофор",
	"Почему холодно в подъезде",
};
static const char *const streets[] = {
	"Абая", "Сатпаева", "Ауэзова", "Байтурсынова", "Кунаева", "Толе би",
	"Жибек жолы", "Назарбаева", "Достык", "Момышулы",
};

static void
ask(struct conn *c)
{
	/* Numbered from a place of this run's own (its nonce): a second run asks new questions, not the first's again. */
	unsigned rid = c->next_rid++, n = rid / 2 + c->id * 100000u + (unsigned)(nonce % 400) * 10000000u;
	const char *topic = topics[n % 10], *street = streets[(n / 10) % 10];

	c->sent[rid % MAX_WINDOW] = mono_us();
	c->inflight++;
	if (rid % 2 == 0)
		send_fmt(c, "{\"type\":\"ask\",\"rid\":\"%u\",\"text\":\"%s на улице %s, дом %u-%u?\"}",
		    rid, topic, street, proc_index, n);
	else		/* the same question, as another resident types it */
		send_fmt(c, "{\"type\":\"ask\",\"rid\":\"%u\",\"text\":\"здравствуйте %s на ул %s дом %u-%u\"}",
		    rid, topic, street, proc_index, n);
	res.sent++;
}

static void
vote(struct conn *c)
{
	unsigned rid = c->next_rid++, q = 1 + (c->vote_i / 2) % (unsigned)opt.questions;

	c->sent[rid % MAX_WINDOW] = mono_us();
	c->inflight++;
	send_fmt(c, "{\"type\":\"%s\",\"rid\":\"%u\",\"id\":%u}", c->vote_i % 2 ? "unvote" : "vote", rid, q);
	c->vote_i++;
	res.sent++;
}

/* ---- one process ---- */

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned
count_kind(enum kind k)
{
	unsigned i, n = 0;

	for (i = 0; i < nconns; i++)
		n += conns[i].kind == k;
	return n;
}

/* Every viewer has had `n` welcomes (reconnect: 2, the new hub's; join: 1). */
static int
all_welcomed(int n)
{
	for (unsigned i = 0; i < nconns; i++)
		if (conns[i].kind == K_VIEWER && conns[i].welcomes < n)
			return 0;
	return 1;
}

static int
all_ready(void)
{
	unsigned i;

	for (i = 0; i < nconns; i++)
		if (conns[i].state != S_READY)
			return 0;
	return 1;
}

/*
 * Runs this process's connections. Writes 'r' to `up` when every one is
 * ready, waits for 'g' on `down`, runs the load, writes its result.
 */
static void
child(unsigned index, unsigned viewers, unsigned publishers, unsigned askers, unsigned voters,
    int up, int down)
{
	struct epoll_event evs[512];
	unsigned i, started = 0, ready_sent = 0, next_change = 0, rr = 0;
	int64_t connect_deadline, period_us = opt.rate > 0 ? 1000000 / opt.rate : 0;
	int go = 0;

	proc_index = index;
	srand(index * 7919 + 1);
	nconns = viewers + publishers + askers + voters;
	conns = calloc(nconns ? nconns : 1, sizeof(*conns));
	rbuf = malloc(RBUF);
	ep = epoll_create1(EPOLL_CLOEXEC);
	for (i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];

		c->id = i;
		c->fd = -1;
		c->state = S_CLOSED;
		c->src = (int)((index * 7 + i) % (unsigned)opt.src_count);
		c->kind = i < publishers ? K_PUBLISHER : i < publishers + askers ? K_ASKER :
		    i < publishers + askers + voters ? K_VOTER : K_VIEWER;
	}
	fcntl(down, F_SETFL, O_NONBLOCK);
	connect_deadline = mono_us() + 120 * 1000000LL;
	while (!stop) {
		int64_t now = mono_us();
		int n, timeout = 1;

		/* Open connections, a bounded number of handshakes at a time. */
		if (opt.mode != M_JOIN)
			while (started < nconns && handshaking < (unsigned)opt.handshakes)
				conn_start(&conns[started++]);
		else if (go) {
			/* A crowd arriving: this process's share of --rate a second, from the go. */
			uint64_t due = (uint64_t)(now - t_start) * (uint64_t)opt.rate / 1000000 / (uint64_t)opt.procs;

			while (started < nconns && started <= due)
				conn_start(&conns[started++]);
		}
		if (opt.mode == M_RECONNECT || opt.mode == M_JOIN) {
			for (i = 0; i < nconns; i++)
				if (conns[i].state == S_CLOSED && conns[i].retry_at && now >= conns[i].retry_at &&
				    handshaking < (unsigned)opt.handshakes) {
					conns[i].retry_at = 0;
					conn_start(&conns[i]);
				}
		}
		if (!ready_sent && (opt.mode == M_JOIN || (started == nconns && all_ready()))) {
			if (write(up, "r", 1) != 1)
				die("pipe");
			ready_sent = 1;
		}
		if (!ready_sent && now > connect_deadline)
			die("process %u: connections not ready after 120 s", index);
		if (ready_sent && !go) {
			char b;

			if (read(down, &b, 1) == 1) {
				go = 1;
				t_start = mono_us();
				res.start_rt = real_us();
				t_end = t_start + (int64_t)opt.duration * 1000000;
				if (opt.mode == M_IDLE)
					t_end = INT64_MAX;
			}
		}
		if (go) {
			if (opt.mode == M_IDLE) {
				char b;

				if (read(down, &b, 1) >= 0)
					break;		/* the parent says stop (or is gone) */
			}
			if (opt.mode == M_RECONNECT && (now > t_end || all_welcomed(2)))
				break;
			if (opt.mode == M_JOIN && (now > t_end || (started == nconns && all_welcomed(1))))
				break;
			if (opt.mode == M_FANOUT && publishers > 0) {
				while (next_change < changes_total &&
				    now >= t_start + (int64_t)next_change * period_us)
					publish(&conns[0], next_change++);
			}
			if ((opt.mode == M_INGEST || opt.mode == M_VOTES) && now < t_end && opt.rate == 0) {
				/* As fast as acks come: every client keeps --window in flight. */
				for (i = 0; i < nconns; i++) {
					struct conn *c = &conns[i];

					if (c->state != S_READY || (c->kind != K_ASKER && c->kind != K_VOTER))
						continue;
					while (c->inflight < (unsigned)opt.window) {
						if (c->kind == K_ASKER)
							ask(c);
						else
							vote(c);
					}
				}
			} else if ((opt.mode == M_INGEST || opt.mode == M_VOTES) && now < t_end) {
				/*
				 * At --rate commands a second in all (this process's
				 * share), round robin over the clients; one with
				 * --window commands in flight is skipped, and if all
				 * are, the command is sent late (counted in `late`).
				 */
				uint64_t due = (uint64_t)((now - t_start) * (double)opt.rate /
				    (double)opt.procs / 1e6);
				unsigned tried = 0;

				while (res.sent < due && tried < nconns) {
					struct conn *c = &conns[rr++ % nconns];

					tried++;
					if (c->state != S_READY || (c->kind != K_ASKER && c->kind != K_VOTER) ||
					    c->inflight >= (unsigned)opt.window)
						continue;
					tried = 0;
					if (c->kind == K_ASKER)
						ask(c);
					else
						vote(c);
				}
				if (res.sent < due)
					res.late++;
			}
			if (opt.mode == M_FANOUT && now > t_end + (int64_t)opt.drain * 1000000)
				break;
			if (opt.mode == M_FANOUT && next_change == changes_total &&
			    res.viewers_done == viewers)
				break;
			if ((opt.mode == M_INGEST || opt.mode == M_VOTES) && now >= t_end) {
				unsigned busy = 0;

				for (i = 0; i < nconns; i++)
					busy += conns[i].inflight;
				if (busy == 0 || now > t_end + (int64_t)opt.drain * 1000000)
					break;
			}
		}
		n = epoll_wait(ep, evs, 512, timeout);
		for (int k = 0; k < n; k++)
			on_event(&conns[evs[k].data.u32], evs[k].events);
	}
	res.min_got = UINT64_MAX;
	res.first_welcome_rt = INT64_MAX;
	for (i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];

		if (c->kind == K_VIEWER && opt.mode == M_JOIN) {
			if (c->welcomes > 0) {
				res.welcomed++;
				if (c->first_welcomed_rt < res.first_welcome_rt)
					res.first_welcome_rt = c->first_welcomed_rt;
				if (c->first_welcomed_rt > res.last_welcome_rt)
					res.last_welcome_rt = c->first_welcomed_rt;
			}
		} else if (c->kind == K_VIEWER) {
			if (c->got < res.min_got)
				res.min_got = c->got;
			if (c->welcomes > 1) {
				res.rewelcomed++;
				if (c->welcomed_rt < res.first_welcome_rt)
					res.first_welcome_rt = c->welcomed_rt;
				if (c->welcomed_rt > res.last_welcome_rt)
					res.last_welcome_rt = c->welcomed_rt;
			}
		}
	}
	if (count_kind(K_VIEWER) == 0)
		res.min_got = 0;
	if (write(up, &res, sizeof(res)) != (ssize_t)sizeof(res))
		die("pipe");
	exit(0);
}

/* ---- the parent ---- */

static uint64_t
percentile(const uint64_t *hist, uint64_t total, double p)
{
	uint64_t want = (uint64_t)(p * (double)total), seen = 0;
	unsigned b;

	if (total == 0)
		return 0;
	for (b = 0; b < HIST; b++) {
		seen += hist[b];
		if (seen > want || seen == total)
			return bucket_value(b) < res.max_us ? bucket_value(b) : res.max_us;
	}
	return res.max_us;
}

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Names on the command line and in the summary, in enum order. */
static const char *const target_names[] = { "surak", "nchan", "socketio", "bare" };
static const char *const mode_names[] = { "fanout", "ingest", "votes", "reconnect", "join", "idle" };

static int
parse_name(const char *const *names, int n, const char *s, const char *what)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	die("unknown %s %s", what, s);
	return -1;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: surak-load MODE [options]   (MODE: fanout ingest votes reconnect join idle)\n"
	    "  --target surak|nchan|socketio|bare   what to load (surak)\n"
	    "  --host H --port P --path PATH       where (127.0.0.1:8080; the target's usual path)\n"
	    "  --room R --key K                    the room and its moderator key (surak)\n"
	    "  --viewers N --procs N               viewers, spread over N processes\n"
	    "  --rate E --duration D --drain S     changes (fanout, 100) or commands (ingest, votes;\n"
	    "                                      0: as fast as acks come) a second, for D s; S s to drain;\n"
	    "                                      join: connections opened a second in all\n"
	    "  --questions Q                       questions 1..Q that changes and votes touch\n"
	    "  --askers N --voters N --window W    ingest and vote load, W commands in flight each\n"
	    "  --src FIRST:COUNT                   source addresses 127.0.0.FIRST.. (10:50)\n"
	    "  --partial                           viewers and voters ask for a bounded welcome\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "target", 1, 0, 't' }, { "host", 1, 0, 'h' }, { "port", 1, 0, 'p' },
		{ "path", 1, 0, 'P' }, { "room", 1, 0, 'r' }, { "key", 1, 0, 'k' },
		{ "viewers", 1, 0, 'v' }, { "procs", 1, 0, 'n' }, { "rate", 1, 0, 'e' },
		{ "duration", 1, 0, 'd' }, { "drain", 1, 0, 'D' }, { "questions", 1, 0, 'q' },
		{ "askers", 1, 0, 'a' }, { "voters", 1, 0, 'V' }, { "window", 1, 0, 'w' },
		{ "src", 1, 0, 's' }, { "partial", 0, 0, 'W' }, { 0, 0, 0, 0 }
	};
	struct result total = { 0 };
	int ups[64], downs[64], o;
	pid_t pids[64];
	unsigned i, viewers_total;
	int64_t t0, t1;
	struct rlimit rl;

	if (argc < 2)
		usage();
	opt.mode = parse_name(mode_names, NELEM(mode_names), argv[1], "mode");
	optind = 2;
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 't': opt.target = parse_name(target_names, NELEM(target_names), optarg, "target"); break;
		case 'h': opt.host = optarg; break;
		case 'p': opt.port = atoi(optarg); break;
		case 'P': opt.path = optarg; break;
		case 'r': opt.room = optarg; break;
		case 'k': opt.key = optarg; break;
		case 'v': opt.viewers = atoi(optarg); break;
		case 'n': opt.procs = atoi(optarg); break;
		case 'e': opt.rate = atoi(optarg); break;
		case 'd': opt.duration = atoi(optarg); break;
		case 'D': opt.drain = atoi(optarg); break;
		case 'q': opt.questions = atoi(optarg); break;
		case 'a': opt.askers = atoi(optarg); break;
		case 'V': opt.voters = atoi(optarg); break;
		case 'w': opt.window = atoi(optarg); break;
		case 's':
			if (sscanf(optarg, "%d:%d", &opt.src_first, &opt.src_count) != 2)
				usage();
			break;
		case 'W': opt.partial = 1; break;
		default: usage();
		}
	}
	if (opt.procs < 1 || opt.procs > 64 || opt.window < 1 || opt.window > MAX_WINDOW)
		usage();
	if (opt.rate < 0)
		opt.rate = opt.mode == M_FANOUT ? 100 : 0;
	if (opt.target == T_SURAK && opt.mode == M_FANOUT && opt.key == NULL)
		die("--key (the room's moderator key) is needed to make changes");
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	nonce = (unsigned long long)real_us();
	changes_total = opt.mode == M_FANOUT ? (unsigned)(opt.rate * opt.duration) : 0;
	viewers_total = (unsigned)opt.viewers;

	for (i = 0; i < (unsigned)opt.procs; i++) {
		int a[2], b[2];
		unsigned v = viewers_total / (unsigned)opt.procs + (i < viewers_total % (unsigned)opt.procs);
		unsigned as = (unsigned)opt.askers / (unsigned)opt.procs + (i < (unsigned)opt.askers % (unsigned)opt.procs);
		unsigned vo = (unsigned)opt.voters / (unsigned)opt.procs + (i < (unsigned)opt.voters % (unsigned)opt.procs);

		if (pipe(a) < 0 || pipe(b) < 0)
			die("pipe");
		pids[i] = fork();
		if (pids[i] == 0) {
			close(a[0]);
			close(b[1]);
			child(i, v, i == 0 && opt.mode == M_FANOUT, as, vo, a[1], b[0]);
		}
		close(a[1]);
		close(b[0]);
		ups[i] = a[0];
		downs[i] = b[1];
	}
	/* Everyone connected and welcomed, then go. */
	for (i = 0; i < (unsigned)opt.procs; i++) {
		char c;

		if (read(ups[i], &c, 1) != 1 || c != 'r')
			die("process %u failed while connecting", i);
	}
	fprintf(stderr, "surak-load: %u viewers, %d askers, %d voters connected; go\n",
	    viewers_total, opt.askers, opt.voters);
	if (opt.mode == M_IDLE || opt.mode == M_RECONNECT) {
		printf("ready\n");
		fflush(stdout);
	}
	t0 = mono_us();
	for (i = 0; i < (unsigned)opt.procs; i++)
		if (write(downs[i], "g", 1) != 1)
			die("pipe");
	if (opt.mode == M_IDLE) {
		char b[64];

		while (read(0, b, sizeof(b)) > 0)
			;	/* until the caller closes our stdin */
		for (i = 0; i < (unsigned)opt.procs; i++)
			if (write(downs[i], "s", 1) != 1)
				die("pipe");
	}
	total.min_got = UINT64_MAX;
	total.first_welcome_rt = INT64_MAX;
	for (i = 0; i < (unsigned)opt.procs; i++) {
		struct result r;
		size_t got = 0;

		while (got < sizeof(r)) {
			ssize_t n = read(ups[i], (char *)&r + got, sizeof(r) - got);

			if (n <= 0)
				die("process %u died", i);
			got += (size_t)n;
		}
		for (int b = 0; b < HIST; b++)
			total.hist[b] += r.hist[b];
		total.delivered += r.delivered;
		total.frames += r.frames;
		total.bytes += r.bytes;
		total.acks += r.acks;
		total.errors += r.errors;
		total.sent += r.sent;
		total.closed += r.closed;
		total.refused += r.refused;
		total.rewelcomed += r.rewelcomed;
		total.welcomed += r.welcomed;
		total.attempts += r.attempts;
		if (total.start_rt == 0 || (r.start_rt && r.start_rt < total.start_rt))
			total.start_rt = r.start_rt;
		total.late += r.late;
		if (r.max_us > total.max_us)
			total.max_us = r.max_us;
		if (r.min_got < total.min_got)
			total.min_got = r.min_got;
		if (r.first_welcome_rt < total.first_welcome_rt)
			total.first_welcome_rt = r.first_welcome_rt;
		if (r.last_welcome_rt > total.last_welcome_rt)
			total.last_welcome_rt = r.last_welcome_rt;
		waitpid(pids[i], NULL, 0);
	}
	t1 = mono_us();
	res.max_us = total.max_us;	/* percentile() caps at the largest seen */
	{
		uint64_t n = 0;
		double secs = (double)(t1 - t0) / 1e6;

		for (int b = 0; b < HIST; b++)
			n += total.hist[b];
		switch (opt.mode) {
		case M_FANOUT: {
			uint64_t expected = (uint64_t)changes_total * viewers_total;
			double active = (double)opt.duration;

			printf("fanout target=%s viewers=%u rate=%d/s changes=%u delivered=%llu/%llu (%.2f%%) "
			    "min_per_viewer=%llu deliveries_per_s=%.0f p50=%.1fms p99=%.1fms max=%.1fms "
			    "frames=%llu\n", target_names[opt.target], viewers_total, opt.rate, changes_total,
			    (unsigned long long)total.delivered, (unsigned long long)expected,
			    expected ? 100.0 * (double)total.delivered / (double)expected : 0,
			    (unsigned long long)total.min_got, (double)total.delivered / active,
			    (double)percentile(total.hist, n, 0.50) / 1000,
			    (double)percentile(total.hist, n, 0.99) / 1000, (double)total.max_us / 1000,
			    (unsigned long long)total.frames);
			break;
		}
		case M_INGEST:
		case M_VOTES: {
			char ratebuf[24];

			if (opt.rate > 0)
				snprintf(ratebuf, sizeof(ratebuf), "%d/s", opt.rate);
			else
				snprintf(ratebuf, sizeof(ratebuf), "max");
			printf("%s target=%s clients=%d window=%d rate=%s sent=%llu acks=%llu errors=%llu "
			    "acks_per_s=%.0f p50=%.2fms p99=%.2fms max=%.1fms viewer_frames=%llu late=%llu\n",
			    mode_names[opt.mode], target_names[opt.target],
			    opt.mode == M_INGEST ? opt.askers : opt.voters, opt.window, ratebuf,
			    (unsigned long long)total.sent, (unsigned long long)total.acks,
			    (unsigned long long)total.errors, (double)total.acks / (double)opt.duration,
			    (double)percentile(total.hist, n, 0.50) / 1000,
			    (double)percentile(total.hist, n, 0.99) / 1000, (double)total.max_us / 1000,
			    (unsigned long long)total.frames, (unsigned long long)total.late);
			(void)secs;
			break;
		}
		case M_RECONNECT:
			printf("reconnect viewers=%u resynced=%llu first_rt_us=%lld last_rt_us=%lld closed=%llu\n",
			    viewers_total, (unsigned long long)total.rewelcomed,
			    (long long)(total.first_welcome_rt == INT64_MAX ? 0 : total.first_welcome_rt),
			    (long long)total.last_welcome_rt, (unsigned long long)total.closed);
			break;
		case M_JOIN:
			printf("join viewers=%u rate=%d/s welcomed=%llu start_rt_us=%lld first_rt_us=%lld "
			    "last_rt_us=%lld connections=%llu closed=%llu\n",
			    viewers_total, opt.rate, (unsigned long long)total.welcomed, (long long)total.start_rt,
			    (long long)(total.first_welcome_rt == INT64_MAX ? 0 : total.first_welcome_rt),
			    (long long)total.last_welcome_rt, (unsigned long long)total.attempts,
			    (unsigned long long)total.closed);
			break;
		case M_IDLE:
			printf("idle viewers=%u closed=%llu\n", viewers_total, (unsigned long long)total.closed);
			break;
		}
	}
	return 0;
}
