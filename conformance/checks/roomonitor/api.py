"""The Roomonitor calls as the checks make them, the bookings the suite sends, and result lines.

Every call tags its exchange with its operationId (login, logout, getRooms, importBookingsV1,
importBookingsV2), so the observers know which call they are looking at.

Every booking is plainly fictional: the guest is "Conformance Test Guest", e-mail addresses are
at example.com (RFC 2606), phone numbers are Australia's mobiles reserved for fiction
(+61 491 570 156 to 159: valid per libphonenumber, so a server that validates numbers accepts
them, yet never assigned to a subscriber), dates lie in the future, and ids start with
``conformance-`` and carry the seed, a stamp of the run and a counter, so they are unique per
run and easy to find and delete on the server.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypedDict
from urllib.parse import quote

from conformance.client import Client, Exchange

if TYPE_CHECKING:
    from typing import Unpack

    from conformance.client import Credentials

GUEST_FIRST = "Conformance"
GUEST_LAST = "Test Guest"
GUEST_NAME = f"{GUEST_FIRST} {GUEST_LAST}"
GUEST_NAME_UNICODE = f"{GUEST_NAME} Zoë Ñandú Łódź 日本 Ελένη"   # the same fictional guest, in several scripts
GUEST_EMAIL = "conformance.guest@example.com"
PHONE_PREFIX = "61"                 # Australia
# ACMA's mobile numbers for use in fiction, 0491 570 156-159: valid per libphonenumber (unlike the
# Ofcom drama range +44 7700 900xxx, which it rates invalid), never assigned. Only four: cycled.
PHONE_NUMBERS = ("491570156", "491570157", "491570158", "491570159")
PM_NAME = "conformance-suite"
DAYS_AHEAD = 60                     # bookings start this many days after today

EMPTY_MESSAGE = "No bookings to update: empty request body"
NO_CUSTOMER = "No customer found with given customer ID"
NO_USERS = "No users associated with this user id"
NO_ROOMS = "No rooms associated with this user id"

_LINE = re.compile(r"^\[SUCCESS\]\s*\[Booking ID:\s*(?P<id>[^\]]*?)\s*\]")
IMPORT_OPERATION = {"v1": "importBookingsV1", "v2": "importBookingsV2"}


# -- paths and calls -------------------------------------------------------------------------
def _seg(value: str) -> str:
    return quote(str(value), safe="")


def rooms_path(user_id: str) -> str:
    return f"/get-rooms/{_seg(user_id)}"


def import_path(version: str, user_id: str) -> str:
    return f"/{version}/import_bookings/{_seg(user_id)}"


def get_rooms(client: Client, user_id: str, **kw: Unpack[Credentials]) -> Exchange:
    return client.request("GET", rooms_path(user_id), operation="getRooms", **kw)


def post_import(client: Client, version: str, user_id: str, body: object, *,
                raw: bytes | None = None, **kw: Unpack[Credentials]) -> Exchange:
    """POST an import; ``raw`` sends those exact bytes as application/json instead of ``body``."""
    path = import_path(version, user_id)
    if raw is not None:
        return client.request("POST", path, data=raw, content_type="application/json",
                              operation=IMPORT_OPERATION[version],
                              **kw)
    return client.request("POST", path, json=body, operation=IMPORT_OPERATION[version], **kw)


def login(client: Client, how: str, email: str, password: str) -> Exchange:
    if how == "JSON":
        return client.request("POST", "/login", json={"email": email, "password": password}, auth="none",
                              auth_label="login", operation="login")
    from urllib.parse import urlencode

    return client.request("POST", "/login", data=urlencode({"username": email, "password": password}),
                          content_type="application/x-www-form-urlencoded", auth="none", auth_label="login",
                          operation="login")


def headers_for(uid: str, tok: str) -> dict[str, str]:
    return {"X-User-Id": uid, "X-Auth-Token": tok}


def login_pair(data: object) -> tuple[str, str] | None:
    """(userId, authToken) of a login answer, when both are non-empty strings."""
    inner = data.get("data") if isinstance(data, dict) else None
    if not isinstance(inner, dict):
        return None
    user, tok = inner.get("userId"), inner.get("authToken")
    if isinstance(user, str) and user and isinstance(tok, str) and tok:
        return user, tok
    return None


# -- bookings --------------------------------------------------------------------------------
def stay(offset_days: int = 0, nights: int = 2) -> tuple[datetime, datetime]:
    """A future stay: check-in 15:00 UTC ``DAYS_AHEAD + offset_days`` days from today."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    checkin = today + timedelta(days=DAYS_AHEAD + offset_days, hours=15)
    return checkin, checkin + timedelta(days=nights, hours=-4)


