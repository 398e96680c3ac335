/*
 * doc: a question reduced to what near-duplicate detection compares (see
 * dedupe.h): sentences of feeling left out, abbreviations expanded, Latin
 * words in Cyrillic, counted amounts out, numbers apart with what they
 * name, stopwords out, the rest stemmed and classified (lexicon.h's
 * lists); its key, which Redis stores, and back; and the word-for-word
 * Russian of a Kazakh question.
 */
#include "dedupe.h"

#include <stdlib.h>
#include <string.h>

#include "dedupe_parts.h"
#include "lexicon.h"
#include "map.h"
#include "text.h"
#include "util.h"

/* 1 if s holds a word that is not a stopword, or a number. */
static int
has_content(const char *s, size_t n)
{
	struct sbuf f = { 0 };
	struct span *tok;
	size_t nt, i;
	int r = 0;

	sbuf_init(&f, n * 2 + 1);
	text_fold(s, n, &f);
	nt = lexicon_split(f.data, f.len, &tok);
	for (i = 0; i < nt && !r; i++) {
		char w[256];

		if (tok[i].n >= sizeof(w))
			continue;
		memcpy(w, tok[i].p, tok[i].n);
		w[tok[i].n] = '\0';
		r = map_get(lex.stopwords, w) == NULL;
	}
	free(tok);
	sbuf_free(&f);
	return r;
}

int
dedupe_is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

static int
is_number_word(const struct span *t)
{
	static const char *const words[] = { "номер", "номир", "no", "n", "нумер" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(words); i++)
		if (t->n == strlen(words[i]) && memcmp(t->p, words[i], t->n) == 0)
			return 1;
	return 0;
}

/* Adds a token to the doc; its bytes are appended to b (offsets fixed later). */
static void
add_token(struct sbuf *b, size_t *off, size_t *n, const char *s, size_t len)
{
	if (*n >= DEDUPE_MAX_TOKENS)
		return;
	off[(*n)++] = b->len;
	sbuf_add(b, s, len);
	sbuf_addc(b, '\0');
}

/*
 * Points the doc's token arrays into its buffer. Numbers keep the order
 * they appear in: "школа 17, кабинет 5" and "школа 5, кабинет 17" ask about
 * different places, so the guard compares them in order, not as a set.
 * Only a doc built from text gets its bands (a parsed key is compared,
 * never indexed, and MinHash is the costly part).
 */
static void
finish(struct dedupe_doc *d, struct sbuf *b, const size_t *toff, const size_t *woff,
    const size_t *noff, const size_t *loff, int bands)
{
	const struct lexicon_word *lw[DEDUPE_MAX_TOKENS];
	size_t i, kk = 0;

	d->buf = sbuf_steal(b, NULL);
	for (i = 0; i < d->ntok; i++) {
		d->tok[i] = d->buf + toff[i];
		d->word[i] = d->buf + woff[i];
		lw[i] = lexicon_word(d->word[i]);
		kk += lw[i]->kk != NULL;
	}
	d->kazakh = kk > 0 && kk * 3 >= d->ntok;
	for (i = 0; i < d->ntok; i++) {
		const char *k;

		d->kind[i] = DK_CORE;
		d->place[i] = NULL;
		d->flags[i] &= DF_AND;	/* the only flag a key carries */
		switch (d->kazakh ? lw[i]->kverb : lw[i]->verb) {
		case LEX_WE:
			d->flags[i] |= DF_WE | DF_VERB;
			break;
		case LEX_VERB:
			d->flags[i] |= DF_VERB;
			break;
		}
		if ((k = lw[i]->context) != NULL && strcmp(k, "question") == 0)
			d->flags[i] |= DF_ASK;
		if ((k = lw[i]->generic) != NULL) {
			d->kind[i] = DK_GENERIC;
			d->place[i] = k;
		} else if ((k = lw[i]->context) != NULL) {
			d->kind[i] = strcmp(k, "affect") == 0 || strcmp(k, "asks") == 0 ? DK_AFFECT :
			    strcmp(k, "with") == 0 || strcmp(k, "we") == 0 ? DK_WITH : DK_CORE;
			if (strcmp(k, "we") == 0)
				d->flags[i] |= DF_WE | DF_VERB;
		}
	}
	for (i = 0; i < d->nnum; i++) {
		d->num[i] = d->buf + noff[i];
		d->label[i] = loff[i] == SIZE_MAX ? NULL : d->buf + loff[i];
	}
	if (bands)
		dedupe_make_bands(d);
}

