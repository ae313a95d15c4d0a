/* Unit tests for src/idn.c: libidn2 in both directions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mxq/idn.h"

/* ---- idn_to_ascii ---- */

static void
expect_ascii(const char *in, const char *want)
{
	char *out = NULL;
	const char *why = "unset";

	assert_int_equal(idn_to_ascii(in, &out, &why), MXQ_OK);
	assert_non_null(out);
	assert_string_equal(out, want);
	assert_null(why);
	free(out);
}

static void
expect_ascii_invalid(const char *in)
{
	char *out = (char *)"untouched";
	const char *why = NULL;

	assert_int_equal(idn_to_ascii(in, &out, &why), MXQ_EINVAL);
	assert_string_equal(out, "untouched");
	assert_non_null(why);
	assert_true(why[0] != '\0');
}

static void
test_ascii_umlaut(void **state)
{
	(void)state;
	expect_ascii("b\xc3\xbc" "cher.example", "xn--bcher-kva.example");
}

static void
test_ascii_umlaut_trailing_dot(void **state)
{
	(void)state;
	expect_ascii("b\xc3\xbc" "cher.example.", "xn--bcher-kva.example.");
}

static void
test_ascii_sharp_s_nontransitional(void **state)
{
	(void)state;
	/* Transitional processing would give "fass.de". */
	expect_ascii("fa\xc3\x9f.de", "xn--fa-hia.de");
}

static void
test_ascii_nfc_applied(void **state)
{
	(void)state;
	/* u + COMBINING DIAERESIS is the same name as U+00FC. */
	expect_ascii("bu\xcc\x88" "cher.example", "xn--bcher-kva.example");
}

static void
test_ascii_underscore_unchanged(void **state)
{
	(void)state;
	expect_ascii("_dmarc.example.com", "_dmarc.example.com");
	expect_ascii("_25._tcp.mx.example", "_25._tcp.mx.example");
}

static void
test_ascii_never_through_idna(void **state)
{
	(void)state;
	/* IDNA would refuse all of these; as ASCII they go out as typed. */
	expect_ascii("-abc.de", "-abc.de");
	expect_ascii("abc-.de", "abc-.de");
	expect_ascii("ab--c.de", "ab--c.de");
	expect_ascii("Example.COM", "Example.COM");
	expect_ascii("xn--99999999999.test", "xn--99999999999.test");
}

static void
test_ascii_emoji_invalid(void **state)
{
	(void)state;
	/* U+1F4A9 is DISALLOWED in IDNA2008. */
	expect_ascii_invalid("\xf0\x9f\x92\xa9.example");
}

static void
test_ascii_invalid_utf8(void **state)
{
	(void)state;
	expect_ascii_invalid("\xff.com");
	expect_ascii_invalid("b\xc3.example");
	expect_ascii_invalid("\xc0\xaf.example");
}

/* ---- idn_to_display ---- */

