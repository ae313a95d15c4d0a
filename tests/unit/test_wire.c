/*
 * Unit tests for src/wire.c: presentation names, the name reader, the
 * query builder and the reply parser, on messages built byte by byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mxq/wire.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers: names ---- */

static struct wire_name
name(const char *text)
{
	struct wire_name n;
	const char *why = NULL;

	memset(&n, 0, sizeof(n));
	if (wire_name_from_text(text, &n, &why) != MXQ_OK)
		fail_msg("wire_name_from_text(\"%s\") failed: %s", text,
		    why != NULL ? why : "?");
	return n;
}

/* A wire name from raw bytes (labels with their length octets). */
static struct wire_name
raw_name(const void *bytes, size_t len)
{
	struct wire_name n;

	memset(&n, 0, sizeof(n));
	assert_true(len >= 1 && len <= WIRE_NAME_MAX);
	memcpy(n.data, bytes, len);
	n.len = (uint8_t)len;
	return n;
}

static void
assert_name_bytes(const struct wire_name *n, const void *bytes, size_t len)
{
	assert_int_equal(n->len, len);
	assert_memory_equal(n->data, bytes, len);
}

static void
assert_name_text(const struct wire_name *n, const char *want)
{
	char buf[WIRE_TEXT_MAX];
	size_t len;

	len = wire_name_to_text(n, buf);
	assert_string_equal(buf, want);
	assert_int_equal(len, strlen(want));
}

