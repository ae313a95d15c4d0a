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
    assert [rd.address for rd in records(a, dns.rdatatype.A)] == ["192.31.196.1"]
    aaaa = tcp(fs, "mx2.ok-host.fault.test.", "AAAA")
    assert [rd.address for rd in records(aaaa, dns.rdatatype.AAAA)] == ["2001:4:112::1"]
    nodata = udp(fs, "mx1.ok-host.fault.test.", "MX")
    assert nodata.rcode() == dns.rcode.NOERROR and not nodata.answer
    assert nodata.authority[0].rdtype == dns.rdatatype.SOA


def test_case_insensitive_and_question_echoed(fs):
    r = udp(fs, "Ok.FAULT.test.")
    assert len(records(r, dns.rdatatype.MX)) == 2
    assert r.question[0].name.to_text() == "Ok.FAULT.test."


def test_compression_borrows_the_question_case(fs):
    """As knotd and BIND do, names are compressed without regard to letter
    case, so a suffix shared with the question reads in the question's
    case: what a client that randomises case (0x20) must undo."""
    wire, _ = udp_raw(fs.port, q("oK.fAuLt.TeSt.").to_wire())
    r = dns.message.from_wire(wire)
    assert r.answer[0].name.to_text() == "oK.fAuLt.TeSt."
    assert [(rd.preference, rd.exchange.to_text()) for rd in r.answer[0]] == [
        (10, "mx1.ok-host.fAuLt.TeSt."), (20, "mx2.ok-host.fAuLt.TeSt.")]
    # compressed once, whatever the case
    assert wire.count(b"\x05fAuLt\x04TeSt\x00") == 1
    assert b"\x05fault\x04test\x00" not in wire


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
    assert [rd.address for rd in records(a, dns.rdatatype.A)] == ["192.31.196.1"]


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
    assert [rd.address for rd in records(a, dns.rdatatype.A)] == ["192.31.196.1"]


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
    assert [rd.address for rd in records(a, dns.rdatatype.A)] == ["192.31.196.1"]


def test_stray_and_cnamelong(fs):
    r = dns.message.from_wire(udp_raw(fs.port, q("stray.fault.test.").to_wire())[0])
    owners = sorted(rrs.name.to_text() for rrs in r.answer)
    assert owners == ["mx1.ok-host.fault.test.", "stray.fault.test.", "victim.fault.test."]
    c = udp(fs, "link00.fault.test.", "A")
    assert len(records(c, dns.rdatatype.CNAME)) == 20
    assert [rd.address for rd in records(c, dns.rdatatype.A)] == ["192.31.196.1"]


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


# ---------------------------------------------------------------- query log


def test_log_details(fs):
    fs.clear_queries()
    query = q("Ok.Fault.Test.")
    query.want_dnssec(True)
    query.flags |= dns.flags.CD | dns.flags.AD
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((HOST, 0))
        sport = s.getsockname()[1]
        s.settimeout(2)
        s.sendto(query.to_wire(), (HOST, fs.port))
        s.recv(65535)
    plain = q("mx1.ok-host.fault.test.", "AAAA", edns=False)
    plain.flags &= ~dns.flags.RD
    dns.query.tcp(plain, HOST, port=fs.port, timeout=2)
    assert fs.queries() == [("udp", "Ok.Fault.Test.", "MX"),
                            ("tcp", "mx1.ok-host.fault.test.", "AAAA")]
    first, second = fs.log()
    assert first == {"transport": "udp", "qname": "Ok.Fault.Test.", "qtype": "MX",
                     "id": query.id, "sport": sport, "edns": True, "do": True,
                     "cd": True, "rd": True, "ad": True}
    assert second["transport"] == "tcp" and second["id"] == plain.id
    assert isinstance(second["sport"], int) and second["sport"] > 0
    assert (second["edns"], second["do"], second["cd"], second["rd"], second["ad"]) == \
        (False, False, False, False, False)
    # a copy: the caller cannot change the server's log
    fs.log()[0]["qname"] = "changed"
    assert fs.log()[0]["qname"] == "Ok.Fault.Test."
    fs.clear_queries()
    assert fs.queries() == [] and fs.log() == []


# ---------------------------------------------------------------- real conditions


