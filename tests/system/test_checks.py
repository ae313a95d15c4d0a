"""The DNS checks of a mail route (--dnssec, --dane, -x/--ptr, --ns,
--strict) against real servers on loopback: a validating unbound in front
of a signing knotd (fixture resolver), several authoritative knotd that
disagree (fixture authorities); what each zone holds is in
tests/system/diagzones/README.md and the constants of diag.py.

Each check has its "not enough evidence" case next to the positive one:
a SERVFAIL that stays a SERVFAIL with CD is no DNSSEC failure, AD from a
server that does not validate is no "secure", a PTR lookup that times out
is no "no PTR record".
"""

import re
import socket
import threading

import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

import diag
from conftest import make_runner
from test_interfaces import check_json


def one(res):
    objs = check_json(res)
    assert len(objs) == 1, res
    return objs[0]


def exchange(obj, name):
    for e in obj["exchanges"]:
        if e["exchange"] == name:
            return e
    pytest.fail("no exchange %s in %s" % (name, obj))


def address(ex, text):
    for a in ex["addresses"]:
        if a["address"] == text:
            return a
    pytest.fail("no address %s in %s" % (text, ex))


# --- DNSSEC -----------------------------------------------------------------


def test_dnssec_secure(run_resolver):
    o = one(run_resolver("-j", "--dnssec", "dane.secure.test"))
    assert o["verdict"] == "mx" and o["dnssec"] == "secure"
    e = exchange(o, "mx.secure.test.")
    assert {a["dnssec"] for a in e["addresses"]} == {"secure"}
    # Addresses from the additional section carry no AD of their own.
    assert {a["source"] for a in e["addresses"]} == {"answer"}
    assert o["findings"] == []


def test_dnssec_secure_in_text_header(run_resolver):
    res = run_resolver("--dnssec", "dane.secure.test")
    assert res.rc == 0, res
    assert res.out.splitlines()[0].endswith("(DNSSEC secure)"), res


def test_dnssec_insecure(run_resolver):
    o = one(run_resolver("-j", "--dnssec", "insecure.test"))
    assert o["dnssec"] == "insecure"
    e = exchange(o, "mx.insecure.test.")
    assert {a["dnssec"] for a in e["addresses"]} == {"insecure"}


def test_dnssec_mixed_zones(run_resolver):
    """A signed domain whose exchange is in an unsigned zone: each RRset
    has its own status."""
    o = one(run_resolver("-j", "--dnssec", "secure.test"))
    assert o["dnssec"] == "secure"
    assert {a["dnssec"] for a in
            exchange(o, "mx.insecure.test.")["addresses"]} == {"insecure"}
    assert {a["dnssec"] for a in
            exchange(o, "mx.secure.test.")["addresses"]} == {"secure"}


def test_dnssec_bogus_is_named_with_the_resolvers_words(run_resolver,
                                                          resolver):
    resolver.flush()
    res = run_resolver("-j", "--dnssec", "bogus.test")
    assert res.rc == 3, res
    o = one(res)
    assert o["verdict"] == "unknown" and o["status"] == "bogus"
    assert o["dnssec"] == "bogus"
    assert "DNSSEC validation failed at 127.0.0.1#" in o["message"]
    # RFC 8914: unbound's EDE code and text, passed on.
    assert "DS hash mismatches key" in o["message"], o["message"]
    assert "(extended error 9)" in o["message"] or \
        "(extended error 6)" in o["message"], o["message"]


def test_bogus_denial_is_bogus(run_resolver, resolver):
    """Guards: a negative answer that fails validation.  unbound says
    SERVFAIL; asked again with CD, the zone's NXDOMAIN comes: that is a
    validation failure ("bogus", exit 3), not a server failure, and not
    the nonexistence of the name either."""
    resolver.flush()
    res = run_resolver("-j", "--dnssec", "nosuchname.bogus.test")
    assert res.rc == 3, res
    o = one(res)
    assert o["status"] == "bogus" and o["dnssec"] == "bogus", o
    assert "DNSSEC validation failed at 127.0.0.1#" in o["message"]


