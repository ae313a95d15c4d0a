/*
 * --json: NDJSON, one object per domain, schema 1 (schema/mxq.schema.json).
 *
 * The object is written field by field.  A string that needs escaping is
 * encoded by jansson; one made only of printable ASCII other than '"' and
 * '\' needs none in JSON and is copied as it is.  Building a jansson tree
 * per domain cost three times the CPU of the whole lookup (measured: 0.033
 * against 0.012 ms per domain), which made --json the slowest part of a
 * survey.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mxq/fmt.h"
#include "mxq/wire.h"

#define FMT_JSON_SCHEMA 1

struct jw {
	FILE *f;
	int first;		/* no comma before the next member */
	int bad;		/* a string jansson could not encode */
};

static int
plain(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e ||
		    *s == '"' || *s == '\\')
			return 0;
	return 1;
}

static void
put_string(struct jw *w, const char *s)
{
	json_t *j;

	if (plain(s)) {
		putc('"', w->f);
		fputs(s, w->f);
		putc('"', w->f);
		return;
	}
	j = json_string(s);
	if (j == NULL || json_dumpf(j, w->f, JSON_ENCODE_ANY) != 0) {
		w->bad = 1;
		fputs("null", w->f);
	}
	json_decref(j);
}

static void
put_uint(struct jw *w, unsigned long long v)
{
	char buf[24], *p = buf + sizeof(buf);

	*--p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	fputs(p, w->f);
}

/* The key of the next member, with the comma before it if needed. */
static void
key(struct jw *w, const char *k)
{
	char buf[64];
	size_t n = strlen(k), m = 0;

	/* One write per key: the keys are most of a domain's output. */
	if (n > sizeof(buf) - 4) {
		if (!w->first)
			putc(',', w->f);
		w->first = 0;
		putc('"', w->f);
		fputs(k, w->f);
		fputs("\":", w->f);
		return;
	}
	if (!w->first)
		buf[m++] = ',';
	w->first = 0;
	buf[m++] = '"';
	memcpy(buf + m, k, n);
	m += n;
	buf[m++] = '"';
	buf[m++] = ':';
	fwrite(buf, 1, m, w->f);
}

static void
open_obj(struct jw *w, int c)
{
	putc(c, w->f);
	w->first = 1;
}

static void
close_obj(struct jw *w, int c)
{
	putc(c, w->f);
	w->first = 0;
}

/* Array elements are separated like members, without keys. */
static void
elem(struct jw *w)
{
	if (!w->first)
		putc(',', w->f);
	w->first = 0;
}

static void
str_member(struct jw *w, const char *k, const char *v)
{
	key(w, k);
	if (v == NULL)
		fputs("null", w->f);
	else
		put_string(w, v);
}

static void
uint_member(struct jw *w, const char *k, unsigned long long v)
{
	key(w, k);
	put_uint(w, v);
}

static void
strings_member(struct jw *w, const char *k, char **v, size_t n)
{
	size_t i;

	key(w, k);
	open_obj(w, '[');
	for (i = 0; i < n; i++) {
		elem(w);
		put_string(w, v[i]);
	}
	close_obj(w, ']');
}

static void
flags_member(struct jw *w, uint16_t flags)
{
	const char *names[WIRE_FLAG_NAMES_MAX];
	size_t i, n = wire_flag_names(flags, names);

	key(w, "flags");
	open_obj(w, '[');
	for (i = 0; i < n; i++) {
		elem(w);
		put_string(w, names[i]);
	}
	close_obj(w, ']');
}

/* The tokens of the warnings set in warn, from the shared table. */
static void
warnings_member(struct jw *w, unsigned warn, const struct fmt_warning *t,
    size_t n)
{
	size_t i;

	key(w, "warnings");
	open_obj(w, '[');
	for (i = 0; i < n; i++)
		if (warn & t[i].bit) {
			elem(w);
			put_string(w, t[i].token);
		}
	close_obj(w, ']');
}

static void
bool_member(struct jw *w, const char *k, int v)
{
	key(w, k);
	fputs(v ? "true" : "false", w->f);
}

static void
null_member(struct jw *w, const char *k)
{
	key(w, k);
	fputs("null", w->f);
}

static void
hex_string(struct jw *w, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	putc('"', w->f);
	for (i = 0; i < n; i++) {
		putc(hex[p[i] >> 4], w->f);
		putc(hex[p[i] & 15], w->f);
	}
	putc('"', w->f);
}

static void
put_finding(void *arg, const char *line)
{
	struct jw *w = arg;

	elem(w);
	put_string(w, line);
}

/* What the checks found, in the words --short puts on stderr. */
static void
findings_member(struct jw *w, const struct mx_domain *d)
{
	key(w, "findings");
	open_obj(w, '[');
	fmt_findings(d, put_finding, w);
	close_obj(w, ']');
}

