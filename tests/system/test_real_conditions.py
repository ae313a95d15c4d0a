"""mxq under real conditions: referrals, lame and recursive servers,
bailiwick, forged replies and 0x20, EDNS fallback, TCP trouble, late
answers, surveys that must not starve, output and input that stall, server
choice, null MX wording, command-line edge cases, the cache and deadlines.

These tests describe the behaviour of the new mxq (tests first: many fail
against the old binary; each docstring says which bug it guards).  They use
the fault server's real-condition scenarios (faultserver.py, second table:
referral, refex, refmix, lame, lamenodata, recursive, poison, glue,
sibling, casefold, spoof, noedns, flakyhost/flaky1/flaky2, tcpslow,
tcpclose, live<N>, dead<N>, casea/caseb, lonedot, twopref) and the knotd
zone's child (a delegation), deleg, lonedot and twopref.

Statuses and exit codes (mxq(1)): 0 route, 1 definitively none, 2 usage or
invalid, 3 unknown, 4 internal.  New statuses, both exit 3: referral (the
reply was a referral) and lame (a negative answer with neither AA nor RA).

The fault server answers any name outside fault.test. with REFUSED, and
mxq may randomise the letter case of its query names (0x20): names taken
from fault.queries() or fault.log() are compared case-insensitively.
"""

import json
import os
import re
import select
import shlex
import socket
import subprocess
import threading
import time
from contextlib import contextmanager

import pytest

from conftest import _base_env, make_runner, wall_slack
from knot import free_port
from test_interfaces import check_json

ADDRS = ["192.31.196.1", "2001:4:112::1"]
OK_EX = ["mx1.ok-host.fault.test.", "mx2.ok-host.fault.test."]


# ------------------------------------------------------------------ helpers


def one(res):
    """The single JSON object of a one-domain run (schema-checked)."""
    objs = check_json(res)
    assert len(objs) == 1, res
    return objs[0]


def ex_by_name(obj, name):
    """The exchange entries of obj called name (case-insensitive)."""
    return [e for e in obj["exchanges"] if e["exchange"].lower() == name.lower()]


def addrs(ex):
    return [a["address"] for a in ex["addresses"]]


def asked(fault, name, qtype=None):
    """Queries the fault server saw for name (any letter case)."""
    return [q for q in fault.queries()
            if q[1].lower() == name.lower() and (qtype is None or q[2] == qtype)]


def server_text(port):
    return "127.0.0.1#%d" % port


def ok_route(obj):
    """ok.fault.test's answer: mx1 and mx2, each with both addresses."""
    return ([e["exchange"].lower() for e in obj["exchanges"]] == OK_EX
            and all(addrs(e) == ADDRS for e in obj["exchanges"]))


def header(res):
    lines = res.out.splitlines()
    assert lines, res
    return lines[0]


class LineReader:
    """Reads whole lines from a pipe with a deadline (no blocking read)."""

    def __init__(self, stream):
        self.fd = stream.fileno()
        self.buf = b""
        self.eof = False

    def lines(self, n, timeout):
        """Up to n complete lines, waiting at most timeout seconds."""
        deadline = time.monotonic() + timeout
        while self.buf.count(b"\n") < n and not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if not select.select([self.fd], [], [], left)[0]:
                break
            chunk = os.read(self.fd, 65536)
            if not chunk:
                self.eof = True
            self.buf += chunk
        out = []
        while len(out) < n and b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            out.append(line.decode("utf-8"))
        return out

    def rest(self, timeout=30):
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            if select.select([self.fd], [], [], deadline - time.monotonic())[0]:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    self.eof = True
                self.buf += chunk
        out, self.buf = self.buf.decode("utf-8"), b""
        return out


def popen(mxq_bin, port, *args, stdin=subprocess.DEVNULL):
    argv = [mxq_bin, "@127.0.0.1", "-p", str(port)] + [str(a) for a in args]
    return subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_base_env())


def finish(p, timeout=30):
    """Wait for p; close its pipes; return its exit status."""
    try:
        return p.wait(timeout=timeout)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        for f in (p.stdin, p.stdout, p.stderr):
            if f is not None:
                f.close()


# ------------------------------------------------------------------ the zone


def test_zone_additions_as_knotd_serves_them(knot):
    """The zone's delegation really is a referral, lonedot and twopref are
    what the tests below assume (a harness check: no mxq)."""
    import dns.flags
    import dns.message
    import dns.query
    import dns.rdatatype

    def ask(name, rdtype):
        return dns.query.udp(dns.message.make_query(name, rdtype), "127.0.0.1",
                             port=knot.port, timeout=2)

    for name, rdtype in (("child.mxq.test.", "MX"), ("mail.child.mxq.test.", "A")):
        r = ask(name, rdtype)
        assert r.rcode() == 0 and not r.answer and not r.flags & dns.flags.AA
        assert [rrs.rdtype for rrs in r.authority] == [dns.rdatatype.NS], r
    deleg = ask("deleg.mxq.test.", "MX")
    assert [(rd.preference, rd.exchange.to_text()) for rd in deleg.answer[0]] == [
        (10, "mail.child.mxq.test.")]
    assert [(rd.preference, rd.exchange.to_text())
            for rd in ask("lonedot.mxq.test.", "MX").answer[0]] == [(10, ".")]
    assert sorted((rd.preference, rd.exchange.to_text())
                  for rd in ask("twopref.mxq.test.", "MX").answer[0]) == [
        (10, "mx.twopref.mxq.test."), (20, "mx.twopref.mxq.test.")]


