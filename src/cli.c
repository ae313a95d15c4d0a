/* Command line parsing, usage, help and version. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mxq/cli.h"
#include "mxq/esc.h"
#include "mxq/msg.h"

/* Longest part of a bad argument echoed back. */
#define CLI_ECHO_MAX 64

enum {
	OPT_TCP = 256,
	OPT_TRIES,
	OPT_SERVER,
	OPT_COLOR,
	OPT_IDN,
	OPT_NO_IDN,
	OPT_WITH_DOMAIN,
	OPT_NO_DOMAIN,
	OPT_CONCURRENCY,
	OPT_UNORDERED,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_NO_ADDITIONAL,
	OPT_DNSSEC,
	OPT_DANE,
	OPT_NS,
	OPT_STRICT,
	OPT_SMTP,
	OPT_SMTP_PORT,
	OPT_SMTP_TIMEOUT,
	OPT_SMTP_CONCURRENCY,
	OPT_HTTPS_PORT,
	OPT_EHLO,
	OPT_CAFILE,
	OPT_PRIVATE
};

_Static_assert(PROBE_WORKERS_MAX == 500, "--help and mxq(1) say 500");

/* The leading ':' makes getopt tell a missing value from a bad option. */
static const char short_opts[] = ":46f:hjnp:qst:vVx";

static const struct option long_opts[] = {
	{ "color", optional_argument, NULL, OPT_COLOR },
	{ "colour", optional_argument, NULL, OPT_COLOR },
	{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
	{ "cafile", required_argument, NULL, OPT_CAFILE },
	{ "dane", no_argument, NULL, OPT_DANE },
	{ "dnssec", no_argument, NULL, OPT_DNSSEC },
	{ "ehlo", required_argument, NULL, OPT_EHLO },
	{ "file", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "https-port", required_argument, NULL, OPT_HTTPS_PORT },
	{ "idn", no_argument, NULL, OPT_IDN },
	{ "json", no_argument, NULL, 'j' },
	{ "no-additional", no_argument, NULL, OPT_NO_ADDITIONAL },
	{ "no-domain", no_argument, NULL, OPT_NO_DOMAIN },
	{ "no-idn", no_argument, NULL, OPT_NO_IDN },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "no-resolve", no_argument, NULL, 'n' },
	{ "ns", no_argument, NULL, OPT_NS },
	{ "port", required_argument, NULL, 'p' },
	{ "private", no_argument, NULL, OPT_PRIVATE },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "ptr", no_argument, NULL, 'x' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "short", no_argument, NULL, 's' },
	{ "smtp", no_argument, NULL, OPT_SMTP },
	{ "smtp-concurrency", required_argument, NULL, OPT_SMTP_CONCURRENCY },
	{ "smtp-port", required_argument, NULL, OPT_SMTP_PORT },
	{ "smtp-timeout", required_argument, NULL, OPT_SMTP_TIMEOUT },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "tcp", no_argument, NULL, OPT_TCP },
	{ "timeout", required_argument, NULL, 't' },
	{ "tries", required_argument, NULL, OPT_TRIES },
	{ "unordered", no_argument, NULL, OPT_UNORDERED },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "with-domain", no_argument, NULL, OPT_WITH_DOMAIN },
	{ NULL, 0, NULL, 0 }
};

static void
usage_error(const char *what, const char *arg)
{
	char *shown = NULL;

	if (arg != NULL)
		shown = esc_dup(arg, strlen(arg), CLI_ECHO_MAX);
	if (shown != NULL)
		msg_err("%s: '%s'", what, shown);
	else
		msg_err("%s", what);
	free(shown);
	msg_plain("Try 'mxq --help' for more information.\n");
}

/*
 * An EHLO argument (RFC 5321 4.1.1.1): a host name of letters, digits,
 * hyphens and dots, or an address literal in brackets.  Nothing else
 * goes on the wire: no space, no CR or LF.
 */
static int
ehlo_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 253)
		return 0;
	if (s[0] == '[')
		return n > 2 && s[n - 1] == ']' &&
		    strspn(s + 1, "0123456789abcdefABCDEF:.Iv6") == n - 2;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '.')
			return 0;
	return 1;
}

