"""Guards found by mutation testing of the transport and the engine.

Each test here failed against a deliberate bug (a mutant) that the rest of
the suite let through; its docstring names the bug it guards.  They use
the fault server (faultserver.py: both tables) and the knotd zone.

Names taken from fault.queries() or fault.log() are compared
case-insensitively: mxq randomises the letter case of its query names
(0x20).
"""

import re

from faultserver import ADDR4, ADDR6, GLUE4, GLUE6, RECURSIVE_ADDR4
from test_interfaces import check_json

ADDRS = [ADDR4, ADDR6]
OK_EX = ["mx1.ok-host.fault.test.", "mx2.ok-host.fault.test."]


def one(res):
    """The single JSON object of a one-domain run (schema-checked)."""
    objs = check_json(res)
    assert len(objs) == 1, res
    return objs[0]


def addrs(ex):
    return [a["address"] for a in ex["addresses"]]


def ok_route(obj):
    """ok.fault.test's answer: mx1 and mx2, each with both addresses."""
    return ([e["exchange"].lower() for e in obj["exchanges"]] == OK_EX
            and all(addrs(e) == ADDRS for e in obj["exchanges"]))


def asked(fault, name, qtype=None, transport=None):
    """Queries the fault server saw for name (any letter case)."""
    return [q for q in fault.queries()
            if q[1].lower() == name.lower() and (qtype is None or q[2] == qtype)
            and (transport is None or q[0] == transport)]


# ------------------------------------------------------------------ transport


def test_tcp_option_sends_no_datagram(run_fault, fault):
    """Guards: --tcp ignored, every query sent over UDP (TCP only after a
    truncated answer)."""
    fault.clear_queries()
    res = run_fault("-j", "--tcp", "-t", "1", "--tries", "1", "ok.fault.test")
    assert res.rc == 0, res
    assert ok_route(one(res)), res
    seen = fault.queries()
    assert len(seen) == 5, seen             # MX, then A and AAAA of mx1, mx2
    assert {t for t, _, _ in seen} == {"tcp"}, seen


def test_truncated_answer_gets_every_tcp_try(run_fault, fault):
    """Guards: the TCP retry after TC=1 counted as more of the UDP tries, so
    that --tries 2 gives one TCP try instead of two (tcpclose closes every
    connection without an answer)."""
    fault.clear_queries()
    res = run_fault("-j", "-t", "0.5", "--tries", "2", "tcpclose.fault.test")
    assert res.rc == 3, res
    assert one(res)["verdict"] == "unknown", res
    assert len(asked(fault, "tcpclose.fault.test.", "MX", "udp")) == 1, fault.queries()
    assert len(asked(fault, "tcpclose.fault.test.", "MX", "tcp")) == 2, fault.queries()


def test_summary_counts_retries_only(run_fault):
    """Guards: the -v summary counting every first try as a retry.  ok takes
    five questions answered at once; timeout one question that gets its
    two tries: one retry in all."""
    res = run_fault("-v", "-t", "0.3", "--tries", "2", "ok.fault.test",
                    "timeout.fault.test")
    assert res.rc == 3, res
    m = re.search(r";; (\d+) queries, (\d+) retries,", res.err)
    assert m, res
    assert (int(m.group(1)), int(m.group(2))) == (6, 1), res


def test_no_summary_for_one_domain(run_fault):
    """Guards: the -v summary of a run (";; N domains in ...") written for
    a single domain too, where -v shows that domain's details only."""
    res = run_fault("-v", "-t", "0.5", "--tries", "1", "ok.fault.test")
    assert res.rc == 0, res
    assert ";; " not in res.err, res
    two = run_fault("-v", "-t", "0.5", "--tries", "1", "ok.fault.test",
                    "live1.fault.test")
    assert two.rc == 0, two
    assert re.search(r"^;; 2 domains in ", two.err, re.M), two


def test_refused_server_hands_over_to_the_next(run, knot, fault):
    """Guards: REFUSED from the first server taken as the answer, where a
    stub resolver asks the next server (the fault server refuses every name
    outside fault.test.; knotd serves cisco.com)."""
    servers = "127.0.0.1:%d,127.0.0.1:%d" % (fault.port, knot.port)
    fault.clear_queries()
    res = run("-j", "--server", servers, "cisco.com", server=False)
    assert res.rc == 0, res
    o = one(res)
    assert o["verdict"] == "mx", o
    assert o["server"] == "127.0.0.1#%d" % knot.port, o
    assert asked(fault, "cisco.com.", "MX"), fault.queries()


