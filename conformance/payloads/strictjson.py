"""Strict JSON (RFC 8259, UTF-8) parsing that says exactly what to change, and where (RMP-JSON).

A valid body takes the fast path: the standard library's parser, with ``NaN``/``Infinity``
refused. Only when that fails does a small recovering scanner walk the text to list *every*
problem it can get past, each with its line, column (1-based, in characters) and a hint:
trailing commas, ``//``, ``/* */`` and ``#`` comments, the documentation's ``...`` placeholder,
``NaN``/``Infinity``, single quotes, unquoted keys, missing commas, malformed numbers and escapes,
raw line breaks in strings, a byte order mark, non-UTF-8 bytes, an empty body. The scanner does
not build a value: a body with any of these problems is not JSON, so no rule is checked on it.

Duplicate keys are legal JSON (RFC 8259 §4: names SHOULD be unique) and are returned, not raised.
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import NoReturn

from .text import escape_unprintable, pointer, show, truncate

__all__ = ["Problem", "StrictJSONError", "Parsed", "parse"]

UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)


@dataclass(frozen=True)
class Problem:
    """One syntax problem: where (``line``/``column`` None for the whole body), what, what to do."""

    line: int | None
    column: int | None
    found: str
    hint: str
    offset: int = 0
    expected: str = "strict JSON"

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line is not None else ""
        return f"{where}expected {self.expected}, found {self.found}; {self.hint}"


class StrictJSONError(ValueError):
    """The body is not strict JSON; ``problems`` lists every problem found, in text order."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(str(problems[0]) if problems else "not JSON")


@dataclass
class Parsed:
    value: object
    # (JSON Pointer of the key, the key, how often it occurs in its object)
    duplicate_keys: list[tuple[str, str, int]] = field(default_factory=list)


class _Rejected(Exception):
    """NaN or Infinity met by the fast path: let the scanner locate it."""


class _DupDict(dict):
    """A JSON object that had duplicate keys (the last value wins, as in JavaScript)."""

    dups: dict[str, int]


