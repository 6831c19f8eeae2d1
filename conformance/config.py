"""The configuration file of ``conformance run``: ``conformance.toml`` or ``[tool.conformance]``.

A CI job keeps its options in the repository instead of a long command line: any configurable
``run`` option under its long name, at the top level (both APIs) or in a ``[roomz]`` /
``[roomonitor]`` table (that API only, overriding the top level). Secrets stay out of the file:
``${VAR}`` is replaced from the environment, ``$$`` is a literal dollar.

This module only reads and checks the file; ``conformance.options.resolve`` applies the
precedence (command line > environment > file > defaults), so ``ConfigValues.values`` holds
what the option parsers accept: strings, lists of strings and booleans. Every mistake is a
``ConfigError`` naming the file, the line and the key, because a CI gate must fail with exit 2
on a typo instead of silently running with a default.
"""
from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from conformance.options import APIS, BY_NAME, OptionError
from conformance.textfile import Unreadable, read_text

CONFIG_NAME = "conformance.toml"
PYPROJECT_NAME = "pyproject.toml"
PYPROJECT_TABLE = "tool.conformance"


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file, the line and the key."""

    def __init__(self, message: str, *, file: str = "", line: int | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.file, self.line, self.key = file, line, key


@dataclass
class ConfigValues:
    """The options a configuration file sets for one API, ready for ``resolve(file_values=...)``."""

    values: dict[str, object]          # long option name -> str, bool or list of str
    file: str                       # the file as the user knows it, for messages and provenance
    lines: dict[str, int]           # long option name -> line of the value that applies
    secrets_from_env: set[str] = field(default_factory=set)   # keys whose value used ${VAR}

    def literal_secrets(self) -> list[str]:
        """Credential options written into the file itself rather than as ``${VAR}``: worth a warning,
        since a file in a repository is no place for a password."""
        return sorted(k for k in self.values
                      if k in BY_NAME and BY_NAME[k].secret and k not in self.secrets_from_env)


# -- finding the file ---------------------------------------------------------------------------
def find_config(cwd: Path, explicit: str | None) -> tuple[Path, str] | None:
    """The configuration file of a run and the table holding its options ("" is the whole file).

    ``--config FILE`` wins and must exist; otherwise ``conformance.toml`` in ``cwd``, otherwise
    ``pyproject.toml`` in ``cwd`` when it has a ``[tool.conformance]`` table; else None.
    """
    if explicit is not None:
        path = Path(explicit)
        if not path.is_absolute():
            path = cwd / path
        if path.is_dir():
            raise ConfigError(f"{explicit} is a folder, not a configuration file (--config)", file=explicit)
        if not path.is_file():
            raise ConfigError(f"{explicit}: no such configuration file (--config)", file=explicit)
        return path, PYPROJECT_TABLE if path.name == PYPROJECT_NAME else ""
    own = cwd / CONFIG_NAME
    if own.is_file():
        return own, ""
    pyproject = cwd / PYPROJECT_NAME
    if pyproject.is_file() and _has_table(pyproject, PYPROJECT_TABLE):
        return pyproject, PYPROJECT_TABLE
    return None


def _has_table(path: Path, table: str) -> bool:
    """Whether a TOML file holds ``table``. A broken pyproject.toml that never mentions the table is
    somebody else's problem; one that does is ours (the user meant to configure the suite)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        if table in text:
            raise _syntax_error(_display(path), exc) from None
        return False
    return _lookup(data, tuple(table.split("."))) is not None


# -- loading ------------------------------------------------------------------------------------
def load_config(path: Path | str, api: str | None, env: Mapping[str, str], known: Iterable[str],
                table: str | None = None) -> ConfigValues:
    """The options ``path`` sets for ``api``, checked and with ``${VAR}`` replaced from ``env``.

    ``known`` are the long names a file may set (the configurable options). ``table`` is the
    dotted table holding them; by default ``tool.conformance`` for a pyproject.toml, else the
    whole file. ``api=None`` takes the file's own top-level ``api`` (default roomz), for a
    command line that did not name one. Both API tables are checked, so a typo in the table of
    the API not run today still fails; only the applying values must have their variables set.
    """
    path = Path(path)
    name = _display(path)
    try:
        text = read_text(path, name, "configuration file")
    except Unreadable as exc:
        raise ConfigError(str(exc), file=name) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(name, exc) from None
    if table is None:
        table = PYPROJECT_TABLE if path.name == PYPROJECT_NAME else ""
    prefix = tuple(table.split(".")) if table else ()
    root = _lookup(data, prefix) if prefix else data
    if root is None:
        raise ConfigError(f"{name} has no [{table}] table", file=name)
    if not isinstance(root, dict):
        raise ConfigError(f"{name}: {table} must be a table of options", file=name)
    return _Loader(name, text, prefix, env, set(known)).load(root, api)


