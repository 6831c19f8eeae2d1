"""Baselines of accepted failures: a CI gate that fails on what got worse, not on what is known.

A team adopting the suite against a server with known gaps wants the gate green today and red
the moment something new breaks. ``--baseline FILE`` names those known gaps, either as a
previous ``results.json`` or as a small hand-written TOML/JSON list of requirement IDs, each with
a reason and an optional expiry date. The baseline changes the gate's exit code only: the
verdict and the statuses of ``results.json`` stay what the server earned (``annotate`` adds a
``baseline`` section next to them), so a baselined run is never a certification.

Gate rules (``apply``): a failed requirement fails the gate unless a live baseline entry covers
it and it did not get worse; an entry expires on its date (from that day on the failure counts
again); warnings never fail the gate, with or without a baseline, unless ``--fail-on-warnings``
asks for it. "Worse" is ``results.change_of``, the rule ``conformance diff`` applies too: a
finding is matched by its identity (requirement, kind, operation), never by ids, times or slots,
so an unchanged server stays green run after run.
"""
from __future__ import annotations

import dataclasses
import difflib
import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from conformance.requirements import load_catalog
from conformance.results import RequirementResult, Results, ResultsError, gated_exit_code
from conformance.textfile import Unreadable, read_text, results_in
from conformance.worse import change_of, is_worse, kept_identities

ENTRY_KEYS = ("id", "reason", "expires", "status")
BASELINE_STATUSES = ("failed", "warning")
REASON_PLACEHOLDER_LENGTH = 200


class BaselineError(ValueError):
    """A baseline file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Entry:
    """One accepted failure or warning."""

    id: str
    reason: str
    expires: date | None = None
    status: str | None = None          # the status it was accepted with; None: any failure
    seen: tuple[frozenset[tuple[str, str]], bool] | None = None   # results.json baselines: the findings' identities

    def expired(self, today: date) -> bool:
        return self.expires is not None and today >= self.expires


@dataclass
class Baseline:
    file: str
    kind: str                          # "results" (a previous results.json) or "list" (hand-written)
    api: str | None
    entries: dict[str, Entry] = field(default_factory=dict)


@dataclass
class GateDecision:
    """What the baseline makes of a run. ``exit_code`` is the gate's (0 or 1); ``run_exit_code`` the
    code ``conformance run`` should end with (1 gate failed, 2 configuration error, 3 incomplete, 0)."""

    exit_code: int
    known: list[str] = field(default_factory=list)       # covered, live, not worse: do not fail the gate
    new: list[str] = field(default_factory=list)         # failed, not in the baseline
    worse: list[str] = field(default_factory=list)       # failed, in the baseline, but worse than recorded
    expired: list[str] = field(default_factory=list)     # failed, its baseline entry expired
    fixed: list[str] = field(default_factory=list)       # in the baseline, now passed
    warnings: list[str] = field(default_factory=list)    # warning not covered by a live entry (never fails)
    unverified: list[str] = field(default_factory=list)  # in the baseline, now skipped
    reasons: dict[str, str] = field(default_factory=dict)   # id -> baseline reason, for known ones
    summary: list[str] = field(default_factory=list)
    run_exit_code: int = 0


# -- reading ------------------------------------------------------------------------------------
def load_baseline(path: Path | str, api: str | None = None) -> Baseline:
    """Read and check a baseline: a ``results.json`` (or the report folder holding one), or a
    hand-written TOML or JSON list. ``api``, when given, is the API of the run it will gate:
    every ID must be one of its requirements."""
    try:
        path = results_in(Path(path))
        name = str(path)
        text = read_text(path, name, "baseline file")
    except Unreadable as exc:
        raise BaselineError(str(exc)) from None
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise BaselineError(f"{name}: not valid JSON: {exc}") from None
        if isinstance(data, dict) and "requirements" in data:
            baseline = _from_results(name, data)
        else:
            baseline = _from_list(name, data, text, toml=False)
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise BaselineError(f"{name}: not valid TOML: {exc}") from None
        baseline = _from_list(name, data, text, toml=True)
    if api is not None:
        if baseline.api is not None and baseline.api != api:
            raise BaselineError(f"{name} is a baseline of the {baseline.api} API, not of {api}")
        _check_ids(baseline, api)
        baseline.api = api
    return baseline


def _from_results(name: str, data: dict[str, Any]) -> Baseline:
    try:
        results = Results.from_json(data)
    except ResultsError as exc:
        raise BaselineError(f"{name} is not a results.json of conformance ({exc})") from None
    api = results.api
    if api not in ("roomz", "roomonitor"):
        raise BaselineError(f"{name} is not a results.json of conformance (no api or requirements)")
    when = results.started_at or "an earlier run"
    entries = {r.id: Entry(id=r.id, reason=f"known in {name} of {when}", status=r.status, seen=kept_identities(r))
               for r in results.requirements if r.status in BASELINE_STATUSES}
    baseline = Baseline(file=name, kind="results", api=api, entries=entries)
    _check_ids(baseline, api)
    return baseline


def _from_list(name: str, data: Any, text: str, toml: bool) -> Baseline:
    if not isinstance(data, dict) or ("known" not in data and set(data) - {"api"}):
        shape = "[[known]] tables" if toml else 'an object {"known": [...]}'
        raise BaselineError(f"{name}: a baseline needs {shape}, or must be a results.json")
    extra = sorted(set(data) - {"known", "api"})
    if extra:
        raise BaselineError(f"{name}: unknown top-level key '{extra[0]}' (a baseline holds 'known' and 'api')")
    api = data.get("api")
    if api is not None and api not in ("roomz", "roomonitor"):
        raise BaselineError(f"{name}: api must be roomz or roomonitor, got {api!r}")
    items = data.get("known", [])   # an empty baseline is a baseline: nothing is known
    if not isinstance(items, list):
        raise BaselineError(f"{name}: 'known' must be a list of entries")
    entries: dict[str, Entry] = {}
    for number, item in enumerate(items, start=1):
        entry = _entry(name, number, item, text)
        if entry.id in entries:
            raise BaselineError(f"{_where(name, number, entry.id, text)}: {entry.id} is listed twice")
        entries[entry.id] = entry
    baseline = Baseline(file=name, kind="list", api=api, entries=entries)
    if api:
        _check_ids(baseline, api)
    return baseline


def _entry(name: str, number: int, item: Any, text: str) -> Entry:
    if not isinstance(item, dict):
        raise BaselineError(f"{name}, entry {number}: expected a table with id and reason")
    rid = item.get("id")
    where = _where(name, number, rid if isinstance(rid, str) else None, text)
    for key in item:
        if key not in ENTRY_KEYS:
            close = difflib.get_close_matches(str(key), ENTRY_KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise BaselineError(f"{where}: unknown key '{key}'{hint}")
    if not isinstance(rid, str) or not rid:
        raise BaselineError(f"{where}: has no id")
    reason = item.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise BaselineError(f"{where}: {rid} needs a reason saying why its failure is accepted")
    status = item.get("status")
    if status is not None and status not in BASELINE_STATUSES:
        raise BaselineError(f"{where}: status must be failed or warning, got {status!r}")
    return Entry(id=rid, reason=reason.strip(), expires=_expiry(where, item.get("expires")), status=status)


def _expiry(where: str, value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise BaselineError(f"{where}: expires must be a date such as 2027-03-01, got {value!r}")


def _where(name: str, number: int, rid: str | None, text: str) -> str:
    """'baseline.toml, entry 2 (line 7)': the line when the ID can be found in the text."""
    out = f"{name}, entry {number}"
    if rid:
        found = re.search(r"""["']""" + re.escape(rid) + r"""["']""", text)
        if found:
            out += f" (line {text.count(chr(10), 0, found.start()) + 1})"
    return out


