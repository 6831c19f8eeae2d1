"""Property-based checks: schemathesis-generated requests for all four calls, and hypothesis
properties over dates (valid windows are accepted, malformed dates are refused).

Generated writes never touch real rooms or meetings: POSTs and PUTs go to an unknown room (PUTs
to an unknown meeting of it), so a correct server answers 404 and the generator exercises the
server's parsing, not its calendar. With --read-only no POST or PUT is generated at all.
"""
from __future__ import annotations

import string
import zlib
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st
from schemathesis import GenerationMode

from conformance.checks import schemathesis_bridge as bridge
from conformance.checks.base import Context, Skip, check
from conformance.checks.dates import fmt
from conformance.checks.roomz import api, scratch
from conformance.client import Exchange
from conformance.profiles import setting


def examples(ctx: Context, kind: str) -> int:
    return int(setting(ctx.options.profile, kind))


def roomz_failure(ex: Exchange, failure: Any) -> tuple[str, str] | None:
    """Map a schemathesis failure to the requirement it refutes.

    5xx, undeclared status codes, content types and unparsable JSON are judged by the observers
    (RZ-5XX, RZ-STATUS-LISTED, RZ-JSON) on every exchange, generated or not, so they are not
    reported twice here. Schema failures are sorted: a null is RZ-NULL's, a date pattern
    RZ-UTC's, the rest belongs to the listing's own requirement. POST and PUT bodies may be
    empty or a Meeting, so only their nulls and dates count.
    """
    name = type(failure).__name__
    if name != "JsonSchemaError" or not ex.body:
        return None
    kind = bridge.schema_failure_kind(failure)
    message = bridge.failure_message(failure)
    if kind == "null":
        return None if ex.operation in ("listMeetings", "createMeeting", "updateMeeting") and str(getattr(failure, "instance_path", [""])[-1:]) == "['imageUrl']" else ("RZ-NULL", message)
    if kind == "date":
        return "RZ-UTC", message
    return {"listRooms": ("RZ-ROOMS", message), "listMeetings": ("RZ-MEETINGS", message)}.get(ex.operation or "")


def fuzz_operation(ctx: Context, operation_id: str, path_parameters: dict[str, str], mode: GenerationMode) -> None:
    op = bridge.operations(ctx, "roomz")[operation_id]
    strategy = op.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    def one(case: Any) -> None:
        if ctx.out_of_time():
            return
        ex = bridge.send_case(ctx, case, operation_id)
        bridge.validate(ctx, case, ex, roomz_failure)

    seed = (ctx.options.seed or 0) + zlib.crc32(f"{operation_id}:{mode.value}".encode()) % 10_000
    bridge.drive(strategy, examples(ctx, "generated"), seed, one)


@check("RZ-5XX")
def generated_requests(ctx: Context) -> None:
    """Valid and invalid generated requests on every call; observers judge each answer."""
    room = api.target_room(ctx)
    plan = [("listRooms", {}), ("listMeetings", {"roomId": room})]
    if not ctx.options.read_only:
        # an unknown room for both: even a server that wrongly upserts on PUT cannot put a
        # generated meeting, at a generated date, into a real room
        plan += [("createMeeting", {"roomId": api.unknown_id(ctx, "room")}),
                 ("updateMeeting", {"roomId": api.unknown_id(ctx, "room"), "meetingId": api.unknown_id(ctx, "meeting")})]
    for operation_id, params in plan:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz_operation(ctx, operation_id, params, mode)
    if not ctx.options.read_only:
        junk_bodies(ctx, room)
        unusual_subjects(ctx, room)


JUNK = [b"", b"null", b"[]", b"\"text\"", b"42", b"{", b"{\"subject\": ", b"\xff\xfe\x00", b"[{}]"]


def junk_bodies(ctx: Context, room: str) -> None:
    """Bodies that are not a meeting at all: the server must refuse them, not crash."""
    unknown_meeting = api.unknown_id(ctx, "meeting")
    for body in JUNK:
        ctx.client.request("POST", api.room_path(room), data=body, content_type="application/json", operation="createMeeting")
        ctx.client.request("PUT", api.meeting_path(room, unknown_meeting), data=body, content_type="application/json", operation="updateMeeting")


UNUSUAL_SUBJECTS = {
    "a 2000-character subject": "conformance " + "x" * 1988,
    "a subject in several scripts and emoji": "conformance Réunion 会议 встреча 🗓️ \u200b'\"<>&",
    "an empty subject": "",
}


