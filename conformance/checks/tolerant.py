"""Tolerant reading: what a broken answer still says unambiguously.

Strict judgement lives in each requirement's check or observer; discovery, and the observers of
*other* requirements, read answers with these functions instead, so one deviation (a list
wrapped in an object, a number where a string was due, a key spelled ``roomID``) fails its own
requirement and nothing else: the run goes on with what the answer carried, and says so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from conformance.checks.dates import parse_lenient
from conformance.client import Exchange
from conformance.payloads.text import json_type


@dataclass(frozen=True)
class Items:
    """The objects of a listing, read tolerantly. ``wrapped`` names where the array sat when it
    was not the body itself (e.g. ``'rooms'``); ``items`` is None when no array could be found."""

    items: list[dict[str, object]] | None
    wrapped: str | None = None
    others: int = 0          # array entries that are not objects (ignored)

    @property
    def how(self) -> str:
        return f"the array sits in an object under {self.wrapped!r}" if self.wrapped else ""


def the_array(data: object, depth: int = 0) -> tuple[list[object] | None, str | None]:
    """The body's array: the body itself, or the one array inside an object (one level deep,
    or two through a single object, e.g. ``{"data": {"rooms": [...]}}``). Ambiguous: None."""
    if isinstance(data, list):
        return data, None
    if not isinstance(data, dict) or depth > 1:
        return None, None
    arrays = [(k, v) for k, v in data.items() if isinstance(v, list)]
    if len(arrays) == 1:
        return arrays[0][1], str(arrays[0][0])
    if not arrays:
        objects = [(k, v) for k, v in data.items() if isinstance(v, dict)]
        if len(objects) == 1:
            inner, key = the_array(objects[0][1], depth + 1)
            if inner is not None:
                return inner, f"{objects[0][0]}.{key}" if key else str(objects[0][0])
    return None, None


def items_of(ex: Exchange) -> Items:
    """The objects listed by a 2xx answer, wherever its one array sits."""
    if not ex.ok:
        return Items(None)
    array, where = the_array(ex.json_or_none())
    if array is None:
        return Items(None)
    objects = [x for x in array if isinstance(x, dict)]
    return Items(objects, where, len(array) - len(objects))


def why_no_list(ex: Exchange) -> str:
    """What an answer that yields no list was, in a few words: for "blocked by" reasons."""
    if ex.status is None:
        return f"{ex.method} {ex.path} got no answer: {ex.error}"
    if ex.status != 200:
        return f"{ex.method} {ex.path} answered {ex.status}"
    data = ex.json_or_none()
    if data is None:
        ctype = ex.content_type.split(";")[0].strip() or "no Content-Type"
        return f"{ex.method} {ex.path} answered 200 with a body that is not JSON ({ctype})"
    return f"{ex.method} {ex.path} answered 200 with JSON {json_type(data)} holding no single list"


def _norm(key: str) -> str:
    return re.sub(r"[^0-9a-z]", "", key.lower())


def get(obj: dict[str, object], key: str, *aliases: str) -> object:
    """``obj[key]``, else the value under a spelling that differs only in case or separators
    (``roomID``, ``room_id``), else under one of ``aliases``. None when absent."""
    if key in obj:
        return obj[key]
    wanted = {_norm(key)} | {_norm(a) for a in aliases}
    for k, v in obj.items():
        if isinstance(k, str) and _norm(k) in wanted:
            return v
    return None


def text(value: object) -> str | None:
    """An id as text: a string, or a number where a string was due. None for anything else."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def meeting_id(m: dict[str, object]) -> str | None:
    return text(get(m, "meetingId", "id"))


def start_of(m: dict[str, object]) -> datetime | None:
    return parse_lenient(get(m, "startDateUTC", "startDate", "start"))


def end_of(m: dict[str, object]) -> datetime | None:
    return parse_lenient(get(m, "endDateUTC", "endDate", "end"))


def dates_of(m: dict[str, object]) -> tuple[datetime, datetime] | None:
    start, end = start_of(m), end_of(m)
    return (start, end) if start is not None and end is not None else None


def contract_dates(m: dict[str, object]) -> tuple[datetime, datetime] | None:
    """The dates under the contract's own names (``startDateUTC``, ``endDateUTC``), read leniently
    (their form is RZ-UTC's business). A requirement judging dates counts a meeting only when it
    can read them here: ``start``/``end`` may mean something else, and judging them would pass a
    server on data the contract never sees."""
    start, end = parse_lenient(m.get("startDateUTC")), parse_lenient(m.get("endDateUTC"))
    return (start, end) if start is not None and end is not None else None


def renamed_dates(m: dict[str, object]) -> str | None:
    """How a meeting carries its dates when not under the contract's names (``'start' and 'end'``),
    else None."""
    if contract_dates(m) is not None or dates_of(m) is None:
        return None
    names = [k for k in m if isinstance(k, str) and _norm(k) in {"startdateutc", "startdate", "start"}]
    names += [k for k in m if isinstance(k, str) and _norm(k) in {"enddateutc", "enddate", "end"}]
    return " and ".join(repr(n) for n in names) or None


def meetings_in(ex: Exchange) -> list[dict[str, object]] | None:
    """The meetings of a listing answer, tolerantly (None when it lists nothing readable)."""
    if ex.status != 200:
        return None
    return items_of(ex).items
