/*
 * The DNS transport: servers, UDP sockets, TCP connections, tries, and
 * the poll loop.  The only file that includes <ares.h>: c-ares reads the
 * system's resolv.conf (read_resolv_conf), as it does for every program
 * built on it.
 *
 * Queries are sent and matched here rather than by c-ares: its legacy
 * API (the one 1.18 has) keeps one UDP socket per server for the whole
 * run (one source port), forgets a query's ID when a try times out (a
 * late answer is then dropped), compares the question without regard to
 * letter case and ends the query on the first match (a forged reply in
 * the wrong case would end it), gives a TCP retry only the remainder of
 * a doubled UDP timeout, fails every query of a server after one socket
 * error, and switches EDNS off for the whole channel after one FORMERR.
 * Each of those is a wrong answer under real conditions; each is a few
 * lines here, and behaves the same whatever c-ares version is installed.
 */
#define CARES_NO_DEPRECATED 1	/* ares_get_servers_ports is, from 1.28 */

#include <sys/random.h>
#include <sys/select.h>		/* c-ares 1.18's ares.h needs fd_set */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ares.h>

#include "mxq/msg.h"
#include "mxq/resolver.h"

/* Shortest wait before another copy of a query within a try. */
#define RESOLVER_RETRANSMIT_MS	250
/* Copies of a query within one try, at most. */
#define RESOLVER_COPIES_MAX	4
/*
 * Questions a UDP socket carries before a new one (a new source port)
 * takes over.  A socket per question would cost a socket(), connect()
 * and close() each (measured: 3.6 us a query on loopback, against 1.9
 * for the whole exchange on a shared socket); eight share the cost.
 */
#define RESOLVER_SOCKET_USES	8
#define RESOLVER_IDS		(2 * RESOLVER_MAX_TRIES + 2)
#define RESOLVER_TCP_MAX_MSG	65535
#define RESOLVER_RANDOM_POOL	4096

struct query;

struct server {
	struct resolver_server cfg;
	char text[INET6_ADDRSTRLEN + 8];	/* "ADDR#PORT" */
	int no_edns;			/* answered FORMERR to EDNS */
	struct usock *current;		/* the UDP socket taking questions */
	struct conn *conn;		/* its TCP connection, or NULL */
};

/* A UDP socket connected to one server, shared by a few questions. */
struct usock {
	struct usock *next;
	int fd;
	int server;
	unsigned uses;			/* questions it has taken */
	struct query *users[RESOLVER_SOCKET_USES];
	unsigned nusers;		/* of them, still open */
	int dead;			/* refused: take nothing more */
};

/* A TCP connection to one server, queries pipelined. */
struct conn {
	struct conn *next;
	int fd;
	int server;
	int connected;
	int dead;
	uint8_t *out;			/* length-prefixed queries to write */
	size_t outlen, outoff, outcap;
	uint8_t *in;			/* one length-prefixed message */
	size_t inlen;
	struct query **users;
	size_t nusers, capusers;
};

/* The question at one server. */
struct leg {
	int server;
	struct usock *sock;		/* UDP socket used there, or NULL */
	uint16_t ids[RESOLVER_IDS];	/* every ID sent there */
	unsigned nids;
	unsigned tries;			/* tries made there */
	int tcp;			/* asking over TCP there */
	int done;			/* nothing more to ask there */
	int refused;			/* ... because it refused */
};

struct query {
	double deadline;		/* next timer, ms: first, the heap */
	size_t heap;			/* reads these two */
	struct resolver *r;
	resolver_cb *cb;
	void *arg;
	uint16_t type;
	unsigned flags;			/* WIRE_QUERY_* */
	unsigned cur;			/* the leg being asked */
	unsigned tries;
	unsigned notes;
	int edns;			/* this try carries OPT */
	int advance;			/* at the next timer: the next try */
	int copies, ncopies;		/* UDP copies sent and due in this try */
	double gap;			/* wait after the first copy, ms */
	size_t out;			/* 1 + its place in r->out, or 0 */
	uint8_t *err;			/* the last error reply, kept for when */
	size_t errlen;			/* no other server does better */
	int errserver;
	size_t qlen;
	/* The query as sent: the name at offset 12 in mixed letter case. */
	uint8_t qbuf[WIRE_QUERY_MAX];
	struct wire_name asked;		/* the name as the caller asked it */
	unsigned nlegs;
	struct leg legs[];		/* one per server asked */
};

/*
 * Servers live in blocks that never move, so that a pointer to one stays
 * good while a callback adds more (--ns adds every name server it
 * finds); a hash of their addresses finds one that is already there.
 */
#define SERVER_BLOCK	256

struct resolver {
	struct resolver_config cfg;
	struct server **blocks;
	size_t nblocks;
	uint32_t *hash;			/* 1 + server index, 0: free slot */
	size_t hashcap;			/* a power of two */
	size_t nservers;		/* configured */
	size_t nall;			/* configured and chosen */
	struct usock *socks;
	struct conn *conns;
	struct query **heap;
	size_t nheap, capheap;
	struct query **out;		/* datagrams to send before waiting */
	size_t nout, capout;
	uint8_t pool[RESOLVER_RANDOM_POOL];
	size_t poolleft;
	struct pollfd *pfd;		/* polled: sockets, connections, extra */
	void **pobj;			/* the socket or connection of each */
	size_t cappfd;
	int wake_fd;			/* resolver_set_wake, or -1 */
	void (*wake_fn)(void *);
	void *wake_arg;
	uint8_t buf[RESOLVER_TCP_MAX_MSG + 1];
	struct resolver_stats stats;
};

static void next_try(struct query *q);
static void start_try(struct query *q, struct leg *l, int count);
static void usock_refused(struct resolver *r, struct usock *u);

