/*
 * Unit tests for the options of the checks and the probe (src/cli.c:
 * --smtp and what it implies, --ehlo, --smtp-concurrency, --private,
 * --dane) and for what the text and JSON printers say of the checks
 * (src/fmt_text.c, src/fmt_json.c) in cases the system tests cannot
 * make: servers that all agree, a null MX with --ns, every connection
 * timed out, a PTR name whose own lookup failed.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "mxq/cli.h"
#include "mxq/fmt.h"
#include "mxq/mx.h"
#include "mxq/status.h"
#include "mxq/wire.h"

/* ---- the command line ---- */

/*
 * Run cli_parse on a NULL-terminated argument list (argv[0] "mxq" is
 * added).  The list is copied: getopt_long permutes argv.
 */
#define PARSE(o, ...) parse((o), (const char *[]){ "mxq", __VA_ARGS__, NULL })

static char *args[32];

static enum mxq_status
parse(struct mxq_opts *o, const char **list)
{
	int argc = 0;

	while (list[argc] != NULL) {
		assert_true(argc < 31);
		args[argc] = (char *)list[argc];
		argc++;
	}
	args[argc] = NULL;
	/* 0 makes GNU getopt start over completely. */
	optind = 0;
	return cli_parse(argc, args, o);
}

static void
test_probe_defaults(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "example.com"), MXQ_OK);
	assert_int_equal(o.smtp, 0);
	assert_int_equal(o.lookup.smtp, 0);
	assert_int_equal(o.fmt.smtp, 0);
	assert_int_equal(o.lookup.dane, 0);
	assert_int_equal(o.lookup.private_ok, 0);
	assert_int_equal(o.probe.private_ok, 0);
	/* The documented defaults (--help, mxq(1)). */
	assert_int_equal(o.probe.port, 25);
	assert_int_equal(o.probe.https_port, 443);
	assert_true(o.probe.step_ms == 10000);
	assert_int_equal(o.probe.workers, 20);
	assert_null(o.probe.cafile);
	/* This host's name, or "localhost" when it makes no EHLO name. */
	assert_non_null(o.probe.ehlo);
	assert_true(o.probe.ehlo[0] != '\0');
	cli_clear(&o);
}

static void
test_smtp_implies_dane_and_the_printer(void **state)
{
	struct mxq_opts o;

	(void)state;
	/*
	 * DANE verification stands on the TLSA records (--dane; DNSSEC
	 * follows from it in lookup_new).
	 */
	assert_int_equal(PARSE(&o, "--smtp", "example.com"), MXQ_OK);
	assert_int_equal(o.smtp, 1);
	assert_int_equal(o.lookup.smtp, 1);
	assert_int_equal(o.lookup.dane, 1);
	assert_int_equal(o.fmt.smtp, 1);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--dane", "example.com"), MXQ_OK);
	assert_int_equal(o.lookup.dane, 1);
	assert_int_equal(o.smtp, 0);
	assert_int_equal(o.lookup.smtp, 0);
	cli_clear(&o);
}

static void
test_private_tells_the_lookup_and_the_probe(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--private", "example.com"), MXQ_OK);
	assert_int_equal(o.lookup.private_ok, 1);
	assert_int_equal(o.probe.private_ok, 1);
	cli_clear(&o);
}

static void
test_smtp_and_https_ports_apart(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--smtp-port", "2525", "--https-port",
	    "8443", "example.com"), MXQ_OK);
	assert_int_equal(o.probe.port, 2525);
	assert_int_equal(o.probe.https_port, 8443);
	cli_clear(&o);
}

static void
test_smtp_concurrency_bounds(void **state)
{
	static const struct {
		const char *value;
		enum mxq_status st;
	} cases[] = {
		/* No worker: nothing would ever run. */
		{ "0", MXQ_EUSAGE },
		{ "1", MXQ_OK },
		{ "500", MXQ_OK },
		{ "501", MXQ_EUSAGE },
		{ "-1", MXQ_EUSAGE },
	};
	struct mxq_opts o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(PARSE(&o, "--smtp-concurrency", cases[i].value,
		    "example.com"), cases[i].st);
		if (cases[i].st == MXQ_OK)
			assert_int_equal(o.probe.workers,
			    atoi(cases[i].value));
		cli_clear(&o);
	}
}