/* A string of n copies of c, in a static buffer (one at a time). */
static const char *
repeat(char c, size_t n)
{
	static char buf[1100];

	assert_true(n < sizeof(buf));
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* Append n copies of c, then the string tail, to the string in dst. */
static void
append(char *dst, size_t size, char c, size_t n, const char *tail)
{
	size_t len = strlen(dst);

	assert_true(len + n + strlen(tail) < size);
	memset(dst + len, c, n);
	strcpy(dst + len + n, tail);
}

/* ---- helpers: messages ---- */

struct msg {
	uint8_t b[4096];
	size_t n;
};

static void
put8(struct msg *m, unsigned v)
{
	assert_true(m->n < sizeof(m->b));
	m->b[m->n++] = (uint8_t)v;
}

static void
put16(struct msg *m, unsigned v)
{
	put8(m, (v >> 8) & 0xff);
	put8(m, v & 0xff);
}

static void
put32(struct msg *m, uint32_t v)
{
	put16(m, (unsigned)(v >> 16));
	put16(m, (unsigned)(v & 0xffff));
}

static void
putn(struct msg *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void
patch16(struct msg *m, size_t off, unsigned v)
{
	m->b[off] = (uint8_t)(v >> 8);
	m->b[off + 1] = (uint8_t)v;
}

/* An uncompressed name, from its presentation form. */
static void
put_name(struct msg *m, const char *text)
{
	struct wire_name n = name(text);

	putn(m, n.data, n.len);
}

/* Labels without the final root octet, to be followed by a pointer. */
static void
put_labels(struct msg *m, const char *text)
{
	struct wire_name n = name(text);

	putn(m, n.data, n.len - 1u);
}

static void
put_ptr(struct msg *m, size_t target)
{
	put16(m, 0xc000u | (unsigned)target);
}

static void
put_header(struct msg *m, unsigned id, unsigned flags, unsigned qd,
    unsigned an, unsigned ns, unsigned ar)
{
	m->n = 0;
	put16(m, id);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

/* TYPE, CLASS, TTL, RDLENGTH; returns the offset of RDLENGTH. */
static size_t
put_rr_fixed(struct msg *m, unsigned type, unsigned class, uint32_t ttl,
    unsigned rdlen)
{
	size_t at;

	put16(m, type);
	put16(m, class);
	put32(m, ttl);
	at = m->n;
	put16(m, rdlen);
	return at;
}

/*
 * A complete reply, as a server would compress it:
 *   example.com. MX?
 *   ANSWER      example.com. 3600 MX 10 mail.example.com.
 *               example.com. 3600 MX 20 backup.example.com.
 *   AUTHORITY   example.com. 86400 NS ns1.example.com.
 *   ADDITIONAL  mail.example.com. 300 A 192.0.2.1
 *               . OPT 1232
 */
struct mx_reply {
	struct msg m;
	size_t rdata[5];	/* offset of each record's rdata */
	size_t mail_at;		/* offset of "mail.example.com." */
};

static void
build_mx_reply(struct mx_reply *r)
{
	struct msg *m = &r->m;
	size_t at;

	memset(r, 0, sizeof(*r));
	put_header(m, 0xbeef, WIRE_FLAG_QR | WIRE_FLAG_AA | WIRE_FLAG_RD |
	    WIRE_FLAG_RA, 1, 2, 1, 2);
	put_name(m, "example.com");		/* at 12 */
	put16(m, WIRE_TYPE_MX);
	put16(m, WIRE_CLASS_IN);

	put_ptr(m, 12);
	at = put_rr_fixed(m, WIRE_TYPE_MX, WIRE_CLASS_IN, 3600, 0);
	r->rdata[0] = m->n;
	put16(m, 10);
	r->mail_at = m->n;
	put_labels(m, "mail");
	put_ptr(m, 12);
	patch16(m, at, (unsigned)(m->n - r->rdata[0]));

	put_ptr(m, 12);
	at = put_rr_fixed(m, WIRE_TYPE_MX, WIRE_CLASS_IN, 3600, 0);
	r->rdata[1] = m->n;
	put16(m, 20);
	put_labels(m, "backup");
	put_ptr(m, 12);
	patch16(m, at, (unsigned)(m->n - r->rdata[1]));

	put_ptr(m, 12);
	at = put_rr_fixed(m, 2 /* NS */, WIRE_CLASS_IN, 86400, 0);
	r->rdata[2] = m->n;
	put_labels(m, "ns1");
	put_ptr(m, 12);
	patch16(m, at, (unsigned)(m->n - r->rdata[2]));

	put_ptr(m, r->mail_at);
	put_rr_fixed(m, WIRE_TYPE_A, WIRE_CLASS_IN, 300, 4);
	r->rdata[3] = m->n;
	putn(m, "\xc0\x00\x02\x01", 4);

	put8(m, 0);
	put_rr_fixed(m, WIRE_TYPE_OPT, 1232, 0, 0);
	r->rdata[4] = m->n;
}

/*
 * A reply with the question example.com. MX and one answer record
 * "example.com. 60 TYPE <rdata>" where RDLENGTH is given separately,
 * followed by extra bytes.  The rdata starts at r->rdata[0].
 */
static void
build_one_rr(struct mx_reply *r, unsigned type, const void *rdata,
    size_t rdata_len, unsigned rdlen, const void *extra, size_t extra_len)
{
	struct msg *m = &r->m;

	memset(r, 0, sizeof(*r));
	put_header(m, 1, WIRE_FLAG_QR, 1, 1, 0, 0);
	put_name(m, "example.com");
	put16(m, WIRE_TYPE_MX);
	put16(m, WIRE_CLASS_IN);
	put_ptr(m, 12);
	put_rr_fixed(m, type, WIRE_CLASS_IN, 60, rdlen);
	r->rdata[0] = m->n;
	putn(m, rdata, rdata_len);
	if (extra_len > 0)
		putn(m, extra, extra_len);
}

/* ---- wire_name_from_text ---- */

static void
test_from_text_plain(void **state)
{
	struct wire_name n;
	const char *why = "unset";

	(void)state;
	assert_int_equal(wire_name_from_text("example.com", &n, &why),
	    MXQ_OK);
	assert_name_bytes(&n, "\7example\3com", 13);
	assert_null(why);
}

static void
test_from_text_trailing_dot(void **state)
{
	struct wire_name a = name("mail.example.com");
	struct wire_name b = name("mail.example.com.");

	(void)state;
	assert_name_bytes(&b, "\4mail\7example\3com", 18);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
}

static void
test_from_text_single_label(void **state)
{
	struct wire_name n = name("localhost");

	(void)state;
	assert_name_bytes(&n, "\11localhost", 11);
}

static void
test_from_text_decimal_escapes(void **state)
{
	struct wire_name n = name("\\065\\000\\255\\032.x");

	(void)state;
	assert_name_bytes(&n, "\4A\0\377 \1x", 8);
}

static void
test_from_text_escaped_dot_stays_in_label(void **state)
{
	struct wire_name n = name("a\\.b.example");

	(void)state;
	/* One label "a.b", not two. */
	assert_name_bytes(&n, "\3a.b\7example", 13);
}

static void
test_from_text_char_escapes(void **state)
{
	struct wire_name n = name("\\\\\\\"\\;\\q.x");

	(void)state;
	/* \c stands for c itself, whatever c is. */
	assert_name_bytes(&n, "\4\\\";q\1x", 8);
}

static void
test_from_text_underscore_hyphen_case(void **state)
{
	struct wire_name n = name("_dmarc.-A-b.Example");

	(void)state;
	/* Sent as typed: no case folding, no hostname rules. */
	assert_name_bytes(&n, "\6_dmarc\4-A-b\7Example", 21);
}

static void
expect_invalid(const char *text)
{
	struct wire_name n;
	const char *why = NULL;
	enum mxq_status st;

	st = wire_name_from_text(text, &n, &why);
	if (st != MXQ_EINVAL)
		print_error("\"%s\": status %d, expected MXQ_EINVAL\n", text,
		    (int)st);
	assert_int_equal(st, MXQ_EINVAL);
	assert_non_null(why);
	assert_true(why[0] != '\0');
}

static void
test_from_text_rejects_empty(void **state)
{
	(void)state;
	expect_invalid("");
}

static void
test_from_text_rejects_root(void **state)
{
	(void)state;
	expect_invalid(".");
}

static void
test_from_text_rejects_empty_labels(void **state)
{
	(void)state;
	expect_invalid("..");
	expect_invalid("a..b");
	expect_invalid(".a");
	expect_invalid("a.b..");
}

static void
test_from_text_label_63_ok_64_rejected(void **state)
{
	char text[80];
	struct wire_name n;
	const char *why;

	(void)state;
	text[0] = '\0';
	append(text, sizeof(text), 'a', 63, ".x");
	assert_int_equal(wire_name_from_text(text, &n, &why), MXQ_OK);
	assert_int_equal(n.len, 1 + 63 + 2 + 1);
	assert_int_equal(n.data[0], 63);

	text[0] = '\0';
	append(text, sizeof(text), 'a', 64, ".x");
	expect_invalid(text);
	/* The last label too. */
	strcpy(text, "x.");
	append(text, sizeof(text), 'a', 64, "");
	expect_invalid(text);
}

static void
test_from_text_escape_counts_as_one_octet(void **state)
{
	char text[400];
	size_t i;
	struct wire_name n;
	const char *why;

	(void)state;
	text[0] = '\0';
	for (i = 0; i < 63; i++)
		strcat(text, "\\065");
	assert_int_equal(wire_name_from_text(text, &n, &why), MXQ_OK);
	assert_int_equal(n.data[0], 63);
	strcat(text, "\\065");
	expect_invalid(text);
}

/* "63.63.63.<last>" : 3 * 64 + last characters. */
static const char *
long_name(size_t last, int final_dot)
{
	static char text[300];

	text[0] = '\0';
	append(text, sizeof(text), 'a', 63, ".");
	append(text, sizeof(text), 'b', 63, ".");
	append(text, sizeof(text), 'c', 63, ".");
	append(text, sizeof(text), 'd', last, final_dot ? "." : "");
	return text;
}

static void
test_from_text_name_253_ok_254_rejected(void **state)
{
	struct wire_name n;
	const char *why;
	const char *t;

	(void)state;
	t = long_name(61, 0);
	assert_int_equal(strlen(t), 253);
	assert_int_equal(wire_name_from_text(t, &n, &why), MXQ_OK);
	assert_int_equal(n.len, 255);
	assert_int_equal(n.data[254], 0);

	t = long_name(61, 1);
	assert_int_equal(strlen(t), 254);
	assert_int_equal(wire_name_from_text(t, &n, &why), MXQ_OK);
	assert_int_equal(n.len, 255);

	t = long_name(62, 0);
	assert_int_equal(strlen(t), 254);
	expect_invalid(t);
	expect_invalid(long_name(62, 1));
}

static void
test_from_text_bad_escapes(void **state)
{
	(void)state;
	expect_invalid("a\\25");
	expect_invalid("a\\25.com");
	expect_invalid("\\2x5.com");
	expect_invalid("a\\256.com");
	expect_invalid("a\\999.com");
	expect_invalid("abc\\");
	expect_invalid("abc.com\\");
}

static void
test_from_text_out_untouched_on_error(void **state)
{
	struct wire_name n;
	const char *why;

	(void)state;
	memset(&n, 0xa5, sizeof(n));
	assert_int_equal(wire_name_from_text("a..b", &n, &why), MXQ_EINVAL);
	assert_int_equal(n.len, 0xa5);
	assert_int_equal(n.data[0], 0xa5);
	assert_int_equal(n.data[1], 0xa5);
}

/* ---- wire_name_to_text ---- */

static void
test_to_text_escapes_like_dig(void **state)
{
	static const struct {
		uint8_t byte;
		const char *text;
	} cases[] = {
		{ 0x00, "\\000." }, { 0x01, "\\001." }, { 0x0a, "\\010." },
		{ 0x1b, "\\027." }, { 0x1f, "\\031." }, { 0x20, "\\032." },
		{ 0x7f, "\\127." }, { 0x80, "\\128." }, { 0xc3, "\\195." },
		{ 0xff, "\\255." },
		{ '.', "\\.." }, { '\\', "\\\\." }, { '"', "\\\"." },
		{ ';', "\\;." }, { '(', "\\(." }, { ')', "\\)." },
		{ '@', "\\@." }, { '$', "\\$." },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		uint8_t raw[3] = { 1, cases[i].byte, 0 };
		struct wire_name n = raw_name(raw, 3);
		char buf[WIRE_TEXT_MAX];
		size_t len = wire_name_to_text(&n, buf);

		if (strcmp(buf, cases[i].text) != 0)
			print_error("byte 0x%02x: \"%s\", expected \"%s\"\n",
			    cases[i].byte, buf, cases[i].text);
		assert_string_equal(buf, cases[i].text);
		assert_int_equal(len, strlen(cases[i].text));
	}
}

static void
test_to_text_printable_kept(void **state)
{
	static const char special[] = ".;\\\"()@$";
	unsigned c;

	(void)state;
	for (c = 0x21; c <= 0x7e; c++) {
		uint8_t raw[3] = { 1, (uint8_t)c, 0 };
		struct wire_name n = raw_name(raw, 3);
		char buf[WIRE_TEXT_MAX], want[3] = { (char)c, '.', '\0' };

		if (strchr(special, (int)c) != NULL)
			continue;
		wire_name_to_text(&n, buf);
		assert_string_equal(buf, want);
	}
}

static void
test_to_text_root(void **state)
{
	struct wire_name n = raw_name("", 1);
	char buf[WIRE_TEXT_MAX];

	(void)state;
	assert_int_equal(wire_name_to_text(&n, buf), 1);
	assert_string_equal(buf, ".");
}

static void
test_to_text_mixed_labels(void **state)
{
	struct wire_name n = raw_name("\3a.b\4c d\"\7example", 18);

	(void)state;
	assert_name_text(&n, "a\\.b.c\\032d\\\".example.");
}

static void
test_to_text_longest_name_fits(void **state)
{
	uint8_t raw[WIRE_NAME_MAX];
	struct wire_name n;
	char buf[WIRE_TEXT_MAX];
	size_t i, pos = 0, len;

	(void)state;
	/* 63, 63, 63, 61 octets of 0xff: every octet becomes \255. */
	for (i = 0; i < 4; i++) {
		size_t l = i < 3 ? 63 : 61;

		raw[pos++] = (uint8_t)l;
		memset(raw + pos, 0xff, l);
		pos += l;
	}
	raw[pos++] = 0;
	assert_int_equal(pos, WIRE_NAME_MAX);
	n = raw_name(raw, pos);
	len = wire_name_to_text(&n, buf);
	assert_int_equal(len, 250 * 4 + 4);
	assert_true(len < WIRE_TEXT_MAX);
	assert_memory_equal(buf, "\\255\\255", 8);
	assert_string_equal(buf + len - 5, "\\255.");
}

static void
test_round_trip(void **state)
{
	static const char *const names[] = {
		"example.com.",
		"ExAmPlE.CoM.",
		"_dmarc.example.com.",
		"a\\.b.example.",
		"\\000\\255\\032.x.",
		"\\\\\\\"\\;\\(\\)\\@\\$.x.",
		"xn--bcher-kva.example.",
		"*.example.",
		"-.-.",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(names); i++) {
		struct wire_name n = name(names[i]);

		assert_name_text(&n, names[i]);
	}
}

static void
test_round_trip_canonical_escapes(void **state)
{
	struct wire_name n;

	(void)state;
	/* Needless escapes come back in dig's canonical form. */
	n = name("\\097\\.b\\;.c");
	assert_name_text(&n, "a\\.b\\;.c.");
	n = name("a\\ b");
	assert_name_text(&n, "a\\032b.");
}

/* ---- wire_name_equal, wire_name_hash ---- */

static void
test_equal_ignores_ascii_case(void **state)
{
	struct wire_name a = name("Mail.EXAMPLE.com");
	struct wire_name b = name("mail.example.COM.");

	(void)state;
	assert_true(wire_name_equal(&a, &b));
	assert_true(wire_name_equal(&b, &a));
	assert_true(wire_name_equal(&a, &a));
}

static void
test_equal_different_names(void **state)
{
	struct wire_name a = name("example.com");
	struct wire_name b = name("example.org");
	struct wire_name c = name("ab.c");
	struct wire_name d = name("a.bc");
	struct wire_name e = name("example.co");

	(void)state;
	assert_false(wire_name_equal(&a, &b));
	/* Same octets after the first, different label boundaries. */
	assert_int_equal(c.len, d.len);
	assert_false(wire_name_equal(&c, &d));
	assert_false(wire_name_equal(&a, &e));
}

static void
test_equal_only_ascii_letters_fold(void **state)
{
	struct wire_name a = raw_name("\1\xc4", 3);
	struct wire_name b = raw_name("\1\xe4", 3);
	struct wire_name c = raw_name("\1@", 3);
	struct wire_name d = raw_name("\1`", 3);
	struct wire_name e = raw_name("\1[", 3);
	struct wire_name f = raw_name("\1{", 3);

	(void)state;
	/* 0xc4/0xe4 are Ä/ä in Latin-1: DNS folds ASCII only. */
	assert_false(wire_name_equal(&a, &b));
	/* Neighbours of the letter ranges are not letters. */
	assert_false(wire_name_equal(&c, &d));
	assert_false(wire_name_equal(&e, &f));
}

static void
test_hash_same_for_case_variants(void **state)
{
	struct wire_name a = name("MX1.Example.COM");
	struct wire_name b = name("mx1.example.com");
	struct wire_name c = name("mX1.eXAMPLE.cOm.");

	(void)state;
	assert_int_equal(wire_name_hash(&a), wire_name_hash(&b));
	assert_int_equal(wire_name_hash(&a), wire_name_hash(&c));
}

static void
test_is_root(void **state)
{
	struct wire_name r = raw_name("", 1);
	struct wire_name a = name("a");

	(void)state;
	assert_true(wire_name_is_root(&r));
	assert_false(wire_name_is_root(&a));
}

/* ---- wire_name_same_bytes ---- */

static void
test_same_bytes(void **state)
{
	struct wire_name a = name("Mail.Example.com");
	struct wire_name b = name("mail.example.com.");
	struct wire_name c = name("Mail.Example.com.");
	struct wire_name d = name("ab.c");
	struct wire_name e = name("a.bc");
	struct wire_name r1 = raw_name("", 1), r2 = raw_name("", 1);

	(void)state;
	/* The same name in another case: equal, not the same bytes. */
	assert_true(wire_name_equal(&a, &b));
	assert_false(wire_name_same_bytes(&a, &b));
	assert_false(wire_name_same_bytes(&b, &a));
	assert_true(wire_name_same_bytes(&a, &c));
	assert_true(wire_name_same_bytes(&a, &a));
	assert_true(wire_name_same_bytes(&r1, &r2));
	assert_false(wire_name_same_bytes(&a, &r1));
	/* Same octets after the first, other label boundaries. */
	assert_false(wire_name_same_bytes(&d, &e));
}

static void
test_same_bytes_ignores_bytes_past_len(void **state)
{
	struct wire_name a = name("example.com");
	struct wire_name b = name("example.com");

	(void)state;
	/* Only the len octets of a name count, not what follows. */
	a.data[a.len] = 'x';
	b.data[b.len] = 'y';
	assert_true(wire_name_same_bytes(&a, &b));
}

/* ---- wire_name_is_under ---- */

static int
under(const char *child, const char *parent)
{
	struct wire_name c, p;

	c = strcmp(child, ".") == 0 ? raw_name("", 1) : name(child);
	p = strcmp(parent, ".") == 0 ? raw_name("", 1) : name(parent);
	return wire_name_is_under(&c, &p);
}

static void
test_is_under(void **state)
{
	(void)state;
	assert_true(under("a.example.", "example."));
	assert_true(under("mx1.mail.example.com", "example.com"));
	assert_true(under("mx1.mail.example.com", "mail.example.com"));
	assert_true(under("mx1.mail.example.com", "com"));
	assert_false(under("example.", "a.example."));
	assert_false(under("example.com", "example.org"));
	assert_false(under("a.b.c", "a.c"));
	assert_false(under("com", "example.com"));
}

static void
test_is_under_label_boundaries(void **state)
{
	(void)state;
	/* Whole labels: a suffix of the text is not enough. */
	assert_false(under("xample.", "example."));
	assert_false(under("example.", "xample."));
	assert_false(under("a.example.com", "ample.com"));
	assert_false(under("ab.c", "b.c"));
	assert_false(under("mail.example.com", "l.example.com"));
}

static void
test_is_under_label_holding_parent_bytes(void **state)
{
	/* One label "x\003com" (5 octets): its tail holds "\3com\0". */
	struct wire_name n = raw_name("\5x\3com", 7);
	struct wire_name com = name("com");
	struct wire_name two = name("x.com");

	(void)state;
	assert_memory_equal(n.data + n.len - com.len, com.data, com.len);
	assert_false(wire_name_is_under(&n, &com));
	assert_true(wire_name_is_under(&two, &com));
}

static void
test_is_under_root_and_itself(void **state)
{
	(void)state;
	/* Everything is under the root, the root included. */
	assert_true(under("example.", "."));
	assert_true(under("a.b.c.d.example.com", "."));
	assert_true(under(".", "."));
	assert_false(under(".", "example."));
	/* A name is under itself. */
	assert_true(under("example.", "example."));
	assert_true(under("mail.example.com", "mail.example.com."));
}

static void
test_is_under_ignores_case(void **state)
{
	(void)state;
	assert_true(under("MX.Example.COM", "example.com"));
	assert_true(under("mx.example.com", "EXAMPLE.Com"));
	assert_true(under("Example.Com", "eXAMPLE.cOM"));
	/* ASCII only: Latin-1 'A'-umlaut and 'a'-umlaut are two octets. */
	assert_false(under("a.\\196.example", "\\228.example"));
}

/* ---- wire_name_mix_case ---- */

static void
test_mix_case_all_bits(void **state)
{
	uint8_t rnd[WIRE_CASE_RANDOM];
	struct wire_name n = name("mx1.b-c.example.com");
	struct wire_name orig = n;

	(void)state;
	memset(rnd, 0xff, sizeof(rnd));
	wire_name_mix_case(&n, rnd);
	assert_name_text(&n, "MX1.B-C.EXAMPLE.COM.");
	/* The same name, in other bytes. */
	assert_true(wire_name_equal(&n, &orig));
	assert_false(wire_name_same_bytes(&n, &orig));
	assert_int_equal(wire_name_hash(&n), wire_name_hash(&orig));
	memset(rnd, 0, sizeof(rnd));
	n = orig;
	wire_name_mix_case(&n, rnd);
	assert_true(wire_name_same_bytes(&n, &orig));
}

static void
test_mix_case_one_bit_per_letter(void **state)
{
	uint8_t rnd[WIRE_CASE_RANDOM];
	struct wire_name n;

	(void)state;
	/* Letters a b c d e take bits 0-4; digits and '-' take none. */
	memset(rnd, 0, sizeof(rnd));
	rnd[0] = 0x15;
	n = name("a1b-c.d9e");
	wire_name_mix_case(&n, rnd);
	assert_name_text(&n, "A1b-C.d9E.");
	rnd[0] = 0x0a;
	n = name("a1b-c.d9e");
	wire_name_mix_case(&n, rnd);
	assert_name_text(&n, "a1B-c.D9e.");
	/* The ninth letter takes bit 0 of the second byte, and so on. */
	memset(rnd, 0, sizeof(rnd));
	rnd[1] = 0x01;
	n = name("abcdefgh.ij");
	wire_name_mix_case(&n, rnd);
	assert_name_text(&n, "abcdefgh.Ij.");
	rnd[1] = 0x02;
	n = name("abcdefgh.ij");
	wire_name_mix_case(&n, rnd);
	assert_name_text(&n, "abcdefgh.iJ.");
}

static void
test_mix_case_only_ascii_letters(void **state)
{
	uint8_t ones[WIRE_CASE_RANDOM], zeros[WIRE_CASE_RANDOM];
	unsigned c;

	(void)state;
	memset(ones, 0xff, sizeof(ones));
	memset(zeros, 0, sizeof(zeros));
	for (c = 0; c <= 0xff; c++) {
		uint8_t raw[5] = { 1, (uint8_t)c, 1, 'q', 0 };
		int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		const uint8_t *r;
		int k;

		for (k = 0; k < 2; k++) {
			struct wire_name n = raw_name(raw, sizeof(raw));
			struct wire_name orig = n;

			r = k == 0 ? ones : zeros;
			wire_name_mix_case(&n, r);
			/* Label lengths and the root stay. */
			assert_int_equal(n.len, 5);
			assert_int_equal(n.data[0], 1);
			assert_int_equal(n.data[2], 1);
			assert_int_equal(n.data[4], 0);
			assert_true(wire_name_equal(&n, &orig));
			if (!letter && n.data[1] != c)
				fail_msg("byte 0x%02x changed to 0x%02x", c,
				    n.data[1]);
			if (letter)
				assert_int_equal(n.data[1] | 0x20, c | 0x20);
			/*
			 * Every letter, 'a' to 'z', takes its bit.  Guards: a
			 * range that leaves 'z' (or 'a') in the caller's case.
			 */
			if (letter)
				assert_int_equal(n.data[1],
				    k == 0 ? (c & ~0x20u) : (c | 0x20u));
			/* 'q' takes bit 1 when c is a letter, else bit 0. */
			assert_int_equal(n.data[3], k == 0 ? 'Q' : 'q');
		}
	}
}

static void
test_mix_case_longest_name(void **state)
{
	uint8_t rnd[WIRE_CASE_RANDOM];
	struct wire_name n = name(long_name(61, 0));
	size_t i, upper = 0;

	(void)state;
	/* 250 letters: bits 0 to 249, all within WIRE_CASE_RANDOM bytes. */
	assert_int_equal(n.len, WIRE_NAME_MAX);
	memset(rnd, 0xff, sizeof(rnd));
	wire_name_mix_case(&n, rnd);
	for (i = 0; i < n.len; i++)
		if (n.data[i] >= 'A' && n.data[i] <= 'Z')
			upper++;
	assert_int_equal(upper, 250);
	assert_int_equal(n.data[0], 63);
	assert_int_equal(n.data[64], 63);
	assert_int_equal(n.data[128], 63);
	assert_int_equal(n.data[192], 61);
	assert_int_equal(n.data[254], 0);
}

/* ---- wire_read_name ---- */

static void
test_read_name_uncompressed(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_name n;
	size_t off = 3;

	(void)state;
	putn(&m, "xyz", 3);
	put_name(&m, "mail.example.com");
	put8(&m, 0x77);
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_OK);
	assert_name_text(&n, "mail.example.com.");
	assert_int_equal(off, 3 + 18);
}

static void
test_read_name_root(void **state)
{
	uint8_t b[2] = { 0, 0 };
	struct wire_name n;
	size_t off = 1;

	(void)state;
	assert_int_equal(wire_read_name(b, 2, &off, &n), MXQ_OK);
	assert_true(wire_name_is_root(&n));
	assert_int_equal(off, 2);
}

static void
test_read_name_backward_pointer(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_name n;
	size_t off, second;

	(void)state;
	putn(&m, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	put_name(&m, "example.com");		/* 12 */
	second = m.n;
	put_labels(&m, "mail");
	put_ptr(&m, 12);
	put8(&m, 0x55);
	off = second;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_OK);
	assert_name_bytes(&n, "\4mail\7example\3com", 18);
	/* Past the pointer, not past the name it points to. */
	assert_int_equal(off, second + 5 + 2);
}

static void
test_read_name_pointer_alone(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_name n;
	size_t off, at;

	(void)state;
	putn(&m, "\0\0", 2);
	put_name(&m, "example.com");		/* 2 */
	at = m.n;
	put_ptr(&m, 2);
	off = at;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_OK);
	assert_name_text(&n, "example.com.");
	assert_int_equal(off, at + 2);
}

static void
test_read_name_pointer_chain(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_name n;
	size_t off, a, b;

	(void)state;
	put_name(&m, "com");			/* 0 */
	a = m.n;
	put_labels(&m, "example");
	put_ptr(&m, 0);
	b = m.n;
	put_labels(&m, "mx1");
	put_ptr(&m, a);
	off = b;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_OK);
	assert_name_text(&n, "mx1.example.com.");
	assert_int_equal(off, m.n);
}

