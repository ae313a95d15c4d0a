/*
 * c-ares channel, servers and the poll loop: the only file that includes
 * <ares.h>.  Version quirks of c-ares stay in here (CARES-NOTES.md).
 */
#define CARES_NO_DEPRECATED 1	/* ares_send & co. are deprecated in 1.28 */

#include <sys/random.h>
#include <sys/select.h>		/* c-ares 1.18's ares.h needs fd_set */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ares.h>

#include "mxq/msg.h"
#include "mxq/resolver.h"

#define RESOLVER_EDNS_SIZE 1232
#define RESOLVER_RCVBUF (4 * 1024 * 1024)
#define RESOLVER_RETRANSMIT_MS 250	/* shortest wait before a copy */

struct resolver {
	ares_channel channel;
	uint8_t idpool[256];		/* random bytes for query IDs */
	size_t idleft;
	struct pollfd *fds;
	size_t nfds, capfds;
	size_t pending;
	int tries;
	int refused;			/* a query found no server listening */
	int cancelling;
	struct resolver_stats stats;
	char server[80];
};

/* One question in flight, kept across our own retries. */
struct rquery {
	struct resolver *r;
	resolver_cb *cb;
	void *arg;
	int tries_left;
	size_t qlen;
	uint8_t qbuf[12 + WIRE_NAME_MAX + 4 + 11];
};

/*
 * One try of --timeout, sent more than once.  c-ares 1.18 doubles the
 * timeout at every round of its own tries and keeps the query ID, so an
 * answer to any copy counts: with k rounds starting at timeout / (2^k - 1)
 * the try lasts exactly --timeout, and a lost packet costs a fraction of
 * it (2 s: copies at 0, 0.29 and 0.86 s) instead of all of it.  Copies are
 * never sooner than RESOLVER_RETRANSMIT_MS apart, so a slow resolver is not
 * flooded.  Our own loop (on_reply) makes the --tries tries.
 */
static void
retransmits(int timeout_ms, int *first_ms, int *rounds)
{
	int k = 1;

	while (k < 4 && timeout_ms / ((1 << (k + 1)) - 1) >=
	    RESOLVER_RETRANSMIT_MS)
		k++;
	*rounds = k;
	*first_ms = timeout_ms / ((1 << k) - 1);
	if (*first_ms < 1)
		*first_ms = 1;
}

static void
sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolver *r = data;
	size_t i;

	for (i = 0; i < r->nfds; i++)
		if (r->fds[i].fd == fd)
			break;
	if (!readable && !writable) {
		if (i < r->nfds)
			r->fds[i] = r->fds[--r->nfds];
		return;
	}
	if (i == r->nfds) {
		if (r->nfds == r->capfds) {
			size_t cap = r->capfds ? r->capfds * 2 : 8;
			struct pollfd *grown;

			grown = realloc(r->fds, cap * sizeof(*grown));
			if (grown == NULL)
				return;	/* ares_timeout still drives it */
			r->fds = grown;
			r->capfds = cap;
		}
		r->nfds++;
		r->fds[i].fd = fd;
	}
	r->fds[i].events = (short)((readable ? POLLIN : 0) |
	    (writable ? POLLOUT : 0));
	r->fds[i].revents = 0;
}

static int
socket_cb(ares_socket_t fd, int type, void *data)
{
	struct resolver *r = data;

	(void)fd;
	if (type == SOCK_STREAM)
		r->stats.tcp++;
	return ARES_SUCCESS;
}

static enum mxq_status
map_status(int status)
{
	switch (status) {
	case ARES_ETIMEOUT:
		return MXQ_ETIMEOUT;
	case ARES_EBADRESP:
		return MXQ_EMALFORMED;
	case ARES_ENOMEM:
		return MXQ_ENOMEM;
	case ARES_ECONNREFUSED:
	case ARES_ESERVFAIL:	/* only without NOCHECKRESP */
	case ARES_EREFUSED:
	default:
		return MXQ_EUNREACH;
	}
}

