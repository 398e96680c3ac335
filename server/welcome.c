/*
 * welcome: see welcome.h. The caches are valid for one seq of the copy and
 * rebuilt on the first welcome after it moves.
 */
#include "welcome.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "msg.h"
#include "render.h"
#include "room.h"
#include "util.h"

void
welcome_drop_caches(struct room *rm)
{
	int i;

	for (i = 0; i < ROLE_COUNT; i++) {
		msg_unref(rm->welcome[i]);
		rm->welcome[i] = NULL;
	}
	free(rm->ranked);
	rm->ranked = NULL;
	rm->nranked = 0;
	rm->ranked_valid = 0;
}

static void
send_json(struct member *m, struct sbuf *b)
{
	struct msg *msg = msg_from_sbuf(b);

	room_ops->send(m, msg);
	msg_unref(msg);
}

/* The full welcome shared by every member of a role with nothing personal. */
static struct msg *
shared_welcome(struct room *rm, enum role role)
{
	enum view view = role_view(role);
	struct sbuf b = { 0 };
	json_t **v;
	size_t n;

	if (rm->welcome[role] && rm->welcome_seq[role] == rm->copy.seq)
		return rm->welcome[role];
	msg_unref(rm->welcome[role]);
	v = copy_ranked(&rm->copy, view, &n);
	sbuf_init(&b, 256 + n * 256);
	render_welcome_head(&b, role, rm->copy.meta, rm->copy.epoch, rm->copy.seq, 0);
	render_welcome_questions(&b, v, n, view, NULL, 0);
	sbuf_adds(&b, "]}");
	free(v);
	rm->welcome[role] = msg_from_sbuf(&b);
	rm->welcome_seq[role] = rm->copy.seq;
	sbuf_free(&b);
	return rm->welcome[role];
}

/* A viewer's welcome with its own questions and votes marked. */
static void
personal_welcome(struct room *rm, struct member *m)
{
	struct marks who = { &m->mine, &m->voted };
	struct sbuf b = { 0 };
	size_t i, k;

	if (!rm->ranked_valid || rm->ranked_seq != rm->copy.seq) {
		free(rm->ranked);
		rm->ranked = copy_ranked(&rm->copy, VIEW_PUBLIC, &rm->nranked);
		rm->ranked_seq = rm->copy.seq;
		rm->ranked_valid = 1;
	}
	sbuf_init(&b, 256 + rm->nranked * 256);
	render_welcome_head(&b, ROLE_VIEWER, rm->copy.meta, rm->copy.epoch, rm->copy.seq, 0);
	render_welcome_questions(&b, rm->ranked, rm->nranked, VIEW_PUBLIC, &who, 0);
	/* The client's own questions that the public does not see. */
	for (i = 0, k = rm->nranked; i < m->mine.n; i++) {
		json_t *q = copy_question(&rm->copy, m->mine.v[i]);

		if (q == NULL || proto_status_public(json_string_value(json_object_get(q, "status"))))
			continue;
		render_welcome_questions(&b, &q, 1, VIEW_PUBLIC, &who, k++);
	}
	sbuf_adds(&b, "]}");
	send_json(m, &b);
	sbuf_free(&b);
}

void
welcome_send(struct room *rm, struct member *m, int allow_resume)
{
	const struct copy *c = &rm->copy;
	long from;

	if (allow_resume && m->resume && strcmp(m->epoch, c->epoch) == 0 &&
	    (uint64_t)m->resume_seq <= c->seq &&
	    (from = copy_after(c, (uint64_t)m->resume_seq)) >= 0) {
		struct marks who = { &m->mine, &m->voted };
		struct sbuf b = { 0 };
		size_t n = c->ring_len - (size_t)from, i;
		struct event **evs = xmalloc((n ? n : 1) * sizeof(*evs));

		for (i = 0; i < n; i++)
			evs[i] = copy_event(c, (size_t)from + i);
		sbuf_init(&b, 512);
		render_welcome_head(&b, m->role, c->meta, c->epoch, c->seq, 1);
		send_json(m, &b);
		sbuf_reset(&b);
		if (n > 0 && render_events(&b, evs, n, role_view(m->role),
		    m->role == ROLE_VIEWER ? &who : NULL, (long long)c->seq) > 0)
			send_json(m, &b);
		sbuf_free(&b);
		free(evs);
		return;
	}
	if (m->role == ROLE_VIEWER && (m->mine.n > 0 || m->voted.n > 0))
		personal_welcome(rm, m);
	else
		room_ops->send(m, shared_welcome(rm, m->role));
}
