#!/usr/bin/python3
"""Test infrastructure for mxq's SMTP probe (--smtp): STARTTLS, PKIX and DANE
checks of every exchange, MTA-STS (RFC 8461) and TLSRPT (RFC 8460).  Real
servers on loopback only, started and stopped by the tests; nothing is
sent anywhere but 127.0.0.0/8 and ::1.

    TestPKI       a test CA made at start (certificates are new every run;
                  the keys are derived from fixed seeds, so the TLSA data
                  in smtpzones/ stays right), server certificates signed by
                  it, a self-signed one, an expired one, one for a wrong
                  name, and a second CA that signed nothing
    Smtpd         well-behaved SMTP servers (Debian's python3-aiosmtpd,
                  STARTTLS with tls_context, require_starttls=False), one
                  per loopback address, all on one port; optional greeting
                  delay; one without STARTTLS
    Hostile       a scripted misbehaving SMTP server: the listening address
                  selects the scenario (HOSTILE below)
    StsHttps      HTTPS servers (http.server + ssl) serving MTA-STS
                  policies at /.well-known/mta-sts.txt, chosen by the Host
                  header; the address selects the certificate
    SmtpTestbed   all of the above and a validating resolver
                  (diag.Resolver with the zones of smtpzones/: smtp.test
                  signed, smtp-insecure.test not)
    posttls_finger(), s_client()
                  what Postfix's posttls-finger and "openssl s_client
                  -starttls smtp" see (protocol, cipher, verification)

Every name, address and record: smtpzones/README.md; the constants below
say the same for tests (test_smtp_infra.py checks both against the
servers).

Ports: mxq takes one port for every exchange address (--smtp-port) and one
for every MTA-STS host (--https-port), so the servers are told apart by
their loopback address: every SMTP server listens on SmtpTestbed.port (the
same on 127.0.0.21-33, 127.0.0.50-64 and ::1), every HTTPS server on
SmtpTestbed.https_port (127.0.0.40-43).  Both ports are picked free on every
address they need (and on 127.0.0.29, where nothing listens).

Every thread is joined, every socket closed, every process stopped by its
PID and every temporary directory removed on stop(), unless MXQ_SMTP_KEEP
(or MXQ_DIAG_KEEP / MXQ_KNOT_KEEP) is set in the environment.

Library use (/usr/bin/python3; python3-aiosmtpd, python3-cryptography,
python3-dnspython, knot, unbound; sh scripts/deps.sh test):

    from smtpd import SmtpTestbed
    with SmtpTestbed() as bed:
        bed.port, bed.https_port, bed.cafile, bed.dns_port
        bed.mxq_options   # ["--smtp", "--smtp-port", P, "--https-port",
                          #  H, "--cafile", F]
        bed.events()      # what the SMTP servers saw (Event tuples)
        bed.https_requests()

Command line:

    /usr/bin/python3 tests/system/smtpd.py [--no-dns] [--keep]
        start everything, print what runs where and an mxq command line,
        serve until ^C (or SIGTERM)

The module is named smtpd after what it serves; Python 3.11's own smtpd
module (deprecated) is shadowed only for code that puts tests/system first
on sys.path, as conftest.py does.
"""

import argparse
import asyncio
import collections
import datetime
import errno
import hashlib
import http.server
import ipaddress
import itertools
import logging
import os
import re
import selectors
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

SMTP_ZONES_DIR = os.path.join(HERE, "smtpzones")


def _keep():
    return bool(os.environ.get("MXQ_SMTP_KEEP")
                or os.environ.get("MXQ_DIAG_KEEP")
                or os.environ.get("MXQ_KNOT_KEEP"))


class SmtpdError(RuntimeError):
    """A part of the SMTP test set-up could not start."""


# ---------------------------------------------------------------------------
# What the zones hold (smtpzones/README.md says the same, in prose).

ZONE = "smtp.test."                     # signed: secure behind the resolver
INSECURE_ZONE = "smtp-insecure.test."   # unsigned copy: insecure
SMTP_ZONES = (ZONE, INSECURE_ZONE)
SIGNED_SMTP_ZONES = (ZONE,)
SECURITY = {ZONE: "secure", INSECURE_ZONE: "insecure"}
SERIAL = 2026120101

# Loopback addresses.
ADDR = {
    "mx1": "127.0.0.21",
    "mx2": "127.0.0.22",
    "mx3": "127.0.0.23",
    "mx4": "127.0.0.24",
    "notls": "127.0.0.25",
    "selfsigned": "127.0.0.26",
    "expired": "127.0.0.27",
    "wrongname": "127.0.0.28",
    "refused": "127.0.0.29",        # nothing listens here
    "slow1": "127.0.0.31",
    "slow2": "127.0.0.32",
    "slow3": "127.0.0.33",
    "https": "127.0.0.40",
    "https-wrongname": "127.0.0.41",
    "https-selfsigned": "127.0.0.42",
    "https-expired": "127.0.0.43",
}
MX1_ADDRESS6 = "::1"                    # mx1 listens on ::1 too

# Greeting delays of slow1..slow3 (seconds), for a parallelism benchmark:
# one after another they take the sum, in parallel the largest.
SLOW_DELAYS = (0.4, 0.8, 1.2)

# The well-behaved SMTP servers (aiosmtpd): server name -> (addresses,
# certificate name or None for no STARTTLS, greeting delay).  The greeting
# is "220 <first name of the certificate, or <name>.smtp.test> ESMTP mxq
# test server (aiosmtpd)"; EHLO answers SIZE, 8BITMIME, STARTTLS (before
# TLS), HELP (and AUTH after TLS); a server without a certificate (notls)
# does not offer STARTTLS and answers it "454 TLS not available"; MAIL
# gets 550; QUIT answers "221 2.0.0 Bye".
GOOD_SERVERS = {
    "mx1": ((ADDR["mx1"], MX1_ADDRESS6), "mx1", 0.0),
    "mx2": ((ADDR["mx2"],), "mx2", 0.0),
    "mx3": ((ADDR["mx3"],), "mx3", 0.0),
    "mx4": ((ADDR["mx4"],), "mx4", 0.0),
    "notls": ((ADDR["notls"],), None, 0.0),
    "selfsigned": ((ADDR["selfsigned"],), "selfsigned", 0.0),
    "expired": ((ADDR["expired"],), "expired", 0.0),
    "wrongname": ((ADDR["wrongname"],), "wrongname", 0.0),
    "slow1": ((ADDR["slow1"],), "slow", SLOW_DELAYS[0]),
    "slow2": ((ADDR["slow2"],), "slow", SLOW_DELAYS[1]),
    "slow3": ((ADDR["slow3"],), "slow", SLOW_DELAYS[2]),
}
GOOD_IDENT = "ESMTP mxq test server (aiosmtpd)"

# The scripted misbehaving SMTP server: scenario -> (address, what it does).
# The exchange of each is "<scenario>.smtp.test." (A = the address), which
# is also a domain with "MX 10 <scenario>.smtp.test.".  "The normal
# dialogue" below: EHLO -> 250 lines (the scenario's own), STARTTLS -> 220
# and a real TLS handshake (certificate "hostile", issued by the test CA
# for every hostile name), EHLO again -> the same lines without STARTTLS,
# HELO/NOOP/RSET -> 250, QUIT -> 221 and close, anything else -> 502.
HOSTILE = collections.OrderedDict([
    ("refuse", ("127.0.0.50",
                "greets with REFUSE_GREETING (554: no service); then 503 to "
                "everything but QUIT, 221 to QUIT (RFC 5321 3.1)")),
    ("multiline", ("127.0.0.51",
                   "greets with the three-line MULTILINE_GREETING (220-, "
                   "220-, 220 ), then the normal dialogue with STARTTLS")),
    ("longline", ("127.0.0.52",
                  "sends LONGLINE_GREETING: '220 ' and 1 MiB of 'x', no "
                  "line end, then sends nothing and waits for the client "
                  "to close")),
    ("stall", ("127.0.0.53",
               "sends STALL_GREETING (part of a line, no CRLF), then "
               "nothing until the client closes")),
    ("close", ("127.0.0.54",
               "closes right after accepting (FIN), sends nothing")),
    ("reset", ("127.0.0.55",
               "resets right after accepting (RST: SO_LINGER 0); a "
               "non-blocking connect() may already see ECONNRESET")),
    ("silent", ("127.0.0.56",
                "accepts, never sends a byte, waits for the client to "
                "close")),
    ("tlsclose", ("127.0.0.57",
                  "normal greeting and EHLO with STARTTLS; answers STARTTLS "
                  "with 220, reads the ClientHello, closes (FIN) during the "
                  "handshake")),
    ("tlsgarbage", ("127.0.0.58",
                    "normal greeting and EHLO with STARTTLS; answers "
                    "STARTTLS with 220, reads the ClientHello, answers it "
                    "with TLSGARBAGE (plain text, no TLS) and closes")),
    ("tlsstall", ("127.0.0.59",
                  "normal greeting and EHLO with STARTTLS; answers "
                  "STARTTLS with 220, reads the ClientHello, never answers "
                  "it (until the client closes)")),
    ("control", ("127.0.0.60",
                 "CONTROL_GREETING and CONTROL_EHLO: escape sequences, BEL, "
                 "NUL, DEL, bare CR, C1 controls, invalid UTF-8; then the "
                 "normal dialogue with STARTTLS")),
    ("manyext", ("127.0.0.61",
                 "EHLO answer of MANYEXT_COUNT (10000) continuation lines "
                 "'250-X-EXT-NNNNN' before '250 STARTTLS'; then normal")),
    ("nostarttls", ("127.0.0.62",
                    "normal greeting, EHLO without STARTTLS; a STARTTLS "
                    "anyway gets '502 5.5.1 STARTTLS not offered'")),
    ("tls454", ("127.0.0.63",
                "EHLO offers STARTTLS; STARTTLS gets TLS454_REPLY (454, "
                "temporary), the dialogue goes on in plain text")),
    ("slowloris", ("127.0.0.64",
                   "a greeting that never ends: SLOWLORIS_LINE ('220-...') "
                   "over and over, one byte every SLOWLORIS_INTERVAL (0.1) "
                   "seconds; every read gets a byte in time, only an "
                   "overall deadline ends it")),
])

