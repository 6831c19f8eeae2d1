"""Rendering of validation results: JSON exactly as docs/interface.md, and text for people.

The text form groups repeated findings so that a 500-booking file stays readable: findings of
one rule, one level and one field of every booking (``/*/lang``) collapse into one line,

    SHOULD RMP-V2-LANG × 480 at /0/lang, /1/lang, /2/lang, /3/lang, /4/lang, … (first 5 shown)
           e.g. /0/lang: expected the code in uppercase …

MUST findings come first, then warnings, each in order of first appearance. Everything from the
payload (file names, keys in paths) is escaped before it reaches a terminal.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .model import Version, Violation
from .text import escape_unprintable

GROUP_FROM = 4      # this many findings of one kind or more are grouped
PATHS_SHOWN = 5


@dataclass
class FileResult:
    file: str                               # as given on the command line; "-" is standard input
    as_: Version | None                     # the version checked against, None when unknown
    violations: list[Violation] = field(default_factory=list)
    version_given: bool = False             # True: from --as; False: detected from the content

    @property
    def valid(self) -> bool:
        return not any(v.level == "MUST" for v in self.violations)

    def as_dict(self) -> dict:
        return {"file": self.file, "as": self.as_, "valid": self.valid,
                "violations": [v.as_dict() for v in self.violations]}


def render_json(results: Iterable[FileResult]) -> str:
    """``{"files": [{"file", "as", "valid", "violations": [{"rule","level","path","message"}]}]}``"""
    return json.dumps({"files": [r.as_dict() for r in results]}, indent=2) + "\n"


_INDEX = re.compile(r"^/\d+(?=/|$)")


def _kind(v: Violation) -> tuple[str, str, str]:
    """Findings of one kind: same level, rule and field, whichever booking they are in."""
    return (v.level, v.rule, _INDEX.sub("/*", v.path))


def group(violations: list[Violation]) -> list[list[Violation]]:
    """Findings grouped by kind (MUST kinds first, each in order of first appearance); kinds with
    fewer than ``GROUP_FROM`` findings are split back into single findings."""
    kinds: dict[tuple[str, str, str], list[Violation]] = {}
    for v in violations:
        kinds.setdefault(_kind(v), []).append(v)
    ordered = sorted(kinds.values(), key=lambda vs: 0 if vs[0].level == "MUST" else 1)  # stable
    out: list[list[Violation]] = []
    for members in ordered:
        if len(members) >= GROUP_FROM:
            out.append(members)
        else:
            out.extend([m] for m in members)
    return out


def _where(path: str) -> str:
    return escape_unprintable(path) if path else "(document)"


def render_file_text(result: FileResult) -> str:
    name = "standard input" if result.file == "-" else escape_unprintable(result.file)
    if any(v.rule == "RMP-JSON" and v.level == "MUST" for v in result.violations):
        as_text = "not JSON, so its content was not checked"
    elif result.as_ is None:
        as_text = "version unknown"
    else:
        as_text = f"as {result.as_} ({'--as' if result.version_given else 'detected from the fields'})"
    musts = sum(1 for v in result.violations if v.level == "MUST")
    shoulds = len(result.violations) - musts
    if result.valid:
        verdict = "valid" + (f", {shoulds} warning{'s' * (shoulds != 1)}" if shoulds else ", no findings")
    else:
        verdict = f"NOT VALID: {musts} violation{'s' * (musts != 1)}" + (
            f", {shoulds} warning{'s' * (shoulds != 1)}" if shoulds else "")
    lines = [f"{name}: {as_text}: {verdict}"]
    for members in group(result.violations):
        first = members[0]
        head = f"  {first.level:<6} {first.rule}"
        if len(members) == 1:
            lines.append(f"{head} {_where(first.path)}: {first.message}")
            continue
        shown = ", ".join(_where(m.path) for m in members[:PATHS_SHOWN])
        more = f", … (first {PATHS_SHOWN} shown)" if len(members) > PATHS_SHOWN else ""
        lines.append(f"{head} × {len(members)} at {shown}{more}")
        lines.append(f"{'':9}e.g. {_where(first.path)}: {first.message}")
    return "\n".join(lines) + "\n"


def render_text(results: list[FileResult]) -> str:
    parts = [render_file_text(r) for r in results]
    if len(results) > 1:
        bad = sum(1 for r in results if not r.valid)
        parts.append(f"{len(results)} files checked: {len(results) - bad} valid, {bad} not valid\n")
    return "".join(parts)
