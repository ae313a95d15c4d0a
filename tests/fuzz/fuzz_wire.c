/*
 * libFuzzer harness for the wire reader (src/wire.c): any byte string is
 * a DNS reply from a hostile server.
 *
 * wire_parse() must never read outside the buffer, and what it returns
 * must hold: every record's rdata lies inside the message, every name is
 * well formed, prints as escaped printable ASCII shorter than
 * WIRE_TEXT_MAX, and parses back from that text to the same name.  The
 * rdata readers (wire_rdata_mx, wire_rdata_name) must be memory-safe on
 * any record wire_parse() returned, whatever its type, and give the same
 * guarantees for the names they read.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "mxq/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A query for a parsed name parses back to the same question. */
static void
check_query(const struct wire_name *name)
{
	uint8_t q[512];
	size_t qlen = 0;
	struct wire_msg m;

	FZ_ASSERT(wire_build_query(name, WIRE_TYPE_MX, WIRE_QUERY_RD, 1232, q,
	    sizeof(q), &qlen) == MXQ_OK, "query: does not fit");
	FZ_ASSERT(qlen <= sizeof(q), "query: length %zu", qlen);
	FZ_ASSERT(wire_parse(q, qlen, &m) == MXQ_OK, "query: does not parse");
	FZ_ASSERT(m.qdcount == 1 && m.qtype == WIRE_TYPE_MX &&
	    m.qclass == WIRE_CLASS_IN && wire_name_equal(&m.qname, name),
	    "query: question differs");
	FZ_ASSERT(m.nrr == 1 && m.rr[0].type == WIRE_TYPE_OPT &&
	    m.rr[0].section == WIRE_ADDITIONAL, "query: no OPT record");
	wire_msg_clear(&m);
}

static void
check_rdata(const struct wire_msg *m, const struct wire_rr *rr, size_t i)
{
	struct wire_name n;
	uint16_t pref;
	char *text;

	if (wire_rdata_mx(m, rr, &pref, &n) == MXQ_OK) {
		/* pref + the name, which must fill the rdata exactly. */
		FZ_ASSERT(rr->rdlen >= 3, "rr %zu: MX rdata of %u octets", i,
		    rr->rdlen);
		FZ_ASSERT(pref == (uint16_t)(m->buf[rr->rdoff] << 8 |
		    m->buf[rr->rdoff + 1]), "rr %zu: preference", i);
		text = fz_check_name(rr->type == WIRE_TYPE_MX ?
		    "MX exchange" : "MX-shaped rdata", &n);
		free(text);
	}
	if (wire_rdata_name(m, rr, &n) == MXQ_OK) {
		FZ_ASSERT(rr->rdlen >= 1, "rr %zu: empty name rdata", i);
		text = fz_check_name(rr->type == WIRE_TYPE_CNAME ?
		    "CNAME target" : "name-shaped rdata", &n);
		free(text);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_msg m;
	size_t i, total;
	char *text;

	if (wire_parse(data, size, &m) != MXQ_OK)
		return 0;
	FZ_ASSERT(m.buf == data && m.len == size, "msg: buffer not kept");
	total = (size_t)m.ancount + m.nscount + m.arcount;
	FZ_ASSERT(m.nrr == total, "msg: %zu records for counts totalling %zu",
	    m.nrr, total);
	FZ_ASSERT(m.nrr <= WIRE_MAX_RECORDS, "msg: %zu records", m.nrr);
	FZ_ASSERT(m.qdcount <= 1, "msg: qdcount %u", m.qdcount);
	FZ_ASSERT(m.rcode >= 0 && m.rcode <= 0xfff, "msg: rcode %d", m.rcode);
	FZ_ASSERT((m.flags & 0x000f) == 0, "msg: rcode bits left in flags");
	if (m.qdcount == 1) {
		text = fz_check_name("question name", &m.qname);
		free(text);
		check_query(&m.qname);
	}
	for (i = 0; i < m.nrr; i++) {
		const struct wire_rr *rr = &m.rr[i];
		enum wire_section want = i < m.ancount ? WIRE_ANSWER :
		    i < (size_t)m.ancount + m.nscount ? WIRE_AUTHORITY :
		    WIRE_ADDITIONAL;

		FZ_ASSERT(rr->rdoff <= size && rr->rdlen <= size - rr->rdoff,
		    "rr %zu: rdata %zu+%u past the message of %zu", i,
		    rr->rdoff, rr->rdlen, size);
		FZ_ASSERT(rr->rdoff >= 12 + 11, "rr %zu: rdata at %zu", i,
		    rr->rdoff);
		FZ_ASSERT(rr->section == want, "rr %zu: section %d, want %d",
		    i, (int)rr->section, (int)want);
		/* OPT's TTL field holds flags and the extended RCODE. */
		if (!(rr->type == WIRE_TYPE_OPT &&
		    rr->section == WIRE_ADDITIONAL))
			FZ_ASSERT(rr->ttl <= 0x7fffffffu, "rr %zu: ttl %lu", i,
			    (unsigned long)rr->ttl);
		if (i > 0)
			FZ_ASSERT(rr->rdoff > m.rr[i - 1].rdoff,
			    "rr %zu: rdata not after the previous one", i);
		text = fz_check_name("owner", &rr->owner);
		free(text);
		check_rdata(&m, rr, i);
	}
	wire_msg_clear(&m);
	FZ_ASSERT(m.rr == NULL && m.nrr == 0, "msg: not cleared");
	return 0;
}
