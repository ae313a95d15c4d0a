/*
 * Unit tests for src/smtp.c: the SMTP probe against scripted servers on
 * 127.0.0.1 (an ephemeral port each), one thread per server, with TLS
 * certificates made at start: a CA, a leaf for mx.test signed by it, an
 * expired one, a self-signed one.
 *
 * The servers' threads block SIGPIPE, the probing threads do not: a
 * SIGPIPE raised by smtp.c would end this program.  That alone proves
 * little, as no server can make the probe raise it on demand: after a
 * reset, the kernel answers the first write with ECONNRESET, and raises
 * SIGPIPE only on a write after that, which the probe never makes.  So
 * this program's own send() and write() stand in for libc's and count,
 * outside the servers' threads, every send() without MSG_NOSIGNAL and
 * every write() to a socket (libssl's socket BIO writes so).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "mxq/smtp.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Deadline of a step in the tests of hostile servers, ms. */
#define STEP_SHORT	300
/* ... and in the others: long enough for a loaded machine. */
#define STEP_LONG	5000

#define EHLO_REPLY "250-mx.test greets probe.test\r\n250-PIPELINING\r\n" \
	"250-SIZE 10240000\r\n250 STARTTLS\r\n"
#define EHLO_TLS_REPLY "250-mx.test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n"

static struct {
	EVP_PKEY *ca_key, *key;
	X509 *ca, *leaf, *expired, *self;
	char cafile[64];
	uint8_t ee[32];			/* SHA-256 of the leaf's SPKI */
	uint8_t ee_cert[32];		/* ... of the whole leaf */
	uint8_t ta[32];			/* ... of the CA's SPKI */
	uint8_t junk[32];
	struct smtp_tls *tls;
} pki;

static _Thread_local int server_thread;
static atomic_int unsafe_writes, probe_sends;

ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	if (!server_thread) {
		atomic_fetch_add(&probe_sends, 1);
		if (!(flags & MSG_NOSIGNAL))
			atomic_fetch_add(&unsafe_writes, 1);
	}
	return (ssize_t)syscall(SYS_sendto, fd, buf, len, flags, NULL, 0);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	struct stat st;

	if (!server_thread && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
		atomic_fetch_add(&unsafe_writes, 1);
	return (ssize_t)syscall(SYS_write, fd, buf, len);
}

/* ---- certificates ------------------------------------------------------- */

static void
add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, v3, nid, value);

	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

static void
add_name(X509_NAME *n, const char *field, const char *value)
{
	assert_int_equal(X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8,
	    (const unsigned char *)value, -1, -1, 0), 1);
}

/*
 * A certificate for key, signed by issuer (NULL: by itself), valid from
 * an hour ago to not_after ("YYYYMMDDHHMMSSZ").
 */
static X509 *
make_cert(const char *cn, const char *ou, const char *san, EVP_PKEY *key,
    X509 *issuer, EVP_PKEY *ikey, const char *not_after, int ca, long serial)
{
	X509 *x = X509_new();
	X509_NAME *n;
	X509V3_CTX v3;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	assert_int_equal(ASN1_TIME_set_string_X509(X509_getm_notAfter(x),
	    not_after), 1);
	assert_int_equal(X509_set_pubkey(x, key), 1);
	n = X509_get_subject_name(x);
	add_name(n, "O", "mxq test");
	if (ou != NULL)
		add_name(n, "OU", ou);
	add_name(n, "CN", cn);
	X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : n);
	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	if (ca) {
		add_ext(x, &v3, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, &v3, NID_basic_constraints, "CA:FALSE");
		add_ext(x, &v3, NID_ext_key_usage, "serverAuth");
	}
	if (san != NULL)
		add_ext(x, &v3, NID_subject_alt_name, san);
	assert_true(X509_sign(x, ikey != NULL ? ikey : key, EVP_sha256()) > 0);
	return x;
}

static void
spki_sha256(X509 *x, uint8_t out[32])
{
	unsigned char *der = NULL;
	unsigned int n;
	int len;

	len = i2d_PUBKEY(X509_get0_pubkey(x), &der);
	assert_true(len > 0);
	assert_int_equal(EVP_Digest(der, (size_t)len, out, &n, EVP_sha256(),
	    NULL), 1);
	OPENSSL_free(der);
}

static int
setup(void **state)
{
	const char *why = "unset";
	unsigned int n;
	FILE *f;
	int fd;

	(void)state;
	pki.ca_key = EVP_EC_gen("P-256");
	pki.key = EVP_EC_gen("P-256");
	assert_non_null(pki.ca_key);
	assert_non_null(pki.key);
	pki.ca = make_cert("mxq test CA", NULL, NULL, pki.ca_key, NULL, NULL,
	    "20991231235959Z", 1, 1);
	pki.leaf = make_cert("mx.test", NULL,
	    "DNS:mx.test,DNS:m*.part.test,DNS:*.wild.test,IP:192.0.2.1",
	    pki.key, pki.ca, pki.ca_key, "20991231235959Z", 0, 2);
	pki.expired = make_cert("mx.test", NULL, "DNS:mx.test", pki.key,
	    pki.ca, pki.ca_key, "20200101000000Z", 0, 3);
	/* No subjectAltName: its CN is its name.  Text a terminal must not
	 * take raw in its OU: a bidi override and an escape sequence. */
	pki.self = make_cert("mx.test", "\xe2\x80\xae" "evil\x1b[31m", NULL,
	    pki.key, NULL, NULL, "20991231235959Z", 0, 4);
	spki_sha256(pki.leaf, pki.ee);
	spki_sha256(pki.ca, pki.ta);
	assert_int_equal(X509_digest(pki.leaf, EVP_sha256(), pki.ee_cert, &n),
	    1);
	memset(pki.junk, 0xa5, sizeof(pki.junk));

	snprintf(pki.cafile, sizeof(pki.cafile), "/tmp/mxq-test-smtp-XXXXXX");
	fd = mkstemp(pki.cafile);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, pki.ca), 1);
	assert_int_equal(fclose(f), 0);
	pki.tls = smtp_tls_new(pki.cafile, &why);
	/* Read once and for all: nothing is left behind, even by a crash. */
	unlink(pki.cafile);
	assert_non_null(pki.tls);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	smtp_tls_free(pki.tls);
	X509_free(pki.ca);
	X509_free(pki.leaf);
	X509_free(pki.expired);
	X509_free(pki.self);
	EVP_PKEY_free(pki.ca_key);
	EVP_PKEY_free(pki.key);
	return 0;
}

