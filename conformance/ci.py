"""GitHub Actions ergonomics: a job summary and error annotations for a run.

A red CI job should say why on the page people already look at, without anyone downloading the
report: the step summary carries the verdict, the failed and warned requirements with their
first message and a link to the artifacts; annotations put each failure on the run's page.
Everything here reads ``results.json`` (already redacted); nothing here may break a run, so
an unwritable summary file is silently skipped.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from conformance.diff import markdown_cell
from conformance.results import CONFIGURATION_ERROR, RequirementResult, Results

VERDICT_MARK = {"conformant": "✅", "non-conformant": "❌", "incomplete": "⚠️", CONFIGURATION_ERROR: "⚙️"}
ANNOTATION_LIMIT = 1000        # characters of a message in one annotation


def in_github_actions(env: Mapping[str, str]) -> bool:
    """Whether workflow commands (annotations) will be read: GitHub sets GITHUB_ACTIONS=true."""
    return env.get("GITHUB_ACTIONS") == "true"


def github_summary(results: Results, report_dir: Path, env: Mapping[str, str]) -> str | None:
    """Append a Markdown summary of the run to ``$GITHUB_STEP_SUMMARY`` and return it; None when the
    variable is unset or the file cannot be written (a summary must never fail the run)."""
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    text = summary_markdown(results, report_dir, env)
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(text)
    except (OSError, ValueError):
        return None
    return text


def summary_markdown(results: Results, report_dir: Path, env: Mapping[str, str]) -> str:
    """The summary's Markdown: verdict, counts, the requirements that did not pass, the artifacts."""
    verdict = results.verdict or "unknown"
    reqs = results.requirements
    counts = {s: sum(1 for r in reqs if r.status == s) for s in ("passed", "failed", "warning", "skipped")}
    not_certified = sum(1 for r in reqs if not r.certified)
    mark = VERDICT_MARK.get(verdict)
    lines = [
        f"## {mark + ' ' if mark else ''}Conformance: {markdown_cell(verdict)}",
        "",
        (f"API {markdown_cell(results.api)}, target {markdown_cell(results.target)}, "
        f"profile {markdown_cell(results.profile)}, seed {markdown_cell(results.seed)}."),
        "",
        f"{len(reqs)} requirements: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['warning']} warning{'s' * (counts['warning'] != 1)}, {counts['skipped']} skipped"
        + (f" ({not_certified} not certified on purpose)" if not_certified else "") + ".",
    ]
    gate = results.baseline
    if gate is not None:
        lines += ["", (f"Baseline {markdown_cell(gate.file)} applied: "
                      f"{len(gate.known)} known, {len(gate.new)} new, {len(gate.worse)} worse, "
                      f"{len(gate.expired)} expired, {len(gate.fixed)} fixed; the gate "
                      f"{'failed' if gate.gate_exit_code else 'passed'}. A baselined run is not certified.")]
    rows = [r for r in reqs if r.status in ("failed", "warning")]
    rows += [r for r in reqs if r.status == "skipped" and r.level == "MUST" and r.certified]
    if rows:
        lines += ["", "| requirement | level | status | first message |", "|---|---|---|---|"]
        order = {"failed": 0, "warning": 1, "skipped": 2}
        for r in sorted(rows, key=lambda r: order[r.status]):
            status = r.status + (" (known)" if r.known else "")
            lines.append(f"| {markdown_cell(r.id)} | {markdown_cell(r.level)} | {status} | "
                         f"{markdown_cell(_first_message(r))} |")
    lines += ["", f"Reports: {_artifact_link(report_dir, env)}", ""]
    return "\n".join(lines) + "\n"


def _artifact_link(report_dir: Path, env: Mapping[str, str]) -> str:
    server, repo, run_id = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_RUN_ID")
    if server and repo and run_id:
        url = f"{server.rstrip('/')}/{repo}/actions/runs/{run_id}"
        return f"[the artifacts of run {markdown_cell(run_id)}]({url})"
    return markdown_cell(str(Path(report_dir) / "report.html"))


def _first_message(req: RequirementResult) -> str:
    return req.first_message or req.reason or req.title


def github_annotations(results: Results) -> list[str]:
    """Workflow commands: ``::error`` per failed requirement, ``::warning`` per warning, and a
    ``::notice`` for a failure a baseline accepted. Print them to standard output in a job."""
    out = []
    for req in results.requirements:
        message = _first_message(req)[:ANNOTATION_LIMIT]
        if req.status == "failed" and req.known:
            out.append(f"::notice title={escape_property(req.id + ' (known failure)')}::"
                       f"{escape_data('accepted by the baseline: ' + message)}")
        elif req.status == "failed":
            out.append(f"::error title={escape_property(req.id)}::{escape_data(message)}")
        elif req.status == "warning":
            out.append(f"::warning title={escape_property(req.id)}::{escape_data(message)}")
    return out


def escape_data(text: str) -> str:
    """GitHub's escaping of a workflow command's message: one line, so a server's text cannot start
    a command of its own, and no control character (an escape sequence would rewrite the log)."""
    text = "".join(ch if ch.isprintable() or ch in "\r\n" else "\N{REPLACEMENT CHARACTER}" for ch in text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """GitHub's escaping of a workflow command property (``title=…``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
