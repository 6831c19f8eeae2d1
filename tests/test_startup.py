"""Each command imports only what it needs: what a process loaded, read from ``sys.modules``.

Start-up time is measured by bench/importtime.py, never asserted here; what is asserted is the
cause of a slow start: a heavy package (the test machinery, the HTTP stack) imported by a
command that never uses it. Each command runs in a fresh interpreter as ``python -m conformance``
does, and the heavy top-level packages left in ``sys.modules`` are compared with the command's
allowance.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("schemathesis", "hypothesis", "pytest", "_pytest", "requests", "urllib3", "jsonschema")
PROBE = """
import json, runpy, sys
heavy = set(json.loads(sys.argv[2]))
sys.argv = ["conformance", *json.loads(sys.argv[1])]
try:
    runpy.run_module("conformance", run_name="__main__")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "loaded": sorted({m.split(".")[0] for m in sys.modules} & heavy)}), file=sys.stderr)
"""
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith(("ROOMZ_", "ROOMONITOR_", "CONFORMANCE_"))},
       "PYTHONPATH": str(ROOT)}


def loaded_by(*args: str) -> tuple[object, list[str]]:
    """(exit code, heavy packages in sys.modules) of ``conformance ARGS`` in a fresh interpreter."""
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)], capture_output=True,
                          text=True, cwd=ROOT, env=ENV, timeout=600)
    last = proc.stderr.strip().splitlines()[-1]
    result = json.loads(last)
    return result["code"], result["loaded"]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A quick self-check's report folder (the bundled server): what verify and diff read."""
    folder = tmp_path_factory.mktemp("startup") / "report"
    code, loaded = loaded_by("run", "--profile", "quick", "--report-dir", str(folder), "--quiet")
    assert code == 0, code
    assert "pytest" in loaded and "requests" in loaded   # the probe sees what a run does import
    return folder


def test_help_imports_no_heavy_package():
    assert loaded_by("--help") == (0, [])


def test_validate_imports_neither_the_test_machinery_nor_the_http_stack(tmp_path):
    path = tmp_path / "import.json"
    path.write_text(json.dumps([{"id": "1", "roomId": "r", "checkin": 1518865200000, "checkout": 1518865200000,
                                 "guestPhone": "+34666555666", "guestName": "A", "lang": "en"}]))
    code, loaded = loaded_by("validate", str(path))
    assert (code, loaded) == (0, [])   # jsonschema too: the compiled schemas need no interpreter


def test_verify_and_diff_import_no_heavy_package(report: Path):
    assert loaded_by("verify", str(report)) == (0, [])
    assert loaded_by("diff", str(report), str(report)) == (0, [])
