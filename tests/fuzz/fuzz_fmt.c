/*
 * libFuzzer harness for the formatters (src/fmt_text.c, fmt_short.c,
 * fmt_json.c) fed from parsed replies.
 *
 * The input is a DNS reply to an MX query.  A struct mx_domain is built
 * from it the way src/lookup.c does (answer records owned by the query
 * name, CNAME chain, duplicates, the 1024-exchange bound, null MX, glue
 * from the additional section, implicit MX), with the outcome of the
 * address lookups and the output options taken from the bits of the DNS
 * ID, so that a captured reply is a useful seed as it is.  Then every
 * output mode is written into memory and checked: nothing below 0x20 but
 * '\n', no DEL, valid UTF-8, no C1, bidi or other invisible controls
 * (colour is off, so no ESC either); the JSON is exactly one line that
 * jansson reads back as an object of schema 1.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "fuzz_check.h"
#include "mxq/cli.h"
#include "mxq/fmt.h"
#include "mxq/idn.h"
#include "mxq/input.h"
#include "mxq/mx.h"
#include "mxq/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bits of the DNS ID (the first two bytes of the input). */
#define B_UNICODE	0x0001	/* fmt_ctx.unicode */
#define B_VERBOSE	0x0002	/* opts.verbose */
#define B_WITHDOM	0x0004	/* fmt_ctx.with_domain */
#define B_NORESOLVE	0x0008	/* --no-resolve: MX records only */
#define B_FAMILY	0x0030	/* opts.family: 0, 4, 6, 0 */
#define B_COUNT		0x0040	/* a domain was written before */
#define B_RAWINPUT	0x0080	/* input field = raw question bytes */
#define B_ADDRST	0x0700	/* outcome of the address lookups */
#define B_LINE		0x0800	/* from a file: line number */
#define B_ANSWERADDR	0x1000	/* answer-section A/AAAA as own lookups */
#define B_MXST		0xe000	/* outcome of the MX lookup itself */

/* Outcomes of an address lookup that found no glue. */
static const enum mxq_status addr_status[8] = {
	MXQ_OK, MXQ_ENODATA, MXQ_ENXDOMAIN, MXQ_ETIMEOUT, MXQ_ESERVFAIL,
	MXQ_EMALFORMED, MXQ_EREFUSED, MXQ_ELIMIT
};

static const char *
addr_message(enum mxq_status st)
{
	switch (st) {
	case MXQ_EMALFORMED:
		return "address record of the wrong length";
	case MXQ_ELIMIT:
		return "CNAME chain too long";
	default:
		return NULL;
	}
}

static void
oom(void)
{
	fz_fail("out of memory building the model");
}

static int
owned_by(const struct wire_rr *rr, const struct wire_name *name)
{
	return rr->class == WIRE_CLASS_IN && wire_name_equal(&rr->owner, name);
}

static int
chain_has(char **chain, size_t n, const char *text)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(chain[i], text) == 0)
			return 1;
	return 0;
}

/*
 * As read_answer() for an MX question: follow CNAMEs from the query name,
 * then the MX records owned by the end of the chain.
 */
