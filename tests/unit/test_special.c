/*
 * Unit tests for src/special.c: every row of its table at both ends and
 * just outside them, every globally reachable block, and some ordinary
 * addresses.  The addresses are only data: nothing is sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>

#include <cmocka.h>

#include "mxq/special.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct row {
	const char *addr;
	const char *expect;	/* NULL: reachable */
};

/*
 * Each block by its first address, its last address and the addresses
 * just outside it (which belong to the next block when one touches).
 * A prefix length off by one, or a wrong byte, moves one of these.
 */
static const struct row rows4[] = {
	/* 0.0.0.0/8 "this network", 0.0.0.0/32 inside it */
	{ "0.0.0.0", "unspecified" },
	{ "0.0.0.1", "this-network" },
	{ "0.255.255.255", "this-network" },
	{ "1.0.0.0", NULL },
	/* 10.0.0.0/8 */
	{ "9.255.255.255", NULL },
	{ "10.0.0.0", "private-use" },
	{ "10.255.255.255", "private-use" },
	{ "11.0.0.0", NULL },
	/* 100.64.0.0/10 */
	{ "100.63.255.255", NULL },
	{ "100.64.0.0", "shared-cgn" },
	{ "100.127.255.255", "shared-cgn" },
	{ "100.128.0.0", NULL },
	/* 127.0.0.0/8 */
	{ "126.255.255.255", NULL },
	{ "127.0.0.0", "loopback" },
	{ "127.0.0.1", "loopback" },
	{ "127.255.255.255", "loopback" },
	{ "128.0.0.0", NULL },
	/* 169.254.0.0/16 */
	{ "169.253.255.255", NULL },
	{ "169.254.0.0", "link-local" },
	{ "169.254.255.255", "link-local" },
	{ "169.255.0.0", NULL },
	/* 172.16.0.0/12 */
	{ "172.15.255.255", NULL },
	{ "172.16.0.0", "private-use" },
	{ "172.31.255.255", "private-use" },
	{ "172.32.0.0", NULL },
	/* 192.0.0.0/24 and the rows inside it */
	{ "191.255.255.255", NULL },
	{ "192.0.0.0", "service-continuity" },
	{ "192.0.0.7", "service-continuity" },
	{ "192.0.0.8", "dummy" },
	{ "192.0.0.9", NULL },
	{ "192.0.0.10", NULL },
	{ "192.0.0.11", "ietf-protocol-assignment" },
	{ "192.0.0.169", "ietf-protocol-assignment" },
	{ "192.0.0.170", "nat64-discovery" },
	{ "192.0.0.171", "nat64-discovery" },
	{ "192.0.0.172", "ietf-protocol-assignment" },
	{ "192.0.0.255", "ietf-protocol-assignment" },
	{ "192.0.1.0", NULL },
	/* 192.0.2.0/24 */
	{ "192.0.1.255", NULL },
	{ "192.0.2.0", "documentation" },
	{ "192.0.2.255", "documentation" },
	{ "192.0.3.0", NULL },
	/* 192.31.196.0/24, AS112-v4: reachable */
	{ "192.31.196.0", NULL },
	{ "192.31.196.255", NULL },
	/* 192.52.193.0/24, AMT: reachable */
	{ "192.52.193.0", NULL },
	{ "192.52.193.255", NULL },
	/* 192.88.99.0/24, terminated; 192.88.99.2/32 inside it */
	{ "192.88.99.0", NULL },
	{ "192.88.99.1", NULL },
	{ "192.88.99.2", "6a44-relay" },
	{ "192.88.99.3", NULL },
	{ "192.88.99.255", NULL },
	/* 192.168.0.0/16 */
	{ "192.167.255.255", NULL },
	{ "192.168.0.0", "private-use" },
	{ "192.168.255.255", "private-use" },
	{ "192.169.0.0", NULL },
	/* 192.175.48.0/24, Direct Delegation AS112: reachable */
	{ "192.175.48.0", NULL },
	{ "192.175.48.255", NULL },
	/* 198.18.0.0/15 */
	{ "198.17.255.255", NULL },
	{ "198.18.0.0", "benchmarking" },
	{ "198.19.255.255", "benchmarking" },
	{ "198.20.0.0", NULL },
	/* 198.51.100.0/24 */
	{ "198.51.99.255", NULL },
	{ "198.51.100.0", "documentation" },
	{ "198.51.100.255", "documentation" },
	{ "198.51.101.0", NULL },
	/* 203.0.113.0/24 */
	{ "203.0.112.255", NULL },
	{ "203.0.113.0", "documentation" },
	{ "203.0.113.255", "documentation" },
	{ "203.0.114.0", NULL },
	/* 224.0.0.0/4, 240.0.0.0/4, 255.255.255.255/32 */
	{ "223.255.255.255", NULL },
	{ "224.0.0.0", "multicast" },
	{ "239.255.255.255", "multicast" },
	{ "240.0.0.0", "reserved" },
	{ "255.255.255.254", "reserved" },
	{ "255.255.255.255", "limited-broadcast" },
	/* Ordinary addresses. */
	{ "1.1.1.1", NULL },
	{ "8.8.8.8", NULL },
	{ "9.9.9.9", NULL },
	{ "193.0.14.129", NULL },
	{ "223.5.5.5", NULL },
};

