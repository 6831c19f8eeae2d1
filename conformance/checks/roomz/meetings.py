"""Listing meetings (RZ-MEETINGS*, RZ-IMAGE). Shape, uniqueness, order and the window's
"every listed meeting overlaps" half are judged on every listing of the run, read tolerantly
(a wrapped listing is still judged for each of them); the scripted checks add what a single
answer cannot show: the in-progress meeting, the adjacent ones, bad dates and unknown rooms.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from conformance.checks import tolerant
from conformance.checks.dates import fmt, malformed_dates, now_utc, parse_utc
from conformance.checks.model import Blocked, Recorder, check, observer, value_free
from conformance.checks.roomz import api, forms
from conformance.checks.roomz.discovery import WIDE_DAYS, RoomzDiscovery, blocker
from conformance.checks.shared import duplicates, listed
from conformance.client import Exchange
from conformance.profiles import setting
from conformance.spec import shape_problems

# the catalog's three, and each other field out of range: a date that rolls over is not a date
BAD_DATES = ["yesterday", "2024-13-01T00:00:00Z", "", "2024-05-32T00:00:00Z", "2024-05-01T25:00:00Z",
             "2024-05-01T10:60:00Z"]
MAX_WINDOW_SUBJECTS = 3
FAR_PAST = (datetime(2001, 1, 1, tzinfo=UTC), datetime(2001, 1, 2, tzinfo=UTC))


def _listing(ex: Exchange) -> list[dict[str, object]] | None:
    if ex.operation != "listMeetings":
        return None
    return tolerant.meetings_in(ex)


@check("RZ-MEETINGS")
def list_known_room(d: RoomzDiscovery, rec: Recorder) -> None:
    wide = d.wide
    if wide.exchange.status != 200:
        rec.fail(f"200 for GET meetings of the known room {d.target_room!r}", f"it answered {wide.exchange.describe()}",
                 wide.exchange, kind=f"status:{wide.exchange.status}")
    _other_rooms(d, rec)
    _own_meeting_not_in_other_room(d, rec)
    forms.wrong_forms(d)   # what the wrong-form writes stored, read back: the observer judges each field's type


def _other_rooms(d: RoomzDiscovery, rec: Recorder) -> None:
    """Every listed room's meetings, not only the target's (up to the profile's bound): each
    answer is judged by every observer (fields, dates, nulls, order), and room ids with spaces or
    non-ASCII letters exercise the path's encoding."""
    others = [r for r in d.known_rooms() if r != d.target_room]
    bound = int(setting(d.options.profile, "rooms")) - 1
    if len(others) > bound:
        full = int(setting("full", "rooms"))
        more = f" (--profile full reads up to {full})" if bound + 1 < full else ""
        rec.note(f"the meetings of {bound + 1} of the {len(others) + 1} listed rooms were read{more}")
    now = now_utc()
    for room in others[:bound]:
        listing = d.list_window(room, now - timedelta(days=WIDE_DAYS), now + timedelta(days=WIDE_DAYS))
        ex = listing.exchange
        if ex.status is not None and ex.status != 200:
            rec.fail(f"200 for GET meetings of the known room {room!r}", f"it answered {ex.describe()}", ex,
                     kind=f"status:{ex.status}")


def _own_meeting_not_in_other_room(d: RoomzDiscovery, rec: Recorder) -> None:
    """A room's listing holds that room's meetings: the suite's own meeting must not show up in
    another room's listing of the same window."""
    others = [r for r in d.known_rooms() if r != d.target_room]
    if not others or d.options.read_only:
        return
    try:
        own, start, end = d.scratch.a_now()
    except Blocked as blocked:
        rec.note(f"room isolation was not probed: {blocked}")
        return
    listing = d.list_window(others[0], start - timedelta(hours=1), end + timedelta(hours=1))
    if any(tolerant.meeting_id(m) == tolerant.meeting_id(own) for m in listing.meetings):
        rec.fail(
            "a room's listing to hold that room's meetings only",
            f"meeting {tolerant.meeting_id(own)!r}, booked in room {d.target_room!r}, is listed for room {others[0]!r}",
            listing.exchange,
            kind="other-room",
        )
    else:
        rec.passed()


@observer("RZ-MEETINGS", unseen="no meeting was listed in any window the run asked for, so the Meeting fields could "
                                "not be checked")
def meetings_shape(rec: Recorder, ex: Exchange) -> None:
    if ex.operation != "listMeetings" or ex.status != 200 or ex.error:
        return
    found = listed(rec, ex, "meetings")
    if found is None or found.items is None:
        return
    for i, meeting in enumerate(rec.judged(found.items, "meetings")):
        if _leftover(rec, meeting):
            continue
        problems = [p for p in shape_problems("meeting.json", meeting) if p[0] == "shape"]
        by, setup = forms.stored_by(ex, meeting) if problems else ("", [])
        for _, pointer, message in problems:
            rec.fail("every Meeting field with its type", f"meeting {i}{pointer}: {message}{by}", ex,
                     kind=f"meeting{pointer.split('/')[1] if pointer.count('/') else pointer}:{value_free(message)}",
                     setup=setup)
        if not problems:
            rec.passed()


@observer("RZ-MEETINGS-UNIQUE", unseen="no listing held any meeting, so uniqueness could not be judged",
          needs=("RZ-MEETINGS",))
def meetings_unique(rec: Recorder, ex: Exchange) -> None:
    data = _listing(ex)
    if not data:
        return
    judged = rec.judged(data, "meetings")
    ids = [{"meetingId": tolerant.meeting_id(m)} for m in judged]
    for key, first, again in duplicates(ids, "meetingId"):
        by, setup = forms.stored_by(ex, judged[again])
        rec.fail("unique meetingId values in one answer", f"{key!r} is listed at positions {first} and {again}{by}",
                 ex, kind="dup", setup=setup)   # the id is not the identity: it changes with every run
    rec.passed()


@check("RZ-MEETINGS-UNIQUE")
def unique_after_wrong_forms(d: RoomzDiscovery, rec: Recorder) -> None:
    """The run's ordinary reads, and the wrong-form writes read back: a meetingId the client
    sends twice must not give two meetings one id (the observer above judges the listings)."""
    d.ordinary_reads()
    forms.wrong_forms(d)


@observer("RZ-MEETINGS-ORDER", unseen="no listing held a meeting with readable startDateUTC and endDateUTC",
          needs=("RZ-MEETINGS",))
def meetings_order(rec: Recorder, ex: Exchange) -> None:
    for i, m in enumerate(rec.judged(_listing(ex) or [], "meetings")):
        dates = tolerant.contract_dates(m)   # dates under other names prove nothing about these
        if dates is None or _leftover(rec, m):
            continue
        if dates[0] > dates[1]:
            rec.fail("startDateUTC <= endDateUTC", f"meeting {tolerant.meeting_id(m)!r} at position {i} starts "
                     f"{m.get('startDateUTC')} and ends {m.get('endDateUTC')}", ex,
                     kind="order")
        else:
            rec.passed()


def _leftover(rec: Recorder, m: dict[str, object]) -> bool:
    """A meeting an earlier run of the suite left is not the server's own data: not judged, said."""
    left = rec.foreign(m)
    if left:
        rec.note(f"not judged as the server's own data: {left}")
    return left is not None


def _window(ex: Exchange) -> tuple[datetime | None, datetime | None]:
    query = parse_qs(urlsplit(ex.url).query, keep_blank_values=True)
    frm, to = query.get("from", [None])[0], query.get("to", [None])[0]
    return parse_utc(frm), parse_utc(to)


def overlaps(m: dict[str, object], frm: datetime, to: datetime) -> bool | None:
    dates = tolerant.contract_dates(m)   # under other names they prove nothing (None: not judged)
    if dates is None or dates[1] < dates[0]:
        return None  # unreadable or reversed: RZ-UTC's or RZ-MEETINGS-ORDER's business
    start, end = dates
    if start == end:  # zero-length meetings are not specified: accept one anywhere in [from, to]
        return frm <= start <= to
    return start < to and end > frm


@observer("RZ-MEETINGS-WINDOW")
def listed_meetings_overlap(rec: Recorder, ex: Exchange) -> None:
    data = _listing(ex)
    if not data:
        return
    frm, to = _window(ex)
    if frm is None or to is None or frm > to:
        return
    for m in rec.judged(data, "meetings"):
        if overlaps(m, frm, to) is False:
            left = rec.foreign(m)
            rec.fail(
                f"only meetings overlapping [{fmt(frm)}, {fmt(to)}) to be listed",
                f"meeting {tolerant.meeting_id(m)!r} ({m.get('startDateUTC')}..{m.get('endDateUTC')}) is outside it"
                + (f" ({left}; the window is the server's all the same)" if left else ""),
                ex,
                kind="outside",
            )


def _window_subjects(d: RoomzDiscovery) -> tuple[list[dict[str, object]], Blocked | None]:
    """Meetings to probe the window with: the suite's own (as listed now) and listed ones with a
    duration; and, when there are none, what kept the suite's own from being there."""
    candidates: list[dict[str, object]] = []
    missing: Blocked | None = None
    if not d.options.read_only:
        try:
            candidates.append(d.scratch.a_now()[0])
        except Blocked as blocked:
            missing = blocked
    try:
        candidates += d.wide.meetings
    except Blocked as blocked:
        missing = missing or blocked
    out, seen = [], set()
    renamed = next((how for m in candidates if (how := tolerant.renamed_dates(m))), None)
    if renamed and not any(tolerant.contract_dates(m) for m in candidates):
        return [], Blocked(f"no listed meeting carries startDateUTC and endDateUTC (they carry their dates under "
                           f"{renamed}), so the window boundaries could not be probed", by="RZ-MEETINGS")
    for m in candidates:
        dates = tolerant.contract_dates(m)
        mid = tolerant.meeting_id(m)
        if dates is None or dates[1] - dates[0] < timedelta(minutes=2) or mid is None or mid in seen:
            continue
        seen.add(mid)
        out.append(m)
    return out[:MAX_WINDOW_SUBJECTS], missing


@check("RZ-MEETINGS-WINDOW")
def window_boundaries(d: RoomzDiscovery, rec: Recorder) -> None:
    room = d.target_room
    subjects, missing = _window_subjects(d)
    _far_window(d, rec, room, judged=bool(subjects))
    if not subjects and missing is not None and missing.by == "RZ-MEETINGS" and not missing.hint:
        raise missing   # listed, but not under the contract's names
    if not subjects:   # the far window alone proves little: one listing of nothing passes it
        raise Blocked("no meeting with a duration was listed (and none could be created), so the window boundaries "
                      f"could not be probed{f' ({missing.reason})' if missing else ''}",
                      by=missing.by if missing else None, hint=missing.hint if missing else None)
    for m in subjects:
        dates = tolerant.contract_dates(m)
        assert dates is not None   # _window_subjects keeps meetings with both dates only
        start, end = dates
        mid = (start + (end - start) / 2).replace(microsecond=0)
        mid = mid if mid > start else start + timedelta(seconds=1)
        quarter = int(max((end - start) / 4, timedelta(seconds=1)).total_seconds())
        probes = [
            ("in progress at `from`", mid, end + timedelta(hours=1), True),
            ("starting exactly at `from`", start, end + timedelta(hours=1), True),
            ("running across the whole window", start + timedelta(seconds=quarter),
             end - timedelta(seconds=quarter), True),
            ("ending exactly at `from` (adjacent)", end, end + timedelta(hours=1), False),
            ("starting exactly at `to` (adjacent)", start - timedelta(hours=1), start, False),
            ("entirely before the window", end + timedelta(hours=1), end + timedelta(hours=2), False),
        ]
        who = f"meeting {tolerant.meeting_id(m)!r} ({m.get('startDateUTC')}..{m.get('endDateUTC')}), "
        for label, frm, to, expected in probes:
            listing = d.list_window(room, frm, to)
            if listing.exchange.status != 200 or tolerant.items_of(listing.exchange).items is None:
                rec.fail(f"a listing of [{fmt(frm)}, {fmt(to)})", listing.exchange.describe(), listing.exchange,
                         kind=f"no-listing:{blocker(listing.exchange, '')}")
                continue
            present = any(tolerant.meeting_id(x) == tolerant.meeting_id(m) for x in listing.meetings)
            if present == expected:
                rec.passed()
            elif expected:
                rec.fail(f"{who}{label}, to be listed for [{fmt(frm)}, {fmt(to)})", "it is not", listing.exchange,
                         kind=f"missing:{label}")
            else:
                rec.fail(f"{who}{label}, not to be listed for [{fmt(frm)}, {fmt(to)})", "it is", listing.exchange,
                         kind=f"extra:{label}")


def _far_window(d: RoomzDiscovery, rec: Recorder, room: str, *, judged: bool) -> None:
    """A window a quarter of a century ago lists nothing the suite knows of today: a listing
    that ignores from/to shows here at once (a root cause, named at the top of the report).
    Listing nothing there counts as a pass only when meetings of today exist (``judged``)."""
    listing = d.list_window(room, *FAR_PAST)
    if listing.exchange.status != 200:
        return
    outside = [m for m in listing.meetings if overlaps(m, *FAR_PAST) is False]
    if outside:
        starts = [tolerant.start_of(m) for m in outside]
        years = sorted({str(start.year) for start in starts if start})
        rec.fail(f"a window in {FAR_PAST[0].year} to list only meetings of that window",
                 f"it listed {len(outside)} meeting(s) of {', '.join(years[:3]) or 'other times'}: the listing appears "
                 "to ignore from and to", listing.exchange, kind="window-ignored")
    elif judged and all(overlaps(m, *FAR_PAST) is not None for m in listing.meetings):
        rec.passed()


@check("RZ-MEETINGS-BADDATE")
def bad_dates_answer_400(d: RoomzDiscovery, rec: Recorder) -> None:
    room, known = d.probe_room()
    now = now_utc()
    good_from, good_to = fmt(now - timedelta(hours=1)), fmt(now + timedelta(hours=1))
    judged = False
    for bad in BAD_DATES:
        for which, frm, to in (("from", bad, good_to), ("to", good_from, bad)):
            ex = api.get_meetings(d.client, room, frm, to)
            judged |= judge_bad_date(rec, ex, f"{which}={bad!r}", known, kind=f"{which}:{bad}")
    # what a lenient parser reads (the ruling's list), spelled so that its reading makes a real
    # window with the other side: refused only by a server that parses the contract's form
    for which in ("from", "to"):
        for label, bad in malformed_dates(now, later=which == "to").items():
            frm, to = (bad, good_to) if which == "from" else (good_from, bad)
            ex = api.get_meetings(d.client, room, frm, to)
            judged |= judge_bad_date(rec, ex, f"{which}={bad!r} ({label})", known, kind=f"{which}:{label}")
    if not judged and not known:
        d.target_room   # raises the Blocked that kept the suite from knowing a room


def judge_bad_date(rec: Recorder, ex: Exchange, what: str, known_room: bool, *, kind: str) -> bool:
    """Judge one answer to a malformed date; False when it proves nothing (no answer, or a 404
    from a made-up room)."""
    if ex.status is None:
        return False
    if ex.status == 404 and not known_room:
        rec.note(f"{what} was probed on a made-up room and answered 404, which proves nothing about the dates")
        return False
    if ex.status == 400:
        rec.passed()
    else:
        rec.fail(f"400 for {what}, which is no date (neither the contract's form nor another ISO 8601 form with Z "
                 "or an offset)",
                 f"the server answered {ex.describe()}", ex, kind=kind)
    return True


@check("RZ-MEETINGS-UNKNOWN-ROOM")
def unknown_room_is_404(d: RoomzDiscovery, rec: Recorder) -> None:
    now = now_utc()
    room = d.unknown_id("room")
    ex = api.get_meetings(d.client, room, now - timedelta(days=1), now + timedelta(days=1))
    if ex.status == 404:
        rec.passed()
    elif ex.status is not None:
        rec.fail(f"404 for the unknown room {room!r}", f"the server answered {ex.describe()}", ex,
                 kind=f"unknown-room:{ex.status}")


@observer("RZ-IMAGE", unseen="no meeting listed in the run carried an imageUrl string", needs=("RZ-MEETINGS",))
def image_is_https(rec: Recorder, ex: Exchange) -> None:
    if ex.operation not in ("listMeetings", "createMeeting", "updateMeeting") or not ex.ok:
        return
    data = ex.json_or_none()
    items = tolerant.the_array(data)[0] if ex.operation == "listMeetings" else [data]
    for m in items or []:
        if not isinstance(m, dict) or not isinstance(m.get("imageUrl"), str):
            continue
        url = m["imageUrl"]
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.netloc:
            rec.passed()
        else:
            rec.fail("imageUrl to be an absolute https:// URL", f"meeting {tolerant.meeting_id(m)!r} has {url[:200]!r}",
                     ex, kind="image")
