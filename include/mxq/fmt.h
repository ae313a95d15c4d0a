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
