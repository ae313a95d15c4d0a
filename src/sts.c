/*
 * MTA-STS (RFC 8461): the _mta-sts TXT record (3.1), the policy body
 * (3.2), the matching of MX names against its patterns (4.1), and the
 * policy fetch over HTTPS (3.3) through libcurl, on the addresses the
 * engine found and on nothing else.
 *
 * Everything here comes from the network and is untrusted: the parsers
 * follow the ABNF of RFC 8461 and keep nothing that they have not
 * checked, and what they keep is escaped (esc.h) all the same.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "mxq/esc.h"
#include "mxq/msg.h"
#include "mxq/sts.h"

#ifndef MXQ_VERSION
#define MXQ_VERSION "unknown"
#endif

#define STS_VERSION		"v=STSv1"
#define STS_NAME_MAX		32	/* sts-ext-name, sts-policy-ext-name */
#define STS_ID_MAX		32	/* sts-id */
#define STS_DETAIL_MAX		200	/* bytes of server text in a message */
#define STS_TIMEOUT_DEFAULT	60000	/* ms, RFC 8461 3.3's suggestion */

static const char oom[] = "out of memory";

/* ASCII only: the locale must not change what a letter is. */
static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(int c)
{
	return is_alpha(c) || is_digit(c);
}

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
case_equal(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* s[0..n) is exactly the NUL-terminated word w (case-sensitive). */
static int
word_equal(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

/*
 * Length of the field name at s: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_"
 * / "-" / "."), the same for sts-ext-name and sts-policy-ext-name.  The
 * run of name characters is measured whole, so that a name too long
 * (more than STS_NAME_MAX) is told apart from one followed by something
 * else; 0 when s does not start with a name.
 */
static size_t
field_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !is_alnum((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++) {
		int c = (unsigned char)s[i];

		if (!is_alnum(c) && c != '_' && c != '-' && c != '.')
			break;
	}
	return i;
}

/* sts-ext-value: 1*(%x21-3A / %x3C / %x3E-7E), no SP, "=", ";", CTL. */
static int
is_txt_value_char(int c)
{
	return c >= 0x21 && c <= 0x7e && c != ';' && c != '=';
}

/*
 * Whether a TXT record takes part: RFC 8461 3.1 discards records "that
 * do not begin with v=STSv1;", but its ABNF puts *WSP before the ";" of
 * sts-field-delim, so "v=STSv1 ;" begins a well-formed record (erratum
 * 6285 reports the clash).  The ABNF decides: sts-version, then *WSP
 * and ";".  %s"v=STSv1" is case-sensitive (RFC 7405).
 */
static int
txt_is_sts(const char *s)
{
	size_t n = sizeof(STS_VERSION) - 1;

	if (strncmp(s, STS_VERSION, n) != 0)
		return 0;
	s += n;
	while (is_wsp((unsigned char)*s))
		s++;
	return *s == ';';
}

/*
 * Parse one STSv1 record against the ABNF of RFC 8461 3.1:
 *
 *	sts-text-record = sts-version 1*(sts-field-delim sts-field)
 *	                  [sts-field-delim]
 *	sts-field-delim = *WSP ";" *WSP
 *	sts-field       = sts-id / sts-extension
 *
 * On success the id is s[*idoff..*idoff + *idlen).  Else the reason.
 */
static const char *
txt_parse(const char *s, size_t *idoff, size_t *idlen)
{
	size_t n = strlen(s), p = sizeof(STS_VERSION) - 1;
	int have_id = 0;

	for (;;) {
		size_t q = p, name, v;

		while (q < n && is_wsp((unsigned char)s[q]))
			q++;
		if (q == n && p == n)
			break;		/* right after a field */
		if (q == n)
			return "whitespace after the last field, "
			    "with no ';' (RFC 8461 3.1)";
		if (s[q] != ';')
			return "fields not separated by ';', or a value with "
			    "'=', a control or a non-ASCII byte (RFC 8461 3.1)";
		q++;
		while (q < n && is_wsp((unsigned char)s[q]))
			q++;
		if (q == n)
			break;		/* a final sts-field-delim */
		p = q;
		name = field_name(s + p, n - p);
		if (name > STS_NAME_MAX)
			return "a field name longer than 32 characters "
			    "(RFC 8461 3.1)";
		if (name == 0 || p + name == n || s[p + name] != '=')
			return "a field that is not name=value (RFC 8461 3.1)";
		v = p + name + 1;
		q = v;
		while (q < n && is_txt_value_char((unsigned char)s[q]))
			q++;
		/*
		 * The first id counts; a later one is ignored like any
		 * repeated field (RFC 8461 3.2, last paragraph, which
		 * speaks of TXT records too), but must still be well formed.
		 */
		if (word_equal(s + p, name, "id") && !have_id) {
			size_t i;

			if (q - v == 0 || q - v > STS_ID_MAX)
				return "id is not 1 to 32 letters or digits "
				    "(RFC 8461 3.1)";
			for (i = v; i < q; i++)
				if (!is_alnum((unsigned char)s[i]))
					return "id is not 1 to 32 letters or "
					    "digits (RFC 8461 3.1)";
			have_id = 1;
			*idoff = v;
			*idlen = q - v;
		}
		if (q == v)
			return "a field with an empty value (RFC 8461 3.1)";
		p = q;
	}
	if (!have_id)
		return "no id field (RFC 8461 3.1)";
	return NULL;
}

enum mxq_status
sts_parse_txt(char *const *txt, size_t n, char **id, const char **why)
{
	const char *rec = NULL;
	size_t i, nsts = 0, idoff = 0, idlen = 0;

	*id = NULL;
	*why = NULL;
	for (i = 0; i < n; i++) {
		if (txt[i] == NULL || !txt_is_sts(txt[i]))
			continue;
		rec = txt[i];
		nsts++;
	}
	if (nsts == 0)
		return MXQ_ENODATA;	/* no policy, and nothing wrong */
	if (nsts > 1) {
		*why = "several v=STSv1 records (RFC 8461 3.1)";
		return MXQ_EMALFORMED;
	}
	*why = txt_parse(rec, &idoff, &idlen);
	if (*why != NULL)
		return MXQ_EMALFORMED;
	/* Letters and digits only: nothing to escape. */
	*id = malloc(idlen + 1);
	if (*id == NULL) {
		*why = oom;
		return MXQ_ENOMEM;
	}
	memcpy(*id, rec + idoff, idlen);
	(*id)[idlen] = '\0';
	return MXQ_OK;
}

/*
 * RFC 5321 4.1.2 Domain, in A-labels only (RFC 8461 3.2): labels of
 * letters, digits and inner hyphens, 1 to 63 of them (RFC 1035 2.3.4),
 * no final dot, at most 253 characters, as a name in the DNS.
 */
static int
domain_ok(const char *s, size_t n)
{
	size_t i, start = 0;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			int c = (unsigned char)s[i];

			if (!is_alnum(c) && c != '-')
				return 0;
			continue;
		}
		if (i == start || i - start > 63 || s[start] == '-' ||
		    s[i - 1] == '-')
			return 0;
		start = i + 1;
	}
	return 1;
}

