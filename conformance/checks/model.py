"""What every check is made of: the registry, the recorder a check writes its verdict with, and
the ``Blocked`` signal of a missing prerequisite.

A *check* is a function ``(d, rec) -> None`` registered for exactly one requirement with
``@check("RZ-...")``: ``d`` is the API's discovery (typed, memoised prerequisites), ``rec`` the
recorder bound to that requirement, so a check can neither type its ID nor write another
requirement's verdict. An *observer* is a function ``(rec, exchange) -> None`` registered with
``@observer("RZ-...")``: it sees every exchange of the run, whichever check caused it, and judges
it for its own requirement. One answer can so fail several requirements, each on its own.

Failures are raised nowhere: ``rec.fail`` records a finding and the check goes on with its next
probe. ``Blocked`` is raised by discovery when a prerequisite is missing; it names the requirement
whose failure caused it and what the user can pass to get past it.
"""
from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload

from conformance.client import Client, Exchange
from conformance.client.redact import redact_head
from conformance.requirements import load_catalog
from conformance.results import Finding, Ledger

if TYPE_CHECKING:
    from conformance.options import RunOptions

MAX_EXCERPT = 2000   # characters of a body kept as evidence
MAX_JUDGED = 1000    # items of one list answer an observer judges
T = TypeVar("T")
MAX_STEPS = 6        # set-up requests shown before a finding


class Blocked(Exception):
    """A prerequisite of a check is missing: the check cannot verify its requirement.

    ``by`` names the requirement whose failure caused it (None when no failure did, e.g. a
    server that lists no room at all); ``hint`` says what the user can pass to get past it.
    """

    def __init__(self, reason: str, *, by: str | None = None, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.by, self.hint = reason, by, hint

    def __str__(self) -> str:
        text = f"blocked by {self.by} ({self.reason})" if self.by else self.reason
        return f"{text}; {self.hint}" if self.hint else text


def value_free(message: str, limit: int = 60) -> str:
    """A schema message without the value it quotes ("'2026-…' is not of type 'integer'" ->
    "… is not of type 'integer'"): a finding's kind names what failed, never a value that changes
    from run to run (a meeting id, a date, a slot), so a baseline recognises it next time."""
    if " is a required property" in message:   # the value quoted is the property's name
        return message[:limit]
    _, sep, rest = message.partition(" is ")
    return (f"… is {rest}" if sep else message)[:limit]


def excerpt(ex: Exchange, redact: Callable[[str], str] = str, limit: int = MAX_EXCERPT) -> str:
    """Status, content type and the start of the body: the evidence a finding keeps.

    The whole body is redacted before it is cut: a secret the cut runs through would otherwise
    leave its first characters in the report."""
    if ex.status is None:
        return redact(f"no response: {ex.error}")
    text, cut = redact_head(ex.body, limit, redact)
    more = "…(truncated)" if cut or ex.truncated else ""
    ctype = ex.content_type or "no Content-Type"
    return f"HTTP {ex.status} ({ctype}), {ex.size} bytes\n{text}{more}"


MAX_HEADERS = 40        # headers of one message kept as evidence
MAX_HEADER_VALUE = 300  # characters of one header value


def _step(request: str, ex: Exchange) -> str:
    """A set-up step with how it was answered: "POST /rooms/57/meetings → 201"."""
    return f"{request} → {ex.status}" if ex.status is not None else f"{request} → no answer"


def exchange_detail(ex: Exchange, redact: Callable[[str], str], headers: Callable[[dict[str, str]], dict[str, str]],
                    limit: int = MAX_EXCERPT) -> dict[str, Any]:
    """What a finding shows of its exchange beyond the excerpt, redacted and bounded: the
    request and response headers (a missing WWW-Authenticate is the failure of RZ-AUTH-CHALLENGE),
    the request body (an import of several bookings is matched to its result lines by it), when
    it was sent, how long the answer took, and its entry in traffic.har."""
    def bounded(h: dict[str, str]) -> list[list[str]]:
        return [[k[:100], v[:MAX_HEADER_VALUE]] for k, v in list(headers(h).items())[:MAX_HEADERS]]

    detail: dict[str, Any] = {"request_headers": bounded(ex.request_headers)}
    if ex.request_body:
        body, cut = redact_head(ex.request_body, limit, redact)
        detail["request_body"] = body + ("…(truncated)" if cut else "")
    if ex.status is not None:
        detail["response_headers"] = bounded(ex.headers)
    if ex.started:
        millis = int(ex.started % 1 * 1000)
        detail["sent_at"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ex.started)) + f".{millis:03d}Z"
    detail["latency_ms"] = round(ex.elapsed_s * 1000, 1)
    if ex.index:
        detail["har_entry"] = ex.index
    return detail


