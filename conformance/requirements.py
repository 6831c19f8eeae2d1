"""The requirement catalog, loaded once from ``requirements.yaml``.

Every ID, level, source and title the suite prints comes from here, so the CLI, the report,
``results.json``, JUnit names and the README table cannot drift apart.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import yaml

APIS = ("roomz", "roomonitor", "payload")
LEVELS = ("MUST", "SHOULD")
SOURCES = ("doc", "http", "ours")


@dataclass(frozen=True)
class Requirement:
    id: str
    level: str
    source: str
    api: str
    section: str
    title: str
    text: str
    writes: bool = False
    since: int = 1          # the catalog version that added it

    @property
    def is_must(self) -> bool:
        return self.level == "MUST"

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "level": self.level,
            "source": self.source,
            "api": self.api,
            "section": self.section,
            "title": self.title,
            "text": self.text,
            "writes": self.writes,
            "since": self.since,
        }


@dataclass(frozen=True)
class Catalog:
    version: int
    requirements: tuple[Requirement, ...]

    def __iter__(self):
        return iter(self.requirements)

    def __contains__(self, rid: object) -> bool:
        return rid in self._by_id

    def __getitem__(self, rid: str) -> Requirement:
        try:
            return self._by_id[rid]
        except KeyError:
            raise KeyError(f"unknown requirement ID {rid!r}; see `conformance requirements`") from None

    @functools.cached_property
    def _by_id(self) -> dict[str, Requirement]:
        return {r.id: r for r in self.requirements}

    def for_api(self, api: str) -> list[Requirement]:
        return [r for r in self.requirements if r.api == api]

    def ids(self, api: str | None = None) -> list[str]:
        return [r.id for r in self.requirements if api is None or r.api == api]


def _validate(raw: dict) -> None:
    seen: set[str] = set()
    for item in raw["requirements"]:
        rid = item["id"]
        if rid in seen:
            raise ValueError(f"duplicate requirement ID {rid}")
        seen.add(rid)
        if item["level"] not in LEVELS or item["source"] not in SOURCES or item["api"] not in APIS:
            raise ValueError(f"{rid}: bad level, source or api")


@functools.lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    text = resources.files("conformance").joinpath("requirements.yaml").read_text(encoding="utf-8")
    raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))   # libyaml when built: 5x faster
    _validate(raw)
    reqs = tuple(
        Requirement(
            id=i["id"],
            level=i["level"],
            source=i["source"],
            api=i["api"],
            section=i["section"],
            title=i["title"],
            text=i["text"],
            writes=bool(i.get("writes", False)),
            since=int(i.get("since", 1)),
        )
        for i in raw["requirements"]
    )
    return Catalog(version=int(raw["catalog_version"]), requirements=reqs)


def format_text(reqs: Iterable[Requirement]) -> str:
    lines = []
    section = None
    for r in reqs:
        heading = f"{r.api} / {r.section}"
        if heading != section:
            section = heading
            lines.append(f"\n{heading}")
        lines.append(f"  {r.id:<28} {r.level:<6} {r.source:<4}  {r.title}")
    return "\n".join(lines).lstrip("\n") + "\n"


def format_markdown(reqs: Iterable[Requirement]) -> str:
    """The README's requirement table (a test keeps the README in step with the catalog)."""
    lines = ["| ID | level | source | API | requirement |", "|---|---|---|---|---|"]
    for r in reqs:
        lines.append(f"| `{r.id}` | {r.level} | {r.source} | {r.api} | {r.title} |")
    return "\n".join(lines) + "\n"