# ------------------------------------------------------------------ 1-4 referrals and trust


def test_referral_from_knot(run, knot):
    """Guards: a referral (AA=0, NS in authority, empty answer) taken as
    NODATA, i.e. "no MX and no address" and exit 1."""
    res = run("-j", "child.mxq.test")
    assert res.rc == 3, res
    o = one(res)
    assert (o["verdict"], o["status"]) == ("unknown", "referral"), o
    assert "referral" in o["message"], o
    assert server_text(knot.port) in o["message"], o
    # mxq asks with RD; knotd answers with RA clear
    assert "recursion requested but not available" in o["message"], o
    assert o["exchanges"] == [], o
    text = run("child.mxq.test")
    assert text.rc == 3, text
    assert "referral" in header(text), text
    short = run("-s", "child.mxq.test")
    assert short.rc == 3 and short.out == "", short
    assert "referral" in short.err, short


def test_exchange_in_delegated_zone(run, knot):
    """Guards: an exchange whose A/AAAA queries get a referral reported as
    "no address" (no-address, exit 1) though its address is unknown."""
    res = run("-j", "deleg.mxq.test")
    assert res.rc == 3, res
    o = one(res)
    assert o["verdict"] == "unknown", o
    (e,) = ex_by_name(o, "mail.child.mxq.test.")
    assert e["status"] == "referral" and e["addresses"] == [], e
    assert "referral" in e.get("message", ""), e
    assert server_text(knot.port) in e["message"], e


def test_referral_fault(run_fault, fault):
    """Guards: the fault server's referral (all qtypes) taken as an answer:
    the domain as "no MX", an exchange as "no address"."""
    base = ["-t", "0.5", "--tries", "1"]
    res = run_fault("-j", *base, "referral.fault.test")
    assert res.rc == 3, res
    o = one(res)
    assert (o["verdict"], o["status"]) == ("unknown", "referral"), o
    assert "referral" in o["message"] and server_text(fault.port) in o["message"], o
    assert "recursion requested but not available" in o["message"], o

    res = run_fault("-j", *base, "refex.fault.test")
    assert res.rc == 3, res
    o = one(res)
    assert o["verdict"] == "unknown", o
    (e,) = ex_by_name(o, "referral.fault.test.")
    assert e["status"] == "referral" and e["addresses"] == [], e
    assert "referral" in e.get("message", "") and server_text(fault.port) in e["message"], e

    res = run_fault("-j", *base, "refmix.fault.test")
    assert res.rc == 0, res
    o = one(res)
    assert o["verdict"] == "mx", o
    (ref,) = ex_by_name(o, "referral.fault.test.")
    (mx1,) = ex_by_name(o, "mx1.ok-host.fault.test.")
    assert ref["status"] == "referral", ref
    assert mx1["status"] == "ok" and addrs(mx1) == ADDRS, mx1


def test_referral_never_cached_as_negative(run_fault):
    """Guards: a referral for an exchange cached as NODATA and handed to the
    next domain that names it."""
    res = run_fault("-j", "-t", "0.5", "--tries", "1", "--concurrency", "1",
                    "refex.fault.test", "refmix.fault.test", "refex.fault.test")
    objs = check_json(res)
    assert len(objs) == 3, res
    for o in objs:
        (e,) = ex_by_name(o, "referral.fault.test.")
        assert e["status"] == "referral", o
    assert [o["verdict"] for o in objs] == ["unknown", "mx", "unknown"], res
    assert res.rc == 3, res


@pytest.mark.parametrize("domain", ["lame.fault.test", "lamenodata.fault.test"])
def test_lame_negative_answer_not_trusted(run_fault, domain):
    """Guards: NXDOMAIN/NODATA from a server that is neither authoritative
    nor recursive (AA=0, RA=0) taken as "no such domain" / implicit MX or
    "no MX", exit 1, where the answer is unknown."""
    for mode in (["-j"], [], ["-s"]):
        res = run_fault(*mode, "-t", "0.5", "--tries", "1", domain)
        assert res.rc == 3, res
    o = one(run_fault("-j", "-t", "0.5", "--tries", "1", domain))
    assert (o["verdict"], o["status"]) == ("unknown", "lame"), o
    assert "neither authoritative nor recursive" in o["message"], o
    assert o["exchanges"] == [], o
    # twice in one run: still lame, never a cached negative answer
    objs = check_json(run_fault("-j", "-t", "0.5", "--tries", "1", "--concurrency", "1",
                                domain, domain))
    assert [o["status"] for o in objs] == ["lame", "lame"], objs


# ------------------------------------------------------------------ 5-6 bailiwick


