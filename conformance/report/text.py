"""Plain-text renderings for the terminal: the run's header, failure texts, the closing summary.

Lines wrap at the terminal's width instead of being cut.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

from conformance.results import NOT_JUDGED

if TYPE_CHECKING:
    from conformance.options import RunOptions
    from conformance.requirements import Requirement
    from conformance.results import Outcome, Results

INDENT = "    "


def header_lines(options: RunOptions) -> list[str]:
    """What this run certifies, in two lines: API, target, profile, seed, budget."""
    from conformance.profiles import describe

    target = options.base_url or "the bundled reference server"
    if getattr(options, "self_check", False):
        target = f"{options.base_url} (the bundled reference server, with its own demo credentials)"
    return [f"conformance: {options.api} API at {target}",
            f"conformance: profile {describe(options.profile)}; seed {options.seed}; budget {options.time_budget:g} s"
            + ("; read-only" if options.read_only else "")]


def failure_text(requirement: Requirement, outcome: Outcome) -> str:
    """One requirement's findings for a failed or warned test item."""
    lines = [f"[{requirement.id}] {requirement.title}",
             f"Requirement ({requirement.level}, {requirement.source}): {requirement.text}"]
    for i, f in enumerate(outcome.findings, 1):
        lines.append("")
        lines.append(f"{i}. {f.message}" + (f"  (seen {f.count} times)" if f.count > 1 else ""))
        if f.request:
            lines.append(f"   Request: {f.request}")
        if f.response:
            resp = f.response if len(f.response) < 600 else f.response[:600] + "…"
            lines.append("   Response: " + resp.replace("\n", "\n   "))
        if f.reproduce:
            lines.append(f"   Reproduce with:\n     {f.reproduce}")
        if f.replay:
            lines.append(f"   Replay: {f.replay}")
    if outcome.dropped:
        lines.append(f"… and {outcome.dropped} more distinct failures")
    for note in outcome.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def printable(text: str) -> str:
    """Server text made safe for a terminal or a CI log: one line, no control character (an
    escape sequence in a Location header must not recolour or rewrite the user's terminal)."""
    return "".join(ch if ch.isprintable() else "\N{REPLACEMENT CHARACTER}" for ch in " ".join(str(text).split()))


def _wrap(text: str, width: int, first: str, rest: str = INDENT) -> list[str]:
    text = printable(text)
    return textwrap.wrap(text, width=max(40, width), initial_indent=first, subsequent_indent=rest,
                         break_long_words=True, break_on_hyphens=False) or [first.rstrip()]


