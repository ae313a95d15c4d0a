/* Reply interpretation: the one reader of replies.  Fuzzed as shipped. */
#include <stdlib.h>
#include <string.h>

#include "mxq/answer.h"
#include "mxq/esc.h"

/* The rdata of records kept, expanded, with offsets until the end. */
struct rdata_buf {
	uint8_t *b;
	size_t len, cap;
};

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint8_t *
buf_room(struct rdata_buf *rb, size_t n)
{
	if (rb->len + n > rb->cap) {
		size_t cap = rb->cap ? rb->cap : 256;
		uint8_t *grown;

		while (cap < rb->len + n)
			cap *= 2;
		grown = realloc(rb->b, cap);
		if (grown == NULL)
			return NULL;
		rb->b = grown;
		rb->cap = cap;
	}
	return rb->b + rb->len;
}

/* Append a name read at off in the message (compressed or not). */
static enum mxq_status
put_name(struct rdata_buf *rb, const struct wire_msg *m, size_t *off,
    size_t end)
{
	struct wire_name n;
	enum mxq_status st;
	uint8_t *p;

	/* A name inside rdata must not run past the rdata. */
	st = wire_read_name(m->buf, end, off, &n);
	if (st != MXQ_OK)
		return st;
	if ((p = buf_room(rb, n.len)) == NULL)
		return MXQ_ENOMEM;
	memcpy(p, n.data, n.len);
	rb->len += n.len;
	return MXQ_OK;
}

static enum mxq_status
put_bytes(struct rdata_buf *rb, const uint8_t *src, size_t n)
{
	uint8_t *p;

	if (n == 0)
		return MXQ_OK;
	if ((p = buf_room(rb, n)) == NULL)
		return MXQ_ENOMEM;
	memcpy(p, src, n);
	rb->len += n;
	return MXQ_OK;
}

/*
 * Copy the rdata of rr, expanding the names of the types that hold
 * compressed names (RFC 3597 4: only these well-known types may).  Sets
 * *start to its offset in rb and *n to its length.  MXQ_EMALFORMED for
 * rdata that does not have the form of its type, MXQ_ENOMEM.
 */
static enum mxq_status
put_rdata(struct rdata_buf *rb, const struct wire_msg *m,
    const struct wire_rr *rr, size_t *start, size_t *n)
{
	size_t off = rr->rdoff, end = rr->rdoff + rr->rdlen;
	enum mxq_status st = MXQ_OK;

	*start = rb->len;
	switch (rr->type) {
	case WIRE_TYPE_A:
	case WIRE_TYPE_AAAA:
		if (rr->rdlen != (rr->type == WIRE_TYPE_A ? 4 : 16))
			return MXQ_EMALFORMED;
		st = put_bytes(rb, m->buf + off, rr->rdlen);
		off = end;
		break;
	case WIRE_TYPE_MX:
		if (rr->rdlen < 3)
			return MXQ_EMALFORMED;
		st = put_bytes(rb, m->buf + off, 2);
		off += 2;
		if (st == MXQ_OK)
			st = put_name(rb, m, &off, end);
		break;
	case WIRE_TYPE_CNAME:
	case WIRE_TYPE_NS:
	case WIRE_TYPE_PTR:
		st = put_name(rb, m, &off, end);
		break;
	case WIRE_TYPE_SOA:
		st = put_name(rb, m, &off, end);
		if (st == MXQ_OK)
			st = put_name(rb, m, &off, end);
		if (st == MXQ_OK && end - off != 20)
			return MXQ_EMALFORMED;
		if (st == MXQ_OK)
			st = put_bytes(rb, m->buf + off, 20);
		off = end;
		break;
	default:
		st = put_bytes(rb, m->buf + off, rr->rdlen);
		off = end;
		break;
	}
	if (st != MXQ_OK)
		return st;
	if (off != end)
		return MXQ_EMALFORMED;	/* bytes left after the last name */
	*n = rb->len - *start;
	return MXQ_OK;
}

/*
 * Append a record to a growing array; its owner and rdata go into rb,
 * their offsets in place of pointers until fix_pointers().
 */
