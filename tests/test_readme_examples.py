"""The curl examples of docs/reference-server.md work against `conformance serve` (real curl, real HTTP)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.reference_server import ReferenceServer

PAGE = (Path(__file__).resolve().parent.parent / "docs" / "reference-server.md").read_text(encoding="utf-8")
pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def _block_after(marker: str) -> str:
    section = PAGE[PAGE.index(marker):]
    return re.search(r"```sh\n(.*?)\n```", section, re.S).group(1)


def _run(block: str, port: int, url: str) -> list[object]:
    script = block.replace(f"http://127.0.0.1:{port}", url).replace("curl ", "curl -s -f ")
    script = "\n".join(line for line in script.splitlines() if not line.startswith("#"))
    commands = [c for c in re.split(r"(?<!\\)\n", script) if c.strip().startswith("curl")]
    prelude = "\n".join(line for line in script.splitlines() if line.startswith("U="))
    answers = []
    for command in commands:
        proc = subprocess.run(["bash", "-c", prelude + "\n" + command], capture_output=True, text=True, timeout=20)
        assert proc.returncode == 0, f"{command}\n{proc.stderr}"
        answers.append(json.loads(proc.stdout))
    return answers


def test_roomz_examples() -> None:
    with ReferenceServer(api="roomz") as srv:
        rooms, meetings, created, updated = _run(_block_after("Demo credentials: ROOMZ"), 8080, srv.url)
    assert rooms[0]["roomId"] == "57"
    assert isinstance(meetings, list)
    assert created["meetingId"] == "m9001"
    assert updated["endDateUTC"] == "2030-01-01T10:30:00Z"


def test_roomonitor_examples() -> None:
    with ReferenceServer(api="roomonitor") as srv:
        login, rooms, v2, v1 = _run(_block_after("Roomonitor (`conformance serve --api roomonitor"), 8000, srv.url)
    assert login["status"] == "success"
    assert any(r["_id"] == "Hq7ZtB3mKx9WpR2cA" for r in rooms)
    assert v2[0].startswith("[SUCCESS]") and v1[0].startswith("[SUCCESS]")
