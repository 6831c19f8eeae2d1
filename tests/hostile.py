"""Misbehaving servers for tests/test_hostile_*.py: real sockets on loopback, no mocks of HTTP.

    with HostileServer(rule, upstream=ReferenceServer(...)) as srv:
        srv.url           "http://127.0.0.1:PORT"
        srv.seen          every request received, in order (method, path, headers, body)

A *rule* is a function ``rule(conn)`` called for each request; it decides the answer with the
``Conn`` in hand: pass the request on to the upstream reference server and relay (possibly
edited) what it says (``conn.forward()`` / ``conn.relay(...)``), answer by itself
(``conn.respond``), or misbehave at the byte level: ``write`` raw bytes, ``drip`` one byte at a
time, ``hang``, ``reset`` the connection. ``transparent`` is the rule that only relays.

    BlackHole()       a listening port that never accepts: connecting to it times out
    free_port()       a loopback port nothing listens on: connection refused

Every server stops in ``__exit__``: hanging and dripping handlers wake up and their sockets are
shut, so no test leaves a thread blocked behind it.
"""
from __future__ import annotations

import base64
import http.client
import json
import socket
import socketserver
import ssl
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

MAX_LINE = 65536
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "accept-encoding", "host",
              "proxy-connection", "te", "upgrade"}


@dataclass
class Seen:
    """One request as the server received it; header names are lowercased."""
    method: str
    target: str                 # path and query, as sent
    headers: dict[str, str]
    body: bytes
    connection: int             # which TCP (or TLS) connection carried it, counting from 1

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> str:
        return urlsplit(self.target).query


@dataclass
class Upstream:
    """What the reference server answered; edit ``body`` or ``json`` before ``relay``."""
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers if k.lower() == "content-type"), "")

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def set_json(self, value: Any) -> None:
        self.body = json.dumps(value, ensure_ascii=False).encode("utf-8")


class Conn:
    """One request on one connection: everything a rule may do with it."""

    def __init__(self, handler: _Handler, request: Seen) -> None:
        self._h = handler
        self.req = request
        self.server: HostileServer = handler.server.owner  # type: ignore[attr-defined]
        self.closed = False

    # -- honest answers ----------------------------------------------------------------------
    def forward(self) -> Upstream:
        """Send the same request to the upstream reference server and return its answer."""
        up = self.server.upstream
        if up is None:
            raise RuntimeError("this HostileServer has no upstream to forward to")
        parts = urlsplit(up.url)
        client = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            headers = {k: v for k, v in self.req.headers.items() if k not in HOP_BY_HOP}
            client.request(self.req.method, parts.path + self.req.target, body=self.req.body or None, headers=headers)
            resp = client.getresponse()
            body = resp.read()
            return Upstream(resp.status, [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP], body)
        finally:
            client.close()

    def relay(self, answer: Upstream) -> None:
        headers = dict(answer.headers)
        headers.update(answer.extra_headers)
        self.respond(answer.status, answer.body, headers=headers, content_type=None)

    def respond(self, status: int, body: Any = b"", *, headers: dict[str, str] | None = None,
                content_type: str | None = "application/json") -> None:
        """A well-formed answer; ``body`` may be bytes, text or a JSON value. A Content-Length in
        ``headers`` is sent as given (to lie about the length); otherwise the true one is."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, (bytes, bytearray)):
            body = json.dumps(body, ensure_ascii=False).encode("utf-8")
        hdrs = dict(headers or {})
        if content_type is not None and not any(k.lower() == "content-type" for k in hdrs):
            hdrs["Content-Type"] = content_type
        if not any(k.lower() == "content-length" for k in hdrs):
            hdrs["Content-Length"] = str(len(body))
        if self.server.close_each:
            hdrs["Connection"] = "close"
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Whatever"
        head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
        self.write(head.encode("latin-1", "replace") + bytes(body))
        if self.server.close_each:
            self.close()

    # -- misbehaviour --------------------------------------------------------------------------
    def write(self, raw: bytes) -> None:
        try:
            self._h.connection.sendall(raw)
        except OSError:
            self.closed = True

    def drip(self, raw: bytes, interval: float) -> None:
        """Send ``raw`` one byte every ``interval`` seconds (until the server stops)."""
        for i in range(len(raw)):
            if self.server.stopping.wait(interval):
                break
            self.write(raw[i:i + 1])
            if self.closed:
                break
        self.close()

    def hang(self, seconds: float = 120.0) -> None:
        """Read the request, then say nothing (until the server stops)."""
        self.server.stopping.wait(seconds)
        self.close()

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN: 'connection reset by peer' on the other side."""
        try:
            self._h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def close(self) -> None:
        self.closed = True
        try:
            self._h.connection.close()
        except OSError:
            pass


