/*
 * Unit tests for src/answer.c, the one reader of replies: canned replies
 * for every class of answer, alias chains within and across replies, the
 * bailiwick of additional addresses, and the decoders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mxq/answer.h"
#include "reply.h"

static struct answer_question
question(const char *name, uint16_t type, int rd)
{
	struct answer_question q;
	const char *why;

	memset(&q, 0, sizeof(q));
	assert_int_equal(wire_name_from_text(name, &q.name, &why), MXQ_OK);
	q.type = type;
	q.rd = rd;
	return q;
}

static void
read_one(struct reply *r, const char *qname, uint16_t qtype, int rd,
    const struct answer *prev, struct answer *a)
{
	struct answer_question q = question(qname, qtype, rd);

	reply_end(r);
	assert_int_equal(answer_read(r->b, r->n, &q, prev, a), MXQ_OK);
}

/* The next reply of a chain that started at origin. */
static void
read_next(struct reply *r, const char *qname, uint16_t qtype,
    const char *origin, const struct answer *prev, struct answer *a)
{
	struct answer_question q = question(qname, qtype, 1);
	struct answer_question o = question(origin, qtype, 1);

	q.origin = &o.name;
	reply_end(r);
	assert_int_equal(answer_read(r->b, r->n, &q, prev, a), MXQ_OK);
}

static void
assert_name(const struct wire_name *n, const char *want)
{
	char buf[WIRE_TEXT_MAX];

	wire_name_to_text(n, buf);
	assert_string_equal(buf, want);
}

static void
assert_owner(const struct answer_rr *rr, const char *want)
{
	struct wire_name n;

	answer_owner(rr, &n);
	assert_name(&n, want);
}

/* ---- records ------------------------------------------------------- */

static void
test_mx_answer(void **state)
{
	struct reply r;
	struct answer a;
	struct wire_name ex;
	uint16_t pref;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_AA | WIRE_FLAG_RD, "example.com.",
	    WIRE_TYPE_MX);
	reply_mx(&r, "example.com.", 300, 10, "mx1.example.com.");
	reply_mx(&r, "example.com.", 200, 20, "mx2.example.net.");
	read_one(&r, "example.com.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_OK);
	assert_int_equal(a.rcode, 0);
	assert_false(a.follow);
	assert_int_equal(a.nrr, 2);
	assert_int_equal(a.nchain, 0);
	assert_int_equal(answer_mx(&a.rr[0], &pref, &ex), MXQ_OK);
	assert_int_equal(pref, 10);
	assert_name(&ex, "mx1.example.com.");
	assert_int_equal(answer_mx(&a.rr[1], &pref, &ex), MXQ_OK);
	assert_int_equal(pref, 20);
	assert_name(&ex, "mx2.example.net.");
	assert_int_equal(answer_ttl(&a), 200);
	assert_name(&a.target, "example.com.");
	answer_clear(&a);
}

/* A name compressed against the question comes out whole. */
static void
test_compressed_exchange_expanded(void **state)
{
	struct reply r;
	struct answer a;
	struct wire_name ex;
	uint16_t pref;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_AA, "example.com.", WIRE_TYPE_MX);
	reply_put16(&r, 0xc00c);		/* owner: the question */
	reply_put16(&r, WIRE_TYPE_MX);
	reply_put16(&r, WIRE_CLASS_IN);
	reply_put32(&r, 60);
	reply_put16(&r, 2 + 4 + 2);
	reply_put16(&r, 5);
	reply_put8(&r, 3);
	reply_putn(&r, "mx1", 3);
	reply_put16(&r, 0xc00c);		/* mx1 + example.com. */
	r.an++;
	read_one(&r, "example.com.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_OK);
	assert_int_equal(a.nrr, 1);
	assert_int_equal(answer_mx(&a.rr[0], &pref, &ex), MXQ_OK);
	assert_int_equal(pref, 5);
	assert_name(&ex, "mx1.example.com.");
	/* The copy holds no pointer into the reply any more. */
	assert_int_equal(a.rr[0].len, 2 + ex.len);
	answer_clear(&a);
}

