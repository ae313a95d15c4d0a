/* Per-domain state machine, query window, cache and ordered hand-off. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mxq/lookup.h"
#include "mxq/wire.h"

/* Finished A/AAAA answers kept for other domains (LRU beyond this). */
#define LOOKUP_CACHE_MAX	8192
/* Domains in progress or waiting for their turn to be printed. */
#define LOOKUP_ACTIVE_FACTOR	8
#define LOOKUP_ACTIVE_MIN	64
/* Total time per domain, in rounds of timeout x tries x servers. */
#define LOOKUP_DEADLINE_ROUNDS	3

#define MXQ_STR_(x) #x
#define MXQ_STR(x) MXQ_STR_(x)

struct lookup;
struct centry;
struct dstate;
struct waiter;

typedef void waiter_fn(struct lookup *l, const struct centry *e,
    struct waiter *w);

struct waiter {
	struct waiter *next;
	waiter_fn *fn;
	struct dstate *ds;
	size_t ex;			/* exchange index */
	int family;			/* 4 or 6 */
};

struct cmx {
	uint16_t pref;
	uint32_t ttl;
	struct wire_name name;
};

struct caddr {
	int family;
	uint32_t ttl;
	uint8_t bytes[16];
};

struct cglue {
	struct wire_name owner;
	struct caddr a;
};

enum centry_state { CE_QUEUED, CE_INFLIGHT, CE_DONE };

/* One question (name, type) and, once answered, its answer. */
struct centry {
	struct centry *hnext;		/* hash chain */
	struct centry *prev, *next;	/* send queue, or LRU when done */
	struct lookup *l;
	struct wire_name name;		/* as asked */
	struct wire_name cur;		/* end of the alias chain so far */
	uint32_t hash;
	uint16_t type;
	enum centry_state state;
	struct waiter *waiters;
	enum mxq_status status;
	const char *message;		/* static detail, or NULL */
	int rcode;
	uint16_t flags;
	char **chain;
	size_t nchain;
	struct cmx *mx;
	size_t nmx;
	struct caddr *addr;
	size_t naddr;
	struct cglue *glue;
	size_t nglue;
};

struct dstate {
	struct dstate *prev, *next;	/* line of domains, or orphans */
	struct mx_domain *d;
	size_t pending;			/* answers still expected */
	int done;			/* finished: ready to hand over */
	int expired;			/* cut off at its deadline */
	int started;			/* its MX question went out */
	struct timespec start;		/* when it did */
	double deadline_ms;
};

struct lookup {
	const struct mxq_opts *o;
	struct resolver *r;
	lookup_done_fn *done;
	void *done_arg;
	void (*idle)(void *);		/* before waiting for the network */
	struct centry **buckets;
	size_t nbuckets;
	size_t ncached;			/* entries in the LRU */
	struct centry *lru_head, *lru_tail;	/* head: most recent */
	struct centry *q_head, *q_tail;
	size_t inflight;
	struct dstate *d_head, *d_tail;
	struct dstate *orphans;		/* handed over, answers still due */
	size_t active;
	size_t max_active;
	double deadline_ms;		/* total time allowed per domain */
	enum mxq_status fatal;
	struct lookup_stats stats;
};

static void domain_check(struct lookup *l, struct dstate *ds);

/*
 * A domain's clock runs from when its MX question goes out, not from
 * when it joined the line: time spent waiting for room in the window is
 * not its own.
 */
