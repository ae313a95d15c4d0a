#!/usr/bin/python3
"""A scripted, misbehaving authoritative DNS server for mxq's system tests.

Library use (needs Debian's python3-dnspython; run with /usr/bin/python3):

    from faultserver import FaultServer
    with FaultServer(host="127.0.0.1", port=0) as fs:
        fs.port        # int: the same port number for UDP and TCP
        fs.queries()   # [(transport, qname_text, qtype_text), ...] so far
        fs.log()       # [{"transport", "qname", "qtype", "id", "sport",
                       #   "edns", "do", "cd", "rd", "ad"}, ...] so far
        fs.clear_queries()   # forgets both, and the flaky* memory

Command line:

    /usr/bin/python3 tests/system/faultserver.py [--host 127.0.0.1] [--port N] [--log]
        prints the port on the first line of stdout, then serves until
        SIGINT/SIGTERM (--log: one line per query on stderr)

The server is authoritative for ``fault.test.``.  It listens on UDP and TCP
(length-prefixed, any number of queries per connection), each in a
background thread; leaving the ``with`` block (or ``stop()``) closes every
socket and joins every thread.  ``queries()`` records every query that
parsed as a DNS message: transport ``"udp"``/``"tcp"``, the query name as
received in dnspython presentation format (case kept, odd bytes escaped as
``\\DDD``, e.g. ``"nul\\000byte.esc-host.fault.test."``), and the type as
text (``"MX"``, ``"A"``, ``"AAAA"``, ``"TYPE65534"``).  ``log()`` holds
the same queries with their details, one dict each: ``transport``,
``qname`` (as in ``queries()``, case kept), ``qtype`` (text), ``id`` (the
query ID, int), ``sport`` (the client's source port, int), ``edns`` (an OPT
record was present), ``do`` (the DO bit of the OPT record), ``cd``, ``rd``
and ``ad`` (header bits), all booleans.

How a name is answered
----------------------
The FIRST label of the query name (ASCII case-insensitive) selects the
behaviour.  Exchanges named in answers live under ``fault.test.`` too and are
answered by the same server according to their own first label, so a test
points mxq at this one server for everything.

* a name outside ``fault.test.``: REFUSED, AA=0, no records (that includes
  the exchange ``192.31.196.7.`` of ``ipliteral`` and ``mx.evil.example.``).
* ``fault.test.`` itself: SOA and NS answered, anything else NODATA.
* an unknown first label ("default host", e.g. ``mx1.ok-host.fault.test.``):
  A -> ``192.31.196.1``, AAAA -> ``2001:4:112::1`` (TTL 300); MX and every other
  type -> NODATA (NOERROR, empty answer, SOA in the authority section).
* the scenario labels below; the "applies" column says for which qtypes:
  - ``all``: transport/RCODE scenarios misbehave for every qtype.
  - ``MX``: content scenarios misbehave only for the MX query; their A,
    AAAA and other queries are answered like the default host.
  - exchange-side labels (``A``, ``A/AAAA``, some ``all``: badalen, ttl0,
    ttlmax, dupa, loop1/loop2, link00..link20) exist to be named by an MX
    scenario; their other qtypes are answered as the row says.

Normal replies are built by dnspython: QR=1, AA=1, RD copied, ID and
question copied as received (case kept), names compressed, an OPT record
(payload 1232) when the query had one, records in the order listed below
(no rotation).  Names are compressed as knotd and BIND compress them,
without regard to letter case: a name that shares a suffix with the
question points into it, so in the reply it reads in the question's case
(asked ``Live7.FAULT.test.``, live7's exchange reads
``mx.live7.FAULT.test.``); a client that randomises the case of its query
names (0x20) must put its own case back in the question before it reads
the records.  A normal UDP reply bigger than the client's limit (512, or
its EDNS payload) is sent as TC=1 without records, as a real server would
(only link00's MX reply without EDNS is that big).  Hand-built (malformed)
replies carry no OPT (except ``trailing``, a dnspython reply plus garbage)
and are never truncated.  ``mx1``/``mx2`` below mean ``mx1.ok-host.fault.test.``
and ``mx2.ok-host.fault.test.`` (both default hosts).

Statuses are mxq's (mxq(1), JSON FIELDS): ok, nxdomain, nodata, timeout, servfail,
refused, malformed; "exit" is mxq's exit status when the domain is the
only one asked.

Scenario table
--------------
::

  name        applies   bytes sent                                  a correct client concludes
  ----------  --------  ------------------------------------------  ------------------------------------
  ok          MX        MX 10 mx1, MX 20 mx2 (TTL 300)              ok: 2 exchanges, each 192.31.196.1 +
                                                                    2001:4:112::1; exit 0
  timeout     all       nothing, over UDP; TCP connection accepted  timeout (no reply at all); exit 3
                        and read but never answered
  slow        all       after 1.5 s: MX like ok (A/AAAA like the    ok if it waits > 1.5 s in all
                        default host); UDP and TCP; other queries   (c-ares retries reuse the ID, so
                        are answered meanwhile                      a late reply to try 1 is usually
                                                                    taken during try 2), else
                                                                    timeout (exit 3)
  servfail    all       RCODE 2 SERVFAIL, no records                servfail (temporary); exit 3
  refused     all       RCODE 5 REFUSED, AA=0, no records           refused (server will not answer);
                                                                    exit 3
  notimp      all       RCODE 4 NOTIMP, no records                  temporary failure (servfail-like,
                                                                    the server cannot answer); exit 3
  formerr     all       RCODE 1 FORMERR, no records, NO OPT record  server rejected the query: temporary
                                                                    failure (servfail/malformed-like),
                                                                    exit 3.  Note: c-ares 1.18.1 turns
                                                                    EDNS off for the whole channel
                                                                    after one FORMERR without OPT.
  tc          all       UDP: TC=1, question only, no records.       ok: falls back to TCP; 1 exchange
                        TCP: MX 10 mx.tc-host.fault.test. plus its  mx.tc-host with 192.31.196.1 and
                        A and AAAA in the additional section        2001:4:112::1 (resolved by its own
                        (A/AAAA over TCP: default host)             queries); exit 0
  tchang      all       UDP: TC=1, no records.  TCP: connection     timeout (the TCP retry never gets
                        accepted, query read, never answered        an answer); exit 3
  tc1000      all       UDP: TC=1, no records.  TCP: 1,000 MX       ok: 1,000 exchanges sorted by
                        records mxNNNN.h.fault.test. with           preference (mx0000 .. mx0999), each
                        preference NNNN, 0..999, in a fixed         192.31.196.1/2001:4:112::1 (2,000 address
                        shuffled order (random.Random(1000)),       queries: needs a bounded window);
                        compressed, ~23,000 bytes (A/AAAA over      exit 0
                        TCP: default host)
  nxdomain    all       RCODE 3 NXDOMAIN, SOA in authority          nxdomain; exit 1.  As an exchange
                                                                    (see mixed): exchange nxdomain
  nodata      MX        NOERROR, empty answer, SOA (same as any     implicit MX (RFC 5321 5.1): the
                        unknown label)                              domain's own 192.31.196.1 /
                                                                    2001:4:112::1; exit 0

  --- malformed replies to the MX query (hand-built; question echoed at offset 12; MX owner
      is a pointer 0xC00C to the question name) ---
  ptrloop     MX        1 MX whose exchange is a compression        malformed (pointer loop); must not
                        pointer to its own offset (C0xx at xx)      hang; exit 3
  ptrloop2    MX        2 MX: exchange 1 = label "a" + pointer to   malformed (loop a->b->a; the first
                        exchange 2; exchange 2 = label "b" +        pointer points forward); exit 3
                        pointer back to exchange 1
  ptrpast     MX        1 MX whose exchange is a pointer to the     malformed (off-by-one: the pointer
                        offset just past the last byte              target == packet length); exit 3
  cut         MX        the ok reply (ANCOUNT 2, uncompressed       malformed: the whole reply, not
                        names) cut in the middle of the 2nd MX's    "mx1 only"; exit 3
                        exchange name; TC=0
  rdlenshort  MX        1 MX, RDLENGTH 10 but the rdata (pref +     malformed (name runs past RDLENGTH);
                        mx1.ok-host.fault.test.) is 26 bytes, all   exit 3
                        present
  rdlenlong   MX        1 MX, RDLENGTH 30: pref + mx1.ok-host...    malformed (junk after the name
                        (26 bytes) + 4 zero bytes                   inside the rdata); exit 3
  countbig    MX        ANCOUNT 5, 1 MX record (mx1) present,       malformed (count not trusted); exit 3
                        packet ends there
  labeltype   MX        2 MX: exchanges 0x41 'a' + labeltype-host.  malformed (label types 01/10 are
                        fault.test. and 0x81 'b' + the same         not valid); a reader that masks
                        (label type bits 01 and 10)                 0x3F sees a.labeltype-host... and
                                                                    is wrong; exit 3
  longname    MX        1 MX, exchange = 4 labels of 63 bytes +     malformed (name > 255 octets);
                        longname-host.fault.test. = 282 octets      exit 3
  trailing    MX        the ok reply (dnspython) + 20 garbage       either ok (like ok) or malformed;
                        bytes (DE AD BE EF x5)                      must not crash or print garbage
  badarlen    MX        MX 10 badalen.fault.test. (valid)           1 exchange badalen, status
                                                                    malformed (A reply malformed, no
                                                                    AAAA); exit 3
  badalen     A         A 192.31.196.1 with RDLENGTH 5 (4 address      this A reply is malformed;
              AAAA      bytes + 00); AAAA/MX: NODATA                AAAA: nodata

  --- forged or stray replies ---
  wrongid     all       the ok reply (or default-host reply) with   reply not for us: dropped (c-ares
                        ID = query ID XOR 0xFFFF                    does) -> timeout; exit 3
  wrongq      all       a reply whose question AND records are for  reply not for us: dropped (c-ares
                        wrongq-other.fault.test. (MX 10 mx1,        compares questions) -> timeout;
                        MX 20 mx2), right ID                        exit 3.  Must not show mx1/mx2,
                                                                    nor take it as NODATA
  noq         all       QDCOUNT 0; answer MX 10 mx1 / MX 20 mx2     dropped (no question to match)
                        owned by the query name, right ID           -> timeout; exit 3
  otheraddr   all       UDP: the ok reply, right ID and question,   c-ares drops replies from another
                        sent from 127.0.0.2 (same port) instead of  address -> timeout; exit 3.  TCP:
                        127.0.0.1; never from 127.0.0.1.  TCP: no   timeout.  If 127.0.0.2 could not
                        answer (accepted, never answered)           be bound (fs.alt_bound False, or
                                                                    host is not IPv4) nothing is sent.
  stray       MX        answer: A mx1.ok-host.fault.test.           ok: 1 exchange mx1.stray-host with
                        192.175.48.66, MX 10 mx1.stray-host.        192.31.196.1/2001:4:112::1 (own queries);
                        fault.test. (the real one), MX 0            ignore records whose owner is not
                        mx.evil.example. owned by                   the qname or its CNAME chain: never
                        victim.fault.test.                          192.175.48.66 or mx.evil.example,
                                                                    even in a batch with ok or
                                                                    victim.fault.test (cache poisoning);
                                                                    exit 0

  --- hostile content in MX answers (all well-formed) ---
  esc         MX        10 MX to <label>.esc-host.fault.test.       ok, 10 exchanges, each 192.31.196.1 /
                        (default hosts), first labels:              2001:4:112::1, exit 0.  Names printed
                        10 ESC "[31mred"  20 "new" LF "line"        escaped like dig, e.g.
                        30 "nul" NUL "byte"  40 "sp ace"            \\027[31mred  new\\010line
                        50 "dot.label" (0x2E inside the label)      nul\\000byte  sp\\032ace  dot\\.label
                        60 'quo"te'  70 "back\\slash"               quo\\"te  back\\\\slash  \\128..\\255
                        80 three labels 0x80..0xBE, 0xBF..0xFD,     bad\\195(utf8\\192\\175\\237\\160\\128
                           0xFE 0xFF                                semi\\;par\\(\\)at\\@dol\\$del\\127
                        90 "bad" C3 28 "utf8" C0 AF ED A0 80        No raw byte in any output mode;
                           (invalid UTF-8)                          A/AAAA asked with exactly these
                        100 'semi;par()at@dol$del' 0x7F             bytes (check queries()).
  bidi        MX        MX 10 xn--rtlo-ud7a.bidi-host.fault.test.   ok, exit 0; shown as the A-labels
                        (U+202E RLO + "rtlo"), MX 20                (the U-labels are not valid
                        xn--csi-dda.bidi-host.fault.test.           IDNA2008 and do not round-trip):
                        (U+009B CSI + "csi"); default hosts         never emit U+202E or U+009B
  cnameloop   MX        MX 10 loop1.fault.test.                     exchange loop1: malformed (CNAME
  loop1,loop2 all       CNAME loop1 -> loop2 and CNAME loop2 ->     loop, no address); must stop;
                        loop1 (both, in one answer)                 exit 3
  cnamelong   MX        MX 10 link00.fault.test.                    ok: link00 -> ... -> link20,
  link00..20  all       linkNN (NN<20): CNAME linkNN -> linkNN+1,   192.31.196.1 / 2001:4:112::1 (a
                        ..., link19 -> link20 (20-NN links), then   client with a documented chain
                        link20's A/AAAA (MX: NODATA); link20 is a   limit below 20 may say malformed,
                        default host                                but must not loop or crash); exit 0
  chase       MX        MX 10 hop00.fault.test.                     the client follows one link per
  hop00..39   all       hopNN: only CNAME hopNN -> hopNN+1, after   reply, 0.25 s each: it must stop
                        0.25 s, AA=1, RA=0 (never an address)       at its CNAME bound or its time
                                                                    limit per domain, whichever
                                                                    comes first; exit 3
  lossy       all       the first copy of each query (name, type,   ok; a client that sends the
                        ID) is dropped, a retransmission with the   same query again before its
                        same ID answered: MX 10 lossy.fault.test.   timeout is over loses a fraction
                        (itself), A 192.31.196.1, AAAA 2001:4:112::1     of it per round, not all of it
  cnamemx     all       CNAME cnamemx -> ok.fault.test., then ok's  ok: the MX set of ok (mx1, mx2)
                        MX (or A/AAAA of ok)                        found via the CNAME; exit 0
  ipliteral   MX        MX 10 192.31.196.7. (a 5-label name)           exchange 192.31.196.7. is a NAME:
                                                                    its A query is REFUSED here ->
                                                                    refused, exit 3; never use
                                                                    192.31.196.7 as an address
  nullmixed   MX        MX 0 . and MX 10 mx1                        not a null MX (RFC 7505: only if
                                                                    alone): "." is not resolved and has
                                                                    no address, mx1 ok; exit 0
  prefs       MX        MX 0 p0.prefs-host, MX 65535 p65535.prefs-  ok; order 0, 10, 65535 (numeric,
                        host, MX 10 p10.prefs-host (that order)     unsigned); exit 0
  ttls        MX        MX 10 ttl0.fault.test. TTL 0, MX 20         ok; TTLs shown exactly 0 and
                        ttlmax.fault.test. TTL 2147483647 (two      2147483647 (no sign or overflow);
                        RRsets, so TTLs differ in one RRset)        exit 0
  ttl0        A/AAAA    192.31.196.1 / 2001:4:112::1 with TTL 0
  ttlmax      A/AAAA    192.31.196.1 / 2001:4:112::1, TTL 2147483647
  ttlhigh     MX        MX 10 mx1 TTL 2147483648, MX 20 mx2 TTL     ok; RFC 2181 s8: TTLs with the top
                        4294967295                                  bit set count as 0; never negative
  dups        MX        the same record MX 10 dupa.fault.test.      ok: 1 exchange (identical records
                        three times (ANCOUNT 3)                     are one, RFC 2181 s5) with
  dupa        A         A 192.31.196.1 twice; AAAA once                192.31.196.1 once and 2001:4:112::1;
                                                                    resolved once; exit 0
  mixed       MX        MX 10 mx1, 20 nxdomain.fault.test., 30      exchanges ok, nxdomain, servfail,
                        servfail.fault.test., 40 refused.fault.     refused, timeout: one failure never
                        test., 50 timeout.fault.test.               hides the others; exit 0 (mx1)

TCP: every scenario answers the same over TCP as over UDP except tc,
tchang, tc1000 (above), otheraddr (no TCP answer) and timeout (no answer).

Real-condition scenarios
------------------------
What real servers do that the rows above do not: referrals and lame
answers, recursive servers, out-of-bailiwick additional data, servers that
lose the letter case of the question, off-path forgers, servers that
reject EDNS, transient failures, slow or broken TCP, and names in bulk for
surveys.  They live in ``CONDITIONS``, not ``SCENARIOS``: test_faults.py
holds every ``SCENARIOS`` row to what today's mxq concludes, while these
are tested by test_real_conditions.py (the behaviour of the new mxq; its
docstring lists them).  They are looked up the same way (first label,
case-insensitive); ``live<N>`` and ``dead<N>`` take any decimal N.  Same
columns as above; "RA" is the Recursion Available bit (0 everywhere above,
as from an authoritative server), AA is 1 unless the row says otherwise::

    name        applies   bytes sent                                  a correct client concludes
    ----------  --------  ------------------------------------------  ------------------------------------
    referral    all       NOERROR, AA=0, RA=0, empty answer,          a referral (authoritative server's
                          authority: referral.fault.test. NS          answer for a delegated name), not
                          ns1.elsewhere.example. and NS ns2.else-     an answer: status referral, never
                          where.example., no SOA, no additional       nodata/implicit MX; exit 3
    refex       MX        MX 10 referral.fault.test.                  exchange referral: status referral;
                                                                      exit 3 (the route is unknown)
    refmix      MX        MX 10 referral.fault.test., MX 20 mx1       referral.fault.test. referral, mx1
                                                                      ok; exit 0
    lame        all       NXDOMAIN, AA=0, RA=0, SOA in authority      lame: a negative answer neither
                                                                      authoritative nor recursive is not
                                                                      trusted; never cached; exit 3
    lamenodata  all       NOERROR, empty answer, AA=0, RA=0, SOA in   lame (as above), never implicit
                          authority                                   MX; exit 3
    recursive   MX        the ok reply with AA=0, RA=1 (a recursive   ok; the additional A of mx1 is
                          server's answer), additional: mx1 A         taken (source additional, from a
                          192.31.196.77 (outside recursive.fault.test.)  recursive server): no A query for
                                                                      mx1; exit 0
    poison      MX        AA=1, RA=0: MX 10 mail.victim.example.,     the additional record is out of
                          additional: mail.victim.example. A          bailiwick: never used or shown;
                          192.175.48.66                               mail.victim.example. asked itself
                                                                      (REFUSED here): refused; exit 3
    glue        MX        MX 10 mx.glue.fault.test., additional:      in bailiwick (below the MX owner):
                          its A 192.31.196.55 and AAAA 2001:4:112::55      taken, source additional, no A/AAAA
                          (asked directly, "mx" is a default host:    query for it; exit 0
                          192.31.196.1 / 2001:4:112::1)
    sibling     MX        MX 10 mx.sib-host.fault.test., additional:  not below sibling.fault.test.: not
                          its A 192.31.196.56                            taken; its own queries give the
                                                                      default host's 192.31.196.1; exit 0
    casefold    all       like ok (MX) or the default host (A/AAAA),  a reply whose question is not the
                          but the question name is lower-cased (and   name sent, letter for letter, is
                          so are the records' owners)                 not for us (0x20): dropped ->
                                                                      timeout; exit 3
    spoof       all       UDP: at once a forged reply (right ID and   the forgery's question differs in
                          source, question name with the case of      case from the name sent: dropped;
                          every letter swapped, NXDOMAIN, AA=1, SOA   the genuine reply is taken: ok,
                          in authority), then after 0.2 s the         like ok; exit 0
                          genuine reply (ok's MX, or the default
                          host).  TCP: only the genuine reply
    noedns      all       a query with an OPT record: FORMERR         asks again without EDNS (and keeps
                          without OPT; without OPT: the normal        that for the server): ok, like ok;
                          answer (ok's MX, or the default host)       exit 0
    flakyhost   all       the first time a (lower-cased qname,        a temporary failure, never cached:
                          qtype) is asked: SERVFAIL; every later      asked again later it is answered
                          time: the default host's answer (the
                          memory is per FaultServer, cleared by
                          clear_queries())
    flaky1      MX        MX 10 flakyhost.fault.test.                 the first domain's exchange:
    flaky2      MX        MX 10 flakyhost.fault.test.                 servfail; the second one's: ok
    tcpslow     all       UDP: TC=1, no records.  TCP: after 0.5 s,   ok over TCP (wait for it); exit 0
                          ok's MX (or the default host)
    tcpclose    all       UDP: TC=1, no records.  TCP: the query is   no answer: unknown (timeout or the
                          read and the connection closed, every time  like); never blocks other domains;
                                                                      exit 3
    live<N>     MX        MX 10 mx.live<N>.fault.test. (a default     ok: one exchange with 192.31.196.1 and
                          host: every live domain its own exchange)   2001:4:112::1; exit 0
    dead<N>     all       nothing (UDP dropped; TCP read, never       timeout; exit 3 (must not starve
                          answered), like timeout                     the live ones in a survey)
    casea       MX        MX 10 MX.Shared-Case.fault.test.            one exchange; names compare
    caseb       MX        MX 10 mx.shared-case.fault.test.            case-insensitively: in one run it
                          ("mx"/"MX": a default host)                 is resolved once (one A, one AAAA)
    lonedot     MX        the single record MX 10 . (preference 10:   no address ("." is no host, never
                          not a null MX)                              looked up): no route; exit 1
    twopref     MX        MX 10 and MX 20, both                       two exchange entries (one per
                          mx.twopref-host.fault.test.                 record), same addresses; exit 0
    privhalf    all       A 10.9.8.7 (private: not reachable from     the AAAA that never came may be
                          the internet); AAAA never answered; MX      an address the internet reaches:
                          NODATA (the implicit MX)                    route unknown, never "no route
                                                                      from the internet"; exit 3
    privhalfmx  MX        MX 10 privhalf.fault.test.                  the same for an exchange; exit 3
"""