@pytest.mark.parametrize("mode", [[], ["-s"], ["-j"], ["-v"]], ids=lambda m: " ".join(m) or "text")
def test_poison_out_of_bailiwick_never_used(run_fault, fault, mode):
    """Guards: an out-of-bailiwick additional record (mail.victim.example.
    A 192.175.48.66 from an authoritative server for fault.test.) taken as
    the exchange's address: cache poisoning."""
    fault.clear_queries()
    res = run_fault(*mode, "-t", "0.5", "--tries", "1", "poison.fault.test")
    assert "192.175.48.66" not in res.out and "192.175.48.66" not in res.err, res
    assert asked(fault, "mail.victim.example.", "A"), fault.queries()
    assert res.rc == 3, res
    if mode == ["-j"]:
        o = one(res)
        (e,) = ex_by_name(o, "mail.victim.example.")
        assert e["status"] == "refused" and e["addresses"] == [], e
        assert o["verdict"] == "unknown", o


def test_glue_in_bailiwick_taken(run_fault, fault):
    """Guards: in-bailiwick additional data (below the MX owner) ignored, or
    asked again.  mx.glue.fault.test. asked itself would give 192.31.196.1:
    the addresses tell the two apart."""
    fault.clear_queries()
    o = one(run_fault("-j", "-t", "0.5", "--tries", "1", "glue.fault.test"))
    (e,) = ex_by_name(o, "mx.glue.fault.test.")
    assert [(a["address"], a["source"]) for a in e["addresses"]] == [
        ("192.31.196.55", "additional"), ("2001:4:112::55", "additional")], e
    assert not asked(fault, "mx.glue.fault.test.", "A"), fault.queries()
    assert not asked(fault, "mx.glue.fault.test.", "AAAA"), fault.queries()


def test_sibling_additional_not_taken(run_fault, fault):
    """Guards: additional data for a name that is not below the MX owner
    (mx.sib-host.fault.test. in sibling.fault.test.'s reply) taken."""
    fault.clear_queries()
    res = run_fault("-j", "-t", "0.5", "--tries", "1", "sibling.fault.test")
    assert "192.31.196.56" not in res.out + res.err, res
    o = one(res)
    (e,) = ex_by_name(o, "mx.sib-host.fault.test.")
    assert ("192.31.196.1", "answer") in [(a["address"], a["source"]) for a in e["addresses"]], e
    assert asked(fault, "mx.sib-host.fault.test.", "A"), fault.queries()
    assert res.rc == 0


def test_recursive_server_additional_taken(run_fault, fault):
    """Guards: the bailiwick rule applied to a recursive server's answer
    (RA=1, AA=0), whose additional data is the resolver's own and taken."""
    fault.clear_queries()
    res = run_fault("-j", "-t", "0.5", "--tries", "1", "recursive.fault.test")
    assert res.rc == 0, res
    o = one(res)
    (e,) = ex_by_name(o, "mx1.ok-host.fault.test.")
    assert ("192.31.196.77", "additional") in [(a["address"], a["source"])
                                            for a in e["addresses"]], e
    assert not asked(fault, "mx1.ok-host.fault.test.", "A"), fault.queries()


# ------------------------------------------------------------------ 7-9 forgery and 0x20


def test_spoofed_reply_with_wrong_case_ignored(run_fault):
    """Guards: a forged NXDOMAIN that wins the race (right ID and port, but
    the question in the wrong letter case) taken, exit 1; the genuine
    answer comes 0.2 s later."""
    for _ in range(3):
        res = run_fault("-j", "spoof.fault.test")
        assert res.rc == 0, res
        o = one(res)
        assert o["verdict"] == "mx", o
        assert ok_route(o), o


def test_server_that_loses_the_case_is_not_trusted(run_fault):
    """Guards: a reply whose question is not letter for letter the name sent
    taken (0x20 unchecked): it cannot be told from a forgery."""
    res = run_fault("-j", "-t", "0.5", "--tries", "1", "casefold.fault.test")
    assert res.rc == 3, res
    o = one(res)
    assert o["status"] == "timeout", o
    assert "letter case" in o["message"], o


def test_query_names_have_random_case(run_fault, fault):
    """Guards: query names sent as typed (no 0x20): an off-path forger then
    only has the ID and the port to guess."""
    fault.clear_queries()
    domains = ["ok.fault.test"] + ["live%d.fault.test" % i for i in range(1, 20)]
    res = run_fault("-q", "-t", "0.5", "--tries", "1", *domains)
    assert res.rc == 0, res
    names = [d["qname"] for d in fault.log()]
    assert len(names) >= 60, names          # 20 MX, then A and AAAA per exchange
    mixed = [n for n in names if n != n.lower() and n != n.upper()]
    assert mixed, names
    spellings = {}
    for n in names:
        spellings.setdefault(n.lower(), set()).add(n)
    assert any(len(s) > 1 for s in spellings.values()), spellings


# ------------------------------------------------------------------ 10 source ports


