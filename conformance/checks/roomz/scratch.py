"""Where and how the suite writes on a real booking system, and the meetings it owns there.

Only into one room (the target room), only in a stretch of time far from now that it first
checks is free, and it releases afterwards everything it created by shortening it to
RELEASED_MINUTES, the same PUT a display sends (the contract has no DELETE). Each write scenario
owns a fixed place in that stretch (``HOURS``), so scenarios never collide, and a meeting the
server wrongly accepted is moved out of the way into the ``graveyard``.

The suite's meetings are typed values: ``meeting_a`` (created, listed, released, conflicted
with), ``meeting_b`` (starts when A ends) and ``meeting_c0`` (ends when A starts). Creating A
first tries the contract's four-field POST; when that is refused as invalid, once more with
every Meeting field, so the other write requirements can still be judged (RZ-CREATE fails all
the same, and the report says so). The early release likewise falls back from the full field set
to the dates alone.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from conformance.checks import tolerant
from conformance.checks.dates import fmt, now_utc
from conformance.checks.model import Blocked, memo
from conformance.checks.roomz import api
from conformance.checks.roomz.discovery import blocker
from conformance.checks.roomz.leftovers import subject_for
from conformance.client import Exchange
from conformance.errors import ConfigurationError

if TYPE_CHECKING:
    from conformance.checks.roomz.discovery import RoomzDiscovery

DAYS_AHEAD = 60             # far enough that no person books there by accident, and within the
SPREAD_DAYS = 30            # booking horizon of common systems (Exchange rooms default to 180 days)
SEARCH_DAYS = 14            # candidate days tried after the first
MARGIN = timedelta(minutes=30)
RELEASED_MINUTES = 15
REFUSED_AS_INVALID = (400, 415, 422)

# hours after the start of the scratch stretch
HOURS = {
    "before": 0.0,            # C0: ends exactly when A starts (adjacent, must succeed)
    "A": 1.0,                 # the suite's meeting: created, listed, released, conflicts
    "B": 2.0,                 # starts exactly when A ends (adjacent, must succeed)
    "unknown-room": 3.0,      # the POST to an unknown room must not land here
    "unknown-organizer": 4.0,
    "invalid": 5.0,
    "seconds": 6.0,           # dates with seconds (RZ-UTC-ACCEPT)
    "long-subject": 6.5,      # unusual subjects (RZ-5XX)
    "auth": 7.0,              # auth probes: POSTs at +0, the PUT probes' own meeting at +30 min
    "update-unknown": 8.0,    # dates of PUTs to unknown meetings (nothing should land)
    "graveyard": 8.5,         # wrongly accepted meetings are moved here, one minute each, two apart
    "forms": 10.0,            # wrong-form and generated writes (checks/roomz/forms.py): one minute each
    "dates": 12.0,            # malformed dates: last, so a lenient reading past it conflicts with nothing
}
SPAN = timedelta(hours=13)
# the graveyard, from 8.5 h to the wrong-form writes: one minute a meeting, two apart, so however
# many a server wrongly accepts, none is moved past the stretch onto a real booking
GRAVEYARD_STEP = timedelta(minutes=2)
GRAVEYARD_PLACES = int(timedelta(hours=HOURS["forms"] - HOURS["graveyard"]) / GRAVEYARD_STEP)


def far_start() -> datetime:
    """A whole hour 400 days ahead: where a probe with no room of its own to write beside goes
    (an unknown room), past any real booking horizon."""
    return now_utc().replace(minute=0, second=0, microsecond=0) + timedelta(days=400)


@dataclass
class Attempt:
    """A POST of one of the suite's meetings: the contract-body POST, and the fallback when used."""

    label: str
    start: datetime
    end: datetime
    first: Exchange                   # the contract's four-field POST
    accepted: Exchange | None         # the POST that created it (first, or the fallback)
    sent: dict[str, object]              # the body that was accepted (or the first one)
    meeting: dict[str, object] | None    # as listed after creation, tolerantly
    listing: Exchange | None          # the listing that looked for it


@dataclass
class Release:
    """The early release of meeting A (RZ-UPDATE): the full-body PUT, and the fallback."""

    first: Exchange
    accepted: Exchange | None
    start: datetime
    new_end: datetime
    before: dict[str, object]