def test_secure_denial(run_resolver):
    """Guards: a validated NXDOMAIN (AD on a negative answer) is as
    secure as validated data: "secure", for the domain and for an
    exchange's missing TLSA records, not "unknown"."""
    res = run_resolver("-j", "--dnssec", "nosuchname.secure.test")
    assert res.rc == 1, res
    o = one(res)
    assert o["verdict"] == "nxdomain" and o["dnssec"] == "secure", o
    o = one(run_resolver("-j", "--dane", "notlsa.secure.test"))
    d = exchange(o, "mx4.secure.test.")["dane"]
    assert d["status"] == "nxdomain" and d["dnssec"] == "secure", d


def test_dnssec_does_not_take_the_additional_section(run, knot):
    """Guards: AD vouches for the answer and authority sections only (RFC
    4035 3.2.3): with --dnssec the exchanges' addresses are asked, even
    when the MX reply carries them (knotd adds them for cisco.com; without
    --dnssec they are taken from there)."""
    o = one(run("-j", "cisco.com"))
    assert {a["source"] for e in o["exchanges"]
            for a in e["addresses"]} == {"additional"}
    o = one(run("-j", "--dnssec", "cisco.com"))
    sources = {a["source"] for e in o["exchanges"] for a in e["addresses"]}
    assert sources == {"answer"}, o


def test_bogus_needs_the_dnssec_question(run_resolver):
    """Without --dnssec nothing was asked with CD: a SERVFAIL is only a
    SERVFAIL, whatever its cause."""
    res = run_resolver("-j", "bogus.test")
    assert res.rc == 3, res
    o = one(res)
    assert o["status"] == "servfail" and o["dnssec"] is None


def test_servfail_that_stays_with_cd_is_no_dnssec_failure(run_resolver):
    """unbound fails names outside its zones (knotd REFUSED) with or
    without CD: that is a broken server, not a validation failure."""
    res = run_resolver("-j", "--dnssec", "outside.example")
    assert res.rc == 3, res
    o = one(res)
    assert o["status"] == "servfail", o
    assert o["dnssec"] == "unknown"


def test_ad_from_a_server_that_does_not_validate(run, knot):
    """knotd is authoritative and sets no AD: insecure, never secure."""
    o = one(run("-j", "--dnssec", "cisco.com"))
    assert o["verdict"] == "mx" and o["dnssec"] == "insecure"


def test_bogus_exchange_does_not_hide_the_healthy_one(run_resolver):
    res = run_resolver("-j", "--dane", "brokenmx.insecure.test")
    assert res.rc == 0, res
    o = one(res)
    bad = exchange(o, "mx.bogus.test.")
    assert bad["status"] == "bogus" and bad["addresses"] == []
    assert bad["dane"]["state"] == "failed"
    assert bad["dane"]["status"] == "bogus"
    good = exchange(o, "mx.insecure.test.")
    assert good["status"] == "ok" and good["addresses"]
    assert good["dane"]["state"] == "insecure"


# --- DANE -------------------------------------------------------------------


def test_dane_states_per_exchange(run_resolver):
    o = one(run_resolver("-j", "--dane", "secure.test"))
    assert o["dnssec"] == "secure"     # --dane implies --dnssec
    states = {e["exchange"]: e["dane"]["state"] for e in o["exchanges"]}
    assert states == {
        "mx.secure.test.": "protected",
        "mx.insecure.test.": "insecure",
        "mx2.secure.test.": "unusable",
        "mx3.secure.test.": "unusable",
    }


def test_dane_records_decoded_whole_in_json(run_resolver):
    o = one(run_resolver("-j", "--dane", "dane.secure.test"))
    d = exchange(o, "mx.secure.test.")["dane"]
    usage, selector, mtype, data = diag.TLSA["_25._tcp.mx.secure.test."]
    assert d["tlsa"] == [{
        "usage": usage, "selector": selector, "matching_type": mtype,
        "data": data, "usable": True, "problem": None}]
    assert d["dnssec"] == "secure" and d["status"] == "ok"


def test_dane_unusable_records_say_why(run_resolver):
    o = one(run_resolver("-j", "--dane", "pkix.secure.test"))
    (t,) = exchange(o, "mx2.secure.test.")["dane"]["tlsa"]
    assert not t["usable"] and "PKIX-EE" in t["problem"]
    assert any("PKIX-EE" in f for f in o["findings"])
    o = one(run_resolver("-j", "--dane", "badtlsa.secure.test"))
    (t,) = exchange(o, "mx3.secure.test.")["dane"]["tlsa"]
    assert not t["usable"] and "not 32 bytes" in t["problem"]
    assert len(t["data"]) == 40