import argparse
import errno
import heapq
import random
import re
import select
import signal
import socket
import struct
import sys
import threading
import time

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.renderer
import dns.rrset
from dns.rdtypes.ANY.CNAME import CNAME
from dns.rdtypes.ANY.MX import MX
from dns.rdtypes.IN.A import A
from dns.rdtypes.IN.AAAA import AAAA

__all__ = ["FaultServer", "ZONE", "SCENARIOS", "CONDITIONS"]

ZONE = dns.name.from_text("fault.test.")
IN = dns.rdataclass.IN
T_A, T_AAAA, T_MX = dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.MX
T_CNAME, T_SOA, T_NS = dns.rdatatype.CNAME, dns.rdatatype.SOA, dns.rdatatype.NS

ADDR4 = "192.31.196.1"
ADDR6 = "2001:4:112::1"
POISON4 = "192.175.48.66"
# Data only, never contacted: an address the internet cannot reach.
PRIVATE4 = "10.9.8.7"
TTL = 300
OUR_PAYLOAD = 1232
SLOW_DELAY = 1.5
GARBAGE = b"\xde\xad\xbe\xef" * 5
CHAIN_END = 20          # link00 .. link20: 20 CNAME links from link00
HOP_COUNT = 40
HOP_DELAY = 0.25

