/*
 * Unit tests for src/cli.c: argv to struct mxq_opts, the configuration
 * of every module.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mxq/cli.h"
#include "mxq/resolver.h"

/*
 * Run cli_parse on a NULL-terminated argument list (argv[0] "mxq" is
 * added).  The list is copied: getopt_long permutes argv.
 */
#define PARSE(o, ...) parse((o), (const char *[]){ "mxq", __VA_ARGS__, NULL })

static char *args[32];

static enum mxq_status
parse(struct mxq_opts *o, const char **list)
{
	int argc = 0;

	while (list[argc] != NULL) {
		assert_true(argc < 31);
		args[argc] = (char *)list[argc];
		argc++;
	}
	args[argc] = NULL;
	/* 0 makes GNU getopt start over completely. */
	optind = 0;
	return cli_parse(argc, args, o);
}

static const uint8_t v4_loopback[4] = { 127, 0, 0, 1 };
static const uint8_t v6_loopback[16] = { [15] = 1 };

/* ---- defaults ---- */

static void
test_defaults(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "example.com"), MXQ_OK);
	assert_int_equal(o.action, CLI_RUN);
	assert_int_equal(o.resolver.timeout_ms, 2000);
	assert_int_equal(o.resolver.tries, 3);
	assert_int_equal(o.resolver.port, 53);
	assert_int_equal(o.lookup.window, 150);
	assert_int_equal(o.resolver.nservers, 0);
	assert_int_equal(o.lookup.family, 0);
	assert_int_equal(o.fmt.family, 0);
	assert_int_equal(o.resolver.tcp, 0);
	assert_int_equal(o.lookup.no_resolve, 0);
	assert_int_equal(o.fmt.no_resolve, 0);
	assert_int_equal(o.lookup.no_additional, 0);
	assert_int_equal(o.lookup.unordered, 0);
	assert_int_equal(o.run.quiet, 0);
	assert_int_equal(o.run.verbose, 0);
	assert_int_equal(o.fmt.verbose, 0);
	assert_int_equal(o.fmt.format, FMT_TEXT);
	assert_int_equal(o.run.short_format, 0);
	assert_int_equal(o.run.color, RUN_AUTO);
	assert_int_equal(o.run.idn, RUN_AUTO);
	assert_int_equal(o.run.with_domain, RUN_AUTO);
	assert_int_equal(o.run.progress, RUN_AUTO);
	assert_null(o.run.file);
	assert_int_equal(o.run.ndomains, 1);
	assert_string_equal(o.run.domains[0], "example.com");
	cli_clear(&o);
	assert_null(o.run.domains);
}

static void
test_several_domains_in_order(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "a.example", "-s", "b.example",
	    "c.example"), MXQ_OK);
	assert_int_equal(o.fmt.format, FMT_SHORT);
	assert_int_equal(o.run.ndomains, 3);
	assert_string_equal(o.run.domains[0], "a.example");
	assert_string_equal(o.run.domains[1], "b.example");
	assert_string_equal(o.run.domains[2], "c.example");
	cli_clear(&o);
}

static void
test_no_domain_is_not_an_error_here(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-s"), MXQ_OK);
	assert_int_equal(o.run.ndomains, 0);
	cli_clear(&o);
}

static void
test_double_dash_ends_options(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--", "-weird.example"), MXQ_OK);
	assert_int_equal(o.run.ndomains, 1);
	assert_string_equal(o.run.domains[0], "-weird.example");
	cli_clear(&o);
}

/* ---- servers ---- */

/* Family (4 or 6) of server i, from its sockaddr. */
static int
server_family(const struct mxq_opts *o, size_t i)
{
	const struct resolver_server *s = &o->resolver.servers[i];

	assert_true(i < o->resolver.nservers);
	switch (s->addr.ss_family) {
	case AF_INET:
		assert_int_equal(s->addrlen, sizeof(struct sockaddr_in));
		return 4;
	case AF_INET6:
		assert_int_equal(s->addrlen, sizeof(struct sockaddr_in6));
		return 6;
	}
	fail_msg("server %zu: address family %d", i, (int)s->addr.ss_family);
	return 0;
}

