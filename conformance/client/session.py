"""The bounded HTTP client every check uses."""
from __future__ import annotations

import base64
import json as jsonlib
import shlex
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

import requests
import urllib3

from conformance.client.exchange import Exchange
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
        self.observers = list(observers or [])
        self.deadline = deadline
        self.count = 0
        self._lock = threading.Lock()
        self._session = requests.Session()
        self._session.trust_env = False  # no proxies or .netrc credentials picked up silently
        self._session.headers["User-Agent"] = _USER_AGENT

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
        """Send one request; never raises for anything the server does."""
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

    def _timeout(self) -> tuple[float, float]:
        budget = self.timeout
        if self.deadline is not None:
            budget = max(0.5, min(budget, self.deadline - time.monotonic()))
        return (budget, budget)

    def _send(self, ex: Exchange) -> None:
        with self._lock:
            self.count += 1
        start = time.monotonic()
        timeout = self._timeout()
        try:
            resp = self._session.request(
                ex.method,
                ex.url,
                data=ex.request_body,
                headers=ex.request_headers,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
                verify=self.verify,
            )
        except requests.exceptions.SSLError as exc:
            ex.error = f"TLS handshake failed ({_short(exc)})"
        except requests.exceptions.ConnectTimeout:
            ex.error = f"no connection within {timeout[0]:g} s"
        except requests.exceptions.ReadTimeout:
            ex.error = f"no answer within {timeout[1]:g} s"
        except requests.exceptions.ConnectionError as exc:
            ex.error = f"connection failed ({_short(exc)})"
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, ValueError) as exc:
            ex.error = f"request failed ({_short(exc)})"
        else:
            ex.status = resp.status_code
            ex.headers = {k: v for k, v in resp.headers.items()}
            try:
                self._read_body(ex, resp, start, timeout[1])
            finally:
                resp.close()
        ex.elapsed_s = time.monotonic() - start

    def _read_body(self, ex: Exchange, resp: requests.Response, start: float, read_timeout: float) -> None:
        """Read at most ``max_body`` decoded bytes, and only for as long as the read timeout.

        A slow-drip server (one byte a second) would defeat a per-read timeout; the total read
        time is bounded too.
        """
        chunks: list[bytes] = []
        total = 0
        try:
            for chunk in resp.raw.stream(_CHUNK, decode_content=True):
                chunks.append(chunk)
                total += len(chunk)
                if total > self.max_body:
                    ex.truncated = True
                    ex.error = f"body larger than the {self.max_body} byte cap"
                    break
                if time.monotonic() - start > read_timeout + self.timeout:
                    ex.error = f"body not received within {read_timeout + self.timeout:g} s"
                    break
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            ex.error = f"body could not be read ({_short(exc)})"
        ex.body = b"".join(chunks)[: self.max_body]

    # -- reproduction --------------------------------------------------------------------------
    def curl(self, ex: Exchange) -> str:
        """A curl line that reproduces ``ex``, credentials as environment variable placeholders."""
        parts = ["curl", "-i", "-X", ex.method]
        if self.base_url.startswith("https") and self.verify is False:
            parts.append("--insecure")
        quoted = [shlex.quote(p) for p in parts]
        for k, v in ex.request_headers.items():
            lk = k.lower()
            if lk == "authorization" and ex.auth == "valid":
                quoted.append('-u "$ROOMZ_USERNAME:$ROOMZ_PASSWORD"')
            elif lk == "x-auth-token" and ex.auth == "valid":
                quoted.append('-H "X-Auth-Token: $ROOMONITOR_AUTH_TOKEN"')
            elif lk == "x-user-id" and ex.auth == "valid":
                quoted.append('-H "X-User-Id: $ROOMONITOR_USER_ID"')
            else:
                quoted.append("-H " + shlex.quote(self.redactor.text(f"{k}: {v}")))
        if ex.request_body is not None:
            text = ex.request_body.decode("utf-8", "replace")
            if len(text) > 4000:
                text = text[:4000] + "…(truncated)"
            quoted.append("--data-binary " + shlex.quote(self.redactor.text(text)))
        quoted.append(shlex.quote(self.redactor.text(ex.url)))
        return " ".join(quoted)

    def close(self) -> None:
        self._session.close()


def _short(exc: BaseException) -> str:
    text = str(exc).replace("\n", " ")
    # urllib3 wraps the interesting part in layers of reprs; keep it to one readable line
    for marker in ("NewConnectionError(", "ConnectionRefusedError", "NameResolutionError"):
        if marker in text:
            if "Connection refused" in text:
                return "connection refused"
            if "Name or service not known" in text or "NameResolutionError" in text or "nodename nor servname" in text:
                return "unknown host"
    if "Connection refused" in text:
        return "connection refused"
    if "RemoteDisconnected" in text or "Connection aborted" in text or "reset" in text.lower():
        return "connection closed or reset by the server"
    return text[:200]