class Scratch:
    def __init__(self, d: RoomzDiscovery) -> None:
        self.d = d
        self.client = d.client
        self.seed = d.options.seed
        self.full_post = False        # the contract's POST was refused; every Meeting field is sent
        self.dates_only_put = False   # the full-field PUT was refused; only the dates are sent
        self._evicted = 0
        self._memo_lock = d._memo_lock

    # -- the stretch ---------------------------------------------------------------------------
    @memo
    def slot(self) -> datetime:
        """The start of the free stretch: the first whole hour of a candidate day whose
        [start - MARGIN, start + SPAN + MARGIN) holds no meeting of the target room."""
        room = self.d.target_room
        rng = random.Random(self.seed)
        day = now_utc().replace(hour=0, minute=0) + timedelta(days=DAYS_AHEAD + rng.randrange(SPREAD_DAYS))
        for _ in range(SEARCH_DAYS):
            listing = self.d.list_window(room, day - MARGIN, day + timedelta(days=1) + SPAN + MARGIN)
            if listing.exchange.status != 200 or tolerant.items_of(listing.exchange).items is None:
                raise Blocked("the suite could not check that its scratch stretch is free "
                              f"({listing.exchange.describe()})",
                              by=blocker(listing.exchange, "RZ-MEETINGS"))
            busy = [d for d in (tolerant.dates_of(m) for m in listing.meetings) if d is not None]
            busy = [(min(a, b), max(a, b)) for a, b in busy]
            for hour in range(24):
                start = day + timedelta(hours=hour)
                lo, hi = start - MARGIN, start + SPAN + MARGIN
                if not any(b_start < hi and b_end > lo for b_start, b_end in busy):
                    return start
            day += timedelta(days=1)
        raise Blocked(f"room {room} has no free {SPAN + 2 * MARGIN} stretch on any of {SEARCH_DAYS} days "
                      f"{DAYS_AHEAD} days ahead", hint="pass another --room-id")

    def at(self, name: str) -> datetime:
        return self.slot + timedelta(hours=HOURS[name])

    def subject(self, label: str) -> str:
        return subject_for(self.seed, label, self.d.run_token)

    # -- creating ------------------------------------------------------------------------------
    def body(self, subject: str, organizer: str, start: datetime, end: datetime) -> dict[str, object]:
        """The POST body of a valid meeting, in the style the server takes: the first creation
        (meeting A) settles it, whichever check writes first."""
        try:
            self.attempt_a
        except Blocked:
            pass
        make = api.full_body if self.full_post else api.contract_body
        return make(subject, organizer, start, end)

    def track(self, room: str, meeting: dict[str, object] | None, start: datetime) -> None:
        """Remember a meeting the suite created so that ``release_all`` shortens it at the end."""
        mid = tolerant.meeting_id(meeting) if meeting else None
        if mid is not None:
            self.d.created[(room, mid)] = start

    def find_created(self, room: str, start: datetime, end: datetime, meeting_id: str | None = None,
                     subject: str | None = None) -> tuple[dict[str, object] | None, Exchange]:
        """Find a meeting the suite just created; a connector that syncs to its booking system may
        list it a moment later, so a miss is retried twice (about 1.5 s in all)."""
        for delay in (0.5, 1.0, None):
            listed, ex = self.d.find(room, start, end, meeting_id=meeting_id, subject=subject)
            if listed is not None or delay is None or ex.status != 200 or self.d.out_of_time():
                return listed, ex
            time.sleep(delay)
        return None, ex

    def create(self, label: str, start: datetime, end: datetime, *, room: str | None = None,
               organizer: str | None = None, subject: str | None = None, body: dict[str, object] | None = None,
               find: bool = True) -> tuple[Exchange, dict[str, object] | None]:
        """POST one meeting; when it is accepted, find it and track it for release."""
        room = room or self.d.target_room
        text = subject if subject is not None else self.subject(label)
        sent = body or self.body(text, organizer or self.d.organizer, start, end)
        ex = api.post_meeting(self.client, room, sent)
        meeting = None
        if ex.ok:
            answered = ex.json_or_none()
            known = tolerant.meeting_id(answered) if isinstance(answered, dict) else None
            if find:
                listed, _ = self.find_created(room, start, end, known, subject=text)
                meeting = listed
            if meeting is None and known is not None and isinstance(answered, dict):
                meeting = answered
            if meeting is not None:
                self.track(room, meeting, start)
        return ex, meeting

    def attempt(self, label: str, start: datetime, end: datetime) -> Attempt:
        """Create one of the suite's own meetings, falling back to every Meeting field when the
        contract's four-field POST is refused as invalid (said once, in the report)."""
        room = self.d.target_room
        organizer = self.d.organizer
        subject = self.subject(label)
        contract = api.contract_body(subject, organizer, start, end)
        first = api.post_meeting(self.client, room, contract) if not self.full_post else None
        accepted, sent = (first, contract) if first is not None and first.ok else (None, contract)
        if accepted is None and (first is None or first.status in REFUSED_AS_INVALID):
            full = api.full_body(subject, organizer, start, end)
            second = api.post_meeting(self.client, room, full)
            if second.ok:
                accepted, sent = second, full
                if not self.full_post:
                    self.full_post = True
                    self.d.say("POST with the contract's four fields was refused "
                               f"({first.describe() if first else ''}); one with every Meeting field was accepted, so "
                               "the suite's later POSTs carry every field (see RZ-CREATE)")
            first = first or second
        meeting = listing = None
        if accepted is not None:
            answered = accepted.json_or_none()
            known = tolerant.meeting_id(answered) if isinstance(answered, dict) else None
            meeting, listing = self.find_created(room, start, end, known, subject=subject)
            if meeting is None and known is not None:
                self.d.created[(room, known)] = start
            self.track(room, meeting, start)
        assert first is not None   # the contract POST, or the fallback when none was sent
        return Attempt(label, start, end, first, accepted, sent, meeting, listing)

    def own(self, attempt: Attempt, owner: str = "RZ-CREATE") -> dict[str, object]:
        """The meeting of an attempt, or Blocked naming why there is none (``owner``: the
        requirement a refused POST of it breaks)."""
        if attempt.accepted is None:
            ex = attempt.first
            if self.d.organizer_refused_as_unknown(ex):
                raise ConfigurationError(f"the server refused --organizer-id {self.d.organizer!r} as unknown (404 to "
                                         f"{ex.method} {ex.path}); pass an organizer your system knows")
            if ex.status == 404 and self.d.organizer_is_invented():
                raise Blocked(f"the server answered 404 to a POST whose organizerId {self.d.organizer!r} the suite had "
                              "to invent (no meeting listed an organizer)",
                              hint="pass --organizer-id with an organizer your "
                              "system knows")
            raise Blocked(f"the suite's meeting {attempt.label} could not be created ({ex.describe()})",
                          by=blocker(ex, owner))
        if attempt.meeting is None:
            listing = attempt.listing
            if listing is not None and listing.status != 200:
                raise Blocked(f"the suite's meeting {attempt.label} could not be looked up ({listing.describe()})",
                              by=blocker(listing, "RZ-MEETINGS"))
            raise Blocked(f"the suite's meeting {attempt.label}, created by POST, is not listed afterwards",
                          by="RZ-CREATE-PERSIST")
        return attempt.meeting

    def refused_like_every_post(self, ex: Exchange) -> Blocked | None:
        """Blocked (by RZ-CREATE) when ``ex`` is a POST refused just as the suite's plain, valid
        meeting A was: a refusal every POST gets (field names the server wants otherwise, say) is
        RZ-CREATE's failure, and says nothing about what ``ex`` probes."""
        if ex.ok or ex.status is None or ex.status == 404:
            return None
        try:
            att = self.attempt_a
        except Blocked:
            return None
        if att.accepted is not None or att.first.status != ex.status:
            return None
        return Blocked(f"every POST the suite sent was refused {ex.status}, a valid one too "
                       f"({att.first.describe()}), so this refusal proves nothing",
                       by=blocker(att.first, "RZ-CREATE"))

    @memo
    def attempt_a(self) -> Attempt:
        start = self.at("A")
        return self.attempt("A", start, start + timedelta(hours=1))

    @memo
    def meeting_a(self) -> dict[str, object]:
        """Meeting A at slot+1h..+2h, as listed when it was created."""
        return self.own(self.attempt_a)

    def a_now(self) -> tuple[dict[str, object], datetime, datetime]:
        """Meeting A as listed now, with its dates. The early release comes first, whichever check
        asks first, so every check sees A in the same shape and knows the PUT style."""
        a = self.meeting_a
        self.settle_put_style()
        listed, _ = self.current(a, self.attempt_a.start, self.attempt_a.end)
        now = listed or a
        dates = tolerant.dates_of(now)
        if dates is None or dates[1] <= dates[0]:
            raise Blocked("meeting A is listed without usable dates", by="RZ-MEETINGS")
        return now, dates[0], dates[1]

    @memo
    def attempt_b(self) -> Attempt:
        """Meeting B: starts exactly when A ends (as A is listed when B is made)."""
        _, _, end = self.a_now()
        return self.attempt("B", end, end + timedelta(hours=1))

    @memo
    def attempt_c0(self) -> Attempt:
        """Meeting C0: ends exactly when A starts."""
        _, start, _ = self.a_now()
        return self.attempt("C0", start - timedelta(hours=1), start)

    @memo
    def meeting_b(self) -> dict[str, object]:
        return self.own(self.attempt_b, "RZ-CREATE-CONFLICT")   # an adjacent POST must succeed

    def current(self, meeting: dict[str, object], start: datetime,
                end: datetime) -> tuple[dict[str, object] | None, Exchange]:
        """A meeting of the suite's as listed now, by its id (or its start and subject when a server
        gave it a new id: that is RZ-UPDATE-PERSIST's finding, not blamed again here)."""
        mid = tolerant.meeting_id(meeting)
        listed, ex = self.d.find(self.d.target_room, start - timedelta(hours=1), end
                                 + timedelta(hours=1), meeting_id=mid)
        if listed is None:
            for m in tolerant.meetings_in(ex) or []:
                if tolerant.start_of(m) == tolerant.start_of(meeting) and m.get("subject") == meeting.get("subject"):
                    return m, ex
        return listed, ex

    # -- updating ------------------------------------------------------------------------------
    def update_body(self, meeting: dict[str, object], start: datetime | str, end: datetime | str) -> dict[str, object]:
        """The meeting's full field set as listed, with the new dates (works for servers that
        replace and servers that patch); only the dates once a full-field PUT was refused."""
        dates: dict[str, object] = {"startDateUTC": start if isinstance(start, str) else fmt(start),
                 "endDateUTC": end if isinstance(end, str) else fmt(end)}
        return dates if self.dates_only_put else {**meeting, **dates}

    def put(self, meeting: dict[str, object], start: datetime | str, end: datetime | str, *,
            room: str | None = None) -> Exchange:
        self.settle_put_style()
        mid = tolerant.meeting_id(meeting) or ""
        return api.put_meeting(self.client, room or self.d.target_room, mid, self.update_body(meeting, start, end))

    @memo
    def release(self) -> Release:
        """PUT meeting A with an earlier end (once): the early release a display sends."""
        a = self.meeting_a
        start = self.attempt_a.start
        new_end = start + timedelta(minutes=20)
        full = {**a, "startDateUTC": fmt(start), "endDateUTC": fmt(new_end)}
        first = api.put_meeting(self.client, self.d.target_room, tolerant.meeting_id(a) or "", full)
        accepted = first if first.ok else None
        if accepted is None and first.status in REFUSED_AS_INVALID:
            dates = {"startDateUTC": fmt(start), "endDateUTC": fmt(new_end)}
            second = api.put_meeting(self.client, self.d.target_room, tolerant.meeting_id(a) or "", dates)
            if second.ok:
                accepted = second
                self.dates_only_put = True
                self.d.say(f"PUT with the meeting's full field set was refused ({first.describe()}); one with the "
                           "dates alone was accepted, so the suite's later PUTs carry only the dates (see RZ-UPDATE)")
        return Release(first, accepted, start, new_end, a)

    def settle_put_style(self) -> None:
        """The style of PUT the server takes is settled by the release: a check that judges PUTs
        asks for it first, whichever check runs first."""
        try:
            self.release
        except Blocked:
            pass

    def released(self) -> Release:
        """The release when it was accepted; Blocked otherwise."""
        rel = self.release
        if rel.accepted is None:
            raise Blocked(f"the early release of the suite's meeting was not accepted ({rel.first.describe()})",
                          by=blocker(rel.first, "RZ-UPDATE"))
        return rel

    # -- out of the way, and released at the end -------------------------------------------------
    def evict(self, room: str, meeting: dict[str, object] | None) -> None:
        """Move a meeting the server should have refused out of the scenarios' way (a PUT into the
        graveyard), so one fault does not cascade into the checks that follow."""
        if not meeting or tolerant.meeting_id(meeting) is None:
            return
        if self._evicted >= GRAVEYARD_PLACES:   # the graveyard is full: it stays where it was, in the stretch
            return
        self._evicted += 1
        start = self.at("graveyard") + GRAVEYARD_STEP * (self._evicted - 1)
        self.put(meeting, start, start + GRAVEYARD_STEP / 2, room=room)
        self.track(room, meeting, start)


