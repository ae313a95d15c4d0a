/*
 * Unit tests for src/fmt_text.c, src/fmt_short.c and src/fmt_json.c:
 * golden output from hand-built models, JSON read back with jansson.
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
#include <jansson.h>

#include "mxq/cli.h"
#include "mxq/fmt.h"
#include "mxq/mx.h"
#include "mxq/status.h"
#include "mxq/wire.h"

#define SERVER "127.0.0.1#53"

/* ---- model helpers ---- */

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

/* A domain after a NOERROR MX reply. */
static struct mx_domain *
domain(const char *input)
{
	struct mx_domain *d = mx_domain_new(input, strlen(input), 0);
	char text[WIRE_TEXT_MAX];

	assert_non_null(d);
	d->qname = name(input);
	wire_name_to_text(&d->qname, text);
	assert_int_equal(mx_set_string(&d->qtext, text), MXQ_OK);
	d->status = MXQ_OK;
	d->rcode = 0;
	d->flags = WIRE_FLAG_QR | WIRE_FLAG_RD | WIRE_FLAG_RA;
	d->mx_ttl = 3600;
	d->resolved = 1;
	return d;
}

static size_t
add_wire(struct mx_domain *d, uint16_t pref, const struct wire_name *n)
{
	assert_non_null(mx_domain_add_exchange(d, pref, 3600, n));
	return d->nex - 1;
}

static size_t
add(struct mx_domain *d, uint16_t pref, const char *exchange)
{
	struct wire_name n = name(exchange);

	return add_wire(d, pref, &n);
}

static void
addr_src(struct mx_domain *d, size_t i, const char *text,
    enum mx_source src)
{
	uint8_t b[16];
	int fam = strchr(text, ':') != NULL ? 6 : 4;
	struct mx_family *f = fam == 4 ? &d->ex[i].fam4 : &d->ex[i].fam6;

	assert_int_equal(inet_pton(fam == 4 ? AF_INET : AF_INET6, text, b), 1);
	assert_int_equal(mx_exchange_add_addr(&d->ex[i], fam, b, 300, src),
	    MXQ_OK);
	f->asked = 1;
	f->status = MXQ_OK;
}

static void
addr(struct mx_domain *d, size_t i, const char *text)
{
	addr_src(d, i, text, MX_SRC_ANSWER);
}

static void
fam(struct mx_domain *d, size_t i, int family, enum mxq_status st)
{
	struct mx_family *f = family == 4 ? &d->ex[i].fam4 : &d->ex[i].fam6;

	f->asked = 1;
	f->status = st;
}

/*
 * example.com: two exchanges at 10, a backup at 20, added out of
 * order.  mx2 has no AAAA.
 */
static struct mx_domain *
model_three(void)
{
	struct mx_domain *d = domain("example.com");
	size_t i;

	i = add(d, 20, "backup.example.net");
	addr(d, i, "2001:db8::7");
	addr(d, i, "198.51.100.7");
	i = add(d, 10, "mx2.example.com");
	addr(d, i, "192.0.2.2");
	fam(d, i, 6, MXQ_ENODATA);
	i = add(d, 10, "mx1.example.com");
	addr(d, i, "192.0.2.1");
	addr(d, i, "2001:db8::1");
	mx_domain_finish(d);
	return d;
}

/* mx1 with an address, a backup that does not exist. */
static struct mx_domain *
model_dead_backup(void)
{
	struct mx_domain *d = domain("example.com");
	size_t i;

	i = add(d, 10, "mx1.example.com");
	addr(d, i, "192.0.2.1");
	fam(d, i, 6, MXQ_ENODATA);
	i = add(d, 20, "dead.example.net");
	fam(d, i, 4, MXQ_ENXDOMAIN);
	fam(d, i, 6, MXQ_ENXDOMAIN);
	mx_domain_finish(d);
	return d;
}

/* --no-resolve. */
static struct mx_domain *
model_listed(void)
{
	struct mx_domain *d = domain("example.com");

	d->resolved = 0;
	add(d, 20, "mx2.example.com");
	add(d, 10, "mx1.example.com");
	mx_domain_finish(d);
	return d;
}

static struct mx_domain *
model_null_mx(void)
{
	struct mx_domain *d = domain("example.com");

	add(d, 0, ".");
	d->nullmx = 1;
	d->resolved = 0;
	mx_domain_finish(d);
	return d;
}