static void
test_owner_case_ignored_and_strays_skipped(void **state)
{
	struct reply r;
	struct answer a;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_AA, "eXample.COM.", WIRE_TYPE_A);
	reply_a(&r, R_AN, "Example.com.", 60, 192, 0, 2, 1);
	/* Not the question's name, nor in its chain: never taken. */
	reply_a(&r, R_AN, "victim.example.", 60, 198, 51, 100, 66);
	read_one(&r, "example.com.", WIRE_TYPE_A, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_OK);
	assert_int_equal(a.nrr, 1);
	assert_int_equal(a.rr[0].data[0], 192);
	answer_clear(&a);
}

static void
test_address_of_wrong_length(void **state)
{
	struct reply r;
	struct answer a;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_AA, "h.example.", WIRE_TYPE_A);
	reply_rr(&r, R_AN, "h.example.", WIRE_TYPE_A, 60, 5);
	reply_putn(&r, "\xc0\x00\x02\x01\x00", 5);
	read_one(&r, "h.example.", WIRE_TYPE_A, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_EMALFORMED);
	assert_string_equal(a.why, "address record of the wrong length");
	assert_int_equal(a.nrr, 0);
	answer_clear(&a);

	/*
	 * A good record before the bad one: the reply is malformed, and
	 * none of it is kept.  Guards: the records read before the failure
	 * kept (192.0.2.1 shown as an address of a broken reply).
	 */
	reply_start(&r, 1, WIRE_FLAG_AA, "h.example.", WIRE_TYPE_A);
	reply_a(&r, R_AN, "h.example.", 60, 192, 0, 2, 1);
	reply_rr(&r, R_AN, "h.example.", WIRE_TYPE_A, 60, 5);
	reply_putn(&r, "\xc0\x00\x02\x02\x00", 5);
	read_one(&r, "h.example.", WIRE_TYPE_A, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_EMALFORMED);
	assert_int_equal(a.nrr, 0);
	assert_int_equal(answer_ttl(&a), 0);
	answer_clear(&a);

	/* A PTR or TLSA record is not length-checked as an address. */
	reply_start(&r, 1, WIRE_FLAG_AA, "_25._tcp.h.example.",
	    WIRE_TYPE_TLSA);
	reply_rr(&r, R_AN, "_25._tcp.h.example.", WIRE_TYPE_TLSA, 60, 5);
	reply_putn(&r, "\x03\x01\x01\xab\xcd", 5);
	read_one(&r, "_25._tcp.h.example.", WIRE_TYPE_TLSA, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_OK);
	assert_int_equal(a.nrr, 1);
	answer_clear(&a);
}

static void
test_mx_rdata_with_junk(void **state)
{
	struct reply r;
	struct answer a;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_AA, "example.com.", WIRE_TYPE_MX);
	reply_rr(&r, R_AN, "example.com.", WIRE_TYPE_MX, 60,
	    (uint16_t)(2 + reply_name_len("mx.example.com.") + 2));
	reply_put16(&r, 10);
	reply_name(&r, "mx.example.com.");
	reply_put16(&r, 0);			/* junk after the name */
	read_one(&r, "example.com.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_EMALFORMED);
	answer_clear(&a);
}

/* ---- negative answers, referrals, untrusted answers ----------------- */

