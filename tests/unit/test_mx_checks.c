/*
 * Unit tests for what the checks add to the model (src/mx.c) and how the
 * findings read (src/fmt.c): addresses the internet cannot reach and
 * --private, the zone-file slips, the probes' results (--smtp) and the
 * findings --strict counts; what a DANE sender makes of TLSA records
 * (src/check_tlsa.c) and the comparison of authoritative servers (--ns).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mxq/check.h"
#include "mxq/fmt.h"
#include "mxq/mx.h"
#include "mxq/special.h"
#include "mxq/status.h"
#include "mxq/wire.h"

static struct wire_name
name(const char *text)
{
	struct wire_name n;
	const char *why = NULL;

	if (wire_name_from_text(text, &n, &why) != MXQ_OK)
		fail_msg("bad name \"%s\": %s", text, why);
	return n;
}

static struct mx_domain *
domain(const char *qname)
{
	struct mx_domain *d = mx_domain_new(qname, strlen(qname), 0);

	assert_non_null(d);
	d->qname = name(qname);
	assert_int_equal(mx_set_string(&d->qtext, qname), MXQ_OK);
	d->status = MXQ_OK;
	d->rcode = 0;
	d->resolved = 1;
	return d;
}

static size_t
add(struct mx_domain *d, uint16_t pref, const char *exchange)
{
	struct wire_name n = name(exchange);

	assert_non_null(mx_domain_add_exchange(d, pref, 3600, &n));
	return d->nex - 1;
}

/* An address as the engine takes it: with its special-purpose range. */
static void
addr(struct mx_domain *d, size_t i, const char *text)
{
	struct mx_exchange *e = &d->ex[i];
	uint8_t b[16];
	int fam = strchr(text, ':') != NULL ? 6 : 4;

	assert_int_equal(inet_pton(fam == 4 ? AF_INET : AF_INET6, text, b), 1);
	assert_int_equal(mx_exchange_add_addr(e, fam, b, 300, MX_SRC_ANSWER),
	    MXQ_OK);
	e->addr[e->naddr - 1].special = special_address(fam, b);
	if (fam == 4)
		e->fam4.asked = 1;
	else
		e->fam6.asked = 1;
}

static void
count(void *arg, const char *line)
{
	(void)line;
	++*(int *)arg;
}

struct collect {
	char buf[4096];
	int n;
};

static void
collect(void *arg, const char *line)
{
	struct collect *c = arg;

	c->n++;
	strncat(c->buf, line, sizeof(c->buf) - strlen(c->buf) - 2);
	strcat(c->buf, "\n");
}

static struct collect
all_findings(const struct mx_domain *d)
{
	struct collect c;
	int n = 0;

	memset(&c, 0, sizeof(c));
	fmt_findings(d, collect, &c);
	fmt_findings(d, count, &n);
	assert_int_equal(n, c.n);
	assert_int_equal(fmt_nfindings(d), (size_t)n);
	return c;
}

/* ---- addresses the internet cannot reach ---- */

static void
test_only_private_addresses_no_public_route(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t a = add(d, 10, "mx1.example.com."), b;
	struct collect c;

	(void)state;
	b = add(d, 20, "mx2.example.com.");
	addr(d, a, "10.1.2.3");
	addr(d, b, "192.168.0.1");
	addr(d, b, "fd00::1");
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_NOPUBLIC);
	assert_int_equal(mx_domain_outcome(d), MXQ_EUNROUTABLE);
	assert_int_equal(status_exit_code(mx_domain_outcome(d)),
	    MXQ_EXIT_NOROUTE);
	assert_non_null(strstr(d->message, "no mail route from the internet"));
	assert_true(d->ex[0].warn & MX_W_NOPUBLIC);
	assert_true(d->ex[1].warn & MX_W_NOPUBLIC);
	/* One finding per exchange, not one per address. */
	c = all_findings(d);
	assert_int_equal(c.n, 2);
	assert_non_null(strstr(c.buf, "mx1.example.com.: no address the "
	    "internet can reach"));
	mx_domain_free(d);
}