def parse(data: bytes) -> Parsed:
    """Parse ``data`` as strict JSON in UTF-8, or raise :class:`StrictJSONError`."""
    if not data:
        raise StrictJSONError([Problem(None, None, "an empty body (0 bytes)", "send the bookings as [{…}, …]",
                                       expected="a JSON array of bookings")])
    for bom, name in _OTHER_BOMS:
        if data.startswith(bom):
            raise StrictJSONError([Problem(1, 1, f"a {name} byte order mark: the body is {name}-encoded",
                                           "JSON must be UTF-8: save the file as UTF-8 without BOM")])
    if len(data) >= 2 and (data[0] == 0 or data[1] == 0):
        raise StrictJSONError([Problem(1, 1, "NUL bytes at the start: the body looks UTF-16- or UTF-32-encoded",
                                       "JSON must be UTF-8: save the file as UTF-8")])
    problems: list[Problem] = []
    start = 0
    if data.startswith(UTF8_BOM):
        problems.append(Problem(1, 1, "a UTF-8 byte order mark (bytes EF BB BF)",
                                "RFC 8259 forbids it in JSON sent over a network: save the file as UTF-8 without BOM"))
        start = len(UTF8_BOM)
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[start:start + exc.start].decode("utf-8")
        line = prefix.count("\n") + 1
        column = len(prefix) - (prefix.rfind("\n") + 1) + 1
        bad = data[start + exc.start]
        problems.append(Problem(line, column, f"the byte 0x{bad:02X}, which is not valid UTF-8",
                                "save the file as UTF-8 (Latin-1 and Windows-1252 files look like this)",
                                offset=exc.start))
        raise StrictJSONError(problems) from None
    if problems:  # a BOM: list what else is wrong, but the body is refused either way
        problems.extend(_Scanner(text).run())
        raise StrictJSONError(sorted(problems, key=lambda p: p.offset))

    found_dups = False

    def pairs_hook(pairs: list[tuple[str, object]]) -> dict:
        nonlocal found_dups
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        found_dups = True
        dup = _DupDict(obj)
        counts: dict[str, int] = {}
        for k, _ in pairs:
            counts[k] = counts.get(k, 0) + 1
        dup.dups = {k: c for k, c in counts.items() if c > 1}
        return dup

    try:
        value = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=pairs_hook)
    except (_Rejected, ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        problems = _Scanner(text).run()
        if not problems:  # the scanner is more lenient than the standard parser somewhere
            problems = [_fallback_problem(exc)]
        raise StrictJSONError(problems) from None
    dups = _collect_duplicates(value) if found_dups else []
    return Parsed(value, dups)


def _reject_constant(name: str) -> object:
    raise _Rejected(name)


def _fallback_problem(exc: BaseException) -> Problem:
    if isinstance(exc, json.JSONDecodeError):
        return Problem(exc.lineno, exc.colno, f"a JSON syntax error ({exc.msg})", "correct the JSON there", exc.pos)
    if isinstance(exc, RecursionError):
        return Problem(None, None, "arrays or objects nested too deeply to parse", "flatten the payload")
    return Problem(None, None, f"a value the JSON parser refused ({truncate(str(exc), 120)})", "correct the JSON")


def _collect_duplicates(value: object) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    stack: list[tuple[object, tuple]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            if isinstance(node, _DupDict):
                out.extend((pointer(path + (k,)), k, c) for k, c in node.dups.items())
            # only containers can hold a duplicate: scalars are not pushed (most values are scalars)
            stack.extend((v, path + (k,)) for k, v in node.items() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, path + (i,)) for i, v in enumerate(node) if isinstance(v, (dict, list)))
    return sorted(out)


# --- the recovering scanner (diagnostics only) ------------------------------------------------

_STRICT_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LAX_NUMBER = re.compile(r"[+-]?(?:0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_STRING_CHUNK = re.compile(r'[^"\\\x00-\x1f]*')
_SINGLE_CHUNK = re.compile(r"[^'\\\n]*")


def _skip(chunk: re.Pattern[str], s: str, i: int) -> int:
    """Where a run of ``chunk`` (a pattern that also matches nothing) starting at ``i`` ends."""
    m = chunk.match(s, i)
    return m.end() if m else i
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_VALUE_START = set("\"'{[-+.0123456789…") | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$")
_KEY_START = set("\"'") | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$")
_WORD_HINTS = {
    "NaN": ("NaN", "JSON has no NaN: send a number, or leave the field out"),
    "Infinity": ("Infinity", "JSON has no Infinity: send a number, or leave the field out"),
    "undefined": ("JavaScript's undefined", "JSON has no undefined: leave the field out"),
    "True": ("Python's True", "write true"),
    "False": ("Python's False", "write false"),
    "None": ("Python's None", "write null, or leave the field out"),
}


class _Stop(Exception):
    pass


class _Scanner:
    MAX_PROBLEMS = 50
    MAX_DEPTH = 200

    def __init__(self, text: str):
        self.s = text
        self.n = len(text)
        self.i = 0
        self.problems: list[Problem] = []
        self._newlines = [m.start() for m in re.finditer("\n", text)]

    # -- bookkeeping
    def where(self, offset: int) -> tuple[int, int]:
        k = bisect.bisect_left(self._newlines, offset)
        column = offset + 1 if k == 0 else offset - self._newlines[k - 1]
        return k + 1, column

    def problem(self, offset: int, found: str, hint: str) -> None:
        if len(self.problems) >= self.MAX_PROBLEMS:
            line, column = self.where(offset)
            self.problems.append(Problem(line, column, "more problems",
                                         f"only the first {self.MAX_PROBLEMS} are listed", offset))
            raise _Stop
        line, column = self.where(offset)
        self.problems.append(Problem(line, column, found, hint, offset))

    def fatal(self, offset: int, found: str, hint: str) -> NoReturn:
        self.problem(offset, found, hint)
        raise _Stop

    def here(self) -> str:
        if self.i >= self.n:
            return "the end of the body"
        return "the character " + show(self.s[self.i])

    def run(self) -> list[Problem]:
        try:
            self.skip_ws()
            if self.i >= self.n:
                self.fatal(self.i, "no JSON value (only whitespace or comments)", "send a JSON array of bookings")
            self.value(0)
            self.skip_ws()
            if self.i < self.n:
                self.fatal(self.i, f"{self.here()} after the end of the JSON value",
                           "a body holds exactly one JSON value: delete what follows, or merge it into the array")
        except _Stop:
            pass
        return sorted(self.problems, key=lambda p: p.offset)

    # -- grammar
    def skip_ws(self) -> None:
        s, n = self.s, self.n
        while self.i < n:
            c = s[self.i]
            if c in " \t\n\r":
                self.i += 1
            elif s.startswith("//", self.i):
                self.problem(self.i, "a // comment", "JSON has no comments: delete it, from // to the end of the line")
                j = s.find("\n", self.i)
                self.i = n if j < 0 else j
            elif s.startswith("/*", self.i):
                j = s.find("*/", self.i + 2)
                if j < 0:
                    self.fatal(self.i, "a /* comment that is never closed", "JSON has no comments: delete it")
                self.problem(self.i, "a /* */ comment", "JSON has no comments: delete it")
                self.i = j + 2
            elif c == "#":
                self.problem(self.i, "a # comment", "JSON has no comments: delete it, from # to the end of the line")
                j = s.find("\n", self.i)
                self.i = n if j < 0 else j
            elif c.isspace() or c in "\ufeff\u200b":
                self.problem(self.i, f"the character U+{ord(c):04X} where only spaces, tabs and line breaks may stand",
                             "replace it with a plain space")
                self.i += 1
            else:
                break

    def value(self, depth: int) -> None:
        self.skip_ws()
        if self.i >= self.n:
            self.fatal(self.i, "the end of the body where a value was expected",
                       "complete the JSON (is the file cut off?)")
        if depth > self.MAX_DEPTH:
            self.fatal(self.i, f"arrays or objects nested more than {self.MAX_DEPTH} deep", "flatten the payload")
        s, c = self.s, self.s[self.i]
        if c == "{":
            self.obj(depth)
        elif c == "[":
            self.arr(depth)
        elif c == '"':
            self.string()
        elif c == "'":
            self.single_quoted()
        elif s.startswith("...", self.i) or c == "…":
            start = self.i
            self.i += 1 if c == "…" else 3
            while self.i < self.n and s[self.i] in ".…":
                self.i += 1
            self.problem(start, f"{show(s[start:self.i])}, the documentation's placeholder for \"more items\"",
                         "it is not JSON: delete it (and the comma before it), or write the items out")
        elif c in "-+.0123456789":
            self.number()
        elif _WORD.match(s, self.i):
            self.word()
        else:
            self.fatal(self.i, f"{self.here()} where a value was expected",
                       "a value is a string in double quotes, a number, true, false, null, an object or an array")

    def number(self) -> None:
        s, i = self.s, self.i
        if s.startswith("-Infinity", i):
            self.problem(i, "-Infinity", "JSON has no Infinity: send a number, or leave the field out")
            self.i += len("-Infinity")
            return
        strict = _STRICT_NUMBER.match(s, i)
        lax = _LAX_NUMBER.match(s, i)
        if lax and (strict is None or lax.end() > strict.end()):
            text = lax.group()
            body = text.lstrip("+-")
            if text.startswith("+"):
                hint = "JSON numbers have no leading '+': delete it"
            elif body[:2] in ("0x", "0X"):
                hint = "JSON numbers are decimal: write it in decimal"
            elif body.startswith("."):
                hint = f"write a digit before the point: {text.replace('.', '0.', 1)}"
            elif "." in body and not re.search(r"\.[0-9]", body):
                hint = "write a digit after the point, or drop the point"
            elif len(body) > 1 and body[0] == "0" and body[1].isdigit():
                hint = ("JSON numbers have no leading zeros: drop them, or send the value as a string if it is an "
                        "identifier")
            else:
                hint = "write a JSON number"
            self.problem(i, f"the number {show(text)} written in a way JSON does not allow", hint)
            self.i = lax.end()
        elif strict:
            self.i = strict.end()
        else:
            self.fatal(i, f"{self.here()} not followed by a number", "write a JSON number")

    def word(self) -> None:
        m = _WORD.match(self.s, self.i)
        assert m is not None
        word = m.group()
        if word not in ("true", "false", "null"):
            if word in _WORD_HINTS:
                found, hint = _WORD_HINTS[word]
            else:
                found = f"the bare word {show(truncate(word, 40))} where a value was expected"
                hint = "JSON strings are written in double quotes"
            self.problem(self.i, found, hint)
        self.i = m.end()

    def string(self) -> None:
        s, start = self.s, self.i
        self.i += 1
        while True:
            self.i = _skip(_STRING_CHUNK, s, self.i)
            if self.i >= self.n:
                self.fatal(start, "a string that is never closed", "add the closing double quote")
            c = s[self.i]
            if c == '"':
                self.i += 1
                return
            if c == "\\":
                nxt = s[self.i + 1: self.i + 2]
                if nxt and nxt in '"\\/bfnrt':
                    self.i += 2
                elif nxt == "u" and _HEX4.fullmatch(s, self.i + 2, self.i + 6):
                    self.i += 6
                elif nxt == "u":
                    self.problem(self.i, "a \\u escape without four hex digits",
                                 "write \\u and exactly four hex digits")
                    self.i += 2
                else:
                    self.problem(
                        self.i,
                        f"the escape \\{escape_unprintable(nxt)}",
                        'JSON knows only \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX: '
                        "delete the backslash or double it",
                    )
                    self.i += 2
            elif c == "\n":
                self.fatal(start, "a string not closed on its line",
                           "add the closing double quote; a line break inside a string is written \\n")
            else:
                self.problem(self.i, f"the raw control character U+{ord(c):04X} inside a string",
                             "escape it (\\t, \\r, \\u00XX)")
                self.i += 1

    def single_quoted(self) -> None:
        s, start = self.s, self.i
        self.i += 1
        while True:
            self.i = _skip(_SINGLE_CHUNK, s, self.i)
            if self.i >= self.n or s[self.i] == "\n":
                self.fatal(start, "a string in single quotes that is not closed on its line",
                           "JSON strings use double quotes")
            if s[self.i] == "\\":
                self.i += 2
                continue
            self.i += 1  # the closing quote
            text = s[start:self.i]
            inner = text[1:-1].replace('"', '\\"')
            self.problem(start, f"the string {escape_unprintable(truncate(text, 40))} in single quotes",
                         f"JSON strings use double quotes: write \"{escape_unprintable(truncate(inner, 40))}\"")
            return

    def _key(self) -> None:
        s, c = self.s, self.s[self.i]
        if c == '"':
            self.string()
        elif c == "'":
            self.single_quoted()
        else:
            m = _WORD.match(s, self.i)
            if m is None:
                self.fatal(self.i, f"{self.here()} where a key in double quotes was expected", 'write "key": value')
            key = m.group()
            self.problem(self.i, f"the unquoted key {truncate(key, 40)}",
                         f"JSON keys are strings in double quotes: write {show(truncate(key, 40))}")
            self.i = m.end()

    def obj(self, depth: int) -> None:
        s, opened = self.s, self.i
        self.i += 1
        self.skip_ws()
        if s.startswith("}", self.i):
            self.i += 1
            return
        while True:
            self.skip_ws()
            if self.i >= self.n:
                self.fatal(self.i, self._unclosed("object", opened), "add the closing }")
            if s[self.i] == ",":
                self.problem(self.i, "an extra comma", "delete it")
                self.i += 1
                continue
            self._key()
            self.skip_ws()
            if s.startswith(":", self.i):
                self.i += 1
            elif s.startswith("=", self.i):
                self.problem(self.i, "'=' between a key and its value", "write ':'")
                self.i += 1
            else:
                self.fatal(self.i, f"{self.here()} after a key where ':' was expected", 'write "key": value')
            self.value(depth + 1)
            self.skip_ws()
            if self.i >= self.n:
                self.fatal(self.i, self._unclosed("object", opened), "add the closing }")
            c = s[self.i]
            if c == ",":
                comma = self.i
                self.i += 1
                self.skip_ws()
                if s.startswith("}", self.i):
                    self.problem(comma, "a trailing comma after the last member of an object", "delete this comma")
                    self.i += 1
                    return
                continue
            if c == "}":
                self.i += 1
                return
            if c in _KEY_START:
                self.problem(self.i, "two members without a comma between them", "add ',' after the previous value")
                continue
            self.fatal(self.i, f"{self.here()} where ',' or '}}' was expected",
                       "separate members with ',' and close the object with '}'")

    def arr(self, depth: int) -> None:
        s, opened = self.s, self.i
        self.i += 1
        self.skip_ws()
        if s.startswith("]", self.i):
            self.i += 1
            return
        while True:
            self.skip_ws()
            if self.i >= self.n:
                self.fatal(self.i, self._unclosed("array", opened), "add the closing ]")
            if s[self.i] == ",":
                self.problem(self.i, "an extra comma (an empty array element)", "delete it")
                self.i += 1
                continue
            self.value(depth + 1)
            self.skip_ws()
            if self.i >= self.n:
                self.fatal(self.i, self._unclosed("array", opened), "add the closing ]")
            c = s[self.i]
            if c == ",":
                comma = self.i
                self.i += 1
                self.skip_ws()
                if s.startswith("]", self.i):
                    self.problem(comma, "a trailing comma after the last element of an array", "delete this comma")
                    self.i += 1
                    return
                continue
            if c == "]":
                self.i += 1
                return
            if c in _VALUE_START:
                self.problem(self.i, "two array elements without a comma between them",
                             "add ',' after the previous element")
                continue
            self.fatal(self.i, f"{self.here()} where ',' or ']' was expected",
                       "separate elements with ',' and close the array with ']'")

    def _unclosed(self, kind: str, opened: int) -> str:
        line, column = self.where(opened)
        return f"the end of the body inside the {kind} opened at line {line}, column {column}"