/* "и", "а", "және": what begins another part of a question. */
static int
conjunction(const struct span *t)
{
	static const char *const words[] = { "и", "а", "также", "плюс", "жане", "ари" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(words); i++)
		if (t->n == strlen(words[i]) && memcmp(t->p, words[i], t->n) == 0)
			return 1;
	return 0;
}

/* A number token's value, or -1 if it has more than 9 digits. */
static long
number_value(const struct span *t)
{
	long v = 0;
	size_t i;

	if (t->n > 9)
		return -1;
	for (i = 0; i < t->n; i++)
		v = v * 10 + (t->p[i] - '0');
	return v;
}

/* What the lexicon says of a token of folded text. */
static const char *
token_kind(const struct map *m, const struct span *t)
{
	char w[256];

	if (t->n >= sizeof(w))
		return NULL;
	memcpy(w, t->p, t->n);
	w[t->n] = '\0';
	return lexicon_kind(m, w);
}

/* A case ending written apart from a number ("5-ти", "3-й", "17-ші"): one or two letters. */
static int
number_suffix(const struct span *t)
{
	size_t i, k = 0;

	for (i = 0; i < t->n; i++)
		k += ((unsigned char)t->p[i] & 0xC0) != 0x80;
	return k <= 3 && !dedupe_is_digits(t->p, t->n);
}

/* The token after i, a number's ending skipped; n if none. */
static size_t
after_number(const struct span *tok, size_t n, size_t i)
{
	size_t j = i + 1;

	if (j + 1 < n && number_suffix(&tok[j]) && token_kind(lex.units, &tok[j + 1]))
		j++;
	return j;
}

/*
 * A counted amount starting at tok[i] ("5 лет", "300 семей", "третий год",
 * "бес жыл"): a number below 1000 (a year names a time) or a counting word,
 * then a unit. Returns the index of its last token, or 0 if there is none.
 */
static size_t
counted_amount(const struct span *tok, size_t n, size_t i)
{
	const char *k;
	size_t j = after_number(tok, n, i);

	if (j >= n || (k = token_kind(lex.units, &tok[j])) == NULL || strcmp(k, "unit") != 0)
		return 0;
	if (dedupe_is_digits(tok[i].p, tok[i].n)) {
		long v = number_value(&tok[i]);

		return v >= 0 && v < 1000 ? j : 0;
	}
	k = token_kind(lex.units, &tok[i]);
	return k && strcmp(k, "count") == 0 ? j : 0;
}

/* What the number at tok[i] names: the thing before it, or after it; or NULL. */
static const char *
number_label(const struct span *tok, size_t n, size_t i)
{
	const char *k;
	size_t j;

	if (i > 0 && !dedupe_is_digits(tok[i - 1].p, tok[i - 1].n) &&
	    (k = token_kind(lex.numbered, &tok[i - 1])) != NULL)
		return k;
	j = i + 1;
	if (j + 1 < n && number_suffix(&tok[j]))
		j++;
	return j < n ? token_kind(lex.numbered, &tok[j]) : NULL;
}

/*
 * A sentence of feeling or context: it holds an affect word, or a verb and
 * someone it happens to; no word that asks; and no number but a counted
 * amount or a year ("Стыдно перед гостями.", "Пять лет ждём!", "Третью
 * неделю ходим пешком.", "Обещали ещё в 2020.").
 */
