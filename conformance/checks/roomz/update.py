"""Updating meetings (RZ-UPDATE*): the early release a display sends, and its refusals."""
from __future__ import annotations

from datetime import timedelta

from conformance.checks.base import Context, Skip, check
from conformance.checks.dates import fmt, parse_lenient
from conformance.checks.roomz import api, scratch
from conformance.checks.roomz.create import meeting_a, meeting_b

RELEASE_AFTER = timedelta(minutes=20)  # before A's midpoint, where RZ-CREATE-CONFLICT's probe starts


def _dates(meeting: dict) -> tuple:
    start, end = parse_lenient(meeting.get("startDateUTC")), parse_lenient(meeting.get("endDateUTC"))
    if start is None or end is None:
        raise Skip("meeting A has no readable dates")
    return start, end


def released(ctx: Context) -> tuple:
    """PUT A with an earlier end (once). Returns (exchange, start, new_end, meeting before)."""
    if "release" not in ctx.state:
        a = meeting_a(ctx)
        start, end = _dates(a)
        new_end = start + RELEASE_AFTER
        if new_end >= end:
            new_end = start + (end - start) / 2
        ex = api.put_meeting(ctx, api.target_room(ctx), a["meetingId"], scratch.full_update_body(a, start, new_end))
        ctx.state["release"] = (ex, start, new_end, a)
    return ctx.state["release"]


def _current(ctx: Context, a: dict) -> tuple[dict | None, object]:
    start, end = _dates(a)
    return api.find_meeting(ctx, api.target_room(ctx), start - timedelta(hours=1), end + timedelta(hours=1), meeting_id=a["meetingId"])


def current_a(ctx: Context) -> dict:
    """Meeting A as listed now. A server that gave it a new id on update fails RZ-UPDATE-PERSIST;
    here A is then found by its start and subject, so that fault is not blamed twice."""
    a = meeting_a(ctx)
    listed, ex = _current(ctx, a)
    if listed is None:
        for m in api.meetings_of(ex) or []:
            if m.get("startDateUTC") == a.get("startDateUTC") and m.get("subject") == a.get("subject"):
                ctx.note(ctx.current or "RZ-UPDATE-PERSIST", f"meeting {a.get('meetingId')!r} is now listed as {m.get('meetingId')!r}")
                return m
        raise Skip("the suite's meeting is no longer listed (see RZ-UPDATE-PERSIST)")
    return listed


@check("RZ-UPDATE")
def early_release_is_accepted(ctx: Context) -> None:
    ex, *_ = released(ctx)
    if ex.ok:
        ctx.exercised("RZ-UPDATE")
    else:
        ctx.fail("RZ-UPDATE", f"RZ-UPDATE expects 200 for a PUT of an existing meeting with valid dates (an early release); the server answered {ex.describe()}", ex)


@check("RZ-UPDATE-PERSIST")
def early_release_is_listed(ctx: Context) -> None:
    ex, start, new_end, before = released(ctx)
    if not ex.ok:
        raise Skip(f"the early release of RZ-UPDATE was not accepted ({ex.describe()})")
    listed, lst = api.find_meeting(ctx, api.target_room(ctx), start, start + timedelta(hours=2), meeting_id=before["meetingId"])
    if listed is None:
        ctx.fail("RZ-UPDATE-PERSIST", f"RZ-UPDATE-PERSIST expects meeting {before['meetingId']!r} to be listed after its early release, with the same meetingId; it is not", lst)
        return
    problems = api.listed_as(listed, start, new_end, {"organizerId": before.get("organizerId"), "subject": before.get("subject")})
    if problems:
        ctx.fail("RZ-UPDATE-PERSIST", "RZ-UPDATE-PERSIST expects the released meeting to keep its data with the new end, but it has " + "; ".join(problems), lst)
    else:
        ctx.exercised("RZ-UPDATE-PERSIST")


@check("RZ-UPDATE-UNKNOWN")
def update_of_unknown_is_404(ctx: Context) -> None:
    scratch.writes_allowed(ctx)
    start = scratch.at(ctx, "update-unknown")
    body = scratch.body(scratch.subject(ctx, "unknown"), api.organizer(ctx), start, start + timedelta(minutes=30))
    room = api.target_room(ctx)
    probes = [("an unknown meetingId", room, api.unknown_id(ctx, "meeting"))]
    a = ctx.state.get("a")
    probes.append(("an unknown roomId", api.unknown_id(ctx, "room"), a["meetingId"] if a else api.unknown_id(ctx, "meeting")))
    for label, r, m in probes:
        ex = api.put_meeting(ctx, r, m, body)
        if ex.ok and r == room:  # an upsert: release what it created
            landed, _ = api.find_meeting(ctx, room, start, start + timedelta(minutes=30))
            if landed is not None:
                scratch.track(ctx, room, landed.get("meetingId"), start)
        if ex.status == 404:
            ctx.exercised("RZ-UPDATE-UNKNOWN")
        else:
            ctx.fail("RZ-UPDATE-UNKNOWN", f"RZ-UPDATE-UNKNOWN expects 404 for a PUT with {label}; the server answered {ex.describe()}", ex)


