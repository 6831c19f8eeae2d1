"""The Roomonitor sandbox's report: what each import carried and what the sandbox answered.

``conformance serve --api roomonitor --report-dir DIR`` writes it on shutdown so a PMS developer
gets, for every payload their client sent, the RMP-* findings (rendered by
``conformance.payloads.report``, the same text as ``conformance validate``) next to the HTTP
answer their client received. Raw bodies are not written: they hold guests' names and phones.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from conformance.payloads import report as payload_report

from .dates import format_utc
from .roomonitor import ReceivedImport

JSON_NAME = "sandbox.json"
TEXT_NAME = "sandbox.txt"


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


def write_sandbox_report(received: Iterable[ReceivedImport], report_dir: str | Path) -> list[Path]:
    """Write ``sandbox.json`` and ``sandbox.txt`` into ``report_dir`` (created); returns their paths."""
    items = list(received)
    folder = Path(report_dir)
    folder.mkdir(parents=True, exist_ok=True)
    json_path, text_path = folder / JSON_NAME, folder / TEXT_NAME
    document = {"imports": [as_dict(n, item) for n, item in enumerate(items, 1)]}
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if items:
        results = [payload_report.FileResult(file=_label(n, item), as_=item.version,  # type: ignore[arg-type]
                                             violations=list(item.violations), version_given=True)
                   for n, item in enumerate(items, 1)]
        text = payload_report.render_text(results)
    else:
        text = "No import was received.\n"
    text_path.write_text(text, encoding="utf-8")
    return [json_path, text_path]
