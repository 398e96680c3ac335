/*
 * outq: see outq.h. The ring is allocated on first use, so an idle
 * connection (most viewers, most of the time) costs no ring at all.
 */
#include "outq.h"

#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "util.h"

void
outq_init(struct outq *q, unsigned max)
{
	memset(q, 0, sizeof(*q));
	q->max = max;
}

void
outq_clear(struct outq *q)
{
	while (q->len > 0)
		msg_unref(outq_pop(q));
	q->head = 0;
}

void
outq_free(struct outq *q)
{
	outq_clear(q);
	free(q->q);
	q->q = NULL;
	q->cap = 0;
}

static void
grow(struct outq *q)
{
	unsigned cap = q->cap ? q->cap * 2 : 4, i;
	struct msg **ring;

	if (cap > q->max)
		cap = q->max;
	ring = xmalloc(cap * sizeof(*ring));
	for (i = 0; i < q->len; i++)
		ring[i] = q->q[(q->head + i) % q->cap];
	free(q->q);
	q->q = ring;
	q->cap = cap;
	q->head = 0;
}

enum outq_verdict
outq_push(struct outq *q, struct msg *m)
{
	if (q->len == q->cap) {
		if (q->cap >= q->max)
			return q->written >= q->resync_at ? OUTQ_RESYNC : OUTQ_CLOSE;
		grow(q);
	}
	q->q[(q->head + q->len) % q->cap] = msg_ref(m);
	q->len++;
	return OUTQ_QUEUED;
}

struct msg *
outq_pop(struct outq *q)
{
	struct msg *m;

	if (q->len == 0)
		return NULL;
	m = q->q[q->head];
	q->head = (q->head + 1) % q->cap;
	q->len--;
	return m;
}

void
outq_wrote(struct outq *q)
{
	q->written++;
}

void
outq_resynced(struct outq *q)
{
	q->resync_at = q->written + 1;
}
