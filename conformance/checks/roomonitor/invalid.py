"""Invalid bookings for RM-IMPORT-PARTIAL, drawn from the payload rules (the CONTRACT ruling:
"an invalid booking is one that breaks a MUST-level RMP rule, the same rules ``validate`` checks").

Each invalid booking is one of the suite's own valid bookings with one change (a ``Mutation``),
and the change is confirmed by ``conformance.payloads`` itself: the mutated booking must break
exactly the rule it is listed under and no other MUST rule (:func:`confirmed`). So the rules stay
in one place (conformance/payloads); this module only says which forms to send, chosen from what
lenient servers were seen to accept (a prefix ``+0034``, a telephone ``+34 (666) 555-444``, v2
timestamps in seconds, ``0``, ``99999999999999999``, a guestPhone with a trailing comma, lang
``XX``, both v2 variants in one booking). Every phone number stays one of the suite's fictional
ones, written in the wrong form; every e-mail address stays at a reserved domain.

RMP-JSON and RMP-ARRAY concern the whole document (a body that is no JSON, or no array of
objects): a server may refuse such an import whole, so they have no booking in a mix.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from conformance import payloads
from conformance.requirements import load_catalog

Booking = dict[str, object]
DOCUMENT_RULES = frozenset({"RMP-JSON", "RMP-ARRAY"})
WRONG_ROOM = "a room the account does not own"


@dataclass(frozen=True)
class Mutation:
    """One way to make a valid booking invalid: ``rule`` it breaks, ``label`` for messages."""
    rule: str
    label: str
    change: Callable[[Booking], None]

    def apply(self, booking: Mapping[str, object]) -> Booking:
        out = dict(booking)
        self.change(out)
        return out


def _drop(*keys: str) -> Callable[[Booking], None]:
    def change(b: Booking) -> None:
        for key in keys:
            b.pop(key, None)
    return change


def _put(**values: object) -> Callable[[Booking], None]:
    return lambda b: b.update(values)


def _with(key: str, fn: Callable[[object], object]) -> Callable[[Booking], None]:
    def change(b: Booking) -> None:
        b[key] = fn(b[key])
    return change


def _swap(b: Booking) -> None:
    b["checkin"], b["checkout"] = b["checkout"], b["checkin"]


def _v2_reversed(b: Booking) -> None:
    b["checkout"] = int(str(b["checkin"])) - 86_400_000


def _v2_seconds(b: Booking) -> None:
    b["checkin"], b["checkout"] = int(str(b["checkin"])) // 1000, int(str(b["checkout"])) // 1000


def _v2_micro(b: Booking) -> None:
    b["checkin"], b["checkout"] = int(str(b["checkin"])) * 1000, int(str(b["checkout"])) * 1000


def _v1_feb_30(b: Booking) -> None:
    b["checkin"] = f"{int(str(b['checkout'])[:4]) - 1}-02-30"


def _v1_slashes(b: Booking) -> None:
    day = date.fromisoformat(str(b["checkin"]))
    b["checkin"] = day.strftime("%d/%m/%Y")


def _v1_time(b: Booking) -> None:
    b["checkin"] = f"{b['checkin']}T15:00:00Z"


def _v1_prefix_plus(b: Booking) -> None:
    b["prefix"] = f"+00{b['prefix']}"


def _v1_telephone_formatted(b: Booking) -> None:
    t = str(b["telephone"])
    b["telephone"] = f"+{b['prefix']} ({t[:3]}) {t[3:6]}-{t[6:]}"


def _v1_telephone_spaces(b: Booking) -> None:
    t = str(b["telephone"])
    b["telephone"] = f"{t[:3]} {t[3:6]} {t[6:]}"


def _v2_phone(fmt: Callable[[str], str]) -> Callable[[Booking], None]:
    def change(b: Booking) -> None:
        b["guestPhone"] = fmt(str(b["guestPhone"]))
    return change


def _both_variants(b: Booking) -> None:
    b.update(customRoomId=f"{b['roomId']}-custom", idBooking=b["id"], pm="conformance-suite", bookingType="Booked")


def _partner(a: str) -> str:
    """A second fictional number: the suite's numbers differ in their last digit (156-159)."""
    return a[:-1] + ("7" if a[-1] != "7" else "8")