def test_dane_no_tlsa_is_no_dane_and_no_finding(run_resolver):
    o = one(run_resolver("-j", "--dane", "notlsa.secure.test"))
    d = exchange(o, "mx4.secure.test.")["dane"]
    assert d["state"] == "none" and d["tlsa"] == []
    assert d["status"] == "nxdomain"
    assert o["findings"] == []


def test_dane_insecure_tlsa_is_not_used(run_resolver):
    """TLSA records under an unsigned zone: present, not used (RFC 7672
    2.2), even though the domain's MX set is secure."""
    o = one(run_resolver("-j", "--dane", "mixed.secure.test"))
    assert o["dnssec"] == "secure"
    d = exchange(o, "mx.insecure.test.")["dane"]
    assert d["state"] == "insecure" and len(d["tlsa"]) == 1
    assert any("not DNSSEC-secure" in f for f in o["findings"])


def test_dane_text(run_resolver):
    res = run_resolver("--dane", "secure.test")
    assert res.rc == 0, res
    rows = {line.split()[1]: line for line in res.out.splitlines()[1:]
            if line.strip()}
    assert rows["mx.secure.test."].endswith("[DANE]")
    assert "[DANE]" not in rows["mx.insecure.test."]
    assert "(DANE: no usable TLSA record: TLSA 1 1 1: usage 1" in \
        rows["mx2.secure.test."]
    assert "SHA2-256 data that is not 32 bytes long" in \
        rows["mx3.secure.test."]


def test_dane_verbose_shows_the_records(run_resolver):
    res = run_resolver("-v", "--dane", "badtlsa.secure.test")
    assert "TLSA 3 1 1 fe29f4cc80a47dbc... (20 bytes): SHA2-256 data " \
        "that is not 32 bytes long" in res.out, res


def test_dane_with_one_address_family(run_resolver):
    """Guards: -4 asks no AAAA records, and what was not asked cannot be
    insecure: the exchange stays DANE-protected on its A records."""
    res = run_resolver("-j", "-4", "--dane", "dane.secure.test")
    assert res.rc == 0, res
    e = exchange(one(res), "mx.secure.test.")
    assert {a["family"] for a in e["addresses"]} == {4}
    assert e["dane"]["state"] == "protected", e


def test_dane_protected_needs_a_secure_mx_set(run_resolver):
    """The same exchange, reached from an unsigned domain: its TLSA
    records are secure, but a DANE sender never gets to them securely."""
    o = one(run_resolver("-j", "--dane", "insecure.test"))
    assert o["dnssec"] == "insecure"
    assert exchange(o, "mx.insecure.test.")["dane"]["state"] == "insecure"


# --- reverse DNS ------------------------------------------------------------


@pytest.mark.parametrize("addr", sorted(diag.PTR_CASES))
def test_ptr_cases(run_resolver, addr):
    o = one(run_resolver("-j", "-x", "ptr.test"))
    names, _ = diag.PTR_CASES[addr]
    a = None
    for e in o["exchanges"]:
        for x in e["addresses"]:
            if x["address"] == addr:
                a = x
    assert a is not None, addr
    p = a["ptr"]
    assert sorted(p["names"]) == sorted(names)
    if not names:
        assert p["status"] == "nxdomain" and p["confirmed"] is None
    else:
        assert p["status"] == "ok"
        expect = addr in ("192.52.193.10", "2001:4:112:1::10",
                          "192.52.193.13")
        assert p["confirmed"] is expect, p


def test_ptr_findings_in_words(run_resolver):
    res = run_resolver("-x", "ptr.test")
    assert res.rc == 0, res
    out = res.out
    assert "(192.52.193.11: no PTR record)" in out
    assert "(192.52.193.12: PTR other.ptr.test. does not resolve to it)" \
        in out
    assert "(192.52.193.13: 2 PTR records)" in out
    assert "(192.52.193.14: PTR gone.ptr.test. does not resolve to it)" \
        in out
    # Nothing about the confirmed one.
    line = [x for x in out.splitlines() if "mx-confirmed" in x][0]
    assert "(" not in line, line


