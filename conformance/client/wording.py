"""One readable sentence per transport failure: what a user sees instead of a traceback."""
from __future__ import annotations

import http.client
import socket

import requests
import urllib3


# -- one readable sentence per transport failure ------------------------------------------------
def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (args, causes, contexts), outermost first."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < 20:
        e = todo.pop(0)
        if e in seen:
            continue
        seen.append(e)
        todo += [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]
        for attr in ("reason", "__cause__", "__context__"):
            inner = getattr(e, attr, None)
            if isinstance(inner, BaseException):
                todo.append(inner)
    return seen


def transport_error(exc: BaseException, limit: float) -> str:
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain)
    for e in chain:
        if isinstance(e, requests.exceptions.SSLError) or type(e).__module__ == "ssl":
            detail = next((str(x) for x in chain if type(x).__module__ == "ssl"), _short(exc))
            return f"TLS handshake failed ({_trim(detail)})"
    if any(isinstance(e, (socket.gaierror,))
           for e in chain) or "NameResolutionError" in text or "Name or service not known" in text:
        return "unknown host (the name does not resolve)"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "Connection refused" in text:
        return "connection refused"
    if any(isinstance(e, (TimeoutError, socket.timeout, urllib3.exceptions.TimeoutError,
                          requests.exceptions.Timeout)) for e in chain):
        return f"no complete answer within {limit:g} s (--timeout)"   # the same words as the watchdog's
    for e in chain:
        if isinstance(e, (http.client.BadStatusLine, http.client.LineTooLong)) and not isinstance(
            e, http.client.RemoteDisconnected
        ):
            return f"the server's answer is not HTTP ({_trim(repr(e))})"
    if any(isinstance(e, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError,
                          http.client.RemoteDisconnected)) for e in chain) \
            or "Connection aborted" in text:
        return "the server closed or reset the connection without answering"
    return f"request failed ({_short(exc)})"


def body_error(exc: BaseException, limit: float) -> str:
    chain = _chain(exc)
    for e in chain:
        if isinstance(e, (urllib3.exceptions.IncompleteRead, http.client.IncompleteRead)):
            got, more = getattr(e, "partial", None), getattr(e, "expected", None)
            if isinstance(got, int) and isinstance(more, int):
                return f"the connection closed after {got} bytes of the body; its Content-Length announced {got + more}"
            return "the connection closed before the body was complete (shorter than its Content-Length)"
    for e in chain:
        if isinstance(e, urllib3.exceptions.DecodeError):
            inner = [x for x in _chain(e) if not isinstance(x, urllib3.exceptions.HTTPError)]
            return ("the body could not be decompressed as its Content-Encoding says "
                    f"({_trim(str(inner[0] if inner else e))})")
        if isinstance(e, (http.client.HTTPException, urllib3.exceptions.InvalidChunkLength)):
            return f"the body is not valid HTTP framing ({_trim(repr(e))})"
    if any(isinstance(e, (TimeoutError, socket.timeout, urllib3.exceptions.TimeoutError)) for e in chain):
        return f"the body was not complete within {limit:g} s (--timeout)"   # the same words as the watchdog's
    return "the connection was closed or reset before the body was complete"


def _trim(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(exc: BaseException) -> str:
    return _trim(str(exc))
