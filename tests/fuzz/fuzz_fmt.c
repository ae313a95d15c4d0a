/*
 * libFuzzer harness for what mxq does with a reply, end to end, as
 * shipped: the lookup engine (src/lookup.c, src/questions.c), the reply
 * reader (src/answer.c), the model (src/mx.c) and every printer, on the
 * fake transport of the unit tests (tests/unit/fake_resolver.c).
 *
 * The input is a DNS reply to an MX query.  The domain looked up is the
 * reply's own question (so that the reply fits); the fake server gives
 * the input as the answer to every MX question, and answers the address
 * questions of the exchanges as the bits of the DNS ID say (an address,
 * NODATA, NXDOMAIN, SERVFAIL, silence, a malformed record, a referral),
 * so that a captured reply is a useful seed as it is.  The options come
 * from the ID too.  Then every output mode is written into memory and
 * checked: nothing below 0x20 but '\n', no DEL, valid UTF-8, no C1, bidi
 * or other invisible controls; the JSON is exactly one line that jansson
 * reads back as an object of schema 1 with the model's exchanges.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "fake_resolver.h"
#include "fuzz_check.h"
#include "mxq/fmt.h"
#include "mxq/idn.h"
#include "mxq/input.h"
#include "mxq/lookup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bits of the DNS ID (the first two bytes of the input). */
#define B_UNICODE	0x0001	/* fmt.cfg.unicode */
#define B_VERBOSE	0x0002	/* fmt.cfg.verbose */
#define B_WITHDOM	0x0004	/* fmt.cfg.with_domain */
#define B_NORESOLVE	0x0008	/* --no-resolve */
#define B_FAMILY	0x0030	/* -4 / -6: 0, 4, 6, 0 */
#define B_NOADDL	0x0040	/* --no-additional */
#define B_ADDRST	0x0700	/* what the address questions get */
#define B_RAWINPUT	0x0800	/* the input field: the raw question bytes */

static const uint8_t *input;
static size_t input_len;
static unsigned bits;

/* MXQ_FUZZ_DUMP=1 in the environment: show every output on stderr. */
static int dump = -1;

static void
oom(void)
{
	fz_fail("out of memory");
}

/* The fake server: the input for MX, the rest as the ID's bits say. */
static int
server(const struct fake_query *q, struct reply *r)
{
	unsigned how = (bits & B_ADDRST) >> 8;

	if (q->type == WIRE_TYPE_MX) {
		if (input_len > sizeof(r->b))
			return 0;
		memset(r, 0, sizeof(*r));
		memcpy(r->b, input, input_len);
		r->n = input_len;
		/* reply_end() writes the counts here: leave them as they are. */
		r->counts_at = 6;
		r->an = (unsigned)(input[6] << 8 | input[7]);
		r->ns = (unsigned)(input[8] << 8 | input[9]);
		r->ar = (unsigned)(input[10] << 8 | input[11]);
		return 1;
	}
	/* Each name gets its own outcome, from its first byte. */
	how = (how + q->qname.data[1]) % 8;
	switch (how) {
	case 0:
	case 1:
		reply_start(r, 1, WIRE_FLAG_AA | WIRE_FLAG_RD, q->name,
		    q->type);
		if (q->type == WIRE_TYPE_A)
			reply_a(r, R_AN, q->name, 300, 192, 0, 2,
			    q->qname.data[2]);
		else
			reply_aaaa(r, R_AN, q->name, 300, q->qname.data[2]);
		return 1;
	case 2:
		reply_start(r, 1, WIRE_FLAG_AA | WIRE_FLAG_RD, q->name,
		    q->type);
		reply_soa(r, R_NS, "example.", 60, 60);
		return 1;
	case 3:
		reply_start(r, 1, WIRE_FLAG_AA | WIRE_FLAG_RD |
		    WIRE_RCODE_NXDOMAIN, q->name, q->type);
		return 1;
	case 4:
		reply_start(r, 1, WIRE_FLAG_RD | WIRE_RCODE_SERVFAIL, q->name,
		    q->type);
		return 1;
	case 5:
		return 0;	/* silence: a timeout */
	case 6:
		reply_start(r, 1, WIRE_FLAG_AA | WIRE_FLAG_RD, q->name,
		    q->type);
		reply_rr(r, R_AN, q->name, q->type, 60, 3);
		reply_putn(r, "\x01\x02\x03", 3);
		return 1;
	default:
		reply_start(r, 1, WIRE_FLAG_RD, q->name, q->type);
		reply_namerr(r, R_NS, "example.", WIRE_TYPE_NS, 60,
		    "ns.example.");
		return 1;
	}
}

