"""The one data type of the payload validator, kept apart so every module can import it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Version = Literal["v1", "v2"]
VERSIONS: tuple[Version, ...] = ("v1", "v2")


@dataclass(frozen=True)
class Violation:
    rule: str          # an RMP-* requirement ID from the catalog
    level: str         # "MUST" or "SHOULD": the level of this finding
    path: str          # JSON Pointer into the payload, "" for the whole document
    message: str       # what is expected and what was found

    @property
    def is_must(self) -> bool:
        return self.level == "MUST"

    def as_dict(self) -> dict[str, str]:
        """The shape of ``conformance validate --format json`` (docs/interface.md)."""
        return {"rule": self.rule, "level": self.level, "path": self.path, "message": self.message}
