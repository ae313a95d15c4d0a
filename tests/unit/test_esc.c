/* Unit tests for src/esc.c: untrusted text made safe for a terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mxq/esc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* esc_dup(s, len, max) must give want. */
static void
expect_esc(const char *s, size_t len, size_t max, const char *want)
{
	char *got = esc_dup(s, len, max);

	assert_non_null(got);
	if (strcmp(got, want) != 0)
		print_error("esc_dup: \"%s\", expected \"%s\"\n", got, want);
	assert_string_equal(got, want);
	free(got);
}

/* Whole string, nothing cut. */
static void
expect_esc_all(const char *s, const char *want)
{
	expect_esc(s, strlen(s), 1000, want);
}

static void
test_ascii_unchanged(void **state)
{
	(void)state;
	expect_esc_all("example.com", "example.com");
	expect_esc_all("user@example.com", "user@example.com");
	expect_esc_all(" ~!\"#$%&'()*+,-./:;<=>?[]^_`{|}",
	    " ~!\"#$%&'()*+,-./:;<=>?[]^_`{|}");
	expect_esc_all("", "");
}

static void
test_backslash_doubled(void **state)
{
	(void)state;
	expect_esc_all("a\\b", "a\\\\b");
	expect_esc_all("\\", "\\\\");
	/* So an escape in the input cannot pass for one of ours. */
	expect_esc_all("\\x1b", "\\\\x1b");
}

static void
test_escape_char(void **state)
{
	(void)state;
	expect_esc_all("\x1b[31mred", "\\x1b[31mred");
	expect_esc_all("\x1b]0;title\x07", "\\x1b]0;title\\x07");
}

static void
test_newline_tab_cr_del(void **state)
{
	(void)state;
	expect_esc_all("a\nb", "a\\x0ab");
	expect_esc_all("a\tb\rc", "a\\x09b\\x0dc");
	expect_esc_all("a\x7f", "a\\x7f");
	expect_esc_all("\x01\x1f", "\\x01\\x1f");
}

static void
test_nul_in_middle(void **state)
{
	(void)state;
	expect_esc("a\0b", 3, 100, "a\\x00b");
	expect_esc("\0\0", 2, 100, "\\x00\\x00");
}

static void
test_len_bounds_input(void **state)
{
	(void)state;
	/* Only len bytes are read, and that is not a truncation. */
	expect_esc("abcdef", 3, 100, "abc");
}

