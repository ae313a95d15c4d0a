#!/usr/bin/python3
"""mxq batch and latency benchmark against its peers, on loopback only.

    bench/run.py [--quick] [--no-survey | --survey-only] [--baseline BIN] ...

One command: generates synthetic zones (bench/gen_zones.py), starts knotd on
127.0.53.1 port 53 (adnshost cannot ask any other port; the address is a
loopback address of our own), runs mxq and its peers over the same input,
checks every output against the expected results, measures, prints tables,
then stops everything it started (by PID) and removes its temporary files.
The batch runs once per knotd configuration of --udp-workers (default: its
default workers, then one UDP worker), with --baseline (another mxq binary)
in the same rounds.  The survey puts bench/delay_proxy.py on 127.0.53.2
port 53 in front of knotd, never answering the dead names of the survey
input and answering SERVFAIL to its SERVFAIL names, and runs mxq and
xargs + adnshost through it.  See bench/README.md for every column.
"""

import argparse
import collections
import datetime
import ipaddress
import json
import math
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
from knotd import (BenchKnot, KnotError, port_is_free,  # noqa: E402
                   query_rcode)
from gen_zones import DEAD_PREFIX, SERVFAIL_PREFIX  # noqa: E402

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


def thread_cpu_ns(pid):
    """CPU time of every thread of pid, in ns (/proc/.../schedstat)."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                out[tid] = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return out


def sha256_short(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


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
    return {"rc": None, "mx": set(), "addrs": {}, "verdict": None,
            "status": None, "elapsed_ms": None}


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
            r["status"] = o.get("status")
            r["elapsed_ms"] = o.get("elapsed_ms")
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
                        "rtt_sweep": [], "big": [], "more": [],
                        "survey": []}
        # A private copy: others may rebuild ./mxq while the benchmark runs.
        self.mxq = os.path.join(self.tmp, "mxq")
        shutil.copy2(os.path.abspath(a.mxq), self.mxq)
        self.baseline = None
        if a.baseline:
            self.baseline = os.path.join(self.tmp, "mxq-baseline")
            shutil.copy2(os.path.abspath(a.baseline), self.baseline)

    def path(self, *p):
        return os.path.join(self.tmp, *p)

    def gen(self, name, count, prefix, survey=False):
        out = self.path(name)
        extra = []
        if survey:
            extra = ["--survey-count", str(self.a.survey_count),
                     "--dead", str(self.a.survey_dead),
                     "--servfail", str(self.a.survey_servfail)]
        subprocess.run([PY, os.path.join(HERE, "gen_zones.py"), "--count",
                        str(count), "--prefix", prefix, "--seed",
                        str(self.a.seed), out] + extra, check=True,
                       timeout=600)
        return out

    def start_knot(self, zone_dirs, workers=0):
        """workers: knotd's udp-workers and tcp-workers (0: its default,
        one UDP worker per CPU)."""
        t0 = time.monotonic()
        self.knot = BenchKnot(zone_dirs, self.a.address, 53,
                              timeout=600, workers=workers or None).start()
        log("knotd pid %d ready on %s@53 in %.1f s (%d zones, RSS %d MB, "
            "%s, %d threads)"
            % (self.knot.pid, self.a.address, time.monotonic() - t0,
               len(self.knot.zones), self.knot.rss_kb() // 1024,
               "udp-workers %d" % workers if workers else
               "default workers", len(thread_cpu_ns(self.knot.proc.pid))))

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
            kcpu0 = thread_cpu_ns(self.knot.proc.pid)
            r = Run(argv, stdin=stdin, stdout=out, stderr=err,
                    timeout=timeout, tmpdir=self.tmp)
            kcpu1 = thread_cpu_ns(self.knot.proc.pid)
            deltas = [kcpu1[t] - kcpu0.get(t, 0) for t in kcpu1]
            r.knot_cpu = sum(deltas) / 1e9
            # The share of knotd's work done by its busiest thread: 100 %
            # when one UDP worker served everything, 50 % when two shared
            # it evenly.
            r.knot_top = max(deltas) / sum(deltas) \
                if deltas and sum(deltas) > 0 else 0
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
               "knot_cpu_ms_per_domain": getattr(r, "knot_cpu", 0) *
               1000.0 / n,
               "knot_top": getattr(r, "knot_top", 0),
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
    def note_load(self, what):
        """The machine's load average now: the machine is shared."""
        try:
            with open("/proc/loadavg") as f:
                load = " ".join(f.read().split()[:3])
        except OSError:
            load = "?"
        self.results.setdefault("load", []).append([what, load])
        log("load average before %s: %s" % (what, load))

    def rotate(self, configs, repeats, table, exp, n):
        """Run every config repeats times, round robin, so that whatever
        else the machine does at a moment weighs on all of them alike.
        configs: (label, argv, stdin, parse(run) -> results, check kwargs).
        Keeps the run with the median wall time; correctness is that of
        the worst run."""
        self.note_load(table)
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
            row["knot_top_all"] = [x.knot_top for x in runs[label]]
            rows[label] = row
        return rows

    MODES = (("mxq -s", ["-s"]), ("mxq -j", ["-j"]),
             ("mxq -s --no-additional", ["-s", "--no-additional"]),
             ("mxq -s --unordered", ["-s", "--unordered"]))

    def batch(self, d, table="batch", full=True):
        """mxq's modes (and the baseline binary's), adnshost, round robin.
        full: also the concurrency sweep, the adnshost slot-file check and
        dig/kdig (first knotd configuration only)."""
        a = self.a
        inp = os.path.join(d, "input.txt")
        exp = load_expected(os.path.join(d, "expected.jsonl"))
        n = len(exp)
        short = lambda r: parse_mxq_short(r.out, r.err)  # noqa: E731
        jsn = lambda r: parse_mxq_json(r.out)  # noqa: E731
        adns = ["adnshost", "--config", "nameserver " + a.address, "-a",
                "-t", "mx"]
        adns_label = "xargs -n 50 -P 2 adnshost -a -t mx"
        v = {"verdicts": True}
        configs = []
        binaries = [("", self.mxq)]
        if self.baseline:
            binaries.append((" [%s]" % a.baseline_name, self.baseline))
        for suffix, binary in binaries:
            base = [binary, "@" + a.address, "-f", inp, "--no-progress",
                    "-v"]
            for label, extra in self.MODES:
                configs.append((label + suffix, base + extra, None,
                                jsn if "-j" in extra else short, v))
        if not a.no_peers:
            # As a user runs it: one output file shared by both processes.
            configs.append((adns_label, ["xargs", "-n", "50", "-P", "2"] +
                            adns, inp, lambda r: parse_adns([r.out]), {}))
        sweep = a.sweep if full else []
        base = [self.mxq, "@" + a.address, "-f", inp, "--no-progress", "-v"]
        for c in sweep:
            configs.append(("--concurrency %d" % c,
                            base + ["-s", "--concurrency", str(c)], None,
                            short, v))
        rows = self.rotate(configs, a.repeats, table, exp, n)
        # The sweep gets a table of its own.
        for c in sweep:
            row = rows["--concurrency %d" % c]
            row["concurrency"] = c
            self.results[table].remove(row)
            self.results["sweep"].append(row)
        if a.no_peers or not full:
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
    def dnsperf(self, d, table="dnsperf"):
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
            self.results[table].append(row)
            log("dnsperf -c %d -T %d -q %d: %s queries/s, %s lost" % (
                clients, clients, outstanding, row["qps"], row["lost"]))

    # -- single domains through the delay proxy ---------------------------
    def start_proxy(self, extra, delay_ms=None, listen="127.0.0.1", port=0,
                    max_seconds=900, log_name="proxy.log"):
        with open(self.path(log_name), "ab") as logf:
            p = subprocess.Popen(
                [PY, os.path.join(HERE, "delay_proxy.py"), "--upstream",
                 "%s:53" % self.a.address, "--listen", listen, "--port",
                 str(port), "--delay-ms", str(self.a.delay_ms if delay_ms
                                               is None else delay_ms),
                 "--max-seconds", str(max_seconds)] + extra,
                stdout=subprocess.PIPE, stderr=logf, text=True,
                start_new_session=True)
        STARTED.append(p)
        line = p.stdout.readline()
        if not line.strip().isdigit():
            p.wait(timeout=10)
            raise KnotError("delay_proxy.py did not start on %s port %d "
                            "(see %s)" % (listen, port, log_name))
        return p, int(line)

    def proxy_stats(self, proxy, log_name):
        """The proxy's counters now (it prints them on SIGUSR1)."""
        path = self.path(log_name)

        def lines():
            with open(path, errors="replace") as f:
                return [ln for ln in f if ln.startswith("delay_proxy:")]
        n = len(lines())
        os.kill(proxy.pid, signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ls = lines()
            if len(ls) > n:
                return {k: int(v) for k, v in
                        re.findall(r"(\w+)=(\d+)", ls[-1])}
            time.sleep(0.01)
        return {}

    @staticmethod
    def stop_proxy(p):
        if p.poll() is None:
            os.kill(p.pid, signal.SIGTERM)
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()

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

    # -- survey: dead and SERVFAIL domains mixed in ------------------------
    def dead_probe(self, argvs, timeout):
        """Wall time of each command, all started at once: each asks one
        dead name and only waits, so running them together costs none of
        them anything.  [(seconds, stdout)]"""
        procs = []
        for k, argv in enumerate(argvs):
            out = self.path("dead-probe.%d" % k)
            with open(out, "wb") as f:
                p = subprocess.Popen(argv, stdout=f,
                                     stderr=subprocess.DEVNULL,
                                     start_new_session=True)
            STARTED.append(p)
            procs.append([p, out, time.monotonic(), None])
        deadline = time.monotonic() + timeout
        while any(x[3] is None for x in procs):
            for x in procs:
                if x[3] is None and x[0].poll() is not None:
                    x[3] = time.monotonic()
            if time.monotonic() > deadline:
                for x in procs:
                    if x[3] is None:
                        os.kill(x[0].pid, signal.SIGKILL)
                        x[0].wait()
                        x[3] = time.monotonic()
            time.sleep(0.005)
        res = []
        for p, out, t0, t1 in procs:
            with open(out, errors="replace") as f:
                res.append((t1 - t0, f.read()))
        return res

    def survey(self, d):
        """The batch set with dead names (the proxy never answers) and
        SERVFAIL names mixed in, mxq against xargs + adnshost, both asking
        the proxy on SURVEY_ADDRESS port 53."""
        a = self.a
        inp = os.path.join(d, "survey-input.txt")
        with open(inp) as f:
            names = [ln.strip() for ln in f if ln.strip()]
        exp_all = load_expected(os.path.join(d, "expected.jsonl"))

        def kind(name):
            label = name.split(".", 1)[0].lower()
            return "dead" if label.startswith(DEAD_PREFIX) else \
                "servfail" if label.startswith(SERVFAIL_PREFIX) else \
                "healthy"
        dead = [x.lower() for x in names if kind(x) == "dead"]
        sfail = [x.lower() for x in names if kind(x) == "servfail"]
        healthy = {x.lower(): exp_all[x.lower()] for x in names
                   if kind(x) == "healthy"}
        n = len(names)
        if not port_is_free(a.survey_address, 53):
            raise KnotError("%s port 53 is in use: the survey's proxy needs "
                            "it (--survey-address)" % a.survey_address)
        self.note_load("survey")
        log_name = "survey-proxy.log"
        proxy, _ = self.start_proxy(
            ["--dead-prefix", DEAD_PREFIX, "--servfail-prefix",
             SERVFAIL_PREFIX], delay_ms=0, listen=a.survey_address, port=53,
            max_seconds=4 * 3600, log_name=log_name)
        log("survey: %d names (%d healthy, %d dead, %d SERVFAIL), proxy "
            "pid %d on %s@53 in front of knotd" % (
                n, len(healthy), len(dead), len(sfail), proxy.pid,
                a.survey_address))
        server = "@" + a.survey_address
        retry = ["-t", a.survey_timeout, "--tries", str(a.survey_tries)]
        mxq_argv = [self.mxq, server] + retry + [
            "--concurrency", str(a.survey_concurrency)]
        adns_cfg = "nameserver " + a.survey_address
        adns_label = "xargs -n 50 -P 2 adnshost -a -t mx"
        try:
            # The time one dead question takes, each tool alone.
            zone = dead[0].split(".", 1)[1] if dead else "bench0.test"
            probe = DEAD_PREFIX + "probe." + zone
            probes = [mxq_argv + ["-j", probe]]
            if not a.no_peers:
                probes.append(["adnshost", "--config", adns_cfg, "-a", "-t",
                               "mx", probe])
            nominal = float(a.survey_timeout) * a.survey_tries
            res = self.dead_probe(probes, timeout=max(nominal, 30) * 3 + 60)
            dead_s = {"mxq": res[0][0]}
            log("survey: one dead question alone: mxq %s %.2f s%s" % (
                " ".join(retry), res[0][0], ", adnshost %.2f s" % res[1][0]
                if len(res) > 1 else ""))
            if len(res) > 1:
                dead_s["adns"] = res[1][0]

            # In input order, as a survey is usually run, and --unordered:
            # a dead domain holds back the output of every later one, and
            # finished domains waiting for it count as under way.
            configs = [("mxq -j " + " ".join(retry) + extra, "mxq",
                        mxq_argv + ["-f", inp, "--no-progress", "-v", "-j"]
                        + extra.split(), None, a.survey_concurrency)
                       for extra in ("", " --unordered")]
            if not a.no_peers:
                # One output file per xargs slot: two adnshost processes
                # writing 4 KB blocks into one file can cut each other's
                # lines (see the batch); the exec'ing sh costs nothing next
                # to a 30 s timeout.
                slot = self.path("survey-adns")
                configs.append((adns_label, "adns",
                                ["xargs", "--process-slot-var=SLOT", "-n",
                                 "50", "-P", "2", "sh", "-c",
                                 'exec "$@" >> "%s.$SLOT"' % slot, "sh",
                                 "adnshost", "--config", adns_cfg, "-a",
                                 "-t", "mx"], inp, 100))
            for label, tool, argv, stdin, window in configs:
                ds = dead_s.get(tool, 0)
                if tool == "adns":
                    groups = [names[i:i + 50] for i in range(0, n, 50)]
                    timeout = (len(groups) // 2 + 2) * max(ds, 30) * 2 + 600
                else:
                    timeout = (len(dead) // window + 2) * max(ds, 30) * 2 \
                        + 600
                p0 = self.proxy_stats(proxy, log_name)
                log("survey: %s (time limit %.0f s)" % (label, timeout))
                r = self.measure(label, argv, stdin=stdin,
                                 out_name="survey-%d" % len(
                                     self.results["survey"]),
                                 timeout=timeout)
                p1 = self.proxy_stats(proxy, log_name)
                if tool == "adns":
                    files = [slot + ".%d" % i for i in range(2)
                             if os.path.exists(slot + ".%d" % i)]
                    got = parse_adns(files)
                    chk = check(healthy, got)
                    dead_ok = sum(1 for x in dead if got.get(x) and
                                  got[x]["rc"] == "timeout")
                    sf_ok = sum(1 for x in sfail if got.get(x) and
                                got[x]["rc"] == "rcodeservfail")
                    outcome = lambda x: got[x]["rc"] if x in got else \
                        "missing"  # noqa: E731
                    with_dead = sum(1 for g in groups if any(
                        kind(x) == "dead" for x in g))
                    bound = "%d of the %d xargs groups of 50 hold a dead " \
                        "name, and a group ends with its slowest name: " \
                        "%d/2 x %.1f s = %.0f s" % (
                            with_dead, len(groups), with_dead, ds,
                            math.ceil(with_dead / 2) * ds)
                else:
                    got = parse_mxq_json(r.out)
                    chk = check(healthy, got, verdicts=True)
                    dead_ok = sum(1 for x in dead if got.get(x) and
                                  got[x]["verdict"] == "unknown" and
                                  got[x]["status"] == "timeout")
                    sf_ok = sum(1 for x in sfail if got.get(x) and
                                got[x]["status"] == "servfail")
                    outcome = lambda x: "%s/%s" % (
                        got[x]["verdict"], got[x]["status"]) if x in got \
                        else "missing"  # noqa: E731
                    el = sorted(got[x]["elapsed_ms"] for x in dead
                                if got.get(x) and
                                got[x]["elapsed_ms"] is not None)
                    bound = "dead names hold %d places of the window of " \
                        "%d for %.1f s each, in ceil(%d/%d) = %d rounds: " \
                        "%.0f s" % (
                            len(dead), window, ds, len(dead), window,
                            math.ceil(len(dead) / window),
                            math.ceil(len(dead) / window) * ds)
                    if "--unordered" not in argv:
                        # At most 8 x window domains under way (at least
                        # 64), finished ones waiting for output included.
                        cap = max(64, 8 * window)
                        inflight = min(window, max(1, int(
                            cap * len(dead) / n)))
                        bound += "; in input order at most %d domains are " \
                            "under way, about %d of them dead, so about " \
                            "%d dead questions at a time: ceil(%d/%d) = " \
                            "%d rounds, %.0f s" % (
                                cap, inflight, inflight, len(dead),
                                inflight, math.ceil(len(dead) / inflight),
                                math.ceil(len(dead) / inflight) * ds)
                    bound += "; elapsed_ms of the dead names: median %s, " \
                        "max %s" % (el[len(el) // 2] if el else "-",
                                    el[-1] if el else "-")
                dead_out = collections.Counter(outcome(x) for x in dead)
                sf_out = collections.Counter(outcome(x) for x in sfail)
                must = len(dead) * ds / window if window else 0
                dead_pk = (p1.get("dead_udp", 0) + p1.get("dead_tcp", 0) -
                           p0.get("dead_udp", 0) - p0.get("dead_tcp", 0))
                row = {"tool": label, "domains": n, "healthy": len(healthy),
                       "dead": len(dead), "servfail": len(sfail),
                       "healthy_right": chk["correct"],
                       "dead_timeout": dead_ok, "servfail_ok": sf_ok,
                       "dead_outcomes": dict(dead_out),
                       "servfail_outcomes": dict(sf_out),
                       "wall_s": r.wall, "rate": n / r.wall,
                       "dead_question_s": ds, "window": window,
                       "must_cost_s": must,
                       "wall_over_must": r.wall / must if must else None,
                       "dead_packets_per_name": dead_pk / len(dead)
                       if dead else 0,
                       "servfail_replies": (p1.get("servfail_udp", 0) +
                                            p1.get("servfail_tcp", 0) -
                                            p0.get("servfail_udp", 0) -
                                            p0.get("servfail_tcp", 0)),
                       "queries_per_healthy": r.queries / len(healthy)
                       if healthy else 0,
                       "cpu_ms_per_domain": (r.user + r.sys) * 1000.0 / n,
                       "maxrss_mb": r.maxrss_kb / 1024.0, "rc": r.rc,
                       "check": {k: v for k, v in chk.items() if k != "bad"},
                       "bad": chk["bad"], "note": bound}
                self.results["survey"].append(row)
                log("survey %s: %.1f s, %.0f domains/s, healthy right "
                    "%d/%d, dead %s, SERVFAIL %s; the dead alone must "
                    "cost %.1f s; %s%s" % (
                        label, r.wall, row["rate"], chk["correct"],
                        len(healthy), dict(dead_out), dict(sf_out), must,
                        bound, (", e.g. %s" % json.dumps(chk["bad"][0])[:600])
                        if chk["bad"] else ""))
        finally:
            self.stop_proxy(proxy)

    # -- many domains, mxq alone -------------------------------------------
    def big(self, d):
        inp = os.path.join(d, "input.txt")
        exp = load_expected(os.path.join(d, "expected.jsonl"))
        n = len(exp)
        binaries = [("", self.mxq)]
        if self.baseline:
            binaries.append((" [%s]" % self.a.baseline_name, self.baseline))
        for suffix, label, extra, parse in [
                (suffix, label + suffix, extra, parse)
                for label, extra, parse in (
                    ("mxq -s", ["-s"],
                     lambda r: parse_mxq_short(r.out, r.err)),
                    ("mxq -j", ["-j"], lambda r: parse_mxq_json(r.out)))
                for suffix, _ in binaries]:
            binary = dict(binaries)[suffix]
            base = [binary, "@" + self.a.address, "-f", inp,
                    "--no-progress", "-v"]
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

def versions(mxq, baseline=None):
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
    return {"commit": commit, "mxq_sha256": sha256_short(mxq),
            "baseline_sha256": sha256_short(baseline) if baseline else None,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC"), "nproc": os.cpu_count(), "cpu": cpu,
        "kernel": platform.release(), "mxq": mv,
        "knot": dpkg("knot"), "adns-tools": dpkg("adns-tools"),
        "bind9-dnsutils": dpkg("bind9-dnsutils"),
        "knot-dnsutils": dpkg("knot-dnsutils"), "dnsperf": dpkg("dnsperf")}


def top_share(r):
    tops = sorted(r.get("knot_top_all") or [r.get("knot_top", 0)])
    if not tops or not tops[-1]:
        return "-"
    if len(tops) == 1:
        return "%.0f%%" % (100 * tops[0])
    return "%.0f%% (%.0f-%.0f)" % (100 * statistics.median(tops),
                                   100 * tops[0], 100 * tops[-1])


def fmt_batch(rows, title):
    peers = [r for r in rows if not r["tool"].startswith("mxq")]
    best = max((r["rate"] for r in peers), default=0)
    best_fast = max((r["domains"] / min(r["walls"]) for r in peers),
                    default=0)
    lines = [title, "",
             "| tool | domains | answered | correct | addresses | "
             "wall s, median (fastest) | domains/s, median (fastest) | "
             "vs best peer, median (fastest) | runs with drops | "
             "queries/domain | CPU ms/domain | peak RSS MB | knotd CPU "
             "ms/domain | knotd's busiest thread, median (range) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
             "---:|---:|"]
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
                     "| %s | %s | %.2f | %.4f | %.1f | %s | %s |" % (
                         r["tool"], r["domains"], c["answered"], c["correct"],
                         addr, r["wall_s"], min(r["walls"]), r["rate"], fast,
                         ("%.2fx (%.2fx)" % (r["rate"] / best,
                                             fast / best_fast))
                         if best else "-", drops or "-",
                         r["queries_per_domain"], r["cpu_ms_per_domain"],
                         r["maxrss_mb"], "%.4f" % r["knot_cpu_ms_per_domain"]
                         if "knot_cpu_ms_per_domain" in r else "-",
                         top_share(r)))
    notes = ["- %s: %s" % (r["tool"], r["note"]) for r in rows if r["note"]]
    return "\n".join(lines + ([""] + notes if notes else []))


def fmt_compare(rows, name, where):
    """The measured binary against the baseline, mode by mode."""
    by = {r["tool"]: r for r in rows}
    lines = ["mxq against mxq [%s], same rounds, %s" % (name, where), "",
             "| mode | domains/s, median (fastest) | [%s] domains/s, median "
             "(fastest) | ratio, median (fastest) | queries/domain | [%s] "
             "queries/domain | CPU ms/domain | [%s] CPU ms/domain | knotd "
             "CPU ms/domain | [%s] knotd CPU ms/domain | knotd's busiest "
             "thread | [%s] knotd's busiest thread | correct | [%s] "
             "correct |" % ((name,) * 6),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
             "---:|---:|"]
    for mode, _ in Bench.MODES:
        new, old = by.get(mode), by.get("%s [%s]" % (mode, name))
        if not new or not old:
            continue
        nf = new["domains"] / min(new["walls"])
        of = old["domains"] / min(old["walls"])
        lines.append("| %s | %.0f (%.0f) | %.0f (%.0f) | %.2fx (%.2fx) | "
                     "%.2f | %.2f | %.4f | %.4f | %.4f | %.4f | %s | %s | "
                     "%d | %d |" % (
                         mode, new["rate"], nf, old["rate"], of,
                         new["rate"] / old["rate"], nf / of,
                         new["queries_per_domain"],
                         old["queries_per_domain"],
                         new["cpu_ms_per_domain"], old["cpu_ms_per_domain"],
                         new["knot_cpu_ms_per_domain"],
                         old["knot_cpu_ms_per_domain"], top_share(new),
                         top_share(old), new["check"]["correct"],
                         old["check"]["correct"]))
    return "\n".join(lines)


def fmt_survey(rows, a):
    r0 = rows[0]
    lines = ["Survey: %d names, %d healthy + %d dead (never answered) + %d "
             "SERVFAIL, through the proxy on %s@53; mxq -t %s --tries %d "
             "--concurrency %d (one run each)" % (
                 r0["domains"], r0["healthy"], r0["dead"], r0["servfail"],
                 a.survey_address, a.survey_timeout, a.survey_tries,
                 a.survey_concurrency), "",
             "| tool | healthy right | dead: timeout | SERVFAIL: servfail | "
             "wall s | domains/s | one dead question s | window | dead "
             "alone must cost s | wall / must cost | packets per dead name "
             "| queries per healthy name | CPU ms/domain | peak RSS MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
             "---:|---:|"]
    for r in rows:
        lines.append("| %s | %d/%d | %d/%d | %d/%d | %.1f | %.0f | %.2f | "
                     "%d | %.1f | %s | %.1f | %.2f | %.4f | %.1f |" % (
                         r["tool"], r["healthy_right"], r["healthy"],
                         r["dead_timeout"], r["dead"], r["servfail_ok"],
                         r["servfail"], r["wall_s"], r["rate"],
                         r["dead_question_s"], r["window"],
                         r["must_cost_s"], "%.2fx" % r["wall_over_must"]
                         if r["wall_over_must"] else "-",
                         r["dead_packets_per_name"],
                         r["queries_per_healthy"], r["cpu_ms_per_domain"],
                         r["maxrss_mb"]))
    lines.append("")
    for r in rows:
        lines.append("- %s: %s; dead names: %s; SERVFAIL names: %s" % (
            r["tool"], r["note"],
            ", ".join("%d %s" % (v, k) for k, v in
                      sorted(r["dead_outcomes"].items())),
            ", ".join("%d %s" % (v, k) for k, v in
                      sorted(r["servfail_outcomes"].items()))))
    return "\n".join(lines)


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


def fmt_dnsperf(res, mxq_qpd, where=""):
    lines = ["knotd's own ceiling (dnsperf, same query mix)%s" % (
        ", " + where if where else ""), "",
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
                        "a sample of 100 for dig/kdig, one run each, no "
                        "survey (a dead name alone costs adnshost 30 s)")
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
    p.add_argument("--baseline", metavar="BINARY",
                   help="another mxq binary (copied first) measured in the "
                        "same batch rounds (-s, -j, --no-additional, "
                        "--unordered), e.g. the previous tree's")
    p.add_argument("--baseline-name", default="baseline",
                   help="its label in the tables (default baseline)")
    p.add_argument("--udp-workers", default="0,1",
                   help="knotd configurations for the batch, comma-"
                        "separated: its udp-workers and tcp-workers, 0 = "
                        "knotd's default (one per CPU); the first also "
                        "serves dnsperf, the delay proxy, the survey and "
                        "the sweep, each further one runs the batch (mxq, "
                        "baseline, adnshost) and dnsperf again "
                        "(default 0,1)")
    p.add_argument("--survey", dest="survey", action="store_true",
                   default=None, help="run the survey (default: yes, but "
                   "not with --quick)")
    p.add_argument("--no-survey", dest="survey", action="store_false",
                   help="skip the survey")
    p.add_argument("--survey-only", action="store_true",
                   help="run only the survey")
    p.add_argument("--survey-count", type=int, default=None,
                   help="names in the survey (default --count)")
    p.add_argument("--survey-dead", type=float, default=0.10,
                   help="share of dead names in it (default 0.10)")
    p.add_argument("--survey-servfail", type=float, default=0.05,
                   help="share of SERVFAIL names in it (default 0.05)")
    p.add_argument("--survey-timeout", default="3",
                   help="mxq -t in the survey (default 3: with --tries 10, "
                        "30 s per dead question, as adns' 15 tries of 2 s)")
    p.add_argument("--survey-tries", type=int, default=10,
                   help="mxq --tries in the survey (default 10, mxq's most)")
    p.add_argument("--survey-concurrency", type=int, default=150,
                   help="mxq --concurrency in the survey (default 150, "
                        "mxq's default)")
    p.add_argument("--survey-address", default="127.0.53.2",
                   help="loopback address for the survey's proxy on port "
                        "53 (default 127.0.53.2)")
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
    if not ipaddress.ip_address(a.survey_address).is_loopback or \
            a.survey_address == a.address:
        p.error("--survey-address must be another loopback address")
    try:
        a.udp_workers = [int(x) for x in a.udp_workers.split(",")]
    except ValueError:
        p.error("--udp-workers: a comma-separated list of numbers")
    if not a.udp_workers or any(w < 0 for w in a.udp_workers):
        p.error("--udp-workers: numbers from 0")
    if a.survey is None:
        a.survey = not q
    a.survey = a.survey or a.survey_only
    a.survey_count = a.survey_count or a.count
    if a.baseline and not os.access(a.baseline, os.X_OK):
        p.error("--baseline: %s is not executable" % a.baseline)
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
        ver = versions(b.mxq, b.baseline)
        b.results["machine"] = ver
        d = b.gen("batch", a.count, "bench", survey=a.survey)
        zone_dirs = [os.path.join(d, "zones"),
                     os.path.join(ROOT, "examples", "zones")]
        for k, w in enumerate([] if a.survey_only else a.udp_workers):
            b.start_knot(zone_dirs, w)
            if k == 0:
                b.batch(d)
                if not a.no_dnsperf:
                    b.dnsperf(d)
                if not a.no_rtt:
                    b.rtt()
                    b.rtt_sweep(d)
            else:
                more = {"udp_workers": w, "batch": "batch.%d" % k,
                        "dnsperf": "dnsperf.%d" % k}
                b.results[more["batch"]] = []
                b.results[more["dnsperf"]] = []
                b.results["more"].append(more)
                b.batch(d, more["batch"], full=False)
                if not a.no_dnsperf:
                    b.dnsperf(d, more["dnsperf"])
            b.stop_knot()
        if a.survey:
            b.start_knot(zone_dirs, a.udp_workers[0])
            b.survey(d)
            b.stop_knot()
        if a.big_count > 0 and not a.survey_only:
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
          "knot-dnsutils %s, dnsperf %s" % (
              ver["mxq"], ver["commit"], ver["knot"], ver["adns-tools"],
                            ver["bind9-dnsutils"], ver["knot-dnsutils"],
                            ver["dnsperf"]))
    print("mxq measured: %s (sha256 %s)%s\n" % (
        os.path.abspath(a.mxq), ver["mxq_sha256"],
        "; baseline [%s]: %s (sha256 %s)" % (
            a.baseline_name, os.path.abspath(a.baseline),
            ver["baseline_sha256"]) if a.baseline else ""))

    if res.get("load"):
        print("Load average (1, 5, 15 min) before each section (the "
              "machine is shared): %s\n" % "; ".join(
                  "%s %s" % tuple(x) for x in res["load"]))

    def workers(w):
        return "knotd with %s" % ("its default workers (one UDP worker "
                                  "per CPU)" if not w else
                                  "%d UDP worker%s" % (w, "s" if w > 1
                                                       else ""))
    if res["batch"]:
        print(fmt_batch(res["batch"], "Batch: %d synthetic names against "
                        "knotd on loopback, %s (median of %d runs for mxq "
                        "and adnshost)" % (a.count, workers(a.udp_workers[0]),
                                           a.repeats)))
        if a.baseline:
            print()
            print(fmt_compare(res["batch"], a.baseline_name,
                              workers(a.udp_workers[0])))
        print()
        print(fmt_sweep(res["sweep"], "mxq -s, concurrency sweep, %d names "
                        "on loopback" % a.count))
    for more in res["more"]:
        print()
        print(fmt_batch(res[more["batch"]], "Batch again: %d names, %s "
                        "(median of %d runs)" % (
                            a.count, workers(more["udp_workers"]),
                            a.repeats)))
        if a.baseline:
            print()
            print(fmt_compare(res[more["batch"]], a.baseline_name,
                              workers(more["udp_workers"])))
    if res["dnsperf"]:
        qpd = next((r["queries_per_domain"] for r in res["batch"]
                    if r["tool"] == "mxq -s"), None)
        print()
        print(fmt_dnsperf(res["dnsperf"], qpd, workers(a.udp_workers[0])))
        for more in res["more"]:
            if res[more["dnsperf"]]:
                print()
                print(fmt_dnsperf(res[more["dnsperf"]], qpd,
                                  workers(more["udp_workers"])))
    if res["rtt"]:
        print()
        print(fmt_rtt(res))
    if res["rtt_sweep"]:
        print()
        print(fmt_sweep(res["rtt_sweep"], "mxq -s, concurrency sweep, %d "
                        "names through the delay proxy (%.1f ms RTT)" % (
                            res["rtt_sweep"][0]["domains"],
                            res.get("rtt_ms", 0))))
    if res["survey"]:
        print()
        print(fmt_survey(res["survey"], a))
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