def test_source_ports_vary(mxq_bin, tmp_path):
    """Guards: every query of a run sent from one UDP socket (one source
    port): a forger then only has the 16-bit ID to guess."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    except OSError:
        pass
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    port = sock.getsockname()[1]
    seen, stop = [], threading.Event()

    def listen():
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except socket.timeout:
                continue
            seen.append((peer[1], data[:2]))

    domains = tmp_path / "domains.txt"
    domains.write_text("".join("d%d.example\n" % i for i in range(1000)))
    t = threading.Thread(target=listen)
    t.start()
    try:
        run = make_runner(mxq_bin, "127.0.0.1", port)
        res = run("-q", "-t", "0.3", "--tries", "1", "--concurrency", "100",
                  "-f", domains, timeout=120)
    finally:
        stop.set()
        t.join()
        sock.close()
    ports = {p for p, _ in seen}
    print("%d datagrams from %d distinct source ports" % (len(seen), len(ports)))
    assert res.rc == 3, res
    assert len(seen) >= 1000, len(seen)
    assert len(ports) >= 60, sorted(ports)[:20]


# ------------------------------------------------------------------ 11 EDNS


def test_server_without_edns(run_fault, fault):
    """Guards: a server that rejects EDNS (FORMERR without OPT) makes the
    domain fail, or mxq keeps sending EDNS to it after learning that, and
    -v does not say that a query fell back to plain DNS."""
    fault.clear_queries()
    res = run_fault("-j", "noedns.fault.test")
    assert res.rc == 0, res
    o = one(res)
    assert o["verdict"] == "mx" and ok_route(o), o
    mx = [d["edns"] for d in fault.log()
          if d["qname"].lower() == "noedns.fault.test." and d["qtype"] == "MX"]
    tries = [e for i, e in enumerate(mx) if i == 0 or e != mx[i - 1]]   # copies merged
    assert tries == [True, False], mx
    # the decision is kept per server: no EDNS for the exchanges either
    ex = [d for d in fault.log() if d["qname"].lower() == "mx1.ok-host.fault.test."]
    assert ex and not any(d["edns"] for d in ex), ex
    verbose = run_fault("-v", "noedns.fault.test")
    assert verbose.rc == 0, verbose
    assert "without EDNS" in verbose.out, verbose


# ------------------------------------------------------------------ 12-14 TCP and late answers


def test_truncated_then_slow_tcp(run_fault):
    """Guards: the TCP retry after TC=1 given less than the full timeout
    (answer after 0.5 s of a 1 s try), and -v not saying TCP was used."""
    res = run_fault("-j", "-t", "1", "--tries", "1", "tcpslow.fault.test")
    assert res.rc == 0, res
    assert ok_route(one(res)), res
    res = run_fault("-j", "--tcp", "-t", "1", "--tries", "1", "tcpslow.fault.test")
    assert res.rc == 0, res
    assert ok_route(one(res)), res
    verbose = run_fault("-v", "-t", "1", "--tries", "1", "tcpslow.fault.test")
    assert verbose.rc == 0, verbose
    assert "TCP" in verbose.out, verbose


def test_tcp_connection_closed_hurts_only_its_domain(run_fault):
    """Guards: a TCP connection closed by the server counted against the
    server for everyone ("could not contact any server" for ok.fault.test
    too)."""
    res = run_fault("--tcp", "-t", "0.5", "--tries", "2", "-j",
                    "tcpclose.fault.test", "ok.fault.test")
    assert res.rc == 3, res
    close, ok = check_json(res)
    assert close["domain"] == "tcpclose.fault.test" and close["verdict"] == "unknown", close
    assert ok["verdict"] == "mx" and ok_route(ok), ok
    assert "could not contact any server" not in json.dumps(ok), ok


def test_late_answer_to_an_earlier_try_counts(run_fault):
    """Guards: an answer to try 1 arriving during try 2 dropped because try 2
    has a new ID (slow answers every query after 1.5 s; tries of 1 s)."""
    res = run_fault("-j", "-t", "1", "--tries", "3", "slow.fault.test", timeout=60)
    assert res.rc == 0, res
    o = one(res)
    assert o["verdict"] == "mx" and ok_route(o), o
    res = run_fault("-j", "-t", "1", "--tries", "1", "slow.fault.test")
    assert res.rc == 3, res
    assert one(res)["status"] == "timeout", res


# ------------------------------------------------------------------ 15-17 surveys and streams


def test_survey_dead_domains_do_not_starve_live_ones(run_fault, tmp_path):
    """Guards: a survey where dead domains (no answer at all) hold the
    window so long that live ones expire, or the run takes far longer than
    the dead domains' timeouts spread over the window of 150."""
    names = []
    for i in range(1000):
        names += ["dead%d.fault.test" % i, "live%d.fault.test" % i]
    f = tmp_path / "survey.txt"
    f.write_text("".join(n + "\n" for n in names))
    t0 = time.monotonic()
    res = run_fault("-j", "-t", "0.5", "--tries", "1", "-f", f, timeout=120)
    took = time.monotonic() - t0
    print("survey of %d domains: %.2f s" % (len(names), took))
    objs = check_json(res)
    assert [o["domain"] for o in objs] == names, res.err
    bad = []
    for o in objs:
        d = o["domain"]
        if d.startswith("live"):
            want = "mx.%s." % d
            ok = (o["verdict"] == "mx" and len(o["exchanges"]) == 1
                  and o["exchanges"][0]["exchange"].lower() == want
                  and addrs(o["exchanges"][0]) == ADDRS)
        else:
            ok = o["verdict"] == "unknown" and o["status"] == "timeout"
        if not ok:
            bad.append((d, o["verdict"], o["status"], o["message"]))
    assert not bad, "%d wrong, first: %r" % (len(bad), bad[:10])
    assert res.rc == 3
    limit = 1000 * 0.5 / 150 * 3 + 5 + wall_slack()
    assert took < limit, (took, limit)


