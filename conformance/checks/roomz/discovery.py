"""What a ROOMZ run learns from the server before it can judge: typed, memoised, tolerant.

Each value is computed once, on first use, by whichever check needs it first; run order decides
nothing. A value either comes back or raises ``Blocked`` naming the requirement whose failure
kept it from being found and what the user can pass instead (``--room-id``, ``--organizer-id``).
Answers are read tolerantly (a wrapped list still yields its rooms): the requirement that answer
broke fails on its own, and discovery goes on with what it found, saying so.
"""
from __future__ import annotations

import secrets
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from conformance.checks import tolerant
from conformance.checks.dates import now_utc
from conformance.checks.model import Blocked, Discovery, memo
from conformance.checks.roomz import api
from conformance.checks.roomz.leftovers import Written, left_by_earlier_run, written_by
from conformance.client import Client, Exchange

if TYPE_CHECKING:
    from conformance.checks.roomz.scratch import Scratch
    from conformance.options import RunOptions

WIDE_DAYS = 14                # the listing window around now used to discover existing meetings
ORGANIZER_SCAN_ROOMS = 5      # rooms whose meetings are read to find a known organizer
INVENTED_ORGANIZER = "conformance"


def blocker(ex: Exchange, own: str) -> str:
    """The requirement an unusable answer breaks: valid credentials refused are RZ-AUTH-VALID's
    failure, a 5xx is RZ-5XX's, anything else the call's own requirement."""
    if ex.status in (401, 403):
        return "RZ-AUTH-VALID"
    if ex.status is not None and ex.status >= 500:
        return "RZ-5XX"
    return own


@dataclass(frozen=True)
class RoomsListing:
    exchange: Exchange
    rooms: list[str]           # room ids, read tolerantly
    how: str                   # what tolerance reading them needed ("" when none)


@dataclass(frozen=True)
class Listing:
    exchange: Exchange
    meetings: list[dict[str, object]]   # read tolerantly


