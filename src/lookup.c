/*
 * The per-domain state machine and the ordered hand-off.  Questions,
 * their cache, the window and every domain's clock are the question
 * table's (questions.c); what each answer means is answer.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mxq/answer.h"
#include "mxq/check.h"
#include "mxq/lookup.h"
#include "mxq/special.h"
#include "mxq/wire.h"

#define MXQ_STR_(x) #x
#define MXQ_STR(x) MXQ_STR_(x)

_Static_assert(MX_MAX_CNAME == ANSWER_MAX_CHAIN,
    "mxq(1) documents one CNAME bound");

/* A domain on its way through the engine. */
struct domain {
	struct domain *prev, *next;	/* the line, in input order */
	struct lookup *l;
	struct owner owner;		/* its questions and its clock */
	struct mx_domain *d;
	int probing;			/* its probes run (--smtp) */
	int done;			/* finished: ready to hand over */
};

struct lookup {
	struct lookup_config cfg;
	struct resolver *r;
	struct questions *qs;
	lookup_done_fn *done;
	void *done_arg;
	void (*idle)(void *);
	struct domain *head, *tail;
	size_t active;
	size_t max_active;
	enum mxq_status fatal;
	unsigned long additional;
	unsigned long expired;
};

static void
fail(struct lookup *l, enum mxq_status st)
{
	if (l->fatal == MXQ_OK)
		l->fatal = st;
}

/* ---- what checks see (mxq/check.h) ------------------------------------- */

enum mxq_status
domain_ask(struct domain *dom, const struct question_key *key, unsigned how,
    question_fn *fn, size_t index, int tag)
{
	return questions_ask(dom->l->qs, &dom->owner, key, how, fn, dom, index,
	    tag);
}

struct mx_domain *
domain_model(struct domain *dom)
{
	return dom->d;
}

const struct lookup_config *
domain_config(const struct domain *dom)
{
	return &dom->l->cfg;
}

struct resolver *
domain_resolver(struct domain *dom)
{
	return dom->l->r;
}

void
domain_fail(struct domain *dom, enum mxq_status st)
{
	fail(dom->l, st);
}

unsigned
domain_query_flags(const struct domain *dom)
{
	/* RFC 6840 5.7: AD in the query asks the resolver to say. */
	return WIRE_QUERY_RD | (dom->l->cfg.dnssec ?
	    WIRE_QUERY_DO | WIRE_QUERY_AD : 0);
}

const char *
check_answer_words(const struct answer *a, const char *server, char *buf,
    size_t size)
{
	char zone[WIRE_TEXT_MAX];

	switch (a->status) {
	case MXQ_EREFERRAL:
		if (a->zone != NULL)
			wire_name_to_text(a->zone, zone);
		else
			snprintf(zone, sizeof(zone), "?");
		snprintf(buf, size, "referral to %s from %s: the server is "
		    "not authoritative for this name and does not recurse%s",
		    zone, server, (a->flags & WIRE_FLAG_RA) ? "" :
		    " (recursion requested but not available)");
		return buf;
	case MXQ_ELAME:
		snprintf(buf, size, "negative answer (%s) from %s neither "
		    "authoritative nor recursive (AA and RA clear): not "
		    "trusted", a->rcode == WIRE_RCODE_NXDOMAIN ? "NXDOMAIN" :
		    "NODATA", server);
		return buf;
	case MXQ_EBOGUS:
		/* RFC 8914: the resolver's own words, when it sent them. */
		if (a->ede >= 0 && a->ede_text != NULL)
			snprintf(buf, size, "DNSSEC validation failed at %s: "
			    "%s (extended error %d)", server, a->ede_text,
			    a->ede);
		else if (a->ede >= 0)
			snprintf(buf, size, "DNSSEC validation failed at %s "
			    "(extended error %d)", server, a->ede);
		else
			snprintf(buf, size, "DNSSEC validation failed at %s",
			    server);
		return buf;
	default:
		return a->why;
	}
}

