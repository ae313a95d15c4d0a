/* The result model: construction, sorting, verdicts. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mxq/esc.h"
#include "mxq/mx.h"

/* Longest part of an input shown back to the user. */
#define MX_INPUT_SHOWN 256

struct mx_domain *
mx_domain_new(const char *input, size_t len, size_t line)
{
	struct mx_domain *d;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->input = esc_dup(input, len, MX_INPUT_SHOWN);
	if (d->input == NULL) {
		free(d);
		return NULL;
	}
	d->line = line;
	d->rcode = -1;
	d->status = MXQ_OK;
	return d;
}

static void
chain_free(char **chain, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(chain[i]);
	free(chain);
}

static void
exchange_clear(struct mx_exchange *e)
{
	size_t i;

	free(e->text);
	free(e->utext);
	free(e->fam4.message);
	free(e->fam6.message);
	for (i = 0; i < e->naddr; i++) {
		chain_free(e->addr[i].ptr.names, e->addr[i].ptr.nnames);
		free(e->addr[i].ptr.message);
		if (e->addr[i].smtp != NULL) {
			smtp_result_free(e->addr[i].smtp);
			free(e->addr[i].smtp);
		}
	}
	free(e->addr);
	chain_free(e->cname, e->ncname);
	for (i = 0; i < e->dane.nrr; i++)
		free(e->dane.rr[i].data);
	free(e->dane.rr);
	free(e->dane.message);
}

static void
ns_free(struct mx_ns *ns)
{
	size_t i;

	if (ns == NULL)
		return;
	for (i = 0; i < ns->nsrv; i++) {
		free(ns->srv[i].name);
		free(ns->srv[i].address);
		free(ns->srv[i].message);
		chain_free(ns->srv[i].mx, ns->srv[i].nmx);
	}
	free(ns->srv);
	free(ns->zone);
	free(ns->message);
	free(ns);
}

static void
sts_free(struct mx_sts *sts)
{
	if (sts == NULL)
		return;
	free(sts->txt_message);
	free(sts->id);
	chain_free(sts->addrs, sts->naddrs);
	free(sts->policy_message);
	sts_policy_free(&sts->policy);
	free(sts->tlsrpt);
	free(sts->tlsrpt_message);
	free(sts);
}

void
mx_domain_free(struct mx_domain *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nex; i++)
		exchange_clear(&d->ex[i]);
	free(d->ex);
	chain_free(d->cname, d->ncname);
	free(d->input);
	free(d->qtext);
	free(d->utext);
	free(d->message);
	free(d->server);
	free(d->server_name);
	ns_free(d->ns);
	sts_free(d->sts);
	free(d);
}

enum mxq_status
mx_set_string(char **slot, const char *s)
{
	char *copy = NULL;

	if (s != NULL && (copy = strdup(s)) == NULL)
		return MXQ_ENOMEM;
	free(*slot);
	*slot = copy;
	return MXQ_OK;
}

void *
mx_grow(void *array, size_t n, size_t size)
{
	size_t cap;

	/* Full exactly when n is 4, 8, 16, ...: n & (n - 1) == 0. */
	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return array;
	cap = n == 0 ? 4 : n * 2;
	if (cap > SIZE_MAX / size)
		return NULL;
	return realloc(array, cap * size);
}

enum mxq_status
mx_chain_add(char ***chain, size_t *n, const char *text)
{
	char **grown, *copy;

	copy = strdup(text);
	if (copy == NULL)
		return MXQ_ENOMEM;
	grown = mx_grow(*chain, *n, sizeof(**chain));
	if (grown == NULL) {
		free(copy);
		return MXQ_ENOMEM;
	}
	grown[(*n)++] = copy;
	*chain = grown;
	return MXQ_OK;
}

