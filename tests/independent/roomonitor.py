"""The independent Roomonitor booking import (see ``tests/independent/__init__.py``)."""
from __future__ import annotations

import itertools
import json
import re
import secrets
import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.independent.http import _BaseServer, _Reply

ROOMONITOR_DEFAULTS: dict[str, Any] = dict(
    error_extra=False,             # error bodies carry extra fields ({"status", "message", "error", "path"})
    mismatch_status=401,           # 400 or 401 for an X-User-Id that differs from the path
    v1_lines="ref",                # ref: [Booking ID: <customerReference>] | server-id: an id of the server's own
    success_text="Booking saved successfuly",
    failure_prefix="[ERROR]",
    content_type="application/json; charset=utf-8",
    static_token=False,            # login answers the account's one permanent token (and logout revokes it)
    unknown_customer="400",        # 400: the documented message | 401: credentials are checked first
    custom_rooms="any",            # any: any customRoomId is accepted | configured: only APT-101, APT-102
    phone_validation=False,        # refuse guest phones that no numbering plan accepts (libphonenumber)
    faults=(),
)

ROOMONITOR_FAULTS: dict[str, str] = {
    "401-lowercase": 'RM-ERROR-BODY: 401 bodies say "unauthorized"',
    "mismatch-accepted": "RM-AUTH-WRONG: an X-User-Id that differs from the path is accepted",
    "empty-array-200": "RM-EMPTY: an import of [] answers 200 []",
    "internal-ids": "RM-IMPORT-V2: roomId-variant lines name an internal id instead of the booking's id",
    "all-or-nothing": "RM-IMPORT-PARTIAL: one invalid booking makes the whole import answer 400",
    "status-as-string": 'RM-ERROR-BODY: error bodies carry "status" as a string',
    "login-json-only": "RM-LOGIN: a form login answers 400",
    "cancel-needs-dates": "RM-IMPORT-V2-CUSTOM: an update without checkin/checkout is refused",
    "missing-user-header-ok": "RM-AUTH-MISSING: a valid token without X-User-Id is accepted",
    "foreign-room-accepted": "RM-IMPORT-PARTIAL: a booking for a room the account does not own is saved "
                             "(dates still checked)",
    "v1-never-saves": "RM-IMPORT-V1: every v1 booking is reported as failed",
    "customer-accepted": "RM-CUSTOMER: an import for an unknown user id is saved under the token's user",
    "junk-true-500": "RM-5XX: a body of `true` crashes the import",
    "text-plain-200": "RM-JSON: successful imports are sent as text/plain",
    "reversed-dates-accepted": "RM-IMPORT-PARTIAL: a booking whose checkout is before its checkin is saved "
                               "(room still checked)",
    "form-login-any-password": "RM-LOGIN: a form login succeeds with any password",
    "surrogate-echo-500": "RM-5XX: a booking id holding a lone surrogate crashes the import (the line echoes it and "
                          "encoding the answer as UTF-8 fails)",
    "deep-nesting-500": "RM-5XX: a JSON body nested deeper than Python's recursion limit crashes the import and the "
                        "login",
    "lenient-payload": "RM-IMPORT-PARTIAL: bookings are checked for presence, room and date order only (a prefix "
                       "+0034, a timestamp in seconds, lang XX, both v2 variants ... are saved)",
}

# The languages this server sends messages in (a real server knows a few; the suite sends EN and ES).
LANGUAGES = {"EN", "ES", "FR", "DE", "IT", "PT", "NL", "CA", "EU", "GL"}
TS_FROM, TS_TO = 946684800000, 4102444800000     # 2000-01-01 .. 2100-01-01 in epoch milliseconds
GUEST_PHONE = re.compile(r"\+\d{6,15}(, ?\+\d{6,15})*")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def strict_problem(version: str, b: dict) -> str | None:
    """What this server refuses beyond presence, room and date order: the payload rules, its own way."""
    def text(key: str) -> bool:
        return isinstance(b.get(key), str) and b[key] != ""

    def stamp(key: str) -> bool:
        v = b.get(key)
        return isinstance(v, int) and not isinstance(v, bool) and TS_FROM <= v < TS_TO

    if version == "v1":
        if not all(isinstance(b.get(k), str) for k in ("checkin", "checkout", "customerReference")) or \
                not all(text(k) for k in ("firstname", "lastname", "prefix", "telephone", "email", "room")):
            return "empty field"
        if not all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", b[k]) for k in ("checkin", "checkout")):
            return "dates must be YYYY-MM-DD"
        if not re.fullmatch(r"\d{1,3}", b["prefix"]) or not re.fullmatch(r"\d+", b["telephone"]) \
                or len(b["prefix"] + b["telephone"]) > 15:
            return "invalid phone"
        return None if EMAIL.fullmatch(b["email"]) else "invalid email"
    if ("roomId" in b or "id" in b) and ("customRoomId" in b or "idBooking" in b):
        return "one variant only"
    update = b.get("updatedBooking") is True
    keys = ["guestName", "lang"] + ([] if update else ["guestPhone"])
    keys += ["customRoomId", "idBooking", "pm", "bookingType"] if "customRoomId" in b else ["roomId", "id"]
    if not all(text(k) for k in keys) or ("updatedBooking" in b and not isinstance(b["updatedBooking"], bool)):
        return "missing or wrong fields"
    if not (update and "checkin" not in b) and not (stamp("checkin") and stamp("checkout")):
        return "timestamps must be epoch milliseconds"
    if "guestPhone" in b and not (isinstance(b["guestPhone"], str) and GUEST_PHONE.fullmatch(b["guestPhone"])):
        return "invalid guestPhone"
    return None if str(b["lang"]).upper() in LANGUAGES else f"unsupported language {b['lang']}"


