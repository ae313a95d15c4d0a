/*
 * The SMTP probe of one exchange address (smtp.h).  The socket is
 * nonblocking and every wait is a poll() bounded by the absolute deadline
 * of the current step, so a server that sends a byte at a time cannot
 * stretch a step.  Nothing here is static and mutable, and nothing calls
 * a non-reentrant function: the probe workers run several probes at once.
 *
 * SIGPIPE: a write to a connection the server has closed raises it unless
 * the write says MSG_NOSIGNAL, and nothing lets us assume that the
 * process ignores it.  Plain text goes out through send(MSG_NOSIGNAL);
 * libssl's own socket BIO writes with write(), so TLS runs over a BIO of
 * ours (smtp_tls.bio) that does its I/O with send(MSG_NOSIGNAL) and
 * recv() on the same nonblocking socket.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mxq/esc.h"
#include "mxq/msg.h"
#include "mxq/smtp.h"

/* Room for any message: words, a reply code, OpenSSL's reason. */
#define MESSAGE_MAX	256
/* The reply to QUIT tells nothing: it gets at most this long, in ms. */
#define QUIT_MS		1000
/* A host name in text (RFC 1035 2.3.4), for SNI and the EHLO argument. */
#define NAME_MAX_LEN	253

struct smtp_tls {
	SSL_CTX *ctx;
	BIO_METHOD *bio;		/* the socket I/O of every TLS session */
};

/* One reply: its code, the text of its first line, and of the others. */
struct reply {
	int code;
	char *text;			/* escaped */
	char **ext;			/* escaped, when asked for: EHLO */
	size_t next;
	int starttls;			/* one of the others is STARTTLS */
};

/* The state of one probe. */
struct session {
	const struct smtp_params *p;
	const struct smtp_tls *t;
	struct smtp_result *out;
	enum smtp_step step;
	double deadline;		/* of the step, monotonic ms */
	int quiet;			/* in QUIT: failures change nothing */
	int fd;
	SSL *ssl;			/* from STARTTLS on */
	int err;			/* errno of the socket call that failed */
	int eof;			/* the server closed the connection */
	size_t inlen;			/* bytes in in[] */
	size_t used;			/* of them, the line last returned */
	char in[SMTP_LINE_MAX];
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
step(struct session *pr, enum smtp_step s, double ms)
{
	pr->step = s;
	pr->deadline = now_ms() + ms;
}

static int fail(struct session *pr, enum mxq_status st, const char *fmt, ...)
    MXQ_PRINTF(3, 4);

/* Record why the probe stops, at the current step; -1. */
static int
fail(struct session *pr, enum mxq_status st, const char *fmt, ...)
{
	va_list ap;

	if (pr->quiet)
		return -1;
	pr->out->status = st;
	pr->out->failed_at = pr->step;
	va_start(ap, fmt);
	vsnprintf(pr->out->message, MESSAGE_MAX, fmt, ap);
	va_end(ap);
	return -1;
}

static int
fail_nomem(struct session *pr)
{
	return fail(pr, MXQ_ENOMEM, "out of memory");
}

static int
fail_timeout(struct session *pr)
{
	/* Every step but SMTP_STEP_DONE, where nothing waits. */
	static const char *const what[SMTP_STEP_DONE] = {
		"connecting",
		"waiting for the greeting",
		"waiting for the reply to EHLO",
		"waiting for the reply to STARTTLS",
		"in the TLS handshake",
		"waiting for the reply to EHLO inside TLS",
		"waiting for the reply to QUIT"
	};

	return fail(pr, MXQ_ETIMEOUT, "timed out %s", what[pr->step]);
}

/*
 * The connection failed: closed by the server (pr->eof, or no error
 * number at all), or pr->err.  Fixed words for what a server does to a
 * connection, strerror_r() for the rest (strerror() is not reentrant).
 */
static int
fail_socket(struct session *pr, const char *prefix)
{
	char buf[128];

	if (pr->eof || pr->err == 0 || pr->err == EPIPE)
		return fail(pr, MXQ_EUNREACH,
		    "%sconnection closed by the server", prefix);
	if (pr->err == ECONNREFUSED)
		return fail(pr, MXQ_EUNREACH, "%sconnection refused", prefix);
	if (pr->err == ECONNRESET)
		return fail(pr, MXQ_EUNREACH,
		    "%sconnection reset by the server", prefix);
	if (strerror_r(pr->err, buf, sizeof(buf)) != 0)
		snprintf(buf, sizeof(buf), "error %d", pr->err);
	else if (buf[0] >= 'A' && buf[0] <= 'Z')
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return fail(pr, MXQ_EUNREACH, "%s%s", prefix, buf);
}

/* Wait until the socket is ready for events, within the step. */
static int
wait_fd(struct session *pr, short events)
{
	struct pollfd pfd;
	double left;
	int n;

	pfd.fd = pr->fd;
	pfd.events = events;
	for (;;) {
		left = pr->deadline - now_ms();
		if (left <= 0)
			return fail_timeout(pr);
		/* Rounded up: no spin through the last fraction of a ms. */
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left + 1);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR) {
			pr->err = errno;
			return fail_socket(pr, "poll: ");
		}
	}
}

