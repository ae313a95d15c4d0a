"""Self-tests of the DNS-diagnostics infrastructure (tests/system/diag.py:
the resolver and authorities fixtures), with dnspython; mxq is not
involved.  They check that the servers answer what diag.py's constants and
tests/system/diagzones/README.md say."""

import ipaddress
import os
import socket
import time

import dns.exception
import dns.flags
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.reversename
import dns.zone
import pytest

import diag
from diag import BOGUS, INSECURE, MULTI, PTR, SECURE, ede, rrset

GLOBAL_BLOCKS = [ipaddress.ip_network(n) for n in (
    "192.31.196.0/24", "192.175.48.0/24", "192.52.193.0/24",
    "2001:4:112::/48", "2620:4f:8000::/48")]


def rcode(reply):
    return dns.rcode.to_text(reply.rcode())


def has(reply, flag):
    return bool(reply.flags & flag)


def mx_of(reply, name):
    rs = rrset(reply, name, "MX")
    assert rs is not None, reply
    return sorted((r.preference, r.exchange.to_text()) for r in rs)


def texts(reply, name, rdtype):
    rs = rrset(reply, name, rdtype)
    return sorted(r.to_text() for r in rs) if rs is not None else []


def zone_of(name):
    for z in diag.RESOLVER_ZONES:
        if dns.name.from_text(name).is_subdomain(dns.name.from_text(z)):
            return z
    raise AssertionError("no zone for %s" % name)


# --- the zone files -------------------------------------------------------

def _zone_files():
    for sub in ("resolver", "multi-current", "multi-stale"):
        d = os.path.join(diag.ZONE_ROOT, sub)
        for f in sorted(os.listdir(d)):
            if f.endswith(".zone"):
                yield os.path.join(d, f), f[:-len(".zone")] + "."


@pytest.mark.parametrize("path,origin", list(_zone_files()),
                         ids=lambda v: os.path.basename(str(v)))
def test_exchange_addresses_globally_reachable(path, origin):
    """Every A/AAAA in the zone files is in a globally reachable block,
    except name servers' (127.0.0.x: they are queried for real)."""
    z = dns.zone.from_file(path, origin, relativize=False)
    ns_names = {r.target for _, _, r in z.iterate_rdatas("NS")}
    for name, _, rdata in z.iterate_rdatas():
        if rdata.rdtype not in (dns.rdatatype.A, dns.rdatatype.AAAA):
            continue
        addr = ipaddress.ip_address(rdata.address)
        if name in ns_names:
            assert addr.is_loopback, (name, addr)
        else:
            assert any(addr in b for b in GLOBAL_BLOCKS), (name, addr)
            assert addr.is_global, (name, addr)


def test_constants_use_global_addresses():
    for table in (diag.ADDRESSES, diag.MULTI_ADDRESSES):
        for name, by_type in table.items():
            for addrs in by_type.values():
                for a in addrs:
                    ip = ipaddress.ip_address(a)
                    assert any(ip in b for b in GLOBAL_BLOCKS), (name, a)
    for a in diag.PTR_CASES:
        assert ipaddress.ip_address(a).is_global


# --- the resolver: DNSSEC -------------------------------------------------

@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
@pytest.mark.parametrize("flags", [{"do": True}, {"ad": True}],
                         ids=["DO", "AD"])
def test_secure_mx_has_ad(resolver, address, flags):
    r = resolver.ask(SECURE, "MX", address=address, **flags)
    assert rcode(r) == "NOERROR"
    assert has(r, dns.flags.AD) and has(r, dns.flags.RA)
    assert mx_of(r, SECURE) == diag.MX[SECURE]
    sigs = r.get_rrset(r.answer, dns.name.from_text(SECURE),
                       dns.rdataclass.IN, dns.rdatatype.RRSIG,
                       dns.rdatatype.MX)
    assert (sigs is not None) == bool(flags.get("do"))


def test_secure_over_tcp(resolver):
    r = resolver.ask(SECURE, "MX", do=True, tcp=True)
    assert rcode(r) == "NOERROR" and has(r, dns.flags.AD)


def test_without_do_or_ad_no_ad(resolver):
    """RFC 6840 5.8: AD only for a query with DO or AD."""
    r = resolver.ask(SECURE, "MX")
    assert rcode(r) == "NOERROR" and not has(r, dns.flags.AD)


@pytest.mark.parametrize("name", sorted(diag.MX))
def test_mx_sets_and_security(resolver, name):
    r = resolver.ask(name, "MX", do=True)
    want = diag.SECURITY[zone_of(name)]
    if want == "bogus":
        assert rcode(r) == "SERVFAIL"
        r = resolver.ask(name, "MX", do=True, cd=True)
    assert rcode(r) == "NOERROR"
    assert mx_of(r, name) == diag.MX[name]
    assert has(r, dns.flags.AD) == (want == "secure"), r


