"""How the hostile-server tests run the suite: in-process (``run_engine_at``) or as the CLI in a
child process (``cli``, whose peak memory is that child's own).

The servers themselves, and the rules that make them misbehave, are in tests/hostile.py.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.options import RunOptions
from conformance.reference_server import DEFAULTS, ReferenceServer
from conformance.requirements import load_catalog
from conformance.runner.engine import Engine, Unreachable, Verdict

CATALOG = load_catalog()
CREDENTIAL_ENV = ("ROOMZ_USERNAME", "ROOMZ_PASSWORD", "ROOMONITOR_USER_ID", "ROOMONITOR_AUTH_TOKEN",
                  "ROOMONITOR_LOGIN_EMAIL", "ROOMONITOR_LOGIN_PASSWORD", "CONFORMANCE_BASE_URL")


# -- helpers ------------------------------------------------------------------------------------
@dataclass
class Run:
    engine: Engine
    verdict: Verdict
    results: dict[str, Any]

    def status(self, rid: str) -> str:
        return self.engine.status(rid)

    def messages(self, rid: str) -> str:
        o = self.engine.ledger[rid]
        return "\n".join([f.message for f in o.findings] + [o.skip_reason or ""])


def run_engine_at(url: str, api: str = "roomz", **options: Any) -> Run:
    """One in-process run against ``url`` with the reference server's credentials."""
    opts: dict[str, Any] = {"profile": "quick", "timeout": 1.0}
    keys = ("username", "password") if api == "roomz" else ("user_id", "auth_token", "login_email", "login_password")
    opts.update({k: DEFAULTS[k] for k in keys})
    opts.update(options)
    if "only" in opts:
        opts["requirement"] = tuple(opts.pop("only"))
    engine = Engine(RunOptions(api=api, base_url=url, **opts))
    try:
        try:
            engine.preflight()
        except Unreachable:
            pass
        else:
            engine.run()
    finally:
        verdict = engine.finish()
    return Run(engine, verdict, engine.results())


@dataclass
class Cli:
    code: int
    stdout: str
    stderr: str
    elapsed: float
    maxrss_mb: float
    report_dir: Path

    def results(self) -> dict[str, Any]:
        return json.loads((self.report_dir / "results.json").read_text(encoding="utf-8"))

    def requirement(self, rid: str) -> dict[str, Any]:
        return next(r for r in self.results()["requirements"] if r["id"] == rid)

    def outputs(self) -> dict[str, str]:
        """Every file the run wrote, and the terminal."""
        out = {p.name: p.read_text(encoding="utf-8", errors="replace")
               for p in self.report_dir.rglob("*") if p.is_file()}
        out["stdout"], out["stderr"] = self.stdout, self.stderr
        return out


# Runs the command given and writes its peak RSS (KiB) to the file named first. Linux charges a
# process, at exec, the peak RSS of the memory it replaces: a run started straight from a test
# process (an xdist worker of a few hundred MB, or one holding a hostile server's buffers) would
# inherit that peak. Started from this small interpreter, the run's figure is its own.
_MEASURE = """import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code if code >= 0 else 128 - code)
"""


def cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None, limit: float = 60.0) -> Cli:
    """``python -m conformance run`` in a child process, killed after ``limit`` seconds; its peak
    memory is its own (getrusage of a small parent's children, see _MEASURE), not the test
    process's."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    report_dir = tmp_path / "report"
    child_env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_ENV}
    child_env.update(env or {})
    out, err, rss = tmp_path / "stdout.txt", tmp_path / "stderr.txt", tmp_path / "maxrss.txt"
    cmd = [sys.executable, "-m", "conformance", "run", "--report-dir", str(report_dir), *args]
    start = time.monotonic()
    with open(out, "wb") as o, open(err, "wb") as e:
        proc = subprocess.Popen([sys.executable, "-c", _MEASURE, str(rss), *cmd], stdout=o, stderr=e, env=child_env,
                                cwd=tmp_path, start_new_session=True)
        killer = threading.Timer(limit, os.killpg, (proc.pid, signal.SIGKILL))
        killer.start()
        try:
            code = proc.wait()
        finally:
            killer.cancel()
    elapsed = time.monotonic() - start
    assert elapsed < limit, f"`conformance run` did not end within {limit:g} s: {' '.join(cmd)}"
    return Cli(code, out.read_text(errors="replace"), err.read_text(errors="replace"), elapsed,
               int(rss.read_text()) / 1024, report_dir)


def assert_no_traceback(result: Cli) -> None:
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        assert "Traceback" not in text, f"a traceback on {name}:\n{text[-3000:]}"


def reference(api: str = "roomz", **kw: Any) -> ReferenceServer:
    return ReferenceServer(api=api, **kw)


def with_secrets(api: str) -> tuple[dict[str, str], dict[str, str], ReferenceServer]:
    """The environment that carries the test's SECRETS, the secrets no output may show, and the
    reference server (not started) that accepts them."""
    from tests.hostile import BASIC, SECRETS

    if api == "roomz":
        env = {"ROOMZ_USERNAME": SECRETS["username"], "ROOMZ_PASSWORD": SECRETS["password"]}
        return env, {"password": SECRETS["password"], "basic": BASIC}, reference(
            "roomz", username=SECRETS["username"], password=SECRETS["password"])
    env = {"ROOMONITOR_USER_ID": SECRETS["user_id"], "ROOMONITOR_AUTH_TOKEN": SECRETS["auth_token"],
           "ROOMONITOR_LOGIN_EMAIL": SECRETS["login_email"], "ROOMONITOR_LOGIN_PASSWORD": SECRETS["login_password"]}
    return env, {"token": SECRETS["auth_token"], "login password": SECRETS["login_password"]}, reference(
        "roomonitor", user_id=SECRETS["user_id"], auth_token=SECRETS["auth_token"],
        login_email=SECRETS["login_email"], login_password=SECRETS["login_password"])


@dataclass
class ZooRun:
    """A CLI run against one server of the zoo (tests/hostile.py), with SECRETS as credentials."""
    result: Cli
    requests_seen: int          # requests the hostile server received
    collected: int              # requests that arrived at the off-site collector (must be none)
    secrets: dict[str, str]     # what must appear in no output


def zoo_run(name: str, tmp_path: Path, *, api: str = "roomz", timeout: float = 5, profile: str = "quick",
            limit: float = 60.0, extra: tuple[str, ...] = ()) -> ZooRun:
    """``conformance run --timeout 5`` against the zoo's ``name`` server, the real reference
    server behind it (its credentials the test's SECRETS), an off-site collector beside it."""
    from tests.hostile import ZOO, HostileServer

    env, secrets, upstream = with_secrets(api)
    with HostileServer(lambda c: c.respond(200, []), host="127.0.0.2") as collector:
        with HostileServer(ZOO[name](collector.url), upstream=upstream) as srv:
            result = cli(tmp_path, "--api", api, "--base-url", srv.url, "--profile", profile,
                         "--timeout", f"{timeout:g}", *extra, env=env, limit=limit)
            seen = srv.count()
        collected = collector.count()
    return ZooRun(result, seen, collected, secrets)


def assert_bounded(run: ZooRun, *, api: str = "roomz", seconds: float = 30.0, process_seconds: float = 60.0,
                   rss_mib: float = 300.0) -> dict[str, Any]:
    """Issue 22's bounds for a run against a hostile server: it ends in time (the run within
    ``seconds``, the whole process, imports and reports included, within ``process_seconds`` even
    on a loaded CI machine), exit 1 or 3, a complete results.json, no traceback, peak RSS under
    ``rss_mib``, no credential in any output, nothing sent off-site. Returns results.json."""
    result = run.result
    assert_no_traceback(result)
    assert result.code in (1, 3), (result.code, result.stderr[-2000:])
    results = result.results()
    assert results["stats"]["duration_s"] <= seconds, results["stats"]
    assert result.elapsed < process_seconds, f"the process took {result.elapsed:.0f} s"
    assert result.maxrss_mb < rss_mib, f"peak memory {result.maxrss_mb:.0f} MiB"
    assert results["verdict"] in ("non-conformant", "incomplete")
    assert [r["id"] for r in results["requirements"]] == [r.id for r in CATALOG.for_api(api)]
    assert all(r["status"] in ("passed", "failed", "warning", "skipped") for r in results["requirements"])
    assert {"results.json", "report.html", "traffic.har"} <= {p.name for p in result.report_dir.iterdir()}
    for where, text in result.outputs().items():
        for what, secret in run.secrets.items():
            assert secret not in text, f"the {what} appears in {where}"
    assert run.collected == 0, f"{run.collected} requests were sent off-site"
    return results