/* Reverse DNS of an address (--ptr), or null. */
static void
ptr_member(struct jw *w, const struct mx_ptr *p)
{
	if (!p->asked) {
		null_member(w, "ptr");
		return;
	}
	key(w, "ptr");
	open_obj(w, '{');
	str_member(w, "status", status_name(p->status));
	strings_member(w, "names", p->names, p->nnames);
	key(w, "confirmed");
	fputs(p->yes > 0 ? "true" : p->nnames > 0 && p->failed == 0 ?
	    "false" : "null", w->f);
	str_member(w, "message", p->message);
	close_obj(w, '}');
}

/* The TLSA records and what a DANE sender makes of them, or null. */
static void
dane_member(struct jw *w, const struct mx_exchange *e)
{
	const struct mx_dane_info *dn = &e->dane;
	size_t i;

	if (!dn->asked) {
		null_member(w, "dane");
		return;
	}
	key(w, "dane");
	open_obj(w, '{');
	str_member(w, "state", fmt_dane_name(dn->state));
	str_member(w, "status", status_name(dn->status));
	str_member(w, "dnssec", fmt_sec_name(dn->secure));
	key(w, "tlsa");
	open_obj(w, '[');
	for (i = 0; i < dn->nrr; i++) {
		const struct mx_tlsa *t = &dn->rr[i];

		elem(w);
		open_obj(w, '{');
		uint_member(w, "usage", t->usage);
		uint_member(w, "selector", t->selector);
		uint_member(w, "matching_type", t->mtype);
		key(w, "data");
		hex_string(w, t->data, t->len);
		key(w, "usable");
		fputs(t->problem == NULL ? "true" : "false", w->f);
		str_member(w, "problem", t->problem);
		close_obj(w, '}');
	}
	close_obj(w, ']');
	str_member(w, "message", dn->message);
	close_obj(w, '}');
}

/* The SMTP probe of an address (--smtp), or null. */
static void
smtp_member(struct jw *w, const struct mx_addr *a, int probing)
{
	const struct smtp_result *r = a->smtp;
	const struct smtp_cert *ct;

	if (r == NULL) {
		/* Not probed: no --smtp, or an address kept out of it. */
		if (!probing) {
			null_member(w, "smtp");
			return;
		}
		key(w, "smtp");
		open_obj(w, '{');
		str_member(w, "status", "unprobed");
		str_member(w, "step", NULL);
		str_member(w, "message", "special-purpose address, not probed "
		    "without --private");
		null_member(w, "connect_ms");
		null_member(w, "greeting");
		strings_member(w, "ehlo", NULL, 0);
		null_member(w, "starttls");
		null_member(w, "tls");
		close_obj(w, '}');
		return;
	}
	key(w, "smtp");
	open_obj(w, '{');
	str_member(w, "status", status_name(r->status));
	str_member(w, "step", r->status != MXQ_OK ?
	    smtp_step_name(r->failed_at) : NULL);
	str_member(w, "message", r->message);
	key(w, "connect_ms");
	if (r->failed_at > SMTP_STEP_CONNECT || r->status == MXQ_OK)
		put_uint(w, (unsigned long long)(r->connect_ms + 0.5));
	else
		fputs("null", w->f);
	key(w, "greeting");
	if (r->greeting_code != 0) {
		open_obj(w, '{');
		uint_member(w, "code", (unsigned)r->greeting_code);
		str_member(w, "text", r->greeting != NULL ? r->greeting : "");
		str_member(w, "host_is", fmt_greet_name(a->greet));
		close_obj(w, '}');
	} else {
		fputs("null", w->f);
	}
	strings_member(w, "ehlo", r->ext, r->next);
	key(w, "starttls");
	if (r->failed_at > SMTP_STEP_EHLO || r->status == MXQ_OK) {
		open_obj(w, '{');
		bool_member(w, "offered", r->starttls_offered);
		key(w, "code");
		if (r->starttls_code != 0)
			put_uint(w, (unsigned)r->starttls_code);
		else
			fputs("null", w->f);
		close_obj(w, '}');
	} else {
		fputs("null", w->f);
	}
	if (!r->tls) {
		null_member(w, "tls");
		close_obj(w, '}');
		return;
	}
	ct = &r->cert;
	key(w, "tls");
	open_obj(w, '{');
	str_member(w, "version", r->tls_version);
	str_member(w, "cipher", r->cipher);
	key(w, "certificate");
	open_obj(w, '{');
	str_member(w, "subject", ct->subject);
	str_member(w, "issuer", ct->issuer);
	strings_member(w, "names", ct->names, ct->nnames);
	str_member(w, "not_after", ct->not_after[0] != '\0' ?
	    ct->not_after : NULL);
	bool_member(w, "expired", ct->expired);
	bool_member(w, "verified", ct->verified);
	str_member(w, "verify_error", ct->verify_error);
	close_obj(w, '}');
	key(w, "dane");
	if (r->dane >= 0) {
		open_obj(w, '{');
		bool_member(w, "match", r->dane);
		str_member(w, "tlsa", r->dane_match);
		close_obj(w, '}');
	} else {
		fputs("null", w->f);
	}
	strings_member(w, "ehlo", r->ext_tls, r->next_tls);
	close_obj(w, '}');
	close_obj(w, '}');
}

