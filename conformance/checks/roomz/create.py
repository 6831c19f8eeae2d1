"""Creating meetings (RZ-CREATE*). All writes go through the scratch stretch."""
from __future__ import annotations

from datetime import timedelta

from conformance.checks import tolerant
from conformance.checks.dates import fmt, malformed_dates
from conformance.checks.model import Blocked, Recorder, check
from conformance.checks.roomz import api, forms
from conformance.checks.roomz.discovery import RoomzDiscovery, blocker
from conformance.checks.roomz.persist import differences
from conformance.checks.roomz.scratch import Scratch, far_start, subject_for

CREATED = (200, 201)
CONTRACT_POST = "200 or 201 for a POST of {subject, organizerId, startDateUTC, endDateUTC} into a free slot"


@check("RZ-CREATE")
def create_in_free_slot(d: RoomzDiscovery, rec: Recorder) -> None:
    s = d.scratch
    att = s.attempt_a
    ex = att.first
    if ex.status in CREATED:
        rec.passed()
    elif att.accepted is None and (ex.status == 404 and d.organizer_is_invented()
                                   or d.organizer_refused_as_unknown(ex)):
        s.own(att)   # raises Blocked (pass --organizer-id), or the slip of an --organizer-id the server does not know
    elif ex.status is not None:
        rec.fail(CONTRACT_POST, f"the server answered {ex.describe()}", ex)
    if att.accepted is not None and att.accepted is not ex:
        rec.note("a POST with every Meeting field was accepted instead, so the other write requirements were judged "
                 "with such POSTs")


@check("RZ-CREATE-PERSIST")
def created_meeting_is_listed(d: RoomzDiscovery, rec: Recorder) -> None:
    s = d.scratch
    att = s.attempt_a
    if att.accepted is None:
        s.own(att)   # raises Blocked, naming RZ-CREATE
    accepted = att.accepted
    assert accepted is not None
    listing = att.listing
    if listing is not None and listing.status != 200:
        raise Blocked(f"the created meeting could not be looked up ({listing.describe()})",
                      by=blocker(listing, "RZ-MEETINGS"))
    what = f"the meeting created by POST ({att.start:%Y-%m-%dT%H:%M:%SZ}..{att.end:%Y-%m-%dT%H:%M:%SZ})"
    if att.meeting is None:
        rec.fail(f"{what} to be listed by GET meetings", "it is not", listing, setup=[accepted], kind="not-listed")
        return
    problems = differences(att.meeting, att.start, att.end, {"organizerId": att.sent["organizerId"],
                                                           "subject": att.sent["subject"], "isCancelled": False})
    if problems:
        rec.fail(f"{what} to be listed as it was sent", "it has " + "; ".join(problems), listing, setup=[accepted],
                 kind="listed-otherwise")
    else:
        rec.passed()