V1_MUTATIONS: tuple[Mutation, ...] = (
    Mutation("RMP-V1-FIELDS", "no lastname", _drop("lastname")),
    Mutation("RMP-V1-FIELDS", "no prefix", _drop("prefix")),
    Mutation("RMP-V1-FIELDS", "no customerReference", _drop("customerReference")),
    Mutation("RMP-V1-FIELDS", "an empty firstname", _put(firstname="")),
    Mutation("RMP-V1-FIELDS", "telephone a JSON number", _with("telephone", lambda t: int(str(t)))),
    Mutation("RMP-V1-DATES", "checkout before checkin", _swap),
    Mutation("RMP-V1-DATES", "checkin on February 30", _v1_feb_30),
    Mutation("RMP-V1-DATES", "checkin written DD/MM/YYYY", _v1_slashes),
    Mutation("RMP-V1-DATES", "checkin with a time", _v1_time),
    Mutation("RMP-V1-PHONE", "prefix written +00<code>", _v1_prefix_plus),
    Mutation("RMP-V1-PHONE", "telephone written +<code> (ddd) ddd-ddd", _v1_telephone_formatted),
    Mutation("RMP-V1-PHONE", "telephone with spaces", _v1_telephone_spaces),
    Mutation("RMP-V1-PHONE", "more than 15 digits in all", _with("telephone", lambda t: f"{t}0000000")),
    Mutation("RMP-V1-EMAIL", "an e-mail address without domain", _with("email", lambda e: str(e).split("@")[0] + "@")),
    Mutation("RMP-V1-EMAIL", "an e-mail address without @", _with("email", lambda e: str(e).replace("@", "."))),
    Mutation("RMP-V1-EMAIL", "an e-mail address with a space",
             _with("email", lambda e: str(e).replace(".", " ", 1))),
    Mutation("RMP-V1-EMAIL", "an e-mail address with two @", _with("email", lambda e: str(e).replace("@", "@@"))),
)

V2_MUTATIONS: tuple[Mutation, ...] = (
    Mutation("RMP-V2-FIELDS", "no lang", _drop("lang")),
    Mutation("RMP-V2-FIELDS", "no guestName", _drop("guestName")),
    Mutation("RMP-V2-FIELDS", "an insert without checkin", _drop("checkin")),
    Mutation("RMP-V2-FIELDS", "an empty guestName", _put(guestName="")),
    Mutation("RMP-V2-FIELDS", "checkin a string of digits", _with("checkin", str)),
    Mutation("RMP-V2-FIELDS", "guestPhone null", _put(guestPhone=None)),
    Mutation("RMP-V2-VARIANT", "no id", _drop("id")),
    Mutation("RMP-V2-VARIANT", "both variants (roomId + id and customRoomId + idBooking)", _both_variants),
    Mutation("RMP-V2-TIMESTAMP", "checkout before checkin", _v2_reversed),
    Mutation("RMP-V2-TIMESTAMP", "timestamps in seconds (1970 as milliseconds)", _v2_seconds),
    Mutation("RMP-V2-TIMESTAMP", "timestamps in microseconds", _v2_micro),
    Mutation("RMP-V2-TIMESTAMP", "checkin 0", _put(checkin=0)),
    Mutation("RMP-V2-TIMESTAMP", "checkout 99999999999999999", _put(checkout=99_999_999_999_999_999)),
    Mutation("RMP-V2-PHONE", "guestPhone with spaces around and a trailing comma",
             _v2_phone(lambda p: f"{p} ,   {_partner(p)},")),
    Mutation("RMP-V2-PHONE", "guestPhone with spaces", _v2_phone(lambda p: f"{p[:3]} {p[3:6]} {p[6:9]} {p[9:]}")),
    Mutation("RMP-V2-PHONE", "guestPhone without +", _v2_phone(lambda p: p[1:])),
    Mutation("RMP-V2-PHONE", "guestPhone with 00 instead of +", _v2_phone(lambda p: "00" + p[1:])),
    Mutation("RMP-V2-PHONE", "guestPhone with dashes", _v2_phone(lambda p: f"{p[:3]}-{p[3:6]}-{p[6:]}")),
    Mutation("RMP-V2-LANG", "lang XX", _put(lang="XX")),
    Mutation("RMP-V2-LANG", "lang ENG", _put(lang="ENG")),
    Mutation("RMP-V2-LANG", "lang en-GB", _put(lang="en-GB")),
)

MUTATIONS: dict[str, tuple[Mutation, ...]] = {"v1": V1_MUTATIONS, "v2": V2_MUTATIONS}


def booking_rules() -> list[str]:
    """The MUST-level RMP rules a single booking can break, in catalog order (the catalog's data)."""
    return [r.id for r in load_catalog().requirements
            if r.id.startswith("RMP-") and r.level == "MUST" and r.id not in DOCUMENT_RULES]


def must_rules(booking: Mapping[str, object], version: payloads.Version) -> set[str]:
    """The MUST rules ``conformance validate`` finds in a payload of this one booking."""
    return {v.rule for v in payloads.check_document([dict(booking)], version) if v.is_must}


def confirmed(booking: Mapping[str, object], version: payloads.Version, rule: str) -> bool:
    """True when the validator finds exactly ``rule`` broken, and nothing else at MUST level."""
    return must_rules(booking, version) == {rule}