def test_output_stall_does_not_expire_answered_domains(mxq_bin, fault, tmp_path):
    """Guards: a reader that stops reading for a while (a full pipe) makes
    mxq's clock run out for domains whose answers have already arrived."""
    names = ["live%d.fault.test" % i for i in range(300)]
    f = tmp_path / "live.txt"
    f.write_text("".join(n + "\n" for n in names))
    p = popen(mxq_bin, fault.port, "-j", "-t", "0.5", "--tries", "1", "-f", f)
    try:
        time.sleep(3)
        out, err = p.communicate(timeout=60)
    finally:
        rc = finish(p)
    objs = [json.loads(line) for line in out.decode("utf-8").splitlines()]
    assert [o["domain"] for o in objs] == names, err
    late = [(o["domain"], o["verdict"], o["message"]) for o in objs if o["verdict"] != "mx"]
    assert not late, "%d not mx, first: %r" % (len(late), late[:5])
    assert rc == 0


def test_line_answered_while_the_next_is_incomplete(mxq_bin, fault):
    """Guards: mxq waiting for the rest of stdin (an incomplete line) before
    printing what it has answered already."""
    p = popen(mxq_bin, fault.port, "-j", "-f", "-", stdin=subprocess.PIPE)
    reader = LineReader(p.stdout)
    try:
        t0 = time.monotonic()
        p.stdin.write(b"live1.fault.test\nlive2.fault.")
        p.stdin.flush()
        first = reader.lines(1, 1.8)
        waited = time.monotonic() - t0
        time.sleep(max(0.0, 2 - waited))
        p.stdin.write(b"test\n")
        p.stdin.close()
        rest = reader.lines(1, 10)
    finally:
        rc = finish(p)
    assert first, "no line while the second one was still incomplete"
    a, b = json.loads(first[0]), json.loads(rest[0])
    assert (a["domain"], a["verdict"]) == ("live1.fault.test", "mx"), a
    assert (b["domain"], b["verdict"]) == ("live2.fault.test", "mx"), b
    assert rc == 0


def test_stream_behind_a_slow_domain(mxq_bin, fault):
    """Guards: lines held back until stdin is closed (or until more input
    comes) when a slow domain (answered after 1.5 s) is first in line."""
    p = popen(mxq_bin, fault.port, "-j", "-f", "-", stdin=subprocess.PIPE)
    reader = LineReader(p.stdout)
    names = ["slow.fault.test"] + ["live%d.fault.test" % i for i in range(5)]
    try:
        p.stdin.write("".join(n + "\n" for n in names).encode())
        p.stdin.flush()
        got = reader.lines(6, 1.5 + 2 + wall_slack())
        open_meanwhile = p.poll() is None
        p.stdin.close()
        rest = reader.rest()
    finally:
        rc = finish(p)
    assert open_meanwhile
    assert len(got) == 6, "%d of 6 lines with stdin open: %r" % (len(got), got)
    assert [json.loads(l)["domain"] for l in got] == names
    assert rest == ""
    assert rc == 0


# ------------------------------------------------------------------ 18-21 servers


def test_closed_port_fails_fast(run):
    """Keeps working: a closed port (ICMP port unreachable) is unreachable at
    once, not after the timeout."""
    port = free_port(("127.0.0.1",))
    t0 = time.monotonic()
    res = run("@127.0.0.1:%d" % port, "-j", "cisco.com", "hp.com", "apple.com",
              server=False)
    took = time.monotonic() - t0
    objs = check_json(res)
    assert [o["status"] for o in objs] == ["unreachable"] * 3, res
    assert res.rc == 3
    assert took < 1 + wall_slack(), took


def test_server_field_names_the_server_that_answered(run, knot):
    """Guards: the JSON "server" field (and -v) naming the first configured
    server when a later one answered."""
    closed = free_port(("127.0.0.1",))
    servers = "127.0.0.1:%d,127.0.0.1:%d" % (closed, knot.port)
    res = run("-v", "-j", "--server", servers, "cisco.com", server=False)
    assert res.rc == 0, res
    o = one(res)
    assert o["server"] == server_text(knot.port), o
    text = run("-v", "--server", servers, "cisco.com", server=False)
    assert text.rc == 0, text
    assert ";; server %s" % server_text(knot.port) in text.out, text
    assert ":%d" % closed not in text.out and "#%d" % closed not in text.out, text