def epoch_ms(dt: datetime) -> int:
    return int(dt.timestamp()) * 1000


class V2Booking(TypedDict, total=False):
    """A v2 booking the suite sends (either variant); a probe may leave a field out on purpose."""
    id: str
    roomId: str
    customRoomId: str
    idBooking: str
    pm: str
    bookingType: str
    checkin: int
    checkout: int
    guestPhone: str
    guestName: str
    lang: str
    updatedBooking: bool


def v1_booking(ref: str, room: str, phone: str, *, offset_days: int = 0) -> dict[str, str]:
    checkin, checkout = stay(offset_days)
    return {
        "firstname": GUEST_FIRST, "lastname": GUEST_LAST,
        "prefix": PHONE_PREFIX, "telephone": phone,
        "email": GUEST_EMAIL, "room": room,
        "checkin": checkin.strftime("%Y-%m-%d"), "checkout": checkout.strftime("%Y-%m-%d"),
        "customerReference": ref,
    }


def v2_booking(bid: str, room: str, phone: str, *, offset_days: int = 0, nights: int = 2) -> V2Booking:
    """The roomId variant."""
    checkin, checkout = stay(offset_days, nights)
    if nights == 0:
        checkout = checkin
    return {
        "id": bid, "roomId": room,
        "checkin": epoch_ms(checkin), "checkout": epoch_ms(checkout),
        "guestPhone": f"+{PHONE_PREFIX}{phone}",
        "guestName": GUEST_NAME, "lang": "EN",
    }


def v2_custom_insert(custom_room: str, id_booking: str, phone: str) -> V2Booking:
    checkin, checkout = stay(3)
    return {
        "customRoomId": custom_room, "idBooking": id_booking, "pm": PM_NAME, "bookingType": "Booked",
        "checkin": epoch_ms(checkin), "checkout": epoch_ms(checkout),
        "guestPhone": f"+{PHONE_PREFIX}{phone}",
        "guestName": GUEST_NAME, "lang": "EN", "updatedBooking": False,
    }


def v2_custom_cancel(custom_room: str, id_booking: str) -> V2Booking:
    """An update that cancels the booking; it omits checkin, checkout and guestPhone as allowed."""
    return {
        "customRoomId": custom_room, "idBooking": id_booking, "pm": PM_NAME, "bookingType": "Cancel",
        "guestName": GUEST_NAME, "lang": "EN", "updatedBooking": True,
    }


# -- result lines ----------------------------------------------------------------------------
def result_lines(ex: Exchange) -> list[object] | None:
    """The parsed 200 body when it is a JSON array (items not yet checked), else None."""
    if ex.status != 200:
        return None
    data = ex.json_or_none()
    return data if isinstance(data, list) else None


def success_id(line: object) -> str | None:
    """The id of a ``[SUCCESS][Booking ID: <id>] …`` line, None for any other line."""
    if not isinstance(line, str):
        return None
    m = _LINE.match(line)
    return m.group("id") if m else None


def is_success(line: object) -> bool:
    return isinstance(line, str) and line.startswith("[SUCCESS]")


def message_of(ex: Exchange) -> object:
    """The ``message`` of an error body, None when the body is not a JSON object."""
    data = ex.json_or_none()
    return data.get("message") if isinstance(data, dict) else None


def short(value: object, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def body_kind(ex: Exchange) -> str:
    """What the answer was, in a few words, for messages."""
    if ex.status is None:
        return f"no answer ({ex.error})"
    data = ex.json_or_none()
    if data is None:
        return f"{ex.status} with a body that is not JSON"
    return f"{ex.status} {short(data)}"
