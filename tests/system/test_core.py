"""Behaviour of mxq against the session's knotd (tests/system/zones and
examples/zones): sorting, addresses, verdicts, exit statuses, transports,
escaping, IDN and the terminal conventions.  Exact output is pinned by
test_golden.py; these tests check meaning, whatever the layout.

Every JSON output is validated against the schema (check_json).
"""

import json
import os
import pty
import re
import select
import shutil
import subprocess
import time

import pytest

from test_interfaces import check_json

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def MODE_ID(mode):
    return " ".join(mode) or "text"


def short_rows(res):
    """--short lines as tuples of their space-separated columns."""
    return [tuple(line.split(" ")) for line in res.out.splitlines()]


def one(res):
    """The single JSON object of a one-domain run."""
    objs = check_json(res)
    assert len(objs) == 1, res
    return objs[0]


def addrs(ex):
    return [a["address"] for a in ex["addresses"]]


def text_rows(res):
    """Exchange rows of text output: lines that start with spaces and a
    preference (or '-' for the implicit MX)."""
    return [line for line in res.out.splitlines()
            if re.match(r"^ +([0-9]+|-)  \S", line)]


def assert_clean(data, what):
    """Valid UTF-8; no C0 control but newline, no DEL, no C1 control, no
    bidirectional override or isolate."""
    text = data.decode("utf-8")          # strict: raises on invalid UTF-8
    for i, ch in enumerate(text):
        o = ord(ch)
        bad = ((o < 0x20 and ch != "\n") or o == 0x7f or 0x80 <= o <= 0x9f
               or 0x202a <= o <= 0x202e or 0x2066 <= o <= 0x2069)
        assert not bad, "%s: U+%04X at %d: %r" % (what, o, i,
                                                 text[max(0, i - 30):i + 30])


# --- the blog domains -------------------------------------------------------

CISCO = [
    (10, "alln-mx-01.cisco.com.", ["192.31.196.10", "2001:4:112:c15c:10::25"]),
    (20, "rcdn-mx-01.cisco.com.", ["192.31.196.20", "2001:4:112:c15c:20::25"]),
    (30, "aer-mx-01.cisco.com.", ["192.31.196.30", "2001:4:112:c15c:30::25"]),
]


def test_cisco_sorted_with_both_families_backup_on_30(run):
    o = one(run("-j", "cisco.com"))
    assert o["verdict"] == "mx" and o["status"] == "ok"
    assert [(e["preference"], e["exchange"], addrs(e))
            for e in o["exchanges"]] == CISCO
    assert [[a["family"] for a in e["addresses"]]
            for e in o["exchanges"]] == [[4, 6]] * 3
    assert [e["backup"] for e in o["exchanges"]] == [False, False, True]

    res = run("cisco.com")
    assert res.rc == 0
    assert res.out.splitlines()[0].startswith("cisco.com.  3 exchanges")
    rows = text_rows(res)
    assert len(rows) == 3
    for row, (pref, name, addresses) in zip(rows, CISCO):
        assert row.split()[:2] == [str(pref), name]
        assert row.split()[2:4] == addresses
    assert ["[backup]" in r for r in rows] == [False, False, True]

    res = run("-s", "cisco.com")
    assert res.rc == 0
    assert short_rows(res) == [(str(p), n, a) for p, n, al in CISCO
                               for a in al]


HP_ADDRS = ["192.175.48.3", "192.175.48.26", "192.175.48.27",
            "192.175.48.140", "2001:4:112:4b::25:1", "2001:4:112:4b::25:2"]


def test_hp_one_exchange_four_a_two_aaaa_sorted(run):
    o = one(run("-j", "hp.com"))
    (e,) = o["exchanges"]
    assert (e["preference"], e["exchange"]) == (10, "smtp.hp.com.")
    assert addrs(e) == HP_ADDRS            # numeric, not text order
    assert [a["family"] for a in e["addresses"]] == [4] * 4 + [6] * 2
    assert e["backup"] is False            # one level: no backup
    res = run("hp.com")
    assert res.rc == 0
    (row,) = text_rows(res)
    assert row.split()[2:] == HP_ADDRS
    assert "[backup]" not in res.out
    assert short_rows(run("-s", "hp.com")) == [
        ("10", "smtp.hp.com.", a) for a in HP_ADDRS]