static void
expect_display(const char *in, const char *want)
{
	char *out = (char *)"untouched";

	assert_int_equal(idn_to_display(in, &out), MXQ_OK);
	if (want == NULL) {
		if (out != NULL)
			print_error("idn_to_display(\"%s\") = \"%s\", expected "
			    "NULL\n", in, out);
		assert_null(out);
		return;
	}
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void
test_display_umlaut(void **state)
{
	(void)state;
	expect_display("xn--bcher-kva.example.", "b\xc3\xbc" "cher.example.");
}

static void
test_display_sharp_s(void **state)
{
	(void)state;
	expect_display("xn--zca.test.", "\xc3\x9f.test.");
	expect_display("xn--fa-hia.de.", "fa\xc3\x9f.de.");
}

static void
test_display_without_alabel_is_null(void **state)
{
	(void)state;
	expect_display("example.com.", NULL);
	expect_display("_dmarc.example.com.", NULL);
	expect_display("xn--.test.", NULL);
	expect_display("xn-bcher-kva.example.", NULL);
	expect_display(".", NULL);
}

static void
test_display_bidi_override_hidden(void **state)
{
	(void)state;
	/* xn--zvg is U+202E RIGHT-TO-LEFT OVERRIDE. */
	expect_display("xn--zvg.test.", NULL);
	/* xn--lxg is U+2066 LEFT-TO-RIGHT ISOLATE. */
	expect_display("xn--lxg.test.", NULL);
}

static void
test_display_c1_control_hidden(void **state)
{
	(void)state;
	/* xn--a is U+0080. */
	expect_display("xn--a.test.", NULL);
}

static void
test_display_invisible_joiner_hidden(void **state)
{
	(void)state;
	/*
	 * xn--11b2ezcs70k is KA VIRAMA ZWNJ SSA: valid IDNA2008 (CONTEXTJ)
	 * and it round-trips, but U+200C is invisible, so the name could
	 * pass for another one: it stays an A-label.
	 */
	expect_display("xn--11b2ezcs70k.test.", NULL);
}

static void
test_display_bad_punycode(void **state)
{
	(void)state;
	expect_display("xn--99999999999.test.", NULL);
	expect_display("xn--bcher-kv!.example.", NULL);
}

static void
test_display_no_round_trip(void **state)
{
	(void)state;
	/* Decodes to u + U+0308 (not NFC): encoding gives xn--bcher-kva. */
	expect_display("xn--bucher-xyd.example.", NULL);
}

static void
test_display_escaped_name(void **state)
{
	(void)state;
	/* "\." inside a label: not split into a convertible label. */
	expect_display("xn--bcher-kva\\.example.", NULL);
	expect_display("a\\032b.example.", NULL);
	expect_display("xn--zca\\@.test.", NULL);
}

static void
test_display_mixed_labels(void **state)
{
	(void)state;
	/* Only the label that converts changes; the others stay as given. */
	expect_display("mail.xn--bcher-kva.example.",
	    "mail.b\xc3\xbc" "cher.example.");
	expect_display("xn--zvg.xn--bcher-kva.example.",
	    "xn--zvg.b\xc3\xbc" "cher.example.");
	expect_display("xn--bcher-kva.xn--99999999999.xn--zca.",
	    "b\xc3\xbc" "cher.xn--99999999999.\xc3\x9f.");
}

static void
test_display_uppercase_prefix(void **state)
{
	(void)state;
	/* The ACE prefix is matched without regard to case. */
	expect_display("XN--bcher-kva.example.", "b\xc3\xbc" "cher.example.");
	expect_display("Xn--zca.test.", "\xc3\x9f.test.");
}

static void
test_version(void **state)
{
	(void)state;
	assert_non_null(idn_version());
	assert_true(idn_version()[0] >= '0' && idn_version()[0] <= '9');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_umlaut),
		cmocka_unit_test(test_ascii_umlaut_trailing_dot),
		cmocka_unit_test(test_ascii_sharp_s_nontransitional),
		cmocka_unit_test(test_ascii_nfc_applied),
		cmocka_unit_test(test_ascii_underscore_unchanged),
		cmocka_unit_test(test_ascii_never_through_idna),
		cmocka_unit_test(test_ascii_emoji_invalid),
		cmocka_unit_test(test_ascii_invalid_utf8),
		cmocka_unit_test(test_display_umlaut),
		cmocka_unit_test(test_display_sharp_s),
		cmocka_unit_test(test_display_without_alabel_is_null),
		cmocka_unit_test(test_display_bidi_override_hidden),
		cmocka_unit_test(test_display_c1_control_hidden),
		cmocka_unit_test(test_display_invisible_joiner_hidden),
		cmocka_unit_test(test_display_bad_punycode),
		cmocka_unit_test(test_display_no_round_trip),
		cmocka_unit_test(test_display_escaped_name),
		cmocka_unit_test(test_display_mixed_labels),
		cmocka_unit_test(test_display_uppercase_prefix),
		cmocka_unit_test(test_version),
	};

	return cmocka_run_group_tests_name("idn", tests, NULL, NULL);
}
