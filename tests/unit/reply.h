/*
 * A tiny builder of DNS replies for unit tests: header, question and
 * records, names written out uncompressed unless a pointer is asked for.
 * Everything is static inline: include it in one test file at a time.
 */
#ifndef MXQ_TEST_REPLY_H
#define MXQ_TEST_REPLY_H

#include <stdint.h>
#include <string.h>

#include "mxq/wire.h"

struct reply {
	uint8_t b[8192];
	size_t n;
	size_t counts_at;		/* offset of ANCOUNT */
	unsigned an, ns, ar;
};

static inline void
reply_put8(struct reply *r, unsigned v)
{
	if (r->n < sizeof(r->b))
		r->b[r->n++] = (uint8_t)v;
}

static inline void
reply_put16(struct reply *r, unsigned v)
{
	reply_put8(r, (v >> 8) & 0xff);
	reply_put8(r, v & 0xff);
}

static inline void
reply_put32(struct reply *r, uint32_t v)
{
	reply_put16(r, (unsigned)(v >> 16));
	reply_put16(r, (unsigned)(v & 0xffff));
}

static inline void
reply_putn(struct reply *r, const void *p, size_t n)
{
	/* memcpy from NULL is undefined even for 0 octets (UBSan stops). */
	if (n > 0 && r->n + n <= sizeof(r->b)) {
		memcpy(r->b + r->n, p, n);
		r->n += n;
	}
}

/* A name in presentation form, uncompressed ("." is the root). */
static inline void
reply_name(struct reply *r, const char *text)
{
	struct wire_name n;
	const char *why;

	if (strcmp(text, ".") == 0) {
		reply_put8(r, 0);
		return;
	}
	if (wire_name_from_text(text, &n, &why) != MXQ_OK) {
		reply_put8(r, 0xff);	/* makes the reply malformed */
		return;
	}
	reply_putn(r, n.data, n.len);
}

/*
 * Header (QR set, plus flags: WIRE_FLAG_* and the RCODE in the low
 * bits) and one question.  Counts are filled by reply_end().
 */
static inline void
reply_start(struct reply *r, uint16_t id, uint16_t flags, const char *qname,
    uint16_t qtype)
{
	memset(r, 0, sizeof(*r));
	reply_put16(r, id);
	reply_put16(r, WIRE_FLAG_QR | flags);
	reply_put16(r, 1);
	r->counts_at = r->n;
	reply_put16(r, 0);
	reply_put16(r, 0);
	reply_put16(r, 0);
	reply_name(r, qname);
	reply_put16(r, qtype);
	reply_put16(r, WIRE_CLASS_IN);
}

enum reply_section { R_AN, R_NS, R_AR };

/* A record's fixed part; the caller writes exactly rdlen bytes next. */
static inline void
reply_rr(struct reply *r, enum reply_section s, const char *owner,
    uint16_t type, uint32_t ttl, uint16_t rdlen)
{
	reply_name(r, owner);
	reply_put16(r, type);
	reply_put16(r, WIRE_CLASS_IN);
	reply_put32(r, ttl);
	reply_put16(r, rdlen);
	if (s == R_AN)
		r->an++;
	else if (s == R_NS)
		r->ns++;
	else
		r->ar++;
}

static inline uint16_t
reply_name_len(const char *text)
{
	struct wire_name n;
	const char *why;

	if (strcmp(text, ".") == 0)
		return 1;
	return wire_name_from_text(text, &n, &why) == MXQ_OK ? n.len : 1;
}

static inline void
reply_a(struct reply *r, enum reply_section s, const char *owner,
    uint32_t ttl, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	reply_rr(r, s, owner, WIRE_TYPE_A, ttl, 4);
	reply_put8(r, a);
	reply_put8(r, b);
	reply_put8(r, c);
	reply_put8(r, d);
}

static inline void
reply_aaaa(struct reply *r, enum reply_section s, const char *owner,
    uint32_t ttl, uint8_t last)
{
	static const uint8_t prefix[15] = { 0x20, 0x01, 0x0d, 0xb8 };

	reply_rr(r, s, owner, WIRE_TYPE_AAAA, ttl, 16);
	reply_putn(r, prefix, 15);
	reply_put8(r, last);
}

static inline void
reply_mx(struct reply *r, const char *owner, uint32_t ttl, uint16_t pref,
    const char *exchange)
{
	reply_rr(r, R_AN, owner, WIRE_TYPE_MX, ttl,
	    (uint16_t)(2 + reply_name_len(exchange)));
	reply_put16(r, pref);
	reply_name(r, exchange);
}

/* CNAME, NS or PTR in a section. */
static inline void
reply_namerr(struct reply *r, enum reply_section s, const char *owner,
    uint16_t type, uint32_t ttl, const char *target)
{
	reply_rr(r, s, owner, type, ttl, reply_name_len(target));
	reply_name(r, target);
}

static inline void
reply_soa(struct reply *r, enum reply_section s, const char *owner,
    uint32_t ttl, uint32_t minimum)
{
	reply_rr(r, s, owner, WIRE_TYPE_SOA, ttl, (uint16_t)(
	    reply_name_len("ns.example.") + reply_name_len("host.example.") +
	    20));
	reply_name(r, "ns.example.");
	reply_name(r, "host.example.");
	reply_put32(r, 2026120101);
	reply_put32(r, 3600);
	reply_put32(r, 600);
	reply_put32(r, 86400);
	reply_put32(r, minimum);
}

/* An OPT record, with one Extended DNS Error option when code >= 0. */
static inline void
reply_opt(struct reply *r, int ede, const char *text)
{
	size_t tl = text != NULL ? strlen(text) : 0;

	reply_put8(r, 0);
	reply_put16(r, WIRE_TYPE_OPT);
	reply_put16(r, 1232);
	reply_put32(r, 0);
	reply_put16(r, (unsigned)(ede >= 0 ? 6 + tl : 0));
	if (ede >= 0) {
		reply_put16(r, WIRE_EDNS_EDE);
		reply_put16(r, (unsigned)(2 + tl));
		reply_put16(r, (unsigned)ede);
		reply_putn(r, text, tl);
	}
	r->ar++;
}

static inline void
reply_end(struct reply *r)
{
	r->b[r->counts_at] = (uint8_t)(r->an >> 8);
	r->b[r->counts_at + 1] = (uint8_t)r->an;
	r->b[r->counts_at + 2] = (uint8_t)(r->ns >> 8);
	r->b[r->counts_at + 3] = (uint8_t)r->ns;
	r->b[r->counts_at + 4] = (uint8_t)(r->ar >> 8);
	r->b[r->counts_at + 5] = (uint8_t)r->ar;
}

#endif
