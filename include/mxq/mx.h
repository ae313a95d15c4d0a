/* The result model: a domain, its exchanges and their addresses. */
#ifndef MXQ_MX_H
#define MXQ_MX_H

#include <stddef.h>
#include <stdint.h>

#include "mxq/smtp.h"
#include "mxq/status.h"
#include "mxq/sts.h"
#include "mxq/wire.h"

/* Bounds, documented in mxq(1) under LIMITS. */
#define MX_MAX_EXCHANGES	1024	/* MX records used per domain */
#define MX_MAX_ADDRESSES	256	/* addresses kept per exchange and family */
#define MX_MAX_CNAME		16	/* CNAME links followed per name */

enum mx_source {
	MX_SRC_ANSWER,		/* an A/AAAA query of our own */
	MX_SRC_ADDITIONAL	/* the additional section of the MX reply */
};

/*
 * DNSSEC status of a record set as the resolver tells it (--dnssec): the
 * AD bit of its answer, or the validation failure that a retry with CD
 * showed.
 */
enum mx_sec {
	MX_SEC_NONE,		/* not asked (no --dnssec) */
	MX_SEC_SECURE,		/* AD set: the resolver validated it */
	MX_SEC_INSECURE,	/* AD clear: not signed, or not validated */
	MX_SEC_BOGUS,		/* validation failed */
	MX_SEC_UNKNOWN		/* no answer to tell */
};

/* Reverse DNS of an address (--ptr), with forward confirmation. */
struct mx_ptr {
	int asked;
	enum mxq_status status;	/* of the PTR question */
	char *message;		/* detail for a failure, or NULL */
	char **names;		/* the PTR targets, presentation form */
	size_t nnames;
	/* Forward confirmation: the names' addresses hold this one. */
	unsigned yes, no, failed;	/* names that do, don't, failed */
	unsigned confirmed;		/* bit n: names[n] does */
};

/* The host name in an SMTP greeting, against the names of the address. */
enum mx_greet {
	MX_GREET_NONE,		/* no greeting, or no name in it */
	MX_GREET_EXCHANGE,	/* the exchange's name */
	MX_GREET_PTR,		/* one of the address's PTR names (-x) */
	MX_GREET_OTHER		/* neither */
};

struct mx_addr {
	int family;		/* 4 or 6 */
	uint8_t bytes[16];
	uint32_t ttl;
	enum mx_source source;
	/*
	 * The range of the IANA special-purpose registries the address is
	 * in, when that range is not globally reachable ("private-use"):
	 * the internet cannot reach it.  NULL for a global address.
	 */
	const char *special;
	struct mx_ptr ptr;
	struct smtp_result *smtp;	/* --smtp, or NULL: not probed */
	enum mx_greet greet;		/* what the greeting's host name is */
};

/* Warnings on an exchange (bits). */
#define MX_W_CNAME	0x01	/* the exchange name is an alias (RFC 2181 10.3) */
#define MX_W_IPLITERAL	0x02	/* the exchange name looks like an IP address */
#define MX_W_NULLMIXED	0x04	/* "." mixed with other MX records (RFC 7505) */
#define MX_W_NULLPREF	0x08	/* "." alone at a preference other than 0 */
#define MX_W_PARTIAL	0x10	/* one address family failed temporarily */
#define MX_W_ADDRLIMIT	0x20	/* more addresses than MX_MAX_ADDRESSES */
#define MX_W_ZONETWICE	0x40	/* the name ends in the zone twice */
#define MX_W_ADDRZONE	0x80	/* the name is an IPv4 address and the zone */
#define MX_W_NOPUBLIC	0x100	/* addresses, none the internet can reach */

/* Per-family lookup state of an exchange. */
struct mx_family {
	int asked;		/* 1 when this family was looked up */
	enum mxq_status status;
	char *message;		/* detail for a failure, or NULL */
	enum mx_sec secure;	/* of its A or AAAA record set */
};

/* A TLSA record (RFC 6698) and whether SMTP senders can use it. */
struct mx_tlsa {
	uint8_t usage, selector, mtype;
	uint8_t *data;
	size_t len;
	const char *problem;	/* why senders cannot use it, or NULL */
};

/* What a DANE sender makes of an exchange (RFC 7672). */
enum mx_dane {
	MX_DANE_NOT_ASKED,	/* no --dane */
	MX_DANE_NONE,		/* no TLSA records: no DANE */
	MX_DANE_PROTECTED,	/* secure, usable TLSA: DANE protected */
	MX_DANE_INSECURE,	/* TLSA records, but not all secure: unused */
	MX_DANE_UNUSABLE,	/* secure TLSA records, none usable */
	MX_DANE_FAILED		/* the TLSA lookup failed: senders defer */
};