/* Port of server i, in host order. */
static int
server_port(const struct mxq_opts *o, size_t i)
{
	const struct resolver_server *s = &o->resolver.servers[i];

	if (server_family(o, i) == 4)
		return ntohs(((const struct sockaddr_in *)(const void *)
		    &s->addr)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)(const void *)
	    &s->addr)->sin6_port);
}

/* Address bytes of server i: 4 or 16 of them. */
static const void *
server_addr(const struct mxq_opts *o, size_t i)
{
	const struct resolver_server *s = &o->resolver.servers[i];

	if (server_family(o, i) == 4)
		return &((const struct sockaddr_in *)(const void *)
		    &s->addr)->sin_addr;
	return &((const struct sockaddr_in6 *)(const void *)
	    &s->addr)->sin6_addr;
}

/* Server i is the given address and port, given as an address. */
static void
assert_server(const struct mxq_opts *o, size_t i, int family,
    const uint8_t *addr, int port)
{
	assert_int_equal(server_family(o, i), family);
	assert_memory_equal(server_addr(o, i), addr, family == 4 ? 4 : 16);
	assert_int_equal(server_port(o, i), port);
	assert_string_equal(o->resolver.servers[i].name, "");
}

static void
test_server_v4(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "@127.0.0.1", "example.com"), MXQ_OK);
	assert_int_equal(o.resolver.nservers, 1);
	/* No port given: --port, 53 by default. */
	assert_server(&o, 0, 4, v4_loopback, 53);
	/* The server is not a domain. */
	assert_int_equal(o.run.ndomains, 1);
	assert_string_equal(o.run.domains[0], "example.com");
	cli_clear(&o);
}

static void
test_server_v4_port(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "@127.0.0.1:5300", "example.com"), MXQ_OK);
	assert_int_equal(o.resolver.nservers, 1);
	assert_server(&o, 0, 4, v4_loopback, 5300);
	assert_int_equal(o.resolver.port, 53);
	cli_clear(&o);
}

static void
test_server_v6_bracket_port(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "example.com", "@[::1]:5300"), MXQ_OK);
	assert_int_equal(o.resolver.nservers, 1);
	assert_server(&o, 0, 6, v6_loopback, 5300);
	assert_int_equal(o.run.ndomains, 1);
	cli_clear(&o);
}

static void
test_server_v6_bracket_no_port(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "@[::1]", "example.com"), MXQ_OK);
	assert_server(&o, 0, 6, v6_loopback, 53);
	cli_clear(&o);
}

static void
test_server_v6_bare(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "@::1", "example.com"), MXQ_OK);
	assert_int_equal(o.resolver.nservers, 1);
	/* The colons belong to the address: no port, so --port's. */
	assert_server(&o, 0, 6, v6_loopback, 53);
	cli_clear(&o);
}

static void
test_server_option_list(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--server", "127.0.0.1,[::1]:53",
	    "example.com"), MXQ_OK);
	assert_int_equal(o.resolver.nservers, 2);
	assert_server(&o, 0, 4, v4_loopback, 53);
	assert_server(&o, 1, 6, v6_loopback, 53);
	assert_int_equal(o.run.ndomains, 1);
	cli_clear(&o);
}

static void
test_server_port_from_port_option(void **state)
{
	struct mxq_opts o;

	(void)state;
	/* --port applies to servers without a port, wherever it is. */
	assert_int_equal(PARSE(&o, "@127.0.0.1", "-p", "5353", "x"), MXQ_OK);
	assert_server(&o, 0, 4, v4_loopback, 5353);
	assert_int_equal(o.resolver.port, 5353);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--port=5353", "@::1", "x"), MXQ_OK);
	assert_server(&o, 0, 6, v6_loopback, 5353);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--server", "127.0.0.1,[::1]", "x",
	    "--port", "99"), MXQ_OK);
	assert_server(&o, 0, 4, v4_loopback, 99);
	assert_server(&o, 1, 6, v6_loopback, 99);
	cli_clear(&o);
	/* A port of its own wins over --port. */
	assert_int_equal(PARSE(&o, "@127.0.0.1:53", "@[::1]:5300", "-p",
	    "99", "@127.0.0.2", "x"), MXQ_OK);
	assert_int_equal(o.resolver.nservers, 3);
	assert_server(&o, 0, 4, v4_loopback, 53);
	assert_server(&o, 1, 6, v6_loopback, 5300);
	assert_int_equal(server_port(&o, 2), 99);
	assert_int_equal(o.resolver.port, 99);
	cli_clear(&o);
}

