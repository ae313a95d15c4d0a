#!/usr/bin/python3
"""Test infrastructure for mxq's DNS diagnostics (--dnssec, --dane, --ptr,
--ns): real servers on loopback only, started and stopped by the tests.

    Resolver     knotd on 127.0.0.1 and ::1 serving the zones in
                 diagzones/resolver/ (secure.test and bogus.test signed by
                 knotd itself), and a validating unbound on 127.0.0.1 and
                 ::1 in front of it: stub zones to that knotd only, trust
                 anchors made from knotd's keys (a wrong one for bogus.test).
    Authorities  multi.test. served by several servers on 127.0.0.11-15, all
                 on one port: knotd with the current copy on .11 and .12,
                 knotd with a stale copy on .13, a blackhole on .14 (reads
                 queries, never answers), a knotd on .15 that does not serve
                 multi.test. (REFUSED: a lame delegation).
    Blackhole    UDP and TCP sockets that read queries and never answer.
    Unbound      unbound -d with a generated configuration.

The records and what each one is for are in diagzones/README.md; the
constants below say the same for tests (test_diag_infra.py checks that the
servers really answer so).

Nothing leaves the loopback: unbound has a stub zone for every zone it may
need, and one for "." too, all pointing to our knotd (names outside its
zones get REFUSED there, so SERVFAIL from unbound), so it never uses its
root hints; it sends only from 127.0.0.1 and ::1 and answers only loopback
clients.

Every process is stopped by its PID (SIGTERM, then SIGKILL after 5 s) and
every temporary directory removed, unless MXQ_KNOT_KEEP or MXQ_DIAG_KEEP is
set in the environment (then the directories stay, for their logs).

Library use (no pytest; dnspython needed):

    from diag import Resolver, Authorities
    with Resolver() as r:
        ... ask 127.0.0.1 or ::1 port r.port, with RD ...
    with Authorities() as a:
        ... ask 127.0.0.11 .. 127.0.0.15 port a.port ...

Command line: diag.py resolver|authorities  (start, print what runs where,
serve until ^C).
"""

import errno
import hashlib
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import dns.dnssec
import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from knot import Knot, KnotError, free_port  # noqa: E402

ZONE_ROOT = os.path.join(HERE, "diagzones")
RESOLVER_ZONES_DIR = os.path.join(ZONE_ROOT, "resolver")
MULTI_CURRENT_DIR = os.path.join(ZONE_ROOT, "multi-current")
MULTI_STALE_DIR = os.path.join(ZONE_ROOT, "multi-stale")

UNBOUND = "/usr/sbin/unbound"
UNBOUND_CONTROL = "/usr/sbin/unbound-control"


def _keep():
    return bool(os.environ.get("MXQ_KNOT_KEEP")
                or os.environ.get("MXQ_DIAG_KEEP"))


# ---------------------------------------------------------------------------
# What the zones hold (diagzones/README.md says the same, in prose).

SECURE = "secure.test."
BOGUS = "bogus.test."
INSECURE = "insecure.test."
PTR = "ptr.test."
MULTI = "multi.test."

SIGNED_ZONES = (SECURE, BOGUS)
REVERSE_ZONES = (
    "196.31.192.in-addr.arpa.",             # secure.test exchanges: no PTR
    "48.175.192.in-addr.arpa.",             # insecure/bogus/multi: no PTR
    "193.52.192.in-addr.arpa.",             # ptr.test exchanges: the PTRs
    "2.1.1.0.4.0.0.0.1.0.0.2.ip6.arpa.",    # 2001:4:112::/48
    "0.0.0.8.f.4.0.0.0.2.6.2.ip6.arpa.",    # 2620:4f:8000::/48: no PTR
)
RESOLVER_ZONES = (SECURE, BOGUS, INSECURE, PTR) + REVERSE_ZONES

# DNSSEC status that a validating resolver gives each zone's data.
SECURITY = {SECURE: "secure", BOGUS: "bogus", INSECURE: "insecure",
            PTR: "insecure"}
SECURITY.update({z: "insecure" for z in REVERSE_ZONES})

