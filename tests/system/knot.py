#!/usr/bin/python3
"""Run a private knotd on loopback for mxq's demo, system tests and benchmark.

Library use (standard library only, no pytest):

    from knot import Knot
    with Knot(zone_dirs=["examples/zones", "tests/system/zones"]) as k:
        ... query 127.0.0.1 or ::1 on port k.port ...

Every "*.zone" file in the zone directories becomes a zone named after the
file ("cisco.com.zone" serves "cisco.com.").  Each name in extra_empty_zones
is configured without a zone file, so knotd answers SERVFAIL for it; a name
outside every configured zone gets REFUSED.

Everything knotd writes (configuration, PID file, control socket, timer and
journal databases, log) lives in a private temporary directory that is
removed on exit.  knotd never writes back into the zone files
(zonefile-sync: -1, journal-content: none).

Optional knot.conf additions (bench/knotd.py uses them for mod-stats and
its worker counts): server_options, log_levels, extra_conf (top-level
sections such as "mod-stats:") and global_modules ("mod-stats/ID");
tests/system/diag.py uses zone_options (per-zone lines, e.g. automatic
DNSSEC signing) and a "policy:" section in extra_conf.  The
control socket is at control_path, for knotc -c conf_path -s control_path.

Command line:

    knot.py --zones DIR [--zones DIR ...] [--port N] -- COMMAND [ARG ...]
        start knotd, run COMMAND with MXQ_TEST_PORT=<port> in its
        environment and every "{port}" in its arguments replaced, stop
        knotd, exit with COMMAND's status (128+N if killed by signal N)
    knot.py --zones DIR [...] --serve
        start knotd, print the port on stdout, serve until SIGINT/SIGTERM
"""

import argparse
import errno
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

KNOTD = "/usr/sbin/knotd"

# DNS constants used by the readiness probe.
_TYPE_SOA = 6
_CLASS_IN = 1
RCODE_NOERROR = 0
RCODE_SERVFAIL = 2
RCODE_REFUSED = 5


class KnotError(RuntimeError):
    """knotd could not be configured or did not become ready."""


def _family(address):
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def _port_is_free(port, addresses):
    """True if port can be bound for UDP and TCP on every address."""
    socks = []
    try:
        for address in addresses:
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                s = socket.socket(_family(address), kind)
                socks.append(s)
                if _family(address) == socket.AF_INET6:
                    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s.bind((address, port))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def free_port(addresses=("127.0.0.1", "::1"), attempts=100):
    """Return a port that is free for UDP and TCP on every address.

    There is a window between this check and knotd binding the port;
    Knot.start() retries with another port if knotd then fails to bind.
    """
    first = addresses[0]
    for _ in range(attempts):
        with socket.socket(_family(first), socket.SOCK_DGRAM) as s:
            s.bind((first, 0))
            port = s.getsockname()[1]
        if _port_is_free(port, addresses):
            return port
    raise KnotError("no port free for UDP and TCP on %s" % ", ".join(addresses))


def _encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            raw = label.encode("ascii")
            out += bytes([len(raw)]) + raw
    return out + b"\0"