static void
test_ehlo_names(void **state)
{
	static const struct {
		const char *name;
		int ok;
	} cases[] = {
		{ "probe.example", 1 },
		{ "mail-1.example.net", 1 },	/* hyphens and digits */
		{ "localhost", 1 },
		{ "[192.0.2.1]", 1 },
		{ "[2001:db8::1]", 1 },
		{ "", 0 },
		{ "a b", 0 },
		{ "x\r\nMAIL FROM:<>", 0 },
		{ "under_score.example", 0 },
		{ "[]", 0 },
		{ "[192.0.2.1", 0 },
		{ "[192.0.2.1] x", 0 },
	};
	char longest[256], toolong[256];
	struct mxq_opts o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum mxq_status st = PARSE(&o, "--ehlo", cases[i].name,
		    "example.com");

		if ((st == MXQ_OK) != cases[i].ok)
			print_error("--ehlo \"%s\": %s\n", cases[i].name,
			    status_name(st));
		assert_int_equal(st, cases[i].ok ? MXQ_OK : MXQ_EUSAGE);
		if (cases[i].ok)
			assert_string_equal(o.probe.ehlo, cases[i].name);
		cli_clear(&o);
	}
	/* A host name is at most 253 characters (RFC 1035, no final dot). */
	memset(longest, 'a', 253);
	longest[253] = '\0';
	assert_int_equal(PARSE(&o, "--ehlo", longest, "example.com"), MXQ_OK);
	cli_clear(&o);
	memset(toolong, 'a', 254);
	toolong[254] = '\0';
	assert_int_equal(PARSE(&o, "--ehlo", toolong, "example.com"),
	    MXQ_EUSAGE);
	cli_clear(&o);
}

/* ---- the printers ---- */

