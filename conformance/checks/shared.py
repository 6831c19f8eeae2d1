"""Pieces both APIs' checks share: the same check written once, registered per requirement."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from urllib.parse import urlsplit

from conformance.checks import tolerant
from conformance.checks.model import Discovery, Recorder, check, observer
from conformance.client import Exchange
from conformance.payloads.text import json_type


def media_type(ex: Exchange) -> str:
    return ex.content_type.split(";", 1)[0].strip().lower()


def json_problems(ex: Exchange) -> list[str]:
    """Why a body with content is not "JSON with Content-Type application/json" (empty if it is)."""
    problems = []
    if media_type(ex) != "application/json":
        problems.append(f"Content-Type {ex.content_type!r} instead of application/json"
                        if ex.content_type else "no Content-Type")
    if not ex.truncated and not ex.is_json:
        problems.append("a body that does not parse as JSON")
    return problems


MAX_WALK = 50_000   # values of one answer walked: a 10 MB answer must cost a bounded time, not seconds


def _children(pointer: str, value: object) -> Iterator[tuple[str, str | None, object]]:
    """The children of a container, lazily: a flat array of a million items costs nothing
    beyond the ones walked."""
    if isinstance(value, dict):
        return ((f"{pointer}/{str(k).replace('~', '~0').replace('/', '~1')}", str(k), v) for k, v in value.items())
    if isinstance(value, list):
        return ((f"{pointer}/{i}", None, v) for i, v in enumerate(value))
    return iter(())


def walk(value: object, *, limit: int = MAX_WALK,
         on_cut: Callable[[], None] | None = None) -> Iterator[tuple[str, str | None, object]]:
    """(JSON Pointer, key, value) for every value in a JSON document, depth first, up to
    ``limit`` values (``on_cut`` is told when there were more). A loop over a stack of
    iterators, not recursion: the depth of a hostile document is bounded by the parser, not by
    Python's stack, and nothing is built for values that are never reached."""
    stack = [_children("", value)]
    walked = 0
    while stack:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            continue
        if walked == limit:
            if on_cut is not None:
                on_cut()
            return
        walked += 1
        yield step
        stack.append(_children(step[0], step[2]))


def listed(rec: Recorder, ex: Exchange, what: str) -> tolerant.Items | None:
    """The items of a listing that must be a JSON array as the body itself: fails ``rec`` when it
    is no array at all (None) or an array wrapped in an object (the items, read tolerantly)."""
    found = tolerant.items_of(ex)
    if found.items is None:
        got = f"JSON {json_type(ex.json())}" if ex.is_json else "a body that is not JSON"
        rec.fail(f"a JSON array of {what}", f"got {got}", ex, kind="not-array")
        return None
    if found.wrapped:
        rec.fail(f"a JSON array of {what} as the body itself",
                 f"got the array wrapped in an object, under {found.wrapped!r}", ex, kind="wrapped")
    return found


def duplicates(items: Sequence[object], key: str) -> Iterator[tuple[str, int, int]]:
    """(value, first index, later index) for every repeated ``key`` among the objects of a list."""
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get(key), (str, int)):
            value = str(item[key])
            if value in seen:
                yield value, seen[value], i
            seen[value] = i


def answer_item(ex: Exchange) -> str | None:
    """The coverage item of a no-5xx requirement an answer reaches: a call's answers, and for a
    write the bodies the server read. An answer 401 or 403 (404 for a write) was given before the
    request's body was read: it covers nothing of how the server handles input."""
    if ex.status is None or ex.status in (401, 403):
        return None
    op = ex.operation or "calls outside the contract"
    if ex.method in ("POST", "PUT"):
        return None if ex.status == 404 else f"{ex.method} {op}: bodies the server read"
    return f"{ex.method} {op}: answers"


def register_no_server_error(rid: str) -> None:
    """RZ-5XX / RM-5XX: the same observer for either API."""

    @observer(rid)
    def no_server_error(rec: Recorder, ex: Exchange) -> None:
        if ex.status is None:
            return
        item = answer_item(ex)
        if item is not None:
            rec.reached(item)
        if ex.status >= 500:
            rec.fail("no 5xx for any request", f"{ex.method} {ex.path[:120]} answered {ex.status}", ex,
                     kind=f"{ex.operation}:{ex.method}:{ex.status}")
        elif ex.status not in (401, 403):   # refused before it was read: it proves nothing of how input is handled
            rec.passed()


def register_https(rid: str, why: str) -> None:
    """RZ-HTTPS / RM-HTTPS: a warning for a plain-http target (loopback included)."""

    @check(rid)
    def served_over_https(d: Discovery, rec: Recorder) -> None:
        scheme = urlsplit(d.client.base_url).scheme
        if scheme == "https":
            rec.passed()
        else:
            rec.fail("the API to be served over HTTPS",
                     f"it is served over plain {scheme}, so {why}", kind="plain-http")
