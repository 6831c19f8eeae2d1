"""The suite fits a vendor's tools as written: the pre-commit hook of .pre-commit-hooks.yaml and
the GitHub action of action.yml, each exercised in a scratch repository.

pre-commit: `pre-commit try-repo` builds a fresh virtualenv and installs this package with its
dependencies from the package index, which a test cannot count on (offline CI). So pre-commit
itself runs the hook as written (its entry, its file selection by `types` and `files`) from a
local hook whose only change is `language: system`: the suite installed here stands in for the
virtualenv pre-commit would build. The manifest is checked by pre-commit's own schema.

The action: its install steps (setup-python, pip install of this folder) are skipped, as the
test environment has done them; its run step goes through bash exactly as written, with the
`${{ inputs.* }}` expressions filled in as GitHub does, against a reference server on loopback.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.reference_server import ReferenceServer

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = ROOT / "tests" / "data" / "payloads"
ENV = {k: v for k, v in os.environ.items()
       if not k.startswith(("ROOMZ_", "ROOMONITOR_", "CONFORMANCE_", "GITHUB_", "PRE_COMMIT"))}
PATH = os.pathsep.join([str(Path(sys.executable).parent), ENV.get("PATH", "")])


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo, check=True,
                   capture_output=True, timeout=60)


# -- pre-commit ---------------------------------------------------------------------------------
@pytest.fixture
def pms_repo(tmp_path: Path) -> Path:
    """A PMS repository: two payload fixtures (one valid, one breaking RMP rules) and JSON that is no payload."""
    repo = tmp_path / "pms"
    (repo / "fixtures").mkdir(parents=True)
    shutil.copy(PAYLOADS / "doc-v1-example.json", repo / "fixtures" / "bookings-v1.json")
    shutil.copy(PAYLOADS / "doc-v2-custom-insert.json", repo / "fixtures" / "roomonitor-import-v2.json")
    (repo / "fixtures" / "bookings-broken.json").write_text(
        '[{"id": "1", "roomId": "r", "checkin": 1893456000, "checkout": 1893628800000, "guestPhone": "12",'
        ' "guestName": "G", "lang": "xx"}]\n', encoding="utf-8")
    (repo / "package.json").write_text('{"name": "pms", "version": "1.0.0"}\n', encoding="utf-8")
    git(repo, "init", "-q")
    return repo


def test_the_hook_manifest_is_valid_for_pre_commit() -> None:
    pytest.importorskip("pre_commit")
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    assert hook["entry"] == "conformance validate" and hook["language"] == "python"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_runs_the_hook_on_payload_fixtures_only(pms_repo: Path, tmp_path: Path) -> None:
    pytest.importorskip("pre_commit")
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    local = {**hook, "language": "system"}
    (pms_repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}), encoding="utf-8")
    git(pms_repo, "add", "-A")
    env = {**ENV, "PATH": PATH, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--verbose"], cwd=pms_repo,
                              env=env, capture_output=True, text=True, timeout=240)

    broken = run()
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "bookings-broken.json" in broken.stdout and "RMP-" in broken.stdout, broken.stdout
    assert "package.json" not in broken.stdout, "the hook judged JSON that is no payload"
    (pms_repo / "fixtures" / "bookings-broken.json").unlink()
    git(pms_repo, "add", "-A")
    clean = run()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "bookings-v1.json" in clean.stdout and "roomonitor-import-v2.json" in clean.stdout, clean.stdout


# -- the GitHub action --------------------------------------------------------------------------
def _fill(text: str, inputs: dict[str, str]) -> str:
    """GitHub's expressions as the action uses them: ${{ inputs.NAME }} and ${{ github.action_path }}."""
    def value(m: re.Match[str]) -> str:
        expr = m.group(1).strip()
        if expr == "github.action_path":
            return str(ROOT)
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        raise AssertionError(f"action.yml uses an expression this test does not know: {expr}")
    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def action_run(repo: Path, with_: dict[str, str], secrets: dict[str, str]) -> tuple[int, dict[str, str]]:
    """The action's steps as GitHub would run them, but the installs; returns (exit code, outputs)."""
    action: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs.update(with_)
    output_file = repo / "github-output"
    output_file.write_text("")
    code = 0
    for step in action["runs"]["steps"]:
        if "uses" in step or "pip install" in step["run"]:
            continue   # setup-python and the install: done by the test environment
        assert step["shell"] == "bash"
        env = {**ENV, "PATH": PATH, **secrets, "GITHUB_OUTPUT": str(output_file),
               **{k: _fill(str(v), inputs) for k, v in (step.get("env") or {}).items()}}
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", _fill(step["run"], inputs)],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=240)
        code = proc.returncode
        if code:
            break
    outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
    return code, outputs


def test_the_action_gates_a_vendor_server_in_one_step(tmp_path: Path) -> None:
    with ReferenceServer(api="roomz", faults=["null-location"]) as broken:
        secrets = {"ROOMZ_USERNAME": broken.credentials["username"], "ROOMZ_PASSWORD": broken.credentials["password"]}
        code, outputs = action_run(tmp_path, {"base-url": broken.url, "args": "--seed 7 --timeout 5"}, secrets)
    assert (code, outputs.get("exit-code"), outputs.get("verdict")) == (1, "1", "non-conformant")
    reports = tmp_path / "conformance-reports"
    for name in ("report.html", "results.json", "junit.xml", "traffic.har", "record.json"):
        assert (reports / name).exists(), name
    assert broken.credentials["password"] not in (reports / "results.json").read_text(encoding="utf-8")

    with ReferenceServer(api="roomz") as good:
        secrets = {"ROOMZ_USERNAME": good.credentials["username"], "ROOMZ_PASSWORD": good.credentials["password"]}
        code, outputs = action_run(tmp_path, {"base-url": good.url, "report-dir": "out"}, secrets)
    assert (code, outputs.get("verdict")) == (0, "conformant")
    assert (tmp_path / "out" / "report.html").exists()
