"""What every check is made of: findings, the ledger they go into, the registry, the context.

A check is a plain function ``(ctx) -> None`` registered for exactly one requirement ID with
``@check("RZ-...")``. It sends requests through ``ctx.client``, says what it verified with
``ctx.exercised(rid)`` and what went wrong with ``ctx.fail(rid, ...)``. An *observer* is a
function ``(ctx, exchange) -> None`` registered for one requirement that sees every exchange of
the run, whichever check caused it (RZ-UTC, RZ-NULL, RZ-5XX, ...).

Severity is per finding: a MUST requirement can yield a SHOULD finding where the catalog says
"another 4xx is a warning"; the requirement's status is the worst severity among its findings.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from conformance.client import Client, Exchange
from conformance.requirements import Catalog, load_catalog

MAX_FINDINGS_PER_REQUIREMENT = 20   # distinct failures kept per requirement; the rest are counted
MAX_EXCERPT = 2000                  # characters of a body kept as evidence


class Skip(Exception):
    """A check cannot verify its requirement (missing prerequisite); the message is the reason."""


@dataclass
class Finding:
    requirement: str
    severity: str                    # MUST (fails) or SHOULD (warning)
    message: str                     # "expected X, got Y" in one sentence or two
    request: str = ""                # "GET /rooms/57/meetings?..." (relative to the base URL)
    reproduce: str = ""              # curl line, credentials as $VARIABLES
    response: str = ""               # status, content type and a body excerpt
    signature: str = ""              # what makes two findings "the same failure"
    count: int = 1                   # how many times this same failure was seen
    answered: bool = True            # False when the request got no (complete) answer: transport

    def as_json(self) -> dict[str, Any]:
        out = {"message": self.message, "request": self.request, "reproduce": self.reproduce}
        if self.response:
            out["response"] = self.response
        if self.count > 1:
            out["occurrences"] = self.count
        if self.severity == "SHOULD":
            out["severity"] = "warning"
        return out


@dataclass
class Outcome:
    requirement: str
    findings: list[Finding] = field(default_factory=list)
    dropped: int = 0                 # findings beyond the per-requirement cap
    exercised: int = 0               # how many times the requirement was actually verified
    skip_reason: str | None = None   # set when it could not be verified
    notes: list[str] = field(default_factory=list)
    done: bool = False
    excluded: bool = False           # left out on purpose (--read-only, a selection): not certified

    @property
    def status(self) -> str:
        if self.excluded:
            return "skipped"
        if any(f.severity == "MUST" for f in self.findings):
            return "failed"
        if self.findings:
            return "warning"
        if self.skip_reason is not None or self.exercised == 0:
            return "skipped"
        return "passed"


class Ledger:
    """Findings per requirement, deduplicated so thousands of generated cases stay readable."""

    def __init__(self, ids: list[str]) -> None:
        self.outcomes: dict[str, Outcome] = {rid: Outcome(rid) for rid in ids}
        self._lock = threading.Lock()

    def add(self, finding: Finding) -> None:
        with self._lock:
            outcome = self.outcomes[finding.requirement]
            if outcome.excluded:
                return
            sig = finding.signature or finding.message
            for existing in outcome.findings:
                if (existing.signature or existing.message) == sig:
                    existing.count += 1
                    if finding.severity == "MUST":
                        existing.severity = "MUST"
                    return
            if len(outcome.findings) >= MAX_FINDINGS_PER_REQUIREMENT:
                outcome.dropped += 1
                return
            outcome.findings.append(finding)

    def exercised(self, rid: str, times: int = 1) -> None:
        with self._lock:
            if not self.outcomes[rid].excluded:
                self.outcomes[rid].exercised += times


CheckFn = Callable[["Context"], None]
ObserverFn = Callable[["Context", Exchange], None]


@dataclass
class Registered:
    requirement: str
    fn: Callable[..., None]


CHECKS: dict[str, list[Registered]] = {}
OBSERVERS: dict[str, list[Registered]] = {}


def check(requirement: str) -> Callable[[CheckFn], CheckFn]:
    """Register a scripted or property-based check for one catalog requirement."""

    def deco(fn: CheckFn) -> CheckFn:
        load_catalog()[requirement]  # unknown IDs fail at import time, not in a report
        CHECKS.setdefault(requirement, []).append(Registered(requirement, fn))
        fn.requirement = requirement  # type: ignore[attr-defined]
        return fn

    return deco


def observer(requirement: str) -> Callable[[ObserverFn], ObserverFn]:
    """Register a response check that every exchange of the run goes through."""

    def deco(fn: ObserverFn) -> ObserverFn:
        load_catalog()[requirement]
        OBSERVERS.setdefault(requirement, []).append(Registered(requirement, fn))
        fn.requirement = requirement  # type: ignore[attr-defined]
        return fn

    return deco


def excerpt(ex: Exchange, limit: int = MAX_EXCERPT) -> str:
    if ex.status is None:
        return f"no response: {ex.error}"
    text = ex.body[:limit].decode("utf-8", "replace")
    more = "…(truncated)" if len(ex.body) > limit or ex.truncated else ""
    ctype = ex.content_type or "no Content-Type"
    return f"HTTP {ex.status} ({ctype}), {len(ex.body)} bytes\n{text}{more}"


class Context:
    """The state one run shares between checks: client, ledger, options, discovered data."""

    def __init__(self, *, api: str, client: Client, options: Any, catalog: Catalog | None = None) -> None:
        self.api = api
        self.client = client
        self.options = options
        self.catalog = catalog or load_catalog()
        self.ledger = Ledger(self.catalog.ids(api))
        self.state: dict[str, Any] = {}
        self._observers = [r for rid in self.ledger.outcomes for r in OBSERVERS.get(rid, [])]
        client.observers.append(self._observe)
        self.current: str | None = None   # the requirement whose checks are running
        self.deadline: float | None = None  # time.monotonic() after which no request is sent

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    # -- observation ------------------------------------------------------------------------
    def _observe(self, ex: Exchange) -> None:
        for reg in self._observers:
            if self.ledger.outcomes[reg.requirement].excluded:
                continue
            try:
                reg.fn(self, ex)
            except Exception as exc:  # an observer bug must not lose the run
                self.note(reg.requirement, f"internal error in observer {reg.fn.__name__}: {exc!r}")

    # -- recording ----------------------------------------------------------------------------
    def exercised(self, rid: str, times: int = 1) -> None:
        self.ledger.exercised(rid, times)

    def fail(
        self,
        rid: str,
        message: str,
        ex: Exchange | None = None,
        *,
        severity: str | None = None,
        signature: str | None = None,
    ) -> None:
        level = severity or self.catalog[rid].level
        redact = self.client.redactor.text
        finding = Finding(
            requirement=rid,
            severity=level,
            message=redact(message),
            request=redact(f"{ex.method} {ex.path}") if ex is not None else "",
            reproduce=self.client.curl(ex) if ex is not None else "",
            response=redact(excerpt(ex)) if ex is not None else "",
            signature=signature or "",
            answered=ex is None or (ex.status is not None and not ex.error),
        )
        self.ledger.add(finding)
        self.ledger.exercised(rid)

    def note(self, rid: str, text: str) -> None:
        notes = self.ledger.outcomes[rid].notes
        if text not in notes:
            notes.append(self.client.redactor.text(text))

    def require(self, key: str) -> Any:
        """A value an earlier step discovered; Skip with its recorded reason when it is missing."""
        value = self.state.get(key)
        if value is None:
            reason = self.state.get(f"{key}:why", f"prerequisite '{key}' was not established")
            raise Skip(reason)
        return value
