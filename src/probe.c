/*
 * The pool of probe workers (--smtp).  A job is one address to probe
 * over SMTP, or one MTA-STS policy to fetch; the jobs of a domain form a
 * group, and the group is handed back to the main thread when its last
 * job is done.  Jobs are taken in the order they came, so the addresses
 * of one domain run side by side and domains are served in turn.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mxq/msg.h"
#include "mxq/probe.h"
#include "mxq/smtp.h"
#include "mxq/sts.h"

/* A worker's stack: OpenSSL and libcurl need far less than 8 MiB. */
#define PROBE_STACK	(1024 * 1024)

/* TLSA records handed to a DANE verification, per exchange. */
#define PROBE_TLSA_MAX	32

struct group {
	struct group *next;		/* in the list of finished groups */
	struct mx_domain *d;
	size_t left;			/* jobs not done yet */
	probe_done_fn *done;
	void *arg;
};

struct job {
	struct job *next;
	struct group *g;
	struct mx_exchange *e;		/* NULL: the MTA-STS policy */
	struct mx_addr *a;
};

struct probe {
	struct probe_config cfg;
	struct smtp_tls *tls;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, *tail;	/* waiting */
	struct group *finished;		/* for the main thread */
	int stop;
	pthread_t *threads;
	size_t nthreads;
	int wake[2];			/* workers -> main thread */
	size_t pending;			/* groups under way */
	int sts_init;
};

/* The name without its final dot, for SNI, certificates and URLs. */
static char *
bare_name(const char *text)
{
	size_t n = strlen(text);

	if (n > 1 && text[n - 1] == '.')
		n--;
	return strndup(text, n);
}

static void
probe_address(const struct probe *p, struct job *j)
{
	struct smtp_tlsa tlsa[PROBE_TLSA_MAX];
	struct smtp_params sp;
	const struct mx_dane_info *dn = &j->e->dane;
	char *name;
	size_t i;

	j->a->smtp = calloc(1, sizeof(*j->a->smtp));
	if (j->a->smtp == NULL)
		return;
	name = bare_name(j->e->text);
	if (name == NULL) {
		j->a->smtp->status = MXQ_ENOMEM;
		return;
	}
	memset(&sp, 0, sizeof(sp));
	sp.family = j->a->family;
	memcpy(sp.addr, j->a->bytes, sizeof(sp.addr));
	sp.port = p->cfg.port;
	sp.exchange = name;
	sp.ehlo = p->cfg.ehlo;
	sp.step_ms = p->cfg.step_ms;
	/* RFC 7672 2.2: only secure, usable TLSA records make DANE. */
	if (dn->state == MX_DANE_PROTECTED) {
		for (i = 0; i < dn->nrr && sp.ntlsa < PROBE_TLSA_MAX; i++) {
			if (dn->rr[i].problem != NULL)
				continue;
			tlsa[sp.ntlsa].usage = dn->rr[i].usage;
			tlsa[sp.ntlsa].selector = dn->rr[i].selector;
			tlsa[sp.ntlsa].mtype = dn->rr[i].mtype;
			tlsa[sp.ntlsa].data = dn->rr[i].data;
			tlsa[sp.ntlsa].len = dn->rr[i].len;
			sp.ntlsa++;
		}
		sp.tlsa = tlsa;
	}
	smtp_probe(&sp, p->tls, j->a->smtp);
	free(name);
}

static void
probe_policy(const struct probe *p, struct mx_domain *d)
{
	struct mx_sts *sts = d->sts;
	struct sts_fetch_params fp;
	struct sts_fetch_result fr;
	const char *why = NULL;
	char *domain;

	domain = bare_name(d->qtext);
	if (domain == NULL) {
		sts->policy_status = MXQ_ENOMEM;
		return;
	}
	memset(&fp, 0, sizeof(fp));
	fp.domain = domain;
	fp.port = p->cfg.https_port;
	fp.addrs = sts->addrs;
	fp.naddrs = sts->naddrs;
	fp.cafile = p->cfg.cafile;
	fp.timeout_ms = 2 * p->cfg.step_ms;
	memset(&fr, 0, sizeof(fr));
	sts->fetched = 1;
	sts_fetch(&fp, &fr);
	sts->http_code = fr.http_code;
	sts->policy_status = fr.status;
	if (fr.status == MXQ_OK) {
		sts->policy_status = sts_parse_policy(fr.body, fr.len,
		    &sts->policy, &why);
		if (why != NULL)
			sts->policy_message = strdup(why);
	} else if (fr.message != NULL) {
		sts->policy_message = fr.message;
		fr.message = NULL;
	}
	sts_fetch_result_free(&fr);
	free(domain);
}

static void *
worker(void *arg)
{
	struct probe *p = arg;
	struct job *j;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->head == NULL && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		j = p->head;
		p->head = j->next;
		if (p->head == NULL)
			p->tail = NULL;
		pthread_mutex_unlock(&p->mu);

		if (j->e != NULL)
			probe_address(p, j);
		else
			probe_policy(p, j->g->d);

		pthread_mutex_lock(&p->mu);
		if (--j->g->left == 0) {
			j->g->next = p->finished;
			p->finished = j->g;
			/* A full pipe already has a wake-up in it. */
			(void)!write(p->wake[1], "", 1);
		}
		pthread_mutex_unlock(&p->mu);
		free(j);
	}
}