/* sts-policy-mx-value = ["*."] Domain */
static int
mx_pattern_ok(const char *s, size_t n)
{
	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	}
	return domain_ok(s, n);
}

/*
 * sts-policy-ext-value: sts-policy-vchar [*(%x20 / sts-policy-vchar)
 * sts-policy-vchar], the vchars being visible ASCII or well-formed
 * UTF-8 (RFC 3629).  The caller has trimmed the WSP around it.
 */
static int
policy_value_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	if (n == 0)
		return 0;
	while (i < n) {
		unsigned long cp;
		size_t k;

		if (u[i] == ' ' || (u[i] >= 0x21 && u[i] <= 0x7e)) {
			i++;
			continue;
		}
		k = u[i] >= 0x80 ? esc_utf8_next(u + i, n - i, &cp) : 0;
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* sts-policy-max-age-value = 1*10(DIGIT), at most 31557600 (3.2). */
static const char *
parse_max_age(const char *s, size_t n, long *out)
{
	unsigned long long v = 0;
	size_t i;

	if (n == 0)
		return "max_age not a number (RFC 8461 3.2)";
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return "max_age not a number (RFC 8461 3.2)";
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (n > 10)
		return "max_age longer than 10 digits (RFC 8461 3.2)";
	if (v > STS_MAX_AGE_MAX)
		return "max_age over 31557600 seconds (RFC 8461 3.2)";
	*out = (long)v;
	return NULL;
}

/* What the lines of a policy add up to. */
struct policy_state {
	int have_version, have_mode, have_max_age;
};

/*
 * One line of a policy, without its sts-policy-term: sts-policy-field
 * *WSP.  Every field is name ":" *WSP value (sts-policy-field-delim).
 * The names of RFC 8461 3.2 are case-sensitive (%s): "Mode: enforce" is
 * an extension field, and ignored as one.
 */
static const char *
policy_line(const char *s, size_t n, struct sts_policy *out,
    struct policy_state *st)
{
	size_t name, v, e;
	const char *why;

	if (n == 0)
		return "an empty line (RFC 8461 3.2)";
	name = field_name(s, n);
	if (name > STS_NAME_MAX)
		return "a field name longer than 32 characters (RFC 8461 3.2)";
	if (name == 0 || name == n || s[name] != ':')
		return "a line that is not 'key: value' (RFC 8461 3.2)";
	v = name + 1;
	while (v < n && is_wsp((unsigned char)s[v]))
		v++;
	e = n;
	while (e > v && is_wsp((unsigned char)s[e - 1]))
		e--;
	if (e == v)
		return "a line with no value (RFC 8461 3.2)";
	/*
	 * "If any non-repeated field--i.e., all fields excepting mx--is
	 * duplicated, all entries except for the first SHALL be ignored"
	 * (3.2): later ones are only held to the generic syntax.
	 */
	if (word_equal(s, name, "version") && !st->have_version) {
		if (!word_equal(s + v, e - v, "STSv1"))
			return "version is not STSv1 (RFC 8461 3.2)";
		st->have_version = 1;
	} else if (word_equal(s, name, "mode") && !st->have_mode) {
		if (word_equal(s + v, e - v, "enforce"))
			out->mode = STS_MODE_ENFORCE;
		else if (word_equal(s + v, e - v, "testing"))
			out->mode = STS_MODE_TESTING;
		else if (word_equal(s + v, e - v, "none"))
			out->mode = STS_MODE_NONE;
		else
			return "unknown mode, not enforce, testing or none "
			    "(RFC 8461 3.2)";
		st->have_mode = 1;
	} else if (word_equal(s, name, "max_age") && !st->have_max_age) {
		why = parse_max_age(s + v, e - v, &out->max_age);
		if (why != NULL)
			return why;
		st->have_max_age = 1;
	} else if (word_equal(s, name, "mx")) {
		char *pat;

		if (!mx_pattern_ok(s + v, e - v))
			return "an mx pattern that is neither a host name nor "
			    "*. and a host name (RFC 8461 3.2)";
		/*
		 * Past the bound the policy is refused rather than cut:
		 * with patterns dropped, an exchange listed further down
		 * would be reported as not matching the policy.
		 */
		if (out->nmx == STS_MX_MAX)
			return "more than 64 mx lines (mxq's limit)";
		if (out->mx == NULL) {
			out->mx = calloc(STS_MX_MAX, sizeof(*out->mx));
			if (out->mx == NULL)
				return oom;
		}
		/* Checked above; escaped all the same, being untrusted. */
		pat = esc_dup(s + v, e - v, e - v);
		if (pat == NULL)
			return oom;
		out->mx[out->nmx++] = pat;
	} else if (!policy_value_ok(s + v, e - v)) {
		return "a value with control characters or invalid UTF-8 "
		    "(RFC 8461 3.2)";
	}
	return NULL;
}

enum mxq_status
sts_parse_policy(const char *body, size_t len, struct sts_policy *out,
    const char **why)
{
	struct policy_state st = { 0, 0, 0 };
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (len == 0) {
		*why = "an empty policy (RFC 8461 3.2)";
		return MXQ_EMALFORMED;
	}
	/*
	 * sts-policy-record = sts-policy-field *WSP *(sts-policy-term
	 * sts-policy-field *WSP) [sts-policy-term], the term LF or CRLF:
	 * one field a line, no empty line, one final term at most.
	 */
	while (pos < len) {
		const char *lf = memchr(body + pos, '\n', len - pos);
		size_t end = lf != NULL ? (size_t)(lf - body) : len;
		size_t next = lf != NULL ? end + 1 : len;

		if (lf != NULL && end > pos && body[end - 1] == '\r')
			end--;
		*why = policy_line(body + pos, end - pos, out, &st);
		if (*why != NULL)
			goto fail;
		pos = next;
	}
	if (!st.have_version)
		*why = "no version: STSv1 line (RFC 8461 3.2)";
	else if (!st.have_mode)
		*why = "no mode line (RFC 8461 3.2)";
	else if (!st.have_max_age)
		*why = "no max_age line (RFC 8461 3.2)";
	else if (out->nmx == 0 && out->mode == STS_MODE_ENFORCE)
		*why = "no mx line in enforce mode (RFC 8461 3.2)";
	else if (out->nmx == 0 && out->mode == STS_MODE_TESTING)
		*why = "no mx line in testing mode (RFC 8461 3.2)";
	if (*why != NULL)
		goto fail;
	return MXQ_OK;
fail:
	sts_policy_free(out);
	return *why == oom ? MXQ_ENOMEM : MXQ_EMALFORMED;
}

void
sts_policy_free(struct sts_policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nmx; i++)
		free(p->mx[i]);
	free(p->mx);
	memset(p, 0, sizeof(*p));
}

