#!/usr/bin/env python3
"""The aioquic side of the HTTP/3 datagram ping-pong interop test.

Written for tests/interop (see README.md there) from the blog post the quic-go
programs follow and from aioquic's public API (pinned: aioquic 1.7.2, see
requirements.txt). It plays the same exchange and prints the same log lines
as tests/interop/quicgo/cmd/quicgo-{client,server}:

    pingpong.py client -url https://localhost:PORT/ping-pong -ca F [-method GET|CONNECT|CONNECT-EXT]
                       [-count N] [-size B] [-timeout 10s] [-resend D] [-no-datagrams]
                       [-drop-every N] [-key-update-after N] [-cipher NAME]
                       [-version 0xHEX] [-session FILE [-0rtt]]
    pingpong.py server -listen 127.0.0.1:PORT -cert F -key F [-count N] [-timeout D]
                       [-linger D] [-resend D] [-no-datagrams] [-drop-every N]
                       [-key-update-after N] [-cipher NAME] [-retry] [-serve]

aioquic 1.7.2 announces SETTINGS_H3_DATAGRAM (RFC 9297 §2.1.1) only together
with WebTransport, so H3Connection's local settings are extended here to carry
H3_DATAGRAM=1 (or 0 with -no-datagrams) on their own. Exit codes: 0 success,
1 failure, 2 usage.
"""

import argparse
import asyncio
import logging
import os
import pickle
import re
import signal
import socket
import ssl
import struct
import sys
import time
from urllib.parse import urlsplit

try:
    from aioquic.asyncio import QuicConnectionProtocol, connect, serve
    from aioquic.h3.connection import H3_ALPN, H3Connection, Setting
    from aioquic.h3.events import DataReceived, DatagramReceived, HeadersReceived
    from aioquic.quic.configuration import QuicConfiguration
    from aioquic.quic.connection import MAX_EARLY_DATA
    from aioquic.quic.events import ConnectionTerminated, HandshakeCompleted
    from aioquic.tls import CipherSuite
except ImportError as exc:  # pragma: no cover - the run script installs it
    print(f"pingpong.py: aioquic is not installed: {exc}", file=sys.stderr)
    sys.exit(2)

HEADER_LEN = 8  # the counter, 8 bytes big-endian
MAX_SIZE = 1100  # larger payloads do not fit a 1200-byte QUIC packet
SETTINGS_WAIT = 10.0  # server: how long a request waits for the SETTINGS
CLOSE_WAIT = 2.0  # one-shot: end of the handler and end of the connection
EXT_PROTOCOL = "ping-pong"  # :protocol of -method CONNECT-EXT (RFC 9220)
H3_NO_ERROR = 0x100

CIPHERS = {
    "AES128": CipherSuite.AES_128_GCM_SHA256,
    "AES256": CipherSuite.AES_256_GCM_SHA384,
    "CHACHA20": CipherSuite.CHACHA20_POLY1305_SHA256,
}

log = logging.getLogger("pingpong")


class GoLogFormatter(logging.Formatter):
    """Go's log/slog default format: "2025/07/08 22:59:35 INFO msg k=v"."""

    LEVELS = {"WARNING": "WARN", "CRITICAL": "ERROR"}

    def format(self, record):
        stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(record.created))
        level = self.LEVELS.get(record.levelname, record.levelname)
        return f"{stamp} {level} {record.getMessage()}"


def kv(msg, **fields):
    """msg followed by key=value pairs, quoted when they contain spaces."""
    parts = [msg]
    for k, v in fields.items():
        s = str(v)
        if not s or re.search(r'[\s"=]', s):
            s = '"' + s.replace('"', '\\"') + '"'
        parts.append(f"{k}={s}")
    return " ".join(parts)


def payload(value, size):
    """The counter, then padding where byte i (i >= 8) is i & 0xff."""
    size = max(size, HEADER_LEN)
    return struct.pack(">Q", value) + bytes(i & 0xFF for i in range(HEADER_LEN, size))