SOA_RDATA = dns.rdata.from_text(
    IN, T_SOA, "ns.fault.test. hostmaster.fault.test. 1 3600 600 86400 60")
NS_RDATA = dns.rdata.from_text(IN, T_NS, "ns.fault.test.")

# First labels of the esc scenario's exchanges (under esc-host.fault.test.).
ESC_LABELS = [
    (10, [b"\x1b[31mred"]),
    (20, [b"new\nline"]),
    (30, [b"nul\x00byte"]),
    (40, [b"sp ace"]),
    (50, [b"dot.label"]),
    (60, [b'quo"te']),
    (70, [b"back\\slash"]),
    (80, [bytes(range(0x80, 0xBF)), bytes(range(0xBF, 0xFE)), b"\xfe\xff"]),
    (90, [b"bad\xc3\x28utf8\xc0\xaf\xed\xa0\x80"]),
    (100, [b"semi;par()at@dol$del\x7f"]),
]
BIDI_LABELS = [
    (10, "xn--" + "\u202ertlo".encode("punycode").decode("ascii")),
    (20, "xn--" + "\u009bcsi".encode("punycode").decode("ascii")),
]


def _n(text):
    return dns.name.from_text(text)


def _sub(labels, parent):
    """Name from raw label bytes (anything but empty) under a parent name."""
    return dns.name.Name(list(labels) + list(parent.labels))