static enum mxq_status
add_rr(struct answer_rr **arr, size_t *n, struct rdata_buf *rb,
    const struct wire_msg *m, const struct wire_rr *rr)
{
	struct answer_rr *grown, *a;
	size_t start, len, owner = rb->len;
	enum mxq_status st;

	if ((st = put_bytes(rb, rr->owner.data, rr->owner.len)) != MXQ_OK)
		return st;
	st = put_rdata(rb, m, rr, &start, &len);
	if (st != MXQ_OK)
		return st;
	if (len > UINT16_MAX)
		return MXQ_EMALFORMED;
	if ((*n & (*n + 1)) == 0) {
		/* Capacities 1, 3, 7, 15, ...: full when n + 1 is a power of 2. */
		grown = realloc(*arr, (2 * *n + 1) * sizeof(**arr));
		if (grown == NULL)
			return MXQ_ENOMEM;
		*arr = grown;
	}
	a = &(*arr)[(*n)++];
	a->owner = (const uint8_t *)(uintptr_t)owner;
	a->type = rr->type;
	a->ttl = rr->ttl;
	a->len = (uint16_t)len;
	a->data = (const uint8_t *)(uintptr_t)start;
	return MXQ_OK;
}

static void
fix_pointers(struct answer_rr *arr, size_t n, const uint8_t *base)
{
	size_t i;

	for (i = 0; i < n; i++) {
		arr[i].owner = base + (uintptr_t)arr[i].owner;
		arr[i].data = base + (uintptr_t)arr[i].data;
	}
}

void
answer_owner(const struct answer_rr *rr, struct wire_name *out)
{
	size_t i = 0;

	/* Written whole by add_rr: labels up to the root, within 255. */
	while (i < WIRE_NAME_MAX && rr->owner[i] != 0)
		i += 1 + (size_t)rr->owner[i];
	out->len = (uint8_t)(i + 1);
	memcpy(out->data, rr->owner, i + 1);
}

static int
chain_has(const struct answer *a, const struct wire_name *origin,
    const struct wire_name *n)
{
	size_t i;

	if (wire_name_equal(origin, n))
		return 1;
	for (i = 0; i < a->nchain; i++)
		if (wire_name_equal(&a->chain[i], n))
			return 1;
	return 0;
}

static enum mxq_status
chain_add(struct answer *a, const struct wire_name *n)
{
	struct wire_name *grown;

	grown = realloc(a->chain, (a->nchain + 1) * sizeof(*grown));
	if (grown == NULL)
		return MXQ_ENOMEM;
	a->chain = grown;
	a->chain[a->nchain++] = *n;
	return MXQ_OK;
}

/* The reply's failure: the status and a static detail. */
static void
fail(struct answer *a, enum mxq_status st, const char *why)
{
	a->status = st;
	a->why = why;
}

/*
 * Follow the chain from a->target through the answer section, taking
 * the records of type q->type at its end.  *grew says whether this
 * reply added links.  Returns MXQ_ENOMEM only; anything wrong with the
 * reply is set in a->status.
 */
static enum mxq_status
read_chain(struct answer *a, const struct wire_msg *m,
    const struct answer_question *q, struct rdata_buf *rb, int *grew)
{
	enum mxq_status st;
	size_t i;

	*grew = 0;
	for (;;) {
		struct wire_name next;
		int alias = 0;

		for (i = 0; i < m->nrr; i++) {
			const struct wire_rr *rr = &m->rr[i];

			if (rr->section != WIRE_ANSWER ||
			    rr->class != WIRE_CLASS_IN ||
			    !wire_name_equal(&rr->owner, &a->target))
				continue;
			if (rr->type == WIRE_TYPE_CNAME && !alias &&
			    q->type != WIRE_TYPE_CNAME) {
				size_t off = rr->rdoff;

				if (wire_read_name(m->buf, rr->rdoff + rr->rdlen,
				    &off, &next) != MXQ_OK ||
				    off != rr->rdoff + rr->rdlen) {
					fail(a, MXQ_EMALFORMED,
					    "malformed CNAME record");
					return MXQ_OK;
				}
				alias = 1;
			}
			if (rr->type != q->type)
				continue;
			st = add_rr(&a->rr, &a->nrr, rb, m, rr);
			if (st == MXQ_ENOMEM)
				return st;
			if (st != MXQ_OK) {
				fail(a, st, rr->type == WIRE_TYPE_A ||
				    rr->type == WIRE_TYPE_AAAA ?
				    "address record of the wrong length" : NULL);
				return MXQ_OK;
			}
		}
		/* RFC 2181 10.1: an alias has no other data: stop at data. */
		if (a->nrr > 0 || !alias)
			return MXQ_OK;
		if (chain_has(a, q->origin != NULL ? q->origin : &q->name,
		    &next)) {
			fail(a, MXQ_EMALFORMED, "CNAME loop");
			return MXQ_OK;
		}
		if (a->nchain >= ANSWER_MAX_CHAIN) {
			fail(a, MXQ_ELIMIT, "CNAME chain too long");
			return MXQ_OK;
		}
		if (chain_add(a, &next) != MXQ_OK)
			return MXQ_ENOMEM;
		a->target = next;
		*grew = 1;
	}
}

