"""HTTP plumbing shared by both independent servers: start/stop in a thread, and the reply
framing (HTTP/1.1 keep-alive with Content-Length, or chunked, ``Connection: close``, gzip, latency)."""
from __future__ import annotations

import gzip as gziplib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Reply:
    def __init__(self, status: int, body: bytes | None = None, ctype: str | None = None,
                 headers: list[tuple[str, str]] | None = None) -> None:
        self.status, self.body, self.ctype, self.headers = status, body, ctype, list(headers or [])


class _BaseServer:
    """Start/stop in a thread; the handler calls ``self.handle(method, raw_path, headers, body)``."""

    def __init__(self, *, latency: float = 0.0, connection_close: bool = False, chunked: bool = False,
                 gzip: bool = False) -> None:
        self.latency = latency
        self.connection_close = connection_close
        self.chunked = chunked
        self.gzip = gzip
        self.lock = threading.RLock()
        self.requests: list[tuple[str, str]] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> _BaseServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True
            server_version = "IndependentServer/1.0"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with outer.lock:
                    outer.requests.append((self.command, self.path))
                try:
                    reply = outer.handle(self.command, self.path, self.headers, body)
                except Exception as exc:  # a bug in the test server: make it visible as a 500
                    reply = _Reply(500, f"internal error: {exc!r}".encode(), "text/plain")
                outer._write(self, reply)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _any

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> _BaseServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # -- writing ---------------------------------------------------------------------------------
    def _write(self, h: BaseHTTPRequestHandler, r: _Reply) -> None:
        if self.latency:
            time.sleep(self.latency)
        body = r.body or b""
        headers = list(r.headers)
        if body and self.gzip and "gzip" in (h.headers.get("Accept-Encoding") or "").lower():
            body = gziplib.compress(body)
            headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        h.send_response(r.status)
        for k, v in headers:
            h.send_header(k, v)
        if r.ctype and r.body:
            h.send_header("Content-Type", r.ctype)
        use_chunks = self.chunked and bool(body) and h.command != "HEAD"
        if use_chunks:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Content-Length", str(len(body)))
        if self.connection_close:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        if h.command == "HEAD":
            return
        if use_chunks:
            for i in range(0, len(body), 37):  # small, odd-sized chunks on purpose
                piece = body[i:i + 37]
                h.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            h.wfile.write(b"0\r\n\r\n")
        else:
            h.wfile.write(body)

    def handle(self, method: str, raw_path: str, headers: Any, body: bytes) -> _Reply:  # pragma: no cover
        raise NotImplementedError
