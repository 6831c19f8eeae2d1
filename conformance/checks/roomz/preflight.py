"""Before anything is judged: is this run configured right? (docs/interface.md, exit 2)

A vendor's slip in configuring the run (credentials, room, base URL, API) is not the server's
non-conformance: it is said in one sentence, with what to fix, and nothing is judged.
"""
from __future__ import annotations

from datetime import timedelta

from conformance.checks import tolerant
from conformance.checks.apis import ConfigurationError, Unreachable, api_profile
from conformance.checks.dates import now_utc
from conformance.checks.roomz import api
from conformance.checks.roomz.discovery import RoomzDiscovery
from conformance.client import Client

CHECK_CREDENTIALS = "check ROOMZ_USERNAME and ROOMZ_PASSWORD (or --username, --password)"


def looks_like_roomz(client: Client) -> bool:
    """An unauthenticated GET /rooms: a ROOMZ server asks for Basic credentials (or lists rooms)."""
    ex = api.get_rooms(client, auth="none", auth_label="preflight")
    challenge = (ex.header("WWW-Authenticate") or "").lower()
    return (ex.status == 401 and "basic" in challenge) or (ex.status == 200 and tolerant.items_of(ex).items is not None)


def preflight(d: RoomzDiscovery) -> None:
    """One request that nothing judges (the listing is read again by discovery), and more only
    when it points to a configuration slip."""
    ex = d.client.request("GET", "/rooms", operation=None, auth_label="preflight")
    if ex.status is None:
        raise Unreachable(ex.error or "no answer")
    now = now_utc()
    if ex.status in (401, 403):
        room = d.options.room_id or d.made_up_room
        other = api.get_meetings(d.client, room, now, now + timedelta(hours=1), auth_label="preflight")
        if other.status in (401, 403):
            raise ConfigurationError(f"the server refused the given credentials ({ex.method} {ex.path} -> {ex.status}, "
                                     f"{other.method} meetings -> {other.status}); {CHECK_CREDENTIALS}")
        return   # refused on some calls only: judged (RZ-AUTH-VALID)
    if ex.status == 404:
        if d.options.room_id:   # the rooms listing is missing, but the given room may answer: judged
            other = api.get_meetings(d.client, d.options.room_id, now, now + timedelta(hours=1), auth_label="preflight")
            if other.status == 200:
                return
        if api_profile("roomonitor").looks_like(d.client):
            raise ConfigurationError("this looks like a Roomonitor server, not a ROOMZ connector (GET /rooms -> 404, "
                                     "GET /get-rooms answers as Roomonitor does); check --api")
        raise ConfigurationError(f"GET /rooms answered 404 at {d.client.base_url}: nothing of the ROOMZ API seems to "
                                 "be there; check --base-url (a path prefix such as /api/roomz?)")
    if d.options.room_id:
        listed = tolerant.items_of(ex).items if ex.status == 200 else None
        ids = [tolerant.text(tolerant.get(r, "roomId", "id", "_id")) for r in listed or []]
        if ids and str(d.options.room_id) not in ids:
            shown = ", ".join(repr(i) for i in ids[:5] if i) + (", …" if len(ids) > 5 else "")
            raise ConfigurationError(f"--room-id {d.options.room_id!r} is not among the rooms GET /rooms lists "
                                     f"({shown}); check --room-id")
