/*
 * Reverse DNS of every exchange address (--ptr): its PTR records, asked
 * as soon as the address arrives, then forward confirmation (FCrDNS):
 * the A or AAAA records of each PTR name, which must hold the address.
 * Many receivers judge a sending host by it; for an exchange, a missing
 * or unconfirmed PTR is a finding of its own.
 */
#include <stdio.h>
#include <string.h>

#include "mxq/check.h"

/* PTR names whose addresses are asked; more are shown, not confirmed. */
#define CHECK_PTR_CONFIRM_MAX	4

/* The exchange and the address of a question, in its index. */
#define PTR_INDEX(ex, k)	((size_t)(ex) << 16 | (size_t)(k))
#define PTR_EX(i)		((i) >> 16)
#define PTR_ADDR(i)		((i) & 0xffff)

/* The name of the PTR of an address (RFC 1035 3.5, RFC 3596 2.5). */
static void
reverse_name(const struct mx_addr *a, struct wire_name *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	int i;

	if (a->family == 4) {
		for (i = 3; i >= 0; i--) {
			int n = snprintf((char *)out->data + o + 1, 4, "%u",
			    (unsigned)a->bytes[i]);

			out->data[o] = (uint8_t)n;
			o += 1 + (size_t)n;
		}
		memcpy(out->data + o, "\007in-addr\004arpa", 13);
	} else {
		for (i = 15; i >= 0; i--) {
			out->data[o++] = 1;
			out->data[o++] = (uint8_t)hex[a->bytes[i] & 0x0f];
			out->data[o++] = 1;
			out->data[o++] = (uint8_t)hex[a->bytes[i] >> 4];
		}
		memcpy(out->data + o, "\003ip6\004arpa", 9);
	}
	o += a->family == 4 ? 13 : 9;
	out->data[o++] = 0;
	out->len = (uint8_t)o;
}

static struct mx_addr *
address_of(struct domain *dom, size_t index)
{
	struct mx_domain *d = domain_model(dom);
	struct mx_exchange *e = &d->ex[PTR_EX(index)];

	return &e->addr[PTR_ADDR(index)];
}

static void
on_confirm(void *arg, size_t index, int tag, const struct question_result *res)
{
	struct mx_addr *a = address_of(arg, index);
	const struct answer *ans = res->answer;
	size_t i;

	for (i = 0; i < ans->nrr; i++) {
		uint8_t bytes[16];
		int fam;

		if (answer_addr(&ans->rr[i], &fam, bytes) == MXQ_OK &&
		    fam == a->family &&
		    memcmp(bytes, a->bytes, fam == 4 ? 4 : 16) == 0) {
			a->ptr.yes++;
			a->ptr.confirmed |= 1u << tag;
			return;
		}
	}
	if (ans->status == MXQ_OK || ans->status == MXQ_ENODATA ||
	    ans->status == MXQ_ENXDOMAIN)
		a->ptr.no++;
	else
		a->ptr.failed++;
}

static void
on_ptr(void *arg, size_t index, int tag, const struct question_result *res)
{
	struct domain *dom = arg;
	struct mx_addr *a = address_of(dom, index);
	const struct answer *ans = res->answer;
	char buf[WIRE_TEXT_MAX + 256];
	const char *why;
	size_t i;

	(void)tag;
	a->ptr.status = ans->status;
	why = check_answer_words(ans, resolver_server_text(
	    domain_resolver(dom), res->server), buf, sizeof(buf));
	if (why != NULL)
		mx_set_string(&a->ptr.message, why);
	for (i = 0; i < ans->nrr; i++) {
		struct question_key key;
		char text[WIRE_TEXT_MAX];
		enum mxq_status st;

		if (answer_name(&ans->rr[i], &key.name) != MXQ_OK)
			continue;
		wire_name_to_text(&key.name, text);
		if (mx_chain_add(&a->ptr.names, &a->ptr.nnames, text) !=
		    MXQ_OK) {
			domain_fail(dom, MXQ_ENOMEM);
			return;
		}
		if (a->ptr.nnames > CHECK_PTR_CONFIRM_MAX)
			continue;
		key.type = a->family == 4 ? WIRE_TYPE_A : WIRE_TYPE_AAAA;
		key.flags = domain_query_flags(dom);
		key.server = -1;
		/* The tag: the name's place in names, below the bound. */
		st = domain_ask(dom, &key, QUESTIONS_URGENT | QUESTIONS_KEEP,
		    on_confirm, index, (int)a->ptr.nnames - 1);
		if (st != MXQ_OK)
			a->ptr.failed++;
		if (st == MXQ_ENOMEM)
			domain_fail(dom, st);
	}
}

void
check_ptr_start(struct domain *dom, size_t ex, size_t first)
{
	struct mx_domain *d = domain_model(dom);
	size_t k;

	if (!domain_config(dom)->ptr)
		return;
	for (k = first; k < d->ex[ex].naddr; k++) {
		struct mx_addr *a = &d->ex[ex].addr[k];
		struct question_key key;
		enum mxq_status st;

		/* Until an answer says otherwise: what the deadline leaves. */
		a->ptr.asked = 1;
		a->ptr.status = MXQ_ETIMEOUT;
		memset(&key, 0, sizeof(key));
		reverse_name(a, &key.name);
		key.type = WIRE_TYPE_PTR;
		key.flags = domain_query_flags(dom);
		key.server = -1;
		/* An address is often shared: its PTR is asked once a run. */
		st = domain_ask(dom, &key, QUESTIONS_URGENT | QUESTIONS_KEEP,
		    on_ptr, PTR_INDEX(ex, k), -1);
		if (st != MXQ_OK) {
			d->ex[ex].addr[k].ptr.status = st;
			if (st == MXQ_ENOMEM)
				domain_fail(dom, st);
		}
	}
}
