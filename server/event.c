/*
 * event: the parser. An event that lacks what its op needs is refused as
 * a whole (NULL), so nothing downstream checks fields again.
 */
#include "event.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static int
status_public(const char *status)
{
	return status && (strcmp(status, "approved") == 0 || strcmp(status, "answered") == 0);
}

static char *
dup_str(json_t *o, const char *field)
{
	const char *s = json_string_value(json_object_get(o, field));

	return s ? xstrdup(s) : NULL;
}

struct event *
event_parse(const char *json, size_t len)
{
	json_t *o = json_loadb(json, len, 0, NULL);
	struct event *ev;
	const char *op;

	if (o == NULL)
		return NULL;
	ev = xcalloc(1, sizeof(*ev));
	ev->refs = 1;
	ev->seq = json_integer_value(json_object_get(o, "seq"));
	op = json_string_value(json_object_get(o, "op"));
	if (ev->seq <= 0 || op == NULL)
		goto bad;
	ev->was_public = status_public(json_string_value(json_object_get(o, "was")));
	if (strcmp(op, "upsert") == 0) {
		ev->op = EV_UPSERT;
		ev->q = json_incref(json_object_get(o, "q"));
		if (!json_is_object(ev->q))
			goto bad;
		ev->qid = json_integer_value(json_object_get(ev->q, "id"));
		ev->now_public = status_public(json_string_value(json_object_get(ev->q, "status")));
		ev->mine = dup_str(o, "mine");
		if (json_is_object(json_object_get(o, "own")))
			ev->own = json_dumps(json_object_get(o, "own"), JSON_COMPACT);
		if (json_is_array(json_object_get(o, "nd"))) {
			ev->nd = json_incref(json_object_get(o, "nd"));
			ev->bands = dup_str(o, "bands");
		}
	} else if (strcmp(op, "remove") == 0) {
		ev->op = EV_REMOVE;
		ev->qid = json_integer_value(json_object_get(o, "id"));
		ev->into = json_integer_value(json_object_get(o, "into"));
	} else if (strcmp(op, "room") == 0) {
		ev->op = EV_ROOM;
		ev->room = json_incref(json_object_get(o, "room"));
		if (!json_is_object(ev->room))
			goto bad;
	} else if (strcmp(op, "keys") == 0) {
		ev->op = EV_KEYS;
		ev->by = dup_str(o, "by");
		ev->modver = json_integer_value(json_object_get(o, "modver"));
		ev->presver = json_integer_value(json_object_get(o, "presver"));
	} else
		goto bad;
	if ((ev->op == EV_UPSERT || ev->op == EV_REMOVE) && ev->qid <= 0)
		goto bad;
	json_decref(o);
	return ev;
bad:
	json_decref(o);
	event_unref(ev);
	return NULL;
}

struct event *
event_ref(struct event *ev)
{
	ev->refs++;
	return ev;
}

void
event_unref(struct event *ev)
{
	if (ev == NULL || --ev->refs > 0)
		return;
	json_decref(ev->q);
	json_decref(ev->room);
	json_decref(ev->nd);
	free(ev->bands);
	free(ev->mine);
	free(ev->own);
	free(ev->by);
	free(ev);
}