double
resolver_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- randomness -------------------------------------------------------- */

static void
random_bytes(struct resolver *r, uint8_t *out, size_t n)
{
	if (r->poolleft < n) {
		ssize_t got = getrandom(r->pool, sizeof(r->pool), 0);

		if (got < (ssize_t)n) {
			/* No entropy source: still never a constant. */
			struct timespec ts;
			size_t i;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			for (i = 0; i < sizeof(r->pool); i++)
				r->pool[i] = (uint8_t)(ts.tv_nsec >> (i % 24) ^
				    (long)i * 131 ^ (long)r->stats.datagrams);
			got = (ssize_t)sizeof(r->pool);
		}
		r->poolleft = (size_t)got;
	}
	r->poolleft -= n;
	memcpy(out, r->pool + r->poolleft, n);
}

/* ---- the timer heap ---------------------------------------------------- */

static void
heap_swap(struct resolver *r, size_t a, size_t b)
{
	struct query *t = r->heap[a];

	r->heap[a] = r->heap[b];
	r->heap[b] = t;
	r->heap[a]->heap = a;
	r->heap[b]->heap = b;
}

static void
heap_fix(struct resolver *r, size_t i)
{
	while (i > 0 && r->heap[(i - 1) / 2]->deadline > r->heap[i]->deadline) {
		heap_swap(r, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t c = 2 * i + 1, m = i;

		if (c < r->nheap && r->heap[c]->deadline < r->heap[m]->deadline)
			m = c;
		if (c + 1 < r->nheap &&
		    r->heap[c + 1]->deadline < r->heap[m]->deadline)
			m = c + 1;
		if (m == i)
			return;
		heap_swap(r, i, m);
		i = m;
	}
}

static enum mxq_status
heap_push(struct resolver *r, struct query *q)
{
	if (r->nheap == r->capheap) {
		size_t cap = r->capheap ? r->capheap * 2 : 64;
		struct query **grown = realloc(r->heap, cap * sizeof(*grown));

		if (grown == NULL)
			return MXQ_ENOMEM;
		r->heap = grown;
		r->capheap = cap;
	}
	q->heap = r->nheap;
	r->heap[r->nheap++] = q;
	heap_fix(r, q->heap);
	return MXQ_OK;
}

static void
heap_remove(struct resolver *r, struct query *q)
{
	size_t i = q->heap;

	if (i >= r->nheap || r->heap[i] != q)
		return;
	if (i != --r->nheap) {
		r->heap[i] = r->heap[r->nheap];
		r->heap[i]->heap = i;
		heap_fix(r, i);
	}
	q->heap = (size_t)-1;
}

static void
set_timer(struct query *q, double at)
{
	q->deadline = at;
	heap_fix(q->r, q->heap);
}

/* ---- servers ----------------------------------------------------------- */

static void
server_text(struct server *s)
{
	char a[INET6_ADDRSTRLEN] = "?";
	const struct sockaddr_storage *ss = &s->cfg.addr;
	int port;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
	}
	snprintf(s->text, sizeof(s->text), "%s#%d", a, port);
}

