"""Creating meetings (RZ-CREATE*). All writes go through ``scratch``."""
from __future__ import annotations

from datetime import timedelta

from conformance.checks.base import Context, Skip, check
from conformance.checks.dates import fmt, parse_lenient
from conformance.checks.roomz import api, scratch

CREATED = (200, 201)


def meeting_a(ctx: Context) -> dict:
    """The suite's own meeting A at slot+0h..+1h, created once and shared by later checks.

    RZ-CREATE's verdict is recorded here, whichever check needs A first.
    """
    if "a" not in ctx.state:
        start = scratch.at(ctx, "A")
        end = start + timedelta(hours=1)
        ex, meeting = scratch.create_tracked(ctx, "A", start, end)
        ctx.state["a_post"] = ex
        ctx.state["a_dates"] = (start, end)
        if ex.status in CREATED:
            ctx.exercised("RZ-CREATE")
        elif ex.status == 404 and api.organizer_is_invented(ctx):
            ctx.state["a"] = None
            ctx.state["a:why"] = (f"the server answered 404 to a POST whose organizerId {api.organizer(ctx)!r} the suite had to invent (no "
                                  "meeting listed an organizer); pass --organizer-id with an organizer your system knows")
            raise Skip(ctx.state["a:why"])
        else:
            ctx.fail("RZ-CREATE", f"RZ-CREATE expects 200 or 201 for a POST into a free slot; the server answered {ex.describe()}", ex)
        ctx.state["a"] = meeting if ex.ok else None
        if not ex.ok:
            ctx.state["a:why"] = f"the suite's meeting could not be created ({ex.describe()}; see RZ-CREATE)"
        elif meeting is None:
            ctx.state["a:why"] = "the meeting created by POST was not listed afterwards (see RZ-CREATE-PERSIST)"
    return ctx.require("a")


def _adjacent(ctx: Context, key: str, label: str, start, end) -> dict:
    if key not in ctx.state:
        ex, meeting = scratch.create_tracked(ctx, label, start, end)
        ctx.state[f"{key}_post"] = ex
        ctx.state[key] = meeting if ex.ok else None
        ctx.state[f"{key}:why"] = f"the adjacent meeting {label} could not be created ({ex.describe()})"
    return ctx.require(key)


def meeting_b(ctx: Context) -> dict:
    """Meeting B: starts exactly when A ends (created by RZ-CREATE-CONFLICT)."""
    a_start, a_end = _dates(meeting_a(ctx), "A")
    return _adjacent(ctx, "b", "B", a_end, a_end + timedelta(hours=1))


def meeting_c0(ctx: Context) -> dict:
    """Meeting C0: ends exactly when A starts (created by RZ-CREATE-CONFLICT)."""
    a_start, _ = _dates(meeting_a(ctx), "A")
    return _adjacent(ctx, "c0", "C0", a_start - timedelta(hours=1), a_start)


def _dates(meeting: dict, label: str):
    start, end = parse_lenient(meeting.get("startDateUTC")), parse_lenient(meeting.get("endDateUTC"))
    if start is None or end is None or end <= start:
        raise Skip(f"meeting {label} has no usable dates")
    return start, end


@check("RZ-CREATE")
def create_in_free_slot(ctx: Context) -> None:
    try:
        meeting_a(ctx)
    except Skip:
        if "a_post" not in ctx.state:
            raise


