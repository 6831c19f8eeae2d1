"""The independent ROOMZ connector (see ``tests/independent/__init__.py``)."""
from __future__ import annotations

import base64
import itertools
import json
import random
import re
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from tests.independent.http import _BaseServer, _Reply

UTC = UTC
_EXACT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", re.ASCII)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


ROOMZ_DEFAULTS: dict[str, Any] = dict(
    prefix="",                     # path prefix of the base URL, e.g. "/api/roomz"
    id_style="plain",              # meeting ids: plain "m1001" | numeric "1001" | uuid | exotic "mtg 1001/ü"
    create_response="201-location",  # 201-location (no body) | 201-meeting | 200-meeting | 200-empty
    put_response="200-meeting",    # 200-meeting | 200-empty
    error_style="json",            # json | problem | html | text | empty | json-list-401
    content_type="application/json; charset=utf-8",
    creation="real",               # real | start (creationDateUTC = startDateUTC: "no creation date")
    extra_fields=False,            # non-null extra fields in rooms, meetings and error bodies
    image="null",                  # absent | null | https | mixed
    private_subject="Private",     # what a private meeting's subject is listed as
    private_created=False,         # meetings booked through the API are private (subject masked)
    rooms=3,                       # how many rooms
    exotic_ids=False,              # first room id "Salle 1/Ä b" (space, slash, non-ASCII), non-ASCII names
    challenge="single",            # single | multi-headers (two WWW-Authenticate) | multi-one-header
    put_mode="patch",              # patch | replace
    horizon_days=None,             # refuse bookings starting more than N days ahead (400)
    organizers="strict",           # strict: unknown organizer -> 404 | service: any organizer accepted
    lenient_input=False,           # also accept offsets/fractions on input
    round_minutes=False,           # store created/updated dates floored to whole minutes
    order="asc",                   # asc | desc | random listing order
    date_subjects=False,           # seed subjects that begin with a date and a time
    daily_block=False,             # target room: a cleaning block every day 06:00-06:30 UTC
    empty_target=False,            # target room: no meeting within +-30 days of now
    zero_window_400=False,         # refuse a window with from == to
    strict_request_ctype=False,    # POST/PUT without Content-Type application/json -> 415
    external_first=False,          # the first listed meeting is organized by an external guest (not a booking user)
    creation_on_update=False,      # creationDateUTC reports the last change (allowed by RZ-UPDATE-PERSIST)
    # a booked meeting shows up in listings only after this many seconds (sync-based connector)
    write_delay=0.0,
    faults=(),
)

