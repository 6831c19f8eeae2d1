"""The RMP-* checks of an already parsed payload.

Shapes come from ``schemas/booking-v1.json`` and ``schemas/booking-v2.json`` through jsonschema;
each jsonschema error is mapped to a requirement by the ``x-requirements`` of the schema node that
failed (:func:`rule_of`). Only what a schema cannot say is code here: real calendar dates and
date order, the epoch-millisecond hint, the 15-digit total of a v1 phone, e-mail syntax, assigned
ISO 639-1 codes and their case, numbering plans, and uniqueness across bookings.

A finding's level is its requirement's catalog level, except the findings that are warnings by
definition (unknown fields, a lowercase ``lang``, a number no numbering plan knows): those are
SHOULD-level findings of a MUST requirement, and never make a payload invalid.

A check that depends on a shape skips a field whose shape already failed, so every problem is
reported once, under the most specific rule.
"""
from __future__ import annotations

import calendar
import datetime as dt
import difflib
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..requirements import load_catalog
from ..spec import load_schema
from . import compiled, emailaddr, lang, phone
from .compiled import V1_SCHEMA, V2_SCHEMA, V2_SHARED, SchemaError
from .model import Version, Violation

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
from .text import field_list, json_type, pointer, show

# jsonschema keywords that state the template (presence, type, non-empty): the *-FIELDS rule.
FIELD_KEYWORDS = frozenset({"type", "required", "minLength", "additionalProperties"})

TS_MIN = 946_684_800_000      # 2000-01-01T00:00:00Z in epoch milliseconds
TS_END = 4_102_444_800_000    # 2100-01-01T00:00:00Z, exclusive

BY_ROOM = "byRoomId"
BY_CUSTOM = "byCustomRoomId"
VARIANT_PAIRS = {BY_ROOM: ("roomId", "id"), BY_CUSTOM: ("customRoomId", "idBooking")}
VARIANT_NAMES = {BY_ROOM: "roomId", BY_CUSTOM: "customRoomId"}


class SchemaMappingError(LookupError):
    """A schema node fails without saying which requirement it belongs to: a bug in schemas/."""


def finding(rule: str, path: str, message: str, *, warning: bool = False) -> Violation:
    """A finding of ``rule`` at ``path``; its level is the catalog's unless ``warning``."""
    level = "SHOULD" if warning else _level(rule)
    return Violation(rule, level, path, message)


@functools.cache
def _level(rule: str) -> str:
    return load_catalog()[rule].level


# --- templates, read from the schemas -------------------------------------------------------

@functools.cache
def template(version: Version, variant: str | None = None) -> tuple[str, ...]:
    """The field names of a template, in the documentation's order."""
    if version == "v1":
        return tuple(load_schema(V1_SCHEMA)["properties"])
    defs = load_schema(V2_SCHEMA)["$defs"]
    if variant is None:
        return tuple(dict.fromkeys([*defs[BY_ROOM]["properties"], *defs[BY_CUSTOM]["properties"]]))
    return tuple(defs[variant]["properties"])


@functools.cache
def only_in(version: Version) -> frozenset[str]:
    """Fields that only one version's templates have: they tell v1 from v2."""
    v1, v2 = set(template("v1")), set(template("v2"))
    return frozenset(v1 - v2 if version == "v1" else v2 - v1)


# --- the top level ---------------------------------------------------------------------------

def check_array(doc: object) -> list[Violation]:
    """RMP-ARRAY: a non-empty array whose elements are all objects."""
    if not isinstance(doc, list):
        hint = ""
        if isinstance(doc, dict):
            inner = [k for k, v in doc.items() if isinstance(v, list)]
            hint = (f": send the array held in {show(inner[0])} itself" if inner
                    else ": wrap the booking in [ ] to send an array of one")
        return [finding("RMP-ARRAY", "", "expected a JSON array of bookings at the top level, found "
                                         f"{json_type(doc)}{hint}")]
    if not doc:
        return [
            finding("RMP-ARRAY", "", "expected at least one booking, found an empty array [] (the server answers 400)")
        ]
    out = []
    for i, item in enumerate(doc):
        if not isinstance(item, dict):
            hint = ": the array is nested one level too deep" if isinstance(item, list) else ""
            out.append(finding("RMP-ARRAY", pointer([i]), f"expected a booking object, found {show(item)} "
                                                          f"({json_type(item)}){hint}"))
    return out


