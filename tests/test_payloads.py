"""The Roomonitor payload validator (RMP-*): schemas, strict JSON, every rule both ways, the CLI.

Every RMP rule of the catalog is shown by at least one payload that passes it and one that
breaks it (``CASES``, checked for completeness by ``test_every_rmp_rule_is_shown_both_ways``).
The documentation's examples are checked as published (their exact syntax problems) and
corrected (no MUST finding).
"""
from __future__ import annotations

import copy
import io
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conformance.payloads import Violation, check_bytes, check_document, detect_version, is_valid, rules, strictjson
from conformance.payloads.cli import validate_main
from conformance.payloads.lang import ISO_639_1
from conformance.payloads.report import FileResult, render_json, render_text
from conformance.requirements import load_catalog
from conformance.spec import load_schema, schema_validator

DATA = Path(__file__).parent / "data" / "payloads"
MY_SCHEMAS = ["booking-v1.json", "booking-v2.json", "import-result.json", "error.json",
              "login-response.json", "roomonitor-room.json"]
DROP = object()

V1_OK = {
    "firstname": "Jose", "lastname": "Garcia González", "prefix": "34", "telephone": "666555444",
    "email": "jose.garcia@example.com", "room": "gNY7H9ND3KMzbsFAQ",
    "checkin": "2018-02-10", "checkout": "2018-02-12", "customerReference": "666555444",
}
V2_ROOM_OK = {
    "id": "15566", "roomId": "ejhWzDtHadR4MYLJ", "checkin": 1518865200000, "checkout": 1518865200000,
    "guestPhone": "+34666555666", "guestName": "LOUIS MCARTHUR", "lang": "EN",
}
V2_CUSTOM_OK = {
    "customRoomId": "15568", "idBooking": "344556621", "pm": "zapier", "bookingType": "Booked",
    "checkin": 1518865200000, "checkout": 1518865200000, "guestPhone": "+34666555666",
    "guestName": "LOUIS MCARTHUR", "lang": "EN", "updatedBooking": False,
}
V2_UPDATE_OK = {
    "customRoomId": "15568", "idBooking": "344556621", "pm": "zapier", "bookingType": "Cancel",
    "guestName": "PERLIERE PETILLOT", "lang": "EN", "updatedBooking": True,
}


def w(base: dict, **changes: Any) -> dict:
    """A copy of ``base`` with fields changed (``DROP`` removes one)."""
    out = copy.deepcopy(base)
    for k, v in changes.items():
        if v is DROP:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def findings(payload: Any, version: str | None) -> list[Violation]:
    data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return check_bytes(data, version)[1]  # type: ignore[arg-type]


def of_rule(found: list[Violation], rule: str) -> list[tuple[str, str]]:
    return [(v.level, v.path) for v in found if v.rule == rule]