REFUSE_GREETING = b"554 5.3.2 refuse.smtp.test no SMTP service here\r\n"
REFUSE_QUIT = b"221 2.0.0 refuse.smtp.test closing\r\n"
REFUSE_OTHER = b"503 5.5.1 no SMTP service here, QUIT please\r\n"
MULTILINE_GREETING = (b"220-multiline.smtp.test ESMTP first line\r\n"
                      b"220-second line of the greeting\r\n"
                      b"220 multiline.smtp.test third and last line\r\n")
LONGLINE_GREETING = b"220 " + b"x" * (1 << 20)
STALL_GREETING = b"220 stall.smtp.test ESMTP and then noth"
TLSGARBAGE = b"this is not TLS, just text\r\n" * 40
CONTROL_GREETING = (b"220 control.smtp.test \x1b[2J\x1b[31mred\x1b[0m "
                    b"bell\x07 nul\x00 del\x7f cr\rback tab\tx "
                    b"latin1:\xe9 bad:\xff\xfe c1:\xc2\x9b31m "
                    b"utf8:\xc3\xa9 ESMTP\r\n")
CONTROL_EHLO = [b"control.smtp.test \x1b]0;window title\x07hi",
                b"X-\x1b[5mBLINK\x1b[0m",
                b"8BITMIME\xff\xfe",
                b"X-NUL\x00BYTE"]
MANYEXT_COUNT = 10000
TLS454_REPLY = b"454 4.7.0 TLS not available due to temporary reason\r\n"
NOSTARTTLS_REPLY = b"502 5.5.1 STARTTLS not offered\r\n"
SLOWLORIS_LINE = b"220-slowloris.smtp.test one byte at a time\r\n"
SLOWLORIS_INTERVAL = 0.1


def hostile_name(scenario):
    return "%s.%s" % (scenario, ZONE)


# Exchanges: name -> (addresses, server, what a PKIX check against the
# test CA (--cafile) says for this name, what DANE (RFC 7672) says).
# server: a key of GOOD_SERVERS, "hostile:<scenario>" or None (nothing
# listens).
EXCHANGES = {
    "mx1.smtp.test.": (("127.0.0.21", "::1"), "mx1", "valid",
                       "TLSA 3 1 1 matches (secure)"),
    "mx2.smtp.test.": (("127.0.0.22",), "mx2", "valid",
                       "TLSA 2 1 1 of the test CA matches (secure)"),
    "mx3.smtp.test.": (("127.0.0.23",), "mx3", "valid",
                       "TLSA 3 1 1 of another key: no match (secure)"),
    "mx4.smtp.test.": (("127.0.0.24",), "mx4", "valid",
                       "no TLSA, securely denied: no DANE"),
    "rollover.smtp.test.": (("127.0.0.21",), "mx1", "valid",
                            "two TLSA 3 1 1, the second matches (secure)"),
    "notls.smtp.test.": (("127.0.0.25",), "notls", None,
                         "no TLSA, securely denied; no STARTTLS anyway"),
    "selfsigned.smtp.test.": (("127.0.0.26",), "selfsigned",
                              "untrusted (self-signed)",
                              "TLSA 3 1 1 matches (secure): DANE-EE "
                              "authenticates what PKIX cannot"),
    "untrusted.smtp.test.": (("127.0.0.26",), "selfsigned",
                             "untrusted (self-signed)",
                             "no TLSA, securely denied: no DANE"),
    "expired.smtp.test.": (("127.0.0.27",), "expired", "expired",
                           "no TLSA, securely denied: no DANE"),
    "expired-dane.smtp.test.": (("127.0.0.27",), "expired", "expired",
                                "TLSA 3 1 1 matches (secure): DANE-EE "
                                "ignores the expiry"),
    "wrongname.smtp.test.": (("127.0.0.28",), "wrongname",
                             "name mismatch (certificate for "
                             "other.smtp.test only)",
                             "no TLSA, securely denied: no DANE"),
    "refused.smtp.test.": (("127.0.0.29",), None, None,
                           "no TLSA; connection refused"),
    "slow1.smtp.test.": (("127.0.0.31",), "slow1", "valid", "no TLSA"),
    "slow2.smtp.test.": (("127.0.0.32",), "slow2", "valid", "no TLSA"),
    "slow3.smtp.test.": (("127.0.0.33",), "slow3", "valid", "no TLSA"),
    "mx1.smtp-insecure.test.": (("127.0.0.21", "::1"), "mx1", "valid",
                                "TLSA 3 1 1 matches but is insecure: "
                                "not used"),
    "mx2.smtp-insecure.test.": (("127.0.0.22",), "mx2", "valid",
                                "TLSA 2 1 1 matches but is insecure: "
                                "not used"),
}
for _s, (_a, _what) in HOSTILE.items():
    EXCHANGES[hostile_name(_s)] = (
        (_a,), "hostile:" + _s,
        "valid" if _s in ("multiline", "control", "manyext") else None,
        "no TLSA, securely denied")

# MX RRsets: owner -> sorted [(preference, exchange)].
MX = {
    ZONE: [(10, "mx1.smtp.test."), (20, "mx2.smtp.test."),
           (30, "mx3.smtp.test."), (40, "mx4.smtp.test.")],
    "slow.smtp.test.": [(10, "slow1.smtp.test."), (20, "slow2.smtp.test."),
                        (30, "slow3.smtp.test.")],
    "mixed.smtp.test.": [(10, "mx1.smtp.test."), (20, "refuse.smtp.test."),
                         (30, "notls.smtp.test."), (40, "stall.smtp.test."),
                         (50, "refused.smtp.test.")],
    "hostile.smtp.test.": [(10 + i, hostile_name(s))
                           for i, s in enumerate(HOSTILE)],
    INSECURE_ZONE: [(10, "mx1.smtp-insecure.test."),
                    (20, "mx2.smtp-insecure.test.")],
}
for _x in EXCHANGES:
    if _x.endswith("." + ZONE):
        MX[_x] = [(10, _x)]

# TLSA data (hex).  The keys are derived from fixed seeds (derived_key), so
# these stay the same although the certificates are new every run.
SPKI_SHA256 = {
    "ca": "307c0303c77c3b58cdd40b6680755c0d9afb1f56b279d759009ad9e81e4ee318",
    "mx1": "fc20cf248d237a3019d3490fca59c15a2e88bf0a5467e499924b3b172428ea6c",
    "retired":
        "85cdf6ab1df580477066e283cf39031394f010340ed0094de9bbc207a2509524",
    "selfsigned":
        "5d172d126c3a36c5563916eee2ad97e5e851675d1c2c07af39492ae9e8fc36b6",
    "expired":
        "f1610ee465f0b5114c189c6396c533a13a4659c578c5f1caa95efc66e0ab7343",
}
# TLSA RRsets: owner -> sorted [(usage, selector, mtype, hex)].
TLSA = {
    "_25._tcp.mx1.smtp.test.": [(3, 1, 1, SPKI_SHA256["mx1"])],
    "_25._tcp.mx2.smtp.test.": [(2, 1, 1, SPKI_SHA256["ca"])],
    "_25._tcp.mx3.smtp.test.": [(3, 1, 1, SPKI_SHA256["retired"])],
    "_25._tcp.rollover.smtp.test.": sorted([
        (3, 1, 1, SPKI_SHA256["retired"]), (3, 1, 1, SPKI_SHA256["mx1"])]),
    "_25._tcp.selfsigned.smtp.test.": [(3, 1, 1, SPKI_SHA256["selfsigned"])],
    "_25._tcp.expired-dane.smtp.test.": [(3, 1, 1, SPKI_SHA256["expired"])],
    "_25._tcp.mx1.smtp-insecure.test.": [(3, 1, 1, SPKI_SHA256["mx1"])],
    "_25._tcp.mx2.smtp-insecure.test.": [(2, 1, 1, SPKI_SHA256["ca"])],
}

