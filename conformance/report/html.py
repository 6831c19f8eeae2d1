"""``report.html``: one self-contained page a person reads, rendered from ``results.json`` alone.

Why not pytest-html's page: its layout is fixed (an environment box above everything, one
collapsible row per test with each failure shown twice, a table drawn by script so links into it
resolve only after it ran, and filters that know neither "warning" nor "not certified"). A
certification report is a view of the results, so it is rendered from them here; pytest-html
still embeds the same body when the pytest route asks for ``--html``.

The order is the reader's: the verdict first (it fits the first screen, with the rule that gives
it), then root causes, then one row per requirement (each ID links to its own section), then one
section per requirement, each failure told once with its evidence, then coverage and provenance.

Everything that came from a server is escaped (``e``) and was redacted before it got here; the
page loads nothing from the network and its only script is the fixed one below (filters, copy).
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from html import escape
from typing import Any

from conformance.report.text import not_verified, rerun_command
from conformance.results import CONFIRMED, NOT_REPRODUCED, FindingResult, OperationCount, RequirementResult, Results

STATUS_COLOUR = {"passed": "#1a7f37", "failed": "#cf222e", "warning": "#9a6700", "skipped": "#57606a",
                 "not certified": "#57606a"}
VERDICT_COLOUR = {"conformant": "#1a7f37", "non-conformant": "#cf222e", "incomplete": "#9a6700"}
MAX_BODY_SHOWN = 6000      # characters of a pretty-printed body; the excerpt itself is bounded upstream
MAX_VERDICT_LINKS = 12     # failed requirements named in the verdict box; the table has them all
VERDICT_RULE = ("How the verdict follows: a MUST requirement failed: non-conformant. None failed, but one could not "
                "be verified, or only partly: incomplete. Otherwise conformant (SHOULD warnings allowed). "
                "Green means tested. "
                "A failure marked “not reproduced on replay” still counts: the server answered wrongly at least "
                "once, and a server that is right only some of the time breaks the requirement; the mark tells a "
                "flaky server from a steady one.")

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1f2328;background:#fff}
main{max-width:1180px;margin:0 auto;padding:12px 20px 40px}
h1{font-size:20px;margin:8px 0}
h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:14px 0 6px}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;
padding:8px;max-height:24em;overflow:auto;margin:4px 0}
#verdict{border:4px solid;border-radius:6px;padding:8px 14px;margin:6px 0 10px}
#verdict h1{font-size:26px;margin:0}
#verdict p{margin:6px 0}
.rule{font-size:12px}
nav a{margin-right:12px}
.badge{display:inline-block;border-radius:10px;padding:0 8px;color:#fff;font-weight:600;font-size:12px;
white-space:nowrap}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:4px 6px;border-bottom:1px solid #eaeef2}
#requirements td.detail{max-width:520px}
.detail div{overflow:hidden;text-overflow:ellipsis;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical}
.finding{border-left:4px solid #cf222e;padding:2px 10px;margin:10px 0}
.finding.should{border-left-color:#9a6700}
.replay{border-radius:4px;padding:0 6px;font-size:12px;white-space:nowrap;border:1px solid}
.replay.confirmed{color:#cf222e} .replay.flaky{color:#9a6700} .replay.unsent{color:#57606a}
.kv th{width:9em;color:#57606a;font-weight:normal}
.copy{float:right;font-size:11px;margin:2px}
.filters label{margin-right:12px}
section.req{border-top:1px solid #d0d7de;margin-top:14px}
.top{float:right;font-size:12px}
.muted{color:#57606a}
code.id{white-space:nowrap}
.replay.confirmed.warn{color:#9a6700}
.summary{border:1px solid #d0d7de;border-left:4px solid #9a6700;border-radius:4px;padding:4px 12px;margin:10px 0}
.summary h2{border:0;margin:6px 0;font-size:16px}
.summary li{margin:4px 0}
.gate{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;border:1px solid;white-space:nowrap}
.gate.new,.gate.worse,.gate.expired{color:#cf222e} .gate.known,.gate.unverified{color:#57606a}
.gate.fixed{color:#1a7f37} .gate.new-warning{color:#9a6700}
td.never{color:#cf222e;font-weight:600} td.unlisted{color:#9a6700;font-weight:600}
.artifacts a{margin-right:10px}
.ev{display:grid;grid-template-columns:1fr 1fr;gap:8px}
.ev>div{min-width:0}
.headers{font-size:12px}
.headers th{font-weight:normal;color:#57606a;white-space:nowrap;width:1%}
.headers td{overflow-wrap:anywhere}
p code,td code,li code{overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%}
.detail div[tabindex]{cursor:pointer}
.detail div:focus{display:block;-webkit-line-clamp:unset;overflow:visible;outline:1px dotted #57606a}
@media (max-width:700px){
main{padding:8px 10px 30px}
#verdict{padding:6px 10px}
#verdict h1{font-size:22px}
#requirements thead{display:none}
#requirements,#requirements tbody,#requirements tr,#requirements td{display:block;width:auto}
#requirements tr{border-bottom:1px solid #d0d7de;padding:6px 0}
#requirements td{border:0;padding:1px 0}
#requirements td.lvl,#requirements td.st,#requirements td.rid{display:inline-block;margin-right:8px}
#requirements td.detail{max-width:none}
#requirements td.gatecell{display:inline-block}
.kv th{width:auto;min-width:5em}
.ev{grid-template-columns:1fr}
.copy{float:none}
}
@media print{
body{font-size:11px}
main{max-width:none;padding:0}
pre{max-height:none;overflow:visible;white-space:pre-wrap;word-break:break-word}
.scroll{overflow:visible}
button,.copy,.filters,nav,.top{display:none!important}
.detail div{display:block;-webkit-line-clamp:unset;overflow:visible}
#requirements tbody tr{display:table-row!important}
a{color:inherit;text-decoration:none}
#verdict,.finding pre,tr{break-inside:avoid}
h2,h3{break-after:avoid}
}
"""