@dataclass
class Target:
    """One thing the run may have left on the server: a meeting by id, or by the dates it was sent with."""

    room: str
    meeting_id: str | None
    start: datetime | None
    end: datetime | None
    subject: str | None
    how: str                      # the request that made it, for the outputs

    def matches(self, m: dict[str, object]) -> bool:
        mid = tolerant.meeting_id(m)
        if self.meeting_id is not None:
            return mid == self.meeting_id
        dates = tolerant.dates_of(m)
        return dates is not None and set(dates) == {self.start, self.end} and (
            self.subject is None or m.get("subject") in (self.subject, None))


def _targets(d: RoomzDiscovery) -> list[Target]:
    """Everything the run may have created: what its checks tracked, and every write the server
    accepted (scripted, generated, replayed), by id when the server gave one."""
    out: dict[tuple[str, str | None, datetime | None], Target] = {}
    for (room, mid), start in list(d.created.items()):
        out[(room, mid, None)] = Target(room, mid, start, None, None, "created by the run")
    for w in list(d.written):
        if w.method == "PUT" and (w.room, w.meeting_id, None) in out:
            continue
        key = (w.room, w.meeting_id, None) if w.meeting_id is not None else (w.room, None, w.start)
        if key in out:
            continue
        if w.meeting_id is None and (w.start is None or w.end is None):
            continue   # no id and no readable dates: nothing to look it up by (said below)
        out[key] = Target(w.room, w.meeting_id, w.start, w.end, w.subject, f"{w.method} #{w.exchange.index}")
    return list(out.values())