static void
test_server_text(void **state)
{
	struct mxq_opts o;
	struct resolver *r = NULL;

	(void)state;
	/* "ADDR#PORT" (dig's notation) is now the resolver's to write. */
	assert_int_equal(PARSE(&o, "@[::1]:5300", "@127.0.0.1", "x"), MXQ_OK);
	assert_int_equal(o.resolver.nservers, 2);
	assert_int_equal(resolver_new(&o.resolver, &r), MXQ_OK);
	assert_int_equal(resolver_nservers(r), 2);
	assert_string_equal(resolver_server_text(r, 0), "::1#5300");
	assert_string_equal(resolver_server_text(r, 1), "127.0.0.1#53");
	assert_string_equal(resolver_server_name(r, 0), "");
	resolver_free(r);
	cli_clear(&o);
}

/*
 * Host names go to getaddrinfo: only "localhost" is tried here, which
 * /etc/hosts answers without any DNS.
 */
static void
test_server_localhost(void **state)
{
	struct mxq_opts o;
	size_t i;

	(void)state;
	assert_int_equal(PARSE(&o, "@localhost", "example.com"), MXQ_OK);
	assert_true(o.resolver.nservers >= 1);
	assert_true(o.resolver.nservers <= 2);
	for (i = 0; i < o.resolver.nservers; i++) {
		const uint8_t *a = server_addr(&o, i);

		if (server_family(&o, i) == 4)
			assert_memory_equal(a, v4_loopback, 4);
		else
			assert_memory_equal(a, v6_loopback, 16);
		assert_int_equal(server_port(&o, i), 53);
		assert_string_equal(o.resolver.servers[i].name, "localhost");
	}
	/* Each address once. */
	if (o.resolver.nservers == 2)
		assert_int_not_equal(server_family(&o, 0),
		    server_family(&o, 1));
	assert_int_equal(o.run.ndomains, 1);
	assert_string_equal(o.run.domains[0], "example.com");
	cli_clear(&o);
}

static void
test_server_localhost_port(void **state)
{
	struct mxq_opts o;
	size_t i;

	(void)state;
	assert_int_equal(PARSE(&o, "--server", "localhost:5300", "-p", "99",
	    "x"), MXQ_OK);
	assert_true(o.resolver.nservers >= 1);
	for (i = 0; i < o.resolver.nservers; i++) {
		assert_int_equal(server_port(&o, i), 5300);
		assert_string_equal(o.resolver.servers[i].name, "localhost");
	}
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "@localhost", "-p", "99", "x"), MXQ_OK);
	for (i = 0; i < o.resolver.nservers; i++)
		assert_int_equal(server_port(&o, i), 99);
	cli_clear(&o);
}

static void
test_server_localhost_after_address(void **state)
{
	struct mxq_opts o;
	size_t i;

	(void)state;
	assert_int_equal(PARSE(&o, "@192.0.2.53", "@localhost", "x"),
	    MXQ_OK);
	assert_true(o.resolver.nservers >= 2);
	assert_server(&o, 0, 4, (const uint8_t *)"\xc0\x00\x02\x35", 53);
	for (i = 1; i < o.resolver.nservers; i++)
		assert_string_equal(o.resolver.servers[i].name, "localhost");
	cli_clear(&o);
}

static void
test_port_option(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-p", "5353", "x"), MXQ_OK);
	assert_int_equal(o.resolver.port, 5353);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--port=1", "x"), MXQ_OK);
	assert_int_equal(o.resolver.port, 1);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "-p65535", "x"), MXQ_OK);
	assert_int_equal(o.resolver.port, 65535);
	cli_clear(&o);
}