static void
domain_start(struct dstate *ds)
{
	if (ds->started)
		return;
	ds->started = 1;
	clock_gettime(CLOCK_MONOTONIC, &ds->start);
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

static void
fail(struct lookup *l, enum mxq_status st)
{
	if (l->fatal == MXQ_OK)
		l->fatal = st;
}

/* ---- cache entries ---------------------------------------------------- */

static void
centry_free(struct centry *e)
{
	size_t i;

	for (i = 0; i < e->nchain; i++)
		free(e->chain[i]);
	free(e->chain);
	free(e->mx);
	free(e->addr);
	free(e->glue);
	free(e);
}

static void
hash_remove(struct lookup *l, struct centry *e)
{
	struct centry **pp = &l->buckets[e->hash % l->nbuckets];

	for (; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			return;
		}
}

static struct centry *
hash_find(struct lookup *l, const struct wire_name *name, uint16_t type,
    uint32_t h)
{
	struct centry *e;

	for (e = l->buckets[h % l->nbuckets]; e != NULL; e = e->hnext)
		if (e->hash == h && e->type == type &&
		    wire_name_equal(&e->name, name))
			return e;
	return NULL;
}

static void
list_unlink(struct centry **head, struct centry **tail, struct centry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		*head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		*tail = e->prev;
	e->prev = e->next = NULL;
}

static void
list_push_front(struct centry **head, struct centry **tail, struct centry *e)
{
	e->prev = NULL;
	e->next = *head;
	if (*head != NULL)
		(*head)->prev = e;
	else
		*tail = e;
	*head = e;
}

static void
list_push_back(struct centry **head, struct centry **tail, struct centry *e)
{
	e->next = NULL;
	e->prev = *tail;
	if (*tail != NULL)
		(*tail)->next = e;
	else
		*head = e;
	*tail = e;
}

static void on_reply(void *arg, enum mxq_status st, const uint8_t *buf,
    size_t len);
static void centry_finish(struct centry *e);

/* Send queued questions while the window has room. */
static void
pump(struct lookup *l)
{
	while (l->q_head != NULL &&
	    l->inflight < (size_t)l->o->concurrency) {
		struct centry *e = l->q_head;
		enum mxq_status st;

		list_unlink(&l->q_head, &l->q_tail, e);
		e->state = CE_INFLIGHT;
		l->inflight++;
		if (e->type == WIRE_TYPE_MX) {
			struct waiter *w;

			for (w = e->waiters; w != NULL; w = w->next)
				domain_start(w->ds);
		}
		st = resolver_send(l->r, &e->cur, e->type, on_reply, e);
		if (st != MXQ_OK) {
			l->inflight--;
			e->status = st;
			centry_finish(e);
		}
	}
}

/* Deliver an answer to its waiters, then cache or drop it. */
static void
centry_finish(struct centry *e)
{
	struct lookup *l = e->l;
	struct waiter *w, *next;

	e->state = CE_DONE;
	w = e->waiters;
	e->waiters = NULL;
	for (; w != NULL; w = next) {
		next = w->next;
		w->fn(l, e, w);
		free(w);
	}
	/*
	 * Keep definitive address answers only: MX sets are rarely asked
	 * twice, and a temporary failure deserves another try.
	 */
	if (e->type == WIRE_TYPE_MX || status_is_temporary(e->status) ||
	    status_exit_code(e->status) == MXQ_EXIT_INTERNAL) {
		hash_remove(l, e);
		centry_free(e);
		return;
	}
	list_push_front(&l->lru_head, &l->lru_tail, e);
	if (++l->ncached > LOOKUP_CACHE_MAX) {
		struct centry *old = l->lru_tail;

		list_unlink(&l->lru_head, &l->lru_tail, old);
		hash_remove(l, old);
		centry_free(old);
		l->ncached--;
	}
}

/*
 * Ask (name, type) for waiter w: answered from the cache at once, added
 * to a question in progress, or queued as a new question.
 */
static void
want(struct lookup *l, const struct wire_name *name, uint16_t type,
    struct waiter *w)
{
	uint32_t h = wire_name_hash(name);
	struct centry *e;

	w->ds->pending++;
	e = hash_find(l, name, type, h);
	if (e != NULL && e->state == CE_DONE) {
		l->stats.cache_hits++;
		list_unlink(&l->lru_head, &l->lru_tail, e);
		list_push_front(&l->lru_head, &l->lru_tail, e);
		w->fn(l, e, w);
		free(w);
		return;
	}
	if (e != NULL && e->type == WIRE_TYPE_MX && e->state != CE_QUEUED)
		domain_start(w->ds);	/* joins a question already out */
	if (e == NULL) {
		e = calloc(1, sizeof(*e));
		if (e == NULL) {
			fail(l, MXQ_ENOMEM);
			w->ds->pending--;
			free(w);
			return;
		}
		e->l = l;
		e->name = *name;
		e->cur = *name;
		e->hash = h;
		e->type = type;
		e->rcode = -1;
		e->state = CE_QUEUED;
		e->hnext = l->buckets[h % l->nbuckets];
		l->buckets[h % l->nbuckets] = e;
		list_push_back(&l->q_head, &l->q_tail, e);
	}
	w->next = e->waiters;
	e->waiters = w;
	pump(l);
}

static struct waiter *
waiter_new(struct lookup *l, waiter_fn *fn, struct dstate *ds, size_t ex,
    int family)
{
	struct waiter *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		fail(l, MXQ_ENOMEM);
		return NULL;
	}
	w->fn = fn;
	w->ds = ds;
	w->ex = ex;
	w->family = family;
	return w;
}

