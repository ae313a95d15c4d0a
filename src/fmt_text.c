/* Human output: a header per domain, one row per exchange. */
#include <limits.h>
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

/* How a domain whose exchanges failed is headed (see mx.c). */
#define UNKNOWN_WORDS "mail route unknown"

/* Exchange names longer than this are not used to align the rows. */
#define FMT_TEXT_MAX_PAD 48

static const char *
col(const struct fmt *c, const char *code)
{
	return c->cfg.color ? code : "";
}

static const char *
shown(const struct fmt *c, const char *text, const char *utext)
{
	return c->cfg.unicode && utext != NULL ? utext : text;
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

/* Exchanges that are hosts: a '.' that is no null MX is none. */
static size_t
real_exchanges(const struct mx_domain *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->nex; i++)
		if (!mx_is_dot(&d->ex[i]))
			n++;
	return n;
}

static void
count_line(struct fmt *c, const struct mx_domain *d, size_t n)
{
	size_t levels = mx_pref_levels(d);

	fprintf(c->out, "%zu exchange%s", n, n == 1 ? "" : "s");
	if (levels > 1)
		fprintf(c->out, ", %zu preference levels", levels);
}

static void
header(struct fmt *c, const struct mx_domain *d)
{
	FILE *f = c->out;
	size_t n = real_exchanges(d), i;
	const char *msg = d->message != NULL ? d->message : "?";

	fprintf(f, "%s%s%s  ", col(c, C_BOLD),
	    shown(c, d->qtext, d->utext), col(c, C_OFF));
	switch (d->verdict) {
	case MX_V_ROUTE:
	case MX_V_LISTED:
		count_line(c, d, n);
		for (i = 0; i < fmt_ndomain_warnings; i++)
			if (d->warn & fmt_domain_warnings[i].bit)
				fprintf(f, " %s(%s)%s", col(c, C_YEL),
				    fmt_domain_warnings[i].words,
				    col(c, C_OFF));
		break;
	case MX_V_IMPLICIT:
		fputs("no MX records: implicit MX, the domain itself "
		    "(RFC 5321 5.1)", f);
		break;
	case MX_V_NOADDR:
	case MX_V_NOPUBLIC:
	case MX_V_UNKNOWN:
		/*
		 * When the MX records came, the domain's line speaks of
		 * them; each exchange's row of what struck it.
		 */
		if (n > 0 && !d->implicit &&
		    (d->status == MXQ_OK || d->status == MXQ_ENODATA)) {
			count_line(c, d, n);
			fprintf(f, "; %s%s%s%s", col(c, C_RED),
			    d->verdict == MX_V_UNKNOWN &&
			    strncmp(msg, UNKNOWN_WORDS, strlen(UNKNOWN_WORDS)) ?
			    UNKNOWN_WORDS ": " : "", msg, col(c, C_OFF));
		} else if (d->verdict == MX_V_UNKNOWN) {
			fprintf(f, "%slookup failed: %s%s", col(c, C_RED), msg,
			    col(c, C_OFF));
		} else {
			fprintf(f, "%s%s%s", col(c, C_RED), msg, col(c, C_OFF));
		}
		for (i = 0; i < fmt_ndomain_warnings; i++)
			if (d->warn & fmt_domain_warnings[i].bit)
				fprintf(f, " %s(%s)%s", col(c, C_YEL),
				    fmt_domain_warnings[i].words,
				    col(c, C_OFF));
		break;
	default:
		fprintf(f, "%s%s%s", col(c, C_YEL), msg, col(c, C_OFF));
		break;
	}
	if (d->secure != MX_SEC_NONE && d->secure != MX_SEC_BOGUS)
		fprintf(f, "  (DNSSEC %s)", fmt_sec_name(d->secure));
	fputc('\n', f);
}