static const char *
sts_mode_name(enum sts_mode m)
{
	return m == STS_MODE_ENFORCE ? "enforce" : m == STS_MODE_TESTING ?
	    "testing" : "none";
}

/* MTA-STS (RFC 8461) of the domain (--smtp), or null. */
static void
sts_member(struct jw *w, const struct mx_sts *s)
{
	if (s == NULL) {
		null_member(w, "mta_sts");
		null_member(w, "tlsrpt");
		return;
	}
	key(w, "mta_sts");
	open_obj(w, '{');
	str_member(w, "status", status_name(s->txt_status));
	str_member(w, "id", s->id);
	str_member(w, "message", s->txt_message);
	strings_member(w, "addresses", s->addrs, s->naddrs);
	key(w, "policy");
	if (s->txt_status == MXQ_OK) {
		open_obj(w, '{');
		str_member(w, "status", status_name(s->policy_status));
		key(w, "http_status");
		if (s->http_code > 0)
			put_uint(w, (unsigned long long)s->http_code);
		else
			fputs("null", w->f);
		str_member(w, "message", s->policy_message);
		str_member(w, "mode", s->policy_status == MXQ_OK ?
		    sts_mode_name(s->policy.mode) : NULL);
		strings_member(w, "mx", s->policy.mx, s->policy.nmx);
		key(w, "max_age");
		if (s->policy_status == MXQ_OK)
			put_uint(w, (unsigned long long)s->policy.max_age);
		else
			fputs("null", w->f);
		close_obj(w, '}');
	} else {
		fputs("null", w->f);
	}
	close_obj(w, '}');
	key(w, "tlsrpt");
	open_obj(w, '{');
	str_member(w, "status", status_name(s->tlsrpt_status));
	str_member(w, "record", s->tlsrpt);
	str_member(w, "message", s->tlsrpt_message);
	close_obj(w, '}');
}

static const char *
ns_finding_name(unsigned bit)
{
	switch (bit) {
	case MX_NSW_SERIAL:
		return "serial";
	case MX_NSW_MX:
		return "mx";
	case MX_NSW_LAME:
		return "lame";
	case MX_NSW_DOWN:
		return "no-answer";
	}
	return "?";
}

static void
ns_findings(struct jw *w, unsigned warn)
{
	unsigned bit;

	key(w, "findings");
	open_obj(w, '[');
	for (bit = 1; bit <= MX_NSW_DOWN; bit <<= 1)
		if (warn & bit) {
			elem(w);
			put_string(w, ns_finding_name(bit));
		}
	close_obj(w, ']');
}

/* Every authoritative server (--ns), or null. */
static void
ns_member(struct jw *w, const struct mx_ns *ns)
{
	size_t i;

	if (ns == NULL) {
		null_member(w, "ns");
		return;
	}
	key(w, "ns");
	open_obj(w, '{');
	str_member(w, "zone", ns->zone);
	str_member(w, "status", status_name(ns->status));
	str_member(w, "message", ns->message);
	ns_findings(w, ns->warn);
	key(w, "servers");
	open_obj(w, '[');
	for (i = 0; i < ns->nsrv; i++) {
		const struct mx_nsserver *s = &ns->srv[i];

		elem(w);
		open_obj(w, '{');
		str_member(w, "name", s->name);
		str_member(w, "address", s->address);
		str_member(w, "status", status_name(s->status));
		key(w, "authoritative");
		fputs(s->authoritative ? "true" : "false", w->f);
		key(w, "serial");
		if (s->status == MXQ_OK && s->authoritative)
			put_uint(w, s->serial);
		else
			fputs("null", w->f);
		str_member(w, "mx_status", status_name(s->mx_status));
		strings_member(w, "mx", s->mx, s->nmx);
		str_member(w, "message", s->message);
		ns_findings(w, s->warn);
		close_obj(w, '}');
	}
	close_obj(w, ']');
	close_obj(w, '}');
}

