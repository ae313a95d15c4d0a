/* Command line: argv to options, usage, help and version texts. */
#ifndef MXQ_CLI_H
#define MXQ_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mxq/status.h"

#define CLI_MAX_SERVERS		8
#define CLI_DEFAULT_TIMEOUT_MS	2000
#define CLI_DEFAULT_TRIES	3
#define CLI_DEFAULT_CONCURRENCY	150
#define CLI_MAX_CONCURRENCY	1000

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION };
enum cli_format { CLI_FMT_TEXT, CLI_FMT_SHORT, CLI_FMT_JSON };
enum cli_when { CLI_AUTO = -1, CLI_NEVER = 0, CLI_ALWAYS = 1 };

struct cli_server {
	int family;			/* 4 or 6 */
	uint8_t addr[16];
	int port;			/* 0: take --port */
};

struct mxq_opts {
	enum cli_action action;
	struct cli_server servers[CLI_MAX_SERVERS];
	size_t nservers;		/* 0: /etc/resolv.conf */
	int port;			/* for servers without one */
	const char *resolv_conf;	/* $MXQ_RESOLV_CONF, or NULL */
	int family;			/* 0, 4 or 6: address families shown */
	int tcp;
	int timeout_ms;			/* per try */
	int tries;
	int no_resolve;
	int no_additional;
	int quiet;
	int verbose;
	enum cli_when color;
	enum cli_when idn;
	enum cli_when with_domain;
	enum cli_when progress;
	enum cli_format format;
	const char *file;		/* -f, "-" for stdin, or NULL */
	int concurrency;
	int unordered;
	char **domains;			/* points into argv */
	size_t ndomains;
};

/*
 * Parse argv into *o (fully overwritten).  A usage error is reported on
 * stderr as "mxq: <problem>" with a pointer to --help, and returns
 * MXQ_EUSAGE; MXQ_ENOMEM.  Domains are not checked here.
 */
enum mxq_status cli_parse(int argc, char **argv, struct mxq_opts *o);

/* Release what cli_parse allocated. */
void cli_clear(struct mxq_opts *o);

/* Write the --help text. */
void cli_help(FILE *fp);

/* Write the --version text. */
void cli_version(FILE *fp);

/* Format a server as "ADDR#PORT" (dig's notation); buf >= 64 bytes. */
const char *cli_server_text(const struct cli_server *s, int port, char *buf,
    size_t size);

#endif