def _ns(msg):
    return sorted((rrs.name.to_text(), rd.target.to_text())
                  for rrs in msg.authority if rrs.rdtype == dns.rdatatype.NS for rd in rrs)


def _mx(msg):
    return [(rd.preference, rd.exchange.to_text()) for rd in records(msg, dns.rdatatype.MX)]


def _additional(msg):
    return sorted((rrs.name.to_text(), dns.rdatatype.to_text(rrs.rdtype), rd.address)
                  for rrs in msg.additional for rd in rrs)


def test_referral(fs):
    for rdtype in ("MX", "A", "AAAA", "TXT"):
        r = udp(fs, "referral.fault.test.", rdtype)
        assert r.rcode() == dns.rcode.NOERROR
        assert not r.flags & (dns.flags.AA | dns.flags.RA)
        assert not r.answer and not r.additional
        assert _ns(r) == [("referral.fault.test.", "ns1.elsewhere.example."),
                          ("referral.fault.test.", "ns2.elsewhere.example.")]
        assert not [rrs for rrs in r.authority if rrs.rdtype == dns.rdatatype.SOA]
    assert _ns(tcp(fs, "referral.fault.test.", "A")) == _ns(r)
    assert _mx(udp(fs, "refex.fault.test.")) == [(10, "referral.fault.test.")]
    assert _mx(udp(fs, "refmix.fault.test.")) == [(10, "referral.fault.test."),
                                                  (20, "mx1.ok-host.fault.test.")]
    a = udp(fs, "refmix.fault.test.", "A")
    assert [rd.address for rd in records(a, dns.rdatatype.A)] == ["192.31.196.1"]


@pytest.mark.parametrize("name,rcode", [("lame", dns.rcode.NXDOMAIN),
                                        ("lamenodata", dns.rcode.NOERROR)])
def test_lame(fs, name, rcode):
    for rdtype in ("MX", "A", "AAAA"):
        r = udp(fs, name + ".fault.test.", rdtype)
        assert r.rcode() == rcode and not r.answer
        assert not r.flags & (dns.flags.AA | dns.flags.RA)
        assert [rrs.rdtype for rrs in r.authority] == [dns.rdatatype.SOA]


def test_recursive(fs):
    r = udp(fs, "recursive.fault.test.")
    assert r.flags & dns.flags.RA and not r.flags & dns.flags.AA
    assert _mx(r) == [(10, "mx1.ok-host.fault.test."), (20, "mx2.ok-host.fault.test.")]
    assert _additional(r) == [("mx1.ok-host.fault.test.", "A", "192.31.196.77")]
    a = udp(fs, "mx1.ok-host.fault.test.", "A")     # asked itself: the default host
    assert [rd.address for rd in records(a, dns.rdatatype.A)] == ["192.31.196.1"]


@pytest.mark.parametrize("name,mx,additional", [
    ("poison", "mail.victim.example.", [("mail.victim.example.", "A", "192.175.48.66")]),
    ("glue", "mx.glue.fault.test.", [("mx.glue.fault.test.", "A", "192.31.196.55"),
                                     ("mx.glue.fault.test.", "AAAA", "2001:4:112::55")]),
    ("sibling", "mx.sib-host.fault.test.", [("mx.sib-host.fault.test.", "A", "192.31.196.56")]),
])
def test_additional_data(fs, name, mx, additional):
    r = udp(fs, name + ".fault.test.")
    assert r.flags & dns.flags.AA and not r.flags & dns.flags.RA
    assert _mx(r) == [(10, mx)]
    assert _additional(r) == additional
    if mx.endswith(".fault.test."):     # "mx" first label: a default host
        a = udp(fs, mx, "A")
        assert [rd.address for rd in records(a, dns.rdatatype.A)] == ["192.31.196.1"]


def test_casefold(fs):
    for rdtype, owner_check in (("MX", dns.rdatatype.MX), ("A", dns.rdatatype.A),
                                ("AAAA", dns.rdatatype.AAAA)):
        wire, _ = udp_raw(fs.port, q("CaseFold.Fault.TEST.", rdtype).to_wire())
        r = dns.message.from_wire(wire)
        assert r.question[0].name.to_text() == "casefold.fault.test."
        owners = {rrs.name.to_text() for rrs in r.answer}
        assert owners == {"casefold.fault.test."}
        assert [rrs.rdtype for rrs in r.answer] == [owner_check]
        # the raw bytes too: nothing in the reply keeps an upper-case letter
        assert b"Case" not in wire and b"TEST" not in wire and b"Fault" not in wire
    assert _mx(tcp(fs, "CASEFOLD.fault.test.")) == _mx(udp(fs, "ok.fault.test."))


