/*
 * A fake of the transport (include/mxq/resolver.h) for the engine's unit
 * tests: no sockets, a clock of its own, and a server played by the test.
 * Each resolver_wait() is one round trip: the questions that were on the
 * wire when it began get the test's answer (or none); when nothing was
 * answered the clock moves on to the next event.  A question without an
 * answer times out FAKE_TIMEOUT_MS after it was sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_resolver.h"

struct fake_query fake_log[FAKE_LOG_MAX];
size_t fake_nlog;
size_t fake_max_pending;
double fake_clock;
const uint8_t *fake_raw;
size_t fake_raw_len;

static fake_server_fn *server;
static size_t pending;

struct resolver {
	struct resolver_config cfg;
};

void
fake_reset(fake_server_fn *fn)
{
	memset(fake_log, 0, sizeof(fake_log));
	fake_nlog = 0;
	fake_max_pending = 0;
	fake_clock = 1000.0;
	pending = 0;
	fake_raw = NULL;
	fake_raw_len = 0;
	server = fn;
}

size_t
fake_count(const char *name, uint16_t type)
{
	size_t i, n = 0;

	for (i = 0; i < fake_nlog; i++)
		if (fake_log[i].type == type &&
		    strcasecmp(fake_log[i].name, name) == 0)
			n++;
	return n;
}

double
resolver_now_ms(void)
{
	return fake_clock;
}

enum mxq_status
resolver_new(const struct resolver_config *cfg, struct resolver **out)
{
	struct resolver *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return MXQ_ENOMEM;
	r->cfg = *cfg;
	*out = r;
	return MXQ_OK;
}

void
resolver_free(struct resolver *r)
{
	free(r);
}

enum mxq_status
resolver_server_add(struct resolver *r, const struct sockaddr *sa,
    socklen_t len, int *index)
{
	(void)r;
	(void)sa;
	(void)len;
	*index = 1;
	return MXQ_OK;
}

enum mxq_status
resolver_send(struct resolver *r, const struct resolver_question *q,
    resolver_cb *cb, void *arg)
{
	struct fake_query *f;

	(void)r;
	if (fake_nlog == FAKE_LOG_MAX)
		return MXQ_ENOMEM;
	f = &fake_log[fake_nlog++];
	memset(f, 0, sizeof(*f));
	f->qname = *q->name;
	wire_name_to_text(q->name, f->name);
	f->type = q->type;
	f->flags = q->flags;
	f->server = q->server;
	f->cb = cb;
	f->arg = arg;
	f->sent_ms = fake_clock;
	if (++pending > fake_max_pending)
		fake_max_pending = pending;
	return MXQ_OK;
}

static void
deliver(struct fake_query *f, enum mxq_status st, const uint8_t *buf,
    size_t len)
{
	struct resolver_result res;

	memset(&res, 0, sizeof(res));
	res.status = st;
	res.buf = buf;
	res.len = len;
	res.server = 0;
	res.tries = 1;
	f->done = 1;
	pending--;
	f->cb(f->arg, &res);
}

enum mxq_status
resolver_wait(struct resolver *r, int max_ms, int extra_fd, int *extra_ready)
{
	size_t i, n = fake_nlog, answered = 0;
	double next = -1;

	(void)r;
	(void)extra_fd;
	if (extra_ready != NULL)
		*extra_ready = 0;
	for (i = 0; i < n; i++) {
		struct fake_query *f = &fake_log[i];
		struct reply rep;

		if (f->done)
			continue;
		f->rounds++;
		switch (server(f, &rep)) {
		case 0:
			continue;
		case FAKE_RAW:
			deliver(f, MXQ_OK, fake_raw, fake_raw_len);
			break;
		default:
			reply_end(&rep);
			deliver(f, MXQ_OK, rep.b, rep.n);
			break;
		}
		answered++;
	}
	if (answered > 0)
		return MXQ_OK;
	/* Nothing came: time passes, to the next timeout or max_ms. */
	for (i = 0; i < fake_nlog; i++)
		if (!fake_log[i].done && (next < 0 ||
		    fake_log[i].sent_ms + FAKE_TIMEOUT_MS < next))
			next = fake_log[i].sent_ms + FAKE_TIMEOUT_MS;
	if (max_ms >= 0 && (next < 0 || fake_clock + max_ms < next))
		next = fake_clock + max_ms;
	if (next > fake_clock)
		fake_clock = next;
	for (i = 0; i < fake_nlog; i++)
		if (!fake_log[i].done &&
		    fake_log[i].sent_ms + FAKE_TIMEOUT_MS <= fake_clock)
			deliver(&fake_log[i], MXQ_ETIMEOUT, NULL, 0);
	return MXQ_OK;
}

/* The engine's tests run no probes: nothing wakes the fake loop. */
void
resolver_set_wake(struct resolver *r, int fd, void (*fn)(void *), void *arg)
{
	(void)r;
	(void)fd;
	(void)fn;
	(void)arg;
}

size_t
resolver_pending(const struct resolver *r)
{
	(void)r;
	return pending;
}

size_t
resolver_nservers(const struct resolver *r)
{
	(void)r;
	return 1;
}

const char *
resolver_server_text(const struct resolver *r, int i)
{
	(void)r;
	return i >= 0 ? "192.0.2.53#53" : "?";
}

const char *
resolver_server_name(const struct resolver *r, int i)
{
	(void)r;
	(void)i;
	return "";
}

void
resolver_get_stats(const struct resolver *r, struct resolver_stats *s)
{
	(void)r;
	memset(s, 0, sizeof(*s));
	s->questions = fake_nlog;
}

const char *
resolver_version(void)
{
	return "fake";
}
