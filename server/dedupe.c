/*
 * dedupe: the comparison form of a question, its fingerprint, and the
 * near-duplicate doc and comparison.
 *
 * The word lists are data (lexicon.c): greetings and thanks (stripped at
 * the ends), stop words (ignored by level two), abbreviations (expanded)
 * and antonyms (never the same question). The only rules in code are
 * general ones: patronymic endings of a form of address, Latin-to-Cyrillic
 * letters, and the edit distances that count as a typo.
 *
 * Everything here is deterministic and identical in every hub process: a
 * fingerprint or a band hash computed by one hub is found by another.
 */
#include "dedupe.h"

#include <libstemmer.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "lexicon.h"
#include "map.h"
#include "text.h"
#include "util.h"

#define MAX_CP 64		/* code points compared per token */
#define SUGGEST_LEFT 2		/* words of each side a suggested pair may leave unmatched */
#define SUGGEST_DICE 0.5	/* and how alike its trigrams must be at least */

int
dedupe_init(void)
{
	return lexicon_init();
}

void
dedupe_free(void)
{
	lexicon_free();
}

/* ---- level one: comparison form and fingerprint ---- */

static int
span_eq(const struct span *a, const struct span *b)
{
	return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

/* Longest phrase of list matching tok at lo (or ending at hi if from_end). */
static const struct phrase *
match(const struct phrase_list *list, const struct span *tok, size_t lo, size_t hi,
    int from_end)
{
	const struct phrase *best = NULL;
	size_t i, j;

	for (i = 0; i < list->n; i++) {
		const struct phrase *ph = &list->v[i];

		if (ph->ntok > hi - lo || (best && ph->ntok <= best->ntok))
			continue;
		for (j = 0; j < ph->ntok; j++) {
			size_t k = from_end ? hi - ph->ntok + j : lo + j;

			if (!span_eq(&tok[k], &ph->tok[j]))
				break;
		}
		if (j == ph->ntok)
			best = ph;
	}
	return best;
}

static int
ends_with(const struct span *t, const char *suffix)
{
	size_t n = strlen(suffix);

	return t->n > n + 2 && memcmp(t->p + t->n - n, suffix, n) == 0;
}

/* A patronymic, as a form of address uses it: Асаинович, Сериковна, Асқарұлы. */
static int
patronymic(const struct span *t)
{
	static const char *const suffixes[] = {
		"ович", "евич", "овна", "евна", "ична", "улы", "кызы"
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(suffixes); i++)
		if (ends_with(t, suffixes[i]))
			return 1;
	return 0;
}

size_t
dedupe_normalize(const char *text, size_t len, struct sbuf *out)
{
	struct sbuf folded = { 0 };
	struct span *tok = NULL;
	const struct phrase *ph;
	size_t n, lo, hi, i;
	int changed;

	sbuf_reset(out);
	sbuf_init(&folded, len * 2 + 1);
	text_fold(text, len, &folded);
	n = lexicon_split(folded.data, folded.len, &tok);
	lo = 0;
	hi = n;
	do {
		changed = 0;
		while (lo < hi && (ph = match(&lex.greetings, tok, lo, hi, 0)) != NULL) {
			lo += ph->ntok;
			changed = 1;
			/* A greeting may be followed by a name and patronymic. */
			if (lo < hi && patronymic(&tok[lo]))
				lo += 1;
			else if (lo + 1 < hi && patronymic(&tok[lo + 1]))
				lo += 2;
		}
		while (lo < hi && (ph = match(&lex.thanks, tok, lo, hi, 1)) != NULL) {
			hi -= ph->ntok;
			changed = 1;
		}
	} while (changed && lo < hi);
	if (lo == hi) {		/* nothing but a greeting: compare it whole */
		lo = 0;
		hi = n;
	}
	for (i = lo; i < hi; i++) {
		if (i > lo)
			sbuf_addc(out, ' ');
		sbuf_add(out, tok[i].p, tok[i].n);
	}
	free(tok);
	sbuf_free(&folded);
	return hi - lo;
}

void
dedupe_fingerprint(const char *text, size_t len, char out[DEDUPE_FP_LEN + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	struct sbuf norm = { 0 };

	sbuf_init(&norm, len + 1);
	if (dedupe_normalize(text, len, &norm) == 0) {
		/* No letters or digits at all ("???", emoji): compare the text itself. */
		text_clean(text, len, &norm);
	}
	EVP_Digest(norm.data, norm.len, md, &mdlen, EVP_sha256(), NULL);
	hex_encode(md, DEDUPE_FP_LEN / 2, out);
	sbuf_free(&norm);
}

/* ---- level two: docs ---- */

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

static int
is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

static int
is_ascii_word(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/*
 * Kazakh (2021 Latin alphabet, accents already folded away) and Russian
 * typed in Latin letters, to the folded Cyrillic the other residents type.
 */
static void
latin_to_cyrillic(const char *s, size_t n, struct sbuf *out)
{
	static const struct { const char *lat, *cyr; } digraphs[] = {
		{ "sh", "ш" }, { "ch", "ч" }, { "zh", "ж" }, { "kh", "х" },
		{ "ts", "ц" }, { "ya", "я" }, { "yu", "ю" }, { "yo", "е" },
	};
	static const char *const single[26] = {
		"а", "б", "с", "д", "е", "ф", "г", "х", "и", "ж", "к", "л", "м",
		"н", "о", "п", "к", "р", "с", "т", "у", "в", "у", "кс", "ы", "з"
	};
	size_t i = 0, k;

	while (i < n) {
		for (k = 0; k < ARRAY_LEN(digraphs); k++)
			if (i + 1 < n && s[i] == digraphs[k].lat[0] && s[i + 1] == digraphs[k].lat[1])
				break;
		if (k < ARRAY_LEN(digraphs)) {
			sbuf_adds(out, digraphs[k].cyr);
			i += 2;
		} else if (s[i] >= 'a' && s[i] <= 'z') {
			sbuf_adds(out, single[s[i] - 'a']);
			i++;
		} else
			sbuf_addc(out, s[i++]);
	}
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

/* Code points of a UTF-8 token, at most MAX_CP. */
static size_t
decode(const char *s, int32_t *cp)
{
	size_t n = 0, len = strlen(s);
	utf8proc_ssize_t i = 0;

	while ((size_t)i < len && n < MAX_CP) {
		utf8proc_int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
		    (utf8proc_ssize_t)len - i, &c);

		if (k <= 0)
			break;
		cp[n++] = c;
		i += k;
	}
	return n;
}

static uint64_t
mix64(uint64_t x)
{
	/* splitmix64's finaliser: a good 64-bit bijection. */
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

/* 1 if some word of d must find its match (is not generic, feeling or context). */
static int
has_core(const struct dedupe_doc *d)
{
	size_t i;

	for (i = 0; i < d->ntok; i++)
		if (d->kind[i] == DK_CORE)
			return 1;
	return 0;
}

/*
 * Calls fn(hash, arg) for every character trigram of every word and
 * number, each padded with boundary marks (numbers with their own, '#'),
 * so word order does not matter and questions that differ only by a
 * number land in different LSH buckets. Generic and context words are left
 * out when there is anything else.
 */
static void
each_trigram(const struct dedupe_doc *d, void (*fn)(uint64_t, void *), void *arg)
{
	int32_t cp[MAX_CP + 2];
	size_t t, i, n;
	int core = has_core(d);

	for (t = 0; t < d->ntok + d->nnum; t++) {
		int is_num = t >= d->ntok;

		if (!is_num && core && d->kind[t] != DK_CORE)
			continue;	/* what a near-duplicate may lack does not decide where it is filed */
		n = decode(is_num ? d->num[t - d->ntok] : d->tok[t], cp + 1) + 2;
		cp[0] = is_num ? '#' : '^';
		cp[n - 1] = '$';
		for (i = 0; i + 3 <= n; i++) {
			uint64_t h = ((uint64_t)(uint32_t)cp[i] << 42) ^
			    ((uint64_t)(uint32_t)cp[i + 1] << 21) ^ (uint64_t)(uint32_t)cp[i + 2];

			fn(mix64(h), arg);
		}
	}
}

static void
minhash_add(uint64_t h, void *arg)
{
	uint64_t *mins = arg;
	int i;

	for (i = 0; i < DEDUPE_HASHES; i++) {
		uint64_t v = mix64(h ^ (0xA24BAED4963EE407ULL * (uint64_t)(i + 1)));

		if (v < mins[i])
			mins[i] = v;
	}
}

static void
make_bands(struct dedupe_doc *d)
{
	uint64_t mins[DEDUPE_HASHES];
	int b, r, i;

	for (i = 0; i < DEDUPE_HASHES; i++)
		mins[i] = UINT64_MAX;
	d->nbands = 0;
	if (d->ntok == 0)
		return;	/* numbers alone are not worth indexing */
	each_trigram(d, minhash_add, mins);
	for (b = 0; b < DEDUPE_BANDS; b++) {
		uint64_t h = 0xCBF29CE484222325ULL ^ (uint64_t)b;
		unsigned char raw[8];

		for (r = 0; r < DEDUPE_HASHES / DEDUPE_BANDS; r++)
			h = mix64(h ^ mins[b * (DEDUPE_HASHES / DEDUPE_BANDS) + r]);
		for (i = 0; i < 8; i++)
			raw[i] = (unsigned char)(h >> (56 - 8 * i));
		hex_encode(raw, 8, d->band[b]);
	}
	d->nbands = DEDUPE_BANDS;
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
	size_t i;

	size_t kk = 0;

	d->buf = sbuf_steal(b, NULL);
	for (i = 0; i < d->ntok; i++) {
		d->tok[i] = d->buf + toff[i];
		d->word[i] = d->buf + woff[i];
		kk += lexicon_kk(d->word[i]) != NULL;
	}
	d->kazakh = kk > 0 && kk * 3 >= d->ntok;
	for (i = 0; i < d->ntok; i++) {
		const char *k;

		d->kind[i] = DK_CORE;
		d->place[i] = NULL;
		d->flags[i] &= DF_AND;	/* the only flag a key carries */
		switch (lexicon_verb(d->word[i], d->kazakh)) {
		case LEX_WE:
			d->flags[i] |= DF_WE | DF_VERB;
			break;
		case LEX_VERB:
			d->flags[i] |= DF_VERB;
			break;
		}
		if ((k = lexicon_kind(lex.context, d->word[i])) != NULL && strcmp(k, "question") == 0)
			d->flags[i] |= DF_ASK;
		if ((k = lexicon_kind(lex.generic, d->word[i])) != NULL) {
			d->kind[i] = DK_GENERIC;
			d->place[i] = k;
		} else if ((k = lexicon_kind(lex.context, d->word[i])) != NULL) {
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
		make_bands(d);
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
	return k <= 3 && !is_digits(t->p, t->n);
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
	if (is_digits(tok[i].p, tok[i].n)) {
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

	if (i > 0 && !is_digits(tok[i - 1].p, tok[i - 1].n) &&
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
		if (is_digits(tok[i].p, tok[i].n)) {
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
		r = k < 3 || match(&lex.abbrevs, tok, nt - 1, nt, 0) != NULL;
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
		const struct phrase *ph = match(&lex.abbrevs, tok, i, n, 0);

		if (!ph && is_number_word(&tok[i]) && i + 1 < n && is_digits(tok[i + 1].p, tok[i + 1].n))
			continue;
		if (words.len)
			sbuf_addc(&words, ' ');
		if (ph) {
			sbuf_adds(&words, ph->to);
			i += ph->ntok - 1;
		} else if (is_ascii_word(tok[i].p, tok[i].n) && !is_digits(tok[i].p, tok[i].n))
			latin_to_cyrillic(tok[i].p, tok[i].n, &words);
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
		if (is_digits(w, tok[i].n)) {
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
		const struct phrase *ph = match(&lex.kkru, tok, i, n, 0);
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
			if (!map_get(lex.stopwords, w) && !is_digits(w, tok[i].n))
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
			const char *se = tilde ? tilde : stop, *w = tilde ? tilde + 1 : p;

			d->flags[d->ntok] = 0;
			if (*p == '+' && se > p + 1) {
				d->flags[d->ntok] = DF_AND;
				p++;
			}
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

void
dedupe_doc_free(struct dedupe_doc *d)
{
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

/* ---- level two: comparison ---- */

static size_t
levenshtein(const int32_t *a, size_t na, const int32_t *b, size_t nb)
{
	size_t row[MAX_CP + 1], i, j;

	for (j = 0; j <= nb; j++)
		row[j] = j;
	for (i = 1; i <= na; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= nb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[nb];
}

/* Vowels Russian spelling confuses when unstressed: а/о, е/и/я, ы/и. */
static int
vowel_pair(int32_t x, int32_t y)
{
	static const int32_t pairs[][2] = {
		{ 0x0430, 0x043E }, { 0x0435, 0x0438 }, { 0x044F, 0x0435 },
		{ 0x044F, 0x0438 }, { 0x044B, 0x0438 },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(pairs); i++)
		if ((x == pairs[i][0] && y == pairs[i][1]) || (x == pairs[i][1] && y == pairs[i][0]))
			return 1;
	return 0;
}

/*
 * A typo apart (same first letter, or a confused vowel; one edit, two for
 * long words), or one word with another ending (a common prefix of three
 * quarters of the longer one: Kazakh suffixes the Russian stemmer leaves).
 */
static int
near(const char *x, const char *y)
{
	int32_t a[MAX_CP], b[MAX_CP];
	size_t na = decode(x, a), nb = decode(y, b), max, pre = 0;

	if (na < 4 || nb < 4 || (a[0] != b[0] && !vowel_pair(a[0], b[0])))
		return 0;
	max = na > nb ? na : nb;
	while (pre < na && pre < nb && a[pre] == b[pre])
		pre++;
	if (pre >= 4 && pre * 4 >= max * 3)
		return 1;
	return levenshtein(a, na, b, nb) <= (max >= 8 ? 2u : 1u);
}

/*
 * Two words are one when their stems or the words are equal, or near each
 * other: words catch typos in short words the stemmer cut to almost
 * nothing ("почему" → "поч"), stems catch a typo next to another ending.
 */
/*
 * The same word with Kazakh endings ("самалда" / "самал", "мектебіне" /
 * "мектепке"): the bases, of four letters at least, equal or near.
 */
static int
near_kz(const char *x, const char *y)
{
	char bx[256], by[256];
	size_t nx = strlen(x), ny = strlen(y), kx, ky;

	if (nx >= sizeof(bx) || ny >= sizeof(by))
		return 0;
	kx = lexicon_kz_base(x, nx, 4);
	ky = lexicon_kz_base(y, ny, 4);
	if (kx == nx && ky == ny)
		return 0;
	memcpy(bx, x, kx);
	bx[kx] = '\0';
	memcpy(by, y, ky);
	by[ky] = '\0';
	return strcmp(bx, by) == 0 || near(bx, by);
}

static int
same_word(const struct dedupe_doc *da, size_t i, const struct dedupe_doc *db, size_t j)
{
	return strcmp(da->tok[i], db->tok[j]) == 0 || strcmp(da->word[i], db->word[j]) == 0 ||
	    near(da->word[i], db->word[j]) || near(da->tok[i], db->tok[j]) ||
	    near_kz(da->word[i], db->word[j]);
}

static int
has_token(const struct dedupe_doc *d, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < d->ntok; i++)
		if (strlen(d->tok[i]) == n && memcmp(d->tok[i], s, n) == 0)
			return 1;
	return 0;
}

static int
opposite(const struct dedupe_doc *a, const struct dedupe_doc *b)
{
	size_t i;

	for (i = 0; i < lex.antonyms.n; i++) {
		const struct span *x = &lex.antonyms.v[i].tok[0], *y = &lex.antonyms.v[i].tok[1];

		int ax = has_token(a, x->p, x->n), ay = has_token(a, y->p, y->n);
		int bx = has_token(b, x->p, x->n), by = has_token(b, y->p, y->n);

		if ((ax && by && !ay && !bx) || (ay && bx && !ax && !by))
			return 1;
	}
	return 0;
}

struct trigrams {
	uint64_t *v;
	size_t n, cap;
};

static void
trigram_add(uint64_t h, void *arg)
{
	struct trigrams *t = arg;

	if (t->n == t->cap)
		t->v = xrealloc(t->v, (t->cap = t->cap ? t->cap * 2 : 32) * sizeof(*t->v));
	t->v[t->n++] = h;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Distinct sorted trigram hashes of a doc. */
static void
trigram_set(const struct dedupe_doc *d, struct trigrams *t)
{
	size_t i, k = 0;

	memset(t, 0, sizeof(*t));
	each_trigram(d, trigram_add, t);
	if (t->n == 0)
		return;		/* t->v is NULL, which qsort() must not be given */
	qsort(t->v, t->n, sizeof(*t->v), u64_cmp);
	for (i = 0; i < t->n; i++)
		if (k == 0 || t->v[k - 1] != t->v[i])
			t->v[k++] = t->v[i];
	t->n = k;
}

static double
dice(const struct dedupe_doc *a, const struct dedupe_doc *b)
{
	struct trigrams x, y;
	size_t i = 0, j = 0, common = 0;
	double r;

	trigram_set(a, &x);
	trigram_set(b, &y);
	while (i < x.n && j < y.n) {
		if (x.v[i] == y.v[j]) {
			common++;
			i++;
			j++;
		} else if (x.v[i] < y.v[j])
			i++;
		else
			j++;
	}
	r = x.n + y.n ? 2.0 * (double)common / (double)(x.n + y.n) : 0.0;
	free(x.v);
	free(y.v);
	return r;
}

/*
 * Whether a run of words one question has and the other lacks, a[i..j),
 * may be left out (1; 2 for a clause with words of substance): a run of feeling or context words that holds an affect
 * word, anywhere; or, at the start or the end of the question, a clause
 * that holds an affect word, or a verb and someone it happens to ("дети
 * ездят в другой район", "ходим пешком"), asks nothing and does not begin
 * another part of the question ("… и не убирают подъезд").
 */
static int
clause_ok(const struct dedupe_doc *a, size_t i, size_t j, int edge)
{
	int affect = 0, other = 0, verb = 0, with = 0, asks = 0;
	size_t k;

	for (k = i; k < j; k++) {
		if (a->kind[k] == DK_GENERIC)
			continue;
		affect |= a->kind[k] == DK_AFFECT;
		with |= a->kind[k] == DK_WITH || (a->flags[k] & DF_WE);
		other |= a->kind[k] == DK_CORE;
		verb |= (a->flags[k] & DF_VERB) != 0;
		asks |= (a->flags[k] & DF_ASK) != 0;
	}
	if (!other)	/* feeling or context words alone */
		return affect || (edge && !asks && verb && with);
	return edge && !asks && !(a->flags[i] & DF_AND) && (affect || (verb && with)) ? 2 : 0;
}

/*
 * The words of a left unmatched by b (matched: 1 for its own word in b, 2
 * for a word that only repeats one matched already, 0 for none) may be
 * left so: generic words, and runs that clause_ok() allows. Returns 0 if
 * not, 1 if so, 2 if a clause with words of substance is left, which needs
 * two words of substance in common besides the words that ask. A doc with
 * no word of substance is compared word for word.
 */
static int
leftovers_ok(const struct dedupe_doc *a, const int *matched)
{
	size_t i, j, first = 0, common = 0;
	int core = has_core(a), r = 1, c;

	for (i = 0; i < a->ntok; i++)
		common += matched[i] == 1 && a->kind[i] != DK_AFFECT && a->kind[i] != DK_WITH &&
		    !(a->flags[i] & DF_ASK);
	for (i = 0; i < a->ntok; i++)
		if (matched[i] == 1 && a->kind[i] == DK_CORE)
			break;
	if (core && i == a->ntok)
		return 0;	/* nothing of substance in common */
	while (first < a->ntok && !matched[first] && a->kind[first] == DK_GENERIC)
		first++;
	for (i = 0; i < a->ntok; i = j) {
		j = i + 1;
		if (matched[i] || (core && a->kind[i] == DK_GENERIC))
			continue;
		/* A run of unmatched words, generic ones and repeats passed over. */
		for (j = i; j < a->ntok && matched[j] != 1; j++)
			;
		if (!core || (c = clause_ok(a, i, j, i <= first || j == a->ntok)) == 0)
			return 0;
		if (c == 2)
			r = 2;
	}
	return r == 2 && common < 2 ? 0 : r;
}

/*
 * 1 when every content word of a finds its own word in b (one-to-one as
 * far as it goes) or may be left (leftovers_ok), and every word of b left
 * over repeats one of a or may be left too.
 */
static int
covers(const struct dedupe_doc *a, const struct dedupe_doc *b)
{
	int used[DEDUPE_MAX_TOKENS] = { 0 }, ma[DEDUPE_MAX_TOKENS] = { 0 }, mb[DEDUPE_MAX_TOKENS] = { 0 };
	size_t i, j;
	int la, lb;

	for (i = 0; i < a->ntok; i++) {
		for (j = 0; j < b->ntok; j++)
			if (!used[j] && same_word(a, i, b, j))
				break;
		if (j < b->ntok)
			ma[i] = used[j] = 1;
	}
	for (j = 0; j < b->ntok; j++) {
		mb[j] = used[j];
		for (i = 0; !mb[j] && i < a->ntok; i++)
			mb[j] = same_word(a, i, b, j) ? 2 : 0;
	}
	la = leftovers_ok(a, ma);
	lb = leftovers_ok(b, mb);
	/* A clause added on one side only: both leaving one is another question. */
	return la && lb && !(la == 2 && lb == 2);
}

/*
 * The numbers agree: the same values, and each pair of equal values names
 * the same thing when both say what they name ("дом 5 кв 12" = "кв 12 дом
 * 5"; "школа 17, кабинет 5" ≠ "школа 5, кабинет 17").
 */
static int
numbers_agree(const struct dedupe_doc *a, const struct dedupe_doc *b)
{
	int ua[DEDUPE_MAX_TOKENS] = { 0 }, ub[DEDUPE_MAX_TOKENS] = { 0 };
	size_t i, j;

	if (a->nnum != b->nnum)
		return 0;
	/* Equal values with equal (or no) labels pair first. */
	for (i = 0; i < a->nnum; i++)
		for (j = 0; j < b->nnum; j++)
			if (!ub[j] && strcmp(a->num[i], b->num[j]) == 0 &&
			    ((!a->label[i] && !b->label[j]) ||
			    (a->label[i] && b->label[j] && strcmp(a->label[i], b->label[j]) == 0))) {
				ua[i] = ub[j] = 1;
				break;
			}
	/* What is left pairs a label with no label. */
	for (i = 0; i < a->nnum; i++) {
		if (ua[i])
			continue;
		for (j = 0; j < b->nnum; j++)
			if (!ub[j] && strcmp(a->num[i], b->num[j]) == 0 && (!a->label[i] || !b->label[j]))
				break;
		if (j == b->nnum)
			return 0;
		ua[i] = ub[j] = 1;
	}
	return 1;
}

/* Both name a kind of place, and no kind is in both: "улица Абая" / "село Абай". */
static int
places_differ(const struct dedupe_doc *a, const struct dedupe_doc *b)
{
	size_t i, j;
	int pa = 0, pb = 0;

	for (i = 0; i < a->ntok; i++) {
		if (!a->place[i])
			continue;
		pa = 1;
		for (j = 0; j < b->ntok; j++)
			if (b->place[j] && strcmp(a->place[i], b->place[j]) == 0)
				return 0;
	}
	for (j = 0; j < b->ntok; j++)
		pb |= b->place[j] != NULL;
	return pa && pb;
}

int
dedupe_conflict(const struct dedupe_doc *a, const struct dedupe_doc *b)
{
	return !numbers_agree(a, b) || places_differ(a, b) || opposite(a, b);
}

/*
 * Checked both ways, so that the answer does not depend on which of two
 * questions arrived first (the matching is greedy, so one way alone is not
 * symmetric: "салынады салынадшан" against "салынады").
 */
int
dedupe_same(const struct dedupe_doc *a, const struct dedupe_doc *b)
{
	if (a->ntok == 0 || b->ntok == 0 || !numbers_agree(a, b) || places_differ(a, b))
		return 0;
	return covers(a, b) && covers(b, a) && !opposite(a, b);
}

/* Core words of a left without their own word in b, one to one. */
static size_t
unmatched_core(const struct dedupe_doc *a, const struct dedupe_doc *b, size_t *matched)
{
	int used[DEDUPE_MAX_TOKENS] = { 0 };
	size_t i, j, left = 0;

	*matched = 0;
	for (i = 0; i < a->ntok; i++) {
		if (a->kind[i] != DK_CORE)
			continue;
		for (j = 0; j < b->ntok; j++)
			if (!used[j] && same_word(a, i, b, j))
				break;
		if (j < b->ntok) {
			used[j] = 1;
			(*matched)++;
		} else
			left++;
	}
	return left;
}

int
dedupe_suggest(const struct dedupe_doc *a, const struct dedupe_doc *b)
{
	size_t ma, mb, la, lb;

	if (a->ntok == 0 || b->ntok == 0 || dedupe_conflict(a, b))
		return 0;
	la = unmatched_core(a, b, &ma);
	lb = unmatched_core(b, a, &mb);
	return ma >= 2 && mb >= 2 && la <= SUGGEST_LEFT && lb <= SUGGEST_LEFT &&
	    dice(a, b) >= SUGGEST_DICE;
}

double
dedupe_similarity(const struct dedupe_doc *a, const struct dedupe_doc *b)
{
	return dice(a, b);
}
