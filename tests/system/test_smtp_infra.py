"""Self-tests of the SMTP-probe infrastructure (tests/system/smtpd.py: the
smtp fixture, tests/system/smtpzones/): the servers, certificates and
zones answer what smtpd's constants and smtpzones/README.md say.  mxq is
not involved: Python's smtplib, ssl, http.client and dnspython, and
Postfix's posttls-finger and openssl s_client for comparison.  Every
network operation has a short timeout: nothing can hang."""

import datetime
import hashlib
import http.client
import ipaddress
import os
import smtplib
import socket
import ssl
import threading
import time

import dns.flags
import dns.name
import dns.rcode
import dns.rdatatype
import dns.zone
import pytest

import smtpd as S
from diag import rrset

T = 3.0     # seconds: the timeout of every client operation here


# --- helpers --------------------------------------------------------------

def rcode(reply):
    return dns.rcode.to_text(reply.rcode())


def ad(reply):
    return bool(reply.flags & dns.flags.AD)


def connect(address, port, timeout=T):
    fam = socket.AF_INET6 if ":" in address else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((address, port))
    return s


def read_reply(f):
    """One SMTP reply (all its lines) from a file object: [line, ...]."""
    lines = []
    while True:
        line = f.readline(1 << 16)
        if not line:
            raise EOFError("connection closed after %r" % lines)
        lines.append(line)
        if len(line) < 4 or line[3:4] != b"-":
            return lines


def starttls(address, port, name, ctx, timeout=T):
    """EHLO, STARTTLS, handshake with SNI name; returns (smtplib.SMTP
    over TLS, the EHLO reply before TLS)."""
    s = smtplib.SMTP(timeout=timeout)
    s._host = name      # smtplib's server_hostname for starttls()
    s.connect(address, port)
    code, ehlo = s.ehlo("client.mxq.test")
    assert code == 250
    s.starttls(context=ctx)
    return s, ehlo


def wait_close(smtp, mark, server, kind="close"):
    """The events of server since mark, once one of that kind is there
    (default: its connection closed)."""
    deadline = time.monotonic() + T
    while not smtp.events(mark, server=server, kind=kind) and \
            time.monotonic() < deadline:
        time.sleep(0.01)
    return smtp.events(mark, server=server)


def peer_spki_sha256(sock):
    return hashlib.sha256(S.spki_der(sock.getpeercert(binary_form=True))
                          ).hexdigest()


def no_verify_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def https_get(address, port, host, ctx, path=S.STS_PATH, timeout=T):
    """GET https://host:port/path from address (SNI and Host: host);
    returns (status, headers, body)."""
    raw = connect(address, port, timeout)
    try:
        tls = ctx.wrap_socket(raw, server_hostname=host)
    except BaseException:
        raw.close()
        raise
    with tls:
        tls.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close"
                     "\r\nUser-Agent: mxq-infra-test\r\n\r\n"
                     % (path, host, port)).encode())
        r = http.client.HTTPResponse(tls)
        r.begin()
        return r.status, r.headers, r.read()


def zone_origin(name):
    for z in S.SMTP_ZONES:
        if dns.name.from_text(name).is_subdomain(dns.name.from_text(z)):
            return z
    raise AssertionError(name)


# --- constants and zone files (no servers) --------------------------------

def _zone(origin):
    return dns.zone.from_file(os.path.join(S.SMTP_ZONES_DIR, origin + "zone"),
                              origin, relativize=False)


def _rrsets(rdtype):
    """owner -> sorted rdata texts of rdtype, over both zone files."""
    out = {}
    for origin in S.SMTP_ZONES:
        for name, _, rd in _zone(origin).iterate_rdatas(rdtype):
            out.setdefault(name.to_text(), []).append(rd)
    return out