@check("RZ-UPDATE-INVALID")
def invalid_update_is_refused(ctx: Context) -> None:
    room = api.target_room(ctx)
    before = current_a(ctx)
    start, end = _dates(before)
    cases = {
        "an endDateUTC with month 13": scratch.full_update_body(before, start, f"{end.year}-13-01T00:00:00Z"),
        "an endDateUTC that is not a date": scratch.full_update_body(before, start, "not-a-date"),
        "an endDateUTC before its startDateUTC": scratch.full_update_body(before, start, start - timedelta(minutes=30)),
    }
    for label, payload in cases.items():
        ex = api.put_meeting(ctx, room, before["meetingId"], payload)
        if ex.status == 400:
            ctx.exercised("RZ-UPDATE-INVALID")
        else:
            ctx.fail("RZ-UPDATE-INVALID", f"RZ-UPDATE-INVALID expects 400 for a PUT with {label}; the server answered {ex.describe()}", ex, signature=label)
        after, lst = _current(ctx, before)
        if after is not None and (after.get("startDateUTC"), after.get("endDateUTC")) != (before.get("startDateUTC"), before.get("endDateUTC")):
            ctx.fail("RZ-UPDATE-INVALID", f"RZ-UPDATE-INVALID expects a refused PUT ({label}) to leave the meeting unchanged, but it is now listed "
                     f"{after.get('startDateUTC')}..{after.get('endDateUTC')} instead of {before.get('startDateUTC')}..{before.get('endDateUTC')}", lst)
            restore = api.put_meeting(ctx, room, before["meetingId"], scratch.full_update_body(before, start, end))
            if not restore.ok:
                ctx.note("RZ-UPDATE-INVALID", f"could not restore meeting {before['meetingId']} ({restore.describe()})")


@check("RZ-UPDATE-CONFLICT")
def overlapping_update_is_refused(ctx: Context) -> None:
    """Move A one minute into B, then over all of B: 409 and unchanged; then make A end exactly
    when B starts: adjacent, so accepted."""
    b = meeting_b(ctx)
    b_start, b_end = _dates(b)
    room = api.target_room(ctx)
    minute = timedelta(minutes=1)
    before = current_a(ctx)
    start, end = _dates(before)
    probes = [
        (f"overlap meeting {b.get('meetingId')!r} by one minute", start, b_start + minute),
        (f"cover meeting {b.get('meetingId')!r}", start, b_end + timedelta(minutes=30)),
    ]
    for label, new_start, new_end in probes:
        ex = api.put_meeting(ctx, room, before["meetingId"], scratch.full_update_body(before, new_start, new_end))
        if ex.status == 409:
            ctx.exercised("RZ-UPDATE-CONFLICT")
        else:
            ctx.fail("RZ-UPDATE-CONFLICT", f"RZ-UPDATE-CONFLICT expects 409 for a PUT that makes meeting {before['meetingId']!r} "
                     f"({fmt(new_start)}..{fmt(new_end)}) {label}; the server answered {ex.describe()}", ex, signature=label)
        after, lst = _current(ctx, before)
        if after is not None and (after.get("startDateUTC"), after.get("endDateUTC")) != (before.get("startDateUTC"), before.get("endDateUTC")):
            ctx.fail("RZ-UPDATE-CONFLICT", f"RZ-UPDATE-CONFLICT expects the meeting to stay unchanged, but it is now "
                     f"{after.get('startDateUTC')}..{after.get('endDateUTC')} instead of {before.get('startDateUTC')}..{before.get('endDateUTC')}",
                     lst, signature=f"changed:{label}")
            api.put_meeting(ctx, room, before["meetingId"], scratch.full_update_body(before, start, end))
    release, *_ = released(ctx)
    if not release.ok:  # valid PUTs are refused altogether: RZ-UPDATE's failure, not a conflict rule
        ctx.note("RZ-UPDATE-CONFLICT", "the adjacent PUT was not judged: the server refuses valid PUTs (see RZ-UPDATE)")
        return
    ex = api.put_meeting(ctx, room, before["meetingId"], scratch.full_update_body(before, start, b_start))
    if ex.ok:
        ctx.exercised("RZ-UPDATE-CONFLICT")
    else:
        ctx.fail("RZ-UPDATE-CONFLICT", f"RZ-UPDATE-CONFLICT: a PUT that makes meeting {before['meetingId']!r} end exactly when meeting "
                 f"{b.get('meetingId')!r} starts ({fmt(b_start)}) is not a conflict and must succeed; the server answered {ex.describe()}", ex)
