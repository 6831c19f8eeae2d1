"""The Roomonitor checks, run by the engine in-process against the bundled reference server.

Every RM fault must fail exactly its requirement (a warning for a SHOULD), the clean server
must pass everything (only RM-HTTPS warns: the test server speaks plain http), and the rule
"green means tested" holds: without login credentials RM-LOGIN is skipped and the verdict is
incomplete. --read-only must send no POST at all.
"""
from __future__ import annotations

import json
import re

import pytest
from helpers import judge, run_engine

from conformance.checks.roomonitor import api
from conformance.reference_server import DEFAULTS, FAULTS
from conformance.reference_server.data import ROOMLESS_USER, ROOMONITOR_ROOMS
from conformance.requirements import load_catalog

RM_FAULTS = sorted(name for name, fault in FAULTS.items() if fault.api == "roomonitor")
RM_IDS = [r.id for r in load_catalog().for_api("roomonitor")]
WRITES = {r.id for r in load_catalog().for_api("roomonitor") if r.writes}
ALWAYS_WARNS = {"RM-HTTPS"}   # the reference server speaks plain http

def test_every_rm_fault_is_covered_here() -> None:
    assert RM_FAULTS, "the reference server has no Roomonitor faults"
    assert {FAULTS[name].requirement for name in RM_FAULTS} <= set(RM_IDS)


@pytest.mark.parametrize("fault", RM_FAULTS)
def test_fault_fails_exactly_its_requirement(fault: str) -> None:
    target = FAULTS[fault].requirement
    level = load_catalog()[target].level
    result = run_engine("roomonitor", faults=[fault])
    expected = "failed" if level == "MUST" else "warning"
    assert result.status(target) == expected, (fault, result.summary(), result.outcome(target).notes)
    others = {rid: status for rid, status in result.summary().items() if rid != target and rid not in ALWAYS_WARNS}
    assert others == dict(FAULTS[fault].collateral), (fault, others)
    if level == "MUST":
        assert (result.verdict.verdict, result.verdict.exit_code) == ("non-conformant", 1)
    else:
        assert (result.verdict.verdict, result.verdict.exit_code) == ("conformant", 0)
    failure = result.outcome(target).findings[0]
    assert failure.message.startswith(f"{target} expects"), failure.message
    assert failure.reproduce.startswith("curl ") and failure.request


@pytest.fixture(scope="module")
def clean():
    return run_engine("roomonitor")


def test_clean_server_is_conformant(clean) -> None:
    assert (clean.verdict.verdict, clean.verdict.exit_code) == ("conformant", 0)
    assert clean.summary() == {"RM-HTTPS": "warning"}
    assert clean.passed() == set(RM_IDS) - ALWAYS_WARNS
    assert clean.results["verdict"] == "conformant"
    assert [r["id"] for r in clean.results["requirements"]] == RM_IDS


def test_no_credential_in_any_output(clean) -> None:
    text = json.dumps(clean.results)
    for secret in (DEFAULTS["auth_token"], DEFAULTS["login_password"]):
        assert secret not in text
    # tokens the suite obtained by its own logins are masked too
    for request in clean.server.requests:
        if request.path == "/logout":
            token = request.headers.get("X-Auth-Token")
            assert token and token not in text


def test_login_tokens_are_masked_even_in_findings_about_the_login_answer() -> None:
    """Under rm-text-content-type the login answers themselves are RM-JSON findings, whose
    response excerpts would quote the token: it must be masked there too."""
    result = run_engine("roomonitor", faults=["rm-text-content-type"])
    text = json.dumps(result.results)
    assert any(f.request.startswith("POST /login") for f in result.outcome("RM-JSON").findings)
    tokens = [r.headers.get("X-Auth-Token") for r in result.server.requests if r.path == "/logout"]
    assert len(tokens) == 3   # RM-LOGIN's two logins, RM-LOGOUT's one
    assert all(token not in text for token in tokens)


def test_only_tokens_of_its_own_login_are_logged_out(clean) -> None:
    logouts = [r for r in clean.server.requests if r.path == "/logout"]
    assert len(logouts) == 3   # the JSON and form logins' tokens (RM-LOGIN), and RM-LOGOUT's
    assert all(r.headers.get("X-Auth-Token") != DEFAULTS["auth_token"] for r in logouts)
    # the given token still works after the run
    assert clean.server.app.accounts[DEFAULTS["user_id"]].has_token(DEFAULTS["auth_token"])