int
mx_text_is_ip(const char *text)
{
	char buf[64];
	uint8_t tmp[16];
	size_t len = strlen(text);

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, text, len + 1);
	if (buf[len - 1] == '.')
		buf[--len] = '\0';
	if (len >= 2 && buf[0] == '[' && buf[len - 1] == ']') {
		buf[len - 1] = '\0';
		return inet_pton(AF_INET6, buf + 1, tmp) == 1;
	}
	return inet_pton(AF_INET, buf, tmp) == 1 ||
	    inet_pton(AF_INET6, buf, tmp) == 1;
}

/* Offsets of the labels of n (the root not counted); returns how many. */
static size_t
label_offsets(const struct wire_name *n, size_t off[WIRE_NAME_MAX / 2])
{
	size_t i = 0, k = 0;

	while (i < n->len && n->data[i] != 0) {
		off[k++] = i;
		i += 1 + (size_t)n->data[i];
	}
	return k;
}

/* Bytes a[0..len) and b[0..len) equal, ASCII case ignored. */
static int
same_bytes_nocase(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		int ca = a[i], cb = b[i];

		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return 0;
	}
	return 1;
}

static int
decimal_octet(const uint8_t *label)
{
	size_t n = label[0], i;
	unsigned v = 0;

	if (n == 0 || n > 3 || (n > 1 && label[1] == '0'))
		return 0;
	for (i = 1; i <= n; i++) {
		if (label[i] < '0' || label[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(label[i] - '0');
	}
	return v <= 255;
}

/*
 * The slips of a zone file that leave a name without its final dot, so
 * that the zone is appended to it: "mail.example.com.example.com." (the
 * zone twice) and "192.0.2.2.example.com." (an IPv4 address and the
 * zone), the zone being some ancestor of the domain.  MX_W_* bits.
 */
static unsigned
zone_slips(const struct wire_name *ex, const struct wire_name *domain)
{
	size_t eo[WIRE_NAME_MAX / 2], qo[WIRE_NAME_MAX / 2];
	size_t ne = label_offsets(ex, eo), nq = label_offsets(domain, qo);
	size_t k, zlen;
	unsigned warn = 0;

	for (k = 1; k <= nq; k++) {
		const uint8_t *zone = domain->data + qo[nq - k];

		zlen = (size_t)(domain->len - 1) - qo[nq - k];
		/* The zone twice at the end: zone.zone. (zones of 2 labels up) */
		if (k >= 2 && ne >= 2 * k &&
		    same_bytes_nocase(ex->data + eo[ne - k], zone, zlen) &&
		    same_bytes_nocase(ex->data + eo[ne - 2 * k], zone, zlen))
			warn |= MX_W_ZONETWICE;
		/* Four decimal octets, then the zone (of 2 labels up too:
		 * a top-level zone writes no MX records of its own). */
		if (k >= 2 && ne == 4 + k &&
		    same_bytes_nocase(ex->data + eo[4], zone, zlen) &&
		    decimal_octet(ex->data + eo[0]) &&
		    decimal_octet(ex->data + eo[1]) &&
		    decimal_octet(ex->data + eo[2]) &&
		    decimal_octet(ex->data + eo[3]))
			warn |= MX_W_ADDRZONE;
	}
	return warn;
}

struct mx_exchange *
mx_domain_add_exchange(struct mx_domain *d, uint16_t pref, uint32_t ttl,
    const struct wire_name *name)
{
	struct mx_exchange *grown, *e;
	char text[WIRE_TEXT_MAX];

	grown = mx_grow(d->ex, d->nex, sizeof(*d->ex));
	if (grown == NULL)
		return NULL;
	d->ex = grown;
	e = &d->ex[d->nex];
	memset(e, 0, sizeof(*e));
	wire_name_to_text(name, text);
	e->text = strdup(text);
	if (e->text == NULL)
		return NULL;
	e->pref = pref;
	e->ttl = ttl;
	e->order = d->nex;
	e->name = *name;
	e->status = MXQ_OK;
	e->fam4.status = e->fam6.status = MXQ_OK;
	e->sts_match = -1;
	if (mx_text_is_ip(text))
		e->warn |= MX_W_IPLITERAL;
	if (!wire_name_equal(name, &d->qname))
		e->warn |= zone_slips(name, &d->qname);
	d->nex++;
	return e;
}

enum mxq_status
mx_exchange_add_addr(struct mx_exchange *e, int family, const uint8_t *bytes,
    uint32_t ttl, enum mx_source source)
{
	struct mx_addr *grown;
	size_t i, n = family == 4 ? 4 : 16, infam = 0;

	for (i = 0; i < e->naddr; i++) {
		if (e->addr[i].family != family)
			continue;
		infam++;
		if (memcmp(e->addr[i].bytes, bytes, n) == 0)
			return MXQ_OK;
	}
	if (infam >= MX_MAX_ADDRESSES) {
		e->warn |= MX_W_ADDRLIMIT;
		return MXQ_OK;
	}
	grown = mx_grow(e->addr, e->naddr, sizeof(*e->addr));
	if (grown == NULL)
		return MXQ_ENOMEM;
	e->addr = grown;
	memset(&e->addr[e->naddr], 0, sizeof(e->addr[0]));
	e->addr[e->naddr].family = family;
	memcpy(e->addr[e->naddr].bytes, bytes, n);
	e->addr[e->naddr].ttl = ttl;
	e->addr[e->naddr].source = source;
	e->naddr++;
	return MXQ_OK;
}

static int
casecmp_ascii(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = (unsigned char)*a, cb = (unsigned char)*b;

		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb || ca == 0)
			return ca - cb;
	}
}