SCRIPT = """
function applyFilters(){
  var show={};document.querySelectorAll('.filters input').forEach(function(b){show[b.value]=b.checked;});
  document.querySelectorAll('#requirements tbody tr').forEach(function(row){
    row.style.display=show[row.getAttribute('data-status')]?'':'none';});}
document.querySelectorAll('.filters input').forEach(function(box){box.addEventListener('change',applyFilters);});
function copyByHand(text){
  var area=document.createElement('textarea');area.value=text;area.setAttribute('readonly','');
  area.style.position='fixed';area.style.opacity='0';document.body.appendChild(area);area.select();
  var ok=false;try{ok=document.execCommand('copy');}catch(err){ok=false;}
  document.body.removeChild(area);return ok;}
function copied(button,ok){
  button.textContent=ok?'copied':'select and copy by hand';
  setTimeout(function(){button.textContent='copy';},1500);}
document.querySelectorAll('button.copy').forEach(function(button){button.addEventListener('click',function(){
  var text=document.getElementById(button.getAttribute('data-for')).textContent;
  if(navigator.clipboard&&navigator.clipboard.writeText){
    navigator.clipboard.writeText(text).then(function(){copied(button,true);},
      function(){copied(button,copyByHand(text));});
  }else{copied(button,copyByHand(text));}});});
"""


def e(value: object) -> str:
    """Escaped for HTML text and attribute values alike: the only way a value enters the page."""
    return escape(str(value), quote=True)


def _status(entry: RequirementResult) -> str:
    """A requirement left out on purpose reads "not certified", not "skipped": it was never tried."""
    return "not certified" if not entry.certified else entry.status


def _badge(status: str) -> str:
    return f'<span class="badge" style="background:{STATUS_COLOUR.get(status, "#57606a")}">{e(status)}</span>'