/* ---- reading a reply ------------------------------------------------- */

static int
chain_has(const struct centry *e, const char *text)
{
	size_t i;

	for (i = 0; i < e->nchain; i++)
		if (strcasecmp(e->chain[i], text) == 0)
			return 1;
	return 0;
}

/* Take the records of the answer owned by e->cur, following aliases. */
static enum mxq_status
read_answer(struct centry *e, const struct wire_msg *m, int *grew)
{
	size_t i;
	enum mxq_status st;

	*grew = 0;
	for (;;) {
		struct wire_name target;
		int found = 0, alias = 0;

		for (i = 0; i < m->nrr; i++) {
			const struct wire_rr *rr = &m->rr[i];

			if (rr->section != WIRE_ANSWER ||
			    rr->class != WIRE_CLASS_IN ||
			    !wire_name_equal(&rr->owner, &e->cur))
				continue;
			if (rr->type == WIRE_TYPE_CNAME && !alias) {
				st = wire_rdata_name(m, rr, &target);
				if (st != MXQ_OK)
					return st;
				alias = 1;
			}
			if (rr->type != e->type)
				continue;
			found = 1;
			if (e->type == WIRE_TYPE_MX) {
				struct cmx *grown;

				grown = mx_grow(e->mx, e->nmx,
				    sizeof(*e->mx));
				if (grown == NULL)
					return MXQ_ENOMEM;
				e->mx = grown;
				st = wire_rdata_mx(m, rr, &e->mx[e->nmx].pref,
				    &e->mx[e->nmx].name);
				if (st != MXQ_OK)
					return st;
				e->mx[e->nmx++].ttl = rr->ttl;
			} else {
				size_t n = e->type == WIRE_TYPE_A ? 4 : 16;
				struct caddr *grown;

				if (rr->rdlen != n) {
					e->message = "address record of the "
					    "wrong length";
					return MXQ_EMALFORMED;
				}
				grown = mx_grow(e->addr, e->naddr,
				    sizeof(*e->addr));
				if (grown == NULL)
					return MXQ_ENOMEM;
				e->addr = grown;
				e->addr[e->naddr].family = n == 4 ? 4 : 6;
				e->addr[e->naddr].ttl = rr->ttl;
				memcpy(e->addr[e->naddr].bytes,
				    m->buf + rr->rdoff, n);
				e->naddr++;
			}
		}
		if (found || !alias)
			return MXQ_OK;
		{
			char text[WIRE_TEXT_MAX];

			wire_name_to_text(&target, text);
			if (wire_name_equal(&target, &e->name) ||
			    chain_has(e, text)) {
				e->message = "CNAME loop";
				return MXQ_EMALFORMED;
			}
			if (e->nchain >= MX_MAX_CNAME) {
				e->message = "CNAME chain too long";
				return MXQ_ELIMIT;
			}
			if (mx_chain_add(&e->chain, &e->nchain, text) != MXQ_OK)
				return MXQ_ENOMEM;
		}
		e->cur = target;
		*grew = 1;
	}
}