@pytest.mark.parametrize("name", sorted(diag.ADDRESSES))
def test_exchange_addresses(resolver, name):
    want = diag.SECURITY[zone_of(name)]
    for rdtype in ("A", "AAAA"):
        r = resolver.ask(name, rdtype, do=True, cd=(want == "bogus"))
        assert rcode(r) == "NOERROR", r
        assert texts(r, name, rdtype) == sorted(
            diag.ADDRESSES[name].get(rdtype, [])), r
        assert has(r, dns.flags.AD) == (want == "secure"), r


def test_insecure_has_no_ad(resolver):
    for name in (INSECURE, PTR):
        r = resolver.ask(name, "MX", do=True, ad=True)
        assert rcode(r) == "NOERROR" and not has(r, dns.flags.AD)


def test_secure_denial_has_ad(resolver):
    r = resolver.ask("_25._tcp.mx4.secure.test.", "TLSA", do=True)
    assert rcode(r) == "NXDOMAIN" and has(r, dns.flags.AD)
    r = resolver.ask("mx2.secure.test.", "AAAA", do=True)
    assert rcode(r) == "NOERROR" and not r.answer and has(r, dns.flags.AD)


@pytest.mark.parametrize("name,rdtype", [
    (BOGUS, "MX"), ("mx.bogus.test.", "A"), ("mx.bogus.test.", "AAAA"),
    ("_25._tcp.mx.bogus.test.", "TLSA")])
def test_bogus_servfail_then_data_with_cd(resolver, name, rdtype):
    r = resolver.ask(name, rdtype, do=True)
    assert rcode(r) == "SERVFAIL" and not r.answer
    codes = ede(r)
    assert len(codes) == 1, "not one Extended DNS Error: %s" % r
    # unbound 1.17.1: 9 (DNSKEY Missing) when this query found the key
    # bad: "validation failure <NAME TYPE IN>: DS hash mismatches key from
    # 127.0.0.1 for trust anchor bogus.test. while building chain of
    # trust"; 6 (DNSSEC Bogus) while the bad key is remembered: "...: key
    # for validation bogus.test. is marked as invalid because of a
    # previous validation failure <...>: DS hash mismatches key ...".
    code, text = codes[0]
    assert code in (6, 9), codes
    assert text.startswith("validation failure <%s %s IN>: "
                           % (name, rdtype)), codes
    assert "DS hash mismatches key" in text, codes
    r = resolver.ask(name, rdtype, do=True, cd=True)
    assert rcode(r) == "NOERROR" and r.answer
    assert has(r, dns.flags.CD) and not has(r, dns.flags.AD)


def test_bogus_without_do_still_servfail(resolver):
    r = resolver.ask(BOGUS, "MX")
    assert rcode(r) == "SERVFAIL"


def test_bogus_ede_after_flush(resolver):
    """After a flush, the first bogus answer has EDE 9, the next 6."""
    resolver.flush()
    assert ede(resolver.ask(BOGUS, "MX", do=True))[0][0] == 9
    assert ede(resolver.ask(BOGUS, "MX", do=True))[0][0] == 6
    assert ede(resolver.ask("mx.bogus.test.", "A", do=True))[0][0] == 6
    # Without EDNS there is no room for an EDE.
    r = resolver.ask(BOGUS, "MX", edns=False)
    assert rcode(r) == "SERVFAIL" and r.edns < 0


def test_bogus_cd_first_does_not_unlock_cache(resolver):
    """Data fetched with CD is not served later as if it were valid."""
    resolver.flush()
    assert rcode(resolver.ask(BOGUS, "MX", cd=True)) == "NOERROR"
    assert rcode(resolver.ask(BOGUS, "MX", do=True)) == "SERVFAIL"
    assert rcode(resolver.ask(BOGUS, "MX", cd=True)) == "NOERROR"


def test_trust_anchors(resolver):
    assert set(resolver.trust_anchors) == set(diag.SIGNED_ZONES)
    assert resolver.trust_anchors[SECURE] == resolver.ksk_ds[SECURE]
    good = resolver.ksk_ds[BOGUS].split()
    bad = resolver.trust_anchors[BOGUS].split()
    assert good[:5] == bad[:5]          # owner, DS, key tag, alg, type
    assert good[5].lower() != bad[5].lower()
    for zone in diag.SIGNED_ZONES:
        keys = resolver.dnskeys[zone]
        assert any(k.startswith("257 3 13 ") for k in keys)   # KSK
        assert any(k.startswith("256 3 13 ") for k in keys)   # ZSK


