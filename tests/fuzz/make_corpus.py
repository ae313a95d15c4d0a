#!/usr/bin/python3
"""Rebuild the seed corpus of the fuzz harnesses in tests/fuzz/corpus/.

    /usr/bin/python3 tests/fuzz/make_corpus.py [--servers KNOTPORT FAULTPORT]

Captures raw replies from the loopback test servers (knotd serving
examples/zones and tests/system/zones through tests/system/knot.py, and
tests/system/faultserver.py), started and stopped here unless --servers
gives the ports of running ones; adds a few hand-built replies for bounds
the servers do not reach; and writes:

  corpus/fuzz_wire/  the replies as received (DNS ID 0)
  corpus/fuzz_fmt/   the same replies with the DNS ID set to select output
                     options (see B_* in fuzz_fmt.c), and the hostile ones
                     again with several option sets
  corpus/fuzz_name/  names as typed: ASCII, IDN, A-labels, escapes,
                     invalid UTF-8, controls, bidi, limits, e-mail, URL, IP

Needs Debian's python3-dnspython and knotd; loopback only.  Review
`git status tests/fuzz/corpus` afterwards: the fuzz harnesses' replay step
(tests/fuzz/run.sh 0) must pass on the new corpus.
"""
import argparse
import contextlib
import os
import shutil
import socket
import struct
import sys

import dns.message
import dns.name
import dns.rdatatype

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))

# (file name, server, query name, type, transport); K knotd, F fault server.
K, F = "knot", "fault"
REPLIES = [
    ("knot-cisco.com-mx", K, "cisco.com.", "MX", "udp"),
    ("knot-apple.com-mx", K, "apple.com.", "MX", "udp"),
    ("knot-hp.com-mx", K, "hp.com.", "MX", "udp"),
    ("knot-big.mxq.test-mx-tcp", K, "big.mxq.test.", "MX", "tcp"),
    ("knot-big.mxq.test-mx-udp-tc", K, "big.mxq.test.", "MX", "udp"),
    ("knot-hostile.mxq.test-mx", K, "hostile.mxq.test.", "MX", "tcp"),
    ("knot-idnx.mxq.test-mx", K, "idnx.mxq.test.", "MX", "udp"),
    ("knot-xn--bcher-kva.example-mx", K, "xn--bcher-kva.example.", "MX", "udp"),
    ("knot-equal.mxq.test-mx", K, "equal.mxq.test.", "MX", "udp"),
    ("knot-nullmx.mxq.test-mx", K, "nullmx.mxq.test.", "MX", "udp"),
    ("knot-nullmulti.mxq.test-mx", K, "nullmulti.mxq.test.", "MX", "udp"),
    ("knot-cname.mxq.test-mx", K, "cname.mxq.test.", "MX", "udp"),
    ("knot-implicit.mxq.test-mx", K, "implicit.mxq.test.", "MX", "udp"),
    ("knot-nxdomain.mxq.test-mx", K, "nosuchname.mxq.test.", "MX", "udp"),
    ("knot-v6only-aaaa", K, "mx.v6only.mxq.test.", "AAAA", "udp"),
    ("knot-a.equal-a", K, "a.equal.mxq.test.", "A", "udp"),
    ("knot-refused", K, "example.org.", "MX", "udp"),
    ("fault-ok-mx", F, "ok.fault.test.", "MX", "udp"),
    ("fault-ptrloop-mx", F, "ptrloop.fault.test.", "MX", "udp"),
    ("fault-ptrloop2-mx", F, "ptrloop2.fault.test.", "MX", "udp"),
    ("fault-ptrpast-mx", F, "ptrpast.fault.test.", "MX", "udp"),
    ("fault-cut-mx", F, "cut.fault.test.", "MX", "udp"),
    ("fault-rdlenshort-mx", F, "rdlenshort.fault.test.", "MX", "udp"),
    ("fault-rdlenlong-mx", F, "rdlenlong.fault.test.", "MX", "udp"),
    ("fault-countbig-mx", F, "countbig.fault.test.", "MX", "udp"),
    ("fault-labeltype-mx", F, "labeltype.fault.test.", "MX", "udp"),
    ("fault-longname-mx", F, "longname.fault.test.", "MX", "udp"),
    ("fault-trailing-mx", F, "trailing.fault.test.", "MX", "udp"),
    ("fault-esc-mx", F, "esc.fault.test.", "MX", "udp"),
    ("fault-bidi-mx", F, "bidi.fault.test.", "MX", "udp"),
    ("fault-tc1000-mx-tcp", F, "tc1000.fault.test.", "MX", "tcp"),
    ("fault-tc-mx-tcp", F, "tc.fault.test.", "MX", "tcp"),
    ("fault-servfail-mx", F, "servfail.fault.test.", "MX", "udp"),
    ("fault-nxdomain-mx", F, "nxdomain.fault.test.", "MX", "udp"),
    ("fault-nodata-mx", F, "nodata.fault.test.", "MX", "udp"),
    ("fault-badalen-a", F, "badalen.fault.test.", "A", "udp"),
    ("fault-noq-mx", F, "noq.fault.test.", "MX", "udp"),
    ("fault-wrongq-mx", F, "wrongq.fault.test.", "MX", "udp"),
    ("fault-stray-mx", F, "stray.fault.test.", "MX", "udp"),
    ("fault-loop1-a", F, "loop1.fault.test.", "A", "udp"),
    ("fault-link00-a", F, "link00.fault.test.", "A", "udp"),
    ("fault-cnamemx-mx", F, "cnamemx.fault.test.", "MX", "udp"),
    ("fault-ipliteral-mx", F, "ipliteral.fault.test.", "MX", "udp"),
    ("fault-nullmixed-mx", F, "nullmixed.fault.test.", "MX", "udp"),
    ("fault-prefs-mx", F, "prefs.fault.test.", "MX", "udp"),
    ("fault-ttlhigh-mx", F, "ttlhigh.fault.test.", "MX", "udp"),
    ("fault-dups-mx", F, "dups.fault.test.", "MX", "udp"),
    ("fault-mixed-mx", F, "mixed.fault.test.", "MX", "udp"),
]