static int
feeling_sentence(const char *s, size_t n)
{
	struct sbuf f = { 0 };
	struct span *tok;
	size_t nt, i;
	int affect = 0, asks = 0, verb = 0, with = 0;
	const char *k;

	sbuf_init(&f, n * 2 + 1);
	text_fold(s, n, &f);
	nt = lexicon_split(f.data, f.len, &tok);
	for (i = 0; i < nt && !asks; i++) {
		size_t last;

		if ((last = counted_amount(tok, nt, i)) > 0) {
			i = last;
			continue;
		}
		if (dedupe_is_digits(tok[i].p, tok[i].n)) {
			long v = number_value(&tok[i]);

			asks |= v < 1900 || v > 2100;	/* a number that names something, not a year */
			continue;
		}
		if ((k = token_kind(lex.context, &tok[i])) != NULL) {
			affect |= strcmp(k, "affect") == 0;
			with |= strcmp(k, "with") == 0 || strcmp(k, "we") == 0;
			verb |= strcmp(k, "we") == 0;
			asks |= strcmp(k, "question") == 0 || strcmp(k, "asks") == 0;
		}
		if (tok[i].n < 256) {
			char w[256];
			int v;

			memcpy(w, tok[i].p, tok[i].n);
			w[tok[i].n] = '\0';
			v = lexicon_verb(w, lexicon_kk(w) != NULL);
			verb |= v != 0;
			with |= v == LEX_WE;
		}
	}
	free(tok);
	sbuf_free(&f);
	return (affect || (verb && with)) && !asks;
}

/* A '.' after s[0..n) ends an abbreviation ("пр.", "кв.", "д."), not a sentence. */
static int
after_abbreviation(const char *s, size_t n)
{
	struct sbuf f = { 0 };
	struct span *tok;
	size_t nt, i, k = 0;
	int r;

	sbuf_init(&f, n * 2 + 1);
	text_fold(s, n, &f);
	nt = lexicon_split(f.data, f.len, &tok);
	r = nt == 0;
	if (nt > 0) {
		const struct span *w = &tok[nt - 1];

		for (i = 0; i < w->n; i++)
			k += ((unsigned char)w->p[i] & 0xC0) != 0x80;
		r = k < 3 || dedupe_match(&lex.abbrevs, tok, nt - 1, nt, 0) != NULL;
	}
	free(tok);
	sbuf_free(&f);
	return r;
}

/*
 * The text without its sentences of feeling or context, when something
 * else is left; sentences end at '?', '!', a line break, or a '.' that
 * does not end an abbreviation.
 */
static void
drop_feelings(const char *text, size_t len, struct sbuf *out)
{
	size_t start = 0, i;
	int dropped = 0;

	sbuf_reset(out);
	for (i = 0; i <= len; i++) {
		int end = i == len || text[i] == '?' || text[i] == '!' || text[i] == '\n' ||
		    (text[i] == '.' && !after_abbreviation(text + start, i - start));

		if (!end)
			continue;
		if (i > start && feeling_sentence(text + start, i - start))
			dropped = 1;
		else {
			sbuf_add(out, text + start, i - start);
			sbuf_addc(out, ' ');
		}
		start = i + 1;
	}
	if (!dropped || !has_content(out->data, out->len)) {
		sbuf_reset(out);
		sbuf_add(out, text, len);
	}
}

