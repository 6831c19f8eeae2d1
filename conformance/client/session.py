"""The bounded HTTP client every check uses. It knows HTTP, not the APIs: the headers that
carry valid credentials and the placeholders of reproduce lines are given to it."""
from __future__ import annotations

import base64
import contextlib
import http.client
import json as jsonlib
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any, TypedDict
from urllib.parse import unquote, urlencode, urlsplit

import requests
import urllib3

from conformance.client import watchdog
from conformance.client.curl import Placeholder, curl_line
from conformance.client.exchange import DeadlineReached, Exchange, GaveUp, RateLimited
from conformance.client.limits import DEFAULT_MAX_BODY
from conformance.client.redact import MASK, Redactor
from conformance.client.retention import KEEP_UNUSABLE, release_large_buffers
from conformance.client.wording import body_error, transport_error

MAX_RETRIES = 6            # sends of one request at most, waits included
MAX_WAIT_S = 120.0         # a longer Retry-After is not waited out: the answer is judged as it is
GIVE_UP_AFTER = 3          # requests in a row without a complete answer within --timeout: the target is given up on
_CHUNK = 64 * 1024
_USER_AGENT = "conformance/0.1 (contract conformance suite)"



class _NoRedirects(requests.Session):
    """A session that never prepares a redirect. The suite follows none, yet requests decodes
    every Location as UTF-8 to prepare the next request anyway, and a Latin-1 byte there turned
    an answer into "request failed". The 3xx is judged as it is; Location is only quoted."""

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        return None


class Credentials(TypedDict, total=False):
    """The credentials a call is sent with, as an API's call helpers pass them on to ``request``:
    ``auth`` is "valid", "none" or the headers themselves; ``auth_label`` says which in reports."""
    auth: str | dict[str, str]
    auth_label: str | None


