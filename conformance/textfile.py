"""A file the user named (configuration, baseline, results.json): read it, or say in one
sentence why it cannot be read, naming it as the user wrote it."""
from __future__ import annotations

from pathlib import Path


class Unreadable(Exception):
    """The file is missing, not UTF-8, or cannot be read; the message says which."""


def read_text(path: Path, name: str, what: str) -> str:
    """The UTF-8 text of ``path``, shown as ``name``; ``what`` names the kind of file when it is
    missing ("no such baseline file")."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Unreadable(f"{name}: no such {what}") from None
    except UnicodeDecodeError:
        raise Unreadable(f"{name} is not UTF-8 text") from None
    except OSError as exc:
        raise Unreadable(f"{name} cannot be read: {exc.strerror or exc}") from None


def results_in(path: Path) -> Path:
    """A ``results.json`` given as the file or as the report folder holding it."""
    if not path.is_dir():
        return path
    if not (path / "results.json").is_file():
        raise Unreadable(f"{path} is a folder without a results.json; give a report folder or a results.json")
    return path / "results.json"