/* ---- scripted servers --------------------------------------------------- */

struct srv;
typedef void script_fn(struct srv *);

enum quit_mode { QUIT_REPLY, QUIT_CLOSE, QUIT_STALL };

struct srv {
	script_fn *script;		/* NULL: serve(), as set below */
	const char *greeting;		/* sent whole, NULL: a plain 220 */
	const char *ehlo;		/* reply to EHLO, NULL: EHLO_REPLY */
	const char *starttls;		/* reply to it, NULL: "220 ready" */
	script_fn *after_220;		/* instead of the TLS handshake */
	const char *ehlo_tls;		/* NULL: EHLO_TLS_REPLY */
	enum quit_mode quit;
	X509 *cert;			/* NULL: pki.leaf */
	int no_chain;			/* send the certificate alone */
	int tls12;			/* TLS 1.2 at most */
	int family;			/* 4, or 6 */

	int lfd, fd, port;
	SSL_CTX *ctx;
	SSL *ssl;
	pthread_t th;
	char log[4096];			/* the lines the server got, "|" after each */
	char sni[256];			/* the name the client asked for */
};

static int
sput_n(struct srv *s, const char *buf, size_t len)
{
	ssize_t n;

	if (s->ssl != NULL)
		return SSL_write(s->ssl, buf, (int)len) == (int)len ? 0 : -1;
	while (len > 0) {
		n = send(s->fd, buf, len, MSG_NOSIGNAL);
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
sput(struct srv *s, const char *text)
{
	return sput_n(s, text, strlen(text));
}

static int
sread(struct srv *s, void *buf, size_t size)
{
	if (s->ssl != NULL)
		return SSL_read(s->ssl, buf, (int)size);
	return (int)recv(s->fd, buf, size, 0);
}

/* A line from the client, logged; -1 at its end (or after 3 s). */
static int
sgets(struct srv *s, char *line, size_t size)
{
	size_t n = 0;
	char c;

	for (;;) {
		if (sread(s, &c, 1) != 1 || n + 1 == size)
			return -1;
		if (c == '\n')
			break;
		line[n++] = c;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	strncat(s->log, line, sizeof(s->log) - strlen(s->log) - 2);
	strcat(s->log, "|");
	return 0;
}

/* Keep the connection open until the client leaves (or 3 s pass). */
static void
swait_close(struct srv *s)
{
	char buf[512];

	while (sread(s, buf, sizeof(buf)) > 0)
		continue;
}

/* The client's first TLS record (its ClientHello), read whole. */
static void
sread_hello(struct srv *s)
{
	unsigned char hdr[5], buf[512];
	size_t left;
	ssize_t n;

	if (recv(s->fd, hdr, sizeof(hdr), MSG_WAITALL) != sizeof(hdr))
		return;
	for (left = (size_t)hdr[3] << 8 | hdr[4]; left > 0; left -= (size_t)n) {
		n = recv(s->fd, buf, left < sizeof(buf) ? left : sizeof(buf), 0);
		if (n <= 0)
			return;
	}
}

/* A well-behaved SMTP server, but for the replies the test sets. */
static void
serve(struct srv *s)
{
	char line[1024];
	const char *r;

	if (sput(s, s->greeting != NULL ? s->greeting :
	    "220 mx.test ESMTP\r\n") < 0)
		return;
	while (sgets(s, line, sizeof(line)) == 0) {
		if (strncmp(line, "EHLO ", 5) == 0) {
			if (s->ssl != NULL)
				r = s->ehlo_tls != NULL ? s->ehlo_tls :
				    EHLO_TLS_REPLY;
			else
				r = s->ehlo != NULL ? s->ehlo : EHLO_REPLY;
		} else if (strncmp(line, "HELO ", 5) == 0) {
			r = "250 mx.test\r\n";
		} else if (strcmp(line, "STARTTLS") == 0) {
			r = s->starttls != NULL ? s->starttls : "220 ready\r\n";
			if (sput(s, r) < 0 || strncmp(r, "220", 3) != 0)
				continue;
			if (s->after_220 != NULL) {
				s->after_220(s);
				return;
			}
			s->ssl = SSL_new(s->ctx);
			if (s->ssl == NULL || !SSL_set_fd(s->ssl, s->fd) ||
			    SSL_accept(s->ssl) != 1)
				return;
			r = SSL_get_servername(s->ssl,
			    TLSEXT_NAMETYPE_host_name);
			if (r != NULL)
				snprintf(s->sni, sizeof(s->sni), "%s", r);
			continue;
		} else if (strcmp(line, "QUIT") == 0) {
			if (s->quit == QUIT_REPLY)
				sput(s, "221 bye\r\n");
			else if (s->quit == QUIT_STALL)
				swait_close(s);
			return;
		} else {
			r = "500 what\r\n";
		}
		if (sput(s, r) < 0)
			return;
	}
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;
	struct timeval tv = { 3, 0 };
	struct pollfd pfd;
	sigset_t set;

	server_thread = 1;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pfd.fd = s->lfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) != 1)
		return NULL;
	s->fd = accept(s->lfd, NULL, NULL);
	if (s->fd < 0)
		return NULL;
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(s->script != NULL ? s->script : serve)(s);
	SSL_free(s->ssl);
	close(s->fd);
	return NULL;
}

/* Listen on loopback, start the server's thread; 0, or -1 (no IPv6). */
static int
srv_start(struct srv *s)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	X509 *cert = s->cert != NULL ? s->cert : pki.leaf;

	memset(&ss, 0, sizeof(ss));
	if (s->family == 6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	}
	s->fd = -1;
	s->lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&ss, len) != 0) {
		if (s->lfd >= 0)
			close(s->lfd);
		return -1;
	}
	assert_int_equal(listen(s->lfd, 8), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&ss, &len), 0);
	s->port = ntohs(s->family == 6 ? sin6->sin6_port : sin->sin_port);

	s->ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(s->ctx);
	assert_int_equal(SSL_CTX_use_certificate(s->ctx, cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(s->ctx, pki.key), 1);
	if (cert != pki.self && !s->no_chain)
		assert_int_equal(SSL_CTX_add1_chain_cert(s->ctx, pki.ca), 1);
	if (s->tls12)
		SSL_CTX_set_max_proto_version(s->ctx, TLS1_2_VERSION);
	assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
	return 0;
}