static void
test_leading_hyphen_domain(void **state)
{
	struct mxq_opts o;

	(void)state;
	/* DNS allows a leading hyphen: a name with a dot is a domain. */
	assert_int_equal(PARSE(&o, "-s", "-abc.example", "b.example"),
	    MXQ_OK);
	assert_int_equal(o.fmt.format, FMT_SHORT);
	assert_int_equal(o.run.ndomains, 2);
	assert_string_equal(o.run.domains[0], "-abc.example");
	assert_string_equal(o.run.domains[1], "b.example");
	cli_clear(&o);
	/* An option with its value attached stays an option. */
	assert_int_equal(PARSE(&o, "-t0.5", "x"), MXQ_OK);
	assert_int_equal(o.resolver.timeout_ms, 500);
	assert_int_equal(o.run.ndomains, 1);
	cli_clear(&o);
}

static void
test_resolv_conf_from_environment(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(setenv("MXQ_RESOLV_CONF", "/tmp/mxq-resolv.conf", 1),
	    0);
	assert_int_equal(PARSE(&o, "x"), MXQ_OK);
	assert_non_null(o.resolver.resolv_conf);
	assert_string_equal(o.resolver.resolv_conf, "/tmp/mxq-resolv.conf");
	cli_clear(&o);
	assert_int_equal(setenv("MXQ_RESOLV_CONF", "", 1), 0);
	assert_int_equal(PARSE(&o, "x"), MXQ_OK);
	assert_null(o.resolver.resolv_conf);
	cli_clear(&o);
	assert_int_equal(unsetenv("MXQ_RESOLV_CONF"), 0);
	assert_int_equal(PARSE(&o, "x"), MXQ_OK);
	assert_null(o.resolver.resolv_conf);
	cli_clear(&o);
}

/* ---- rejects: each must be MXQ_EUSAGE ---- */

#define REJECT(tname, ...)						\
static void								\
test_reject_##tname(void **state)					\
{									\
	struct mxq_opts o;						\
									\
	(void)state;							\
	assert_int_equal(PARSE(&o, __VA_ARGS__), MXQ_EUSAGE);		\
	cli_clear(&o);							\
}

/*
 * Host names are servers now (see test_server_localhost); what
 * getaddrinfo would take for an address of its own making is not.
 */
REJECT(server_numeric_127_1, "@127.1", "x")
REJECT(server_short_v4, "@1.2.3", "x")
REJECT(server_short_v4_dot, "@1.2.3.", "x")
REJECT(server_short_v4_port, "@1.2.3:53", "x")
REJECT(server_numeric_option, "--server", "127.1", "x")
REJECT(server_hex, "@0x7f000001", "x")
REJECT(server_name_port_0, "@localhost:0", "x")
REJECT(server_name_port_empty, "@localhost:", "x")
REJECT(server_open_bracket, "@[::1", "x")
REJECT(server_v4_in_brackets, "@[127.0.0.1]", "x")
REJECT(server_junk_after_bracket, "@[::1]x", "x")
REJECT(server_port_0, "@127.0.0.1:0", "x")
REJECT(server_port_65536, "@127.0.0.1:65536", "x")
REJECT(server_port_abc, "@127.0.0.1:abc", "x")
REJECT(server_port_empty, "@127.0.0.1:", "x")
REJECT(server_v6_port_0, "@[::1]:0", "x")
REJECT(server_empty, "@", "x")
REJECT(server_v6_port_like, "@::1:5353", "x")
REJECT(server_option_empty, "--server", "", "x")
REJECT(server_option_bad_item, "--server", "127.0.0.1,[bogus]", "x")
REJECT(server_option_bad_item_numeric, "--server", "127.0.0.1,127.1", "x")
REJECT(server_too_many, "--server",
    "127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,"
    "127.0.0.7,127.0.0.8,127.0.0.9", "x")
