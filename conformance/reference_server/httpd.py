"""The HTTP layer shared by both APIs: a stdlib threading server that records every request.

Why stdlib: the reference server must run wherever the suite runs, with nothing to install, and
it must behave like a real deployment (keep-alive, Content-Length on every answer, TLS) so the
suite is exercised over a real socket. The APIs themselves are plain objects with a
``handle(Request) -> Response`` method; this module knows nothing about ROOMZ or Roomonitor.
"""
from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # bodies above 1 MB answer 413: no caller of either API needs more
_SECRET_HEADERS = {"authorization", "x-auth-token", "cookie"}


class Headers(dict):
    """A plain ``dict`` of request headers whose lookups ignore case, as HTTP header names do.

    Keys keep the spelling the client sent, so a recorded request shows what was on the wire;
    repeated headers are joined with ", " (RFC 9110 §5.3).
    """

    def _key(self, name: object) -> object:
        if isinstance(name, str):
            lowered = name.lower()
            for key in dict.keys(self):
                if key.lower() == lowered:
                    return key
        return name

    def __getitem__(self, name: object) -> str:
        return str(dict.__getitem__(self, self._key(name)))

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, self._key(name))

    def get(self, name: object, default: Any = None) -> Any:
        return dict.get(self, self._key(name), default)

    def __repr__(self) -> str:
        # Recorded requests end up in test failure output: never show a secret there.
        shown = {k: ("<redacted>" if k.lower() in _SECRET_HEADERS else v) for k, v in self.items()}
        return repr(shown)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it.

    ``path`` is the URL path as sent (prefix included, not decoded), ``query`` the raw query string
    ("" when absent), ``headers`` a case-insensitive dict, ``body`` the raw bytes read (empty when
    the body was refused unread, e.g. a 413).
    """
    method: str
    path: str
    query: str
    headers: dict
    body: bytes
    at: float = 0.0   # time.monotonic() when it arrived (rate tests)


@dataclass(frozen=True)
class Request:
    """What an API handler sees: ``path`` has the prefix removed and is split into decoded segments.

    ``segments`` is None when the path lies outside the configured prefix: the API answers 404,
    after its own authentication when it checks that first (ROOMZ does).
    """
    method: str
    path: str
    segments: tuple[str, ...] | None
    query: str
    headers: Headers
    body: bytes


@dataclass
class Response:
    """An answer; ``content_type`` None with an empty body sends no Content-Type at all."""
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)


class App(Protocol):
    def handle(self, request: Request) -> Response: ...

    def error(self, status: int, message: str) -> Response:
        """The API's own error shape, used for errors found before the API sees the request."""
        ...