static struct mx_domain *
model_implicit(void)
{
	struct mx_domain *d = domain("example.com");
	size_t i;

	d->status = MXQ_ENODATA;
	i = add_wire(d, 0, &d->qname);
	d->implicit = 1;
	addr(d, i, "192.0.2.80");
	fam(d, i, 6, MXQ_ENODATA);
	mx_domain_finish(d);
	return d;
}

static struct mx_domain *
model_nxdomain(void)
{
	struct mx_domain *d = domain("nx.example");

	d->status = MXQ_ENXDOMAIN;
	d->rcode = WIRE_RCODE_NXDOMAIN;
	d->flags |= WIRE_FLAG_AA;
	d->resolved = 0;
	mx_domain_finish(d);
	return d;
}

static struct mx_domain *
model_servfail(void)
{
	struct mx_domain *d = domain("example.com");

	d->status = MXQ_ESERVFAIL;
	d->rcode = WIRE_RCODE_SERVFAIL;
	d->resolved = 0;
	mx_domain_finish(d);
	return d;
}

/*
 * A "." among other records, as lookup.c leaves it: flagged, never
 * asked for an address.  nullpref is the preference of the ".".
 */
static struct mx_domain *
model_null_mixed(uint16_t nullpref)
{
	struct mx_domain *d = domain("example.com");
	size_t i;

	i = add(d, 0, "b.example.com");
	d->ex[i].pref = 20;
	addr(d, i, "192.0.2.2");
	i = add(d, nullpref, ".");
	d->ex[i].warn |= MX_W_NULLMIXED;
	i = add(d, 10, "a.example.com");
	addr(d, i, "192.0.2.1");
	mx_domain_finish(d);
	return d;
}

/* Label bytes ESC 'x' NUL LF '"', then "example". */
static const uint8_t hostile_wire[] = {
	5, 0x1b, 'x', 0x00, 0x0a, 0x22, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0
};
#define HOSTILE_TEXT "\\027x\\000\\010\\\".example."

static struct mx_domain *
model_hostile(void)
{
	struct mx_domain *d = mx_domain_new("ev\x1bil\n.com", 10, 0);
	struct wire_name n;
	size_t i;

	assert_non_null(d);
	d->qname = name("evil.com");
	assert_int_equal(mx_set_string(&d->qtext, "evil.com."), MXQ_OK);
	d->rcode = 0;
	d->mx_ttl = 60;
	d->resolved = 1;
	memset(&n, 0, sizeof(n));
	memcpy(n.data, hostile_wire, sizeof(hostile_wire));
	n.len = sizeof(hostile_wire);
	i = add_wire(d, 10, &n);
	addr(d, i, "192.0.2.66");
	mx_domain_finish(d);
	return d;
}

/* ---- output helpers ---- */

enum which { TEXT, SHORT, JSON };

/* Write d with the chosen formatter; the caller frees the result. */
static char *
render(enum which w, const struct mx_domain *d, int with_domain)
{
	struct mxq_opts o;
	struct fmt_ctx c;
	char *buf = NULL;
	size_t len = 0;

	memset(&o, 0, sizeof(o));
	o.format = w == TEXT ? CLI_FMT_TEXT : w == SHORT ? CLI_FMT_SHORT :
	    CLI_FMT_JSON;
	memset(&c, 0, sizeof(c));
	c.out = open_memstream(&buf, &len);
	assert_non_null(c.out);
	c.o = &o;
	c.server = SERVER;
	c.with_domain = with_domain;
	switch (w) {
	case TEXT:
		fmt_text_write(&c, d);
		break;
	case SHORT:
		fmt_short_write(&c, d);
		break;
	case JSON:
		assert_int_equal(fmt_json_write(&c, d), MXQ_OK);
		break;
	}
	assert_false(ferror(c.out));
	assert_int_equal(fclose(c.out), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), len);
	return buf;
}

static void
expect_output(enum which w, struct mx_domain *d, int with_domain,
    const char *want)
{
	char *got = render(w, d, with_domain);

	if (strcmp(got, want) != 0)
		print_error("got:\n%s\nexpected:\n%s\n", got, want);
	assert_string_equal(got, want);
	free(got);
	mx_domain_free(d);
}