Rule = Callable[[Conn], None]


def transparent(conn: Conn) -> None:
    conn.relay(conn.forward())


class _Handler(socketserver.BaseRequestHandler):
    server: _TCPServer

    def handle(self) -> None:
        owner = self.server.owner
        number = owner._next_connection()
        if owner.ssl_context is not None:
            if owner.tls_fail_after is not None and number > owner.tls_fail_after:
                # speak something that is not TLS: the client's handshake fails
                try:
                    self.request.recv(4096)
                    self.request.sendall(b"HTTP/1.1 400 This is not TLS\r\n\r\n")
                except OSError:
                    pass
                return
            try:
                self.request = owner.ssl_context.wrap_socket(self.request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        self.connection = self.request
        owner._track(self.connection)
        rfile = self.connection.makefile("rb")
        try:
            while not owner.stopping.is_set():
                seen = _read_request(rfile, number)
                if seen is None:
                    return
                owner._record(seen)
                conn = Conn(self, seen)
                owner.rule(conn)
                if conn.closed:
                    return
        except (OSError, ValueError, ssl.SSLError):
            return
        finally:
            rfile.close()
            owner._untrack(self.connection)


def _read_request(rfile: Any, number: int) -> Seen | None:
    line = rfile.readline(MAX_LINE)
    if not line or not line.strip():
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        h = rfile.readline(MAX_LINE)
        if not h or h in (b"\r\n", b"\n"):
            break
        name, _, value = h.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = rfile.read(length) if length else b""
    return Seen(method, target, headers, body, number)


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], owner: HostileServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:  # a hostile test server is quiet
        pass


class HostileServer:
    """A loopback server whose every answer is decided by ``rule`` (see the module docstring).

    ``upstream`` (a ReferenceServer, started and stopped with this one) is what ``forward``
    talks to. ``ssl_context`` serves TLS; with ``tls_fail_after=N`` only the first N connections
    complete their handshake. ``close_each`` closes the connection after every answer (so
    each request needs a new connection).
    """

    def __init__(self, rule: Rule = transparent, *, upstream: Any = None, host: str = "127.0.0.1",
                 ssl_context: ssl.SSLContext | None = None, tls_fail_after: int | None = None,
                 close_each: bool = False) -> None:
        self.rule = rule
        self.upstream = upstream
        self.host = host
        self.ssl_context = ssl_context
        self.tls_fail_after = tls_fail_after
        self.close_each = close_each or tls_fail_after is not None
        self.stopping = threading.Event()
        self.seen: list[Seen] = []
        self.state: dict[str, Any] = {}      # for rules that count or remember
        self._lock = threading.Lock()
        self._connections = 0
        self._open: set[socket.socket] = set()
        self._tcp: _TCPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._tcp is not None, "not started"
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self._tcp.server_address[1]}"

    @property
    def port(self) -> int:
        assert self._tcp is not None, "not started"
        return self._tcp.server_address[1]

    def start(self) -> HostileServer:
        if self.upstream is not None:
            self.upstream.start()
        self._tcp = _TCPServer((self.host, 0), self)
        self._thread = threading.Thread(target=self._tcp.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._tcp is not None:
            self._tcp.shutdown()
            self._tcp.server_close()
        with self._lock:
            for sock in list(self._open):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        if self.upstream is not None:
            self.upstream.stop()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- bookkeeping -----------------------------------------------------------------------------
    def count(self) -> int:
        """How many requests arrived so far."""
        with self._lock:
            return len(self.seen)

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def _next_connection(self) -> int:
        with self._lock:
            self._connections += 1
            return self._connections

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)