# --------------------------------------------------------------------------
# Replies


class Reply:
    """What to do with one query: send `wire` (bytes) after `delay` seconds,
    from the alternate address when `alt` is true.  `None` means no reply.
    `more`: further Replies to the same query, each after its own delay
    (counted from the query, like `delay`).  `close` (TCP): close the
    connection instead of answering."""

    __slots__ = ("wire", "delay", "alt", "raw", "more", "close")

    def __init__(self, wire, delay=0.0, alt=False, raw=False, more=(), close=False):
        self.wire, self.delay, self.alt, self.raw = wire, delay, alt, raw
        self.more, self.close = list(more), close


class _Ctx:
    __slots__ = ("q", "wire", "qname", "qtype", "transport", "label", "server")

    def __init__(self, q, wire, qname, qtype, transport, label, server=None):
        self.q, self.wire, self.qname, self.qtype = q, wire, qname, qtype
        self.transport, self.label, self.server = transport, label, server

    def renamed(self, qname):
        """The same query as if it had asked for qname."""
        return _Ctx(self.q, self.wire, qname, self.qtype, self.transport,
                    self.label, self.server)


def _rrset(name, rdtype, ttl, *rdatas):
    rrs = dns.rrset.RRset(name, IN, rdtype)
    for rd in rdatas:
        rrs.add(rd, ttl)
    rrs.ttl = ttl
    return rrs


def _mx(pref, exchange):
    if isinstance(exchange, str):
        exchange = _n(exchange)
    return MX(IN, T_MX, pref, exchange)


def _a(addr=ADDR4):
    return A(IN, T_A, addr)


def _aaaa(addr=ADDR6):
    return AAAA(IN, T_AAAA, addr)


def _response(ctx, rcode=dns.rcode.NOERROR, aa=True):
    r = dns.message.make_response(ctx.q, our_payload=OUR_PAYLOAD)
    if aa:
        r.flags |= dns.flags.AA
    r.set_rcode(rcode)
    return r


def _soa_authority(r):
    r.authority.append(_rrset(ZONE, T_SOA, 60, SOA_RDATA))
    return r


def _nodata(ctx):
    return _soa_authority(_response(ctx))


def _rcode_only(ctx, rcode, aa=True):
    return _response(ctx, rcode, aa)


def _host(ctx, ttl=TTL, owner=None):
    """Default host: A/AAAA answered, everything else NODATA."""
    owner = owner or ctx.qname
    r = _response(ctx)
    if ctx.qtype == T_A:
        r.answer.append(_rrset(owner, T_A, ttl, _a()))
    elif ctx.qtype == T_AAAA:
        r.answer.append(_rrset(owner, T_AAAA, ttl, _aaaa()))
    else:
        _soa_authority(r)
    return r


def _mx_answer(ctx, records, owner=None):
    """MX query: answer with [(pref, exchange), ...]; others: default host."""
    if ctx.qtype != T_MX:
        return _host(ctx)
    r = _response(ctx)
    r.answer.append(_rrset(owner or ctx.qname, T_MX, TTL,
                           *[_mx(p, x) for p, x in records]))
    return r


OK_MX = [(10, "mx1.ok-host.fault.test."), (20, "mx2.ok-host.fault.test.")]


# ---- raw (hand-built) messages --------------------------------------------

def _raw_header(ctx, qd=1, an=0, ns=0, ar=0, rcode=0, tc=False, qid=None):
    flags = 0x8000 | 0x0400 | (ctx.q.flags & dns.flags.RD) | rcode
    if tc:
        flags |= 0x0200
    qid = ctx.q.id if qid is None else qid
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def _raw_question(ctx):
    return ctx.qname.to_wire() + struct.pack("!HH", ctx.qtype, IN)


def _raw_rr_fixed(rtype, rdlength, ttl=TTL, owner=b"\xc0\x0c"):
    return owner + struct.pack("!HHIH", rtype, IN, ttl, rdlength)


def _wire_name(text):
    return _n(text).to_wire()


def _ptr(offset):
    assert 0 <= offset < 0x4000
    return struct.pack("!H", 0xC000 | offset)


MX1_WIRE = _wire_name("mx1.ok-host.fault.test.")   # 24 bytes
MX2_WIRE = _wire_name("mx2.ok-host.fault.test.")


def _raw_mx_rr(pref, name_wire, rdlength=None, extra=b""):
    rdata = struct.pack("!H", pref) + name_wire + extra
    return _raw_rr_fixed(T_MX, len(rdata) if rdlength is None else rdlength) + rdata


def _raw(ctx, build):
    """MX query: hand-built reply from build(ctx); others: default host."""
    if ctx.qtype != T_MX:
        return _host(ctx)
    return Reply(build(ctx), raw=True)


def _b_ptrloop(ctx):
    head = _raw_header(ctx, an=1) + _raw_question(ctx) + _raw_rr_fixed(T_MX, 4)
    at = len(head) + 2                          # offset of the exchange name
    return head + struct.pack("!H", 10) + _ptr(at)


def _b_ptrloop2(ctx):
    head = _raw_header(ctx, an=2) + _raw_question(ctx)
    rr_fixed = len(_raw_rr_fixed(T_MX, 0))
    a = len(head) + rr_fixed + 2                # exchange 1: b"\x01a" + ptr(b)
    b = a + 4 + rr_fixed + 2                    # exchange 2: b"\x01b" + ptr(a)
    out = head + _raw_mx_rr(10, b"\x01a" + _ptr(b)) + _raw_mx_rr(20, b"\x01b" + _ptr(a))
    assert out[b - 2:b] == struct.pack("!H", 20)
    return out


def _b_ptrpast(ctx):
    head = _raw_header(ctx, an=1) + _raw_question(ctx) + _raw_rr_fixed(T_MX, 4)
    head += struct.pack("!H", 10)
    return head + _ptr(len(head) + 2)           # == total length


