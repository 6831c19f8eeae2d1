"""Each failure carries the evidence to see and rerun it: request and response headers, the
request body, set-up steps with their answers' status, the traffic.har entry, time and latency;
and a reproduce line that runs as it stands, even for a token of the suite's own login."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.reference_server import ReferenceServer

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ROOMZ_", "ROOMONITOR_", "CONFORMANCE_"))}


def run(folder: Path, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--profile", "quick", "--report-dir",
                           str(folder), *args], capture_output=True, text=True, env=ENV, timeout=240)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def failure(results: dict, rid: str) -> dict:
    (entry,) = [r for r in results["requirements"] if r["id"] == rid]
    assert entry["failures"], entry
    return entry["failures"][0]


@pytest.fixture(scope="module")
def roomz(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("evidence")
    return folder, run(folder, "--reference-fault", "no-challenge", "--reference-fault", "create-drops-subject")


def test_a_missing_header_is_shown_with_the_headers_that_came(roomz) -> None:
    folder, results = roomz
    ev = failure(results, "RZ-AUTH-CHALLENGE")["evidence"]
    names = [k.lower() for k, _ in ev["response_headers"]]
    assert "content-type" in names and "www-authenticate" not in names
    assert ev["latency_ms"] >= 0 and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", ev["sent_at"])
    har = json.loads((folder / "traffic.har").read_text(encoding="utf-8"))
    comments = [e["comment"] for e in har["log"]["entries"]]
    assert any(c.startswith(f"#{ev['har_entry']} ") for c in comments), "the HAR entry named is not in traffic.har"
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert 'class="headers"' in page and f"#{ev['har_entry']}" in page and 'href="traffic.har"' in page


def test_request_headers_are_redacted_and_steps_say_how_they_were_answered(roomz) -> None:
    _, results = roomz
    f = failure(results, "RZ-CREATE-PERSIST")
    assert ["Authorization", "[REDACTED]"] in f["evidence"]["request_headers"]
    assert f["steps"] and all(re.search(r" → (\d{3}|no answer)$", s) for s in f["steps"]), f["steps"]
    post = next(r for r in results["requirements"] if r["id"] == "RZ-CREATE")
    assert post["status"] == "passed"


def test_a_roomonitor_reproduce_line_with_the_suites_own_login_token_runs(tmp_path: Path) -> None:
    results = run(tmp_path, "--api", "roomonitor", "--reference-fault", "rm-logout-keeps-token")
    line = failure(results, "RM-LOGOUT")["reproduce"]
    assert "[REDACTED]" not in line and "$ROOMONITOR_LOGIN_PASSWORD" in line
    with ReferenceServer(api="roomonitor") as srv:
        line = re.sub(r"http://127\.0\.0\.1:\d+", srv.url, line)
        c = srv.credentials
        env = {**ENV, "ROOMONITOR_USER_ID": c["user_id"], "ROOMONITOR_LOGIN_EMAIL": c["login_email"],
               "ROOMONITOR_LOGIN_PASSWORD": c["login_password"], "PATH": os.pathsep.join(
                   [str(Path(sys.executable).parent), ENV.get("PATH", "")])}
        proc = subprocess.run(["bash", "-c", line.replace("curl -i", "curl -s -i", 1)], capture_output=True,
                              text=True, env=env, timeout=60)
    assert proc.stdout.startswith("HTTP/1.1 200"), proc.stdout[:300] + proc.stderr[-500:]
