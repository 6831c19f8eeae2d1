"""The two import calls (RM-EMPTY, RM-CUSTOMER, RM-IMPORT-V1, RM-IMPORT-V2, RM-IMPORT-V2-CUSTOM,
RM-IMPORT-PARTIAL).

All of them write, so --read-only skips them (the engine does, from the catalog's ``writes``).
Every booking is fictional (see ``api``); the result lines are judged against the bookings
sent: one line per booking, in order, ``[SUCCESS][Booking ID: <id>] …`` for a saved one.
"""
from __future__ import annotations

from typing import Any

from conformance.checks.base import Context, Skip, check
from conformance.checks.roomonitor import api
from conformance.client import Exchange

UNVERIFIABLE = "whether anything was saved cannot be observed through the contract (it has no booking listing)"


def _unanswered(ctx: Context, rid: str, what: str, ex: Exchange) -> bool:
    """A transport error or a 5xx (RM-5XX's finding) leaves ``rid`` unverified by this request."""
    if ex.status is None or ex.status >= 500:
        ctx.note(rid, f"{what} was not verified: {ex.describe()}")
        return True
    return False


def _lines_or_fail(ctx: Context, rid: str, what: str, ex: Exchange, count: int) -> list | None:
    """The result lines when the answer is 200 with a JSON array of ``count`` strings; else a finding."""
    if _unanswered(ctx, rid, what, ex):
        return None
    lines = api.result_lines(ex)
    if lines is None:
        ctx.fail(rid, f"{rid} expects {what} to answer 200 with a JSON array of strings, one per booking; the server answered "
                 f"{api.body_kind(ex)}", ex, signature=f"{what}:not-array:{ex.status}")
        return None
    if not all(isinstance(line, str) for line in lines):
        ctx.fail(rid, f"{rid} expects {what} to answer a JSON array of strings; it holds {api.short([l for l in lines if not isinstance(l, str)][:2])}",
                 ex, signature=f"{what}:not-strings")
        return None
    if len(lines) != count:
        ctx.fail(rid, f"{rid} expects one result line per booking ({count}) for {what}; the server answered {len(lines)}: {api.short(lines, 300)}",
                 ex, signature=f"{what}:count")
        return None
    return lines


def _judge_success(ctx: Context, rid: str, what: str, ex: Exchange, line: str, bid: str, position: int) -> None:
    got = api.success_id(line)
    if got == bid:
        ctx.exercised(rid)
    elif got is None:
        ctx.fail(rid, f"{rid} expects line {position + 1} of {what} to read [SUCCESS][Booking ID: {bid}] …, for a valid booking; "
                 f"the server answered {line[:200]!r}", ex, signature=f"{what}:not-success")
    else:
        ctx.fail(rid, f"{rid} expects line {position + 1} of {what} to name booking {bid} ([SUCCESS][Booking ID: {bid}] …, in the order "
                 f"sent); the server answered {line[:200]!r}", ex, signature=f"{what}:wrong-id")


# -- empty and refused imports ---------------------------------------------------------------------
@check("RM-EMPTY")
def empty_import_is_refused(ctx: Context) -> None:
    for version in ("v1", "v2"):
        for label, kw in (("[]", {"body": []}), ("an empty body", {"body": None, "raw": b""})):
            ex = api.post_import(ctx, version, **kw)
            what = f"a {version} import with {label}"
            if _unanswered(ctx, "RM-EMPTY", what, ex):
                continue
            message = api.message_of(ex)
            if ex.status == 400 and message == api.EMPTY_MESSAGE:
                ctx.exercised("RM-EMPTY")
            else:
                ctx.fail("RM-EMPTY", f"RM-EMPTY expects {what} to answer 400 {{\"message\": \"{api.EMPTY_MESSAGE}\"}}; the server answered "
                         f"{api.body_kind(ex)}", ex, signature=f"{version}:{label}:{ex.status}:{message == api.EMPTY_MESSAGE}")