def test_zone_files_match_constants():
    mx = {o: sorted((r.preference, r.exchange.to_text()) for r in rds)
          for o, rds in _rrsets("MX").items()}
    assert mx == S.MX
    tlsa = {o: sorted((r.usage, r.selector, r.mtype, r.cert.hex())
                      for r in rds) for o, rds in _rrsets("TLSA").items()}
    assert tlsa == S.TLSA
    addrs = {}
    for rdtype in ("A", "AAAA"):
        for o, rds in _rrsets(rdtype).items():
            addrs.setdefault(o, []).extend(r.address for r in rds)
    for name, (want, *_rest) in S.EXCHANGES.items():
        assert sorted(addrs.pop(name)) == sorted(want), name
    for d, spec in S.STS.items():
        host = S.sts_host(d) + "."
        if spec["host"] is None:
            assert host not in addrs
        else:
            assert addrs.pop(host) == [spec["host"]], d
    assert set(addrs) == {"ns." + z for z in S.SMTP_ZONES}
    txt = {o: sorted(b"".join(r.strings).decode() for r in rds)
           for o, rds in _rrsets("TXT").items()}
    for d, spec in S.STS.items():
        assert txt.pop("_mta-sts." + d, []) == spec["txt"], d
    assert txt == {o: [t] for o, t in S.TLSRPT.items()}


def test_every_address_is_loopback():
    """mxq connects to these: nothing may point off the machine."""
    for origin in S.SMTP_ZONES:
        for name, _, rd in _zone(origin).iterate_rdatas():
            if rd.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                assert ipaddress.ip_address(rd.address).is_loopback, name
    for addrs, *_ in S.EXCHANGES.values():
        assert all(ipaddress.ip_address(a).is_loopback for a in addrs)
    for a in list(S.ADDR.values()) + [a for a, _ in S.HOSTILE.values()]:
        assert ipaddress.ip_address(a).is_loopback


def test_addresses_distinct():
    used = [a for a, _ in S.HOSTILE.values()] + list(S.ADDR.values())
    assert len(used) == len(set(used))


def test_spki_constants_are_the_derived_keys():
    for seed, want in S.SPKI_SHA256.items():
        got = hashlib.sha256(S.spki_der(S.derived_key(seed))).hexdigest()
        assert got == want, seed
        assert S.tlsa_data(S.derived_key(seed)) == want


def test_policy_texts():
    for d, spec in S.STS.items():
        body = spec["body"]
        if isinstance(body, str) and spec["status"] == 200 and \
                d != "sts-invalid.smtp.test.":
            lines = body.replace("\r\n", "\n").splitlines()
            fields = [ln.split(": ", 1) for ln in lines]
            assert fields[0] == ["version", "STSv1"]
            mode = dict(fields)["mode"]
            assert mode in ("enforce", "testing", "none")
            assert "max_age" in dict(fields)
    assert "\r\n" in S.POLICY_TESTING and "\r" not in S.POLICY_ENFORCE
    assert len(S.POLICY_OVERSIZE) == S.OVERSIZE_BYTES
    assert S.POLICY_OVERSIZE.startswith(S.POLICY_ENFORCE_MX1.encode())


# --- the PKI --------------------------------------------------------------

def test_certificates(smtp):
    now = datetime.datetime.now(datetime.timezone.utc)
    ca = smtp.pki.ca.cert
    assert ca.subject == ca.issuer
    for name, (seed, issuer, names, validity) in S.CERTS.items():
        c = smtp.pki.certs[name]
        assert c.names == names
        assert c.spki_sha256 == hashlib.sha256(
            S.spki_der(S.derived_key(seed))).hexdigest()
        na = c.cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
        assert (na < now) == (validity == "expired"), name
        assert (c.cert.issuer == ca.subject) == (issuer == "ca"), name
        with open(c.chain_path) as f:
            assert f.read().count("BEGIN CERTIFICATE") == (
                2 if issuer == "ca" else 1)
        assert c.tlsa() == "3 1 1 " + c.spki_sha256
    assert smtp.pki.ca.spki_sha256 == S.SPKI_SHA256["ca"]
    mx1 = smtp.pki.certs["mx1"]
    assert mx1.tlsa(3, 0, 1) == "3 0 1 " + hashlib.sha256(
        ssl.PEM_cert_to_DER_cert(mx1.pem)).hexdigest()
    assert mx1.tlsa(3, 1, 2) == "3 1 2 " + hashlib.sha512(
        S.spki_der(mx1.cert)).hexdigest()
    assert os.listdir(smtp.capath) and all(
        f.endswith(".0") for f in os.listdir(smtp.capath))


# --- the resolver ---------------------------------------------------------

