/* The DNS transport: one c-ares channel and its event loop. */
#ifndef MXQ_RESOLVER_H
#define MXQ_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#include "mxq/cli.h"
#include "mxq/status.h"
#include "mxq/wire.h"

struct resolver;

/*
 * Called once per query.  st is MXQ_OK with the raw reply in buf/len
 * (any RCODE: the caller reads it), or MXQ_ETIMEOUT, MXQ_EUNREACH,
 * MXQ_EMALFORMED, MXQ_ENOMEM with no buffer.  buf is valid only during
 * the call.
 */
typedef void resolver_cb(void *arg, enum mxq_status st, const uint8_t *buf,
    size_t len);

struct resolver_stats {
	unsigned long queries;		/* questions asked (first tries) */
	unsigned long retries;		/* tries after a timeout */
	unsigned long tcp;		/* TCP connections opened */
};

/*
 * Create the channel: servers from the options (or /etc/resolv.conf),
 * explicit timeout and tries, no search list, no hosts file, EDNS.
 * MXQ_EUSAGE when c-ares refuses the servers, MXQ_ENOMEM, MXQ_EINTERNAL;
 * a message is printed on stderr.
 */
enum mxq_status resolver_new(const struct mxq_opts *o, struct resolver **out);

/* Cancel what is pending (callbacks are not called) and free.  NULL ok. */
void resolver_free(struct resolver *r);

/*
 * Ask (name, type, IN).  cb is called exactly once, from inside
 * resolver_wait() or, for a local failure, before this returns.
 */
enum mxq_status resolver_send(struct resolver *r, const struct wire_name *name,
    uint16_t type, resolver_cb *cb, void *arg);

/*
 * Wait for network events or the next timeout and process them, calling
 * the callbacks that are due.  When extra_fd >= 0, also wake up when it
 * becomes readable and say so in *extra_ready.  Returns at once when
 * nothing is pending and there is no extra_fd.  When every server
 * refuses a query, every query in flight fails with MXQ_EUNREACH.
 */
enum mxq_status resolver_wait(struct resolver *r, int extra_fd,
    int *extra_ready);

/* Queries sent and not yet answered. */
size_t resolver_pending(const struct resolver *r);

/* "ADDR#PORT" of the first server in use (static storage of r). */
const char *resolver_server(const struct resolver *r);

void resolver_get_stats(const struct resolver *r, struct resolver_stats *s);

/* Version string of the c-ares in use. */
const char *resolver_version(void);

#endif