@check("RZ-CREATE-PERSIST")
def created_meeting_is_listed(ctx: Context) -> None:
    try:
        meeting_a(ctx)
    except Skip:
        pass
    post = ctx.state.get("a_post")
    if post is None or not post.ok:
        raise Skip(ctx.state.get("a:why", "the POST of RZ-CREATE did not succeed"))
    start, end = ctx.state["a_dates"]
    room = api.target_room(ctx)
    body = post.json_or_none()
    known_id = body.get("meetingId") if isinstance(body, dict) else None
    listed, ex = api.find_meeting(ctx, room, start, end, meeting_id=known_id) if known_id else api.find_meeting(ctx, room, start, end)
    if listed is None:
        what = f"meetingId {known_id!r}" if known_id else f"startDateUTC {fmt(start)} and endDateUTC {fmt(end)}"
        ctx.fail("RZ-CREATE-PERSIST", f"RZ-CREATE-PERSIST expects the created meeting ({what}) to be listed by GET meetings; it is not", ex)
        return
    sent = scratch.body(scratch.subject(ctx, "A"), api.organizer(ctx), start, end)
    problems = api.listed_as(listed, start, end, {"organizerId": sent["organizerId"], "subject": sent["subject"], "isCancelled": False})
    if problems:
        ctx.fail("RZ-CREATE-PERSIST", "RZ-CREATE-PERSIST expects the created meeting to be listed as it was sent, but it has " + "; ".join(problems), ex)
    else:
        ctx.exercised("RZ-CREATE-PERSIST")


@check("RZ-CREATE-CONFLICT")
def overlapping_create_is_refused(ctx: Context) -> None:
    a = meeting_a(ctx)
    a_start, a_end = _dates(a, "A")
    room = api.target_room(ctx)
    minute = timedelta(minutes=1)
    mid = (a_start + (a_end - a_start) / 2).replace(second=0)
    probes = [
        ("overlapping its end", mid, a_end + timedelta(minutes=30)),
        ("strictly inside it", a_start + 10 * minute, a_end - 10 * minute),
        ("covering it", a_start - timedelta(minutes=30), a_end + timedelta(minutes=30)),
        ("overlapping its last minute", a_end - minute, a_end + 29 * minute),
        ("overlapping its first minute", a_start - 29 * minute, a_start + minute),
    ]
    for label, start, end in probes:
        ex, created = scratch.create_tracked(ctx, f"overlap {label}", start, end)
        if ex.status == 409:
            ctx.exercised("RZ-CREATE-CONFLICT")
        else:
            ctx.fail("RZ-CREATE-CONFLICT", f"RZ-CREATE-CONFLICT expects 409 for a POST ({fmt(start)}..{fmt(end)}) {label}: meeting "
                     f"{a.get('meetingId')!r} ({a.get('startDateUTC')}..{a.get('endDateUTC')}); the server answered {ex.describe()}", ex,
                     signature=f"accepted:{label}")
        if created is not None:
            scratch.evict(ctx, room, created)
        elif ex.status == 409:
            leftover, lst = api.find_meeting(ctx, room, start, end)
            if leftover is not None and str(leftover.get("meetingId")) != str(a.get("meetingId")):
                ctx.fail("RZ-CREATE-CONFLICT", f"RZ-CREATE-CONFLICT expects a refused POST to create nothing, but the meeting {label} is listed", lst)
                scratch.evict(ctx, room, leftover)
    # adjacent on either side: not a conflict
    for label, make in (("starts exactly when another ends", meeting_b), ("ends exactly when another starts", meeting_c0)):
        try:
            made = make(ctx)
        except Skip:
            made = None
        post = ctx.state.get("b_post" if make is meeting_b else "c0_post")
        if post is None:
            continue
        if post.ok:  # the exact success code is RZ-CREATE's business
            ctx.exercised("RZ-CREATE-CONFLICT")
        else:
            ctx.fail("RZ-CREATE-CONFLICT", f"RZ-CREATE-CONFLICT: a meeting that {label} is not a conflict and must succeed; "
                     f"the server answered {post.describe()}", post, signature=f"adjacent:{label}")
        if make is meeting_c0 and made is not None:
            scratch.evict(ctx, room, made)  # A keeps one neighbour (B): later PUTs of A touch nothing else