# MX RRsets: owner -> sorted [(preference, exchange)].
MX = {
    SECURE: [(10, "mx.secure.test."), (20, "mx.insecure.test."),
             (30, "mx2.secure.test."), (40, "mx3.secure.test.")],
    "dane.secure.test.": [(10, "mx.secure.test.")],
    "pkix.secure.test.": [(10, "mx2.secure.test.")],
    "badtlsa.secure.test.": [(10, "mx3.secure.test.")],
    "notlsa.secure.test.": [(10, "mx4.secure.test.")],
    "mixed.secure.test.": [(10, "mx.insecure.test.")],
    BOGUS: [(10, "mx.bogus.test.")],
    INSECURE: [(10, "mx.insecure.test.")],
    "brokenmx.insecure.test.": [(10, "mx.bogus.test."),
                                (20, "mx.insecure.test.")],
    PTR: [(10, "mx-confirmed.ptr.test."), (20, "mx-noptr.ptr.test."),
          (30, "mx-mismatch.ptr.test."), (40, "mx-twoptr.ptr.test."),
          (50, "mx-dangling.ptr.test.")],
    "confirmed.ptr.test.": [(10, "mx-confirmed.ptr.test.")],
    "noptr.ptr.test.": [(10, "mx-noptr.ptr.test.")],
    "mismatch.ptr.test.": [(10, "mx-mismatch.ptr.test.")],
    "twoptr.ptr.test.": [(10, "mx-twoptr.ptr.test.")],
    "dangling.ptr.test.": [(10, "mx-dangling.ptr.test.")],
}

# Exchange addresses: name -> {"A": [...], "AAAA": [...]} (an absent key
# means no such RRset: NODATA).
ADDRESSES = {
    "mx.secure.test.": {"A": ["192.31.196.10"], "AAAA": ["2001:4:112::10"]},
    "mx2.secure.test.": {"A": ["192.31.196.11"]},
    "mx3.secure.test.": {"A": ["192.31.196.12"]},
    "mx4.secure.test.": {"A": ["192.31.196.13"]},
    "mx.insecure.test.": {"A": ["192.175.48.10"],
                          "AAAA": ["2620:4f:8000::10"]},
    "mx.bogus.test.": {"A": ["192.175.48.20"], "AAAA": ["2620:4f:8000::20"]},
    "mx-confirmed.ptr.test.": {"A": ["192.52.193.10"],
                               "AAAA": ["2001:4:112:1::10"]},
    "mx-noptr.ptr.test.": {"A": ["192.52.193.11"]},
    "mx-mismatch.ptr.test.": {"A": ["192.52.193.12"]},
    "mx-twoptr.ptr.test.": {"A": ["192.52.193.13"]},
    "mx-dangling.ptr.test.": {"A": ["192.52.193.14"]},
    "other.ptr.test.": {"A": ["192.52.193.99"]},
    "alias.ptr.test.": {"A": ["192.52.193.98"]},
}

# TLSA RRsets at _25._tcp.<exchange>: owner -> (usage, selector, mtype, hex),
# and the verdict an SMTP DANE check (RFC 7672) should reach.
TLSA = {
    "_25._tcp.mx.secure.test.": (
        3, 1, 1,
        "bb3aa7992d610bc762251136329f60e958c9022b4004fba68eb16e1426303678"),
    "_25._tcp.mx2.secure.test.": (
        1, 1, 1,
        "ddd5eca937a3db192091dc9ead94a1cde6d72714c55a7c1868a41c8df5eba432"),
    "_25._tcp.mx3.secure.test.": (
        3, 1, 1, "fe29f4cc80a47dbc7b9b3f6a6a405fc431d9c0ed"),
    "_25._tcp.mx.insecure.test.": (
        3, 1, 1,
        "f6abf2da40722f52b2f4fdec9b56320fb9b731f09efd1a4efacfe3e5da587928"),
    "_25._tcp.mx.bogus.test.": (
        3, 1, 1,
        "d5e23e10b6f34a96ebf566060b401875e12b0cdf5aa2e595c03d089a258a9f2a"),
}
DANE_VERDICT = {
    "mx.secure.test.": "usable (DANE-EE 3 1 1, secure)",
    "mx2.secure.test.": "unusable: PKIX-EE (usage 1) is not for SMTP",
    "mx3.secure.test.": "malformed: SHA2-256 with 20 bytes of data",
    "mx4.secure.test.": "no TLSA, securely denied (NSEC): no DANE",
    "mx.insecure.test.": "TLSA present but insecure: not usable",
    "mx.bogus.test.": "bogus: SERVFAIL (data only with CD)",
}

# Reverse DNS of ptr.test's exchanges: address -> (PTR names, verdict).
PTR_CASES = {
    "192.52.193.10": (["mx-confirmed.ptr.test."], "confirmed"),
    "2001:4:112:1::10": (["mx-confirmed.ptr.test."], "confirmed"),
    "192.52.193.11": ([], "nxdomain"),
    "192.52.193.12": (["other.ptr.test."], "not confirmed"),
    "192.52.193.13": (["alias.ptr.test.", "mx-twoptr.ptr.test."],
                      "confirmed by mx-twoptr.ptr.test. only"),
    "192.52.193.14": (["gone.ptr.test."],
                      "not confirmed: PTR name is NXDOMAIN"),
}

