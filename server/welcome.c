/*
 * welcome: see welcome.h. What is rendered once and shared, per role:
 *   - the full welcome, valid for one seq of the copy and rebuilt on the
 *     first welcome after it moves; for viewers it also records where each
 *     question's bytes are (struct welcome_index), so a viewer's personal
 *     welcome is the shared bytes with its own questions marked, spliced in
 *     place, not a rendering of the whole room again;
 *   - the missed events of a resume, for every member resuming from the
 *     same seq to the same seq that has nothing of its own among them (after
 *     a hub restart, that is the whole crowd).
 */
#include "welcome.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "msg.h"
#include "render.h"
#include "room.h"
#include "util.h"

struct welcome_index {
	size_t head;			/* bytes up to and including "questions":[ */
	size_t n;
	long long *id;
	size_t *start, *end;		/* each question's bytes: [start, end) */
};

static void
index_free(struct welcome_index *x)
{
	if (x == NULL)
		return;
	free(x->id);
	free(x->start);
	free(x->end);
	free(x);
}

void
welcome_drop_caches(struct room *rm)
{
	int i;

	for (i = 0; i < ROLE_COUNT; i++) {
		msg_unref(rm->welcome[i]);
		rm->welcome[i] = NULL;
		msg_unref(rm->resumed[i]);
		rm->resumed[i] = NULL;
		msg_unref(rm->partial[i]);
		rm->partial[i] = NULL;
	}
	for (i = 0; i < 2; i++) {
		free(rm->order[i]);
		rm->order[i] = NULL;
		rm->norder[i] = 0;
	}
	index_free(rm->windex);
	rm->windex = NULL;
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
	struct welcome_index *x = NULL;
	struct sbuf b = { 0 };
	json_t **v;
	size_t n, i;

	if (rm->welcome[role] && rm->welcome_seq[role] == rm->copy.seq)
		return rm->welcome[role];
	msg_unref(rm->welcome[role]);
	v = copy_ranked(&rm->copy, view, &n);
	sbuf_init(&b, 256 + n * 256);
	render_welcome_head(&b, role, rm->copy.meta, rm->copy.epoch, rm->copy.seq, 0);
	if (role == ROLE_VIEWER) {
		index_free(rm->windex);
		rm->windex = x = xcalloc(1, sizeof(*x));
		x->head = b.len;
		x->n = n;
		x->id = xmalloc((n ? n : 1) * sizeof(*x->id));
		x->start = xmalloc((n ? n : 1) * sizeof(*x->start));
		x->end = xmalloc((n ? n : 1) * sizeof(*x->end));
	}
	for (i = 0; i < n; i++) {
		if (x) {
			x->id[i] = json_integer_value(json_object_get(v[i], "id"));
			x->start[i] = b.len + (i > 0);
		}
		render_welcome_questions(&b, &v[i], 1, view, NULL, i);
		if (x)
			x->end[i] = b.len;
	}
	sbuf_adds(&b, "]}");
	free(v);
	rm->welcome[role] = msg_from_sbuf(&b);
	rm->welcome_seq[role] = rm->copy.seq;
	sbuf_free(&b);
	return rm->welcome[role];
}

/* A viewer's welcome: the shared one, with its own questions and votes marked. */
static void
personal_welcome(struct room *rm, struct member *m)
{
	struct msg *shared = shared_welcome(rm, ROLE_VIEWER);
	const struct welcome_index *x = rm->windex;
	const char *data = (const char *)shared->data;
	struct marks who = { &m->mine, &m->voted, &m->own };
	struct sbuf b = { 0 };
	size_t i, k;

	sbuf_init(&b, shared->len + 64 * (m->mine.n + m->voted.n) + 256);
	sbuf_add(&b, data, x->head);
	for (i = 0; i < x->n; i++) {
		int mine = idset_has(&m->mine, x->id[i]), voted = idset_has(&m->voted, x->id[i]);

		if (i > 0)
			sbuf_addc(&b, ',');
		if (!mine && !voted) {
			sbuf_add(&b, data + x->start[i], x->end[i] - x->start[i]);
			continue;
		}
		/* Its closing brace last: the marks go before it, as proto_write_question() puts them. */
		sbuf_add(&b, data + x->start[i], x->end[i] - x->start[i] - 1);
		if (mine)
			sbuf_adds(&b, ",\"mine\":true");
		if (voted)
			sbuf_adds(&b, ",\"voted\":true");
		sbuf_addc(&b, '}');
	}
	/* The client's own questions that the public does not see. */
	for (i = 0, k = x->n; i < m->mine.n; i++) {
		json_t *q = copy_question(&rm->copy, m->mine.v[i]);

		if (q == NULL || proto_status_public(json_string_value(json_object_get(q, "status"))))
			continue;
		render_welcome_questions(&b, &q, 1, VIEW_PUBLIC, &who, k++);
	}
	sbuf_adds(&b, "]}");
	send_json(m, &b);
	sbuf_free(&b);
}

