/* --short: one awk-friendly line per address. */
#include <stdio.h>

#include "mxq/fmt.h"

void
fmt_short_write(struct fmt_ctx *c, const struct mx_domain *d)
{
	const char *dom = c->unicode && d->utext != NULL ? d->utext : d->qtext;
	char buf[64];
	size_t i, k;

	/*
	 * A line for every exchange found; nothing for a null MX, a
	 * missing domain, no MX and no address, or a failed MX lookup:
	 * the exit status and stderr tell those.
	 */
	if (d->nullmx || d->nex == 0 || d->verdict == MX_V_NOMAIL ||
	    (d->status != MXQ_OK && d->status != MXQ_ENODATA))
		return;
	for (i = 0; i < d->nex; i++) {
		const struct mx_exchange *e = &d->ex[i];
		const char *name = c->unicode && e->utext != NULL ?
		    e->utext : e->text;

		if (e->warn & MX_W_NULLMIXED)
			continue;
		if (!d->resolved) {
			if (c->with_domain)
				fprintf(c->out, "%s ", dom);
			fprintf(c->out, "%u %s\n", e->pref, name);
			continue;
		}
		for (k = 0; k < e->naddr || k == 0; k++) {
			if (c->with_domain)
				fprintf(c->out, "%s ", dom);
			fprintf(c->out, "%u %s %s\n", e->pref, name,
			    e->naddr == 0 ? "-" :
			    mx_addr_text(&e->addr[k], buf, sizeof(buf)));
		}
	}
}