class BlackHole:
    """A port that listens but never accepts; its backlog is full, so a connect hangs."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(0)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._fillers: list[socket.socket] = []
        for _ in range(2):  # fill the accept queue; the kernel drops further SYNs
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", self.port))
            except BlockingIOError:
                pass
            self._fillers.append(s)

    def __enter__(self) -> BlackHole:
        return self

    def __exit__(self, *exc: Any) -> None:
        for s in self._fillers + [self._listener]:
            s.close()


def free_port() -> int:
    """A loopback port with nothing listening on it (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the zoo: one hostile server of each kind (issue 22) ------------------------------------------
# Each entry is ``make(collector_url) -> Rule``: after the preflight probe (the first request),
# every request meets the misbehaviour; the probe is relayed so the run gets past preflight and
# has to bound itself everywhere else. ``collector_url`` is where an off-site redirect points.

ONE_BYTE_A_SECOND = 1.0


def _drip_answers(c: Conn) -> None:
    """Headers at once, then the real body one byte a second."""
    up = c.forward()
    head = (f"HTTP/1.1 {up.status} Whatever\r\nContent-Type: {up.content_type or 'application/json'}\r\n"
            f"Content-Length: {len(up.body)}\r\n\r\n")
    c.write(head.encode("latin-1"))
    c.drip(up.body or b" ", ONE_BYTE_A_SECOND)


def _huge_body(c: Conn, size: int = 200_000_000) -> None:
    """A 200 MB JSON array streamed as fast as the socket takes it, never held in memory."""
    c.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(size).encode() + b"\r\n\r\n[")
    chunk = b'{"roomId": "1", "name": "x"},' * 2048
    sent = 1
    while sent < size - len(chunk) and not c.closed and not c.server.stopping.is_set():
        c.write(chunk)
        sent += len(chunk)
    c.close()


_BOMBS: dict[int, bytes] = {}


def gzip_bomb(megabytes: int, *, crc: bool = True) -> bytes:
    """A valid gzip body of ``megabytes`` MiB of zeros in about 1 KiB per MiB, built in a moment:
    after a full flush, deflate encodes the same MiB to the same bytes, so one block repeats.
    ``crc=False`` leaves the trailer's checksum 0 (no reader gets that far under a cap)."""
    import struct
    import zlib

    key = megabytes if crc else -megabytes
    if key in _BOMBS:
        return _BOMBS[key]
    chunk = b"\0" * (1 << 20)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    end = co.flush()
    check = 0
    for _ in range(megabytes if crc else 0):
        check = zlib.crc32(chunk, check)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    bomb = header + first + block * (megabytes - 1) + end + struct.pack("<II", check, (megabytes << 20) & 0xFFFFFFFF)
    _BOMBS[key] = bomb
    return bomb


def _gzip_bomb(c: Conn) -> None:
    """10 MB on the wire, 10 GiB once decompressed."""
    c.respond(200, gzip_bomb(10_240, crc=False), headers={"Content-Encoding": "gzip"})


def _wrong_length(c: Conn) -> None:
    """The real answer under a Content-Length 5,000 bytes too long, the connection kept open."""
    up = c.forward()
    c.write((f"HTTP/1.1 {up.status} Whatever\r\nContent-Type: {up.content_type or 'application/json'}\r\n"
             f"Content-Length: {len(up.body) + 5000}\r\n\r\n").encode("latin-1") + up.body)
    c.hang()


def _off_site(collector_url: str) -> Rule:
    def rule(c: Conn) -> None:
        c.respond(307, b"", headers={"Location": collector_url + c.req.target})
    return rule


def after_probe(action: Rule, *, path: str | None = None) -> Rule:
    """A rule: the probe (the first request) is relayed, and so is every path but ``path``;
    ``path`` (every path if None) gets ``action`` after the probe."""
    def rule(c: Conn) -> None:
        if c.server.count() > 1 and (path is None or c.req.path == path):
            action(c)
        else:
            transparent(c)
    return rule


# -- secrets echoed, scripts injected (rules shared by several tests) ------------------------------
SECRETS = {"username": "labuser", "password": "Pw7fLq2ZsecretX9", "user_id": "UidK3v9QeR7tLw2Yh",
           "auth_token": "TokA8c1D4e7F0g3H6j9K2m5N8p1Q4r7S0", "login_email": "pms@lab.example",
           "login_password": "LoginPw5Ts8Vw1Xz4"}