static void
test_valid_utf8_kept(void **state)
{
	(void)state;
	expect_esc_all("b\xc3\xbc" "cher.example", "b\xc3\xbc" "cher.example");
	expect_esc_all("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac");
	expect_esc_all("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	/* U+00A0 and U+10FFFF are not controls. */
	expect_esc_all("\xc2\xa0", "\xc2\xa0");
	expect_esc_all("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");
}

static void
test_invalid_utf8_per_byte(void **state)
{
	(void)state;
	expect_esc_all("\xff.com", "\\xff.com");
	expect_esc_all("\xfe\xff", "\\xfe\\xff");
	/* A lone continuation byte. */
	expect_esc_all("a\x80z", "a\\x80z");
	/* A lead byte without its continuation. */
	expect_esc_all("\xc3(", "\\xc3(");
	expect_esc_all("ab\xe2\x82", "ab\\xe2\\x82");
	/* Past U+10FFFF, and the bytes that never occur. */
	expect_esc_all("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	expect_esc_all("\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");
}

static void
test_overlong_forms(void **state)
{
	(void)state;
	/* "/" and NUL in two, three and four bytes. */
	expect_esc_all("\xc0\xaf", "\\xc0\\xaf");
	expect_esc_all("\xc1\xbf", "\\xc1\\xbf");
	expect_esc_all("\xc0\x80", "\\xc0\\x80");
	expect_esc_all("\xe0\x80\xaf", "\\xe0\\x80\\xaf");
	expect_esc_all("\xe0\x9f\xbf", "\\xe0\\x9f\\xbf");
	expect_esc_all("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf");
	expect_esc_all("\xf0\x8f\xbf\xbf", "\\xf0\\x8f\\xbf\\xbf");
}

static void
test_surrogates(void **state)
{
	(void)state;
	expect_esc_all("\xed\xa0\x80", "\\xed\\xa0\\x80");	/* U+D800 */
	expect_esc_all("\xed\xbf\xbf", "\\xed\\xbf\\xbf");	/* U+DFFF */
	/* The neighbours are fine. */
	expect_esc_all("\xed\x9f\xbf", "\xed\x9f\xbf");		/* U+D7FF */
	expect_esc_all("\xee\x80\x80", "\xee\x80\x80");		/* U+E000 */
}

static void
test_c1_controls(void **state)
{
	(void)state;
	expect_esc_all("a\xc2\x85z", "a\\xc2\\x85z");		/* NEL */
	expect_esc_all("\xc2\x9b" "31m", "\\xc2\\x9b" "31m");	/* CSI */
	expect_esc_all("\xc2\x80\xc2\x9f", "\\xc2\\x80\\xc2\\x9f");
}

static void
test_bidi_and_invisible(void **state)
{
	(void)state;
	expect_esc_all("abc\xe2\x80\xae" "moc.evil",
	    "abc\\xe2\\x80\\xae" "moc.evil");			/* U+202E */
	expect_esc_all("\xe2\x81\xa6x\xe2\x81\xa9",
	    "\\xe2\\x81\\xa6x\\xe2\\x81\\xa9");		/* U+2066 U+2069 */
	expect_esc_all("a\xe2\x80\x8b" "b", "a\\xe2\\x80\\x8b" "b"); /* ZWSP */
	expect_esc_all("\xef\xbb\xbf", "\\xef\\xbb\\xbf");	/* BOM */
	expect_esc_all("\xe2\x80\xa8", "\\xe2\\x80\\xa8");	/* U+2028 */
}

static void
test_truncation(void **state)
{
	(void)state;
	expect_esc("abcdef", 6, 3, "abc...");
	expect_esc("abcdef", 6, 6, "abcdef");
	expect_esc("abcdef", 6, 5, "abcde...");
	expect_esc("abc", 3, 0, "...");
	/* The limit counts input bytes, not output bytes. */
	expect_esc("\x1b\x1b\x1b\x1b", 4, 2, "\\x1b\\x1b...");
	expect_esc("\\\\\\", 3, 2, "\\\\\\\\...");
}

static void
test_every_byte_alone(void **state)
{
	unsigned b;

	(void)state;
	for (b = 0; b < 256; b++) {
		char in[1] = { (char)b }, want[8];
		char *got = esc_dup(in, 1, 10);
		const unsigned char *p;

		assert_non_null(got);
		if (b == '\\')
			strcpy(want, "\\\\");
		else if (b >= 0x20 && b < 0x7f)
			snprintf(want, sizeof(want), "%c", (int)b);
		else
			snprintf(want, sizeof(want), "\\x%02x", b);
		assert_string_equal(got, want);
		for (p = (const unsigned char *)got; *p != '\0'; p++)
			assert_true(*p >= 0x20 && *p < 0x7f);
		free(got);
	}
}

static void
test_utf8_next_valid(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		unsigned long cp;
	} cases[] = {
		{ "A", 1, 0x41 },
		{ "\x7f", 1, 0x7f },
		{ "\xc2\x80", 2, 0x80 },
		{ "\xc3\xbc", 2, 0xfc },
		{ "\xdf\xbf", 2, 0x7ff },
		{ "\xe0\xa0\x80", 3, 0x800 },
		{ "\xe2\x82\xac", 3, 0x20ac },
		{ "\xed\x9f\xbf", 3, 0xd7ff },
		{ "\xef\xbf\xbf", 3, 0xffff },
		{ "\xf0\x90\x80\x80", 4, 0x10000 },
		{ "\xf0\x9f\x98\x80", 4, 0x1f600 },
		{ "\xf4\x8f\xbf\xbf", 4, 0x10ffff },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		unsigned long cp = 0xdeadbeef;
		size_t n = esc_utf8_next((const unsigned char *)cases[i].s,
		    strlen(cases[i].s), &cp);

		assert_int_equal(n, cases[i].len);
		assert_int_equal(cp, cases[i].cp);
	}
}

static void
test_utf8_next_reads_only_the_first(void **state)
{
	unsigned long cp = 0;

	(void)state;
	assert_int_equal(esc_utf8_next((const unsigned char *)"\xc3\xbcx", 3,
	    &cp), 2);
	assert_int_equal(cp, 0xfc);
	/* NUL is a character like any other when n says so. */
	assert_int_equal(esc_utf8_next((const unsigned char *)"\0a", 2, &cp),
	    1);
	assert_int_equal(cp, 0);
}

static void
test_utf8_next_invalid(void **state)
{
	static const struct {
		const char *s;
		size_t n;
	} cases[] = {
		{ "\x80", 1 },			/* continuation */
		{ "\xbf", 1 },
		{ "\xc0\x80", 2 },		/* overlong */
		{ "\xc1\xbf", 2 },
		{ "\xe0\x9f\xbf", 3 },
		{ "\xf0\x8f\xbf\xbf", 4 },
		{ "\xed\xa0\x80", 3 },		/* surrogates */
		{ "\xed\xbf\xbf", 3 },
		{ "\xf4\x90\x80\x80", 4 },	/* past U+10FFFF */
		{ "\xf5\x80\x80\x80", 4 },
		{ "\xf8\x88\x80\x80\x80", 5 },
		{ "\xff", 1 },
		{ "\xc3\x28", 2 },		/* bad continuation */
		{ "\xe2\x28\xa1", 3 },
		{ "\xe2\x82\x28", 3 },
		{ "\xf0\x9f\x98\x28", 4 },
		{ "\xc3\xbc", 1 },		/* cut by n */
		{ "\xe2\x82\xac", 2 },
		{ "\xf0\x9f\x98\x80", 3 },
		{ "A", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		unsigned long cp;
		size_t n = esc_utf8_next((const unsigned char *)cases[i].s,
		    cases[i].n, &cp);

		if (n != 0)
			print_error("case %zu: length %zu, expected 0\n", i, n);
		assert_int_equal(n, 0);
	}
}

static void
test_unsafe_codepoint(void **state)
{
	static const unsigned long unsafe[] = {
		0x00, 0x0a, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9b, 0x9f, 0xad,
		0x61c, 0x200b, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a,
		0x202e, 0x2066, 0x2069, 0xfeff, 0xe0001,
	};
	static const unsigned long safe[] = {
		0x20, 'a', '~', 0xa0, 0xfc, 0xdf, 0x20ac, 0x4e2d, 0x1f600,
		0x10ffff,
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(unsafe); i++)
		assert_true(esc_unsafe_codepoint(unsafe[i]));
	for (i = 0; i < N(safe); i++)
		assert_false(esc_unsafe_codepoint(safe[i]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_unchanged),
		cmocka_unit_test(test_backslash_doubled),
		cmocka_unit_test(test_escape_char),
		cmocka_unit_test(test_newline_tab_cr_del),
		cmocka_unit_test(test_nul_in_middle),
		cmocka_unit_test(test_len_bounds_input),
		cmocka_unit_test(test_valid_utf8_kept),
		cmocka_unit_test(test_invalid_utf8_per_byte),
		cmocka_unit_test(test_overlong_forms),
		cmocka_unit_test(test_surrogates),
		cmocka_unit_test(test_c1_controls),
		cmocka_unit_test(test_bidi_and_invisible),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_every_byte_alone),
		cmocka_unit_test(test_utf8_next_valid),
		cmocka_unit_test(test_utf8_next_reads_only_the_first),
		cmocka_unit_test(test_utf8_next_invalid),
		cmocka_unit_test(test_unsafe_codepoint),
	};

	return cmocka_run_group_tests_name("esc", tests, NULL, NULL);
}