static void
test_one_public_address_is_a_route(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t a = add(d, 10, "mx1.example.com."), b;
	struct collect c;

	(void)state;
	b = add(d, 20, "mx2.example.com.");
	addr(d, a, "10.1.2.3");
	addr(d, b, "192.0.2.1");	/* documentation: special too */
	addr(d, b, "192.31.196.1");	/* AS112: reachable */
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_ROUTE);
	assert_true(d->ex[0].warn & MX_W_NOPUBLIC);
	assert_false(d->ex[1].warn & MX_W_NOPUBLIC);
	c = all_findings(d);
	/* mx1 as a whole, mx2's documentation address on its own. */
	assert_int_equal(c.n, 2);
	assert_non_null(strstr(c.buf, "mx2.example.com. 192.0.2.1: "
	    "documentation address, not reachable from the internet"));
	mx_domain_free(d);
}

static void
test_private_counts_as_a_route_with_private(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t a = add(d, 10, "mx1.example.com.");

	(void)state;
	d->private_ok = 1;
	addr(d, a, "127.0.0.1");
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_ROUTE);
	assert_false(d->ex[0].warn & MX_W_NOPUBLIC);
	assert_int_equal(fmt_nfindings(d), 0);
	/* The range is still said, for JSON. */
	assert_string_equal(d->ex[0].addr[0].special, "loopback");
	mx_domain_free(d);
}

static void
test_special_and_a_timeout_is_unknown(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t a = add(d, 10, "mx1.example.com."), b;

	(void)state;
	b = add(d, 20, "mx2.example.com.");
	addr(d, a, "10.0.0.1");
	d->ex[b].fam4.asked = 1;
	d->ex[b].fam4.status = MXQ_ETIMEOUT;
	mx_domain_finish(d);
	/* mx2 may well have a public address: not a definitive answer. */
	assert_int_equal(d->verdict, MX_V_UNKNOWN);
	mx_domain_free(d);
}

static void
test_implicit_mx_private(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t a = add(d, 0, "example.com.");

	(void)state;
	d->implicit = 1;
	d->status = MXQ_ENODATA;
	addr(d, a, "172.16.5.4");
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_NOPUBLIC);
	mx_domain_free(d);
}

/* ---- zone-file slips ---- */

static void
test_zone_slips(void **state)
{
	static const struct {
		const char *domain, *exchange;
		unsigned warn;
	} cases[] = {
		{ "example.com.", "mail.example.com.example.com.",
		    MX_W_ZONETWICE },
		{ "example.com.", "mail.example.com.example.com.x.", 0 },
		{ "sub.example.com.", "mx.example.com.example.com.",
		    MX_W_ZONETWICE },
		{ "example.com.", "example.com.example.com.", MX_W_ZONETWICE },
		/* One-label zones never: "com.com." is a real name. */
		{ "example.com.", "mx.com.com.", 0 },
		{ "example.com.", "192.0.2.1.example.com.", MX_W_ADDRZONE },
		{ "example.com.", "192.0.2.256.example.com.", 0 },
		{ "example.com.", "192.0.2.example.com.", 0 },
		{ "example.com.", "10.192.0.2.1.example.com.", 0 },
		{ "example.com.", "1.2.3.4.com.", 0 },
		{ "example.com.", "mx.example.com.", 0 },
		{ "example.com.", "example.example.com.", 0 },
		{ "a.example.com.", "1.2.3.4.example.com.", MX_W_ADDRZONE },
		{ "EXAMPLE.com.", "mx.example.COM.Example.com.",
		    MX_W_ZONETWICE },
		/* Octets up to 255, without a leading zero (as inet_pton). */
		{ "example.com.", "192.0.2.255.example.com.", MX_W_ADDRZONE },
		{ "example.com.", "192.0.2.01.example.com.", 0 },
		/* The address and the zone make up the whole name. */
		{ "example.com.", "1.2.3.4.example.com.mx.example.com.", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mx_domain *d = domain(cases[i].domain);
		unsigned got;

		add(d, 10, cases[i].exchange);
		got = d->ex[0].warn & (MX_W_ZONETWICE | MX_W_ADDRZONE);
		if (got != cases[i].warn)
			print_error("%s under %s: %#x, expected %#x\n",
			    cases[i].exchange, cases[i].domain, got,
			    cases[i].warn);
		assert_int_equal(got, cases[i].warn);
		mx_domain_free(d);
	}
}

/* ---- the probes (--smtp) ---- */

static struct smtp_result *
probed(struct mx_domain *d, size_t ex, size_t k, enum mxq_status st,
    enum smtp_step at)
{
	struct smtp_result *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->status = st;
	r->failed_at = at;
	r->dane = -1;
	if (st != MXQ_OK)
		r->message = strdup("timed out");
	d->ex[ex].addr[k].smtp = r;
	return r;
}

static void
test_every_connection_timed_out_is_the_network(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t a = add(d, 10, "mx1.example.com."), b;
	struct collect c;

	(void)state;
	b = add(d, 20, "mx2.example.com.");
	addr(d, a, "192.31.196.1");
	addr(d, b, "192.31.196.2");
	addr(d, b, "2001:4:112::2");
	mx_domain_finish(d);
	probed(d, 0, 0, MXQ_ETIMEOUT, SMTP_STEP_CONNECT);
	probed(d, 1, 0, MXQ_ETIMEOUT, SMTP_STEP_CONNECT);
	probed(d, 1, 1, MXQ_ETIMEOUT, SMTP_STEP_CONNECT);
	mx_domain_probed(d);
	assert_true(d->smtp_blocked);
	/* One finding for the network, not three for the exchanges. */
	c = all_findings(d);
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.buf, "port 25 may be blocked"));
	mx_domain_free(d);
}