# multi.test on several authoritative servers (the Authorities class).
MULTI_NS = {
    "ns1.multi.test.": "127.0.0.11",
    "ns2.multi.test.": "127.0.0.12",
    "ns3.multi.test.": "127.0.0.13",
    "ns4.multi.test.": "127.0.0.14",
    "ns5.multi.test.": "127.0.0.15",
}
MULTI_SERIAL_CURRENT = 2026120101
MULTI_SERIAL_STALE = 2026113001
MULTI_MX_CURRENT = [(10, "mx1.multi.test."), (20, "mx2.multi.test.")]
MULTI_MX_STALE = [(10, "mx-old.multi.test.")]
MULTI_ADDRESSES = {
    "mx1.multi.test.": {"A": ["192.175.48.31"], "AAAA": ["2620:4f:8000::31"]},
    "mx2.multi.test.": {"A": ["192.175.48.32"]},
    "mx-old.multi.test.": {"A": ["192.175.48.30"]},   # stale copy only
}


class DiagError(RuntimeError):
    """A server of the diagnostics set-up could not start."""


# ---------------------------------------------------------------------------
# Small DNS helpers (dnspython).

def ask(address, port, name, rdtype="A", rd=False, ad=False, do=False,
        cd=False, edns=True, tcp=False, timeout=2.0):
    """One query; returns the dns.message.Message reply (raises
    dns.exception.Timeout when none comes)."""
    q = dns.message.make_query(name, rdtype, use_edns=0 if edns else False,
                               want_dnssec=do, payload=1232)
    q.flags &= ~(dns.flags.RD | dns.flags.AD | dns.flags.CD)
    if rd:
        q.flags |= dns.flags.RD
    if ad:
        q.flags |= dns.flags.AD
    if cd:
        q.flags |= dns.flags.CD
    if tcp:
        return dns.query.tcp(q, address, port=port, timeout=timeout)
    return dns.query.udp(q, address, port=port, timeout=timeout,
                         ignore_unexpected=True)


def rrset(reply, name, rdtype, section="answer"):
    """The RRset of reply's section (default answer), or None."""
    return reply.get_rrset(getattr(reply, section), dns.name.from_text(name),
                           dns.rdataclass.IN, dns.rdatatype.from_text(rdtype))


def ede(reply):
    """[(code, text)] of the Extended DNS Error options (RFC 8914)."""
    out = []
    for opt in reply.options:
        if opt.otype == dns.edns.EDE:
            out.append((int(opt.code), opt.text))
    return out