def _plural(n: object, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _link(rid: str) -> str:
    return f'<a href="#req-{e(rid)}"><code class="id">{e(rid)}</code></a>'


def _linked(text: str, ids: set[str]) -> str:
    """``text`` escaped, with every requirement ID of this run made a link to its section (an ID
    is letters, digits and dashes, which escaping leaves alone)."""
    linked = re.sub(r"\b[A-Z]{2,4}(?:-[A-Z0-9]+)+\b",
                    lambda m: f'<a href="#req-{m.group(0)}">{m.group(0)}</a>' if m.group(0) in ids else m.group(0),
                    e(text))
    return re.sub(r"`([^`<>]+)`", r"<code>\1</code>", linked)   # `code` spans set as code, not shown as source


def _md(text: object) -> str:
    """Catalog text as the reader should see it: `code` spans set as code and **strong** as
    strong, never the Markdown source; everything escaped first."""
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", e(text))
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


def _ids(results: Results) -> set[str]:
    return set(results.ids())


def _counts(results: Results) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results.requirements:
        counts[_status(r)] = counts.get(_status(r), 0) + 1
    return {s: counts[s] for s in STATUS_COLOUR if s in counts}


GATE_STATES = (("known", "known"), ("new", "new"), ("worse", "worse"), ("expired", "expired"),
               ("fixed", "fixed"), ("warnings", "new warning"), ("unverified", "unverified"))


def _gate(results: Results) -> dict[str, str]:
    """Requirement -> its state under the baseline gate (known, new, worse, expired, fixed, new
    warning, unverified); empty when no baseline was applied."""
    baseline = results.baseline
    if baseline is None:
        return {}
    states: dict[str, str] = {}
    for key, state in GATE_STATES:
        for rid in getattr(baseline, key):
            states.setdefault(rid, state)
    return states


def _gate_mark(state: str) -> str:
    return f'<span class="gate {e(state.replace(" ", "-"))}">{e(state)}</span>' if state else ""


def _replay(entry: RequirementResult) -> str:
    """The replay mark of a requirement's first failure, if it was replayed."""
    return entry.failures[0].replay if entry.failures else ""


# -- the page ---------------------------------------------------------------------------------------
def render(results: Results) -> str:
    """The whole page."""
    title = f"Conformance report: {results.api} — {results.verdict}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{e(title)}</title><style>{CSS}</style></head><body><main>"
            f"{body(results)}</main><script>{SCRIPT}</script></body></html>\n")


def body(results: Results) -> str:
    """The page's content alone: pytest-html embeds it as it is (without the script)."""
    parts = [verdict_block(results), not_verified_summary(results), root_causes(results), requirements_table(results),
             "".join(requirement_section(r, results) for r in results.requirements),
             coverage(results), provenance(results)]
    return "\n".join(p for p in parts if p)


# -- the verdict ------------------------------------------------------------------------------------
def verdict_block(results: Results) -> str:
    """The first screen: verdict, what was certified, the tally, what failed, and the rule."""
    colour = VERDICT_COLOUR.get(results.verdict, "#57606a")
    tally = " ".join(f"{_badge(s)} {n}" for s, n in _counts(results).items())
    lines = [f'<div id="verdict" style="border-color:{colour}">',
             f'<h1 style="color:{colour}">Verdict: {e(results.verdict)}</h1>',
             f"<p>{_run_line(results)}</p>", f"<p>{tally}</p>", _failed_line(results), *_verdict_notes(results),
             "" if results.configuration_error else f'<p class="muted rule" id="verdict-rule">{e(VERDICT_RULE)}</p>',
             _nav(results), "</div>"]
    return "\n".join(line for line in lines if line)


def _run_line(results: Results) -> str:
    stats = results.stats
    replays = stats.replays
    extra = f", {_plural(replays, 'replay')} included" if replays else ""
    return (f"{e(results.api)} API at <code>{e(results.target)}</code> — profile {e(results.profile)}, "
            f"seed {e(results.seed)}, {e(stats.requests)} requests{e(extra)} in {e(stats.duration_s)} s, "
            f"{e(results.started_at)}")


def _failed_line(results: Results) -> str:
    failed = [r for r in results.requirements if _status(r) == "failed"]
    if not failed:
        return ""
    links = []
    for r in failed[:MAX_VERDICT_LINKS]:
        flaky = f" ({NOT_REPRODUCED})" if _replay(r).startswith(NOT_REPRODUCED) else ""
        links.append(f"{_link(r.id)}{e(flaky)}")
    more = f" and {len(failed) - MAX_VERDICT_LINKS} more" if len(failed) > MAX_VERDICT_LINKS else ""
    return f"<p><strong>Failed:</strong> {', '.join(links)}{e(more)}</p>"


