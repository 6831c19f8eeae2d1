"""The Roomonitor booking import API (CONTRACT.md section B) as an in-memory sandbox.

Besides answering like a correct server, it judges every payload it receives with the RMP-*
rules of ``conformance.payloads`` and keeps the verdicts (``received``), so a PMS developer can
point their client at it and get a report of what they sent. The payload rules live in that
module alone; this one adds only what a server needs to store a booking at all (an object, a
recognisable variant, an id, a room the account owns).
"""
from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import NoReturn
from urllib.parse import parse_qs

from conformance import payloads

from . import data
from .dates import now_utc
from .faults import Switch
from .httpd import Request, Response
from .seams import Seams

log = logging.getLogger(__name__)

Violation = payloads.Violation
Version = payloads.Version

EMPTY_MESSAGE = "No bookings to update: empty request body"
NO_CUSTOMER_ID = "No customer ID"
NO_CUSTOMER = "No customer found with given customer ID"
NO_USER = "No users associated with this user id"
NO_ROOMS = "No rooms associated with this user id"
SAVED = "Booking saved successfuly"  # sic: the spelling the vendor publishes


@dataclass(frozen=True)
class BookingVerdict:
    """What the sandbox decided about one booking of an import.

    ``index`` is the booking's position (0-based), ``booking_id`` the id its result line names
    (v2 ``id``/``idBooking``, v1 ``customerReference``, else the index), ``saved`` whether it was
    stored, ``line`` the exact result line answered, ``violations`` the RMP findings whose JSON
    Pointer lies inside this booking (MUST and SHOULD; only MUST ones make it fail).
    """
    index: int
    booking_id: str
    saved: bool
    line: str
    violations: tuple[Violation, ...]


@dataclass
class ReceivedImport:
    """One import request received by the sandbox, for reports written later.

    ``version``: "v1" or "v2", the endpoint called. ``user_id``: the path's user id ("" when
    absent). ``body``: the raw request bytes. ``doc``: the parsed JSON, None when the body was
    not read (refused earlier) or is not strict JSON. ``detected_version``: what
    ``payloads.detect_version`` makes of ``doc`` (None if unknown or unavailable), which tells a
    v1 payload sent to v2 apart. ``violations``: every RMP finding for the whole document
    (RMP-JSON when it does not parse). ``verdicts``: one per booking, empty when the import was
    refused as a whole. ``status`` and ``message``: the HTTP status answered and, for a 4xx, its
    message. ``received_at``: UTC time of arrival. Filled in while the import is handled, kept
    once it is answered.
    """
    version: Version
    user_id: str
    body: bytes
    doc: object = None
    detected_version: str | None = None
    violations: tuple[Violation, ...] = ()
    verdicts: tuple[BookingVerdict, ...] = ()
    status: int = 0
    message: str = ""
    received_at: datetime = field(default_factory=now_utc)


@dataclass(frozen=True)
class StoredBooking:
    """A booking the sandbox saved. ``variant`` is "v1", "roomId" or "customRoomId"; ``room`` the
    room id (or the client's customRoomId); ``fields`` the booking as last received (an update
    merges into its insert)."""
    user_id: str
    version: str
    variant: str
    booking_id: str
    room: str
    fields: dict[str, object]


@dataclass
class Account:
    """A customer. ``phantom`` accounts (only under rm-unknown-customer-saves) accept any token
    and any room: they stand for a server that saves under whatever id it is given."""
    user_id: str
    email: str | None
    password: str | None
    rooms: list[tuple[str, str]]
    tokens: list[str] = field(default_factory=list)
    phantom: bool = False

    def has_token(self, token: str) -> bool:
        if self.phantom:
            return True
        given = token.encode("utf-8")
        return any(hmac.compare_digest(given, t.encode("utf-8")) for t in self.tokens)

    def owns(self, room_id: str) -> bool:
        return self.phantom or any(rid == room_id for rid, _ in self.rooms)


