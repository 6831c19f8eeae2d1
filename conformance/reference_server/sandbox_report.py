"""The Roomonitor sandbox's report: what each import carried and what the sandbox answered.

``conformance serve --api roomonitor --report-dir DIR`` writes it on shutdown so a PMS developer
gets, for every payload their client sent, the RMP-* findings (rendered by
``conformance.payloads.report``, the same text as ``conformance validate``) next to the HTTP
answer their client received. Raw bodies are not written: they hold guests' names and phones.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any

from conformance.payloads import report as payload_report

from .dates import format_utc
from .roomonitor import ReceivedImport

JSON_NAME = "sandbox.json"
TEXT_NAME = "sandbox.txt"
HTML_NAME = "sandbox.html"


def _label(n: int, item: ReceivedImport) -> str:
    return f"import #{n} ({item.version}, {format_utc(item.received_at)}, HTTP {item.status})"


def as_dict(n: int, item: ReceivedImport) -> dict[str, Any]:
    """One import as JSON: request facts, the answer, and the findings in `validate`'s shape."""
    return {
        "n": n,
        "received_at": format_utc(item.received_at),
        "endpoint": f"/{item.version}/import_bookings/{{userId}}",
        "version": item.version,
        "detected_version": item.detected_version,
        "body_bytes": len(item.body),
        "status": item.status,
        "message": item.message,
        "valid": not any(v.level == "MUST" for v in item.violations),
        "violations": [v.as_dict() for v in item.violations],
        "results": [v.line for v in item.verdicts],
    }


def render_html(document: dict[str, Any]) -> str:
    """A self-contained page: one section per import, every value escaped (it came from a client)."""
    imports = document["imports"]
    bad = sum(1 for i in imports if not i["valid"])
    verdict = "no import received" if not imports else ("every payload valid" if not bad
                                                        else f"{bad} of {len(imports)} imports violate a MUST rule")
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>Roomonitor sandbox report</title>",
           "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
           "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
           ".MUST{color:#cf222e}.SHOULD{color:#9a6700}</style></head><body>",
           "<h1>Roomonitor sandbox report</h1>", f"<p id='sandbox-verdict'><strong>{escape(verdict)}</strong></p>"]
    for item in imports:
        out.append(f"<h2>Import #{item['n']}: {escape(item['endpoint'])} at {escape(item['received_at'])} &rarr; HTTP "
                   f"{item['status']}</h2>")
        message = ": " + escape(str(item["message"])) if item["message"] else ""
        out.append(f"<p>{item['body_bytes']} bytes, detected {escape(str(item['detected_version']))}; "
                   f"{'valid' if item['valid'] else 'invalid'}{message}</p>")
        if item["violations"]:
            out.append("<table><tr><th>rule</th><th>level</th><th>where</th><th>finding</th></tr>")
            for v in item["violations"]:
                out.append(f"<tr><td><code>{escape(v['rule'])}</code></td>"
                           f"<td class='{escape(v['level'])}'>{escape(v['level'])}</td>"
                           f"<td><code>{escape(v['path'] or '(document)')}</code></td>"
                           f"<td>{escape(v['message'])}</td></tr>")
            out.append("</table>")
        if item["results"]:
            out.append("<p>Answer lines:</p><ol>" + "".join(f"<li><code>{escape(str(line))}</code></li>"
                                                            for line in item["results"]) + "</ol>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_sandbox_report(received: Iterable[ReceivedImport], report_dir: str | Path) -> list[Path]:
    """Write ``sandbox.json``, ``sandbox.txt`` and ``sandbox.html`` into ``report_dir`` (created)."""
    items = list(received)
    folder = Path(report_dir)
    folder.mkdir(parents=True, exist_ok=True)
    json_path, text_path = folder / JSON_NAME, folder / TEXT_NAME
    document = {"imports": [as_dict(n, item) for n, item in enumerate(items, 1)]}
    # a client may send a lone surrogate ("\\ud800", valid JSON) and findings quote it: every file writes it
    # as that escape (backslashreplace), which in sandbox.json is the same JSON string again
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8",
                         errors="backslashreplace")
    if items:
        results = [payload_report.FileResult(file=_label(n, item), as_=item.version,
                                             violations=list(item.violations), version_given=True)
                   for n, item in enumerate(items, 1)]
        text = payload_report.render_text(results)
    else:
        text = "No import was received.\n"
    text_path.write_text(text, encoding="utf-8", errors="backslashreplace")
    html_path = folder / HTML_NAME
    html_path.write_text(render_html(document), encoding="utf-8", errors="backslashreplace")
    return [json_path, text_path, html_path]
