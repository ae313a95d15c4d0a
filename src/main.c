/* mxq: where does mail for a domain go?  Parse, look up, print, exit. */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mxq/cli.h"
#include "mxq/fmt.h"
#include "mxq/idn.h"
#include "mxq/input.h"
#include "mxq/lookup.h"
#include "mxq/msg.h"
#include "mxq/resolver.h"
#include "mxq/status.h"

/* Everything the per-domain callback needs: no globals. */
struct run {
	const struct mxq_opts *o;
	struct fmt_ctx fmt;
	enum mxq_exit exit;
	size_t total;			/* domains expected, 0 if unknown */
	size_t done;
	size_t failed;			/* temporary failures */
	size_t verdicts[MX_V_INVALID + 1];
	int progress;
	struct timespec start, last_progress;
};

static double
secs_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
progress(struct run *run, int final)
{
	double t = secs_since(&run->start), rate;

	if (!run->progress)
		return;
	if (final) {
		fputs("\r\033[K", stderr);
		return;
	}
	if (secs_since(&run->last_progress) < 0.2 || t < 1.0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &run->last_progress);
	rate = run->done / t;
	/* The total counts lines: comments and blanks make it an upper bound. */
	if (run->total > run->done)
		fprintf(stderr, "\r\033[Kmxq: %zu/%zu domains, %.0f/s, "
		    "ETA %.0f s, %zu failed", run->done, run->total, rate,
		    rate > 0 ? (run->total - run->done) / rate : 0.0,
		    run->failed);
	else
		fprintf(stderr, "\r\033[Kmxq: %zu domains, %.0f/s, "
		    "%zu failed", run->done, rate, run->failed);
}

/* Unicode forms of the names, for every output mode to choose from. */
static enum mxq_status
add_display_names(struct mx_domain *d)
{
	size_t i;

	if (d->qtext != NULL && idn_to_display(d->qtext, &d->utext) != MXQ_OK)
		return MXQ_ENOMEM;
	for (i = 0; i < d->nex; i++)
		if (idn_to_display(d->ex[i].text, &d->ex[i].utext) != MXQ_OK)
			return MXQ_ENOMEM;
	return MXQ_OK;
}

/* Outcomes that --short and --quiet leave to stderr and the exit code. */
static void
report(const struct run *run, const struct mx_domain *d)
{
	const char *name = d->qtext != NULL ? d->qtext : d->input;
	char where[32] = "";

	if (d->line > 0)
		snprintf(where, sizeof(where), "line %zu: ", d->line);
	/* A diagnostic replaces the progress line; the next one redraws. */
	if (run->progress)
		fputs("\r\033[K", stderr);
	if (d->verdict == MX_V_INVALID) {
		msg_err("%s'%s': invalid domain name: %s", where, d->input,
		    d->message != NULL ? d->message : "?");
		return;
	}
	if (run->o->quiet || run->o->format != CLI_FMT_SHORT)
		return;
	switch (d->verdict) {
	case MX_V_NULLMX:
	case MX_V_NOMAIL:
	case MX_V_NXDOMAIN:
	case MX_V_UNKNOWN:
		msg_err("%s%s: %s", where, name, fmt_verdict_text(d));
		break;
	default:
		break;
	}
}

static enum mxq_status
on_done(void *arg, struct mx_domain *d)
{
	struct run *run = arg;
	enum mxq_status st = MXQ_OK, outcome;

	outcome = mx_domain_outcome(d);
	run->exit = status_exit_worst(run->exit, status_exit_code(outcome));
	run->done++;
	run->verdicts[d->verdict]++;
	if (status_is_temporary(outcome))
		run->failed++;
	if (add_display_names(d) != MXQ_OK)
		return MXQ_ENOMEM;
	report(run, d);
	if (!run->o->quiet) {
		switch (run->o->format) {
		case CLI_FMT_TEXT:
			if (d->verdict != MX_V_INVALID)
				fmt_text_write(&run->fmt, d);
			break;
		case CLI_FMT_SHORT:
			fmt_short_write(&run->fmt, d);
			break;
		case CLI_FMT_JSON:
			st = fmt_json_write(&run->fmt, d);
			break;
		}
		if (st == MXQ_OK && ferror(stdout))
			st = MXQ_EIO;
	}
	progress(run, 0);
	return st;
}

/*
 * Before mxq waits for the network: every line finished so far goes out,
 * so that a reader (jq, tail -f, a pipe) never waits on our buffer, and
 * a burst of answers still costs one write.
 */
static void
on_idle(void *arg)
{
	(void)arg;
	fflush(stdout);
}

static enum mxq_status
feed(struct lookup *l, struct mx_domain *d)
{
	enum mxq_status st;

	if (d == NULL)
		return MXQ_ENOMEM;
	while (lookup_full(l))
		if ((st = lookup_step(l, -1, NULL)) != MXQ_OK) {
			mx_domain_free(d);
			return st;
		}
	return lookup_add(l, d);
}

/*
 * Let lookups go on until a whole input line is there, so that a slow
 * writer (a pipe, a terminal) sees each domain answered as it comes.
 */
static enum mxq_status
await_input(struct lookup *l, struct input *in)
{
	enum mxq_status st;
	int ready = 0;

	while (!input_ready(in) && lookup_active(l) > 0 && !ready)
		if ((st = lookup_step(l, input_fd(in), &ready)) != MXQ_OK)
			return st;
	/* The next read may block: what is done goes out first. */
	if (!input_ready(in))
		on_idle(NULL);
	return MXQ_OK;
}

