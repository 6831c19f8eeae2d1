"""Checks of the ROOMZ Connector API (RZ-*), one module per catalog section, and its profile."""
from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from conformance.checks.apis import ApiProfile, Credential
from conformance.checks.roomz import (  # noqa: F401  (importing registers the checks)
    auth,
    conventions,
    create,
    meetings,
    properties,
    rooms,
    update,
)
from conformance.checks.roomz.causes import root_causes
from conformance.checks.roomz.discovery import RoomzDiscovery
from conformance.checks.roomz.preflight import looks_like_roomz, preflight
from conformance.checks.roomz.scratch import release_all

if TYPE_CHECKING:
    from conformance.options import RunOptions


def auth_headers(options: RunOptions) -> dict[str, str]:
    if options.username is None or options.password is None:
        return {}
    token = base64.b64encode(f"{options.username}:{options.password}".encode()).decode("ascii")
    return {"Authorization": "Basic " + token}


PROFILE = ApiProfile(
    name="roomz",
    title="ROOMZ Connector API",
    checks_module=__name__,
    credentials=(Credential("username", "ROOMZ_USERNAME", "--username"),
                 Credential("password", "ROOMZ_PASSWORD", "--password")),
    auth_headers=auth_headers,
    discovery=RoomzDiscovery,
    preflight=preflight,
    exclusions=lambda options: {},
    release=release_all,
    root_causes=root_causes,
    looks_like=looks_like_roomz,
    owners={"listRooms": "RZ-ROOMS", "listMeetings": "RZ-MEETINGS", "createMeeting": "RZ-CREATE",
            "updateMeeting": "RZ-UPDATE"},
    # the user name is no secret (the README lists the password and tokens): server content and the
    # suite's hints show it as it is; only reproduce lines write it as $ROOMZ_USERNAME (placeholders)
)