def test_apple_groups_5_5_1(run):
    o = one(run("-j", "apple.com"))
    ex = o["exchanges"]
    assert [e["preference"] for e in ex] == [10] * 5 + [20] * 5 + [100]
    for group in (ex[:5], ex[5:10]):
        names = [e["exchange"] for e in group]
        assert names == sorted(names)
    assert [e["exchange"] for e in ex[:5]] == [
        "mx-in-hfd.apple.com.", "mx-in-ma.apple.com.",
        "mx-in-rno.apple.com.", "mx-in-vib.apple.com.",
        "mx-in.g.apple.com."]
    assert ex[10]["exchange"] == "mx-in-backup.apple.com."
    assert [e["backup"] for e in ex] == [False] * 10 + [True]
    assert all(e["status"] == "ok" and e["addresses"] for e in ex)

    res = run("apple.com")
    assert res.rc == 0
    lines = res.out.splitlines()
    assert lines[0].startswith("apple.com.  11 exchanges, 3 preference levels")
    # The three groups are set apart by one empty line each.
    body = lines[1:]
    assert [len(g.splitlines()) for g in "\n".join(body).split("\n\n")] == \
        [5, 5, 1]
    assert [r.split()[0] for r in text_rows(res)] == \
        ["10"] * 5 + ["20"] * 5 + ["100"]


# --- sorting and grouping ----------------------------------------------------

def test_equal_preferences_grouped(run):
    o = one(run("-j", "equal.mxq.test"))
    assert [(e["preference"], e["exchange"], e["backup"])
            for e in o["exchanges"]] == [
        (10, "a.equal.mxq.test.", False), (10, "b.equal.mxq.test.", False),
        (10, "c.equal.mxq.test.", False), (20, "d.equal.mxq.test.", True)]
    assert addrs(o["exchanges"][0]) == ["192.31.196.11", "2001:4:112:e::11"]
    res = run("equal.mxq.test")
    assert res.rc == 0
    body = res.out.splitlines()[1:]
    assert [len(g.splitlines()) for g in "\n".join(body).split("\n\n")] == \
        [3, 1]


def test_tiebreak_by_name(run):
    o = one(run("-j", "tiebreak.mxq.test"))
    assert [e["exchange"] for e in o["exchanges"]] == [
        "aaa.tiebreak.mxq.test.", "bb.tiebreak.mxq.test.",
        "c.tiebreak.mxq.test."]


def test_numeric_sort_up_to_65535(run):
    o = one(run("-j", "numsort.mxq.test"))
    assert [(e["preference"], addrs(e)) for e in o["exchanges"]] == [
        (5, ["192.31.196.62"]), (10, ["192.31.196.63"]), (100, ["192.31.196.60"]),
        (65535, ["192.31.196.61"])]
    assert [r[0] for r in short_rows(run("-s", "numsort.mxq.test"))] == \
        ["5", "10", "100", "65535"]


# --- exchanges with and without addresses ------------------------------------

def test_v6only_exchange(run):
    res = run("-j", "v6only.mxq.test")
    (e,) = one(res)["exchanges"]
    assert addrs(e) == ["2001:4:112:6::25:1", "2001:4:112:6::25:2"]
    assert [a["family"] for a in e["addresses"]] == [6, 6]
    assert [a["ttl"] for a in e["addresses"]] == [300, 300]
    assert res.rc == 0
    assert run("v6only.mxq.test").rc == 0
    four = run("-j", "-4", "v6only.mxq.test")
    o = one(four)
    assert four.rc == 1
    assert o["verdict"] == "no-address"
    assert o["exchanges"][0]["addresses"] == []
    six = run("-6", "v6only.mxq.test")
    assert six.rc == 0 and "2001:4:112:6::25:1" in six.out


