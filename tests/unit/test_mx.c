/* Unit tests for src/mx.c: the model, its sort order and its verdicts. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mxq/mx.h"
#include "mxq/status.h"
#include "mxq/wire.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

static struct wire_name
name(const char *text)
{
	struct wire_name n;
	const char *why = NULL;

	if (wire_name_from_text(text, &n, &why) != MXQ_OK)
		fail_msg("bad name \"%s\": %s", text, why);
	return n;
}

/* A domain as after a successful MX query (resolved unless told). */
static struct mx_domain *
domain(const char *qname)
{
	struct mx_domain *d = mx_domain_new(qname, strlen(qname), 0);
	struct wire_name n = name(qname);

	assert_non_null(d);
	d->qname = n;
	assert_int_equal(mx_set_string(&d->qtext, qname), MXQ_OK);
	d->status = MXQ_OK;
	d->rcode = 0;
	d->resolved = 1;
	return d;
}

/* Add an exchange and return its index (pointers move on realloc). */
static size_t
add(struct mx_domain *d, uint16_t pref, const char *exchange)
{
	struct wire_name n;
	struct mx_exchange *e;

	if (strcmp(exchange, ".") == 0) {
		memset(&n, 0, sizeof(n));
		n.len = 1;
	} else {
		n = name(exchange);
	}
	e = mx_domain_add_exchange(d, pref, 3600, &n);
	assert_non_null(e);
	return d->nex - 1;
}

static void
addr(struct mx_domain *d, size_t i, const char *text)
{
	uint8_t b[16];
	int fam = strchr(text, ':') != NULL ? 6 : 4;

	assert_int_equal(inet_pton(fam == 4 ? AF_INET : AF_INET6, text, b), 1);
	assert_int_equal(mx_exchange_add_addr(&d->ex[i], fam, b, 300,
	    MX_SRC_ANSWER), MXQ_OK);
}

/* Record what the A (family 4) or AAAA (6) lookup of exchange i gave. */
static void
fam(struct mx_domain *d, size_t i, int family, enum mxq_status st)
{
	struct mx_family *f = family == 4 ? &d->ex[i].fam4 : &d->ex[i].fam6;

	f->asked = 1;
	f->status = st;
}

/* Both families with the same outcome. */
static void
both(struct mx_domain *d, size_t i, enum mxq_status st)
{
	fam(d, i, 4, st);
	fam(d, i, 6, st);
}

/* Index of the exchange named text after sorting. */
static size_t
find(const struct mx_domain *d, const char *text)
{
	size_t i;

	for (i = 0; i < d->nex; i++)
		if (strcmp(d->ex[i].text, text) == 0)
			return i;
	fail_msg("no exchange \"%s\"", text);
	return 0;
}

static void
assert_order(const struct mx_domain *d, const char *const *texts, size_t n)
{
	size_t i;

	assert_int_equal(d->nex, n);
	for (i = 0; i < n; i++)
		assert_string_equal(d->ex[i].text, texts[i]);
}

/* Reverse the exchanges in place (their order fields stay). */
static void
reverse(struct mx_domain *d)
{
	size_t i;

	for (i = 0; i < d->nex / 2; i++) {
		struct mx_exchange t = d->ex[i];

		d->ex[i] = d->ex[d->nex - 1 - i];
		d->ex[d->nex - 1 - i] = t;
	}
}

/* ---- construction ---- */

static void
test_domain_new_defaults(void **state)
{
	struct mx_domain *d = mx_domain_new("ex\x1b" "ample.com", 12, 7);

	(void)state;
	assert_non_null(d);
	assert_string_equal(d->input, "ex\\x1bample.com");
	assert_int_equal(d->line, 7);
	assert_int_equal(d->rcode, -1);
	assert_int_equal(d->status, MXQ_OK);
	assert_int_equal(d->nex, 0);
	assert_null(d->qtext);
	assert_null(d->message);
	assert_null(d->server);
	assert_null(d->server_name);
	assert_int_equal(d->notes, 0);
	/* What a domain owns goes with it. */
	assert_int_equal(mx_set_string(&d->server, "192.0.2.53#53"), MXQ_OK);
	assert_int_equal(mx_set_string(&d->server_name, "ns.example"),
	    MXQ_OK);
	mx_domain_free(d);
	mx_domain_free(NULL);
}

static void
test_add_exchange_copies(void **state)
{
	struct mx_domain *d = domain("example.com.");
	struct wire_name n = name("Mail.Example.com");
	struct mx_exchange *e;

	(void)state;
	e = mx_domain_add_exchange(d, 10, 600, &n);
	assert_non_null(e);
	memset(&n, 0, sizeof(n));
	assert_string_equal(e->text, "Mail.Example.com.");
	assert_int_equal(e->pref, 10);
	assert_int_equal(e->ttl, 600);
	assert_int_equal(e->order, 0);
	assert_int_equal(e->name.len, 18);
	assert_int_equal(e->naddr, 0);
	assert_int_equal(e->warn, 0);
	add(d, 20, "b.example");
	assert_int_equal(d->ex[1].order, 1);
	mx_domain_free(d);
}

static void
test_add_addr_ignores_duplicates(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t i = add(d, 10, "mx.example.com");

	(void)state;
	addr(d, i, "192.0.2.1");
	addr(d, i, "192.0.2.1");
	assert_int_equal(d->ex[i].naddr, 1);
	addr(d, i, "192.0.2.2");
	addr(d, i, "2001:db8::1");
	addr(d, i, "2001:db8::1");
	addr(d, i, "192.0.2.2");
	assert_int_equal(d->ex[i].naddr, 3);
	assert_int_equal(d->ex[i].addr[0].family, 4);
	assert_int_equal(d->ex[i].addr[0].ttl, 300);
	assert_int_equal(d->ex[i].addr[2].family, 6);
	assert_int_equal(d->ex[i].warn & MX_W_ADDRLIMIT, 0);
	mx_domain_free(d);
}

