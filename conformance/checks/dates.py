"""Date handling shared by the checks.

Two parsers on purpose: ``parse_utc`` is the contract's exact format (RZ-UTC judges it), and
``parse_lenient`` reads any ISO 8601 instant so that semantic checks (windows, persistence,
ordering) still work on a server that only gets the format wrong: one fault, one failed
requirement.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

UTC_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
_UTC_RE = re.compile(UTC_PATTERN, re.ASCII)
# a whole value that is a date-time in some ISO-like spelling (not text that starts with one)
_LOOKS_LIKE_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)?$", re.ASCII
)


def parse_utc(value: object) -> datetime | None:
    """The instant, if ``value`` is exactly YYYY-MM-DDThh:mm:ssZ and a real UTC instant."""
    if not isinstance(value, str) or not _UTC_RE.match(value):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_lenient(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    exact = parse_utc(value)
    if exact is not None:
        return exact
    text = value.strip().replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def looks_like_datetime(value: object) -> bool:
    return isinstance(value, str) and bool(_LOOKS_LIKE_DATETIME.match(value))


def why_not_utc(value: str) -> str:
    """One phrase saying what is wrong with a date-time string."""
    if not _UTC_RE.match(value):
        if re.search(r"[+-]\d{2}:?\d{2}$", value):
            return "it carries an offset instead of Z"
        if re.search(r"\.\d+", value):
            return "it carries fractional seconds"
        if not value.endswith("Z"):
            return "it does not end with Z"
        return "it does not match YYYY-MM-DDThh:mm:ssZ"
    return "it is not a real instant (month, day or time out of range)"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def malformed_dates(near: datetime, *, later: bool) -> dict[str, str]:
    """The dates the ruling calls malformed however a lenient parser reads them (``1``, ``foo
    2030``, ``12/07/2026``, Feb 30, hour 24, a year past 9999, a local time), by what each is.

    Each is spelled so that a lenient reading falls ``later`` than ``near`` (or earlier, when not
    ``later``) wherever the form allows: sent as the end of a window or a meeting whose other side
    is ``near``, a lenient parser then makes a real window or booking of it, not a reversed one
    that any server refuses (which would prove nothing about the parser).
    """
    sign = 1 if later else -1
    day = near + sign * timedelta(days=1)
    year = near.year + sign
    soon = near + sign * timedelta(minutes=30)
    hour_24 = near if later else near - timedelta(days=2)
    return {
        "`1`": "1",
        "`0`": "0",
        "a word and a year": f"foo {year}",
        "a US date (MM/DD/YYYY)": f"{day:%m/%d/%Y}",
        "a month name (Mon D YYYY)": f"{_MONTHS[day.month - 1]} {day.day} {day.year}",
        "February 30": f"{year}-02-30T10:00:00Z",
        "hour 24": f"{hour_24:%Y-%m-%d}T24:00:00Z",
        "a local time (no Z, no offset)": f"{soon:%Y-%m-%dT%H:%M:%S}",
        **{f"a year outside 0000-9999 ({y})": f"{y}-01-01T10:00:00Z"
           for y in (("+010000", "+10000") if later else ("-000001", "-0001"))},
    }


def other_iso_forms(instant: datetime) -> dict[str, str]:
    """``instant`` in the ISO 8601 forms the ruling lets a server refuse or accept (accepted, it
    must list them back in the contract's form)."""
    base = f"{instant:%Y-%m-%dT%H:%M:%S}"
    return {"an offset (+00:00)": base + "+00:00", "fractions (.500Z)": base + ".500Z", "a lowercase z": base + "z",
            "no seconds": f"{instant:%Y-%m-%dT%H:%M}Z"}


def fmt(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_utc() -> datetime:
    """Now, on a whole minute: the suite's ordinary dates carry :00 seconds, as a display's do;
    only RZ-UTC-ACCEPT sends other seconds on purpose, so a server that refuses them fails that
    requirement alone."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


__all__ = ["UTC_PATTERN", "parse_utc", "parse_lenient", "looks_like_datetime", "why_not_utc",
           "malformed_dates", "other_iso_forms", "fmt", "now_utc", "timedelta"]
