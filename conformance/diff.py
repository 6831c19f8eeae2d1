"""``conformance diff OLD NEW``: what changed between two runs, and whether it got worse.

A vendor fixing their server, or a CI job comparing tonight's run with last release's, needs the
difference per requirement rather than two verdicts: what newly fails, what got fixed, what is
no longer verified and what fails differently. The exit code makes it a gate: 1 when NEW is
worse (something newly fails or fails differently, the verdict dropped, or a MUST requirement is
no longer verified), 0 otherwise, 2 when an input cannot be read. "Newly failing" is
``results.change_of``, the baseline gate's rule: findings are matched by identity
(requirement, kind, operation); a new warning is shown as new and is worse only with
``--fail-on-warnings``.
"""
from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from conformance.results import CONFIGURATION_ERROR, RequirementResult, Results, ResultsError
from conformance.textfile import Unreadable, read_text, results_in
from conformance.worse import FAILS_DIFFERENTLY, NEWLY_WARNING, WARNS_DIFFERENTLY, change_of, is_worse, kept_identities

VERDICT_RANK = {"conformant": 0, "incomplete": 1, CONFIGURATION_ERROR: 1, "non-conformant": 2}
FORMATS = ("text", "json", "markdown")
BAD = ("failed", "warning")


class DiffError(ValueError):
    """An input that is not a usable results.json; the message is one sentence naming it."""


@dataclass
class Change:
    """One requirement that differs between the runs."""

    id: str
    level: str
    old_status: str | None           # None: not in that run (the catalog changed)
    new_status: str | None
    old_message: str = ""            # first failure message, or the skip reason
    new_message: str = ""
    what: str = ""                   # for 'changed': what differs, in a few words


@dataclass
class RunLabel:
    """Which run a side of the diff is."""

    started_at: str
    target: str
    profile: str
    verdict: str
    file: str = ""


@dataclass
class Diff:
    api: str
    old: RunLabel
    new: RunLabel
    newly_failing: list[Change] = field(default_factory=list)
    fixed: list[Change] = field(default_factory=list)
    newly_skipped: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    newly_warning: list[Change] = field(default_factory=list)   # shown as new; worse only with warnings_fail
    warnings_fail: bool = False

    @property
    def verdict_changed(self) -> bool:
        return self.old.verdict != self.new.verdict

    @property
    def verdict_worse(self) -> bool:
        return VERDICT_RANK[self.new.verdict] > VERDICT_RANK[self.old.verdict]

    @property
    def worse(self) -> bool:
        return (bool(self.newly_failing) or self.verdict_worse or any(c.level == "MUST" for c in self.newly_skipped)
                or (self.warnings_fail and bool(self.newly_warning)))

    def why_worse(self) -> list[str]:
        out = []
        if self.newly_failing:
            out.append(f"{len(self.newly_failing)} newly failing")
        if self.warnings_fail and self.newly_warning:
            out.append(f"{len(self.newly_warning)} newly warning (--fail-on-warnings)")
        if self.verdict_worse:
            out.append(f"verdict {self.old.verdict} -> {self.new.verdict}")
        must_skipped = [c.id for c in self.newly_skipped if c.level == "MUST"]
        if must_skipped:
            out.append(f"MUST no longer verified: {', '.join(must_skipped)}")
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "api": self.api, "old": asdict(self.old), "new": asdict(self.new),
            "verdict": {"old": self.old.verdict, "new": self.new.verdict, "changed": self.verdict_changed,
                        "worse": self.verdict_worse},
            "newly_failing": [asdict(c) for c in self.newly_failing],
            "newly_warning": [asdict(c) for c in self.newly_warning],
            "fixed": [asdict(c) for c in self.fixed],
            "newly_skipped": [asdict(c) for c in self.newly_skipped],
            "changed": [asdict(c) for c in self.changed],
            "worse": self.worse,
        }


# -- input --------------------------------------------------------------------------------------
def load_results(path: Path | str) -> Results:
    """A ``results.json``, given as the file or as the report folder holding it."""
    try:
        path = results_in(Path(path))
        text = read_text(path, str(path), "file or folder")
    except Unreadable as exc:
        raise DiffError(str(exc)) from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DiffError(f"{path} is not valid JSON ({exc})") from None
    try:
        results = Results.from_json(data)
    except ResultsError as exc:
        raise DiffError(f"{path} is not a results.json of conformance: {exc}") from None
    if results.verdict not in VERDICT_RANK:
        raise DiffError(f"{path} is not a results.json of conformance: unknown verdict {data.get('verdict')!r}")
    return results


# -- comparing ----------------------------------------------------------------------------------
def compare(old: Results, new: Results, *, warnings_fail: bool = False) -> Diff:
    """Every requirement whose status, findings, first message, level or notes differ, by category."""
    if old.api != new.api:
        raise DiffError(f"OLD is a run of the {old.api} API and NEW of {new.api}; compare runs of one API")
    diff = Diff(api=new.api, old=_about(old), new=_about(new), warnings_fail=warnings_fail)
    before = {r.id: r for r in old.requirements}
    after = {r.id: r for r in new.requirements}
    for rid in list(after) + [r for r in before if r not in after]:
        a, b = before.get(rid), after.get(rid)
        either = b or a
        change = Change(id=rid, level=either.level if either is not None else "",
                        old_status=a.status if a else None, new_status=b.status if b else None,
                        old_message=_first(a), new_message=_first(b))
        _classify(diff, change, a, b)
    return diff