static void
test_add_addr_same_bytes_other_family(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t i = add(d, 10, "mx.example.com");
	uint8_t b[16] = { 192, 0, 2, 1 };

	(void)state;
	/* 192.0.2.1 and c000:201:: share their first four bytes. */
	assert_int_equal(mx_exchange_add_addr(&d->ex[i], 4, b, 1,
	    MX_SRC_ANSWER), MXQ_OK);
	assert_int_equal(mx_exchange_add_addr(&d->ex[i], 6, b, 1,
	    MX_SRC_ANSWER), MXQ_OK);
	assert_int_equal(d->ex[i].naddr, 2);
	mx_domain_free(d);
}

static void
test_ip_literal_warning(void **state)
{
	struct mx_domain *d = domain("example.com.");

	(void)state;
	add(d, 10, "192.0.2.7.");
	add(d, 20, "2001:db8::25");
	add(d, 30, "mail.example.com");
	add(d, 40, "192.0.2.7.example.com");
	add(d, 50, "1.2.3");
	assert_true(d->ex[0].warn & MX_W_IPLITERAL);
	assert_true(d->ex[1].warn & MX_W_IPLITERAL);
	assert_false(d->ex[2].warn & MX_W_IPLITERAL);
	assert_false(d->ex[3].warn & MX_W_IPLITERAL);
	assert_false(d->ex[4].warn & MX_W_IPLITERAL);
	mx_domain_free(d);
}

static void
test_add_addr_limit_per_family(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t i = add(d, 10, "mx.example.com"), k;
	uint8_t b[16] = { 0 };

	(void)state;
	for (k = 0; k < MX_MAX_ADDRESSES + 10; k++) {
		b[0] = 10;
		b[2] = (uint8_t)(k >> 8);
		b[3] = (uint8_t)k;
		assert_int_equal(mx_exchange_add_addr(&d->ex[i], 4, b, 1,
		    MX_SRC_ANSWER), MXQ_OK);
	}
	assert_int_equal(d->ex[i].naddr, MX_MAX_ADDRESSES);
	assert_true(d->ex[i].warn & MX_W_ADDRLIMIT);
	/* The bound is per family: IPv6 still has room. */
	b[0] = 0x20;
	assert_int_equal(mx_exchange_add_addr(&d->ex[i], 6, b, 1,
	    MX_SRC_ANSWER), MXQ_OK);
	assert_int_equal(d->ex[i].naddr, MX_MAX_ADDRESSES + 1);
	/* Every address kept is intact after the array grew. */
	for (k = 0; k < MX_MAX_ADDRESSES; k++)
		assert_int_equal(d->ex[i].addr[k].bytes[3], (uint8_t)k);
	mx_domain_free(d);
}

static void
test_many_exchanges(void **state)
{
	struct mx_domain *d = domain("example.com.");
	char text[32];
	size_t k;

	(void)state;
	for (k = 0; k < 100; k++) {
		snprintf(text, sizeof(text), "mx%zu.example", k);
		add(d, (uint16_t)(100 - k), text);
	}
	assert_int_equal(d->nex, 100);
	mx_sort(d);
	assert_string_equal(d->ex[0].text, "mx99.example.");
	assert_int_equal(d->ex[0].pref, 1);
	assert_string_equal(d->ex[99].text, "mx0.example.");
	assert_int_equal(mx_pref_levels(d), 100);
	mx_domain_free(d);
}

static void
test_grow(void **state)
{
	int *a, *b;
	size_t n;

	(void)state;
	a = mx_grow(NULL, 0, sizeof(*a));
	assert_non_null(a);
	/* Room for 4: the same array up to element 3. */
	for (n = 1; n < 4; n++)
		assert_ptr_equal(mx_grow(a, n, sizeof(*a)), a);
	for (n = 0; n < 4; n++)
		a[n] = (int)n;
	b = mx_grow(a, 4, sizeof(*b));
	assert_non_null(b);
	for (n = 0; n < 4; n++)
		assert_int_equal(b[n], (int)n);
	for (n = 4; n < 8; n++)
		b[n] = (int)n;
	assert_ptr_equal(mx_grow(b, 5, sizeof(*b)), b);
	assert_ptr_equal(mx_grow(b, 7, sizeof(*b)), b);
	free(b);
	/* Too big to count: NULL, not a wrapped size. */
	assert_null(mx_grow(NULL, 0, SIZE_MAX / 2));
}

/* ---- mx_sort ---- */

static void
test_sort_preference_is_numeric(void **state)
{
	static const char *const want[] = {
		"e5.example.", "e10.example.", "e100.example.",
		"e65535.example.",
	};
	struct mx_domain *d = domain("example.com.");

	(void)state;
	add(d, 100, "e100.example");
	add(d, 65535, "e65535.example");
	add(d, 10, "e10.example");
	add(d, 5, "e5.example");
	mx_sort(d);
	assert_order(d, want, N(want));
	assert_int_equal(d->ex[0].pref, 5);
	assert_int_equal(d->ex[3].pref, 65535);
	mx_domain_free(d);
}

static void
test_sort_equal_pref_by_name_ignoring_case(void **state)
{
	static const char *const want[] = {
		"A.example.", "b.example.", "C.example.", "mx1.example.",
		"MX2.example.",
	};
	struct mx_domain *d = domain("example.com.");

	(void)state;
	add(d, 10, "MX2.example");
	add(d, 10, "b.example");
	add(d, 10, "mx1.example");
	add(d, 10, "C.example");
	add(d, 10, "A.example");
	reverse(d);
	mx_sort(d);
	assert_order(d, want, N(want));
	mx_domain_free(d);
}

static void
test_sort_preference_before_name(void **state)
{
	static const char *const want[] = {
		"z.example.", "a.example.",
	};
	struct mx_domain *d = domain("example.com.");

	(void)state;
	add(d, 20, "a.example");
	add(d, 10, "z.example");
	mx_sort(d);
	assert_order(d, want, N(want));
	mx_domain_free(d);
}