/* Addresses in the additional section of an MX reply. */
static enum mxq_status
read_glue(struct centry *e, const struct wire_msg *m)
{
	size_t i;

	for (i = 0; i < m->nrr; i++) {
		const struct wire_rr *rr = &m->rr[i];
		struct cglue *grown, *g;

		if (rr->section != WIRE_ADDITIONAL ||
		    rr->class != WIRE_CLASS_IN ||
		    !((rr->type == WIRE_TYPE_A && rr->rdlen == 4) ||
		    (rr->type == WIRE_TYPE_AAAA && rr->rdlen == 16)))
			continue;
		grown = mx_grow(e->glue, e->nglue, sizeof(*e->glue));
		if (grown == NULL)
			return MXQ_ENOMEM;
		e->glue = grown;
		g = &e->glue[e->nglue++];
		memset(g, 0, sizeof(*g));
		g->owner = rr->owner;
		g->a.family = rr->type == WIRE_TYPE_A ? 4 : 6;
		g->a.ttl = rr->ttl;
		memcpy(g->a.bytes, m->buf + rr->rdoff, rr->rdlen);
	}
	return MXQ_OK;
}

static enum mxq_status
read_reply(struct centry *e, const uint8_t *buf, size_t len, int *again)
{
	struct wire_msg m;
	enum mxq_status st;
	int grew = 0;

	*again = 0;
	st = wire_parse(buf, len, &m);
	if (st != MXQ_OK) {
		e->message = st == MXQ_ELIMIT ? "too many records in reply" :
		    "reply does not parse";
		return st;
	}
	e->rcode = m.rcode;
	e->flags = m.flags;
	if (!(m.flags & WIRE_FLAG_QR) || m.qdcount != 1 ||
	    m.qtype != e->type || m.qclass != WIRE_CLASS_IN ||
	    !wire_name_equal(&m.qname, &e->cur)) {
		e->message = "reply does not match the question";
		st = MXQ_EMALFORMED;
		goto out;
	}
	switch (m.rcode) {
	case WIRE_RCODE_NOERROR:
	case WIRE_RCODE_NXDOMAIN:
		break;
	case WIRE_RCODE_SERVFAIL:
		st = MXQ_ESERVFAIL;
		goto out;
	case WIRE_RCODE_REFUSED:
		st = MXQ_EREFUSED;
		goto out;
	default:
		st = MXQ_ERCODE;
		goto out;
	}
	st = read_answer(e, &m, &grew);
	if (st != MXQ_OK)
		goto out;
	if (e->nmx > 0 || e->naddr > 0) {
		if (e->type == WIRE_TYPE_MX)
			st = read_glue(e, &m);
	} else if (m.rcode == WIRE_RCODE_NXDOMAIN) {
		/* RFC 6604: the RCODE speaks of the last name of a chain. */
		st = MXQ_ENXDOMAIN;
	} else if (grew && !(m.flags & WIRE_FLAG_RA)) {
		/* An authoritative server stops at its zone: ask on. */
		*again = 1;
	} else {
		st = MXQ_ENODATA;
	}
out:
	wire_msg_clear(&m);
	return st;
}

static void
on_reply(void *arg, enum mxq_status st, const uint8_t *buf, size_t len)
{
	struct centry *e = arg;
	struct lookup *l = e->l;
	int again = 0;

	l->inflight--;
	if (st == MXQ_OK)
		st = read_reply(e, buf, len, &again);
	if (again) {
		e->state = CE_QUEUED;
		list_push_front(&l->q_head, &l->q_tail, e);
	} else {
		if (st == MXQ_ENOMEM)
			fail(l, st);
		e->status = st;
		centry_finish(e);
	}
	pump(l);
}

/* ---- domains --------------------------------------------------------- */

static void
copy_chain(char ***dst, size_t *ndst, const struct centry *e)
{
	size_t i;

	for (i = 0; i < e->nchain; i++)
		if (mx_chain_add(dst, ndst, e->chain[i]) != MXQ_OK)
			return;
}

/*
 * An answer for a domain cut off at its deadline: nobody wants it any
 * more.  Returns 1 when the answer was swallowed.
 */
static int
late(struct lookup *l, struct dstate *ds)
{
	if (!ds->expired)
		return 0;
	if (--ds->pending == 0 && ds->d == NULL) {
		if (ds->prev != NULL)
			ds->prev->next = ds->next;
		else
			l->orphans = ds->next;
		if (ds->next != NULL)
			ds->next->prev = ds->prev;
		free(ds);
	}
	return 1;
}