/* From resolver_wait: hand the finished groups back, in the main thread. */
static void
on_wake(void *arg)
{
	struct probe *p = arg;
	struct group *g, *next;
	char buf[64];

	while (read(p->wake[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&p->mu);
	g = p->finished;
	p->finished = NULL;
	pthread_mutex_unlock(&p->mu);
	for (; g != NULL; g = next) {
		next = g->next;
		p->pending--;
		mx_domain_probed(g->d);
		g->done(g->arg);
		free(g);
	}
}

static int
wanted(const struct probe *p, const struct mx_addr *a)
{
	/* Never a connection to a private or reserved address found in
	 * someone's DNS, unless asked for (--private). */
	return a->special == NULL || p->cfg.private_ok;
}

static int
queue(struct job **head, struct job **tail, struct group *g,
    struct mx_exchange *e, struct mx_addr *a)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return -1;
	j->g = g;
	j->e = e;
	j->a = a;
	if (*tail != NULL)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
	g->left++;
	return 0;
}

int
probe_domain(struct probe *p, struct mx_domain *d, probe_done_fn *done,
    void *arg)
{
	struct job *head = NULL, *tail = NULL, *j;
	struct group *g;
	size_t i, k;

	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -1;
	g->d = d;
	g->done = done;
	g->arg = arg;
	for (i = 0; i < d->nex; i++)
		for (k = 0; k < d->ex[i].naddr; k++)
			if (wanted(p, &d->ex[i].addr[k]) &&
			    queue(&head, &tail, g, &d->ex[i],
			    &d->ex[i].addr[k]) != 0)
				goto nomem;
	if (d->sts != NULL && d->sts->txt_status == MXQ_OK) {
		if (d->sts->naddrs > 0) {
			if (queue(&head, &tail, g, NULL, NULL) != 0)
				goto nomem;
		} else {
			d->sts->policy_status = d->sts->addr_status != MXQ_OK ?
			    d->sts->addr_status : MXQ_ENODATA;
		}
	}
	if (head == NULL) {
		free(g);
		mx_domain_probed(d);
		return 0;
	}
	pthread_mutex_lock(&p->mu);
	if (p->tail != NULL)
		p->tail->next = head;
	else
		p->head = head;
	p->tail = tail;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	p->pending++;
	return 1;
nomem:
	for (; head != NULL; head = j) {
		j = head->next;
		free(head);
	}
	free(g);
	return -1;
}

size_t
probe_pending(const struct probe *p)
{
	return p->pending;
}

enum mxq_status
probe_new(const struct probe_config *cfg, struct resolver *r,
    struct probe **out)
{
	pthread_attr_t attr;
	struct probe *p;
	const char *why = NULL;
	size_t i;
	int rc;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return MXQ_ENOMEM;
	p->cfg = *cfg;
	p->wake[0] = p->wake[1] = -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (sts_global_init() != MXQ_OK) {
		msg_err("libcurl: %s", sts_library_error());
		probe_free(p);
		return MXQ_EINTERNAL;
	}
	p->sts_init = 1;
	p->tls = smtp_tls_new(cfg->cafile, &why);
	if (p->tls == NULL) {
		if (why == NULL) {
			probe_free(p);
			return MXQ_ENOMEM;
		}
		msg_err("%s: %s", cfg->cafile != NULL ? cfg->cafile :
		    "CA certificates", why);
		probe_free(p);
		return MXQ_EUSAGE;
	}
	if (pipe(p->wake) != 0 ||
	    fcntl(p->wake[0], F_SETFL, O_NONBLOCK) != 0 ||
	    fcntl(p->wake[1], F_SETFL, O_NONBLOCK) != 0 ||
	    fcntl(p->wake[0], F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(p->wake[1], F_SETFD, FD_CLOEXEC) != 0) {
		msg_err("pipe: %s", strerror(errno));
		probe_free(p);
		return MXQ_EINTERNAL;
	}
	p->threads = calloc((size_t)cfg->workers, sizeof(*p->threads));
	if (p->threads == NULL) {
		probe_free(p);
		return MXQ_ENOMEM;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PROBE_STACK);
	for (i = 0; i < (size_t)cfg->workers; i++) {
		rc = pthread_create(&p->threads[i], &attr, worker, p);
		if (rc != 0) {
			pthread_attr_destroy(&attr);
			msg_err("threads: %s", strerror(rc));
			probe_free(p);
			return MXQ_EINTERNAL;
		}
		p->nthreads++;
	}
	pthread_attr_destroy(&attr);
	resolver_set_wake(r, p->wake[0], on_wake, p);
	*out = p;
	return MXQ_OK;
}

void
probe_free(struct probe *p)
{
	struct job *j, *next;
	struct group *g, *gn;
	size_t i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	/* Jobs never started, groups never handed back: the run stopped. */
	for (j = p->head; j != NULL; j = next) {
		next = j->next;
		if (--j->g->left == 0)
			free(j->g);
		free(j);
	}
	for (g = p->finished; g != NULL; g = gn) {
		gn = g->next;
		free(g);
	}
	if (p->wake[0] >= 0)
		close(p->wake[0]);
	if (p->wake[1] >= 0)
		close(p->wake[1]);
	smtp_tls_free(p->tls);
	if (p->sts_init)
		sts_global_cleanup();
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
