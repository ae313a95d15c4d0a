"""Bad command-line input: a clear one-line error, a documented exit status,
no crash, nothing raw echoed back.

Every rejected input must give exactly one line on stderr that starts with
"mxq: " (a usage error may add the line "Try 'mxq --help' for more
information."), nothing on stdout, the exit status of mxq(1) (2: usage
error or invalid domain name), no signal, and no raw control byte, C1 or
bidi control, or invalid UTF-8 in anything mxq writes: bytes from the
argument are echoed escaped (\\x1b).  Inputs that DNS allows (hyphens at
either end of a label, a '%' in a label, the mail domain of an e-mail
address) are sent as typed and answered by knotd.
"""

import os
import re
import time

import pytest

TRY = "Try 'mxq --help' for more information."
FAST = 2.0              # seconds: nothing here waits for the network

# Anything < 0x20 except newline, DEL, C1 controls, bidi controls.
_BAD = re.compile("[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f"
                  "\u200e\u200f\u202a-\u202e\u2066-\u2069]")

ARG_MAX_STRLEN = 128 * 1024     # Linux MAX_ARG_STRLEN, NUL included


def raw(b):
    """An argument made of arbitrary bytes (passed through as they are)."""
    return os.fsdecode(b)


def label(n, c="a"):
    return c * n


# A 254-character name (the limit is 253 without the root dot).
NAME_254 = ".".join([label(63)] * 3 + [label(62)])
# 253 characters under mxq.test. (knotd answers NXDOMAIN)
NAME_253 = ".".join([label(63)] * 3 + [label(52)]) + ".mxq.test"
assert len(NAME_254) == 254 and len(NAME_253) == 253


def timed(run, *args, **kw):
    t0 = time.monotonic()
    r = run(*args, **kw)
    return r, time.monotonic() - t0


def hygiene(r):
    problems = []
    if r.rc < 0:
        problems.append("killed by signal %d" % -r.rc)
    for stream, text in (("stdout", r.out), ("stderr", r.err)):
        bad = sorted({"U+%04X" % ord(c) for c in _BAD.findall(text)})
        if bad:
            problems.append("%s holds raw %s" % (stream, bad))
    return problems


def check_error(r, took, rc, must=(), must_not=(), max_err=1024):
    """One clear line on stderr; `must` items are strings or tuples of
    alternatives, matched in the first line."""
    problems = hygiene(r)
    if r.rc != rc:
        problems.append("exit %d, expected %d" % (r.rc, rc))
    if r.out:
        problems.append("stdout is not empty")
    lines = r.err.splitlines()
    if not lines:
        problems.append("nothing on stderr")
    else:
        if not lines[0].startswith("mxq: "):
            problems.append("stderr does not start with 'mxq: '")
        extra = lines[1:]
        if rc == 2 and extra == [TRY]:
            extra = []
        if extra:
            problems.append("more than one line of error: %r" % lines)
        for m in must:
            alts = m if isinstance(m, tuple) else (m,)
            if not any(a in lines[0] for a in alts):
                problems.append("the error does not say %s" % " or ".join(
                    repr(a) for a in alts))
        for m in must_not:
            if m in lines[0]:
                problems.append("the error says %r" % m)
    if len(r.errb) > max_err:
        problems.append("stderr is %d bytes: the echo is not bounded" % len(r.errb))
    if took > FAST:
        problems.append("took %.2f s" % took)
    assert not problems, "; ".join(problems) + "\n%s" % r


# ---------------------------------------------------------------- domain names
#   (id, argument, words the one-line error must hold)
BAD_NAMES = [
    ("empty", "", ["''"]),
    ("dot", ".", ["'.'"]),
    ("dotdot", "..", ["'..'"]),
    ("dots", "...", ["'...'"]),
    ("label-64", label(64) + ".mxq.test", [("63", "label")]),
    ("name-254", NAME_254, [("253", "255", "long")]),
    ("space", "a b.mxq.test", ["'a b.mxq.test'"]),
    ("tab", "a\tb.mxq.test", [("\\x09", "\\t", "\\009")]),
    ("esc", "a\x1b[31mred.mxq.test", ["\\x1b[31mred"]),
    ("newline", "a\nb.mxq.test", [("\\x0a", "\\n", "\\010")]),
    ("del", "a\x7fb.mxq.test", [("\\x7f", "\\127")]),
    ("invalid-utf8", raw(b"x\xff\xfe.mxq.test"), ["\\xff\\xfe"]),
    ("overlong-utf8", raw(b"x\xc0\xaf.mxq.test"), ["\\xc0\\xaf"]),
    ("c1-control", "\u009bcsi.mxq.test", ["\\xc2\\x9b"]),
    ("bidi-override", "\u202ertlo.mxq.test", ["\\xe2\\x80\\xae"]),
    ("ipv4", "192.0.2.1", ["IP address"]),
    ("ipv4-dot", "192.0.2.1.", ["IP address"]),
    ("ipv6", "2001:db8::1", ["IP address"]),
    ("ipv6-brackets", "[2001:db8::1]", ["IP address"]),
    ("url", "https://cisco.com/", ["URL"]),
    ("url-http", "http://cisco.com", ["URL"]),
    ("two-ats", "a@b@cisco.com", ["'a@b@cisco.com'"]),
    ("email-no-domain", "postmaster@", ["'postmaster@'"]),
    ("bad-escape", "a\\99.mxq.test", [("escape", "\\DDD")]),
]


