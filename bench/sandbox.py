"""Benchmark: the Roomonitor sandbox (`conformance serve --api roomonitor`) under a burst of PMS clients.

    python bench/sandbox.py                         # 200 clients x 50 single-booking v2 imports
    python bench/sandbox.py --sigterm-after 3       # the same, SIGTERM to the sandbox 3 s in

The sandbox runs as `conformance serve` in a process of its own; the load comes from
bench/burst.mjs (Node's HTTP client, one keep-alive connection per client, every client at
once), on the same machine. Latency is per import, from the request's start to the answer's
last byte. Afterwards the sandbox is stopped (SIGTERM) and its sandbox.json is read: every
import answered [SUCCESS] must be in it, and its stderr must hold no traceback. Prints a
Markdown table and the machine's load average before and after, since other work on the same
cores moves every figure. Measured here, never asserted in tests.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.reference_server import DEFAULTS  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the sandbox did not listen on {port} within {seconds:g} s")


def first_room(port: int) -> str:
    import requests

    user = DEFAULTS["user_id"]
    answer = requests.get(f"http://127.0.0.1:{port}/get-rooms/{user}", timeout=30,
                          headers={"X-User-Id": user, "X-Auth-Token": DEFAULTS["auth_token"]})
    return str(answer.json()[0]["_id"])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc), all threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=50, help="imports per client")
    parser.add_argument("--sigterm-after", type=float, default=None, metavar="S",
                        help="stop the sandbox with SIGTERM S seconds into the burst")
    parser.add_argument("--stdlib", action="store_true",
                        help="serve with the stdlib threading server instead of uvicorn (the sandbox before issue 22)")
    args = parser.parse_args()
    node = shutil.which("node")
    if node is None:
        raise SystemExit("bench/sandbox.py needs node (bench/burst.mjs is the load generator)")
    work = Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    load_before = os.getloadavg()
    serve = ["serve", "--api", "roomonitor", "--port", str(port), "--report-dir", str(work / "report")]
    command = [sys.executable, "-m", "conformance", *serve]
    if args.stdlib:   # the foreground server falls back to the stdlib one when uvicorn is not there
        command = [sys.executable, "-c", "import sys; from conformance.reference_server import asgi; "
                   "asgi.available = lambda: False; from conformance.cli import main; "
                   f"sys.exit(main({serve!r}))"]
    server = subprocess.Popen(command, env=env, cwd=work,
                              stdout=open(work / "serve.out", "wb"), stderr=open(work / "serve.err", "wb"))
    try:
        wait_for(port)
        room = first_room(port)
        answered = work / "answered.txt"
        burst = [node, str(ROOT / "bench" / "burst.mjs"), "--url", f"http://127.0.0.1:{port}",
                 "--user", DEFAULTS["user_id"], "--token", DEFAULTS["auth_token"], "--room", room,
                 "--clients", str(args.clients), "--requests", str(args.requests), "--answered", str(answered)]
        if args.sigterm_after is not None:
            threading.Timer(args.sigterm_after, server.send_signal, (signal.SIGTERM,)).start()
        cpu_before = cpu_seconds(server.pid)
        figures = json.loads(subprocess.run(burst, capture_output=True, text=True, check=True).stdout)
        cpu = cpu_seconds(server.pid) - cpu_before if server.poll() is None else None
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
        stopped_in = time.monotonic()
        server.wait(timeout=120)
        stopped_in = time.monotonic() - stopped_in
    load_after = os.getloadavg()
    report = json.loads((work / "report" / "sandbox.json").read_text(encoding="utf-8"))
    recorded = {line.split("]", 2)[1].removeprefix("[Booking ID: ")
                for item in report["imports"] for line in item["results"] if line.startswith("[SUCCESS]")}
    ids = answered.read_text(encoding="utf-8").split()
    lost = [i for i in ids if i not in recorded]
    stderr = (work / "serve.err").read_text(encoding="utf-8", errors="replace")
    tracebacks = stderr.count("Traceback")
    mode = f"SIGTERM after {args.sigterm_after:g} s" if args.sigterm_after is not None else "whole burst"
    kind = "stdlib threading server" if args.stdlib else "uvicorn"
    print(f"| sandbox ({kind}), {args.clients} clients x {args.requests} imports, {mode} | value |")
    print("|---|---|")
    rows = [("imports answered", f"{figures['answers']} ({figures['statuses']})"),
            ("answered [SUCCESS] / recorded in sandbox.json / lost", f"{len(ids)} / {len(recorded)} / {len(lost)}"),
            ("transport errors (after the stop: refused, reset)", f"{figures['errors']} {figures['error_kinds']}"),
            ("p50 / p90 / p99 / max (ms)",
             f"{figures['p50_ms']} / {figures['p90_ms']} / {figures['p99_ms']} / {figures['max_ms']}"),
            ("imports a second", figures["per_s"]), ("burst wall time (s)", figures["wall_s"]),
            ("sandbox CPU per import (ms, all threads; what bounds it on a quiet machine)",
             f"{cpu * 1000 / max(1, figures['answers']):.2f}" if cpu is not None else "n/a (stopped)"),
            ("tracebacks on the sandbox's stderr", tracebacks),
            ("load average before / after (1 min)", f"{load_before[0]:.1f} / {load_after[0]:.1f}")]
    for name, value in rows:
        print(f"| {name} | {value} |")
    if lost or tracebacks:
        print(f"\nLOST or TRACEBACK: see {work}", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
