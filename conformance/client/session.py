"""The bounded HTTP client every check uses."""
from __future__ import annotations

import base64
import contextlib
import http.client
import json as jsonlib
import shlex
import socket
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import unquote, urlencode, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from conformance.client.exchange import DeadlineReached, Exchange
from conformance.client.redact import Redactor

DEFAULT_MAX_BODY = 10 * 1024 * 1024
_CHUNK = 64 * 1024
_USER_AGENT = "conformance/0.1 (contract conformance suite)"


@dataclass(frozen=True)
class Credentials:
    """What the suite authenticates with; never printed (see ``Redactor``)."""

    username: str | None = None
    password: str | None = None
    user_id: str | None = None
    auth_token: str | None = None

    def basic_header(self) -> str | None:
        if self.username is None or self.password is None:
            return None
        raw = f"{self.username}:{self.password}".encode("utf-8")
        return "Basic " + base64.b64encode(raw).decode("ascii")


class Client:
    """One target, one session. Thread-safe enough for the suite's sequential use.

    ``auth`` on each call: ``"valid"`` (the configured credentials for the API), ``"none"``,
    or a dict of headers to send instead (auth probes), with ``auth_label`` naming the probe.
    """

    def __init__(
        self,
        base_url: str,
        api: str,
        credentials: Credentials,
        *,
        timeout: float = 10.0,
        max_body: int = DEFAULT_MAX_BODY,
        verify: bool | str = True,
        redactor: Redactor | None = None,
        observers: list[Callable[[Exchange], None]] | None = None,
        deadline: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api = api
        self.credentials = credentials
        self.timeout = timeout
        self.max_body = max_body
        self.verify = verify
        self.redactor = redactor or Redactor()
        self.redactor.add_basic(credentials.username, credentials.password)
        self.redactor.add(credentials.auth_token)
        # the Roomonitor user id is a credential too (INTERFACE.md); in text it reads as the
        # variable a reader would set, so paths stay legible: /get-rooms/$ROOMONITOR_USER_ID
        self.redactor.add(credentials.user_id, mask="$ROOMONITOR_USER_ID")
        userinfo = urlsplit(self.base_url)
        if userinfo.password:  # credentials in the URL itself are secrets too
            self.redactor.add_basic(unquote(userinfo.username or ""), unquote(userinfo.password))
            self.redactor.add(userinfo.password)
        self.observers = list(observers or [])
        self.deadline = deadline
        self.count = 0
        self._lock = threading.Lock()
        self._session = requests.Session()
        self._session.trust_env = False  # no proxies or .netrc credentials picked up silently
        self._session.headers["User-Agent"] = _USER_AGENT
        adapter = _WatchedAdapter()
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    # -- building requests -------------------------------------------------------------------
    def valid_auth_headers(self) -> dict[str, str]:
        if self.api == "roomz":
            header = self.credentials.basic_header()
            return {"Authorization": header} if header else {}
        headers = {}
        if self.credentials.user_id is not None:
            headers["X-User-Id"] = self.credentials.user_id
        if self.credentials.auth_token is not None:
            headers["X-Auth-Token"] = self.credentials.auth_token
        return headers

    def url_for(self, path: str) -> str:
        return self.base_url + path

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        auth: str | dict[str, str] = "valid",
        auth_label: str | None = None,
        operation: str | None = None,
        content_type: str | None = None,
        raw_query: str | None = None,
    ) -> Exchange:
        """Send one request; never raises for anything the server does.

        Raises ``DeadlineReached`` (and sends nothing) once the run's deadline has passed.
        """
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise DeadlineReached("the run's time budget is spent; no further request is sent")
        send_headers: dict[str, str] = {}
        if auth == "valid":
            send_headers.update(self.valid_auth_headers())
        elif isinstance(auth, dict):
            send_headers.update(auth)
        body: bytes | None = None
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False).encode("utf-8")
            send_headers["Content-Type"] = "application/json"
        elif data is not None:
            body = data.encode("utf-8") if isinstance(data, str) else data
        if content_type is not None:
            send_headers["Content-Type"] = content_type
        send_headers.update(headers or {})
        query = raw_query if raw_query is not None else (urlencode(params, doseq=True) if params else "")
        rel = path + (("?" + query) if query else "")
        exchange = Exchange(
            method=method,
            url=self.url_for(rel),
            path=rel,
            request_headers=send_headers,
            request_body=body,
            operation=operation,
            auth=auth_label or (auth if isinstance(auth, str) else "probe"),
        )
        self._send(exchange)
        for observer in self.observers:
            observer(exchange)
        return exchange

    def _timeout(self) -> float:
        """The time limit of the next request: --timeout, or what is left of the run if less."""
        budget = self.timeout
        if self.deadline is not None:
            budget = max(0.5, min(budget, self.deadline - time.monotonic()))
        return budget

    def _send(self, ex: Exchange) -> None:
        """One request, connect to last body byte, within ``_timeout()`` seconds in total.

        The connect and read timeouts of requests bound each socket operation only; a server
        that sends one byte a second would keep every read alive forever. A watchdog shuts the
        request's socket down when its time is up, whatever phase it is in (connect, TLS
        handshake, headers, body).
        """
        with self._lock:
            self.count += 1
        start = time.monotonic()
        limit = self._timeout()
        watch = _Watch()
        timer = threading.Timer(limit, watch.expire)
        timer.daemon = True
        _current.watch = watch
        timer.start()
        try:
            with warnings.catch_warnings() if self.verify is False else contextlib.nullcontext():
                if self.verify is False:  # --insecure was asked for: a warning per request is only noise
                    warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                resp = self._session.request(
                    ex.method,
                    ex.url,
                    data=ex.request_body,
                    headers=ex.request_headers,
                    timeout=(limit, limit),
                    allow_redirects=False,   # credentials never travel to another host
                    stream=True,
                    verify=self.verify,
                )
        except requests.exceptions.ConnectTimeout:
            ex.error = f"no connection within {limit:g} s (--timeout)"
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException,
                OSError, ValueError) as exc:
            ex.error = f"no complete answer within {limit:g} s (--timeout)" if watch.expired else _transport_error(exc, limit)
        else:
            ex.status = resp.status_code
            ex.headers = {k: v for k, v in resp.headers.items()}
            try:
                self._read_body(ex, resp, watch, limit)
            finally:
                resp.close()
        finally:
            timer.cancel()
            _current.watch = None
            watch.release()
        ex.elapsed_s = time.monotonic() - start

    def _read_body(self, ex: Exchange, resp: requests.Response, watch: "_Watch", limit: float) -> None:
        """Read at most ``max_body`` decoded bytes (a gzip bomb stops at the cap)."""
        body = bytearray()
        try:
            for chunk in resp.raw.stream(_CHUNK, decode_content=True):
                body += chunk
                if len(body) > self.max_body:
                    ex.truncated = True
                    ex.error = (f"the body is larger than the {self.max_body}-byte cap (--max-body, counted after "
                                "decompression); the suite stopped reading there")
                    del body[self.max_body:]
                    break
        except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError, ValueError) as exc:
            ex.error = f"the body was not complete within {limit:g} s (--timeout)" if watch.expired else _body_error(exc, limit)
        ex.body = bytes(body)

    # -- reproduction --------------------------------------------------------------------------
    def curl(self, ex: Exchange) -> str:
        """A curl line that reproduces ``ex``. Any value equal to a configured credential, in a
        header or in the URL, becomes its environment variable ($ROOMZ_USERNAME, $ROOMZ_PASSWORD,
        $ROOMONITOR_USER_ID, $ROOMONITOR_AUTH_TOKEN); the probes' own wrong values stay literal,
        so the line reproduces exactly what was sent."""
        c = self.credentials
        redact = self.redactor.text
        words = ["curl", "-i", "-X", shlex.quote(ex.method)]
        if self.base_url.startswith("https") and self.verify is False:
            words.append("--insecure")
        for k, v in ex.request_headers.items():
            lk = k.lower()
            basic = _basic_pair(v) if lk == "authorization" else None
            if basic is not None:
                user, password = basic
                words.append("-u " + _dq(_var(user, c.username, "ROOMZ_USERNAME", redact) + ":" + _var(password, c.password, "ROOMZ_PASSWORD", redact)))
            elif lk == "x-auth-token":
                words.append("-H " + _dq("X-Auth-Token: " + _var(v, c.auth_token, "ROOMONITOR_AUTH_TOKEN", redact)))
            elif lk == "x-user-id":
                words.append("-H " + _dq("X-User-Id: " + _var(v, c.user_id, "ROOMONITOR_USER_ID", redact)))
            else:
                words.append("-H " + shlex.quote(self.redactor.text(f"{k}: {v}")))
        if ex.request_body is not None:
            text = ex.request_body.decode("utf-8", "replace")
            if len(text) > 4000:
                text = text[:4000] + "…(truncated)"
            words.append("--data-binary " + shlex.quote(self.redactor.text(text)))
        if c.user_id and c.user_id in ex.url:
            marker = _var(c.user_id, c.user_id, "ROOMONITOR_USER_ID")
            words.append(_dq(marker.join(redact(piece) for piece in ex.url.split(c.user_id))))
        else:
            words.append(shlex.quote(redact(ex.url)))
        return " ".join(words)

    def close(self) -> None:
        self._session.close()


