/* Command line parsing, usage, help and version. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mxq/cli.h"
#include "mxq/esc.h"
#include "mxq/fmt.h"
#include "mxq/idn.h"
#include "mxq/msg.h"
#include "mxq/resolver.h"

#ifndef MXQ_VERSION
#define MXQ_VERSION "0.1.0"
#endif

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
	OPT_NO_ADDITIONAL
};

/* The leading ':' makes getopt tell a missing value from a bad option. */
static const char short_opts[] = ":46f:hjnp:qst:vV";

static const struct option long_opts[] = {
	{ "color", optional_argument, NULL, OPT_COLOR },
	{ "colour", optional_argument, NULL, OPT_COLOR },
	{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
	{ "file", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "idn", no_argument, NULL, OPT_IDN },
	{ "json", no_argument, NULL, 'j' },
	{ "no-additional", no_argument, NULL, OPT_NO_ADDITIONAL },
	{ "no-domain", no_argument, NULL, OPT_NO_DOMAIN },
	{ "no-idn", no_argument, NULL, OPT_NO_IDN },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "no-resolve", no_argument, NULL, 'n' },
	{ "port", required_argument, NULL, 'p' },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "short", no_argument, NULL, 's' },
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
	fputs("Try 'mxq --help' for more information.\n", stderr);
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
			return -1;
		out->family = 4;
	} else {
		if (strlen(s) >= sizeof(host))
			return -1;
		if (inet_pton(AF_INET, s, out->addr) == 1)
			out->family = 4;
		else if (inet_pton(AF_INET6, s, out->addr) == 1)
			out->family = 6;
		else
			return -1;
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

static int
add_servers(struct mxq_opts *o, const char *list)
{
	char *copy, *item, *save = NULL;
	int rc = 0;

	copy = strdup(list);
	if (copy == NULL)
		return -3;
	if (*list == '\0') {
		usage_error("empty server", NULL);
		free(copy);
		return -1;
	}
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if (o->nservers == CLI_MAX_SERVERS) {
			usage_error("too many servers (at most 8)", NULL);
			rc = -1;
			break;
		}
		rc = parse_server(item, &o->servers[o->nservers]);
		if (rc == -2) {
			usage_error("invalid port in server (1-65535)", item);
			break;
		}
		if (rc == -3) {
			usage_error("ambiguous IPv6 server: write [ADDR]:PORT "
			    "for a port, [ADDR] for the address alone", item);
			break;
		}
		if (rc != 0) {
			usage_error("server is not an IP address "
			    "(use ADDR, ADDR:PORT or [IPV6]:PORT)", item);
			break;
		}
		o->nservers++;
	}
	free(copy);
	return rc == 0 ? 0 : -1;
}