int
sts_mx_match(const char *pattern, const char *host)
{
	size_t plen, hlen;
	const char *dot;

	if (pattern == NULL || host == NULL)
		return 0;
	plen = strlen(pattern);
	hlen = strlen(host);
	if (plen > 0 && pattern[plen - 1] == '.')
		plen--;
	if (hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	if (plen == 0 || hlen == 0)
		return 0;
	if (pattern[0] != '*')
		return plen == hlen && case_equal(pattern, host, plen);
	/*
	 * "*.example.com": the wildcard is the whole left-most label and
	 * stands for exactly one label (RFC 8461 4.1, RFC 6125 6.4.3), so
	 * neither "example.com" nor "a.b.example.com".
	 */
	if (plen < 3 || pattern[1] != '.')
		return 0;
	dot = memchr(host, '.', hlen);
	if (dot == NULL || dot == host)
		return 0;
	dot++;
	return hlen - (size_t)(dot - host) == plen - 2 &&
	    case_equal(dot, pattern + 2, plen - 2);
}

/* The HTTPS fetch. */

struct fetch_addr {
	int family;
	unsigned char addr[16];
};

struct fetch_ctx {
	char *data;			/* the body so far */
	size_t len;
	int too_big;			/* past STS_POLICY_MAX */
	int nomem;
	const struct fetch_addr *addr;	/* the only addresses to connect to */
	size_t naddr;
	unsigned port;			/* and the only port */
	int foreign;			/* curl asked for another one */
};

static size_t
fetch_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct fetch_ctx *c = arg;
	size_t n = size * nmemb;
	char *d;

	if (n > STS_POLICY_MAX - c->len) {
		c->too_big = 1;
		return 0;	/* CURLE_WRITE_ERROR: the transfer stops */
	}
	d = realloc(c->data, c->len + n + 1);
	if (d == NULL) {
		c->nomem = 1;
		return 0;
	}
	memcpy(d + c->len, ptr, n);
	c->data = d;
	c->len += n;
	c->data[c->len] = '\0';
	return n;
}