static void
srv_join(struct srv *s)
{
	pthread_join(s->th, NULL);
	close(s->lfd);
	SSL_CTX_free(s->ctx);
}

static void
params(struct smtp_params *p, int port, const char *exchange, double step)
{
	static const uint8_t lo4[4] = { 127, 0, 0, 1 };

	memset(p, 0, sizeof(*p));
	p->family = 4;
	memcpy(p->addr, lo4, sizeof(lo4));
	p->port = port;
	p->exchange = exchange;
	p->ehlo = "probe.test";
	p->step_ms = step;
}

/* Start s, probe it as exchange, wait for it to end. */
static void
run_tlsa(struct srv *s, const char *exchange, const struct smtp_tlsa *tlsa,
    size_t ntlsa, double step, struct smtp_result *r)
{
	struct smtp_params p;

	assert_int_equal(srv_start(s), 0);
	params(&p, s->port, exchange, step);
	p.tlsa = tlsa;
	p.ntlsa = ntlsa;
	smtp_probe(&p, pki.tls, r);
	srv_join(s);
}

static void
run(struct srv *s, double step, struct smtp_result *r)
{
	run_tlsa(s, "mx.test", NULL, 0, step, r);
}

static void
expect_strings(char **got, size_t ngot, const char *const *want,
    size_t nwant)
{
	size_t i;

	assert_int_equal(ngot, nwant);
	for (i = 0; i < nwant; i++)
		assert_string_equal(got[i], want[i]);
}

/* The probe stopped at a step with a status and this message. */
static void
expect_failure(const struct smtp_result *r, enum mxq_status st,
    enum smtp_step at, const char *message)
{
	if (r->status != st || r->failed_at != at)
		print_error("status %d at %s: %s\n", r->status,
		    smtp_step_name(r->failed_at),
		    r->message != NULL ? r->message : "(null)");
	assert_int_equal(r->status, st);
	assert_int_equal(r->failed_at, at);
	assert_non_null(r->message);
	assert_string_equal(r->message, message);
}

static void
expect_ok(const struct smtp_result *r)
{
	if (r->status != MXQ_OK)
		print_error("status %d at %s: %s\n", r->status,
		    smtp_step_name(r->failed_at), r->message);
	assert_int_equal(r->status, MXQ_OK);
	assert_int_equal(r->failed_at, SMTP_STEP_DONE);
	assert_null(r->message);
}

/* ---- the good dialogue -------------------------------------------------- */

static void
test_tls_verified(void **state)
{
	static const char *const ext[] = {
		"PIPELINING", "SIZE 10240000", "STARTTLS"
	};
	static const char *const ext_tls[] = { "AUTH PLAIN", "8BITMIME" };
	static const char *const names[] = {
		"mx.test", "m*.part.test", "*.wild.test"
	};
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_string_equal(s.log,
	    "EHLO probe.test|STARTTLS|EHLO probe.test|QUIT|");
	assert_string_equal(s.sni, "mx.test");
	assert_true(r.connect_ms > 0 && r.connect_ms <= r.total_ms);
	assert_true(r.total_ms < 2000);
	assert_int_equal(r.greeting_code, 220);
	assert_string_equal(r.greeting, "mx.test ESMTP");
	expect_strings(r.ext, r.next, ext, N(ext));
	assert_true(r.starttls_offered);
	assert_int_equal(r.starttls_code, 220);
	assert_true(r.tls);
	assert_string_equal(r.tls_version, "TLSv1.3");
	assert_non_null(strstr(r.cipher, "TLS_AES_"));
	assert_string_equal(r.cert.subject, "CN=mx.test,O=mxq test");
	assert_string_equal(r.cert.issuer, "CN=mxq test CA,O=mxq test");
	expect_strings(r.cert.names, r.cert.nnames, names, N(names));
	assert_string_equal(r.cert.not_after, "2099-12-31T23:59:59Z");
	assert_false(r.cert.expired);
	assert_true(r.cert.verified);
	assert_null(r.cert.verify_error);
	assert_int_equal(r.dane, -1);
	assert_null(r.dane_match);
	expect_strings(r.ext_tls, r.next_tls, ext_tls, N(ext_tls));
	smtp_result_free(&r);
	assert_null(r.greeting);
}

static void
test_tls12(void **state)
{
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.tls12 = 1;
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_string_equal(r.tls_version, "TLSv1.2");
	assert_non_null(strstr(r.cipher, "ECDHE-ECDSA-"));
	assert_true(r.cert.verified);
	smtp_result_free(&r);
}

static void
test_ipv6(void **state)
{
	struct srv s = { 0 };
	struct smtp_params p;
	struct smtp_result r;

	(void)state;
	s.family = 6;
	if (srv_start(&s) != 0)
		skip();
	params(&p, s.port, "mx.test", STEP_LONG);
	p.family = 6;
	memcpy(p.addr, &in6addr_loopback, 16);
	smtp_probe(&p, pki.tls, &r);
	srv_join(&s);
	expect_ok(&r);
	assert_true(r.tls);
	smtp_result_free(&r);
}

/* Probe a server with certificate cert as exchange: its PKIX outcome. */
static void
expect_pkix(X509 *cert, const char *exchange, const char *error)
{
	struct srv s = { 0 };
	struct smtp_result r;

	s.cert = cert;
	run_tlsa(&s, exchange, NULL, 0, STEP_LONG, &r);
	expect_ok(&r);
	assert_true(r.tls);
	if (error == NULL) {
		assert_true(r.cert.verified);
		assert_null(r.cert.verify_error);
	} else {
		assert_false(r.cert.verified);
		assert_non_null(r.cert.verify_error);
		assert_string_equal(r.cert.verify_error, error);
	}
	smtp_result_free(&r);
}