def test_exchanges_without_address_domain_still_routes(run):
    res = run("-j", "noaddr.mxq.test")
    o = one(res)
    assert res.rc == 0 and o["verdict"] == "mx"
    assert [(e["exchange"], e["status"], addrs(e)) for e in o["exchanges"]] \
        == [("txtonly.noaddr.mxq.test.", "nodata", []),
            ("absent.noaddr.mxq.test.", "nxdomain", []),
            ("ok.noaddr.mxq.test.", "ok", ["192.31.196.30"])]
    text = run("noaddr.mxq.test")
    assert text.rc == 0
    rows = text_rows(text)
    assert "NXDOMAIN" in rows[1] and "no address" in rows[0]
    assert "192.31.196.30" in rows[2]
    assert run("-s", "noaddr.mxq.test").rc == 0


def test_deadend_no_route(run):
    res = run("-j", "deadend.mxq.test")
    o = one(res)
    assert res.rc == 1
    assert (o["verdict"], o["status"]) == ("no-address", "nodata")
    assert [e["status"] for e in o["exchanges"]] == ["nodata", "nxdomain"]
    text = run("deadend.mxq.test")
    assert text.rc == 1 and "no mail route" in text.out.splitlines()[0]


# --- verdicts ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["nomail.example", "nullmx.mxq.test"])
def test_null_mx(run, name):
    res = run("-j", name)
    o = one(res)
    assert res.rc == 1
    assert (o["verdict"], o["status"]) == ("null-mx", "nodata")
    assert [(e["preference"], e["exchange"], e["status"], e["addresses"])
            for e in o["exchanges"]] == [(0, ".", "unresolved", [])]
    text = run(name)
    assert text.rc == 1
    assert "accepts no mail" in text.out
    # The A record at the name is no implicit MX: never shown.
    assert "192.52.193.80" not in text.out and "192.31.196.99" not in text.out


def test_null_mx_sends_no_address_query(run):
    res = run("-v", "--no-additional", "nomail.example", "nullmx.mxq.test")
    assert res.rc == 1
    m = re.search(r"(\d+) queries", res.err)
    assert m, res
    assert int(m.group(1)) == 2, \
        "only the two MX queries may be sent\n%s" % res


def test_null_mx_among_others_is_not_null_mx(run):
    res = run("-j", "nullmulti.mxq.test")
    o = one(res)
    assert res.rc == 0 and o["verdict"] == "mx"
    dot, mx = o["exchanges"]
    assert dot["exchange"] == "." and "null-mx-mixed" in dot["warnings"]
    assert dot["addresses"] == [] and addrs(mx) == ["192.31.196.98"]
    assert run("-j", "pref0.mxq.test").rc == 0


@pytest.mark.parametrize("name,addresses", [
    ("implicit.example", ["192.52.193.25", "2001:4:112:1a::25"]),
    ("implicit.mxq.test", ["192.31.196.25", "2001:4:112:1::25"])])
def test_implicit_mx(run, name, addresses):
    res = run("-j", name)
    o = one(res)
    assert res.rc == 0
    assert (o["verdict"], o["status"], o["ttl"]) == ("implicit-mx", "ok", None)
    (e,) = o["exchanges"]
    assert (e["preference"], e["exchange"], e["ttl"]) == (0, name + ".", None)
    assert addrs(e) == addresses
    assert [a["source"] for a in e["addresses"]] == ["answer", "answer"]
    text = run(name)
    assert text.rc == 0
    assert "implicit MX" in text.out.splitlines()[0]
    (row,) = text_rows(text)
    assert row.split()[1:] == [name + "."] + addresses


def test_nxdomain(run):
    res = run("-j", "nonexistent.mxq.test")
    o = one(res)
    assert res.rc == 1
    assert (o["verdict"], o["status"], o["rcode"]) == \
        ("nxdomain", "nxdomain", "NXDOMAIN")
    assert o["exchanges"] == []
    text = run("nonexistent.mxq.test")
    assert text.rc == 1 and "NXDOMAIN" in text.out


def test_dangling_cname_is_nxdomain_with_chain(run):
    o = one(run("-j", "dangling.mxq.test"))
    assert o["verdict"] == "nxdomain" and o["cname"] == ["gone.mxq.test."]
    assert run("dangling.mxq.test").rc == 1


