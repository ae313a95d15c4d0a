/*
 * The DNS half of MTA-STS and TLS reporting (--smtp): the TXT records of
 * _mta-sts.DOMAIN (RFC 8461 3.1) and _smtp._tls.DOMAIN (RFC 8460 3), and
 * the addresses of mta-sts.DOMAIN, asked with the MX records so that the
 * policy fetch (probe.c) can start as soon as the lookup is done, on
 * addresses from the same resolver as everything else.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "mxq/check.h"
#include "mxq/esc.h"

/* A TXT record longer than this is no MTA-STS or TLS-RPT record. */
#define STS_TXT_MAX	2048

enum { TAG_STS, TAG_TLSRPT, TAG_A, TAG_AAAA };

/* The name prefix.DOMAIN, or -1 when it would be too long. */
static int
prefixed(const char *prefix, const struct wire_name *domain,
    struct wire_name *out)
{
	struct wire_name p;
	const char *why;

	if (wire_name_from_text(prefix, &p, &why) != MXQ_OK ||
	    p.len - 1 + domain->len > WIRE_NAME_MAX)
		return -1;
	memcpy(out->data, p.data, p.len - 1);
	memcpy(out->data + p.len - 1, domain->data, domain->len);
	out->len = (uint8_t)(p.len - 1 + domain->len);
	return 0;
}