static void
test_one_answer_means_not_blocked(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t a = add(d, 10, "mx1.example.com.");
	struct smtp_result *r;

	(void)state;
	addr(d, a, "192.31.196.1");
	addr(d, a, "192.31.196.2");
	mx_domain_finish(d);
	probed(d, 0, 0, MXQ_ETIMEOUT, SMTP_STEP_CONNECT);
	/* The greeting timed out: the connection was made. */
	probed(d, 0, 1, MXQ_ETIMEOUT, SMTP_STEP_GREETING);
	mx_domain_probed(d);
	assert_false(d->smtp_blocked);
	assert_int_equal(fmt_nfindings(d), 2);
	/* A refused connection is an answer too. */
	r = d->ex[0].addr[1].smtp;
	r->failed_at = SMTP_STEP_CONNECT;
	r->status = MXQ_EUNREACH;
	mx_domain_probed(d);
	assert_false(d->smtp_blocked);
	mx_domain_free(d);
}

static void
test_no_probe_is_not_blocked(void **state)
{
	struct mx_domain *d = domain("example.com.");

	(void)state;
	add(d, 10, "mx1.example.com.");
	mx_domain_finish(d);
	mx_domain_probed(d);
	assert_false(d->smtp_blocked);
	mx_domain_free(d);
}

static void
test_sts_matching(void **state)
{
	static char *mx[] = { "mx1.example.com", "*.example.net" };
	struct mx_domain *d = domain("example.com.");
	struct collect c;

	(void)state;
	add(d, 10, "mx1.example.com.");
	add(d, 20, "a.example.net.");
	add(d, 30, "mx2.example.com.");
	mx_domain_finish(d);
	d->sts = calloc(1, sizeof(*d->sts));
	assert_non_null(d->sts);
	d->sts->txt_status = MXQ_OK;
	d->sts->policy_status = MXQ_OK;
	d->sts->tlsrpt_status = MXQ_ENODATA;
	d->sts->policy.mode = STS_MODE_ENFORCE;
	d->sts->policy.mx = mx;
	d->sts->policy.nmx = 2;
	mx_domain_probed(d);
	assert_int_equal(d->ex[0].sts_match, 1);
	assert_int_equal(d->ex[1].sts_match, 1);
	assert_int_equal(d->ex[2].sts_match, 0);
	c = all_findings(d);
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.buf, "mx2.example.com.: matches no mx "
	    "pattern of the MTA-STS policy (mode enforce)"));
	/* Mode none: nothing is matched, nothing found. */
	d->sts->policy.mode = STS_MODE_NONE;
	d->ex[2].sts_match = -1;
	mx_domain_probed(d);
	assert_int_equal(d->ex[2].sts_match, -1);
	assert_int_equal(fmt_nfindings(d), 0);
	d->sts->policy.mx = NULL;
	d->sts->policy.nmx = 0;
	mx_domain_free(d);
}

static void
test_domain_itself_is_no_slip(void **state)
{
	struct mx_domain *d = domain("example.com.example.com.");

	(void)state;
	/*
	 * A domain whose own name repeats its zone (the implicit MX, or an
	 * MX record naming the domain): the user asked for that name, so as
	 * an exchange it is no slip of a zone file.
	 */
	add(d, 0, "example.com.example.com.");
	assert_int_equal(d->ex[0].warn & (MX_W_ZONETWICE | MX_W_ADDRZONE), 0);
	mx_domain_free(d);
}