/* ---- partial welcomes and pages ---- */

/*
 * Bytes of questions in a partial welcome: a phone's first screens several
 * times over (about fifty questions), under a tenth of a second on a
 * 1.6 Mbit/s mobile link (docs/BENCHMARKS.md, "Pages").
 */
#define WELCOME_BUDGET (16 * 1024)

/* The public questions by rank (0) or newest first (1), at the copy's seq. */
static json_t **
order(struct room *rm, int newest, size_t *n)
{
	if (rm->order[newest] == NULL || rm->order_seq[newest] != rm->copy.seq) {
		free(rm->order[newest]);
		rm->order[newest] = newest ? copy_newest(&rm->copy, VIEW_PUBLIC, &rm->norder[newest]) :
		    copy_ranked(&rm->copy, VIEW_PUBLIC, &rm->norder[newest]);
		rm->order_seq[newest] = rm->copy.seq;
	}
	*n = rm->norder[newest];
	return rm->order[newest];
}

static long long
qid(const json_t *q)
{
	return json_integer_value(json_object_get(q, "id"));
}

/* Writes q unless it was written already; returns 1 if written. */
static int
add_once(struct sbuf *b, json_t *q, const struct marks *who, struct idset *done, size_t *k)
{
	if (q == NULL || !idset_add(done, qid(q)))
		return 0;
	render_welcome_questions(b, &q, 1, VIEW_PUBLIC, who, (*k)++);
	return 1;
}

/*
 * The questions of a partial welcome for m (NULL: shared by everyone of a
 * role with nothing personal), after the head.
 */
static void
partial_questions(struct room *rm, struct member *m, struct sbuf *b)
{
	struct marks who = { m ? &m->mine : NULL, m ? &m->voted : NULL, m ? &m->own : NULL };
	const struct marks *w = m ? &who : NULL;
	struct idset done = { 0 };
	size_t ntop, nnew, i, k = 0, start = b->len;
	json_t **top = order(rm, 0, &ntop), **nw = order(rm, 1, &nnew);
	json_t *q;

	/* The question on air, wherever it ranks. */
	for (i = 0; i < ntop; i++)
		if (json_is_true(json_object_get(top[i], "featured"))) {
			add_once(b, top[i], w, &done, &k);
			break;
		}
	/* The viewer's own, public or not. */
	for (i = 0; m && i < m->mine.n; i++) {
		q = copy_question(&rm->copy, m->mine.v[i]);
		if (q && (proto_status_public(json_string_value(json_object_get(q, "status"))) ||
		    m->role == ROLE_VIEWER))
			add_once(b, q, w, &done, &k);
	}
	/* The top and the newest in turn, while the budget lasts. */
	for (i = 0; (i < ntop || i < nnew) && b->len - start < WELCOME_BUDGET; i++) {
		if (i < ntop)
			add_once(b, top[i], w, &done, &k);
		if (i < nnew && b->len - start < WELCOME_BUDGET)
			add_once(b, nw[i], w, &done, &k);
	}
	/* How far each order is in the welcome without a hole: pages go on from there. */
	for (i = 0; i < ntop && idset_has(&done, qid(top[i])); i++)
		;
	sbuf_printf(b, "],\"partial\":{\"total\":%zu,\"top\":%zu,", ntop, i);
	for (i = 0; i < nnew && idset_has(&done, qid(nw[i])); i++)
		;
	sbuf_printf(b, "\"new\":%zu}}", i);
	idset_free(&done);
}