static void
test_sort_ties_keep_arrival_order(void **state)
{
	struct mx_domain *d = domain("example.com.");

	(void)state;
	add(d, 10, "MX.example");
	add(d, 5, "other.example");
	add(d, 10, "mx.example");
	add(d, 10, "Mx.example");
	/* Reverse the array, so that a stable sort alone cannot pass. */
	reverse(d);
	mx_sort(d);
	assert_string_equal(d->ex[0].text, "other.example.");
	assert_string_equal(d->ex[1].text, "MX.example.");
	assert_string_equal(d->ex[2].text, "mx.example.");
	assert_string_equal(d->ex[3].text, "Mx.example.");
	assert_int_equal(d->ex[1].order, 0);
	assert_int_equal(d->ex[2].order, 2);
	assert_int_equal(d->ex[3].order, 3);
	mx_domain_free(d);
}

static void
test_sort_addresses(void **state)
{
	static const char *const want[] = {
		"10.0.0.1", "192.0.2.9", "192.0.2.10", "192.0.2.200",
		"2001:db8::1", "2001:db8::2", "2001:db8::10",
	};
	struct mx_domain *d = domain("example.com.");
	size_t i = add(d, 10, "mx.example"), k;

	(void)state;
	addr(d, i, "2001:db8::10");
	addr(d, i, "192.0.2.10");
	addr(d, i, "2001:db8::2");
	addr(d, i, "192.0.2.200");
	addr(d, i, "192.0.2.9");
	addr(d, i, "2001:db8::1");
	addr(d, i, "10.0.0.1");
	mx_sort(d);
	assert_int_equal(d->ex[0].naddr, N(want));
	for (k = 0; k < N(want); k++) {
		char buf[64];

		assert_string_equal(mx_addr_text(&d->ex[0].addr[k], buf,
		    sizeof(buf)), want[k]);
	}
	mx_domain_free(d);
}

static void
test_sort_keeps_addresses_with_exchange(void **state)
{
	struct mx_domain *d = domain("example.com.");
	char buf[64];

	(void)state;
	addr(d, add(d, 20, "b.example"), "192.0.2.2");
	addr(d, add(d, 10, "a.example"), "192.0.2.1");
	mx_sort(d);
	assert_string_equal(d->ex[0].text, "a.example.");
	assert_string_equal(mx_addr_text(&d->ex[0].addr[0], buf, sizeof(buf)),
	    "192.0.2.1");
	assert_string_equal(mx_addr_text(&d->ex[1].addr[0], buf, sizeof(buf)),
	    "192.0.2.2");
	mx_domain_free(d);
}

/* ---- per-exchange status ---- */

static void
test_exchange_one_family_ok_other_timeout(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t i = add(d, 10, "mx.example");

	(void)state;
	fam(d, i, 4, MXQ_OK);
	addr(d, i, "192.0.2.1");
	fam(d, i, 6, MXQ_ETIMEOUT);
	mx_domain_finish(d);
	assert_int_equal(d->ex[0].status, MXQ_OK);
	assert_true(d->ex[0].warn & MX_W_PARTIAL);
	assert_int_equal(d->verdict, MX_V_ROUTE);
	mx_domain_free(d);
}

static void
test_exchange_both_ok_not_partial(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t i = add(d, 10, "mx.example");

	(void)state;
	both(d, i, MXQ_OK);
	addr(d, i, "192.0.2.1");
	addr(d, i, "2001:db8::1");
	mx_domain_finish(d);
	assert_int_equal(d->ex[0].status, MXQ_OK);
	assert_false(d->ex[0].warn & MX_W_PARTIAL);
	mx_domain_free(d);
}

static void
test_exchange_one_family_ok_other_nodata(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t i = add(d, 10, "mx.example");

	(void)state;
	fam(d, i, 4, MXQ_ENODATA);
	fam(d, i, 6, MXQ_OK);
	addr(d, i, "2001:db8::1");
	mx_domain_finish(d);
	assert_int_equal(d->ex[0].status, MXQ_OK);
	/* No AAAA or no A is an answer, not a partial failure. */
	assert_false(d->ex[0].warn & MX_W_PARTIAL);
	mx_domain_free(d);
}

static void
test_exchange_nxdomain(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t i = add(d, 10, "gone.example");

	(void)state;
	both(d, i, MXQ_ENXDOMAIN);
	mx_domain_finish(d);
	assert_int_equal(d->ex[0].status, MXQ_ENXDOMAIN);
	mx_domain_free(d);
}

static void
test_exchange_nodata(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t i = add(d, 10, "noaddr.example");

	(void)state;
	both(d, i, MXQ_ENODATA);
	mx_domain_finish(d);
	assert_int_equal(d->ex[0].status, MXQ_ENODATA);
	mx_domain_free(d);
}

static void
test_exchange_nodata_one_family_only(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t i = add(d, 10, "noaddr.example");

	(void)state;
	/* -4: only A was asked. */
	fam(d, i, 4, MXQ_ENODATA);
	mx_domain_finish(d);
	assert_int_equal(d->ex[0].status, MXQ_ENODATA);
	mx_domain_free(d);
}

static void
test_exchange_timeout(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t i = add(d, 10, "slow.example");

	(void)state;
	both(d, i, MXQ_ETIMEOUT);
	mx_domain_finish(d);
	assert_int_equal(d->ex[0].status, MXQ_ETIMEOUT);
	mx_domain_free(d);
}

static void
test_exchange_temporary_beats_definitive(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t i = add(d, 10, "a.example"), j = add(d, 20, "b.example");

	(void)state;
	fam(d, i, 4, MXQ_ENODATA);
	fam(d, i, 6, MXQ_ETIMEOUT);
	fam(d, j, 4, MXQ_ESERVFAIL);
	fam(d, j, 6, MXQ_ENXDOMAIN);
	mx_domain_finish(d);
	/* The missing answer might have held an address. */
	assert_int_equal(d->ex[0].status, MXQ_ETIMEOUT);
	assert_int_equal(d->ex[1].status, MXQ_ESERVFAIL);
	mx_domain_free(d);
}

