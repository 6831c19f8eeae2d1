"""Before anything is judged: is this run configured right? (docs/interface.md, exit 2)"""
from __future__ import annotations

from conformance.checks import tolerant
from conformance.checks.apis import ConfigurationError, Unreachable, api_profile
from conformance.checks.roomonitor import api
from conformance.checks.roomonitor.discovery import RoomonitorDiscovery
from conformance.client import Client

CHECK_CREDENTIALS = "check ROOMONITOR_USER_ID and ROOMONITOR_AUTH_TOKEN (or --user-id, --auth-token)"


def looks_like_roomonitor(client: Client) -> bool:
    """An unauthenticated get-rooms: a Roomonitor server refuses it with {status, message}."""
    ex = api.get_rooms(client, "conformance-preflight", auth="none", auth_label="preflight")
    data = ex.json_or_none()
    return ex.status in (400, 401) and isinstance(data, dict) and "message" in data and "status" in data


def preflight(d: RoomonitorDiscovery) -> None:
    """One request that nothing judges (the listing is read again by discovery), and more only
    when it points to a configuration slip."""
    ex = d.client.request("GET", api.rooms_path(d.user_id), operation=None, auth_label="preflight")
    if ex.status is None:
        raise Unreachable(ex.error or "no answer")
    challenge = (ex.header("WWW-Authenticate") or "").lower()
    if ex.status == 401 and "basic" in challenge:
        raise ConfigurationError("this looks like a ROOMZ connector, not a Roomonitor server (it asks for Basic "
                                 "authentication); check --api")
    if ex.status == 401:
        if not d.options.read_only:   # an empty import is refused by any server and saves nothing
            other = api.post_import(d.client, "v2", d.user_id, [], auth_label="preflight")
            if other.status != 401:
                return   # refused on some calls only: judged (RM-ROOMS, the auth requirements)
        raise ConfigurationError("the server refused the given credentials (GET /get-rooms/$ROOMONITOR_USER_ID -> "
                                 f"401); {CHECK_CREDENTIALS}")
    if ex.status == 400 and api.message_of(ex) == api.NO_USERS:
        raise ConfigurationError("the server knows no user with the given id (get-rooms answered 400 "
                                 f"{api.NO_USERS!r}); {CHECK_CREDENTIALS}")
    if ex.status == 404:
        unauth = api.post_import(d.client, "v2", "conformance-preflight", [], auth="none", auth_label="preflight")
        if unauth.status == 404:
            if api_profile("roomz").looks_like(d.client):
                raise ConfigurationError("this looks like a ROOMZ connector, not a Roomonitor server (GET /get-rooms "
                                         "-> 404, GET /rooms asks for Basic credentials); check --api")
            raise ConfigurationError(f"nothing of the Roomonitor API answers at {d.client.base_url} (get-rooms and the "
                                     "imports -> 404); check --base-url")
        return
    if d.options.room_id and ex.status == 200:
        listed = tolerant.items_of(ex).items or []
        ids = [tolerant.text(tolerant.get(r, "_id", "id", "roomId")) for r in listed]
        if ids and str(d.options.room_id) not in ids:
            shown = ", ".join(repr(i) for i in ids[:5] if i) + (", …" if len(ids) > 5 else "")
            raise ConfigurationError(f"--room-id {d.options.room_id!r} is not among the rooms get-rooms lists "
                                     f"({shown}); check --room-id")