/* Every TXT record of the answer, joined; NULL entries for bad ones. */
static char **
txt_records(const struct answer *a, size_t *n)
{
	char **v, buf[STS_TXT_MAX];
	size_t i;

	*n = 0;
	v = calloc(a->nrr + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	for (i = 0; i < a->nrr; i++) {
		if (a->rr[i].type != WIRE_TYPE_TXT)
			continue;
		/* Too long or malformed: a record that matches nothing. */
		if (answer_txt(&a->rr[i], buf, sizeof(buf)) != MXQ_OK)
			buf[0] = '\0';
		v[*n] = strdup(buf);
		if (v[*n] == NULL)
			break;
		(*n)++;
	}
	return v;
}

static void
free_records(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The status of a TXT answer that holds no usable record, and words. */
static enum mxq_status
txt_failure(struct domain *dom, const struct question_result *res,
    char **message)
{
	const struct answer *a = res->answer;
	char buf[WIRE_TEXT_MAX + 256];
	const char *why;

	if (a->status == MXQ_ENXDOMAIN || a->status == MXQ_ENODATA)
		return MXQ_ENODATA;
	why = check_answer_words(a, resolver_server_text(domain_resolver(dom),
	    res->server), buf, sizeof(buf));
	if (why != NULL)
		mx_set_string(message, why);
	return a->status;
}

static void
take_sts(struct domain *dom, struct mx_sts *sts,
    const struct question_result *res)
{
	const char *why = NULL;
	char **v;
	size_t n;

	if (res->answer->status != MXQ_OK) {
		sts->txt_status = txt_failure(dom, res, &sts->txt_message);
		return;
	}
	v = txt_records(res->answer, &n);
	if (v == NULL) {
		domain_fail(dom, MXQ_ENOMEM);
		return;
	}
	sts->txt_status = sts_parse_txt(v, n, &sts->id, &why);
	if (why != NULL)
		mx_set_string(&sts->txt_message, why);
	free_records(v, n);
}

/*
 * RFC 8460 3: records that do not begin with "v=TLSRPTv1;" are
 * discarded; exactly one must remain, or there is no reporting policy.
 */
static void
take_tlsrpt(struct domain *dom, struct mx_sts *sts,
    const struct question_result *res)
{
	static const char tag[] = "v=TLSRPTv1";
	char **v;
	size_t n, i, found = 0, at = 0;

	if (res->answer->status != MXQ_OK) {
		sts->tlsrpt_status = txt_failure(dom, res,
		    &sts->tlsrpt_message);
		return;
	}
	v = txt_records(res->answer, &n);
	if (v == NULL) {
		domain_fail(dom, MXQ_ENOMEM);
		return;
	}
	for (i = 0; i < n; i++) {
		const char *r = v[i];

		if (strncmp(r, tag, sizeof(tag) - 1) != 0)
			continue;
		r += sizeof(tag) - 1;
		r += strspn(r, " \t");
		if (*r != ';')
			continue;
		found++;
		at = i;
	}
	if (found == 1) {
		sts->tlsrpt_status = MXQ_OK;
		sts->tlsrpt = esc_dup(v[at], strlen(v[at]), 512);
		if (sts->tlsrpt == NULL)
			domain_fail(dom, MXQ_ENOMEM);
	} else if (found == 0) {
		sts->tlsrpt_status = MXQ_ENODATA;
	} else {
		sts->tlsrpt_status = MXQ_EMALFORMED;
		mx_set_string(&sts->tlsrpt_message, "several v=TLSRPTv1 "
		    "records: senders use none (RFC 8460 3)");
	}
	free_records(v, n);
}

static void
take_addr(struct domain *dom, struct mx_sts *sts, int family,
    const struct question_result *res)
{
	const struct answer *a = res->answer;
	size_t i;

	/* The first family to fail, unless the other has addresses. */
	if (a->status != MXQ_OK && a->status != MXQ_ENODATA &&
	    a->status != MXQ_ENXDOMAIN && sts->addr_status == MXQ_OK)
		sts->addr_status = a->status;
	for (i = 0; i < a->nrr; i++) {
		char text[INET6_ADDRSTRLEN];
		uint8_t bytes[16];
		int fam;

		if (answer_addr(&a->rr[i], &fam, bytes) != MXQ_OK ||
		    fam != family)
			continue;
		inet_ntop(fam == 4 ? AF_INET : AF_INET6, bytes, text,
		    sizeof(text));
		if (mx_chain_add(&sts->addrs, &sts->naddrs, text) !=
		    MXQ_OK) {
			domain_fail(dom, MXQ_ENOMEM);
			return;
		}
	}
}

static void
on_answer(void *arg, size_t index, int tag, const struct question_result *res)
{
	struct domain *dom = arg;
	struct mx_sts *sts = domain_model(dom)->sts;

	(void)index;
	switch (tag) {
	case TAG_STS:
		take_sts(dom, sts, res);
		break;
	case TAG_TLSRPT:
		take_tlsrpt(dom, sts, res);
		break;
	default:
		take_addr(dom, sts, tag == TAG_A ? 4 : 6, res);
		break;
	}
}

static void
ask(struct domain *dom, const char *prefix, uint16_t type, int tag)
{
	struct mx_domain *d = domain_model(dom);
	struct question_key key;
	enum mxq_status st;

	memset(&key, 0, sizeof(key));
	if (prefixed(prefix, &d->qname, &key.name) != 0)
		return;		/* too long: no such name, nothing to ask */
	key.type = type;
	key.flags = domain_query_flags(dom);
	key.server = -1;
	st = domain_ask(dom, &key, 0, on_answer, 0, tag);
	if (st != MXQ_OK) {
		if (tag == TAG_STS)
			d->sts->txt_status = st;
		else if (tag == TAG_TLSRPT)
			d->sts->tlsrpt_status = st;
		else
			d->sts->addr_status = st;
		if (st == MXQ_ENOMEM)
			domain_fail(dom, st);
	}
}

void
check_sts_start(struct domain *dom)
{
	struct mx_domain *d = domain_model(dom);
	const struct lookup_config *cfg = domain_config(dom);

	d->sts = calloc(1, sizeof(*d->sts));
	if (d->sts == NULL) {
		domain_fail(dom, MXQ_ENOMEM);
		return;
	}
	/* Until an answer says otherwise: what the deadline leaves. */
	d->sts->txt_status = MXQ_ETIMEOUT;
	d->sts->tlsrpt_status = MXQ_ETIMEOUT;
	d->sts->addr_status = MXQ_OK;
	d->sts->policy_status = MXQ_ENODATA;
	ask(dom, "_mta-sts", WIRE_TYPE_TXT, TAG_STS);
	ask(dom, "_smtp._tls", WIRE_TYPE_TXT, TAG_TLSRPT);
	/* Asked now, used only when the TXT record says there is a policy:
	 * one round trip saved for the domains that have one. */
	if (cfg->family != 6)
		ask(dom, "mta-sts", WIRE_TYPE_A, TAG_A);
	if (cfg->family != 4)
		ask(dom, "mta-sts", WIRE_TYPE_AAAA, TAG_AAAA);
}
