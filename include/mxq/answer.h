/*
 * What a reply says about one question: the one reader of replies.
 *
 * Given the bytes of a reply and the question it answers, answer_read()
 * classifies it (records, NODATA, NXDOMAIN, referral, untrusted negative,
 * error RCODE, malformed), follows the alias chain from the name asked,
 * and keeps the record set of the type asked as generic records (owner,
 * type, TTL, rdata with every compressed name expanded), plus the
 * addresses of the additional section that a resolver would believe.
 * Decoders per type read those records.  Pure: no I/O, no global state;
 * fuzzed as shipped (tests/fuzz/fuzz_answer.c).
 */
#ifndef MXQ_ANSWER_H
#define MXQ_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "mxq/status.h"
#include "mxq/wire.h"

/* CNAME links followed from one name, across replies (mxq(1), LIMITS). */
#define ANSWER_MAX_CHAIN	16
/* Longest Extended DNS Error text kept (RFC 8914 EXTRA-TEXT). */
#define ANSWER_EDE_TEXT_MAX	256

/*
 * One record: its owner in uncompressed wire form (see answer_owner),
 * and its rdata with any compressed name expanded.  Both live in the
 * memory of the struct answer.
 */
struct answer_rr {
	const uint8_t *owner;
	const uint8_t *data;
	uint32_t ttl;
	uint16_t type;
	uint16_t len;
};

/* The question a reply answers. */
struct answer_question {
	struct wire_name name;		/* as asked */
	/* Going on along a chain: the name it started from; else NULL. */
	const struct wire_name *origin;
	uint16_t type;
	int rd;				/* recursion was requested */
};

struct answer {
	/*
	 * MXQ_OK: records of the type asked at the end of the chain (rr),
	 * or, with follow set, none yet.  MXQ_ENODATA, MXQ_ENXDOMAIN: a
	 * negative answer that a resolver would believe.  MXQ_EREFERRAL: a
	 * referral, the server does not answer for the name.  MXQ_ELAME: a
	 * negative answer with neither AA nor RA.  MXQ_ESERVFAIL,
	 * MXQ_EREFUSED, MXQ_ERCODE: an error RCODE.  MXQ_EMALFORMED,
	 * MXQ_ELIMIT: a reply or a chain that mxq does not take.
	 */
	enum mxq_status status;
	const char *why;		/* static detail for a failure, or NULL */
	int rcode;			/* -1 when the reply did not parse */
	uint16_t flags;			/* WIRE_FLAG_* of the reply */
	/*
	 * The alias chain leaves this reply with nothing said of its end:
	 * a server that does not recurse answered for the alias only; ask
	 * for target next (answer_read with this answer as prev).
	 */
	int follow;
	struct wire_name target;	/* where the chain ends: owner of rr */
	struct wire_name *chain;	/* each CNAME target, in order */
	size_t nchain;
	struct answer_rr *rr;		/* the record set asked for */
	size_t nrr;
	/*
	 * A and AAAA records of the additional section that a resolver
	 * would take: owned by target or a name below it (in bailiwick of
	 * the zone that answered for target), or any, from a recursive
	 * server (RD asked, RA set, AA clear).
	 */
	struct answer_rr *extra;
	size_t nextra;
	/*
	 * The zone the reply speaks for: a referral's (the NS owner), a
	 * negative answer's (the SOA owner); else NULL.
	 */
	struct wire_name *zone;
	uint32_t neg_ttl;		/* negative answer: TTL (RFC 2308 5) */
	int edns;			/* the reply had an OPT record */
	int ede;			/* Extended DNS Error code, or -1 */
	char *ede_text;			/* its text, escaped, or NULL */
	uint8_t *mem;			/* the rdata of rr and extra */
};

/*
 * Read the reply buf/len to the question q.  When prev is not NULL, q
 * asks for prev->target, q->origin is the first name of the chain, and
 * the chain goes on from prev (prev is only read).  On success *out describes the reply, whatever it says (see
 * status); release it with answer_clear().  MXQ_ENOMEM otherwise, *out
 * untouched.
 */
enum mxq_status answer_read(const uint8_t *buf, size_t len,
    const struct answer_question *q, const struct answer *prev,
    struct answer *out);

/* Release what an answer holds and zero it.  A zeroed answer is fine. */
void answer_clear(struct answer *a);

/*
 * The smallest TTL that the answer may be kept for: of its records, or
 * neg_ttl for a negative answer.
 */
uint32_t answer_ttl(const struct answer *a);

/* The owner of rr. */
void answer_owner(const struct answer_rr *rr, struct wire_name *out);

/* Decoders.  Each returns MXQ_EMALFORMED for rdata of the wrong form. */

/* MX: preference and exchange. */
enum mxq_status answer_mx(const struct answer_rr *rr, uint16_t *pref,
    struct wire_name *exchange);

/* CNAME, NS, PTR: the one name of the rdata. */
enum mxq_status answer_name(const struct answer_rr *rr,
    struct wire_name *name);

/* A or AAAA: the family (4 or 6) and the address bytes. */
enum mxq_status answer_addr(const struct answer_rr *rr, int *family,
    uint8_t bytes[16]);

struct answer_soa {
	struct wire_name mname, rname;
	uint32_t serial, refresh, retry, expire, minimum;
};

/* SOA. */
enum mxq_status answer_soa(const struct answer_rr *rr, struct answer_soa *soa);

struct answer_tlsa {
	uint8_t usage, selector, mtype;
	const uint8_t *data;		/* certificate association data */
	size_t len;
};

/* TLSA (RFC 6698): the three fields and the data, which must not be empty. */
enum mxq_status answer_tlsa(const struct answer_rr *rr,
    struct answer_tlsa *tlsa);

/*
 * TXT: the character-strings joined (RFC 7208 3.3, RFC 8461 3.1) into
 * buf, NUL-terminated; a NUL byte inside becomes \x01, so that no
 * parser takes a shortened record for the whole.  MXQ_ELIMIT when it
 * does not fit in size.
 */
enum mxq_status answer_txt(const struct answer_rr *rr, char *buf,
    size_t size);

#endif