# Names as a user types them (fuzz_name).
NAMES = {
    "ascii": b"cisco.com", "ascii-dot": b"apple.com.", "upper": b"MXQ.Test.",
    "idn-utf8": "bücher.example".encode(), "idn-upper": "BÜCHER.example".encode(),
    "idn-alabel": b"xn--bcher-kva.example.",
    "idn-alabel-upper": b"XN--BCHER-KVA.EXAMPLE",
    "idn-muenchen": "münchen.de.".encode(), "idn-sharp-s": "straße.example".encode(),
    "idn-rtl-arabic": "مثال.إختبار".encode(), "idn-cjk": "例え.テスト".encode(),
    "idn-emoji": "☃.example".encode(), "alabel-snowman": b"xn--n3h.example",
    "alabel-rlo": b"xn--rtlo-ud7a.bidi-host.fault.test.",
    "alabel-csi": b"xn--csi-dda.example",
    "alabel-bad1": b"xn--a.example", "alabel-bad2": b"xn--99999999999.example",
    "alabel-zca": b"xn--zca.example", "alabel-mller": b"xn--mller-kva.mxq.test.",
    "bidi-raw": "\u202eevil.example".encode(), "zwj": "a\u200db.example".encode(),
    "c1-utf8": b"\xc2\x9b31m.example", "esc-raw": b"\x1b[31mred.example",
    "invalid-utf8": b"caf\xc3\x28.example", "invalid-ff": b"\xff\xfe.example",
    "overlong": b"\xc0\xaf.example", "surrogate": b"\xed\xa0\x80.example",
    "escapes": b"a\\032b.nul\\000x.\\255\\128.example",
    "escape-dot": b"a\\.b.example", "escape-bs": b"back\\\\slash.example",
    "escape-bad": b"\\999.example", "escape-short": b"\\1.example",
    "escape-end": b"example\\", "quote": b"quo\\\"te.example",
    "nul-inside": b"a\x00b.example", "empty": b"", "root": b".", "dots": b"...",
    "empty-label": b"a..b", "leading-dot": b".example", "space": b"sp ace.example",
    "tab": b"\tex.example", "newline": b"new\nline.example",
    "hyphens": b"-leading.trailing-.example",
    "underscore": b"_dmarc.under_score.example",
    "format": b"%s%n%x.example", "email": b"user@example.com",
    "email-bad": b"a@b@c", "url": b"https://example.com/path",
    "ipv4": b"192.0.2.1", "ipv6": b"[2001:db8::1]", "ipv6-bare": b"2001:db8::1",
    "label63": b"a" * 63 + b".example", "label64": b"a" * 64 + b".example",
    "name253": b".".join([b"a" * 63] * 3 + [b"b" * 61]),
    "name254": b".".join([b"a" * 63] * 3 + [b"b" * 62]),
    "name253-escaped": b".".join([b"\\255" * 63] * 3 + [b"\\000" * 61]) + b".",
    "long-unicode": ("ü" * 60 + ".example").encode(),
}

# DNS IDs for the fuzz_fmt copies, cycled: each bit is an option (fuzz_fmt.c).
FMT_IDS = [0x0000, 0x0001, 0x0003, 0x0005, 0x0013, 0x0027, 0x0101, 0x0203,
           0x0311, 0x0421, 0x0507, 0x0683, 0x0703, 0x1001, 0x1102, 0x0009,
           0x08c1, 0x2001, 0x4001, 0x6002]
FMT_HOSTILE = ["knot-hostile.mxq.test-mx", "fault-esc-mx", "fault-bidi-mx",
               "knot-idnx.mxq.test-mx", "knot-xn--bcher-kva.example-mx",
               "synth-maxname-mx"]
