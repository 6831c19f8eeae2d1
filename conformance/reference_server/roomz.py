"""The ROOMZ Connector API v1.0, implemented correctly (CONTRACT.md section A).

One lock guards all state: every request runs its checks and its write under it, so the
conflict test (409) and the create are atomic, which is what the concurrency tests prove.
Each decision a fault or variant may change passes through a seam (``self.fx``, see seams.py);
with none switched on, a seam gives its value back, so the handlers read as a correct server.
"""
from __future__ import annotations

import base64
import binascii
import hmac
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from . import data
from .dates import format_utc, now_utc, parse_utc
from .faults import Switch
from .httpd import Request, Response
from .seams import Seams

CHALLENGE = 'Basic realm="ROOMZ"'
PRIVATE_SUBJECT = "Private meeting"


@dataclass
class Meeting:
    """A stored meeting. ``has_image`` tells an absent imageUrl from an explicit null."""
    meeting_id: str
    room_id: str
    subject: str
    organizer_id: str
    organizer_name: str
    start: datetime
    end: datetime
    created: datetime
    is_private: bool = False
    is_cancelled: bool = False
    image_url: str | None = None
    has_image: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Half-open intervals: a meeting that starts when this one ends does not conflict."""
        return self.start < end and start < self.end


def json_response(status: int, payload: object, content_type: str = "application/json") -> Response:
    return Response(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), content_type)


class RoomzApp:
    """The in-memory ROOMZ connector. ``handle`` is called from many threads at once."""

    def __init__(self, *, switches: tuple[Switch, ...] = (), username: str = data.DEFAULTS["username"],
                 password: str = data.DEFAULTS["password"], extra_rooms: int = 0, now: datetime | None = None) -> None:
        self.fx = Seams("roomz", (s.hooks for s in switches), self)
        self._username = username.encode("utf-8")
        self._password = password.encode("utf-8")
        self._lock = threading.Lock()
        self._next_id = 9001
        self.organizers = dict(data.ORGANIZERS)
        self.rooms: dict[str, str] = dict(data.ROOMZ_ROOMS)
        self.rooms.update(data.extra_room_ids(extra_rooms or 0, "x"))
        self.meetings: dict[str, list[Meeting]] = {room_id: [] for room_id in self.rooms}
        self.hidden: list[Meeting] = []  # create-unknown-room: meetings of rooms that do not exist
        self._seed(now or now_utc())

    # --- seed -----------------------------------------------------------------------------
    def _seed(self, now: datetime) -> None:
        base = now.replace(minute=0, second=0)
        for s in self.fx.seeds(list(data.SEED_MEETINGS)):
            meeting = Meeting(
                meeting_id=s.meeting_id, room_id=s.room_id, subject=s.subject,
                organizer_id=s.organizer_id, organizer_name=self.organizers[s.organizer_id],
                start=base + timedelta(hours=s.start_h), end=base + timedelta(hours=s.end_h),
                created=base + timedelta(hours=s.created_h), is_private=s.is_private,
                is_cancelled=s.is_cancelled, image_url=None if s.image_url is data.NO_IMAGE else s.image_url,
                has_image=s.image_url is not data.NO_IMAGE)
            self.meetings[s.room_id].append(self.fx.seeded(meeting))

    # --- responses ------------------------------------------------------------------------
    def error(self, status: int, message: str) -> Response:
        """``{"error": message}`` as JSON; 401 adds the challenge."""
        response = json_response(status, {"error": message})
        challenge = self.fx.challenge(CHALLENGE) if status == 401 else None
        if challenge:
            response.headers.append(("WWW-Authenticate", challenge))
        return self.fx.error(response, status=status, message=message)

    def ok(self, status: int, payload: object) -> Response:
        return json_response(status, payload, self.fx.ok_content_type("application/json"))

    def render_room(self, room_id: str, name: str, index: int) -> dict[str, object]:
        return self.fx.room({"roomId": room_id, "name": name}, index=index)

    def render_meeting(self, m: Meeting) -> dict[str, object]:
        rendered: dict[str, object] = {
            "meetingId": m.meeting_id,
            "subject": PRIVATE_SUBJECT if m.is_private else m.subject,
            "organizerId": m.organizer_id,
            "organizerName": m.organizer_name,
            "startDateUTC": format_utc(m.start),
            "endDateUTC": format_utc(m.end),
            "creationDateUTC": format_utc(m.created),
            "isPrivate": m.is_private,
            "isCancelled": m.is_cancelled,
        }
        if m.has_image:
            rendered["imageUrl"] = m.image_url
        rendered.update(m.extra)
        return self.fx.meeting(rendered, m=m)

    # --- entry point ----------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """Authenticate first (so nothing, not even a 404, answers without credentials), then route."""
        refusal = self._authenticate(request)
        if refusal is not None:
            return refusal
        segments = request.segments or ()
        method = request.method
        allowed: tuple[str, ...]
        handler: Callable[[Request, tuple[str, ...]], Response]
        if request.segments == ("rooms",):
            allowed, handler = ("GET",), self._list_rooms
        elif len(segments) == 3 and segments[0] == "rooms" and segments[1] and segments[2] == "meetings":
            allowed = ("GET", "POST")
            handler = self._list_meetings if method == "GET" else self._create_meeting
        elif (
            len(segments) == 4 and segments[0] == "rooms" and segments[1] and segments[2] == "meetings" and segments[3]
        ):
            allowed, handler = ("PUT",), self._update_meeting
        else:
            return self.error(404, "no such resource")
        if method not in allowed:
            response = self.error(405, f"method {method} not allowed here; allowed: {', '.join(allowed)}")
            response.headers.append(("Allow", ", ".join(allowed)))
            return response
        with self._lock:
            return handler(request, segments)

    # --- authentication -------------------------------------------------------------------
    def _authenticate(self, request: Request) -> Response | None:
        """None when the Basic credentials are valid, else the 401 answer."""
        header = request.headers.get("Authorization")
        if header is None:
            if self.fx.unauthenticated(False, request=request):
                return None
            return self.error(401, "authentication required")
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and self.fx.bearer(False, token=token):
            return None
        decoded = None
        if self.fx.basic_scheme(scheme.lower() == "basic", scheme=scheme) and token:
            try:
                decoded = base64.b64decode(token, validate=True)
            except (binascii.Error, ValueError):
                decoded = None
        if decoded is None or b":" not in decoded:
            refusal: Response | None = self.error(401, "Basic credentials required")
            return self.fx.malformed(refusal)
        user, _, password = decoded.partition(b":")
        if not self.fx.any_user(hmac.compare_digest(user, self._username), user=user):
            return self.error(401, "invalid credentials")
        if not self.fx.password_ok(hmac.compare_digest(password, self._password)):
            return self.error(401, "invalid credentials")
        return None

    # --- helpers --------------------------------------------------------------------------
    def _parse_date(self, value: object, where: str) -> datetime | None:
        """``where``: "window" (GET from/to), "create" (POST) or "update" (PUT), for the faults."""
        return self.fx.date(parse_utc(value), value=value, where=where)

    def _json_object(self, request: Request) -> tuple[dict[str, object] | None, Response | None]:
        """The body as a JSON object, or the refusal (400; 500 under crash-non-object-body)."""
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None, self.error(400, "request body must be a JSON object")
        if not isinstance(body, dict):
            return None, self.fx.non_object_body(self.error(400, f"request body must be a JSON object, got "
                                                                 f"{type(body).__name__}"))
        return body, None

    def _conflict(self, room_meetings: list[Meeting], start: datetime, end: datetime,
                  ignore: Meeting | None = None) -> Meeting | None:
        for other in room_meetings:
            if other is not ignore and not other.is_cancelled and other.overlaps(start, end):
                return other
        return None

    # --- GET /rooms -----------------------------------------------------------------------
    def _list_rooms(self, request: Request, segments: tuple[str, ...]) -> Response:
        rooms = self.fx.rooms([self.render_room(rid, name, i) for i, (rid, name) in enumerate(self.rooms.items())])
        body: object = self.fx.rooms_body(rooms)
        if isinstance(body, str):   # a page instead of JSON (a fault)
            return Response(200, body.encode("utf-8"), "text/html; charset=utf-8")
        return self.ok(200, body)

    # --- GET /rooms/{roomId}/meetings -----------------------------------------------------
    def _list_meetings(self, request: Request, segments: tuple[str, ...]) -> Response:
        room_id = segments[1]
        if room_id not in self.rooms:
            return self.fx.unknown_room_listing(self.error(404, f"unknown room {room_id!r}"))
        params = parse_qs(request.query, keep_blank_values=True)
        bounds: list[datetime | None] = []
        for name in ("from", "to"):
            values = params.get(name)
            if not values:
                return self.error(400, f"query parameter {name!r} is required")
            if len(values) > 1:
                return self.error(400, f"query parameter {name!r} given more than once")
            instant = self._parse_date(values[0], "window")
            if instant is None:
                refusal: Response | None = self.fx.bad_window_date(
                    self.error(400, f"{name!r} must be a UTC date-time YYYY-MM-DDThh:mm:ssZ, got {values[0]!r}"),
                    value=values[0],
                )
                if refusal is not None:
                    return refusal
            bounds.append(instant)   # None: that side of the window is open (only a fault gets here)
        start, end = bounds
        listed: list[dict[str, object]] = []
        for m in sorted(self.meetings[room_id], key=lambda m: (m.start, m.meeting_id)):
            inside = ((end is None or m.start < end)
                      and (start is None or m.end > start or (m.start == m.end and m.start >= start)))
            if self.fx.window(inside, m=m, start=start, end=end):
                listed.append(self.render_meeting(m))
        return self.ok(200, self.fx.meetings_body(self.fx.meetings(listed)))

    # --- POST /rooms/{roomId}/meetings ----------------------------------------------------
    def _create_meeting(self, request: Request, segments: tuple[str, ...]) -> Response:
        room_id = segments[1]
        known_room = room_id in self.rooms
        if not known_room:
            gone: Response | None = self.error(404, f"unknown room {room_id!r}")
            refused = self.fx.unknown_room_create(gone, room_id=room_id)
            if refused is not None:
                return refused
            known_room = room_id in self.rooms
        body, refusal = self._json_object(request)
        if refusal is not None:
            return refusal
        assert body is not None
        no_refusal: Response | None = None
        refused = self.fx.create_fields(no_refusal, body=body)
        if refused is not None:
            return refused
        subject, organizer_id = body.get("subject"), body.get("organizerId")
        if not isinstance(subject, str):
            return self.error(400, "subject must be a string")
        if not isinstance(organizer_id, str) or not organizer_id:
            return self.error(400, "organizerId must be a non-empty string")
        start, end = self._parse_date(body.get("startDateUTC"), "create"), self._parse_date(body.get("endDateUTC"),
                                                                                            "create")
        if start is None or end is None:
            return self.error(self.fx.bad_date_status(400), "startDateUTC and endDateUTC must be UTC date-times "
                                                            "YYYY-MM-DDThh:mm:ssZ")
        if end < start:
            reversed_dates: Response | None = self.error(400, "endDateUTC is before startDateUTC")
            refused = self.fx.reversed_create(reversed_dates)
            if refused is not None:
                return refused
            start, end = end, start
        organizer_name = self.fx.unknown_organizer(self.organizers.get(organizer_id), organizer_id=organizer_id)
        if organizer_name is None:
            return self.error(404, f"unknown organizer {organizer_id!r}")
        room_meetings = self.meetings[room_id] if known_room else self.hidden
        other = self.fx.create_conflict(self._conflict(room_meetings, start, end), start=start, meetings=room_meetings)
        if other is not None:
            return self.error(409, f"conflicts with meeting {other.meeting_id!r}")
        meeting = Meeting(
            meeting_id=f"m{self._next_id}", room_id=room_id, subject=self.fx.stored_subject(subject),
            organizer_id=organizer_id, organizer_name=organizer_name,
            start=start, end=end, created=now_utc())
        self._next_id += 1
        meeting = self.fx.stored(meeting, body=body)
        room_meetings.append(meeting)
        response = self.ok(self.fx.create_status(201), self.render_meeting(meeting))
        return self.fx.create_response(response)

    # --- PUT /rooms/{roomId}/meetings/{meetingId} -----------------------------------------
    def _update_meeting(self, request: Request, segments: tuple[str, ...]) -> Response:
        room_id, meeting_id = segments[1], segments[3]
        meeting = next((m for m in self.meetings.get(room_id, ()) if m.meeting_id == meeting_id), None)
        if meeting is None:
            known = room_id in self.rooms
            unknown = self.error(404, f"unknown meeting {meeting_id!r} in room {room_id!r}" if known
                                 else f"unknown room {room_id!r}")
            return self.fx.unknown_update(unknown, room_known=known)
        body, refusal = self._json_object(request)
        if refusal is not None:
            return refusal
        assert body is not None
        start, end = meeting.start, meeting.end
        for name in ("startDateUTC", "endDateUTC"):
            if name in body:
                instant = self._parse_date(body[name], "update")
                if instant is None:
                    return self.error(400, f"{name} must be a UTC date-time YYYY-MM-DDThh:mm:ssZ")
                start, end = (instant, end) if name == "startDateUTC" else (start, instant)
        subject = body.get("subject", meeting.subject)
        if not isinstance(subject, str):
            return self.error(400, "subject must be a string")
        if meeting.is_private:
            subject = meeting.subject  # the masked subject sent back must not overwrite the real one
        cancelled = body.get("isCancelled", meeting.is_cancelled)
        if not isinstance(cancelled, bool):
            return self.error(400, "isCancelled must be a boolean")
        if end < start:
            reversed_dates: Response | None = self.error(400, "endDateUTC is before startDateUTC")
            refused = self.fx.reversed_update(reversed_dates)
            if refused is not None:
                return refused
            start, end = end, start
        if not cancelled:
            other = self.fx.update_conflict(self._conflict(self.meetings[room_id], start, end, ignore=meeting))
            if other is not None:
                return self.error(409, f"conflicts with meeting {other.meeting_id!r}")
        no_refusal: Response | None = None
        refused = self.fx.update_fields(no_refusal, body=body) or self.fx.valid_put(no_refusal)
        if refused is not None:
            return refused
        updated = replace(meeting, start=start, end=end, subject=subject, is_cancelled=cancelled)
        if self.fx.update_saved(True):
            meeting.start, meeting.end, meeting.subject, meeting.is_cancelled = start, end, subject, cancelled
        return self.fx.update_response(self.ok(200, self.render_meeting(updated)))
