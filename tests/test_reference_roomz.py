"""The bundled reference server on the ROOMZ contract: rooms, meetings and their window,
creates, updates, conflicts, Basic auth, 404/405 (helpers in tests/reference_client.py)."""
from __future__ import annotations

import base64
import json
import re
from datetime import timedelta

import pytest

from conformance.reference_server import ReferenceServer
from tests.reference_client import (  # noqa: F401  (pytest fixtures)
    AUTH,
    NOW,
    Client,
    iso,
    meeting_body,
    parse,
    roomz_fixture,
    rz_fixture,
    slot,
)

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
MEETING_FIELDS = {"meetingId": str, "subject": str, "organizerId": str, "organizerName": str,
                  "startDateUTC": str, "endDateUTC": str, "creationDateUTC": str,
                  "isPrivate": bool, "isCancelled": bool}


def basic(raw: bytes) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


# ============================================================================ rooms, meetings, create, update
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
    assert running["meetingId"] in [
        m["meetingId"] for m in rz.meetings("57", **{"from": iso(NOW), "to": iso(NOW + timedelta(minutes=1))}).json()
    ]
    # Ends exactly at `from`, or starts exactly at `to`: not listed (half-open window).
    assert running["meetingId"] not in [
        m["meetingId"] for m in rz.meetings("57", **{"from": end, "to": iso(parse(end) + timedelta(minutes=1))}).json()
    ]
    assert running["meetingId"] not in [
        m["meetingId"]
        for m in rz.meetings("57", **{"from": iso(parse(start) - timedelta(hours=1)), "to": start}).json()
    ]
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
                                        iso(parse(cancelled["startDateUTC"])
                                            + timedelta(minutes=30)))).status_code == 201


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
    assert (
        rz.update(
            "57", b["meetingId"], {**b, "endDateUTC": iso(parse(b["endDateUTC"]) - timedelta(minutes=5))}
        ).status_code
        == 200
    )
    assert rz.update("57", a["meetingId"], {**a, "endDateUTC": b["startDateUTC"]}).status_code == 200


# ============================================================================ Basic auth, 404/405
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


def test_a_year_before_1000_is_rendered_in_four_digits(rz):
    """Plain schemathesis on openapi.yaml found it: a meeting PUT at 0032-12-29 was listed as
    '32-12-29T…' (glibc's %Y), an RZ-UTC violation of the reference server itself."""
    created = rz.create("57", meeting_body(*slot(0))).json()
    r = rz.update("57", created["meetingId"], {"startDateUTC": "0032-12-29T09:12:18Z",
                                               "endDateUTC": "0032-12-29T10:00:00Z"})
    assert r.status_code == 200, r.text
    assert (r.json()["startDateUTC"], r.json()["endDateUTC"]) == ("0032-12-29T09:12:18Z", "0032-12-29T10:00:00Z")