def _b_cut(ctx):
    full = (_raw_header(ctx, an=2) + _raw_question(ctx)
            + _raw_mx_rr(10, MX1_WIRE) + _raw_mx_rr(20, MX2_WIRE))
    # the second record: 12 fixed + 2 pref + 24 name; cut 10 bytes into the name
    return full[:len(full) - 24 + 10]


def _b_rdlenshort(ctx):
    return (_raw_header(ctx, an=1) + _raw_question(ctx)
            + _raw_mx_rr(10, MX1_WIRE, rdlength=10))


def _b_rdlenlong(ctx):
    return (_raw_header(ctx, an=1) + _raw_question(ctx)
            + _raw_mx_rr(10, MX1_WIRE, extra=b"\x00" * 4))


def _b_countbig(ctx):
    return (_raw_header(ctx, an=5) + _raw_question(ctx)
            + _raw_mx_rr(10, MX1_WIRE))


def _b_labeltype(ctx):
    tail = _wire_name("labeltype-host.fault.test.")
    return (_raw_header(ctx, an=2) + _raw_question(ctx)
            + _raw_mx_rr(10, b"\x41a" + tail) + _raw_mx_rr(20, b"\x81b" + tail))


def _b_longname(ctx):
    name = b"".join(b"\x3f" + bytes([c]) * 63 for c in b"abcd")
    name += _wire_name("longname-host.fault.test.")
    assert len(name) == 282
    return _raw_header(ctx, an=1) + _raw_question(ctx) + _raw_mx_rr(10, name)


# ---- scenario handlers: ctx -> Reply | dns.message.Message | None --------------

def _h_default(ctx):
    return _host(ctx)


def _h_ok(ctx):
    return _mx_answer(ctx, OK_MX)


def _h_timeout(ctx):
    return None


def _h_slow(ctx):
    return Reply(_h_ok(ctx), delay=SLOW_DELAY)


def _h_formerr(ctx):
    r = _rcode_only(ctx, dns.rcode.FORMERR)
    r.use_edns(False)                   # a FORMERR without OPT, as old servers send
    return r


def _h_tc_common(ctx, tcp_handler):
    if ctx.transport == "udp":
        r = _response(ctx)
        r.flags |= dns.flags.TC
        return r
    return tcp_handler(ctx)


def _tc_tcp(ctx):
    if ctx.qtype != T_MX:
        return _host(ctx)
    exch = _n("mx.tc-host.fault.test.")
    r = _mx_answer(ctx, [(10, exch)])
    r.additional.append(_rrset(exch, T_A, TTL, _a()))
    r.additional.append(_rrset(exch, T_AAAA, TTL, _aaaa()))
    return r


def _tc1000_tcp(ctx):
    if ctx.qtype != T_MX:
        return _host(ctx)
    prefs = list(range(1000))
    random.Random(1000).shuffle(prefs)
    h = _n("h.fault.test.")
    return _mx_answer(ctx, [(p, _sub([b"mx%04d" % p], h)) for p in prefs])


def _h_tc(ctx):
    return _h_tc_common(ctx, _tc_tcp)


def _h_tchang(ctx):
    return _h_tc_common(ctx, lambda c: None)


def _h_tc1000(ctx):
    return _h_tc_common(ctx, _tc1000_tcp)


def _h_nxdomain(ctx):
    return _soa_authority(_response(ctx, dns.rcode.NXDOMAIN))


def _h_badalen(ctx):
    if ctx.qtype != T_A:
        return _nodata(ctx)
    return Reply(_raw_header(ctx, an=1) + _raw_question(ctx)
                 + _raw_rr_fixed(T_A, 5) + bytes([192, 0, 2, 1, 0]), raw=True)


def _h_wrongid(ctx):
    r = _h_ok(ctx)
    r.id = ctx.q.id ^ 0xFFFF
    return r


def _h_wrongq(ctx):
    other = _n("wrongq-other.fault.test.")
    r = _response(ctx)
    r.question = [dns.rrset.RRset(other, IN, ctx.qtype)]
    if ctx.qtype == T_MX:
        r.answer.append(_rrset(other, T_MX, TTL, *[_mx(p, x) for p, x in OK_MX]))
    elif ctx.qtype in (T_A, T_AAAA):
        r.answer.append(_host(ctx, owner=other).answer[0])
    return r


def _h_noq(ctx):
    r = _h_ok(ctx)
    r.question = []
    return r


def _h_otheraddr(ctx):
    if ctx.transport == "tcp":
        return None
    return Reply(_h_ok(ctx), alt=True)


def _h_stray(ctx):
    if ctx.qtype != T_MX:
        return _host(ctx)
    r = _response(ctx)
    r.answer.append(_rrset(_n("mx1.ok-host.fault.test."), T_A, TTL, _a(POISON4)))
    r.answer.append(_rrset(ctx.qname, T_MX, TTL, _mx(10, "mx1.stray-host.fault.test.")))
    r.answer.append(_rrset(_n("victim.fault.test."), T_MX, TTL, _mx(0, "mx.evil.example.")))
    return r


def _h_esc(ctx):
    parent = _n("esc-host.fault.test.")
    return _mx_answer(ctx, [(p, _sub(labels, parent)) for p, labels in ESC_LABELS])


def _h_bidi(ctx):
    return _mx_answer(ctx, [(p, lab + ".bidi-host.fault.test.") for p, lab in BIDI_LABELS])


def _h_cnameloop(ctx):
    return _mx_answer(ctx, [(10, "loop1.fault.test.")])


def _h_loop(ctx):
    me = ctx.qname
    other = _n("loop2.fault.test." if ctx.label == "loop1" else "loop1.fault.test.")
    r = _response(ctx)
    r.answer.append(_rrset(me, T_CNAME, TTL, CNAME(IN, T_CNAME, other)))
    r.answer.append(_rrset(other, T_CNAME, TTL, CNAME(IN, T_CNAME, me)))
    return r


def _h_cnamelong(ctx):
    return _mx_answer(ctx, [(10, "link00.fault.test.")])


def _link_name(i):
    return _n("link%02d.fault.test." % i)


def _h_link(ctx, start):
    if start >= CHAIN_END:
        return _host(ctx)
    r = _response(ctx)
    owner = ctx.qname
    for i in range(start + 1, CHAIN_END + 1):
        r.answer.append(_rrset(owner, T_CNAME, TTL, CNAME(IN, T_CNAME, _link_name(i))))
        owner = _link_name(i)
    if ctx.qtype == T_A:
        r.answer.append(_rrset(owner, T_A, TTL, _a()))
    elif ctx.qtype == T_AAAA:
        r.answer.append(_rrset(owner, T_AAAA, TTL, _aaaa()))
    elif ctx.qtype != T_CNAME:
        _soa_authority(r)
    return r


def _h_hop(ctx, i):
    """One CNAME link per reply, answered after HOP_DELAY: the client has
    to ask again at every step (an authoritative server, RA=0, does not
    follow the alias out of its zone)."""
    r = _response(ctx)
    r.answer.append(_rrset(ctx.qname, T_CNAME, TTL,
                           CNAME(IN, T_CNAME, _n("hop%02d.fault.test." % (i + 1)))))
    return Reply(r, delay=HOP_DELAY)


_LOSSY_SEEN = set()
_LOSSY_LOCK = threading.Lock()


def _h_lossy(ctx):
    """The first copy of every query (name, type, ID) is lost; a copy with
    the same ID (a retransmission) is answered: MX 10 lossy.fault.test.
    itself, whose A and AAAA are just as lossy."""
    key = (ctx.qname, ctx.qtype, ctx.q.id, ctx.transport)
    with _LOSSY_LOCK:
        if key not in _LOSSY_SEEN:
            _LOSSY_SEEN.add(key)
            return None
    if ctx.qtype == T_MX:
        return _mx_answer(ctx, [(10, "lossy.fault.test.")])
    return _host(ctx)