class RoomzDiscovery(Discovery):
    def __init__(self, client: Client, options: RunOptions, notes: Callable[[str], None]) -> None:
        super().__init__(client, options, notes)
        self.created: dict[tuple[str, str], datetime] = {}   # (room, meetingId) -> start: released at the end
        self.writer: Scratch | None = None                       # the Scratch, once a check wrote
        self.written: list[Written] = []     # every write the server accepted, whoever sent it (released at the end)
        self.run_token = secrets.token_hex(3)   # in this run's subjects: an earlier run's meetings are told apart
        self._written_lock = threading.Lock()

    # -- rooms ---------------------------------------------------------------------------------
    @memo
    def rooms_answer(self) -> Exchange:
        """GET /rooms with the given credentials: the first request of a run (preflight)."""
        return api.get_rooms(self.client)

    @memo
    def rooms_listing(self) -> RoomsListing:
        ex = self.rooms_answer
        found = tolerant.items_of(ex) if ex.status == 200 else tolerant.Items(None)
        if found.items is None:
            raise Blocked(tolerant.why_no_list(ex), by=blocker(ex, "RZ-ROOMS"), hint="pass --room-id to judge the rest")
        ids, notes = [], []
        for room in found.items:
            raw = tolerant.get(room, "roomId", "id", "_id")
            rid = tolerant.text(raw)
            if rid is not None:
                ids.append(rid)
                if not isinstance(raw, str) and "a number where a string was due" not in notes:
                    notes.append("a number where a string was due")
        if found.wrapped:
            notes.insert(0, found.how)
        how = "; ".join(notes)
        if how and ids:
            self.say(f"GET /rooms: {how}; the suite read {len(ids)} room id(s) from it anyway (see RZ-ROOMS)")
        return RoomsListing(ex, ids, how)

    @memo
    def rooms(self) -> list[str]:
        listing = self.rooms_listing
        if not listing.rooms:
            raise Blocked("GET /rooms lists no room the suite can read", by="RZ-ROOMS" if listing.how else None,
                          hint="pass --room-id to judge the rest")
        return listing.rooms

    @memo
    def target_room(self) -> str:
        """The one room the suite reads closely and may write into: --room-id, else the first listed."""
        if self.options.room_id:
            return str(self.options.room_id)
        return self.rooms[0]

    @memo
    def made_up_room(self) -> str:
        return self.unknown_id("room")

    def probe_room(self) -> tuple[str, bool]:
        """A room to send probes that need one: the target room when known, else a made-up id
        (then a 404 proves nothing: the server may look the room up before anything else)."""
        try:
            return self.target_room, True
        except Blocked:
            return self.made_up_room, False

    def known_rooms(self) -> list[str]:
        try:
            return list(self.rooms)
        except Blocked:
            return []

    # -- meetings ------------------------------------------------------------------------------
    def list_window(self, room: str, start: datetime, end: datetime) -> Listing:
        ex = api.get_meetings(self.client, room, start, end)
        return Listing(ex, tolerant.meetings_in(ex) or [])

    @memo
    def wide(self) -> Listing:
        """Meetings of the target room within WIDE_DAYS of now."""
        now = now_utc()
        return self.list_window(self.target_room, now - timedelta(days=WIDE_DAYS), now + timedelta(days=WIDE_DAYS))

    def find(self, room: str, start: datetime, end: datetime, *, meeting_id: str | None = None,
             subject: str | None = None) -> tuple[dict[str, object] | None, Exchange]:
        """List a window around [start, end) and return the meeting with that id (else the one with
        those dates, and that subject when given)."""
        listing = self.list_window(room, start - timedelta(hours=1), end + timedelta(hours=1))
        for m in listing.meetings:
            if meeting_id is not None and tolerant.meeting_id(m) == str(meeting_id):
                return m, listing.exchange
        at_dates = [m for m in listing.meetings if tolerant.dates_of(m) == (start, end)]
        if meeting_id is None or subject is not None:
            for m in at_dates:
                if subject is None or m.get("subject") == subject:
                    return m, listing.exchange
            if subject is not None and len(at_dates) == 1:   # the subject was not kept: still ours
                return at_dates[0], listing.exchange
        return None, listing.exchange

    @memo
    def organizer(self) -> str:
        """--organizer-id, else the organizer seen most often in existing meetings (the target room
        first, then up to ORGANIZER_SCAN_ROOMS others), else the invented ``conformance``."""
        if self.options.organizer_id:
            return str(self.options.organizer_id)
        seen = [tolerant.text(tolerant.get(m, "organizerId")) for m in self._wide_or_empty()]
        if not any(seen):
            now = now_utc()
            for room in self.known_rooms()[1:ORGANIZER_SCAN_ROOMS + 1]:
                listing = self.list_window(room, now - timedelta(days=WIDE_DAYS), now + timedelta(days=WIDE_DAYS))
                seen += [tolerant.text(tolerant.get(m, "organizerId")) for m in listing.meetings]
        counts = Counter(o for o in seen if o)
        return counts.most_common(1)[0][0] if counts else INVENTED_ORGANIZER

    def organizer_is_invented(self) -> bool:
        return not self.options.organizer_id and self.organizer == INVENTED_ORGANIZER

    def organizer_refused_as_unknown(self, ex: Exchange) -> bool:
        """A 404 to a POST in a listed room whose organizer the user gave (--organizer-id) and no
        listed meeting of the target room carries: the server's correct answer to an organizer it
        does not know, a slip to fix (exit 2), not RZ-CREATE's failure."""
        given = self.options.organizer_id
        if ex.status != 404 or not given:
            return False
        return str(given) not in {tolerant.text(tolerant.get(m, "organizerId")) for m in self._wide_or_empty()}

    def _wide_or_empty(self) -> list[dict[str, object]]:
        try:
            return self.wide.meetings
        except Blocked:
            return []

    def known_values(self) -> set[str]:
        """Room and meeting values of the authenticated listings seen so far (a 401 must not
        carry any of them)."""
        values = set()
        try:
            listing = self.rooms_listing
            for room in tolerant.items_of(listing.exchange).items or []:
                values |= {str(room.get(k)) for k in ("roomId", "name") if room.get(k) not in (None, "")}
        except Blocked:
            pass
        for m in self._wide_or_empty():
            values |= {str(m.get(k)) for k in ("meetingId", "subject") if m.get(k) not in (None, "")}
        return values

    # -- the suite's own writes ---------------------------------------------------------------
    @memo
    def scratch(self) -> Scratch:
        """Where and how the suite writes (``scratch.Scratch``); Blocked under --read-only."""
        from conformance.checks.roomz.scratch import Scratch

        if self.options.read_only:
            raise Blocked("--read-only: the suite sends no POST or PUT, so this write requirement is not certified")
        self.writer = Scratch(self)
        return self.writer

    def ordinary_reads(self) -> None:
        self.shared(BasicTraffic)

    # -- what the run leaves on the server ------------------------------------------------------
    def witness(self, ex: Exchange) -> None:
        """Every accepted write of the run, scripted, generated or replayed (the engine calls this
        for each exchange): what it may have created is released at the end, whoever sent it."""
        written = written_by(ex)
        if written is not None:
            with self._written_lock:
                self.written.append(written)

    def foreign(self, meeting: dict[str, object]) -> str | None:
        """Why a listed meeting is not the server's own data (an earlier run of the suite left it),
        else None."""
        return left_by_earlier_run(meeting, self.run_token)


class BasicTraffic:
    """The run's ordinary reads (``Discovery.ordinary_reads``): the room list, the target room's
    meetings, an unknown room's, and a listing without credentials."""

    def __init__(self, d: RoomzDiscovery) -> None:
        d.rooms_answer
        try:
            d.wide
        except Blocked:
            pass
        now = now_utc()
        api.get_meetings(d.client, d.made_up_room, now, now + timedelta(hours=1))
        api.get_rooms(d.client, auth="none", auth_label="probe: no Authorization header")