/* ---- DANE (--dane): what a sender makes of the TLSA records ---- */

static const uint8_t sha256[32] = { 0xfe, 0x29, 0xf4, 0xcc, 0x80, 0xa4 };

/* TLSA rdata: usage, selector, matching type, then len bytes of data. */
static size_t
tlsa_rdata(uint8_t *out, unsigned usage, unsigned selector, unsigned mtype,
    size_t len)
{
	size_t i;

	out[0] = (uint8_t)usage;
	out[1] = (uint8_t)selector;
	out[2] = (uint8_t)mtype;
	for (i = 0; i < len; i++)
		out[3 + i] = sha256[i % sizeof(sha256)];
	return 3 + len;
}

/*
 * The TLSA answer of exchange i as the lookup hands it to the TLSA row:
 * NOERROR from a validating resolver, AD set when ad.
 */
static void
take_tlsa(struct mx_domain *d, size_t i, uint8_t (*rdata)[80],
    const size_t *len, size_t n, int ad)
{
	struct lookup_config cfg;
	struct answer a;
	struct answer_rr rr[4];
	struct question_result res;
	size_t k;

	assert_true(n <= 4);
	memset(&cfg, 0, sizeof(cfg));
	cfg.dnssec = 1;
	cfg.dane = 1;
	memset(&a, 0, sizeof(a));
	a.status = MXQ_OK;
	a.rcode = 0;
	a.ede = -1;
	a.flags = WIRE_FLAG_QR | WIRE_FLAG_RD | WIRE_FLAG_RA |
	    (ad ? WIRE_FLAG_AD : 0);
	memset(rr, 0, sizeof(rr));
	for (k = 0; k < n; k++) {
		rr[k].type = WIRE_TYPE_TLSA;
		rr[k].ttl = 300;
		rr[k].data = rdata[k];
		rr[k].len = (uint16_t)len[k];
	}
	a.rr = rr;
	a.nrr = n;
	memset(&res, 0, sizeof(res));
	res.answer = &a;
	res.server = -1;
	check_tlsa_row.asked(&check_tlsa_row, &d->ex[i]);
	check_tlsa_row.take(&check_tlsa_row, &cfg, d, &d->ex[i], &res,
	    "127.0.0.1#53");
}

/*
 * mx.example.com with one IPv4 and one IPv6 address, its MX set and
 * address record sets secure (AD), as --dane sees them.
 */
static struct mx_domain *
secure_domain(int with_ipv6)
{
	struct mx_domain *d = domain("example.com.");
	size_t i = add(d, 10, "mx.example.com.");

	d->secure = MX_SEC_SECURE;
	addr(d, i, "192.31.196.1");
	d->ex[i].fam4.secure = MX_SEC_SECURE;
	if (with_ipv6) {
		addr(d, i, "2001:4:112::1");
		d->ex[i].fam6.secure = MX_SEC_SECURE;
	}
	return d;
}

/* One usable DANE-EE record (3 1 1), taken with AD as ad says. */
static void
take_good_tlsa(struct mx_domain *d, int ad)
{
	uint8_t rdata[1][80];
	size_t len = tlsa_rdata(rdata[0], 3, 1, 1, 32);

	take_tlsa(d, 0, rdata, &len, 1, ad);
}

static void
test_dane_needs_every_part_secure(void **state)
{
	struct mx_domain *d;
	int part;

	(void)state;
	/*
	 * RFC 7672 2.2: the TLSA records count only when they, the MX set
	 * and the exchange's addresses are all secure.  Part 0: all are;
	 * then one at a time is not.
	 */
	for (part = 0; part < 4; part++) {
		d = secure_domain(1);
		take_good_tlsa(d, part != 1);
		if (part == 2)
			d->secure = MX_SEC_INSECURE;
		if (part == 3)
			d->ex[0].fam6.secure = MX_SEC_INSECURE;
		mx_domain_finish(d);
		if (part == 0)
			assert_int_equal(d->ex[0].dane.state,
			    MX_DANE_PROTECTED);
		else
			assert_int_equal(d->ex[0].dane.state,
			    MX_DANE_INSECURE);
		mx_domain_free(d);
	}
}