static int
cmp_exchange(const void *pa, const void *pb)
{
	const struct mx_exchange *a = pa, *b = pb;
	int c;

	if (a->pref != b->pref)
		return a->pref < b->pref ? -1 : 1;
	c = casecmp_ascii(a->text, b->text);
	if (c != 0)
		return c;
	return a->order < b->order ? -1 : a->order > b->order;
}

static int
cmp_addr(const void *pa, const void *pb)
{
	const struct mx_addr *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, a->family == 4 ? 4 : 16);
}

void
mx_sort(struct mx_domain *d)
{
	size_t i;

	if (d->nex > 1)
		qsort(d->ex, d->nex, sizeof(*d->ex), cmp_exchange);
	for (i = 0; i < d->nex; i++)
		if (d->ex[i].naddr > 1)
			qsort(d->ex[i].addr, d->ex[i].naddr,
			    sizeof(d->ex[i].addr[0]), cmp_addr);
}

/* Status of an exchange from its two families. */
static void
exchange_finish(struct mx_exchange *e)
{
	const struct mx_family *f[2] = { &e->fam4, &e->fam6 };
	enum mxq_status temp = MXQ_OK;
	int nx = 0, i;

	for (i = 0; i < 2; i++) {
		if (!f[i]->asked)
			continue;
		if (status_is_temporary(f[i]->status) ||
		    status_exit_code(f[i]->status) == MXQ_EXIT_INTERNAL) {
			if (temp == MXQ_OK)
				temp = f[i]->status;
		} else if (f[i]->status == MXQ_ENXDOMAIN) {
			nx = 1;
		}
	}
	if (e->naddr > 0) {
		e->status = MXQ_OK;
		if (temp != MXQ_OK)
			e->warn |= MX_W_PARTIAL;
	} else if (temp != MXQ_OK) {
		e->status = temp;
	} else if (nx) {
		e->status = MXQ_ENXDOMAIN;
	} else if (e->fam4.asked || e->fam6.asked || mx_is_dot(e)) {
		e->status = MXQ_ENODATA;
	}
}

int
mx_is_dot(const struct mx_exchange *e)
{
	return (e->warn & (MX_W_NULLMIXED | MX_W_NULLPREF)) != 0;
}