def _h_cnamemx(ctx):
    target = _n("ok.fault.test.")
    r = _response(ctx)
    r.answer.append(_rrset(ctx.qname, T_CNAME, TTL, CNAME(IN, T_CNAME, target)))
    if ctx.qtype == T_MX:
        r.answer.append(_rrset(target, T_MX, TTL, *[_mx(p, x) for p, x in OK_MX]))
    elif ctx.qtype in (T_A, T_AAAA):
        r.answer.append(_host(ctx, owner=target).answer[0])
    elif ctx.qtype != T_CNAME:
        _soa_authority(r)
    return r


def _h_ttls(ctx):
    if ctx.qtype != T_MX:
        return _host(ctx)
    r = _response(ctx)
    r.answer.append(_rrset(ctx.qname, T_MX, 0, _mx(10, "ttl0.fault.test.")))
    r.answer.append(_rrset(ctx.qname, T_MX, 2147483647, _mx(20, "ttlmax.fault.test.")))
    return r


def _h_ttlhigh(ctx):
    if ctx.qtype != T_MX:
        return _host(ctx)
    r = _response(ctx)
    r.answer.append(_rrset(ctx.qname, T_MX, 2147483648, _mx(*OK_MX[0])))
    r.answer.append(_rrset(ctx.qname, T_MX, 4294967295, _mx(*OK_MX[1])))
    return r


def _h_dups(ctx):
    if ctx.qtype != T_MX:
        return _host(ctx)
    r = _response(ctx)
    for _ in range(3):
        r.answer.append(_rrset(ctx.qname, T_MX, TTL, _mx(10, "dupa.fault.test.")))
    return r


def _h_dupa(ctx):
    r = _host(ctx)
    if ctx.qtype == T_A:
        r.answer.append(_rrset(ctx.qname, T_A, TTL, _a()))
    return r


SCENARIOS = {
    # name: handler
    "ok": _h_ok,
    "timeout": _h_timeout,
    "slow": _h_slow,
    "servfail": lambda c: _rcode_only(c, dns.rcode.SERVFAIL),
    "refused": lambda c: _rcode_only(c, dns.rcode.REFUSED, aa=False),
    "notimp": lambda c: _rcode_only(c, dns.rcode.NOTIMP),
    "formerr": _h_formerr,
    "tc": _h_tc,
    "tchang": _h_tchang,
    "tc1000": _h_tc1000,
    "nxdomain": _h_nxdomain,
    "nodata": _h_default,
    "ptrloop": lambda c: _raw(c, _b_ptrloop),
    "ptrloop2": lambda c: _raw(c, _b_ptrloop2),
    "ptrpast": lambda c: _raw(c, _b_ptrpast),
    "cut": lambda c: _raw(c, _b_cut),
    "rdlenshort": lambda c: _raw(c, _b_rdlenshort),
    "rdlenlong": lambda c: _raw(c, _b_rdlenlong),
    "countbig": lambda c: _raw(c, _b_countbig),
    "labeltype": lambda c: _raw(c, _b_labeltype),
    "longname": lambda c: _raw(c, _b_longname),
    "trailing": lambda c: (Reply(_render(_h_ok(c)) + GARBAGE, raw=True)
                           if c.qtype == T_MX else _host(c)),
    "badarlen": lambda c: _mx_answer(c, [(10, "badalen.fault.test.")]),
    "badalen": _h_badalen,
    "wrongid": _h_wrongid,
    "wrongq": _h_wrongq,
    "noq": _h_noq,
    "otheraddr": _h_otheraddr,
    "stray": _h_stray,
    "esc": _h_esc,
    "bidi": _h_bidi,
    "cnameloop": _h_cnameloop,
    "loop1": _h_loop,
    "loop2": _h_loop,
    "cnamelong": _h_cnamelong,
    "cnamemx": _h_cnamemx,
    "ipliteral": lambda c: _mx_answer(c, [(10, "192.31.196.7.")]),
    "nullmixed": lambda c: _mx_answer(c, [(0, "."), (10, "mx1.ok-host.fault.test.")]),
    "prefs": lambda c: _mx_answer(c, [(0, "p0.prefs-host.fault.test."),
                                      (65535, "p65535.prefs-host.fault.test."),
                                      (10, "p10.prefs-host.fault.test.")]),
    "ttls": _h_ttls,
    "ttl0": lambda c: _host(c, ttl=0),
    "ttlmax": lambda c: _host(c, ttl=2147483647),
    "ttlhigh": _h_ttlhigh,
    "dups": _h_dups,
    "dupa": _h_dupa,
    "mixed": lambda c: _mx_answer(c, [(10, "mx1.ok-host.fault.test."),
                                      (20, "nxdomain.fault.test."),
                                      (30, "servfail.fault.test."),
                                      (40, "refused.fault.test."),
                                      (50, "timeout.fault.test.")]),
}
for _i in range(CHAIN_END + 1):
    SCENARIOS["link%02d" % _i] = (lambda i: lambda c: _h_link(c, i))(_i)
SCENARIOS["chase"] = lambda c: _mx_answer(c, [(10, "hop00.fault.test.")])
SCENARIOS["lossy"] = _h_lossy
for _i in range(HOP_COUNT):
    SCENARIOS["hop%02d" % _i] = (lambda i: lambda c: _h_hop(c, i))(_i)
del _i

# ---- real-condition scenarios (CONDITIONS; see the second table) -------------

REFERRAL = _n("referral.fault.test.")
REFERRAL_NS = ["ns1.elsewhere.example.", "ns2.elsewhere.example."]
RECURSIVE_ADDR4 = "192.31.196.77"
GLUE4, GLUE6 = "192.31.196.55", "2001:4:112::55"
SIBLING4 = "192.31.196.56"
SPOOF_DELAY = 0.2
TCPSLOW_DELAY = 0.5


def _h_referral(ctx):
    """A delegation seen from the parent: NS in authority, no SOA, AA=0."""
    r = _response(ctx, aa=False)
    r.authority.append(_rrset(REFERRAL, T_NS, TTL,
                              *[dns.rdata.from_text(IN, T_NS, ns) for ns in REFERRAL_NS]))
    return r


def _h_lame(ctx, rcode):
    """A negative answer from a server that is neither authoritative nor
    recursive (AA=0, RA=0)."""
    return _soa_authority(_response(ctx, rcode, aa=False))


def _h_recursive(ctx):
    if ctx.qtype != T_MX:
        return _host(ctx)
    r = _mx_answer(ctx, OK_MX)
    r.flags &= ~dns.flags.AA
    r.flags |= dns.flags.RA
    r.additional.append(_rrset(_n(OK_MX[0][1]), T_A, TTL, _a(RECURSIVE_ADDR4)))
    return r


def _mx_with_additional(ctx, exchange, addrs):
    """MX 10 exchange, plus [(rdtype, rdata), ...] for it in the additional
    section; other qtypes: default host."""
    if ctx.qtype != T_MX:
        return _host(ctx)
    r = _mx_answer(ctx, [(10, exchange)])
    for rdtype, rd in addrs:
        r.additional.append(_rrset(_n(exchange), rdtype, TTL, rd))
    return r


def _h_casefold(ctx):
    """A server that loses the case of the question: everything is
    answered for the lower-cased name."""
    low = ctx.qname.canonicalize()
    r = _h_ok(ctx.renamed(low))
    r.question = [dns.rrset.RRset(low, IN, ctx.qtype)]
    return r


def _swapcase(name):
    return dns.name.Name([label.swapcase() for label in name.labels])


