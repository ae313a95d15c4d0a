/*
 * Unit tests for the lookup engine (src/lookup.c) and the question table
 * (src/questions.c) with a fake transport (fake_resolver.c): hand-over
 * order, the window and who goes first in it, the cache and its TTLs,
 * deadlines that count a domain's own time only, and a check added as a
 * row of the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_resolver.h"
#include "mxq/input.h"
#include "mxq/lookup.h"

/* ---- the test zone ---------------------------------------------------- */

static uint32_t a_ttl;			/* TTL of the A and AAAA records */
static int flaky_left;			/* SERVFAILs left for flaky hosts */
static int txt_taken;			/* answers the TXT row took */

#define MXQ_TEST_STR_(x) #x
#define MXQ_TEST_STR(x) MXQ_TEST_STR_(x)

static int
starts(const char *name, const char *prefix)
{
	return strncasecmp(name, prefix, strlen(prefix)) == 0;
}

/*
 * MX N records for the name (FAKE_RAW): preferences 0 to N-1, each
 * naming the name itself, 16 bytes a record with compression.
 */
static int
many_mx(const struct fake_query *q, unsigned n)
{
	static uint8_t b[12 + WIRE_NAME_MAX + 4 + 2000 * 16];
	size_t len = 0;
	unsigned i;

	assert_true(n <= 2000);
	memset(b, 0, 12);
	b[2] = 0x84;				/* QR, AA */
	b[3] = 0x80;				/* RA */
	b[5] = 1;
	b[6] = (uint8_t)(n >> 8);
	b[7] = (uint8_t)n;
	len = 12;
	memcpy(b + len, q->qname.data, q->qname.len);
	len += q->qname.len;
	b[len++] = 0;
	b[len++] = WIRE_TYPE_MX;
	b[len++] = 0;
	b[len++] = WIRE_CLASS_IN;
	for (i = 0; i < n; i++) {
		static const uint8_t fixed[12] = { 0xc0, 0x0c, 0, WIRE_TYPE_MX,
		    0, WIRE_CLASS_IN, 0, 0, 0x01, 0x2c, 0, 4 };

		memcpy(b + len, fixed, sizeof(fixed));
		len += sizeof(fixed);
		b[len++] = (uint8_t)(i >> 8);
		b[len++] = (uint8_t)i;
		b[len++] = 0xc0;
		b[len++] = 0x0c;
	}
	fake_raw = b;
	fake_raw_len = len;
	return FAKE_RAW;
}

/*
 * d<N>.test: MX 10 mx.d<N>.test.  s<N>.test: MX 10 MX.Shared.test (one
 * exchange for all).  lame.test, lamend.test: NXDOMAIN and NODATA without
 * AA or RA.  dead*: never answers.  slow<K>*: answers from its
 * K-th round on.  ref.test: a referral.  glue.test: the addresses in the
 * additional section.  flaky.test: MX 10 flaky.host.test., whose A and
 * AAAA fail with SERVFAIL flaky_left times.  xd*: MX 10 deadhost.xd*,
 * which never answers.  al.test: MX 10 alias.al.test., whose A and AAAA
 * are only an alias of deadend.al.test. (which never answers).  Every
 * other A/AAAA: an address; TXT of _smtp.*: a record.  many<N>.test: N MX
 * records, all naming many<N>.test. itself (many_mx).
 */