def query_rcode(address, port, name, qtype=_TYPE_SOA, timeout=0.5):
    """Send one UDP query; return the reply's RCODE, or None on no reply."""
    qid = random.randrange(65536)
    msg = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
    msg += _encode_name(name) + struct.pack("!HH", qtype, _CLASS_IN)
    with socket.socket(_family(address), socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(msg, (address, port))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                reply = s.recv(65535)
                if len(reply) < 12:
                    continue
                rid, flags = struct.unpack("!HH", reply[:4])
                if rid == qid and flags & 0x8000:
                    return flags & 0x000F
        except OSError:
            return None
    return None


def _zone_name(filename):
    name = filename[: -len(".zone")]
    return name if name.endswith(".") else name + "."


def _quote(value):
    """A value for knot.conf (YAML-like); refuse what cannot be quoted."""
    if any(c in value for c in "\"\\\n\r"):
        raise KnotError("cannot put %r into knot.conf" % value)
    return '"%s"' % value


class Knot:
    """knotd on loopback with the zones from some directories.

    Attributes after start(): port, addresses, zones (dict: zone name ->
    zone file), empty_zones, tmpdir, conf_path, control_path, log_path, pid.

    Optional knot.conf additions: server_options (dict: option -> value,
    under "server:"), log_levels (pairs of category and level for the
    stderr log target; default any: info), extra_conf (text of whole
    top-level sections, placed before "template:") and global_modules
    (module IDs such as "mod-stats/bench", for the default template),
    zone_options (dict: zone name -> dict of option -> value, placed under
    that zone's entry, e.g. {"secure.test.": {"dnssec-signing": "on"}}).
    """

    tmp_prefix = "mxq-knot-"    # of the private temporary directory
    stop_timeout = 5            # seconds after SIGTERM before SIGKILL

    def __init__(self, zone_dirs, extra_empty_zones=("servfail.test.",),
                 addresses=("127.0.0.1", "::1"), port=None, knotd=KNOTD,
                 timeout=10.0, keep_tmpdir=False, server_options=None,
                 log_levels=(("any", "info"),), extra_conf="",
                 global_modules=(), zone_options=None):
        self.zone_dirs = [os.path.abspath(d) for d in zone_dirs]
        self.empty_zones = [z if z.endswith(".") else z + "."
                            for z in extra_empty_zones]
        self.addresses = tuple(addresses)
        self.fixed_port = port
        self.port = port
        self.knotd = knotd
        self.timeout = timeout
        self.keep_tmpdir = keep_tmpdir or bool(os.environ.get("MXQ_KNOT_KEEP"))
        self.server_options = dict(server_options or {})
        self.log_levels = tuple(log_levels)
        self.extra_conf = extra_conf
        self.global_modules = tuple(global_modules)
        self.zone_options = {(z if z.endswith(".") else z + ".").lower():
                             dict(opts)
                             for z, opts in (zone_options or {}).items()}
        self.zones = self._discover_zones()
        for name in self.zone_options:
            if name not in self.zones:
                raise KnotError("zone_options for %s, which has no zone file"
                                % name)
        self.tmpdir = None
        self.conf_path = None
        self.control_path = None
        self.log_path = None
        self.proc = None
        self._logf = None

    @property
    def pid(self):
        return self.proc.pid if self.proc is not None else None

    def _discover_zones(self):
        zones = {}
        for d in self.zone_dirs:
            if not os.path.isdir(d):
                raise KnotError("zone directory %s does not exist" % d)
            for f in sorted(os.listdir(d)):
                if not f.endswith(".zone") or f == ".zone":
                    continue
                name = _zone_name(f).lower()
                path = os.path.join(d, f)
                if name in zones:
                    raise KnotError("zone %s twice: %s and %s"
                                    % (name, zones[name], path))
                zones[name] = path
        for name in self.empty_zones:
            if name.lower() in zones:
                raise KnotError("empty zone %s also has a file %s"
                                % (name, zones[name.lower()]))
        if not zones and not self.empty_zones:
            raise KnotError("no *.zone files in %s" % ", ".join(self.zone_dirs))
        return zones

    def _config(self):
        run = os.path.join(self.tmpdir, "run")
        db = os.path.join(self.tmpdir, "db")
        nofiles = os.path.join(self.tmpdir, "nofiles")
        listen = ", ".join(_quote("%s@%d" % (a, self.port))
                           for a in self.addresses)
        lines = [
            "# generated by tests/system/knot.py",
            "server:",
            "    rundir: %s" % _quote(run),
            "    pidfile: %s" % _quote(os.path.join(run, "knot.pid")),
            "    listen: [ %s ]" % listen,
        ]
        lines += ["    %s: %s" % (k, v) for k, v in self.server_options.items()]
        lines += [
            "",
            "control:",
            "    listen: %s" % _quote(self.control_path),
            "",
            "log:",
            "  - target: stderr",
        ]
        lines += ["    %s: %s" % (c, level) for c, level in self.log_levels]
        lines += [
            "",
            "database:",
            "    storage: %s" % _quote(db),
            "",
        ]
        if self.extra_conf:
            lines += [self.extra_conf.rstrip("\n"), ""]
        lines += [
            "template:",
            "  - id: default",
            "    storage: %s" % _quote(db),
            "    zonefile-sync: -1",
            "    zonefile-load: whole",
            "    journal-content: none",
        ]
        if self.global_modules:
            mods = ", ".join(self.global_modules)
            lines.append("    global-module: %s" % (
                mods if len(self.global_modules) == 1 else "[ %s ]" % mods))
        lines += [
            "",
            "zone:",
        ]
        for name, path in sorted(self.zones.items()):
            lines += ["  - domain: %s" % _quote(name),
                      "    file: %s" % _quote(path)]
            lines += ["    %s: %s" % (k, v)
                      for k, v in self.zone_options.get(name, {}).items()]
        for name in self.empty_zones:
            # A file that never exists: knotd keeps the zone configured but
            # unloaded, and answers SERVFAIL for it.
            lines += ["  - domain: %s" % _quote(name),
                      "    file: %s" % _quote(os.path.join(nofiles,
                                                           name + "zone"))]
        return "\n".join(lines) + "\n"

    def log_text(self):
        if self.log_path is None:
            return ""
        try:
            with open(self.log_path, encoding="utf-8",
                      errors="backslashreplace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, lines=40):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def _fail(self, why):
        tail = self.log_tail()
        self._stop_process()
        raise KnotError("knotd %s (config %s)\n--- knotd log tail ---\n%s"
                        % (why, self.conf_path, tail))

    def _launch(self):
        with open(self.conf_path, "w", encoding="utf-8") as f:
            f.write(self._config())
        self._logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.knotd, "-c", self.conf_path],
            stdin=subprocess.DEVNULL, stdout=self._logf,
            stderr=subprocess.STDOUT,
            # Own session: a ^C at the terminal reaches us, not knotd; we
            # stop knotd ourselves, by PID.
            start_new_session=True)

    def _bind_failed(self, log):
        return ("cannot bind" in log or "failed to bind" in log
                or "Address already in use" in log)

    def _zone_load_errors(self, log):
        errs = []
        for line in log.splitlines():
            low = line.lower()
            if "error" in low and any("[%s]" % z in low for z in self.zones):
                errs.append(line)
        return errs

    def _wait_ready(self):
        """True when ready; False if knotd could not bind the port."""
        deadline = time.monotonic() + self.timeout
        pending = set(self.zones)
        while True:
            log = self.log_text()
            if self._bind_failed(log):
                return False
            if self.proc.poll() is not None:
                self._fail("exited with status %d" % self.proc.returncode)
            errs = self._zone_load_errors(log)
            if errs:
                self._fail("failed to load a zone:\n" + "\n".join(errs))
            if "server started" in log:
                # "server started" comes before the background workers have
                # loaded every zone: ask each zone's SOA on every address.
                for zone in sorted(pending):
                    if all(query_rcode(a, self.port, zone) == RCODE_NOERROR
                           for a in self.addresses):
                        pending.discard(zone)
                if not pending and all(
                        query_rcode(a, self.port, ".") is not None
                        for a in self.addresses):
                    return True
            if time.monotonic() > deadline:
                why = "not ready after %.0f s" % self.timeout
                if "server started" in log and pending:
                    why += "; zones not answering: " + ", ".join(sorted(pending))
                self._fail(why)
            time.sleep(0.02)

    def start(self):
        if self.proc is not None:
            raise KnotError("already started")
        if not os.access(self.knotd, os.X_OK):
            raise KnotError("%s not found (Debian package knot)" % self.knotd)
        self.tmpdir = tempfile.mkdtemp(prefix=self.tmp_prefix)
        for sub in ("run", "db", "nofiles"):
            os.mkdir(os.path.join(self.tmpdir, sub))
        self.conf_path = os.path.join(self.tmpdir, "knot.conf")
        self.control_path = os.path.join(self.tmpdir, "run", "knot.sock")
        self.log_path = os.path.join(self.tmpdir, "knot.log")
        try:
            attempts = 1 if self.fixed_port else 5
            for attempt in range(attempts):
                if not self.fixed_port:
                    self.port = free_port(self.addresses)
                self._launch()
                if self._wait_ready():
                    return self
                # Lost the race for the port: start again on another.
                self._stop_process()
                if attempt + 1 < attempts:
                    os.rename(self.log_path,
                              "%s.%d" % (self.log_path, attempt))
            self._fail("could not bind port %d on %s"
                       % (self.port, ", ".join(self.addresses)))
        except BaseException:
            self.stop()
            raise
        return self

    def _stop_process(self):
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        if self._logf is not None:
            self._logf.close()
            self._logf = None

    def stop(self):
        self._stop_process()
        if self.tmpdir is not None and not self.keep_tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