def _wait(what, check, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise DiagError("%s: not ready after %.0f s" % (what, timeout))
        time.sleep(interval)


def _stop_pid(proc, timeout=5):
    """SIGTERM the child by its PID, then SIGKILL after timeout seconds."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


# ---------------------------------------------------------------------------

class Unbound:
    """unbound -d on loopback with a generated configuration.

    stubs: list of (zone, ["127.0.0.1@PORT", ...]); trust_anchors: list of
    trust-anchor strings ("zone. DS ..."); extra_server_options: more
    lines for "server:" (later ones win, e.g. "verbosity: 4"); probe_name:
    what the readiness probe asks (any reply will do).  Attributes after
    start(): port, addresses, tmpdir, conf_path, log_path (unbound's log;
    its stdout/stderr go to log_path + ".stderr"), control_path, pid.
    """

    tmp_prefix = "mxq-unbound-"
    stop_timeout = 5

    def __init__(self, stubs, trust_anchors=(), addresses=("127.0.0.1", "::1"),
                 port=None, unbound=UNBOUND, timeout=10.0, keep_tmpdir=False,
                 extra_server_options=(), probe_name="."):
        self.stubs = [(z, list(a)) for z, a in stubs]
        self.trust_anchors = list(trust_anchors)
        self.addresses = tuple(addresses)
        self.fixed_port = port
        self.port = port
        self.unbound = unbound
        self.timeout = timeout
        self.keep_tmpdir = keep_tmpdir or _keep()
        self.extra_server_options = list(extra_server_options)
        self.probe_name = probe_name
        self.tmpdir = None
        self.conf_path = None
        self.log_path = None
        self.control_path = None
        self.proc = None
        self._out = None

    @property
    def pid(self):
        return self.proc.pid if self.proc is not None else None

    def _config(self):
        q = _quote
        t = self.tmpdir
        lines = [
            "# generated by tests/system/diag.py",
            "server:",
            "    verbosity: 1",
            "    num-threads: 1",
            "    port: %d" % self.port,
        ]
        lines += ["    interface: %s@%d" % (a, self.port)
                  for a in self.addresses]
        lines += [
            "    interface-automatic: no",
            "    so-reuseport: no",
            "    do-ip4: yes",
            "    do-ip6: yes",
            "    do-udp: yes",
            "    do-tcp: yes",
            # Send only from loopback: nothing can go anywhere else.
            "    outgoing-interface: 127.0.0.1",
            "    outgoing-interface: ::1",
            "    access-control: 0.0.0.0/0 refuse",
            "    access-control: ::/0 refuse",
            "    access-control: 127.0.0.0/8 allow",
            "    access-control: ::1/128 allow",
            "    chroot: \"\"",
            "    username: \"\"",
            "    directory: %s" % q(t),
            "    pidfile: %s" % q(os.path.join(t, "unbound.pid")),
            "    logfile: %s" % q(self.log_path),
            "    use-syslog: no",
            "    log-time-ascii: yes",
            "    log-servfail: yes",
            "    val-log-level: 2",
            "    ede: yes",
            "    module-config: \"validator iterator\"",
            # Our knotd listens on 127.0.0.1: allow querying it.
            "    do-not-query-localhost: no",
            "    local-zone: \"test.\" nodefault",
            # No root trust anchor: anything outside our anchors is
            # insecure.  No RFC 8145 / 8509 extras.
            "    trust-anchor-signaling: no",
            "    root-key-sentinel: no",
            # Few caching surprises: short TTLs, no synthesis, no prefetch.
            "    cache-max-ttl: 5",
            "    cache-max-negative-ttl: 5",
            "    val-bogus-ttl: 0",
            "    infra-host-ttl: 5",
            "    aggressive-nsec: no",
            "    prefetch: no",
            "    prefetch-key: no",
            "    serve-expired: no",
            "    qname-minimisation: no",
            "    harden-referral-path: no",
            "    hide-identity: yes",
            "    hide-version: yes",
        ]
        lines += ["    trust-anchor: %s" % q(ta) for ta in self.trust_anchors]
        lines += ["    %s" % o for o in self.extra_server_options]
        lines += [
            "",
            "remote-control:",
            "    control-enable: yes",
            "    control-interface: %s" % q(self.control_path),
            "    control-use-cert: no",
        ]
        for zone, addrs in self.stubs:
            lines += ["", "stub-zone:", "    name: %s" % q(zone)]
            lines += ["    stub-addr: %s" % a for a in addrs]
        return "\n".join(lines) + "\n"

    def log_text(self):
        text = ""
        for path in (self.log_path,
                     self.log_path and self.log_path + ".stderr"):
            try:
                with open(path, encoding="utf-8",
                          errors="backslashreplace") as f:
                    text += f.read()
            except (OSError, TypeError):
                pass
        return text

    def log_tail(self, lines=40):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def _launch(self):
        with open(self.conf_path, "w", encoding="utf-8") as f:
            f.write(self._config())
        chk = subprocess.run([self.unbound + "-checkconf", self.conf_path],
                             capture_output=True, text=True)
        if chk.returncode != 0:
            raise DiagError("unbound-checkconf %s: %s%s"
                            % (self.conf_path, chk.stdout, chk.stderr))
        self._out = open(self.log_path + ".stderr", "ab")
        self.proc = subprocess.Popen(
            [self.unbound, "-d", "-c", self.conf_path],
            stdin=subprocess.DEVNULL, stdout=self._out,
            stderr=subprocess.STDOUT, start_new_session=True)

    def _answers(self, address):
        try:
            ask(address, self.port, self.probe_name, "SOA", rd=True,
                timeout=0.3)
            return True
        except Exception:   # noqa: BLE001 (timeout, refused, ...)
            return False

    def _wait_ready(self):
        """True when ready; False if the port could not be bound."""
        deadline = time.monotonic() + self.timeout
        while True:
            log = self.log_text()
            if self.proc.poll() is not None:
                if "could not open ports" in log or "can't bind" in log:
                    return False
                self._fail("exited with status %d" % self.proc.returncode)
            if "start of service" in log and all(
                    self._answers(a) for a in self.addresses):
                return True
            if time.monotonic() > deadline:
                self._fail("not ready after %.0f s" % self.timeout)
            time.sleep(0.02)

    def _fail(self, why):
        tail = self.log_tail()
        self._stop_process()
        raise DiagError("unbound %s (config %s)\n--- unbound log tail ---\n%s"
                        % (why, self.conf_path, tail))

    def start(self):
        if not os.access(self.unbound, os.X_OK):
            raise DiagError("%s not found (Debian package unbound: "
                            "sh scripts/deps.sh test)" % self.unbound)
        self.tmpdir = tempfile.mkdtemp(prefix=self.tmp_prefix)
        self.conf_path = os.path.join(self.tmpdir, "unbound.conf")
        self.log_path = os.path.join(self.tmpdir, "unbound.log")
        self.control_path = os.path.join(self.tmpdir, "unbound.ctl")
        try:
            attempts = 1 if self.fixed_port else 5
            for attempt in range(attempts):
                if not self.fixed_port:
                    self.port = free_port(self.addresses)
                self._launch()
                if self._wait_ready():
                    return self
                self._stop_process()
                for suffix in ("", ".stderr"):
                    if os.path.exists(self.log_path + suffix):
                        os.rename(self.log_path + suffix, "%s%s.%d" % (
                            self.log_path, suffix, attempt))
            self._fail("could not bind port %d on %s"
                       % (self.port, ", ".join(self.addresses)))
        except BaseException:
            self.stop()
            raise
        return self

    def control(self, *args):
        """Run unbound-control (over the local socket); returns stdout."""
        p = subprocess.run([UNBOUND_CONTROL, "-c", self.conf_path]
                           + [str(a) for a in args],
                           capture_output=True, text=True, timeout=10)
        if p.returncode != 0:
            raise DiagError("unbound-control %s: %s%s"
                            % (" ".join(args), p.stdout, p.stderr))
        return p.stdout

    def flush(self):
        """Empty unbound's caches (messages, RRsets, keys, bogus data,
        server information)."""
        self.control("flush_zone", ".")
        self.control("flush_bogus")
        self.control("flush_negative")
        self.control("flush_infra", "all")

    def _stop_process(self):
        proc, self.proc = self.proc, None
        _stop_pid(proc, self.stop_timeout)
        if self._out is not None:
            self._out.close()
            self._out = None

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


def _absolute(zone):
    """zone name with its final dot, lower case."""
    zone = zone.lower()
    return zone if zone.endswith(".") else zone + "."


def _quote(value):
    if any(c in value for c in "\"\n\r"):
        raise DiagError("cannot quote %r" % value)
    return '"%s"' % value


# ---------------------------------------------------------------------------

SIGNING_POLICY = """\
policy:
  - id: mxq-diag
    algorithm: ecdsap256sha256
    ksk-lifetime: 0
    zsk-lifetime: 0
    rrsig-lifetime: 14d
    rrsig-refresh: 7d
    dnskey-ttl: 300
    zone-max-ttl: 300
    propagation-delay: 0
    nsec3: off
