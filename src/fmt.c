/* What the printers share: the warnings table and the choice of printer. */
#include "mxq/fmt.h"

const struct fmt_warning fmt_exchange_warnings[] = {
	{ MX_W_CNAME, "cname", "alias of ",
	    ": an MX target must not be a CNAME, RFC 2181 10.3" },
	{ MX_W_IPLITERAL, "ip-literal", "an IP address, not a host name",
	    NULL },
	{ MX_W_NULLMIXED, "null-mx-mixed",
	    "'.' among other MX records (RFC 7505)", NULL },
	{ MX_W_NULLPREF, "null-mx-preference",
	    "'.' is no host: a null MX has preference 0 (RFC 7505)", NULL },
	{ MX_W_PARTIAL, "partial", "", NULL },
	{ MX_W_ADDRLIMIT, "address-limit", "more addresses than shown", NULL },
};
const size_t fmt_nexchange_warnings =
    sizeof(fmt_exchange_warnings) / sizeof(fmt_exchange_warnings[0]);

const struct fmt_warning fmt_domain_warnings[] = {
	{ MX_DW_DUPLICATE, "duplicate-mx", "duplicate MX records merged",
	    NULL },
};
const size_t fmt_ndomain_warnings =
    sizeof(fmt_domain_warnings) / sizeof(fmt_domain_warnings[0]);

enum mxq_status
fmt_write(struct fmt *f, const struct mx_domain *d)
{
	enum mxq_status st = MXQ_OK;

	switch (f->cfg.format) {
	case FMT_TEXT:
		/* An invalid name is said on stderr only. */
		if (d->verdict != MX_V_INVALID)
			st = fmt_text_write(f, d);
		break;
	case FMT_SHORT:
		st = fmt_short_write(f, d);
		break;
	case FMT_JSON:
		st = fmt_json_write(f, d);
		break;
	}
	if (st == MXQ_OK && ferror(f->out))
		st = MXQ_EIO;
	return st;
}