enum mx_sec
check_answer_sec(const struct lookup_config *cfg, const struct answer *a)
{
	if (!cfg->dnssec)
		return MX_SEC_NONE;
	if (a->status == MXQ_EBOGUS)
		return MX_SEC_BOGUS;
	if (a->rcode < 0 || (a->status != MXQ_OK &&
	    a->status != MXQ_ENODATA && a->status != MXQ_ENXDOMAIN))
		return MX_SEC_UNKNOWN;
	return (a->flags & WIRE_FLAG_AD) ? MX_SEC_SECURE : MX_SEC_INSECURE;
}

void
check_failed_answer(struct answer *a, struct question_result *res,
    enum mxq_status st)
{
	memset(a, 0, sizeof(*a));
	a->status = st;
	a->rcode = -1;
	a->ede = -1;
	a->why = st == MXQ_ELIMIT ? "too many questions waiting" : NULL;
	memset(res, 0, sizeof(*res));
	res->answer = a;
	res->server = -1;
}

static void
copy_chain(struct lookup *l, char ***dst, size_t *ndst,
    const struct answer *a)
{
	char text[WIRE_TEXT_MAX];
	size_t i;

	for (i = 0; i < a->nchain; i++) {
		wire_name_to_text(&a->chain[i], text);
		if (mx_chain_add(dst, ndst, text) != MXQ_OK) {
			fail(l, MXQ_ENOMEM);
			return;
		}
	}
}

/* ---- the rows: questions of every exchange ------------------------------ */

const struct lookup_check *const lookup_default_checks[] = {
	&check_a_row, &check_aaaa_row, &check_tlsa_row,
};
const size_t lookup_default_nchecks =
    sizeof(lookup_default_checks) / sizeof(lookup_default_checks[0]);

/*
 * Addresses of exchange ex arrived, from index first on: which of them
 * the internet cannot reach, and the checks of addresses.
 */
static void
addresses_arrived(struct domain *dom, size_t ex, size_t first)
{
	struct mx_exchange *e = &dom->d->ex[ex];
	size_t k;

	for (k = first; k < e->naddr; k++)
		e->addr[k].special = special_address(e->addr[k].family,
		    e->addr[k].bytes);
	check_ptr_start(dom, ex, first);
}

static void on_check(void *arg, size_t index, int tag,
    const struct question_result *res);

/* The name a row asks: the exchange's, with the row's prefix. */
static int
check_name(const struct lookup_check *c, const struct mx_exchange *e,
    struct wire_name *out)
{
	struct wire_name p;
	const char *why;

	if (c->prefix == NULL) {
		*out = e->name;
		return 0;
	}
	if (wire_name_from_text(c->prefix, &p, &why) != MXQ_OK ||
	    p.len - 1 + e->name.len > WIRE_NAME_MAX)
		return -1;
	memcpy(out->data, p.data, p.len - 1);
	memcpy(out->data + p.len - 1, e->name.data, e->name.len);
	out->len = (uint8_t)(p.len - 1 + e->name.len);
	return 0;
}

/* A row takes what the lookup could not do, in its words. */
static void
take_failure(struct lookup *l, const struct lookup_check *c,
    struct mx_domain *d, struct mx_exchange *e, enum mxq_status st)
{
	struct question_result res;
	struct answer a;

	if (st == MXQ_ENOMEM)
		fail(l, st);
	check_failed_answer(&a, &res, st);
	c->take(c, &l->cfg, d, e, &res, "?");
}

/* Every row for exchange i of domain dom. */
static void
ask_exchange(struct domain *dom, size_t i, const struct answer *mx)
{
	struct lookup *l = dom->l;
	size_t k;

	for (k = 0; k < l->cfg.nchecks; k++) {
		const struct lookup_check *c = l->cfg.checks[k];
		struct mx_exchange *e = &dom->d->ex[i];
		struct question_key key;
		enum mxq_status st;
		size_t before = e->naddr;

		if (c->wanted != NULL && !c->wanted(&l->cfg, e))
			continue;
		/*
		 * AD vouches for the answer and authority sections only (RFC
		 * 4035 3.2.3): with --dnssec the addresses are asked.
		 */
		if (!l->cfg.no_additional && !l->cfg.dnssec && c->glue &&
		    check_addr_glue(c, e, mx)) {
			l->additional++;
			if (e->naddr > before)
				addresses_arrived(dom, i, before);
			continue;
		}
		if (c->asked != NULL)
			c->asked(c, e);
		memset(&key, 0, sizeof(key));
		if (check_name(c, e, &key.name) != 0) {
			/* Too long with the prefix: no such name can exist. */
			take_failure(l, c, dom->d, e, MXQ_ENXDOMAIN);
			continue;
		}
		key.type = c->type;
		key.flags = domain_query_flags(dom) | c->flags;
		key.server = -1;
		/* Exchanges are shared between domains: keep the answers. */
		st = questions_ask(l->qs, &dom->owner, &key,
		    QUESTIONS_URGENT | QUESTIONS_KEEP, on_check, dom, i,
		    (int)k);
		if (st != MXQ_OK)
			take_failure(l, c, dom->d, e, st);
	}
}