static void
partial_welcome(struct room *rm, struct member *m)
{
	int personal = m->role == ROLE_VIEWER && (m->mine.n > 0 || m->voted.n > 0);
	struct sbuf b = { 0 };

	if (!personal && rm->partial[m->role] && rm->partial_seq[m->role] == rm->copy.seq) {
		room_ops->send(m, rm->partial[m->role]);
		return;
	}
	sbuf_init(&b, WELCOME_BUDGET + 4096);
	render_welcome_head(&b, m->role, rm->copy.meta, rm->copy.epoch, rm->copy.seq, 0);
	partial_questions(rm, personal ? m : NULL, &b);
	if (personal) {
		send_json(m, &b);
	} else {
		msg_unref(rm->partial[m->role]);
		rm->partial[m->role] = msg_from_sbuf(&b);
		rm->partial_seq[m->role] = rm->copy.seq;
		room_ops->send(m, rm->partial[m->role]);
	}
	sbuf_free(&b);
}

void
welcome_page(struct room *rm, struct member *m, int newest, size_t offset, size_t limit,
    struct sbuf *out)
{
	struct marks who = { &m->mine, &m->voted, &m->own };
	enum view view = role_view(m->role);
	size_t n, i, k = 0;
	json_t **v;

	if (view == VIEW_FULL)
		v = newest ? copy_newest(&rm->copy, VIEW_FULL, &n) : copy_ranked(&rm->copy, VIEW_FULL, &n);
	else
		v = order(rm, newest, &n);
	sbuf_adds(out, "\"questions\":[");
	for (i = offset; i < n && i < offset + limit; i++)
		render_welcome_questions(out, &v[i], 1, view, m->role == ROLE_VIEWER ? &who : NULL, k++);
	sbuf_printf(out, "],\"total\":%zu", n);
	if (view == VIEW_FULL)
		free(v);
}

/* 1 if an event among evs concerns one of the viewer's own questions or votes. */
static int
touches(const struct member *m, struct event *const *evs, size_t n)
{
	size_t i;

	if (m->role != ROLE_VIEWER || (m->mine.n == 0 && m->voted.n == 0))
		return 0;
	for (i = 0; i < n; i++)
		if ((evs[i]->op == EV_UPSERT || evs[i]->op == EV_REMOVE) &&
		    (idset_has(&m->mine, evs[i]->qid) || idset_has(&m->voted, evs[i]->qid)))
			return 1;
	return 0;
}

/* welcome resumed:true, then the events after `from`, rendered for m. */
static void
resume(struct room *rm, struct member *m, long from)
{
	const struct copy *c = &rm->copy;
	size_t n = c->ring_len - (size_t)from, i;
	struct event **evs = xmalloc((n ? n : 1) * sizeof(*evs));
	struct marks who = { &m->mine, &m->voted, &m->own };
	struct sbuf b = { 0 };
	int own;

	for (i = 0; i < n; i++)
		evs[i] = copy_event(c, (size_t)from + i);
	sbuf_init(&b, 512);
	render_welcome_head(&b, m->role, c->meta, c->epoch, c->seq, 1);
	send_json(m, &b);
	sbuf_reset(&b);
	own = touches(m, evs, n);
	if (n == 0) {
		/* Up to date: nothing more. */
	} else if (!own && rm->resumed[m->role] && rm->resumed_from[m->role] == (uint64_t)m->resume_seq &&
	    rm->resumed_to[m->role] == c->seq) {
		room_ops->send(m, rm->resumed[m->role]);
	} else if (render_events(&b, evs, n, role_view(m->role), own ? &who : NULL, (long long)c->seq) > 0) {
		struct msg *msg = msg_from_sbuf(&b);

		if (!own) {
			msg_unref(rm->resumed[m->role]);
			rm->resumed[m->role] = msg_ref(msg);
			rm->resumed_from[m->role] = (uint64_t)m->resume_seq;
			rm->resumed_to[m->role] = c->seq;
		}
		room_ops->send(m, msg);
		msg_unref(msg);
	}
	sbuf_free(&b);
	free(evs);
}

void
welcome_send(struct room *rm, struct member *m, int allow_resume)
{
	const struct copy *c = &rm->copy;
	long from;

	if (allow_resume && m->resume && strcmp(m->epoch, c->epoch) == 0 &&
	    (uint64_t)m->resume_seq <= c->seq &&
	    (from = copy_after(c, (uint64_t)m->resume_seq)) >= 0) {
		resume(rm, m, from);
		return;
	}
	if (m->partial && role_view(m->role) == VIEW_PUBLIC)
		partial_welcome(rm, m);
	else if (m->role == ROLE_VIEWER && (m->mine.n > 0 || m->voted.n > 0))
		personal_welcome(rm, m);
	else
		room_ops->send(m, shared_welcome(rm, m->role));
}