def test_knotd_signs_and_serves_directly(resolver):
    for zone in diag.SIGNED_ZONES:
        r = resolver.ask_knot(zone, "MX", do=True)
        assert rcode(r) == "NOERROR" and has(r, dns.flags.AA)
        assert any(rs.rdtype == dns.rdatatype.RRSIG for rs in r.answer)
    r = resolver.ask_knot(INSECURE, "MX", do=True)
    assert not any(rs.rdtype == dns.rdatatype.RRSIG for rs in r.answer)
    assert resolver.serials[SECURE] == 2026120101


def test_outside_names_fail_fast(resolver):
    """No internet: any other name is SERVFAIL (via knotd's REFUSED),
    quickly, without a timeout."""
    for name in ("example.com.", "nothere.test.", "."):
        t0 = time.monotonic()
        r = resolver.ask(name, "A")
        assert rcode(r) == "SERVFAIL", r
        assert time.monotonic() - t0 < 1.5


def test_unbound_config_stays_on_loopback(resolver):
    conf = open(resolver.unbound.conf_path).read()
    assert "root-hints" not in conf
    assert 'name: "."' in conf                  # a stub for the root too
    assert "do-not-query-localhost: no" in conf
    assert 'module-config: "validator iterator"' in conf
    for line in conf.splitlines():
        line = line.strip()
        if line.startswith("stub-addr:"):
            assert line.split()[1] == "127.0.0.1@%d" % resolver.knot_port
        if line.startswith("outgoing-interface:"):
            assert ipaddress.ip_address(line.split()[1]).is_loopback
    for zone in diag.RESOLVER_ZONES:
        assert 'name: "%s"' % zone in conf


def test_ttl_capped(resolver):
    r = resolver.ask(INSECURE, "MX")
    assert rrset(r, INSECURE, "MX").ttl <= 5


# --- DANE -----------------------------------------------------------------

@pytest.mark.parametrize("owner", sorted(diag.TLSA))
def test_tlsa(resolver, owner):
    want = diag.SECURITY[zone_of(owner)]
    r = resolver.ask(owner, "TLSA", do=True, cd=(want == "bogus"))
    assert rcode(r) == "NOERROR"
    rs = rrset(r, owner, "TLSA")
    assert rs is not None and len(rs) == 1, r
    t = rs[0]
    usage, selector, mtype, hexdata = diag.TLSA[owner]
    assert (t.usage, t.selector, t.mtype) == (usage, selector, mtype)
    assert t.cert.hex() == hexdata
    assert has(r, dns.flags.AD) == (want == "secure")


def test_tlsa_cases():
    assert len(bytes.fromhex(diag.TLSA["_25._tcp.mx.secure.test."][3])) == 32
    assert diag.TLSA["_25._tcp.mx2.secure.test."][0] == 1
    assert len(bytes.fromhex(diag.TLSA["_25._tcp.mx3.secure.test."][3])) == 20
    assert "_25._tcp.mx4.secure.test." not in diag.TLSA
    for exchange in diag.DANE_VERDICT:
        assert exchange in diag.ADDRESSES


# --- reverse DNS ----------------------------------------------------------

@pytest.mark.parametrize("address", sorted(diag.PTR_CASES))
def test_ptr_cases(resolver, address):
    names, verdict = diag.PTR_CASES[address]
    rev = dns.reversename.from_address(address).to_text()
    r = resolver.ask(rev, "PTR")
    if not names:
        assert rcode(r) == "NXDOMAIN", r
        assert verdict == "nxdomain"
        return
    assert rcode(r) == "NOERROR" and not has(r, dns.flags.AD)
    assert texts(r, rev, "PTR") == sorted(names)
    confirming = []
    for name in names:
        rdtype = "AAAA" if ":" in address else "A"
        f = resolver.ask(name, rdtype)
        if rcode(f) == "NXDOMAIN":
            assert name == "gone.ptr.test."
            continue
        got = [ipaddress.ip_address(a) for a in texts(f, name, rdtype)]
        if ipaddress.ip_address(address) in got:
            confirming.append(name)
    if verdict == "confirmed":
        assert confirming == names
    elif verdict.startswith("confirmed by "):
        assert confirming == [verdict.split()[2]]
    else:
        assert verdict.startswith("not confirmed") and confirming == []


def test_ptr_exchanges_cover_every_case():
    exchanges = {x for _, x in diag.MX[PTR]}
    addrs = set()
    for x in exchanges:
        for v in diag.ADDRESSES[x].values():
            addrs.update(v)
    assert addrs == set(diag.PTR_CASES)


@pytest.mark.parametrize("address", [
    "192.31.196.10", "2001:4:112::10", "192.175.48.10", "2620:4f:8000::10",
    "192.175.48.20", "192.52.193.200", "192.175.48.31"])