static void
read_mx(struct mx_domain *d, const struct wire_msg *m)
{
	struct wire_name cur = d->qname;
	struct {
		uint16_t pref;
		uint32_t ttl;
		struct wire_name name;
	} *mx = NULL;
	size_t nmx = 0, cap = 0, i, j;
	enum mxq_status st = MXQ_OK;
	const char *message = NULL;

	switch (m->rcode) {
	case WIRE_RCODE_NOERROR:
	case WIRE_RCODE_NXDOMAIN:
		break;
	case WIRE_RCODE_SERVFAIL:
		d->status = MXQ_ESERVFAIL;
		return;
	case WIRE_RCODE_REFUSED:
		d->status = MXQ_EREFUSED;
		return;
	default:
		d->status = MXQ_ERCODE;
		return;
	}
	for (;;) {
		struct wire_name target;
		int found = 0, alias = 0;
		char text[WIRE_TEXT_MAX];

		for (i = 0; i < m->nrr && st == MXQ_OK; i++) {
			const struct wire_rr *rr = &m->rr[i];

			if (rr->section != WIRE_ANSWER || !owned_by(rr, &cur))
				continue;
			if (rr->type == WIRE_TYPE_CNAME && !alias) {
				st = wire_rdata_name(m, rr, &target);
				alias = 1;
			}
			if (rr->type != WIRE_TYPE_MX || st != MXQ_OK)
				continue;
			found = 1;
			if (nmx == cap) {
				cap = cap == 0 ? 16 : cap * 2;
				mx = realloc(mx, cap * sizeof(*mx));
				if (mx == NULL)
					oom();
			}
			st = wire_rdata_mx(m, rr, &mx[nmx].pref,
			    &mx[nmx].name);
			mx[nmx++].ttl = rr->ttl;
		}
		if (st != MXQ_OK || found || !alias)
			break;
		wire_name_to_text(&target, text);
		if (wire_name_equal(&target, &d->qname) ||
		    chain_has(d->cname, d->ncname, text)) {
			st = MXQ_EMALFORMED;
			message = "CNAME loop";
			break;
		}
		if (d->ncname >= MX_MAX_CNAME) {
			st = MXQ_ELIMIT;
			message = "CNAME chain too long";
			break;
		}
		if (mx_chain_add(&d->cname, &d->ncname, text) != MXQ_OK)
			oom();
		cur = target;
	}
	if (st == MXQ_EMALFORMED && message == NULL)
		message = "reply does not parse";
	if (st == MXQ_OK && nmx == 0)
		st = m->rcode == WIRE_RCODE_NXDOMAIN ? MXQ_ENXDOMAIN :
		    MXQ_ENODATA;
	/*
	 * lookup.c asks again from the end of an unfinished chain; here the
	 * reply is all there is, so an unfinished chain is NODATA.
	 */
	d->status = st;
	if (message != NULL && mx_set_string(&d->message, message) != MXQ_OK)
		oom();
	if (st != MXQ_OK) {
		free(mx);
		return;
	}
	/* As on_mx(): merge duplicates, keep the bound. */
	for (i = 0; i < nmx; i++) {
		for (j = 0; j < i; j++)
			if (mx[i].pref == mx[j].pref &&
			    wire_name_equal(&mx[i].name, &mx[j].name))
				break;
		if (j < i) {
			d->warn |= MX_DW_DUPLICATE;
			continue;
		}
		if (d->nex == MX_MAX_EXCHANGES) {
			d->status = MXQ_ELIMIT;
			if (mx_set_string(&d->message,
			    "more than 1024 MX records") != MXQ_OK)
				oom();
			break;
		}
		if (mx_domain_add_exchange(d, mx[i].pref, mx[i].ttl,
		    &mx[i].name) == NULL)
			oom();
		if (i == 0 || mx[i].ttl < d->mx_ttl)
			d->mx_ttl = mx[i].ttl;
	}
	free(mx);
}

/* Aliases of an exchange name in the answer section (at most one hop). */
static void
exchange_alias(struct mx_domain *d, size_t x, const struct wire_msg *m,
    const size_t *idx, size_t nidx)
{
	struct mx_exchange *ex = &d->ex[x];
	struct wire_name target;
	char text[WIRE_TEXT_MAX];
	size_t i;

	for (i = 0; i < nidx; i++) {
		const struct wire_rr *rr = &m->rr[idx[i]];

		if (rr->type != WIRE_TYPE_CNAME || !owned_by(rr, &ex->name) ||
		    wire_rdata_name(m, rr, &target) != MXQ_OK)
			continue;
		wire_name_to_text(&target, text);
		if (mx_chain_add(&ex->cname, &ex->ncname, text) != MXQ_OK)
			oom();
		if (!d->implicit)
			ex->warn |= MX_W_CNAME;
		return;
	}
}

/* As resolve_exchange(), on_addr() and use_glue() for one family. */
static void
resolve_family(struct mx_domain *d, size_t x, const struct wire_msg *m,
    const size_t *idx, size_t nidx, int fam, int use_glue, int answer_addr,
    enum mxq_status st)
{
	struct mx_exchange *ex = &d->ex[x];
	struct mx_family *f = fam == 4 ? &ex->fam4 : &ex->fam6;
	uint16_t type = fam == 4 ? WIRE_TYPE_A : WIRE_TYPE_AAAA;
	uint16_t n = fam == 4 ? 4 : 16;
	int found = 0;
	size_t i;

