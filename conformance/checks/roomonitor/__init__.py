"""Checks of the Roomonitor booking import API (RM-*), one module per concern, and its profile."""
from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.checks.apis import ApiProfile, Credential
from conformance.checks.roomonitor import auth, conventions, imports, properties, rooms  # noqa: F401
from conformance.checks.roomonitor.causes import root_causes
from conformance.checks.roomonitor.discovery import RoomonitorDiscovery
from conformance.checks.roomonitor.preflight import looks_like_roomonitor, preflight

if TYPE_CHECKING:
    from conformance.options import RunOptions


def auth_headers(options: RunOptions) -> dict[str, str]:
    headers = {}
    if options.user_id:
        headers["X-User-Id"] = str(options.user_id)
    if options.auth_token:
        headers["X-Auth-Token"] = str(options.auth_token)
    return headers


def exclusions(options: RunOptions) -> dict[str, str]:
    if options.login_email and options.login_password:
        return {}
    why = "no login credentials were given (--login-email, --login-password), so {} is not certified by this run"
    return {"RM-LOGIN": why.format("login"), "RM-LOGOUT": why.format("logout")}


PROFILE = ApiProfile(
    name="roomonitor",
    title="Roomonitor booking import API",
    checks_module=__name__,
    credentials=(Credential("user_id", "ROOMONITOR_USER_ID", "--user-id"),
                 Credential("auth_token", "ROOMONITOR_AUTH_TOKEN", "--auth-token")),
    auth_headers=auth_headers,
    discovery=RoomonitorDiscovery,
    preflight=preflight,
    exclusions=exclusions,
    release=lambda d: [],
    root_causes=root_causes,
    looks_like=looks_like_roomonitor,
    owners={"getRooms": "RM-ROOMS", "importBookingsV1": "RM-IMPORT-V1", "importBookingsV2": "RM-IMPORT-V2",
            "login": "RM-LOGIN"},
    mask_as_variable=("user_id",),
)