# TLSRPT (RFC 8460): owner -> TXT string.
TLSRPT = {
    "_smtp._tls.smtp.test.": "v=TLSRPTv1; rua=mailto:tlsrpt@smtp.test",
    "_smtp._tls.smtp-insecure.test.":
        "v=TLSRPTv1; rua=mailto:tlsrpt@smtp-insecure.test,"
        "https://tlsrpt.smtp-insecure.test/v1",
}

# ---------------------------------------------------------------------------
# MTA-STS (RFC 8461).  Policy texts, exactly as served (LF line ends,
# except POLICY_TESTING: CRLF, which RFC 8461 3.2 allows too).

STS_ID = "2026120101"
STS_TXT = "v=STSv1; id=%s;" % STS_ID
STS_PATH = "/.well-known/mta-sts.txt"

POLICY_ENFORCE = ("version: STSv1\n"
                  "mode: enforce\n"
                  "mx: mx1.smtp.test\n"
                  "mx: mx2.smtp.test\n"
                  "mx: mx3.smtp.test\n"
                  "mx: mx4.smtp.test\n"
                  "max_age: 86400\n")
POLICY_ENFORCE_MX1 = ("version: STSv1\n"
                      "mode: enforce\n"
                      "mx: mx1.smtp.test\n"
                      "max_age: 86400\n")
POLICY_TESTING = ("version: STSv1\r\n"
                  "mode: testing\r\n"
                  "mx: mx1.smtp.test\r\n"
                  "max_age: 604800\r\n")
POLICY_NONE = ("version: STSv1\n"
               "mode: none\n"
               "max_age: 86400\n")
# mx2.smtp.test (an exchange of sts-mismatch) matches neither pattern: a
# wildcard stands for exactly one label (RFC 8461 4.1).
POLICY_MISMATCH = ("version: STSv1\n"
                   "mode: enforce\n"
                   "mx: mx1.smtp.test\n"
                   "mx: *.mx.smtp.test\n"
                   "max_age: 86400\n")
POLICY_WILDCARD = ("version: STSv1\n"
                   "mode: enforce\n"
                   "mx: *.smtp.test\n"
                   "max_age: 86400\n")
POLICY_INVALID = ("version: STSv1\n"
                  "mode: bogus\n"
                  "mx: mx1.smtp.test\n")
POLICY_INSECURE_ZONE = ("version: STSv1\n"
                        "mode: enforce\n"
                        "mx: mx1.smtp-insecure.test\n"
                        "mx: mx2.smtp-insecure.test\n"
                        "max_age: 86400\n")
OVERSIZE_BYTES = 1 << 20        # RFC 8461 3.3: senders may stop at 64 KiB


def _oversize_policy():
    """POLICY_ENFORCE_MX1 and extension lines up to OVERSIZE_BYTES."""
    head = POLICY_ENFORCE_MX1.encode()
    lines = [head]
    n = len(head)
    i = 0
    while n < OVERSIZE_BYTES:
        line = b"x-padding-%06d: %s\n" % (i, b"p" * 100)
        lines.append(line)
        n += len(line)
        i += 1
    return b"".join(lines)[:OVERSIZE_BYTES - 1] + b"\n"


POLICY_OVERSIZE = _oversize_policy()

# MTA-STS domains: domain -> dict(
#   txt:     the _mta-sts TXT strings ([] none),
#   host:    address of mta-sts.<domain> (None: the name does not exist),
#   status:  HTTP status served, body: policy served (bytes or str),
#   ctype:   Content-Type, location: Location header (redirects; "{port}"
#            is the HTTPS port), stall: the answer never comes,
#   verdict: what a sender following RFC 8461 concludes).
_CT = "text/plain"
STS = {
    ZONE: dict(txt=[STS_TXT], host=ADDR["https"], status=200,
               body=POLICY_ENFORCE, ctype=_CT,
               verdict="enforce; every exchange matches"),
    "sts-testing.smtp.test.": dict(
        txt=[STS_TXT], host=ADDR["https"], status=200, body=POLICY_TESTING,
        ctype=_CT, verdict="testing (CRLF lines)"),
    "sts-none.smtp.test.": dict(
        txt=[STS_TXT], host=ADDR["https"], status=200, body=POLICY_NONE,
        ctype=_CT, verdict="none"),
    "sts-mismatch.smtp.test.": dict(
        txt=[STS_TXT], host=ADDR["https"], status=200, body=POLICY_MISMATCH,
        ctype=_CT, verdict="enforce; mx2.smtp.test matches no pattern"),
    "sts-wildcard.smtp.test.": dict(
        txt=[STS_TXT], host=ADDR["https"], status=200, body=POLICY_WILDCARD,
        ctype=_CT, verdict="enforce; *.smtp.test matches both exchanges"),
    "sts-badname.smtp.test.": dict(
        txt=[STS_TXT], host=ADDR["https-wrongname"], status=200,
        body=POLICY_ENFORCE_MX1, ctype=_CT,
        verdict="fetch fails: certificate for wrong.smtp.test"),
    "sts-untrusted.smtp.test.": dict(
        txt=[STS_TXT], host=ADDR["https-selfsigned"], status=200,
        body=POLICY_ENFORCE_MX1, ctype=_CT,
        verdict="fetch fails: self-signed certificate"),
    "sts-expired.smtp.test.": dict(
        txt=[STS_TXT], host=ADDR["https-expired"], status=200,
        body=POLICY_ENFORCE_MX1, ctype=_CT,
        verdict="fetch fails: expired certificate"),
    "sts-404.smtp.test.": dict(
        txt=[STS_TXT], host=ADDR["https"], status=404,
        body="no policy here\n", ctype=_CT,
        verdict="fetch fails: HTTP 404"),
    "sts-redirect.smtp.test.": dict(
        txt=[STS_TXT], host=ADDR["https"], status=301,
        body="moved\n", ctype=_CT,
        location="https://mta-sts.smtp.test:{port}" + STS_PATH,
        verdict="fetch fails: redirect, not followed (RFC 8461 3.3)"),
    "sts-ctype.smtp.test.": dict(
        txt=[STS_TXT], host=ADDR["https"], status=200,
        body=POLICY_ENFORCE_MX1, ctype="text/html",
        verdict="fetch fails: Content-Type text/html, not text/plain"),
    "sts-oversize.smtp.test.": dict(
        txt=[STS_TXT], host=ADDR["https"], status=200,
        body=POLICY_OVERSIZE, ctype=_CT,
        verdict="fetch fails: 1 MiB body (a sender stops at 64 KiB)"),
    "sts-invalid.smtp.test.": dict(
        txt=[STS_TXT], host=ADDR["https"], status=200, body=POLICY_INVALID,
        ctype=_CT, verdict="invalid policy: mode bogus, no max_age"),
    "sts-notxt.smtp.test.": dict(
        txt=[], host=ADDR["https"], status=200, body=POLICY_ENFORCE_MX1,
        ctype=_CT, verdict="no policy: no TXT record (not fetched)"),
    "sts-badtxt.smtp.test.": dict(
        txt=["v=STSv1;"], host=ADDR["https"], status=200,
        body=POLICY_ENFORCE_MX1, ctype=_CT,
        verdict="no policy: TXT without id"),
    "sts-nohost.smtp.test.": dict(
        txt=[STS_TXT], host=None, status=None, body=None, ctype=None,
        verdict="fetch fails: mta-sts.sts-nohost.smtp.test NXDOMAIN"),
    "sts-stall.smtp.test.": dict(
        txt=[STS_TXT], host=ADDR["https"], status=None, body=None,
        ctype=None, stall=True,
        verdict="fetch fails: the HTTP answer never comes (timeout)"),
    INSECURE_ZONE: dict(
        txt=[STS_TXT], host=ADDR["https"], status=200,
        body=POLICY_INSECURE_ZONE, ctype=_CT,
        verdict="enforce; every exchange matches (MTA-STS needs no "
                "DNSSEC)"),
}
for _d in STS:
    if _d not in MX:
        MX[_d] = ([(10, "mx1.smtp.test.")] if _d != "sts-mismatch.smtp.test."
                  and _d != "sts-wildcard.smtp.test."
                  else [(10, "mx1.smtp.test."), (20, "mx2.smtp.test.")])


def sts_host(domain):
    """"mta-sts.<domain>" without the final dot."""
    return "mta-sts." + domain.rstrip(".")


# ---------------------------------------------------------------------------
# PKI: keys from fixed seeds, certificates new every run.

