"""``conformance run``: a pytest session on ``conformance.suite``, with the suite's own terminal.

pytest drives the run (one item per requirement, JUnit from its junitxml); the terminal shows
what the suite says, not pytest's words: a header naming what is certified, progress by phase,
then failed, warned and unverified requirements with their first message, the root causes and
the verdict.
"""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import pytest

from conformance.options import RunOptions
from conformance.report.text import closing_summary, header_lines, plural, verdict_line
from conformance.results import Results
from conformance.runner.plugin import OptionsCarrier

SUITE_DIR = Path(__file__).resolve().parent.parent / "suite"
STALE = ("results.json", "record.json", "record.json.sig", "report.html", "junit.xml", "traffic.har")


class Terminal:
    """The run's own lines on standard output (nothing but the verdict with --quiet)."""

    def __init__(self, quiet: bool, out: TextIO | None = None) -> None:
        self.quiet = quiet
        self.out = out or sys.stdout
        self.width = min(shutil.get_terminal_size((100, 20)).columns, 120)

    def line(self, text: str = "") -> None:
        if not self.quiet:
            print(text, file=self.out, flush=True)

    def __call__(self, event: str, data: dict[str, Any]) -> None:
        if event == "start":
            options = data["options"]
            for text in header_lines(options):
                self.line(text)
            if options.ignored_environment:
                self.line(f"conformance: self-check of the bundled server with its own demo credentials; "
                          f"{', '.join(options.ignored_environment)} from the environment are for real servers and "
                          "were not used")
        elif event == "phase":
            if data["done"]:
                self.line(f"conformance: {data['phase']} checks done ({plural(data['requests'], 'request')}, "
                          f"{data['seconds']:.1f} s)")
            else:
                self.line(f"conformance: {data['phase']} checks …")
        elif event == "note":
            self.line(f"  {data['text']}")



def ci(results: Results, report_dir: Path) -> None:
    """In GitHub Actions: an annotation per failure, and the job summary."""
    from conformance.ci import github_annotations, github_summary, in_github_actions

    if in_github_actions(os.environ):
        for line in github_annotations(results):
            print(line)
    github_summary(results, report_dir, os.environ)


def reports_written(outputs: list[Path], report_dir: Path) -> list[Path]:
    """Every file the run left in the report folder, in a fixed order: results.json, report.html,
    traffic.har, junit.xml (pytest's, written after the others), record.json and its signature."""
    order = ("results.json", "report.html", "traffic.har", "junit.xml", "record.json", "record.json.sig")
    found = [report_dir / name for name in order if (report_dir / name).exists()]
    return found + [p for p in outputs if p not in found]


def run(options: RunOptions) -> int:
    """Run the suite; returns the exit code of docs/interface.md (0, 1, 3; 2 for configuration)."""
    report_dir = Path(options.report_dir)
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        for name in STALE:   # a run that cannot start must not leave the previous verdict behind
            if (report_dir / name).exists():
                (report_dir / name).unlink()
    except OSError as exc:
        print(f"conformance: cannot use the report folder {report_dir}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    options = replace(options, report_dir=report_dir)
    terminal = Terminal(options.quiet)
    carrier = OptionsCarrier(options, progress=terminal)
    # Only the plugins the suite needs: whatever else is installed on a vendor's machine
    # (randomly, xdist, benchmark, ...) must not reorder, parallelise or print into the run.
    args = [
        str(SUITE_DIR),
        "-p", "conformance.runner.plugin",
        "-p", "no:terminal", "-p", "no:cacheprovider", "-p", "no:warnings", "-p", "no:stepwise", "-p", "no:logging",
        "-p", "no:faulthandler", "-p", "no:threadexception", "-p", "no:unraisableexception",
        "--assert=plain", "--capture=no", f"--rootdir={SUITE_DIR}", "-c", os.devnull,
        f"--junitxml={report_dir / 'junit.xml'}",
        "-o", "junit_family=xunit2",
        "-o", "junit_suite_name=conformance-" + options.api,
        "-o", "junit_logging=system-out",
    ]
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        code = pytest.main(args, plugins=[carrier])
    finally:
        if saved is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved
    state = carrier.state
    if state is None or (state.engine is None and state.error is None):
        print(f"conformance: the suite did not run (pytest exit code {int(code)})", file=sys.stderr)
        return 2
    if state.engine is None:   # could not even start (e.g. the bundled server's port)
        print(f"conformance: {state.error}", file=sys.stderr)
        return 2
    results = state.results
    if results is not None:
        if options.quiet:
            print(verdict_line(results))
        else:
            terminal.line()
            for text in closing_summary(results, terminal.width):
                terminal.line(text)
            for text in state.gate:
                terminal.line(text)
            terminal.line(f"Reports: {', '.join(str(p) for p in reports_written(state.outputs, report_dir))}")
        ci(results, report_dir)
    slip = results.configuration_error if results is not None else state.error
    if slip:
        print(f"conformance: configuration error: {slip}. This is not a verdict about the server (exit 2); the "
              f"reports in {report_dir}/ say so.", file=sys.stderr)
    elif state.unreachable:
        print(f"conformance: {state.unreachable}. The run is incomplete (exit 3); reports are in {report_dir}/.",
              file=sys.stderr)
    elif results is not None and results.aborted:
        print(f"conformance: run aborted: {results.aborted}", file=sys.stderr)
    return state.exit_code if state.exit_code is not None else 2
