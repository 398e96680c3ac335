/*
 * Unit tests for screen.c: personal data (phones, IIN, e-mail) found and
 * masked, ordinary numbers left alone, profanity flagged in Russian and
 * Kazakh whatever the case or letters, ordinary words not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "screen.h"
#include "util.h"

static struct sbuf masked;

static unsigned
check(const char *text)
{
	sbuf_free(&masked);
	sbuf_init(&masked, 64);
	return screen_text(text, strlen(text), &masked);
}

static void
personal_data(void **state)
{
	(void)state;
	assert_int_equal(check("Позвоните мне +7 701 234 56 78 пожалуйста"), SCREEN_PERSONAL);
	assert_string_equal(masked.data, "Позвоните мне ••• пожалуйста");
	assert_int_equal(check("мой номер 8 (701) 234-56-78"), SCREEN_PERSONAL);
	assert_string_equal(masked.data, "мой номер •••");
	assert_int_equal(check("87012345678"), SCREEN_PERSONAL);
	assert_int_equal(check("звоните 7012345678."), SCREEN_PERSONAL);
	assert_string_equal(masked.data, "звоните •••.");
	assert_int_equal(check("мой ИИН 900101300123, помогите"), SCREEN_PERSONAL);
	assert_string_equal(masked.data, "мой ИИН •••, помогите");
	assert_int_equal(check("пишите на aigul.k@mail.kz."), SCREEN_PERSONAL);
	assert_string_equal(masked.data, "пишите на •••.");
	assert_int_equal(check("две почты: a.b@x.kz и c_d@y.com"), SCREEN_PERSONAL);
	assert_string_equal(masked.data, "две почты: ••• и •••");
}

static void
ordinary_numbers(void **state)
{
	(void)state;
	assert_int_equal(check("Когда починят дом 15?"), 0);
	assert_string_equal(masked.data, "");
	assert_int_equal(check("Бюджет на 2026 год"), 0);
	assert_int_equal(check("в 2025 2026 2027 годах"), 0);
	assert_int_equal(check("сумма 1 000 000 тенге"), 0);
	assert_int_equal(check("код 991399123456"), 0);	/* no month 13: not an IIN */
	assert_int_equal(check("автобус номер 123456"), 0);
	assert_int_equal(check("@akimat в инстаграме"), 0);
	assert_int_equal(check("a@b"), 0);
	assert_int_equal(check("1234567890123"), 0);		/* 13 digits */
}

static void
profanity(void **state)
{
	(void)state;
	assert_int_equal(check("какого хуя нет воды"), SCREEN_PROFANITY);
	assert_int_equal(check("ХУЁВО работает акимат"), SCREEN_PROFANITY);
	assert_int_equal(check("эти суки не чинят"), SCREEN_PROFANITY);
	assert_int_equal(check("Сігейін сендердің жолдарыңды"), SCREEN_PROFANITY);
	assert_int_equal(check("нахуй такой ремонт"), SCREEN_PROFANITY);
	assert_int_equal(check("Художник нарисовал мурал"), 0);
	assert_int_equal(check("Когда будут употреблять новые правила"), 0);
	assert_int_equal(check("Сукно для школьной формы"), 0);
	assert_int_equal(check("звоните 87012345678, бляди"), SCREEN_PERSONAL | SCREEN_PROFANITY);
}

static void
flag_names(void **state)
{
	struct sbuf b = { 0 };

	(void)state;
	sbuf_init(&b, 32);
	screen_flag_names(SCREEN_PERSONAL | SCREEN_PROFANITY, &b);
	assert_string_equal(b.data, "personal_data,profanity");
	sbuf_reset(&b);
	screen_flag_names(SCREEN_PROFANITY, &b);
	assert_string_equal(b.data, "profanity");
	sbuf_reset(&b);
	screen_flag_names(0, &b);
	assert_string_equal(b.data, "");
	sbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(personal_data),
		cmocka_unit_test(ordinary_numbers),
		cmocka_unit_test(profanity),
		cmocka_unit_test(flag_names),
	};
	int r;

	if (screen_init() < 0)
		return 1;
	r = cmocka_run_group_tests_name("screen", tests, NULL, NULL);
	screen_free();
	sbuf_free(&masked);
	return r;
}