static enum mxq_status
run_all(struct run *run, struct lookup *l, struct input *in)
{
	enum mxq_status st = MXQ_OK;
	size_t i;

	if (in == NULL) {
		for (i = 0; st == MXQ_OK && i < run->o->ndomains; i++) {
			const char *s = run->o->domains[i];

			st = feed(l, input_domain(s, strlen(s), 0));
		}
	} else {
		const char *text;
		size_t len, lineno;
		int rc = 0;

		while (st == MXQ_OK && (st = await_input(l, in)) == MXQ_OK &&
		    (rc = input_next(in, &text, &len, &lineno)) > 0)
			st = feed(l, input_domain(text, len, lineno));
		if (st == MXQ_OK && rc < 0)
			run->exit = status_exit_worst(run->exit,
			    MXQ_EXIT_TEMP);
	}
	if (st == MXQ_OK)
		st = lookup_drain(l);
	return st;
}

static void
summary(const struct run *run, struct resolver *r, struct lookup *l)
{
	struct resolver_stats rs;
	struct lookup_stats ls;
	double t = secs_since(&run->start);
	int v;

	resolver_get_stats(r, &rs);
	lookup_get_stats(l, &ls);
	fprintf(stderr, ";; %zu domains in %.2f s (%.0f/s):", run->done, t,
	    t > 0 ? run->done / t : 0.0);
	for (v = 0; v <= MX_V_INVALID; v++)
		if (run->verdicts[v] > 0)
			fprintf(stderr, " %zu %s", run->verdicts[v],
			    mx_verdict_name((enum mx_verdict)v));
	fprintf(stderr, "\n;; %lu queries, %lu retries, %lu TCP connections, "
	    "%lu cache hits, %lu address sets from additional sections\n",
	    rs.queries, rs.retries, rs.tcp, ls.cache_hits, ls.additional);
}

static int
utf8_locale(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && strcmp(cs, "UTF-8") == 0;
}

static void
setup_output(struct run *run, const struct mxq_opts *o)
{
	const char *nc = getenv("NO_COLOR");
	int tty = isatty(STDOUT_FILENO);

	run->fmt.out = stdout;
	run->fmt.o = o;
	/* NO_COLOR (no-color.org) wins over everything. */
	run->fmt.color = o->format == CLI_FMT_TEXT &&
	    (nc == NULL || nc[0] == '\0') &&
	    (o->color == CLI_ALWAYS || (o->color == CLI_AUTO && tty));
	run->fmt.unicode = o->idn == CLI_ALWAYS || (o->idn == CLI_AUTO &&
	    o->format == CLI_FMT_TEXT && tty && utf8_locale());
	run->fmt.with_domain = o->with_domain == CLI_AUTO ?
	    (o->ndomains > 1 || o->file != NULL) :
	    o->with_domain == CLI_ALWAYS;
	run->progress = o->progress == CLI_ALWAYS ||
	    (o->progress == CLI_AUTO && isatty(STDERR_FILENO) &&
	    (o->file != NULL || o->ndomains > 20));
}

int
main(int argc, char **argv)
{
	struct mxq_opts o;
	struct run run;
	struct resolver *r = NULL;
	struct lookup *l = NULL;
	struct input *in = NULL;
	enum mxq_status st;

	setlocale(LC_ALL, "");
	memset(&run, 0, sizeof(run));
	st = cli_parse(argc, argv, &o);
	if (st != MXQ_OK) {
		cli_clear(&o);
		return status_exit_code(st);
	}
	if (o.action != CLI_RUN) {
		if (o.action == CLI_HELP)
			cli_help(stdout);
		else
			cli_version(stdout);
		cli_clear(&o);
		return fflush(stdout) == 0 && !ferror(stdout) ? 0 :
		    MXQ_EXIT_INTERNAL;
	}
	if (o.file == NULL && o.ndomains == 0) {
		if (isatty(STDIN_FILENO)) {
			msg_err("no domain given");
			fputs("usage: mxq [options] [@server] domain ...\n"
			    "Try 'mxq --help' for more information.\n",
			    stderr);
			cli_clear(&o);
			return MXQ_EXIT_USAGE;
		}
		o.file = "-";
	}
	run.o = &o;
	run.exit = MXQ_EXIT_ROUTE;
	clock_gettime(CLOCK_MONOTONIC, &run.start);
	setup_output(&run, &o);

	if (o.file != NULL) {
		st = input_open(o.file, &in);
		if (st != MXQ_OK)
			goto out;
		run.total = input_count(in);
	} else {
		run.total = o.ndomains;
	}
	st = resolver_new(&o, &r);
	if (st != MXQ_OK)
		goto out;
	run.fmt.server = resolver_server(r);
	st = lookup_new(&o, r, on_done, &run, &l);
	if (st != MXQ_OK)
		goto out;
	lookup_set_idle(l, on_idle);
	st = run_all(&run, l, in);
	progress(&run, 1);
	if (st == MXQ_OK && o.verbose && run.done > 1)
		summary(&run, r, l);
out:
	lookup_free(l);
	resolver_free(r);
	input_close(in);
	cli_clear(&o);
	if (st != MXQ_OK) {
		if (st == MXQ_EIO)
			msg_err("stdout: write error");
		else if (st != MXQ_EUSAGE)
			msg_err("%s", status_message(st));
		run.exit = status_exit_worst(run.exit, status_exit_code(st));
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (st != MXQ_EIO)
			msg_err("stdout: write error");
		run.exit = MXQ_EXIT_INTERNAL;
	}
	return (int)run.exit;
}
