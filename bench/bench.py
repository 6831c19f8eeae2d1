"""Benchmark: where the time of a certification goes, next to plain schemathesis, in one run.

    python bench/bench.py               # medians of 3; prints docs/speed.md's Markdown tables
    python bench/bench.py --repeat 5
    python bench/bench.py --only validate    # or --only runs

Every figure comes from this one invocation on this machine. The server under test is the
bundled reference server in a process of its own (`conformance serve`), so the suite's
process and schemathesis' face the same server the same way. The suite runs in-process here
(its engine, then the reports), which splits the run by phase; `run (s)` is the run from the
first request to the last report written, `process (s)` the whole `conformance run` command
(interpreter start and imports included), measured apart. Measured, never asserted in tests.

`conformance validate` is measured as a whole process on the 6 MB v2 import of
bench/fixtures.py (30,000 valid bookings) and on the same import with a fault in every tenth
booking, next to check-jsonschema (the CLI a PMS developer would reach for; `pip install
check-jsonschema`, the `bench` extra) validating the same file against schemas/booking-v2.json
(as the items of an array), interleaved, so a drift of the machine's load falls on both alike.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.reference_server import DEFAULTS  # noqa: E402

PHASES = ("preflight", "discovery", "scripted", "generated", "replay", "release", "reports")
CREDENTIALS = {"roomz": {"username": DEFAULTS["username"], "password": DEFAULTS["password"]},
               "roomonitor": {"user_id": DEFAULTS["user_id"], "auth_token": DEFAULTS["auth_token"],
                              "login_email": DEFAULTS["login_email"], "login_password": DEFAULTS["login_password"]}}
ENV_CREDENTIALS = {"roomz": {"ROOMZ_USERNAME": DEFAULTS["username"], "ROOMZ_PASSWORD": DEFAULTS["password"]},
                   "roomonitor": {"ROOMONITOR_USER_ID": DEFAULTS["user_id"],
                                  "ROOMONITOR_AUTH_TOKEN": DEFAULTS["auth_token"],
                                  "ROOMONITOR_LOGIN_EMAIL": DEFAULTS["login_email"],
                                  "ROOMONITOR_LOGIN_PASSWORD": DEFAULTS["login_password"]}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`conformance serve` in a process of its own."""

    def __init__(self, api: str, rooms: int = 0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        code = (
            "import sys; from conformance.reference_server import serve_main; "
            f"sys.exit(serve_main(api={api!r}, port={self.port}, rooms={rooms or None}, out=open('/dev/null', 'w')))"
        )
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the reference server did not start")

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def suite_run(api: str, url: str, **options: Any) -> dict[str, Any]:
    """One in-process run: the engine's phases, then the reports, timed apart."""
    from conformance.options import RunOptions
    from conformance.runner.engine import Engine
    from conformance.runner.outputs import write_outputs, write_record

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        engine = Engine(RunOptions(api=api, base_url=url, seed=20261121, **CREDENTIALS[api], **options))
        engine.preflight()
        engine.run()
        engine.finish()
        finished = time.perf_counter()
        results = engine.results()
        t1 = time.perf_counter()
        write_outputs(engine, results, Path(out))
        write_record(engine, results, Path(out))
        t2 = time.perf_counter()
    stats = results["stats"]
    phases = dict(stats["phases"])
    phases["discovery"] = stats["discovery_s"]
    phases["scripted"] = max(0.0, phases.get("scripted", 0.0) - stats["discovery_s"])   # discovery runs inside checks
    phases["reports"] = t2 - t1
    requests = dict(stats["phase_requests"])
    requests["discovery"] = stats["discovery_requests"]
    requests["scripted"] = max(0, requests.get("scripted", 0) - stats["discovery_requests"])
    return {"run": t2 - t0, "phases": phases, "requests": requests, "total": stats["requests"],
            "verdict": results["verdict"], "before_release": finished - t0 - phases.get("release", 0.0)}


def process_run(api: str, url: str, profile: str) -> float:
    """The whole command as a user runs it (wall time; its CPU time goes to CPU_TIMES)."""
    env = {**{k: v for k, v in os.environ.items()
              if not k.startswith(("ROOMZ_", "ROOMONITOR_"))}, **ENV_CREDENTIALS[api]}
    with tempfile.TemporaryDirectory() as out:
        wall, cpu = timed([sys.executable, "-m", "conformance", "run", "--api", api, "--base-url",
                           url, "--profile", profile, "--report-dir", out, "--quiet"], env=env)
    CPU_TIMES.setdefault(f"{api} {profile}", []).append(cpu)
    return wall


CPU_TIMES: dict[str, list[float]] = {}


def schemathesis_run(api: str, url: str) -> tuple[float, int]:
    """Plain `schemathesis run --checks all --max-examples 50` on the same spec and server."""
    import base64

    from conformance.spec import bundled_openapi

    if api == "roomz":
        token = base64.b64encode(f"{DEFAULTS['username']}:{DEFAULTS['password']}".encode()).decode()
        headers = ["-H", f"Authorization: Basic {token}"]
    else:
        headers = ["-H", f"X-User-Id: {DEFAULTS['user_id']}", "-H", f"X-Auth-Token: {DEFAULTS['auth_token']}"]
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "openapi.json"
        spec.write_text(json.dumps(bundled_openapi(api)))
        wall, cpu = timed(["schemathesis", "run", str(spec), "--url", url, "--checks", "all", "--max-examples", "50",
                           "--seed", "1", *headers])
    CPU_TIMES.setdefault(f"{api} plain schemathesis", []).append(cpu)
    return wall, 0


def timed(argv: list[str], **kwargs: Any) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one whole process (its output discarded).

    On a loaded machine the wall time includes waiting for a core; the CPU time does not.
    """
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, **kwargs)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bench_validate(n: int) -> tuple[list[str], list[tuple[str, float, str]]]:
    """`conformance validate` and check-jsonschema on the bench imports: table rows and ratios."""
    import shutil

    sys.path.insert(0, str(ROOT / "bench"))
    import fixtures

    checker = shutil.which("check-jsonschema")
    rows: list[str] = []
    ratios: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        count = 30_000
        files = fixtures.write(Path(tmp), count)
        for kind in ("valid", "faults"):
            path = files[kind]
            size = path.stat().st_size
            ours, theirs = [], []
            for _ in range(n):   # interleaved
                ours.append(timed([sys.executable, "-m", "conformance", "validate", str(path)]))
                if checker:
                    theirs.append(timed([checker, "--schemafile", str(files["schema"]), str(path)]))
            mine, other = median([w for w, _ in ours]), median([w for w, _ in theirs])
            mine_cpu, other_cpu = median([c for _, c in ours]), median([c for _, c in theirs])
            label = "30,000 valid bookings" if kind == "valid" else "a fault in every tenth booking"
            rows.append(f"| validate, {label} ({size / 1e6:.1f} MB) | {mine:.2f} ({mine_cpu:.2f}) | "
                        f"{size / 1e6 / mine:.1f} | {count / mine:,.0f} | "
                        + (f"{other:.2f} ({other_cpu:.2f}) |" if checker else "— |"))
            if checker:
                ratios.append((f"validate / check-jsonschema, {label}", mine / other, "≤ 0.1"))
                ratios.append((f"validate / check-jsonschema, {label}, CPU time", mine_cpu / other_cpu, "≤ 0.1"))
    helps = [timed([sys.executable, "-m", "conformance", "--help"]) for _ in range(max(n, 5))]
    bare = [timed([sys.executable, "-c", "pass"]) for _ in range(max(n, 5))]
    ratios.append(("`conformance --help`, whole process (s)", median([w for w, _ in helps]), "< 0.3"))
    ratios.append(("`conformance --help`, CPU time (s)", median([c for _, c in helps]), "< 0.3"))
    ratios.append(("(`python -c pass`, the interpreter alone, for scale: wall / CPU)",
                   median([w for w, _ in bare]), f"{median([c for _, c in bare]):.2f}"))
    return rows, ratios


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def bench_profile(api: str, url: str, profile: str, repeat: int, **options: Any) -> dict[str, Any]:
    runs = [suite_run(api, url, profile=profile, **options) for _ in range(repeat)]
    return {"run": median([r["run"] for r in runs]),
            "phases": {p: median([r["phases"].get(p, 0.0) for r in runs]) for p in PHASES},
            "requests": {p: int(median([r["requests"].get(p, 0) for r in runs])) for p in PHASES},
            "total": int(median([r["total"] for r in runs])), "verdicts": sorted({r["verdict"] for r in runs}),
            "before_release": max(r["before_release"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("validate", "runs"), default=None)
    parser.add_argument("--api", choices=("roomz", "roomonitor"), default=None, help="the runs of one API only")
    args = parser.parse_args()
    n = args.repeat
    print(f"Medians of {n} runs each; seconds (requests in brackets). Load average at the start: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores.\n")
    if args.only != "runs":
        validate_rows, validate_ratios = bench_validate(n)
        print("| validate | process (s) (CPU s) | MB/s | bookings/s | check-jsonschema (s) (CPU s) |\n"
              "|---|---|---|---|---|")
        print("\n".join(validate_rows))
        print("\n| ratio | measured | target |\n|---|---|---|")
        for name, value, target in validate_ratios:
            print(f"| {name} | {value:.2f} | {target} |")
        print()
        if args.only == "validate":
            return
    rows: list[tuple[str, dict[str, Any], float]] = []
    ratios: list[tuple[str, float, str]] = []
    for api in (args.api,) if args.api else ("roomz", "roomonitor"):
        with Server(api) as srv:
            quick = bench_profile(api, srv.url, "quick", n)
            full = bench_profile(api, srv.url, "full", n)
            proc_quick = median([process_run(api, srv.url, "quick") for _ in range(n)])
            proc_full = median([process_run(api, srv.url, "full") for _ in range(n)])
            limited = bench_profile(api, srv.url, "full", n, max_time=2.0)
        plain = []
        for _ in range(n):   # a server of its own each time: plain schemathesis logs out the token it is given
            with Server(api) as fresh:
                plain.append(schemathesis_run(api, fresh.url)[0])
        rows += [(f"{api} quick", quick, proc_quick), (f"{api} full", full, proc_full),
                 (f"{api} full --max-time 2", limited, float("nan"))]
        plain_s = median(plain)
        cpu = {k: median(v) for k, v in CPU_TIMES.items()}
        ratios += [(f"{api}: full / plain schemathesis ({plain_s:.1f} s), whole processes", proc_full / plain_s,
                    "≤ 0.25"),
                   (f"{api}: quick / full, whole processes", proc_quick / proc_full, "≤ 0.2"),
                   (f"{api}: full / plain schemathesis, CPU time of the processes",
                    cpu[f"{api} full"] / cpu[f"{api} plain schemathesis"], "≤ 0.25"),
                   (f"{api}: quick / full, CPU time of the processes", cpu[f"{api} quick"] / cpu[f"{api} full"],
                    "≤ 0.2"),
                   (f"{api}: full / plain schemathesis, full's run alone", full["run"] / plain_s, "≤ 0.25"),
                   (f"{api}: quick / full, runs alone", quick["run"] / full["run"], "≤ 0.2"),
                   (f"{api}: --max-time 2, slowest run's end before the release (s)", limited["before_release"],
                    "≤ 2")]
    if args.api != "roomonitor":
        with Server("roomz") as few, Server("roomz", rooms=300) as many:
            small, big, small_p, big_p = [], [], [], []
            for _ in range(n):   # interleaved, so a drift of the machine's speed falls on both alike
                small.append(bench_profile("roomz", few.url, "full", 1)["run"])
                big.append(bench_profile("roomz", many.url, "full", 1)["run"])
                small_p.append(process_run("roomz", few.url, "full"))
                big_p.append(process_run("roomz", many.url, "full"))
        ratios.append(("roomz full, 305 rooms / 5 rooms, whole processes", median(big_p) / median(small_p), "≤ 1.1"))
        ratios.append(("roomz full, 305 rooms / 5 rooms, runs alone", median(big) / median(small), "≤ 1.1"))

    print("| run | run (s) | " + " | ".join(PHASES) + " | requests | process (s) |")
    print("|---|---|" + "---|" * len(PHASES) + "---|---|")
    for name, r, process in rows:
        cells = " | ".join(f"{r['phases'][p]:.2f} ({r['requests'][p]})" for p in PHASES)
        proc = "—" if process != process else f"{process:.2f}"
        print(f"| {name} | {r['run']:.2f} | {cells} | {r['total']} | {proc} |")
    print("\n| ratio | measured | target |\n|---|---|---|")
    for name, value, target in ratios:
        print(f"| {name} | {value:.2f} | {target} |")


if __name__ == "__main__":
    main()
