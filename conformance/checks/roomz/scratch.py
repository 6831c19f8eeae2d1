"""Where and how the suite writes on a real booking system.

Only into one room (``target_room``), only in a stretch of time far from now that it first
checks is free, and it releases afterwards everything it created by shortening it to
RELEASED_MINUTES, the same PUT a display sends (the contract has no DELETE). Each write scenario
owns a fixed place in that stretch (``HOURS``), so scenarios never collide with each other, and
a meeting the server wrongly accepted is moved out of the way into the ``graveyard``.
"""
from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from typing import Any

from conformance.checks.base import Context, Skip
from conformance.checks.dates import fmt, now_utc, parse_lenient
from conformance.checks.roomz import api

DAYS_AHEAD = 60             # far enough that no person books there by accident, and within the
SPREAD_DAYS = 30            # booking horizon of common systems (Exchange rooms default to 180 days)
SEARCH_DAYS = 14            # candidate days tried after the first
MARGIN = timedelta(minutes=30)
RELEASED_MINUTES = 15

# hours after the start of the scratch stretch
HOURS = {
    "before": 0.0,            # C0: ends exactly when A starts (adjacent, must succeed)
    "A": 1.0,                 # the suite's meeting: created, listed, released, conflicts
    "B": 2.0,                 # starts exactly when A ends (adjacent, must succeed)
    "unknown-room": 3.0,      # the POST to an unknown room must not land here
    "unknown-organizer": 4.0,
    "invalid": 5.0,
    "seconds": 6.0,           # dates with seconds (RZ-UTC-ACCEPT)
    "long-subject": 6.5,      # unusual subjects (RZ-5XX)
    "auth": 7.0,              # auth probes: POSTs at +0, the PUT probes' own meeting at +30 min
    "update-unknown": 8.0,    # dates of PUTs to unknown meetings (nothing should land)
    "graveyard": 8.5,         # wrongly accepted meetings are moved here, 15 minutes each
}
SPAN = timedelta(hours=10)


def writes_allowed(ctx: Context) -> None:
    if ctx.options.read_only:
        raise Skip("--read-only: the suite sends no POST or PUT, so this write requirement is not certified")


def _busy(listed: list[dict]) -> list[tuple[datetime, datetime]]:
    out = []
    for m in listed:
        start, end = parse_lenient(m.get("startDateUTC")), parse_lenient(m.get("endDateUTC"))
        if start is not None and end is not None:
            out.append((min(start, end), max(start, end)))
    return out


def slot(ctx: Context) -> datetime:
    """The start of the free scratch stretch (found once): the first whole hour of a candidate
    day whose [start - MARGIN, start + SPAN + MARGIN) holds no meeting of the target room."""
    writes_allowed(ctx)
    if "slot" in ctx.state:
        if ctx.state["slot"] is None:
            raise Skip(ctx.state["slot:why"])
        return ctx.state["slot"]
    room = api.target_room(ctx)
    rng = random.Random(ctx.options.seed)
    day = now_utc().replace(hour=0, minute=0) + timedelta(days=DAYS_AHEAD + rng.randrange(SPREAD_DAYS))
    why = "no free scratch slot found"
    for _ in range(SEARCH_DAYS):
        ex = api.get_meetings(ctx, room, fmt(day - MARGIN), fmt(day + timedelta(days=1) + SPAN + MARGIN))
        listed = api.meetings_of(ex)
        if listed is None:
            why = f"could not check that the scratch slot is free: {ex.describe()}"
            break
        busy = _busy(listed)
        for hour in range(24):
            start = day + timedelta(hours=hour)
            lo, hi = start - MARGIN, start + SPAN + MARGIN
            if not any(b_start < hi and b_end > lo for b_start, b_end in busy):
                ctx.state["slot"] = start
                return start
        why = f"room {room} has no free {SPAN + 2 * MARGIN} stretch on any of {SEARCH_DAYS} days from {fmt(day)} (pass another --room-id)"
        day += timedelta(days=1)
    ctx.state["slot"] = None
    ctx.state["slot:why"] = why
    raise Skip(why)


def at(ctx: Context, name: str) -> datetime:
    """The start of a scenario's place in the scratch stretch."""
    return slot(ctx) + timedelta(hours=HOURS[name])


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


def find_created(ctx: Context, room: str, start: datetime, end: datetime, meeting_id: Any = None) -> tuple[dict | None, Any]:
    """Find a meeting the suite just created; a connector that syncs to its booking system may
    list it a moment later, so a miss is retried twice (about 1.5 s in all)."""
    for delay in (0.5, 1.0, None):
        listed, ex = api.find_meeting(ctx, room, start, end, meeting_id=meeting_id)
        if listed is not None or delay is None or not ex.ok or ctx.out_of_time():
            return listed, ex
        time.sleep(delay)
    return None, ex


def create_tracked(ctx: Context, label: str, start: datetime, end: datetime, *, room: str | None = None,
                   organizer_id: str | None = None, subject_text: str | None = None) -> tuple[Any, dict | None]:
    """POST a meeting; when it is accepted, find it and track it for release. (exchange, meeting)."""
    room = room or api.target_room(ctx)
    text = subject_text if subject_text is not None else subject(ctx, label)
    ex = api.post_meeting(ctx, room, body(text, organizer_id or api.organizer(ctx), start, end))
    meeting = None
    if ex.ok:
        data = ex.json_or_none()
        known_id = data.get("meetingId") if isinstance(data, dict) else None
        if known_id is not None:
            meeting = data
        listed, _ = find_created(ctx, room, start, end, known_id)
        if listed is not None:
            meeting = listed
        if meeting is not None and meeting.get("meetingId") is not None:
            track(ctx, room, meeting["meetingId"], start)
    return ex, meeting


def evict(ctx: Context, room: str, meeting: dict | None) -> None:
    """Move a meeting the server should have refused out of the scenarios' way (a PUT into the
    graveyard), so one fault does not cascade into the checks that follow."""
    if not meeting or meeting.get("meetingId") is None:
        return
    n = ctx.state["evicted"] = ctx.state.get("evicted", 0) + 1
    start = at(ctx, "graveyard") + timedelta(minutes=RELEASED_MINUTES * (n - 1))
    api.put_meeting(ctx, room, meeting["meetingId"], full_update_body(meeting, start, start + timedelta(minutes=RELEASED_MINUTES)))
    track(ctx, room, meeting["meetingId"], start)


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