def _verdict_notes(results: Results) -> list[str]:
    notes = []
    if results.configuration_error:
        notes.append(f"<p><strong>Configuration error (nothing was judged):</strong> "
                     f"{e(results.configuration_error)}</p>")
    if results.aborted:
        notes.append(f"<p><strong>Run aborted:</strong> {e(results.aborted)}</p>")
    if results.cleanup_problems:
        notes.append("<p><strong>Left on the server (the suite could not release it):</strong></p><ul>"
                     + "".join(f"<li><code>{e(p)}</code></li>" for p in results.cleanup_problems) + "</ul>")
    baseline = results.baseline
    if baseline is not None:
        code = baseline.gate_exit_code
        passed = code == 0
        counts = ", ".join(f"{len(getattr(baseline, key))} {state}" for key, state in GATE_STATES
                           if getattr(baseline, key))
        notes.append(f'<p id="gate"><strong>CI gate {"passed" if passed else "failed"}: exit {e(code)}</strong> '
                     f"(baseline <code>{e(baseline.file)}</code>{': ' + e(counts) if counts else ''}). "
                     "Known failures do not fail the gate; new, worse and expired ones do. The verdict stays as "
                     "earned, and a gated run is not a certification.</p>")
    return notes


ARTIFACTS = (("results.json", "results.json"), ("traffic.har", "traffic.har"), ("junit.xml", "junit.xml"),
             ("record.json", "record.json"))


def _nav(results: Results) -> str:
    targets = [("not-verified", "Not verified")] if _has_summary(results) else []
    targets += [("root-causes", "Root causes")] if results.root_causes else []
    targets += [("requirements-heading", "Requirements"), ("coverage", "Coverage"), ("provenance", "Provenance")]
    files = "".join(f'<a href="{href}">{e(label)}</a>' for href, label in ARTIFACTS)
    return ("<nav>" + "".join(f'<a href="#{t}">{label}</a>' for t, label in targets) + "</nav>"
            f'<p class="artifacts muted">Beside this page: {files}</p>')


def _has_summary(results: Results) -> bool:
    return bool(not_verified(results)) or any(r.partial for r in results.requirements)


def not_verified_summary(results: Results) -> str:
    """On the first screen: what was not verified, grouped by what blocked it, with the fix; and
    what was verified only in part (the coverage record's items not probed). Nineteen requirements
    blocked by RZ-ROOMS are one line here, not nineteen."""
    if not _has_summary(results):
        return ""
    ids = _ids(results)
    out = ['<div class="summary" id="not-verified"><h2>Not verified: what blocked what, and what to do first</h2><ul>']
    for g in not_verified(results):
        links = ", ".join(_link(rid) for rid in g.ids)
        fix = f"<br><strong>To judge them:</strong> {_linked(g.fix, ids)}." if g.fix else ""
        out.append(f'<li class="blocked-group" data-blocker="{e(g.blocker or "")}"><strong>{_linked(g.cause, ids)}'
                   f"</strong> — {e(_plural(len(g.ids), 'requirement'))}: {links}{fix}</li>")
    for r in results.requirements:
        if not r.partial:
            continue
        gaps = [i for i in r.coverage.items if i.gap]
        told = "; ".join(f"{e(i.item)}: {_linked(i.gap, ids)}" for i in gaps)
        out.append(f'<li class="partial">{_link(r.id)} partly verified (it counts as not verified for a MUST)'
                   + (f" — not probed: {told}" if told else "") + "</li>")
    out.append("</ul></div>")
    return "\n".join(out)


def root_causes(results: Results) -> str:
    """Before the table: one cause often explains several failures, and it is what gets fixed."""
    causes = results.root_causes
    notes = results.discovery
    ids = _ids(results)
    out = []
    if causes:
        out.append('<h2 id="root-causes">Root causes</h2><ul>')
        for c in causes:
            links = ", ".join(_link(r) for r in c.explains)
            out.append(f"<li>{_linked(c.summary, ids)}" + (f" — explains {links}" if links else "") + "</li>")
        out.append("</ul>")
    if notes:
        out.append('<h3>What the suite worked around</h3><ul>'
                   + "".join(f"<li>{_linked(n, ids)}</li>" for n in notes) + "</ul>")
    return "\n".join(out)


