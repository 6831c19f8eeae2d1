"""Opt-in faults and allowed variants of the reference server, as data.

A *fault* is one small object: the requirement it breaks, the other requirements it cannot help
touching (``collateral``, with the reason), a one-line note, and its behaviour: hooks on the
server's seams (``seams.py``). The server reads only the hooks; ``serve --list-faults`` and every
test that needs collateral read the rest, so a fault lives in exactly one place.

A *variant* is behaviour the contract allows but the default server does not show (an empty
POST answer, extra fields, ...): the suite must not fail a conformant server for choosing it.

Several faults can be switched on at once (``serve --fault A --fault B``). The few combinations
that genuinely hide one fault behind another are listed in ``MASKS`` with the reason.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .dates import parse_any, parse_rolling, parse_utc
from .httpd import Request, Response
from .seams import Hook, check_hooks

if TYPE_CHECKING:
    from .roomonitor import Account, BookingVerdict, RoomonitorApp
    from .roomz import Meeting, RoomzApp

APIS = ("roomz", "roomonitor")

# A hook's first argument is the seam's value; the rest are keywords: ``app`` (always) and the
# context the seam passes (``seams.py``). Each hook names only what it reads.
Rendered = dict[str, object]          # a room or meeting as the server renders it


@dataclass(frozen=True)
class Switch:
    name: str                       # kebab-case, stable: tests and the CLI use it
    api: str                        # "roomz" or "roomonitor"
    note: str                       # what changes, in one or two sentences
    hooks: Mapping[str, Hook] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        check_hooks(self.api, self.name, self.hooks)


@dataclass(frozen=True)
class Fault(Switch):
    requirement: str = ""           # the one catalog ID this fault breaks
    collateral: Mapping[str, str] = field(default_factory=dict)   # requirement -> status it may also take
    why: str = ""                   # why that collateral is unavoidable

    @property
    def description(self) -> str:
        return self.note + (f" Collateral: {self.why}" if self.why else "")


@dataclass(frozen=True)
class Variant(Switch):
    pass


def _json(status: int, payload: object, content_type: str = "application/json") -> Response:
    return Response(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), content_type)


def _set(key: str, fn: Callable[[object], object]) -> Hook:
    """A hook that rewrites one field of a rendered object (when present)."""
    def hook(obj: Rendered, **_: object) -> Rendered:
        if key in obj:
            obj = {**obj, key: fn(obj[key])}
        return obj
    return hook


def _drop(key: str) -> Hook:
    def hook(obj: Rendered, **_: object) -> Rendered:
        return {k: v for k, v in obj.items() if k != key}
    return hook


def _always(value: object) -> Hook:
    return lambda _value, **_: value


def _append_first(items: list[Rendered], **_: object) -> list[Rendered]:
    return items + [dict(items[0])] if items else items


def _reversed_seed(seeds: list[object], **_: object) -> list[object]:
    from .data import REVERSED_MEETING
    return seeds + [REVERSED_MEETING]


def _null_location(meeting: Meeting, **_: object) -> Meeting:
    if meeting.meeting_id == "m1002":
        meeting.extra["location"] = None
    return meeting


def _null_in_last_room(meeting: Meeting, **_: object) -> Meeting:
    if meeting.room_id == "r305":
        meeting.extra["notes"] = None
    return meeting


def _null_location_once(meeting: Rendered, *, app: RoomzApp, m: Meeting, **_: object) -> Rendered:
    """The first answer holding the meeting in progress in room 57 carries "location": null;
    every later one is right: a fault that shows once and not again (replay says so)."""
    if m.meeting_id == "m1002" and not app.__dict__.get("_null_shown"):
        app.__dict__["_null_shown"] = True
        return {**meeting, "location": None}
    return meeting


def _seconds_refused(instant: datetime | None, **_: object) -> datetime | None:
    return None if instant is not None and instant.second != 0 else instant


def _lenient_in(*places: str) -> Hook:
    """A date hook reading what the contract's parser refused the way a lenient parser does
    (``dates.parse_any``), on the requests named (window, create, update)."""
    def hook(instant: datetime | None, *, value: object, where: str, **_: object) -> datetime | None:
        return parse_any(value) if instant is None and where in places else instant
    return hook


def _rolling(instant: datetime | None, *, value: object, **_: object) -> datetime | None:
    return parse_rolling(value) if instant is None else instant


def _other_iso(instant: datetime | None, *, value: object, where: str, **_: object) -> datetime | None:
    """POST dates in other ISO 8601 forms (an offset, fractions, a lowercase z, no seconds) are read."""
    if instant is None and where == "create" and isinstance(value, str) and _OTHER_ISO.fullmatch(value):
        try:
            return datetime.fromisoformat(value.upper().replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return None
    return instant


_OTHER_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
                        r"([Zz]|[+-][0-9]{2}:[0-9]{2})", re.ASCII)


def _echo_dates(meeting: Meeting, *, body: Rendered, **_: object) -> Meeting:
    """The dates as the client spelled them are what the meeting lists (a store keeping the text)."""
    for key in ("startDateUTC", "endDateUTC"):
        if isinstance(body.get(key), str) and not parse_utc(body[key]):
            meeting.extra[key] = body[key]
    return meeting


_MEETING_TYPES: dict[str, type | tuple[type, ...]] = {"organizerName": str, "creationDateUTC": str, "isPrivate": bool,
                                                     "isCancelled": bool, "imageUrl": str}


def _has_null(value: object) -> bool:
    if isinstance(value, dict):
        return any(_has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_null(v) for v in value)
    return value is None


def _keep_wrong_types(meeting: Meeting, *, body: Rendered, **_: object) -> Meeting:
    """A Meeting field sent with the wrong type (``isPrivate: "false"``, ``organizerName: 42``) is
    stored and listed as sent (values holding a null excepted: that is store-nulls)."""
    for key, kind in _MEETING_TYPES.items():
        value = body.get(key)
        if key in body and not _has_null(value) and (not isinstance(value, kind) or
                                                      (kind is not bool and isinstance(value, bool))):
            meeting.extra[key] = value
    return meeting


def _keep_nulls(meeting: Meeting, *, body: Rendered, **_: object) -> Meeting:
    """A field the contract does not know is stored as sent, and listed: ``"notes": null`` too."""
    for key, value in body.items():
        if key not in _MEETING_TYPES and key not in ("subject", "organizerId", "startDateUTC", "endDateUTC",
                                                     "meetingId") and _has_null(value):
            meeting.extra[key] = value
    return meeting


def _keep_client_id(meeting: Meeting, *, body: Rendered, **_: object) -> Meeting:
    if isinstance(body.get("meetingId"), str) and body["meetingId"]:
        meeting.meeting_id = str(body["meetingId"])
    return meeting


def _non_object_500(refusal: Response, **_: object) -> Response:
    return _json(500, {"error": "internal server error"})


def _get_rooms_only(allowed: bool, *, request: Request, **_: object) -> bool:
    return allowed or (request.method == "GET" and request.segments == ("rooms",))


def _start_only(inside: bool, *, m: Meeting, start: datetime | None, end: datetime | None, **_: object) -> bool:
    return (start is None or m.start >= start) and (end is None or m.start < end)


def _conflict_at_start(other: Meeting | None, *, start: datetime, meetings: Iterable[Meeting],
                       **_: object) -> Meeting | None:
    """Only whether the new meeting's first minute falls into another meeting (as a shallow
    CalDAV probe does): a booking that starts before another and runs into it is missed."""
    return next((m for m in meetings if not m.is_cancelled and m.start <= start < m.end), None)


def _make_room(refusal: Response | None, *, app: RoomzApp, room_id: str, **_: object) -> None:
    app.rooms[room_id] = room_id
    app.meetings[room_id] = []
    return None


def _needs_all_fields(refusal: Response | None, *, app: RoomzApp, body: Rendered, **_: object) -> Response | None:
    missing = [k for k in ("organizerName", "creationDateUTC", "isPrivate", "isCancelled") if k not in body]
    return app.error(400, f"missing required fields: {', '.join(missing)}") if missing else refusal


def _only_dates(refusal: Response | None, *, app: RoomzApp, body: Rendered, **_: object) -> Response | None:
    if set(body) - {"startDateUTC", "endDateUTC"}:
        return app.error(400, "only startDateUTC and endDateUTC may be sent")
    return refusal


def _unknown_room_put_500(refusal: Response, *, room_known: bool, **_: object) -> Response:
    return refusal if room_known else _json(500, {"error": "Unknown error"})


def _empty_date_500(refusal: Response | None, *, value: str, **_: object) -> Response | None:
    return _json(500, {"error": "FunctionClauseError"}) if value == "" else refusal


def _reversed_kept(refusal: Response | None, *, app: RoomzApp, **_: object) -> None:
    app.__dict__["_keep_reversed"] = True   # read by _store_as_sent, on the create that follows
    return None


def _store_as_sent(response: Response, *, app: RoomzApp, **_: object) -> Response:
    """The meeting just created with its end before its start is stored as sent, not swapped."""
    if not app.__dict__.pop("_keep_reversed", False):
        return response
    made = f"m{app._next_id - 1}"
    for m in [m for ms in app.meetings.values() for m in ms] + app.hidden:
        if m.meeting_id == made:
            m.start, m.end = m.end, m.start
            return Response(response.status, json.dumps(app.render_meeting(m)).encode("utf-8"),
                            response.content_type, list(response.headers))
    return response


RENAMED = {"meetingId": "id", "startDateUTC": "start", "endDateUTC": "end"}


def _renamed_fields(meeting: Rendered, **_: object) -> Rendered:
    return {RENAMED.get(k, k): v for k, v in meeting.items()}


def needs_renamed_fields(refusal: Response | None, *, app: RoomzApp, body: Rendered, **_: object) -> Response | None:
    """POST refuses a body without ``start`` and ``end`` (for tests: a connector with renamed fields
    that refuses every POST of the contract's names; not a fault of its own, since it blocks every
    write requirement and would hide any fault drawn with it)."""
    if "start" not in body or "end" not in body:
        return app.error(400, "start and end are required")
    return refusal


def _http_image(url: object) -> object:
    return "http://" + url[len("https://"):] if isinstance(url, str) and url.startswith("https://") else url


def _offset(text: object) -> object:
    return text[:-1] + "+00:00" if isinstance(text, str) and text.endswith("Z") else text


def _extra_room_fields(room: Rendered, *, index: int, **_: object) -> Rendered:
    return {**room, "capacity": 6 + 2 * (index % 5), "location": {"floor": index % 4, "building": "A"}}


def _extra_meeting_fields(meeting: Rendered, **_: object) -> Rendered:
    return {**meeting, "attendeeCount": 4, "location": {"floor": 2, "building": "A"}}


def _creation_is_start(meeting: Rendered, **_: object) -> Rendered:
    return {**meeting, "creationDateUTC": meeting["startDateUTC"]}


def _plain_4xx(response: Response, *, status: int, message: str, **_: object) -> Response:
    if 400 <= status < 500:
        plain = Response(status, message.encode("utf-8"), "text/plain; charset=utf-8")
        plain.headers = list(response.headers)
        return plain
    return response


# --- Roomonitor hooks ------------------------------------------------------------------------
def _rm_rooms_no_name(room: Rendered, **_: object) -> Rendered:
    return {("roomName" if k == "name" else k): v for k, v in room.items()}


def _rm_401_shape(response: Response, *, status: int, **_: object) -> Response:
    return _json(401, {"error": "Unauthorized"}) if status == 401 else response


def _rm_crash_object(refusal: Response, *, doc: object, **_: object) -> Response:
    return _json(500, {"status": 500, "message": "Internal Server Error"}) if isinstance(doc, dict) else refusal


_V2_STAMPS = ("checkin", "checkout")
_V2_TEXT = ("id", "roomId", "customRoomId", "idBooking", "pm", "bookingType", "guestPhone", "guestName", "lang")
_V1_TEXT = ("firstname", "lastname", "prefix", "telephone", "email", "room", "checkin", "checkout",
            "customerReference")


def _wrong_type(booking: object, version: str) -> bool:
    """A booking that is no object, or a template field of another JSON type than the template's
    (what a server that trusts its input's types trips over)."""
    if not isinstance(booking, dict):
        return True
    if version == "v2" and any(k in booking and (type(booking[k]) is not int) for k in _V2_STAMPS):
        return True
    text = _V2_TEXT if version == "v2" else _V1_TEXT
    return any(k in booking and not isinstance(booking[k], str) for k in text)


def _rm_crash_on_types(answer: Response, *, doc: list[object], version: str, **_: object) -> Response:
    if any(_wrong_type(b, version) for b in doc):
        return _json(500, {"status": 500, "message": "Internal Server Error"})
    return answer


def _rm_no_auth_rooms(allowed: bool, *, route: str, neither: bool, **_: object) -> bool:
    return allowed or (route == "get-rooms" and neither)


def _rm_phantom(refusal: Response, *, app: RoomonitorApp, path_user: str, header_user: str,
                **_: object) -> Response | Account:
    if header_user == path_user:
        return app.phantom(path_user)
    return refusal


def _rm_v2_wrong_id(verdicts: list[BookingVerdict], *, doc: list[object], version: str,
                    **_: object) -> list[BookingVerdict]:
    from .roomonitor import SAVED, BookingVerdict
    room_ids = [b["roomId"] for b in doc if isinstance(b, dict) and "roomId" in b]
    if version != "v2" or any(not v.saved for v in verdicts) or len(room_ids) != len(doc):
        return verdicts
    return [BookingVerdict(v.index, v.booking_id, True, f"[SUCCESS][Booking ID: {room_ids[v.index]}] {SAVED}",
                           v.violations) for v in verdicts]


def _rm_v2_line_wording(verdicts: list[BookingVerdict], *, version: str, **_: object) -> list[BookingVerdict]:
    from .roomonitor import BookingVerdict
    if version != "v2":
        return verdicts
    return [BookingVerdict(v.index, v.booking_id, True, f"[SUCCESS][Booking: {v.booking_id}] saved", v.violations)
            if v.saved else v for v in verdicts]


def _rm_all_or_nothing(verdicts: list[BookingVerdict], **_: object) -> list[BookingVerdict]:
    from .roomonitor import BookingVerdict
    failed = [v for v in verdicts if not v.saved]
    if not failed:
        return verdicts
    return [BookingVerdict(v.index, v.booking_id, False,
                           f"[ERROR][Booking ID: {v.booking_id}] import rejected: booking "
                           f"{failed[0].booking_id} is invalid", v.violations) for v in verdicts]


_CRASH = {"status": 500, "message": "Internal Server Error"}


def _lone_surrogate(value: object) -> bool:
    return isinstance(value, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in value)


def _rm_crash_when(test: Callable[[dict[str, object]], bool]) -> Hook:
    """An import_answer hook: 500 when any booking passes ``test`` (the crash comes after the
    customer and token checks, as in a server that reads the body last)."""
    def hook(answer: Response, *, doc: list[object], **_: object) -> Response:
        return _json(500, _CRASH) if any(isinstance(b, dict) and test(b) for b in doc) else answer
    return hook


def _echoes_surrogate(b: dict[str, object]) -> bool:
    """The line names the booking's id: encoding it as UTF-8 fails on a lone surrogate."""
    return any(_lone_surrogate(b.get(k)) for k in ("id", "idBooking", "customerReference"))


def _float_overflow(b: dict[str, object]) -> bool:
    """Every value read as a float: an integer beyond the float range raises OverflowError."""
    return any(isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 2 ** 1024 for v in b.values())


def _unicode_digit_stamp(b: dict[str, object]) -> bool:
    """``int(s) if s.isdigit()``: "²".isdigit() is True, int("²") raises."""
    return any(isinstance(v, str) and v.isdigit() and not v.isdecimal() for v in (b.get("checkin"), b.get("checkout")))


def _rm_crash_nesting(refusal: Response, *, exc: Exception, **_: object) -> Response:
    return _json(500, _CRASH) if isinstance(exc, RecursionError) else refusal


def _rm_crash_login_nesting(answer: Response, *, body: bytes, **_: object) -> Response:
    try:
        json.loads(body.decode("utf-8", "replace"))
    except RecursionError:
        return _json(500, _CRASH)
    except ValueError:
        pass
    return answer


def _rm_crash_login_surrogate(answer: Response, *, body: bytes, **_: object) -> Response:
    try:
        data = json.loads(body.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return answer
    return _json(500, _CRASH) if isinstance(data, dict) and _lone_surrogate(data.get("password")) else answer


def _rm_ascii_only(problems: list[str], *, booking: object = None, **_: object) -> list[str]:
    texts = booking.values() if isinstance(booking, dict) else ()
    if any(isinstance(v, str) and not v.isascii() for v in texts):
        return [*problems, "guest data must be ASCII"]
    return problems


def _rm_unenforced(rule: str) -> Hook:
    """Bookings whose only problems are ``rule``'s are saved: the server does not enforce it."""
    def hook(problems: list[str], **_: object) -> list[str]:
        return [p for p in problems if not p.startswith(f"{rule}:")]
    return hook


# The MUST-level payload rules a booking can break (RM-IMPORT-PARTIAL's ruling), with what a server
# that skips each one saves.
RM_RULES_UNENFORCED = {
    "RMP-V1-FIELDS": "v1 bookings with a field missing, empty or not a string",
    "RMP-V1-DATES": "v1 bookings with a date that is no real YYYY-MM-DD, or checkout before checkin",
    "RMP-V1-PHONE": "v1 bookings whose prefix or telephone is not digits only (+0034, spaces, parentheses)",
    "RMP-V1-EMAIL": "v1 bookings whose e-mail address is malformed",
    "RMP-V2-VARIANT": "v2 bookings using both variants or half of one",
    "RMP-V2-FIELDS": "v2 bookings with a field missing, empty or of the wrong type",
    "RMP-V2-TIMESTAMP": "v2 bookings with timestamps outside 2000-2100 in milliseconds (seconds, 0, "
                        "99999999999999999) or checkout before checkin",
    "RMP-V2-PHONE": "v2 bookings whose guestPhone is not +digits (spaces, a trailing comma, no +)",
    "RMP-V2-LANG": "v2 bookings whose lang is no assigned ISO 639-1 code (XX)",
}


class _Html(str):
    """A body the server sends as an HTML page (rooms-html)."""


def _faults(*faults: Fault) -> dict[str, Fault]:
    return {f.name: f for f in faults}


STATUS_LISTED = {"RZ-STATUS-LISTED": "warning"}
FIVE_XX = {"RZ-5XX": "failed"}

FAULTS: dict[str, Fault] = _faults(
    # --- ROOMZ: conventions ---
    Fault("text-content-type", "roomz", "Every 2xx answer with a body is sent as 'text/plain; charset=utf-8' (the body "
          "is still JSON). Error answers keep application/json.",
          {"ok_content_type": _always("text/plain; charset=utf-8")},
          requirement="RZ-JSON"),
    Fault("date-offset", "roomz", "creationDateUTC is rendered as '…T10:00:00+00:00' instead of '…Z'. Only "
          "creationDateUTC, so window, order and persistence checks (which compare start and end) are not touched.",
          {"meeting": _set("creationDateUTC", _offset)}, requirement="RZ-UTC"),
    Fault("reject-seconds", "roomz",
          "A date whose seconds are not 00 is refused with 400: GET from/to, POST and PUT dates.",
          {"date": _seconds_refused}, requirement="RZ-UTC-ACCEPT"),
    Fault("null-location", "roomz", "The seeded meeting in progress now (room 57) carries an extra field \"location\": "
          "null. Extra fields are allowed, so nothing but RZ-NULL is broken.", {"seeded": _null_location},
          requirement="RZ-NULL"),
    Fault("null-in-last-room", "roomz", "The meetings of the last listed room (r305), and only those, carry an extra "
          "field \"notes\": null: a suite reading the target room alone never sees it.", {"seeded": _null_in_last_room},
          requirement="RZ-NULL"),
    Fault("null-location-once", "roomz", "Only the first answer holding the meeting in progress in room 57 carries an "
          "extra \"location\": null; later answers are right (an intermittent fault: replay does not reproduce it).",
          {"meeting": _null_location_once}, requirement="RZ-NULL"),
    Fault("crash-non-object-body", "roomz", "POST or PUT whose body is JSON but not an object (array, string, number, "
          "null) answers 500.", {"non_object_body": _non_object_500}, requirement="RZ-5XX"),
    Fault("bad-date-422", "roomz", "POST with a missing or malformed date answers 422 instead of 400 (POST only: PUT "
          "must answer 400 under RZ-UPDATE-INVALID). RZ-CREATE-INVALID still passes: any 4xx refuses.",
          {"bad_date_status": _always(422)}, requirement="RZ-STATUS-LISTED"),
    # --- ROOMZ: authentication ---
    Fault("no-auth-rooms", "roomz", "GET /rooms without an Authorization header answers 200 with the rooms.",
          {"unauthenticated": _get_rooms_only}, requirement="RZ-AUTH-MISSING"),
    Fault("no-auth-all", "roomz", "Every call without an Authorization header is served as if authenticated (wrong or "
          "malformed credentials are still refused).", {"unauthenticated": _always(True)},
          requirement="RZ-AUTH-MISSING"),
    Fault("any-password", "roomz", "The known user name is accepted with any password (unknown users still get 401).",
          {"password_ok": _always(True)}, requirement="RZ-AUTH-WRONG"),
    Fault("any-credentials", "roomz", "Any Basic user name and password are accepted (an empty user name is still "
          "refused).", {"any_user": lambda ok, user=b"", **_: ok or bool(user), "password_ok": _always(True)},
          requirement="RZ-AUTH-WRONG"),
    Fault("password-only", "roomz", "Only the password is checked: any Basic user name is let in with the right "
          "password (a wrong password is still refused).", {"any_user": _always(True)}, requirement="RZ-AUTH-WRONG"),
    Fault("accept-bearer", "roomz", "'Authorization: Bearer <anything>' is accepted as valid credentials.",
          {"bearer": lambda allowed, token="", **_: allowed or bool(token)}, requirement="RZ-AUTH-MALFORMED"),
    Fault("accept-malformed", "roomz", "Any Authorization header that is not well-formed Basic (another scheme, "
          "invalid base64, no colon, empty) is accepted.", {"malformed": _always(None)},
          requirement="RZ-AUTH-MALFORMED"),
    Fault("scheme-ignored", "roomz", "The scheme is not checked: the valid base64 user:password is accepted after "
          "any scheme ('Bearer <token>').", {"basic_scheme": _always(True)}, requirement="RZ-AUTH-MALFORMED"),
    Fault("reject-valid-put", "roomz", "A PUT with valid credentials that would succeed answers 403 (validation, 404 "
          "and 409 answers are unchanged); the meeting is not updated.",
          {"valid_put": lambda refusal, app=None, **_: app.error(403, "not allowed to update meetings")},
          requirement="RZ-AUTH-VALID",
          collateral={"RZ-UPDATE": "failed", "RZ-UPDATE-PERSIST": "skipped", "RZ-STATUS-LISTED": "warning"},
          why="the release RZ-UPDATE sends is exactly what is refused, so RZ-UPDATE-PERSIST has nothing to judge; 403 "
              "is not a listed code"),
    Fault("no-challenge", "roomz", "401 answers carry no WWW-Authenticate header.", {"challenge": _always(None)},
          requirement="RZ-AUTH-CHALLENGE"),
    # --- ROOMZ: rooms ---
    Fault("room-id-number", "roomz", "GET /rooms renders numeric-looking room ids as JSON numbers (57 instead of "
          "\"57\"); the rooms still work when addressed as /rooms/57/...",
          {"room": _set("roomId", lambda rid: int(str(rid)) if str(rid).isdigit() else rid)}, requirement="RZ-ROOMS"),
    Fault("rooms-wrapped", "roomz", "GET /rooms answers {\"rooms\": [...]} instead of the array itself.",
          {"rooms_body": lambda rooms, **_: {"rooms": rooms}}, requirement="RZ-ROOMS"),
    Fault("rooms-html", "roomz", "GET /rooms answers 200 with an HTML page: no room can be read, so every check that "
          "needs a room is blocked unless --room-id names one.",
          {"rooms_body": _always(_Html("<html><body><h1>Rooms</h1><ul><li>Weisshorn</li></ul></body></html>"))},
          requirement="RZ-ROOMS",
          collateral={"RZ-JSON": "failed", **{rid: "skipped" for rid in (
              "RZ-UTC-ACCEPT", "RZ-MEETINGS", "RZ-MEETINGS-WINDOW", "RZ-CREATE",
              "RZ-CREATE-PERSIST", "RZ-CREATE-CONFLICT",
              "RZ-CREATE-UNKNOWN-ROOM", "RZ-CREATE-UNKNOWN-ORGANIZER", "RZ-CREATE-INVALID", "RZ-UPDATE",
              "RZ-UPDATE-PERSIST", "RZ-UPDATE-INVALID", "RZ-UPDATE-CONFLICT", "RZ-MEETINGS-UNIQUE",
              "RZ-MEETINGS-ORDER", "RZ-IMAGE", "RZ-ROOMS-UNIQUE", "RZ-UTC", "RZ-MEETINGS-BADDATE")}},
          why="the page is no JSON either (RZ-JSON); with no room to read, everything that needs one is blocked by "
              "RZ-ROOMS (pass --room-id to judge it); the unknown-room probes need none and still run, but the "
              "POST's 404 proves nothing when its organizer is made up too (RZ-UPDATE-UNKNOWN is judged)"),
    Fault("duplicate-room", "roomz", "GET /rooms lists the first room a second time at the end.",
          {"rooms": _append_first}, requirement="RZ-ROOMS-UNIQUE"),
    # --- ROOMZ: listing meetings ---
    Fault("missing-is-private", "roomz",
          "Meetings are rendered without the isPrivate field (in every answer that holds a "
          "meeting).", {"meeting": _drop("isPrivate")}, requirement="RZ-MEETINGS"),
    Fault("no-organizer-name", "roomz", "Meetings are rendered without organizerName (a calendar proxy whose source "
          "has none).", {"meeting": _drop("organizerName")}, requirement="RZ-MEETINGS"),
    Fault("meetings-wrapped", "roomz",
          "GET meetings answers {\"count\": n, \"items\": [...]} instead of the array itself.",
          {"meetings_body": lambda items, **_: {"count": len(items), "items": items}}, requirement="RZ-MEETINGS"),
    Fault("meeting-fields-renamed", "roomz",
          "Meetings are listed with id, start and end instead of meetingId, startDateUTC and endDateUTC (a connector "
          "written from the published page alone; POST still takes the contract's names).",
          {"meeting": _renamed_fields}, requirement="RZ-MEETINGS",
          collateral={"RZ-MEETINGS-ORDER": "skipped", "RZ-MEETINGS-WINDOW": "skipped"},
          why="dates under other names decide neither order nor window: both are blocked by RZ-MEETINGS"),
    Fault("duplicate-meeting", "roomz", "Every non-empty GET meetings answer repeats its first meeting at the end.",
          {"meetings": _append_first}, requirement="RZ-MEETINGS-UNIQUE"),
    Fault("end-before-start", "roomz", "Room 57 holds an extra seeded meeting whose end is 30 minutes before its start "
          "(starting 6 hours after the server started).", {"seeds": _reversed_seed}, requirement="RZ-MEETINGS-ORDER"),
    Fault("window-starts-only", "roomz",
          "GET meetings lists only meetings that start inside [from, to): a meeting already "
          "in progress at 'from' is dropped.", {"window": _start_only}, requirement="RZ-MEETINGS-WINDOW"),
    Fault("window-ignored", "roomz", "GET meetings lists every meeting of the room, whatever from and to say (they are "
          "still parsed, so bad dates answer 400).", {"window": _always(True)}, requirement="RZ-MEETINGS-WINDOW"),
    Fault("lenient-dates", "roomz", "GET meetings ignores a from/to that is not a date (the window is open on that "
          "side) and answers 200; a missing from/to still answers 400.", {"bad_window_date": _always(None)},
          requirement="RZ-MEETINGS-BADDATE"),
    Fault("date-parser-window", "roomz", "GET meetings reads from/to with a lenient parser: '1', 'foo 2030', "
          "'12/07/2026', 'Dec 7 2026', Feb 30, hour 24, a year past 9999 and a local time are all taken as dates.",
          {"date": _lenient_in("window")}, requirement="RZ-MEETINGS-BADDATE"),
    Fault("date-rollover", "roomz", "Dates of the contract's shape are read field by field and added up: Feb 30 is "
          "March 2, hour 24 the next day (month 13 and day 32 are still refused), in GET, POST and PUT.",
          {"date": _rolling}, requirement="RZ-MEETINGS-BADDATE",
          collateral={"RZ-CREATE-INVALID": "failed", "RZ-UPDATE-INVALID": "failed"},
          why="one date parser serves every call, so the POST and PUT probes are read the same way"),
    Fault("empty-date-500", "roomz", "GET meetings with an empty from or to answers 500 (other bad dates answer 400).",
          {"bad_window_date": _empty_date_500}, requirement="RZ-MEETINGS-BADDATE", collateral=FIVE_XX,
          why="the one answer is a 5xx too"),
    Fault("unknown-room-empty", "roomz", "GET meetings of an unknown room answers 200 [].",
          {"unknown_room_listing": lambda refusal, app=None, **_: app.ok(200, [])},
          requirement="RZ-MEETINGS-UNKNOWN-ROOM"),
    Fault("unknown-room-400", "roomz", "GET meetings of an unknown room answers 400 instead of 404.",
          {"unknown_room_listing": lambda refusal, app=None, **_: app.error(400, "cannot dispatch the request")},
          requirement="RZ-MEETINGS-UNKNOWN-ROOM"),
    Fault("http-image", "roomz", "Every https imageUrl is served as http:// (the seed has two, one on the meeting in "
          "progress in room 57).", {"meeting": _set("imageUrl", _http_image)}, requirement="RZ-IMAGE"),
    # --- ROOMZ: creating meetings ---
    Fault("create-202", "roomz", "A successful POST answers 202 (the meeting is still created).",
          {"create_status": _always(202)}, requirement="RZ-CREATE", collateral=STATUS_LISTED,
          why="202 is not a listed code either"),
    Fault("create-needs-all-fields", "roomz", "POST refuses the contract's four-field body with 400: it requires "
          "organizerName, creationDateUTC, isPrivate and isCancelled too.", {"create_fields": _needs_all_fields},
          requirement="RZ-CREATE"),
    Fault("create-drops-subject", "roomz", "POST stores the subject as 'Booked' whatever was sent.",
          {"stored_subject": _always("Booked")}, requirement="RZ-CREATE-PERSIST"),
    Fault("no-create-conflict", "roomz", "POST never answers 409: overlapping meetings are created.",
          {"create_conflict": _always(None)}, requirement="RZ-CREATE-CONFLICT"),
    Fault("conflict-start-only", "roomz", "POST checks only whether its start falls into another meeting: a booking "
          "that starts earlier and runs into one is created.", {"create_conflict": _conflict_at_start},
          requirement="RZ-CREATE-CONFLICT"),
    Fault("create-unknown-room", "roomz",
          "POST to an unknown room answers 201 and stores the meeting in a hidden bucket "
          "(the room still does not appear in GET /rooms, and GET meetings of it still answers 404).",
          {"unknown_room_create": _always(None)}, requirement="RZ-CREATE-UNKNOWN-ROOM"),
    Fault("create-makes-room", "roomz", "POST to an unknown room creates that room (it is then listed) and books the "
          "meeting in it.", {"unknown_room_create": _make_room}, requirement="RZ-CREATE-UNKNOWN-ROOM"),
    Fault("create-unknown-room-400", "roomz", "POST to an unknown room answers 400 instead of 404.",
          {"unknown_room_create": lambda refusal, app=None, **_: app.error(400, "cannot dispatch the request")},
          requirement="RZ-CREATE-UNKNOWN-ROOM"),
    Fault("any-organizer", "roomz", "POST with an unknown organizerId creates the meeting (organizerName = the id) "
          "instead of answering 404 (a SHOULD: a warning only).",
          {"unknown_organizer": lambda name, organizer_id="", **_: name or organizer_id},
          requirement="RZ-CREATE-UNKNOWN-ORGANIZER"),
    Fault("create-accepts-reversed", "roomz",
          "POST with an end before its start answers 201 and stores the meeting with "
          "start and end swapped (so listings still obey RZ-MEETINGS-ORDER). Malformed dates still 400.",
          {"reversed_create": _always(None)}, requirement="RZ-CREATE-INVALID"),
    Fault("create-stores-reversed", "roomz",
          "POST with an end before its start answers 201 and stores the meeting as sent, its end before its start "
          "(as a connector that never validates does); listings then show it.",
          {"reversed_create": _reversed_kept, "create_response": _store_as_sent}, requirement="RZ-CREATE-INVALID",
          collateral={"RZ-MEETINGS-ORDER": "failed"}, why="the stored meeting is listed with its end before its start"),
    Fault("date-parser-create", "roomz", "POST reads its dates with a lenient parser ('1', 'foo 2030', US dates, "
          "month names, Feb 30, hour 24, a year past 9999, a local time): such a meeting is booked.",
          {"date": _lenient_in("create")}, requirement="RZ-CREATE-INVALID"),
    Fault("echo-iso-forms", "roomz", "POST accepts dates in other ISO 8601 forms (+00:00, fractions, a lowercase z, "
          "no seconds) and lists them back as sent.", {"date": _other_iso, "stored": _echo_dates},
          requirement="RZ-UTC"),
    Fault("store-wrong-types", "roomz", "POST stores a Meeting field sent with the wrong type as sent (isPrivate "
          "\"false\", organizerName 42, ...) and lists it so.", {"stored": _keep_wrong_types},
          requirement="RZ-MEETINGS"),
    Fault("store-nulls", "roomz", "POST stores fields the contract does not know as sent, nulls included "
          "(\"notes\": null), and lists them.", {"stored": _keep_nulls}, requirement="RZ-NULL"),
    Fault("keep-client-id", "roomz", "POST takes the meetingId from the body when the client sends one: two POSTs "
          "with one meetingId list two meetings under it.", {"stored": _keep_client_id},
          requirement="RZ-MEETINGS-UNIQUE"),
    # --- ROOMZ: updating meetings ---
    Fault("date-parser-update", "roomz", "PUT reads its dates with a lenient parser ('1', 'foo 2030', US dates, "
          "month names, Feb 30, hour 24, a year past 9999, a local time).",
          {"date": _lenient_in("update")}, requirement="RZ-UPDATE-INVALID"),
    Fault("update-rejects-full-body", "roomz",
          "PUT whose body carries any field besides startDateUTC/endDateUTC answers 400 "
          "(after the 404, 400 and 409 checks).", {"update_fields": _only_dates}, requirement="RZ-UPDATE"),
    Fault("update-not-saved", "roomz", "PUT answers 200 with the updated meeting but stores nothing.",
          {"update_saved": _always(False)}, requirement="RZ-UPDATE-PERSIST"),
    Fault("update-unknown-200", "roomz", "PUT to an unknown room or meeting answers 200 with an empty body and changes "
          "nothing.", {"unknown_update": _always(Response(200))}, requirement="RZ-UPDATE-UNKNOWN"),
    Fault("put-unknown-room-500", "roomz", "PUT to an unknown room answers 500 (unknown meetings of known rooms still "
          "404).", {"unknown_update": _unknown_room_put_500}, requirement="RZ-UPDATE-UNKNOWN", collateral=FIVE_XX,
          why="the one answer is a 5xx too"),
    Fault("update-accepts-reversed", "roomz",
          "PUT that makes end precede start answers 200 and stores the dates swapped "
          "(listings still obey RZ-MEETINGS-ORDER). Malformed dates still 400.", {"reversed_update": _always(None)},
          requirement="RZ-UPDATE-INVALID"),
    Fault("put-reversed-500", "roomz", "PUT that makes end precede start answers 500.",
          {"reversed_update": _always(_json(500, {"error": "Unknown error"}))}, requirement="RZ-UPDATE-INVALID",
          collateral=FIVE_XX, why="the one answer is a 5xx too"),
    Fault("no-update-conflict", "roomz", "PUT never answers 409: a meeting may be moved onto another one.",
          {"update_conflict": _always(None)}, requirement="RZ-UPDATE-CONFLICT"),
    Fault("put-204", "roomz", "A successful PUT answers 204 No Content.", {"update_response": _always(Response(204))},
          requirement="RZ-STATUS-LISTED"),
    # --- Roomonitor ---
    Fault("rm-text-content-type", "roomonitor", "200 answers are sent as 'text/plain; charset=utf-8' (bodies are still "
          "JSON).", {"ok_content_type": _always("text/plain; charset=utf-8")}, requirement="RM-JSON"),
    Fault("rm-crash-non-array", "roomonitor", "An import whose body is a JSON object (not an array) answers 500.",
          {"non_array": _rm_crash_object}, requirement="RM-5XX"),
    Fault("rm-crash-wrong-types", "roomonitor", "An import for the real account crashes (500) on a booking that is "
          "not an object, or whose template field has another JSON type (a v2 checkin sent as a string, a v1 room "
          "as a list, …); unknown users are refused before, so bodies sent to a made-up user never reach it.",
          {"import_answer": _rm_crash_on_types}, requirement="RM-5XX",
          collateral={"RM-IMPORT-PARTIAL": "failed"},
          why="RM-IMPORT-PARTIAL's mix holding a v2 checkin sent as a string (an RMP-V2-FIELDS probe) is answered "
              "with a 5xx, so its valid bookings are not saved either"),
    Fault("rm-crash-surrogate-echo", "roomonitor", "An import whose booking id holds a lone surrogate (\"\\ud800\") "
          "answers 500: the result line echoes the id and encoding it as UTF-8 fails (after the customer and token "
          "checks).", {"import_answer": _rm_crash_when(_echoes_surrogate)}, requirement="RM-5XX"),
    Fault("rm-crash-huge-number", "roomonitor", "An import whose booking holds, in any field, an integer too large for "
          "a float (10**400) answers 500 (OverflowError).", {"import_answer": _rm_crash_when(_float_overflow)},
          requirement="RM-5XX"),
    Fault("rm-crash-unicode-digit", "roomonitor", "An import whose checkin or checkout is a string of Unicode digits "
          "such as \"²\" answers 500 (isdigit() accepts it, int() does not); other strings are refused.",
          {"import_answer": _rm_crash_when(_unicode_digit_stamp)}, requirement="RM-5XX"),
    Fault("rm-crash-deep-nesting", "roomonitor", "An import body nested deeper than the parser's recursion limit "
          "answers 500 instead of 400.", {"unreadable_body": _rm_crash_nesting}, requirement="RM-5XX"),
    Fault("rm-crash-login-nesting", "roomonitor", "POST /login (unauthenticated) with a JSON body nested deeper than "
          "the parser's recursion limit (a 3 KB body) answers 500.", {"login_answer": _rm_crash_login_nesting},
          requirement="RM-5XX"),
    Fault("rm-crash-login-surrogate", "roomonitor", "POST /login with a lone surrogate as the password answers 500 "
          "(encoding it to compare fails).", {"login_answer": _rm_crash_login_surrogate}, requirement="RM-5XX"),
    Fault("rm-no-auth-rooms", "roomonitor",
          "GET /get-rooms/{userId} with neither X-User-Id nor X-Auth-Token answers 200 "
          "with the rooms (wrong headers are still refused).", {"unauthenticated": _rm_no_auth_rooms},
          requirement="RM-AUTH-MISSING"),
    Fault("rm-no-auth-all", "roomonitor", "Every call missing X-User-Id or X-Auth-Token is served for the path's user.",
          {"unauthenticated": _always(True)}, requirement="RM-AUTH-MISSING"),
    Fault("rm-ignore-user-mismatch", "roomonitor",
          "An X-User-Id that differs from the path is accepted when X-Auth-Token "
          "is valid for the path's user (and the import saves).",
          {"mismatch": lambda refusal, token_ok=False, **_: None if token_ok else refusal},
          requirement="RM-AUTH-WRONG"),
    Fault("rm-any-token", "roomonitor", "Any X-Auth-Token is accepted for the path's user.",
          {"token_ok": _always(True)},
          requirement="RM-AUTH-WRONG", collateral={"RM-LOGOUT": "warning"},
          why="a logged-out token is a token too: it keeps working"),
    Fault("rm-error-shape", "roomonitor",
          "401 bodies are {\"error\": \"Unauthorized\"} instead of {status, message}; the "
          "status code stays 401 and other 4xx bodies are unchanged.", {"error": _rm_401_shape},
          requirement="RM-ERROR-BODY"),
    Fault("rm-login-json-only", "roomonitor", "POST /login with a form body (username/password) answers 401 even when "
          "correct.", {"form_login": _always(False)}, requirement="RM-LOGIN"),
    Fault("rm-logout-keeps-token", "roomonitor", "POST /logout answers success but the token keeps working.",
          {"logout_revokes": _always(False)}, requirement="RM-LOGOUT"),
    Fault("rm-rooms-no-name", "roomonitor",
          "get-rooms renders rooms as {\"_id\", \"roomName\"}: no 'name'. The _id is kept "
          "so imports still find their rooms.", {"room": _rm_rooms_no_name}, requirement="RM-ROOMS"),
    Fault("rm-rooms-wrapped", "roomonitor",
          "get-rooms answers {\"status\": \"success\", \"data\": [...]} instead of the "
          "array itself.",
          {"rooms_body": lambda rooms, **_: {"status": "success", "data": rooms}}, requirement="RM-ROOMS"),
    Fault("rm-empty-200", "roomonitor", "An import with [] or an empty body answers 200 [] instead of 400.",
          {"empty_import": lambda refusal, app=None, **_: app.ok([])}, requirement="RM-EMPTY"),
    Fault("rm-empty-500", "roomonitor", "An import with [] or an empty body answers 500.",
          {"empty_import": _always(_json(500, {"status": 500, "message": "Internal Server Error"}))},
          requirement="RM-EMPTY", collateral={"RM-5XX": "failed"}, why="the one answer is a 5xx too"),
    Fault("rm-unknown-customer-saves", "roomonitor",
          "An import for an unknown user id (with X-User-Id equal to it, any "
          "token) answers 200 and saves the bookings under that id, accepting any room.",
          {"unknown_customer": _rm_phantom}, requirement="RM-CUSTOMER"),
    Fault("rm-v1-object", "roomonitor", "A v1 import answers 200 {\"status\": \"success\", \"data\": [lines]} instead "
          "of the array of lines.", {"v1_answer": lambda lines, **_: {"status": "success", "data": lines}},
          requirement="RM-IMPORT-V1"),
    Fault("rm-v2-wrong-id", "roomonitor", "When every booking of a v2 import is a valid roomId-variant booking, each "
          "[SUCCESS] line names the roomId instead of the booking id.", {"verdicts": _rm_v2_wrong_id},
          requirement="RM-IMPORT-V2"),
    Fault("rm-v2-line-wording", "roomonitor", "Each saved v2 booking's line reads '[SUCCESS][Booking: <id>] saved' "
          "instead of the documented '[SUCCESS][Booking ID: <id>] …' (still [SUCCESS], still naming the id).",
          {"verdicts": _rm_v2_line_wording}, requirement="RM-IMPORT-V2"),
    Fault("rm-custom-update-fails", "roomonitor", "A customRoomId update (updatedBooking: true) always answers "
          "'[ERROR][Booking ID: x] no booking x to update', even after its insert.",
          {"custom_update_ok": _always(False)},
          requirement="RM-IMPORT-V2-CUSTOM"),
    Fault("rm-all-or-nothing", "roomonitor",
          "When one booking of an import is invalid, every line is [ERROR] and nothing "
          "is saved.", {"verdicts": _rm_all_or_nothing}, requirement="RM-IMPORT-PARTIAL"),
    Fault("rm-no-validation", "roomonitor",
          "Every booking is saved and reported [SUCCESS], whatever it holds (any room, "
          "reversed dates, missing fields); only a booking that is not an object is refused.",
          {"booking_problems": lambda problems, **_: [p for p in problems if p.startswith("RMP-ARRAY")]},
          requirement="RM-IMPORT-PARTIAL"),
    Fault("rm-v1-all-or-nothing", "roomonitor", "A v1 import holding any invalid booking fails every booking of it "
          "(a v1 import of valid bookings alone is saved); v2 is partial as it should be.",
          {"verdicts": lambda verdicts, *, version, **kw: _rm_all_or_nothing(verdicts, **kw) if version == "v1"
           else verdicts}, requirement="RM-IMPORT-PARTIAL"),
    *(Fault(f"rm-unenforced-{rule[4:].lower()}", "roomonitor", f"{rule} is not enforced: {saved} are saved and "
            "reported [SUCCESS]; every other rule still is.", {"booking_problems": _rm_unenforced(rule)},
            requirement="RM-IMPORT-PARTIAL") for rule, saved in RM_RULES_UNENFORCED.items()),
    Fault("rm-ascii-only", "roomonitor", "A booking holding text outside ASCII (a guest named Zoë) is reported failed "
          "and not saved, though any Unicode is a valid name.", {"booking_problems": _rm_ascii_only},
          requirement="RM-IMPORT-V2"),
    Fault("rm-v1-no-validation", "roomonitor",
          "Every v1 booking is saved and reported [SUCCESS], whatever it holds (any room, checkout before "
          "checkin); v2 bookings are still validated.",
          {"booking_problems": lambda problems, *, version, **_: (
              [p for p in problems if p.startswith("RMP-ARRAY")] if version == "v1" else problems)},
          requirement="RM-IMPORT-PARTIAL"),
)

VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("create-200-empty", "roomz", "A successful POST answers 200 with an empty body (no Content-Type); the "
            "meeting is found again through GET meetings.", {"create_response": _always(Response(200))}),
    Variant("put-no-body", "roomz", "A successful PUT answers 200 with an empty body and no Content-Type.",
            {"update_response": _always(Response(200))}),
    Variant("extra-fields", "roomz", "Rooms and meetings carry extra non-null fields (\"capacity\": 12, \"location\": "
            "{\"floor\": 2, ...}), which clients must ignore.",
            {"room": _extra_room_fields, "meeting": _extra_meeting_fields}),
    Variant("no-image-url", "roomz", "Meetings never carry imageUrl (it is optional).", {"meeting": _drop("imageUrl")}),
    Variant("plain-4xx", "roomz", "4xx answers have a text/plain body (the contract only says 2xx content is JSON).",
            {"error": _plain_4xx}),
    Variant("service-organizer", "roomz", "POST accepts any organizerId: meetings of unknown organizers are booked "
            "under one service account (organizerName 'ROOMZ Display'). Only the SHOULD "
            "RZ-CREATE-UNKNOWN-ORGANIZER is affected.",
            {"unknown_organizer": lambda name, **_: name or "ROOMZ Display"}),
    Variant("creation-equals-start", "roomz",
            "The system keeps no creation date, so creationDateUTC equals startDateUTC, "
            "as the contract prescribes for that case.", {"meeting": _creation_is_start}),
    Variant("rm-mismatch-400", "roomonitor",
            "An X-User-Id that differs from the path is refused with 400 {status, message} "
            "instead of 401 (the suite allows either).",
            {"mismatch": lambda refusal, app=None, **_: app.error(400, "X-User-Id does not match the user id in "
                                                                       "the path")}),
)}
VARIANT_API: dict[str, str] = {name: v.api for name, v in VARIANTS.items()}