def test_spoof_udp_forged_then_genuine(fs):
    query = q("Spoof.fault.test.")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        t0 = time.monotonic()
        s.sendto(query.to_wire(), (HOST, fs.port))
        forged = dns.message.from_wire(s.recv(65535))
        t1 = time.monotonic()
        genuine = dns.message.from_wire(s.recv(65535))
        t2 = time.monotonic()
    assert t1 - t0 < 0.15 and 0.15 <= t2 - t0 < 1.0
    assert forged.id == genuine.id == query.id
    assert forged.question[0].name.to_text() == "sPOOF.FAULT.TEST."
    assert forged.rcode() == dns.rcode.NXDOMAIN and forged.flags & dns.flags.AA
    assert [rrs.rdtype for rrs in forged.authority] == [dns.rdatatype.SOA]
    assert not forged.answer
    assert genuine.question[0].name.to_text() == "Spoof.fault.test."
    assert genuine.rcode() == dns.rcode.NOERROR
    assert _mx(genuine) == [(10, "mx1.ok-host.fault.test."), (20, "mx2.ok-host.fault.test.")]


def test_spoof_a_and_tcp(fs):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.sendto(q("spoof.fault.test.", "A").to_wire(), (HOST, fs.port))
        forged = dns.message.from_wire(s.recv(65535))
        genuine = dns.message.from_wire(s.recv(65535))
    assert forged.question[0].name.to_text() == "SPOOF.FAULT.TEST."
    assert [rd.address for rd in records(genuine, dns.rdatatype.A)] == ["192.31.196.1"]
    # over TCP only the genuine reply, at once
    t0 = time.monotonic()
    r = tcp(fs, "spoof.fault.test.")
    assert time.monotonic() - t0 < 0.15
    assert r.rcode() == dns.rcode.NOERROR and len(_mx(r)) == 2


def test_noedns(fs):
    r = udp(fs, "noedns.fault.test.", edns=True)
    assert r.rcode() == dns.rcode.FORMERR and r.edns == -1 and not r.answer
    r = udp(fs, "noedns.fault.test.", edns=False)
    assert r.rcode() == dns.rcode.NOERROR and len(_mx(r)) == 2
    assert udp(fs, "noedns.fault.test.", "A", edns=True).rcode() == dns.rcode.FORMERR
    a = tcp(fs, "noedns.fault.test.", "A", edns=False)
    assert [rd.address for rd in records(a, dns.rdatatype.A)] == ["192.31.196.1"]


def test_flaky_memory_per_name_type_and_server():
    with FaultServer(host=HOST, port=0) as one, FaultServer(host=HOST, port=0) as two:
        def rcode(server, name, rdtype):
            return udp(server, name, rdtype).rcode()

        assert rcode(one, "flakyhost.fault.test.", "A") == dns.rcode.SERVFAIL
        # the same name in another case is the same name
        a = udp(one, "FlakyHost.fault.test.", "A")
        assert [rd.address for rd in records(a, dns.rdatatype.A)] == ["192.31.196.1"]
        assert rcode(one, "flakyhost.fault.test.", "AAAA") == dns.rcode.SERVFAIL
        assert rcode(one, "flakyhost.fault.test.", "AAAA") == dns.rcode.NOERROR
        assert rcode(one, "flakyhost.fault.test.", "MX") == dns.rcode.SERVFAIL
        # the other server has its own memory
        assert rcode(two, "flakyhost.fault.test.", "A") == dns.rcode.SERVFAIL
        one.clear_queries()
        assert rcode(one, "flakyhost.fault.test.", "A") == dns.rcode.SERVFAIL
        assert rcode(one, "flakyhost.fault.test.", "A") == dns.rcode.NOERROR
        for name in ("flaky1", "flaky2"):
            assert _mx(udp(one, name + ".fault.test.")) == [(10, "flakyhost.fault.test.")]


