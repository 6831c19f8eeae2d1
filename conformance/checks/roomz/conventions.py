"""Conventions (RZ-JSON, RZ-UTC, RZ-UTC-ACCEPT, RZ-NULL, RZ-5XX, RZ-STATUS-LISTED, RZ-HTTPS).

Apart from RZ-HTTPS and RZ-UTC-ACCEPT these are observers: they judge every response the run
receives, whichever check caused the request.
"""
from __future__ import annotations

from datetime import timedelta

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
MEETING_OPERATIONS = ("listMeetings", "createMeeting", "updateMeeting")


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
        if key in DATE_FIELDS or (isinstance(value, str) and looks_like_datetime(value)):
            if not isinstance(value, str):
                continue  # a missing or mistyped field is RZ-MEETINGS' business, a null RZ-NULL's
            if parse_utc(value) is None:
                ctx.fail("RZ-UTC", f"RZ-UTC expects YYYY-MM-DDThh:mm:ssZ and a real UTC instant; {pointer} is {value[:60]!r}: {why_not_utc(value)}", ex,
                         signature=f"{ex.operation}:{key}:{why_not_utc(value)}")
            else:
                ctx.exercised("RZ-UTC")


@observer("RZ-NULL")
def no_null(ctx: Context, ex: Exchange) -> None:
    if ex.status is None or not ex.body:
        return
    data = ex.json_or_none()
    if data is None:
        return
    may_null_image = ex.ok and ex.operation in MEETING_OPERATIONS
    for pointer, key, value in walk(data):
        if value is None and not (may_null_image and key == "imageUrl" and pointer.count("/") <= 2):
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
    frm, to = (now - timedelta(hours=2)).replace(second=17), (now + timedelta(hours=2)).replace(second=43)
    ex = api.get_meetings(ctx, room, fmt(frm), fmt(to))
    if ex.status == 400:
        ctx.fail("RZ-UTC-ACCEPT", f"RZ-UTC-ACCEPT expects from={fmt(frm)} and to={fmt(to)} to be accepted; the server answered {ex.describe()}", ex)
    elif ex.ok:
        ctx.exercised("RZ-UTC-ACCEPT")
    if ctx.options.read_only:
        ctx.note("RZ-UTC-ACCEPT", "verified on GET meetings only: --read-only sends no POST or PUT")
        return
    start = scratch.slot(ctx) + timedelta(hours=5, seconds=30)
    post, _ = scratch.create_tracked(ctx, "dates with seconds", start, start + timedelta(minutes=20, seconds=15))
    if post.status == 400:
        ctx.fail("RZ-UTC-ACCEPT", f"RZ-UTC-ACCEPT expects a POST with startDateUTC {fmt(start)} to be accepted; the server answered {post.describe()}", post)
    elif post.ok:
        ctx.exercised("RZ-UTC-ACCEPT")
