"""--smtp against real servers on loopback (fixture smtp: aiosmtpd with
STARTTLS and a test CA, a scripted hostile server, HTTPS servers for
MTA-STS, a validating resolver with the signed zone smtp.test; every name
and server: tests/system/smtpzones/README.md and the constants of
smtpd.py).

Every exchange here is on loopback, which the internet cannot reach:
without --private mxq must not connect at all, and says why.  With it,
the probe runs.  Each "this works" has its "this does not" next to it:
a certificate that verifies and ones that do not, a TLSA record that
matches and one that does not, a DANE match that counts (secure TLSA)
and one that must not (insecure TLSA).
"""

import json
import os
import shutil
import subprocess
import time

import pytest

import smtpd
from test_interfaces import check_json

# Whole seconds a probe step may take in these tests (--smtp-timeout).
STEP = "1"


def one(res):
    objs = check_json(res)
    assert len(objs) == 1, res
    return objs[0]


def exchange(obj, name):
    for e in obj["exchanges"]:
        if e["exchange"] == name:
            return e
    pytest.fail("no exchange %s in %s" % (name, obj))


def probe(obj, name, address=None):
    """The smtp object of an exchange's address (the first by default)."""
    e = exchange(obj, name)
    for a in e["addresses"]:
        if address is None or a["address"] == address:
            return a["smtp"]
    pytest.fail("no address %s of %s" % (address, name))


def run_private(run_smtp, *args, **kw):
    return run_smtp("--private", "--smtp-timeout", STEP, *args, **kw)


# --- only when asked --------------------------------------------------------


def test_no_connection_without_smtp(run_smtp, smtp):
    mark = smtp.mark()
    res = run_smtp("--private", "-j", "smtp.test", smtp_options=False)
    assert res.rc == 0, res
    o = one(res)
    assert o["mta_sts"] is None and o["smtp_blocked"] is None
    assert all(a["smtp"] is None for e in o["exchanges"]
               for a in e["addresses"])
    assert smtp.events(since=mark) == []


def test_special_addresses_not_probed_without_private(run_smtp, smtp):
    """Loopback addresses found in DNS: no route from the internet, and
    no connection to them."""
    mark = smtp.mark()
    res = run_smtp("-j", "mx1.smtp.test")
    assert res.rc == 1, res
    o = one(res)
    assert o["verdict"] == "no-public-address"
    assert o["status"] == "unroutable"
    p = probe(o, "mx1.smtp.test.")
    assert p["status"] == "unprobed" and p["tls"] is None
    assert smtp.events(since=mark) == []


def test_private_makes_loopback_a_route(run_smtp):
    res = run_smtp("--private", "mx1.smtp.test", smtp_options=False)
    assert res.rc == 0, res


# --- a good server ----------------------------------------------------------


def test_good_server_dane_and_pkix(run_smtp, smtp):
    mark = smtp.mark()
    res = run_private(run_smtp, "-j", "mx1.smtp.test")
    assert res.rc == 0, res
    o = one(res)
    for addr in ("127.0.0.21", "::1"):
        p = probe(o, "mx1.smtp.test.", addr)
        assert p["status"] == "ok" and p["step"] is None, p
        assert p["greeting"]["code"] == 220
        assert "mx1.smtp.test" in p["greeting"]["text"]
        assert "STARTTLS" in p["ehlo"]
        assert p["starttls"] == {"offered": True, "code": 220}
        t = p["tls"]
        assert t["version"] in ("TLSv1.2", "TLSv1.3")
        assert t["certificate"]["verified"] is True
        assert t["certificate"]["verify_error"] is None
        assert "mx1.smtp.test" in t["certificate"]["names"]
        assert t["dane"] == {"match": True, "tlsa": "3 1 1"}
        assert "STARTTLS" not in t["ehlo"]
    assert o["findings"] == []
    # The server saw the SNI of the exchange and a QUIT, never MAIL.
    tls = smtp.events(since=mark, server="mx1", kind="tls")
    assert tls and all(e.data.get("sni") == "mx1.smtp.test" for e in tls)
    kinds = {e.kind for e in smtp.events(since=mark, server="mx1")}
    assert "quit" in kinds
    assert "mail" not in kinds and "rcpt" not in kinds


