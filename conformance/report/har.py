"""``traffic.har``: every exchange of the run as HAR 1.2, readable by standard HAR viewers.

Bodies are bounded, credentials redacted the same way as everywhere (headers that carry
credentials are masked whole; every secret the run knows is masked in any other text).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl, urlsplit

MAX_HAR_BODY = 64 * 1024
_SECRET_HEADERS = {"authorization", "x-auth-token", "proxy-authorization", "cookie", "set-cookie"}


def _headers(headers: dict[str, str], redact: Callable[[str], str]) -> list[dict[str, str]]:
    return [{"name": k, "value": "[REDACTED]" if k.lower() in _SECRET_HEADERS else redact(str(v))} for k, v in headers.items()]


def _text(body: bytes | None, redact: Callable[[str], str]) -> tuple[str, str]:
    """(text, comment): the body as redacted text, bounded."""
    if not body:
        return "", ""
    comment = ""
    if len(body) > MAX_HAR_BODY:
        body, comment = body[:MAX_HAR_BODY], f"body cut at {MAX_HAR_BODY} bytes"
    return redact(body.decode("utf-8", "replace")), comment


def entry(ex: Any, redact: Callable[[str], str]) -> dict[str, Any]:
    started = datetime.fromtimestamp(ex.started or 0, tz=timezone.utc).isoformat(timespec="milliseconds")
    url = redact(ex.url)
    req_text, req_comment = _text(ex.request_body, redact)
    request: dict[str, Any] = {
        "method": ex.method, "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
        "headers": _headers(ex.request_headers, redact),
        "queryString": [{"name": redact(k), "value": redact(v)} for k, v in parse_qsl(urlsplit(ex.url).query, keep_blank_values=True)],
        "headersSize": -1, "bodySize": len(ex.request_body or b""),
    }
    if ex.request_body is not None:
        ctype = next((v for k, v in ex.request_headers.items() if k.lower() == "content-type"), "application/octet-stream")
        request["postData"] = {"mimeType": ctype, "text": req_text}
        if req_comment:
            request["postData"]["comment"] = req_comment
    body_text, body_comment = _text(ex.body, redact)
    content: dict[str, Any] = {"size": len(ex.body or b""), "mimeType": ex.content_type or "x-unknown", "text": body_text}
    if body_comment or ex.truncated:
        content["comment"] = body_comment or "body cut at --max-body"
    response: dict[str, Any] = {
        "status": ex.status or 0, "statusText": redact(ex.reason or (ex.error or "")), "httpVersion": ex.http_version,
        "cookies": [], "headers": _headers(ex.headers, redact), "content": content,
        "redirectURL": redact(ex.header("Location") or ""), "headersSize": -1, "bodySize": len(ex.body or b""),
    }
    if ex.error:
        response["_error"] = redact(ex.error)
    ms = round((ex.elapsed_s or 0) * 1000, 3)
    comment = f"#{ex.index} {ex.operation or '-'}; credentials: {ex.auth}"
    return {"startedDateTime": started, "time": ms, "request": request, "response": response, "cache": {},
            "timings": {"send": 0, "wait": ms, "receive": 0}, "comment": redact(comment)}


def build(traffic: Iterable[Any], redact: Callable[[str], str], version: str) -> dict[str, Any]:
    return {"log": {"version": "1.2", "creator": {"name": "conformance", "version": version},
                    "pages": [], "entries": [entry(ex, redact) for ex in traffic]}}