static void
on_addr(struct lookup *l, const struct centry *e, struct waiter *w)
{
	struct mx_exchange *ex;
	struct mx_family *f;
	size_t i;

	if (late(l, w->ds))
		return;
	ex = &w->ds->d->ex[w->ex];
	f = w->family == 4 ? &ex->fam4 : &ex->fam6;

	f->status = e->status;
	if (e->message != NULL)
		mx_set_string(&f->message, e->message);
	for (i = 0; i < e->naddr; i++)
		if (mx_exchange_add_addr(ex, e->addr[i].family,
		    e->addr[i].bytes, e->addr[i].ttl, MX_SRC_ANSWER) != MXQ_OK)
			fail(l, MXQ_ENOMEM);
	if (e->nchain > 0 && ex->ncname == 0) {
		copy_chain(&ex->cname, &ex->ncname, e);
		if (!w->ds->d->implicit)
			ex->warn |= MX_W_CNAME;
	}
	w->ds->pending--;
	domain_check(l, w->ds);
}

/* Take addresses of exchange i from the MX reply's additional section. */
static int
use_glue(struct lookup *l, struct mx_exchange *ex, const struct centry *e,
    int family)
{
	size_t i;
	int used = 0;

	for (i = 0; i < e->nglue; i++) {
		const struct cglue *g = &e->glue[i];

		if (g->a.family != family ||
		    !wire_name_equal(&g->owner, &ex->name))
			continue;
		if (mx_exchange_add_addr(ex, family, g->a.bytes, g->a.ttl,
		    MX_SRC_ADDITIONAL) != MXQ_OK)
			fail(l, MXQ_ENOMEM);
		used = 1;
	}
	if (used) {
		struct mx_family *f = family == 4 ? &ex->fam4 : &ex->fam6;

		f->asked = 1;
		f->status = MXQ_OK;
		l->stats.additional++;
	}
	return used;
}

static void
resolve_exchange(struct lookup *l, struct dstate *ds, size_t i,
    const struct centry *e)
{
	static const int families[2] = { 4, 6 };
	int k;

	for (k = 0; k < 2; k++) {
		int fam = families[k];
		struct mx_exchange *ex = &ds->d->ex[i];
		struct waiter *w;

		if (l->o->family != 0 && l->o->family != fam)
			continue;
		if (e != NULL && !l->o->no_additional &&
		    use_glue(l, ex, e, fam))
			continue;
		/* Until an answer says otherwise (see the deadline). */
		(fam == 4 ? &ex->fam4 : &ex->fam6)->asked = 1;
		(fam == 4 ? &ex->fam4 : &ex->fam6)->status = MXQ_ETIMEOUT;
		w = waiter_new(l, on_addr, ds, i, fam);
		if (w == NULL)
			return;
		want(l, &ex->name, fam == 4 ? WIRE_TYPE_A : WIRE_TYPE_AAAA,
		    w);
	}
}

static int
same_mx(const struct cmx *a, const struct cmx *b)
{
	return a->pref == b->pref && wire_name_equal(&a->name, &b->name);
}

