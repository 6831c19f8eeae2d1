"""The certification record: ``record.json`` in the report folder, optionally signed.

It names the tool and catalog versions, the SHA-256 of ``openapi.yaml``, of the catalog and of
every artifact of the run, the options (secrets as placeholders), the seed, the target, start and
end, and whether a baseline was applied (a gated run can never pass for a certification). With a
lab's Ed25519 key (``--sign-key``) the record's exact bytes are signed into ``record.json.sig``.

``verify`` recomputes every hash, checks the signature, checks that the verdict and exit code
follow from the requirement statuses by the rules of docs/interface.md, and that every catalog
requirement appears exactly once: a folder nobody can alter unseen. Without a signature the
record itself is held to what it can be checked against: it must be byte for byte what the
suite writes, and every field it shares with ``results.json`` must agree with it, so that no
single changed byte goes unnoticed even in an unsigned folder.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance import __version__
from conformance.results import VERDICT_EXIT, RequirementResult, Results, ResultsError, gated_exit_code

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from conformance.requirements import Catalog

RECORD = "record.json"
SIGNATURE = "record.json.sig"
ARTIFACTS = ("results.json", "report.html", "junit.xml", "traffic.har")
REQUIRED = ("results.json", "report.html", "traffic.har")   # junit.xml only exists when pytest wrote it
RECORD_VERSION = 1
RECORD_KEYS = frozenset({
    "record_version", "tool", "catalog_version", "catalog_sha256", "spec_sha256", "api", "target", "profile", "seed",
    "options", "started_at", "finished_at", "verdict", "exit_code", "baseline_applied", "certification", "artifacts"})
SHARED_WITH_RESULTS = ("tool", "catalog_version", "spec_sha256", "api", "target", "profile", "seed", "started_at",
                       "finished_at", "verdict")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def sha256_file(path: Path) -> str:
    """Read in blocks: a traffic.har of hundreds of answers of control bytes runs to 150 MB."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def catalog_sha256() -> str:
    """The SHA-256 of the installed catalog (``requirements.yaml``), as a record holds it."""
    return hashlib.sha256(resources.files("conformance").joinpath("requirements.yaml").read_bytes()).hexdigest()


def build(results: Results, report_dir: Path, *, exit_code: int, catalog_sha256: str,
          options: dict[str, Any]) -> dict[str, Any]:
    artifacts = {name: sha256_file(report_dir / name) for name in ARTIFACTS if (report_dir / name).is_file()}
    return {
        "record_version": RECORD_VERSION,
        "tool": {"name": results.tool_name, "version": results.tool_version},
        "catalog_version": results.catalog_version,
        "catalog_sha256": catalog_sha256,
        "spec_sha256": results.spec_sha256,
        "api": results.api,
        "target": results.target,
        "profile": results.profile,
        "seed": results.seed,
        "options": options,
        "started_at": results.started_at,
        "finished_at": results.finished_at,
        "verdict": results.verdict,
        "exit_code": exit_code,
        "baseline_applied": results.baseline is not None,
        "certification": results.certification,
        "artifacts": artifacts,
    }


def encode(record: dict[str, Any]) -> bytes:
    """The record's bytes exactly as written (and signed): ``verify`` compares against them."""
    return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write(record: dict[str, Any], report_dir: Path, sign_key: Path | None = None) -> list[Path]:
    data = encode(record)
    path = report_dir / RECORD
    path.write_bytes(data)
    written = [path]
    stale = report_dir / SIGNATURE
    if sign_key is not None:
        stale.write_bytes(sign(data, sign_key).encode("ascii") + b"\n")   # bytes: no newline translation
        written.append(stale)
    elif stale.exists():   # a signature of an earlier record would not match this one
        stale.unlink()
    return written


def _private_key(path: Path) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def check_sign_key(path: Path) -> str | None:
    """Why a --sign-key file cannot sign, or None (checked before the run, exit 2)."""
    try:
        _private_key(path)
    except (OSError, ValueError, TypeError) as exc:
        return f"--sign-key {path}: {exc}"
    return None


def usage_problem(report_dir: Path, public_key: Path | None) -> str | None:
    """Why ``verify`` cannot even start with what the user typed (exit 2), or None: a folder that
    is not there, a public key that cannot be read as an Ed25519 public key."""
    if not report_dir.is_dir():
        what = "is a file, not a report folder" if report_dir.exists() else "no such report folder"
        return f"{report_dir}: {what}"
    if public_key is not None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        try:
            key = load_pem_public_key(public_key.read_bytes())
        except FileNotFoundError:
            return f"--public-key {public_key}: no such file"
        except (OSError, ValueError, TypeError) as exc:
            return f"--public-key {public_key}: cannot be read as a PEM public key ({exc})"
        if not isinstance(key, Ed25519PublicKey):
            return f"--public-key {public_key}: not an Ed25519 public key"
    return None


