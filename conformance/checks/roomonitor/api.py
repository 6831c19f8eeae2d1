"""The Roomonitor calls as the checks make them, the bookings the suite sends, and what the
run learns along the way (the account's rooms).

Every helper tags the exchange with its operationId (login, logout, getRooms, importBookingsV1,
importBookingsV2), so the observers know which call they are looking at.

Every booking is plainly fictional: the guest is "Conformance Test Guest", e-mail addresses are
at example.com (RFC 2606), phone numbers are Australia's mobiles reserved for fiction
(+61 491 570 156 to 159: valid per libphonenumber, so a server that validates numbers accepts
them, yet never assigned to a subscriber), dates lie in the future, and ids start with
``conformance-`` and carry the seed, a stamp of the run and a counter, so they are unique per
run and easy to find and delete on the server. Room ids come from get-rooms (``--room-id`` if given, else the first listed).
"""
from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, urlencode

from conformance.checks.base import Context, Skip
from conformance.checks.shared import unknown_id  # noqa: F401  (re-exported for the checks)
from conformance.client import Exchange

GUEST_FIRST = "Conformance"
GUEST_LAST = "Test Guest"
GUEST_NAME = f"{GUEST_FIRST} {GUEST_LAST}"
GUEST_EMAIL = "conformance.guest@example.com"
PHONE_PREFIX = "61"                 # Australia
# ACMA's mobile numbers for use in fiction, 0491 570 156-159: valid per libphonenumber (unlike the
# Ofcom drama range +44 7700 900xxx, which it rates invalid), never assigned. Only four: cycled.
PHONE_NUMBERS = ("491570156", "491570157", "491570158", "491570159")
PM_NAME = "conformance-suite"
DAYS_AHEAD = 60                     # bookings start this many days after today

EMPTY_MESSAGE = "No bookings to update: empty request body"
NO_CUSTOMER = "No customer found with given customer ID"
NO_ROOMS = "No rooms associated with this user id"

_LINE = re.compile(r"^\[SUCCESS\]\s*\[Booking ID:\s*(?P<id>[^\]]*?)\s*\]")


# -- paths and calls -------------------------------------------------------------------------
def _seg(value: str) -> str:
    return quote(str(value), safe="")


def rooms_path(user_id: str) -> str:
    return f"/get-rooms/{_seg(user_id)}"


def import_path(version: str, user_id: str) -> str:
    return f"/{version}/import_bookings/{_seg(user_id)}"


IMPORT_OPERATION = {"v1": "importBookingsV1", "v2": "importBookingsV2"}


def user_id(ctx: Context) -> str:
    uid = ctx.options.user_id
    if not uid:
        raise Skip("no Roomonitor user id was given (--user-id or ROOMONITOR_USER_ID)")
    return str(uid)


def token(ctx: Context) -> str:
    tok = ctx.options.auth_token
    if not tok:
        raise Skip("no Roomonitor auth token was given (--auth-token or ROOMONITOR_AUTH_TOKEN)")
    return str(tok)


def get_rooms(ctx: Context, uid: str | None = None, **kw: Any) -> Exchange:
    return ctx.client.request("GET", rooms_path(uid if uid is not None else user_id(ctx)), operation="getRooms", **kw)


def post_import(ctx: Context, version: str, body: Any, uid: str | None = None, *, raw: bytes | None = None, **kw: Any) -> Exchange:
    """POST an import; ``raw`` sends those exact bytes as application/json instead of ``body``."""
    path = import_path(version, uid if uid is not None else user_id(ctx))
    if raw is not None:
        return ctx.client.request("POST", path, data=raw, content_type="application/json", operation=IMPORT_OPERATION[version], **kw)
    return ctx.client.request("POST", path, json=body, operation=IMPORT_OPERATION[version], **kw)


def headers_for(uid: str, tok: str) -> dict[str, str]:
    return {"X-User-Id": uid, "X-Auth-Token": tok}


