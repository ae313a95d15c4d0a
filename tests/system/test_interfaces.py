"""Interfaces for scripts and programs: the NDJSON output and its JSON
Schema, the --short line grammar, exit statuses across modes, batch input.

check_json(res) validates every line of a Result's stdout against
schema/mxq.schema.json; test_core.py and test_golden.py use it on every
JSON output they produce, and the sweeps below validate the output of
every test zone (and every fault-server scenario) in many option sets.
"""

import ipaddress
import json
import re
import select
import shlex
import subprocess
import time
from pathlib import Path

import jsonschema
import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SCHEMA_PATH = REPO / "schema" / "mxq.schema.json"

with open(SCHEMA_PATH, encoding="utf-8") as _f:
    SCHEMA = json.load(_f)
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.FormatChecker())


def schema_errors(obj):
    return ["%s at /%s" % (e.message, "/".join(str(p) for p in e.path))
            for e in VALIDATOR.iter_errors(obj)]


def check_json(res):
    """Every line of stdout is one JSON object valid against the schema;
    nothing else is on stdout.  Returns the objects."""
    assert res.out == "" or res.out.endswith("\n"), res
    objs = []
    for n, line in enumerate(res.out.split("\n")[:-1], 1):
        assert line.strip() != "", "empty line %d in NDJSON\n%s" % (n, res)
        try:
            obj = json.loads(line)
        except ValueError as e:
            pytest.fail("stdout line %d is not JSON (%s)\n%s" % (n, e, res))
        assert isinstance(obj, dict), line
        errs = schema_errors(obj)
        assert not errs, "line %d does not match the schema: %s\n%s" % (
            n, "; ".join(errs), line)
        objs.append(obj)
    return objs


# --- names used by the sweeps ------------------------------------------------

BLOG = ["cisco.com", "hp.com", "apple.com"]
EXAMPLES = BLOG + ["nomail.example", "implicit.example", "bücher.example",
                   "xn--bcher-kva.example"]
MXQ_TEST = ["equal", "tiebreak", "numsort", "v6only", "noaddr", "deadend",
            "nullmx", "nullmulti", "pref0", "implicit", "nodata",
            "nonexistent", "cname", "dangling", "excname", "shared1",
            "shared2", "big", "hostile", "xn--mller-kva", "müller", "idnx",
            "under_score"]
FAILING = ["servfail.test", "refused.invalid"]
INVALID = ["bad..name", "a" * 64 + ".example", ("a" * 60 + ".") * 5 + "com",
           "\u202eevil.example",
           "caf\udcff.example"]   # a lone surrogate: the raw byte 0xff on argv
ALL = EXAMPLES + [n + ".mxq.test" for n in MXQ_TEST] + FAILING
ALL_AND_INVALID = ALL[:5] + INVALID[:1] + ALL[5:] + INVALID[1:]

# Domains of the issues' Tests sections, with the exit status they give.
EXIT = {
    "cisco.com": 0, "hp.com": 0, "apple.com": 0, "nomail.example": 1,
    "implicit.example": 0, "bücher.example": 0, "noaddr.mxq.test": 0,
    "deadend.mxq.test": 1, "nonexistent.mxq.test": 1,
    "hostile.mxq.test": 0, "cname.mxq.test": 0, "excname.mxq.test": 0,
    "equal.mxq.test": 0, "tiebreak.mxq.test": 0, "numsort.mxq.test": 0,
    "big.mxq.test": 0, "nullmx.mxq.test": 1, "nodata.mxq.test": 1,
    "v6only.mxq.test": 0, "servfail.test": 3, "refused.invalid": 3,
    "bad..name": 2,
}


def shown_input(name):
    """"domain" as mxq shows an input: bytes that are not UTF-8 and unsafe
    code points as \\xHH, cut after 256 bytes."""
    raw = name.encode("utf-8", "surrogateescape")
    cut = raw[:256]
    out = ""
    for ch in cut.decode("utf-8", "surrogateescape"):
        if "\udc80" <= ch <= "\udcff" or ch == "\u202e":
            out += "".join("\\x%02x" % b for b in
                           ch.encode("utf-8", "surrogateescape"))
        elif ch == "\\":
            out += "\\\\"
        else:
            out += ch
    return out + ("..." if len(raw) > 256 else "")