def sign(data: bytes, key_path: Path) -> str:
    return base64.b64encode(_private_key(key_path).sign(data)).decode("ascii")


def verify(report_dir: Path, public_key: Path | None = None) -> tuple[list[str], list[str]]:
    """(problems, remarks): an empty problem list means the folder is intact. Each problem
    starts with the name of the file it is about."""
    from conformance.requirements import load_catalog

    remarks: list[str] = []
    try:
        raw = (report_dir / RECORD).read_bytes()
    except OSError:
        return [f"{RECORD}: missing (no certification record in {report_dir})"], remarks
    problems = signature_problems(raw, report_dir, public_key, remarks)   # the bytes, before they are read
    try:
        record = json.loads(raw)
    except ValueError as exc:   # invalid UTF-8 included
        return problems + [f"{RECORD}: not JSON ({exc})"], remarks
    if not isinstance(record, dict):
        return problems + [f"{RECORD}: not a JSON object"], remarks
    problems += artifact_problems(record, report_dir)
    results = _load_results(report_dir)
    if results is None:
        return problems + ["results.json: missing or not a JSON object"], remarks
    problems += record_problems(raw, record, results, remarks)
    try:
        typed = Results.from_json(results)
    except ResultsError as exc:
        return problems + [f"results.json: not a results.json of conformance ({exc})"], remarks
    problems += consistency(typed, record, load_catalog())
    return problems, remarks


def _load_results(report_dir: Path) -> dict[str, Any] | None:
    try:
        results = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return results if isinstance(results, dict) else None


def signature_problems(raw: bytes, report_dir: Path, public_key: Path | None, remarks: list[str]) -> list[str]:
    """The signature, when a public key is given; a signature nobody asked to check is a remark."""
    sig_path = report_dir / SIGNATURE
    if public_key is None:
        if sig_path.is_file():
            remarks.append(f"{SIGNATURE}: present; pass --public-key to check it")
        return []
    if not sig_path.is_file():
        return [f"{SIGNATURE}: missing, but a public key was given (the record is not signed)"]
    problem = _check_signature(raw, sig_path, public_key)
    if problem:
        return [problem]
    remarks.append(f"{SIGNATURE}: signature valid for {public_key}")
    return []


def artifact_problems(record: dict[str, Any], report_dir: Path) -> list[str]:
    """Every artifact the record lists is there with its hash; every artifact there is listed."""
    listed = record.get("artifacts")
    if not isinstance(listed, dict):
        return [f"{RECORD}: 'artifacts' is not an object of file names and SHA-256 digests"]
    problems = []
    for name, digest in listed.items():
        file = report_dir / name
        if name not in ARTIFACTS:
            problems.append(f"{RECORD}: lists {name!r}, which is not an artifact of a run")
        elif not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            problems.append(f"{RECORD}: the SHA-256 it holds for {name} is not a SHA-256 digest")
        elif not file.is_file():
            problems.append(f"{name}: missing")
        elif sha256_file(file) != digest:
            problems.append(f"{name}: altered (its SHA-256 differs from the one {RECORD} holds)")
    for name in ARTIFACTS:
        if name not in listed and ((report_dir / name).is_file() or name in REQUIRED):
            problems.append(f"{name}: not listed in {RECORD}")
    return problems


def record_problems(raw: bytes, record: dict[str, Any], results: dict[str, Any], remarks: list[str]) -> list[str]:
    """The record is what the suite writes and agrees with ``results.json`` wherever both speak."""
    problems = []
    if encode(record) != raw:
        problems.append(f"{RECORD}: its bytes are not those the suite writes (edited after the run)")
    if set(record) != RECORD_KEYS:
        odd = sorted(set(record) ^ RECORD_KEYS)
        problems.append(f"{RECORD}: unexpected or missing fields: {', '.join(odd)}")
    if record.get("record_version") != RECORD_VERSION:
        problems.append(f"{RECORD}: record_version {record.get('record_version')!r} is not {RECORD_VERSION}")
    for key in SHARED_WITH_RESULTS:
        if record.get(key) != results.get(key):
            problems.append(f"{RECORD}: {key} {record.get(key)!r} differs from results.json's {results.get(key)!r}")
    options = (results.get("provenance") or {}).get("options") if isinstance(results.get("provenance"), dict) else None
    if options is not None and record.get("options") != options:
        problems.append(f"{RECORD}: its options differ from those results.json names")
    for key, value in (("baseline_applied", bool(results.get("baseline"))),
                       ("certification", bool(results.get("certification")))):
        if record.get(key) is not value:
            problems.append(f"{RECORD}: {key} is {record.get(key)!r}, results.json says {value}")
    return problems + _catalog_problems(record, remarks)


