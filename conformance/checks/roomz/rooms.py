"""Rooms (RZ-ROOMS, RZ-ROOMS-UNIQUE): judged on every GET /rooms answer of the run."""
from __future__ import annotations

from conformance.checks import tolerant
from conformance.checks.model import Recorder, check, observer
from conformance.checks.roomz.discovery import RoomzDiscovery
from conformance.checks.shared import duplicates, listed
from conformance.client import Exchange
from conformance.spec import shape_problems


@check("RZ-ROOMS")
def list_rooms(d: RoomzDiscovery, rec: Recorder) -> None:
    """The listing discovery reads (once); the observer below judges it."""
    d.rooms_answer


@check("RZ-ROOMS-UNIQUE")
def list_rooms_unique(d: RoomzDiscovery, rec: Recorder) -> None:
    d.rooms_answer


@observer("RZ-ROOMS")
def rooms_shape(rec: Recorder, ex: Exchange) -> None:
    if ex.operation != "listRooms" or ex.auth != "valid" or ex.status is None or ex.status in (401, 403) or ex.error:
        return   # refused credentials are RZ-AUTH-VALID's finding
    if ex.status != 200:
        rec.fail("GET /rooms to answer 200", f"it answered {ex.describe()}", ex, kind=f"status:{ex.status}")
        return
    found = listed(rec, ex, "rooms")
    if found is None or found.items is None:
        return
    if not found.wrapped:
        rec.passed()
    data = ex.json_or_none()
    rooms = data if isinstance(data, list) else found.items
    prefix = "" if isinstance(data, list) else f"/{found.wrapped}"
    for i, room in enumerate(rec.judged(rooms, "rooms")):
        for kind, pointer, message in shape_problems("room.json", room):
            if kind == "shape":
                rec.fail("each room to be {roomId: non-empty string, name: string}",
                         f"at {prefix}/{i}{pointer}: {message}",
                         ex, kind=f"room{pointer}:{message[:60]}")


@observer("RZ-ROOMS-UNIQUE", unseen="GET /rooms gave no room list to judge", needs=("RZ-ROOMS",))
def rooms_unique(rec: Recorder, ex: Exchange) -> None:
    if ex.operation != "listRooms" or ex.status != 200:
        return
    rooms = tolerant.items_of(ex).items
    if rooms is None:
        return
    ids = [{"roomId": tolerant.text(tolerant.get(r, "roomId", "id"))} for r in rec.judged(rooms, "rooms")]
    for key, first, again in duplicates(ids, "roomId"):
        rec.fail("unique roomId values", f"{key!r} is listed at /{first} and /{again}", ex, kind=f"dup:{key}")
    rec.passed()
