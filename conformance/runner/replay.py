"""Replay: the deciding request of each failed requirement is sent once more after the run.

A failure seen once cannot be told from a flaky one; a lab wants to know which. Only requests
that are safe to repeat are replayed: reads, and writes confined to ids no real system has
(``conformance-unknown-…``, where a correct server creates nothing). A replayed answer is judged
again by the requirement's observers when it has any; else it must repeat the first answer's
status code and the outline of its body (an array of objects with the same keys, say: values
such as ids and times may differ, the shape that was wrong may not), since a status alone
cannot tell a body that became right. The finding then says ``confirmed`` or
``not reproduced on replay``; either way it still counts (a server that answers wrongly some of
the time breaks the requirement), the mark tells a flaky server from a steady one.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from conformance.checks.model import OBSERVERS, Recorder
from conformance.client import DeadlineReached, Exchange
from conformance.results import CONFIRMED, NOT_REPRODUCED, Finding, Ledger

if TYPE_CHECKING:
    from conformance.runner.engine import Engine

MAX_REPLAYS = 40   # one per failed requirement at most; a bound for servers that fail everything


def safe_to_replay(ex: Exchange) -> bool:
    """A replay must not book anything a second time on a real system."""
    if ex.method in ("GET", "HEAD"):
        return True
    return ex.method in ("POST", "PUT") and "conformance-unknown-" in ex.path


def outline(ex: Exchange) -> str:
    """The shape of an answer's body without its values: the JSON type, an object's keys, and for
    an array the outline of its first item. Uses the exchange's own parse (cached)."""
    if not ex.body:
        return "empty"
    try:
        data = ex.json()
    except ValueError:   # invalid UTF-8 and nesting too deep included (Exchange.json says so)
        return "not JSON"
    if isinstance(data, list):
        return f"[{_kind(data[0])}]" if data else "[]"
    return _kind(data)


def _kind(value: object) -> str:
    """An object by its keys (which are the contract), anything else by its JSON type."""
    return "{" + ",".join(sorted(map(str, value))) + "}" if isinstance(value, dict) else type(value).__name__


class Replayer:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0

    def replay_failures(self) -> None:
        """Each requirement's first answered finding, replayed once; the finding keeps the mark."""
        engine = self.engine
        by_index = {ex.index: ex for ex in engine.traffic}
        for req in engine.requirements:
            if self.count >= MAX_REPLAYS or engine.discovery.out_of_time():
                return
            outcome = engine.ledger[req.id]
            finding = next((f for f in outcome.findings if f.exchange is not None and f.answered), None)
            if finding is None or finding.exchange is None:
                continue
            original = by_index.get(finding.exchange)
            if original is None:
                continue
            if not safe_to_replay(original):
                finding.replay = "not replayed: the request writes to the server"
                continue
            try:
                again = self._send(original)
            except DeadlineReached:
                return
            self.count += 1
            finding.replay = engine.redactor.text(self._mark(req.id, finding, original, again))   # quotes the server

    def _send(self, original: Exchange) -> Exchange:
        """The same request, bytes and headers (credentials included) as first sent; recorded in the
        run's traffic as a replay, judged only by ``_mark``."""
        client = self.engine.client
        observers, client.observers = client.observers, [self.engine._record]
        try:
            return client.request(original.method, original.path, data=original.request_body,
                                  headers=dict(original.request_headers), auth="none",
                                  auth_label=f"replay of #{original.index}", operation=original.operation)
        finally:
            client.observers = observers

    def _mark(self, rid: str, finding: Finding, original: Exchange, again: Exchange) -> str:
        if again.status is None:
            return f"{NOT_REPRODUCED} (first {original.status}, then no answer: {again.error})"
        judged = self._judged_again(rid, finding, original, again)
        if judged is not None:
            return CONFIRMED if judged else f"{NOT_REPRODUCED} (the same request, sent again, met the requirement)"
        if again.status != original.status:
            return f"{NOT_REPRODUCED} (first {original.status}, then {again.status})"
        if outline(again) != (self.engine.shapes.get(original.index) or outline(original)):
            return f"{NOT_REPRODUCED} (the same status {again.status}, but a body of another shape)"
        return CONFIRMED

    def _judged_again(self, rid: str, finding: Finding, original: Exchange, again: Exchange) -> bool | None:
        """Whether the requirement's observers find the replayed answer wrong; None when no observer
        can say (none, the finding was not theirs, or one broke)."""
        observers = OBSERVERS.get(rid, [])
        if not observers or not finding.by_observer:
            return None
        scratch = Ledger({rid: finding.level})
        rec = Recorder(rid, finding.level, scratch, self.engine.evidence, self.engine.redactor.text, observer=True)
        judged = replace(again, auth=original.auth)   # as the first was sent; the traffic keeps "replay of #N"
        for obs in observers:
            try:
                obs.fn(rec, judged)
            except Exception:  # an observer bug: it proves nothing either way
                return None
        return bool(scratch[rid].findings)
