"""The documented defaults: --timeout 2 s, --tries 3, --concurrency 150 and
port 53 (mxq --help, mxq(1)).  Checked twice: in the help text, and by
what mxq sends to a server that never answers when none of the options is
given.  (tests/unit/test_cli.c checks the parsed values; these check that
the values reach the wire.)
"""

import re
import socket
import subprocess
import threading
import time

import pytest

from conftest import _base_env, wall_slack


@pytest.mark.parametrize("option,default", [
    (r"-p, --port PORT", "53"),
    (r"-t, --timeout SECS", "2"),
    (r"--tries N", "3"),
    (r"--concurrency N", "150"),
])
def test_defaults_in_help(run, option, default):
    res = run("--help", server=False)
    assert res.rc == 0, res
    m = re.search(r"^\s+%s\s.*\(default ([^)]*)\)" % re.escape(option), res.out, re.M)
    assert m, "no '(default ...)' on the %s line\n%s" % (option, res.out)
    assert m.group(1) == default, m.group(0)


class SilentServer:
    """A UDP socket that records every datagram and never answers:
    (arrival time, query ID, query name lower-cased)."""

    def __init__(self, address="127.0.0.1", port=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind((address, port))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.seen = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen)
        self._thread.start()

    def _listen(self):
        import dns.message
        while not self._stop.is_set():
            try:
                data, _ = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            try:
                name = dns.message.from_wire(data).question[0].name.to_text().lower()
            except Exception:
                name = None
            self.seen.append((time.monotonic(), data[:2], name))

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


def test_default_timeout_and_tries(mxq_bin):
    """Three tries (three query IDs) of two seconds each: 6 s in all."""
    srv = SilentServer()
    try:
        t0 = time.monotonic()
        p = subprocess.run([mxq_bin, "@127.0.0.1", "-p", str(srv.port), "-q", "a.example"],
                           stdin=subprocess.DEVNULL, capture_output=True, env=_base_env(),
                           timeout=30)
        took = time.monotonic() - t0
    finally:
        srv.close()
    assert p.returncode == 3, p
    firsts = {}
    for when, qid, name in srv.seen:
        assert name == "a.example.", srv.seen
        firsts.setdefault(qid, when - t0)
    starts = sorted(firsts.values())
    assert len(starts) == 3, starts                      # --tries 3
    for a, b in zip(starts, starts[1:]):
        assert 1.7 <= b - a <= 2.5, starts               # --timeout 2
    assert 5.5 <= took <= 7 + wall_slack(), took


def test_default_concurrency(mxq_bin, tmp_path):
    """150 domains in flight at once: before the first timeout (2 s) frees a
    slot, exactly 150 of 200 domains have been asked."""
    f = tmp_path / "domains.txt"
    f.write_text("".join("d%d.example\n" % i for i in range(200)))
    srv = SilentServer()
    p = subprocess.Popen([mxq_bin, "@127.0.0.1", "-p", str(srv.port), "-q", "-f", str(f)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=_base_env())
    try:
        time.sleep(1.5)
        names = {name for _, _, name in srv.seen}
    finally:
        p.kill()
        p.wait()
        srv.close()
    assert len(names) == 150, len(names)


def test_default_port(mxq_bin):
    """A server given without a port is asked on port 53."""
    try:
        srv = SilentServer("127.53.0.2", 53)
    except OSError as e:
        pytest.skip("cannot bind 127.53.0.2:53 (%s)" % e)
    try:
        p = subprocess.run([mxq_bin, "@127.53.0.2", "-q", "-t", "0.3", "--tries", "1",
                            "a.example"], stdin=subprocess.DEVNULL, capture_output=True,
                           env=_base_env(), timeout=30)
    finally:
        srv.close()
    assert p.returncode == 3, p
    assert [name for _, _, name in srv.seen][:1] == ["a.example."], srv.seen
