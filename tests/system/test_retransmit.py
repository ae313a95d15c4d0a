"""A lost packet costs a fraction of --timeout, not all of it.

Within one try mxq sends the same query again (same ID) after
timeout / 7, then after 3/7 of it (for -t 2: at 0.29 s and 0.86 s), and
takes the answer to whichever copy comes first; the try still lasts
--timeout in all (mxq(1), --tries).  The fault server's `lossy` scenario
drops the first copy of every query.
"""

import time

from conftest import wall_slack


def _mx_copies(fault, name):
    return sum(1 for t, q, ty in fault.queries()
               if q.lower() == name and ty == "MX")


def test_lost_first_copy_costs_a_fraction_of_the_timeout(run_fault, fault):
    t0 = time.monotonic()
    r = run_fault("-j", "-t", "2", "--tries", "1", "lossy.fault.test")
    took = time.monotonic() - t0
    assert r.rc == 0, r
    (d,) = r.json()
    assert d["verdict"] == "mx"
    (ex,) = d["exchanges"]
    assert [a["address"] for a in ex["addresses"]] == [
        "192.31.196.1", "2001:4:112::1"]
    # Two rounds (MX, then A and AAAA), each losing one copy: about
    # 2 x 0.29 s, where waiting out the timeout would take 4 s.
    assert took < 1.5 + wall_slack(), took
    assert d["elapsed_ms"] < 1000, d


def test_a_slow_answer_to_the_first_copy_still_counts(run_fault):
    # `slow` answers every copy after 1.5 s: the answer to the first copy
    # arrives inside the 2 s try and is taken.
    t0 = time.monotonic()
    r = run_fault("-s", "-t", "2", "--tries", "1", "slow.fault.test")
    took = time.monotonic() - t0
    assert r.rc == 0, r
    assert 1.4 < took < 2.0 + wall_slack(), took


def test_no_copies_when_answers_come_in_time(run_fault, fault):
    before = _mx_copies(fault, "ok.fault.test.")
    r = run_fault("-s", "-t", "2", "--tries", "1", "ok.fault.test")
    assert r.rc == 0, r
    assert _mx_copies(fault, "ok.fault.test.") - before == 1


def test_timeout_still_bounds_each_try(run_fault):
    t0 = time.monotonic()
    r = run_fault("-s", "-t", "0.8", "--tries", "2", "timeout.fault.test")
    took = time.monotonic() - t0
    assert r.rc == 3, r
    assert 1.5 < took < 2.2 + wall_slack(), took


def test_query_ids_are_random(mxq_bin):
    """c-ares 1.18 sends the caller's query ID as it is: mxq must choose a
    random one for every query and every new try, or an off-path forger
    would only have to guess the port."""
    import socket
    import subprocess
    import threading

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    port = sock.getsockname()[1]
    ids, stop = [], threading.Event()

    def listen():
        while not stop.is_set():
            try:
                data, _ = sock.recvfrom(4096)
            except socket.timeout:
                continue
            ids.append(data[:2])

    t = threading.Thread(target=listen)
    t.start()
    try:
        # Nothing answers: 3 domains x 2 tries of 0.2 s (one copy each).
        subprocess.run([mxq_bin, "-q", "-t", "0.2", "--tries", "2",
                        "@127.0.0.1", "-p", str(port),
                        "a.example", "b.example", "c.example"],
                       stdin=subprocess.DEVNULL, timeout=10)
    finally:
        stop.set()
        t.join()
        sock.close()
    assert len(ids) == 6, ids
    assert len(set(ids)) >= 5, ids
