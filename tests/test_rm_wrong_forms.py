"""The wrong forms RM-5XX sends (``checks/roomonitor/wrongforms``): valid JSON text with exactly
the hostile values meant, and nothing a real guest could receive."""
from __future__ import annotations

import json

from helpers import run_engine

from conformance import payloads
from conformance.checks.roomonitor import api, wrongforms
from conformance.reference_server.sandbox_report import write_sandbox_report


def test_bodies_are_the_json_meant() -> None:
    assert wrongforms.dumps({"id": "x\ud800"}) == b'{"id":"x\\ud800"}'          # the escape, valid JSON
    assert json.loads(wrongforms.dumps({"id": "x\ud800"})) == {"id": "x\ud800"}
    assert json.loads(wrongforms.dumps([10 ** 400])) == [10 ** 400]            # exact, never a float
    assert wrongforms.dumps("Zoë 日本") == "\"Zoë 日本\"".encode()              # UTF-8, not escapes
    deep = wrongforms.dumps(wrongforms.nested(wrongforms.NESTING))
    assert deep.startswith(b"[" * wrongforms.NESTING) and len(deep) == 2 * wrongforms.NESTING
    login = dict(wrongforms.login_bodies("probe@example.invalid"))
    nested_login = [body for label, body in login.items() if label.startswith("an array nested")]
    assert nested_login and 2_000 < len(nested_login[0]) < 4_000        # the ~3 KB login body


def test_a_key_sent_twice() -> None:
    body = wrongforms.twice(wrongforms.dumps([{"id": "conformance-1-t-1", "lang": "EN"}]), "id", "conformance-1-t-2")
    assert body == b'[{"id":"conformance-1-t-1","lang":"EN","id":"conformance-1-t-2"}]'
    assert json.loads(body) == [{"id": "conformance-1-t-2", "lang": "EN"}]


def test_each_field_gets_each_form_in_its_own_booking() -> None:
    ids = iter(range(1000))
    base = api.v2_booking("conformance-1-t-1", "R1", api.PHONE_NUMBERS[0])
    fields = tuple(base)
    body = wrongforms.bookings(lambda: dict(base), fields, "null", None, lambda: f"conformance-1-t-{next(ids)}-")
    assert [next(k for k in fields if b[k] is None) for b in body] == list(fields)
    surrogate = wrongforms.bookings(lambda: dict(base), ("id",), "s", "\ud800", lambda: "conformance-1-t-9-")
    assert surrogate[0]["id"] == "conformance-1-t-9-\ud800"        # the run's id, echoed with the surrogate


def test_grounded_generated_bodies_keep_shapes_and_drop_contact_data() -> None:
    generated = [{"id": "15566", "roomId": "elsewhere", "guestPhone": "+34612345678", "guestName": 7,
                  "checkin": "x"},
                 {"email": "someone@gmail.com", "telephone": "612345678", "prefix": "34", "room": ["r"]}, 3]
    safe = wrongforms.ground(generated, fresh_id=lambda: "conformance-1-t-5", room="R1", custom_room="C1",
                             phone=api.PHONE_NUMBERS[1], prefix=api.PHONE_PREFIX)
    assert safe == [{"id": "conformance-1-t-5-15566", "roomId": "R1", "guestPhone": f"+61{api.PHONE_NUMBERS[1]}",
                     "guestName": 7, "checkin": "x"},
                    {"email": "someone@example.com", "telephone": api.PHONE_NUMBERS[1], "prefix": "61",
                     "room": ["r"]}, 3]
    assert wrongforms.ground({"not": "a list"}, fresh_id=str, room="R", custom_room="C", phone="1",
                             prefix="61") == {"not": "a list"}


def test_the_sandbox_stays_correct_under_every_wrong_form(tmp_path) -> None:
    """The reference server takes every wrong form without a 5xx, saves only bookings the payload
    rules accept (a rules failure on one document, such as 10**400 as a timestamp, is checked booking
    by booking), and still writes its report (lone surrogates quoted in findings included)."""
    result = run_engine("roomonitor", only=["RM-5XX", "RM-IMPORT-PARTIAL"])
    assert result.status("RM-5XX") == "passed" and result.status("RM-IMPORT-PARTIAL") == "passed"
    assert not [ex for ex in result.engine.traffic if ex.status is None or ex.status >= 500]
    stored = result.server.app.bookings
    assert len(stored) > 50
    for booking in stored:
        version = "v1" if booking.version == "v1" else "v2"
        assert payloads.is_valid(payloads.check_document([booking.fields], version)), booking.fields
    paths = write_sandbox_report(result.server.app.received, tmp_path)
    document = json.loads(paths[0].read_text(encoding="utf-8"))
    assert len(document["imports"]) == len(result.server.app.received)
    assert "\\ud800" in paths[1].read_text(encoding="utf-8")