def _h_spoof(ctx):
    """An off-path forger that wins the race but cannot know the letter
    case of the question (0x20): its NXDOMAIN comes first, over UDP."""
    genuine = _h_ok(ctx)
    if ctx.transport != "udp":
        return genuine
    forged = _soa_authority(_response(ctx, dns.rcode.NXDOMAIN))
    forged.question = [dns.rrset.RRset(_swapcase(ctx.qname), IN, ctx.qtype)]
    return Reply(forged, more=[Reply(genuine, delay=SPOOF_DELAY)])


def _h_noedns(ctx):
    """An old server that rejects EDNS with a FORMERR without OPT."""
    if ctx.q.edns >= 0:
        return _h_formerr(ctx)
    return _h_ok(ctx)


_FLAKY_SEEN = set()        # memory of respond() calls without a server
_FLAKY_LOCK = threading.Lock()


def _h_flakyhost(ctx):
    """SERVFAIL the first time a (name, type) is asked, then the default
    host: a transient failure."""
    key = (ctx.qname.canonicalize().to_text(), ctx.qtype)
    seen = ctx.server._flaky if ctx.server is not None else _FLAKY_SEEN
    with _FLAKY_LOCK:
        first = key not in seen
        seen.add(key)
    if first:
        return _rcode_only(ctx, dns.rcode.SERVFAIL)
    return _host(ctx)


def _h_tcpslow(ctx):
    if ctx.transport == "udp":
        return _h_tc_common(ctx, None)
    return Reply(_h_ok(ctx), delay=TCPSLOW_DELAY)


def _h_tcpclose(ctx):
    if ctx.transport == "udp":
        return _h_tc_common(ctx, None)
    return Reply(None, close=True)


def _h_live(ctx):
    return _mx_answer(ctx, [(10, "mx.%s.fault.test." % ctx.label)])


def _h_privhalf(ctx):
    """A private address, and an AAAA question never answered."""
    if ctx.qtype == T_AAAA:
        return None
    r = _response(ctx)
    if ctx.qtype == T_A:
        r.answer.append(_rrset(ctx.qname, T_A, TTL, _a(PRIVATE4)))
    else:
        _soa_authority(r)
    return r


CONDITIONS = {
    # name: handler (live<N> and dead<N>: see _handler)
    "referral": _h_referral,
    "refex": lambda c: _mx_answer(c, [(10, REFERRAL)]),
    "refmix": lambda c: _mx_answer(c, [(10, REFERRAL), (20, OK_MX[0][1])]),
    "lame": lambda c: _h_lame(c, dns.rcode.NXDOMAIN),
    "lamenodata": lambda c: _h_lame(c, dns.rcode.NOERROR),
    "recursive": _h_recursive,
    "poison": lambda c: _mx_with_additional(c, "mail.victim.example.",
                                            [(T_A, _a(POISON4))]),
    "glue": lambda c: _mx_with_additional(c, "mx.glue.fault.test.",
                                          [(T_A, _a(GLUE4)), (T_AAAA, _aaaa(GLUE6))]),
    "sibling": lambda c: _mx_with_additional(c, "mx.sib-host.fault.test.",
                                             [(T_A, _a(SIBLING4))]),
    "casefold": _h_casefold,
    "spoof": _h_spoof,
    "noedns": _h_noedns,
    "flakyhost": _h_flakyhost,
    "flaky1": lambda c: _mx_answer(c, [(10, "flakyhost.fault.test.")]),
    "flaky2": lambda c: _mx_answer(c, [(10, "flakyhost.fault.test.")]),
    "tcpslow": _h_tcpslow,
    "tcpclose": _h_tcpclose,
    "casea": lambda c: _mx_answer(c, [(10, "MX.Shared-Case.fault.test.")]),
    "caseb": lambda c: _mx_answer(c, [(10, "mx.shared-case.fault.test.")]),
    "lonedot": lambda c: _mx_answer(c, [(10, ".")]),
    "twopref": lambda c: _mx_answer(c, [(10, "mx.twopref-host.fault.test."),
                                        (20, "mx.twopref-host.fault.test.")]),
    "privhalf": _h_privhalf,
    "privhalfmx": lambda c: _mx_answer(c, [(10, "privhalf.fault.test.")]),
}
_LIVE = re.compile(r"live[0-9]+")
_DEAD = re.compile(r"dead[0-9]+")


def _handler(label):
    """The handler for a (lower-case) first label."""
    h = SCENARIOS.get(label) or CONDITIONS.get(label)
    if h is not None:
        return h
    if _LIVE.fullmatch(label):
        return _h_live
    if _DEAD.fullmatch(label):
        return _h_timeout
    return _h_default


def _apex(ctx):
    r = _response(ctx)
    if ctx.qtype == T_SOA:
        r.answer.append(_rrset(ctx.qname, T_SOA, 60, SOA_RDATA))
    elif ctx.qtype == T_NS:
        r.answer.append(_rrset(ctx.qname, T_NS, TTL, NS_RDATA))
    else:
        _soa_authority(r)
    return r


def _udp_limit(q):
    if q.edns >= 0:
        return min(max(512, q.payload), 65535)
    return 512


def _render(msg, max_size=65535):
    """msg.to_wire(), records in order.  dnspython compresses names without
    regard to letter case, as knotd and BIND do: a name that shares a suffix
    with the question points into it and so reads back in the question's
    case (mxq restores its own case in the question before it reads a
    reply, so the exchanges it shows keep theirs)."""
    return msg.to_wire(max_size=max_size, want_shuffle=False)


def _to_wire(out, q, transport):
    """A Reply whose wire is a dns.message.Message gets its bytes (TC=1
    without records when too big for UDP)."""
    if isinstance(out.wire, dns.message.Message):
        msg = out.wire
        w = _render(msg)
        if transport == "udp" and len(w) > _udp_limit(q):
            msg.answer, msg.authority, msg.additional = [], [], []
            msg.flags |= dns.flags.TC
            w = _render(msg)
        out.wire = w
    for more in out.more:
        _to_wire(more, q, transport)


def respond(wire, transport, server=None):
    """Compute the reply to one query: (parsed query or None, Reply or None).
    server: the FaultServer whose per-instance memory (flakyhost) applies."""
    try:
        q = dns.message.from_wire(wire)
    except Exception:  # unparsable: FORMERR with the bare header if possible
        if len(wire) >= 12 and not wire[2] & 0x80:
            flags = 0x8000 | (wire[2] & 0x79) << 8 | dns.rcode.FORMERR
            return None, Reply(wire[:2] + struct.pack("!HHHHH", flags, 0, 0, 0, 0), raw=True)
        return None, None
    if q.flags & dns.flags.QR:
        return q, None
    if q.opcode() != dns.opcode.QUERY:
        r = dns.message.make_response(q)
        r.set_rcode(dns.rcode.NOTIMP)
        return q, Reply(r)
    if len(q.question) != 1:
        r = dns.message.make_response(q)
        r.set_rcode(dns.rcode.FORMERR)
        return q, Reply(r)
    qrr = q.question[0]
    ctx = _Ctx(q, wire, qrr.name, qrr.rdtype, transport, "", server)
    if qrr.rdclass != IN or not qrr.name.is_subdomain(ZONE):
        out = _rcode_only(ctx, dns.rcode.REFUSED, aa=False)
    elif qrr.name == ZONE:
        out = _apex(ctx)
    else:
        ctx.label = qrr.name.labels[0].lower().decode("latin-1")
        out = _handler(ctx.label)(ctx)
    if out is None:
        return q, None
    if not isinstance(out, Reply):
        out = Reply(out)
    _to_wire(out, q, transport)
    return q, out


# --------------------------------------------------------------------------
# The server


