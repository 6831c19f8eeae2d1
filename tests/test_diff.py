"""`conformance diff`: two real runs of the bundled server, each with one fault, compared in every
format; exit 1 exactly when NEW is worse."""
from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.diff import DiffError, compare, load_results, main, markdown_cell, render
from conformance.results import Results, verdict_of_results
from tests.helpers import run_engine


def _two_runs() -> list[dict[str, Any]]:
    """OLD breaks RZ-JSON, NEW breaks RZ-NULL instead (both warn on RZ-HTTPS: plain http)."""
    return [run_engine("roomz", faults=["text-content-type"]).results,
            run_engine("roomz", faults=["null-location"]).results]


def _once_per_session(tmp_path_factory: pytest.TempPathFactory, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` in one xdist worker only; the others read its JSON (the runs cost seconds, and
    both workers would otherwise repeat them). Without xdist, or if the computing worker never
    finishes, it is simply computed here."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return compute()
    shared = tmp_path_factory.getbasetemp().parent          # one folder per session, common to workers
    data, lock = shared / f"{name}.json", shared / f"{name}.lock"
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if data.is_file():
                return json.loads(data.read_text(encoding="utf-8"))
            if not lock.exists():                               # the other worker failed: try here
                break
            time.sleep(0.05)
        return compute()
    try:
        value = compute()
    except BaseException:
        lock.unlink()
        raise
    partial = shared / f"{name}.{os.getpid()}.tmp"
    partial.write_text(json.dumps(value), encoding="utf-8")
    os.replace(partial, data)
    return value


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[dict[str, Any], dict[str, Any]]:
    old, new = _once_per_session(tmp_path_factory, "diff-runs", _two_runs)
    return old, new


def compare_json(old: dict[str, Any], new: dict[str, Any], **kw: Any):
    """compare() of two results.json documents (the typed model, read as verify and diff read it)."""
    return compare(Results.from_json(old), Results.from_json(new), **kw)


def req(results: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(r for r in results["requirements"] if r["id"] == rid)


def edited(results: dict[str, Any], **statuses: str) -> dict[str, Any]:
    """A copy with some statuses changed (``RZ_NULL="passed"``) and its verdict recomputed."""
    out = copy.deepcopy(results)
    for key, status in statuses.items():
        entry = req(out, key.replace("_", "-"))
        entry["status"] = status
        if status in ("passed", "skipped"):
            entry["failures"] = []
        if status == "skipped":
            entry["reason"] = "the run's time budget (120 s, --max-time) was spent"
    out["verdict"] = verdict_of_results(out)
    return out


def save(path: Path, results: dict[str, Any]) -> str:
    path.write_text(json.dumps(results), encoding="utf-8")
    return str(path)


def test_the_runs_differ_as_their_faults_say(runs) -> None:
    old, new = runs
    assert (req(old, "RZ-JSON")["status"], req(new, "RZ-JSON")["status"]) == ("failed", "passed")
    assert (req(old, "RZ-NULL")["status"], req(new, "RZ-NULL")["status"]) == ("passed", "failed")


def test_compare_sorts_the_changes(runs) -> None:
    old, new = runs
    diff = compare_json(old, new)
    assert [c.id for c in diff.newly_failing] == ["RZ-NULL"]
    assert [c.id for c in diff.fixed] == ["RZ-JSON"]
    assert diff.newly_skipped == [] and diff.changed == []
    assert not diff.verdict_changed and diff.old.verdict == diff.new.verdict == "non-conformant"
    null = diff.newly_failing[0]
    assert (null.level, null.old_status, null.new_status) == ("MUST", "passed", "failed")
    assert null.new_message.startswith("RZ-NULL expects")
    assert diff.worse and diff.why_worse() == ["1 newly failing"]


def test_the_same_run_twice_is_not_worse(runs) -> None:
    _, new = runs
    diff = compare_json(new, copy.deepcopy(new))
    assert not diff.worse
    assert diff.newly_failing == diff.fixed == diff.newly_skipped == diff.changed == []


def test_fixing_everything_improves_the_verdict(runs) -> None:
    _, new = runs
    fixed = edited(new, RZ_NULL="passed", RZ_HTTPS="passed")
    diff = compare_json(new, fixed)
    assert diff.new.verdict == "conformant" and diff.verdict_changed and not diff.verdict_worse
    assert [c.id for c in diff.fixed] == ["RZ-NULL", "RZ-HTTPS"] and not diff.worse


def test_a_must_no_longer_verified_is_worse_a_should_is_not(runs) -> None:
    _, new = runs
    diff = compare_json(new, edited(new, RZ_IMAGE="skipped"))
    assert [c.id for c in diff.newly_skipped] == ["RZ-IMAGE"]
    assert not diff.worse
    diff = compare_json(new, edited(new, RZ_ROOMS="skipped"))
    assert [c.id for c in diff.newly_skipped] == ["RZ-ROOMS"]
    assert diff.newly_skipped[0].new_message.startswith("the run's time budget")
    assert diff.worse and "MUST no longer verified: RZ-ROOMS" in diff.why_worse()


def test_a_warning_that_now_fails_is_newly_failing(runs) -> None:
    _, new = runs
    diff = compare_json(new, edited(new, RZ_HTTPS="failed"))
    assert [(c.id, c.old_status, c.new_status) for c in diff.newly_failing] == [("RZ-HTTPS", "warning", "failed")]
    diff = compare_json(edited(new, RZ_HTTPS="failed"), new)
    assert [(c.id, c.what) for c in diff.changed] == [("RZ-HTTPS", "failed -> warning")] and not diff.worse


def test_a_different_first_message_level_or_notes_is_a_change(runs) -> None:
    _, new = runs
    other = copy.deepcopy(new)
    req(other, "RZ-NULL")["failures"][0]["message"] = "RZ-NULL expects no null; /0/subject is null"
    req(other, "RZ-ROOMS")["notes"] = ["3 rooms listed"]
    diff = compare_json(new, other)
    assert [(c.id, c.what) for c in diff.changed] == [("RZ-NULL", "first message"), ("RZ-ROOMS", "notes")]
    assert not diff.worse


def test_a_verdict_that_drops_is_worse(runs) -> None:
    _, new = runs
    clean = edited(new, RZ_NULL="passed")
    incomplete = edited(clean, RZ_MEETINGS="skipped")
    assert incomplete["verdict"] == "incomplete"
    diff = compare_json(clean, incomplete)
    assert diff.verdict_worse and diff.worse


def test_runs_of_different_apis_cannot_be_compared(runs) -> None:
    old, _ = runs
    with pytest.raises(DiffError, match="compare runs of one API"):
        compare_json(old, dict(old, api="roomonitor"))


# -- rendering ----------------------------------------------------------------------------------
def test_text_format(runs) -> None:
    text = render(compare_json(*runs), "text")
    assert text.startswith("conformance diff (roomz)\n")
    assert "Verdict: non-conformant -> non-conformant (unchanged)" in text
    assert "Newly failing (1):\n  RZ-NULL" in text
    assert "Fixed (1):\n  RZ-JSON" in text
    assert "Newly skipped (0): none" in text and "Changed (0): none" in text
    assert text.rstrip().endswith("NEW is worse: 1 newly failing (exit 1)")


def test_json_format(runs) -> None:
    data = json.loads(render(compare_json(*runs), "json"))
    assert data["worse"] is True and data["api"] == "roomz"
    assert data["verdict"] == {"old": "non-conformant", "new": "non-conformant", "changed": False, "worse": False}
    assert [c["id"] for c in data["newly_failing"]] == ["RZ-NULL"]
    assert data["fixed"][0]["old_status"] == "failed" and data["fixed"][0]["new_status"] == "passed"
    assert data["newly_skipped"] == [] and data["changed"] == []


def test_markdown_format(runs) -> None:
    old, new = runs
    hostile = copy.deepcopy(new)
    req(hostile, "RZ-NULL")["failures"][0]["message"] = "RZ-NULL | <img src=x> [click](http://e.example)\nnext"
    md = render(compare_json(old, hostile), "markdown")
    assert md.startswith("### conformance diff (roomz)")
    assert "| verdict | **non-conformant** | **non-conformant** |" in md
    assert "**Newly failing (1)**" in md and "**Fixed (1)**" in md and "**Newly skipped (0)**: none" in md
    row = next(line for line in md.splitlines() if line.startswith("| `RZ-NULL`"))
    assert row.count(" | ") == 5                                     # six cells: the | in the message is escaped
    assert "\\|" in row and "\\<img" in row and "\\[click\\]" in row and "\n" not in row
    assert "**Result:** NEW is worse" in md


def test_unknown_format_is_refused(runs) -> None:
    with pytest.raises(DiffError, match="unknown format"):
        render(compare_json(*runs), "yaml")


def test_markdown_cell_keeps_one_line_and_escapes() -> None:
    assert markdown_cell("a|b\r\nc  d") == "a\\|b c d"
    assert markdown_cell("x" * 400).endswith("…") and len(markdown_cell("x" * 400)) == 300
    assert markdown_cell(None) == ""
    assert markdown_cell("Q&A <b>") == "Q&amp;A \\<b\\>"


# -- the command --------------------------------------------------------------------------------
def test_main_exit_codes_and_formats(runs, tmp_path, capsys) -> None:
    old, new = runs
    a, b = save(tmp_path / "old.json", old), save(tmp_path / "new.json", new)
    assert main(a, b, "text") == 1
    out = capsys.readouterr().out
    assert f"OLD: {a} (" in out and "Newly failing (1):" in out
    assert main(b, b, "json") == 0
    assert json.loads(capsys.readouterr().out)["worse"] is False
    assert main(a, b, "markdown") == 1
    assert capsys.readouterr().out.startswith("### conformance diff")
    fixed = save(tmp_path / "fixed.json", edited(new, RZ_NULL="passed"))
    assert main(b, fixed, "text") == 0
    assert "NEW is not worse (exit 0)" in capsys.readouterr().out


def test_main_takes_report_folders(runs, tmp_path, capsys) -> None:
    old, new = runs
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    save(tmp_path / "old" / "results.json", old)
    save(tmp_path / "new" / "results.json", new)
    assert main(str(tmp_path / "old"), str(tmp_path / "new"), "text") == 1
    assert "RZ-NULL" in capsys.readouterr().out
    assert load_results(tmp_path / "new").verdict == "non-conformant"


@pytest.mark.parametrize("content, message", [
    (None, "no such file or folder"),
    ("{not json", "is not valid JSON"),
    ('{"verdict": "conformant"}', "is not a results.json of conformance: it has no requirements list"),
    ('{"verdict": "green", "requirements": []}', "unknown verdict 'green'"),
    ('[1, 2]', "the top level is not an object"),
    ('{"verdict": "conformant", "requirements": [{"id": "RZ-UTC", "status": "ok"}]}', "unknown status"),
])
def test_unusable_input_is_exit_2_with_one_sentence(runs, tmp_path, capsys, content, message) -> None:
    good = save(tmp_path / "good.json", runs[1])
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    assert main(str(bad), good, "text") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("conformance diff: ") and message in captured.err
    assert captured.err.count("\n") == 1


def test_a_folder_without_results_and_a_bad_format_are_exit_2(runs, tmp_path, capsys) -> None:
    good = save(tmp_path / "good.json", runs[1])
    (tmp_path / "empty").mkdir()
    assert main(str(tmp_path / "empty"), good, "text") == 2
    assert "is a folder without a results.json" in capsys.readouterr().err
    assert main(good, good, "html") == 2
    assert "unknown format 'html'" in capsys.readouterr().err
