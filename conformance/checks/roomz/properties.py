"""Property-based checks: schemathesis-generated requests for all four calls, and hypothesis
properties over dates (valid windows are accepted, malformed dates are refused).

Generated writes reach the server's real logic: POSTs and PUTs are rebased onto the target room
and the suite's own places and meetings (``generated.py``), tracked and released; only when no
room or place is available do they go to an unknown room whose id starts with
``conformance-unknown-`` (the rest generated), where a correct server answers 404. Every answer
is judged by the observers (RZ-5XX, RZ-JSON, RZ-NULL, RZ-UTC, RZ-STATUS-LISTED, the listings'
shapes against the spec's schemas), as any other. GET meetings is generated twice: for the target
room (the query is what varies) and for generated room ids. With --read-only no POST or PUT is
generated at all.
"""
from __future__ import annotations

import string
import zlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from conformance.checks import dates
from conformance.checks.dates import fmt, now_utc
from conformance.checks.model import Blocked, Recorder, check
from conformance.checks.roomz import api
from conformance.checks.roomz.discovery import RoomzDiscovery
from conformance.checks.roomz.meetings import judge_bad_date
from conformance.profiles import setting

if TYPE_CHECKING:   # hypothesis, schemathesis and the bridge are imported by the checks that generate
    from hypothesis import strategies as st
    from schemathesis import Case, GenerationMode

WRITES = ("createMeeting", "updateMeeting")


def examples(d: RoomzDiscovery, kind: str) -> int:
    return int(setting(d.options.profile, kind))


def fuzz(d: RoomzDiscovery, operation_id: str, path_parameters: dict[str, str] | None, mode: GenerationMode, *,
         prefix_ids: bool = False) -> None:
    from schemathesis import GenerationMode

    from conformance.checks import schemathesis_bridge as bridge
    from conformance.checks.roomz import generated

    op = bridge.operations(d, "roomz")[operation_id]
    strategy = op.as_strategy(generation_mode=mode, path_parameters=path_parameters) if path_parameters \
        else op.as_strategy(generation_mode=mode)
    valid = mode == GenerationMode.POSITIVE
    count = examples(d, "generated" if valid else "invalid")
    if not bridge.has_inputs(op, path_parameters):   # nothing to vary (GET /rooms): one request says it all
        count = 1 if valid else 0

    def one(case: Case) -> None:
        if operation_id in WRITES and generated.send(d, operation_id, case) is not None:
            return   # rebased onto the target room and the suite's own places (checks/roomz/generated.py)
        if prefix_ids:   # a generated id, made one no real system has
            case.path_parameters = {k: f"conformance-unknown-{v}" for k, v in (case.path_parameters or {}).items()}
        bridge.send_case(d.client, case, operation_id)   # the observers judge the answer

    seed = d.options.seed + zlib.crc32(f"{operation_id}:{mode.value}:{bool(path_parameters)}".encode()) % 10_000
    bridge.drive(strategy, count, seed, one, chunk=bridge.CHUNK if valid else bridge.NEGATIVE_CHUNK,
                 budget=bridge.pace(d))