void
dedupe_doc_build(struct dedupe_doc *d, const char *text, size_t len)
{
	struct sbuf norm = { 0 }, words = { 0 }, b = { 0 };
	size_t toff[DEDUPE_MAX_TOKENS], woff[DEDUPE_MAX_TOKENS], noff[DEDUPE_MAX_TOKENS];
	size_t loff[DEDUPE_MAX_TOKENS];
	struct span *tok;
	size_t n, i;

	memset(d, 0, sizeof(*d));
	sbuf_init(&norm, len * 2 + 1);
	sbuf_init(&words, len * 2 + 1);
	sbuf_init(&b, len * 2 + 1);
	drop_feelings(text, len, &words);
	dedupe_normalize(words.data, words.len, &norm);
	sbuf_reset(&words);

	/* Abbreviations expanded, Latin words in Cyrillic, "номер" before a number dropped. */
	n = lexicon_split(norm.data, norm.len, &tok);
	for (i = 0; i < n; i++) {
		const struct phrase *ph = dedupe_match(&lex.abbrevs, tok, i, n, 0);

		if (!ph && is_number_word(&tok[i]) && i + 1 < n && dedupe_is_digits(tok[i + 1].p, tok[i + 1].n))
			continue;
		if (words.len)
			sbuf_addc(&words, ' ');
		if (ph) {
			sbuf_adds(&words, ph->to);
			i += ph->ntok - 1;
		} else if (text_is_ascii(tok[i].p, tok[i].n) && !dedupe_is_digits(tok[i].p, tok[i].n))
			text_latin_to_cyrillic(tok[i].p, tok[i].n, &words);
		else
			sbuf_add(&words, tok[i].p, tok[i].n);
	}
	free(tok);

	/*
	 * Counted amounts out, stopwords out, numbers apart with what they
	 * name, the rest stemmed.
	 */
	n = lexicon_split(words.data, words.len, &tok);
	for (i = 0; i < n; i++) {
		char w[256];
		const char *s, *label;
		size_t sl, last;

		if (tok[i].n >= sizeof(w))
			continue;
		if ((last = counted_amount(tok, n, i)) > 0) {
			i = last;
			continue;
		}
		memcpy(w, tok[i].p, tok[i].n);
		w[tok[i].n] = '\0';
		if (dedupe_is_digits(w, tok[i].n)) {
			if (d->nnum >= DEDUPE_MAX_TOKENS)
				continue;
			label = number_label(tok, n, i);
			add_token(&b, noff, &d->nnum, w, tok[i].n);
			loff[d->nnum - 1] = label ? b.len : SIZE_MAX;
			if (label)
				sbuf_add(&b, label, strlen(label) + 1);
			continue;
		}
		if (map_get(lex.stopwords, w) || d->ntok >= DEDUPE_MAX_TOKENS)
			continue;
		s = lexicon_stem(w, tok[i].n, &sl);
		woff[d->ntok] = b.len + sl + 1;
		d->flags[d->ntok] = i > 0 && conjunction(&tok[i - 1]) ? DF_AND : 0;
		add_token(&b, toff, &d->ntok, s, sl);
		sbuf_add(&b, w, tok[i].n + 1);	/* the word, NUL included */
	}
	free(tok);
	finish(d, &b, toff, woff, noff, loff, 1);
	sbuf_free(&norm);
	sbuf_free(&words);
}

int
dedupe_doc_translate(struct dedupe_doc *d, const char *text, size_t len)
{
	struct sbuf kept = { 0 }, norm = { 0 }, ru = { 0 };
	struct span *tok;
	size_t n, i, words = 0, kk = 0;

	memset(d, 0, sizeof(*d));
	sbuf_init(&kept, len + 1);
	sbuf_init(&norm, len * 2 + 1);
	sbuf_init(&ru, len * 3 + 1);
	drop_feelings(text, len, &kept);
	dedupe_normalize(kept.data, kept.len, &norm);
	n = lexicon_split(norm.data, norm.len, &tok);
	for (i = 0; i < n; i++) {
		const struct phrase *ph = dedupe_match(&lex.kkru, tok, i, n, 0);
		char w[256];
		const char *to = NULL;

		if (ru.len)
			sbuf_addc(&ru, ' ');
		if (ph && ph->ntok > 1) {
			to = ph->to;
			i += ph->ntok - 1;
		} else if (tok[i].n < sizeof(w)) {
			memcpy(w, tok[i].p, tok[i].n);
			w[tok[i].n] = '\0';
			if (!map_get(lex.stopwords, w) && !dedupe_is_digits(w, tok[i].n))
				words++;
			to = lexicon_kk(w);
		}
		if (to) {
			kk++;
			sbuf_adds(&ru, to);
		} else
			sbuf_add(&ru, tok[i].p, tok[i].n);
	}
	free(tok);
	if (kk > 0 && kk * 3 >= words)
		dedupe_doc_build(d, ru.data, ru.len);
	sbuf_free(&kept);
	sbuf_free(&norm);
	sbuf_free(&ru);
	return d->buf != NULL;
}

