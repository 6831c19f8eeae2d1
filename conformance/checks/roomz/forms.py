"""Every field of a POST and a PUT in every wrong form, then read back (CONTRACT.md, the rulings
after the second round: "accept or refuse, never store garbage").

A server may refuse a field of the wrong type, a ``null`` at any depth, an empty string or
container, an extra field or a date in another ISO 8601 form, or accept it; what it accepts it
must list afterwards in the contract's forms. So the answers to these writes are not judged for
their status (RZ-CREATE-INVALID and RZ-UPDATE-INVALID judge the malformed dates the ruling
names): each accepted write is read back, and the listing is judged by the observers of RZ-UTC,
RZ-NULL, RZ-MEETINGS and RZ-MEETINGS-UNIQUE like any other. A finding on a meeting the suite
stored this way names the request that stored it (``stored_by``): "stored by
RZ-CREATE-INVALID's probe …".

Every write goes to the target room, in the scratch stretch's ``forms`` place, one minute a
meeting after another (each POST at its own start, which is also how a stored value is traced
back to its request), and everything created is tracked for release (``Scratch.track``).
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from conformance.checks import tolerant
from conformance.checks.dates import other_iso_forms
from conformance.checks.model import Blocked
from conformance.checks.roomz import api
from conformance.checks.roomz.discovery import RoomzDiscovery
from conformance.client import Exchange
from conformance.profiles import setting

STEP = timedelta(minutes=1)    # adjacent one-minute meetings: the contract says they do not conflict
LENGTH = timedelta(minutes=1)
PLACES = 120                   # the forms place holds two hours (HOURS in scratch.py)

# in the order a profile takes them (``wrong_forms``: quick the first two, full all)
WRONG: dict[str, object] = {
    "null": None,
    "a number": 42,
    "an object holding a null": {"a": None},
    "true": True,
    "an array": ["conformance"],
    "an empty string": "",
    "an empty object": {},
}
OPTIONAL = ("organizerName", "creationDateUTC", "isPrivate", "isCancelled", "imageUrl")
NON_ASCII = "conformance Réunion 会议 встреча 🗓️ ünïcödé"


@dataclass(frozen=True)
class _IsoForm:
    form: str   # a key of ``other_iso_forms``: that form of the probe's own start


@dataclass(frozen=True)
class Stored:
    what: str            # "RZ-CREATE-INVALID's probe POST … with isPrivate 'false'"
    request: Exchange    # the write that stored it


# base URL -> start of a probe's meeting -> the write that stored it. Observers see only the
# exchange, so the run's probes are found by the base URL its requests start with.
_STORED: dict[str, dict[datetime, Stored]] = {}
_LOCK = threading.Lock()


def remember(d: RoomzDiscovery, start: datetime, stored: Stored) -> None:
    with _LOCK:
        _STORED.setdefault(d.client.base_url, {})[start] = stored


def stored_by(ex: Exchange, meeting: object) -> tuple[str, list[Exchange]]:
    """(", stored by …", [the write]) when ``meeting`` of this answer is one a wrong-form probe of
    the suite stored, else ("", [])."""
    if not isinstance(meeting, dict):
        return "", []
    start = tolerant.start_of(meeting)
    start = start.replace(microsecond=0) if start is not None else None   # fractions sent back: the same place
    with _LOCK:
        runs = [v for k, v in _STORED.items() if ex.url.startswith(k)]
    for run in runs:
        hit = run.get(start) if start is not None else None
        if hit is not None:
            return f" (stored by {hit.what})", [hit.request]
    return "", []


def meeting_at(ex: Exchange, pointer: str) -> object:
    """The meeting a JSON pointer of a listing or write answer falls in (None when none)."""
    data = ex.json_or_none()
    if ex.operation in ("createMeeting", "updateMeeting"):
        return data
    if ex.operation != "listMeetings":
        return None
    array, where = tolerant.the_array(data)
    if array is None:
        return None
    prefix = "/" + "/".join(where.split(".")) if where else ""
    rest = pointer[len(prefix):].split("/") if pointer.startswith(prefix + "/") else []
    if len(rest) > 1 and rest[1].isdigit() and int(rest[1]) < len(array):
        return array[int(rest[1])]
    return None


def _describe(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)[:60]


class WrongForms:
    """The wrong-form writes, sent once a run whichever check asks first (``d.shared``)."""

    def __init__(self, d: RoomzDiscovery) -> None:
        self.d = d
        self._next = PLACES   # no place until the stretch is known
        self.put_target: tuple[dict[str, object], datetime, datetime] | None = None   # the meeting PUTs go to
        self.wrong: list[tuple[str, object]] = []
        self.sent = 0
        self.accepted = 0
        self.unfound: list[str] = []
        self.notes: list[str] = []
        if d.options.read_only:
            self.notes.append("no wrong-form writes: --read-only")
            return
        with _LOCK:
            _STORED.pop(d.client.base_url, None)   # an earlier run of this process against the same server
        try:
            s = d.scratch
            self.base = s.at("forms")
            d.target_room
        except Blocked as blocked:
            self.notes.append(f"no wrong-form writes: {blocked}")
            return
        self._next = 0
        self.wrong = list(WRONG.items())[:int(setting(d.options.profile, "wrong_forms"))]
        self.posts()
        self.puts()

    def place(self) -> datetime | None:
        """The next free place of the forms stretch (None when it is full): a write that was
        accepted keeps its place, so the caller asks for a new one only after a booking."""
        if self._next >= PLACES:
            return None
        self._next += 1
        return self.base + (self._next - 1) * STEP

    # -- POST -----------------------------------------------------------------------------------
    @staticmethod
    def post_cases(fields: list[str], seed: int,
                   wrong: list[tuple[str, object]]) -> list[tuple[str, dict[str, object]]]:
        """(what the probe sends, its change to a valid body; an ``_IsoForm`` is that form of the
        probe's own start)."""
        cases: list[tuple[str, dict[str, object]]] = []
        for form in other_iso_forms(datetime.now()):
            cases.append((f"startDateUTC in another ISO 8601 form: {form}", {"startDateUTC": _IsoForm(form)}))
        own_id = f"conformance-client-id-{seed}"
        cases += [(f"a client-supplied meetingId {own_id!r} (sent twice)", {"meetingId": own_id})] * 2
        for name in ("isPrivate", "isCancelled"):
            cases.append((f'{name} "false" (a string)', {name: "false"}))
        cases.append(('an extra field holding null ("notes": null)', {"notes": None}))
        cases.append(("a non-ASCII subject", {"subject": NON_ASCII}))
        cases.append(('subject {"a": null}', {"subject": {"a": None}}))
        for name in fields + [k for k in OPTIONAL if k not in fields]:
            for label, value in wrong:
                cases.append((f"{name} {label} ({_describe(value)})", {name: value}))
        return cases

    def posts(self) -> None:
        d, s = self.d, self.d.scratch
        room = d.target_room
        fields = list(s.body("", d.organizer, self.base, self.base + LENGTH))
        cases = self.post_cases(fields, d.options.seed, self.wrong)
        starts = []
        start = self.place()
        for i, (label, change) in enumerate(cases):
            if start is None:
                self.notes.append(f"{len(cases) - i} wrong-form POSTs were not sent: the place for them is full")
                break
            at = start
            body = {**s.body(s.subject(f"wrong form {i}"), d.organizer, at, at + LENGTH),
                    **{k: other_iso_forms(at)[v.form] if isinstance(v, _IsoForm) else v for k, v in change.items()}}
            ex = api.post_meeting(d.client, room, body)
            self.sent += 1
            if ex.status is None or not 400 <= ex.status < 500:   # a refusal books nothing: the place is reused
                start = self.place()
            if ex.ok:
                self.accepted += 1
                remember(d, at, Stored(f"RZ-CREATE-INVALID's probe POST {ex.path} with {label}", ex))
                answered = ex.json_or_none()
                known = tolerant.meeting_id(answered) if isinstance(answered, dict) else None
                if known is not None:
                    d.created[(room, known)] = at
                starts.append((at, label, known))
        if starts:
            self._read_back(room, starts)

    def _read_back(self, room: str, starts: list[tuple[datetime, str, str | None]]) -> None:
        """One listing of the place: the observers judge what was stored; each stored meeting is
        tracked for release, by its start (the one thing the probe did not change)."""
        d, s = self.d, self.d.scratch
        lo, hi = min(t for t, _, _ in starts), max(t for t, _, _ in starts) + LENGTH
        listing = d.list_window(room, lo - timedelta(minutes=1), hi + timedelta(minutes=1))
        by_start: dict[datetime, list[dict[str, object]]] = {}
        for m in listing.meetings:
            t = tolerant.start_of(m)
            if t is not None:
                by_start.setdefault(t.replace(microsecond=0), []).append(m)
        for start, label, _ in starts:
            found = by_start.get(start, [])
            for m in found:
                s.track(room, m, start)
            if not found and listing.exchange.status == 200:
                self.unfound.append(label)

    # -- PUT ------------------------------------------------------------------------------------
    def puts(self) -> None:
        d, s = self.d, self.d.scratch
        room = d.target_room
        start = self.place()
        if start is None:
            return
        end = start + LENGTH
        s.settle_put_style()
        post, meeting = s.create("wrong-form PUT target", start, end)
        if meeting is None:
            self.notes.append(f"no wrong-form PUT: the meeting to update could not be created ({post.describe()})")
            return
        self.put_target = (meeting, start, end)
        body = s.update_body(meeting, start, end)
        restore = False
        for name in list(body) + [k for k in OPTIONAL if k not in body]:
            cases = {**dict(self.wrong), **({'"false" (a string)': "false"} if name in ("isPrivate", "isCancelled")
                                            else {})}
            if name == "subject":
                cases['{"a": null}'] = {"a": None}
            if name in ("startDateUTC", "endDateUTC"):
                cases.update({f"in another ISO 8601 form: {k}": v
                              for k, v in other_iso_forms(start if name == "startDateUTC" else end).items()})
            for label, value in cases.items():
                ex = api.put_meeting(d.client, room, tolerant.meeting_id(meeting) or "", {**body, name: value})
                self.sent += 1
                if not ex.ok:
                    continue
                self.accepted += 1
                remember(d, start, Stored(f"RZ-UPDATE-INVALID's probe PUT {ex.path} with {name} {label}", ex))
                d.find(room, start, end)   # read back: the observers judge what the PUT stored
                restore = True
        if restore:   # each PUT sends the meeting as it was, but for its one field: put back once, at the end
            s.put(meeting, start, end)


def wrong_forms(d: RoomzDiscovery) -> WrongForms:
    return d.shared(WrongForms)