/*
 * A fresh random query ID in the copy we hand to ares_send.  c-ares 1.18
 * sends the caller's ID as it is (1.28 and later choose their own): left
 * at 0, every query would carry ID 0, and an off-path forger would only
 * have to guess the port.
 */
static void
set_query_id(struct resolver *r, uint8_t *qbuf)
{
	if (r->idleft < 2) {
		ssize_t n = getrandom(r->idpool, sizeof(r->idpool), 0);

		if (n < 2) {
			/* No entropy source: still never a constant. */
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			r->idpool[0] = (uint8_t)(ts.tv_nsec >> 8);
			r->idpool[1] = (uint8_t)(ts.tv_nsec ^ (long)r->stats.queries);
			n = 2;
		}
		r->idleft = (size_t)n;
	}
	r->idleft -= 2;
	qbuf[0] = r->idpool[r->idleft];
	qbuf[1] = r->idpool[r->idleft + 1];
}

static void
on_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct rquery *q = arg;
	struct resolver *r = q->r;

	(void)timeouts;
	if (status == ARES_ECANCELLED && r->cancelling) {
		/* Cut short because the servers refuse: say so. */
		r->pending--;
		q->cb(q->arg, MXQ_EUNREACH, NULL, 0);
		free(q);
		return;
	}
	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
		/* Teardown: nobody is waiting any more. */
		r->pending--;
		free(q);
		return;
	}
	/*
	 * The channel's rounds make one try (see retransmits()); further
	 * tries are ours, so that each waits --timeout and no more.
	 */
	if (status == ARES_ETIMEOUT && --q->tries_left > 0) {
		r->stats.retries++;
		set_query_id(r, q->qbuf);
		ares_send(r->channel, q->qbuf, (int)q->qlen, on_reply, q);
		return;
	}
	r->pending--;
	if (status == ARES_ECONNREFUSED)
		r->refused = 1;
	/*
	 * With ARES_FLAG_NOCHECKRESP every reply comes back with its
	 * buffer, whatever its RCODE: the caller reads the RCODE itself.
	 */
	if (abuf != NULL && alen > 0)
		q->cb(q->arg, MXQ_OK, abuf, (size_t)alen);
	else
		q->cb(q->arg, status == ARES_SUCCESS ? MXQ_EMALFORMED :
		    map_status(status), NULL, 0);
	free(q);
}

static enum mxq_status
set_servers(struct resolver *r, const struct mxq_opts *o)
{
	char csv[CLI_MAX_SERVERS * 56 + 1], one[64];
	size_t i, off = 0;
	int rc;

	csv[0] = '\0';
	for (i = 0; i < o->nservers; i++) {
		const struct cli_server *s = &o->servers[i];
		char a[80];
		int port = s->port != 0 ? s->port : o->port;

		/* Canonical forms only: c-ares parses loosely. */
		cli_server_text(s, port, one, sizeof(one));
		*strchr(one, '#') = '\0';
		if (s->family == 6)
			snprintf(a, sizeof(a), "[%s]:%d", one, port);
		else
			snprintf(a, sizeof(a), "%s:%d", one, port);
		off += (size_t)snprintf(csv + off, sizeof(csv) - off, "%s%s",
		    i > 0 ? "," : "", a);
	}
	rc = ares_set_servers_ports_csv(r->channel, csv);
	if (rc != ARES_SUCCESS) {
		msg_err("servers '%s': %s", csv, ares_strerror(rc));
		return rc == ARES_ENOMEM ? MXQ_ENOMEM : MXQ_EUSAGE;
	}
	cli_server_text(&o->servers[0], o->servers[0].port != 0 ?
	    o->servers[0].port : o->port, r->server, sizeof(r->server));
	return MXQ_OK;
}

/*
 * The servers c-ares took from /etc/resolv.conf: noted for display and,
 * when --port was given, moved to that port (as dig -p does).
 */
