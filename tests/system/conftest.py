"""pytest fixtures for mxq's system tests.

  knot      (session)  a private knotd on 127.0.0.1 and ::1 serving
                       examples/zones and tests/system/zones, plus the
                       empty zone servfail.test. (SERVFAIL); .port
  mxq_bin   (session)  path of the binary: $MXQ or <repo>/mxq; a missing
                       binary fails the test (it is a build problem)
  run       (session)  run(*args, input=None, timeout=30, env=None,
                       server=True) -> Result; runs
                       mxq @127.0.0.1 -p <knot port> *args
  fault     (session)  a started faultserver.FaultServer (.port on
                       127.0.0.1); skips if tests/system/faultserver.py is
                       not there
  run_fault (session)  like run, pointed at the fault server

For the DNS diagnostics (--dnssec, --dane, --ptr, --ns; tests/system/diag.py
and tests/system/diagzones/README.md; they need the Debian package unbound):

  resolver        (session)  a validating unbound on 127.0.0.1 and ::1
                             (.address, .address6, .port) in front of a
                             knotd that signs secure.test and bogus.test
                             itself (.knot, .knot_port); .trust_anchors,
                             .dnskeys, .serials, .ask(), .flush()
  authorities     (session)  multi.test on 127.0.0.11-15, one .port:
                             .servers (address -> role, serial, mx), .ns,
                             .blackhole, .knots
  run_resolver    (session)  like run, pointed at the resolver
  run_authorities (session)  like run, pointed at 127.0.0.11 (ns1), port
                             authorities.port
  smtp, run_smtp  (session)  the SMTP probe (--smtp): test CA, SMTP and
                             MTA-STS HTTPS servers on loopback, resolver
                             with smtp.test (tests/system/smtpd.py,
                             smtpzones/README.md); run_smtp adds
                             smtp.mxq_options (--smtp --smtp-port ...)

Result: .rc, .out, .err (str), .outb, .errb (bytes), .argv, .json()
(stdout as a list of NDJSON objects).  Output that is not valid UTF-8
fails the test: mxq must never print invalid UTF-8.  So does a sanitizer
report on stderr, or a valgrind error (exit code from --error-exitcode).

Environment: MXQ (binary), MXQ_WRAPPER (command prefix, e.g. "valgrind
--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
-q"), MXQ_TIMEOUT_FACTOR (timeout multiplier under a wrapper, default 5),
MXQ_WRAPPER_SLACK (seconds a wrapper may add to a timed run, default 3),
MXQ_KNOT_KEEP=1 (keep knotd's temporary directory for debugging).
The resolver and authorities fixtures keep theirs (knotd's and unbound's)
with MXQ_KNOT_KEEP=1 or MXQ_DIAG_KEEP=1.
"""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from knot import Knot  # noqa: E402

ZONE_DIRS = [REPO / "examples" / "zones", HERE / "zones"]
EMPTY_ZONES = ["servfail.test."]

# Variables of the caller's environment that would change mxq's output.
_SCRUB = ("NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "LANGUAGE", "LANG",
          "LC_CTYPE", "LC_MESSAGES", "LC_NUMERIC", "LC_TIME", "TERM")

_SANITIZER_MARKS = (b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer",
                    b"WARNING: MemorySanitizer", b": runtime error: ")


class Result:
    """The outcome of one mxq run."""

    def __init__(self, argv, rc, outb, errb):
        self.argv = argv
        self.rc = rc
        self.outb = outb
        self.errb = errb
        self.out = _decode(outb, "stdout", argv)
        self.err = _decode(errb, "stderr", argv)

    def json(self):
        """stdout parsed as NDJSON: one object per non-empty line."""
        objs = []
        for n, line in enumerate(self.out.splitlines(), 1):
            if not line.strip():
                continue
            try:
                objs.append(json.loads(line))
            except ValueError as e:
                pytest.fail("stdout line %d is not JSON (%s): %r\n%s"
                            % (n, e, line, self))
        return objs

    def __repr__(self):
        return ("<Result rc=%d argv=%s>\n--- stdout ---\n%s--- stderr ---\n%s"
                % (self.rc, shlex.join(self.argv), self.out, self.err))

    __str__ = __repr__


def _decode(raw, stream, argv):
    try:
        return raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        why = str(e)
    pytest.fail("mxq wrote invalid UTF-8 on %s (%s)\nargv: %s\n%s: %r"
                % (stream, why, shlex.join(argv), stream, raw))


def _wrapper():
    return shlex.split(os.environ.get("MXQ_WRAPPER", ""))


def wall_slack():
    """Seconds that a wrapper such as valgrind adds to one run of mxq (its
    start-up and slower code), for tests that bound wall-clock time; 0
    without a wrapper.  mxq's own elapsed_ms needs no slack."""
    if not _wrapper():
        return 0.0
    return float(os.environ.get("MXQ_WRAPPER_SLACK", "3"))


def _wrapper_error_code(wrapper):
    for arg in wrapper:
        if arg.startswith("--error-exitcode="):
            return int(arg.split("=", 1)[1])
    return None


