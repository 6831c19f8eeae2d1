"""Servers that break many rules at once: every planted deviation reported in one run, each under
its own ID, nothing else failed, and every skip naming what blocked it.

Real connectors do not break one rule at a time. The fixed combinations below are modelled on
what hand-written connectors get wrong together (two public ones were read for them: a demo
connector that wraps its room list, ignores the window and has authentication off; a calendar
proxy that crashes on bad input and probes conflicts at the start only). The property test draws
random combinations; the few that genuinely hide one fault behind another are data
(``reference_server.MASKS``), each with its reason.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.reference_server import FAULTS, MASKS, masked
from conformance.requirements import load_catalog
from tests.helpers import RunResult, run_engine

CATALOG = load_catalog()
PLAIN_HTTP = {"RZ-HTTPS", "RM-HTTPS"}   # the test servers speak plain http: always a warning


def expected(rid: str) -> str:
    return "failed" if CATALOG[rid].is_must else "warning"


def judge(api: str, names: list[str], **options: Any) -> RunResult:
    """Run against the reference server with ``names``; assert every drawn fault's requirement
    is reported and that nothing beyond their documented collateral is."""
    result = run_engine(api, faults=names, **options)
    hidden = masked(names)
    allowed: dict[str, set[str]] = {}
    for name in names:
        fault = FAULTS[name]
        allowed.setdefault(fault.requirement, set()).update({"failed", "warning"})
        for rid, status in fault.collateral.items():
            allowed.setdefault(rid, set()).add(status)
        if fault.requirement not in hidden:
            status = result.status(fault.requirement)
            assert status == expected(fault.requirement) or status == "failed", (
                f"{name} planted, but {fault.requirement} is {status}: {describe(result, fault.requirement)}")
    extra = {rid: status for rid, status in result.summary().items()
             if rid not in PLAIN_HTTP and rid not in hidden and status not in allowed.get(rid, set())}
    assert not extra, "reported beyond the planted faults: " + "; ".join(f"{rid} {s}: {describe(result, rid)}"
                                                                       for rid, s in extra.items())
    assert_skips_name_their_cause(result)
    return result


def describe(result: RunResult, rid: str) -> str:
    o = result.outcome(rid)
    return (o.skip_reason or "") + " | " + " | ".join(f.message[:200] for f in o.findings[:2])


def assert_skips_name_their_cause(result: RunResult) -> None:
    """A skip caused by a requirement's failure says 'blocked by' that requirement; none says
    only that no room was usable."""
    for entry in result.results["requirements"]:
        if entry["status"] != "skipped" or entry.get("certified") is False:
            continue
        reason = entry["reason"]
        assert reason and "no usable room" not in reason, entry
        if entry.get("blocked_by"):
            assert entry["blocked_by"] in reason and result.status(entry["blocked_by"]) == "failed", entry


def faults_of(api: str) -> list[str]:
    return sorted(name for name, f in FAULTS.items() if f.api == api)


# -- random combinations -------------------------------------------------------------------------
@pytest.mark.parametrize("api", ["roomz", "roomonitor"])
def test_random_fault_combinations_are_each_reported(api: str) -> None:
    @settings(max_examples=6, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(st.sampled_from(faults_of(api)), min_size=2, max_size=6, unique=True))
    def one(names: list[str]) -> None:
        judge(api, names)

    one()


# -- combinations modelled on real connectors ---------------------------------------------------------
COMBINATIONS = {
    # a demo connector: wrapped room list, window ignored (so bad dates pass), unknown rooms answered
    # with [] and created on POST, the full Meeting required on POST, no validation, no conflicts,
    # and authentication switched off
    "demo-connector": ("roomz", ["rooms-wrapped", "window-ignored", "lenient-dates", "unknown-room-empty",
                                 "create-makes-room", "create-needs-all-fields", "create-accepts-reversed",
                                 "no-create-conflict", "no-update-conflict", "no-auth-all", "any-credentials",
                                 "accept-malformed"]),
    # a calendar proxy: no organizerName from its source, a conflict probe at the start only, 204 on
    # PUT, 400 for unknown rooms, crashes on a PUT to an unknown room, a reversed PUT, an empty date
    "calendar-proxy": ("roomz", ["no-organizer-name", "conflict-start-only", "no-update-conflict", "put-204",
                                 "unknown-room-400", "create-unknown-room-400", "put-unknown-room-500",
                                 "put-reversed-500", "empty-date-500"]),
    # framework defaults: 422, text/plain, crashes on non-object bodies, no challenge, offsets, a
    # wrapped meeting list, seconds refused
    "framework-defaults": ("roomz", ["bad-date-422", "text-content-type", "crash-non-object-body", "no-challenge",
                                     "date-offset", "meetings-wrapped", "reject-seconds"]),
    # a PMS-side import server: wrapped rooms, authentication off, a crash on empty imports, no
    # validation of bookings, an object for v1, text/plain
    "pms-server": ("roomonitor", ["rm-rooms-wrapped", "rm-no-auth-all", "rm-any-token", "rm-empty-500",
                                  "rm-no-validation", "rm-v1-object", "rm-text-content-type"]),
}
ROOT_CAUSES = {
    "demo-connector": ("authentication appears to be off", "ignores from and to", "wrapped in an object",
                       "never checks for conflicts", "more than the contract's four fields"),
    "calendar-proxy": ("5xx to input it should refuse",),
    "framework-defaults": ("not sent as application/json",),
    "pms-server": ("authentication appears to be off", "wraps its list", "5xx to input", "without validating"),
}


@pytest.mark.parametrize("name", sorted(COMBINATIONS))
def test_a_connector_with_many_deviations_is_fully_reported(name: str) -> None:
    api, faults = COMBINATIONS[name]
    result = judge(api, faults)
    planted = {FAULTS[f].requirement for f in faults}
    assert planted <= {rid for rid, s in result.summary().items() if s in ("failed", "warning")}
    causes = " | ".join(c.summary for c in result.engine.root_causes)
    for words in ROOT_CAUSES[name]:
        assert words in causes, causes
    results = result.results
    assert results["root_causes"] and all(c["explains"] for c in results["root_causes"] if "appears" in c["summary"])


def test_a_crash_explains_only_the_findings_on_5xx_answers() -> None:
    """Imports crash on objects (RM-5XX) and answer 200 [] to empty imports (RM-EMPTY): the
    crash is a root cause of RM-5XX only; fixing it would not fix RM-EMPTY. With the empty import
    crashing too, the cause explains both."""
    result = judge("roomonitor", ["rm-crash-non-array", "rm-empty-200"])
    crash = [c for c in result.engine.root_causes if "5xx to input" in c.summary]
    assert crash and crash[0].explains == ("RM-5XX",), crash
    result = judge("roomonitor", ["rm-crash-non-array", "rm-empty-500"])
    crash = [c for c in result.engine.root_causes if "5xx to input" in c.summary]
    assert crash and set(crash[0].explains) == {"RM-5XX", "RM-EMPTY"}, crash

def test_every_mask_is_genuine_and_explained() -> None:
    """Masks are few, each with its reason, and each really hides its requirement."""
    assert len(MASKS) <= 8
    for combo, rid, why in MASKS:
        assert why and all(name in FAULTS for name in combo)
        api = FAULTS[next(iter(combo))].api
        result = run_engine(api, faults=sorted(combo))
        assert result.status(rid) != expected(rid), (combo, rid, "is not hidden: remove the mask")


# -- a broken prerequisite does not blind the run --------------------------------------------------------
def test_an_unreadable_room_list_blocks_only_what_needs_a_room_and_says_so() -> None:
    result = judge("roomz", ["rooms-html"])
    independent = {"RZ-AUTH-MISSING", "RZ-AUTH-WRONG", "RZ-AUTH-MALFORMED", "RZ-AUTH-VALID", "RZ-AUTH-CHALLENGE",
                   "RZ-MEETINGS-UNKNOWN-ROOM", "RZ-5XX", "RZ-NULL", "RZ-STATUS-LISTED", "RZ-UPDATE-UNKNOWN"}
    assert all(result.status(rid) == "passed" for rid in independent), result.summary()
    blocked = [r for r in result.results["requirements"] if r["status"] == "skipped"]
    assert blocked and all(r["blocked_by"] == "RZ-ROOMS" for r in blocked), blocked
    assert all("--room-id" in r["reason"] for r in blocked if r["id"] in ("RZ-CREATE", "RZ-MEETINGS"))


@pytest.mark.parametrize("fault, rid, options", [
    ("create-unknown-room-400", "RZ-CREATE-UNKNOWN-ROOM", {}),
    ("create-makes-room", "RZ-CREATE-UNKNOWN-ROOM", {"organizer_id": "u567"}),
    ("put-unknown-room-500", "RZ-UPDATE-UNKNOWN", {}),
])
def test_the_unknown_room_requirements_need_no_room_list(fault: str, rid: str, options: dict[str, Any]) -> None:
    """A POST or PUT to a room that does not exist needs no room of the server's: with the room
    list unreadable, its fault is still found."""
    result = run_engine("roomz", faults=["rooms-html", fault], **options)
    assert result.status(rid) == "failed", result.summary()


def test_a_given_room_id_is_used_even_when_the_listing_is_broken() -> None:
    result = run_engine("roomz", faults=["rooms-html"], room_id="57")
    assert result.summary() == {"RZ-HTTPS": "warning", "RZ-ROOMS": "failed", "RZ-JSON": "failed",
                                "RZ-ROOMS-UNIQUE": "skipped"}, result.summary()
    assert result.outcome("RZ-ROOMS-UNIQUE").blocked_by == "RZ-ROOMS"


def test_a_wrapped_room_list_fails_rz_rooms_and_discovery_goes_on_saying_so() -> None:
    result = judge("roomz", ["rooms-wrapped"])
    assert result.summary() == {"RZ-HTTPS": "warning", "RZ-ROOMS": "failed"}
    assert any("under 'rooms'" in note for note in result.engine.discovery_notes)
    assert "wrapped" in result.outcome("RZ-ROOMS").findings[0].message


# -- no secret, nor anything derived from one, in any output ---------------------------------------------
def test_probe_credentials_derived_from_the_password_never_appear(tmp_path) -> None:
    """With authentication off every probe is accepted and so reported with its reproduce line:
    the wrong passwords derived from the configured one (case swapped, cut, extended) appear
    only as shell expressions of $ROOMZ_PASSWORD, in every output, in every encoding."""
    import base64
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROOMZ_", "ROOMONITOR_", "CONFORMANCE_"))}
    args = [sys.executable, "-m", "conformance", "run", "--profile", "quick", "--report-dir", str(tmp_path)]
    for fault in ("no-auth-all", "any-credentials", "accept-malformed"):
        args += ["--reference-fault", fault]
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=180)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    password, user = "roomz-secret", "roomz"
    derived = [password, password.swapcase(), password[:-1], password + "x"]
    forbidden = derived + [base64.b64encode(f"{user}:{p}".encode()).decode() for p in derived]
    outputs = {name: (tmp_path / name).read_text(encoding="utf-8") for name in
               ("results.json", "report.html", "junit.xml", "traffic.har", "record.json")}
    outputs["terminal"] = proc.stdout + proc.stderr
    for name, text in outputs.items():
        for value in forbidden:
            assert value not in text, f"{value!r} appears in {name}"
    results = json.loads(outputs["results.json"])
    lines = [f["reproduce"] for r in results["requirements"] if r["id"] == "RZ-AUTH-WRONG" for f in r["failures"]]
    assert any('$(printf %s "$ROOMZ_PASSWORD" | tr a-zA-Z A-Za-z)' in line for line in lines), lines
    assert any("${ROOMZ_PASSWORD%?}" in line for line in lines), lines
    assert any("${ROOMZ_PASSWORD}x" in line for line in lines), lines
    lines = [f["reproduce"] for r in results["requirements"] if r["id"] == "RZ-AUTH-MALFORMED" for f in r["failures"]]
    assert any('Bearer $(printf %s "$ROOMZ_USERNAME:$ROOMZ_PASSWORD" | base64' in line for line in lines), lines


def test_what_a_permissive_server_wrongly_accepts_stays_in_the_checked_stretch() -> None:
    """A server with no authentication and no conflict checks accepts every probe: each accepted
    meeting is moved out of the scenarios' way, and none lands outside the stretch the suite made
    sure was free (where it could sit on a vendor's real booking)."""
    from conformance.checks.roomz.scratch import MARGIN, SPAN
    from conformance.reference_server.roomz import RoomzApp

    api, faults = COMBINATIONS["demo-connector"]
    result = run_engine(api, faults=faults)
    scratch = result.engine.discovery.writer
    assert scratch is not None
    lo, hi = scratch.slot - MARGIN, scratch.slot + SPAN + MARGIN
    app = result.server.app
    assert isinstance(app, RoomzApp)
    ours = [m for ms in app.meetings.values() for m in ms if m.subject.startswith("conformance")]
    assert len(ours) > 12, "the server accepted too little for this test to prove anything"
    outside = [(m.subject, m.start, m.end) for m in ours if not (lo <= m.start and m.end <= hi)]
    assert not outside, outside


def test_an_unseen_observer_names_the_blocker_of_what_it_needs() -> None:
    """RZ-MEETINGS-ORDER needs RZ-MEETINGS, blocked by RZ-ROOMS: that is its blocker, even when
    another check of the run was blocked first by something else."""
    result = judge("roomz", ["rooms-html"])
    engine = result.engine
    assert result.outcome("RZ-MEETINGS").blocked_by == "RZ-ROOMS"
    engine._blockers = {"RZ-CREATE": "blocked by RZ-CREATE (made up for the test)", **engine._blockers}
    outcome = result.outcome("RZ-MEETINGS-ORDER")
    outcome.skip_reason = outcome.blocked_by = None
    engine._unseen("RZ-MEETINGS-ORDER")
    assert outcome.blocked_by == "RZ-ROOMS" and "RZ-ROOMS" in (outcome.skip_reason or ""), outcome
