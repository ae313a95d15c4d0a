#!/usr/bin/python3
"""A DNS forwarding proxy on loopback that adds a fixed delay each way.

    delay_proxy.py --upstream 127.0.0.1:PORT [--listen 127.0.0.1]
                   [--port 0] [--delay-ms 10] [--strip-additional]
                   [--dead-prefix P] [--servfail-prefix P] [--tcp-seconds 30]
                   [--max-seconds 900] [--max-packets 1000000]

This kernel has no netem, so round-trip time is simulated here: every UDP
datagram and every TCP chunk waits --delay-ms before it is passed on, in
both directions (10 ms each way = 20 ms round trip).  With
--strip-additional, A and AAAA records are removed from the additional
section of every UDP reply (the OPT record stays), which simulates a server
whose MX answers carry no addresses.

Dead and failing names, for the survey scenario (knotd answers everything
it serves): a query whose first QNAME label starts with --dead-prefix
(compared without regard to case: resolvers send names in 0x20 random
case) is never answered, over UDP or TCP; one whose first label starts with
--servfail-prefix gets SERVFAIL from the proxy itself, built from the
query: same ID, opcode, RD and question (byte for byte, case included),
QR=1, RCODE 2, no records but an OPT record (payload 1232, no options)
when the query had one.  Every other query is forwarded.  With either
option the TCP side reads and writes whole length-prefixed messages.

Only loopback addresses are accepted, for listening and for the upstream.
The chosen port is printed on stdout once the proxy is ready.  It stops on
SIGTERM or SIGINT, after --max-seconds, or after --max-packets client
datagrams, and then prints its counters on stderr (also on SIGUSR1, while
it keeps running).  One upstream socket per client address and port, at
most 4096, the least recently used closed first.
"""

import argparse
import asyncio
import ipaddress
import signal
import socket
import struct
import sys

MAX_CLIENTS = 4096


def loopback(addr):
    try:
        return ipaddress.ip_address(addr).is_loopback
    except ValueError:
        return False


def parse_hostport(text):
    if text.startswith("["):
        host, _, port = text[1:].partition("]:")
    else:
        host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError("want ADDR:PORT or [ADDR]:PORT")
    if not loopback(host):
        raise argparse.ArgumentTypeError("%s is not a loopback address"
                                         % host)
    return host, int(port)


def skip_name(msg, off):
    """Offset just past the (possibly compressed) name at off."""
    for _ in range(128):
        if off >= len(msg):
            raise ValueError("name past end")
        n = msg[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        if n & 0xC0:
            raise ValueError("bad label type")
        off += 1 + n
    raise ValueError("name too long")


def strip_additional(msg):
    """msg without the A/AAAA records of its additional section."""
    try:
        qd, an, ns, ar = struct.unpack("!4H", msg[4:12])
        off = 12
        for _ in range(qd):
            off = skip_name(msg, off) + 4
        for _ in range(an + ns):
            off = skip_name(msg, off)
            rdlen = struct.unpack("!H", msg[off + 8:off + 10])[0]
            off += 10 + rdlen
        body, kept = msg[12:off], []
        for _ in range(ar):
            start = off
            off = skip_name(msg, off)
            rtype, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
            off += 10 + rdlen
            if off > len(msg):
                raise ValueError("record past end")
            if rtype not in (1, 28):
                kept.append(msg[start:off])
        return (msg[:10] + struct.pack("!H", len(kept)) + body
                + b"".join(kept))
    except (ValueError, struct.error, IndexError):
        return msg


def question_info(msg):
    """(first label of QNAME in lower case, offset past the question, OPT
    present) of a query, or None when it cannot be read."""
    try:
        qd, an, ns, ar = struct.unpack("!4H", msg[4:12])
        if qd != 1 or msg[2] & 0x80:
            return None
        n = msg[12]
        if n & 0xC0:
            return None
        label = msg[13:13 + n].decode("ascii", "replace").lower()
        off = skip_name(msg, 12) + 4
        if off > len(msg):
            return None
        end = off
        opt = False
        for _ in range(an + ns + ar):
            off = skip_name(msg, off)
            rtype, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
            opt |= rtype == 41
            off += 10 + rdlen
        return label, end, opt
    except (ValueError, struct.error, IndexError):
        return None


def servfail_reply(msg, qend, opt):
    """SERVFAIL for query msg: same ID and question, QR=1, RCODE 2."""
    flags1 = 0x80 | (msg[2] & 0x79)          # QR, opcode, RD
    hdr = msg[0:2] + bytes([flags1, 0x02]) + struct.pack(
        "!4H", 1, 0, 0, 1 if opt else 0)
    body = msg[12:qend]
    if opt:
        body += b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)
    return hdr + body