# -- the requirement table --------------------------------------------------------------------------
def requirements_table(results: Results) -> str:
    """One row per requirement, drawn here (not by script), so every link into it resolves at
    once; the filters only hide rows."""
    counts = _counts(results)
    gate = _gate(results)
    filters = "".join(f'<label><input type="checkbox" value="{e(s)}" checked> {_badge(s)} {n}</label>'
                      for s, n in counts.items())
    gate_head = "<th>gate</th>" if gate or results.baseline is not None else ""
    rows = ['<h2 id="requirements-heading">Requirements</h2>', f'<div class="filters">Show: {filters}</div>',
            '<table id="requirements"><thead><tr><th>ID</th><th>level</th><th>status</th>'
            f"{gate_head}<th>requirement</th><th>what happened</th></tr></thead><tbody>"]
    rows += [_row(r, gate if gate_head else None) for r in results.requirements]
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _row(r: RequirementResult, gate: dict[str, str] | None = None) -> str:
    status = _status(r)
    detail = _detail(r, status)
    gate_cell = "" if gate is None else f'<td class="gatecell">{_gate_mark(gate.get(r.id, ""))}</td>'
    if r.partial and status == "passed":
        detail = "partly verified: " + detail
    # the detail is cut to three lines: hover shows it whole (title), and so does a tap or Tab (focus)
    return (f'<tr data-status="{e(status)}"><td class="rid">{_link(r.id)}</td><td class="lvl">{e(r.level)}</td>'
            f'<td class="st">{_badge(status)}</td>{gate_cell}<td>{e(r.title)}</td>'
            f'<td class="detail">{_replay_mark(_replay(r), short=True, warning=status == "warning")}'
            f'<div tabindex="0" title="{e(detail)}">{e(detail)}</div></td></tr>')


def _detail(r: RequirementResult, status: str) -> str:
    """One line: the first failure, what a pass rests on, or why it was not verified."""
    if r.failures:
        return r.first_message
    if status == "passed":
        return f"verified: {_plural(r.probes, 'probe')} met it, none broke it"
    return r.reason or ""


# -- one section per requirement --------------------------------------------------------------------
def requirement_section(r: RequirementResult, results: Results) -> str:
    """The target of the requirement's links (``#req-ID``): what it asks, and what became of it."""
    status = _status(r)
    rid = r.id
    out = [f'<section class="req" id="req-{e(rid)}"><a class="top" href="#requirements-heading">↑ table</a>'
           f'<h3>{_badge(status)} <code class="id">{e(rid)}</code> {e(r.title)} '
           f'<span class="muted">({e(r.level)}, {e(r.source)})</span></h3>']
    if r.text:
        label = "What was verified" if status == "passed" else "Requirement"
        out.append(f"<p><em>{label}:</em> {_md(r.text)}</p>")
    out.append(_section_status(r, status, _ids(results)))
    state = _gate(results).get(rid)
    if state and results.baseline is not None:
        code = results.baseline.gate_exit_code
        out.append(f"<p>CI gate: {_gate_mark(state)} (the gate's exit code: {e(code)})</p>")
    out.append(_coverage_items(r, _ids(results)))
    out += [_finding(f, f"{rid}-{i}", rid, results) for i, f in enumerate(r.failures)]
    if r.more_failures:
        out.append(f"<p>… and {e(r.more_failures)} more distinct failures (see results.json).</p>")
    out += [f'<p class="muted"><em>Note:</em> {_linked(note, _ids(results))}</p>' for note in r.notes]
    out.append("</section>")
    return "\n".join(line for line in out if line)


def _section_status(r: RequirementResult, status: str, ids: set[str]) -> str:
    """A pass says what it rests on (how many probes); a skip says why, and what blocked it."""
    if status == "passed":
        return (f"<p>Passed: {e(_plural(r.probes, 'probe'))} of the run met the requirement, "
                "none broke it.</p>")
    if status in ("skipped", "not certified"):
        blocked = r.blocked_by
        told = blocked and f"blocked by {blocked}" in (r.reason or "")
        link = f" Blocked by {_link(blocked)}." if blocked and not told else ""
        return f"<p><em>Not verified:</em> {_linked((r.reason or ''), ids)}.{link}</p>"
    if not r.probes:
        return ""
    return f"<p>{e(_plural(r.probes, 'probe'))} judged against it; what broke it follows.</p>"


def _finding(f: FindingResult, fid: str, rid: str, results: Results) -> str:
    """One failure, told once: message, expected against got, set-up, request, response, and how
    to reproduce it (curl) and re-run it (the suite)."""
    should = " should" if f.warning else ""
    seen = f" <em>(seen {e(f.occurrences)} times)</em>" if f.occurrences > 1 else ""
    out = [f'<div class="finding{should}" id="finding-{e(fid)}"><p><strong>{e(f.message)}</strong>{seen} '
           f"{_replay_mark(f.replay, warning=bool(should))}</p>"]
    if f.expected or f.got:
        out.append(f'<table class="kv"><tr><th>expected</th><td>{e(f.expected)}</td></tr>'
                   f'<tr><th>got</th><td>{e(_without_got(f.got))}</td></tr></table>')
    if f.steps:
        out.append("<p><em>Set up by the suite's own requests, in order, with their answers' status:</em></p><ol>"
                   + "".join(f"<li><code>{e(s)}</code></li>" for s in f.steps) + "</ol>")
    out.append(_exchange(f))
    if f.reproduce:
        out.append(_copyable("Reproduce with", f"curl-{fid}", f.reproduce))
    out.append(_copyable("Re-run this requirement", f"rerun-{fid}", rerun_command(results, rid)))
    out.append("</div>")
    return "\n".join(out)