@check("RZ-CREATE-CONFLICT")
def overlapping_create_is_refused(d: RoomzDiscovery, rec: Recorder) -> None:
    s = d.scratch
    a, a_start, a_end = s.a_now()
    room = d.target_room
    minute = timedelta(minutes=1)
    length = a_end - a_start
    step = max(minute, timedelta(minutes=int(length.total_seconds() // 360)))   # whole minutes: ordinary dates
    mid = a_start + timedelta(minutes=int(length.total_seconds() // 120))
    probes = [
        ("overlapping its end", mid, a_end + timedelta(minutes=30)),
        ("strictly inside it", a_start + step, a_end - step),
        ("covering it", a_start - timedelta(minutes=30), a_end + timedelta(minutes=30)),
        ("overlapping its last minute", a_end - minute, a_end + 29 * minute),
        ("overlapping its first minute", a_start - 29 * minute, a_start + minute),
    ]
    who = f"meeting {tolerant.meeting_id(a)!r} ({fmt(a_start)}..{fmt(a_end)})"
    for label, start, end in probes:
        start, end = start.replace(microsecond=0), end.replace(microsecond=0)
        ex, created = s.create(f"overlap {label}", start, end)
        if ex.status == 409:
            rec.passed()
        elif ex.status is not None:
            rec.fail(f"409 for a POST ({fmt(start)}..{fmt(end)}) {label}: {who}",
                     f"the server answered {ex.describe()}", ex,
                     kind=f"accepted:{label}")
        if created is not None:
            s.evict(room, created)
        elif ex.status == 409:
            leftover, listing = d.find(room, start, end)
            if leftover is not None and tolerant.meeting_id(leftover) != tolerant.meeting_id(a):
                rec.fail("a refused POST to create nothing", f"the meeting {label} is listed", listing,
                         kind=f"created:{label}", setup=[ex])
                s.evict(room, leftover)
    for label, attempt in (("starts exactly when another ends", s.attempt_b),
                           ("ends exactly when another starts", s.attempt_c0)):
        post = attempt.first
        if attempt.accepted is not None:   # the exact success code is RZ-CREATE's business
            rec.passed()
        elif post.status is not None:
            rec.fail(f"a meeting that {label} to be accepted: it is no conflict",
                     f"the server answered {post.describe()}",
                     post, kind=f"adjacent:{label}")
    if s.attempt_c0.meeting is not None:
        s.evict(room, s.attempt_c0.meeting)   # A keeps one neighbour (B): later PUTs of A touch nothing else
    rec.note("a cancelled meeting that still blocks a booking is not tested: the suite cannot create a cancelled "
             "meeting without DELETE and must not write over a real one")


@check("RZ-CREATE-UNKNOWN-ROOM")
def create_in_unknown_room(d: RoomzDiscovery, rec: Recorder) -> None:
    room = d.unknown_id("room")
    try:
        s: Scratch | None = d.scratch
        start = d.scratch.at("unknown-room")
    except Blocked as blocked:   # no room to write beside: the unknown room needs none
        rec.note(f"probed at a date 400 days ahead; whether the meeting landed in another room was not "
                 f"checked: {blocked}")
        s, start = None, far_start()
    end = start + timedelta(hours=1)
    subject = subject_for(d.options.seed, "unknown room", d.run_token)
    organizer, invented = d.organizer, d.organizer_is_invented()   # never blocked: invented when nothing is listed
    body = s.body(subject, organizer, start, end) if s else api.contract_body(subject, organizer, start, end)
    ex = api.post_meeting(d.client, room, body)
    if ex.status == 404 and s is None and invented:
        rec.note(f"the POST to the unknown room {room!r} answered 404, which proves nothing: its organizer "
                 f"{organizer!r} is made up too (pass --organizer-id)")
    elif ex.status == 404:
        rec.passed()
    elif ex.status is not None:
        rec.fail(f"404 for a POST to the unknown room {room!r}", f"the server answered {ex.describe()}", ex,
                 kind=f"answered:{ex.status}")
    if s is not None:
        target = d.target_room
        landed, listing = d.find(target, start, end)
        if landed is not None:
            s.track(target, landed, start)
            rec.fail(f"the POST to room {room!r} to create nothing",
                     f"meeting {tolerant.meeting_id(landed)!r} appeared at its "
                     f"dates in room {target!r}", listing, setup=[ex], kind="landed-in-target")
    there = d.list_window(room, start - timedelta(hours=1), end + timedelta(hours=1))
    if there.meetings:
        rec.fail(f"the POST to room {room!r} to create nothing", f"GET meetings of that room now lists "
                 f"{len(there.meetings)} meeting(s)", there.exchange, setup=[ex], kind="room-created")
    after = api.get_rooms(d.client)
    if any(tolerant.text(tolerant.get(r, "roomId", "id")) == room for r in tolerant.items_of(after).items or []):
        rec.fail(f"the POST to room {room!r} to create nothing", f"room {room!r} is now listed by GET /rooms", after,
                 setup=[ex], kind="listed")


@check("RZ-CREATE-UNKNOWN-ORGANIZER")
def create_with_unknown_organizer(d: RoomzDiscovery, rec: Recorder) -> None:
    s = d.scratch
    start = s.at("unknown-organizer")
    end = start + timedelta(hours=1)
    who = d.unknown_id("organizer")
    ex, created = s.create("unknown organizer", start, end, organizer=who)
    refused_anyway = s.refused_like_every_post(ex)
    if refused_anyway is not None:
        raise refused_anyway
    if ex.status == 404:
        landed, listing = d.find(d.target_room, start, end)
        if landed is not None:
            s.track(d.target_room, landed, start)
            rec.fail(f"404 for organizerId {who!r}, which no system knows, and no meeting created",
                     f"the server answered 404, yet meeting {tolerant.meeting_id(landed)!r} is listed at its dates",
                     listing, setup=[ex], kind="404-but-booked")
            s.evict(d.target_room, landed)
        else:
            rec.passed()
    elif ex.status is not None:
        rec.fail(f"404 for organizerId {who!r}, which no system knows", f"the server answered {ex.describe()} "
                 "(acceptable only for systems that book every display meeting under one account)", ex,
                 kind=f"answered:{ex.status}")


@check("RZ-CREATE-INVALID")
def invalid_create_is_refused(d: RoomzDiscovery, rec: Recorder) -> None:
    s = d.scratch
    start = s.at("invalid")
    end = start + timedelta(hours=1)
    good = s.body(s.subject("invalid"), d.organizer, start, end)
    cases = {
        "a startDateUTC that is not a date": {**good, "startDateUTC": "not-a-date"},
        "an endDateUTC with month 13": {**good, "endDateUTC": f"{end.year}-13-01T00:00:00Z"},
        "no endDateUTC": {k: v for k, v in good.items() if k != "endDateUTC"},
        "no startDateUTC": {k: v for k, v in good.items() if k != "startDateUTC"},
        "an endDateUTC before its startDateUTC": {**good, "endDateUTC": fmt(start - timedelta(minutes=30))},
    }
    room = d.target_room
    sent = []
    undecided: Blocked | None = None
    for label, payload in cases.items():
        ex = api.post_meeting(d.client, room, payload)
        sent.append(ex)
        if ex.status is None:
            continue
        if 400 <= ex.status < 500:
            undecided = s.refused_like_every_post(ex)
            if undecided is None:   # refused as a valid POST is refused: it says nothing of the invalid field
                rec.passed()
        else:
            rec.fail(f"a POST with {label} to be refused with a 4xx (400)", f"the server answered {ex.describe()}", ex,
                     kind=f"accepted:{label}")
    listing = d.list_window(room, start - timedelta(hours=2), end + timedelta(hours=1))
    for m in listing.meetings:
        ours = m.get("subject") == good["subject"] or (
            tolerant.start_of(m) == start and tolerant.text(tolerant.get(m, "organizerId")) == good["organizerId"])
        if ours:
            s.track(room, m, tolerant.start_of(m) or start)
            rec.fail("invalid POSTs to create nothing", f"meeting {tolerant.meeting_id(m)!r} "
                     f"({m.get('startDateUTC')}..{m.get('endDateUTC')}) is listed", listing.exchange, setup=sent,
                     kind="created")
    _malformed_dates(d, s, rec)
    written = forms.wrong_forms(d)   # wrong types, nulls, other ISO forms: accepted or refused, then read back
    for note in written.notes:
        rec.note(note)
    if written.unfound:
        rec.note(f"{len(written.unfound)} accepted wrong-form POST(s) could not be found to release them: "
                 + "; ".join(written.unfound[:5]))
    if undecided is not None:
        raise undecided


def _malformed_dates(d: RoomzDiscovery, s: Scratch, rec: Recorder) -> None:
    """The ruling's malformed dates (what a lenient parser reads) as endDateUTC after a valid
    start, last in the stretch: read leniently, each makes a real booking after its start, which
    conflicts with nothing of the suite's. Each accepted one is found and moved aside at once, so
    the next is judged on a free room; one listing at the end finds any created despite a 4xx."""
    room = d.target_room
    start = s.at("dates")
    subjects: dict[str, str] = {}
    sent = []
    for label, bad in malformed_dates(start, later=True).items():
        subject = s.subject(f"malformed endDateUTC: {label}")
        subjects[subject] = label
        body = {**s.body(subject, d.organizer, start, start + timedelta(minutes=30)), "endDateUTC": bad}
        ex = api.post_meeting(d.client, room, body)
        sent.append(ex)
        if ex.status is None:
            continue
        if 400 <= ex.status < 500:
            if s.refused_like_every_post(ex) is None:   # refused as a valid POST is refused: it says nothing
                rec.passed()
            continue
        rec.fail(f"a POST with endDateUTC {bad!r} ({label}: no date, however a lenient parser reads it) to be "
                 "refused with a 4xx (400)", f"the server answered {ex.describe()}", ex, kind=f"accepted:{label}")
        if ex.ok:   # found by its subject (its end is wherever the server read it) and moved aside
            there = d.list_window(room, start - timedelta(minutes=1), start + timedelta(minutes=30))
            for landed in [m for m in there.meetings if m.get("subject") == subject]:
                s.track(room, landed, start)
                s.evict(room, landed)
    listing = d.list_window(room, start - timedelta(minutes=30), start + timedelta(hours=1))
    for m in listing.meetings:
        what = subjects.get(str(m.get("subject")))
        if what is not None:
            s.track(room, m, tolerant.start_of(m) or start)
            rec.fail("invalid POSTs to create nothing", f"meeting {tolerant.meeting_id(m)!r} "
                     f"({m.get('startDateUTC')}..{m.get('endDateUTC')}), sent with a malformed endDateUTC "
                     f"({what}), is listed", listing.exchange, setup=sent, kind=f"created:{what}")
            s.evict(room, m)
