"""The one date format of the ROOMZ contract, parsed and rendered in exactly one place.

The contract allows a single spelling, ``YYYY-MM-DDThh:mm:ssZ``, so the reference server accepts
precisely that (a regular expression for the shape, ``strptime`` for a real calendar instant)
and renders every instant the same way; a fault that wants another spelling asks for it here.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime

_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", re.ASCII)
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def parse_utc(value: object) -> datetime | None:
    """The aware UTC instant ``value`` spells, or None when it is not exactly the contract format.

    None (rather than an exception) because every caller turns it into the same 400.
    """
    if not isinstance(value, str) or not _SHAPE.fullmatch(value):
        return None
    try:
        return datetime.strptime(value, _FORMAT).replace(tzinfo=UTC)
    except ValueError:  # month 13, Feb 30, hour 24 ...
        return None


def format_utc(instant: datetime) -> str:
    """``instant`` as ``YYYY-MM-DDThh:mm:ssZ``, the year always in four digits (glibc's ``%Y``
    writes the year 32 as ``32``: a meeting PUT at 0032-12-29 came back as ``32-12-29T…``, which
    plain schemathesis on openapi.yaml caught as an RZ-UTC violation)."""
    i = instant.astimezone(UTC)
    return f"{i.year:04d}-{i.month:02d}-{i.day:02d}T{i.hour:02d}:{i.minute:02d}:{i.second:02d}Z"


def now_utc() -> datetime:
    """The current instant truncated to whole seconds, the precision the contract can express."""
    return datetime.now(UTC).replace(microsecond=0)
