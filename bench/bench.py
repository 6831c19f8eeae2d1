"""Benchmark: wall time and request count of `conformance run` (quick, full) against the bundled
reference server, next to a plain `schemathesis run --checks all` on the same spec and server.

    python bench/bench.py            # prints a Markdown table (the README's figures)

Targets on a 2-core machine: quick <= 10 s, full <= 60 s. Measured, never asserted in tests.
"""
from __future__ import annotations

import base64
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conformance.reference_server import DEFAULTS, ReferenceServer
from conformance.spec import bundled_openapi


def conformance_run(api: str, profile: str) -> tuple[float, int]:
    """The whole command, as a user runs it (interpreter start, server start, reports)."""
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--api", api, "--profile", profile,
                               "--report-dir", out, "--quiet"], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode not in (0,):
            print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
        results = json.loads((Path(out) / "results.json").read_text())
        login = api == "roomonitor"
        return wall, results["stats"]["requests"] + (0 if login else 0)


def schemathesis_run(api: str) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp, ReferenceServer(api=api) as srv:
        spec = Path(tmp) / "openapi.json"
        spec.write_text(json.dumps(bundled_openapi(api)))
        if api == "roomz":
            headers = ["-H", "Authorization: Basic " + base64.b64encode(f"{DEFAULTS['username']}:{DEFAULTS['password']}".encode()).decode()]
        else:
            headers = ["-H", f"X-User-Id: {DEFAULTS['user_id']}", "-H", f"X-Auth-Token: {DEFAULTS['auth_token']}"]
        before = len(srv.requests)
        t0 = time.perf_counter()
        subprocess.run(["schemathesis", "run", str(spec), "--url", srv.url, "--checks", "all", "--seed", "1", *headers],
                       capture_output=True, text=True)
        wall = time.perf_counter() - t0
        return wall, len(srv.requests) - before


def validate_500() -> tuple[float, None]:
    """`conformance validate` on a generated 500-booking v2 file (in-process, after imports)."""
    from conformance.payloads import check_bytes
    from conformance.payloads.report import FileResult, render_text

    bookings = [{"id": str(i), "roomId": "room-1", "checkin": 1893456000000 + i * 86_400_000, "checkout": 1893628800000 + i * 86_400_000,
                 "guestPhone": "+61491570156", "guestName": f"Guest {i}", "lang": "en" if i % 2 else "EN"} for i in range(500)]
    data = json.dumps(bookings).encode()
    t0 = time.perf_counter()
    version, found = check_bytes(data)
    render_text([FileResult("bench.json", version, found)])
    return time.perf_counter() - t0, None


def main() -> None:
    rows = []
    wall, _ = validate_500()
    rows.append(("conformance validate, 500 v2 bookings (in-process)", wall, None))
    for api in ("roomz", "roomonitor"):
        for profile in ("quick", "full"):
            wall, n = conformance_run(api, profile)
            rows.append((f"conformance run --api {api} --profile {profile}", wall, n))
        wall, n = schemathesis_run(api)
        rows.append((f"schemathesis run --checks all ({api} spec)", wall, n))
    print("| command | wall time | requests |")
    print("|---|---|---|")
    for name, wall, n in rows:
        print(f"| `{name}` | {wall:.1f} s | {'—' if n is None else n} |")


if __name__ == "__main__":
    main()