def _without_got(text: str) -> str:
    """The "got" row's text without a leading "got" of its own ("got got a body …")."""
    return text[4:] if text.startswith("got ") else text


def _coverage_items(r: RequirementResult, ids: set[str]) -> str:
    """What the requirement planned to probe and how each item went (the coverage record)."""
    items = r.coverage.items
    if not items:
        return ""
    rows = "".join(
        f"<tr><td>{e(i.item)}</td><td>{e(i.probes)}</td>"
        f"<td>{_linked(i.gap, ids) if i.gap else 'probed'}</td></tr>" for i in items)
    done = sum(1 for i in items if not i.gap)
    return (f'<div class="scroll"><table class="coverage-items"><caption class="muted">Planned {len(items)}, probed '
            f"{done}</caption><thead><tr><th>planned item</th><th>probes</th><th>outcome</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>")


def _exchange(f: FindingResult) -> str:
    """The deciding exchange: when it was sent and how long the answer took, its traffic.har
    entry, then the request (line, headers, body pretty-printed) beside the response (headers,
    body), so an import of several bookings can be matched to its result lines."""
    ev = f.evidence   # JSON as checks.model.exchange_detail builds it
    if not f.request and not f.response:
        return ""
    when = []
    if ev.get("sent_at"):
        when.append(f"sent {e(ev['sent_at'])}")
    if "latency_ms" in ev:
        when.append(f"answered in {e(ev['latency_ms'])} ms")
    if ev.get("har_entry"):
        when.append(f'<a href="traffic.har">traffic.har</a> entry <code>#{e(ev["har_entry"])}</code> '
                    "(its comment starts with that number)")
    meta = f'<p class="muted">{", ".join(when)}</p>' if when else ""
    request = f"<p><em>Request:</em> <code>{e(f.request)}</code></p>" + _headers(ev.get("request_headers"))
    if ev.get("request_body"):
        request += f"<pre>{e(_pretty_body(str(ev['request_body'])))}</pre>"
    response = ""
    if f.response:
        response = "<p><em>Response:</em></p>" + _headers(ev.get("response_headers"))
        response += f"<pre>{e(_pretty(f.response))}</pre>"
    return f'{meta}<div class="ev"><div>{request}</div><div>{response}</div></div>'


def _headers(pairs: object) -> str:
    if isinstance(pairs, list) and not pairs:
        return '<p class="muted headers">no headers besides the HTTP client\'s own (Host, Accept, …)</p>'
    if not isinstance(pairs, list):
        return ""
    rows = "".join(f"<tr><th>{e(k)}</th><td><code>{e(v)}</code></td></tr>" for k, v in pairs
                   if isinstance(k, str) and isinstance(v, str))
    return f'<table class="headers">{rows}</table>'


def _pretty_body(text: str) -> str:
    try:
        out = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        out = _indent_partial(text)
    return out if len(out) <= MAX_BODY_SHOWN else out[:MAX_BODY_SHOWN] + "\n…(cut here)"


def _replay_mark(replay: str, short: bool = False, warning: bool = False) -> str:
    """The replay's outcome as a label (``short`` in the table: the mark without its detail)."""
    if not replay:
        return ""
    if replay == CONFIRMED:   # amber on a warning: red says a MUST failed
        return f'<span class="replay confirmed{" warn" if warning else ""}">confirmed on replay</span>'
    if replay.startswith(NOT_REPRODUCED):
        if short:
            return f'<span class="replay flaky">{NOT_REPRODUCED}</span>'
        return (f'<span class="replay flaky">{e(replay)}</span> <em class="muted">— still counts toward the '
                "verdict</em>")
    return "" if short else f'<span class="replay unsent">{e(replay)}</span>'


