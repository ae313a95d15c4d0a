/* What the printers share: the warnings table and the choice of printer. */
#include <stdio.h>
#include <string.h>

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
	{ MX_W_ZONETWICE, "zone-twice", "the zone name twice: almost always "
	    "a missing final dot in the zone file", NULL },
	{ MX_W_ADDRZONE, "address-and-zone", "an IPv4 address and the zone "
	    "name: almost always a missing final dot in the zone file",
	    NULL },
	{ MX_W_NOPUBLIC, "no-public-address", "no address the internet can "
	    "reach", NULL },
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

const char *
fmt_sec_name(enum mx_sec sec)
{
	switch (sec) {
	case MX_SEC_SECURE:
		return "secure";
	case MX_SEC_INSECURE:
		return "insecure";
	case MX_SEC_BOGUS:
		return "bogus";
	case MX_SEC_UNKNOWN:
		return "unknown";
	case MX_SEC_NONE:
		break;
	}
	return NULL;
}

const char *
fmt_greet_name(enum mx_greet g)
{
	switch (g) {
	case MX_GREET_EXCHANGE:
		return "exchange";
	case MX_GREET_PTR:
		return "ptr";
	case MX_GREET_OTHER:
		return "other";
	case MX_GREET_NONE:
		break;
	}
	return NULL;
}

const char *
fmt_dane_name(enum mx_dane state)
{
	switch (state) {
	case MX_DANE_NONE:
		return "none";
	case MX_DANE_PROTECTED:
		return "protected";
	case MX_DANE_INSECURE:
		return "insecure";
	case MX_DANE_UNUSABLE:
		return "unusable";
	case MX_DANE_FAILED:
		return "failed";
	case MX_DANE_NOT_ASKED:
		break;
	}
	return NULL;
}

const char *
fmt_failure(const char *what, enum mxq_status st, const char *detail,
    char *buf, size_t size)
{
	switch (st) {
	case MXQ_EREFERRAL:
	case MXQ_ELAME:
	case MXQ_EBOGUS:
		/* Their detail names the server and says what it did. */
		if (detail != NULL) {
			snprintf(buf, size, "%s%s", what, detail);
			break;
		}
		/* FALLTHROUGH */
	default:
		snprintf(buf, size, "%s%s%s%s%s", what, status_message(st),
		    detail != NULL ? " (" : "", detail != NULL ? detail : "",
		    detail != NULL ? ")" : "");
		break;
	}
	return buf;
}

const char *
fmt_addr_problem(const struct mx_domain *d, const struct mx_exchange *e,
    const struct mx_addr *a, char *buf, size_t size)
{
	const struct mx_ptr *p = &a->ptr;

	/* An exchange with no reachable address is one finding, not one
	 * per address. */
	if (a->special != NULL && !d->private_ok &&
	    !(e->warn & MX_W_NOPUBLIC))
		snprintf(buf, size, "%s address, not reachable from the "
		    "internet", a->special);
	else if (!p->asked)
		return NULL;
	else if (p->status == MXQ_ENXDOMAIN || p->status == MXQ_ENODATA)
		snprintf(buf, size, "no PTR record");
	else if (p->status != MXQ_OK)
		fmt_failure("PTR lookup failed: ", p->status, p->message,
		    buf, size);
	else if (p->nnames > 1)
		snprintf(buf, size, "%zu PTR records", p->nnames);
	else if (p->nnames == 1 && p->yes == 0 && p->failed == 0)
		snprintf(buf, size, "PTR %s does not resolve to it",
		    p->names[0]);
	else
		return NULL;
	return buf;
}

const char *
fmt_dane_problem(const struct mx_exchange *e, char *buf, size_t size)
{
	const struct mx_dane_info *dn = &e->dane;
	size_t i;

	switch (dn->state) {
	case MX_DANE_INSECURE:
		snprintf(buf, size, "TLSA records not DNSSEC-secure with "
		    "their MX set and addresses: senders do not use them");
		return buf;
	case MX_DANE_UNUSABLE:
	case MX_DANE_PROTECTED:
		for (i = 0; i < dn->nrr; i++)
			if (dn->rr[i].problem != NULL)
				break;
		if (i == dn->nrr)
			return NULL;
		snprintf(buf, size, "%sTLSA %u %u %u: %s",
		    dn->state == MX_DANE_UNUSABLE ? "no usable TLSA record: " :
		    "", dn->rr[i].usage, dn->rr[i].selector, dn->rr[i].mtype,
		    dn->rr[i].problem);
		return buf;
	case MX_DANE_FAILED:
		fmt_failure("TLSA lookup failed: ", dn->status, dn->message,
		    buf, size);
		return buf;
	default:
		return NULL;
	}
}

