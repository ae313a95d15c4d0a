#!/usr/bin/python3
"""mxq batch and latency benchmark against its peers, on loopback only.

    bench/run.py [--quick] [--count N] [--big-count N] [--sample N] ...

One command: generates synthetic zones (bench/gen_zones.py), starts knotd on
127.0.53.1 port 53 (adnshost cannot ask any other port; the address is a
loopback address of our own), runs mxq and its peers over the same input,
checks every output against the expected results, measures, prints tables,
then stops everything it started (by PID) and removes its temporary files.
See bench/README.md for the meaning of every column.
"""

import argparse
import datetime
import ipaddress
import json
import os
import platform
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
sys.path.insert(0, HERE)
from knotd import BenchKnot, KnotError, query_rcode  # noqa: E402

PY = "/usr/bin/python3"
STARTED = []            # every Popen we start, stopped by PID at the end


def log(msg):
    print("bench: %s" % msg, file=sys.stderr, flush=True)


# ---- running and measuring ---------------------------------------------

class Run:
    """One measured command: wall time, CPU of it and its children, RSS."""

    def __init__(self, argv, stdin=None, stdout=None, stderr=None,
                 timeout=600, env=None, tmpdir=None):
        fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
        fout = open(stdout, "wb") if stdout else subprocess.DEVNULL
        ferr = open(stderr, "wb") if stderr else subprocess.DEVNULL
        # Peak RSS from GNU time: a child forked from this Python process
        # inherits Python's RSS high-water mark through exec, so wait4's
        # ru_maxrss would report Python, not the tool.  CPU times come from
        # wait4 (microseconds; GNU time prints hundredths).
        tfile = tempfile.NamedTemporaryFile(prefix="mxq-bench-time-",
                                            dir=tmpdir, delete=False)
        tfile.close()
        argv = ["/usr/bin/time", "-f", "%M", "-o", tfile.name] + list(argv)
        try:
            t0 = time.monotonic()
            p = subprocess.Popen(argv, stdin=fin, stdout=fout, stderr=ferr,
                                 env=env, start_new_session=True)
            STARTED.append(p)
            deadline = t0 + timeout
            while True:
                pid, status, ru = os.wait4(p.pid, os.WNOHANG)
                if pid == p.pid:
                    break
                if time.monotonic() > deadline:
                    os.kill(p.pid, signal.SIGKILL)
                    pid, status, ru = os.wait4(p.pid, 0)
                    status = -1
                    break
                time.sleep(0.0005 if time.monotonic() - t0 < 0.5 else 0.01)
            self.wall = time.monotonic() - t0
            p.returncode = os.waitstatus_to_exitcode(status) \
                if status != -1 else -9
            self.rc = p.returncode
            self.user = ru.ru_utime
            self.sys = ru.ru_stime
            self.maxrss_kb = 0
            with open(tfile.name) as f:
                for line in f:
                    if line.strip().isdigit():
                        self.maxrss_kb = int(line)
        finally:
            os.unlink(tfile.name)
            for f in (fin, fout, ferr):
                if hasattr(f, "close"):
                    f.close()


def exact_wall(argv, timeout=60):
    """Wall time of a short command, output discarded; (seconds, stdout)."""
    t0 = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=timeout)
    return time.monotonic() - t0, p.stdout.decode("utf-8", "replace")


def udp_rcvbuf_errors():
    """The kernel's count of UDP datagrams dropped for a full receive
    buffer, all sockets of the machine (/proc/net/snmp)."""
    try:
        with open("/proc/net/snmp") as f:
            rows = [ln.split() for ln in f if ln.startswith("Udp:")]
        return int(rows[1][rows[0].index("RcvbufErrors")])
    except (OSError, IndexError, ValueError):
        return 0


