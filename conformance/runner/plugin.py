"""The pytest plugin: options, one item per requirement, report hooks. Thin on purpose.

Registered through the ``pytest11`` entry point, it stays inert unless the suite's ``*.suite``
files are collected (``--pyargs conformance.suite`` or ``conformance run``).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from conformance.checks.base import OBSERVERS
from conformance.report import html as html_report
from conformance.report.text import failure_text, summary_table
from conformance.requirements import Requirement, load_catalog
from conformance.runner.options import PROFILES, RunOptions

STATE_KEY = pytest.StashKey["RunState"]()


class RunState:
    """Options given by the CLI (or built from pytest options), and the engine once started."""

    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.engine: Any = None
        self.unreachable: str | None = None
        self.error: str | None = None
        self.results: dict[str, Any] | None = None
        self.exit_code: int | None = None
        self.last_section: str | None = None

    def start(self) -> Any:
        """The engine, started once. An unreachable target keeps the engine (every requirement
        is then skipped with the reason); a configuration error leaves ``error`` set."""
        if self.engine is None and self.error is None:
            from conformance.runner.engine import Engine, Unreachable

            try:
                engine = Engine(self.options)
            except Exception as exc:  # e.g. a URL requests cannot use: a configuration error
                self.error = f"cannot start the run: {exc}"
                return None
            self.engine = engine
            try:
                engine.probe()
            except Unreachable as exc:
                self.unreachable = str(exc)
        return self.engine


class OptionsCarrier:
    """Handed to ``pytest.main(plugins=[...])`` by the CLI: credentials never touch argv."""

    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.state: RunState | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("conformance", "contract conformance suite (credentials from ROOMZ_* / ROOMONITOR_* variables)")
    g.addoption("--conformance-api", choices=("roomz", "roomonitor"), default="roomz", help="which contract")
    g.addoption("--conformance-base-url", default=None, help="the server under test (default: CONFORMANCE_BASE_URL, else the bundled reference server)")
    g.addoption("--conformance-profile", choices=PROFILES, default="full")
    g.addoption("--conformance-seed", type=int, default=None)
    g.addoption("--conformance-read-only", action="store_true", default=False)
    g.addoption("--conformance-room-id", default=None)
    g.addoption("--conformance-organizer-id", default=None)
    g.addoption("--conformance-report-dir", default="reports")
    g.addoption("--conformance-timeout", type=float, default=10.0)
    g.addoption("--conformance-max-time", type=float, default=None)


def _options_from_pytest(config: pytest.Config) -> RunOptions:
    opt = RunOptions(
        api=config.getoption("conformance_api"),
        base_url=config.getoption("conformance_base_url"),
        profile=config.getoption("conformance_profile"),
        read_only=config.getoption("conformance_read_only"),
        room_id=config.getoption("conformance_room_id"),
        organizer_id=config.getoption("conformance_organizer_id"),
        report_dir=Path(config.getoption("conformance_report_dir")),
        timeout=config.getoption("conformance_timeout"),
        max_time=config.getoption("conformance_max_time"),
    )
    if config.getoption("conformance_seed") is not None:
        opt.seed = config.getoption("conformance_seed")
    return opt.fill_from_environment()


def state_of(config: pytest.Config) -> RunState:
    if STATE_KEY not in config.stash:
        carrier = next((p for p in config.pluginmanager.get_plugins() if isinstance(p, OptionsCarrier)), None)
        options = carrier.options if carrier else _options_from_pytest(config)
        config.stash[STATE_KEY] = RunState(options)
        if carrier:
            carrier.state = config.stash[STATE_KEY]
    return config.stash[STATE_KEY]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".suite" and file_path.parent.name == "suite" and file_path.parent.parent.name == "conformance":
        return RequirementFile.from_parent(parent, path=file_path)
    return None


class RequirementFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        api = self.path.read_text(encoding="utf-8").split(":", 1)[1].strip()
        state = state_of(self.config)
        if state.options.api != api:
            return
        from conformance.runner.engine import plan

        for req in plan(api):
            yield RequirementItem.from_parent(self, name=req.id, requirement=req)


class RequirementFailed(Exception):
    pass


class RequirementItem(pytest.Item):
    """One catalog requirement; its verdict comes from the engine."""

    def __init__(self, *, requirement: Requirement, **kw: Any) -> None:
        super().__init__(**kw)
        self.requirement = requirement
        self.outcome: Any = None
        self.add_marker(pytest.mark.requirement(requirement.id))

    def runtest(self) -> None:
        state = state_of(self.config)
        engine = state.start()
        if engine is None:
            pytest.skip(f"not verified: {state.error}")
        self.outcome = outcome = engine.verify(self.requirement.id)
        self.user_properties.append(("requirement", self.requirement.id))
        self.user_properties.append(("level", self.requirement.level))
        self.user_properties.append(("status", outcome.status))
        if outcome.status == "failed":
            raise RequirementFailed(failure_text(self.requirement, outcome))
        if outcome.status == "warning":
            pytest.xfail("warning (SHOULD): " + failure_text(self.requirement, outcome))
        if outcome.status == "skipped":
            pytest.skip(outcome.skip_reason or "not verified")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, (RequirementFailed, pytest.xfail.Exception, pytest.skip.Exception)):
            return str(excinfo.value)
        return f"internal error of the suite while checking {self.requirement.id}: {excinfo.exconly()}"

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.requirement.id}: {self.requirement.title}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if not isinstance(item, RequirementItem) or call.when != "call":
        return
    report.requirement_id = item.requirement.id  # type: ignore[attr-defined]
    if item.outcome is not None and (item.outcome.findings or item.outcome.notes):
        try:
            from pytest_html import extras
        except ImportError:
            return
        report.extras = getattr(report, "extras", []) + [extras.html(html_report.findings_block(item.requirement, item.outcome))]


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
    if getattr(report, "requirement_id", None) is None and report.nodeid.rsplit("::", 1)[-1] not in load_catalog():
        return None
    if report.when == "call" or (report.when == "setup" and report.skipped):
        status = "warning" if hasattr(report, "wasxfail") else report.outcome
        return (report.outcome if not hasattr(report, "wasxfail") else "xfailed"), "", status
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    yield
    if not isinstance(item, RequirementItem):
        return
    state = state_of(item.config)
    tr = item.config.pluginmanager.get_plugin("terminalreporter")
    if tr is None or state.options.quiet:
        return
    section = f"{item.requirement.api} / {item.requirement.section}"
    if item.requirement.id in OBSERVERS:
        section = "judged on every response of the run"
    if section != state.last_section:
        state.last_section = section
        tr.write_line(f"-- {section}")
    o = item.outcome
    status = o.status if o is not None else "skipped"
    requests = state.engine.client.count if state.engine else 0
    tr.write_line(f"   {item.requirement.id:<28} {status:<8} ({requests} requests so far)")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(STATE_KEY, None)
    if state is None or state.engine is None:
        return
    verdict = state.engine.finish()
    state.results = state.engine.results()
    state.exit_code = verdict.exit_code
    write_results(state.options.report_dir, state.results)
    session.exitstatus = state.exit_code


def write_results(report_dir: Path, results: dict[str, Any]) -> None:
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(STATE_KEY, None)
    if state is None or state.results is None:
        return
    lines = summary_table(state.results).splitlines()
    if state.options.quiet:
        terminalreporter.write_line(lines[-1])
        return
    terminalreporter.write_sep("=", "requirements")
    for line in lines:
        terminalreporter.write_line(line)


# -- pytest-html ------------------------------------------------------------------------------
def pytest_html_report_title(report: Any) -> None:
    report.title = "Conformance report"


def pytest_html_results_summary(prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session) -> None:
    state = session.config.stash.get(STATE_KEY, None)
    if state is None or state.results is None:
        return
    from hypothesis import __version__ as hypothesis_version
    from schemathesis import __version__ as schemathesis_version

    from conformance.profiles import describe

    extra = {"profile settings": describe(state.options.profile), "schemathesis": schemathesis_version, "hypothesis": hypothesis_version, "time budget": f"{state.options.time_budget:g} s",
             "request timeout": f"{state.options.timeout:g} s"}
    prefix.append(html_report.verdict_block(state.results))
    prefix.append(html_report.requirements_table(state.results))
    prefix.append(html_report.provenance(state.results, extra))