static void
test_tls_wrong_name(void **state)
{
	(void)state;
	expect_pkix(pki.leaf, "other.test", "hostname mismatch");
	/* The name is the exchange's, not an address in the certificate. */
	expect_pkix(pki.leaf, "192.0.2.1", "hostname mismatch");
}

static void
test_tls_wildcards(void **state)
{
	(void)state;
	expect_pkix(pki.leaf, "a.wild.test", NULL);
	expect_pkix(pki.leaf, "a.b.wild.test", "hostname mismatch");
	/* RFC 6125 6.4.3: no wildcard inside a label. */
	expect_pkix(pki.leaf, "mx.part.test", "hostname mismatch");
}

static void
test_tls_self_signed(void **state)
{
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.cert = pki.self;
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_false(r.cert.verified);
	assert_string_equal(r.cert.verify_error, "self-signed certificate");
	/* No subjectAltName: the CN. */
	assert_int_equal(r.cert.nnames, 1);
	assert_string_equal(r.cert.names[0], "mx.test");
	/* RFC 2253 escapes the control byte, esc_dup the rest. */
	assert_string_equal(r.cert.subject,
	    "CN=mx.test,OU=\\xe2\\x80\\xaeevil\\\\1B[31m,O=mxq test");
	assert_string_equal(r.cert.issuer, r.cert.subject);
	smtp_result_free(&r);
}

static void
test_tls_expired(void **state)
{
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.cert = pki.expired;
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_false(r.cert.verified);
	assert_string_equal(r.cert.verify_error, "certificate has expired");
	assert_true(r.cert.expired);
	assert_string_equal(r.cert.not_after, "2020-01-01T00:00:00Z");
	smtp_result_free(&r);
}

/* The system's CA store does not know the test CA the server sends. */
static void
test_tls_system_store(void **state)
{
	struct srv s = { 0 };
	struct smtp_params p;
	struct smtp_result r;
	struct smtp_tls *tls;
	const char *why = "unset";

	(void)state;
	tls = smtp_tls_new(NULL, &why);
	assert_non_null(tls);
	assert_int_equal(srv_start(&s), 0);
	params(&p, s.port, "mx.test", STEP_LONG);
	smtp_probe(&p, tls, &r);
	srv_join(&s);
	smtp_tls_free(tls);
	expect_ok(&r);
	assert_false(r.cert.verified);
	assert_string_equal(r.cert.verify_error,
	    "self-signed certificate in certificate chain");
	smtp_result_free(&r);
}

static void
test_tls_new_bad_cafile(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_null(smtp_tls_new("/nonexistent/ca.pem", &why));
	assert_string_equal(why, "cannot load the CA certificates");
}

/* ---- DANE --------------------------------------------------------------- */

/*
 * Probe a server with certificate cert as exchange against TLSA records
 * "U S M" with data: dane and dane_match must be as given.
 */
static void
expect_dane(X509 *cert, int no_chain, const char *exchange,
    const struct smtp_tlsa *tlsa, size_t ntlsa, int dane, const char *match)
{
	struct srv s = { 0 };
	struct smtp_result r;

	s.cert = cert;
	s.no_chain = no_chain;
	run_tlsa(&s, exchange, tlsa, ntlsa, STEP_LONG, &r);
	expect_ok(&r);
	assert_true(r.tls);
	if (r.dane != dane)
		print_error("dane %d, expected %d\n", r.dane, dane);
	assert_int_equal(r.dane, dane);
	if (match == NULL) {
		assert_null(r.dane_match);
	} else {
		assert_non_null(r.dane_match);
		assert_string_equal(r.dane_match, match);
	}
	smtp_result_free(&r);
}

static void
test_dane_ee(void **state)
{
	const struct smtp_tlsa ee[] = { { 3, 1, 1, pki.ee, 32 } };
	const struct smtp_tlsa ee_cert[] = { { 3, 0, 1, pki.ee_cert, 32 } };

	(void)state;
	expect_dane(pki.leaf, 0, "mx.test", ee, 1, 1, "3 1 1");
	expect_dane(pki.leaf, 0, "mx.test", ee_cert, 1, 1, "3 0 1");
	/* RFC 7672 3.1.1: DANE-EE(3) ignores the names and the dates. */
	expect_dane(pki.leaf, 0, "other.test", ee, 1, 1, "3 1 1");
	expect_dane(pki.expired, 0, "mx.test", ee, 1, 1, "3 1 1");
	expect_dane(pki.self, 0, "mx.test", ee, 1, 1, "3 1 1");
}

static void
test_dane_ta(void **state)
{
	const struct smtp_tlsa ta[] = { { 2, 1, 1, pki.ta, 32 } };

	(void)state;
	expect_dane(pki.leaf, 0, "mx.test", ta, 1, 1, "2 1 1");
	expect_dane(pki.leaf, 0, "a.wild.test", ta, 1, 1, "2 1 1");
	/* RFC 7672 3.2.2: DANE-TA(2) checks the name, as PKIX does ... */
	expect_dane(pki.leaf, 0, "other.test", ta, 1, 0, NULL);
	expect_dane(pki.leaf, 0, "mx.part.test", ta, 1, 0, NULL);
	/* ... and the dates. */
	expect_dane(pki.expired, 0, "mx.test", ta, 1, 0, NULL);
	/* RFC 7672 3.2.2: the server must send the trust anchor. */
	expect_dane(pki.leaf, 1, "mx.test", ta, 1, 0, NULL);
}