def _base_env():
    env = {k: v for k, v in os.environ.items()
           if k not in _SCRUB and not k.startswith("MXQ_")}
    env["LC_ALL"] = "C.UTF-8"
    return env


def make_runner(binary, address, port):
    """Return run(*args, input=None, timeout=30, env=None, server=True).

    server=True puts "@<address> -p <port>" before args; server=False puts
    nothing (for --help, usage errors, or tests that pass their own
    server); a string puts "@<that string> -p <port>" (e.g. "::1").
    env entries override the defaults (LC_ALL=C.UTF-8); None removes one.
    input (str or bytes) is sent on stdin; without it stdin is /dev/null.
    """
    wrapper = _wrapper()
    error_code = _wrapper_error_code(wrapper)
    factor = float(os.environ.get("MXQ_TIMEOUT_FACTOR", "5")) if wrapper else 1

    def run(*args, input=None, timeout=30, env=None, server=True):
        argv = wrapper + [binary]
        if server is True:
            argv += ["@" + address, "-p", str(port)]
        elif server:
            argv += ["@" + server, "-p", str(port)]
        argv += [str(a) for a in args]
        full_env = _base_env()
        for k, v in (env or {}).items():
            if v is None:
                full_env.pop(k, None)
            else:
                full_env[k] = v
        if isinstance(input, str):
            input = input.encode("utf-8")
        try:
            p = subprocess.run(
                argv, input=input, env=full_env, capture_output=True,
                stdin=subprocess.DEVNULL if input is None else None,
                timeout=timeout * factor)
        except subprocess.TimeoutExpired:
            p = None
        if p is None:
            pytest.fail("mxq did not finish in %g s: %s"
                        % (timeout * factor, shlex.join(argv)))
        res = Result(argv, p.returncode, p.stdout, p.stderr)
        if any(m in p.stderr for m in _SANITIZER_MARKS):
            pytest.fail("sanitizer report\n%s" % res)
        if error_code is not None and p.returncode == error_code:
            pytest.fail("%s reported errors (exit %d)\n%s"
                        % (wrapper[0], error_code, res))
        return res

    return run


@pytest.fixture(scope="session")
def knot():
    with Knot(zone_dirs=ZONE_DIRS, extra_empty_zones=EMPTY_ZONES) as k:
        yield k


@pytest.fixture(scope="session")
def mxq_bin():
    path = os.environ.get("MXQ") or str(REPO / "mxq")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail("mxq binary %s not found or not executable: run `make` "
                    "first (or set MXQ=/path/to/mxq)" % path, pytrace=False)
    return path


@pytest.fixture(scope="session")
def run(knot, mxq_bin):
    return make_runner(mxq_bin, "127.0.0.1", knot.port)


@pytest.fixture(scope="session")
def fault():
    if not (HERE / "faultserver.py").exists():
        pytest.skip("tests/system/faultserver.py is not there")
    from faultserver import FaultServer
    with FaultServer() as fs:
        yield fs


@pytest.fixture(scope="session")
def run_fault(fault, mxq_bin):
    return make_runner(mxq_bin, "127.0.0.1", fault.port)


# --- DNS diagnostics: a validating resolver and several authorities -------
# (tests/system/diag.py; every name and record: tests/system/diagzones/)


@pytest.fixture(scope="session")
def resolver():
    """A validating unbound in front of a signing knotd, on loopback.

    unbound listens on resolver.address (127.0.0.1) and resolver.address6
    (::1), port resolver.port; ask it with RD.  It validates: secure.test
    answers carry AD, bogus.test answers SERVFAIL (with the CD bit: the
    data, no AD; EDE 9 "DNSKEY Missing" in unbound 1.17, text "validation
    failure <...>: DS hash mismatches key ..."), insecure.test, ptr.test and
    the reverse zones answer without AD.  Names outside the zones of
    diagzones/resolver/ get SERVFAIL (nothing goes past loopback).
    unbound caps TTLs at 5 s (cache-max-ttl).

    knotd (resolver.knot, resolver.knot_port on 127.0.0.1 and ::1) serves
    diagzones/resolver/ and signs secure.test and bogus.test (ECDSAP256SHA256,
    KSK + ZSK, NSEC).  resolver.trust_anchors: zone -> the DS given to
    unbound; resolver.ksk_ds: zone -> the real DS of the KSK;
    resolver.dnskeys; resolver.serials; resolver.zones (zone -> "secure" |
    "bogus" | "insecure").  resolver.ask(name, rdtype, do=, ad=, cd=,
    tcp=, address=) sends one RD query; resolver.flush() empties unbound's
    caches (unbound-control over a local socket).  What each record is:
    the constants of diag.py (MX, ADDRESSES, TLSA, DANE_VERDICT, PTR_CASES).
    Both processes are stopped by PID and their directories removed at
    the end of the session (unless MXQ_KNOT_KEEP / MXQ_DIAG_KEEP).
    """
    from diag import Resolver
    with Resolver() as r:
        yield r


