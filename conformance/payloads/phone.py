"""Phone numbers: v1 ``prefix``/``telephone`` and v2 ``guestPhone`` (RMP-V1-PHONE, RMP-V2-PHONE).

The shapes are the schemas' patterns; this module explains a shape failure in the sender's terms
and asks libphonenumber's metadata whether any country's numbering plan accepts a number (a
warning: the metadata changes, and a number the library does not know may still ring).
"""
from __future__ import annotations

import re

import phonenumbers

from .text import show

E164_MAX_DIGITS = 15
V2_NUMBER = re.compile(r"\+[0-9]{6,15}")
V2_SEPARATOR = re.compile(r", ?")


def split_v2(value: str) -> list[str]:
    """The numbers of a ``guestPhone`` value: separated by a comma and one optional space."""
    return V2_SEPARATOR.split(value)


def explain_v2(value: str) -> str:
    """Why ``value`` is not a valid ``guestPhone``, with a suggestion where one is obvious."""
    expected = "expected '+' then 6–15 digits without spaces (several numbers separated by ', ')"
    parts = value.split(",")
    reasons: list[str] = []
    for n, raw in enumerate(parts, start=1):
        label = f"number {n}" if len(parts) > 1 else "the number"
        part = raw[1:] if n > 1 and raw.startswith(" ") else raw
        if V2_NUMBER.fullmatch(part):
            continue
        reasons.append(f"{label} {_why_v2(part, n > 1 and raw.startswith('  '))}")
    if not reasons and re.search(r"[;/|]", value):
        reasons.append("separate several numbers with ', '")
    if not reasons:
        reasons.append("check the separators between numbers")
    return f"{expected}, found {show(value)}: " + "; ".join(reasons)


def _why_v2(part: str, extra_space: bool) -> str:
    if part == "":
        return "is empty (a stray comma?)"
    if extra_space:
        return "follows the comma with more than one space"
    if re.search(r"[;/|]", part):
        return "holds ';', '/' or '|': separate several numbers with ', '"
    digits = re.sub(r"[^0-9]", "", part)
    cleaned = re.sub(r"[\s\-().]", "", part)
    if cleaned != part and re.fullmatch(r"\+?[0-9]+", cleaned):
        suggestion = cleaned if cleaned.startswith("+") else None
        tail = f": write {show(suggestion)}" if suggestion and V2_NUMBER.fullmatch(suggestion) else ""
        return f"holds spaces or punctuation{tail}" + ("" if cleaned.startswith("+")
                                                       else ", and lacks the leading '+' and country code")
    if cleaned.startswith("00") and cleaned[2:].isdigit():
        return f"starts with 00: write {show('+' + cleaned[2:])}"
    if re.fullmatch(r"[0-9]+", part):
        return "lacks the leading '+' and country code"
    if not re.fullmatch(r"\+[0-9]+", part):
        return "holds characters other than '+' and digits"
    return f"has {len(digits)} digits (6–15 allowed)"


def plan_warnings(value: str) -> list[str]:
    """One message per number in a well-formed ``guestPhone`` that no numbering plan accepts."""
    out = []
    numbers = split_v2(value)
    for n, number in enumerate(numbers, start=1):
        label = f"number {n}, " if len(numbers) > 1 else ""
        if not accepted_by_a_plan(number):
            out.append(f"expected a number some country's numbering plan accepts, found {label}{show(number)}, "
                       "which libphonenumber's metadata knows for no country: check the country code and the digits")
    return out


def accepted_by_a_plan(number: str) -> bool:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed)


def v1_total_problem(prefix: str, telephone: str) -> str | None:
    """``prefix`` + ``telephone`` (both digit strings) may hold at most 15 digits (E.164)."""
    total = len(prefix) + len(telephone)
    if total <= E164_MAX_DIGITS:
        return None
    return (f"expected prefix and telephone together to hold at most {E164_MAX_DIGITS} digits (E.164), "
            f"found {total}: prefix {show(prefix)} + telephone {show(telephone)}")


def explain_v1_prefix(value: str) -> str:
    expected = "expected the country calling code as 1–3 digits without '+' (e.g. \"34\")"
    hint = ""
    if value.startswith("+") and value[1:].isdigit() and 1 <= len(value) - 1 <= 3:
        hint = f": drop the '+', write {show(value[1:])}"
    elif value.startswith("00") and value[2:].isdigit() and 1 <= len(value) - 2 <= 3:
        hint = f": drop the leading 00, write {show(value[2:])}"
    elif value.isdigit():
        hint = ": no country code has more than 3 digits"
    return f"{expected}, found {show(value)}{hint}"


def explain_v1_telephone(value: str) -> str:
    expected = "expected the number without country code, digits only, no spaces"
    cleaned = re.sub(r"[\s\-().]", "", value)
    hint = ""
    if cleaned.isdigit():
        hint = f": write {show(cleaned)}"
    elif cleaned.startswith("+"):
        hint = ": put the country code in prefix, without '+'"
    return f"{expected}, found {show(value)}{hint}"