# -- secrets -----------------------------------------------------------------------------------
def remember_secret(ctx: Context, value: str) -> None:
    """Mask a secret in every output, in every form it takes in a request body."""
    ctx.client.redactor.add(value)
    ctx.client.redactor.add(json.dumps(value, ensure_ascii=False)[1:-1])
    ctx.client.redactor.add(urlencode({"x": value})[2:])


def login_pair(data: object) -> tuple[str, str] | None:
    """(userId, authToken) of a login answer, when both are non-empty strings."""
    inner = data.get("data") if isinstance(data, dict) else None
    if not isinstance(inner, dict):
        return None
    user, tok = inner.get("userId"), inner.get("authToken")
    if isinstance(user, str) and user and isinstance(tok, str) and tok:
        return user, tok
    return None


def guard_login_tokens(ctx: Context) -> None:
    """Mask every token a login answers before any observer can quote the answer in a finding
    (observers judge an exchange as soon as it arrives, before the check reads the token)."""
    if ctx.state.get("rm_token_guard"):
        return
    ctx.state["rm_token_guard"] = True

    def guard(ex: Exchange) -> None:
        if ex.operation == "login" and ex.ok:
            pair = login_pair(ex.json_or_none())
            if pair is not None:
                remember_secret(ctx, pair[1])

    ctx.client.observers.insert(0, guard)


# -- discovery -------------------------------------------------------------------------------
def rooms(ctx: Context) -> list[dict]:
    """The rooms of get-rooms (fetched once). Skip when the server lists none."""
    if "rm_rooms" not in ctx.state:
        ex = get_rooms(ctx)
        ctx.state["rm_rooms_exchange"] = ex
        data = ex.json_or_none() if ex.status == 200 else None
        listed = [r for r in data if isinstance(r, dict) and isinstance(r.get("_id"), str) and r["_id"]] if isinstance(data, list) else []
        ctx.state["rm_rooms"] = listed
        if not listed:
            ctx.state["rm_rooms:why"] = f"get-rooms gave no usable room ({ex.describe()}), so no booking can name a room of the account"
    if not ctx.state["rm_rooms"]:
        raise Skip(ctx.state["rm_rooms:why"])
    return ctx.state["rm_rooms"]


def target_room(ctx: Context) -> str:
    """The room the suite books (--room-id, else the first listed)."""
    if ctx.options.room_id:
        return str(ctx.options.room_id)
    return str(rooms(ctx)[0]["_id"])


def room_or_placeholder(ctx: Context) -> str:
    """The target room, or a fictional one when none is known (auth probes only: a correct
    server refuses them before it looks at the bookings)."""
    try:
        return target_room(ctx)
    except Skip:
        return "conformance-room"


def foreign_room(ctx: Context) -> str:
    """A room id the account does not own."""
    owned = {str(r.get("_id")) for r in ctx.state.get("rm_rooms") or []}
    while True:
        candidate = unknown_id(ctx, "room")
        if candidate not in owned:
            return candidate


# -- bookings --------------------------------------------------------------------------------
def next_id(ctx: Context) -> str:
    """``conformance-<seed>-<run stamp>-<n>``: unique per run, recognisable, never a real id."""
    n = ctx.state.get("rm_counter", 0) + 1
    ctx.state["rm_counter"] = n
    return f"{run_prefix(ctx)}{n}"


def run_prefix(ctx: Context) -> str:
    """``conformance-<seed>-<stamp>-``. The stamp (the run's start second, base 36) keeps two runs
    with the same seed from sending the same booking ids to a real server, where a repeated id
    would be an update of the earlier run's booking rather than the insert the check means."""
    stamp = ctx.state.setdefault("rm_stamp", _base36(int(time.time())))
    return f"conformance-{ctx.options.seed}-{stamp}-"


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out or "0"


