"""Where generated-test state goes: a cache directory of the suite's own, never the working directory.

hypothesis keeps state (its Unicode tables, any example database) under ``.hypothesis/`` in the
current directory unless told otherwise, so every run left a folder in the vendor's checkout.
The suite points it at ``$XDG_CACHE_HOME/conformance/hypothesis`` (``~/.cache/…``), reused by
later runs; a ``HYPOTHESIS_STORAGE_DIRECTORY`` the user set wins. When no cache directory can
be made, the report folder (the run's own place) takes it.
"""
from __future__ import annotations

import os
from pathlib import Path


def suite_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "conformance"


def place_hypothesis_state(report_dir: Path) -> Path:
    """Point hypothesis' storage at the suite's cache (or the report folder); returns where."""
    from hypothesis.configuration import set_hypothesis_home_dir

    chosen = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    if chosen:
        where = Path(chosen)
    else:
        where = suite_cache_dir() / "hypothesis"
        try:
            where.mkdir(parents=True, exist_ok=True)
        except OSError:
            where = Path(report_dir) / ".hypothesis"
    set_hypothesis_home_dir(where)
    return where