/* Parse one NDJSON line: exactly one object and one final newline. */
static json_t *
json_of(struct mx_domain *d)
{
	char *s = render(JSON, d, 0);
	size_t len = strlen(s);
	json_error_t err;
	json_t *j;

	assert_true(len > 2);
	assert_int_equal(s[len - 1], '\n');
	assert_null(memchr(s, '\n', len - 1));
	j = json_loads(s, 0, &err);
	if (j == NULL)
		fail_msg("bad JSON (%s): %s", err.text, s);
	assert_true(json_is_object(j));
	free(s);
	mx_domain_free(d);
	return j;
}

static const char *
jstr(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", key);
	return json_string_value(v);
}

static json_int_t
jint(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("\"%s\" is not an integer", key);
	return json_integer_value(v);
}

static json_t *
jarr(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_array(v))
		fail_msg("\"%s\" is not an array", key);
	return v;
}

static void
assert_jnull(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_null(v))
		fail_msg("\"%s\" is not null", key);
}

/* No control byte (other than the final newlines) in any output. */
static void
assert_no_control(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
			fail_msg("raw byte 0x%02x at offset %td in \"%s\"", *p,
			    (const char *)p - s, s);
}

/* ---- text ---- */

static void
test_text_three_exchanges(void **state)
{
	(void)state;
	expect_output(TEXT, model_three(), 0,
	    "example.com.  3 exchanges, 2 preference levels\n"
	    "  10  mx1.example.com.     192.0.2.1 2001:db8::1\n"
	    "  10  mx2.example.com.     192.0.2.2\n"
	    "\n"
	    "  20  backup.example.net.  198.51.100.7 2001:db8::7  [backup]\n");
}

static void
test_text_exchange_without_address(void **state)
{
	(void)state;
	expect_output(TEXT, model_dead_backup(), 0,
	    "example.com.  2 exchanges, 2 preference levels\n"
	    "  10  mx1.example.com.   192.0.2.1\n"
	    "  20  dead.example.net.  no address: no such host (NXDOMAIN)"
	    "  [backup]\n");
}

static void
test_text_listed(void **state)
{
	(void)state;
	expect_output(TEXT, model_listed(), 0,
	    "example.com.  2 exchanges, 2 preference levels\n"
	    "  10  mx1.example.com.\n"
	    "  20  mx2.example.com.  [backup]\n");
}

static void
test_text_null_mx(void **state)
{
	(void)state;
	expect_output(TEXT, model_null_mx(), 0,
	    "example.com.  null MX: accepts no mail (RFC 7505)\n");
}

static void
test_text_implicit(void **state)
{
	(void)state;
	expect_output(TEXT, model_implicit(), 0,
	    "example.com.  no MX records: implicit MX, the domain itself "
	    "(RFC 5321 5.1)\n"
	    "   -  example.com.  192.0.2.80\n");
}

static void
test_text_nxdomain(void **state)
{
	(void)state;
	expect_output(TEXT, model_nxdomain(), 0,
	    "nx.example.  no such domain (NXDOMAIN)\n");
}

static void
test_text_servfail(void **state)
{
	(void)state;
	expect_output(TEXT, model_servfail(), 0,
	    "example.com.  lookup failed: server failure (SERVFAIL)\n");
}

static void
test_text_blank_line_between_domains(void **state)
{
	struct mxq_opts o;
	struct fmt_ctx c;
	struct mx_domain *a = model_nxdomain(), *b = model_null_mx();
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	c.out = open_memstream(&buf, &len);
	assert_non_null(c.out);
	c.o = &o;
	c.server = SERVER;
	fmt_text_write(&c, a);
	fmt_text_write(&c, b);
	assert_int_equal(fclose(c.out), 0);
	assert_string_equal(buf,
	    "nx.example.  no such domain (NXDOMAIN)\n"
	    "\n"
	    "example.com.  null MX: accepts no mail (RFC 7505)\n");
	assert_int_equal(c.count, 2);
	free(buf);
	mx_domain_free(a);
	mx_domain_free(b);
}

static void
test_text_null_mixed(void **state)
{
	(void)state;
	expect_output(TEXT, model_null_mixed(0), 0,
	    "example.com.  2 exchanges, 2 preference levels\n"
	    "   0  .               '.' among other MX records (RFC 7505)\n"
	    "  10  a.example.com.  192.0.2.1\n"
	    "  20  b.example.com.  192.0.2.2  [backup]\n");
}

