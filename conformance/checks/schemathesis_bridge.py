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
from typing import Any, Callable
from urllib.parse import urlencode

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings

from conformance.checks.model import Discovery
from conformance.client import Client, Exchange
from conformance.spec import bundled_openapi

_DROP_HEADERS = ("authorization", "x-auth-token", "x-user-id", "user-agent", "accept-encoding", "connection",
                 "x-schemathesis-testcaseid")


@functools.lru_cache(maxsize=2)
def _bundled(api: str) -> dict[str, Any]:
    return bundled_openapi(api)


def schema_for(api: str) -> Any:
    """A fresh schemathesis schema per run: a shared one carries generation state from run to
    run, and the same seed must give the same requests in any process."""
    return schemathesis.openapi.from_dict(copy.deepcopy(_bundled(api)))


class Operations:
    """operationId -> schemathesis APIOperation, built once per run."""

    def __init__(self, d: Discovery) -> None:
        self.by_id: dict[str, dict[str, Any]] = {}

    def get(self, api: str) -> dict[str, Any]:
        if api not in self.by_id:
            self.by_id[api] = {r.ok().definition.raw.get("operationId"): r.ok() for r in schema_for(api).get_all_operations()}
        return self.by_id[api]


def operations(d: Discovery, api: str) -> dict[str, Any]:
    return d.shared(Operations).get(api)


def send_case(client: Client, case: Any, operation_id: str, *, auth: str | dict[str, str] = "valid") -> Exchange:
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


def drive(strategy: Any, examples: int, run_seed: int, body: Callable[[Any], None]) -> None:
    """Feed ``examples`` generated values to ``body``; never shrink, never stop on a finding.

    Findings are recorded by the recorders, not raised, so hypothesis only generates: the run is
    bounded and reproducible from the seed.
    """
    @settings(max_examples=examples, database=None, deadline=None, derandomize=False, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @seed(run_seed)
    @given(strategy)
    def run(value: Any) -> None:
        body(value)

    run()
