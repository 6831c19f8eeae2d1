"""The pytest plugin: options, one item per requirement, report hooks. Thin on purpose.

It is loaded only where it is asked for (``conformance run`` does; under plain pytest,
``-p conformance.runner.plugin --pyargs conformance.suite``): no entry point, so installing the
package changes nothing in another project's pytest sessions. The engine runs once, when the first requirement
item runs; every item then reports its requirement's outcome. Deselected items (``-k``, ``-m``)
are requirements left out on purpose: not certified, never failed.
"""
from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy
import pytest

from conformance.checks.apis import ConfigurationError, Unreachable
from conformance.options import OPTIONS, RunOptions
from conformance.report.text import failure_text
from conformance.requirements import Requirement, load_catalog
from conformance.runner.outputs import write_outputs, write_record

if TYPE_CHECKING:
    from conformance.results import Outcome, Results
    from conformance.runner.engine import Engine, Progress

STATE_KEY = pytest.StashKey["RunState"]()
NOT_SELECTED = "not selected for this run (deselected), so not certified"


class RunState:
    """The options of the run, and the engine once started."""

    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.engine: Engine | None = None
        self.error: str | None = None          # a configuration error: exit 2
        self.unreachable: str | None = None
        self.results: Results | None = None
        self.exit_code: int | None = None
        self.selected: set[str] | None = None
        self.progress: Progress | None = None
        self.outputs: list[Path] = []
        self.gate: list[str] = []             # the baseline's summary lines, when one was applied

    def start(self) -> Engine | None:
        """The engine, started and run once. A configuration error or an unreachable target keeps
        the engine (every requirement is then skipped with the reason)."""
        if self.engine is not None or self.error is not None:
            return self.engine
        from conformance.runner.cache import place_hypothesis_state
        from conformance.runner.engine import Engine

        place_hypothesis_state(Path(self.options.report_dir))
        try:
            engine = Engine(self.options, progress=self.progress)
        except (ValueError, OSError) as exc:   # e.g. a URL requests cannot use, a port in use
            self.error = f"cannot start the run: {exc}"
            return None
        self.engine = engine
        if self.selected is not None:
            for req in engine.requirements:
                if req.id not in self.selected and req.id not in engine.excluded:
                    engine.exclude(req.id, NOT_SELECTED)
        try:
            engine.preflight()
        except ConfigurationError as exc:
            self.error = str(exc)
            return engine
        except Unreachable as exc:
            self.unreachable = str(exc)
            return engine
        engine.run()
        return engine


class OptionsCarrier:
    """Handed to ``pytest.main(plugins=[...])`` by the CLI: credentials never touch argv."""

    def __init__(self, options: RunOptions, progress: Progress | None = None) -> None:
        self.options = options
        self.progress = progress
        self.state: RunState | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("conformance", "contract conformance suite (docs/interface.md); credentials from "
                                       "ROOMZ_* / ROOMONITOR_* variables")
    for o in OPTIONS:
        flag = f"--conformance-{o.name}"
        env = f" (env {o.env})" if o.env else ""
        if o.flag:
            g.addoption(flag, action="store_true", default=None, help=o.help + env)
        elif o.repeat:
            g.addoption(flag, action="append", default=None, metavar=o.metavar, help=o.help + env)
        else:
            g.addoption(flag, default=None, metavar=o.metavar, choices=o.choices or None, help=o.help + env)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(id): the catalog requirement a conformance item verifies")
    if not (config.getoption("help", False) or config.getoption("version", False)):
        state_of(config)   # the options are checked now: a bad one is a usage error, not a collection error


def _options_from_pytest(config: pytest.Config) -> RunOptions:
    from conformance.runner.setup import UsageError, options_from

    given = {o.attr: config.getoption(f"conformance_{o.attr}") for o in OPTIONS}
    try:
        return options_from(given, os.environ, Path.cwd())
    except UsageError as exc:
        raise pytest.UsageError(f"conformance: {exc}") from None


def state_of(config: pytest.Config) -> RunState:
    if STATE_KEY not in config.stash:
        carrier = next((p for p in config.pluginmanager.get_plugins() if isinstance(p, OptionsCarrier)), None)
        state = RunState(carrier.options if carrier else _options_from_pytest(config))
        if carrier:
            state.progress = carrier.progress
            carrier.state = state
        config.stash[STATE_KEY] = state
    return config.stash[STATE_KEY]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if (
        file_path.suffix == ".suite"
        and file_path.parent.name == "suite"
        and file_path.parent.parent.name == "conformance"
    ):
        return RequirementFile.from_parent(parent, path=file_path)
    return None


class RequirementFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        api = self.path.read_text(encoding="utf-8").split(":", 1)[1].strip()
        if state_of(self.config).options.api != api:
            return
        for req in load_catalog().for_api(api):
            yield RequirementItem.from_parent(self, name=req.id, requirement=req)


