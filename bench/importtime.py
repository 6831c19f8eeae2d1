"""Start-up of each command: what it imports and how long that takes (``python -X importtime``).

    python bench/importtime.py [--top 12]

For ``--help``, ``validate``, ``verify``, ``diff`` and ``run --profile quick`` (against the
bundled reference server, in a process of its own) it runs the command once under
``-X importtime`` and prints the wall time of the whole process, the cumulative import time, the
heavy packages it loaded (of those tests/test_startup.py keeps out) and the slowest top-level
imports. The machine's load moves every figure: read them side by side, not as absolute times.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

HEAVY = ("schemathesis", "hypothesis", "pytest", "_pytest", "requests", "urllib3", "jsonschema", "yaml")
# Runs the command as `python -m conformance` does, then lists the heavy packages it loaded.
PROBE = """
import runpy, sys, json
wanted = set(json.loads(sys.argv[2]))
sys.argv = ["conformance", *json.loads(sys.argv[1])]
try:
    runpy.run_module("conformance", run_name="__main__")
except SystemExit:
    pass
heavy = sorted({m.split(".")[0] for m in sys.modules} & wanted)
print("HEAVY=" + json.dumps(heavy), file=sys.stderr)
"""


def measure(args: list[str], env: dict[str, str]) -> dict[str, object]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - t0
    tops: list[tuple[int, str]] = []
    total = 0
    heavy: list[str] = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if m and not m.group(2):   # a top-level import: its cumulative time counts once
            total += int(m.group(1))
            tops.append((int(m.group(1)), m.group(3)))
        elif line.startswith("HEAVY="):
            heavy = json.loads(line[6:])
    return {"wall": wall, "imports": total / 1e6, "heavy": heavy, "top": sorted(tops, reverse=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    import fixtures

    from bench import Server

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp, Server("roomz") as srv:
        files = fixtures.write(Path(tmp) / "fx", 3000)
        report = Path(tmp) / "report"
        run_env = {**env, "ROOMZ_USERNAME": "roomz", "ROOMZ_PASSWORD": "roomz-secret"}
        quick = ["run", "--api", "roomz", "--base-url", srv.url, "--profile", "quick", "--report-dir", str(report),
                 "--quiet"]
        first = measure(quick, run_env)   # makes the report folder verify and diff read
        commands = [("--help", ["--help"], env), ("validate (0.6 MB)", ["validate", str(files["faults"])], env),
                    ("verify", ["verify", str(report)], env),
                    ("diff", ["diff", str(report), str(report)], env),
                    ("run --profile quick", quick, run_env)]
        rows = [(name, measure(argv, e)) for name, argv, e in commands]
    del first
    print("| command | process (s) | imports (s) | heavy packages loaded | slowest imports |")
    print("|---|---|---|---|---|")
    for name, r in rows:
        top = ", ".join(f"{mod} {us / 1e6:.2f}" for us, mod in r["top"][:args.top])  # type: ignore[index]
        print(f"| {name} | {r['wall']:.2f} | {r['imports']:.2f} | {', '.join(r['heavy']) or '—'} | {top} |")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
