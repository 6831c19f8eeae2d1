"""The result model of a run: what checks write, and what reports, records and diffs read.

Vocabulary (ARCHITECTURE.md): every catalog *requirement* gets one *outcome*. An outcome counts
the *probes* that met the requirement, keeps the *findings* that refute it, and, when nothing
could verify it, the reason it was *skipped* (naming the requirement whose failure *blocked* it,
if one did). A finding has a *level*: MUST fails the requirement, SHOULD makes it a *warning*.
The status is derived, never stored: failed, warning, passed or skipped.

This module imports nothing of the suite: checks write into it, ``report/`` reads it.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_FINDINGS_PER_REQUIREMENT = 20   # distinct findings kept per requirement; the rest are counted
STATUSES = ("passed", "failed", "warning", "skipped")
CONFIGURATION_ERROR = "configuration error"   # the verdict of a run stopped by a slip: nothing judged (exit 2)
VERDICT_EXIT = {"conformant": 0, "non-conformant": 1, "incomplete": 3, CONFIGURATION_ERROR: 2}
NOT_JUDGED = "not judged: the run stopped at a configuration error"   # its reason, once per requirement
CONFIRMED = "confirmed"                       # a finding's replay: the same request, the same failure
NOT_REPRODUCED = "not reproduced on replay"   # the same request met the requirement (or answered otherwise)


@dataclass
class Finding:
    """One way the server broke a requirement, with the evidence to see and reproduce it."""

    requirement: str
    level: str                       # MUST (the requirement fails) or SHOULD (a warning)
    message: str                     # "<ID> expects <expected>; <got>"
    kind: str = ""                   # what makes two findings the same failure
    expected: str = ""
    got: str = ""
    request: str = ""                # "GET /rooms/57/meetings?…" (relative to the base URL)
    reproduce: str = ""              # a curl line, credentials as $VARIABLES
    response: str = ""               # status, content type and a body excerpt
    steps: list[str] = field(default_factory=list)   # the requests that set up the state, in order
    count: int = 1                   # how many times this same failure was seen
    answered: bool = True            # False when the request got no (complete) answer
    exchange: int | None = None      # the index of the deciding exchange in the run's traffic
    replay: str = ""                 # "", "confirmed", "not reproduced on replay", "not replayed: …"
    by_observer: bool = False        # judged by an observer (so a replayed answer can be judged again)
    # the deciding exchange as the report shows it (redacted): request and response headers, the
    # request body, when it was sent, its latency and its entry in traffic.har
    evidence: dict[str, Any] = field(default_factory=dict)
    operation: str = ""              # "GET listMeetings": the deciding request's operation (its identity)

    @property
    def key(self) -> str:
        return self.kind or self.message

    def result(self, redact: Callable[[str], str] = str) -> FindingResult:
        """The finding as results.json keeps it (its kind redacted: checks may build it from data)."""
        return FindingResult(message=self.message, request=self.request, reproduce=self.reproduce,
                             expected=self.expected, got=self.got, response=self.response, steps=tuple(self.steps),
                             occurrences=self.count, warning=self.level == "SHOULD", replay=self.replay,
                             kind=redact(self.kind), operation=self.operation,
                             evidence=dict(self.evidence))


@dataclass
class Planned:
    """One item a requirement planned to probe ("PUT bodies"), and how it went."""

    probes: int = 0
    not_probed: str = ""             # why it was not probed (kept while probes == 0)


@dataclass
class Outcome:
    requirement: str
    level: str = "MUST"
    findings: list[Finding] = field(default_factory=list)
    dropped: int = 0                 # findings beyond the per-requirement cap
    probes: int = 0                  # how many times the requirement was met
    skip_reason: str | None = None   # set when it could not be verified
    blocked_by: str | None = None    # the requirement whose failure left it unverified
    notes: list[str] = field(default_factory=list)
    excluded: bool = False           # left out on purpose (--read-only, a selection): not certified
    kinds: set[str] = field(default_factory=set)   # every kind of finding seen, kept or dropped
    planned: dict[str, Planned] = field(default_factory=dict)   # the coverage record: item -> how it went

    @property
    def coverage_complete(self) -> bool:
        return all(p.probes > 0 for p in self.planned.values())

    @property
    def partial(self) -> bool:
        """Passed (or warned) while an item of its plan was not probed: "partly verified"."""
        return self.status in ("passed", "warning") and not self.coverage_complete

    @property
    def status(self) -> str:
        if self.excluded:
            return "skipped"
        if any(f.level == "MUST" for f in self.findings):
            return "failed"
        if self.findings:
            return "warning"
        if self.skip_reason is not None or self.probes == 0:
            return "skipped"
        return "passed"


class Ledger:
    """Every requirement's outcome, shared by the threads of a run; findings are deduplicated by
    kind, so thousands of generated cases stay readable."""

    def __init__(self, levels: Mapping[str, str]) -> None:
        self.outcomes: dict[str, Outcome] = {rid: Outcome(rid, level) for rid, level in levels.items()}
        self._lock = threading.Lock()

    def __getitem__(self, rid: str) -> Outcome:
        return self.outcomes[rid]

    def add(self, finding: Finding) -> None:
        with self._lock:
            if not self._counted(finding.requirement, finding.key, finding.level):
                outcome = self.outcomes[finding.requirement]
                outcome.probes += 1
                outcome.kinds.add(finding.key)
                outcome.findings.append(finding)

    def counted(self, rid: str, key: str, level: str) -> bool:
        """Count a failure that would not be kept (its kind is kept already, or the requirement
        holds its cap of findings): True when counted, so the caller need not build its evidence.
        An answer of 40,000 malformed meetings must cost a counter each, not a curl line each."""
        with self._lock:
            return self._counted(rid, key, level)

    def _counted(self, rid: str, key: str, level: str) -> bool:
        outcome = self.outcomes[rid]
        if outcome.excluded:
            return True
        existing = next((f for f in outcome.findings if f.key == key), None)
        if existing is not None:
            existing.count += 1
            if level == "MUST":
                existing.level = "MUST"
        elif len(outcome.findings) >= MAX_FINDINGS_PER_REQUIREMENT:
            outcome.dropped += 1
        else:
            return False
        outcome.probes += 1
        outcome.kinds.add(key)
        return True

    def met(self, rid: str, times: int = 1) -> None:
        with self._lock:
            if not self.outcomes[rid].excluded:
                self.outcomes[rid].probes += times

    def plan(self, rid: str, items: Iterable[str]) -> None:
        """The items ``rid`` plans to probe (the coverage record; PROTOCOL/docs/interface.md)."""
        with self._lock:
            planned = self.outcomes[rid].planned
            for item in items:
                planned.setdefault(item, Planned())

    def reached(self, rid: str, item: str, times: int = 1) -> None:
        with self._lock:
            self.outcomes[rid].planned.setdefault(item, Planned()).probes += times

    def unreached(self, rid: str, item: str, reason: str) -> None:
        """An item that could not be probed, and why (the first reason given stands)."""
        with self._lock:
            state = self.outcomes[rid].planned.setdefault(item, Planned())
            if not state.not_probed:
                state.not_probed = reason

    def note(self, rid: str, text: str) -> None:
        with self._lock:
            notes = self.outcomes[rid].notes
            if text not in notes:
                notes.append(text)

    def skip(self, rid: str, reason: str, blocked_by: str | None = None) -> None:
        """Record why ``rid`` could not be verified (the first reason given stands)."""
        with self._lock:
            outcome = self.outcomes[rid]
            if outcome.skip_reason is None:
                outcome.skip_reason, outcome.blocked_by = reason, blocked_by

    def exclude(self, rid: str, reason: str) -> None:
        with self._lock:
            outcome = self.outcomes[rid]
            outcome.excluded, outcome.skip_reason = True, reason


def verdict_of(entries: Iterable[tuple[str, str, bool, bool]], *, aborted: bool = False) -> str:
    """The verdict of docs/interface.md from ``(level, status, excluded, partial)`` per requirement.

    A MUST failure is non-conformant; else an aborted run, a MUST requirement not verified (not
    left out on purpose) or a MUST requirement only partly verified is incomplete. Written once,
    so ``verify`` can check that a record's verdict follows from its statuses.
    """
    items = list(entries)
    if any(level == "MUST" and status == "failed" for level, status, _, _ in items):
        return "non-conformant"
    if aborted or any(level == "MUST" and not excluded and (status == "skipped" or partial)
                      for level, status, excluded, partial in items):
        return "incomplete"
    return "conformant"


def verdict_of_results(results: Results | Mapping[str, Any]) -> str:
    """The verdict a results document's own statuses give (a JSON mapping is read first)."""
    if not isinstance(results, Results):
        results = Results.from_json(results)
    return results.derived_verdict()


