#!/usr/bin/python3
"""Generate synthetic mail domains for mxq's batch benchmark.

    gen_zones.py [--count N] [--seed S] [--zones Z] [--pool P] [--prefix P]
                 [--survey-count N] [--dead F] [--servfail F] OUTDIR

writes into OUTDIR:

    zones/PREFIXk.test.zone   Z zone files holding the domains (k = 0..Z-1)
    zones/PREFIXpool.test.zone  the pool of shared exchanges (P hosts)
    input.txt                 the N query names, one per line, shuffled
    expected.jsonl            one JSON object per input name:
                                {"domain", "verdict", "mx": [[pref, exchange,
                                 [addresses...]], ...]} sorted
    queries.txt               dnsperf input: MX of every input name, A and
                              AAAA of every distinct exchange
    summary.json              counts per verdict, exchanges, addresses
    survey-input.txt          the survey scenario's input (bench/run.py
                              --survey): --survey-count names (default
                              --count), of which the share --dead are dead
                              names and the share --servfail SERVFAIL
                              names, the rest the first names of input.txt,
                              shuffled together

Dead and SERVFAIL names are recognisable by their first label alone:
"dead-N" and "servfail-N" (DEAD_PREFIX, SERVFAIL_PREFIX), under the
generated zones.  They are in no zone file: bench/delay_proxy.py, in front
of knotd, never answers the first and answers SERVFAIL to the second
(--dead-prefix, --servfail-prefix).  The generated labels never contain a
hyphen, so no other name starts so.  Writing the survey input uses a
random generator of its own: the zones, input.txt and expected.jsonl are
the same with or without it.

Verdicts (mxq's JSON names): "mx" (1-5 exchanges), "implicit-mx" (NODATA,
the domain has addresses), "no-mx" (NODATA, no address), "null-mx"
(RFC 7505), "nxdomain" (the name is in no zone file, under a served apex).

About a third of the exchanges are hosts of the shared pool, in their own
zone: the MX answer carries no address for them (knotd adds additional
records from the answer's own zone only).  In-zone exchanges have one or two
A records and, most of the time, AAAA records.  Everything is deterministic
for a given seed.  Addresses are data, served by knotd on loopback and never
contacted.  They must be globally reachable, or mxq would report every
domain as having no route from the internet (and print findings): IPv4
addresses cycle through the AS112 and AMT blocks 192.31.196.0/24,
192.175.48.0/24 and 192.52.193.0/24 (768 addresses, so IPv4 addresses
repeat across hosts, as at hosting companies); IPv6 addresses are distinct,
in 2001:4:112::/48.
"""

import argparse
import ipaddress
import json
import os
import random
import sys

WORDS = ("acme", "alpha", "atlas", "blue", "cedar", "delta", "echo", "fjord",
         "gamma", "harbor", "iris", "jade", "kilo", "lumen", "maple", "nova",
         "orbit", "pine", "quartz", "river", "sierra", "tango", "umber",
         "vale", "willow", "xenon", "yonder", "zephyr")
