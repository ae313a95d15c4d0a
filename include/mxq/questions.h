/*
 * Every question of a run, asked once: identical questions share one
 * query, answers are cached (bounded, and never past their TTL), at most
 * a window of questions is on the wire, and the queue lets the
 * follow-up questions of domains already started go before the first
 * question of a new domain.  Each domain's clock lives here too: it runs
 * only while one of its questions is on the wire, so that time spent
 * waiting for room in the window, or while mxq itself is held up
 * (questions_pause), is not counted against it.
 */
#ifndef MXQ_QUESTIONS_H
#define MXQ_QUESTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "mxq/answer.h"
#include "mxq/resolver.h"
#include "mxq/status.h"
#include "mxq/wire.h"

/* Bounds, documented in mxq(1) under LIMITS. */
#define QUESTIONS_CACHE_MAX	8192	/* answers kept for later domains */
#define QUESTIONS_QUEUE_MAX	100000	/* questions waiting for the window */

struct questions;
struct waiter;

/* A question: what is asked, of whom, with which header bits. */
struct question_key {
	struct wire_name name;
	uint16_t type;
	unsigned flags;			/* WIRE_QUERY_* */
	int server;			/* -1: the configured servers */
};

/* An answered question, as a waiter sees it. */
struct question_result {
	/*
	 * Never NULL.  Without a reply (timeout, no server) its status is
	 * that of the transport (MXQ_ETIMEOUT, MXQ_EUNREACH, MXQ_ELIMIT)
	 * and rcode is -1.
	 */
	const struct answer *answer;
	int server;			/* that answered, or was asked last */
	unsigned notes;			/* RESOLVER_NOTE_* */
	int cached;			/* from an earlier question of the run */
};

/*
 * Called once per question asked, with the arguments given to
 * questions_ask.  It may ask further questions.
 */
typedef void question_fn(void *arg, size_t index, int tag,
    const struct question_result *res);

/*
 * Who waits for answers: a domain being looked up.  The engine embeds it
 * and leaves it to this module; it reads pending and expired.
 */
struct owner {
	size_t pending;			/* answers still due */
	unsigned inflight;		/* of them, on the wire now */
	double used_ms;			/* own time spent, before since_ms */
	double since_ms;		/* when inflight last rose from 0 */
	double limit_ms;		/* own time allowed in all */
	size_t heap;			/* in the deadline heap, or -1 */
	struct waiter *waiters;		/* its waiters, of every question */
	int expired;
	void *arg;			/* for the callbacks */
};

struct questions_config {
	int window;			/* questions on the wire at most */
	size_t cache_max;
	size_t queue_max;
	/* An owner's pending fell to 0: everything it asked is answered. */
	void (*settled)(void *arg, struct owner *o);
	/*
	 * An owner ran out of time.  Its waiters are already gone: no
	 * answer reaches it any more.
	 */
	void (*expired)(void *arg, struct owner *o);
	void *arg;
};

struct questions_stats {
	unsigned long asked;		/* questions put to the resolver */
	unsigned long joined;		/* waiters that joined one in flight */
	unsigned long cache_hits;
	unsigned long expired_cache;	/* cache entries past their TTL */
	unsigned long dropped;		/* queued, nobody waiting any more */
	unsigned long followed;		/* aliases followed in a new query */
};

/* Create the table on resolver r (not owned).  MXQ_ENOMEM. */
enum mxq_status questions_new(const struct questions_config *cfg,
    struct resolver *r, struct questions **out);

/* Free everything; waiting owners get no callback.  NULL is a no-op. */
void questions_free(struct questions *qs);

/* Make o a new owner with limit_ms of own time. */
void owner_init(struct owner *o, double limit_ms, void *arg);

/* How a question is asked (questions_ask). */
#define QUESTIONS_URGENT 0x01	/* before those of owners not started yet */
#define QUESTIONS_KEEP	0x02	/* cache the answer for others */

/*
 * Ask key for owner o: fn(arg, index, tag, result) is called once, at
 * once when the cache has the answer, else when it comes.  how is
 * QUESTIONS_* bits.  An answer is kept in the cache (for its TTL) when
 * a waiter asked for that, and it is a definitive answer.  MXQ_ELIMIT
 * when the queue is full, MXQ_ENOMEM; fn is then not called.
 */
enum mxq_status questions_ask(struct questions *qs, struct owner *o,
    const struct question_key *key, unsigned how, question_fn *fn,
    void *arg, size_t index, int tag);

/*
 * Hold o open while its first questions are asked (questions_hold), so
 * that answers from the cache cannot settle it half-way; then let go
 * (questions_release, which may call settled).
 */
void questions_hold(struct owner *o);
void questions_release(struct questions *qs, struct owner *o);

/* Take every waiter of o away: nothing more reaches it.  pending is 0. */
void questions_drop(struct questions *qs, struct owner *o);

/*
 * Send what the window has room for, wait for the network (see
 * resolver_wait) no longer than the next owner's deadline, then expire
 * the owners past it.
 */
enum mxq_status questions_step(struct questions *qs, int extra_fd,
    int *extra_ready);

/* Time that was not the run's own (mxq held up writing): not counted. */
void questions_pause(struct questions *qs, double ms);

/* The clock that owners' time is counted in, in ms. */
double questions_now(const struct questions *qs);

/* Questions waiting for room, and on the wire. */
size_t questions_queued(const struct questions *qs);
size_t questions_inflight(const struct questions *qs);

void questions_get_stats(const struct questions *qs,
    struct questions_stats *s);

#endif
