"""The client's default bounds, apart from the HTTP stack: options and help text read them
without importing requests (``conformance --help`` and ``validate`` stay quick to start)."""
from __future__ import annotations

DEFAULT_MAX_BODY = 10 * 1024 * 1024
