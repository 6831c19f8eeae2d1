"""Roomonitor payload rules (RMP-*): the offline validator and the sandbox share this API.

Stub of the interface; implementation in progress.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Version = Literal["v1", "v2"]


@dataclass(frozen=True)
class Violation:
    rule: str          # an RMP-* requirement ID from the catalog
    level: str         # "MUST" or "SHOULD": the severity of this finding
    path: str          # JSON Pointer into the payload, "" for the whole document
    message: str       # what is expected and what was found


def detect_version(doc: Any) -> Version | None:
    """v1 or v2 from the content; None when it cannot be told (ambiguous or unrecognisable)."""
    raise NotImplementedError


def check_document(doc: Any, version: Version) -> list[Violation]:
    """Every RMP-* violation of an already parsed payload (RMP-JSON is the caller's)."""
    raise NotImplementedError


def check_bytes(data: bytes, version: Version | None = None) -> tuple[Version | None, list[Violation]]:
    """Parse strictly (RMP-JSON), detect the version unless given, then check_document."""
    raise NotImplementedError