/* Addresses of the additional section that a resolver would believe. */
static enum mxq_status
read_extra(struct answer *a, const struct wire_msg *m,
    const struct answer_question *q, struct rdata_buf *rb)
{
	int recursive = q->rd && (m->flags & WIRE_FLAG_RA) &&
	    !(m->flags & WIRE_FLAG_AA);
	enum mxq_status st;
	size_t i;

	for (i = 0; i < m->nrr; i++) {
		const struct wire_rr *rr = &m->rr[i];

		if (rr->section != WIRE_ADDITIONAL ||
		    rr->class != WIRE_CLASS_IN ||
		    (rr->type != WIRE_TYPE_A && rr->type != WIRE_TYPE_AAAA))
			continue;
		/*
		 * RFC 2181 5.4.1: out-of-zone data is not to be believed.
		 * The zone that answered for target holds target and what
		 * is below it; a recursive server has vetted its own data.
		 */
		if (!recursive && !wire_name_is_under(&rr->owner, &a->target))
			continue;
		/* A malformed extra record is left out, nothing else. */
		st = add_rr(&a->extra, &a->nextra, rb, m, rr);
		if (st == MXQ_ENOMEM)
			return st;
	}
	return MXQ_OK;
}

/* RFC 8914: the first Extended DNS Error option of the OPT record. */
static enum mxq_status
read_ede(struct answer *a, const struct wire_msg *m)
{
	const uint8_t *p, *end;

	if (m->opt == NULL)
		return MXQ_OK;
	p = m->buf + m->opt->rdoff;
	end = p + m->opt->rdlen;
	while (end - p >= 4) {
		uint16_t code = get16(p), len = get16(p + 2);

		p += 4;
		if (len > end - p)
			return MXQ_OK;	/* a cut option: ignore the rest */
		if (code == WIRE_EDNS_EDE && len >= 2) {
			a->ede = get16(p);
			if (len > 2) {
				a->ede_text = esc_dup((const char *)p + 2,
				    (size_t)len - 2, ANSWER_EDE_TEXT_MAX);
				if (a->ede_text == NULL)
					return MXQ_ENOMEM;
			}
			return MXQ_OK;
		}
		p += len;
	}
	return MXQ_OK;
}

/* SOA and NS records of the authority section. */
static void
read_authority(const struct wire_msg *m, const struct wire_rr **soa,
    const struct wire_rr **ns)
{
	size_t i;

	*soa = *ns = NULL;
	for (i = 0; i < m->nrr; i++) {
		const struct wire_rr *rr = &m->rr[i];

		if (rr->section != WIRE_AUTHORITY || rr->class != WIRE_CLASS_IN)
			continue;
		if (rr->type == WIRE_TYPE_SOA && *soa == NULL)
			*soa = rr;
		else if (rr->type == WIRE_TYPE_NS && *ns == NULL)
			*ns = rr;
	}
}

/* RFC 2308 5: a negative answer lives min(SOA TTL, SOA MINIMUM). */
static uint32_t
negative_ttl(const struct wire_msg *m, const struct wire_rr *soa)
{
	uint32_t min;

	if (soa == NULL || soa->rdlen < 20)
		return 0;
	min = get32(m->buf + soa->rdoff + soa->rdlen - 4);
	if (min > 0x7fffffffu)
		min = 0;
	return soa->ttl < min ? soa->ttl : min;
}

/*
 * The zone a negative answer or a referral speaks for.  Out of memory
 * it stays NULL, which callers read as "not said".
 */
static void
set_zone(struct answer *a, const struct wire_name *owner)
{
	a->zone = malloc(sizeof(*a->zone));
	if (a->zone != NULL)
		*a->zone = *owner;
}