def _span(t: Target, default: datetime) -> tuple[datetime, datetime]:
    known = [x for x in (t.start, t.end) if x is not None] or [default]
    return min(known), max(known)


def _clusters(targets: list[Target], default: datetime) -> list[tuple[str, datetime, datetime, list[Target]]]:
    """Targets grouped into one listing window per room and nearby dates (a day apart at most), so
    a run that left hundreds of meetings in its stretch costs a few listings, not hundreds."""
    out: list[tuple[str, datetime, datetime, list[Target]]] = []
    for t in sorted(targets, key=lambda t: (t.room, _span(t, default)[0])):
        lo, hi = _span(t, default)
        if out and out[-1][0] == t.room and lo - out[-1][2] <= timedelta(days=1):
            room, a, b, group = out[-1]
            out[-1] = (room, a, max(b, hi), group + [t])
        else:
            out.append((t.room, lo, hi, [t]))
    return out


def release_all(d: RoomzDiscovery) -> list[str]:
    """Shorten every meeting the run left to RELEASED_MINUTES (a meeting with its end before its
    start is first moved to a valid, released form); one line per meeting it could not release,
    with the request that would."""
    problems: list[str] = []
    for room, lo, hi, group in _clusters(_targets(d), far_start()):
        listing = d.list_window(room, lo - timedelta(hours=2), hi + timedelta(hours=2))
        readable = listing.exchange.status == 200 and tolerant.items_of(listing.exchange).items is not None
        occupied = {i: _interval(m) for i, m in enumerate(listing.meetings)}
        for t in group:
            found = next((i for i, m in enumerate(listing.meetings) if t.matches(m)), None) if readable else None
            if found is None:
                if readable:
                    continue   # not listed at its dates: it occupies nothing a display sees
                line = _unfound(d, t, listing.exchange)
                if line:
                    problems.append(line)
                continue
            listed = listing.meetings[found]
            if _released(listed):
                continue
            put, moved = _release(d, room, listed, t, {i: v for i, v in occupied.items() if i != found})
            if put.ok:
                occupied[found] = moved
            else:
                problems.append(f"meeting {tolerant.meeting_id(listed)!r} in room {room!r} ({_dates(listed)}) could "
                                f"not be released ({put.describe()}); the request that would release it: "
                                f"{d.client.curl(put)}")
    return problems