struct mx_dane_info {
	int asked;
	enum mxq_status status;	/* of the TLSA question */
	char *message;
	enum mx_sec secure;	/* of the TLSA record set */
	struct mx_tlsa *rr;
	size_t nrr;
	enum mx_dane state;	/* set by mx_domain_finish */
};

struct mx_exchange {
	uint16_t pref;
	uint32_t ttl;
	size_t order;			/* position in the reply */
	struct wire_name name;
	char *text;			/* presentation form */
	char *utext;			/* Unicode form when it differs, or NULL */
	enum mxq_status status;		/* summary, set by mx_domain_finish */
	struct mx_family fam4, fam6;
	struct mx_addr *addr;
	size_t naddr;
	char **cname;			/* alias chain followed, presentation */
	size_t ncname;
	unsigned warn;			/* MX_W_* */
	struct mx_dane_info dane;	/* --dane */
	int sts_match;			/* --smtp, an MTA-STS policy: its mx
					   patterns hold this name (1) or not
					   (0); -1: no policy to match */
};

/* One authoritative server's view of the zone (--ns). */
struct mx_nsserver {
	char *name;			/* the NS target */
	char *address;			/* "ADDR#PORT", or NULL: no address */
	enum mxq_status status;		/* its answer to SOA */
	char *message;
	int authoritative;		/* AA in that answer */
	uint32_t serial;		/* when it answered with the SOA */
	enum mxq_status mx_status;	/* its answer to MX */
	char **mx;			/* its MX set, "10 a.example.", sorted */
	size_t nmx;
	unsigned warn;			/* MX_NSW_* that concern it */
};

/* Findings of the comparison of the authoritative servers (bits). */
#define MX_NSW_SERIAL	0x01	/* SOA serials differ */
#define MX_NSW_MX	0x02	/* MX sets differ */
#define MX_NSW_LAME	0x04	/* a server does not answer for the zone */
#define MX_NSW_DOWN	0x08	/* a server does not answer at all */

struct mx_ns {
	char *zone;			/* the domain's zone, or NULL */
	enum mxq_status status;		/* of finding the zone and servers */
	char *message;
	struct mx_nsserver *srv;
	size_t nsrv;
	unsigned warn;			/* MX_NSW_* */
};

/*
 * MTA-STS (RFC 8461) and SMTP TLS reporting (RFC 8460) of a domain
 * (--smtp): the TXT records, the policy fetched over HTTPS, and whether
 * each exchange matches it (mx_exchange.sts_match).
 */
struct mx_sts {
	enum mxq_status txt_status;	/* of _mta-sts TXT: MXQ_OK, ENODATA
					   (no STSv1 record), EMALFORMED... */
	char *txt_message;
	char *id;			/* the record's id */
	char **addrs;			/* mta-sts.DOMAIN's addresses (text) */
	size_t naddrs;
	enum mxq_status addr_status;	/* of their A and AAAA questions */
	int fetched;			/* the policy was asked for */
	enum mxq_status policy_status;	/* fetch, then parse */
	long http_code;
	char *policy_message;
	struct sts_policy policy;	/* when policy_status is MXQ_OK */
	enum mxq_status tlsrpt_status;	/* of _smtp._tls TXT */
	char *tlsrpt;			/* the v=TLSRPTv1 record, escaped */
	char *tlsrpt_message;
};

enum mx_verdict {
	MX_V_ROUTE,		/* MX records, at least one exchange reachable */
	MX_V_IMPLICIT,		/* no MX, the domain's own address (RFC 5321 5.1) */
	MX_V_LISTED,		/* --no-resolve: MX records present */
	MX_V_NOADDR,		/* MX records, none with an address */
	MX_V_NOPUBLIC,		/* addresses, none the internet can reach */
	MX_V_NULLMX,		/* RFC 7505: accepts no mail */
	MX_V_NOMAIL,		/* no MX and no address */
	MX_V_NXDOMAIN,		/* the domain does not exist */
	MX_V_UNKNOWN,		/* temporary failure: the answer is unknown */
	MX_V_INVALID		/* the name given is not a domain name */
};

/* Domain-level warnings (bits). */
#define MX_DW_DUPLICATE	0x01	/* duplicate MX records were merged (RFC 2181 5) */

/* How the MX answer came (bits of mx_domain.notes). */
#define MX_NOTE_TCP	0x01	/* over TCP */
#define MX_NOTE_TRUNCATED 0x02	/* ... because the UDP answer was truncated */
#define MX_NOTE_NOEDNS	0x04	/* plain DNS: the server rejects EDNS */
#define MX_NOTE_CASE	0x08	/* replies in another letter case ignored */