def test_server_with_port_without_p(run, knot):
    """Keeps working: @ADDR:PORT without -p."""
    res = run("-j", "@127.0.0.1:%d" % knot.port, "cisco.com", server=False)
    assert res.rc == 0, res
    o = one(res)
    assert [e["exchange"] for e in o["exchanges"]] == [
        "alln-mx-01.cisco.com.", "rcdn-mx-01.cisco.com.", "aer-mx-01.cisco.com."], o


class _NxResolver:
    """A stand-in for /etc/resolv.conf's servers: NXDOMAIN for every name,
    on 127.53.0.1 port 53.  mxq runs in a private mount namespace where
    /etc/resolv.conf names only it, so no query leaves loopback."""

    ADDRESS = "127.53.0.1"

    def __init__(self, tmp_path):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.sock.bind((self.ADDRESS, 53))
        except OSError as e:
            self.sock.close()
            pytest.skip("cannot bind %s:53 (%s)" % (self.ADDRESS, e))
        self.sock.settimeout(0.1)
        self.conf = tmp_path / "resolv.conf"
        self.conf.write_text("nameserver %s\noptions attempts:1 timeout:1\n" % self.ADDRESS)
        self.names = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve)
        self.thread.start()
        probe = subprocess.run(
            ["unshare", "-m", "sh", "-c", 'mount --bind "$0" /etc/resolv.conf && '
             'exec cat /etc/resolv.conf', str(self.conf)],
            capture_output=True, text=True)
        if probe.returncode != 0 or self.ADDRESS not in probe.stdout:
            self.close()
            pytest.skip("no private mount namespace (unshare -m): %s" % probe.stderr.strip())

    def _serve(self):
        import dns.flags
        import dns.message
        import dns.rcode
        while not self.stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            try:
                q = dns.message.from_wire(data)
            except Exception:
                continue
            self.names.append(q.question[0].name.to_text() if q.question else None)
            r = dns.message.make_response(q, recursion_available=True)
            r.set_rcode(dns.rcode.NXDOMAIN)
            self.sock.sendto(r.to_wire(), peer)

    def argv(self, argv):
        return (["unshare", "-m", "sh", "-c",
                 'mount --bind "$0" /etc/resolv.conf && exec "$@"', str(self.conf)]
                + argv)

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


@contextmanager
def nx_resolver(tmp_path):
    r = _NxResolver(tmp_path)
    try:
        yield r
    finally:
        r.close()


def test_server_given_as_host_name(mxq_bin, knot, tmp_path):
    """Guards: a server given as a host name refused ("not an IP address")
    where dig resolves it; an unknown host name not a clean usage error."""
    with nx_resolver(tmp_path) as res:
        def run(*args):
            argv = res.argv([mxq_bin] + [str(a) for a in args])
            p = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                               env=_base_env(), stdin=subprocess.DEVNULL)
            return p
        p = run("@localhost", "-p", knot.port, "cisco.com")
        assert p.returncode == 0, (p.stdout, p.stderr)
        assert "alln-mx-01.cisco.com." in p.stdout, p.stdout
        v = run("-v", "@localhost", "-p", knot.port, "cisco.com")
        assert v.returncode == 0, (v.stdout, v.stderr)
        shown = v.stdout + v.stderr
        assert "localhost" in shown, shown
        assert ("127.0.0.1#%d" % knot.port in shown or "::1#%d" % knot.port in shown), shown
        bad = run("@no-such-host.invalid", "cisco.com")
        assert bad.returncode == 2, (bad.stdout, bad.stderr)
        assert bad.stdout == ""
        lines = bad.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("mxq: "), lines
        assert "no-such-host.invalid" in lines[0], lines


# ------------------------------------------------------------------ 22-24 null MX, -n, twopref


@pytest.fixture(params=["knot", "fault"])
def lonedot(request, run, run_fault):
    """(runner, domain) for the single record MX 10 . in both servers."""
    if request.param == "knot":
        return run, "lonedot.mxq.test"
    return (lambda *a, **kw: run_fault("-t", "0.5", "--tries", "1", *a, **kw)), \
        "lonedot.fault.test"


def test_lone_dot_at_nonzero_preference(lonedot, fault):
    """Guards: "MX 10 ." alone reported as "0 exchanges" with the
    null-mixed wording, and -sn printing nothing with exit 0; it is a
    domain without a route (exit 1) whose "." exchange is flagged."""
    run, domain = lonedot
    fault.clear_queries()
    res = run("-j", domain)
    assert res.rc == 1, res
    o = one(res)
    assert o["verdict"] == "no-address", o
    (dot,) = ex_by_name(o, ".")
    assert "null-mx-preference" in dot["warnings"], dot
    assert not [q for q in fault.queries() if q[1] == "."], fault.queries()
    text = run(domain)
    assert text.rc == 1 and "no mail route" in header(text), text
    short = run("-s", domain)
    assert short.rc == 1 and short.out == "", short
    lines = short.err.splitlines()
    assert len(lines) == 1 and "no mail route" in lines[0], short
    sn = run("-sn", domain)
    assert sn.out == "10 .\n" and sn.rc == 1, sn
    nj = run("-n", "-j", domain)
    assert nj.rc == 1 and one(nj)["verdict"] == "no-address", nj


