#!/usr/bin/python3
"""What mxq's checks cost: round trips, batch rate and the SMTP probe.

    /usr/bin/python3 bench/checks.py [--quick] [--only rtt,batch,smtp]
                                     [--json-out FILE] [--keep] [--mxq PATH]

Three measurements, each against peers measured in the same run (the
machine is shared; ratios within one run are what to compare), every
server started here on loopback (127.0.0.0/8, ::1) and stopped again:

1. Round trips per check (part "rtt").  knotd serves rtt.test (MX ->
   exchanges with A, AAAA and TLSA, NS -> two name servers on 127.0.77.1
   and .2) and the reverse zones of the exchange addresses (PTR -> a name
   whose A/AAAA hold the address; addresses in the globally reachable AS112
   blocks 192.31.196.0/24 and 2001:4:112::/48).  bench/delay_proxy.py holds
   every packet 10 ms each way (20 ms round trip) and strips A/AAAA from
   the additional section (answers without glue); one more proxy on each
   name-server address (same delay) forwards to the same knotd, so that
   the direct queries of --ns cross a round trip too.  mxq is asked
   "@proxy -p <ns port> -j DOMAIN" with nothing, -x, --dnssec, --dane,
   --ns and all checks at once; each is a new process (no cache survives a
   run; knotd has none).  The peers are the dig commands an admin would
   type one after the other for the same check (sh loops in DIG_SCRIPTS),
   through the same proxies.  Each command also runs straight against
   knotd (no delay): "net" RTTs are (wall - direct wall) / RTT, which
   removes process start-up.  The RTT unit is the median of 30 SOA queries
   through the proxy.  knotd counts the queries of every run (mod-stats).
   No validating resolver is used: knotd answers authoritatively, the AD
   bit stays clear and --dnssec/--dane report "insecure"; the questions
   asked, and so the round trips, are the same.  A second table repeats
   the mxq rows through a proxy that leaves the glue in.
2. Batch (part "batch").  10,000 generated domains (zone batch.test, seed
   7; exchanges in the domain's zone or in a shared pool, A from
   192.31.196.0/24 (shared, as at hosting companies) or 192.52.193.0/24,
   AAAA from 2001:4:112::/48 and 2620:4f:8000::/48, TLSA for some, PTRs
   for most addresses, a few null MX, implicit MX and NXDOMAIN names)
   against knotd on loopback without delay: mxq -j -v -f with nothing,
   -x, --dane and -x --dane, round robin, median of 3.  Every output is
   checked: verdict as generated, every address's PTR and every exchange's
   TLSA answered definitively (ok, nxdomain or nodata).  Queries per domain
   from mxq's -v summary (and knotd's count), peak RSS from /usr/bin/time.
3. SMTP probe (part "smtp").  tests/system/smtpd.py's servers (aiosmtpd,
   STARTTLS, test CA) and a validating resolver (tests/system/diag.py)
   with one more zone, slowbatch.test.  slow.smtp.test has three
   exchanges that greet after 0.4, 0.8 and 1.2 s: mxq --smtp --private
   against a sequential sh loop of posttls-finger (-c -l secure, the
   certificate verified as mxq does) and one of "openssl s_client
   -starttls smtp" over the same three servers (given the addresses: no
   DNS for them).  Then a batch: 50 domains d00..d49.slowbatch.test, each
   MX 10 slow1.smtp.test, 20 slow2.smtp.test (100 probes, 60 s of greeting
   delay in all) with --smtp-concurrency 5, 20 (the default) and 100; the
   servers' own log gives the most connections open at once.

Options: --quick (fewer repeats and 2,000 batch domains, about a minute),
--rtt-repeats N (default 7), --batch-repeats N (3), --batch-count N
(10000), --smtp-repeats N (5), --smtp-batch-repeats N (3), --only PARTS,
--delay-ms MS (10 each way), --json-out FILE (every figure), --keep (keep
the temporary directory), --mxq PATH (default ./mxq, rebuilt with "make
WERROR=1" when older than its sources, then copied: others may rebuild it
meanwhile).  Needs the Debian packages knot, knot-dnsutils (knotc),
bind9-dnsutils (dig), unbound, postfix (posttls-finger), openssl, time,
python3-aiosmtpd, python3-cryptography, python3-dnspython.

Nothing is sent beyond loopback: every server asked is started here, mxq
is always given @127.0.0.1, the NS records point to 127.0.77.1 and .2,
the SMTP exchanges to 127.0.0.31-33; the exchange addresses of parts 1
and 2 are only data (no --smtp there).  Every process started is stopped
by its PID (also on ^C or SIGTERM) and the temporary directory removed.
Output: markdown tables on stdout, progress on stderr.
"""

import argparse
import ipaddress
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SYSTEST = os.path.join(ROOT, "tests", "system")
PY = "/usr/bin/python3"
for _p in (SYSTEST, HERE):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from knot import free_port, query_rcode  # noqa: E402
from knotd import BenchKnot  # noqa: E402

STARTED = []            # subprocess.Popen objects to stop by PID at exit
NS_ADDRS = ("127.0.77.1", "127.0.77.2")
DEFINITIVE = ("ok", "nxdomain", "nodata")


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr,
          flush=True)


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(x, spec="%.2f"):
    return "-" if x is None else spec % x


