"""Phone numbers: v1 ``prefix``/``telephone`` and v2 ``guestPhone`` (RMP-V1-PHONE, RMP-V2-PHONE).

The shapes are the schemas' patterns; this module explains a shape failure in the sender's terms
and asks libphonenumber's metadata whether any country's numbering plan accepts a number (a
warning: the metadata changes, and a number the library does not know may still ring).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable

import phonenumbers
from phonenumbers import phonenumberutil as _pnu
from phonenumbers.phonemetadata import REGION_CODE_FOR_NON_GEO_ENTITY, PhoneMetadata

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


def plan_warnings(value: str, accepts: Callable[[str], bool] | None = None) -> list[str]:
    """One message per number in a well-formed ``guestPhone`` that no numbering plan accepts.

    ``accepts`` tells a number a plan accepts (default :func:`plan_accepts`).
    """
    accepts = accepts or plan_accepts
    out = []
    numbers = split_v2(value) if "," in value else [value]
    for n, number in enumerate(numbers, start=1):
        label = f"number {n}, " if len(numbers) > 1 else ""
        if not accepts(number):
            out.append(f"expected a number some country's numbering plan accepts, found {label}{show(number)}, "
                       "which libphonenumber's metadata knows for no country: check the country code and the digits")
    return out


def accepted_by_a_plan(number: str) -> bool:
    """libphonenumber's own answer: ``is_valid_number(parse(number))`` (the reference; ~100 µs)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed)


@functools.lru_cache(maxsize=1 << 16)
def plan_accepts(number: str) -> bool:
    """:func:`accepted_by_a_plan`, the same answer many times faster, cached per value.

    For a ``guestPhone`` number ('+' then ASCII digits, what the schema lets through) it takes
    the steps ``parse`` and ``is_valid_number`` take for such a string, on the same metadata and
    with the library's own helpers where a national prefix is met, without the generic text
    handling (punctuation, letters, extensions, RFC 3966) and with what depends only on the
    country calling code worked out once (:class:`_CallingCode`). Anything else goes to the
    library itself. tests/test_payloads.py compares both on every region's example numbers and
    their neighbours, and on random numbers of every country calling code.
    """
    digits = number[1:]
    if number[:1] != "+" or not (digits.isascii() and digits.isdigit()) \
            or len(number) > _pnu._MAX_INPUT_STRING_LENGTH:
        return accepted_by_a_plan(number)
    if len(digits) <= _pnu._MIN_LENGTH_FOR_NSN or digits[0] == "0":
        return False                         # parse: TOO_SHORT_AFTER_IDD, INVALID_COUNTRY_CODE
    # _extract_country_code: the shortest prefix of 1-3 digits that is a country calling code
    if digits[:1] in _CODES:
        code = digits[:1]
    elif digits[:2] in _CODES:
        code = digits[:2]
    elif digits[:3] in _CODES:
        code = digits[:3]
    else:
        return False                         # parse: INVALID_COUNTRY_CODE
    plan = _calling_code(code)
    nsn = digits[len(code):]
    if plan.metadata is None or len(nsn) < _pnu._MIN_LENGTH_FOR_NSN:
        return False
    if plan.national_prefix is not None and plan.national_prefix.match(nsn):
        _, potential, _ = _pnu._maybe_strip_national_prefix_carrier_code(nsn, plan.metadata)
        if _pnu._test_number_length(potential, plan.metadata) not in (
                _pnu.ValidationResult.TOO_SHORT, _pnu.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
                _pnu.ValidationResult.INVALID_LENGTH):
            nsn = potential
    if not _pnu._MIN_LENGTH_FOR_NSN <= len(nsn) <= _pnu._MAX_LENGTH_FOR_NSN:
        return False
    # parse keeps leading zeros (italian_leading_zero): the national significant number is nsn
    if len(plan.regions) == 1:
        valid = plan.valid.get(plan.regions[0])
        return valid is not None and valid.fullmatch(nsn) is not None
    for region, leading, types in plan.regions_tried:
        if leading is not None:
            if leading.match(nsn):
                valid = plan.valid.get(region)
                return valid is not None and valid.fullmatch(nsn) is not None
        elif types.fullmatch(nsn):
            # the region's own metadata, matched already (unless is_valid_number_for_region reads another)
            valid = plan.valid.get(region)
            return valid is not None and (valid is types or valid.fullmatch(nsn) is not None)
    return False