/* The words of a verdict that has no more specific message. */
static const char *
verdict_text(const struct mx_domain *d, enum mxq_status outcome)
{
	switch (d->verdict) {
	case MX_V_NOADDR:
		return "no mail route: no exchange has an address";
	case MX_V_NOPUBLIC:
		return "no mail route from the internet: no exchange has an "
		    "address the internet can reach (see --private)";
	case MX_V_NULLMX:
		return "null MX: accepts no mail (RFC 7505)";
	case MX_V_NOMAIL:
		/* With --no-resolve nobody looked for an address. */
		return d->resolved ?
		    "no mail route: no MX records and no address" :
		    "no MX records";
	case MX_V_NXDOMAIN:
		return "no such domain (NXDOMAIN)";
	case MX_V_INVALID:
		return "invalid domain name";
	default:
		return status_message(outcome);
	}
}

/* The first exchange, in sorted order, whose lookup failed. */
static const struct mx_exchange *
first_failed(const struct mx_domain *d)
{
	size_t i;

	for (i = 0; i < d->nex; i++)
		if (!mx_is_dot(&d->ex[i]) && d->ex[i].naddr == 0 &&
		    status_exit_code(d->ex[i].status) != MXQ_EXIT_NOROUTE)
			return &d->ex[i];
	return &d->ex[0];
}

/*
 * An exchange whose addresses the internet cannot reach while one family's
 * lookup failed (the route is unknown for it), with that failure in
 * words; NULL if none.
 */
static const struct mx_exchange *
unreachable_partial(const struct mx_domain *d, const char **why)
{
	size_t i;
	int k;

	for (i = 0; i < d->nex; i++) {
		const struct mx_exchange *e = &d->ex[i];
		const struct mx_family *f[2] = { &e->fam4, &e->fam6 };

		if ((e->warn & (MX_W_NOPUBLIC | MX_W_PARTIAL)) !=
		    (MX_W_NOPUBLIC | MX_W_PARTIAL))
			continue;
		for (k = 0; k < 2; k++)
			if (f[k]->asked && f[k]->status != MXQ_OK &&
			    status_exit_code(f[k]->status) != MXQ_EXIT_NOROUTE) {
				*why = f[k]->message != NULL ? f[k]->message :
				    status_message(f[k]->status);
				return e;
			}
	}
	return NULL;
}

/* Set d->message, when the lookup left it empty, for a verdict. */
static void
set_message(struct mx_domain *d, size_t real, size_t failed)
{
	char buf[WIRE_TEXT_MAX + 512];
	const struct mx_exchange *p;
	const char *why = NULL;
	size_t i;

	if (d->message != NULL || d->verdict == MX_V_ROUTE ||
	    d->verdict == MX_V_IMPLICIT || d->verdict == MX_V_LISTED)
		return;
	if (d->verdict == MX_V_UNKNOWN && failed == 0 &&
	    (p = unreachable_partial(d, &why)) != NULL) {
		snprintf(buf, sizeof(buf), "mail route unknown: no address "
		    "the internet can reach, and %s: %s", p->text, why);
		mx_set_string(&d->message, buf);
		return;
	}
	if (d->verdict == MX_V_NOADDR && real == 0) {
		for (i = 0; i < d->nex && d->ex[i].pref == 0; i++)
			;
		snprintf(buf, sizeof(buf), "no mail route: the only MX "
		    "record is '.' at preference %u, which is no host (a "
		    "null MX has preference 0, RFC 7505)",
		    i < d->nex ? d->ex[i].pref : 0);
		if (d->nex > 1)
			snprintf(buf, sizeof(buf), "no mail route: every MX "
			    "record is '.', which is no host (a null MX is "
			    "the single record 'MX 0 .', RFC 7505)");
		mx_set_string(&d->message, buf);
		return;
	}
	if (d->verdict == MX_V_UNKNOWN && !d->implicit &&
	    (d->status == MXQ_OK || d->status == MXQ_ENODATA) && real > 0) {
		/*
		 * The exchanges failed, not the domain: say so, and what
		 * struck the first of them, in its own words.
		 */
		const struct mx_exchange *e = first_failed(d);
		const char *m = e->fam4.message != NULL ? e->fam4.message :
		    e->fam6.message;

		snprintf(buf, sizeof(buf), "mail route unknown: no exchange "
		    "has an address (%s: %s%s)", e->text,
		    m != NULL ? m : status_message(e->status),
		    failed > 1 ? ", and more" : "");
		mx_set_string(&d->message, buf);
		return;
	}
	if (d->verdict == MX_V_UNKNOWN && d->implicit && d->nex > 0) {
		const struct mx_exchange *e = &d->ex[0];
		const char *m = e->fam4.message != NULL ? e->fam4.message :
		    e->fam6.message;

		/* The implicit MX is the domain itself: its own words. */
		if (m != NULL) {
			mx_set_string(&d->message, m);
			return;
		}
	}
	mx_set_string(&d->message, verdict_text(d, mx_domain_outcome(d)));
}

