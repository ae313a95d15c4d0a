"""Tests of the fault server itself (not of mxq): each scenario sends what
faultserver.py documents.  Run: /usr/bin/python3 -m pytest -q tests/system/test_faultserver.py
"""

import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultserver import FaultServer  # noqa: E402

HOST = "127.0.0.1"
HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def fs():
    with FaultServer(host=HOST, port=0) as server:
        yield server


def q(name, rdtype="MX", edns=True):
    return dns.message.make_query(name, rdtype, use_edns=0 if edns else False)


def udp_raw(port, wire, timeout=0.5):
    """Send one datagram; return (reply bytes, source address) or (None, None)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(wire, (HOST, port))
        try:
            data, peer = s.recvfrom(65535)
        except socket.timeout:
            return None, None
        return data, peer[0]


def tcp_raw(port, wire, timeout=0.5):
    """One length-prefixed query over a new connection; reply bytes or None."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        buf = b""
        try:
            while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
                d = s.recv(65536)
                if not d:
                    return None
                buf += d
        except socket.timeout:
            return None
        return buf[2:]


def udp(fs, name, rdtype="MX", **kw):
    return dns.query.udp(q(name, rdtype, **kw), HOST, port=fs.port, timeout=2)


def tcp(fs, name, rdtype="MX", **kw):
    return dns.query.tcp(q(name, rdtype, **kw), HOST, port=fs.port, timeout=2)


def records(msg, rdtype):
    return [rd for rrs in msg.answer if rrs.rdtype == rdtype for rd in rrs]


# ---------------------------------------------------------------- normal


def test_ok_mx_and_default_hosts(fs):
    r = udp(fs, "ok.fault.test.")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA
    mx = [(rd.preference, rd.exchange.to_text()) for rd in records(r, dns.rdatatype.MX)]
    assert mx == [(10, "mx1.ok-host.fault.test."), (20, "mx2.ok-host.fault.test.")]
    a = udp(fs, "mx1.ok-host.fault.test.", "A")
    assert [rd.address for rd in records(a, dns.rdatatype.A)] == ["192.0.2.1"]
    aaaa = tcp(fs, "mx2.ok-host.fault.test.", "AAAA")
    assert [rd.address for rd in records(aaaa, dns.rdatatype.AAAA)] == ["2001:db8::1"]
    nodata = udp(fs, "mx1.ok-host.fault.test.", "MX")
    assert nodata.rcode() == dns.rcode.NOERROR and not nodata.answer
    assert nodata.authority[0].rdtype == dns.rdatatype.SOA


def test_case_insensitive_and_question_echoed(fs):
    r = udp(fs, "Ok.FAULT.test.")
    assert len(records(r, dns.rdatatype.MX)) == 2
    assert r.question[0].name.to_text() == "Ok.FAULT.test."


def test_outside_zone_refused(fs):
    r = udp(fs, "example.com.", "A")
    assert r.rcode() == dns.rcode.REFUSED and not r.answer


@pytest.mark.parametrize("name,rcode", [("servfail", dns.rcode.SERVFAIL),
                                        ("refused", dns.rcode.REFUSED),
                                        ("notimp", dns.rcode.NOTIMP),
                                        ("nxdomain", dns.rcode.NXDOMAIN)])
def test_rcodes(fs, name, rcode):
    for rdtype in ("MX", "A"):
        r = udp(fs, name + ".fault.test.", rdtype)
        assert r.rcode() == rcode and not r.answer


def test_formerr_has_no_opt(fs):
    r = udp(fs, "formerr.fault.test.", edns=True)
    assert r.rcode() == dns.rcode.FORMERR and r.edns == -1 and not r.answer
    assert udp(fs, "ok.fault.test.", edns=True).edns == 0


def test_queries_recorded(fs):
    fs.clear_queries()
    udp(fs, "ok.fault.test.", "MX")
    tcp(fs, "mx1.ok-host.fault.test.", "AAAA")
    assert fs.queries() == [("udp", "ok.fault.test.", "MX"),
                            ("tcp", "mx1.ok-host.fault.test.", "AAAA")]


# ---------------------------------------------------------------- transport


