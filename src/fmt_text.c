/* Human output: a header per domain, one row per exchange. */
#include <stdio.h>
#include <string.h>

#include "mxq/esc.h"
#include "mxq/fmt.h"
#include "mxq/wire.h"

#define C_BOLD	"\033[1m"
#define C_RED	"\033[31m"
#define C_GREEN	"\033[32m"
#define C_YEL	"\033[33m"
#define C_CYAN	"\033[36m"
#define C_DIM	"\033[2m"
#define C_OFF	"\033[0m"

/* Exchange names longer than this are not used to align the rows. */
#define FMT_TEXT_MAX_PAD 48

static const char *
col(const struct fmt_ctx *c, const char *code)
{
	return c->color ? code : "";
}

static const char *
shown(const struct fmt_ctx *c, const char *text, const char *utext)
{
	return c->unicode && utext != NULL ? utext : text;
}

/* Columns taken on a terminal: code points, not bytes. */
static size_t
width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

const char *
fmt_verdict_text(const struct mx_domain *d)
{
	switch (d->verdict) {
	case MX_V_ROUTE:
	case MX_V_LISTED:
		return "mail route";
	case MX_V_IMPLICIT:
		return "no MX records: implicit MX, the domain itself "
		    "(RFC 5321 5.1)";
	case MX_V_NOADDR:
		return "no mail route: no exchange has an address";
	case MX_V_NULLMX:
		return "null MX: accepts no mail (RFC 7505)";
	case MX_V_NOMAIL:
		/* With --no-resolve nobody looked for an address. */
		return d->resolved ?
		    "no mail route: no MX records and no address" :
		    "no MX records";
	case MX_V_NXDOMAIN:
		return "no such domain (NXDOMAIN)";
	case MX_V_UNKNOWN:
		return status_message(mx_domain_outcome(d));
	case MX_V_INVALID:
		return "invalid domain name";
	}
	return "?";
}

static void
header(struct fmt_ctx *c, const struct mx_domain *d)
{
	FILE *f = c->out;
	size_t levels = mx_pref_levels(d), n = 0, i;

	/* A '.' among other records is no exchange (RFC 7505). */
	for (i = 0; i < d->nex; i++)
		if (!(d->ex[i].warn & MX_W_NULLMIXED))
			n++;

	fprintf(f, "%s%s%s  ", col(c, C_BOLD),
	    shown(c, d->qtext, d->utext), col(c, C_OFF));
	switch (d->verdict) {
	case MX_V_ROUTE:
	case MX_V_LISTED:
	case MX_V_NOADDR:
		fprintf(f, "%zu exchange%s", n, n == 1 ? "" : "s");
		if (levels > 1)
			fprintf(f, ", %zu preference levels", levels);
		if (d->verdict == MX_V_NOADDR)
			fprintf(f, "; %sno mail route: no exchange has an "
			    "address%s", col(c, C_RED), col(c, C_OFF));
		if (d->warn & MX_DW_DUPLICATE)
			fprintf(f, " %s(duplicate MX records merged)%s",
			    col(c, C_YEL), col(c, C_OFF));
		break;
	case MX_V_IMPLICIT:
		fputs(fmt_verdict_text(d), f);
		break;
	case MX_V_UNKNOWN:
		fprintf(f, "%slookup failed: %s%s", col(c, C_RED),
		    fmt_verdict_text(d), col(c, C_OFF));
		if (d->message != NULL)
			fprintf(f, " (%s)", d->message);
		break;
	default:
		fprintf(f, "%s%s%s", col(c, C_YEL), fmt_verdict_text(d),
		    col(c, C_OFF));
		break;
	}
	fputc('\n', f);
}

static void
verbose_line(struct fmt_ctx *c, const struct mx_domain *d)
{
	const char *flags[WIRE_FLAG_NAMES_MAX];
	char rbuf[16];
	size_t i, n;

	fprintf(c->out, "%s  ;; server %s, ", col(c, C_DIM), c->server);
	if (d->rcode >= 0) {
		fprintf(c->out, "rcode %s, flags",
		    wire_rcode_name(d->rcode, rbuf, sizeof(rbuf)));
		n = wire_flag_names(d->flags, flags);
		for (i = 0; i < n; i++)
			fprintf(c->out, " %s", flags[i]);
		if (d->nex > 0 && !d->implicit)
			fprintf(c->out, ", MX ttl %lu",
			    (unsigned long)d->mx_ttl);
		fputs(", ", c->out);
	} else {
		fputs("no reply, ", c->out);
	}
	fprintf(c->out, "%.0f ms%s\n", d->elapsed_ms, col(c, C_OFF));
}

/* Words for an exchange without an address, or a family that failed. */
static void
problem(struct fmt_ctx *c, const struct mx_exchange *e)
{
	FILE *f = c->out;

	if (e->warn & MX_W_NULLMIXED) {
		fprintf(f, "%s'.' among other MX records (RFC 7505)%s",
		    col(c, C_RED), col(c, C_OFF));
		return;
	}
	fputs(col(c, C_RED), f);
	switch (e->status) {
	case MXQ_ENXDOMAIN:
		fputs("no address: no such host (NXDOMAIN)", f);
		break;
	case MXQ_ENODATA:
		fputs(c->o->family == 4 ? "no address: no A record" :
		    c->o->family == 6 ? "no address: no AAAA record" :
		    "no address: no A or AAAA records", f);
		break;
	default:
		fprintf(f, "lookup failed: %s", status_message(e->status));
		if (e->fam4.message != NULL)
			fprintf(f, " (%s)", e->fam4.message);
		else if (e->fam6.message != NULL)
			fprintf(f, " (%s)", e->fam6.message);
		break;
	}
	fputs(col(c, C_OFF), f);
}

