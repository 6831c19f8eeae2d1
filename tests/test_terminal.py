"""The terminal's own words: blocked requirements told once, grouped with the fix; counts that
agree with their nouns; every report named; `serve --list-faults` readable in a terminal; a
mistyped fault answered with a suggestion. Real subprocesses against the bundled server."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.report.text import closing_summary, not_verified
from conformance.results import Results

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ROOMZ_", "ROOMONITOR_", "CONFORMANCE_"))}


def conformance(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", *args], capture_output=True, text=True,
                          env={**ENV, **env}, timeout=240)


@pytest.fixture(scope="module")
def blocked_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """GET /rooms answers HTML: everything that needs a room is blocked by RZ-ROOMS."""
    out = tmp_path_factory.mktemp("blocked")
    proc = conformance("run", "--profile", "quick", "--report-dir", str(out), "--reference-fault", "rooms-html",
                       "--reference-fault", "no-challenge", "--sign-key", str(_key(out)))
    return proc, out


def _key(folder: Path) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = folder.parent / f"{folder.name}-key.pem"
    path.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return path


def test_blocked_requirements_are_told_once_grouped_with_the_fix(blocked_run) -> None:
    proc, out = blocked_run
    assert proc.returncode == 1, proc.stdout + proc.stderr
    text = proc.stdout
    assert text.count("blocked by RZ-ROOMS") == 1, text
    assert "To judge them: fix RZ-ROOMS, or pass --room-id." in text
    group = text[text.index("Not verified ("):text.index("Verdict:")]
    for rid in ("RZ-CREATE", "RZ-MEETINGS-WINDOW", "RZ-UPDATE-CONFLICT"):
        assert rid in group


def test_counts_agree_with_their_nouns(blocked_run) -> None:
    proc, _ = blocked_run
    assert not re.search(r"\b1 requests\b|\b[02-9]\d* warning\b|\b1\d+ warning\b", proc.stdout), proc.stdout
    assert re.search(r"\b2 warnings\b", proc.stdout)


def test_the_reports_line_names_every_file_written(blocked_run) -> None:
    proc, out = blocked_run
    line = next(x for x in proc.stdout.splitlines() if x.startswith("Reports: "))
    for name in ("results.json", "report.html", "traffic.har", "junit.xml", "record.json", "record.json.sig"):
        assert str(out / name) in line, line
        assert (out / name).exists()


def test_not_verified_groups_other_reasons_by_their_text() -> None:
    results = Results.from_json({"requirements": [
        {"id": "A", "status": "skipped", "reason": "the run's time budget (2 s, --max-time) was spent"},
        {"id": "B", "status": "skipped", "reason": "the run's time budget (2 s, --max-time) was spent"},
        {"id": "C", "status": "skipped", "blocked_by": "RZ-CREATE",
         "reason": "blocked by RZ-CREATE (every POST was refused (400)); pass --organizer-id to judge the rest"},
        {"id": "D", "status": "skipped", "certified": False, "reason": "not selected"},
    ], "stats": {"requests": 1, "duration_s": 0.1}, "verdict": "incomplete", "seed": 1, "profile": "quick"})
    groups = not_verified(results)
    assert [(g.cause, g.ids, g.fix) for g in groups] == [
        ("the run's time budget (2 s, --max-time) was spent", ["A", "B"], None),
        ("blocked by RZ-CREATE (every POST was refused (400))", ["C"], "fix RZ-CREATE, or pass --organizer-id")]
    assert "1 request " not in " ".join(closing_summary(results))


def test_list_faults_fits_a_terminal_and_a_typo_gets_a_suggestion() -> None:
    listing = conformance("serve", "--list-faults", COLUMNS="100")
    assert listing.returncode == 0
    too_long = [line for line in listing.stdout.splitlines() if len(line) > 100]
    assert not too_long, too_long[:3]
    typo = conformance("serve", "--fault", "rooms-wraped", "--port", "0")
    assert typo.returncode == 2
    assert "did you mean 'rooms-wrapped'" in typo.stderr, typo.stderr