def test_no_resolve_short_lists_every_record(run):
    """Guards: -sn dropping "MX 0 ." (null MX, or next to a real exchange):
    -n lists every MX record, like dig +short."""
    res = run("-sn", "nullmx.mxq.test")
    assert (res.out, res.rc) == ("0 .\n", 1), res
    res = run("-sn", "nullmulti.mxq.test")
    assert (res.out, res.rc) == ("0 .\n10 mx.nullmulti.mxq.test.\n", 0), res


@pytest.mark.parametrize("server", ["knot", "fault"])
def test_one_exchange_at_two_preferences(run, run_fault, server):
    """Guards: two records naming one exchange merged into one entry, or
    flagged as a duplicate: they are two records (10 and 20)."""
    if server == "knot":
        r, domain, name, want = run, "twopref.mxq.test", "mx.twopref.mxq.test.", ["192.31.196.150"]
    else:
        r, domain, name, want = run_fault, "twopref.fault.test", "mx.twopref-host.fault.test.", ADDRS
    res = r("-j", domain)
    assert res.rc == 0, res
    o = one(res)
    exs = o["exchanges"]
    assert [(e["preference"], e["exchange"].lower()) for e in exs] == [(10, name), (20, name)], o
    for e in exs:
        assert addrs(e) == want, e
        assert "duplicate-mx" not in e["warnings"], e
    assert "duplicate-mx" not in o["warnings"], o
    text = r(domain)
    assert "2 exchanges, 2 preference levels" in header(text), text


# ------------------------------------------------------------------ 25-28 input and command line


def test_at_sign_inside_a_label(run_fault, fault):
    """Guards: an escaped "@" (x\\@y) taken as a user@domain split; only a
    bare "@" is one."""
    fault.clear_queries()
    res = run_fault("-j", "-t", "0.5", "--tries", "1", "x\\@y.fault.test")
    o = one(res)
    assert o["query"] == "x\\@y.fault.test.", o
    mx = [q for q in fault.queries() if q[2] == "MX"]
    assert [q[1].lower() for q in mx][:1] == ["x\\@y.fault.test."], mx
    assert not asked(fault, "y.fault.test."), fault.queries()
    fault.clear_queries()
    res = run_fault("-j", "-t", "0.5", "--tries", "1", "user@ok.fault.test")
    assert res.rc == 0, res
    assert one(res)["query"] == "ok.fault.test.", res
    assert asked(fault, "ok.fault.test.", "MX"), fault.queries()


def test_no_domain_is_a_usage_error(run, tmp_path, mxq_bin, knot):
    """Guards: no domain at all (no argument, nothing in the file) exiting 0
    silently, and mxq reading stdin without -f (it swallows the input of a
    `while read` loop)."""
    res = run("-q")
    assert res.rc == 2 and "no domain" in res.err, res
    f = tmp_path / "empty.txt"
    f.write_text("# only comments\n\n   \n# and blank lines\n")
    res = run("-q", "-f", f)
    assert res.rc == 2 and "no domain" in res.err, res
    loop = ('printf "\\n\\n" | while read d; do %s -q $d @127.0.0.1 -p %d; '
            'echo rc=$?; done' % (shlex.quote(mxq_bin), knot.port))
    p = subprocess.run(["sh", "-c", loop], capture_output=True, text=True, timeout=30,
                       env=_base_env())
    assert p.stdout == "rc=2\nrc=2\n", (p.stdout, p.stderr)
    # -f - still reads stdin
    res = run("-j", "-f", "-", input="cisco.com\n")
    assert res.rc == 0 and one(res)["domain"] == "cisco.com", res


def test_long_options_with_equals_and_argument_order(run):
    """Guards: --timeout=1 refused ("option needs a value"), and domains
    after an option printed out of their order on the command line."""
    res = run("cisco.com", "--timeout=1")
    assert res.rc == 0, res
    assert "alln-mx-01.cisco.com." in res.out, res
    res = run("-j", "hp.com", "--tries=1", "cisco.com")
    assert res.rc == 0, res
    assert [o["domain"] for o in check_json(res)] == ["hp.com", "cisco.com"], res


def test_json_domain_with_quote_and_backslash(run, tmp_path):
    """Guards: "domain" in the JSON not escaped (a raw quote breaks the
    line) or the input's backslash not shown as documented (as \\\\)."""
    f = tmp_path / "weird.txt"
    f.write_bytes(b'we"ird\\.example\n')
    res = run("-j", "-f", f)
    objs = check_json(res)        # parses and validates
    assert len(objs) == 1, res
    assert objs[0]["domain"] == 'we"ird\\\\.example', objs[0]
    assert objs[0]["line"] == 1


# ------------------------------------------------------------------ 29-31 cache and deadlines