static void
test_read_name_pointer_to_itself(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_name n;
	size_t off;

	(void)state;
	put_name(&m, "example.com");
	put_ptr(&m, m.n);
	off = m.n - 2;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_EMALFORMED);
}

static void
test_read_name_pointer_into_same_name(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_name n;
	size_t off;

	(void)state;
	putn(&m, "\0\0\0\0", 4);
	put_labels(&m, "a");		/* 4 */
	put_ptr(&m, 4);			/* a.a.a.a... */
	off = 4;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_EMALFORMED);
}

static void
test_read_name_forward_pointer(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_name n;
	size_t off;

	(void)state;
	put_labels(&m, "mail");		/* 0 */
	put_ptr(&m, 8);
	putn(&m, "\0\0", 2);
	put_name(&m, "example.com");	/* 8: valid, but ahead */
	off = 0;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_EMALFORMED);
}

static void
test_read_name_pointer_loop(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_name n;
	size_t off;

	(void)state;
	putn(&m, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	put_labels(&m, "a");		/* 12: a -> 32 */
	put_ptr(&m, 32);
	while (m.n < 32)
		put8(&m, 0);
	put_labels(&m, "b");		/* 32: b -> 12 */
	put_ptr(&m, 12);
	off = 32;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_EMALFORMED);
	off = 12;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_EMALFORMED);
}

