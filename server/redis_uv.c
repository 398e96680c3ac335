/*
 * redis_uv: hiredis 0.14's async API on a libuv loop.
 *
 * Debian's adapters/libuv.h returns early when libuv reports a poll error.
 * That is what happens when Redis dies with commands still unread in its
 * socket: the kernel answers with a reset, libuv reports POLLERR (and stops
 * the poll), the adapter ignores it, and the connection looks alive until
 * the store's watchdog gives up on a reply. Here an error is handed to
 * hiredis as the readiness it was waiting for: its read or write then
 * fails with the socket's error and it disconnects at once.
 *
 * hiredis reads at most 16 KiB per call. A wake-up reads on while the
 * socket holds more (up to READS_PER_WAKE calls): a room's snapshot is
 * hundreds of KiB, and with one read a turn, in a turn made long by a
 * crowd's handshakes, it took the best part of a second to arrive
 * (docs/BENCHMARKS.md, "Join storm"). Redis replies come first.
 *
 * Commands are written when the loop is about to sleep (a prepare
 * handle), not when the socket next reports writable: everything a turn
 * queued goes out in one write, with no wake-up in between, and the poll
 * keeps watching for reads only. Only a write the kernel could not take
 * whole waits for writability. A poll is changed only when what it
 * watches changes: libuv's uv_poll_start() takes the descriptor out of
 * epoll and puts it back, three system calls, and switching to writable
 * and back for every command cost the hub about ten of them per ask
 * (strace -c; docs/BENCHMARKS.md, "Cheaper turns").
 */
#include <stdlib.h>
#include <sys/ioctl.h>

#include "redis_uv.h"

#define READS_PER_WAKE 64

struct redis_uv {
	redisAsyncContext *ac;		/* NULL once hiredis let go */
	uv_poll_t poll;
	uv_prepare_t flush;		/* writes what the turn queued */
	int events;
	int flushing;			/* inside redisAsyncHandleWrite() from flush */
	int handles;			/* handles not yet closed */
};

static void
on_poll(uv_poll_t *h, int status, int events)
{
	struct redis_uv *p = h->data;

	if (status < 0)
		events = p->events;
	if (p->ac && (events & UV_READABLE)) {
		int more = 0, i = 0;

		do
			redisAsyncHandleRead(p->ac);
		while (status == 0 && p->ac && ++i < READS_PER_WAKE &&
		    ioctl(p->ac->c.fd, FIONREAD, &more) == 0 && more > 0);
	}
	if (p->ac && (events & UV_WRITABLE))
		redisAsyncHandleWrite(p->ac);
}

static void
update(struct redis_uv *p, int add, int del)
{
	int events = (p->events | add) & ~del;

	if (events == p->events && (events == 0 || uv_is_active((uv_handle_t *)&p->poll)))
		return;
	p->events = events;
	if (events)
		uv_poll_start(&p->poll, events, on_poll);
	else
		uv_poll_stop(&p->poll);
}

static void
on_flush(uv_prepare_t *h)
{
	struct redis_uv *p = h->data;

	uv_prepare_stop(h);
	if (p->ac == NULL)
		return;
	/* Not all written: hiredis calls add_write() and the poll waits for room. */
	p->flushing = 1;
	redisAsyncHandleWrite(p->ac);
	p->flushing = 0;
}

static void add_read(void *d) { update(d, UV_READABLE, 0); }
static void del_read(void *d) { update(d, 0, UV_READABLE); }
static void del_write(void *d) { update(d, 0, UV_WRITABLE); }

static void
add_write(void *d)
{
	struct redis_uv *p = d;

	/* Connecting, or the kernel's buffer full: wait until writable. */
	if (p->flushing || !(p->ac->c.flags & REDIS_CONNECTED))
		update(p, UV_WRITABLE, 0);
	else
		uv_prepare_start(&p->flush, on_flush);
}

static void
on_close(uv_handle_t *h)
{
	struct redis_uv *p = h->data;

	if (--p->handles == 0)
		free(p);
}

static void
cleanup(void *d)
{
	struct redis_uv *p = d;

	p->ac = NULL;
	uv_close((uv_handle_t *)&p->poll, on_close);
	uv_close((uv_handle_t *)&p->flush, on_close);
}

int
redis_uv_attach(redisAsyncContext *ac, uv_loop_t *loop)
{
	struct redis_uv *p;

	if (ac->ev.data != NULL)
		return REDIS_ERR;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return REDIS_ERR;
	if (uv_poll_init_socket(loop, &p->poll, ac->c.fd) != 0) {
		free(p);
		return REDIS_ERR;
	}
	uv_prepare_init(loop, &p->flush);
	p->handles = 2;
	p->ac = ac;
	p->poll.data = p;
	p->flush.data = p;
	ac->ev.data = p;
	ac->ev.addRead = add_read;
	ac->ev.delRead = del_read;
	ac->ev.addWrite = add_write;
	ac->ev.delWrite = del_write;
	ac->ev.cleanup = cleanup;
	return REDIS_OK;
}
