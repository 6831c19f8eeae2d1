"""The ROOMZ Connector API v1.0, implemented correctly (CONTRACT.md section A), plus its faults.

One lock guards all state: every request runs its checks and its write under it, so the
conflict test (409) and the create are atomic, which is what the concurrency tests prove.
Faults are looked up by name at the exact place they change behaviour, so reading a handler
shows both the correct rule and the one way it can be broken.
"""
from __future__ import annotations

import base64
import binascii
import hmac
import json
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from . import data
from .dates import format_utc, now_utc, parse_utc
from .httpd import Request, Response

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
    extra: dict[str, Any] = field(default_factory=dict)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Half-open intervals: a meeting that starts when this one ends does not conflict."""
        return self.start < end and start < self.end


def json_response(status: int, payload: Any, content_type: str = "application/json") -> Response:
    return Response(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), content_type)


class RoomzApp:
    """The in-memory ROOMZ connector. ``handle`` is called from many threads at once."""

    def __init__(self, *, faults: frozenset[str] = frozenset(), variants: frozenset[str] = frozenset(),
                 username: str = data.DEFAULTS["username"], password: str = data.DEFAULTS["password"],
                 extra_rooms: int = 0, now: datetime | None = None) -> None:
        self.faults = faults
        self.variants = variants
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
        seeds = list(data.SEED_MEETINGS)
        if "end-before-start" in self.faults:
            seeds.append(data.REVERSED_MEETING)
        for s in seeds:
            meeting = Meeting(
                meeting_id=s.meeting_id, room_id=s.room_id, subject=s.subject,
                organizer_id=s.organizer_id, organizer_name=self.organizers[s.organizer_id],
                start=base + timedelta(hours=s.start_h), end=base + timedelta(hours=s.end_h),
                created=base + timedelta(hours=s.created_h), is_private=s.is_private,
                is_cancelled=s.is_cancelled, image_url=None if s.image_url is data.NO_IMAGE else s.image_url,
                has_image=s.image_url is not data.NO_IMAGE)
            if "null-location" in self.faults and s.meeting_id == "m1002":
                meeting.extra["location"] = None
            self.meetings[s.room_id].append(meeting)

    # --- responses ------------------------------------------------------------------------
    def error(self, status: int, message: str) -> Response:
        """``{"error": message}`` as JSON (text/plain under plain-4xx); 401 adds the challenge."""
        if "plain-4xx" in self.variants and 400 <= status < 500:
            response = Response(status, message.encode("utf-8"), "text/plain; charset=utf-8")
        else:
            response = json_response(status, {"error": message})
        if status == 401 and "no-challenge" not in self.faults:
            response.headers.append(("WWW-Authenticate", CHALLENGE))
        return response

    def _ok(self, status: int, payload: Any) -> Response:
        content_type = "text/plain; charset=utf-8" if "text-content-type" in self.faults else "application/json"
        return json_response(status, payload, content_type)

    def render_room(self, room_id: str, name: str, index: int) -> dict[str, Any]:
        rendered: dict[str, Any] = {"roomId": room_id, "name": name}
        if "room-id-number" in self.faults and room_id.isdigit():
            rendered["roomId"] = int(room_id)
        if "extra-fields" in self.variants:
            rendered["capacity"] = 6 + 2 * (index % 5)
            rendered["location"] = {"floor": index % 4, "building": "A"}
        return rendered

    def render_meeting(self, m: Meeting) -> dict[str, Any]:
        created = m.start if "creation-equals-start" in self.variants else m.created
        rendered: dict[str, Any] = {
            "meetingId": m.meeting_id,
            "subject": PRIVATE_SUBJECT if m.is_private else m.subject,
            "organizerId": m.organizer_id,
            "organizerName": m.organizer_name,
            "startDateUTC": format_utc(m.start),
            "endDateUTC": format_utc(m.end),
            "creationDateUTC": format_utc(created, offset="date-offset" in self.faults),
            "isPrivate": m.is_private,
            "isCancelled": m.is_cancelled,
        }
        if m.has_image and "no-image-url" not in self.variants:
            url = m.image_url
            if url is not None and "http-image" in self.faults and url.startswith("https://"):
                url = "http://" + url[len("https://"):]
            rendered["imageUrl"] = url
        if "missing-is-private" in self.faults:
            del rendered["isPrivate"]
        if "extra-fields" in self.variants:
            rendered["attendeeCount"] = 4
            rendered["location"] = {"floor": 2, "building": "A"}
        rendered.update(m.extra)
        return rendered

    # --- entry point ----------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """Authenticate first (so nothing, not even a 404, answers without credentials), then route."""
        refusal = self._authenticate(request)
        if refusal is not None:
            return refusal
        segments = request.segments or ()
        method = request.method
        if request.segments == ("rooms",):
            allowed, handler = ("GET",), self._list_rooms
        elif len(segments) == 3 and segments[0] == "rooms" and segments[1] and segments[2] == "meetings":
            allowed = ("GET", "POST")
            handler = self._list_meetings if method == "GET" else self._create_meeting
        elif len(segments) == 4 and segments[0] == "rooms" and segments[1] and segments[2] == "meetings" and segments[3]:
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
            if ("no-auth-rooms" in self.faults and request.method == "GET"
                    and request.segments == ("rooms",)):
                return None
            return self.error(401, "authentication required")
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token and "accept-bearer" in self.faults:
            return None
        if scheme.lower() != "basic" or not token:
            return self.error(401, "Basic credentials required")
        try:
            decoded = base64.b64decode(token, validate=True)
        except (binascii.Error, ValueError):
            return self.error(401, "invalid credentials")
        user, colon, password = decoded.partition(b":")
        if not colon or not hmac.compare_digest(user, self._username):
            return self.error(401, "invalid credentials")
        if "any-password" in self.faults:
            return None
        if not hmac.compare_digest(password, self._password):
            return self.error(401, "invalid credentials")
        return None

    # --- helpers --------------------------------------------------------------------------
    def _parse_date(self, value: object) -> datetime | None:
        instant = parse_utc(value)
        if instant is not None and instant.second != 0 and "reject-seconds" in self.faults:
            return None
        return instant

    def _json_object(self, request: Request) -> tuple[dict[str, Any] | None, Response | None]:
        """The body as a JSON object, or the refusal (400; 500 under crash-non-object-body)."""
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None, self.error(400, "request body must be a JSON object")
        if not isinstance(body, dict):
            if "crash-non-object-body" in self.faults:
                return None, json_response(500, {"error": "internal server error"})
            return None, self.error(400, f"request body must be a JSON object, got {type(body).__name__}")
        return body, None

    def _conflict(self, room_meetings: list[Meeting], start: datetime, end: datetime,
                  ignore: Meeting | None = None) -> Meeting | None:
        for other in room_meetings:
            if other is not ignore and not other.is_cancelled and other.overlaps(start, end):
                return other
        return None

    # --- GET /rooms -----------------------------------------------------------------------
    def _list_rooms(self, request: Request, segments: tuple[str, ...]) -> Response:
        rooms = [self.render_room(rid, name, i) for i, (rid, name) in enumerate(self.rooms.items())]
        if "duplicate-room" in self.faults and rooms:
            rooms.append(dict(rooms[0]))
        return self._ok(200, rooms)

    # --- GET /rooms/{roomId}/meetings -----------------------------------------------------
    def _list_meetings(self, request: Request, segments: tuple[str, ...]) -> Response:
        room_id = segments[1]
        if room_id not in self.rooms:
            if "unknown-room-empty" in self.faults:
                return self._ok(200, [])
            return self.error(404, f"unknown room {room_id!r}")
        params = parse_qs(request.query, keep_blank_values=True)
        bounds: list[datetime | None] = []
        for name in ("from", "to"):
            values = params.get(name)
            if not values:
                return self.error(400, f"query parameter {name!r} is required")
            if len(values) > 1:
                return self.error(400, f"query parameter {name!r} given more than once")
            instant = self._parse_date(values[0])
            if instant is None and "lenient-dates" not in self.faults:
                return self.error(400, f"{name!r} must be a UTC date-time YYYY-MM-DDThh:mm:ssZ, got {values[0]!r}")
            bounds.append(instant)
        start, end = bounds
        listed = []
        for m in sorted(self.meetings[room_id], key=lambda m: (m.start, m.meeting_id)):
            if "window-starts-only" in self.faults:
                inside = (start is None or m.start >= start) and (end is None or m.start < end)
            else:
                inside = ((end is None or m.start < end)
                          and (start is None or m.end > start or (m.start == m.end and m.start >= start)))
            if inside:
                listed.append(self.render_meeting(m))
        if "duplicate-meeting" in self.faults and listed:
            listed.append(dict(listed[0]))
        return self._ok(200, listed)

    # --- POST /rooms/{roomId}/meetings ----------------------------------------------------
    def _create_meeting(self, request: Request, segments: tuple[str, ...]) -> Response:
        room_id = segments[1]
        known_room = room_id in self.rooms
        if not known_room and "create-unknown-room" not in self.faults:
            return self.error(404, f"unknown room {room_id!r}")
        body, refusal = self._json_object(request)
        if refusal is not None:
            return refusal
        assert body is not None
        subject, organizer_id = body.get("subject"), body.get("organizerId")
        if not isinstance(subject, str):
            return self.error(400, "subject must be a string")
        if not isinstance(organizer_id, str) or not organizer_id:
            return self.error(400, "organizerId must be a non-empty string")
        bad_date = 422 if "bad-date-422" in self.faults else 400
        start, end = self._parse_date(body.get("startDateUTC")), self._parse_date(body.get("endDateUTC"))
        if start is None or end is None:
            return self.error(bad_date, "startDateUTC and endDateUTC must be UTC date-times YYYY-MM-DDThh:mm:ssZ")
        if end < start:
            if "create-accepts-reversed" not in self.faults:
                return self.error(400, "endDateUTC is before startDateUTC")
            start, end = end, start
        organizer_name = self.organizers.get(organizer_id)
        if organizer_name is None:
            if "service-organizer" in self.variants:
                organizer_name = data.SERVICE_ORGANIZER_NAME
            elif "any-organizer" in self.faults:
                organizer_name = organizer_id
            else:
                return self.error(404, f"unknown organizer {organizer_id!r}")
        room_meetings = self.meetings[room_id] if known_room else self.hidden
        if "no-create-conflict" not in self.faults:
            other = self._conflict(room_meetings, start, end)
            if other is not None:
                return self.error(409, f"conflicts with meeting {other.meeting_id!r}")
        meeting = Meeting(
            meeting_id=f"m{self._next_id}", room_id=room_id,
            subject="Booked" if "create-drops-subject" in self.faults else subject,
            organizer_id=organizer_id, organizer_name=organizer_name,
            start=start, end=end, created=now_utc())
        self._next_id += 1
        room_meetings.append(meeting)
        if "create-200-empty" in self.variants:
            return Response(200)
        return self._ok(202 if "create-202" in self.faults else 201, self.render_meeting(meeting))

    # --- PUT /rooms/{roomId}/meetings/{meetingId} -----------------------------------------
    def _update_meeting(self, request: Request, segments: tuple[str, ...]) -> Response:
        room_id, meeting_id = segments[1], segments[3]
        meeting = next((m for m in self.meetings.get(room_id, ()) if m.meeting_id == meeting_id), None)
        if meeting is None:
            if "update-unknown-200" in self.faults:
                return Response(200)
            if room_id not in self.rooms:
                return self.error(404, f"unknown room {room_id!r}")
            return self.error(404, f"unknown meeting {meeting_id!r} in room {room_id!r}")
        body, refusal = self._json_object(request)
        if refusal is not None:
            return refusal
        assert body is not None
        start, end = meeting.start, meeting.end
        for name in ("startDateUTC", "endDateUTC"):
            if name in body:
                instant = self._parse_date(body[name])
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
            if "update-accepts-reversed" not in self.faults:
                return self.error(400, "endDateUTC is before startDateUTC")
            start, end = end, start
        if not cancelled and "no-update-conflict" not in self.faults:
            other = self._conflict(self.meetings[room_id], start, end, ignore=meeting)
            if other is not None:
                return self.error(409, f"conflicts with meeting {other.meeting_id!r}")
        if "update-rejects-full-body" in self.faults and set(body) - {"startDateUTC", "endDateUTC"}:
            return self.error(400, "only startDateUTC and endDateUTC may be sent")
        if "reject-valid-put" in self.faults:
            return self.error(403, "not allowed to update meetings")
        updated = replace(meeting, start=start, end=end, subject=subject, is_cancelled=cancelled)
        if "update-not-saved" not in self.faults:
            meeting.start, meeting.end, meeting.subject, meeting.is_cancelled = start, end, subject, cancelled
        if "put-no-body" in self.variants:
            return Response(200)
        return self._ok(200, self.render_meeting(updated))
