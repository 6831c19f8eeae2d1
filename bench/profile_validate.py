"""Where the time of ``conformance validate`` goes: cProfile of one file, the top functions.

    python bench/profile_validate.py [FILE] [--top 25] [--sort tottime|cumtime] [--reference]

FILE defaults to the bench fixture with a fault in every tenth booking (made by
``bench/fixtures.py`` when missing). ``--reference`` profiles the reference path (jsonschema
interpreting the schemas booking by booking) instead of the fast one. Reading the file is left
out; parsing, checking and rendering the report are in.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fixtures  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumtime"))
    parser.add_argument("--reference", action="store_true", help="profile the reference path")
    args = parser.parse_args()
    path = args.file or fixtures.DEFAULT_DIR / "v2-faults.json"
    if not path.exists():
        fixtures.write(fixtures.DEFAULT_DIR)
    data = path.read_bytes()

    from conformance.payloads import check_bytes
    from conformance.payloads.report import FileResult, render_text

    def check(data: bytes) -> tuple:
        return check_bytes(data, reference=args.reference)

    def job() -> None:
        version, found = check(data)
        render_text([FileResult(str(path), version, found)])

    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.runcall(job)
    wall = time.perf_counter() - t0
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())
    print(f"{path.name}: {len(data) / 1e6:.1f} MB, {wall:.2f} s under the profiler "
          f"({'reference' if args.reference else 'fast'} path)")


if __name__ == "__main__":
    main()
