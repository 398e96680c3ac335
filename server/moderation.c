/*
 * moderation: see moderation.h.
 */
#include "moderation.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "past.h"
#include "screen.h"
#include "tags.h"
#include "util.h"

/* Which actions a role other than moderator may take. */
static int
role_may(const char *role, enum action a)
{
	if (strcmp(role, "moderator") == 0)
		return 1;
	if (strcmp(role, "presenter") == 0)
		return a == ACT_ANSWER || a == ACT_FEATURE || a == ACT_UNFEATURE;
	if (strcmp(role, "responder") == 0)
		return a == ACT_REPLY;
	return 0;
}

struct moderation *
moderation_new(const char *room, const char *role, const char *client, const char *actor,
    const char *name, const char *depts, const struct cmd *c)
{
	struct moderation *m = xcalloc(1, sizeof(*m));

	snprintf(m->room, sizeof(m->room), "%s", room);
	snprintf(m->role, sizeof(m->role), "%s", role);
	snprintf(m->client, sizeof(m->client), "%s", client);
	snprintf(m->rid, sizeof(m->rid), "%s", c->rid);
	snprintf(m->actor, sizeof(m->actor), "%s", actor);
	snprintf(m->name, sizeof(m->name), "%s", name ? name : "");
	snprintf(m->depts, sizeof(m->depts), "%s", depts ? depts : "");
	m->c = *c;
	m->c.text = c->text ? xstrdup(c->text) : NULL;
	m->c.name = m->c.title = NULL;
	m->c.topics = c->topics ? xstrdup(c->topics) : NULL;
	m->c.places = c->places ? xstrdup(c->places) : NULL;
	return m;
}

void
moderation_free(void *p)
{
	struct moderation *m = p;

	if (m == NULL)
		return;
	proto_cmd_free(&m->c);
	free(m->flags);
	free(m->masked);
	free(m);
}

int
moderation_check(const struct moderation *m, const char **code, const char **message)
{
	*code = "not_allowed";
	if (!role_may(m->role, m->c.action)) {
		*message = strcmp(m->role, "responder") == 0 ? "responders may only reply" :
		    "presenters may only answer, feature and unfeature";
		return -1;
	}
	*code = "bad_request";
	if (m->c.action == ACT_TAG && !tags_known(TAG_TOPIC, m->c.topics)) {
		*message = "unknown topic (GET /api/tags lists them)";
		return -1;
	}
	if (m->c.action == ACT_TAG && !tags_known(TAG_PLACE, m->c.places)) {
		*message = "unknown place (GET /api/tags lists them)";
		return -1;
	}
	return 0;
}

int
moderation_needs_departments(const struct moderation *m, const char *args[DEPARTMENTS_NARGS])
{
	args[DEPARTMENTS_OP] = "list";
	args[DEPARTMENTS_ID] = "";
	args[DEPARTMENTS_NAME] = "";
	return m->c.action == ACT_ASSIGN;
}

int
moderation_set_department(struct moderation *m, const redisReply *r)
{
	const redisReply *all = store_reply_array(r, DEPARTMENTS_R_DEPARTMENTS);
	size_t i;

	for (i = 0; all && i < all->elements; i++) {
		json_t *d = json_loads(all->element[i]->str ? all->element[i]->str : "", 0, NULL);
		const char *id = json_string_value(json_object_get(d, "id"));
		json_t *name = json_object_get(d, "name");
		const char *n = NULL;

		if (id && strcmp(id, m->c.department) == 0) {
			/* The answer is signed with the Russian name, else another one. */
			if ((n = json_string_value(json_object_get(name, "ru"))) == NULL || !*n)
				if ((n = json_string_value(json_object_get(name, "kk"))) == NULL || !*n)
					n = json_string_value(json_object_get(name, "en"));
			snprintf(m->dept_name, sizeof(m->dept_name), "%s", n && *n ? n : id);
			json_decref(d);
			return 0;
		}
		json_decref(d);
	}
	return -1;
}

void
moderation_args(struct moderation *m, const char *args[MODERATE_NARGS])
{
	const struct cmd *c = &m->c;

	if (c->action == ACT_EDIT && m->flags == NULL) {
		dedupe_fingerprint(c->text, strlen(c->text), m->fp);
		screen_to_strings(c->text, &m->flags, &m->masked);
	}
	snprintf(m->id, sizeof(m->id), "%lld", c->id);
	snprintf(m->into, sizeof(m->into), "%lld", c->into);
	snprintf(m->variant, sizeof(m->variant), "%lld", c->variant);
	args[MODERATE_CLIENT] = m->client;
	args[MODERATE_RID] = m->rid;
	args[MODERATE_ROLE] = m->role;
	args[MODERATE_ID] = m->id;
	args[MODERATE_ACTION] = proto_action_name(c->action);
	args[MODERATE_TEXT] = c->text ? c->text : "";
	args[MODERATE_FP] = m->fp;
	args[MODERATE_INTO] = m->into;
	args[MODERATE_VARIANT] = m->variant;
	args[MODERATE_SCREEN] = m->flags ? m->flags : "";
	args[MODERATE_MASKED] = m->masked ? m->masked : "";
	args[MODERATE_ACTOR] = m->actor;
	args[MODERATE_ACTOR_NAME] = m->name;
	args[MODERATE_DEPARTMENT] = c->department;
	args[MODERATE_DEPT_NAME] = m->dept_name;
	args[MODERATE_DUE] = c->due;
	args[MODERATE_TOPICS] = c->topics ? c->topics : "";
	args[MODERATE_PLACES] = c->places ? c->places : "";
	args[MODERATE_DEPTS] = m->depts;
}

void
moderation_after(const struct moderation *m, const redisReply *r)
{
	const char *ack;
	json_t *o;

	if (r == NULL || !store_reply_ok(r))
		return;
	if (m->c.action == ACT_MERGE) {
		merge_finish(m->room, m->id);
		return;
	}
	if (store_reply_int(r, MODERATE_R_ID) <= 0)
		return;		/* a replay: done the first time */
	if ((ack = store_reply_str(r, MODERATE_R_ACK, NULL)) != NULL &&
	    (o = json_loads(ack, 0, NULL)) != NULL) {
		if (json_object_get(o, "q")) {
			const char *title = store_reply_str(r, MODERATE_R_TITLE, NULL);

			past_note(m->room, title ? title : "", json_object_get(o, "q"));
		}
		json_decref(o);
	}
}