static void
notes(struct fmt_ctx *c, const struct mx_domain *d, size_t i)
{
	const struct mx_exchange *e = &d->ex[i];
	FILE *f = c->out;

	if (e->ncname > 0 && (e->warn & MX_W_CNAME))
		fprintf(f, "  %s(alias of %s: an MX target must not be a "
		    "CNAME, RFC 2181 10.3)%s", col(c, C_YEL),
		    e->cname[e->ncname - 1], col(c, C_OFF));
	if (e->warn & MX_W_IPLITERAL)
		fprintf(f, "  %s(an IP address, not a host name)%s",
		    col(c, C_YEL), col(c, C_OFF));
	if (e->warn & MX_W_PARTIAL) {
		const struct mx_family *bad =
		    status_is_temporary(e->fam4.status) ? &e->fam4 : &e->fam6;

		fprintf(f, "  %s(%s: %s)%s", col(c, C_YEL),
		    bad == &e->fam4 ? "A" : "AAAA",
		    status_message(bad->status), col(c, C_OFF));
	}
	if (e->warn & MX_W_ADDRLIMIT)
		fprintf(f, "  %s(more addresses than shown)%s",
		    col(c, C_YEL), col(c, C_OFF));
	if (mx_is_backup(d, i))
		fprintf(f, "  %s[backup]%s", col(c, C_DIM), col(c, C_OFF));
}

/* --verbose: TTLs, and one address per line with where it came from. */
static void
row_verbose(struct fmt_ctx *c, const struct mx_domain *d, size_t i, int pw)
{
	const struct mx_exchange *e = &d->ex[i];
	FILE *f = c->out;
	char buf[64];
	size_t k;

	if (d->implicit)
		fprintf(f, "  %*s  ", pw, "-");
	else
		fprintf(f, "  %*u  ", pw, e->pref);
	fprintf(f, "%s%s%s", col(c, C_CYAN), shown(c, e->text, e->utext),
	    col(c, C_OFF));
	if (!d->implicit)
		fprintf(f, "  ttl %lu", (unsigned long)e->ttl);
	notes(c, d, i);
	fputc('\n', f);
	if (!d->resolved)
		return;
	if (e->naddr == 0) {
		fprintf(f, "  %*s    ", pw, "");
		problem(c, e);
		fputc('\n', f);
	}
	for (k = 0; k < e->naddr; k++) {
		const struct mx_addr *a = &e->addr[k];

		fprintf(f, "  %*s    %s%-4s %s%s  ttl %lu%s\n", pw, "",
		    col(c, C_GREEN), a->family == 4 ? "A" : "AAAA",
		    mx_addr_text(a, buf, sizeof(buf)), col(c, C_OFF),
		    (unsigned long)a->ttl,
		    a->source == MX_SRC_ADDITIONAL ?
		    "  (additional section)" : "");
	}
}

static void
row(struct fmt_ctx *c, const struct mx_domain *d, size_t i, int pw, size_t ew)
{
	const struct mx_exchange *e = &d->ex[i];
	const char *name = shown(c, e->text, e->utext);
	FILE *f = c->out;
	char buf[64];
	size_t k, w = width(name);

	if (c->o->verbose) {
		row_verbose(c, d, i, pw);
		return;
	}
	if (d->implicit)
		fprintf(f, "  %*s  ", pw, "-");
	else
		fprintf(f, "  %*u  ", pw, e->pref);
	fprintf(f, "%s%s%s", col(c, C_CYAN), name, col(c, C_OFF));
	if (d->resolved)
		fprintf(f, "%*s", (int)(w < ew ? ew - w + 2 : 2), "");
	if (d->resolved && e->naddr == 0)
		problem(c, e);
	for (k = 0; k < e->naddr; k++)
		fprintf(f, "%s%s%s%s", k > 0 ? " " : "", col(c, C_GREEN),
		    mx_addr_text(&e->addr[k], buf, sizeof(buf)),
		    col(c, C_OFF));
	notes(c, d, i);
	fputc('\n', f);
}

void
fmt_text_write(struct fmt_ctx *c, const struct mx_domain *d)
{
	size_t i, ew = 0;
	int pw = 2, grouped = 0;

	if (c->count++ > 0)
		fputc('\n', c->out);
	header(c, d);
	if (c->o->verbose)
		verbose_line(c, d);
	if (d->ncname > 0) {
		fprintf(c->out, "  %s is an alias:", d->qtext);
		for (i = 0; i < d->ncname; i++)
			fprintf(c->out, " -> %s", d->cname[i]);
		fputc('\n', c->out);
	}
	if (d->nullmx || (d->verdict == MX_V_UNKNOWN && d->nex == 0))
		return;
	for (i = 0; i < d->nex; i++) {
		size_t w = width(shown(c, d->ex[i].text, d->ex[i].utext));
		char digits[8];
		int n = snprintf(digits, sizeof(digits), "%u", d->ex[i].pref);

		/* A hostile name must not push every row off the screen. */
		if (w > ew && w <= FMT_TEXT_MAX_PAD)
			ew = w;
		if (n > pw)
			pw = n;
		if (i > 0 && d->ex[i].pref == d->ex[i - 1].pref)
			grouped = 1;
	}
	for (i = 0; i < d->nex; i++) {
		/* Equal preferences form a group: set groups apart. */
		if (grouped && i > 0 && d->ex[i].pref != d->ex[i - 1].pref)
			fputc('\n', c->out);
		row(c, d, i, pw, ew);
	}
}
