"""The bundled reference server: correct on both contracts, its variants, its transport.

Everything runs over real loopback HTTP(S) with ``requests``. That each fault breaks its
requirement (and only its documented collateral) is proven by the suite itself against it
(tests/test_roomz_run.py, tests/test_roomonitor_run.py, tests/test_many_faults.py).
"""
from __future__ import annotations

import base64
import http.client
import json
import re
import ssl
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import pytest
import requests
import yaml

from conformance.reference_server import (DEFAULTS, FAULTS, MAX_BODY, VARIANT_API, VARIANTS,
                                          ReferenceServer, serve_main)

AUTH = (DEFAULTS["username"], DEFAULTS["password"])
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
MEETING_FIELDS = {"meetingId": str, "subject": str, "organizerId": str, "organizerName": str,
                  "startDateUTC": str, "endDateUTC": str, "creationDateUTC": str,
                  "isPrivate": bool, "isCancelled": bool}
CATALOG = yaml.safe_load((Path(__file__).parents[1] / "conformance" / "requirements.yaml").read_text())
CATALOG_IDS = {r["id"]: r for r in CATALOG["requirements"]}


def iso(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


NOW = datetime.now(timezone.utc).replace(second=0, microsecond=0)  # whole minutes: see reject-seconds
FAR = (NOW + timedelta(days=30)).replace(hour=8, minute=0, second=0)
WIDE = {"from": iso(NOW - timedelta(days=8)), "to": iso(NOW + timedelta(days=8))}


def slot(day: int, hour: int = 0, minutes: int = 60) -> tuple[str, str]:
    """A far-future slot, away from the seed (which stays within 7 days of now)."""
    start = FAR + timedelta(days=day, hours=hour)
    return iso(start), iso(start + timedelta(minutes=minutes))


def meeting_body(start: str, end: str, subject: str = "Conformance check", organizer: str = "u567") -> dict:
    return {"subject": subject, "organizerId": organizer, "startDateUTC": start, "endDateUTC": end}


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


@pytest.fixture
def roomz():
    with ReferenceServer(api="roomz") as srv:
        yield srv


@pytest.fixture
def rz(roomz) -> Client:
    return Client(roomz)


@pytest.fixture
def roomonitor():
    with ReferenceServer(api="roomonitor") as srv:
        yield srv


@pytest.fixture
def rm(roomonitor) -> Client:
    return Client(roomonitor)


def basic(raw: bytes) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


# ============================================================================ ROOMZ happy paths
def test_rooms_are_listed_as_json(rz):
    r = rz.rooms()
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    rooms = r.json()
    assert [x["roomId"] for x in rooms] == ["57", "22", "r212", "8", "r305"]
    assert all(set(x) == {"roomId", "name"} and isinstance(x["name"], str) for x in rooms)


def test_meetings_carry_every_field_and_the_seed_covers_every_shape(rz):
    listed = []
    for room in ("57", "22", "r212", "8", "r305"):
        r = rz.meetings(room)
        assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
        listed += r.json()
    assert rz.meetings("8").json() == []  # one room without meetings
    for m in listed:
        for name, kind in MEETING_FIELDS.items():
            assert isinstance(m[name], kind), (name, m)
        for name in ("startDateUTC", "endDateUTC", "creationDateUTC"):
            assert DATE_RE.match(m[name])
        assert parse(m["startDateUTC"]) <= parse(m["endDateUTC"])
        assert abs(parse(m["startDateUTC"]) - NOW) <= timedelta(days=7)
    assert len({m["meetingId"] for m in listed}) == len(listed)
    images = [m["imageUrl"] for m in listed if "imageUrl" in m]
    assert None in images and any(isinstance(u, str) and u.startswith("https://") for u in images)
    assert any("imageUrl" not in m for m in listed)
    assert any(m["isPrivate"] for m in listed) and any(m["isCancelled"] for m in listed)
    assert any(parse(m["startDateUTC"]) <= NOW < parse(m["endDateUTC"]) for m in listed)
    assert any(parse(m["endDateUTC"]) < NOW for m in listed)
    assert {m["organizerId"] for m in listed} >= {"u567", "u568"}


def test_window_lists_exactly_the_overlapping_meetings(rz):
    everything = rz.meetings("57").json()
    running = next(m for m in everything if parse(m["startDateUTC"]) <= NOW < parse(m["endDateUTC"]))
    start, end = running["startDateUTC"], running["endDateUTC"]
    # In progress at `from`: listed.
    assert running["meetingId"] in [m["meetingId"] for m in rz.meetings("57", **{"from": iso(NOW), "to": iso(NOW + timedelta(minutes=1))}).json()]
    # Ends exactly at `from`, or starts exactly at `to`: not listed (half-open window).
    assert running["meetingId"] not in [m["meetingId"] for m in rz.meetings("57", **{"from": end, "to": iso(parse(end) + timedelta(minutes=1))}).json()]
    assert running["meetingId"] not in [m["meetingId"] for m in rz.meetings("57", **{"from": iso(parse(start) - timedelta(hours=1)), "to": start}).json()]
    for m in rz.meetings("57", **{"from": iso(NOW), "to": iso(NOW + timedelta(hours=3))}).json():
        assert parse(m["startDateUTC"]) < NOW + timedelta(hours=3) and parse(m["endDateUTC"]) > NOW


@pytest.mark.parametrize("params", [
    {"from": "yesterday", "to": "2030-01-01T00:00:00Z"},
    {"from": "2024-13-01T00:00:00Z", "to": "2030-01-01T00:00:00Z"},
    {"from": "2024-02-30T00:00:00Z", "to": "2030-01-01T00:00:00Z"},
    {"from": "2024-01-01T24:00:00Z", "to": "2030-01-01T00:00:00Z"},
    {"from": "", "to": "2030-01-01T00:00:00Z"},
    {"from": "2024-01-01T00:00:00+00:00", "to": "2030-01-01T00:00:00Z"},
    {"from": "2024-01-01T00:00:00.000Z", "to": "2030-01-01T00:00:00Z"},
    {"from": "2024-01-01T00:00:00Z", "to": "2030-01-01T00:00:00"},
    {"from": "2024-01-01T00:00:00Z"},
    {},
], ids=lambda p: json.dumps(p))
def test_meetings_refuse_bad_windows_with_400(rz, params):
    r = rz("GET", "/rooms/57/meetings", params=params, auth=AUTH)
    assert r.status_code == 400 and r.headers["Content-Type"] == "application/json"
    assert set(r.json()) == {"error"} and r.json()["error"]


def test_unknown_rooms_and_meetings_answer_404(rz):
    start, end = slot(0)
    assert rz.meetings("nope").status_code == 404
    assert rz.create("nope", meeting_body(start, end)).status_code == 404
    assert rz.update("nope", "m1001", meeting_body(start, end)).status_code == 404
    assert rz.update("57", "m9999", meeting_body(start, end)).status_code == 404
    assert rz.update("22", "m1001", meeting_body(start, end)).status_code == 404  # meeting of another room
    assert rz.meetings("57").json()[0]["meetingId"] == "m1001"  # untouched


def test_create_answers_201_with_the_meeting_and_it_is_listed(rz):
    start, end = slot(0)
    r = rz.create("57", meeting_body(start, end, subject="Display booking"))
    assert r.status_code == 201 and r.headers["Content-Type"] == "application/json"
    created = r.json()
    assert created["startDateUTC"] == start and created["endDateUTC"] == end
    assert created["organizerName"] == "John Doe" and created["isCancelled"] is False
    assert created["isPrivate"] is False and DATE_RE.match(created["creationDateUTC"])
    assert rz.find("57", created["meetingId"]) == created
    other = rz.create("57", meeting_body(*slot(1))).json()
    assert other["meetingId"] != created["meetingId"]


def test_create_conflicts_but_adjacent_and_zero_length_are_fine(rz):
    start, end = slot(0, minutes=60)
    assert rz.create("57", meeting_body(start, end)).status_code == 201
    before = len(rz.meetings("57", **{"from": start, "to": iso(parse(end) + timedelta(hours=2))}).json())
    overlap = iso(parse(start) + timedelta(minutes=30)), iso(parse(end) + timedelta(minutes=30))
    r = rz.create("57", meeting_body(*overlap))
    assert r.status_code == 409 and "error" in r.json()
    assert rz.create("57", meeting_body(start, end)).status_code == 409
    assert len(rz.meetings("57", **{"from": start, "to": iso(parse(end) + timedelta(hours=2))}).json()) == before
    assert rz.create("57", meeting_body(end, iso(parse(end) + timedelta(hours=1)))).status_code == 201
    assert rz.create("22", meeting_body(start, end)).status_code == 201  # another room is free
    zero = iso(parse(end) + timedelta(hours=3))
    assert rz.create("57", meeting_body(zero, zero)).status_code == 201


def test_cancelled_meetings_do_not_conflict(rz):
    cancelled = next(m for m in rz.meetings("57").json() if m["isCancelled"])
    assert rz.create("57", meeting_body(cancelled["startDateUTC"],
                                        iso(parse(cancelled["startDateUTC"]) + timedelta(minutes=30)))).status_code == 201


@pytest.mark.parametrize("body", [
    meeting_body("2031-01-01T10:00:00", "2031-01-01T11:00:00Z"),
    meeting_body("2031-13-01T10:00:00Z", "2031-01-01T11:00:00Z"),
    meeting_body("2031-01-01T12:00:00Z", "2031-01-01T11:00:00Z"),
    {"subject": "x", "organizerId": "u567", "startDateUTC": "2031-01-01T10:00:00Z"},
    {"subject": "x", "organizerId": "u567", "endDateUTC": "2031-01-01T10:00:00Z"},
    {**meeting_body("2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z"), "startDateUTC": None},
    {**meeting_body("2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z"), "subject": 5},
    {**meeting_body("2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z"), "organizerId": None},
    [meeting_body("2031-01-01T10:00:00Z", "2031-01-01T11:00:00Z")],
    "text", None, 12,
])
def test_invalid_creates_answer_400_and_create_nothing(rz, body):
    r = rz.create("57", body)
    assert r.status_code == 400 and r.json()["error"]
    window = {"from": "2031-01-01T00:00:00Z", "to": "2031-01-02T00:00:00Z"}
    assert rz.meetings("57", **window).json() == []


def test_create_with_unparsable_json_answers_400(rz):
    r = rz("POST", "/rooms/57/meetings", data=b"{not json", auth=AUTH,
           headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = rz("POST", "/rooms/57/meetings", data=b"\xff\xfe", auth=AUTH)
    assert r.status_code == 400
    r = rz("POST", "/rooms/57/meetings", data=b"[" * 100_000, auth=AUTH)
    assert r.status_code == 400


def test_create_with_unknown_organizer_answers_404(rz):
    assert rz.create("57", meeting_body(*slot(0), organizer="nobody")).status_code == 404
    assert rz.create("57", meeting_body(*slot(0))).status_code == 201  # and created nothing


def test_update_releases_early_and_keeps_the_rest(rz):
    created = rz.create("57", meeting_body(*slot(0, minutes=120), subject="Release me")).json()
    full = {**created, "endDateUTC": iso(parse(created["startDateUTC"]) + timedelta(minutes=30))}
    r = rz.update("57", created["meetingId"], full)
    assert r.status_code == 200 and r.json()["endDateUTC"] == full["endDateUTC"]
    listed = rz.find("57", created["meetingId"])
    assert listed["endDateUTC"] == full["endDateUTC"]
    for name in ("meetingId", "startDateUTC", "organizerId", "subject"):
        assert listed[name] == created[name]
    # Only the dates (the public connector's PUT body) also works.
    r = rz.update("57", created["meetingId"], {"endDateUTC": created["endDateUTC"]})
    assert r.status_code == 200 and rz.find("57", created["meetingId"])["endDateUTC"] == created["endDateUTC"]
    # A meeting that becomes zero-length (end == start) is accepted.
    assert rz.update("57", created["meetingId"], {"endDateUTC": created["startDateUTC"]}).status_code == 200


def test_update_of_a_private_meeting_keeps_its_real_subject(rz, roomz):
    private = next(m for m in rz.meetings("57").json() if m["isPrivate"])
    r = rz.update("57", private["meetingId"], private)
    assert r.status_code == 200 and r.json() == private
    stored = next(m for m in roomz.app.meetings["57"] if m.meeting_id == private["meetingId"])
    assert stored.subject == "Budget 2025"


def test_update_can_cancel_and_cancelled_meetings_do_not_block(rz):
    a = rz.create("57", meeting_body(*slot(0))).json()
    assert rz.update("57", a["meetingId"], {"isCancelled": True}).json()["isCancelled"] is True
    assert rz.create("57", meeting_body(a["startDateUTC"], a["endDateUTC"])).status_code == 201
    assert rz.update("57", a["meetingId"], {"isCancelled": "yes"}).status_code == 400


@pytest.mark.parametrize("change", [
    {"endDateUTC": "tomorrow"},
    {"startDateUTC": "2031-01-01T10:00:00+01:00"},
    {"endDateUTC": None},
    {"startDateUTC": "2100-01-01T00:00:00Z"},  # end before start
    {"subject": ["x"]},
])
def test_invalid_updates_answer_400_and_change_nothing(rz, change):
    created = rz.create("57", meeting_body(*slot(0))).json()
    r = rz.update("57", created["meetingId"], {**created, **change})
    assert r.status_code == 400 and r.json()["error"]
    assert rz.find("57", created["meetingId"]) == created


@pytest.mark.parametrize("body", [[], "x", None, 3])
def test_update_with_a_non_object_body_answers_400(rz, body):
    created = rz.create("57", meeting_body(*slot(0))).json()
    assert rz.update("57", created["meetingId"], body).status_code == 400


def test_update_conflicts_answer_409_and_change_nothing(rz):
    a = rz.create("57", meeting_body(*slot(0, 0))).json()
    b = rz.create("57", meeting_body(*slot(0, 1))).json()  # adjacent: a ends when b starts
    r = rz.update("57", b["meetingId"], {**b, "startDateUTC": iso(parse(a["endDateUTC"]) - timedelta(minutes=1))})
    assert r.status_code == 409
    assert rz.find("57", b["meetingId"]) == b
    # Moving onto itself, or touching the neighbour, is fine.
    assert rz.update("57", b["meetingId"], {**b, "endDateUTC": iso(parse(b["endDateUTC"]) - timedelta(minutes=5))}).status_code == 200
    assert rz.update("57", a["meetingId"], {**a, "endDateUTC": b["startDateUTC"]}).status_code == 200


# ============================================================================ ROOMZ auth + HTTP
BAD_AUTH = {
    "missing": {},
    "wrong-password": basic(b"roomz:nope"),
    "unknown-user": basic(b"alice:roomz-secret"),
    "bearer": {"Authorization": "Bearer abc.def"},
    "invalid-base64": {"Authorization": "Basic !!!notbase64"},
    "no-colon": basic(b"roomzroomz-secret"),
    "empty": basic(b""),
    "empty-pair": basic(b":"),
    "scheme-only": {"Authorization": "Basic"},
    "digest": {"Authorization": 'Digest username="roomz"'},
}
CALLS = [("GET", "/rooms"), ("GET", "/rooms/57/meetings?from=2020-01-01T00:00:00Z&to=2030-01-01T00:00:00Z"),
         ("POST", "/rooms/57/meetings"), ("PUT", "/rooms/57/meetings/m1001"), ("GET", "/no/such/path"),
         ("DELETE", "/rooms")]


@pytest.mark.parametrize("case", BAD_AUTH, ids=str)
def test_bad_credentials_answer_401_with_a_challenge_and_no_data(rz, case):
    for method, path in CALLS:
        body = meeting_body(*slot(0)) if method in ("POST", "PUT") else None
        r = rz(method, path, headers=BAD_AUTH[case], json=body)
        assert r.status_code == 401, (case, method, path)
        assert r.headers["WWW-Authenticate"] == 'Basic realm="ROOMZ"'
        assert set(r.json()) == {"error"}
    assert rz.meetings("57", **{"from": slot(0)[0], "to": slot(1)[0]}).json() == []


def test_basic_scheme_is_case_insensitive(rz):
    token = base64.b64encode(b"roomz:roomz-secret").decode()
    assert rz("GET", "/rooms", headers={"Authorization": f"basic {token}"}).status_code == 200


def test_custom_credentials():
    with ReferenceServer(username="ops", password="pw:with:colons") as srv:
        c = Client(srv)
        assert c("GET", "/rooms", auth=("ops", "pw:with:colons")).status_code == 200
        assert c("GET", "/rooms", auth=AUTH).status_code == 401


def test_unknown_paths_404_and_wrong_methods_405(rz):
    assert rz("GET", "/nope", auth=AUTH).status_code == 404
    assert rz("GET", "/rooms/57", auth=AUTH).status_code == 404
    assert rz("GET", "/rooms/57/meetings/m1/x", auth=AUTH).status_code == 404
    r = rz("DELETE", "/rooms/57/meetings/m1001", auth=AUTH)
    assert r.status_code == 405 and r.headers["Allow"] == "PUT" and r.json()["error"]
    assert rz("POST", "/rooms", auth=AUTH).status_code == 405
    assert rz("PATCH", "/rooms/57/meetings", auth=AUTH).headers["Allow"] == "GET, POST"
    assert rz("BREW", "/rooms", auth=AUTH).status_code == 405  # no 501 for unknown methods
    assert rz("GET", "/rooms/", auth=AUTH).status_code == 200  # trailing slash tolerated


def test_oversized_body_answers_413(rz):
    r = rz("POST", "/rooms/57/meetings", data=b"x" * (MAX_BODY + 1), auth=AUTH)
    assert r.status_code == 413 and r.json()["error"]


def test_chunked_body_is_read(rz):
    body = json.dumps(meeting_body(*slot(0))).encode()
    r = rz("POST", "/rooms/57/meetings", data=iter([body[:10], body[10:]]), auth=AUTH,
           headers={"Content-Type": "application/json"})
    assert r.status_code == 201


def test_keep_alive_serves_several_requests_on_one_connection(roomz):
    conn = http.client.HTTPConnection("127.0.0.1", roomz.port, timeout=5)
    token = base64.b64encode(b"roomz:roomz-secret").decode()
    for _ in range(3):
        conn.request("GET", "/rooms", headers={"Authorization": f"Basic {token}"})
        response = conn.getresponse()
        assert response.status == 200 and response.getheader("Content-Length")
        response.read()
    conn.request("GET", "/rooms")  # a 401 keeps the connection too
    response = conn.getresponse()
    assert response.status == 401
    response.read()
    conn.close()


def test_prefix_is_part_of_the_url():
    with ReferenceServer(prefix="api/roomz/") as srv:
        assert srv.url.endswith("/api/roomz")
        c = Client(srv)
        assert c("GET", "/rooms", auth=AUTH).status_code == 200
        bare = srv.url[: -len("/api/roomz")]
        assert requests.get(bare + "/rooms", auth=AUTH, timeout=5).status_code == 404
        assert requests.get(bare + "/rooms", timeout=5).status_code == 401  # auth before 404
        assert requests.get(bare + "/api/roomzz/rooms", auth=AUTH, timeout=5).status_code == 404


def test_tls_with_a_trusted_certificate(tmp_path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with ReferenceServer(ssl_context=context, prefix="/roomz") as srv:
        assert srv.url.startswith("https://127.0.0.1:")
        c = Client(srv, verify=str(bundle))
        assert c("GET", "/rooms", auth=AUTH).status_code == 200
        assert c.create("57", meeting_body(*slot(0))).status_code == 201
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(srv.url + "/rooms", auth=AUTH, timeout=5)  # not trusted by default
        # A plain-HTTP client must not hang the server.
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(srv.url.replace("https", "http") + "/rooms", timeout=5)
        assert c("GET", "/rooms", auth=AUTH).status_code == 200


def test_concurrent_creates_in_free_slots_all_succeed(roomz):
    results: list[int] = []
    lock = threading.Lock()

    def create(i: int) -> None:
        body = meeting_body(*slot(0, i, 30), subject=f"c{i}")
        r = requests.post(roomz.url + "/rooms/22/meetings", json=body, auth=AUTH, timeout=10)
        with lock:
            results.append(r.status_code)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [201] * 20
    listed = Client(roomz).meetings("22", **{"from": slot(0)[0], "to": slot(1)[0]}).json()
    assert len(listed) == 20 and len({m["meetingId"] for m in listed}) == 20


def test_concurrent_overlapping_creates_exactly_one_wins(roomz):
    barrier = threading.Barrier(20)
    results: list[int] = []
    lock = threading.Lock()

    def create(i: int) -> None:
        start = parse(slot(0)[0]) + timedelta(minutes=i)
        body = meeting_body(iso(start), iso(start + timedelta(hours=1)))
        barrier.wait()
        r = requests.post(roomz.url + "/rooms/57/meetings", json=body, auth=AUTH, timeout=10)
        with lock:
            results.append(r.status_code)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201] + [409] * 19
    assert len(Client(roomz).meetings("57", **{"from": slot(0)[0], "to": slot(1)[0]}).json()) == 1


def test_latency_and_room_count():
    with ReferenceServer(latency_ms=150, rooms=300) as srv:
        began = time.monotonic()
        rooms = Client(srv).rooms().json()
        assert time.monotonic() - began >= 0.15
    assert len(rooms) == 305 and len({r["roomId"] for r in rooms}) == 305


def test_requests_are_recorded_and_secrets_redacted_in_repr(roomz, rz):
    rz("POST", "/rooms/57/meetings?x=1", data=b'{"a": 1}', auth=AUTH)
    rec = roomz.requests[-1]
    assert (rec.method, rec.path, rec.query, rec.body) == ("POST", "/rooms/57/meetings", "x=1", b'{"a": 1}')
    assert rec.headers["authorization"].startswith("Basic ")  # case-insensitive lookup
    assert "cm9vbXo6" not in repr(rec) and "<redacted>" in repr(rec)
    with ReferenceServer(record=False) as quiet:
        Client(quiet).rooms()
        assert quiet.requests == []


def test_start_stop_and_context_manager_are_idempotent():
    srv = ReferenceServer()
    with pytest.raises(RuntimeError):
        srv.url
    assert srv.start() is srv and srv.start() is srv
    url = srv.url
    srv.stop()
    srv.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/rooms", timeout=2)


def test_serve_main_prints_credentials_and_writes_the_sandbox_report(monkeypatch, capsys, tmp_path):
    def session(self: ReferenceServer) -> None:  # what a PMS developer does before pressing Ctrl-C
        self.start()
        c = Client(self)
        room = rooms_of(c)[0]
        c.imports("v2", [v2_booking(room, "1"), {**v2_booking(room, "2"), "guestPhone": "34 666"}])
        c.imports("v1", None, raw=b"[{,}]")
        self.stop()

    monkeypatch.setattr(ReferenceServer, "serve_forever", session)
    assert serve_main("roomonitor", port=0, report_dir=tmp_path / "out") == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:" in out and DEFAULTS["auth_token"] in out and DEFAULTS["login_email"] in out
    assert "2 import(s) received" in out
    report = json.loads((tmp_path / "out" / "sandbox.json").read_text())
    first, second = report["imports"]
    assert first["status"] == 200 and first["results"][0].startswith("[SUCCESS]")
    assert first["results"][1].startswith("[ERROR][Booking ID: 2]") and second["status"] == 400
    assert {v["rule"] for v in second["violations"]} == {"RMP-JSON"} and second["valid"] is False
    text = (tmp_path / "out" / "sandbox.txt").read_text()
    assert "import #1 (v2" in text and "RMP-JSON" in text
    assert DEFAULTS["auth_token"] not in text + json.dumps(report)


def test_serve_main_refuses_an_unwritable_report_dir(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert serve_main("roomonitor", port=0, report_dir=blocker / "sub") == 2


def test_serve_main_foreground(capsys):
    import _thread
    import signal

    # an xdist worker may ignore SIGINT, and interrupt_main() then does nothing: restore the default
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Timer(0.3, _thread.interrupt_main).start()
        assert serve_main("roomz", port=0, prefix="/api") == 0
    finally:
        signal.signal(signal.SIGINT, previous)
    out = capsys.readouterr().out
    assert "/api" in out and DEFAULTS["password"] in out and "Stopped." in out


@pytest.mark.parametrize("kwargs", [{"faults": ["nope"]}, {"variants": ["nope"]}, {"faults": ["rm-empty-200"]},
                                    {"variants": ["rm-mismatch-400"]}, {"api": "soap"}, {"rooms": -1}])
def test_unknown_options_raise_value_error_naming_the_known_ones(kwargs):
    with pytest.raises(ValueError) as info:
        ReferenceServer(**kwargs)
    if "faults" in kwargs:
        assert "no-challenge" in str(info.value)
    if "variants" in kwargs:
        assert "extra-fields" in str(info.value)


# ============================================================================ ROOMZ variants
def variant_client(name: str, **kw: Any) -> tuple[ReferenceServer, Client]:
    srv = ReferenceServer(variants=[name], **kw).start()
    return srv, Client(srv)


def test_variant_create_200_empty():
    srv, c = variant_client("create-200-empty")
    with srv:
        r = c.create("57", meeting_body(*slot(0)))
        assert r.status_code == 200 and r.content == b"" and "Content-Type" not in r.headers
        assert len(c.meetings("57", **{"from": slot(0)[0], "to": slot(1)[0]}).json()) == 1


def test_variant_put_no_body():
    srv, c = variant_client("put-no-body")
    with srv:
        created = c.create("57", meeting_body(*slot(0))).json()
        r = c.update("57", created["meetingId"], {"endDateUTC": created["startDateUTC"]})
        assert r.status_code == 200 and r.content == b"" and "Content-Type" not in r.headers


def test_variant_extra_fields():
    srv, c = variant_client("extra-fields")
    with srv:
        assert all(isinstance(r["capacity"], int) for r in c.rooms().json())
        assert all(m["location"]["floor"] == 2 for m in c.meetings("57").json())


def test_variant_no_image_url():
    srv, c = variant_client("no-image-url")
    with srv:
        assert all("imageUrl" not in m for room in ("57", "22") for m in c.meetings(room).json())


def test_variant_plain_4xx():
    srv, c = variant_client("plain-4xx")
    with srv:
        r = c("GET", "/rooms")
        assert r.status_code == 401 and r.headers["Content-Type"].startswith("text/plain")
        assert r.headers["WWW-Authenticate"].startswith("Basic")
        assert c.meetings("nope").headers["Content-Type"].startswith("text/plain")
        assert c.rooms().headers["Content-Type"] == "application/json"


def test_variant_service_organizer():
    srv, c = variant_client("service-organizer")
    with srv:
        r = c.create("57", meeting_body(*slot(0), organizer="someone-new"))
        assert r.status_code == 201 and r.json()["organizerId"] == "someone-new"
        assert r.json()["organizerName"] == "ROOMZ Display"
        assert c.create("57", meeting_body(*slot(1))).json()["organizerName"] == "John Doe"


def test_variant_creation_equals_start():
    srv, c = variant_client("creation-equals-start")
    with srv:
        assert all(m["creationDateUTC"] == m["startDateUTC"] for m in c.meetings("57").json())
        assert c.create("57", meeting_body(*slot(0))).json()["creationDateUTC"] == slot(0)[0]


def test_every_variant_is_tested_here():
    tested = {name.removeprefix("test_variant_").replace("_", "-")
              for name in globals() if name.startswith("test_variant_")}
    assert tested == set(VARIANTS)


# ============================================================================ Roomonitor
def rooms_of(c: Client) -> list[str]:
    return [r["_id"] for r in c.get_rooms().json()]


def v1_booking(room: str, ref: str = "R-1001") -> dict:
    return {"firstname": "Jose", "lastname": "Garcia Gonzalez", "prefix": "34", "telephone": "666555444",
            "email": "jose.garcia@example.com", "room": room, "checkin": "2026-12-10",
            "checkout": "2026-12-12", "customerReference": ref}


def v2_booking(room: str, bid: str = "15566") -> dict:
    return {"id": bid, "roomId": room, "checkin": 1796000000000, "checkout": 1796172800000,
            "guestPhone": "+34666555666", "guestName": "LOUIS MCARTHUR", "lang": "EN"}


def custom_insert(bid: str = "344556621") -> dict:
    return {"customRoomId": "15568", "idBooking": bid, "pm": "zapier", "bookingType": "Booked",
            "checkin": 1796000000000, "checkout": 1796172800000, "guestPhone": "+34666555666",
            "guestName": "LOUIS MCARTHUR", "lang": "EN", "updatedBooking": False}


def custom_update(bid: str = "344556621") -> dict:
    return {"customRoomId": "15568", "idBooking": bid, "pm": "zapier", "bookingType": "Cancel",
            "guestName": "PERLIERE PETILLOT", "lang": "EN", "updatedBooking": True}


UNAUTHORIZED = {"status": 401, "message": "Unauthorized"}


def test_get_rooms(rm):
    r = rm.get_rooms()
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    rooms = r.json()
    assert 3 <= len(rooms) <= 4 and all(set(x) == {"_id", "name"} for x in rooms)
    assert all(isinstance(x["_id"], str) and isinstance(x["name"], str) for x in rooms)


@pytest.mark.parametrize("headers", [{}, {"X-User-Id": DEFAULTS["user_id"]}, {"X-Auth-Token": DEFAULTS["auth_token"]},
                                     {"X-User-Id": DEFAULTS["user_id"], "X-Auth-Token": "wrong"},
                                     {"X-User-Id": "someone-else", "X-Auth-Token": DEFAULTS["auth_token"]}],
                         ids=["none", "no-token", "no-user", "wrong-token", "mismatch"])
def test_roomonitor_auth_refusals_are_401_unauthorized(roomonitor, rm, headers):
    for r in (rm.get_rooms(headers=headers), rm.imports("v1", [v1_booking(rooms_of(rm)[0])], headers=headers),
              rm.imports("v2", [v2_booking(rooms_of(rm)[0])], headers=headers)):
        assert r.status_code == 401 and r.json() == UNAUTHORIZED
        assert r.headers["Content-Type"] == "application/json"
    assert roomonitor.bookings == []


def test_roomonitor_unknown_users(rm):
    headers = rm.rm_headers(user="ghost")
    r = rm.get_rooms(user="ghost", headers=headers)
    assert r.status_code == 400 and r.json() == {"status": 400, "message": "No users associated with this user id"}
    for version in ("v1", "v2"):
        r = rm.imports(version, [v2_booking("x")], user="ghost", headers=headers)
        assert r.json() == {"status": 400, "message": "No customer found with given customer ID"}
    from conformance.reference_server.data import ROOMLESS_USER
    r = rm.get_rooms(user=ROOMLESS_USER[0], headers=rm.rm_headers(*ROOMLESS_USER))
    assert r.json() == {"status": 400, "message": "No rooms associated with this user id"}


def test_login_json_and_form_then_logout_revokes_only_that_token(rm):
    bad = rm("POST", "/login", json={"email": DEFAULTS["login_email"], "password": "nope"})
    assert bad.status_code == 401 and bad.json() == UNAUTHORIZED
    assert rm("POST", "/login", data={"username": DEFAULTS["login_email"], "password": "x"}).status_code == 401
    assert rm("POST", "/login", data=b"").status_code == 401
    tokens = []
    for kwargs in ({"json": {"email": DEFAULTS["login_email"], "password": DEFAULTS["login_password"]}},
                   {"data": {"username": DEFAULTS["login_email"], "password": DEFAULTS["login_password"]}}):
        r = rm("POST", "/login", **kwargs)
        assert r.status_code == 200 and r.json()["status"] == "success"
        data = r.json()["data"]
        assert data["userId"] == DEFAULTS["user_id"] and data["authToken"] not in tokens + [DEFAULTS["auth_token"]]
        tokens.append(data["authToken"])
        assert rm.get_rooms(headers=rm.rm_headers(token=data["authToken"])).status_code == 200
    r = rm("POST", "/logout", headers=rm.rm_headers(token=tokens[0]))
    assert r.json() == {"status": "success", "data": {"message": "You've been logged out!"}}
    assert rm.get_rooms(headers=rm.rm_headers(token=tokens[0])).status_code == 401
    assert rm.get_rooms(headers=rm.rm_headers(token=tokens[1])).status_code == 200
    assert rm.get_rooms().status_code == 200  # the configured token survives
    assert rm("POST", "/logout", headers=rm.rm_headers(token=tokens[0])).status_code == 401


def test_v1_import(roomonitor, rm):
    room = rooms_of(rm)[0]
    r = rm.imports("v1", [v1_booking(room, "A-1"), v1_booking(room, "")])
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    assert r.json() == ["[SUCCESS][Booking ID: A-1] Booking saved successfuly",
                        "[SUCCESS][Booking ID: 1] Booking saved successfuly"]
    assert [b.booking_id for b in roomonitor.bookings] == ["A-1", "1"]


def test_v2_import_by_room_id_in_order(roomonitor, rm):
    rooms = rooms_of(rm)
    r = rm.imports("v2", [v2_booking(rooms[0], "15566"), v2_booking(rooms[1], "15567"), v2_booking(rooms[2], "9")])
    assert r.json() == [f"[SUCCESS][Booking ID: {i}] Booking saved successfuly" for i in ("15566", "15567", "9")]
    assert {b.room for b in roomonitor.bookings} == set(rooms[:3])


def test_v2_custom_room_insert_then_cancel(roomonitor, rm):
    r = rm.imports("v2", [custom_insert()])
    assert r.json() == ["[SUCCESS][Booking ID: 344556621] Booking saved successfuly"]
    r = rm.imports("v2", [custom_update()])
    assert r.json() == ["[SUCCESS][Booking ID: 344556621] Booking saved successfuly"]
    [stored] = roomonitor.bookings
    assert stored.fields["bookingType"] == "Cancel" and stored.fields["checkin"] == 1796000000000
    r = rm.imports("v2", [custom_update("never-inserted")])
    assert r.json() == ["[ERROR][Booking ID: never-inserted] no booking never-inserted to update"]
    # An insert followed by its update in the same import.
    r = rm.imports("v2", [custom_insert("7"), custom_update("7")])
    assert all(line.startswith("[SUCCESS][Booking ID: 7]") for line in r.json())


def test_partial_import_saves_the_valid_bookings(roomonitor, rm):
    room = rooms_of(rm)[0]
    r = rm.imports("v2", [v2_booking(room, "1"), v2_booking("gNY7H9ND3KMzbsFAQ", "2"), "junk",
                          {"id": "4", "customRoomId": "x", "idBooking": "y"}, v2_booking(room, "5")])
    lines = r.json()
    assert r.status_code == 200 and len(lines) == 5
    assert lines[0].startswith("[SUCCESS][Booking ID: 1]") and lines[4].startswith("[SUCCESS][Booking ID: 5]")
    assert lines[1] == ("[ERROR][Booking ID: 2] unknown room gNY7H9ND3KMzbsFAQ: "
                        "not one of this account's rooms (get-rooms)")
    assert lines[2].startswith("[ERROR][Booking ID: 2] RMP-ARRAY: ")  # not an object: named by index
    assert "RMP-V2-VARIANT" in lines[3] and lines[3].startswith("[ERROR][Booking ID: 4]")
    assert sorted(b.booking_id for b in roomonitor.bookings) == ["1", "5"]
    v1 = rm.imports("v1", [v1_booking(room, "ok"), v1_booking("elsewhere", "bad")]).json()
    assert v1[0].startswith("[SUCCESS]") and v1[1].startswith("[ERROR][Booking ID: bad] unknown room elsewhere")


@pytest.mark.parametrize("path, message", [("/v1/import_bookings", "No customer ID"),
                                           ("/v2/import_bookings/", "No customer ID")])
def test_import_without_customer_id(rm, path, message):
    r = rm("POST", path, json=[v2_booking("x")], headers=rm.rm_headers())
    assert r.status_code == 400 and r.json() == {"status": 400, "message": message}


@pytest.mark.parametrize("raw, message", [
    (b"", "No bookings to update: empty request body"),
    (b"[]", "No bookings to update: empty request body"),
    (b"  [ ] ", "No bookings to update: empty request body"),
    (b"[{,]", None), (b"\xef\xbb\xbf[{}]", None), (b"[NaN]", None), (b'{"id": "1"}', None),
    (b'"text"', None), (b"[" * 50_000, None),
])
def test_import_body_refusals(roomonitor, rm, raw, message):
    for version in ("v1", "v2"):
        r = rm.imports(version, None, raw=raw)
        assert r.status_code == 400 and r.headers["Content-Type"] == "application/json"
        body = r.json()
        assert body["status"] == 400 and isinstance(body["message"], str) and body["message"]
        if message:
            assert body["message"] == message
    assert roomonitor.bookings == []


def test_roomonitor_404_405_413_shapes(rm):
    assert rm("GET", "/nope").json() == {"status": 404, "message": "Not found"}
    r = rm("GET", "/login")
    assert r.status_code == 405 and r.json()["status"] == 405 and r.json()["message"]
    r = rm("POST", "/v2/import_bookings/x", data=b"[" + b" " * MAX_BODY + b"]")
    assert r.status_code == 413 and r.json()["status"] == 413


def test_sandbox_records_every_import_with_verdicts(roomonitor, rm):
    room = rooms_of(rm)[0]
    rm.imports("v2", [v2_booking(room, "1"), v2_booking("nowhere", "2")])
    rm.imports("v1", None, raw=b"[1,]")
    rm.imports("v1", [v1_booking(room)], headers={})
    ok, broken, refused = roomonitor.received
    assert (ok.version, ok.status, ok.user_id) == ("v2", 200, DEFAULTS["user_id"])
    assert [v.saved for v in ok.verdicts] == [True, False] and ok.doc[0]["id"] == "1"
    assert ok.verdicts[1].line.startswith("[ERROR][Booking ID: 2]")
    assert broken.doc is None and broken.status == 400 and broken.violations[0].rule == "RMP-JSON"
    assert broken.body == b"[1,]" and broken.message.startswith("Request body is not valid JSON")
    assert refused.status == 401 and refused.verdicts == () and refused.message == "Unauthorized"


def test_sandbox_uses_the_payload_rules(monkeypatch, roomonitor, rm):
    from conformance import payloads

    room = rooms_of(rm)[0]
    found = [payloads.Violation("RMP-V2-PHONE", "MUST", "/1/guestPhone", "guestPhone must start with +"),
             payloads.Violation("RMP-V2-LANG", "SHOULD", "/0/lang", "lowercase")]
    monkeypatch.setattr(payloads, "check_document", lambda doc, version: found)
    monkeypatch.setattr(payloads, "detect_version", lambda doc: "v2")
    lines = rm.imports("v2", [v2_booking(room, "a"), v2_booking(room, "b")]).json()
    assert lines == ["[SUCCESS][Booking ID: a] Booking saved successfuly",
                     "[ERROR][Booking ID: b] RMP-V2-PHONE: guestPhone must start with +"]
    record = roomonitor.received[-1]
    assert record.detected_version == "v2" and record.violations == tuple(found)
    assert record.verdicts[0].violations == (found[1],)

    def broken(doc: Any, version: str) -> list:
        raise KeyError("bug")

    monkeypatch.setattr(payloads, "check_document", broken)
    assert rm.imports("v2", [v2_booking(room, "c")]).status_code == 200  # never a 5xx


def test_variant_rm_mismatch_400():
    with ReferenceServer(api="roomonitor", variants=["rm-mismatch-400"]) as srv:
        c = Client(srv)
        r = c.get_rooms(headers=c.rm_headers(user="someone-else"))
        assert r.status_code == 400 and r.json()["status"] == 400 and r.json()["message"]


def test_roomonitor_custom_credentials_and_extra_rooms():
    with ReferenceServer(api="roomonitor", user_id="u1", auth_token="t1", login_email="a@b.c",
                         login_password="p", rooms=10) as srv:
        c = Client(srv)
        assert len(c.get_rooms("u1", {"X-User-Id": "u1", "X-Auth-Token": "t1"}).json()) == 14
        assert c("POST", "/login", json={"email": "a@b.c", "password": "p"}).json()["data"]["userId"] == "u1"


def test_faults_are_data_each_naming_its_requirement_and_collateral():
    server_ids = {rid for rid, r in CATALOG_IDS.items() if r["api"] in ("roomz", "roomonitor")}
    assert server_ids - {"RZ-HTTPS", "RM-HTTPS"} == {f.requirement for f in FAULTS.values()}
    for fault in FAULTS.values():
        assert CATALOG_IDS[fault.requirement]["api"] == fault.api, fault
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", fault.name) and fault.note and fault.hooks
        assert fault.name.startswith("rm-") == (fault.api == "roomonitor")
        for rid, status in fault.collateral.items():
            assert CATALOG_IDS[rid]["api"] == fault.api and status in ("failed", "warning", "skipped"), fault
        assert bool(fault.collateral) == bool(fault.why), fault.name
    assert set(VARIANT_API.values()) <= {"roomz", "roomonitor"}


def test_the_correct_server_names_no_fault():
    """Faults live in faults.py as hooks on seams; the servers test no fault by name."""
    package = Path(__file__).resolve().parent.parent / "conformance" / "reference_server"
    for name in ("roomz.py", "roomonitor.py", "httpd.py"):
        text = (package / name).read_text(encoding="utf-8")
        assert '" in self.faults' not in text and '" in self.variants' not in text, name
        assert not any(f'"{fault}"' in text for fault in FAULTS), name
