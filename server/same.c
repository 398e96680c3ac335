/*
 * same: whether two docs ask the same question (dedupe_same), cannot be
 * the same (dedupe_conflict), or may be, for a moderator to decide
 * (dedupe_suggest). The guards are the point: a wrong merge hides a
 * resident's question. See docs/DEDUPLICATION.md.
 */
#include "dedupe.h"

#include <string.h>

#include "dedupe_parts.h"
#include "lexicon.h"
#include "util.h"

#define SUGGEST_LEFT 2		/* words of each side a suggested pair may leave unmatched */
#define SUGGEST_DICE 0.5	/* and how alike its trigrams must be at least */

static size_t
levenshtein(const int32_t *a, size_t na, const int32_t *b, size_t nb)
{
	size_t row[DEDUPE_MAX_CP + 1], i, j;

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
	int32_t a[DEDUPE_MAX_CP], b[DEDUPE_MAX_CP];
	size_t na = dedupe_decode(x, a), nb = dedupe_decode(y, b), max, pre = 0;

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
	kx = lexicon_word(x)->kzlen;
	ky = lexicon_word(y)->kzlen;
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
		if (strncmp(d->tok[i], s, n) == 0 && d->tok[i][n] == '\0')
			return 1;
	return 0;
}

static int
opposite(const struct dedupe_doc *a, const struct dedupe_doc *b)
{
	size_t i;

	for (i = 0; i < lex.antonyms.n; i++) {
		const struct span *x = &lex.antonyms.v[i].tok[0], *y = &lex.antonyms.v[i].tok[1];
		int ax = has_token(a, x->p, x->n), ay = has_token(a, y->p, y->n), bx, by;

		if (ax == ay)	/* neither word, or both: no opposition whatever b says */
			continue;
		bx = has_token(b, x->p, x->n);
		by = has_token(b, y->p, y->n);
		if ((ax && by && !bx) || (ay && bx && !by))
			return 1;
	}
	return 0;
}

/*
 * Whether a run of words one question has and the other lacks, a[i..j),
 * may be left out (1; 2 for a clause with words of substance): a run of feeling or context words that holds an affect
 * word, anywhere; or, at the start or the end of the question, a clause
 * that holds an affect word, or a verb and someone it happens to ("дети
 * ездят в другой район", "ходим пешком"), asks nothing and does not begin
 * another part of the question ("… и не убирают подъезд").
 */
int
dedupe_clause(const struct dedupe_doc *a, size_t i, size_t j, int edge)
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

/* Words of substance in a[i..j): neither feeling nor context, nor a word that asks. */
static size_t
substance(const struct dedupe_doc *a, size_t i, size_t j)
{
	size_t k, n = 0;

	for (k = i; k < j; k++)
		n += a->kind[k] != DK_AFFECT && a->kind[k] != DK_WITH && !(a->flags[k] & DF_ASK);
	return n;
}

int
dedupe_trim(const struct dedupe_doc *d, size_t *lo, size_t *hi)
{
	size_t p;

	if (!dedupe_has_core(d))
		return 0;
	for (p = 1; p < d->ntok; p++)
		if (substance(d, 0, p) >= 2 && dedupe_clause(d, p, d->ntok, 1) == 2) {
			*lo = 0;
			*hi = p;
			return 1;
		}
	for (p = d->ntok - 1; p > 0; p--)
		if (substance(d, p, d->ntok) >= 2 && dedupe_clause(d, 0, p, 1) == 2) {
			*lo = p;
			*hi = d->ntok;
			return 1;
		}
	return 0;
}

/*
 * The words of a left unmatched by b (matched: 1 for its own word in b, 2
 * for a word that only repeats one matched already, 0 for none) may be
 * left so: generic words, and runs that dedupe_clause() allows. Returns 0 if
 * not, 1 if so, 2 if a clause with words of substance is left, which needs
 * two words of substance in common besides the words that ask. A doc with
 * no word of substance is compared word for word.
 */
static int
leftovers_ok(const struct dedupe_doc *a, const int *matched)
{
	size_t i, j, first = 0, common = 0;
	int core = dedupe_has_core(a), r = 1, c;

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
		if (!core || (c = dedupe_clause(a, i, j, i <= first || j == a->ntok)) == 0)
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
	if (ma < 2 || mb < 2)
		return 0;
	/* One holds all of the other and adds to it (a clause, a place): a person decides. */
	if (la == 0 || lb == 0)
		return 1;
	return la <= SUGGEST_LEFT && lb <= SUGGEST_LEFT && dedupe_dice(a, b) >= SUGGEST_DICE;
}

int
dedupe_suggest_across(const struct dedupe_doc *kk, const struct dedupe_doc *ru)
{
	size_t mk, mr;

	if (kk->ntok == 0 || ru->ntok == 0 || dedupe_conflict(kk, ru))
		return 0;
	if (dedupe_same(kk, ru))
		return 1;
	/* A word for word translation misses words: one side holding all of the other's is enough. */
	return (unmatched_core(kk, ru, &mk) == 0 || unmatched_core(ru, kk, &mr) == 0) &&
	    unmatched_core(kk, ru, &mk) <= 1 && unmatched_core(ru, kk, &mr) <= 1 && mk >= 2 && mr >= 2;
}