/* --ns: one line when every server agrees, else one per server. */
static void
ns_block(struct fmt *c, const struct mx_domain *d)
{
	const struct mx_ns *ns = d->ns;
	char words[WIRE_TEXT_MAX + 512];
	FILE *f = c->out;
	size_t i, k;

	if (ns == NULL)
		return;
	if (ns->status != MXQ_OK) {
		fprintf(f, "  %sname servers not found: %s%s\n", col(c, C_RED),
		    ns->message != NULL ? ns->message :
		    status_message(ns->status), col(c, C_OFF));
		return;
	}
	if (ns->warn == 0 && !c->cfg.verbose) {
		fprintf(f, "  name servers of %s: %zu, %s (serial %lu)\n",
		    ns->zone, ns->nsrv, ns->nsrv == 1 ? "no other to compare" :
		    "all agree",
		    ns->nsrv > 0 ? (unsigned long)ns->srv[0].serial : 0UL);
		return;
	}
	fprintf(f, "  %sname servers of %s%s%s\n", ns->warn ? col(c, C_RED) :
	    "", ns->zone, ns->warn ? " disagree:" : ":",
	    ns->warn ? col(c, C_OFF) : "");
	for (i = 0; i < ns->nsrv; i++) {
		const struct mx_nsserver *s = &ns->srv[i];

		fprintf(f, "    %s  %s", s->name,
		    s->address != NULL ? s->address : "-");
		if (s->status == MXQ_OK && s->authoritative)
			fprintf(f, "  serial %lu", (unsigned long)s->serial);
		if (s->mx_status == MXQ_OK || s->mx_status == MXQ_ENODATA) {
			fputs("  MX", f);
			for (k = 0; k < s->nmx; k++)
				fprintf(f, "%s %s", k > 0 ? "," : "", s->mx[k]);
			if (s->nmx == 0)
				fputs(" none", f);
		}
		if (fmt_ns_problem(s, words, sizeof(words)) != NULL)
			fprintf(f, "  %s(%s)%s", col(c, C_YEL), words,
			    col(c, C_OFF));
		fputc('\n', f);
	}
}

static void
verbose_line(struct fmt *c, const struct mx_domain *d)
{
	const char *flags[WIRE_FLAG_NAMES_MAX];
	char rbuf[16];
	size_t i, n;

	fprintf(c->out, "%s  ;; server %s%s%s%s, ", col(c, C_DIM),
	    d->server != NULL ? d->server : c->cfg.server,
	    d->server_name != NULL ? " (" : "",
	    d->server_name != NULL ? d->server_name : "",
	    d->server_name != NULL ? ")" : "");
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
	if (d->notes & MX_NOTE_TCP)
		fputs(d->notes & MX_NOTE_TRUNCATED ? "over TCP (the UDP "
		    "answer was truncated), " : "over TCP, ", c->out);
	if (d->notes & MX_NOTE_NOEDNS)
		fputs("without EDNS (the server rejects it), ", c->out);
	if (d->notes & MX_NOTE_CASE)
		fputs("replies in another letter case ignored (0x20), ",
		    c->out);
	fprintf(c->out, "%.0f ms%s\n", d->elapsed_ms, col(c, C_OFF));
}

/* Words for an exchange without an address, or a family that failed. */
static void
problem(struct fmt *c, const struct mx_exchange *e)
{
	const char *m = e->fam4.message != NULL ? e->fam4.message :
	    e->fam6.message;
	char words[WIRE_TEXT_MAX + 512];
	FILE *f = c->out;
	size_t i;

	for (i = 0; i < fmt_nexchange_warnings; i++) {
		const struct fmt_warning *w = &fmt_exchange_warnings[i];

		/* A '.' that is no null MX: its warning says it all. */
		if ((w->bit & (MX_W_NULLMIXED | MX_W_NULLPREF)) &&
		    (e->warn & w->bit)) {
			fprintf(f, "%s%s%s", col(c, C_RED), w->words,
			    col(c, C_OFF));
			return;
		}
	}
	fputs(col(c, C_RED), f);
	switch (e->status) {
	case MXQ_ENXDOMAIN:
		fputs("no address: no such host (NXDOMAIN)", f);
		break;
	case MXQ_ENODATA:
		fputs(c->cfg.family == 4 ? "no address: no A record" :
		    c->cfg.family == 6 ? "no address: no AAAA record" :
		    "no address: no A or AAAA records", f);
		break;
	default:
		fputs(fmt_failure("lookup failed: ", e->status, m, words,
		    sizeof(words)), f);
		break;
	}
	fputs(col(c, C_OFF), f);
}