	if (use_glue) {
		for (i = 0; i < nidx; i++) {
			const struct wire_rr *rr = &m->rr[idx[i]];

			if (rr->section != WIRE_ADDITIONAL ||
			    rr->type != type || rr->rdlen != n ||
			    !owned_by(rr, &ex->name))
				continue;
			if (mx_exchange_add_addr(&d->ex[x], fam,
			    m->buf + rr->rdoff, rr->ttl, MX_SRC_ADDITIONAL) !=
			    MXQ_OK)
				oom();
			found = 1;
		}
		if (found) {
			f->asked = 1;
			f->status = MXQ_OK;
			return;
		}
	}
	f->asked = 1;
	if (st == MXQ_OK && answer_addr) {
		for (i = 0; i < nidx; i++) {
			const struct wire_rr *rr = &m->rr[idx[i]];

			if (rr->section != WIRE_ANSWER || rr->type != type ||
			    rr->rdlen != n || !owned_by(rr, &ex->name))
				continue;
			if (mx_exchange_add_addr(&d->ex[x], fam,
			    m->buf + rr->rdoff, rr->ttl, MX_SRC_ANSWER) !=
			    MXQ_OK)
				oom();
			found = 1;
		}
	}
	if (st == MXQ_OK && !found)
		st = MXQ_ENODATA;
	f->status = st;
	if (addr_message(st) != NULL &&
	    mx_set_string(&f->message, addr_message(st)) != MXQ_OK)
		oom();
}

static void
resolve(struct mx_domain *d, const struct wire_msg *m, unsigned bits,
    int family)
{
	size_t i, *idx, nidx = 0;

	/*
	 * The records that can matter (A, AAAA, CNAME), found once: a reply
	 * of 1,000 MX records must not cost 1,000 scans of the reply.
	 */
	idx = malloc((m->nrr + 1) * sizeof(*idx));
	if (idx == NULL)
		oom();
	for (i = 0; i < m->nrr; i++)
		if (m->rr[i].type == WIRE_TYPE_A ||
		    m->rr[i].type == WIRE_TYPE_AAAA ||
		    m->rr[i].type == WIRE_TYPE_CNAME)
			idx[nidx++] = i;
	for (i = 0; i < d->nex; i++) {
		unsigned k = (bits & B_ADDRST) >> 8;

		if (wire_name_is_root(&d->ex[i].name) && !d->implicit) {
			d->ex[i].warn |= MX_W_NULLMIXED;
			continue;
		}
		if (family != 6)
			resolve_family(d, i, m, idx, nidx, 4, !d->implicit,
			    (bits & B_ANSWERADDR) != 0,
			    addr_status[(k + i) % 8]);
		if (family != 4)
			resolve_family(d, i, m, idx, nidx, 6, !d->implicit,
			    (bits & B_ANSWERADDR) != 0,
			    addr_status[(k + 3 * i + 1) % 8]);
		exchange_alias(d, i, m, idx, nidx);
	}
	free(idx);
}

static struct mx_domain *
build(const uint8_t *data, size_t size, const struct wire_msg *m,
    unsigned bits, int family)
{
	struct mx_domain *d;
	char text[WIRE_TEXT_MAX];
	size_t line = bits & B_LINE ? (size_t)(bits >> 4) + 1 : 0;

	if (m->qdcount != 1 || wire_name_is_root(&m->qname)) {
		/* No usable question: stand for an invalid argument. */
		d = input_domain((const char *)data + 12, size - 12, line);
		if (d == NULL)
			oom();
		if (d->status == MXQ_OK) {
			/* Valid after all: as if the server did not answer. */
			d->status = MXQ_ETIMEOUT;
		}
		return d;
	}
	wire_name_to_text(&m->qname, text);
	if (bits & B_RAWINPUT)
		/* Hostile bytes as typed: the question's octets. */
		d = mx_domain_new((const char *)data + 12,
		    m->qname.len < size - 12 ? m->qname.len : size - 12, line);
	else
		d = mx_domain_new(text, strlen(text), line);
	if (d == NULL)
		oom();
	d->qname = m->qname;
	if (mx_set_string(&d->qtext, text) != MXQ_OK)
		oom();
	d->elapsed_ms = (double)(((unsigned)m->ancount * 7919u + bits) %
	    100000u) / 10.0;
	switch ((bits & B_MXST) >> 13) {
	case 1:		/* no reply at all */
		d->status = MXQ_ETIMEOUT;
		return d;
	case 2:
		d->status = MXQ_EUNREACH;
		return d;
	case 3:		/* a reply that did not match the question */
		d->rcode = m->rcode;
		d->flags = m->flags;
		d->status = MXQ_EMALFORMED;
		if (mx_set_string(&d->message,
		    "reply does not match the question") != MXQ_OK)
			oom();
		return d;
	default:
		break;
	}
	d->rcode = m->rcode;
	d->flags = m->flags;
	read_mx(d, m);
	if (d->status == MXQ_OK) {
		if (d->nex == 1 && d->ex[0].pref == 0 &&
		    wire_name_is_root(&d->ex[0].name)) {
			d->nullmx = 1;
		} else if (!(bits & B_NORESOLVE)) {
			d->resolved = 1;
			resolve(d, m, bits, family);
		}
	} else if (d->status == MXQ_ENODATA && !(bits & B_NORESOLVE)) {
		if (mx_domain_add_exchange(d, 0, 0, &d->qname) == NULL)
			oom();
		d->implicit = 1;
		d->resolved = 1;
		resolve(d, m, bits, family);
	}
	return d;
}