def stop_proc(p, timeout=5):
    if p.poll() is None:
        try:
            os.kill(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.kill(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()


def exact_wall(argv, timeout=120, env=None):
    """(seconds, stdout, stderr, exit status) of a short command."""
    t0 = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=timeout, env=env)
    return (time.monotonic() - t0, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"), p.returncode)


def timed_run(argv, stdout_path, tmpdir, timeout=600):
    """Run argv under GNU time: (wall s, peak RSS KB, user+sys s or None,
    rc, stderr text)."""
    tfile = os.path.join(tmpdir, "time.out")
    full = ["/usr/bin/time", "-f", "%M %U %S", "-o", tfile] + list(argv)
    with open(stdout_path, "wb") as out:
        t0 = time.monotonic()
        p = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.PIPE, start_new_session=True)
        STARTED.append(p)
        try:
            _, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_proc(p)
            raise
        wall = time.monotonic() - t0
    rss, cpu = 0, None
    with open(tfile) as f:
        for line in f:
            m = re.match(r"^(\d+) ([\d.]+) ([\d.]+)$", line.strip())
            if m:
                rss = int(m.group(1))
                cpu = float(m.group(2)) + float(m.group(3))
    return wall, rss, cpu, p.returncode, err.decode("utf-8", "replace")


def start_proxy(tmpdir, upstream, listen="127.0.0.1", port=0, delay_ms=10,
                strip=True, name="proxy"):
    logf = open(os.path.join(tmpdir, "%s.log" % name), "ab")
    argv = [PY, os.path.join(HERE, "delay_proxy.py"), "--upstream",
            upstream, "--listen", listen, "--port", str(port),
            "--delay-ms", str(delay_ms), "--max-seconds", "3600"]
    if strip:
        argv.append("--strip-additional")
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=logf,
                         stdin=subprocess.DEVNULL, text=True,
                         start_new_session=True)
    logf.close()
    STARTED.append(p)
    line = p.stdout.readline()
    if not line.strip().isdigit():
        stop_proc(p)
        raise RuntimeError("delay_proxy.py did not start on %s port %d "
                           "(log %s.log)" % (listen, port, name))
    return p, int(line)


class ChecksKnot(BenchKnot):
    """bench/knotd.py's knotd (query counters), on several loopback
    addresses at once (the resolver address and the name servers')."""

    tmp_prefix = "mxq-checks-knot-"

    def __init__(self, zone_dirs, addresses, port, timeout=120.0):
        super().__init__(zone_dirs, addresses[0], port, timeout=timeout)
        self.addresses = tuple(addresses)

    def total(self):
        return sum(v for k, v in self.stats().items() if ":" not in k)


def copy_mxq(a, tmpdir):
    path = a.mxq
    if path == os.path.join(ROOT, "mxq"):
        newest = max(os.path.getmtime(os.path.join(d, f))
                     for top in ("src", "include")
                     for d, _, fs in os.walk(os.path.join(ROOT, top))
                     for f in fs)
        newest = max(newest, os.path.getmtime(os.path.join(ROOT,
                                                           "Makefile")))
        if not os.path.exists(path) or os.path.getmtime(path) < newest:
            log("./mxq is older than its sources: make WERROR=1")
            subprocess.run(["make", "WERROR=1"], cwd=ROOT, check=True,
                           stdout=sys.stderr)
    dst = os.path.join(tmpdir, "mxq")
    shutil.copy2(path, dst)
    return dst


# ---------------------------------------------------------------------------
# Part 1: round trips per check.

RTT_DOMAINS = (("one.rtt.test.", 1), ("three.rtt.test.", 3))
TLSA_HEX = "5d172d126c3a36c5563916eee2ad97e5e851675d1c2c07af39492ae9e8fc36b6"


def rtt_zones(zdir):
    os.makedirs(zdir)
    lines = ["$ORIGIN rtt.test.", "$TTL 300",
             "@ SOA ns1 hostmaster 2026120101 7200 3600 1209600 300",
             "@ NS ns1", "@ NS ns2",
             "ns1 A %s" % NS_ADDRS[0], "ns2 A %s" % NS_ADDRS[1]]
    ptr4, ptr6 = [], []
    n = 0
    for dom, nex in RTT_DOMAINS:
        label = dom.split(".")[0]
        for i in range(nex):
            n += 1
            ex = "mx%d-%s" % (i + 1, label)
            a4 = "192.31.196.%d" % (60 + n)
            a6 = "2001:4:112:7e57::%d" % (60 + n)
            host = "out%d" % (60 + n)       # the PTR name: not the exchange
            lines += ["%s MX %d %s" % (label, 10 * (i + 1), ex),
                      "%s A %s" % (ex, a4), "%s AAAA %s" % (ex, a6),
                      "_25._tcp.%s TLSA 3 1 1 %s" % (ex, TLSA_HEX),
                      "%s A %s" % (host, a4), "%s AAAA %s" % (host, a6)]
            ptr4.append((a4, host + ".rtt.test."))
            ptr6.append((a6, host + ".rtt.test."))
    with open(os.path.join(zdir, "rtt.test.zone"), "w") as f:
        f.write("\n".join(lines) + "\n")
    for zone, recs in (("196.31.192.in-addr.arpa.", ptr4),
                       ("2.1.1.0.4.0.0.0.1.0.0.2.ip6.arpa.", ptr6)):
        t = ["$ORIGIN %s" % zone, "$TTL 300",
             "@ SOA ns1.rtt.test. hostmaster.rtt.test. 1 7200 3600 "
             "1209600 300", "@ NS ns1.rtt.test."]
        t += ["%s. PTR %s" % (ipaddress.ip_address(a).reverse_pointer, h)
              for a, h in recs]
        with open(os.path.join(zdir, zone + "zone"), "w") as f:
            f.write("\n".join(t) + "\n")


MXQ_CHECKS = (
    ("plain", []),
    ("-x (--ptr)", ["-x"]),
    ("--dnssec", ["--dnssec"]),
    ("--dane", ["--dane"]),
    ("--ns", ["--ns"]),
    ("-x --dane --ns", ["-x", "--dane", "--ns"]),
)

# Requirement: extra round trips over the plain lookup, at most.
REQUIRED = {"-x (--ptr)": 2, "--dnssec": 0, "--dane": 0, "--ns": 3}