/* The findings of the checks about an exchange, as row notes. */
static void
extra_notes(struct fmt *c, const struct mx_domain *d,
    const struct mx_exchange *e)
{
	char words[WIRE_TEXT_MAX + 512], abuf[64];
	FILE *f = c->out;
	size_t k;

	for (k = 0; k < e->naddr; k++)
		if (fmt_addr_problem(d, e, &e->addr[k], words,
		    sizeof(words)) != NULL)
			fprintf(f, "  %s(%s: %s)%s", col(c, C_YEL),
			    mx_addr_text(&e->addr[k], abuf, sizeof(abuf)), words,
			    col(c, C_OFF));
	if (fmt_dane_problem(e, words, sizeof(words)) != NULL)
		fprintf(f, "  %s(DANE: %s)%s", col(c, C_YEL), words,
		    col(c, C_OFF));
	if (fmt_sts_mismatch(d, e, words, sizeof(words)) != NULL)
		fprintf(f, "  %s(%s)%s", col(c, C_YEL), words, col(c, C_OFF));
}

static void
notes(struct fmt *c, const struct mx_domain *d, size_t i)
{
	const struct mx_exchange *e = &d->ex[i];
	FILE *f = c->out;
	size_t k;

	for (k = 0; k < fmt_nexchange_warnings; k++) {
		const struct fmt_warning *w = &fmt_exchange_warnings[k];

		if (!(e->warn & w->bit) ||
		    (w->bit & (MX_W_NULLMIXED | MX_W_NULLPREF)) ||
		    (w->bit == MX_W_CNAME && e->ncname == 0))
			continue;
		fprintf(f, "  %s(", col(c, C_YEL));
		if (w->bit == MX_W_CNAME) {
			fprintf(f, "%s%s%s", w->words,
			    e->cname[e->ncname - 1], w->after);
		} else if (w->bit == MX_W_PARTIAL) {
			const struct mx_family *bad =
			    status_is_temporary(e->fam4.status) ? &e->fam4 :
			    &e->fam6;

			fprintf(f, "%s: %s", bad == &e->fam4 ? "A" : "AAAA",
			    status_message(bad->status));
		} else {
			fputs(w->words, f);
		}
		fprintf(f, ")%s", col(c, C_OFF));
	}
	extra_notes(c, d, e);
	if (mx_is_backup(d, i))
		fprintf(f, "  %s[backup]%s", col(c, C_DIM), col(c, C_OFF));
	if (e->dane.state == MX_DANE_PROTECTED)
		fprintf(f, "  %s[DANE]%s", col(c, C_GREEN), col(c, C_OFF));
}

/*
 * --smtp: what the probe of an address found, on one line (indent
 * spaces first); with -v, the extensions and the certificate below.
 */