static void
test_text_null_mixed_sharing_a_level(void **state)
{
	struct mx_domain *d = model_null_mixed(10);
	char *s = render(TEXT, d, 0);
	char first[128];

	(void)state;
	mx_domain_free(d);
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(s, "\n"), s);
	free(s);
	/* "." shares 10 with a.example.com.: still two levels, 10 and 20. */
	assert_string_equal(first,
	    "example.com.  2 exchanges, 2 preference levels");
}

static void
test_text_duplicates_merged(void **state)
{
	struct mx_domain *d = domain("example.com");

	(void)state;
	addr(d, add(d, 10, "mx.example.com"), "192.0.2.1");
	d->warn |= MX_DW_DUPLICATE;
	mx_domain_finish(d);
	expect_output(TEXT, d, 0,
	    "example.com.  1 exchange (duplicate MX records merged)\n"
	    "  10  mx.example.com.  192.0.2.1\n");
}

static void
test_text_no_mx_listed(void **state)
{
	struct mx_domain *d = domain("example.com");

	(void)state;
	d->status = MXQ_ENODATA;
	d->resolved = 0;
	mx_domain_finish(d);
	/* --no-resolve: nobody looked for an address. */
	expect_output(TEXT, d, 0, "example.com.  no MX records\n");
}

static void
test_text_no_mx_no_address(void **state)
{
	struct mx_domain *d = domain("example.com");
	size_t i;

	(void)state;
	d->status = MXQ_ENODATA;
	i = add_wire(d, 0, &d->qname);
	d->implicit = 1;
	fam(d, i, 4, MXQ_ENODATA);
	fam(d, i, 6, MXQ_ENODATA);
	mx_domain_finish(d);
	expect_output(TEXT, d, 0, "example.com.  no mail route: no MX records "
	    "and no address\n"
	    "   -  example.com.  no address: no A or AAAA records\n");
}

static void
test_text_hostile_name_escaped(void **state)
{
	struct mx_domain *d = model_hostile();
	char *s = render(TEXT, d, 0);

	(void)state;
	mx_domain_free(d);
	assert_no_control(s);
	assert_non_null(strstr(s, "  10  " HOSTILE_TEXT "  192.0.2.66\n"));
	free(s);
}

/* ---- short ---- */

static void
test_short_three_exchanges(void **state)
{
	(void)state;
	expect_output(SHORT, model_three(), 0,
	    "10 mx1.example.com. 192.0.2.1\n"
	    "10 mx1.example.com. 2001:db8::1\n"
	    "10 mx2.example.com. 192.0.2.2\n"
	    "20 backup.example.net. 198.51.100.7\n"
	    "20 backup.example.net. 2001:db8::7\n");
}

static void
test_short_with_domain(void **state)
{
	(void)state;
	expect_output(SHORT, model_three(), 1,
	    "example.com. 10 mx1.example.com. 192.0.2.1\n"
	    "example.com. 10 mx1.example.com. 2001:db8::1\n"
	    "example.com. 10 mx2.example.com. 192.0.2.2\n"
	    "example.com. 20 backup.example.net. 198.51.100.7\n"
	    "example.com. 20 backup.example.net. 2001:db8::7\n");
}

static void
test_short_exchange_without_address(void **state)
{
	(void)state;
	expect_output(SHORT, model_dead_backup(), 0,
	    "10 mx1.example.com. 192.0.2.1\n"
	    "20 dead.example.net. -\n");
}

static void
test_short_listed(void **state)
{
	(void)state;
	expect_output(SHORT, model_listed(), 0,
	    "10 mx1.example.com.\n"
	    "20 mx2.example.com.\n");
}

static void
test_short_listed_with_domain(void **state)
{
	(void)state;
	expect_output(SHORT, model_listed(), 1,
	    "example.com. 10 mx1.example.com.\n"
	    "example.com. 20 mx2.example.com.\n");
}

static void
test_short_null_mx_prints_nothing(void **state)
{
	(void)state;
	expect_output(SHORT, model_null_mx(), 0, "");
}

static void
test_short_implicit(void **state)
{
	(void)state;
	expect_output(SHORT, model_implicit(), 0,
	    "0 example.com. 192.0.2.80\n");
}

static void
test_short_nxdomain_prints_nothing(void **state)
{
	(void)state;
	expect_output(SHORT, model_nxdomain(), 1, "");
}

static void
test_short_servfail_prints_nothing(void **state)
{
	(void)state;
	expect_output(SHORT, model_servfail(), 0, "");
}

