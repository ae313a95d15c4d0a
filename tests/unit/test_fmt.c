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

/* What the command line leaves for a format: nothing else set. */
static struct fmt_config
config(enum fmt_format format)
{
	struct fmt_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.format = format;
	cfg.server = SERVER;
	return cfg;
}

/* Write d with the printer of cfg->format; the caller frees the result. */
static char *
render_cfg(const struct fmt_config *cfg, const struct mx_domain *d)
{
	struct fmt f;
	enum mxq_status st = MXQ_EINTERNAL;
	char *buf = NULL;
	size_t len = 0;

	memset(&f, 0, sizeof(f));
	f.cfg = *cfg;
	f.out = open_memstream(&buf, &len);
	assert_non_null(f.out);
	switch (cfg->format) {
	case FMT_TEXT:
		st = fmt_text_write(&f, d);
		break;
	case FMT_SHORT:
		st = fmt_short_write(&f, d);
		break;
	case FMT_JSON:
		st = fmt_json_write(&f, d);
		break;
	}
	assert_int_equal(st, MXQ_OK);
	if (cfg->format == FMT_TEXT)
		assert_int_equal(f.count, 1);
	assert_false(ferror(f.out));
	assert_int_equal(fclose(f.out), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), len);
	return buf;
}

static char *
render(enum fmt_format w, const struct mx_domain *d, int with_domain)
{
	struct fmt_config cfg = config(w);

	cfg.with_domain = with_domain;
	return render_cfg(&cfg, d);
}

/* Compare with want, then free d. */
static void
expect_cfg(const struct fmt_config *cfg, struct mx_domain *d,
    const char *want)
{
	char *got = render_cfg(cfg, d);

	if (strcmp(got, want) != 0)
		print_error("got:\n%s\nexpected:\n%s\n", got, want);
	assert_string_equal(got, want);
	free(got);
	mx_domain_free(d);
}

static void
expect_output(enum fmt_format w, struct mx_domain *d, int with_domain,
    const char *want)
{
	struct fmt_config cfg = config(w);

	cfg.with_domain = with_domain;
	expect_cfg(&cfg, d, want);
}

/* As mxq -n prints it: the lookup left d unresolved, -n tells fmt. */
static void
expect_listed(enum fmt_format w, struct mx_domain *d, int with_domain,
    const char *want)
{
	struct fmt_config cfg = config(w);

	cfg.with_domain = with_domain;
	cfg.no_resolve = 1;
	expect_cfg(&cfg, d, want);
}

