/*
 * Unit tests for src/sts.c: the _mta-sts TXT record, the policy body, the
 * mx patterns (RFC 8461 3.1, 3.2, 4.1), and the HTTPS fetch against a
 * server in this process: a thread with OpenSSL on loopback, with a CA
 * and certificates made here at start and a CA file in a temporary file.
 * The policy host, mta-sts.example.test, resolves nowhere (RFC 6761): a
 * fetch that works went to the addresses given, nowhere else.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mxq/status.h"
#include "mxq/sts.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define DOMAIN		"example.test"
#define HOST		"mta-sts." DOMAIN

/* ---- TXT records (RFC 8461 3.1) ---- */

struct txt_case {
	const char *rec[3];
	size_t n;
	enum mxq_status want;
	const char *id;		/* MXQ_OK: the id */
	const char *why;	/* else: words the reason holds */
};

#define ID32	"abcdefghijklmnopqrstuvwxyz012345"
#define NAME32	"n1234567890123456789012345678901"

static const struct txt_case txt_cases[] = {
	/* RFC 8461 3.1's example, and without the final delimiter. */
	{ { "v=STSv1; id=20160831085700Z;" }, 1, MXQ_OK, "20160831085700Z",
	    NULL },
	{ { "v=STSv1; id=20160831085700Z" }, 1, MXQ_OK, "20160831085700Z",
	    NULL },
	/* sts-field-delim = *WSP ";" *WSP, WSP being SP or HTAB. */
	{ { "v=STSv1;id=a1" }, 1, MXQ_OK, "a1", NULL },
	{ { "v=STSv1 ;id=a1" }, 1, MXQ_OK, "a1", NULL },
	{ { "v=STSv1\t; \tid=a1 \t; " }, 1, MXQ_OK, "a1", NULL },
	{ { "v=STSv1;  id=a1  ;  x=y  ;" }, 1, MXQ_OK, "a1", NULL },
	{ { "v=STSv1; id=a1 " }, 1, MXQ_EMALFORMED, NULL,
	    "whitespace after the last field" },
	{ { "v=STSv1; id=a1;; x=y" }, 1, MXQ_EMALFORMED, NULL,
	    "not name=value" },
	/* Records that do not start with sts-version and ";" are not. */
	{ { "v=STSv1" }, 1, MXQ_ENODATA, NULL, NULL },
	{ { "v=STSv1 id=a1" }, 1, MXQ_ENODATA, NULL, NULL },
	{ { "v=STSv1,id=a1" }, 1, MXQ_ENODATA, NULL, NULL },
	{ { "v=STSv10; id=a1" }, 1, MXQ_ENODATA, NULL, NULL },
	{ { "v=STSv2; id=a1" }, 1, MXQ_ENODATA, NULL, NULL },
	{ { "V=STSv1; id=a1" }, 1, MXQ_ENODATA, NULL, NULL },
	{ { "v=stsv1; id=a1" }, 1, MXQ_ENODATA, NULL, NULL },
	{ { " v=STSv1; id=a1" }, 1, MXQ_ENODATA, NULL, NULL },
	{ { "" }, 1, MXQ_ENODATA, NULL, NULL },
	{ { NULL }, 0, MXQ_ENODATA, NULL, NULL },
	/* Other records are ignored; several STSv1 ones: no policy. */
	{ { "v=spf1 -all", "v=STSv1; id=a1", "hello" }, 3, MXQ_OK, "a1",
	    NULL },
	{ { "v=spf1 -all", "v=DMARC1; p=none" }, 2, MXQ_ENODATA, NULL, NULL },
	{ { "v=STSv1; id=a1", "v=STSv1; id=a1" }, 2, MXQ_EMALFORMED, NULL,
	    "several" },
	{ { "v=STSv1; id=a1", "v=STSv1 ; id=b2" }, 2, MXQ_EMALFORMED, NULL,
	    "several" },
	{ { "v=STSv1; id=a1", "v=STSv1; bad" }, 2, MXQ_EMALFORMED, NULL,
	    "several" },
	/* sts-id = %s"id=" 1*32(ALPHA / DIGIT), required. */
	{ { "v=STSv1; id=" ID32 }, 1, MXQ_OK, ID32, NULL },
	{ { "v=STSv1; id=" ID32 "6" }, 1, MXQ_EMALFORMED, NULL, "id is not" },
	{ { "v=STSv1; id=" }, 1, MXQ_EMALFORMED, NULL, "id is not" },
	{ { "v=STSv1; id=a-1" }, 1, MXQ_EMALFORMED, NULL, "id is not" },
	{ { "v=STSv1; id=a_1" }, 1, MXQ_EMALFORMED, NULL, "id is not" },
	{ { "v=STSv1; id=a.1" }, 1, MXQ_EMALFORMED, NULL, "id is not" },
	{ { "v=STSv1; id=\"a1\"" }, 1, MXQ_EMALFORMED, NULL, "id is not" },
	{ { "v=STSv1; id=caf\xc3\xa9" }, 1, MXQ_EMALFORMED, NULL, NULL },
	{ { "v=STSv1; id=a1\x1b[0m" }, 1, MXQ_EMALFORMED, NULL, NULL },
	{ { "v=STSv1;" }, 1, MXQ_EMALFORMED, NULL, "no id" },
	{ { "v=STSv1; ;" }, 1, MXQ_EMALFORMED, NULL, "not name=value" },
	{ { "v=STSv1; x=y" }, 1, MXQ_EMALFORMED, NULL, "no id" },
	{ { "v=STSv1; ID=a1" }, 1, MXQ_EMALFORMED, NULL, "no id" },
	{ { "v=STSv1; id =a1" }, 1, MXQ_EMALFORMED, NULL, "not name=value" },
	{ { "v=STSv1; id= a1" }, 1, MXQ_EMALFORMED, NULL, "id is not" },
	/* The first id counts; a later one is ignored, if well formed. */
	{ { "v=STSv1; id=a1; id=b2" }, 1, MXQ_OK, "a1", NULL },
	{ { "v=STSv1; id=a1; id=b-2" }, 1, MXQ_OK, "a1", NULL },
	{ { "v=STSv1; id=a-1; id=b2" }, 1, MXQ_EMALFORMED, NULL, "id is not" },
	/* sts-extension: name of 1 to 32, value of visible ASCII. */
	{ { "v=STSv1; id=a1; x=y" }, 1, MXQ_OK, "a1", NULL },
	{ { "v=STSv1; x=y; id=a1" }, 1, MXQ_OK, "a1", NULL },
	{ { "v=STSv1; id=a1; x.y_z-1=!\"#$%&'()*+,-./:<>?@[\\]^_`{|}~" }, 1,
	    MXQ_OK, "a1", NULL },
	{ { "v=STSv1; id=a1; " NAME32 "=1" }, 1, MXQ_OK, "a1", NULL },
	{ { "v=STSv1; id=a1; " NAME32 "x=1" }, 1, MXQ_EMALFORMED, NULL,
	    "longer than 32" },
	{ { "v=STSv1; id=a1; x" }, 1, MXQ_EMALFORMED, NULL, "not name=value" },
	{ { "v=STSv1; id=a1; x=" }, 1, MXQ_EMALFORMED, NULL, "empty value" },
	{ { "v=STSv1; id=a1; =y" }, 1, MXQ_EMALFORMED, NULL,
	    "not name=value" },
	{ { "v=STSv1; id=a1; _x=y" }, 1, MXQ_EMALFORMED, NULL,
	    "not name=value" },
	{ { "v=STSv1; id=a1; x=a=b" }, 1, MXQ_EMALFORMED, NULL,
	    "not separated" },
	{ { "v=STSv1; id=a1; x=a b" }, 1, MXQ_EMALFORMED, NULL,
	    "not separated" },
	{ { "v=STSv1; id=a1; x=a\x7f" }, 1, MXQ_EMALFORMED, NULL,
	    "not separated" },
	{ { "v=STSv1; id=a1; x=\xe2\x80\xae" }, 1, MXQ_EMALFORMED, NULL,
	    NULL },
	{ { "v=STSv1; id=a1 x=y" }, 1, MXQ_EMALFORMED, NULL, "not separated" },
};