/* ---- verdicts ---- */

static void
test_verdict_route(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t a = add(d, 10, "a.example"), b = add(d, 20, "b.example");

	(void)state;
	both(d, a, MXQ_OK);
	addr(d, a, "192.0.2.1");
	both(d, b, MXQ_OK);
	addr(d, b, "192.0.2.2");
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_ROUTE);
	assert_int_equal(mx_domain_outcome(d), MXQ_OK);
	mx_domain_free(d);
}

static void
test_verdict_route_despite_one_nxdomain(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t a = add(d, 10, "gone.example"), b = add(d, 20, "ok.example");

	(void)state;
	both(d, a, MXQ_ENXDOMAIN);
	both(d, b, MXQ_OK);
	addr(d, b, "192.0.2.2");
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_ROUTE);
	assert_int_equal(d->ex[find(d, "gone.example.")].status,
	    MXQ_ENXDOMAIN);
	assert_int_equal(d->ex[find(d, "ok.example.")].status, MXQ_OK);
	assert_int_equal(mx_domain_outcome(d), MXQ_OK);
	mx_domain_free(d);
}

static void
test_verdict_route_despite_one_timeout(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t a = add(d, 10, "slow.example"), b = add(d, 20, "ok.example");

	(void)state;
	both(d, a, MXQ_ETIMEOUT);
	both(d, b, MXQ_OK);
	addr(d, b, "192.0.2.2");
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_ROUTE);
	assert_int_equal(mx_domain_outcome(d), MXQ_OK);
	mx_domain_free(d);
}

static void
test_verdict_no_address(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t a = add(d, 10, "gone.example"), b = add(d, 20, "v6less.example");

	(void)state;
	both(d, a, MXQ_ENXDOMAIN);
	both(d, b, MXQ_ENODATA);
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_NOADDR);
	assert_int_equal(mx_domain_outcome(d), MXQ_ENODATA);
	mx_domain_free(d);
}

static void
test_verdict_unknown_when_one_timed_out(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t a = add(d, 10, "gone.example"), b = add(d, 20, "slow.example");

	(void)state;
	both(d, a, MXQ_ENXDOMAIN);
	fam(d, b, 4, MXQ_ETIMEOUT);
	fam(d, b, 6, MXQ_ENODATA);
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_UNKNOWN);
	assert_int_equal(mx_domain_outcome(d), MXQ_ETIMEOUT);
	mx_domain_free(d);
}

static void
test_verdict_unknown_outcome_is_the_failure(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t a = add(d, 10, "a.example");

	(void)state;
	both(d, a, MXQ_EREFUSED);
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_UNKNOWN);
	assert_int_equal(mx_domain_outcome(d), MXQ_EREFUSED);
	mx_domain_free(d);
}

static void
test_verdict_null_mx(void **state)
{
	struct mx_domain *d = domain("example.com.");

	(void)state;
	add(d, 0, ".");
	d->nullmx = 1;
	d->resolved = 0;
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_NULLMX);
	assert_int_equal(mx_domain_outcome(d), MXQ_ENODATA);
	mx_domain_free(d);
}

/* NODATA for MX: the domain itself stands in as "MX 0". */
static struct mx_domain *
implicit_domain(void)
{
	struct mx_domain *d = domain("example.com.");

	d->status = MXQ_ENODATA;
	add(d, 0, "example.com.");
	d->implicit = 1;
	return d;
}

static void
test_verdict_implicit_with_address(void **state)
{
	struct mx_domain *d = implicit_domain();

	(void)state;
	fam(d, 0, 4, MXQ_OK);
	addr(d, 0, "192.0.2.80");
	fam(d, 0, 6, MXQ_ENODATA);
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_IMPLICIT);
	assert_int_equal(mx_domain_outcome(d), MXQ_OK);
	mx_domain_free(d);
}

static void
test_verdict_implicit_without_address(void **state)
{
	struct mx_domain *d = implicit_domain();

	(void)state;
	both(d, 0, MXQ_ENODATA);
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_NOMAIL);
	assert_string_equal(mx_verdict_name(d->verdict), "no-mx");
	assert_int_equal(mx_domain_outcome(d), MXQ_ENODATA);
	mx_domain_free(d);
}

static void
test_verdict_implicit_with_timeout(void **state)
{
	struct mx_domain *d = implicit_domain();

	(void)state;
	fam(d, 0, 4, MXQ_ENODATA);
	fam(d, 0, 6, MXQ_ETIMEOUT);
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_UNKNOWN);
	assert_int_equal(mx_domain_outcome(d), MXQ_ETIMEOUT);
	mx_domain_free(d);
}

static void
test_verdict_nxdomain(void **state)
{
	struct mx_domain *d = domain("nx.example.");

	(void)state;
	d->status = MXQ_ENXDOMAIN;
	d->rcode = WIRE_RCODE_NXDOMAIN;
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_NXDOMAIN);
	assert_int_equal(mx_domain_outcome(d), MXQ_ENXDOMAIN);
	mx_domain_free(d);
}

static void
test_verdict_servfail_at_mx_level(void **state)
{
	struct mx_domain *d = domain("broken.example.");

	(void)state;
	d->status = MXQ_ESERVFAIL;
	d->rcode = WIRE_RCODE_SERVFAIL;
	d->resolved = 0;
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_UNKNOWN);
	assert_int_equal(mx_domain_outcome(d), MXQ_ESERVFAIL);
	mx_domain_free(d);
}

static void
test_verdict_timeout_at_mx_level(void **state)
{
	struct mx_domain *d = domain("slow.example.");

	(void)state;
	d->status = MXQ_ETIMEOUT;
	d->rcode = -1;
	d->resolved = 0;
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_UNKNOWN);
	assert_int_equal(mx_domain_outcome(d), MXQ_ETIMEOUT);
	mx_domain_free(d);
}