# --- every RMP rule, one payload that passes it and one that breaks it (at least) -------------
# (rule, case id, version or None to detect, payload, expected [(level, path)] of that rule)
CASES: list[tuple[str, str, str | None, Any, list[tuple[str, str]]]] = [
    ("RMP-JSON", "strict", "v2", [V2_ROOM_OK], []),
    ("RMP-JSON", "empty body", "v2", b"", [("MUST", "")]),
    ("RMP-JSON", "bom", "v2", b"\xef\xbb\xbf" + json.dumps([V2_ROOM_OK]).encode(), [("MUST", "")]),
    ("RMP-JSON", "nan", "v2", b'[{"checkin": NaN}]', [("MUST", "")]),
    ("RMP-JSON", "duplicate key is a warning", "v2", b'[{"id":"1","id":"1","roomId":"r","checkin":1518865200000,'
     b'"checkout":1518865200000,"guestPhone":"+34666555666","guestName":"A","lang":"EN"}]', [("SHOULD", "/0/id")]),

    ("RMP-ARRAY", "array of objects", "v1", [V1_OK], []),
    ("RMP-ARRAY", "empty array", "v1", [], [("MUST", "")]),
    ("RMP-ARRAY", "object at top", "v1", V1_OK, [("MUST", "")]),
    ("RMP-ARRAY", "string element", "v1", [V1_OK, "x"], [("MUST", "/1")]),
    ("RMP-ARRAY", "nested array", None, [[V2_ROOM_OK]], [("MUST", "/0")]),

    ("RMP-V1-FIELDS", "all nine, non-ASCII name", "v1",
     [w(V1_OK, firstname="Zoë", lastname="Åström-Núñez 李")], []),
    ("RMP-V1-FIELDS", "empty customerReference", "v1", [w(V1_OK, customerReference="")], []),
    ("RMP-V1-FIELDS", "missing room", "v1", [w(V1_OK, room=DROP)], [("MUST", "/0/room")]),
    ("RMP-V1-FIELDS", "prefix as number", "v1", [w(V1_OK, prefix=34)], [("MUST", "/0/prefix")]),
    ("RMP-V1-FIELDS", "empty firstname", "v1", [w(V1_OK, firstname="")], [("MUST", "/0/firstname")]),
    ("RMP-V1-FIELDS", "unknown field is a warning", "v1", [w(V1_OK, nights="2")], [("SHOULD", "/0/nights")]),

    ("RMP-V1-DATES", "checkout after checkin", "v1", [V1_OK], []),
    ("RMP-V1-DATES", "same day", "v1", [w(V1_OK, checkout="2018-02-10")], []),
    ("RMP-V1-DATES", "leap day", "v1", [w(V1_OK, checkin="2024-02-29", checkout="2024-03-01")], []),
    ("RMP-V1-DATES", "not a real date", "v1", [w(V1_OK, checkout="2018-02-30")], [("MUST", "/0/checkout")]),
    ("RMP-V1-DATES", "wrong format", "v1", [w(V1_OK, checkin="10/02/2018")], [("MUST", "/0/checkin")]),
    ("RMP-V1-DATES", "checkout before checkin", "v1", [w(V1_OK, checkout="2018-02-09")], [("MUST", "/0/checkout")]),

    ("RMP-V1-PHONE", "digits", "v1", [w(V1_OK, prefix="1", telephone="2025550123")], []),
    ("RMP-V1-PHONE", "15 digits in all", "v1", [w(V1_OK, prefix="123", telephone="123456789012")], []),
    ("RMP-V1-PHONE", "plus in prefix", "v1", [w(V1_OK, prefix="+34")], [("MUST", "/0/prefix")]),
    ("RMP-V1-PHONE", "spaces in telephone", "v1", [w(V1_OK, telephone="666 555 444")], [("MUST", "/0/telephone")]),
    ("RMP-V1-PHONE", "16 digits in all", "v1", [w(V1_OK, prefix="123", telephone="1234567890123")],
     [("MUST", "/0/telephone")]),

    ("RMP-V1-EMAIL", "plain", "v1", [w(V1_OK, email="first.last+tag@sub.example.co.uk")], []),
    ("RMP-V1-EMAIL", "internationalised domain", "v1", [w(V1_OK, email="josé@correo.españa.es")], []),
    ("RMP-V1-EMAIL", "no at sign", "v1", [w(V1_OK, email="jose.example.com")], [("MUST", "/0/email")]),
    ("RMP-V1-EMAIL", "cloudflare placeholder", "v1", [w(V1_OK, email="[email protected]")], [("MUST", "/0/email")]),
    ("RMP-V1-EMAIL", "no dot in domain", "v1", [w(V1_OK, email="jose@localhost")], [("MUST", "/0/email")]),

    ("RMP-V2-VARIANT", "roomId variant", "v2", [V2_ROOM_OK], []),
    ("RMP-V2-VARIANT", "customRoomId variant", "v2", [V2_CUSTOM_OK], []),
    ("RMP-V2-VARIANT", "both variants", "v2", [w(V2_ROOM_OK, customRoomId="15568", idBooking="1")], [("MUST", "/0")]),
    ("RMP-V2-VARIANT", "neither variant", "v2", [w(V2_ROOM_OK, id=DROP, roomId=DROP)], [("MUST", "/0")]),
    ("RMP-V2-VARIANT", "roomId without id", "v2", [w(V2_ROOM_OK, id=DROP)], [("MUST", "/0/id")]),
    ("RMP-V2-VARIANT", "idBooking without customRoomId", "v2", [w(V2_CUSTOM_OK, customRoomId=DROP)],
     [("MUST", "/0/customRoomId")]),

    ("RMP-V2-FIELDS", "update may omit dates and phone", "v2", [V2_UPDATE_OK], []),
    ("RMP-V2-FIELDS", "updatedBooking skipped", "v2", [w(V2_CUSTOM_OK, updatedBooking=DROP)], []),
    ("RMP-V2-FIELDS", "insert without checkin", "v2", [w(V2_CUSTOM_OK, checkin=DROP)], [("MUST", "/0/checkin")]),
    ("RMP-V2-FIELDS", "roomId variant without guestPhone", "v2", [w(V2_ROOM_OK, guestPhone=DROP)],
     [("MUST", "/0/guestPhone")]),
    ("RMP-V2-FIELDS", "updatedBooking as string", "v2", [w(V2_UPDATE_OK, updatedBooking="true")],
     [("MUST", "/0/updatedBooking"), ("MUST", "/0/checkin"), ("MUST", "/0/checkout"), ("MUST", "/0/guestPhone")]),
    ("RMP-V2-FIELDS", "checkin as string", "v2", [w(V2_ROOM_OK, checkin="1518865200000")], [("MUST", "/0/checkin")]),
    ("RMP-V2-FIELDS", "empty guestName", "v2", [w(V2_ROOM_OK, guestName="")], [("MUST", "/0/guestName")]),
    ("RMP-V2-FIELDS", "unknown field is a warning", "v2", [w(V2_ROOM_OK, guestEmail="a@b.example")],
     [("SHOULD", "/0/guestEmail")]),
    ("RMP-V2-FIELDS", "no template can be told", None, [{"checkin": True}], [("MUST", "")]),

    ("RMP-V2-TIMESTAMP", "equal checkin and checkout", "v2", [V2_ROOM_OK], []),
    ("RMP-V2-TIMESTAMP", "lowest value", "v2", [w(V2_ROOM_OK, checkin=946684800000, checkout=4102444799999)], []),
    ("RMP-V2-TIMESTAMP", "seconds", "v2", [w(V2_ROOM_OK, checkin=1518865200, checkout=1518865200000)],
     [("MUST", "/0/checkin")]),
    ("RMP-V2-TIMESTAMP", "year 2100", "v2", [w(V2_ROOM_OK, checkout=4102444800000)], [("MUST", "/0/checkout")]),
    ("RMP-V2-TIMESTAMP", "checkout before checkin", "v2", [w(V2_ROOM_OK, checkout=1518865199999)],
     [("MUST", "/0/checkout")]),
    ("RMP-V2-TIMESTAMP", "integral but written with a fraction or exponent", "v2",
     [w(V2_ROOM_OK, checkin=1518865200000.0, checkout=1.5188652e12)],
     [("SHOULD", "/0/checkin"), ("SHOULD", "/0/checkout")]),

    ("RMP-V2-PHONE", "one number", "v2", [V2_ROOM_OK], []),
    ("RMP-V2-PHONE", "two numbers, comma and space", "v2",
     [w(V2_ROOM_OK, guestPhone="+34666555666, +34656656656")], []),
    ("RMP-V2-PHONE", "two numbers, comma only", "v2", [w(V2_ROOM_OK, guestPhone="+34666555666,+34656656656")], []),
    ("RMP-V2-PHONE", "spaces", "v2", [w(V2_ROOM_OK, guestPhone="+34 666 555 666")], [("MUST", "/0/guestPhone")]),
    ("RMP-V2-PHONE", "no plus", "v2", [w(V2_ROOM_OK, guestPhone="34666555666")], [("MUST", "/0/guestPhone")]),
    ("RMP-V2-PHONE", "two spaces after comma", "v2", [w(V2_ROOM_OK, guestPhone="+34666555666,  +34656656656")],
     [("MUST", "/0/guestPhone")]),
    ("RMP-V2-PHONE", "16 digits", "v2", [w(V2_ROOM_OK, guestPhone="+3466655566612345")], [("MUST", "/0/guestPhone")]),
    ("RMP-V2-PHONE", "no numbering plan is a warning", "v2", [w(V2_ROOM_OK, guestPhone="+999123456789")],
     [("SHOULD", "/0/guestPhone")]),

    ("RMP-V2-LANG", "EN", "v2", [V2_ROOM_OK], []),
    ("RMP-V2-LANG", "ES", "v2", [w(V2_ROOM_OK, lang="ES")], []),
    ("RMP-V2-LANG", "XX is not assigned", "v2", [w(V2_ROOM_OK, lang="XX")], [("MUST", "/0/lang")]),
    ("RMP-V2-LANG", "three letters", "v2", [w(V2_ROOM_OK, lang="ENG")], [("MUST", "/0/lang")]),
    ("RMP-V2-LANG", "locale", "v2", [w(V2_ROOM_OK, lang="en-GB")], [("MUST", "/0/lang")]),
    ("RMP-V2-LANG", "lowercase is a warning", "v2", [w(V2_ROOM_OK, lang="en")], [("SHOULD", "/0/lang")]),

    ("RMP-V2-BOOKINGTYPE", "Booked", "v2", [V2_CUSTOM_OK], []),
    ("RMP-V2-BOOKINGTYPE", "Cancel", "v2", [V2_UPDATE_OK], []),
    ("RMP-V2-BOOKINGTYPE", "Cancelled", "v2", [w(V2_UPDATE_OK, bookingType="Cancelled")],
     [("SHOULD", "/0/bookingType")]),

    ("RMP-UNIQUE", "update follows its insert", "v2", [V2_CUSTOM_OK, V2_UPDATE_OK], []),
    ("RMP-UNIQUE", "same id in both variants", "v2", [w(V2_ROOM_OK, id="1"), w(V2_CUSTOM_OK, idBooking="1")], []),
    ("RMP-UNIQUE", "two inserts, customRoomId", "v2", [V2_CUSTOM_OK, V2_UPDATE_OK, V2_CUSTOM_OK],
     [("SHOULD", "/2/idBooking")]),
    ("RMP-UNIQUE", "two inserts, roomId", "v2", [V2_ROOM_OK, w(V2_ROOM_OK, guestName="OTHER")], [("SHOULD", "/1/id")]),
]