/*
 * Every socket curl opens goes through here: a connection to anything
 * but the addresses given is refused, so that even a resolve entry that
 * curl failed to take could never lead it to the system resolver's
 * answer, or to a proxy.
 */
static curl_socket_t
fetch_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *sa)
{
	struct fetch_ctx *c = arg;
	const void *a = NULL;
	size_t i, alen = 0;
	unsigned port = 0;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	if (sa->family == AF_INET &&
	    sa->addrlen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const void *)&sa->addr;

		a = &s4->sin_addr;
		alen = 4;
		port = ntohs(s4->sin_port);
	} else if (sa->family == AF_INET6 &&
	    sa->addrlen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const void *)&sa->addr;

		a = &s6->sin6_addr;
		alen = 16;
		port = ntohs(s6->sin6_port);
	}
	for (i = 0; a != NULL && port == c->port && i < c->naddr; i++)
		if (c->addr[i].family == sa->family &&
		    memcmp(c->addr[i].addr, a, alen) == 0)
			return socket(sa->family, sa->socktype, sa->protocol);
	c->foreign = 1;
	return CURL_SOCKET_BAD;
}

static void
fetch_message(struct sts_fetch_result *out, enum mxq_status st,
    const char *fmt, ...) MXQ_PRINTF(3, 4);

