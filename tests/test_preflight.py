"""A configuration mistake is not non-conformance: each slip a new vendor makes is exit 2 with
one sentence saying what to fix, no requirement failed because of it, and the reports written
with the reason. Real subprocesses against reference servers on loopback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.reference_server import DEFAULTS, ReferenceServer

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ROOMZ_", "ROOMONITOR_", "CONFORMANCE_"))}
ROOMZ = {"ROOMZ_USERNAME": DEFAULTS["username"], "ROOMZ_PASSWORD": DEFAULTS["password"]}
ROOMONITOR = {"ROOMONITOR_USER_ID": DEFAULTS["user_id"], "ROOMONITOR_AUTH_TOKEN": DEFAULTS["auth_token"]}


def run(tmp_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", "run", "--profile", "quick", "--report-dir",
                           str(tmp_path / "out"), *args], capture_output=True, text=True,
                          env={**ENV, **env}, timeout=120)


def assert_configuration_error(proc: subprocess.CompletedProcess[str], tmp_path: Path, *words: str) -> dict:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("conformance: configuration error:"), proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert "Traceback" not in proc.stdout + proc.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert not [r["id"] for r in results["requirements"] if r["status"] == "failed"]
    assert results["configuration_error"]
    assert all(words[0] in r["reason"] for r in results["requirements"] if r.get("certified") is not False)
    html = (tmp_path / "out" / "report.html").read_text()
    assert "Configuration error" in html
    return results


@pytest.fixture(scope="module")
def roomz():
    with ReferenceServer(api="roomz") as srv:
        yield srv


@pytest.fixture(scope="module")
def roomonitor():
    with ReferenceServer(api="roomonitor") as srv:
        yield srv


def test_no_credentials_names_the_variables_to_set(tmp_path: Path, roomz) -> None:
    proc = run(tmp_path, "--base-url", roomz.url, env={})
    assert_configuration_error(proc, tmp_path, "ROOMZ_USERNAME and ROOMZ_PASSWORD")


def test_a_wrong_password_is_a_refused_credential_not_a_failed_requirement(tmp_path: Path, roomz) -> None:
    proc = run(tmp_path, "--base-url", roomz.url, env={**ROOMZ, "ROOMZ_PASSWORD": "typo"})
    assert_configuration_error(proc, tmp_path, "refused the given credentials", "ROOMZ_PASSWORD")
    assert "typo" not in proc.stderr


def test_a_wrong_roomonitor_token_is_a_refused_credential(tmp_path: Path, roomonitor) -> None:
    proc = run(tmp_path, "--api", "roomonitor", "--base-url", roomonitor.url,
               env={**ROOMONITOR, "ROOMONITOR_AUTH_TOKEN": "not-the-token"})
    assert_configuration_error(proc, tmp_path, "refused the given credentials", "ROOMONITOR_AUTH_TOKEN")


def test_a_room_id_the_server_does_not_list(tmp_path: Path, roomz) -> None:
    proc = run(tmp_path, "--base-url", roomz.url, "--room-id", "nosuchroom", env=ROOMZ)
    assert_configuration_error(proc, tmp_path, "--room-id 'nosuchroom' is not among the rooms")


def test_a_base_url_without_the_servers_path_prefix(tmp_path: Path) -> None:
    with ReferenceServer(api="roomz", prefix="/api/roomz") as srv:
        proc = run(tmp_path, "--base-url", srv.url.rsplit("/api/roomz", 1)[0], env=ROOMZ)
    assert_configuration_error(proc, tmp_path, "check --base-url")


def test_roomonitor_run_against_a_roomz_server(tmp_path: Path, roomz) -> None:
    proc = run(tmp_path, "--api", "roomonitor", "--base-url", roomz.url, env=ROOMONITOR)
    assert_configuration_error(proc, tmp_path, "looks like a ROOMZ connector", "check --api")


def test_roomz_run_against_a_roomonitor_server(tmp_path: Path, roomonitor) -> None:
    proc = run(tmp_path, "--base-url", roomonitor.url, env=ROOMZ)
    assert_configuration_error(proc, tmp_path, "looks like a Roomonitor server", "check --api")


def test_the_self_check_ignores_the_vendors_credentials_and_says_so(tmp_path: Path) -> None:
    """After `export ROOMZ_USERNAME=… ROOMZ_PASSWORD=…` for their own server, a vendor's
    `conformance run` still certifies the bundled server with its own demo credentials."""
    proc = run(tmp_path, env={"ROOMZ_USERNAME": "vendor", "ROOMZ_PASSWORD": "vendor-secret"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ROOMZ_USERNAME, ROOMZ_PASSWORD from the environment are for real servers and were not used" in proc.stdout
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["verdict"] == "conformant" and results["self_check"]["ignored_credentials"]
    assert "vendor-secret" not in proc.stdout + proc.stderr


def test_every_run_starts_with_what_it_certifies(tmp_path: Path, roomz) -> None:
    proc = run(tmp_path, "--base-url", roomz.url, "--requirement", "RZ-ROOMS", "--seed", "7", env=ROOMZ)
    head = proc.stdout.splitlines()[:2]
    assert head[0] == f"conformance: roomz API at {roomz.url}", head
    assert "profile quick" in head[1] and "seed 7" in head[1] and "budget 120 s" in head[1], head


def test_max_time_bounds_the_whole_run_generated_phase_included(tmp_path: Path) -> None:
    import time

    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--max-time", "2", "--report-dir",
                           str(tmp_path / "out"), "--quiet"], capture_output=True, text=True, env=ENV, timeout=120)
    elapsed = time.monotonic() - started
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["stats"]["duration_s"] < 2 + 2.5, results["stats"]   # 2 s, the request in flight, the release
    assert elapsed < 15, elapsed                                          # interpreter start and reports included
    assert proc.returncode in (0, 3), proc.stdout + proc.stderr
