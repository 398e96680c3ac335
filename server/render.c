/*
 * render: see render.h. Questions are written by proto_write_question(),
 * which alone knows which fields each view may see.
 */
#include "render.h"

#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "idset.h"
#include "map.h"
#include "member.h"
#include "proto.h"
#include "util.h"

static int
marked(const struct idset *set, long long id)
{
	return set && idset_has(set, id);
}

const char *
ownviews_get(const struct ownviews *o, long long id)
{
	size_t i;

	for (i = 0; o && i < o->n; i++)
		if (o->id[i] == id)
			return o->json[i];
	return NULL;
}

/* A shared question the public may not see, as its viewer may: its own words and the status. */
static int
write_own(struct sbuf *b, const json_t *q, const char *own, int voted)
{
	json_t *o = json_loads(own, 0, NULL);

	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	sbuf_printf(b, "{\"id\":%lld,\"text\":", (long long)json_integer_value(json_object_get(q, "id")));
	proto_write_json(b, json_object_get(o, "text"));
	sbuf_adds(b, ",\"name\":");
	proto_write_json(b, json_object_get(o, "name"));
	sbuf_adds(b, ",\"status\":");
	proto_write_json(b, json_object_get(q, "status"));
	sbuf_printf(b, ",\"featured\":false,\"votes\":1,\"dups\":0,\"score\":1,\"created\":%lld,\"updated\":",
	    (long long)json_integer_value(json_object_get(o, "created")));
	proto_write_json(b, json_object_get(q, "updated"));
	sbuf_adds(b, voted ? ",\"mine\":true,\"voted\":true}" : ",\"mine\":true}");
	json_decref(o);
	return 0;
}

void
render_question(struct sbuf *b, const json_t *q, enum view view, const struct marks *who)
{
	long long id = json_integer_value(json_object_get(q, "id"));
	int mine = who && marked(who->mine, id), voted = who && marked(who->voted, id);
	const char *own;

	if (view == VIEW_PUBLIC && mine && who->own &&
	    !proto_status_public(json_string_value(json_object_get(q, "status"))) &&
	    (own = ownviews_get(who->own, id)) != NULL && write_own(b, q, own, voted) == 0)
		return;
	proto_write_question(b, q, view, mine, voted);
}

/* One event, written with op `op` (which may differ from the event's own). */
static void
write_event(struct sbuf *b, const struct event *ev, enum ev_op op, enum view view,
    const struct marks *who)
{
	static const char *const names[] = { "upsert", "remove", "room", "keys" };

	sbuf_printf(b, "{\"type\":\"event\",\"seq\":%lld,\"op\":\"%s\"", ev->seq, names[op]);
	switch (op) {
	case EV_UPSERT: {
		int mine = who && marked(who->mine, ev->qid);
		struct marks own_only = { who ? who->mine : NULL, NULL, who ? who->own : NULL };

		/* In an event, "voted" only for the viewer's own questions. */
		sbuf_adds(b, ",\"q\":");
		if (mine)
			own_only.voted = who->voted;
		render_question(b, ev->q, view, who ? &own_only : NULL);
		break;
	}
	case EV_REMOVE:
		sbuf_printf(b, ",\"id\":%lld", ev->qid);
		if (ev->op == EV_REMOVE && ev->into > 0)
			sbuf_printf(b, ",\"into\":%lld", ev->into);
		break;
	case EV_ROOM:
		sbuf_adds(b, ",\"room\":");
		proto_write_json(b, ev->room);
		break;
	case EV_KEYS:
		break;
	}
	sbuf_addc(b, '}');
}

struct coalesce {
	int first_was_public;	/* the question was public before the batch */
	size_t last;		/* index of its last event */
};

size_t
render_events(struct sbuf *out, struct event *const *evs, size_t n, enum view view,
    const struct marks *who, long long watermark)
{
	struct coalesce *co = xcalloc(n ? n : 1, sizeof(*co));
	struct map *idx = map_new();
	struct sbuf body = { 0 };
	size_t i, nco = 0, count = 0, last_room = (size_t)-1;
	char key[24];

	for (i = 0; i < n; i++) {
		struct coalesce *c;

		if (evs[i]->op == EV_KEYS)
			continue;
		if (evs[i]->op == EV_ROOM) {
			last_room = i;
			continue;
		}
		snprintf(key, sizeof(key), "%lld", evs[i]->qid);
		if ((c = map_get(idx, key)) == NULL) {
			c = &co[nco++];
			c->first_was_public = evs[i]->was_public;
			map_put(idx, key, c);
		}
		c->last = i;
	}
	sbuf_init(&body, 256);
	for (i = 0; i < n; i++) {
		const struct event *ev = evs[i];
		enum ev_op emit;

		if (ev->op == EV_KEYS)
			continue;
		if (ev->op == EV_ROOM) {
			if (i != last_room)
				continue;
			emit = EV_ROOM;
		} else {
			const struct coalesce *c;

			snprintf(key, sizeof(key), "%lld", ev->qid);
			c = map_get(idx, key);
			if (c->last != i)
				continue;
			if (view == VIEW_FULL || (who && marked(who->mine, ev->qid)))
				emit = ev->op;
			else if (ev->op == EV_UPSERT && ev->now_public)
				emit = EV_UPSERT;
			else if (c->first_was_public)
				emit = EV_REMOVE;
			else
				continue;
		}
		if (count++ > 0)
			sbuf_addc(&body, ',');
		write_event(&body, ev, emit, view, who);
	}
	if (count == 1)
		sbuf_add(out, body.data, body.len);
	else if (count > 1)
		sbuf_printf(out, "{\"type\":\"batch\",\"seq\":%lld,\"events\":[%s]}",
		    watermark, body.data);
	sbuf_free(&body);
	map_free(idx);
	free(co);
	return count;
}

void
render_welcome_head(struct sbuf *b, enum role role, const json_t *room, const char *epoch,
    uint64_t seq, int resumed)
{
	sbuf_printf(b, "{\"type\":\"welcome\",\"role\":\"%s\",\"room\":", role_name(role));
	proto_write_json(b, room);
	sbuf_adds(b, ",\"epoch\":");
	sbuf_json_strz(b, epoch);
	sbuf_printf(b, ",\"seq\":%llu", (unsigned long long)seq);
	sbuf_adds(b, resumed ? ",\"resumed\":true}" : ",\"questions\":[");
}

void
render_welcome_questions(struct sbuf *b, json_t *const *qs, size_t n, enum view view,
    const struct marks *who, size_t already)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (already + i > 0)
			sbuf_addc(b, ',');
		render_question(b, qs[i], view, who);
	}
}