class Proxy:
    def __init__(self, args, loop):
        self.a = args
        self.loop = loop
        self.delay = args.delay_ms / 1000.0
        self.fam = socket.AF_INET6 if ":" in args.listen else socket.AF_INET
        self.ufam = (socket.AF_INET6 if ":" in args.upstream[0]
                     else socket.AF_INET)
        self.clients = {}             # client address -> upstream socket
        self.stats = {"udp_queries": 0, "udp_replies": 0, "tcp_conns": 0,
                      "stripped": 0, "dead_udp": 0, "dead_tcp": 0,
                      "servfail_udp": 0, "servfail_tcp": 0, "tcp_queries": 0}
        self.filtering = bool(args.dead_prefix or args.servfail_prefix)
        self.done = asyncio.Event()
        self.tcp_tasks = set()

    # ---- UDP -------------------------------------------------------------
    def start_udp(self):
        s = socket.socket(self.fam, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
        s.bind((self.a.listen, self.a.port))
        s.setblocking(False)
        self.udp = s
        self.loop.add_reader(s.fileno(), self.on_client)
        return s.getsockname()[1]

    def classify(self, data):
        """None (forward), ("dead",) or ("servfail", reply)."""
        if not self.filtering:
            return None
        info = question_info(data)
        if info is None:
            return None
        label, qend, opt = info
        if self.a.dead_prefix and label.startswith(self.a.dead_prefix):
            return ("dead",)
        if self.a.servfail_prefix and \
                label.startswith(self.a.servfail_prefix):
            return ("servfail", servfail_reply(data, qend, opt))
        return None

    def upstream_for(self, client):
        u = self.clients.pop(client, None)
        if u is not None:
            self.clients[client] = u          # most recently used last
            return u
        if len(self.clients) >= MAX_CLIENTS:
            old, us = next(iter(self.clients.items()))
            self.loop.remove_reader(us.fileno())
            us.close()
            del self.clients[old]
        u = socket.socket(self.ufam, socket.SOCK_DGRAM)
        u.connect(self.a.upstream)
        u.setblocking(False)
        self.clients[client] = u
        self.loop.add_reader(u.fileno(), self.on_upstream, u, client)
        return u

    def on_client(self):
        for _ in range(64):
            try:
                data, client = self.udp.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue
            self.stats["udp_queries"] += 1
            if self.stats["udp_queries"] > self.a.max_packets:
                self.done.set()
                return
            verdict = self.classify(data)
            if verdict is not None:
                if verdict[0] == "dead":
                    self.stats["dead_udp"] += 1
                else:
                    self.stats["servfail_udp"] += 1
                    self.loop.call_later(self.delay, self.send, self.udp,
                                         verdict[1], client)
                continue
            u = self.upstream_for(client)
            self.loop.call_later(self.delay, self.send, u, data, None)

    def on_upstream(self, u, client):
        for _ in range(64):
            try:
                data = u.recv(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            self.stats["udp_replies"] += 1
            if self.a.strip_additional:
                new = strip_additional(data)
                if new != data:
                    self.stats["stripped"] += 1
                data = new
            self.loop.call_later(self.delay, self.send, self.udp, data,
                                 client)

    @staticmethod
    def send(sock, data, addr):
        try:
            if addr is None:
                sock.send(data)
            else:
                sock.sendto(data, addr)
        except OSError:
            pass

    # ---- TCP -------------------------------------------------------------
    async def pipe(self, reader, writer):
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                self.loop.call_later(self.delay, self.write, writer, chunk)
            await asyncio.sleep(self.delay)
            if not writer.is_closing() and writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            pass

    @staticmethod
    def write(writer, chunk):
        if not writer.is_closing():
            writer.write(chunk)

    async def on_tcp(self, creader, cwriter):
        self.stats["tcp_conns"] += 1
        try:
            ureader, uwriter = await asyncio.open_connection(
                *self.a.upstream)
        except OSError:
            cwriter.close()
            return
        try:
            await asyncio.wait_for(asyncio.gather(
                self.pipe(creader, uwriter), self.pipe(ureader, cwriter)),
                timeout=30)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            pass
        finally:
            for w in (uwriter, cwriter):
                w.close()

    # TCP with dead and SERVFAIL names: whole messages, both ways.
    @staticmethod
    async def read_msg(reader):
        hdr = await reader.readexactly(2)
        return await reader.readexactly(struct.unpack("!H", hdr)[0])

    def write_msg(self, writer, msg):
        if not writer.is_closing():
            writer.write(struct.pack("!H", len(msg)) + msg)

    async def tcp_from_client(self, creader, cwriter, uwriter):
        try:
            while True:
                msg = await self.read_msg(creader)
                self.stats["tcp_queries"] += 1
                verdict = self.classify(msg)
                if verdict is None:
                    self.loop.call_later(self.delay, self.write_msg,
                                         uwriter, msg)
                elif verdict[0] == "dead":
                    self.stats["dead_tcp"] += 1
                else:
                    self.stats["servfail_tcp"] += 1
                    self.loop.call_later(self.delay, self.write_msg,
                                         cwriter, verdict[1])
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        # The client is done sending; a dead name's question stays
        # unanswered until the client gives up and closes.

    async def tcp_from_upstream(self, ureader, cwriter):
        try:
            while True:
                msg = await self.read_msg(ureader)
                self.loop.call_later(self.delay, self.write_msg, cwriter,
                                     msg)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass

    async def on_tcp_filtered(self, creader, cwriter):
        self.stats["tcp_conns"] += 1
        try:
            ureader, uwriter = await asyncio.open_connection(
                *self.a.upstream)
        except OSError:
            cwriter.close()
            return
        up = self.loop.create_task(self.tcp_from_upstream(ureader, cwriter))
        try:
            await asyncio.wait_for(self.tcp_from_client(creader, cwriter,
                                                        uwriter),
                                   timeout=self.a.tcp_seconds)
            # Replies still on their way, then close.
            await asyncio.wait_for(asyncio.shield(up),
                                   timeout=self.delay + 1)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            pass
        finally:
            up.cancel()
            for w in (uwriter, cwriter):
                w.close()

    def track(self, r, w):
        t = self.loop.create_task(self.on_tcp_filtered(r, w)
                                  if self.filtering else self.on_tcp(r, w))
        self.tcp_tasks.add(t)
        t.add_done_callback(self.tcp_tasks.discard)

    async def run(self):
        port = self.start_udp()
        self.a.port = port
        server = await asyncio.start_server(self.track, self.a.listen, port,
                                            family=self.fam)
        for sig in (signal.SIGTERM, signal.SIGINT):
            self.loop.add_signal_handler(sig, self.done.set)
        self.loop.add_signal_handler(signal.SIGUSR1, self.print_stats)
        self.loop.call_later(self.a.max_seconds, self.done.set)
        print(port, flush=True)
        await self.done.wait()
        server.close()
        for t in list(self.tcp_tasks):
            t.cancel()
        self.loop.remove_reader(self.udp.fileno())
        self.udp.close()
        for u in self.clients.values():
            self.loop.remove_reader(u.fileno())
            u.close()
        self.print_stats()

    def print_stats(self):
        print("delay_proxy: %s" % " ".join(
            "%s=%d" % kv for kv in sorted(self.stats.items())),
            file=sys.stderr, flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--upstream", type=parse_hostport, required=True,
                   help="the real server, ADDR:PORT (loopback only)")
    p.add_argument("--listen", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0: any free port")
    p.add_argument("--delay-ms", type=float, default=10.0,
                   help="delay each way (default 10 ms: 20 ms round trip)")
    p.add_argument("--strip-additional", action="store_true",
                   help="drop A/AAAA from the additional section of replies")
    p.add_argument("--dead-prefix", default="", type=str.lower,
                   help="never answer names whose first label starts so")
    p.add_argument("--servfail-prefix", default="", type=str.lower,
                   help="answer SERVFAIL to names whose first label starts "
                        "so")
    p.add_argument("--tcp-seconds", type=float, default=30.0,
                   help="longest life of a TCP connection (default 30)")
    p.add_argument("--max-seconds", type=float, default=900.0)
    p.add_argument("--max-packets", type=int, default=1000000)
    a = p.parse_args(sys.argv[1:] if argv is None else argv)
    if not loopback(a.listen):
        p.error("--listen must be a loopback address")
    if not 0 <= a.delay_ms <= 1000 or a.max_seconds <= 0:
        p.error("--delay-ms must be 0-1000 and --max-seconds > 0")
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(Proxy(a, loop).run())
    finally:
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
