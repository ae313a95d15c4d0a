/* DNS wire format reader and query builder.  Fuzzed: see tests/fuzz. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mxq/wire.h"

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

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

enum mxq_status
wire_name_from_text(const char *text, struct wire_name *out,
    const char **why)
{
	struct wire_name n;
	const unsigned char *p = (const unsigned char *)text;
	size_t pos = 0, lablen;
	size_t labstart;

	*why = NULL;
	if (*p == '\0') {
		*why = "empty name";
		return MXQ_EINVAL;
	}
	if (p[0] == '.' && p[1] == '\0') {
		*why = "the root is not a mail domain";
		return MXQ_EINVAL;
	}
	for (;;) {
		labstart = pos++;
		lablen = 0;
		while (*p != '\0' && *p != '.') {
			unsigned c = *p++;

			if (c == '\\') {
				if (p[0] >= '0' && p[0] <= '9') {
					if (!(p[1] >= '0' && p[1] <= '9' &&
					    p[2] >= '0' && p[2] <= '9')) {
						*why = "bad \\DDD escape";
						return MXQ_EINVAL;
					}
					c = (unsigned)((p[0] - '0') * 100 +
					    (p[1] - '0') * 10 + (p[2] - '0'));
					if (c > 255) {
						*why = "\\DDD escape over 255";
						return MXQ_EINVAL;
					}
					p += 3;
				} else if (*p == '\0') {
					*why = "backslash at the end";
					return MXQ_EINVAL;
				} else {
					c = *p++;
				}
			}
			if (++lablen > WIRE_LABEL_MAX) {
				*why = "label longer than 63 octets";
				return MXQ_EINVAL;
			}
			if (pos >= WIRE_NAME_MAX - 1) {
				*why = "name longer than 253 characters";
				return MXQ_EINVAL;
			}
			n.data[pos++] = (uint8_t)c;
		}
		if (lablen == 0) {
			*why = "empty label";
			return MXQ_EINVAL;
		}
		n.data[labstart] = (uint8_t)lablen;
		if (*p == '\0' || (p[0] == '.' && p[1] == '\0'))
			break;
		p++;
	}
	n.data[pos++] = 0;
	n.len = (uint8_t)pos;
	*out = n;
	return MXQ_OK;
}

static int
needs_backslash(int c)
{
	return c == '.' || c == ';' || c == '\\' || c == '"' || c == '(' ||
	    c == ')' || c == '@' || c == '$';
}

size_t
wire_name_to_text(const struct wire_name *n, char *buf)
{
	size_t i = 0, o = 0;

	if (n->len <= 1) {
		buf[0] = '.';
		buf[1] = '\0';
		return 1;
	}
	while (i < n->len && n->data[i] != 0) {
		size_t end = i + 1 + n->data[i];

		for (i++; i < end && i < n->len; i++) {
			unsigned c = n->data[i];

			if (c <= 0x20 || c >= 0x7f) {
				o += (size_t)sprintf(buf + o, "\\%03u", c);
			} else if (needs_backslash((int)c)) {
				buf[o++] = '\\';
				buf[o++] = (char)c;
			} else {
				buf[o++] = (char)c;
			}
		}
		buf[o++] = '.';
	}
	buf[o] = '\0';
	return o;
}

int
wire_name_equal(const struct wire_name *a, const struct wire_name *b)
{
	size_t i;

	if (a->len != b->len)
		return 0;
	/* Label lengths are <= 63, so lowering them changes nothing. */
	for (i = 0; i < a->len; i++)
		if (lower(a->data[i]) != lower(b->data[i]))
			return 0;
	return 1;
}

uint32_t
wire_name_hash(const struct wire_name *n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n->len; i++) {
		h ^= (uint32_t)lower(n->data[i]);
		h *= 16777619u;
	}
	return h;
}

