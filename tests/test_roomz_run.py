"""`conformance run --api roomz` against the reference server: clean, with every fault, and
against correct servers that merely differ from it. Real HTTP on loopback, no mocks."""
from __future__ import annotations

import pytest

from conformance.reference_server import FAULTS
from conformance.requirements import load_catalog
from tests.helpers import run_engine

CATALOG = load_catalog()
RZ_FAULTS = sorted(name for name, f in FAULTS.items() if f.api == "roomz")

@pytest.fixture(scope="module")
def clean():
    return run_engine("roomz")


def test_clean_reference_server_is_conformant(clean) -> None:
    assert clean.verdict.verdict == "conformant"
    assert clean.verdict.exit_code == 0
    assert clean.summary() == {"RZ-HTTPS": "warning"}
    assert len(clean.results["requirements"]) == len(CATALOG.for_api("roomz"))


def test_every_roomz_requirement_has_a_fault() -> None:
    """Every requirement but RZ-HTTPS (the test servers speak plain http: that is its fault)."""
    broken = {FAULTS[name].requirement for name in RZ_FAULTS}
    assert {r.id for r in CATALOG.for_api("roomz")} - broken == {"RZ-HTTPS"}


@pytest.mark.parametrize("fault", RZ_FAULTS)
def test_fault_fails_exactly_its_requirement(fault: str) -> None:
    rid = FAULTS[fault].requirement
    result = run_engine("roomz", faults=[fault])
    expected = "failed" if CATALOG[rid].is_must else "warning"
    assert result.status(rid) == expected, result.outcome(rid)
    others = {k: v for k, v in result.summary().items() if k not in (rid, "RZ-HTTPS")}
    assert others == dict(FAULTS[fault].collateral), f"unexpected collateral for {fault}: {others}"
    assert result.verdict.exit_code == (1 if CATALOG[rid].is_must else 0)
    failure = result.outcome(rid).findings[0]
    assert failure.message.startswith(rid) or rid in failure.message
    if failure.request:
        assert failure.reproduce.startswith("curl ")


@pytest.mark.parametrize(
    "variants, server_kwargs",
    [
        (["create-200-empty"], {}),
        (["put-no-body"], {}),
        (["extra-fields"], {}),
        (["plain-4xx"], {}),
        (["creation-equals-start"], {}),
        ([], {"prefix": "/api/roomz"}),
        ([], {"rooms": 300}),
    ],
    ids=["create-200-empty", "put-no-body", "extra-fields", "plain-4xx", "creation-equals-start",
         "path-prefix", "300-rooms"],
)
def test_correct_server_that_differs_passes(variants, server_kwargs) -> None:
    result = run_engine("roomz", variants=variants, server_kwargs=server_kwargs)
    assert result.summary() == {"RZ-HTTPS": "warning"}
    assert result.verdict.exit_code == 0


def test_create_answering_201_with_the_meeting_is_the_default(clean) -> None:
    posts = [r for r in clean.server.requests if r.method == "POST"]
    assert posts, "the clean run created meetings"


def test_image_url_absent_everywhere_is_conformant() -> None:
    result = run_engine("roomz", variants=["no-image-url"])
    assert result.verdict.verdict == "conformant"
    assert result.summary() == {"RZ-HTTPS": "warning", "RZ-IMAGE": "skipped"}
    assert "imageUrl" in result.outcome("RZ-IMAGE").skip_reason


def test_service_account_organizer_is_only_a_warning() -> None:
    result = run_engine("roomz", variants=["service-organizer"])
    assert result.summary() == {"RZ-HTTPS": "warning", "RZ-CREATE-UNKNOWN-ORGANIZER": "warning"}
    assert result.verdict.exit_code == 0


def test_slow_server_still_passes() -> None:
    """Every answer 60 ms late (a remote server, not loopback): nothing times out or races."""
    result = run_engine("roomz", server_kwargs={"latency_ms": 60})
    assert result.summary() == {"RZ-HTTPS": "warning"}


def test_read_only_sends_no_write_and_skips_write_requirements() -> None:
    result = run_engine("roomz", read_only=True)
    methods = {r.method for r in result.server.requests}
    assert methods == {"GET"}, methods
    writes = {r.id for r in CATALOG.for_api("roomz") if r.writes}
    assert result.skipped() == writes
    for rid in writes:
        assert "--read-only" in result.outcome(rid).skip_reason
        entry = next(e for e in result.results["requirements"] if e["id"] == rid)
        assert entry["certified"] is False
    assert result.verdict.verdict == "conformant"


def test_suite_writes_only_into_the_target_room_and_releases_its_meetings(clean) -> None:
    writes = [r for r in clean.server.requests if r.method in ("POST", "PUT")]
    own = {mid for (_, mid) in clean.engine.discovery.created}
    # the one exception: RZ-UPDATE-UNKNOWN's PUT of the suite's own meeting through another room (404 expected)
    writes = [r for r in writes if not (r.method == "PUT" and r.path.split("/")[4] in own)]
    rooms = {r.path.split("/")[2] for r in writes}
    target = clean.engine.discovery.target_room
    assert rooms - {target} <= {p for p in rooms if p.startswith("conformance-unknown-")}
    created = clean.engine.discovery.created
    assert created, "the run tracked what it created"
    assert not getattr(clean.engine, "cleanup_problems", None)