static enum mxq_status
default_servers(struct resolver *r, const struct mxq_opts *o)
{
	struct ares_addr_port_node *list = NULL, *n;
	char csv[CLI_MAX_SERVERS * 56 + 1], a[64];
	size_t off = 0, count = 0;
	int rc;

	snprintf(r->server, sizeof(r->server), "resolv.conf");
	if (ares_get_servers_ports(r->channel, &list) != ARES_SUCCESS ||
	    list == NULL)
		return MXQ_OK;
	csv[0] = '\0';
	for (n = list; n != NULL && count < CLI_MAX_SERVERS; n = n->next) {
		int port = o->port != 53 ? o->port :
		    n->udp_port != 0 ? n->udp_port : 53;

		if (inet_ntop(n->family, &n->addr, a, sizeof(a)) == NULL)
			continue;
		if (count == 0)
			snprintf(r->server, sizeof(r->server), "%s#%d", a,
			    port);
		off += (size_t)snprintf(csv + off, sizeof(csv) - off,
		    n->family == AF_INET6 ? "%s[%s]:%d" : "%s%s:%d",
		    count > 0 ? "," : "", a, port);
		count++;
	}
	ares_free_data(list);
	if (o->port == 53 || count == 0)
		return MXQ_OK;
	rc = ares_set_servers_ports_csv(r->channel, csv);
	if (rc != ARES_SUCCESS) {
		msg_err("servers '%s': %s", csv, ares_strerror(rc));
		return rc == ARES_ENOMEM ? MXQ_ENOMEM : MXQ_EUSAGE;
	}
	return MXQ_OK;
}

enum mxq_status
resolver_new(const struct mxq_opts *o, struct resolver **out)
{
	struct ares_options opts;
	struct resolver *r;
	char lookups[] = "b";
	enum mxq_status st;
	int mask, rc;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return MXQ_ENOMEM;
	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		free(r);
		msg_err("c-ares: %s", ares_strerror(rc));
		return MXQ_EINTERNAL;
	}
	memset(&opts, 0, sizeof(opts));
	/*
	 * Always explicit flags: NOCHECKRESP, or SERVFAIL and REFUSED
	 * come back as "could not contact DNS servers"; newer c-ares
	 * turns EDNS on only when no flags are given.
	 */
	opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH |
	    ARES_FLAG_EDNS | (o->tcp ? ARES_FLAG_USEVC : 0);
	retransmits(o->timeout_ms, &opts.timeout, &opts.tries);
	opts.ndomains = 0;
	opts.domains = NULL;
	opts.lookups = lookups;
	opts.sock_state_cb = sock_state_cb;
	opts.sock_state_cb_data = r;
	/* Without EDNSPSZ >= our OPT size, answers over 512 go to TCP. */
	opts.ednspsz = RESOLVER_EDNS_SIZE;
	/*
	 * A window of answers arriving at once overflows the default
	 * receive buffer (212 KB here): each loss then costs a timeout.
	 * The kernel caps this at net.core.rmem_max.
	 */
	opts.socket_receive_buffer_size = RESOLVER_RCVBUF;
	mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS | ARES_OPT_SOCK_STATE_CB |
	    ARES_OPT_EDNSPSZ | ARES_OPT_SOCK_RCVBUF;
	if (o->resolv_conf != NULL) {
		opts.resolvconf_path = (char *)o->resolv_conf;
		mask |= ARES_OPT_RESOLVCONF;
	}
#if defined(ARES_OPT_QUERY_CACHE)
	/* c-ares 1.31+ caches answers by default: we count every query. */
	opts.qcache_max_ttl = 0;
	mask |= ARES_OPT_QUERY_CACHE;
#endif
	rc = ares_init_options(&r->channel, &opts, mask);
	if (rc != ARES_SUCCESS) {
		msg_err("c-ares: %s", ares_strerror(rc));
		ares_library_cleanup();
		free(r);
		return rc == ARES_ENOMEM ? MXQ_ENOMEM : MXQ_EINTERNAL;
	}
	ares_set_socket_callback(r->channel, socket_cb, r);
	r->tries = o->tries;
	if (o->nservers > 0) {
		st = set_servers(r, o);
		if (st != MXQ_OK) {
			resolver_free(r);
			return st;
		}
	} else {
		st = default_servers(r, o);
		if (st != MXQ_OK) {
			resolver_free(r);
			return st;
		}
	}
	*out = r;
	return MXQ_OK;
}