/* Every address record set of e that was asked is secure. */
static int
addresses_secure(const struct mx_exchange *e)
{
	const struct mx_family *f[2] = { &e->fam4, &e->fam6 };
	int i, any = 0;

	for (i = 0; i < 2; i++) {
		if (!f[i]->asked)
			continue;
		if (f[i]->secure != MX_SEC_SECURE)
			return 0;
		any = 1;
	}
	return any;
}

/*
 * What a DANE sender makes of the exchange (RFC 7672 2.2): TLSA records
 * count only when they, the MX set and the exchange's addresses are all
 * secure, and only records of usage 2 or 3 with a known selector and
 * matching type can be used.
 */
static void
dane_finish(struct mx_exchange *e, enum mx_sec mx_secure)
{
	struct mx_dane_info *dn = &e->dane;
	size_t i, usable = 0;

	if (!dn->asked)
		dn->state = MX_DANE_NOT_ASKED;
	else if (dn->status == MXQ_ENODATA || dn->status == MXQ_ENXDOMAIN)
		dn->state = MX_DANE_NONE;
	else if (dn->status != MXQ_OK || dn->nrr == 0)
		dn->state = MX_DANE_FAILED;
	else if (dn->secure != MX_SEC_SECURE || mx_secure != MX_SEC_SECURE ||
	    !addresses_secure(e))
		dn->state = MX_DANE_INSECURE;
	else {
		for (i = 0; i < dn->nrr; i++)
			if (dn->rr[i].problem == NULL)
				usable++;
		dn->state = usable > 0 ? MX_DANE_PROTECTED : MX_DANE_UNUSABLE;
	}
}

/* RFC 1982: serial a is older than serial b. */
static int
serial_older(uint32_t a, uint32_t b)
{
	return a != b && (int32_t)(b - a) > 0;
}

static int
same_mx_set(const struct mx_nsserver *a, const struct mx_nsserver *b)
{
	size_t i;

	if (a->nmx != b->nmx)
		return 0;
	for (i = 0; i < a->nmx; i++)
		if (casecmp_ascii(a->mx[i], b->mx[i]) != 0)
			return 0;
	return 1;
}

static int
mx_set_known(const struct mx_nsserver *s)
{
	return s->mx_status == MXQ_OK || s->mx_status == MXQ_ENODATA ||
	    s->mx_status == MXQ_ENXDOMAIN;
}

/*
 * Compare what the authoritative servers said: the newest serial and
 * the MX set most of them serve are the reference; every server that
 * differs, does not answer for the zone, or does not answer at all is
 * marked.
 */
