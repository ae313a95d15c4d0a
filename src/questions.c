/* The question table: dedupe, cache, window, queue and owners' clocks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mxq/questions.h"

#define QUESTIONS_BUCKETS	8192

enum question_state { Q_QUEUED, Q_INFLIGHT, Q_DONE };

struct waiter {
	struct waiter *next;		/* of the question */
	struct waiter *oprev, *onext;	/* of the owner */
	struct question *q;
	struct owner *owner;
	question_fn *fn;
	void *arg;
	size_t index;
	int tag;
};

struct question {
	struct question *hnext;		/* hash chain */
	struct question *prev, *next;	/* a queue, or the cache's LRU list */
	struct questions *qs;
	struct question_key key;
	uint32_t hash;
	enum question_state state;
	int urgent;
	int keep;			/* some waiter wants it cached */
	int hashed;
	struct waiter *waiters;
	/* Done: the answer.  In flight after an alias: the chain so far. */
	struct answer answer;
	int partial;
	/*
	 * A DNSSEC question that got SERVFAIL is asked again with CD: the
	 * first answer waits here meanwhile (allocated then: most questions
	 * never need it, and an answer is a third of a question's size).
	 */
	struct answer *servfail;
	int checking;
	int server;
	unsigned notes;
	double expires;			/* cached until, on the run's clock */
};

struct qlist {
	struct question *head, *tail;
	size_t n;
};

struct questions {
	struct questions_config cfg;
	struct resolver *r;
	struct question **buckets;
	struct qlist urgent, fresh;	/* waiting for the window */
	struct qlist lru;		/* cached, most recent first */
	size_t inflight;
	struct owner **heap;		/* owners whose clock runs */
	size_t nheap, capheap;
	double paused;
	struct questions_stats stats;
};

/* ---- lists ------------------------------------------------------------- */

static void
list_unlink(struct qlist *l, struct question *q)
{
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		l->head = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	else
		l->tail = q->prev;
	q->prev = q->next = NULL;
	l->n--;
}

static void
list_push(struct qlist *l, struct question *q, int front)
{
	if (front) {
		q->prev = NULL;
		q->next = l->head;
		if (l->head != NULL)
			l->head->prev = q;
		else
			l->tail = q;
		l->head = q;
	} else {
		q->next = NULL;
		q->prev = l->tail;
		if (l->tail != NULL)
			l->tail->next = q;
		else
			l->head = q;
		l->tail = q;
	}
	l->n++;
}

/* ---- the hash ---------------------------------------------------------- */

static uint32_t
key_hash(const struct question_key *k)
{
	return wire_name_hash(&k->name) ^ (uint32_t)k->type * 2654435761u ^
	    (uint32_t)k->flags * 40503u ^ (uint32_t)(k->server + 1) * 97u;
}

static int
key_equal(const struct question_key *a, const struct question_key *b)
{
	return a->type == b->type && a->flags == b->flags &&
	    a->server == b->server && wire_name_equal(&a->name, &b->name);
}

static struct question *
find(struct questions *qs, const struct question_key *k, uint32_t h)
{
	struct question *q;

	for (q = qs->buckets[h % QUESTIONS_BUCKETS]; q != NULL; q = q->hnext)
		if (q->hash == h && key_equal(&q->key, k))
			return q;
	return NULL;
}

static void
unhash(struct questions *qs, struct question *q)
{
	struct question **pp = &qs->buckets[q->hash % QUESTIONS_BUCKETS];

	if (!q->hashed)
		return;
	for (; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == q) {
			*pp = q->hnext;
			break;
		}
	q->hashed = 0;
}

static void
question_free(struct question *q)
{
	struct waiter *w, *next;

	for (w = q->waiters; w != NULL; w = next) {
		next = w->next;
		free(w);
	}
	answer_clear(&q->answer);
	if (q->servfail != NULL) {
		answer_clear(q->servfail);
		free(q->servfail);
	}
	free(q);
}

/* ---- owners' clocks ---------------------------------------------------- */

double
questions_now(const struct questions *qs)
{
	return resolver_now_ms() - qs->paused;
}

