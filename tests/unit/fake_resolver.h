/* The fake transport of tests/unit/fake_resolver.c and what tests see of it. */
#ifndef MXQ_FAKE_RESOLVER_H
#define MXQ_FAKE_RESOLVER_H

#include <stddef.h>
#include <stdint.h>
#include <strings.h>

#include "mxq/resolver.h"
#include "reply.h"

#define FAKE_LOG_MAX	4096
#define FAKE_TIMEOUT_MS	1000.0

/* One question the engine sent, in order. */
struct fake_query {
	struct wire_name qname;		/* as sent */
	char name[WIRE_TEXT_MAX];	/* presentation form */
	uint16_t type;
	unsigned flags;
	int server;
	resolver_cb *cb;
	void *arg;
	double sent_ms;
	unsigned rounds;		/* resolver_wait calls it has seen */
	int done;
};

/*
 * The server, played by the test: fill *rep (reply_start ... ; the fake
 * calls reply_end) and return 1 to answer in this round, or 0 to stay
 * silent (the question times out FAKE_TIMEOUT_MS after it was sent).
 */
typedef int fake_server_fn(const struct fake_query *q, struct reply *rep);

/*
 * A reply bigger than struct reply holds: the server function points
 * fake_raw at its own bytes and returns FAKE_RAW; they are delivered as
 * they are (no reply_end).
 */
#define FAKE_RAW	2
extern const uint8_t *fake_raw;
extern size_t fake_raw_len;

extern struct fake_query fake_log[FAKE_LOG_MAX];
extern size_t fake_nlog;
extern size_t fake_max_pending;
extern double fake_clock;		/* what resolver_now_ms() says */

void fake_reset(fake_server_fn *fn);

/* How often (name, type) was asked, ASCII case ignored. */
size_t fake_count(const char *name, uint16_t type);

#endif
