/*
 * Every authoritative server of the domain's zone (--ns): the zone from
 * the SOA the resolver gives for the domain, its NS set, the addresses of
 * every name server, then each address asked directly, without
 * recursion, for the zone's SOA and the domain's MX set.  mx_domain_finish
 * compares the answers: differing serials or MX sets, servers that do not
 * answer for the zone (lame) or at all.  "dig +nssearch" compares serials
 * only.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mxq/check.h"

/* Bounds, documented in mxq(1) under LIMITS. */
#define CHECK_NS_MAX_NAMES	16	/* NS records followed */
#define CHECK_NS_MAX_SERVERS	64	/* addresses asked, per domain */

static struct mx_ns *
ns_of(struct domain *dom)
{
	return domain_model(dom)->ns;
}

static void
ns_failed(struct domain *dom, enum mxq_status st, const char *why)
{
	struct mx_ns *ns = ns_of(dom);

	ns->status = st;
	if (why != NULL)
		mx_set_string(&ns->message, why);
}

static int
name_of(const char *text, struct wire_name *out)
{
	const char *why;

	return wire_name_from_text(text, out, &why) == MXQ_OK ? 0 : -1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

/* The server's MX set, as "PREF NAME" strings in a fixed order. */
static void
on_server_mx(void *arg, size_t index, int tag,
    const struct question_result *res)
{
	struct domain *dom = arg;
	struct mx_nsserver *s = &ns_of(dom)->srv[index];
	const struct answer *a = res->answer;
	size_t i;

	(void)tag;
	s->mx_status = a->status;
	for (i = 0; i < a->nrr; i++) {
		struct wire_name ex;
		char text[WIRE_TEXT_MAX + 8];
		uint16_t pref;
		int n;

		if (answer_mx(&a->rr[i], &pref, &ex) != MXQ_OK)
			continue;
		n = snprintf(text, sizeof(text), "%05u ", pref);
		wire_name_to_text(&ex, text + n);
		if (mx_chain_add(&s->mx, &s->nmx, text) != MXQ_OK) {
			domain_fail(dom, MXQ_ENOMEM);
			return;
		}
	}
	/* Sorted with the preference zero-padded, then shown without. */
	if (s->nmx > 1)
		qsort(s->mx, s->nmx, sizeof(*s->mx), cmp_str);
	for (i = 0; i < s->nmx; i++) {
		char *p = s->mx[i];
		size_t z = strspn(p, "0");

		if (p[z] == ' ')
			z--;		/* preference 0 */
		memmove(p, p + z, strlen(p + z) + 1);
	}
}

static void
on_server_soa(void *arg, size_t index, int tag,
    const struct question_result *res)
{
	struct domain *dom = arg;
	struct mx_nsserver *s = &ns_of(dom)->srv[index];
	const struct answer *a = res->answer;
	char buf[WIRE_TEXT_MAX + 256];
	const char *why;

	(void)tag;
	s->status = a->status;
	s->authoritative = (a->flags & WIRE_FLAG_AA) != 0;
	why = check_answer_words(a, s->address, buf, sizeof(buf));
	if (why != NULL)
		mx_set_string(&s->message, why);
	if (a->nrr > 0) {
		struct answer_soa soa;

		if (answer_soa(&a->rr[0], &soa) == MXQ_OK)
			s->serial = soa.serial;
		else
			s->status = MXQ_EMALFORMED;
	} else if (a->status == MXQ_OK || a->status == MXQ_ENODATA) {
		/* The apex has a SOA: an answer without it is no answer. */
		s->status = MXQ_ELAME;
	}
}

/* Ask server s (its address in sa) for the zone's SOA and the MX set. */
static void
ask_server(struct domain *dom, size_t si, const struct sockaddr *sa,
    socklen_t len)
{
	struct mx_ns *ns = ns_of(dom);
	struct mx_domain *d = domain_model(dom);
	struct question_key key;
	enum mxq_status st;
	int server;

	st = resolver_server_add(domain_resolver(dom), sa, len, &server);
	if (st != MXQ_OK) {
		ns->srv[si].status = st;
		ns->srv[si].mx_status = st;
		mx_set_string(&ns->srv[si].message, "too many name servers");
		return;
	}
	memset(&key, 0, sizeof(key));
	if (name_of(ns->zone, &key.name) != 0)
		return;
	key.type = WIRE_TYPE_SOA;
	key.flags = 0;			/* its own data: no recursion */
	key.server = server;
	ns->srv[si].status = MXQ_ETIMEOUT;
	mx_set_string(&ns->srv[si].message, NULL);
	st = domain_ask(dom, &key, QUESTIONS_URGENT | QUESTIONS_KEEP,
	    on_server_soa, si, 0);
	if (st != MXQ_OK)
		ns->srv[si].status = st;
	key.name = d->qname;
	key.type = WIRE_TYPE_MX;
	ns->srv[si].mx_status = MXQ_ETIMEOUT;
	st = domain_ask(dom, &key, QUESTIONS_URGENT, on_server_mx, si, 0);
	if (st != MXQ_OK)
		ns->srv[si].mx_status = st;
}

/* A new entry for a name server, or NULL past the bound. */
static struct mx_nsserver *
add_server(struct domain *dom, const char *name)
{
	struct mx_ns *ns = ns_of(dom);
	struct mx_nsserver *grown, *s;

	if (ns->nsrv >= CHECK_NS_MAX_SERVERS)
		return NULL;
	grown = mx_grow(ns->srv, ns->nsrv, sizeof(*ns->srv));
	if (grown == NULL) {
		domain_fail(dom, MXQ_ENOMEM);
		return NULL;
	}
	ns->srv = grown;
	s = &ns->srv[ns->nsrv++];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	if (s->name == NULL)
		domain_fail(dom, MXQ_ENOMEM);
	s->status = MXQ_ETIMEOUT;
	s->mx_status = MXQ_ETIMEOUT;
	return s;
}

/* The addresses of name server n (index), A or AAAA (tag 4 or 6). */
static void
on_server_address(void *arg, size_t index, int tag,
    const struct question_result *res)
{
	struct domain *dom = arg;
	struct mx_ns *ns = ns_of(dom);
	const struct answer *a = res->answer;
	const char *name = ns->srv[index].name;
	size_t i;

	if (ns->srv[index].address == NULL) {
		/* So far: what this family says; an address of the other one
		 * may still come and fill the entry. */
		ns->srv[index].status = a->status == MXQ_OK ? MXQ_ENODATA :
		    a->status;
		ns->srv[index].mx_status = ns->srv[index].status;
		mx_set_string(&ns->srv[index].message, "no address");
	}
	for (i = 0; i < a->nrr; i++) {
		struct sockaddr_storage ss;
		char text[INET6_ADDRSTRLEN], where[INET6_ADDRSTRLEN + 8];
		socklen_t len;
		uint8_t bytes[16];
		size_t si;
		int fam;

		if (answer_addr(&a->rr[i], &fam, bytes) != MXQ_OK ||
		    fam != tag)
			continue;
		memset(&ss, 0, sizeof(ss));
		if (fam == 4) {
			struct sockaddr_in *s4 = (void *)&ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons((uint16_t)domain_config(dom)->
			    ns_port);
			memcpy(&s4->sin_addr, bytes, 4);
			len = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (void *)&ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons((uint16_t)domain_config(dom)->
			    ns_port);
			memcpy(&s6->sin6_addr, bytes, 16);
			len = sizeof(*s6);
		}
		/* The name's first address fills its entry; others add. */
		if (ns->srv[index].address == NULL) {
			si = index;
		} else {
			if (add_server(dom, name) == NULL)
				return;
			ns = ns_of(dom);
			si = ns->nsrv - 1;
		}
		inet_ntop(fam == 4 ? AF_INET : AF_INET6, bytes, text,
		    sizeof(text));
		snprintf(where, sizeof(where), "%s#%d", text,
		    domain_config(dom)->ns_port);
		mx_set_string(&ns->srv[si].address, where);
		ask_server(dom, si, (const struct sockaddr *)&ss, len);
		ns = ns_of(dom);
		name = ns->srv[index].name;
	}
}

static void
on_ns_set(void *arg, size_t index, int tag, const struct question_result *res)
{
	struct domain *dom = arg;
	const struct answer *a = res->answer;
	char buf[WIRE_TEXT_MAX + 256];
	size_t i, n = 0;

	(void)index;
	(void)tag;
	if (a->status != MXQ_OK || a->nrr == 0) {
		ns_failed(dom, a->status == MXQ_OK ? MXQ_ENODATA : a->status,
		    check_answer_words(a, resolver_server_text(
		    domain_resolver(dom), res->server), buf, sizeof(buf)));
		return;
	}
	for (i = 0; i < a->nrr && n < CHECK_NS_MAX_NAMES; i++) {
		struct question_key key;
		char text[WIRE_TEXT_MAX];
		size_t si;
		int k;

		if (answer_name(&a->rr[i], &key.name) != MXQ_OK)
			continue;
		wire_name_to_text(&key.name, text);
		if (add_server(dom, text) == NULL)
			return;
		si = ns_of(dom)->nsrv - 1;
		n++;
		key.flags = domain_query_flags(dom);
		key.server = -1;
		for (k = 0; k < 2; k++) {
			enum mxq_status st;

			key.type = k == 0 ? WIRE_TYPE_A : WIRE_TYPE_AAAA;
			st = domain_ask(dom, &key, QUESTIONS_URGENT |
			    QUESTIONS_KEEP, on_server_address, si,
			    k == 0 ? 4 : 6);
			if (st == MXQ_ENOMEM)
				domain_fail(dom, st);
		}
	}
}

/* The zone of the domain: the owner of a SOA, answered or negative. */
static void
on_zone(void *arg, size_t index, int tag, const struct question_result *res)
{
	struct domain *dom = arg;
	struct mx_ns *ns = ns_of(dom);
	const struct answer *a = res->answer;
	struct question_key key;
	char text[WIRE_TEXT_MAX], buf[WIRE_TEXT_MAX + 256];
	enum mxq_status st;

	(void)index;
	(void)tag;
	memset(&key, 0, sizeof(key));
	if (a->status == MXQ_OK && a->nrr > 0)
		key.name = a->target;		/* the domain is an apex */
	else if ((a->status == MXQ_ENODATA || a->status == MXQ_ENXDOMAIN) &&
	    a->zone != NULL)
		key.name = *a->zone;
	else {
		ns_failed(dom, a->status == MXQ_OK ? MXQ_EMALFORMED :
		    a->status, check_answer_words(a, resolver_server_text(
		    domain_resolver(dom), res->server), buf, sizeof(buf)));
		if (ns->message == NULL)
			mx_set_string(&ns->message, "the zone was not found");
		return;
	}
	wire_name_to_text(&key.name, text);
	mx_set_string(&ns->zone, text);
	ns->status = MXQ_OK;
	key.type = WIRE_TYPE_NS;
	key.flags = domain_query_flags(dom);
	key.server = -1;
	st = domain_ask(dom, &key, QUESTIONS_URGENT | QUESTIONS_KEEP,
	    on_ns_set, 0, 0);
	if (st != MXQ_OK)
		ns_failed(dom, st, NULL);
}

void
check_ns_start(struct domain *dom)
{
	struct mx_domain *d = domain_model(dom);
	struct question_key key;
	enum mxq_status st;

	d->ns = calloc(1, sizeof(*d->ns));
	if (d->ns == NULL) {
		domain_fail(dom, MXQ_ENOMEM);
		return;
	}
	/* Until an answer says otherwise: what the deadline leaves. */
	d->ns->status = MXQ_ETIMEOUT;
	memset(&key, 0, sizeof(key));
	key.name = d->qname;
	key.type = WIRE_TYPE_SOA;
	key.flags = domain_query_flags(dom);
	key.server = -1;
	st = domain_ask(dom, &key, QUESTIONS_URGENT, on_zone, 0, 0);
	if (st != MXQ_OK)
		ns_failed(dom, st, NULL);
}