# fault name -> what it breaks (requirement, and the idea)
ROOMZ_FAULTS: dict[str, str] = {
    "window-to-inclusive": "RZ-MEETINGS-WINDOW: a meeting starting exactly at `to` is listed",
    "window-end-inclusive": "RZ-MEETINGS-WINDOW: a meeting ending exactly at `from` is listed",
    "window-misses-enclosing": "RZ-MEETINGS-WINDOW: a meeting that starts before `from` and ends after `to` is not "
                               "listed",
    "window-starts-only": "RZ-MEETINGS-WINDOW: only meetings starting inside the window are listed",
    "listing-ignores-room": "RZ-MEETINGS: GET meetings of a room lists every room's meetings",
    "conflict-counts-cancelled": "RZ-CREATE-CONFLICT: a cancelled meeting blocks a booking",
    "conflict-grace-5min": "RZ-CREATE-CONFLICT/RZ-UPDATE-CONFLICT: overlaps shorter than 5 minutes are accepted",
    "conflict-endpoints-only": "RZ-CREATE-CONFLICT: a booking strictly inside an existing meeting is accepted",
    "post-touching-end-conflict": "RZ-CREATE-CONFLICT: a booking ending exactly when another starts answers 409",
    "put-adjacent-conflict": "RZ-UPDATE: a PUT making a meeting end exactly when the next starts answers 409",
    "creation-millis": "RZ-UTC: creationDateUTC carries milliseconds",
    "lowercase-z": "RZ-UTC: dates end with a lowercase z",
    "null-in-error": "RZ-NULL: JSON error bodies carry \"detail\": null",
    "null-in-409": "RZ-NULL: only the 409 body carries a null",
    "long-subject-500": "RZ-5XX: a subject over 200 characters crashes the server",
    "no-challenge-on-post": "RZ-AUTH-CHALLENGE: the 401s of POST carry no WWW-Authenticate",
    "challenge-no-realm": "RZ-AUTH-CHALLENGE: `WWW-Authenticate: Basic` without the realm RFC 7617 requires",
    "challenge-bearer-basic-realm": "RZ-AUTH-CHALLENGE: `WWW-Authenticate: Bearer realm=\"basic\"` "
                                    "(no Basic challenge)",
    "bearer-on-put": "RZ-AUTH-MALFORMED: any Bearer token is accepted on PUT",
    "empty-password-ok": "RZ-AUTH-WRONG: a known user with an empty password is let in (LDAP unauthenticated bind)",
    "password-case-insensitive": "RZ-AUTH-WRONG: passwords are compared case-insensitively",
    "unknown-room-get-400": "RZ-MEETINGS-UNKNOWN-ROOM: GET meetings of an unknown room answers 400",
    "update-changes-id": "RZ-UPDATE-PERSIST: a PUT re-creates the meeting under a new meetingId",
    "update-changes-subject": "RZ-UPDATE-PERSIST: a PUT appends ' (released)' to the subject",
    "put-ignores-room": "RZ-UPDATE-UNKNOWN: a PUT finds the meeting by id in whichever room the path names",
    "create-missing-end-default": "RZ-CREATE-INVALID: a POST without endDateUTC books one hour",
    "unknown-organizer-404-but-creates": "RZ-CREATE-UNKNOWN-ORGANIZER: answers 404 but books the meeting anyway",
    "unknown-room-404-but-books-first": "RZ-CREATE-UNKNOWN-ROOM: answers 404 but books the meeting into the first room",
    "post-body-text-plain": "RZ-JSON: POST answers 201 with a text/plain body",
    "put-204": "RZ-STATUS-LISTED: PUT answers 204",
    "window-max-31-days": "RZ-UTC-ACCEPT: windows longer than 31 days are refused with 400",
    "y2038": "RZ-UTC-ACCEPT: dates after 2038-01-19 are refused with 400",
    "baddate-rollover": "RZ-MEETINGS-BADDATE: day 32+, hour 25+, minute 60+ roll over instead of 400 "
                        "(month is checked)",
    "from-equal-start-excluded": "RZ-MEETINGS-WINDOW: a meeting starting exactly at `from` is not listed",
    "put-upsert": "RZ-UPDATE-UNKNOWN: a PUT to an unknown meetingId creates it (200)",
    "duplicate-across-midnight": "RZ-MEETINGS-UNIQUE: a meeting crossing midnight is listed once per day it touches",
    "post-nested-image-null": "RZ-NULL: the POST answer's meeting carries an extra object {\"imageUrl\": null}",
    "room-image-null": "RZ-NULL: rooms carry \"imageUrl\": null (only a Meeting's imageUrl may be null)",
}

ORGANIZERS = {"u567": "John Doe", "u12": "Jane Roe", "u99": "Ana Müller"}
MASKED_CANCELLED_ORGANIZER = "u12"


def _parse_strict(value: Any) -> datetime | None:
    if not isinstance(value, str) or not _EXACT.match(value):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