/* The host's name for EHLO, as swaks and most MTAs say it. */
static const char *
default_ehlo(char *buf, size_t size)
{
	if (gethostname(buf, size) != 0 || buf[size - 1] != '\0')
		buf[0] = '\0';
	buf[size - 1] = '\0';
	return ehlo_name_ok(buf) ? buf : "localhost";
}

/* A decimal integer in [min, max], digits only. */
static int
parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Seconds with an optional fraction, 0 < s <= 300, to milliseconds. */
static int
parse_seconds(const char *s, int *ms)
{
	long whole = 0, frac = 0, scale = 1000;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > 300)
			return -1;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			scale /= 10;
			frac += (*p - '0') * scale;
		}
	}
	if (*p != '\0')
		return -1;
	whole = whole * 1000 + frac;
	if (whole < 1 || whole > 300000)
		return -1;
	*ms = (int)whole;
	return 0;
}

/*
 * One server: "192.0.2.1", "192.0.2.1:5300", "2001:db8::1" (no port:
 * colons belong to the address), "[2001:db8::1]" or "[2001:db8::1]:53".
 * c-ares parses such strings loosely; ours is the only parser.
 */
/*
 * "::1:5353" is a valid IPv6 address, but more likely ::1 port 5353:
 * c-ares would send to ::1:5353 port 53.  Refuse to guess.
 */
static int
ipv6_port_like(const char *s)
{
	char prefix[INET6_ADDRSTRLEN + 1];
	const char *colon = strrchr(s, ':');
	uint8_t tmp[16];
	size_t n, i;

	if (colon == NULL || colon == s || colon[-1] == ':')
		return 0;
	for (i = 1; colon[i] != '\0'; i++)
		if (colon[i] < '0' || colon[i] > '9' || i > 5)
			return 0;
	n = (size_t)(colon - s);
	if (i == 1 || n >= sizeof(prefix))
		return 0;
	memcpy(prefix, s, n);
	prefix[n] = '\0';
	return inet_pton(AF_INET6, prefix, tmp) == 1;
}

/* A server as written, before --port is known. */
struct cli_server {
	int family;			/* 4 or 6 */
	uint8_t addr[16];
	int port;			/* 0: take --port */
};

static int
parse_server(const char *s, struct cli_server *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL, *end;
	size_t hl;
	long p;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (end == NULL)
			return -1;
		hl = (size_t)(end - s - 1);
		if (hl == 0 || hl >= sizeof(host))
			return -1;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return -1;
		if (inet_pton(AF_INET6, host, out->addr) != 1)
			return -1;
		out->family = 6;
	} else if (strchr(s, ':') != NULL &&
	    strchr(s, ':') == strrchr(s, ':')) {
		end = strchr(s, ':');
		hl = (size_t)(end - s);
		if (hl == 0 || hl >= sizeof(host))
			return -1;
		memcpy(host, s, hl);
		host[hl] = '\0';
		port = end + 1;
		if (inet_pton(AF_INET, host, out->addr) != 1)
			return -4;	/* maybe a host name with a port */
		out->family = 4;
	} else {
		if (strlen(s) >= sizeof(host))
			return -4;
		if (inet_pton(AF_INET, s, out->addr) == 1)
			out->family = 4;
		else if (inet_pton(AF_INET6, s, out->addr) == 1)
			out->family = 6;
		else
			return -4;
		if (out->family == 6 && ipv6_port_like(s))
			return -3;
	}
	if (port != NULL) {
		if (parse_int(port, 1, 65535, &p) != 0)
			return -2;
		out->port = (int)p;
	}
	return 0;
}

/* Servers in the making: --port applies to those without one. */
struct cli_servers {
	struct cli_server s[RESOLVER_MAX_SERVERS];
	char name[RESOLVER_MAX_SERVERS][256];
	size_t n;
};

static int
add_one(struct cli_servers *sv, const struct cli_server *s, const char *name)
{
	if (sv->n == RESOLVER_MAX_SERVERS) {
		usage_error("too many servers (at most 8)", NULL);
		return -1;
	}
	sv->s[sv->n] = *s;
	snprintf(sv->name[sv->n], sizeof(sv->name[0]), "%s", name);
	sv->n++;
	return 0;
}

/*
 * A server given as a host name, "ns1.example.net" or
 * "ns1.example.net:5300": every address the system's resolver gives, as
 * dig does.
 */
