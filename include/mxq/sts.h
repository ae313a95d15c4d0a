/*
 * MTA-STS (RFC 8461): the _mta-sts TXT record, the policy fetched over
 * HTTPS from mta-sts.DOMAIN, and the matching of MX names against the
 * policy's patterns.  The DNS questions are the engine's (check_sts.c);
 * the fetch runs in a probe worker (probe.c) through libcurl, on the
 * addresses the engine found, so the whole check uses one DNS view.
 */
#ifndef MXQ_STS_H
#define MXQ_STS_H

#include <stddef.h>

#include "mxq/status.h"

#define STS_POLICY_MAX		65536	/* bytes of a policy (RFC 8461 3.3:
					   senders may limit it so) */
#define STS_MX_MAX		64	/* mx patterns kept */
#define STS_MAX_AGE_MAX		31557600 /* RFC 8461 3.2 */

enum sts_mode { STS_MODE_NONE, STS_MODE_TESTING, STS_MODE_ENFORCE };

struct sts_policy {
	enum sts_mode mode;
	char **mx;			/* the patterns, as written (escaped) */
	size_t nmx;
	long max_age;			/* seconds */
};

/*
 * The _mta-sts TXT record set (each string one record, its character
 * strings joined).  RFC 8461 3.1: records not starting with "v=STSv1;"
 * are ignored; exactly one must remain and be well formed.  On MXQ_OK,
 * *id is its id (allocated).  MXQ_ENODATA: no STSv1 record, no policy.
 * MXQ_EMALFORMED: several, or one that is not well formed (*why).
 */
enum mxq_status sts_parse_txt(char *const *txt, size_t n, char **id,
    const char **why);

/*
 * A policy body (RFC 8461 3.2): "key: value" lines, CRLF or LF.
 * MXQ_OK, or MXQ_EMALFORMED with the reason in *why (static words);
 * MXQ_ENOMEM.  Nothing is kept in *out unless MXQ_OK.
 */
enum mxq_status sts_parse_policy(const char *body, size_t len,
    struct sts_policy *out, const char **why);
void sts_policy_free(struct sts_policy *p);

/*
 * Nonzero when host (presentation form, final dot optional, any case)
 * matches pattern ("mail.example.com" or "*.example.com": the wildcard
 * stands for exactly one left-most label, RFC 8461 4.1).
 */
int sts_mx_match(const char *pattern, const char *host);

/* What the HTTPS fetch needs. */
struct sts_fetch_params {
	const char *domain;		/* the policy domain, no final dot */
	int port;			/* 443, or --https-port */
	char *const *addrs;		/* mta-sts.DOMAIN's addresses, as text */
	size_t naddrs;
	const char *cafile;		/* PEM bundle, or NULL: the system's */
	double timeout_ms;		/* for the whole fetch */
};

struct sts_fetch_result {
	/* MXQ_OK with the body; else MXQ_ETIMEOUT, MXQ_EUNREACH (no
	 * connection), MXQ_EMALFORMED (TLS or HTTP trouble: bad certificate,
	 * status other than 200, a redirect, wrong content type, a body too
	 * large), MXQ_ENOMEM, with the reason in message; also
	 * MXQ_ENODATA (no address: nothing fetched), MXQ_EINVAL (a domain,
	 * port or address that cannot be one), MXQ_EUSAGE (the CA file
	 * cannot be used), MXQ_EINTERNAL (libcurl failed us). */
	enum mxq_status status;
	long http_code;
	char *message;
	char *body;
	size_t len;
};

/* Fetch https://mta-sts.DOMAIN/.well-known/mta-sts.txt.  Blocking. */
void sts_fetch(const struct sts_fetch_params *p, struct sts_fetch_result *out);
void sts_fetch_result_free(struct sts_fetch_result *r);

/*
 * Once per run, before any thread starts (curl_global_init).  libcurl is
 * loaded then, not linked (src/curl_load.c); when that or its own
 * initialisation fails, sts_library_error() says which, in words.
 */
enum mxq_status sts_global_init(void);
void sts_global_cleanup(void);
const char *sts_library_error(void);

#endif