REJECT(port_0, "-p", "0", "x")
REJECT(port_65536, "-p", "65536", "x")
REJECT(port_abc, "-p", "abc", "x")
REJECT(port_negative, "-p", "-53", "x")
REJECT(port_plus, "-p", "+53", "x")
REJECT(port_trailing, "-p", "53x", "x")
REJECT(timeout_0, "-t", "0", "x")
REJECT(timeout_negative, "-t", "-1", "x")
REJECT(timeout_abc, "-t", "abc", "x")
REJECT(timeout_too_small, "-t", "0.0001", "x")
REJECT(timeout_too_large, "-t", "301", "x")
REJECT(timeout_trailing, "-t", "1s", "x")
REJECT(tries_0, "--tries", "0", "x")
REJECT(tries_11, "--tries", "11", "x")
REJECT(color_sometimes, "--color=sometimes", "x")
REJECT(concurrency_0, "--concurrency", "0", "x")
REJECT(concurrency_1001, "--concurrency", "1001", "x")
REJECT(unknown_short, "-Z", "x")
REJECT(unknown_long, "--bogus", "x")
REJECT(missing_value_p, "x", "-p")
REJECT(missing_value_timeout, "x", "--timeout")
REJECT(v4_and_v6, "-4", "-6", "x")
REJECT(v6_and_v4_grouped, "-64", "x")
REJECT(file_and_domain, "-f", "x", "example.com")
REJECT(no_value_for_flag, "--tcp=yes", "x")

/* ---- accepted values ---- */

static void
test_timeout_fraction(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-t", "0.5", "x"), MXQ_OK);
	assert_int_equal(o.resolver.timeout_ms, 500);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--timeout=1.25", "x"), MXQ_OK);
	assert_int_equal(o.resolver.timeout_ms, 1250);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "-t", "0.001", "x"), MXQ_OK);
	assert_int_equal(o.resolver.timeout_ms, 1);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "-t", "300", "x"), MXQ_OK);
	assert_int_equal(o.resolver.timeout_ms, 300000);
	cli_clear(&o);
}

static void
test_tries_bounds(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--tries", "1", "x"), MXQ_OK);
	assert_int_equal(o.resolver.tries, 1);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--tries=10", "x"), MXQ_OK);
	assert_int_equal(o.resolver.tries, 10);
	cli_clear(&o);
}

static void
test_concurrency_bounds(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--concurrency", "1", "x"), MXQ_OK);
	assert_int_equal(o.lookup.window, 1);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--concurrency=1000", "x"), MXQ_OK);
	assert_int_equal(o.lookup.window, 1000);
	cli_clear(&o);
}

static void
test_color_alone_means_always(void **state)
{
	struct mxq_opts o;

	(void)state;
	/* The optional value never takes the next argument. */
	assert_int_equal(PARSE(&o, "--color", "example.com"), MXQ_OK);
	assert_int_equal(o.run.color, RUN_ALWAYS);
	assert_int_equal(o.run.ndomains, 1);
	assert_string_equal(o.run.domains[0], "example.com");
	cli_clear(&o);
}

static void
test_color_values(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--color=never", "x"), MXQ_OK);
	assert_int_equal(o.run.color, RUN_NEVER);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--color=always", "x"), MXQ_OK);
	assert_int_equal(o.run.color, RUN_ALWAYS);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--color=never", "--color=auto", "x"),
	    MXQ_OK);
	assert_int_equal(o.run.color, RUN_AUTO);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--colour=never", "x"), MXQ_OK);
	assert_int_equal(o.run.color, RUN_NEVER);
	cli_clear(&o);
}

static void
test_format_last_wins(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-sj", "x"), MXQ_OK);
	assert_int_equal(o.fmt.format, FMT_JSON);
	assert_int_equal(o.run.short_format, 0);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "-js", "x"), MXQ_OK);
	assert_int_equal(o.fmt.format, FMT_SHORT);
	assert_int_equal(o.run.short_format, 1);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--json", "--short", "x"), MXQ_OK);
	assert_int_equal(o.fmt.format, FMT_SHORT);
	assert_int_equal(o.run.short_format, 1);
	cli_clear(&o);
}

