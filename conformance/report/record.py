"""The certification record: ``record.json`` in the report folder, optionally signed.

It names the tool and catalog versions, the SHA-256 of ``openapi.yaml``, of the catalog and of
every artifact of the run, the options (secrets as placeholders), the seed, the target, start and
end, and whether a baseline was applied (a gated run can never pass for a certification). With a
lab's Ed25519 key (``--sign-key``) the record's exact bytes are signed into ``record.json.sig``.

``verify`` recomputes every hash, checks the signature, checks that the verdict and exit code
follow from the requirement statuses by the rules of docs/interface.md, and that every catalog
requirement appears exactly once: a folder nobody can alter unseen.
"""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from conformance.results import VERDICT_EXIT, verdict_of_results

RECORD = "record.json"
SIGNATURE = "record.json.sig"
ARTIFACTS = ("results.json", "report.html", "junit.xml", "traffic.har")
RECORD_VERSION = 1


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(results: dict[str, Any], report_dir: Path, *, exit_code: int, catalog_sha256: str,
          options: dict[str, Any]) -> dict[str, Any]:
    artifacts = {name: sha256_file(report_dir / name) for name in ARTIFACTS if (report_dir / name).is_file()}
    return {
        "record_version": RECORD_VERSION,
        "tool": results["tool"],
        "catalog_version": results["catalog_version"],
        "catalog_sha256": catalog_sha256,
        "spec_sha256": results["spec_sha256"],
        "api": results["api"],
        "target": results["target"],
        "profile": results["profile"],
        "seed": results["seed"],
        "options": options,
        "started_at": results["started_at"],
        "finished_at": results["finished_at"],
        "verdict": results["verdict"],
        "exit_code": exit_code,
        "baseline_applied": bool(results.get("baseline")),
        "certification": bool(results.get("certification")),
        "artifacts": artifacts,
    }


def write(record: dict[str, Any], report_dir: Path, sign_key: Path | None = None) -> list[Path]:
    data = (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    path = report_dir / RECORD
    path.write_bytes(data)
    written = [path]
    stale = report_dir / SIGNATURE
    if sign_key is not None:
        stale.write_text(sign(data, sign_key) + "\n", encoding="ascii")
        written.append(stale)
    elif stale.exists():   # a signature of an earlier record would not match this one
        stale.unlink()
    return written


def _private_key(path: Path) -> Any:
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


def sign(data: bytes, key_path: Path) -> str:
    return base64.b64encode(_private_key(key_path).sign(data)).decode("ascii")


def verify(report_dir: Path, public_key: Path | None = None) -> tuple[list[str], list[str]]:
    """(problems, remarks): an empty problem list means the folder is intact."""
    from conformance.requirements import load_catalog

    problems: list[str] = []
    remarks: list[str] = []
    path = report_dir / RECORD
    try:
        raw = path.read_bytes()
        record = json.loads(raw)
    except OSError:
        return [f"{RECORD}: missing (no certification record in {report_dir})"], remarks
    except ValueError as exc:
        return [f"{RECORD}: not JSON ({exc})"], remarks
    sig_path = report_dir / SIGNATURE
    if public_key is not None:
        if not sig_path.is_file():
            problems.append(f"{SIGNATURE}: missing, but a public key was given (the record is not signed)")
        else:
            problem = _check_signature(raw, sig_path, public_key)
            if problem:
                problems.append(problem)
            else:
                remarks.append(f"{SIGNATURE}: signature valid for {public_key}")
    elif sig_path.is_file():
        remarks.append(f"{SIGNATURE}: present; pass --public-key to check it")
    for name, digest in (record.get("artifacts") or {}).items():
        file = report_dir / name
        if not file.is_file():
            problems.append(f"{name}: missing")
        elif sha256_file(file) != digest:
            problems.append(f"{name}: altered (its SHA-256 no longer matches {RECORD})")
    for name in ARTIFACTS:
        if name not in (record.get("artifacts") or {}) and (report_dir / name).is_file():
            problems.append(f"{name}: not listed in {RECORD}")
    try:
        results = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return problems, remarks
    problems += consistency(results, record, load_catalog())
    return problems, remarks


def consistency(results: dict[str, Any], record: dict[str, Any], catalog: Any) -> list[str]:
    """The verdict and exit code follow from the statuses; every requirement appears once."""
    problems = []
    ids = [r.get("id") for r in results.get("requirements") or []]
    expected = catalog.ids(results.get("api"))
    for rid in expected:
        if ids.count(rid) != 1:
            problems.append(f"results.json: requirement {rid} appears {ids.count(rid)} times, not once")
    for rid in set(ids) - set(expected):
        problems.append(f"results.json: {rid} is not a requirement of the {results.get('api')} catalog")
    for r in results.get("requirements") or []:
        if r.get("id") in catalog and r.get("level") != catalog[r["id"]].level:
            problems.append(f"results.json: {r['id']} has level {r.get('level')!r}, the catalog says {catalog[r['id']].level}")
        if r.get("status") == "failed" and not r.get("failures"):
            problems.append(f"results.json: {r.get('id')} is failed without any failure")
    verdict = verdict_of_results(results)
    if results.get("configuration_error"):
        verdict = "incomplete"
    if results.get("verdict") != verdict:
        problems.append(f"results.json: verdict {results.get('verdict')!r} does not follow from its statuses ({verdict!r})")
    if record.get("verdict") != results.get("verdict"):
        problems.append(f"{RECORD}: verdict {record.get('verdict')!r} differs from results.json's {results.get('verdict')!r}")
    exit_code = 2 if results.get("configuration_error") else VERDICT_EXIT.get(verdict)
    if results.get("baseline") and record.get("exit_code") in (0, 1):
        exit_code = record.get("exit_code")   # a baseline decides the gate's exit; the verdict stands
    if record.get("exit_code") != exit_code:
        problems.append(f"{RECORD}: exit code {record.get('exit_code')!r} does not follow from the verdict ({exit_code})")
    return problems


def _check_signature(data: bytes, sig_path: Path, key_path: Path) -> str | None:
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
        key.verify(base64.b64decode(sig_path.read_text(encoding="ascii").strip(), validate=True), data)
    except (InvalidSignature, ValueError):
        return f"{SIGNATURE}: the signature does not match {RECORD} for this public key"
    return None
