/* --json: NDJSON, one object per domain, schema 1 (schema/mxq.schema.json). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>

#include "mxq/fmt.h"
#include "mxq/wire.h"

#define FMT_JSON_SCHEMA 1

static json_t *
strings(char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *
flag_list(uint16_t flags)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} names[] = {
		{ WIRE_FLAG_QR, "qr" }, { WIRE_FLAG_AA, "aa" },
		{ WIRE_FLAG_TC, "tc" }, { WIRE_FLAG_RD, "rd" },
		{ WIRE_FLAG_RA, "ra" }, { WIRE_FLAG_AD, "ad" },
		{ WIRE_FLAG_CD, "cd" },
	};
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & names[i].bit)
			json_array_append_new(a, json_string(names[i].name));
	return a;
}

static json_t *
warnings(unsigned warn)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ MX_W_CNAME, "cname" },
		{ MX_W_IPLITERAL, "ip-literal" },
		{ MX_W_NULLMIXED, "null-mx-mixed" },
		{ MX_W_PARTIAL, "partial" },
		{ MX_W_ADDRLIMIT, "address-limit" },
	};
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (warn & names[i].bit)
			json_array_append_new(a, json_string(names[i].name));
	return a;
}

static json_t *
domain_warnings(unsigned warn)
{
	json_t *a = json_array();

	if (a != NULL && (warn & MX_DW_DUPLICATE))
		json_array_append_new(a, json_string("duplicate-mx"));
	return a;
}

static json_t *
exchange(const struct mx_domain *d, size_t i)
{
	const struct mx_exchange *e = &d->ex[i];
	json_t *o, *addrs;
	char buf[64];
	size_t k;

	addrs = json_array();
	for (k = 0; addrs != NULL && k < e->naddr; k++) {
		const struct mx_addr *a = &e->addr[k];

		json_array_append_new(addrs, json_pack("{s:i, s:s, s:I, s:s}",
		    "family", a->family,
		    "address", mx_addr_text(a, buf, sizeof(buf)),
		    "ttl", (json_int_t)a->ttl,
		    "source", a->source == MX_SRC_ADDITIONAL ?
		    "additional" : "answer"));
	}
	o = json_pack("{s:i, s:s, s:o, s:o, s:s, s:b, s:o, s:o, s:o}",
	    "preference", (int)e->pref,
	    "exchange", e->text,
	    "ttl", d->implicit ? json_null() : json_integer(e->ttl),
	    "unicode", e->utext != NULL ? json_string(e->utext) : json_null(),
	    "status", d->resolved ? status_name(e->status) : "unresolved",
	    "backup", mx_is_backup(d, i),
	    "cname", strings(e->cname, e->ncname),
	    "warnings", warnings(e->warn),
	    "addresses", addrs);
	if (o != NULL && e->naddr == 0 && e->status != MXQ_OK) {
		const char *m = e->fam4.message != NULL ? e->fam4.message :
		    e->fam6.message;

		if (m != NULL)
			json_object_set_new(o, "message", json_string(m));
	}
	return o;
}

enum mxq_status
fmt_json_write(struct fmt_ctx *c, const struct mx_domain *d)
{
	enum mxq_status outcome = mx_domain_outcome(d);
	json_t *o, *exs;
	char rbuf[16];
	char *text;
	size_t i;

	exs = json_array();
	for (i = 0; exs != NULL && i < d->nex; i++)
		json_array_append_new(exs, exchange(d, i));
	o = json_pack("{s:i, s:s, s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:s, "
	    "s:I, s:o, s:o, s:o, s:o, s:o}",
	    "schema", FMT_JSON_SCHEMA,
	    "domain", d->input,
	    "query", d->qtext != NULL ? json_string(d->qtext) : json_null(),
	    "unicode", d->utext != NULL ? json_string(d->utext) : json_null(),
	    "line", d->line > 0 ? json_integer((json_int_t)d->line) :
	    json_null(),
	    "verdict", mx_verdict_name(d->verdict),
	    "status", status_name(outcome),
	    "rcode", d->rcode >= 0 ?
	    json_string(wire_rcode_name(d->rcode, rbuf, sizeof(rbuf))) :
	    json_null(),
	    "flags", flag_list(d->rcode >= 0 ? d->flags : 0),
	    "server", c->server,
	    "elapsed_ms", (json_int_t)llround(d->elapsed_ms),
	    "ttl", d->nex > 0 && !d->implicit && !d->nullmx ?
	    json_integer(d->mx_ttl) : json_null(),
	    "cname", strings(d->cname, d->ncname),
	    "warnings", domain_warnings(d->warn),
	    "message", d->message != NULL ? json_string(d->message) :
	    outcome != MXQ_OK ? json_string(fmt_verdict_text(d)) :
	    json_null(),
	    "exchanges", exs);
	if (o == NULL)
		return MXQ_ENOMEM;
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		return MXQ_ENOMEM;
	fputs(text, c->out);
	fputc('\n', c->out);
	free(text);
	return ferror(c->out) ? MXQ_EIO : MXQ_OK;
}

const char *
fmt_json_version(void)
{
	return jansson_version_str();
}
