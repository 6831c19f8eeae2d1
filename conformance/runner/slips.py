"""Configuration slips the engine recognises around the API's own preflight: a ``--proxy`` that
cannot be reached or refuses to carry the run. A slip is the vendor's to fix, never the server's
non-conformance: exit 2, one sentence naming what to fix (docs/interface.md)."""
from __future__ import annotations

import socket
from urllib.parse import urlsplit

from conformance.errors import ConfigurationError

PROXY_CONNECT_TIMEOUT_S = 5.0
_PROXY_WORDS = ("proxy", "tunnel connection failed")


def shown_proxy(proxy: str) -> str:
    """The proxy URL as it may be printed: without a password."""
    parts = urlsplit(proxy)
    if parts.password is None:
        return proxy
    netloc = f"{parts.username}:[REDACTED]@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def proxy_problem(proxy: str, error: str) -> ConfigurationError | None:
    """Why the run could not get through ``proxy`` (the target unanswered with ``error``), naming
    the proxy, or None when the proxy answers and the failure is the target's."""
    parts = urlsplit(proxy)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=PROXY_CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        why = "connection refused" if isinstance(exc, ConnectionRefusedError) else (exc.strerror or str(exc))
        return ConfigurationError(f"the proxy {shown_proxy(proxy)} cannot be reached ({why}); check --proxy")
    if any(word in error.lower() for word in _PROXY_WORDS):
        return ConfigurationError(f"the proxy {shown_proxy(proxy)} refused to carry the run's requests ({error}); "
                                  "check --proxy")
    return None


def proxy_refusal(proxy: str, status: int | None) -> ConfigurationError | None:
    """A 407 is the proxy's own answer: it wants credentials the run did not give it."""
    if status != 407:
        return None
    return ConfigurationError(f"the proxy {shown_proxy(proxy)} asks for credentials (407 Proxy Authentication "
                              "Required); give them in --proxy (http://user:password@host:port)")