def detect_version(doc: object) -> Version | None:
    """v1 or v2 by majority of the bookings that tell; None when none tells or it is a tie.

    A booking tells by the fields only one version's templates have (v1: firstname, email, room…;
    v2: roomId, guestPhone, lang…) and by the type of checkin/checkout (v1 date strings, v2
    integers), counted per booking.
    """
    if not isinstance(doc, list):
        return None
    v1_only, v2_only = only_in("v1"), only_in("v2")
    votes = {"v1": 0, "v2": 0}
    half = len(doc) / 2
    for booking in doc:
        if not isinstance(booking, dict):
            continue
        n1 = len(v1_only.intersection(booking))
        n2 = len(v2_only.intersection(booking))
        for k in ("checkin", "checkout"):
            value = booking.get(k)
            if isinstance(value, str):
                n1 += 1
            elif isinstance(value, int) and not isinstance(value, bool):
                n2 += 1
        if n1 != n2:
            side: Version = "v1" if n1 > n2 else "v2"
            votes[side] += 1
            if votes[side] > half:   # a majority of all bookings: the rest cannot change the answer
                return side
    if votes["v1"] == votes["v2"]:
        return None
    return "v1" if votes["v1"] > votes["v2"] else "v2"


def undetermined_version(doc: list) -> Violation:
    """The finding for a document whose version cannot be told: run with ``--as v1|v2``.

    Rule: RMP-V2-FIELDS. Whatever the version, such a document breaks that version's FIELDS
    rule (its bookings lack the fields that identify a template), so the document is invalid
    either way and the finding is a MUST. Of the two FIELDS rules, v2's is named because v2 is
    the documentation's general booking import (v1 serves SmartLock door keys only), and its
    rule already speaks of telling templates apart (variants). RMP-ARRAY does not fit: the
    top level *is* an array of objects. Path "" because the whole document is concerned.
    """
    bookings = [b for b in doc if isinstance(b, dict)]
    keys = sorted({k for b in bookings for k in b})
    telling = [b for b in bookings if any(k in only_in("v1") or k in only_in("v2") for k in b)]
    if telling:
        found = f"found as many v1-like as v2-like bookings among {len(bookings)}"
    elif keys:
        found = f"found only the fields {show(keys)}"
    else:
        found = "found only empty objects"
    return finding(
        "RMP-V2-FIELDS", "",
        "cannot tell whether this is a v1 (SmartLock) or a v2 (noise alerting) import: expected bookings "
        f"with the fields of one template (v1: {field_list(sorted(only_in('v1')))}; "
        f"v2: {field_list(sorted(only_in('v2')))}), {found}. "
        "Pass --as v1 or --as v2 to check it against one template.",
    )


Progress = Callable[[int, int], None]
PROGRESS_EVERY = 2000   # bookings between two calls of a progress callback