_VAR = "\x00var:"   # marks a placeholder inside a string that _dq then leaves unescaped


def _var(value: str, secret: str | None, name: str, redact: Callable[[str], str] = str) -> str:
    """The placeholder for ``value`` when it is the configured secret, else the value (redacted:
    it may still hold another secret, e.g. a token from the suite's own login)."""
    return f"{_VAR}{name}\x00" if secret is not None and value == secret else redact(value)


def _dq(text: str) -> str:
    """Double-quote for a POSIX shell, leaving placeholders from _var as live $VARIABLES."""
    out = []
    for i, piece in enumerate(text.split(_VAR)):
        if i:
            name, _, piece = piece.partition("\x00")
            braces = piece[:1].isalnum() or piece[:1] == "_"
            out.append("${" + name + "}" if braces else "$" + name)
        out.append(piece.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`"))
    return '"' + "".join(out) + '"'


def _basic_pair(value: str) -> tuple[str, str] | None:
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


# -- the watchdog ----------------------------------------------------------------------------
_current = threading.local()   # the _Watch of the request this thread is sending


class _Watch:
    """The sockets of one request; ``expire`` shuts them down so any blocked read returns.

    Sockets are kept as duplicates of their descriptor: shutting a duplicate down stops the
    connection even after the original was wrapped for TLS (which detaches it), and the
    request's own socket objects are never touched from the timer thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dups: list[socket.socket] = []
        self.expired = False

    def add(self, sock: Any) -> None:
        try:
            dup = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except (OSError, ValueError, AttributeError):
            return
        with self._lock:
            if self.expired:
                _shut(dup)
            self._dups.append(dup)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for dup in self._dups:
                _shut(dup)

    def release(self) -> None:
        with self._lock:
            dups, self._dups = self._dups, []
        for dup in dups:
            dup.close()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _watch(sock: Any) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None and sock is not None:
        watch.add(sock)


class _Watched:
    """urllib3 connection mix-in: every socket a request uses is handed to its watchdog."""

    def _new_conn(self) -> Any:
        sock = super()._new_conn()  # type: ignore[misc]
        _watch(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(getattr(self, "sock", None))   # a kept-alive connection: no _new_conn this time
        super().request(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


# -- one readable sentence per transport failure ------------------------------------------------
def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (args, causes, contexts), outermost first."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < 20:
        e = todo.pop(0)
        if e in seen:
            continue
        seen.append(e)
        todo += [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]
        for attr in ("reason", "__cause__", "__context__"):
            inner = getattr(e, attr, None)
            if isinstance(inner, BaseException):
                todo.append(inner)
    return seen


def _transport_error(exc: BaseException, limit: float) -> str:
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain)
    for e in chain:
        if isinstance(e, requests.exceptions.SSLError) or type(e).__module__ == "ssl":
            detail = next((str(x) for x in chain if type(x).__module__ == "ssl"), _short(exc))
            return f"TLS handshake failed ({_trim(detail)})"
    if any(isinstance(e, (socket.gaierror,)) for e in chain) or "NameResolutionError" in text or "Name or service not known" in text:
        return "unknown host (the name does not resolve)"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "Connection refused" in text:
        return "connection refused"
    if any(isinstance(e, (TimeoutError, socket.timeout, urllib3.exceptions.TimeoutError, requests.exceptions.Timeout)) for e in chain):
        return f"no complete answer within {limit:g} s (--timeout)"   # the same words as the watchdog's
    for e in chain:
        if isinstance(e, (http.client.BadStatusLine, http.client.LineTooLong)) and not isinstance(e, http.client.RemoteDisconnected):
            return f"the server's answer is not HTTP ({_trim(repr(e))})"
    if any(isinstance(e, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, http.client.RemoteDisconnected)) for e in chain) \
            or "Connection aborted" in text:
        return "the server closed or reset the connection without answering"
    return f"request failed ({_short(exc)})"


def _body_error(exc: BaseException, limit: float) -> str:
    chain = _chain(exc)
    for e in chain:
        if isinstance(e, (urllib3.exceptions.IncompleteRead, http.client.IncompleteRead)):
            got, more = getattr(e, "partial", None), getattr(e, "expected", None)
            if isinstance(got, int) and isinstance(more, int):
                return f"the connection closed after {got} bytes of the body; its Content-Length announced {got + more}"
            return "the connection closed before the body was complete (shorter than its Content-Length)"
    for e in chain:
        if isinstance(e, urllib3.exceptions.DecodeError):
            inner = [x for x in _chain(e) if not isinstance(x, urllib3.exceptions.HTTPError)]
            return f"the body could not be decompressed as its Content-Encoding says ({_trim(str(inner[0] if inner else e))})"
        if isinstance(e, (http.client.HTTPException, urllib3.exceptions.InvalidChunkLength)):
            return f"the body is not valid HTTP framing ({_trim(repr(e))})"
    if any(isinstance(e, (TimeoutError, socket.timeout, urllib3.exceptions.TimeoutError)) for e in chain):
        return f"the body was not complete within {limit:g} s (--timeout)"   # the same words as the watchdog's
    return "the connection was closed or reset before the body was complete"


def _trim(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(exc: BaseException) -> str:
    return _trim(str(exc))
