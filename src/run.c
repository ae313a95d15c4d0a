/*
 * The run: domains fed to the engine as they come, results printed and
 * counted, the progress line and the summary.
 */
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mxq/fmt.h"
#include "mxq/idn.h"
#include "mxq/input.h"
#include "mxq/lookup.h"
#include "mxq/msg.h"
#include "mxq/run.h"

/* Progress: on a terminal, redrawn this often; elsewhere a line this often. */
#define RUN_PROGRESS_TTY_MS	200
#define RUN_PROGRESS_LINE_MS	5000
#define RUN_PROGRESS_AFTER_MS	1000

enum progress { PROGRESS_OFF, PROGRESS_TERMINAL, PROGRESS_LINES };

struct run {
	struct run_config cfg;
	struct fmt *fmt;
	enum mxq_exit exit;
	size_t total;			/* domains expected, 0 if unknown */
	size_t seen;			/* domains fed to the engine */
	size_t done;
	size_t failed;			/* temporary failures */
	size_t verdicts[MX_V_INVALID + 1];
	enum progress progress;
	double start_ms, last_progress_ms;
};

static int
utf8_locale(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && strcmp(cs, "UTF-8") == 0;
}

enum mxq_status
run_new(const struct run_config *cfg, struct fmt *f, struct run **out)
{
	const char *nc = getenv("NO_COLOR");
	int tty = isatty(STDOUT_FILENO);
	struct run *run;

	run = calloc(1, sizeof(*run));
	if (run == NULL)
		return MXQ_ENOMEM;
	run->cfg = *cfg;
	run->fmt = f;
	run->exit = MXQ_EXIT_ROUTE;
	run->start_ms = resolver_now_ms();
	/* NO_COLOR (no-color.org) wins over everything. */
	f->cfg.color = f->cfg.format == FMT_TEXT &&
	    (nc == NULL || nc[0] == '\0') &&
	    (cfg->color == RUN_ALWAYS || (cfg->color == RUN_AUTO && tty));
	f->cfg.unicode = cfg->idn == RUN_ALWAYS || (cfg->idn == RUN_AUTO &&
	    f->cfg.format == FMT_TEXT && tty && utf8_locale());
	f->cfg.with_domain = cfg->with_domain == RUN_AUTO ?
	    (cfg->ndomains > 1 || cfg->file != NULL) :
	    cfg->with_domain == RUN_ALWAYS;
	if (cfg->progress == RUN_NEVER)
		run->progress = PROGRESS_OFF;
	else if (isatty(STDERR_FILENO))
		run->progress = cfg->progress == RUN_ALWAYS ||
		    cfg->file != NULL || cfg->ndomains > 20 ?
		    PROGRESS_TERMINAL : PROGRESS_OFF;
	else
		/* Not a terminal: no control codes, a plain line now and then. */
		run->progress = cfg->progress == RUN_ALWAYS ? PROGRESS_LINES :
		    PROGRESS_OFF;
	*out = run;
	return MXQ_OK;
}

void
run_free(struct run *run)
{
	free(run);
}