def parse(b):
    if len(b) < HEADER_LEN:
        raise ValueError(f"datagram too short: {len(b)} bytes, want at least {HEADER_LEN}")
    for i in range(HEADER_LEN, len(b)):
        if b[i] != i & 0xFF:
            raise ValueError(f"datagram padding corrupt at byte {i} of {len(b)}: 0x{b[i]:02x}")
    return struct.unpack(">Q", b[:HEADER_LEN])[0]


def duration(s):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)?", s)
    if not m:
        raise argparse.ArgumentTypeError(f"bad duration {s!r} (e.g. 500ms, 10s)")
    n = float(m.group(1))
    return n / 1000 if m.group(2) == "ms" else n * 60 if m.group(2) == "m" else n


class LingerExpired(Exception):
    pass


class DatagramH3(H3Connection):
    """H3Connection that announces SETTINGS_H3_DATAGRAM without WebTransport."""

    def __init__(self, quic, datagrams):
        self._pp_datagrams = datagrams  # read by _get_local_settings below
        super().__init__(quic)

    def _get_local_settings(self):
        settings = super()._get_local_settings()
        settings[Setting.H3_DATAGRAM] = 1 if self._pp_datagrams else 0
        return settings


class Exchange:
    """The ping-pong of one side (internal/pingpong in the quic-go programs)."""

    def __init__(self, proto, stream_id, role, opt):
        self.proto, self.stream_id, self.role = proto, stream_id, role
        self.final, self.resend_after = opt.count, opt.resend
        self.drop_every, self.key_update_after = opt.drop_every, opt.key_update_after
        self.size = getattr(opt, "size", 0)
        self.received = self.resends = self.duplicates = self.dropped = self.sends = 0
        self.last = None
        self.due = 0.0
        self.start = time.monotonic()

    def send(self, value, size):
        b = payload(value, size)
        self.last = b
        self.due = time.monotonic() + self.resend_after
        self.sends += 1
        if self.drop_every and self.sends % self.drop_every == 0:
            self.dropped += 1
            log.info(kv(f"{self.role}: test: dropped datagram", value=value))
            return
        self.proto.send_datagram(self.stream_id, b)

    def resend(self):
        if self.last is None:
            return
        self.resends += 1
        self.due = time.monotonic() + self.resend_after
        log.info(kv(f"{self.role}: resent datagram", value=parse(self.last)))
        self.proto.send_datagram(self.stream_id, self.last)

    async def receive(self, deadline=None):
        """The next datagram; resends the last one whenever it is due."""
        q = self.proto.datagrams(self.stream_id)
        while True:
            due = self.due if self.last is not None else time.monotonic() + self.resend_after
            if deadline is not None and deadline < due:
                due = deadline
            if q.empty() and self.proto.terminated.is_set():
                raise ConnectionError(f"connection closed: {self.proto.close_cause}")
            get = asyncio.ensure_future(q.get())
            end = asyncio.ensure_future(self.proto.terminated.wait())
            await asyncio.wait({get, end}, timeout=max(0.0, due - time.monotonic()),
                               return_when=asyncio.FIRST_COMPLETED)
            end.cancel()
            if get.done():
                return get.result()
            get.cancel()
            if not self.proto.terminated.is_set():
                if deadline is not None and time.monotonic() >= deadline:
                    raise LingerExpired("peer did not close after the final datagram")
                self.resend()

    def maybe_update_keys(self, value):
        if self.key_update_after and value == self.key_update_after:
            self.proto.request_key_update()
            log.info(kv(f"{self.role}: test: requested a key update", after_value=value))

    def stats(self):
        log.info(kv(f"{self.role}: stats", received=self.received, resends=self.resends,
                    duplicates=self.duplicates, test_drops=self.dropped,
                    elapsed=f"{time.monotonic() - self.start:.6f}s",
                    key_phase=self.proto.key_phase()))

    def check(self, b, expect):
        """The value, or None for a duplicate; raises on a value out of turn."""
        v = parse(b)
        if v < expect:
            self.duplicates += 1
            log.info(kv(f"{self.role}: duplicate datagram", value=v))
            return None
        if v != expect:
            raise ValueError(f"unexpected datagram value={v}, want {expect}")
        return v

    async def run_client(self):
        expect = 0
        while True:
            b = await self.receive()
            v = self.check(b, expect)
            if v is None:
                continue
            # The server's first datagram is 8 bytes; later ones echo our size.
            if v > 0 and len(b) != self.size:
                raise ValueError(f"datagram value={v} has {len(b)} bytes, want {self.size} (echo of -size)")
            self.received += 1
            log.info(kv("client: received datagram", value=v))
            if v == self.final:
                log.info("client: received final datagram, exiting")
                return
            self.maybe_update_keys(v)
            self.send(v + 1, self.size)
            expect = v + 2

    async def run_server(self, linger):
        self.send(0, HEADER_LEN)
        expect = 1
        while True:
            b = await self.receive()
            v = self.check(b, expect)
            if v is None:
                continue
            self.received += 1
            log.info(kv("server: received datagram", value=v))
            self.maybe_update_keys(v)
            self.send(v + 1, len(b))
            if v + 1 == self.final:
                log.info("server: sent final datagram, exiting")
                break
            expect = v + 2
        # Keep resending the final value until the client closes.
        deadline = time.monotonic() + linger
        while not self.proto.terminated.is_set():
            try:
                b = await self.receive(deadline)
            except ConnectionError:
                return
            try:
                if parse(b) < self.final:
                    self.duplicates += 1
                    log.info(kv("server: duplicate datagram", value=parse(b)))
            except ValueError:
                pass