P256_ORDER = int("FFFFFFFF00000000FFFFFFFFFFFFFFFF"
                 "BCE6FAADA7179E84F3B9CAC2FC632551", 16)

# Certificates: name -> (key seed, issuer "ca" | "self", subjectAltNames,
# "valid" | "expired").  The first name is also the CN.
CERTS = {
    "mx1": ("mx1", "ca", ["mx1.smtp.test", "rollover.smtp.test",
                          "mx1.smtp-insecure.test"], "valid"),
    "mx2": ("mx2", "ca", ["mx2.smtp.test", "mx2.smtp-insecure.test"],
            "valid"),
    "mx3": ("mx3", "ca", ["mx3.smtp.test"], "valid"),
    "mx4": ("mx4", "ca", ["mx4.smtp.test"], "valid"),
    "selfsigned": ("selfsigned", "self",
                   ["selfsigned.smtp.test", "untrusted.smtp.test"], "valid"),
    "expired": ("expired", "ca",
                ["expired.smtp.test", "expired-dane.smtp.test"], "expired"),
    "wrongname": ("wrongname", "ca", ["other.smtp.test"], "valid"),
    "slow": ("slow", "ca", ["slow1.smtp.test", "slow2.smtp.test",
                            "slow3.smtp.test"], "valid"),
    "hostile": ("hostile", "ca",
                [hostile_name(s).rstrip(".") for s in HOSTILE], "valid"),
    "https": ("https", "ca",
              sorted(sts_host(d) for d, c in STS.items()
                     if c["host"] == ADDR["https"]), "valid"),
    "https-wrongname": ("https-wrongname", "ca", ["wrong.smtp.test"],
                        "valid"),
    "https-selfsigned": ("https-selfsigned", "self",
                         ["mta-sts.sts-untrusted.smtp.test"], "valid"),
    "https-expired": ("https-expired", "ca",
                      ["mta-sts.sts-expired.smtp.test"], "expired"),
}
CA_NAME = "mxq test CA"
OTHER_CA_NAME = "mxq other test CA (signed nothing)"

# HTTPS servers: address -> certificate.
HTTPS_SERVERS = {
    ADDR["https"]: "https",
    ADDR["https-wrongname"]: "https-wrongname",
    ADDR["https-selfsigned"]: "https-selfsigned",
    ADDR["https-expired"]: "https-expired",
}


def derived_key(seed):
    """The P-256 private key of a seed: the same every run."""
    from cryptography.hazmat.primitives.asymmetric import ec
    h = hashlib.sha256(b"mxq smtp test key " + seed.encode()).digest()
    d = int.from_bytes(h, "big") % (P256_ORDER - 1) + 1
    return ec.derive_private_key(d, ec.SECP256R1())


def _x509():
    from cryptography import x509
    return x509


def _load_cert(cert):
    """A cryptography Certificate from a Certificate, PEM (str/bytes) or
    DER bytes, or a path of a PEM file."""
    x509 = _x509()
    if isinstance(cert, x509.Certificate):
        return cert
    if isinstance(cert, str) and not cert.startswith("-----"):
        with open(cert, "rb") as f:
            cert = f.read()
    if isinstance(cert, str):
        cert = cert.encode()
    if cert.startswith(b"-----"):
        return x509.load_pem_x509_certificate(cert)
    return x509.load_der_x509_certificate(cert)


def spki_der(cert):
    """The DER SubjectPublicKeyInfo of a certificate (any form
    _load_cert takes) or of a public/private key."""
    from cryptography.hazmat.primitives import serialization
    obj = cert
    if hasattr(obj, "public_key") and not hasattr(obj, "subject"):
        obj = obj.public_key()          # a private key
    elif not hasattr(obj, "public_bytes") or hasattr(obj, "subject"):
        obj = _load_cert(cert).public_key()
    return obj.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def tlsa_data(cert, selector=1, mtype=1):
    """TLSA certificate association data (hex) of cert: selector 0 (the
    whole certificate, DER) or 1 (SPKI); matching type 0 (full), 1
    (SHA-256), 2 (SHA-512)."""
    from cryptography.hazmat.primitives import serialization
    if selector == 1:
        data = spki_der(cert)
    elif selector == 0:
        data = _load_cert(cert).public_bytes(serialization.Encoding.DER)
    else:
        raise ValueError("selector %r" % selector)
    if mtype == 0:
        return data.hex()
    if mtype == 1:
        return hashlib.sha256(data).hexdigest()
    if mtype == 2:
        return hashlib.sha512(data).hexdigest()
    raise ValueError("matching type %r" % mtype)


def tlsa_rdata(cert, usage=3, selector=1, mtype=1):
    """A TLSA record's data in presentation form: "3 1 1 <hex>"."""
    return "%d %d %d %s" % (usage, selector, mtype,
                            tlsa_data(cert, selector, mtype))


class CertFiles:
    """One certificate on disk: .name, .names (subjectAltNames), .cert
    (cryptography Certificate), .cert_path (leaf PEM), .key_path (PKCS#8
    PEM), .chain_path (leaf + issuing CA, what servers send; the leaf alone
    when self-signed), .pem (leaf PEM text), .spki_sha256 (hex),
    .issuer ("ca" | "self"), .validity ("valid" | "expired")."""

    def __init__(self, name, names, cert, cert_path, key_path, chain_path,
                 issuer, validity):
        self.name = name
        self.names = list(names)
        self.cert = cert
        self.cert_path = cert_path
        self.key_path = key_path
        self.chain_path = chain_path
        self.issuer = issuer
        self.validity = validity
        with open(cert_path) as f:
            self.pem = f.read()
        self.spki_sha256 = tlsa_data(cert, 1, 1)

    def tlsa(self, usage=3, selector=1, mtype=1):
        return tlsa_rdata(self.cert, usage, selector, mtype)

    def server_context(self, sni_callback=None):
        """An SSLContext for a server presenting this certificate."""
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.chain_path, self.key_path)
        if sni_callback is not None:
            ctx.sni_callback = sni_callback
        return ctx