def test_resolver_zones(smtp):
    assert smtp.resolver.zones[S.ZONE] == "secure"
    assert smtp.resolver.zones[S.INSECURE_ZONE] == "insecure"
    assert S.ZONE in smtp.resolver.trust_anchors
    assert smtp.resolver.serials[S.ZONE] == S.SERIAL


@pytest.mark.parametrize("domain", sorted(S.MX))
def test_mx_and_security(smtp, domain):
    r = smtp.resolver.ask(domain, "MX", do=True)
    assert rcode(r) == "NOERROR"
    got = sorted((x.preference, x.exchange.to_text())
                 for x in rrset(r, domain, "MX"))
    assert got == S.MX[domain]
    assert ad(r) == (S.SECURITY[zone_origin(domain)] == "secure")


@pytest.mark.parametrize("name", sorted(S.EXCHANGES))
def test_exchange_addresses(smtp, name):
    want = S.EXCHANGES[name][0]
    secure = S.SECURITY[zone_origin(name)] == "secure"
    for rdtype in ("A", "AAAA"):
        r = smtp.resolver.ask(name, rdtype, do=True)
        assert rcode(r) == "NOERROR"
        rs = rrset(r, name, rdtype)
        got = sorted(x.address for x in rs) if rs else []
        assert got == sorted(a for a in want if (":" in a) ==
                             (rdtype == "AAAA"))
        assert ad(r) == secure


@pytest.mark.parametrize("owner", sorted(S.TLSA))
def test_tlsa_in_dns(smtp, owner):
    r = smtp.resolver.ask(owner, "TLSA", do=True)
    assert rcode(r) == "NOERROR"
    got = sorted((t.usage, t.selector, t.mtype, t.cert.hex())
                 for t in rrset(r, owner, "TLSA"))
    assert got == S.TLSA[owner]
    assert ad(r) == (S.SECURITY[zone_origin(owner)] == "secure")


def test_no_tlsa_is_securely_denied(smtp):
    for x in ("mx4", "notls", "untrusted", "expired", "wrongname", "slow1",
              "stall"):
        r = smtp.resolver.ask("_25._tcp.%s.smtp.test." % x, "TLSA", do=True)
        assert rcode(r) == "NXDOMAIN" and ad(r), x


def test_sts_and_tlsrpt_records(smtp):
    for d, spec in S.STS.items():
        r = smtp.resolver.ask("_mta-sts." + d, "TXT", do=True)
        rs = rrset(r, "_mta-sts." + d, "TXT")
        got = sorted(b"".join(t.strings).decode() for t in rs) if rs else []
        assert got == spec["txt"], d
        r = smtp.resolver.ask(S.sts_host(d), "A", do=True)
        if spec["host"] is None:
            assert rcode(r) == "NXDOMAIN"
        else:
            assert [a.address for a in rrset(r, S.sts_host(d) + ".",
                                              "A")] == [spec["host"]]
        assert ad(r) == (S.SECURITY[zone_origin(d)] == "secure")
    for owner, text in S.TLSRPT.items():
        r = smtp.resolver.ask(owner, "TXT", do=True)
        assert [b"".join(t.strings).decode()
                for t in rrset(r, owner, "TXT")] == [text]


def test_resolver_stays_on_loopback(smtp):
    conf = open(smtp.resolver.unbound.conf_path).read()
    for zone in S.SMTP_ZONES:
        assert 'name: "%s"' % zone in conf
    for line in conf.splitlines():
        line = line.strip()
        if line.startswith("stub-addr:"):
            assert line.split()[1] == "127.0.0.1@%d" % smtp.resolver.knot_port
    t0 = time.monotonic()
    assert rcode(smtp.resolver.ask("example.com.", "MX")) == "SERVFAIL"
    assert time.monotonic() - t0 < 1.5


# --- the well-behaved SMTP servers ----------------------------------------

PKIX_ERRORS = {     # OpenSSL verify codes
    "untrusted (self-signed)": 18,      # X509_V_ERR_DEPTH_ZERO_SELF_SIGNED
    "expired": 10,                      # X509_V_ERR_CERT_HAS_EXPIRED
}

# (the slow servers only take longer: test_slow_greetings_in_parallel)
TLS_EXCHANGES = sorted(x for x, (_, server, pkix, _d) in S.EXCHANGES.items()
                       if pkix is not None and server in S.GOOD_SERVERS
                       and not server.startswith("slow"))