def test_ptr_short_findings_on_stderr(run_resolver):
    res = run_resolver("-s", "-x", "noptr.ptr.test")
    assert res.rc == 0, res
    assert res.out == "10 mx-noptr.ptr.test. 192.52.193.11\n"
    assert res.err == ("mxq: noptr.ptr.test.: mx-noptr.ptr.test. "
                       "192.52.193.11: no PTR record\n")


def test_ptr_verbose_names_and_confirmation(run_resolver):
    """Each name marked on its own, whatever order the PTR records come
    in (unbound shuffles them)."""
    for _ in range(4):
        res = run_resolver("-v", "-x", "twoptr.ptr.test")
        assert "PTR mx-twoptr.ptr.test. (confirmed)" in res.out, res
        assert "PTR alias.ptr.test. (confirmed)" not in res.out, res
        assert "PTR alias.ptr.test." in res.out, res


def test_ptr_timeout_is_no_missing_ptr(run_authorities, authorities):
    """The blackhole never answers: the PTR is unknown, not missing, and
    says so."""
    res = run_authorities("-j", "-x", "-t", "0.3", "--tries", "1",
                          "multi.test", server="127.0.0.14")
    assert res.rc == 3, res     # the MX itself timed out there
    res = run_authorities("-j", "-x", "-t", "0.3", "--tries", "1",
                          "multi.test")
    o = one(res)
    for e in o["exchanges"]:
        for a in e["addresses"]:
            # ns1 is authoritative, not for the reverse zones: REFUSED
            assert a["ptr"]["status"] not in ("nxdomain", "nodata"), a
            assert a["ptr"]["confirmed"] is None
    assert all("PTR lookup failed" in f for f in o["findings"]), o


def queries(res):
    """The query count of -v's summary."""
    m = re.search(r"^;; (\d+) queries,", res.err, re.M)
    assert m, res
    return int(m.group(1))


def test_ptr_asked_once_per_address(run_resolver):
    """mixed.secure.test and insecure.test share their exchange with
    secure.test: with them the run asks their MX records and nothing
    more, the PTR of the shared addresses included."""
    # The resolver caps TTLs at 5 s and counts them down: an answer that
    # reaches mxq with TTL 0 is rightly not kept for the next domain (the
    # man page's LIMITS), one with TTL 1 may expire before it is asked
    # again.  Such a pair of runs proves nothing; it is run again.
    for _ in range(5):
        alone = run_resolver("-v", "-x", "secure.test", "ptr.test")
        assert alone.rc == 0, alone
        more = run_resolver("-v", "-x", "secure.test", "ptr.test",
                            "mixed.secure.test", "insecure.test")
        assert more.rc == 0, more
        if not re.search(r"\bttl [01]\b", alone.out + more.out):
            break
    else:
        pytest.fail("every run had an answer with TTL 0")
    assert queries(more) == queries(alone) + 2


# --- every authoritative server ---------------------------------------------


def test_ns_compares_every_server(run_authorities, authorities):
    res = run_authorities("-j", "--ns", "-t", "0.3", "multi.test")
    assert res.rc == 0, res
    o = one(res)
    ns = o["ns"]
    assert ns["zone"] == "multi.test." and ns["status"] == "ok"
    assert set(ns["findings"]) == {"serial", "mx", "lame", "no-answer"}
    by = {s["name"]: s for s in ns["servers"]}
    assert set(by) == set(diag.MULTI_NS)
    for name in ("ns1.multi.test.", "ns2.multi.test."):
        s = by[name]
        assert s["serial"] == diag.MULTI_SERIAL_CURRENT
        assert s["authoritative"] and s["findings"] == []
        assert s["mx"] == ["%d %s" % x for x in diag.MULTI_MX_CURRENT]
    stale = by["ns3.multi.test."]
    assert stale["serial"] == diag.MULTI_SERIAL_STALE
    assert set(stale["findings"]) == {"serial", "mx"}
    assert stale["mx"] == ["%d %s" % x for x in diag.MULTI_MX_STALE]
    dead = by["ns4.multi.test."]
    assert dead["status"] == "timeout" and dead["findings"] == ["no-answer"]
    assert dead["serial"] is None
    lame = by["ns5.multi.test."]
    assert lame["status"] == "refused" and lame["findings"] == ["lame"]
    assert lame["address"] == "127.0.0.15#%d" % authorities.port
    assert len(o["findings"]) == 3


