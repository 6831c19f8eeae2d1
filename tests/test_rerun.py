"""Re-run equivalence (issue 17): a requirement re-run alone, as the report's "Re-run this
requirement" line does (``--requirement ID``), is judged on the same evidence as in the full run.

For every reference-server fault, and a few combinations, each requirement the full run fails
or warns must fail (or warn) again when it is selected alone: a vendor "confirming the fix" must
never be told it is fixed while it is not. Both runs use the quick profile and the same seed.
"""
from __future__ import annotations

import pytest

from conformance.reference_server import FAULTS
from tests.helpers import run_engine

NOT_JUDGED = {"RZ-HTTPS", "RM-HTTPS"}   # the loopback servers speak plain http: a warning every run gives
COMBINATIONS = [
    ("roomz", ["window-ignored", "empty-date-500"]),
    ("roomz", ["rooms-html", "null-in-last-room", "crash-non-object-body"]),
    ("roomz", ["create-needs-all-fields", "put-unknown-room-500", "null-location"]),
    ("roomonitor", ["rm-crash-non-array", "rm-any-token"]),
]
CASES = [(f.api, [name]) for name, f in sorted(FAULTS.items())] + COMBINATIONS


@pytest.mark.parametrize("api, faults", CASES, ids=["+".join(f) for _, f in CASES])
def test_every_failure_fails_again_when_its_requirement_runs_alone(api: str, faults: list[str]) -> None:
    full = run_engine(api, faults=faults)
    bad = sorted((full.failed() | full.warnings()) - NOT_JUDGED)
    assert bad, f"{faults} failed nothing: this case proves nothing"
    for rid in bad:
        alone = run_engine(api, faults=faults, only=[rid])
        assert alone.status(rid) == full.status(rid), (
            f"{rid} {full.status(rid)} in the full run against {faults}, but {alone.status(rid)} alone: "
            f"{alone.outcome(rid).skip_reason or alone.outcome(rid).notes}")
