"""``conformance serve`` on a production HTTP server: uvicorn (httptools, uvloop where available).

The sandbox is where PMS developers point their integrations, often many at once; the stdlib
threading server (httpd.py) answered a burst of 200 keep-alive clients with a p99 of 2.3 s (a
thread per connection fighting for the GIL, an accept queue of 128) and printed a
BrokenPipeError traceback per connection on SIGTERM. uvicorn serves every connection from one
event loop, in arrival order, parses HTTP in C (httptools) and stops gracefully: it stops
accepting, lets each request in flight be answered, closes idle keep-alive connections, then
returns, so the sandbox report written afterwards holds every import that was answered.

The APIs stay plain ``handle(Request) -> Response`` objects: ``Bridge`` is the small ASGI
adapter, doing what httpd._Handler does (prefix, 413 above MAX_BODY, a bug answered 500). The
reference server the tests and the self-check start in the background keeps the stdlib server
(httpd.py): it must run wherever the suite does, with nothing else to start.
"""
from __future__ import annotations

import logging
import socket
from typing import Any

from .httpd import MAX_BODY, App, Headers, Request, Response, split_path

log = logging.getLogger(__name__)

BACKLOG = 2048                 # a burst of clients connecting at once is queued, not dropped (SYN retries cost 1 s)
KEEP_ALIVE_S = 60              # an idle keep-alive connection is closed after a minute, as httpd's
GRACEFUL_S = 10                # on SIGTERM, requests in flight get this long to be answered


class Bridge:
    """An ``App`` as an ASGI application (HTTP only; lifespan events are acknowledged)."""

    def __init__(self, app: App, prefix: str = "") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        headers = Headers()
        for raw_name, raw_value in scope["headers"]:
            name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        body, refusal = await self._body(headers, receive)
        response = refusal or self._answer(scope, headers, body)
        await self._send(scope, send, response)

    async def _body(self, headers: Headers, receive: Any) -> tuple[bytes, Response | None]:
        declared = headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            return b"", self.app.error(413, f"request body larger than {MAX_BODY} bytes")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"", None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                return b"", self.app.error(413, f"request body larger than {MAX_BODY} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), None

    def _answer(self, scope: dict[str, Any], headers: Headers, body: bytes) -> Response:
        path = (scope.get("raw_path") or scope["path"].encode("utf-8")).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        method = scope["method"]
        prefix = self.prefix
        segments: tuple[str, ...] | None
        if prefix and not (path == prefix or path.startswith(prefix + "/")):
            segments = None
        else:
            path = path[len(prefix):] or "/"
            segments = split_path(path)
        try:
            return self.app.handle(Request(method, path, segments, query, headers, body))
        except Exception:  # a bug in the reference server: visible as a 500, never hidden
            log.exception("reference server failed on %s %s", method, path)
            return self.app.error(500, "internal error in the reference server")

    async def _send(self, scope: dict[str, Any], send: Any, response: Response) -> None:
        out: list[tuple[bytes, bytes]] = []
        if response.content_type is not None:
            out.append((b"content-type", response.content_type.encode("latin-1")))
        out += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
        out.append((b"content-length", str(len(response.body)).encode("ascii")))
        await send({"type": "http.response.start", "status": response.status, "headers": out})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else response.body})


def available() -> bool:
    try:
        import uvicorn  # noqa: F401
    except ImportError:
        return False
    return True


def serve(app: App, sock: socket.socket, *, prefix: str = "") -> None:
    """Serve ``app`` on the bound socket ``sock`` in the calling thread until SIGINT or SIGTERM,
    then stop gracefully (see the module docstring). Returns once every answer is sent; the
    signal that stopped it is raised again afterwards (KeyboardInterrupt, as the caller expects)."""
    import uvicorn

    config = uvicorn.Config(Bridge(app, prefix), lifespan="off", access_log=False, log_level="warning",
                            server_header=False, backlog=BACKLOG, timeout_keep_alive=KEEP_ALIVE_S,
                            timeout_graceful_shutdown=GRACEFUL_S)
    uvicorn.Server(config).run(sockets=[sock])