@dataclass(frozen=True)
class Evidence:
    """How an exchange is shown in a finding: redacted request line, curl, response excerpt."""

    request: str
    reproduce: str
    response: str
    index: int | None
    detail: dict[str, Any] | None = None   # headers, request body, time, latency, HAR entry (see exchange_detail)


class Recorder:
    """A check's handle on its own requirement: the only way a verdict is written.

    ``passed()`` counts a probe that met the requirement, ``fail()`` records a finding,
    ``note()`` adds a remark for the report. The message shape is fixed here:
    ``<ID> expects <expected>; <got>``.
    """

    def __init__(self, rid: str, level: str, ledger: Ledger, evidence: Callable[[Exchange], Evidence],
                 redact: Callable[[str], str], *, observer: bool = False) -> None:
        self.rid, self.level, self.observer = rid, level, observer
        self._ledger, self._evidence, self._redact = ledger, evidence, redact
        self._setup: list[Exchange] = []
        self._lock = threading.Lock()
        # why a listed object is not the server's own data (an earlier run of the suite left it), else None
        self.foreign: Callable[[dict[str, object]], str | None] = lambda obj: None

    def passed(self, times: int = 1) -> None:
        self._ledger.met(self.rid, times)

    def fail(self, expected: str, got: str, ex: Exchange | None = None, *, kind: str | None = None,
             level: str | None = None, setup: list[Exchange] | None = None) -> None:
        """Record that the server broke the requirement: what it expects, what the server did,
        and the exchange that shows it. ``level="SHOULD"`` records a warning under a MUST
        requirement where the catalog says so ("another 4xx is a warning")."""
        level, kind = level or self.level, kind or expected
        if self._ledger.counted(self.rid, kind, level):
            return
        redact = self._redact
        message = redact(f"{self.rid} expects {expected}; {got}")
        finding = Finding(requirement=self.rid, level=level, message=message, kind=kind,
                          expected=redact(expected), got=redact(got), by_observer=self.observer)
        if ex is not None:
            ev = self._evidence(ex)
            finding.request, finding.reproduce, finding.response, finding.exchange = (
                ev.request, ev.reproduce, ev.response, ev.index)
            finding.evidence = dict(ev.detail or {})
            finding.answered = ex.status is not None and not ex.error
            finding.operation = f"{ex.method} {ex.operation or '(no operation)'}"
            steps = [s for s in (setup or []) + self.writes() if s is not ex]
            finding.steps = ([_step(self._evidence(s).request, s) for s in steps[-MAX_STEPS:]]
                             if ex.method == "GET" else [])
        self._ledger.add(finding)

    def warn(self, expected: str, got: str, ex: Exchange | None = None, *, kind: str | None = None) -> None:
        self.fail(expected, got, ex, kind=kind, level="SHOULD")

    def note(self, text: str) -> None:
        self._ledger.note(self.rid, self._redact(text))

    # -- the coverage record: what this requirement planned to probe, and how each item went ------
    def plan(self, *items: str) -> None:
        """Items this requirement plans to probe (short stable labels, e.g. "PUT bodies"). A pass
        with a planned item never reached is "partly verified" (docs/interface.md)."""
        self._ledger.plan(self.rid, items)

    def reached(self, item: str, times: int = 1) -> None:
        """``times`` probes reached ``item`` (an unplanned item is planned by reaching it)."""
        self._ledger.reached(self.rid, item, times)

    def unreached(self, item: str, reason: str) -> None:
        """``item`` could not be probed: why, e.g. "blocked by RZ-CREATE (every POST refused 400)"."""
        self._ledger.unreached(self.rid, item, self._redact(reason))

    def judged(self, items: list[T], what: str) -> list[T]:
        """The items of one answer this requirement judges: the first MAX_JUDGED, noted when the
        answer held more. A server answering 40,000 meetings must not hold the run for minutes
        (the run's budget bounds requests, not the work on one answer)."""
        if len(items) <= MAX_JUDGED:
            return items
        self.note(f"answers of more than {MAX_JUDGED} {what} were judged on their first {MAX_JUDGED} only")
        return items[:MAX_JUDGED]

    # -- the writes this check sent: the set-up steps shown before a listing's finding ------
    def saw(self, ex: Exchange) -> None:
        if ex.method in ("POST", "PUT") and ex.ok:
            with self._lock:
                self._setup.append(ex)

    def writes(self) -> list[Exchange]:
        with self._lock:
            return list(self._setup)


