/*
 * Special-purpose addresses: the IANA IPv4 and IPv6 Special-Purpose
 * Address Registries (RFC 6890), as of their 2025 contents, plus
 * multicast.  One longest-prefix match over a small table.
 */
#include <stddef.h>
#include <stdint.h>

#include "mxq/special.h"

struct prefix {
	uint8_t net[16];	/* host bits zero, else the row never matches */
	uint8_t len;
	const char *name;	/* NULL: globally reachable */
};

/*
 * A row with a NULL name is a globally reachable block inside a special
 * one; globally reachable entries outside any special block need no row:
 *	192.31.196.0/24		AS112-v4 (RFC 7535)
 *	192.52.193.0/24		AMT (RFC 7450)
 *	192.175.48.0/24		Direct Delegation AS112 Service (RFC 7534)
 *	192.88.99.0/24		6to4 relay anycast, deprecated (RFC 7526);
 *				the entry is terminated and says nothing
 *	64:ff9b::/96		well-known NAT64 prefix (RFC 6052)
 *	2620:4f:8000::/48	Direct Delegation AS112 Service (RFC 7534)
 * Neighbouring registry entries with the same answer are one row here
 * (192.0.0.170/31, 2001:1::2/127, 2001:20::/27), so that the bounds of
 * every row show in the answers and a test can catch a wrong one.
 */
static const struct prefix v4[] = {
	/* "This network", RFC 791 section 3.2 */
	{ { 0, 0, 0, 0 }, 8, "this-network" },
	/* "This host on this network", RFC 1122 section 3.2.1.3 */
	{ { 0, 0, 0, 0 }, 32, "unspecified" },
	/* RFC 1918 */
	{ { 10, 0, 0, 0 }, 8, "private-use" },
	/* Shared Address Space for carrier-grade NAT, RFC 6598 */
	{ { 100, 64, 0, 0 }, 10, "shared-cgn" },
	/* RFC 1122 section 3.2.1.3 */
	{ { 127, 0, 0, 0 }, 8, "loopback" },
	/* RFC 3927 */
	{ { 169, 254, 0, 0 }, 16, "link-local" },
	/* RFC 1918 */
	{ { 172, 16, 0, 0 }, 12, "private-use" },
	/* RFC 6890 section 2.1; usable only through the rows inside it */
	{ { 192, 0, 0, 0 }, 24, "ietf-protocol-assignment" },
	/* IPv4 Service Continuity Prefix (DS-Lite), RFC 7335 */
	{ { 192, 0, 0, 0 }, 29, "service-continuity" },
	/* IPv4 dummy address, RFC 7600 */
	{ { 192, 0, 0, 8 }, 32, "dummy" },
	/* Port Control Protocol anycast, RFC 7723: reachable */
	{ { 192, 0, 0, 9 }, 32, NULL },
	/* TURN anycast, RFC 8155: reachable */
	{ { 192, 0, 0, 10 }, 32, NULL },
	/* 192.0.0.170/32 and .171/32, RFC 8880, RFC 7050 section 2.2 */
	{ { 192, 0, 0, 170 }, 31, "nat64-discovery" },
	/* TEST-NET-1, RFC 5737 */
	{ { 192, 0, 2, 0 }, 24, "documentation" },
	/* 6a44-relay anycast address, RFC 6751 */
	{ { 192, 88, 99, 2 }, 32, "6a44-relay" },
	/* RFC 1918 */
	{ { 192, 168, 0, 0 }, 16, "private-use" },
	/* RFC 2544 (the range as corrected by RFC 6815) */
	{ { 198, 18, 0, 0 }, 15, "benchmarking" },
	/* TEST-NET-2, RFC 5737 */
	{ { 198, 51, 100, 0 }, 24, "documentation" },
	/* TEST-NET-3, RFC 5737 */
	{ { 203, 0, 113, 0 }, 24, "documentation" },
	/* RFC 5771; not in the special-purpose registry */
	{ { 224, 0, 0, 0 }, 4, "multicast" },
	/* RFC 1112 section 4 */
	{ { 240, 0, 0, 0 }, 4, "reserved" },
	/* RFC 919 section 7, RFC 8190 */
	{ { 255, 255, 255, 255 }, 32, "limited-broadcast" },
};