def test_nodata_without_address(run):
    res = run("-j", "nodata.mxq.test")
    o = one(res)
    assert res.rc == 1
    assert (o["verdict"], o["status"]) == ("no-mx", "nodata")
    assert all(e["addresses"] == [] for e in o["exchanges"])
    assert run("nodata.mxq.test").rc == 1


def test_servfail(run):
    res = run("-j", "servfail.test")
    o = one(res)
    assert res.rc == 3
    assert (o["verdict"], o["status"], o["rcode"]) == \
        ("unknown", "servfail", "SERVFAIL")
    text = run("servfail.test")
    assert text.rc == 3 and "SERVFAIL" in text.out


def test_refused(run):
    res = run("-j", "refused.invalid")
    o = one(res)
    assert res.rc == 3
    assert (o["verdict"], o["status"], o["rcode"]) == \
        ("unknown", "refused", "REFUSED")
    assert run("refused.invalid").rc == 3


@pytest.mark.parametrize("args", [
    pytest.param(["cisco.com"], id="udp"),
    pytest.param(["--tcp", "cisco.com"], id="tcp"),
    pytest.param(["--tcp", "cisco.com", "hp.com"], id="tcp-two-domains"),
    pytest.param(["cisco.com", "hp.com"], id="udp-two-domains"),
    pytest.param(["cisco.com", "hp.com", "apple.com", "nomail.example",
                  "implicit.example", "equal.mxq.test"], id="udp-six-domains"),
])
def test_closed_port_fails_fast(run, args):
    from knot import free_port
    port = free_port(("127.0.0.1",))
    # Under a wrapper such as valgrind the process itself is slow: allow
    # for that in the wall-clock bound; mxq's own elapsed_ms stays strict.
    factor = (float(os.environ.get("MXQ_TIMEOUT_FACTOR", "5"))
              if os.environ.get("MXQ_WRAPPER") else 1.0)
    t0 = time.monotonic()
    res = run("@127.0.0.1", "-p", port, "-j", *args, server=False)
    elapsed = time.monotonic() - t0
    assert res.rc == 3, res
    objs = check_json(res)
    assert len(objs) == len([a for a in args if not a.startswith("-")])
    for o in objs:
        assert (o["verdict"], o["status"]) == ("unknown", "unreachable")
        assert o["elapsed_ms"] < 1000, res
    assert elapsed < 1.0 * factor, "took %.2f s\n%s" % (elapsed, res)
    text = run("@127.0.0.1", "-p", port, *args, server=False)
    assert text.rc == 3 and "could not contact" in text.out


# --- CNAMEs ------------------------------------------------------------------

def test_cname_domain_shows_chain(run):
    o = one(run("-j", "cname.mxq.test"))
    assert o["cname"] == ["target.mxq.test."]
    assert [(e["preference"], e["exchange"], addrs(e))
            for e in o["exchanges"]] == [
        (10, "mx1.target.mxq.test.", ["192.31.196.41", "2001:4:112:41::1"]),
        (20, "mx2.target.mxq.test.", ["192.31.196.42"])]
    text = run("cname.mxq.test")
    assert text.rc == 0
    assert re.search(r"alias.*target\.mxq\.test\.", text.out)


def test_cname_exchange_warns(run):
    o = one(run("-j", "excname.mxq.test"))
    (e,) = o["exchanges"]
    assert e["exchange"] == "alias.mxq.test."
    assert e["warnings"] == ["cname"] and e["cname"] == ["real.mxq.test."]
    assert addrs(e) == ["192.31.196.50", "2001:4:112:50::1"]
    text = run("excname.mxq.test")
    assert text.rc == 0
    (row,) = text_rows(text)
    assert "real.mxq.test." in row and "CNAME" in row


# --- big answers: TCP --------------------------------------------------------

BIG = [(65 - n, "mx%02d.big.mxq.test." % n, "192.175.48.%d" % n)
       for n in range(64, 0, -1)]


@pytest.mark.parametrize("opts,server", [([], True), (["--tcp"], True),
                                         ([], "::1")],
                         ids=["udp-then-tcp", "tcp", "ipv6"])
