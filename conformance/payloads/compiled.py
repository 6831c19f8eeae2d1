"""The booking schemas compiled once (jsonschema-rs), and their errors in jsonschema's terms.

jsonschema interprets a schema node by node for every booking (about a millisecond each, most
of it resolving ``$ref``); a 30,000-booking import spent seconds there. jsonschema-rs compiles
the same 2020-12 schemas to native code: asking whether a booking is valid costs about a
microsecond, and the errors of an invalid one are read here into :class:`SchemaError`, the
few attributes of ``jsonschema.ValidationError`` that :mod:`rules` maps to findings (the
keyword, its value, the failing node with its ``x-requirements``, the value and its path).
So both engines feed the same mapping, and the findings are the same, byte for byte:
tests/test_payloads.py runs every case and a large import with faults through both.

``format`` is not asserted here (jsonschema-rs's default for 2020-12); :mod:`rules` drops
jsonschema's format errors too, since code checks dates and addresses more precisely.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from ..spec import load_schema
from .model import Version

V1_SCHEMA = "booking-v1.json"
V2_SCHEMA = "booking-v2.json"
# v2 fields that mean the same in both variants: checked even when the variant cannot be told
V2_SHARED = {"checkin": "timestamp", "checkout": "timestamp", "guestPhone": "guestPhone",
             "guestName": "nonEmptyString", "lang": "lang"}


class Unsupported(Exception):
    """jsonschema-rs could not take this value (e.g. an integer beyond 64 bits): use jsonschema."""


@dataclass(frozen=True)
class SchemaError:
    """What :func:`rules._schema_findings` reads of a ``jsonschema.ValidationError``."""

    validator: str              # the failing keyword: "type", "required", "pattern"…
    validator_value: Any        # its value in the schema
    instance: Any               # the value that failed (from the booking itself)
    absolute_path: tuple        # where in the booking, as path segments
    schema: dict                # the schema node holding the keyword (its x-requirements)
    schema_path: tuple          # where that keyword is in the checked schema


@functools.cache
def schema(version: Version, variant: str | None) -> dict[str, Any]:
    """The schema a booking is checked against, self-contained (``$defs`` in place of file refs).

    The same nodes as :func:`rules._validator` gives jsonschema: v1's file; v2's variant
    ``$defs`` entry; for a v2 booking whose variant cannot be told, the fields both share.
    """
    if version == "v1":
        return load_schema(V1_SCHEMA)
    defs = load_schema(V2_SCHEMA)["$defs"]
    if variant is not None:
        return {"$defs": defs, "$ref": f"#/$defs/{variant}"}
    return {"$defs": defs, "type": "object",
            "properties": {k: {"$ref": f"#/$defs/{d}"} for k, d in V2_SHARED.items()}}


@functools.cache
def _validator(version: Version, variant: str | None) -> Any:
    return jsonschema_rs.Draft202012Validator(schema(version, variant), validate_formats=False)


def errors(booking: dict, version: Version, variant: str | None) -> list[SchemaError]:
    """The schema errors of one booking (none for a valid one, the common case, at once).

    Raises :class:`Unsupported` when jsonschema-rs cannot read a value of the booking.
    """
    validator = _validator(version, variant)
    try:
        if validator.is_valid(booking):
            return []
        raw = list(validator.iter_errors(booking))
    except (ValueError, TypeError, OverflowError) as exc:
        raise Unsupported(str(exc)) from exc
    root = schema(version, variant)
    out = []
    for e in raw:
        *node_path, keyword = e.schema_path
        node = _walk(root, node_path)
        path = tuple(e.instance_path)
        out.append(SchemaError(str(keyword), node.get(keyword), _walk(booking, path), path, node,
                               tuple(e.schema_path)))
    return out


def _walk(doc: Any, path: Any) -> Any:
    for part in path:
        doc = doc[part]
    return doc
