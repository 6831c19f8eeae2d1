"""One request and what came back, bounded and safe to keep."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

_UNSET = object()


class TransportError(Exception):
    """The server could not be talked to (refused, reset, timeout, TLS, oversized body)."""


class DeadlineReached(Exception):
    """The run's time budget (``Client.deadline``) is spent: the request was not sent.

    Not about the server: the engine turns it into "not verified" for the requirement at hand.
    """


class GaveUp(DeadlineReached):
    """The target timed out (or trickled past --timeout) on several requests in a row: the client
    sends nothing more. Not a verdict either: what the run had not verified stays unverified."""


class RateLimited(DeadlineReached):
    """The server asks the suite to slow down (429, or 503 with Retry-After) for longer than the
    suite may wait. Not a verdict on the server: the requirement at hand is not verified, and the
    message says how to slow down."""


@dataclass
class Exchange:
    method: str
    url: str
    path: str                      # path and query relative to the base URL, for messages
    request_headers: dict[str, str]
    request_body: bytes | None
    operation: str | None = None   # the spec's operationId this request exercises, if any
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    elapsed_s: float = 0.0
    error: str | None = None       # transport failure in one sentence; status is None then
    truncated: bool = False        # the body exceeded the size cap
    timed_out: bool = False        # no complete answer within --timeout (connect, DNS, TLS, a read, or in total)
    auth: str = "valid"            # which credentials were sent: valid, none, or a probe label
    index: int = 0                 # the exchange's number in the run (1-based), as in traffic.har
    started: float = 0.0           # wall-clock time the request was sent (epoch seconds)
    reason: str = ""               # the status line's reason phrase
    http_version: str = "HTTP/1.1"
    shed_from: int = 0             # the body's length before it was shed (0: never shed)
    _json: object = field(default=_UNSET, repr=False)

    @property
    def size(self) -> int:
        """The body's length as received (up to --max-body), whatever was shed since."""
        return self.shed_from or len(self.body)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        for k, v in self.headers.items():
            if k.lower() == "content-type":
                return v
        return ""

    def header(self, name: str) -> str | None:
        for k, v in self.headers.items():
            if k.lower() == name.lower():
                return v
        return None

    def json(self) -> object:
        """The body parsed as JSON; raises ValueError when it is not JSON."""
        if self._json is _UNSET:
            if self.truncated:
                raise ValueError("body exceeded the size cap")
            try:
                self._json = json.loads(self.body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                self._json = exc
            except RecursionError:   # a hostile body nested a thousand levels deep
                self._json = ValueError("JSON nested deeper than the suite can read")
        if isinstance(self._json, Exception):
            raise ValueError(str(self._json))
        return self._json

    def forget(self) -> None:
        """Drop the cached parse (parsed again if asked): a parsed answer of 40,000 meetings holds
        ten times its bytes, and only the latest few answers are still being read."""
        self._json = _UNSET

    def shed(self, keep: int) -> bool:
        """Keep only the first ``keep`` bytes of the body (and drop its parse), once nothing reads it
        whole: a run of hundreds of answers of --max-body each must not hold them all. True when
        it shed anything."""
        if len(self.body) <= keep:
            return False
        self.shed_from = self.size
        self.body = self.body[:keep]
        self.truncated = True
        self._json = _UNSET
        return True

    def json_or_none(self) -> object:
        try:
            return self.json()
        except ValueError:
            return None

    @property
    def is_json(self) -> bool:
        try:
            self.json()
            return True
        except ValueError:
            return False

    def describe(self) -> str:
        """'GET /rooms -> 200', 'GET /rooms -> 302 redirecting to …' or 'GET /rooms -> connection refused'."""
        if self.status is None:
            outcome = self.error or "no answer"
        else:
            outcome = str(self.status)
            location = self.header("Location")
            if 300 <= self.status < 400 and location:
                outcome += f" redirecting to {location[:200]} (the suite follows no redirect)"
            if self.error:
                outcome += f", but {self.error}"
        return f"{self.method} {self.path} -> {outcome}"
