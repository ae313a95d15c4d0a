/* --short: one awk-friendly line per address, or per MX record with -n. */
#include <stdio.h>

#include "mxq/fmt.h"

static void
line_start(struct fmt *c, const struct mx_domain *d)
{
	if (c->cfg.with_domain)
		fprintf(c->out, "%s ", c->cfg.unicode && d->utext != NULL ?
		    d->utext : d->qtext);
}

enum mxq_status
fmt_short_write(struct fmt *c, const struct mx_domain *d)
{
	char buf[64];
	size_t i, k;

	/*
	 * Nothing for a failed MX lookup, a missing domain, no MX records
	 * and no address, or a null MX (but with -n, its record): the exit
	 * status and stderr tell those.
	 */
	if (d->nex == 0 || d->verdict == MX_V_NOMAIL ||
	    (d->status != MXQ_OK && d->status != MXQ_ENODATA) ||
	    (d->nullmx && !c->cfg.no_resolve))
		return ferror(c->out) ? MXQ_EIO : MXQ_OK;
	for (i = 0; i < d->nex; i++) {
		const struct mx_exchange *e = &d->ex[i];
		const char *name = c->cfg.unicode && e->utext != NULL ?
		    e->utext : e->text;

		if (c->cfg.no_resolve) {
			/* dig +short MX: every record, '.' included. */
			line_start(c, d);
			fprintf(c->out, "%u %s\n", e->pref, name);
			continue;
		}
		/* A '.' is no exchange: it has no address line. */
		if (mx_is_dot(e))
			continue;
		for (k = 0; k < e->naddr || k == 0; k++) {
			line_start(c, d);
			fprintf(c->out, "%u %s %s\n", e->pref, name,
			    e->naddr == 0 ? "-" :
			    mx_addr_text(&e->addr[k], buf, sizeof(buf)));
		}
	}
	return ferror(c->out) ? MXQ_EIO : MXQ_OK;
}