/* ---- TLS over our own socket BIO ---------------------------------------- */

static int
bio_write(BIO *b, const char *buf, size_t len, size_t *put)
{
	struct session *pr = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	do
		n = send(pr->fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n >= 0) {
		*put = (size_t)n;
		return 1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		BIO_set_retry_write(b);
	else
		pr->err = errno;
	return 0;
}

static int
bio_read(BIO *b, char *buf, size_t len, size_t *got)
{
	struct session *pr = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	do
		n = recv(pr->fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		*got = (size_t)n;
		return 1;
	}
	if (n == 0)
		pr->eof = 1;
	else if (errno == EAGAIN || errno == EWOULDBLOCK)
		BIO_set_retry_read(b);
	else
		pr->err = errno;
	return 0;
}

static long
bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	/* libssl flushes after each flight; a socket has nothing to flush. */
	return cmd == BIO_CTRL_FLUSH;
}

/*
 * After an SSL call that returned r: 0 once the socket is ready for the
 * call to be made again, -1 when the connection failed (recorded, the
 * words after prefix).  The caller cleared the thread's error queue
 * before the call: SSL_get_error() reads it.
 */
static int
tls_again(struct session *pr, int r, const char *prefix)
{
	const char *why;

	switch (SSL_get_error(pr->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(pr, POLLIN);
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(pr, POLLOUT);
	case SSL_ERROR_SSL:
		why = ERR_reason_error_string(ERR_peek_error());
		return fail(pr, MXQ_EMALFORMED, "%s%s", prefix,
		    why != NULL ? why : "TLS protocol error");
	default:
		break;
	}
	return fail_socket(pr, prefix);
}

/* ---- bytes, lines and replies ------------------------------------------- */

/* Some bytes from the server: how many, or -1 (recorded). */
static ssize_t
conn_read(struct session *pr, char *buf, size_t size)
{
	size_t got;
	ssize_t n;
	int r;

	for (;;) {
		if (pr->ssl != NULL) {
			ERR_clear_error();
			r = SSL_read_ex(pr->ssl, buf, size, &got);
			if (r == 1)
				return (ssize_t)got;
			if (tls_again(pr, r, "") < 0)
				return -1;
			continue;
		}
		n = recv(pr->fd, buf, size, 0);
		if (n > 0)
			return n;
		if (n == 0) {
			pr->eof = 1;
			return fail_socket(pr, "");
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			pr->err = errno;
			return fail_socket(pr, "");
		}
		if (wait_fd(pr, POLLIN) < 0)
			return -1;
	}
}

static int
conn_write(struct session *pr, const char *buf, size_t len)
{
	size_t off = 0, put;
	ssize_t n;
	int r;

	while (off < len) {
		if (pr->ssl != NULL) {
			ERR_clear_error();
			r = SSL_write_ex(pr->ssl, buf + off, len - off, &put);
			if (r == 1)
				off += put;
			else if (tls_again(pr, r, "") < 0)
				return -1;
			continue;
		}
		n = send(pr->fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			pr->err = errno;
			return fail_socket(pr, "");
		}
		if (wait_fd(pr, POLLOUT) < 0)
			return -1;
	}
	return 0;
}

/* VERB, or VERB ARG, and CRLF. */
static int
command(struct session *pr, const char *verb, const char *arg)
{
	char buf[NAME_MAX_LEN + 16];
	int n;

	if (arg != NULL)
		n = snprintf(buf, sizeof(buf), "%s %s\r\n", verb, arg);
	else
		n = snprintf(buf, sizeof(buf), "%s\r\n", verb);
	return conn_write(pr, buf, (size_t)n);
}

/*
 * The next line in pr->in[0 .. *len), without its CRLF (or bare LF).  A
 * line must fit in SMTP_LINE_MAX bytes with its end.
 */
static int
read_line(struct session *pr, size_t *len)
{
	char *nl;
	ssize_t n;

	pr->inlen -= pr->used;
	memmove(pr->in, pr->in + pr->used, pr->inlen);
	pr->used = 0;
	while ((nl = memchr(pr->in, '\n', pr->inlen)) == NULL) {
		if (pr->inlen == sizeof(pr->in))
			return fail(pr, MXQ_ELIMIT, "reply line too long");
		n = conn_read(pr, pr->in + pr->inlen,
		    sizeof(pr->in) - pr->inlen);
		if (n < 0)
			return -1;
		pr->inlen += (size_t)n;
	}
	pr->used = (size_t)(nl - pr->in) + 1;
	*len = pr->used - 1;
	if (*len > 0 && pr->in[*len - 1] == '\r')
		(*len)--;
	return 0;
}

static void
reply_free(struct reply *r)
{
	size_t i;

	free(r->text);
	for (i = 0; i < r->next; i++)
		free(r->ext[i]);
	free(r->ext);
	memset(r, 0, sizeof(*r));
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Nonzero when an EHLO line's text (len bytes) is the keyword STARTTLS. */
static int
is_starttls(const char *s, size_t len)
{
	static const char kw[] = "STARTTLS";
	size_t i;

	if (len < sizeof(kw) - 1)
		return 0;
	/* ASCII letters only: clearing 0x20 upper-cases them. */
	for (i = 0; i < sizeof(kw) - 1; i++)
		if ((s[i] & ~0x20) != kw[i])
			return 0;
	return len == i || s[i] == ' ';
}

/*
 * One reply (RFC 5321 4.2): "CODE-text" lines, then "CODE text" or
 * "CODE" alone, one code throughout.  With keep, the text of the lines
 * after the first (EHLO keywords) goes to r->ext, up to SMTP_EXT_MAX.
 */
static int
read_reply(struct session *pr, struct reply *r, int keep)
{
	size_t len = 0, tlen, lines = 0;
	const char *s, *text;
	char *e;
	int code;

	memset(r, 0, sizeof(*r));
	for (;;) {
		if (read_line(pr, &len) < 0)
			goto fail;
		if (++lines > SMTP_REPLY_LINES_MAX) {
			fail(pr, MXQ_ELIMIT, "reply longer than %d lines",
			    SMTP_REPLY_LINES_MAX);
			goto fail;
		}
		s = pr->in;
		if (len < 3 || s[0] < '2' || s[0] > '5' || !is_digit(s[1]) ||
		    !is_digit(s[2]) || (len > 3 && s[3] != ' ' && s[3] != '-')) {
			fail(pr, MXQ_EMALFORMED, "not an SMTP reply");
			goto fail;
		}
		code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
		text = s + (len > 3 ? 4 : 3);
		tlen = len > 3 ? len - 4 : 0;
		if (lines == 1) {
			r->code = code;
			if ((r->text = esc_dup(text, tlen, SMTP_TEXT_MAX)) ==
			    NULL) {
				fail_nomem(pr);
				goto fail;
			}
		} else if (code != r->code) {
			fail(pr, MXQ_EMALFORMED,
			    "reply lines with different codes");
			goto fail;
		} else if (keep) {
			if (is_starttls(text, tlen))
				r->starttls = 1;
			if (r->ext == NULL &&
			    (r->ext = calloc(SMTP_EXT_MAX, sizeof(*r->ext))) ==
			    NULL) {
				fail_nomem(pr);
				goto fail;
			}
			if (r->next < SMTP_EXT_MAX) {
				if ((e = esc_dup(text, tlen, SMTP_TEXT_MAX)) ==
				    NULL) {
					fail_nomem(pr);
					goto fail;
				}
				r->ext[r->next++] = e;
			}
		}
		if (len == 3 || s[3] == ' ')
			return 0;
	}
fail:
	reply_free(r);
	return -1;
}

/* ---- the dialogue ------------------------------------------------------- */

static int
tcp_connect(struct session *pr)
{
	const struct smtp_params *p = pr->p;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr *sa;
	socklen_t salen, errlen;
	double start;
	int err;

	if (p->family == 4) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)p->port);
		memcpy(&sin.sin_addr, p->addr, 4);
		sa = (struct sockaddr *)&sin;
		salen = sizeof(sin);
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)p->port);
		memcpy(&sin6.sin6_addr, p->addr, 16);
		sa = (struct sockaddr *)&sin6;
		salen = sizeof(sin6);
	}
	start = now_ms();
	pr->fd = socket(sa->sa_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (pr->fd < 0) {
		pr->err = errno;
		return fail_socket(pr, "socket: ");
	}
	if (connect(pr->fd, sa, salen) != 0) {
		/* Interrupted, a nonblocking connect goes on all the same. */
		if (errno != EINPROGRESS && errno != EINTR) {
			pr->err = errno;
			return fail_socket(pr, "");
		}
		if (wait_fd(pr, POLLOUT) < 0)
			return -1;
		errlen = sizeof(err);
		if (getsockopt(pr->fd, SOL_SOCKET, SO_ERROR, &err,
		    &errlen) != 0)
			err = errno;
		if (err != 0) {
			pr->err = err;
			return fail_socket(pr, "");
		}
	}
	pr->out->connect_ms = now_ms() - start;
	return 0;
}