@pytest.mark.parametrize("name", TLS_EXCHANGES)
def test_starttls_pkix(smtp, name):
    """Each exchange's server does STARTTLS; the certificate verifies with
    the test CA for the exchange's name exactly when EXCHANGES says
    "valid"."""
    addrs, server, pkix, _ = S.EXCHANGES[name]
    host = name.rstrip(".")
    for address in addrs:
        ctx = smtp.pki.client_context()
        if pkix == "valid":
            s, ehlo = starttls(address, smtp.port, host, ctx)
            assert b"STARTTLS" in ehlo.split(b"\n")
            assert s.sock.version() in ("TLSv1.2", "TLSv1.3")
            code, ehlo2 = s.ehlo("client.mxq.test")
            assert code == 250 and b"STARTTLS" not in ehlo2.split(b"\n")
            assert s.quit()[0] == 221
            continue
        mark = smtp.mark()
        with pytest.raises(ssl.SSLCertVerificationError) as e:
            starttls(address, smtp.port, host, ctx)
        if pkix.startswith("name mismatch"):
            assert "Hostname mismatch" in str(e.value)
        else:
            assert e.value.verify_code == PKIX_ERRORS[pkix], e.value
        # The server saw the client's alert.
        wait_close(smtp, mark, server, "tls-failed")
        (ev,) = smtp.events(mark, server=server, kind="tls-failed")
        assert "alert" in ev.data["error"], ev


def test_other_ca_trusts_nothing(smtp):
    ctx = smtp.pki.client_context(smtp.other_cafile)
    with pytest.raises(ssl.SSLCertVerificationError):
        starttls("127.0.0.21", smtp.port, "mx1.smtp.test", ctx)


@pytest.mark.parametrize("owner", sorted(S.TLSA))
def test_served_certificate_vs_tlsa(smtp, owner):
    """The TLSA records in DNS match (or deliberately do not) what the
    exchange's server presents."""
    name = owner[len("_25._tcp."):]
    addrs, server, pkix, dane = S.EXCHANGES[name]
    r = smtp.resolver.ask(owner, "TLSA", do=True)
    records = [(t.usage, t.selector, t.mtype, t.cert.hex())
               for t in rrset(r, owner, "TLSA")]
    s, _ = starttls(addrs[0], smtp.port, name.rstrip("."), no_verify_ctx())
    try:
        leaf = peer_spki_sha256(s.sock)
    finally:
        s.close()
    matches = []
    for usage, sel, mtype, data in records:
        assert (sel, mtype) == (1, 1)
        if usage == 3:
            matches.append(data == leaf)
        elif usage == 2:
            # The server's certificate is issued by the test CA, whose
            # SPKI hash this is (the chain check: test_starttls_pkix).
            cert = smtp.pki.certs[S.GOOD_SERVERS[server][1]]
            matches.append(data == smtp.pki.ca.spki_sha256
                           and cert.cert.issuer == smtp.pki.ca.cert.subject)
    assert any(matches) == ("matches" in dane and "no match" not in dane), \
        (owner, dane, records, leaf)


@pytest.mark.parametrize("owner", sorted(S.TLSA))
def test_openssl_dane_verdict(smtp, owner):
    """OpenSSL's own DANE code (s_client -dane_tlsa_rrdata) agrees."""
    name = owner[len("_25._tcp."):]
    addrs, _, pkix, dane = S.EXCHANGES[name]
    tlsa = ["%d %d %d %s" % t for t in S.TLSA[owner]]
    r = S.s_client(addrs[0], smtp.port, name.rstrip("."), smtp.cafile,
                   tlsa=tlsa, timeout=10)
    assert r.protocol == "TLSv1.3", r.output
    want = "matches" in dane and "no match" not in dane
    assert r.verified == want, r.output
    if want:
        assert "DANE TLSA %d %d %d" % S.TLSA[owner][-1][:3] in r.output


def test_ipv6_mx1(smtp):
    s, _ = starttls("::1", smtp.port, "mx1.smtp.test",
                    smtp.pki.client_context())
    assert peer_spki_sha256(s.sock) == S.SPKI_SHA256["mx1"]
    s.quit()