/* What a reply without the records asked for says. */
static void
read_negative(struct answer *a, const struct wire_msg *m,
    const struct answer_question *q, int grew)
{
	const struct wire_rr *soa, *ns;
	int recursive = q->rd && (m->flags & WIRE_FLAG_RA);
	/* A resolver believes a negative answer from the zone or its own. */
	int trusted = (m->flags & WIRE_FLAG_AA) || recursive;

	read_authority(m, &soa, &ns);
	a->neg_ttl = negative_ttl(m, soa);
	if (soa != NULL)
		set_zone(a, &soa->owner);
	if (m->rcode == WIRE_RCODE_NXDOMAIN) {
		/* RFC 6604: the RCODE speaks of the last name of a chain. */
		if (trusted)
			fail(a, MXQ_ENXDOMAIN, NULL);
		else
			fail(a, MXQ_ELAME, "NXDOMAIN without AA or RA");
		return;
	}
	if (grew && soa == NULL && !recursive) {
		/* The server answered for the alias only: ask on. */
		a->follow = 1;
		return;
	}
	if (soa == NULL && ns != NULL && !(m->flags & WIRE_FLAG_AA)) {
		/* RFC 2308 2.2: NS and no SOA is a referral, not NODATA. */
		set_zone(a, &ns->owner);
		fail(a, MXQ_EREFERRAL, NULL);
		return;
	}
	if (trusted)
		fail(a, MXQ_ENODATA, NULL);
	else
		fail(a, MXQ_ELAME, "NODATA without AA or RA");
}

static enum mxq_status
read_reply(struct answer *a, const struct wire_msg *m,
    const struct answer_question *q, struct rdata_buf *rb)
{
	enum mxq_status st;
	int grew = 0;

	a->rcode = m->rcode;
	a->flags = m->flags;
	a->edns = m->opt != NULL;
	if ((st = read_ede(a, m)) != MXQ_OK)
		return st;
	if (!(m->flags & WIRE_FLAG_QR) || m->qdcount != 1 ||
	    m->qtype != q->type || m->qclass != WIRE_CLASS_IN ||
	    !wire_name_equal(&m->qname, &q->name)) {
		fail(a, MXQ_EMALFORMED, "reply does not match the question");
		return MXQ_OK;
	}
	switch (m->rcode) {
	case WIRE_RCODE_NOERROR:
	case WIRE_RCODE_NXDOMAIN:
		break;
	case WIRE_RCODE_SERVFAIL:
		fail(a, MXQ_ESERVFAIL, NULL);
		return MXQ_OK;
	case WIRE_RCODE_REFUSED:
		fail(a, MXQ_EREFUSED, NULL);
		return MXQ_OK;
	default:
		fail(a, MXQ_ERCODE, NULL);
		return MXQ_OK;
	}
	if ((st = read_chain(a, m, q, rb, &grew)) != MXQ_OK ||
	    a->status != MXQ_OK)
		return st;
	if (a->nrr > 0)
		return read_extra(a, m, q, rb);
	read_negative(a, m, q, grew);
	return MXQ_OK;
}

static enum mxq_status
start_from(struct answer *a, const struct answer_question *q,
    const struct answer *prev)
{
	size_t i;

	if (prev == NULL) {
		a->target = q->name;
		return MXQ_OK;
	}
	a->target = prev->target;
	for (i = 0; i < prev->nchain; i++)
		if (chain_add(a, &prev->chain[i]) != MXQ_OK)
			return MXQ_ENOMEM;
	return MXQ_OK;
}

enum mxq_status
answer_read(const uint8_t *buf, size_t len, const struct answer_question *q,
    const struct answer *prev, struct answer *out)
{
	struct rdata_buf rb = { NULL, 0, 0 };
	struct answer a;
	struct wire_msg m;
	enum mxq_status st;

	memset(&a, 0, sizeof(a));
	a.status = MXQ_OK;
	a.rcode = -1;
	a.ede = -1;
	if ((st = start_from(&a, q, prev)) != MXQ_OK)
		goto fail;
	st = wire_parse(buf, len, &m);
	if (st == MXQ_ENOMEM)
		goto fail;
	if (st != MXQ_OK) {
		fail(&a, st, st == MXQ_ELIMIT ? "too many records in reply" :
		    "reply does not parse");
		*out = a;
		return MXQ_OK;
	}
	st = read_reply(&a, &m, q, &rb);
	wire_msg_clear(&m);
	if (st != MXQ_OK)
		goto fail;
	if (a.status != MXQ_OK) {
		/* A failure keeps no records. */
		a.nrr = a.nextra = 0;
	}
	a.mem = rb.b;
	fix_pointers(a.rr, a.nrr, a.mem);
	fix_pointers(a.extra, a.nextra, a.mem);
	*out = a;
	return MXQ_OK;
fail:
	free(rb.b);
	answer_clear(&a);
	return st;
}

void
answer_clear(struct answer *a)
{
	free(a->chain);
	free(a->rr);
	free(a->extra);
	free(a->ede_text);
	free(a->zone);
	free(a->mem);
	memset(a, 0, sizeof(*a));
}