static void
test_short_null_mixed_skipped(void **state)
{
	(void)state;
	expect_output(SHORT, model_null_mixed(0), 0,
	    "10 a.example.com. 192.0.2.1\n"
	    "20 b.example.com. 192.0.2.2\n");
}

static void
test_short_hostile_name_escaped(void **state)
{
	(void)state;
	expect_output(SHORT, model_hostile(), 0,
	    "10 " HOSTILE_TEXT " 192.0.2.66\n");
}

/* ---- JSON ---- */

static void
test_json_three_exchanges_domain(void **state)
{
	json_t *j = json_of(model_three());
	json_t *flags;

	(void)state;
	assert_int_equal(jint(j, "schema"), 1);
	assert_string_equal(jstr(j, "domain"), "example.com");
	assert_string_equal(jstr(j, "query"), "example.com.");
	assert_jnull(j, "unicode");
	assert_jnull(j, "line");
	assert_string_equal(jstr(j, "verdict"), "mx");
	assert_string_equal(jstr(j, "status"), "ok");
	assert_string_equal(jstr(j, "rcode"), "NOERROR");
	assert_string_equal(jstr(j, "server"), SERVER);
	assert_int_equal(jint(j, "ttl"), 3600);
	assert_true(json_is_integer(json_object_get(j, "elapsed_ms")));
	assert_int_equal(json_array_size(jarr(j, "cname")), 0);
	assert_jnull(j, "message");
	flags = jarr(j, "flags");
	assert_int_equal(json_array_size(flags), 3);
	assert_string_equal(json_string_value(json_array_get(flags, 0)), "qr");
	assert_string_equal(json_string_value(json_array_get(flags, 1)), "rd");
	assert_string_equal(json_string_value(json_array_get(flags, 2)), "ra");
	assert_int_equal(json_array_size(jarr(j, "exchanges")), 3);
	json_decref(j);
}

static void
test_json_three_exchanges_exchanges(void **state)
{
	json_t *j = json_of(model_three());
	json_t *exs = jarr(j, "exchanges"), *e, *a;

	(void)state;
	e = json_array_get(exs, 0);
	assert_int_equal(jint(e, "preference"), 10);
	assert_string_equal(jstr(e, "exchange"), "mx1.example.com.");
	assert_int_equal(jint(e, "ttl"), 3600);
	assert_jnull(e, "unicode");
	assert_string_equal(jstr(e, "status"), "ok");
	assert_true(json_is_false(json_object_get(e, "backup")));
	assert_int_equal(json_array_size(jarr(e, "cname")), 0);
	assert_int_equal(json_array_size(jarr(e, "warnings")), 0);
	assert_int_equal(json_array_size(jarr(e, "addresses")), 2);
	a = json_array_get(jarr(e, "addresses"), 0);
	assert_int_equal(jint(a, "family"), 4);
	assert_string_equal(jstr(a, "address"), "192.0.2.1");
	assert_int_equal(jint(a, "ttl"), 300);
	assert_string_equal(jstr(a, "source"), "answer");
	a = json_array_get(jarr(e, "addresses"), 1);
	assert_int_equal(jint(a, "family"), 6);
	assert_string_equal(jstr(a, "address"), "2001:db8::1");

	e = json_array_get(exs, 1);
	assert_string_equal(jstr(e, "exchange"), "mx2.example.com.");
	assert_int_equal(json_array_size(jarr(e, "addresses")), 1);
	assert_true(json_is_false(json_object_get(e, "backup")));

	e = json_array_get(exs, 2);
	assert_int_equal(jint(e, "preference"), 20);
	assert_string_equal(jstr(e, "exchange"), "backup.example.net.");
	assert_true(json_is_true(json_object_get(e, "backup")));
	a = json_array_get(jarr(e, "addresses"), 0);
	assert_string_equal(jstr(a, "address"), "198.51.100.7");
	json_decref(j);
}

static void
test_json_exchange_without_address(void **state)
{
	json_t *j = json_of(model_dead_backup());
	json_t *e;

	(void)state;
	assert_string_equal(jstr(j, "verdict"), "mx");
	e = json_array_get(jarr(j, "exchanges"), 1);
	assert_string_equal(jstr(e, "exchange"), "dead.example.net.");
	assert_string_equal(jstr(e, "status"), "nxdomain");
	assert_int_equal(json_array_size(jarr(e, "addresses")), 0);
	assert_int_equal(json_array_size(jarr(e, "warnings")), 0);
	json_decref(j);
}

