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
    """Exit 2, the slip told once in one sentence (at most 20 lines in all), nothing failed for
    it, and never called "incomplete": not on the terminal, in results.json, the report or the record."""
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("conformance: configuration error:"), proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert len((proc.stdout + proc.stderr).splitlines()) <= 20, proc.stdout + proc.stderr
    told = (proc.stdout + proc.stderr).count(words[0])
    assert told == 1, f"the slip was told {told} times:\n{proc.stdout}{proc.stderr}"
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert not [r["id"] for r in results["requirements"] if r["status"] == "failed"]
    assert words[0] in results["configuration_error"] and results["verdict"] == "configuration error"
    assert not any(words[0] in r.get("reason", "") for r in results["requirements"])   # told once there too
    html = (tmp_path / "out" / "report.html").read_text()
    assert "Configuration error" in html
    for name in ("results.json", "report.html", "record.json", "junit.xml"):
        assert "incomplete" not in (tmp_path / "out" / name).read_text(), name
    assert "incomplete" not in proc.stdout + proc.stderr
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


# -- slips only the run itself can see (issue 17) ------------------------------------------------------
def test_an_organizer_the_server_refuses_as_unknown(tmp_path: Path, roomz) -> None:
    """The server's 404 to a POST with an --organizer-id it does not know is right: the slip is
    the vendor's, not RZ-CREATE's failure, and nothing is blamed on RZ-CREATE."""
    proc = run(tmp_path, "--base-url", roomz.url, "--organizer-id", "nobody-knows-me", env=ROOMZ)
    results = assert_configuration_error(proc, tmp_path, "refused --organizer-id 'nobody-knows-me' as unknown")
    create = next(r for r in results["requirements"] if r["id"] == "RZ-CREATE")
    assert create["status"] == "skipped" and not create["failures"]


def test_refused_roomonitor_login_credentials(tmp_path: Path, roomonitor) -> None:
    proc = run(tmp_path, "--api", "roomonitor", "--base-url", roomonitor.url,
               env={**ROOMONITOR, "ROOMONITOR_LOGIN_EMAIL": DEFAULTS["login_email"],
                    "ROOMONITOR_LOGIN_PASSWORD": "not-the-password"})
    assert_configuration_error(proc, tmp_path, "refused the given login credentials", "ROOMONITOR_LOGIN_PASSWORD")
    assert "not-the-password" not in proc.stdout + proc.stderr


def test_a_login_refused_in_one_body_form_only_is_still_the_servers_failure(tmp_path: Path) -> None:
    with ReferenceServer(api="roomonitor", faults=["rm-login-json-only"]) as srv:
        proc = run(tmp_path, "--api", "roomonitor", "--base-url", srv.url, "--requirement", "RM-LOGIN",
                   env={**ROOMONITOR, "ROOMONITOR_LOGIN_EMAIL": DEFAULTS["login_email"],
                        "ROOMONITOR_LOGIN_PASSWORD": DEFAULTS["login_password"]})
    assert proc.returncode == 1, proc.stdout + proc.stderr


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_proxy_is_named_as_the_proxy(tmp_path: Path, roomz) -> None:
    proxy = f"http://127.0.0.1:{_closed_port()}"
    proc = run(tmp_path, "--base-url", roomz.url, "--proxy", proxy, env=ROOMZ)
    assert_configuration_error(proc, tmp_path, f"the proxy {proxy} cannot be reached", "check --proxy")
    assert "cannot reach http" not in proc.stdout + proc.stderr   # not the target


def test_a_proxy_that_refuses_to_carry_the_run(tmp_path: Path, roomz) -> None:
    """A proxy answering 407 to everything: its refusal, not the server's answer."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Refuse(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(407)
            self.send_header("Proxy-Authenticate", 'Basic realm="proxy"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_PUT = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        proxy = f"http://127.0.0.1:{server.server_address[1]}"
        proc = run(tmp_path, "--base-url", roomz.url, "--proxy", proxy, env=ROOMZ)
    finally:
        server.shutdown()
        server.server_close()
    assert_configuration_error(proc, tmp_path, f"the proxy {proxy} asks for credentials", "--proxy")


@pytest.mark.parametrize("args, words", [
    (["verify", "{tmp}/nosuch"], "no such report folder"),
    (["verify", "{report}", "--public-key", "{tmp}/nosuch.pem"], "--public-key"),
    (["verify", "{report}", "--public-key", "{report}/results.json"], "cannot be read as a PEM public key"),
    (["diff", "{tmp}/nosuch", "{report}"], "no such file or folder"),
    (["diff", "{report}", "{tmp}"], "a folder without a results.json"),
])
def test_verify_and_diff_usage_errors_are_exit_2_never_not_intact(tmp_path: Path, roomz, args: list[str],
                                                                  words: str) -> None:
    report = tmp_path / "report"
    made = subprocess.run([sys.executable, "-m", "conformance", "run", "--profile", "quick", "--requirement",
                           "RZ-ROOMS", "--report-dir", str(report), "--base-url", roomz.url, "--quiet"],
                          capture_output=True, text=True, env={**ENV, **ROOMZ}, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    argv = [a.format(tmp=tmp_path, report=report) for a in args]
    proc = subprocess.run([sys.executable, "-m", "conformance", *argv], capture_output=True, text=True, env=ENV,
                          timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert words in proc.stderr and "NOT intact" not in proc.stdout + proc.stderr
    assert len((proc.stdout + proc.stderr).splitlines()) <= 20
