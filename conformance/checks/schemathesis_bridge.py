"""schemathesis, driven through the suite's own client.

schemathesis generates the requests (valid and invalid) from ``openapi.yaml`` and validates the
responses against it; the suite's ``Client`` sends them, so every generated request has the
same timeouts, size caps, redaction and observers as a scripted one. Each schemathesis failure
is mapped to the one requirement it refutes (``map_failure``).
"""
from __future__ import annotations

import copy
import functools
import json
from typing import Any, Callable, Iterable
from urllib.parse import urlencode

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings

from conformance.checks.base import Context
from conformance.client import Exchange
from conformance.spec import bundled_openapi

CHECK_NAMES = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
               "response_headers_conformance")


@functools.lru_cache(maxsize=2)
def _bundled(api: str) -> dict[str, Any]:
    return bundled_openapi(api)


def schema_for(api: str) -> Any:
    """A fresh schemathesis schema per run: a shared one carries generation state from run to
    run, and the same seed must give the same requests in any process."""
    return schemathesis.openapi.from_dict(copy.deepcopy(_bundled(api)))


def operations(ctx: Context, api: str) -> dict[str, Any]:
    """operationId -> schemathesis APIOperation, built once per run."""
    key = f"schemathesis:{api}"
    if key not in ctx.state:
        ctx.state[key] = {r.ok().definition.raw.get("operationId"): r.ok() for r in schema_for(api).get_all_operations()}
    return ctx.state[key]


@functools.lru_cache(maxsize=1)
def _checks() -> list[Any]:
    import schemathesis.checks as sc
    return [getattr(sc, name) for name in CHECK_NAMES]


def send_case(ctx: Context, case: Any, operation_id: str, *, auth: str | dict[str, str] = "valid") -> Exchange:
    kw = case.as_transport_kwargs(base_url=ctx.client.base_url)
    headers = {k: str(v) for k, v in (kw.get("headers") or {}).items()
               if k.lower() not in ("authorization", "x-auth-token", "x-user-id", "user-agent", "accept-encoding", "connection",
                                    "x-schemathesis-testcaseid")}
    path = kw["url"][len(ctx.client.base_url):] if kw["url"].startswith(ctx.client.base_url) else kw["url"]
    if "json" in kw:
        return ctx.client.request(kw["method"], path, params=kw.get("params") or None, json=kw["json"], headers=headers,
                                  auth=auth, auth_label="valid" if auth == "valid" else "generated", operation=operation_id)
    data = kw.get("data")
    if isinstance(data, dict):  # a generated form body (application/x-www-form-urlencoded)
        data = form_bytes(data)
    return ctx.client.request(kw["method"], path, params=kw.get("params") or None, data=data, headers=headers,
                              auth=auth, auth_label="valid" if auth == "valid" else "generated", operation=operation_id)


def form_bytes(fields: dict[Any, Any]) -> bytes:
    """A generated form as the bytes sent, so every exchange keeps its body as bytes (reports,
    curl lines). Lists repeat their key; nested values are sent as their JSON text."""
    def text(value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, bool) or value is None:
            return json.dumps(value)
        if isinstance(value, (int, float)):
            return str(value)
        return json.dumps(value, ensure_ascii=False)

    pairs = [(str(k), text(item)) for k, v in fields.items() for item in (v if isinstance(v, list) else [v])]
    return urlencode(pairs).encode("ascii")


def as_response(ex: Exchange) -> schemathesis.Response:
    """The exchange as schemathesis' own Response type (public ``schemathesis.Response``)."""
    request = requests.Request(ex.method, ex.url, headers=ex.request_headers, data=ex.request_body).prepare()
    return schemathesis.Response(
        status_code=ex.status or 0,
        headers={k.lower(): [v] for k, v in ex.headers.items()},
        content=ex.body,
        request=request,
        elapsed=ex.elapsed_s,
        message="",
        encoding="utf-8",
        http_version="1.1",
        verify=True,
    )


def validate(ctx: Context, case: Any, ex: Exchange, mapper: Callable[[Exchange, Any], tuple[str, str] | None]) -> None:
    """Run schemathesis' response checks on ``ex`` and record each failure under its requirement."""
    if ex.status is None or ex.truncated:
        return
    try:
        case.validate_response(as_response(ex), checks=_checks())
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a FailureGroup (a BaseExceptionGroup) of schemathesis Failures
        failures = list(getattr(exc, "exceptions", [exc]))
        if not all(isinstance(f, AssertionError) for f in failures):
            ctx.note(ctx.current or "RZ-5XX", f"schemathesis could not validate a response: {type(exc).__name__}")
            return
        for failure in failures:
            mapped = mapper(ex, failure)
            if mapped is None:
                continue
            rid, message = mapped
            title = getattr(failure, "title", type(failure).__name__)
            ctx.fail(rid, f"{rid} (schemathesis: {title}): {message}", ex, signature=f"st:{type(failure).__name__}:{ex.operation}:{message[:80]}")


def drive(strategy: Any, examples: int, run_seed: int, body: Callable[[Any], None]) -> None:
    """Feed ``examples`` generated values to ``body``; never shrink, never stop on a finding.

    Findings are recorded in the ledger, not raised, so hypothesis only generates: the run is
    bounded and reproducible from the seed.
    """
    @settings(max_examples=examples, database=None, deadline=None, derandomize=False, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @seed(run_seed)
    @given(strategy)
    def run(value: Any) -> None:
        body(value)

    run()


def schema_failure_kind(failure: Any) -> str:
    """null / date / shape, the same sorting as ``spec.shape_problems``."""
    instance = getattr(failure, "instance", object())
    if instance is None:
        return "null"
    path = list(getattr(failure, "schema_path", []) or [])
    if path and path[-1] in ("pattern", "format") and isinstance(instance, str):
        return "date"
    return "shape"


def failure_message(failure: Any) -> str:
    text = getattr(failure, "message", "") or str(failure)
    return " ".join(str(text).split())[:400]


__all__: Iterable[str] = ["schema_for", "operations", "send_case", "validate", "drive", "schema_failure_kind", "failure_message"]
