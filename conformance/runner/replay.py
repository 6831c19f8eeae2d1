"""Replay: the deciding request of each failed requirement is sent once more after the run.

A failure seen once cannot be told from a flaky one; a lab wants to know which. Only requests
that are safe to repeat are replayed: reads, and writes confined to ids no real system has
(``conformance-unknown-…``, where a correct server creates nothing). A replayed answer is judged
again by the requirement's observers when it has any, else compared with the first answer's
status code. The finding then says ``confirmed`` or ``not reproduced on replay``; either way it
still counts (a server that answers wrongly some of the time breaks the requirement), the mark
tells a flaky server from a steady one.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.checks.model import OBSERVERS, Recorder
from conformance.client import DeadlineReached, Exchange
from conformance.results import Finding, Ledger

if TYPE_CHECKING:
    from conformance.runner.engine import Engine

MAX_REPLAYS = 40   # one per failed requirement at most; a bound for servers that fail everything


def safe_to_replay(ex: Exchange) -> bool:
    if ex.method in ("GET", "HEAD"):
        return True
    return ex.method in ("POST", "PUT") and "conformance-unknown-" in ex.path


class Replayer:
    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self.count = 0

    def replay_failures(self) -> None:
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
            if original is None or not safe_to_replay(original):
                finding.replay = "not replayed: the request writes to the server"
                continue
            try:
                again = self._send(original)
            except DeadlineReached:
                return
            self.count += 1
            if self._reproduces(req.id, finding, original, again):
                finding.replay = "confirmed"
            elif finding.by_observer and again.status == original.status:
                finding.replay = "not reproduced on replay (the same request, sent again, met the requirement)"
            else:
                finding.replay = f"not reproduced on replay (first {original.status}, then {again.status or again.error})"

    def _send(self, original: Exchange) -> Exchange:
        client = self.engine.client
        observers, client.observers = client.observers, [self.engine._record]   # judged below, not twice
        try:
            return client.request(original.method, original.path, data=original.request_body,
                                  headers=dict(original.request_headers), auth="none",
                                  auth_label=f"replay of #{original.index}", operation=original.operation)
        finally:
            client.observers = observers

    def _reproduces(self, rid: str, finding: Finding, original: Exchange, again: Exchange) -> bool:
        observers = OBSERVERS.get(rid, [])
        if not observers or not finding.by_observer:
            return again.status == original.status
        scratch = Ledger({rid: finding.level})
        rec = Recorder(rid, finding.level, scratch, self.engine.evidence, self.engine.redactor.text, observer=True)
        again.auth = original.auth
        for obs in observers:
            try:
                obs.fn(rec, again)
            except Exception:  # an observer bug: the replay proves nothing either way
                return True
        return bool(scratch[rid].findings)