PREFS = (0, 5, 10, 10, 10, 20, 20, 30, 40, 50, 100)
IN_ZONE_LABELS = ("mx", "mail", "smtp", "in", "relay", "mx-a", "mx-b", "post")
DEAD_PREFIX = "dead-"
SERVFAIL_PREFIX = "servfail-"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("outdir")
    p.add_argument("--count", type=int, default=10000,
                   help="query names to generate (default 10000)")
    p.add_argument("--seed", type=int, default=5, help="random seed")
    p.add_argument("--zones", type=int, default=0,
                   help="zone files for the domains (default: 1 per 2500 "
                        "names, 2 to 8)")
    p.add_argument("--pool", type=int, default=200,
                   help="shared exchange hosts (default 200)")
    p.add_argument("--prefix", default="bench",
                   help="zone names are PREFIX0.test ... and PREFIXpool.test")
    p.add_argument("--nxdomain", type=float, default=0.03)
    p.add_argument("--nodata", type=float, default=0.04,
                   help="fraction NODATA; half with an address (implicit MX)")
    p.add_argument("--nullmx", type=float, default=0.02)
    p.add_argument("--shared", type=float, default=1 / 3,
                   help="fraction of exchanges taken from the pool")
    p.add_argument("--survey-count", type=int, default=0,
                   help="names in survey-input.txt (default --count)")
    p.add_argument("--dead", type=float, default=0.10,
                   help="share of dead names in the survey (default 0.10)")
    p.add_argument("--servfail", type=float, default=0.05,
                   help="share of SERVFAIL names in the survey "
                        "(default 0.05)")
    a = p.parse_args(argv)
    if a.count < 1 or a.pool < 5:
        p.error("--count must be >= 1 and --pool >= 5")
    a.survey_count = a.survey_count or a.count
    if not (0 <= a.dead and 0 <= a.servfail and a.dead + a.servfail <= 1):
        p.error("--dead and --servfail must be shares from 0 to 1")
    n_bad = int(round(a.survey_count * a.dead)) + \
        int(round(a.survey_count * a.servfail))
    if a.survey_count - n_bad > a.count:
        p.error("--survey-count leaves more healthy names than --count")
    if a.zones <= 0:
        a.zones = min(8, max(2, a.count // 2500))
    return a


V4_BLOCKS = ("192.31.196.", "192.175.48.", "192.52.193.")


class Addr:
    """Hands out addresses in canonical text form: IPv4 ones cycle through
    V4_BLOCKS (hosts 1-254), IPv6 ones are distinct."""

    def __init__(self):
        self.v4 = 0
        self.v6 = int(ipaddress.IPv6Address("2001:4:112:100::25"))

    def a(self):
        self.v4 += 1
        n = self.v4 % (254 * len(V4_BLOCKS))
        return "%s%d" % (V4_BLOCKS[n // 254], n % 254 + 1)

    def aaaa(self):
        self.v6 += 1 << 16
        return str(ipaddress.IPv6Address(self.v6))


def soa(origin):
    return ["$ORIGIN %s" % origin, "$TTL 3600",
            "@\tSOA\tns1 hostmaster 1 7200 3600 1209600 300",
            "@\tNS\tns1", "ns1\tA\t192.0.2.53", ""]


def host_records(rel, addrs):
    out = []
    for addr in addrs:
        out.append("%s\t%s\t%s" % (rel, "AAAA" if ":" in addr else "A", addr))
    return out


def addr_set(rng, alloc, aaaa_prob=0.6):
    addrs = [alloc.a() for _ in range(2 if rng.random() < 0.15 else 1)]
    if rng.random() < aaaa_prob:
        addrs += [alloc.aaaa() for _ in range(2 if rng.random() < 0.1 else 1)]
    return addrs


def addr_key(a):
    ip = ipaddress.ip_address(a)
    return (ip.version, int(ip))


def generate(a):
    rng = random.Random(a.seed)
    alloc = Addr()
    zones = ["%s%d.test." % (a.prefix, k) for k in range(a.zones)]
    pool_zone = "%spool.test." % a.prefix
    lines = {z: soa(z) for z in zones}
    lines[pool_zone] = soa(pool_zone)

    pool = []
    for i in range(a.pool):
        rel = "mx%03d" % i
        addrs = [alloc.a()]
        if rng.random() < 0.7:
            addrs.append(alloc.aaaa())
        lines[pool_zone] += host_records(rel, addrs)
        pool.append((rel + "." + pool_zone, sorted(addrs, key=addr_key)))

    kinds = []
    n_nx = int(round(a.count * a.nxdomain))
    n_nodata = int(round(a.count * a.nodata))
    n_null = int(round(a.count * a.nullmx))
    kinds += ["nxdomain"] * n_nx
    kinds += ["implicit-mx"] * (n_nodata - n_nodata // 2)
    kinds += ["no-mx"] * (n_nodata // 2)
    kinds += ["null-mx"] * n_null
    kinds += ["mx"] * (a.count - len(kinds))
    rng.shuffle(kinds)

    expected = []
    queries_a = {}          # exchange name -> None (ordered set)
    n_ex = n_shared = n_addr = 0
    for i, kind in enumerate(kinds):
        zone = zones[i % len(zones)]
        label = "%s%d" % (WORDS[rng.randrange(len(WORDS))], i)
        domain = label + "." + zone
        zl = lines[zone]
        mx = []
        if kind == "nxdomain":
            pass                      # in no zone file: knotd says NXDOMAIN
        elif kind == "implicit-mx":
            addrs = addr_set(rng, alloc, aaaa_prob=0.5)
            zl += host_records(label, addrs)
            mx = [[0, domain, sorted(addrs, key=addr_key)]]
            queries_a[domain] = None
        elif kind == "no-mx":
            zl.append('%s\tTXT\t"no mail here"' % label)
        elif kind == "null-mx":
            zl.append("%s\tMX\t0 ." % label)
            mx = [[0, ".", []]]
        else:
            n = rng.choice((1, 1, 1, 2, 2, 2, 3, 3, 4, 5))
            shared = rng.sample(pool, n)
            used = set()
            for k in range(n):
                pref = rng.choice(PREFS)
                if rng.random() < a.shared:
                    name, addrs = shared[k]
                    n_shared += 1
                else:
                    while True:
                        base = rng.choice(IN_ZONE_LABELS)
                        rel = "%s%d.%s" % (base, k + 1, label)
                        if rel not in used:
                            break
                    used.add(rel)
                    name = rel + "." + zone
                    addrs = sorted(addr_set(rng, alloc), key=addr_key)
                    zl += host_records(rel, addrs)
                zl.append("%s\tMX\t%d %s" % (label, pref, name))
                mx.append([pref, name, addrs])
                queries_a[name] = None
                n_ex += 1
                n_addr += len(addrs)
            mx.sort(key=lambda m: (m[0], m[1]))
        expected.append({"domain": domain.rstrip("."), "verdict": kind,
                         "mx": mx})

    return lines, expected, list(queries_a), {
        "count": a.count, "seed": a.seed, "zones": len(zones) + 1,
        "pool": a.pool, "verdicts": {k: kinds.count(k) for k in sorted(
            set(kinds))},
        "exchanges": n_ex, "shared_exchanges": n_shared,
        "exchange_addresses": n_addr}


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    lines, expected, exchanges, summary = generate(a)
    zdir = os.path.join(a.outdir, "zones")
    os.makedirs(zdir, exist_ok=True)
    for zone, zl in lines.items():
        with open(os.path.join(zdir, zone.rstrip(".") + ".zone"), "w") as f:
            f.write("\n".join(zl) + "\n")
    order = list(range(len(expected)))
    random.Random(a.seed + 1).shuffle(order)
    with open(os.path.join(a.outdir, "input.txt"), "w") as f:
        for i in order:
            f.write(expected[i]["domain"] + "\n")
    with open(os.path.join(a.outdir, "expected.jsonl"), "w") as f:
        for i in order:
            f.write(json.dumps(expected[i], separators=(",", ":")) + "\n")
    with open(os.path.join(a.outdir, "queries.txt"), "w") as f:
        for i in order:
            f.write("%s MX\n" % expected[i]["domain"])
        for name in exchanges:
            f.write("%s A\n%s AAAA\n" % (name.rstrip("."), name.rstrip(".")))
    n_dead = int(round(a.survey_count * a.dead))
    n_sf = int(round(a.survey_count * a.servfail))
    n_zones = summary["zones"] - 1
    survey = [expected[i]["domain"] for i in order][
        :a.survey_count - n_dead - n_sf]
    survey += ["%s%d.%s%d.test" % (DEAD_PREFIX, i, a.prefix, i % n_zones)
               for i in range(n_dead)]
    survey += ["%s%d.%s%d.test" % (SERVFAIL_PREFIX, i, a.prefix,
                                   i % n_zones) for i in range(n_sf)]
    random.Random(a.seed + 2).shuffle(survey)
    with open(os.path.join(a.outdir, "survey-input.txt"), "w") as f:
        f.write("\n".join(survey) + "\n")
    summary["survey"] = {"count": len(survey), "dead": n_dead,
                         "servfail": n_sf,
                         "healthy": len(survey) - n_dead - n_sf}
    with open(os.path.join(a.outdir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
        f.write("\n")
    print("gen_zones: %d names (%s), %d exchanges (%d from the pool of %d), "
          "%d zones in %s" % (
              a.count, ", ".join("%d %s" % (v, k) for k, v in
                                 summary["verdicts"].items()),
              summary["exchanges"], summary["shared_exchanges"], a.pool,
              summary["zones"], zdir), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