static void
on_mx(struct lookup *l, const struct centry *e, struct waiter *w)
{
	struct dstate *ds = w->ds;
	struct mx_domain *d;
	size_t i, j;

	if (late(l, ds))
		return;
	d = ds->d;
	d->status = e->status;
	d->rcode = e->rcode;
	d->flags = e->flags;
	if (e->message != NULL)
		mx_set_string(&d->message, e->message);
	copy_chain(&d->cname, &d->ncname, e);
	/*
	 * The MX answer still counts as pending until the end: it holds
	 * the domain open while the address questions go out, some of
	 * which the cache may answer at once.
	 */
	if (e->status == MXQ_OK) {
		for (i = 0; i < e->nmx; i++) {
			for (j = 0; j < i; j++)
				if (same_mx(&e->mx[i], &e->mx[j]))
					break;
			if (j < i) {
				d->warn |= MX_DW_DUPLICATE;
				continue;
			}
			if (d->nex == MX_MAX_EXCHANGES) {
				d->status = MXQ_ELIMIT;
				mx_set_string(&d->message, "more than "
				    MXQ_STR(MX_MAX_EXCHANGES) " MX records");
				break;
			}
			if (mx_domain_add_exchange(d, e->mx[i].pref,
			    e->mx[i].ttl, &e->mx[i].name) == NULL) {
				fail(l, MXQ_ENOMEM);
				break;
			}
			if (i == 0 || e->mx[i].ttl < d->mx_ttl)
				d->mx_ttl = e->mx[i].ttl;
		}
		if (d->nex == 1 && d->ex[0].pref == 0 &&
		    wire_name_is_root(&d->ex[0].name)) {
			/* RFC 7505: no mail, and nothing to resolve. */
			d->nullmx = 1;
		} else {
			for (i = 0; i < d->nex; i++)
				if (wire_name_is_root(&d->ex[i].name))
					d->ex[i].warn |= MX_W_NULLMIXED;
		}
		if (!d->nullmx && d->status == MXQ_OK && !l->o->no_resolve) {
			d->resolved = 1;
			for (i = 0; i < d->nex; i++)
				if (!(d->ex[i].warn & MX_W_NULLMIXED))
					resolve_exchange(l, ds, i, e);
		}
	} else if (e->status == MXQ_ENODATA && !l->o->no_resolve) {
		/* RFC 5321 5.1: the domain itself, as if MX 0. */
		if (mx_domain_add_exchange(d, 0, 0, &d->qname) == NULL) {
			fail(l, MXQ_ENOMEM);
		} else {
			d->implicit = 1;
			d->resolved = 1;
			resolve_exchange(l, ds, 0, NULL);
		}
	}
	ds->pending--;
	domain_check(l, ds);
}

/* Hand one finished domain over and take it out of the line. */
static void
emit_one(struct lookup *l, struct dstate *ds)
{
	enum mxq_status st;

	if (ds->prev != NULL)
		ds->prev->next = ds->next;
	else
		l->d_head = ds->next;
	if (ds->next != NULL)
		ds->next->prev = ds->prev;
	else
		l->d_tail = ds->prev;
	l->active--;
	st = l->done(l->done_arg, ds->d);
	if (st != MXQ_OK)
		fail(l, st);
	mx_domain_free(ds->d);
	ds->d = NULL;
	if (ds->pending > 0) {
		/* Cut off: late answers still point here. */
		ds->prev = NULL;
		ds->next = l->orphans;
		if (l->orphans != NULL)
			l->orphans->prev = ds;
		l->orphans = ds;
	} else {
		free(ds);
	}
}

/*
 * Hand over what may go now that ds is finished: ds itself with
 * --unordered, else the finished head of the line (ds may be NULL).
 */
static void
emit(struct lookup *l, struct dstate *ds)
{
	if (l->o->unordered && ds != NULL) {
		emit_one(l, ds);
		return;
	}
	while (l->d_head != NULL && l->d_head->done)
		emit_one(l, l->d_head);
}

static void
domain_check(struct lookup *l, struct dstate *ds)
{
	if (ds->pending > 0 || ds->done)
		return;
	ds->done = 1;
	ds->d->elapsed_ms = ms_since(&ds->start);
	mx_domain_finish(ds->d);
	emit(l, ds);
}

enum mxq_status
lookup_add(struct lookup *l, struct mx_domain *d)
{
	struct dstate *ds;
	struct waiter *w;

	ds = calloc(1, sizeof(*ds));
	if (ds == NULL) {
		mx_domain_free(d);
		return MXQ_ENOMEM;
	}
	ds->d = d;
	ds->deadline_ms = l->deadline_ms;
	ds->prev = l->d_tail;
	if (l->d_tail != NULL)
		l->d_tail->next = ds;
	else
		l->d_head = ds;
	l->d_tail = ds;
	l->active++;
	if (d->status == MXQ_OK) {
		/* Until an answer says otherwise (see the deadline). */
		d->status = MXQ_ETIMEOUT;
		w = waiter_new(l, on_mx, ds, 0, 0);
		if (w != NULL)
			want(l, &d->qname, WIRE_TYPE_MX, w);
	} else {
		domain_start(ds);
	}
	domain_check(l, ds);
	return l->fatal;
}

int
lookup_full(const struct lookup *l)
{
	return l->active >= l->max_active;
}

size_t
lookup_active(const struct lookup *l)
{
	return l->active;
}

