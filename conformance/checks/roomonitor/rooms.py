"""Rooms (RM-ROOMS): ``GET /get-rooms/{userId}`` answers 200 with an array of {_id, name},
judged on every get-rooms answer of the run with the given credentials."""
from __future__ import annotations

from conformance.checks.model import Blocked, Recorder, check, observer
from conformance.checks.roomonitor import api
from conformance.checks.roomonitor.discovery import RoomonitorDiscovery
from conformance.checks.shared import listed
from conformance.client import Exchange
from conformance.spec import shape_problems

SHAPE = '{"_id": <non-empty string>, "name": <string>}'


@check("RM-ROOMS")
def rooms_are_listed(d: RoomonitorDiscovery, rec: Recorder) -> None:
    """The listing discovery reads (once); the observer below judges it."""
    ex = d.rooms_answer
    if ex.status == 400 and api.message_of(ex) == api.NO_ROOMS:
        raise Blocked(f"the account has no rooms (get-rooms answered 400 {api.NO_ROOMS!r}, as documented), so the "
                      "listing's shape could not be verified")
    if d.options.room_id:
        try:
            if str(d.options.room_id) not in d.rooms:
                rec.note("the --room-id given is not among the rooms get-rooms lists; the import checks book it anyway")
        except Blocked:
            pass


@observer("RM-ROOMS")
def rooms_shape(rec: Recorder, ex: Exchange) -> None:
    if ex.operation != "getRooms" or ex.auth != "valid" or ex.status is None or ex.status in (401,) or ex.error:
        return
    if ex.status == 400 and api.message_of(ex) == api.NO_ROOMS:
        return   # documented for an account without rooms
    if ex.status != 200:
        rec.fail("GET /get-rooms/{userId} with valid credentials to answer 200",
                 f"the server answered {api.body_kind(ex)}",
                 ex, kind=f"status:{ex.status}")
        return
    found = listed(rec, ex, "rooms")
    if found is None or found.items is None:
        return
    bad = 0
    for index, room in enumerate(rec.judged(found.items, "rooms")):
        problems = shape_problems("roomonitor-room.json", room)
        if problems:
            bad += 1
            if bad <= 3:
                detail = "; ".join(f"{p or 'the room'}: {m}" for _, p, m in problems[:3])
                rec.fail(f"every room to be {SHAPE}", f"room {index} is {api.short(room)} ({detail})", ex,
                         kind=f"shape:{'|'.join(sorted({m[:40] for _, _, m in problems}))}")
        elif not found.wrapped:
            rec.passed()
    if not found.items and not found.wrapped:
        rec.passed()
        rec.note("get-rooms answered an empty array: no room is available for the import checks")