/* QUIT, and its 221 for a short while; whatever happens is no failure. */
static void
quit(struct session *pr)
{
	struct reply r;

	pr->quiet = 1;
	step(pr, SMTP_STEP_QUIT,
	    pr->p->step_ms < QUIT_MS ? pr->p->step_ms : QUIT_MS);
	if (command(pr, "QUIT", NULL) == 0 && read_reply(pr, &r, 0) == 0)
		reply_free(&r);
}

/*
 * EHLO, its keywords to *ext; 0 when the server took it.  Before TLS a
 * server that refuses it (5xx) gets HELO (RFC 5321 4.1.4, 3.2), for the
 * record, and no STARTTLS: HELO has no extensions.
 */
static int
greet(struct session *pr, enum smtp_step s, char ***ext, size_t *next,
    int *starttls)
{
	struct reply r;
	int code;

	step(pr, s, pr->p->step_ms);
	if (command(pr, "EHLO", pr->p->ehlo) < 0 || read_reply(pr, &r, 1) < 0)
		return -1;
	if (r.code / 100 == 2) {
		*ext = r.ext;
		*next = r.next;
		if (starttls != NULL)
			*starttls = r.starttls;
		free(r.text);
		return 0;
	}
	code = r.code;
	reply_free(&r);
	if (s == SMTP_STEP_EHLO && code / 100 == 5) {
		step(pr, s, pr->p->step_ms);
		if (command(pr, "HELO", pr->p->ehlo) < 0 ||
		    read_reply(pr, &r, 0) < 0)
			return -1;
		fail(pr, MXQ_ERCODE, "EHLO refused with code %d, HELO %s", code,
		    r.code / 100 == 2 ? "accepted" : "refused too");
		reply_free(&r);
	} else {
		fail(pr, MXQ_ERCODE, "EHLO refused with code %d", code);
	}
	quit(pr);
	return -1;
}

