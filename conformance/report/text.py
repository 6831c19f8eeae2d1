"""Plain-text renderings for the terminal and pytest's failure output."""
from __future__ import annotations

from typing import Any

from conformance.checks.base import Outcome


def failure_text(requirement: Any, outcome: Outcome) -> str:
    lines = [f"[{requirement.id}] {requirement.title}", f"Requirement ({requirement.level}, {requirement.source}): {requirement.text}"]
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
    if outcome.dropped:
        lines.append(f"… and {outcome.dropped} more distinct failures")
    for note in outcome.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def summary_table(results: dict[str, Any]) -> str:
    width = max(len(r["id"]) for r in results["requirements"]) + 2
    lines = [f"{'requirement':<{width}}{'level':<8}{'status':<9}detail"]
    for r in results["requirements"]:
        detail = r.get("reason") or (r["failures"][0]["message"] if r.get("failures") else r["title"])
        detail = detail.replace("\n", " ")
        if len(detail) > 100:
            detail = detail[:99] + "…"
        lines.append(f"{r['id']:<{width}}{r['level']:<8}{r['status']:<9}{detail}")
    stats = results["stats"]
    lines.append("")
    lines.append(f"Verdict: {results['verdict']}  ({stats['requests']} requests in {stats['duration_s']} s, seed {results['seed']}, profile {results['profile']})")
    return "\n".join(lines)
