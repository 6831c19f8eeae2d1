"""Updating meetings (RZ-UPDATE*): the early release a display sends, and its refusals."""
from __future__ import annotations

from datetime import datetime, timedelta

from conformance.checks import tolerant
from conformance.checks.dates import fmt, malformed_dates, now_utc
from conformance.checks.model import Blocked, Recorder, check
from conformance.checks.roomz import api, forms
from conformance.checks.roomz.discovery import RoomzDiscovery
from conformance.checks.roomz.persist import differences
from conformance.checks.roomz.scratch import Scratch, far_start, subject_for
from conformance.client import Exchange


@check("RZ-UPDATE")
def early_release_is_accepted(d: RoomzDiscovery, rec: Recorder) -> None:
    rel = d.scratch.release
    ex = rel.first
    if ex.ok:
        rec.passed()
    elif ex.status is not None:
        rec.fail("200 for a PUT of an existing meeting, its full field set as listed, with an earlier endDateUTC "
                 "(an early release)", f"the server answered {ex.describe()}", ex)
    if rel.accepted is not None and rel.accepted is not ex:
        rec.note("a PUT with the dates alone was accepted instead, so the other update requirements were judged with "
                 "such PUTs")


@check("RZ-UPDATE-PERSIST")
def early_release_is_listed(d: RoomzDiscovery, rec: Recorder) -> None:
    s = d.scratch
    rel = s.released()
    mid = tolerant.meeting_id(rel.before)
    listed, listing = d.find(d.target_room, rel.start, rel.start + timedelta(hours=2), meeting_id=mid)
    if listed is None:
        renamed = next((m for m in tolerant.meetings_in(listing) or []
                        if tolerant.start_of(m) == rel.start and m.get("subject") == rel.before.get("subject")), None)
        got = (f"it is listed under the new meetingId {tolerant.meeting_id(renamed)!r}" if renamed is not None
               else "it is not listed")
        rec.fail(f"meeting {mid!r} to be listed after its early release, with the same meetingId", got, listing,
                 setup=[rel.accepted] if rel.accepted else None, kind="not-listed")
        return
    problems = differences(listed, rel.start, rel.new_end, {"organizerId": tolerant.get(rel.before, "organizerId"),
                                                          "subject": rel.before.get("subject")})
    if problems:
        rec.fail("the released meeting to keep its data with the new end", "it has " + "; ".join(problems), listing,
                 setup=[rel.accepted] if rel.accepted else None)
    else:
        rec.passed()


def _unchanged(s: Scratch, rec: Recorder, before: dict[str, object], start: datetime, end: datetime, what: str,
               probe: Exchange) -> None:
    """After a refused PUT the meeting must be listed as before; put it back if it is not."""
    after, listing = s.current(before, start, end)
    if after is None or tolerant.dates_of(after) == (start, end):
        return
    rec.fail(f"a refused PUT ({what}) to leave the meeting unchanged",
             f"it is now listed {after.get('startDateUTC')}..{after.get('endDateUTC')} instead of "
             f"{fmt(start)}..{fmt(end)}",
             listing, setup=[probe], kind=f"changed:{what}")
    restore = s.put(after, start, end)
    if not restore.ok:
        rec.note(f"could not restore meeting {tolerant.meeting_id(before)} ({restore.describe()})")


@check("RZ-UPDATE-UNKNOWN")
def update_of_unknown_is_404(d: RoomzDiscovery, rec: Recorder) -> None:
    try:
        s = d.scratch
        room = d.target_room
        s.slot
    except Blocked as blocked:   # an unknown room needs no room of the server's
        rec.note(f"only the PUT to an unknown room was probed: {blocked}")
        _unknown_room_only(d, rec)
        return
    start = s.at("update-unknown")
    body = s.body(s.subject("unknown"), d.organizer, start, start + timedelta(minutes=30))
    probes: list[tuple[str, str, str, dict[str, object]]] = [
        ("an unknown meetingId", room, d.unknown_id("meeting"), body),
        ("an unknown roomId", d.unknown_id("room"), d.unknown_id("meeting"), body),
    ]
    others = [r for r in d.known_rooms() if r != room]
    a = None
    try:
        a, a_start, a_end = s.a_now()
    except Blocked as blocked:   # the probes through rooms need the suite's own meeting
        rec.note(f"a PUT through another known room was not probed: {blocked}")
    if a is not None:
        probes[1] = ("an unknown roomId", d.unknown_id("room"), tolerant.meeting_id(a) or "", body)
        if others and _id_free_in(d, others[0], tolerant.meeting_id(a) or ""):
            moved = s.update_body(a, start, start + timedelta(minutes=30))
            probes.append((f"meeting {tolerant.meeting_id(a)!r} of room {room!r} addressed through room {others[0]!r}",
                           others[0], tolerant.meeting_id(a) or "", moved))
        elif others:
            rec.note(f"a PUT through room {others[0]!r} was not probed: a meeting of that room carries the suite's "
                     "meetingId, and the suite never writes to a meeting of the vendor's")
    for label, r, m, payload in probes:
        ex = api.put_meeting(d.client, r, m, payload)
        if ex.ok and r == room:   # an upsert: release what it created
            landed, _ = d.find(room, start, start + timedelta(minutes=30))
            if landed is not None:
                s.track(room, landed, start)
                s.evict(room, landed)
        if ex.status == 404:
            rec.passed()
        elif ex.status is not None:
            rec.fail(f"404 for a PUT with {label}", f"the server answered {ex.describe()}", ex,
                     kind=label.split(" of ")[0])
        if a is not None and r not in (room,) and m == tolerant.meeting_id(a):
            _unchanged(s, rec, a, a_start, a_end, label, ex)