def test_greeting_and_events(smtp):
    mark = smtp.mark()
    s = smtplib.SMTP(timeout=T)
    code, msg = s.connect("127.0.0.24", smtp.port)
    assert code == 220 and msg == b"mx4.smtp.test " + S.GOOD_IDENT.encode()
    s._host = "mx4.smtp.test"
    s.ehlo("client.mxq.test")
    s.starttls(context=smtp.pki.client_context())
    s.ehlo("client.mxq.test")
    s.quit()
    ev = wait_close(smtp, mark, "mx4")
    kinds = [e.kind for e in ev]
    assert kinds == ["connect", "greeted", "ehlo", "starttls", "tls", "ehlo",
                     "quit", "close"], ev
    assert ev[2].data == {"name": "client.mxq.test", "tls": False}
    assert ev[5].data == {"name": "client.mxq.test", "tls": True}
    assert ev[4].data["sni"] == "mx4.smtp.test"
    assert ev[4].data["version"] == "TLSv1.3"
    assert len({e.conn for e in ev}) == 1
    assert all(e.address == "127.0.0.24" for e in ev)


def test_notls_server(smtp):
    s = smtplib.SMTP("127.0.0.25", smtp.port, timeout=T)
    code, ehlo = s.ehlo("client.mxq.test")
    assert code == 250 and b"STARTTLS" not in ehlo.split(b"\n")
    code, msg = s.docmd("STARTTLS")
    assert (code, msg) == (454, b"TLS not available")
    assert s.quit()[0] == 221


def test_slow_greetings_in_parallel(smtp):
    """slow1..3 greet after SLOW_DELAYS each, independently: three
    connections at once take the largest delay, not the sum."""
    got = {}

    def greet(i):
        t0 = time.monotonic()
        with connect(S.ADDR["slow%d" % i], smtp.port, timeout=5) as s:
            f = s.makefile("rb")
            line = read_reply(f)[0]
            got[i] = (time.monotonic() - t0, line)
    t0 = time.monotonic()
    threads = [threading.Thread(target=greet, args=(i,)) for i in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    total = time.monotonic() - t0
    for i, delay in enumerate(smtp.slow_delays, 1):
        took, line = got[i]
        assert line.startswith(b"220 slow1.smtp.test ")
        assert delay - 0.05 <= took < delay + 0.5, (i, took)
    assert total < max(smtp.slow_delays) + 0.5 < sum(smtp.slow_delays)


# --- the hostile server ---------------------------------------------------

def hostile(smtp, scenario, timeout=T):
    return connect(S.HOSTILE[scenario][0], smtp.port, timeout)


def recv_until_timeout(s, limit=1 << 22):
    """Everything until a read times out (or EOF / limit)."""
    data = b""
    try:
        while len(data) < limit:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    return data


def test_hostile_addresses(smtp):
    assert [a for a, _ in S.HOSTILE.values()] == [
        "127.0.0.%d" % i for i in range(50, 50 + len(S.HOSTILE))]
    for s in S.HOSTILE:
        assert S.EXCHANGES[S.hostile_name(s)][1] == "hostile:" + s
        assert smtp.server_for(S.HOSTILE[s][0]) == "hostile:" + s


def test_refuse(smtp):
    with hostile(smtp, "refuse") as s:
        f = s.makefile("rwb")
        assert read_reply(f) == [S.REFUSE_GREETING]
        f.write(b"EHLO client.mxq.test\r\n")
        f.flush()
        assert read_reply(f) == [S.REFUSE_OTHER]
        f.write(b"QUIT\r\n")
        f.flush()
        assert read_reply(f) == [S.REFUSE_QUIT]
        assert f.read() == b""


def _tls_dialogue(smtp, scenario, name):
    s, ehlo = starttls(S.HOSTILE[scenario][0], smtp.port, name,
                       smtp.pki.client_context())
    code, ehlo2 = s.ehlo("client.mxq.test")
    assert code == 250 and b"STARTTLS" not in ehlo2
    assert s.quit()[0] == 221
    return ehlo


def test_multiline(smtp):
    with hostile(smtp, "multiline") as s:
        assert read_reply(s.makefile("rb")) == \
            S.MULTILINE_GREETING.splitlines(keepends=True)
    _tls_dialogue(smtp, "multiline", "multiline.smtp.test")


def test_longline(smtp):
    with hostile(smtp, "longline") as s:
        data = b""
        while len(data) < len(S.LONGLINE_GREETING):
            chunk = s.recv(1 << 20)
            assert chunk
            data += chunk
        s.settimeout(0.2)
        data += recv_until_timeout(s)
    assert data == S.LONGLINE_GREETING
    assert b"\n" not in data and len(data) == (1 << 20) + 4


def test_stall(smtp):
    with hostile(smtp, "stall", timeout=0.25) as s:
        assert recv_until_timeout(s) == S.STALL_GREETING


def test_close(smtp):
    with hostile(smtp, "close") as s:
        assert s.recv(100) == b""


def test_reset(smtp):
    """The RST can come before a non-blocking connect() has seen its
    result: then connect itself fails with ECONNRESET."""
    with pytest.raises(ConnectionResetError):
        with hostile(smtp, "reset") as s:
            s.recv(100)
            s.recv(100)


def test_silent(smtp):
    with hostile(smtp, "silent", timeout=0.25) as s:
        with pytest.raises(socket.timeout):
            s.recv(100)


def test_refused(smtp):
    with pytest.raises(ConnectionRefusedError):
        connect(S.ADDR["refused"], smtp.port).close()


def _starttls_raw(smtp, scenario, timeout=T):
    s = hostile(smtp, scenario, timeout)
    f = s.makefile("rwb")
    assert read_reply(f)[0].startswith(b"220 ")
    f.write(b"EHLO client.mxq.test\r\n")
    f.flush()
    assert read_reply(f)[-1] == b"250 STARTTLS\r\n"
    f.write(b"STARTTLS\r\n")
    f.flush()
    return s, f


def test_tlsclose(smtp):
    s, f = _starttls_raw(smtp, "tlsclose")
    with s:
        assert read_reply(f) == [b"220 2.0.0 go ahead\r\n"]
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)) as e:
            smtp.pki.client_context().wrap_socket(
                s, server_hostname="tlsclose.smtp.test")
    assert not isinstance(e.value, socket.timeout)


