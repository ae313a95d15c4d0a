/*
 * Output formatters: pure functions from a finished domain to a stream.
 * They never resolve and never exit; write errors surface through
 * ferror() on the stream, checked by main().
 */
#ifndef MXQ_FMT_H
#define MXQ_FMT_H

#include <stdio.h>

#include "mxq/cli.h"
#include "mxq/mx.h"
#include "mxq/status.h"

struct fmt_ctx {
	FILE *out;
	const struct mxq_opts *o;
	int color;		/* ANSI colours (text mode only) */
	int unicode;		/* show U-labels where they round-trip */
	int with_domain;	/* --short: start lines with the domain */
	const char *server;	/* "ADDR#PORT" of the server asked */
	size_t count;		/* domains written so far */
};

/* Human-readable block: a header line, then one row per exchange. */
void fmt_text_write(struct fmt_ctx *c, const struct mx_domain *d);

/*
 * One line per address, "[DOMAIN ]PREF EXCHANGE ADDRESS", "-" for an
 * exchange without address; "[DOMAIN ]PREF EXCHANGE" with --no-resolve.
 * Domains without a mail route print nothing here.
 */
void fmt_short_write(struct fmt_ctx *c, const struct mx_domain *d);

/*
 * One JSON object (schema 1, see schema/mxq.schema.json) and a newline.
 * The caller flushes (main does so whenever mxq waits for the network).
 * MXQ_ENOMEM, MXQ_EIO.
 */
enum mxq_status fmt_json_write(struct fmt_ctx *c, const struct mx_domain *d);

/* The one-line summary of a verdict for messages ("no such domain"). */
const char *fmt_verdict_text(const struct mx_domain *d);

/* Version string of the jansson in use. */
const char *fmt_json_version(void);

#endif
