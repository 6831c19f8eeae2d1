"""RM-IMPORT-PARTIAL's invalid bookings come from the payload rules (the CONTRACT ruling after the
second round): each is one of the suite's valid bookings with one change, which the validator
(``conformance validate``'s rules) confirms breaks exactly the rule it is listed under; every
MUST rule a booking can break has at least one; the contact data stays fictional."""
from __future__ import annotations

import re

import pytest

from conformance.checks.roomonitor import api, invalid

VALID = {"v1": api.v1_booking("conformance-1-t-1", "R1", api.PHONE_NUMBERS[0]),
         "v2": dict(api.v2_booking("conformance-1-t-2", "R1", api.PHONE_NUMBERS[1]))}
CASES = [pytest.param(version, m, id=f"{version}:{m.label}") for version, ms in invalid.MUTATIONS.items() for m in ms]


def test_the_valid_bookings_are_valid() -> None:
    assert invalid.must_rules(VALID["v1"], "v1") == set() and invalid.must_rules(VALID["v2"], "v2") == set()


@pytest.mark.parametrize("version, mutation", CASES)
def test_each_invalid_booking_breaks_exactly_its_rule(version: str, mutation: invalid.Mutation) -> None:
    booking = mutation.apply(VALID[version])
    assert invalid.must_rules(booking, version) == {mutation.rule}   # type: ignore[arg-type]
    assert VALID[version] != booking


def test_every_booking_rule_of_the_catalog_has_invalid_bookings() -> None:
    covered = {m.rule for ms in invalid.MUTATIONS.values() for m in ms}
    assert covered == set(invalid.booking_rules())
    assert set(invalid.booking_rules()) >= {"RMP-V2-LANG", "RMP-V2-TIMESTAMP", "RMP-V1-PHONE", "RMP-V2-VARIANT"}


@pytest.mark.parametrize("version, mutation", CASES)
def test_contact_data_stays_fictional(version: str, mutation: invalid.Mutation) -> None:
    booking = mutation.apply(VALID[version])
    email = str(booking.get("email", ""))
    assert email.rsplit("@", 1)[-1] in ("", "example.com") or "@" not in email, booking   # no deliverable address
    phones = " ".join(str(booking.get(k, "")) for k in ("telephone", "guestPhone"))
    for digits in re.findall(r"\d{6,}", phones.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")):
        assert any(n in digits for n in api.PHONE_NUMBERS) or digits.startswith(api.PHONE_PREFIX), booking