const char *
fmt_ns_problem(const struct mx_nsserver *s, char *buf, size_t size)
{
	if (s->warn & MX_NSW_DOWN)
		snprintf(buf, size, "no answer (%s)", status_message(s->status));
	else if (s->warn & MX_NSW_LAME)
		snprintf(buf, size, "lame: does not answer for the zone (%s)",
		    s->message != NULL ? s->message :
		    s->status == MXQ_OK ? "not authoritative" :
		    status_message(s->status));
	else if ((s->warn & MX_NSW_SERIAL) && (s->warn & MX_NSW_MX))
		snprintf(buf, size, "an older serial and another MX set");
	else if (s->warn & MX_NSW_SERIAL)
		snprintf(buf, size, "an older serial");
	else if (s->warn & MX_NSW_MX)
		snprintf(buf, size, "another MX set");
	else
		return NULL;
	return buf;
}

const char *
fmt_smtp_problem(const struct mx_domain *d, const struct mx_exchange *e,
    const struct mx_addr *a, char *buf, size_t size)
{
	const struct smtp_result *r = a->smtp;
	int dane = e->dane.state == MX_DANE_PROTECTED;
	int sts = e->sts_match == 1 && d->sts->policy.mode == STS_MODE_ENFORCE;

	if (r == NULL)
		return NULL;
	if (r->status != MXQ_OK) {
		/* Said once for the whole domain: the network, likely. */
		if (d->smtp_blocked)
			return NULL;
		snprintf(buf, size, "SMTP %s: %s", smtp_step_name(r->failed_at),
		    r->message != NULL ? r->message :
		    status_message(r->status));
		return buf;
	}
	if (!r->starttls_offered || !r->tls) {
		snprintf(buf, size, "%s: mail to it travels unencrypted%s",
		    !r->starttls_offered ? "no STARTTLS" :
		    "STARTTLS refused", dane ? "; DANE senders do not "
		    "deliver to it" : sts ? "; MTA-STS senders do not "
		    "deliver to it" : "");
		return buf;
	}
	if (r->dane == 0) {
		snprintf(buf, size, "the certificate matches no TLSA record: "
		    "DANE senders do not deliver to it");
		return buf;
	}
	/* Most senders take any certificate; MTA-STS ones do not. */
	if (!r->cert.verified && e->sts_match == 1) {
		snprintf(buf, size, "certificate not verified (%s): %s",
		    r->cert.verify_error != NULL ? r->cert.verify_error : "?",
		    d->sts->policy.mode == STS_MODE_ENFORCE ? "MTA-STS "
		    "senders do not deliver to it" : "MTA-STS senders "
		    "report it (mode testing)");
		return buf;
	}
	return NULL;
}

const char *
fmt_sts_mismatch(const struct mx_domain *d, const struct mx_exchange *e,
    char *buf, size_t size)
{
	if (e->sts_match != 0)
		return NULL;
	if (d->sts->policy.mode == STS_MODE_ENFORCE)
		snprintf(buf, size, "matches no mx pattern of the MTA-STS "
		    "policy (mode enforce): MTA-STS senders will not deliver "
		    "to it");
	else
		snprintf(buf, size, "matches no mx pattern of the MTA-STS "
		    "policy (mode testing): senders deliver, and report it");
	return buf;
}

static void
ns_findings(const struct mx_domain *d, void (*fn)(void *arg,
    const char *line), void *arg)
{
	char words[WIRE_TEXT_MAX + 512], line[2 * WIRE_TEXT_MAX + 600];
	size_t i;

	if (d->ns == NULL)
		return;
	if (d->ns->status != MXQ_OK) {
		snprintf(line, sizeof(line), "name servers not found: %s",
		    d->ns->message != NULL ? d->ns->message :
		    status_message(d->ns->status));
		fn(arg, line);
		return;
	}
	for (i = 0; i < d->ns->nsrv; i++) {
		const struct mx_nsserver *s = &d->ns->srv[i];

		if (fmt_ns_problem(s, words, sizeof(words)) == NULL)
			continue;
		snprintf(line, sizeof(line), "name server %s %s: %s", s->name,
		    s->address != NULL ? s->address : "(no address)", words);
		fn(arg, line);
	}
}