@check("RM-CUSTOMER")
def unknown_customer_is_refused(ctx: Context) -> None:
    """An unknown user id in the path and in X-User-Id, with the valid token. The bookings name
    the account's room (a fictional one when none is listed: the customer is refused first)."""
    room = api.room_or_placeholder(ctx)
    unknown = api.unknown_id(ctx, "user")
    headers = api.headers_for(unknown, api.token(ctx))
    sent = []
    for version in ("v1", "v2"):
        booking = api.v1_booking(ctx, room) if version == "v1" else api.v2_booking(ctx, room)
        ex = api.post_import(ctx, version, [booking], unknown, auth=headers, auth_label="unknown user")
        what = f"a {version} import for the unknown user id {unknown}"
        if _unanswered(ctx, "RM-CUSTOMER", what, ex):
            continue
        message = api.message_of(ex)
        if ex.status == 400 and message == api.NO_CUSTOMER:
            ctx.exercised("RM-CUSTOMER")
            sent.append(booking.get("customerReference") or booking.get("id"))
        elif 400 <= ex.status < 500:
            ctx.fail("RM-CUSTOMER", f"RM-CUSTOMER expects {what} to answer 400 {{\"message\": \"{api.NO_CUSTOMER}\"}}; the server refused it, "
                     f"but with {api.body_kind(ex)}", ex, severity="SHOULD", signature=f"other-refusal:{ex.status}:{message}")
            sent.append(booking.get("customerReference") or booking.get("id"))
        else:
            ctx.fail("RM-CUSTOMER", f"RM-CUSTOMER expects {what} to be refused (400 {api.NO_CUSTOMER!r}); the server answered "
                     f"{api.body_kind(ex)}", ex, signature=f"accepted:{version}:{ex.status}")
    if sent:
        ctx.note("RM-CUSTOMER", f"{UNVERIFIABLE}; 'saves nothing' rests on the refusal (bookings {', '.join(sent)})")


def _name_the_bookings(ctx: Context, rid: str) -> None:
    ctx.note(rid, f"this run's bookings carry ids {api.run_prefix(ctx)}<n> and the guest {api.GUEST_NAME!r}, so they can be found and "
             "removed on the server")


# -- successful imports --------------------------------------------------------------------------
@check("RM-IMPORT-V1")
def v1_import(ctx: Context) -> None:
    room = api.target_room(ctx)
    bookings = [api.v1_booking(ctx, room), api.v1_booking(ctx, room, offset_days=5)]
    ex = api.post_import(ctx, "v1", bookings)
    _name_the_bookings(ctx, "RM-IMPORT-V1")
    what = f"a v1 import of {len(bookings)} valid bookings"
    lines = _lines_or_fail(ctx, "RM-IMPORT-V1", what, ex, len(bookings))
    if lines is None:
        return
    ctx.exercised("RM-IMPORT-V1")
    for position, (line, booking) in enumerate(zip(lines, bookings)):
        if not api.is_success(line):
            ctx.fail("RM-IMPORT-V1", f"RM-IMPORT-V1 expects a valid v1 booking to be reported as [SUCCESS] (the documented line); line "
                     f"{position + 1} reads {line[:200]!r}", ex, severity="SHOULD", signature="v1:not-success")
        elif booking["customerReference"] not in line:
            ctx.note("RM-IMPORT-V1", "a v1 [SUCCESS] line does not name the booking's customerReference (v1 bookings carry no id; "
                     "naming it is optional)")


@check("RM-IMPORT-V2")
def v2_import(ctx: Context) -> None:
    room = api.target_room(ctx)
    bookings = [api.v2_booking(ctx, room, offset_days=10 + 3 * i) for i in range(3)]
    ex = api.post_import(ctx, "v2", bookings)
    _name_the_bookings(ctx, "RM-IMPORT-V2")
    what = f"a v2 import of {len(bookings)} valid bookings"
    lines = _lines_or_fail(ctx, "RM-IMPORT-V2", what, ex, len(bookings))
    if lines is None:
        return
    for position, (line, booking) in enumerate(zip(lines, bookings)):
        _judge_success(ctx, "RM-IMPORT-V2", what, ex, line, booking["id"], position)


