"""The total time per domain is bounded (mxq(1), LIMITS).

The fault server's `chase` scenario answers one CNAME link per reply, each
after 0.25 s, so following the chain would take about 10 s.  A domain gets
three rounds of timeout x tries x servers in all; past that it is handed
over as a timeout with a message, and the run goes on.
"""

import time

from conftest import wall_slack


def test_domain_is_cut_off_at_its_deadline(run_fault):
    t0 = time.monotonic()
    r = run_fault("-j", "-t", "0.5", "--tries", "1", "chase.fault.test",
                  "ok.fault.test")
    took = time.monotonic() - t0
    assert r.rc == 3, r
    # 3 rounds x 0.5 s x 1 try x 1 server, plus start-up and a margin.
    assert took < 1.5 + 0.7 + wall_slack(), (took, r)
    chase, ok = r.json()
    # mxq's own clock for the domain: the deadline, give or take a poll.
    assert 1400 <= chase["elapsed_ms"] <= 1500 + 300, chase
    assert chase["verdict"] == "unknown"
    assert chase["status"] == "timeout"
    assert chase["message"] == "total time per domain exceeded"
    assert [e["status"] for e in chase["exchanges"]] == ["timeout"]
    # The domain after it is not held back and still answers.
    assert ok["verdict"] == "mx"
    assert [e["exchange"] for e in ok["exchanges"]] == [
        "mx1.ok-host.fault.test.", "mx2.ok-host.fault.test."]


def test_cname_bound_is_reported_when_time_allows(run_fault):
    # With 2 s per try the deadline (6 s) is beyond 16 links x 0.25 s:
    # the CNAME bound is hit first, and said so.
    r = run_fault("-j", "-t", "2", "--tries", "1", "chase.fault.test",
                  timeout=20)
    assert r.rc == 3, r
    (d,) = r.json()
    assert d["status"] == "limit"
    (ex,) = d["exchanges"]
    assert ex["status"] == "limit"
    assert ex["message"] == "CNAME chain too long"
    assert len(ex["cname"]) == 16