def test_tc_then_tcp(fs):
    r = udp(fs, "tc.fault.test.")
    assert r.flags & dns.flags.TC and not r.answer
    t = tcp(fs, "tc.fault.test.")
    assert not t.flags & dns.flags.TC
    assert [rd.exchange.to_text() for rd in records(t, dns.rdatatype.MX)] == \
        ["mx.tc-host.fault.test."]
    assert {rrs.rdtype for rrs in t.additional} == {dns.rdatatype.A, dns.rdatatype.AAAA}


def test_tc1000_over_tcp(fs):
    assert udp(fs, "tc1000.fault.test.").flags & dns.flags.TC
    wire = tcp_raw(fs.port, q("tc1000.fault.test.").to_wire(), timeout=2)
    assert len(wire) < 65535
    assert struct.unpack("!H", wire[6:8])[0] == 1000          # ANCOUNT
    mx = records(dns.message.from_wire(wire), dns.rdatatype.MX)
    prefs = [rd.preference for rd in mx]
    assert sorted(prefs) == list(range(1000)) and prefs != sorted(prefs)
    assert all(rd.exchange.to_text() == "mx%04d.h.fault.test." % rd.preference for rd in mx)
    # the same shuffled order every time
    again = records(tcp(fs, "tc1000.fault.test."), dns.rdatatype.MX)
    assert [rd.preference for rd in again] == prefs
    a = tcp(fs, "mx0999.h.fault.test.", "A")
    assert [rd.address for rd in records(a, dns.rdatatype.A)] == ["192.0.2.1"]


def test_wrongid(fs):
    query = q("wrongid.fault.test.")
    wire, _ = udp_raw(fs.port, query.to_wire())
    rid = struct.unpack("!H", wire[:2])[0]
    assert rid == query.id ^ 0xFFFF and rid != query.id
    assert len(records(dns.message.from_wire(wire), dns.rdatatype.MX)) == 2


def test_timeout_no_answer(fs):
    t0 = time.monotonic()
    assert udp_raw(fs.port, q("timeout.fault.test.").to_wire(), timeout=0.5) == (None, None)
    assert tcp_raw(fs.port, q("timeout.fault.test.", "A").to_wire(), timeout=0.3) is None
    assert tcp_raw(fs.port, q("tchang.fault.test.").to_wire(), timeout=0.3) is None
    assert time.monotonic() - t0 < 1.5


def test_slow_does_not_block_others(fs):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        slow = q("slow.fault.test.")
        t0 = time.monotonic()
        s.sendto(slow.to_wire(), (HOST, fs.port))
        assert udp(fs, "ok.fault.test.").rcode() == dns.rcode.NOERROR
        assert time.monotonic() - t0 < 0.5
        wire = s.recv(65535)
        assert time.monotonic() - t0 >= 1.4
        assert dns.message.from_wire(wire).id == slow.id


def test_otheraddr(fs):
    if not fs.alt_bound:
        pytest.skip("127.0.0.2 could not be bound")
    wire, src = udp_raw(fs.port, q("otheraddr.fault.test.").to_wire())
    assert src == "127.0.0.2"
    assert len(records(dns.message.from_wire(wire), dns.rdatatype.MX)) == 2


def test_wrongq_and_noq(fs):
    r = dns.message.from_wire(udp_raw(fs.port, q("wrongq.fault.test.").to_wire())[0])
    assert r.question[0].name.to_text() == "wrongq-other.fault.test."
    wire, _ = udp_raw(fs.port, q("noq.fault.test.").to_wire())
    assert struct.unpack("!H", wire[4:6])[0] == 0                 # QDCOUNT


# ---------------------------------------------------------------- malformed


def test_ptrloop_self_pointer(fs):
    wire, _ = udp_raw(fs.port, q("ptrloop.fault.test.").to_wire())
    at = len(wire) - 2
    assert struct.unpack("!H", wire[at:])[0] == 0xC000 | at
    assert struct.unpack("!H", wire[6:8])[0] == 1                 # ANCOUNT


def test_ptrpast_points_at_packet_end(fs):
    wire, _ = udp_raw(fs.port, q("ptrpast.fault.test.").to_wire())
    assert struct.unpack("!H", wire[-2:])[0] == 0xC000 | len(wire)


