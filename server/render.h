/*
 * render: what a client receives, as bytes. Pure functions of events and
 * the room's copy: no sockets, no Redis.
 *
 * A batch of events is rendered once per view and shared by every session
 * of that view; only what concerns one viewer alone (its own questions
 * while they are not public, marked mine/voted) is rendered for that
 * viewer, through `marks`.
 */
#ifndef SURAK_RENDER_H
#define SURAK_RENDER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "role.h"

struct sbuf;
struct event;
struct idset;

/* One viewer's own questions, votes and own words; NULL marks render for everyone. */
struct marks {
	const struct idset *mine;
	const struct idset *voted;
	const struct ownviews *own;	/* may be NULL */
};

struct ownviews;
/* The viewer's own words of question id, or NULL. */
const char *ownviews_get(const struct ownviews *o, long long id);

/*
 * A question as `view` sees it, and `who` when set: the viewer's own words
 * instead of a question it shares but the public may not see.
 */
void render_question(struct sbuf *b, const json_t *q, enum view view, const struct marks *who);

/*
 * Writes what events evs[0..n) look like to `view` (and, with `who`, to
 * that one viewer, who also sees its own questions whatever their status):
 *   - several changes of one question become its last state;
 *   - of several room changes, the last;
 *   - the public view sees a question that is not public only as a
 *     `remove`, and only if it was public before the batch;
 *   - keys events are for hubs and never rendered.
 * Writes one event alone, or a batch carrying `watermark` as its seq;
 * returns how many events were written.
 */
size_t render_events(struct sbuf *out, struct event *const *evs, size_t n, enum view view,
    const struct marks *who, long long watermark);

/*
 * The start of a welcome: up to and including `"questions":[`, or, when
 * resumed, the whole welcome.
 */
void render_welcome_head(struct sbuf *b, enum role role, const json_t *room,
    const char *epoch, uint64_t seq, int resumed);

/*
 * Questions of a welcome, after its head and the `already` questions
 * written before them; the caller closes the welcome with `]}`.
 */
void render_welcome_questions(struct sbuf *b, json_t *const *qs, size_t n, enum view view,
    const struct marks *who, size_t already);

#endif