/*
 * A cycle made of pointers alone, entered from a name that starts after
 * it: 40 -> 20 -> 22 -> 20 ...  No label is ever read, so only the rule
 * that each pointer points before the previous one ends it; without that
 * rule the read never returns (the alarm fails the test instead).
 */
static void
test_read_name_cycle_of_pointers_only(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_name n;
	size_t off;

	(void)state;
	while (m.n < 20)
		put8(&m, 0);
	put_ptr(&m, 22);		/* 20 -> 22 */
	put_ptr(&m, 20);		/* 22 -> 20 */
	while (m.n < 40)
		put8(&m, 0);
	put_ptr(&m, 20);		/* 40: the name */
	alarm(5);
	off = 40;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_EMALFORMED);
	off = 22;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_EMALFORMED);
	alarm(0);
}

/*
 * A label that would end one byte past the buffer, in a buffer of its
 * exact size on the heap: ASan (make SANITIZE=1) reports any read of
 * that byte.
 */
static void
test_read_name_label_one_past_the_end(void **state)
{
	static const uint8_t bytes[] = { 3, 'm', 'x', '1', 4, 'm', 'a', 'i' };
	uint8_t *buf = malloc(sizeof(bytes));
	struct wire_name n;
	size_t off = 0;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, bytes, sizeof(bytes));
	/* "mai" of a 4-octet label: its last octet would be buf[8]. */
	assert_int_equal(wire_read_name(buf, sizeof(bytes), &off, &n),
	    MXQ_EMALFORMED);
	/* The same with the root's 0 due exactly past the end. */
	buf[4] = 3;
	off = 0;
	assert_int_equal(wire_read_name(buf, sizeof(bytes), &off, &n),
	    MXQ_EMALFORMED);
	free(buf);
}

static void
test_read_name_pointer_cut(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_name n;
	size_t off;

	(void)state;
	put_name(&m, "example.com");
	put_labels(&m, "mail");
	put8(&m, 0xc0);			/* second octet missing */
	off = 13;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_EMALFORMED);
}

static void
test_read_name_pointer_past_end(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_name n;
	size_t off;

	(void)state;
	put_name(&m, "example.com");
	put_labels(&m, "mail");
	put16(&m, 0xffff);		/* offset 0x3fff */
	off = 13;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_EMALFORMED);
}

static void
test_read_name_label_types_01_10(void **state)
{
	uint8_t ext[] = { 0x41, 'a', 0 };	/* 01 000001 */
	uint8_t res[] = { 0x81, 'a', 0 };	/* 10 000001 */
	uint8_t ext2[] = { 1, 'x', 0x40, 0 };
	struct wire_name n;
	size_t off;

	(void)state;
	off = 0;
	assert_int_equal(wire_read_name(ext, sizeof(ext), &off, &n),
	    MXQ_EMALFORMED);
	off = 0;
	assert_int_equal(wire_read_name(res, sizeof(res), &off, &n),
	    MXQ_EMALFORMED);
	off = 0;
	assert_int_equal(wire_read_name(ext2, sizeof(ext2), &off, &n),
	    MXQ_EMALFORMED);
}

static void
put_long_labels(struct msg *m, size_t nlabels, size_t lablen)
{
	size_t i;

	for (i = 0; i < nlabels; i++) {
		put8(m, (unsigned)lablen);
		putn(m, repeat('x', lablen), lablen);
	}
}

static void
test_read_name_255_ok_256_rejected(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_name n;
	size_t off;

	(void)state;
	put_long_labels(&m, 3, 63);
	put8(&m, 61);
	putn(&m, repeat('y', 61), 61);
	put8(&m, 0);
	assert_int_equal(m.n, 255);
	off = 0;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_OK);
	assert_int_equal(n.len, 255);
	assert_int_equal(off, 255);

	m.n = 0;
	put_long_labels(&m, 3, 63);
	put8(&m, 62);
	putn(&m, repeat('y', 62), 62);
	put8(&m, 0);
	assert_int_equal(m.n, 256);
	off = 0;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_EMALFORMED);

	m.n = 0;
	put_long_labels(&m, 5, 63);
	put8(&m, 0);
	off = 0;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_EMALFORMED);
}

static void
test_read_name_too_long_through_pointers(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_name n;
	size_t off, second;

	(void)state;
	/* 193 octets here, 64 more in front of a pointer: 257. */
	put_long_labels(&m, 3, 63);
	put8(&m, 0);
	second = m.n;
	put_long_labels(&m, 1, 63);
	put_ptr(&m, 0);
	off = second;
	assert_int_equal(wire_read_name(m.b, m.n, &off, &n), MXQ_EMALFORMED);
}

static void
test_read_name_truncated(void **state)
{
	uint8_t cut_label[] = { 4, 'm', 'a', 'i', 'l', 5, 'a', 'b' };
	uint8_t no_root[] = { 4, 'm', 'a', 'i', 'l' };
	struct wire_name n;
	size_t off;

	(void)state;
	off = 0;
	assert_int_equal(wire_read_name(cut_label, sizeof(cut_label), &off,
	    &n), MXQ_EMALFORMED);
	off = 0;
	assert_int_equal(wire_read_name(no_root, sizeof(no_root), &off, &n),
	    MXQ_EMALFORMED);
	off = sizeof(no_root);
	assert_int_equal(wire_read_name(no_root, sizeof(no_root), &off, &n),
	    MXQ_EMALFORMED);
}

static void
test_read_name_outputs_untouched_on_error(void **state)
{
	uint8_t loop[] = { 1, 'a', 0xc0, 0x00 };
	struct wire_name n;
	size_t off = 0;

	(void)state;
	memset(&n, 0x5a, sizeof(n));
	assert_int_equal(wire_read_name(loop, sizeof(loop), &off, &n),
	    MXQ_EMALFORMED);
	assert_int_equal(off, 0);
	assert_int_equal(n.len, 0x5a);
}

/* ---- wire_build_query ---- */

static void
test_build_query_mx_with_edns(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x00,		/* ID 0 */
		0x01, 0x00,		/* RD */
		0x00, 0x01,		/* QDCOUNT */
		0x00, 0x00, 0x00, 0x00,
		0x00, 0x01,		/* ARCOUNT: the OPT */
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0x00, 0x0f,		/* MX */
		0x00, 0x01,		/* IN */
		0x00,			/* OPT owner: root */
		0x00, 0x29,		/* OPT */
		0x04, 0xd0,		/* 1232 */
		0x00, 0x00, 0x00, 0x00,	/* ext-rcode, version, DO, flags */
		0x00, 0x00,		/* RDLENGTH */
	};
	struct wire_name n = name("example.com");
	uint8_t buf[512];
	size_t len = 0;

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(wire_build_query(&n, WIRE_TYPE_MX, WIRE_QUERY_RD,
	    1232, buf, sizeof(buf), &len), MXQ_OK);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void
test_build_query_aaaa_without_edns(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		2, 'm', 'x', 1, 'x', 0,
		0x00, 0x1c, 0x00, 0x01,
	};
	struct wire_name n = name("mx.x.");
	uint8_t buf[512];
	size_t len = 0;

	(void)state;
	assert_int_equal(wire_build_query(&n, WIRE_TYPE_AAAA, WIRE_QUERY_RD,
	    0, buf, sizeof(buf), &len), MXQ_OK);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void