def test_ns_text_block(run_authorities):
    res = run_authorities("--ns", "-t", "0.3", "multi.test")
    assert "  name servers of multi.test. disagree:" in res.out, res
    assert ("(an older serial and another MX set)" in
            [x for x in res.out.splitlines() if "ns3.multi.test." in x][0])
    assert "(no answer (timed out))" in res.out


def test_ns_agreeing_servers_one_line(run_authorities, authorities):
    """multi.test asked of ns1 alone (no --ns): no block; with --ns the
    block is there even when the verdict is clean."""
    res = run_authorities("multi.test")
    assert "name servers" not in res.out


def test_ns_is_asked_without_recursion(run_authorities, authorities):
    """RD off in the direct questions: the lame server refuses rather
    than recursing, and is reported lame."""
    o = one(run_authorities("-j", "--ns", "-t", "0.3", "multi.test"))
    lame = [s for s in o["ns"]["servers"] if s["name"] == "ns5.multi.test."]
    assert lame[0]["authoritative"] is False


def test_ns_zone_not_found_is_unknown_not_a_finding_of_servers(run_resolver):
    res = run_resolver("-j", "--ns", "outside.example")
    o = one(res)
    assert o["ns"]["status"] == "servfail" and o["ns"]["servers"] == []
    assert o["ns"]["zone"] is None


def test_ns_zone_not_found_is_said(run_resolver):
    """Guards: --ns that could not even find the zone's servers says so
    among the findings (the --short and --strict view), once, in words,
    rather than nothing, which would read as "all servers agree"."""
    o = one(run_resolver("-j", "--ns", "outside.example"))
    said = [f for f in o["findings"] if f.startswith("name servers not "
                                                     "found: ")]
    assert len(said) == 1, o["findings"]


def test_ns_zone_of_a_domain_that_does_not_exist(run_authorities,
                                                  authorities):
    """Guards: the zone of a nonexistent name comes from the SOA of the
    NXDOMAIN answer, as it does from a NODATA one: every server of
    multi.test. is asked (and the stale one is found) even though the
    name itself does not exist."""
    res = run_authorities("-j", "--ns", "-t", "0.3", "nosuchname.multi.test")
    assert res.rc == 1, res
    o = one(res)
    assert o["verdict"] == "nxdomain"
    ns = o["ns"]
    assert ns["status"] == "ok" and ns["zone"] == "multi.test.", ns
    assert {s["name"] for s in ns["servers"]} == set(diag.MULTI_NS)
    assert "serial" in ns["findings"], ns


# --- --strict ---------------------------------------------------------------


def test_strict_exit_5_for_a_route_with_findings(run_resolver):
    res = run_resolver("--strict", "-x", "noptr.ptr.test")
    assert res.rc == 5, res
    res = run_resolver("-x", "noptr.ptr.test")
    assert res.rc == 0, res


def test_strict_clean_domain_exits_0(run_resolver):
    res = run_resolver("--strict", "--dane", "-x", "confirmed.ptr.test")
    assert res.rc == 0, res


def test_strict_loses_to_every_other_status(run_resolver):
    # A temporary failure (3) beats 5, and so does no route (1).
    res = run_resolver("--strict", "-x", "noptr.ptr.test", "bogus.test")
    assert res.rc == 3, res
    res = run_resolver("--strict", "-x", "noptr.ptr.test", "nx.ptr.test")
    assert res.rc == 1, res


def test_strict_same_in_every_mode(run_resolver):
    for mode in ([], ["-s"], ["-j"], ["-q"]):
        res = run_resolver("--strict", "--dane", *mode, "pkix.secure.test")
        assert res.rc == 5, (mode, res)


def test_strict_counts_builtin_warnings(run, knot):
    """An exchange that is an alias is a finding of its own."""
    res = run("--strict", "excname.mxq.test")
    assert res.rc == 5, res
    res = run("excname.mxq.test")
    assert res.rc == 0, res


# --- zone-file slips --------------------------------------------------------


def test_zone_slips(run, knot):
    res = run("-j", "slip.mxq.test")
    o = one(res)
    assert exchange(o, "mail.mxq.test.mxq.test.")["warnings"] == \
        ["zone-twice"]
    assert exchange(o, "192.31.196.2.mxq.test.")["warnings"] == \
        ["address-and-zone"]
    assert exchange(o, "good.slip.mxq.test.")["warnings"] == []
    assert len(o["findings"]) == 2
    text = run("slip.mxq.test").out
    assert "almost always a missing final dot in the zone file" in text