static void
test_verdict_listed_without_resolving(void **state)
{
	struct mx_domain *d = domain("example.com.");

	(void)state;
	add(d, 10, "a.example");
	add(d, 20, "b.example");
	d->resolved = 0;
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_LISTED);
	assert_string_equal(mx_verdict_name(d->verdict), "mx-listed");
	assert_int_equal(mx_domain_outcome(d), MXQ_OK);
	/* Nothing was asked: statuses are left alone. */
	assert_int_equal(d->ex[0].status, MXQ_OK);
	mx_domain_free(d);
}

static void
test_verdict_nodata_without_resolving(void **state)
{
	struct mx_domain *d = domain("example.com.");

	(void)state;
	d->status = MXQ_ENODATA;
	d->resolved = 0;
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_NOMAIL);
	mx_domain_free(d);
}

static void
test_verdict_invalid(void **state)
{
	struct mx_domain *d = mx_domain_new("a b", 3, 0);

	(void)state;
	assert_non_null(d);
	d->status = MXQ_EINVAL;
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_INVALID);
	assert_int_equal(mx_domain_outcome(d), MXQ_EINVAL);
	mx_domain_free(d);
}

static void
test_verdict_finish_sorts(void **state)
{
	struct mx_domain *d = domain("example.com.");

	(void)state;
	both(d, add(d, 20, "b.example"), MXQ_ENODATA);
	both(d, add(d, 10, "a.example"), MXQ_ENODATA);
	mx_domain_finish(d);
	assert_string_equal(d->ex[0].text, "a.example.");
	mx_domain_free(d);
}

/* Verdict -> outcome -> exit code, as in mxq(1), EXIT STATUS. */
static void
test_verdict_exit_codes(void **state)
{
	static const struct {
		enum mx_verdict v;
		const char *name;
		int exit;
	} want[] = {
		{ MX_V_ROUTE, "mx", 0 },
		{ MX_V_IMPLICIT, "implicit-mx", 0 },
		{ MX_V_LISTED, "mx-listed", 0 },
		{ MX_V_NOADDR, "no-address", 1 },
		{ MX_V_NOPUBLIC, "no-public-address", 1 },
		{ MX_V_NULLMX, "null-mx", 1 },
		{ MX_V_NOMAIL, "no-mx", 1 },
		{ MX_V_NXDOMAIN, "nxdomain", 1 },
		{ MX_V_UNKNOWN, "unknown", 3 },
		{ MX_V_INVALID, "invalid", 2 },
	};
	size_t i;

	(void)state;
	assert_int_equal(N(want), MX_V_INVALID + 1);
	for (i = 0; i < N(want); i++) {
		struct mx_domain *d = domain("example.com.");
		int got;

		/* What the lookup leaves behind for each verdict. */
		switch (want[i].v) {
		case MX_V_NXDOMAIN:
			d->status = MXQ_ENXDOMAIN;
			break;
		case MX_V_UNKNOWN:
			d->status = MXQ_ETIMEOUT;
			break;
		case MX_V_INVALID:
			d->status = MXQ_EINVAL;
			break;
		case MX_V_NOMAIL:
		case MX_V_IMPLICIT:
			d->status = MXQ_ENODATA;
			break;
		default:
			break;
		}
		d->verdict = want[i].v;
		got = (int)status_exit_code(mx_domain_outcome(d));
		if (got != want[i].exit)
			print_error("verdict %s: exit %d, expected %d\n",
			    want[i].name, got, want[i].exit);
		assert_int_equal(got, want[i].exit);
		assert_string_equal(mx_verdict_name(want[i].v), want[i].name);
		mx_domain_free(d);
	}
}

/* ---- preference levels and backups ---- */

static void
test_pref_levels(void **state)
{
	struct mx_domain *d = domain("example.com.");

	(void)state;
	assert_int_equal(mx_pref_levels(d), 0);
	add(d, 10, "a.example");
	assert_int_equal(mx_pref_levels(d), 1);
	add(d, 10, "b.example");
	assert_int_equal(mx_pref_levels(d), 1);
	add(d, 20, "c.example");
	add(d, 30, "d.example");
	add(d, 30, "e.example");
	mx_sort(d);
	assert_int_equal(mx_pref_levels(d), 3);
	mx_domain_free(d);
}

static void
test_backup_two_levels(void **state)
{
	struct mx_domain *d = domain("example.com.");

	(void)state;
	add(d, 20, "b.example");
	add(d, 10, "a.example");
	add(d, 20, "c.example");
	mx_sort(d);
	assert_false(mx_is_backup(d, 0));
	assert_true(mx_is_backup(d, 1));
	assert_true(mx_is_backup(d, 2));
	assert_false(mx_is_backup(d, 3));	/* out of range */
	mx_domain_free(d);
}

static void
test_backup_only_highest_level(void **state)
{
	struct mx_domain *d = domain("example.com.");

	(void)state;
	add(d, 10, "a.example");
	add(d, 20, "b.example");
	add(d, 30, "c.example");
	mx_sort(d);
	assert_false(mx_is_backup(d, 0));
	assert_false(mx_is_backup(d, 1));
	assert_true(mx_is_backup(d, 2));
	mx_domain_free(d);
}

static void
test_backup_needs_several_levels(void **state)
{
	struct mx_domain *d = domain("example.com.");

	(void)state;
	add(d, 10, "a.example");
	mx_sort(d);
	assert_false(mx_is_backup(d, 0));
	add(d, 10, "b.example");
	mx_sort(d);
	assert_false(mx_is_backup(d, 0));
	assert_false(mx_is_backup(d, 1));
	mx_domain_free(d);
}

static void
test_backup_never_for_implicit(void **state)
{
	struct mx_domain *d = implicit_domain();
	size_t i;

	(void)state;
	assert_false(mx_is_backup(d, 0));
	/* One entry is one level: no backup even without the implicit rule.
	 * A second level makes the rule the only reason for "no backup". */
	add(d, 10, "other.example");
	mx_sort(d);
	for (i = 0; i < d->nex; i++)
		assert_false(mx_is_backup(d, i));
	mx_domain_free(d);
}