/*
 * Cut off domains past their deadline.  Domains start in line order and
 * all get the same time, so the first one still within its time ends
 * the walk.
 */
static void
expire(struct lookup *l)
{
	struct dstate *ds, *next;

	for (ds = l->d_head; ds != NULL; ds = next) {
		next = ds->next;
		if (ds->done)
			continue;
		if (!ds->started || ms_since(&ds->start) < ds->deadline_ms)
			break;
		ds->expired = 1;
		if (ds->d->message == NULL)
			mx_set_string(&ds->d->message,
			    "total time per domain exceeded");
		ds->done = 1;
		ds->d->elapsed_ms = ms_since(&ds->start);
		mx_domain_finish(ds->d);
		/* In order, emitting may free next: do it after the walk. */
		if (l->o->unordered)
			emit(l, ds);
	}
	if (!l->o->unordered)
		emit(l, NULL);
}

enum mxq_status
lookup_step(struct lookup *l, int input_fd, int *input_ready)
{
	enum mxq_status st;

	if (input_ready != NULL)
		*input_ready = 0;
	expire(l);
	pump(l);
	if (resolver_pending(l->r) == 0) {
		/* Nothing can move any more: should not happen. */
		if (l->active > 0 && l->q_head == NULL) {
			struct dstate *ds;

			for (ds = l->d_head; ds != NULL; ds = ds->next)
				if (!ds->done) {
					ds->pending = 0;
					ds->d->status = MXQ_EINTERNAL;
					domain_check(l, ds);
					break;
				}
		}
		return l->fatal;
	}
	if (l->idle != NULL)
		l->idle(l->done_arg);
	st = resolver_wait(l->r, input_fd, input_ready);
	if (st != MXQ_OK)
		fail(l, st);
	return l->fatal;
}

enum mxq_status
lookup_drain(struct lookup *l)
{
	while (l->active > 0 && l->fatal == MXQ_OK)
		lookup_step(l, -1, NULL);
	return l->fatal;
}

enum mxq_status
lookup_new(const struct mxq_opts *o, struct resolver *r, lookup_done_fn *done,
    void *arg, struct lookup **out)
{
	struct lookup *l;

	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return MXQ_ENOMEM;
	l->nbuckets = 4096;
	l->buckets = calloc(l->nbuckets, sizeof(*l->buckets));
	if (l->buckets == NULL) {
		free(l);
		return MXQ_ENOMEM;
	}
	l->o = o;
	l->r = r;
	l->done = done;
	l->done_arg = arg;
	/*
	 * A domain needs two rounds (MX, then addresses), each at most
	 * timeout x tries x servers; a third covers CNAME follow-ups.
	 */
	l->deadline_ms = (double)LOOKUP_DEADLINE_ROUNDS * o->timeout_ms *
	    o->tries * (o->nservers > 0 ? (double)o->nservers : 1.0);
	l->max_active = (size_t)o->concurrency * LOOKUP_ACTIVE_FACTOR;
	if (l->max_active < LOOKUP_ACTIVE_MIN)
		l->max_active = LOOKUP_ACTIVE_MIN;
	*out = l;
	return MXQ_OK;
}

void
lookup_free(struct lookup *l)
{
	struct dstate *ds, *dn;
	struct centry *e, *en;
	size_t i;

	if (l == NULL)
		return;
	for (ds = l->d_head; ds != NULL; ds = dn) {
		dn = ds->next;
		mx_domain_free(ds->d);
		free(ds);
	}
	for (ds = l->orphans; ds != NULL; ds = dn) {
		dn = ds->next;
		free(ds);
	}
	for (i = 0; i < l->nbuckets; i++)
		for (e = l->buckets[i]; e != NULL; e = en) {
			struct waiter *w, *wn;

			en = e->hnext;
			for (w = e->waiters; w != NULL; w = wn) {
				wn = w->next;
				free(w);
			}
			centry_free(e);
		}
	free(l->buckets);
	free(l);
}

void
lookup_set_idle(struct lookup *l, void (*idle)(void *))
{
	l->idle = idle;
}

void
lookup_get_stats(const struct lookup *l, struct lookup_stats *s)
{
	*s = l->stats;
}