static void
test_when_options(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--with-domain", "--progress", "x"),
	    MXQ_OK);
	assert_int_equal(o.run.with_domain, RUN_ALWAYS);
	assert_int_equal(o.run.progress, RUN_ALWAYS);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--no-domain", "--no-progress", "x"),
	    MXQ_OK);
	assert_int_equal(o.run.with_domain, RUN_NEVER);
	assert_int_equal(o.run.progress, RUN_NEVER);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--no-domain", "--with-domain", "x"),
	    MXQ_OK);
	assert_int_equal(o.run.with_domain, RUN_ALWAYS);
	cli_clear(&o);
}

/* ---- option values after domains ---- */

static void
test_value_with_equals_after_domain(void **state)
{
	struct mxq_opts o;

	(void)state;
	/* "--timeout=1" carries its value: cisco.com stays the domain. */
	assert_int_equal(PARSE(&o, "cisco.com", "--timeout=1"), MXQ_OK);
	assert_int_equal(o.resolver.timeout_ms, 1000);
	assert_int_equal(o.run.ndomains, 1);
	assert_string_equal(o.run.domains[0], "cisco.com");
	cli_clear(&o);
	/* Nor does it take the next argument. */
	assert_int_equal(PARSE(&o, "b.example", "--tries=1", "a.example"),
	    MXQ_OK);
	assert_int_equal(o.resolver.tries, 1);
	assert_int_equal(o.run.ndomains, 2);
	assert_string_equal(o.run.domains[0], "b.example");
	assert_string_equal(o.run.domains[1], "a.example");
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "b.example", "-t2", "a.example",
	    "--port=5300", "c.example"), MXQ_OK);
	assert_int_equal(o.resolver.timeout_ms, 2000);
	assert_int_equal(o.resolver.port, 5300);
	assert_int_equal(o.run.ndomains, 3);
	assert_string_equal(o.run.domains[0], "b.example");
	assert_string_equal(o.run.domains[1], "a.example");
	assert_string_equal(o.run.domains[2], "c.example");
	cli_clear(&o);
}

static void
test_value_apart_after_domain(void **state)
{
	struct mxq_opts o;

	(void)state;
	/* A value given apart is the next argument, never a domain. */
	assert_int_equal(PARSE(&o, "b.example", "--tries", "2", "a.example"),
	    MXQ_OK);
	assert_int_equal(o.resolver.tries, 2);
	assert_int_equal(o.run.ndomains, 2);
	assert_string_equal(o.run.domains[0], "b.example");
	assert_string_equal(o.run.domains[1], "a.example");
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "cisco.com", "-t", "1"), MXQ_OK);
	assert_int_equal(o.resolver.timeout_ms, 1000);
	assert_int_equal(o.run.ndomains, 1);
	assert_string_equal(o.run.domains[0], "cisco.com");
	cli_clear(&o);
}

static void
test_flags(void **state)
{
	struct mxq_opts o;

	(void)state;
	/* Each setting reaches every module that needs it. */
	assert_int_equal(PARSE(&o, "-n", "x"), MXQ_OK);
	assert_int_equal(o.lookup.no_resolve, 1);
	assert_int_equal(o.fmt.no_resolve, 1);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--no-resolve", "-q", "-v", "--tcp", "x"),
	    MXQ_OK);
	assert_int_equal(o.lookup.no_resolve, 1);
	assert_int_equal(o.fmt.no_resolve, 1);
	assert_int_equal(o.run.quiet, 1);
	assert_int_equal(o.run.verbose, 1);
	assert_int_equal(o.fmt.verbose, 1);
	assert_int_equal(o.resolver.tcp, 1);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "-4", "x"), MXQ_OK);
	assert_int_equal(o.lookup.family, 4);
	assert_int_equal(o.fmt.family, 4);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "-6", "-6", "x"), MXQ_OK);
	assert_int_equal(o.lookup.family, 6);
	assert_int_equal(o.fmt.family, 6);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--no-additional", "--unordered", "x"),
	    MXQ_OK);
	assert_int_equal(o.lookup.no_additional, 1);
	assert_int_equal(o.lookup.unordered, 1);
	cli_clear(&o);
}

static void
test_idn_options(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--no-idn", "x"), MXQ_OK);
	assert_int_equal(o.run.idn, RUN_NEVER);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--idn", "x"), MXQ_OK);
	assert_int_equal(o.run.idn, RUN_ALWAYS);
	cli_clear(&o);
}