static void
test_dane_no_match(void **state)
{
	const struct smtp_tlsa junk[] = {
		{ 3, 1, 1, pki.junk, 32 }, { 2, 1, 1, pki.junk, 32 }
	};
	/* RFC 7672 3.1.3: PKIX-EE(1) and PKIX-TA(0) are no use in SMTP. */
	const struct smtp_tlsa pkix[] = {
		{ 1, 1, 1, pki.ee, 32 }, { 0, 1, 1, pki.ta, 32 }
	};
	/* Unusable: SHA2-256 data that is not 32 bytes long. */
	const struct smtp_tlsa short_data[] = { { 3, 1, 1, pki.ee, 31 } };

	(void)state;
	expect_dane(pki.leaf, 0, "mx.test", junk, N(junk), 0, NULL);
	expect_dane(pki.leaf, 0, "mx.test", pkix, N(pkix), 0, NULL);
	expect_dane(pki.leaf, 0, "mx.test", short_data, 1, 0, NULL);
}

static void
test_dane_second_record(void **state)
{
	const struct smtp_tlsa tlsa[] = {
		{ 3, 1, 1, pki.junk, 32 }, { 2, 1, 1, pki.ta, 32 }
	};

	(void)state;
	expect_dane(pki.leaf, 0, "mx.test", tlsa, N(tlsa), 1, "2 1 1");
}

/* DANE and PKIX are judged apart. */
static void
test_dane_and_pkix(void **state)
{
	const struct smtp_tlsa ee[] = { { 3, 1, 1, pki.ee, 32 } };
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	run_tlsa(&s, "other.test", ee, 1, STEP_LONG, &r);
	expect_ok(&r);
	assert_int_equal(r.dane, 1);
	assert_false(r.cert.verified);
	assert_string_equal(r.cert.verify_error, "hostname mismatch");
	smtp_result_free(&r);
}

/* ---- servers that say no ------------------------------------------------ */

static void
test_no_starttls(void **state)
{
	static const char *const ext[] = { "SIZE", "8BITMIME" };
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.ehlo = "250-mx.test\r\n250-SIZE\r\n250 8BITMIME\r\n";
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_string_equal(s.log, "EHLO probe.test|QUIT|");
	expect_strings(r.ext, r.next, ext, N(ext));
	assert_false(r.starttls_offered);
	assert_int_equal(r.starttls_code, 0);
	assert_false(r.tls);
	assert_null(r.tls_version);
	assert_int_equal(r.dane, -1);
	smtp_result_free(&r);
}

/* Only the keyword STARTTLS, in any case, is STARTTLS. */
static void
test_starttls_keyword(void **state)
{
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.ehlo = "250-mx.test\r\n250-STARTTLSX\r\n250-XSTARTTLS\r\n"
	    "250 STARTTL\r\n";
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_false(r.starttls_offered);
	assert_string_equal(s.log, "EHLO probe.test|QUIT|");
	smtp_result_free(&r);

	memset(&s, 0, sizeof(s));
	s.ehlo = "250-mx.test\r\n250 starttls\r\n";
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_true(r.starttls_offered);
	assert_true(r.tls);
	smtp_result_free(&r);

	/* The first line names the server: no keyword there. */
	memset(&s, 0, sizeof(s));
	s.ehlo = "250 STARTTLS\r\n";
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_false(r.starttls_offered);
	assert_int_equal(r.next, 0);
	smtp_result_free(&r);
}

static void
test_starttls_454(void **state)
{
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.starttls = "454 4.7.0 TLS not available\r\n";
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_string_equal(s.log, "EHLO probe.test|STARTTLS|QUIT|");
	assert_true(r.starttls_offered);
	assert_int_equal(r.starttls_code, 454);
	assert_false(r.tls);
	assert_null(r.ext_tls);
	smtp_result_free(&r);

	/* RFC 3207 4: 220 and nothing else starts TLS. */
	memset(&s, 0, sizeof(s));
	s.starttls = "250 sure\r\n";
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_string_equal(s.log, "EHLO probe.test|STARTTLS|QUIT|");
	assert_int_equal(r.starttls_code, 250);
	assert_false(r.tls);
	smtp_result_free(&r);
}

static void
test_ehlo_refused(void **state)
{
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.ehlo = "502 5.5.1 no EHLO here\r\n";
	run(&s, STEP_LONG, &r);
	expect_failure(&r, MXQ_ERCODE, SMTP_STEP_EHLO,
	    "EHLO refused with code 502, HELO accepted");
	assert_string_equal(s.log, "EHLO probe.test|HELO probe.test|QUIT|");
	assert_int_equal(r.greeting_code, 220);
	assert_int_equal(r.next, 0);
	assert_false(r.tls);
	smtp_result_free(&r);

	/* Not 5xx: no HELO. */
	memset(&s, 0, sizeof(s));
	s.ehlo = "421 4.3.2 going down\r\n";
	run(&s, STEP_LONG, &r);
	expect_failure(&r, MXQ_ERCODE, SMTP_STEP_EHLO,
	    "EHLO refused with code 421");
	assert_string_equal(s.log, "EHLO probe.test|QUIT|");
	smtp_result_free(&r);
}

static void
test_greeting_refused(void **state)
{
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.greeting = "554-5.7.1 no mail\r\n554 5.7.1 from you\r\n";
	run(&s, STEP_LONG, &r);
	expect_failure(&r, MXQ_ERCODE, SMTP_STEP_GREETING,
	    "greeting with code 554");
	assert_int_equal(r.greeting_code, 554);
	assert_string_equal(r.greeting, "5.7.1 no mail");
	assert_string_equal(s.log, "QUIT|");
	smtp_result_free(&r);
}

static void
test_greeting_forms(void **state)
{
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.greeting = "220-mx.test first\r\n220-second\r\n220 third\r\n";
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_string_equal(r.greeting, "mx.test first");
	smtp_result_free(&r);

	/* A code alone ends a reply; bare LF ends a line. */
	memset(&s, 0, sizeof(s));
	s.greeting = "220-mx.test\n220\n";
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_string_equal(r.greeting, "mx.test");
	assert_int_equal(r.greeting_code, 220);
	smtp_result_free(&r);
}