test_build_query_parses_back(void **state)
{
	struct wire_name n = name("Mail.Example.com");
	struct wire_msg msg;
	uint8_t buf[512];
	size_t len = 0;

	(void)state;
	assert_int_equal(wire_build_query(&n, WIRE_TYPE_A, WIRE_QUERY_RD,
	    1232, buf, sizeof(buf), &len), MXQ_OK);
	assert_int_equal(wire_parse(buf, len, &msg), MXQ_OK);
	assert_int_equal(msg.id, 0);
	assert_int_equal(msg.flags, WIRE_FLAG_RD);
	assert_int_equal(msg.qdcount, 1);
	assert_int_equal(msg.arcount, 1);
	assert_name_bytes(&msg.qname, n.data, n.len);
	assert_int_equal(msg.qtype, WIRE_TYPE_A);
	assert_int_equal(msg.qclass, WIRE_CLASS_IN);
	assert_int_equal(msg.nrr, 1);
	assert_int_equal(msg.rr[0].type, WIRE_TYPE_OPT);
	assert_int_equal(msg.rr[0].class, 1232);
	assert_ptr_equal(msg.opt, &msg.rr[0]);
	/* Without WIRE_QUERY_DO the OPT's flags are clear. */
	assert_int_equal(msg.opt->ttl, 0);
	wire_msg_clear(&msg);
}

static void
test_build_query_too_small(void **state)
{
	struct wire_name n = name("example.com");
	uint8_t buf[64];
	size_t len = 12345;

	(void)state;
	assert_int_equal(wire_build_query(&n, WIRE_TYPE_MX, WIRE_QUERY_RD,
	    1232, buf, 39, &len), MXQ_EINTERNAL);
	assert_int_equal(len, 12345);
	assert_int_equal(wire_build_query(&n, WIRE_TYPE_MX, WIRE_QUERY_RD,
	    1232, buf, 40, &len), MXQ_OK);
	assert_int_equal(len, 40);
}

/* Offset of the OPT record in a query for n (after the question). */
static size_t
opt_offset(const struct wire_name *n)
{
	return 12 + (size_t)n->len + 4;
}

static void
test_build_query_do_bit(void **state)
{
	struct wire_name n = name("example.com");
	uint8_t buf[WIRE_QUERY_MAX];
	struct wire_msg msg;
	size_t len = 0, o = opt_offset(&n);

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(wire_build_query(&n, WIRE_TYPE_MX,
	    WIRE_QUERY_RD | WIRE_QUERY_DO, 1232, buf, sizeof(buf), &len),
	    MXQ_OK);
	assert_int_equal(len, o + 11);
	/* DO is no header bit: the header has RD alone, ARCOUNT 1. */
	assert_int_equal(buf[2], 0x01);
	assert_int_equal(buf[3], 0x00);
	assert_int_equal(buf[11], 1);
	/* OPT: root, type 41, class 1232, then the TTL field. */
	assert_int_equal(buf[o], 0);
	assert_memory_equal(buf + o + 1, "\x00\x29\x04\xd0", 4);
	/* Extended RCODE 0, version 0, DO the top bit of the flags. */
	assert_int_equal(buf[o + 5], 0x00);
	assert_int_equal(buf[o + 6], 0x00);
	assert_int_equal(buf[o + 7], 0x80);
	assert_int_equal(buf[o + 8], 0x00);
	assert_memory_equal(buf + o + 9, "\0\0", 2);
	/* Read back: the DO bit in the OPT's TTL field, no RCODE. */
	assert_int_equal(wire_parse(buf, len, &msg), MXQ_OK);
	assert_non_null(msg.opt);
	assert_ptr_equal(msg.opt, &msg.rr[0]);
	assert_int_equal(msg.opt->ttl, 0x00008000u);
	assert_int_equal(msg.rcode, 0);
	assert_int_equal(msg.flags, WIRE_FLAG_RD);
	wire_msg_clear(&msg);
}

static void
test_build_query_no_do_no_bit(void **state)
{
	struct wire_name n = name("example.com");
	uint8_t buf[WIRE_QUERY_MAX];
	size_t len = 0, o = opt_offset(&n);

	(void)state;
	/* CD and AD are header bits; they set nothing in the OPT. */
	assert_int_equal(wire_build_query(&n, WIRE_TYPE_MX,
	    WIRE_QUERY_RD | WIRE_QUERY_CD | WIRE_QUERY_AD, 1232, buf,
	    sizeof(buf), &len), MXQ_OK);
	assert_int_equal(len, o + 11);
	assert_memory_equal(buf + o + 5, "\0\0\0\0\0\0", 6);
}

static void
test_build_query_header_bits(void **state)
{
	static const struct {
		unsigned flags;
		uint16_t header;
	} cases[] = {
		{ 0, 0 },
		{ WIRE_QUERY_RD, WIRE_FLAG_RD },
		{ WIRE_QUERY_CD, WIRE_FLAG_CD },
		{ WIRE_QUERY_AD, WIRE_FLAG_AD },
		{ WIRE_QUERY_DO, 0 },
		{ WIRE_QUERY_RD | WIRE_QUERY_CD, WIRE_FLAG_RD | WIRE_FLAG_CD },
		{ WIRE_QUERY_RD | WIRE_QUERY_AD | WIRE_QUERY_DO,
		    WIRE_FLAG_RD | WIRE_FLAG_AD },
		{ WIRE_QUERY_RD | WIRE_QUERY_CD | WIRE_QUERY_AD |
		    WIRE_QUERY_DO,
		    WIRE_FLAG_RD | WIRE_FLAG_CD | WIRE_FLAG_AD },
	};
	struct wire_name n = name("mx.example");
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		uint8_t buf[WIRE_QUERY_MAX];
		struct wire_msg msg;
		size_t len = 0;
		uint16_t word;
		int k;

		for (k = 0; k < 2; k++) {
			assert_int_equal(wire_build_query(&n, WIRE_TYPE_A,
			    cases[i].flags, k == 0 ? 0 : 1232, buf,
			    sizeof(buf), &len), MXQ_OK);
			word = (uint16_t)(buf[2] << 8 | buf[3]);
			if (word != cases[i].header)
				print_error("flags 0x%x: header 0x%04x, "
				    "expected 0x%04x\n", cases[i].flags, word,
				    cases[i].header);
			assert_int_equal(word, cases[i].header);
			assert_int_equal(wire_parse(buf, len, &msg), MXQ_OK);
			assert_int_equal(msg.flags, cases[i].header);
			assert_int_equal(msg.rcode, 0);
			wire_msg_clear(&msg);
		}
	}
}

static void
test_build_query_do_dropped_without_edns(void **state)
{
	struct wire_name n = name("mx.x.");
	uint8_t plain[WIRE_QUERY_MAX], with_do[WIRE_QUERY_MAX];
	size_t plen = 0, dlen = 0;

	(void)state;
	/* No OPT record, so no DO bit: the same query as without DO. */
	assert_int_equal(wire_build_query(&n, WIRE_TYPE_AAAA, WIRE_QUERY_RD,
	    0, plain, sizeof(plain), &plen), MXQ_OK);
	assert_int_equal(wire_build_query(&n, WIRE_TYPE_AAAA,
	    WIRE_QUERY_RD | WIRE_QUERY_DO, 0, with_do, sizeof(with_do),
	    &dlen), MXQ_OK);
	assert_int_equal(dlen, 12 + n.len + 4);
	assert_int_equal(dlen, plen);
	assert_memory_equal(with_do, plain, plen);
	assert_int_equal(with_do[10], 0);	/* ARCOUNT */
	assert_int_equal(with_do[11], 0);
}

static void
test_build_query_max(void **state)
{
	struct wire_name n = name(long_name(61, 0));
	uint8_t buf[WIRE_QUERY_MAX + 1];
	size_t len = 12345;

	(void)state;
	/* The longest name with EDNS fills WIRE_QUERY_MAX exactly. */
	assert_int_equal(n.len, WIRE_NAME_MAX);
	assert_int_equal(wire_build_query(&n, WIRE_TYPE_MX,
	    WIRE_QUERY_RD | WIRE_QUERY_DO, 1232, buf, WIRE_QUERY_MAX - 1,
	    &len), MXQ_EINTERNAL);
	assert_int_equal(len, 12345);
	assert_int_equal(wire_build_query(&n, WIRE_TYPE_MX,
	    WIRE_QUERY_RD | WIRE_QUERY_DO, 1232, buf, WIRE_QUERY_MAX, &len),
	    MXQ_OK);
	assert_int_equal(len, WIRE_QUERY_MAX);
}

/* ---- wire_parse ---- */

static void
test_parse_mx_reply_header(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;

	(void)state;
	build_mx_reply(&r);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_ptr_equal(msg.buf, r.m.b);
	assert_int_equal(msg.len, r.m.n);
	assert_int_equal(msg.id, 0xbeef);
	assert_int_equal(msg.flags, WIRE_FLAG_QR | WIRE_FLAG_AA |
	    WIRE_FLAG_RD | WIRE_FLAG_RA);
	assert_int_equal(msg.rcode, 0);
	assert_int_equal(msg.qdcount, 1);
	assert_int_equal(msg.ancount, 2);
	assert_int_equal(msg.nscount, 1);
	assert_int_equal(msg.arcount, 2);
	assert_name_bytes(&msg.qname, "\7example\3com", 13);
	assert_int_equal(msg.qtype, WIRE_TYPE_MX);
	assert_int_equal(msg.qclass, WIRE_CLASS_IN);
	assert_int_equal(msg.nrr, 5);
	/* The OPT record is the last one. */
	assert_ptr_equal(msg.opt, &msg.rr[4]);
	wire_msg_clear(&msg);
	assert_null(msg.rr);
	assert_int_equal(msg.nrr, 0);
}

