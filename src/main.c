/* mxq: where does mail for a domain go?  Wiring and the exit status. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "mxq/cli.h"
#include "mxq/fmt.h"
#include "mxq/idn.h"
#include "mxq/lookup.h"
#include "mxq/msg.h"
#include "mxq/probe.h"
#include "mxq/resolver.h"
#include "mxq/run.h"
#include "mxq/status.h"

#ifndef MXQ_VERSION
#define MXQ_VERSION "0.1.0"
#endif

/* Lookup rounds a domain may take: MX, then addresses, then CNAMEs. */
#define MAIN_DEADLINE_ROUNDS	3

static int
version(void)
{
	printf("mxq %s (c-ares %s, libidn2 %s, jansson %s)\n", MXQ_VERSION,
	    resolver_version(), idn_version(), fmt_json_version());
	return 0;
}

int
main(int argc, char **argv)
{
	struct mxq_opts o;
	struct fmt fmt;
	struct resolver *r = NULL;
	struct lookup *l = NULL;
	struct probe *probe = NULL;
	struct run *run = NULL;
	enum mxq_status st;
	int exit_code = MXQ_EXIT_ROUTE;
	int said = 0;	/* the failure was reported where it happened */

	setlocale(LC_ALL, "");
	st = cli_parse(argc, argv, &o);
	if (st != MXQ_OK || o.action != CLI_RUN) {
		if (st == MXQ_OK && o.action == CLI_HELP)
			cli_help(stdout);
		else if (st == MXQ_OK)
			version();
		cli_clear(&o);
		if (st != MXQ_OK)
			return status_exit_code(st);
		return fflush(stdout) == 0 && !ferror(stdout) ? 0 :
		    MXQ_EXIT_INTERNAL;
	}
	if (o.run.file == NULL && o.run.ndomains == 0) {
		/* Standard input only with -f -: never a loop's input. */
		msg_err("no domain given (read them from standard input with "
		    "-f -)");
		cli_usage(stderr);
		cli_clear(&o);
		return MXQ_EXIT_USAGE;
	}
	memset(&fmt, 0, sizeof(fmt));
	fmt.cfg = o.fmt;
	fmt.out = stdout;
	/*
	 * resolver_new and probe_new say what failed (resolv.conf, the CA
	 * file, libcurl, ...) before they return MXQ_EINTERNAL or
	 * MXQ_EUSAGE; "internal error" after that would say nothing more.
	 */
	st = resolver_new(&o.resolver, &r);
	if (st != MXQ_OK) {
		said = st == MXQ_EINTERNAL;
		goto out;
	}
	fmt.cfg.server = resolver_server_text(r, 0);
	o.lookup.deadline_ms = (double)MAIN_DEADLINE_ROUNDS *
	    o.resolver.timeout_ms * o.resolver.tries *
	    (double)resolver_nservers(r);
	if (o.smtp && (st = probe_new(&o.probe, r, &probe)) != MXQ_OK) {
		said = st == MXQ_EINTERNAL;
		goto out;
	}
	o.lookup.probe = probe;
	if ((st = run_new(&o.run, &fmt, &run)) != MXQ_OK ||
	    (st = lookup_new(&o.lookup, r, run_done, run, &l)) != MXQ_OK)
		goto out;
	lookup_set_idle(l, run_idle);
	st = run_all(run, l, r, &exit_code);
out:
	/* The workers write into the domains that the engine frees. */
	probe_free(probe);
	lookup_free(l);
	resolver_free(r);
	run_free(run);
	cli_clear(&o);
	if (st != MXQ_OK) {
		if (st == MXQ_EIO)
			msg_err("stdout: write error");
		else if (st != MXQ_EUSAGE && !said)
			msg_err("%s", status_message(st));
		exit_code = status_exit_worst((enum mxq_exit)exit_code,
		    status_exit_code(st));
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (st != MXQ_EIO)
			msg_err("stdout: write error");
		exit_code = MXQ_EXIT_INTERNAL;
	}
	return exit_code;
}