def test_same_seed_same_generated_requests_and_verdicts(tmp_path) -> None:
    """Each run in its own process, as users run it, against a fresh server."""
    import json
    import os
    import re
    import subprocess
    import sys

    from conformance.reference_server import DEFAULTS, ReferenceServer

    def run(seed: int, name: str):
        with ReferenceServer(api="roomz") as srv:
            env = {**os.environ, "ROOMZ_USERNAME": DEFAULTS["username"], "ROOMZ_PASSWORD": DEFAULTS["password"]}
            subprocess.run([sys.executable, "-m", "conformance", "run", "--base-url", srv.url, "--profile",
                            "quick", "--seed", str(seed),
                            "--report-dir", str(tmp_path / name), "--quiet"], env=env, capture_output=True, timeout=120)
            # the generated writes (all sent to unknown rooms); scripted requests carry dates
            # relative to now, which move when a minute boundary falls between two runs
            # the subjects of the suite's own meetings name the run (a token unique to each run, by design)
            generated = [(r.method, r.path, r.query, re.sub(rb", run [0-9a-f]+", b"", r.body)) for r in srv.requests
                         if "conformance-unknown-room" in r.path and r.method in ("POST", "PUT")]
        statuses = {
            r["id"]: r["status"] for r in json.loads((tmp_path / name / "results.json").read_text())["requirements"]
        }
        return generated, statuses

    first, second, other = run(7, "a"), run(7, "b"), run(8, "c")
    assert first[0] and first[0] == second[0]
    assert first[0] != other[0]
    assert first[1] == second[1]


def test_requirements_left_out_do_not_decide_the_verdict() -> None:
    """--requirement RZ-ROOMS: RZ-JSON is not certified, so its fault cannot fail the run."""
    result = run_engine("roomz", faults=["text-content-type"], only=("RZ-ROOMS",))
    assert result.status("RZ-JSON") == "skipped" and result.status("RZ-ROOMS") == "passed"
    assert result.verdict.exit_code == 0


def test_probe_reproduce_lines_use_placeholders_for_real_credentials() -> None:
    result = run_engine("roomz", faults=["any-password"])
    lines = [f.reproduce for f in result.outcome("RZ-AUTH-WRONG").findings]
    assert any('-u "$ROOMZ_USERNAME:conformance-wrong-password"' in line for line in lines), lines
    assert all("roomz-secret" not in line for line in lines)


def test_unknown_user_with_the_right_password_is_refused() -> None:
    """A server checking the password alone lets an unknown user name in with the right password:
    the finding's reproduce line forms that password from $ROOMZ_PASSWORD, never shows it."""
    result = run_engine("roomz", faults=["password-only"], only=("RZ-AUTH-WRONG",))
    findings = result.outcome("RZ-AUTH-WRONG").findings
    assert findings and all("unknown user name with the right password" in f.message for f in findings), findings
    assert all('-u "conformance-unknown-user:$ROOMZ_PASSWORD"' in f.reproduce for f in findings), findings
    assert all("roomz-secret" not in f.reproduce + f.message + (f.request or "") for f in findings)


def test_a_server_that_dies_mid_run_gives_incomplete_not_failed() -> None:
    """Requests that got no answer after the server died prove nothing: exit 3, not 1."""
    import threading
    import time

    from conformance.options import RunOptions
    from conformance.reference_server import DEFAULTS, ReferenceServer
    from conformance.runner.engine import Engine

    srv = ReferenceServer(api="roomz").start()

    def kill_after_some_traffic() -> None:
        while len(srv.requests) < 60:
            time.sleep(0.01)
        srv.stop()

    threading.Thread(target=kill_after_some_traffic, daemon=True).start()
    engine = Engine(RunOptions(api="roomz", base_url=srv.url, profile="quick", timeout=1,
                               username=DEFAULTS["username"], password=DEFAULTS["password"]))
    engine.preflight()
    engine.run()
    verdict = engine.finish()
    assert engine.aborted and "stopped answering" in engine.aborted
    assert (verdict.verdict, verdict.exit_code) == ("incomplete", 3), {
        r.id: engine.status(r.id) for r in engine.requirements
    }


def test_window_boundaries_need_a_meeting_one_empty_listing_proves_nothing() -> None:
    """Read-only on a room with no meeting: the far-past window lists nothing, which any server
    passes; with no meeting to probe the boundaries with, RZ-MEETINGS-WINDOW is not verified."""
    result = run_engine("roomz", read_only=True, room_id="8", requirement=("RZ-MEETINGS-WINDOW",))
    assert result.status("RZ-MEETINGS-WINDOW") == "skipped", result.summary()
    assert "no meeting with a duration" in (result.outcome("RZ-MEETINGS-WINDOW").skip_reason or "")