CheckFn = Callable[[Any, Recorder], None]   # its API's Discovery subclass, and the recorder
ObserverFn = Callable[[Recorder, Exchange], None]


@dataclass(frozen=True)
class Observer:
    fn: ObserverFn
    unseen: str | None        # the skip reason when no exchange of the run gave it anything to judge
    needs: tuple[str, ...]    # requirements whose failure leaves it nothing to judge (named as the blocker)


@dataclass(frozen=True)
class Check:
    fn: CheckFn
    phase: str           # "scripted" or "generated" (the property-based campaign, run after)


CHECKS: dict[str, list[Check]] = {}
OBSERVERS: dict[str, list[Observer]] = {}


def checks_of(rid: str) -> list[Check]:
    """A requirement's checks; one judged only by observers gets the run's ordinary reads, so
    that selected alone it still has answers to judge."""
    if rid in CHECKS:
        return CHECKS[rid]
    return [Check(lambda d, rec: d.ordinary_reads(), "scripted")] if rid in OBSERVERS else []


def check(rid: str, *, generated: bool = False) -> Callable[[CheckFn], CheckFn]:
    """Register a check for one catalog requirement; ``generated`` for a property-based one."""
    load_catalog()[rid]   # an unknown ID fails at import time, not in a report

    def deco(fn: CheckFn) -> CheckFn:
        CHECKS.setdefault(rid, []).append(Check(fn, "generated" if generated else "scripted"))
        return fn

    return deco


def observer(rid: str, *, unseen: str | None = None, needs: tuple[str, ...] = ()) -> Callable[[ObserverFn], ObserverFn]:
    """Register a judge of every exchange of the run for one catalog requirement. ``unseen`` is
    why it is skipped when nothing of the run gave it anything to judge; ``needs`` the
    requirements whose failure would explain that."""
    load_catalog()[rid]
    for other in needs:
        load_catalog()[other]

    def deco(fn: ObserverFn) -> ObserverFn:
        OBSERVERS.setdefault(rid, []).append(Observer(fn, unseen, needs))
        return fn

    return deco


# -- discovery --------------------------------------------------------------------------------


_discovering = threading.local()


def discovering() -> bool:
    """Whether the current thread is computing a discovery value (its requests then belong to
    the call's own requirement, not to whichever check happened to ask first)."""
    return getattr(_discovering, "depth", 0) > 0


class _Memoised(Protocol):
    """What holds memoised values: a Discovery, or a helper bound to one (it shares its lock)."""

    @property
    def _memo_lock(self) -> AbstractContextManager[object]: ...