def _telephone(ctx: Context) -> str:
    """The national number of the next guest (without the country code), cycling the four."""
    return PHONE_NUMBERS[ctx.state.get("rm_counter", 0) % len(PHONE_NUMBERS)]


def guest_phone(ctx: Context) -> str:
    """The v2 ``guestPhone``: ``+61491570156`` … ``+61491570159``."""
    return f"+{PHONE_PREFIX}{_telephone(ctx)}"


def stay(offset_days: int = 0, nights: int = 2) -> tuple[datetime, datetime]:
    """A future stay: check-in 15:00 UTC ``DAYS_AHEAD + offset_days`` days from today."""
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    checkin = today + timedelta(days=DAYS_AHEAD + offset_days, hours=15)
    return checkin, checkin + timedelta(days=nights, hours=-4)


def epoch_ms(dt: datetime) -> int:
    return int(dt.timestamp()) * 1000


def v1_booking(ctx: Context, room: str, *, offset_days: int = 0) -> dict[str, str]:
    ref = next_id(ctx)
    checkin, checkout = stay(offset_days)
    return {
        "firstname": GUEST_FIRST, "lastname": GUEST_LAST,
        "prefix": PHONE_PREFIX, "telephone": _telephone(ctx),
        "email": GUEST_EMAIL, "room": room,
        "checkin": checkin.strftime("%Y-%m-%d"), "checkout": checkout.strftime("%Y-%m-%d"),
        "customerReference": ref,
    }


def v2_booking(ctx: Context, room: str, *, offset_days: int = 0, reversed_dates: bool = False) -> dict[str, Any]:
    """The roomId variant. ``reversed_dates``: checkout a day before checkin (an invalid booking)."""
    bid = next_id(ctx)
    checkin, checkout = stay(offset_days)
    if reversed_dates:
        checkout = checkin - timedelta(days=1)
    return {
        "id": bid, "roomId": room,
        "checkin": epoch_ms(checkin), "checkout": epoch_ms(checkout),
        "guestPhone": guest_phone(ctx),
        "guestName": GUEST_NAME, "lang": "EN",
    }


def v2_custom_insert(ctx: Context, custom_room: str, id_booking: str) -> dict[str, Any]:
    checkin, checkout = stay(3)
    return {
        "customRoomId": custom_room, "idBooking": id_booking, "pm": PM_NAME, "bookingType": "Booked",
        "checkin": epoch_ms(checkin), "checkout": epoch_ms(checkout),
        "guestPhone": guest_phone(ctx),
        "guestName": GUEST_NAME, "lang": "EN", "updatedBooking": False,
    }


def v2_custom_cancel(custom_room: str, id_booking: str) -> dict[str, Any]:
    """An update that cancels the booking; it omits checkin, checkout and guestPhone as allowed."""
    return {
        "customRoomId": custom_room, "idBooking": id_booking, "pm": PM_NAME, "bookingType": "Cancel",
        "guestName": GUEST_NAME, "lang": "EN", "updatedBooking": True,
    }


# -- result lines ----------------------------------------------------------------------------
def result_lines(ex: Exchange) -> list | None:
    """The parsed 200 body when it is a JSON array (items not yet checked), else None."""
    if ex.status != 200:
        return None
    data = ex.json_or_none()
    return data if isinstance(data, list) else None


def success_id(line: Any) -> str | None:
    """The id of a ``[SUCCESS][Booking ID: <id>] …`` line, None for any other line."""
    if not isinstance(line, str):
        return None
    m = _LINE.match(line)
    return m.group("id") if m else None


def is_success(line: Any) -> bool:
    return isinstance(line, str) and line.startswith("[SUCCESS]")


def message_of(ex: Exchange) -> Any:
    """The ``message`` of an error body, None when the body is not a JSON object."""
    data = ex.json_or_none()
    return data.get("message") if isinstance(data, dict) else None


def short(value: Any, limit: int = 160) -> str:
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