static void
ns_finish(struct mx_ns *ns)
{
	const struct mx_nsserver *ref = NULL;
	uint32_t newest = 0;
	size_t i, j, best = 0;
	int have_serial = 0;

	if (ns == NULL)
		return;
	for (i = 0; i < ns->nsrv; i++) {
		struct mx_nsserver *s = &ns->srv[i];
		size_t votes = 0;

		if (s->status == MXQ_OK && s->authoritative) {
			if (!have_serial || serial_older(newest, s->serial))
				newest = s->serial;
			have_serial = 1;
		}
		if (!mx_set_known(s))
			continue;
		for (j = 0; j < ns->nsrv; j++)
			if (mx_set_known(&ns->srv[j]) &&
			    same_mx_set(s, &ns->srv[j]))
				votes++;
		if (votes > best) {
			best = votes;
			ref = s;
		}
	}
	for (i = 0; i < ns->nsrv; i++) {
		struct mx_nsserver *s = &ns->srv[i];

		if (s->status == MXQ_ETIMEOUT || s->status == MXQ_EUNREACH)
			s->warn |= MX_NSW_DOWN;
		else if (s->status != MXQ_OK || !s->authoritative)
			s->warn |= MX_NSW_LAME;
		else if (s->serial != newest)
			s->warn |= MX_NSW_SERIAL;
		if (ref != NULL && mx_set_known(s) && !same_mx_set(s, ref))
			s->warn |= MX_NSW_MX;
		ns->warn |= s->warn;
	}
}

/* An address the internet can reach, or --private. */
static int
reachable(const struct mx_domain *d, const struct mx_exchange *e)
{
	size_t k;

	for (k = 0; k < e->naddr; k++)
		if (e->addr[k].special == NULL || d->private_ok)
			return 1;
	return 0;
}

void
mx_domain_finish(struct mx_domain *d)
{
	size_t i, real = 0, failed = 0;
	int any_addr = 0, any_temp = 0, any_special = 0;

	for (i = 0; i < d->nex; i++) {
		if (d->resolved)
			exchange_finish(&d->ex[i]);
		else if (mx_is_dot(&d->ex[i]))
			d->ex[i].status = MXQ_ENODATA;
		if (mx_is_dot(&d->ex[i]))
			continue;
		real++;
		if (d->ex[i].naddr > 0 && !reachable(d, &d->ex[i])) {
			/* Addresses, but a sender on the internet has none. */
			d->ex[i].warn |= MX_W_NOPUBLIC;
			/* The family that failed may hold one it can reach. */
			if (d->ex[i].warn & MX_W_PARTIAL)
				any_temp = 1;
			else
				any_special = 1;
		} else if (d->ex[i].naddr > 0) {
			any_addr = 1;
		} else if (d->resolved &&
		    status_exit_code(d->ex[i].status) != MXQ_EXIT_NOROUTE) {
			any_temp = 1;
			failed++;
		}
	}
	mx_sort(d);
	for (i = 0; i < d->nex; i++)
		dane_finish(&d->ex[i], d->secure);
	ns_finish(d->ns);

	if (d->status == MXQ_EINVAL)
		d->verdict = MX_V_INVALID;
	else if (d->status == MXQ_ENXDOMAIN)
		d->verdict = MX_V_NXDOMAIN;
	else if (d->status != MXQ_OK && d->status != MXQ_ENODATA)
		d->verdict = MX_V_UNKNOWN;
	else if (d->nullmx)
		d->verdict = MX_V_NULLMX;
	else if (d->implicit)
		d->verdict = any_addr ? MX_V_IMPLICIT :
		    any_temp ? MX_V_UNKNOWN : any_special ? MX_V_NOPUBLIC :
		    MX_V_NOMAIL;
	else if (d->nex == 0)
		d->verdict = MX_V_NOMAIL;
	else if (real == 0)
		/* Only '.', and no null MX: no host to send to, resolved or not. */
		d->verdict = MX_V_NOADDR;
	else if (!d->resolved)
		d->verdict = MX_V_LISTED;
	else
		d->verdict = any_addr ? MX_V_ROUTE :
		    any_temp ? MX_V_UNKNOWN : any_special ? MX_V_NOPUBLIC :
		    MX_V_NOADDR;
	set_message(d, real, failed);
}

/* Two names equal but for letter case and a final dot. */
static int
same_host(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (alen > 0 && a[alen - 1] == '.')
		alen--;
	if (blen > 0 && b[blen - 1] == '.')
		blen--;
	return alen == blen && alen > 0 && strncasecmp(a, b, alen) == 0;
}