@pytest.mark.parametrize("arg,must", [c[1:] for c in BAD_NAMES],
                         ids=[c[0] for c in BAD_NAMES])
def test_invalid_domain_name(run, arg, must):
    r, took = timed(run, arg)
    check_error(r, took, 2, must=must + [("invalid domain name", "not a domain name")])


@pytest.mark.parametrize("mode", ["-j", "-s"])
def test_invalid_domain_name_in_other_modes(run, mode):
    """stderr says it in every mode; --json also has an "invalid" object."""
    r, took = timed(run, mode, "a\x1b]0;title\x07.mxq.test")
    assert r.rc == 2, r
    assert not hygiene(r), (hygiene(r), r)
    lines = r.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("mxq: "), r
    assert "\\x1b]0;title\\x07" in lines[0], r
    if mode == "-j":
        (o,) = r.json()
        assert o["verdict"] == "invalid" and o["status"] == "invalid", r
        assert o["query"] is None and o["exchanges"] == [], r
        assert "\x1b" not in o["domain"] and "\x07" not in o["domain"], r
    else:
        assert r.out == "", r


@pytest.mark.parametrize("arg", [
    "a" * (ARG_MAX_STRLEN - 1),                          # one label
    ("a." * (ARG_MAX_STRLEN // 2))[:ARG_MAX_STRLEN - 2] + "b",  # 65536 labels
    "\x1b" * (ARG_MAX_STRLEN - 1),                       # all control bytes
    raw(b"\xff" * (ARG_MAX_STRLEN - 1)),                 # all invalid UTF-8
], ids=["one-label", "many-labels", "control-bytes", "invalid-utf8"])
def test_argument_of_128_kib(run, arg):
    """The longest argument Linux passes (128 KiB with its NUL): an error
    at once, with a bounded echo."""
    r, took = timed(run, arg, timeout=10)
    check_error(r, took, 2, must=["invalid domain name"], max_err=2048)


def test_line_of_128_kib_in_a_file(run, tmp_path):
    p = tmp_path / "long.txt"
    p.write_bytes(b"a" * (128 * 1024) + b"\ncisco.com\n")
    r, took = timed(run, "-j", "-f", str(p))
    assert r.rc == 2, r
    assert not hygiene(r), (hygiene(r), r)
    lines = r.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("mxq: line 1: "), r
    assert len(r.errb) < 2048, r
    assert [(o["line"], o["verdict"]) for o in r.json()] == [
        (1, "invalid"), (2, "mx")], r
    assert took < FAST, took


# ---------------------------------------------------------------- sent as typed

HYPHENS = [
    ("leading-first-label", ["-abc.mxq.test"], "-abc.mxq.test."),
    ("leading-after-dashdash", ["--", "-abc.mxq.test"], "-abc.mxq.test."),
    ("trailing", ["abc-.mxq.test"], "abc-.mxq.test."),
    ("both-inner-label", ["x.-abc-.mxq.test"], "x.-abc-.mxq.test."),
]


@pytest.mark.parametrize("args,query", [c[1:] for c in HYPHENS],
                         ids=[c[0] for c in HYPHENS])
def test_hyphen_labels_are_sent_as_typed(run, args, query):
    """DNS allows a label to start or end with '-': send it, knotd says
    NXDOMAIN (exit 1).  It is no usage error."""
    r, took = timed(run, "-j", *args)
    assert not hygiene(r), (hygiene(r), r)
    assert r.rc == 1, r
    (o,) = r.json()
    assert o["query"] == query, r
    assert o["verdict"] == "nxdomain" and o["rcode"] == "NXDOMAIN", r
    assert r.err == "", r


def test_format_strings_in_a_name_are_sent_as_typed(run):
    r, _ = timed(run, "%s%n%x.mxq.test")
    assert r.rc == 1, r
    assert not hygiene(r), (hygiene(r), r)
    assert r.out.startswith("%s%n%x.mxq.test.  "), r
    assert "NXDOMAIN" in r.out.splitlines()[0], r
    r, _ = timed(run, "-s", "%s%n%x.mxq.test")
    assert r.rc == 1 and r.out == "", r
    assert r.err.splitlines() == [r.err.rstrip("\n")], r
    assert r.err.startswith("mxq: %s%n%x.mxq.test.: "), r


@pytest.mark.parametrize("name,query,rc", [
    (label(63) + ".mxq.test", label(63) + ".mxq.test.", 1),
    (NAME_253, NAME_253 + ".", 1),
    (NAME_253 + ".", NAME_253 + ".", 1),
    ("postmaster@cisco.com", "cisco.com.", 0),
    ("Postmaster@CISCO.com.", "CISCO.com.", 0),
], ids=["label-63", "name-253", "name-253-rooted", "email", "email-case"])
def test_limits_and_email_are_accepted(run, name, query, rc):
    r, _ = timed(run, "-j", name)
    assert not hygiene(r), (hygiene(r), r)
    assert r.rc == rc, r
    (o,) = r.json()
    assert o["domain"] == name and o["query"] == query, r
    if rc == 0:
        assert o["verdict"] == "mx", r
        # knotd answers in the case of the question (compression)
        assert [e["exchange"].lower() for e in o["exchanges"]] == [
            "alln-mx-01.cisco.com.", "rcdn-mx-01.cisco.com.",
            "aer-mx-01.cisco.com."], r
    else:
        assert o["verdict"] == "nxdomain", r


def test_email_in_text_mode(run):
    r, _ = timed(run, "postmaster@cisco.com")
    assert r.rc == 0, r
    assert r.out.startswith("cisco.com.  3 exchanges"), r
    assert r.err == "", r


# ---------------------------------------------------------------- options
#   (id, argv without a server, words the error must hold, words it must not)
USAGE = [
    ("unknown-long", ["--bogus", "cisco.com"], ["--bogus"], []),
    ("unknown-short", ["-Z", "cisco.com"], ["-Z"], []),
    ("unknown-ctrl", ["--\x1b[2J", "cisco.com"], ["\\x1b[2J"], []),
    ("value-to-flag", ["--json=yes", "cisco.com"], ["--json"],
     ["needs a value"]),
    ("missing-p", ["cisco.com", "-p"], [("-p", "--port"), "value"], []),
    ("missing-port", ["cisco.com", "--port"], [("-p", "--port"), "value"], []),
    ("missing-t", ["cisco.com", "-t"], [("-t", "--timeout"), "value"], []),
    ("missing-timeout", ["cisco.com", "--timeout"],
     [("-t", "--timeout"), "value"], []),
    ("missing-server", ["cisco.com", "--server"], ["--server", "value"], []),
    ("missing-tries", ["cisco.com", "--tries"], ["--tries", "value"], []),
    ("missing-concurrency", ["cisco.com", "--concurrency"],
     ["--concurrency", "value"], []),
    ("missing-f", ["-f"], [("-f", "--file"), "value"], []),
    ("missing-file", ["--file"], [("-f", "--file"), "value"], []),
    ("port-0", ["@127.0.0.1", "-p", "0", "cisco.com"], ["port", "'0'"], []),
    ("port-65536", ["@127.0.0.1", "-p", "65536", "cisco.com"],
     ["port", "65536"], []),
    ("port-abc", ["@127.0.0.1", "-p", "abc", "cisco.com"], ["port", "abc"], []),
    ("port-negative", ["@127.0.0.1", "-p", "-1", "cisco.com"], ["port"], []),
    ("port-long-65536", ["@127.0.0.1", "--port=65536", "cisco.com"],
     ["port", "65536"], []),
    ("server-port-0", ["@127.0.0.1:0", "cisco.com"], ["port", "127.0.0.1:0"], []),
    ("server-port-65536", ["@127.0.0.1:65536", "cisco.com"],
     ["port", "127.0.0.1:65536"], []),
    ("server-port-abc", ["@127.0.0.1:abc", "cisco.com"],
     ["port", "127.0.0.1:abc"], []),
    ("server-v6-port-0", ["@[::1]:0", "cisco.com"], ["port", "[::1]:0"], []),
    ("server-v6-port-65536", ["@[::1]:65536", "cisco.com"],
     ["port", "[::1]:65536"], []),
    ("server-opt-port-abc", ["--server", "127.0.0.1:abc", "cisco.com"],
     ["port", "127.0.0.1:abc"], []),
    # Host names are looked up (test_real_conditions.py); a dotted number
    # is no host name, and getaddrinfo must not make 127.0.0.1 of it.
    ("server-short-ipv4", ["@127.1", "cisco.com"], ["127.1", "address"], []),
    ("server-opt-short-ipv4", ["--server", "1.2.3", "cisco.com"],
     ["1.2.3", "address"], []),
    ("server-unclosed-v6", ["@[::1", "cisco.com"], ["[::1"], []),
    ("server-empty", ["@", "cisco.com"], ["server"], []),
    ("server-ctrl", ["@\x1b[2J", "cisco.com"], ["\\x1b[2J"], []),
    ("tries-0", ["--tries", "0", "cisco.com"], ["tries", "'0'"], []),
    ("tries-negative", ["--tries=-1", "cisco.com"], ["tries"], []),
    ("timeout-0", ["--timeout", "0", "cisco.com"], ["timeout", "'0'"], []),
    ("timeout-t-0", ["-t", "0", "cisco.com"], ["timeout"], []),
    ("timeout-abc", ["-t", "abc", "cisco.com"], ["timeout", "abc"], []),
    ("timeout-negative", ["-t", "-1", "cisco.com"], ["timeout"], []),
    ("family-4-6", ["-4", "-6", "cisco.com"], ["-4", "-6"], []),
    ("family-6-4", ["-6", "-4", "cisco.com"], ["-4", "-6"], []),
    ("family-46", ["-46", "cisco.com"], ["-4", "-6"], []),
    ("format-port", ["-p", "%s%n%x", "cisco.com"], ["'%s%n%x'"], []),
    ("format-server", ["--server", "%s%n%x", "cisco.com"], ["'%s%n%x'"], []),
    ("format-timeout", ["-t", "%n%n%n%n", "cisco.com"], ["'%n%n%n%n'"], []),
    ("format-option", ["--%s%n%x", "cisco.com"], ["%s%n%x"], []),
    ("format-color", ["--color=%s%n", "cisco.com"], ["'%s%n'"], []),
    ("port-invalid-utf8", ["-p", raw(b"\xff\xfe"), "cisco.com"], ["\\xff\\xfe"], []),
    ("file-and-args", ["-f", "/dev/null", "cisco.com"], ["-f"], []),
]


@pytest.mark.parametrize("args,must,must_not", [c[1:] for c in USAGE],
                         ids=[c[0] for c in USAGE])
def test_usage_error(run, args, must, must_not):
    r, took = timed(run, *args, server=False)
    check_error(r, took, 2, must=must, must_not=must_not)


def test_missing_file(run, tmp_path):
    path = str(tmp_path / "no-such-file.txt")
    r, took = timed(run, "-f", path)
    check_error(r, took, 2, must=[path, "No such file"])


def test_missing_file_with_a_hostile_name(run, tmp_path):
    path = str(tmp_path / "x\x1b[2Jy")
    r, took = timed(run, "-f", path)
    check_error(r, took, 2, must=["x\\x1b[2Jy"])


MIXED = [
    (b"cisco.com", "mx"),
    (b"bad domain", "invalid"),
    (b"", None),
    (b"# a comment", None),
    (b"  hp.com  ", "mx"),
    (b"192.0.2.1", "invalid"),
    (b"a\x1b[31mred.mxq.test", "invalid"),
    (b"\xff\xfe.mxq.test", "invalid"),
    (b"postmaster@cisco.com", "mx"),
    (b"-abc.mxq.test", "nxdomain"),
    (b"https://cisco.com/", "invalid"),
]


def _mixed_file(tmp_path):
    p = tmp_path / "mixed.txt"
    p.write_bytes(b"".join(line + b"\n" for line, _ in MIXED))
    return str(p)


def test_file_mixing_good_and_bad_lines_json(run, tmp_path):
    """Each bad line is reported with its line number; the rest runs."""
    r, took = timed(run, "-j", "-f", _mixed_file(tmp_path))
    assert not hygiene(r), (hygiene(r), r)
    assert r.rc == 2, r          # the most serious: an invalid name (2 > 1 > 0)
    want = [(n, v) for n, (_, v) in enumerate(MIXED, 1) if v is not None]
    assert [(o["line"], o["verdict"]) for o in r.json()] == want, r
    bad = [n for n, v in want if v == "invalid"]
    lines = r.err.splitlines()
    assert len(lines) == len(bad), r
    for n, line in zip(bad, lines):
        assert line.startswith("mxq: line %d: " % n), r
    assert "\\x1b[31mred" in r.err and "\\xff\\xfe" in r.err, r
    assert took < FAST, took


def test_file_mixing_good_and_bad_lines_text(run, tmp_path):
    r, took = timed(run, "-f", _mixed_file(tmp_path))
    assert not hygiene(r), (hygiene(r), r)
    assert r.rc == 2, r
    headers = [l.split("  ")[0] for l in r.out.splitlines()
               if l and not l.startswith(" ")]
    assert headers == ["cisco.com.", "hp.com.", "cisco.com.", "-abc.mxq.test."], r
    lines = r.err.splitlines()
    assert [l.split(":")[1].strip() for l in lines] == [
        "line 2", "line 6", "line 7", "line 8", "line 11"], r
