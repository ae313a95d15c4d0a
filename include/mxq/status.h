/* Status codes shared by every module, and their mapping to exit codes. */
#ifndef MXQ_STATUS_H
#define MXQ_STATUS_H

/*
 * The outcome of one operation.  The first group describes DNS answers
 * and doubles as the per-exchange and per-domain status of the model;
 * the rest are local failures.  Order matters only for readability:
 * seriousness is decided by status_exit_code().
 */
enum mxq_status {
	MXQ_OK = 0,
	MXQ_ENXDOMAIN,		/* the name does not exist */
	MXQ_ENODATA,		/* the name exists, no record of the type */
	MXQ_EUNROUTABLE,	/* addresses, none the internet can reach */
	MXQ_ETIMEOUT,		/* no answer within timeout x tries */
	MXQ_ESERVFAIL,		/* RCODE 2 */
	MXQ_EREFUSED,		/* RCODE 5 */
	MXQ_ERCODE,		/* another error RCODE: FORMERR, NOTIMP, ... */
	MXQ_EREFERRAL,		/* a referral: the server does not answer for it */
	MXQ_ELAME,		/* a negative answer with neither AA nor RA */
	MXQ_EBOGUS,		/* DNSSEC validation failed at the resolver */
	MXQ_EMALFORMED,		/* a reply that does not parse or does not fit */
	MXQ_EUNREACH,		/* no server could be contacted */
	MXQ_ELIMIT,		/* a documented resource bound was hit */
	MXQ_EUSAGE,		/* bad command line */
	MXQ_EINVAL,		/* invalid domain name */
	MXQ_ENOMEM,		/* out of memory */
	MXQ_EIO,		/* write error */
	MXQ_EINTERNAL		/* anything else that is our fault */
};

#define MXQ_STATUS_COUNT (MXQ_EINTERNAL + 1)

/* Exit codes of the program (see mxq(1), EXIT STATUS). */
enum mxq_exit {
	MXQ_EXIT_ROUTE = 0,	/* a mail route exists */
	MXQ_EXIT_NOROUTE = 1,	/* definitively no mail route */
	MXQ_EXIT_USAGE = 2,	/* usage error or invalid name */
	MXQ_EXIT_TEMP = 3,	/* temporary failure: the answer is unknown */
	MXQ_EXIT_INTERNAL = 4,	/* internal error */
	MXQ_EXIT_PROBLEMS = 5	/* --strict: a route, with problems */
};

/* Short lower-case token for a status, as used in JSON ("nxdomain"). */
const char *status_name(enum mxq_status st);

/* Human description for a status ("no such domain"). */
const char *status_message(enum mxq_status st);

/* Exit code that a status stands for, taken alone. */
enum mxq_exit status_exit_code(enum mxq_status st);

/*
 * Combine two exit codes: the more serious one wins, in the order
 * 4 > 2 > 3 > 1 > 5 > 0.
 */
enum mxq_exit status_exit_worst(enum mxq_exit a, enum mxq_exit b);

/* Nonzero for the statuses that mean "ask again later". */
int status_is_temporary(enum mxq_status st);

#endif