# The dig commands an admin types, one after the other.  $1 server, $2
# port, $3 domain, $4 port of the name servers.
_DIG_HEAD = r'''
S=$1 P=$2 D=$3 NP=$4
q() { dig @"$S" -p "$P" +short "$@"; }
qd() { dig @"$S" -p "$P" +dnssec +noall +comments +answer "$@"; }
mx() { q MX "$D" | sort -n | cut -d" " -f2; }
'''
_DIG_NS = r'''
z=$(dig @"$S" -p "$P" +noall +answer +authority SOA "$D" |
    awk '$4 == "SOA" { print $1; exit }')
for n in $(q NS "$z"); do
  for a in $(q A "$n") $(q AAAA "$n"); do
    dig @"$a" -p "$NP" +norec +short SOA "$z"
    dig @"$a" -p "$NP" +norec +short MX "$D"
  done
done
'''
_DIG_PTR = r'''
  for a in $(q A "$x"); do
    for n in $(q -x "$a"); do q A "$n"; done
  done
  for a in $(q AAAA "$x"); do
    for n in $(q -x "$a"); do q AAAA "$n"; done
  done
'''
DIG_SCRIPTS = {
    "plain": _DIG_HEAD + r'''
for x in $(mx); do q A "$x"; q AAAA "$x"; done
''',
    "-x (--ptr)": _DIG_HEAD + r'''
for x in $(mx); do
  q A "$x"; q AAAA "$x"
''' + _DIG_PTR + "done\n",
    "--dnssec": _DIG_HEAD + r'''
m=$(qd MX "$D"); echo "$m"
for x in $(echo "$m" | awk '$4 == "MX" { print $6 }'); do
  qd A "$x"; qd AAAA "$x"
done
''',
    "--dane": _DIG_HEAD + r'''
m=$(qd MX "$D"); echo "$m"
for x in $(echo "$m" | awk '$4 == "MX" { print $6 }'); do
  qd A "$x"; qd AAAA "$x"; qd TLSA "_25._tcp.$x"
done
''',
    "--ns": _DIG_HEAD + r'''
for x in $(mx); do q A "$x"; q AAAA "$x"; done
''' + _DIG_NS,
    "-x --dane --ns": _DIG_HEAD + r'''
m=$(qd MX "$D"); echo "$m"
for x in $(echo "$m" | awk '$4 == "MX" { print $6 }'); do
  qd A "$x"; qd AAAA "$x"; qd TLSA "_25._tcp.$x"
''' + _DIG_PTR + "done\n" + _DIG_NS,
}
DIG_WHAT = {
    "plain": "MX; A, AAAA per exchange",
    "-x (--ptr)": "MX; A, AAAA per exchange; -x per address; A/AAAA of "
                  "each PTR name",
    "--dnssec": "+dnssec: MX; A, AAAA per exchange (AD flag read)",
    "--dane": "+dnssec: MX; A, AAAA, TLSA _25._tcp per exchange",
    "--ns": "MX; A, AAAA per exchange; SOA (zone); NS; A, AAAA per NS; "
            "+norec SOA and MX @ each NS address",
    "-x --dane --ns": "the --dane, -x and --ns chains together (MX once)",
}


def check_mxq_json(text, nex, opts):
    """'' if the output is complete for the options, else why not."""
    try:
        o = json.loads(text)
    except ValueError:
        return "no JSON"
    if o.get("verdict") != "mx" or len(o.get("exchanges", [])) != nex:
        return "verdict %s, %d exchanges" % (o.get("verdict"),
                                              len(o.get("exchanges", [])))
    for e in o["exchanges"]:
        if len(e["addresses"]) != 2:
            return "%s: %d addresses" % (e["exchange"], len(e["addresses"]))
        for ad in e["addresses"]:
            if "-x" in opts and not (ad.get("ptr") or {}).get("confirmed"):
                return "%s: PTR not confirmed" % ad["address"]
            if ("--dnssec" in opts or "--dane" in opts) and \
                    ad.get("dnssec") is None:
                return "%s: no DNSSEC status" % ad["address"]
        if "--dane" in opts and not (e.get("dane") or {}).get("tlsa"):
            return "%s: no TLSA" % e["exchange"]
    if "--ns" in opts:
        servers = (o.get("ns") or {}).get("servers") or []
        if len(servers) != 2 or any(s["status"] != "ok" or s["serial"]
                                    is None for s in servers):
            return "--ns: %s" % json.dumps(o.get("ns"))[:200]
    return ""


def part_rtt(a, tmp, mxq, res):
    zdir = os.path.join(tmp, "rtt-zones")
    rtt_zones(zdir)
    addrs = ("127.0.0.1",) + NS_ADDRS
    pk = free_port(addrs)
    knot = ChecksKnot([zdir], addrs, pk)
    procs = []
    try:
        knot.start()
        log("rtt: knotd pid %d on %s port %d" % (knot.pid, ", ".join(addrs),
                                                  pk))
        up = "127.0.0.1:%d" % pk
        pns = free_port(NS_ADDRS)
        for i, ad in enumerate(NS_ADDRS):
            procs.append(start_proxy(tmp, up, ad, pns, a.delay_ms, True,
                                     "proxy-ns%d" % (i + 1))[0])
        p, pm = start_proxy(tmp, up, "127.0.0.1", 0, a.delay_ms, True,
                            "proxy-noglue")
        procs.append(p)
        p, pg = start_proxy(tmp, up, "127.0.0.1", 0, a.delay_ms, False,
                            "proxy-glue")
        procs.append(p)
        times = []
        for port, addr in ((pm, "127.0.0.1"), (pns, NS_ADDRS[0])):
            t = []
            for _ in range(30):
                t0 = time.monotonic()
                if query_rcode(addr, port, "rtt.test.", timeout=1) == 0:
                    t.append(time.monotonic() - t0)
            times.append(med(t))
        rtt = times[0]
        res["rtt_ms"] = rtt * 1000
        res["rtt_ns_ms"] = times[1] * 1000
        log("rtt: round trip %.2f ms through the proxy, %.2f ms through "
            "a name-server proxy" % (rtt * 1000, times[1] * 1000))
        # Runs: (domain, tool, check, path) -> lists
        runs = {}

        def record(key, wall, queries, elapsed=None, bad=""):
            r = runs.setdefault(key, {"wall": [], "queries": [],
                                      "elapsed": [], "bad": []})
            r["wall"].append(wall)
            r["queries"].append(queries)
            if elapsed is not None:
                r["elapsed"].append(elapsed)
            if bad:
                r["bad"].append(bad)

        def counted(argv):
            before = knot.total()
            w, out, err, rc = exact_wall(argv)
            return w, out, knot.total() - before, rc

        for rep in range(a.rtt_repeats):
            log("rtt: round %d/%d (load %s)" % (rep + 1, a.rtt_repeats,
                                                 loadavg()))
            for dom, nex in RTT_DOMAINS:
                for check, opts in MXQ_CHECKS:
                    for path, server, nsport in (
                            ("proxy", "127.0.0.1:%d" % pm, pns),
                            ("direct", "127.0.0.1:%d" % pk, pk),
                            ("glue", "127.0.0.1:%d" % pg, pns)):
                        argv = [mxq, "@" + server, "-p", str(nsport), "-j",
                                dom] + opts
                        w, out, nq, rc = counted(argv)
                        try:
                            el = json.loads(out)["elapsed_ms"]
                        except (ValueError, KeyError):
                            el = None
                        record((dom, "mxq", check, path), w, nq, el,
                               check_mxq_json(out, nex, opts))
                    for path, port, nsport in (("proxy", pm, pns),
                                               ("direct", pk, pk)):
                        w, out, nq, rc = counted(
                            ["sh", "-c", DIG_SCRIPTS[check], "sh",
                             "127.0.0.1", str(port), dom, str(nsport)])
                        record((dom, "dig", check, path), w, nq,
                               bad="" if rc == 0 and out.strip()
                               else "rc %d, output %r" % (rc, out[:80]))
        rows = []
        for dom, nex in RTT_DOMAINS:
            for tool in ("mxq", "dig"):
                for check, _ in MXQ_CHECKS:
                    for path in ("proxy", "glue"):
                        key = (dom, tool, check, path)
                        if key not in runs:
                            continue
                        r = runs[key]
                        d = runs[(dom, tool, check, "direct")]
                        w, dw = med(r["wall"]), med(d["wall"])
                        rows.append({
                            "domain": dom, "exchanges": nex, "tool": tool,
                            "check": check, "glue": path == "glue",
                            "runs": len(r["wall"]),
                            "bad_runs": len(r["bad"]) + len(d["bad"]),
                            "bad_examples": (r["bad"] + d["bad"])[:2],
                            "wall_ms": w * 1000, "direct_ms": dw * 1000,
                            "rtt_wall": w / rtt, "rtt_net": (w - dw) / rtt,
                            "elapsed_ms": med(r["elapsed"]),
                            "rtt_elapsed": (med(r["elapsed"]) / 1000 / rtt)
                            if r["elapsed"] else None,
                            "queries": med(r["queries"]),
                            "queries_all": sorted(set(r["queries"])),
                        })
        res["rtt_rows"] = rows
    finally:
        for p in procs:
            stop_proc(p)
        knot.stop()