static void
test_dane_family_not_asked_does_not_count(void **state)
{
	struct mx_domain *d = secure_domain(0);

	(void)state;
	/* -4: no AAAA question, so nothing about AAAA can be insecure. */
	take_good_tlsa(d, 1);
	assert_false(d->ex[0].fam6.asked);
	mx_domain_finish(d);
	assert_int_equal(d->ex[0].dane.state, MX_DANE_PROTECTED);
	mx_domain_free(d);
}

static void
test_tlsa_records_senders_cannot_use(void **state)
{
	static const struct {
		unsigned usage, selector, mtype;
		size_t len;
		const char *problem;	/* words of it, or NULL: usable */
	} cases[] = {
		{ 3, 1, 1, 32, NULL },
		{ 3, 0, 1, 32, NULL },
		{ 2, 1, 1, 32, NULL },
		{ 3, 1, 2, 64, NULL },
		{ 3, 1, 0, 5, NULL },		/* full data: any length */
		{ 3, 1, 1, 31, "not 32 bytes long" },
		{ 3, 1, 1, 33, "not 32 bytes long" },
		{ 3, 1, 2, 63, "not 64 bytes long" },
		{ 3, 1, 2, 65, "not 64 bytes long" },
		{ 3, 1, 0, 0, "no certificate association data" },
		{ 3, 1, 1, 0, "no certificate association data" },
		{ 0, 1, 1, 32, "PKIX-TA" },
		{ 1, 1, 1, 32, "PKIX-EE" },
		{ 4, 1, 1, 32, "unknown certificate usage" },
		{ 3, 2, 1, 32, "unknown selector" },
		{ 3, 1, 3, 32, "unknown matching type" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mx_domain *d = secure_domain(1);
		uint8_t rdata[1][80];
		size_t len = tlsa_rdata(rdata[0], cases[i].usage,
		    cases[i].selector, cases[i].mtype, cases[i].len);
		const struct mx_tlsa *t;

		take_tlsa(d, 0, rdata, &len, 1, 1);
		mx_domain_finish(d);
		assert_int_equal(d->ex[0].dane.nrr, 1);
		t = &d->ex[0].dane.rr[0];
		if (cases[i].problem == NULL) {
			if (t->problem != NULL)
				print_error("TLSA %u %u %u, %zu bytes: %s\n",
				    cases[i].usage, cases[i].selector,
				    cases[i].mtype, cases[i].len, t->problem);
			assert_null(t->problem);
			assert_int_equal(d->ex[0].dane.state,
			    MX_DANE_PROTECTED);
		} else {
			if (t->problem == NULL ||
			    strstr(t->problem, cases[i].problem) == NULL)
				print_error("TLSA %u %u %u, %zu bytes: %s\n",
				    cases[i].usage, cases[i].selector,
				    cases[i].mtype, cases[i].len,
				    t->problem != NULL ? t->problem : "usable");
			assert_non_null(t->problem);
			assert_non_null(strstr(t->problem, cases[i].problem));
			assert_int_equal(d->ex[0].dane.state,
			    MX_DANE_UNUSABLE);
		}
		assert_int_equal(t->len, cases[i].len);
		mx_domain_free(d);
	}
}

static void
test_tlsa_records_too_short_to_read(void **state)
{
	struct mx_domain *d = secure_domain(1);
	uint8_t rdata[1][80] = { { 3, 1 } };
	size_t len = 2;
	struct collect c;

	(void)state;
	/*
	 * Records that do not even hold usage, selector and matching type:
	 * TLSA records are there, none usable.  Never "protected", never
	 * "no TLSA records", and never without a word about it.
	 */
	take_tlsa(d, 0, rdata, &len, 1, 1);
	mx_domain_finish(d);
	assert_int_not_equal(d->ex[0].dane.state, MX_DANE_PROTECTED);
	assert_int_not_equal(d->ex[0].dane.state, MX_DANE_NONE);
	c = all_findings(d);
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.buf, "mx.example.com.: "));
	assert_non_null(strstr(c.buf, "TLSA"));
	mx_domain_free(d);
}