/* A server that closes on QUIT without 221, or never answers it. */
static void
test_quit(void **state)
{
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.quit = QUIT_CLOSE;
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	smtp_result_free(&r);

	memset(&s, 0, sizeof(s));
	s.quit = QUIT_STALL;
	run(&s, STEP_SHORT, &r);
	expect_ok(&r);
	assert_true(r.tls);
	assert_true(r.total_ms >= STEP_SHORT - 10 && r.total_ms < 1000);
	smtp_result_free(&r);
}

/* ---- hostile servers ---------------------------------------------------- */

static void
expect_greeting_failure(const char *greeting, enum mxq_status st,
    const char *message)
{
	struct srv s = { 0 };
	struct smtp_result r;

	s.greeting = greeting;
	run(&s, STEP_SHORT, &r);
	expect_failure(&r, st, SMTP_STEP_GREETING, message);
	assert_string_equal(s.log, "");
	smtp_result_free(&r);
}

static void
test_line_too_long(void **state)
{
	char line[SMTP_LINE_MAX + 2];
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	/* SMTP_LINE_MAX bytes with the CRLF: taken, the text cut short. */
	memset(line, 'x', sizeof(line));
	memcpy(line, "220 ", 4);
	memcpy(line + SMTP_LINE_MAX - 2, "\r\n", 3);
	s.greeting = line;
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_int_equal(strlen(r.greeting), SMTP_TEXT_MAX + 3);
	assert_string_equal(r.greeting + SMTP_TEXT_MAX, "...");
	smtp_result_free(&r);

	/* One more byte, and no newline at all. */
	memcpy(line + SMTP_LINE_MAX - 2, "x\r\n", 4);
	expect_greeting_failure(line, MXQ_ELIMIT, "reply line too long");
	line[SMTP_LINE_MAX + 1] = '\0';
	expect_greeting_failure(line, MXQ_ELIMIT, "reply line too long");
}

static void
test_too_many_lines(void **state)
{
	char reply[(SMTP_REPLY_LINES_MAX + 1) * 9 + 1];
	struct srv s = { 0 };
	struct smtp_result r;
	size_t i;

	(void)state;
	/* SMTP_REPLY_LINES_MAX lines: taken. */
	reply[0] = '\0';
	for (i = 1; i < SMTP_REPLY_LINES_MAX; i++)
		strcat(reply, "220-abc\r\n");
	strcat(reply, "220 end\r\n");
	s.greeting = reply;
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	smtp_result_free(&r);

	memcpy(reply + strlen(reply) - 9, "220-abc\r\n220 end\r\n", 19);
	expect_greeting_failure(reply, MXQ_ELIMIT,
	    "reply longer than 100 lines");
}

static void
test_not_smtp(void **state)
{
	static const char *const bad[] = {
		"SSH-2.0-OpenSSH_9.2p1\r\n",
		"HTTP/1.1 400 Bad Request\r\n",
		"22\r\n",
		"\r\n",
		"2200 too many digits\r\n",
		"22x ok\r\n",
		"120 ok\r\n",
		"620 ok\r\n",
		"220_ok\r\n",
		"220-ok\r\nfoo\r\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++)
		expect_greeting_failure(bad[i], MXQ_EMALFORMED,
		    "not an SMTP reply");
}

static void
test_codes_differ(void **state)
{
	(void)state;
	expect_greeting_failure("220-mx.test\r\n250 ok\r\n", MXQ_EMALFORMED,
	    "reply lines with different codes");
	expect_greeting_failure("220-mx.test\r\n221-a\r\n220 ok\r\n",
	    MXQ_EMALFORMED, "reply lines with different codes");
}

static void
test_stall(void **state)
{
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.greeting = "220 mx.te";
	run(&s, STEP_SHORT, &r);
	expect_failure(&r, MXQ_ETIMEOUT, SMTP_STEP_GREETING,
	    "timed out waiting for the greeting");
	assert_true(r.total_ms >= STEP_SHORT - 10 && r.total_ms < 1000);
	smtp_result_free(&r);

	memset(&s, 0, sizeof(s));
	s.ehlo = "250-mx.test\r\n250-PIPEL";
	run(&s, STEP_SHORT, &r);
	expect_failure(&r, MXQ_ETIMEOUT, SMTP_STEP_EHLO,
	    "timed out waiting for the reply to EHLO");
	assert_true(r.total_ms < 1000);
	smtp_result_free(&r);

	memset(&s, 0, sizeof(s));
	s.starttls = "";
	run(&s, STEP_SHORT, &r);
	expect_failure(&r, MXQ_ETIMEOUT, SMTP_STEP_STARTTLS,
	    "timed out waiting for the reply to STARTTLS");
	smtp_result_free(&r);

	memset(&s, 0, sizeof(s));
	s.ehlo_tls = "250-mx.test\r\n";
	run(&s, STEP_SHORT, &r);
	expect_failure(&r, MXQ_ETIMEOUT, SMTP_STEP_EHLO_TLS,
	    "timed out waiting for the reply to EHLO inside TLS");
	assert_true(r.tls);
	assert_true(r.total_ms < 1000);
	smtp_result_free(&r);
}

/* One byte every 30 ms: each comes in time, the step still ends. */
static void
slow_greeting(struct srv *s)
{
	static const char text[] = "220 mx.test ESMTP, one byte at a time\r\n";
	struct timespec ts = { 0, 30 * 1000 * 1000 };
	size_t i;

	for (i = 0; i < sizeof(text) - 1; i++) {
		if (sput_n(s, text + i, 1) < 0)
			return;
		nanosleep(&ts, NULL);
	}
	swait_close(s);
}

static void
test_slow_sender(void **state)
{
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.script = slow_greeting;
	run(&s, STEP_SHORT, &r);
	expect_failure(&r, MXQ_ETIMEOUT, SMTP_STEP_GREETING,
	    "timed out waiting for the greeting");
	assert_true(r.total_ms >= STEP_SHORT - 10 && r.total_ms < 600);
	smtp_result_free(&r);
}

static void
close_at_once(struct srv *s)
{
	(void)s;
}

static void
close_mid_reply(struct srv *s)
{
	char line[512];

	if (sput(s, "220 mx.test\r\n") == 0 &&
	    sgets(s, line, sizeof(line)) == 0)
		sput(s, "250-mx.test\r\n");
}

static void
test_close_after_connect(void **state)
{
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.script = close_at_once;
	run(&s, STEP_SHORT, &r);
	expect_failure(&r, MXQ_EUNREACH, SMTP_STEP_GREETING,
	    "connection closed by the server");
	assert_int_equal(r.greeting_code, 0);
	smtp_result_free(&r);

	/* Mid-reply. */
	memset(&s, 0, sizeof(s));
	s.script = close_mid_reply;
	run(&s, STEP_SHORT, &r);
	expect_failure(&r, MXQ_EUNREACH, SMTP_STEP_EHLO,
	    "connection closed by the server");
	assert_int_equal(r.greeting_code, 220);
	smtp_result_free(&r);
}

static void
test_refused(void **state)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct smtp_params p;
	struct smtp_result r;
	int fd;

	(void)state;
	/* Bound, not listening: the port is ours and refuses. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	params(&p, ntohs(sin.sin_port), "mx.test", STEP_SHORT);
	smtp_probe(&p, pki.tls, &r);
	close(fd);
	expect_failure(&r, MXQ_EUNREACH, SMTP_STEP_CONNECT,
	    "connection refused");
	smtp_result_free(&r);
}

/* A full accept queue drops the SYN: connect() waits, the step ends. */
static void
test_connect_timeout(void **state)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct smtp_params p;
	struct smtp_result r;
	int lfd, fill;

	(void)state;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	fill = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0 && fill >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 0), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	assert_int_equal(connect(fill, (struct sockaddr *)&sin, len), 0);
	params(&p, ntohs(sin.sin_port), "mx.test", STEP_SHORT);
	smtp_probe(&p, pki.tls, &r);
	close(fill);
	close(lfd);
	expect_failure(&r, MXQ_ETIMEOUT, SMTP_STEP_CONNECT,
	    "timed out connecting");
	assert_true(r.total_ms >= STEP_SHORT - 10 && r.total_ms < 1000);
	smtp_result_free(&r);
}