struct mx_domain {
	char *input;			/* as given, escaped for display */
	size_t line;			/* input line, 0 for an argument */
	struct wire_name qname;
	char *qtext;			/* query name, presentation form */
	char *utext;			/* Unicode form when it differs, or NULL */
	enum mxq_status status;		/* of the MX query */
	/*
	 * Why there is no mail route, or what failed, in the words every
	 * output mode uses; NULL when there is a route.  Set by the lookup
	 * for a failure it can name, else by mx_domain_finish().
	 */
	char *message;
	char *server;			/* "ADDR#PORT" that answered, or NULL */
	char *server_name;		/* the host name it was given as, or NULL */
	unsigned notes;			/* MX_NOTE_* */
	int rcode;			/* -1 when no reply */
	uint16_t flags;			/* WIRE_FLAG_* of the MX reply */
	char **cname;			/* alias chain of the domain */
	size_t ncname;
	struct mx_exchange *ex;
	size_t nex;
	uint32_t mx_ttl;		/* smallest TTL of the MX RRset */
	int nullmx;
	int implicit;			/* ex[0] stands for the domain itself */
	int resolved;			/* exchanges were looked up */
	int private_ok;			/* --private: special addresses count */
	unsigned warn;			/* MX_DW_* */
	enum mx_sec secure;		/* of the MX record set (--dnssec) */
	struct mx_ns *ns;		/* --ns, or NULL */
	struct mx_sts *sts;		/* --smtp: MTA-STS, TLS-RPT, or NULL */
	int smtp_blocked;		/* --smtp: no address took a connection,
					   every one timed out */
	enum mx_verdict verdict;
	double elapsed_ms;
};

/* Allocate an empty domain for the given input text (copied, escaped). */
struct mx_domain *mx_domain_new(const char *input, size_t len, size_t line);

/*
 * After the probes of --smtp (probe.c): whether each exchange matches
 * the MTA-STS policy, and whether no address took a connection at all.
 */
void mx_domain_probed(struct mx_domain *d);

/* Release a domain and everything it owns.  NULL is a no-op. */
void mx_domain_free(struct mx_domain *d);

/*
 * Append an exchange (copying the name).  Returns it, or NULL when out
 * of memory.  The pointer is valid until the next call.
 */
struct mx_exchange *mx_domain_add_exchange(struct mx_domain *d,
    uint16_t pref, uint32_t ttl, const struct wire_name *name);

/* Add an address to an exchange, ignoring exact duplicates. */
enum mxq_status mx_exchange_add_addr(struct mx_exchange *e, int family,
    const uint8_t *bytes, uint32_t ttl, enum mx_source source);

/*
 * Room for element n (0-based) in an array of n elements of the given
 * size: the array itself while it has room, else a new one twice as big
 * (capacities are 4, 8, 16, ...).  NULL when out of memory, the old array
 * untouched.
 */
void *mx_grow(void *array, size_t n, size_t size);

/* Append a name to a chain of aliases (copied). */
enum mxq_status mx_chain_add(char ***chain, size_t *n, const char *text);

/*
 * Nonzero when text (a trailing dot allowed) is an IPv4 or IPv6 address,
 * or an IPv6 address in brackets.
 */
int mx_text_is_ip(const char *text);

/* Replace *slot with a copy of s (NULL allowed). */
enum mxq_status mx_set_string(char **slot, const char *s);

/*
 * Sort exchanges: preference, then name without regard to ASCII case,
 * then order of arrival.  Sort each exchange's addresses: A before
 * AAAA, each in numeric order.
 */
void mx_sort(struct mx_domain *d);

/*
 * Work out each exchange's status and the domain's verdict from what
 * the lookups found, then sort.  Call once, when no lookup is pending.
 */
void mx_domain_finish(struct mx_domain *d);

/*
 * The status that stands for the domain's verdict, for the exit code:
 * MXQ_OK for a route, MXQ_ENXDOMAIN or MXQ_ENODATA for definitively no
 * route, the underlying failure for MX_V_UNKNOWN, MXQ_EINVAL.
 */
enum mxq_status mx_domain_outcome(const struct mx_domain *d);

/* Short token of a verdict, as in JSON ("null-mx"). */
const char *mx_verdict_name(enum mx_verdict v);

/*
 * Nonzero for an entry whose exchange is "." but that is no null MX:
 * mixed with other records, or alone at a preference other than 0.
 */
int mx_is_dot(const struct mx_exchange *e);

/*
 * Number of distinct preference values among the exchanges, a '.' mixed
 * with other records not counted (the exchanges must be sorted).
 */
size_t mx_pref_levels(const struct mx_domain *d);

/*
 * Nonzero when exchange i sits in the highest of several preference
 * levels: the backup.
 */
int mx_is_backup(const struct mx_domain *d, size_t i);

/* Text of an address ("192.0.2.1", "2001:db8::1"); buf >= 46 bytes. */
const char *mx_addr_text(const struct mx_addr *a, char *buf, size_t size);

#endif
