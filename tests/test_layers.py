"""The layers show in the imports: CLI -> runner -> checks -> client; the reference server stands
apart (it may use the payload rules, nothing else of the project)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "conformance"

# package -> project packages it must never import
FORBIDDEN = {
    "reference_server": {"runner", "checks", "client", "report", "suite", "cli", "spec", "requirements"},
    "client": {"runner", "checks", "report", "suite", "cli", "reference_server", "payloads"},
    "checks": {"runner", "cli", "report", "suite", "reference_server"},
    "payloads": {"runner", "checks", "client", "report", "suite", "cli", "reference_server"},
    "report": {"runner", "cli", "reference_server"},
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "conformance" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_its_layer(package: str) -> None:
    for path in (PACKAGE / package).rglob("*.py"):
        bad = _imports(path) & FORBIDDEN[package]
        assert not bad, f"{path.relative_to(PACKAGE.parent)} imports conformance.{sorted(bad)}"
