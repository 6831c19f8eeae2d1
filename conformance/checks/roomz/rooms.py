"""Rooms (RZ-ROOMS, RZ-ROOMS-UNIQUE): judged on every GET /rooms answer of the run."""
from __future__ import annotations

from conformance.checks.base import Context, check, observer
from conformance.checks.roomz import api
from conformance.checks.shared import duplicates
from conformance.client import Exchange
from conformance.spec import shape_problems


@check("RZ-ROOMS")
def list_rooms(ctx: Context) -> None:
    api.get_rooms(ctx)


@check("RZ-ROOMS-UNIQUE")
def list_rooms_unique(ctx: Context) -> None:
    api.get_rooms(ctx)


@observer("RZ-ROOMS")
def rooms_shape(ctx: Context, ex: Exchange) -> None:
    if ex.operation != "listRooms" or ex.auth != "valid" or ex.status is None or ex.status in (401, 403) or ex.error:
        return
    if ex.status != 200:
        ctx.fail("RZ-ROOMS", f"RZ-ROOMS expects GET /rooms to answer 200; it answered {ex.describe()}", ex, signature=f"status:{ex.status}")
        return
    data = ex.json_or_none()
    if not isinstance(data, list):
        ctx.fail("RZ-ROOMS", f"RZ-ROOMS expects a JSON array of rooms; got {type(data).__name__ if data is not None else 'no JSON'}", ex, signature="not-array")
        return
    ctx.exercised("RZ-ROOMS")
    for i, room in enumerate(data):
        for kind, pointer, message in shape_problems("room.json", room):
            if kind == "shape":
                ctx.fail("RZ-ROOMS", f"RZ-ROOMS expects each room to be {{roomId: non-empty string, name: string}}; at /{i}{pointer}: {message}", ex,
                         signature=f"room{pointer}:{message[:60]}")


@observer("RZ-ROOMS-UNIQUE")
def rooms_unique(ctx: Context, ex: Exchange) -> None:
    if ex.operation != "listRooms" or ex.status != 200:
        return
    data = ex.json_or_none()
    if not isinstance(data, list):
        return
    for key, first, again in duplicates(data, "roomId"):
        ctx.fail("RZ-ROOMS-UNIQUE", f"RZ-ROOMS-UNIQUE expects unique roomId values, but {key!r} is listed at /{first} and /{again}", ex,
                 signature=f"dup:{key}")
    ctx.exercised("RZ-ROOMS-UNIQUE")