uint32_t
answer_ttl(const struct answer *a)
{
	uint32_t ttl;
	size_t i;

	if (a->nrr == 0)
		return a->neg_ttl;
	ttl = a->rr[0].ttl;
	for (i = 1; i < a->nrr; i++)
		if (a->rr[i].ttl < ttl)
			ttl = a->rr[i].ttl;
	return ttl;
}

/* A name that fills the data from off exactly. */
static enum mxq_status
name_at(const uint8_t *data, size_t len, size_t *off, struct wire_name *n)
{
	/* Expanded names hold no pointers; refuse any that slipped in. */
	size_t i = *off;

	while (i < len && data[i] != 0) {
		if (data[i] & 0xc0)
			return MXQ_EMALFORMED;
		i += 1 + (size_t)data[i];
	}
	return wire_read_name(data, len, off, n);
}

enum mxq_status
answer_mx(const struct answer_rr *rr, uint16_t *pref,
    struct wire_name *exchange)
{
	struct wire_name n;
	size_t off = 2;

	if (rr->type != WIRE_TYPE_MX || rr->len < 3 ||
	    name_at(rr->data, rr->len, &off, &n) != MXQ_OK || off != rr->len)
		return MXQ_EMALFORMED;
	*pref = get16(rr->data);
	*exchange = n;
	return MXQ_OK;
}

enum mxq_status
answer_name(const struct answer_rr *rr, struct wire_name *name)
{
	struct wire_name n;
	size_t off = 0;

	if ((rr->type != WIRE_TYPE_CNAME && rr->type != WIRE_TYPE_NS &&
	    rr->type != WIRE_TYPE_PTR) ||
	    name_at(rr->data, rr->len, &off, &n) != MXQ_OK || off != rr->len)
		return MXQ_EMALFORMED;
	*name = n;
	return MXQ_OK;
}

enum mxq_status
answer_addr(const struct answer_rr *rr, int *family, uint8_t bytes[16])
{
	if (rr->type == WIRE_TYPE_A && rr->len == 4) {
		*family = 4;
		memcpy(bytes, rr->data, 4);
		memset(bytes + 4, 0, 12);
		return MXQ_OK;
	}
	if (rr->type == WIRE_TYPE_AAAA && rr->len == 16) {
		*family = 6;
		memcpy(bytes, rr->data, 16);
		return MXQ_OK;
	}
	return MXQ_EMALFORMED;
}

enum mxq_status
answer_soa(const struct answer_rr *rr, struct answer_soa *soa)
{
	struct answer_soa s;
	size_t off = 0;

	if (rr->type != WIRE_TYPE_SOA ||
	    name_at(rr->data, rr->len, &off, &s.mname) != MXQ_OK ||
	    name_at(rr->data, rr->len, &off, &s.rname) != MXQ_OK ||
	    rr->len - off != 20)
		return MXQ_EMALFORMED;
	s.serial = get32(rr->data + off);
	s.refresh = get32(rr->data + off + 4);
	s.retry = get32(rr->data + off + 8);
	s.expire = get32(rr->data + off + 12);
	s.minimum = get32(rr->data + off + 16);
	*soa = s;
	return MXQ_OK;
}

enum mxq_status
answer_tlsa(const struct answer_rr *rr, struct answer_tlsa *tlsa)
{
	if (rr->type != WIRE_TYPE_TLSA || rr->len < 4)
		return MXQ_EMALFORMED;
	tlsa->usage = rr->data[0];
	tlsa->selector = rr->data[1];
	tlsa->mtype = rr->data[2];
	tlsa->data = rr->data + 3;
	tlsa->len = (size_t)rr->len - 3;
	return MXQ_OK;
}

enum mxq_status
answer_txt(const struct answer_rr *rr, char *buf, size_t size)
{
	size_t i = 0, o = 0, k;

	if (rr->type != WIRE_TYPE_TXT || rr->len == 0 || size == 0)
		return MXQ_EMALFORMED;
	while (i < rr->len) {
		size_t n = rr->data[i++];

		if (n > (size_t)rr->len - i)
			return MXQ_EMALFORMED;
		if (n >= size - o)
			return MXQ_ELIMIT;
		for (k = 0; k < n; k++)
			buf[o++] = rr->data[i + k] != 0 ?
			    (char)rr->data[i + k] : '\x01';
		i += n;
	}
	buf[o] = '\0';
	return MXQ_OK;
}