static void
on_check(void *arg, size_t index, int tag, const struct question_result *res)
{
	struct domain *dom = arg;
	struct lookup *l = dom->l;
	const struct lookup_check *c = l->cfg.checks[tag];
	struct mx_exchange *e = &dom->d->ex[index];
	size_t before = e->naddr;

	c->take(c, &l->cfg, dom->d, e, res,
	    resolver_server_text(l->r, res->server));
	if (e->naddr > before)
		addresses_arrived(dom, index, before);
}

/* The MX records of the answer into the model: exchanges, '.' rules. */
static void
take_mx_records(struct lookup *l, struct mx_domain *d, const struct answer *a)
{
	size_t i, j;

	for (i = 0; i < a->nrr; i++) {
		struct wire_name name;
		uint16_t pref;

		if (answer_mx(&a->rr[i], &pref, &name) != MXQ_OK)
			continue;	/* answer.c has checked the form */
		for (j = 0; j < d->nex; j++)
			if (d->ex[j].pref == pref &&
			    wire_name_equal(&d->ex[j].name, &name))
				break;
		if (j < d->nex) {
			/* RFC 2181 5: identical records are one. */
			d->warn |= MX_DW_DUPLICATE;
			continue;
		}
		if (d->nex == MX_MAX_EXCHANGES) {
			d->status = MXQ_ELIMIT;
			mx_set_string(&d->message, "more than "
			    MXQ_STR(MX_MAX_EXCHANGES) " MX records");
			return;
		}
		if (mx_domain_add_exchange(d, pref, a->rr[i].ttl, &name) ==
		    NULL) {
			fail(l, MXQ_ENOMEM);
			return;
		}
		if (d->nex == 1 || a->rr[i].ttl < d->mx_ttl)
			d->mx_ttl = a->rr[i].ttl;
	}
	/* RFC 7505: only the single record "MX 0 ." is a null MX. */
	if (d->nex == 1 && d->ex[0].pref == 0 &&
	    wire_name_is_root(&d->ex[0].name)) {
		d->nullmx = 1;
		return;
	}
	for (i = 0; i < d->nex; i++)
		if (wire_name_is_root(&d->ex[i].name))
			d->ex[i].warn |= d->nex > 1 ? MX_W_NULLMIXED :
			    MX_W_NULLPREF;
}

static unsigned
model_notes(unsigned notes)
{
	return ((notes & RESOLVER_NOTE_TCP) ? MX_NOTE_TCP : 0) |
	    ((notes & RESOLVER_NOTE_TRUNCATED) ? MX_NOTE_TRUNCATED : 0) |
	    ((notes & RESOLVER_NOTE_NOEDNS) ? MX_NOTE_NOEDNS : 0) |
	    ((notes & RESOLVER_NOTE_CASE) ? MX_NOTE_CASE : 0);
}

