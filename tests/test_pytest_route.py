"""The pytest route is a good citizen: the suite under plain pytest with the same options as
`conformance run`, the requirement marker registered, deselection meaning "not certified", the
suite's words in the terminal and JUnit, and nothing at all in another project's pytest."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from junitparser import JUnitXml

from conformance.options import OPTIONS

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ROOMZ_", "ROOMONITOR_", "CONFORMANCE_"))}
ROUTE = ["-p", "conformance.runner.plugin", "--pyargs", "conformance.suite", "-p", "no:cacheprovider",
         "-p", "no:xdist", "-p", "no:randomly", "-p", "no:benchmark"]


def pytest_run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", *args], capture_output=True, text=True, env=ENV, cwd=cwd,
                          timeout=180)


def test_strict_markers_and_the_suites_words(tmp_path: Path) -> None:
    proc = pytest_run(tmp_path, *ROUTE, "--strict-markers", "-rA", "--conformance-profile", "quick",
                      "--conformance-report-dir", str(tmp_path / "r"), "--junitxml", str(tmp_path / "j.xml"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "PytestUnknownMarkWarning" not in proc.stdout + proc.stderr
    assert "warning" in proc.stdout and "xfail" not in proc.stdout.lower()
    assert json.loads((tmp_path / "r" / "results.json").read_text())["verdict"] == "conformant"


def test_deselection_means_not_certified_never_failed(tmp_path: Path) -> None:
    proc = pytest_run(tmp_path, *ROUTE, "-k", "AUTH", "--conformance-profile", "quick",
                      "--conformance-report-dir", str(tmp_path / "r"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    for entry in results["requirements"]:
        if "AUTH" in entry["id"]:
            assert entry["status"] in ("passed", "warning"), entry
        else:
            assert entry["status"] == "skipped" and entry["certified"] is False, entry
            assert "not the run ended" not in entry["reason"] and "deselected" in entry["reason"]
    assert results["verdict"] == "conformant"


def test_a_certification_refuses_a_deselection(tmp_path: Path) -> None:
    proc = pytest_run(tmp_path, *ROUTE, "-k", "AUTH", "--conformance-certify", "--conformance-report-dir",
                      str(tmp_path / "r"))
    assert proc.returncode == 4 and "verifies every requirement" in proc.stdout + proc.stderr, proc.stdout[-2000:]


def test_every_option_of_conformance_run_exists_under_pytest(tmp_path: Path) -> None:
    proc = pytest_run(tmp_path, "-p", "conformance.runner.plugin", "--help")
    assert proc.returncode == 0, proc.stderr
    for option in OPTIONS:
        assert f"--conformance-{option.name}" in proc.stdout, option.name


def test_the_pytest_route_checks_options_like_the_cli(tmp_path: Path) -> None:
    proc = pytest_run(tmp_path, *ROUTE, "--conformance-base-url", "ftp://nowhere",
                      "--conformance-requirement", "RZ-ROOMS")
    assert proc.returncode == 4 and "must start with http:// or https://" in proc.stderr, proc.stdout + proc.stderr


def test_another_projects_pytest_is_untouched(tmp_path: Path) -> None:
    (tmp_path / "test_theirs.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    helptext = pytest_run(tmp_path, "--help")
    assert "conformance" not in helptext.stdout.lower(), helptext.stdout
    result = pytest_run(tmp_path, "-q", "-p", "no:cacheprovider")
    assert result.returncode == 0 and "1 passed" in result.stdout
    assert "conformance" not in (result.stdout + result.stderr).lower()


@pytest.fixture(scope="module")
def junit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("junit")
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--profile", "quick", "--reference-fault",
                           "any-organizer", "--report-dir", str(out), "--quiet"],
                          capture_output=True, text=True, env=ENV,
                          timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out / "junit.xml"


def test_junit_records_a_warning_as_a_passed_case_carrying_it(junit: Path) -> None:
    """Parsed by a JUnit consumer: a SHOULD finding is a passed test case with the warning
    visible (a property and system-out), never a skip that CI dashboards count as not run."""
    cases = {case.name: case for suite in JUnitXml.fromfile(str(junit)) for case in suite}
    warned = cases["RZ-CREATE-UNKNOWN-ORGANIZER"]
    assert warned.is_passed and not warned.is_skipped, warned.result
    props = {p.get("name"): p.get("value") for p in warned._elem.iter("property")}
    assert props["status"] == "warning" and "RZ-CREATE-UNKNOWN-ORGANIZER expects 404" in props["warning"]
    assert "RZ-CREATE-UNKNOWN-ORGANIZER expects 404" in (warned.system_out or "")
    assert cases["RZ-ROOMS"].is_passed and len(cases) == 32