class PingPongProtocol(QuicConnectionProtocol):
    """One QUIC connection with HTTP/3 on top; events become futures/queues."""

    opt = None  # set before connect/serve
    on_request = None  # server: callback(proto, stream_id, headers)
    on_connection = None  # server: callback(proto) for each new connection
    early_offered = False  # client: 0-RTT data was sent (-0rtt with a ticket that allows it)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.h3 = DatagramH3(self._quic, datagrams=not self.opt.no_datagrams)
        self.settings = asyncio.Event()
        self.terminated = asyncio.Event()
        self.close_cause = ""
        self.closed_by_us = False
        self.peer_app_code = None
        self._queues = {}
        self._responses = {}
        self._bodies = {}
        if self.on_connection:
            self.on_connection(self)

    def datagrams(self, stream_id):
        return self._queues.setdefault(stream_id, asyncio.Queue())

    def response(self, stream_id):
        return self._responses.setdefault(stream_id, asyncio.get_running_loop().create_future())

    def body(self, stream_id):
        return self._bodies.setdefault(stream_id, [bytearray(), asyncio.Event()])

    def key_phase(self):
        # Not public API; only for the log (pinned version).
        try:
            from aioquic.tls import Epoch
            return self._quic._cryptos[Epoch.ONE_RTT].key_phase
        except Exception:  # noqa: BLE001
            return "?"

    def datagram_received(self, data, addr):
        # Evidence for the Retry and version negotiation cases: long-header
        # packets the client receives (RFC 9000 §17.2: version 0 is Version
        # Negotiation, §17.2.1; type 3 of v1 is Retry, §17.2.5).
        if self.opt.role == "client" and len(data) >= 7 and data[0] & 0x80:
            version = struct.unpack(">I", data[1:5])[0]
            if version == 0:
                dl = data[5]
                sl = data[6 + dl] if len(data) > 6 + dl else 0
                rest = data[7 + dl + sl:]
                vs = [f"0x{struct.unpack('>I', rest[i:i + 4])[0]:08x}" for i in range(0, len(rest) - 3, 4)]
                log.info(kv("client: received Version Negotiation", versions=",".join(vs)))
            elif version == 1 and (data[0] >> 4) & 3 == 3:
                log.info(kv("client: received Retry", bytes=len(data)))
        super().datagram_received(data, addr)

    def send_datagram(self, stream_id, data):
        self.h3.send_datagram(stream_id, data)
        self.transmit()

    def close_h3(self, reason=""):
        self.closed_by_us = True
        self.close(error_code=H3_NO_ERROR, reason_phrase=reason)

    def quic_event_received(self, event):
        if isinstance(event, HandshakeCompleted):
            ks = getattr(self._quic.tls, "key_schedule", None)
            cipher = ks.cipher_suite.name if ks is not None else "?"
            role = self.opt.role
            # version last: the vn case's proof anchors it at the line's end
            log.info(kv(f"{role}: connected", alpn=event.alpn_protocol, cipher=cipher,
                        resumed=str(event.session_resumed).lower(),
                        early_data=str(event.early_data_accepted).lower(),
                        version=f"0x{self._quic._version:x}"))
            # The same lines as quince (tests/interop/run.sh checks them).
            if role == "client" and self.opt.session:
                log.info("client: session resumed" if event.session_resumed else "client: full handshake")
                if self.early_offered:
                    log.info("client: 0-RTT accepted" if event.early_data_accepted
                             else "client: 0-RTT rejected")
            elif role == "server":
                if event.session_resumed:
                    log.info("server: session resumed")
                if event.early_data_accepted:
                    log.info("server: 0-RTT accepted")
        if isinstance(event, ConnectionTerminated):
            if self.closed_by_us:
                self.close_cause = f"we closed with code 0x{event.error_code:x}"
            elif event.frame_type is None:
                self.peer_app_code = event.error_code
                self.close_cause = (f"the peer closed with application code 0x{event.error_code:x} "
                                    f"{event.reason_phrase!r}")
            else:
                self.close_cause = (f"closed with transport code 0x{event.error_code:x} "
                                    f"{event.reason_phrase!r}")
            self.terminated.set()
            self.settings.set()
            for f in self._responses.values():
                if not f.done():
                    f.set_exception(ConnectionError(f"connection closed: {self.close_cause}"))
        for ev in self.h3.handle_event(event):
            if isinstance(ev, HeadersReceived):
                if self.opt.role == "server":
                    if self.on_request:
                        self.on_request(self, ev.stream_id, ev.headers)
                else:
                    f = self.response(ev.stream_id)
                    if not f.done():
                        f.set_result(ev.headers)
                if ev.stream_ended:
                    self.body(ev.stream_id)[1].set()
            elif isinstance(ev, DataReceived):
                b = self.body(ev.stream_id)
                b[0] += ev.data
                if ev.stream_ended:
                    b[1].set()
            elif isinstance(ev, DatagramReceived):
                self.datagrams(ev.stream_id).put_nowait(ev.data)
        if self.h3.received_settings is not None:
            self.settings.set()

    def peer_datagrams(self):
        s = self.h3.received_settings or {}
        return s.get(Setting.H3_DATAGRAM) == 1

    def peer_extended_connect(self):
        s = self.h3.received_settings or {}
        return s.get(Setting.ENABLE_CONNECT_PROTOCOL) == 1