static void
test_nxdomain_trusted_only_from_aa_or_recursion(void **state)
{
	struct reply r;
	struct answer a;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_AA | WIRE_RCODE_NXDOMAIN, "no.example.",
	    WIRE_TYPE_MX);
	reply_soa(&r, R_NS, "example.", 3600, 300);
	read_one(&r, "no.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_ENXDOMAIN);
	assert_int_equal(a.neg_ttl, 300);
	answer_clear(&a);

	/* From a recursive server that was asked to recurse. */
	reply_start(&r, 1, WIRE_FLAG_RA | WIRE_FLAG_RD | WIRE_RCODE_NXDOMAIN,
	    "no.example.", WIRE_TYPE_MX);
	reply_soa(&r, R_NS, "example.", 100, 300);
	read_one(&r, "no.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_ENXDOMAIN);
	assert_int_equal(a.neg_ttl, 100);
	answer_clear(&a);

	/* RA, but recursion was not asked for: not the server's own. */
	reply_start(&r, 1, WIRE_FLAG_RA | WIRE_RCODE_NXDOMAIN, "no.example.",
	    WIRE_TYPE_MX);
	read_one(&r, "no.example.", WIRE_TYPE_MX, 0, NULL, &a);
	assert_int_equal(a.status, MXQ_ELAME);
	answer_clear(&a);

	/* Neither AA nor RA. */
	reply_start(&r, 1, WIRE_FLAG_RD | WIRE_RCODE_NXDOMAIN, "no.example.",
	    WIRE_TYPE_MX);
	reply_soa(&r, R_NS, "example.", 3600, 300);
	read_one(&r, "no.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_ELAME);
	assert_non_null(a.why);
	answer_clear(&a);
}

static void
test_nodata(void **state)
{
	struct reply r;
	struct answer a;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_AA, "txt.example.", WIRE_TYPE_MX);
	reply_soa(&r, R_NS, "example.", 60, 3600);
	read_one(&r, "txt.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_ENODATA);
	assert_int_equal(a.neg_ttl, 60);
	assert_int_equal(answer_ttl(&a), 60);
	answer_clear(&a);

	/* RFC 2308 type 3: no SOA, no NS, authoritative. */
	reply_start(&r, 1, WIRE_FLAG_AA, "txt.example.", WIRE_TYPE_MX);
	read_one(&r, "txt.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_ENODATA);
	assert_int_equal(answer_ttl(&a), 0);
	answer_clear(&a);

	/* The same without AA or RA: not to be believed. */
	reply_start(&r, 1, 0, "txt.example.", WIRE_TYPE_MX);
	reply_soa(&r, R_NS, "example.", 60, 3600);
	read_one(&r, "txt.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_ELAME);
	answer_clear(&a);
}

static void
test_referral_is_no_nodata(void **state)
{
	struct reply r;
	struct answer a;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_RD, "www.child.example.", WIRE_TYPE_MX);
	reply_namerr(&r, R_NS, "child.example.", WIRE_TYPE_NS, 3600,
	    "ns1.child.example.");
	reply_a(&r, R_AR, "ns1.child.example.", 3600, 127, 0, 0, 1);
	read_one(&r, "www.child.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_EREFERRAL);
	assert_non_null(a.zone);
	assert_name(a.zone, "child.example.");
	assert_int_equal(a.nrr, 0);
	assert_int_equal(a.nextra, 0);
	answer_clear(&a);

	/*
	 * The glue of a referral is no answer, even for the name asked:
	 * only the answer section answers.  Guards: records of the other
	 * sections read as the answer (the parent's unvetted glue taken as
	 * the address of ns1.child.example.).
	 */
	reply_start(&r, 1, WIRE_FLAG_RD, "ns1.child.example.", WIRE_TYPE_A);
	reply_namerr(&r, R_NS, "child.example.", WIRE_TYPE_NS, 3600,
	    "ns1.child.example.");
	reply_a(&r, R_AR, "ns1.child.example.", 3600, 127, 0, 0, 1);
	read_one(&r, "ns1.child.example.", WIRE_TYPE_A, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_EREFERRAL);
	assert_int_equal(a.nrr, 0);
	answer_clear(&a);

	/*
	 * With AA the server speaks for the name: NS without SOA is its
	 * NODATA, not a referral.  Guards: AA left out of the test, so that
	 * an authoritative NODATA is "referral" (exit 3, and no implicit MX).
	 */
	reply_start(&r, 1, WIRE_FLAG_AA, "child.example.", WIRE_TYPE_MX);
	reply_namerr(&r, R_NS, "child.example.", WIRE_TYPE_NS, 3600,
	    "ns1.child.example.");
	read_one(&r, "child.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_ENODATA);
	answer_clear(&a);

	/* With SOA it is NODATA, whatever NS come along. */
	reply_start(&r, 1, WIRE_FLAG_AA, "child.example.", WIRE_TYPE_MX);
	reply_soa(&r, R_NS, "child.example.", 60, 60);
	reply_namerr(&r, R_NS, "child.example.", WIRE_TYPE_NS, 3600,
	    "ns1.child.example.");
	read_one(&r, "child.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_ENODATA);
	answer_clear(&a);
}

static void
test_error_rcodes(void **state)
{
	static const struct {
		int rcode;
		enum mxq_status st;
	} cases[] = {
		{ WIRE_RCODE_SERVFAIL, MXQ_ESERVFAIL },
		{ WIRE_RCODE_REFUSED, MXQ_EREFUSED },
		{ WIRE_RCODE_NOTIMP, MXQ_ERCODE },
		{ WIRE_RCODE_FORMERR, MXQ_ERCODE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reply r;
		struct answer a;

		reply_start(&r, 1, (uint16_t)cases[i].rcode, "x.example.",
		    WIRE_TYPE_MX);
		reply_mx(&r, "x.example.", 60, 10, "mx.x.example.");
		read_one(&r, "x.example.", WIRE_TYPE_MX, 1, NULL, &a);
		assert_int_equal(a.status, cases[i].st);
		assert_int_equal(a.rcode, cases[i].rcode);
		/* A failure keeps no records. */
		assert_int_equal(a.nrr, 0);
		answer_clear(&a);
	}
}

static void
test_replies_that_do_not_fit(void **state)
{
	struct reply r;
	struct answer a;
	struct answer_question q = question("x.example.", WIRE_TYPE_MX, 1);

	(void)state;
	/* Another question. */
	reply_start(&r, 1, WIRE_FLAG_AA, "y.example.", WIRE_TYPE_MX);
	reply_mx(&r, "y.example.", 60, 10, "mx.y.example.");
	read_one(&r, "x.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_EMALFORMED);
	assert_string_equal(a.why, "reply does not match the question");
	answer_clear(&a);

	/*
	 * The same name, another type.  Guards: a reply read without
	 * checking its question's type (the A records of x.example. taken
	 * as the answer to its MX question: none, so NODATA).
	 */
	reply_start(&r, 1, WIRE_FLAG_AA, "x.example.", WIRE_TYPE_A);
	reply_a(&r, R_AN, "x.example.", 60, 192, 0, 2, 1);
	read_one(&r, "x.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_EMALFORMED);
	assert_string_equal(a.why, "reply does not match the question");
	answer_clear(&a);

	/* A query, not a reply (QR clear). */
	reply_start(&r, 1, 0, "x.example.", WIRE_TYPE_MX);
	reply_end(&r);
	r.b[2] &= 0x7f;
	assert_int_equal(answer_read(r.b, r.n, &q, NULL, &a), MXQ_OK);
	assert_int_equal(a.status, MXQ_EMALFORMED);
	answer_clear(&a);

	/* Cut short. */
	assert_int_equal(answer_read(r.b, 11, &q, NULL, &a), MXQ_OK);
	assert_int_equal(a.status, MXQ_EMALFORMED);
	assert_string_equal(a.why, "reply does not parse");
	assert_int_equal(a.rcode, -1);
	answer_clear(&a);
}

/* ---- alias chains ----------------------------------------------------- */

static void
test_chain_within_the_reply(void **state)
{
	struct reply r;
	struct answer a;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_AA, "alias.example.", WIRE_TYPE_A);
	reply_namerr(&r, R_AN, "alias.example.", WIRE_TYPE_CNAME, 60,
	    "mid.example.");
	reply_namerr(&r, R_AN, "mid.example.", WIRE_TYPE_CNAME, 60,
	    "host.example.");
	reply_a(&r, R_AN, "host.example.", 60, 192, 0, 2, 9);
	read_one(&r, "alias.example.", WIRE_TYPE_A, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_OK);
	assert_int_equal(a.nchain, 2);
	assert_name(&a.chain[0], "mid.example.");
	assert_name(&a.chain[1], "host.example.");
	assert_name(&a.target, "host.example.");
	assert_int_equal(a.nrr, 1);
	answer_clear(&a);
}

/*
 * An authoritative server answers for the alias only: ask on, and the
 * second reply continues the chain (RFC 1034 4.3.2).
 */
static void
test_chain_across_replies(void **state)
{
	struct reply r;
	struct answer a, b;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_AA, "alias.example.", WIRE_TYPE_A);
	reply_namerr(&r, R_AN, "alias.example.", WIRE_TYPE_CNAME, 60,
	    "host.other.");
	read_one(&r, "alias.example.", WIRE_TYPE_A, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_OK);
	assert_true(a.follow);
	assert_int_equal(a.nrr, 0);
	assert_name(&a.target, "host.other.");

	reply_start(&r, 2, WIRE_FLAG_AA, "host.other.", WIRE_TYPE_A);
	reply_a(&r, R_AN, "host.other.", 60, 192, 0, 2, 7);
	read_next(&r, "host.other.", WIRE_TYPE_A, "alias.example.", &a, &b);
	assert_int_equal(b.status, MXQ_OK);
	assert_false(b.follow);
	assert_int_equal(b.nchain, 1);
	assert_name(&b.chain[0], "host.other.");
	assert_int_equal(b.nrr, 1);
	answer_clear(&a);
	answer_clear(&b);

	/* From a recursive server a chain without data is NODATA. */
	reply_start(&r, 1, WIRE_FLAG_RA | WIRE_FLAG_RD, "alias.example.",
	    WIRE_TYPE_A);
	reply_namerr(&r, R_AN, "alias.example.", WIRE_TYPE_CNAME, 60,
	    "host.other.");
	read_one(&r, "alias.example.", WIRE_TYPE_A, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_ENODATA);
	assert_false(a.follow);
	answer_clear(&a);
}

/*
 * A chain whose end has no data, with the SOA of the end's zone: the
 * server is authoritative for the end too, and its NODATA is the answer.
 * Guards: asking on for the end (one more query, to the same NODATA)
 * when the reply already says there is nothing.
 */
static void
test_chain_to_nodata_in_the_same_reply(void **state)
{
	struct reply r;
	struct answer a;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_AA, "alias.example.", WIRE_TYPE_MX);
	reply_namerr(&r, R_AN, "alias.example.", WIRE_TYPE_CNAME, 60,
	    "host.example.");
	reply_soa(&r, R_NS, "example.", 60, 60);
	read_one(&r, "alias.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_ENODATA);
	assert_false(a.follow);
	assert_int_equal(a.nchain, 1);
	assert_name(&a.target, "host.example.");
	answer_clear(&a);
}

/*
 * An alias has one target (RFC 2181 10.1): of two CNAME records at one
 * owner the first is followed.  Guards: the last one followed instead,
 * to a name that is no host.
 */
static void
test_first_of_two_aliases_followed(void **state)
{
	struct reply r;
	struct answer a;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_AA, "alias.example.", WIRE_TYPE_A);
	reply_namerr(&r, R_AN, "alias.example.", WIRE_TYPE_CNAME, 60,
	    "host.example.");
	reply_namerr(&r, R_AN, "alias.example.", WIRE_TYPE_CNAME, 60,
	    "nothing.example.");
	reply_a(&r, R_AN, "host.example.", 60, 192, 0, 2, 9);
	read_one(&r, "alias.example.", WIRE_TYPE_A, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_OK);
	assert_int_equal(a.nchain, 1);
	assert_name(&a.chain[0], "host.example.");
	assert_int_equal(a.nrr, 1);
	answer_clear(&a);
}

static void
test_nxdomain_at_the_end_of_a_chain(void **state)
{
	struct reply r;
	struct answer a;

	(void)state;
	/* RFC 6604: the RCODE speaks of the last name. */
	reply_start(&r, 1, WIRE_FLAG_AA | WIRE_RCODE_NXDOMAIN,
	    "dangling.example.", WIRE_TYPE_MX);
	reply_namerr(&r, R_AN, "dangling.example.", WIRE_TYPE_CNAME, 60,
	    "gone.example.");
	reply_soa(&r, R_NS, "example.", 60, 60);
	read_one(&r, "dangling.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_ENXDOMAIN);
	assert_int_equal(a.nchain, 1);
	answer_clear(&a);
}

static void
test_chain_loops_and_bound(void **state)
{
	struct reply r;
	struct answer a, b;
	char owner[32], target[32];
	int i;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_AA, "a.example.", WIRE_TYPE_A);
	reply_namerr(&r, R_AN, "a.example.", WIRE_TYPE_CNAME, 60,
	    "b.example.");
	reply_namerr(&r, R_AN, "b.example.", WIRE_TYPE_CNAME, 60,
	    "a.example.");
	read_one(&r, "a.example.", WIRE_TYPE_A, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_EMALFORMED);
	assert_string_equal(a.why, "CNAME loop");
	answer_clear(&a);

	/* A loop that closes in a later reply. */
	reply_start(&r, 1, WIRE_FLAG_AA, "a.example.", WIRE_TYPE_A);
	reply_namerr(&r, R_AN, "a.example.", WIRE_TYPE_CNAME, 60,
	    "b.other.");
	read_one(&r, "a.example.", WIRE_TYPE_A, 1, NULL, &a);
	assert_true(a.follow);
	reply_start(&r, 1, WIRE_FLAG_AA, "b.other.", WIRE_TYPE_A);
	reply_namerr(&r, R_AN, "b.other.", WIRE_TYPE_CNAME, 60,
	    "A.example.");
	read_next(&r, "b.other.", WIRE_TYPE_A, "a.example.", &a, &b);
	assert_int_equal(b.status, MXQ_EMALFORMED);
	assert_string_equal(b.why, "CNAME loop");
	answer_clear(&a);
	answer_clear(&b);

	/* ANSWER_MAX_CHAIN links are followed, one more is too many. */
	reply_start(&r, 1, WIRE_FLAG_AA, "l0.example.", WIRE_TYPE_A);
	for (i = 0; i <= ANSWER_MAX_CHAIN; i++) {
		snprintf(owner, sizeof(owner), "l%d.example.", i);
		snprintf(target, sizeof(target), "l%d.example.", i + 1);
		reply_namerr(&r, R_AN, owner, WIRE_TYPE_CNAME, 60, target);
	}
	read_one(&r, "l0.example.", WIRE_TYPE_A, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_ELIMIT);
	assert_string_equal(a.why, "CNAME chain too long");
	assert_int_equal(a.nchain, ANSWER_MAX_CHAIN);
	answer_clear(&a);

	reply_start(&r, 1, WIRE_FLAG_AA, "l0.example.", WIRE_TYPE_A);
	for (i = 0; i < ANSWER_MAX_CHAIN; i++) {
		snprintf(owner, sizeof(owner), "l%d.example.", i);
		snprintf(target, sizeof(target), "l%d.example.", i + 1);
		reply_namerr(&r, R_AN, owner, WIRE_TYPE_CNAME, 60, target);
	}
	reply_a(&r, R_AN, target, 60, 192, 0, 2, 1);
	read_one(&r, "l0.example.", WIRE_TYPE_A, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_OK);
	assert_int_equal(a.nchain, ANSWER_MAX_CHAIN);
	answer_clear(&a);
}

/* ---- additional section ----------------------------------------------- */

static void
test_additional_only_in_bailiwick(void **state)
{
	struct reply r;
	struct answer a;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_AA | WIRE_FLAG_RD, "example.com.",
	    WIRE_TYPE_MX);
	reply_mx(&r, "example.com.", 60, 10, "mx.example.com.");
	reply_mx(&r, "example.com.", 60, 20, "mail.victim.example.");
	reply_a(&r, R_AR, "mx.example.com.", 60, 192, 0, 2, 10);
	reply_aaaa(&r, R_AR, "MX.Example.COM.", 60, 10);
	reply_a(&r, R_AR, "mail.victim.example.", 60, 198, 51, 100, 66);
	reply_a(&r, R_AR, "example.com.", 60, 192, 0, 2, 11);
	/* In bailiwick, but not an address of the right length: left out. */
	reply_rr(&r, R_AR, "bad.example.com.", WIRE_TYPE_A, 60, 3);
	reply_putn(&r, "\x01\x02\x03", 3);
	reply_opt(&r, -1, NULL);
	read_one(&r, "example.com.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_OK);
	assert_true(a.edns);
	assert_int_equal(a.nextra, 3);
	assert_int_equal(a.extra[0].type, WIRE_TYPE_A);
	assert_owner(&a.extra[0], "mx.example.com.");
	assert_int_equal(a.extra[1].type, WIRE_TYPE_AAAA);
	assert_owner(&a.extra[2], "example.com.");
	answer_clear(&a);

	/* A recursive server has vetted its data: all of it is taken. */
	reply_start(&r, 1, WIRE_FLAG_RA | WIRE_FLAG_RD, "example.com.",
	    WIRE_TYPE_MX);
	reply_mx(&r, "example.com.", 60, 20, "mail.victim.example.");
	reply_a(&r, R_AR, "mail.victim.example.", 60, 198, 51, 100, 67);
	read_one(&r, "example.com.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.nextra, 1);
	answer_clear(&a);

	/* ... unless it also claims authority: then the zone's rule. */
	reply_start(&r, 1, WIRE_FLAG_RA | WIRE_FLAG_AA | WIRE_FLAG_RD,
	    "example.com.", WIRE_TYPE_MX);
	reply_mx(&r, "example.com.", 60, 20, "mail.victim.example.");
	reply_a(&r, R_AR, "mail.victim.example.", 60, 198, 51, 100, 67);
	read_one(&r, "example.com.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.nextra, 0);
	answer_clear(&a);

	/*
	 * Addresses come from the additional section only.  Guards: an A
	 * record in the authority section (in bailiwick) taken as glue.
	 */
	reply_start(&r, 1, WIRE_FLAG_AA | WIRE_FLAG_RD, "example.com.",
	    WIRE_TYPE_MX);
	reply_mx(&r, "example.com.", 60, 10, "mx.example.com.");
	reply_a(&r, R_NS, "mx.example.com.", 60, 192, 0, 2, 12);
	read_one(&r, "example.com.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_OK);
	assert_int_equal(a.nrr, 1);
	assert_int_equal(a.nextra, 0);
	answer_clear(&a);
}

/* After an alias the bailiwick is the target's. */
static void
test_additional_after_an_alias(void **state)
{
	struct reply r;
	struct answer a;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_AA, "alias.example.", WIRE_TYPE_MX);
	reply_namerr(&r, R_AN, "alias.example.", WIRE_TYPE_CNAME, 60,
	    "target.example.");
	reply_mx(&r, "target.example.", 60, 10, "mx.target.example.");
	reply_a(&r, R_AR, "mx.target.example.", 60, 192, 0, 2, 20);
	reply_a(&r, R_AR, "mx.alias.example.", 60, 192, 0, 2, 21);
	read_one(&r, "alias.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.nextra, 1);
	assert_owner(&a.extra[0], "mx.target.example.");
	answer_clear(&a);
}

/* ---- EDNS ------------------------------------------------------------- */

static void
test_extended_dns_error(void **state)
{
	struct reply r;
	struct answer a;

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_RA | WIRE_FLAG_RD | WIRE_RCODE_SERVFAIL,
	    "bogus.example.", WIRE_TYPE_MX);
	reply_opt(&r, 6, "validation \x1b[31mfailed");
	read_one(&r, "bogus.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_ESERVFAIL);
	assert_int_equal(a.ede, 6);
	/* Hostile bytes never pass raw. */
	assert_string_equal(a.ede_text, "validation \\x1b[31mfailed");
	answer_clear(&a);

	/*
	 * An EDE option is its code and, maybe, text (RFC 8914 2).  Guards:
	 * an option with the code alone (length 2) ignored.
	 */
	reply_start(&r, 1, WIRE_FLAG_RA | WIRE_FLAG_RD | WIRE_RCODE_REFUSED,
	    "x.example.", WIRE_TYPE_MX);
	reply_opt(&r, 18, NULL);
	read_one(&r, "x.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_EREFUSED);
	assert_true(a.edns);
	assert_int_equal(a.ede, 18);
	assert_null(a.ede_text);
	answer_clear(&a);

	reply_start(&r, 1, WIRE_FLAG_AA, "x.example.", WIRE_TYPE_MX);
	read_one(&r, "x.example.", WIRE_TYPE_MX, 1, NULL, &a);
	assert_false(a.edns);
	assert_int_equal(a.ede, -1);
	assert_null(a.ede_text);
	answer_clear(&a);
}

/* ---- decoders --------------------------------------------------------- */

/*
 * A record of a type with names is read by its form: an SOA is two names
 * and exactly 20 bytes.  Guards: an SOA with bytes after its 20 taken
 * (its MINIMUM then read from the wrong place).
 */
static void
test_soa_rdata_of_the_wrong_length(void **state)
{
	struct reply r;
	struct answer a;
	struct answer_soa soa;
	uint16_t len = (uint16_t)(reply_name_len("ns.example.") +
	    reply_name_len("host.example.") + 20);

	(void)state;
	reply_start(&r, 1, WIRE_FLAG_AA, "example.", WIRE_TYPE_SOA);
	reply_soa(&r, R_AN, "example.", 60, 300);
	read_one(&r, "example.", WIRE_TYPE_SOA, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_OK);
	assert_int_equal(a.nrr, 1);
	assert_int_equal(answer_soa(&a.rr[0], &soa), MXQ_OK);
	assert_int_equal(soa.minimum, 300);
	answer_clear(&a);

	/* Four bytes more. */
	reply_start(&r, 1, WIRE_FLAG_AA, "example.", WIRE_TYPE_SOA);
	reply_rr(&r, R_AN, "example.", WIRE_TYPE_SOA, 60,
	    (uint16_t)(len + 4));
	reply_name(&r, "ns.example.");
	reply_name(&r, "host.example.");
	reply_put32(&r, 2026120101);
	reply_put32(&r, 3600);
	reply_put32(&r, 600);
	reply_put32(&r, 86400);
	reply_put32(&r, 300);
	reply_put32(&r, 0);
	read_one(&r, "example.", WIRE_TYPE_SOA, 1, NULL, &a);
	assert_int_equal(a.status, MXQ_EMALFORMED);
	assert_int_equal(a.nrr, 0);
	answer_clear(&a);
}

static void
test_decoders_check_their_type(void **state)
{
	static const uint8_t soa[] = {
		2, 'n', 's', 0, 2, 'h', 'm', 0,
		0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,
	};
	static const uint8_t ptr[] = { 4, 'h', 'o', 's', 't', 0 };
	static const uint8_t tlsa[] = { 3, 1, 1, 0xaa, 0xbb };
	struct answer_rr rr;
	struct answer_soa s;
	struct answer_tlsa t;
	struct wire_name n;
	uint8_t bytes[16];
	uint16_t pref;
	int fam;

	(void)state;
	memset(&rr, 0, sizeof(rr));
	rr.owner = (const uint8_t *)"";
	rr.type = WIRE_TYPE_SOA;
	rr.data = soa;
	rr.len = sizeof(soa);
	assert_int_equal(answer_soa(&rr, &s), MXQ_OK);
	assert_int_equal(s.serial, 7);
	assert_int_equal(s.minimum, 4);
	assert_name(&s.mname, "ns.");
	rr.len--;
	assert_int_equal(answer_soa(&rr, &s), MXQ_EMALFORMED);

	rr.type = WIRE_TYPE_PTR;
	rr.data = ptr;
	rr.len = sizeof(ptr);
	assert_int_equal(answer_name(&rr, &n), MXQ_OK);
	assert_name(&n, "host.");
	assert_int_equal(answer_mx(&rr, &pref, &n), MXQ_EMALFORMED);
	assert_int_equal(answer_addr(&rr, &fam, bytes), MXQ_EMALFORMED);

	rr.type = WIRE_TYPE_TLSA;
	rr.data = tlsa;
	rr.len = sizeof(tlsa);
	assert_int_equal(answer_tlsa(&rr, &t), MXQ_OK);
	assert_int_equal(t.usage, 3);
	assert_int_equal(t.selector, 1);
	assert_int_equal(t.mtype, 1);
	assert_int_equal(t.len, 2);
	rr.len = 3;			/* no association data */
	assert_int_equal(answer_tlsa(&rr, &t), MXQ_EMALFORMED);

	rr.type = WIRE_TYPE_AAAA;
	rr.len = 4;
	assert_int_equal(answer_addr(&rr, &fam, bytes), MXQ_EMALFORMED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mx_answer),
		cmocka_unit_test(test_compressed_exchange_expanded),
		cmocka_unit_test(test_owner_case_ignored_and_strays_skipped),
		cmocka_unit_test(test_address_of_wrong_length),
		cmocka_unit_test(test_mx_rdata_with_junk),
		cmocka_unit_test(test_nxdomain_trusted_only_from_aa_or_recursion),
		cmocka_unit_test(test_nodata),
		cmocka_unit_test(test_referral_is_no_nodata),
		cmocka_unit_test(test_error_rcodes),
		cmocka_unit_test(test_replies_that_do_not_fit),
		cmocka_unit_test(test_chain_within_the_reply),
		cmocka_unit_test(test_chain_across_replies),
		cmocka_unit_test(test_chain_to_nodata_in_the_same_reply),
		cmocka_unit_test(test_first_of_two_aliases_followed),
		cmocka_unit_test(test_nxdomain_at_the_end_of_a_chain),
		cmocka_unit_test(test_chain_loops_and_bound),
		cmocka_unit_test(test_additional_only_in_bailiwick),
		cmocka_unit_test(test_additional_after_an_alias),
		cmocka_unit_test(test_extended_dns_error),
		cmocka_unit_test(test_soa_rdata_of_the_wrong_length),
		cmocka_unit_test(test_decoders_check_their_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