static int
add_host(struct cli_servers *sv, const char *item)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256];
	const char *colon = strchr(item, ':');
	size_t hl = colon != NULL ? (size_t)(colon - item) : strlen(item);
	long port = 0;
	int rc, added = 0;

	if (hl == 0 || hl >= sizeof(host) ||
	    (colon != NULL && parse_int(colon + 1, 1, 65535, &port) != 0)) {
		usage_error(colon != NULL && hl > 0 && hl < sizeof(host) ?
		    "invalid port in server (1-65535)" :
		    "server is not an address or a host name", item);
		return -1;
	}
	memcpy(host, item, hl);
	host[hl] = '\0';
	{
		/*
		 * getaddrinfo would take "127.1" or "1.2.3" for an address
		 * of its own making; no host name ends in a number.
		 */
		size_t end = strlen(host), start;

		if (end > 1 && host[end - 1] == '.')
			end--;		/* a trailing dot: the label before */
		for (start = end; start > 0 && host[start - 1] != '.'; start--)
			;
		if (start == end || strspn(host + start, "0123456789") >=
		    end - start || strncasecmp(host, "0x", 2) == 0) {
			usage_error("server is not an IP address "
			    "(use ADDR, ADDR:PORT or [IPV6]:PORT)", item);
			return -1;
		}
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0) {
		char *shown = esc_dup(host, strlen(host), CLI_ECHO_MAX);

		/* No usage mistake: no pointer to --help. */
		msg_err("server '%s': %s", shown != NULL ? shown : "?",
		    gai_strerror(rc));
		free(shown);
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct cli_server s;
		size_t k;

		memset(&s, 0, sizeof(s));
		if (ai->ai_family == AF_INET) {
			s.family = 4;
			memcpy(s.addr, &((struct sockaddr_in *)(void *)
			    ai->ai_addr)->sin_addr, 4);
		} else if (ai->ai_family == AF_INET6) {
			s.family = 6;
			memcpy(s.addr, &((struct sockaddr_in6 *)(void *)
			    ai->ai_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		s.port = (int)port;
		for (k = 0; k < sv->n; k++)
			if (sv->s[k].family == s.family &&
			    memcmp(sv->s[k].addr, s.addr, 16) == 0 &&
			    sv->s[k].port == s.port)
				break;
		if (k < sv->n)
			continue;
		if (add_one(sv, &s, host) != 0) {
			freeaddrinfo(res);
			return -1;
		}
		added = 1;
	}
	freeaddrinfo(res);
	if (!added) {
		usage_error("server has no address", item);
		return -1;
	}
	return 0;
}

static int
add_servers(struct cli_servers *sv, const char *list)
{
	char *copy, *item, *save = NULL;
	int rc = 0;

	if (*list == '\0') {
		usage_error("empty server", NULL);
		return -1;
	}
	copy = strdup(list);
	if (copy == NULL)
		return -1;
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		struct cli_server s;

		rc = parse_server(item, &s);
		if (rc == -2) {
			usage_error("invalid port in server (1-65535)", item);
			break;
		}
		if (rc == -3) {
			usage_error("ambiguous IPv6 server: write [ADDR]:PORT "
			    "for a port, [ADDR] for the address alone", item);
			break;
		}
		if (rc == -4 && strchr(item, '[') == NULL &&
		    strchr(item, ':') == strrchr(item, ':')) {
			if ((rc = add_host(sv, item)) != 0)
				break;
			continue;
		}
		if (rc != 0) {
			usage_error("server is not an IP address "
			    "(use ADDR, ADDR:PORT or [IPV6]:PORT)", item);
			break;
		}
		if ((rc = add_one(sv, &s, "")) != 0)
			break;
	}
	free(copy);
	return rc == 0 ? 0 : -1;
}

/* The servers as the resolver takes them, --port given where needed. */
static void
finish_servers(const struct cli_servers *sv, int port,
    struct resolver_config *rc)
{
	size_t i;

	for (i = 0; i < sv->n; i++) {
		struct resolver_server *out = &rc->servers[i];
		uint16_t p = (uint16_t)(sv->s[i].port != 0 ? sv->s[i].port :
		    port);

		memset(out, 0, sizeof(*out));
		if (sv->s[i].family == 4) {
			struct sockaddr_in *s4 = (void *)&out->addr;

			s4->sin_family = AF_INET;
			s4->sin_port = htons(p);
			memcpy(&s4->sin_addr, sv->s[i].addr, 4);
			out->addrlen = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (void *)&out->addr;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(p);
			memcpy(&s6->sin6_addr, sv->s[i].addr, 16);
			out->addrlen = sizeof(*s6);
		}
		snprintf(out->name, sizeof(out->name), "%s", sv->name[i]);
	}
	rc->nservers = sv->n;
}

static int
parse_when(const char *arg, enum run_when *out)
{
	if (arg == NULL || strcmp(arg, "always") == 0 ||
	    strcmp(arg, "yes") == 0)
		*out = RUN_ALWAYS;
	else if (strcmp(arg, "never") == 0 || strcmp(arg, "no") == 0)
		*out = RUN_NEVER;
	else if (strcmp(arg, "auto") == 0)
		*out = RUN_AUTO;
	else
		return -1;
	return 0;
}

/* -1: no such short option; 0: a flag; 1: takes a value. */
static int
short_kind(int c)
{
	const char *p;

	if (c == ':' || c == '\0' || (p = strchr(short_opts + 1, c)) == NULL)
		return -1;
	return p[1] == ':';
}

/*
 * "-abc.example" is a domain (DNS allows a leading hyphen), not options:
 * an argument with a dot where an option letter should be.  "-t0.5"
 * stays an option with its value.
 */
static int
hyphen_domain(const char *arg)
{
	const char *p;

	if (strchr(arg, '.') == NULL)
		return 0;
	for (p = arg + 1; *p != '\0'; p++) {
		int k = short_kind((unsigned char)*p);

		if (k < 0)
			return 1;
		if (k == 1)
			return 0;
	}
	return 0;
}

/* Nonzero when an option element needs the next element as its value. */
static int
option_needs_next(const char *arg)
{
	const struct option *lo, *match = NULL;
	const char *p;

	if (arg[1] == '-') {
		size_t n = strcspn(arg + 2, "=");

		/* "--timeout=1" carries its value. */
		if (arg[2 + n] == '=')
			return 0;
		for (lo = long_opts; lo->name != NULL; lo++) {
			if (strncmp(lo->name, arg + 2, n) != 0)
				continue;
			if (strlen(lo->name) == n) {
				match = lo;
				break;
			}
			/* An ambiguous prefix is getopt's error to report. */
			if (match == NULL)
				match = lo;
		}
		return match != NULL && match->has_arg == required_argument;
	}
	for (p = arg + 1; *p != '\0'; p++) {
		int k = short_kind((unsigned char)*p);

		if (k < 0)
			return 0;
		if (k == 1)
			return p[1] == '\0';
	}
	return 0;
}

/*
 * Reorder argv as options, "--", then every other argument in its
 * order, so that getopt never takes a domain for options and domains
 * keep their order.  On success *res is an array the caller frees (not
 * the strings).  MXQ_EUSAGE after reporting an option without its
 * value, MXQ_ENOMEM.
 */
static enum mxq_status
split_args(int argc, char **argv, char ***res, int *argc2)
{
	static char dashdash[] = "--";
	char **out, **rest;
	int i, n = 1, nrest = 0, after = 0;

	out = calloc((size_t)argc + 2, sizeof(*out));
	rest = calloc((size_t)argc + 1, sizeof(*rest));
	if (out == NULL || rest == NULL) {
		free(out);
		free(rest);
		return MXQ_ENOMEM;
	}
	out[0] = argv[0];
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (after || a[0] != '-' || a[1] == '\0' ||
		    (a[1] != '-' && hyphen_domain(a))) {
			rest[nrest++] = argv[i];
		} else if (strcmp(a, "--") == 0) {
			after = 1;
		} else if (option_needs_next(a)) {
			if (i + 1 == argc) {
				usage_error("option needs a value", a);
				free(out);
				free(rest);
				return MXQ_EUSAGE;
			}
			out[n++] = argv[i];
			out[n++] = argv[++i];
		} else {
			out[n++] = argv[i];
		}
	}
	out[n++] = dashdash;
	for (i = 0; i < nrest; i++)
		out[n++] = rest[i];
	free(rest);
	*res = out;
	*argc2 = n;
	return MXQ_OK;
}