static void
test_parse_mx_reply_records(void **state)
{
	static const struct {
		const char *owner;
		uint16_t type, class;
		uint32_t ttl;
		uint16_t rdlen;
		enum wire_section section;
	} want[] = {
		{ "example.com.", WIRE_TYPE_MX, 1, 3600, 9, WIRE_ANSWER },
		{ "example.com.", WIRE_TYPE_MX, 1, 3600, 11, WIRE_ANSWER },
		{ "example.com.", 2, 1, 86400, 6, WIRE_AUTHORITY },
		{ "mail.example.com.", WIRE_TYPE_A, 1, 300, 4,
		    WIRE_ADDITIONAL },
		{ ".", WIRE_TYPE_OPT, 1232, 0, 0, WIRE_ADDITIONAL },
	};
	struct mx_reply r;
	struct wire_msg msg;
	size_t i;

	(void)state;
	build_mx_reply(&r);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_int_equal(msg.nrr, N(want));
	for (i = 0; i < N(want); i++) {
		const struct wire_rr *rr = &msg.rr[i];

		assert_name_text(&rr->owner, want[i].owner);
		assert_int_equal(rr->type, want[i].type);
		assert_int_equal(rr->class, want[i].class);
		assert_int_equal(rr->ttl, want[i].ttl);
		assert_int_equal(rr->rdlen, want[i].rdlen);
		assert_int_equal(rr->rdoff, r.rdata[i]);
		assert_int_equal(rr->section, want[i].section);
	}
	assert_memory_equal(msg.buf + msg.rr[3].rdoff, "\xc0\x00\x02\x01", 4);
	wire_msg_clear(&msg);
}

static void
test_parse_mx_reply_rdata(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;
	struct wire_name ex, ns;
	uint16_t pref = 0;

	(void)state;
	build_mx_reply(&r);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_int_equal(wire_rdata_mx(&msg, &msg.rr[0], &pref, &ex), MXQ_OK);
	assert_int_equal(pref, 10);
	assert_name_text(&ex, "mail.example.com.");
	assert_int_equal(wire_rdata_mx(&msg, &msg.rr[1], &pref, &ex), MXQ_OK);
	assert_int_equal(pref, 20);
	assert_name_text(&ex, "backup.example.com.");
	assert_int_equal(wire_rdata_name(&msg, &msg.rr[2], &ns), MXQ_OK);
	assert_name_text(&ns, "ns1.example.com.");
	/* The additional A record's owner is the exchange, by pointer. */
	assert_true(wire_name_equal(&msg.rr[3].owner, &msg.rr[0].owner) == 0);
	assert_int_equal(wire_rdata_mx(&msg, &msg.rr[0], &pref, &ex), MXQ_OK);
	assert_true(wire_name_equal(&msg.rr[3].owner, &ex));
	wire_msg_clear(&msg);
}

static void
test_parse_short_header(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;
	size_t len;

	(void)state;
	build_mx_reply(&r);
	for (len = 0; len < 12; len++) {
		memset(&msg, 0x33, sizeof(msg));
		assert_int_equal(wire_parse(r.m.b, len, &msg), MXQ_EMALFORMED);
		/* Not written on failure. */
		assert_int_equal(msg.nrr, 0x3333333333333333u);
	}
}

static void
test_parse_header_only(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_msg msg;

	(void)state;
	put_header(&m, 7, WIRE_FLAG_QR | WIRE_RCODE_SERVFAIL, 0, 0, 0, 0);
	assert_int_equal(wire_parse(m.b, m.n, &msg), MXQ_OK);
	assert_int_equal(msg.id, 7);
	assert_int_equal(msg.flags, WIRE_FLAG_QR);
	assert_int_equal(msg.rcode, WIRE_RCODE_SERVFAIL);
	assert_int_equal(msg.nrr, 0);
	assert_null(msg.opt);
	wire_msg_clear(&msg);
}

static void
test_parse_qdcount_2(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_msg msg;

	(void)state;
	put_header(&m, 1, WIRE_FLAG_QR, 2, 0, 0, 0);
	put_name(&m, "example.com");
	put16(&m, WIRE_TYPE_MX);
	put16(&m, WIRE_CLASS_IN);
	put_ptr(&m, 12);
	put16(&m, WIRE_TYPE_A);
	put16(&m, WIRE_CLASS_IN);
	assert_int_equal(wire_parse(m.b, m.n, &msg), MXQ_EMALFORMED);
}

static void
test_parse_question_cut(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_msg msg;

	(void)state;
	put_header(&m, 1, WIRE_FLAG_QR, 1, 0, 0, 0);
	put_name(&m, "example.com");
	put16(&m, WIRE_TYPE_MX);
	put8(&m, 0);			/* QCLASS cut */
	assert_int_equal(wire_parse(m.b, m.n, &msg), MXQ_EMALFORMED);
}

static void
test_parse_ancount_too_large(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;

	(void)state;
	build_mx_reply(&r);
	/* Five records present, six announced. */
	patch16(&r.m, 10, 3);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_EMALFORMED);
	build_mx_reply(&r);
	patch16(&r.m, 6, 200);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_EMALFORMED);
}

static void
test_parse_record_cut_in_fixed_part(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;

	(void)state;
	build_mx_reply(&r);
	/* The OPT record stops after its owner, TYPE and CLASS. */
	r.m.n = r.rdata[4] - 10 + 4;
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_EMALFORMED);
}

static void
test_parse_record_cut_in_rdata(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;

	(void)state;
	build_mx_reply(&r);
	/* Drop the OPT and half of the A record's address. */
	patch16(&r.m, 10, 1);
	r.m.n = r.rdata[3] + 2;
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_EMALFORMED);
}

static void
test_parse_rdlength_past_end(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;

	(void)state;
	build_one_rr(&r, WIRE_TYPE_MX, "\0\12\4mail\300\14", 9, 100, NULL, 0);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_EMALFORMED);
	/* One octet too many is enough. */
	build_one_rr(&r, WIRE_TYPE_MX, "\0\12\4mail\300\14", 9, 10, NULL, 0);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_EMALFORMED);
	build_one_rr(&r, WIRE_TYPE_MX, "\0\12\4mail\300\14", 9, 9, NULL, 0);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	wire_msg_clear(&msg);
}

static void
test_parse_bad_owner(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_msg msg;

	(void)state;
	put_header(&m, 1, WIRE_FLAG_QR, 0, 1, 0, 0);
	put_ptr(&m, 40);		/* forward */
	put_rr_fixed(&m, WIRE_TYPE_A, WIRE_CLASS_IN, 1, 4);
	putn(&m, "\1\2\3\4", 4);
	while (m.n < 60)
		put8(&m, 0);
	assert_int_equal(wire_parse(m.b, m.n, &msg), MXQ_EMALFORMED);
}