def socket_drops(address, port=53):
    """Datagrams dropped by the UDP sockets bound to address:port."""
    try:
        out = subprocess.run(["ss", "-uamnH", "src", "%s:%d" % (address,
                                                               port)],
                             capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return 0
    return sum(int(m) for m in re.findall(r"\bd(\d+)\)", out))


def stop_all():
    for p in STARTED:
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
                p.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait(timeout=5)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass


# ---- expected results and output parsers --------------------------------

def load_expected(path):
    exp = {}
    with open(path) as f:
        for line in f:
            o = json.loads(line)
            exp[o["domain"].lower()] = o
    return exp


def norm(name):
    name = name.lower()
    return name if name.endswith(".") else name + "."


def canon_addr(a):
    try:
        return str(ipaddress.ip_address(a))
    except ValueError:
        return a


def new_result():
    return {"rc": None, "mx": set(), "addrs": {}, "verdict": None}


def parse_mxq_short(out, err):
    res = {}
    with open(out, errors="replace") as f:
        for line in f:
            p = line.split()
            if len(p) != 4:
                continue
            dom = p[0].rstrip(".").lower()
            r = res.setdefault(dom, new_result())
            r["rc"] = "NOERROR"
            ex = norm(p[2])
            r["mx"].add((int(p[1]), ex))
            s = r["addrs"].setdefault(ex, set())
            if p[3] != "-":
                s.add(canon_addr(p[3]))
    for dom, r in res.items():
        if r["mx"] == {(0, dom + ".")}:
            r["verdict"] = "implicit-mx"
            r["mx"] = set()
        else:
            r["verdict"] = "mx"
    with open(err, errors="replace") as f:
        for line in f:
            m = re.match(r"mxq: (?:line \d+: )?(\S+?)\.?: (.*)$", line)
            if not m:
                continue
            dom, msg = m.group(1).lower(), m.group(2)
            r = res.setdefault(dom, new_result())
            if "NXDOMAIN" in msg:
                r["rc"], r["verdict"] = "NXDOMAIN", "nxdomain"
            elif "null MX" in msg:
                r["rc"], r["verdict"] = "NOERROR", "null-mx"
                r["mx"] = {(0, ".")}
            elif "no MX records and no address" in msg:
                r["rc"], r["verdict"] = "NOERROR", "no-mx"
            else:
                r["rc"], r["verdict"] = "error", "error: " + msg
    return res


def parse_mxq_json(out):
    res = {}
    with open(out, errors="replace") as f:
        for line in f:
            try:
                o = json.loads(line)
            except ValueError:
                continue
            r = new_result()
            r["verdict"] = o.get("verdict")
            r["rc"] = o.get("rcode") or "error"
            dom = o["domain"].rstrip(".").lower()
            for e in o.get("exchanges", []):
                ex = norm(e["exchange"])
                if r["verdict"] not in ("implicit-mx", "no-mx"):
                    r["mx"].add((e["preference"], ex))
                if ex != ".":
                    r["addrs"][ex] = {canon_addr(a["address"])
                                      for a in e.get("addresses", [])}
            res[dom] = r
    return res


def parse_adns(paths):
    """adnshost -a (--fmt-asynch) output: header lines, then RR lines."""
    res = {}
    for path in paths:
        with open(path, errors="replace") as f:
            for line in f:
                p = line.split()
                if len(p) >= 6 and p[0].isdigit() and p[1].isdigit():
                    dom = p[5].rstrip(".").lower()
                    r = res.setdefault(dom, new_result())
                    r["rc"] = {"ok": "NOERROR", "nodata": "NOERROR",
                               "nxdomain": "NXDOMAIN"}.get(p[4], p[4])
                elif len(p) >= 4 and p[1] == "MX":
                    dom = p[0].rstrip(".").lower()
                    r = res.setdefault(dom, new_result())
                    ex = norm(p[3])
                    r["mx"].add((int(p[2]), ex))
                    if "(" in p:
                        toks = p[p.index("(") + 1:]
                        addrs = {canon_addr(toks[i + 1])
                                 for i in range(0, len(toks) - 1, 2)
                                 if toks[i] in ("INET", "INET6")}
                        if ex != ".":
                            r["addrs"][ex] = addrs
    return res


def parse_dig(path):
    """dig or kdig text output, many replies one after the other."""
    res = {}
    r = None
    section = None
    status = None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.search(r"->>HEADER<<-.*status: (\w+)", line)
            if m:
                status, r, section = m.group(1), None, "header"
                continue
            m = re.match(r";;? ?(\w+) SECTION:", line)
            if m:
                section = m.group(1)
                continue
            if section == "QUESTION" and line.startswith(";"):
                m = re.match(r";+\s*(\S+)\s+IN\s+MX", line)
                if m:
                    r = res.setdefault(m.group(1).rstrip(".").lower(),
                                       new_result())
                    r["rc"] = status
                continue
            if r is None or not line or line.startswith(";"):
                continue
            p = line.split()
            if section == "ANSWER" and len(p) >= 6 and p[3] == "MX":
                r["mx"].add((int(p[4]), norm(p[5])))
            elif section == "ADDITIONAL" and len(p) >= 5 and \
                    p[3] in ("A", "AAAA"):
                r["addrs"].setdefault(norm(p[0]), set()).add(
                    canon_addr(p[4]))
    return res


def check(exp, got, resolves=True, verdicts=False, glue_only=False):
    """Compare a tool's results with the expected ones."""
    c = {"domains": len(exp), "answered": 0, "mx_ok": 0, "addr_ok": 0,
         "addr_total": 0, "verdict_ok": 0, "correct": 0, "bad": []}
    for dom, e in exp.items():
        r = got.get(dom)
        want_rc = "NXDOMAIN" if e["verdict"] == "nxdomain" else "NOERROR"
        want_mx = set() if e["verdict"] in ("implicit-mx", "no-mx") else \
            {(m[0], m[1]) for m in e["mx"]}
        want_addrs = {m[1]: set(m[2]) for m in e["mx"] if m[1] != "."}
        if e["verdict"] == "implicit-mx" and not verdicts:
            want_addrs = {}    # only mxq resolves the implicit MX
        ok = True
        if r is None or r["rc"] not in ("NOERROR", "NXDOMAIN"):
            ok = False
        else:
            c["answered"] += 1
        mx_ok = r is not None and r["rc"] == want_rc and r["mx"] == want_mx
        c["mx_ok"] += mx_ok
        ok &= mx_ok
        for ex, addrs in want_addrs.items():
            c["addr_total"] += 1
            have = r["addrs"].get(ex) if r is not None else None
            if have == addrs:
                c["addr_ok"] += 1
            elif resolves and not glue_only:
                ok = False
        if verdicts:
            v_ok = r is not None and r["verdict"] == e["verdict"]
            c["verdict_ok"] += v_ok
            ok &= v_ok
        c["correct"] += ok
        if not ok and len(c["bad"]) < 5:
            c["bad"].append({"domain": dom, "expected": e, "got": None if
                             r is None else {k: sorted(v) if isinstance(
                                 v, set) else v for k, v in r.items()
                                 if k != "addrs"}})
    return c


# ---- the benchmark -------------------------------------------------------

class Bench:
    def __init__(self, a):
        self.a = a
        self.tmp = tempfile.mkdtemp(prefix="mxq-bench-")
        self.knot = None
        self.results = {"batch": [], "sweep": [], "dnsperf": [], "rtt": [],
                        "rtt_sweep": [], "big": []}
        # A private copy: others may rebuild ./mxq while the benchmark runs.
        self.mxq = os.path.join(self.tmp, "mxq")
        shutil.copy2(os.path.abspath(a.mxq), self.mxq)

    def path(self, *p):
        return os.path.join(self.tmp, *p)

    def gen(self, name, count, prefix):
        out = self.path(name)
        subprocess.run([PY, os.path.join(HERE, "gen_zones.py"), "--count",
                        str(count), "--prefix", prefix, "--seed",
                        str(self.a.seed), out], check=True, timeout=600)
        return out

    def start_knot(self, zone_dirs):
        t0 = time.monotonic()
        self.knot = BenchKnot(zone_dirs, self.a.address, 53,
                              timeout=600).start()
        log("knotd pid %d ready on %s@53 in %.1f s (%d zones, RSS %d MB)"
            % (self.knot.pid, self.a.address, time.monotonic() - t0,
               len(self.knot.zones), self.knot.rss_kb() // 1024))

    def stop_knot(self):
        if self.knot is not None:
            self.knot.stop()
            self.knot = None

    def measure(self, label, argv, stdin=None, repeats=1, out_name="out",
                timeout=600):
        """Run argv repeats times; keep the run with the median wall time."""
        runs = []
        for i in range(repeats):
            out = self.path("%s.%d.stdout" % (out_name, i))
            err = self.path("%s.%d.stderr" % (out_name, i))
            before = self.knot.stats()
            drops0 = udp_rcvbuf_errors()
            kdrops0 = socket_drops(self.a.address)
            r = Run(argv, stdin=stdin, stdout=out, stderr=err,
                    timeout=timeout, tmpdir=self.tmp)
            r.kdrops = socket_drops(self.a.address) - kdrops0
            r.drops = udp_rcvbuf_errors() - drops0 - r.kdrops
            after = self.knot.stats()
            r.queries = sum(after.get(t, 0) - before.get(t, 0) for t in
                            after if ":" not in t)
            r.qtypes = {t: after.get(t, 0) - before.get(t, 0) for t in after
                        if ":" not in t and after.get(t, 0) -
                        before.get(t, 0) > 0}
            r.out, r.err = out, err
            runs.append(r)
        runs.sort(key=lambda r: r.wall)
        med = runs[len(runs) // 2]
        med.walls = [r.wall for r in runs]
        med.label = label
        return med

    def row(self, table, label, r, n, chk, note=""):
        row = {"tool": label, "domains": n, "wall_s": r.wall,
               "walls": getattr(r, "walls", [r.wall]),
               "rate": n / r.wall if r.wall > 0 else 0,
               "queries_per_domain": r.queries / n,
               "qtypes": r.qtypes,
               "cpu_ms_per_domain": (r.user + r.sys) * 1000.0 / n,
               "maxrss_mb": r.maxrss_kb / 1024.0, "rc": r.rc,
               "drops_server_all": [r.kdrops], "drops_other_all": [r.drops],
               "check": {k: v for k, v in chk.items() if k != "bad"},
               "bad": chk["bad"], "note": note}
        self.results[table].append(row)
        log("%s: %d domains in %.3f s (%.0f/s), %.2f q/domain, correct "
            "%d/%d%s" % (label, n, r.wall, row["rate"],
                         row["queries_per_domain"], chk["correct"],
                         chk["domains"], (", e.g. %s" % json.dumps(
                             chk["bad"][0])[:600]) if chk["bad"] and
                         chk["correct"] < chk["domains"] else ""))
        return row

    def mxq_retries(self, err):
        try:
            with open(err, errors="replace") as f:
                m = re.search(r";; (\d+) queries, (\d+) retries", f.read())
            return (int(m.group(1)), int(m.group(2))) if m else (None, None)
        except OSError:
            return (None, None)

    # -- batch: mxq and peers on the same input ---------------------------
    def rotate(self, configs, repeats, table, exp, n):
        """Run every config repeats times, round robin, so that whatever
        else the machine does at a moment weighs on all of them alike.
        configs: (label, argv, stdin, parse(run) -> results, check kwargs).
        Keeps the run with the median wall time; correctness is that of
        the worst run."""
        runs = {c[0]: [] for c in configs}
        for i in range(repeats):
            for k, (label, argv, stdin, parse, kw) in enumerate(configs):
                r = self.measure(label, argv, stdin=stdin,
                                 out_name="c%d-%d" % (k, i))
                r.chk = check(exp, parse(r), **kw)
                r.retries = self.mxq_retries(r.err)[1]
                if not self.a.keep:
                    for f in (r.out, r.err):
                        os.unlink(f)
                runs[label].append(r)
        rows = {}
        for label, *_ in configs:
            rs = sorted(runs[label], key=lambda r: r.wall)
            r = rs[len(rs) // 2]
            r.walls = [x.wall for x in rs]
            worst = min(rs, key=lambda x: x.chk["correct"])
            row = self.row(table, label, r, n, worst.chk)
            row["retries_all"] = [x.retries for x in runs[label]]
            row["retries"] = r.retries
            row["drops_server_all"] = [x.kdrops for x in runs[label]]
            row["drops_other_all"] = [x.drops for x in runs[label]]
            rows[label] = row
        return rows

    def batch(self, d):
        a = self.a
        inp = os.path.join(d, "input.txt")
        exp = load_expected(os.path.join(d, "expected.jsonl"))
        n = len(exp)
        base = [self.mxq, "@" + a.address, "-f", inp, "--no-progress", "-v"]
        short = lambda r: parse_mxq_short(r.out, r.err)  # noqa: E731
        adns = ["adnshost", "--config", "nameserver " + a.address, "-a",
                "-t", "mx"]
        adns_label = "xargs -n 50 -P 2 adnshost -a -t mx"
        v = {"verdicts": True}
        configs = [
            ("mxq -s", base + ["-s"], None, short, v),
            ("mxq -j", base + ["-j"], None,
             lambda r: parse_mxq_json(r.out), v),
            ("mxq -s --no-additional", base + ["-s", "--no-additional"],
             None, short, v),
            ("mxq -s --unordered", base + ["-s", "--unordered"], None,
             short, v),
        ]
        if not a.no_peers:
            # As a user runs it: one output file shared by both processes.
            configs.append((adns_label, ["xargs", "-n", "50", "-P", "2"] +
                            adns, inp, lambda r: parse_adns([r.out]), {}))
        for c in a.sweep:
            configs.append(("--concurrency %d" % c,
                            base + ["-s", "--concurrency", str(c)], None,
                            short, v))
        rows = self.rotate(configs, a.repeats, "batch", exp, n)
        # The sweep gets a table of its own.
        for c in a.sweep:
            row = rows["--concurrency %d" % c]
            row["concurrency"] = c
            self.results["batch"].remove(row)
            self.results["sweep"].append(row)
        if a.no_peers:
            return

        # Two adnshost processes writing 4 KB blocks into one file can cut
        # each other's lines: check the answers again on a run where each
        # xargs slot has its own file (same processes, one sh exec more).
        slot = self.path("adns-slot")
        r2 = self.measure("adnshost (slot files)",
                          ["xargs", "--process-slot-var=SLOT", "-n", "50",
                           "-P", "2", "sh", "-c",
                           'exec "$@" >> "%s.$SLOT"' % slot, "sh"] + adns,
                          stdin=inp, out_name="adns-slot")
        files = [slot + ".%d" % i for i in range(2)
                 if os.path.exists(slot + ".%d" % i)]
        chk = check(exp, parse_adns(files))
        row = rows[adns_label]
        row["note"] = ("correct (worst of the runs with one shared output "
                       "file) %d/%d; with one output file per xargs slot "
                       "(%.3f s): %d/%d" % (row["check"]["correct"], n,
                                            r2.wall, chk["correct"], n))
        if chk["correct"] > row["check"]["correct"]:
            row["check"] = {k: v for k, v in chk.items() if k != "bad"}

        sample = self.path("sample.txt")
        with open(inp) as f:
            names = [ln.strip() for ln in f if ln.strip()]
        step = max(1, len(names) // a.sample)
        picked = names[::step][:a.sample]
        with open(sample, "w") as f:
            f.write("\n".join(picked) + "\n")
        sexp = {k.lower(): exp[k.lower()] for k in picked}
        for tool, cmd in (("dig", "dig @%s -t MX" % a.address),
                          ("kdig", "kdig @%s -t MX" % a.address)):
            loop = 'while read -r d; do %s "$d"; done' % cmd
            r = self.measure(tool, ["sh", "-c", loop], stdin=sample,
                             out_name=tool)
            self.row("batch", "%s per domain (sample)" % tool, r,
                     len(picked), check(sexp, parse_dig(r.out),
                                        glue_only=True),
                     note="one process per domain, sequential, on %d of "
                     "the %d names; addresses from the additional section "
                     "only" % (len(picked), n))

    # -- the server's own ceiling -----------------------------------------
    def dnsperf(self, d):
        qfile = os.path.join(d, "queries.txt")
        for clients, outstanding in ((1, 100), (2, 500)):
            argv = ["dnsperf", "-s", self.a.address, "-p", "53", "-d", qfile,
                    "-l", str(self.a.dnsperf_seconds), "-c", str(clients),
                    "-T", str(clients), "-q", str(outstanding)]
            out = subprocess.run(argv, capture_output=True, text=True,
                                 timeout=self.a.dnsperf_seconds + 60).stdout
            qps = re.search(r"Queries per second:\s+([\d.]+)", out)
            lost = re.search(r"Queries lost:\s+(\d+)", out)
            row = {"clients": clients, "outstanding": outstanding,
                   "seconds": self.a.dnsperf_seconds,
                   "qps": float(qps.group(1)) if qps else None,
                   "lost": int(lost.group(1)) if lost else None}
            self.results["dnsperf"].append(row)
            log("dnsperf -c %d -T %d -q %d: %s queries/s, %s lost" % (
                clients, clients, outstanding, row["qps"], row["lost"]))

    # -- single domains through the delay proxy ---------------------------
    def start_proxy(self, extra):
        p = subprocess.Popen([PY, os.path.join(HERE, "delay_proxy.py"),
                              "--upstream", "%s:53" % self.a.address,
                              "--delay-ms", str(self.a.delay_ms),
                              "--max-seconds", "900"] + extra,
                             stdout=subprocess.PIPE,
                             stderr=open(self.path("proxy.log"), "ab"),
                             text=True, start_new_session=True)
        STARTED.append(p)
        port = int(p.stdout.readline())
        return p, port

    def proxy_rtt(self, port, n=30):
        times = []
        for _ in range(n):
            t0 = time.monotonic()
            if query_rcode("127.0.0.1", port, "cisco.com.", timeout=1) \
                    is not None:
                times.append(time.monotonic() - t0)
        return statistics.median(times)

    def rtt(self):
        a = self.a
        plain, pport = self.start_proxy([])
        strip, sport = self.start_proxy(["--strip-additional"])
        try:
            rtt = self.proxy_rtt(pport)
            log("round trip through the proxy: %.2f ms (median of 30)"
                % (rtt * 1000))
            self.results["rtt_ms"] = rtt * 1000
            pipeline = ('s=$1; p=$2; for x in $(dig @$s -p $p +short MX "$3" '
                        '| sort -n | cut -d" " -f2); do dig @$s -p $p +short '
                        'A "$x"; dig @$s -p $p +short AAAA "$x"; done')
            for dom, nex in (("cisco.com", 3), ("hp.com", 1),
                             ("apple.com", 11)):
                cases = [
                    ("mxq (A+AAAA in additional when the zone has them)",
                     "127.0.0.1", pport, []),
                    ("mxq --no-additional", "127.0.0.1", pport,
                     ["--no-additional"]),
                    ("mxq, answers without addresses (proxy strips them)",
                     "127.0.0.1", sport, []),
                ]
                for label, host, port, extra in cases:
                    argv = [self.mxq, "@%s" % host, "-p", str(port), "-j",
                            dom] + extra
                    walls, elapsed = [], []
                    for _ in range(a.rtt_repeats):
                        w, out = exact_wall(argv)
                        walls.append(w)
                        try:
                            o = json.loads(out)
                            elapsed.append(o["elapsed_ms"])
                            got = len(o["exchanges"])
                        except (ValueError, KeyError):
                            got = -1
                    direct = []
                    for _ in range(a.rtt_repeats):
                        w, _ = exact_wall([self.mxq, "@" + a.address, "-j",
                                           dom] + extra)
                        direct.append(w)
                    self.rtt_row(dom, nex, label, walls, direct, elapsed,
                                 rtt, got)
                walls, direct = [], []
                for _ in range(a.rtt_repeats):
                    w, out = exact_wall(["sh", "-c", pipeline, "sh",
                                         "127.0.0.1", str(pport), dom])
                    walls.append(w)
                    w, _ = exact_wall(["sh", "-c", pipeline, "sh",
                                       a.address, "53", dom])
                    direct.append(w)
                self.rtt_row(dom, nex, "dig pipeline (MX, then A and AAAA "
                             "per exchange, sequential)", walls, direct, [],
                             rtt, len(out.split()))
        finally:
            for p in (plain, strip):
                os.kill(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait()

    def rtt_row(self, dom, nex, label, walls, direct, elapsed, rtt, got):
        w = statistics.median(walls)
        dw = statistics.median(direct)
        row = {"domain": dom, "exchanges": nex, "tool": label,
               "wall_ms": w * 1000, "direct_ms": dw * 1000,
               "rtt_wall": w / rtt, "rtt_net": (w - dw) / rtt,
               "elapsed_ms": statistics.median(elapsed) if elapsed else None,
               "rtt_elapsed": (statistics.median(elapsed) / 1000 / rtt)
               if elapsed else None, "output_items": got}
        self.results["rtt"].append(row)
        log("%s %s: %.1f ms = %.2f RTT (net of the %.1f ms direct run: "
            "%.2f RTT)%s" % (dom, label, w * 1000, row["rtt_wall"],
                             dw * 1000, row["rtt_net"],
                             (", own elapsed_ms %.0f = %.2f RTT" % (
                                 row["elapsed_ms"], row["rtt_elapsed"]))
                             if elapsed else ""))

    # -- the window against a real round-trip time ------------------------
    def rtt_sweep(self, d):
        """--concurrency through the delay proxy: on loopback every window
        is fast; across a 20 ms round trip the window sets the pace."""
        a = self.a
        m = min(a.rtt_sweep_count, a.count)
        inp = self.path("rtt-sweep-input.txt")
        with open(os.path.join(d, "input.txt")) as f:
            names = [ln.strip() for ln in f if ln.strip()][:m]
        with open(inp, "w") as f:
            f.write("\n".join(names) + "\n")
        exp_all = load_expected(os.path.join(d, "expected.jsonl"))
        exp = {k.lower(): exp_all[k.lower()] for k in names}
        proxy, port = self.start_proxy([])
        try:
            base = [self.mxq, "@127.0.0.1", "-p", str(port), "-f", inp,
                    "--no-progress", "-v", "-s"]
            configs = [("rtt --concurrency %d" % c,
                        base + ["--concurrency", str(c)], None,
                        lambda r: parse_mxq_short(r.out, r.err),
                        {"verdicts": True}) for c in a.sweep]
            rows = self.rotate(configs, a.rtt_sweep_repeats, "rtt_sweep",
                               exp, m)
            for c in a.sweep:
                rows["rtt --concurrency %d" % c]["concurrency"] = c
        finally:
            os.kill(proxy.pid, signal.SIGTERM)
            try:
                proxy.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(proxy.pid, signal.SIGKILL)
                proxy.wait()

    # -- many domains, mxq alone -------------------------------------------
    def big(self, d):
        inp = os.path.join(d, "input.txt")
        exp = load_expected(os.path.join(d, "expected.jsonl"))
        n = len(exp)
        base = [self.mxq, "@" + self.a.address, "-f", inp, "--no-progress",
                "-v"]
        for label, extra, parse in (
                ("mxq -s", ["-s"], lambda r: parse_mxq_short(r.out, r.err)),
                ("mxq -j", ["-j"], lambda r: parse_mxq_json(r.out))):
            r = self.measure(label, base + extra, out_name="big", timeout=900)
            row = self.row("big", label, r, n,
                           check(exp, parse(r), verdicts=True))
            row["mxq_queries"], row["retries"] = self.mxq_retries(r.err)
            for suffix in ("stdout", "stderr"):
                try:
                    os.unlink(self.path("big.0.%s" % suffix))
                except OSError:
                    pass

    def cleanup(self):
        self.stop_knot()
        stop_all()
        if self.a.keep:
            log("kept %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


# ---- report -------------------------------------------------------------

def versions(mxq):
    def dpkg(p):
        try:
            return subprocess.run(["dpkg-query", "-W", "-f", "${Version}", p],
                                  capture_output=True, text=True,
                                  timeout=10).stdout or "?"
        except OSError:
            return "?"
    try:
        mv = subprocess.run([mxq, "-V"], capture_output=True, text=True,
                            timeout=10).stdout.strip()
    except OSError:
        mv = "?"
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "-C", ROOT, "describe", "--always",
                                 "--dirty"], capture_output=True, text=True,
                                timeout=10).stdout.strip() or "?"
    except OSError:
        commit = "?"
    return {"commit": commit,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC"), "nproc": os.cpu_count(), "cpu": cpu,
        "kernel": platform.release(), "mxq": mv,
        "knot": dpkg("knot"), "adns-tools": dpkg("adns-tools"),
        "bind9-dnsutils": dpkg("bind9-dnsutils"),
        "knot-dnsutils": dpkg("knot-dnsutils"), "dnsperf": dpkg("dnsperf")}


def fmt_batch(rows, title):
    peers = [r for r in rows if not r["tool"].startswith("mxq")]
    best = max((r["rate"] for r in peers), default=0)
    best_fast = max((r["domains"] / min(r["walls"]) for r in peers),
                    default=0)
    lines = [title, "",
             "| tool | domains | answered | correct | addresses | "
             "wall s, median (fastest) | domains/s, median (fastest) | "
             "vs best peer, median (fastest) | runs with drops | "
             "queries/domain | CPU ms/domain | peak RSS MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        c = r["check"]
        addr = "%.1f%%" % (100.0 * c["addr_ok"] / c["addr_total"]) \
            if c["addr_total"] else "-"
        fast = r["domains"] / min(r["walls"])
        drops = r.get("drops_server_all")
        if drops is not None:
            others = r.get("drops_other_all") or [0] * len(drops)
            drops = "%d/%d" % (sum(1 for x, y in zip(drops, others)
                                   if x or y), len(drops))
        lines.append("| %s | %d | %d | %d | %s | %.3f (%.3f) | %.0f (%.0f) "
                     "| %s | %s | %.2f | %.4f | %.1f |" % (
                         r["tool"], r["domains"], c["answered"], c["correct"],
                         addr, r["wall_s"], min(r["walls"]), r["rate"], fast,
                         ("%.2fx (%.2fx)" % (r["rate"] / best,
                                             fast / best_fast))
                         if best else "-", drops or "-",
                         r["queries_per_domain"], r["cpu_ms_per_domain"],
                         r["maxrss_mb"]))
    notes = ["- %s: %s" % (r["tool"], r["note"]) for r in rows if r["note"]]
    return "\n".join(lines + ([""] + notes if notes else []))


def fmt_sweep(rows, title):
    lines = [title + " (runs interleaved; domains/s of the median run; "
             "retries and drops of every run)", "",
             "| --concurrency | correct (worst run) | wall s (runs) | "
             "domains/s | retries | drops at knotd | drops elsewhere | "
             "CPU ms/domain | peak RSS MB |",
             "|---:|---:|---|---:|---|---|---|---:|---:|"]
    for r in rows:
        lines.append("| %d | %d/%d | %s | %.0f | %s | %s | %s | %.4f | %.1f |"
                     % (r["concurrency"], r["check"]["correct"], r["domains"],
                        " ".join("%.2f" % w for w in r["walls"]), r["rate"],
                        " ".join(str(x) for x in r["retries_all"]),
                        " ".join(str(x) for x in r["drops_server_all"]),
                        " ".join(str(x) for x in r["drops_other_all"]),
                        r["cpu_ms_per_domain"], r["maxrss_mb"]))
    return "\n".join(lines)


def fmt_rtt(res):
    lines = ["Single domains through the delay proxy (RTT measured: %.2f ms)"
             % res.get("rtt_ms", 0), "",
             "| domain | exchanges | tool | wall ms | RTTs (wall) | "
             "RTTs (wall - direct run) | mxq elapsed_ms / RTT |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for r in res["rtt"]:
        lines.append("| %s | %d | %s | %.1f | %.2f | %.2f | %s |" % (
            r["domain"], r["exchanges"], r["tool"], r["wall_ms"],
            r["rtt_wall"], r["rtt_net"],
            "%.2f" % r["rtt_elapsed"] if r["rtt_elapsed"] is not None
            else "-"))
    return "\n".join(lines)


def fmt_dnsperf(res, mxq_qpd):
    lines = ["knotd's own ceiling (dnsperf, same query mix)", "",
             "| clients/threads | max outstanding | seconds | queries/s | "
             "lost | = domains/s at mxq's queries/domain |",
             "|---:|---:|---:|---:|---:|---:|"]
    for r in res:
        lines.append("| %d | %d | %d | %s | %s | %s |" % (
            r["clients"], r["outstanding"], r["seconds"],
            "%.0f" % r["qps"] if r["qps"] else "?", r["lost"],
            "%.0f" % (r["qps"] / mxq_qpd) if r["qps"] and mxq_qpd else "-"))
    return "\n".join(lines)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="scaled down: 2,000 names, 20,000 for the RSS run, "
                        "a sample of 100 for dig/kdig, one run each")
    p.add_argument("--count", type=int, help="names in the batch "
                   "(default 10000)")
    p.add_argument("--big-count", type=int, help="names for the mxq-only "
                   "RSS/CPU run (default 200000; 0 skips it)")
    p.add_argument("--sample", type=int, help="names for dig and kdig "
                   "(default 500)")
    p.add_argument("--repeats", type=int, help="runs per batch measurement, "
                   "the median is kept (default 5)")
    p.add_argument("--sweep", default=None,
                   help="concurrency values (default 25,50,100,150,200,400)")
    p.add_argument("--rtt-repeats", type=int, default=None,
                   help="runs per single-domain measurement, median kept "
                        "(default 9)")
    p.add_argument("--rtt-sweep-count", type=int, default=2000,
                   help="names for the concurrency sweep through the delay "
                        "proxy (default 2000)")
    p.add_argument("--rtt-sweep-repeats", type=int, default=None,
                   help="runs per value of that sweep (default 3)")
    p.add_argument("--delay-ms", type=float, default=10.0,
                   help="proxy delay each way (default 10)")
    p.add_argument("--dnsperf-seconds", type=int, default=None,
                   help="length of each dnsperf run (default 5)")
    p.add_argument("--address", default="127.0.53.1",
                   help="loopback address for knotd on port 53")
    p.add_argument("--seed", type=int, default=5,
                   help="seed of the generated zones")
    p.add_argument("--mxq", default=os.path.join(ROOT, "mxq"),
                   help="the binary to measure (copied first)")
    p.add_argument("--no-peers", action="store_true",
                   help="skip adnshost, dig and kdig")
    p.add_argument("--no-rtt", action="store_true",
                   help="skip everything through the delay proxy")
    p.add_argument("--no-dnsperf", action="store_true",
                   help="skip the server ceiling")
    p.add_argument("--json-out", help="also write every figure as JSON")
    p.add_argument("--keep", action="store_true",
                   help="keep the temporary directory (outputs, zones)")
    a = p.parse_args(argv)
    q = a.quick
    a.count = a.count or (2000 if q else 10000)
    a.big_count = a.big_count if a.big_count is not None else (
        20000 if q else 200000)
    a.sample = a.sample or (100 if q else 500)
    a.repeats = a.repeats or (1 if q else 5)
    a.rtt_repeats = a.rtt_repeats or (3 if q else 9)
    a.rtt_sweep_repeats = a.rtt_sweep_repeats or (1 if q else 3)
    if q:
        a.rtt_sweep_count = min(a.rtt_sweep_count, 500)
    a.dnsperf_seconds = a.dnsperf_seconds or (2 if q else 5)
    a.sweep = [int(x) for x in (a.sweep or ("25,100,400" if q else
                                            "25,50,100,150,200,400")
                                ).split(",")]
    if not ipaddress.ip_address(a.address).is_loopback:
        p.error("--address must be a loopback address")
    return a


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    for tool in ("/usr/sbin/knotd", "adnshost", "dig", "kdig", "dnsperf"):
        if shutil.which(tool) is None:
            sys.exit("bench: %s is missing (Debian packages knot, adns-tools,"
                     " bind9-dnsutils, knot-dnsutils, dnsperf)" % tool)
    if not os.access(a.mxq, os.X_OK):
        sys.exit("bench: %s not built (make mxq)" % a.mxq)
    b = Bench(a)
    t_start = time.monotonic()

    def on_signal(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    try:
        ver = versions(b.mxq)
        b.results["machine"] = ver
        d = b.gen("batch", a.count, "bench")
        b.start_knot([os.path.join(d, "zones"),
                      os.path.join(ROOT, "examples", "zones")])
        b.batch(d)
        if not a.no_dnsperf:
            b.dnsperf(d)
        if not a.no_rtt:
            b.rtt()
            b.rtt_sweep(d)
        b.stop_knot()
        if a.big_count > 0:
            shutil.rmtree(d, ignore_errors=True)
            d = b.gen("big", a.big_count, "big")
            b.start_knot([os.path.join(d, "zones")])
            b.big(d)
            b.stop_knot()
    except KnotError as e:
        log("knotd: %s" % e)
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        # Whatever happened: every process we started is stopped by PID,
        # the temporary directory goes.
        b.cleanup()

    res = b.results
    print("\nmxq benchmark, %s; %d CPUs (%s), kernel %s" % (
        ver["date"], ver["nproc"], ver["cpu"], ver["kernel"]))
    print("%s, tree %s; knot %s, adns-tools %s, bind9-dnsutils %s, "
          "knot-dnsutils %s, dnsperf %s\n" % (
              ver["mxq"], ver["commit"], ver["knot"], ver["adns-tools"],
                            ver["bind9-dnsutils"], ver["knot-dnsutils"],
                            ver["dnsperf"]))
    print(fmt_batch(res["batch"], "Batch: %d synthetic names against knotd "
                    "on loopback (median of %d runs for mxq and adnshost)"
                    % (a.count, a.repeats)))
    print()
    print(fmt_sweep(res["sweep"], "mxq -s, concurrency sweep, %d names "
                    "on loopback" % a.count))
    if res["dnsperf"]:
        qpd = next((r["queries_per_domain"] for r in res["batch"]
                    if r["tool"] == "mxq -s"), None)
        print()
        print(fmt_dnsperf(res["dnsperf"], qpd))
    if res["rtt"]:
        print()
        print(fmt_rtt(res))
    if res["rtt_sweep"]:
        print()
        print(fmt_sweep(res["rtt_sweep"], "mxq -s, concurrency sweep, %d "
                        "names through the delay proxy (%.1f ms RTT)" % (
                            res["rtt_sweep"][0]["domains"],
                            res.get("rtt_ms", 0))))
    if res["big"]:
        print()
        print(fmt_batch(res["big"], "mxq alone, %d names (one run each)"
                        % a.big_count))
    print()
    for key, where in (("sweep", "on loopback"),
                       ("rtt_sweep", "through the delay proxy")):
        ok = [r for r in res[key] if r["check"]["correct"] == r["domains"]]
        clean = [r for r in ok if not any(r["retries_all"])]
        if ok:
            best = max(ok, key=lambda r: r["rate"])
            print("%s: fastest fully correct --concurrency %d (%.0f "
                  "domains/s); without a single retry in any run: %s" % (
                      where, best["concurrency"], best["rate"],
                      ", ".join(str(r["concurrency"]) for r in clean)
                      or "none"))
    print("\ntotal benchmark time %.0f s" % (time.monotonic() - t_start))
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(res, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
