"""The fast validate path gives the reference path's findings, byte for byte.

The fast path (jsonschema-rs compiled schemas, :func:`phone.plan_accepts`, the checks written
for the common case) and the reference path (jsonschema interpreting the schemas, libphonenumber
parsing every number) are run on the bench's import with a fault in every tenth booking, on
every rule case of test_payloads.py, and the phone answer on every region's example numbers.
Their speed is measured by bench/bench.py, never asserted here.
"""
from __future__ import annotations

import importlib.util
import json
import random
import subprocess
import sys
from pathlib import Path

import phonenumbers
import pytest
from test_payloads import CASES

from conformance.payloads import check_bytes, check_document, compiled, phone, rules
from conformance.payloads.report import FileResult, render_json, render_text

ROOT = Path(__file__).resolve().parent.parent


def _bench_fixtures():
    spec = importlib.util.spec_from_file_location("bench_fixtures", ROOT / "bench" / "fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fixtures = _bench_fixtures()


@pytest.fixture(scope="module")
def faulty_import() -> bytes:
    """The bench's import, 1,100 bookings: each of its 22 faults five times, a duplicate key, repeated ids."""
    valid = fixtures.valid_bookings(1100)
    return fixtures.dump(fixtures.faulty_bookings(valid), duplicate_key_at=29)


def test_fast_and_reference_agree_on_an_import_with_a_fault_in_every_tenth_booking(faulty_import):
    fast = check_bytes(faulty_import)
    reference = check_bytes(faulty_import, reference=True)
    assert fast == reference
    version, found = fast
    assert version == "v2"
    # the fixture breaks what it says it breaks: every v2 rule, MUST and SHOULD findings both
    rules_found = {v.rule for v in found}
    assert rules_found >= {"RMP-JSON", "RMP-V2-FIELDS", "RMP-V2-VARIANT", "RMP-V2-TIMESTAMP", "RMP-V2-PHONE",
                           "RMP-V2-LANG", "RMP-V2-BOOKINGTYPE", "RMP-UNIQUE"}
    assert {v.level for v in found} == {"MUST", "SHOULD"}
    faulty_paths = {v.path.split("/")[1] for v in found if v.path}
    assert faulty_paths <= {str(i) for i in range(9, 1100, 10)} | {"29", "4", "14"} | {
        str(i - 5) for i in range(9, 1100, 10)}
    # and the reports rendered from them are the same text
    for render in (render_text, render_json):
        assert render([FileResult("f.json", *fast)]) == render([FileResult("f.json", *reference)])


def test_the_valid_bench_import_has_no_finding():
    data = fixtures.dump(fixtures.valid_bookings(300))
    assert check_bytes(data) == ("v2", []) == check_bytes(data, reference=True)


@pytest.mark.parametrize("rule, case, version, payload, expected", CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_fast_and_reference_agree_on_every_rule_case(rule, case, version, payload, expected):
    data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    assert check_bytes(data, version) == check_bytes(data, version, reference=True)


def test_a_value_jsonschema_rs_cannot_read_falls_back_to_jsonschema():
    deep: list = []
    inner = deep
    for _ in range(3000):   # nested past jsonschema-rs's recursion limit
        inner.append([])
        inner = inner[0]
    booking = {"id": "1", "roomId": "r", "checkin": 10 ** 30, "checkout": 1518865200000,
               "guestPhone": "+34666555666", "guestName": "\ud800", "lang": "EN", "extra": deep}
    with pytest.raises(compiled.Unsupported):
        compiled.errors(booking, "v2", rules.BY_ROOM)
    fast = check_document([booking], "v2")
    assert fast == check_document([booking], "v2", reference=True)
    assert [(v.rule, v.level, v.path) for v in fast] == [("RMP-V2-TIMESTAMP", "MUST", "/0/checkin"),
                                                         ("RMP-V2-FIELDS", "SHOULD", "/0/extra")]


def _numbers() -> list[str]:
    """Every region's example numbers of every type, their neighbours, random numbers of each calling code."""
    rng = random.Random(7)
    out: set[str] = set()
    types = [t for name, t in vars(phonenumbers.PhoneNumberType).items() if name.isupper() and name != "UNKNOWN"]
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in types:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
            out |= {e164, e164[:-1], e164 + "5", e164[:-1] + str((int(e164[-1]) + 1) % 10)}
    for code in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        for digits in range(6, 16, 3):
            rest = digits - len(str(code))
            if rest > 0:
                out.add(f"+{code}{rng.randrange(10 ** rest):0{rest}d}")
                out.add(f"+{code}0{rng.randrange(10 ** rest):0{rest}d}"[:digits + 1])
    out |= {"+0123456789", "+123", "+99912345678", "+3906698", "+39066981234567", "+1242357", "+12423570000"}
    return sorted(out)


def test_plan_accepts_answers_as_libphonenumber_does():
    numbers = _numbers()
    assert len(numbers) > 3000
    differ = [(n, phone.accepted_by_a_plan(n)) for n in numbers if phone.plan_accepts(n) != phone.accepted_by_a_plan(n)]
    assert differ == []
    # not a constant answer: both kinds are there in numbers
    assert 0.1 < sum(map(phone.accepted_by_a_plan, numbers)) / len(numbers) < 0.9


def test_a_large_file_shows_progress_on_stderr_and_the_same_report(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(fixtures.dump(fixtures.valid_bookings(6000)))   # about 1.2 MB
    assert path.stat().st_size > 1_000_000
    proc = subprocess.run([sys.executable, "-m", "conformance", "validate", str(path)], capture_output=True,
                          text=True, cwd=ROOT, env={**_env(), "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "6,000 of 6,000 bookings checked" in proc.stderr
    assert proc.stdout == render_text([FileResult(str(path), *check_bytes(path.read_bytes()))])


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)