def test_dane_ta_matches_through_the_chain(run_smtp):
    o = one(run_private(run_smtp, "-j", "mx2.smtp.test"))
    assert probe(o, "mx2.smtp.test.")["tls"]["dane"] == \
        {"match": True, "tlsa": "2 1 1"}


def test_dane_rollover_second_record_matches(run_smtp):
    o = one(run_private(run_smtp, "-j", "rollover.smtp.test"))
    assert probe(o, "rollover.smtp.test.")["tls"]["dane"]["match"] is True
    assert o["findings"] == []


def test_dane_mismatch_is_a_finding(run_smtp):
    res = run_private(run_smtp, "-j", "mx3.smtp.test")
    assert res.rc == 0, res
    o = one(res)
    p = probe(o, "mx3.smtp.test.")
    assert p["tls"]["dane"] == {"match": False, "tlsa": None}
    # PKIX is fine: only DANE senders refuse it.
    assert p["tls"]["certificate"]["verified"] is True
    assert any("matches no TLSA record" in f and "DANE senders" in f
               for f in o["findings"]), o["findings"]
    assert run_private(run_smtp, "--strict", "mx3.smtp.test").rc == 5


def test_no_tlsa_no_dane_verification(run_smtp):
    o = one(run_private(run_smtp, "-j", "mx4.smtp.test"))
    p = probe(o, "mx4.smtp.test.")
    assert p["tls"]["dane"] is None
    assert exchange(o, "mx4.smtp.test.")["dane"]["state"] == "none"


def test_insecure_tlsa_is_not_used(run_smtp):
    """The same TLSA record under an unsigned zone: a DANE sender ignores
    it, and so does the verification."""
    o = one(run_private(run_smtp, "-j", "smtp-insecure.test"))
    e = exchange(o, "mx1.smtp-insecure.test.")
    assert e["dane"]["state"] == "insecure"
    assert probe(o, "mx1.smtp-insecure.test.")["tls"]["dane"] is None


def test_dane_ee_authenticates_a_self_signed_certificate(run_smtp):
    o = one(run_private(run_smtp, "-j", "selfsigned.smtp.test"))
    t = probe(o, "selfsigned.smtp.test.")["tls"]
    assert t["certificate"]["verified"] is False
    assert t["dane"]["match"] is True
    assert o["findings"] == []


def test_dane_ee_ignores_expiry(run_smtp):
    o = one(run_private(run_smtp, "-j", "expired-dane.smtp.test"))
    t = probe(o, "expired-dane.smtp.test.")["tls"]
    assert t["certificate"]["expired"] is True
    assert t["certificate"]["verified"] is False
    assert t["dane"]["match"] is True


@pytest.mark.parametrize("name,words", [
    ("untrusted", "self"),
    ("expired", "expired"),
    ("wrongname", "hostname"),
])
def test_certificate_that_does_not_verify(run_smtp, name, words):
    """Without DANE or MTA-STS, opportunistic senders deliver anyway: the
    certificate says so, and it is no finding."""
    o = one(run_private(run_smtp, "-j", "%s.smtp.test" % name))
    c = probe(o, "%s.smtp.test." % name)["tls"]["certificate"]
    assert c["verified"] is False
    assert words in c["verify_error"].lower(), c
    assert o["findings"] == []


def test_other_ca_does_not_verify(run_smtp, smtp):
    res = run_smtp("--smtp", "--smtp-port", str(smtp.port), "--cafile",
                   smtp.other_cafile, "--private", "-j", "mx4.smtp.test",
                   smtp_options=False)
    c = probe(one(res), "mx4.smtp.test.")["tls"]["certificate"]
    assert c["verified"] is False


