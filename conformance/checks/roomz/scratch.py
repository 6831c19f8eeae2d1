"""Where and how the suite writes on a real booking system.

Only into one room (``target_room``), only on one day far from now that it first checks is
free, and it releases afterwards everything it created by shortening it to RELEASED_MINUTES,
the same PUT a display sends (the contract has no DELETE). Each write scenario owns a fixed
hour of that day, so scenarios never collide with each other:

    +0h A (created, released early, conflicts)   +1h B (adjacent to A)
    +2h unknown-room probe   +3h unknown-organizer probe   +4h invalid creates
    +5h dates with seconds   +6h auth probes   (+7h..+9h kept free as a margin)
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from conformance.checks.base import Context, Skip
from conformance.checks.dates import fmt, now_utc, parse_lenient
from conformance.checks.roomz import api

DAYS_AHEAD = 180            # far enough that no person books there by accident
SPREAD_DAYS = 60            # the seed picks the day within this spread
SLOT_HOUR = 3               # 03:00 UTC: night in most of the world
SLOT_SPAN = timedelta(hours=10)
RELEASED_MINUTES = 15


def writes_allowed(ctx: Context) -> None:
    if ctx.options.read_only:
        raise Skip("--read-only: the suite sends no POST or PUT, so this write requirement is not certified")


def slot(ctx: Context) -> datetime:
    """The start of the free scratch day (found once)."""
    writes_allowed(ctx)
    if "slot" in ctx.state:
        if ctx.state["slot"] is None:
            raise Skip(ctx.state["slot:why"])
        return ctx.state["slot"]
    room = api.target_room(ctx)
    rng = random.Random(ctx.options.seed)
    day = now_utc().replace(hour=SLOT_HOUR, minute=0, second=0) + timedelta(days=DAYS_AHEAD + rng.randrange(SPREAD_DAYS))
    why = "no free scratch slot found"
    for _ in range(10):
        ex = api.get_meetings(ctx, room, fmt(day - timedelta(hours=1)), fmt(day + SLOT_SPAN))
        listed = api.meetings_of(ex)
        if listed is None:
            why = f"could not check that the scratch slot is free: {ex.describe()}"
            break
        if not listed:
            ctx.state["slot"] = day
            return day
        why = f"room {room} has meetings on every candidate day checked"
        day += timedelta(days=1)
    ctx.state["slot"] = None
    ctx.state["slot:why"] = why
    raise Skip(why)


def track(ctx: Context, room: str, meeting_id: Any, start: datetime) -> None:
    """Remember a meeting the suite created so that ``release_all`` shortens it at the end."""
    created = ctx.state.setdefault("created", {})
    created[(room, str(meeting_id))] = start


def body(subject: str, organizer: str, start: datetime, end: datetime) -> dict[str, str]:
    return {"subject": subject, "organizerId": organizer, "startDateUTC": fmt(start), "endDateUTC": fmt(end)}


def subject(ctx: Context, label: str) -> str:
    return f"conformance {label} (test booking, seed {ctx.options.seed})"


def full_update_body(meeting: dict, start: Any, end: Any) -> dict:
    """The meeting's full field set as listed, with the new dates (works for replace and patch)."""
    out = dict(meeting)
    out["startDateUTC"] = start if isinstance(start, str) else fmt(start)
    out["endDateUTC"] = end if isinstance(end, str) else fmt(end)
    return out


def create_tracked(ctx: Context, label: str, start: datetime, end: datetime, *, room: str | None = None,
                   organizer_id: str | None = None) -> tuple[Any, dict | None]:
    """POST a meeting; when it is accepted, find it and track it for release. (exchange, meeting)."""
    room = room or api.target_room(ctx)
    ex = api.post_meeting(ctx, room, body(subject(ctx, label), organizer_id or api.organizer(ctx), start, end))
    meeting = None
    if ex.ok:
        data = ex.json_or_none()
        if isinstance(data, dict) and data.get("meetingId") is not None:
            meeting = data
        listed, _ = api.find_meeting(ctx, room, start, end)
        if listed is not None:
            meeting = listed
        if meeting is not None and meeting.get("meetingId") is not None:
            track(ctx, room, meeting["meetingId"], start)
    return ex, meeting


def release_all(ctx: Context) -> list[str]:
    """Shorten every meeting the suite created; returns one line per meeting it could not release."""
    problems = []
    for (room, meeting_id), start in list(ctx.state.get("created", {}).items()):
        listed, ex = api.find_meeting(ctx, room, start, start + timedelta(hours=2), meeting_id=meeting_id)
        if listed is None:
            continue
        begin = parse_lenient(listed.get("startDateUTC")) or start
        target_end = begin + timedelta(minutes=RELEASED_MINUTES)
        current_end = parse_lenient(listed.get("endDateUTC"))
        if current_end is not None and current_end <= target_end:
            continue
        put = api.put_meeting(ctx, room, meeting_id, full_update_body(listed, begin, target_end))
        if not put.ok:
            problems.append(f"meeting {meeting_id} in room {room} could not be released ({put.describe()})")
    return problems