int
wire_name_same_bytes(const struct wire_name *a, const struct wire_name *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

int
wire_name_is_under(const struct wire_name *name,
    const struct wire_name *parent)
{
	size_t off = 0, skip, i;

	if (name->len < parent->len)
		return 0;
	skip = (size_t)(name->len - parent->len);
	/* Walk to a label boundary exactly skip octets in. */
	while (off < skip)
		off += 1 + (size_t)name->data[off];
	if (off != skip)
		return 0;
	for (i = 0; i < parent->len; i++)
		if (lower(name->data[off + i]) != lower(parent->data[i]))
			return 0;
	return 1;
}

void
wire_name_mix_case(struct wire_name *n,
    const uint8_t random[WIRE_CASE_RANDOM])
{
	size_t i = 0, bit = 0;

	while (i < n->len && n->data[i] != 0) {
		size_t end = i + 1 + n->data[i];

		for (i++; i < end && i < n->len; i++) {
			int c = lower(n->data[i]);

			if (c < 'a' || c > 'z')
				continue;
			if (random[bit / 8] & (1u << (bit % 8)))
				c -= 'a' - 'A';
			n->data[i] = (uint8_t)c;
			bit++;
		}
	}
}

int
wire_name_is_root(const struct wire_name *n)
{
	return n->len == 1 && n->data[0] == 0;
}

enum mxq_status
wire_read_name(const uint8_t *msg, size_t len, size_t *off,
    struct wire_name *out)
{
	struct wire_name n;
	size_t pos = *off, end = 0, o = 0;
	size_t limit = *off;	/* a pointer must point before this */
	int jumped = 0;

	for (;;) {
		unsigned c;

		if (pos >= len)
			return MXQ_EMALFORMED;
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 1 >= len)
				return MXQ_EMALFORMED;
			target = (size_t)get16(msg + pos) & 0x3fff;
			/*
			 * Each pointer must point before the previous one,
			 * as BIND requires: no loop can be built.
			 */
			if (target >= limit)
				return MXQ_EMALFORMED;
			if (!jumped)
				end = pos + 2;
			jumped = 1;
			limit = target;
			pos = target;
			continue;
		}
		if ((c & 0xc0) != 0)
			return MXQ_EMALFORMED;	/* label types 01 and 10 */
		if (o + 1 + c > WIRE_NAME_MAX)
			return MXQ_EMALFORMED;
		if (pos + 1 + c > len)
			return MXQ_EMALFORMED;
		memcpy(n.data + o, msg + pos, 1 + c);
		o += 1 + c;
		pos += 1 + c;
		if (c == 0)
			break;
	}
	n.len = (uint8_t)o;
	*off = jumped ? end : pos;
	*out = n;
	return MXQ_OK;
}

enum mxq_status
wire_build_query(const struct wire_name *name, uint16_t type, unsigned flags,
    uint16_t edns_size, uint8_t *buf, size_t size, size_t *len)
{
	size_t need = 12 + name->len + 4 + (edns_size ? 11 : 0);
	uint16_t hflags = 0;

	if (need > size)
		return MXQ_EINTERNAL;
	if (flags & WIRE_QUERY_RD)
		hflags |= WIRE_FLAG_RD;
	if (flags & WIRE_QUERY_CD)
		hflags |= WIRE_FLAG_CD;
	if (flags & WIRE_QUERY_AD)
		hflags |= WIRE_FLAG_AD;
	memset(buf, 0, 12);
	put16(buf + 2, hflags);
	put16(buf + 4, 1);			/* QDCOUNT */
	put16(buf + 10, edns_size ? 1 : 0);	/* ARCOUNT */
	memcpy(buf + 12, name->data, name->len);
	put16(buf + 12 + name->len, type);
	put16(buf + 14 + name->len, WIRE_CLASS_IN);
	if (edns_size) {
		uint8_t *p = buf + 16 + name->len;

		p[0] = 0;			/* root owner */
		put16(p + 1, WIRE_TYPE_OPT);
		put16(p + 3, edns_size);
		/* ext-rcode, version, then the DO bit, Z and RDLENGTH 0. */
		memset(p + 5, 0, 6);
		if (flags & WIRE_QUERY_DO)
			p[7] = 0x80;
	}
	*len = need;
	return MXQ_OK;
}

enum mxq_status
wire_read_head(const uint8_t *buf, size_t len, struct wire_head *h)
{
	struct wire_head r;
	size_t off = 12;
	enum mxq_status st;

	if (len < 12)
		return MXQ_EMALFORMED;
	memset(&r, 0, sizeof(r));
	r.id = get16(buf);
	r.flags = get16(buf + 2) & 0x87f0;
	r.opcode = (buf[2] >> 3) & 0x0f;
	r.rcode = buf[3] & 0x0f;
	r.qdcount = get16(buf + 4);
	r.ancount = get16(buf + 6);
	r.nscount = get16(buf + 8);
	r.arcount = get16(buf + 10);
	if (r.qdcount > 1)
		return MXQ_EMALFORMED;
	if (r.qdcount == 1) {
		st = wire_read_name(buf, len, &off, &r.qname);
		if (st != MXQ_OK)
			return st;
		if (off + 4 > len)
			return MXQ_EMALFORMED;
		r.qtype = get16(buf + off);
		r.qclass = get16(buf + off + 2);
	}
	*h = r;
	return MXQ_OK;
}

void
wire_msg_clear(struct wire_msg *msg)
{
	free(msg->rr);
	msg->rr = NULL;
	msg->nrr = 0;
}