class TestPKI:
    """The test CA and every certificate of CERTS, written to directory.

    Attributes after make(): cafile (the CA certificate, PEM: give it to
    mxq --cafile), ca (CertFiles of the CA), other_cafile (a CA that signed
    nothing: nothing verifies with it), capath (a directory with cafile
    under its OpenSSL hash name, for posttls-finger -P / openssl
    -CApath), certs (name -> CertFiles).
    """

    __test__ = False        # not a pytest test class

    def __init__(self, directory):
        self.directory = directory
        self.cafile = None
        self.other_cafile = None
        self.capath = None
        self.ca = None
        self.other_ca = None
        self.certs = {}

    def _write(self, name, cert, key, chain=()):
        from cryptography.hazmat.primitives import serialization
        cert_path = os.path.join(self.directory, name + ".pem")
        key_path = os.path.join(self.directory, name + ".key")
        chain_path = os.path.join(self.directory, name + "-chain.pem")
        pem = cert.public_bytes(serialization.Encoding.PEM)
        with open(cert_path, "wb") as f:
            f.write(pem)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
        with open(chain_path, "wb") as f:
            f.write(pem)
            for c in chain:
                f.write(c.public_bytes(serialization.Encoding.PEM))
        return cert_path, key_path, chain_path

    def _make_ca(self, seed, cn, now):
        from cryptography.hazmat.primitives import hashes
        x509 = _x509()
        from cryptography.x509.oid import NameOID
        key = derived_key(seed)
        name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                             "mxq tests"),
                          x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (x509.CertificateBuilder()
                .subject_name(name).issuer_name(name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0),
                               critical=True)
                .add_extension(x509.KeyUsage(
                    digital_signature=False, content_commitment=False,
                    key_encipherment=False, data_encipherment=False,
                    key_agreement=False, key_cert_sign=True, crl_sign=True,
                    encipher_only=False, decipher_only=False), critical=True)
                .add_extension(ski, critical=False)
                .sign(key, hashes.SHA256()))
        return key, cert

    def _make_leaf(self, name, seed, issuer, names, validity, now):
        from cryptography.hazmat.primitives import hashes
        x509 = _x509()
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
        key = derived_key(seed)
        subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                                "mxq tests"),
                             x509.NameAttribute(NameOID.COMMON_NAME,
                                                names[0])])
        if validity == "expired":
            nb = now - datetime.timedelta(days=30)
            na = now - datetime.timedelta(days=1)
        else:
            nb = now - datetime.timedelta(hours=1)
            na = now + datetime.timedelta(days=7)
        if issuer == "self":
            ikey, iname, ipub = key, subject, key.public_key()
        else:
            ikey, iname = self._ca_key, self.ca.cert.subject
            ipub = self._ca_key.public_key()
        b = (x509.CertificateBuilder()
             .subject_name(subject).issuer_name(iname)
             .public_key(key.public_key())
             .serial_number(x509.random_serial_number())
             .not_valid_before(nb).not_valid_after(na)
             .add_extension(x509.BasicConstraints(ca=False,
                                                  path_length=None),
                            critical=True)
             .add_extension(x509.KeyUsage(
                 digital_signature=True, content_commitment=False,
                 key_encipherment=False, data_encipherment=False,
                 key_agreement=False, key_cert_sign=False, crl_sign=False,
                 encipher_only=False, decipher_only=False), critical=True)
             .add_extension(x509.ExtendedKeyUsage(
                 [ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
             .add_extension(x509.SubjectAlternativeName(
                 [x509.DNSName(n) for n in names]), critical=False)
             .add_extension(x509.SubjectKeyIdentifier.from_public_key(
                 key.public_key()), critical=False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                 ipub), critical=False))
        cert = b.sign(ikey, hashes.SHA256())
        chain = () if issuer == "self" else (self.ca.cert,)
        paths = self._write(name, cert, key, chain)
        return CertFiles(name, names, cert, *paths, issuer, validity)

    def make(self):
        now = datetime.datetime.now(datetime.timezone.utc).replace(
            microsecond=0)
        os.makedirs(self.directory, exist_ok=True)
        self._ca_key, ca_cert = self._make_ca("ca", CA_NAME, now)
        paths = self._write("ca", ca_cert, self._ca_key)
        self.ca = CertFiles("ca", [], ca_cert, *paths, "self", "valid")
        self.cafile = self.ca.cert_path
        okey, ocert = self._make_ca("other-ca", OTHER_CA_NAME, now)
        self.other_ca = CertFiles("other-ca", [], ocert,
                                  *self._write("other-ca", ocert, okey),
                                  "self", "valid")
        self.other_cafile = self.other_ca.cert_path
        for name, (seed, issuer, names, validity) in CERTS.items():
            self.certs[name] = self._make_leaf(name, seed, issuer, names,
                                               validity, now)
        self.capath = os.path.join(self.directory, "capath")
        os.mkdir(self.capath)
        h = subprocess.run(["openssl", "x509", "-noout", "-subject_hash",
                            "-in", self.cafile], capture_output=True,
                           text=True)
        if h.returncode == 0 and h.stdout.strip():
            shutil.copy(self.cafile, os.path.join(
                self.capath, h.stdout.strip() + ".0"))
        return self

    def client_context(self, cafile=None):
        """A client SSLContext that trusts the test CA (or cafile) only and
        checks host names."""
        return ssl.create_default_context(cafile=cafile or self.cafile)


# ---------------------------------------------------------------------------
# What the servers saw.

Event = collections.namedtuple(
    "Event", "time server address peer conn kind data")
Event.__doc__ = """One thing an SMTP server saw.  time: time.monotonic();
server: "mx1", "slow2", "hostile:stall", ...; address: the local (listening)
address; peer: (host, port) of the client; conn: a number per connection;
kind: "connect", "greeted" (the greeting is out), "ehlo" (data: the name,
and tls=True/False), "command" (hostile: data the line), "starttls"
(STARTTLS received), "tls" (handshake done; data: version, cipher, sni:
the client's SNI or None), "tls-failed" (data: error, e.g. the client's
alert), "quit", "close" (hostile: data received = bytes read), "error"
(a bug in the server: data error)."""


class _Recorder:
    def __init__(self):
        self._lock = threading.Lock()
        self._events = []
        self._conn = itertools.count(1)

    def next_conn(self):
        with self._lock:
            return next(self._conn)

    def add(self, server, address, peer, conn, kind, **data):
        with self._lock:
            self._events.append(Event(time.monotonic(), server, address,
                                      peer, conn, kind, data))

    def events(self, since=0):
        with self._lock:
            return list(self._events[since:])

    def mark(self):
        with self._lock:
            return len(self._events)


def _note_sni(sslobj, server_name, ctx):
    """sni_callback: remember the client's SNI on the SSL object."""
    try:
        sslobj.mxq_sni = server_name
    except AttributeError:
        pass
    return None


# ---------------------------------------------------------------------------
# Well-behaved SMTP servers: aiosmtpd, all in one asyncio loop in a thread.

def _listen(address, port):
    fam = socket.AF_INET6 if ":" in address else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # No Nagle (accepted sockets inherit it): replies written in
        # pieces would otherwise wait for the client's delayed ACK.
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        if not ipaddress.ip_address(address).is_loopback:
            raise SmtpdError("refusing to listen on %s: not loopback"
                             % address)
        s.bind((address, port))
        s.listen(64)
    except BaseException:
        s.close()
        raise
    return s


class Smtpd:
    """The well-behaved SMTP servers of GOOD_SERVERS (or others given as
    {name: (addresses, CertFiles or None, delay)}), on port, in one asyncio
    loop in a thread.  sockets: {(name, address): listening socket}
    (already bound; Smtpd takes them over)."""

    def __init__(self, servers, sockets, recorder, timeout=60):
        self.servers = servers
        self.sockets = sockets
        self.recorder = recorder
        self.timeout = timeout
        self.loop = None
        self._thread = None
        self._aservers = []
        self._protocols = set()
        self._error = None

    def _factory(self, name, address, certfiles, delay):
        from aiosmtpd.smtp import SMTP
        recorder = self.recorder
        protocols = self._protocols
        hostname = certfiles.names[0] if certfiles else name + ".smtp.test"
        ctx = (certfiles.server_context(_note_sni) if certfiles else None)
        loop = self.loop
        timeout = self.timeout

        class Handler:
            async def handle_EHLO(self, server, session, envelope, hostname,
                                  responses):
                server._rec("ehlo", name=hostname,
                            tls=session.ssl is not None)
                return responses

            def handle_STARTTLS(self, server, session, envelope):
                obj = (session.ssl or {}).get("ssl_object")
                cipher = obj.cipher() if obj is not None else None
                server._rec("tls", version=obj and obj.version(),
                            cipher=cipher and cipher[0],
                            sni=getattr(obj, "mxq_sni", None))
                return True

            async def handle_QUIT(self, server, session, envelope):
                server._rec("quit")
                return "221 2.0.0 Bye"

            async def handle_MAIL(self, server, session, envelope, address,
                                  options):
                return "550 5.7.1 this test server takes no mail"

            async def handle_exception(self, error):
                # A failed TLS handshake lands here (TLSSetupException);
                # it is an event, not a traceback in the log.
                cause = error.__cause__ or error
                if type(error).__name__ == "TLSSetupException":
                    server = current.get(id(asyncio.current_task()))
                    if server is not None:
                        server._rec("tls-failed", error=str(cause))
                else:
                    logging.getLogger("mail.log").error(
                        "session exception", exc_info=error)
                return "500 5.3.0 error: %s" % type(cause).__name__

        current = {}        # id(task of _handle_client) -> TestSMTP

        class TestSMTP(SMTP):
            def _rec(self, kind, **data):
                recorder.add(name, address, self.session.peer, self.conn,
                             kind, **data)

            async def _handle_client(self):
                self.conn = recorder.next_conn()
                protocols.add(self)
                key = id(asyncio.current_task())
                current[key] = self
                self._rec("connect")
                try:
                    if delay:
                        await asyncio.sleep(delay)
                    self._greeted = False
                    await super()._handle_client()
                finally:
                    current.pop(key, None)

            async def push(self, status):
                await super().push(status)
                if not getattr(self, "_greeted", True):
                    self._greeted = True
                    self._rec("greeted")

            async def smtp_STARTTLS(self, arg):
                self._rec("starttls")
                await super().smtp_STARTTLS(arg)

            def connection_lost(self, error):
                # (aiosmtpd calls it twice after a failed handshake)
                if getattr(self, "conn", None) is not None and \
                        not getattr(self, "_closed_rec", False):
                    self._closed_rec = True
                    self._rec("close")
                protocols.discard(self)
                super().connection_lost(error)

        def factory():
            return TestSMTP(Handler(), hostname=hostname, ident=GOOD_IDENT,
                            tls_context=ctx, require_starttls=False,
                            timeout=timeout, loop=loop)
        return factory

    def start(self):
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,),
                                        name="smtpd-aiosmtpd", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise SmtpdError("aiosmtpd loop did not start")
        if self._error is not None:
            self.stop()
            raise self._error
        return self

    def _run(self, ready):
        loop = self.loop
        asyncio.set_event_loop(loop)
        try:
            for (name, address), sock in self.sockets.items():
                _, certfiles, delay = self.servers[name]
                srv = loop.run_until_complete(loop.create_server(
                    self._factory(name, address, certfiles, delay),
                    sock=sock))
                self._aservers.append(srv)
        except Exception as e:      # noqa: BLE001
            self._error = e
            ready.set()
            loop.close()
            return
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._shutdown())
            loop.close()

    async def _shutdown(self):
        for srv in self._aservers:
            srv.close()
        for p in list(self._protocols):
            for t in (getattr(p, "_original_transport", None), p.transport):
                if t is not None:
                    t.abort()
        for srv in self._aservers:
            await srv.wait_closed()
        tasks = [t for t in asyncio.all_tasks() if t is not
                 asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # Let transports finish closing (connection_lost callbacks).
        await asyncio.sleep(0)

    def stop(self):
        if self._thread is not None:
            if self.loop is not None and not self.loop.is_closed():
                self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self._thread = None
        for s in self.sockets.values():
            s.close()


# ---------------------------------------------------------------------------
# The scripted misbehaving SMTP server: plain sockets, one thread each.

class _Gone(Exception):
    """The client went away, or the server is stopping."""


class _Conn:
    """A connection of the hostile server, with stop-aware blocking I/O."""

    TICK = 0.1

    def __init__(self, sock, stop, rec):
        self.sock = sock
        self.stop = stop
        self.rec = rec
        self.buf = b""
        self.received = 0
        sock.settimeout(self.TICK)

    def _check(self):
        if self.stop.is_set():
            raise _Gone()

    def send(self, data):
        view = memoryview(data)
        while view:
            self._check()
            try:
                n = self.sock.send(view[:65536])
            except (socket.timeout, ssl.SSLWantWriteError,
                    ssl.SSLWantReadError):
                continue
            except OSError:
                raise _Gone()
            view = view[n:]

    def _recv(self):
        """Some bytes, or None after TICK without any; _Gone on EOF."""
        self._check()
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError,
                ssl.SSLWantWriteError):
            return None
        except OSError:
            raise _Gone()
        if not data:
            raise _Gone()
        self.received += len(data)
        return data

    def readline(self, limit=4096):
        """One line (with its line end; at most limit bytes)."""
        while b"\n" not in self.buf and len(self.buf) < limit:
            data = self._recv()
            if data is not None:
                self.buf += data
        i = self.buf.find(b"\n")
        i = limit if i < 0 else min(i + 1, limit)
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def read_some(self, wait=5.0):
        """Whatever arrives within wait seconds (b"" if nothing)."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            data = self._recv()
            if data is not None:
                return data
        return b""

    def pause(self, seconds):
        """Wait, reading and dropping what comes; _Gone on EOF/stop."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if left < self.TICK:
                self.sock.settimeout(left)
            try:
                self._recv()
            finally:
                self.sock.settimeout(self.TICK)

    def hold(self):
        """Read and drop until the client closes (or the server stops)."""
        while True:
            self._recv()

    def start_tls(self, ctx, limit=10.0):
        self.buf = b""      # RFC 3207 4.2: nothing from before counts
        tls = ctx.wrap_socket(self.sock, server_side=True,
                              do_handshake_on_connect=False)
        self.sock = tls
        deadline = time.monotonic() + limit
        while True:
            self._check()
            try:
                tls.do_handshake()
                break
            except (socket.timeout, ssl.SSLWantReadError,
                    ssl.SSLWantWriteError):
                if time.monotonic() > deadline:
                    self.rec("tls-failed", error="handshake timeout")
                    raise _Gone()
            except (ssl.SSLError, OSError) as e:
                self.rec("tls-failed", error=str(e))
                raise _Gone()
        cipher = tls.cipher()
        self.rec("tls", version=tls.version(), cipher=cipher and cipher[0],
                 sni=getattr(tls, "mxq_sni", None))

    def reset(self):
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.sock.close()


