"""Listing meetings (RZ-MEETINGS*, RZ-IMAGE). Shape, uniqueness, order and the window's
"every listed meeting overlaps" half are judged on every listing of the run; the scripted
checks add what a single answer cannot show: the in-progress meeting, the adjacent ones,
bad dates and unknown rooms.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from conformance.checks.base import Context, Skip, check, observer
from conformance.checks.dates import fmt, parse_lenient, parse_utc
from conformance.checks.roomz import api
from conformance.checks.shared import duplicates
from conformance.client import Exchange
from conformance.spec import shape_problems

BAD_DATES = ["yesterday", "2024-13-01T00:00:00Z", ""]
MAX_WINDOW_SUBJECTS = 3


def _listing(ex: Exchange) -> list[Any] | None:
    if ex.operation != "listMeetings" or ex.status != 200:
        return None
    data = ex.json_or_none()
    return data if isinstance(data, list) else None


@check("RZ-MEETINGS")
def list_known_room(ctx: Context) -> None:
    api.wide_listing(ctx)
    ex = ctx.state["wide_exchange"]
    if ex.status != 200:
        ctx.fail("RZ-MEETINGS", f"RZ-MEETINGS expects 200 for GET meetings of the known room {api.target_room(ctx)!r}; it answered {ex.describe()}", ex)
    elif not isinstance(ex.json_or_none(), list):
        ctx.fail("RZ-MEETINGS", "RZ-MEETINGS expects a JSON array of meetings", ex)
    _own_meeting_not_in_other_room(ctx)
    if ctx.ledger.outcomes["RZ-MEETINGS"].exercised == 0:
        ctx.ledger.outcomes["RZ-MEETINGS"].skip_reason = (
            "no meeting was listed in any window the run asked for, so the Meeting fields could not be checked")


def _own_meeting_not_in_other_room(ctx: Context) -> None:
    """A room's listing holds that room's meetings: the suite's own meeting must not show up in
    another room's listing of the same window."""
    own = ctx.state.get("a")
    others = [r for r in ctx.state.get("rooms") or [] if str(r.get("roomId")) != api.target_room(ctx)]
    start, end = parse_lenient((own or {}).get("startDateUTC")), parse_lenient((own or {}).get("endDateUTC"))
    if not own or not others or start is None or end is None:
        return
    other = str(others[0].get("roomId"))
    ex = api.get_meetings(ctx, other, fmt(start - timedelta(hours=1)), fmt(end + timedelta(hours=1)))
    if any(str(m.get("meetingId")) == str(own.get("meetingId")) for m in api.meetings_of(ex) or []):
        ctx.fail("RZ-MEETINGS", f"RZ-MEETINGS expects a room's listing to hold that room's meetings, but meeting {own.get('meetingId')!r}, "
                 f"booked in room {api.target_room(ctx)!r}, is listed for room {other!r}", ex)


@observer("RZ-MEETINGS")
def meetings_shape(ctx: Context, ex: Exchange) -> None:
    data = _listing(ex)
    if data is None:
        return
    for i, meeting in enumerate(data):
        problems = [p for p in shape_problems("meeting.json", meeting) if p[0] == "shape"]
        for _, pointer, message in problems:
            ctx.fail("RZ-MEETINGS", f"RZ-MEETINGS expects every Meeting field with its type; at /{i}{pointer}: {message}", ex,
                     signature=f"meeting{pointer.split('/')[1] if pointer.count('/') else pointer}:{message[:60]}")
        if not problems:
            ctx.exercised("RZ-MEETINGS")
            ctx.ledger.outcomes["RZ-MEETINGS"].skip_reason = None


@observer("RZ-MEETINGS-UNIQUE")
def meetings_unique(ctx: Context, ex: Exchange) -> None:
    data = _listing(ex)
    if data is None:
        return
    for key, first, again in duplicates(data, "meetingId"):
        ctx.fail("RZ-MEETINGS-UNIQUE", f"RZ-MEETINGS-UNIQUE expects unique meetingId values in one answer, but {key!r} is at /{first} and /{again}", ex,
                 signature=f"dup:{key}")
    if data:
        ctx.exercised("RZ-MEETINGS-UNIQUE")


