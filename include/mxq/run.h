/*
 * The run: domains from the arguments or a file fed to the engine,
 * every result to its printer and to the exit status, the progress line
 * and the summary of -v.
 */
#ifndef MXQ_RUN_H
#define MXQ_RUN_H

#include <stddef.h>

#include "mxq/mx.h"
#include "mxq/status.h"

struct fmt;
struct lookup;
struct resolver;

enum run_when { RUN_AUTO = -1, RUN_NEVER = 0, RUN_ALWAYS = 1 };

/* What the run needs; the command line fills it. */
struct run_config {
	int quiet;			/* results only in the exit status */
	int strict;			/* a route with problems exits 5 */
	int verbose;			/* the summary at the end */
	int short_format;		/* outcomes without a line go to stderr */
	enum run_when color, idn, with_domain, progress;
	const char *file;		/* -f: a file, "-" for stdin, or NULL */
	char **domains;			/* arguments (point into argv) */
	size_t ndomains;
};

/*
 * Run every domain through lookup l (created by the caller with
 * run_done and the run as its argument) and printer f.  *exit receives
 * the worst exit code of the domains.  MXQ_EUSAGE when no domain was
 * given at all (reported), MXQ_EIO, MXQ_ENOMEM, or what the engine
 * returned.
 */
struct run;

enum mxq_status run_new(const struct run_config *cfg, struct fmt *f,
    struct run **out);
void run_free(struct run *run);

/* The engine's done callback (lookup_done_fn), with the run as arg. */
enum mxq_status run_done(void *arg, struct mx_domain *d);

/* The engine's idle callback: flush what is written. */
void run_idle(void *arg);

enum mxq_status run_all(struct run *run, struct lookup *l,
    struct resolver *r, int *exit_code);

#endif
