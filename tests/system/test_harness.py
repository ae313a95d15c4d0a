"""Smoke tests of the test harness itself (knotd and its zones), with
dnspython; the mxq binary is not involved."""

import os
import subprocess
import sys

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def ask(knot, name, rdtype="MX", address="127.0.0.1", tcp=False):
    q = dns.message.make_query(name, rdtype, use_edns=False)
    q.flags &= ~dns.flags.RD
    if tcp:
        return dns.query.tcp(q, address, port=knot.port, timeout=2)
    return dns.query.udp(q, address, port=knot.port, timeout=2)


def mx_set(reply, name):
    rrset = reply.get_rrset(reply.answer, dns.name.from_text(name),
                            dns.rdataclass.IN, dns.rdatatype.MX)
    assert rrset is not None, reply
    return sorted((r.preference, r.exchange.to_text()) for r in rrset)


def test_every_zone_loaded(knot):
    assert "mxq.test." in knot.zones and "cisco.com." in knot.zones
    for zone in knot.zones:
        r = ask(knot, zone, "SOA")
        assert r.rcode() == dns.rcode.NOERROR, zone
        assert r.flags & dns.flags.AA, zone


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_cisco_mx_on_both_addresses(knot, address):
    r = ask(knot, "cisco.com.", address=address)
    assert r.rcode() == dns.rcode.NOERROR
    assert mx_set(r, "cisco.com.") == [
        (10, "alln-mx-01.cisco.com."),
        (20, "rcdn-mx-01.cisco.com."),
        (30, "aer-mx-01.cisco.com."),
    ]


def test_big_needs_tcp(knot):
    udp = ask(knot, "big.mxq.test.")
    assert udp.flags & dns.flags.TC
    tcp = ask(knot, "big.mxq.test.", tcp=True)
    assert not tcp.flags & dns.flags.TC
    assert len(tcp.to_wire()) > 512
    mx = mx_set(tcp, "big.mxq.test.")
    assert len(mx) == 64
    assert mx[0] == (1, "mx64.big.mxq.test.")
    assert mx[-1] == (64, "mx01.big.mxq.test.")


def test_servfail_zone(knot):
    assert ask(knot, "servfail.test.").rcode() == dns.rcode.SERVFAIL


def test_unserved_name_refused(knot):
    assert ask(knot, "refused.invalid.").rcode() == dns.rcode.REFUSED


def test_apple_groups(knot):
    mx = mx_set(ask(knot, "apple.com."), "apple.com.")
    prefs = [p for p, _ in mx]
    assert prefs.count(10) == 5 and prefs.count(20) == 5
    assert prefs.count(100) == 1 and len(mx) == 11
    assert len({x for _, x in mx}) == 11


# answers: number of records in the answer section
@pytest.mark.parametrize("name, rdtype, rcode, answers", [
    ("nomail.example.", "MX", "NOERROR", 1),
    ("implicit.example.", "MX", "NOERROR", 0),
    ("implicit.example.", "AAAA", "NOERROR", 1),
    ("xn--bcher-kva.example.", "MX", "NOERROR", 2),
    ("implicit.mxq.test.", "MX", "NOERROR", 0),
    ("implicit.mxq.test.", "A", "NOERROR", 1),
    ("nodata.mxq.test.", "MX", "NOERROR", 0),
    ("nodata.mxq.test.", "A", "NOERROR", 0),
    ("nonexistent.mxq.test.", "MX", "NXDOMAIN", 0),
    ("txtonly.noaddr.mxq.test.", "A", "NOERROR", 0),
    ("absent.noaddr.mxq.test.", "A", "NXDOMAIN", 0),
    ("ok.noaddr.mxq.test.", "A", "NOERROR", 1),
    ("txtonly.deadend.mxq.test.", "AAAA", "NOERROR", 0),
    ("absent.deadend.mxq.test.", "AAAA", "NXDOMAIN", 0),
    ("mx.v6only.mxq.test.", "A", "NOERROR", 0),
    ("mx.v6only.mxq.test.", "AAAA", "NOERROR", 2),
    ("cname.mxq.test.", "MX", "NOERROR", 3),       # CNAME + 2 MX
    ("alias.mxq.test.", "A", "NOERROR", 2),        # CNAME + A
    ("dangling.mxq.test.", "MX", "NXDOMAIN", 1),   # CNAME only
    ("xn--zvg.mxq.test.", "A", "NOERROR", 1),
    ("mx_1.under_score.mxq.test.", "A", "NOERROR", 1),
])
def test_zone_intent(knot, name, rdtype, rcode, answers):
    r = ask(knot, name, rdtype)
    assert dns.rcode.to_text(r.rcode()) == rcode
    assert sum(len(rrset) for rrset in r.answer) == answers, r


def test_null_mx(knot):
    for name in ("nomail.example.", "nullmx.mxq.test."):
        assert mx_set(ask(knot, name), name) == [(0, ".")]


def test_equal_and_tiebreak_arrival_order(knot):
    # knotd serves an RRset in canonical order, whatever the zone file says.
    r = ask(knot, "equal.mxq.test.")
    assert [x.exchange.to_text() for x in r.answer[0]] == [
        "a.equal.mxq.test.", "b.equal.mxq.test.", "c.equal.mxq.test.",
        "d.equal.mxq.test."]
    r = ask(knot, "tiebreak.mxq.test.")
    assert [x.exchange.to_text() for x in r.answer[0]] == [
        "c.tiebreak.mxq.test.", "bb.tiebreak.mxq.test.",
        "aaa.tiebreak.mxq.test."]


def test_hostile_labels(knot):
    mx = mx_set(ask(knot, "hostile.mxq.test."), "hostile.mxq.test.")
    raw = {p: dns.name.from_text(x).labels[0] for p, x in mx}
    assert raw == {
        10: b"bad\x1bhost", 20: b"a b", 30: b"dot.in", 40: b"nul\x00x",
        50: b'quote"q', 60: b"hi\xc8bit", 70: b"semi;colon",
        80: b"back\\slash", 90: b"paren(x)", 100: b"at@sign$dollar",
        110: b"del\x7fff\xff", 120: b"hi\x80bit", 130: b"caf\xc3\xa9",
    }
    for _, exchange in mx:
        a = ask(knot, exchange, "A")
        assert a.rcode() == dns.rcode.NOERROR and len(a.answer) == 1, exchange


def test_cli_runs_command_with_port():
    script = ("import os, sys; "
              "sys.exit(7 if sys.argv[1] == os.environ['MXQ_TEST_PORT'] "
              "and sys.argv[1].isdigit() else 1)")
    p = subprocess.run(
        [sys.executable, os.path.join(HERE, "knot.py"),
         "--zones", os.path.join(HERE, "zones"),
         "--", sys.executable, "-c", script, "{port}"],
        capture_output=True, timeout=30)
    assert p.returncode == 7, p.stderr