void
dedupe_doc_key(const struct dedupe_doc *d, struct sbuf *out)
{
	size_t i;

	for (i = 0; i < d->ntok; i++) {
		if (i)
			sbuf_addc(out, ' ');
		if (d->flags[i] & DF_AND)
			sbuf_addc(out, '+');
		sbuf_adds(out, d->tok[i]);
		if (strcmp(d->tok[i], d->word[i]) != 0) {
			sbuf_addc(out, '~');
			sbuf_adds(out, d->word[i]);
		}
	}
	sbuf_addc(out, '|');
	for (i = 0; i < d->nnum; i++) {
		if (i)
			sbuf_addc(out, ' ');
		sbuf_adds(out, d->num[i]);
		if (d->label[i]) {
			sbuf_addc(out, '@');
			sbuf_adds(out, d->label[i]);
		}
	}
}

void
dedupe_doc_parse(struct dedupe_doc *d, const char *key, size_t len)
{
	size_t toff[DEDUPE_MAX_TOKENS], woff[DEDUPE_MAX_TOKENS], noff[DEDUPE_MAX_TOKENS];
	size_t loff[DEDUPE_MAX_TOKENS];
	struct sbuf b = { 0 };
	const char *bar = memchr(key, '|', len), *p, *end = key + len;
	int in_nums = 0;

	memset(d, 0, sizeof(*d));
	sbuf_init(&b, 2 * len + 1);
	for (p = key; p < end;) {
		const char *stop = p, *tilde = NULL;

		while (stop < end && *stop != ' ' && *stop != '|') {
			if (*stop == '~' && tilde == NULL)
				tilde = stop;
			stop++;
		}
		if (stop > p && in_nums && d->nnum < DEDUPE_MAX_TOKENS) {
			const char *at = memchr(p, '@', (size_t)(stop - p));

			add_token(&b, noff, &d->nnum, p, (size_t)((at ? at : stop) - p));
			loff[d->nnum - 1] = at && at + 1 < stop ? b.len : SIZE_MAX;
			if (at && at + 1 < stop) {
				sbuf_add(&b, at + 1, (size_t)(stop - at - 1));
				sbuf_addc(&b, '\0');
			}
		} else if (stop > p && d->ntok < DEDUPE_MAX_TOKENS) {
			const char *se = tilde ? tilde : stop, *w;

			d->flags[d->ntok] = 0;
			if (*p == '+' && se > p + 1) {
				d->flags[d->ntok] = DF_AND;
				p++;
			}
			w = tilde ? tilde + 1 : p;
			woff[d->ntok] = b.len + (size_t)(se - p) + 1;
			add_token(&b, toff, &d->ntok, p, (size_t)(se - p));
			sbuf_add(&b, w, (size_t)(stop - w));
			sbuf_addc(&b, '\0');
		}
		if (stop == bar)
			in_nums = 1;
		p = stop + 1;
	}
	finish(d, &b, toff, woff, noff, loff, 0);
}

int
dedupe_key_bands(const char *key, size_t len, struct sbuf *out)
{
	struct dedupe_doc d;
	int across = len > 0 && key[0] == '=', i, n = 0;

	dedupe_doc_parse(&d, key + across, len - (size_t)across);
	dedupe_make_bands(&d);
	for (i = 0; i < d.nbands; i++, n++) {
		if (n)
			sbuf_addc(out, ',');
		sbuf_adds(out, d.band[i]);
	}
	for (i = 0; !across && i < d.ntrim; i++, n++) {
		sbuf_addc(out, ',');
		sbuf_adds(out, d.trim[i]);
	}
	dedupe_doc_free(&d);
	return n;
}

void
dedupe_doc_free(struct dedupe_doc *d)
{
	free(d->buf);
	memset(d, 0, sizeof(*d));
}