@check("RZ-CREATE-UNKNOWN-ROOM")
def create_in_unknown_room(ctx: Context) -> None:
    start = scratch.at(ctx, "unknown-room")
    api.rooms(ctx)  # a server that lists no room cannot tell known from unknown
    room = api.unknown_id(ctx, "room")
    ex = api.post_meeting(ctx, room, scratch.body(scratch.subject(ctx, "unknown room"), api.organizer(ctx), start, start + timedelta(hours=1)))
    landed, lst = api.find_meeting(ctx, api.target_room(ctx), start, start + timedelta(hours=1))
    if landed is not None:
        scratch.track(ctx, api.target_room(ctx), landed.get("meetingId"), start)
        ctx.fail("RZ-CREATE-UNKNOWN-ROOM", f"RZ-CREATE-UNKNOWN-ROOM expects the POST to room {room!r} to create nothing, but meeting "
                 f"{landed.get('meetingId')!r} appeared at its dates in room {api.target_room(ctx)!r}", lst)
    if ex.status != 404:
        ctx.fail("RZ-CREATE-UNKNOWN-ROOM", f"RZ-CREATE-UNKNOWN-ROOM expects 404 for a POST to the unknown room {room!r}; the server answered {ex.describe()}", ex)
    else:
        ctx.exercised("RZ-CREATE-UNKNOWN-ROOM")
    after = api.get_rooms(ctx)
    listed = after.json_or_none()
    if isinstance(listed, list) and any(isinstance(r, dict) and str(r.get("roomId")) == room for r in listed):
        ctx.fail("RZ-CREATE-UNKNOWN-ROOM", f"RZ-CREATE-UNKNOWN-ROOM expects the POST to create nothing, but room {room!r} is now listed by GET /rooms", after)


@check("RZ-CREATE-UNKNOWN-ORGANIZER")
def create_with_unknown_organizer(ctx: Context) -> None:
    start = scratch.at(ctx, "unknown-organizer")
    who = api.unknown_id(ctx, "organizer")
    ex, _ = scratch.create_tracked(ctx, "unknown organizer", start, start + timedelta(hours=1), organizer_id=who)
    if ex.status != 404:
        ctx.fail("RZ-CREATE-UNKNOWN-ORGANIZER", f"RZ-CREATE-UNKNOWN-ORGANIZER expects 404 for organizerId {who!r}, which no system knows; "
                 f"the server answered {ex.describe()} (acceptable only for systems that book every display meeting under one account)", ex)
    else:
        ctx.exercised("RZ-CREATE-UNKNOWN-ORGANIZER")


@check("RZ-CREATE-INVALID")
def invalid_create_is_refused(ctx: Context) -> None:
    start = scratch.at(ctx, "invalid")
    end = start + timedelta(hours=1)
    good = scratch.body(scratch.subject(ctx, "invalid"), api.organizer(ctx), start, end)
    cases = {
        "a startDateUTC that is not a date": {**good, "startDateUTC": "not-a-date"},
        "an endDateUTC with month 13": {**good, "endDateUTC": f"{end.year}-13-01T00:00:00Z"},
        "no endDateUTC": {k: v for k, v in good.items() if k != "endDateUTC"},
        "no startDateUTC": {k: v for k, v in good.items() if k != "startDateUTC"},
        "an endDateUTC before its startDateUTC": {**good, "endDateUTC": fmt(start - timedelta(minutes=30))},
    }
    room = api.target_room(ctx)
    for label, payload in cases.items():
        ex = api.post_meeting(ctx, room, payload)
        if ex.status is not None and 400 <= ex.status < 500:
            ctx.exercised("RZ-CREATE-INVALID")
        else:
            ctx.fail("RZ-CREATE-INVALID", f"RZ-CREATE-INVALID expects a POST with {label} to be refused with a 4xx (400); the server answered {ex.describe()}", ex,
                     signature=f"accepted:{label}")
    lst = api.get_meetings(ctx, room, fmt(start - timedelta(hours=1)), fmt(end + timedelta(hours=1)))
    for m in api.meetings_of(lst) or []:
        if isinstance(m.get("subject"), str) and m["subject"] == good["subject"] or (
            api.same_instant(m.get("startDateUTC"), start) and m.get("organizerId") == good["organizerId"]
        ):
            scratch.track(ctx, room, m.get("meetingId"), parse_lenient(m.get("startDateUTC")) or start)
            ctx.fail("RZ-CREATE-INVALID", f"RZ-CREATE-INVALID expects invalid POSTs to create nothing, but meeting {m.get('meetingId')!r} "
                     f"({m.get('startDateUTC')}..{m.get('endDateUTC')}) is listed", lst)