@pytest.mark.parametrize("rule, case, version, payload, expected", CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_rule_cases(rule, case, version, payload, expected):
    found = findings(payload, version)
    assert sorted(of_rule(found, rule)) == sorted(expected), found
    for v in found:
        assert v.rule in load_catalog() and v.level in ("MUST", "SHOULD")


def test_every_rmp_rule_is_shown_both_ways():
    rmp = {r.id for r in load_catalog() if r.id.startswith("RMP-")}
    passing = {c[0] for c in CASES if not c[4]}
    failing = {c[0] for c in CASES if c[4]}
    assert rmp - passing == set(), "rules without a passing payload"
    assert rmp - failing == set(), "rules without a failing payload"
    assert {c[0] for c in CASES} <= rmp


@pytest.mark.parametrize("rule, case, version, payload, expected", [c for c in CASES if c[4]],
                         ids=[f"{c[0]}: {c[1]}" for c in CASES if c[4]])
def test_messages_say_expected_and_found(rule, case, version, payload, expected):
    for v in findings(payload, version):
        if v.rule == rule and v.rule != "RMP-JSON":
            assert "expected" in v.message and "found" in v.message, v.message
        if v.rule == "RMP-JSON":
            assert "found" in v.message, v.message


def test_a_v1_date_sent_as_epoch_milliseconds_is_pointed_to_v2():
    """Not "send it as a string": the string would still not be a date."""
    found = [v for v in findings([w(V1_OK, checkin=1518865200000)], "v1") if v.path == "/0/checkin"]
    assert found and "v1 dates are strings YYYY-MM-DD" in found[0].message
    assert "send it as a string" not in found[0].message


def test_warnings_never_make_a_payload_invalid():
    payload = [w(V2_ROOM_OK, lang="en", guestPhone="+999123456789", extra="x"), w(V2_ROOM_OK, lang="es")]
    found = findings(payload, "v2")
    assert found and all(v.level == "SHOULD" for v in found)
    assert is_valid(found)


# --- the documentation's examples ----------------------------------------------------------

PUBLISHED_PROBLEMS = {
    "doc-v1-example.published.txt": [(13, 1, '"..."')],
    "doc-v2-custom-insert.published.txt": [(12, 24, "trailing comma"), (12, 26, "// comment")],
    "doc-v2-custom-update.published.txt": [(9, 23, "trailing comma")],
    "doc-error-401.published.txt": [(1, 3, "unquoted key status"), (1, 16, "unquoted key message"),
                                    (1, 25, "single quotes")],
}


@pytest.mark.parametrize("name", sorted(PUBLISHED_PROBLEMS))
def test_published_examples_report_exactly_their_syntax_problems(name):
    version, found = check_bytes((DATA / name).read_bytes())
    assert [v.rule for v in found] == ["RMP-JSON"] * len(PUBLISHED_PROBLEMS[name])
    for v, (line, column, what) in zip(found, PUBLISHED_PROBLEMS[name], strict=True):
        assert v.level == "MUST" and v.path == ""
        assert v.message.startswith(f"line {line}, column {column}: "), v.message
        assert what in v.message, v.message


@pytest.mark.parametrize("name, version", [
    ("doc-v1-example.json", "v1"),
    ("doc-v2-roomid-example.published.json", "v2"),
    ("doc-v2-custom-insert.json", "v2"),
    ("doc-v2-custom-update.json", "v2"),
])
def test_corrected_examples_have_no_must_violation(name, version):
    detected, found = check_bytes((DATA / name).read_bytes())
    assert detected == version
    assert found == []


def test_corrected_copies_differ_from_the_published_text_only_where_needed():
    published = (DATA / "doc-v2-custom-update.published.txt").read_text(encoding="utf-8")
    fixed = published.replace('"updatedBooking": true,', '"updatedBooking": true')
    assert json.loads(fixed) == json.loads((DATA / "doc-v2-custom-update.json").read_text(encoding="utf-8"))
    published = (DATA / "doc-v1-example.published.txt").read_text(encoding="utf-8")
    fixed = published.replace("},\n...\n", "}\n").replace("[email protected]", "jose.garcia@example.com")
    assert json.loads(fixed) == json.loads((DATA / "doc-v1-example.json").read_text(encoding="utf-8"))


def test_published_import_result_and_error_body_match_their_schemas():
    result = json.loads((DATA / "doc-import-result.published.json").read_text(encoding="utf-8"))
    assert list(schema_validator("import-result.json").iter_errors(result)) == []
    error = json.loads((DATA / "doc-error-401.json").read_text(encoding="utf-8"))
    assert list(schema_validator("error.json").iter_errors(error)) == []


# --- the schemas -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", MY_SCHEMAS)
def test_schema_conventions(name):
    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema.get("title") and schema.get("description")
    assert "$id" not in schema
    assert schema.get("examples"), "the documentation's examples belong in the schema"
    catalog = load_catalog()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for rid in node.get("x-requirements", []):
                assert rid in catalog, f"{name}: unknown requirement {rid}"
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(schema)
    validator = schema_validator(name)
    for example in schema["examples"]:
        assert list(validator.iter_errors(example)) == [], example


@pytest.mark.parametrize("name", ["booking-v1.json", "booking-v2.json"])
def test_every_booking_schema_constraint_maps_to_one_rule(name):
    """Each validation keyword of a booking schema resolves to exactly one RMP requirement."""
    keywords = {"type", "required", "minLength", "additionalProperties", "pattern", "enum", "minimum",
                "exclusiveMaximum", "format", "const"}

    class FakeError:
        def __init__(self, schema, validator):
            self.schema, self.validator, self.schema_path = schema, validator, []

    def walk(node: Any, under_if: bool = False) -> None:
        if isinstance(node, dict):
            for kw in keywords & node.keys():
                if under_if or kw == "format":
                    continue  # "if" only selects; "format" findings come from code
                rule = rules.rule_of(FakeError(node, kw))  # type: ignore[arg-type]
                assert rule.startswith("RMP-"), (kw, node)
            for k, v in node.items():
                walk(v, under_if or k == "if")
        elif isinstance(node, list):
            for v in node:
                walk(v, under_if)

    walk(load_schema(name))


@pytest.mark.parametrize("name, extra_ok", [
    ("import-result.json", None), ("error.json", {"status": 400, "message": "No customer ID", "code": "E1"}),
    ("login-response.json", {"status": "success", "data": {"authToken": "t", "userId": "u", "roles": []}, "x": 1}),
    ("roomonitor-room.json", {"_id": "3wuSW3TkBdQQ3KSR67A", "name": "ROOM 1", "floor": 2}),
])
def test_response_schemas_allow_extra_properties(name, extra_ok):
    if extra_ok is not None:
        assert list(schema_validator(name).iter_errors(extra_ok)) == []


@pytest.mark.parametrize("name, bad", [
    ("import-result.json", ["ok", 1]),
    ("import-result.json", {"result": []}),
    ("error.json", {"status": "401", "message": "Unauthorized"}),
    ("error.json", {"status": 401, "message": ""}),
    ("error.json", {"status": 200, "message": "OK"}),
    ("login-response.json", {"status": "success", "data": {"authToken": "t"}}),
    ("login-response.json", {"status": "error", "data": {"authToken": "t", "userId": "u"}}),
    ("roomonitor-room.json", {"_id": "", "name": "x"}),
    ("roomonitor-room.json", {"roomId": "1", "name": "x"}),
])
def test_response_schemas_refuse_wrong_shapes(name, bad):
    assert list(schema_validator(name).iter_errors(bad)) != []


def test_booking_v2_top_level_oneof_agrees_with_the_validator():
    v = schema_validator("booking-v2.json")
    for ok in (V2_ROOM_OK, V2_CUSTOM_OK, V2_UPDATE_OK):
        assert v.is_valid(ok)
    assert not v.is_valid(w(V2_ROOM_OK, customRoomId="1", idBooking="2"))
    assert not v.is_valid(w(V2_ROOM_OK, id=DROP))


# --- strict JSON -----------------------------------------------------------------------------

@pytest.mark.parametrize("body, where, text", [
    (b"", None, "empty body (0 bytes)"),
    (b" \n ", (2, 2), "no JSON value"),
    (b'[{"a": 1} /* note */]', (1, 11), "/* */ comment"),
    (b"[1] # end", (1, 5), "# comment"),
    (b"[1, 2,]", (1, 6), "trailing comma"),
    (b'[{"a": Infinity}]', (1, 8), "Infinity"),
    (b'[{"a": -Infinity}]', (1, 8), "-Infinity"),
    (b"['x']", (1, 2), "single quotes"),
    (b'[{a: 1}]', (1, 3), "unquoted key a"),
    (b'[{"a": 1 "b": 2}]', (1, 10), "without a comma"),
    (b'[{"a": "x\\qy"}]', (1, 10), "escape \\q"),
    (b'[{"a": "x\ty"}]', (1, 10), "control character U+0009"),
    (b'[{"a": 01}]', (1, 8), "leading zeros"),
    (b'[{"a": True}]', (1, 8), "Python's True"),
    (b'[{"a": 1}] [2]', (1, 12), "after the end of the JSON value"),
    (b'[{"a": "x', (1, 8), "never closed"),
    (b'[{"a": 1}', (1, 10), "inside the array opened at line 1, column 1"),
    (b"\xff\xfe[\x00]\x00", (1, 1), "UTF-16"),
    (b'[{"a": "Jos\xe9"}]', (1, 12), "0xE9, which is not valid UTF-8"),
    (b'[\xc2\xa01]', (1, 2), "U+00A0"),
    (b"[\xe2\x80\xa6]", (1, 2), "placeholder"),
])
def test_strict_json_problems(body, where, text):
    with pytest.raises(strictjson.StrictJSONError) as info:
        strictjson.parse(body)
    first = info.value.problems[0]
    assert (first.line, first.column) == (where or (None, None))
    assert text in str(first), str(first)


def test_strict_json_accepts_what_rfc_8259_accepts():
    body = '\r\n\t [{"a": -0.5e-3, "b": "é\\u00e9\\n", "c": [], "d": {}, "e": null, "f": true}] \n'.encode()
    assert strictjson.parse(body).value == json.loads(body)


def test_strict_json_reports_duplicate_keys_with_their_pointer():
    parsed = strictjson.parse(b'[{"a": {"x/y": 1, "x/y": 2}}]')
    assert parsed.duplicate_keys == [("/0/a/x~1y", "x/y", 2)]
    assert parsed.value == [{"a": {"x/y": 2}}]


def test_strict_json_lists_problems_in_text_order_and_stops_at_a_bound():
    body = b"[" + b"1,," * 200 + b"1]"
    with pytest.raises(strictjson.StrictJSONError) as info:
        strictjson.parse(body)
    problems = info.value.problems
    assert len(problems) <= strictjson._Scanner.MAX_PROBLEMS + 1
    assert [p.offset for p in problems] == sorted(p.offset for p in problems)


def test_strict_json_survives_deep_nesting():
    with pytest.raises(strictjson.StrictJSONError) as info:
        strictjson.parse(b"[" * 100_000)
    assert "nested" in str(info.value.problems[-1]) or "end of the body" in str(info.value.problems[-1])


def test_invalid_json_is_not_checked_further():
    version, found = check_bytes(b'[{"lang": "XX",}]', "v2")
    assert version == "v2" and [v.rule for v in found] == ["RMP-JSON"]


# --- version detection -----------------------------------------------------------------------

@pytest.mark.parametrize("doc, expected", [
    ([V1_OK], "v1"),
    ([V2_ROOM_OK], "v2"),
    ([V2_UPDATE_OK], "v2"),
    ([{"checkin": 1518865200000}], "v2"),
    ([{"checkin": "2018-02-10"}], "v1"),
    ([V1_OK, V2_ROOM_OK, V2_CUSTOM_OK], "v2"),
    ([V1_OK, V2_ROOM_OK], None),
    ([{}], None),
    ([{"foo": 1}], None),
    ({"id": "1"}, None),
    ([], None),
])
def test_detect_version(doc, expected):
    assert detect_version(doc) == expected


def test_undetermined_version_is_reported_with_what_to_do():
    version, found = check_bytes(b'[{"name": "x"}, 3]')
    assert version is None
    assert [(v.rule, v.level, v.path) for v in found] == [("RMP-ARRAY", "MUST", "/1"), ("RMP-V2-FIELDS", "MUST", "")]
    assert "--as v1 or --as v2" in found[-1].message and "cannot tell" in found[-1].message


def test_given_version_wins_over_detection():
    version, found = check_bytes(json.dumps([V1_OK]).encode(), "v2")
    assert version == "v2"
    assert of_rule(found, "RMP-V2-VARIANT") == [("MUST", "/0")]


def test_check_document_refuses_an_unknown_version():
    with pytest.raises(ValueError):
        check_document([V1_OK], "v3")  # type: ignore[arg-type]


# --- message details -------------------------------------------------------------------------

def message_of(payload: Any, version: str, rule: str) -> str:
    hits = [v.message for v in findings(payload, version) if v.rule == rule]
    assert len(hits) == 1, hits
    return hits[0]


def test_seconds_get_the_multiply_hint():
    msg = message_of([w(V2_ROOM_OK, checkin=1518865200, checkout=1518865200000)], "v2", "RMP-V2-TIMESTAMP")
    assert "this reads as seconds" in msg and "multiply by 1000" in msg and "1518865200" in msg


def test_phone_message_suggests_the_fix():
    msg = message_of([w(V2_ROOM_OK, guestPhone="+34 666 555 666")], "v2", "RMP-V2-PHONE")
    assert '"+34666555666"' in msg and '"+34 666 555 666"' in msg


def test_missing_field_of_a_custom_insert_mentions_updates():
    msg = message_of([w(V2_CUSTOM_OK, guestPhone=DROP)], "v2", "RMP-V2-FIELDS")
    assert "updatedBooking" in msg


def test_unknown_field_suggests_the_known_one():
    found = findings([w(V2_ROOM_OK, guestPhone=DROP, guestphone="+34666555666")], "v2")
    assert [(v.level, v.path) for v in found] == [("MUST", "/0/guestPhone"), ("SHOULD", "/0/guestphone")]
    assert '"guestphone" is there: correct its spelling' in found[0].message
    assert 'did you mean "guestPhone"?' in found[1].message


def test_long_values_are_truncated_and_unprintables_escaped():
    msg = message_of([w(V2_ROOM_OK, lang="\x1b[31m" + "x" * 500)], "v2", "RMP-V2-LANG")
    assert "\x1b" not in msg and len(msg) < 300


def test_unique_names_the_first_insert():
    msg = message_of([V2_CUSTOM_OK, V2_CUSTOM_OK], "v2", "RMP-UNIQUE")
    assert "/0" in msg and "updatedBooking" in msg


def test_lang_list_is_iso_639_1():
    assert len(ISO_639_1) == 183
    assert {"en", "es", "fr", "de", "ca", "eu", "zh"} <= ISO_639_1
    assert not {"xx", "iw", "bh", "sh"} & ISO_639_1


# --- rendering and the command ---------------------------------------------------------------

def big_payload(n: int = 500) -> list[dict]:
    out = []
    for i in range(n):
        out.append(w(V2_ROOM_OK, id=str(20000 + i), checkin=1518865200000 + i * 86_400_000,
                     checkout=1518865200000 + (i + 2) * 86_400_000, guestPhone=f"+34666555{i % 1000:03d}",
                     guestName=f"GUEST {i}", lang="en" if i >= 20 else "EN"))
    out[3]["guestPhone"] = "+34 666 555 666"
    out[7]["checkin"] = 1518865200
    return out


def test_500_bookings_read_grouped():
    """(Its speed is measured by bench/bench.py, not asserted here.)"""
    data = json.dumps(big_payload()).encode()
    version, found = check_bytes(data)
    text = render_text([FileResult("big.json", version, found)])
    assert version == "v2" and len(found) == 482
    assert "RMP-V2-LANG × 480 at /20/lang, /21/lang, /22/lang, /23/lang, /24/lang, … (first 5 shown)" in text
    assert len(text.splitlines()) < 10
    assert "NOT VALID: 2 violations, 480 warnings" in text


def test_text_report_lists_must_first_and_escapes_names():
    found = [Violation("RMP-V2-LANG", "SHOULD", "/0/lang", "expected …, found …"),
             Violation("RMP-V2-PHONE", "MUST", "/0/guest\x1bPhone", "expected …, found …")]
    text = render_text([FileResult("a\x1b.json", "v2", found)])
    assert "\x1b" not in text
    lines = text.splitlines()
    assert "RMP-V2-PHONE" in lines[1] and "RMP-V2-LANG" in lines[2]


def test_json_report_shape():
    results = [FileResult("a.json", "v2", [Violation("RMP-V2-PHONE", "MUST", "/1/guestPhone", "m")]),
               FileResult("b.json", None, [])]
    doc = json.loads(render_json(results))
    assert doc == {"files": [
        {"file": "a.json", "as": "v2", "valid": False,
         "violations": [{"rule": "RMP-V2-PHONE", "level": "MUST", "path": "/1/guestPhone", "message": "m"}]},
        {"file": "b.json", "as": None, "valid": True, "violations": []},
    ]}


def test_cli_exit_codes_and_json(tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps([w(V2_ROOM_OK, lang="en")]), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([w(V2_ROOM_OK, lang="XX")]), encoding="utf-8")

    assert validate_main([str(good)], None, "json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["files"][0]["valid"] is True and out["files"][0]["as"] == "v2"
    assert out["files"][0]["violations"][0]["level"] == "SHOULD"

    assert validate_main([str(good), str(bad)], "v2", "json") == 1
    out = json.loads(capsys.readouterr().out)
    assert [f["valid"] for f in out["files"]] == [True, False]
    assert out["files"][1]["violations"] == [
        {"rule": "RMP-V2-LANG", "level": "MUST", "path": "/0/lang",
         "message": out["files"][1]["violations"][0]["message"]}]

    assert validate_main([str(bad)], None, "text") == 1
    assert "RMP-V2-LANG" in capsys.readouterr().out


def test_cli_ambiguous_document_asks_for_as(tmp_path, capsys):
    f = tmp_path / "x.json"
    f.write_text('[{"checkin": true}]', encoding="utf-8")
    assert validate_main([str(f)], None, "json") == 1
    out = json.loads(capsys.readouterr().out)["files"][0]
    assert out["as"] is None and "--as v1 or --as v2" in out["violations"][0]["message"]


@pytest.mark.parametrize("args", [
    (["/nonexistent/bookings.json"], None, "text"),
    (["."], None, "text"),
    (["x.json"], "v3", "text"),
    (["x.json"], None, "xml"),
    ([], None, "text"),
    (["-", "-"], None, "text"),
])
def test_cli_usage_errors_exit_2_with_one_sentence(args, capsys):
    assert validate_main(*args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert err.startswith("conformance validate: ") and err.endswith(".") and "\n" not in err


def test_cli_reads_standard_input_as_bytes(monkeypatch, capsys):
    body = (DATA / "doc-v2-custom-insert.published.txt").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(body)))
    assert validate_main(["-"], None, "json") == 1
    out = json.loads(capsys.readouterr().out)["files"][0]
    assert out["file"] == "-" and out["as"] is None
    assert [v["message"][:19] for v in out["violations"]] == ["line 12, column 24:", "line 12, column 26:"]


def test_cli_published_examples_text(capsys):
    assert validate_main([str(DATA / "doc-v1-example.published.txt"),
                          str(DATA / "doc-v1-example.json")], None, "text") == 1
    text = capsys.readouterr().out
    assert "line 13, column 1" in text and "2 files checked: 1 valid, 1 not valid" in text


def test_a_v1_booking_sent_as_v2_gets_a_hint():
    msg = message_of([V1_OK], "v2", "RMP-V2-VARIANT")
    assert "looks like a v1 booking" in msg


@pytest.mark.parametrize("reference", [False, True])
def test_a_timestamp_past_the_float_range_is_a_violation_not_a_crash(reference: bool) -> None:
    """10**400 divided by 1000 overflows a float: the range hint compares without dividing."""
    body = (b'[{"id":"a1","roomId":"r1","checkin":1' + b"0" * 400 + b',"checkout":1518865200000,'
            b'"guestPhone":"+61491570156","guestName":"A","lang":"EN"}]')
    _, found = check_bytes(body, "v2", reference=reference)
    assert [(v.rule, v.path) for v in found if v.level == "MUST"] == [("RMP-V2-TIMESTAMP", "/0/checkin")]