def _safe_check(doc: object, version: Version) -> list[Violation] | None:
    """payloads.check_document, or None while it is not implemented.

    A bug in the rules must not turn into a 5xx of the sandbox, nor into a booking saved
    unchecked: when the whole document cannot be checked, each booking is checked alone, and a
    booking the rules fail on is refused (a MUST finding of its version's FIELDS rule)."""
    try:
        return list(payloads.check_document(doc, version))
    except NotImplementedError:
        return None
    except Exception:   # told per booking below; the traceback only when debugging the rules
        log.debug("conformance.payloads.check_document failed; checking booking by booking", exc_info=True)
    if not isinstance(doc, list):
        return None
    found: list[Violation] = []
    for index, booking in enumerate(doc):
        try:
            alone = payloads.check_document([booking], version)
        except Exception as exc:
            found.append(Violation(f"RMP-{version.upper()}-FIELDS", "MUST", f"/{index}",
                                   f"the booking could not be checked ({type(exc).__name__}), so it is not saved"))
            continue
        found.extend(Violation(v.rule, v.level, f"/{index}{v.path[2:]}" if v.path.startswith("/0") else v.path,
                               v.message) for v in alone)
    return found


def _safe_check_bytes(raw: bytes, version: Version) -> list[Violation] | None:
    """payloads.check_bytes's findings (its RMP-JSON diagnostics are more precise than ours)."""
    try:
        return list(payloads.check_bytes(raw, version)[1])
    except NotImplementedError:
        return None
    except Exception:
        log.exception("conformance.payloads.check_bytes failed")
        return None


def _safe_detect(doc: object) -> str | None:
    try:
        return payloads.detect_version(doc)
    except NotImplementedError:
        return None
    except Exception:
        log.exception("conformance.payloads.detect_version failed")
        return None


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _pointer_index(pointer: str) -> int | None:
    """The booking index a JSON Pointer like ``/3/guestPhone`` lies in."""
    head = pointer.split("/")[1] if pointer.startswith("/") else ""
    return int(head) if head.isdigit() else None


def _id_text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def booking_id(booking: object, version: str, index: int) -> str:
    """The id a result line names: v2 ``id``/``idBooking``, v1 ``customerReference``, else the index."""
    if isinstance(booking, dict):
        keys = ("customerReference",) if version == "v1" else ("id", "idBooking")
        for key in keys:
            text = _id_text(booking.get(key))
            if text is not None:
                return text
    return str(index)


