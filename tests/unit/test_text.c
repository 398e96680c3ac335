/*
 * Unit tests for text.c and dedupe.c: UTF-8 validation, cleaning of user
 * text, folding into tokens, and fingerprints of Russian and Kazakh
 * questions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dedupe.h"
#include "text.h"
#include "util.h"

/* Runs a text function into a buffer kept until the next call. */
static char *
apply(long (*fn)(const char *, size_t, struct sbuf *), const char *s)
{
	static struct sbuf b;

	sbuf_free(&b);
	sbuf_init(&b, 64);
	return fn(s, strlen(s), &b) < 0 ? NULL : b.data;
}

static long
fold_fn(const char *s, size_t n, struct sbuf *b)
{
	return (long)text_fold(s, n, b);
}

static long
norm_fn(const char *s, size_t n, struct sbuf *b)
{
	return (long)dedupe_normalize(s, n, b);
}

#define clean(s) apply(text_clean, s)
#define fold(s) apply(fold_fn, s)
#define norm(s) apply(norm_fn, s)

static int
same_fp(const char *a, const char *b)
{
	char fa[DEDUPE_FP_LEN + 1], fb[DEDUPE_FP_LEN + 1];

	dedupe_fingerprint(a, strlen(a), fa);
	dedupe_fingerprint(b, strlen(b), fb);
	return strcmp(fa, fb) == 0;
}

static void
utf8_validation(void **state)
{
	(void)state;
	assert_true(text_utf8_valid("plain ascii", 11));
	assert_true(text_utf8_valid("Қазақстан 🇰🇿", strlen("Қазақстан 🇰🇿")));
	assert_false(text_utf8_valid("\xC0\xAF", 2));		/* overlong '/' */
	assert_false(text_utf8_valid("\xED\xA0\x80", 3));	/* surrogate */
	assert_false(text_utf8_valid("\xD0", 1));		/* truncated */
	assert_false(text_utf8_valid("\xF4\x90\x80\x80", 4));	/* > U+10FFFF */
	assert_false(text_utf8_valid("ok\xFF", 3));
	assert_int_equal(text_chars("Сұрақ", strlen("Сұрақ")), 5);
}

static void
cleaning(void **state)
{
	(void)state;
	assert_string_equal(clean("  Когда   починят\n\nдорогу?  "), "Когда починят дорогу?");
	/* Bidi overrides, zero-width characters and controls disappear. */
	assert_string_equal(clean("a\xE2\x80\xAE" "b\xE2\x80\x8B" "c\x01" "d"), "abcd");
	assert_string_equal(clean("tab\there"), "tab here");
	/* Only white space: nothing is left. */
	assert_string_equal(clean(" \t\n\xE2\x80\x8B "), "");
	/* NFC: e + combining acute becomes é. */
	assert_string_equal(clean("e\xCC\x81"), "\xC3\xA9");
	/* A stack of combining marks is cut to four. */
	assert_string_equal(clean("x\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81\xCC\x81"),
	    "x\xCC\x81\xCC\x81\xCC\x81\xCC\x81");
	assert_null(clean("bad\xC0\xAF"));
	/*
	 * Removing a character can bring a letter and a combining mark together:
	 * they are composed, so that cleaning twice gives what cleaning once did
	 * (found by fuzz_text).
	 */
	assert_string_equal(clean("\xCC\x80" "A\x01\xCC\x80" "A"), "\xC3\x80" "A");
}

static void
repairing(void **state)
{
	char s[] = "ok \xD0\xBF\xD1 \xFF end \xD0";

	(void)state;
	assert_int_equal(text_utf8_repair(s, strlen(s)), 3);
	assert_string_equal(s, "ok \xD0\xBF? ? end ?");
	assert_true(text_utf8_valid(s, strlen(s)));
}

static void
folding(void **state)
{
	(void)state;
	assert_string_equal(fold("Когда, ПОЧИНЯТ дорогу?!"), "когда починят дорогу");
	assert_string_equal(fold("Ёлка ещё"), "елка еще");
	/* Kazakh letters fold to the Russian look-alikes residents type. */
	assert_string_equal(fold("Әкім қашан жөндейді? Ұлы Үй Һ Ғ Ң"),
	    "аким кашан жондейди улы уй х г н");
	/* Latin look-alikes inside a Cyrillic word become Cyrillic... */
	assert_string_equal(fold("Aбaй"), "абай");		/* Latin A and a */
	assert_string_equal(fold("мектeп"), "мектеп");	/* Latin e */
	/* ...but a Latin word stays Latin, accents dropped (Kazakh Latin). */
	assert_string_equal(fold("Wi-Fi qashan kóshesi"), "wi fi qashan koshesi");
	/* Digits are never dropped and never glued to letters. */
	assert_string_equal(fold("дом 5"), "дом 5");
	assert_string_equal(fold("дом15"), "дом 15");
	assert_string_equal(fold("школа №15"), "школа 15");
	/* Emoji and symbols separate tokens and vanish. */
	assert_string_equal(fold("дорога😡😡разбита!!!"), "дорога разбита");
	assert_string_equal(fold("🙏🙏"), "");
}

static void
greetings_and_thanks(void **state)
{
	(void)state;
	assert_string_equal(norm("Здравствуйте! Когда починят дорогу? Спасибо"),
	    "когда починят дорогу");
	assert_string_equal(norm("Добрый день, уважаемый аким! Когда будет вода? Заранее спасибо!"),
	    "когда будет вода");
	assert_string_equal(norm("Сәлеметсіз бе! Су қашан болады? Рақмет"), "су кашан болады");
	/* A greeting alone is compared whole rather than as nothing. */
	assert_string_equal(norm("Здравствуйте!"), "здравствуйте");
}

static void
fingerprints(void **state)
{
	(void)state;
	assert_true(dedupe_init() == 0);
	assert_true(same_fp("Когда починят дорогу на улице Абая?",
	    "когда починят дорогу на улице абая"));
	assert_true(same_fp("Здравствуйте! Когда починят дорогу на улице Абая? Спасибо!",
	    "КОГДА ПОЧИНЯТ ДОРОГУ НА УЛИЦЕ АБАЯ"));
	assert_true(same_fp("Когда дадут свет в мкр Самал-2?", "когда дадут свет в мкр самал 2"));
	assert_true(same_fp("Қашан жөндейді?", "Кашан жондейди"));
	assert_true(same_fp("Ёлки на площади будут?", "елки на площади будут"));
	assert_true(same_fp("Ремонт школы 🙏🙏🙏", "ремонт школы"));
	/* Numbers and names keep questions apart. */
	assert_false(same_fp("Когда починят дом 5?", "Когда починят дом 15?"));
	assert_false(same_fp("Школа №17", "Школа №71"));
	assert_false(same_fp("Бюджет 2026", "Бюджет 2027"));
	assert_false(same_fp("Дорога на улице Абая", "Дорога на улице Сатпаева"));
	/* Questions with no letters or digits still compare as themselves. */
	assert_true(same_fp("???", "???"));
	assert_false(same_fp("???", "!!!"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(utf8_validation),
		cmocka_unit_test(cleaning),
		cmocka_unit_test(repairing),
		cmocka_unit_test(folding),
		cmocka_unit_test(fingerprints),
		cmocka_unit_test(greetings_and_thanks),
	};
	int r;

	dedupe_init();
	r = cmocka_run_group_tests_name("text", tests, NULL, NULL);
	dedupe_free();
	return r;
}