static int
parse_when(const char *arg, enum cli_when *out)
{
	if (arg == NULL || strcmp(arg, "always") == 0 ||
	    strcmp(arg, "yes") == 0)
		*out = CLI_ALWAYS;
	else if (strcmp(arg, "never") == 0 || strcmp(arg, "no") == 0)
		*out = CLI_NEVER;
	else if (strcmp(arg, "auto") == 0)
		*out = CLI_AUTO;
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

		if (arg[2 + n] == '=')
			return 1;
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
	enum mxq_status st = MXQ_EUSAGE;
	int c, i, argc;
	char **argv;
	long v;

	memset(o, 0, sizeof(*o));
	o->action = CLI_RUN;
	o->port = 53;
	o->timeout_ms = CLI_DEFAULT_TIMEOUT_MS;
	o->tries = CLI_DEFAULT_TRIES;
	o->color = CLI_AUTO;
	o->idn = CLI_AUTO;
	o->with_domain = CLI_AUTO;
	o->progress = CLI_AUTO;
	o->concurrency = CLI_DEFAULT_CONCURRENCY;
	o->resolv_conf = getenv("MXQ_RESOLV_CONF");
	if (o->resolv_conf != NULL && o->resolv_conf[0] == '\0')
		o->resolv_conf = NULL;

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
			if (o->family != 0 && o->family != c - '0') {
				usage_error("-4 and -6 exclude each other",
				    NULL);
				goto out;
			}
			o->family = c - '0';
			break;
		case 'f':
			o->file = optarg;
			break;
		case 'h':
			o->action = CLI_HELP;
			st = MXQ_OK;
			goto out;
		case 'j':
			o->format = CLI_FMT_JSON;
			break;
		case 'n':
			o->no_resolve = 1;
			break;
		case 'p':
			if (parse_int(optarg, 1, 65535, &v) != 0) {
				usage_error("invalid port (1-65535)", optarg);
				goto out;
			}
			o->port = (int)v;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 's':
			o->format = CLI_FMT_SHORT;
			break;
		case 't':
			if (parse_seconds(optarg, &o->timeout_ms) != 0) {
				usage_error("invalid timeout (seconds, "
				    "0.001-300)", optarg);
				goto out;
			}
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'V':
			o->action = CLI_VERSION;
			st = MXQ_OK;
			goto out;
		case OPT_TCP:
			o->tcp = 1;
			break;
		case OPT_TRIES:
			if (parse_int(optarg, 1, 10, &v) != 0) {
				usage_error("invalid number of tries (1-10)",
				    optarg);
				goto out;
			}
			o->tries = (int)v;
			break;
		case OPT_SERVER:
			if (add_servers(o, optarg) != 0)
				goto out;
			break;
		case OPT_COLOR:
			if (parse_when(optarg, &o->color) != 0) {
				usage_error("--color takes auto, always or "
				    "never", optarg);
				goto out;
			}
			break;
		case OPT_IDN:
			o->idn = CLI_ALWAYS;
			break;
		case OPT_NO_IDN:
			o->idn = CLI_NEVER;
			break;
		case OPT_WITH_DOMAIN:
			o->with_domain = CLI_ALWAYS;
			break;
		case OPT_NO_DOMAIN:
			o->with_domain = CLI_NEVER;
			break;
		case OPT_CONCURRENCY:
			if (parse_int(optarg, 1, CLI_MAX_CONCURRENCY,
			    &v) != 0) {
				usage_error("invalid concurrency (1-1000)",
				    optarg);
				goto out;
			}
			o->concurrency = (int)v;
			break;
		case OPT_UNORDERED:
			o->unordered = 1;
			break;
		case OPT_PROGRESS:
			o->progress = CLI_ALWAYS;
			break;
		case OPT_NO_PROGRESS:
			o->progress = CLI_NEVER;
			break;
		case OPT_NO_ADDITIONAL:
			o->no_additional = 1;
			break;
		default:
			option_error(c, argv);
			goto out;
		}
	}

	o->domains = calloc((size_t)(argc - optind) + 1, sizeof(char *));
	if (o->domains == NULL) {
		st = MXQ_ENOMEM;
		goto out;
	}
	for (i = optind; i < argc; i++) {
		if (argv[i][0] == '@') {
			if (add_servers(o, argv[i] + 1) != 0)
				goto out;
			continue;
		}
		o->domains[o->ndomains++] = argv[i];
	}
	if (o->file != NULL && o->ndomains > 0) {
		usage_error("give domains as arguments or with -f, not both",
		    NULL);
		goto out;
	}
	st = MXQ_OK;
out:
	free(argv);
	return st;
}

void
cli_clear(struct mxq_opts *o)
{
	free(o->domains);
	o->domains = NULL;
	o->ndomains = 0;
}

const char *
cli_server_text(const struct cli_server *s, int port, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(s->family == 4 ? AF_INET : AF_INET6, s->addr, a,
	    sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(buf, size, "%s#%d", a, s->port != 0 ? s->port : port);
	return buf;
}

void
cli_help(FILE *fp)
{
	fputs(
"usage: mxq [-46jnqsv] [-p port] [-t seconds] [@server] domain ...\n"
"       mxq [options] -f file\n"
"\n"
"Show where mail for a domain goes: its MX records sorted by preference,\n"
"each exchange with its A and AAAA addresses.\n"
"\n"
"Servers and queries:\n"
"  @ADDR, --server ADDR[,ADDR...]\n"
"                        ask these servers instead of /etc/resolv.conf;\n"
"                        ADDR is IPv4, IPv6, IPv4:PORT or [IPv6]:PORT\n"
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
"invalid name, 3 temporary failure (timeout, SERVFAIL...), 4 internal error.\n"
"See mxq(1) for the output formats.\n", fp);
}

void
cli_version(FILE *fp)
{
	fprintf(fp, "mxq %s (c-ares %s, libidn2 %s, jansson %s)\n",
	    MXQ_VERSION, resolver_version(), idn_version(),
	    fmt_json_version());
}