@check("RM-IMPORT-V2-CUSTOM")
def v2_custom_insert_and_update(ctx: Context) -> None:
    """Insert a customRoomId booking, then cancel it (updatedBooking true, bookingType Cancel).

    The suite cannot know the client room ids an account has configured, so it names its own
    (``conformance-room-<seed>``) unless ``--custom-room-id`` names one. A server may accept only
    configured ids, so without ``--custom-room-id`` a refused insert (a line that does not start
    with [SUCCESS]) leaves the requirement skipped, not failed: nothing could exercise it. With
    ``--custom-room-id`` a refused insert fails, and so does a failed update after a saved insert.
    """
    api.target_room(ctx)  # an account without rooms cannot take bookings at all
    id_booking = api.next_id(ctx)
    given = bool(ctx.options.custom_room_id)
    custom_room = str(ctx.options.custom_room_id) if given else f"conformance-room-{ctx.options.seed}"
    steps: list[tuple[str, dict[str, Any]]] = [
        ("a v2 customRoomId insert", api.v2_custom_insert(ctx, custom_room, id_booking)),
        ("a v2 customRoomId update (updatedBooking true, bookingType Cancel)", api.v2_custom_cancel(custom_room, id_booking)),
    ]
    for step, (what, booking) in enumerate(steps):
        ex = api.post_import(ctx, "v2", [booking])
        lines = _lines_or_fail(ctx, "RM-IMPORT-V2-CUSTOM", what, ex, 1)
        if lines is None:
            return
        line = lines[0]
        if api.is_success(line) and id_booking in line:
            ctx.exercised("RM-IMPORT-V2-CUSTOM")
            continue
        if step == 0 and not given and not api.is_success(line):
            raise Skip(f"the server refused the suite's own customRoomId {custom_room!r} (it answered {line[:200]!r}); an account "
                       "may accept only the client room ids it is configured with, so the customRoomId variant could not be "
                       "verified; pass --custom-room-id with a customRoomId your account is configured with")
        ctx.fail("RM-IMPORT-V2-CUSTOM", f"RM-IMPORT-V2-CUSTOM expects {what} to be reported as [SUCCESS] naming idBooking {id_booking}; the "
                 f"server answered {line[:200]!r}", ex, signature=f"custom:{what[:30]}:{api.is_success(line)}")
        if not api.is_success(line):
            return  # an update of a booking that was not saved says nothing more


@check("RM-IMPORT-PARTIAL")
def partial_import(ctx: Context) -> None:
    """[valid, invalid, valid, invalid, valid], each invalid booking invalid for exactly one
    reason: one names a room the account does not own (its dates are fine), the other names the
    account's room and checks out before it checks in. A server that checks only one of the two
    things saves the other invalid booking and fails."""
    room = api.target_room(ctx)
    bookings = [
        api.v2_booking(ctx, room, offset_days=20),
        api.v2_booking(ctx, api.foreign_room(ctx), offset_days=23),
        api.v2_booking(ctx, room, offset_days=26),
        api.v2_booking(ctx, room, offset_days=29, reversed_dates=True),
        api.v2_booking(ctx, room, offset_days=32),
    ]
    invalid = {1: "a room the account does not own", 3: "checkout before checkin"}
    what = "a v2 import of [valid, invalid (a room the account does not own), valid, invalid (checkout before checkin), valid] bookings"
    ex = api.post_import(ctx, "v2", bookings)
    lines = _lines_or_fail(ctx, "RM-IMPORT-PARTIAL", what, ex, len(bookings))
    if lines is None:
        return
    for position, (line, booking) in enumerate(zip(lines, bookings)):
        if position not in invalid:
            _judge_success(ctx, "RM-IMPORT-PARTIAL", what, ex, line, booking["id"], position)
            continue
        why, bad_id = invalid[position], booking["id"]
        if api.is_success(line):
            ctx.fail("RM-IMPORT-PARTIAL", f"RM-IMPORT-PARTIAL expects the invalid booking {bad_id} ({why}; otherwise valid) to get a "
                     f"line that does not start with [SUCCESS]; line {position + 1} reads {line[:200]!r}", ex,
                     signature=f"invalid-success:{why}")
            continue
        ctx.exercised("RM-IMPORT-PARTIAL")
        if bad_id not in line:
            ctx.fail("RM-IMPORT-PARTIAL", f"RM-IMPORT-PARTIAL expects the line of a failed booking to name its id {bad_id} (the suite's "
                     f"reading: one line per booking, each naming its id); line {position + 1} reads {line[:200]!r}", ex,
                     severity="SHOULD", signature="invalid-unnamed")