def test_bookings_are_fictional_and_unique(clean) -> None:
    """Everything saved in the real account carries the run's ids and the fictional guest's contact
    data (generated and wrong-form bookings included); the suite's own guest's stays are in the future."""
    stored = [b for b in clean.server.bookings if b.user_id == DEFAULTS["user_id"]]
    assert stored, "the clean run saved no booking"
    named = [b.booking_id for b in stored if b.version != "v1" or str(b.fields.get("customerReference")).strip()]
    assert len(named) == len(set(named))
    for booking in stored:
        f = booking.fields
        if booking.version == "v1":
            assert booking.booking_id.startswith("conformance-") or not f["customerReference"].strip(), f
            assert f["email"].endswith("@example.com")
            assert f["prefix"] == "61" and f["telephone"] in api.PHONE_NUMBERS
            if (f["firstname"], f["lastname"]) == (api.GUEST_FIRST, api.GUEST_LAST):
                assert f["checkin"] > clean.engine.started_at.strftime("%Y-%m-%d")
        else:
            assert booking.booking_id.startswith("conformance-"), f
            if "guestPhone" in f:   # one number, or two as the docs show ("+34666555666, +34656656656")
                assert set(f["guestPhone"].split(", ")) <= {f"+61{n}" for n in api.PHONE_NUMBERS}
            if f["guestName"] == api.GUEST_NAME and f.get("updatedBooking") is not True:
                assert f["checkin"] > clean.engine.started_at.timestamp() * 1000
    # every well-formed phone number the suite sent to the real account is one of the fictional ones,
    # which numbering plans accept (no RMP-*-PHONE warning); invalid bookings of every rule are sent on purpose
    for received in clean.server.received:
        if received.user_id == DEFAULTS["user_id"]:
            assert not [v for v in received.violations if v.rule.endswith("-PHONE") and v.level != "MUST"], \
                received.violations


def test_guest_phones_are_valid_fictional_numbers() -> None:
    """Australia's mobiles reserved for fiction: valid per libphonenumber (a server that validates
    numbers must accept them), cycled through so every booking gets one of the four."""
    import phonenumbers

    assert len(api.PHONE_NUMBERS) == 4
    for number in api.PHONE_NUMBERS:
        assert phonenumbers.is_valid_number(phonenumbers.parse(f"+{api.PHONE_PREFIX}{number}"))
    from conformance.checks.roomonitor.discovery import RoomonitorDiscovery
    from conformance.client import Client
    from conformance.options import RunOptions

    d = RoomonitorDiscovery(Client("http://127.0.0.1:9"), RunOptions(api="roomonitor"), lambda text: None)
    phones = [d.v2("room")["guestPhone"] for _ in range(6)]
    phones += [api.v2_custom_insert("custom", "b", d.phone())["guestPhone"]]
    v1 = [d.v1("room") for _ in range(5)]
    assert set(phones) == {"+61491570156", "+61491570157", "+61491570158", "+61491570159"}
    assert {(b["prefix"], b["telephone"]) for b in v1} == {("61", n) for n in api.PHONE_NUMBERS}


@pytest.fixture(scope="module")
def generated():
    """RM-5XX alone, with a few generated cases per operation (the full profile draws 60 + 20)."""
    from conformance import profiles

    saved = dict(profiles.PROFILES["full"])
    profiles.PROFILES["full"].update(generated=12, invalid=8)
    try:
        return run_engine("roomonitor", profile="full", only=["RM-5XX"])
    finally:
        profiles.PROFILES["full"].update(saved)