static void
tls_garbage(struct srv *s)
{
	sread_hello(s);
	sput(s, "500 5.5.1 what is this?\r\n");
	swait_close(s);
}

static void
tls_close(struct srv *s)
{
	sread_hello(s);
}

static void
tls_stall(struct srv *s)
{
	sread_hello(s);
	swait_close(s);
}

static void
test_tls_hostile(void **state)
{
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.after_220 = tls_garbage;
	run(&s, STEP_SHORT, &r);
	expect_failure(&r, MXQ_EMALFORMED, SMTP_STEP_TLS,
	    "TLS handshake failed: wrong version number");
	assert_int_equal(r.starttls_code, 220);
	assert_false(r.tls);
	smtp_result_free(&r);

	memset(&s, 0, sizeof(s));
	s.after_220 = tls_close;
	run(&s, STEP_SHORT, &r);
	expect_failure(&r, MXQ_EUNREACH, SMTP_STEP_TLS,
	    "TLS handshake failed: connection closed by the server");
	smtp_result_free(&r);

	memset(&s, 0, sizeof(s));
	s.after_220 = tls_stall;
	run(&s, STEP_SHORT, &r);
	expect_failure(&r, MXQ_ETIMEOUT, SMTP_STEP_TLS,
	    "timed out in the TLS handshake");
	assert_true(r.total_ms < 1000);
	smtp_result_free(&r);
}

/* Plain text after the 220 to STARTTLS never passes for a reply in TLS. */
static void
test_starttls_injection(void **state)
{
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.starttls = "220 ready\r\n250-injected\r\n250 STARTTLS\r\n";
	s.after_220 = swait_close;
	run(&s, STEP_SHORT, &r);
	expect_failure(&r, MXQ_EMALFORMED, SMTP_STEP_STARTTLS,
	    "data after the reply to STARTTLS");
	assert_false(r.tls);
	smtp_result_free(&r);
}

/* Nothing the server sends reaches a terminal raw. */
static void
test_escaped(void **state)
{
	static const char *const ext[] = {
		"X-EVIL \\x1b]0;pwned\\x07",
		"\\xc3(",
		"BIDI \\xe2\\x80\\xae",
		"a\\\\b",
		"8BITMIME \\x7f"
	};
	struct srv s = { 0 };
	struct smtp_result r;

	(void)state;
	s.greeting = "220 mx.test \x1b[2J\x07 \xff\xfe caf\xc3\xa9\r\n";
	s.ehlo = "250-mx.test\r\n250-X-EVIL \x1b]0;pwned\x07\r\n"
	    "250-\xc3\x28\r\n250-BIDI \xe2\x80\xae\r\n250-a\\b\r\n"
	    "250 8BITMIME \x7f\r\n";
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_string_equal(r.greeting,
	    "mx.test \\x1b[2J\\x07 \\xff\\xfe caf\xc3\xa9");
	expect_strings(r.ext, r.next, ext, N(ext));
	smtp_result_free(&r);
}

static void
test_ext_max(void **state)
{
	char reply[(SMTP_EXT_MAX + 20) * 16];
	char kw[32];
	struct srv s = { 0 };
	struct smtp_result r;
	size_t i;

	(void)state;
	strcpy(reply, "250-mx.test\r\n");
	for (i = 1; i < SMTP_EXT_MAX + 10; i++) {
		snprintf(kw, sizeof(kw), "250-X-KW%zu\r\n", i);
		strcat(reply, kw);
	}
	strcat(reply, "250 STARTTLS\r\n");
	s.ehlo = reply;
	s.starttls = "454 4.7.0 not now\r\n";
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_int_equal(r.next, SMTP_EXT_MAX);
	assert_string_equal(r.ext[0], "X-KW1");
	snprintf(kw, sizeof(kw), "X-KW%d", SMTP_EXT_MAX);
	assert_string_equal(r.ext[SMTP_EXT_MAX - 1], kw);
	/* Past the keywords kept, still seen. */
	assert_true(r.starttls_offered);
	assert_int_equal(r.starttls_code, 454);
	smtp_result_free(&r);
}