static void
on_mx(void *arg, size_t index, int tag, const struct question_result *res)
{
	struct domain *dom = arg;
	struct lookup *l = dom->l;
	struct mx_domain *d = dom->d;
	const struct answer *a = res->answer;
	const char *server = resolver_server_text(l->r, res->server);
	char buf[WIRE_TEXT_MAX + 200];
	const char *why;
	size_t i;

	(void)index;
	(void)tag;
	d->status = a->status;
	d->rcode = a->rcode;
	d->flags = a->flags;
	d->notes = model_notes(res->notes);
	d->secure = check_answer_sec(&l->cfg, a);
	if (res->server >= 0) {
		const char *name = resolver_server_name(l->r, res->server);

		mx_set_string(&d->server, server);
		mx_set_string(&d->server_name, name[0] != '\0' ? name : NULL);
	}
	why = check_answer_words(a, server, buf, sizeof(buf));
	if (why != NULL)
		mx_set_string(&d->message, why);
	copy_chain(l, &d->cname, &d->ncname, a);
	if (a->status == MXQ_OK) {
		take_mx_records(l, d, a);
		if (d->nullmx || d->status != MXQ_OK || l->cfg.no_resolve)
			return;
		d->resolved = 1;
		for (i = 0; i < d->nex; i++)
			if (!mx_is_dot(&d->ex[i]))
				ask_exchange(dom, i, a);
	} else if (a->status == MXQ_ENODATA && !l->cfg.no_resolve) {
		/* RFC 5321 5.1: the domain itself, as if MX 0. */
		if (mx_domain_add_exchange(d, 0, 0, &d->qname) == NULL) {
			fail(l, MXQ_ENOMEM);
			return;
		}
		d->implicit = 1;
		d->resolved = 1;
		ask_exchange(dom, 0, NULL);
	}
}

/* ---- handing over ------------------------------------------------------ */

/* Hand one finished domain over and take it out of the line. */
static void
emit_one(struct lookup *l, struct domain *dom)
{
	double t0 = resolver_now_ms();
	enum mxq_status st;

	if (dom->prev != NULL)
		dom->prev->next = dom->next;
	else
		l->head = dom->next;
	if (dom->next != NULL)
		dom->next->prev = dom->prev;
	else
		l->tail = dom->prev;
	l->active--;
	st = l->done(l->done_arg, dom->d);
	if (st != MXQ_OK)
		fail(l, st);
	/* Writing may have waited on a slow reader: not the domains' time. */
	questions_pause(l->qs, resolver_now_ms() - t0);
	mx_domain_free(dom->d);
	free(dom);
}

/*
 * Hand over what may go now that dom is finished: dom itself with
 * --unordered, else the finished head of the line.
 */
static void
emit(struct lookup *l, struct domain *dom)
{
	if (l->cfg.unordered) {
		emit_one(l, dom);
		return;
	}
	while (l->head != NULL && l->head->done)
		emit_one(l, l->head);
}

static void
on_probed(void *arg)
{
	struct domain *dom = arg;

	dom->probing = 0;
	dom->done = 1;
	emit(dom->l, dom);
}

static void
finish(struct lookup *l, struct domain *dom)
{
	if (dom->done || dom->probing)
		return;
	dom->d->elapsed_ms = dom->owner.used_ms;
	mx_domain_finish(dom->d);
	/* The probes need the lookup's answers, the model its own alone. */
	if (l->cfg.probe != NULL && dom->d->verdict != MX_V_INVALID) {
		switch (probe_domain(l->cfg.probe, dom->d, on_probed, dom)) {
		case 1:
			dom->probing = 1;
			return;
		case -1:
			fail(l, MXQ_ENOMEM);
			break;
		default:
			break;
		}
	}
	dom->done = 1;
	emit(l, dom);
}

static void
on_settled(void *arg, struct owner *o)
{
	finish(arg, o->arg);
}

static void
on_expired(void *arg, struct owner *o)
{
	struct domain *dom = o->arg;

	((struct lookup *)arg)->expired++;
	if (dom->d->message == NULL)
		mx_set_string(&dom->d->message,
		    "total time per domain exceeded");
	finish(arg, dom);
}

