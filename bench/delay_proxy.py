#!/usr/bin/python3
"""A DNS forwarding proxy on loopback that adds a fixed delay each way.

    delay_proxy.py --upstream 127.0.0.1:PORT [--listen 127.0.0.1]
                   [--port 0] [--delay-ms 10] [--strip-additional]
                   [--max-seconds 900] [--max-packets 1000000]

This kernel has no netem, so round-trip time is simulated here: every UDP
datagram and every TCP chunk waits --delay-ms before it is passed on, in
both directions (10 ms each way = 20 ms round trip).  With
--strip-additional, A and AAAA records are removed from the additional
section of every UDP reply (the OPT record stays), which simulates a server
whose MX answers carry no addresses.

Only loopback addresses are accepted, for listening and for the upstream.
The chosen port is printed on stdout once the proxy is ready.  It stops on
SIGTERM or SIGINT, after --max-seconds, or after --max-packets client
datagrams, and then prints its counters on stderr.
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
                      "stripped": 0}
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

    def upstream_for(self, client):
        u = self.clients.get(client)
        if u is not None:
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

    def track(self, r, w):
        t = self.loop.create_task(self.on_tcp(r, w))
        self.tcp_tasks.add(t)
        t.add_done_callback(self.tcp_tasks.discard)

    async def run(self):
        port = self.start_udp()
        self.a.port = port
        server = await asyncio.start_server(self.track, self.a.listen, port,
                                            family=self.fam)
        for sig in (signal.SIGTERM, signal.SIGINT):
            self.loop.add_signal_handler(sig, self.done.set)
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