static void
exchange(struct jw *w, const struct mx_domain *d, size_t i)
{
	const struct mx_exchange *e = &d->ex[i];
	char buf[64];
	size_t k;

	open_obj(w, '{');
	uint_member(w, "preference", e->pref);
	str_member(w, "exchange", e->text);
	key(w, "ttl");
	if (d->implicit)
		fputs("null", w->f);
	else
		put_uint(w, e->ttl);
	str_member(w, "unicode", e->utext);
	str_member(w, "status", d->resolved ? status_name(e->status) :
	    "unresolved");
	key(w, "backup");
	fputs(mx_is_backup(d, i) ? "true" : "false", w->f);
	strings_member(w, "cname", e->cname, e->ncname);
	warnings_member(w, e->warn, fmt_exchange_warnings,
	    fmt_nexchange_warnings);
	key(w, "addresses");
	open_obj(w, '[');
	for (k = 0; k < e->naddr; k++) {
		const struct mx_addr *a = &e->addr[k];

		elem(w);
		open_obj(w, '{');
		uint_member(w, "family", (unsigned)a->family);
		str_member(w, "address", mx_addr_text(a, buf, sizeof(buf)));
		uint_member(w, "ttl", a->ttl);
		str_member(w, "source", a->source == MX_SRC_ADDITIONAL ?
		    "additional" : "answer");
		str_member(w, "special", a->special);
		str_member(w, "dnssec", fmt_sec_name(a->family == 4 ?
		    e->fam4.secure : e->fam6.secure));
		ptr_member(w, &a->ptr);
		smtp_member(w, a, d->sts != NULL);
		close_obj(w, '}');
	}
	close_obj(w, ']');
	dane_member(w, e);
	key(w, "mta_sts_match");
	fputs(e->sts_match < 0 ? "null" : e->sts_match ? "true" : "false",
	    w->f);
	if (e->naddr == 0 && e->status != MXQ_OK) {
		const char *m = e->fam4.message != NULL ? e->fam4.message :
		    e->fam6.message;

		if (m != NULL)
			str_member(w, "message", m);
	}
	close_obj(w, '}');
}

enum mxq_status
fmt_json_write(struct fmt *c, const struct mx_domain *d)
{
	enum mxq_status outcome = mx_domain_outcome(d);
	struct jw w = { c->out, 1, 0 };
	char rbuf[16];
	size_t i;

	open_obj(&w, '{');
	uint_member(&w, "schema", FMT_JSON_SCHEMA);
	str_member(&w, "domain", d->input);
	str_member(&w, "query", d->qtext);
	str_member(&w, "unicode", d->utext);
	key(&w, "line");
	if (d->line > 0)
		put_uint(&w, d->line);
	else
		fputs("null", w.f);
	str_member(&w, "verdict", mx_verdict_name(d->verdict));
	str_member(&w, "status", status_name(outcome));
	str_member(&w, "rcode", d->rcode >= 0 ?
	    wire_rcode_name(d->rcode, rbuf, sizeof(rbuf)) : NULL);
	flags_member(&w, d->rcode >= 0 ? d->flags : 0);
	str_member(&w, "server", d->server != NULL ? d->server :
	    c->cfg.server);
	if (d->rcode >= 0) {
		bool_member(&w, "tcp", (d->notes & MX_NOTE_TCP) != 0);
		bool_member(&w, "edns", !(d->notes & MX_NOTE_NOEDNS));
	} else {
		str_member(&w, "tcp", NULL);
		str_member(&w, "edns", NULL);
	}
	uint_member(&w, "elapsed_ms", d->elapsed_ms > 0 ?
	    (unsigned long long)llround(d->elapsed_ms) : 0);
	key(&w, "ttl");
	if (d->nex > 0 && !d->implicit && !d->nullmx)
		put_uint(&w, d->mx_ttl);
	else
		fputs("null", w.f);
	strings_member(&w, "cname", d->cname, d->ncname);
	warnings_member(&w, d->warn, fmt_domain_warnings,
	    fmt_ndomain_warnings);
	str_member(&w, "message", d->message);
	str_member(&w, "dnssec", fmt_sec_name(d->secure));
	findings_member(&w, d);
	ns_member(&w, d->ns);
	sts_member(&w, d->sts);
	key(&w, "smtp_blocked");
	fputs(d->sts == NULL ? "null" : d->smtp_blocked ? "true" : "false",
	    w.f);
	key(&w, "exchanges");
	open_obj(&w, '[');
	for (i = 0; i < d->nex; i++) {
		elem(&w);
		exchange(&w, d, i);
	}
	close_obj(&w, ']');
	close_obj(&w, '}');
	putc('\n', c->out);
	if (w.bad)
		return MXQ_EINTERNAL;
	return ferror(c->out) ? MXQ_EIO : MXQ_OK;
}

const char *
fmt_json_version(void)
{
	return jansson_version_str();
}