def test_no_zone_slip_for_a_legitimate_repeat(run, knot):
    """A name that repeats a label of the domain but not the zone
    twice is no slip."""
    o = one(run("-j", "noslip.mxq.test"))
    assert all(e["warnings"] == [] for e in o["exchanges"]), o


# --- a scripted resolver ------------------------------------------------------
#
# What the fixtures cannot make: a resolver that goes silent when asked
# with CD, an unsigned domain whose exchange lives in a signed zone, two
# TLS-RPT records.  The server below answers from SCRIPT, as a validating
# resolver would (RA set, AD where the script says "secure"), on loopback.

ZONE = "scripted.test."


def _answer(q, rcode=dns.rcode.NOERROR, rdatas=(), ad=False):
    r = dns.message.make_response(q)
    r.flags |= dns.flags.RA
    if ad:
        r.flags |= dns.flags.AD
    r.set_rcode(rcode)
    qn = q.question[0]
    if rdatas:
        r.answer.append(dns.rrset.from_text_list(
            qn.name, 300, "IN", dns.rdatatype.to_text(qn.rdtype),
            list(rdatas)))
    elif rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        r.authority.append(dns.rrset.from_text(
            ZONE, 300, "IN", "SOA",
            "ns.%s hostmaster.%s 1 3600 600 86400 300" % (ZONE, ZONE)))
    return r


def data(*rdatas, secure=False):
    return lambda q: _answer(q, rdatas=rdatas, ad=secure)


def nodata(secure=False):
    return lambda q: _answer(q, ad=secure)


def servfail_unless_cd(with_cd):
    """SERVFAIL for DO questions, as for data that fails validation; with
    CD, with_cd(q) (None: no reply at all)."""
    def answer(q):
        if q.flags & dns.flags.CD:
            return with_cd(q)
        return _answer(q, rcode=dns.rcode.SERVFAIL)
    return answer


TLSA_GOOD = "3 1 1 " + "ab" * 32
SCRIPT = {
    # SERVFAIL; asked again with CD, silence: the SERVFAIL stands.
    ("cdsilent.scripted.test.", "MX"): servfail_unless_cd(lambda q: None),
    # An unsigned domain, its exchange and TLSA records signed.
    ("unsigned.scripted.test.", "MX"): data("10 mx.signed.scripted.test."),
    ("signed.scripted.test.", "MX"):
        data("10 mx.signed.scripted.test.", secure=True),
    ("mx.signed.scripted.test.", "A"): data("192.31.196.61", secure=True),
    ("mx.signed.scripted.test.", "AAAA"): nodata(secure=True),
    ("_25._tcp.mx.signed.scripted.test.", "TLSA"):
        data(TLSA_GOOD, secure=True),
    # TLS-RPT (RFC 8460 3): one record among others; two.
    ("tlsrpt1.scripted.test.", "MX"): data("10 mx.tlsrpt.scripted.test."),
    ("tlsrpt2.scripted.test.", "MX"): data("10 mx.tlsrpt.scripted.test."),
    ("mx.tlsrpt.scripted.test.", "A"): data("127.0.0.61"),
    ("mx.tlsrpt.scripted.test.", "AAAA"): nodata(),
    ("_smtp._tls.tlsrpt1.scripted.test.", "TXT"):
        data('"v=spf1 -all"', '"v=TLSRPTv1; rua=mailto:r@example.net"'),
    ("_smtp._tls.tlsrpt2.scripted.test.", "TXT"):
        data('"v=TLSRPTv1; rua=mailto:r@example.net"',
             '"v=TLSRPTv1; rua=mailto:s@example.net"'),
    # An MTA-STS policy announced, its host's address lookup failing.
    ("stsdown.scripted.test.", "MX"): data("10 mx.tlsrpt.scripted.test."),
    ("_mta-sts.stsdown.scripted.test.", "TXT"):
        data('"v=STSv1; id=20261201;"'),
    ("mta-sts.stsdown.scripted.test.", "A"):
        lambda q: _answer(q, rcode=dns.rcode.SERVFAIL),
    ("mta-sts.stsdown.scripted.test.", "AAAA"): nodata(),
}


