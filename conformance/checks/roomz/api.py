"""The four ROOMZ calls as the checks make them, plus what the run learns along the way.

Every helper tags the exchange with its operationId, so the observers (RZ-STATUS-LISTED,
RZ-MEETINGS, ...) know which call they are looking at.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from conformance.checks.base import Context, Skip
from conformance.checks.dates import fmt, now_utc, parse_lenient
from conformance.checks.shared import unknown_id  # noqa: F401  (re-exported for the checks)
from conformance.client import Exchange

WIDE_DAYS = 14        # the listing window around now used to discover existing meetings


def room_path(room_id: str) -> str:
    return f"/rooms/{quote(str(room_id), safe='')}/meetings"


def meeting_path(room_id: str, meeting_id: str) -> str:
    return f"{room_path(room_id)}/{quote(str(meeting_id), safe='')}"


def get_rooms(ctx: Context, **kw: Any) -> Exchange:
    return ctx.client.request("GET", "/rooms", operation="listRooms", **kw)


def get_meetings(ctx: Context, room_id: str, frm: str | None, to: str | None, **kw: Any) -> Exchange:
    params = {}
    if frm is not None:
        params["from"] = frm
    if to is not None:
        params["to"] = to
    return ctx.client.request("GET", room_path(room_id), params=params, operation="listMeetings", **kw)


def post_meeting(ctx: Context, room_id: str, body: Any, **kw: Any) -> Exchange:
    return ctx.client.request("POST", room_path(room_id), json=body, operation="createMeeting", **kw)


def put_meeting(ctx: Context, room_id: str, meeting_id: str, body: Any, **kw: Any) -> Exchange:
    return ctx.client.request("PUT", meeting_path(room_id, meeting_id), json=body, operation="updateMeeting", **kw)


# -- discovery -------------------------------------------------------------------------------
def rooms(ctx: Context) -> list[dict]:
    """The rooms of GET /rooms (fetched once). Skip when the server lists none."""
    if "rooms" not in ctx.state:
        ex = get_rooms(ctx)
        ctx.state["rooms_exchange"] = ex
        data = ex.json_or_none() if ex.status == 200 else None
        listed = [r for r in data if isinstance(r, dict) and "roomId" in r] if isinstance(data, list) else []
        ctx.state["rooms"] = listed
        if not listed:
            why = f"GET /rooms gave no usable room ({ex.describe()})"
            ctx.state["rooms:why"] = why
    if not ctx.state["rooms"]:
        raise Skip(ctx.state["rooms:why"])
    return ctx.state["rooms"]


def target_room(ctx: Context) -> str:
    """The one room the suite reads closely and may write into (--room-id, else the first)."""
    if ctx.options.room_id:
        return str(ctx.options.room_id)
    return str(rooms(ctx)[0]["roomId"])


def meetings_of(ex: Exchange) -> list[dict] | None:
    if ex.status != 200:
        return None
    data = ex.json_or_none()
    if not isinstance(data, list):
        return None
    return [m for m in data if isinstance(m, dict)]


def wide_listing(ctx: Context) -> list[dict]:
    """Meetings of the target room within WIDE_DAYS of now (fetched once)."""
    if "wide" not in ctx.state:
        now = now_utc()
        ex = get_meetings(ctx, target_room(ctx), fmt(now - timedelta(days=WIDE_DAYS)), fmt(now + timedelta(days=WIDE_DAYS)))
        ctx.state["wide"] = meetings_of(ex) or []
        ctx.state["wide_exchange"] = ex
    return ctx.state["wide"]


ORGANIZER_SCAN_ROOMS = 5   # rooms whose meetings are read to find a known organizer


def organizer(ctx: Context) -> str:
    """--organizer-id, else the organizer seen most often in existing meetings (the target room
    first, then up to ORGANIZER_SCAN_ROOMS others), else the invented ``conformance``."""
    if ctx.options.organizer_id:
        return str(ctx.options.organizer_id)
    if "organizer" not in ctx.state:
        seen = [m.get("organizerId") for m in wide_listing(ctx)]
        if not any(isinstance(o, str) and o for o in seen):
            now = now_utc()
            for room in rooms(ctx)[1:ORGANIZER_SCAN_ROOMS + 1]:
                ex = get_meetings(ctx, str(room.get("roomId")), fmt(now - timedelta(days=WIDE_DAYS)), fmt(now + timedelta(days=WIDE_DAYS)))
                seen += [m.get("organizerId") for m in meetings_of(ex) or []]
        counts = Counter(o for o in seen if isinstance(o, str) and o)
        ctx.state["organizer"] = counts.most_common(1)[0][0] if counts else INVENTED_ORGANIZER
    return ctx.state["organizer"]


INVENTED_ORGANIZER = "conformance"


def organizer_is_invented(ctx: Context) -> bool:
    return not ctx.options.organizer_id and organizer(ctx) == INVENTED_ORGANIZER


def same_instant(a: Any, b: datetime) -> bool:
    got = parse_lenient(a)
    return got is not None and got == b


def find_meeting(ctx: Context, room_id: str, start: datetime, end: datetime, *, meeting_id: str | None = None) -> tuple[dict | None, Exchange]:
    """List a window around [start, end) and return the meeting with that id, or those dates."""
    ex = get_meetings(ctx, room_id, fmt(start - timedelta(hours=1)), fmt(end + timedelta(hours=1)))
    for m in meetings_of(ex) or []:
        if meeting_id is not None:
            if str(m.get("meetingId")) == str(meeting_id):
                return m, ex
        elif same_instant(m.get("startDateUTC"), start) and same_instant(m.get("endDateUTC"), end):
            return m, ex
    return None, ex


def listed_as(listed: dict, start: datetime, end: datetime, expected: dict[str, Any]) -> list[str]:
    """What differs between a listed meeting and what the suite expects of it: the dates as
    instants (their format is RZ-UTC's business), the subject only when not private, the rest
    exactly (a boolean must be a JSON boolean)."""
    problems = []
    for key, when in (("startDateUTC", start), ("endDateUTC", end)):
        if not same_instant(listed.get(key), when):
            problems.append(f"{key} {listed.get(key)!r} instead of {fmt(when)!r}")
    for key, value in expected.items():
        if key == "subject" and listed.get("isPrivate") is True:
            continue
        got = listed.get(key)
        if got != value or type(got) is not type(value):
            problems.append(f"{key} {got!r} instead of {value!r}")
    return problems