class _Signalled(Exception):
    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _raise_on_signal(signum, frame):
    raise _Signalled(signum)


def _parse_args(argv):
    if "--" in argv:
        i = argv.index("--")
        own, command = argv[:i], argv[i + 1:]
    else:
        own, command = argv, []
    p = argparse.ArgumentParser(
        prog="knot.py",
        usage="%(prog)s --zones DIR [--zones DIR ...] [--port N] "
              "(--serve | -- COMMAND [ARG ...])",
        description="Run knotd on 127.0.0.1 and ::1 with the zones in DIR "
                    "(every *.zone file; zone name = file name without "
                    ".zone).")
    p.add_argument("--zones", action="append", required=True, metavar="DIR",
                   help="directory of *.zone files (repeatable)")
    p.add_argument("--port", type=int, help="port (default: a free one)")
    p.add_argument("--address", action="append", metavar="ADDR",
                   help="listen address (repeatable; default 127.0.0.1 "
                        "and ::1)")
    p.add_argument("--empty-zone", action="append", metavar="NAME",
                   help="zone configured without a file, answers SERVFAIL "
                        "(repeatable; default servfail.test.)")
    p.add_argument("--serve", action="store_true",
                   help="print the port, serve until SIGINT or SIGTERM")
    args = p.parse_args(own)
    if args.serve == bool(command):
        p.error("give either --serve or -- COMMAND")
    return args, command