class Scripted:
    """SCRIPT served on 127.0.0.1 (UDP); every other name NXDOMAIN.
    log: (qname, qtype, cd) of every query, names in lower case."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.log = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve)
        self.thread.start()

    def serve(self):
        while not self.stop.is_set():
            try:
                wire, peer = self.sock.recvfrom(4096)
                q = dns.message.from_wire(wire)
            except (socket.timeout, dns.exception.DNSException):
                continue
            qn = q.question[0]
            key = (qn.name.to_text().lower(),
                   dns.rdatatype.to_text(qn.rdtype))
            self.log.append(key + (bool(q.flags & dns.flags.CD),))
            script = SCRIPT.get(key)
            r = script(q) if script else _answer(q, dns.rcode.NXDOMAIN)
            if r is not None:
                self.sock.sendto(r.to_wire(), peer)

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def scripted():
    s = Scripted()
    yield s
    s.close()


@pytest.fixture(scope="module")
def run_scripted(scripted, mxq_bin):
    return make_runner(mxq_bin, "127.0.0.1", scripted.port)


def test_no_answer_with_cd_leaves_the_servfail(run_scripted, scripted):
    """Guards: a SERVFAIL asked again with CD that gets no answer at all
    stays what it was, a server failure, not a timeout of the domain (and
    not "bogus": nothing showed data behind it)."""
    res = run_scripted("-j", "--dnssec", "-t", "0.3", "--tries", "1",
                       "cdsilent.scripted.test")
    assert res.rc == 3, res
    o = one(res)
    assert o["status"] == "servfail", o
    # The question with CD did go out.
    assert ("cdsilent.scripted.test.", "MX", True) in scripted.log


def test_dane_protected_needs_a_signed_domain(run_scripted):
    """Guards: an exchange whose addresses and TLSA records are secure is
    DANE-protected only when the MX set that leads to it is secure too
    (RFC 7672 2.2): from an unsigned domain a DANE sender never trusts
    the way there."""
    o = one(run_scripted("-j", "--dane", "signed.scripted.test"))
    e = exchange(o, "mx.signed.scripted.test.")
    assert o["dnssec"] == "secure" and e["dane"]["state"] == "protected", o
    o = one(run_scripted("-j", "--dane", "unsigned.scripted.test"))
    assert o["dnssec"] == "insecure"
    d = exchange(o, "mx.signed.scripted.test.")["dane"]
    assert d["dnssec"] == "secure" and d["state"] == "insecure", d


def test_tlsrpt_exactly_one_record(run_scripted):
    """Guards: RFC 8460 3: of the _smtp._tls TXT records, those that start
    with v=TLSRPTv1 count, and exactly one must: the one among others is
    the policy, two are none, and a finding.  (The exchange is on
    loopback: no connection is made without --private.)"""
    o = one(run_scripted("-j", "--smtp", "tlsrpt1.scripted.test"))
    assert o["tlsrpt"]["status"] == "ok", o["tlsrpt"]
    assert o["tlsrpt"]["record"] == "v=TLSRPTv1; rua=mailto:r@example.net"
    assert not any(f.startswith("TLS-RPT") for f in o["findings"])
    o = one(run_scripted("-j", "--smtp", "tlsrpt2.scripted.test"))
    assert o["tlsrpt"]["status"] == "malformed", o["tlsrpt"]
    assert o["tlsrpt"]["record"] is None
    assert any(f.startswith("TLS-RPT: ") and "several v=TLSRPTv1" in f
               for f in o["findings"]), o["findings"]


def test_mta_sts_host_lookup_failure_is_said(run_scripted):
    """Guards: when the policy host's address lookup fails (SERVFAIL),
    the policy is unknown for that reason, a temporary one, not "no
    record" as for a host that does not exist."""
    o = one(run_scripted("-j", "--smtp", "-t", "0.3", "--tries", "1",
                         "stsdown.scripted.test"))
    assert o["mta_sts"]["status"] == "ok", o["mta_sts"]
    pol = o["mta_sts"]["policy"]
    assert pol["status"] == "servfail" and pol["http_status"] is None, pol
    assert any(f.startswith("MTA-STS: ") and "SERVFAIL" in f
               for f in o["findings"]), o["findings"]
