/*
 * verify: see verify.h. A candidate's keys are docs serialised
 * (dedupe_doc_key()); each is parsed and compared with the asked
 * question's doc (same.c).
 */
#include "verify.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"

/* ---- the probe ---- */

void
probe_build(struct probe *p, const char *text, size_t len)
{
	struct sbuf b = { 0 };
	int i;

	memset(p, 0, sizeof(*p));
	dedupe_doc_build(&p->doc, text, len);
	sbuf_init(&b, 128);
	dedupe_doc_key(&p->doc, &b);
	p->key = sbuf_steal(&b, NULL);
	for (i = 0; i < p->doc.nbands; i++) {
		if (i)
			strcat(p->bands, ",");
		strcat(p->bands, p->doc.band[i]);
		p->bh[i] = strtoull(p->doc.band[i], NULL, 16);
	}
	/* Also filed without a clause it may add, so the question without it meets it. */
	for (i = 0; i < p->doc.ntrim; i++) {
		strcat(p->bands, ",");
		strcat(p->bands, p->doc.trim[i]);
	}
	/* A Kazakh question is filed under its Russian too, for Russian ones to find. */
	sbuf_init(&b, 128);
	if (dedupe_doc_translate(&p->tdoc, text, len)) {
		sbuf_addc(&b, '=');
		dedupe_doc_key(&p->tdoc, &b);
		for (i = 0; i < p->tdoc.nbands; i++) {
			strcat(p->bands, ",");
			strcat(p->bands, p->tdoc.band[i]);
		}
	}
	p->tkey = sbuf_steal(&b, NULL);
}

void
probe_free(struct probe *p)
{
	dedupe_doc_free(&p->doc);
	dedupe_doc_free(&p->tdoc);
	free(p->key);
	free(p->tkey);
}

/* ---- verification ---- */

void
topk_offer(struct topk *t, long long id, double sim)
{
	size_t k;

	/* Insert after every entry at least as similar, keeping the best max. */
	for (k = t->n; k > 0 && t->sims[k - 1] < sim; k--)
		if (k < t->max) {
			t->sims[k] = t->sims[k - 1];
			t->ids[k] = t->ids[k - 1];
		}
	if (k >= t->max)
		return;
	t->sims[k] = sim;
	t->ids[k] = id;
	if (t->n < t->max)
		t->n++;
}

/*
 * A candidate's key against the asked question: its verdict and
 * similarity. A key "=…" is a Kazakh question's Russian (never the same
 * question, at most a suggestion to a Russian one); tdoc is the asked
 * question's Russian when it is Kazakh, for a suggestion across the
 * languages.
 */
struct verdict {
	int veto, same, maybe;
	double sim;
};

static struct verdict
judge(const struct dedupe_doc *doc, const struct dedupe_doc *tdoc, const char *key, size_t len,
    int want_same, int suggest)
{
	struct verdict v = { 0, 0, 0, 0 };
	struct dedupe_doc other;
	int across = len > 0 && key[0] == '=';

	if (across && (tdoc || !suggest))
		return v;	/* Kazakh to Kazakh goes by their own words */
	dedupe_doc_parse(&other, key + across, len - (size_t)across);
	if (across) {
		v.maybe = dedupe_suggest_across(&other, doc);
		v.sim = v.maybe ? dedupe_similarity(doc, &other) : 0;
		dedupe_doc_free(&other);
		return v;
	}
	/* A question joins only if none of its wordings conflicts with this one. */
	v.veto = want_same && dedupe_conflict(doc, &other);
	v.same = !v.veto && want_same && dedupe_same(doc, &other);
	if (suggest && !v.veto && !v.same)
		v.maybe = dedupe_suggest(doc, &other) || (tdoc && dedupe_suggest_across(tdoc, &other));
	if (v.same || v.maybe || !want_same)
		v.sim = dedupe_similarity(doc, &other);
	dedupe_doc_free(&other);
	return v;
}

void
verify(const struct probe *p, const struct lookup_cand *cands, size_t n, int want_same,
    struct topk *t, struct topk *suggest)
{
	const struct dedupe_doc *doc = &p->doc, *tdoc = p->tdoc.buf ? &p->tdoc : NULL;
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct lookup_cand *c = &cands[i];
		double best = -1, maybe = -1;
		int veto = 0;

		for (j = 0; j < c->nkeys && !veto; j++) {
			struct verdict v = judge(doc, tdoc, c->key[j], c->len[j], want_same, suggest != NULL);

			veto = v.veto;
			if ((v.same || (!want_same && v.sim >= SIMILAR_MIN)) && v.sim > best)
				best = v.sim;
			if (v.maybe && v.sim > maybe)
				maybe = v.sim;
		}
		if (veto)
			continue;
		if (best >= 0)
			topk_offer(t, c->id, best);
		else if (suggest && maybe >= 0)
			topk_offer(suggest, c->id, maybe);
	}
}

size_t
verify_reply_cands(const redisReply *cands, struct lookup_cand *out, size_t max)
{
	size_t i, j, n = 0;

	for (i = 0; cands && i < cands->elements && n < max; i++) {
		const redisReply *c = cands->element[i];

		if (c->type != REDIS_REPLY_ARRAY || c->elements < 3 ||
		    c->element[2]->type != REDIS_REPLY_ARRAY)
			continue;
		out[n].id = store_reply_int(c, 0);
		out[n].nkeys = 0;
		for (j = 0; j < c->element[2]->elements && out[n].nkeys < LOOKUP_KEYS; j++) {
			const redisReply *key = c->element[2]->element[j];

			if (key->type != REDIS_REPLY_STRING)
				continue;
			out[n].key[out[n].nkeys] = key->str;
			out[n].len[out[n].nkeys++] = key->len;
		}
		n++;
	}
	return n;
}
