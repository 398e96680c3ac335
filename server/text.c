/*
 * text: Unicode work on user text, done by utf8proc (normalisation, case
 * folding, categories). The only hand-written tables are the ones Unicode
 * does not provide: Kazakh letters typed as their Russian look-alikes and
 * Latin letters that look like Cyrillic ones. Every function here is pure:
 * no globals, no I/O, safe to fuzz.
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "util.h"

#define MAX_MARKS 4		/* combining marks kept on one base character */
#define MAX_TOKEN 256		/* code points in one token; longer ones are cut */

int
text_utf8_valid(const char *s, size_t n)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t i = 0;

	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
		if (k < 0 || cp < 0)
			return 0;
		i += (size_t)k;
	}
	return 1;
}

size_t
text_chars(const char *s, size_t n)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

static void
put_cp(struct sbuf *out, utf8proc_int32_t cp)
{
	utf8proc_uint8_t tmp[4];
	utf8proc_ssize_t k = utf8proc_encode_char(cp, tmp);

	sbuf_add(out, tmp, (size_t)k);
}

static int
is_space_like(utf8proc_int32_t cp, utf8proc_category_t cat)
{
	return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
	    cat == UTF8PROC_CATEGORY_ZP || cp == '\t' || cp == '\n' ||
	    cp == '\r' || cp == '\v' || cp == '\f' || cp == 0x85;
}

long
text_clean(const char *s, size_t n, struct sbuf *out)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_uint8_t *nfc = NULL;
	utf8proc_ssize_t len, i = 0;
	long kept = 0;
	int space = 0, marks = 0;

	sbuf_reset(out);
	if (!text_utf8_valid(s, n))
		return -1;
	/*
	 * Filter first, compose after: removing a character can bring a base
	 * letter and a combining mark together, and composing them last is
	 * what makes cleaning idempotent (clean(clean(x)) == clean(x)).
	 */
	while ((size_t)i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p + i, (utf8proc_ssize_t)n - i, &cp);
		utf8proc_category_t cat;

		if (k <= 0)
			break;
		i += k;
		cat = utf8proc_category(cp);
		if (is_space_like(cp, cat)) {
			space = kept > 0;
			marks = 0;
			continue;
		}
		if (cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF ||
		    cat == UTF8PROC_CATEGORY_CS || cp == 0xFFFD)
			continue;
		if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
		    cat == UTF8PROC_CATEGORY_ME) {
			if (kept == 0 || space || ++marks > MAX_MARKS)
				continue;
		} else
			marks = 0;
		if (space) {
			sbuf_addc(out, ' ');
			kept++;
			space = 0;
		}
		put_cp(out, cp);
		kept++;
	}
	if (out->len == 0)
		return 0;
	len = utf8proc_map((const utf8proc_uint8_t *)out->data, (utf8proc_ssize_t)out->len,
	    &nfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (len < 0)
		return -1;
	sbuf_reset(out);
	sbuf_add(out, nfc, (size_t)len);
	free(nfc);
	return (long)text_chars(out->data, out->len);
}

size_t
text_utf8_repair(char *s, size_t n)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t i = 0, fixed = 0;

	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = p[i] < 0x80 ? 1 :
		    utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);

		if (k < 0 || (p[i] >= 0x80 && cp < 0)) {
			s[i++] = '?';
			fixed++;
		} else
			i += (size_t)k;
	}
	return fixed;
}

/* Kazakh letters and ё, folded to the Russian letter residents type instead. */
static utf8proc_int32_t
fold_cyrillic(utf8proc_int32_t cp)
{
	switch (cp) {
	case 0x0451: return 0x0435;	/* ё → е */
	case 0x04D9: return 0x0430;	/* ә → а */
	case 0x0493: return 0x0433;	/* ғ → г */
	case 0x049B: return 0x043A;	/* қ → к */
	case 0x04A3: return 0x043D;	/* ң → н */
	case 0x04E9: return 0x043E;	/* ө → о */
	case 0x04B1: return 0x0443;	/* ұ → у */
	case 0x04AF: return 0x0443;	/* ү → у */
	case 0x04BB: return 0x0445;	/* һ → х */
	case 0x0456: return 0x0438;	/* і → и */
	default: return cp;
	}
}

