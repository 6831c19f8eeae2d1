"""HTML fragments for pytest-html: the verdict, the requirement table, provenance, findings."""
from __future__ import annotations

from html import escape
from typing import Any

from conformance.checks.base import Outcome

STATUS_COLOUR = {"passed": "#1a7f37", "failed": "#cf222e", "warning": "#9a6700", "skipped": "#57606a"}
PRE = "white-space:pre-wrap;word-break:break-all;max-height:20em;overflow:auto"
VERDICT_COLOUR = {"conformant": "#1a7f37", "non-conformant": "#cf222e", "incomplete": "#9a6700"}


def e(value: Any) -> str:
    return escape(str(value), quote=True)


def verdict_block(results: dict[str, Any]) -> str:
    verdict = results["verdict"]
    colour = VERDICT_COLOUR.get(verdict, "#57606a")
    counts: dict[str, int] = {}
    for r in results["requirements"]:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    lines = [
        f'<div id="conformance-verdict" style="border:3px solid {colour};padding:12px;margin:8px 0;">',
        f'<h2 style="color:{colour};margin:0">Verdict: {e(verdict)}</h2>',
        f"<p>{e(results['api'])} API at <code>{e(results['target'])}</code> — {e(summary)}.</p>",
    ]
    if results.get("aborted"):
        lines.append(f"<p><strong>Run aborted:</strong> {e(results['aborted'])}</p>")
    lines.append("</div>")
    return "\n".join(lines)


def requirements_table(results: dict[str, Any]) -> str:
    rows = ['<table id="conformance-requirements" style="border-collapse:collapse;margin:8px 0">',
            "<thead><tr><th>ID</th><th>level</th><th>source</th><th>status</th><th>requirement</th><th>reason / first failure</th></tr></thead><tbody>"]
    for r in results["requirements"]:
        colour = STATUS_COLOUR.get(r["status"], "#57606a")
        detail = r.get("reason") or (r["failures"][0]["message"] if r.get("failures") else "")
        rows.append(
            "<tr>"
            f'<td><a href="#req-{e(r["id"])}"><code>{e(r["id"])}</code></a></td><td>{e(r["level"])}</td><td>{e(r.get("source", ""))}</td>'
            f'<td style="color:{colour};font-weight:bold">{e(r["status"])}</td><td>{e(r["title"])}</td><td>{e(detail[:300])}</td>'
            "</tr>"
        )
    rows.append("</tbody></table>")
    return "\n".join(rows)


def provenance(results: dict[str, Any], extra: dict[str, Any]) -> str:
    items = {
        "tool": f"{results['tool']['name']} {results['tool']['version']}",
        "catalog version": results["catalog_version"],
        "spec SHA-256": results["spec_sha256"],
        "target": results["target"],
        "API": results["api"],
        "profile": results["profile"],
        "seed": results["seed"],
        "read-only": results["read_only"],
        "started": results["started_at"],
        "finished": results["finished_at"],
        "requests": results["stats"]["requests"],
        "duration": f"{results['stats']['duration_s']} s",
        **extra,
    }
    rows = "".join(f"<tr><th style='text-align:left'>{e(k)}</th><td><code>{e(v)}</code></td></tr>" for k, v in items.items())
    return f'<h3>Provenance</h3><table id="conformance-provenance">{rows}</table>'


def findings_block(requirement: Any, outcome: Outcome) -> str:
    """One requirement's evidence: expected vs observed, request, response excerpt, curl."""
    parts = [f'<div id="req-{e(requirement.id)}"><p><strong>[{e(requirement.id)}] {e(requirement.title)}</strong> ({e(requirement.level)})</p>',
             f"<p><em>Requirement:</em> {e(requirement.text)}</p>"]
    for f in outcome.findings:
        parts.append('<div style="border-left:4px solid #cf222e;padding-left:8px;margin:6px 0">')
        parts.append(f"<p>{e(f.message)}" + (f" <em>(seen {f.count} times)</em>" if f.count > 1 else "") + "</p>")
        if f.request:
            parts.append(f"<p><em>Request:</em> <code>{e(f.request)}</code></p>")
        if f.response:
            parts.append(f"<p><em>Response:</em></p><pre style='{PRE}'>{e(f.response)}</pre>")
        if f.reproduce:
            parts.append(f"<p><em>Reproduce with:</em></p><pre style='{PRE}'>{e(f.reproduce)}</pre>")
        parts.append("</div>")
    if outcome.dropped:
        parts.append(f"<p>… and {outcome.dropped} more distinct failures.</p>")
    for note in outcome.notes:
        parts.append(f"<p><em>Note:</em> {e(note)}</p>")
    parts.append("</div>")
    return "\n".join(parts)
