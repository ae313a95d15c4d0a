"""Golden-file tests: the exact output of each mode (text, --short,
--json) for the blog zones and the edge cases of the core issue.

Each file in tests/system/golden/ holds the arguments, the exit status,
stdout and stderr of one run against the session's knotd.  In --json
output the volatile fields are normalised: "server" keeps its address but
the port becomes PORT, "elapsed_ms" becomes 0.  --verbose is not covered
here (it prints timings).

Regenerate after an intended change of output, then READ every changed
file before committing it (a golden that records a bug is worse than no
golden):

    MXQ_UPDATE_GOLDEN=1 /usr/bin/python3 -m pytest -q \
        tests/system/test_golden.py

Updated cases are reported as skipped, so an update run is never mistaken
for a passing one.
"""

import os
import re
from pathlib import Path

import pytest

from test_interfaces import check_json

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("MXQ_UPDATE_GOLDEN") == "1"

# (case id, arguments): the id names the golden files, ASCII only.
CASES = [
    ("cisco.com", ["cisco.com"]),
    ("hp.com", ["hp.com"]),
    ("apple.com", ["apple.com"]),
    ("nomail.example", ["nomail.example"]),
    ("implicit.example", ["implicit.example"]),
    ("buecher.example-idn", ["--idn", "bücher.example"]),
    ("buecher.example-no-idn", ["--no-idn", "bücher.example"]),
    ("noaddr.mxq.test", ["noaddr.mxq.test"]),
    ("deadend.mxq.test", ["deadend.mxq.test"]),
    ("nonexistent.mxq.test", ["nonexistent.mxq.test"]),
    ("hostile.mxq.test", ["hostile.mxq.test"]),
    ("cname.mxq.test", ["cname.mxq.test"]),
    ("excname.mxq.test", ["excname.mxq.test"]),
    ("equal.mxq.test", ["equal.mxq.test"]),
    ("tiebreak.mxq.test", ["tiebreak.mxq.test"]),
    ("numsort.mxq.test", ["numsort.mxq.test"]),
    ("big.mxq.test", ["big.mxq.test"]),
]

MODES = [("text", []), ("short", ["-s"]), ("json", ["-j"])]

# Cases whose current output is wrong: (case, mode) -> reason.  The test
# keeps asserting the right output (the golden file is written by hand)
# and is marked xfail(strict=True) until the bug is fixed.
KNOWN_BUGS = {}


def _params():
    for case, args in CASES:
        for mode, margs in MODES:
            marks = []
            if (case, mode) in KNOWN_BUGS:
                marks.append(pytest.mark.xfail(
                    reason=KNOWN_BUGS[(case, mode)], strict=True))
            yield pytest.param(case, mode, margs + args, marks=marks,
                               id="%s-%s" % (case, mode))


def normalise_json(out, port):
    """Replace the volatile fields of every NDJSON line; each must be
    there exactly once, so nothing else is silently rewritten."""
    lines = []
    for line in out.splitlines():
        line, n_server = re.subn(
            r'"server":"127\.0\.0\.1#%d"' % port,
            '"server":"127.0.0.1#PORT"', line)
        line, n_elapsed = re.subn(r'"elapsed_ms":[0-9]+',
                                  '"elapsed_ms":0', line)
        assert (n_server, n_elapsed) == (1, 1), \
            "server or elapsed_ms not found exactly once in %r" % line
        lines.append(line + "\n")
    return "".join(lines)


def render(args, res, stdout):
    return ("## mxq @127.0.0.1 -p PORT %s\n## exit: %d\n## stdout:\n%s"
            "## stderr:\n%s" % (" ".join(args), res.rc, stdout, res.err))


@pytest.mark.parametrize("case,mode,args", list(_params()))
def test_golden(run, knot, case, mode, args):
    res = run(*args)
    stdout = res.out
    if mode == "json":
        check_json(res)
        stdout = normalise_json(stdout, knot.port)
    got = render(args, res, stdout)
    path = GOLDEN / ("%s.%s" % (case, mode))
    if UPDATE and (case, mode) not in KNOWN_BUGS:
        GOLDEN.mkdir(exist_ok=True)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old != got:
            path.write_text(got, encoding="utf-8")
            pytest.skip("golden file %s updated: review it" % path.name)
    if not path.exists():
        pytest.fail("golden file %s is missing: run with "
                    "MXQ_UPDATE_GOLDEN=1 and review it" % path, pytrace=False)
    want = path.read_text(encoding="utf-8")
    assert got == want, "output differs from %s" % path.name


def test_every_golden_file_is_used():
    """No stale golden files: each one belongs to a case and a mode."""
    expected = {"%s.%s" % (c, m) for c, _ in CASES for m, _ in MODES}
    present = {p.name for p in GOLDEN.iterdir()} if GOLDEN.exists() else set()
    assert present - expected == set()
    if not UPDATE:
        assert expected - present == set()