void
resolver_free(struct resolver *r)
{
	if (r == NULL)
		return;
	ares_destroy(r->channel);
	ares_library_cleanup();
	free(r->fds);
	free(r);
}

enum mxq_status
resolver_send(struct resolver *r, const struct wire_name *name, uint16_t type,
    resolver_cb *cb, void *arg)
{
	struct rquery *q;
	enum mxq_status st;

	q = malloc(sizeof(*q));
	if (q == NULL)
		return MXQ_ENOMEM;
	q->r = r;
	q->cb = cb;
	q->arg = arg;
	q->tries_left = r->tries;
	/*
	 * Our own query bytes: c-ares 1.18 would send a name's raw bytes
	 * and misread \DDD, and exchanges may hold any octet.
	 */
	st = wire_build_query(name, type, RESOLVER_EDNS_SIZE, q->qbuf,
	    sizeof(q->qbuf), &q->qlen);
	if (st != MXQ_OK) {
		free(q);
		return st;
	}
	r->pending++;
	r->stats.queries++;
	set_query_id(r, q->qbuf);
	ares_send(r->channel, q->qbuf, (int)q->qlen, on_reply, q);
	return MXQ_OK;
}

/*
 * Every server refused one query (ICMP port unreachable on loopback,
 * say).  On a connected UDP socket the error may reach the next send
 * instead of the query it belongs to, which would then wait its whole
 * timeout: fail everything in flight at once instead.
 */
static void
fail_refused(struct resolver *r)
{
	r->refused = 0;
	r->cancelling = 1;
	ares_cancel(r->channel);
	r->cancelling = 0;
}

enum mxq_status
resolver_wait(struct resolver *r, int extra_fd, int *extra_ready)
{
	struct pollfd *ready = NULL;
	struct timeval tv, *tvp;
	size_t i, n;
	int ms, rc;

	if (extra_ready != NULL)
		*extra_ready = 0;
	if (r->refused) {
		/* Noticed while sending, outside this loop. */
		fail_refused(r);
		return MXQ_OK;
	}
	if (r->pending == 0 && extra_fd < 0)
		return MXQ_OK;
	tvp = ares_timeout(r->channel, NULL, &tv);
	ms = tvp == NULL ? (r->pending == 0 ? -1 : 1000) :
	    (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);
	n = r->nfds;
	/* Callbacks may change r->fds while we walk the results. */
	ready = malloc((n + 1) * sizeof(*ready));
	if (ready == NULL)
		return MXQ_ENOMEM;
	if (n > 0)
		memcpy(ready, r->fds, n * sizeof(*ready));
	if (extra_fd >= 0) {
		ready[n].fd = extra_fd;
		ready[n].events = POLLIN;
		ready[n].revents = 0;
	}
	rc = poll(ready, (nfds_t)(n + (extra_fd >= 0)), ms);
	if (rc > 0 && extra_fd >= 0 && ready[n].revents != 0 &&
	    extra_ready != NULL)
		*extra_ready = 1;
	if (rc < 0 && errno != EINTR) {
		free(ready);
		msg_err("poll: %s", strerror(errno));
		return MXQ_EINTERNAL;
	}
	for (i = 0; rc > 0 && i < n; i++) {
		short ev = ready[i].revents;

		if (ev == 0)
			continue;
		ares_process_fd(r->channel,
		    ev & (POLLIN | POLLERR | POLLHUP) ? ready[i].fd :
		    ARES_SOCKET_BAD,
		    ev & POLLOUT ? ready[i].fd : ARES_SOCKET_BAD);
	}
	free(ready);
	/* Timeouts and retransmissions. */
	ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	if (r->refused)
		fail_refused(r);
	return MXQ_OK;
}

size_t
resolver_pending(const struct resolver *r)
{
	return r->pending;
}

const char *
resolver_server(const struct resolver *r)
{
	return r->server;
}

void
resolver_get_stats(const struct resolver *r, struct resolver_stats *s)
{
	*s = r->stats;
}

const char *
resolver_version(void)
{
	return ares_version(NULL);
}
