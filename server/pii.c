/*
 * pii: personal data in a resident's text, found by shape and masked.
 *
 * The text is first normalised with NFKC, so full-width digits, non-
 * breaking spaces and the like read as what they are; the public copy is
 * that normalised text with each piece replaced by "•••".
 *
 * Numbers: a run of digit groups joined by separators (spaces, hyphens,
 * dashes, slashes, dots, brackets; at most three between two groups) is
 * cut into whole groups that form, from left to right:
 *   - a phone of Kazakhstan: 11 digits 8 7xx… or 7 7xx… (a leading +
 *     included), or 10 digits 7xx… (a run may hold several);
 *   - an IIN: 12 digits whose first six read as a date YYMMDD (residents
 *     mistype the check digit, so it is not required);
 *   - a payment card: 13 to 19 digits that pass the Luhn check.
 * A run followed by a word of money or measure (тенге, млн, %, …) is an
 * amount, never a phone or a card. Dates, years, times, house, flat and
 * school numbers are never long enough to take one of these shapes.
 *
 * E-mail: a name, an "at" ('@', "(at)", "[at]", " at ", "собака"), and a
 * domain of Latin or Cyrillic labels separated by dots (or "dot",
 * "точка") with a top-level part of two letters or more.
 */
#include "pii.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "util.h"

#define MASK "\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2"	/* ••• */
#define MAX_GROUPS 32
#define MAX_DIGITS 64

/* ---- characters ---- */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A code point at s[i] (valid UTF-8), its length in *n. */
static int32_t
cp_at(const char *s, size_t len, size_t i, size_t *n)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);

	*n = k > 0 ? (size_t)k : 1;
	return k > 0 ? cp : -1;
}

static int
is_letter(int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);

	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

/* A separator inside a number: space, hyphen, dashes, minus, slash, dot, brackets. */
static int
is_sep(int32_t cp)
{
	return cp == ' ' || cp == '-' || cp == '.' || cp == '/' || cp == '(' || cp == ')' ||
	    cp == 0x2010 || cp == 0x2011 || cp == 0x2012 || cp == 0x2013 || cp == 0x2014 || cp == 0x2212;
}

/* ---- numbers ---- */

struct group {
	size_t start, end;	/* bytes */
	size_t d0, nd;		/* its digits in the run's digit string */
};

struct run {
	size_t start, end;
	struct group g[MAX_GROUPS];
	size_t ng;
	char d[MAX_DIGITS + 1];
	size_t nd;
	int plus;		/* led by '+' */
};

/* Reads a run of digit groups starting at s[i] (a digit, or '+' and a digit); 0 if too long to be one. */
static int
read_run(const char *s, size_t len, size_t i, struct run *r)
{
	size_t j = i, n;

	memset(r, 0, sizeof(*r));
	r->start = i;
	if (s[j] == '+') {
		r->plus = 1;
		j++;
	}
	for (;;) {
		struct group *g;
		size_t k, seps = 0;

		if (j >= len || !is_digit(s[j]) || r->ng == MAX_GROUPS)
			break;
		g = &r->g[r->ng++];
		g->start = j;
		g->d0 = r->nd;
		while (j < len && is_digit(s[j])) {
			if (r->nd == MAX_DIGITS)
				return 0;
			r->d[r->nd++] = s[j++];
		}
		g->end = j;
		g->nd = r->nd - g->d0;
		r->end = j;
		/* Up to three separators, then another group. */
		for (k = j; k < len && seps < 3; k += n, seps++) {
			int32_t cp = cp_at(s, len, k, &n);

			if (!is_sep(cp))
				break;
		}
		if (seps == 0 || k >= len || !is_digit(s[k]))
			break;
		j = k;
	}
	return r->ng > 0;
}

static int
date_shape(const char *d)
{
	int mm = (d[2] - '0') * 10 + (d[3] - '0'), dd = (d[4] - '0') * 10 + (d[5] - '0');

	return mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31 && d[6] >= '0' && d[6] <= '6';
}

static int
luhn(const char *d, size_t n)
{
	int sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int x = d[n - 1 - i] - '0';

		if (i % 2 == 1 && (x *= 2) > 9)
			x -= 9;
		sum += x;
	}
	return sum % 10 == 0;
}

static int
phone_shape(const char *d, size_t n)
{
	return (n == 11 && (d[0] == '8' || d[0] == '7') && d[1] == '7') || (n == 10 && d[0] == '7');
}

/* Personal data made of digits d[0..n), led by '+' or not. */
static int
digits_pii(const char *d, size_t n, int plus)
{
	if (phone_shape(d, n))
		return !plus || d[0] == '7';
	if (plus)
		return 0;
	if (n == 12 && date_shape(d))
		return 1;
	return n >= 13 && n <= 19 && luhn(d, n);
}

/* Words after a number that make it an amount or a measure. */
static const char *const units[] = {
	"тенге", "теңге", "тг", "тңг", "₸", "kzt", "тыс", "млн", "млрд", "миллион", "миллиард",
	"руб", "долл", "usd", "$", "%", "процент", "пайыз", "человек", "жител", "адам", "семей",
	"кв.м", "м2", "м²", "метр", "км", "гектар", "га", "тонн", "кг", "литр", "штук", "шт",
};

static int
followed_by_unit(const char *s, size_t len, size_t i)
{
	size_t k, u;

	while (i < len && s[i] == ' ')
		i++;
	for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		k = strlen(units[u]);
		if (i + k <= len && strncasecmp(s + i, units[u], k) == 0)
			return 1;
	}
	return 0;
}

/*
 * Marks the personal data in a run: whole groups, left to right, the
 * most groups from each that make one (a run may hold two phones in a
 * row; a card's first groups may read as something shorter).
 * Spans go to out[] (pairs of byte offsets); returns how many.
 */