/* The names of the certificate: DNS subjectAltNames, else the CN. */
static int
cert_names(struct session *pr, X509 *leaf)
{
	struct smtp_cert *c = &pr->out->cert;
	GENERAL_NAMES *gens;
	const GENERAL_NAME *g;
	const X509_NAME *subject;
	unsigned char *utf8;
	char *s;
	int i, n, len;

	c->names = calloc(SMTP_NAMES_MAX, sizeof(*c->names));
	if (c->names == NULL)
		return fail_nomem(pr);
	gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	n = gens != NULL ? sk_GENERAL_NAME_num(gens) : 0;
	for (i = 0; i < n && c->nnames < SMTP_NAMES_MAX; i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS)
			continue;
		s = esc_dup((const char *)ASN1_STRING_get0_data(g->d.dNSName),
		    (size_t)ASN1_STRING_length(g->d.dNSName), SMTP_TEXT_MAX);
		if (s == NULL) {
			GENERAL_NAMES_free(gens);
			return fail_nomem(pr);
		}
		c->names[c->nnames++] = s;
	}
	GENERAL_NAMES_free(gens);
	if (c->nnames > 0)
		return 0;
	subject = X509_get_subject_name(leaf);
	i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
	if (i < 0)
		return 0;
	len = ASN1_STRING_to_UTF8(&utf8,
	    X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)));
	/* A CN that does not convert to UTF-8 is no name to show. */
	if (len < 0)
		return 0;
	s = esc_dup((const char *)utf8, (size_t)len, SMTP_TEXT_MAX);
	OPENSSL_free(utf8);
	if (s == NULL)
		return fail_nomem(pr);
	c->names[c->nnames++] = s;
	return 0;
}