def check_document(doc: object, version: Version, *, reference: bool = False,
                   progress: Progress | None = None) -> list[Violation]:
    """Every finding of ``doc`` as ``version``; ``progress(done, total)`` now and then if given.

    ``reference`` checks shapes with jsonschema interpreting the schemas and phone numbers with
    libphonenumber's own parser: the slow path the fast one (jsonschema-rs, :func:`phone.plan_accepts`)
    is compared with in the tests. Both give the same findings.
    """
    out = check_array(doc)
    if not isinstance(doc, list):
        return out
    if version not in ("v1", "v2"):
        raise ValueError(f"version must be 'v1' or 'v2', got {version!r}")
    engine = _Engine(reference)
    variants: list[str | None] = []
    total = len(doc)
    for i, booking in enumerate(doc):
        if progress is not None and i % PROGRESS_EVERY == 0:
            progress(i, total)
        if not isinstance(booking, dict):
            variants.append(None)
        elif version == "v1":
            out.extend(_check_v1(booking, i, engine))
        else:
            variant, found = _check_v2(booking, i, engine)
            out.extend(found)
            variants.append(variant)
    if progress is not None:
        progress(total, total)
    if version == "v2":
        out.extend(_check_unique(doc, variants))
    return out


class _Engine:
    """Where schema errors and numbering-plan answers come from: fast, or the reference."""

    def __init__(self, reference: bool) -> None:
        self.reference = reference
        self.plan_accepts: Callable[[str], bool] = phone.accepted_by_a_plan if reference else phone.plan_accepts

    def schema_errors(self, booking: dict, version: Version, variant: str | None) -> Sequence[Any]:
        if not self.reference:
            try:
                return compiled.errors(booking, version, variant)
            except compiled.Unsupported:
                pass   # a value jsonschema-rs cannot read: jsonschema reads any
        return [e for e in _validator(version, variant).iter_errors(booking)
                # code checks dates and addresses more precisely than the "format" assertion
                if e.validator != "format"]


# --- schema errors -> findings --------------------------------------------------------------

def rule_of(error: ValidationError | SchemaError) -> str:
    """The requirement a jsonschema error belongs to, from the failing node's ``x-requirements``.

    A node citing one requirement owns all its keywords. A node citing a *-FIELDS rule and one
    other rule gives the template keywords (type, required, minLength, additionalProperties) to
    the FIELDS rule and the rest (pattern, enum, minimum…) to the other.
    """
    reqs = error.schema.get("x-requirements", []) if isinstance(error.schema, dict) else []
    if len(reqs) == 1:
        return str(reqs[0])
    fields = [str(r) for r in reqs if r.endswith("-FIELDS")]
    others = [str(r) for r in reqs if not r.endswith("-FIELDS")]
    if error.validator in FIELD_KEYWORDS and len(fields) == 1:
        return fields[0]
    if error.validator not in FIELD_KEYWORDS and len(others) == 1:
        return others[0]
    raise SchemaMappingError(
        f"schema node {'/'.join(map(str, error.schema_path))} does not say which requirement "
        f"its {error.validator!r} keyword belongs to (x-requirements: {reqs})")


@functools.cache
def _validator(version: Version, variant: str | None) -> Any:
    """The reference engine's jsonschema validator (see :func:`compiled.schema` for the nodes)."""
    from ..spec import schema_validator

    if version == "v1":
        return schema_validator(V1_SCHEMA)
    base = schema_validator(V2_SCHEMA)
    if variant is not None:
        return base.evolve(schema={"$ref": f"{V2_SCHEMA}#/$defs/{variant}"})
    return base.evolve(schema={"type": "object", "properties": {
        k: {"$ref": f"{V2_SCHEMA}#/$defs/{d}"} for k, d in V2_SHARED.items()}})


def _schema_findings(booking: dict, index: int, version: Version, variant: str | None,
                     engine: _Engine) -> tuple[list[Violation], set[str]]:
    """Findings of the booking's schema, and the fields whose shape failed at MUST level."""
    errors = engine.schema_errors(booking, version, variant)
    if not errors:
        return [], set()
    # one finding per field: a wrong type or an empty string says it all
    basic = {tuple(e.absolute_path) for e in errors if e.validator in ("type", "minLength") and e.absolute_path}
    out: list[Violation] = []
    bad: set[str] = set()
    missing_seen: set[str] = set()
    for e in errors:
        loc = tuple(e.absolute_path)
        if loc in basic and e.validator not in ("type", "minLength"):
            continue
        rule = rule_of(e)
        if e.validator == "required":
            for name in e.validator_value:
                if name not in booking and name not in missing_seen:
                    missing_seen.add(name)
                    bad.add(name)
                    out.append(
                        finding(rule, pointer([index, name]), _missing_message(rule, name, booking, version, variant))
                    )
        elif e.validator == "additionalProperties":  # the catalog: "unknown fields are a warning"
            allowed = e.schema.get("properties", {})
            for key in booking:
                if key not in allowed:
                    out.append(
                        finding(rule, pointer([index, key]), _unknown_message(key, version, variant), warning=True)
                    )
        else:
            name = str(loc[0]) if loc else ""
            bad.add(name)
            out.append(finding(rule, pointer([index, *loc]), _shape_message(e, rule, name)))
    return out, bad