def _unknown_room_only(d: RoomzDiscovery, rec: Recorder) -> None:
    """A PUT of a valid meeting to an unknown room and meeting, 400 days ahead: 404 whatever else
    the server cannot do."""
    start = far_start()
    body = api.contract_body(subject_for(d.options.seed, "unknown", d.run_token),
                             str(d.options.organizer_id or "conformance"), start, start + timedelta(minutes=30))
    ex = api.put_meeting(d.client, d.unknown_id("room"), d.unknown_id("meeting"), body)
    if ex.status == 404:
        rec.passed()
    elif ex.status is not None:
        rec.fail("404 for a PUT with an unknown roomId", f"the server answered {ex.describe()}", ex,
                 kind="an unknown roomId")


def _id_free_in(d: RoomzDiscovery, room: str, meeting_id: str) -> bool:
    """No meeting of ``room`` within two years of now carries ``meeting_id``: a PUT through that
    room with the suite's own id cannot touch a meeting of the vendor's (a server whose ids are
    counters per room could have one)."""
    now = now_utc()
    listing = d.list_window(room, now - timedelta(days=730), now + timedelta(days=730))
    return listing.exchange.status == 200 and all(tolerant.meeting_id(m) != meeting_id for m in listing.meetings)


@check("RZ-UPDATE-INVALID")
def invalid_update_is_refused(d: RoomzDiscovery, rec: Recorder) -> None:
    s = d.scratch
    s.settle_put_style()
    before, start, end = s.a_now()
    cases: dict[str, str | datetime] = {
        "an endDateUTC with month 13": f"{end.year}-13-01T00:00:00Z",
        "an endDateUTC that is not a date": "not-a-date",
        "an endDateUTC before its startDateUTC": start - timedelta(minutes=30),
    }
    # the ruling's malformed dates, each read by a lenient parser as an instant after the end
    kinds = {label: label for label in cases}
    for what, bad in malformed_dates(end, later=True).items():
        label = f"an endDateUTC {bad!r} ({what}: no date, however a lenient parser reads it)"
        cases[label], kinds[label] = bad, f"malformed: {what}"   # the kind without the date: stable run to run
    for label, bad_end in cases.items():
        ex = s.put(before, start, bad_end)
        kind = kinds[label]
        if ex.status == 400:
            rec.passed()
        elif ex.status is not None:
            rec.fail(f"400 for a PUT with {label}", f"the server answered {ex.describe()}", ex, kind=kind)
        _unchanged(s, rec, before, start, end, kind, ex)
    forms.wrong_forms(d)   # every field of a PUT in every wrong form: accepted or refused, then read back


@check("RZ-UPDATE-CONFLICT")
def overlapping_update_is_refused(d: RoomzDiscovery, rec: Recorder) -> None:
    """Move A one minute into B, then over all of B: 409 and unchanged; then make A end exactly
    when B starts: adjacent, so accepted."""
    s = d.scratch
    s.settle_put_style()
    b = s.meeting_b
    b_dates = tolerant.dates_of(b)
    if b_dates is None:
        b_dates = (s.attempt_b.start, s.attempt_b.end)
    b_start, b_end = b_dates
    before, start, end = s.a_now()
    who = f"meeting {tolerant.meeting_id(b)!r}"
    probes = [
        (f"overlap {who} by one minute", start, b_start + timedelta(minutes=1)),
        (f"cover {who}", start, b_end + timedelta(minutes=30)),
    ]
    for label, new_start, new_end in probes:
        ex = s.put(before, new_start, new_end)
        if ex.status == 409:
            rec.passed()
        elif ex.status is not None:
            rec.fail(f"409 for a PUT that makes meeting {tolerant.meeting_id(before)!r} "
                     f"({fmt(new_start)}..{fmt(new_end)}) {label}", f"the server answered {ex.describe()}", ex,
                     kind=label.replace(who, "B"))
        _unchanged(s, rec, before, start, end, label.replace(who, "B"), ex)
    if s.release.accepted is None:   # valid PUTs are refused altogether: RZ-UPDATE's failure, not a conflict
        rec.note("the adjacent PUT was not judged: the server refuses valid PUTs (see RZ-UPDATE)")
        return
    ex = s.put(before, start, b_start)
    if ex.ok:
        rec.passed()
    elif ex.status is not None:
        rec.fail(f"a PUT that makes meeting {tolerant.meeting_id(before)!r} end exactly when {who} starts "
                 f"({fmt(b_start)}) to succeed: it is no conflict",
                 f"the server answered {ex.describe()}", ex, kind="adjacent")
