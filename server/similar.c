/*
 * similar: see similar.h. The look-up's state (the typed question's probe
 * and what was found) rides on the session's pending command.
 */
#include "similar.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "metrics.h"
#include "past.h"
#include "pending.h"
#include "rooms.h"
#include "session.h"
#include "store.h"
#include "util.h"
#include "verify.h"

#define SIMILAR_MAX 3		/* questions a "similar" look-up returns */

static const struct config *cfg;

struct similar {
	struct probe p;
	long long ids[SIMILAR_MAX];	/* the room's questions found */
	double sims[SIMILAR_MAX];
	size_t n;
};

void
similar_init(const struct config *c)
{
	cfg = c;
}

static void
similar_free(void *arg)
{
	struct similar *look = arg;

	probe_free(&look->p);
	free(look);
}

/* The similar list: the room's questions found, then an answer from an earlier broadcast (past). */
static void
similar_reply(struct pending *p, const char *past, double past_sim)
{
	struct similar *look = p->state;
	char rid[sizeof(p->rid)];
	long long ids[SIMILAR_MAX];
	double sims[SIMILAR_MAX];
	size_t i, k = 0, n = look->n;
	struct session *s;
	struct sbuf b = { 0 };

	memcpy(rid, p->rid, sizeof(rid));
	memcpy(ids, look->ids, sizeof(ids));
	memcpy(sims, look->sims, sizeof(sims));
	if ((s = pending_done(p)) == NULL)
		return;
	sbuf_init(&b, 1024);
	sbuf_adds(&b, "{\"type\":\"ack\",\"rid\":");
	sbuf_json_strz(&b, rid);
	sbuf_adds(&b, ",\"similar\":[");
	for (i = 0; i < n; i++) {
		size_t mark = b.len;

		sbuf_printf(&b, "%s{\"similarity\":%.2f,\"q\":", k ? "," : "", sims[i]);
		if (rooms_write_question(&s->m, ids[i], &b) < 0) {
			b.len = mark;	/* not in this hub's copy yet: leave it out */
			b.data[b.len] = '\0';
			continue;
		}
		sbuf_addc(&b, '}');
		k++;
	}
	if (past)
		sbuf_printf(&b, "%s{\"similarity\":%.2f,\"past\":%s}", k ? "," : "", past_sim, past);
	sbuf_adds(&b, "]}");
	metrics.acks++;
	session_send_json(s, b.data, b.len);
	sbuf_free(&b);
}

static void
on_similar_past(void *arg, redisReply *r)
{
	struct pending *p = arg;
	struct similar *look = p->state;
	struct sbuf b = { 0 };
	double sim = 0;
	int found;

	sbuf_init(&b, 256);
	found = r && store_reply_ok(r) && past_best(&look->p.doc, r, 1, 1, &b, &sim);
	similar_reply(p, found ? b.data : NULL, sim);
	sbuf_free(&b);
}

static void
on_similar(void *arg, redisReply *r)
{
	struct pending *p = arg;
	struct similar *look = p->state;
	char rid[sizeof(p->rid)];
	struct topk best = { look->ids, look->sims, 0, SIMILAR_MAX };
	struct session *s = p->s;

	memcpy(rid, p->rid, sizeof(rid));
	if (r && store_reply_ok(r) && s->wsi) {
		struct lookup_cand c[VERIFY_CANDIDATES];

		verify(&look->p, c, verify_reply_cands(store_reply_array(r, CANDIDATES_R_CANDIDATES), c,
		    ARRAY_LEN(c)), 0, &best, NULL);
	}
	look->n = best.n;
	if (s->wsi == NULL || pending_check(s, rid, r) < 0) {
		pending_done(p);
		return;
	}
	/* The answer an earlier broadcast gave to a question like it, if any. */
	if (look->p.doc.nbands > 0 &&
	    past_lookup(s->room_id, &look->p.doc, look->p.bands, 1, on_similar_past, p))
		return;
	similar_reply(p, NULL, 0);
}

void
cmd_similar(struct session *s, const struct cmd *c)
{
	struct pending *p = pending_new(s, c);
	struct similar *look = xcalloc(1, sizeof(*look));
	char limit[16], iplimit[16];
	const char *args[CANDIDATES_NARGS] = {
		[CANDIDATES_FP] = "", [CANDIDATES_BANDS] = look->p.bands,
		[CANDIDATES_MODE] = "similar", [CANDIDATES_CLIENT] = s->m.client,
		[CANDIDATES_LIMIT] = limit, [CANDIDATES_WINDOW] = CONFIG_RATE_WINDOW_MS,
		[CANDIDATES_IP] = s->group, [CANDIDATES_IP_LIMIT] = iplimit,
	};

	probe_build(&look->p, c->text, strlen(c->text));
	p->state = look;
	p->free_state = similar_free;
	snprintf(limit, sizeof(limit), "%d", cfg->similar_per_min);
	snprintf(iplimit, sizeof(iplimit), "%d", cfg->similar_per_min_ip);
	pending_run(p, SCRIPT_CANDIDATES, args, on_similar);
}