def pytest_collection_finish(session: pytest.Session) -> None:
    items = [i for i in session.items if isinstance(i, RequirementItem)]
    if items or STATE_KEY in session.config.stash:
        state = state_of(session.config)
        state.selected = {i.requirement.id for i in items}
        if state.options.certify and len(state.selected) < len(load_catalog().for_api(state.options.api)):
            raise pytest.UsageError("conformance: --conformance-certify verifies every requirement; -k, -m or "
                                    "an item selection left some out")


class RequirementFailed(Exception):
    pass


class RequirementItem(pytest.Item):
    """One catalog requirement; its verdict comes from the engine."""

    def __init__(self, *, requirement: Requirement, **kw: Any) -> None:
        super().__init__(**kw)
        self.requirement = requirement
        self.outcome: Outcome | None = None
        self.warning: str | None = None
        self.add_marker(pytest.mark.requirement(requirement.id))

    def runtest(self) -> None:
        state = state_of(self.config)
        engine = state.start()
        if engine is None:
            pytest.skip(f"not verified: {state.error}")
        self.outcome = outcome = engine.outcome(self.requirement.id)
        self.user_properties.append(("requirement", self.requirement.id))
        self.user_properties.append(("level", self.requirement.level))
        self.user_properties.append(("status", "not certified" if outcome.excluded else outcome.status))
        if outcome.excluded:
            pytest.skip(f"not certified: {outcome.skip_reason}")
        if outcome.status == "failed":
            raise RequirementFailed(failure_text(self.requirement, outcome))
        if outcome.status == "warning":   # a passed test case that carries its warning (JUnit system-out)
            self.warning = failure_text(self.requirement, outcome)
            self.user_properties.append(("warning", outcome.findings[0].message))
            self.add_report_section("call", "stdout", self.warning)
        if outcome.status == "skipped":
            pytest.skip(outcome.skip_reason or "not verified")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, (RequirementFailed, pytest.skip.Exception)):
            return str(excinfo.value)
        return f"internal error of the suite while checking {self.requirement.id}: {excinfo.exconly()}"

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.requirement.id}: {self.requirement.title}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None],
                               ) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
    outcome = yield
    report = outcome.get_result()
    if not isinstance(item, RequirementItem) or call.when != "call":
        return
    extra = vars(report)   # attributes pytest serialises with the report (xdist, junit)
    extra["requirement_id"] = item.requirement.id
    if item.outcome is not None:
        extra["conformance_status"] = "not certified" if item.outcome.excluded else item.outcome.status


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
    status = getattr(report, "conformance_status", None)
    if status is None or report.when != "call":
        return None
    letters = {"passed": ".", "failed": "F", "warning": "w", "skipped": "s", "not certified": "n"}
    return status, letters.get(status, "?"), status


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return None
    from conformance.report.text import header_lines

    return header_lines(state.options)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(STATE_KEY, None)
    if state is None or state.engine is None:
        return
    verdict = state.engine.finish()
    state.results = state.engine.results()
    state.exit_code = verdict.exit_code
    if state.options.baseline:
        state.results, state.exit_code, state.gate = gate(state.options, state.results)
        state.engine.gated_exit_code = state.exit_code
    state.outputs = write_outputs(state.engine, state.results, Path(state.options.report_dir))
    session.exitstatus = state.exit_code


def gate(options: RunOptions, results: Results) -> tuple[Results, int, list[str]]:
    """A baseline of known failures applied to the results (the verdict stays as earned); with
    --baseline-update, this run's failures written to the baseline file first."""
    from datetime import date

    from conformance.baseline import annotate, apply, load_baseline, write_baseline

    path = Path(str(options.baseline))
    lines: list[str] = []
    if options.baseline_update:
        previous = load_baseline(path, options.api) if path.is_file() else None
        if previous is not None and previous.kind == "results":
            previous = None
        write_baseline(results, path, previous=previous)
        lines.append(f"Baseline written: {path} (edit the reasons; add an expiry date where one applies)")
    decision = apply(results, load_baseline(path, options.api), date.today(), warnings_fail=options.fail_on_warnings)
    return annotate(results, decision, str(path)), decision.run_exit_code, lines + decision.summary


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """After every report writer (junit.xml included): the certification record hashes them all."""
    state = config.stash.get(STATE_KEY, None)
    if state is None or state.results is None or state.engine is None:   # results come from an engine
        return
    state.outputs.append(write_record(state.engine, state.results, Path(state.options.report_dir)))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(STATE_KEY, None)
    if state is None or state.results is None:
        return
    from conformance.report.text import closing_summary

    terminalreporter.write_sep("=", "conformance")
    for line in closing_summary(state.results, width=terminalreporter._tw.fullwidth):
        terminalreporter.write_line(line)


# -- pytest-html, when the pytest route asks for it (--html) ------------------------------------
@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report: Any) -> None:
    report.title = "Conformance report"


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(prefix: list[str], summary: list[str], postfix: list[str],
                                session: pytest.Session) -> None:
    state = session.config.stash.get(STATE_KEY, None)
    if state is None or state.results is None:
        return
    from conformance.report import html as html_report

    prefix.append(html_report.body(state.results))