static void
test_protected_exchange_names_its_unusable_record(void **state)
{
	struct mx_domain *d = secure_domain(1);
	uint8_t rdata[2][80];
	size_t len[2];
	struct collect c;

	(void)state;
	/* A rollover gone half wrong: one record used, one never can be. */
	len[0] = tlsa_rdata(rdata[0], 3, 1, 1, 32);
	len[1] = tlsa_rdata(rdata[1], 1, 1, 1, 32);
	take_tlsa(d, 0, rdata, len, 2, 1);
	mx_domain_finish(d);
	assert_int_equal(d->ex[0].dane.state, MX_DANE_PROTECTED);
	c = all_findings(d);
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.buf, "mx.example.com.: TLSA 1 1 1: usage 1 "
	    "(PKIX-EE)"));
	/* It is protected: not "no usable TLSA record". */
	assert_null(strstr(c.buf, "no usable"));
	mx_domain_free(d);
}

/* ---- the probes' findings (--smtp) ---- */

static void
test_no_starttls_at_an_exchange_senders_must_encrypt_to(void **state)
{
	static char *mx[] = { "mx.example.com" };
	struct mx_domain *d;
	struct collect c;
	int dane;

	(void)state;
	/*
	 * Plain text only: most senders deliver anyway, but a DANE sender
	 * (secure usable TLSA) and an MTA-STS sender (policy in enforce
	 * mode) do not deliver at all; the finding says which.
	 */
	for (dane = 0; dane < 2; dane++) {
		d = secure_domain(0);
		if (dane)
			take_good_tlsa(d, 1);
		mx_domain_finish(d);
		probed(d, 0, 0, MXQ_OK, SMTP_STEP_CONNECT)->starttls_offered =
		    0;
		mx_domain_probed(d);
		c = all_findings(d);
		assert_int_equal(c.n, 1);
		assert_non_null(strstr(c.buf, "no STARTTLS: mail to it travels "
		    "unencrypted"));
		if (dane)
			assert_non_null(strstr(c.buf, "; DANE senders do not "
			    "deliver to it"));
		else
			assert_null(strstr(c.buf, "senders do not deliver"));
		mx_domain_free(d);
	}
	for (dane = 0; dane < 2; dane++) {
		enum sts_mode mode = dane ? STS_MODE_ENFORCE :
		    STS_MODE_TESTING;

		d = secure_domain(0);
		mx_domain_finish(d);
		d->sts = calloc(1, sizeof(*d->sts));
		assert_non_null(d->sts);
		d->sts->txt_status = MXQ_OK;
		d->sts->policy_status = MXQ_OK;
		d->sts->tlsrpt_status = MXQ_ENODATA;
		d->sts->policy.mode = mode;
		d->sts->policy.mx = mx;
		d->sts->policy.nmx = 1;
		probed(d, 0, 0, MXQ_OK, SMTP_STEP_CONNECT)->starttls_offered =
		    0;
		mx_domain_probed(d);
		assert_int_equal(d->ex[0].sts_match, 1);
		c = all_findings(d);
		assert_int_equal(c.n, 1);
		if (mode == STS_MODE_ENFORCE)
			assert_non_null(strstr(c.buf, "; MTA-STS senders do "
			    "not deliver to it"));
		else
			assert_null(strstr(c.buf, "senders do not deliver"));
		d->sts->policy.mx = NULL;
		d->sts->policy.nmx = 0;
		mx_domain_free(d);
	}
}

static void
test_null_mx_entry_is_not_matched_against_the_policy(void **state)
{
	static char *mx[] = { "mx1.example.com" };
	struct mx_domain *d = domain("example.com.");
	struct wire_name root;
	struct collect c;

	(void)state;
	memset(&root, 0, sizeof(root));
	root.len = 1;
	add(d, 10, "mx1.example.com.");
	assert_non_null(mx_domain_add_exchange(d, 0, 3600, &root));
	d->ex[1].warn |= MX_W_NULLMIXED;	/* as the lookup marks it */
	mx_domain_finish(d);
	d->sts = calloc(1, sizeof(*d->sts));
	assert_non_null(d->sts);
	d->sts->txt_status = MXQ_OK;
	d->sts->policy_status = MXQ_OK;
	d->sts->tlsrpt_status = MXQ_ENODATA;
	d->sts->policy.mode = STS_MODE_ENFORCE;
	d->sts->policy.mx = mx;
	d->sts->policy.nmx = 1;
	mx_domain_probed(d);
	/* '.' is no host a sender tries: no pattern to match, no finding. */
	assert_string_equal(d->ex[1].text, "mx1.example.com.");
	assert_int_equal(d->ex[1].sts_match, 1);
	assert_int_equal(d->ex[0].sts_match, -1);
	c = all_findings(d);
	assert_null(strstr(c.buf, "MTA-STS"));
	d->sts->policy.mx = NULL;
	d->sts->policy.nmx = 0;
	mx_domain_free(d);
}