def _catalog_problems(record: dict[str, Any], remarks: list[str]) -> list[str]:
    """The catalog hash can be recomputed only by the version of the tool that wrote the record."""
    if (record.get("tool") or {}).get("version") != __version__:
        remarks.append(f"{RECORD}: written by another version of the tool; its catalog_sha256 was not recomputed")
        return []
    if record.get("catalog_sha256") != catalog_sha256():
        return [f"{RECORD}: catalog_sha256 {record.get('catalog_sha256')!r} is not that of the catalog of "
                f"conformance {__version__}"]
    return []


def consistency(results: Results, record: dict[str, Any], catalog: Catalog) -> list[str]:
    """The verdict and exit code follow from the statuses, each status from its entry's findings,
    each "partial" from its coverage record; every requirement appears once."""
    problems = _catalog_coverage(results, catalog)
    for r in results.requirements:
        problems += _entry_problems(r, catalog)
    return problems + _verdict_problems(results, record)


def _catalog_coverage(results: Results, catalog: Catalog) -> list[str]:
    api = results.api
    expected = catalog.ids(api) if api else []
    if not expected:
        return [f"results.json: api {api!r} is not one the catalog knows"]
    ids = results.ids()
    problems = [f"results.json: requirement {rid} appears {ids.count(rid)} times, not once"
                for rid in expected if ids.count(rid) != 1]
    return problems + [f"results.json: {rid} is not a requirement of the {api} catalog"
                       for rid in sorted(set(ids) - set(expected))]


def _entry_problems(r: RequirementResult, catalog: Catalog) -> list[str]:
    rid = r.id
    problems = []
    if rid in catalog and r.level != catalog[rid].level:
        problems.append(f"results.json: {rid} has level {r.level!r}, the catalog says {catalog[rid].level}")
    if r.status == "failed" and not r.failures:
        problems.append(f"results.json: {rid} is failed without any failure")
    elif r.status != r.derived_status():
        problems.append(f"results.json: {rid} has status {r.status!r}, but its entry gives "
                        f"{r.derived_status()!r} (failures, probes and reason)")
    if r.coverage.complete != r.coverage.derived_complete:
        problems.append(f"results.json: {rid}'s coverage says complete={r.coverage.complete}, but its items give "
                        f"{r.coverage.derived_complete}")
    if r.partial != r.derived_partial():
        problems.append(f"results.json: {rid} has partial={r.partial}, but its status and coverage give "
                        f"{r.derived_partial()}")
    return problems


def _verdict_problems(results: Results, record: dict[str, Any]) -> list[str]:
    problems = []
    verdict = results.derived_verdict()
    if results.verdict != verdict:
        problems.append(f"results.json: verdict {results.verdict!r} does not follow from its statuses "
                        f"({verdict!r})")
    if record.get("verdict") != results.verdict:
        problems.append(f"{RECORD}: verdict {record.get('verdict')!r} differs from results.json's "
                        f"{results.verdict!r}")
    exit_code = VERDICT_EXIT.get(verdict)
    if results.baseline is not None and not results.configuration_error:
        # a baseline decides the gate (1 for a new failure), but an unverified MUST requirement
        # or an aborted run stays 3 whatever the baseline accepts: the verdict stands
        exit_code = gated_exit_code(results, bool(results.baseline.gate_exit_code))
    if record.get("exit_code") != exit_code:
        problems.append(f"{RECORD}: exit code {record.get('exit_code')!r} does not follow from the verdict "
                        f"({exit_code})")
    return problems


def _check_signature(data: bytes, sig_path: Path, key_path: Path) -> str | None:
    """Why the signature does not hold for ``data`` under the public key, or None."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(key_path.read_bytes())
    except (OSError, ValueError) as exc:
        return f"--public-key {key_path}: {exc}"
    if not isinstance(key, Ed25519PublicKey):
        return f"--public-key {key_path}: not an Ed25519 public key"
    try:
        text = sig_path.read_bytes()
        signature = base64.b64decode(text.strip(), validate=True)
    except (OSError, ValueError):
        return f"{SIGNATURE}: not a base64 signature"
    if text != base64.b64encode(signature) + b"\n":   # base64 has spare bits: a changed byte may decode alike
        return f"{SIGNATURE}: its bytes are not those the suite writes (edited after signing)"
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return f"{SIGNATURE}: the signature does not match {RECORD} for this public key"
    return None
