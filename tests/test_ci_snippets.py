"""The CI snippets of docs/ci.md work as written: their commands run in a scratch repository.

A vendor copies the GitHub Actions workflow or the GitLab job verbatim; if a flag or a path in
them drifts from what the CLI does, the first build after the copy fails. Each snippet's
commands (all but the install step, which the test environment has done) run here against the
bundled reference server, with the credentials from the environment as the CI secrets would
give them, and the paths the snippet archives (``reports/``, ``reports/junit.xml``) must exist.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.reference_server import ReferenceServer

CI_PAGE = Path(__file__).resolve().parents[1] / "docs" / "ci.md"
BLOCK = re.compile(r"```yaml\n(# (?P<name>[^\n]+)\n.*?)```", re.S)
ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ROOMZ_", "ROOMONITOR_", "CONFORMANCE_", "GITHUB_"))}


def snippets() -> dict[str, Any]:
    """The CI page's YAML blocks by the file name on their first line."""
    text = CI_PAGE.read_text(encoding="utf-8")
    return {m["name"].strip(): yaml.safe_load(m.group(1)) for m in BLOCK.finditer(text)}


def github_job(doc: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The workflow's shell steps and the paths it keeps (artifact upload and JUnit report)."""
    (job,) = doc["jobs"].values()
    commands = [step["run"] for step in job["steps"] if "run" in step]
    kept = [step["with"].get("path") or step["with"].get("report_paths") for step in job["steps"]
            if "uses" in step and "with" in step and ("path" in step["with"] or "report_paths" in step["with"])]
    return commands, kept


def gitlab_job(doc: dict[str, Any]) -> tuple[list[str], list[str]]:
    (job,) = doc.values()
    artifacts = job["artifacts"]
    return list(job["script"]), [*artifacts["paths"], artifacts["reports"]["junit"]]


def run_in(repo: Path, command: str, srv: ReferenceServer) -> subprocess.CompletedProcess[str]:
    """One CI step, as the runner's shell would run it, with the installed ``conformance`` first on PATH
    and the server's credentials where the CI secrets put them."""
    path = os.pathsep.join([str(Path(sys.executable).parent), ENV.get("PATH", "")])
    secrets = {"ROOMZ_USERNAME": srv.credentials["username"], "ROOMZ_PASSWORD": srv.credentials["password"]}
    return subprocess.run(command, shell=True, cwd=repo, env={**ENV, "PATH": path, **secrets},
                          capture_output=True, text=True, timeout=240)


@pytest.fixture
def repo(tmp_path: Path):
    """A vendor's repository: a configuration file reading the secrets, a committed baseline."""
    with ReferenceServer(api="roomz") as srv:
        (tmp_path / "conformance.toml").write_text(
            'profile = "quick"\n\n[roomz]\n'
            f'base-url = "{srv.url}"\nusername = "${{ROOMZ_USERNAME}}"\npassword = "${{ROOMZ_PASSWORD}}"\n')
        made = run_in(tmp_path, "conformance run --config conformance.toml --baseline conformance-baseline.toml"
                                " --baseline-update --report-dir first", srv)
        assert made.returncode == 0, made.stdout + made.stderr
        assert (tmp_path / "conformance-baseline.toml").exists()
        yield tmp_path, srv


@pytest.mark.parametrize("name, parse", [(".github/workflows/conformance.yml", github_job),
                                         (".gitlab-ci.yml", gitlab_job)])
def test_the_snippet_runs_as_written(repo, name: str, parse) -> None:
    folder, srv = repo
    found = snippets()
    assert name in found, f"docs/ci.md has no ```yaml block starting '# {name}'"
    commands, kept = parse(found[name])
    steps = [c for c in commands if not c.strip().startswith("pip install")]
    assert steps, f"{name}: no command besides the install"
    for command in steps:
        proc = run_in(folder, command, srv)
        assert proc.returncode == 0, f"{name}: `{command}` exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        assert srv.credentials["password"] not in proc.stdout + proc.stderr
    for path in kept:
        assert (folder / path).exists(), f"{name} keeps {path}, which the run did not write"
    assert (folder / "reports" / "junit.xml").read_text(encoding="utf-8").lstrip().startswith("<?xml")