def quic_config(opt, is_client):
    cfg = QuicConfiguration(is_client=is_client, alpn_protocols=H3_ALPN,
                            # RFC 9221 §3: we accept DATAGRAM frames of any size
                            max_datagram_frame_size=None if opt.no_datagrams else 65536,
                            idle_timeout=30.0)
    if opt.cipher:
        cfg.cipher_suites = [CIPHERS[opt.cipher]]
    if getattr(opt, "version", None):
        # The first version offered; a server without it answers with Version
        # Negotiation (RFC 9000 §6) and the client retries with QUIC v1.
        cfg.supported_versions = [opt.version, 0x00000001]
    return cfg


# --- client ------------------------------------------------------------------

async def client_main(opt):
    u = urlsplit(opt.url)
    host, port = u.hostname, u.port or 443
    cfg = quic_config(opt, True)
    cfg.server_name = host
    cfg.load_verify_locations(cafile=opt.ca)
    cfg.verify_mode = ssl.CERT_REQUIRED
    # aioquic binds "::"; a server on 127.0.0.1 must be reached over IPv4
    # even when "localhost" resolves to ::1 first.
    try:
        ip = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_DGRAM)[0][4][0]
    except OSError:
        ip = host
    PingPongProtocol.opt = opt
    save_ticket = None
    if opt.session:
        # -session FILE: the last session ticket, for resumption (RFC 8446 §2.2)
        try:
            with open(opt.session, "rb") as f:
                cfg.session_ticket = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError):
            pass
        t = cfg.session_ticket
        # aioquic sends 0-RTT only with a ticket that allows it (RFC 9001 §4.6.1:
        # max_early_data_size 0xffffffff) and data queued before the handshake.
        PingPongProtocol.early_offered = bool(opt.zero_rtt and t is not None and t.is_valid
                                              and t.max_early_data_size == MAX_EARLY_DATA)

        def save_ticket(ticket):
            fd = os.open(opt.session, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                pickle.dump(ticket, f)
    # -0rtt: connect() returns before the handshake; the request is queued
    # at once and leaves with the Initial, in 0-RTT packets.
    async with connect(ip, port, configuration=cfg, create_protocol=PingPongProtocol,
                       session_ticket_handler=save_ticket,
                       wait_connected=not opt.zero_rtt) as proto:
        try:
            await client_session(opt, proto, u)
        except BaseException:
            if not proto.terminated.is_set() and not proto.closed_by_us:
                proto.close_h3("client failed")
            raise
        finally:
            try:
                await asyncio.wait_for(proto.wait_closed(), 1.0)
            except asyncio.TimeoutError:
                pass


async def check_settings(opt, proto):
    await proto.settings.wait()
    if proto.terminated.is_set():
        raise ConnectionError(f"connection closed before the server's SETTINGS: {proto.close_cause}")
    if not opt.no_datagrams and not proto.peer_datagrams():
        proto.close_h3("datagram support not enabled")
        raise ConnectionError("server does not support HTTP datagrams (no SETTINGS_H3_DATAGRAM=1)")
    if opt.method == "CONNECT-EXT" and not proto.peer_extended_connect():
        raise ConnectionError("server does not support extended CONNECT (no SETTINGS_ENABLE_CONNECT_PROTOCOL=1)")


async def client_session(opt, proto, u):
    if not opt.zero_rtt:
        await check_settings(opt, proto)
    authority = u.netloc
    path = u.path or "/"
    if opt.method == "GET":
        headers = [(b":method", b"GET"), (b":scheme", b"https"),
                   (b":authority", authority.encode()), (b":path", path.encode())]
    elif opt.method == "CONNECT":
        # classic CONNECT: :method and :authority only (RFC 9114 §4.4)
        headers = [(b":method", b"CONNECT"), (b":authority", authority.encode())]
    else:
        headers = [(b":method", b"CONNECT"), (b":protocol", EXT_PROTOCOL.encode()),
                   (b":scheme", b"https"), (b":authority", authority.encode()),
                   (b":path", path.encode())]
    sid = proto._quic.get_next_available_stream_id()
    # No FIN while datagrams flow: a receiver may drop them after the FIN.
    proto.h3.send_headers(sid, headers, end_stream=False)
    proto.transmit()
    resp = dict(await proto.response(sid))
    if opt.zero_rtt:
        await check_settings(opt, proto)  # the request went before the SETTINGS
    status = int(resp.get(b":status", b"0"))
    if status != 200:
        body, done = proto.body(sid)
        try:
            await asyncio.wait_for(done.wait(), 1.0)
        except asyncio.TimeoutError:
            pass
        raise ConnectionError(f"unexpected status {status}: {bytes(body[:200]).decode(errors='replace').strip()!r}")
    log.info(kv("client: response", method=opt.method, status=status))
    ex = Exchange(proto, sid, "client", opt)
    try:
        await ex.run_client()
    finally:
        ex.stats()
    proto.h3.send_data(sid, b"", end_stream=True)  # FIN only now
    proto.close_h3()


# --- server ------------------------------------------------------------------

class TicketStore:
    """Session tickets by ticket; each used once (RFC 8446 §8.1: a single-use
    ticket is what keeps 0-RTT from being replayed)."""

    def __init__(self):
        self.tickets = {}

    def add(self, ticket):
        self.tickets[ticket.ticket] = ticket

    def pop(self, label):
        return self.tickets.pop(label, None)


class OneShotServer:
    def __init__(self, opt):
        self.opt = opt
        self.done = asyncio.get_running_loop().create_future()  # result of the ping-pong
        self.conn_ended = asyncio.Event()
        self.tasks = set()

    def finish(self, err):
        if self.opt.serve:
            return  # -serve: no request ends the run
        if not self.done.done():
            self.done.set_result(err)

    def on_connection(self, proto):
        async def watch():
            await proto.terminated.wait()
            log.info(kv("server: connection ended", cause=proto.close_cause))
            if not self.opt.serve:
                self.conn_ended.set()
        t = asyncio.ensure_future(watch())
        self.tasks.add(t)

    def on_request(self, proto, sid, headers):
        t = asyncio.ensure_future(self.handle(proto, sid, dict(headers)))
        self.tasks.add(t)

    def respond(self, proto, sid, status, text=None):
        proto.h3.send_headers(sid, [(b":status", str(status).encode())], end_stream=text is None)
        if text is not None:
            proto.h3.send_data(sid, text.encode(), end_stream=True)
        proto.transmit()

    async def handle(self, proto, sid, h):
        method = h.get(b":method", b"").decode()
        path = h.get(b":path", b"").decode()
        protocol = h.get(b":protocol")
        if method == "CONNECT" and protocol is None and not path:
            pass  # classic CONNECT (RFC 9114 §4.4): the ping-pong
        elif method in ("GET", "CONNECT") and path == "/ping-pong":
            pass  # GET or extended CONNECT with any :protocol
        elif path == "/ping-pong":
            self.respond(proto, sid, 405, "method not allowed\n")
            return
        else:
            self.respond(proto, sid, 404, "404 page not found\n")
            return
        log.info(kv("server: request", method=method, protocol=(protocol or b"").decode(),
                    authority=h.get(b":authority", b"").decode(), path=path))
        try:
            await asyncio.wait_for(proto.settings.wait(), SETTINGS_WAIT)
        except asyncio.TimeoutError:
            log.error("server: timeout waiting for SETTINGS")
            self.respond(proto, sid, 400, "timeout waiting for SETTINGS\n")
            self.finish("timeout waiting for the client's SETTINGS")
            return
        if proto.terminated.is_set():
            self.finish("request closed before the client's SETTINGS")
            return
        if not proto.peer_datagrams():
            log.error("server: datagram support not enabled by the client")
            self.respond(proto, sid, 400, "datagram support not enabled\n")
            self.finish("client has no HTTP datagram support")
            return
        proto.h3.send_headers(sid, [(b":status", b"200")], end_stream=False)
        proto.transmit()
        ex = Exchange(proto, sid, "server", self.opt)
        err = None
        try:
            await ex.run_server(self.opt.linger)
        except LingerExpired as exc:
            log.warning(f"server: {exc}")
        except (ConnectionError, ValueError) as exc:
            log.error(kv("server: ping-pong failed", error=str(exc)))
            err = str(exc)
        ex.stats()
        self.finish(err)


async def server_main(opt):
    host, _, port = opt.listen.rpartition(":")
    cfg = quic_config(opt, False)
    cfg.load_cert_chain(opt.cert, opt.key)
    one = OneShotServer(opt)
    PingPongProtocol.opt = opt
    PingPongProtocol.on_request = one.on_request
    PingPongProtocol.on_connection = one.on_connection
    tickets = TicketStore()
    server = await serve(host.strip("[]"), int(port), configuration=cfg,
                         create_protocol=PingPongProtocol, retry=opt.retry,
                         session_ticket_fetcher=tickets.pop, session_ticket_handler=tickets.add)
    log.info(kv("server: listening", addr=opt.listen, datagrams=str(not opt.no_datagrams).lower()))
    code = 0

    async def outcome():
        nonlocal code
        done_t = asyncio.ensure_future(asyncio.shield(one.done))
        ended_t = asyncio.ensure_future(one.conn_ended.wait())
        await asyncio.wait({done_t, ended_t}, return_when=asyncio.FIRST_COMPLETED)
        if one.done.done():
            if one.done.result() is not None:
                code = 1
            # Let the response (e.g. a 400) reach the client and the client
            # close the connection before closing the server.
            try:
                await asyncio.wait_for(one.conn_ended.wait(), CLOSE_WAIT)
            except asyncio.TimeoutError:
                pass
        else:
            try:
                err = await asyncio.wait_for(asyncio.shield(one.done), CLOSE_WAIT)
                if err is not None:
                    code = 1
            except asyncio.TimeoutError:
                log.error("server: connection closed without a ping-pong request")
                code = 1
        for t in (done_t, ended_t):
            t.cancel()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_stop_signal(sig):
        # Ignored from now on: `timeout` sends the signal to its whole
        # process group as well, and a second one after the loop closed
        # would kill us with the default action (exit 143).
        loop.remove_signal_handler(sig)
        signal.signal(sig, signal.SIG_IGN)
        stop.set()

    if opt.serve:
        # -serve: every connection until SIGTERM/SIGINT (then exit 0).
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_stop_signal, sig)
    try:
        if opt.serve:
            await stop.wait()
            log.info("server: signal")
        elif opt.timeout > 0:
            await asyncio.wait_for(outcome(), opt.timeout)
        else:
            await outcome()
    except asyncio.TimeoutError:
        log.error(kv("server: timeout", after=f"{opt.timeout:g}s"))
        code = 1
    server.close()
    for t in one.tasks:
        t.cancel()
    log.info("server closed")
    return code


