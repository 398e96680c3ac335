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
#include "proto.h"
#include "util.h"

static int
marked(const struct idset *set, long long id)
{
	return set && idset_has(set, id);
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

		sbuf_adds(b, ",\"q\":");
		proto_write_question(b, ev->q, view, mine, mine && marked(who->voted, ev->qid));
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
		long long id = json_integer_value(json_object_get(qs[i], "id"));
		int mine = who && marked(who->mine, id);

		if (already + i > 0)
			sbuf_addc(b, ',');
		proto_write_question(b, qs[i], view, mine, who && marked(who->voted, id));
	}
}