static struct wire_name
name(const char *text)
{
	struct wire_name n;
	const char *why = NULL;

	memset(&n, 0, sizeof(n));
	if (strcmp(text, ".") == 0) {
		n.len = 1;
		return n;
	}
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
	d->flags = WIRE_FLAG_QR | WIRE_FLAG_RD | WIRE_FLAG_RA;
	d->mx_ttl = 3600;
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

static void
addr(struct mx_domain *d, size_t i, const char *text)
{
	struct mx_exchange *e = &d->ex[i];
	uint8_t b[16];
	int fam = strchr(text, ':') != NULL ? 6 : 4;

	assert_int_equal(inet_pton(fam == 4 ? AF_INET : AF_INET6, text, b), 1);
	assert_int_equal(mx_exchange_add_addr(e, fam, b, 300, MX_SRC_ANSWER),
	    MXQ_OK);
	if (fam == 4)
		e->fam4.asked = 1;
	else
		e->fam6.asked = 1;
}

/* --ns: servers that all answer, with the same serial and MX set. */
static void
agreeing_servers(struct mx_domain *d, size_t n)
{
	size_t i;

	d->ns = calloc(1, sizeof(*d->ns));
	assert_non_null(d->ns);
	d->ns->status = MXQ_OK;
	assert_int_equal(mx_set_string(&d->ns->zone, "example.com."), MXQ_OK);
	d->ns->srv = calloc(n, sizeof(*d->ns->srv));
	assert_non_null(d->ns->srv);
	d->ns->nsrv = n;
	for (i = 0; i < n; i++) {
		struct mx_nsserver *s = &d->ns->srv[i];
		char text[64];

		snprintf(text, sizeof(text), "ns%zu.example.com.", i + 1);
		assert_int_equal(mx_set_string(&s->name, text), MXQ_OK);
		snprintf(text, sizeof(text), "192.0.2.%zu#53", i + 1);
		assert_int_equal(mx_set_string(&s->address, text), MXQ_OK);
		s->status = MXQ_OK;
		s->authoritative = 1;
		s->serial = 2026120101;
		s->mx_status = MXQ_OK;
		assert_int_equal(mx_chain_add(&s->mx, &s->nmx,
		    "10 mx.example.com."), MXQ_OK);
	}
}

static char *
render(enum fmt_format format, int verbose, const struct mx_domain *d)
{
	struct fmt f;
	enum mxq_status st = MXQ_EINTERNAL;
	char *buf = NULL;
	size_t len = 0;

	memset(&f, 0, sizeof(f));
	f.cfg.format = format;
	f.cfg.verbose = verbose;
	f.cfg.server = "127.0.0.1#53";
	f.out = open_memstream(&buf, &len);
	assert_non_null(f.out);
	if (format == FMT_TEXT)
		st = fmt_text_write(&f, d);
	else
		st = fmt_json_write(&f, d);
	assert_int_equal(st, MXQ_OK);
	assert_int_equal(fclose(f.out), 0);
	assert_non_null(buf);
	return buf;
}

static void
test_text_agreeing_servers(void **state)
{
	struct mx_domain *d = domain("example.com.");
	char *s;

	(void)state;
	add(d, 10, "mx.example.com.");
	addr(d, 0, "192.31.196.1");
	agreeing_servers(d, 3);
	mx_domain_finish(d);
	assert_int_equal(d->ns->warn, 0);
	/* One line when all agree... */
	s = render(FMT_TEXT, 0, d);
	assert_non_null(strstr(s, "  name servers of example.com.: 3, all "
	    "agree (serial 2026120101)\n"));
	assert_null(strstr(s, "ns2.example.com."));
	free(s);
	/* ... every server with -v, and no word of disagreement. */
	s = render(FMT_TEXT, 1, d);
	assert_non_null(strstr(s, "  name servers of example.com.:\n"));
	assert_non_null(strstr(s, "    ns2.example.com.  192.0.2.2#53  serial "
	    "2026120101  MX 10 mx.example.com.\n"));
	assert_null(strstr(s, "disagree"));
	free(s);
	mx_domain_free(d);
	/* A zone with one server has nothing to compare. */
	d = domain("example.com.");
	add(d, 10, "mx.example.com.");
	addr(d, 0, "192.31.196.1");
	agreeing_servers(d, 1);
	mx_domain_finish(d);
	s = render(FMT_TEXT, 0, d);
	assert_non_null(strstr(s, ": 1, no other to compare (serial "));
	free(s);
	mx_domain_free(d);
}

static void
test_text_null_mx_keeps_the_checks(void **state)
{
	struct mx_domain *d = domain("example.com.");
	char *s;

	(void)state;
	/* A domain that accepts no mail still has name servers to compare
	 * and MTA-STS records to say. */
	add(d, 0, ".");
	d->nullmx = 1;
	agreeing_servers(d, 2);
	d->sts = calloc(1, sizeof(*d->sts));
	assert_non_null(d->sts);
	d->sts->txt_status = MXQ_ENODATA;
	d->sts->policy_status = MXQ_ENODATA;
	d->sts->tlsrpt_status = MXQ_OK;
	assert_int_equal(mx_set_string(&d->sts->tlsrpt,
	    "v=TLSRPTv1; rua=mailto:r@example.com"), MXQ_OK);
	mx_domain_finish(d);
	assert_int_equal(d->verdict, MX_V_NULLMX);
	s = render(FMT_TEXT, 0, d);
	assert_non_null(strstr(s, "  name servers of example.com.: 2, all "
	    "agree"));
	assert_non_null(strstr(s, "  TLS-RPT: v=TLSRPTv1; "
	    "rua=mailto:r@example.com\n"));
	free(s);
	mx_domain_free(d);
}

/* A probe that timed out connecting. */
static void
timed_out(struct mx_addr *a)
{
	a->smtp = calloc(1, sizeof(*a->smtp));
	assert_non_null(a->smtp);
	a->smtp->status = MXQ_ETIMEOUT;
	a->smtp->failed_at = SMTP_STEP_CONNECT;
	a->smtp->dane = -1;
}

static void
test_text_every_connection_timed_out(void **state)
{
	struct mx_domain *d = domain("example.com.");
	char *s;

	(void)state;
	add(d, 10, "mx1.example.com.");
	add(d, 20, "mx2.example.com.");
	addr(d, 0, "192.31.196.1");
	addr(d, 1, "192.31.196.2");
	mx_domain_finish(d);
	d->sts = calloc(1, sizeof(*d->sts));
	assert_non_null(d->sts);
	d->sts->txt_status = MXQ_ENODATA;
	d->sts->policy_status = MXQ_ENODATA;
	d->sts->tlsrpt_status = MXQ_ENODATA;
	timed_out(&d->ex[0].addr[0]);
	timed_out(&d->ex[1].addr[0]);
	mx_domain_probed(d);
	assert_true(d->smtp_blocked);
	s = render(FMT_TEXT, 0, d);
	assert_non_null(strstr(s, "  no address took a connection: outbound "
	    "port 25 may be blocked on this network\n"));
	free(s);
	s = render(FMT_JSON, 0, d);
	assert_non_null(strstr(s, "\"smtp_blocked\":true"));
	free(s);
	mx_domain_free(d);
}

static void
test_json_ptr_confirmation(void **state)
{
	static const struct {
		unsigned yes, no, failed;
		const char *confirmed;	/* JSON */
	} cases[] = {
		{ 1, 0, 0, "true" },
		{ 0, 1, 0, "false" },
		/* The name's own lookup failed: not known either way. */
		{ 0, 0, 1, "null" },
		{ 0, 1, 1, "null" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mx_domain *d = domain("example.com.");
		struct mx_ptr *p;
		json_error_t err;
		json_t *root, *ptr;
		char *s;

		add(d, 10, "mx.example.com.");
		addr(d, 0, "192.31.196.1");
		mx_domain_finish(d);
		p = &d->ex[0].addr[0].ptr;
		p->asked = 1;
		p->status = MXQ_OK;
		assert_int_equal(mx_chain_add(&p->names, &p->nnames,
		    "host.example."), MXQ_OK);
		p->yes = cases[i].yes;
		p->no = cases[i].no;
		p->failed = cases[i].failed;
		s = render(FMT_JSON, 0, d);
		root = json_loads(s, 0, &err);
		assert_non_null(root);
		ptr = json_object_get(json_array_get(json_object_get(
		    json_array_get(json_object_get(root, "exchanges"), 0),
		    "addresses"), 0), "ptr");
		assert_non_null(ptr);
		if (strcmp(cases[i].confirmed, "true") == 0)
			assert_true(json_is_true(json_object_get(ptr,
			    "confirmed")));
		else if (strcmp(cases[i].confirmed, "false") == 0)
			assert_true(json_is_false(json_object_get(ptr,
			    "confirmed")));
		else
			assert_true(json_is_null(json_object_get(ptr,
			    "confirmed")));
		json_decref(root);
		free(s);
		mx_domain_free(d);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_defaults),
		cmocka_unit_test(test_smtp_implies_dane_and_the_printer),
		cmocka_unit_test(test_private_tells_the_lookup_and_the_probe),
		cmocka_unit_test(test_smtp_and_https_ports_apart),
		cmocka_unit_test(test_smtp_concurrency_bounds),
		cmocka_unit_test(test_ehlo_names),
		cmocka_unit_test(test_text_agreeing_servers),
		cmocka_unit_test(test_text_null_mx_keeps_the_checks),
		cmocka_unit_test(test_text_every_connection_timed_out),
		cmocka_unit_test(test_json_ptr_confirmation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