/* Parse one NDJSON line: exactly one object and one final newline. */
static json_t *
json_of_cfg(const struct fmt_config *cfg, struct mx_domain *d)
{
	char *s = render_cfg(cfg, d);
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

static json_t *
json_of(struct mx_domain *d)
{
	struct fmt_config cfg = config(FMT_JSON);

	return json_of_cfg(&cfg, d);
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
	expect_output(FMT_TEXT, model_three(), 0,
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
	expect_output(FMT_TEXT, model_dead_backup(), 0,
	    "example.com.  2 exchanges, 2 preference levels\n"
	    "  10  mx1.example.com.   192.0.2.1\n"
	    "  20  dead.example.net.  no address: no such host (NXDOMAIN)"
	    "  [backup]\n");
}

static void
test_text_listed(void **state)
{
	(void)state;
	expect_listed(FMT_TEXT, model_listed(), 0,
	    "example.com.  2 exchanges, 2 preference levels\n"
	    "  10  mx1.example.com.\n"
	    "  20  mx2.example.com.  [backup]\n");
}

static void
test_text_null_mx(void **state)
{
	(void)state;
	expect_output(FMT_TEXT, model_null_mx(), 0,
	    "example.com.  null MX: accepts no mail (RFC 7505)\n");
}

static void
test_text_implicit(void **state)
{
	(void)state;
	expect_output(FMT_TEXT, model_implicit(), 0,
	    "example.com.  no MX records: implicit MX, the domain itself "
	    "(RFC 5321 5.1)\n"
	    "   -  example.com.  192.0.2.80\n");
}

static void
test_text_nxdomain(void **state)
{
	(void)state;
	expect_output(FMT_TEXT, model_nxdomain(), 0,
	    "nx.example.  no such domain (NXDOMAIN)\n");
}

static void
test_text_servfail(void **state)
{
	(void)state;
	expect_output(FMT_TEXT, model_servfail(), 0,
	    "example.com.  lookup failed: server failure (SERVFAIL)\n");
}

static void
test_text_blank_line_between_domains(void **state)
{
	struct fmt c;
	struct mx_domain *a = model_nxdomain(), *b = model_null_mx();
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.cfg = config(FMT_TEXT);
	c.out = open_memstream(&buf, &len);
	assert_non_null(c.out);
	assert_int_equal(fmt_text_write(&c, a), MXQ_OK);
	assert_int_equal(fmt_text_write(&c, b), MXQ_OK);
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
	expect_output(FMT_TEXT, model_null_mixed(0), 0,
	    "example.com.  2 exchanges, 2 preference levels\n"
	    "   0  .               '.' among other MX records (RFC 7505)\n"
	    "  10  a.example.com.  192.0.2.1\n"
	    "  20  b.example.com.  192.0.2.2  [backup]\n");
}

static void
test_text_null_mixed_sharing_a_level(void **state)
{
	struct mx_domain *d = model_null_mixed(10);
	char *s = render(FMT_TEXT, d, 0);
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
	expect_output(FMT_TEXT, d, 0,
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
	expect_listed(FMT_TEXT, d, 0, "example.com.  no MX records\n");
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
	expect_output(FMT_TEXT, d, 0,
	    "example.com.  no mail route: no MX records and no address\n"
	    "   -  example.com.  no address: no A or AAAA records\n");
}

static void
test_text_hostile_name_escaped(void **state)
{
	struct mx_domain *d = model_hostile();
	char *s = render(FMT_TEXT, d, 0);

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
	expect_output(FMT_SHORT, model_three(), 0,
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
	expect_output(FMT_SHORT, model_three(), 1,
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
	expect_output(FMT_SHORT, model_dead_backup(), 0,
	    "10 mx1.example.com. 192.0.2.1\n"
	    "20 dead.example.net. -\n");
}

static void
test_short_listed(void **state)
{
	(void)state;
	expect_listed(FMT_SHORT, model_listed(), 0,
	    "10 mx1.example.com.\n"
	    "20 mx2.example.com.\n");
}

static void
test_short_listed_with_domain(void **state)
{
	(void)state;
	expect_listed(FMT_SHORT, model_listed(), 1,
	    "example.com. 10 mx1.example.com.\n"
	    "example.com. 20 mx2.example.com.\n");
}

static void
test_short_null_mx_prints_nothing(void **state)
{
	(void)state;
	expect_output(FMT_SHORT, model_null_mx(), 0, "");
}

static void
test_short_implicit(void **state)
{
	(void)state;
	expect_output(FMT_SHORT, model_implicit(), 0,
	    "0 example.com. 192.0.2.80\n");
}

static void
test_short_nxdomain_prints_nothing(void **state)
{
	(void)state;
	expect_output(FMT_SHORT, model_nxdomain(), 1, "");
}

static void
test_short_servfail_prints_nothing(void **state)
{
	(void)state;
	expect_output(FMT_SHORT, model_servfail(), 0, "");
}

static void
test_short_null_mixed_skipped(void **state)
{
	(void)state;
	expect_output(FMT_SHORT, model_null_mixed(0), 0,
	    "10 a.example.com. 192.0.2.1\n"
	    "20 b.example.com. 192.0.2.2\n");
}

static void
test_short_hostile_name_escaped(void **state)
{
	(void)state;
	expect_output(FMT_SHORT, model_hostile(), 0,
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
	struct fmt_config cfg = config(FMT_JSON);
	json_t *j, *e;

	(void)state;
	cfg.no_resolve = 1;
	j = json_of_cfg(&cfg, model_listed());
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
	char *s = render(FMT_JSON, d, 0);
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

/* ---- the message: one wording for every printer ---- */

/* "." alone at preference pref, flagged as lookup.c flags it. */
static struct mx_domain *
model_null_pref(uint16_t pref)
{
	struct mx_domain *d = domain("example.com");
	size_t i;

	i = add(d, pref, ".");
	d->ex[i].warn |= MX_W_NULLPREF;
	mx_domain_finish(d);
	return d;
}

/* MX records came; every exchange failed temporarily. */
static struct mx_domain *
model_unknown_exchanges(void)
{
	struct mx_domain *d = domain("example.com");
	size_t i;

	i = add(d, 20, "b.example.net");
	fam(d, i, 4, MXQ_ESERVFAIL);
	fam(d, i, 6, MXQ_ESERVFAIL);
	i = add(d, 10, "a.example.net");
	fam(d, i, 4, MXQ_ETIMEOUT);
	fam(d, i, 6, MXQ_ETIMEOUT);
	mx_domain_finish(d);
	return d;
}

static void
test_text_null_pref(void **state)
{
	(void)state;
	expect_output(FMT_TEXT, model_null_pref(10), 0,
	    "example.com.  no mail route: the only MX record is '.' at "
	    "preference 10, which is no host (a null MX has preference 0, "
	    "RFC 7505)\n"
	    "  10  .  '.' is no host: a null MX has preference 0 (RFC 7505)\n");
}

static void
test_text_unknown_exchanges(void **state)
{
	(void)state;
	expect_output(FMT_TEXT, model_unknown_exchanges(), 0,
	    "example.com.  2 exchanges, 2 preference levels; mail route "
	    "unknown: no exchange has an address (a.example.net.: timed out, "
	    "and more)\n"
	    "  10  a.example.net.  lookup failed: timed out\n"
	    "  20  b.example.net.  lookup failed: server failure (SERVFAIL)"
	    "  [backup]\n");
}

/*
 * d->message is set by mx_domain_finish for every verdict without a
 * route, and is the words of the text header and of JSON's "message".
 */
static void
expect_one_wording(struct mx_domain *(*model)(void), const char *want)
{
	struct mx_domain *d = model();
	char *text = render(FMT_TEXT, d, 0);
	char *first;
	json_t *j;

	if (want != NULL) {
		assert_non_null(d->message);
		assert_string_equal(d->message, want);
	} else {
		assert_null(d->message);
	}
	first = strndup(text, strcspn(text, "\n"));
	assert_non_null(first);
	if (want != NULL && strstr(first, want) == NULL)
		fail_msg("text header \"%s\" lacks \"%s\"", first, want);
	free(first);
	free(text);
	j = json_of(d);
	if (want != NULL)
		assert_string_equal(jstr(j, "message"), want);
	else
		assert_jnull(j, "message");
	json_decref(j);
}

static struct mx_domain *
model_null_pref_10(void)
{
	return model_null_pref(10);
}

static struct mx_domain *
model_no_mx_no_address(void)
{
	struct mx_domain *d = domain("example.com");
	size_t i;

	d->status = MXQ_ENODATA;
	i = add_wire(d, 0, &d->qname);
	d->implicit = 1;
	fam(d, i, 4, MXQ_ENODATA);
	fam(d, i, 6, MXQ_ENODATA);
	mx_domain_finish(d);
	return d;
}

static struct mx_domain *
model_no_address(void)
{
	struct mx_domain *d = domain("example.com");
	size_t i;

	i = add(d, 10, "gone.example.net");
	fam(d, i, 4, MXQ_ENXDOMAIN);
	fam(d, i, 6, MXQ_ENXDOMAIN);
	mx_domain_finish(d);
	return d;
}

static void
test_message_one_wording(void **state)
{
	(void)state;
	expect_one_wording(model_three, NULL);
	expect_one_wording(model_implicit, NULL);
	expect_one_wording(model_listed, NULL);
	expect_one_wording(model_nxdomain, "no such domain (NXDOMAIN)");
	expect_one_wording(model_null_mx,
	    "null MX: accepts no mail (RFC 7505)");
	expect_one_wording(model_servfail, "server failure (SERVFAIL)");
	expect_one_wording(model_no_mx_no_address,
	    "no mail route: no MX records and no address");
	expect_one_wording(model_no_address,
	    "no mail route: no exchange has an address");
	expect_one_wording(model_null_pref_10,
	    "no mail route: the only MX record is '.' at preference 10, "
	    "which is no host (a null MX has preference 0, RFC 7505)");
	expect_one_wording(model_unknown_exchanges,
	    "mail route unknown: no exchange has an address "
	    "(a.example.net.: timed out, and more)");
}

static void
test_message_from_the_lookup_is_kept(void **state)
{
	struct mx_domain *d = domain("example.com");
	char *text;
	json_t *j;

	(void)state;
	/* A failure the lookup could name keeps its words everywhere. */
	d->status = MXQ_EREFERRAL;
	d->resolved = 0;
	assert_int_equal(mx_set_string(&d->message, "referral from "
	    "192.0.2.53#53 to example.com. (the server does not recurse)"),
	    MXQ_OK);
	mx_domain_finish(d);
	text = render(FMT_TEXT, d, 0);
	assert_string_equal(text, "example.com.  lookup failed: referral "
	    "from 192.0.2.53#53 to example.com. (the server does not "
	    "recurse)\n");
	free(text);
	j = json_of(d);
	assert_string_equal(jstr(j, "message"), "referral from 192.0.2.53#53 "
	    "to example.com. (the server does not recurse)");
	assert_string_equal(jstr(j, "status"), "referral");
	assert_string_equal(jstr(j, "verdict"), "unknown");
	json_decref(j);
}

/* ---- short: -n prints MX records, '.' included ---- */

static void
test_short_listed_null_mx(void **state)
{
	(void)state;
	/* dig +short MX shows "0 ."; so does mxq -s -n. */
	expect_listed(FMT_SHORT, model_null_mx(), 0, "0 .\n");
	expect_listed(FMT_SHORT, model_null_mx(), 1, "example.com. 0 .\n");
	/* Without -n a null MX has no line. */
	expect_output(FMT_SHORT, model_null_mx(), 1, "");
}

static void
test_short_listed_null_mixed(void **state)
{
	(void)state;
	expect_listed(FMT_SHORT, model_null_mixed(0), 0,
	    "0 .\n"
	    "10 a.example.com.\n"
	    "20 b.example.com.\n");
	expect_listed(FMT_SHORT, model_null_mixed(10), 1,
	    "example.com. 10 .\n"
	    "example.com. 10 a.example.com.\n"
	    "example.com. 20 b.example.com.\n");
}

static void
test_short_null_pref(void **state)
{
	(void)state;
	expect_listed(FMT_SHORT, model_null_pref(10), 0, "10 .\n");
	/* Without -n, never a '.': it is no exchange to show. */
	expect_output(FMT_SHORT, model_null_pref(10), 0, "");
	expect_output(FMT_SHORT, model_null_pref(10), 1, "");
	expect_output(FMT_SHORT, model_null_mixed(20), 1,
	    "example.com. 10 a.example.com. 192.0.2.1\n"
	    "example.com. 20 b.example.com. 192.0.2.2\n");
}

static void
test_short_no_dot_without_no_resolve(void **state)
{
	struct mx_domain *models[4];
	size_t i;

	(void)state;
	models[0] = model_null_mx();
	models[1] = model_null_mixed(0);
	models[2] = model_null_mixed(30);
	models[3] = model_null_pref(5);
	for (i = 0; i < 4; i++) {
		char *s = render(FMT_SHORT, models[i], 1);
		char *line, *save = NULL, ex[WIRE_TEXT_MAX];

		/* "DOMAIN PREF EXCHANGE ADDRESS": never "." for EXCHANGE. */
		for (line = strtok_r(s, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			assert_int_equal(sscanf(line, "%*s %*s %1000s", ex),
			    1);
			if (strcmp(ex, ".") == 0)
				fail_msg("model %zu: \"%s\"", i, line);
		}
		free(s);
		mx_domain_free(models[i]);
	}
}

/* ---- text: -v ---- */

static void
assert_prefix(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)) != 0)
		fail_msg("\"%s\" does not start with \"%s\"", s, prefix);
}

/* The ";; server" line of -v for d (freed), without its leading spaces. */
static char *
verbose_line(struct mx_domain *d)
{
	struct fmt_config cfg = config(FMT_TEXT);
	char *s, *line, *nl;

	cfg.verbose = 1;
	s = render_cfg(&cfg, d);
	mx_domain_free(d);
	line = strstr(s, ";; server ");
	if (line == NULL)
		fail_msg("no server line in \"%s\"", s);
	nl = strchr(line, '\n');
	assert_non_null(nl);
	line = strndup(line, (size_t)(nl - line));
	assert_non_null(line);
	free(s);
	return line;
}

static void
test_text_verbose(void **state)
{
	struct fmt_config cfg = config(FMT_TEXT);
	struct mx_domain *d = model_dead_backup();

	(void)state;
	cfg.verbose = 1;
	d->elapsed_ms = 12.4;
	expect_cfg(&cfg, d,
	    "example.com.  2 exchanges, 2 preference levels\n"
	    "  ;; server " SERVER ", rcode NOERROR, flags qr rd ra, "
	    "MX ttl 3600, 12 ms\n"
	    "  10  mx1.example.com.  ttl 3600\n"
	    "        A    192.0.2.1  ttl 300\n"
	    "  20  dead.example.net.  ttl 3600  [backup]\n"
	    "        no address: no such host (NXDOMAIN)\n");
}

static void
test_text_verbose_server(void **state)
{
	struct mx_domain *d;
	char *line;

	(void)state;
	/* No server in the model: the configured one. */
	line = verbose_line(model_three());
	assert_prefix(line, ";; server " SERVER ", rcode");
	free(line);
	/* The server that answered, and the name it was given as. */
	d = model_three();
	assert_int_equal(mx_set_string(&d->server, "192.0.2.53#5300"),
	    MXQ_OK);
	line = verbose_line(d);
	assert_prefix(line, ";; server 192.0.2.53#5300, rcode");
	free(line);
	d = model_three();
	assert_int_equal(mx_set_string(&d->server, "::1#53"), MXQ_OK);
	assert_int_equal(mx_set_string(&d->server_name, "localhost"), MXQ_OK);
	line = verbose_line(d);
	assert_prefix(line, ";; server ::1#53 (localhost), rcode");
	free(line);
}

static void
test_text_verbose_notes(void **state)
{
	struct mx_domain *d;
	char *line;

	(void)state;
	line = verbose_line(model_three());
	assert_null(strstr(line, "TCP"));
	assert_null(strstr(line, "EDNS"));
	free(line);
	d = model_three();
	d->notes = MX_NOTE_TCP;
	line = verbose_line(d);
	assert_non_null(strstr(line, ", over TCP, "));
	assert_null(strstr(line, "EDNS"));
	free(line);
	d = model_three();
	d->notes = MX_NOTE_NOEDNS;
	line = verbose_line(d);
	assert_non_null(strstr(line,
	    ", without EDNS (the server rejects it), "));
	assert_null(strstr(line, "TCP"));
	free(line);
	d = model_three();
	d->notes = MX_NOTE_TCP | MX_NOTE_TRUNCATED | MX_NOTE_NOEDNS;
	line = verbose_line(d);
	assert_non_null(strstr(line, "over TCP"));
	assert_non_null(strstr(line, "truncated"));
	assert_non_null(strstr(line, "without EDNS (the server rejects it)"));
	free(line);
}

/* ---- JSON: server, tcp, edns ---- */

/* Position of key among the members of object o, or -1. */
static int
key_index(json_t *o, const char *key)
{
	void *it;
	int i = 0;

	for (it = json_object_iter(o); it != NULL;
	    it = json_object_iter_next(o, it), i++)
		if (strcmp(json_object_iter_key(it), key) == 0)
			return i;
	return -1;
}

static void
test_json_tcp_edns(void **state)
{
	struct mx_domain *d;
	json_t *j;
	int s;

	(void)state;
	j = json_of(model_three());
	assert_true(json_is_false(json_object_get(j, "tcp")));
	assert_true(json_is_true(json_object_get(j, "edns")));
	/* Right after "server". */
	s = key_index(j, "server");
	assert_true(s >= 0);
	assert_int_equal(key_index(j, "tcp"), s + 1);
	assert_int_equal(key_index(j, "edns"), s + 2);
	json_decref(j);
	d = model_three();
	d->notes = MX_NOTE_TCP | MX_NOTE_TRUNCATED | MX_NOTE_NOEDNS;
	j = json_of(d);
	assert_true(json_is_true(json_object_get(j, "tcp")));
	assert_true(json_is_false(json_object_get(j, "edns")));
	json_decref(j);
	/* An answer with an error RCODE is an answer. */
	d = model_servfail();
	d->notes = MX_NOTE_TCP;
	j = json_of(d);
	assert_true(json_is_true(json_object_get(j, "tcp")));
	assert_true(json_is_true(json_object_get(j, "edns")));
	json_decref(j);
}

static void
test_json_no_reply_tcp_edns_null(void **state)
{
	struct mx_domain *d = domain("example.com");
	json_t *j;

	(void)state;
	d->status = MXQ_ETIMEOUT;
	d->rcode = -1;
	d->resolved = 0;
	/* What a try over TCP leaves does not make an answer. */
	d->notes = MX_NOTE_TCP | MX_NOTE_NOEDNS;
	mx_domain_finish(d);
	j = json_of(d);
	assert_jnull(j, "rcode");
	assert_jnull(j, "tcp");
	assert_jnull(j, "edns");
	assert_string_equal(jstr(j, "message"), "timed out");
	json_decref(j);
}

static void
test_json_server(void **state)
{
	struct fmt_config cfg = config(FMT_JSON);
	struct mx_domain *d;
	json_t *j;

	(void)state;
	d = model_three();
	assert_int_equal(mx_set_string(&d->server, "[2001:db8::53]#5300"),
	    MXQ_OK);
	assert_int_equal(mx_set_string(&d->server_name, "ns.example"),
	    MXQ_OK);
	j = json_of(d);
	assert_string_equal(jstr(j, "server"), "[2001:db8::53]#5300");
	json_decref(j);
	/* Neither the model nor the configuration names one. */
	cfg.server = NULL;
	j = json_of_cfg(&cfg, model_three());
	assert_jnull(j, "server");
	json_decref(j);
}

static void
test_json_null_pref(void **state)
{
	json_t *j = json_of(model_null_pref(10));
	json_t *e, *w;

	(void)state;
	assert_string_equal(jstr(j, "verdict"), "no-address");
	assert_string_equal(jstr(j, "status"), "nodata");
	e = json_array_get(jarr(j, "exchanges"), 0);
	assert_string_equal(jstr(e, "exchange"), ".");
	assert_int_equal(jint(e, "preference"), 10);
	assert_true(json_is_false(json_object_get(e, "backup")));
	w = jarr(e, "warnings");
	assert_int_equal(json_array_size(w), 1);
	assert_string_equal(json_string_value(json_array_get(w, 0)),
	    "null-mx-preference");
	json_decref(j);
}

/* ---- the warnings table ---- */

static void
check_table(const struct fmt_warning *t, size_t n, unsigned all)
{
	unsigned seen = 0;
	size_t i, k;

	for (i = 0; i < n; i++) {
		assert_true(t[i].bit != 0);
		/* One bit per row, each once, each a known one. */
		assert_int_equal(t[i].bit & (t[i].bit - 1), 0);
		assert_int_equal(seen & t[i].bit, 0);
		assert_int_equal(t[i].bit & ~all, 0);
		seen |= t[i].bit;
		assert_non_null(t[i].token);
		assert_true(t[i].token[0] != '\0');
		assert_non_null(t[i].words);
		for (k = 0; k < i; k++)
			assert_string_not_equal(t[k].token, t[i].token);
	}
	assert_int_equal(seen, all);
}

static void
test_warnings_table(void **state)
{
	static const struct {
		unsigned bit;
		const char *token;
	} want[] = {
		{ MX_W_CNAME, "cname" },
		{ MX_W_IPLITERAL, "ip-literal" },
		{ MX_W_NULLMIXED, "null-mx-mixed" },
		{ MX_W_NULLPREF, "null-mx-preference" },
		{ MX_W_PARTIAL, "partial" },
		{ MX_W_ADDRLIMIT, "address-limit" },
		{ MX_W_ZONETWICE, "zone-twice" },
		{ MX_W_ADDRZONE, "address-and-zone" },
		{ MX_W_NOPUBLIC, "no-public-address" },
	};
	size_t i, k;

	(void)state;
	check_table(fmt_exchange_warnings, fmt_nexchange_warnings,
	    MX_W_CNAME | MX_W_IPLITERAL | MX_W_NULLMIXED | MX_W_NULLPREF |
	    MX_W_PARTIAL | MX_W_ADDRLIMIT | MX_W_ZONETWICE | MX_W_ADDRZONE |
	    MX_W_NOPUBLIC);
	check_table(fmt_domain_warnings, fmt_ndomain_warnings,
	    MX_DW_DUPLICATE);
	assert_string_equal(fmt_domain_warnings[0].token, "duplicate-mx");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		for (k = 0; k < fmt_nexchange_warnings; k++)
			if (fmt_exchange_warnings[k].bit == want[i].bit)
				break;
		assert_true(k < fmt_nexchange_warnings);
		assert_string_equal(fmt_exchange_warnings[k].token,
		    want[i].token);
	}
}

static void
test_json_warnings_follow_table(void **state)
{
	struct mx_domain *d = domain("example.com");
	json_t *j, *w;
	size_t i, k = 0;

	(void)state;
	i = add(d, 10, "192.0.2.9.");
	addr(d, i, "192.0.2.9");
	d->ex[i].warn |= MX_W_CNAME | MX_W_ADDRLIMIT;
	assert_int_equal(mx_chain_add(&d->ex[i].cname, &d->ex[i].ncname,
	    "real.example."), MXQ_OK);
	fam(d, i, 6, MXQ_ETIMEOUT);
	mx_domain_finish(d);
	j = json_of(d);
	w = jarr(json_array_get(jarr(j, "exchanges"), 0), "warnings");
	assert_int_equal(json_array_size(w), 4);
	/* Every token once, in the table's order. */
	for (i = 0; i < fmt_nexchange_warnings; i++) {
		unsigned bit = fmt_exchange_warnings[i].bit;

		if (!(bit & (MX_W_CNAME | MX_W_IPLITERAL | MX_W_PARTIAL |
		    MX_W_ADDRLIMIT)))
			continue;
		assert_string_equal(json_string_value(json_array_get(w, k)),
		    fmt_exchange_warnings[i].token);
		k++;
	}
	assert_int_equal(k, 4);
	json_decref(j);
}

/* ---- fmt_write ---- */

static char *
write_all(const struct fmt_config *cfg, const struct mx_domain *d,
    enum mxq_status *st)
{
	struct fmt f;
	char *buf = NULL;
	size_t len = 0;

	memset(&f, 0, sizeof(f));
	f.cfg = *cfg;
	f.out = open_memstream(&buf, &len);
	assert_non_null(f.out);
	*st = fmt_write(&f, d);
	assert_int_equal(fclose(f.out), 0);
	assert_non_null(buf);
	return buf;
}

static void
test_write_dispatches(void **state)
{
	static const enum fmt_format formats[] = {
		FMT_TEXT, FMT_SHORT, FMT_JSON
	};
	struct mx_domain *d = model_three();
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct fmt_config cfg = config(formats[i]);
		enum mxq_status st;
		char *direct = render_cfg(&cfg, d);
		char *got = write_all(&cfg, d, &st);

		assert_int_equal(st, MXQ_OK);
		assert_string_equal(got, direct);
		free(got);
		free(direct);
	}
	mx_domain_free(d);
}

static void
test_write_invalid(void **state)
{
	struct fmt_config cfg;
	struct mx_domain *d = mx_domain_new("a b", 3, 0);
	enum mxq_status st;
	char *s;
	json_t *j;

	(void)state;
	assert_non_null(d);
	d->status = MXQ_EINVAL;
	assert_int_equal(mx_set_string(&d->message, "white space"), MXQ_OK);
	mx_domain_finish(d);
	/* Text and --short say nothing of it on stdout (stderr does). */
	cfg = config(FMT_TEXT);
	s = write_all(&cfg, d, &st);
	assert_int_equal(st, MXQ_OK);
	assert_string_equal(s, "");
	free(s);
	cfg = config(FMT_SHORT);
	s = write_all(&cfg, d, &st);
	assert_int_equal(st, MXQ_OK);
	assert_string_equal(s, "");
	free(s);
	/* --json keeps its place with an object. */
	cfg = config(FMT_JSON);
	s = write_all(&cfg, d, &st);
	assert_int_equal(st, MXQ_OK);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_string_equal(jstr(j, "verdict"), "invalid");
	assert_string_equal(jstr(j, "status"), "invalid");
	assert_string_equal(jstr(j, "message"), "white space");
	assert_jnull(j, "query");
	json_decref(j);
	free(s);
	mx_domain_free(d);
}

static void
test_write_error(void **state)
{
	static const enum fmt_format formats[] = {
		FMT_TEXT, FMT_SHORT, FMT_JSON
	};
	struct mx_domain *d = model_three();
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct fmt f;

		memset(&f, 0, sizeof(f));
		f.cfg = config(formats[i]);
		/* A stream that cannot be written. */
		f.out = fopen("/dev/null", "r");
		assert_non_null(f.out);
		assert_int_equal(fmt_write(&f, d), MXQ_EIO);
		assert_true(ferror(f.out));
		fclose(f.out);
		/* Each printer says so itself, too. */
		f.out = fopen("/dev/null", "r");
		assert_non_null(f.out);
		switch (formats[i]) {
		case FMT_TEXT:
			assert_int_equal(fmt_text_write(&f, d), MXQ_EIO);
			break;
		case FMT_SHORT:
			assert_int_equal(fmt_short_write(&f, d), MXQ_EIO);
			break;
		case FMT_JSON:
			assert_int_equal(fmt_json_write(&f, d), MXQ_EIO);
			break;
		}
		fclose(f.out);
	}
	mx_domain_free(d);
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
		cmocka_unit_test(test_text_null_pref),
		cmocka_unit_test(test_text_unknown_exchanges),
		cmocka_unit_test(test_message_one_wording),
		cmocka_unit_test(test_message_from_the_lookup_is_kept),
		cmocka_unit_test(test_short_listed_null_mx),
		cmocka_unit_test(test_short_listed_null_mixed),
		cmocka_unit_test(test_short_null_pref),
		cmocka_unit_test(test_short_no_dot_without_no_resolve),
		cmocka_unit_test(test_text_verbose),
		cmocka_unit_test(test_text_verbose_server),
		cmocka_unit_test(test_text_verbose_notes),
		cmocka_unit_test(test_json_tcp_edns),
		cmocka_unit_test(test_json_no_reply_tcp_edns_null),
		cmocka_unit_test(test_json_server),
		cmocka_unit_test(test_json_null_pref),
		cmocka_unit_test(test_warnings_table),
		cmocka_unit_test(test_json_warnings_follow_table),
		cmocka_unit_test(test_write_dispatches),
		cmocka_unit_test(test_write_invalid),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