def test_servfail_server_hands_over_to_the_next(run, knot, fault):
    """Guards: SERVFAIL from the first server taken as the answer without
    asking the next one (knotd answers SERVFAIL for servfail.test.)."""
    servers = "127.0.0.1:%d,127.0.0.1:%d" % (knot.port, fault.port)
    fault.clear_queries()
    res = run("-j", "-t", "0.5", "--tries", "1", "--server", servers,
              "servfail.test", server=False)
    assert res.rc == 3, res
    assert asked(fault, "servfail.test.", "MX"), fault.queries()


# ------------------------------------------------------------------ additional data


def ex_by_name(obj, name):
    """The exchange entries of obj called name (case-insensitive)."""
    return [e for e in obj["exchanges"] if e["exchange"].lower() == name.lower()]


def sources(ex):
    return [(a["address"], a["source"]) for a in ex["addresses"]]


def test_additional_record_answers_only_its_own_name_and_type(run_fault, fault):
    """Guards: an additional address taken for the wrong row: the A of mx1
    answering mx1's AAAA question too (mx1 left without its IPv6 address),
    or answering for mx2, which has no record there.  recursive.fault.test
    sends MX 10 mx1, MX 20 mx2 and only mx1's A in the additional
    section."""
    fault.clear_queries()
    res = run_fault("-j", "-t", "0.5", "--tries", "1", "recursive.fault.test")
    assert res.rc == 0, res
    o = one(res)
    (mx1,) = ex_by_name(o, OK_EX[0])
    (mx2,) = ex_by_name(o, OK_EX[1])
    assert sources(mx1) == [(RECURSIVE_ADDR4, "additional"), (ADDR6, "answer")], mx1
    assert sources(mx2) == [(ADDR4, "answer"), (ADDR6, "answer")], mx2
    assert not asked(fault, OK_EX[0], "A"), fault.queries()
    assert len(asked(fault, OK_EX[0], "AAAA")) == 1, fault.queries()
    assert len(asked(fault, OK_EX[1], "A")) == 1, fault.queries()


def test_no_additional_asks_every_address(run_fault, fault):
    """Guards: --no-additional ignored: the in-bailiwick addresses of
    glue.fault.test's additional section (GLUE4, GLUE6) taken instead of
    asking (the default host's ADDR4, ADDR6)."""
    fault.clear_queries()
    res = run_fault("-j", "--no-additional", "-t", "0.5", "--tries", "1",
                    "glue.fault.test")
    assert res.rc == 0, res
    (e,) = ex_by_name(one(res), "mx.glue.fault.test.")
    assert sources(e) == [(ADDR4, "answer"), (ADDR6, "answer")], e
    assert GLUE4 not in res.out and GLUE6 not in res.out, res
    assert len(asked(fault, "mx.glue.fault.test.", "A")) == 1, fault.queries()
    assert len(asked(fault, "mx.glue.fault.test.", "AAAA")) == 1, fault.queries()


# ------------------------------------------------------------------ the model


def test_implicit_mx_through_an_alias_is_not_warned(run_fault):
    """Guards: the implicit MX (the domain itself, RFC 5321 5.1) flagged
    with the "cname" warning of an exchange that is an alias (RFC 2181
    10.3), where an alias is fine.  link19.fault.test. has no MX and is
    an alias of link20.fault.test., a host."""
    res = run_fault("-j", "-t", "0.5", "--tries", "1", "link19.fault.test")
    assert res.rc == 0, res
    o = one(res)
    assert o["verdict"] == "implicit-mx", o
    (e,) = o["exchanges"]
    assert e["cname"] == ["link20.fault.test."], e
    assert addrs(e) == ADDRS, e
    assert "cname" not in e["warnings"] and "cname" not in o["warnings"], o


# ------------------------------------------------------------------ the run


def test_progress_on_a_pipe_after_the_first_second(run_fault):
    """Guards: --progress drawing the terminal's line (carriage return,
    erase-line) into a pipe.  Progress starts after a second: slow.fault.test
    answers after 1.5 s, and holds the five others behind it."""
    domains = ["slow.fault.test"] + ["live%d.fault.test" % i for i in range(5)]
    res = run_fault("--progress", "-t", "2", "--tries", "1", *domains)
    assert res.rc == 0, res
    assert "\r" not in res.err and "\033[K" not in res.err, repr(res.err)
    lines = res.err.splitlines()
    assert lines and all(re.match(r"mxq: \d+(/6)? domains, ", l) for l in lines), lines