static void
test_txt_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(txt_cases); i++) {
		const struct txt_case *c = &txt_cases[i];
		char *id = (char *)"untouched";
		const char *why = "untouched";
		enum mxq_status st;

		st = sts_parse_txt((char *const *)c->rec, c->n, &id, &why);
		if (st != c->want || (c->want == MXQ_OK &&
		    (id == NULL || strcmp(id, c->id) != 0)) ||
		    (c->want == MXQ_ENODATA && (id != NULL || why != NULL)) ||
		    (c->want == MXQ_EMALFORMED && (id != NULL || why == NULL ||
		    (c->why != NULL && strstr(why, c->why) == NULL))))
			fail_msg("case %zu \"%s\": %s, id %s, why %s; expected "
			    "%s, %s", i, c->n > 0 && c->rec[0] != NULL ?
			    c->rec[0] : "", status_name(st),
			    id != NULL ? id : "(null)",
			    why != NULL ? why : "(null)",
			    status_name(c->want),
			    c->want == MXQ_OK ? c->id : c->why);
		if (st == MXQ_OK)
			assert_null(why);
		free(id);
	}
}

/* ---- policies (RFC 8461 3.2) ---- */

#define RFC_POLICY \
	"version: STSv1\n" \
	"mode: enforce\n" \
	"mx: mail.example.com\n" \
	"mx: *.example.net\n" \
	"mx: backupmx.example.com\n" \
	"max_age: 604800\n"

#define HEAD_ENFORCE	"version: STSv1\nmode: enforce\nmax_age: 86400\n"
#define HEAD_TESTING	"version: STSv1\nmode: testing\nmax_age: 86400\n"

/* A body with NUL bytes in it: its length, not strlen(). */
#define WITH_NUL(s)	s, sizeof(s) - 1

struct policy_case {
	const char *body;
	size_t len;		/* 0: strlen(body) */
	enum mxq_status want;
	enum sts_mode mode;
	long max_age;
	const char *mx[5];	/* the patterns expected, NULL-ended */
	const char *why;	/* words the reason holds */
};