static void
test_file_option(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-f", "domains.txt"), MXQ_OK);
	assert_string_equal(o.run.file, "domains.txt");
	assert_int_equal(o.run.ndomains, 0);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--file=-", "@127.0.0.1"), MXQ_OK);
	assert_string_equal(o.run.file, "-");
	assert_int_equal(o.resolver.nservers, 1);
	cli_clear(&o);
}

static void
test_help_and_version(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-h"), MXQ_OK);
	assert_int_equal(o.action, CLI_HELP);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "--version"), MXQ_OK);
	assert_int_equal(o.action, CLI_VERSION);
	cli_clear(&o);
}

static void
test_fully_overwritten(void **state)
{
	struct mxq_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-sn4", "-p", "99", "@127.0.0.1", "x"),
	    MXQ_OK);
	cli_clear(&o);
	assert_int_equal(PARSE(&o, "y"), MXQ_OK);
	assert_int_equal(o.fmt.format, FMT_TEXT);
	assert_int_equal(o.run.short_format, 0);
	assert_int_equal(o.lookup.no_resolve, 0);
	assert_int_equal(o.fmt.no_resolve, 0);
	assert_int_equal(o.lookup.family, 0);
	assert_int_equal(o.fmt.family, 0);
	assert_int_equal(o.resolver.port, 53);
	assert_int_equal(o.resolver.nservers, 0);
	cli_clear(&o);
}

static void
test_parse_again_after_error_in_group(void **state)
{
	static char *first[] = { "mxq", "-Zs", "a.example", NULL };
	static char *second[] = { "mxq", "b.example", NULL };
	struct mxq_opts o;
	enum fmt_format format;
	size_t ndomains;

	(void)state;
	/*
	 * No reset of optind here: cli_parse must start getopt afresh
	 * itself, even when the last call stopped inside "-Zs".
	 */
	assert_int_equal(cli_parse(3, first, &o), MXQ_EUSAGE);
	cli_clear(&o);
	assert_int_equal(cli_parse(2, second, &o), MXQ_OK);
	format = o.fmt.format;
	ndomains = o.run.ndomains;
	cli_clear(&o);
	/* Not -s, left over from "-Zs". */
	assert_int_equal(format, FMT_TEXT);
	assert_int_equal(ndomains, 1);
}

static void
test_help_text(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	cli_help(f);
	assert_int_equal(fclose(f), 0);
	assert_true(strncmp(buf, "usage: mxq ", 11) == 0);
	assert_non_null(strstr(buf, "--no-resolve"));
	assert_non_null(strstr(buf, "--server"));
	assert_non_null(strstr(buf, "Exit status"));
	free(buf);
}