/* MTA-STS and TLS-RPT records and policy that senders cannot use. */
static void
sts_findings(const struct mx_domain *d, void (*fn)(void *arg,
    const char *line), void *arg)
{
	const struct mx_sts *s = d->sts;
	char words[WIRE_TEXT_MAX + 512], line[2 * WIRE_TEXT_MAX + 600];

	if (s == NULL)
		return;
	if (s->txt_status != MXQ_OK && s->txt_status != MXQ_ENODATA) {
		snprintf(line, sizeof(line), "MTA-STS: %s", fmt_failure(
		    s->txt_status == MXQ_EMALFORMED ? "_mta-sts TXT record "
		    "unusable, senders use no policy: " : "_mta-sts TXT "
		    "lookup failed: ", s->txt_status, s->txt_message, words,
		    sizeof(words)));
		fn(arg, line);
	} else if (s->txt_status == MXQ_OK && s->policy_status != MXQ_OK) {
		/* RFC 8461 5: without a policy, a sender goes on as if the
		 * domain had none, unless it has one cached. */
		snprintf(line, sizeof(line), "MTA-STS: the _mta-sts record "
		    "announces a policy, but none could be fetched from "
		    "https://mta-sts.%.*s/.well-known/mta-sts.txt: %s",
		    (int)(strlen(d->qtext) - 1), d->qtext,
		    s->policy_message != NULL ? s->policy_message :
		    status_message(s->policy_status));
		fn(arg, line);
	}
	if (s->tlsrpt_status != MXQ_OK && s->tlsrpt_status != MXQ_ENODATA) {
		snprintf(line, sizeof(line), "TLS-RPT: %s", fmt_failure(
		    s->tlsrpt_status == MXQ_EMALFORMED ? "" : "_smtp._tls TXT "
		    "lookup failed: ", s->tlsrpt_status, s->tlsrpt_message,
		    words, sizeof(words)));
		fn(arg, line);
	}
}

void
fmt_findings(const struct mx_domain *d, void (*fn)(void *arg,
    const char *line), void *arg)
{
	char words[WIRE_TEXT_MAX + 512], line[2 * WIRE_TEXT_MAX + 600];
	char abuf[64];
	size_t i, k;

	for (i = 0; i < d->nex; i++) {
		const struct mx_exchange *e = &d->ex[i];

		for (k = 0; k < fmt_nexchange_warnings; k++) {
			const struct fmt_warning *w = &fmt_exchange_warnings[k];

			/*
			 * The verdict says a lone '.' and a failed family;
			 * more addresses than kept is mxq's bound, not the
			 * domain's fault.  The rest are findings.
			 */
			if (!(e->warn & w->bit) ||
			    (w->bit & (MX_W_NULLPREF | MX_W_PARTIAL |
			    MX_W_ADDRLIMIT)))
				continue;
			snprintf(line, sizeof(line), "%s: %s%s%s", e->text,
			    w->words, w->bit == MX_W_CNAME && e->ncname > 0 ?
			    e->cname[e->ncname - 1] : "",
			    w->bit == MX_W_CNAME && w->after != NULL ?
			    w->after : "");
			fn(arg, line);
		}
		for (k = 0; k < e->naddr; k++)
			if (fmt_addr_problem(d, e, &e->addr[k], words,
			    sizeof(words)) != NULL) {
				snprintf(line, sizeof(line), "%s %s: %s",
				    e->text, mx_addr_text(&e->addr[k], abuf,
				    sizeof(abuf)), words);
				fn(arg, line);
			}
		if (fmt_dane_problem(e, words, sizeof(words)) != NULL) {
			snprintf(line, sizeof(line), "%s: %s", e->text, words);
			fn(arg, line);
		}
		for (k = 0; k < e->naddr; k++)
			if (fmt_smtp_problem(d, e, &e->addr[k], words,
			    sizeof(words)) != NULL) {
				snprintf(line, sizeof(line), "%s %s: %s",
				    e->text, mx_addr_text(&e->addr[k], abuf,
				    sizeof(abuf)), words);
				fn(arg, line);
			}
		if (fmt_sts_mismatch(d, e, words, sizeof(words)) != NULL) {
			snprintf(line, sizeof(line), "%s: %s", e->text, words);
			fn(arg, line);
		}
	}
	if (d->smtp_blocked) {
		fn(arg, "no exchange address took a connection on the SMTP "
		    "port, every one timed out: outbound port 25 may be "
		    "blocked on this network");
	}
	ns_findings(d, fn, arg);
	sts_findings(d, fn, arg);
}

static void
count_one(void *arg, const char *line)
{
	(void)line;
	++*(size_t *)arg;
}

size_t
fmt_nfindings(const struct mx_domain *d)
{
	size_t n = 0;

	fmt_findings(d, count_one, &n);
	return n;
}