@check("RZ-5XX", generated=True)
def generated_requests(d: RoomzDiscovery, rec: Recorder) -> None:
    """Valid and invalid generated requests on every call; observers judge each answer (and record
    what each covered: a call's answers, the bodies the server read)."""
    from schemathesis import GenerationMode

    from conformance.checks.roomz import generated

    writes = () if d.options.read_only else ("POST createMeeting: bodies the server read",
                                             "PUT updateMeeting: bodies the server read")
    rec.plan("GET listRooms: answers", "GET listMeetings: answers", *writes)

    plan: list[tuple[str, dict[str, str] | None, bool]] = [("listRooms", {}, False), ("listMeetings", None, True)]
    try:
        plan.insert(1, ("listMeetings", {"roomId": d.target_room}, False))
    except Blocked as blocked:
        rec.note(f"GET meetings of a known room was not generated: {blocked}")
    if not d.options.read_only:   # first: the writes reach the real logic, the budget is best spent there
        plan[:0] = [("createMeeting", None, True), ("updateMeeting", None, True)]
    for operation_id, params, prefix in plan:
        before = d.client.count
        if operation_id in WRITES:   # schemathesis' coverage phase first: each field in each wrong type, each missing
            generated.coverage(d, operation_id, examples(d, "invalid"))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(d, operation_id, params, mode, prefix_ids=prefix)
        ids = " (generated ids)" if operation_id == "listMeetings" and params is None else ""
        sent = d.client.count - before
        d.progress(f"generated: {operation_id}{ids}, {sent} request{'s' * (sent != 1)}")
    if writes:
        try:
            why = f"every POST and PUT was answered 401, 403 or 404 before its body was read (room {d.target_room})"
        except Blocked as blocked:   # no room to write into: the bodies went to a made-up room
            why = f"every POST and PUT went to a made-up room and was refused before its body was read: {blocked}"
        for item in writes:   # kept only if no answer reaches the item (by the end of the run)
            rec.unreached(item, why)
    if not d.options.read_only:
        before = d.client.count
        generated.stateful(d, examples(d, "invalid"))   # chains through the links of openapi.yaml
        sent = d.client.count - before
        d.progress(f"generated: stateful chains, {sent} request{'s' * (sent != 1)}")
        generated.finish(d)
        junk_bodies(d)
        unusual_subjects(d)


JUNK = [b"", b"null", b"[]", b"\"text\"", b"42", b"{", b"{\"subject\": ", b"\xff\xfe\x00", b"[{}]"]


def junk_bodies(d: RoomzDiscovery) -> None:
    """Bodies that are not a meeting at all: refused, never a crash. To the target room when one
    is known (nothing in them can be booked), so a server that looks the room up first still has
    to parse them."""
    room, meeting = d.probe_room()[0], d.unknown_id("meeting")
    for body in JUNK:
        d.client.request("POST", api.room_path(room), data=body, content_type="application/json",
                         operation="createMeeting")
        d.client.request("PUT", api.meeting_path(room, meeting), data=body, content_type="application/json",
                         operation="updateMeeting")


UNUSUAL_SUBJECTS = {
    "a 2000-character subject": "conformance " + "x" * 1988,
    "a subject in several scripts and emoji": "conformance Réunion 会议 встреча 🗓️ \u200b'\"<>&",
    "an empty subject": "",
}


def unusual_subjects(d: RoomzDiscovery) -> None:
    """Valid bookings with unusual subjects, in the scratch stretch: any answer but a 5xx will
    do (a system may refuse them); what is created is released."""
    try:
        s = d.scratch
        start = s.at("long-subject")
    except Blocked:
        return
    step = timedelta(minutes=5)
    for i, text in enumerate(UNUSUAL_SUBJECTS.values()):
        s.create("", start + i * step, start + (i + 1) * step, subject=text, find=False)


# -- dates ---------------------------------------------------------------------------------------
EPOCH_MIN = datetime(1971, 1, 1, tzinfo=UTC)
SPAN_S = int((datetime(2099, 12, 31, tzinfo=UTC) - EPOCH_MIN).total_seconds())


def windows() -> st.SearchStrategy[tuple[str, str]]:
    """Two real instants in the exact format, ``from`` < ``to``, seconds anywhere in 0..59.
    (An empty window, ``from`` equal to ``to``, is left out: the contract does not say it.)"""
    from hypothesis import strategies as st

    @st.composite
    def draw_window(draw: st.DrawFn) -> tuple[str, str]:
        a = draw(st.integers(0, SPAN_S))
        length = draw(st.one_of(st.integers(1, 3600), st.integers(86400, 86400 * 60)))
        start = EPOCH_MIN + timedelta(seconds=a)
        return fmt(start), fmt(start + timedelta(seconds=length))

    return draw_window()