# --- the schema itself -------------------------------------------------------

def test_schema_is_draft_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def _objects(node, path="#"):
    """Every (path, subschema) that describes a JSON object."""
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield path, node
        for k, v in node.items():
            yield from _objects(v, path + "/" + k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _objects(v, "%s/%d" % (path, i))


def test_schema_describes_every_field():
    objects = list(_objects(SCHEMA))
    # the line, an exchange, an address, and the objects of the checks:
    # reverse DNS, a TLSA record, DANE, the name servers, one server; of
    # --smtp: TLS-RPT, the probe with its greeting and STARTTLS, the TLS
    # session with its certificate and DANE match, MTA-STS and its policy
    assert len(objects) == 17, [p for p, _ in objects]
    for path, obj in objects:
        assert obj.get("description"), path
        assert obj.get("additionalProperties") is False, path
        optional = {"message"} if path.endswith("exchange") else set()
        assert set(obj["required"]) == set(obj["properties"]) - optional, path
        for name, prop in obj["properties"].items():
            assert prop.get("description"), "%s/%s" % (path, name)
    for name, d in SCHEMA["$defs"].items():
        assert d.get("description"), "$defs/" + name


def test_schema_fields_match_the_output(run):
    """The schema names exactly the fields mxq writes."""
    objs = check_json(run("-j", "cisco.com"))
    line = SCHEMA["properties"]
    ex = SCHEMA["$defs"]["exchange"]["properties"]
    addr = SCHEMA["$defs"]["address"]["properties"]
    assert set(objs[0]) == set(line)
    assert set(objs[0]["exchanges"][0]) == set(ex) - {"message"}
    assert set(objs[0]["exchanges"][0]["addresses"][0]) == set(addr)


def test_schema_optional_exchange_message(fault, run_fault):
    """The one optional field: a detail for an exchange without address."""
    objs = check_json(run_fault("-j", "cnameloop.fault.test"))
    (e,) = objs[0]["exchanges"]
    assert e["addresses"] == [] and e["status"] == "malformed"
    assert "loop" in e["message"].lower()
    assert set(e) == set(SCHEMA["$defs"]["exchange"]["properties"])


def test_schema_rejects_wrong_lines(run):
    good = check_json(run("-j", "cisco.com"))[0]
    bad = []
    for mutate in (
            lambda o: o.update(schema=2),
            lambda o: o.update(extra=1),
            lambda o: o.pop("exchanges"),
            lambda o: o.update(verdict="maybe"),
            lambda o: o["exchanges"][0].update(preference="10"),
            lambda o: o["exchanges"][0].update(preference=65536),
            lambda o: o["exchanges"][0].update(ttl=2147483648),
            lambda o: o["exchanges"][0].update(ttl=-1),
            lambda o: o["exchanges"][0]["addresses"][0].update(family=5),
            lambda o: o["exchanges"][0]["addresses"][0].update(
                address="2001:4:112::1"),
            lambda o: o["exchanges"][0].update(exchange="no-dot"),
            lambda o: o["exchanges"][0].update(exchange="a\x1bb."),
            lambda o: o["exchanges"][0].update(warnings=["other"]),
            lambda o: o.update(status="nxdomain")):
        o = json.loads(json.dumps(good))
        mutate(o)
        bad.append(o)
    for o in bad:
        assert schema_errors(o), o


# --- sweeps: every JSON line valid -------------------------------------------

SWEEP_OPTIONS = [[], ["-n"], ["-4"], ["-6"], ["--tcp"], ["--idn"],
                 ["--no-idn"], ["--no-additional"], ["-v"],
                 ["--color=always"], ["-q"]]


@pytest.mark.parametrize("opts", SWEEP_OPTIONS, ids=" ".join)
def test_json_sweep_valid_one_line_per_domain_in_order(run, opts):
    names = ALL_AND_INVALID
    res = run("-j", *opts, *names)
    objs = check_json(res)
    if "-q" in opts:
        assert objs == []
        assert res.rc == 2
        return
    assert len(objs) == len(names), res
    for name, obj in zip(names, objs):
        assert obj["domain"] == shown_input(name)
        assert obj["line"] is None
    assert res.rc == 2
    # Diagnostics go to stderr in the documented form, never to stdout.
    for line in res.err.splitlines():
        assert line.startswith("mxq: ") or line.startswith(";;"), line


def test_json_sweep_ipv6_server(run):
    res = run("-j", *ALL, server="::1")
    objs = check_json(res)
    assert [o["domain"] for o in objs] == ALL
    port = res.argv[res.argv.index("-p") + 1]
    assert {o["server"] for o in objs} == {"::1#" + port}


def test_json_sweep_file_input(run, tmp_path):
    f = tmp_path / "domains.txt"
    f.write_text("# header\n" + "\n".join(ALL_AND_INVALID[:8]) + "\n\n"
                 + "\n".join(ALL_AND_INVALID[8:]) + "\n", encoding="utf-8",
                 errors="surrogateescape")
    res = run("-j", "-f", f)
    objs = check_json(res)
    assert len(objs) == len(ALL_AND_INVALID)
    n = len(ALL_AND_INVALID)
    assert [o["line"] for o in objs] == \
        list(range(2, 10)) + list(range(11, 3 + n))


def test_json_closed_port_valid(mxq_bin, run):
    from knot import free_port
    port = free_port(("127.0.0.1",))
    res = run("@127.0.0.1", "-p", port, "-j", "--tcp", "cisco.com", "hp.com",
              server=False)
    objs = check_json(res)
    assert len(objs) == 2 and res.rc == 3
    for o in objs:
        assert o["verdict"] == "unknown" and o["rcode"] is None
        assert o["status"] == "unreachable" and o["message"]
        assert o["flags"] == [] and o["exchanges"] == []


def test_json_sweep_fault_scenarios(fault, run_fault):
    """Every scenario of the misbehaving server (malformed replies,
    hostile names, timeouts...) still gives one valid line each."""
    from faultserver import SCENARIOS
    names = ["%s.fault.test" % s for s in sorted(SCENARIOS)
             if not s.startswith(("link", "loop"))]
    res = run_fault("-j", "-t", "0.5", "--tries", "1", *names, timeout=60)
    objs = check_json(res)
    assert [o["domain"] for o in objs] == names
    assert res.rc == 3
    res = run_fault("-j", "-n", "-t", "0.5", "--tries", "1", *names,
                    timeout=60)
    assert [o["domain"] for o in check_json(res)] == names


# --- NDJSON behaviour -------------------------------------------------------

def test_json_failing_domains_keep_their_line(run):
    res = run("-j", "cisco.com", "servfail.test", "bad..name", "hp.com")
    objs = check_json(res)
    assert [o["domain"] for o in objs] == ["cisco.com", "servfail.test",
                                           "bad..name", "hp.com"]
    sf, inv = objs[1], objs[2]
    assert (sf["verdict"], sf["status"], sf["rcode"]) == \
        ("unknown", "servfail", "SERVFAIL")
    assert "SERVFAIL" in sf["message"]
    assert (inv["verdict"], inv["status"], inv["query"]) == \
        ("invalid", "invalid", None)
    assert inv["message"]
    assert objs[0]["verdict"] == objs[3]["verdict"] == "mx"
    assert res.rc == 2
    # Diagnostics on stderr only: stdout is nothing but the four objects.
    assert all(l.startswith('{"schema":1,') for l in res.out.splitlines())
    assert len(res.out.splitlines()) == 4
    err = res.err.splitlines()
    assert len(err) == 1 and err[0].startswith("mxq: ") \
        and "bad..name" in err[0]


def test_json_lists_always_present(run):
    res = run("-j", *ALL, "bad..name")
    for o in check_json(res):
        for k in ("flags", "cname", "exchanges"):
            assert isinstance(o[k], list), (k, o)
        for e in o["exchanges"]:
            for k in ("cname", "warnings", "addresses"):
                assert isinstance(e[k], list), (k, e)


def test_json_lines_are_flushed_one_by_one(mxq_bin, fault):
    """The line of a finished domain is readable while a later one is
    still waiting for its server (tail -f, jq --stream)."""
    argv = [mxq_bin, "@127.0.0.1", "-p", str(fault.port), "-j", "-t", "2",
            "--tries", "1", "ok.fault.test", "timeout.fault.test"]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        t0 = time.monotonic()
        ready, _, _ = select.select([p.stdout], [], [], 1.5)
        assert ready, "no JSON line within 1.5 s"
        first = p.stdout.readline()
        assert time.monotonic() - t0 < 1.5
        assert p.poll() is None, "mxq had already finished: test inconclusive"
        assert json.loads(first)["domain"] == "ok.fault.test"
        rest = p.stdout.read()
        assert json.loads(rest)["verdict"] == "unknown"
    finally:
        p.wait(timeout=10)
        p.stdout.close()
    assert p.returncode == 3


def test_json_streams_from_a_slow_stdin(mxq_bin, knot):
    """A domain read from a pipe that stays open is answered at once."""
    argv = [mxq_bin, "@127.0.0.1", "-p", str(knot.port), "-j", "-f", "-"]
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    try:
        p.stdin.write(b"cisco.com\n")
        p.stdin.flush()
        ready, _, _ = select.select([p.stdout], [], [], 1.5)
        first = p.stdout.readline() if ready else b""
    finally:
        p.stdin.close()
        rest = p.stdout.read()
        p.stdout.close()
        p.wait(timeout=10)
    assert first, "no line within 1.5 s while stdin stayed open"
    assert json.loads(first)["domain"] == "cisco.com"
    assert rest == b""


# --- --short ----------------------------------------------------------------

PREF = r"(?P<pref>0|[1-9][0-9]{0,4})"
NAME = r"(?P<name>[^\s]*\.)"
ADDR = r"(?P<addr>[0-9a-f:.]+|-)"
DOM = r"(?P<dom>[^\s]*\.) "
SHORT = re.compile(r"^%s %s %s$" % (PREF, NAME, ADDR))
SHORT_DOM = re.compile(r"^%s%s %s %s$" % (DOM, PREF, NAME, ADDR))
SHORT_N = re.compile(r"^%s %s$" % (PREF, NAME))
SHORT_N_DOM = re.compile(r"^%s%s %s$" % (DOM, PREF, NAME))


def check_short(res, grammar):
    """Every stdout line matches the grammar; returns the match objects."""
    assert res.out == "" or res.out.endswith("\n"), res
    ms = []
    for line in res.out.split("\n")[:-1]:
        m = grammar.match(line)
        assert m, "line does not match %s: %r\n%s" % (grammar.pattern,
                                                       line, res)
        assert int(m["pref"]) <= 65535
        if "addr" in m.groupdict() and m["addr"] != "-":
            ipaddress.ip_address(m["addr"])
        ms.append(m)
    return ms


@pytest.mark.parametrize("opts", [[], ["-4"], ["-6"], ["--tcp"], ["--idn"],
                                  ["--no-additional"]], ids=" ".join)
def test_short_grammar_every_line(run, opts):
    for name in ALL:
        check_short(run("-s", *opts, name), SHORT)
    ms = check_short(run("-s", *opts, *ALL), SHORT_DOM)
    # Lines come in argument order, grouped by domain.
    doms = []
    for m in ms:
        if not doms or doms[-1] != m["dom"]:
            doms.append(m["dom"])
    assert len(doms) == len(set(doms))


# Names of ALL without an exchange to list: null MX, no MX, no domain,
# failing servers.
NO_MX_LISTED = {"nomail.example", "implicit.example", "nullmx.mxq.test",
                "implicit.mxq.test", "nodata.mxq.test", "nonexistent.mxq.test",
                "dangling.mxq.test", "servfail.test", "refused.invalid"}


def test_short_grammar_no_resolve(run):
    listed = {}
    for name in ALL:
        ms = check_short(run("-s", "-n", name), SHORT_N)
        got = [(m["pref"], m["name"]) for m in ms if m["name"] != "."]
        listed[name] = got
        if name in NO_MX_LISTED:
            continue
        # an empty output matches any grammar: it must not pass here
        assert got, "-sn %s printed no exchange" % name
        # the records -s resolves are exactly the ones -sn lists
        resolved = {(m["pref"], m["name"])
                    for m in check_short(run("-s", name), SHORT)}
        assert set(got) == resolved, (name, got, resolved)
    # all at once: the same records, in argument order
    ms = check_short(run("-s", "-n", *ALL), SHORT_N_DOM)
    assert [(m["pref"], m["name"]) for m in ms if m["name"] != "."] == \
        [x for n in ALL for x in listed[n]]


def test_short_domain_prefix(run):
    one = run("-s", "cisco.com")
    assert len(check_short(one, SHORT)) == 6
    two = run("-s", "cisco.com", "hp.com")
    ms = check_short(two, SHORT_DOM)
    assert [m["dom"] for m in ms] == ["cisco.com."] * 6 + ["hp.com."] * 6
    forced_off = run("-s", "--no-domain", "cisco.com", "hp.com")
    assert len(check_short(forced_off, SHORT)) == 12
    assert forced_off.out == one.out + run("-s", "hp.com").out
    forced_on = run("-s", "--with-domain", "cisco.com")
    ms = check_short(forced_on, SHORT_DOM)
    assert [m["dom"] for m in ms] == ["cisco.com."] * 6
    assert [l.split(" ", 1)[1] for l in forced_on.out.splitlines()] == \
        one.out.splitlines()
    # -f (even with a single domain) prefixes too.
    viaf = run("-s", "-f", "-", input="cisco.com\n")
    assert viaf.out == forced_on.out
    nlist = check_short(run("-s", "-n", "--with-domain", "hp.com"),
                        SHORT_N_DOM)
    assert [m.group(0) for m in nlist] == ["hp.com. 10 smtp.hp.com."]


def test_short_placeholder_for_exchange_without_address(run):
    res = run("-s", "noaddr.mxq.test")
    ms = check_short(res, SHORT)
    assert [(m["pref"], m["name"], m["addr"]) for m in ms] == [
        ("10", "txtonly.noaddr.mxq.test.", "-"),
        ("20", "absent.noaddr.mxq.test.", "-"),
        ("30", "ok.noaddr.mxq.test.", "192.31.196.30")]
    assert res.rc == 0


@pytest.mark.parametrize("name,rc", [
    ("nomail.example", 1), ("nonexistent.mxq.test", 1),
    ("nodata.mxq.test", 1), ("servfail.test", 3), ("refused.invalid", 3),
    ("bad..name", 2)])
def test_short_no_line_for_no_route(run, name, rc):
    res = run("-s", name)
    assert res.out == "" and res.rc == rc
    lines = res.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("mxq: "), res


def test_short_implicit_mx(run):
    res = run("-s", "implicit.example")
    assert res.out == ("0 implicit.example. 192.52.193.25\n"
                       "0 implicit.example. 2001:4:112:1a::25\n")
    assert res.rc == 0


# --- one-line pipelines ------------------------------------------------------

def test_pipeline_short_awk(mxq_bin, knot):
    cmd = ("%s @127.0.0.1 -p %d -s cisco.com | head -n1 | awk '{print $3}'"
           % (shlex.quote(mxq_bin), knot.port))
    p = subprocess.run(["sh", "-c", cmd], capture_output=True, timeout=30)
    assert p.stdout == b"192.31.196.10\n", p
    assert p.returncode == 0


def test_pipeline_json_python(mxq_bin, knot):
    reader = ("import json, sys; d = json.loads(sys.stdin.readline()); "
              "print(d['exchanges'][0]['addresses'][0]['address'])")
    cmd = ("%s @127.0.0.1 -p %d -j cisco.com | /usr/bin/python3 -c %s"
           % (shlex.quote(mxq_bin), knot.port, shlex.quote(reader)))
    p = subprocess.run(["sh", "-c", cmd], capture_output=True, timeout=30)
    assert p.stdout == b"192.31.196.10\n", p
    assert p.returncode == 0


# --- exit statuses -----------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXIT))
def test_exit_status_same_in_every_mode(run, name):
    codes = {}
    for mode in ([], ["-s"], ["-j"], ["-v"], ["-q"], ["-s", "-q"],
                 ["-j", "-q"]):
        res = run(*mode, name)
        if "-j" in mode and "-q" not in mode:
            check_json(res)
        codes[" ".join(mode) or "text"] = res.rc
    assert set(codes.values()) == {EXIT[name]}, codes


def test_exit_status_worst_wins_in_every_mode(run):
    for mode in ([], ["-s"], ["-j"]):
        assert run(*mode, "cisco.com", "nonexistent.mxq.test").rc == 1
        assert run(*mode, "nonexistent.mxq.test", "servfail.test",
                   "cisco.com").rc == 3
        assert run(*mode, "bad..name", "servfail.test", "cisco.com").rc == 2
        assert run(*mode, "servfail.test", "cisco.com", "bad..name").rc == 2


# --- batch input -------------------------------------------------------------

def test_stdin_input(run, tmp_path):
    # stdin is read with "-f -" only (never without -f: mxq(1))
    data = "cisco.com\n# c\n\nhp.com\n"
    res = run("-j", "-f", "-", input=data)
    objs = check_json(res)
    assert [(o["domain"], o["line"]) for o in objs] == [
        ("cisco.com", 1), ("hp.com", 4)]
    assert res.rc == 0
    f = tmp_path / "list.txt"
    f.write_text(data, encoding="utf-8")
    again = check_json(run("-j", "-f", f))
    for o in objs + again:
        o.pop("elapsed_ms")
    assert again == objs
    short = run("-s", "-f", "-", input=data)
    ms = check_short(short, SHORT_DOM)
    assert [m["dom"] for m in ms] == ["cisco.com."] * 6 + ["hp.com."] * 6
    text = run("-f", "-", input=data)
    assert re.findall(r"^\S+", text.out, re.M) == ["cisco.com.", "hp.com."]


def test_file_with_bad_line(run, tmp_path):
    f = tmp_path / "list.txt"
    f.write_text("cisco.com\n  hp.com  \nbad..name\n# comment\n"
                 "nonexistent.mxq.test\napple.com\n", encoding="utf-8")
    res = run("-j", "-f", f)
    objs = check_json(res)
    assert [(o["domain"], o["line"], o["verdict"]) for o in objs] == [
        ("cisco.com", 1, "mx"), ("hp.com", 2, "mx"),
        ("bad..name", 3, "invalid"), ("nonexistent.mxq.test", 5, "nxdomain"),
        ("apple.com", 6, "mx")]
    assert res.rc == 2
    err = res.err.splitlines()
    assert len(err) == 1 and err[0].startswith("mxq: ")
    assert "line 3" in err[0] and "bad..name" in err[0]
    # The run goes on after the bad line in every mode.
    for mode in ([], ["-s"]):
        r = run(*mode, "-f", f)
        assert r.rc == 2 and "line 3" in r.err
        assert "apple.com." in r.out and "hp.com." in r.out


def test_missing_file_is_a_usage_error(run, tmp_path):
    res = run("-j", "-f", tmp_path / "nope.txt")
    assert res.rc == 2 and res.out == ""
    assert res.err.startswith("mxq: ")