def _ehlo_lines(first, ext, tls_offered):
    lines = [first] + list(ext) + ([b"STARTTLS"] if tls_offered else [])
    out = b""
    for i, line in enumerate(lines):
        out += b"250" + (b" " if i == len(lines) - 1 else b"-") + line + \
            b"\r\n"
    return out


def _dialogue(c, name, ctx, ext=(b"PIPELINING", b"8BITMIME"),
              starttls="tls", first=None):
    """The normal dialogue after the greeting.  starttls: "tls" (offered,
    real handshake), "close", "garbage", "stall" (offered, then that),
    "454" (offered, refused), None (not offered, 502)."""
    tls = False
    first = first if first is not None else name.encode()
    while True:
        line = c.readline()
        cmd = line.strip().split(b" ", 1)[0].upper()
        c.rec("command", line=line)
        if cmd == b"EHLO":
            c.send(_ehlo_lines(first, ext, starttls is not None and not tls))
        elif cmd == b"HELO":
            c.send(b"250 " + name.encode() + b"\r\n")
        elif cmd in (b"NOOP", b"RSET"):
            c.send(b"250 2.0.0 OK\r\n")
        elif cmd == b"QUIT":
            c.rec("quit")
            c.send(b"221 2.0.0 " + name.encode() + b" closing\r\n")
            return
        elif cmd == b"STARTTLS" and not tls:
            c.rec("starttls")
            if starttls is None:
                c.send(NOSTARTTLS_REPLY)
            elif starttls == "454":
                c.send(TLS454_REPLY)
            else:
                c.send(b"220 2.0.0 go ahead\r\n")
                if starttls == "tls":
                    c.start_tls(ctx)
                    tls = True
                elif starttls == "close":
                    c.read_some()
                    return
                elif starttls == "garbage":
                    c.read_some()
                    c.send(TLSGARBAGE)
                    c.pause(0.2)
                    return
                elif starttls == "stall":
                    c.hold()
        else:
            c.send(b"502 5.5.2 command not implemented\r\n")


def _greeting(name):
    return b"220 " + name.encode() + b" ESMTP mxq hostile test server\r\n"


def _run_scenario(scenario, c, ctx):
    name = hostile_name(scenario).rstrip(".")
    if scenario == "refuse":
        c.send(REFUSE_GREETING)
        while True:
            line = c.readline()
            c.rec("command", line=line)
            if line.strip().upper() == b"QUIT":
                c.rec("quit")
                c.send(REFUSE_QUIT)
                return
            c.send(REFUSE_OTHER)
    elif scenario == "multiline":
        c.send(MULTILINE_GREETING)
        _dialogue(c, name, ctx)
    elif scenario == "longline":
        c.send(LONGLINE_GREETING)
        c.hold()
    elif scenario == "stall":
        c.send(STALL_GREETING)
        c.hold()
    elif scenario == "close":
        return
    elif scenario == "reset":
        c.reset()
    elif scenario == "silent":
        c.hold()
    elif scenario in ("tlsclose", "tlsgarbage", "tlsstall"):
        c.send(_greeting(name))
        _dialogue(c, name, ctx, starttls=scenario[3:])
    elif scenario == "control":
        c.send(CONTROL_GREETING)
        _dialogue(c, name, ctx, ext=CONTROL_EHLO[1:], first=CONTROL_EHLO[0])
    elif scenario == "manyext":
        c.send(_greeting(name))
        _dialogue(c, name, ctx, ext=[b"X-EXT-%05d" % i
                                     for i in range(MANYEXT_COUNT)])
    elif scenario == "nostarttls":
        c.send(_greeting(name))
        _dialogue(c, name, ctx, starttls=None)
    elif scenario == "tls454":
        c.send(_greeting(name))
        _dialogue(c, name, ctx, starttls="454")
    elif scenario == "slowloris":
        for b in itertools.cycle(SLOWLORIS_LINE):
            c.send(bytes([b]))
            c.pause(SLOWLORIS_INTERVAL)
    else:
        raise SmtpdError("unknown scenario %s" % scenario)


class Hostile:
    """The scripted misbehaving server: one listening socket per scenario
    (sockets: {scenario: bound listening socket}), an acceptor thread, a
    thread per connection.  certfiles: the certificate of the scenarios
    that complete TLS."""

    def __init__(self, sockets, certfiles, recorder):
        self.sockets = sockets
        self.ctx = certfiles.server_context(_note_sni)
        self.recorder = recorder
        self._stop = threading.Event()
        self._threads = []
        self._conns = set()
        self._lock = threading.Lock()
        self._acceptor = None
        self._wake_r, self._wake_w = socket.socketpair()

    def start(self):
        self._acceptor = threading.Thread(target=self._accept_loop,
                                          name="smtpd-hostile", daemon=True)
        self._acceptor.start()
        return self

    def _accept_loop(self):
        sel = selectors.DefaultSelector()
        for scenario, s in self.sockets.items():
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, scenario)
        sel.register(self._wake_r, selectors.EVENT_READ, None)
        try:
            while not self._stop.is_set():
                for key, _ in sel.select():
                    if key.data is None:
                        return
                    try:
                        conn, peer = key.fileobj.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        continue
                    conn.setblocking(True)
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    t = threading.Thread(
                        target=self._serve, args=(key.data, conn, peer),
                        name="smtpd-hostile-" + key.data, daemon=True)
                    with self._lock:
                        self._threads = [x for x in self._threads
                                         if x.is_alive()]
                        self._threads.append(t)
                        self._conns.add(conn)
                    t.start()
        finally:
            sel.close()

    def _serve(self, scenario, sock, peer):
        server = "hostile:" + scenario
        address = HOSTILE[scenario][0]
        conn = self.recorder.next_conn()

        def rec(kind, **data):
            self.recorder.add(server, address, peer, conn, kind, **data)
        rec("connect")
        c = _Conn(sock, self._stop, rec)
        try:
            _run_scenario(scenario, c, self.ctx)
        except _Gone:
            pass
        except Exception as e:      # noqa: BLE001
            rec("error", error=repr(e))
        finally:
            rec("close", received=c.received)
            with self._lock:
                self._conns.discard(sock)
            try:
                if c.sock is not sock:
                    c.sock.close()
                sock.close()
            except OSError:
                pass

    def stop(self):
        self._stop.set()
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        if self._acceptor is not None:
            self._acceptor.join(5)
            self._acceptor = None
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join(5)
        for s in list(self.sockets.values()) + [self._wake_r, self._wake_w]:
            s.close()
        with self._lock:
            for s in self._conns:
                s.close()
            self._conns.clear()


