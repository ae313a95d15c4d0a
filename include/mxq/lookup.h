/*
 * The lookup engine: a state machine per domain (the MX question, then
 * the questions of every exchange at once, or of the domain itself for
 * the implicit MX), over the question table (questions.h), with results
 * handed over in input order (or in completion order).
 *
 * The questions asked of each exchange are rows of a table (struct
 * lookup_check): A and AAAA are the first two, TLSA the third.  Adding a
 * check of every exchange is adding a row and the function that takes
 * its answer into the model; include/mxq/check.h is what such a function
 * sees of the engine.
 */
#ifndef MXQ_LOOKUP_H
#define MXQ_LOOKUP_H

#include <stddef.h>

#include "mxq/mx.h"
#include "mxq/probe.h"
#include "mxq/questions.h"
#include "mxq/resolver.h"
#include "mxq/status.h"

/* Domains in progress or waiting to be printed, per question in flight. */
#define LOOKUP_ACTIVE_FACTOR	8
#define LOOKUP_ACTIVE_MIN	64

struct lookup;
struct lookup_config;

/*
 * A question asked of every exchange (a row of the table).  The name
 * asked is the exchange's, with prefix in front when it is not NULL
 * ("_25._tcp" for TLSA).
 */
struct lookup_check {
	const char *name;		/* for messages: "A", "TLSA" */
	uint16_t type;
	const char *prefix;
	unsigned flags;			/* WIRE_QUERY_* on top of RD */
	int glue;			/* the MX reply's additional section may
					   answer it (A and AAAA) */
	/* Nonzero when exchange e is to be asked; NULL: always. */
	int (*wanted)(const struct lookup_config *cfg,
	    const struct mx_exchange *e);
	/*
	 * Take the answer into the model.  server is the text of the
	 * server that answered ("ADDR#PORT").  Called once per exchange,
	 * or not at all when the domain runs out of time first.
	 */
	void (*take)(const struct lookup_check *c,
	    const struct lookup_config *cfg, struct mx_domain *d,
	    struct mx_exchange *e, const struct question_result *res,
	    const char *server);
	/* Mark e as asked, before any answer (what a timeout leaves). */
	void (*asked)(const struct lookup_check *c, struct mx_exchange *e);
};

/* The rows mxq asks: A, AAAA, then TLSA (with --dane). */
extern const struct lookup_check *const lookup_default_checks[];
extern const size_t lookup_default_nchecks;

/* What the engine needs; the command line fills it. */
struct lookup_config {
	int family;			/* 0, or only 4 or 6 */
	int no_resolve;			/* MX records only */
	int no_additional;		/* never take addresses from there */
	int unordered;			/* hand over in completion order */
	int window;			/* questions in flight at most */
	double deadline_ms;		/* own time per domain */
	int dnssec;			/* ask with DO and AD, report AD */
	int dane;			/* TLSA of every exchange */
	int ptr;			/* reverse DNS of every address */
	int ns;				/* every authoritative server */
	int ns_port;			/* port to ask them on */
	int smtp;			/* MTA-STS and TLS-RPT records too */
	int private_ok;			/* special addresses count as a route */
	/* --smtp: the probes run once a domain's lookup is done (not
	 * owned); NULL: none. */
	struct probe *probe;
	/* The rows asked of every exchange; NULL: the default rows. */
	const struct lookup_check *const *checks;
	size_t nchecks;
};

/*
 * Receives each finished domain, once; the engine frees it after the
 * call.  A status other than MXQ_OK stops the run (lookup_step and
 * lookup_drain return it).
 */
typedef enum mxq_status lookup_done_fn(void *arg, struct mx_domain *d);

struct lookup_stats {
	struct questions_stats questions;
	unsigned long additional;	/* address sets taken from additional */
	unsigned long expired;		/* domains cut off at their deadline */
};

/*
 * Create an engine on resolver r (not owned) with cfg (copied).
 * MXQ_ENOMEM.
 */
enum mxq_status lookup_new(const struct lookup_config *cfg,
    struct resolver *r, lookup_done_fn *done, void *arg,
    struct lookup **out);

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
 * results are never held back while nothing else happens.  Time spent
 * in idle and in the done function is not counted against any domain.
 */
void lookup_set_idle(struct lookup *l, void (*idle)(void *));

void lookup_get_stats(const struct lookup *l, struct lookup_stats *s);

#endif