@observer("RZ-MEETINGS-ORDER")
def meetings_order(ctx: Context, ex: Exchange) -> None:
    for i, m in enumerate(_listing(ex) or []):
        if not isinstance(m, dict):
            continue
        start, end = parse_lenient(m.get("startDateUTC")), parse_lenient(m.get("endDateUTC"))
        if start is None or end is None:
            continue
        if start > end:
            ctx.fail("RZ-MEETINGS-ORDER", f"RZ-MEETINGS-ORDER expects startDateUTC <= endDateUTC, but meeting {m.get('meetingId')!r} at /{i} "
                     f"starts {m.get('startDateUTC')} and ends {m.get('endDateUTC')}", ex, signature=f"order:{m.get('meetingId')}")
        else:
            ctx.exercised("RZ-MEETINGS-ORDER")


def _window(ex: Exchange):
    query = parse_qs(urlsplit(ex.url).query, keep_blank_values=True)
    frm, to = query.get("from", [None])[0], query.get("to", [None])[0]
    return parse_utc(frm), parse_utc(to)


def overlaps(m: dict, frm, to) -> bool | None:
    start, end = parse_lenient(m.get("startDateUTC")), parse_lenient(m.get("endDateUTC"))
    if start is None or end is None or end < start:
        return None  # unreadable or reversed: RZ-UTC's or RZ-MEETINGS-ORDER's business
    if start == end:  # zero-length meetings are not specified: accept one anywhere in [from, to]
        return frm <= start <= to
    return start < to and end > frm


@observer("RZ-MEETINGS-WINDOW")
def listed_meetings_overlap(ctx: Context, ex: Exchange) -> None:
    data = _listing(ex)
    if not data:
        return
    frm, to = _window(ex)
    if frm is None or to is None or frm > to:
        return
    for i, m in enumerate(data):
        if isinstance(m, dict) and overlaps(m, frm, to) is False:
            ctx.fail("RZ-MEETINGS-WINDOW", f"RZ-MEETINGS-WINDOW expects only meetings overlapping [{fmt(frm)}, {fmt(to)}), but meeting "
                     f"{m.get('meetingId')!r} ({m.get('startDateUTC')}..{m.get('endDateUTC')}) at /{i} is outside it", ex,
                     signature=f"outside:{m.get('meetingId')}")


def _window_subjects(ctx: Context) -> list[dict]:
    """Meetings to probe the window with: the suite's own (if any) and listed ones with a duration."""
    candidates = []
    for key in ("a", "b"):  # the suite's own meetings, as listed now (they may have been released)
        own = ctx.state.get(key)
        start, end = parse_lenient((own or {}).get("startDateUTC")), parse_lenient((own or {}).get("endDateUTC"))
        if own and start and end:
            current, _ = api.find_meeting(ctx, api.target_room(ctx), start, end, meeting_id=own.get("meetingId"))
            if current is not None:
                candidates.append(current)
    candidates += api.wide_listing(ctx)
    out, seen = [], set()
    for m in candidates:
        start, end = parse_lenient(m.get("startDateUTC")), parse_lenient(m.get("endDateUTC"))
        if start is None or end is None or end - start < timedelta(minutes=2) or m.get("meetingId") in seen:
            continue
        seen.add(m.get("meetingId"))
        out.append(m)
    return out[:MAX_WINDOW_SUBJECTS]