def test_tlsgarbage(smtp):
    s, f = _starttls_raw(smtp, "tlsgarbage")
    with s:
        assert read_reply(f) == [b"220 2.0.0 go ahead\r\n"]
        with pytest.raises(ssl.SSLError) as e:
            smtp.pki.client_context().wrap_socket(
                s, server_hostname="tlsgarbage.smtp.test")
    assert "WRONG_VERSION_NUMBER" in str(e.value) or \
        "record" in str(e.value).lower(), e.value
    # In plain text: the garbage comes once the client has sent something
    # (its ClientHello, normally).
    s, f = _starttls_raw(smtp, "tlsgarbage")
    with s:
        assert read_reply(f) == [b"220 2.0.0 go ahead\r\n"]
        s.sendall(b"\x16\x03\x01 not really a ClientHello")
        assert f.read() == S.TLSGARBAGE


def test_tlsstall(smtp):
    mark = smtp.mark()
    s, f = _starttls_raw(smtp, "tlsstall", timeout=0.3)
    with s:
        assert read_reply(f) == [b"220 2.0.0 go ahead\r\n"]
        with pytest.raises(socket.timeout):
            smtp.pki.client_context().wrap_socket(
                s, server_hostname="tlsstall.smtp.test")
    assert smtp.events(mark, server="hostile:tlsstall", kind="starttls")


def test_control(smtp):
    with hostile(smtp, "control") as s:
        f = s.makefile("rwb")
        assert read_reply(f) == [S.CONTROL_GREETING]
        f.write(b"EHLO client.mxq.test\r\n")
        f.flush()
        lines = read_reply(f)
        assert [ln[4:-2] for ln in lines] == S.CONTROL_EHLO + [b"STARTTLS"]
        f.write(b"QUIT\r\n")
        f.flush()
        assert read_reply(f)[0].startswith(b"221 ")
    raw = S.CONTROL_GREETING
    for b in (b"\x1b[", b"\x07", b"\x00", b"\x7f", b"\r", b"\xff",
              b"\xc2\x9b"):
        assert b in raw[:-2]
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    _tls_dialogue(smtp, "control", "control.smtp.test")


