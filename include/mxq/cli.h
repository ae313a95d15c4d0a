/*
 * Command line: argv to the configuration of every module, and the
 * usage and help texts.  Nothing below main includes this header.
 */
#ifndef MXQ_CLI_H
#define MXQ_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "mxq/fmt.h"
#include "mxq/lookup.h"
#include "mxq/probe.h"
#include "mxq/resolver.h"
#include "mxq/run.h"
#include "mxq/status.h"

#define CLI_DEFAULT_TIMEOUT_MS	2000
#define CLI_DEFAULT_TRIES	3
#define CLI_DEFAULT_CONCURRENCY	150
#define CLI_MAX_CONCURRENCY	1000
#define CLI_DEFAULT_SMTP_TIMEOUT_MS	10000
#define CLI_DEFAULT_SMTP_CONCURRENCY	20

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION };

struct mxq_opts {
	enum cli_action action;
	struct resolver_config resolver;
	struct lookup_config lookup;
	struct fmt_config fmt;		/* format, verbose, family, -n */
	struct run_config run;		/* quiet, when-settings, input */
	int smtp;			/* --smtp: probe every address */
	struct probe_config probe;
	char ehlo[256];			/* the default EHLO name */
};

/*
 * Parse argv into *o (fully overwritten).  Servers given as host names
 * are looked up with the system's resolver (getaddrinfo), as dig does.
 * A usage error is reported on stderr as "mxq: <problem>" with a pointer
 * to --help, and returns MXQ_EUSAGE; MXQ_ENOMEM.  Domains are not
 * checked here.
 */
enum mxq_status cli_parse(int argc, char **argv, struct mxq_opts *o);

/* Release what cli_parse allocated. */
void cli_clear(struct mxq_opts *o);

/* Write the usage lines (the man page's SYNOPSIS). */
void cli_usage(FILE *fp);

/* Write the --help text. */
void cli_help(FILE *fp);

#endif