def test_cafile_that_does_not_load_is_a_usage_error(run_smtp, tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate\n")
    res = run_smtp("--smtp", "--cafile", str(bad), "mx1.smtp.test",
                   smtp_options=False)
    assert res.rc == 2, res
    assert res.out == ""
    assert str(bad) in res.err and len(res.err.splitlines()) == 1, res


def test_no_starttls_is_a_finding(run_smtp):
    res = run_private(run_smtp, "-j", "notls.smtp.test")
    assert res.rc == 0, res
    o = one(res)
    p = probe(o, "notls.smtp.test.")
    assert p["status"] == "ok" and p["starttls"]["offered"] is False
    assert p["tls"] is None
    assert any("no STARTTLS" in f and "unencrypted" in f
               for f in o["findings"]), o


def test_connection_refused(run_smtp):
    o = one(run_private(run_smtp, "-j", "refused.smtp.test"))
    p = probe(o, "refused.smtp.test.")
    assert p["status"] == "unreachable" and p["step"] == "connect"
    assert "refused" in p["message"]
    assert p["connect_ms"] is None
    assert o["smtp_blocked"] is False


def test_one_broken_exchange_hides_nothing(run_smtp):
    o = one(run_private(run_smtp, "-j", "mixed.smtp.test"))
    assert probe(o, "mx1.smtp.test.")["status"] == "ok"
    assert probe(o, "refuse.smtp.test.")["status"] == "error"
    assert probe(o, "notls.smtp.test.")["starttls"]["offered"] is False
    assert probe(o, "stall.smtp.test.")["status"] == "timeout"
    assert probe(o, "refused.smtp.test.")["status"] == "unreachable"
    assert len(o["findings"]) == 4, o["findings"]


# --- hostile servers ----------------------------------------------------------


HOSTILE_EXPECT = {
    # scenario: (status, step, words in the message)
    "refuse": ("error", "greeting", "554"),
    "multiline": ("ok", None, None),
    "longline": ("limit", "greeting", "too long"),
    "stall": ("timeout", "greeting", None),
    "close": ("unreachable", "greeting", "closed"),
    "silent": ("timeout", "greeting", None),
    "tlsclose": (None, "TLS handshake", None),
    "tlsgarbage": ("malformed", "TLS handshake", None),
    "tlsstall": ("timeout", "TLS handshake", None),
    "control": ("ok", None, None),
    "manyext": ("limit", "EHLO", None),
    "nostarttls": ("ok", None, None),
    "tls454": ("ok", None, None),
    "slowloris": (None, "greeting", None),
}


@pytest.mark.parametrize("scenario", sorted(HOSTILE_EXPECT))
def test_hostile_server(run_smtp, scenario):
    status, step, words = HOSTILE_EXPECT[scenario]
    t0 = time.monotonic()
    res = run_private(run_smtp, "-j", "%s.smtp.test" % scenario)
    took = time.monotonic() - t0
    assert res.rc == 0, res
    p = probe(one(res), "%s.smtp.test." % scenario)
    if status is not None:
        assert p["status"] == status, p
    else:
        assert p["status"] != "ok", p
    assert p["step"] == step, p
    if words is not None:
        assert words in p["message"], p
    # Each step has --smtp-timeout, never more: a slow sender included.
    assert took < 8 * float(STEP) + 3, took


def test_what_a_failed_probe_got_to(run_smtp):
    """Guards: the JSON of a probe that failed says what it got before:
    the connect time once connected (the greeting refused), and the
    STARTTLS object only once EHLO was answered (not when EHLO itself
    failed: nothing was offered or refused)."""
    p = probe(one(run_private(run_smtp, "-j", "refuse.smtp.test")),
              "refuse.smtp.test.")
    assert p["step"] == "greeting" and isinstance(p["connect_ms"], int), p
    assert p["starttls"] is None
    p = probe(one(run_private(run_smtp, "-j", "manyext.smtp.test")),
              "manyext.smtp.test.")
    assert p["step"] == "EHLO" and isinstance(p["connect_ms"], int), p
    assert p["greeting"]["code"] == 220
    assert p["starttls"] is None and p["tls"] is None, p


def test_hostile_reset(run_smtp):
    o = one(run_private(run_smtp, "-j", "reset.smtp.test"))
    p = probe(o, "reset.smtp.test.")
    assert p["status"] == "unreachable"
    assert p["step"] in ("connect", "greeting")


def test_tls454_goes_on_in_plain_text(run_smtp):
    o = one(run_private(run_smtp, "-j", "tls454.smtp.test"))
    p = probe(o, "tls454.smtp.test.")
    assert p["starttls"] == {"offered": True, "code": 454}
    assert any("STARTTLS refused" in f for f in o["findings"]), o


def test_multiline_greeting_first_line(run_smtp):
    o = one(run_private(run_smtp, "-j", "multiline.smtp.test"))
    p = probe(o, "multiline.smtp.test.")
    assert p["greeting"]["code"] == 220
    assert p["tls"] is not None


def test_control_characters_never_reach_the_terminal(run_smtp):
    for mode in ([], ["-v"], ["-j"], ["-s"]):
        res = run_private(run_smtp, *mode, "control.smtp.test")
        raw = res.outb + res.errb
        assert b"\x1b" not in raw and b"\x07" not in raw, mode
        assert b"\x00" not in raw and b"\x9b" not in raw, mode
        assert b"\r" not in raw, mode
        # Valid UTF-8 (the runner checks too) and escaped as \xHH.
        assert b"\\x1b" in raw or mode == ["-s"], mode


def test_many_extensions_bounded(run_smtp):
    res = run_private(run_smtp, "-j", "manyext.smtp.test")
    p = probe(one(res), "manyext.smtp.test.")
    assert len(p["ehlo"]) <= 50
    assert len(res.out) < 64 * 1024


# --- MTA-STS ------------------------------------------------------------------


def test_mta_sts_enforce_every_exchange_matches(run_smtp, smtp):
    mark = smtp.https_mark()
    res = run_private(run_smtp, "-j", "smtp.test")
    assert res.rc == 0, res
    o = one(res)
    m = o["mta_sts"]
    assert m["status"] == "ok" and m["id"] == "2026120101"
    assert m["addresses"] == ["127.0.0.40"]
    pol = m["policy"]
    assert pol["status"] == "ok" and pol["http_status"] == 200
    assert pol["mode"] == "enforce" and pol["max_age"] == 86400
    assert pol["mx"] == ["mx1.smtp.test", "mx2.smtp.test", "mx3.smtp.test",
                         "mx4.smtp.test"]
    assert all(e["mta_sts_match"] is True for e in o["exchanges"])
    assert o["tlsrpt"] == {"status": "ok", "message": None,
                           "record": "v=TLSRPTv1; rua=mailto:tlsrpt@smtp.test"}
    reqs = smtp.https_requests(since=mark)
    assert len(reqs) == 1, reqs


def test_mta_sts_mismatch_in_enforce_mode(run_smtp):
    res = run_private(run_smtp, "-j", "sts-mismatch.smtp.test")
    o = one(res)
    assert exchange(o, "mx1.smtp.test.")["mta_sts_match"] is True
    assert exchange(o, "mx2.smtp.test.")["mta_sts_match"] is False
    assert any(f.startswith("mx2.smtp.test.:") and
               "MTA-STS senders will not deliver to it" in f
               for f in o["findings"]), o["findings"]
    text = run_private(run_smtp, "sts-mismatch.smtp.test").out
    assert "MTA-STS senders will not deliver to it" in text


def test_mta_sts_wildcard(run_smtp):
    o = one(run_private(run_smtp, "-j", "sts-wildcard.smtp.test"))
    assert all(e["mta_sts_match"] is True for e in o["exchanges"])
    assert o["findings"] == []


def test_mta_sts_testing_mode(run_smtp):
    o = one(run_private(run_smtp, "-j", "sts-testing.smtp.test"))
    assert o["mta_sts"]["policy"]["mode"] == "testing"
    assert o["mta_sts"]["policy"]["max_age"] == 604800


def test_mta_sts_none_mode_matches_nothing(run_smtp):
    o = one(run_private(run_smtp, "-j", "sts-none.smtp.test"))
    assert o["mta_sts"]["policy"]["mode"] == "none"
    assert all(e["mta_sts_match"] is None for e in o["exchanges"])


@pytest.mark.parametrize("domain,words", [
    ("sts-badname", "certif"),
    ("sts-untrusted", "certif"),
    ("sts-expired", "certif"),
    ("sts-404", "404"),
    ("sts-redirect", "redirect"),
    ("sts-ctype", "text/html"),
    ("sts-oversize", "64"),
    ("sts-stall", None),
])
def test_mta_sts_policy_not_fetched(run_smtp, domain, words):
    res = run_private(run_smtp, "-j", "%s.smtp.test" % domain)
    assert res.rc == 0, res
    o = one(res)
    pol = o["mta_sts"]["policy"]
    assert pol["status"] != "ok" and pol["mode"] is None, pol
    if words is not None:
        assert words in pol["message"].lower(), pol
    assert any(f.startswith("MTA-STS:") for f in o["findings"]), o
    # No policy: nothing to match against.
    assert all(e["mta_sts_match"] is None for e in o["exchanges"])


def test_mta_sts_redirect_not_followed(run_smtp, smtp):
    mark = smtp.https_mark()
    run_private(run_smtp, "-j", "sts-redirect.smtp.test")
    reqs = smtp.https_requests(since=mark)
    assert len(reqs) == 1, reqs


def test_mta_sts_invalid_policy(run_smtp):
    o = one(run_private(run_smtp, "-j", "sts-invalid.smtp.test"))
    pol = o["mta_sts"]["policy"]
    assert pol["status"] == "malformed" and pol["http_status"] == 200


def test_mta_sts_without_txt_is_not_fetched(run_smtp, smtp):
    mark = smtp.https_mark()
    o = one(run_private(run_smtp, "-j", "sts-notxt.smtp.test"))
    assert o["mta_sts"]["status"] == "nodata"
    assert o["mta_sts"]["policy"] is None
    assert smtp.https_requests(since=mark) == []
    assert o["findings"] == []


def test_mta_sts_bad_txt_is_no_policy(run_smtp, smtp):
    mark = smtp.https_mark()
    o = one(run_private(run_smtp, "-j", "sts-badtxt.smtp.test"))
    assert o["mta_sts"]["status"] == "malformed"
    assert o["mta_sts"]["policy"] is None
    assert smtp.https_requests(since=mark) == []
    assert any(f.startswith("MTA-STS:") for f in o["findings"])


def test_mta_sts_host_without_address(run_smtp):
    o = one(run_private(run_smtp, "-j", "sts-nohost.smtp.test"))
    pol = o["mta_sts"]["policy"]
    assert pol["status"] == "nodata" and pol["http_status"] is None


# --- timing, modes, comparison ------------------------------------------------


def test_several_domains_in_one_run(run_smtp):
    """Guards: the probe queue across domains: the jobs of a domain that
    comes after others were taken (the queue empty, its last job still
    running) are seen by the workers, and every domain is handed back,
    in input order."""
    names = ["mx1.smtp.test", "mx2.smtp.test", "mx4.smtp.test",
             "notls.smtp.test", "smtp.test"]
    res = run_private(run_smtp, "-j", *names)
    assert res.rc == 0, res
    objs = check_json(res)
    assert [o["domain"] for o in objs] == names
    for o in objs:
        for e in o["exchanges"]:
            for a in e["addresses"]:
                assert a["smtp"]["status"] == "ok", (o["domain"], a)


def test_text_policy_not_fetched_and_no_policy(run_smtp):
    """Guards: text output says a policy that was announced but not
    fetched as such (never as a policy with a mode), and says nothing of
    a domain without MTA-STS unless -v."""
    out = run_private(run_smtp, "sts-404.smtp.test").out
    line = [x for x in out.splitlines() if "MTA-STS" in x]
    assert len(line) == 1, out
    assert "announced, not fetched: " in line[0] and "404" in line[0], out
    assert "mode" not in line[0], out
    out = run_private(run_smtp, "sts-notxt.smtp.test").out
    assert "MTA-STS" not in out, out
    out = run_private(run_smtp, "-v", "sts-notxt.smtp.test").out
    assert "  MTA-STS: no policy (no _mta-sts record)\n" in out, out


def test_addresses_probed_side_by_side(run_smtp, smtp):
    """slow1..3 greet 0.4, 0.8, 1.2 s after the connection: in parallel
    all three are connected before the first greeting, and the probe takes
    about 1.2 s; one after another it would take 2.4 s.  The servers' own
    clock says it, whatever the speed of mxq (under valgrind, say)."""
    mark = smtp.mark()
    t0 = time.monotonic()
    res = run_smtp("--private", "--smtp-timeout", "3", "-j",
                   "slow.smtp.test")
    took = time.monotonic() - t0
    assert res.rc == 0, res
    o = one(res)
    assert all(probe(o, n)["status"] == "ok" for n in
               ("slow1.smtp.test.", "slow2.smtp.test.", "slow3.smtp.test."))
    ev = [e for e in smtp.events(since=mark) if e.server.startswith("slow")]
    connects = [e.time for e in ev if e.kind == "connect"]
    greeted = [e.time for e in ev if e.kind == "greeted"]
    assert len(connects) == 3 and len(greeted) == 3, ev
    assert max(connects) < min(greeted), ev
    assert max(greeted) - min(connects) < sum(smtpd.SLOW_DELAYS) - 0.2, ev
    assert took >= max(smtpd.SLOW_DELAYS), took


def test_one_connection_at_a_time_is_sequential(run_smtp):
    """--smtp-concurrency 1: the same probes, one after another."""
    t0 = time.monotonic()
    res = run_smtp("--private", "--smtp-timeout", "3",
                   "--smtp-concurrency", "1", "-j", "slow.smtp.test")
    took = time.monotonic() - t0
    assert res.rc == 0, res
    assert took >= sum(smtpd.SLOW_DELAYS) - 0.1, took


def test_short_mode_lines_unchanged_findings_on_stderr(run_smtp):
    res = run_private(run_smtp, "-s", "mx3.smtp.test")
    assert res.rc == 0, res
    assert res.out == "10 mx3.smtp.test. 127.0.0.23\n"
    assert "matches no TLSA record" in res.err


def test_text_lines(run_smtp):
    res = run_private(run_smtp, "smtp.test")
    assert res.rc == 0, res
    lines = res.out.splitlines()
    mx1 = [x for x in lines if x.strip().startswith("127.0.0.21")]
    assert mx1 and "SMTP 220" in mx1[0] and "certificate verified" in \
        mx1[0] and "DANE TLSA 3 1 1 matched" in mx1[0], res.out
    assert any(x.strip().startswith("MTA-STS policy 2026120101: mode "
                                    "enforce") for x in lines), res.out
    assert any(x.strip() == "TLS-RPT: v=TLSRPTv1; "
               "rua=mailto:tlsrpt@smtp.test" for x in lines), res.out
    verbose = run_private(run_smtp, "-v", "mx1.smtp.test").out
    assert "EHLO" in verbose and "certificate " in verbose


def test_strict_clean_domain(run_smtp):
    assert run_private(run_smtp, "--strict", "mx1.smtp.test").rc == 0


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl")
def test_same_session_as_openssl_s_client(run_smtp, smtp):
    o = one(run_private(run_smtp, "-j", "mx1.smtp.test"))
    t = probe(o, "mx1.smtp.test.", "127.0.0.21")["tls"]
    theirs = smtpd.s_client("127.0.0.21", smtp.port, "mx1.smtp.test",
                            smtp.cafile)
    assert theirs.protocol == t["version"], theirs.output
    assert theirs.cipher == t["cipher"], theirs.output
    assert theirs.verified is t["certificate"]["verified"]


@pytest.mark.skipif(not shutil.which(smtpd.POSTTLS_FINGER),
                    reason="no posttls-finger (Debian package postfix)")
def test_same_session_as_posttls_finger(run_smtp, smtp):
    o = one(run_private(run_smtp, "-j", "mx2.smtp.test"))
    t = probe(o, "mx2.smtp.test.")["tls"]
    theirs = smtpd.posttls_finger("127.0.0.22", smtp.port, "mx2.smtp.test",
                                  smtp.cafile)
    assert theirs.protocol == t["version"], theirs.output
    assert theirs.cipher == t["cipher"], theirs.output
    assert theirs.verified is t["certificate"]["verified"]


def test_bad_smtp_options(run_smtp):
    for args, words in ((["--smtp-port", "0"], "port"),
                        (["--smtp-timeout", "x"], "timeout"),
                        (["--smtp-concurrency", "501"], "concurrency"),
                        (["--ehlo", "a b"], "EHLO"),
                        (["--ehlo", "x\r\nMAIL FROM:<>"], "EHLO"),
                        (["--https-port", "70000"], "port")):
        res = run_smtp(*args, "mx1.smtp.test", smtp_options=False)
        assert res.rc == 2, (args, res)
        assert words in res.err and res.out == "", (args, res)


def test_ehlo_name_is_sent(run_smtp, smtp):
    mark = smtp.mark()
    run_private(run_smtp, "--ehlo", "probe.example", "mx4.smtp.test")
    names = [e.data for e in smtp.events(since=mark, server="mx4",
                                         kind="ehlo")]
    assert names and all("probe.example" in json.dumps(n) for n in names), \
        names


def _libcurl_path():
    """Where the dynamic linker finds libcurl.so.4 (ldconfig's cache)."""
    try:
        out = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("libcurl.so.4 ") and "=>" in line:
            return os.path.realpath(line.split("=>", 1)[1].strip())
    return None


def test_libcurl_that_cannot_be_loaded_is_said(mxq_bin):
    """mxq is not linked with libcurl: --smtp loads it.  When that fails
    (here /dev/null mounted over it, in a mount namespace of its own), the
    run stops at once with one line that says so and exit status 4, and
    a run without --smtp never notices."""
    lib = _libcurl_path()
    if lib is None or os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root, unshare and libcurl.so.4 in ldconfig's cache")
    script = ('mount --bind /dev/null "$1" || exit 97; shift; "$@"; '
              'echo "rc=$?" >&2')
    base = ["unshare", "-m", "sh", "-c", script, "sh", lib, mxq_bin,
            "@127.0.0.1", "-p", "9", "-t", "0.2", "--tries", "1"]
    r = subprocess.run(base + ["--smtp", "--private", "smtp.test"],
                       capture_output=True, text=True, timeout=30)
    if "rc=" not in r.stderr:
        pytest.skip("cannot mount in a mount namespace here: %r" % r.stderr)
    assert r.stdout == "", r
    assert r.stderr.splitlines() == [
        "mxq: libcurl: cannot load libcurl.so.4", "rc=4"], r
    r = subprocess.run(base + ["--version"], capture_output=True, text=True,
                       timeout=30)
    assert r.stderr.strip() == "rc=0" and r.stdout.startswith("mxq "), r