static void
option_error(int c, char **argv)
{
	const char *arg = argv[optind - 1];
	char opt[3] = { '-', (char)optopt, '\0' };
	int is_long = strncmp(arg, "--", 2) == 0;

	if (c == ':')
		usage_error("option needs a value", is_long ? arg : opt);
	else if (is_long && optopt != 0 && strchr(arg, '=') != NULL)
		usage_error("option takes no value", arg);
	else if (!is_long && optopt > 0 && optopt < 128)
		usage_error("unknown option", opt);
	else
		usage_error("unknown or ambiguous option", arg);
}

enum mxq_status
cli_parse(int argc0, char **argv0, struct mxq_opts *o)
{
	struct resolver_config *rc = &o->resolver;
	struct run_config *run = &o->run;
	struct cli_servers sv;
	enum mxq_status st = MXQ_EUSAGE;
	int c, i, argc, ms;
	char **argv;
	long v;

	memset(o, 0, sizeof(*o));
	memset(&sv, 0, sizeof(sv));
	o->action = CLI_RUN;
	rc->port = 53;
	rc->timeout_ms = CLI_DEFAULT_TIMEOUT_MS;
	rc->tries = CLI_DEFAULT_TRIES;
	rc->resolv_conf = getenv("MXQ_RESOLV_CONF");
	if (rc->resolv_conf != NULL && rc->resolv_conf[0] == '\0')
		rc->resolv_conf = NULL;
	o->lookup.window = CLI_DEFAULT_CONCURRENCY;
	o->probe.port = 25;
	o->probe.https_port = 443;
	o->probe.step_ms = CLI_DEFAULT_SMTP_TIMEOUT_MS;
	o->probe.workers = CLI_DEFAULT_SMTP_CONCURRENCY;
	o->fmt.format = FMT_TEXT;
	run->color = RUN_AUTO;
	run->idn = RUN_AUTO;
	run->with_domain = RUN_AUTO;
	run->progress = RUN_AUTO;

	st = split_args(argc0, argv0, &argv, &argc);
	if (st != MXQ_OK)
		return st;
	st = MXQ_EUSAGE;
	opterr = 0;
	optind = 0;	/* 0, not 1: glibc then forgets a previous parse */
	while ((c = getopt_long(argc, argv, short_opts, long_opts,
	    NULL)) != -1) {
		switch (c) {
		case '4':
		case '6':
			if (o->fmt.family != 0 && o->fmt.family != c - '0') {
				usage_error("-4 and -6 exclude each other",
				    NULL);
				goto out;
			}
			o->fmt.family = c - '0';
			o->lookup.family = c - '0';
			break;
		case 'f':
			run->file = optarg;
			break;
		case 'h':
			o->action = CLI_HELP;
			st = MXQ_OK;
			goto out;
		case 'j':
			o->fmt.format = FMT_JSON;
			break;
		case 'n':
			o->lookup.no_resolve = 1;
			o->fmt.no_resolve = 1;
			break;
		case 'p':
			if (parse_int(optarg, 1, 65535, &v) != 0) {
				usage_error("invalid port (1-65535)", optarg);
				goto out;
			}
			rc->port = (int)v;
			break;
		case 'q':
			run->quiet = 1;
			break;
		case 's':
			o->fmt.format = FMT_SHORT;
			break;
		case 't':
			if (parse_seconds(optarg, &rc->timeout_ms) != 0) {
				usage_error("invalid timeout (seconds, "
				    "0.001-300)", optarg);
				goto out;
			}
			break;
		case 'v':
			o->fmt.verbose = 1;
			run->verbose = 1;
			break;
		case 'V':
			o->action = CLI_VERSION;
			st = MXQ_OK;
			goto out;
		case OPT_TCP:
			rc->tcp = 1;
			break;
		case OPT_TRIES:
			if (parse_int(optarg, 1, 10, &v) != 0) {
				usage_error("invalid number of tries (1-10)",
				    optarg);
				goto out;
			}
			rc->tries = (int)v;
			break;
		case OPT_SERVER:
			if (add_servers(&sv, optarg) != 0)
				goto out;
			break;
		case OPT_COLOR:
			if (parse_when(optarg, &run->color) != 0) {
				usage_error("--color takes auto, always or "
				    "never", optarg);
				goto out;
			}
			break;
		case OPT_IDN:
			run->idn = RUN_ALWAYS;
			break;
		case OPT_NO_IDN:
			run->idn = RUN_NEVER;
			break;
		case OPT_WITH_DOMAIN:
			run->with_domain = RUN_ALWAYS;
			break;
		case OPT_NO_DOMAIN:
			run->with_domain = RUN_NEVER;
			break;
		case OPT_CONCURRENCY:
			if (parse_int(optarg, 1, CLI_MAX_CONCURRENCY,
			    &v) != 0) {
				usage_error("invalid concurrency (1-1000)",
				    optarg);
				goto out;
			}
			o->lookup.window = (int)v;
			break;
		case OPT_UNORDERED:
			o->lookup.unordered = 1;
			break;
		case OPT_PROGRESS:
			run->progress = RUN_ALWAYS;
			break;
		case OPT_NO_PROGRESS:
			run->progress = RUN_NEVER;
			break;
		case OPT_NO_ADDITIONAL:
			o->lookup.no_additional = 1;
			break;
		case 'x':
			o->lookup.ptr = 1;
			break;
		case OPT_DNSSEC:
			o->lookup.dnssec = 1;
			break;
		case OPT_DANE:
			o->lookup.dane = 1;
			o->lookup.dnssec = 1;
			break;
		case OPT_NS:
			o->lookup.ns = 1;
			break;
		case OPT_STRICT:
			run->strict = 1;
			break;
		case OPT_SMTP:
			o->smtp = 1;
			break;
		case OPT_SMTP_PORT:
		case OPT_HTTPS_PORT:
			if (parse_int(optarg, 1, 65535, &v) != 0) {
				usage_error("invalid port (1-65535)", optarg);
				goto out;
			}
			if (c == OPT_SMTP_PORT)
				o->probe.port = (int)v;
			else
				o->probe.https_port = (int)v;
			break;
		case OPT_SMTP_TIMEOUT:
			if (parse_seconds(optarg, &ms) != 0) {
				usage_error("invalid timeout (seconds, "
				    "0.001-300)", optarg);
				goto out;
			}
			o->probe.step_ms = ms;
			break;
		case OPT_SMTP_CONCURRENCY:
			if (parse_int(optarg, 1, PROBE_WORKERS_MAX, &v) != 0) {
				usage_error("invalid SMTP concurrency (1-500)",
				    optarg);
				goto out;
			}
			o->probe.workers = (int)v;
			break;
		case OPT_EHLO:
			if (!ehlo_name_ok(optarg)) {
				usage_error("invalid EHLO name (a host name "
				    "or an address literal such as "
				    "[192.0.2.1])", optarg);
				goto out;
			}
			o->probe.ehlo = optarg;
			break;
		case OPT_CAFILE:
			o->probe.cafile = optarg;
			break;
		case OPT_PRIVATE:
			o->probe.private_ok = 1;
			o->lookup.private_ok = 1;
			break;
		default:
			option_error(c, argv);
			goto out;
		}
	}

	run->domains = calloc((size_t)(argc - optind) + 1, sizeof(char *));
	if (run->domains == NULL) {
		st = MXQ_ENOMEM;
		goto out;
	}
	for (i = optind; i < argc; i++) {
		if (argv[i][0] == '@') {
			if (add_servers(&sv, argv[i] + 1) != 0)
				goto out;
			continue;
		}
		run->domains[run->ndomains++] = argv[i];
	}
	if (run->file != NULL && run->ndomains > 0) {
		usage_error("give domains as arguments or with -f, not both",
		    NULL);
		goto out;
	}
	finish_servers(&sv, rc->port, rc);
	o->lookup.ns_port = rc->port;
	if (o->smtp) {
		/* DANE verification stands on the TLSA records. */
		o->lookup.dane = 1;
		o->lookup.dnssec = 1;
		o->lookup.smtp = 1;
		o->fmt.smtp = 1;
	}
	if (o->probe.ehlo == NULL)
		o->probe.ehlo = default_ehlo(o->ehlo, sizeof(o->ehlo));
	run->verbose = o->fmt.verbose;
	run->short_format = o->fmt.format == FMT_SHORT;
	st = MXQ_OK;
out:
	free(argv);
	return st;
}

