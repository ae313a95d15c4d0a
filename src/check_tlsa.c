/*
 * The TLSA row (--dane): the TLSA records of _25._tcp.EXCHANGE (RFC 7672
 * 2.2), each decoded and judged as an SMTP sender would.  Whether the
 * exchange is DANE-protected also needs the DNSSEC status of the MX set
 * and of the addresses: mx_domain_finish() decides it.
 */
#include <stdlib.h>
#include <string.h>

#include "mxq/check.h"

/*
 * Why a sender cannot use a TLSA record (RFC 7672 3.1, RFC 6698 2.1), or
 * NULL.  Static words.
 */
static const char *
tlsa_problem(const struct answer_tlsa *t)
{
	switch (t->usage) {
	case 0:
		return "usage 0 (PKIX-TA) is not for SMTP (RFC 7672 3.1.3)";
	case 1:
		return "usage 1 (PKIX-EE) is not for SMTP (RFC 7672 3.1.3)";
	case 2:
	case 3:
		break;
	default:
		return "unknown certificate usage";
	}
	if (t->selector > 1)
		return "unknown selector";
	switch (t->mtype) {
	case 0:
		break;
	case 1:
		if (t->len != 32)
			return "SHA2-256 data that is not 32 bytes long";
		break;
	case 2:
		if (t->len != 64)
			return "SHA2-512 data that is not 64 bytes long";
		break;
	default:
		return "unknown matching type";
	}
	return NULL;
}

static int
want_tlsa(const struct lookup_config *cfg, const struct mx_exchange *e)
{
	(void)e;
	return cfg->dane;
}

static void
asked_tlsa(const struct lookup_check *c, struct mx_exchange *e)
{
	(void)c;
	e->dane.asked = 1;
	e->dane.status = MXQ_ETIMEOUT;
}

static void
take_tlsa(const struct lookup_check *c, const struct lookup_config *cfg,
    struct mx_domain *d, struct mx_exchange *e,
    const struct question_result *res, const char *server)
{
	const struct answer *a = res->answer;
	char buf[WIRE_TEXT_MAX + 256];
	const char *why;
	size_t i;

	(void)c;
	(void)d;
	e->dane.status = a->status;
	e->dane.secure = check_answer_sec(cfg, a);
	why = check_answer_words(a, server, buf, sizeof(buf));
	if (why != NULL)
		mx_set_string(&e->dane.message, why);
	if (a->nrr == 0)
		return;
	e->dane.rr = calloc(a->nrr, sizeof(*e->dane.rr));
	if (e->dane.rr == NULL) {
		e->dane.status = MXQ_ENOMEM;
		return;
	}
	for (i = 0; i < a->nrr; i++) {
		struct mx_tlsa *t = &e->dane.rr[e->dane.nrr];
		struct answer_tlsa at;

		if (answer_tlsa(&a->rr[i], &at) != MXQ_OK) {
			/* No association data at all: unusable, and shown so. */
			if (a->rr[i].len < 3)
				continue;
			at.usage = a->rr[i].data[0];
			at.selector = a->rr[i].data[1];
			at.mtype = a->rr[i].data[2];
			at.data = NULL;
			at.len = 0;
		}
		t->usage = at.usage;
		t->selector = at.selector;
		t->mtype = at.mtype;
		t->len = at.len;
		if (at.len > 0) {
			t->data = malloc(at.len);
			if (t->data == NULL)
				break;
			memcpy(t->data, at.data, at.len);
		}
		t->problem = at.len == 0 ? "no certificate association data" :
		    tlsa_problem(&at);
		e->dane.nrr++;
	}
}

const struct lookup_check check_tlsa_row = {
	"TLSA", WIRE_TYPE_TLSA, "_25._tcp", 0, 0, want_tlsa, take_tlsa,
	asked_tlsa
};