static void
test_bad_params(void **state)
{
	struct smtp_params p;
	struct smtp_result r;

	(void)state;
	params(&p, 25, "mx.test", STEP_SHORT);
	p.ehlo = "x\r\nMAIL FROM:<>";
	smtp_probe(&p, pki.tls, &r);
	expect_failure(&r, MXQ_EINTERNAL, SMTP_STEP_CONNECT,
	    "bad probe parameters");
	smtp_result_free(&r);

	params(&p, 25, "", STEP_SHORT);
	smtp_probe(&p, pki.tls, &r);
	assert_int_equal(r.status, MXQ_EINTERNAL);
	smtp_result_free(&r);

	params(&p, 0, "mx.test", STEP_SHORT);
	smtp_probe(&p, pki.tls, &r);
	assert_int_equal(r.status, MXQ_EINTERNAL);
	smtp_result_free(&r);

	params(&p, 25, "mx.test", STEP_SHORT);
	p.family = 5;
	smtp_probe(&p, pki.tls, &r);
	assert_int_equal(r.status, MXQ_EINTERNAL);
	smtp_result_free(&r);
}

static void
test_step_names(void **state)
{
	(void)state;
	assert_string_equal(smtp_step_name(SMTP_STEP_CONNECT), "connect");
	assert_string_equal(smtp_step_name(SMTP_STEP_GREETING), "greeting");
	assert_string_equal(smtp_step_name(SMTP_STEP_EHLO), "EHLO");
	assert_string_equal(smtp_step_name(SMTP_STEP_STARTTLS), "STARTTLS");
	assert_string_equal(smtp_step_name(SMTP_STEP_TLS), "TLS handshake");
	assert_string_equal(smtp_step_name(SMTP_STEP_EHLO_TLS),
	    "EHLO inside TLS");
	assert_string_equal(smtp_step_name(SMTP_STEP_QUIT), "QUIT");
	assert_string_equal(smtp_step_name(SMTP_STEP_DONE), "done");
}

/* ---- several at once ---------------------------------------------------- */

#define PARALLEL	8

struct job {
	struct srv s;
	struct smtp_tlsa tlsa;
	struct smtp_result r;
};

static void *
parallel_probe(void *arg)
{
	struct job *j = arg;
	struct smtp_params p;

	params(&p, j->s.port, "mx.test", STEP_LONG);
	p.tlsa = &j->tlsa;
	p.ntlsa = 1;
	smtp_probe(&p, pki.tls, &j->r);
	return NULL;
}

static void
test_parallel(void **state)
{
	struct job *jobs;
	pthread_t th[PARALLEL];
	size_t i;

	(void)state;
	jobs = calloc(PARALLEL, sizeof(*jobs));
	assert_non_null(jobs);
	for (i = 0; i < PARALLEL; i++) {
		/* Every other one with a TLSA record that does not match. */
		jobs[i].tlsa.usage = i % 2 ? 3 : 2;
		jobs[i].tlsa.selector = 1;
		jobs[i].tlsa.mtype = 1;
		jobs[i].tlsa.data = i % 2 ? pki.ee : pki.junk;
		jobs[i].tlsa.len = 32;
		assert_int_equal(srv_start(&jobs[i].s), 0);
	}
	for (i = 0; i < PARALLEL; i++)
		assert_int_equal(pthread_create(&th[i], NULL, parallel_probe,
		    &jobs[i]), 0);
	for (i = 0; i < PARALLEL; i++) {
		pthread_join(th[i], NULL);
		srv_join(&jobs[i].s);
	}
	for (i = 0; i < PARALLEL; i++) {
		expect_ok(&jobs[i].r);
		assert_true(jobs[i].r.cert.verified);
		assert_int_equal(jobs[i].r.dane, i % 2 ? 1 : 0);
		smtp_result_free(&jobs[i].r);
	}
	free(jobs);
}

/* Every test so far, and a whole dialogue with TLS: no unsafe write. */
static void
test_sigpipe_safe(void **state)
{
	struct srv s = { 0 };
	struct smtp_result r;
	int before = atomic_load(&probe_sends);

	(void)state;
	run(&s, STEP_LONG, &r);
	expect_ok(&r);
	assert_true(r.tls);
	smtp_result_free(&r);
	/* EHLO, STARTTLS, two TLS flights, EHLO, QUIT: all counted. */
	assert_true(atomic_load(&probe_sends) - before >= 6);
	assert_int_equal(atomic_load(&unsafe_writes), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_verified),
		cmocka_unit_test(test_tls12),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_tls_wrong_name),
		cmocka_unit_test(test_tls_wildcards),
		cmocka_unit_test(test_tls_self_signed),
		cmocka_unit_test(test_tls_expired),
		cmocka_unit_test(test_tls_system_store),
		cmocka_unit_test(test_tls_new_bad_cafile),
		cmocka_unit_test(test_dane_ee),
		cmocka_unit_test(test_dane_ta),
		cmocka_unit_test(test_dane_no_match),
		cmocka_unit_test(test_dane_second_record),
		cmocka_unit_test(test_dane_and_pkix),
		cmocka_unit_test(test_no_starttls),
		cmocka_unit_test(test_starttls_keyword),
		cmocka_unit_test(test_starttls_454),
		cmocka_unit_test(test_ehlo_refused),
		cmocka_unit_test(test_greeting_refused),
		cmocka_unit_test(test_greeting_forms),
		cmocka_unit_test(test_quit),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_too_many_lines),
		cmocka_unit_test(test_not_smtp),
		cmocka_unit_test(test_codes_differ),
		cmocka_unit_test(test_stall),
		cmocka_unit_test(test_slow_sender),
		cmocka_unit_test(test_close_after_connect),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_tls_hostile),
		cmocka_unit_test(test_starttls_injection),
		cmocka_unit_test(test_escaped),
		cmocka_unit_test(test_ext_max),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_step_names),
		cmocka_unit_test(test_parallel),
		cmocka_unit_test(test_sigpipe_safe),
	};

	return cmocka_run_group_tests_name("smtp", tests, setup, teardown);
}