enum mxq_status
wire_parse(const uint8_t *buf, size_t len, struct wire_msg *msg)
{
	struct wire_msg m;
	size_t off = 12, total, i;
	enum mxq_status st;

	memset(&m, 0, sizeof(m));
	if (len < 12)
		return MXQ_EMALFORMED;
	m.buf = buf;
	m.len = len;
	m.id = get16(buf);
	m.flags = get16(buf + 2) & 0xfff0;
	m.rcode = get16(buf + 2) & 0x000f;
	m.qdcount = get16(buf + 4);
	m.ancount = get16(buf + 6);
	m.nscount = get16(buf + 8);
	m.arcount = get16(buf + 10);
	if (m.qdcount > 1)
		return MXQ_EMALFORMED;
	if (m.qdcount == 1) {
		st = wire_read_name(buf, len, &off, &m.qname);
		if (st != MXQ_OK)
			return st;
		if (off + 4 > len)
			return MXQ_EMALFORMED;
		m.qtype = get16(buf + off);
		m.qclass = get16(buf + off + 2);
		off += 4;
	}
	total = (size_t)m.ancount + m.nscount + m.arcount;
	if (total > WIRE_MAX_RECORDS)
		return MXQ_ELIMIT;
	/* Each record takes at least 11 octets: never trust the counts. */
	if (total > (len - off) / 11)
		return MXQ_EMALFORMED;
	if (total > 0) {
		m.rr = calloc(total, sizeof(*m.rr));
		if (m.rr == NULL)
			return MXQ_ENOMEM;
	}
	for (i = 0; i < total; i++) {
		struct wire_rr *rr = &m.rr[i];

		st = wire_read_name(buf, len, &off, &rr->owner);
		if (st != MXQ_OK)
			goto fail;
		if (off + 10 > len) {
			st = MXQ_EMALFORMED;
			goto fail;
		}
		rr->type = get16(buf + off);
		rr->class = get16(buf + off + 2);
		rr->ttl = get32(buf + off + 4);
		rr->rdlen = get16(buf + off + 8);
		rr->rdoff = off + 10;
		if (rr->rdoff + rr->rdlen > len) {
			st = MXQ_EMALFORMED;
			goto fail;
		}
		off = rr->rdoff + rr->rdlen;
		rr->section = i < m.ancount ? WIRE_ANSWER :
		    i < (size_t)m.ancount + m.nscount ? WIRE_AUTHORITY :
		    WIRE_ADDITIONAL;
		/* RFC 6891 6.1.3: OPT's "TTL" holds the extended RCODE. */
		if (rr->type == WIRE_TYPE_OPT &&
		    rr->section == WIRE_ADDITIONAL && m.opt == NULL) {
			m.rcode |= (int)((rr->ttl >> 24) & 0xff) << 4;
			m.opt = rr;
		}
		/* RFC 2181 8: a TTL with the top bit set is read as 0. */
		else if (rr->ttl > 0x7fffffffu)
			rr->ttl = 0;
		m.nrr++;
	}
	*msg = m;
	return MXQ_OK;
fail:
	free(m.rr);
	return st;
}

static enum mxq_status
rdata_name(const struct wire_msg *msg, const struct wire_rr *rr,
    size_t off, struct wire_name *name)
{
	enum mxq_status st;

	st = wire_read_name(msg->buf, rr->rdoff + rr->rdlen, &off, name);
	if (st != MXQ_OK)
		return st;
	if (off != rr->rdoff + rr->rdlen)
		return MXQ_EMALFORMED;
	return MXQ_OK;
}

enum mxq_status
wire_rdata_mx(const struct wire_msg *msg, const struct wire_rr *rr,
    uint16_t *pref, struct wire_name *exchange)
{
	struct wire_name n;
	enum mxq_status st;

	if (rr->rdlen < 3)
		return MXQ_EMALFORMED;
	st = rdata_name(msg, rr, rr->rdoff + 2, &n);
	if (st != MXQ_OK)
		return st;
	*pref = get16(msg->buf + rr->rdoff);
	*exchange = n;
	return MXQ_OK;
}

enum mxq_status
wire_rdata_name(const struct wire_msg *msg, const struct wire_rr *rr,
    struct wire_name *target)
{
	if (rr->rdlen < 1)
		return MXQ_EMALFORMED;
	return rdata_name(msg, rr, rr->rdoff, target);
}

size_t
wire_flag_names(uint16_t flags, const char *names[WIRE_FLAG_NAMES_MAX])
{
	static const struct {
		uint16_t bit;
		const char *name;
	} all[WIRE_FLAG_NAMES_MAX] = {
		{ WIRE_FLAG_QR, "qr" }, { WIRE_FLAG_AA, "aa" },
		{ WIRE_FLAG_TC, "tc" }, { WIRE_FLAG_RD, "rd" },
		{ WIRE_FLAG_RA, "ra" }, { WIRE_FLAG_AD, "ad" },
		{ WIRE_FLAG_CD, "cd" },
	};
	size_t i, n = 0;

	for (i = 0; i < WIRE_FLAG_NAMES_MAX; i++)
		if (flags & all[i].bit)
			names[n++] = all[i].name;
	return n;
}

const char *
wire_rcode_name(int rcode, char *buf, size_t size)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE"
	};

	if (rcode >= 0 && (size_t)rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	if (rcode == 16)
		return "BADVERS";
	snprintf(buf, size, "RCODE%d", rcode);
	return buf;
}
