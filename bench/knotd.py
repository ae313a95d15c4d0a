#!/usr/bin/python3
"""knotd on loopback for the benchmark, with query counters (mod-stats).

The benchmark needs what tests/system/knot.py does not give: port 53 on a
loopback address of its own (adnshost cannot ask another port), and the
server's count of queries by type, read with `knotc stats`.

    with BenchKnot(["dir/zones", "examples/zones"], "127.0.53.1", 53) as k:
        before = k.stats()        # {"MX": n, "A": n, "AAAA": n, ...}
        ...
        after = k.stats()

Everything knotd writes lives in a private temporary directory, removed on
stop; knotd is stopped by its PID.
"""

import ipaddress
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

KNOTD = "/usr/sbin/knotd"
KNOTC = "/usr/sbin/knotc"


class KnotError(RuntimeError):
    pass


def _encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def query_rcode(address, port, name, qtype=6, timeout=0.5):
    """RCODE of one UDP query, or None without a reply."""
    qid = random.randrange(65536)
    msg = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
    msg += _encode_name(name) + struct.pack("!HH", qtype, 1)
    fam = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(msg, (address, port))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                reply = s.recv(65535)
                if len(reply) >= 12:
                    rid, flags = struct.unpack("!HH", reply[:4])
                    if rid == qid and flags & 0x8000:
                        return flags & 0xF
        except OSError:
            return None
    return None


def port_is_free(address, port):
    fam = socket.AF_INET6 if ":" in address else socket.AF_INET
    socks = []
    try:
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(fam, kind)
            socks.append(s)
            s.bind((address, port))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


class BenchKnot:
    def __init__(self, zone_dirs, address="127.0.53.1", port=53,
                 timeout=120.0, workers=None):
        if not ipaddress.ip_address(address).is_loopback:
            raise KnotError("%s is not a loopback address" % address)
        self.zone_dirs = [os.path.abspath(d) for d in zone_dirs]
        self.address = address
        self.port = port
        self.timeout = timeout
        self.workers = workers
        self.proc = None
        self.tmpdir = None
        self._logf = None
        self.zones = {}
        for d in self.zone_dirs:
            for f in sorted(os.listdir(d)):
                if f.endswith(".zone"):
                    self.zones[f[:-5].rstrip(".").lower() + "."] = \
                        os.path.join(d, f)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def _config(self):
        run = os.path.join(self.tmpdir, "run")
        db = os.path.join(self.tmpdir, "db")
        lines = [
            "server:",
            '    rundir: "%s"' % run,
            '    pidfile: "%s"' % os.path.join(run, "knot.pid"),
            '    listen: [ "%s@%d" ]' % (self.address, self.port),
        ]
        if self.workers:
            lines += ["    udp-workers: %d" % self.workers,
                      "    tcp-workers: %d" % self.workers]
        lines += [
            "control:",
            '    listen: "%s"' % os.path.join(run, "knot.sock"),
            "log:",
            "  - target: stderr",
            "    any: notice",
            "    server: info",
            "database:",
            '    storage: "%s"' % db,
            "mod-stats:",
            "  - id: bench",
            "    request-protocol: on",
            "    query-type: on",
            "    response-code: on",
            "template:",
            "  - id: default",
            '    storage: "%s"' % db,
            "    zonefile-sync: -1",
            "    zonefile-load: whole",
            "    journal-content: none",
            "    global-module: mod-stats/bench",
            "zone:",
        ]
        for name, path in sorted(self.zones.items()):
            lines += ['  - domain: "%s"' % name, '    file: "%s"' % path]
        return "\n".join(lines) + "\n"

    def log_text(self):
        try:
            with open(os.path.join(self.tmpdir, "knot.log"),
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def start(self):
        if not port_is_free(self.address, self.port):
            raise KnotError("%s port %d is in use (UDP or TCP): stop what "
                            "holds it, or use another loopback address"
                            % (self.address, self.port))
        self.tmpdir = tempfile.mkdtemp(prefix="mxq-bench-knot-")
        for sub in ("run", "db"):
            os.mkdir(os.path.join(self.tmpdir, sub))
        conf = os.path.join(self.tmpdir, "knot.conf")
        with open(conf, "w") as f:
            f.write(self._config())
        self._logf = open(os.path.join(self.tmpdir, "knot.log"), "ab")
        self.proc = subprocess.Popen([KNOTD, "-c", conf],
                                     stdin=subprocess.DEVNULL,
                                     stdout=self._logf,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.conf = conf
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self):
        deadline = time.monotonic() + self.timeout
        pending = set(self.zones)
        while pending:
            if self.proc.poll() is not None:
                raise KnotError("knotd exited (%d):\n%s" % (
                    self.proc.returncode, self.log_text()[-2000:]))
            if "server started" in self.log_text():
                for z in sorted(pending):
                    if query_rcode(self.address, self.port, z) == 0:
                        pending.discard(z)
            if time.monotonic() > deadline:
                raise KnotError("knotd not ready after %.0f s; zones "
                                "pending: %s\n%s" % (
                                    self.timeout, " ".join(sorted(pending)),
                                    self.log_text()[-2000:]))
            time.sleep(0.05)

    def knotc(self, *args):
        sock = os.path.join(self.tmpdir, "run", "knot.sock")
        return subprocess.run([KNOTC, "-c", self.conf, "-s", sock] +
                              list(args), capture_output=True, text=True,
                              timeout=30).stdout

    def stats(self):
        """Queries received so far, by type and protocol (cumulative)."""
        out = {}
        for m in re.finditer(r"^mod-stats\.(\S+?)\[(\S+)\] = (\d+)",
                             self.knotc("stats"), re.M):
            group, key, n = m.groups()
            if group == "query-type":
                out[key] = out.get(key, 0) + int(n)
            else:
                out["%s:%s" % (group, key)] = int(n)
        return out

    def rss_kb(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def stop(self):
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        if self._logf:
            self._logf.close()
            self._logf = None
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def main():
    import argparse
    import sys
    p = argparse.ArgumentParser(
        description="Serve zone directories on ADDRESS@PORT until SIGINT "
                    "or SIGTERM (or --max-seconds), for manual runs.")
    p.add_argument("--zones", action="append", required=True)
    p.add_argument("--address", default="127.0.53.1")
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--max-seconds", type=float, default=3600)
    a = p.parse_args()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    with BenchKnot(a.zones, a.address, a.port) as k:
        print("knotd pid %d on %s@%d, %d zones" % (k.pid, a.address, a.port,
              len(k.zones)), file=sys.stderr, flush=True)
        t_end = time.monotonic() + a.max_seconds
        while not stop and time.monotonic() < t_end and \
                k.proc.poll() is None:
            time.sleep(0.2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