class Client:
    """One target, one session, safe to share between threads.

    ``auth`` on each call: ``"valid"`` (the ``auth_headers`` given), ``"none"``, or a dict of
    headers to send instead (auth probes), with ``auth_label`` naming the probe. Every value in
    ``placeholders`` is masked in every output and written as its shell expression in curl lines.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth_headers: dict[str, str] | None = None,
        placeholders: list[Placeholder] | None = None,
        timeout: float = 10.0,
        max_body: int = DEFAULT_MAX_BODY,
        verify: bool | str = True,
        redactor: Redactor | None = None,
        observers: list[Callable[[Exchange], None]] | None = None,
        deadline: float | None = None,
        proxy: str | None = None,
        rate_limit: float | None = None,
        on_wait: Callable[[Exchange, float | None], None] | None = None,
    ) -> None:
        release_large_buffers()   # bodies of --max-body go back to the system when freed (retention.py)
        self.base_url = base_url.rstrip("/")
        self.auth_headers = dict(auth_headers or {})
        self.timeout = timeout
        self.max_body = max_body
        self.verify = verify
        self.redactor = redactor or Redactor()
        self.placeholders: list[Placeholder] = []
        for ph in placeholders or []:
            if ph.secret:
                self.protect(ph.value, ph.expr)
            elif ph.value:
                self.placeholders.append(ph)
        for name, value in self.auth_headers.items():
            self.redactor.add(value)
            basic = value.partition(" ")[2] if name.lower() == "authorization" else ""
            if basic:
                self.redactor.add(basic)
        userinfo = urlsplit(self.base_url)
        if userinfo.password:  # credentials in the URL itself are secrets too
            self.protect_basic(unquote(userinfo.username or ""), unquote(userinfo.password))
            self.redactor.add(userinfo.password)
        self.observers = list(observers or [])
        self.deadline = deadline
        self.count = 0
        self._lock = threading.Lock()
        self._interval = 1.0 / rate_limit if rate_limit else 0.0
        self._next_slot = 0.0
        self.on_wait = on_wait
        self.waits: list[tuple[str, int, float]] = []   # (request, status, seconds waited): politeness, not failures
        self._late: list[Exchange] = []   # the latest requests in a row that ran out of --timeout
        self.gave_up: str | None = None   # why the target was given up on: nothing more is sent
        self._session = _NoRedirects()
        self._session.trust_env = False  # no proxies or .netrc credentials picked up silently
        if proxy:
            self._session.proxies = {"http": proxy, "https": proxy}
        self._session.headers["User-Agent"] = _USER_AGENT
        adapter = watchdog.WatchedAdapter(pool_maxsize=8)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    # -- secrets -------------------------------------------------------------------------------
    def protect(self, value: str | None, expr: str, *, mask: str | None = None) -> None:
        """Mask ``value`` in every output (as ``mask``, default [REDACTED]) and write it as
        ``expr`` in reproduce lines. For configured credentials and for every probe value
        derived from one."""
        if not value:
            return
        self.redactor.add(value, mask or MASK)
        if all(p.value != value for p in self.placeholders):
            self.placeholders.append(Placeholder(value, expr))

    def protect_basic(self, user: str, password: str) -> None:
        """The base64 Basic token of this pair is masked too (a server may echo the header)."""
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        self.redactor.add(token)

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
        if self.gave_up is not None:
            raise GaveUp(self.gave_up)
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise DeadlineReached("the run's time budget is spent; no further request is sent")
        send_headers: dict[str, str] = {}
        if auth == "valid":
            send_headers.update(self.auth_headers)
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
        def fresh() -> Exchange:
            return Exchange(method=method, url=self.url_for(rel), path=rel, request_headers=send_headers,
                            request_body=body, operation=operation,
                            auth=auth_label or (auth if isinstance(auth, str) else "probe"))

        exchange = fresh()
        for attempt in range(MAX_RETRIES):
            self._pace()
            self._send(exchange)
            self._count_lateness(exchange)
            wait = self._wait_for(exchange, attempt)
            if wait is None:
                break
            if wait < 0 or attempt == MAX_RETRIES - 1:   # asked to wait longer than the suite may
                if self.on_wait is not None:
                    self.on_wait(exchange, None)
                asked = f"{-wait:g} s" if wait < 0 else f"{MAX_RETRIES} times in a row"
                raise RateLimited(f"{exchange.method} {rel[:120]} was answered {exchange.status}, asking the suite to "
                                  f"wait, and that wait ({asked}) does not fit the run; pass --rate-limit "
                                  "to send more slowly, or --max-time to allow more time")
            self.waits.append((f"{method} {rel[:120]}", exchange.status or 0, wait))
            if self.on_wait is not None:
                self.on_wait(exchange, wait)
            time.sleep(wait)
            exchange = fresh()
        for observer in list(self.observers):
            observer(exchange)
        return exchange

    # -- giving up ---------------------------------------------------------------------------------
    def _count_lateness(self, ex: Exchange) -> None:
        """GIVE_UP_AFTER requests in a row that ran out of --timeout (no connection, no answer, or a
        body trickled past it): the target is given up on, so a dead or drip-feeding server costs
        a few timeouts, not one per request the run would still send. Any answer in time (whatever
        it says) resets the count; a request cut short by the run's own budget counts for nothing."""
        with self._lock:
            if not ex.timed_out:
                self._late.clear()
                return
            self._late.append(ex)
            if len(self._late) < GIVE_UP_AFTER or self.gave_up is not None:
                return
            which = "; ".join(f"{e.method} {e.path[:80]}: {e.error}" for e in self._late)
            self.gave_up = (f"the server did not answer in time {len(self._late)} requests in a row, so the suite "
                            f"gave up on it ({which})")

    # -- politeness ------------------------------------------------------------------------------
    def _pace(self) -> None:
        """Keep to --rate-limit: each request starts no sooner than 1/rate after the previous one."""
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_slot)
            self._next_slot = start + self._interval
        if start > now:
            time.sleep(start - now)

    def _wait_for(self, ex: Exchange, attempt: int) -> float | None:
        """Seconds to wait before sending ``ex`` again, or None: the answer stands and is judged.

        A 429 is a request to slow down, with or without Retry-After (RFC 6585 makes it
        optional: then 1, 2, 4 … s). A 503 is waited out only with Retry-After; without it, it
        is a server error like any 5xx. A wait that does not fit (over MAX_WAIT_S, or past the
        run's deadline) is returned negated: the caller gives up without judging the answer."""
        if ex.status not in (429, 503):
            return None
        seconds = retry_after_seconds(ex.header("Retry-After"))
        if seconds is None:
            if ex.status == 503:
                return None
            seconds = float(2 ** attempt)
        too_late = self.deadline is not None and time.monotonic() + seconds >= self.deadline
        if seconds > MAX_WAIT_S or too_late:
            return -max(seconds, 1e-3)
        return seconds

    def _timeout(self) -> float:
        """The time limit of the next request: --timeout, or what is left of the run if less."""
        budget = self.timeout
        if self.deadline is not None:
            budget = max(0.5, min(budget, self.deadline - time.monotonic()))
        return budget

    def _send(self, ex: Exchange) -> None:
        """One request, connect to last body byte, within ``_timeout()`` seconds in total: a
        watchdog shuts the request's socket down when its time is up, whatever phase it is in."""
        with self._lock:
            self.count += 1
            ex.index = self.count
        start = time.monotonic()
        ex.started = time.time()
        limit = self._timeout()
        watch = watchdog.Watch(deadline=start + limit)
        timer = threading.Timer(limit, watch.expire)
        timer.daemon = True
        watchdog.current.watch = watch
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
        except requests.exceptions.ConnectTimeout as exc:
            ex.timed_out = True
            ex.error = (f"the host name did not resolve within {limit:g} s (--timeout)" if watchdog.dns_timed_out(exc)
                        else f"no connection within {limit:g} s (--timeout)")
        except (
            requests.exceptions.RequestException,
            urllib3.exceptions.HTTPError,
            http.client.HTTPException,
            OSError,
            ValueError,
        ) as exc:
            ex.error = (
                f"no complete answer within {limit:g} s (--timeout)" if watch.expired else transport_error(exc, limit)
            )
            ex.timed_out = watch.expired or "(--timeout)" in ex.error
        else:
            ex.status = resp.status_code
            ex.reason = resp.reason or ""
            ex.http_version = {10: "HTTP/1.0", 11: "HTTP/1.1",
                               20: "HTTP/2"}.get(getattr(resp.raw, "version", 11), "HTTP/1.1")
            ex.headers = {k: v for k, v in resp.headers.items()}
            try:
                self._read_body(ex, resp, watch, limit)
            finally:
                resp.close()
        finally:
            timer.cancel()
            watchdog.current.watch = None
            watch.release()
        ex.elapsed_s = time.monotonic() - start
        if limit < self.timeout:   # cut short by the run's budget, not by the server
            ex.timed_out = False

    def _read_body(self, ex: Exchange, resp: requests.Response, watch: watchdog.Watch, limit: float) -> None:
        """Read at most ``max_body`` decoded bytes (a gzip bomb stops at the cap). An answer over the
        cap cannot be used, so it keeps only what the reports show of it (its first
        KEEP_UNUSABLE bytes): a server sending --max-body and more on every request costs one cap at a time."""
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
            ex.error = (
                f"the body was not complete within {limit:g} s (--timeout)" if watch.expired else body_error(exc, limit)
            )
            ex.timed_out = watch.expired or "(--timeout)" in ex.error
        if ex.truncated:
            ex.shed_from = len(body)
            ex.body = bytes(memoryview(body)[:KEEP_UNUSABLE])
        else:
            ex.body = bytes(body)

    # -- reproduction --------------------------------------------------------------------------
    def curl(self, ex: Exchange) -> str:
        """A curl line that reproduces ``ex``, every credential as its placeholder."""
        insecure = self.base_url.startswith("https") and self.verify is False
        return curl_line(ex, self.placeholders, self.redactor.text, insecure=insecure, keep=self.redactor.kept_spans)

    def close(self) -> None:
        self._session.close()


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); None if neither."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    import datetime as _dt

    return max(0.0, (when - _dt.datetime.now(_dt.UTC)).total_seconds())
