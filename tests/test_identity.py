"""A finding is known by what it is (requirement, kind, operation), never by ids, times, slots or
counts: a baseline made from one run keeps the next run against the same, unchanged server green,
and the baseline gate and ``conformance diff`` call the same things worse."""
from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conformance.baseline import apply, load_baseline
from conformance.diff import compare
from conformance.options import RunOptions
from conformance.reference_server import ReferenceServer
from conformance.results import FindingResult, RequirementResult, Results
from conformance.runner.engine import Engine
from tests.helpers import CREDENTIAL_FIELDS

TODAY = date(2026, 11, 21)


def run_against(server: ReferenceServer, seed: int) -> Results:
    options: dict[str, Any] = {k: server.credentials[k] for k in CREDENTIAL_FIELDS}
    engine = Engine(RunOptions(api="roomz", base_url=server.url, profile="quick", seed=seed, **options))
    try:
        engine.preflight()
        engine.run()
    finally:
        engine.finish()
    return engine.results()


@pytest.fixture(scope="module")
def two_runs() -> tuple[Results, Results]:
    """Two quick runs in a row against ONE server process that accepts overlapping meetings: the
    second run sees the first one's traces, other free slots and other meeting ids."""
    server = ReferenceServer(api="roomz", faults=["no-create-conflict"]).start()
    try:
        return run_against(server, 1), run_against(server, 2)
    finally:
        server.stop()


def test_the_same_failure_has_the_same_identity_in_both_runs(two_runs: tuple[Results, Results]) -> None:
    first, second = two_runs
    a, b = first.requirement("RZ-CREATE-CONFLICT"), second.requirement("RZ-CREATE-CONFLICT")
    assert a is not None and b is not None and a.status == b.status == "failed"
    assert all(f.kind and f.operation == "POST createMeeting" for f in a.failures + b.failures), a.failures
    assert {f.identity(a.id) for f in a.failures} == {f.identity(b.id) for f in b.failures}


def test_a_baseline_from_the_first_run_keeps_the_second_green(two_runs: tuple[Results, Results],
                                                               tmp_path: Path) -> None:
    first, second = two_runs
    path = tmp_path / "results.json"
    path.write_text(json.dumps(first.to_json()), encoding="utf-8")
    decision = apply(second, load_baseline(path, "roomz"), TODAY)
    assert decision.new == [] and decision.worse == [], decision.summary
    assert "RZ-CREATE-CONFLICT" in decision.known
    assert decision.exit_code == 0, decision.summary
    diff = compare(first, second)
    assert not diff.worse, diff.why_worse()


def _with_warning(results: Results, rid: str, kind: str) -> Results:
    warned = dataclasses.replace(
        results.requirement(rid) or RequirementResult(rid, "SHOULD", "passed"), status="warning",
        failures=(FindingResult(message=f"{rid} expects more; got less", kind=kind, operation="GET listRooms",
                                warning=True),))
    return dataclasses.replace(results, requirements=tuple(warned if r.id == rid else r
                                                           for r in results.requirements))


def test_gate_and_diff_agree_on_a_new_warning(two_runs: tuple[Results, Results], tmp_path: Path) -> None:
    """A new warning is shown as new by both and fails neither, unless warnings are asked to fail."""
    first, _ = two_runs
    passed = next(r.id for r in first.requirements if r.status == "passed" and r.level == "MUST")
    second = _with_warning(first, passed, "some-warning")
    path = tmp_path / "results.json"
    path.write_text(json.dumps(first.to_json()), encoding="utf-8")
    baseline = load_baseline(path, "roomz")

    decision, diff = apply(second, baseline, TODAY), compare(first, second)
    assert passed in decision.warnings and decision.exit_code == 0
    assert [c.id for c in diff.newly_warning] == [passed] and diff.newly_failing == [] and not diff.worse

    decision = apply(second, baseline, TODAY, warnings_fail=True)
    diff = compare(first, second, warnings_fail=True)
    assert decision.exit_code == 1 and passed in decision.new
    assert diff.worse and "1 newly warning (--fail-on-warnings)" in diff.why_worse()

    # a warning with a new identity under an accepted warning: shown, not worse, alike
    third = _with_warning(second, passed, "another-warning")
    path.write_text(json.dumps(second.to_json()), encoding="utf-8")
    decision, diff = apply(third, load_baseline(path, "roomz"), TODAY), compare(second, third)
    assert decision.exit_code == 0 and passed in decision.warnings
    assert [c.id for c in diff.newly_warning] == [passed] and not diff.worse


def test_a_new_failure_identity_is_worse_for_both(two_runs: tuple[Results, Results], tmp_path: Path) -> None:
    first, _ = two_runs
    conflict = first.requirement("RZ-CREATE-CONFLICT")
    assert conflict is not None
    extra = FindingResult(message="RZ-CREATE-CONFLICT expects 409; got 201", kind="accepted:something new",
                          operation="POST createMeeting")
    second = dataclasses.replace(first, requirements=tuple(
        dataclasses.replace(r, failures=r.failures + (extra,)) if r.id == conflict.id else r
        for r in first.requirements))
    path = tmp_path / "results.json"
    path.write_text(json.dumps(first.to_json()), encoding="utf-8")
    assert apply(second, load_baseline(path, "roomz"), TODAY).worse == [conflict.id]
    diff = compare(first, second)
    assert [c.id for c in diff.newly_failing] == [conflict.id] and diff.worse