class _Scheduler:
    """Runs callables after a delay in one thread; pending ones are dropped
    on stop."""

    def __init__(self):
        self._heap, self._seq = [], 0
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="faultserver-sched",
                                        daemon=True)
        self._thread.start()

    def call_later(self, delay, fn):
        with self._cond:
            self._seq += 1
            heapq.heappush(self._heap, (time.monotonic() + delay, self._seq, fn))
            self._cond.notify()

    def _run(self):
        while True:
            with self._cond:
                while not self._stopped:
                    now = time.monotonic()
                    if self._heap and self._heap[0][0] <= now:
                        break
                    self._cond.wait(self._heap[0][0] - now if self._heap else None)
                if self._stopped:
                    return
                fn = heapq.heappop(self._heap)[2]
            try:
                fn()
            except OSError:
                pass

    def stop(self):
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join()


def _family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


class FaultServer:
    """Scripted misbehaving authoritative server for fault.test. (see module doc)."""

    def __init__(self, host="127.0.0.1", port=0, alt_host=None, log=None):
        self.host = host
        self.port = port
        if alt_host is None and _family(host) == socket.AF_INET:
            alt_host = "127.0.0.2" if host != "127.0.0.2" else "127.0.0.1"
        self.alt_host = alt_host
        self.alt_bound = False
        self._log = log
        self._queries = []
        self._details = []
        self._flaky = set()             # (qname lower-cased, qtype) seen by flakyhost
        self._qlock = threading.Lock()
        self._threads = []
        self._conns = []
        self._tlock = threading.Lock()
        self._udp = self._tcp = self._alt = None
        self._wake_r = self._wake_w = None
        self._sched = None
        self._started = False
        self._stopping = False

    # ---- public API

    def queries(self):
        with self._qlock:
            return list(self._queries)

    def log(self):
        """Every query that parsed, with its details (see the module doc)."""
        with self._qlock:
            return [dict(d) for d in self._details]

    def clear_queries(self):
        with self._qlock:
            del self._queries[:]
            del self._details[:]
        with _FLAKY_LOCK:
            self._flaky.clear()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        if self._started:
            return self
        self._bind()
        self._wake_r, self._wake_w = socket.socketpair()
        self._sched = _Scheduler()
        self._started = True
        self._spawn(self._udp_loop, "faultserver-udp")
        self._spawn(self._accept_loop, "faultserver-tcp")
        return self

    def stop(self):
        if not self._started or self._stopping:
            return
        self._stopping = True
        self._wake_w.send(b"x")          # never read: wakes every select()
        while True:
            with self._tlock:
                threads = [t for t in self._threads if t.is_alive()]
            if not threads:
                break
            for t in threads:
                t.join()
        self._sched.stop()
        for s in (self._udp, self._tcp, self._alt, self._wake_r, self._wake_w):
            if s is not None:
                s.close()
        self._started = False

    # ---- internals

    def _bind(self):
        fam = _family(self.host)
        attempts = 100 if self.port == 0 else 1
        last = None
        for _ in range(attempts):
            udp = tcp = alt = None
            try:
                udp = socket.socket(fam, socket.SOCK_DGRAM)
                try:
                    udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
                except OSError:
                    pass
                udp.bind((self.host, self.port))
                port = udp.getsockname()[1]
                tcp = socket.socket(fam, socket.SOCK_STREAM)
                tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                tcp.bind((self.host, port))
                tcp.listen(64)
                if self.alt_host:
                    alt = socket.socket(_family(self.alt_host), socket.SOCK_DGRAM)
                    try:
                        alt.bind((self.alt_host, port))
                    except OSError as e:
                        alt.close()
                        alt = None
                        if e.errno == errno.EADDRINUSE and self.port == 0:
                            raise
                self._udp, self._tcp, self._alt = udp, tcp, alt
                self.alt_bound = alt is not None
                self.port = port
                return
            except OSError as e:
                last = e
                for s in (udp, tcp, alt):
                    if s is not None:
                        s.close()
                if e.errno != errno.EADDRINUSE:
                    raise
        raise last

    def _spawn(self, target, name, *args):
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        with self._tlock:
            self._threads.append(t)
            self._threads = [x for x in self._threads if x.is_alive() or x is t]
        t.start()

    def _record(self, transport, q, peer):
        if q is None or len(q.question) != 1:
            return
        qrr = q.question[0]
        item = (transport, qrr.name.to_text(), dns.rdatatype.to_text(qrr.rdtype))
        detail = {
            "transport": transport, "qname": item[1], "qtype": item[2],
            "id": q.id, "sport": peer[1] if peer else None,
            "edns": q.edns >= 0, "do": bool(q.ednsflags & dns.flags.DO),
            "cd": bool(q.flags & dns.flags.CD), "rd": bool(q.flags & dns.flags.RD),
            "ad": bool(q.flags & dns.flags.AD),
        }
        with self._qlock:
            self._queries.append(item)
            self._details.append(detail)
        if self._log:
            print("faultserver: %s %s %s" % item, file=self._log, flush=True)

    def _answer(self, wire, transport, peer=None):
        try:
            q, reply = respond(wire, transport, self)
        except Exception as e:  # a bug here must not kill the server
            print("faultserver: internal error: %r" % (e,), file=sys.stderr)
            return None
        self._record(transport, q, peer)
        return reply

    def _udp_loop(self):
        sock, wake = self._udp, self._wake_r
        while True:
            ready = select.select([sock, wake], [], [])[0]
            if wake in ready:
                return
            try:
                data, peer = sock.recvfrom(65535)
            except OSError:
                continue
            reply = self._answer(data, "udp", peer)
            if reply is None:
                continue
            for one in [reply] + reply.more:
                if one.wire is None:
                    continue
                if one.alt:
                    if self._alt is None:
                        continue
                    send = (lambda s, w, p: lambda: s.sendto(w, p))(self._alt, one.wire, peer)
                else:
                    send = (lambda s, w, p: lambda: s.sendto(w, p))(sock, one.wire, peer)
                if one.delay:
                    self._sched.call_later(one.delay, send)
                else:
                    try:
                        send()
                    except OSError:
                        pass

    def _accept_loop(self):
        lsock, wake = self._tcp, self._wake_r
        while True:
            ready = select.select([lsock, wake], [], [])[0]
            if wake in ready:
                return
            try:
                conn, _ = lsock.accept()
            except OSError:
                continue
            self._spawn(self._conn_loop, "faultserver-conn", conn)

    def _conn_loop(self, conn):
        wake = self._wake_r
        lock = threading.Lock()
        conn.settimeout(5.0)
        try:
            peer = conn.getpeername()
        except OSError:
            peer = None

        def send(w):
            with lock:
                conn.sendall(struct.pack("!H", len(w)) + w)

        buf = b""
        try:
            while True:
                ready = select.select([conn, wake], [], [])[0]
                if wake in ready:
                    return
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                buf += data
                while len(buf) >= 2:
                    n = struct.unpack("!H", buf[:2])[0]
                    if len(buf) < 2 + n:
                        break
                    msg, buf = buf[2:2 + n], buf[2 + n:]
                    reply = self._answer(msg, "tcp", peer)
                    if reply is None:
                        continue
                    if reply.close:         # read, then hang up without a word
                        return
                    for one in [reply] + reply.more:
                        if one.wire is None or one.alt:
                            continue
                        if one.delay:
                            self._sched.call_later(one.delay,
                                                   (lambda w: lambda: send(w))(one.wire))
                        else:
                            try:
                                send(one.wire)
                            except OSError:
                                return
        finally:
            with lock:
                conn.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description="Misbehaving DNS server for fault.test.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", action="store_true", help="log queries on stderr")
    args = ap.parse_args(argv)
    done = threading.Event()

    def on_signal(signum, frame):
        done.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with FaultServer(args.host, args.port, log=sys.stderr if args.log else None) as fs:
        print(fs.port, flush=True)
        if not fs.alt_bound:
            print("faultserver: no alternate address: otheraddr sends nothing",
                  file=sys.stderr, flush=True)
        while not done.wait(0.1):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
