/* Special-purpose addresses the internet cannot reach (IANA registries). */
#ifndef MXQ_SPECIAL_H
#define MXQ_SPECIAL_H

#include <stdint.h>

/*
 * The IANA special-purpose registry entry that addr falls in, when that
 * entry is not reachable from the internet, as a short lower-case
 * phrase ("private-use", "loopback", "documentation", "shared-cgn", ...),
 * or NULL for an address the internet can reach.  family is 4 (4 bytes
 * at addr) or 6 (16 bytes).  Static string.
 *
 * The sources are the IANA IPv4 and IPv6 Special-Purpose Address
 * Registries (RFC 6890 and its updates): an address is special when the
 * most specific entry it falls in says Globally Reachable "False" or
 * "N/A" (Teredo, 6to4).  Multicast (224.0.0.0/4, ff00::/8) is special
 * too, though not in those registries.  Entries that say "True" (AS112,
 * AMT, PCP and TURN anycast, 64:ff9b::/96, ORCHIDv2, ...) and terminated
 * ones (192.88.99.0/24) give NULL.
 *
 * Names are one token of lower-case letters, digits and hyphens, named
 * after the registry entry with "address", "prefix" and "block" left
 * out, so that "<name> address" reads as a phrase; the same kind of
 * address has the same name in both families:
 *
 *	unspecified  this-network  loopback  private-use  shared-cgn
 *	link-local  ietf-protocol-assignment  service-continuity  dummy
 *	nat64-discovery  documentation  6a44-relay  benchmarking
 *	multicast  reserved  limited-broadcast  ipv4-mapped
 *	local-use-nat64  discard-only  teredo  6to4  srv6-sid
 *	unique-local
 *
 * An IPv4-mapped IPv6 address is "ipv4-mapped" whatever IPv4 address
 * it holds.  Any other family gives NULL.
 */
const char *special_address(int family, const uint8_t *addr);

#endif
