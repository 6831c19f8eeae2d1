"""The README's first screen and the docs/ pages it links to hold together.

A new user reads the first screen only: it must get them from install to a first run against
their own server and warn, before that run, that a default run writes into the first listed
room. The long reference lives in docs/*.md; a link or an anchor that drifts sends them nowhere.
The set-up command is run as written on a fresh clone.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    found = set()
    for heading in re.findall(r"^#+ (.+)$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


@pytest.mark.parametrize("page", [README, *sorted((ROOT / "docs").glob("*.md"))], ids=lambda p: p.name)
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        file = (page.parent / file_part).resolve() if file_part else page
        if not file.exists():
            broken.append(f"{target}: no file {file}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no heading #{anchor} in {file.name}")
    assert not broken, f"{page.name}: " + "; ".join(broken)


def test_the_first_screen_warns_that_a_run_writes_and_gets_to_a_first_run() -> None:
    first_screen = "\n".join(README.read_text(encoding="utf-8").splitlines()[:45])
    for needed in ("--read-only", "--room-id", "first room your server lists", "pip install -e .",
                   "--base-url", "ROOMZ_PASSWORD", "python3 -m venv .venv"):
        assert needed in first_screen, f"the README's first screen lacks {needed!r}"
    assert first_screen.index("writes into your system") < first_screen.index("--base-url"), \
        "the write-safety note must come before the first run against a vendor's server"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_set_up_command_works_on_a_fresh_clone(tmp_path: Path) -> None:
    """The main job's command, run by bash in a clone of this repository. The venv is made with
    --system-site-packages, so the dependencies this machine already holds are not fetched again;
    everything else (the venv, its activation, the editable install, the self-check) is as written."""
    blocks = re.findall(r"```sh\n(.*?)\n```", README.read_text(encoding="utf-8"), re.S)
    command = next(b.strip() for b in blocks if "conformance run" in b and "venv" in b and "[test]" not in b)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=60)
    for part in ("openapi.yaml", "schemas", "conformance", "README.md", "pyproject.toml"):  # the work tree as it is now
        src = ROOT / part
        (shutil.copytree(src, clone / part, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
         if src.is_dir() else shutil.copy(src, clone / part))
    command = command.replace("python3 -m venv .venv", f"{sys.executable} -m venv --system-site-packages .venv")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith(("ROOMZ_", "ROOMONITOR_", "CONFORMANCE_"))}
    proc = subprocess.run(["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Verdict: conformant" in proc.stdout
    assert (clone / "reports" / "report.html").exists()
    assert not (clone / ".hypothesis").exists(), "a run left hypothesis' database in the working directory"
