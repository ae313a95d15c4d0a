/*
 * The lookup engine: a state machine per domain (MX, then A and AAAA of
 * every exchange at once, or of the domain itself for the implicit MX),
 * a bounded window of queries in flight, a cache so that a name asked
 * by many domains is resolved once per run, and results handed over in
 * input order (or in completion order).  A domain gets at most three
 * rounds of timeout x tries x servers in all; past that it is handed over
 * with what it has, unanswered questions counting as timeouts.
 */
#ifndef MXQ_LOOKUP_H
#define MXQ_LOOKUP_H

#include "mxq/cli.h"
#include "mxq/mx.h"
#include "mxq/resolver.h"
#include "mxq/status.h"

struct lookup;

/*
 * Receives each finished domain, once; the engine frees it after the
 * call.  A status other than MXQ_OK stops the run (lookup_step and
 * lookup_drain return it).
 */
typedef enum mxq_status lookup_done_fn(void *arg, struct mx_domain *d);

struct lookup_stats {
	unsigned long cache_hits;	/* questions answered from the cache */
	unsigned long additional;	/* address sets taken from additional */
};

/*
 * Create an engine on resolver r (not owned) with the options o (kept
 * by reference).  MXQ_ENOMEM.
 */
enum mxq_status lookup_new(const struct mxq_opts *o, struct resolver *r,
    lookup_done_fn *done, void *arg, struct lookup **out);

/* Free the engine; domains still inside are freed too.  NULL is ok. */
void lookup_free(struct lookup *l);

/*
 * Hand over a domain (the engine owns it from now on).  A domain whose
 * status is not MXQ_OK (an invalid name) is passed through, in order,
 * without a query.  May call the done function.
 */
enum mxq_status lookup_add(struct lookup *l, struct mx_domain *d);

/* Nonzero when enough domains are in progress: call lookup_step first. */
int lookup_full(const struct lookup *l);

/* Domains handed over and not yet passed to done. */
size_t lookup_active(const struct lookup *l);

/*
 * Wait for and process one round of network events.  When input_fd >= 0
 * also wake up when it is readable, and say so in *input_ready, so that
 * a slow input can be read while lookups go on.
 */
enum mxq_status lookup_step(struct lookup *l, int input_fd,
    int *input_ready);

/* Run until every domain handed over has been passed to done. */
enum mxq_status lookup_drain(struct lookup *l);

/*
 * Call idle (with the done function's argument) each time the engine is
 * about to wait for the network: the place to flush output, so that
 * results are never held back while nothing else happens.
 */
void lookup_set_idle(struct lookup *l, void (*idle)(void *));

void lookup_get_stats(const struct lookup *l, struct lookup_stats *s);

#endif