static void
test_json_nxdomain_lists_present(void **state)
{
	json_t *j = json_of(model_nxdomain());

	(void)state;
	assert_string_equal(jstr(j, "domain"), "nx.example");
	assert_string_equal(jstr(j, "verdict"), "nxdomain");
	assert_string_equal(jstr(j, "status"), "nxdomain");
	assert_string_equal(jstr(j, "rcode"), "NXDOMAIN");
	assert_int_equal(json_array_size(jarr(j, "exchanges")), 0);
	assert_int_equal(json_array_size(jarr(j, "cname")), 0);
	assert_int_equal(json_array_size(jarr(j, "flags")), 4);
	assert_jnull(j, "ttl");
	assert_true(jstr(j, "message")[0] != '\0');
	json_decref(j);
}

static void
test_json_null_mx(void **state)
{
	json_t *j = json_of(model_null_mx());

	(void)state;
	assert_string_equal(jstr(j, "verdict"), "null-mx");
	assert_string_equal(jstr(j, "status"), "nodata");
	assert_jnull(j, "ttl");
	assert_int_equal(json_array_size(jarr(j, "exchanges")), 1);
	assert_string_equal(jstr(json_array_get(jarr(j, "exchanges"), 0),
	    "exchange"), ".");
	json_decref(j);
}

static void
test_json_implicit(void **state)
{
	json_t *j = json_of(model_implicit());
	json_t *e;

	(void)state;
	assert_string_equal(jstr(j, "verdict"), "implicit-mx");
	assert_string_equal(jstr(j, "status"), "ok");
	assert_jnull(j, "ttl");
	e = json_array_get(jarr(j, "exchanges"), 0);
	assert_int_equal(jint(e, "preference"), 0);
	assert_string_equal(jstr(e, "exchange"), "example.com.");
	assert_jnull(e, "ttl");
	assert_string_equal(jstr(e, "status"), "ok");
	assert_true(json_is_false(json_object_get(e, "backup")));
	assert_int_equal(json_array_size(jarr(e, "addresses")), 1);
	json_decref(j);
}

static void
test_json_listed(void **state)
{
	json_t *j = json_of(model_listed());
	json_t *e;

	(void)state;
	assert_string_equal(jstr(j, "verdict"), "mx-listed");
	assert_string_equal(jstr(j, "status"), "ok");
	e = json_array_get(jarr(j, "exchanges"), 0);
	assert_string_equal(jstr(e, "status"), "unresolved");
	assert_int_equal(json_array_size(jarr(e, "addresses")), 0);
	json_decref(j);
}

static void
test_json_servfail(void **state)
{
	json_t *j = json_of(model_servfail());

	(void)state;
	assert_string_equal(jstr(j, "verdict"), "unknown");
	assert_string_equal(jstr(j, "status"), "servfail");
	assert_string_equal(jstr(j, "rcode"), "SERVFAIL");
	assert_int_equal(json_array_size(jarr(j, "exchanges")), 0);
	json_decref(j);
}

static void
test_json_no_reply(void **state)
{
	struct mx_domain *d = domain("example.com");
	json_t *j;

	(void)state;
	d->status = MXQ_ETIMEOUT;
	d->rcode = -1;
	d->resolved = 0;
	mx_domain_finish(d);
	j = json_of(d);
	assert_string_equal(jstr(j, "status"), "timeout");
	assert_jnull(j, "rcode");
	assert_int_equal(json_array_size(jarr(j, "flags")), 0);
	json_decref(j);
}

static void
test_json_sources_and_warnings(void **state)
{
	struct mx_domain *d = domain("example.com");
	json_t *j, *e, *w;
	size_t i;

	(void)state;
	i = add(d, 10, "192.0.2.9.");
	addr_src(d, i, "192.0.2.9", MX_SRC_ADDITIONAL);
	fam(d, i, 6, MXQ_ETIMEOUT);
	d->line = 42;
	mx_domain_finish(d);
	j = json_of(d);
	assert_int_equal(jint(j, "line"), 42);
	e = json_array_get(jarr(j, "exchanges"), 0);
	assert_string_equal(jstr(json_array_get(jarr(e, "addresses"), 0),
	    "source"), "additional");
	w = jarr(e, "warnings");
	assert_int_equal(json_array_size(w), 2);
	assert_string_equal(json_string_value(json_array_get(w, 0)),
	    "ip-literal");
	assert_string_equal(json_string_value(json_array_get(w, 1)),
	    "partial");
	json_decref(j);
}