def split_path(path: str) -> tuple[str, ...]:
    """Decoded path segments; a single trailing slash is ignored, other empty segments are kept."""
    trimmed = path[1:] if path.startswith("/") else path
    if trimmed.endswith("/"):
        trimmed = trimmed[:-1]
    return tuple(unquote(s) for s in trimmed.split("/")) if trimmed else ()


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer plus: TLS handshakes in the worker thread, tracked connections."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the concurrency tests open many connections at once

    def __init__(self, address: tuple[str, int], handler: type, *, app: App, prefix: str,
                 ssl_context: ssl.SSLContext | None, latency_ms: int,
                 recorder: Callable[[RecordedRequest], None] | None, throttle_every: int = 0) -> None:
        self.app = app
        self.prefix = prefix
        self.ssl_context = ssl_context
        self.latency_ms = latency_ms
        self.recorder = recorder
        self.throttle_every = throttle_every   # every Nth request answers 429 Retry-After: 1 (politeness tests)
        self._served = 0
        self._served_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def throttled(self) -> bool:
        """Whether this request is one to answer 429 (every ``throttle_every``-th, when set)."""
        if not self.throttle_every:
            return False
        with self._served_lock:
            self._served += 1
            return self._served % self.throttle_every == 0

    def finish_request(self, request: Any, client_address: Any) -> None:
        # Runs in the per-connection thread, so a slow TLS handshake blocks only its own client.
        if self.ssl_context is not None:
            try:
                request.settimeout(_Handler.timeout)  # a client that never says hello frees its thread
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                log.debug("TLS handshake with %s failed: %s", client_address, exc)
                return
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().finish_request(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (or a connection shut down as the server stops) is no error
        of the server: logged at debug level, never a traceback on the console."""
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, ssl.SSLError)):
            log.debug("connection with %s ended: %s", client_address, sys.exc_info()[1])
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Shut down idle keep-alive connections so their threads end when the server stops."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, lets the app answer it, writes the answer with a Content-Length."""

    protocol_version = "HTTP/1.1"  # keep-alive: every answer carries Content-Length
    server_version = "conformance-reference/0.1"
    sys_version = ""
    timeout = 60  # an idle keep-alive connection frees its thread after a minute
    disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed-ACK stall
    server: _Server

    def __getattr__(self, name: str) -> Any:
        # BaseHTTPRequestHandler answers 501 to any method without a do_* method; the contracts
        # forbid 5xx, so every method reaches the app, which answers 404/405 itself.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s " + format, self.address_string(), *args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Used by the stdlib for unparsable request lines and headers: answer in the API's shape.
        # Both contracts forbid 5xx, so the stdlib's 505 for an "HTTP/2.0" request line is a 400.
        self.close_connection = True
        if code == 505:
            code = 400
        try:
            self._write(self.server.app.error(code, message or self.responses.get(code, ("error",))[0]))
        except OSError:
            pass

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        headers = Headers()
        for name, value in self.headers.items():
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        body, refusal = self._read_body(headers)
        if self.server.recorder is not None:
            self.server.recorder(RecordedRequest(self.command, url.path, url.query, headers, body, time.monotonic()))
        if self.server.latency_ms:
            time.sleep(self.server.latency_ms / 1000)
        if self.server.throttled():
            busy = self.server.app.error(429, "too many requests")
            busy.headers.append(("Retry-After", "1"))
            self._write(busy)
            return
        if refusal is not None:
            self.close_connection = True
            self._write(refusal)
            return
        prefix = self.server.prefix
        path = url.path
        if prefix and not (path == prefix or path.startswith(prefix + "/")):
            segments: tuple[str, ...] | None = None
        else:
            path = path[len(prefix):] or "/"
            segments = split_path(path)
        request = Request(self.command, path, segments, url.query, headers, body)
        try:
            response = self.server.app.handle(request)
        except Exception:  # a bug in the reference server: visible as a 500, never hidden
            log.exception("reference server failed on %s %s", self.command, self.path)
            response = self.server.app.error(500, "internal error in the reference server")
        self._write(response)

    def _read_body(self, headers: Headers) -> tuple[bytes, Response | None]:
        """The request body, or a refusal (400/413) when it cannot or should not be read."""
        app = self.server.app
        if "chunked" in headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length_text = headers.get("Content-Length")
        if length_text is None:
            return b"", None
        try:
            length = int(length_text)
            if length < 0:
                raise ValueError
        except ValueError:
            return b"", app.error(400, "invalid Content-Length")
        if length > MAX_BODY:
            return b"", app.error(413, f"request body larger than {MAX_BODY} bytes")
        return self.rfile.read(length), None

    def _read_chunked(self) -> tuple[bytes, Response | None]:
        app = self.server.app
        chunks: list[bytes] = []
        total = 0
        try:
            while True:
                size = int(self.rfile.readline(1024).split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks), None
                total += size
                if total > MAX_BODY:
                    return b"", app.error(413, f"request body larger than {MAX_BODY} bytes")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        except ValueError:
            return b"", app.error(400, "malformed chunked body")

    def _write(self, response: Response) -> None:
        self.send_response(response.status)
        if response.content_type is not None:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)


def make_server(host: str, port: int, *, app: App, prefix: str = "",
                ssl_context: ssl.SSLContext | None = None, latency_ms: int = 0,
                recorder: Callable[[RecordedRequest], None] | None = None, throttle_every: int = 0) -> _Server:
    """A bound, not yet serving, HTTP(S) server for ``app``."""
    return _Server((host, port), _Handler, app=app, prefix=prefix, ssl_context=ssl_context,
                   latency_ms=latency_ms, recorder=recorder, throttle_every=throttle_every)


def normalize_prefix(prefix: str) -> str:
    """``""`` or ``/a/b``: one leading slash, no trailing slash, so URLs join predictably."""
    parts: Iterable[str] = (p for p in prefix.split("/") if p)
    joined = "/".join(parts)
    return f"/{joined}" if joined else ""
