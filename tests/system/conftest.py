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

Result: .rc, .out, .err (str), .outb, .errb (bytes), .argv, .json()
(stdout as a list of NDJSON objects).  Output that is not valid UTF-8
fails the test: mxq must never print invalid UTF-8.  So does a sanitizer
report on stderr, or a valgrind error (exit code from --error-exitcode).

Environment: MXQ (binary), MXQ_WRAPPER (command prefix, e.g. "valgrind
--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
-q"), MXQ_TIMEOUT_FACTOR (timeout multiplier under a wrapper, default 5),
MXQ_WRAPPER_SLACK (seconds a wrapper may add to a timed run, default 3),
MXQ_KNOT_KEEP=1 (keep knotd's temporary directory for debugging).
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