@pytest.fixture(scope="session")
def authorities():
    """multi.test. on five name servers at 127.0.0.11-15, all on one port.

    authorities.port: the port of every server (mxq -p).  NS ns1..ns5.
    multi.test (A 127.0.0.11 .. 127.0.0.15) in every copy.
    authorities.servers: address -> Server(.ns, .role, .serial, .mx, .pid):
      127.0.0.11, .12  knotd, "current": serial 2026120101,
                       MX 10 mx1.multi.test., 20 mx2.multi.test.
      127.0.0.13       knotd, "stale": serial 2026113001,
                       MX 10 mx-old.multi.test. only
      127.0.0.14       "blackhole": Python sockets (UDP and TCP) that read
                       queries and never answer (authorities.blackhole:
                       .datagrams, .connections count what arrived)
      127.0.0.15       "lame": a knotd without multi.test: REFUSED
    authorities.ns: name -> address; authorities.knots: the Knot
    instances; authorities.ask(address, name, rdtype, ...) queries one
    server (RD=0).  Stopped by PID at the end of the session.
    """
    from diag import Authorities
    with Authorities() as a:
        yield a


@pytest.fixture(scope="session")
def run_resolver(resolver, mxq_bin):
    """run(...) with "@127.0.0.1 -p <resolver port>" (server="::1" for
    IPv6)."""
    return make_runner(mxq_bin, resolver.address, resolver.port)


@pytest.fixture(scope="session")
def run_authorities(authorities, mxq_bin):
    """run(...) with "@127.0.0.11 -p <authorities port>" (server=
    "127.0.0.13" etc. for another one of them)."""
    return make_runner(mxq_bin, "127.0.0.11", authorities.port)


# --- SMTP probe (--smtp): SMTP/HTTPS test servers and their zones ----------
# (tests/system/smtpd.py; every name and server: tests/system/smtpzones/
# README.md; self-tests: tests/system/test_smtp_infra.py).  Self-contained:
# only make_runner from above.


@pytest.fixture(scope="session")
def smtp():
    """The SMTP-probe test bed (smtpd.SmtpTestbed), all on loopback.

    smtp.port        every SMTP server's port (mxq --smtp-port): aiosmtpd
                     servers on 127.0.0.21-28, 31-33 and ::1 (mx1), the
                     scripted hostile server on 127.0.0.50-64 (one
                     scenario per address), nothing on 127.0.0.29
    smtp.https_port  every MTA-STS HTTPS server's port (--https-port):
                     127.0.0.40 (good certificate), .41 (wrong name),
                     .42 (self-signed), .43 (expired)
    smtp.cafile      the test CA (--cafile); smtp.other_cafile: a CA that
                     signed nothing; smtp.capath; smtp.pki.certs[name]
                     (.cert_path, .chain_path, .names, .spki_sha256,
                     .tlsa(usage, selector, mtype))
    smtp.resolver    diag.Resolver: validating unbound (smtp.dns_address
                     127.0.0.1, smtp.dns_port) with smtp.test (signed:
                     secure) and smtp-insecure.test (insecure), plus the
                     diag zones; .ask(), .flush()
    smtp.mxq_options ["--smtp", "--smtp-port", P, "--https-port", H,
                     "--cafile", F]
    smtp.events(since=smtp.mark(), server="mx1", kind="tls") what the
                     SMTP servers saw (connect, greeted, ehlo, starttls,
                     tls with version/cipher/sni, quit, close, ...);
                     smtp.https_requests(since=smtp.https_mark())
    Expected values: the constants of smtpd (EXCHANGES, MX, TLSA,
    SPKI_SHA256, HOSTILE, STS, POLICY_*, TLSRPT, SLOW_DELAYS).
    Everything stops (threads joined, processes stopped by PID,
    directories removed) at the end of the session, unless MXQ_SMTP_KEEP /
    MXQ_DIAG_KEEP / MXQ_KNOT_KEEP.  Needs python3-aiosmtpd,
    python3-cryptography, knot, unbound (sh scripts/deps.sh test).
    """
    import importlib.util
    missing = [m for m in ("aiosmtpd", "cryptography")
               if importlib.util.find_spec(m) is None]
    if missing:
        pytest.fail("Python module %s missing: install the test dependencies "
                    "(sh scripts/deps.sh test)" % ", ".join(missing),
                    pytrace=False)
    from smtpd import SmtpTestbed
    with SmtpTestbed() as bed:
        yield bed


@pytest.fixture(scope="session")
def run_smtp(smtp, mxq_bin):
    """run(*args, smtp_options=True, **kw): mxq @127.0.0.1 -p <resolver
    port> [smtp.mxq_options] *args.  smtp_options=False leaves the SMTP
    options out (for tests that give their own); server="::1" asks the
    resolver over IPv6; other keywords as for run.  Every exchange is on
    loopback: without "--private" mxq reports no mail route (exit 1)."""
    base = make_runner(mxq_bin, smtp.dns_address, smtp.dns_port)

    def run(*args, smtp_options=True, **kw):
        opts = list(smtp.mxq_options) if smtp_options else []
        return base(*(opts + list(args)), **kw)

    return run
