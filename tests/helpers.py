"""Shared test helper: one in-process engine run against the bundled reference server.

    result = run_engine("roomonitor", faults=["some-fault"], profile="quick")
    assert result.status("RM-JSON") == "failed"
    assert result.verdict.exit_code == 1

The reference server is started for the run (with ``faults``/``variants``/``server_kwargs``)
and stopped afterwards; its recorded traffic stays readable on ``result.server.requests``.
Options are RunOptions fields; ``profile`` defaults to "quick" and the credentials default to
the reference server's own (pass e.g. ``login_email=None`` to run without them).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.options import RunOptions
from conformance.reference_server import ReferenceServer
from conformance.results import Outcome
from conformance.runner.engine import Engine, Verdict

CREDENTIAL_FIELDS = ("username", "password", "user_id", "auth_token", "login_email", "login_password")


@dataclass
class RunResult:
    engine: Engine
    verdict: Verdict
    server: ReferenceServer
    results: dict[str, Any] = field(default_factory=dict)

    def status(self, rid: str) -> str:
        return self.engine.status(rid)

    def _with(self, status: str) -> set[str]:
        return {r.id for r in self.engine.requirements if self.engine.status(r.id) == status}

    def failed(self) -> set[str]:
        return self._with("failed")

    def warnings(self) -> set[str]:
        return self._with("warning")

    def skipped(self) -> set[str]:
        return self._with("skipped")

    def passed(self) -> set[str]:
        return self._with("passed")

    def outcome(self, rid: str):
        return self.engine.ledger[rid]

    def summary(self) -> dict[str, str]:
        """Every requirement that did not pass, with its status (for assertion messages)."""
        return {r.id: self.engine.status(r.id) for r in self.engine.requirements
                if self.engine.status(r.id) != "passed"}


def run_engine(api: str, *, faults: Iterable[str] = (), variants: Iterable[str] = (),
               server_kwargs: dict[str, Any] | None = None, **options: Any) -> RunResult:
    """Run every requirement of ``api`` in-process against a fresh reference server."""
    server = ReferenceServer(api=api, faults=list(faults), variants=list(variants), **(server_kwargs or {})).start()
    try:
        opts: dict[str, Any] = {"profile": "quick"}
        opts.update({k: server.credentials[k] for k in CREDENTIAL_FIELDS if k not in options})
        opts.update(options)
        if "only" in opts:
            opts["requirement"] = tuple(opts.pop("only"))
        engine = Engine(RunOptions(api=api, base_url=server.url, **opts))
        try:
            engine.preflight()
            engine.run()
        finally:
            verdict = engine.finish()
        return RunResult(engine=engine, verdict=verdict, server=server, results=engine.results().to_json())
    finally:
        server.stop()


def judge(observer_fn, rid: str, exchange) -> Outcome:
    """Run one observer on a canned exchange; the outcome its recorder wrote."""
    from conformance.checks.model import Evidence, Recorder
    from conformance.requirements import load_catalog
    from conformance.results import Ledger

    level = load_catalog()[rid].level
    ledger = Ledger({rid: level})
    rec = Recorder(rid, level, ledger, lambda ex: Evidence(f"{ex.method} {ex.path}", "curl …", "",
                                                           None), str, observer=True)
    observer_fn(rec, exchange)
    return ledger[rid]