BASIC = base64.b64encode(f"{SECRETS['username']}:{SECRETS['password']}".encode()).decode()


def echoing(poison_after: int):
    """Relays, but echoes the request's credentials and body into every answer: errors become a
    500 quoting them, JSON successes carry them, redirects point at them. After
    ``poison_after`` requests it answers non-HTTP garbage quoting them, so the run aborts and
    its abort message (on the terminal) quotes the server."""
    def rule(c: Conn) -> None:
        h = c.req.headers
        auth = h.get("authorization", "")
        decoded = ""
        if auth.startswith("Basic "):
            decoded = base64.b64decode(auth[6:]).decode("utf-8", "replace")
        echo = {"authorization": auth, "decoded": decoded, "x-auth-token": h.get("x-auth-token", ""),
                "body": c.req.body.decode("utf-8", "replace")}
        if auth.startswith("Basic ") or "x-auth-token" in h:   # remembers the last credentials it saw
            c.server.state["last"] = f"{auth} {decoded} {h.get('x-auth-token', '')}"
        if c.server.count() > poison_after:
            c.write(f"ECHO {c.server.state.get('last', '')}\r\n\r\n".encode())
            return c.close()
        if "unknown" in c.req.path and c.req.method == "GET":
            return c.respond(
                302, b"", headers={"Location": f"/login?user={decoded}&token={h.get('x-auth-token', '')}&auth={auth}"}
            )
        up = c.forward()
        data = up.json()
        if up.status >= 400:
            up.status = 500
            up.set_json({"error": "you sent", "echo": echo})
        elif isinstance(data, dict):
            data["echo"] = echo
            up.set_json(data)
        elif isinstance(data, list) and data and isinstance(data[0], dict):
            data[0]["echo"] = echo
            up.set_json(data)
        up.extra_headers["X-You-Sent"] = auth or h.get("x-auth-token", "")
        c.relay(up)
    return rule


MARK = "data-pwned"
SCRIPT = f"<script>document.documentElement.setAttribute('{MARK}','script')</script>"
IMG = f"<img src=x onerror=\"document.documentElement.setAttribute('{MARK}','img')\">"
SVG = f"\"'><svg onload=\"document.documentElement.setAttribute('{MARK}','svg')\">"
BREAKOUT = "</code></pre></td></tr></tbody></table></div>"
PAYLOAD = BREAKOUT + SCRIPT + IMG + SVG


def injecting(c: Conn) -> None:
    """Room names, subjects, imageUrls, a Content-Type and a 500 page all carry HTML payloads."""
    if c.req.method == "GET" and "unknown" in c.req.path:
        return c.respond(500, f"<html><body><h1>{PAYLOAD}</h1></body></html>", content_type="text/html")
    up = c.forward()
    data = up.json()
    if c.req.path == "/rooms" and isinstance(data, list):
        for room in data:
            room["name"] = "Room " + PAYLOAD
        if c.server.count() > 1:
            up.headers = [(k, v) for k, v in up.headers if k.lower() != "content-type"]
            up.extra_headers["Content-Type"] = "text/html; charset=" + SCRIPT
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    for m in items:
        if isinstance(m, dict) and "subject" in m:
            m["subject"] = "Meeting " + PAYLOAD
            if isinstance(m.get("imageUrl"), str):
                m["imageUrl"] = "javascript:" + SCRIPT
    if data is not None:
        up.set_json(data)
    c.relay(up)


ZOO: dict[str, Callable[[str], Rule]] = {
    "hang": lambda _: after_probe(lambda c: c.hang()),
    "slow-drip": lambda _: after_probe(_drip_answers),
    "huge-body": lambda _: after_probe(_huge_body),
    "gzip-bomb": lambda _: after_probe(_gzip_bomb),
    "invalid-json": lambda _: after_probe(lambda c: c.respond(200, b'[{"roomId": "57", "name": ')),
    "redirect-loop": lambda _: after_probe(lambda c: c.respond(302, b"", headers={"Location": c.req.target})),
    "off-site-redirect": lambda url: after_probe(_off_site(url)),
    "reset": lambda _: after_probe(lambda c: c.reset()),
    "wrong-length": lambda _: after_probe(_wrong_length),
    "script-injection": lambda _: injecting,
    "secrets-echoed": lambda _: echoing(poison_after=10**9),
}