static void
test_usage_text(void **state)
{
	char *usage = NULL, *help = NULL;
	size_t ulen = 0, hlen = 0;
	FILE *f;

	(void)state;
	f = open_memstream(&usage, &ulen);
	assert_non_null(f);
	cli_usage(f);
	assert_int_equal(fclose(f), 0);
	f = open_memstream(&help, &hlen);
	assert_non_null(f);
	cli_help(f);
	assert_int_equal(fclose(f), 0);
	assert_true(strncmp(usage, "usage: mxq ", 11) == 0);
	assert_int_equal(usage[ulen - 1], '\n');
	assert_non_null(strstr(usage, "domain"));
	assert_non_null(strstr(usage, "-f file"));
	assert_non_null(strstr(usage, "@server"));
	/* --help starts with the usage lines, then says more. */
	assert_true(hlen > ulen);
	assert_memory_equal(help, usage, ulen);
	assert_null(strstr(help + ulen, "usage: "));
	free(usage);
	free(help);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_several_domains_in_order),
		cmocka_unit_test(test_no_domain_is_not_an_error_here),
		cmocka_unit_test(test_double_dash_ends_options),
		cmocka_unit_test(test_server_v4),
		cmocka_unit_test(test_server_v4_port),
		cmocka_unit_test(test_server_v6_bracket_port),
		cmocka_unit_test(test_server_v6_bracket_no_port),
		cmocka_unit_test(test_server_v6_bare),
		cmocka_unit_test(test_server_option_list),
		cmocka_unit_test(test_server_port_from_port_option),
		cmocka_unit_test(test_server_text),
		cmocka_unit_test(test_server_localhost),
		cmocka_unit_test(test_server_localhost_port),
		cmocka_unit_test(test_server_localhost_after_address),
		cmocka_unit_test(test_port_option),
		cmocka_unit_test(test_leading_hyphen_domain),
		cmocka_unit_test(test_resolv_conf_from_environment),
		cmocka_unit_test(test_reject_server_numeric_127_1),
		cmocka_unit_test(test_reject_server_short_v4),
		cmocka_unit_test(test_reject_server_short_v4_dot),
		cmocka_unit_test(test_reject_server_short_v4_port),
		cmocka_unit_test(test_reject_server_numeric_option),
		cmocka_unit_test(test_reject_server_hex),
		cmocka_unit_test(test_reject_server_name_port_0),
		cmocka_unit_test(test_reject_server_name_port_empty),
		cmocka_unit_test(test_reject_server_open_bracket),
		cmocka_unit_test(test_reject_server_v4_in_brackets),
		cmocka_unit_test(test_reject_server_junk_after_bracket),
		cmocka_unit_test(test_reject_server_port_0),
		cmocka_unit_test(test_reject_server_port_65536),
		cmocka_unit_test(test_reject_server_port_abc),
		cmocka_unit_test(test_reject_server_port_empty),
		cmocka_unit_test(test_reject_server_v6_port_0),
		cmocka_unit_test(test_reject_server_empty),
		cmocka_unit_test(test_reject_server_v6_port_like),
		cmocka_unit_test(test_reject_server_option_empty),
		cmocka_unit_test(test_reject_server_option_bad_item),
		cmocka_unit_test(test_reject_server_option_bad_item_numeric),
		cmocka_unit_test(test_reject_server_too_many),
		cmocka_unit_test(test_reject_port_0),
		cmocka_unit_test(test_reject_port_65536),
		cmocka_unit_test(test_reject_port_abc),
		cmocka_unit_test(test_reject_port_negative),
		cmocka_unit_test(test_reject_port_plus),
		cmocka_unit_test(test_reject_port_trailing),
		cmocka_unit_test(test_reject_timeout_0),
		cmocka_unit_test(test_reject_timeout_negative),
		cmocka_unit_test(test_reject_timeout_abc),
		cmocka_unit_test(test_reject_timeout_too_small),
		cmocka_unit_test(test_reject_timeout_too_large),
		cmocka_unit_test(test_reject_timeout_trailing),
		cmocka_unit_test(test_reject_tries_0),
		cmocka_unit_test(test_reject_tries_11),
		cmocka_unit_test(test_reject_color_sometimes),
		cmocka_unit_test(test_reject_concurrency_0),
		cmocka_unit_test(test_reject_concurrency_1001),
		cmocka_unit_test(test_reject_unknown_short),
		cmocka_unit_test(test_reject_unknown_long),
		cmocka_unit_test(test_reject_missing_value_p),
		cmocka_unit_test(test_reject_missing_value_timeout),
		cmocka_unit_test(test_reject_v4_and_v6),
		cmocka_unit_test(test_reject_v6_and_v4_grouped),
		cmocka_unit_test(test_reject_file_and_domain),
		cmocka_unit_test(test_reject_no_value_for_flag),
		cmocka_unit_test(test_timeout_fraction),
		cmocka_unit_test(test_tries_bounds),
		cmocka_unit_test(test_concurrency_bounds),
		cmocka_unit_test(test_color_alone_means_always),
		cmocka_unit_test(test_color_values),
		cmocka_unit_test(test_format_last_wins),
		cmocka_unit_test(test_when_options),
		cmocka_unit_test(test_value_with_equals_after_domain),
		cmocka_unit_test(test_value_apart_after_domain),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_idn_options),
		cmocka_unit_test(test_file_option),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_fully_overwritten),
		cmocka_unit_test(test_parse_again_after_error_in_group),
		cmocka_unit_test(test_help_text),
		cmocka_unit_test(test_usage_text),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