_CODES = frozenset(str(c) for c in _pnu.COUNTRY_CODE_TO_REGION_CODE)


class _CallingCode:
    """What :func:`plan_accepts` needs of one country calling code, looked up once."""

    def __init__(self, code: int) -> None:
        self.metadata = PhoneMetadata.metadata_for_region_or_calling_code(
            code, _pnu.region_code_for_country_code(code))
        prefix = self.metadata.national_prefix_for_parsing if self.metadata is not None else None
        self.national_prefix = _compiled(prefix) if prefix else None
        self.regions: tuple[str, ...] = tuple(_pnu.COUNTRY_CODE_TO_REGION_CODE.get(code, ()))
        # region_code_for_number's search among several regions: leading digits, else a known type
        self.regions_tried: list[tuple[str, re.Pattern[str] | None, re.Pattern[str]]] = []
        for region in self.regions if len(self.regions) > 1 else ():
            metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
            if metadata is not None:
                leading = _compiled(metadata.leading_digits) if metadata.leading_digits is not None else None
                self.regions_tried.append((region, leading, _type_pattern(metadata)))
        # is_valid_number_for_region: the region's metadata, its calling code, then a known type
        self.valid: dict[str, re.Pattern[str]] = {}
        for region in self.regions:
            metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region.upper())
            if metadata is None or (region != REGION_CODE_FOR_NON_GEO_ENTITY
                                    and code != _pnu.country_code_for_valid_region(region)):
                continue
            self.valid[region] = _type_pattern(metadata)


@functools.cache
def _calling_code(code: str) -> _CallingCode:
    return _CallingCode(int(code))


def _known_type(nsn: str, metadata: PhoneMetadata) -> bool:
    """``_number_type_helper(nsn, metadata) != UNKNOWN``: the general pattern and some type's."""
    return _type_pattern(metadata).fullmatch(nsn) is not None


_TYPE_PATTERNS: dict[int, tuple[PhoneMetadata, re.Pattern[str]]] = {}


def _type_pattern(metadata: PhoneMetadata) -> re.Pattern[str]:
    r"""One pattern for "the general description and at least one type's" (lengths as look-aheads).

    ``_is_number_matching_desc`` is a possible length and a whole-string match; a branch
    ``(?=(?:.{8}|.{9})\Z)(?:PATTERN)`` states both, and the alternation of the types' branches
    after the general one's look-ahead matches exactly when ``_number_type_helper`` finds a type.
    """
    kept = _TYPE_PATTERNS.get(id(metadata))
    if kept is not None and kept[0] is metadata:
        return kept[1]
    types = [metadata.premium_rate, metadata.toll_free, metadata.shared_cost, metadata.voip,
             metadata.personal_number, metadata.pager, metadata.uan, metadata.voicemail, metadata.fixed_line]
    if not metadata.same_mobile_and_fixed_line_pattern:
        types.append(metadata.mobile)
    branches = [b for b in map(_branch, types) if b is not None]
    general = _branch(metadata.general_desc)
    if general is None or not branches:
        pattern = re.compile(r"(?!)")   # matches nothing: no type can be found
    else:
        pattern = re.compile(f"(?=(?:{general})\\Z)(?:{'|'.join(branches)})")
    _TYPE_PATTERNS[id(metadata)] = (metadata, pattern)
    return pattern


def _branch(desc: object) -> str | None:
    if desc is None or not desc.national_number_pattern:  # type: ignore[attr-defined]
        return None
    lengths = desc.possible_length  # type: ignore[attr-defined]
    head = f"(?=(?:{'|'.join(f'.{{{n}}}' for n in lengths)})\\Z)" if len(lengths) > 0 else ""
    return f"{head}(?:{desc.national_number_pattern})"  # type: ignore[attr-defined]


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


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