def _describe(name: str, version: Version) -> str:
    if version == "v2" and name in ("checkin", "checkout"):
        return "an integer epoch-millisecond timestamp such as 1518865200000"
    if version == "v2" and name == "updatedBooking":
        return "a boolean"
    if version == "v1" and name in ("checkin", "checkout"):
        return "a date string YYYY-MM-DD"
    if name == "customerReference":
        return "a string (may be empty)"
    return "a non-empty string"


def _missing_message(rule: str, name: str, booking: dict, version: Version, variant: str | None) -> str:
    if rule == "RMP-V2-VARIANT" and variant is not None:
        a, b = VARIANT_PAIRS[variant]
        present = a if a in booking else b
        return (f"expected {show(a)} and {show(b)} together (the {VARIANT_NAMES[variant]} variant), "
                f"found only {show(present)} ({show(booking.get(present))}): add {show(name)}")
    note = ""
    if version == "v2" and variant == BY_CUSTOM and name in ("checkin", "checkout", "guestPhone"):
        note = " (only an update, with \"updatedBooking\": true, may leave it out)"
    which = f"the {VARIANT_NAMES[variant]} variant" if variant else f"a {version} booking"
    unknown = [k for k in booking if k not in template(version, variant)]
    close = difflib.get_close_matches(name, unknown, n=1, cutoff=0.75) or [
        k for k in unknown if k.lower() == name.lower()
    ]
    if close:
        note += f"; {show(close[0])} is there: correct its spelling"
    return (f"expected the field {show(name)} ({_describe(name, version)}), found no such field: "
            f"every field of {which}'s template is required{note}")


def _unknown_message(key: str, version: Version, variant: str | None) -> str:
    names = template(version, variant)
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.75) or [n for n in names if n.lower() == key.lower()]
    hint = f"; did you mean {show(close[0])}?" if close else ""
    other = ""
    if version == "v2" and variant and key in template("v2", BY_CUSTOM if variant == BY_ROOM else BY_ROOM):
        other = f" ({show(key)} belongs to the other variant)"
    which = f"the {VARIANT_NAMES[variant]} variant" if variant else version
    return (f"expected only the fields of {which} ({field_list(names)}), found the unknown field "
            f"{show(key)}{other}{hint}; a server may ignore or refuse it")


def _shape_message(e: ValidationError | SchemaError, rule: str, name: str) -> str:
    value: object = e.instance
    if e.validator == "type":
        return (f"expected {_describe(name, _version_of(rule))}, found {show(value)} "
                f"({json_type(value)}){_type_hint(name, value, rule)}")
    if e.validator == "minLength":
        return "expected a non-empty string, found \"\""
    # the shape keywords below (pattern, minimum, enum) fail only once the type passed
    if rule == "RMP-V1-PHONE" and isinstance(value, str):
        return phone.explain_v1_prefix(value) if name == "prefix" else phone.explain_v1_telephone(value)
    if rule == "RMP-V1-DATES" and isinstance(value, str):
        return _explain_v1_date_shape(value)
    if rule == "RMP-V2-PHONE" and isinstance(value, str):
        return phone.explain_v2(value)
    if rule == "RMP-V2-TIMESTAMP" and isinstance(value, (int, float)):
        return _explain_timestamp_range(value)
    if rule == "RMP-V2-LANG" and isinstance(value, str):
        return _explain_lang_shape(value)
    if rule == "RMP-V2-BOOKINGTYPE" and isinstance(value, str):
        return _explain_booking_type(value)
    return f"expected a value satisfying {e.validator} {show(e.validator_value)}, found {show(value)}"


