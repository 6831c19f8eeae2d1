"""A probe counts only when its evidence could decide it; root causes only from what they explain
(issue 17).

A connector written from the published page alone lists Meetings with ``id``, ``start`` and
``end`` and refuses every POST of the contract's names: ORDER and WINDOW must not pass on dates
they cannot read, the requirements that need an accepted POST are blocked by RZ-CREATE (not
failed or warned on its refusal), and one root cause names the likely mapping.
"""
from __future__ import annotations

from typing import Any

from conformance.options import RunOptions
from conformance.reference_server import ReferenceServer
from conformance.reference_server.faults import _renamed_fields, needs_renamed_fields
from conformance.reference_server.seams import Seams
from conformance.runner.engine import Engine
from tests.helpers import CREDENTIAL_FIELDS, run_engine


def run_renamed_connector() -> Engine:
    """The reference server with its Meetings renamed and every POST of the contract's names refused
    (two hooks, not a registered fault: it blocks every write requirement, so drawn with any other
    fault it would hide that one)."""
    with ReferenceServer(api="roomz") as server:
        server.app.fx = Seams("roomz", [{"meeting": _renamed_fields, "create_fields": needs_renamed_fields}],
                              server.app)
        opts: dict[str, Any] = {k: server.credentials[k] for k in CREDENTIAL_FIELDS}
        engine = Engine(RunOptions(api="roomz", base_url=server.url, profile="quick", **opts))
        engine.preflight()
        engine.run()
        engine.finish()
        return engine


def test_dates_under_other_names_decide_neither_order_nor_window() -> None:
    result = run_engine("roomz", faults=["meeting-fields-renamed"])
    for rid in ("RZ-MEETINGS-ORDER", "RZ-MEETINGS-WINDOW"):
        outcome = result.outcome(rid)
        assert outcome.status == "skipped" and outcome.blocked_by == "RZ-MEETINGS", (rid, outcome)
        assert "startDateUTC" in (outcome.skip_reason or ""), outcome.skip_reason
    window = result.outcome("RZ-MEETINGS-WINDOW").skip_reason or ""
    assert "'start'" in window and "'end'" in window, window


def test_a_refusal_every_post_gets_is_rz_creates_and_blocks_what_needs_an_accepted_post() -> None:
    engine = run_renamed_connector()
    assert engine.status("RZ-CREATE") == "failed"
    for rid in ("RZ-CREATE-UNKNOWN-ORGANIZER", "RZ-CREATE-INVALID"):
        outcome = engine.ledger[rid]
        assert outcome.status == "skipped" and outcome.blocked_by == "RZ-CREATE", (rid, outcome)
    utc = engine.ledger["RZ-UTC-ACCEPT"]
    assert utc.status != "failed" and not utc.findings, utc   # its GET part passes; its POST part is blocked
    causes = {c.summary: c.explains for c in engine.root_causes}
    renamed = next((s for s in causes if "under other names" in s), None)
    assert renamed is not None, causes
    assert "start → startDateUTC" in renamed and "end → endDateUTC" in renamed and "id → meetingId" in renamed
    assert set(causes[renamed]) == {"RZ-MEETINGS", "RZ-CREATE"}


def test_the_correct_server_still_passes_what_the_refusal_rule_guards() -> None:
    result = run_engine("roomz", only=["RZ-CREATE-INVALID", "RZ-CREATE-UNKNOWN-ORGANIZER", "RZ-UTC-ACCEPT"])
    for rid in ("RZ-CREATE-INVALID", "RZ-CREATE-UNKNOWN-ORGANIZER", "RZ-UTC-ACCEPT"):
        assert result.status(rid) == "passed", (rid, result.outcome(rid))


def test_an_ignored_window_explains_bad_dates_only_when_they_were_listed() -> None:
    crashed = run_engine("roomz", faults=["window-ignored", "empty-date-500"])
    cause = next(c for c in crashed.engine.root_causes if "ignores from and to" in c.summary)
    assert crashed.status("RZ-MEETINGS-BADDATE") == "failed"
    assert "RZ-MEETINGS-BADDATE" not in cause.explains, cause   # its findings are 500s: a crash, not the window
    listed = run_engine("roomz", faults=["window-ignored", "lenient-dates"])
    cause = next(c for c in listed.engine.root_causes if "ignores from and to" in c.summary)
    assert "RZ-MEETINGS-BADDATE" in cause.explains, cause


def test_an_answer_refused_before_it_was_read_is_no_probe_of_5xx() -> None:
    result = run_engine("roomonitor", only=["RM-5XX"])
    outcome = result.outcome("RM-5XX")
    answered = [ex for ex in result.engine.traffic if ex.status is not None and not ex.auth.startswith("replay")]
    refused = [ex for ex in answered if ex.status in (401, 403)]
    assert refused, "no call was refused: this test proves nothing"
    assert outcome.status == "passed", outcome
    assert outcome.probes <= len(answered) - len(refused), (outcome.probes, len(answered), len(refused))


def test_a_save_the_contract_cannot_read_back_says_it_rests_on_the_servers_words() -> None:
    result = run_engine("roomonitor", only=["RM-IMPORT-PARTIAL"])
    assert any("[SUCCESS]" in note for note in result.outcome("RM-IMPORT-PARTIAL").notes)
