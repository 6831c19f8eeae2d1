"""What is worse: one rule for the baseline gate (``baseline.py``) and ``conformance diff``.

A finding is known by its identity (requirement, kind, operation), never by ids, times, slots,
seeds or counts, so an unchanged server stays green run after run (docs/interface.md, "What is
worse"). A new failure, or a failure with an identity not seen before, is worse; a new warning is
shown as new and is worse only when the user asks warnings to fail.
"""
from __future__ import annotations

from conformance.results import FindingResult, RequirementResult

IDENTITY_PREFIX = 60   # a finding of an older results.json (no kind) is known by its message's first 60 characters
NEWLY_FAILING, FAILS_DIFFERENTLY = "newly failing", "fails differently"
NEWLY_WARNING, WARNS_DIFFERENTLY = "newly warning", "warns differently"


def _key(f: FindingResult, rid: str, legacy: bool) -> tuple[str, str]:
    return (f.message[:IDENTITY_PREFIX], "") if legacy else f.identity(rid)[1:]


def identities(req: RequirementResult, *, legacy: bool = False) -> frozenset[tuple[str, str]]:
    """The identities (kind, operation) of a requirement's findings; ``legacy`` (compared with a
    results.json that kept no kinds): the message's first characters instead."""
    return frozenset(_key(f, req.id, legacy) for f in req.failures)


def kept_identities(req: RequirementResult) -> tuple[frozenset[tuple[str, str]], bool]:
    """What a baseline (or OLD run) accepted of a requirement: its identities, and whether they are
    legacy (a results.json written before findings had kinds)."""
    legacy = bool(req.failures) and not any(f.kind for f in req.failures)
    return identities(req, legacy=legacy), legacy


def change_of(was: str | None, accepted: tuple[frozenset[tuple[str, str]], bool] | None,
              now: RequirementResult) -> str | None:
    """How ``now`` compares with what was accepted (status ``was``, None: not listed or not
    failing; ``accepted``: the identities seen then, None when only a status is known): newly
    failing, fails differently, newly warning, warns differently, or None (nothing new)."""
    if now.status not in ("failed", "warning"):
        return None
    if was not in ("failed", "warning") or (was == "warning" and now.status == "failed"):
        return NEWLY_FAILING if now.status == "failed" else NEWLY_WARNING
    if accepted is None:
        return None
    seen, legacy = accepted
    fresh = [f for f in now.failures if _key(f, now.id, legacy) not in seen]
    if any(not f.warning for f in fresh):
        return FAILS_DIFFERENTLY
    return WARNS_DIFFERENTLY if fresh else None


def is_worse(change: str | None, *, warnings_fail: bool = False) -> bool:
    """A new or different failure is worse; a new or different warning only when asked for
    (``--fail-on-warnings``, ``diff --fail-on-warnings``)."""
    return change in (NEWLY_FAILING, FAILS_DIFFERENTLY) or (
        warnings_fail and change in (NEWLY_WARNING, WARNS_DIFFERENTLY))