def test_big_answer_whole_and_sorted(run, opts, server):
    res = run("-s", *opts, "big.mxq.test", server=server)
    assert res.rc == 0
    assert short_rows(res) == [(str(p), n, a) for p, n, a in BIG]
    o = one(run("-j", *opts, "big.mxq.test", server=server))
    assert len(o["exchanges"]) == 64
    assert [e["preference"] for e in o["exchanges"]] == list(range(1, 65))


def test_big_answer_came_over_tcp(run):
    res = run("-v", "-q", "big.mxq.test", "cisco.com")
    m = re.search(r"(\d+) TCP connections?", res.err)
    assert m and int(m.group(1)) >= 1, res


def test_ipv6_server(run):
    o = one(run("-j", "cisco.com", server="::1"))
    assert [(e["preference"], e["exchange"], addrs(e))
            for e in o["exchanges"]] == CISCO


# --- hostile names -----------------------------------------------------------

HOSTILE = [
    "bad\\027host.mxq.test.", "a\\032b.mxq.test.", "dot\\.in.mxq.test.",
    "nul\\000x.mxq.test.", 'quote\\"q.mxq.test.', "hi\\200bit.mxq.test.",
    "semi\\;colon.mxq.test.", "back\\\\slash.mxq.test.",
    "paren\\(x\\).mxq.test.", "at\\@sign\\$dollar.mxq.test.",
    "del\\127ff\\255.mxq.test.", "hi\\128bit.mxq.test.",
    "caf\\195\\169.mxq.test.",
]


def test_hostile_labels_escaped_like_dig(run):
    o = one(run("-j", "hostile.mxq.test"))
    assert [(e["preference"], e["exchange"], addrs(e))
            for e in o["exchanges"]] == [
        (10 * (i + 1), name, ["192.31.196.%d" % (111 + i)])
        for i, name in enumerate(HOSTILE)]
    res = run("-s", "hostile.mxq.test")
    assert res.rc == 0
    assert [r[1] for r in short_rows(res)] == HOSTILE
    text = run("hostile.mxq.test")
    assert [r.split()[1] for r in text_rows(text)] == HOSTILE
    # Escaped names are not decoded as IDN or UTF-8, even with --idn.
    idn = run("-s", "--idn", "hostile.mxq.test")
    assert [r[1] for r in short_rows(idn)] == HOSTILE


@pytest.mark.parametrize("mode", [[], ["-s"], ["-j"], ["-v"], ["-n"],
                                  ["--idn"], ["-s", "--idn"], ["-v", "--idn"],
                                  ["-j", "--idn"]], ids=" ".join)
def test_no_raw_bytes_in_any_mode(run, mode):
    names = ["hostile.mxq.test", "idnx.mxq.test", "bücher.example",
             "excname.mxq.test", "nonexistent.mxq.test", "servfail.test",
             # what the user typed, echoed in messages
             "a\x1bb.mxq.test", "caf\udcff.example", "x\u0085y.example",
             "\u202eevil.example", "nul\\000.mxq.test"]
    res = run(*mode, *names)
    assert_clean(res.outb, "stdout")
    assert_clean(res.errb, "stderr")
    for name in names:
        res = run(*mode, name)
        assert_clean(res.outb, "stdout of %r" % name)
        assert_clean(res.errb, "stderr of %r" % name)


# --- IDN ---------------------------------------------------------------------

def test_idn_input_queried_as_a_labels(run):
    res = run("-j", "bücher.example")
    o = one(res)
    assert res.rc == 0
    assert o["domain"] == "bücher.example"
    assert o["query"] == "xn--bcher-kva.example."
    assert o["unicode"] == "bücher.example."
    assert [(e["exchange"], e["unicode"]) for e in o["exchanges"]] == [
        ("mail.xn--bcher-kva.example.", "mail.bücher.example."),
        ("xn--mll-hoa.xn--bcher-kva.example.", "müll.bücher.example.")]
    # The same domain typed as A-labels gives the same answer.
    a = one(run("-j", "xn--bcher-kva.example"))
    assert a["exchanges"] == o["exchanges"]
    m = one(run("-j", "müller.mxq.test"))
    assert m["query"] == "xn--mller-kva.mxq.test." and m["verdict"] == "mx"


