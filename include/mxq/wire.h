/*
 * DNS wire format: names, queries and replies.
 *
 * Everything here treats its input as hostile: counts and pointers are
 * never trusted, compression pointers may only point backwards, and no
 * byte of a received name reaches the caller unescaped.
 */
#ifndef MXQ_WIRE_H
#define MXQ_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "mxq/status.h"

#define WIRE_NAME_MAX	255	/* octets of a name on the wire, root included */
#define WIRE_LABEL_MAX	63
/* Longest presentation form: every octet as \DDD, plus the dots. */
#define WIRE_TEXT_MAX	(WIRE_NAME_MAX * 4 + 2)
/* Records read from one reply; a 64 KiB message cannot hold many more. */
#define WIRE_MAX_RECORDS 8192

#define WIRE_TYPE_A	1
#define WIRE_TYPE_NS	2
#define WIRE_TYPE_CNAME	5
#define WIRE_TYPE_SOA	6
#define WIRE_TYPE_PTR	12
#define WIRE_TYPE_MX	15
#define WIRE_TYPE_TXT	16
#define WIRE_TYPE_AAAA	28
#define WIRE_TYPE_OPT	41
#define WIRE_TYPE_TLSA	52
#define WIRE_CLASS_IN	1

/* EDNS option codes (RFC 6891 6.1.2). */
#define WIRE_EDNS_EDE	15	/* Extended DNS Error, RFC 8914 */

/* What a query asks for, beyond its question (wire_build_query). */
#define WIRE_QUERY_RD	0x01	/* recursion desired */
#define WIRE_QUERY_CD	0x02	/* checking disabled (RFC 4035 3.2.2) */
#define WIRE_QUERY_AD	0x04	/* tell whether the answer was validated (RFC 6840 5.7) */
#define WIRE_QUERY_DO	0x08	/* DNSSEC OK in the OPT record (RFC 3225) */

/* Header flag bits, as in the second 16-bit word of the header. */
#define WIRE_FLAG_QR	0x8000
#define WIRE_FLAG_AA	0x0400
#define WIRE_FLAG_TC	0x0200
#define WIRE_FLAG_RD	0x0100
#define WIRE_FLAG_RA	0x0080
#define WIRE_FLAG_AD	0x0020
#define WIRE_FLAG_CD	0x0010

#define WIRE_RCODE_NOERROR	0
#define WIRE_RCODE_FORMERR	1
#define WIRE_RCODE_SERVFAIL	2
#define WIRE_RCODE_NXDOMAIN	3
#define WIRE_RCODE_NOTIMP	4
#define WIRE_RCODE_REFUSED	5

/* A name in uncompressed wire form, root label included. */
struct wire_name {
	uint8_t len;			/* octets used in data, >= 1 */
	uint8_t data[WIRE_NAME_MAX];
};

enum wire_section {
	WIRE_ANSWER,
	WIRE_AUTHORITY,
	WIRE_ADDITIONAL
};

/* One resource record; rdata stays in the message buffer. */
struct wire_rr {
	struct wire_name owner;
	uint16_t type;
	uint16_t class;
	uint32_t ttl;			/* 0 when the top bit is set (RFC 2181
					   8); for OPT the raw field (RFC 6891) */
	uint16_t rdlen;
	size_t rdoff;			/* offset of the rdata in the message */
	enum wire_section section;
};

/* A parsed reply.  Points into the buffer given to wire_parse(). */
struct wire_msg {
	const uint8_t *buf;
	size_t len;
	uint16_t id;
	uint16_t flags;			/* WIRE_FLAG_* */
	int rcode;			/* extended by OPT when present */
	const struct wire_rr *opt;	/* the OPT record, or NULL */
	uint16_t qdcount, ancount, nscount, arcount;
	struct wire_name qname;		/* valid when qdcount == 1 */
	uint16_t qtype, qclass;
	struct wire_rr *rr;		/* answer, authority, additional */
	size_t nrr;
};

/*
 * Parse the presentation form of a name as a user types it: labels
 * separated by dots, "\DDD" and "\c" escapes as in zone files, an
 * optional final dot.  The empty name, the root alone, empty labels,
 * labels over 63 octets and names over 255 octets are MXQ_EINVAL, with
 * a static explanation in *why.  *out is written only on success.
 */
enum mxq_status wire_name_from_text(const char *text, struct wire_name *out,
    const char **why);

/*
 * Write the presentation form of a name into buf (at least WIRE_TEXT_MAX
 * bytes), escaped as dig does: octets outside 0x21-0x7e as \DDD, and
 * the characters . ; \ " ( ) @ $ as \c.  The root is ".", other names
 * end with a dot.  Returns the length written.
 */
size_t wire_name_to_text(const struct wire_name *n, char *buf);