/* A Latin letter (already case-folded) that looks like a Cyrillic one. */
static utf8proc_int32_t
latin_lookalike(utf8proc_int32_t cp)
{
	switch (cp) {
	case 'a': return 0x0430;
	case 'b': return 0x0432;
	case 'c': return 0x0441;
	case 'e': return 0x0435;
	case 'h': return 0x043D;
	case 'i': return 0x0438;
	case 'k': return 0x043A;
	case 'm': return 0x043C;
	case 'o': return 0x043E;
	case 'p': return 0x0440;
	case 't': return 0x0442;
	case 'x': return 0x0445;
	case 'y': return 0x0443;
	default: return 0;
	}
}

/* Latin letters with accents (Kazakh Latin script: á, ǵ, ń, ó, ú, ş…) to ASCII. */
static utf8proc_int32_t
strip_latin_accent(utf8proc_int32_t cp)
{
	utf8proc_int32_t buf[4];
	int bound = 0;
	utf8proc_ssize_t k;

	if (cp == 0x0131)	/* dotless ı */
		return 'i';
	if (!((cp >= 0x00C0 && cp <= 0x024F) || (cp >= 0x1E00 && cp <= 0x1EFF)))
		return cp;
	k = utf8proc_decompose_char(cp, buf, 4, UTF8PROC_DECOMPOSE, &bound);
	if (k >= 1 && buf[0] < 0x80)
		return buf[0];
	return cp;
}

static int
is_cyrillic(utf8proc_int32_t cp)
{
	return cp >= 0x0400 && cp <= 0x052F;
}

enum tok_class { TOK_NONE, TOK_LETTER, TOK_DIGIT };

static enum tok_class
classify(utf8proc_int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
		return TOK_LETTER;
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return TOK_DIGIT;
	default:
		return TOK_NONE;
	}
}

static int
is_mark(utf8proc_int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);

	return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC ||
	    c == UTF8PROC_CATEGORY_ME;
}

static void
emit_token(struct sbuf *out, utf8proc_int32_t *tok, size_t len, size_t *count)
{
	size_t i;
	int cyr = 0;

	if (len == 0)
		return;
	for (i = 0; i < len; i++)
		if (is_cyrillic(tok[i]))
			cyr = 1;
	if (*count > 0)
		sbuf_addc(out, ' ');
	for (i = 0; i < len; i++) {
		utf8proc_int32_t cp = tok[i];

		if (cyr && cp < 0x80 && latin_lookalike(cp))
			cp = latin_lookalike(cp);
		else if (is_cyrillic(cp))
			cp = fold_cyrillic(cp);
		else
			cp = strip_latin_accent(cp);
		put_cp(out, cp);
	}
	(*count)++;
}

/*
 * Runs before NFKC. The numero sign would otherwise become the letters
 * "no" (its compatibility decomposition), gluing a Latin word to a number.
 */
static utf8proc_int32_t
prefold(utf8proc_int32_t cp, void *data)
{
	(void)data;
	return cp == 0x2116 ? ' ' : cp;
}

size_t
text_fold(const char *s, size_t n, struct sbuf *out)
{
	utf8proc_int32_t tok[MAX_TOKEN];
	utf8proc_uint8_t *folded = NULL;
	utf8proc_ssize_t len, i = 0;
	enum tok_class cur = TOK_NONE;
	size_t tlen = 0, count = 0;

	len = utf8proc_map_custom((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n,
	    &folded, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
	    UTF8PROC_CASEFOLD | UTF8PROC_IGNORE, prefold, NULL);
	if (len < 0)
		return 0;
	while (i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(folded + i, len - i, &cp);
		enum tok_class cls;

		if (k <= 0)
			break;
		i += k;
		if (is_mark(cp))
			continue;	/* accents left after NFKC carry no meaning here */
		cls = classify(cp);
		if (cls != cur || cls == TOK_NONE) {
			emit_token(out, tok, tlen, &count);
			tlen = 0;
		}
		cur = cls;
		if (cls != TOK_NONE && tlen < MAX_TOKEN)
			tok[tlen++] = cp;
	}
	emit_token(out, tok, tlen, &count);
	free(folded);
	return count;
}

int
text_is_ascii(const char *s, size_t n)
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
void
text_latin_to_cyrillic(const char *s, size_t n, struct sbuf *out)
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
