"""``ReferenceServer``: one of the two APIs on a real HTTP(S) socket, in the background or foreground.

This is the object the suite's tests, ``conformance run`` (no ``--base-url``) and
``conformance serve`` all use, so its constructor takes everything they vary: API, faults,
variants, path prefix, TLS, latency, room count and credentials.
"""
from __future__ import annotations

import ssl
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from . import data
from .faults import Fault, check_api, resolve_faults, resolve_variants
from .httpd import RecordedRequest, _Server, make_server, normalize_prefix
from .roomonitor import ReceivedImport, RoomonitorApp, StoredBooking
from .roomz import RoomzApp


class ReferenceServer:
    """A correct ROOMZ or Roomonitor server, in memory, with opt-in faults and variants.

    Usage::

        with ReferenceServer(api="roomz", faults=["no-challenge"]) as srv:
            requests.get(srv.url + "/rooms", auth=("roomz", "roomz-secret"))

    Unknown fault or variant names (or ones of the other API) raise ValueError listing the
    known ones. Credentials default to ``DEFAULTS``.
    """

    def __init__(self, api: str = "roomz", host: str = "127.0.0.1", port: int = 0,
                 faults: Iterable[str | Fault] = (), variants: Iterable[str] = (), prefix: str = "",
                 ssl_context: ssl.SSLContext | None = None, latency_ms: int = 0, rooms: int | None = None,
                 username: str | None = None, password: str | None = None, user_id: str | None = None,
                 auth_token: str | None = None, login_email: str | None = None,
                 login_password: str | None = None, record: bool = True, throttle_every: int = 0) -> None:
        self.api = check_api(api)
        self.faults = resolve_faults(api, faults)
        self.variants = resolve_variants(api, variants)
        if rooms is not None and rooms < 0:
            raise ValueError(f"rooms must be a count >= 0, got {rooms}")
        if latency_ms < 0:
            raise ValueError(f"latency_ms must be >= 0, got {latency_ms}")
        self.host = host
        self.port = port
        self.prefix = normalize_prefix(prefix)
        self.ssl_context = ssl_context
        self.latency_ms = latency_ms
        self.credentials: dict[str, str] = {
            key: (given if given is not None else data.DEFAULTS[key])
            for key, given in (("username", username), ("password", password), ("user_id", user_id),
                               ("auth_token", auth_token), ("login_email", login_email),
                               ("login_password", login_password))
        }
        c = self.credentials
        self.app: RoomzApp | RoomonitorApp
        switches = self.faults + self.variants
        if api == "roomz":
            self.app = RoomzApp(switches=switches, username=c["username"], password=c["password"],
                                extra_rooms=rooms or 0)
        else:
            self.app = RoomonitorApp(switches=switches, user_id=c["user_id"],
                                     auth_token=c["auth_token"], login_email=c["login_email"],
                                     login_password=c["login_password"], extra_rooms=rooms or 0)
        self._record = record
        self.throttle_every = throttle_every
        self._requests: list[RecordedRequest] = []
        self._requests_lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- recorded traffic -----------------------------------------------------------------
    def _recorder(self, request: RecordedRequest) -> None:
        with self._requests_lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in arrival order (empty if record=False)."""
        with self._requests_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._requests_lock:
            self._requests.clear()

    @property
    def bookings(self) -> list[StoredBooking]:
        """Roomonitor only: every booking saved, all accounts."""
        if not isinstance(self.app, RoomonitorApp):
            raise AttributeError("bookings exist only for api='roomonitor'")
        return self.app.bookings

    @property
    def received(self) -> list[ReceivedImport]:
        """Roomonitor only: every import request with the sandbox's verdicts (see ReceivedImport)."""
        if not isinstance(self.app, RoomonitorApp):
            raise AttributeError("received imports exist only for api='roomonitor'")
        return self.app.received

    # --- lifecycle ------------------------------------------------------------------------
    def _bind(self) -> _Server:
        if self._httpd is None:
            self._httpd = make_server(self.host, self.port, app=self.app, prefix=self.prefix,
                                      ssl_context=self.ssl_context, latency_ms=self.latency_ms,
                                      recorder=self._recorder if self._record else None,
                                      throttle_every=self.throttle_every)
            self.port = self._httpd.server_address[1]
        return self._httpd

    @property
    def url(self) -> str:
        """Base URL including the prefix, e.g. ``http://127.0.0.1:54321/api/roomz`` (no trailing slash)."""
        if self._httpd is None:
            raise RuntimeError("the server is not started: call start() first")
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        if ":" in host:
            host = f"[{host}]"
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{host}:{self.port}{self.prefix}"

    def start(self) -> ReferenceServer:
        """Bind and serve on a daemon thread; returns self."""
        if self._thread is not None:
            return self
        httpd = self._bind()
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"reference-{self.api}-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and the open keep-alive connections. Idempotent."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        if thread is not None:
            httpd.shutdown()
            thread.join(timeout=5)
        httpd.close_connections()
        httpd.server_close()
        self._httpd, self._thread = None, None

    def serve_forever(self) -> None:
        """Serve in the calling thread until Ctrl-C or SIGTERM, then stop cleanly.

        In the foreground (``conformance serve``) the bound socket is served by uvicorn
        (asgi.py), which takes a burst of clients and stops gracefully; without it installed, or
        with TLS, by the stdlib server as in the background."""
        from . import asgi

        try:
            if self._thread is not None:
                while self._thread.is_alive():
                    self._thread.join(0.5)
            elif self.ssl_context is None and asgi.available():
                asgi.serve(self.app, self._bind().socket, prefix=self.prefix)
            else:
                self._bind().serve_forever(poll_interval=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            if self._httpd is not None:
                if self._thread is None:  # foreground: serve_forever has returned already
                    self._httpd.close_connections()
                    self._httpd.server_close()
                    self._httpd = None
                else:
                    self.stop()

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._httpd is not None else "not started"
        return (f"<ReferenceServer {self.api} {where} faults={[f.name for f in self.faults]} "
                f"variants={[v.name for v in self.variants]}>")


def serve_main(api: str = "roomz", host: str = "127.0.0.1", port: int = 8000,
               faults: Iterable[str] = (), variants: Iterable[str] = (), prefix: str = "",
               ssl_context: ssl.SSLContext | None = None, latency_ms: int = 0, rooms: int | None = None,
               report_dir: str | Path | None = None, out: TextIO | None = None,
               username: str | None = None, password: str | None = None, user_id: str | None = None,
               auth_token: str | None = None, login_email: str | None = None,
               login_password: str | None = None) -> int:
    """Run the reference server in the foreground for ``conformance serve``; returns exit code 0.

    Prints the URL and the credentials in use: these are the reference server's own demo
    credentials, the one place the project prints any. The credentials (username, password,
    user_id, auth_token, login_email, login_password) are ReferenceServer's. With ``report_dir``
    the Roomonitor sandbox writes sandbox.json and sandbox.txt there on shutdown (see
    sandbox_report). Raises ValueError for unknown
    faults/variants (the CLI maps it to exit 2) and OSError when the port cannot be bound.
    """
    out = out or sys.stdout
    # record=False: a long-running sandbox must not keep every raw request in memory.
    server = ReferenceServer(api=api, host=host, port=port, faults=faults, variants=variants, prefix=prefix,
                             ssl_context=ssl_context, latency_ms=latency_ms, rooms=rooms, record=False,
                             username=username, password=password, user_id=user_id, auth_token=auth_token,
                             login_email=login_email, login_password=login_password)
    if report_dir is not None and api == "roomonitor":
        try:  # fail now, not after a day of testing, when the report cannot be written
            Path(report_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            print(f"conformance: cannot create the report folder {report_dir}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 2
    server._bind()
    c = server.credentials
    title = "ROOMZ Connector API" if api == "roomz" else "Roomonitor booking import API (sandbox)"
    lines = [f"Reference server, {title}, listening on {server.url}"]
    if api == "roomz":
        lines.append(f"  Basic auth: username {c['username']!r}, password {c['password']!r}")
    else:
        lines += [f"  X-User-Id: {c['user_id']}", f"  X-Auth-Token: {c['auth_token']}",
                  f"  login: email {c['login_email']!r}, password {c['login_password']!r}",
                  "  every imported payload is checked against the RMP-* rules",
                  f"  recording every import; the report goes to {report_dir}/ when you stop" if report_dir is not None
                  else "  recording nothing to disk (pass --report-dir to keep a report)"]
    lines.append(f"  faults: {', '.join(f.name for f in server.faults) or 'none'}")
    lines.append(f"  variants: {', '.join(v.name for v in server.variants) or 'none'}")
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), file=out, flush=True)
    server.serve_forever()
    if api == "roomonitor":
        received = server.received
        invalid = sum(1 for r in received if any(v.level == "MUST" for v in r.violations))
        print(f"Stopped. {len(received)} import(s) received, {invalid} with MUST violations.", file=out)
        if report_dir is not None:
            from .sandbox_report import write_sandbox_report

            try:
                paths = write_sandbox_report(received, report_dir)
            except OSError as exc:
                print(f"conformance: cannot write the sandbox report: {exc}", file=sys.stderr)
                return 2
            print(f"Sandbox report: {', '.join(str(p) for p in paths)}", file=out)
    else:
        print("Stopped." + (" (--report-dir applies to the roomonitor sandbox only)" if report_dir else ""),
              file=out)
    return 0