static void
fetch_message(struct sts_fetch_result *out, enum mxq_status st,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	out->status = st;
	free(out->message);
	out->message = NULL;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	out->message = malloc((size_t)n + 1);
	if (out->message == NULL) {
		out->status = MXQ_ENOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(out->message, (size_t)n + 1, fmt, ap);
	va_end(ap);
}

/*
 * The policy domain as it goes into the URL and into the resolve entry:
 * letters, digits, "-" and "_" in labels of 1 to 63, lower case (curl's
 * DNS cache must find the entry whatever the case), one final dot
 * dropped.  Nothing else, so nothing can reach the URL's other parts.
 */
static int
fetch_host(const char *domain, char *buf, size_t size)
{
	size_t i, n = strlen(domain), start = 0;

	if (n > 0 && domain[n - 1] == '.')
		n--;
	if (n == 0 || n + sizeof("mta-sts.") > size || n > 253 - 8)
		return 0;
	memcpy(buf, "mta-sts.", 8);
	for (i = 0; i <= n; i++) {
		int c = i < n ? (unsigned char)domain[i] : '.';

		if (c == '.') {
			if (i == start || i - start > 63)
				return 0;
			start = i + 1;
		} else if (!is_alnum(c) && c != '-' && c != '_') {
			return 0;
		}
		if (i < n)
			buf[8 + i] = (char)lower(c);
	}
	buf[8 + n] = '\0';
	return 1;
}

/* Media type text/plain, any parameters (RFC 8461 3.2, RFC 7231). */
static int
content_type_ok(const char *ct)
{
	size_t n = sizeof("text/plain") - 1;

	if (ct == NULL)
		return 0;
	while (is_wsp((unsigned char)*ct))
		ct++;
	if (strlen(ct) < n || !case_equal(ct, "text/plain", n))
		return 0;
	ct += n;
	while (is_wsp((unsigned char)*ct))
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* The status and words for what curl_easy_perform() returned. */
static void
fetch_error(struct sts_fetch_result *out, CURLcode rc, const char *errbuf,
    const struct fetch_ctx *c)
{
	const char *detail = errbuf[0] != '\0' ? errbuf :
	    curl_easy_strerror(rc);
	size_t n = strlen(detail);
	char *d;

	/* curl's detail may end in a space or a newline. */
	while (n > 0 && (detail[n - 1] == ' ' || detail[n - 1] == '\n'))
		n--;
	d = esc_dup(detail, n, STS_DETAIL_MAX);

	if (d == NULL) {
		fetch_message(out, MXQ_ENOMEM, "out of memory");
		return;
	}
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		fetch_message(out, MXQ_ETIMEOUT, "timed out: %s", d);
		break;
	case CURLE_COULDNT_CONNECT:
		if (c->foreign)
			fetch_message(out, MXQ_EINTERNAL, "curl tried to "
			    "connect to an address it was not given");
		else
			fetch_message(out, MXQ_EUNREACH, "could not "
			    "connect: %s", d);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		fetch_message(out, MXQ_EMALFORMED, "certificate verification "
		    "failed: %s", d);
		break;
	case CURLE_SSL_CONNECT_ERROR:
		fetch_message(out, MXQ_EMALFORMED, "TLS handshake failed: %s",
		    d);
		break;
	case CURLE_SSL_CACERT_BADFILE:
		fetch_message(out, MXQ_EUSAGE, "cannot use the CA file: %s",
		    d);
		break;
	case CURLE_OUT_OF_MEMORY:
		fetch_message(out, MXQ_ENOMEM, "out of memory");
		break;
	case CURLE_WRITE_ERROR:
		if (c->nomem) {
			fetch_message(out, MXQ_ENOMEM, "out of memory");
			break;
		}
		fetch_message(out, MXQ_EMALFORMED, "%s", d);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		/* The resolve entry always answers: our mistake. */
		fetch_message(out, MXQ_EINTERNAL, "curl looked the name up: "
		    "%s", d);
		break;
	case CURLE_FAILED_INIT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_NOT_BUILT_IN:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_BAD_FUNCTION_ARGUMENT:
		fetch_message(out, MXQ_EINTERNAL, "libcurl: %s", d);
		break;
	default:
		/* Resets, empty replies, bad HTTP: trouble at the server. */
		fetch_message(out, MXQ_EMALFORMED, "%s", d);
		break;
	}
	free(d);
}

/* An HTTP answer arrived: judge it (RFC 8461 3.2, 3.3). */
static void
fetch_judge(struct sts_fetch_result *out, CURL *h, CURLcode rc,
    const struct fetch_ctx *c)
{
	long code = out->http_code;
	char *ct = NULL, *loc = NULL, *d;

	if (code >= 300 && code < 400) {
		/* "HTTP 3xx redirects MUST NOT be followed" (3.3). */
		if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) !=
		    CURLE_OK || loc == NULL) {
			fetch_message(out, MXQ_EMALFORMED, "redirect (HTTP "
			    "%ld) not followed (RFC 8461 3.3)", code);
			return;
		}
		d = esc_dup(loc, strlen(loc), STS_DETAIL_MAX);
		if (d == NULL) {
			fetch_message(out, MXQ_ENOMEM, "out of memory");
			return;
		}
		fetch_message(out, MXQ_EMALFORMED, "redirect (HTTP %ld) not "
		    "followed (RFC 8461 3.3): to %s", code, d);
		free(d);
		return;
	}
	if (code != 200) {
		/* "only valid if the HTTP response code is 200" (3.3). */
		fetch_message(out, MXQ_EMALFORMED, "HTTP %ld", code);
		return;
	}
	if (rc != CURLE_OK || c->too_big) {
		fetch_message(out, MXQ_EMALFORMED, "policy larger than 64 KiB "
		    "(RFC 8461 3.3)");
		return;
	}
	if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) != CURLE_OK)
		ct = NULL;
	if (!content_type_ok(ct)) {
		if (ct == NULL) {
			fetch_message(out, MXQ_EMALFORMED, "no content type, "
			    "not text/plain (RFC 8461 3.2)");
			return;
		}
		d = esc_dup(ct, strlen(ct), STS_DETAIL_MAX);
		if (d == NULL) {
			fetch_message(out, MXQ_ENOMEM, "out of memory");
			return;
		}
		fetch_message(out, MXQ_EMALFORMED, "content type %s, not "
		    "text/plain (RFC 8461 3.2)", d);
		free(d);
		return;
	}
	out->status = MXQ_OK;
}