def test_cache_ignores_letter_case(run_fault, fault):
    """Guards: the exchange cache keyed case-sensitively, so
    MX.Shared-Case.fault.test. and mx.shared-case.fault.test. are resolved
    twice in one run."""
    fault.clear_queries()
    res = run_fault("-j", "-t", "0.5", "--tries", "1", "casea.fault.test", "caseb.fault.test")
    assert res.rc == 0, res
    for qtype in ("A", "AAAA"):
        n = len(asked(fault, "mx.shared-case.fault.test.", qtype))
        assert n == 1, (qtype, fault.queries())
    for o in check_json(res):
        (e,) = o["exchanges"]
        assert addrs(e) == ADDRS, o


def test_temporary_failure_not_cached(run_fault, fault):
    """Guards: a SERVFAIL for an exchange cached for the rest of the run, so
    the next domain naming it fails too."""
    fault.clear_queries()          # the fault server forgets flakyhost
    res = run_fault("--concurrency", "1", "-j", "flaky1.fault.test", "flaky2.fault.test")
    f1, f2 = check_json(res)
    (e1,) = f1["exchanges"]
    (e2,) = f2["exchanges"]
    assert e1["status"] == "servfail", f1
    assert e2["status"] == "ok" and addrs(e2) == ADDRS, f2
    assert res.rc == 3, res


def test_deadline_counts_tries(run_fault):
    """Guards: the per-domain deadline (3 x timeout x tries) computed
    without --tries."""
    res = run_fault("-j", "-t", "0.3", "--tries", "2", "chase.fault.test")
    assert res.rc == 3, res
    o = one(res)
    assert o["message"] == "total time per domain exceeded", o
    assert 1700 <= o["elapsed_ms"] <= 2300, o


# ------------------------------------------------------------------ 32-34 messages


def test_failed_exchange_is_not_a_failed_lookup(run_fault):
    """Guards: a domain whose MX lookup worked but whose only exchange could
    not be resolved headed "lookup failed", as if its MX query had failed."""
    res = run_fault("-t", "0.5", "--tries", "1", "refex.fault.test")
    assert res.rc == 3, res
    head = header(res)
    assert "lookup failed" not in head, res
    assert "unknown" in head.lower(), res
    rows = [l for l in res.out.splitlines()[1:] if "referral.fault.test." in l.lower()]
    assert rows and "referral" in rows[0].lower().replace("referral.fault.test.", ""), res


def test_progress_on_a_pipe_is_plain(run_fault):
    """Guards: --progress writing terminal controls (carriage returns,
    erase-line) into a pipe or a log file."""
    domains = ["live%d.fault.test" % i for i in range(20)]
    res = run_fault("--progress", "-t", "0.5", "--tries", "1", *domains)
    assert res.rc == 0, res
    assert "\r" not in res.err and "\033[K" not in res.err, repr(res.err)
    assert len(res.err.splitlines()) <= 5, res.err


def test_short_mode_uses_the_json_wording(run_fault):
    """Guards: -s saying "malformed reply" / "resource limit reached" where
    the JSON message says what happened (a CNAME loop, a chain too long)."""
    res = run_fault("-s", "-t", "0.5", "--tries", "1", "cnameloop.fault.test")
    assert "CNAME loop" in res.err, res
    o = one(run_fault("-j", "-t", "0.5", "--tries", "1", "cnameloop.fault.test"))
    assert "CNAME loop" in o["exchanges"][0].get("message", ""), o
    res = run_fault("-s", "-t", "2", "--tries", "1", "chase.fault.test", timeout=30)
    assert "CNAME chain too long" in res.err, res


# ------------------------------------------------------------------ coverage


def test_every_condition_has_a_test():
    """Every real-condition scenario of the fault server is used above."""
    from faultserver import CONDITIONS
    text = open(__file__, encoding="utf-8").read()
    used = set(re.findall(r"([a-z0-9]+)\.fault\.test", text))
    missing = {n for n in CONDITIONS if n not in used}
    # flakyhost is named by flaky1/flaky2; live<N>/dead<N> by the survey
    missing -= {"flakyhost"}
    assert not missing, sorted(missing)
    assert "live%d.fault.test" in text and "dead%d.fault.test" in text


@pytest.mark.parametrize("name", ["privhalf.fault.test",
                                  "privhalfmx.fault.test"])
def test_private_address_and_a_family_unknown_is_no_verdict(run_fault, name):
    """Only a private address came, and the AAAA question timed out: the
    missing AAAA may be an address the internet reaches, so the route is
    unknown (exit 3), never "no route from the internet" (exit 1); the
    implicit MX (privhalf) and an exchange (privhalfmx) alike."""
    res = run_fault("-j", "-t", "0.3", "--tries", "1", name)
    assert res.rc == 3, res
    objs = check_json(res)
    o = objs[0]
    assert o["verdict"] == "unknown" and o["status"] != "unroutable", o
    e = o["exchanges"][0]
    assert [a["address"] for a in e["addresses"]] == ["10.9.8.7"], o
    # The exchange's own words stay: the address it has is private.
    assert "no-public-address" in e["warnings"], o
    assert "reach" in o["message"] and "time" in o["message"], o
    res = run_fault("-t", "0.3", "--tries", "1", name)
    assert res.rc == 3, res
    assert "no mail route" not in res.out, res