def test_idn_shown_in_unicode_with_idn(run):
    res = run("--idn", "bücher.example")
    assert res.rc == 0
    assert res.out.splitlines()[0].startswith("bücher.example.")
    assert [r.split()[1] for r in text_rows(res)] == [
        "mail.bücher.example.", "müll.bücher.example."]
    short = run("-s", "--idn", "bücher.example")
    assert [r[1] for r in short_rows(short)] == [
        "mail.bücher.example."] * 2 + ["müll.bücher.example."] * 2


def test_idn_a_labels_with_no_idn(run):
    for mode in ([], ["-s"]):
        res = run(*mode, "--no-idn", "bücher.example")
        assert res.rc == 0
        assert "xn--mll-hoa.xn--bcher-kva.example." in res.out
        assert "ü" not in res.out
    res = run("--no-idn", "bücher.example")
    assert res.out.splitlines()[0].startswith("xn--bcher-kva.example.")


IDNX_SHOWN = ["ß.mxq.test.", "xn--zvg.mxq.test.", "xn--a.mxq.test.",
              "xn--99999999999.mxq.test."]


def test_idn_only_round_trip_labels_decoded(run):
    res = run("--idn", "idnx.mxq.test")
    assert res.rc == 0
    names = [r.split()[1] for r in text_rows(res)]
    assert names == IDNX_SHOWN
    # every mode: the one valid U-label decoded, the others as A-labels,
    # never U+202E or U+0080 (in JSON not even as a \u escape)
    short = run("-s", "--idn", "idnx.mxq.test")
    assert short.rc == 0
    assert [r[1] for r in short_rows(short)] == IDNX_SHOWN
    verbose = run("-v", "--idn", "idnx.mxq.test")
    assert verbose.rc == 0
    for name in IDNX_SHOWN:
        assert name in verbose.out, (name, verbose.out)
    for res in (run("--idn", "idnx.mxq.test"), short, verbose):
        assert "\u202e" not in res.out and "\u0080" not in res.out
    for mode in (["-j"], ["-j", "--idn"]):
        res = run(*mode, "idnx.mxq.test")
        o = one(res)
        assert res.rc == 0
        text = json.dumps(o, ensure_ascii=False)
        assert "\u202e" not in text and "\u0080" not in text, o
        assert [e["exchange"] for e in o["exchanges"]] == [
            "xn--zca.mxq.test.", "xn--zvg.mxq.test.", "xn--a.mxq.test.",
            "xn--99999999999.mxq.test."]
        assert [e["unicode"] for e in o["exchanges"]] == [
            "ß.mxq.test.", None, None, None]


def test_underscore_passes_as_typed(run):
    res = run("-j", "under_score.mxq.test")
    o = one(res)
    assert res.rc == 0
    assert o["query"] == "under_score.mxq.test." and o["unicode"] is None
    assert [(e["exchange"], addrs(e)) for e in o["exchanges"]] == [
        ("mx_1.under_score.mxq.test.", ["192.31.196.140"])]
    assert run("-s", "under_score.mxq.test").out == \
        "10 mx_1.under_score.mxq.test. 192.31.196.140\n"


@pytest.mark.parametrize("name", [
    "bad..name", ".leading.example", "a" * 64 + ".example",
    ("a" * 60 + ".") * 5 + "com", "caf\udcff.example", "\u202eevil.example",
    "x\u0085y.example"])
def test_invalid_names_exit_2(run, name):
    for mode in ([], ["-s"], ["-j"]):
        res = run(*mode, name)
        assert res.rc == 2, res
        assert res.err.startswith("mxq: ") and "invalid" in res.err


@pytest.mark.parametrize("args", [
    ["-p", "70000", "x.example"], ["--bogus", "x.example"],
    ["@1.2.3", "x.example"], ["-t", "0", "x.example"],
    ["--color=sometimes", "x.example"], ["--tries", "0", "x.example"]])
def test_usage_errors_exit_2(run, args):
    res = run(*args, server=False)
    assert res.rc == 2 and res.out == ""
    assert res.err.startswith("mxq: ")


# --- several domains ---------------------------------------------------------