static const struct prefix v6[] = {
	/* ::/128, RFC 4291 */
	{ { 0 }, 128, "unspecified" },
	/* ::1/128, RFC 4291 */
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128,
	    "loopback" },
	/* ::ffff:0:0/96, RFC 4291 */
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 96, "ipv4-mapped" },
	/* 64:ff9b:1::/48, local-use IPv4/IPv6 translation, RFC 8215 */
	{ { 0, 0x64, 0xff, 0x9b, 0, 1 }, 48, "local-use-nat64" },
	/* 100::/64, RFC 6666 */
	{ { 1, 0 }, 64, "discard-only" },
	/* 100:0:0:1::/64, Dummy IPv6 Prefix, RFC 9780 */
	{ { 1, 0, 0, 0, 0, 0, 0, 1 }, 64, "dummy" },
	/* 2001::/23, RFC 2928; usable only through the rows inside it */
	{ { 0x20, 0x01 }, 23, "ietf-protocol-assignment" },
	/* 2001::/32, RFC 4380, RFC 8190: reachability "N/A" */
	{ { 0x20, 0x01, 0, 0 }, 32, "teredo" },
	/* 2001:1::1/128, Port Control Protocol anycast, RFC 7723 */
	{ { 0x20, 0x01, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128,
	    NULL },
	/*
	 * 2001:1::2/128, TURN anycast, RFC 8155; 2001:1::3/128, DNS-SD
	 * Service Registration Protocol anycast, RFC 9665.
	 */
	{ { 0x20, 0x01, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 }, 127,
	    NULL },
	/* 2001:2::/48, RFC 5180 */
	{ { 0x20, 0x01, 0, 2, 0, 0 }, 48, "benchmarking" },
	/* 2001:3::/32, AMT, RFC 7450 */
	{ { 0x20, 0x01, 0, 3 }, 32, NULL },
	/* 2001:4:112::/48, AS112-v6, RFC 7535 */
	{ { 0x20, 0x01, 0, 4, 0x01, 0x12 }, 48, NULL },
	/*
	 * 2001:20::/28, ORCHIDv2, RFC 7343; 2001:30::/28, drone remote ID
	 * entity tags, RFC 9374.  2001:10::/28, ORCHID, is terminated.
	 */
	{ { 0x20, 0x01, 0, 0x20 }, 27, NULL },
	/* 2001:db8::/32, RFC 3849 */
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, "documentation" },
	/* 2002::/16, RFC 3056: reachability "N/A" */
	{ { 0x20, 0x02 }, 16, "6to4" },
	/* 3fff::/20, RFC 9637 */
	{ { 0x3f, 0xff, 0 }, 20, "documentation" },
	/* 5f00::/16, Segment Routing (SRv6) SIDs, RFC 9602 */
	{ { 0x5f, 0x00 }, 16, "srv6-sid" },
	/* fc00::/7, RFC 4193, RFC 8190 */
	{ { 0xfc }, 7, "unique-local" },
	/* fe80::/10, RFC 4291 */
	{ { 0xfe, 0x80 }, 10, "link-local" },
	/* ff00::/8, RFC 4291; not in the special-purpose registry */
	{ { 0xff }, 8, "multicast" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Whether addr lies in p (host bits of p are zero; p->len is at most 8 times
 * the address size): whole bytes first, then the bits left, if any.
 */
static int
in_prefix(const uint8_t *addr, const struct prefix *p)
{
	unsigned int bits = p->len;
	size_t i;

	for (i = 0; bits >= 8; i++, bits -= 8)
		if (addr[i] != p->net[i])
			return 0;
	return bits == 0 || (addr[i] & (0xff00u >> bits)) == p->net[i];
}

const char *
special_address(int family, const uint8_t *addr)
{
	const struct prefix *t, *best = NULL;
	size_t n, i;

	if (family == 4) {
		t = v4;
		n = N(v4);
	} else if (family == 6) {
		t = v6;
		n = N(v6);
	} else
		return NULL;
	/* Longest match: the rows nest, and the innermost one speaks. */
	for (i = 0; i < n; i++)
		if (in_prefix(addr, &t[i]) &&
		    (best == NULL || t[i].len > best->len))
			best = &t[i];
	return best == NULL ? NULL : best->name;
}