@pytest.mark.parametrize("name", ["ptrloop", "ptrloop2", "ptrpast", "cut", "rdlenshort",
                                  "rdlenlong", "countbig", "labeltype", "longname",
                                  "trailing"])
def test_malformed_mx_rejected_by_dnspython(fs, name):
    wire, _ = udp_raw(fs.port, q(name + ".fault.test.").to_wire())
    assert wire is not None
    with pytest.raises(Exception):
        dns.message.from_wire(wire)
    # only the MX query is malformed
    a = udp(fs, name + ".fault.test.", "A")
    assert [rd.address for rd in records(a, dns.rdatatype.A)] == ["192.0.2.1"]


def test_badalen(fs):
    r = udp(fs, "badarlen.fault.test.")
    assert [rd.exchange.to_text() for rd in records(r, dns.rdatatype.MX)] == \
        ["badalen.fault.test."]
    wire, _ = udp_raw(fs.port, q("badalen.fault.test.", "A").to_wire())
    assert wire[-15:-5] == struct.pack("!HHIH", 1, 1, 300, 5)   # type A, RDLENGTH 5
    with pytest.raises(Exception):
        dns.message.from_wire(wire)


# ---------------------------------------------------------------- content


def test_dups_and_ttls_on_the_wire(fs):
    wire, _ = udp_raw(fs.port, q("dups.fault.test.").to_wire())
    m = dns.message.from_wire(wire, one_rr_per_rrset=True)
    assert [rrs[0].exchange.to_text() for rrs in m.answer] == ["dupa.fault.test."] * 3
    m = dns.message.from_wire(udp_raw(fs.port, q("ttls.fault.test.").to_wire())[0],
                              one_rr_per_rrset=True)
    assert [rrs.ttl for rrs in m.answer] == [0, 2147483647]


def test_esc_exchange_bytes(fs):
    r = udp(fs, "esc.fault.test.", edns=False)          # fits in 512 bytes
    assert not r.flags & dns.flags.TC
    firsts = [rd.exchange.labels[0] for rd in records(r, dns.rdatatype.MX)]
    assert b"\x1b[31mred" in firsts and b"nul\x00byte" in firsts and b"dot.label" in firsts
    a = udp(fs, "nul\\000byte.esc-host.fault.test.", "A")
    assert [rd.address for rd in records(a, dns.rdatatype.A)] == ["192.0.2.1"]


def test_stray_and_cnamelong(fs):
    r = dns.message.from_wire(udp_raw(fs.port, q("stray.fault.test.").to_wire())[0])
    owners = sorted(rrs.name.to_text() for rrs in r.answer)
    assert owners == ["mx1.ok-host.fault.test.", "stray.fault.test.", "victim.fault.test."]
    c = udp(fs, "link00.fault.test.", "A")
    assert len(records(c, dns.rdatatype.CNAME)) == 20
    assert [rd.address for rd in records(c, dns.rdatatype.A)] == ["192.0.2.1"]


# ---------------------------------------------------------------- lifecycle


def _fds():
    return len(os.listdir("/proc/self/fd"))


def test_stop_closes_everything():
    threads0, fds0 = threading.active_count(), _fds()
    with FaultServer(host=HOST, port=0) as server:
        port = server.port
        hung = socket.create_connection((HOST, port), timeout=2)
        w = q("tchang.fault.test.").to_wire()
        hung.sendall(struct.pack("!H", len(w)) + w)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # pending delayed reply
            s.sendto(q("slow.fault.test.").to_wire(), (HOST, port))
            time.sleep(0.1)
        assert threading.active_count() > threads0
    assert hung.recv(10) == b""          # the hung connection was closed by stop()
    hung.close()
    assert threading.active_count() == threads0
    assert _fds() == fds0
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((HOST, port), timeout=1).close()


def test_script_mode():
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "faultserver.py"), "--port", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(p.stdout.readline())
        r = dns.query.udp(q("ok.fault.test."), HOST, port=port, timeout=2)
        assert len(records(r, dns.rdatatype.MX)) == 2
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=5) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdout.close()
        p.stderr.close()