static void
test_json_null_mixed(void **state)
{
	json_t *j = json_of(model_null_mixed(0));
	json_t *e, *w;

	(void)state;
	assert_string_equal(jstr(j, "verdict"), "mx");
	assert_int_equal(json_array_size(jarr(j, "exchanges")), 3);
	e = json_array_get(jarr(j, "exchanges"), 0);
	assert_string_equal(jstr(e, "exchange"), ".");
	assert_string_equal(jstr(e, "status"), "nodata");
	assert_true(json_is_false(json_object_get(e, "backup")));
	w = jarr(e, "warnings");
	assert_int_equal(json_array_size(w), 1);
	assert_string_equal(json_string_value(json_array_get(w, 0)),
	    "null-mx-mixed");
	e = json_array_get(jarr(j, "exchanges"), 2);
	assert_true(json_is_true(json_object_get(e, "backup")));
	json_decref(j);
}

static void
test_json_domain_warnings(void **state)
{
	struct mx_domain *d = model_three();
	json_t *j, *w;

	(void)state;
	j = json_of(model_three());
	assert_int_equal(json_array_size(jarr(j, "warnings")), 0);
	json_decref(j);
	d->warn |= MX_DW_DUPLICATE;
	j = json_of(d);
	w = jarr(j, "warnings");
	assert_int_equal(json_array_size(w), 1);
	assert_string_equal(json_string_value(json_array_get(w, 0)),
	    "duplicate-mx");
	json_decref(j);
}

static void
test_json_hostile_name_escaped(void **state)
{
	struct mx_domain *d = model_hostile();
	char *s = render(JSON, d, 0);
	json_t *j, *e;

	(void)state;
	mx_domain_free(d);
	assert_no_control(s);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	/* Presentation form, not the raw octets. */
	e = json_array_get(jarr(j, "exchanges"), 0);
	assert_string_equal(jstr(e, "exchange"), HOSTILE_TEXT);
	assert_string_equal(jstr(j, "domain"), "ev\\x1bil\\x0a.com");
	json_decref(j);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_three_exchanges),
		cmocka_unit_test(test_text_exchange_without_address),
		cmocka_unit_test(test_text_listed),
		cmocka_unit_test(test_text_null_mx),
		cmocka_unit_test(test_text_implicit),
		cmocka_unit_test(test_text_nxdomain),
		cmocka_unit_test(test_text_servfail),
		cmocka_unit_test(test_text_blank_line_between_domains),
		cmocka_unit_test(test_text_null_mixed),
		cmocka_unit_test(test_text_null_mixed_sharing_a_level),
		cmocka_unit_test(test_text_duplicates_merged),
		cmocka_unit_test(test_text_no_mx_listed),
		cmocka_unit_test(test_text_no_mx_no_address),
		cmocka_unit_test(test_text_hostile_name_escaped),
		cmocka_unit_test(test_short_three_exchanges),
		cmocka_unit_test(test_short_with_domain),
		cmocka_unit_test(test_short_exchange_without_address),
		cmocka_unit_test(test_short_listed),
		cmocka_unit_test(test_short_listed_with_domain),
		cmocka_unit_test(test_short_null_mx_prints_nothing),
		cmocka_unit_test(test_short_implicit),
		cmocka_unit_test(test_short_nxdomain_prints_nothing),
		cmocka_unit_test(test_short_servfail_prints_nothing),
		cmocka_unit_test(test_short_null_mixed_skipped),
		cmocka_unit_test(test_short_hostile_name_escaped),
		cmocka_unit_test(test_json_three_exchanges_domain),
		cmocka_unit_test(test_json_three_exchanges_exchanges),
		cmocka_unit_test(test_json_exchange_without_address),
		cmocka_unit_test(test_json_nxdomain_lists_present),
		cmocka_unit_test(test_json_null_mx),
		cmocka_unit_test(test_json_implicit),
		cmocka_unit_test(test_json_listed),
		cmocka_unit_test(test_json_servfail),
		cmocka_unit_test(test_json_no_reply),
		cmocka_unit_test(test_json_sources_and_warnings),
		cmocka_unit_test(test_json_null_mixed),
		cmocka_unit_test(test_json_domain_warnings),
		cmocka_unit_test(test_json_hostile_name_escaped),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