# --- command line ------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(prog="pingpong.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="role", required=True)
    for role in ("client", "server"):
        s = sub.add_parser(role)
        s.add_argument("-count", type=int, default=10, help="final value (even, >= 2)")
        s.add_argument("-timeout", type=duration, default=duration("10s") if role == "client" else 0.0)
        s.add_argument("-resend", type=duration, default=0.5)
        s.add_argument("-no-datagrams", dest="no_datagrams", action="store_true",
                       help="test: offer no HTTP datagrams (SETTINGS_H3_DATAGRAM=0)")
        s.add_argument("-drop-every", dest="drop_every", type=int, default=0,
                       help="test: skip every Nth first transmission")
        s.add_argument("-key-update-after", dest="key_update_after", type=int, default=0,
                       help="test: start a key update after receiving value N")
        s.add_argument("-cipher", choices=sorted(CIPHERS), default=None,
                       help="offer/accept only this TLS cipher suite")
        if role == "client":
            s.add_argument("-url", default="https://localhost:8080/ping-pong")
            s.add_argument("-ca", required=True)
            s.add_argument("-session", default=None,
                           help="keep the session ticket in FILE and resume with it")
            s.add_argument("-0rtt", dest="zero_rtt", action="store_true",
                           help="with -session: send the request in 0-RTT when the ticket allows")
            s.add_argument("-method", default="GET", type=str.upper,
                           choices=["GET", "CONNECT", "CONNECT-EXT"])
            s.add_argument("-size", type=int, default=HEADER_LEN)
            s.add_argument("-version", type=lambda x: int(x, 16), default=0,
                           help="test: offer this QUIC version first (hex), then v1")
        else:
            s.add_argument("-listen", default="127.0.0.1:8080")
            s.add_argument("-cert", required=True)
            s.add_argument("-key", required=True)
            s.add_argument("-linger", type=duration, default=5.0)
            s.add_argument("-retry", action="store_true", help="validate addresses with Retry")
            s.add_argument("-serve", action="store_true",
                           help="serve every connection until SIGTERM instead of one ping-pong")
    opt = p.parse_args(argv)
    if opt.count < 2 or opt.count % 2:
        p.error("-count must be even and at least 2")
    if opt.role == "client" and not HEADER_LEN <= opt.size <= MAX_SIZE:
        p.error(f"-size must be in [{HEADER_LEN}, {MAX_SIZE}]")
    if opt.role == "client" and opt.zero_rtt and not opt.session:
        p.error("-0rtt needs -session")
    if opt.drop_every < 0 or opt.resend <= 0:
        p.error("-drop-every must be >= 0, -resend positive")
    return opt


def main(argv):
    opt = parse_args(argv)
    h = logging.StreamHandler(sys.stderr)
    h.setFormatter(GoLogFormatter())
    log.addHandler(h)
    log.setLevel(logging.INFO)
    if opt.role == "server":
        return asyncio.run(server_main(opt))
    try:
        asyncio.run(asyncio.wait_for(client_main(opt), opt.timeout))
    except asyncio.TimeoutError:
        log.error(f"client: timeout: no result within -timeout {opt.timeout:g}s")
        return 1
    except (ConnectionError, ValueError, OSError) as exc:
        # aioquic raises a bare ConnectionError when the handshake fails.
        log.error(f"client: {exc or 'connection failed: ' + type(exc).__name__}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
