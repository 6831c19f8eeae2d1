"""The certification record: a report folder nobody can alter unseen (`conformance verify`).

Two real quick runs of the bundled server, one signed with a fresh Ed25519 key and one not. Each
test works on its own copy of a folder: it alters one thing and checks that ``verify`` says which
file. Every byte of record.json is flipped (unsigned, where only its own form and its agreement
with results.json can catch it, and signed); the other artifacts, which are hashed, are flipped at
a sample of positions spread over the whole file.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conformance.report import record
from conformance.report.record import verify

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ROOMZ_", "ROOMONITOR_", "CONFORMANCE_"))}
HASHED = ("results.json", "report.html", "junit.xml", "traffic.har")
SAMPLES = 48   # positions flipped per hashed artifact (first, last and spread over the file)


def write_key_pair(folder: Path, name: str) -> tuple[Path, Path]:
    """(private PEM, public PEM) of a fresh Ed25519 key, as a lab would hold them."""
    key = Ed25519PrivateKey.generate()
    private = folder / f"{name}.pem"
    public = folder / f"{name}.pub.pem"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


def conformance(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "conformance", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=ENV)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The two folders (both runs at once) and the lab's keys, plus another key nobody trusts."""
    base = tmp_path_factory.mktemp("record")
    lab_key, lab_pub = write_key_pair(base, "lab")
    other_key, other_pub = write_key_pair(base, "other")
    signed = conformance("run", "--profile", "quick", "--report-dir", str(base / "signed"), "--sign-key", str(lab_key))
    unsigned = conformance("run", "--profile", "quick", "--report-dir", str(base / "unsigned"))
    for proc in (signed, unsigned):
        output, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, output
    assert (base / "signed" / record.SIGNATURE).is_file() and not (base / "unsigned" / record.SIGNATURE).exists()
    return {"signed": base / "signed", "unsigned": base / "unsigned", "lab_pub": lab_pub, "other_key": other_key,
            "other_pub": other_pub}


def copy(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / folder.name))


def key_for(runs: dict[str, Path], which: str) -> Path | None:
    return runs["lab_pub"] if which == "signed" else None


def rehash(folder: Path) -> None:
    """Put results.json's new hash into record.json, written the suite's way: only the
    consistency checks are left to catch the edit (and, when signed, the signature)."""
    data = json.loads((folder / record.RECORD).read_text(encoding="utf-8"))
    data["artifacts"]["results.json"] = record.sha256_file(folder / "results.json")
    (folder / record.RECORD).write_bytes(record.encode(data))


def edit_results(folder: Path, change: Any) -> None:
    path = folder / "results.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    change(results)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    rehash(folder)


def set_status(rid: str, status: str) -> Any:
    def change(results: dict[str, Any]) -> None:
        next(r for r in results["requirements"] if r["id"] == rid)["status"] = status
    return change


# -- untouched ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["signed", "unsigned"])
def test_an_untouched_folder_verifies(runs: dict[str, Path], which: str) -> None:
    problems, remarks = verify(runs[which], key_for(runs, which))
    assert problems == []
    if which == "signed":
        assert any("signature valid" in r for r in remarks), remarks
        assert verify(runs[which])[0] == [], "a signed folder verifies without a key too (the signature unchecked)"
    record_data = json.loads((runs[which] / record.RECORD).read_text(encoding="utf-8"))
    assert set(record_data["artifacts"]) == set(HASHED)
    assert record_data["options"]["password"] == "$ROOMZ_PASSWORD", "secrets as placeholders"
    assert record_data["options"]["username"] == "roomz", "the user name is no secret"
    assert "roomz-secret" not in (runs[which] / record.RECORD).read_text(encoding="utf-8")


def test_the_verify_command(runs: dict[str, Path], tmp_path: Path) -> None:
    good = subprocess.run([sys.executable, "-m", "conformance", "verify", str(runs["signed"]), "--public-key",
                           str(runs["lab_pub"])], capture_output=True, text=True, env=ENV, timeout=60)
    assert good.returncode == 0 and "intact" in good.stdout and "signature valid" in good.stdout, good.stdout
    folder = copy(runs["signed"], tmp_path)
    with open(folder / "junit.xml", "ab") as junit:
        junit.write(b" ")
    bad = subprocess.run([sys.executable, "-m", "conformance", "verify", str(folder), "--public-key",
                          str(runs["lab_pub"])], capture_output=True, text=True, env=ENV, timeout=60)
    assert bad.returncode == 1 and "NOT intact" in bad.stdout and "junit.xml: altered" in bad.stdout, bad.stdout


# -- one flipped byte --------------------------------------------------------------------------------
def positions(size: int, name: str) -> list[int]:
    spread = random.Random(name).sample(range(size), min(size, SAMPLES - 2))
    return sorted({0, size - 1, *spread})


def flipped_problems(path: Path, folder: Path, public_key: Path | None, at: list[int]) -> dict[int, list[str]]:
    """verify's problems with the byte at each position flipped (one at a time, restored after)."""
    original = path.read_bytes()
    found = {}
    try:
        for i in at:
            data = bytearray(original)
            data[i] ^= 1 << (i % 8)   # a different bit at different positions
            path.write_bytes(bytes(data))
            found[i] = verify(folder, public_key)[0]
    finally:
        path.write_bytes(original)
    return found


@pytest.mark.parametrize("which", ["signed", "unsigned"])
@pytest.mark.parametrize("name", HASHED)
def test_a_flipped_byte_in_an_artifact_names_it(runs: dict[str, Path], tmp_path: Path, which: str, name: str) -> None:
    folder = copy(runs[which], tmp_path)
    path = folder / name
    found = flipped_problems(path, folder, key_for(runs, which), positions(path.stat().st_size, name))
    for i, problems in found.items():
        assert any(p.startswith(f"{name}: altered") for p in problems), (i, problems)
    assert verify(folder, key_for(runs, which))[0] == [], "restored, the folder is intact again"