def _classify(diff: Diff, change: Change, a: RequirementResult | None, b: RequirementResult | None) -> None:
    was, now = change.old_status, change.new_status
    new = change_of(was, kept_identities(a) if a is not None else None, b) if b is not None else None
    if is_worse(new):
        if new == FAILS_DIFFERENTLY:
            change.what = "fails differently (a finding OLD did not have)"
        diff.newly_failing.append(change)
    elif new in (NEWLY_WARNING, WARNS_DIFFERENTLY):
        if new == WARNS_DIFFERENTLY:
            change.what = "warns differently (a finding OLD did not have)"
        diff.newly_warning.append(change)
    elif was in BAD and now == "passed":
        diff.fixed.append(change)
    elif now == "skipped" and was in ("passed", "failed", "warning"):
        diff.newly_skipped.append(change)
    elif was != now:
        change.what = "added" if was is None else "removed" if now is None else f"{was} -> {now}"
        diff.changed.append(change)
    else:
        what = []
        if change.old_message != change.new_message:
            what.append("reason" if now == "skipped" else "first message")
        if a and b and a.level != b.level:
            what.append(f"level {a.level} -> {b.level}")
        if a and b and a.notes != b.notes:
            what.append("notes")
        if what:
            change.what = ", ".join(what)
            diff.changed.append(change)


def _first(req: RequirementResult | None) -> str:
    if req is None:
        return ""
    if req.failures:
        return req.first_message
    return (req.reason or "") if req.status == "skipped" else ""


def _about(results: Results) -> RunLabel:
    return RunLabel(results.started_at, results.target, results.profile, results.verdict)


# -- output -------------------------------------------------------------------------------------
SECTIONS = (("newly_failing", "Newly failing"), ("newly_warning", "Newly warning"), ("fixed", "Fixed"),
            ("newly_skipped", "Newly skipped"), ("changed", "Changed"))


def render(diff: Diff, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(diff.as_json(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return _markdown(diff)
    if fmt == "text":
        return _text(diff)
    raise DiffError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _run_label(about: RunLabel) -> str:
    return f"{about.file or 'run'} ({about.started_at}, {about.target}, {about.profile})"


def _result_line(diff: Diff) -> str:
    if diff.worse:
        return f"NEW is worse: {'; '.join(diff.why_worse())} (exit 1)"
    return "NEW is not worse (exit 0)"


def _text(diff: Diff) -> str:
    lines = [f"conformance diff ({diff.api})", f"  OLD: {_run_label(diff.old)}", f"  NEW: {_run_label(diff.new)}",
             f"Verdict: {diff.old.verdict} -> {diff.new.verdict}"
             + ("" if diff.verdict_changed else " (unchanged)")]
    for key, title in SECTIONS:
        changes: list[Change] = getattr(diff, key)
        lines.append(f"{title} ({len(changes)})" + (":" if changes else ": none"))
        for c in changes:
            status = f"{c.old_status or '-'} -> {c.new_status or '-'}"
            detail = c.new_message or c.old_message
            extra = f" [{c.what}]" if c.what and key == "changed" else ""
            lines.append(f"  {c.id:<28} {c.level:<6} {status:<20}{extra} {_one_line(detail, 160)}".rstrip())
    lines.append(_result_line(diff))
    return "\n".join(lines) + "\n"


def _markdown(diff: Diff) -> str:
    old, new = diff.old, diff.new
    lines = [f"### conformance diff ({markdown_cell(diff.api)})", "",
             "| | OLD | NEW |", "|---|---|---|",
             f"| run | {markdown_cell(old.started_at)} | {markdown_cell(new.started_at)} |",
             f"| target | {markdown_cell(old.target)} | {markdown_cell(new.target)} |",
             f"| verdict | **{markdown_cell(old.verdict)}** | **{markdown_cell(new.verdict)}** |", ""]
    for key, title in SECTIONS:
        changes: list[Change] = getattr(diff, key)
        lines.append(f"**{title} ({len(changes)})**" + ("" if changes else ": none"))
        lines.append("")
        if changes:
            lines += ["| requirement | level | was | now | what | message |", "|---|---|---|---|---|---|"]
            for c in changes:
                lines.append(f"| `{c.id}` | {c.level} | {c.old_status or '-'} | {c.new_status or '-'} | "
                             f"{markdown_cell(c.what)} | {markdown_cell(c.new_message or c.old_message)} |")
            lines.append("")
    lines.append(f"**Result:** {markdown_cell(_result_line(diff))}")
    return "\n".join(lines) + "\n"


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


_MARKDOWN_SPECIAL = "\\`*_[]<>|~#!"


def markdown_cell(text: Any, limit: int = 300) -> str:
    """Text from a server, safe in one Markdown table cell: one line, ``|`` escaped, and no
    markup (links, images, HTML) a hostile server could smuggle into a CI summary."""
    flat = _one_line("" if text is None else str(text), limit).replace("&", "&amp;")
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in flat)


# -- command ------------------------------------------------------------------------------------
def main(old: str, new: str, fmt: str = "text", *, warnings_fail: bool = False) -> int:
    """``conformance diff OLD NEW``: 0 not worse, 1 worse, 2 an input cannot be used."""
    try:
        if fmt not in FORMATS:
            raise DiffError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        diff = compare(load_results(old), load_results(new), warnings_fail=warnings_fail)
        diff.old.file, diff.new.file = old, new
    except DiffError as exc:
        print(f"conformance diff: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(render(diff, fmt))
    return 1 if diff.worse else 0