def test_several_domains_in_argument_order(run):
    # big needs a TCP retry, so it finishes last; it must still come first.
    names = ["big.mxq.test", "cisco.com", "nonexistent.mxq.test", "hp.com",
             "servfail.test", "apple.com"]
    res = run("-j", *names)
    assert [o["domain"] for o in check_json(res)] == names
    assert res.rc == 3
    text = run(*names)
    headers = [l.split()[0] for l in text.out.splitlines()
               if l and not l.startswith(" ")]
    assert headers == [n + "." for n in names]
    short = run("-s", *names)
    doms = []
    for r in short_rows(short):
        if not doms or doms[-1] != r[0]:
            doms.append(r[0])
    assert doms == ["big.mxq.test.", "cisco.com.", "hp.com.", "apple.com."]


@pytest.mark.parametrize("names,rc", [
    (["cisco.com", "nonexistent.mxq.test"], 1),
    (["cisco.com", "nonexistent.mxq.test", "servfail.test"], 3),
    (["servfail.test", "cisco.com", "nonexistent.mxq.test"], 3),
    (["cisco.com", "bad..name", "servfail.test", "nonexistent.mxq.test"], 2),
    (["cisco.com", "hp.com", "apple.com"], 0),
    (["nomail.example", "deadend.mxq.test"], 1)])
def test_worst_exit_status_wins(run, names, rc):
    assert run(*names).rc == rc


# --- options -----------------------------------------------------------------

def test_family_filters(run):
    o4 = one(run("-j", "-4", "cisco.com"))
    o6 = one(run("-j", "-6", "cisco.com"))
    assert [addrs(e) for e in o4["exchanges"]] == \
        [[al[0]] for _, _, al in CISCO]
    assert [addrs(e) for e in o6["exchanges"]] == \
        [[al[1]] for _, _, al in CISCO]
    for o, family in ((o4, 4), (o6, 6)):
        assert all(a["family"] == family
                   for e in o["exchanges"] for a in e["addresses"])
    s4 = run("-s", "-4", "hp.com")
    assert [r[2] for r in short_rows(s4)] == HP_ADDRS[:4] and s4.rc == 0
    t6 = run("-6", "hp.com")
    assert text_rows(t6)[0].split()[2:] == HP_ADDRS[4:] and t6.rc == 0


def test_no_resolve_lists_records(run):
    res = run("-n", "cisco.com")
    assert res.rc == 0
    assert [r.split()[:2] for r in text_rows(res)] == \
        [[str(p), n] for p, n, _ in CISCO]
    assert not re.search(r"192\.31\.196|2001:4:112", res.out)
    assert run("-s", "-n", "cisco.com").out == \
        "10 alln-mx-01.cisco.com.\n20 rcdn-mx-01.cisco.com.\n" \
        "30 aer-mx-01.cisco.com.\n"
    o = one(run("-j", "-n", "cisco.com"))
    assert o["verdict"] == "mx-listed"
    assert all(e["status"] == "unresolved" and e["addresses"] == []
               for e in o["exchanges"])
    # 0 means "has MX records" with --no-resolve.
    assert run("-n", "deadend.mxq.test").rc == 0
    assert run("-n", "nonexistent.mxq.test").rc == 1
    assert run("-n", "nomail.example").rc == 1


@pytest.mark.parametrize("mode", [[], ["-s"], ["-j"]], ids=MODE_ID)
def test_no_resolve_claims_nothing_it_did_not_check(run, mode):
    """With --no-resolve nobody looked for the implicit MX's address, so
    no output may say there is none."""
    res = run("-n", *mode, "implicit.example")
    assert res.rc == 1                     # no MX records
    assert "no address" not in res.out + res.err, res
    assert "no mail route" not in res.out + res.err, res


@pytest.mark.parametrize("mode", [
    pytest.param([], id="text"), pytest.param(["-s"], id="short"),
    pytest.param(["-j"], id="json")])
def test_write_error_exit_4(mxq_bin, knot, mode):
    with open("/dev/full", "w") as full:
        p = subprocess.run(
            [mxq_bin, "@127.0.0.1", "-p", str(knot.port)] + mode
            + ["cisco.com"], stdout=full, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, timeout=30)
    assert p.returncode == 4
    # The same diagnostic, in the documented form, whatever the mode.
    assert p.stderr == b"mxq: stdout: write error\n", p.stderr