def _check_ids(baseline: Baseline, api: str) -> None:
    catalog = load_catalog()
    valid = catalog.ids(api)
    for rid in baseline.entries:
        if rid in valid:
            continue
        if rid in catalog:
            problem = f"{rid} is a {catalog[rid].api} requirement, not one of the {api} API"
        else:
            close = difflib.get_close_matches(rid, valid, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problem = f"unknown requirement ID {rid}{hint}; see `conformance requirements`"
        raise BaselineError(f"{baseline.file}, entry {rid}: {problem}")


# -- applying -----------------------------------------------------------------------------------
def apply(results: Results, baseline: Baseline, today: date, *, warnings_fail: bool = False) -> GateDecision:
    """Judge a run against a baseline: which failures are known, new, worse, expired or fixed.
    A warning not covered fails the gate only with ``warnings_fail`` (it is listed either way)."""
    if baseline.api is not None and results.api != baseline.api:
        raise BaselineError(f"{baseline.file} is a baseline of the {baseline.api} API; this run is of "
                            f"{results.api}")
    decision = GateDecision(exit_code=0)
    for req in results.requirements:
        rid, status = req.id, req.status
        entry = baseline.entries.get(rid)
        live = entry is not None and not entry.expired(today)
        if status == "passed":
            if entry is not None:
                decision.fixed.append(rid)
        elif status == "skipped":
            if entry is not None:
                decision.unverified.append(rid)
        elif entry is not None and not live:
            (decision.expired if status == "failed" or warnings_fail else decision.warnings).append(rid)
        else:
            change = _change(entry, req)
            if not is_worse(change, warnings_fail=warnings_fail):
                if entry is not None and (change is None or status == "failed"):
                    decision.known.append(rid)
                    decision.reasons[rid] = entry.reason
                else:   # a new warning: shown as new, failing nothing unless asked for
                    decision.warnings.append(rid)
            elif entry is None:
                decision.new.append(rid)
            else:
                decision.worse.append(rid)
    decision.exit_code = 1 if decision.new or decision.worse or decision.expired else 0
    decision.run_exit_code = gated_exit_code(results, bool(decision.exit_code))
    decision.summary = _summary(decision, baseline, today)
    return decision


def _change(entry: Entry | None, req: RequirementResult) -> str | None:
    """``results.change_of`` against an entry: a hand-written entry without a status accepts any
    failure or warning; a results.json entry also knows the identities of the findings it saw."""
    if entry is None:
        return change_of(None, None, req)
    was = entry.status or req.status
    return change_of(was, entry.seen, req)


def _summary(decision: GateDecision, baseline: Baseline, today: date) -> list[str]:
    lines = [(f"Baseline {baseline.file}: {len(decision.known)} known, {len(decision.new)} new, "
             f"{len(decision.worse)} worse, {len(decision.expired)} expired, {len(decision.fixed)} fixed")]
    for rid in decision.known:
        lines.append(f"  known: {rid} ({decision.reasons.get(rid, '')})")
    for rid in decision.new:
        lines.append(f"  new failure: {rid} (not in the baseline)")
    for rid in decision.worse:
        lines.append(f"  worse: {rid} fails in a way the baseline did not accept")
    for rid in decision.expired:
        lines.append(f"  expired: {rid} is still failing; its baseline entry expired on "
                     f"{baseline.entries[rid].expires}")
    for rid in decision.fixed:
        lines.append(f"  fixed: {rid} passes now; remove it from the baseline")
    for rid in decision.unverified:
        lines.append(f"  unverified: {rid} was skipped in this run, so the baseline entry was not checked")
    lines.append("Gate: failed (exit 1)" if decision.exit_code else "Gate: passed (no new, worse or expired failure)")
    return lines


def annotate(results: Results, decision: GateDecision, baseline_file: str) -> Results:
    """``results`` saying the baseline was applied and which requirements it covered. Statuses
    and the verdict stay as the server earned them: a baselined run is not certified."""
    from conformance.results import Gate

    known = set(decision.known)
    gate = Gate(file=str(baseline_file), gate_exit_code=decision.exit_code, known=tuple(decision.known),
                new=tuple(decision.new), worse=tuple(decision.worse), expired=tuple(decision.expired),
                fixed=tuple(decision.fixed), warnings=tuple(decision.warnings),
                unverified=tuple(decision.unverified))
    reqs = tuple(dataclasses.replace(r, known=True, baseline_reason=decision.reasons.get(r.id, ""))
                 if r.id in known else r for r in results.requirements)
    return dataclasses.replace(results, requirements=reqs, baseline=gate)


# -- writing ------------------------------------------------------------------------------------
def write_baseline(results: Results, path: Path | str, previous: Baseline | None = None) -> Path:
    """Write the run's failed and warned requirements as a hand-editable TOML baseline.

    Each reason is a placeholder (the first failure message) to be replaced by why the failure is
    accepted; entries of ``previous`` that still fail keep their reason and expiry, so
    ``--baseline-update`` does not erase what people wrote."""
    path = Path(path)
    kept = previous.entries if previous is not None and previous.kind == "list" else {}
    lines = [
        "# Accepted failures for `conformance run --baseline` (written by --baseline-update).",
        f"# From the {results.api} run of {results.started_at} against {results.target}.",
        "# A listed failure is reported as known and does not fail the gate; a new failure, a listed one",
        "# that got worse (a warning that now fails) or an expired entry does. Replace each reason with why",
        "# the failure is accepted; `expires = 2027-03-01` makes it count again from that day on.",
        "",
        f"api = {_toml_string(results.api)}",
    ]
    for req in results.requirements:
        if req.status not in BASELINE_STATUSES:
            continue
        rid = req.id
        old = kept.get(rid)
        reason = old.reason if old else _placeholder(req)
        lines += ["", "[[known]]", f"id = {_toml_string(rid)}", f"status = {_toml_string(req.status)}",
                  f"reason = {_toml_string(reason)}"]
        if old is not None and old.expires is not None:
            lines.append(f"expires = {old.expires.isoformat()}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _placeholder(req: RequirementResult) -> str:
    text = " ".join((req.first_message or req.title).split())
    if len(text) > REASON_PLACEHOLDER_LENGTH:
        text = text[:REASON_PLACEHOLDER_LENGTH - 1] + "…"
    return f"TODO: why is this accepted? ({text})"


def _toml_string(text: str) -> str:
    """A TOML basic string; JSON's escaping is valid TOML except for characters JSON leaves raw."""
    out = json.dumps(text, ensure_ascii=False)
    return re.sub(r"[\x7f]", lambda m: f"\\u{ord(m.group()):04x}", out)