def _dates(m: dict[str, object]) -> str:
    return f"{tolerant.get(m, 'startDateUTC', 'start')}..{tolerant.get(m, 'endDateUTC', 'end')}"


def _interval(m: dict[str, object]) -> tuple[datetime, datetime] | None:
    dates = tolerant.dates_of(m)
    return (min(dates), max(dates)) if dates is not None else None


def _released(m: dict[str, object]) -> bool:
    dates = tolerant.dates_of(m)
    return dates is not None and timedelta(0) < dates[1] - dates[0] <= timedelta(minutes=RELEASED_MINUTES)


def _free(begin: datetime, length: timedelta, others: dict[int, tuple[datetime, datetime] | None]) -> datetime:
    """The first start at or after ``begin`` where [start, start + length) overlaps no other listed
    meeting: two of the run's meetings a server wrongly let overlap cannot both be shortened in place."""
    spans = [v for v in others.values() if v is not None]
    for candidate in sorted({begin} | {e for _, e in spans if e > begin}):
        if not any(s < candidate + length and e > candidate for s, e in spans):
            return candidate
    return begin


def _release(d: RoomzDiscovery, room: str, listed: dict[str, object], t: Target,
             others: dict[int, tuple[datetime, datetime] | None]) -> tuple[Exchange, tuple[datetime, datetime]]:
    """PUT the meeting to RELEASED_MINUTES from its earlier date (so one stored with its end before
    its start becomes valid), or from the first free start after it; one minute when that conflicts."""
    dates = [x for x in (tolerant.start_of(listed), tolerant.end_of(listed)) if x is not None]
    begin = min(dates) if dates else (t.start or far_start())
    mid = tolerant.meeting_id(listed) or t.meeting_id or ""
    dates_first = d.writer is not None and d.writer.dates_only_put
    tries: list[tuple[dict[str, object], tuple[datetime, datetime]]] = []
    for length in (timedelta(minutes=RELEASED_MINUTES), timedelta(minutes=1)):
        start = _free(begin, length, others)
        only_dates: dict[str, object] = {"startDateUTC": fmt(start), "endDateUTC": fmt(start + length)}
        for body in [only_dates] if dates_first else [{**listed, **only_dates}, only_dates]:
            tries.append((body, (start, start + length)))
    for body, span in tries:
        put = api.put_meeting(d.client, room, mid, body)
        if put.ok or put.status not in (*REFUSED_AS_INVALID, 409):
            return put, span
    return put, tries[-1][1]


def _unfound(d: RoomzDiscovery, t: Target, listing: Exchange) -> str:
    """A meeting the server accepted that could not be looked up (its room's listing is refused,
    as for a room that does not exist): the PUT that would release it is tried, and named."""
    what = (f"a meeting ({t.how}{', ' + repr(t.subject) if t.subject else ''}) in room {t.room!r}, "
            f"{fmt(t.start) if t.start else '?'}..{fmt(t.end) if t.end else '?'}")
    if t.meeting_id is None:
        return (f"{what} was accepted but could not be looked up ({listing.describe()}) and the server gave no id "
                "for it: no request of the contract can release it")
    begin = _span(t, far_start())[0]
    released = {"startDateUTC": fmt(begin), "endDateUTC": fmt(begin + timedelta(minutes=RELEASED_MINUTES))}
    put = api.put_meeting(d.client, t.room, t.meeting_id, released)
    if put.ok:
        return ""
    return (f"meeting {t.meeting_id!r}: {what} could not be looked up ({listing.describe()}) nor released "
            f"({put.describe()}); the request that would release it: {d.client.curl(put)}")
