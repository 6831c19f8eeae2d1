"""``report.html``: one self-contained page a person reads, rendered from ``results.json`` alone.

Why not pytest-html's page: its layout is fixed (an environment box above everything, one
collapsible row per test with each failure shown twice, a table drawn by script so links into it
resolve only after it ran, and filters that know neither "warning" nor "not certified"). A
certification report is a view of the results, so it is rendered from them here; pytest-html
still embeds the same body when the pytest route asks for ``--html``.

Everything that came from a server is escaped (``e``) and was redacted before it got here; the
page loads nothing from the network and its only script is the fixed one below (filters, copy).
"""
from __future__ import annotations

import json
from html import escape
from typing import Any

from conformance.report.text import rerun_command

STATUS_COLOUR = {"passed": "#1a7f37", "failed": "#cf222e", "warning": "#9a6700", "skipped": "#57606a",
                 "not certified": "#57606a"}
VERDICT_COLOUR = {"conformant": "#1a7f37", "non-conformant": "#cf222e", "incomplete": "#9a6700"}
MAX_BODY_SHOWN = 6000

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1f2328;background:#fff}
main{max-width:1180px;margin:0 auto;padding:12px 20px 40px}
h1{font-size:20px;margin:8px 0} h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:14px 0 6px}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;
padding:8px;max-height:24em;overflow:auto;margin:4px 0}
#verdict{border:4px solid;border-radius:6px;padding:10px 14px;margin:6px 0 10px}
#verdict h1{font-size:26px;margin:0}
.badge{display:inline-block;border-radius:10px;padding:0 8px;color:#fff;font-weight:600;font-size:12px;white-space:nowrap}
table{border-collapse:collapse;width:100%} th,td{text-align:left;vertical-align:top;padding:4px 6px;border-bottom:1px solid #eaeef2}
#requirements td.detail{max-width:520px}
.detail div{overflow:hidden;text-overflow:ellipsis;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical}
.finding{border-left:4px solid #cf222e;padding:2px 10px;margin:10px 0}
.finding.should{border-left-color:#9a6700}
.kv th{width:9em;color:#57606a;font-weight:normal}
.copy{float:right;font-size:11px;margin:2px}
.filters label{margin-right:12px}
section.req{border-top:1px solid #d0d7de;margin-top:14px}
.muted{color:#57606a}
"""

SCRIPT = """
document.querySelectorAll('.filters input').forEach(function(box){box.addEventListener('change',function(){
  var show={};document.querySelectorAll('.filters input').forEach(function(b){show[b.value]=b.checked;});
  document.querySelectorAll('#requirements tbody tr').forEach(function(row){
    row.style.display=show[row.getAttribute('data-status')]?'':'none';});});});
document.querySelectorAll('button.copy').forEach(function(button){button.addEventListener('click',function(){
  var text=document.getElementById(button.getAttribute('data-for')).textContent;
  if(navigator.clipboard){navigator.clipboard.writeText(text);}button.textContent='copied';});});
"""


def e(value: Any) -> str:
    return escape(str(value), quote=True)


def _status(entry: dict[str, Any]) -> str:
    return "not certified" if entry.get("certified") is False else entry["status"]


def _badge(status: str) -> str:
    return f'<span class="badge" style="background:{STATUS_COLOUR.get(status, "#57606a")}">{e(status)}</span>'


def render(results: dict[str, Any]) -> str:
    """The whole page."""
    title = f"Conformance report: {results['api']} — {results['verdict']}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{e(title)}</title><style>{CSS}</style></head><body><main>"
            f"{body(results)}</main><script>{SCRIPT}</script></body></html>\n")


def body(results: dict[str, Any]) -> str:
    parts = [verdict_block(results), root_causes(results), requirements_table(results),
             "".join(requirement_section(r, results) for r in results["requirements"]),
             coverage(results), provenance(results)]
    return "\n".join(p for p in parts if p)


def verdict_block(results: dict[str, Any]) -> str:
    verdict = results["verdict"]
    colour = VERDICT_COLOUR.get(verdict, "#57606a")
    counts: dict[str, int] = {}
    for r in results["requirements"]:
        counts[_status(r)] = counts.get(_status(r), 0) + 1
    tally = " ".join(f"{_badge(s)} {n}" for s, n in counts.items())
    lines = [f'<div id="verdict" style="border-color:{colour}">',
             f'<h1 style="color:{colour}">Verdict: {e(verdict)}</h1>',
             f"<p>{e(results['api'])} API at <code>{e(results['target'])}</code> — profile {e(results['profile'])}, "
             f"seed {e(results['seed'])}, {e(results['stats']['requests'])} requests in "
             f"{e(results['stats']['duration_s'])} s, {e(results['started_at'])}</p><p>{tally}</p>"]
    if results.get("configuration_error"):
        lines.append(f"<p><strong>Configuration error (nothing was judged):</strong> {e(results['configuration_error'])}</p>")
    if results.get("aborted"):
        lines.append(f"<p><strong>Run aborted:</strong> {e(results['aborted'])}</p>")
    if results.get("baseline"):
        lines.append(f"<p><strong>Baseline applied</strong> ({e(results['baseline'].get('file', ''))}): known failures do "
                     "not fail this gate; this is not a certification.</p>")
    lines.append('<p class="muted">A MUST requirement failed: non-conformant. None failed but one could not be verified: '
                 "incomplete. Green means tested. A failure marked <em>not reproduced on replay</em> still counts: the "
                 "server answered wrongly at least once.</p></div>")
    return "\n".join(lines)


def root_causes(results: dict[str, Any]) -> str:
    causes = results.get("root_causes") or []
    notes = results.get("discovery") or []
    if not causes and not notes:
        return ""
    out = []
    if causes:
        out.append('<h2 id="root-causes">Root causes</h2><ul>')
        for c in causes:
            links = ", ".join(f'<a href="#req-{e(r)}">{e(r)}</a>' for r in c["explains"])
            out.append(f"<li>{e(c['summary'])}" + (f" — explains {links}" if links else "") + "</li>")
        out.append("</ul>")
    if notes:
        out.append('<h3>What the suite worked around</h3><ul>' + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul>")
    return "\n".join(out)


def requirements_table(results: dict[str, Any]) -> str:
    statuses = [s for s in STATUS_COLOUR if any(_status(r) == s for r in results["requirements"])]
    filters = "".join(f'<label><input type="checkbox" value="{e(s)}" checked> {_badge(s)}</label>' for s in statuses)
    rows = ['<h2 id="requirements-heading">Requirements</h2>', f'<div class="filters">Show: {filters}</div>',
            '<table id="requirements"><thead><tr><th>ID</th><th>level</th><th>status</th><th>requirement</th>'
            "<th>what happened</th></tr></thead><tbody>"]
    for r in results["requirements"]:
        status = _status(r)
        if r.get("failures"):
            detail = r["failures"][0]["message"]
        elif status == "passed":
            detail = f"verified by {r.get('probes', 0)} probe(s)"
        else:
            detail = r.get("reason", "")
        rows.append(f'<tr data-status="{e(status)}"><td><a href="#req-{e(r["id"])}"><code>{e(r["id"])}</code></a></td>'
                    f"<td>{e(r['level'])}</td><td>{_badge(status)}</td><td>{e(r['title'])}</td>"
                    f'<td class="detail"><div title="{e(detail)}">{e(detail)}</div></td></tr>')
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _pretty(response: str) -> str:
    """The response excerpt with a JSON body indented (bounded)."""
    head, _, text = response.partition("\n")
    try:
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        pass
    if len(text) > MAX_BODY_SHOWN:
        text = text[:MAX_BODY_SHOWN] + "\n…(cut here)"
    return f"{head}\n{text}" if text else head


def requirement_section(r: dict[str, Any], results: dict[str, Any]) -> str:
    status = _status(r)
    rid = r["id"]
    out = [f'<section class="req" id="req-{e(rid)}"><h3>{_badge(status)} <code>{e(rid)}</code> {e(r["title"])} '
           f'<span class="muted">({e(r["level"])}, {e(r.get("source", ""))})</span></h3>']
    if r.get("text"):
        out.append(f"<p><em>Requirement:</em> {e(r['text'])}</p>")
    if status == "passed":
        out.append(f"<p>Verified by {e(r.get('probes', 0))} probe(s); every one met the requirement.</p>")
    elif status in ("skipped", "not certified"):
        blocked = r.get("blocked_by")
        link = f' Blocked by <a href="#req-{e(blocked)}">{e(blocked)}</a>.' if blocked else ""
        out.append(f"<p><em>Not verified:</em> {e(r.get('reason', ''))}.{link}</p>")
    for i, f in enumerate(r.get("failures") or []):
        fid = f"{rid}-{i}"
        should = " should" if f.get("severity") == "warning" else ""
        out.append(f'<div class="finding{should}"><p><strong>{e(f["message"])}</strong>'
                   + (f" <em>(seen {e(f['occurrences'])} times)</em>" if f.get("occurrences") else "")
                   + (f" <em>— {e(f['replay'])}</em>" if f.get("replay") else "") + "</p>")
        if f.get("expected") or f.get("got"):
            out.append(f'<table class="kv"><tr><th>expected</th><td>{e(f.get("expected", ""))}</td></tr>'
                       f'<tr><th>got</th><td>{e(f.get("got", ""))}</td></tr></table>')
        if f.get("steps"):
            out.append("<p><em>Set up by the suite's own requests, in order:</em></p><ol>"
                       + "".join(f"<li><code>{e(s)}</code></li>" for s in f["steps"]) + "</ol>")
        if f.get("request"):
            out.append(f"<p><em>Request:</em> <code>{e(f['request'])}</code></p>")
        if f.get("response"):
            out.append(f"<p><em>Response:</em></p><pre>{e(_pretty(f['response']))}</pre>")
        if f.get("reproduce"):
            out.append(f'<p><em>Reproduce with:</em> <button class="copy" data-for="curl-{e(fid)}">copy</button></p>'
                       f'<pre id="curl-{e(fid)}">{e(f["reproduce"])}</pre>')
        out.append(f'<p><em>Re-run this requirement:</em> <button class="copy" data-for="rerun-{e(fid)}">copy</button></p>'
                   f'<pre id="rerun-{e(fid)}">{e(rerun_command(results, rid))}</pre></div>')
    if r.get("more_failures"):
        out.append(f"<p>… and {e(r['more_failures'])} more distinct failures (see results.json).</p>")
    for note in r.get("notes") or []:
        out.append(f'<p class="muted"><em>Note:</em> {e(note)}</p>')
    out.append("</section>")
    return "\n".join(out)


def coverage(results: dict[str, Any]) -> str:
    ops = (results.get("coverage") or {}).get("operations") or {}
    if not ops:
        return ""
    rows = ['<h2 id="coverage">Coverage</h2><p>Requests per call and the status codes the server answered '
            "(the suite's own probes included). Per requirement, the probe count is in its section.</p>",
            "<table><thead><tr><th>call</th><th>requests</th><th>status codes seen</th></tr></thead><tbody>"]
    for op, data in ops.items():
        codes = ", ".join(f"{code} × {n}" for code, n in sorted(data["statuses"].items()))
        rows.append(f"<tr><td><code>{e(op)}</code></td><td>{e(data['requests'])}</td><td>{e(codes)}</td></tr>")
    rows.append("</tbody></table>")
    return "\n".join(rows)


def provenance(results: dict[str, Any]) -> str:
    stats = results["stats"]
    items: dict[str, Any] = {
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
        "requests": stats["requests"],
        "replays": stats.get("replays", 0),
        "duration": f"{stats['duration_s']} s",
        "phases": ", ".join(f"{k} {v:.2f} s" for k, v in (stats.get("phases") or {}).items()),
    }
    for key, value in (results.get("provenance") or {}).items():
        items[key] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    rows = "".join(f"<tr><th>{e(k)}</th><td><code>{e(v)}</code></td></tr>" for k, v in items.items())
    return f'<h2 id="provenance">Provenance</h2><table class="kv" id="provenance-table">{rows}</table>'