# ---------------------------------------------------------------------------
# HTTPS servers for MTA-STS policies.

HttpsRequest = collections.namedtuple(
    "HttpsRequest", "time address peer sni host method path status")
HttpsRequest.__doc__ = """One request an MTA-STS server saw (or a TLS
handshake that failed: method None, status None, path the error)."""


class _StsHandler(http.server.BaseHTTPRequestHandler):
    server_version = "mxq-test-sts/1"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def setup(self):
        self.request.settimeout(5)
        try:
            self.request = self.server.ssl_context.wrap_socket(
                self.request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.server.record(self.client_address, None, None, None,
                               "tls: %s" % e, None)
            raise
        super().setup()

    def log_message(self, *args):
        pass

    def _policy_for(self):
        host = (self.headers.get("Host") or "").strip().lower()
        host = re.sub(r":\d+$", "", host).rstrip(".")
        sni = getattr(self.request, "mxq_sni", None)
        if not host and sni:
            host = sni.lower()
        return host, sni, self.server.policies.get(host)

    def do_HEAD(self):
        self.do_GET(head=True)

    def do_GET(self, head=False):
        host, sni, spec = self._policy_for()
        if self.path != STS_PATH or spec is None:
            status, body, ctype, extra = 404, b"not found\n", _CT, {}
        elif spec.get("stall"):
            self.server.record(self.client_address, sni, host,
                               self.command, self.path, None)
            self._stall()
            self.close_connection = True
            return
        else:
            status = spec["status"]
            body = spec["body"]
            body = body.encode() if isinstance(body, str) else body
            ctype = spec["ctype"]
            extra = {}
            if spec.get("location"):
                extra["Location"] = spec["location"].format(
                    port=self.server.server_address[1])
        self.server.record(self.client_address, sni, host, self.command,
                           self.path, status)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            try:
                self.wfile.write(body)
            except OSError:
                pass
        self.close_connection = True

    def _stall(self):
        """Answer nothing until the client closes or the server stops."""
        self.request.settimeout(0.1)
        while not self.server.stopping.is_set():
            try:
                if not self.request.recv(4096):
                    return
            except (socket.timeout, ssl.SSLWantReadError):
                continue
            except OSError:
                return


class _StsServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, sock, certfiles, policies, requests, lock, stopping):
        super().__init__(sock.getsockname()[:2], _StsHandler,
                         bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.server_address = sock.getsockname()[:2]
        self.ssl_context = certfiles.server_context(_note_sni)
        self.policies = policies
        self.requests = requests
        self.lock = lock
        self.stopping = stopping

    def record(self, peer, sni, host, method, path, status):
        with self.lock:
            self.requests.append(HttpsRequest(
                time.monotonic(), self.server_address[0], peer, sni, host,
                method, path, status))

    def handle_error(self, request, client_address):
        pass        # a client that fails the handshake is a normal case


class StsHttps:
    """The MTA-STS HTTPS servers: sockets {address: listening socket},
    pki (TestPKI).  Every server answers every policy host of STS (by the
    Host header, else the SNI); the address decides the certificate
    (HTTPS_SERVERS)."""

    def __init__(self, sockets, pki):
        self.sockets = sockets
        self.pki = pki
        self.requests = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.servers = []
        self._threads = []
        self.policies = {sts_host(d): spec for d, spec in STS.items()
                         if spec["host"] is not None}

    def start(self):
        for address, sock in self.sockets.items():
            srv = _StsServer(sock, self.pki.certs[HTTPS_SERVERS[address]],
                             self.policies, self.requests, self.lock,
                             self.stopping)
            t = threading.Thread(target=srv.serve_forever,
                                 kwargs={"poll_interval": 0.05},
                                 name="smtpd-https-" + address, daemon=True)
            self.servers.append(srv)
            self._threads.append(t)
            t.start()
        return self

    def stop(self):
        self.stopping.set()
        for srv in self.servers:
            srv.shutdown()
            srv.server_close()
        for t in self._threads:
            t.join(5)
        self.servers = []
        self._threads = []
        for s in self.sockets.values():
            s.close()


# ---------------------------------------------------------------------------
# Other clients for comparison: posttls-finger (Postfix) and openssl.

POSTTLS_FINGER = "/usr/sbin/posttls-finger"

ToolResult = collections.namedtuple(
    "ToolResult", "rc output protocol cipher verified trust argv")
ToolResult.__doc__ = """What a TLS client tool saw: rc, output (stdout and
stderr), protocol ("TLSv1.3"), cipher ("TLS_AES_256_GCM_SHA384"), verified
(bool: the tool says the certificate verified), trust (its own word:
"Verified", "Trusted", "Untrusted", ... for posttls-finger; openssl's
"Verification:" text), argv."""

_PTF_RE = re.compile(r"(Verified|Trusted|Untrusted|Anonymous) TLS "
                     r"connection established to \S+: (\S+) with cipher "
                     r"(\S+)")


def have_posttls_finger():
    return os.access(POSTTLS_FINGER, os.X_OK)


def posttls_finger(address, port, match_name, cafile, level="secure",
                   timeout=20, extra=()):
    """Run posttls-finger against [address]:port with the CA file and
    the name to match; Postfix's own configuration is not read (an empty
    main.cf in a temporary directory) and DNS is not used (destination in
    brackets, smtp_dns_support_level=disabled, host lookup native)."""
    tmp = tempfile.mkdtemp(prefix="mxq-ptf-")
    try:
        cf = os.path.join(tmp, "main.cf")
        open(cf, "w").close()
        # Postfix waits (up to ~2 s) for a main.cf changed this second.
        old = time.time() - 3600
        os.utime(cf, (old, old))
        dest = ("[ipv6:%s]:%d" if ":" in address else "[%s]:%d") % (
            address, port)
        argv = [POSTTLS_FINGER, "-c", "-h", "native", "-l", level,
                "-F", cafile, "-o", "smtp_dns_support_level=disabled",
                "-o", "smtp_address_preference=any", *extra]
        if match_name:
            argv += ["-o", "smtp_tls_servername=" + match_name]
        argv.append(dest)
        if match_name:
            argv.append(match_name)
        env = dict(os.environ, MAIL_CONFIG=tmp)
        p = subprocess.run(argv, capture_output=True, text=True,
                           timeout=timeout, env=env,
                           stdin=subprocess.DEVNULL)
        out = p.stdout + p.stderr
        m = _PTF_RE.search(out)
        return ToolResult(p.returncode, out, m and m.group(2),
                          m and m.group(3),
                          bool(m and m.group(1) == "Verified"),
                          m and m.group(1), argv)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def s_client(address, port, name, cafile, tlsa=(), timeout=20,
             starttls="smtp"):
    """openssl s_client -starttls smtp -brief against address:port with
    SNI name, the CA file, host name check for name, and DANE TLSA records
    (["3 1 1 hex", ...]) when given."""
    host = "[%s]" % address if ":" in address else address
    argv = ["openssl", "s_client", "-brief", "-connect",
            "%s:%d" % (host, port), "-servername", name,
            "-CAfile", cafile, "-verify_hostname", name,
            "-name", "client.mxq.test"]
    if starttls:
        argv[2:2] = ["-starttls", starttls]
    if tlsa:
        argv += ["-dane_tlsa_domain", name]
        for t in tlsa:
            argv += ["-dane_tlsa_rrdata", t]
    p = subprocess.run(argv, capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    out = p.stdout + p.stderr
    proto = re.search(r"^Protocol version: (\S+)", out, re.M)
    cipher = re.search(r"^Ciphersuite: (\S+)", out, re.M)
    verif = re.search(r"^Verification(?: error)?: (.*)$", out, re.M)
    trust = verif.group(1).strip() if verif else None
    return ToolResult(p.returncode, out, proto and proto.group(1),
                      cipher and cipher.group(1), trust == "OK", trust, argv)


# ---------------------------------------------------------------------------
# Everything together.

def _smtp_addresses():
    addrs = []
    for addresses, _, _ in GOOD_SERVERS.values():
        addrs += addresses
    addrs += [a for a, _ in HOSTILE.values()]
    return addrs


class SmtpTestbed:
    """The whole SMTP-probe test set-up on loopback.

    Attributes after start():
      port            the SMTP port of every server (mxq --smtp-port)
      https_port      the port of every MTA-STS HTTPS server (--https-port)
      cafile          the test CA, PEM (mxq --cafile)
      other_cafile    a CA that signed nothing (every check fails with it)
      capath          hashed directory with the test CA (openssl -CApath,
                      posttls-finger -P)
      pki             TestPKI: .certs[name] -> CertFiles (.cert_path,
                      .key_path, .chain_path, .names, .spki_sha256,
                      .tlsa(usage, selector, mtype))
      tmpdir          the temporary directory (certificates, keys, log)
      smtp_addresses  every address an SMTP server listens on
      https_addresses the HTTPS servers' addresses
      resolver        diag.Resolver with smtpzones/ (None with dns=False):
                      .address 127.0.0.1, .address6 ::1, .port, .ask(),
                      .flush(), .zones, .trust_anchors
      dns_address, dns_port   the resolver's 127.0.0.1 and port
      mxq_options     ["--smtp", "--smtp-port", port, "--https-port",
                      https_port, "--cafile", cafile] (strings)
      slow_delays     the greeting delays of slow1..slow3
      startup_seconds
    Methods: events(since=0, server=None, kind=None), mark() (an index for
    events(since=)), https_requests(since=0), https_mark(),
    server_for(address) (server name at an address), describe().
    """

    def __init__(self, dns=True, slow_delays=SLOW_DELAYS, keep_tmpdir=False,
                 timeout=15.0):
        self.dns = dns
        self.slow_delays = tuple(slow_delays)
        self.keep_tmpdir = keep_tmpdir or _keep()
        self.timeout = timeout
        self.port = None
        self.https_port = None
        self.tmpdir = None
        self.pki = None
        self.cafile = self.other_cafile = self.capath = None
        self.resolver = None
        self.dns_address = self.dns_port = None
        self.smtpd = None
        self.hostile = None
        self.https = None
        self.recorder = _Recorder()
        self.smtp_addresses = _smtp_addresses()
        self.https_addresses = list(HTTPS_SERVERS)
        self.startup_seconds = None
        self._log_handler = None

    @property
    def mxq_options(self):
        return ["--smtp", "--smtp-port", str(self.port),
                "--https-port", str(self.https_port),
                "--cafile", self.cafile]

    @property
    def pids(self):
        return list(self.resolver.pids) if self.resolver else []

    def _servers(self):
        out = {}
        for i, (name, (addrs, cert, delay)) in enumerate(
                GOOD_SERVERS.items()):
            if name.startswith("slow"):
                delay = self.slow_delays[int(name[-1]) - 1]
            out[name] = (addrs, self.pki.certs[cert] if cert else None,
                         delay)
        return out

    def _bind_all(self):
        from knot import free_port
        need = self.smtp_addresses + [ADDR["refused"]]
        for attempt in range(5):
            self.port = free_port(need)
            self.https_port = free_port(self.https_addresses)
            socks = []
            try:
                good, hostile, https = {}, {}, {}
                for name, (addrs, _, _) in GOOD_SERVERS.items():
                    for a in addrs:
                        good[(name, a)] = _listen(a, self.port)
                        socks.append(good[(name, a)])
                for scenario, (a, _) in HOSTILE.items():
                    hostile[scenario] = _listen(a, self.port)
                    socks.append(hostile[scenario])
                for a in self.https_addresses:
                    https[a] = _listen(a, self.https_port)
                    socks.append(https[a])
                return good, hostile, https
            except OSError as e:
                for s in socks:
                    s.close()
                if e.errno != errno.EADDRINUSE or attempt == 4:
                    raise
        raise SmtpdError("no free ports")

    def start(self):
        t0 = time.monotonic()
        try:
            self.tmpdir = tempfile.mkdtemp(prefix="mxq-smtp-")
            self.pki = TestPKI(os.path.join(self.tmpdir, "pki")).make()
            self.cafile = self.pki.cafile
            self.other_cafile = self.pki.other_cafile
            self.capath = self.pki.capath
            log = logging.getLogger("mail.log")
            self._log_handler = logging.FileHandler(
                os.path.join(self.tmpdir, "aiosmtpd.log"))
            log.addHandler(self._log_handler)
            log.propagate = False
            good, hostile, https = self._bind_all()
            self.smtpd = Smtpd(self._servers(), good, self.recorder).start()
            self.hostile = Hostile(hostile, self.pki.certs["hostile"],
                                   self.recorder).start()
            self.https = StsHttps(https, self.pki).start()
            if self.dns:
                from diag import Resolver
                self.resolver = Resolver(
                    timeout=self.timeout, keep_tmpdir=self.keep_tmpdir,
                    extra_zone_dirs=[SMTP_ZONES_DIR],
                    extra_signed_zones=SIGNED_SMTP_ZONES).start()
                self.dns_address = self.resolver.address
                self.dns_port = self.resolver.port
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - t0
        return self

    def stop(self):
        for part in ("resolver", "https", "hostile", "smtpd"):
            obj = getattr(self, part)
            if obj is not None:
                try:
                    obj.stop()
                finally:
                    setattr(self, part, None)
        if self._log_handler is not None:
            log = logging.getLogger("mail.log")
            log.removeHandler(self._log_handler)
            self._log_handler.close()
            self._log_handler = None
        if self.tmpdir is not None and not self.keep_tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- what the servers saw ---------------------------------------------

    def mark(self):
        return self.recorder.mark()

    def events(self, since=0, server=None, kind=None):
        return [e for e in self.recorder.events(since)
                if (server is None or e.server == server)
                and (kind is None or e.kind == kind)]

    def https_mark(self):
        with self.https.lock:
            return len(self.https.requests)

    def https_requests(self, since=0):
        with self.https.lock:
            return list(self.https.requests[since:])

    def server_for(self, address):
        for name, (addrs, _, _) in GOOD_SERVERS.items():
            if address in addrs:
                return name
        for scenario, (a, _) in HOSTILE.items():
            if a == address:
                return "hostile:" + scenario
        return None

    def mxq_command(self, domain, mxq="./mxq"):
        return [mxq, "@%s" % self.dns_address, "-p", str(self.dns_port)] + \
            self.mxq_options + [domain]

    def describe(self):
        lines = ["SMTP port %d (on every SMTP address), HTTPS port %d"
                 % (self.port, self.https_port),
                 "CA file: %s   (other CA: %s)" % (self.cafile,
                                                   self.other_cafile),
                 "temporary directory: %s" % self.tmpdir, "",
                 "well-behaved SMTP servers (aiosmtpd):"]
        for name, (addrs, cert, delay) in self._servers().items():
            lines.append("  %-11s %-22s %s%s" % (
                name, " ".join(addrs),
                "STARTTLS cert %s" % cert.name if cert else "no STARTTLS",
                ", greeting after %.1f s" % delay if delay else ""))
        lines.append("  %-11s %-22s nothing listens (refused)"
                     % ("refused", ADDR["refused"]))
        lines += ["", "hostile SMTP scenarios:"]
        for s, (a, what) in HOSTILE.items():
            lines.append("  %-11s %-11s %s" % (s, a, what))
        lines += ["", "MTA-STS HTTPS servers:"]
        for a, c in HTTPS_SERVERS.items():
            lines.append("  %-11s certificate %s (%s)" % (
                a, c, ", ".join(self.pki.certs[c].names)))
        if self.resolver:
            lines += ["", "resolver: unbound on %s port %d (knotd port %d); "
                      "zones %s" % (", ".join(self.resolver.addresses),
                                    self.dns_port, self.resolver.knot_port,
                                    ", ".join(SMTP_ZONES)),
                      "", "try:  " + " ".join(self.mxq_command("smtp.test"))]
        return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="smtpd.py",
        description="Start mxq's SMTP-probe test servers on loopback, "
                    "print what runs where, serve until ^C.")
    p.add_argument("--no-dns", action="store_true",
                   help="no resolver (knotd + unbound)")
    p.add_argument("--keep", action="store_true",
                   help="keep the temporary directories")
    args = p.parse_args(argv)
    done = []
    signal.signal(signal.SIGTERM, lambda *a: done.append(1))
    with SmtpTestbed(dns=not args.no_dns, keep_tmpdir=args.keep) as bed:
        print(bed.describe(), "\n\nstarted in %.2f s; ^C to stop"
              % bed.startup_seconds, flush=True)
        try:
            while not done:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
