/* Status names, messages and the one mapping to exit codes. */
#include "mxq/status.h"

static const struct {
	const char *name;
	const char *message;
	enum mxq_exit exit;
} table[MXQ_STATUS_COUNT] = {
	[MXQ_OK] = { "ok", "ok", MXQ_EXIT_ROUTE },
	[MXQ_ENXDOMAIN] = { "nxdomain", "no such domain", MXQ_EXIT_NOROUTE },
	[MXQ_ENODATA] = { "nodata", "no record of that type",
	    MXQ_EXIT_NOROUTE },
	[MXQ_EUNROUTABLE] = { "unroutable",
	    "no address the internet can reach", MXQ_EXIT_NOROUTE },
	[MXQ_ETIMEOUT] = { "timeout", "timed out", MXQ_EXIT_TEMP },
	[MXQ_ESERVFAIL] = { "servfail", "server failure (SERVFAIL)",
	    MXQ_EXIT_TEMP },
	[MXQ_EREFUSED] = { "refused", "query refused (REFUSED)",
	    MXQ_EXIT_TEMP },
	[MXQ_ERCODE] = { "error", "error response from server",
	    MXQ_EXIT_TEMP },
	[MXQ_EREFERRAL] = { "referral",
	    "referral: the server does not answer for this name",
	    MXQ_EXIT_TEMP },
	[MXQ_ELAME] = { "lame",
	    "negative answer neither authoritative nor recursive",
	    MXQ_EXIT_TEMP },
	[MXQ_EBOGUS] = { "bogus", "DNSSEC validation failed (bogus)",
	    MXQ_EXIT_TEMP },
	[MXQ_EMALFORMED] = { "malformed", "malformed reply", MXQ_EXIT_TEMP },
	[MXQ_EUNREACH] = { "unreachable", "could not contact any server",
	    MXQ_EXIT_TEMP },
	[MXQ_ELIMIT] = { "limit", "resource limit reached", MXQ_EXIT_TEMP },
	[MXQ_EUSAGE] = { "usage", "usage error", MXQ_EXIT_USAGE },
	[MXQ_EINVAL] = { "invalid", "invalid domain name", MXQ_EXIT_USAGE },
	[MXQ_ENOMEM] = { "nomem", "out of memory", MXQ_EXIT_INTERNAL },
	[MXQ_EIO] = { "io", "write error", MXQ_EXIT_INTERNAL },
	[MXQ_EINTERNAL] = { "internal", "internal error", MXQ_EXIT_INTERNAL },
};

const char *
status_name(enum mxq_status st)
{
	if ((unsigned)st >= MXQ_STATUS_COUNT)
		return "internal";
	return table[st].name;
}

const char *
status_message(enum mxq_status st)
{
	if ((unsigned)st >= MXQ_STATUS_COUNT)
		return "internal error";
	return table[st].message;
}

enum mxq_exit
status_exit_code(enum mxq_status st)
{
	if ((unsigned)st >= MXQ_STATUS_COUNT)
		return MXQ_EXIT_INTERNAL;
	return table[st].exit;
}

static int
seriousness(enum mxq_exit e)
{
	switch (e) {
	case MXQ_EXIT_ROUTE:
		return 0;
	case MXQ_EXIT_PROBLEMS:
		return 1;	/* a route with problems: less than none */
	case MXQ_EXIT_NOROUTE:
		return 2;
	case MXQ_EXIT_TEMP:
		return 3;
	case MXQ_EXIT_USAGE:
		return 4;
	case MXQ_EXIT_INTERNAL:
		return 5;
	}
	return 5;
}

enum mxq_exit
status_exit_worst(enum mxq_exit a, enum mxq_exit b)
{
	return seriousness(a) >= seriousness(b) ? a : b;
}

int
status_is_temporary(enum mxq_status st)
{
	return status_exit_code(st) == MXQ_EXIT_TEMP;
}