enum mxq_status
lookup_add(struct lookup *l, struct mx_domain *d)
{
	struct domain *dom;
	struct question_key key;
	enum mxq_status st;

	dom = calloc(1, sizeof(*dom));
	if (dom == NULL) {
		mx_domain_free(d);
		return MXQ_ENOMEM;
	}
	dom->l = l;
	dom->d = d;
	d->private_ok = l->cfg.private_ok;
	owner_init(&dom->owner, l->cfg.deadline_ms, dom);
	dom->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = dom;
	else
		l->head = dom;
	l->tail = dom;
	l->active++;
	if (d->status != MXQ_OK) {
		finish(l, dom);
		return l->fatal;
	}
	/* Until an answer says otherwise (see the deadline). */
	d->status = MXQ_ETIMEOUT;
	memset(&key, 0, sizeof(key));
	key.name = d->qname;
	key.type = WIRE_TYPE_MX;
	key.flags = domain_query_flags(dom);
	key.server = -1;
	/* dom may be handed over and gone once it is let go. */
	questions_hold(&dom->owner);
	/*
	 * A domain is rarely asked twice in a run, and every answer kept
	 * pushes one that others share out of the cache: not kept.
	 */
	st = questions_ask(l->qs, &dom->owner, &key, 0, on_mx, dom, 0, 0);
	if (st != MXQ_OK) {
		if (st == MXQ_ENOMEM)
			fail(l, st);
		d->status = st;
		mx_set_string(&d->message, st == MXQ_ELIMIT ?
		    "too many questions waiting" : NULL);
	}
	if (st == MXQ_OK && l->cfg.ns)
		check_ns_start(dom);
	if (st == MXQ_OK && l->cfg.smtp)
		check_sts_start(dom);
	questions_release(l->qs, &dom->owner);
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

/* Nothing can move any more, yet domains wait: a bug, said so. */
static void
unstick(struct lookup *l)
{
	struct domain *dom;

	for (dom = l->head; dom != NULL; dom = dom->next)
		if (!dom->done) {
			questions_drop(l->qs, &dom->owner);
			dom->d->status = MXQ_EINTERNAL;
			finish(l, dom);
			return;
		}
}

enum mxq_status
lookup_step(struct lookup *l, int input_fd, int *input_ready)
{
	enum mxq_status st;
	double t0;

	if (input_ready != NULL)
		*input_ready = 0;
	if (l->active > 0 && resolver_pending(l->r) == 0 &&
	    questions_queued(l->qs) == 0 && (l->cfg.probe == NULL ||
	    probe_pending(l->cfg.probe) == 0)) {
		unstick(l);
		return l->fatal;
	}
	if (l->idle != NULL) {
		t0 = resolver_now_ms();
		l->idle(l->done_arg);
		questions_pause(l->qs, resolver_now_ms() - t0);
	}
	st = questions_step(l->qs, input_fd, input_ready);
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
lookup_new(const struct lookup_config *cfg, struct resolver *r,
    lookup_done_fn *done, void *arg, struct lookup **out)
{
	struct questions_config qc;
	struct lookup *l;
	enum mxq_status st;

	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return MXQ_ENOMEM;
	l->cfg = *cfg;
	if (l->cfg.checks == NULL) {
		l->cfg.checks = lookup_default_checks;
		l->cfg.nchecks = lookup_default_nchecks;
	}
	if (l->cfg.dane)
		l->cfg.dnssec = 1;	/* DANE stands on DNSSEC (RFC 7672) */
	l->r = r;
	l->done = done;
	l->done_arg = arg;
	l->max_active = (size_t)(cfg->window > 0 ? cfg->window : 1) *
	    LOOKUP_ACTIVE_FACTOR;
	if (l->max_active < LOOKUP_ACTIVE_MIN)
		l->max_active = LOOKUP_ACTIVE_MIN;
	memset(&qc, 0, sizeof(qc));
	qc.window = cfg->window;
	qc.cache_max = QUESTIONS_CACHE_MAX;
	qc.queue_max = QUESTIONS_QUEUE_MAX;
	qc.settled = on_settled;
	qc.expired = on_expired;
	qc.arg = l;
	st = questions_new(&qc, r, &l->qs);
	if (st != MXQ_OK) {
		free(l);
		return st;
	}
	*out = l;
	return MXQ_OK;
}

void
lookup_free(struct lookup *l)
{
	struct domain *dom, *next;

	if (l == NULL)
		return;
	/* Waiters first: questions_free frees them with their questions. */
	questions_free(l->qs);
	for (dom = l->head; dom != NULL; dom = next) {
		next = dom->next;
		mx_domain_free(dom->d);
		free(dom);
	}
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
	memset(s, 0, sizeof(*s));
	questions_get_stats(l->qs, &s->questions);
	s->additional = l->additional;
	s->expired = l->expired;
}
