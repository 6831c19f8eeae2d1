"""Benchmark: what each hostile server of tests/hostile.py costs a run, in time and memory.

    python bench/hostile.py                      # every server, --timeout 5, quick profile
    python bench/hostile.py --profile full hang slow-drip

Each run is `conformance run` in a child process against a real misbehaving server on loopback
(the reference server behind it); peak RSS is that child's own (wait4). Prints a Markdown
table. Measured here; the test suite asserts only generous bounds (tests/test_hostile_bounds.py).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile import ZOO  # noqa: E402
from tests.hostile_run import ZooRun, zoo_run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("servers", nargs="*", default=sorted(ZOO), help="zoo servers (default: all)")
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--timeout", type=float, default=5)
    parser.add_argument("--api", default="roomz")
    parser.add_argument("--parallel", type=int, default=1, help="runs at once (time figures suffer above 1)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-hostile-"))

    def one(name: str) -> tuple[str, ZooRun]:
        return name, zoo_run(name, tmp / name, api=args.api, timeout=args.timeout, profile=args.profile, limit=900)

    print(f"| server ({args.api}, --profile {args.profile}, --timeout {args.timeout:g}) | exit | verdict | "
          "time (s) | peak RSS (MiB) | requests |")
    print("|---|---|---|---|---|---|")
    with ThreadPoolExecutor(args.parallel) as pool:
        for name, run in pool.map(one, args.servers):
            r = run.result
            try:
                verdict = r.results()["verdict"]
            except (OSError, ValueError):
                verdict = "no results.json"
            print(f"| {name} | {r.code} | {verdict} | {r.elapsed:.1f} | {r.maxrss_mb:.0f} | {run.requests_seen} |",
                  flush=True)


if __name__ == "__main__":
    main()