static void
test_parse_ttl_top_bit(void **state)
{
	static const struct {
		uint32_t wire, read;
	} cases[] = {
		{ 0x80000000u, 0 },
		{ 0xffffffffu, 0 },
		{ 0x7fffffffu, 0x7fffffffu },
		{ 0, 0 },
		{ 1, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct msg m = { .n = 0 };
		struct wire_msg msg;

		put_header(&m, 1, WIRE_FLAG_QR, 0, 1, 0, 0);
		put_name(&m, "mx.example");
		put_rr_fixed(&m, WIRE_TYPE_A, WIRE_CLASS_IN, cases[i].wire, 4);
		putn(&m, "\1\2\3\4", 4);
		assert_int_equal(wire_parse(m.b, m.n, &msg), MXQ_OK);
		assert_int_equal(msg.nrr, 1);
		assert_int_equal(msg.rr[0].ttl, cases[i].read);
		wire_msg_clear(&msg);
	}
}

/* Reply with header RCODE low and an OPT whose TTL field is ttl. */
static enum mxq_status
parse_with_opt(int low, uint32_t ttl, struct wire_msg *msg, struct msg *m)
{
	m->n = 0;
	put_header(m, 1, WIRE_FLAG_QR | (unsigned)low, 1, 0, 0, 1);
	put_name(m, "example.com");
	put16(m, WIRE_TYPE_MX);
	put16(m, WIRE_CLASS_IN);
	put8(m, 0);
	put_rr_fixed(m, WIRE_TYPE_OPT, 1232, ttl, 0);
	return wire_parse(m->b, m->n, msg);
}

static void
test_parse_extended_rcode(void **state)
{
	struct msg m;
	struct wire_msg msg;

	(void)state;
	/* BADVERS: 16 = extended 1, header 0. */
	assert_int_equal(parse_with_opt(0, 0x01000000u, &msg, &m), MXQ_OK);
	assert_int_equal(msg.rcode, 16);
	wire_msg_clear(&msg);
	/* Extended 0 leaves the header's RCODE. */
	assert_int_equal(parse_with_opt(3, 0x00008000u, &msg, &m), MXQ_OK);
	assert_int_equal(msg.rcode, WIRE_RCODE_NXDOMAIN);
	wire_msg_clear(&msg);
	/* BADCOOKIE: 23 = extended 1, header 7. */
	assert_int_equal(parse_with_opt(7, 0x01000000u, &msg, &m), MXQ_OK);
	assert_int_equal(msg.rcode, 23);
	wire_msg_clear(&msg);
}

static void
test_parse_extended_rcode_high_bits(void **state)
{
	struct msg m;
	struct wire_msg msg;
	int rcode;

	(void)state;
	/*
	 * The OPT TTL field carries EXTENDED-RCODE, VERSION and flags
	 * (RFC 6891 6.1.3); it is not a TTL, so RFC 2181's "top bit set
	 * means 0" must not wipe the upper RCODE bits.  Extended 0x80
	 * with header 0 is RCODE 0x800, not NOERROR.
	 */
	assert_int_equal(parse_with_opt(0, 0x80000000u, &msg, &m), MXQ_OK);
	rcode = msg.rcode;
	wire_msg_clear(&msg);
	assert_int_equal(rcode, 0x800);
	assert_int_equal(parse_with_opt(2, 0xff000000u, &msg, &m), MXQ_OK);
	rcode = msg.rcode;
	wire_msg_clear(&msg);
	assert_int_equal(rcode, 0xff2);
}

static void
test_parse_trailing_garbage(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;

	(void)state;
	build_mx_reply(&r);
	putn(&r.m, "\xde\xad\xbe\xef\x01", 5);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_int_equal(msg.nrr, 5);
	assert_int_equal(msg.len, r.m.n);
	assert_int_equal(msg.rr[4].type, WIRE_TYPE_OPT);
	wire_msg_clear(&msg);
}

/* ---- wire_read_head ---- */

static void
test_read_head_query(void **state)
{
	struct wire_name n = name("Mail.Example.com");
	uint8_t buf[WIRE_QUERY_MAX];
	struct wire_head h;
	size_t len = 0;

	(void)state;
	assert_int_equal(wire_build_query(&n, WIRE_TYPE_AAAA,
	    WIRE_QUERY_RD | WIRE_QUERY_CD, 1232, buf, sizeof(buf), &len),
	    MXQ_OK);
	assert_int_equal(wire_read_head(buf, len, &h), MXQ_OK);
	assert_int_equal(h.id, 0);
	assert_int_equal(h.flags, WIRE_FLAG_RD | WIRE_FLAG_CD);
	assert_int_equal(h.rcode, 0);
	assert_int_equal(h.opcode, 0);
	assert_int_equal(h.qdcount, 1);
	assert_int_equal(h.ancount, 0);
	assert_int_equal(h.nscount, 0);
	assert_int_equal(h.arcount, 1);
	/* The question exactly as sent, letter case included. */
	assert_true(wire_name_same_bytes(&h.qname, &n));
	assert_int_equal(h.qtype, WIRE_TYPE_AAAA);
	assert_int_equal(h.qclass, WIRE_CLASS_IN);
}

static void
test_read_head_reply(void **state)
{
	struct mx_reply r;
	struct wire_head h;

	(void)state;
	build_mx_reply(&r);
	assert_int_equal(wire_read_head(r.m.b, r.m.n, &h), MXQ_OK);
	assert_int_equal(h.id, 0xbeef);
	assert_int_equal(h.flags, WIRE_FLAG_QR | WIRE_FLAG_AA | WIRE_FLAG_RD |
	    WIRE_FLAG_RA);
	assert_int_equal(h.rcode, 0);
	assert_int_equal(h.opcode, 0);
	assert_int_equal(h.qdcount, 1);
	assert_int_equal(h.ancount, 2);
	assert_int_equal(h.nscount, 1);
	assert_int_equal(h.arcount, 2);
	assert_name_bytes(&h.qname, "\7example\3com", 13);
	assert_int_equal(h.qtype, WIRE_TYPE_MX);
	assert_int_equal(h.qclass, WIRE_CLASS_IN);
}

static void
test_read_head_rcode_and_opcode(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_msg msg;
	struct wire_head h;

	(void)state;
	/* The header's 4 bits only: the OPT's extension is not read. */
	assert_int_equal(parse_with_opt(7, 0x01000000u, &msg, &m), MXQ_OK);
	assert_int_equal(msg.rcode, 23);
	wire_msg_clear(&msg);
	assert_int_equal(wire_read_head(m.b, m.n, &h), MXQ_OK);
	assert_int_equal(h.rcode, 7);
	assert_int_equal(h.flags, WIRE_FLAG_QR);
	/* OPCODE 2 (STATUS) and RCODE 3: neither is a flag. */
	put_header(&m, 9, WIRE_FLAG_QR | 2u << 11 | WIRE_FLAG_TC |
	    WIRE_RCODE_NXDOMAIN, 0, 0, 0, 0);
	assert_int_equal(wire_read_head(m.b, m.n, &h), MXQ_OK);
	assert_int_equal(h.id, 9);
	assert_int_equal(h.opcode, 2);
	assert_int_equal(h.rcode, WIRE_RCODE_NXDOMAIN);
	assert_int_equal(h.flags, WIRE_FLAG_QR | WIRE_FLAG_TC);
}

static void
test_read_head_truncated(void **state)
{
	struct mx_reply r;
	struct wire_head h;
	size_t qend = 12 + 13 + 4, len;

	(void)state;
	build_mx_reply(&r);
	/* Cut anywhere in the header or the question. */
	for (len = 0; len < qend; len++)
		if (wire_read_head(r.m.b, len, &h) != MXQ_EMALFORMED)
			fail_msg("%zu octets: not refused", len);
	/* The records are not read: the question is enough. */
	assert_int_equal(wire_read_head(r.m.b, qend, &h), MXQ_OK);
	assert_int_equal(h.ancount, 2);
	assert_int_equal(h.arcount, 2);
	assert_int_equal(h.qtype, WIRE_TYPE_MX);
}

static void
test_read_head_ignores_records(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;
	struct wire_head h;

	(void)state;
	build_mx_reply(&r);
	patch16(&r.m, 6, 200);
	/* wire_parse refuses the counts; the head alone is fine. */
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_EMALFORMED);
	assert_int_equal(wire_read_head(r.m.b, r.m.n, &h), MXQ_OK);
	assert_int_equal(h.ancount, 200);
	assert_name_bytes(&h.qname, "\7example\3com", 13);
}

static void
test_read_head_qdcount(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_head h;

	(void)state;
	put_header(&m, 1, WIRE_FLAG_QR, 2, 0, 0, 0);
	put_name(&m, "example.com");
	put16(&m, WIRE_TYPE_MX);
	put16(&m, WIRE_CLASS_IN);
	put_ptr(&m, 12);
	put16(&m, WIRE_TYPE_A);
	put16(&m, WIRE_CLASS_IN);
	assert_int_equal(wire_read_head(m.b, m.n, &h), MXQ_EMALFORMED);
	patch16(&m, 4, 0xffff);
	assert_int_equal(wire_read_head(m.b, m.n, &h), MXQ_EMALFORMED);
	/* No question at all is a header alone. */
	put_header(&m, 4, WIRE_FLAG_QR | WIRE_RCODE_REFUSED, 0, 0, 0, 0);
	assert_int_equal(wire_read_head(m.b, m.n, &h), MXQ_OK);
	assert_int_equal(h.id, 4);
	assert_int_equal(h.qdcount, 0);
	assert_int_equal(h.rcode, WIRE_RCODE_REFUSED);
}

static void
test_read_head_bad_question_name(void **state)
{
	struct msg m = { .n = 0 };
	struct wire_head h;

	(void)state;
	put_header(&m, 1, WIRE_FLAG_QR, 1, 0, 0, 0);
	put_ptr(&m, 20);		/* forward */
	put16(&m, WIRE_TYPE_MX);
	put16(&m, WIRE_CLASS_IN);
	put_name(&m, "example.com");
	assert_int_equal(wire_read_head(m.b, m.n, &h), MXQ_EMALFORMED);
}

/* ---- wire_rdata_mx, wire_rdata_name ---- */

static void
test_rdata_mx_exact(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;
	struct wire_name ex;
	uint16_t pref = 0;

	(void)state;
	build_one_rr(&r, WIRE_TYPE_MX, "\xff\xff\4mail\0", 8, 8, NULL, 0);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_int_equal(wire_rdata_mx(&msg, &msg.rr[0], &pref, &ex), MXQ_OK);
	assert_int_equal(pref, 65535);
	assert_name_text(&ex, "mail.");
	wire_msg_clear(&msg);
}

static void
test_rdata_mx_rdlength_shorter_than_name(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;
	struct wire_name ex;
	uint16_t pref = 4242;

	(void)state;
	/* RDLENGTH 7 cuts the name's root octet off (it trails the rr). */
	build_one_rr(&r, WIRE_TYPE_MX, "\0\12\4mail", 7, 7, "\0", 1);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_int_equal(wire_rdata_mx(&msg, &msg.rr[0], &pref, &ex),
	    MXQ_EMALFORMED);
	assert_int_equal(pref, 4242);
	wire_msg_clear(&msg);
}

static void
test_rdata_mx_rdlength_longer_than_name(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;
	struct wire_name ex;
	uint16_t pref = 4242;

	(void)state;
	build_one_rr(&r, WIRE_TYPE_MX, "\0\12\4mail\0X", 9, 9, NULL, 0);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_int_equal(wire_rdata_mx(&msg, &msg.rr[0], &pref, &ex),
	    MXQ_EMALFORMED);
	assert_int_equal(pref, 4242);
	wire_msg_clear(&msg);
	/* A compressed name followed by a stray octet. */
	build_one_rr(&r, WIRE_TYPE_MX, "\0\12\300\14\0", 5, 5, NULL, 0);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_int_equal(wire_rdata_mx(&msg, &msg.rr[0], &pref, &ex),
	    MXQ_EMALFORMED);
	wire_msg_clear(&msg);
}

