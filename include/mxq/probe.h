/*
 * The connection probes of --smtp: every address of every exchange
 * (smtp.h), and the MTA-STS policy of the domain over HTTPS (sts.h), run
 * by a pool of worker threads once a domain's DNS lookup is done.  A
 * domain's probes run side by side, so it takes about as long as its
 * slowest address; the pool bounds the connections open at once.
 *
 * The workers write only into the addresses and the MTA-STS part of the
 * domain they were given; the domain is the probe's alone until its done
 * function runs, on the main thread, from inside resolver_wait() (the
 * workers wake it through a pipe).
 */
#ifndef MXQ_PROBE_H
#define MXQ_PROBE_H

#include <stddef.h>

#include "mxq/mx.h"
#include "mxq/resolver.h"
#include "mxq/status.h"

#define PROBE_WORKERS_MAX	500

struct probe_config {
	int port;			/* SMTP port: 25, or --smtp-port */
	int https_port;			/* 443, or --https-port */
	double step_ms;			/* deadline of each SMTP step */
	int workers;			/* connections at once */
	const char *ehlo;		/* EHLO argument */
	const char *cafile;		/* CA bundle, or NULL: the system's */
	int private_ok;			/* probe special-purpose addresses too */
};

struct probe;

typedef void probe_done_fn(void *arg);

/*
 * Create the pool on transport r (its poll loop wakes for the pool).
 * MXQ_ENOMEM, MXQ_EUSAGE (a CA file that does not load, reported),
 * MXQ_EINTERNAL (no thread or pipe, reported).
 */
enum mxq_status probe_new(const struct probe_config *cfg, struct resolver *r,
    struct probe **out);

/* Stop the workers (each finishes its step first) and free.  NULL ok. */
void probe_free(struct probe *p);

/*
 * Probe domain d, whose lookup is finished (mx_domain_finish done).
 * Returns 1 when probes were started: done(arg) follows, from inside
 * resolver_wait(), once they are all in and their results are in d
 * (mx_domain_probed() done); d must not be touched until then.  Returns
 * 0 when there is nothing to probe (done is not called), or -1 when out
 * of memory.
 */
int probe_domain(struct probe *p, struct mx_domain *d, probe_done_fn *done,
    void *arg);

/* Domains whose probes are under way. */
size_t probe_pending(const struct probe *p);

#endif
