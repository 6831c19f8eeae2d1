"""The command line as a CI gate sees it: real subprocesses, real reports, docs/interface.md exit codes."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conformance.requirements import load_catalog

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ROOMZ_", "ROOMONITOR_", "CONFORMANCE_"))}


def conformance(*args: str, env: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "conformance", *args], capture_output=True, text=True,
                          env={**ENV, **(env or {})}, timeout=timeout)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`conformance run` with no target: certifies the bundled reference server."""
    out = tmp_path_factory.mktemp("demo")
    proc = conformance("run", "--profile", "quick", "--report-dir", str(out))
    return proc, out


def test_demo_run_is_conformant_with_exit_0(demo) -> None:
    proc, out = demo
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Verdict: conformant" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_results_json_follows_the_interface(demo) -> None:
    _, out = demo
    results = json.loads((out / "results.json").read_text())
    for key in ("catalog_version", "tool", "api", "target", "profile", "seed", "read_only", "spec_sha256",
                "started_at", "finished_at", "verdict", "requirements", "stats"):
        assert key in results, key
    assert results["tool"] == {"name": "conformance", "version": "0.1.0"}
    assert results["verdict"] == "conformant"
    ids = [r["id"] for r in results["requirements"]]
    assert ids == load_catalog().ids("roomz")
    for r in results["requirements"]:
        assert r["status"] in ("passed", "failed", "warning", "skipped")
        assert isinstance(r["failures"], list)
        if r["status"] == "skipped":
            assert r["reason"]
    assert set(results["stats"]) >= {"requests", "duration_s"}
    assert len(results["spec_sha256"]) == 64


def test_junit_has_one_case_per_requirement_named_by_id(demo) -> None:
    _, out = demo
    cases = ET.parse(out / "junit.xml").getroot().iter("testcase")
    names = sorted(c.get("name") for c in cases)
    assert names == sorted(load_catalog().ids("roomz"))


def test_html_report_opens_with_verdict_table_and_provenance(demo) -> None:
    _, out = demo
    html = (out / "report.html").read_text()
    assert "Verdict: conformant" in html
    assert html.index("Verdict: conformant") < html.index('id="requirements"') < html.index('id="provenance"')
    for label in ("catalog version", "spec SHA-256", "seed", "profile"):
        assert label in html
    assert "roomz-secret" not in html


def test_fault_makes_exit_1_and_the_report_explains(tmp_path) -> None:
    proc = conformance("run", "--profile", "quick", "--report-dir", str(tmp_path), "--reference-fault", "null-location")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["verdict"] == "non-conformant"
    failed = [r for r in results["requirements"] if r["status"] == "failed"]
    assert [r["id"] for r in failed] == ["RZ-NULL"]
    failure = failed[0]["failures"][0]
    assert failure["reproduce"].startswith("curl ")
    assert "$ROOMZ_USERNAME:$ROOMZ_PASSWORD" in failure["reproduce"]
    assert "roomz-secret" not in json.dumps(results)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_target_is_exit_3_with_one_sentence(tmp_path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    proc = conformance("run", "--base-url", url, "--report-dir", str(tmp_path),
                       env={"ROOMZ_USERNAME": "u", "ROOMZ_PASSWORD": "p"})
    assert proc.returncode == 3
    assert f"cannot reach {url}" in proc.stderr and "connection refused" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert json.loads((tmp_path / "results.json").read_text())["verdict"] == "incomplete"


@pytest.mark.parametrize("args", [["run", "--profile", "slow"], ["run", "--base-url", "ftp://x"],
                                  ["run", "--requirement", "RZ-NOPE"],
                                  ["nonsense"], ["run", "--reference-fault", "no-such-fault"],
                                  ["run", "--base-url", ""],
                                  ["run", "--base-url", "http://127.0.0.1:99999"],
                                  ["run", "--base-url", "http://x/?q=1"],
                                  ["run", "--base-url", "https://vendor:s3cret@booking.example.com/api"],
                                  ["run", "--max-body", "0"], ["run", "--timeout", "nan"], ["serve", "--port", "99999"],
                                  ["run", "--api", "roomonitor", "--reference-fault", "date-offset"]])
def test_usage_errors_exit_2(args) -> None:
    proc = conformance(*args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "s3cret" not in proc.stdout + proc.stderr   # a password in the URL is refused, never echoed


def test_an_empty_target_variable_is_a_usage_error_not_a_green_demo(tmp_path) -> None:
    """A CI gate whose CONFORMANCE_BASE_URL is set but empty must not certify the bundled server."""
    proc = conformance("run", "--report-dir", str(tmp_path), env={"CONFORMANCE_BASE_URL": ""})
    assert proc.returncode == 2 and "--base-url" in proc.stderr
    assert not (tmp_path / "results.json").exists()


def test_requirements_command_prints_the_catalog() -> None:
    text = conformance("requirements")
    assert text.returncode == 0 and "RZ-UTC" in text.stdout and "RMP-UNIQUE" in text.stdout
    data = json.loads(conformance("requirements", "--format", "json").stdout)
    assert data["catalog_version"] == 2
    assert [r["id"] for r in data["requirements"]] == load_catalog().ids()


def test_credentials_from_environment_and_selection(tmp_path) -> None:
    """--requirement certifies a selection; the rest is listed as not certified, not failed."""
    proc = conformance("run", "--profile", "quick", "--report-dir", str(tmp_path), "--requirement", "RZ-ROOMS",
                       "--requirement", "RZ-AUTH-WRONG")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    statuses = {r["id"]: r["status"] for r in results["requirements"]}
    assert statuses["RZ-ROOMS"] == "passed" and statuses["RZ-AUTH-WRONG"] == "passed"
    assert statuses["RZ-CREATE"] == "skipped"


def test_same_suite_runs_under_plain_pytest(tmp_path) -> None:
    """Vendors who already use pytest: `pytest --pyargs conformance.suite` plus options."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conformance.runner.plugin", "--pyargs", "conformance.suite",
         "-p", "no:cacheprovider", "-q",
         "--conformance-profile", "quick", "--conformance-report-dir", str(tmp_path), "--junitxml",
         str(tmp_path / "j.xml")],
        capture_output=True, text=True, env=ENV, timeout=180, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert json.loads((tmp_path / "results.json").read_text())["verdict"] == "conformant"