Owner = TypeVar("Owner", bound=_Memoised)


class memo(Generic[Owner, T]):
    """A discovery value computed once per run: its value, or the ``Blocked`` it raised, is kept
    and given again to every later caller, so a prerequisite costs its requests once and every
    dependent check is told the same reason. Thread-safe (one computation at a time)."""

    def __init__(self, fn: Callable[[Owner], T]) -> None:
        self.fn = fn
        self.name = fn.__name__
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]  # typeshed: only callables wrap

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> memo[Owner, T]: ...
    @overload
    def __get__(self, obj: Owner, owner: type | None = None) -> T: ...

    def __get__(self, obj: Owner | None, owner: type | None = None) -> T | memo[Owner, T]:
        if obj is None:
            return self
        cache: dict[str, T | Blocked] = obj.__dict__.setdefault("_memo", {})
        with obj._memo_lock:
            if self.name not in cache:
                outermost = not discovering()
                root = obj if isinstance(obj, Discovery) else getattr(obj, "d", None)
                started, sent = time.monotonic(), getattr(getattr(root, "client", None), "count", 0)
                _discovering.depth = getattr(_discovering, "depth", 0) + 1
                try:
                    cache[self.name] = self.fn(obj)
                except Blocked as blocked:
                    cache[self.name] = blocked
                finally:
                    _discovering.depth -= 1
                    if outermost and isinstance(root, Discovery):   # for the benchmark's split by phase
                        root.spent_s += time.monotonic() - started
                        root.spent_requests += root.client.count - sent
            value = cache[self.name]
        if isinstance(value, Blocked):
            raise value
        return value


DS = TypeVar("DS", bound="Discovery")


class Discovery:
    """The prerequisites of one run against one API: what the server lists, the suite's own
    meetings or bookings, the values the user gave. Subclassed per API."""

    def __init__(self, client: Client, options: RunOptions, notes: Callable[[str], None]) -> None:
        self.client = client
        self.options = options
        self._note = notes
        self._memo_lock = threading.RLock()
        self._counter = 0
        self._counter_lock = threading.Lock()
        self.deadline: float | None = None
        self.progress: Callable[[str], None] = lambda text: None   # a line for the terminal, while the run goes
        self.spent_s = 0.0          # time and requests spent computing discovery values (within the checks' phases)
        self.spent_requests = 0

    def shared(self: DS, factory: Callable[[DS], T]) -> T:
        """One instance per run of a helper several checks share (e.g. the auth probes' calls),
        keyed by its class: typed, never a string key."""
        with self._memo_lock:
            cache: dict[Callable[[DS], T], T] = self.__dict__.setdefault("_shared", {})
            if factory not in cache:
                cache[factory] = factory(self)
            return cache[factory]

    def ordinary_reads(self) -> None:
        """The run's ordinary reads, sent once: a requirement judged only by observers (no check
        of its own), selected alone, still gets answers to judge. Each API says which."""

    def witness(self, ex: Exchange) -> None:
        """Every exchange of the run, as it arrives, judged by none: what the API keeps track of
        (the writes the server accepted, to release them at the end)."""

    def foreign(self, obj: dict[str, object]) -> str | None:
        """Why a listed object is not the server's own data (an earlier run of the suite left it),
        else None: observers do not judge it as the server's."""
        return None

    def say(self, text: str) -> None:
        """A remark about discovery itself (shown once at the top of the report)."""
        self._note(text)

    def unknown_id(self, kind: str) -> str:
        """An id no real system has: it names the suite, the seed and a counter (reproducible)."""
        with self._counter_lock:
            self._counter += 1
            n = self._counter
        return f"conformance-unknown-{kind}-{self.options.seed}-{n}"

    def out_of_time(self) -> bool:
        return self.time_left() <= 0

    def time_left(self) -> float:
        """Seconds left of the run's budget (infinite without one)."""
        return math.inf if self.deadline is None else self.deadline - time.monotonic()