/* curl_easy_setopt() for each option; the first failure is returned. */
#define SETOPT(h, opt, val) do {					\
		CURLcode r_ = curl_easy_setopt((h), (opt), (val));	\
		if (r_ != CURLE_OK)					\
			return r_;					\
	} while (0)

static CURLcode
fetch_setup(CURL *h, const struct sts_fetch_params *p, const char *url,
    struct curl_slist *resolve, struct fetch_ctx *c, char *errbuf)
{
	long ms;

	if (p->timeout_ms <= 0)
		ms = STS_TIMEOUT_DEFAULT;
	else if (p->timeout_ms >= 86400000.0)
		ms = 86400000L;
	else
		ms = p->timeout_ms < 1 ? 1 : (long)p->timeout_ms;
	SETOPT(h, CURLOPT_URL, url);
	SETOPT(h, CURLOPT_RESOLVE, resolve);
	SETOPT(h, CURLOPT_OPENSOCKETFUNCTION, fetch_socket);
	SETOPT(h, CURLOPT_OPENSOCKETDATA, c);
	/* Several threads fetch at once: no signals, no alarm(). */
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(h, CURLOPT_PROTOCOLS_STR, "https");
	SETOPT(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	SETOPT(h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
	SETOPT(h, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(h, CURLOPT_MAXREDIRS, 0L);
	/* The environment (https_proxy, ALL_PROXY) must not take us away. */
	SETOPT(h, CURLOPT_PROXY, "");
	SETOPT(h, CURLOPT_NOPROXY, "*");
	SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (p->cafile != NULL) {
		/* That file only, not the system's directory besides. */
		SETOPT(h, CURLOPT_CAINFO, p->cafile);
		SETOPT(h, CURLOPT_CAPATH, (char *)NULL);
	}
	SETOPT(h, CURLOPT_TIMEOUT_MS, ms);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
	SETOPT(h, CURLOPT_USERAGENT, "mxq/" MXQ_VERSION);
	SETOPT(h, CURLOPT_WRITEFUNCTION, fetch_write);
	SETOPT(h, CURLOPT_WRITEDATA, c);
	/* A Content-Length past the bound stops the transfer at once. */
	SETOPT(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)STS_POLICY_MAX);
	SETOPT(h, CURLOPT_ERRORBUFFER, errbuf);
	return CURLE_OK;
}

#undef SETOPT

void
sts_fetch(const struct sts_fetch_params *p, struct sts_fetch_result *out)
{
	char host[8 + 256], url[8 + 256 + 48], errbuf[CURL_ERROR_SIZE];
	struct fetch_ctx c;
	struct fetch_addr *addr = NULL;
	struct curl_slist *resolve = NULL;
	char *entry = NULL;
	CURL *h = NULL;
	CURLcode rc;
	size_t i, o;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	errbuf[0] = '\0';
	if (p->domain == NULL || !fetch_host(p->domain, host, sizeof(host))) {
		fetch_message(out, MXQ_EINVAL, "not a host name");
		return;
	}
	if (p->port < 1 || p->port > 65535) {
		fetch_message(out, MXQ_EINVAL, "no port %d", p->port);
		return;
	}
	/*
	 * Without an address there is no fetch: curl would otherwise ask
	 * the system resolver, another view of the DNS than the engine's.
	 */
	if (p->naddrs == 0) {
		fetch_message(out, MXQ_ENODATA, "no address for %s", host);
		return;
	}
	addr = calloc(p->naddrs, sizeof(*addr));
	/* "HOST:PORT:" and each address, bracketed, and a comma. */
	entry = malloc(strlen(host) + 8 + p->naddrs * (INET6_ADDRSTRLEN + 3));
	if (addr == NULL || entry == NULL) {
		fetch_message(out, MXQ_ENOMEM, "out of memory");
		goto done;
	}
	o = (size_t)sprintf(entry, "%s:%d:", host, p->port);
	for (i = 0; i < p->naddrs; i++) {
		char text[INET6_ADDRSTRLEN];
		const char *a = p->addrs[i];

		if (a != NULL && inet_pton(AF_INET, a, addr[i].addr) == 1)
			addr[i].family = AF_INET;
		else if (a != NULL && inet_pton(AF_INET6, a, addr[i].addr) == 1)
			addr[i].family = AF_INET6;
		else {
			fetch_message(out, MXQ_EINVAL, "an address of %s that "
			    "is not an IP address", host);
			goto done;
		}
		/* Written back from the binary form: nothing else gets in. */
		inet_ntop(addr[i].family, addr[i].addr, text, sizeof(text));
		o += (size_t)sprintf(entry + o, addr[i].family == AF_INET6 ?
		    "%s[%s]" : "%s%s", i > 0 ? "," : "", text);
	}
	c.addr = addr;
	c.naddr = p->naddrs;
	c.port = (unsigned)p->port;
	if (p->port == 443)
		snprintf(url, sizeof(url), "https://%s/.well-known/mta-sts.txt",
		    host);
	else
		snprintf(url, sizeof(url),
		    "https://%s:%d/.well-known/mta-sts.txt", host, p->port);
	resolve = curl_slist_append(NULL, entry);
	h = curl_easy_init();
	if (resolve == NULL || h == NULL) {
		fetch_message(out, MXQ_ENOMEM, "out of memory");
		goto done;
	}
	rc = fetch_setup(h, p, url, resolve, &c, errbuf);
	if (rc != CURLE_OK) {
		fetch_message(out, MXQ_EINTERNAL, "libcurl: %s",
		    curl_easy_strerror(rc));
		goto done;
	}
	rc = curl_easy_perform(h);
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->http_code) !=
	    CURLE_OK)
		out->http_code = 0;
	/*
	 * A whole answer, or one cut for its size once its status was
	 * known: the status speaks first, so a large 404 page is "HTTP
	 * 404", not a large policy.
	 */
	if (out->http_code != 0 && (rc == CURLE_OK ||
	    rc == CURLE_FILESIZE_EXCEEDED ||
	    (rc == CURLE_WRITE_ERROR && c.too_big)))
		fetch_judge(out, h, rc, &c);
	else
		fetch_error(out, rc, errbuf, &c);
	if (out->status == MXQ_OK) {
		if (c.data == NULL) {
			c.data = malloc(1);
			if (c.data == NULL) {
				fetch_message(out, MXQ_ENOMEM, "out of memory");
				goto done;
			}
			c.data[0] = '\0';
		}
		out->body = c.data;
		out->len = c.len;
		c.data = NULL;
	}
done:
	free(c.data);
	if (h != NULL)
		curl_easy_cleanup(h);
	curl_slist_free_all(resolve);
	free(entry);
	free(addr);
}

void
sts_fetch_result_free(struct sts_fetch_result *r)
{
	if (r == NULL)
		return;
	free(r->message);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

enum mxq_status
sts_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? MXQ_OK :
	    MXQ_EINTERNAL;
}

void
sts_global_cleanup(void)
{
	curl_global_cleanup();
}