static void
smtp_lines(struct fmt *c, const struct mx_exchange *e,
    const struct mx_addr *a, int indent)
{
	const struct smtp_result *r = a->smtp;
	FILE *f = c->out;
	char buf[64];
	size_t k;

	fprintf(f, "%*s", indent, "");
	if (!c->cfg.verbose)
		fprintf(f, "%s  ", mx_addr_text(a, buf, sizeof(buf)));
	if (r == NULL) {
		fprintf(f, "%snot probed: %s address%s\n", col(c, C_DIM),
		    a->special != NULL ? a->special : "?", col(c, C_OFF));
		return;
	}
	fputs("SMTP", f);
	if (r->greeting_code != 0)
		fprintf(f, " %d %s", r->greeting_code,
		    r->greeting != NULL ? r->greeting : "");
	if (r->status != MXQ_OK) {
		fprintf(f, "%s%s%s failed: %s%s\n", r->greeting_code != 0 ?
		    ", " : " ", col(c, C_RED), smtp_step_name(r->failed_at),
		    r->message != NULL ? r->message :
		    status_message(r->status), col(c, C_OFF));
		return;
	}
	if (!r->starttls_offered)
		fprintf(f, ", %sno STARTTLS%s", col(c, C_YEL), col(c, C_OFF));
	else if (!r->tls)
		fprintf(f, ", %sSTARTTLS refused (%d)%s", col(c, C_YEL),
		    r->starttls_code, col(c, C_OFF));
	else
		fprintf(f, ", STARTTLS, %s %s, certificate %s%s%s",
		    r->tls_version != NULL ? r->tls_version : "?",
		    r->cipher != NULL ? r->cipher : "?",
		    r->cert.verified ? col(c, C_GREEN) : col(c, C_YEL),
		    r->cert.verified ? "verified" : "not verified",
		    col(c, C_OFF));
	if (r->dane == 1)
		fprintf(f, ", %sDANE TLSA %s matched%s", col(c, C_GREEN),
		    r->dane_match != NULL ? r->dane_match : "", col(c, C_OFF));
	else if (r->dane == 0)
		fprintf(f, ", %sDANE: no TLSA record matches%s",
		    col(c, C_RED), col(c, C_OFF));
	fprintf(f, ", %.0f ms\n", r->total_ms);
	if (!c->cfg.verbose)
		return;
	if (a->greet == MX_GREET_OTHER)
		fprintf(f, "%*sgreets with a name that is neither the exchange's"
		    "%s\n", indent + 2, "", a->ptr.asked ? " nor a PTR name of "
		    "the address" : " (-x compares the PTR names too)");
	else if (a->greet == MX_GREET_PTR)
		fprintf(f, "%*sgreets with a PTR name of the address, not the "
		    "exchange's\n", indent + 2, "");
	if (r->next > 0) {
		fprintf(f, "%*sEHLO", indent + 2, "");
		for (k = 0; k < r->next; k++)
			fprintf(f, "%s %s", k > 0 ? "," : "", r->ext[k]);
		fputc('\n', f);
	}
	if (!r->tls)
		return;
	fprintf(f, "%*scertificate %s, issuer %s, until %s%s", indent + 2, "",
	    r->cert.subject != NULL ? r->cert.subject : "?",
	    r->cert.issuer != NULL ? r->cert.issuer : "?",
	    r->cert.not_after, r->cert.expired ? " (expired)" : "");
	for (k = 0; k < r->cert.nnames; k++)
		fprintf(f, "%s %s", k > 0 ? "," : ", names", r->cert.names[k]);
	if (!r->cert.verified)
		fprintf(f, "; not verified for %.*s: %s",
		    (int)(strlen(e->text) - 1), e->text,
		    r->cert.verify_error != NULL ? r->cert.verify_error : "?");
	fputc('\n', f);
}

/* --smtp: the MTA-STS policy and TLS reporting, when there is one. */
static void
sts_block(struct fmt *c, const struct mx_domain *d)
{
	const struct mx_sts *s = d->sts;
	FILE *f = c->out;
	size_t k;

	if (s == NULL)
		return;
	if (s->txt_status == MXQ_OK && s->policy_status == MXQ_OK) {
		fprintf(f, "  MTA-STS policy %s: mode %s, max_age %ld, mx",
		    s->id != NULL ? s->id : "?",
		    s->policy.mode == STS_MODE_ENFORCE ? "enforce" :
		    s->policy.mode == STS_MODE_TESTING ? "testing" : "none",
		    s->policy.max_age);
		for (k = 0; k < s->policy.nmx; k++)
			fprintf(f, "%s %s", k > 0 ? "," : "", s->policy.mx[k]);
		fputc('\n', f);
	} else if (s->txt_status == MXQ_OK) {
		fprintf(f, "  %sMTA-STS policy %s announced, not fetched: %s%s\n",
		    col(c, C_RED), s->id != NULL ? s->id : "?",
		    s->policy_message != NULL ? s->policy_message :
		    status_message(s->policy_status), col(c, C_OFF));
	} else if (s->txt_status != MXQ_ENODATA) {
		fprintf(f, "  %sMTA-STS: %s%s\n", col(c, C_RED),
		    s->txt_message != NULL ? s->txt_message :
		    status_message(s->txt_status), col(c, C_OFF));
	} else if (c->cfg.verbose) {
		fputs("  MTA-STS: no policy (no _mta-sts record)\n", f);
	}
	if (s->tlsrpt_status == MXQ_OK)
		fprintf(f, "  TLS-RPT: %s\n", s->tlsrpt);
	else if (s->tlsrpt_status != MXQ_ENODATA)
		fprintf(f, "  %sTLS-RPT: %s%s\n", col(c, C_RED),
		    s->tlsrpt_message != NULL ? s->tlsrpt_message :
		    status_message(s->tlsrpt_status), col(c, C_OFF));
}

