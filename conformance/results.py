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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_FINDINGS_PER_REQUIREMENT = 20   # distinct findings kept per requirement; the rest are counted
STATUSES = ("passed", "failed", "warning", "skipped")
VERDICT_EXIT = {"conformant": 0, "non-conformant": 1, "incomplete": 3}
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

    @property
    def key(self) -> str:
        return self.kind or self.message

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "request": self.request, "reproduce": self.reproduce}
        if self.expected:
            out["expected"] = self.expected
        if self.got:
            out["got"] = self.got
        if self.response:
            out["response"] = self.response
        if self.steps:
            out["steps"] = list(self.steps)
        if self.count > 1:
            out["occurrences"] = self.count
        if self.level == "SHOULD":
            out["severity"] = "warning"
        if self.replay:
            out["replay"] = self.replay
        if self.evidence:
            out["evidence"] = self.evidence
        return out


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


def verdict_of(entries: Iterable[tuple[str, str, bool]], *, aborted: bool = False) -> str:
    """The verdict of docs/interface.md from ``(level, status, excluded)`` per requirement.

    Written once, so ``verify`` can check that a record's verdict follows from its statuses.
    """
    items = list(entries)
    if any(level == "MUST" and status == "failed" for level, status, _ in items):
        return "non-conformant"
    if aborted or any(level == "MUST" and status == "skipped" and not excluded for level, status, excluded in items):
        return "incomplete"
    return "conformant"


def verdict_of_results(results: Mapping[str, Any]) -> str:
    """The verdict a ``results.json`` document's own statuses give."""
    reqs = results.get("requirements") or []
    return verdict_of(((r.get("level"), r.get("status"), r.get("certified") is False) for r in reqs),
                      aborted=bool(results.get("aborted")))


def unverified_must(results: Mapping[str, Any]) -> bool:
    """A MUST requirement left unverified (not on purpose), or an aborted run: green must mean
    tested, so such a run is never exit 0, whatever a baseline accepts."""
    return bool(results.get("aborted")) or any(
        r.get("level") == "MUST" and r.get("status") == "skipped" and r.get("certified") is not False
        for r in results.get("requirements") or [] if isinstance(r, dict))


def gated_exit_code(results: Mapping[str, Any], gate_failed: bool) -> int:
    """The exit code of a run gated by a baseline: a configuration error stays 2, a failed gate
    is 1, an unverified MUST requirement (or an aborted run) stays 3, else 0. Written once, so
    verify can check it."""
    if results.get("configuration_error"):
        return 2
    if gate_failed:
        return 1
    return 3 if unverified_must(results) else 0
