"""The one date format of the ROOMZ contract, parsed and rendered in exactly one place.

The contract allows a single spelling, ``YYYY-MM-DDThh:mm:ssZ``, so the reference server accepts
precisely that (a regular expression for the shape, ``strptime`` for a real calendar instant)
and renders every instant the same way; a fault that wants another spelling asks for it here.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

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


# --- what faults read instead: the lenient parsers of real connectors (never the correct server) ---
_MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                           "dec"))}
_ISO_LIKE = re.compile(r"([+-]?[0-9]{4,6})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?(\.[0-9]+)?"
                       r"([Zz]|[+-][0-9]{2}:?[0-9]{2})?", re.ASCII)


def parse_rolling(value: object) -> datetime | None:
    """The contract's shape read field by field and added up, as ``Date.UTC`` or a lenient
    ``Calendar`` does: Feb 30 is March 2, hour 24 the next day; month 13 and day 32 still fail."""
    if not isinstance(value, str) or not _SHAPE.fullmatch(value):
        return None
    y, mo, d, h, mi, s = (int(value[a:b]) for a, b in ((0, 4), (5, 7), (8, 10), (11, 13), (14, 16), (17, 19)))
    return _rolled(y, mo, d, h, mi, s)


def parse_any(value: object) -> datetime | None:
    """Whatever a lenient parser (JavaScript's ``new Date``, dateutil) makes of ``value``: digits
    alone are a year (``1`` is 2001), ``foo 2030`` is 1 January 2030, US dates and month names
    are midnight UTC, a local time is taken as UTC, days and hours roll over, a year past 9999 is
    the last second of 9999 (Python has no later one), and other ISO 8601 forms are read."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"[0-9]{1,4}", text):   # a two-digit year as JavaScript reads one: 1 is 2001, 0 is 2000
        n = int(text)
        return datetime(2000 + n if n < 50 else 1900 + n if n < 100 else n, 1, 1, tzinfo=UTC)
    found = re.fullmatch(r"[A-Za-z]+ ([0-9]{4})", text)
    if found:
        return datetime(int(found.group(1)), 1, 1, tzinfo=UTC)
    found = re.fullmatch(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", text)
    if found:
        mo, d, y = map(int, found.groups())
        return _rolled(y, mo, d)
    found = re.fullmatch(r"([A-Za-z]{3})[a-z]* ([0-9]{1,2}),? ([0-9]{4})", text)
    if found and found.group(1).lower() in _MONTHS:
        return _rolled(int(found.group(3)), _MONTHS[found.group(1).lower()], int(found.group(2)))
    found = _ISO_LIKE.fullmatch(text)
    if not found:
        return None
    y, mo, d, h, mi = (int(found.group(i)) for i in range(1, 6))
    if y > 9999:
        return datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    if y < 1:
        return datetime(1, 1, 1, tzinfo=UTC)
    instant = _rolled(y, mo, d, h, mi, int(found.group(6) or 0))
    zone = found.group(8)
    if instant is not None and zone and zone not in "Zz":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        instant -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return instant


def _rolled(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime | None:
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h <= 24 and mi <= 59 and s <= 59):
        return None
    try:
        return datetime(y, mo, 1, tzinfo=UTC) + timedelta(days=d - 1, hours=h, minutes=mi, seconds=s)
    except OverflowError:
        return None