static void
test_rdata_mx_too_short_for_anything(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;
	struct wire_name ex;
	uint16_t pref;

	(void)state;
	build_one_rr(&r, WIRE_TYPE_MX, "\0\12", 2, 2, "\0\0\0", 3);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_int_equal(wire_rdata_mx(&msg, &msg.rr[0], &pref, &ex),
	    MXQ_EMALFORMED);
	wire_msg_clear(&msg);
	build_one_rr(&r, WIRE_TYPE_MX, "", 0, 0, NULL, 0);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_int_equal(wire_rdata_mx(&msg, &msg.rr[0], &pref, &ex),
	    MXQ_EMALFORMED);
	wire_msg_clear(&msg);
}

static void
test_rdata_mx_root_exchange(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;
	struct wire_name ex;
	uint16_t pref = 99;

	(void)state;
	/* RFC 7505 null MX: "0 ." */
	build_one_rr(&r, WIRE_TYPE_MX, "\0\0\0", 3, 3, NULL, 0);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_int_equal(wire_rdata_mx(&msg, &msg.rr[0], &pref, &ex), MXQ_OK);
	assert_int_equal(pref, 0);
	assert_true(wire_name_is_root(&ex));
	assert_name_text(&ex, ".");
	wire_msg_clear(&msg);
}

static void
test_rdata_mx_compressed_into_question(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;
	struct wire_name ex;
	uint16_t pref;

	(void)state;
	build_one_rr(&r, WIRE_TYPE_MX, "\0\5\300\14", 4, 4, NULL, 0);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_int_equal(wire_rdata_mx(&msg, &msg.rr[0], &pref, &ex), MXQ_OK);
	assert_int_equal(pref, 5);
	assert_name_text(&ex, "example.com.");
	wire_msg_clear(&msg);
}

static void
test_rdata_name(void **state)
{
	struct mx_reply r;
	struct wire_msg msg;
	struct wire_name t;

	(void)state;
	build_one_rr(&r, WIRE_TYPE_CNAME, "\4real\300\14", 7, 7, NULL, 0);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_int_equal(wire_rdata_name(&msg, &msg.rr[0], &t), MXQ_OK);
	assert_name_text(&t, "real.example.com.");
	wire_msg_clear(&msg);

	build_one_rr(&r, WIRE_TYPE_CNAME, "\4real\300\14\0", 8, 8, NULL, 0);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_int_equal(wire_rdata_name(&msg, &msg.rr[0], &t),
	    MXQ_EMALFORMED);
	wire_msg_clear(&msg);

	build_one_rr(&r, WIRE_TYPE_CNAME, "\4real", 5, 5, "\0", 1);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_int_equal(wire_rdata_name(&msg, &msg.rr[0], &t),
	    MXQ_EMALFORMED);
	wire_msg_clear(&msg);

	build_one_rr(&r, WIRE_TYPE_CNAME, "", 0, 0, "\0", 1);
	assert_int_equal(wire_parse(r.m.b, r.m.n, &msg), MXQ_OK);
	assert_int_equal(wire_rdata_name(&msg, &msg.rr[0], &t),
	    MXQ_EMALFORMED);
	wire_msg_clear(&msg);
}

/* ---- wire_rcode_name ---- */

static void
test_rcode_name(void **state)
{
	static const struct {
		int rcode;
		const char *name;
	} cases[] = {
		{ 0, "NOERROR" }, { 1, "FORMERR" }, { 2, "SERVFAIL" },
		{ 3, "NXDOMAIN" }, { 4, "NOTIMP" }, { 5, "REFUSED" },
		{ 6, "YXDOMAIN" }, { 7, "YXRRSET" }, { 8, "NXRRSET" },
		{ 9, "NOTAUTH" }, { 10, "NOTZONE" }, { 16, "BADVERS" },
		{ 11, "RCODE11" }, { 15, "RCODE15" }, { 23, "RCODE23" },
		{ 4095, "RCODE4095" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		char buf[16];

		assert_string_equal(wire_rcode_name(cases[i].rcode, buf,
		    sizeof(buf)), cases[i].name);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_text_plain),
		cmocka_unit_test(test_from_text_trailing_dot),
		cmocka_unit_test(test_from_text_single_label),
		cmocka_unit_test(test_from_text_decimal_escapes),
		cmocka_unit_test(test_from_text_escaped_dot_stays_in_label),
		cmocka_unit_test(test_from_text_char_escapes),
		cmocka_unit_test(test_from_text_underscore_hyphen_case),
		cmocka_unit_test(test_from_text_rejects_empty),
		cmocka_unit_test(test_from_text_rejects_root),
		cmocka_unit_test(test_from_text_rejects_empty_labels),
		cmocka_unit_test(test_from_text_label_63_ok_64_rejected),
		cmocka_unit_test(test_from_text_escape_counts_as_one_octet),
		cmocka_unit_test(test_from_text_name_253_ok_254_rejected),
		cmocka_unit_test(test_from_text_bad_escapes),
		cmocka_unit_test(test_from_text_out_untouched_on_error),
		cmocka_unit_test(test_to_text_escapes_like_dig),
		cmocka_unit_test(test_to_text_printable_kept),
		cmocka_unit_test(test_to_text_root),
		cmocka_unit_test(test_to_text_mixed_labels),
		cmocka_unit_test(test_to_text_longest_name_fits),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_canonical_escapes),
		cmocka_unit_test(test_equal_ignores_ascii_case),
		cmocka_unit_test(test_equal_different_names),
		cmocka_unit_test(test_equal_only_ascii_letters_fold),
		cmocka_unit_test(test_hash_same_for_case_variants),
		cmocka_unit_test(test_is_root),
		cmocka_unit_test(test_same_bytes),
		cmocka_unit_test(test_same_bytes_ignores_bytes_past_len),
		cmocka_unit_test(test_is_under),
		cmocka_unit_test(test_is_under_label_boundaries),
		cmocka_unit_test(test_is_under_label_holding_parent_bytes),
		cmocka_unit_test(test_is_under_root_and_itself),
		cmocka_unit_test(test_is_under_ignores_case),
		cmocka_unit_test(test_mix_case_all_bits),
		cmocka_unit_test(test_mix_case_one_bit_per_letter),
		cmocka_unit_test(test_mix_case_only_ascii_letters),
		cmocka_unit_test(test_mix_case_longest_name),
		cmocka_unit_test(test_read_name_uncompressed),
		cmocka_unit_test(test_read_name_root),
		cmocka_unit_test(test_read_name_backward_pointer),
		cmocka_unit_test(test_read_name_pointer_alone),
		cmocka_unit_test(test_read_name_pointer_chain),
		cmocka_unit_test(test_read_name_pointer_to_itself),
		cmocka_unit_test(test_read_name_pointer_into_same_name),
		cmocka_unit_test(test_read_name_forward_pointer),
		cmocka_unit_test(test_read_name_pointer_loop),
		cmocka_unit_test(test_read_name_cycle_of_pointers_only),
		cmocka_unit_test(test_read_name_label_one_past_the_end),
		cmocka_unit_test(test_read_name_pointer_cut),
		cmocka_unit_test(test_read_name_pointer_past_end),
		cmocka_unit_test(test_read_name_label_types_01_10),
		cmocka_unit_test(test_read_name_255_ok_256_rejected),
		cmocka_unit_test(test_read_name_too_long_through_pointers),
		cmocka_unit_test(test_read_name_truncated),
		cmocka_unit_test(test_read_name_outputs_untouched_on_error),
		cmocka_unit_test(test_build_query_mx_with_edns),
		cmocka_unit_test(test_build_query_aaaa_without_edns),
		cmocka_unit_test(test_build_query_parses_back),
		cmocka_unit_test(test_build_query_too_small),
		cmocka_unit_test(test_build_query_do_bit),
		cmocka_unit_test(test_build_query_no_do_no_bit),
		cmocka_unit_test(test_build_query_header_bits),
		cmocka_unit_test(test_build_query_do_dropped_without_edns),
		cmocka_unit_test(test_build_query_max),
		cmocka_unit_test(test_parse_mx_reply_header),
		cmocka_unit_test(test_parse_mx_reply_records),
		cmocka_unit_test(test_parse_mx_reply_rdata),
		cmocka_unit_test(test_parse_short_header),
		cmocka_unit_test(test_parse_header_only),
		cmocka_unit_test(test_parse_qdcount_2),
		cmocka_unit_test(test_parse_question_cut),
		cmocka_unit_test(test_parse_ancount_too_large),
		cmocka_unit_test(test_parse_record_cut_in_fixed_part),
		cmocka_unit_test(test_parse_record_cut_in_rdata),
		cmocka_unit_test(test_parse_rdlength_past_end),
		cmocka_unit_test(test_parse_bad_owner),
		cmocka_unit_test(test_parse_ttl_top_bit),
		cmocka_unit_test(test_parse_extended_rcode),
		cmocka_unit_test(test_parse_extended_rcode_high_bits),
		cmocka_unit_test(test_parse_trailing_garbage),
		cmocka_unit_test(test_read_head_query),
		cmocka_unit_test(test_read_head_reply),
		cmocka_unit_test(test_read_head_rcode_and_opcode),
		cmocka_unit_test(test_read_head_truncated),
		cmocka_unit_test(test_read_head_ignores_records),
		cmocka_unit_test(test_read_head_qdcount),
		cmocka_unit_test(test_read_head_bad_question_name),
		cmocka_unit_test(test_rdata_mx_exact),
		cmocka_unit_test(test_rdata_mx_rdlength_shorter_than_name),
		cmocka_unit_test(test_rdata_mx_rdlength_longer_than_name),
		cmocka_unit_test(test_rdata_mx_too_short_for_anything),
		cmocka_unit_test(test_rdata_mx_root_exchange),
		cmocka_unit_test(test_rdata_mx_compressed_into_question),
		cmocka_unit_test(test_rdata_name),
		cmocka_unit_test(test_rcode_name),
	};

	return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
