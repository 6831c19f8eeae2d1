"""``conformance validate FILE… [--as v1|v2] [--format text|json]``: the logic behind the command.

The argument parsing lives in ``conformance.cli``; it calls :func:`validate_main`, which returns
the exit code: 0 every file valid (warnings allowed), 1 a MUST rule violated, 2 a usage error
(one sentence on standard error, no report).
"""
from __future__ import annotations

import sys
import time
from typing import TextIO

from . import check_bytes
from .model import VERSIONS
from .report import FileResult, render_json, render_text
from .text import escape_unprintable

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
FORMATS = ("text", "json")
LARGE = 1_000_000        # bytes from which progress is shown on standard error


def validate_main(files: list[str], as_: str | None, fmt: str) -> int:
    """Check each file (``-`` is standard input, read as bytes) and print the report."""
    if fmt not in FORMATS:
        return _usage(f"--format must be text or json, not {escape_unprintable(repr(fmt))}.")
    if as_ is not None and as_ not in VERSIONS:
        return _usage(f"--as must be v1 or v2, not {escape_unprintable(repr(as_))}.")
    if not files:
        return _usage("give at least one payload file, or - to read standard input.")
    if files.count("-") > 1:
        return _usage("standard input (-) can be read only once.")
    bodies: list[tuple[str, bytes]] = []
    for name in files:
        try:
            bodies.append((name, _read(name)))
        except OSError as exc:
            reason = exc.strerror or exc.__class__.__name__
            return _usage(f"cannot read {escape_unprintable(repr(name))}: {reason}.")
    results = []
    for name, data in bodies:
        progress = _Progress(name, len(data)) if len(data) >= LARGE else None
        version, violations = check_bytes(data, as_, progress=progress)
        if progress is not None:
            progress.close()
        results.append(FileResult(name, version, violations, version_given=as_ is not None))
    _write(sys.stdout, render_json(results) if fmt == "json" else render_text(results))
    return EXIT_VALID if all(r.valid for r in results) else EXIT_INVALID


class _Progress:
    """How far the check of a large file is, on standard error (the report stays on stdout).

    On a terminal one line is rewritten in place and erased at the end; elsewhere (a CI log) a
    line every few seconds at most, and one at the end.
    """

    INTERVAL = 0.25     # seconds between two updates on a terminal
    LOG_INTERVAL = 5.0  # … and in a log

    def __init__(self, name: str, size: int) -> None:
        self.label = f"conformance validate: {escape_unprintable(name)} ({size / 1e6:.1f} MB)"
        self.tty = sys.stderr.isatty()
        self.started = self.last = time.monotonic()
        self.shown = False
        self._show(f"{self.label}: reading", force=True)

    def __call__(self, done: int, total: int) -> None:
        self._show(f"{self.label}: {done:,} of {total:,} bookings checked", force=done == total)

    def _show(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < (self.INTERVAL if self.tty else self.LOG_INTERVAL):
            return
        self.last = now
        if self.tty:
            _write(sys.stderr, f"\r{text}\x1b[K")
            self.shown = True
        elif force or self.shown or now - self.started >= self.LOG_INTERVAL:
            _write(sys.stderr, text + "\n")

    def close(self) -> None:
        if self.tty and self.shown:
            _write(sys.stderr, "\r\x1b[K")


def _read(name: str) -> bytes:
    if name != "-":
        with open(name, "rb") as fh:
            return fh.read()
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return bytes(buffer.read())
    return sys.stdin.read().encode("utf-8")


def _write(stream: TextIO, text: str) -> None:
    """Write without crashing on a terminal that cannot show a character (e.g. an ASCII locale)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
    stream.flush()


def _usage(sentence: str) -> int:
    _write(sys.stderr, f"conformance validate: {sentence}\n")
    return EXIT_USAGE