/* --verbose: TTLs, and one address per line with where it came from. */
static void
row_verbose(struct fmt *c, const struct mx_domain *d, size_t i, int pw)
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
		const char *sec = fmt_sec_name(a->family == 4 ?
		    e->fam4.secure : e->fam6.secure);
		size_t n;

		fprintf(f, "  %*s    %s%-4s %s%s  ttl %lu%s%s%s", pw, "",
		    col(c, C_GREEN), a->family == 4 ? "A" : "AAAA",
		    mx_addr_text(a, buf, sizeof(buf)), col(c, C_OFF),
		    (unsigned long)a->ttl,
		    a->source == MX_SRC_ADDITIONAL ?
		    "  (additional section)" : "",
		    sec != NULL ? "  DNSSEC " : "", sec != NULL ? sec : "");
		for (n = 0; n < a->ptr.nnames; n++)
			fprintf(f, "  PTR %s%s", a->ptr.names[n],
			    n < CHAR_BIT * sizeof(a->ptr.confirmed) &&
			    (a->ptr.confirmed >> n & 1) ? " (confirmed)" : "");
		fputc('\n', f);
		if (c->cfg.smtp)
			smtp_lines(c, e, a, pw + 11);
	}
	for (k = 0; k < e->dane.nrr; k++) {
		const struct mx_tlsa *t = &e->dane.rr[k];
		size_t n;

		/* The data shortened: the first 8 bytes; JSON has it all. */
		fprintf(f, "  %*s    TLSA %u %u %u ", pw, "", t->usage,
		    t->selector, t->mtype);
		for (n = 0; n < t->len && n < 8; n++)
			fprintf(f, "%02x", t->data[n]);
		fprintf(f, "%s (%zu bytes)%s%s\n", t->len > 8 ? "..." : "",
		    t->len, t->problem != NULL ? ": " : "",
		    t->problem != NULL ? t->problem : "");
	}
}

static void
row(struct fmt *c, const struct mx_domain *d, size_t i, int pw, size_t ew)
{
	const struct mx_exchange *e = &d->ex[i];
	const char *name = shown(c, e->text, e->utext);
	FILE *f = c->out;
	char buf[64];
	size_t k, w = width(name);

	if (c->cfg.verbose) {
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
	if (c->cfg.smtp)
		for (k = 0; k < e->naddr; k++)
			smtp_lines(c, e, &e->addr[k], pw + 6);
}

enum mxq_status
fmt_text_write(struct fmt *c, const struct mx_domain *d)
{
	size_t i, ew = 0;
	int pw = 2, grouped = 0;

	if (c->count++ > 0)
		fputc('\n', c->out);
	header(c, d);
	if (c->cfg.verbose)
		verbose_line(c, d);
	if (d->ncname > 0) {
		fprintf(c->out, "  %s is an alias:", d->qtext);
		for (i = 0; i < d->ncname; i++)
			fprintf(c->out, " -> %s", d->cname[i]);
		fputc('\n', c->out);
	}
	if (d->nullmx || (d->verdict == MX_V_UNKNOWN && d->nex == 0)) {
		ns_block(c, d);
		sts_block(c, d);
		return ferror(c->out) ? MXQ_EIO : MXQ_OK;
	}
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
	if (d->smtp_blocked)
		fprintf(c->out, "  %sno address took a connection: outbound "
		    "port 25 may be blocked on this network%s\n",
		    col(c, C_RED), col(c, C_OFF));
	ns_block(c, d);
	sts_block(c, d);
	return ferror(c->out) ? MXQ_EIO : MXQ_OK;
}
