/*
 * presence: see presence.h. A report in flight holds the room (the room
 * is not freed while presence_pending is set).
 */
#include "presence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "room.h"
#include "store.h"
#include "util.h"

#define REPORT_EVERY_MS 5000	/* how often a hub reports its viewers of a room */
#define REPORT_STALE_MS 15000	/* a report older than this no longer counts */

static struct msg *
stats_msg(const struct room *rm)
{
	struct sbuf b = { 0 };
	struct msg *m;

	sbuf_init(&b, 128);
	sbuf_printf(&b, "{\"type\":\"stats\",\"viewers\":%lld,\"staff\":%s}", rm->viewers,
	    rm->staff ? rm->staff : "[]");
	m = msg_new(b.data, b.len);
	sbuf_free(&b);
	return m;
}

/* The names of this hub's signed-in staff in the room, as a JSON array, each once. */
static void
local_staff(const struct room *rm, struct sbuf *b)
{
	const enum role roles[] = { ROLE_MODERATOR, ROLE_PRESENTER, ROLE_OPERATOR };
	const struct member *m, *o;
	size_t i, n = 0;

	sbuf_addc(b, '[');
	for (i = 0; i < ARRAY_LEN(roles); i++)
		for (m = rm->live[roles[i]]; m; m = m->next) {
			int seen = 0;
			size_t k;

			if (m->staff_name[0] == '\0')
				continue;
			for (k = 0; k <= i && !seen; k++)
				for (o = rm->live[roles[k]]; o && o != m && !seen; o = o->next)
					seen = strcmp(o->staff_name, m->staff_name) == 0;
			if (seen)
				continue;
			sbuf_adds(b, n++ ? "," : "");
			sbuf_json_strz(b, m->staff_name);
		}
	sbuf_addc(b, ']');
}

void
presence_send(struct room *rm, struct member *m)
{
	struct msg *msg;

	if (rm->viewers < 0)
		return;
	msg = stats_msg(rm);
	room_ops->send(m, msg);
	msg_unref(msg);
}

static void
on_presence(void *arg, redisReply *r)
{
	struct room *rm = arg;
	long long total;
	const char *staff;
	struct msg *m;

	rm->presence_pending = 0;
	if (!store_reply_ok(r))
		return;
	total = store_reply_int(r, PRESENCE_R_VIEWERS);
	staff = store_reply_str(r, PRESENCE_R_STAFF, NULL);
	if (total == rm->viewers && staff && rm->staff && strcmp(staff, rm->staff) == 0)
		return;
	rm->viewers = total;
	free(rm->staff);
	rm->staff = xstrdup(staff ? staff : "[]");
	m = stats_msg(rm);
	room_send_list(rm->live[ROLE_MODERATOR], m);
	msg_unref(m);
}

void
presence_report(struct room *rm, uint64_t now)
{
	char viewers[16], stale[16];
	struct sbuf staff = { 0 };
	const char *args[PRESENCE_NARGS] = {
		[PRESENCE_HUB] = store_hub_id(),
		[PRESENCE_VIEWERS] = viewers,
		[PRESENCE_STALE_MS] = stale,
	};

	if (rm->presence_pending || now - rm->presence_at < REPORT_EVERY_MS)
		return;
	rm->presence_at = now;
	snprintf(viewers, sizeof(viewers), "%u", rm->count[ROLE_VIEWER]);
	snprintf(stale, sizeof(stale), "%d", REPORT_STALE_MS);
	sbuf_init(&staff, 64);
	local_staff(rm, &staff);
	args[PRESENCE_STAFF] = staff.data;
	if (store_run(SCRIPT_PRESENCE, rm->id, args, on_presence, rm, NULL) == STORE_SENT)
		rm->presence_pending = 1;
	sbuf_free(&staff);
}