static void
progress(struct run *run)
{
	double now = resolver_now_ms(), t = (now - run->start_ms) / 1e3;
	double every = run->progress == PROGRESS_TERMINAL ?
	    RUN_PROGRESS_TTY_MS : RUN_PROGRESS_LINE_MS;
	double rate;

	if (run->progress == PROGRESS_OFF ||
	    now - run->start_ms < RUN_PROGRESS_AFTER_MS ||
	    now - run->last_progress_ms < every)
		return;
	run->last_progress_ms = now;
	rate = run->done / t;
	/* The total counts lines: comments and blanks make it an upper bound. */
	if (run->total > run->done)
		msg_progress(run->progress == PROGRESS_TERMINAL,
		    "%zu/%zu domains, %.0f/s, ETA %.0f s, %zu failed",
		    run->done, run->total, rate,
		    rate > 0 ? (run->total - run->done) / rate : 0.0,
		    run->failed);
	else
		msg_progress(run->progress == PROGRESS_TERMINAL,
		    "%zu domains, %.0f/s, %zu failed", run->done, rate,
		    run->failed);
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

struct finding_ctx {
	const char *where, *name;
};

static void
print_finding(void *arg, const char *line)
{
	const struct finding_ctx *f = arg;

	msg_err("%s%s: %s", f->where, f->name, line);
}

/*
 * Outcomes that --short and --quiet leave to stderr and the exit code,
 * in the words of the model (the same as --json's message), and the
 * findings, one line each: --short has no other place for them.
 */
static void
report(const struct run *run, const struct mx_domain *d)
{
	struct finding_ctx fc;
	const char *name = d->qtext != NULL ? d->qtext : d->input;
	const char *why = d->message != NULL ? d->message : "?";
	char where[32] = "";

	if (d->line > 0)
		snprintf(where, sizeof(where), "line %zu: ", d->line);
	if (d->verdict == MX_V_INVALID) {
		msg_err("%s'%s': invalid domain name: %s", where, d->input,
		    why);
		return;
	}
	if (run->cfg.quiet || !run->cfg.short_format)
		return;
	switch (d->verdict) {
	case MX_V_NOADDR:
	case MX_V_NOPUBLIC:
	case MX_V_NULLMX:
	case MX_V_NOMAIL:
	case MX_V_NXDOMAIN:
	case MX_V_UNKNOWN:
		msg_err("%s%s: %s", where, name, why);
		break;
	default:
		break;
	}
	fc.where = where;
	fc.name = name;
	fmt_findings(d, print_finding, &fc);
}

enum mxq_status
run_done(void *arg, struct mx_domain *d)
{
	struct run *run = arg;
	enum mxq_status st = MXQ_OK, outcome;

	outcome = mx_domain_outcome(d);
	run->exit = status_exit_worst(run->exit, status_exit_code(outcome));
	if (run->cfg.strict && outcome == MXQ_OK && fmt_nfindings(d) > 0)
		run->exit = status_exit_worst(run->exit, MXQ_EXIT_PROBLEMS);
	run->done++;
	run->verdicts[d->verdict]++;
	if (status_is_temporary(outcome))
		run->failed++;
	if (add_display_names(d) != MXQ_OK)
		return MXQ_ENOMEM;
	report(run, d);
	if (!run->cfg.quiet)
		st = fmt_write(run->fmt, d);
	progress(run);
	return st;
}

/*
 * Before mxq waits: every line finished so far goes out, so that a
 * reader (jq, tail -f, a pipe) never waits on our buffer, and a burst of
 * answers still costs one write.
 */
void
run_idle(void *arg)
{
	(void)arg;
	fflush(stdout);
}

static enum mxq_status
feed(struct run *run, struct lookup *l, struct mx_domain *d)
{
	enum mxq_status st;

	if (d == NULL)
		return MXQ_ENOMEM;
	run->seen++;
	while (lookup_full(l))
		if ((st = lookup_step(l, -1, NULL)) != MXQ_OK) {
			mx_domain_free(d);
			return st;
		}
	return lookup_add(l, d);
}

/*
 * Lines as they come: the engine goes on while no whole line is there,
 * and mxq only reads when poll says that something arrived, so a slow
 * writer (a pipe, a terminal, half a line) never holds lookups up.
 */
static enum mxq_status
feed_input(struct run *run, struct lookup *l, struct input *in)
{
	enum mxq_status st = MXQ_OK;

	while (st == MXQ_OK) {
		const char *text;
		size_t len, lineno;
		int rc = input_next(in, &text, &len, &lineno), ready = 0;

		if (rc == 1) {
			st = feed(run, l, input_domain(text, len, lineno));
			continue;
		}
		if (rc == 0)
			break;
		if (rc < 0) {
			run->exit = status_exit_worst(run->exit,
			    MXQ_EXIT_TEMP);
			break;
		}
		if (lookup_active(l) == 0) {
			/* Nothing else to do: what is done goes out first. */
			run_idle(run);
			input_read(in);
			continue;
		}
		st = lookup_step(l, input_fd(in), &ready);
		if (st == MXQ_OK && ready)
			input_read(in);
	}
	return st;
}

static void
summary(const struct run *run, struct resolver *r, struct lookup *l)
{
	struct resolver_stats rs;
	struct lookup_stats ls;
	double t = (resolver_now_ms() - run->start_ms) / 1e3;
	int v;

	resolver_get_stats(r, &rs);
	lookup_get_stats(l, &ls);
	msg_plain(";; %zu domains in %.2f s (%.0f/s):", run->done, t,
	    t > 0 ? run->done / t : 0.0);
	for (v = 0; v <= MX_V_INVALID; v++)
		if (run->verdicts[v] > 0)
			msg_plain(" %zu %s", run->verdicts[v],
			    mx_verdict_name((enum mx_verdict)v));
	msg_plain("\n;; %lu queries, %lu retries, %lu TCP connections, "
	    "%lu UDP sockets, %lu cache hits, %lu address sets from "
	    "additional sections\n", rs.questions, rs.retries, rs.tcp,
	    rs.sockets, ls.questions.cache_hits, ls.additional);
}

enum mxq_status
run_all(struct run *run, struct lookup *l, struct resolver *r, int *exit_code)
{
	struct input *in = NULL;
	enum mxq_status st = MXQ_OK;
	size_t i;

	if (run->cfg.file != NULL) {
		st = input_open(run->cfg.file, &in);
		if (st != MXQ_OK)
			return st;
		run->total = input_count(in);
		st = feed_input(run, l, in);
	} else {
		run->total = run->cfg.ndomains;
		for (i = 0; st == MXQ_OK && i < run->cfg.ndomains; i++) {
			const char *s = run->cfg.domains[i];

			st = feed(run, l, input_domain(s, strlen(s), 0));
		}
	}
	if (st == MXQ_OK)
		st = lookup_drain(l);
	msg_progress_clear();
	if (st == MXQ_OK && run->seen == 0 &&
	    run->exit == MXQ_EXIT_ROUTE) {
		/* "mxq $d" with $d empty, a file of comments: not a route. */
		msg_err("%s: no domain in it", strcmp(run->cfg.file, "-") == 0 ?
		    "standard input" : run->cfg.file);
		st = MXQ_EUSAGE;
	}
	if (st == MXQ_OK && run->cfg.verbose && run->done > 1)
		summary(run, r, l);
	input_close(in);
	*exit_code = (int)run->exit;
	return st;
}
