"""The catalog is the single source of IDs: integrity, coverage by checks, and the places that
are generated from it (README table, JUnit names via the suite)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import conformance.checks.roomonitor  # noqa: F401  (registers the checks)
import conformance.checks.roomz  # noqa: F401
from conformance.checks.model import CHECKS, OBSERVERS
from conformance.requirements import format_markdown, load_catalog

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "contract" / "REQUIREMENTS.md"


def test_ids_are_unique_and_well_formed() -> None:
    ids = load_catalog().ids()
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"(RZ|RM|RMP)(-[A-Z0-9]+)+", i) for i in ids)


@pytest.mark.skipif(not SHARED.is_file(), reason="shared/contract is not beside this checkout")
def test_catalog_keeps_the_shared_requirements_and_marks_its_additions() -> None:
    """Every shared ID with its level, unchanged; an ID of ours carries the catalog version that
    added it (IDs and levels change only with a new catalog version)."""
    text = SHARED.read_text(encoding="utf-8")
    shared = dict(re.findall(r"^\| (R[A-Z0-9-]+) \| (MUST|SHOULD) \|", text, re.M))
    catalog = load_catalog()
    ours = {r.id: r.level for r in catalog}
    assert {rid: ours.get(rid) for rid in shared} == shared
    shared_version = int(re.search(r"Catalog version: (\d+)", text).group(1))  # type: ignore[union-attr]
    added = [r for r in catalog if r.id not in shared]
    assert all(shared_version < r.since <= catalog.version for r in added), added
    assert all(r.since <= shared_version for r in catalog if r.id in shared)


def test_every_server_requirement_has_a_check() -> None:
    for req in load_catalog():
        if req.api in ("roomz", "roomonitor"):
            assert req.id in CHECKS or req.id in OBSERVERS, f"{req.id} has no check"


def test_checks_cite_catalog_ids_only() -> None:
    catalog = load_catalog()
    for rid in list(CHECKS) + list(OBSERVERS):
        assert rid in catalog


def test_readme_requirement_table_is_generated_from_the_catalog() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert format_markdown(load_catalog()) in readme


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    test_command = next(b for b in blocks if "pytest" in b and "pip install" in b)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.strip() in ci.splitlines()


def test_every_catalog_version_marker_agrees() -> None:
    """The catalog's version is written in several places a reader trusts: the catalog's own key,
    its header and description, openapi.yaml's x-catalog-version, the results.json example of
    docs/interface.md. One catalog, one number."""
    root = ROOT
    version = load_catalog().version
    catalog_text = (root / "conformance" / "requirements.yaml").read_text(encoding="utf-8")
    spec = yaml.safe_load((root / "openapi.yaml").read_text(encoding="utf-8"))
    interface = (root / "docs" / "interface.md").read_text(encoding="utf-8")
    markers = {
        "requirements.yaml catalog_version": yaml.safe_load(catalog_text)["catalog_version"],
        "openapi.yaml x-catalog-version": spec["info"]["x-catalog-version"],
        "docs/interface.md results.json example": int(re.findall(r'"catalog_version": (\d+)', interface)[0]),
    }
    for i, number in enumerate(re.findall(r"catalog version (\d+)", catalog_text, re.I)):
        markers[f"requirements.yaml text, mention {i + 1}"] = int(number)
    assert len(markers) > 3, markers
    assert {k: v for k, v in markers.items() if v != version} == {}, f"catalog version {version}: {markers}"
