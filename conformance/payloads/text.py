"""Small helpers that put untrusted payload values into messages safely.

Values are shown in JSON notation (``"EN"``, ``true``, ``null``: the language of the payload, not
Python's), truncated to about 80 characters, with every non-printable character escaped so that
a vendor's payload cannot inject terminal escapes or bidi overrides into a report.
"""
from __future__ import annotations

import json
from collections.abc import Iterable

MAX_SHOWN = 80


def escape_unprintable(text: str) -> str:
    """``text`` with control, format (bidi) and other non-printable characters as ``\\uXXXX``."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return "".join(out)


def truncate(text: str, limit: int = MAX_SHOWN) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show(value: object, limit: int = MAX_SHOWN) -> str:
    """The offending value as it would appear in the payload, safe and at most ``limit`` long."""
    if isinstance(value, str) and len(value) > 4 * limit:
        value = value[: 4 * limit]  # keep the encoding of huge strings cheap; truncated below anyway
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return truncate(escape_unprintable(text), limit)


def json_type(value: object) -> str:
    """The JSON type of a parsed value, with its article: "a string", "an integer", "null"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "an integer" if value.is_integer() else "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def pointer(parts: Iterable[object]) -> str:
    """RFC 6901 JSON Pointer from path segments (``~`` and ``/`` escaped)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def field_list(names: Iterable[str]) -> str:
    return ", ".join(names)
