"""Writing a run's outputs into ``--report-dir`` (docs/interface.md, "Outputs").

``results.json``, ``report.html`` and ``traffic.har`` at the end of the run; ``junit.xml`` comes
from pytest; ``record.json`` last, once every other artifact is on disk, since it hashes them.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from conformance import __version__
from conformance.report import har, record
from conformance.report import html as html_report

if TYPE_CHECKING:
    from conformance.results import Results
    from conformance.runner.engine import Engine


def write_json(path: Path, data: object, *, indent: int | None = 2) -> None:
    """Streamed to the file: a traffic.har of a hundred 64 KiB bodies of control bytes is 40 MB of
    JSON, which as one string (then its copy with a newline, then its encoding) cost 160 MB."""
    with path.open("w", encoding="utf-8") as out:
        json.dump(data, out, indent=indent, ensure_ascii=False)
        out.write("\n")


def write_outputs(engine: Engine, results: Results, report_dir: Path) -> list[Path]:
    report_dir.mkdir(parents=True, exist_ok=True)
    paths = [report_dir / "results.json", report_dir / "report.html", report_dir / "traffic.har"]
    write_json(paths[0], results.to_json())
    paths[1].write_text(html_report.render(results), encoding="utf-8")
    write_json(paths[2], har.build(engine.traffic, engine.redactor.text, __version__), indent=None)
    return paths


def write_record(engine: Engine, results: Results, report_dir: Path) -> Path:
    options = engine.options
    data = record.build(results, report_dir, exit_code=engine.exit_code(), catalog_sha256=record.catalog_sha256(),
                        options=options.redacted())
    sign_key = getattr(options, "sign_key", None)
    return record.write(data, report_dir, Path(sign_key) if sign_key else None)[0]
