/*
 * presence: see presence.h. A report in flight holds the room (the room
 * is not freed while presence_pending is set).
 */
#include "presence.h"

#include <stdio.h>

#include "msg.h"
#include "room.h"
#include "store.h"

#define REPORT_EVERY_MS 5000	/* how often a hub reports its viewers of a room */
#define REPORT_STALE_MS 15000	/* a report older than this no longer counts */

static struct msg *
stats_msg(const struct room *rm)
{
	char json[64];
	int n = snprintf(json, sizeof(json), "{\"type\":\"stats\",\"viewers\":%lld}", rm->viewers);

	return msg_new(json, (size_t)n);
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
	struct msg *m;

	rm->presence_pending = 0;
	if (!store_reply_ok(r))
		return;
	total = store_reply_int(r, PRESENCE_R_VIEWERS);
	if (total == rm->viewers)
		return;
	rm->viewers = total;
	m = stats_msg(rm);
	room_send_list(rm->live[ROLE_MODERATOR], m);
	msg_unref(m);
}

void
presence_report(struct room *rm, uint64_t now)
{
	char viewers[16], stale[16];
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
	if (store_run(SCRIPT_PRESENCE, rm->id, args, on_presence, rm, NULL) == STORE_SENT)
		rm->presence_pending = 1;
}