def main(argv=None):
    args, command = _parse_args(sys.argv[1:] if argv is None else argv)
    kwargs = {}
    if args.address:
        kwargs["addresses"] = args.address
    if args.empty_zone:
        kwargs["extra_empty_zones"] = args.empty_zone
    signal.signal(signal.SIGTERM, _raise_on_signal)
    signal.signal(signal.SIGINT, _raise_on_signal)
    child = None
    try:
        with Knot(zone_dirs=args.zones, port=args.port, **kwargs) as k:
            if args.serve:
                print(k.port, flush=True)
                print("knot.py: knotd pid %d on %s port %d, %d zones; log %s"
                      % (k.pid, ", ".join(k.addresses), k.port,
                         len(k.zones) + len(k.empty_zones), k.log_path),
                      file=sys.stderr, flush=True)
                while k.proc.poll() is None:
                    time.sleep(0.5)
                print("knot.py: knotd exited unexpectedly\n" + k.log_tail(),
                      file=sys.stderr)
                return 1
            env = dict(os.environ, MXQ_TEST_PORT=str(k.port))
            cmd = [a.replace("{port}", str(k.port)) for a in command]
            try:
                child = subprocess.Popen(cmd, env=env)
            except OSError as e:
                print("knot.py: %s: %s" % (cmd[0], e.strerror),
                      file=sys.stderr)
                return 127 if e.errno == errno.ENOENT else 126
            rc = child.wait()
            return 128 - rc if rc < 0 else rc
    except _Signalled as s:
        if child is not None and child.poll() is None:
            # ^C reached the command too (same process group); SIGTERM
            # was only for us, so pass it on.
            if s.signum == signal.SIGTERM:
                child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        return 0 if args.serve else 128 + s.signum
    except KnotError as e:
        print("knot.py: %s" % e, file=sys.stderr)
        return 125


if __name__ == "__main__":
    sys.exit(main())