@pytest.mark.parametrize("mode", [[], ["-s"], ["-j"], ["-v"]], ids=MODE_ID)
@pytest.mark.parametrize("name,rc", [("cisco.com", 0),
                                     ("nonexistent.mxq.test", 1),
                                     ("servfail.test", 3)])
def test_quiet(run, mode, name, rc):
    res = run("-q", *mode, name)
    assert res.out == "" and res.rc == rc


def test_color(run):
    plain = run("cisco.com").out
    assert "\x1b" not in plain                      # not a terminal
    always = run("--color=always", "cisco.com")
    assert ANSI.search(always.out)
    assert ANSI.sub("", always.out) == plain
    assert "\x1b" not in run("--color=never", "cisco.com").out
    assert "\x1b" not in run("--color=always", "cisco.com",
                             env={"NO_COLOR": "1"}).out
    for mode in (["-s"], ["-j"]):
        res = run("--color=always", *mode, "cisco.com", "servfail.test")
        assert "\x1b" not in res.out and "\x1b" not in res.err


def _run_on_tty(mxq_bin, knot, args, env=None):
    """Run mxq with stdout on a pseudo-terminal; return what it wrote."""
    master, slave = pty.openpty()
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE")
                and not k.startswith("LC_") and k != "LANG"}
    full_env.update({"LC_ALL": "C.UTF-8", "TERM": "xterm"})
    full_env.update(env or {})
    p = subprocess.Popen(
        [mxq_bin, "@127.0.0.1", "-p", str(knot.port)] + args,
        stdout=slave, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        env=full_env)
    os.close(slave)
    out = b""
    try:
        while True:
            r, _, _ = select.select([master], [], [], 10)
            if not r:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(master)
        p.wait(timeout=10)
        p.stderr.close()
    return p.returncode, out.replace(b"\r\n", b"\n").decode("utf-8")


def test_terminal_defaults(mxq_bin, knot):
    rc, out = _run_on_tty(mxq_bin, knot, ["bücher.example"])
    assert rc == 0
    assert ANSI.search(out), out                # colour on a terminal
    # Unicode on a terminal
    assert "müll.bücher.example." in ANSI.sub("", out)
    rc, out = _run_on_tty(mxq_bin, knot, ["bücher.example"],
                          env={"NO_COLOR": "1"})
    assert "\x1b" not in out and "müll.bücher.example." in out
    rc, out = _run_on_tty(mxq_bin, knot, ["--no-idn", "--color=never",
                                          "bücher.example"])
    assert "\x1b" not in out and "xn--mll-hoa" in out
    for mode in ("-s", "-j"):
        rc, out = _run_on_tty(mxq_bin, knot, [mode, "bücher.example"])
        assert rc == 0 and "\x1b" not in out


def test_version(run):
    res = run("-V", server=False)
    assert res.rc == 0 and res.err == ""
    m_ares = re.search(r"c-ares (\d+\.\d+\.\d+)", res.out)
    m_idn = re.search(r"libidn2 (\d+\.\d+(\.\d+)?)", res.out)
    assert m_ares and m_idn, res
    if shutil.which("pkg-config"):
        for pkg, m in (("libcares", m_ares), ("libidn2", m_idn)):
            p = subprocess.run(["pkg-config", "--modversion", pkg],
                               capture_output=True, text=True)
            if p.returncode == 0:
                assert m.group(1) == p.stdout.strip(), (pkg, res.out)


def test_help_fits_80_columns(run):
    res = run("-h", server=False)
    assert res.rc == 0 and res.err == ""
    assert "\t" not in res.out
    lines = res.out.splitlines()
    assert len(lines) > 10
    too_long = [l for l in lines if len(l) > 80]
    assert not too_long, too_long
    for opt in ("--short", "--json", "--no-resolve", "--tcp", "--idn",
                "--quiet", "--verbose", "--color", "--version"):
        assert opt in res.out, opt
    assert run("--help", server=False).out == res.out