FMT_HOSTILE_IDS = [0x0003, 0x0087, 0x1006]


def _query(name, rdtype):
    q = dns.message.make_query(dns.name.from_text(name),
                               dns.rdatatype.from_text(rdtype),
                               use_edns=0, payload=1232)
    q.id = 0
    return q.to_wire()


def _udp(port, wire):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(wire, ("127.0.0.1", port))
        return s.recvfrom(65535)[0]


def _tcp(port, wire):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        buf = b""
        while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
            chunk = s.recv(65535)
            if not chunk:
                raise EOFError("connection closed mid-reply")
            buf += chunk
        return buf[2:2 + struct.unpack("!H", buf[:2])[0]]


def _labels(*labels):
    return b"".join(bytes([len(x)]) + x for x in labels) + b"\0"


def _header(qd, an, ns, ar, flags=0x8400):
    return struct.pack("!HHHHHH", 0, flags, qd, an, ns, ar)


def synthetic():
    """Hand-built replies for what the servers do not send."""
    out = {}
    q = _labels(b"max", b"test") + struct.pack("!HH", 15, 1)
    # An exchange of exactly 255 octets, every awkward byte in it.
    ex = _labels(b"\xff" * 63, b"\x00" * 63, b".\\\"" * 21,
                 b"\x1b[31m\x7f" + b"A" * 55)
    assert len(ex) == 255
    rr = (b"\xc0\x0c" + struct.pack("!HHIH", 15, 1, 300, 2 + len(ex)) +
          b"\0\x0a" + ex)
    out["synth-maxname-mx"] = _header(1, 1, 0, 0) + q + rr
    # Question name given as a pointer into the header (backwards: legal).
    out["synth-qptr-header"] = (b"\x00\x03\x84\x00\x00\x01\x00\x00\x00\x00"
                                b"\x00\x00\xc0\x02" + struct.pack("!HH", 15, 1))
    out["synth-header-only"] = _header(0, 0, 0, 0)
    # OPT with extended RCODE bits (BADVERS).
    opt = b"\0" + struct.pack("!HHIH", 41, 1232, 0x01000000, 0)
    out["synth-opt-badvers"] = _header(1, 0, 0, 1) + q + opt
    # CNAME to the MX owner, glue with extreme TTLs, RA set.
    target = _labels(b"target", b"test")
    mxn = _labels(b"mx", b"target", b"test")
    cname = b"\xc0\x0c" + struct.pack("!HHIH", 5, 1, 60, len(target)) + target
    mx = (target + struct.pack("!HHIH", 15, 1, 0, 2 + len(mxn)) +
          b"\xff\xff" + mxn)
    glue4 = (mxn + struct.pack("!HHIH", 1, 1, 2147483647, 4) +
             bytes([192, 0, 2, 7]))
    glue6 = (mxn + struct.pack("!HHIH", 28, 1, 5, 16) +
             bytes.fromhex("20010db8000000000000000000000007"))
    out["synth-cname-glue"] = (_header(1, 2, 0, 2, flags=0x8180) + q +
                               cname + mx + glue4 + glue6)
    return out


@contextlib.contextmanager
def servers(ports):
    if ports:
        yield {K: ports[0], F: ports[1]}
        return
    from faultserver import FaultServer
    from knot import Knot
    zones = [os.path.join(ROOT, "examples", "zones"),
             os.path.join(ROOT, "tests", "system", "zones")]
    with Knot(zone_dirs=zones) as k, FaultServer(host="127.0.0.1", port=0) as fs:
        yield {K: k.port, F: fs.port}


def write_dir(path, files):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    for name, data in sorted(files.items()):
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)
    print("%s: %d files, %d bytes" % (os.path.relpath(path, ROOT), len(files),
                                      sum(len(d) for d in files.values())))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--servers", nargs=2, type=int,
                    metavar=("KNOTPORT", "FAULTPORT"),
                    help="use running servers on 127.0.0.1")
    args = ap.parse_args()

    replies = {}
    with servers(args.servers) as port:
        for tag, srv, name, rdtype, transport in REPLIES:
            send = _tcp if transport == "tcp" else _udp
            replies[tag] = send(port[srv], _query(name, rdtype))
    replies.update(synthetic())

    corpus = os.path.join(HERE, "corpus")
    write_dir(os.path.join(corpus, "fuzz_wire"), replies)
    fmt = {}
    for i, (tag, data) in enumerate(sorted(replies.items())):
        if len(data) >= 12:
            fmt[tag] = struct.pack("!H", FMT_IDS[i % len(FMT_IDS)]) + data[2:]
    for tag in FMT_HOSTILE:
        for qid in FMT_HOSTILE_IDS:
            fmt["%s-id%04x" % (tag, qid)] = struct.pack("!H", qid) + replies[tag][2:]
    write_dir(os.path.join(corpus, "fuzz_fmt"), fmt)
    write_dir(os.path.join(corpus, "fuzz_name"), NAMES)


if __name__ == "__main__":
    main()