def _copyable(label: str, pid: str, text: str) -> str:
    """A command with a copy button: the button copies the text of the <pre> it names."""
    return (f'<p><em>{e(label)}:</em> <button class="copy" type="button" data-for="{e(pid)}">copy</button></p>'
            f'<pre id="{e(pid)}">{e(text)}</pre>')


def _pretty(response: str) -> str:
    """The response excerpt with a JSON body indented, even one cut short (bounded)."""
    head, _, text = response.partition("\n")
    try:
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = _indent_partial(text)
    if len(text) > MAX_BODY_SHOWN:
        text = text[:MAX_BODY_SHOWN] + "\n…(cut here)"
    return f"{head}\n{text}" if text else head


def _indent_partial(text: str) -> str:
    """Indent JSON that does not parse, mostly an excerpt cut mid-document: a newline after each
    bracket and comma outside strings. Text that does not start like JSON is left as it is."""
    if not text.lstrip().startswith(("{", "[")):
        return text
    out: list[str] = []
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            in_string = escaped or ch != '"'
            escaped = not escaped and ch == "\\"
            out.append(ch)
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif ch in "{[":
            depth += 1
            out.append(ch + "\n" + "  " * depth)
        elif ch in "}]":
            depth = max(0, depth - 1)
            out.append("\n" + "  " * depth + ch)
        elif ch == ",":
            out.append(",\n" + "  " * depth)
        elif ch == ":":
            out.append(": ")
        elif not ch.isspace():
            out.append(ch)
    return re.sub(r"([\[{])\n\s*([\]}])", r"\1\2", "".join(out))


# -- coverage and provenance ------------------------------------------------------------------------
def coverage(results: Results) -> str:
    """Per call: the status codes the contract lists against those the run saw, with counts (a
    listed code never seen is flagged: createMeeting never answered 409 means the conflict path
    was never exercised); per requirement: what it planned to probe and what it probed."""
    ops = results.operations
    stats = results.stats
    out = ['<h2 id="coverage">Coverage</h2>',
           f"<p>{e(stats.requests)} requests in all: {e(_plural(stats.replays, 'replay'))} of a failure's "
           f"deciding request, {e(_plural(stats.waits, 'answer'))} 429/503 waited out "
           f"({e(stats.waited_s)} s).</p>", _status_matrix(results, ops), _planned_table(results)]
    return "\n".join(x for x in out if x)


