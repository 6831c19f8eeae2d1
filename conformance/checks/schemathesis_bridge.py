"""schemathesis, driven through the suite's own client.

schemathesis generates the requests (valid and invalid) from ``openapi.yaml``; the suite's
``Client`` sends them, so every generated request has the same timeouts, size caps, redaction
and observers as a scripted one. The answers are judged by the observers against the spec's
schemas (the same schema files schemathesis reads), once per exchange, so each requirement
records only its own findings, generated or not.
"""
from __future__ import annotations

import copy
import functools
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlencode

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, BaseSchema, Case
from schemathesis.core.result import Err

from conformance.checks.model import Discovery
from conformance.client import Client, DeadlineReached, Exchange
from conformance.spec import bundled_openapi

T = TypeVar("T")

_DROP_HEADERS = ("authorization", "x-auth-token", "x-user-id", "user-agent", "accept-encoding", "connection",
                 "x-schemathesis-testcaseid")


_EPOCH = datetime(1000, 1, 1, tzinfo=UTC)
_SPAN_S = int((datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC) - _EPOCH).total_seconds())


def _utc_instants() -> st.SearchStrategy[str]:
    return st.integers(0, _SPAN_S).map(lambda s: (_EPOCH + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ"))


def _digits(lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.integers(lo, hi).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))


def _phones() -> st.SearchStrategy[str]:
    one = _digits(6, 15).map(lambda d: "+" + d)
    return st.lists(one, min_size=1, max_size=3).flatmap(
        lambda numbers: st.sampled_from([",", ", "]).map(lambda sep: sep.join(numbers)))


# The spec's patterns, each drawn by a small strategy that means the same: a regular-expression
# engine per field made one generated import cost some 60 ms; these cost a fraction of that.
# Only generation sees them: every answer is still judged against the schemas as written.
FAST_PATTERNS: dict[str, tuple[str, Callable[[], st.SearchStrategy[str]]]] = {
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$": ("conformance-utc-date-time", _utc_instants),
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": ("conformance-date", lambda: st.dates().map(lambda d: d.isoformat())
                                     .filter(lambda t: len(t) == 10)),
    "^[0-9]{1,3}$": ("conformance-digits-1-3", lambda: _digits(1, 3)),
    "^[0-9]+$": ("conformance-digits", lambda: _digits(1, 15)),
    "^\\+[0-9]{6,15}(, ?\\+[0-9]{6,15})*$": ("conformance-phones", _phones),
    "^[A-Za-z]{2}$": ("conformance-two-letters", lambda: st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                                                                 min_size=2, max_size=2)),
}


def _fast_patterns(node: object) -> object:
    """The schema with each pattern of FAST_PATTERNS given as a format drawn by its strategy."""
    if isinstance(node, dict):
        out = {k: _fast_patterns(v) for k, v in node.items()}
        pattern = out.get("pattern")
        fast = FAST_PATTERNS.get(pattern) if isinstance(pattern, str) else None
        if fast is not None:
            del out["pattern"]
            out["format"] = fast[0]
        return out
    if isinstance(node, list):
        return [_fast_patterns(v) for v in node]
    return node


@functools.lru_cache(maxsize=2)
def _bundled(api: str) -> dict[str, object]:
    for name, strategy in FAST_PATTERNS.values():
        schemathesis.openapi.format(name, strategy())
    return {k: _fast_patterns(v) for k, v in bundled_openapi(api).items()}


def schema_for(api: str) -> BaseSchema:
    """A fresh schemathesis schema per run: a shared one carries generation state from run to
    run, and the same seed must give the same requests in any process."""
    return schemathesis.openapi.from_dict(copy.deepcopy(_bundled(api)))


class Operations:
    """operationId -> schemathesis APIOperation, built once per run."""

    def __init__(self, d: Discovery) -> None:
        self.by_id: dict[str, dict[str, APIOperation]] = {}

    def get(self, api: str) -> dict[str, APIOperation]:
        if api not in self.by_id:
            ops: dict[str, APIOperation] = {}
            for result in schema_for(api).get_all_operations():
                if isinstance(result, Err):
                    raise result.err()   # the bundled spec does not load: a bug of the suite, said as itself
                op = result.ok()
                ops[op.definition.raw.get("operationId")] = op
            self.by_id[api] = ops
        return self.by_id[api]


def operations(d: Discovery, api: str) -> dict[str, APIOperation]:
    return d.shared(Operations).get(api)


def has_inputs(op: APIOperation, fixed: dict[str, str] | None = None) -> bool:
    """Whether generation can vary anything of the operation: a body, a query or header
    parameter, or a path parameter not ``fixed`` by the suite."""
    raw = op.definition.raw
    path = str(getattr(op, "path", ""))
    free_path = [seg for seg in path.split("/") if seg.startswith("{") and seg.strip("{}") not in (fixed or {})]
    return bool(raw.get("parameters") or raw.get("requestBody") or free_path)