def test_other_reverse_names_nxdomain(resolver, address):
    rev = dns.reversename.from_address(address).to_text()
    assert rcode(resolver.ask(rev, "PTR")) == "NXDOMAIN"


# --- several authoritative servers ----------------------------------------

def test_authorities_layout(authorities):
    assert authorities.zone == MULTI
    assert sorted(authorities.servers) == sorted(diag.MULTI_NS.values())
    roles = {a: s.role for a, s in authorities.servers.items()}
    assert roles == {"127.0.0.11": "current", "127.0.0.12": "current",
                     "127.0.0.13": "stale", "127.0.0.14": "blackhole",
                     "127.0.0.15": "lame"}
    assert len(authorities.pids) == 4 and len(set(authorities.pids)) == 4
    for k in authorities.knots:
        assert k.port == authorities.port


@pytest.mark.parametrize("address", ["127.0.0.11", "127.0.0.12",
                                     "127.0.0.13"])
@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_answering_authorities(authorities, address, tcp):
    s = authorities.servers[address]
    r = authorities.ask(address, MULTI, "SOA", tcp=tcp)
    assert rcode(r) == "NOERROR" and has(r, dns.flags.AA)
    assert rrset(r, MULTI, "SOA")[0].serial == s.serial
    r = authorities.ask(address, MULTI, "MX", tcp=tcp)
    assert rcode(r) == "NOERROR" and has(r, dns.flags.AA)
    assert mx_of(r, MULTI) == s.mx
    r = authorities.ask(address, MULTI, "NS", tcp=tcp)
    assert texts(r, MULTI, "NS") == sorted(diag.MULTI_NS)
    for ns, a in diag.MULTI_NS.items():
        r = authorities.ask(address, ns, "A", tcp=tcp)
        assert texts(r, ns, "A") == [a]


def test_serials_and_mx_disagree(authorities):
    s = authorities.servers
    assert s["127.0.0.11"].serial == s["127.0.0.12"].serial \
        == diag.MULTI_SERIAL_CURRENT == 2026120101
    assert s["127.0.0.13"].serial == diag.MULTI_SERIAL_STALE == 2026113001
    assert s["127.0.0.11"].mx == [(10, "mx1.multi.test."),
                                  (20, "mx2.multi.test.")]
    assert s["127.0.0.13"].mx == [(10, "mx-old.multi.test.")]


@pytest.mark.parametrize("name", sorted(diag.MULTI_ADDRESSES))
def test_multi_exchange_addresses(authorities, name):
    for address, s in authorities.servers.items():
        if s.role not in ("current", "stale"):
            continue
        known = {x for _, x in s.mx}
        for rdtype in ("A", "AAAA"):
            r = authorities.ask(address, name, rdtype)
            if name in known:
                assert rcode(r) == "NOERROR"
                assert texts(r, name, rdtype) == sorted(
                    diag.MULTI_ADDRESSES[name].get(rdtype, []))
            else:
                assert rcode(r) == "NXDOMAIN"


def test_blackhole_never_answers(authorities):
    bh = authorities.blackhole
    before = bh.datagrams
    with pytest.raises(dns.exception.Timeout):
        authorities.ask("127.0.0.14", MULTI, "SOA", timeout=0.5)
    deadline = time.monotonic() + 2
    while bh.datagrams == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bh.datagrams > before
    # TCP: the connection is accepted and read, never answered.
    with pytest.raises(dns.exception.Timeout):
        authorities.ask("127.0.0.14", MULTI, "SOA", tcp=True, timeout=0.5)
    assert bh.connections >= 1


def test_lame_server_refuses(authorities):
    for rdtype in ("SOA", "MX", "NS"):
        r = authorities.ask("127.0.0.15", MULTI, rdtype)
        assert rcode(r) == "REFUSED" and not has(r, dns.flags.AA)
        assert not r.answer


# --- the fixtures clean up -----------------------------------------------

def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes; Popen.wait() reaped ours anyway.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_stop_removes_everything():
    """Fresh instances (not the session fixtures): after stop, no process,
    no temporary directory, no listening socket."""
    if os.environ.get("MXQ_KNOT_KEEP") or os.environ.get("MXQ_DIAG_KEEP"):
        pytest.skip("temporary directories are kept on request")
    r = diag.Resolver().start()
    a = diag.Authorities().start()
    pids = r.pids + a.pids
    dirs = [r.knot.tmpdir, r.unbound.tmpdir] + [k.tmpdir for k in a.knots]
    port = a.port
    assert len(pids) == 6 and all(_alive(p) for p in pids)
    assert all(os.path.isdir(d) for d in dirs)
    r.stop()
    a.stop()
    assert not any(_alive(p) for p in pids)
    assert not any(os.path.exists(d) for d in dirs)
    # The blackhole's port is free again.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.14", port))