def test_quiet_short_says_nothing(run_fault):
    """Guards: -q with -s still writing the failure of every domain on
    stderr, where -q is the exit status alone."""
    res = run_fault("-q", "-s", "-t", "0.5", "--tries", "1",
                    "nxdomain.fault.test", "servfail.fault.test")
    assert res.rc == 3, res
    assert res.out == "" and res.err == "", res
    loud = run_fault("-s", "-t", "0.5", "--tries", "1",
                     "nxdomain.fault.test", "servfail.fault.test")
    assert loud.rc == 3 and len(loud.err.splitlines()) == 2, loud


# ------------------------------------------------- found with the mutants


class _DelayedServer:
    """A UDP server on 127.0.0.1 that answers every query after a delay:
    with SERVFAIL, or with one MX record and addresses.  Records the
    (qname, qtype) it saw."""

    def __init__(self, delay, servfail=False, exchange="mx.late.test.",
                 address="192.31.196.1"):
        import socket
        import threading
        self.delay, self.servfail = delay, servfail
        self.exchange, self.address = exchange, address
        self.seen = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.timers = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        import threading
        import dns.flags
        import dns.message
        import dns.rcode
        import dns.rrset
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            q = dns.message.from_wire(data)
            name, qtype = q.question[0].name, q.question[0].rdtype
            self.seen.append((name.to_text().lower(), qtype))
            r = dns.message.make_response(q)
            r.flags |= dns.flags.AA
            if self.servfail:
                r.set_rcode(dns.rcode.SERVFAIL)
            elif qtype == 15:
                r.answer.append(dns.rrset.from_text(
                    name, 300, "IN", "MX", "10 " + self.exchange))
            elif qtype == 1:
                r.answer.append(dns.rrset.from_text(
                    name, 300, "IN", "A", self.address))
            else:
                r.authority.append(dns.rrset.from_text(
                    "late.test.", 60, "IN", "SOA",
                    "ns.late.test. h.late.test. 1 2 3 4 60"))
            t = threading.Timer(self.delay, self._send, (r.to_wire(), peer))
            self.timers.append(t)
            t.start()

    def _send(self, wire, peer):
        try:
            self.sock.sendto(wire, peer)
        except OSError:
            pass

    def close(self):
        for t in self.timers:
            t.cancel()
        self.sock.close()


def test_late_error_of_an_earlier_server_ends_no_try(run):
    """Guards: a SERVFAIL from server A that comes after A's try has ended
    cut short the try running at server B, so that B's answer, due within
    its own try, was never heard: SERVFAIL and exit 3 where the answer was
    a route."""
    a = _DelayedServer(1.3, servfail=True)
    b = _DelayedServer(0.5)
    try:
        res = run("-j", "-t", "1", "--tries", "1", "--server",
                  "127.0.0.1:%d,127.0.0.1:%d" % (a.port, b.port),
                  "late.test", server=False)
    finally:
        a.close()
        b.close()
    assert res.rc == 0, res
    o = one(res)
    assert o["verdict"] == "mx" and o["server"] == "127.0.0.1#%d" % b.port
    assert addrs(o["exchanges"][0]) == ["192.31.196.1"]


def test_prefixed_name_too_long_is_no_such_name(run):
    """Guards: an exchange whose _25._tcp name would pass 255 octets got
    "TLSA lookup failed: timed out" in 3 ms, without a question: such a
    name cannot exist, so there are no TLSA records."""
    label = "a" * 60
    ex = ".".join([label, label, label, "b" * 53, "late", "test"]) + "."
    s = _DelayedServer(0, exchange=ex)
    try:
        res = run("-j", "--dane", "-t", "1", "--tries", "1",
                  "@127.0.0.1", "-p", str(s.port), "late.test",
                  server=False)
    finally:
        s.close()
    assert res.rc == 0, res
    dane = one(res)["exchanges"][0]["dane"]
    assert dane["state"] == "none" and dane["status"] == "nxdomain", dane
    assert not [q for q in s.seen if q[1] == 52], s.seen     # no TLSA asked


def test_a_udp_socket_carries_at_most_eight_questions(run_fault, fault):
    """Guards: source ports not rotated (RFC 5452; the man page promises
    a new socket, with a new random source port, after 8 questions)."""
    fault.clear_queries()
    names = ["port%d.fault.test" % i for i in range(12)]
    res = run_fault("-s", "-t", "2", *names)
    assert res.rc == 0, res
    per_port = {}
    for q in fault.log():
        if q["transport"] == "udp":
            per_port[q["sport"]] = per_port.get(q["sport"], 0) + 1
    total = sum(per_port.values())
    # MX (NODATA), then the domain's own A and AAAA: the implicit MX.
    assert total >= 3 * len(names), per_port
    assert max(per_port.values()) <= 8, per_port
    assert len(per_port) >= -(-total // 8), per_port
