"""``traffic.har``: every exchange of the run as HAR 1.2, readable by standard HAR viewers.

Bodies are bounded, credentials redacted the same way as everywhere (headers that carry
credentials are masked whole; every secret the run knows is masked in any other text).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from conformance.client.redact import redact_head

if TYPE_CHECKING:
    from conformance.client import Exchange

MAX_HAR_BODY = 64 * 1024
_SECRET_HEADERS = {"authorization", "x-auth-token", "proxy-authorization", "cookie", "set-cookie"}


def _headers(headers: dict[str, str], redact: Callable[[str], str]) -> list[dict[str, str]]:
    """Name and value pairs; a header that carries credentials is masked whole, whatever its form."""
    return [{"name": k, "value": "[REDACTED]" if k.lower() in _SECRET_HEADERS else redact(str(v))}
            for k, v in headers.items()]


def _text(body: bytes | None, redact: Callable[[str], str], size: int | None = None) -> tuple[str, str]:
    """(text, comment): the body as redacted text, bounded (see ``redact_head``); ``size`` is its
    length as received when the run has shed part of it since."""
    if not body:
        return "", ""
    text, cut = redact_head(body, MAX_HAR_BODY, redact)
    return text, (f"body cut at {MAX_HAR_BODY} characters of {size or len(body)} bytes" if cut else "")


def _request(ex: Exchange, redact: Callable[[str], str]) -> dict[str, Any]:
    query = parse_qsl(urlsplit(ex.url).query, keep_blank_values=True)
    request: dict[str, Any] = {
        "method": ex.method, "url": redact(ex.url), "httpVersion": "HTTP/1.1", "cookies": [],
        "headers": _headers(ex.request_headers, redact),
        "queryString": [{"name": redact(k), "value": redact(v)} for k, v in query],
        "headersSize": -1, "bodySize": len(ex.request_body or b""),
    }
    if ex.request_body is not None:
        text, comment = _text(ex.request_body, redact)
        ctype = next((v for k, v in ex.request_headers.items() if k.lower() == "content-type"),
                     "application/octet-stream")
        request["postData"] = {"mimeType": ctype, "text": text}
        if comment:
            request["postData"]["comment"] = comment
    return request


def _response(ex: Exchange, redact: Callable[[str], str]) -> dict[str, Any]:
    """A request that got no answer is status 0 with the transport error in ``_error`` (HAR's
    convention for custom fields), so viewers still list it."""
    text, comment = _text(ex.body, redact, ex.size)
    content: dict[str, Any] = {"size": ex.size, "mimeType": ex.content_type or "x-unknown", "text": text}
    if comment or ex.truncated:
        content["comment"] = comment or "body cut at --max-body"
    response: dict[str, Any] = {
        "status": ex.status or 0, "statusText": redact(ex.reason or (ex.error or "")), "httpVersion": ex.http_version,
        "cookies": [], "headers": _headers(ex.headers, redact), "content": content,
        "redirectURL": redact(ex.header("Location") or ""), "headersSize": -1, "bodySize": ex.size,
    }
    if ex.error:
        response["_error"] = redact(ex.error)
    return response


def entry(ex: Exchange, redact: Callable[[str], str]) -> dict[str, Any]:
    """One exchange; its comment names its number in the run, its operation and the credentials
    it carried (valid, none, a probe's label, or the exchange it replays)."""
    started = datetime.fromtimestamp(ex.started or 0, tz=UTC).isoformat(timespec="milliseconds")
    ms = round((ex.elapsed_s or 0) * 1000, 3)
    comment = f"#{ex.index} {ex.operation or '-'}; credentials: {ex.auth}"
    return {"startedDateTime": started, "time": ms, "request": _request(ex, redact), "response": _response(ex, redact),
            "cache": {}, "timings": {"send": 0, "wait": ms, "receive": 0}, "comment": redact(comment)}


def build(traffic: Iterable[Exchange], redact: Callable[[str], str], version: str) -> dict[str, Any]:
    """The whole archive: one entry per request the run sent, in the order they were sent."""
    return {"log": {"version": "1.2", "creator": {"name": "conformance", "version": version},
                    "pages": [], "entries": [entry(ex, redact) for ex in sorted(traffic, key=lambda ex: ex.index)]}}