def _version_of(rule: str) -> Version:
    return "v1" if rule.startswith("RMP-V1-") else "v2"


def _type_hint(name: str, value: object, rule: str) -> str:
    v2 = _version_of(rule) == "v2"
    if v2 and name in ("checkin", "checkout"):
        if isinstance(value, str) and value.strip().isdigit():
            return ": send it as a JSON number, without quotes"
        if isinstance(value, str):
            try:
                when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                return ""
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            return (
                f": convert the date to epoch milliseconds, e.g. {int(when.timestamp() * 1000)} for {value.strip()} UTC"
            )
        if isinstance(value, float):
            return ": epoch milliseconds are whole numbers"
    if not v2 and name in ("checkin", "checkout") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return ": v1 dates are strings YYYY-MM-DD (epoch milliseconds are v2's form: is this a v2 booking?)"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f": send it as a string, \"{value}\""
    return ""


# --- code checks ---------------------------------------------------------------------------

def _check_v1(booking: dict, i: int, engine: _Engine) -> list[Violation]:
    out, bad = _schema_findings(booking, i, "v1", None, engine)
    dates: dict[str, dt.date] = {}
    for name in ("checkin", "checkout"):
        value = booking.get(name)
        if name in bad or not isinstance(value, str):
            continue
        try:
            dates[name] = dt.date.fromisoformat(value)
        except ValueError:
            out.append(finding("RMP-V1-DATES", pointer([i, name]),
                               f"expected a real calendar date YYYY-MM-DD, found {show(value)}: "
                               f"{_why_not_a_date(value)}"))
    if len(dates) == 2 and dates["checkout"] < dates["checkin"]:
        out.append(
            finding(
                "RMP-V1-DATES",
                pointer([i, "checkout"]),
                f"expected checkout on or after checkin ({show(booking['checkin'])}), "
                f"found {show(booking['checkout'])}, {(dates['checkin'] - dates['checkout']).days} day(s) earlier",
            )
        )
    prefix, tel = booking.get("prefix"), booking.get("telephone")
    if "prefix" not in bad and "telephone" not in bad and isinstance(prefix, str) and isinstance(tel, str):
        problem = phone.v1_total_problem(prefix, tel)
        if problem:
            out.append(finding("RMP-V1-PHONE", pointer([i, "telephone"]), problem))
    email = booking.get("email")
    if "email" not in bad and isinstance(email, str):
        problem = emailaddr.problem(email)
        if problem:
            out.append(finding("RMP-V1-EMAIL", pointer([i, "email"]), problem))
    return _in_template_order(out, "v1", None) if len(out) > 1 else out


def _variant_of(booking: dict, i: int) -> tuple[str | None, list[Violation]]:
    """The booking's variant from its identifying fields, or a RMP-V2-VARIANT finding.

    One field of a pair is enough to choose the variant; the missing partner is then reported
    by the variant schema's ``required`` (itself cited to RMP-V2-VARIANT).
    """
    by_room = [k for k in VARIANT_PAIRS[BY_ROOM] if k in booking]
    by_custom = [k for k in VARIANT_PAIRS[BY_CUSTOM] if k in booking]
    if by_room and by_custom:
        return None, [finding("RMP-V2-VARIANT", pointer([i]),
                              "expected exactly one variant, roomId + id or customRoomId + idBooking, "
                              f"found both: {field_list(by_room + by_custom)}")]
    if not by_room and not by_custom:
        v1_like = [k for k in booking if k in only_in("v1")]
        hint = (f": with {field_list(v1_like[:3])} it looks like a v1 booking, meant for /v1/import_bookings"
                if len(v1_like) > sum(1 for k in booking if k in only_in("v2")) else "")
        return None, [finding("RMP-V2-VARIANT", pointer([i]),
                              "expected exactly one variant, roomId + id or customRoomId + idBooking, "
                              f"found neither (fields: {show(sorted(booking))}){hint}")]
    return (BY_ROOM if by_room else BY_CUSTOM), []