def _two(lo: int, hi: int) -> st.SearchStrategy[str]:
    from hypothesis import strategies as st

    return st.integers(lo, hi).map(lambda n: f"{n:02d}")


_DAYS_IN = {2: 28, 4: 30, 6: 30, 9: 30, 11: 30}


def malformed_dates() -> st.SearchStrategy[str]:
    """Strings that are no date (CONTRACT.md, the rulings after the second round): a field out of
    range, a day the month does not have (Feb 30: rolling it over is a failure), hour 24, text
    without digits, or a form a lenient parser reads (``1``, ``Dec 7 2026``, a local time, ...)."""
    from hypothesis import strategies as st

    @st.composite
    def draw_date(draw: st.DrawFn) -> str:
        year = draw(st.integers(2000, 2099))
        ok = {"M": _two(1, 12), "D": _two(1, 28), "h": _two(0, 23), "m": _two(0, 59), "s": _two(0, 59)}
        bad_field = draw(st.sampled_from(["M", "D", "h", "m", "text", "day", "lenient"]))
        if bad_field == "text":
            return draw(st.text(alphabet=string.ascii_letters + " -:_/.", min_size=1,
                                max_size=16).filter(lambda s: s.strip() != ""))
        if bad_field == "lenient":
            near = datetime(year, draw(st.integers(1, 12)), draw(st.integers(1, 28)), tzinfo=UTC)
            return draw(st.sampled_from(sorted(dates.malformed_dates(near, later=draw(st.booleans())).values())))
        parts = {k: draw(v) for k, v in ok.items()}
        if bad_field == "day":   # a day the month lacks (Feb 29 only in a common year), or hour 24
            month = draw(st.sampled_from(sorted(_DAYS_IN)))
            first_missing = _DAYS_IN[month] + 1 + (month == 2 and year % 4 == 0)
            parts.update(M=f"{month:02d}", D=draw(_two(first_missing, 31)))
            if draw(st.booleans()):
                parts.update(D=draw(_two(1, 28)), h="24")
        else:
            bad = {"M": _two(13, 99), "D": _two(32, 99), "h": _two(25, 99), "m": _two(60, 99)}[bad_field]
            parts[bad_field] = draw(bad)
        return f"{year}-{parts['M']}-{parts['D']}T{parts['h']}:{parts['m']}:{parts['s']}Z"

    return draw_date()


@check("RZ-UTC-ACCEPT", generated=True)
def generated_windows_are_accepted(d: RoomzDiscovery, rec: Recorder) -> None:
    from conformance.checks import schemathesis_bridge as bridge

    room, known = d.probe_room()

    def one(window: tuple[str, str]) -> None:
        ex = api.get_meetings(d.client, room, *window)
        if ex.status == 400:
            rec.fail(f"from={window[0]} to={window[1]} (exact format, from < to) to be accepted",
                     f"the server answered {ex.describe()}", ex, kind="window-refused")
        elif ex.ok:
            rec.passed()

    bridge.drive(windows(), examples(d, "dates"), d.options.seed + 1, one, budget=bridge.pace(d))


@check("RZ-MEETINGS-BADDATE", generated=True)
def generated_bad_dates_are_refused(d: RoomzDiscovery, rec: Recorder) -> None:
    from hypothesis import strategies as st

    from conformance.checks import schemathesis_bridge as bridge

    room, known = d.probe_room()
    now = now_utc()
    good_from, good_to = fmt(now - timedelta(hours=1)), fmt(now + timedelta(hours=1))

    def one(args: tuple[str, bool]) -> None:
        bad, in_from = args
        frm, to = (bad, good_to) if in_from else (good_from, bad)
        ex = api.get_meetings(d.client, room, frm, to)
        which = "from" if in_from else "to"
        judge_bad_date(rec, ex, f"{which}={bad!r}", known, kind=f"generated:{which}:{ex.status}")

    bridge.drive(st.tuples(malformed_dates(), st.booleans()), examples(d, "dates"), d.options.seed + 2, one,
                 budget=bridge.pace(d))