def gated_exit_code(results: Results, gate_failed: bool) -> int:
    """The exit code of a run gated by a baseline: a configuration error stays 2, a failed gate
    is 1, an unverified or partly verified MUST requirement (or an aborted run) stays 3, else 0.
    Written once, so verify can check it."""
    if results.configuration_error:
        return 2
    if gate_failed:
        return 1
    return 3 if results.unverified_must() else 0


# -- the typed result model: results.json ---------------------------------------------------------
# Every reader (report, record, baseline, diff, CI summary, verify) takes these, never a dict: the
# only dict[str, Any] left are at the JSON boundary (to_json/from_json, and the run's options,
# which are JSON as the user gave them).

Json = dict[str, Any]


class ResultsError(ValueError):
    """A document that is not a results.json of conformance; the message says why in one sentence."""


def _s(data: Mapping[str, Any], key: str, default: str = "") -> str:
    value = data.get(key)
    return default if value is None else str(value)


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _num(value: Any, default: float = 0.0) -> float:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class FindingResult:
    """A finding as results.json keeps it: the evidence, and its stable identity
    (requirement, ``kind``, ``operation``) that baselines and diffs match it by."""

    message: str
    request: str = ""
    reproduce: str = ""
    expected: str = ""
    got: str = ""
    response: str = ""
    steps: tuple[str, ...] = ()
    occurrences: int = 1
    warning: bool = False            # a SHOULD finding ("severity": "warning")
    replay: str = ""
    kind: str = ""                   # what makes two findings the same failure (no volatile detail)
    operation: str = ""              # "GET listMeetings": the operation of the deciding request
    # the deciding exchange as the report shows it (headers, body, timing, its traffic.har entry):
    # JSON as checks.model.exchange_detail builds it, redacted
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def identity(self, rid: str) -> tuple[str, str, str]:
        """What the finding is, never its volatile details (ids, times, slots, seeds, counts).
        A results.json of an earlier version has no kind: its message stands in."""
        return (rid, self.kind or self.message, self.operation)

    def to_json(self) -> Json:
        out: Json = {"message": self.message, "request": self.request, "reproduce": self.reproduce}
        for key in ("expected", "got", "response"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.steps:
            out["steps"] = list(self.steps)
        if self.occurrences > 1:
            out["occurrences"] = self.occurrences
        if self.warning:
            out["severity"] = "warning"
        if self.replay:
            out["replay"] = self.replay
        if self.evidence:
            out["evidence"] = dict(self.evidence)
        if self.kind:
            out["kind"] = self.kind
        if self.operation:
            out["operation"] = self.operation
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FindingResult:
        return cls(message=_s(data, "message"), request=_s(data, "request"), reproduce=_s(data, "reproduce"),
                   expected=_s(data, "expected"), got=_s(data, "got"), response=_s(data, "response"),
                   steps=_strs(data.get("steps")), occurrences=_int(data.get("occurrences"), 1),
                   warning=data.get("severity") == "warning", replay=_s(data, "replay"), kind=_s(data, "kind"),
                   operation=_s(data, "operation"), evidence=dict(_obj(data.get("evidence"))))


@dataclass(frozen=True)
class CoverageItem:
    """One planned item of a requirement: how many probes reached it, or why none did."""

    item: str
    probes: int = 0
    not_probed: str = ""

    @property
    def gap(self) -> str:
        """Why it was not probed ("" when it was)."""
        return "" if self.probes else (self.not_probed or "no probe reached it")

    def to_json(self) -> Json:
        out: Json = {"item": self.item, "probes": self.probes}
        if self.gap:
            out["not_probed"] = self.gap
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CoverageItem:
        return cls(item=_s(data, "item"), probes=_int(data.get("probes")), not_probed=_s(data, "not_probed"))


@dataclass(frozen=True)
class Coverage:
    """What a requirement planned to probe and what was probed (``complete``: every item was)."""

    complete: bool = True
    items: tuple[CoverageItem, ...] = ()

    @property
    def derived_complete(self) -> bool:
        return all(i.probes > 0 for i in self.items)

    def to_json(self) -> Json:
        return {"complete": self.complete, "items": [i.to_json() for i in self.items]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Coverage:
        items = tuple(CoverageItem.from_json(i) for i in data.get("items") or [] if isinstance(i, dict))
        complete = data.get("complete")
        return cls(complete=complete if isinstance(complete, bool) else all(i.probes > 0 for i in items),
                   items=items)


@dataclass(frozen=True)
class RequirementResult:
    """One catalog requirement's entry of results.json."""

    id: str
    level: str
    status: str
    title: str = ""
    text: str = ""
    source: str = ""
    reason: str | None = None        # skipped: why it was not verified
    blocked_by: str | None = None
    failures: tuple[FindingResult, ...] = ()
    more_failures: int = 0
    notes: tuple[str, ...] = ()
    probes: int = 0
    certified: bool = True           # False: left out on purpose
    coverage: Coverage = Coverage()
    partial: bool = False            # passed (or warned) with an item of its plan not probed
    known: bool = False              # a baseline accepted its failure
    baseline_reason: str | None = None

    @property
    def first_message(self) -> str:
        return self.failures[0].message if self.failures else ""

    def derived_status(self) -> str:
        """The status the entry's own content gives (Outcome.status, from results.json): left out
        or nothing judged is skipped, a MUST finding fails, a SHOULD finding warns."""
        if not self.certified:
            return "skipped"
        if any(not f.warning for f in self.failures):
            return "failed"
        if self.failures:
            return "warning"
        if self.reason is not None or not self.probes:
            return "skipped"
        return "passed"

    def derived_partial(self) -> bool:
        return self.status in ("passed", "warning") and not self.coverage.derived_complete

    def to_json(self) -> Json:
        out: Json = {"id": self.id, "level": self.level, "status": self.status, "title": self.title,
                     "text": self.text}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.blocked_by:
            out["blocked_by"] = self.blocked_by
        out["failures"] = [f.to_json() for f in self.failures]
        if self.more_failures:
            out["more_failures"] = self.more_failures
        if self.notes:
            out["notes"] = list(self.notes)
        out["probes"] = self.probes
        out["source"] = self.source
        if not self.certified:
            out["certified"] = False
        out["coverage"] = self.coverage.to_json()
        if self.partial:
            out["partial"] = True
        if self.known:
            out["known"] = True
            out["baseline_reason"] = self.baseline_reason or ""
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RequirementResult:
        rid, status = data.get("id"), data.get("status")
        if not isinstance(rid, str) or status not in STATUSES:
            raise ResultsError("a requirement has no id or an unknown status")
        reason = data.get("reason")
        return cls(id=rid, level=_s(data, "level"), status=str(status), title=_s(data, "title"),
                   text=_s(data, "text"), source=_s(data, "source"),
                   reason=None if reason is None else str(reason), blocked_by=data.get("blocked_by") or None,
                   failures=tuple(FindingResult.from_json(f) for f in data.get("failures") or []
                                  if isinstance(f, dict)),
                   more_failures=_int(data.get("more_failures")), notes=_strs(data.get("notes")),
                   probes=_int(data.get("probes")), certified=data.get("certified") is not False,
                   coverage=Coverage.from_json(_obj(data.get("coverage"))), partial=data.get("partial") is True,
                   known=data.get("known") is True,
                   baseline_reason=None if data.get("baseline_reason") is None else str(data["baseline_reason"]))


@dataclass(frozen=True)
class OperationCount:
    """The run's requests of one operation and the statuses they got ("no answer" included)."""

    requests: int
    statuses: Mapping[str, int]

    def to_json(self) -> Json:
        return {"requests": self.requests, "statuses": dict(self.statuses)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OperationCount:
        return cls(_int(data.get("requests")), {str(k): _int(v) for k, v in _obj(data.get("statuses")).items()})


@dataclass(frozen=True)
class Stats:
    requests: int = 0
    duration_s: float = 0.0
    discovery_s: float = 0.0
    discovery_requests: int = 0
    replays: int = 0
    waits: int = 0
    waited_s: float = 0.0
    phases: Mapping[str, float] = field(default_factory=dict)
    phase_requests: Mapping[str, int] = field(default_factory=dict)

    def to_json(self) -> Json:
        return {"requests": self.requests, "duration_s": self.duration_s, "discovery_s": self.discovery_s,
                "discovery_requests": self.discovery_requests, "replays": self.replays, "waits": self.waits,
                "waited_s": self.waited_s, "phases": dict(self.phases), "phase_requests": dict(self.phase_requests)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Stats:
        return cls(requests=_int(data.get("requests")), duration_s=_num(data.get("duration_s")),
                   discovery_s=_num(data.get("discovery_s")), discovery_requests=_int(data.get("discovery_requests")),
                   replays=_int(data.get("replays")), waits=_int(data.get("waits")),
                   waited_s=_num(data.get("waited_s")),
                   phases={str(k): _num(v) for k, v in _obj(data.get("phases")).items()},
                   phase_requests={str(k): _int(v) for k, v in _obj(data.get("phase_requests")).items()})


@dataclass(frozen=True)
class Provenance:
    """Where the run's settings came from. ``options`` is JSON as written (secrets as $VARIABLES)."""

    options: Mapping[str, Any] = field(default_factory=dict)
    configuration_file: str = "none"
    baseline: str = "none"

    def to_json(self) -> Json:
        return {"options": dict(self.options), "configuration file": self.configuration_file,
                "baseline": self.baseline}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Provenance:
        return cls(options=dict(_obj(data.get("options"))), configuration_file=_s(data, "configuration file", "none"),
                   baseline=_s(data, "baseline", "none"))


@dataclass(frozen=True)
class RootCauseResult:
    summary: str
    explains: tuple[str, ...] = ()

    def to_json(self) -> Json:
        return {"summary": self.summary, "explains": list(self.explains)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RootCauseResult:
        return cls(_s(data, "summary"), _strs(data.get("explains")))


@dataclass(frozen=True)
class LeftBehind:
    """Something the run created and could not release: what it is, and the request that would
    remove it (a curl line, credentials as $VARIABLES)."""

    what: str
    remove: str = ""

    def to_json(self) -> Json:
        return {"what": self.what, "remove": self.remove}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LeftBehind:
        return cls(_s(data, "what"), _s(data, "remove"))


@dataclass(frozen=True)
class Gate:
    """The ``baseline`` section: what a baseline made of the run (the verdict stays as earned)."""

    file: str
    gate_exit_code: int
    known: tuple[str, ...] = ()
    new: tuple[str, ...] = ()
    worse: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    unverified: tuple[str, ...] = ()

    def to_json(self) -> Json:
        return {"file": self.file, "applied": True, "gate_exit_code": self.gate_exit_code,
                "known": list(self.known), "new": list(self.new), "worse": list(self.worse),
                "expired": list(self.expired), "fixed": list(self.fixed), "warnings": list(self.warnings),
                "unverified": list(self.unverified)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Gate:
        lists = {k: _strs(data.get(k)) for k in ("known", "new", "worse", "expired", "fixed", "warnings", "unverified")}
        return cls(file=_s(data, "file"), gate_exit_code=_int(data.get("gate_exit_code")), **lists)


@dataclass(frozen=True)
class ReferenceInfo:
    """The self-check: the bundled server's faults and variants."""

    faults: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()


@dataclass(frozen=True)
class Results:
    """A run's results: what ``results.json`` holds (docs/interface.md), typed."""

    api: str
    target: str
    verdict: str
    requirements: tuple[RequirementResult, ...]
    catalog_version: int = 0
    tool_name: str = "conformance"
    tool_version: str = ""
    profile: str = ""
    seed: int = 0
    read_only: bool = False
    spec_sha256: str = ""
    started_at: str = ""
    finished_at: str = ""
    stats: Stats = Stats()
    operations: Mapping[str, OperationCount] = field(default_factory=dict)
    certification: bool = False
    provenance: Provenance = Provenance()
    root_causes: tuple[RootCauseResult, ...] = ()
    discovery: tuple[str, ...] = ()
    configuration_error: str | None = None
    aborted: str | None = None
    reference_server: ReferenceInfo | None = None
    ignored_credentials: tuple[str, ...] = ()
    cleanup_problems: tuple[str, ...] = ()
    left_behind: tuple[LeftBehind, ...] = ()
    baseline: Gate | None = None

    # -- reading --------------------------------------------------------------------------------
    def requirement(self, rid: str) -> RequirementResult | None:
        return next((r for r in self.requirements if r.id == rid), None)

    def ids(self) -> list[str]:
        return [r.id for r in self.requirements]

    def with_status(self, status: str) -> list[RequirementResult]:
        return [r for r in self.requirements if r.status == status]

    def derived_verdict(self) -> str:
        """The verdict the statuses give (docs/interface.md, "The verdict"); a run stopped by a
        configuration slip has none about the server."""
        if self.configuration_error:
            return CONFIGURATION_ERROR
        return verdict_of(((r.level, r.status, not r.certified, r.partial) for r in self.requirements),
                          aborted=bool(self.aborted))

    def unverified_must(self) -> bool:
        """A MUST requirement left unverified or only partly verified (not left out on purpose),
        or an aborted run: green must mean tested, so such a run is never exit 0, whatever a
        baseline accepts."""
        return bool(self.aborted) or any(
            r.level == "MUST" and r.certified and (r.status == "skipped" or r.partial) for r in self.requirements)

    # -- JSON -----------------------------------------------------------------------------------
    def to_json(self) -> Json:
        out: Json = {
            "catalog_version": self.catalog_version,
            "tool": {"name": self.tool_name, "version": self.tool_version},
            "api": self.api, "target": self.target, "profile": self.profile, "seed": self.seed,
            "read_only": self.read_only, "spec_sha256": self.spec_sha256, "started_at": self.started_at,
            "finished_at": self.finished_at, "verdict": self.verdict,
            "requirements": [r.to_json() for r in self.requirements],
            "stats": self.stats.to_json(),
            "coverage": {"operations": {k: v.to_json() for k, v in self.operations.items()}},
            "certification": self.certification,
            "provenance": self.provenance.to_json(),
            "root_causes": [c.to_json() for c in self.root_causes],
            "discovery": list(self.discovery),
        }
        if self.configuration_error:
            out["configuration_error"] = self.configuration_error
        if self.aborted:
            out["aborted"] = self.aborted
        if self.reference_server is not None:
            out["reference_server"] = {"faults": list(self.reference_server.faults),
                                       "variants": list(self.reference_server.variants)}
        if self.ignored_credentials:
            out["self_check"] = {"ignored_credentials": list(self.ignored_credentials)}
        if self.cleanup_problems:
            out["cleanup_problems"] = list(self.cleanup_problems)
        if self.left_behind:
            out["left_behind"] = [x.to_json() for x in self.left_behind]
        if self.baseline is not None:
            out["baseline"] = self.baseline.to_json()
        return out

    @classmethod
    def from_json(cls, data: Any) -> Results:
        """Read a results.json document (any version of the suite's); ResultsError says what is
        missing. Fields an older version did not write take their defaults."""
        if not isinstance(data, dict):
            raise ResultsError("the top level is not an object")
        reqs = data.get("requirements")
        if not isinstance(reqs, list):
            raise ResultsError("it has no requirements list")
        if not all(isinstance(r, dict) for r in reqs):
            raise ResultsError("a requirement is not an object")
        tool, ref = _obj(data.get("tool")), data.get("reference_server")
        baseline = data.get("baseline")
        return cls(
            api=_s(data, "api"), target=_s(data, "target"), verdict=_s(data, "verdict"),
            requirements=tuple(RequirementResult.from_json(r) for r in reqs),
            catalog_version=_int(data.get("catalog_version")), tool_name=_s(tool, "name", "conformance"),
            tool_version=_s(tool, "version"), profile=_s(data, "profile"), seed=_int(data.get("seed")),
            read_only=data.get("read_only") is True, spec_sha256=_s(data, "spec_sha256"),
            started_at=_s(data, "started_at"), finished_at=_s(data, "finished_at"),
            stats=Stats.from_json(_obj(data.get("stats"))),
            operations={str(k): OperationCount.from_json(_obj(v))
                        for k, v in _obj(_obj(data.get("coverage")).get("operations")).items()},
            certification=data.get("certification") is True,
            provenance=Provenance.from_json(_obj(data.get("provenance"))),
            root_causes=tuple(RootCauseResult.from_json(c) for c in data.get("root_causes") or []
                              if isinstance(c, dict)),
            discovery=_strs(data.get("discovery")),
            configuration_error=data.get("configuration_error") or None, aborted=data.get("aborted") or None,
            reference_server=(ReferenceInfo(_strs(ref.get("faults")), _strs(ref.get("variants")))
                              if isinstance(ref, dict) else None),
            ignored_credentials=_strs(_obj(data.get("self_check")).get("ignored_credentials")),
            cleanup_problems=_strs(data.get("cleanup_problems")),
            left_behind=tuple(LeftBehind.from_json(x) for x in data.get("left_behind") or [] if isinstance(x, dict)),
            baseline=Gate.from_json(baseline) if isinstance(baseline, dict) else None,
        )