static const struct policy_case policy_cases[] = {
	/* RFC 8461 3.2's example, LF, CRLF, mixed, no final term. */
	{ RFC_POLICY, 0, MXQ_OK, STS_MODE_ENFORCE, 604800,
	    { "mail.example.com", "*.example.net", "backupmx.example.com" },
	    NULL },
	{ "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
	    "mx: *.example.net\r\nmx: backupmx.example.com\r\n"
	    "max_age: 604800\r\n", 0, MXQ_OK, STS_MODE_ENFORCE, 604800,
	    { "mail.example.com", "*.example.net", "backupmx.example.com" },
	    NULL },
	{ "version: STSv1\r\nmode: testing\nmx: a.example\r\nmax_age: 1", 0,
	    MXQ_OK, STS_MODE_TESTING, 1, { "a.example" }, NULL },
	/* Order does not matter; WSP after the colon and at the end. */
	{ "max_age:86400\nmx:\t a.example \t\nmode:enforce  \n"
	    "version:\tSTSv1\t\n", 0, MXQ_OK, STS_MODE_ENFORCE, 86400,
	    { "a.example" }, NULL },
	/* mode none needs no mx. */
	{ "version: STSv1\nmode: none\nmax_age: 0\n", 0, MXQ_OK,
	    STS_MODE_NONE, 0, { NULL }, NULL },
	{ "version: STSv1\nmode: none\nmx: a.example\nmax_age: 0\n", 0,
	    MXQ_OK, STS_MODE_NONE, 0, { "a.example" }, NULL },
	/* Required fields. */
	{ "mode: enforce\nmx: a.example\nmax_age: 1\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "no version: STSv1 line" },
	{ "version: STSv1\nmx: a.example\nmax_age: 1\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "no mode line" },
	{ "version: STSv1\nmode: enforce\nmx: a.example\n", 0,
	    MXQ_EMALFORMED, 0, 0, { NULL }, "no max_age line" },
	{ HEAD_ENFORCE, 0, MXQ_EMALFORMED, 0, 0, { NULL },
	    "no mx line in enforce mode" },
	{ HEAD_TESTING, 0, MXQ_EMALFORMED, 0, 0, { NULL },
	    "no mx line in testing mode" },
	{ "", 0, MXQ_EMALFORMED, 0, 0, { NULL }, "empty policy" },
	/* Names and the fixed values are case-sensitive (%s). */
	{ "Version: STSv1\nmode: none\nmax_age: 1\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "no version: STSv1 line" },
	{ "version: stsv1\nmode: none\nmax_age: 1\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "version is not STSv1" },
	{ "version: STSv2\nmode: none\nmax_age: 1\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "version is not STSv1" },
	{ "version: STSv1\nmode: Enforce\nmax_age: 1\nmx: a.example\n", 0,
	    MXQ_EMALFORMED, 0, 0, { NULL }, "unknown mode" },
	{ "version: STSv1\nmode: report\nmax_age: 1\nmx: a.example\n", 0,
	    MXQ_EMALFORMED, 0, 0, { NULL }, "unknown mode" },
	{ HEAD_ENFORCE "MX: a.example\n", 0, MXQ_EMALFORMED, 0, 0, { NULL },
	    "no mx line in enforce mode" },
	/* max_age = 1*10DIGIT, at most 31557600. */
	{ "version: STSv1\nmode: none\nmax_age: 31557600\n", 0, MXQ_OK,
	    STS_MODE_NONE, 31557600, { NULL }, NULL },
	{ "version: STSv1\nmode: none\nmax_age: 0000086400\n", 0, MXQ_OK,
	    STS_MODE_NONE, 86400, { NULL }, NULL },
	{ "version: STSv1\nmode: none\nmax_age: 31557601\n", 0,
	    MXQ_EMALFORMED, 0, 0, { NULL }, "max_age over 31557600" },
	{ "version: STSv1\nmode: none\nmax_age: 9999999999\n", 0,
	    MXQ_EMALFORMED, 0, 0, { NULL }, "max_age over 31557600" },
	{ "version: STSv1\nmode: none\nmax_age: 00000086400\n", 0,
	    MXQ_EMALFORMED, 0, 0, { NULL }, "longer than 10 digits" },
	{ "version: STSv1\nmode: none\nmax_age: 99999999999999999999999\n",
	    0, MXQ_EMALFORMED, 0, 0, { NULL }, "longer than 10 digits" },
	{ "version: STSv1\nmode: none\nmax_age: week\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "max_age not a number" },
	{ "version: STSv1\nmode: none\nmax_age: -1\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "max_age not a number" },
	{ "version: STSv1\nmode: none\nmax_age: 86400s\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "max_age not a number" },
	{ "version: STSv1\nmode: none\nmax_age: 1 2\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "max_age not a number" },
	{ "version: STSv1\nmode: none\nmax_age:\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "no value" },
	/* The first of a repeated field counts, the rest are ignored. */
	{ "version: STSv1\nmode: testing\nmode: enforce\nmode: bogus\n"
	    "mx: a.example\nmax_age: 5\nmax_age: 6\nmax_age: x\n"
	    "version: STSv9\n", 0, MXQ_OK, STS_MODE_TESTING, 5,
	    { "a.example" }, NULL },
	/* Unknown fields are ignored, if well formed. */
	{ HEAD_ENFORCE "mx: a.example\nfoo: bar\nx_y.z-1: two words\n"
	    "note: caf\xc3\xa9 \xe2\x80\xae!\n", 0, MXQ_OK,
	    STS_MODE_ENFORCE, 86400, { "a.example" }, NULL },
	{ HEAD_ENFORCE "mx: a.example\nfoo: a\x01z\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "control characters" },
	{ HEAD_ENFORCE "mx: a.example\nfoo: a\tz\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "control characters" },
	{ HEAD_ENFORCE "mx: a.example\nfoo: \xff\xfe\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "invalid UTF-8" },
	{ HEAD_ENFORCE "mx: a.example\nfoo:\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "no value" },
	{ HEAD_ENFORCE "mx: a.example\n" NAME32 ": 1\n", 0, MXQ_OK,
	    STS_MODE_ENFORCE, 86400, { "a.example" }, NULL },
	{ HEAD_ENFORCE "mx: a.example\n" NAME32 "x: 1\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "longer than 32" },
	/* Lines: key ":" at once, no leading WSP, no empty line. */
	{ HEAD_ENFORCE "mx : a.example\n", 0, MXQ_EMALFORMED, 0, 0, { NULL },
	    "not 'key: value'" },
	{ HEAD_ENFORCE " mx: a.example\n", 0, MXQ_EMALFORMED, 0, 0, { NULL },
	    "not 'key: value'" },
	{ HEAD_ENFORCE "mx a.example\n", 0, MXQ_EMALFORMED, 0, 0, { NULL },
	    "not 'key: value'" },
	{ HEAD_ENFORCE "_x: 1\nmx: a.example\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "not 'key: value'" },
	{ HEAD_ENFORCE "\nmx: a.example\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "empty line" },
	{ HEAD_ENFORCE "mx: a.example\n\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "empty line" },
	{ HEAD_ENFORCE "mx: a.example\r\n\r\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "empty line" },
	{ "\xef\xbb\xbf" HEAD_ENFORCE "mx: a.example\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "not 'key: value'" },
	/* A CR is a line end only before LF. */
	{ "version: STSv1\rmode: none\nmax_age: 1\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "version is not STSv1" },
	{ "version: STSv1\nmode: none\r\r\nmax_age: 1\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "unknown mode" },
	{ HEAD_ENFORCE "mx: a.example\r", 0, MXQ_EMALFORMED, 0, 0, { NULL },
	    "mx pattern" },
	/* sts-policy-mx-value = ["*."] Domain, in A-labels. */
	{ HEAD_ENFORCE "mx: xn--bcher-kva.example\nmx: 1.2.3.example\n"
	    "mx: *.com\nmx: a-b.c--d.example\n", 0, MXQ_OK, STS_MODE_ENFORCE,
	    86400, { "xn--bcher-kva.example", "1.2.3.example", "*.com",
	    "a-b.c--d.example" }, NULL },
	{ HEAD_ENFORCE "mx: mail.example.com.\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "mx pattern" },
	{ HEAD_ENFORCE "mx: *\n", 0, MXQ_EMALFORMED, 0, 0, { NULL },
	    "mx pattern" },
	{ HEAD_ENFORCE "mx: *.\n", 0, MXQ_EMALFORMED, 0, 0, { NULL },
	    "mx pattern" },
	{ HEAD_ENFORCE "mx: *.*.example.com\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "mx pattern" },
	{ HEAD_ENFORCE "mx: mail.*.example.com\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "mx pattern" },
	{ HEAD_ENFORCE "mx: mx*.example.com\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "mx pattern" },
	{ HEAD_ENFORCE "mx: -a.example\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "mx pattern" },
	{ HEAD_ENFORCE "mx: a-.example\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "mx pattern" },
	{ HEAD_ENFORCE "mx: a..example\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "mx pattern" },
	{ HEAD_ENFORCE "mx: .example\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "mx pattern" },
	{ HEAD_ENFORCE "mx: a_b.example\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "mx pattern" },
	{ HEAD_ENFORCE "mx: a.example b.example\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "mx pattern" },
	{ HEAD_ENFORCE "mx: a.example, b.example\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "mx pattern" },
	{ HEAD_ENFORCE "mx: b\xc3\xbc" "cher.example\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "mx pattern" },
	{ HEAD_ENFORCE "mx: [192.0.2.1]\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "mx pattern" },
	{ HEAD_ENFORCE "mx: "
	    "a23456789012345678901234567890123456789012345678901234567890123"
	    ".example\n", 0, MXQ_OK, STS_MODE_ENFORCE, 86400,
	    { "a23456789012345678901234567890123456789012345678901234567890123"
	    ".example" }, NULL },
	{ HEAD_ENFORCE "mx: "
	    "a234567890123456789012345678901234567890123456789012345678901234"
	    ".example\n", 0, MXQ_EMALFORMED, 0, 0, { NULL }, "mx pattern" },
	/* Hostile bytes never reach the patterns. */
	{ HEAD_ENFORCE "mx: \x1b]0;owned\x07.example\n", 0, MXQ_EMALFORMED,
	    0, 0, { NULL }, "mx pattern" },
	{ HEAD_ENFORCE "mx: a.example\xe2\x80\xae" "moc\n", 0,
	    MXQ_EMALFORMED, 0, 0, { NULL }, "mx pattern" },
	{ HEAD_ENFORCE "mx: a.example\\\n", 0, MXQ_EMALFORMED, 0, 0,
	    { NULL }, "mx pattern" },
	{ WITH_NUL(HEAD_ENFORCE "mx: a.example\0evil\n"), MXQ_EMALFORMED,
	    0, 0, { NULL }, "mx pattern" },
	{ WITH_NUL(HEAD_ENFORCE "mx: a.example\nfoo: a\0b\n"),
	    MXQ_EMALFORMED, 0, 0, { NULL }, "control characters" },
};

static void
expect_policy(size_t i, const struct policy_case *c)
{
	struct sts_policy p;
	const char *why = "untouched";
	size_t len = c->len != 0 ? c->len : strlen(c->body), k, nmx = 0;
	enum mxq_status st;
	char *body;

	/* An exact copy in its own block: ASan sees any read past len. */
	body = malloc(len > 0 ? len : 1);
	assert_non_null(body);
	memcpy(body, c->body, len);
	memset(&p, 0xa5, sizeof(p));
	st = sts_parse_policy(body, len, &p, &why);
	free(body);
	while (nmx < N(c->mx) && c->mx[nmx] != NULL)
		nmx++;
	if (st != c->want)
		fail_msg("case %zu: %s (%s), expected %s (%s)", i,
		    status_name(st), why != NULL ? why : "(null)",
		    status_name(c->want), c->why != NULL ? c->why : "");
	if (st != MXQ_OK) {
		assert_non_null(why);
		if (c->why != NULL && strstr(why, c->why) == NULL)
			fail_msg("case %zu: \"%s\", expected \"%s\"", i, why,
			    c->why);
		/* Nothing kept of a policy that is not one. */
		assert_null(p.mx);
		assert_int_equal(p.nmx, 0);
		return;
	}
	assert_null(why);
	if (p.mode != c->mode || p.max_age != c->max_age)
		fail_msg("case %zu: mode %d max_age %ld, expected %d %ld", i,
		    (int)p.mode, p.max_age, (int)c->mode, c->max_age);
	if (p.nmx != nmx)
		fail_msg("case %zu: %zu mx patterns, expected %zu", i, p.nmx,
		    nmx);
	for (k = 0; k < nmx; k++)
		if (strcmp(p.mx[k], c->mx[k]) != 0)
			fail_msg("case %zu: mx %zu \"%s\", expected \"%s\"", i,
			    k, p.mx[k], c->mx[k]);
	sts_policy_free(&p);
	assert_null(p.mx);
	assert_int_equal(p.nmx, 0);
}

static void
test_policy_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(policy_cases); i++)
		expect_policy(i, &policy_cases[i]);
}

/* STS_MX_MAX mx lines are taken; one more and the policy is refused. */
static void
test_policy_mx_bound(void **state)
{
	char body[8192];
	struct sts_policy p;
	const char *why;
	size_t o, i;

	(void)state;
	o = (size_t)snprintf(body, sizeof(body), "%s", HEAD_ENFORCE);
	for (i = 0; i < STS_MX_MAX; i++)
		o += (size_t)snprintf(body + o, sizeof(body) - o,
		    "mx: mx%zu.example\r\n", i);
	assert_int_equal(sts_parse_policy(body, o, &p, &why), MXQ_OK);
	assert_int_equal(p.nmx, STS_MX_MAX);
	assert_string_equal(p.mx[0], "mx0.example");
	assert_string_equal(p.mx[STS_MX_MAX - 1], "mx63.example");
	sts_policy_free(&p);

	o += (size_t)snprintf(body + o, sizeof(body) - o, "mx: one.more\n");
	assert_int_equal(sts_parse_policy(body, o, &p, &why), MXQ_EMALFORMED);
	assert_non_null(strstr(why, "more than 64 mx lines"));
	assert_null(p.mx);
	assert_int_equal(p.nmx, 0);
}

/* A whole 64 KiB policy of unknown fields parses, and fast. */
static void
test_policy_large(void **state)
{
	size_t len = STS_POLICY_MAX, o;
	char *body = malloc(len);
	struct sts_policy p;
	const char *why;

	(void)state;
	assert_non_null(body);
	o = (size_t)snprintf(body, len, "%smx: a.example\n", HEAD_ENFORCE);
	while (o + 16 <= len) {
		memcpy(body + o, "x: 0123456789ab\n", 16);
		o += 16;
	}
	assert_int_equal(sts_parse_policy(body, o, &p, &why), MXQ_OK);
	assert_int_equal(p.nmx, 1);
	sts_policy_free(&p);
	free(body);
}

static void
test_policy_free_null(void **state)
{
	(void)state;
	sts_policy_free(NULL);
}

/* ---- mx patterns (RFC 8461 4.1) ---- */

static const struct {
	const char *pattern, *host;
	int want;
} match_cases[] = {
	{ "mail.example.com", "mail.example.com", 1 },
	{ "mail.example.com", "MAIL.Example.COM", 1 },
	{ "MAIL.EXAMPLE.COM", "mail.example.com", 1 },
	{ "mail.example.com", "mail.example.com.", 1 },
	{ "mail.example.com.", "mail.example.com", 1 },
	{ "mail.example.com.", "mail.example.com.", 1 },
	{ "mail.example.com", "mail.example.co", 0 },
	{ "mail.example.com", "mail.example.comm", 0 },
	{ "mail.example.com", "xmail.example.com", 0 },
	{ "mail.example.com", "ail.example.com", 0 },
	{ "mail.example.com", "mail.example.com..", 0 },
	{ "mail.example.com", "a.mail.example.com", 0 },
	/* The wildcard: exactly one extra left-most label. */
	{ "*.example.com", "mail.example.com", 1 },
	{ "*.example.com", "MAIL.EXAMPLE.COM.", 1 },
	{ "*.Example.COM", "mail.example.com", 1 },
	{ "*.example.com.", "mail.example.com", 1 },
	{ "*.example.com", "x.example.com", 1 },
	{ "*.example.com", "example.com", 0 },
	{ "*.example.com", "example.com.", 0 },
	{ "*.example.com", "a.b.example.com", 0 },
	{ "*.example.com", "foo.bar.example.com", 0 },
	{ "*.example.com", ".example.com", 0 },
	{ "*.example.com", "mailexample.com", 0 },
	{ "*.example.com", "mail.example.com.evil", 0 },
	{ "*.example.com", "mail.example.net", 0 },
	{ "*.example.com", "mail.xexample.com", 0 },
	{ "*.example.com", "mail..example.com", 0 },
	{ "*.com", "example.com", 1 },
	{ "*.com", "com", 0 },
	/* Only "*." as the whole first label is a wildcard. */
	{ "mail*.example.com", "mail1.example.com", 0 },
	{ "*mail.example.com", "xmail.example.com", 0 },
	{ "m*.example.com", "mx.example.com", 0 },
	{ "*example.com", "mail.example.com", 0 },
	{ "mail.*.com", "mail.example.com", 0 },
	{ "*", "mail", 0 },
	{ "*.", "mail.", 0 },
	{ "*.", "mail", 0 },
	/* Nothing matches nothing. */
	{ "", "", 0 },
	{ ".", ".", 0 },
	{ "", "mail.example.com", 0 },
	{ "mail.example.com", "", 0 },
	{ "mail.example.com", ".", 0 },
};

static void
test_mx_match_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(match_cases); i++) {
		int got = sts_mx_match(match_cases[i].pattern,
		    match_cases[i].host);

		if (got != match_cases[i].want)
			fail_msg("sts_mx_match(\"%s\", \"%s\") = %d, "
			    "expected %d", match_cases[i].pattern,
			    match_cases[i].host, got, match_cases[i].want);
	}
	assert_int_equal(sts_mx_match(NULL, "a.example"), 0);
	assert_int_equal(sts_mx_match("a.example", NULL), 0);
}

/* The patterns of a parsed policy match as they should. */
static void
test_mx_match_policy(void **state)
{
	struct sts_policy p;
	const char *why;
	size_t i;
	int hit = 0;

	(void)state;
	assert_int_equal(sts_parse_policy(RFC_POLICY, strlen(RFC_POLICY), &p,
	    &why), MXQ_OK);
	for (i = 0; i < p.nmx; i++)
		hit |= sts_mx_match(p.mx[i], "mx1.example.net.");
	assert_true(hit);
	for (hit = 0, i = 0; i < p.nmx; i++)
		hit |= sts_mx_match(p.mx[i], "mail.example.net.evil.");
	assert_false(hit);
	sts_policy_free(&p);
}

/* ---- a test PKI ---- */

static struct {
	EVP_PKEY *cakey, *otherkey, *leafkey;
	X509 *ca, *other, *good, *wrong;
	char cafile[128];		/* our CA */
	char otherfile[128];		/* another CA, which signed nothing */
	SSL_CTX *good_ctx;		/* a certificate for HOST */
	SSL_CTX *wrong_ctx;		/* one for www.example.test */
} pki;

static int
add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, v3, nid, value);
	int ok;

	if (e == NULL)
		return 0;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

/* A certificate for key: a CA when san is NULL, else a server's. */
static X509 *
make_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn,
    const char *san, long serial)
{
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX v3;
	int ok;

	if (x == NULL)
		return NULL;
	name = X509_get_subject_name(x);
	ok = X509_set_version(x, 2) &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial) &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) != NULL &&
	    X509_set_pubkey(x, key) &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) &&
	    X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name);
	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ok = ok && add_ext(x, &v3, NID_subject_key_identifier, "hash");
	if (san == NULL)
		ok = ok && add_ext(x, &v3, NID_basic_constraints,
		    "critical,CA:TRUE") &&
		    add_ext(x, &v3, NID_key_usage,
		    "critical,keyCertSign,cRLSign");
	else
		ok = ok && add_ext(x, &v3, NID_basic_constraints,
		    "critical,CA:FALSE") &&
		    add_ext(x, &v3, NID_authority_key_identifier, "keyid") &&
		    add_ext(x, &v3, NID_key_usage,
		    "critical,digitalSignature") &&
		    add_ext(x, &v3, NID_ext_key_usage, "serverAuth") &&
		    add_ext(x, &v3, NID_subject_alt_name, san);
	ok = ok && X509_sign(x, signer, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
write_pem(char *path, size_t size, X509 *cert)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;
	int fd;

	snprintf(path, size, "%s/mxq-sts-ca-XXXXXX",
	    dir != NULL && dir[0] != '\0' ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return 0;
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return 0;
	}
	if (!PEM_write_X509(f, cert)) {
		fclose(f);
		return 0;
	}
	return fclose(f) == 0;
}

static SSL_CTX *
server_ctx(X509 *cert, EVP_PKEY *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL)
		return NULL;
	if (SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static int
pki_setup(void **state)
{
	(void)state;
	memset(&pki, 0, sizeof(pki));
	pki.cakey = EVP_EC_gen("P-256");
	pki.otherkey = EVP_EC_gen("P-256");
	pki.leafkey = EVP_EC_gen("P-256");
	if (pki.cakey == NULL || pki.otherkey == NULL || pki.leafkey == NULL)
		return -1;
	pki.ca = make_cert(pki.cakey, pki.cakey, NULL, "mxq test CA", NULL, 1);
	pki.other = make_cert(pki.otherkey, pki.otherkey, NULL,
	    "mxq other CA", NULL, 2);
	if (pki.ca == NULL || pki.other == NULL)
		return -1;
	pki.good = make_cert(pki.leafkey, pki.cakey, pki.ca, HOST,
	    "DNS:" HOST, 3);
	pki.wrong = make_cert(pki.leafkey, pki.cakey, pki.ca,
	    "www.example.test", "DNS:www.example.test", 4);
	if (pki.good == NULL || pki.wrong == NULL)
		return -1;
	if (!write_pem(pki.cafile, sizeof(pki.cafile), pki.ca) ||
	    !write_pem(pki.otherfile, sizeof(pki.otherfile), pki.other))
		return -1;
	pki.good_ctx = server_ctx(pki.good, pki.leafkey);
	pki.wrong_ctx = server_ctx(pki.wrong, pki.leafkey);
	if (pki.good_ctx == NULL || pki.wrong_ctx == NULL)
		return -1;
	return sts_global_init() == MXQ_OK ? 0 : -1;
}

static int
pki_teardown(void **state)
{
	(void)state;
	sts_global_cleanup();
	SSL_CTX_free(pki.good_ctx);
	SSL_CTX_free(pki.wrong_ctx);
	X509_free(pki.ca);
	X509_free(pki.other);
	X509_free(pki.good);
	X509_free(pki.wrong);
	EVP_PKEY_free(pki.cakey);
	EVP_PKEY_free(pki.otherkey);
	EVP_PKEY_free(pki.leafkey);
	if (pki.cafile[0] != '\0')
		unlink(pki.cafile);
	if (pki.otherfile[0] != '\0')
		unlink(pki.otherfile);
	return 0;
}

/* ---- the HTTPS server ---- */

enum srv_mode {
	SRV_HTTPS,		/* TLS, then the response */
	SRV_SILENT,		/* accept, then say nothing until stopped */
	SRV_PLAIN		/* the response without TLS */
};

struct srv {
	enum srv_mode mode;
	SSL_CTX *ctx;
	const char *head;	/* status line and fields, each CRLF-ended */
	const char *body;
	size_t fill;		/* then this many bytes of body more */
	int no_length;		/* no Content-Length: the end is the close */
	int lfd, port, stop[2];
	pthread_t thread;
	pthread_mutex_t lock;
	int conns;		/* connections accepted */
	int answered;		/* requests answered */
	char request[4096];	/* the first request's head */
	char sni[256];		/* and its server name */
};

static int
write_all_ssl(SSL *ssl, const char *p, size_t n)
{
	while (n > 0) {
		int w = SSL_write(ssl, p, n > 16384 ? 16384 : (int)n);

		if (w <= 0)
			return 0;
		p += w;
		n -= (size_t)w;
	}
	return 1;
}

static int
write_all_fd(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return 0;
		p += w;
		n -= (size_t)w;
	}
	return 1;
}

/* Write the response: head, blank line, body, fill. */
static void
srv_respond(struct srv *s, SSL *ssl, int fd)
{
	char buf[4096];
	size_t left = s->fill;
	int ok;

	if (s->no_length)
		snprintf(buf, sizeof(buf), "%s\r\n", s->head);
	else
		snprintf(buf, sizeof(buf), "%sContent-Length: %zu\r\n\r\n",
		    s->head, (s->body != NULL ? strlen(s->body) : 0) + s->fill);
	ok = ssl != NULL ? write_all_ssl(ssl, buf, strlen(buf)) :
	    write_all_fd(fd, buf, strlen(buf));
	if (ok && s->body != NULL) {
		size_t n = strlen(s->body);

		ok = ssl != NULL ? write_all_ssl(ssl, s->body, n) :
		    write_all_fd(fd, s->body, n);
	}
	memset(buf, 'x', sizeof(buf));
	while (ok && left > 0) {
		size_t n = left < sizeof(buf) ? left : sizeof(buf);

		ok = ssl != NULL ? write_all_ssl(ssl, buf, n) :
		    write_all_fd(fd, buf, n);
		left -= n;
	}
}

static void
srv_serve(struct srv *s, int fd)
{
	struct timeval tv = { 2, 0 };
	char req[4096];
	size_t n = 0;
	const char *sni;
	SSL *ssl;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* Plain HTTP answers a TLS hello at once, as such a server would. */
	if (s->mode == SRV_PLAIN) {
		srv_respond(s, NULL, fd);
		return;
	}
	ssl = SSL_new(s->ctx);
	if (ssl == NULL)
		return;
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1) {
		/* The client refused the certificate, say. */
		SSL_free(ssl);
		ERR_clear_error();
		return;
	}
	/* The request head, up to the blank line. */
	while (n + 1 < sizeof(req)) {
		int r = SSL_read(ssl, req + n, (int)(sizeof(req) - 1 - n));

		if (r <= 0)
			break;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	req[n] = '\0';
	pthread_mutex_lock(&s->lock);
	if (s->request[0] == '\0') {
		snprintf(s->request, sizeof(s->request), "%s", req);
		sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
		snprintf(s->sni, sizeof(s->sni), "%s", sni != NULL ? sni : "");
	}
	pthread_mutex_unlock(&s->lock);
	if (strstr(req, "\r\n\r\n") != NULL) {
		srv_respond(s, ssl, fd);
		pthread_mutex_lock(&s->lock);
		s->answered++;
		pthread_mutex_unlock(&s->lock);
	}
	SSL_shutdown(ssl);
	SSL_free(ssl);
	ERR_clear_error();
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;

	for (;;) {
		struct pollfd pf[2];
		int fd;

		pf[0].fd = s->lfd;
		pf[0].events = POLLIN;
		pf[1].fd = s->stop[0];
		pf[1].events = POLLIN;
		if (poll(pf, 2, 10000) <= 0 || pf[1].revents != 0)
			break;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&s->lock);
		s->conns++;
		pthread_mutex_unlock(&s->lock);
		if (s->mode == SRV_SILENT) {
			/* Hold the connection until told to stop. */
			poll(&pf[1], 1, 10000);
			close(fd);
			break;
		}
		srv_serve(s, fd);
		close(fd);
	}
	return NULL;
}

/* Listen on loopback (family AF_INET or AF_INET6), serve in a thread. */
static int
srv_start(struct srv *s, int family)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1;

	pthread_mutex_init(&s->lock, NULL);
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
	}
	s->lfd = socket(family, SOCK_STREAM, 0);
	if (s->lfd < 0)
		return 0;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->lfd, (struct sockaddr *)&ss, sl) != 0 ||
	    listen(s->lfd, 16) != 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&ss, &sl) != 0 ||
	    pipe(s->stop) != 0) {
		close(s->lfd);
		return 0;
	}
	s->port = ntohs(family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	if (s->ctx == NULL)
		s->ctx = pki.good_ctx;
	if (pthread_create(&s->thread, NULL, srv_main, s) != 0) {
		close(s->lfd);
		close(s->stop[0]);
		close(s->stop[1]);
		return 0;
	}
	return 1;
}

static void
srv_stop(struct srv *s)
{
	if (write(s->stop[1], "x", 1) != 1)
		fail_msg("cannot stop the server");
	pthread_join(s->thread, NULL);
	close(s->lfd);
	close(s->stop[0]);
	close(s->stop[1]);
	pthread_mutex_destroy(&s->lock);
}

/* ---- the fetch ---- */

static const char *const loop4[] = { "127.0.0.1" };

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
fetch(struct sts_fetch_result *r, int port, const char *const *addrs,
    size_t naddrs, const char *cafile, double timeout_ms)
{
	struct sts_fetch_params p;

	p.domain = DOMAIN;
	p.port = port;
	p.addrs = (char *const *)addrs;
	p.naddrs = naddrs;
	p.cafile = cafile;
	p.timeout_ms = timeout_ms;
	sts_fetch(&p, r);
}

/* Serve head and body once, fetch with our CA, stop; the result. */
static void
serve_fetch(struct srv *s, struct sts_fetch_result *r)
{
	if (!srv_start(s, AF_INET))
		fail_msg("cannot start the server");
	fetch(r, s->port, loop4, 1, pki.cafile, 5000);
	srv_stop(s);
}

static void
expect_status(const struct sts_fetch_result *r, enum mxq_status want,
    const char *words)
{
	if (r->status != want || (words != NULL && (r->message == NULL ||
	    strstr(r->message, words) == NULL)))
		fail_msg("fetch: %s \"%s\" (HTTP %ld); expected %s \"%s\"",
		    status_name(r->status),
		    r->message != NULL ? r->message : "(null)", r->http_code,
		    status_name(want), words != NULL ? words : "");
	if (want != MXQ_OK) {
		assert_null(r->body);
		assert_non_null(r->message);
	}
}

static void
test_fetch_ok(void **state)
{
	struct srv s = { .mode = SRV_HTTPS };
	struct sts_fetch_result r;
	struct sts_policy p;
	const char *why;
	char host[64];

	(void)state;
	s.head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
	s.body = RFC_POLICY;
	serve_fetch(&s, &r);
	expect_status(&r, MXQ_OK, NULL);
	assert_int_equal(r.http_code, 200);
	assert_int_equal(r.len, strlen(RFC_POLICY));
	assert_memory_equal(r.body, RFC_POLICY, r.len);
	assert_int_equal(r.body[r.len], '\0');
	/* One connection, to the address given, for the right name. */
	assert_int_equal(s.conns, 1);
	assert_string_equal(s.sni, HOST);
	assert_non_null(strstr(s.request,
	    "GET /.well-known/mta-sts.txt HTTP/1.1\r\n"));
	snprintf(host, sizeof(host), "\r\nHost: %s:%d\r\n", HOST, s.port);
	assert_non_null(strstr(s.request, host));
	assert_non_null(strstr(s.request,
	    "\r\nUser-Agent: mxq/" MXQ_VERSION "\r\n"));
	assert_int_equal(sts_parse_policy(r.body, r.len, &p, &why), MXQ_OK);
	assert_int_equal(p.nmx, 3);
	sts_policy_free(&p);
	sts_fetch_result_free(&r);
	assert_null(r.body);
	assert_null(r.message);
}

/* Parameters of the media type are ignored, its case too. */
static void
test_fetch_content_type_params(void **state)
{
	static const char *const types[] = {
		"text/plain; charset=utf-8",
		"text/plain;charset=us-ascii",
		"TEXT/Plain",
		"text/plain ; foo=bar",
	};
	char head[256];
	size_t i;

	(void)state;
	for (i = 0; i < N(types); i++) {
		struct srv s = { .mode = SRV_HTTPS };
		struct sts_fetch_result r;

		snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
		    "Content-Type: %s\r\n", types[i]);
		s.head = head;
		s.body = RFC_POLICY;
		serve_fetch(&s, &r);
		expect_status(&r, MXQ_OK, NULL);
		sts_fetch_result_free(&r);
	}
}

static void
test_fetch_wrong_content_type(void **state)
{
	static const struct {
		const char *field, *words;
	} cases[] = {
		{ "Content-Type: text/html\r\n",
		    "content type text/html, not text/plain" },
		{ "Content-Type: text/plainx\r\n", "content type text/plainx" },
		{ "Content-Type: application/octet-stream\r\n",
		    "not text/plain" },
		{ "Content-Type: text/html\x1b[2J\r\n",
		    "content type text/html\\x1b[2J" },
		{ "", "no content type" },
	};
	char head[256];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct srv s = { .mode = SRV_HTTPS };
		struct sts_fetch_result r;

		snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n%s",
		    cases[i].field);
		s.head = head;
		s.body = RFC_POLICY;
		serve_fetch(&s, &r);
		expect_status(&r, MXQ_EMALFORMED, cases[i].words);
		assert_int_equal(r.http_code, 200);
		sts_fetch_result_free(&r);
	}
}

static void
test_fetch_http_errors(void **state)
{
	static const struct {
		const char *status;
		long code;
	} cases[] = {
		{ "404 Not Found", 404 },
		{ "500 Internal Server Error", 500 },
		{ "204 No Content", 204 },
		{ "203 Non-Authoritative Information", 203 },
	};
	char head[256], words[32];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct srv s = { .mode = SRV_HTTPS };
		struct sts_fetch_result r;

		snprintf(head, sizeof(head), "HTTP/1.1 %s\r\n"
		    "Content-Type: text/plain\r\n", cases[i].status);
		s.head = head;
		s.body = cases[i].code == 204 ? NULL : RFC_POLICY;
		serve_fetch(&s, &r);
		snprintf(words, sizeof(words), "HTTP %ld", cases[i].code);
		expect_status(&r, MXQ_EMALFORMED, words);
		assert_int_equal(r.http_code, cases[i].code);
		sts_fetch_result_free(&r);
	}
}

/* RFC 8461 3.3: "HTTP 3xx redirects MUST NOT be followed". */
static void
test_fetch_redirect(void **state)
{
	struct srv s = { .mode = SRV_HTTPS };
	struct sts_fetch_result r;

	(void)state;
	/* To the same server: a follower would get the policy. */
	s.head = "HTTP/1.1 301 Moved Permanently\r\n"
	    "Location: /.well-known/mta-sts.txt?again\r\n"
	    "Content-Type: text/plain\r\n";
	s.body = RFC_POLICY;
	serve_fetch(&s, &r);
	expect_status(&r, MXQ_EMALFORMED,
	    "redirect (HTTP 301) not followed (RFC 8461 3.3)");
	assert_non_null(strstr(r.message, "mta-sts.txt?again"));
	assert_int_equal(r.http_code, 301);
	assert_int_equal(s.conns, 1);
	assert_int_equal(s.answered, 1);
	sts_fetch_result_free(&r);

	/* And one without a Location. */
	memset(&s, 0, sizeof(s));
	s.mode = SRV_HTTPS;
	s.head = "HTTP/1.1 302 Found\r\n";
	serve_fetch(&s, &r);
	expect_status(&r, MXQ_EMALFORMED, "redirect (HTTP 302) not followed");
	sts_fetch_result_free(&r);
}

/* Exactly STS_POLICY_MAX bytes are a policy; one more is not. */
static void
test_fetch_size(void **state)
{
	/* Told in advance (Content-Length), or found out while reading. */
	static const struct {
		int no_length;
		size_t fill;
		enum mxq_status want;
	} cases[] = {
		{ 0, 65536, MXQ_OK },
		{ 1, 65536, MXQ_OK },
		{ 0, 65537, MXQ_EMALFORMED },
		{ 1, 65537, MXQ_EMALFORMED },
		{ 1, 1000000, MXQ_EMALFORMED },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		struct srv s = { .mode = SRV_HTTPS };
		struct sts_fetch_result r;

		s.head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		    "Connection: close\r\n";
		s.no_length = cases[i].no_length;
		s.fill = cases[i].fill;
		serve_fetch(&s, &r);
		expect_status(&r, cases[i].want, cases[i].want == MXQ_OK ?
		    NULL : "policy larger than 64 KiB");
		if (cases[i].want == MXQ_OK)
			assert_int_equal(r.len, STS_POLICY_MAX);
		sts_fetch_result_free(&r);
	}
}

/* A large error page is the error, not a large policy. */
static void
test_fetch_large_404(void **state)
{
	struct srv s = { .mode = SRV_HTTPS };
	struct sts_fetch_result r;

	(void)state;
	s.head = "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n"
	    "Connection: close\r\n";
	s.no_length = 1;
	s.fill = 200000;
	serve_fetch(&s, &r);
	expect_status(&r, MXQ_EMALFORMED, "HTTP 404");
	sts_fetch_result_free(&r);
}

static void
test_fetch_wrong_name(void **state)
{
	struct srv s = { .mode = SRV_HTTPS };
	struct sts_fetch_result r;

	(void)state;
	s.ctx = pki.wrong_ctx;
	s.head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
	s.body = RFC_POLICY;
	serve_fetch(&s, &r);
	expect_status(&r, MXQ_EMALFORMED, "certificate verification failed");
	assert_int_equal(s.answered, 0);
	sts_fetch_result_free(&r);
}

/* A CA file with another CA: the server's chain is not trusted. */
static void
test_fetch_untrusted(void **state)
{
	struct srv s = { .mode = SRV_HTTPS };
	struct sts_fetch_result r;

	(void)state;
	s.head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
	s.body = RFC_POLICY;
	if (!srv_start(&s, AF_INET))
		fail_msg("cannot start the server");
	fetch(&r, s.port, loop4, 1, pki.otherfile, 5000);
	srv_stop(&s);
	expect_status(&r, MXQ_EMALFORMED, "certificate verification failed");
	assert_int_equal(s.answered, 0);
	sts_fetch_result_free(&r);
}

static void
test_fetch_bad_cafile(void **state)
{
	struct srv s = { .mode = SRV_HTTPS };
	struct sts_fetch_result r;

	(void)state;
	s.head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
	s.body = RFC_POLICY;
	if (!srv_start(&s, AF_INET))
		fail_msg("cannot start the server");
	fetch(&r, s.port, loop4, 1, "/nonexistent/mxq-ca.pem", 5000);
	srv_stop(&s);
	expect_status(&r, MXQ_EUSAGE, "CA file");
	assert_int_equal(s.answered, 0);
	sts_fetch_result_free(&r);
}

/* Plain HTTP where HTTPS is due: no policy. */
static void
test_fetch_not_tls(void **state)
{
	struct srv s = { .mode = SRV_PLAIN };
	struct sts_fetch_result r;

	(void)state;
	s.head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
	s.body = RFC_POLICY;
	serve_fetch(&s, &r);
	expect_status(&r, MXQ_EMALFORMED, NULL);
	sts_fetch_result_free(&r);
}

/* A server that accepts and never answers: the timeout holds. */
static void
test_fetch_timeout(void **state)
{
	struct srv s = { .mode = SRV_SILENT };
	struct sts_fetch_result r;
	double t0, ms;

	(void)state;
	if (!srv_start(&s, AF_INET))
		fail_msg("cannot start the server");
	t0 = now_ms();
	fetch(&r, s.port, loop4, 1, pki.cafile, 500);
	ms = now_ms() - t0;
	srv_stop(&s);
	expect_status(&r, MXQ_ETIMEOUT, NULL);
	assert_int_equal(s.conns, 1);
	if (ms < 450 || ms > 1500)
		fail_msg("a 500 ms fetch took %.0f ms", ms);
	sts_fetch_result_free(&r);
}

/* Nobody listens: could not connect. */
static void
test_fetch_refused(void **state)
{
	struct sockaddr_in a;
	socklen_t sl = sizeof(a);
	struct sts_fetch_result r;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int port;

	(void)state;
	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &sl), 0);
	port = ntohs(a.sin_port);
	close(fd);
	fetch(&r, port, loop4, 1, pki.cafile, 2000);
	expect_status(&r, MXQ_EUNREACH, "could not connect");
	sts_fetch_result_free(&r);
}

/* No address, or one that is not an address: no fetch at all. */
static void
test_fetch_no_address(void **state)
{
	static const char *const bad[][2] = {
		{ HOST, NULL },
		{ "localhost", NULL },
		{ "127.0.0.1:80", NULL },
		{ "127.0.0.1,127.0.0.2", NULL },
		{ "[::1]", NULL },
		{ "fe80::1%lo", NULL },
		{ "127.0.0.1", "" },
	};
	struct srv s = { .mode = SRV_HTTPS };
	struct sts_fetch_result r;
	size_t i;

	(void)state;
	s.head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
	s.body = RFC_POLICY;
	if (!srv_start(&s, AF_INET))
		fail_msg("cannot start the server");
	fetch(&r, s.port, loop4, 0, pki.cafile, 2000);
	expect_status(&r, MXQ_ENODATA, "no address for " HOST);
	sts_fetch_result_free(&r);
	for (i = 0; i < N(bad); i++) {
		fetch(&r, s.port, bad[i], bad[i][1] != NULL ? 2 : 1,
		    pki.cafile, 2000);
		expect_status(&r, MXQ_EINVAL, "not an IP address");
		sts_fetch_result_free(&r);
	}
	srv_stop(&s);
	assert_int_equal(s.conns, 0);
}

/* The domain goes into a URL: nothing but a host name gets there. */
static void
test_fetch_bad_domain(void **state)
{
	static const char *const bad[] = {
		"", ".", "evil.test/x?", "a@evil.test", "evil.test:80",
		"evil.test#", "a..test", ".test", "evil test", "evil\r\n.test",
		"[::1]", "caf\xc3\xa9.test",
	};
	struct sts_fetch_params p;
	struct sts_fetch_result r;
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		p.domain = bad[i];
		p.port = 443;
		p.addrs = (char *const *)loop4;
		p.naddrs = 1;
		p.cafile = pki.cafile;
		p.timeout_ms = 1000;
		sts_fetch(&p, &r);
		if (r.status != MXQ_EINVAL)
			fail_msg("domain \"%s\": %s", bad[i],
			    status_name(r.status));
		sts_fetch_result_free(&r);
	}
	p.domain = DOMAIN;
	p.port = 0;
	sts_fetch(&p, &r);
	assert_int_equal(r.status, MXQ_EINVAL);
	sts_fetch_result_free(&r);
	p.port = 65536;
	sts_fetch(&p, &r);
	assert_int_equal(r.status, MXQ_EINVAL);
	sts_fetch_result_free(&r);
}

/* A first address that refuses: the next one is tried. */
static void
test_fetch_second_address(void **state)
{
	static const char *const addrs[] = { "127.0.0.2", "127.0.0.1" };
	struct srv s = { .mode = SRV_HTTPS };
	struct sts_fetch_result r;

	(void)state;
	s.head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
	s.body = RFC_POLICY;
	if (!srv_start(&s, AF_INET))
		fail_msg("cannot start the server");
	fetch(&r, s.port, addrs, 2, pki.cafile, 5000);
	srv_stop(&s);
	expect_status(&r, MXQ_OK, NULL);
	assert_int_equal(s.conns, 1);
	sts_fetch_result_free(&r);
}

/* An IPv6 address goes into the resolve entry in brackets. */
static void
test_fetch_ipv6(void **state)
{
	static const char *const addrs[] = { "::1" };
	struct srv s = { .mode = SRV_HTTPS };
	struct sts_fetch_result r;

	(void)state;
	s.head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
	s.body = RFC_POLICY;
	if (!srv_start(&s, AF_INET6))
		skip();
	fetch(&r, s.port, addrs, 1, pki.cafile, 5000);
	srv_stop(&s);
	expect_status(&r, MXQ_OK, NULL);
	assert_int_equal(s.conns, 1);
	assert_string_equal(s.sni, HOST);
	sts_fetch_result_free(&r);
}

/* Proxy settings in the environment are not followed. */
static void
test_fetch_no_proxy(void **state)
{
	static const char *const vars[] = {
		"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
	};
	struct srv s = { .mode = SRV_HTTPS };
	struct sts_fetch_result r;
	size_t i;

	(void)state;
	for (i = 0; i < N(vars); i++)
		setenv(vars[i], "http://127.0.0.1:9", 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	s.head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
	s.body = RFC_POLICY;
	serve_fetch(&s, &r);
	for (i = 0; i < N(vars); i++)
		unsetenv(vars[i]);
	expect_status(&r, MXQ_OK, NULL);
	sts_fetch_result_free(&r);
}

/* Several fetches at once, as the probe workers do. */
struct fetch_job {
	int port;
	struct sts_fetch_result r;
};

static void *
fetch_thread(void *arg)
{
	struct fetch_job *j = arg;

	fetch(&j->r, j->port, loop4, 1, pki.cafile, 5000);
	return NULL;
}

static void
test_fetch_threads(void **state)
{
	struct srv s = { .mode = SRV_HTTPS };
	struct fetch_job job[6];
	pthread_t t[6];
	size_t i;

	(void)state;
	s.head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
	s.body = RFC_POLICY;
	if (!srv_start(&s, AF_INET))
		fail_msg("cannot start the server");
	for (i = 0; i < N(job); i++) {
		job[i].port = s.port;
		assert_int_equal(pthread_create(&t[i], NULL, fetch_thread,
		    &job[i]), 0);
	}
	for (i = 0; i < N(job); i++)
		pthread_join(t[i], NULL);
	srv_stop(&s);
	for (i = 0; i < N(job); i++) {
		expect_status(&job[i].r, MXQ_OK, NULL);
		assert_memory_equal(job[i].r.body, RFC_POLICY, job[i].r.len);
		sts_fetch_result_free(&job[i].r);
	}
	assert_int_equal(s.answered, (int)N(job));
}

static void
test_fetch_result_free_null(void **state)
{
	(void)state;
	sts_fetch_result_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txt_table),
		cmocka_unit_test(test_policy_table),
		cmocka_unit_test(test_policy_mx_bound),
		cmocka_unit_test(test_policy_large),
		cmocka_unit_test(test_policy_free_null),
		cmocka_unit_test(test_mx_match_table),
		cmocka_unit_test(test_mx_match_policy),
		cmocka_unit_test(test_fetch_ok),
		cmocka_unit_test(test_fetch_content_type_params),
		cmocka_unit_test(test_fetch_wrong_content_type),
		cmocka_unit_test(test_fetch_http_errors),
		cmocka_unit_test(test_fetch_redirect),
		cmocka_unit_test(test_fetch_size),
		cmocka_unit_test(test_fetch_large_404),
		cmocka_unit_test(test_fetch_wrong_name),
		cmocka_unit_test(test_fetch_untrusted),
		cmocka_unit_test(test_fetch_bad_cafile),
		cmocka_unit_test(test_fetch_not_tls),
		cmocka_unit_test(test_fetch_timeout),
		cmocka_unit_test(test_fetch_refused),
		cmocka_unit_test(test_fetch_no_address),
		cmocka_unit_test(test_fetch_bad_domain),
		cmocka_unit_test(test_fetch_second_address),
		cmocka_unit_test(test_fetch_ipv6),
		cmocka_unit_test(test_fetch_no_proxy),
		cmocka_unit_test(test_fetch_threads),
		cmocka_unit_test(test_fetch_result_free_null),
	};

	/* The server writes to clients that may have gone. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("sts", tests, pki_setup,
	    pki_teardown);
}
