"""Roomonitor payload rules (RMP-*): the offline validator and the sandbox share this API.

Public surface (everything else in this package is private):

- :class:`Violation` — one finding: ``rule`` (an RMP-* ID), ``level`` (``MUST`` makes the payload
  invalid, ``SHOULD`` is a warning), ``path`` (JSON Pointer, ``""`` for the whole document) and
  ``message`` (what is expected, what was found, what to change).
- :func:`check_bytes` — a request body as received: strict JSON first (RMP-JSON), then the rules.
- :func:`check_document` — an already parsed payload of a known version.
- :func:`detect_version` — v1 or v2 from the content.
- :func:`is_valid` — no MUST-level finding.

Which module does what: ``strictjson`` (parsing and syntax diagnostics), ``rules`` (schema error
mapping and the checks a schema cannot state), ``phone``, ``emailaddr``, ``lang`` (data and
explanations), ``report`` (text and JSON rendering), ``cli`` (``conformance validate``).
"""
from __future__ import annotations

from collections.abc import Iterable

from . import rules, strictjson
from .model import VERSIONS, Version, Violation
from .text import show

__all__ = ["Version", "Violation", "detect_version", "check_document", "check_bytes", "is_valid"]


def detect_version(doc: object) -> Version | None:
    """v1 or v2 from the content; None when it cannot be told (ambiguous or unrecognisable).

    Each booking votes by the fields only one version's templates have and by the type of its
    checkin/checkout (v1 date strings, v2 integers); the majority wins, a tie is None.
    """
    return rules.detect_version(doc)


def check_document(doc: object, version: Version, *, reference: bool = False) -> list[Violation]:
    """Every RMP-* violation of an already parsed payload (RMP-JSON is the caller's).

    ``reference=True`` takes the slow reference path (jsonschema interpreting the schemas,
    libphonenumber parsing every number): the same findings, for tests and benchmarks.
    """
    if version not in VERSIONS:
        raise ValueError(f"version must be 'v1' or 'v2', got {version!r}")
    return rules.check_document(doc, version, reference=reference)


def check_bytes(data: bytes, version: Version | None = None, *, reference: bool = False,
                progress: rules.Progress | None = None) -> tuple[Version | None, list[Violation]]:
    """Parse strictly (RMP-JSON), detect the version unless given, then check_document.

    Returns the version the payload was checked as (``version`` when given, else the detected
    one, None when it could not be told) and the findings. A body that is not strict JSON gets
    one RMP-JSON finding per syntax problem (line and column in the message) and nothing else:
    its content is not checked. A document whose version cannot be told gets one finding asking
    for ``--as v1|v2`` (see :func:`rules.undetermined_version` for the rule chosen).
    ``progress(done, total)`` is called every few thousand bookings while they are checked.
    """
    if version is not None and version not in VERSIONS:
        raise ValueError(f"version must be 'v1', 'v2' or None, got {version!r}")
    try:
        parsed = strictjson.parse(bytes(data))
    except strictjson.StrictJSONError as exc:
        return version, [rules.finding("RMP-JSON", "", str(p)) for p in exc.problems]
    found = [
        rules.finding(
            "RMP-JSON", path,
            f"expected each key once per object (RFC 8259: names SHOULD be unique), found {show(key)} {count} times: "
            "receivers keep only one of the values (JavaScript and Python the last); delete the others",
            warning=True)
        for path, key, count in parsed.duplicate_keys
    ]
    doc = parsed.value
    if version is None:
        version = rules.detect_version(doc)
        if version is None:
            found.extend(rules.check_array(doc))
            if isinstance(doc, list) and any(isinstance(b, dict) for b in doc):
                found.append(rules.undetermined_version(doc))
            return None, found
    found.extend(rules.check_document(doc, version, reference=reference, progress=progress))
    return version, found


def is_valid(violations: Iterable[Violation]) -> bool:
    """True when no finding is MUST-level (warnings allowed)."""
    return not any(v.level == "MUST" for v in violations)

