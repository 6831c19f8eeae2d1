"""``conformance run``: a pytest session on ``conformance.suite`` with the reports switched on."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from conformance.runner.options import RunOptions
from conformance.runner.plugin import OptionsCarrier

SUITE_DIR = Path(__file__).resolve().parent.parent / "suite"


def run(options: RunOptions) -> int:
    """Run the suite; returns the exit code of INTERFACE.md (0, 1, 3; 2 for usage errors)."""
    report_dir = Path(options.report_dir)
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"conformance: cannot create the report folder {report_dir}: {exc.strerror}", file=sys.stderr)
        return 2
    options.report_dir = report_dir
    stale = report_dir / "results.json"
    if stale.exists():  # a run that cannot start must not leave the previous verdict behind
        stale.unlink()
    carrier = OptionsCarrier(options)
    # Only the plugins the suite needs: whatever else is installed on a vendor's machine
    # (randomly, xdist, benchmark, ...) must not reorder, parallelise or print into the run.
    args = [
        str(SUITE_DIR),
        "-p", "pytest_metadata.plugin",
        "-p", "pytest_html.plugin",
        "-p", "conformance.runner.plugin",
        "-p", "no:cacheprovider",
        "-p", "no:warnings",
        "-q", "--no-header", "--tb=no", "-rN", "--assert=plain",
        f"--rootdir={SUITE_DIR}",
        "-c", os.devnull,
        f"--html={report_dir / 'report.html'}",
        "--self-contained-html",
        f"--junitxml={report_dir / 'junit.xml'}",
        "-o", "junit_family=xunit2",
        "-o", "junit_suite_name=conformance-" + options.api,
        "-o", "junit_logging=no",
        "-o", "console_output_style=classic",
    ]
    if options.quiet:
        args.append("-qq")
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
    if state is not None and state.error:
        print(f"conformance: {state.error}", file=sys.stderr)
        return 2
    if state is None or state.exit_code is None:
        print(f"conformance: the suite did not run (pytest exit code {int(code)})", file=sys.stderr)
        return 2
    if state.unreachable:
        print(f"conformance: {state.unreachable}. The run is incomplete (exit 3); reports are in {report_dir}/.", file=sys.stderr)
    elif state.results and state.results.get("aborted"):
        print(f"conformance: run aborted: {state.results['aborted']}", file=sys.stderr)
    if not options.quiet and state.results:
        print(f"Reports: {report_dir / 'report.html'}, {report_dir / 'results.json'}, {report_dir / 'junit.xml'}")
    return state.exit_code
