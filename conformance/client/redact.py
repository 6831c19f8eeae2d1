"""Keep credentials out of every output.

The suite knows the secrets it was given (password, token, the base64 Basic value); any text
written to a report or the terminal goes through ``Redactor.text`` first. Servers that echo the
``Authorization`` header or the request body back are covered because the replacement is done on
the final text, not on known fields. Each secret is also masked in the encodings a server may echo
it in (JSON string escaping, URL encoding, HTML escaping).
"""
from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable, Iterable
from urllib.parse import quote, quote_plus

MASK = "[REDACTED]"
SHORT = 6
MARGIN = 4096   # longer than any credential: a cut may split a secret only inside this margin
_AUTH_HEADERS = {"authorization", "x-auth-token", "proxy-authorization", "cookie", "set-cookie"}


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self._masks: dict[str, str] = {}
        self._kept: list[str] = []
        self._pattern = self._keep_re = re.compile("")
        self._real: re.Pattern[str] | None = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None, mask: str = MASK) -> None:
        """Register a secret, in every encoding a server may echo it in.

        A short secret (under SHORT characters) is masked only where it stands alone, not inside
        a longer word: a password "p" must not turn "http" into "htt[REDACTED]". Where it
        stands alone, it is masked however short: a leak is a leak.
        """
        if not secret or secret in self._secrets:
            return
        forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], quote(secret, safe=""),
                 quote_plus(secret, safe=""), html.escape(secret, quote=True)}
        self._secrets.extend(f for f in forms if f not in self._secrets)
        self._masks.update({f: mask for f in forms})
        self._secrets.sort(key=len, reverse=True)
        self._compile()

    def keep(self, literal: str | None) -> None:
        """Show ``literal`` as it is, even where a value masked as its variable occurs inside it:
        the base URL, whose path may hold the user name (``/api/roomz/v1`` for user ``roomz``),
        must not turn into ``/api/$ROOMZ_USERNAME/v1`` in every URL of the traffic. An occurrence
        that any real secret overlaps, even by one character, is not kept."""
        if literal and literal not in self._kept:
            self._kept.append(literal)
            self._compile()

    def kept_spans(self, value: str) -> list[tuple[int, int]]:
        """Where ``value`` holds a kept literal that no real secret overlaps."""
        if not self._kept:
            return []
        kept = [m.span() for m in self._keep_re.finditer(value)]
        if not kept or self._real is None:   # most text holds no base URL: one scan, not two
            return kept
        real = [m.span() for m in self._real.finditer(value)]
        return [(start, end) for start, end in kept if not any(a < end and start < b for a, b in real)]

    def _compile(self) -> None:
        def one(s: str) -> str:
            return re.escape(s) if len(s) >= SHORT else rf"(?<![0-9A-Za-z]){re.escape(s)}(?![0-9A-Za-z])"
        self._pattern = re.compile("|".join(one(s) for s in self._secrets))
        real = [s for s in self._secrets if self._masks[s] == MASK]
        self._real = re.compile("|".join(one(s) for s in real)) if real else None
        self._keep_re = re.compile("|".join(re.escape(k) for k in sorted(self._kept, key=len, reverse=True)))

    def add_basic(self, username: str | None, password: str | None) -> None:
        if username is None or password is None:
            return
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.add(token)
        self.add(password)

    def text(self, value: str) -> str:
        if not self._secrets or not value:
            return value
        out, pos = [], 0
        for start, end in self.kept_spans(value):
            out += [self._mask(value[pos:start]), value[start:end]]
            pos = end
        out.append(self._mask(value[pos:]))
        return "".join(out)

    def _mask(self, value: str) -> str:
        return self._pattern.sub(lambda m: self._masks.get(m.group(0), MASK), value) if value else value

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: (MASK if k.lower() in _AUTH_HEADERS else self.text(v)) for k, v in headers.items()}


def redact_head(body: bytes, limit: int, redact: Callable[[str], str]) -> tuple[str, bool]:
    """(text, cut): at most ``limit`` characters of a body, redacted, and whether it was cut.

    Only a window of the body is redacted: a server answering megabytes must not cost a regex
    pass over all of it for every finding. The window reaches a margin past the bound, and that
    margin is dropped when the text goes on past it, so a secret crossing the window's end (whose
    first characters the pattern cannot match) is never shown. Redacted before it is cut, never
    after, for the same reason. Counted in characters (a character is at most 4 bytes), so text
    in Cyrillic or CJK shows as much as ASCII does.
    """
    span = limit + MARGIN
    head = body[:4 * span].decode("utf-8", "replace")
    more = len(head) > span or len(body) > 4 * span
    window = redact(head[:span])
    if more:
        window = window[:-MARGIN]
    return window[:limit], more or len(window) > limit