/*
 * The host name a server greets with (RFC 5321 4.3.1: the first word
 * after the code), against the exchange's name and the address's PTR
 * names.  Receivers and log readers expect one of them.
 */
static enum mx_greet
greeting_names(const struct mx_exchange *e, const struct mx_addr *a)
{
	const char *g = a->smtp->greeting;
	size_t n, i;

	if (g == NULL || a->smtp->greeting_code == 0)
		return MX_GREET_NONE;
	n = strcspn(g, " ");
	if (n == 0)
		return MX_GREET_NONE;
	if (same_host(g, n, e->text))
		return MX_GREET_EXCHANGE;
	for (i = 0; i < a->ptr.nnames; i++)
		if (same_host(g, n, a->ptr.names[i]))
			return MX_GREET_PTR;
	return MX_GREET_OTHER;
}

void
mx_domain_probed(struct mx_domain *d)
{
	const struct sts_policy *pol = NULL;
	size_t i, k, tried = 0, silent = 0;

	if (d->sts != NULL && d->sts->policy_status == MXQ_OK &&
	    d->sts->policy.mode != STS_MODE_NONE)
		pol = &d->sts->policy;
	for (i = 0; i < d->nex; i++) {
		struct mx_exchange *e = &d->ex[i];

		for (k = 0; k < e->naddr; k++) {
			const struct smtp_result *r = e->addr[k].smtp;

			if (r == NULL)
				continue;
			e->addr[k].greet = greeting_names(e, &e->addr[k]);
			tried++;
			silent += r->status == MXQ_ETIMEOUT &&
			    r->failed_at == SMTP_STEP_CONNECT;
		}
		if (pol == NULL || mx_is_dot(e))
			continue;
		e->sts_match = 0;
		for (k = 0; k < pol->nmx && !e->sts_match; k++)
			e->sts_match = sts_mx_match(pol->mx[k], e->text);
	}
	/* Not one connection anywhere: the network, more likely than all
	 * of them. */
	d->smtp_blocked = tried > 0 && silent == tried;
}

enum mxq_status
mx_domain_outcome(const struct mx_domain *d)
{
	size_t i;

	switch (d->verdict) {
	case MX_V_ROUTE:
	case MX_V_IMPLICIT:
	case MX_V_LISTED:
		return MXQ_OK;
	case MX_V_NOADDR:
	case MX_V_NULLMX:
	case MX_V_NOMAIL:
		return MXQ_ENODATA;
	case MX_V_NOPUBLIC:
		return MXQ_EUNROUTABLE;
	case MX_V_NXDOMAIN:
		return MXQ_ENXDOMAIN;
	case MX_V_INVALID:
		return MXQ_EINVAL;
	case MX_V_UNKNOWN:
		if (d->status != MXQ_OK && d->status != MXQ_ENODATA)
			return d->status;
		for (i = 0; i < d->nex; i++)
			if (d->ex[i].status != MXQ_OK &&
			    status_exit_code(d->ex[i].status) != MXQ_EXIT_NOROUTE)
				return d->ex[i].status;
		return MXQ_ETIMEOUT;
	}
	return MXQ_EINTERNAL;
}

const char *
mx_verdict_name(enum mx_verdict v)
{
	switch (v) {
	case MX_V_ROUTE:
		return "mx";
	case MX_V_IMPLICIT:
		return "implicit-mx";
	case MX_V_LISTED:
		return "mx-listed";
	case MX_V_NOADDR:
		return "no-address";
	case MX_V_NOPUBLIC:
		return "no-public-address";
	case MX_V_NULLMX:
		return "null-mx";
	case MX_V_NOMAIL:
		return "no-mx";
	case MX_V_NXDOMAIN:
		return "nxdomain";
	case MX_V_UNKNOWN:
		return "unknown";
	case MX_V_INVALID:
		return "invalid";
	}
	return "unknown";
}