/* Case-insensitive (ASCII) equality of two names. */
int wire_name_equal(const struct wire_name *a, const struct wire_name *b);

/* Byte-exact equality, letter case included (for 0x20, see below). */
int wire_name_same_bytes(const struct wire_name *a, const struct wire_name *b);

/*
 * Nonzero when name is parent or below it (whole labels, ASCII case
 * ignored): "a.example." is under "example." and under ".", "xample."
 * is not under "example.".
 */
int wire_name_is_under(const struct wire_name *name,
    const struct wire_name *parent);

/*
 * Randomise the letter case of the ASCII letters of n (draft-vixie-
 * dnsext-dns0x20): each letter takes one bit of random[], which holds
 * WIRE_CASE_RANDOM bytes.  Only letters change, so the name stays the
 * same name.
 */
#define WIRE_CASE_RANDOM ((WIRE_NAME_MAX + 7) / 8)
void wire_name_mix_case(struct wire_name *n,
    const uint8_t random[WIRE_CASE_RANDOM]);

/* Case-insensitive hash of a name. */
uint32_t wire_name_hash(const struct wire_name *n);

/* Nonzero for the root name. */
int wire_name_is_root(const struct wire_name *n);

/*
 * Read a possibly compressed name at *off in msg.  Pointers must point
 * before the place they were read from, label types 01 and 10 are
 * refused, the result may not exceed 255 octets.  On success *out holds
 * the name and *off is past its encoding in place.  MXQ_EMALFORMED
 * otherwise.
 */
enum mxq_status wire_read_name(const uint8_t *msg, size_t len, size_t *off,
    struct wire_name *out);

/*
 * Build a query for (name, type, IN) with the header bits of flags
 * (WIRE_QUERY_*) and, when edns_size is nonzero, an OPT record
 * advertising that UDP payload size, with the DO bit when flags has
 * WIRE_QUERY_DO (DO without EDNS is dropped: it has nowhere to go).  The
 * ID is zero (the resolver sets it).  *len receives the size.
 * MXQ_EINTERNAL if it does not fit in size bytes (WIRE_QUERY_MAX always
 * does).
 */
#define WIRE_QUERY_MAX	(12 + WIRE_NAME_MAX + 4 + 11)
enum mxq_status wire_build_query(const struct wire_name *name, uint16_t type,
    unsigned flags, uint16_t edns_size, uint8_t *buf, size_t size,
    size_t *len);

/* The header and question of a message, read without its records. */
struct wire_head {
	uint16_t id;
	uint16_t flags;			/* WIRE_FLAG_* */
	int rcode;			/* the header's 4 bits only */
	int opcode;
	uint16_t qdcount, ancount, nscount, arcount;
	struct wire_name qname;		/* valid when qdcount == 1 */
	uint16_t qtype, qclass;
};

/*
 * Read the header and, when QDCOUNT is 1, the question of a message.
 * MXQ_EMALFORMED when they do not parse or QDCOUNT is over 1.  Cheap:
 * what the transport needs to match a reply to its query.
 */
enum mxq_status wire_read_head(const uint8_t *buf, size_t len,
    struct wire_head *h);

/*
 * Parse a whole reply: header, question (at most one), and every record
 * of the three sections.  msg->rr is allocated; release it with
 * wire_msg_clear().  MXQ_EMALFORMED for anything that does not parse,
 * MXQ_ELIMIT for more than WIRE_MAX_RECORDS records, MXQ_ENOMEM.
 * Trailing bytes after the last record are ignored.
 */
enum mxq_status wire_parse(const uint8_t *buf, size_t len,
    struct wire_msg *msg);

void wire_msg_clear(struct wire_msg *msg);

/*
 * Read the rdata of an MX record: preference and exchange.  The name
 * must end exactly at the end of the rdata.  MXQ_EMALFORMED otherwise.
 */
enum mxq_status wire_rdata_mx(const struct wire_msg *msg,
    const struct wire_rr *rr, uint16_t *pref, struct wire_name *exchange);

/* Read the rdata of a CNAME record, which must fill the rdata exactly. */
enum mxq_status wire_rdata_name(const struct wire_msg *msg,
    const struct wire_rr *rr, struct wire_name *target);

/* Most header flags a reply can carry (QR AA TC RD RA AD CD). */
#define WIRE_FLAG_NAMES_MAX 7

/*
 * The names of the flags set in flags, in header order ("qr", "aa", ...),
 * as static strings in names[]; returns how many.
 */
size_t wire_flag_names(uint16_t flags,
    const char *names[WIRE_FLAG_NAMES_MAX]);

/* Printable mnemonic for an RCODE ("NOERROR", "RCODE23"); buf >= 16. */
const char *wire_rcode_name(int rcode, char *buf, size_t size);

#endif