/* A "." among other records, flagged as lookup.c flags it. */
static size_t
add_null(struct mx_domain *d, uint16_t pref)
{
	size_t i = add(d, pref, ".");

	d->ex[i].warn |= MX_W_NULLMIXED;
	return i;
}

static void
test_backup_skips_null_mx_lowest(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t i;

	(void)state;
	add_null(d, 0);
	add(d, 10, "a.example");
	mx_sort(d);
	/* One real level only: no backup. */
	for (i = 0; i < d->nex; i++)
		assert_false(mx_is_backup(d, i));
	add(d, 20, "b.example");
	mx_sort(d);
	assert_false(mx_is_backup(d, find(d, ".")));
	assert_false(mx_is_backup(d, find(d, "a.example.")));
	assert_true(mx_is_backup(d, find(d, "b.example.")));
	mx_domain_free(d);
}

static void
test_backup_skips_null_mx_highest(void **state)
{
	struct mx_domain *d = domain("example.com.");
	int dot, a, b;

	(void)state;
	add(d, 10, "a.example");
	add(d, 20, "b.example");
	add_null(d, 30);
	mx_sort(d);
	dot = mx_is_backup(d, find(d, "."));
	a = mx_is_backup(d, find(d, "a.example."));
	b = mx_is_backup(d, find(d, "b.example."));
	mx_domain_free(d);
	/* "." is no exchange: b.example. is the backup, wherever "." is. */
	assert_false(dot);
	assert_false(a);
	assert_true(b);
}

/* ---- mx_is_dot and MX_W_NULLPREF ---- */

static void
assert_prefix(const char *s, const char *prefix)
{
	assert_non_null(s);
	if (strncmp(s, prefix, strlen(prefix)) != 0)
		fail_msg("\"%s\" does not start with \"%s\"", s, prefix);
}

static void
test_is_dot(void **state)
{
	struct mx_domain *d = domain("example.com.");
	size_t nullmx, mixed, pref, host, warned;

	(void)state;
	nullmx = add(d, 0, ".");
	mixed = add(d, 0, ".");
	d->ex[mixed].warn |= MX_W_NULLMIXED;
	pref = add(d, 10, ".");
	d->ex[pref].warn |= MX_W_NULLPREF;
	host = add(d, 10, "mx.example");
	warned = add(d, 20, "192.0.2.1.");
	d->ex[warned].warn |= MX_W_CNAME | MX_W_PARTIAL | MX_W_ADDRLIMIT;
	/* A null MX is a verdict, not a '.' among exchanges. */
	assert_false(mx_is_dot(&d->ex[nullmx]));
	assert_true(mx_is_dot(&d->ex[mixed]));
	assert_true(mx_is_dot(&d->ex[pref]));
	assert_false(mx_is_dot(&d->ex[host]));
	assert_false(mx_is_dot(&d->ex[warned]));
	mx_domain_free(d);
}

/* "." alone at preference pref, flagged as lookup.c flags it. */
static struct mx_domain *
null_pref_domain(uint16_t pref, int resolved)
{
	struct mx_domain *d = domain("example.com.");
	size_t i = add(d, pref, ".");

	d->ex[i].warn |= MX_W_NULLPREF;
	d->resolved = resolved;
	mx_domain_finish(d);
	return d;
}

static void
test_verdict_null_pref(void **state)
{
	struct mx_domain *d;
	int resolved;

	(void)state;
	for (resolved = 0; resolved < 2; resolved++) {
		d = null_pref_domain(10, resolved);
		/* No host to send to, whether -n or not. */
		assert_int_equal(d->verdict, MX_V_NOADDR);
		assert_string_equal(mx_verdict_name(d->verdict),
		    "no-address");
		assert_int_equal(mx_domain_outcome(d), MXQ_ENODATA);
		assert_int_equal(status_exit_code(mx_domain_outcome(d)),
		    MXQ_EXIT_NOROUTE);
		assert_int_equal(d->ex[0].status, MXQ_ENODATA);
		assert_non_null(d->message);
		assert_string_equal(d->message, "no mail route: the only MX "
		    "record is '.' at preference 10, which is no host (a "
		    "null MX has preference 0, RFC 7505)");
		/* '.' is no exchange: no level, no backup. */
		assert_int_equal(mx_pref_levels(d), 0);
		assert_false(mx_is_backup(d, 0));
		mx_domain_free(d);
	}
	d = null_pref_domain(65535, 1);
	assert_int_equal(d->verdict, MX_V_NOADDR);
	assert_prefix(d->message, "no mail route: the only MX record is '.' "
	    "at preference 65535, ");
	mx_domain_free(d);
}

/* ---- the message of a verdict ---- */

static void
test_message_route_none(void **state)
{
	struct mx_domain *d;
	size_t i;

	(void)state;
	d = domain("example.com.");
	i = add(d, 10, "a.example");
	fam(d, i, 4, MXQ_OK);
	addr(d, i, "192.0.2.1");
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_ROUTE);
	assert_null(d->message);
	mx_domain_free(d);
	d = implicit_domain();
	fam(d, 0, 4, MXQ_OK);
	addr(d, 0, "192.0.2.80");
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_IMPLICIT);
	assert_null(d->message);
	mx_domain_free(d);
	d = domain("example.com.");
	add(d, 10, "a.example");
	d->resolved = 0;
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_LISTED);
	assert_null(d->message);
	mx_domain_free(d);
}

static void
expect_message(struct mx_domain *d, enum mx_verdict v, const char *want)
{
	mx_domain_finish(d);
	assert_int_equal(d->verdict, v);
	if (d->message == NULL)
		fail_msg("verdict %s: no message", mx_verdict_name(v));
	assert_string_equal(d->message, want);
	mx_domain_free(d);
}