@pytest.mark.parametrize("which", ["signed", "unsigned"])
def test_every_flipped_byte_of_the_record_is_caught(runs: dict[str, Path], tmp_path: Path, which: str) -> None:
    folder = copy(runs[which], tmp_path)
    path = folder / record.RECORD
    found = flipped_problems(path, folder, key_for(runs, which), list(range(path.stat().st_size)))
    missed = {i: path.read_bytes()[max(0, i - 20):i + 20] for i, problems in found.items() if not problems}
    assert missed == {}, f"flips of record.json that verify did not notice: {missed}"
    assert all(any(record.RECORD in p for p in problems) for problems in found.values())
    if which == "signed":
        assert all(any(p.startswith(record.SIGNATURE) for p in problems) for problems in found.values())


def test_a_flipped_byte_in_the_signature_is_caught(runs: dict[str, Path], tmp_path: Path) -> None:
    folder = copy(runs["signed"], tmp_path)
    path = folder / record.SIGNATURE
    found = flipped_problems(path, folder, runs["lab_pub"], list(range(path.stat().st_size)))
    assert all(any(p.startswith(record.SIGNATURE) for p in problems) for problems in found.values()), found


# -- edits that keep the hashes right ---------------------------------------------------------------
@pytest.mark.parametrize("which", ["signed", "unsigned"])
def test_an_edited_status_fails_even_when_rehashed(runs: dict[str, Path], tmp_path: Path, which: str) -> None:
    folder = copy(runs[which], tmp_path)
    edit_results(folder, set_status("RZ-JSON", "failed"))
    problems = verify(folder, key_for(runs, which))[0]
    assert not any("altered" in p for p in problems), "the hash was put right: only consistency can tell"
    assert "results.json: RZ-JSON is failed without any failure" in problems, problems
    assert any(p.startswith("results.json: verdict 'conformant' does not follow") for p in problems), problems
    if which == "signed":
        assert any(p.startswith(f"{record.SIGNATURE}: the signature does not match") for p in problems), problems


@pytest.mark.parametrize("rid, status", [("RZ-HTTPS", "passed"), ("RZ-JSON", "warning"), ("RZ-JSON", "skipped"),
                                         ("RZ-HTTPS", "failed")])
def test_a_status_that_leaves_the_verdict_alone_is_caught_too(runs: dict[str, Path], tmp_path: Path, rid: str,
                                                              status: str) -> None:
    """A warning made a pass (or the reverse) changes no verdict; the entry's findings still give
    its status away."""
    folder = copy(runs["unsigned"], tmp_path)
    edit_results(folder, set_status(rid, status))
    problems = verify(folder)[0]
    assert any(p.startswith(f"results.json: {rid} has status {status!r}") for p in problems), problems


def test_a_removed_requirement_fails(runs: dict[str, Path], tmp_path: Path) -> None:
    folder = copy(runs["unsigned"], tmp_path)
    edit_results(folder, lambda r: r.update(requirements=[q for q in r["requirements"] if q["id"] != "RZ-UTC"]))
    problems = verify(folder)[0]
    assert "results.json: requirement RZ-UTC appears 0 times, not once" in problems, problems


def test_a_changed_verdict_in_both_files_fails(runs: dict[str, Path], tmp_path: Path) -> None:
    folder = copy(runs["unsigned"], tmp_path)
    edit_results(folder, lambda r: r.update(verdict="non-conformant"))
    data = json.loads((folder / record.RECORD).read_text(encoding="utf-8"))
    data.update(verdict="non-conformant", exit_code=1)
    (folder / record.RECORD).write_bytes(record.encode(data))
    problems = verify(folder)[0]
    assert problems == ["results.json: verdict 'non-conformant' does not follow from its statuses ('conformant')",
                        "record.json: exit code 1 does not follow from the verdict (0)"]


# -- signatures ---------------------------------------------------------------------------------------
def test_a_signature_from_another_key_fails(runs: dict[str, Path], tmp_path: Path) -> None:
    problems = verify(runs["signed"], runs["other_pub"])[0]
    assert problems == [f"{record.SIGNATURE}: the signature does not match {record.RECORD} for this public key"]
    folder = copy(runs["signed"], tmp_path)
    (folder / record.SIGNATURE).write_bytes(
        record.sign((folder / record.RECORD).read_bytes(), runs["other_key"]).encode("ascii") + b"\n")
    assert verify(folder, runs["other_pub"])[0] == [], "the other key's own signature is sound"
    assert verify(folder, runs["lab_pub"])[0] == [
        f"{record.SIGNATURE}: the signature does not match {record.RECORD} for this public key"]


@pytest.mark.parametrize("which", ["signed", "unsigned"])
def test_a_missing_signature_fails_when_a_key_is_given(runs: dict[str, Path], tmp_path: Path, which: str) -> None:
    folder = copy(runs[which], tmp_path)
    (folder / record.SIGNATURE).unlink(missing_ok=True)
    problems = verify(folder, runs["lab_pub"])[0]
    assert problems == [f"{record.SIGNATURE}: missing, but a public key was given (the record is not signed)"]


@pytest.mark.parametrize("name", [record.RECORD, "results.json", "traffic.har"])
def test_a_missing_file_fails(runs: dict[str, Path], tmp_path: Path, name: str) -> None:
    folder = copy(runs["unsigned"], tmp_path)
    (folder / name).unlink()
    problems = verify(folder)[0]
    assert any(p.startswith(f"{name}: missing") for p in problems), problems
