"""Misbehaving servers for tests/test_hostile.py: real sockets on loopback, no mocks of HTTP.

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
