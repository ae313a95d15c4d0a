/*
 * Output formatters: pure functions from a finished domain to a stream.
 * They never resolve and never exit; each returns MXQ_EIO when the
 * stream failed, and write errors stay visible through ferror(), checked
 * by main() at the end.
 */
#ifndef MXQ_FMT_H
#define MXQ_FMT_H

#include <stddef.h>
#include <stdio.h>

#include "mxq/mx.h"
#include "mxq/status.h"

enum fmt_format { FMT_TEXT, FMT_SHORT, FMT_JSON };

/* What the printers need; the command line fills it. */
struct fmt_config {
	enum fmt_format format;
	int color;		/* ANSI colours (text only) */
	int unicode;		/* show U-labels where they round-trip */
	int with_domain;	/* --short: start lines with the domain */
	int verbose;		/* text: server, RCODE, flags, TTLs */
	int family;		/* 0, 4 or 6: the families asked for */
	int no_resolve;		/* -n: MX records only */
	int smtp;		/* --smtp: the probes of every address */
	const char *server;	/* "ADDR#PORT" when a domain names none */
};

/* A printer and its state. */
struct fmt {
	struct fmt_config cfg;
	FILE *out;
	size_t count;		/* domains written so far */
};

/*
 * One row of the warnings table that every printer reads: the bit in
 * the model, the token of --json, and the words of text output (before,
 * and after, the name or failure it concerns when there is one).
 */
struct fmt_warning {
	unsigned bit;
	const char *token;
	const char *words;
	const char *after;
};

/* Warnings of an exchange (MX_W_*) and of a domain (MX_DW_*). */
extern const struct fmt_warning fmt_exchange_warnings[];
extern const size_t fmt_nexchange_warnings;
extern const struct fmt_warning fmt_domain_warnings[];
extern const size_t fmt_ndomain_warnings;

/* Token of a DNSSEC status ("secure"), or NULL when not asked. */
const char *fmt_sec_name(enum mx_sec sec);

/* What the greeting's host name is: "exchange", "ptr", "other", or NULL. */
const char *fmt_greet_name(enum mx_greet g);

/* Token of a DANE state ("protected"), or NULL when not asked. */
const char *fmt_dane_name(enum mx_dane state);

/*
 * The problem of an address in words, into buf: not reachable from the
 * internet, no PTR, a PTR that does not resolve back to it, several
 * PTRs, a failed PTR lookup.  NULL when there is none.
 */
/*
 * "<what><status words> (<detail>)" for a failed lookup into buf; the
 * detail alone after what when it is a sentence of its own (a referral,
 * a lame answer, a DNSSEC failure name the server and what it did).
 */
const char *fmt_failure(const char *what, enum mxq_status st,
    const char *detail, char *buf, size_t size);

const char *fmt_addr_problem(const struct mx_domain *d,
    const struct mx_exchange *e, const struct mx_addr *a, char *buf,
    size_t size);

/*
 * What a DANE sender makes of an exchange, in words, when that is a
 * problem (TLSA records not secure, none usable, a record unusable, the
 * lookup failed); NULL otherwise.
 */
const char *fmt_dane_problem(const struct mx_exchange *e, char *buf,
    size_t size);

/* What the SMTP probe of an address found wrong (--smtp), or NULL. */
const char *fmt_smtp_problem(const struct mx_domain *d,
    const struct mx_exchange *e, const struct mx_addr *a, char *buf,
    size_t size);

/* An exchange that the domain's MTA-STS policy does not name, or NULL. */
const char *fmt_sts_mismatch(const struct mx_domain *d,
    const struct mx_exchange *e, char *buf, size_t size);

/* What a name server's answers have against the others, or NULL. */
const char *fmt_ns_problem(const struct mx_nsserver *s, char *buf,
    size_t size);

/*
 * Every finding of the checks about d, one line of words each (the
 * exchange, address or name server named first), as --short puts them
 * on stderr.  fn is called once per finding.
 */
void fmt_findings(const struct mx_domain *d,
    void (*fn)(void *arg, const char *line), void *arg);

/* How many findings fmt_findings() reports: what --strict counts. */
size_t fmt_nfindings(const struct mx_domain *d);

/* Write d in the configured format.  MXQ_EIO, MXQ_ENOMEM, MXQ_EINTERNAL. */
enum mxq_status fmt_write(struct fmt *f, const struct mx_domain *d);

/* Human-readable block: a header line, then one row per exchange. */
enum mxq_status fmt_text_write(struct fmt *f, const struct mx_domain *d);

/*
 * One line per address, "[DOMAIN ]PREF EXCHANGE ADDRESS", "-" for an
 * exchange without address; with --no-resolve one line per MX record,
 * "[DOMAIN ]PREF EXCHANGE", '.' included.  Domains without a mail route
 * print nothing else here.
 */
enum mxq_status fmt_short_write(struct fmt *f, const struct mx_domain *d);

/* One JSON object (schema 1, see schema/mxq.schema.json) and a newline. */
enum mxq_status fmt_json_write(struct fmt *f, const struct mx_domain *d);

/* Version string of the jansson in use. */
const char *fmt_json_version(void);

#endif