def _status_matrix(results: Results, ops: Mapping[str, OperationCount]) -> str:
    listed = _listed_statuses(results.api)
    calls = list(listed) + [op for op in ops if op not in listed]
    if not calls:
        return ""
    codes = sorted({c for op in calls for c in listed.get(op, ())} | {str(c) for d in ops.values()
                                                                      for c in d.statuses})
    head = "".join(f"<th>{e(c)}</th>" for c in codes)
    rows = []
    never: list[str] = []
    for op in calls:
        count = ops.get(op)
        seen = dict(count.statuses) if count is not None else {}
        # the contract lists alternatives for a success (200 or 201): one of them seen covers the others
        success_seen = any(c.startswith("2") and seen.get(c) for c in listed.get(op, ()))
        cells = []
        for c in codes:
            n, is_listed = seen.get(c, 0), c in listed.get(op, ())
            if is_listed and not n and c.startswith("2") and success_seen:
                cells.append('<td title="another success code the contract lists was seen">0</td>')
            elif is_listed and not n:
                never.append(f"{op} {c}")
                cells.append('<td class="never" title="listed by the contract, never seen">0</td>')
            elif n and not is_listed and op in listed:
                cells.append(f'<td class="unlisted" title="seen, not listed by the contract">{e(n)}</td>')
            else:
                cells.append(f"<td>{e(n) if is_listed or n else '·'}</td>")
        requests = count.requests if count is not None else 0
        rows.append(f"<tr><td><code>{e(op)}</code></td><td>{e(requests)}</td>{''.join(cells)}</tr>")
    flagged = (f'<p class="never-seen"><strong>Listed but never seen:</strong> {e(", ".join(never))}: the run did '
               "not exercise these answers.</p>") if never else ""
    return ('<h3 id="status-coverage">Status codes: listed by the contract against seen</h3>'
            '<p class="muted">Counts of answers per call and status code. <span class="never">0</span> a code the '
            'contract lists for the call that no answer of the run had; <span class="unlisted">n</span> a code seen '
            "that the contract does not list; · neither.</p>"
            f'<div class="scroll"><table id="operations"><thead><tr><th>call</th><th>requests</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>{flagged}")


@functools.lru_cache(maxsize=4)
def _listed_statuses(api: str) -> dict[str, tuple[str, ...]]:
    """"METHOD operationId" -> the status codes openapi.yaml lists for it, for one API (its tag).
    The page is rendered by the tool whose spec the run used (results.json names its SHA-256)."""
    from conformance.spec import load_openapi

    try:
        spec = load_openapi()
    except Exception:   # no spec beside the package, or unreadable: the matrix shows what was seen
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for item in (spec.get("paths") or {}).values():
        for method, op in (item or {}).items():
            if not isinstance(op, dict) or "operationId" not in op or api not in (op.get("tags") or []):
                continue
            codes = tuple(sorted(str(c) for c in (op.get("responses") or {}) if str(c).isdigit()))
            out[f"{method.upper()} {op['operationId']}"] = codes
    return out


def _planned_table(results: Results) -> str:
    """Each requirement's planned items against those probed (the coverage record), and the
    probes its verdict rests on: a pass with 1 probe is thinner than one with 400."""
    rows = []
    for r in results.requirements:
        items = r.coverage.items
        done = sum(1 for i in items if not i.gap)
        gaps = "; ".join(i.item for i in items if i.gap)
        planned = f"{done} of {len(items)}" if items else "—"
        rows.append(f"<tr><td>{_link(r.id)}</td><td>{_badge(_status(r))}</td><td>{e(r.probes)}</td>"
                    f"<td>{e(planned)}</td><td>{e(gaps)}</td></tr>")
    return ('<h3 id="probes">Planned against probed, per requirement</h3><p class="muted">A probe is one answer '
            "judged against the requirement; an item is something the requirement planned to probe (a call, a kind "
            'of body, rooms beyond the first ten); one not probed leaves a pass "partly verified".</p>'
            '<div class="scroll"><table id="probes-table"><thead><tr><th>ID</th><th>status</th><th>probes</th>'
            f"<th>items probed</th><th>not probed</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def provenance(results: Results) -> str:
    """Where the verdict comes from: tool, catalog, spec, target, times, and every option used
    (secrets as the $VARIABLES they came from, never their values)."""
    rows = "".join(f"<tr><th>{e(k)}</th><td><code>{e(v)}</code></td></tr>" for k, v in _provenance_items(results))
    options = results.provenance.options
    option_rows = "".join(f"<tr><th><code>--{e(k)}</code></th><td><code>{e(v)}</code></td></tr>"
                          for k, v in _option_items(options))
    return (f'<h2 id="provenance">Provenance</h2><table class="kv" id="provenance-table">{rows}</table>'
            f'<h3>Options used</h3><table class="kv" id="options-table">{option_rows}</table>'
            '<p class="muted">record.json beside this report holds the SHA-256 of every file of the run; '
            "<code>conformance verify DIR</code> checks them, the signature and the verdict.</p>")


def _provenance_items(results: Results) -> list[tuple[str, object]]:
    stats = results.stats
    items: list[tuple[str, object]] = [
        ("tool", f"{results.tool_name} {results.tool_version}"),
        ("catalog version", results.catalog_version), ("spec SHA-256", results.spec_sha256),
        ("target", results.target), ("API", results.api), ("profile", results.profile),
        ("seed", results.seed), ("read-only", results.read_only),
        ("certification run", results.certification),
        ("started", results.started_at), ("finished", results.finished_at),
        ("requests", stats.requests), ("replays", stats.replays),
        ("duration", f"{stats.duration_s} s"),
        ("phases", ", ".join(f"{k} {v:.2f} s" for k, v in stats.phases.items())),
    ]
    reference = results.reference_server
    if reference is not None:
        items.append(("reference server", "faults: " + (", ".join(reference.faults) or "none")))
    if results.ignored_credentials:
        items.append(("not used (self-check)", ", ".join(results.ignored_credentials)))
    items += [("configuration file", results.provenance.configuration_file),
              ("baseline", results.provenance.baseline)]
    return items


def _option_items(options: Mapping[str, Any]) -> list[tuple[str, str]]:
    """An option given several times is listed once per value, as on the command line."""
    items = []
    for name, value in options.items():
        for one in value if isinstance(value, list) else [value]:
            items.append((name, json.dumps(one) if isinstance(one, bool) else str(one)))
    return items