def test_a_crash_behind_the_customer_check_is_found_by_generated_bodies() -> None:
    """The reference server checks the customer and the token before it reads a byte of the body
    (a server that looked the customer up first refused every generated body when they went to a
    made-up user). rm-crash-wrong-types crashes only behind those checks; generated bodies now
    reach it. The fault trips on any template field of another JSON type, which negative generation
    draws in every import whatever the seed (20 invalid cases per import; seeds 7 and 11 tried too)."""
    from conformance import profiles

    saved = dict(profiles.PROFILES["full"])
    profiles.PROFILES["full"].update(generated=12, invalid=20)
    try:
        result = run_engine("roomonitor", profile="full", only=["RM-5XX"], faults=["rm-crash-wrong-types"])
    finally:
        profiles.PROFILES["full"].update(saved)
    assert result.status("RM-5XX") == "failed"
    generated = [ex for ex in result.engine.traffic if ex.auth == "generated" and ex.operation
                 and ex.operation.startswith("importBookings")]
    assert sum(ex.status == 200 for ex in generated) >= 5      # past the customer check, judged booking by booking
    assert any(ex.status == 500 for ex in generated), sorted({ex.status for ex in generated if ex.status})


def _contact_data(body: bytes) -> list[tuple[str, object]]:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return []    # nesting and numbers no parser here reads: no booking, no contact data
    bookings = [b for b in doc if isinstance(b, dict)] if isinstance(doc, list) else []
    return [(k, b[k]) for b in bookings for k in ("email", "telephone", "prefix", "guestPhone") if k in b]


def test_generated_imports_reach_the_real_account_with_harmless_contact_data(generated) -> None:
    """Generated import bodies go to the real account with valid credentials (the ruling: requests
    to made-up users prove nothing about the real logic), pass its customer and token checks and
    reach its booking checks, booking by booking; the documentation's example guests are never
    sent; no e-mail address outside example.com and no phone number but the fictional ones
    reaches the account."""
    assert generated.status("RM-5XX") == "passed"
    assert not any(b"666555" in r.body for r in generated.server.requests)
    sent = [ex for ex in generated.engine.traffic if ex.auth == "generated" and ex.operation
            and ex.operation.startswith("importBookings")]
    assert sent and all(f"/import_bookings/{DEFAULTS['user_id']}" in ex.path for ex in sent)
    assert {ex.status for ex in sent} <= {200, 400}
    bodies = {ex.request_body for ex in sent}
    judged = [r for r in generated.server.received if r.body in bodies and r.verdicts]
    assert len(judged) >= 5, "generated bodies did not reach the booking checks"
    assert any(v.saved for r in judged for v in r.verdicts) and any(not v.saved for r in judged for v in r.verdicts)
    real = {f"/v1/import_bookings/{DEFAULTS['user_id']}", f"/v2/import_bookings/{DEFAULTS['user_id']}"}
    for request in generated.server.requests:
        # the generated bodies (RM-5XX selected alone also runs the other checks, unjudged, for its evidence)
        if request.method != "POST" or request.path not in real or request.body not in bodies:
            continue
        for key, value in _contact_data(request.body):
            if not isinstance(value, str):
                continue
            if key == "email":
                assert "@" not in value or value.endswith("@example.com"), value
            elif key == "prefix":
                assert re.sub("[^0-9]", "", value).lstrip("0") in ("", api.PHONE_PREFIX), value
            else:
                for digits in re.findall("[0-9]{6,}", value):
                    assert any(n in digits for n in api.PHONE_NUMBERS), (key, value)


def test_without_login_credentials_login_is_not_certified() -> None:
    """The login options are optional (docs/interface.md: optional, they enable RM-LOGIN): leaving them
    out excludes RM-LOGIN on purpose, like --read-only, so the verdict can still be conformant."""
    result = run_engine("roomonitor", login_email=None, login_password=None)
    assert result.status("RM-LOGIN") == "skipped"
    assert "login credentials" in result.outcome("RM-LOGIN").skip_reason
    assert result.summary() == {"RM-HTTPS": "warning", "RM-LOGIN": "skipped", "RM-LOGOUT": "skipped"}
    assert next(r for r in result.results["requirements"] if r["id"] == "RM-LOGIN")["certified"] is False
    assert (result.verdict.verdict, result.verdict.exit_code) == ("conformant", 0)
    assert not any(r.path == "/login" and r.method == "POST" and b"pms@example.com" in r.body
                   for r in result.server.requests)