static const struct row rows6[] = {
	/* ::/128, ::1/128 */
	{ "::", "unspecified" },
	{ "::1", "loopback" },
	{ "::2", NULL },
	/* ::ffff:0:0/96 */
	{ "::fffe:ffff:ffff", NULL },
	{ "::ffff:0:0", "ipv4-mapped" },
	{ "::ffff:8.8.8.8", "ipv4-mapped" },
	{ "::ffff:10.0.0.1", "ipv4-mapped" },
	{ "::ffff:ffff:ffff", "ipv4-mapped" },
	{ "::1:0:0:0", NULL },
	/* 64:ff9b::/96, well-known NAT64 prefix: reachable */
	{ "64:ff9b::", NULL },
	{ "64:ff9b::808:808", NULL },
	{ "64:ff9b::ffff:ffff", NULL },
	/* 64:ff9b:1::/48 */
	{ "64:ff9b:0:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "64:ff9b:1::", "local-use-nat64" },
	{ "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "local-use-nat64" },
	{ "64:ff9b:2::", NULL },
	/* 100::/64, 100:0:0:1::/64 */
	{ "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "100::", "discard-only" },
	{ "100::ffff:ffff:ffff:ffff", "discard-only" },
	{ "100:0:0:1::", "dummy" },
	{ "100:0:0:1:ffff:ffff:ffff:ffff", "dummy" },
	{ "100:0:0:2::", NULL },
	/* 2001::/23 and the rows inside it */
	{ "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "2001::", "teredo" },
	{ "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", "teredo" },
	{ "2001:1::", "ietf-protocol-assignment" },
	{ "2001:1::1", NULL },
	{ "2001:1::2", NULL },
	{ "2001:1::3", NULL },
	{ "2001:1::4", "ietf-protocol-assignment" },
	{ "2001:1:ffff:ffff:ffff:ffff:ffff:ffff",
	    "ietf-protocol-assignment" },
	{ "2001:2::", "benchmarking" },
	{ "2001:2:0:ffff:ffff:ffff:ffff:ffff", "benchmarking" },
	{ "2001:2:1::", "ietf-protocol-assignment" },
	{ "2001:2:ffff:ffff:ffff:ffff:ffff:ffff",
	    "ietf-protocol-assignment" },
	{ "2001:3::", NULL },
	{ "2001:3:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "2001:4::", "ietf-protocol-assignment" },
	{ "2001:4:111:ffff:ffff:ffff:ffff:ffff",
	    "ietf-protocol-assignment" },
	{ "2001:4:112::", NULL },
	{ "2001:4:112:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "2001:4:113::", "ietf-protocol-assignment" },
	{ "2001:10::", "ietf-protocol-assignment" },
	{ "2001:1f:ffff:ffff:ffff:ffff:ffff:ffff",
	    "ietf-protocol-assignment" },
	{ "2001:20::", NULL },
	{ "2001:2f:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "2001:30::", NULL },
	{ "2001:3f:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "2001:40::", "ietf-protocol-assignment" },
	{ "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
	    "ietf-protocol-assignment" },
	{ "2001:200::", NULL },
	/* 2001:db8::/32 */
	{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "2001:db8::", "documentation" },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation" },
	{ "2001:db9::", NULL },
	/* 2002::/16 */
	{ "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "2002::", "6to4" },
	{ "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "6to4" },
	{ "2003::", NULL },
	/* 2620:4f:8000::/48, Direct Delegation AS112: reachable */
	{ "2620:4f:8000::", NULL },
	{ "2620:4f:8000:ffff:ffff:ffff:ffff:ffff", NULL },
	/* 3fff::/20 */
	{ "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "3fff::", "documentation" },
	{ "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", "documentation" },
	{ "3fff:1000::", NULL },
	/* 5f00::/16 */
	{ "5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "5f00::", "srv6-sid" },
	{ "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "srv6-sid" },
	{ "5f01::", NULL },
	/* fc00::/7 */
	{ "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "fc00::", "unique-local" },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unique-local" },
	{ "fe00::", NULL },
	/* fe80::/10 */
	{ "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "fe80::", "link-local" },
	{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local" },
	{ "fec0::", NULL },
	/* ff00::/8 */
	{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "ff00::", "multicast" },
	{ "ff02::1", "multicast" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast" },
	/* Ordinary addresses. */
	{ "2001:4860:4860::8888", NULL },
	{ "2606:4700:4700::1111", NULL },
	{ "2a00:1450:4001::1", NULL },
	{ "2c0f:fb50:4003::1", NULL },
};

/* Check every row; report all mismatches before failing. */
static void
check_rows(int family, const struct row *r, size_t n)
{
	uint8_t a[16];
	size_t i, bad = 0;

	for (i = 0; i < n; i++) {
		const char *got;

		assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6,
		    r[i].addr, a), 1);
		got = special_address(family, a);
		if ((got == NULL) != (r[i].expect == NULL) ||
		    (got != NULL && strcmp(got, r[i].expect) != 0)) {
			print_error("%s: %s, expected %s\n", r[i].addr,
			    got ? got : "NULL",
			    r[i].expect ? r[i].expect : "NULL");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_ipv4(void **state)
{
	(void)state;
	check_rows(4, rows4, N(rows4));
}

static void
test_ipv6(void **state)
{
	(void)state;
	check_rows(6, rows6, N(rows6));
}

static void
test_other_family(void **state)
{
	static const uint8_t a[16] = { 10 };

	(void)state;
	/* The bytes of 10.0.0.0 count only as an IPv4 address. */
	assert_null(special_address(0, a));
	assert_null(special_address(46, a));
	assert_null(special_address(-4, a));
	assert_string_equal(special_address(4, a), "private-use");
}

/* Names go into JSON and into "<name> address": one plain token. */
static void
check_name(const char *s)
{
	const char *p;

	assert_true(s[0] != '\0' && s[0] != '-');
	assert_true(s[strlen(s) - 1] != '-');
	for (p = s; *p != '\0'; p++)
		assert_true((*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-');
}

static void
test_names_are_tokens(void **state)
{
	uint8_t a[16];
	size_t i;

	(void)state;
	for (i = 0; i < N(rows4); i++) {
		const char *got;

		assert_int_equal(inet_pton(AF_INET, rows4[i].addr, a), 1);
		if ((got = special_address(4, a)) != NULL)
			check_name(got);
	}
	for (i = 0; i < N(rows6); i++) {
		const char *got;

		assert_int_equal(inet_pton(AF_INET6, rows6[i].addr, a), 1);
		if ((got = special_address(6, a)) != NULL)
			check_name(got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_other_family),
		cmocka_unit_test(test_names_are_tokens),
	};

	return cmocka_run_group_tests_name("special", tests, NULL, NULL);
}