def test_manyext(smtp):
    ehlo = _tls_dialogue(smtp, "manyext", "manyext.smtp.test")
    lines = ehlo.split(b"\n")
    assert len(lines) == S.MANYEXT_COUNT + 2   # name, ..., STARTTLS
    assert lines[0] == b"manyext.smtp.test" and lines[-1] == b"STARTTLS"
    assert lines[1:-1] == [b"X-EXT-%05d" % i for i in range(S.MANYEXT_COUNT)]


def test_nostarttls(smtp):
    with hostile(smtp, "nostarttls") as s:
        f = s.makefile("rwb")
        read_reply(f)
        f.write(b"EHLO client.mxq.test\r\n")
        f.flush()
        assert not any(b"STARTTLS" in ln for ln in read_reply(f))
        f.write(b"STARTTLS\r\n")
        f.flush()
        assert read_reply(f) == [S.NOSTARTTLS_REPLY]


def test_tls454(smtp):
    s, f = _starttls_raw(smtp, "tls454")
    with s:
        assert read_reply(f) == [S.TLS454_REPLY]
        f.write(b"QUIT\r\n")
        f.flush()
        assert read_reply(f)[0].startswith(b"221 ")


def test_slowloris(smtp):
    """Bytes keep coming, one per SLOWLORIS_INTERVAL: no read ever times
    out, the greeting never ends."""
    with hostile(smtp, "slowloris", timeout=S.SLOWLORIS_INTERVAL * 4) as s:
        t0 = time.monotonic()
        data = b""
        while time.monotonic() - t0 < 0.45:
            data += s.recv(100)
    assert 2 <= len(data) <= 7, data
    assert S.SLOWLORIS_LINE.startswith(data)


def test_hostile_events(smtp):
    mark = smtp.mark()
    with hostile(smtp, "refuse") as s:
        f = s.makefile("rwb")
        read_reply(f)
        f.write(b"QUIT\r\n")
        f.flush()
        read_reply(f)
    kinds = [e.kind for e in wait_close(smtp, mark, "hostile:refuse")]
    assert kinds == ["connect", "command", "quit", "close"]


# --- MTA-STS over HTTPS ---------------------------------------------------

OK_STS = sorted(d for d, c in S.STS.items() if c["host"] == S.ADDR["https"]
                and not c.get("stall"))


@pytest.mark.parametrize("domain", OK_STS)
def test_sts_policy_served(smtp, domain):
    spec = S.STS[domain]
    status, headers, body = https_get(spec["host"], smtp.https_port,
                                      S.sts_host(domain),
                                      smtp.pki.client_context())
    assert status == spec["status"]
    want = spec["body"]
    assert body == (want.encode() if isinstance(want, str) else want)
    assert headers["Content-Type"] == spec["ctype"]
    if status == 301:
        assert headers["Location"] == (
            "https://mta-sts.smtp.test:%d%s" % (smtp.https_port, S.STS_PATH))


@pytest.mark.parametrize("domain,code", [
    ("sts-badname.smtp.test.", "Hostname mismatch"),
    ("sts-untrusted.smtp.test.", 18),
    ("sts-expired.smtp.test.", 10)])
def test_sts_bad_certificates(smtp, domain, code):
    spec = S.STS[domain]
    with pytest.raises(ssl.SSLCertVerificationError) as e:
        https_get(spec["host"], smtp.https_port, S.sts_host(domain),
                  smtp.pki.client_context())
    if isinstance(code, int):
        assert e.value.verify_code == code
    else:
        assert code in str(e.value)
    # Without verification, the policy itself is a good one.
    status, _, body = https_get(spec["host"], smtp.https_port,
                                S.sts_host(domain), no_verify_ctx())
    assert status == 200 and body == S.POLICY_ENFORCE_MX1.encode()


def test_sts_stall(smtp):
    mark = smtp.https_mark()
    with pytest.raises(socket.timeout):
        https_get(S.ADDR["https"], smtp.https_port,
                  "mta-sts.sts-stall.smtp.test", smtp.pki.client_context(),
                  timeout=0.3)
    reqs = smtp.https_requests(mark)
    assert [(r.host, r.status) for r in reqs] == [
        ("mta-sts.sts-stall.smtp.test", None)]