# Combinations where one fault genuinely hides another's requirement, with the reason. A
# multi-fault run drawing every fault of a set need not see the hidden requirement fail.
MASKS: tuple[tuple[frozenset[str], str, str], ...] = (
    (frozenset({"reject-valid-put", "update-not-saved"}), "RZ-UPDATE-PERSIST",
     "every valid PUT is refused, so nothing is ever saved or not saved"),
    (frozenset({"meeting-fields-renamed", "window-ignored"}), "RZ-MEETINGS-WINDOW",
     "no meeting carries startDateUTC and endDateUTC, so no listing can show a window ignored"),
    (frozenset({"meeting-fields-renamed", "window-starts-only"}), "RZ-MEETINGS-WINDOW",
     "no meeting carries startDateUTC and endDateUTC, so no listing can show a meeting in progress dropped"),
    (frozenset({"meeting-fields-renamed", "end-before-start"}), "RZ-MEETINGS-ORDER",
     "no meeting carries startDateUTC and endDateUTC, so none can be judged out of order"),
)


def masked(names: Iterable[str]) -> dict[str, str]:
    """Requirements hidden by a combination of faults: requirement -> the reason."""
    chosen = set(names)
    return {rid: why for combo, rid, why in MASKS if combo <= chosen}


def _did_you_mean(name: str, known: list[str]) -> str:
    """'; did you mean 'rooms-wrapped'?' for a near miss, else nothing."""
    import difflib

    close = difflib.get_close_matches(name, known, n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def resolve_faults(api: str, names: Iterable[str | Fault]) -> tuple[Fault, ...]:
    """The faults named, in order, validated for ``api``; ValueError names the known ones otherwise."""
    chosen: list[Fault] = []
    for item in names:
        name = item.name if isinstance(item, Fault) else item
        fault = item if isinstance(item, Fault) and item.api == api else FAULTS.get(name)   # a test's own fault too
        if fault is None or fault.api != api:
            known = [n for n, f in FAULTS.items() if f.api == api]
            why = "unknown fault" if fault is None else f"fault for the {fault.api} API, not {api}"
            raise ValueError(f"{why}: {name!r}{_did_you_mean(name, known)} (conformance serve --list-faults lists "
                             f"the {len(known)} {api} faults)")
        if fault not in chosen:
            chosen.append(fault)
    return tuple(chosen)


def resolve_variants(api: str, names: Iterable[str]) -> tuple[Variant, ...]:
    """The variants named, validated for ``api``; ValueError names the known ones otherwise."""
    chosen: list[Variant] = []
    for name in names:
        variant = VARIANTS.get(name)
        if variant is None or variant.api != api:
            names = [n for n, v in VARIANTS.items() if v.api == api]
            why = "unknown variant" if variant is None else f"variant for the {variant.api} API, not {api}"
            raise ValueError(f"{why}: {name!r}{_did_you_mean(name, names)}; known {api} variants: "
                             f"{', '.join(names) or 'none'}")
        if variant not in chosen:
            chosen.append(variant)
    return tuple(chosen)


def check_api(api: str) -> str:
    """``api`` itself when it is one the reference server implements."""
    if api not in APIS:
        raise ValueError(f"unknown api {api!r}; known: {', '.join(APIS)}")
    return api