"""


def _wrong_ds(ds):
    """A DS with the same owner, key tag, algorithm and digest type, but a
    digest of no key: the trust anchor that makes a zone bogus."""
    fake = hashlib.sha256(b"not a key of " + ds.to_text().encode()).hexdigest()
    return "%d %d %d %s" % (ds.key_tag, ds.algorithm, ds.digest_type,
                            fake.upper())


class Resolver:
    """A signing knotd and a validating unbound in front of it.

    Attributes after start():
      address, address6   "127.0.0.1", "::1": where unbound listens
      addresses           both
      port                unbound's port (same on both addresses)
      knot                the Knot instance (knot.port, knot.pid, ...)
      knot_port           knotd's port (127.0.0.1 and ::1; RD=0 queries)
      unbound             the Unbound instance (pid, log_path, conf_path,
                          control(), flush())
      zones               zone name -> "secure" | "bogus" | "insecure"
      dnskeys             signed zone -> [DNSKEY text, ...] as knotd serves
      ksk_ds              signed zone -> DS text (SHA-256) of its KSK
      trust_anchors       signed zone -> the DS given to unbound (the real
                          one for secure.test, a wrong digest for bogus.test)
      serials             zone -> SOA serial that knotd serves (knotd 3.2
                          keeps the file's serial when it signs on load)
      startup_seconds     how long start() took
      signed_zones        every zone knotd signs (SIGNED_ZONES + the extra
                          signed zones)
      zone_text_dir       the temporary directory holding zone_texts' files
                          (None without zone_texts; removed by stop())
    Methods: ask(name, rdtype, **kw) sends a query to unbound with RD (see
    diag.ask for the flags), ask_knot(...) to knotd without RD; flush().

    More zones (optional; without them nothing changes):
      extra_zone_dirs     directories of more "*.zone" files (zone name =
                          file name without .zone), e.g. smtpzones/
      zone_texts          {zone name: zone file text}, or a callable
                          returning that, called by start(): zones made at
                          start (e.g. with TLSA records of fresh
                          certificates); written to zone_text_dir
      extra_signed_zones  which of the extra zones knotd signs and unbound
                          trusts (the real DS as trust anchor: "secure");
                          the other extra zones are "insecure"
    Every extra zone gets a stub zone in unbound, like the built-in ones;
    a name may not be both built in and extra.
    """

    def __init__(self, addresses=("127.0.0.1", "::1"), timeout=15.0,
                 keep_tmpdir=False, extra_zone_dirs=(), zone_texts=None,
                 extra_signed_zones=()):
        self.addresses = tuple(addresses)
        self.address = self.addresses[0]
        self.address6 = next((a for a in self.addresses if ":" in a), None)
        self.timeout = timeout
        self.keep_tmpdir = keep_tmpdir or _keep()
        self.extra_zone_dirs = [os.path.abspath(d) for d in extra_zone_dirs]
        self.zone_texts = zone_texts
        self.extra_signed_zones = tuple(_absolute(z)
                                        for z in extra_signed_zones)
        self.signed_zones = SIGNED_ZONES + self.extra_signed_zones
        self.zone_text_dir = None
        self.knot = None
        self.unbound = None
        self.port = None
        self.knot_port = None
        self.zones = {z: SECURITY[z] for z in RESOLVER_ZONES}
        self.dnskeys = {}
        self.ksk_ds = {}
        self.trust_anchors = {}
        self.serials = {}
        self.startup_seconds = None

    @property
    def pids(self):
        return [p for p in (self.knot and self.knot.pid,
                            self.unbound and self.unbound.pid) if p]

    def ask(self, name, rdtype="A", address=None, **kw):
        kw.setdefault("rd", True)
        return ask(address or self.address, self.port, name, rdtype, **kw)

    def ask_knot(self, name, rdtype="A", **kw):
        return ask("127.0.0.1", self.knot_port, name, rdtype, **kw)

    def flush(self):
        self.unbound.flush()

    def _signed_keys(self, zone):
        """DNSKEYs once knotd serves the zone signed, else None."""
        try:
            r = self.ask_knot(zone, "DNSKEY", do=True, timeout=0.5)
        except Exception:   # noqa: BLE001
            return None
        keys = rrset(r, zone, "DNSKEY")
        sigs = r.get_rrset(r.answer, dns.name.from_text(zone),
                           dns.rdataclass.IN, dns.rdatatype.RRSIG,
                           dns.rdatatype.DNSKEY)
        if keys is None or sigs is None or not any(k.flags == 257
                                                    for k in keys):
            return None
        return keys

    def _zone_dirs(self):
        """The zone directories for knotd; writes zone_texts' files."""
        dirs = [RESOLVER_ZONES_DIR] + self.extra_zone_dirs
        texts = self.zone_texts
        if callable(texts):
            texts = texts()
        if texts:
            self.zone_text_dir = tempfile.mkdtemp(prefix="mxq-diag-zones-")
            for zone, text in texts.items():
                zone = _absolute(zone)
                if "/" in zone or zone == ".":
                    raise DiagError("zone_texts: bad zone name %r" % zone)
                with open(os.path.join(self.zone_text_dir, zone + "zone"),
                          "w", encoding="utf-8") as f:
                    f.write(text)
            dirs.append(self.zone_text_dir)
        return dirs

    def start(self):
        t0 = time.monotonic()
        try:
            self.knot = Knot(
                zone_dirs=self._zone_dirs(), extra_empty_zones=(),
                timeout=self.timeout, keep_tmpdir=self.keep_tmpdir,
                extra_conf=SIGNING_POLICY,
                zone_options={z: {"dnssec-signing": "on",
                                  "dnssec-policy": "mxq-diag"}
                              for z in self.signed_zones})
            self.knot.tmp_prefix = "mxq-diag-knot-"
            for zone in sorted(self.knot.zones):
                if zone not in self.zones:
                    self.zones[zone] = ("secure"
                                        if zone in self.extra_signed_zones
                                        else "insecure")
            self.knot.start()
            self.knot_port = self.knot.port
            anchors = []
            for zone in self.signed_zones:
                keys = _wait("knotd signing " + zone,
                             lambda z=zone: self._signed_keys(z),
                             self.timeout)
                self.dnskeys[zone] = sorted(k.to_text() for k in keys)
                ksk = next(k for k in keys if k.flags == 257)
                ds = dns.dnssec.make_ds(zone, ksk, "SHA256")
                self.ksk_ds[zone] = "%s DS %s" % (zone, ds.to_text())
                if self.zones[zone] == "bogus":
                    ta = "%s DS %s" % (zone, _wrong_ds(ds))
                else:
                    ta = self.ksk_ds[zone]
                self.trust_anchors[zone] = ta
                anchors.append(ta)
            for zone in self.zones:
                soa = rrset(self.ask_knot(zone, "SOA"), zone, "SOA")
                self.serials[zone] = soa[0].serial
            knot_addr = "127.0.0.1@%d" % self.knot_port
            stubs = [(z, [knot_addr]) for z in self.zones]
            # Anything else goes to knotd too (REFUSED there): the root
            # hints are never used.
            stubs.append((".", [knot_addr]))
            self.unbound = Unbound(stubs, anchors, addresses=self.addresses,
                                   timeout=self.timeout,
                                   keep_tmpdir=self.keep_tmpdir)
            self.unbound.start()
            self.port = self.unbound.port
            # Validated answers for the signed zones before handing over.
            for zone in (SECURE,) + self.extra_signed_zones:
                r = self.ask(zone, "SOA", do=True)
                if not (r.rcode() == dns.rcode.NOERROR
                        and r.flags & dns.flags.AD):
                    raise DiagError("unbound does not validate %s: %s\n%s"
                                    % (zone, r, self.unbound.log_tail()))
            self.flush()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - t0
        return self

    def stop(self):
        if self.unbound is not None:
            self.unbound.stop()
        if self.knot is not None:
            self.knot.stop()
        if self.zone_text_dir is not None and not self.keep_tmpdir:
            shutil.rmtree(self.zone_text_dir, ignore_errors=True)
            self.zone_text_dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def describe(self):
        return ("unbound pid %s on %s port %s (log %s)\n"
                "knotd pid %s on 127.0.0.1, ::1 port %s (log %s)\n"
                "trust anchors:\n  %s"
                % (self.unbound.pid, ", ".join(self.addresses), self.port,
                   self.unbound.log_path, self.knot.pid, self.knot_port,
                   self.knot.log_path,
                   "\n  ".join(self.trust_anchors.values())))


# ---------------------------------------------------------------------------

class Blackhole:
    """Reads DNS queries on address:port (UDP, and TCP connections) and
    never answers.  Attributes: address, port, datagrams (UDP messages
    read), connections (TCP connections accepted), tcp_bytes."""

    def __init__(self, address, port):
        self.address = address
        self.port = port
        self.datagrams = 0
        self.connections = 0
        self.tcp_bytes = 0
        self._socks = []
        self._wake_r = self._wake_w = None
        self._thread = None
        self._lock = threading.Lock()

    def start(self):
        fam = socket.AF_INET6 if ":" in self.address else socket.AF_INET
        try:
            u = socket.socket(fam, socket.SOCK_DGRAM)
            self._socks.append(u)
            u.bind((self.address, self.port))
            t = socket.socket(fam, socket.SOCK_STREAM)
            self._socks.append(t)
            t.bind((self.address, self.port))
            t.listen(16)
        except OSError:
            self.stop()
            raise
        self._udp, self._tcp = u, t
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name="blackhole-%s" % self.address)
        self._thread.start()
        return self

    def _loop(self):
        sel = selectors.DefaultSelector()
        sel.register(self._udp, selectors.EVENT_READ, "udp")
        sel.register(self._tcp, selectors.EVENT_READ, "listen")
        sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        conns = []
        try:
            while True:
                for key, _ in sel.select():
                    what, s = key.data, key.fileobj
                    if what == "wake":
                        return
                    if what == "udp":
                        s.recvfrom(65535)
                        with self._lock:
                            self.datagrams += 1
                    elif what == "listen":
                        c, _ = s.accept()
                        conns.append(c)
                        sel.register(c, selectors.EVENT_READ, "conn")
                        with self._lock:
                            self.connections += 1
                    else:
                        data = s.recv(65535)
                        with self._lock:
                            self.tcp_bytes += len(data)
                        if not data:
                            sel.unregister(s)
                            conns.remove(s)
                            s.close()
        finally:
            for c in conns:
                c.close()
            sel.close()

    def stop(self):
        if self._thread is not None:
            self._wake_w.send(b"x")
            self._thread.join(5)
            self._thread = None
        for s in self._socks + [self._wake_r, self._wake_w]:
            if s is not None:
                s.close()
        self._socks = []
        self._wake_r = self._wake_w = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def _lost_port(e):
    if isinstance(e, OSError):
        return e.errno == errno.EADDRINUSE
    return "could not bind" in str(e)