static int
same_addr(const struct sockaddr_storage *a, socklen_t alen,
    const struct sockaddr *b, socklen_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

static struct server *
srv(const struct resolver *r, size_t i)
{
	return &r->blocks[i / SERVER_BLOCK][i % SERVER_BLOCK];
}

/* Room for server i: its block, allocated when it is the first. */
static enum mxq_status
server_room(struct resolver *r, size_t i)
{
	struct server **grown;

	if (i / SERVER_BLOCK < r->nblocks)
		return MXQ_OK;
	grown = realloc(r->blocks, (r->nblocks + 1) * sizeof(*grown));
	if (grown == NULL)
		return MXQ_ENOMEM;
	r->blocks = grown;
	grown[r->nblocks] = calloc(SERVER_BLOCK, sizeof(**grown));
	if (grown[r->nblocks] == NULL)
		return MXQ_ENOMEM;
	r->nblocks++;
	return MXQ_OK;
}

/* FNV-1a over the address bytes, port included. */
static uint32_t
addr_hash(const struct sockaddr *sa, socklen_t len)
{
	const uint8_t *p = (const uint8_t *)sa;
	uint32_t h = 2166136261u;
	socklen_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void
hash_put(struct resolver *r, size_t index)
{
	const struct server *s = srv(r, index);
	size_t k = addr_hash((const struct sockaddr *)&s->cfg.addr,
	    s->cfg.addrlen) & (r->hashcap - 1);

	while (r->hash[k] != 0)
		k = (k + 1) & (r->hashcap - 1);
	r->hash[k] = (uint32_t)index + 1;
}

/* Keep the hash at most half full: rebuild it twice the size. */
static enum mxq_status
hash_room(struct resolver *r)
{
	size_t cap = r->hashcap ? r->hashcap * 2 : 64, i;
	uint32_t *h;

	if (2 * (r->nall + 1) <= r->hashcap)
		return MXQ_OK;
	h = calloc(cap, sizeof(*h));
	if (h == NULL)
		return MXQ_ENOMEM;
	free(r->hash);
	r->hash = h;
	r->hashcap = cap;
	for (i = 0; i < r->nall; i++)
		hash_put(r, i);
	return MXQ_OK;
}

/*
 * The nameservers of a resolv.conf file, as c-ares reads them: c-ares
 * is the resolver library of record here, and its reading of the file
 * (options, IPv6 scopes, the localhost default when none is listed) is
 * the one every c-ares program shares.
 */
static enum mxq_status
read_resolv_conf(const struct resolver_config *cfg, struct resolver *r)
{
	struct ares_addr_port_node *list = NULL, *n;
	struct ares_options opts;
	ares_channel channel;
	char lookups[] = "b";
	int rc, mask = ARES_OPT_FLAGS | ARES_OPT_LOOKUPS | ARES_OPT_DOMAINS;

	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		msg_err("c-ares: %s", ares_strerror(rc));
		return MXQ_EINTERNAL;
	}
	memset(&opts, 0, sizeof(opts));
	opts.flags = ARES_FLAG_NOSEARCH;
	opts.lookups = lookups;
	if (cfg->resolv_conf != NULL) {
		opts.resolvconf_path = (char *)cfg->resolv_conf;
		mask |= ARES_OPT_RESOLVCONF;
	}
	rc = ares_init_options(&channel, &opts, mask);
	if (rc != ARES_SUCCESS) {
		msg_err("resolv.conf: %s", ares_strerror(rc));
		ares_library_cleanup();
		return rc == ARES_ENOMEM ? MXQ_ENOMEM : MXQ_EINTERNAL;
	}
	if (ares_get_servers_ports(channel, &list) == ARES_SUCCESS)
		for (n = list; n != NULL && r->nservers < RESOLVER_MAX_SERVERS;
		    n = n->next) {
			struct server *s = srv(r, r->nservers);
			int port = cfg->port != 53 ? cfg->port :
			    n->udp_port != 0 ? n->udp_port : 53;

			memset(s, 0, sizeof(*s));
			if (n->family == AF_INET) {
				struct sockaddr_in *s4 = (void *)&s->cfg.addr;

				s4->sin_family = AF_INET;
				s4->sin_port = htons((uint16_t)port);
				memcpy(&s4->sin_addr, &n->addr.addr4, 4);
				s->cfg.addrlen = sizeof(*s4);
			} else if (n->family == AF_INET6) {
				struct sockaddr_in6 *s6 = (void *)&s->cfg.addr;

				s6->sin6_family = AF_INET6;
				s6->sin6_port = htons((uint16_t)port);
				memcpy(&s6->sin6_addr, &n->addr.addr6, 16);
				s->cfg.addrlen = sizeof(*s6);
			} else {
				continue;
			}
			server_text(s);
			r->nservers++;
		}
	ares_free_data(list);
	ares_destroy(channel);
	ares_library_cleanup();
	return MXQ_OK;
}

enum mxq_status
resolver_new(const struct resolver_config *cfg, struct resolver **out)
{
	struct resolver *r;
	enum mxq_status st;
	size_t i;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return MXQ_ENOMEM;
	r->cfg = *cfg;
	r->wake_fd = -1;
	/* RESOLVER_MAX_SERVERS fit in the first block. */
	if (server_room(r, 0) != MXQ_OK) {
		resolver_free(r);
		return MXQ_ENOMEM;
	}
	if (cfg->nservers > 0) {
		for (i = 0; i < cfg->nservers && i < RESOLVER_MAX_SERVERS;
		    i++) {
			srv(r, i)->cfg = cfg->servers[i];
			server_text(srv(r, i));
		}
		r->nservers = i;
	} else if ((st = read_resolv_conf(cfg, r)) != MXQ_OK) {
		resolver_free(r);
		return st;
	}
	if (r->nservers == 0) {
		msg_err("%s: no nameserver to ask", cfg->resolv_conf != NULL ?
		    cfg->resolv_conf : "/etc/resolv.conf");
		resolver_free(r);
		return MXQ_EUSAGE;
	}
	r->nall = 0;
	for (i = 0; i < r->nservers; i++) {
		if (hash_room(r) != MXQ_OK) {
			resolver_free(r);
			return MXQ_ENOMEM;
		}
		hash_put(r, i);
		r->nall++;
	}
	if (r->cfg.tries < 1)
		r->cfg.tries = 1;
	if (r->cfg.tries > RESOLVER_MAX_TRIES)
		r->cfg.tries = RESOLVER_MAX_TRIES;
	*out = r;
	return MXQ_OK;
}

enum mxq_status
resolver_server_add(struct resolver *r, const struct sockaddr *sa,
    socklen_t len, int *index)
{
	struct server *s;
	size_t k;

	if (len > sizeof(s->cfg.addr) ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return MXQ_EINTERNAL;
	for (k = addr_hash(sa, len) & (r->hashcap - 1); r->hash[k] != 0;
	    k = (k + 1) & (r->hashcap - 1)) {
		s = srv(r, r->hash[k] - 1);
		if (same_addr(&s->cfg.addr, s->cfg.addrlen, sa, len)) {
			*index = (int)(r->hash[k] - 1);
			return MXQ_OK;
		}
	}
	if (r->nall - r->nservers >= RESOLVER_MAX_CHOSEN)
		return MXQ_ELIMIT;
	if (server_room(r, r->nall) != MXQ_OK || hash_room(r) != MXQ_OK)
		return MXQ_ENOMEM;
	s = srv(r, r->nall);
	memset(s, 0, sizeof(*s));
	memcpy(&s->cfg.addr, sa, len);
	s->cfg.addrlen = len;
	server_text(s);
	hash_put(r, r->nall);
	*index = (int)r->nall++;
	return MXQ_OK;
}

/* ---- UDP sockets ------------------------------------------------------- */

static struct usock *
usock_open(struct resolver *r, int server)
{
	struct server *s = srv(r, server);
	struct usock *u;
	int fd;

	fd = socket(s->cfg.addr.ss_family,
	    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	/*
	 * A connected socket hears only its server (the kernel drops
	 * datagrams from any other address or port) and gets the ICMP
	 * errors meant for it alone.  The kernel picks a random port.
	 */
	if (connect(fd, (const struct sockaddr *)&s->cfg.addr,
	    s->cfg.addrlen) != 0) {
		close(fd);
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (u == NULL) {
		close(fd);
		return NULL;
	}
	u->fd = fd;
	u->server = server;
	u->next = r->socks;
	r->socks = u;
	r->stats.sockets++;
	return u;
}

/* A socket for q's leg l: the server's current one, or a new one. */
static struct usock *
usock_take(struct query *q, struct leg *l)
{
	struct resolver *r = q->r;
	struct server *s = srv(r, l->server);
	struct usock *u = s->current;

	if (u == NULL || u->dead || u->uses >= RESOLVER_SOCKET_USES) {
		u = usock_open(r, l->server);
		s->current = u;
		if (u == NULL)
			return NULL;
	}
	u->users[u->nusers++] = q;
	if (++u->uses >= RESOLVER_SOCKET_USES)
		s->current = NULL;	/* retired: the next one takes over */
	return u;
}

static void
usock_release(struct usock *u, struct query *q)
{
	unsigned i;

	for (i = 0; i < u->nusers; i++)
		if (u->users[i] == q) {
			u->users[i] = u->users[--u->nusers];
			return;
		}
}

/* Close sockets and connections that nobody needs any more. */
static void
reap(struct resolver *r)
{
	struct usock **up = &r->socks, *u;
	struct conn **cp = &r->conns, *c;

	while ((u = *up) != NULL) {
		if (u->nusers == 0 &&
		    (u->dead || u != srv(r, u->server)->current)) {
			if (srv(r, u->server)->current == u)
				srv(r, u->server)->current = NULL;
			*up = u->next;
			close(u->fd);
			free(u);
		} else {
			up = &u->next;
		}
	}
	while ((c = *cp) != NULL) {
		if (c->dead && c->nusers == 0) {
			*cp = c->next;
			close(c->fd);
			free(c->out);
			free(c->in);
			free(c->users);
			free(c);
		} else {
			cp = &c->next;
		}
	}
}

/* ---- ending a question ------------------------------------------------- */

static struct leg *
leg_of(struct query *q, int server)
{
	unsigned i;

	for (i = 0; i < q->nlegs; i++)
		if (q->legs[i].server == server)
			return &q->legs[i];
	return NULL;
}

static void
conn_release(struct conn *c, struct query *q)
{
	size_t i;

	for (i = 0; i < c->nusers; i++)
		if (c->users[i] == q) {
			c->users[i] = c->users[--c->nusers];
			return;
		}
}

static void
detach(struct query *q)
{
	struct resolver *r = q->r;
	unsigned i;

	heap_remove(r, q);
	if (q->out != 0)
		r->out[q->out - 1] = NULL;
	for (i = 0; i < q->nlegs; i++) {
		struct leg *l = &q->legs[i];
		struct conn *c = srv(r, l->server)->conn;

		if (l->sock != NULL)
			usock_release(l->sock, q);
		l->sock = NULL;
		if (c != NULL)
			conn_release(c, q);
	}
}

/* Hand the outcome over and free the question. */
static void
finish(struct query *q, enum mxq_status st, const uint8_t *buf, size_t len,
    int server)
{
	struct resolver_result res;

	detach(q);
	res.status = st;
	res.buf = buf;
	res.len = len;
	res.server = server;
	res.notes = q->notes;
	res.tries = q->tries;
	q->cb(q->arg, &res);
	free(q->err);
	free(q);
}

/* ---- sending ----------------------------------------------------------- */

static uint16_t
new_id(struct query *q)
{
	uint8_t b[2];

	random_bytes(q->r, b, 2);
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void
remember_id(struct leg *l, uint16_t id)
{
	if (l->nids < RESOLVER_IDS)
		l->ids[l->nids++] = id;
	else
		l->ids[RESOLVER_IDS - 1] = id;	/* cannot happen: bounded */
}

/*
 * Copies within a try: c-ares used to double its timeout per round; the
 * same shape here, k copies at gaps g, 2g, 4g... that add up to the try
 * exactly (g = timeout / (2^k - 1)), g at least RESOLVER_RETRANSMIT_MS.
 * With 2 s: copies at 0, 0.29 and 0.86 s.
 */
static void
copies(int timeout_ms, int *k, double *gap)
{
	int n = 1;

	while (n < RESOLVER_COPIES_MAX &&
	    timeout_ms / ((1 << (n + 1)) - 1) >= RESOLVER_RETRANSMIT_MS)
		n++;
	*k = n;
	*gap = (double)timeout_ms / ((1 << n) - 1);
}

static void conn_send(struct query *q, struct leg *l);

/*
 * Go on with the next try soon, from the timers of resolver_wait: never
 * from inside resolver_send, which must not call back.
 */
static void
advance_soon(struct query *q)
{
	q->advance = 1;
	set_timer(q, 0);
}

/* The leg could not be asked at all: refused, or no socket. */
static void
leg_refused(struct query *q, struct leg *l)
{
	l->done = 1;
	l->refused = 1;
	if (&q->legs[q->cur] == l)
		advance_soon(q);
}

/*
 * Send q's datagram at its current leg, soon: datagrams wait in r->out
 * until the events at hand are handled (flush_out), and then go out
 * back to back.  A server that is woken by the first one is still awake
 * for the next: sending each as its question came up cost a wake-up of
 * the server's thread per query, which on loopback was most of the time
 * of a survey.
 */
static void
udp_send(struct query *q, struct leg *l)
{
	struct resolver *r = q->r;

	if (l->sock == NULL && (l->sock = usock_take(q, l)) == NULL) {
		leg_refused(q, l);
		return;
	}
	if (q->out != 0)
		return;
	if (r->nout == r->capout) {
		size_t cap = r->capout ? r->capout * 2 : 256;
		struct query **g = realloc(r->out, cap * sizeof(*g));

		if (g == NULL)
			return;		/* the next copy or try goes out */
		r->out = g;
		r->capout = cap;
	}
	r->out[r->nout++] = q;
	q->out = r->nout;
}

static void
flush_out(struct resolver *r)
{
	size_t i;

	for (i = 0; i < r->nout; i++) {
		struct query *q = r->out[i];
		struct leg *l;
		ssize_t n;

		if (q == NULL)
			continue;
		q->out = 0;
		l = &q->legs[q->cur];
		if (l->sock == NULL || l->tcp)
			continue;
		r->stats.datagrams++;
		n = send(l->sock->fd, q->qbuf, q->qlen, MSG_NOSIGNAL);
		if (n < 0 && errno == ECONNREFUSED) {
			/* An ICMP error of an earlier datagram to this server. */
			usock_refused(r, l->sock);
		}
		/* Other send errors (a full buffer): the next copy helps. */
	}
	r->nout = 0;
}

/*
 * Start a try at leg l: a new ID, a fresh query, the first copy.  With
 * count clear it is the same try sent again in another form (without
 * EDNS): not counted.
 */
static void
start_try(struct query *q, struct leg *l, int count)
{
	struct resolver *r = q->r;
	struct server *s = srv(r, l->server);
	uint16_t id;
	int edns;
	double now = resolver_now_ms();

	q->cur = (unsigned)(l - q->legs);
	q->advance = 0;
	if (count) {
		if (q->tries++ > 0)
			r->stats.retries++;
		l->tries++;
	}
	edns = !s->no_edns;
	if (!edns)
		q->notes |= RESOLVER_NOTE_NOEDNS;
	q->edns = edns;
	{
		struct wire_name sent;

		/* The same mixed case in every try: it is the question's. */
		sent.len = q->asked.len;
		memcpy(sent.data, q->qbuf + 12, sent.len);
		wire_build_query(&sent, q->type, q->flags,
		    edns ? RESOLVER_EDNS_SIZE : 0, q->qbuf, sizeof(q->qbuf),
		    &q->qlen);
	}
	do
		id = new_id(q);
	while (id == 0);
	q->qbuf[0] = (uint8_t)(id >> 8);
	q->qbuf[1] = (uint8_t)id;
	remember_id(l, id);
	if (l->tcp || r->cfg.tcp) {
		l->tcp = 1;
		q->copies = q->ncopies = 1;
		set_timer(q, now + r->cfg.timeout_ms);
		conn_send(q, l);
		return;
	}
	copies(r->cfg.timeout_ms, &q->ncopies, &q->gap);
	q->copies = 1;
	set_timer(q, now + q->gap);
	udp_send(q, l);
}

/*
 * The current try is over: the next server in turn that has tries left
 * (try 1 at every server, then try 2 ...), or the end.
 */
static void
next_try(struct query *q)
{
	struct resolver *r = q->r;
	unsigned i, k;
	int refused = 1;

	for (k = 1; k <= q->nlegs; k++) {
		struct leg *l = &q->legs[(q->cur + k) % q->nlegs];

		if (!l->done && l->tries >= (unsigned)r->cfg.tries)
			l->done = 1;
		if (!l->done) {
			start_try(q, l, 1);
			return;
		}
	}
	if (q->err != NULL) {
		uint8_t *err = q->err;

		q->err = NULL;
		finish(q, MXQ_OK, err, q->errlen, q->errserver);
		free(err);
		return;
	}
	for (i = 0; i < q->nlegs; i++)
		if (!q->legs[i].refused)
			refused = 0;
	finish(q, refused ? MXQ_EUNREACH : MXQ_ETIMEOUT, NULL, 0,
	    q->legs[q->cur].server);
}

static void
on_timer(struct query *q)
{
	struct leg *l = &q->legs[q->cur];

	if (!q->advance && !l->tcp && q->copies < q->ncopies) {
		/* The same query (same ID) again: a lost packet. */
		set_timer(q, q->deadline + q->gap * (1 << q->copies));
		q->copies++;
		udp_send(q, l);
		return;
	}
	next_try(q);
}

enum mxq_status
resolver_send(struct resolver *r, const struct resolver_question *rq,
    resolver_cb *cb, void *arg)
{
	uint8_t mix[WIRE_CASE_RANDOM];
	struct wire_name mixed;
	struct query *q;
	size_t i, nlegs;

	nlegs = rq->server >= 0 && (size_t)rq->server < r->nall ? 1 :
	    r->nservers;
	q = calloc(1, sizeof(*q) + nlegs * sizeof(q->legs[0]));
	if (q == NULL)
		return MXQ_ENOMEM;
	q->r = r;
	q->cb = cb;
	q->arg = arg;
	q->asked = *rq->name;
	q->type = rq->type;
	q->flags = rq->flags;
	mixed = *rq->name;
	random_bytes(r, mix, sizeof(mix));
	wire_name_mix_case(&mixed, mix);
	memcpy(q->qbuf + 12, mixed.data, mixed.len);
	q->nlegs = (unsigned)nlegs;
	if (nlegs == 1 && rq->server >= 0)
		q->legs[0].server = rq->server;
	else
		for (i = 0; i < nlegs; i++)
			q->legs[i].server = (int)i;
	q->deadline = resolver_now_ms();
	if (heap_push(r, q) != MXQ_OK) {
		free(q);
		return MXQ_ENOMEM;
	}
	r->stats.questions++;
	start_try(q, &q->legs[0], 1);
	return MXQ_OK;
}

/* ---- replies ----------------------------------------------------------- */

static int
has_id(const struct leg *l, uint16_t id)
{
	unsigned i;

	for (i = 0; i < l->nids; i++)
		if (l->ids[i] == id)
			return 1;
	return 0;
}

/* Nonzero when the reply has an OPT record (read only for FORMERR). */
static int
reply_has_opt(const uint8_t *buf, size_t len)
{
	struct wire_msg m;
	int opt;

	if (wire_parse(buf, len, &m) != MXQ_OK)
		return 1;	/* not provably plain DNS: no fallback */
	opt = m.opt != NULL;
	wire_msg_clear(&m);
	return opt;
}

/*
 * Give the reply's question back the caller's letter case.  Names that
 * the server compressed against it (the owners, often the exchanges)
 * would otherwise show the random case of 0x20.
 */
static void
restore_case(const struct query *q, uint8_t *buf, size_t len)
{
	if (len >= 12 + (size_t)q->asked.len &&
	    memcmp(buf + 12, q->qbuf + 12, q->asked.len) == 0)
		memcpy(buf + 12, q->asked.data, q->asked.len);
}

/* A reply that matched q at leg l: what to do with it. */
static void
take_reply(struct query *q, struct leg *l, const struct wire_head *h,
    uint8_t *buf, size_t len, int over_tcp)
{
	struct resolver *r = q->r;
	struct server *s = srv(r, l->server);
	unsigned i;
	int others = 0, current = &q->legs[q->cur] == l;

	if ((h->flags & WIRE_FLAG_TC) && !over_tcp) {
		/*
		 * A late truncated reply changes nothing when TCP is under
		 * way already, or when another server's try is: only the
		 * current try turns into TCP.
		 */
		if (l->tcp || !current)
			return;
		/* Truncated: the same question over TCP, full tries. */
		q->notes |= RESOLVER_NOTE_TRUNCATED;
		l->tcp = 1;
		l->tries = 0;
		start_try(q, l, 1);
		return;
	}
	if (over_tcp)
		q->notes |= RESOLVER_NOTE_TCP;
	if (h->rcode == WIRE_RCODE_FORMERR && q->edns &&
	    !reply_has_opt(buf, len)) {
		/*
		 * RFC 6891 7: a server that does not know EDNS answers
		 * FORMERR without OPT.  Plain DNS to it from now on; this
		 * question at once.
		 */
		if (!s->no_edns)
			r->stats.noedns++;
		s->no_edns = 1;
		if (current)
			start_try(q, l, 0);
		return;
	}
	for (i = 0; i < q->nlegs; i++)
		if (&q->legs[i] != l && !q->legs[i].done)
			others = 1;
	if (others && (h->rcode == WIRE_RCODE_SERVFAIL ||
	    h->rcode == WIRE_RCODE_REFUSED || h->rcode == WIRE_RCODE_NOTIMP ||
	    h->rcode == WIRE_RCODE_FORMERR)) {
		/* As a stub resolver does: this server is done, ask on. */
		uint8_t *copy = malloc(len);

		restore_case(q, buf, len);
		if (copy != NULL) {
			memcpy(copy, buf, len);
			free(q->err);
			q->err = copy;
			q->errlen = len;
			q->errserver = l->server;
		}
		l->done = 1;
		/* A late error of a server whose try had ended: the
		 * current server's try goes on. */
		if (current)
			next_try(q);
		return;
	}
	restore_case(q, buf, len);
	finish(q, MXQ_OK, buf, len, l->server);
}

/*
 * Does this message answer q at server (ID and question, letter case
 * included)?  Notes a reply that differs only in letter case.
 */
static struct leg *
matches(struct query *q, int server, const struct wire_head *h, int tcp)
{
	struct leg *l = leg_of(q, server);

	if (l == NULL || (tcp && !l->tcp) || !has_id(l, h->id) ||
	    h->qdcount != 1 || h->qtype != q->type ||
	    h->qclass != WIRE_CLASS_IN)
		return NULL;
	if (h->qname.len != q->asked.len ||
	    memcmp(h->qname.data, q->qbuf + 12, q->asked.len) != 0) {
		if (wire_name_equal(&h->qname, &q->asked))
			q->notes |= RESOLVER_NOTE_CASE;
		return NULL;
	}
	return l;
}

static int
plausible(const struct wire_head *h)
{
	return (h->flags & WIRE_FLAG_QR) && h->opcode == 0;
}

static void
udp_datagram(struct resolver *r, struct usock *u, uint8_t *buf, size_t len)
{
	struct wire_head h;
	unsigned i;

	if (wire_read_head(buf, len, &h) != MXQ_OK || !plausible(&h)) {
		r->stats.ignored++;
		return;
	}
	for (i = 0; i < u->nusers; i++) {
		struct query *q = u->users[i];
		struct leg *l = matches(q, u->server, &h, 0);

		if (l != NULL && l->sock == u) {
			take_reply(q, l, &h, buf, len, 0);
			return;
		}
	}
	r->stats.ignored++;
}

/* Every question with a leg on u: that server refused. */
static void
usock_refused(struct resolver *r, struct usock *u)
{
	u->dead = 1;
	if (srv(r, u->server)->current == u)
		srv(r, u->server)->current = NULL;
	while (u->nusers > 0) {
		struct query *q = u->users[u->nusers - 1];
		struct leg *l = leg_of(q, u->server);

		usock_release(u, q);
		if (l == NULL)
			continue;
		l->sock = NULL;
		leg_refused(q, l);
	}
}

static void
udp_readable(struct resolver *r, struct usock *u)
{
	for (;;) {
		ssize_t n = recv(u->fd, r->buf, sizeof(r->buf), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNREFUSED)
				usock_refused(r, u);
			return;
		}
		udp_datagram(r, u, r->buf, (size_t)n);
		if (u->dead)
			return;
	}
}

/* ---- TCP --------------------------------------------------------------- */

static struct conn *
conn_open(struct resolver *r, int server)
{
	struct server *s = srv(r, server);
	struct conn *c;
	int fd, one = 1;

	fd = socket(s->cfg.addr.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	/*
	 * Queries are small and pipelined: without this, Nagle's algorithm
	 * holds the second one until the first is acknowledged, and a
	 * delayed ACK makes that 40 ms.
	 */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = calloc(1, sizeof(*c));
	if (c == NULL || (c->in = malloc(2 + RESOLVER_TCP_MAX_MSG)) == NULL) {
		free(c);
		close(fd);
		return NULL;
	}
	c->fd = fd;
	c->server = server;
	if (connect(fd, (const struct sockaddr *)&s->cfg.addr,
	    s->cfg.addrlen) == 0)
		c->connected = 1;
	else if (errno != EINPROGRESS)
		c->dead = 1;
	c->next = r->conns;
	r->conns = c;
	r->stats.tcp++;
	return c;
}

static void conn_fail(struct resolver *r, struct conn *c, int refused);

static void
conn_flush(struct resolver *r, struct conn *c)
{
	while (c->connected && c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff,
		    c->outlen - c->outoff, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_fail(r, c, 0);
			return;
		}
		c->outoff += (size_t)n;
	}
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
}

static void
conn_send(struct query *q, struct leg *l)
{
	struct resolver *r = q->r;
	struct server *s = srv(r, l->server);
	struct conn *c = s->conn;
	size_t i;

	if (c == NULL || c->dead) {
		c = s->conn = conn_open(r, l->server);
		if (c == NULL || c->dead) {
			if (c != NULL)
				s->conn = NULL;
			leg_refused(q, l);
			return;
		}
	}
	for (i = 0; i < c->nusers && c->users[i] != q; i++)
		;
	if (i == c->nusers) {
		if (c->nusers == c->capusers) {
			size_t cap = c->capusers ? c->capusers * 2 : 16;
			struct query **g = realloc(c->users, cap * sizeof(*g));

			if (g == NULL)
				return;		/* the try will time out */
			c->users = g;
			c->capusers = cap;
		}
		c->users[c->nusers++] = q;
	}
	if (c->outlen + 2 + q->qlen > c->outcap) {
		size_t cap = c->outcap ? c->outcap * 2 : 4096;
		uint8_t *g;

		while (cap < c->outlen + 2 + q->qlen)
			cap *= 2;
		if ((g = realloc(c->out, cap)) == NULL)
			return;
		c->out = g;
		c->outcap = cap;
	}
	c->out[c->outlen++] = (uint8_t)(q->qlen >> 8);
	c->out[c->outlen++] = (uint8_t)q->qlen;
	memcpy(c->out + c->outlen, q->qbuf, q->qlen);
	c->outlen += q->qlen;
	conn_flush(r, c);
}

/*
 * The connection is gone.  Refused (never connected): its server is
 * done for these questions.  Closed or broken: the try of each question
 * on it failed, and the next one opens a new connection.
 */
static void
conn_fail(struct resolver *r, struct conn *c, int refused)
{
	struct server *s = srv(r, c->server);

	c->dead = 1;
	if (s->conn == c)
		s->conn = NULL;
	while (c->nusers > 0) {
		struct query *q = c->users[--c->nusers];
		struct leg *l = leg_of(q, c->server);

		if (l == NULL || &q->legs[q->cur] != l)
			continue;
		if (refused) {
			leg_refused(q, l);
		} else {
			q->notes |= RESOLVER_NOTE_CLOSED;
			advance_soon(q);
		}
	}
}

static void
tcp_message(struct resolver *r, struct conn *c, uint8_t *buf, size_t len)
{
	struct wire_head h;
	size_t i;

	if (wire_read_head(buf, len, &h) != MXQ_OK || !plausible(&h)) {
		r->stats.ignored++;
		return;
	}
	for (i = 0; i < c->nusers; i++) {
		struct query *q = c->users[i];
		struct leg *l = matches(q, c->server, &h, 1);

		if (l != NULL) {
			take_reply(q, l, &h, buf, len, 1);
			return;
		}
	}
	r->stats.ignored++;
}

static void
tcp_readable(struct resolver *r, struct conn *c)
{
	for (;;) {
		size_t want = c->inlen < 2 ? 2 :
		    2 + (size_t)(c->in[0] << 8 | c->in[1]);
		ssize_t n;

		if (c->inlen == want && want > 2) {
			c->inlen = 0;
			tcp_message(r, c, c->in + 2, want - 2);
			if (c->dead)
				return;
			continue;
		}
		n = recv(c->fd, c->in + c->inlen, want - c->inlen, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_fail(r, c, errno == ECONNREFUSED);
			return;
		}
		if (n == 0) {
			conn_fail(r, c, 0);
			return;
		}
		c->inlen += (size_t)n;
		if (c->inlen == 2 && want == 2 && c->in[0] == 0 &&
		    c->in[1] == 0)
			c->inlen = 0;	/* an empty message: skip it */
	}
}

static void
tcp_writable(struct resolver *r, struct conn *c)
{
	if (!c->connected) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
		    err != 0) {
			conn_fail(r, c, 1);
			return;
		}
		c->connected = 1;
	}
	conn_flush(r, c);
}

/* ---- the loop ---------------------------------------------------------- */

static enum mxq_status
pfd_room(struct resolver *r, size_t n)
{
	if (n > r->cappfd) {
		struct pollfd *g = realloc(r->pfd, n * sizeof(*g));
		void **o;

		if (g == NULL)
			return MXQ_ENOMEM;
		r->pfd = g;
		if ((o = realloc(r->pobj, n * sizeof(*o))) == NULL)
			return MXQ_ENOMEM;
		r->pobj = o;
		r->cappfd = n;
	}
	return MXQ_OK;
}

/* Handle what poll found: sockets first, then connections. */
static void
handle_events(struct resolver *r, size_t nsock, size_t nconn)
{
	size_t k;

	for (k = 0; k < nsock; k++) {
		struct usock *u = r->pobj[k];

		if (r->pfd[k].revents != 0 && !u->dead)
			udp_readable(r, u);
	}
	for (k = nsock; k < nsock + nconn; k++) {
		struct conn *c = r->pobj[k];
		short ev = r->pfd[k].revents;

		if (ev == 0 || c->dead)
			continue;
		if (ev & (POLLOUT | POLLERR | POLLHUP))
			tcp_writable(r, c);
		if (!c->dead && (ev & (POLLIN | POLLERR | POLLHUP)))
			tcp_readable(r, c);
	}
}

enum mxq_status
resolver_wait(struct resolver *r, int max_ms, int extra_fd, int *extra_ready)
{
	struct usock *u;
	struct conn *c;
	size_t n = 0, nsock = 0, nconn = 0, wake = SIZE_MAX;
	double now;
	int ms = -1, rc, woke;

	if (extra_ready != NULL)
		*extra_ready = 0;
	flush_out(r);
	for (u = r->socks; u != NULL; u = u->next)
		nsock++;
	for (c = r->conns; c != NULL; c = c->next)
		nconn++;
	if (pfd_room(r, nsock + nconn + 2) != MXQ_OK)
		return MXQ_ENOMEM;
	for (u = r->socks; u != NULL; u = u->next) {
		r->pfd[n].fd = u->dead ? -1 : u->fd;
		r->pfd[n].events = POLLIN;
		r->pobj[n++] = u;
	}
	for (c = r->conns; c != NULL; c = c->next) {
		r->pfd[n].fd = c->dead ? -1 : c->fd;
		r->pfd[n].events = (short)(POLLIN | (!c->connected ||
		    c->outoff < c->outlen ? POLLOUT : 0));
		r->pobj[n++] = c;
	}
	if (r->wake_fd >= 0) {
		wake = n;
		r->pfd[n].fd = r->wake_fd;
		r->pfd[n].events = POLLIN;
		r->pobj[n++] = NULL;
	}
	if (extra_fd >= 0) {
		r->pfd[n].fd = extra_fd;
		r->pfd[n].events = POLLIN;
		r->pobj[n++] = NULL;
	}
	if (r->nheap > 0) {
		double wait = r->heap[0]->deadline - resolver_now_ms();

		ms = wait <= 0 ? 0 : (int)ceil(wait);
	}
	if (max_ms >= 0 && (ms < 0 || max_ms < ms))
		ms = max_ms;
	if (n == 0 && ms < 0)
		return MXQ_OK;
	rc = poll(r->pfd, (nfds_t)n, ms);
	if (rc < 0 && errno != EINTR) {
		msg_err("poll: %s", strerror(errno));
		return MXQ_EINTERNAL;
	}
	if (rc > 0 && extra_fd >= 0 && r->pfd[n - 1].revents != 0 &&
	    extra_ready != NULL)
		*extra_ready = 1;
	woke = rc > 0 && wake != SIZE_MAX && r->pfd[wake].revents != 0;
	/*
	 * What arrived first, timers after: a pause of mxq itself (a slow
	 * reader of its output) must not turn answers that wait in the
	 * sockets into timeouts.  Nothing polled is freed before reap().
	 */
	if (rc > 0)
		handle_events(r, nsock, nconn);
	flush_out(r);
	now = resolver_now_ms();
	while (r->nheap > 0 && r->heap[0]->deadline <= now)
		on_timer(r->heap[0]);
	flush_out(r);
	reap(r);
	/* Last: what the other threads finished may start new work. */
	if (woke)
		r->wake_fn(r->wake_arg);
	return MXQ_OK;
}

/* ---- the rest ---------------------------------------------------------- */

void
resolver_free(struct resolver *r)
{
	struct usock *u, *un;
	struct conn *c, *cn;
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nheap; i++) {
		free(r->heap[i]->err);
		free(r->heap[i]);
	}
	for (u = r->socks; u != NULL; u = un) {
		un = u->next;
		close(u->fd);
		free(u);
	}
	for (c = r->conns; c != NULL; c = cn) {
		cn = c->next;
		close(c->fd);
		free(c->out);
		free(c->in);
		free(c->users);
		free(c);
	}
	free(r->heap);
	free(r->out);
	free(r->pfd);
	free(r->pobj);
	for (i = 0; i < r->nblocks; i++)
		free(r->blocks[i]);
	free(r->blocks);
	free(r->hash);
	free(r);
}

void
resolver_set_wake(struct resolver *r, int fd, void (*fn)(void *), void *arg)
{
	r->wake_fd = fd;
	r->wake_fn = fn;
	r->wake_arg = arg;
}

size_t
resolver_pending(const struct resolver *r)
{
	return r->nheap;
}

size_t
resolver_nservers(const struct resolver *r)
{
	return r->nservers;
}

const char *
resolver_server_text(const struct resolver *r, int i)
{
	if (i < 0 || (size_t)i >= r->nall)
		return "?";
	return srv(r, i)->text;
}

const char *
resolver_server_name(const struct resolver *r, int i)
{
	if (i < 0 || (size_t)i >= r->nall)
		return "";
	return srv(r, i)->cfg.name;
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