/* ---- what is no finding ---- */

static void
test_mxq_bounds_and_partial_families_are_no_findings(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t a = add(d, 10, "mx1.example.com.");

	(void)state;
	addr(d, a, "192.31.196.1");
	mx_domain_finish(d);
	/* More addresses than mxq keeps is mxq's bound; the verdict says a
	 * family that failed.  Neither counts for --strict. */
	d->ex[a].warn |= MX_W_ADDRLIMIT;
	assert_int_equal(fmt_nfindings(d), 0);
	d->ex[a].warn = MX_W_PARTIAL;
	assert_int_equal(fmt_nfindings(d), 0);
	mx_domain_free(d);
}

static void
test_unconfirmed_ptr_needs_an_answer(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t a = add(d, 10, "mx1.example.com.");
	struct mx_ptr *p;
	struct collect c;

	(void)state;
	addr(d, a, "192.31.196.1");
	mx_domain_finish(d);
	p = &d->ex[a].addr[0].ptr;
	p->asked = 1;
	p->status = MXQ_OK;
	assert_int_equal(mx_chain_add(&p->names, &p->nnames, "host.example."),
	    MXQ_OK);
	/* The PTR name's own lookup failed: unknown, not "does not
	 * resolve to it". */
	p->failed = 1;
	assert_int_equal(fmt_nfindings(d), 0);
	/* It answered, without the address: that is the finding. */
	p->failed = 0;
	p->no = 1;
	c = all_findings(d);
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.buf, "mx1.example.com. 192.31.196.1: PTR "
	    "host.example. does not resolve to it"));
	mx_domain_free(d);
}

/* ---- every authoritative server (--ns) ---- */

/* Server name's answers: SOA (status, AA, serial), then its MX set. */
static struct mx_nsserver *
ns_server(struct mx_domain *d, const char *name, enum mxq_status st, int aa,
    uint32_t serial, enum mxq_status mx_st, const char *mx)
{
	struct mx_ns *ns = d->ns;
	struct mx_nsserver *s;

	if (ns == NULL) {
		ns = d->ns = calloc(1, sizeof(*ns));
		assert_non_null(ns);
		ns->status = MXQ_OK;
		assert_int_equal(mx_set_string(&ns->zone, "example.com."),
		    MXQ_OK);
	}
	s = realloc(ns->srv, (ns->nsrv + 1) * sizeof(*s));
	assert_non_null(s);
	ns->srv = s;
	s = &ns->srv[ns->nsrv++];
	memset(s, 0, sizeof(*s));
	assert_int_equal(mx_set_string(&s->name, name), MXQ_OK);
	assert_int_equal(mx_set_string(&s->address, "192.0.2.53#53"),
	    MXQ_OK);
	s->status = st;
	s->authoritative = aa;
	s->serial = serial;
	s->mx_status = mx_st;
	if (mx != NULL)
		assert_int_equal(mx_chain_add(&s->mx, &s->nmx, mx), MXQ_OK);
	return s;
}

#define MXSET	"10 mx.example.com."

static void
test_ns_serials_in_rfc1982_arithmetic(void **state)
{
	struct mx_domain *d = domain("example.com.");

	(void)state;
	/* 1 follows 4294967295: the zone's serial wrapped, ns2 is behind. */
	ns_server(d, "ns1.example.com.", MXQ_OK, 1, 1, MXQ_OK, MXSET);
	ns_server(d, "ns2.example.com.", MXQ_OK, 1, 4294967295u, MXQ_OK,
	    MXSET);
	ns_server(d, "ns3.example.com.", MXQ_OK, 1, 1, MXQ_OK, MXSET);
	mx_domain_finish(d);
	assert_int_equal(d->ns->srv[0].warn, 0);
	assert_int_equal(d->ns->srv[1].warn, MX_NSW_SERIAL);
	assert_int_equal(d->ns->srv[2].warn, 0);
	assert_int_equal(d->ns->warn, MX_NSW_SERIAL);
	mx_domain_free(d);
}