static int
zone(const struct fake_query *q, struct reply *r)
{
	const char *n = q->name;

	if (starts(n, "dead"))
		return 0;
	if (starts(n, "many") && q->type == WIRE_TYPE_MX)
		return many_mx(q, (unsigned)atoi(n + 4));
	if (starts(n, "slow") && q->rounds < (unsigned)(n[4] - '0'))
		return 0;
	if (q->type == WIRE_TYPE_MX) {
		char ex[WIRE_TEXT_MAX + 16];

		if (starts(n, "lame.")) {
			/* NXDOMAIN with neither AA nor RA, and a long TTL. */
			reply_start(r, 1, WIRE_FLAG_RD | WIRE_RCODE_NXDOMAIN,
			    n, q->type);
			reply_soa(r, R_NS, "test.", 3600, 3600);
			return 1;
		}
		if (starts(n, "lamend.")) {
			/* NODATA with neither AA nor RA. */
			reply_start(r, 1, WIRE_FLAG_RD, n, q->type);
			reply_soa(r, R_NS, "test.", 3600, 3600);
			return 1;
		}
		if (starts(n, "ref.")) {
			reply_start(r, 1, WIRE_FLAG_RD, n, q->type);
			reply_namerr(r, R_NS, n, WIRE_TYPE_NS, 60, "ns.x.");
			return 1;
		}
		reply_start(r, 1, WIRE_FLAG_AA | WIRE_FLAG_RD, n, q->type);
		if (starts(n, "s"))
			snprintf(ex, sizeof(ex), "MX.Shared.test.");
		else if (starts(n, "flaky."))
			snprintf(ex, sizeof(ex), "flaky.host.test.");
		else if (starts(n, "xd"))
			snprintf(ex, sizeof(ex), "deadhost.%s", n);
		else if (starts(n, "al."))
			snprintf(ex, sizeof(ex), "alias.%s", n);
		else
			snprintf(ex, sizeof(ex), "mx.%s", n);
		reply_mx(r, n, 300, 10, ex);
		if (starts(n, "glue.")) {
			reply_a(r, R_AR, ex, 300, 192, 31, 196, 55);
			reply_aaaa(r, R_AR, ex, 300, 0x55);
		}
		return 1;
	}
	if (starts(n, "alias.")) {
		char target[WIRE_TEXT_MAX + 16];

		/* The alias alone, as an authoritative server gives it. */
		snprintf(target, sizeof(target), "deadend.%s", n + 6);
		reply_start(r, 1, WIRE_FLAG_AA | WIRE_FLAG_RD, n, q->type);
		reply_namerr(r, R_AN, n, WIRE_TYPE_CNAME, 300, target);
		return 1;
	}
	if (starts(n, "flaky.host") && flaky_left > 0) {
		flaky_left--;
		reply_start(r, 1, WIRE_FLAG_RD | WIRE_RCODE_SERVFAIL, n,
		    q->type);
		return 1;
	}
	reply_start(r, 1, WIRE_FLAG_AA | WIRE_FLAG_RD, n, q->type);
	if (q->type == WIRE_TYPE_A)
		reply_a(r, R_AN, n, a_ttl, 192, 31, 196, 1);
	else if (q->type == WIRE_TYPE_AAAA)
		reply_aaaa(r, R_AN, n, a_ttl, 1);
	else if (q->type == WIRE_TYPE_TXT && starts(n, "_smtp.")) {
		reply_rr(r, R_AN, n, WIRE_TYPE_TXT, 60, 3);
		reply_putn(r, "\002ok", 3);
	} else
		reply_soa(r, R_NS, "test.", 60, 60);
	return 1;
}

/* ---- what the engine hands over ---------------------------------------- */

struct done {
	char name[WIRE_TEXT_MAX];
	enum mx_verdict verdict;
	char message[512];
	size_t naddr;			/* addresses of all exchanges */
	int from_additional;
	double elapsed_ms;
	int stall_ms;			/* the done function takes this long */
	size_t ex_ncname;		/* alias links of the first exchange */
	char ex_cname[WIRE_TEXT_MAX];	/* the last of them */
};

static struct done done[64];
static size_t ndone;
static int stall_first_ms;

static enum mxq_status
collect(void *arg, struct mx_domain *d)
{
	struct done *x = &done[ndone++];
	size_t i, k;

	(void)arg;
	assert_true(ndone <= 64);
	snprintf(x->name, sizeof(x->name), "%s", d->qtext);
	x->verdict = d->verdict;
	snprintf(x->message, sizeof(x->message), "%s",
	    d->message != NULL ? d->message : "");
	x->elapsed_ms = d->elapsed_ms;
	if (d->nex > 0 && d->ex[0].ncname > 0) {
		x->ex_ncname = d->ex[0].ncname;
		snprintf(x->ex_cname, sizeof(x->ex_cname), "%s",
		    d->ex[0].cname[d->ex[0].ncname - 1]);
	}
	for (i = 0; i < d->nex; i++)
		for (k = 0; k < d->ex[i].naddr; k++) {
			x->naddr++;
			if (d->ex[i].addr[k].source == MX_SRC_ADDITIONAL)
				x->from_additional = 1;
		}
	/* A slow reader of the output: the clock moves while we write. */
	if (ndone == 1 && stall_first_ms > 0)
		fake_clock += stall_first_ms;
	return MXQ_OK;
}