class RoomonitorApp:
    """The in-memory Roomonitor import API. ``handle`` is called from many threads at once."""

    def __init__(self, *, switches: tuple[Switch, ...] = (),
                 user_id: str = data.DEFAULTS["user_id"], auth_token: str = data.DEFAULTS["auth_token"],
                 login_email: str = data.DEFAULTS["login_email"],
                 login_password: str = data.DEFAULTS["login_password"], extra_rooms: int = 0) -> None:
        self.fx = Seams("roomonitor", (s.hooks for s in switches), self)
        self._lock = threading.Lock()
        rooms = list(data.ROOMONITOR_ROOMS) + data.extra_room_ids(extra_rooms or 0, "Rx")
        self.accounts: dict[str, Account] = {
            user_id: Account(user_id, login_email, login_password, rooms, [auth_token]),
        }
        roomless_id, roomless_token = data.ROOMLESS_USER
        if roomless_id != user_id:
            self.accounts[roomless_id] = Account(roomless_id, None, None, [], [roomless_token])
        self._store: dict[tuple[str, str, str], StoredBooking] = {}
        self._received: list[ReceivedImport] = []

    # --- state for tests and reports -----------------------------------------------------
    @property
    def bookings(self) -> list[StoredBooking]:
        with self._lock:
            return list(self._store.values())

    @property
    def received(self) -> list[ReceivedImport]:
        with self._lock:
            return list(self._received)

    # --- responses ------------------------------------------------------------------------
    def error(self, status: int, message: str) -> Response:
        """``{"status": code, "message": ...}``, the documented shape of every error."""
        if status == 401:
            message = "Unauthorized"
        return self.fx.error(self._json(status, {"status": status, "message": message}),
                             status=status)

    def _json(self, status: int, payload: object, content_type: str = "application/json") -> Response:
        # a lone surrogate the client sent (as the JSON escape "\\ud800") and the answer echoes goes back
        # as that escape: backslashreplace writes exactly it, and it can only occur inside a string
        return Response(status, json.dumps(payload, ensure_ascii=False).encode("utf-8", "backslashreplace"),
                        content_type)

    def ok(self, payload: object) -> Response:
        return self._json(200, payload, self.fx.ok_content_type("application/json"))

    def phantom(self, user_id: str) -> Account:
        """An account made up for an unknown user id (only a fault does this)."""
        account = self.accounts[user_id] = Account(user_id, None, None, [], phantom=True)
        return account

    # --- entry point ----------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        segments = request.segments or ()
        if segments in (("login",), ("logout",)):
            route, allowed = (self._login if segments[0] == "login" else self._logout), ("POST",)
        elif segments and segments[0] == "get-rooms" and len(segments) <= 2:
            route, allowed = self._get_rooms, ("GET",)
        elif len(segments) in (2, 3) and segments[0] in ("v1", "v2") and segments[1] == "import_bookings":
            route, allowed = self._import, ("POST",)
        else:
            return self.error(404, "Not found")
        if request.method not in allowed:
            response = self.error(405, f"Method {request.method} not allowed; use {allowed[0]}")
            response.headers.append(("Allow", ", ".join(allowed)))
            return response
        with self._lock:
            return route(request, segments)

    # --- authentication -------------------------------------------------------------------
    def _authorize(self, request: Request, path_user: str, unknown: str) -> tuple[Account | None, Response | None]:
        """The account the call acts for, or the refusal.

        Order: both headers present (401), the path's customer exists (400 ``unknown``; checked
        before the token, as the vendor's messages suggest), X-User-Id equals the path (401, or
        400 under rm-mismatch-400), the token belongs to that customer (401).
        """
        header_user = request.headers.get("X-User-Id", "")
        token = request.headers.get("X-Auth-Token", "")
        account = self.accounts.get(path_user)
        route = "get-rooms" if unknown == NO_USER else "import"
        if not header_user or not token:
            served = self.fx.unauthenticated(False, route=route, neither=not header_user and not token)
            if served and account is not None:
                return account, None
            return None, self.error(401, "Unauthorized")
        if account is None:
            refusal = self.error(400, unknown)
            if route == "import":
                found: Response | Account = self.fx.unknown_customer(refusal, path_user=path_user,
                                                                     header_user=header_user)
                if isinstance(found, Account):
                    return found, None
            return None, refusal
        token_ok = self.fx.token_ok(account.has_token(token))
        if header_user != path_user:
            mismatch: Response | None = self.fx.mismatch(self.error(401, "Unauthorized"), token_ok=token_ok)
            return (account, None) if mismatch is None else (None, mismatch)
        if not token_ok:
            return None, self.error(401, "Unauthorized")
        return account, None

    # --- POST /login, POST /logout --------------------------------------------------------
    def _login_credentials(self, request: Request) -> tuple[str, str] | None:
        content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        text = request.body.decode("utf-8", errors="replace")
        if content_type != "application/x-www-form-urlencoded":
            try:
                body = json.loads(text)
            except (ValueError, RecursionError):
                body = None
            if isinstance(body, dict):
                email, password = body.get("email", body.get("username")), body.get("password")
                if isinstance(email, str) and isinstance(password, str):
                    return email, password
            if content_type == "application/json":
                return None
        if not self.fx.form_login(True):
            return None
        form = parse_qs(text, keep_blank_values=True)
        email = next(iter(form.get("username") or form.get("email") or []), None)
        password = next(iter(form.get("password") or []), None)
        return (email, password) if email is not None and password is not None else None

    def _login(self, request: Request, segments: tuple[str, ...]) -> Response:
        return self.fx.login_answer(self._login_checked(request), body=request.body)

    def _login_checked(self, request: Request) -> Response:
        credentials = self._login_credentials(request)
        if credentials is not None:
            email, password = credentials
            for account in self.accounts.values():
                if (account.email is not None and account.password is not None
                        and account.email.lower() == email.lower()
                        and hmac.compare_digest(account.password.encode("utf-8", "surrogatepass"),
                                                password.encode("utf-8", "surrogatepass"))):
                    token = secrets.token_urlsafe(32)
                    account.tokens.append(token)
                    return self.ok({"status": "success", "data": {"authToken": token, "userId": account.user_id}})
        return self.error(401, "Unauthorized")

    def _logout(self, request: Request, segments: tuple[str, ...]) -> Response:
        """Revokes exactly the token the call carries, never the account's other tokens."""
        account, refusal = self._authorize(request, request.headers.get("X-User-Id", ""), NO_USER)
        if refusal is not None or account is None:
            return self.error(401, "Unauthorized")
        token = request.headers.get("X-Auth-Token", "")
        if self.fx.logout_revokes(True):
            account.tokens = [t for t in account.tokens if not hmac.compare_digest(t.encode(), token.encode())]
        return self.ok({"status": "success", "data": {"message": "You've been logged out!"}})

    # --- GET /get-rooms/{userId} ----------------------------------------------------------
    def _get_rooms(self, request: Request, segments: tuple[str, ...]) -> Response:
        path_user = segments[1] if len(segments) == 2 else ""
        account, refusal = self._authorize(request, path_user, NO_USER)
        if refusal is not None:
            return refusal
        assert account is not None
        if not account.rooms:
            return self.error(400, NO_ROOMS)
        return self.ok(self.fx.rooms_body([self.fx.room({"_id": rid, "name": name}) for rid, name in account.rooms]))

    # --- POST /v1|v2/import_bookings/{userId} ---------------------------------------------
    def _import(self, request: Request, segments: tuple[str, ...]) -> Response:
        version: Version = "v1" if segments[0] == "v1" else "v2"   # the route takes nothing else
        path_user = segments[2] if len(segments) == 3 else ""
        record = ReceivedImport(version, path_user, request.body)
        if not path_user:
            return self._finish(record, self.error(400, NO_CUSTOMER_ID))
        account, refusal = self._authorize(request, path_user, NO_CUSTOMER)
        if refusal is not None:
            return self._finish(record, refusal)
        assert account is not None
        return self._finish(record, self._import_body(request.body, version, account, record))

    def _finish(self, record: ReceivedImport, response: Response) -> Response:
        message = ""
        if 400 <= response.status < 500:
            try:
                message = str(json.loads(response.body).get("message", ""))
            except (ValueError, AttributeError):
                message = ""
        record.status, record.message = response.status, message
        self._received.append(record)
        return response

    def _import_body(self, raw: bytes, version: Version, account: Account, record: ReceivedImport) -> Response:
        if not raw.strip():
            record.violations = (Violation("RMP-JSON", "MUST", "", "the body is empty: a 0-byte body is not JSON"),)
            return self.fx.empty_import(self.error(400, EMPTY_MESSAGE))
        try:
            doc = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            record.violations = tuple(_safe_check_bytes(raw, version) or [
                Violation("RMP-JSON", "MUST", "", f"the body is not strict JSON: {exc}")])
            why = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            return self.fx.unreadable_body(self.error(400, f"Request body is not valid JSON: {why}"), exc=exc)
        record.doc = doc
        record.detected_version = _safe_detect(doc)
        found = _safe_check(doc, version)
        if found is None:  # payload rules not available: report only what this server can tell
            found = [] if isinstance(doc, list) and doc else [
                Violation("RMP-ARRAY", "MUST", "", "the top level must be a non-empty array of bookings")]
        record.violations = tuple(found)
        if doc == []:
            return self.fx.empty_import(self.error(400, EMPTY_MESSAGE))
        if not isinstance(doc, list):
            refusal = self.error(400, f"Request body must be a JSON array of bookings, got {type(doc).__name__}")
            return self.fx.non_array(refusal, doc=doc)
        verdicts = self._apply(doc, version, account, found)
        record.verdicts = tuple(verdicts)
        lines = [v.line for v in verdicts]
        answer: object = self.fx.v1_answer(lines) if version == "v1" else lines
        return self.fx.import_answer(self.ok(answer), doc=doc, version=version)

    # --- per-booking decisions ------------------------------------------------------------
    def _problems(self, booking: object, version: str, account: Account,
                  reported: set[str]) -> tuple[list[str], str, str]:
        """What keeps the server from storing ``booking`` (beyond the RMP findings already
        ``reported``), plus its variant and room. Rule-named when a payload rule covers it."""
        own: list[tuple[str | None, str]] = []
        variant, room = "v1", ""
        if not isinstance(booking, dict):
            own.append(("RMP-ARRAY", "a booking must be a JSON object"))
        elif version == "v1":
            given = booking.get("room")
            room = given if isinstance(given, str) else ""
            if not room:
                own.append(("RMP-V1-FIELDS", "room must be a non-empty string"))
        else:
            by_room = "roomId" in booking or "id" in booking
            by_custom = "customRoomId" in booking or "idBooking" in booking
            if by_room == by_custom:
                own.append(("RMP-V2-VARIANT", "a booking uses exactly one variant: roomId + id, "
                                              "or customRoomId + idBooking"))
            else:
                variant = "roomId" if by_room else "customRoomId"
                room_key, id_key = ("roomId", "id") if by_room else ("customRoomId", "idBooking")
                for key in (room_key, id_key):
                    if key not in booking:   # half a variant's pair (the catalog's RMP-V2-FIELDS text)
                        own.append(("RMP-V2-VARIANT", f"{key} is missing: a variant needs {room_key} and {id_key}"))
                    elif not isinstance(booking[key], str) or not booking[key].strip():
                        own.append(("RMP-V2-FIELDS", f"{key} must be a non-empty string"))
                given = booking.get(room_key)
                room = given if isinstance(given, str) else ""
        problems = [f"{rule}: {message}" for rule, message in own if rule not in reported]
        if room and variant != "customRoomId" and not account.owns(room):
            problems.append(f"unknown room {room}: not one of this account's rooms (get-rooms)")
        return problems, variant, room

    def _apply(self, doc: list[object], version: str, account: Account,
               found: list[Violation]) -> list[BookingVerdict]:
        """Decide, in order, for every booking; save the valid ones."""
        per_booking: dict[int, list[Violation]] = {}
        for violation in found:
            index = _pointer_index(violation.path)
            if index is not None:
                per_booking.setdefault(index, []).append(violation)
        staged: dict[tuple[str, str, str], StoredBooking] = {}
        verdicts: list[BookingVerdict] = []
        for index, booking in enumerate(doc):
            bid = booking_id(booking, version, index)
            mine = per_booking.get(index, [])
            must = [v for v in mine if v.level == "MUST"]
            problems = [f"{v.rule}: {v.message}" for v in must]
            more, variant, room = self._problems(booking, version, account, {v.rule for v in must})
            problems = self.fx.booking_problems(problems + more, version=version, booking=booking)
            key = (account.user_id, variant, bid)
            if version == "v1" and bid == str(index):  # no customerReference: nothing to match later
                key = (account.user_id, variant, f"#{len(self._store) + len(staged)}")
            stored: StoredBooking | None = None
            if not problems:
                assert isinstance(booking, dict)   # anything else has a problem (RMP-ARRAY) whatever the faults
                fields = dict(booking)
                if variant == "customRoomId" and booking.get("updatedBooking") is True:
                    previous = staged.get(key) or self._store.get(key)
                    if previous is None or not self.fx.custom_update_ok(True):
                        problems.append(f"no booking {bid} to update")
                    else:
                        fields = {**previous.fields, **booking}
                if not problems:
                    stored = StoredBooking(account.user_id, version, variant, bid, room, fields)
                    staged[key] = stored
            if problems:
                line = f"[ERROR][Booking ID: {bid}] {'; '.join(problems)}"
            else:
                line = f"[SUCCESS][Booking ID: {bid}] {SAVED}"
            verdicts.append(BookingVerdict(index, bid, stored is not None, line, tuple(mine)))
        verdicts = self.fx.verdicts(verdicts, doc=doc, version=version)
        saved = {v.booking_id for v in verdicts if v.saved}
        staged = {key: b for key, b in staged.items() if b.booking_id in saved}
        self._store.update(staged)
        return verdicts