class RoomonitorServer(_BaseServer):
    user_id = "Xq9PzL2mTk7RwB4sN"
    token = "rmtok-" + "Zt8Kq2Lw9Xp4Nc7Vb3Hm6Jd1Fs5Gy0Ru"
    login_email = "pms.integration@example.org"
    login_password = "Roomonitor-Pw-42"

    def __init__(self, *, latency: float = 0.0, connection_close: bool = False, chunked: bool = False,
                 gzip: bool = False, **options: Any) -> None:
        super().__init__(latency=latency, connection_close=connection_close, chunked=chunked, gzip=gzip)
        unknown = set(options) - set(ROOMONITOR_DEFAULTS)
        if unknown:
            raise TypeError(f"unknown RoomonitorServer options {sorted(unknown)}")
        self.o = {**ROOMONITOR_DEFAULTS, **options}
        self.faults = set(self.o["faults"])
        bad = self.faults - set(ROOMONITOR_FAULTS)
        if bad:
            raise TypeError(f"unknown faults {sorted(bad)}")
        self.tokens: dict[str, str] = {self.token: self.user_id}
        self.rooms = [{"_id": "R7dKq2Mx9PwL3zT", "name": "Apartamento Sol 1"},
                      {"_id": "R2bNc8Vy4QsH6jF", "name": "Estudio Mar"}]
        self.bookings: dict[str, dict] = {}
        self.custom: dict[tuple[str, str], dict] = {}
        self._seq = itertools.count(90001)

    @property
    def url(self) -> str:
        return self.origin

    # -- replies ---------------------------------------------------------------------------------
    def _json(self, status: int, data: Any) -> _Reply:
        ctype = self.o["content_type"]
        if (
            "text-plain-200" in self.faults
            and status == 200
            and isinstance(data, list)
            and all(isinstance(x, str) for x in data)
        ):
            ctype = "text/plain"
        try:
            return _Reply(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), ctype)
        except UnicodeEncodeError:   # a lone surrogate a client sent, echoed in a line: send it escaped
            if "surrogate-echo-500" in self.faults:
                raise
            return _Reply(status, json.dumps(data).encode("ascii"), ctype)

    def _parse(self, body: bytes) -> Any:
        """The JSON body; ValueError when it is not JSON or nested too deeply for this parser."""
        try:
            return json.loads(body.decode("utf-8"))
        except RecursionError:
            if "deep-nesting-500" in self.faults:
                raise
            raise ValueError("nested too deeply") from None

    def _error(self, status: int, message: str, path: str = "") -> _Reply:
        if status == 401:
            message = "unauthorized" if "401-lowercase" in self.faults else "Unauthorized"
        body: dict[str, Any] = {"status": str(status) if "status-as-string" in self.faults
                                else status, "message": message}
        if self.o["error_extra"]:
            body.update({"error": "Bad Request" if status == 400 else "Unauthorized" if status == 401 else "Error",
                         "path": path, "timestamp": int(time.time() * 1000)})
        return self._json(status, body)

    # -- routing ---------------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, headers: Any, body: bytes) -> _Reply:
        path = urlsplit(raw_path).path
        segs = [unquote(s) for s in path.split("/")[1:]]
        with self.lock:
            if segs == ["login"] and method == "POST":
                return self._login(headers, body)
            if segs == ["logout"] and method == "POST":
                tok = headers.get("X-Auth-Token")
                uid = headers.get("X-User-Id")
                if tok and uid and self.tokens.get(tok) == uid:
                    del self.tokens[tok]
                    return self._json(200, {"status": "success", "data": {"message": "You've been logged out!"}})
                return self._error(401, "Unauthorized", path)
            if len(segs) == 2 and segs[0] == "get-rooms" and method == "GET":
                refused = self._auth(segs[1], headers, path)
                if refused:
                    return refused
                return self._json(200, [dict(r, type="apartment", sensors=1) if self.o["error_extra"]
                                        else dict(r) for r in self.rooms])
            if len(segs) == 3 and segs[0] in ("v1", "v2") and segs[1] == "import_bookings" and method == "POST":
                uid = segs[2]
                refused = self._auth(uid, headers, path)
                if refused:
                    return refused
                if "customer-accepted" in self.faults and uid != self.user_id:
                    uid = self.user_id
                return self._import(segs[0], uid, body, path)
        return self._error(404, "Not found", path)

    def _auth(self, uid: str, headers: Any, path: str) -> _Reply | None:
        header_uid, tok = headers.get("X-User-Id"), headers.get("X-Auth-Token")
        if not tok or (not header_uid and "missing-user-header-ok" not in self.faults):
            return self._error(401, "Unauthorized", path)
        if not header_uid:
            return None if self.tokens.get(tok) == uid else self._error(401, "Unauthorized", path)
        if self.o["unknown_customer"] == "400" and uid != self.user_id and header_uid == uid:
            if tok in self.tokens:
                if "customer-accepted" in self.faults:
                    return None
                return self._error(400, "No customer found with given customer ID", path)
            return self._error(401, "Unauthorized", path)
        if header_uid != uid:
            if "mismatch-accepted" in self.faults and self.tokens.get(tok) == uid:
                return None
            if self.o["mismatch_status"] == 400:
                return self._error(400, "X-User-Id does not match the user id of the path", path)
            return self._error(401, "Unauthorized", path)
        if self.tokens.get(tok) != header_uid:
            if "customer-accepted" in self.faults and tok in self.tokens:
                return None
            return self._error(401, "Unauthorized", path)
        return None

    def _login(self, headers: Any, body: bytes) -> _Reply:
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        email = password = None
        if ctype == "application/json":
            try:
                data = self._parse(body)
            except (UnicodeDecodeError, ValueError):
                return self._error(400, "Malformed JSON body", "/login")
            if isinstance(data, dict):
                email, password = data.get("email"), data.get("password")
        elif ctype == "application/x-www-form-urlencoded":
            if "login-json-only" in self.faults:
                return self._error(400, "JSON body expected", "/login")
            try:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                return self._error(400, "Malformed form body", "/login")
            email, password = form.get("username", [None])[0], form.get("password", [None])[0]
        form_bypass = "form-login-any-password" in self.faults and ctype == "application/x-www-form-urlencoded"
        if email == self.login_email and (password == self.login_password or form_bypass):
            tok = self.token if self.o["static_token"] else "rmtok-" + secrets.token_urlsafe(24)
            self.tokens[tok] = self.user_id
            return self._json(200, {"status": "success", "data": {"authToken": tok, "userId": self.user_id}})
        return self._error(401, "Unauthorized", "/login")

    # -- imports ---------------------------------------------------------------------------------
    EMPTY = "No bookings to update: empty request body"

    def _import(self, version: str, uid: str, body: bytes, path: str) -> _Reply:
        if not body.strip():
            return self._error(400, self.EMPTY, path)
        if body.strip() == b"true" and "junk-true-500" in self.faults:
            raise RuntimeError("bool has no len()")
        try:
            data = self._parse(body)
        except (UnicodeDecodeError, ValueError):
            return self._error(400, "Malformed JSON body", path)
        if data is None or data == []:
            if data == [] and "empty-array-200" in self.faults:
                return self._json(200, [])
            return self._error(400, self.EMPTY, path)
        if not isinstance(data, list):
            return self._error(400, "The body must be a JSON array of bookings", path)
        results = [self._one(version, b) for b in data]
        if "all-or-nothing" in self.faults and any(not ok for ok, _ in results):
            return self._error(400, "Invalid booking in request: nothing was saved", path)
        for ok, (kind, key, rec, _line) in results:
            if ok:
                (self.bookings if kind == "id" else self.custom)[key] = rec
        return self._json(200, [info[3] for _, info in results])

    def _phone_ok(self, number: str) -> bool:
        if not self.o["phone_validation"]:
            return True
        import phonenumbers  # a dependency of the project; a real server would use the same metadata
        try:
            return phonenumbers.is_valid_number(phonenumbers.parse(number))
        except phonenumbers.NumberParseException:
            return False

    def _owned(self, room: Any) -> bool:
        return isinstance(room, str) and (any(r["_id"] == room for r in self.rooms)
                                          or "foreign-room-accepted" in self.faults)

    def _ok(self, shown_id: str) -> str:
        return f"[SUCCESS][Booking ID: {shown_id}] {self.o['success_text']}"

    def _fail(self, shown_id: Any, why: str) -> str:
        return f"{self.o['failure_prefix']}[Booking ID: {shown_id}] {why}"

    def _one(self, version: str, b: Any) -> tuple[bool, tuple]:
        """(saved?, (kind, key, record, line))."""
        if not isinstance(b, dict):
            return False, ("", None, None, self._fail("?", "a booking must be an object"))
        problem = None if "lenient-payload" in self.faults else strict_problem(version, b)
        if problem:
            return False, ("", None, None, self._fail(b.get("customerReference" if version == "v1" else "id",
                                                            b.get("idBooking")), problem))
        if version == "v1":
            ref = b.get("customerReference", "")
            fields = ("firstname", "lastname", "prefix", "telephone", "email", "room", "checkin",
                      "checkout", "customerReference")
            if any(not isinstance(b.get(k), str) for k in fields):
                return False, ("", None, None, self._fail(ref, "every field must be a string"))
            if "v1-never-saves" in self.faults:
                return False, ("", None, None, self._fail(ref, "SmartLock not available"))
            if not self._owned(b["room"]):
                return False, ("", None, None, self._fail(ref, "room not found"))
            try:
                ci, co = datetime.strptime(b["checkin"], "%Y-%m-%d"), datetime.strptime(b["checkout"], "%Y-%m-%d")
            except ValueError:
                return False, ("", None, None, self._fail(ref, "dates must be YYYY-MM-DD"))
            if not self._phone_ok("+" + b["prefix"] + b["telephone"]):
                return False, ("", None, None, self._fail(ref, "the guest's phone number does not exist"))
            if co < ci or not b["prefix"].isdigit() or not b["telephone"].isdigit() or "@" not in b["email"]:
                return False, ("", None, None, self._fail(ref, "invalid booking"))
            shown = ref if self.o["v1_lines"] == "ref" else str(next(self._seq))
            return True, ("id", f"v1:{ref}:{shown}", dict(b), self._ok(shown))
        if "customRoomId" in b:
            bid = b.get("idBooking")
            upd = b.get("updatedBooking") is True
            need = ["customRoomId", "idBooking", "pm", "bookingType", "guestName", "lang"]
            if not upd or "cancel-needs-dates" in self.faults:
                need += ["checkin", "checkout", "guestPhone"]
            if any(k not in b for k in need) or not isinstance(bid, str) or not bid \
                    or not isinstance(b["customRoomId"], str):
                return False, ("", None, None, self._fail(bid, "missing fields"))
            if self.o["custom_rooms"] == "configured" and b["customRoomId"] not in ("APT-101", "APT-102"):
                return False, ("", None, None, self._fail(bid, f"customRoomId {b['customRoomId']} is not configured"))
            key = (b["customRoomId"], bid)
            if upd and key not in self.custom:
                return False, ("", None, None, self._fail(bid, "no booking to update"))
            if not upd and "checkin" in b and (not isinstance(b["checkin"], int) or not isinstance(b["checkout"], int)
                                               or b["checkout"] < b["checkin"]):
                return False, ("", None, None, self._fail(bid, "invalid dates"))
            if not upd and not all(self._phone_ok(p.strip()) for p in str(b.get("guestPhone", "")).split(",")):
                return False, ("", None, None, self._fail(bid, "the guest's phone number does not exist"))
            verb = "Booking cancelled" if b.get("bookingType") == "Cancel" else self.o["success_text"]
            return True, ("custom", key, dict(b), f"[SUCCESS][Booking ID: {bid}] {verb}")
        bid = b.get("id")
        if not isinstance(bid, str) or not bid:
            return False, ("", None, None, self._fail(bid, "missing id"))
        if any(k not in b for k in ("roomId", "checkin", "checkout", "guestPhone", "guestName", "lang")):
            return False, ("", None, None, self._fail(bid, "missing fields"))
        if not self._owned(b["roomId"]):
            return False, ("", None, None, self._fail(bid, "room not found"))
        if not isinstance(b["checkin"], int) or not isinstance(b["checkout"], int) or (
                b["checkout"] < b["checkin"] and "reversed-dates-accepted" not in self.faults):
            return False, ("", None, None, self._fail(bid, "invalid dates"))
        if isinstance(b["guestPhone"], str) and not all(self._phone_ok(p.strip()) for p in b["guestPhone"].split(",")):
            return False, ("", None, None, self._fail(bid, "the guest's phone number does not exist"))
        if not isinstance(b["guestPhone"], str) or not re.fullmatch(r"\+\d{6,15}(, ?\+\d{6,15})*", b["guestPhone"]):
            return False, ("", None, None, self._fail(bid, "invalid guestPhone"))
        shown = str(next(self._seq)) if "internal-ids" in self.faults else bid
        return True, ("id", bid, dict(b), self._ok(shown))
