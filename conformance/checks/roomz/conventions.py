"""Conventions (RZ-JSON, RZ-UTC, RZ-UTC-ACCEPT, RZ-NULL, RZ-5XX, RZ-STATUS-LISTED, RZ-HTTPS).

Apart from RZ-HTTPS and RZ-UTC-ACCEPT these are observers: they judge every response the run
receives, whichever check caused the request.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from conformance.checks.base import Context, check, observer
from conformance.checks.dates import (
    fmt,
    looks_like_datetime,
    now_utc,
    parse_utc,
    why_not_utc,
)
from conformance.checks.roomz import api, scratch
from conformance.checks.shared import (
    json_problems,
    register_https,
    register_no_server_error,
    walk,
)
from conformance.client import Exchange
from conformance.spec import listed_statuses

DATE_FIELDS = ("startDateUTC", "endDateUTC", "creationDateUTC")
FREE_TEXT_FIELDS = ("subject", "name", "organizerName", "organizerId", "meetingId", "roomId", "imageUrl")


@observer("RZ-JSON")
def success_is_json(ctx: Context, ex: Exchange) -> None:
    if not ex.ok or ex.operation is None:
        return
    if not ex.body:
        if ex.method == "GET":
            ctx.fail("RZ-JSON", f"RZ-JSON expects a GET success to have a JSON body; {ex.method} {ex.path} answered {ex.status} with an empty body", ex,
                     signature=f"empty:{ex.operation}")
        else:
            ctx.exercised("RZ-JSON")
        return
    problems = json_problems(ex)
    if problems:
        ctx.fail("RZ-JSON", f"RZ-JSON expects a 2xx body to be JSON with Content-Type application/json; {ex.method} answered " + " and ".join(problems), ex,
                 signature=f"{ex.operation}:{'|'.join(p[:30] for p in problems)}")
    else:
        ctx.exercised("RZ-JSON")


@observer("RZ-UTC")
def dates_are_exact_utc(ctx: Context, ex: Exchange) -> None:
    if not ex.ok or ex.operation is None:
        return
    data = ex.json_or_none()
    if data is None:
        return
    for pointer, key, value in walk(data):
        if key in DATE_FIELDS or (key not in FREE_TEXT_FIELDS and isinstance(value, str) and looks_like_datetime(value)):
            if not isinstance(value, str):
                continue  # a missing or mistyped field is RZ-MEETINGS' business, a null RZ-NULL's
            if parse_utc(value) is None:
                ctx.fail("RZ-UTC", f"RZ-UTC expects YYYY-MM-DDThh:mm:ssZ and a real UTC instant; {pointer} is {value[:60]!r}: {why_not_utc(value)}", ex,
                         signature=f"{ex.operation}:{key}:{why_not_utc(value)}")
            else:
                ctx.exercised("RZ-UTC")


def _image_url_pointers(ex: Exchange, data: Any) -> set[str]:
    """Where a Meeting's own imageUrl sits in this answer: /i/imageUrl in a listing, /imageUrl in
    a POST or PUT answer. A null anywhere else, nested imageUrl keys included, is a violation."""
    if not ex.ok:
        return set()
    if ex.operation == "listMeetings" and isinstance(data, list):
        return {f"/{i}/imageUrl" for i in range(len(data))}
    if ex.operation in ("createMeeting", "updateMeeting") and isinstance(data, dict):
        return {"/imageUrl"}
    return set()


@observer("RZ-NULL")
def no_null(ctx: Context, ex: Exchange) -> None:
    if ex.status is None or not ex.body:
        return
    data = ex.json_or_none()
    if data is None:
        return
    for pointer, key, value in walk(data):
        if value is None and pointer not in _image_url_pointers(ex, data):
            ctx.fail("RZ-NULL", f"RZ-NULL expects no null in any response body (only a Meeting's imageUrl may be null), but {pointer or 'the body'} is null "
                     f"in the answer to {ex.method}", ex, signature=f"{ex.operation}:{key}")
            return
    ctx.exercised("RZ-NULL")


register_no_server_error("RZ-5XX")


@observer("RZ-STATUS-LISTED")
def status_is_listed(ctx: Context, ex: Exchange) -> None:
    if ex.operation is None or ex.status is None or ex.status >= 500:
        return  # 5xx are RZ-5XX's business
    listed = listed_statuses(ex.operation)
    if ex.status in listed:
        ctx.exercised("RZ-STATUS-LISTED")
    else:
        ctx.fail("RZ-STATUS-LISTED", f"RZ-STATUS-LISTED: {ex.method} answered {ex.status}, which the contract does not list for this call "
                 f"(listed: {', '.join(str(s) for s in sorted(listed))})", ex, signature=f"{ex.operation}:{ex.status}")


register_https("RZ-HTTPS", "the Basic credentials are readable on the wire")


@check("RZ-UTC-ACCEPT")
def exact_dates_are_accepted(ctx: Context) -> None:
    """Dates with non-zero seconds, in the exact format, in a GET window and in a POST."""
    room = api.target_room(ctx)
    now = now_utc()
    windows = {
        "seconds other than :00": ((now - timedelta(hours=2)).replace(second=17), (now + timedelta(hours=2)).replace(second=43)),
        "a window of 400 days": (now - timedelta(days=200), now + timedelta(days=200)),
        "dates after 2038-01-19 (beyond 32-bit time)": (now.replace(year=2040, month=1, day=1), now.replace(year=2040, month=1, day=2)),
    }
    for label, (frm, to) in windows.items():
        ex = api.get_meetings(ctx, room, fmt(frm), fmt(to))
        if ex.status == 400:
            ctx.fail("RZ-UTC-ACCEPT", f"RZ-UTC-ACCEPT expects from={fmt(frm)} and to={fmt(to)} ({label}) to be accepted; the server answered "
                     f"{ex.describe()}", ex, signature=label)
        elif ex.ok:
            ctx.exercised("RZ-UTC-ACCEPT")
    if ctx.options.read_only:
        ctx.note("RZ-UTC-ACCEPT", "verified on GET meetings only: --read-only sends no POST or PUT")
        return
    start = scratch.at(ctx, "seconds") + timedelta(seconds=30)
    post, _ = scratch.create_tracked(ctx, "dates with seconds", start, start + timedelta(minutes=20, seconds=15))
    if post.status == 400:
        ctx.fail("RZ-UTC-ACCEPT", f"RZ-UTC-ACCEPT expects a POST with startDateUTC {fmt(start)} to be accepted; the server answered {post.describe()}", post)
    elif post.ok:
        ctx.exercised("RZ-UTC-ACCEPT")
