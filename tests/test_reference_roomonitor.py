"""The bundled reference server on the Roomonitor contract: rooms, auth, login/logout, v1 and v2
imports, refusals, and the sandbox record of every import (helpers in tests/reference_client.py)."""
from __future__ import annotations

from typing import Any

import pytest

from conformance.reference_server import DEFAULTS, MAX_BODY, ReferenceServer
from tests.reference_client import (  # noqa: F401  (pytest fixtures)
    Client,
    rm_fixture,
    roomonitor_fixture,
    rooms_of,
    v1_booking,
    v2_booking,
)


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


def test_roomonitor_custom_credentials_and_extra_rooms():
    with ReferenceServer(api="roomonitor", user_id="u1", auth_token="t1", login_email="a@b.c",
                         login_password="p", rooms=10) as srv:
        c = Client(srv)
        assert len(c.get_rooms("u1", {"X-User-Id": "u1", "X-Auth-Token": "t1"}).json()) == 14
        assert c("POST", "/login", json={"email": "a@b.c", "password": "p"}).json()["data"]["userId"] == "u1"