class RoomzServer(_BaseServer):
    username = "vendor-admin"
    password = "S3cret-Pässword"

    def __init__(self, *, latency: float = 0.0, connection_close: bool = False, chunked: bool = False,
                 gzip: bool = False, **options: Any) -> None:
        super().__init__(latency=latency, connection_close=connection_close, chunked=chunked, gzip=gzip)
        unknown = set(options) - set(ROOMZ_DEFAULTS)
        if unknown:
            raise TypeError(f"unknown RoomzServer options {sorted(unknown)}")
        self.o = {**ROOMZ_DEFAULTS, **options}
        self.faults = set(self.o["faults"])
        bad = self.faults - set(ROOMZ_FAULTS)
        if bad:
            raise TypeError(f"unknown faults {sorted(bad)}")
        self._ids = itertools.count(1001)
        self.rooms: list[dict[str, str]] = []
        self.meetings: dict[str, dict[str, Any]] = {}
        self._seed()

    @property
    def url(self) -> str:
        return self.origin + self.o["prefix"]

    # -- data ------------------------------------------------------------------------------------
    def _new_id(self) -> str:
        n = next(self._ids)
        style = self.o["id_style"]
        if style == "numeric":
            return str(n)
        if style == "uuid":
            return str(uuid.uuid4())
        if style == "exotic":
            return f"mtg {n}/ü#?"
        return f"m{n}"

    def _seed(self) -> None:
        if self.o["exotic_ids"]:
            self.rooms = [{"roomId": "Salle 1/Ä b", "name": "Salle Ämmital – 1. OG"},
                          {"roomId": "57", "name": "Weisshorn 会议室"}]
        else:
            self.rooms = [{"roomId": "r212", "name": "Weisshorn"}, {"roomId": "57", "name": "Moleson"}]
        while len(self.rooms) < self.o["rooms"]:
            i = len(self.rooms)
            self.rooms.append({"roomId": f"room-{i:04d}", "name": f"Room {i}"})
        now = _now().replace(second=0)
        target, other = self.rooms[0]["roomId"], self.rooms[1]["roomId"]
        base = now + (timedelta(days=40) if self.o["empty_target"] else timedelta(0))

        def subj(text: str, when: datetime) -> str:
            return f"{when:%Y-%m-%d %H:%M} {text}" if self.o["date_subjects"] else text

        self._add(target, subj("Weekly sync", base), "ext:guest@partner.example" if self.o["external_first"]
                  else "u567", base - timedelta(minutes=30), base + timedelta(minutes=30),
                  created=now - timedelta(days=3))
        self._add(target, "Salary talk", "u99", base + timedelta(hours=2), base + timedelta(hours=3), private=True)
        self._add(target, subj("Cancelled review", base), "u12", base + timedelta(days=1), base
                  + timedelta(days=1, hours=1),
                  cancelled=True)
        night = (base + timedelta(days=2)).replace(hour=23, minute=0)
        self._add(target, "Night deployment", "u567", night, night + timedelta(hours=2))
        self._add(target, "Room photo shoot", "u12", base + timedelta(days=3), base
                  + timedelta(days=3, hours=1), image=True)
        self._add(other, "Other room meeting", "u12", now - timedelta(minutes=15), now + timedelta(hours=1))
        self._add(other, "Other room later", "u567", now + timedelta(days=1), now + timedelta(days=1, hours=2))
        if self.o["daily_block"]:
            first = now.replace(hour=6, minute=0) - timedelta(days=30)
            for d in range(900):
                s = first + timedelta(days=d)
                self._add(target, "Cleaning", "u12", s, s + timedelta(minutes=30))

    def _add(self, room: str, subject: str, org: str, start: datetime, end: datetime, *, private: bool = False,
             cancelled: bool = False, created: datetime | None = None, image: bool = False) -> dict:
        mid = self._new_id()
        m = {"meetingId": mid, "room": room, "subject": subject, "organizerId": org,
             "organizerName": ORGANIZERS.get(org, "External guest" if org.startswith("ext:") else "Display booking"),
             "start": start, "end": end,
             "created": created or start - timedelta(days=1), "private": private, "cancelled": cancelled,
             "image": image}
        self.meetings[mid] = m
        return m

    def _fmt(self, dt: datetime) -> str:
        z = "z" if "lowercase-z" in self.faults else "Z"
        return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + z

    def _view(self, m: dict) -> dict[str, Any]:
        creation = m["start"] if self.o["creation"] == "start" else m["created"]
        creation_s = self._fmt(creation)
        if "creation-millis" in self.faults:
            creation_s = creation_s[:-1] + ".000Z"
        out: dict[str, Any] = {
            "meetingId": m["meetingId"],
            "subject": self.o["private_subject"] if m["private"] else m["subject"],
            "organizerId": m["organizerId"],
            "organizerName": m["organizerName"],
            "startDateUTC": self._fmt(m["start"]),
            "endDateUTC": self._fmt(m["end"]),
            "creationDateUTC": creation_s,
            "isPrivate": m["private"],
            "isCancelled": m["cancelled"],
        }
        img = self.o["image"]
        if img == "null":
            out["imageUrl"] = None
        elif img == "https" or (img == "mixed" and m["image"]):
            out["imageUrl"] = f"https://images.example.com/meetings/{quote(m['meetingId'], safe='')}.png"
        elif img == "mixed" and not m["image"]:
            if hash(m["meetingId"]) % 2:
                out["imageUrl"] = None
        if self.o["extra_fields"]:
            out["location"] = {"building": "B1", "floor": 2, "accessible": True}
            out["attendeeCount"] = 4
            out["categories"] = ["display", "internal"]
            out["lastModifiedUTC"] = self._fmt(m["created"])
            out["source"] = "independent-test-server"
        return out

    # -- dates -----------------------------------------------------------------------------------
    def parse(self, value: Any) -> datetime | None:
        dt = _parse_strict(value)
        if dt is None and isinstance(value, str) and "baddate-rollover" in self.faults:
            m = re.match(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$", value)
            if m:
                y, mo, d, h, mi, s = map(int, m.groups())
                if 1 <= mo <= 12 and d >= 1:
                    dt = datetime(y, mo, 1, tzinfo=UTC) + timedelta(days=d - 1, hours=h, minutes=mi, seconds=s)
        if dt is None and isinstance(value, str) and self.o["lenient_input"]:
            try:
                cand = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                cand = None
            if cand is not None and cand.tzinfo is not None:
                dt = cand.astimezone(UTC)
        if dt is not None and "y2038" in self.faults and dt >= datetime(2038, 1, 19, 3, 14, 7, tzinfo=UTC):
            return None
        return dt

    def _round(self, dt: datetime) -> datetime:
        return dt.replace(second=0) if self.o["round_minutes"] else dt

    # -- replies ---------------------------------------------------------------------------------
    def _json(self, status: int, data: Any, headers: list[tuple[str, str]] | None = None) -> _Reply:
        return _Reply(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), self.o["content_type"], headers)

    def _error(self, status: int, code: str, message: str, headers: list[tuple[str, str]] | None = None) -> _Reply:
        style = self.o["error_style"]
        extra = {"requestId": secrets.token_hex(6), "timestampUTC": self._fmt(_now())} if self.o["extra_fields"] else {}
        if "null-in-error" in self.faults or ("null-in-409" in self.faults and status == 409):
            extra["detail"] = None
        if style == "json-list-401" and status == 401:
            return _Reply(status, json.dumps([{"code": code, "message": message}]).encode(),
                          "application/json", headers)
        if style in ("json", "json-list-401"):
            return _Reply(status, json.dumps({"error": code, "message": message, **extra}, ensure_ascii=False).encode(),
                          "application/json", headers)
        if style == "problem":
            body = {"type": "about:blank", "title": code, "status": status, "detail": message, **extra}
            return _Reply(status, json.dumps(body, ensure_ascii=False).encode(), "application/problem+json", headers)
        if style == "html":
            html = (f"<!DOCTYPE html><html><head><title>{status}</title></head><body><h1>{status} "
                    f"{code}</h1><p>{message}</p></body></html>")
            return _Reply(status, html.encode(), "text/html; charset=utf-8", headers)
        if style == "text":
            return _Reply(status, f"{status} {code}: {message}\n".encode(), "text/plain; charset=utf-8", headers)
        return _Reply(status, None, None, headers)  # empty

    def _challenge(self, method: str) -> list[tuple[str, str]]:
        if "no-challenge-on-post" in self.faults and method == "POST":
            return []
        if "challenge-no-realm" in self.faults:
            return [("WWW-Authenticate", "Basic")]
        if "challenge-bearer-basic-realm" in self.faults:
            return [("WWW-Authenticate", 'Bearer realm="basic"')]
        style = self.o["challenge"]
        if style == "multi-headers":
            return [("WWW-Authenticate", 'Bearer realm="vendor", error="invalid_token"'),
                    ("WWW-Authenticate", 'Basic realm="ROOMZ connector", charset="UTF-8"')]
        if style == "multi-one-header":
            return [("WWW-Authenticate", 'Negotiate, Basic realm="ROOMZ connector"')]
        return [("WWW-Authenticate", 'Basic realm="ROOMZ connector"')]

    # -- auth ------------------------------------------------------------------------------------
    def _authorized(self, method: str, headers: Any) -> bool:
        value = headers.get("Authorization")
        if not value:
            return False
        scheme, _, cred = value.strip().partition(" ")
        if scheme.lower() == "bearer" and "bearer-on-put" in self.faults and method == "PUT" and cred.strip():
            return True
        if scheme.lower() != "basic":
            return False
        try:
            raw = base64.b64decode(cred.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return False
        if ":" not in raw:
            return False
        user, pw = raw.split(":", 1)
        if user != self.username:
            return False
        if "empty-password-ok" in self.faults and pw == "":
            return True
        if "password-case-insensitive" in self.faults:
            return pw.lower() == self.password.lower()
        return secrets.compare_digest(pw.encode(), self.password.encode())

    # -- routing ---------------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, headers: Any, body: bytes) -> _Reply:
        parts = urlsplit(raw_path)
        path = parts.path
        prefix = self.o["prefix"]
        if prefix:
            if not path.startswith(prefix + "/"):
                return self._error(404, "Not Found", "no such resource")
            path = path[len(prefix):]
        segs = [unquote(s) for s in path.split("/")[1:]]
        if not self._authorized(method, headers):
            return self._error(401, "Unauthorized", "authentication required", self._challenge(method))
        if self.o["strict_request_ctype"] and method in ("POST", "PUT"):
            ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype != "application/json":
                return self._error(415, "Unsupported Media Type", "send application/json")
        with self.lock:
            if segs == ["rooms"] and method == "GET":
                return self._list_rooms()
            if len(segs) == 3 and segs[0] == "rooms" and segs[2] == "meetings":
                if method == "GET":
                    return self._list_meetings(segs[1], parse_qs(parts.query, keep_blank_values=True))
                if method == "POST":
                    return self._create(segs[1], body)
            if len(segs) == 4 and segs[0] == "rooms" and segs[2] == "meetings" and method == "PUT":
                return self._update(segs[1], segs[3], body)
        return self._error(404, "Not Found", "no such resource")

    def _room(self, rid: str) -> dict | None:
        return next((r for r in self.rooms if r["roomId"] == rid), None)

    def _list_rooms(self) -> _Reply:
        out = []
        for r in self.rooms:
            item = dict(r)
            if "room-image-null" in self.faults:
                item["imageUrl"] = None
            if self.o["extra_fields"]:
                item.update({"capacity": 8, "equipment": ["screen", "phone"], "timeZone": "Europe/Zurich"})
            out.append(item)
        return self._json(200, out)

    # -- GET meetings ----------------------------------------------------------------------------
    def _in_window(self, m: dict, frm: datetime, to: datetime) -> bool:
        s, e = m["start"], m["end"]
        f = self.faults
        if "window-starts-only" in f:
            return frm <= s < to
        if "window-misses-enclosing" in f:
            return (frm <= s < to) or (frm < e <= to)
        if "from-equal-start-excluded" in f and s == frm:
            return False
        if s == e:
            return frm <= s < to
        upper = s <= to if "window-to-inclusive" in f else s < to
        lower = e >= frm if "window-end-inclusive" in f else e > frm
        return upper and lower

    def _list_meetings(self, rid: str, q: dict[str, list[str]]) -> _Reply:
        if self._room(rid) is None:
            if "unknown-room-get-400" in self.faults:
                return self._error(400, "Bad Request", f"invalid room {rid}")
            return self._error(404, "Not Found", "unknown room")
        raw_from, raw_to = q.get("from", [None])[0], q.get("to", [None])[0]
        frm, to = self.parse(raw_from), self.parse(raw_to)
        if frm is None or to is None:
            return self._error(400, "Bad Request", "from and to must be dates like 2012-12-20T14:30:00Z")
        if self.o["zero_window_400"] and frm >= to:
            return self._error(400, "Bad Request", "from must be before to")
        if "window-max-31-days" in self.faults and to - frm > timedelta(days=31):
            return self._error(400, "Bad Request", "the window may span at most 31 days")
        clock = time.monotonic()
        listed = [m for m in self.meetings.values() if m.get("visible_at", 0) <= clock
                  if (m["room"] == rid or "listing-ignores-room" in self.faults) and self._in_window(m, frm, to)]
        listed.sort(key=lambda m: (m["start"], m["meetingId"]))
        if self.o["order"] == "desc":
            listed.reverse()
        elif self.o["order"] == "random":
            random.shuffle(listed)
        if "duplicate-across-midnight" in self.faults:
            listed = listed + [m for m in listed if m["start"].date() != m["end"].date()
                               and frm.date() < m["end"].date() < to.date()]
        return self._json(200, [self._view(m) for m in listed])

    # -- conflicts -------------------------------------------------------------------------------
    def _conflicts(self, room: str, s: datetime, e: datetime, *, ignore: str | None = None, op: str = "POST") -> bool:
        f = self.faults
        for m in self.meetings.values():
            if m["room"] != room or m["meetingId"] == ignore:
                continue
            if m["cancelled"] and "conflict-counts-cancelled" not in f:
                continue
            ms, me = m["start"], m["end"]
            if "conflict-grace-5min" in f:
                overlap = min(e, me) - max(s, ms)
                if overlap > timedelta(minutes=5):
                    return True
                continue
            if "conflict-endpoints-only" in f and op == "POST":
                if s <= ms < e or s < me <= e:
                    return True
                continue
            if "post-touching-end-conflict" in f and op == "POST" and e == ms:
                return True
            if "put-adjacent-conflict" in f and op == "PUT" and (e == ms or s == me):
                return True
            if s < me and e > ms:
                return True
        return False

    # -- POST ------------------------------------------------------------------------------------
    def _body(self, body: bytes) -> dict | None:
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _create(self, rid: str, raw: bytes) -> _Reply:
        if self._room(rid) is None:
            data = self._body(raw)
            if "unknown-room-404-but-books-first" in self.faults and data:
                s, e = self.parse(data.get("startDateUTC")), self.parse(data.get("endDateUTC"))
                if s and e and e >= s and not self._conflicts(self.rooms[0]["roomId"], s, e):
                    self._add(self.rooms[0]["roomId"], str(data.get("subject", "")), str(data.get("organizerId")), s, e,
                              created=_now())
            return self._error(404, "Not Found", "unknown room")
        data = self._body(raw)
        if data is None:
            return self._error(400, "Bad Request", "the body must be a JSON object")
        subject, org = data.get("subject", ""), data.get("organizerId")
        if not isinstance(subject, str) or not isinstance(org, str) or not org:
            return self._error(400, "Bad Request", "subject and organizerId must be strings")
        if "long-subject-500" in self.faults and len(subject) > 200:
            raise RuntimeError("subject column overflow")
        s = self.parse(data.get("startDateUTC"))
        e = self.parse(data.get("endDateUTC"))
        if "create-missing-end-default" in self.faults and s is not None and "endDateUTC" not in data:
            e = s + timedelta(hours=1)
        if s is None or e is None:
            return self._error(400, "Bad Request",
                               "startDateUTC and endDateUTC must be dates like 2012-12-20T14:30:00Z")
        s, e = self._round(s), self._round(e)
        if e < s:
            return self._error(400, "Bad Request", "endDateUTC is before startDateUTC")
        if self.o["horizon_days"] is not None and s > _now() + timedelta(days=self.o["horizon_days"]):
            return self._error(400, "Bad Request", f"bookings are possible at most {self.o['horizon_days']} days ahead")
        known = org in ORGANIZERS
        if not known and self.o["organizers"] == "strict":
            if "unknown-organizer-404-but-creates" in self.faults and not self._conflicts(rid, s, e):
                self._add(rid, subject, org, s, e, created=_now())
            return self._error(404, "Not Found", "unknown organizer")
        if self._conflicts(rid, s, e):
            return self._error(409, "Conflict", "the room is already booked at that time")
        m = self._add(rid, subject, org, s, e, created=_now(), private=self.o["private_created"])
        if self.o["write_delay"]:
            m["visible_at"] = time.monotonic() + self.o["write_delay"]
        if not known:
            m["organizerName"] = "Display booking"
        location = f"{self.o['prefix']}/rooms/{quote(rid, safe='')}/meetings/{quote(m['meetingId'], safe='')}"
        if "post-nested-image-null" in self.faults:
            return self._json(201, {**self._view(m), "organizer": {"id": org, "imageUrl": None}},
                              [("Location", location)])
        if "post-body-text-plain" in self.faults:
            return _Reply(201, b"Created", "text/plain", [("Location", location)])
        style = self.o["create_response"]
        if style == "201-location":
            return _Reply(201, None, None, [("Location", location)])
        if style == "200-empty":
            return _Reply(200, None, None)
        return self._json(201 if style == "201-meeting" else 200, self._view(m), [("Location", location)])

    # -- PUT -------------------------------------------------------------------------------------
    def _update(self, rid: str, mid: str, raw: bytes) -> _Reply:
        m = self.meetings.get(mid)
        if m is None and "put-upsert" in self.faults and self._room(rid) is not None:
            data = self._body(raw) or {}
            s, e = self.parse(data.get("startDateUTC")), self.parse(data.get("endDateUTC"))
            if s and e and e >= s and not self._conflicts(rid, s, e):
                m = self._add(rid, str(data.get("subject", "")),
                              str(data.get("organizerId", "u567")), s, e, created=_now())
                self.meetings[mid] = self.meetings.pop(m["meetingId"])
                m["meetingId"] = mid
                return self._json(200, self._view(m))
        if self._room(rid) is None or m is None or (m["room"] != rid and "put-ignores-room" not in self.faults):
            return self._error(404, "Not Found", "unknown room or meeting")
        data = self._body(raw)
        if data is None:
            return self._error(400, "Bad Request", "the body must be a JSON object")
        replace = self.o["put_mode"] == "replace"
        if replace and ("startDateUTC" not in data or "endDateUTC" not in data):
            return self._error(400, "Bad Request", "startDateUTC and endDateUTC are required")
        s, e = m["start"], m["end"]
        if "startDateUTC" in data:
            s = self.parse(data["startDateUTC"])
        if "endDateUTC" in data:
            e = self.parse(data["endDateUTC"])
        if s is None or e is None:
            return self._error(400, "Bad Request", "malformed date")
        s, e = self._round(s), self._round(e)
        if e < s:
            return self._error(400, "Bad Request", "endDateUTC is before startDateUTC")
        if self._conflicts(m["room"], s, e, ignore=mid, op="PUT"):
            return self._error(409, "Conflict", "the change overlaps another meeting")
        subject = data.get("subject")
        if isinstance(subject, str) and not (m["private"] and subject == self.o["private_subject"]):
            m["subject"] = subject
        elif replace and "subject" not in data:
            m["subject"] = ""
        m["start"], m["end"] = s, e
        if self.o["creation_on_update"]:
            m["created"] = _now()
        if "update-changes-subject" in self.faults and not m["subject"].endswith(" (released)"):
            m["subject"] += " (released)"
        if "update-changes-id" in self.faults:
            del self.meetings[mid]
            m["meetingId"] = self._new_id()
            self.meetings[m["meetingId"]] = m
        if "put-204" in self.faults:
            return _Reply(204)
        if self.o["put_response"] == "200-empty":
            return _Reply(200)
        return self._json(200, self._view(m))
