/*
 * msg: shared frames. A message is freed when its last holder (a
 * connection's queue, a room's snapshot cache) lets go of it. lws_write()
 * writes the WebSocket header into the headroom before data; every holder
 * writes the same header for the same length, so sharing is safe on our
 * single thread.
 */
#include "msg.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static size_t live;

struct msg *
msg_new(const char *json, size_t len)
{
	struct msg *m = xmalloc(sizeof(*m) + LWS_PRE + len + 1);

	m->refs = 1;
	m->len = len;
	m->data = m->buf + LWS_PRE;
	memcpy(m->data, json, len);
	m->data[len] = '\0';
	live++;
	return m;
}

struct msg *
msg_from_sbuf(const struct sbuf *b)
{
	return msg_new(b->data, b->len);
}

struct msg *
msg_ref(struct msg *m)
{
	m->refs++;
	return m;
}

void
msg_unref(struct msg *m)
{
	if (m == NULL || --m->refs > 0)
		return;
	live--;
	free(m);
}

size_t
msg_live(void)
{
	return live;
}