def unusual_subjects(ctx: Context, room: str) -> None:
    """Valid bookings with unusual subjects, in the scratch stretch: any answer but a 5xx will
    do (a system may refuse them); what is created is released."""
    try:
        start = scratch.at(ctx, "long-subject")
    except Skip:
        return
    step = timedelta(minutes=5)
    for i, text in enumerate(UNUSUAL_SUBJECTS.values()):
        scratch.create_tracked(ctx, "", start + i * step, start + (i + 1) * step, subject_text=text)


# -- dates ---------------------------------------------------------------------------------------
EPOCH_MIN = datetime(1971, 1, 1, tzinfo=timezone.utc)
SPAN_S = int((datetime(2099, 12, 31, tzinfo=timezone.utc) - EPOCH_MIN).total_seconds())


@st.composite
def windows(draw: Any) -> tuple[str, str]:
    """Two real instants in the exact format, ``from`` < ``to``, seconds anywhere in 0..59.
    (An empty window, ``from`` equal to ``to``, is left out: the contract does not say it.)"""
    a = draw(st.integers(0, SPAN_S))
    length = draw(st.one_of(st.integers(1, 3600), st.integers(86400, 86400 * 60)))
    start = EPOCH_MIN + timedelta(seconds=a)
    return fmt(start), fmt(start + timedelta(seconds=length))


def _two(lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.integers(lo, hi).map(lambda n: f"{n:02d}")


@st.composite
def malformed_dates(draw: Any) -> str:
    """Strings that are no date at all: a field out of range, or text without digits.

    Hour 24 and Feb 30 are left out on purpose: ISO 8601 allows 24:00:00 and some platforms
    roll Feb 30 over, so a server accepting them is not clearly wrong about "not a date".
    """
    year = draw(st.integers(2000, 2099))
    ok = {"M": _two(1, 12), "D": _two(1, 28), "h": _two(0, 23), "m": _two(0, 59), "s": _two(0, 59)}
    bad_field = draw(st.sampled_from(["M", "D", "h", "m", "text"]))
    if bad_field == "text":
        return draw(st.text(alphabet=string.ascii_letters + " -:_/.", min_size=1, max_size=16).filter(lambda s: s.strip() != ""))
    bad = {"M": _two(13, 99), "D": _two(32, 99), "h": _two(25, 99), "m": _two(60, 99)}[bad_field]
    parts = {k: draw(bad if k == bad_field else v) for k, v in ok.items()}
    return f"{year}-{parts['M']}-{parts['D']}T{parts['h']}:{parts['m']}:{parts['s']}Z"


@check("RZ-UTC-ACCEPT")
def generated_windows_are_accepted(ctx: Context) -> None:
    room = api.target_room(ctx)

    def one(window: tuple[str, str]) -> None:
        if ctx.out_of_time():
            return
        ex = api.get_meetings(ctx, room, *window)
        if ex.status == 400:
            ctx.fail("RZ-UTC-ACCEPT", f"RZ-UTC-ACCEPT expects from={window[0]} to={window[1]} (exact format, from <= to) to be accepted; "
                     f"the server answered {ex.describe()}", ex, signature="window-refused")
        elif ex.ok:
            ctx.exercised("RZ-UTC-ACCEPT")

    bridge.drive(windows(), examples(ctx, "dates"), (ctx.options.seed or 0) + 1, one)


@check("RZ-MEETINGS-BADDATE")
def generated_bad_dates_are_refused(ctx: Context) -> None:
    room = api.target_room(ctx)
    now = api.now_utc()
    good_from, good_to = fmt(now - timedelta(hours=1)), fmt(now + timedelta(hours=1))

    def one(args: tuple[str, bool]) -> None:
        bad, in_from = args
        if ctx.out_of_time():
            return
        frm, to = (bad, good_to) if in_from else (good_from, bad)
        ex = api.get_meetings(ctx, room, frm, to)
        if ex.status == 400:
            ctx.exercised("RZ-MEETINGS-BADDATE")
        else:
            which = "from" if in_from else "to"
            ctx.fail("RZ-MEETINGS-BADDATE", f"RZ-MEETINGS-BADDATE expects 400 for {which}={bad!r}, which is not a date; the server answered {ex.describe()}",
                     ex, signature=f"generated:{which}:{ex.status}")

    bridge.drive(st.tuples(malformed_dates(), st.booleans()), examples(ctx, "dates"), (ctx.options.seed or 0) + 2, one)