static void
test_ns_answer_without_authority_is_lame(void **state)
{
	struct mx_domain *d = domain("example.com.");
	struct collect c;

	(void)state;
	/*
	 * ns2 answers the SOA without AA, from a cache or a zone it no
	 * longer serves: lame, and its serial, newer or not, is no
	 * reference for the servers that do answer for the zone.
	 */
	ns_server(d, "ns1.example.com.", MXQ_OK, 1, 2026120101, MXQ_OK, MXSET);
	ns_server(d, "ns2.example.com.", MXQ_OK, 0, 2026120102, MXQ_OK, MXSET);
	mx_domain_finish(d);
	assert_int_equal(d->ns->srv[0].warn, 0);
	assert_int_equal(d->ns->srv[1].warn, MX_NSW_LAME);
	c = all_findings(d);
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.buf, "name server ns2.example.com. "
	    "192.0.2.53#53: lame: does not answer for the zone (not "
	    "authoritative)"));
	mx_domain_free(d);
}

static void
test_ns_down_servers_do_not_vote_for_an_mx_set(void **state)
{
	struct mx_domain *d = domain("example.com.");

	(void)state;
	/*
	 * Two servers give the MX set, one says there is none, three give
	 * nothing at all (their empty sets are no vote): the reference is
	 * the set of the two, and the one without is the odd one out.
	 */
	ns_server(d, "ns1.example.com.", MXQ_OK, 1, 7, MXQ_ENODATA, NULL);
	ns_server(d, "ns2.example.com.", MXQ_OK, 1, 7, MXQ_OK, MXSET);
	ns_server(d, "ns3.example.com.", MXQ_OK, 1, 7, MXQ_OK, MXSET);
	ns_server(d, "ns4.example.com.", MXQ_ETIMEOUT, 0, 0, MXQ_ETIMEOUT,
	    NULL);
	ns_server(d, "ns5.example.com.", MXQ_EUNREACH, 0, 0, MXQ_EUNREACH,
	    NULL);
	ns_server(d, "ns6.example.com.", MXQ_ETIMEOUT, 0, 0, MXQ_ETIMEOUT,
	    NULL);
	mx_domain_finish(d);
	assert_int_equal(d->ns->srv[0].warn, MX_NSW_MX);
	assert_int_equal(d->ns->srv[1].warn, 0);
	assert_int_equal(d->ns->srv[2].warn, 0);
	/* Not answering at all, refused connections included. */
	assert_int_equal(d->ns->srv[3].warn, MX_NSW_DOWN);
	assert_int_equal(d->ns->srv[4].warn, MX_NSW_DOWN);
	assert_int_equal(d->ns->srv[5].warn, MX_NSW_DOWN);
	mx_domain_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_only_private_addresses_no_public_route),
		cmocka_unit_test(test_one_public_address_is_a_route),
		cmocka_unit_test(test_private_counts_as_a_route_with_private),
		cmocka_unit_test(test_special_and_a_timeout_is_unknown),
		cmocka_unit_test(test_implicit_mx_private),
		cmocka_unit_test(test_zone_slips),
		cmocka_unit_test(test_every_connection_timed_out_is_the_network),
		cmocka_unit_test(test_one_answer_means_not_blocked),
		cmocka_unit_test(test_no_probe_is_not_blocked),
		cmocka_unit_test(test_sts_matching),
		cmocka_unit_test(test_domain_itself_is_no_slip),
		cmocka_unit_test(test_dane_needs_every_part_secure),
		cmocka_unit_test(test_dane_family_not_asked_does_not_count),
		cmocka_unit_test(test_tlsa_records_senders_cannot_use),
		cmocka_unit_test(test_tlsa_records_too_short_to_read),
		cmocka_unit_test(
		    test_protected_exchange_names_its_unusable_record),
		cmocka_unit_test(
		    test_no_starttls_at_an_exchange_senders_must_encrypt_to),
		cmocka_unit_test(
		    test_null_mx_entry_is_not_matched_against_the_policy),
		cmocka_unit_test(
		    test_mxq_bounds_and_partial_families_are_no_findings),
		cmocka_unit_test(test_unconfirmed_ptr_needs_an_answer),
		cmocka_unit_test(test_ns_serials_in_rfc1982_arithmetic),
		cmocka_unit_test(test_ns_answer_without_authority_is_lame),
		cmocka_unit_test(
		    test_ns_down_servers_do_not_vote_for_an_mx_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