def test_tcpslow(fs):
    r = udp(fs, "tcpslow.fault.test.")
    assert r.flags & dns.flags.TC and not r.answer
    t0 = time.monotonic()
    r = tcp(fs, "tcpslow.fault.test.")
    took = time.monotonic() - t0
    assert 0.45 <= took < 1.0 and len(_mx(r)) == 2
    a = tcp(fs, "tcpslow.fault.test.", "AAAA")
    assert [rd.address for rd in records(a, dns.rdatatype.AAAA)] == ["2001:4:112::1"]


def test_tcpclose(fs):
    assert udp(fs, "tcpclose.fault.test.", "A").flags & dns.flags.TC
    fs.clear_queries()
    for _ in range(2):
        with socket.create_connection((HOST, fs.port), timeout=2) as s:
            w = q("tcpclose.fault.test.").to_wire()
            s.sendall(struct.pack("!H", len(w)) + w)
            t0 = time.monotonic()
            assert s.recv(10) == b""                # closed without an answer
            assert time.monotonic() - t0 < 0.5
    assert fs.queries() == [("tcp", "tcpclose.fault.test.", "MX")] * 2


@pytest.mark.parametrize("n", ["0", "7", "1999", "123456"])
def test_live_and_dead(fs, n):
    assert _mx(udp(fs, "live%s.fault.test." % n)) == [(10, "mx.live%s.fault.test." % n)]
    # the exchange's name is compressed against the question's
    assert _mx(udp(fs, "Live%s.FAULT.test." % n)) == [(10, "mx.Live%s.FAULT.test." % n)]
    a = udp(fs, "mx.live%s.fault.test." % n, "A")
    assert [rd.address for rd in records(a, dns.rdatatype.A)] == ["192.31.196.1"]
    a = udp(fs, "live%s.fault.test." % n, "AAAA")
    assert [rd.address for rd in records(a, dns.rdatatype.AAAA)] == ["2001:4:112::1"]
    dead = "dead%s.fault.test." % n
    assert udp_raw(fs.port, q(dead).to_wire(), timeout=0.3) == (None, None)
    assert udp_raw(fs.port, q(dead, "A").to_wire(), timeout=0.3) == (None, None)
    assert tcp_raw(fs.port, q(dead).to_wire(), timeout=0.3) is None


def test_live_and_dead_need_digits(fs):
    # "live"/"dead" alone or with other letters are default hosts
    for name in ("live.fault.test.", "deadx.fault.test.", "live1a.fault.test."):
        r = udp(fs, name, "A")
        assert [rd.address for rd in records(r, dns.rdatatype.A)] == ["192.31.196.1"], name


def test_case_exchanges_lonedot_twopref(fs):
    wire, _ = udp_raw(fs.port, q("casea.fault.test.").to_wire())
    (rd,) = records(dns.message.from_wire(wire), dns.rdatatype.MX)
    assert rd.exchange.to_text() == "MX.Shared-Case.fault.test."     # case kept
    assert _mx(udp(fs, "caseb.fault.test.")) == [(10, "mx.shared-case.fault.test.")]
    a = udp(fs, "MX.Shared-Case.fault.test.", "A")
    assert [rd.address for rd in records(a, dns.rdatatype.A)] == ["192.31.196.1"]
    assert _mx(udp(fs, "lonedot.fault.test.")) == [(10, ".")]
    assert _mx(udp(fs, "twopref.fault.test.")) == [(10, "mx.twopref-host.fault.test."),
                                                   (20, "mx.twopref-host.fault.test.")]


def test_conditions_documented_and_apart_from_scenarios():
    """Every CONDITIONS entry has a row in the second table of the module
    doc and no name is both a SCENARIOS and a CONDITIONS entry."""
    from faultserver import CONDITIONS, SCENARIOS, __doc__ as doc
    rows = set()
    part = doc.split("Real-condition scenarios", 1)[1]
    for m in __import__("re").finditer(r"^    ([a-z0-9<>N]+) +(?:MX|all)\b", part, 8):
        rows.add(m.group(1))
    assert rows == set(CONDITIONS) | {"live<N>", "dead<N>"}
    assert not set(CONDITIONS) & set(SCENARIOS)
