"""GitHub Actions: the step summary and the annotations say why a job is red, safely, and never
break the run."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.ci import escape_data, escape_property, github_annotations, github_summary, in_github_actions
from conformance.results import Results

JSON_MESSAGE = "RZ-JSON expects a 2xx body to be JSON with Content-Type application/json; GET answered text/plain"
HTTPS_MESSAGE = "RZ-HTTPS expects the API to be served over HTTPS; it is served over plain http"
GITHUB = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "vendor/connector", "GITHUB_RUN_ID": "42"}


def requirement(rid: str, level: str, status: str, *messages: str, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "level": level, "status": status, "title": f"{rid} title",
            "failures": [{"message": m, "request": "GET /rooms", "reproduce": "curl …"} for m in messages], **extra}


def results(*reqs: dict[str, Any], verdict: str = "non-conformant", **extra: Any) -> Results:
    return Results.from_json({"api": "roomz", "target": "https://booking.example.com/roomz", "profile": "quick",
                              "seed": 7, "verdict": verdict, "requirements": list(reqs), **extra})


NON_CONFORMANT = results(
    requirement("RZ-JSON", "MUST", "failed", JSON_MESSAGE, "RZ-JSON expects more"),
    requirement("RZ-HTTPS", "SHOULD", "warning", HTTPS_MESSAGE),
    requirement("RZ-ROOMS", "MUST", "passed"),
    requirement("RZ-CREATE", "MUST", "skipped", reason="--read-only: writes are not certified", certified=False),
)


# -- the step summary ---------------------------------------------------------------------------
def test_no_summary_outside_github(tmp_path) -> None:
    assert github_summary(NON_CONFORMANT, tmp_path, {}) is None
    assert github_summary(NON_CONFORMANT, tmp_path, {"GITHUB_STEP_SUMMARY": ""}) is None


def test_the_summary_is_appended_with_verdict_counts_table_and_link(tmp_path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    text = github_summary(NON_CONFORMANT, tmp_path / "reports", {"GITHUB_STEP_SUMMARY": str(summary), **GITHUB})
    assert text is not None
    assert summary.read_text(encoding="utf-8") == "# earlier step\n" + text    # appended, not replaced
    assert text.startswith("## ❌ Conformance: non-conformant\n")
    assert "4 requirements: 1 passed, 1 failed, 1 warning, 1 skipped (1 not certified on purpose)." in text
    assert "| requirement | level | status | first message |" in text
    assert f"| RZ-JSON | MUST | failed | {JSON_MESSAGE} |" in text                  # the first message only
    assert "RZ-JSON expects more" not in text
    assert f"| RZ-HTTPS | SHOULD | warning | {HTTPS_MESSAGE} |" in text
    assert "RZ-ROOMS" not in text and "RZ-CREATE" not in text                   # passed; not certified on purpose
    assert "[the artifacts of run 42](https://github.com/vendor/connector/actions/runs/42)" in text


def test_without_the_run_variables_the_link_is_the_report_path(tmp_path) -> None:
    summary = tmp_path / "summary.md"
    text = github_summary(NON_CONFORMANT, Path("reports"), {"GITHUB_STEP_SUMMARY": str(summary),
                                                            "GITHUB_REPOSITORY": "vendor/connector"})
    assert text is not None and "Reports: reports/report.html" in text


def test_a_conformant_run_has_no_table(tmp_path) -> None:
    summary = tmp_path / "summary.md"
    text = github_summary(results(requirement("RZ-ROOMS", "MUST", "passed"), verdict="conformant"), tmp_path,
                          {"GITHUB_STEP_SUMMARY": str(summary)})
    assert text is not None and text.startswith("## ✅ Conformance: conformant")
    assert "|---|" not in text


def test_an_unverified_must_requirement_is_listed_with_its_reason(tmp_path) -> None:
    run = results(requirement("RZ-MEETINGS", "MUST", "skipped", reason="no meeting listed in any room"),
                  verdict="incomplete")
    text = github_summary(run, tmp_path, {"GITHUB_STEP_SUMMARY": str(tmp_path / "s.md")})
    assert text is not None and text.startswith("## ⚠️ Conformance: incomplete")
    assert "| RZ-MEETINGS | MUST | skipped | no meeting listed in any room |" in text


def test_server_text_cannot_break_the_table_or_inject_markup(tmp_path) -> None:
    hostile = ("RZ-NULL expects no null | got <script>alert(1)</script>\n| forged | row |\r\n"
               "![x](http://e.example/p.png)")
    run = results(requirement("RZ-NULL", "MUST", "failed", hostile))
    text = github_summary(run, tmp_path, {"GITHUB_STEP_SUMMARY": str(tmp_path / "s.md")})
    assert text is not None
    rows = [line for line in text.splitlines() if line.startswith("| RZ-NULL")]
    assert len(rows) == 1 and not any(line.startswith("| forged") for line in text.splitlines())
    row = rows[0]
    assert "\\<script\\>alert(1)\\</script\\>" in row                # shown as text, not HTML
    assert "\\!\\[x\\](http://e.example/p.png)" in row                  # no image is loaded from the server's URL
    assert row.count(" | ") == 3                                   # four cells, whatever the message holds


def test_a_baselined_run_says_so(tmp_path) -> None:
    run = results(requirement("RZ-JSON", "MUST", "failed", JSON_MESSAGE, known=True, baseline_reason="ticket 1"),
                  baseline={"file": "baseline.toml", "known": ["RZ-JSON"], "new": [], "worse": [], "expired": [],
                            "fixed": [], "gate_exit_code": 0})
    text = github_summary(run, tmp_path, {"GITHUB_STEP_SUMMARY": str(tmp_path / "s.md")})
    assert text is not None
    assert "Baseline baseline.toml applied: 1 known, 0 new, 0 worse, 0 expired, 0 fixed; the gate passed." in text
    assert "| RZ-JSON | MUST | failed (known) |" in text


def test_an_unwritable_summary_file_is_skipped_silently(tmp_path) -> None:
    assert github_summary(NON_CONFORMANT, tmp_path, {"GITHUB_STEP_SUMMARY": str(tmp_path)}) is None   # a folder
    missing = tmp_path / "no" / "such" / "dir" / "summary.md"
    assert github_summary(NON_CONFORMANT, tmp_path, {"GITHUB_STEP_SUMMARY": str(missing)}) is None
    assert github_summary(NON_CONFORMANT, tmp_path, {"GITHUB_STEP_SUMMARY": "bad\x00name"}) is None


# -- annotations --------------------------------------------------------------------------------
def test_one_annotation_per_failed_or_warned_requirement() -> None:
    assert github_annotations(NON_CONFORMANT) == [
        f"::error title=RZ-JSON::{JSON_MESSAGE}",
        f"::warning title=RZ-HTTPS::{HTTPS_MESSAGE}",
    ]


def test_a_known_failure_is_a_notice() -> None:
    run = results(requirement("RZ-JSON", "MUST", "failed", JSON_MESSAGE, known=True))
    assert github_annotations(run) == [
        f"::notice title=RZ-JSON (known failure)::accepted by the baseline: {JSON_MESSAGE}"]


def test_annotations_escape_what_github_requires() -> None:
    run = results(requirement("RZ-NULL", "MUST", "failed", "100% broken\r\n::set-env name=X::y"))
    [line] = github_annotations(run)
    assert line == "::error title=RZ-NULL::100%25 broken%0D%0A::set-env name=X::y"
    assert "\n" not in line and "\r" not in line
    assert escape_data("a%b\nc\rd") == "a%25b%0Ac%0Dd"
    assert "\x1b" not in escape_data("302 redirecting to \x1b[2J\x1b]0;owned\x07")   # no terminal escape
    assert escape_property("RZ-X: a, b%\n") == "RZ-X%3A a%2C b%25%0A"


def test_a_failure_without_a_message_uses_the_reason_or_title() -> None:
    run = results(requirement("RZ-JSON", "MUST", "failed"))
    assert github_annotations(run) == ["::error title=RZ-JSON::RZ-JSON title"]


def test_in_github_actions() -> None:
    assert in_github_actions({"GITHUB_ACTIONS": "true"})
    assert not in_github_actions({}) and not in_github_actions({"GITHUB_ACTIONS": "false"})
