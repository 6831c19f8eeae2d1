"""Keep credentials out of every output.

The suite knows the secrets it was given (password, token, the base64 Basic value); any text
written to a report or the terminal goes through ``Redactor.text`` first. Servers that echo the
``Authorization`` header or the request body back are covered because the replacement is done on
the final text, not on known fields.
"""
from __future__ import annotations

import base64
import re
from typing import Iterable

MASK = "[REDACTED]"
_AUTH_HEADERS = {"authorization", "x-auth-token", "proxy-authorization", "cookie", "set-cookie"}


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Register a secret. Short values (under 4 chars) are still masked: a leak is a leak."""
        if not secret or secret in self._secrets:
            return
        self._secrets.append(secret)
        self._secrets.sort(key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(s) for s in self._secrets))

    def add_basic(self, username: str | None, password: str | None) -> None:
        if username is None or password is None:
            return
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.add(token)
        self.add(password)

    def text(self, value: str) -> str:
        if not self._secrets or not value:
            return value
        return self._pattern.sub(MASK, value)

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: (MASK if k.lower() in _AUTH_HEADERS else self.text(v)) for k, v in headers.items()}
