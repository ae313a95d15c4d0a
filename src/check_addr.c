/* The first rows of the table: the A and AAAA records of every exchange. */
#include <string.h>

#include "mxq/check.h"

static struct mx_family *
family(struct mx_exchange *e, const struct lookup_check *c)
{
	return c->type == WIRE_TYPE_A ? &e->fam4 : &e->fam6;
}

static int
want_a(const struct lookup_config *cfg, const struct mx_exchange *e)
{
	(void)e;
	return cfg->family != 6;
}

static int
want_aaaa(const struct lookup_config *cfg, const struct mx_exchange *e)
{
	(void)e;
	return cfg->family != 4;
}

static void
asked_address(const struct lookup_check *c, struct mx_exchange *e)
{
	struct mx_family *f = family(e, c);

	/* Until an answer says otherwise: what the deadline leaves. */
	f->asked = 1;
	f->status = MXQ_ETIMEOUT;
}

static void
take_address(const struct lookup_check *c, const struct lookup_config *cfg,
    struct mx_domain *d, struct mx_exchange *e,
    const struct question_result *res, const char *server)
{
	const struct answer *a = res->answer;
	struct mx_family *f = family(e, c);
	char buf[WIRE_TEXT_MAX + 256];
	const char *why;
	size_t i;

	f->status = a->status;
	f->secure = check_answer_sec(cfg, a);
	why = check_answer_words(a, server, buf, sizeof(buf));
	if (why != NULL)
		mx_set_string(&f->message, why);
	for (i = 0; i < a->nrr; i++) {
		uint8_t bytes[16];
		int fam;

		if (answer_addr(&a->rr[i], &fam, bytes) == MXQ_OK)
			mx_exchange_add_addr(e, fam, bytes, a->rr[i].ttl,
			    MX_SRC_ANSWER);
	}
	if (a->nchain > 0 && e->ncname == 0) {
		char text[WIRE_TEXT_MAX];

		for (i = 0; i < a->nchain; i++) {
			wire_name_to_text(&a->chain[i], text);
			mx_chain_add(&e->cname, &e->ncname, text);
		}
		/* The implicit MX is the domain: an alias is fine there. */
		if (!d->implicit)
			e->warn |= MX_W_CNAME;
	}
}

const struct lookup_check check_a_row = {
	"A", WIRE_TYPE_A, NULL, 0, 1, want_a, take_address, asked_address
};
const struct lookup_check check_aaaa_row = {
	"AAAA", WIRE_TYPE_AAAA, NULL, 0, 1, want_aaaa, take_address,
	asked_address
};

int
check_addr_glue(const struct lookup_check *c, struct mx_exchange *e,
    const struct answer *mx)
{
	struct mx_family *f = family(e, c);
	size_t i;
	int used = 0;

	if (mx == NULL)
		return 0;
	for (i = 0; i < mx->nextra; i++) {
		const struct answer_rr *rr = &mx->extra[i];
		struct wire_name owner;
		uint8_t bytes[16];
		int fam;

		if (rr->type != c->type)
			continue;
		answer_owner(rr, &owner);
		if (!wire_name_equal(&owner, &e->name) ||
		    answer_addr(rr, &fam, bytes) != MXQ_OK)
			continue;
		mx_exchange_add_addr(e, fam, bytes, rr->ttl,
		    MX_SRC_ADDITIONAL);
		used = 1;
	}
	if (used) {
		f->asked = 1;
		f->status = MXQ_OK;
	}
	return used;
}