class Server:
    """One of the name servers of multi.test (Authorities.servers)."""

    def __init__(self, ns, address, role, serial=None, mx=None):
        self.ns = ns                # "ns1.multi.test."
        self.address = address      # "127.0.0.11"
        self.role = role            # current | stale | blackhole | lame
        self.serial = serial        # SOA serial it answers (None: none)
        self.mx = mx                # sorted [(pref, exchange)] or None
        self.knot = None            # the Knot instance (knotd roles)

    @property
    def pid(self):
        return self.knot.pid if self.knot is not None else None

    def __repr__(self):
        return "<Server %s %s %s serial=%s>" % (self.ns, self.address,
                                                 self.role, self.serial)


LAME_ZONE = "unrelated.invalid."


class Authorities:
    """multi.test. on five name servers at 127.0.0.11-15, one port.

    Attributes after start():
      port        the port of every server (give mxq "-p port")
      zone        "multi.test."
      ns          name server name -> address (ns1..ns5.multi.test.)
      servers     address -> Server (.ns, .address, .role, .serial, .mx,
                  .knot, .pid); roles: "current" (.11, .12: serial
                  2026120101, MX 10 mx1, 20 mx2), "stale" (.13: serial
                  2026113001, MX 10 mx-old), "blackhole" (.14: never
                  answers), "lame" (.15: a knotd without multi.test,
                  REFUSED)
      blackhole   the Blackhole on 127.0.0.14 (.datagrams, .connections)
      knots       [Knot, ...] of the four knotd
      pids        their PIDs
      startup_seconds
    """

    def __init__(self, timeout=10.0, keep_tmpdir=False):
        self.timeout = timeout
        self.keep_tmpdir = keep_tmpdir or _keep()
        self.zone = MULTI
        self.ns = dict(MULTI_NS)
        self.port = None
        self.servers = {}
        self.blackhole = None
        self.knots = []
        self.startup_seconds = None

    @property
    def pids(self):
        return [k.pid for k in self.knots if k.pid]

    def _plan(self):
        a = MULTI_NS
        return [
            Server("ns1.multi.test.", a["ns1.multi.test."], "current",
                   MULTI_SERIAL_CURRENT, MULTI_MX_CURRENT),
            Server("ns2.multi.test.", a["ns2.multi.test."], "current",
                   MULTI_SERIAL_CURRENT, MULTI_MX_CURRENT),
            Server("ns3.multi.test.", a["ns3.multi.test."], "stale",
                   MULTI_SERIAL_STALE, MULTI_MX_STALE),
            Server("ns4.multi.test.", a["ns4.multi.test."], "blackhole"),
            Server("ns5.multi.test.", a["ns5.multi.test."], "lame"),
        ]

    def _start_knot(self, server, port):
        if server.role == "lame":
            kw = dict(zone_dirs=[], extra_empty_zones=(LAME_ZONE,))
        else:
            d = MULTI_CURRENT_DIR if server.role == "current" \
                else MULTI_STALE_DIR
            kw = dict(zone_dirs=[d], extra_empty_zones=())
        k = Knot(addresses=(server.address,), port=port,
                 timeout=self.timeout, keep_tmpdir=self.keep_tmpdir, **kw)
        k.tmp_prefix = "mxq-diag-%s-" % server.ns.split(".")[0]
        server.knot = k
        self.knots.append(k)
        k.start()

    def start(self):
        t0 = time.monotonic()
        addresses = tuple(MULTI_NS.values())
        try:
            for attempt in range(5):
                # One port free on all five addresses; another program may
                # take it before our servers bind it: then again.
                self.port = free_port(addresses)
                plan = self._plan()
                try:
                    self._start_plan(plan)
                except (KnotError, OSError) as e:
                    self._stop_all()
                    if attempt < 4 and _lost_port(e):
                        continue
                    raise
                self.servers = {s.address: s for s in plan}
                break
        except BaseException:
            self._stop_all()
            raise
        self.startup_seconds = time.monotonic() - t0
        return self

    def _start_plan(self, plan):
        for s in plan:
            if s.role == "blackhole":
                self.blackhole = Blackhole(s.address, self.port).start()
        # The knotd start in parallel (each waits for its own readiness).
        errors = []

        def start_one(server):
            try:
                self._start_knot(server, self.port)
            except (KnotError, OSError) as e:
                errors.append(e)
        threads = [threading.Thread(target=start_one, args=(s,))
                   for s in plan if s.role != "blackhole"]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]

    def _stop_all(self):
        knots, self.knots = self.knots, []
        for k in knots:
            k.stop()
        if self.blackhole is not None:
            self.blackhole.stop()
            self.blackhole = None

    def stop(self):
        self._stop_all()

    def ask(self, address, name=MULTI, rdtype="SOA", **kw):
        """A query (RD=0) to one of the servers, at self.port."""
        return ask(address, self.port, name, rdtype, **kw)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def describe(self):
        return "\n".join("%-16s %-11s %-9s pid %s" % (
            s.ns, s.address, s.role, s.pid or "-(python)")
            for s in self.servers.values()) + "\nport %d" % self.port


def main(argv):
    if len(argv) != 1 or argv[0] not in ("resolver", "authorities"):
        print("usage: diag.py resolver|authorities", file=sys.stderr)
        return 2
    cls = Resolver if argv[0] == "resolver" else Authorities
    done = []
    signal.signal(signal.SIGTERM, lambda *a: done.append(1))
    with cls() as x:
        print(x.describe(), "\nstarted in %.2f s; ^C to stop"
              % x.startup_seconds, flush=True)
        try:
            while not done:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
