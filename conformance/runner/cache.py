"""Where generated-test state goes: a cache directory of the suite's own, never the working directory.

hypothesis keeps state (its Unicode tables, any example database) under ``.hypothesis/`` in the
current directory unless told otherwise, so every run left a folder in the vendor's checkout.
The suite points it at ``$XDG_CACHE_HOME/conformance/hypothesis`` (``~/.cache/…``), reused by
later runs; a ``HYPOTHESIS_STORAGE_DIRECTORY`` the user set wins. When no cache directory can
be made, the report folder (the run's own place) takes it.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path


def suite_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "conformance"


def place_hypothesis_state(report_dir: Path) -> Path:
    """Point hypothesis' storage at the suite's cache (or the report folder); returns where.

    hypothesis is not imported for this (a run that generates nothing, --profile quick, never
    imports it): until it is, the place goes in ``HYPOTHESIS_STORAGE_DIRECTORY``, which it reads
    when it first stores something; once imported, it is told directly.
    """
    chosen = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    if chosen:
        where = Path(chosen)
    else:
        where = suite_cache_dir() / "hypothesis"
        try:
            where.mkdir(parents=True, exist_ok=True)
        except OSError:
            where = Path(report_dir) / ".hypothesis"
    if "hypothesis.configuration" in sys.modules:
        from hypothesis.configuration import set_hypothesis_home_dir

        set_hypothesis_home_dir(where)
    else:
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(where)
    return where