/* A distinguished name on one line (RFC 2253), escaped; NULL: no memory. */
static char *
name_text(const X509_NAME *name)
{
	BIO *b;
	char *data, *s = NULL;
	long len;

	b = BIO_new(BIO_s_mem());
	if (b == NULL)
		return NULL;
	/* UTF-8 left as it is: esc_dup() keeps what is safe to show. */
	if (X509_NAME_print_ex(b, name, 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		len = BIO_get_mem_data(b, &data);
		s = esc_dup(data, (size_t)len, SMTP_TEXT_MAX);
	}
	BIO_free(b);
	return s;
}

/*
 * PKIX, apart from the handshake (which trusts anything, as opportunistic
 * senders do, and with DANE verifies against TLSA records instead): the
 * server's chain against the CA store, for a TLS server named as the
 * exchange, wildcards only as a whole left-most label (RFC 6125 6.4.3).
 */
static int
cert_verify(struct session *pr, X509 *leaf)
{
	struct smtp_cert *c = &pr->out->cert;
	X509_STORE_CTX *sc;
	X509_VERIFY_PARAM *vp;

	sc = X509_STORE_CTX_new();
	if (sc == NULL || X509_STORE_CTX_init(sc,
	    SSL_CTX_get_cert_store(pr->t->ctx), leaf,
	    SSL_get_peer_cert_chain(pr->ssl)) != 1 ||
	    X509_STORE_CTX_set_default(sc, "ssl_server") != 1) {
		X509_STORE_CTX_free(sc);
		return fail_nomem(pr);
	}
	vp = X509_STORE_CTX_get0_param(sc);
	X509_VERIFY_PARAM_set_hostflags(vp,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (X509_VERIFY_PARAM_set1_host(vp, pr->p->exchange, 0) != 1) {
		X509_STORE_CTX_free(sc);
		return fail_nomem(pr);
	}
	c->verified = X509_verify_cert(sc) == 1;
	if (!c->verified)
		c->verify_error = strdup(X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(sc)));
	X509_STORE_CTX_free(sc);
	if (!c->verified && c->verify_error == NULL)
		return fail_nomem(pr);
	return 0;
}

static int
cert_record(struct session *pr)
{
	struct smtp_cert *c = &pr->out->cert;
	const ASN1_TIME *na;
	struct tm tm;
	X509 *leaf;

	leaf = SSL_get0_peer_certificate(pr->ssl);
	if (leaf == NULL) {
		c->verify_error = strdup("no certificate");
		return c->verify_error == NULL ? fail_nomem(pr) : 0;
	}
	c->subject = name_text(X509_get_subject_name(leaf));
	c->issuer = name_text(X509_get_issuer_name(leaf));
	if (c->subject == NULL || c->issuer == NULL)
		return fail_nomem(pr);
	if (cert_names(pr, leaf) < 0)
		return -1;
	na = X509_get0_notAfter(leaf);
	if (ASN1_TIME_to_tm(na, &tm) == 1)
		strftime(c->not_after, sizeof(c->not_after),
		    "%Y-%m-%dT%H:%M:%SZ", &tm);
	c->expired = X509_cmp_current_time(na) < 0;
	return cert_verify(pr, leaf);
}

/*
 * DANE (RFC 7672) for this session: the exchange is the TLSA base domain
 * and, through SSL_dane_enable(), the name that DANE-TA(2) checks
 * (3.2.2, the same flags as PKIX); DANE-EE(3) binds the key alone, names
 * and dates aside (3.1.1).  Records OpenSSL cannot use (SSL_dane_tlsa_add
 * says 0) are left out, as RFC 7672 2.2 has it.
 */
static int
dane_setup(struct session *pr)
{
	const struct smtp_tlsa *a;
	size_t i;
	int r;

	if (SSL_dane_enable(pr->ssl, pr->p->exchange) <= 0)
		return fail_nomem(pr);
	SSL_dane_set_flags(pr->ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	SSL_set_hostflags(pr->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	for (i = 0; i < pr->p->ntlsa; i++) {
		a = &pr->p->tlsa[i];
		/* RFC 7672 3.1.3: PKIX-TA(0) and PKIX-EE(1) are not for SMTP. */
		if (a->usage != 2 && a->usage != 3)
			continue;
		r = SSL_dane_tlsa_add(pr->ssl, a->usage, a->selector, a->mtype,
		    a->data, a->len);
		if (r < 0)
			return fail_nomem(pr);
	}
	return 0;
}

/*
 * With DANE on, the handshake's verification is DANE's, and
 * SSL_get0_dane_tlsa() is negative unless it succeeded: a usable record
 * matched (for DANE-TA, with the name and the dates checked as well).
 */
static int
dane_record(struct session *pr)
{
	struct smtp_result *out = pr->out;
	uint8_t u, s, m;
	char buf[16];

	if (pr->p->ntlsa == 0)
		return 0;
	out->dane = 0;
	if (SSL_get0_dane_tlsa(pr->ssl, &u, &s, &m, NULL, NULL) < 0)
		return 0;
	out->dane = 1;
	snprintf(buf, sizeof(buf), "%u %u %u", u, s, m);
	out->dane_match = strdup(buf);
	return out->dane_match == NULL ? fail_nomem(pr) : 0;
}

/* STARTTLS and the handshake; 0 also when the server refuses STARTTLS. */
static int
tls_start(struct session *pr)
{
	struct smtp_result *out = pr->out;
	struct reply r;
	BIO *bio;
	int ret;

	step(pr, SMTP_STEP_STARTTLS, pr->p->step_ms);
	if (command(pr, "STARTTLS", NULL) < 0 || read_reply(pr, &r, 0) < 0)
		return -1;
	out->starttls_code = r.code;
	reply_free(&r);
	if (out->starttls_code != 220)
		return 0;
	/*
	 * The server cannot have sent anything after its 220 before our
	 * ClientHello: such bytes are plain text injected by someone on the
	 * path, that must never pass for a reply inside TLS.
	 */
	if (pr->inlen > pr->used)
		return fail(pr, MXQ_EMALFORMED,
		    "data after the reply to STARTTLS");

	step(pr, SMTP_STEP_TLS, pr->p->step_ms);
	pr->ssl = SSL_new(pr->t->ctx);
	if (pr->ssl == NULL)
		return fail_nomem(pr);
	bio = BIO_new(pr->t->bio);
	if (bio == NULL)
		return fail_nomem(pr);
	BIO_set_data(bio, pr);
	BIO_set_init(bio, 1);
	SSL_set_bio(pr->ssl, bio, bio);
	if (SSL_set_tlsext_host_name(pr->ssl, pr->p->exchange) != 1)
		return fail_nomem(pr);
	if (pr->p->ntlsa > 0 && dane_setup(pr) < 0)
		return -1;
	for (;;) {
		ERR_clear_error();
		ret = SSL_connect(pr->ssl);
		if (ret == 1)
			break;
		if (tls_again(pr, ret, "TLS handshake failed: ") < 0)
			return -1;
	}
	out->tls = 1;
	out->tls_version = strdup(SSL_get_version(pr->ssl));
	out->cipher = strdup(SSL_CIPHER_get_name(
	    SSL_get_current_cipher(pr->ssl)));
	if (out->tls_version == NULL || out->cipher == NULL)
		return fail_nomem(pr);
	if (cert_record(pr) < 0)
		return -1;
	return dane_record(pr);
}

static void
dialogue(struct session *pr)
{
	struct smtp_result *out = pr->out;
	struct reply r;

	step(pr, SMTP_STEP_CONNECT, pr->p->step_ms);
	if (tcp_connect(pr) < 0)
		return;
	step(pr, SMTP_STEP_GREETING, pr->p->step_ms);
	if (read_reply(pr, &r, 0) < 0)
		return;
	out->greeting_code = r.code;
	out->greeting = r.text;
	if (r.code / 100 != 2) {
		fail(pr, MXQ_ERCODE, "greeting with code %d", r.code);
		quit(pr);
		return;
	}
	if (greet(pr, SMTP_STEP_EHLO, &out->ext, &out->next,
	    &out->starttls_offered) < 0)
		return;
	if (out->starttls_offered) {
		if (tls_start(pr) < 0)
			return;
		if (out->tls && greet(pr, SMTP_STEP_EHLO_TLS, &out->ext_tls,
		    &out->next_tls, NULL) < 0)
			return;
	}
	quit(pr);
}

/* A name for SNI or EHLO: printable ASCII without spaces, not too long. */
static int
name_ok(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i == NAME_MAX_LEN || (unsigned char)s[i] <= ' ' ||
		    (unsigned char)s[i] >= 0x7f)
			return 0;
	return i > 0;
}

void
smtp_probe(const struct smtp_params *p, const struct smtp_tls *t,
    struct smtp_result *out)
{
	struct session pr;
	double start = now_ms();

	memset(out, 0, sizeof(*out));
	out->dane = -1;
	/* Made first, so that no later failure is ever without words. */
	out->message = malloc(MESSAGE_MAX);
	if (out->message == NULL) {
		out->status = MXQ_ENOMEM;
		return;
	}
	memset(&pr, 0, sizeof(pr));
	pr.p = p;
	pr.t = t;
	pr.out = out;
	pr.fd = -1;
	if (t == NULL || (p->family != 4 && p->family != 6) || p->port < 1 ||
	    p->port > 65535 || !name_ok(p->exchange) || !name_ok(p->ehlo))
		fail(&pr, MXQ_EINTERNAL, "bad probe parameters");
	else
		dialogue(&pr);
	SSL_free(pr.ssl);
	if (pr.fd >= 0)
		close(pr.fd);
	/* Nothing of this probe left for the thread's next OpenSSL call. */
	ERR_clear_error();
	if (out->status == MXQ_OK) {
		free(out->message);
		out->message = NULL;
		out->failed_at = SMTP_STEP_DONE;
	}
	out->total_ms = now_ms() - start;
}

static void
free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
smtp_result_free(struct smtp_result *r)
{
	if (r == NULL)
		return;
	free(r->message);
	free(r->greeting);
	free_strings(r->ext, r->next);
	free(r->tls_version);
	free(r->cipher);
	free(r->cert.subject);
	free(r->cert.issuer);
	free_strings(r->cert.names, r->cert.nnames);
	free(r->cert.verify_error);
	free(r->dane_match);
	free_strings(r->ext_tls, r->next_tls);
	memset(r, 0, sizeof(*r));
}

/*
 * TLS 1.0 and up, as Postfix's default smtp_tls_protocols: a probe sees
 * what an opportunistic sender gets.  The security level stays OpenSSL's
 * default (1), under which OpenSSL 3 refuses the SHA-1 signatures that
 * TLS 1.0 and 1.1 need: those handshakes fail as they would for any
 * sender on OpenSSL 3.  No certificate check stops a handshake
 * (SSL_VERIFY_NONE): PKIX and DANE are judged after it.
 */
struct smtp_tls *
smtp_tls_new(const char *cafile, const char **why)
{
	struct smtp_tls *t;
	int index;

	*why = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->ctx = SSL_CTX_new(TLS_client_method());
	index = BIO_get_new_index();
	if (index != -1)
		t->bio = BIO_meth_new(BIO_TYPE_SOURCE_SINK | index,
		    "mxq smtp socket");
	if (t->ctx == NULL || t->bio == NULL ||
	    BIO_meth_set_write_ex(t->bio, bio_write) != 1 ||
	    BIO_meth_set_read_ex(t->bio, bio_read) != 1 ||
	    BIO_meth_set_ctrl(t->bio, bio_ctrl) != 1 ||
	    SSL_CTX_set_min_proto_version(t->ctx, TLS1_VERSION) != 1 ||
	    SSL_CTX_dane_enable(t->ctx) <= 0) {
		*why = "cannot set up TLS";
	} else if (cafile != NULL) {
		if (SSL_CTX_load_verify_locations(t->ctx, cafile, NULL) != 1)
			*why = "cannot load the CA certificates";
	} else if (SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
		*why = "cannot load the system's CA certificates";
	}
	ERR_clear_error();
	if (*why != NULL) {
		smtp_tls_free(t);
		return NULL;
	}
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
	return t;
}

void
smtp_tls_free(struct smtp_tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	BIO_meth_free(t->bio);
	free(t);
}

const char *
smtp_step_name(enum smtp_step s)
{
	switch (s) {
	case SMTP_STEP_CONNECT:
		return "connect";
	case SMTP_STEP_GREETING:
		return "greeting";
	case SMTP_STEP_EHLO:
		return "EHLO";
	case SMTP_STEP_STARTTLS:
		return "STARTTLS";
	case SMTP_STEP_TLS:
		return "TLS handshake";
	case SMTP_STEP_EHLO_TLS:
		return "EHLO inside TLS";
	case SMTP_STEP_QUIT:
		return "QUIT";
	case SMTP_STEP_DONE:
		break;
	}
	return "done";
}