def test_sts_unknown_host_and_path(smtp):
    ctx = no_verify_ctx()
    assert https_get(S.ADDR["https"], smtp.https_port, "mta-sts.nowhere.test",
                     ctx)[0] == 404
    assert https_get(S.ADDR["https"], smtp.https_port, "mta-sts.smtp.test",
                     ctx, path="/")[0] == 404


def test_sts_requests_recorded(smtp):
    mark = smtp.https_mark()
    https_get(S.ADDR["https"], smtp.https_port, "mta-sts.smtp.test",
              smtp.pki.client_context())
    (r,) = smtp.https_requests(mark)
    assert (r.address, r.sni, r.host, r.method, r.path, r.status) == (
        S.ADDR["https"], "mta-sts.smtp.test", "mta-sts.smtp.test", "GET",
        S.STS_PATH, 200)


def test_sts_https_cert_names(smtp):
    names = set(smtp.pki.certs["https"].names)
    for d, spec in S.STS.items():
        if spec["host"] == S.ADDR["https"]:
            assert S.sts_host(d) in names


# --- other clients: posttls-finger and openssl ----------------------------

@pytest.mark.skipif(not S.have_posttls_finger(),
                    reason="posttls-finger (Debian package postfix) missing")
@pytest.mark.parametrize("address,name,verified", [
    ("127.0.0.21", "mx1.smtp.test", True),
    ("::1", "mx1.smtp.test", True),
    ("127.0.0.22", "mx2.smtp.test", True),
    ("127.0.0.26", "selfsigned.smtp.test", False),
    ("127.0.0.28", "wrongname.smtp.test", False)])
def test_posttls_finger_agrees(smtp, address, name, verified):
    pf = S.posttls_finger(address, smtp.port, name, smtp.cafile)
    assert pf.protocol == "TLSv1.3", pf.output
    assert pf.verified == verified, pf.output
    sc = S.s_client(address, smtp.port, name, smtp.cafile)
    assert (sc.protocol, sc.cipher, sc.verified) == (
        pf.protocol, pf.cipher, verified), sc.output
    ctx = smtp.pki.client_context()
    if not verified:
        ctx = no_verify_ctx()
    s, _ = starttls(address, smtp.port, name, ctx)
    try:
        assert (s.sock.version(), s.sock.cipher()[0]) == (pf.protocol,
                                                          pf.cipher)
    finally:
        s.close()


# --- set-up and tear-down -------------------------------------------------

def test_ports_and_options(smtp):
    assert smtp.mxq_options == ["--smtp", "--smtp-port", str(smtp.port),
                                "--https-port", str(smtp.https_port),
                                "--cafile", smtp.cafile]
    assert os.path.isfile(smtp.cafile)
    assert smtp.port != smtp.https_port
    assert smtp.dns_address == "127.0.0.1" and smtp.dns_port


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_stop_removes_everything():
    """A fresh test bed (not the session fixture): after stop, no thread,
    no process, no temporary directory, no listening socket."""
    if any(os.environ.get(v) for v in ("MXQ_SMTP_KEEP", "MXQ_DIAG_KEEP",
                                       "MXQ_KNOT_KEEP")):
        pytest.skip("temporary directories are kept on request")
    before = set(threading.enumerate())
    bed = S.SmtpTestbed().start()
    pids = bed.pids
    dirs = [bed.tmpdir, bed.resolver.knot.tmpdir, bed.resolver.unbound.tmpdir]
    port, https_port = bed.port, bed.https_port
    # a connection left open, and one in the middle of a stall
    open_conn = connect("127.0.0.53", port)
    open_conn.recv(10)
    assert len(pids) == 2 and all(_alive(p) for p in pids)
    t0 = time.monotonic()
    bed.stop()
    assert time.monotonic() - t0 < 3
    open_conn.close()
    assert not any(_alive(p) for p in pids)
    assert not any(os.path.exists(d) for d in dirs)
    left = [t for t in threading.enumerate() if t not in before]
    assert not left, left
    for a in bed.smtp_addresses:
        with socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET) \
                as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((a, port))
    for a in bed.https_addresses:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((a, https_port))