def _check_v2(booking: dict, i: int, engine: _Engine) -> tuple[str | None, list[Violation]]:
    by_room = "roomId" in booking or "id" in booking
    if by_room != ("customRoomId" in booking or "idBooking" in booking):   # the usual case: one variant
        variant: str | None = BY_ROOM if by_room else BY_CUSTOM
        out: list[Violation] = []
    else:
        variant, out = _variant_of(booking, i)
    found, bad = _schema_findings(booking, i, "v2", variant, engine)
    if found:
        out.extend(found)
    stamps: dict[str, int] = {}
    for name in ("checkin", "checkout"):
        value = booking.get(name)
        if name not in bad and isinstance(value, (int, float)) and not isinstance(value, bool):
            stamps[name] = int(value)
            if isinstance(value, float):   # 1518865200000.0 or 1.5188652e12: an integer in JSON Schema's sense
                out.append(finding("RMP-V2-TIMESTAMP", pointer([i, name]),
                                   f"expected an integer written without a fraction or an exponent, found {value!r}: "
                                   f"a server reading a 64-bit integer may refuse it; send {int(value)}",
                                   warning=True))
    if len(stamps) == 2 and stamps["checkout"] < stamps["checkin"]:
        out.append(finding("RMP-V2-TIMESTAMP", pointer([i, "checkout"]),
                           f"expected checkout on or after checkin ({stamps['checkin']} = {_utc(stamps['checkin'])}), "
                           f"found {stamps['checkout']} ({_utc(stamps['checkout'])})"))
    guest_phone = booking.get("guestPhone")
    if "guestPhone" not in bad and isinstance(guest_phone, str):
        for message in phone.plan_warnings(guest_phone, engine.plan_accepts):
            out.append(finding("RMP-V2-PHONE", pointer([i, "guestPhone"]), message, warning=True))
    code = booking.get("lang")
    if "lang" not in bad and isinstance(code, str) and code not in lang.ASSIGNED_UPPER:
        out.extend(_lang_findings(code, pointer([i, "lang"])))
    return variant, _in_template_order(out, "v2", variant) if len(out) > 1 else out


def _lang_findings(code: str, path: str) -> list[Violation]:
    if not lang.is_assigned(code):
        withdrawn = lang.WITHDRAWN.get(code.lower())
        hint = (
            f": {show(code)} was withdrawn, use {withdrawn.upper() if len(withdrawn) == 2 else withdrawn}"
            if withdrawn
            else ""
        )
        return [
            finding(
                "RMP-V2-LANG",
                path,
                f'expected an assigned ISO 639-1 language code such as "EN" or "ES", found {show(code)}{hint}',
            )
        ]
    if code != code.upper():
        return [finding("RMP-V2-LANG", path,
                        f"expected the code in uppercase as the documentation writes it, found {show(code)}: write "
                        f"{show(code.upper())}",
                        warning=True)]
    return []