def test_read_only_sends_no_post() -> None:
    result = run_engine("roomonitor", read_only=True)
    methods = {r.method for r in result.server.requests}
    assert methods == {"GET"}, methods
    for rid in WRITES:
        assert result.status(rid) == "skipped"
        assert "--read-only" in result.outcome(rid).skip_reason
    for rid in set(RM_IDS) - WRITES - ALWAYS_WARNS:
        assert result.status(rid) == "passed", (rid, result.summary())
    assert (result.verdict.verdict, result.verdict.exit_code) == ("conformant", 0)
    entries = {r["id"]: r for r in result.results["requirements"]}
    assert all(entries[rid].get("certified") is False for rid in WRITES)
    assert any("--read-only" in note for note in result.outcome("RM-AUTH-MISSING").notes)


def test_mismatch_answered_400_is_allowed() -> None:
    result = run_engine("roomonitor", variants=["rm-mismatch-400"])
    assert result.summary() == {"RM-HTTPS": "warning"}
    assert result.verdict.exit_code == 0


def test_given_room_id_is_booked() -> None:
    room = ROOMONITOR_ROOMS[1][0]   # the reference account's second room
    result = run_engine("roomonitor", room_id=room)
    assert result.verdict.exit_code == 0, result.summary()
    rooms = {b.room for b in result.server.bookings if b.user_id == DEFAULTS["user_id"] and b.variant != "customRoomId"}
    assert rooms == {room}


def test_account_without_rooms_skips_the_bookings_with_the_reason() -> None:
    """The reference server's second customer owns no rooms: get-rooms answers 400 as documented,
    so nothing can be booked; those requirements are skipped (never failed) and the verdict says
    incomplete."""
    roomless_id, roomless_token = ROOMLESS_USER
    result = run_engine("roomonitor", user_id=roomless_id, auth_token=roomless_token)
    needs_a_room = {"RM-ROOMS", "RM-IMPORT-V1", "RM-IMPORT-V2", "RM-IMPORT-V2-CUSTOM", "RM-IMPORT-PARTIAL"}
    assert result.summary() == {"RM-HTTPS": "warning", **{rid: "skipped" for rid in needs_a_room}}
    assert "no rooms" in result.outcome("RM-ROOMS").skip_reason
    assert "no rooms" in result.outcome("RM-IMPORT-V2").skip_reason
    assert "--room-id" in result.outcome("RM-IMPORT-V2").skip_reason
    assert (result.verdict.verdict, result.verdict.exit_code) == ("incomplete", 3)


# -- the observers on canned answers ----------------------------------------------------------------
def _answer(status: int, body: bytes, content_type: str = "application/json"):
    from conformance.client import Exchange

    return Exchange(method="GET", url="http://127.0.0.1:9/get-rooms/u", path="/get-rooms/u",
                    request_headers={}, request_body=None,
                    operation="getRooms", status=status, headers={"Content-Type": content_type}
                    if content_type else {}, body=body)


@pytest.mark.parametrize("status, body, good", [
    (401, b'{"status": 401, "message": "Unauthorized"}', True),
    (400, b'{"status": 400, "message": "No customer ID", "extra": 1}', True),
    (401, b'{"status": 401, "message": "unauthorized"}', False),       # a 401 says exactly Unauthorized
    (400, b'{"status": "400", "message": "No customer ID"}', False),   # the code as a number
    (404, b'{"status": 400, "message": "Not found"}', False),          # the code of the answer
    (400, b'{"status": 400, "message": ""}', False),
    (400, b'{"status": 400}', False),
    (400, b'["No customer ID"]', False),
    (400, b"", False),
])
def test_error_body_observer(status: int, body: bytes, good: bool) -> None:
    from conformance.checks.roomonitor.conventions import error_body_shape

    assert judge(error_body_shape, "RM-ERROR-BODY", _answer(status, body)).status == ("passed" if good else "failed")


@pytest.mark.parametrize("status, body, content_type, good", [
    (200, b"[]", "application/json; charset=utf-8", True),
    (400, b'{"status": 400, "message": "x"}', "application/json", True),
    (200, b"[]", "text/plain", False),
    (200, b"[]", "", False),
    (200, b"", "application/json", False),          # a success always has a body here
    (401, b"Unauthorized", "application/json", False),
])
def test_json_observer(status: int, body: bytes, content_type: str, good: bool) -> None:
    from conformance.checks.roomonitor.conventions import body_is_json

    assert judge(body_is_json, "RM-JSON", _answer(status, body, content_type)).status == (
        "passed" if good else "failed"
    )
