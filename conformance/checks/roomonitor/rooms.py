"""Rooms (RM-ROOMS): ``GET /get-rooms/{userId}`` answers 200 with an array of {_id, name}."""
from __future__ import annotations

from conformance.checks.base import Context, Skip, check
from conformance.checks.roomonitor import api
from conformance.spec import shape_problems


@check("RM-ROOMS")
def rooms_are_listed(ctx: Context) -> None:
    ex = api.get_rooms(ctx)
    data = ex.json_or_none()
    if ex.status == 400 and api.message_of(ex) == api.NO_ROOMS:
        raise Skip(f"the account has no rooms (get-rooms answered 400 {api.NO_ROOMS!r}, as documented), so the listing's shape "
                   "could not be verified")
    if ex.status is None or ex.status >= 500:
        raise Skip(f"get-rooms could not be verified: {ex.describe()}")
    if ex.status != 200:
        ctx.fail("RM-ROOMS", f"RM-ROOMS expects GET /get-rooms/{{userId}} with valid credentials to answer 200; the server answered "
                 f"{api.body_kind(ex)}", ex, signature=f"status:{ex.status}")
        return
    if not isinstance(data, list):
        ctx.fail("RM-ROOMS", f"RM-ROOMS expects a JSON array of rooms; the server answered 200 with {api.short(data) if data is not None else 'a body that is not JSON'}",
                 ex, signature="not-array")
        return
    bad = 0
    for index, room in enumerate(data):
        problems = shape_problems("roomonitor-room.json", room)
        if problems:
            bad += 1
            if bad <= 3:
                detail = "; ".join(f"{p or 'the room'}: {m}" for _, p, m in problems[:3])
                ctx.fail("RM-ROOMS", f"RM-ROOMS expects every room to be {{\"_id\": <non-empty string>, \"name\": <string>}}; room {index} "
                         f"is {api.short(room)} ({detail})", ex, signature=f"shape:{'|'.join(sorted({m[:40] for _, _, m in problems}))}")
        else:
            ctx.exercised("RM-ROOMS")
    if not data:
        ctx.exercised("RM-ROOMS")
        ctx.note("RM-ROOMS", "get-rooms answered an empty array: no room is available for the import checks")
    if ctx.options.room_id and not any(isinstance(r, dict) and r.get("_id") == ctx.options.room_id for r in data):
        ctx.note("RM-ROOMS", "the --room-id given is not among the rooms get-rooms lists; the import checks book it anyway")