static size_t
run_pii(const struct run *r, size_t (*out)[2], size_t max)
{
	size_t g = 0, n = 0;

	while (g < r->ng && n < max) {
		size_t h = g, k, nd = 0;
		int found = 0;

		/* The longest shape from this group on (a card's first twelve digits may read as an IIN). */
		for (k = g; k < r->ng && nd < 20; k++) {
			nd += r->g[k].nd;
			if (digits_pii(r->d + r->g[g].d0, nd, g == 0 && r->plus)) {
				found = 1;
				h = k;
			}
		}
		if (!found && r->g[g].nd >= 20 && r->g[g].nd <= 22) {
			/* Two phones written together. */
			size_t a = r->g[g].nd - 11 == 10 || r->g[g].nd - 11 == 11 ? 11 : 10;
			const char *d = r->d + r->g[g].d0;

			if (phone_shape(d, a) && phone_shape(d + a, r->g[g].nd - a)) {
				found = 1;
				h = g;
			}
		}
		if (found) {
			out[n][0] = g == 0 && r->plus ? r->start : r->g[g].start;
			out[n][1] = r->g[h].end;
			n++;
			g = h + 1;
		} else
			g++;
	}
	return n;
}

/* ---- e-mail ---- */

static int
local_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	    c == '.' || c == '_' || c == '-' || c == '+' || c == '%';
}

/* A domain label character: a letter (Latin or Cyrillic), a digit, a hyphen. */
static size_t
label_char(const char *s, size_t len, size_t i)
{
	size_t n;
	int32_t cp = cp_at(s, len, i, &n);

	if (cp == '-' || (cp >= '0' && cp <= '9') || (cp > 0 && is_letter(cp)))
		return n;
	return 0;
}

/* Case-insensitive match of an ASCII or UTF-8 word at s[i]; its length, or 0. */
static size_t
word_at(const char *s, size_t len, size_t i, const char *w)
{
	size_t k = strlen(w);

	return i + k <= len && strncasecmp(s + i, w, k) == 0 ? k : 0;
}

/* Spellings of '@' and of '.', spaces around them included. */
static const char *const ats[] = { "@", "(at)", "[at]", "{at}", "(собака)", "собака", " at " };
static const char *const dots[] = { ".", "(dot)", "[dot]", " dot ", "(точка)", " точка ", "точка" };

static size_t
spelled(const char *s, size_t len, size_t i, const char *const *forms, size_t nforms)
{
	size_t j = i, f, k;

	while (j < len && s[j] == ' ')
		j++;
	for (f = 0; f < nforms; f++) {
		size_t at = forms[f][0] == ' ' ? i : j;

		if ((k = word_at(s, len, at, forms[f])) > 0) {
			at += k;
			while (at < len && s[at] == ' ')
				at++;
			return at - i;
		}
	}
	return 0;
}

/* If an e-mail address's "at" is at s[i], the address's span. */
static int
email_at(const char *s, size_t len, size_t i, size_t lstart, size_t *to)
{
	size_t j, k, labels = 0, tld = 0, last_end = 0;

	if (lstart == i || (k = spelled(s, len, i, ats, sizeof(ats) / sizeof(ats[0]))) == 0)
		return 0;
	j = i + k;
	for (;;) {
		size_t start = j, letters = 0, n;

		while (j < len && (n = label_char(s, len, j)) > 0) {
			letters += s[j] != '-' && !is_digit(s[j]);
			j += n;
		}
		if (j == start)
			break;
		labels++;
		last_end = j;
		tld = letters;
		if ((k = spelled(s, len, j, dots, sizeof(dots) / sizeof(dots[0]))) == 0)
			break;
		j += k;
	}
	if (labels < 2 || tld < 2)
		return 0;
	*to = last_end;
	return 1;
}

/* ---- the text ---- */

size_t
pii_mask(const char *text, size_t len, struct sbuf *masked)
{
	utf8proc_uint8_t *norm = NULL;
	size_t i = 0, copied = 0, found = 0, n, lstart = 0;
	const char *s;

	sbuf_reset(masked);
	if (utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len, &norm,
	    UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_STABLE) < 0)
		return 0;
	s = (const char *)norm;
	len = strlen(s);
	while (i < len) {
		size_t spans[8][2], k, ns = 0, to;

		if ((s[i] == '+' && i + 1 < len && is_digit(s[i + 1])) ||
		    (is_digit(s[i]) && (i == 0 || !is_digit(s[i - 1])))) {
			struct run r;

			if (read_run(s, len, i, &r) && !followed_by_unit(s, len, r.end))
				ns = run_pii(&r, spans, 8);
			if (ns == 0) {
				i = r.end > i ? r.end : i + 1;
				continue;
			}
		} else if (lstart < i && !local_char(s[i]) && email_at(s, len, i, lstart, &to)) {
			spans[0][0] = lstart;
			spans[0][1] = to;
			ns = 1;
		}
		if (ns > 0) {
			for (k = 0; k < ns; k++) {
				if (spans[k][0] < copied)
					spans[k][0] = copied;
				sbuf_add(masked, s + copied, spans[k][0] - copied);
				sbuf_adds(masked, MASK);
				copied = spans[k][1];
			}
			found += ns;
			i = copied;
			lstart = i;
			continue;
		}
		/* The start of a local part: just after the last character that cannot be in one. */
		cp_at(s, len, i, &n);
		if (!local_char(s[i]))
			lstart = i + n;
		i += n;
	}
	if (found)
		sbuf_add(masked, s + copied, len - copied);
	else
		sbuf_reset(masked);
	free(norm);
	return found;
}
