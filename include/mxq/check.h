/*
 * What a check sees of the lookup engine.  A check asks questions for a
 * domain being looked up and takes their answers into the model; the
 * engine keeps the domain open until every answer is in, and cuts it off
 * at its deadline.  One file per check: src/check_addr.c (A, AAAA),
 * src/check_tlsa.c (DANE), src/check_ptr.c (reverse DNS), src/check_ns.c
 * (every authoritative server).
 */
#ifndef MXQ_CHECK_H
#define MXQ_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "mxq/answer.h"
#include "mxq/lookup.h"
#include "mxq/mx.h"
#include "mxq/questions.h"
#include "mxq/resolver.h"

/* A domain on its way through the engine (src/lookup.c). */
struct domain;

/*
 * Ask key on behalf of dom (see questions_ask); fn(dom, index, tag,
 * result) is called once, unless the domain runs out of time first.
 * A question that cannot be asked (MXQ_ELIMIT, MXQ_ENOMEM) is returned
 * and fn is not called.
 */
enum mxq_status domain_ask(struct domain *dom, const struct question_key *key,
    unsigned how, question_fn *fn, size_t index, int tag);

struct mx_domain *domain_model(struct domain *dom);
const struct lookup_config *domain_config(const struct domain *dom);
struct resolver *domain_resolver(struct domain *dom);

/* Out of memory: the run stops with that status. */
void domain_fail(struct domain *dom, enum mxq_status st);

/* The header bits every question of this run carries (RD, DO+AD). */
unsigned domain_query_flags(const struct domain *dom);

/*
 * The detail of a failed answer, in the words every output mode uses,
 * with the server named where it is the server's doing ("referral to
 * ZONE from SERVER: ...").  Written into buf; NULL when the status says
 * it all.
 */
const char *check_answer_words(const struct answer *a, const char *server,
    char *buf, size_t size);

/* The DNSSEC status an answer gives its record set (--dnssec). */
enum mx_sec check_answer_sec(const struct lookup_config *cfg,
    const struct answer *a);

/* An answer standing for a question that could not be asked. */
void check_failed_answer(struct answer *a, struct question_result *res,
    enum mxq_status st);

/*
 * Addresses that arrived for exchange ex, from index first on: the
 * checks of addresses (reverse DNS) start on them.
 */
void check_ptr_start(struct domain *dom, size_t ex, size_t first);

/* The comparison of every authoritative server of the domain's zone. */
void check_ns_start(struct domain *dom);

/* The DNS half of MTA-STS and TLS reporting (--smtp). */
void check_sts_start(struct domain *dom);

/* The rows of the default table (lookup_default_checks). */
extern const struct lookup_check check_a_row, check_aaaa_row;
extern const struct lookup_check check_tlsa_row;	/* --dane */

/*
 * The addresses of row c (A or AAAA) for exchange e in the additional
 * section of the MX answer (only what answer.c found in bailiwick),
 * taken as if asked.  Returns 1 when there were some.
 */
int check_addr_glue(const struct lookup_check *c, struct mx_exchange *e,
    const struct answer *mx);

#endif