/* As add_display_names() in src/main.c. */
static void
display_names(struct mx_domain *d)
{
	size_t i;

	if (d->qtext != NULL && idn_to_display(d->qtext, &d->utext) != MXQ_OK)
		oom();
	for (i = 0; i < d->nex; i++)
		if (idn_to_display(d->ex[i].text, &d->ex[i].utext) != MXQ_OK)
			oom();
}

enum mode { M_TEXT, M_SHORT, M_JSON };

/* MXQ_FUZZ_DUMP=1 in the environment: show every output on stderr. */
static int dump = -1;

static void
check_json(const char *buf, size_t len, const struct mx_domain *d)
{
	json_error_t err;
	json_t *o, *v;

	FZ_ASSERT(len > 0 && buf[len - 1] == '\n', "json: no final newline");
	FZ_ASSERT(memchr(buf, '\n', len) == buf + len - 1,
	    "json: more than one line");
	o = json_loads(buf, 0, &err);
	FZ_ASSERT(o != NULL, "json: does not load: %s at %d", err.text,
	    err.position);
	FZ_ASSERT(json_is_object(o), "json: not an object");
	v = json_object_get(o, "schema");
	FZ_ASSERT(json_is_integer(v) && json_integer_value(v) == 1,
	    "json: schema");
	v = json_object_get(o, "domain");
	FZ_ASSERT(json_is_string(v) && strcmp(json_string_value(v),
	    d->input) == 0, "json: domain is not the input");
	v = json_object_get(o, "exchanges");
	FZ_ASSERT(json_is_array(v) && json_array_size(v) == d->nex,
	    "json: %zu exchanges, model has %zu",
	    json_is_array(v) ? json_array_size(v) : 0, d->nex);
	json_decref(o);
}

static void
write_mode(enum mode mode, struct fmt_ctx *proto, const struct mx_domain *d)
{
	static const char *const names[] = { "text", "short", "json" };
	struct fmt_ctx c = *proto;
	char *buf = NULL;
	size_t len = 0;

	c.out = open_memstream(&buf, &len);
	if (c.out == NULL)
		oom();
	switch (mode) {
	case M_TEXT:
		fmt_text_write(&c, d);
		break;
	case M_SHORT:
		fmt_short_write(&c, d);
		break;
	case M_JSON:
		FZ_ASSERT(fmt_json_write(&c, d) == MXQ_OK, "json: write "
		    "failed");
		break;
	}
	FZ_ASSERT(!ferror(c.out), "%s: stream error", names[mode]);
	if (fclose(c.out) != 0 || buf == NULL)
		oom();
	FZ_ASSERT(strlen(buf) == len, "%s: NUL byte in the output",
	    names[mode]);
	fz_check_safe(names[mode], buf, len, "\n");
	if (mode == M_JSON)
		check_json(buf, len, d);
	if (dump)
		fprintf(stderr, "--- %s (%zu bytes)\n%s", names[mode], len, buf);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int families[4] = { 0, 4, 6, 0 };
	struct mxq_opts opts;
	struct fmt_ctx c;
	struct wire_msg m;
	struct mx_domain *d;
	unsigned bits;

	if (dump < 0)
		dump = getenv("MXQ_FUZZ_DUMP") != NULL;
	if (wire_parse(data, size, &m) != MXQ_OK)
		return 0;
	bits = m.id;
	memset(&opts, 0, sizeof(opts));
	opts.verbose = (bits & B_VERBOSE) != 0;
	opts.family = families[(bits & B_FAMILY) >> 4];
	opts.no_resolve = (bits & B_NORESOLVE) != 0;

	d = build(data, size, &m, bits, opts.family);
	mx_domain_finish(d);
	display_names(d);

	memset(&c, 0, sizeof(c));
	c.o = &opts;
	c.color = 0;
	c.unicode = (bits & B_UNICODE) != 0;
	c.with_domain = (bits & B_WITHDOM) != 0;
	c.server = "127.0.0.1#53";
	c.count = (bits & B_COUNT) != 0;

	/* main() writes no text block for an invalid name. */
	if (d->verdict != MX_V_INVALID)
		write_mode(M_TEXT, &c, d);
	write_mode(M_SHORT, &c, d);
	write_mode(M_JSON, &c, d);

	mx_domain_free(d);
	wire_msg_clear(&m);
	return 0;
}
