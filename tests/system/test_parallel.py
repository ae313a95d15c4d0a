"""The README's and mxq(1)'s recipe for a survey split over several processes
with GNU parallel gives exactly the objects of one run over the same list.

Every worker reads its blocks of the list on standard input (-f -) and
writes NDJSON; parallel passes each worker's lines on whole.  Only the
fields that depend on the run differ: "line" counts within a worker's
block, and "elapsed_ms" is a time.
"""

import json
import shutil
import subprocess

import pytest

DOMAINS = ["cisco.com", "hp.com", "apple.com", "implicit.example",
           "nomail.example", "nonexistent.mxq.test", "lonedot.mxq.test",
           "deadend.mxq.test", "servfail.test", "bad..name",
           "child.mxq.test", "equal.mxq.test"]


def _objects(text):
    out = []
    for line in text.splitlines():
        o = json.loads(line)
        o.pop("line")
        o.pop("elapsed_ms")
        out.append(json.dumps(o, sort_keys=True))
    return sorted(out)


@pytest.mark.skipif(shutil.which("parallel") is None,
                    reason="GNU parallel (Debian: parallel) is not installed")
def test_parallel_recipe_gives_the_objects_of_one_run(mxq_bin, knot, tmp_path):
    # Each domain many times, some with the final dot.
    names = [DOMAINS[i % len(DOMAINS)] + ("." if i % 7 == 3 else "")
             for i in range(300)]
    lst = tmp_path / "domains.txt"
    lst.write_text("\n".join(names) + "\n", encoding="utf-8")
    mxq = [mxq_bin, "@127.0.0.1", "-p", str(knot.port), "-j", "--no-progress",
           "-t", "1"]

    one = subprocess.run(mxq + ["-f", str(lst)], capture_output=True,
                         text=True, timeout=120)
    assert one.returncode == 2, one.stderr      # the invalid name: exit 2
    # 4 workers, blocks of about 1 kB of the list: several blocks each.
    par = subprocess.run(
        ["parallel", "--will-cite", "--pipe", "--block", "1k", "-j", "4",
         "--line-buffer"] + mxq + ["-f", "-"],
        stdin=open(lst, "rb"), capture_output=True, text=True, timeout=120)
    # parallel exits with the number of failed jobs: every job here has
    # the invalid name or a SERVFAIL among its domains, or not.
    assert par.returncode >= 0, par.stderr
    others = [line for line in par.stderr.splitlines()
              if "'bad..name" not in line or "invalid domain name" not in line]
    assert others == [], par.stderr
    a, b = _objects(one.stdout), _objects(par.stdout)
    assert len(a) == len(names)
    assert a == b
    # Each line whole: every line of the merged output is one object.
    assert len(par.stdout.splitlines()) == len(names)