class _Loader:
    """One file being checked: knows its lines, so every error can say where."""

    def __init__(self, name: str, text: str, prefix: tuple[str, ...], env: Mapping[str, str],
                 known: set[str]) -> None:
        self.name, self.prefix, self.env, self.known = name, prefix, env, known
        self.positions = _key_lines(text)

    def line(self, *keys: str) -> int:
        path = self.prefix + keys
        for end in range(len(path), 0, -1):      # an inline table: the line of its nearest parent
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return 1

    def error(self, problem: str, *keys: str) -> ConfigError:
        line = self.line(*keys)
        return ConfigError(f"{self.name} line {line}: {problem}", file=self.name, line=line,
                           key=".".join(keys) or None)

    def load(self, root: dict[str, object], api: str | None) -> ConfigValues:
        top: dict[str, object] = {}
        tables: dict[str, dict[str, object]] = {a: {} for a in APIS}
        for key, value in root.items():
            if key in APIS:
                if not isinstance(value, dict):
                    raise self.error(f"'{key}' must be a table of options for the {key} API, "
                                     f"such as [{key}]", key)
                for sub, subvalue in value.items():
                    if sub == "api":
                        raise self.error(f"'api' cannot be set inside [{key}]; set it at the top level", key, sub)
                    self.check_key(sub, (key, sub), in_table=key)
                    tables[key][sub] = self.convert(sub, subvalue, (key, sub))
            else:
                self.check_key(key, (key,), in_table=None)
                top[key] = self.convert(key, value, (key,))
        if api is None:
            chosen = top.get("api", "roomz")
            api = chosen if chosen in APIS else "roomz"   # a bad top-level api fails its check below
        values: dict[str, object] = {}
        lines: dict[str, int] = {}
        from_env: set[str] = set()
        scopes = [((), top)] + [((a,), tables[a]) for a in APIS]
        for scope, entries in scopes:
            applies = scope in ((), (api,))
            for key, raw in entries.items():
                keys = scope + (key,)
                effective = applies and not (scope == () and key in tables[api])
                value, used = self.substitute(raw, keys, strict=effective)
                if value is not None:
                    self.check_value(key, value, raw, keys)
                if effective:
                    values[key], lines[key] = value, self.line(*keys)
                    if used:
                        from_env.add(key)
        return ConfigValues(values=values, file=self.name, lines=lines, secrets_from_env=from_env)

    def check_key(self, key: str, keys: tuple[str, ...], in_table: str | None) -> None:
        if key in self.known:
            return
        where = f" in [{in_table}]" if in_table else ""
        if key in BY_NAME:
            raise self.error(f"'{key}'{where} cannot be set in a configuration file; give it on the command line",
                             *keys)
        candidates = sorted(self.known) + ([] if in_table else list(APIS))
        close = difflib.get_close_matches(key.replace("_", "-").lower(), candidates, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise self.error(f"unknown key '{key}'{where}{hint}", *keys)

    def convert(self, key: str, value: object, keys: tuple[str, ...]) -> object:
        """TOML value -> what the option parsers take: str, bool or list of str."""
        option = BY_NAME.get(key)
        flag = option.flag if option else isinstance(value, bool)
        repeat = option.repeat if option else isinstance(value, list)
        if isinstance(value, bool):
            if not flag:
                raise self.error(f"{_label(keys)}: expected a value, not {str(value).lower()}", *keys)
            return value
        if isinstance(value, (int, float)):
            return [str(value)] if repeat else str(value)
        if isinstance(value, str):
            return [value] if repeat else value
        if isinstance(value, list):
            if not repeat:
                raise self.error(f"{_label(keys)}: takes one value, not a list", *keys)
            if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
                raise self.error(f"{_label(keys)}: expected a list of strings", *keys)
            return [str(v) for v in value]
        if isinstance(value, dict):
            raise self.error(f"{_label(keys)}: expected a value, not a table", *keys)
        raise self.error(f"{_label(keys)}: expected a string, a number, true or false; quote dates and times", *keys)

    def substitute(self, value: object, keys: tuple[str, ...], strict: bool) -> tuple[object, bool]:
        """``value`` with ``${VAR}`` replaced, and whether a variable was used. For a value that does
        not apply to this run, a missing variable is no error: the value is then (None, True)."""
        if isinstance(value, list):
            out, used = [], False
            for item in value:
                new, was = self.substitute(item, keys, strict)
                if new is None:
                    return None, True
                out.append(new)
                used = used or was
            return out, used
        if not isinstance(value, str) or "$" not in value:
            return value, False
        try:
            return _expand(value, self.env)
        except _Missing as missing:
            if not strict and missing.name:
                return None, True
            raise self.error(f"{_label(keys)}: {missing.problem}", *keys) from None

    def check_value(self, key: str, value: object, raw: object, keys: tuple[str, ...]) -> None:
        """Run the option's own parser now, so a bad value names its line (resolve cannot)."""
        option = BY_NAME.get(key)
        if option is None:
            return
        items = value if isinstance(value, list) else [value]
        written = raw if isinstance(raw, list) else [raw]
        for item, text in zip(items, written, strict=True):
            try:
                option.parse(item)
            except OptionError as exc:
                message = str(exc)
                if isinstance(item, str) and item and item != text:   # never echo what came from the environment
                    message = message.replace(repr(item), repr(text)).replace(item, str(text))
                raise self.error(f"{_label(keys)}: {message}", *keys) from None


class _Missing(Exception):
    def __init__(self, problem: str, name: str | None) -> None:
        super().__init__(problem)
        self.problem, self.name = problem, name


_DOLLAR = re.compile(r"\$(\$|\{([^}]*)\}|\{)")
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _expand(text: str, env: Mapping[str, str]) -> tuple[str, bool]:
    """``${VAR}`` -> its value, ``$$`` -> ``$``; a ``$`` followed by anything else stays as it is.
    Also says whether a variable was used (so the value counts as a secret from the environment)."""
    used = []

    def one(match: re.Match[str]) -> str:
        if match.group(1) == "$":
            return "$"
        name = match.group(2)
        if name is None:
            raise _Missing("'${' without a closing '}'", None)
        if not _VAR_NAME.fullmatch(name):
            raise _Missing(f"'${{{name}}}' is not a variable name (letters, digits and _)", None)
        if name not in env:
            raise _Missing(f"the environment variable {name} is not set", name)
        if env[name] == "":
            raise _Missing(f"the environment variable {name} is empty", name)
        used.append(name)
        return env[name]
    return _DOLLAR.sub(one, text), bool(used)


# -- positions: tomllib gives none, so the text is scanned for key paths -----------------------
_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY = rf"{_PART}(?:\s*\.\s*{_PART})*"
_TABLE = re.compile(rf"^\s*\[\s*({_KEY})\s*\]")
_ARRAY_TABLE = re.compile(rf"^\s*\[\[\s*({_KEY})\s*\]\]")
_ASSIGN = re.compile(rf"^\s*({_KEY})\s*=")


def _split_key(key: str) -> tuple[str, ...]:
    parts = []
    for part in re.findall(_PART, key):
        if part.startswith('"'):
            try:
                part = json.loads(part)
            except ValueError:
                part = part[1:-1]
        elif part.startswith("'"):
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line (1-based) where each table and key path is first written. Good enough for messages:
    multi-line strings are skipped, inline tables fall back to their parent's line."""
    positions: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    closing: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if closing is not None:
            if closing in line:
                closing = None
            continue
        array = _ARRAY_TABLE.match(line)
        header = None if array else _TABLE.match(line)
        found = array or header
        if found:
            table = _split_key(found.group(1))
            positions.setdefault(table, number)
            continue
        assign = _ASSIGN.match(line)
        if not assign:
            continue
        positions.setdefault(table + _split_key(assign.group(1)), number)
        rest = line[assign.end():]
        for quote in ('"""', "'''"):
            if rest.count(quote) % 2 == 1:
                closing = quote
                break
    return positions


def _syntax_error(name: str, exc: Exception) -> ConfigError:
    text = str(exc)
    found = re.search(r"\(at line (\d+), column (\d+)\)", text)
    if found:
        line = int(found.group(1))
        problem = text[:found.start()].strip()
        return ConfigError(f"{name} line {line}: not valid TOML: {problem} (column {found.group(2)})",
                           file=name, line=line)
    return ConfigError(f"{name}: not valid TOML: {text}", file=name)


def _label(keys: tuple[str, ...]) -> str:
    """A key as the user would write it as a dotted key: ``profile`` or ``roomz.base-url``."""
    return ".".join(keys)


def _lookup(data: dict[str, object], keys: tuple[str, ...]) -> object:
    found: object = data
    for key in keys:
        if not isinstance(found, dict) or key not in found:
            return None
        found = found[key]
    return found


def _display(path: Path) -> str:
    """The file as the user would name it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)