size_t
mx_pref_levels(const struct mx_domain *d)
{
	size_t i, n = 0;
	int prev = -1;

	/* A '.' that is no null MX is no exchange (RFC 7505). */
	for (i = 0; i < d->nex; i++) {
		if (mx_is_dot(&d->ex[i]))
			continue;
		if (d->ex[i].pref != prev)
			n++;
		prev = d->ex[i].pref;
	}
	return n;
}

int
mx_is_backup(const struct mx_domain *d, size_t i)
{
	size_t k;
	int lo = -1, hi = -1;

	if (d->implicit || i >= d->nex || mx_is_dot(&d->ex[i]))
		return 0;
	/* A '.' that is no null MX is no exchange (RFC 7505). */
	for (k = 0; k < d->nex; k++) {
		if (mx_is_dot(&d->ex[k]))
			continue;
		if (lo < 0 || d->ex[k].pref < lo)
			lo = d->ex[k].pref;
		if (hi < 0 || d->ex[k].pref > hi)
			hi = d->ex[k].pref;
	}
	return lo != hi && d->ex[i].pref == hi;
}

/*
 * IPv4 in dotted decimal without inet_ntop: glibc's goes through sprintf,
 * which was the largest single cost of a batch with -s.
 */
static const char *
ipv4_text(const uint8_t *b, char *buf, size_t size)
{
	char tmp[sizeof "255.255.255.255"], *p = tmp;
	size_t i;

	for (i = 0; i < 4; i++) {
		unsigned int v = b[i];

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
	if ((size_t)(p - tmp) > size)
		return NULL;
	memcpy(buf, tmp, (size_t)(p - tmp));
	return buf;
}

/*
 * IPv6 in RFC 5952 form without inet_ntop (whose sprintf per group was the
 * next largest cost): lowercase hex without leading zeros, the longest run
 * of two or more zero groups (the first of equals) as "::".  Addresses
 * whose first five groups are zero (::1, ::ffff:192.0.2.1, ...) are left to
 * inet_ntop, which writes some of them with an IPv4 tail: NULL.
 */
static const char *
ipv6_text(const uint8_t *b, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[sizeof "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"], *p = tmp;
	unsigned int w[8];
	int i, run = -1, runlen = 0, cur = -1, curlen = 0;

	for (i = 0; i < 8; i++) {
		w[i] = (unsigned int)b[2 * i] << 8 | b[2 * i + 1];
		if (w[i] == 0) {
			if (curlen++ == 0)
				cur = i;
			if (curlen > runlen) {
				run = cur;
				runlen = curlen;
			}
		} else
			curlen = 0;
	}
	if (run == 0 && runlen >= 5)
		return NULL;
	if (runlen < 2)
		run = -1;
	for (i = 0; i < 8; i++) {
		int shift, lead = 1;

		if (i == run) {
			*p++ = ':';
			if (i == 0)
				*p++ = ':';
			i += runlen - 1;
			continue;
		}
		for (shift = 12; shift >= 0; shift -= 4) {
			unsigned int nib = w[i] >> shift & 0xfu;

			if (nib == 0 && lead && shift > 0)
				continue;
			lead = 0;
			*p++ = hex[nib];
		}
		if (i < 7)
			*p++ = ':';
	}
	*p++ = '\0';
	if ((size_t)(p - tmp) > size)
		return "";
	memcpy(buf, tmp, (size_t)(p - tmp));
	return buf;
}

const char *
mx_addr_text(const struct mx_addr *a, char *buf, size_t size)
{
	const char *t;

	if (a->family == 4)
		return ipv4_text(a->bytes, buf, size) == NULL ? "?" : buf;
	if ((t = ipv6_text(a->bytes, buf, size)) != NULL)
		return *t == '\0' ? "?" : t;
	if (inet_ntop(AF_INET6, a->bytes, buf,
	    (socklen_t)size) == NULL)
		return "?";
	return buf;
}
