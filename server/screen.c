/*
 * screen: personal data by shape, profanity by word list.
 *
 * Shapes, chosen so that ordinary numbers (years, house numbers, sums) do
 * not trip them:
 *   - IIN: exactly 12 digits in a row whose first six read as a date YYMMDD;
 *   - phone: 10 or 11 digits, optionally led by "+", grouped by spaces,
 *     dashes, dots or parentheses, starting as Kazakhstan's numbers do
 *     (+7 / 7 / 8 and a 7xx operator code, or a 10-digit 7xx number);
 *   - e-mail: name@domain.tld.
 * Profanity is matched on folded words (text_fold()), so case, ё and Kazakh
 * letters typed as Russian ones do not hide it.
 */
#include "screen.h"

#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "log.h"
#include "text.h"
#include "util.h"

#define MASK "\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2"	/* ••• */

enum match { M_PREFIX, M_CONTAINS, M_EXACT };

struct root {
	char *word;
	enum match how;
};

static struct root *roots;
static size_t nroots;

int
screen_init(void)
{
	const struct embedded *e = embed_get("data/profanity.txt");
	const char *p, *end;

	if (nroots)
		return 0;
	if (e == NULL) {
		log_error("screen: data/profanity.txt is not embedded");
		return -1;
	}
	for (p = e->data, end = e->data + e->len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n > 0 && p[0] != '#') {
			enum match how = p[0] == '*' ? M_CONTAINS : p[0] == '=' ? M_EXACT : M_PREFIX;
			size_t skip = how == M_PREFIX ? 0 : 1;
			struct sbuf b = { 0 };

			sbuf_init(&b, n * 2 + 1);
			text_fold(p + skip, n - skip, &b);
			if (b.len > 0 && strchr(b.data, ' ') == NULL) {
				roots = xrealloc(roots, (nroots + 1) * sizeof(*roots));
				roots[nroots].word = sbuf_steal(&b, NULL);
				roots[nroots++].how = how;
			}
			sbuf_free(&b);
		}
		p += n + 1;
	}
	return 0;
}

void
screen_free(void)
{
	size_t i;

	for (i = 0; i < nroots; i++)
		free(roots[i].word);
	free(roots);
	roots = NULL;
	nroots = 0;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
iin_date(const char *d)
{
	int mm = (d[2] - '0') * 10 + (d[3] - '0'), dd = (d[4] - '0') * 10 + (d[5] - '0');

	return mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31;
}

/*
 * If a phone number or an IIN starts at s[i], returns its length in bytes
 * (0 if none). The run may only start where a number starts.
 */
static size_t
number_at(const char *s, size_t len, size_t i)
{
	char digits[16];
	size_t j = i, nd = 0, last = i;
	int seps = 0;

	if (i > 0 && (is_digit(s[i - 1]) || s[i - 1] == '+'))
		return 0;
	if (s[j] == '+')
		j++;
	for (; j < len; j++) {
		char c = s[j];

		if (is_digit(c)) {
			if (nd == sizeof(digits))
				return 0;
			digits[nd++] = c;
			last = j + 1;
			seps = 0;
		} else if ((c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') && nd > 0 && ++seps <= 2)
			continue;
		else if (c == '(' && nd == 0)
			continue;
		else
			break;
	}
	if (last < len && is_digit(s[last]))
		return 0;
	/* IIN: twelve digits written together, a date first. */
	if (nd == 12 && last - i == 12 && iin_date(digits))
		return 12;
	/* A phone of Kazakhstan: 8/7/+7 and a 7xx code, or a bare 7xx number. */
	if ((nd == 11 && (digits[0] == '8' || digits[0] == '7') && digits[1] == '7') ||
	    (nd == 10 && digits[0] == '7'))
		return last - i;
	return 0;
}

static int
email_char(char c, int domain)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	    c == '.' || c == '-' || (!domain && (c == '_' || c == '+' || c == '%'));
}

/* If s[at] is the '@' of an e-mail address, its span [*from, *to). */
static int
email_around(const char *s, size_t len, size_t at, size_t *from, size_t *to)
{
	size_t a = at, b = at + 1, dot = 0, k;

	while (a > 0 && email_char(s[a - 1], 0))
		a--;
	while (b < len && email_char(s[b], 1))
		b++;
	while (b > at + 1 && s[b - 1] == '.')	/* a sentence's full stop */
		b--;
	for (k = at + 1; k < b; k++)
		if (s[k] == '.')
			dot = k;
	/* name@domain.tld: a name, a domain, a top-level part of 2+ letters. */
	if (a == at || dot == 0 || dot <= at + 1 || b - dot < 3)
		return 0;
	*from = a;
	*to = b;
	return 1;
}

static int
profane(const char *tok, size_t n)
{
	size_t i;

	for (i = 0; i < nroots; i++) {
		const char *w = roots[i].word;
		size_t wl = strlen(w);

		if (wl > n)
			continue;
		switch (roots[i].how) {
		case M_EXACT:
			if (wl == n && memcmp(tok, w, n) == 0)
				return 1;
			break;
		case M_PREFIX:
			if (memcmp(tok, w, wl) == 0)
				return 1;
			break;
		case M_CONTAINS:
			if (memmem(tok, n, w, wl))
				return 1;
			break;
		}
	}
	return 0;
}

unsigned
screen_text(const char *text, size_t len, struct sbuf *masked)
{
	struct sbuf folded = { 0 };
	unsigned flags = 0;
	size_t i = 0, copied = 0, k;
	const char *p;

	sbuf_reset(masked);
	while (i < len) {
		size_t from = i, to = 0, n;

		if (text[i] == '@' && email_around(text, len, i, &from, &to)) {
			/* from may be before i: what was copied past it is rolled back. */
			if (from < copied)
				from = copied;
		} else if ((n = number_at(text, len, i)) > 0)
			to = i + n;
		if (to > 0) {
			flags |= SCREEN_PERSONAL;
			sbuf_add(masked, text + copied, from - copied);
			sbuf_adds(masked, MASK);
			copied = i = to;
			continue;
		}
		i++;
	}
	if (flags & SCREEN_PERSONAL)
		sbuf_add(masked, text + copied, len - copied);

	sbuf_init(&folded, len * 2 + 1);
	text_fold(text, len, &folded);
	for (p = folded.data; *p;) {
		for (k = 0; p[k] && p[k] != ' '; k++)
			;
		if (profane(p, k)) {
			flags |= SCREEN_PROFANITY;
			break;
		}
		p += k;
		while (*p == ' ')
			p++;
	}
	sbuf_free(&folded);
	return flags;
}

void
screen_flag_names(unsigned flags, struct sbuf *out)
{
	if (flags & SCREEN_PERSONAL)
		sbuf_adds(out, "personal_data");
	if (flags & SCREEN_PROFANITY)
		sbuf_adds(out, flags & SCREEN_PERSONAL ? ",profanity" : "profanity");
}

void
screen_to_strings(const char *text, char **flags, char **masked)
{
	struct sbuf f = { 0 }, m = { 0 };

	sbuf_init(&f, 32);
	sbuf_init(&m, 16);
	screen_flag_names(screen_text(text, strlen(text), &m), &f);
	*flags = sbuf_steal(&f, NULL);
	*masked = sbuf_steal(&m, NULL);
}