def plural(n: object, word: str) -> str:
    """``1 request``, ``2 requests``: a count and its noun, agreeing."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass
class Blocked:
    """Requirements not verified for one reason: what blocked them, and what to do about it."""

    cause: str                     # "blocked by RZ-ROOMS (GET /rooms answered …)" or the shared reason
    ids: list[str]
    blocker: str | None = None     # the requirement whose failure blocked them
    fix: str | None = None         # "fix RZ-ROOMS, or pass --room-id to judge the rest"


def _blocked_parts(reason: str, blocker: str) -> tuple[str, str | None]:
    """(what the blocker did, the hint after it) from a reason holding 'blocked by ID (…)[; hint]'."""
    at = reason.find(f"blocked by {blocker}")
    if at < 0:
        return "", None
    rest = reason[at + len(f"blocked by {blocker}"):].lstrip()
    what = ""
    if rest.startswith("("):
        depth = 0
        for i, ch in enumerate(rest):
            depth += (ch == "(") - (ch == ")")
            if depth == 0:
                what, rest = rest[1:i], rest[i + 1:]
                break
    hint = rest.lstrip("; ").strip().rstrip(".").removesuffix(" to judge the rest") or None
    return what, hint


def not_verified(results: Results) -> list[Blocked]:
    """Skipped requirements (those meant to be certified), grouped by what blocked them: one group
    per blocking requirement, naming what it did and the fix; the others grouped by their reason.
    Nineteen requirements blocked by RZ-ROOMS are one line, not nineteen."""
    groups: dict[str, Blocked] = {}
    whats: dict[str, dict[str, int]] = {}
    for r in results.requirements:
        if r.status != "skipped" or not r.certified:
            continue
        reason = r.reason or "not verified"
        blocker = r.blocked_by
        if blocker:
            what, hint = _blocked_parts(reason, blocker)
            group = groups.setdefault(f"blocked:{blocker}", Blocked("", [], blocker=blocker))
            if what:
                whats.setdefault(blocker, {})[what] = whats.get(blocker, {}).get(what, 0) + 1
            if hint and not group.fix:
                group.fix = f"fix {blocker}, or {hint}"
        else:
            group = groups.setdefault(reason, Blocked(reason, []))
        group.ids.append(r.id)
    for g in groups.values():
        if g.blocker:
            seen = whats.get(g.blocker)
            what = max(seen, key=lambda w: seen[w]) if seen else ""
            g.cause = f"blocked by {g.blocker}" + (f" ({what})" if what else "")
            g.fix = g.fix or f"fix {g.blocker}"
    return sorted(groups.values(), key=lambda g: -len(g.ids))


def verdict_line(results: Results) -> str:
    stats = results.stats
    counts: dict[str, int] = {}
    for r in results.requirements:
        word = "not certified" if not r.certified else "not judged" if r.reason == NOT_JUDGED else r.status
        counts[word] = counts.get(word, 0) + 1
    order = ("passed", "failed", "warning", "skipped", "not certified", "not judged")
    tally = ", ".join(plural(counts[k], k) if k == "warning" else f"{counts[k]} {k}" for k in order if counts.get(k))
    return (f"Verdict: {results.verdict} ({tally}; {stats.requests} requests in {stats.duration_s} s, "
            f"seed {results.seed}, profile {results.profile})")


def closing_summary(results: Results, width: int = 100) -> list[str]:
    """Failed and warned requirements with their first message, skipped ones with their reason,
    the root causes, then the verdict."""
    lines: list[str] = []
    if results.configuration_error:   # told once, on standard error, by the caller: no list of 34 "not judged"
        return [verdict_line(results)]
    if results.root_causes:
        lines.append("Root causes:")
        for c in results.root_causes:
            summary = f"{c.summary} ({', '.join(c.explains)})" if c.explains else c.summary
            lines += _wrap(summary, width, "  - ")
    for status, title in (("failed", "Failed"), ("warning", "Warnings")):
        group = [r for r in results.requirements if r.status == status and r.certified]
        if not group:
            continue
        lines.append(f"{title}:")
        for r in group:
            detail = r.reason or r.first_message or r.title
            lines += _wrap(detail, width, f"  {r.id} ({r.level}): ", INDENT)
    groups = not_verified(results)
    if groups:
        lines.append(f"Not verified ({sum(len(g.ids) for g in groups)}), by what kept them from being judged:")
        for g in groups:
            lines += _wrap(f"{g.cause}: {', '.join(g.ids)}", width, "  - ", INDENT)
            if g.fix:
                lines += _wrap(f"To judge them: {g.fix}.", width, INDENT, INDENT)
    if results.cleanup_problems:   # what the run could not release stays on the vendor's server: said where it is read
        lines.append("Left on the server (the suite could not release it):")
        for problem in results.cleanup_problems:
            lines += _wrap(problem, width, "  - ", INDENT)
    left_out = [r.id for r in results.requirements if not r.certified]
    if left_out:
        lines += _wrap(f"Not certified (left out on purpose): {', '.join(left_out)}", width, "")
    lines.append(verdict_line(results))
    return lines


def rerun_command(results: Results, rid: str) -> str:
    """The command that runs this requirement again, the same way (credentials from the environment)."""
    import shlex

    words = ["conformance", "run", "--api", results.api]
    reference = results.reference_server
    if reference is None:
        words += ["--base-url", results.target]
    else:
        for fault in reference.faults:
            words += ["--reference-fault", fault]
        for variant in reference.variants:
            words += ["--reference-variant", variant]
    words += ["--profile", results.profile, "--seed", str(results.seed), "--requirement", rid]
    return shlex.join(words)
