"""The contract as data: ``openapi.yaml`` and ``schemas/`` loaded once, validators built once.

The schemas are the single source of every shape. ``openapi.yaml`` refers to them by relative
path; this module resolves those references with a ``referencing`` registry so that jsonschema
(payload validation) and schemathesis (generation, response validation) see the same schemas.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:   # imported where used: `conformance validate` reads schemas/ but needs neither
    import jsonschema
    from referencing import Registry, Resource

_PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The folder holding ``openapi.yaml`` and ``schemas/``.

    An editable install (the README's way) finds them next to the package; a regular install
    carries a copy under ``<prefix>/share/conformance`` (pyproject's data-files).
    """
    for candidate in (_PACKAGE_DIR.parent, Path(sys.prefix) / "share" / "conformance"):
        if (candidate / "openapi.yaml").is_file() and (candidate / "schemas").is_dir():
            return candidate
    raise FileNotFoundError("openapi.yaml and schemas/ not found next to the conformance package")


def openapi_path() -> Path:
    return project_root() / "openapi.yaml"


def schemas_dir() -> Path:
    return project_root() / "schemas"


@functools.lru_cache(maxsize=1)
def spec_sha256() -> str:
    return hashlib.sha256(openapi_path().read_bytes()).hexdigest()


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    """One schema file of ``schemas/`` by file name, e.g. ``"meeting.json"``."""
    with (schemas_dir() / name).open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)   # JSON boundary: a schema document
    return schema


def _retrieve(uri: str) -> Resource:
    from referencing import Resource
    from referencing.jsonschema import DRAFT202012

    name = uri.rsplit("/", 1)[-1]
    return Resource.from_contents(load_schema(name), default_specification=DRAFT202012)


@functools.lru_cache(maxsize=1)
def registry() -> Registry:
    from referencing import Registry

    return Registry(retrieve=_retrieve)  # type: ignore[call-arg]


@functools.cache
def schema_validator(name: str) -> jsonschema.protocols.Validator:
    """A 2020-12 validator for ``schemas/<name>`` with cross-file references resolved.

    ``format`` is asserted (date, date-time, email) so format errors surface as findings.
    """
    import jsonschema

    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema, registry=registry(), format_checker=cls.FORMAT_CHECKER)


@functools.lru_cache(maxsize=1)
def load_openapi() -> dict[str, Any]:
    with openapi_path().open(encoding="utf-8") as fh:
        import yaml

        spec: dict[str, Any] = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))   # libyaml: faster
    return spec


def bundled_openapi(api: str | None = None) -> dict[str, Any]:
    """``openapi.yaml`` with every ``schemas/`` reference inlined under ``components/schemas``.

    schemathesis receives this self-contained copy, so no tool has to resolve file references
    on its own. With ``api`` (``roomz`` or ``roomonitor``) only that API's tagged operations stay:
    the two contracts are hosted by different parties and tested one at a time.
    """
    doc = copy.deepcopy(load_openapi())
    components = doc.setdefault("components", {}).setdefault("schemas", {})

    def key_for(file_name: str) -> str:
        return "file_" + file_name.replace(".json", "").replace("-", "_")

    def rewrite(node: Any, base_file: str | None) -> Any:
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if k == "$ref" and isinstance(v, str) and not v.startswith("#"):
                    file_part, _, frag = v.partition("#")
                    file_name = file_part.rsplit("/", 1)[-1]
                    if file_name not in seen:
                        seen.add(file_name)
                        schema = load_schema(file_name)
                        components[key_for(file_name)] = rewrite(
                            {k2: v2 for k2, v2 in schema.items() if k2 not in ("$schema", "$id")}, file_name
                        )
                    out[k] = f"#/components/schemas/{key_for(file_name)}{frag}"
                elif k == "$ref" and isinstance(v, str) and v.startswith("#/$defs") and base_file:
                    out[k] = f"#/components/schemas/{key_for(base_file)}{v[1:]}"
                else:
                    out[k] = rewrite(v, base_file)
            return out
        if isinstance(node, list):
            return [rewrite(i, base_file) for i in node]
        return node

    seen: set[str] = set()
    doc["paths"] = rewrite(doc.get("paths", {}), None)
    for section, entries in list(doc["components"].items()):
        if section != "schemas":
            doc["components"][section] = rewrite(entries, None)
    for name in list(components):
        if not name.startswith("file_"):
            components[name] = rewrite(components[name], None)
    if api is not None:
        doc["paths"] = {
            p: {m: op for m, op in item.items() if not isinstance(op, dict) or api in op.get("tags", [api])}
            for p, item in doc["paths"].items()
        }
        doc["paths"] = {p: item for p, item in doc["paths"].items()
                        if any(isinstance(v, dict) and "tags" in v for v in item.values())}
    return doc


@functools.cache
def listed_statuses(operation_id: str) -> frozenset[int]:
    """The status codes the spec lists for an operation (RZ-STATUS-LISTED reads them here)."""
    for item in load_openapi()["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return frozenset(int(code) for code in op.get("responses", {}) if code.isdigit())
    raise KeyError(operation_id)


def shape_problems(schema_name: str, instance: Any) -> list[tuple[str, str, str]]:
    """Validate ``instance`` against ``schemas/<schema_name>`` and sort each error by cause.

    Returns ``(kind, pointer, message)`` with kind ``null`` (a null where the schema wants a
    value: RZ-NULL's business), ``date`` (a date-time pattern or format: RZ-UTC's) or ``shape``
    (anything else: the entity's own requirement). One fault, one requirement.
    """
    out = []
    for err in schema_validator(schema_name).iter_errors(instance):
        pointer = "".join(f"/{p}" for p in err.absolute_path)
        if err.instance is None:
            kind = "null"
        elif err.validator in ("pattern", "format") and isinstance(err.instance, str):
            kind = "date"
        else:
            kind = "shape"
        out.append((kind, pointer, err.message))
    return out