void
questions_pause(struct questions *qs, double ms)
{
	if (ms > 0)
		qs->paused += ms;
}

static double
owner_deadline(const struct owner *o)
{
	return o->since_ms + (o->limit_ms - o->used_ms);
}

static void
oheap_swap(struct questions *qs, size_t a, size_t b)
{
	struct owner *t = qs->heap[a];

	qs->heap[a] = qs->heap[b];
	qs->heap[b] = t;
	qs->heap[a]->heap = a;
	qs->heap[b]->heap = b;
}

static void
oheap_fix(struct questions *qs, size_t i)
{
	while (i > 0 && owner_deadline(qs->heap[(i - 1) / 2]) >
	    owner_deadline(qs->heap[i])) {
		oheap_swap(qs, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t c = 2 * i + 1, m = i;

		if (c < qs->nheap &&
		    owner_deadline(qs->heap[c]) < owner_deadline(qs->heap[m]))
			m = c;
		if (c + 1 < qs->nheap && owner_deadline(qs->heap[c + 1]) <
		    owner_deadline(qs->heap[m]))
			m = c + 1;
		if (m == i)
			return;
		oheap_swap(qs, i, m);
		i = m;
	}
}

static void
oheap_remove(struct questions *qs, struct owner *o)
{
	size_t i = o->heap;

	if (i >= qs->nheap || qs->heap[i] != o)
		return;
	if (i != --qs->nheap) {
		qs->heap[i] = qs->heap[qs->nheap];
		qs->heap[i]->heap = i;
		oheap_fix(qs, i);
	}
	o->heap = (size_t)-1;
}

/* One of o's questions went on the wire (+1) or came back (-1). */
static void
owner_run(struct questions *qs, struct owner *o, int delta)
{
	double now = questions_now(qs);

	if (delta > 0) {
		if (o->inflight++ > 0 || o->expired)
			return;
		o->since_ms = now;
		if (qs->nheap == qs->capheap) {
			size_t cap = qs->capheap ? qs->capheap * 2 : 256;
			struct owner **g = realloc(qs->heap, cap * sizeof(*g));

			if (g == NULL)
				return;	/* no deadline: the tries still end */
			qs->heap = g;
			qs->capheap = cap;
		}
		o->heap = qs->nheap;
		qs->heap[qs->nheap++] = o;
		oheap_fix(qs, o->heap);
		return;
	}
	if (o->inflight == 0 || --o->inflight > 0)
		return;
	o->used_ms += now - o->since_ms;
	oheap_remove(qs, o);
}

void
owner_init(struct owner *o, double limit_ms, void *arg)
{
	memset(o, 0, sizeof(*o));
	o->limit_ms = limit_ms;
	o->heap = (size_t)-1;
	o->arg = arg;
}

static void
owner_link(struct owner *o, struct waiter *w)
{
	w->oprev = NULL;
	w->onext = o->waiters;
	if (o->waiters != NULL)
		o->waiters->oprev = w;
	o->waiters = w;
}

static void
owner_unlink(struct owner *o, struct waiter *w)
{
	if (w->oprev != NULL)
		w->oprev->onext = w->onext;
	else
		o->waiters = w->onext;
	if (w->onext != NULL)
		w->onext->oprev = w->oprev;
}

/* An answer was delivered to o: settled when nothing else is due. */
static void
owner_release(struct questions *qs, struct owner *o)
{
	if (o->pending > 0 && --o->pending == 0 && !o->expired)
		qs->cfg.settled(qs->cfg.arg, o);
}

void
questions_hold(struct owner *o)
{
	o->pending++;
}

void
questions_release(struct questions *qs, struct owner *o)
{
	owner_release(qs, o);
}

void
questions_drop(struct questions *qs, struct owner *o)
{
	struct waiter *w, *next;

	for (w = o->waiters; w != NULL; w = next) {
		struct waiter **pp = &w->q->waiters;

		next = w->onext;
		while (*pp != NULL && *pp != w)
			pp = &(*pp)->next;
		if (*pp == w)
			*pp = w->next;
		free(w);
	}
	o->waiters = NULL;
	o->pending = 0;
	if (o->inflight > 0)
		o->used_ms += questions_now(qs) - o->since_ms;
	o->inflight = 0;
	oheap_remove(qs, o);
}

/* ---- answers ----------------------------------------------------------- */

static int
cacheable(const struct answer *a)
{
	return a->status == MXQ_ENODATA || a->status == MXQ_ENXDOMAIN ||
	    (a->status == MXQ_OK && a->nrr > 0);
}

static void pump(struct questions *qs);

/* Hand q's answer to every waiter, then keep it or free it. */
static void
complete(struct questions *qs, struct question *q, int cached_before)
{
	int was_inflight = q->state == Q_INFLIGHT;
	int keep = q->keep && cacheable(&q->answer) &&
	    answer_ttl(&q->answer) > 0;
	struct waiter *w;

	q->state = Q_DONE;
	/* A failure is for the waiters of now only: later ones ask anew. */
	if (!keep)
		unhash(qs, q);
	while ((w = q->waiters) != NULL) {
		struct question_result res;
		struct owner *o = w->owner;

		q->waiters = w->next;
		owner_unlink(o, w);
		if (was_inflight)
			owner_run(qs, o, -1);
		res.answer = &q->answer;
		res.server = q->server;
		res.notes = q->notes;
		res.cached = cached_before;
		w->fn(w->arg, w->index, w->tag, &res);
		free(w);
		owner_release(qs, o);
	}
	if (!keep) {
		question_free(q);
		return;
	}
	q->expires = questions_now(qs) + 1e3 * answer_ttl(&q->answer);
	list_push(&qs->lru, q, 1);
	if (qs->lru.n > qs->cfg.cache_max) {
		struct question *old = qs->lru.tail;

		list_unlink(&qs->lru, old);
		unhash(qs, old);
		question_free(old);
	}
}

/* The words for a question that got no reply. */
static const char *
no_reply_why(enum mxq_status st, unsigned notes)
{
	if (st == MXQ_ETIMEOUT && (notes & RESOLVER_NOTE_CASE))
		return "replies that changed the letter case of the question "
		    "were ignored (0x20)";
	if (st == MXQ_ETIMEOUT && (notes & RESOLVER_NOTE_CLOSED))
		return "the server closed the TCP connection without an answer";
	return NULL;
}

static void send_question(struct questions *qs, struct question *q);

/*
 * A validating resolver answers SERVFAIL for data that fails validation
 * (RFC 4035 5.5); asked again with CD (checking disabled) it gives the
 * data.  So a DNSSEC question that gets SERVFAIL is asked once more with
 * CD: when data comes, the failure was validation ("bogus"), not the
 * server, in the words of its Extended DNS Error when it sent one.
 * Returns 1 when the question went out again.
 */
static int
check_bogus(struct questions *qs, struct question *q, struct answer *a)
{
	if (!(q->key.flags & WIRE_QUERY_DO) || q->checking ||
	    a->status != MXQ_ESERVFAIL)
		return 0;
	if (q->servfail != NULL)
		answer_clear(q->servfail);
	else if ((q->servfail = malloc(sizeof(*q->servfail))) == NULL)
		return 0;	/* no memory: the SERVFAIL stands as it is */
	*q->servfail = *a;
	memset(a, 0, sizeof(*a));
	q->checking = 1;
	send_question(qs, q);
	return 1;
}

/* The answer with CD came: what the first SERVFAIL was. */
static void
judge_bogus(struct question *q, struct answer *a)
{
	struct answer first = *q->servfail;

	free(q->servfail);
	q->servfail = NULL;
	if (a->status != MXQ_OK && a->status != MXQ_ENODATA &&
	    a->status != MXQ_ENXDOMAIN) {
		/* Not even with CD: the server's failure, as it was. */
		answer_clear(a);
		*a = first;
		return;
	}
	answer_clear(a);
	*a = first;
	a->status = MXQ_EBOGUS;
	a->why = NULL;
	a->nrr = a->nextra = 0;
}

static void
on_reply(void *arg, const struct resolver_result *res)
{
	struct question *q = arg;
	struct questions *qs = q->qs;
	struct answer a;

	q->server = res->server;
	q->notes |= res->notes;
	if (res->status == MXQ_OK) {
		struct answer_question aq;

		aq.name = q->partial ? q->answer.target : q->key.name;
		aq.origin = q->partial ? &q->key.name : NULL;
		aq.type = q->key.type;
		aq.rd = (q->key.flags & WIRE_QUERY_RD) != 0;
		if (answer_read(res->buf, res->len, &aq,
		    q->partial ? &q->answer : NULL, &a) != MXQ_OK) {
			memset(&a, 0, sizeof(a));
			a.status = MXQ_ENOMEM;
			a.rcode = -1;
			a.ede = -1;
		}
		if (a.status == MXQ_OK && a.follow) {
			/* An alias that leaves the reply: ask for its target. */
			answer_clear(&q->answer);
			q->answer = a;
			q->partial = 1;
			qs->stats.followed++;
			send_question(qs, q);
			return;
		}
		if (check_bogus(qs, q, &a))
			return;
		if (q->checking)
			judge_bogus(q, &a);
		answer_clear(&q->answer);
		q->answer = a;
	} else if (q->checking) {
		/* No answer with CD: the first SERVFAIL stands. */
		answer_clear(&q->answer);
		q->answer = *q->servfail;
		free(q->servfail);
		q->servfail = NULL;
	} else {
		/* The chain followed so far stays; the status is the failure. */
		if (!q->partial) {
			memset(&q->answer, 0, sizeof(q->answer));
			q->answer.target = q->key.name;
			q->answer.ede = -1;
		}
		q->answer.status = res->status;
		q->answer.why = no_reply_why(res->status, res->notes);
		q->answer.rcode = -1;
		q->answer.flags = 0;
		q->answer.nrr = q->answer.nextra = 0;
	}
	qs->inflight--;
	complete(qs, q, 0);
	pump(qs);
}

static void
send_question(struct questions *qs, struct question *q)
{
	struct resolver_question rq;

	rq.name = q->partial ? &q->answer.target : &q->key.name;
	rq.type = q->key.type;
	rq.flags = q->key.flags | (q->checking ? WIRE_QUERY_CD : 0);
	rq.server = q->key.server;
	if (resolver_send(qs->r, &rq, on_reply, q) != MXQ_OK) {
		struct resolver_result res;

		memset(&res, 0, sizeof(res));
		res.status = MXQ_ENOMEM;
		res.server = -1;
		on_reply(q, &res);
	}
}

/* Send queued questions while the window has room, follow-ups first. */
static void
pump(struct questions *qs)
{
	while (qs->inflight < (size_t)qs->cfg.window) {
		struct qlist *l = qs->urgent.head != NULL ? &qs->urgent :
		    &qs->fresh;
		struct question *q = l->head;
		struct waiter *w;

		if (q == NULL)
			return;
		list_unlink(l, q);
		if (q->waiters == NULL) {
			/* Every domain that wanted it ran out of time. */
			unhash(qs, q);
			question_free(q);
			qs->stats.dropped++;
			continue;
		}
		q->state = Q_INFLIGHT;
		qs->inflight++;
		qs->stats.asked++;
		for (w = q->waiters; w != NULL; w = w->next)
			owner_run(qs, w->owner, +1);
		send_question(qs, q);
	}
}

enum mxq_status
questions_ask(struct questions *qs, struct owner *o,
    const struct question_key *key, unsigned how, question_fn *fn,
    void *arg, size_t index, int tag)
{
	int urgent = (how & QUESTIONS_URGENT) != 0;
	uint32_t h = key_hash(key);
	struct question *q = find(qs, key, h);
	struct waiter *w;

	if (q != NULL && q->state == Q_DONE &&
	    q->expires <= questions_now(qs)) {
		/* Past its TTL: ask again. */
		list_unlink(&qs->lru, q);
		unhash(qs, q);
		question_free(q);
		qs->stats.expired_cache++;
		q = NULL;
	}
	if (q != NULL && q->state == Q_DONE) {
		struct question_result res;

		qs->stats.cache_hits++;
		list_unlink(&qs->lru, q);
		list_push(&qs->lru, q, 1);
		res.answer = &q->answer;
		res.server = q->server;
		res.notes = q->notes;
		res.cached = 1;
		o->pending++;
		fn(arg, index, tag, &res);
		owner_release(qs, o);
		return MXQ_OK;
	}
	if (q == NULL) {
		if (qs->urgent.n + qs->fresh.n >= qs->cfg.queue_max)
			return MXQ_ELIMIT;
		q = calloc(1, sizeof(*q));
		if (q == NULL)
			return MXQ_ENOMEM;
		q->qs = qs;
		q->key = *key;
		q->hash = h;
		q->state = Q_QUEUED;
		q->urgent = urgent;
		q->server = -1;
		q->answer.ede = -1;
		q->hnext = qs->buckets[h % QUESTIONS_BUCKETS];
		qs->buckets[h % QUESTIONS_BUCKETS] = q;
		q->hashed = 1;
		list_push(urgent ? &qs->urgent : &qs->fresh, q, 0);
	} else if (q->state == Q_QUEUED && urgent && !q->urgent) {
		/* A follow-up now wants it: it goes ahead. */
		list_unlink(&qs->fresh, q);
		q->urgent = 1;
		list_push(&qs->urgent, q, 0);
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return MXQ_ENOMEM;
	if (how & QUESTIONS_KEEP)
		q->keep = 1;
	w->q = q;
	w->owner = o;
	w->fn = fn;
	w->arg = arg;
	w->index = index;
	w->tag = tag;
	w->next = q->waiters;
	q->waiters = w;
	owner_link(o, w);
	o->pending++;
	if (q->state == Q_INFLIGHT) {
		qs->stats.joined++;
		owner_run(qs, o, +1);
	}
	pump(qs);
	return MXQ_OK;
}

/* Owners past their deadline: cut off. */
static void
expire(struct questions *qs)
{
	double now = questions_now(qs);

	while (qs->nheap > 0 && owner_deadline(qs->heap[0]) <= now) {
		struct owner *o = qs->heap[0];

		o->expired = 1;
		questions_drop(qs, o);
		qs->cfg.expired(qs->cfg.arg, o);
	}
}

enum mxq_status
questions_step(struct questions *qs, int extra_fd, int *extra_ready)
{
	enum mxq_status st;
	int ms = -1;

	pump(qs);
	if (qs->nheap > 0) {
		double wait = owner_deadline(qs->heap[0]) - questions_now(qs);

		ms = wait <= 0 ? 0 : (int)ceil(wait);
	}
	st = resolver_wait(qs->r, ms, extra_fd, extra_ready);
	expire(qs);
	pump(qs);
	return st;
}

enum mxq_status
questions_new(const struct questions_config *cfg, struct resolver *r,
    struct questions **out)
{
	struct questions *qs;

	qs = calloc(1, sizeof(*qs));
	if (qs == NULL)
		return MXQ_ENOMEM;
	qs->buckets = calloc(QUESTIONS_BUCKETS, sizeof(*qs->buckets));
	if (qs->buckets == NULL) {
		free(qs);
		return MXQ_ENOMEM;
	}
	qs->cfg = *cfg;
	if (qs->cfg.window < 1)
		qs->cfg.window = 1;
	qs->r = r;
	*out = qs;
	return MXQ_OK;
}

void
questions_free(struct questions *qs)
{
	size_t i;

	if (qs == NULL)
		return;
	for (i = 0; i < QUESTIONS_BUCKETS; i++) {
		struct question *q, *next;

		for (q = qs->buckets[i]; q != NULL; q = next) {
			next = q->hnext;
			question_free(q);
		}
	}
	free(qs->buckets);
	free(qs->heap);
	free(qs);
}

size_t
questions_queued(const struct questions *qs)
{
	return qs->urgent.n + qs->fresh.n;
}

size_t
questions_inflight(const struct questions *qs)
{
	return qs->inflight;
}

void
questions_get_stats(const struct questions *qs, struct questions_stats *s)
{
	*s = qs->stats;
}
