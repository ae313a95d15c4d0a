/*
 * The DNS transport: servers, sockets, tries, matching replies to
 * questions, and the event loop.
 *
 * A question goes to the configured servers in turn (or to one chosen
 * server), over UDP with EDNS, or over TCP.  What a reply must be to
 * reach the caller: from the server's address and port (connected
 * sockets), with the ID of one of the question's tries, and with the
 * question exactly as sent, letter case included (the query name's case
 * is randomised, draft-vixie-dnsext-dns0x20).  Any other datagram is
 * ignored and the question keeps waiting.  Every UDP socket carries a
 * few questions to one server and is then replaced, so source ports
 * change over a run.  The caller reads what the reply says (answer.h).
 */
#ifndef MXQ_RESOLVER_H
#define MXQ_RESOLVER_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "mxq/status.h"
#include "mxq/wire.h"

#define RESOLVER_MAX_SERVERS	8	/* configured servers */
#define RESOLVER_MAX_CHOSEN	65536	/* servers added with resolver_server_add */
#define RESOLVER_MAX_TRIES	10
#define RESOLVER_EDNS_SIZE	1232	/* UDP payload advertised (DNS flag day 2020) */

/* A server: its address and port, and the host name it was given as. */
struct resolver_server {
	struct sockaddr_storage addr;	/* AF_INET or AF_INET6, with port */
	socklen_t addrlen;
	char name[256];			/* "" when given as an address */
};

/* What the transport needs; the command line fills it. */
struct resolver_config {
	struct resolver_server servers[RESOLVER_MAX_SERVERS];
	size_t nservers;		/* 0: those of resolv_conf */
	const char *resolv_conf;	/* NULL: /etc/resolv.conf */
	int port;			/* for the resolv.conf servers */
	int tcp;			/* TCP only */
	int timeout_ms;			/* per try */
	int tries;			/* per question and server */
};

/* How a question was answered (bits of resolver_result.notes). */
#define RESOLVER_NOTE_TCP	0x01	/* the answer came over TCP */
#define RESOLVER_NOTE_TRUNCATED	0x02	/* ... after a truncated UDP answer */
#define RESOLVER_NOTE_NOEDNS	0x04	/* plain DNS: the server rejects EDNS */
#define RESOLVER_NOTE_CASE	0x08	/* replies with the question in another
					   letter case were ignored (0x20) */
#define RESOLVER_NOTE_CLOSED	0x10	/* a TCP connection closed unanswered */

struct resolver_result {
	/*
	 * MXQ_OK with the reply in buf/len (valid during the callback
	 * only; any RCODE: the caller reads it), or MXQ_ETIMEOUT (no
	 * answer), MXQ_EUNREACH (every server refused or closed),
	 * MXQ_ENOMEM, without a reply.
	 */
	enum mxq_status status;
	const uint8_t *buf;
	size_t len;
	int server;			/* the one that answered, or asked last */
	unsigned notes;			/* RESOLVER_NOTE_* */
	unsigned tries;			/* tries made, all servers together */
};

typedef void resolver_cb(void *arg, const struct resolver_result *res);

/* What to ask. */
struct resolver_question {
	const struct wire_name *name;
	uint16_t type;
	unsigned flags;			/* WIRE_QUERY_*: RD, CD, AD, DO */
	int server;			/* -1: the configured servers in turn */
};

struct resolver_stats {
	unsigned long questions;	/* questions asked */
	unsigned long datagrams;	/* UDP queries sent, copies included */
	unsigned long retries;		/* tries after the first */
	unsigned long tcp;		/* TCP connections opened */
	unsigned long sockets;		/* UDP sockets opened */
	unsigned long ignored;		/* datagrams that matched no question */
	unsigned long noedns;		/* servers that rejected EDNS */
};

struct resolver;

/*
 * Create the transport: the configured servers, or those of the
 * resolv.conf file (read with c-ares, moved to cfg->port when it is not
 * 53).  cfg is copied.  MXQ_EUSAGE when there is no usable server,
 * MXQ_ENOMEM, MXQ_EINTERNAL; a message is printed on stderr.
 */
enum mxq_status resolver_new(const struct resolver_config *cfg,
    struct resolver **out);

/* Close every socket and free; callbacks pending are not called.  NULL ok. */
void resolver_free(struct resolver *r);

/*
 * Add a server to ask questions of by index (resolver_question.server),
 * or find it when it is already there (the same address and port).
 * *index receives its number.  MXQ_ELIMIT past RESOLVER_MAX_CHOSEN.
 */
enum mxq_status resolver_server_add(struct resolver *r,
    const struct sockaddr *sa, socklen_t len, int *index);

/*
 * Ask q.  cb is called exactly once, from inside resolver_wait().
 * MXQ_ENOMEM (cb is then never called).
 */
enum mxq_status resolver_send(struct resolver *r,
    const struct resolver_question *q, resolver_cb *cb, void *arg);

/*
 * Wait for network events, at most max_ms (-1: until the next timer of
 * the transport), then handle what arrived, and only then what timed
 * out, calling the callbacks that are due.  When extra_fd >= 0, also
 * wake up when it becomes readable and say so in *extra_ready.
 * MXQ_EINTERNAL when poll fails.
 */
enum mxq_status resolver_wait(struct resolver *r, int max_ms, int extra_fd,
    int *extra_ready);

/*
 * Also wait for fd to become readable in resolver_wait(), and call
 * fn(arg) there when it is: how other threads wake the loop.
 */
void resolver_set_wake(struct resolver *r, int fd, void (*fn)(void *),
    void *arg);

/* Questions asked and not answered yet. */
size_t resolver_pending(const struct resolver *r);

/* Number of configured servers. */
size_t resolver_nservers(const struct resolver *r);

/* "ADDR#PORT" of server i (static storage of r). */
const char *resolver_server_text(const struct resolver *r, int i);

/* The host name server i was given as, or "". */
const char *resolver_server_name(const struct resolver *r, int i);

void resolver_get_stats(const struct resolver *r, struct resolver_stats *s);

/* Milliseconds of the monotonic clock. */
double resolver_now_ms(void);

/* Version string of the c-ares in use (it reads resolv.conf). */
const char *resolver_version(void);

#endif
