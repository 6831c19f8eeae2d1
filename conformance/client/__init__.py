"""The only way the suite talks HTTP.

Everything a server returns is hostile input:

- every request is bounded in total, DNS and connect to last body byte, by its timeout: a watchdog
  shuts the socket of a server that never answers or drips one byte a second;
- a target that times out on several requests in a row is given up on (``GaveUp``): a dead or
  drip-feeding server costs a few timeouts, not one per request of the run;
- every body is read with a size cap counted after decompression, so a gzip bomb stops at the cap;
- redirects are never followed, so credentials never travel to another host;
- transport errors become an ``Exchange`` with ``error`` set (one readable sentence), never an
  exception; the only exceptions are ``DeadlineReached`` once the run's time budget is spent, and
  its kinds ``RateLimited`` when the server asks for a wait the run cannot give and ``GaveUp``
  once the target was given up on;
- every text that leaves this layer for a report goes through ``Redactor``, so secrets never appear.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conformance.client.curl import Placeholder
from conformance.client.exchange import DeadlineReached, Exchange, GaveUp, RateLimited, TransportError
from conformance.client.limits import DEFAULT_MAX_BODY
from conformance.client.redact import Redactor

if TYPE_CHECKING:
    from conformance.client.session import Client, Credentials


def __getattr__(name: str) -> Any:
    """Client and Credentials on first use: they bring the HTTP stack (requests, urllib3), which
    commands that send nothing (validate, verify, diff, --help) never need to import."""
    if name in ("Client", "Credentials"):
        from conformance.client import session

        return getattr(session, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["Client", "Credentials", "DEFAULT_MAX_BODY", "DeadlineReached", "Exchange", "GaveUp", "Placeholder",
           "RateLimited",
           "Redactor", "TransportError"]