def _check_unique(doc: list, variants: list[str | None]) -> list[Violation]:
    """RMP-UNIQUE: no two inserts share an id (roomId variant) or idBooking (customRoomId variant)."""
    out = []
    first: dict[tuple[str, str], int] = {}
    for i, (booking, variant) in enumerate(zip(doc, variants, strict=True)):
        if variant is None:
            continue
        key_field = VARIANT_PAIRS[variant][1]
        value = booking.get(key_field)
        if not isinstance(value, str) or not value:
            continue
        if variant == BY_CUSTOM and booking.get("updatedBooking") is True:
            continue  # an update names a booking that exists: that is its purpose
        seen = first.setdefault((key_field, value), i)
        if seen != i:
            out.append(finding(
                "RMP-UNIQUE", pointer([i, key_field]),
                f"expected each inserted booking to have its own {key_field}, found {show(value)} again "
                f"(first inserted at {pointer([seen])})"
                + (": send a change of a booking as an update (\"updatedBooking\": true)" if variant == BY_CUSTOM
                   else ": give every booking its own id (the roomId variant has no updates)")))
    return out


# --- small explanations ----------------------------------------------------------------------

def _utc(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _explain_timestamp_range(value: float) -> str:
    expected = (f"expected epoch milliseconds from {TS_MIN} (2000-01-01T00:00:00Z) to before {TS_END} "
                "(2100-01-01T00:00:00Z)")
    hint = ""
    if TS_MIN <= value * 1000 < TS_END:
        hint = f": this reads as seconds ({_utc(int(value * 1000))}), multiply by 1000"
    elif TS_MIN * 1000 <= value < TS_END * 1000:   # no division: an integer past the float range is no crash
        hint = f": this reads as microseconds ({_utc(int(value // 1000))}), divide by 1000"
    return f"{expected}, found {show(value)}{hint}"


def _explain_v1_date_shape(value: str) -> str:
    hint = ""
    stripped = value.strip()
    for fmt, label in (("%d/%m/%Y", "DD/MM/YYYY"), ("%m/%d/%Y", "MM/DD/YYYY"), ("%d-%m-%Y", "DD-MM-YYYY"),
                       ("%Y/%m/%d", "YYYY/MM/DD")):
        try:
            parsed = dt.datetime.strptime(stripped, fmt).date()
        except ValueError:
            continue
        hint = f": this reads as {label}, write {show(parsed.isoformat())}"
        break
    if not hint and len(stripped) > 10 and stripped[:10].count("-") == 2:
        hint = f": a date only, no time, e.g. {show(stripped[:10])}"
    return f"expected a date YYYY-MM-DD, found {show(value)}{hint}"


def _why_not_a_date(value: str) -> str:
    year, month, day = (int(p) for p in value.split("-"))
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    if year < 1:
        return "there is no year 0"
    days = calendar.monthrange(year, month)[1]
    return f"{calendar.month_name[month]} {year} has {days} days"


def _explain_lang_shape(value: str) -> str:
    hint = ""
    head = value.replace("_", "-").split("-")[0]
    if len(head) == 2 and head.isalpha() and head != value:
        hint = f": send the language part only, {show(head.upper())}"
    elif len(value) == 3 and value.isalpha():
        hint = ": that is a three-letter code; ISO 639-1 codes have two letters"
    return f"expected a two-letter ISO 639-1 language code such as \"EN\", found {show(value)}{hint}"


def _explain_booking_type(value: str) -> str:
    hint = ""
    for documented in ("Booked", "Cancel"):
        if value.lower() == documented.lower() or value.lower() in (
            documented.lower() + "led",
            documented.lower() + "ed",
        ):
            hint = f": write {show(documented)}"
    return f"expected one of the documented values \"Booked\", \"Cancel\", found {show(value)}{hint}"


@functools.cache
def _field_order(version: Version, variant: str | None) -> dict[str, int]:
    return {name: n for n, name in enumerate(template(version, variant))}


def _in_template_order(found: Iterable[Violation], version: Version, variant: str | None) -> list[Violation]:
    """A booking's findings in the order of the template's fields (booking-level ones first)."""
    order = _field_order(version, variant)

    def key(v: Violation) -> tuple[int, int]:
        parts = v.path.split("/")
        if len(parts) < 3:
            return (-1, 0)
        return (order.get(parts[2].replace("~1", "/").replace("~0", "~"), len(order)), 0 if v.level == "MUST" else 1)

    return sorted(found, key=key)