def send_case(client: Client, case: Case, operation_id: str, *, auth: str | dict[str, str] = "valid") -> Exchange:
    kw = case.as_transport_kwargs(base_url=client.base_url)
    headers = {k: str(v) for k, v in (kw.get("headers") or {}).items() if k.lower() not in _DROP_HEADERS}
    path = kw["url"][len(client.base_url):] if kw["url"].startswith(client.base_url) else kw["url"]
    label = "valid" if auth == "valid" else "generated"
    if "json" in kw:
        return client.request(kw["method"], path, params=kw.get("params") or None, json=kw["json"], headers=headers,
                              auth=auth, auth_label=label, operation=operation_id)
    data = kw.get("data")
    if isinstance(data, dict):  # a generated form body (application/x-www-form-urlencoded)
        data = form_bytes(data)
    return client.request(kw["method"], path, params=kw.get("params") or None, data=data, headers=headers,
                          auth=auth, auth_label=label, operation=operation_id)


def form_bytes(fields: dict[object, object]) -> bytes:
    """A generated form as the bytes sent, so every exchange keeps its body as bytes (reports,
    curl lines). Lists repeat their key; nested values are sent as their JSON text."""
    def text(value: object) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, bool) or value is None:
            return json.dumps(value)
        if isinstance(value, (int, float)):
            return str(value)
        return json.dumps(value, ensure_ascii=False)

    pairs = [(str(k), text(item)) for k, v in fields.items() for item in (v if isinstance(v, list) else [v])]
    return urlencode(pairs).encode("ascii")


CHUNK = 20          # generated values drawn per hypothesis example
NEGATIVE_CHUNK = 2  # invalid values are drawn with rejections: long lists of them cost more, not less


class Pace:
    """The run's time budget as the generated checks spend it: a list of values is drawn whole
    before any of it is sent, so a drive must stop when the next list would not be drawn in what
    is left, not once the time is gone. The slowest draw of the run so far (a drive's first
    includes hypothesis' set-up) is the measure, twice over: invalid values are drawn with
    rejections, and one list can take twice the slowest before it (measured: --max-time 2 ended
    at up to 2.08 s with a margin of 1.5, within 2 s in every run with 2)."""

    MARGIN = 2.0

    def __init__(self, d: Discovery) -> None:
        self.time_left = d.time_left
        self.slowest = 0.0

    def drew(self, seconds: float) -> None:
        self.slowest = max(self.slowest, seconds)

    def check(self) -> None:
        """Raises DeadlineReached when the next draw would overrun the budget."""
        if self.time_left() <= self.MARGIN * self.slowest:
            raise DeadlineReached("the run's time budget is spent")


def pace(d: Discovery) -> Pace:
    return d.shared(Pace)


def drive(strategy: st.SearchStrategy[T], examples: int, run_seed: int, body: Callable[[T], None], *,
          chunk: int = CHUNK, budget: Pace | None = None) -> None:
    """Feed ``examples`` generated values to ``body``; never shrink, never stop on a finding.

    Values are drawn in lists of ``chunk`` per hypothesis example: the engine's work per example
    (bookkeeping, mutation, health checks) then counts once per list, not once per value, which
    makes generation several times cheaper for the same values. Findings are recorded by the
    recorders, not raised, so hypothesis only generates: the run is bounded and reproducible
    from the seed. The ``budget`` running out (``DeadlineReached``) or an exception from
    ``body`` (a bug) stops the drive and is raised once hypothesis has returned, never replayed
    by it.
    """
    if examples <= 0:
        return
    if budget is not None:
        budget.check()
    stopped: list[BaseException] = []
    size = max(1, min(chunk, examples))
    left = [examples]
    since = [time.monotonic()]

    @settings(max_examples=-(-examples // size), database=None, deadline=None, derandomize=False,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @seed(run_seed)
    @given(st.lists(strategy, min_size=size, max_size=size))
    def run(values: list[T]) -> None:
        if stopped:
            raise Stop   # ends hypothesis' generation at once (and its replay of this example sends nothing)
        try:
            if budget is not None:
                budget.drew(time.monotonic() - since[0])
            for value in values:
                if left[0] <= 0:
                    return
                if budget is not None and budget.time_left() <= 0:
                    raise DeadlineReached("the run's time budget is spent")
                left[0] -= 1
                body(value)
            if budget is not None and left[0] > 0:
                budget.check()
        except Exception as exc:  # noqa: BLE001  (re-raised below, outside hypothesis)
            stopped.append(exc)
            raise Stop from None
        finally:
            since[0] = time.monotonic()

    try:
        run()
    except Stop:
        pass
    if stopped:
        raise stopped[0]


class Stop(BaseException):
    """Stops a drive: the time budget is spent, or the body failed. Not an Exception: hypothesis
    replays a failing example once more to report it (drawing its values again, which would run
    past the budget) but lets any other BaseException through at once."""