static void
test_message_every_verdict_without_route(void **state)
{
	struct mx_domain *d;

	(void)state;
	d = domain("example.com.");
	both(d, add(d, 10, "gone.example"), MXQ_ENXDOMAIN);
	expect_message(d, MX_V_NOADDR,
	    "no mail route: no exchange has an address");

	d = domain("example.com.");
	add(d, 0, ".");
	d->nullmx = 1;
	d->resolved = 0;
	expect_message(d, MX_V_NULLMX, "null MX: accepts no mail (RFC 7505)");

	d = implicit_domain();
	both(d, 0, MXQ_ENODATA);
	expect_message(d, MX_V_NOMAIL,
	    "no mail route: no MX records and no address");

	/* -n: nobody looked for an address. */
	d = domain("example.com.");
	d->status = MXQ_ENODATA;
	d->resolved = 0;
	expect_message(d, MX_V_NOMAIL, "no MX records");

	d = domain("nx.example.");
	d->status = MXQ_ENXDOMAIN;
	d->rcode = WIRE_RCODE_NXDOMAIN;
	d->resolved = 0;
	expect_message(d, MX_V_NXDOMAIN, "no such domain (NXDOMAIN)");

	d = domain("broken.example.");
	d->status = MXQ_ESERVFAIL;
	d->rcode = WIRE_RCODE_SERVFAIL;
	d->resolved = 0;
	expect_message(d, MX_V_UNKNOWN, status_message(MXQ_ESERVFAIL));

	d = domain("slow.example.");
	d->status = MXQ_ETIMEOUT;
	d->rcode = -1;
	d->resolved = 0;
	expect_message(d, MX_V_UNKNOWN, "timed out");

	d = mx_domain_new("a b", 3, 0);
	assert_non_null(d);
	d->status = MXQ_EINVAL;
	expect_message(d, MX_V_INVALID, "invalid domain name");

	/* The implicit MX is the domain: its own failure, in its words. */
	d = implicit_domain();
	fam(d, 0, 4, MXQ_ENODATA);
	fam(d, 0, 6, MXQ_ETIMEOUT);
	expect_message(d, MX_V_UNKNOWN, "timed out");
	d = implicit_domain();
	fam(d, 0, 4, MXQ_EREFUSED);
	fam(d, 0, 6, MXQ_ENODATA);
	assert_int_equal(mx_set_string(&d->ex[0].fam4.message,
	    "192.0.2.53#53 refused the A query"), MXQ_OK);
	expect_message(d, MX_V_UNKNOWN, "192.0.2.53#53 refused the A query");
}

static void
test_message_from_lookup_kept(void **state)
{
	struct mx_domain *d;

	(void)state;
	d = domain("example.com.");
	d->status = MXQ_EREFERRAL;
	d->resolved = 0;
	assert_int_equal(mx_set_string(&d->message, "referral to "
	    "example.com. from 192.0.2.53#53"), MXQ_OK);
	expect_message(d, MX_V_UNKNOWN,
	    "referral to example.com. from 192.0.2.53#53");
	d = mx_domain_new("a b", 3, 0);
	assert_non_null(d);
	d->status = MXQ_EINVAL;
	assert_int_equal(mx_set_string(&d->message, "white space"), MXQ_OK);
	expect_message(d, MX_V_INVALID, "white space");
}

static void
test_message_exchanges_failed(void **state)
{
	struct mx_domain *d;
	size_t a, b;

	(void)state;
	/*
	 * The MX records came, every exchange failed temporarily: the
	 * route is unknown, and the first failure (in sorted order) says
	 * why.
	 */
	d = domain("example.com.");
	b = add(d, 20, "b.example");
	a = add(d, 10, "a.example");
	both(d, b, MXQ_ETIMEOUT);
	both(d, a, MXQ_ESERVFAIL);
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_UNKNOWN);
	assert_int_equal(mx_domain_outcome(d), MXQ_ESERVFAIL);
	assert_non_null(d->message);
	assert_prefix(d->message, "mail route unknown: no exchange has an "
	    "address (a.example.: server failure (SERVFAIL)");
	mx_domain_free(d);

	/* One exchange: its reason alone. */
	d = domain("example.com.");
	both(d, add(d, 10, "slow.example"), MXQ_ETIMEOUT);
	expect_message(d, MX_V_UNKNOWN, "mail route unknown: no exchange "
	    "has an address (slow.example.: timed out)");

	/* A definitive answer is no failure: the timeout is named. */
	d = domain("example.com.");
	a = add(d, 10, "gone.example");
	b = add(d, 20, "slow.example");
	both(d, a, MXQ_ENXDOMAIN);
	fam(d, b, 4, MXQ_ETIMEOUT);
	fam(d, b, 6, MXQ_ENODATA);
	expect_message(d, MX_V_UNKNOWN, "mail route unknown: no exchange "
	    "has an address (slow.example.: timed out)");

	/* The detail the lookup left is the reason. */
	d = domain("example.com.");
	a = add(d, 10, "lame.example");
	both(d, a, MXQ_ELAME);
	assert_int_equal(mx_set_string(&d->ex[a].fam4.message,
	    "192.0.2.53#53 answered NXDOMAIN without authority"), MXQ_OK);
	expect_message(d, MX_V_UNKNOWN, "mail route unknown: no exchange "
	    "has an address (lame.example.: 192.0.2.53#53 answered "
	    "NXDOMAIN without authority)");
}