static struct resolver *res;

static struct lookup *
engine(int window, double deadline_ms, int unordered,
    const struct lookup_check *const *checks, size_t nchecks)
{
	struct resolver_config rc;
	struct lookup_config lc;
	struct lookup *l;

	fake_reset(zone);
	ndone = 0;
	memset(done, 0, sizeof(done));
	a_ttl = 3600;
	flaky_left = 0;
	txt_taken = 0;
	stall_first_ms = 0;
	memset(&rc, 0, sizeof(rc));
	assert_int_equal(resolver_new(&rc, &res), MXQ_OK);
	memset(&lc, 0, sizeof(lc));
	lc.window = window;
	lc.deadline_ms = deadline_ms;
	lc.unordered = unordered;
	lc.checks = checks;
	lc.nchecks = nchecks;
	assert_int_equal(lookup_new(&lc, res, collect, NULL, &l), MXQ_OK);
	return l;
}

static void
add(struct lookup *l, const char *name)
{
	assert_int_equal(lookup_add(l, input_domain(name, strlen(name), 0)),
	    MXQ_OK);
}

static void
finish(struct lookup *l)
{
	assert_int_equal(lookup_drain(l), MXQ_OK);
	lookup_free(l);
	resolver_free(res);
}

/* Position of the first query for (name, type) in the log, or -1. */
static long
sent_at(const char *name, uint16_t type)
{
	size_t i;

	for (i = 0; i < fake_nlog; i++)
		if (fake_log[i].type == type &&
		    strcasecmp(fake_log[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* ---- tests --------------------------------------------------------------- */

static void
test_input_order_kept(void **state)
{
	struct lookup *l = engine(10, 10000, 0, NULL, 0);

	(void)state;
	add(l, "slow3.test");
	add(l, "d1.test");
	add(l, "slow2.test");
	finish(l);
	assert_int_equal(ndone, 3);
	assert_string_equal(done[0].name, "slow3.test.");
	assert_string_equal(done[1].name, "d1.test.");
	assert_string_equal(done[2].name, "slow2.test.");
	assert_int_equal(done[0].verdict, MX_V_ROUTE);
}

static void
test_unordered_in_completion_order(void **state)
{
	struct lookup *l = engine(10, 10000, 1, NULL, 0);

	(void)state;
	add(l, "slow3.test");
	add(l, "d1.test");
	finish(l);
	assert_int_equal(ndone, 2);
	assert_string_equal(done[0].name, "d1.test.");
	assert_string_equal(done[1].name, "slow3.test.");
}

/* A shared exchange is asked once, whatever the letter case. */
static void
test_shared_exchange_asked_once(void **state)
{
	struct lookup *l = engine(10, 10000, 0, NULL, 0);

	(void)state;
	add(l, "s1.test");
	add(l, "S2.test");
	add(l, "s3.test");
	finish(l);
	assert_int_equal(fake_count("mx.shared.test.", WIRE_TYPE_A), 1);
	assert_int_equal(fake_count("mx.shared.test.", WIRE_TYPE_AAAA), 1);
	assert_int_equal(fake_nlog, 3 + 2);
	assert_int_equal(done[1].naddr, 2);
	assert_int_equal(done[2].naddr, 2);
}

/* The window bounds what is on the wire. */
static void
test_window_bounds_questions_in_flight(void **state)
{
	struct lookup *l = engine(3, 10000, 0, NULL, 0);
	char name[32];
	int i;

	(void)state;
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "d%d.test", i);
		add(l, name);
	}
	finish(l);
	assert_int_equal(ndone, 10);
	assert_int_equal(fake_nlog, 30);
	assert_true(fake_max_pending <= 3);
	assert_int_equal(fake_max_pending, 3);
}

/*
 * A started domain's follow-up questions go before a new domain's
 * first one: with room for one, the exchange of d0 is asked before the
 * MX of d1.
 */
static void
test_followups_before_new_domains(void **state)
{
	struct lookup *l = engine(1, 10000, 0, NULL, 0);

	(void)state;
	add(l, "d0.test");
	add(l, "d1.test");
	add(l, "d2.test");
	finish(l);
	assert_true(sent_at("mx.d0.test.", WIRE_TYPE_A) <
	    sent_at("d1.test.", WIRE_TYPE_MX));
	assert_true(sent_at("mx.d0.test.", WIRE_TYPE_AAAA) <
	    sent_at("d1.test.", WIRE_TYPE_MX));
	assert_true(sent_at("mx.d1.test.", WIRE_TYPE_AAAA) <
	    sent_at("d2.test.", WIRE_TYPE_MX));
	assert_int_equal(done[2].verdict, MX_V_ROUTE);
}

/*
 * Time spent waiting for room in the window is not a domain's own: a
 * healthy domain queued behind a dead one, with a deadline shorter than
 * the dead one's timeout, still comes out right.
 */
static void
test_queued_time_not_counted(void **state)
{
	struct lookup *l = engine(1, FAKE_TIMEOUT_MS / 2, 0, NULL, 0);

	(void)state;
	add(l, "dead1.test");
	add(l, "d1.test");
	finish(l);
	assert_int_equal(ndone, 2);
	assert_int_equal(done[0].verdict, MX_V_UNKNOWN);
	assert_string_equal(done[0].message, "total time per domain exceeded");
	assert_int_equal(done[1].verdict, MX_V_ROUTE);
	assert_true(done[0].elapsed_ms >= FAKE_TIMEOUT_MS / 2);
	assert_true(done[1].elapsed_ms < FAKE_TIMEOUT_MS / 2);
}

/*
 * Questions whose domains all ran out of time are not sent: the exchange
 * of xd.test never answers; with room for one question its AAAA waits
 * behind the A, and the domain runs out of time first.
 */
static void
test_questions_of_expired_domains_not_sent(void **state)
{
	struct lookup *l = engine(1, FAKE_TIMEOUT_MS / 2, 0, NULL, 0);

	(void)state;
	add(l, "xd.test");
	add(l, "d1.test");		/* keeps the engine going meanwhile */
	finish(l);
	assert_int_equal(ndone, 2);
	assert_int_equal(done[1].verdict, MX_V_ROUTE);
	assert_int_equal(done[0].verdict, MX_V_UNKNOWN);
	assert_string_equal(done[0].message, "total time per domain exceeded");
	assert_int_equal(fake_count("deadhost.xd.test.", WIRE_TYPE_A), 1);
	assert_int_equal(fake_count("deadhost.xd.test.", WIRE_TYPE_AAAA), 0);
}

/* Writing that waits on a slow reader is not counted against anyone. */
static void
test_output_stall_not_counted(void **state)
{
	struct lookup *l = engine(10, 1500, 0, NULL, 0);

	(void)state;
	stall_first_ms = 5000;
	add(l, "d1.test");
	add(l, "slow3.test");
	finish(l);
	assert_int_equal(done[1].verdict, MX_V_ROUTE);
	assert_true(done[1].elapsed_ms < 1500);
}

/*
 * A domain's own time is what its questions spent on the wire: the MX of
 * xd.test is answered at once, the A and AAAA of its exchange time out
 * together after FAKE_TIMEOUT_MS.  Guards: the time of a question that
 * came back never added to the domain's clock (elapsed 0, and a deadline
 * that starts over with every question).
 */
static void
test_elapsed_is_time_on_the_wire(void **state)
{
	struct lookup *l = engine(10, 10000, 0, NULL, 0);

	(void)state;
	add(l, "xd.test");
	finish(l);
	assert_int_equal(ndone, 1);
	assert_int_equal(done[0].verdict, MX_V_UNKNOWN);
	assert_true(done[0].elapsed_ms == FAKE_TIMEOUT_MS);
}

/*
 * An exchange that is an alias of a name that never answers: the alias
 * followed so far is part of the answer (what timed out is the target).
 * Guards: a failure after an alias was followed dropping the chain.
 */
static void
test_alias_kept_when_its_target_times_out(void **state)
{
	struct lookup *l = engine(10, 10000, 0, NULL, 0);

	(void)state;
	add(l, "al.test");
	finish(l);
	assert_int_equal(ndone, 1);
	assert_int_equal(done[0].verdict, MX_V_UNKNOWN);
	assert_int_equal(fake_count("deadend.al.test.", WIRE_TYPE_A), 1);
	assert_int_equal(done[0].ex_ncname, 1);
	assert_string_equal(done[0].ex_cname, "deadend.al.test.");
}

/*
 * MX_MAX_EXCHANGES records are taken, one more is "more than ..." (the
 * bound of mxq(1) LIMITS).  Guards: the bound off by one.
 */
static void
test_mx_records_bounded(void **state)
{
	struct lookup *l = engine(10, 10000, 0, NULL, 0);
	char name[32];

	(void)state;
	snprintf(name, sizeof(name), "many%d.test", MX_MAX_EXCHANGES);
	add(l, name);
	snprintf(name, sizeof(name), "many%d.test", MX_MAX_EXCHANGES + 1);
	add(l, name);
	finish(l);
	assert_int_equal(ndone, 2);
	assert_int_equal(done[0].verdict, MX_V_ROUTE);
	assert_int_equal(done[0].naddr, 2 * MX_MAX_EXCHANGES);
	assert_int_equal(done[1].verdict, MX_V_UNKNOWN);
	assert_string_equal(done[1].message, "more than "
	    MXQ_TEST_STR(MX_MAX_EXCHANGES) " MX records");
}

/* The cache keeps an answer for its TTL, and no longer. */
static void
test_cache_respects_ttl(void **state)
{
	struct lookup *l = engine(10, 10000, 0, NULL, 0);

	(void)state;
	a_ttl = 2;
	add(l, "s1.test");
	lookup_drain(l);
	add(l, "s2.test");
	lookup_drain(l);
	assert_int_equal(fake_count("mx.shared.test.", WIRE_TYPE_A), 1);
	fake_clock += 2500;
	add(l, "s3.test");
	finish(l);
	assert_int_equal(fake_count("mx.shared.test.", WIRE_TYPE_A), 2);
	assert_int_equal(done[2].naddr, 2);
}

/*
 * A TTL is seconds: an answer of TTL 2 is still good 1.999 s later and
 * gone at 2 s.  Guards: the TTL taken as milliseconds (the cache useless
 * after 2 ms), and an answer used at the very moment it expires.
 */
static void
test_cache_ttl_in_seconds_to_the_millisecond(void **state)
{
	struct lookup *l = engine(10, 10000, 0, NULL, 0);

	(void)state;
	a_ttl = 2;
	add(l, "s1.test");
	lookup_drain(l);
	fake_clock += 1999;
	add(l, "s2.test");
	lookup_drain(l);
	assert_int_equal(fake_count("mx.shared.test.", WIRE_TYPE_A), 1);
	assert_int_equal(fake_count("mx.shared.test.", WIRE_TYPE_AAAA), 1);
	fake_clock += 1;
	add(l, "s3.test");
	finish(l);
	assert_int_equal(fake_count("mx.shared.test.", WIRE_TYPE_A), 2);
	assert_int_equal(done[1].naddr, 2);
	assert_int_equal(done[2].naddr, 2);
}

/* A temporary failure is for the domains of now only. */
static void
test_failure_not_cached(void **state)
{
	struct lookup *l = engine(10, 10000, 0, NULL, 0);

	(void)state;
	flaky_left = 2;
	add(l, "flaky.test");
	lookup_drain(l);
	assert_int_equal(done[0].verdict, MX_V_UNKNOWN);
	add(l, "flaky.test");
	finish(l);
	assert_int_equal(done[1].verdict, MX_V_ROUTE);
	assert_int_equal(fake_count("flaky.host.test.", WIRE_TYPE_A), 2);
}

/* Nor is a negative answer that is not to be believed. */
static void
test_lame_answer_not_cached(void **state)
{
	struct lookup *l = engine(10, 10000, 0, NULL, 0);

	(void)state;
	add(l, "lame.test");
	lookup_drain(l);
	add(l, "lame.test");
	finish(l);
	assert_int_equal(done[0].verdict, MX_V_UNKNOWN);
	assert_int_equal(done[1].verdict, MX_V_UNKNOWN);
	assert_int_equal(fake_count("lame.test.", WIRE_TYPE_MX), 2);
}

/*
 * A lame answer says which negative answer it was.  Guards: NXDOMAIN and
 * NODATA swapped in its words.
 */
static void
test_lame_answer_names_its_rcode(void **state)
{
	struct lookup *l = engine(10, 10000, 0, NULL, 0);

	(void)state;
	add(l, "lame.test");
	add(l, "lamend.test");
	finish(l);
	assert_int_equal(ndone, 2);
	assert_int_equal(done[0].verdict, MX_V_UNKNOWN);
	assert_non_null(strstr(done[0].message, "negative answer (NXDOMAIN) "
	    "from "));
	assert_non_null(strstr(done[0].message, " neither authoritative nor "
	    "recursive"));
	assert_int_equal(done[1].verdict, MX_V_UNKNOWN);
	assert_non_null(strstr(done[1].message, "negative answer (NODATA) "
	    "from "));
}

/* A referral is unknown, and never cached as a negative answer. */
static void
test_referral_unknown_and_not_cached(void **state)
{
	struct lookup *l = engine(10, 10000, 0, NULL, 0);

	(void)state;
	add(l, "ref.test");
	lookup_drain(l);
	add(l, "ref.test");
	finish(l);
	assert_int_equal(done[0].verdict, MX_V_UNKNOWN);
	assert_non_null(strstr(done[0].message, "referral to ref.test."));
	assert_int_equal(fake_count("ref.test.", WIRE_TYPE_MX), 2);
	/* No implicit MX from a referral: nobody asked for the address. */
	assert_int_equal(fake_count("ref.test.", WIRE_TYPE_A), 0);
}

static void
test_glue_in_bailiwick_saves_questions(void **state)
{
	struct lookup *l = engine(10, 10000, 0, NULL, 0);

	(void)state;
	add(l, "glue.test");
	finish(l);
	assert_int_equal(fake_nlog, 1);
	assert_int_equal(done[0].naddr, 2);
	assert_true(done[0].from_additional);
}

/* ---- the question table on its own --------------------------------------- */

static void
count_answer(void *arg, size_t index, int tag,
    const struct question_result *r)
{
	(void)index;
	(void)tag;
	(void)r;
	(*(int *)arg)++;
}

static void
no_owner_event(void *arg, struct owner *o)
{
	(void)arg;
	(void)o;
}

/* A question table of its own on the fake transport. */
static struct questions *
table(int window, size_t cache_max, size_t queue_max)
{
	struct questions_config qc;
	struct resolver_config rc;
	struct questions *qs;

	fake_reset(zone);
	memset(&qc, 0, sizeof(qc));
	qc.window = window;
	qc.cache_max = cache_max;
	qc.queue_max = queue_max;
	qc.settled = no_owner_event;
	qc.expired = no_owner_event;
	memset(&rc, 0, sizeof(rc));
	assert_int_equal(resolver_new(&rc, &res), MXQ_OK);
	assert_int_equal(questions_new(&qc, res, &qs), MXQ_OK);
	return qs;
}

static enum mxq_status
ask_table(struct questions *qs, struct owner *o, const char *name,
    unsigned flags, int server, int *answered)
{
	struct question_key k;
	const char *why;

	memset(&k, 0, sizeof(k));
	assert_int_equal(wire_name_from_text(name, &k.name, &why), MXQ_OK);
	k.type = WIRE_TYPE_MX;
	k.flags = flags;
	k.server = server;
	return questions_ask(qs, o, &k, QUESTIONS_KEEP, count_answer,
	    answered, 0, 0);
}

static void
table_drain(struct questions *qs)
{
	while (questions_inflight(qs) > 0 || questions_queued(qs) > 0)
		assert_int_equal(questions_step(qs, -1, NULL), MXQ_OK);
}

static void
table_free(struct questions *qs)
{
	questions_free(qs);
	resolver_free(res);
}

/*
 * A question is its name (any letter case), type, header bits and
 * server: the same name and type asked with CD, or of one server, is
 * another question.  Guards: the header bits left out of a question's
 * identity (its hash and its comparison both), so that a question asked
 * with CD got the answer to the one asked without.
 */
static void
test_question_identity_includes_flags_and_server(void **state)
{
	struct questions *qs = table(10, 16, 16);
	struct owner o;
	int answered = 0;

	(void)state;
	owner_init(&o, 10000, NULL);
	assert_int_equal(ask_table(qs, &o, "d1.test", WIRE_QUERY_RD, -1,
	    &answered), MXQ_OK);
	assert_int_equal(ask_table(qs, &o, "d1.test",
	    WIRE_QUERY_RD | WIRE_QUERY_CD, -1, &answered), MXQ_OK);
	assert_int_equal(ask_table(qs, &o, "d1.test", WIRE_QUERY_RD, 0,
	    &answered), MXQ_OK);
	/* The first one again, in other letters: it joins. */
	assert_int_equal(ask_table(qs, &o, "D1.Test", WIRE_QUERY_RD, -1,
	    &answered), MXQ_OK);
	assert_int_equal(fake_nlog, 3);
	assert_int_equal(fake_log[0].flags, WIRE_QUERY_RD);
	assert_int_equal(fake_log[1].flags, WIRE_QUERY_RD | WIRE_QUERY_CD);
	assert_int_equal(fake_log[2].server, 0);
	table_drain(qs);
	assert_int_equal(answered, 4);
	table_free(qs);
}

/*
 * The cache keeps cache_max answers, the least recently used one going
 * first.  Guards: a cache that holds one answer fewer than its bound.
 */
static void
test_cache_holds_cache_max_answers(void **state)
{
	struct questions *qs = table(10, 2, 16);
	struct owner o;
	int answered = 0;

	(void)state;
	owner_init(&o, 10000, NULL);
	assert_int_equal(ask_table(qs, &o, "a.test", WIRE_QUERY_RD, -1,
	    &answered), MXQ_OK);
	assert_int_equal(ask_table(qs, &o, "b.test", WIRE_QUERY_RD, -1,
	    &answered), MXQ_OK);
	table_drain(qs);
	assert_int_equal(fake_nlog, 2);
	/* Both kept: a comes from the cache, and is the most recent now. */
	assert_int_equal(ask_table(qs, &o, "a.test", WIRE_QUERY_RD, -1,
	    &answered), MXQ_OK);
	assert_int_equal(answered, 3);
	assert_int_equal(fake_nlog, 2);
	/* A third answer pushes out the least recently used: b. */
	assert_int_equal(ask_table(qs, &o, "c.test", WIRE_QUERY_RD, -1,
	    &answered), MXQ_OK);
	table_drain(qs);
	assert_int_equal(fake_nlog, 3);
	assert_int_equal(ask_table(qs, &o, "a.test", WIRE_QUERY_RD, -1,
	    &answered), MXQ_OK);
	assert_int_equal(fake_nlog, 3);
	assert_int_equal(ask_table(qs, &o, "b.test", WIRE_QUERY_RD, -1,
	    &answered), MXQ_OK);
	table_drain(qs);
	assert_int_equal(fake_nlog, 4);
	assert_int_equal(answered, 6);
	table_free(qs);
}

/*
 * At most queue_max questions wait for the window; one asked then is
 * refused (MXQ_ELIMIT), and one that joins a waiting question is no new
 * one.  Guards: a queue that takes one question more than its bound.
 */
static void
test_queue_holds_queue_max_questions(void **state)
{
	struct questions *qs = table(1, 16, 2);
	struct owner o;
	int answered = 0;

	(void)state;
	owner_init(&o, 10000, NULL);
	/* a goes on the wire; b and c wait. */
	assert_int_equal(ask_table(qs, &o, "a.test", WIRE_QUERY_RD, -1,
	    &answered), MXQ_OK);
	assert_int_equal(ask_table(qs, &o, "b.test", WIRE_QUERY_RD, -1,
	    &answered), MXQ_OK);
	assert_int_equal(ask_table(qs, &o, "c.test", WIRE_QUERY_RD, -1,
	    &answered), MXQ_OK);
	assert_int_equal(questions_queued(qs), 2);
	assert_int_equal(ask_table(qs, &o, "d.test", WIRE_QUERY_RD, -1,
	    &answered), MXQ_ELIMIT);
	assert_int_equal(ask_table(qs, &o, "c.test", WIRE_QUERY_RD, -1,
	    &answered), MXQ_OK);
	table_drain(qs);
	assert_int_equal(fake_nlog, 3);
	assert_int_equal(answered, 4);
	table_free(qs);
}

/* ---- a check added as a row: TXT of every exchange ---------------------- */

static void
take_txt(const struct lookup_check *c, const struct lookup_config *cfg,
    struct mx_domain *d, struct mx_exchange *e,
    const struct question_result *res_, const char *server)
{
	(void)c;
	(void)cfg;
	(void)d;
	(void)e;
	(void)server;
	if (res_->answer->status == MXQ_OK && res_->answer->nrr == 1 &&
	    res_->answer->rr[0].type == WIRE_TYPE_TXT)
		txt_taken++;
}

static void
test_a_check_is_a_row(void **state)
{
	/* The default rows, and one more: a row and its take function. */
	static const struct lookup_check txt_row = {
		"TXT", WIRE_TYPE_TXT, "_smtp", 0, 0, NULL, take_txt, NULL
	};
	const struct lookup_check *rows[3];
	struct lookup *l;

	(void)state;
	rows[0] = lookup_default_checks[0];
	rows[1] = lookup_default_checks[1];
	rows[2] = &txt_row;
	l = engine(10, 10000, 0, rows, 3);
	add(l, "d1.test");
	add(l, "s1.test");
	add(l, "s2.test");
	finish(l);
	assert_int_equal(fake_count("_smtp.mx.d1.test.", WIRE_TYPE_TXT), 1);
	assert_int_equal(fake_count("_smtp.mx.shared.test.", WIRE_TYPE_TXT),
	    1);
	/* Every exchange of every domain got its answer, cached or not. */
	assert_int_equal(txt_taken, 3);
	assert_int_equal(done[0].verdict, MX_V_ROUTE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_input_order_kept),
		cmocka_unit_test(test_unordered_in_completion_order),
		cmocka_unit_test(test_shared_exchange_asked_once),
		cmocka_unit_test(test_window_bounds_questions_in_flight),
		cmocka_unit_test(test_followups_before_new_domains),
		cmocka_unit_test(test_queued_time_not_counted),
		cmocka_unit_test(test_questions_of_expired_domains_not_sent),
		cmocka_unit_test(test_output_stall_not_counted),
		cmocka_unit_test(test_elapsed_is_time_on_the_wire),
		cmocka_unit_test(test_alias_kept_when_its_target_times_out),
		cmocka_unit_test(test_mx_records_bounded),
		cmocka_unit_test(test_cache_respects_ttl),
		cmocka_unit_test(test_cache_ttl_in_seconds_to_the_millisecond),
		cmocka_unit_test(test_failure_not_cached),
		cmocka_unit_test(test_lame_answer_not_cached),
		cmocka_unit_test(test_lame_answer_names_its_rcode),
		cmocka_unit_test(test_referral_unknown_and_not_cached),
		cmocka_unit_test(test_glue_in_bailiwick_saves_questions),
		cmocka_unit_test(test_question_identity_includes_flags_and_server),
		cmocka_unit_test(test_cache_holds_cache_max_answers),
		cmocka_unit_test(test_queue_holds_queue_max_questions),
		cmocka_unit_test(test_a_check_is_a_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