/* As run.c does before printing. */
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
	v = json_object_get(o, "message");
	FZ_ASSERT(json_is_null(v) == (d->message == NULL),
	    "json: message and model disagree");
	json_decref(o);
}

static void
write_mode(enum fmt_format format, const struct fmt_config *cfg,
    const struct mx_domain *d)
{
	static const char *const names[] = { "text", "short", "json" };
	struct fmt f;
	char *buf = NULL;
	size_t len = 0;

	memset(&f, 0, sizeof(f));
	f.cfg = *cfg;
	f.cfg.format = format;
	f.out = open_memstream(&buf, &len);
	if (f.out == NULL)
		oom();
	FZ_ASSERT(fmt_write(&f, d) == MXQ_OK, "%s: write failed",
	    names[format]);
	if (fclose(f.out) != 0 || buf == NULL)
		oom();
	FZ_ASSERT(strlen(buf) == len, "%s: NUL byte in the output",
	    names[format]);
	fz_check_safe(names[format], buf, len, "\n");
	if (format == FMT_JSON)
		check_json(buf, len, d);
	if (dump)
		fprintf(stderr, "--- %s (%zu bytes)\n%s", names[format], len,
		    buf);
	free(buf);
}

static struct fmt_config out_cfg;

static enum mxq_status
print(void *arg, struct mx_domain *d)
{
	(void)arg;
	/* Every verdict comes with its words, a route without any. */
	FZ_ASSERT((d->message == NULL) == (d->verdict == MX_V_ROUTE ||
	    d->verdict == MX_V_IMPLICIT || d->verdict == MX_V_LISTED),
	    "message %s for verdict %s", d->message != NULL ? d->message :
	    "NULL", mx_verdict_name(d->verdict));
	display_names(d);
	write_mode(FMT_TEXT, &out_cfg, d);
	write_mode(FMT_SHORT, &out_cfg, d);
	write_mode(FMT_JSON, &out_cfg, d);
	return MXQ_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int families[4] = { 0, 4, 6, 0 };
	struct resolver_config rc;
	struct lookup_config lc;
	struct resolver *r;
	struct lookup *l;
	struct wire_head h;
	struct mx_domain *d;
	char text[WIRE_TEXT_MAX];

	if (dump < 0)
		dump = getenv("MXQ_FUZZ_DUMP") != NULL;
	if (size < 12 || wire_read_head(data, size, &h) != MXQ_OK)
		return 0;
	input = data;
	input_len = size;
	bits = h.id;
	fake_reset(server);
	memset(&out_cfg, 0, sizeof(out_cfg));
	out_cfg.unicode = (bits & B_UNICODE) != 0;
	out_cfg.verbose = (bits & B_VERBOSE) != 0;
	out_cfg.with_domain = (bits & B_WITHDOM) != 0;
	out_cfg.family = families[(bits & B_FAMILY) >> 4];
	out_cfg.no_resolve = (bits & B_NORESOLVE) != 0;
	out_cfg.server = "127.0.0.1#53";
	memset(&rc, 0, sizeof(rc));
	memset(&lc, 0, sizeof(lc));
	lc.family = out_cfg.family;
	lc.no_resolve = out_cfg.no_resolve;
	lc.no_additional = (bits & B_NOADDL) != 0;
	lc.window = 50;
	lc.deadline_ms = 3 * FAKE_TIMEOUT_MS;
	if (resolver_new(&rc, &r) != MXQ_OK ||
	    lookup_new(&lc, r, print, NULL, &l) != MXQ_OK)
		oom();
	if (h.qdcount == 1)
		wire_name_to_text(&h.qname, text);
	else
		snprintf(text, sizeof(text), "example.");
	if (bits & B_RAWINPUT)
		/* Hostile bytes as typed: the question's octets. */
		d = input_domain((const char *)data + 12,
		    size - 12 < 64 ? size - 12 : 64, 0);
	else
		d = input_domain(text, strlen(text), 0);
	if (d == NULL)
		oom();
	if (lookup_add(l, d) == MXQ_OK)
		lookup_drain(l);
	lookup_free(l);
	resolver_free(r);
	return 0;
}