void
cli_clear(struct mxq_opts *o)
{
	free(o->run.domains);
	o->run.domains = NULL;
	o->run.ndomains = 0;
}

void
cli_usage(FILE *fp)
{
	/* The man page's SYNOPSIS, word for word (tests/system/test_docs.py). */
	fputs(
"usage: mxq [-46jnqsvx] [-f file] [-p port] [-t seconds] [--tries n]\n"
"           [--server server[,server ...]] [--tcp] [--no-additional]\n"
"           [--dnssec] [--dane] [--ns] [--strict] [--private]\n"
"           [--smtp] [--smtp-port port] [--smtp-timeout seconds]\n"
"           [--smtp-concurrency n] [--ehlo name] [--cafile file]\n"
"           [--https-port port]\n"
"           [--with-domain | --no-domain] [--color[=when]] [--idn | --no-idn]\n"
"           [--concurrency n] [--unordered] [--progress | --no-progress]\n"
"           [@server] domain ...\n"
"       mxq [options] -f file\n"
"       mxq -h | -V\n", fp);
}

void
cli_help(FILE *fp)
{
	cli_usage(fp);
	fputs(
"\n"
"Show where mail for a domain goes: its MX records sorted by preference,\n"
"each exchange with its A and AAAA addresses.\n"
"\n"
"Servers and queries:\n"
"  @SERVER, --server SERVER[,SERVER...]\n"
"                        ask these servers instead of /etc/resolv.conf;\n"
"                        SERVER is IPv4, IPv6, IPv4:PORT, [IPv6]:PORT,\n"
"                        or a host name (looked up as dig does)\n"
"  -p, --port PORT       port for servers given without one (default 53)\n"
"  -t, --timeout SECS    wait this long for each try (default 2)\n"
"      --tries N         tries per query and server (default 3)\n"
"      --tcp             query over TCP only\n"
"\n"
"What to look up:\n"
"  -4, -6                show only IPv4 or only IPv6 addresses\n"
"  -n, --no-resolve      list MX records, do not resolve the exchanges\n"
"      --no-additional   ignore addresses in the additional section\n"
"\n"
"Checks:\n"
"  -x, --ptr             reverse DNS of every address, forward-confirmed\n"
"      --dnssec          whether the resolver validated each answer (AD)\n"
"      --dane            TLSA records of every exchange (RFC 7672)\n"
"      --ns              ask every authoritative server, compare answers\n"
"      --strict          exit 5 when a route exists but a check found\n"
"                        a problem\n"
"      --private         private and other special-purpose addresses\n"
"                        count as reachable (mail inside a network)\n"
"\n"
"Connections (--smtp; never MAIL, RCPT or DATA):\n"
"      --smtp            probe every exchange address: greeting, EHLO,\n"
"                        STARTTLS, certificate, DANE; MTA-STS policy\n"
"      --smtp-port PORT  SMTP port (default 25)\n"
"      --smtp-timeout SECS\n"
"                        wait this long for each step (default 10)\n"
"      --smtp-concurrency N\n"
"                        connections at once (default 20)\n"
"      --ehlo NAME       EHLO name (default: this host's name)\n"
"      --cafile FILE     CA certificates (PEM) for SMTP and HTTPS\n"
"                        (default: the system's)\n"
"      --https-port PORT port of the MTA-STS policy server (default 443)\n"
"\n"
"Input:\n"
"  -f, --file FILE       read domains from FILE, one per line ('-': stdin)\n"
"      --concurrency N   queries in flight at once (default 150)\n"
"      --unordered       print each domain when done, not in input order\n"
"\n"
"Output:\n"
"  -s, --short           one line per address: PREF EXCHANGE ADDRESS\n"
"  -j, --json            one JSON object per domain and line (NDJSON)\n"
"      --with-domain, --no-domain\n"
"                        start --short lines with the domain, or not\n"
"      --color[=WHEN]    colour: auto, always or never (default auto)\n"
"      --idn, --no-idn   show names in Unicode, or always as A-labels\n"
"      --progress, --no-progress\n"
"                        progress on stderr (default: when a terminal)\n"
"  -q, --quiet           print no results, only set the exit status\n"
"  -v, --verbose         add server, RCODE, flags, TTLs and timing\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show versions and exit\n"
"\n"
"Exit status: 0 a mail route exists, 1 definitively none, 2 usage error or\n"
"invalid name, 3 temporary failure or unknown answer (timeout, SERVFAIL,\n"
"referral...), 4 internal error, 5 (--strict) a route with problems.\n"
"See mxq(1) for the output formats.\n", fp);
}