def print_rtt(res):
    rtt = res["rtt_ms"]
    rows = res["rtt_rows"]
    print("### 1. Round trips per check: one domain through the delay "
          "proxy, answers without glue (RTT %.2f ms; median of %d runs)\n"
          % (rtt, rows[0]["runs"]))
    print("RTT = median of 30 SOA queries through the proxy (%.2f ms "
          "through a name-server proxy). \"net\" = (wall - wall of the same "
          "command straight to knotd) / RTT; \"own\" = mxq's elapsed_ms / "
          "RTT; \"extra\" = net RTTs minus those of the plain lookup (same "
          "tool, same domain); queries = counted by knotd per run.\n"
          % res["rtt_ns_ms"])
    print("| domain | check | mxq wall ms | mxq RTTs wall | mxq RTTs net "
          "| mxq own | mxq extra | mxq queries | dig chain wall ms | "
          "dig RTTs wall | dig RTTs net | dig extra | dig queries | "
          "dig net / mxq net | complete runs |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:"
          "|---:|---:|")
    by = {(r["domain"], r["tool"], r["check"], r["glue"]): r for r in rows}
    for dom, _ in RTT_DOMAINS:
        for check, _ in MXQ_CHECKS:
            m = by[(dom, "mxq", check, False)]
            g = by[(dom, "dig", check, False)]
            m0 = by[(dom, "mxq", "plain", False)]
            g0 = by[(dom, "dig", "plain", False)]
            print("| %s | %s | %.1f | %.2f | %.2f | %s | %+.2f | %s | %.1f "
                  "| %.2f | %.2f | %+.2f | %s | %.1fx | %d/%d, %d/%d |" % (
                      dom, check, m["wall_ms"], m["rtt_wall"], m["rtt_net"],
                      fmt(m["rtt_elapsed"]), m["rtt_net"] - m0["rtt_net"],
                      fmt(m["queries"], "%g"), g["wall_ms"], g["rtt_wall"],
                      g["rtt_net"], g["rtt_net"] - g0["rtt_net"],
                      fmt(g["queries"], "%g"),
                      g["rtt_net"] / m["rtt_net"] if m["rtt_net"] > 0
                      else float("nan"),
                      m["runs"] * 2 - m["bad_runs"], m["runs"] * 2,
                      g["runs"] * 2 - g["bad_runs"], g["runs"] * 2))
    print()
    print("dig chains (sh loops, one dig after the other): " + "; ".join(
        "%s: %s" % (k, v) for k, v in DIG_WHAT.items()) + ".\n")
    print("#### Requirement: extra round trips over the plain lookup "
          "(mxq, net RTTs and own elapsed_ms)\n")
    print("| check | allowed | %s | |" % " | ".join(
        "%s: net / own" % d for d, _ in RTT_DOMAINS))
    print("|---|---:|%s---|" % ("---:|" * len(RTT_DOMAINS)))
    verdicts = {}
    for check, limit in REQUIRED.items():
        cells = []
        ok = True
        for dom, _ in RTT_DOMAINS:
            m = by[(dom, "mxq", check, False)]
            m0 = by[(dom, "mxq", "plain", False)]
            net = m["rtt_net"] - m0["rtt_net"]
            own = (m["rtt_elapsed"] - m0["rtt_elapsed"]) \
                if m["rtt_elapsed"] is not None and \
                m0["rtt_elapsed"] is not None else None
            # Whole round trips: the fraction is process and proxy jitter.
            ok &= round(net) <= limit and (own is None or
                                           round(own) <= limit)
            cells.append("%+.2f / %s" % (net, fmt(own, "%+.2f")))
        verdicts[check] = ok
        print("| %s | %d | %s | %s |" % (check, limit, " | ".join(cells),
                                         "met" if ok else "NOT met"))
    res["rtt_requirement_met"] = verdicts
    print()
    print("#### The same mxq runs through a proxy that leaves the glue in "
          "(A/AAAA of in-zone exchanges in the MX answer)\n")
    print("| domain | check | wall ms | RTTs wall | RTTs net | own | "
          "queries | complete runs |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for dom, _ in RTT_DOMAINS:
        for check, _ in MXQ_CHECKS:
            m = by[(dom, "mxq", check, True)]
            print("| %s | %s | %.1f | %.2f | %.2f | %s | %s | %d/%d |" % (
                dom, check, m["wall_ms"], m["rtt_wall"], m["rtt_net"],
                fmt(m["rtt_elapsed"]), fmt(m["queries"], "%g"),
                m["runs"] * 2 - m["bad_runs"], m["runs"] * 2))
    print()
    bad = [r for r in rows if r["bad_runs"]]
    for r in bad:
        print("- incomplete: %s %s %s%s: %s" % (
            r["domain"], r["tool"], r["check"], " (glue)" if r["glue"]
            else "", "; ".join(r["bad_examples"])))
    if bad:
        print()


# ---------------------------------------------------------------------------
# Part 2: batch.

def batch_zones(zdir, count, seed=7):
    """batch.test (the domains), mxpool.test (200 shared exchanges),
    hosting.test (PTR names of the shared hosting addresses) and four
    reverse zones.  Returns (input names, expected verdicts)."""
    os.makedirs(zdir)
    rng = random.Random(seed)
    soa = "@ SOA ns1.batch.test. hostmaster.batch.test. 1 7200 3600 " \
          "1209600 300\n@ NS ns1.batch.test.\n"
    rev4 = {"196.31.192.in-addr.arpa.": [], "193.52.192.in-addr.arpa.": []}
    rev6 = {"2.1.1.0.4.0.0.0.1.0.0.2.ip6.arpa.": [],
            "0.0.0.8.f.4.0.0.0.2.6.2.ip6.arpa.": []}
    # Shared hosting addresses: 192.31.196.1-254; 90 % have a PTR to
    # hN.hosting.test, of which 95 % resolve back.
    hosting = []
    for i in range(1, 255):
        ad = "192.31.196.%d" % i
        if rng.random() < 0.9:
            rev4["196.31.192.in-addr.arpa."].append((ad, "h%d.hosting.test."
                                                     % i))
            back = ad if rng.random() < 0.95 else "192.31.196.%d" % (
                255 - i)
            hosting.append("h%d A %s" % (i, back))
    # The pool: 200 hosts, A 192.52.193.N, AAAA 2620:4f:8000::N, PTR to
    # themselves; TLSA for half.
    pool = []
    for i in range(1, 201):
        h = "p%d" % i
        a4, a6 = "192.52.193.%d" % i, "2620:4f:8000::%x" % i
        pool += ["%s A %s" % (h, a4), "%s AAAA %s" % (h, a6)]
        if i % 2:
            pool.append("_25._tcp.%s TLSA 3 1 1 %s" % (h, TLSA_HEX))
        rev4["193.52.192.in-addr.arpa."].append((a4, h + ".mxpool.test."))
        rev6["0.0.0.8.f.4.0.0.0.2.6.2.ip6.arpa."].append(
            (a6, h + ".mxpool.test."))
    lines, names, expected = [], [], {}
    for n in range(count):
        d = "d%05d" % n
        fq = d + ".batch.test."
        names.append(fq)
        r = rng.random()
        if r < 0.02:
            expected[fq] = "nxdomain"       # in no zone file
            continue
        if r < 0.04:
            lines.append("%s MX 0 ." % d)
            expected[fq] = "null-mx"
            continue
        if r < 0.06:
            lines.append("%s A 192.31.196.%d" % (d, rng.randint(1, 254)))
            lines.append("%s TXT \"no mx\"" % d)
            expected[fq] = "implicit-mx"
            continue
        expected[fq] = "mx"
        for k in range(rng.choice((1, 1, 2, 2, 2, 3))):
            pref = 10 * (k + 1)
            if rng.random() < 0.35:
                lines.append("%s MX %d p%d.mxpool.test." % (
                    d, pref, rng.randint(1, 200)))
                continue
            ex = "mx%d.%s" % (k + 1, d)
            lines.append("%s MX %d %s" % (d, pref, ex))
            lines.append("%s A 192.31.196.%d" % (ex, rng.randint(1, 254)))
            if rng.random() < 0.6:
                a6 = "2001:4:112:%x:%x::25" % (n, k + 1)
                lines.append("%s AAAA %s" % (ex, a6))
                if rng.random() < 0.9:
                    rev6["2.1.1.0.4.0.0.0.1.0.0.2.ip6.arpa."].append(
                        (a6, ex + ".batch.test."))
            if rng.random() < 0.4:
                lines.append("_25._tcp.%s TLSA 3 1 1 %s" % (ex, TLSA_HEX))
    files = {
        "batch.test.": "ns1 A 127.0.0.1\n" + "\n".join(lines),
        "mxpool.test.": "\n".join(pool),
        "hosting.test.": "\n".join(hosting),
    }
    for zone, recs in list(rev4.items()) + list(rev6.items()):
        files[zone] = "\n".join(
            "%s. PTR %s" % (ipaddress.ip_address(ad).reverse_pointer, h)
            for ad, h in recs)
    for zone, body in files.items():
        with open(os.path.join(zdir, zone + "zone"), "w") as f:
            f.write("$ORIGIN %s\n$TTL 3600\n%s%s\n" % (zone, soa, body))
    rng.shuffle(names)
    return names, expected


BATCH_MODES = (("plain", []), ("-x", ["-x"]), ("--dane", ["--dane"]),
               ("-x --dane", ["-x", "--dane"]))


def check_batch(path, expected, opts):
    """(complete, verdict counts, problems)"""
    verdicts, problems, complete = {}, [], 0
    seen = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            q = o["query"]
            seen.add(q)
            v = o["verdict"]
            verdicts[v] = verdicts.get(v, 0) + 1
            why = ""
            if v != expected.get(q):
                why = "verdict %s, expected %s" % (v, expected.get(q))
            for e in o["exchanges"] if v == "mx" else []:
                if e["status"] not in DEFINITIVE:
                    why = why or "%s: %s" % (e["exchange"], e["status"])
                if "--dane" in opts and ((e.get("dane") or {}).get(
                        "status") not in DEFINITIVE):
                    why = why or "%s: TLSA %s" % (e["exchange"],
                                                  e.get("dane"))
                for ad in e["addresses"]:
                    if "-x" in opts and (ad.get("ptr") or {}).get(
                            "status") not in DEFINITIVE:
                        why = why or "%s: PTR %s" % (ad["address"],
                                                     ad.get("ptr"))
            if why:
                problems.append("%s %s" % (q, why))
            else:
                complete += 1
    missing = set(expected) - seen
    problems += ["%s: missing" % m for m in sorted(missing)[:5]]
    return complete, verdicts, problems


def part_batch(a, tmp, mxq, res):
    zdir = os.path.join(tmp, "batch-zones")
    names, expected = batch_zones(zdir, a.batch_count)
    inp = os.path.join(tmp, "batch-input.txt")
    with open(inp, "w") as f:
        f.write("\n".join(n.rstrip(".") for n in names) + "\n")
    pk = free_port(("127.0.0.1",))
    knot = ChecksKnot([zdir], ("127.0.0.1",), pk)
    rows = {m: {"wall": [], "rss": [], "cpu": [], "queries": [],
                "knot_queries": [], "complete": [], "verdicts": None,
                "problems": [], "retries": [], "summary": ""}
            for m, _ in BATCH_MODES}
    try:
        knot.start()
        log("batch: knotd pid %d port %d, %d names" % (knot.pid, pk,
                                                       len(names)))
        out = os.path.join(tmp, "batch-out.jsonl")
        # One warm-up run, not counted (page cache, knotd's first answers).
        timed_run([mxq, "@127.0.0.1", "-p", str(pk), "-j", "-f", inp],
                  out, tmp)
        for rep in range(a.batch_repeats):
            log("batch: round %d/%d (load %s)" % (rep + 1, a.batch_repeats,
                                                   loadavg()))
            for mode, opts in BATCH_MODES:
                before = knot.total()
                wall, rss, cpu, rc, err = timed_run(
                    [mxq, "@127.0.0.1", "-p", str(pk), "-j", "-v",
                     "--no-progress", "-f", inp] + opts, out, tmp)
                kq = knot.total() - before
                r = rows[mode]
                r["wall"].append(wall)
                r["rss"].append(rss)
                if cpu is not None:
                    r["cpu"].append(cpu)
                r["knot_queries"].append(kq)
                m = re.search(r";; (\d+) queries, (\d+) retries", err)
                if m:
                    r["queries"].append(int(m.group(1)))
                    r["retries"].append(int(m.group(2)))
                summ = [ln for ln in err.splitlines()
                        if ln.startswith(";; ")]
                r["summary"] = " / ".join(summ[-2:])
                comp, verd, probs = check_batch(out, expected, opts)
                r["complete"].append(comp)
                r["verdicts"] = verd
                r["problems"] += probs[:3]
                log("batch: %s: %.3f s, %d/%d complete, %s queries, "
                    "rc %d" % (mode, wall, comp, len(names),
                               m.group(1) if m else "?", rc))
    finally:
        knot.stop()
    n = len(names)
    res["batch"] = {"domains": n, "expected": {
        v: sum(1 for x in expected.values() if x == v)
        for v in sorted(set(expected.values()))}, "rows": rows}


def print_batch(res):
    b = res["batch"]
    n = b["domains"]
    rows = b["rows"]
    base = med(rows["plain"]["wall"])
    print("### 2. Batch: %d domains against knotd on loopback (no delay), "
          "mxq -j -v -f (median of %d runs, round robin)\n"
          % (n, len(rows["plain"]["wall"])))
    print("Generated: %s. \"complete\": verdict as generated and every "
          "exchange's addresses%s answered definitively (ok, nxdomain or "
          "nodata), worst run.\n" % (", ".join(
              "%d %s" % (c, v) for v, c in b["expected"].items()),
              ", PTR (-x) and TLSA (--dane)"))
    print("| mode | complete (worst run) | verdicts | queries/domain (mxq "
          "-v) | queries/domain (knotd) | retries | wall s (runs) | "
          "domains/s | vs plain | CPU ms/domain | peak RSS MB (max) |")
    print("|---|---:|---|---:|---:|---:|---|---:|---:|---:|---:|")
    for mode, _ in BATCH_MODES:
        r = rows[mode]
        w = med(r["wall"])
        print("| mxq %s | %d/%d | %s | %s | %.2f | %s | %s | %.0f | %.2fx "
              "| %s | %.1f |" % (
                  "-j" if mode == "plain" else "-j " + mode,
                  min(r["complete"]), n,
                  " ".join("%s %d" % kv for kv in sorted(
                      r["verdicts"].items())),
                  fmt(med(r["queries"]) / n if r["queries"] else None),
                  med(r["knot_queries"]) / n,
                  " ".join(str(x) for x in r["retries"]) or "-",
                  " ".join("%.2f" % x for x in sorted(r["wall"])),
                  n / w, base / w,
                  fmt(med(r["cpu"]) * 1000 / n if r["cpu"] else None,
                      "%.4f"),
                  max(r["rss"]) / 1024))
    print()
    for mode, _ in BATCH_MODES:
        if rows[mode]["problems"]:
            print("- %s: %s" % (mode, "; ".join(rows[mode]["problems"][:5])))
    print("- mxq -v summary of the last -x --dane run: `%s`" %
          rows["-x --dane"]["summary"])
    print()


# ---------------------------------------------------------------------------
# Part 3: the SMTP probe.

SLOW = (("slow1.smtp.test", "127.0.0.31"), ("slow2.smtp.test", "127.0.0.32"),
        ("slow3.smtp.test", "127.0.0.33"))
PTF_LOOP = r'''
C=$1 P=$2 F=$3; shift 3
for hp in "$@"; do
  n=${hp%@*} a=${hp#*@}
  MAIL_CONFIG=$C /usr/sbin/posttls-finger -c -h native -l secure -F "$F" \
    -o smtp_dns_support_level=disabled -o smtp_address_preference=any \
    -o smtp_tls_servername="$n" "[$a]:$P" "$n" </dev/null 2>&1
done
'''
SCLIENT_LOOP = r'''
P=$1 F=$2; shift 2
for hp in "$@"; do
  n=${hp%@*} a=${hp#*@}
  openssl s_client -starttls smtp -brief -connect "$a:$P" \
    -servername "$n" -CAfile "$F" -verify_hostname "$n" \
    -name client.mxq.test </dev/null 2>&1
done
'''


def max_open(events):
    """Most SMTP connections open at once, from the servers' events."""
    marks = []
    opened = {}
    for e in events:
        if e.kind == "connect":
            opened[(e.server, e.conn)] = e.time
            marks.append((e.time, 1))
        elif e.kind == "close" and (e.server, e.conn) in opened:
            marks.append((e.time, -1))
    cur = best = 0
    for _, d in sorted(marks, key=lambda m: (m[0], m[1])):
        cur += d
        best = max(best, cur)
    return best


def part_smtp(a, tmp, mxq, res):
    import smtpd
    from diag import Resolver
    nb = a.smtp_batch
    zone = ["$ORIGIN slowbatch.test.", "$TTL 300",
            "@ SOA ns1.smtp.test. hostmaster.smtp.test. 1 7200 3600 "
            "1209600 300", "@ NS ns1.smtp.test."]
    for i in range(nb):
        zone += ["d%02d MX 10 slow1.smtp.test." % i,
                 "d%02d MX 20 slow2.smtp.test." % i]
    bed = smtpd.SmtpTestbed(dns=False)
    resolver = None
    cfdir = os.path.join(tmp, "posttls-finger")
    os.makedirs(cfdir)
    cf = os.path.join(cfdir, "main.cf")
    open(cf, "w").close()
    old = time.time() - 3600            # Postfix waits for a fresh main.cf
    os.utime(cf, (old, old))
    try:
        bed.start()
        resolver = Resolver(extra_zone_dirs=[smtpd.SMTP_ZONES_DIR],
                            zone_texts={"slowbatch.test.":
                                        "\n".join(zone) + "\n"},
                            extra_signed_zones=smtpd.SIGNED_SMTP_ZONES)
        resolver.start()
        log("smtp: SMTP port %d, HTTPS port %d, resolver 127.0.0.1 port %d"
            % (bed.port, bed.https_port, resolver.port))
        base = [mxq, "@127.0.0.1", "-p", str(resolver.port), "--smtp",
                "--private", "--smtp-port", str(bed.port), "--https-port",
                str(bed.https_port), "--cafile", bed.cafile]
        hosts = ["%s@%s" % s for s in SLOW]
        single = {"mxq": [], "posttls-finger": [], "s_client": []}
        bad = {k: [] for k in single}
        elapsed = []
        opens = []
        exact_wall(base + ["-j", "slow.smtp.test"])     # warm unbound
        for rep in range(a.smtp_repeats):
            log("smtp: single-domain round %d/%d (load %s)" % (
                rep + 1, a.smtp_repeats, loadavg()))
            mark = bed.mark()
            w, out, err, rc = exact_wall(base + ["-j", "slow.smtp.test"])
            opens.append(max_open(bed.events(since=mark)))
            single["mxq"].append(w)
            try:
                o = json.loads(out)
                elapsed.append(o["elapsed_ms"])
                probes = [ad.get("smtp") or {} for e in o["exchanges"]
                          for ad in e["addresses"]]
                okp = [p for p in probes if p.get("status") == "ok"]
                if len(okp) != 3:
                    bad["mxq"].append("probes: %s" % json.dumps(probes)[
                        :300])
            except (ValueError, KeyError) as e:
                bad["mxq"].append("rc %d %r %s" % (rc, e, err[:200]))
            w, out, err, rc = exact_wall(["sh", "-c", PTF_LOOP, "sh", cfdir,
                                          str(bed.port), bed.cafile]
                                         + hosts)
            single["posttls-finger"].append(w)
            if out.count("Verified TLS connection established") != 3:
                bad["posttls-finger"].append(out[-300:])
            w, out, err, rc = exact_wall(["sh", "-c", SCLIENT_LOOP, "sh",
                                          str(bed.port), bed.cafile]
                                         + hosts)
            single["s_client"].append(w)
            if out.count("Verification: OK") != 3:
                bad["s_client"].append(out[-300:])
        res["smtp_single"] = {"wall": single, "elapsed_ms": elapsed,
                              "bad": bad, "max_open": opens,
                              "delays": list(bed.slow_delays)}
        # The batch.
        inp = os.path.join(tmp, "smtp-batch.txt")
        with open(inp, "w") as f:
            f.write("".join("d%02d.slowbatch.test\n" % i for i in range(nb)))
        conc = (5, 20, 100)
        batch = {c: {"wall": [], "ok": [], "max_open": [], "rss": [],
                     "bad": []} for c in conc}
        out_path = os.path.join(tmp, "smtp-batch.jsonl")
        for rep in range(a.smtp_batch_repeats):
            for c in conc:
                log("smtp: batch round %d/%d, --smtp-concurrency %d "
                    "(load %s)" % (rep + 1, a.smtp_batch_repeats, c,
                                   loadavg()))
                mark = bed.mark()
                wall, rss, ru, rc, err = timed_run(
                    base + ["-j", "--no-progress", "--smtp-concurrency",
                            str(c), "-f", inp], out_path, tmp)
                b = batch[c]
                b["wall"].append(wall)
                b["rss"].append(rss)
                b["max_open"].append(max_open(bed.events(since=mark)))
                ok = 0
                with open(out_path) as f:
                    for line in f:
                        o = json.loads(line)
                        for e in o["exchanges"]:
                            for ad in e["addresses"]:
                                if (ad.get("smtp") or {}).get("status") \
                                        == "ok":
                                    ok += 1
                b["ok"].append(ok)
                if rc != 0:
                    b["bad"].append("rc %d %s" % (rc, err[-200:]))
        res["smtp_batch"] = {"domains": nb, "probes": 2 * nb,
                             "delay_total": nb * sum(bed.slow_delays[:2]),
                             "by_concurrency": {str(c): batch[c]
                                                for c in conc}}
    finally:
        if resolver is not None:
            resolver.stop()
        bed.stop()


def print_smtp(res):
    s = res["smtp_single"]
    w = s["wall"]
    mx = med(w["mxq"])
    d = s["delays"]
    print("### 3. SMTP probe: slow.smtp.test, three exchanges greeting "
          "after %s s (median of %d runs)\n" % (
              ", ".join("%.1f" % x for x in d), len(w["mxq"])))
    print("| tool | wall s (runs) | vs mxq | greeting delays (sum / "
          "largest) | complete runs |")
    print("|---|---|---:|---:|---:|")
    labels = {"mxq": "mxq --smtp --private -j (DNS included: MX, A/AAAA, "
                     "TLSA, MTA-STS and TLSRPT TXT)",
              "posttls-finger": "sh loop: posttls-finger -c -l secure per "
                                "server (addresses given, no DNS)",
              "s_client": "sh loop: openssl s_client -starttls smtp -brief "
                          "per server (addresses given, no DNS)"}
    for k in ("mxq", "posttls-finger", "s_client"):
        print("| %s | %s | %.2fx | %.1f / %.1f | %d/%d |" % (
            labels[k], " ".join("%.2f" % x for x in sorted(w[k])),
            med(w[k]) / mx, sum(d), max(d), len(w[k]) - len(s["bad"][k]),
            len(w[k])))
    print()
    print("- mxq's own elapsed_ms: %s (median %s); SMTP connections open "
          "at once at the servers during the mxq runs: %s" % (
              " ".join(str(x) for x in sorted(s["elapsed_ms"])),
              fmt(med(s["elapsed_ms"]), "%g"),
              " ".join(str(x) for x in s["max_open"])))
    for k, v in s["bad"].items():
        for b in v[:2]:
            print("- incomplete %s run: `%s`" % (k, b.replace("\n", " ")))
    print()
    b = res["smtp_batch"]
    print("#### Batch: %d domains, each MX 10 slow1, 20 slow2 (%d probes, "
          "%.0f s of greeting delay in all; median of %d runs)\n" % (
              b["domains"], b["probes"], b["delay_total"],
              len(b["by_concurrency"]["20"]["wall"])))
    print("| --smtp-concurrency | wall s (runs) | domains/s | vs 20 | "
          "delay / concurrency (arithmetic, not measured) | most "
          "connections open at once (servers' log) | probes ok (worst run) "
          "| peak RSS MB |")
    print("|---:|---|---:|---:|---:|---|---:|---:|")
    w20 = med(b["by_concurrency"]["20"]["wall"])
    for c, r in b["by_concurrency"].items():
        wm = med(r["wall"])
        print("| %s | %s | %.1f | %.2fx | %.1f | %s | %d/%d | %.1f |" % (
            c, " ".join("%.2f" % x for x in sorted(r["wall"])),
            b["domains"] / wm, wm / w20,
            max(b["delay_total"] / int(c), 0.8),
            " ".join(str(x) for x in r["max_open"]), min(r["ok"]),
            b["probes"], max(r["rss"]) / 1024))
        for x in r["bad"][:2]:
            print("| | %s |" % x.replace("\n", " "))
    print()


# ---------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="fewer repeats, 2,000 batch domains (about a minute)")
    p.add_argument("--only", default="rtt,batch,smtp",
                   help="parts to run, comma-separated (default all)")
    p.add_argument("--rtt-repeats", type=int, default=7,
                   help="runs per round-trip measurement (default 7)")
    p.add_argument("--batch-repeats", type=int, default=3,
                   help="runs per batch mode, median kept (default 3)")
    p.add_argument("--batch-count", type=int, default=10000,
                   help="domains in the batch (default 10000)")
    p.add_argument("--smtp-repeats", type=int, default=5,
                   help="runs per SMTP probe measurement (default 5)")
    p.add_argument("--smtp-batch-repeats", type=int, default=3,
                   help="runs per --smtp-concurrency value (default 3)")
    p.add_argument("--smtp-batch", type=int, default=50,
                   help="domains in the SMTP batch (default 50)")
    p.add_argument("--delay-ms", type=float, default=10.0,
                   help="proxy delay each way, ms (default 10)")
    p.add_argument("--json-out", help="also write every figure as JSON")
    p.add_argument("--keep", action="store_true",
                   help="keep the temporary directory")
    p.add_argument("--mxq", default=os.path.join(ROOT, "mxq"),
                   help="the binary to measure (default ./mxq)")
    a = p.parse_args(argv)
    if a.quick:
        a.rtt_repeats, a.batch_repeats, a.batch_count = 5, 1, 2000
        a.smtp_repeats, a.smtp_batch_repeats = 3, 1
    parts = [x.strip() for x in a.only.split(",") if x.strip()]
    a.mxq = os.path.abspath(a.mxq)

    def on_signal(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)
    tmp = tempfile.mkdtemp(prefix="mxq-checks-")
    res = {"started_utc": time.strftime("%Y-%m-%d %H:%M UTC",
                                        time.gmtime()),
           "load_start": loadavg()}
    t0 = time.monotonic()
    try:
        mxq = copy_mxq(a, tmp)
        ver = subprocess.run([mxq, "-V"], capture_output=True,
                             text=True).stdout.strip()
        res["mxq_version"] = ver
        try:
            res["tree"] = subprocess.run(
                ["git", "-C", ROOT, "describe", "--always", "--dirty"],
                capture_output=True, text=True).stdout.strip()
        except OSError:
            res["tree"] = "?"
        if "rtt" in parts:
            part_rtt(a, tmp, mxq, res)
        if "batch" in parts:
            part_batch(a, tmp, mxq, res)
        if "smtp" in parts:
            part_smtp(a, tmp, mxq, res)
        res["seconds"] = time.monotonic() - t0
        res["load_end"] = loadavg()
        with open("/proc/cpuinfo") as f:
            cpus = sum(1 for ln in f if ln.startswith("processor"))
        print("mxq checks benchmark, %s; %s, tree %s; %d CPUs, load "
              "average %s at the start, %s at the end; %.0f s in all\n" % (
                  res["started_utc"], ver.splitlines()[0] if ver else "?",
                  res["tree"], cpus, res["load_start"], res["load_end"],
                  res["seconds"]))
        if "rtt" in parts:
            print_rtt(res)
        if "batch" in parts:
            print_batch(res)
        if "smtp" in parts:
            print_smtp(res)
        if a.json_out:
            with open(a.json_out, "w") as f:
                json.dump(res, f, indent=1, default=str)
        return 0
    finally:
        for pr in STARTED:
            if pr.poll() is None:
                stop_proc(pr)
        if a.keep:
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
