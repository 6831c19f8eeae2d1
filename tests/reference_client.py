"""What the reference-server tests share: a keep-alive test ``Client``, the server fixtures,
and the builders of dates, meetings and bookings.

The tests of the bundled reference server are split by concern: ROOMZ behaviour
(test_reference_roomz.py), Roomonitor behaviour (test_reference_roomonitor.py), transport
(test_reference_transport.py), ``serve`` and the server's lifecycle (test_reference_serve.py),
variants and the fault data (test_reference_variants_and_faults.py).

Everything runs over real loopback HTTP(S) with ``requests``. That each fault breaks its
requirement (and only its documented collateral) is proven by the suite itself against it
(tests/test_roomz_run.py, tests/test_roomonitor_run.py, tests/test_many_faults.py).

The fixtures ``roomz``/``rz`` (a ROOMZ server, a client on it) and ``roomonitor``/``rm`` (the same
for Roomonitor) are defined as ``<name>_fixture`` and registered under ``<name>``: a test module
imports them explicitly (``from tests.reference_client import rz_fixture  # noqa: F401``) and
names them as parameters without shadowing the import.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from conformance.reference_server import DEFAULTS, ReferenceServer

AUTH = (DEFAULTS["username"], DEFAULTS["password"])


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


NOW = datetime.now(UTC).replace(second=0, microsecond=0)  # whole minutes: see reject-seconds
FAR = (NOW + timedelta(days=30)).replace(hour=8, minute=0, second=0)
WIDE = {"from": iso(NOW - timedelta(days=8)), "to": iso(NOW + timedelta(days=8))}


def slot(day: int, hour: int = 0, minutes: int = 60) -> tuple[str, str]:
    """A far-future slot, away from the seed (which stays within 7 days of now)."""
    start = FAR + timedelta(days=day, hours=hour)
    return iso(start), iso(start + timedelta(minutes=minutes))


def meeting_body(start: str, end: str, subject: str = "Conformance check", organizer: str = "u567") -> dict:
    return {"subject": subject, "organizerId": organizer, "startDateUTC": start, "endDateUTC": end}


def v1_booking(room: str, ref: str = "R-1001") -> dict:
    return {"firstname": "Jose", "lastname": "Garcia Gonzalez", "prefix": "34", "telephone": "666555444",
            "email": "jose.garcia@example.com", "room": room, "checkin": "2026-12-10",
            "checkout": "2026-12-12", "customerReference": ref}


def v2_booking(room: str, bid: str = "15566") -> dict:
    return {"id": bid, "roomId": room, "checkin": 1796000000000, "checkout": 1796172800000,
            "guestPhone": "+34666555666", "guestName": "LOUIS MCARTHUR", "lang": "EN"}


class Client:
    """A keep-alive session bound to one server's base URL."""

    def __init__(self, srv: ReferenceServer, verify: Any = True) -> None:
        self.base = srv.url
        self.session = requests.Session()
        self.verify = verify  # per request: REQUESTS_CA_BUNDLE would override a session-level verify

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 5)
        kwargs.setdefault("verify", self.verify)
        return self.session.request(method, self.base + path, **kwargs)

    # ROOMZ shortcuts (authenticated)
    def rooms(self) -> requests.Response:
        return self("GET", "/rooms", auth=AUTH)

    def meetings(self, room: str = "57", **window: str) -> requests.Response:
        return self("GET", f"/rooms/{room}/meetings", params=window or WIDE, auth=AUTH)

    def create(self, room: str, body: Any, **kw: Any) -> requests.Response:
        return self("POST", f"/rooms/{room}/meetings", json=body, auth=AUTH, **kw)

    def update(self, room: str, meeting_id: str, body: Any) -> requests.Response:
        return self("PUT", f"/rooms/{room}/meetings/{meeting_id}", json=body, auth=AUTH)

    def find(self, room: str, meeting_id: str, window: dict | None = None) -> dict | None:
        listed = self.meetings(room, **(window or {"from": iso(FAR - timedelta(days=1)),
                                                    "to": iso(FAR + timedelta(days=90))})).json()
        return next((m for m in listed if m["meetingId"] == meeting_id), None)

    # Roomonitor shortcuts
    def rm_headers(self, user: str | None = None, token: str | None = None) -> dict:
        return {"X-User-Id": user or DEFAULTS["user_id"], "X-Auth-Token": token or DEFAULTS["auth_token"]}

    def get_rooms(self, user: str | None = None, headers: dict | None = None) -> requests.Response:
        return self("GET", f"/get-rooms/{user or DEFAULTS['user_id']}",
                    headers=self.rm_headers() if headers is None else headers)

    def imports(self, version: str, body: Any, user: str | None = None, headers: dict | None = None,
                raw: bytes | None = None) -> requests.Response:
        kwargs: dict[str, Any] = {"data": raw} if raw is not None else {"json": body}
        return self("POST", f"/{version}/import_bookings/{user or DEFAULTS['user_id']}",
                    headers=self.rm_headers() if headers is None else headers, **kwargs)


def rooms_of(c: Client) -> list[str]:
    return [r["_id"] for r in c.get_rooms().json()]


@pytest.fixture(name="roomz")
def roomz_fixture():
    with ReferenceServer(api="roomz") as srv:
        yield srv


@pytest.fixture(name="rz")
def rz_fixture(roomz) -> Client:
    return Client(roomz)


@pytest.fixture(name="roomonitor")
def roomonitor_fixture():
    with ReferenceServer(api="roomonitor") as srv:
        yield srv


@pytest.fixture(name="rm")
def rm_fixture(roomonitor) -> Client:
    return Client(roomonitor)
