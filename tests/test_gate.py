"""The CI gate vendors keep, end to end: a configuration file, a baseline of known failures,
certification refusing baselines, run-to-run diffs, GitHub summaries, polite traffic.

Real subprocesses against the bundled reference server (or one started here), real files."""
from __future__ import annotations

import json
import os
import socket
import socketserver
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conformance.reference_server import DEFAULTS, ReferenceServer
from tests.helpers import run_engine

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ROOMZ_", "ROOMONITOR_", "CONFORMANCE_", "GITHUB_"))}
FAST = ["--profile", "quick", "--requirement", "RZ-NULL", "--requirement", "RZ-UTC", "--requirement", "RZ-ROOMS"]


def conformance(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", *args], capture_output=True, text=True, cwd=cwd,
                          env={**ENV, **(env or {})}, timeout=180)


def results_of(folder: Path) -> dict:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


# -- baseline ------------------------------------------------------------------------------------
def test_a_known_failure_passes_the_gate_and_a_new_one_fails_it(tmp_path: Path) -> None:
    base = tmp_path / "baseline.toml"
    first = conformance("run", *FAST, "--reference-fault", "null-location", "--baseline",
                        str(base), "--baseline-update",
                        "--report-dir", "r1", cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "RZ-NULL" in base.read_text()

    known = conformance("run", *FAST, "--reference-fault", "null-location", "--baseline",
                        str(base), "--report-dir", "r2",
                        cwd=tmp_path)
    assert known.returncode == 0, known.stdout + known.stderr
    assert "known: RZ-NULL" in known.stdout
    results = results_of(tmp_path / "r2")
    assert results["verdict"] == "non-conformant"          # the verdict stays as earned
    assert results["baseline"]["known"] == ["RZ-NULL"] and results["certification"] is False
    assert json.loads((tmp_path / "r2" / "record.json").read_text())["baseline_applied"] is True
    assert conformance("verify", "r2", cwd=tmp_path).returncode == 0

    second = conformance("run", *FAST, "--reference-fault", "null-location", "--reference-fault", "date-offset",
                         "--baseline", str(base), "--report-dir", "r3", cwd=tmp_path)
    assert second.returncode == 1 and "new failure: RZ-UTC" in second.stdout, second.stdout


def test_an_expired_entry_fails_the_gate(tmp_path: Path) -> None:
    base = tmp_path / "known.toml"
    base.write_text('[[known]]\nid = "RZ-NULL"\nreason = "fixed in release 4.2"\nexpires = 2020-01-01\n')
    proc = conformance("run", *FAST, "--reference-fault", "null-location", "--baseline", str(base), "--report-dir", "r",
                       cwd=tmp_path)
    assert proc.returncode == 1 and "expired" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("extra", [["--baseline", "known.toml"], ["--requirement", "RZ-UTC"], ["--read-only"]])
def test_a_certification_run_refuses_what_would_let_it_pass_for_less(tmp_path: Path, extra: list[str]) -> None:
    (tmp_path / "known.toml").write_text('[[known]]\nid = "RZ-NULL"\nreason = "r"\n')
    proc = conformance("run", "--certify", *extra, cwd=tmp_path)
    assert proc.returncode == 2 and "--certify refuses" in proc.stderr, proc.stderr


# -- configuration file ---------------------------------------------------------------------------
def test_a_configuration_file_drives_the_run_and_its_secret_never_shows(tmp_path: Path) -> None:
    """base-url, credentials through ${VAR}, a table per API; the secret appears in no output."""
    secret = "s3cret-from-the-environment"
    with ReferenceServer(api="roomz", password=secret) as srv:
        (tmp_path / "conformance.toml").write_text(
            f'profile = "quick"\nrequirement = ["RZ-ROOMS", "RZ-AUTH-WRONG"]\n\n[roomz]\nbase-url = "{srv.url}"\n'
            'username = "roomz"\npassword = "${SERVER_PASSWORD}"\n')
        proc = conformance("run", "--report-dir", "out", cwd=tmp_path, env={"SERVER_PASSWORD": secret})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = results_of(tmp_path / "out")
    assert results["profile"] == "quick" and results["provenance"]["configuration file"] == "conformance.toml"
    outputs = [proc.stdout, proc.stderr] + [p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir()]
    assert all(secret not in text for text in outputs)


def test_a_bad_key_in_the_configuration_file_is_exit_2_naming_key_and_line(tmp_path: Path) -> None:
    (tmp_path / "conformance.toml").write_text('profile = "quick"\nbse-url = "http://x"\n')
    proc = conformance("run", cwd=tmp_path)
    assert proc.returncode == 2 and "line 2" in proc.stderr and "bse-url" in proc.stderr, proc.stderr


# -- diff ------------------------------------------------------------------------------------------
def test_diff_of_two_runs_says_what_got_worse(tmp_path: Path) -> None:
    for folder, fault in (("a", "null-location"), ("b", "date-offset")):
        conformance("run", *FAST, "--reference-fault", fault, "--report-dir", folder, cwd=tmp_path)
    worse = conformance("diff", "a", "b", cwd=tmp_path)
    assert worse.returncode == 1 and "RZ-UTC" in worse.stdout and "Fixed (1)" in worse.stdout, worse.stdout
    for fmt in ("json", "markdown"):
        out = conformance("diff", "b", "b", "--format", fmt, cwd=tmp_path)
        assert out.returncode == 0 and out.stdout.strip(), out.stderr


# -- GitHub Actions --------------------------------------------------------------------------------
def test_in_github_actions_a_summary_is_appended_and_failures_annotated(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_SERVER_URL": "https://github.com",
           "GITHUB_REPOSITORY": "vendor/connector", "GITHUB_RUN_ID": "42"}
    proc = conformance("run", *FAST, "--reference-fault", "null-location", "--report-dir", "r", cwd=tmp_path, env=env)
    assert proc.returncode == 1
    assert "::error title=RZ-NULL::" in proc.stdout
    text = summary.read_text()
    assert "non-conformant" in text and "RZ-NULL" in text and "actions/runs/42" in text


# -- politeness ------------------------------------------------------------------------------------
def test_answers_429_with_retry_after_are_waited_out_not_judged() -> None:
    result = run_engine("roomz", server_kwargs={"throttle_every": 5}, requirement=("RZ-ROOMS", "RZ-AUTH-MALFORMED"))
    assert result.verdict.verdict == "conformant", result.summary()
    stats = result.results["stats"]
    assert stats["waits"] >= 3 and stats["waited_s"] >= 3


def test_rate_limit_is_kept_as_the_server_sees_it() -> None:
    result = run_engine("roomz", rate_limit=5.0, requirement=("RZ-ROOMS", "RZ-AUTH-MALFORMED"))
    arrivals = sorted(r.at for r in result.server.requests)
    assert len(arrivals) >= 15
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert busiest <= 6, busiest   # 5 a second, with a margin for timer jitter


class _Proxy(socketserver.ThreadingTCPServer):
    """A forward HTTP proxy on loopback, just enough for plain-http requests: it records the
    request lines it forwards."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.lines: list[str] = []


class _ProxyHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while True:
            line = self.rfile.readline().decode("latin-1")
            if not line.strip():
                return
            method, target, version = line.split()
            self.server.lines.append(f"{method} {target}")   # type: ignore[attr-defined]
            headers, length = [], 0
            while (h := self.rfile.readline().decode("latin-1")) not in ("\r\n", "\n", ""):
                if h.lower().startswith("content-length:"):
                    length = int(h.split(":", 1)[1])
                if not h.lower().startswith(("proxy-", "connection")):
                    headers.append(h)
            body = self.rfile.read(length) if length else b""
            url = urlsplit(target)
            with socket.create_connection((url.hostname, url.port)) as upstream:
                path = url.path + (f"?{url.query}" if url.query else "")
                upstream.sendall(
                    f"{method} {path} {version}\r\n{''.join(headers)}Connection: close\r\n\r\n".encode("latin-1") + body
                )
                answer = b""
                while chunk := upstream.recv(65536):
                    answer += chunk
            head, _, rest = answer.partition(b"\r\n\r\n")
            kept = [h for h in head.split(b"\r\n") if not h.lower().startswith(b"connection")]
            self.wfile.write(b"\r\n".join(kept) + b"\r\nConnection: close\r\n\r\n" + rest)
            return


def test_proxy_carries_every_request() -> None:
    proxy = _Proxy()
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        result = run_engine("roomz", proxy=f"http://127.0.0.1:{proxy.server_address[1]}",
                            requirement=("RZ-ROOMS", "RZ-AUTH-MISSING"))
    finally:
        proxy.shutdown()
    assert result.verdict.verdict == "conformant", result.summary()
    assert len(proxy.lines) == result.engine.client.count and all("http://127.0.0.1" in line for line in proxy.lines)
    assert DEFAULTS["password"] not in json.dumps(result.results)


def test_a_gated_run_with_an_unverified_must_requirement_verifies_intact(tmp_path: Path) -> None:
    """A known failure accepted by the baseline next to a MUST requirement the budget left
    unverified: the gate exits 3 (green means tested), and verify finds the folder intact."""
    base = tmp_path / "baseline.toml"
    base.write_text('[[known]]\nid = "RZ-NULL"\nreason = "nulls until release 5"\n')
    proc = conformance("run", "--reference-fault", "null-location", "--max-time", "0.5", "--baseline", str(base),
                       "--report-dir", "out", cwd=tmp_path)
    results = results_of(tmp_path / "out")
    assert any(r["level"] == "MUST" and r["status"] == "skipped" for r in results["requirements"]), results
    assert proc.returncode == 3, proc.stdout + proc.stderr
    verified = conformance("verify", "out", cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_certification_of_roomonitor_needs_the_login_credentials(tmp_path: Path) -> None:
    """Without them RM-LOGIN (a MUST) is left out: a certification cannot leave anything out."""
    with ReferenceServer(api="roomonitor") as srv:
        env = {"ROOMONITOR_USER_ID": srv.credentials["user_id"], "ROOMONITOR_AUTH_TOKEN": srv.credentials["auth_token"]}
        proc = conformance("run", "--certify", "--api", "roomonitor", "--base-url", srv.url, cwd=tmp_path, env=env)
    assert proc.returncode == 2 and "RM-LOGIN" in proc.stderr and "--login-email" in proc.stderr, proc.stderr
