"""A curl line that reproduces an exchange, with every credential as a shell placeholder.

A *placeholder* pairs a value the suite sent with the shell text that yields it again:
``$ROOMZ_PASSWORD`` for the configured password, or an expression for a value derived from it
(``$(printf %s "$ROOMZ_PASSWORD" | tr a-zA-Z A-Za-z)`` for the password with its case swapped).
So a reproduce line works as it stands once the variables are exported, and no configured
secret, nor anything computed from one, is ever printed.
"""
from __future__ import annotations

import base64
import re
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from conformance.client.exchange import Exchange


@dataclass(frozen=True)
class Placeholder:
    value: str   # what was sent
    expr: str    # shell text (inside double quotes) that gives it back
    secret: bool = True   # masked in every other output too (a user name is not: only reproduce lines use expr)


def basic_pair(value: str) -> tuple[str, str] | None:
    """(user, password) of a Basic Authorization value, None for anything else."""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def _escape(text: str) -> str:
    """Literal text inside a POSIX double-quoted word."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")


SHORT = 6   # a shorter value is replaced only where it stands alone (as the redactor does)


def _pattern(value: str) -> re.Pattern[str]:
    if len(value) >= SHORT:
        return re.compile(re.escape(value))
    return re.compile(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])")


TEXT, EXPR, KEPT = "text", "expr", "kept"


def _kept_apart(text: str, keep: Callable[[str], list[tuple[int, int]]] | None) -> list[tuple[str, str]]:
    """``text`` cut into (kind, piece): the kept spans (the base URL) take no placeholder."""
    out: list[tuple[str, str]] = []
    pos = 0
    for start, end in keep(text) if keep else []:
        out += [(TEXT, text[pos:start]), (KEPT, text[start:end])]
        pos = end
    out.append((TEXT, text[pos:]))
    return [(kind, piece) for kind, piece in out if piece]


def shell_word(text: str, placeholders: Iterable[Placeholder], redact: Callable[[str], str],
               keep: Callable[[str], list[tuple[int, int]]] | None = None) -> str:
    """``text`` as one shell word: every placeholder value inside it becomes its expression, the
    rest is redacted and quoted. Longer values are replaced first; ``keep`` (the base URL) takes
    no placeholder (and is redacted whole: the redactor decides whether it may be shown)."""
    pieces = _kept_apart(text, keep)
    for ph in sorted((p for p in placeholders if p.value), key=lambda p: len(p.value), reverse=True):
        pattern = _pattern(ph.value)
        out: list[tuple[str, str]] = []
        for kind, piece in pieces:
            if kind != TEXT or not pattern.search(piece):
                out.append((kind, piece))
                continue
            parts = pattern.split(piece)
            for i, part in enumerate(parts):
                if i:
                    out.append((EXPR, ph.expr))
                if part:
                    out.append((TEXT, part))
        pieces = out
    if not any(kind == EXPR for kind, _ in pieces):
        return shlex.quote(redact(text))
    words: list[str] = []
    for i, (kind, piece) in enumerate(pieces):
        if kind != EXPR:
            words.append(_escape(redact(piece)))
            continue
        following = pieces[i + 1][1][:1] if i + 1 < len(pieces) and pieces[i + 1][0] != EXPR else ""
        if _BARE.match(piece) and (following.isalnum() or following == "_"):
            piece = "${" + piece[1:] + "}"   # $NAME followed by a letter would read as another name
        words.append(piece)
    return '"' + "".join(words) + '"'


_BARE = re.compile(r"^\$[A-Za-z_][A-Za-z0-9_]*$")


def _join(user: str, password: str) -> str:
    """``user:password`` as one double-quoted word from two shell words."""
    def inner(word: str) -> str:
        if word.startswith('"'):
            return word[1:-1]
        return _escape(shlex.split(word)[0]) if word != "''" else ""
    return '"' + inner(user) + ":" + inner(password) + '"'


def curl_line(ex: Exchange, placeholders: list[Placeholder], redact: Callable[[str], str], *, insecure: bool = False,
              max_body: int = 4000, keep: Callable[[str], list[tuple[int, int]]] | None = None) -> str:
    words = ["curl", "-i", "-X", shlex.quote(ex.method)]
    if insecure:
        words.append("--insecure")
    for k, v in ex.request_headers.items():
        basic = basic_pair(v) if k.lower() == "authorization" else None
        if basic is not None:   # user and password rendered apart: a short value matches whole
            user, password = (shell_word(part, placeholders, redact) for part in basic)
            words.append("-u " + _join(user, password))
        else:
            words.append("-H " + shell_word(f"{k}: {v}", placeholders, redact))
    if ex.request_body is not None:
        text = ex.request_body.decode("utf-8", "replace")
        if len(text) > max_body:
            text = text[:max_body] + "…(truncated)"
        words.append("--data-binary " + shell_word(text, placeholders, redact))
    words.append(shell_word(ex.url, placeholders, redact, keep))
    return " ".join(words)