@check("RZ-MEETINGS-WINDOW")
def window_boundaries(ctx: Context) -> None:
    subjects = _window_subjects(ctx)
    if not subjects:
        raise Skip("no meeting with a duration was listed (and none could be created), so the window boundaries could not be probed")
    room = api.target_room(ctx)
    for m in subjects:
        start, end = parse_lenient(m["startDateUTC"]), parse_lenient(m["endDateUTC"])
        mid = (start + (end - start) / 2).replace(microsecond=0)
        mid = mid if mid > start else start + timedelta(seconds=1)
        quarter = max((end - start) / 4, timedelta(seconds=1)).total_seconds()
        inner_from, inner_to = start + timedelta(seconds=int(quarter)), end - timedelta(seconds=int(quarter))
        probes = [
            ("in progress at `from`", mid, end + timedelta(hours=1), True),
            ("starting exactly at `from`", start, end + timedelta(hours=1), True),
            ("running across the whole window", inner_from, inner_to, True),
            ("ending exactly at `from` (adjacent)", end, end + timedelta(hours=1), False),
            ("starting exactly at `to` (adjacent)", start - timedelta(hours=1), start, False),
            ("entirely before the window", end + timedelta(hours=1), end + timedelta(hours=2), False),
        ]
        for label, frm, to, expected in probes:
            ex = api.get_meetings(ctx, room, fmt(frm), fmt(to))
            listed = api.meetings_of(ex)
            if listed is None:
                ctx.fail("RZ-MEETINGS-WINDOW", f"RZ-MEETINGS-WINDOW could not list [{fmt(frm)}, {fmt(to)}): {ex.describe()}", ex, signature="no-listing")
                continue
            present = any(str(x.get("meetingId")) == str(m.get("meetingId")) for x in listed)
            if present == expected:
                ctx.exercised("RZ-MEETINGS-WINDOW")
            elif expected:
                ctx.fail("RZ-MEETINGS-WINDOW", f"RZ-MEETINGS-WINDOW expects meeting {m.get('meetingId')!r} ({m['startDateUTC']}..{m['endDateUTC']}), "
                         f"{label}, to be listed for [{fmt(frm)}, {fmt(to)}); it is not", ex, signature=f"missing:{label}")
            else:
                ctx.fail("RZ-MEETINGS-WINDOW", f"RZ-MEETINGS-WINDOW expects meeting {m.get('meetingId')!r} ({m['startDateUTC']}..{m['endDateUTC']}), "
                         f"{label}, not to be listed for [{fmt(frm)}, {fmt(to)}); it is", ex, signature=f"extra:{label}")


@check("RZ-MEETINGS-BADDATE")
def bad_dates_answer_400(ctx: Context) -> None:
    room = api.target_room(ctx)
    now = api.now_utc()
    good_from, good_to = fmt(now - timedelta(hours=1)), fmt(now + timedelta(hours=1))
    for bad in BAD_DATES:
        for which, frm, to in (("from", bad, good_to), ("to", good_from, bad)):
            ex = api.get_meetings(ctx, room, frm, to)
            if ex.status == 400:
                ctx.exercised("RZ-MEETINGS-BADDATE")
            else:
                ctx.fail("RZ-MEETINGS-BADDATE", f"RZ-MEETINGS-BADDATE expects 400 for {which}={bad!r}; the server answered {ex.describe()}", ex,
                         signature=f"{which}:{bad}")


@check("RZ-MEETINGS-UNKNOWN-ROOM")
def unknown_room_is_404(ctx: Context) -> None:
    api.rooms(ctx)
    now = api.now_utc()
    room = api.unknown_id(ctx, "room")
    ex = api.get_meetings(ctx, room, fmt(now - timedelta(days=1)), fmt(now + timedelta(days=1)))
    if ex.status == 404:
        ctx.exercised("RZ-MEETINGS-UNKNOWN-ROOM")
    else:
        ctx.fail("RZ-MEETINGS-UNKNOWN-ROOM", f"RZ-MEETINGS-UNKNOWN-ROOM expects 404 for the unknown room {room!r}; the server answered {ex.describe()}", ex)


@check("RZ-IMAGE")
def images_seen(ctx: Context) -> None:
    api.wide_listing(ctx)
    if ctx.ledger.outcomes["RZ-IMAGE"].exercised == 0 and not ctx.ledger.outcomes["RZ-IMAGE"].findings:
        ctx.ledger.outcomes["RZ-IMAGE"].skip_reason = "no meeting listed in the run carried an imageUrl string"


@observer("RZ-IMAGE")
def image_is_https(ctx: Context, ex: Exchange) -> None:
    if ex.operation not in ("listMeetings", "createMeeting", "updateMeeting") or not ex.ok:
        return
    data = ex.json_or_none()
    items = data if isinstance(data, list) else [data]
    for m in items:
        if not isinstance(m, dict) or not isinstance(m.get("imageUrl"), str):
            continue
        url = m["imageUrl"]
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.netloc:
            ctx.exercised("RZ-IMAGE")
            ctx.ledger.outcomes["RZ-IMAGE"].skip_reason = None
        else:
            ctx.fail("RZ-IMAGE", f"RZ-IMAGE expects imageUrl to be an absolute https:// URL; meeting {m.get('meetingId')!r} has {url[:200]!r}", ex,
                     signature=f"image:{m.get('meetingId')}")
