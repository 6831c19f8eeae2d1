"""One comparison of a listed meeting with what the suite expects of it (RZ-CREATE-PERSIST,
RZ-UPDATE-PERSIST). It compares meanings, not spellings: a date in another format, an id sent as
a number or a boolean as text are other requirements' findings (RZ-UTC, RZ-MEETINGS), not a
second failure here."""
from __future__ import annotations

from datetime import datetime

from conformance.checks import tolerant
from conformance.checks.dates import fmt


def _same(got: object, want: object) -> bool:
    if isinstance(want, bool):
        return got is want or (isinstance(got, str) and got.lower() == str(want).lower())
    if isinstance(want, str):
        return tolerant.text(got) == want or got == want
    return bool(got == want)


def differences(listed: dict[str, object], start: datetime, end: datetime, expected: dict[str, object]) -> list[str]:
    """What differs: the dates as instants, the subject only when the meeting is not private,
    the rest by value."""
    problems = []
    for key, when, got in (("startDateUTC", start, tolerant.start_of(listed)),
                           ("endDateUTC", end, tolerant.end_of(listed))):
        if got != when:
            problems.append(f"{key} {tolerant.get(listed, key)!r} instead of {fmt(when)!r}")
    private = _same(tolerant.get(listed, "isPrivate"), True)
    for key, value in expected.items():
        if key == "subject" and private:
            continue
        listed_value = tolerant.get(listed, key)
        if not _same(listed_value, value):
            problems.append(f"{key} {listed_value!r} instead of {value!r}")
    return problems
