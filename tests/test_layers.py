"""The layers show in the imports: CLI -> runner -> checks -> client; the reference server stands
apart (it may use the payload rules, nothing else of the project).

``results.py`` and ``options.py`` are neutral: every layer may import them, and they import
(almost) nothing themselves. Imports are read with ``ast``, absolute and relative alike:
``from ..checks import base`` inside ``conformance/reference_server/`` is an import of
``conformance.checks`` as much as ``from conformance.checks import base`` is.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "conformance"


def project_modules(root: Path) -> frozenset[str]:
    """The top-level packages and modules of the project rooted at ``root`` (``conformance/``)."""
    names = {p.stem for p in root.glob("*.py")} | {p.name for p in root.iterdir() if p.is_dir()
                                                   and any(p.rglob("*.py"))}
    return frozenset(names - {"__init__", "__main__"})


PROJECT = project_modules(PACKAGE)


def only(*allowed: str) -> frozenset[str]:
    """Forbid every project module but ``allowed`` (and the importer itself)."""
    unknown = set(allowed) - PROJECT
    assert not unknown, f"no such module conformance.{sorted(unknown)}"
    return PROJECT - set(allowed)


# package or top-level module -> project packages/modules it must never import
FORBIDDEN = {
    # the layers: CLI -> runner -> checks -> client (nothing imports the layer above it)
    "runner": frozenset({"cli"}),
    "checks": frozenset({"runner", "cli", "report", "suite", "reference_server"}),
    "client": frozenset({"runner", "checks", "report", "suite", "cli", "reference_server", "payloads"}),
    "report": frozenset({"checks", "runner", "cli", "reference_server"}),
    # standing apart: the reference server uses the payload rules, the payload rules nothing
    "reference_server": only("payloads"),
    "payloads": only("requirements", "spec"),   # the catalog and the schemas are data, read by every layer
    # neutral modules everyone may import; they import nothing of the suite (options: its parts)
    "results": only(),
    "errors": only(),                 # the exception tree: every layer raises from it
    "worse": only("results"),         # the one rule of "worse" for the baseline gate and diff
    "options": only("client", "profiles"),
}

# Violations found when the relative imports became visible; the rule stands, the code is not
# changed here. strict: once the code is fixed, the xfail itself fails: delete the entry.
KNOWN_VIOLATIONS: dict[str, str] = {}


def module_name(path: Path, root: Path) -> tuple[list[str], bool]:
    """The dotted name of the module at ``path`` (as parts), and whether it is a package."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        return parts[:-1], True
    return parts, False


def imports(path: Path, root: Path) -> set[str]:
    """The project's top-level packages/modules the file at ``path`` imports, relative imports
    resolved against the file's package (as Python does with ``__package__``)."""
    top = root.name
    known = project_modules(root)
    name, is_package = module_name(path, root)
    package = name if is_package else name[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name.split(".") for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level - 1 >= len(package):
                    continue  # beyond the top-level package: an ImportError at run time, not a layer
                base = package[:len(package) - (node.level - 1)]
            else:
                base = []
            module = base + (node.module.split(".") if node.module else [])
            # "from conformance import checks" / "from .. import checks": the names are the modules
            targets = [module + [a.name] for a in node.names] if module == [top] else [module]
        else:
            continue
        for parts in targets:
            if len(parts) > 1 and parts[0] == top and parts[1] in known:
                found.add(parts[1])
    return found


def files_of(owner: str, root: Path) -> list[Path]:
    if (root / owner).is_dir():
        return sorted((root / owner).rglob("*.py"))
    return [root / f"{owner}.py"]


def violations(owner: str, root: Path = PACKAGE, forbidden: dict[str, frozenset[str]] = FORBIDDEN) -> list[str]:
    """One line per file of ``owner`` (a package or top-level module of ``root``) that imports
    a project module its layer forbids."""
    found = []
    for path in files_of(owner, root):
        bad = (imports(path, root) - {owner}) & forbidden[owner]
        if bad:
            found.append(f"{path.relative_to(root.parent).as_posix()} imports conformance.{sorted(bad)}")
    return found


def test_every_rule_names_real_modules() -> None:
    for owner, names in FORBIDDEN.items():
        assert owner in PROJECT and files_of(owner, PACKAGE)[0].exists(), owner
        assert names <= PROJECT, (owner, sorted(names - PROJECT))


@pytest.mark.parametrize("package", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_VIOLATIONS[name]))
    if name in KNOWN_VIOLATIONS else name
    for name in sorted(FORBIDDEN)
])
def test_package_respects_its_layer(package: str) -> None:
    bad = violations(package)
    assert not bad, "\n".join(bad)


def _tree(root: Path, files: dict[str, str]) -> Path:
    """A fake ``conformance`` package under ``root``: the real package is never touched."""
    package = root / "conformance"
    for rel, text in {"__init__.py": "__version__ = '0'\n", **files}.items():
        path = package / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for name in PROJECT:  # every real top-level name exists, so every rule can be checked
        if not (package / name).exists() and not (package / f"{name}.py").exists():
            (package / f"{name}.py").write_text("", encoding="utf-8")
    return package


def test_planted_relative_imports_are_caught(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "reference_server/__init__.py": "from .server import Server\nfrom . import data\n",
        "reference_server/server.py": "from ..checks import base\nfrom .data import DEFAULTS\n",
        "reference_server/data.py": "from .. import payloads\n",  # allowed
        "reference_server/deep/sandbox.py": "def f():\n    from ... import runner, payloads\n",
        "payloads/__init__.py": "from . import rules\n",
        "payloads/rules.py": "from .model import Violation\nfrom ..runner import engine\n",
        "payloads/model.py": "",
        "checks/roomz/api.py": "from ...client import Exchange\nfrom ...runner.engine import Engine\n",
        "client/session.py": "from . import wording\nfrom conformance import checks\n",
        "report/html.py": "from ..results import Outcome\nfrom .. import checks\n",
        "results.py": "from .options import RunOptions\n",
        "options.py": "from .client.session import DEFAULT_MAX_BODY\nfrom . import profiles\n",
    })
    assert violations("reference_server", root) == [
        "conformance/reference_server/deep/sandbox.py imports conformance.['runner']",
        "conformance/reference_server/server.py imports conformance.['checks']",
    ]
    assert violations("payloads", root) == ["conformance/payloads/rules.py imports conformance.['runner']"]
    assert violations("checks", root) == ["conformance/checks/roomz/api.py imports conformance.['runner']"]
    assert violations("client", root) == ["conformance/client/session.py imports conformance.['checks']"]
    assert violations("report", root) == ["conformance/report/html.py imports conformance.['checks']"]
    assert violations("results", root) == ["conformance/results.py imports conformance.['options']"]
    assert violations("options", root) == []


def test_relative_imports_resolve_against_the_package(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "reference_server/__init__.py": "from . import payloads\n",
        "reference_server/payloads.py": "",
        "checks/roomz/__init__.py": "from .. import shared\nfrom ... import client\n",
        "checks/roomz/api.py": "from . import client\nfrom .client import x\n",
        "checks/roomz/client.py": "",
        "checks/shared.py": "",
    })
    # In a package's __init__.py "." is the package itself; in a module, the module's package.
    assert imports(root / "reference_server" / "__init__.py", root) == {"reference_server"}
    assert imports(root / "checks" / "roomz" / "__init__.py", root) == {"checks", "client"}
    assert imports(root / "checks" / "roomz" / "api.py", root) == {"checks"}
    assert imports(root / "results.py", root) == set()