static void
test_addr_text(void **state)
{
	struct mx_addr a4 = { .family = 4, .bytes = { 192, 0, 2, 1 } };
	struct mx_addr a6 = { .family = 6,
	    .bytes = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	char buf[64];

	(void)state;
	assert_string_equal(mx_addr_text(&a4, buf, sizeof(buf)), "192.0.2.1");
	assert_string_equal(mx_addr_text(&a6, buf, sizeof(buf)),
	    "2001:db8::1");
}

/* IPv4 text is made without inet_ntop: every digit count, and the size. */
static void
test_addr_text_ipv4_digits(void **state)
{
	static const struct {
		uint8_t b[4];
		const char *text;
	} t[] = {
		{ { 0, 0, 0, 0 }, "0.0.0.0" },
		{ { 255, 255, 255, 255 }, "255.255.255.255" },
		{ { 9, 10, 99, 100 }, "9.10.99.100" },
		{ { 101, 110, 199, 200 }, "101.110.199.200" },
		{ { 1, 20, 250, 7 }, "1.20.250.7" },
	};
	struct mx_addr a = { .family = 4 };
	char buf[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memcpy(a.bytes, t[i].b, 4);
		memset(buf, 'x', sizeof(buf));
		assert_string_equal(mx_addr_text(&a, buf, sizeof(buf)),
		    t[i].text);
		/* Exactly the room for the text and its NUL, as inet_ntop. */
		assert_string_equal(mx_addr_text(&a, buf,
		    strlen(t[i].text) + 1), t[i].text);
		assert_string_equal(mx_addr_text(&a, buf, strlen(t[i].text)),
		    "?");
	}
}

/*
 * IPv6 text is made without inet_ntop: it must be inet_ntop's, for
 * addresses with zero groups in every place and run length (each group
 * zero half of the time, else one of a few shapes of leading zeros).
 */
static void
test_addr_text_ipv6_as_inet_ntop(void **state)
{
	static const unsigned int shapes[] = { 0x1, 0x10, 0xab, 0x100, 0xdb8,
	    0x1000, 0xffff };
	struct mx_addr a = { .family = 6 };
	char buf[INET6_ADDRSTRLEN], want[INET6_ADDRSTRLEN];
	unsigned int seed = 12345;
	int n, i;

	(void)state;
	for (n = 0; n < 200000; n++) {
		for (i = 0; i < 8; i++) {
			unsigned int w = 0;

			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) & 1)
				w = shapes[(seed >> 17) % 7];
			a.bytes[2 * i] = (uint8_t)(w >> 8);
			a.bytes[2 * i + 1] = (uint8_t)w;
		}
		assert_non_null(inet_ntop(AF_INET6, a.bytes, want,
		    sizeof(want)));
		assert_string_equal(mx_addr_text(&a, buf, sizeof(buf)), want);
		/* Exactly the room for the text and its NUL, as inet_ntop. */
		assert_string_equal(mx_addr_text(&a, buf, strlen(want) + 1),
		    want);
		assert_string_equal(mx_addr_text(&a, buf, strlen(want)), "?");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_new_defaults),
		cmocka_unit_test(test_add_exchange_copies),
		cmocka_unit_test(test_add_addr_ignores_duplicates),
		cmocka_unit_test(test_add_addr_same_bytes_other_family),
		cmocka_unit_test(test_ip_literal_warning),
		cmocka_unit_test(test_add_addr_limit_per_family),
		cmocka_unit_test(test_many_exchanges),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_sort_preference_is_numeric),
		cmocka_unit_test(test_sort_equal_pref_by_name_ignoring_case),
		cmocka_unit_test(test_sort_preference_before_name),
		cmocka_unit_test(test_sort_ties_keep_arrival_order),
		cmocka_unit_test(test_sort_addresses),
		cmocka_unit_test(test_sort_keeps_addresses_with_exchange),
		cmocka_unit_test(test_exchange_one_family_ok_other_timeout),
		cmocka_unit_test(test_exchange_both_ok_not_partial),
		cmocka_unit_test(test_exchange_one_family_ok_other_nodata),
		cmocka_unit_test(test_exchange_nxdomain),
		cmocka_unit_test(test_exchange_nodata),
		cmocka_unit_test(test_exchange_nodata_one_family_only),
		cmocka_unit_test(test_exchange_timeout),
		cmocka_unit_test(test_exchange_temporary_beats_definitive),
		cmocka_unit_test(test_verdict_route),
		cmocka_unit_test(test_verdict_route_despite_one_nxdomain),
		cmocka_unit_test(test_verdict_route_despite_one_timeout),
		cmocka_unit_test(test_verdict_no_address),
		cmocka_unit_test(test_verdict_unknown_when_one_timed_out),
		cmocka_unit_test(test_verdict_unknown_outcome_is_the_failure),
		cmocka_unit_test(test_verdict_null_mx),
		cmocka_unit_test(test_verdict_implicit_with_address),
		cmocka_unit_test(test_verdict_implicit_without_address),
		cmocka_unit_test(test_verdict_implicit_with_timeout),
		cmocka_unit_test(test_verdict_nxdomain),
		cmocka_unit_test(test_verdict_servfail_at_mx_level),
		cmocka_unit_test(test_verdict_timeout_at_mx_level),
		cmocka_unit_test(test_verdict_listed_without_resolving),
		cmocka_unit_test(test_verdict_nodata_without_resolving),
		cmocka_unit_test(test_verdict_invalid),
		cmocka_unit_test(test_verdict_finish_sorts),
		cmocka_unit_test(test_verdict_exit_codes),
		cmocka_unit_test(test_pref_levels),
		cmocka_unit_test(test_backup_two_levels),
		cmocka_unit_test(test_backup_only_highest_level),
		cmocka_unit_test(test_backup_needs_several_levels),
		cmocka_unit_test(test_backup_never_for_implicit),
		cmocka_unit_test(test_backup_skips_null_mx_lowest),
		cmocka_unit_test(test_backup_skips_null_mx_highest),
		cmocka_unit_test(test_is_dot),
		cmocka_unit_test(test_verdict_null_pref),
		cmocka_unit_test(test_message_route_none),
		cmocka_unit_test(test_message_every_verdict_without_route),
		cmocka_unit_test(test_message_from_lookup_kept),
		cmocka_unit_test(test_message_exchanges_failed),
		cmocka_unit_test(test_addr_text),
		cmocka_unit_test(test_addr_text_ipv4_digits),
		cmocka_unit_test(test_addr_text_ipv6_as_inet_ntop),
	};

	return cmocka_run_group_tests_name("mx", tests, NULL, NULL);
}
