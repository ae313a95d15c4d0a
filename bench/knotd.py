#!/usr/bin/python3
"""knotd on loopback for the benchmark, with query counters (mod-stats).

A thin layer over tests/system/knot.py (class Knot), which does the
configuration, start, readiness wait and stop.  The benchmark adds: port 53
on a loopback address of its own (adnshost cannot ask another port), no
SERVFAIL zone, quieter logging, and the server's count of queries by type,
read with `knotc stats`.

    with BenchKnot(["dir/zones", "examples/zones"], "127.0.53.1", 53) as k:
        before = k.stats()        # {"MX": n, "A": n, "AAAA": n, ...}
        ...
        after = k.stats()

Everything knotd writes lives in a private temporary directory, removed on
stop; knotd is stopped by its PID.
"""

import ipaddress
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "tests", "system"))
from knot import KNOTD, Knot, KnotError, _port_is_free, query_rcode  # noqa: E402,F401

KNOTC = "/usr/sbin/knotc"

_MOD_STATS = """\
mod-stats:
  - id: bench
    request-protocol: on
    query-type: on
    response-code: on"""


def port_is_free(address, port):
    return _port_is_free(port, [address])


class BenchKnot(Knot):
    tmp_prefix = "mxq-bench-knot-"
    stop_timeout = 10

    def __init__(self, zone_dirs, address="127.0.53.1", port=53,
                 timeout=120.0, workers=None):
        if not ipaddress.ip_address(address).is_loopback:
            raise KnotError("%s is not a loopback address" % address)
        server = {}
        if workers:
            server = {"udp-workers": workers, "tcp-workers": workers}
        super().__init__(zone_dirs, extra_empty_zones=(),
                         addresses=(address,), port=port, timeout=timeout,
                         server_options=server,
                         log_levels=(("any", "notice"), ("server", "info")),
                         extra_conf=_MOD_STATS,
                         global_modules=("mod-stats/bench",))
        self.address = address
        self.workers = workers

    @property
    def conf(self):
        return self.conf_path

    def start(self):
        if not port_is_free(self.address, self.port):
            raise KnotError("%s port %d is in use (UDP or TCP): stop what "
                            "holds it, or use another loopback address"
                            % (self.address, self.port))
        return super().start()

    def knotc(self, *args):
        return subprocess.run([KNOTC, "-c", self.conf_path,
                               "-s", self.control_path] + list(args),
                              capture_output=True, text=True,
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


def main():
    import argparse
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
