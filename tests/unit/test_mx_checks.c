/*
 * Unit tests for what the checks add to the model (src/mx.c) and how the
 * findings read (src/fmt.c): addresses the internet cannot reach and
 * --private, the zone-file slips, the probes' results (--smtp) and the
 * findings --strict counts.
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
