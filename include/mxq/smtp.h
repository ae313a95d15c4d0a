/*
 * The SMTP probe of one exchange address (--smtp): TCP connect, the
 * greeting, EHLO, STARTTLS and the TLS handshake (the certificate checked
 * against the CA store for the exchange name, and against the exchange's
 * TLSA records when DANE applies, RFC 7672), EHLO again, QUIT.  Never
 * MAIL, RCPT or DATA.
 *
 * smtp_probe() blocks, with a deadline for each step, and touches nothing
 * but its arguments: the probe workers (probe.c) run several at once,
 * one per thread.  Everything the server sends is untrusted: kept only
 * escaped (esc.h), bounded in length and in number of lines.
 */
#ifndef MXQ_SMTP_H
#define MXQ_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "mxq/status.h"

#define SMTP_LINE_MAX		2048	/* bytes of one reply line (RFC 5321
					   4.5.3.1.5: 512) */
#define SMTP_REPLY_LINES_MAX	100	/* lines of one reply */
#define SMTP_EXT_MAX		50	/* EHLO keywords kept */
#define SMTP_NAMES_MAX		20	/* certificate names kept */
#define SMTP_TEXT_MAX		200	/* bytes of server text shown */

/* Where a probe got to, and where it stopped. */
enum smtp_step {
	SMTP_STEP_CONNECT,
	SMTP_STEP_GREETING,
	SMTP_STEP_EHLO,
	SMTP_STEP_STARTTLS,
	SMTP_STEP_TLS,			/* the handshake */
	SMTP_STEP_EHLO_TLS,		/* EHLO inside TLS */
	SMTP_STEP_QUIT,
	SMTP_STEP_DONE
};

/* A TLSA record to verify the server's chain against. */
struct smtp_tlsa {
	uint8_t usage, selector, mtype;
	const uint8_t *data;
	size_t len;
};

/* Shared, read-only TLS settings (an SSL_CTX), made once per run. */
struct smtp_tls;

struct smtp_params {
	int family;			/* 4 or 6 */
	uint8_t addr[16];		/* 4 or 16 bytes */
	int port;			/* 25, or --smtp-port */
	const char *exchange;		/* name without the final dot: SNI and
					   the name the certificate must hold */
	const char *ehlo;		/* EHLO argument */
	double step_ms;			/* deadline of each step */
	/* Usable TLSA records of the exchange, all DNSSEC-secure: DANE is
	 * verified against them.  None: no DANE verification. */
	const struct smtp_tlsa *tlsa;
	size_t ntlsa;
};

struct smtp_cert {
	char *subject;			/* RFC 2253, escaped */
	char *issuer;
	char **names;			/* DNS subjectAltNames, else the CN */
	size_t nnames;
	char not_after[32];		/* "2027-01-31T12:00:00Z" */
	int expired;
	int verified;			/* chains to a trusted CA, names the
					   exchange, in date */
	char *verify_error;		/* why not, in words, or NULL */
};

struct smtp_result {
	/*
	 * MXQ_OK: the dialogue reached QUIT (whatever the server's codes);
	 * else where it stopped (failed_at) and why (message):
	 * MXQ_ETIMEOUT (a step ran out of time), MXQ_EUNREACH (connection
	 * refused, reset, or closed early), MXQ_EMALFORMED (not SMTP, or
	 * garbage instead of TLS), MXQ_ELIMIT (a line or reply past the
	 * bounds above), MXQ_ERCODE (the server said no: a greeting other
	 * than 220, EHLO refused), MXQ_ENOMEM.
	 */
	enum mxq_status status;
	enum smtp_step failed_at;
	char *message;
	double connect_ms;		/* connect() to established */
	double total_ms;
	int greeting_code;		/* 0 before a greeting */
	char *greeting;			/* text of its first line, escaped */
	char **ext;			/* EHLO keywords with their parameters,
					   escaped, before TLS */
	size_t next;
	int starttls_offered;
	int starttls_code;		/* reply to STARTTLS, 0 when not sent */
	int tls;			/* the handshake completed */
	char *tls_version;		/* "TLSv1.3" */
	char *cipher;			/* "TLS_AES_256_GCM_SHA384" */
	struct smtp_cert cert;		/* when tls */
	int dane;			/* -1: not verified, 0: no TLSA record
					   matches, 1: one does */
	char *dane_match;		/* "3 1 1" of the record that matched */
	char **ext_tls;			/* EHLO keywords inside TLS */
	size_t next_tls;
};

/*
 * TLS settings for every probe of the run: the CA certificates of cafile
 * (a PEM bundle), or the system's store when cafile is NULL.  NULL on
 * failure, with the reason in *why (static words, or NULL for no memory).
 */
struct smtp_tls *smtp_tls_new(const char *cafile, const char **why);
void smtp_tls_free(struct smtp_tls *t);

/* Probe one address.  out is filled; free it with smtp_result_free(). */
void smtp_probe(const struct smtp_params *p, const struct smtp_tls *t,
    struct smtp_result *out);
void smtp_result_free(struct smtp_result *r);

/* "connect", "greeting", "EHLO", "STARTTLS", "TLS handshake", ... */
const char *smtp_step_name(enum smtp_step s);

#endif
