"""The generated campaign of RM-5XX: schemathesis-generated requests, valid and invalid.

Generated data never reaches a real account's rooms: get-rooms is generated for the real user
(a read), generated import bodies go to an UNKNOWN user id (with a matching X-User-Id and the
valid token), so a correct server refuses them with 400 or 401 and the generator exercises its
parsing only. Login bodies are generated without credentials (they cannot match the account);
logout is never generated, since it would revoke the token the suite was given. A fixed list
of bodies that are no booking array at all goes to the real account's imports (nothing in them
can be imported). The documentation's example bookings (real-looking guests and phone numbers)
are never sent, even to the unknown user. With --read-only only get-rooms is generated.
"""
from __future__ import annotations

import zlib
from typing import Any

from schemathesis import GenerationMode

from conformance.checks import schemathesis_bridge as bridge
from conformance.checks.base import Context, check
from conformance.checks.roomonitor import api
from conformance.client import Exchange
from conformance.profiles import setting

# JSON that is not an array of bookings, and bytes that are not JSON: refused, never a crash.
JUNK = [b"{}", b'{"bookings": []}', b'"text"', b"42", b"null", b"true", b"{", b"[", b"\xff\xfe\x00"]


def examples(ctx: Context) -> int:
    return int(setting(ctx.options.profile, "generated"))


def roomonitor_failure(ex: Exchange, failure: Any) -> tuple[str, str] | None:
    """Map a schemathesis failure to the requirement it refutes.

    5xx, content types and unparsable JSON are judged by the observers (RM-5XX, RM-JSON) on every
    exchange, error bodies by RM-ERROR-BODY, so they are not reported twice. The catalog has no
    "listed status codes" requirement for this API, so status-code findings are dropped. What
    remains is the shape of a get-rooms listing (RM-ROOMS).
    """
    if type(failure).__name__ != "JsonSchemaError" or not ex.body:
        return None
    if ex.operation == "getRooms" and ex.status == 200:
        return "RM-ROOMS", bridge.failure_message(failure)
    return None


def _documented_examples(op: Any) -> list[Any]:
    """The request-body examples printed in openapi.yaml (copied from the vendor's docs)."""
    content = ((op.definition.raw.get("requestBody") or {}).get("content") or {})
    return [media["example"] for media in content.values() if isinstance(media, dict) and "example" in media]


def fuzz_operation(ctx: Context, operation_id: str, path_parameters: dict[str, str], mode: GenerationMode,
                   auth: str | dict[str, str]) -> None:
    op = bridge.operations(ctx, "roomonitor")[operation_id]
    strategy = op.as_strategy(generation_mode=mode, path_parameters=path_parameters) if path_parameters \
        else op.as_strategy(generation_mode=mode)

    documented = _documented_examples(op)

    def one(case: Any) -> None:
        if ctx.out_of_time():
            return
        if operation_id.startswith("importBookings") and getattr(case, "body", None) in documented:
            return  # the documentation's example guests may be real people: never sent
        ex = bridge.send_case(ctx, case, operation_id, auth=auth)
        bridge.validate(ctx, case, ex, roomonitor_failure)
        if ex.ok and operation_id.startswith("importBookings"):
            ctx.state["rm_unknown_accepted"] = ex

    run_seed = (ctx.options.seed or 0) + zlib.crc32(f"{operation_id}:{mode.value}".encode()) % 10_000
    bridge.drive(strategy, examples(ctx), run_seed, one)


@check("RM-5XX")
def generated_requests(ctx: Context) -> None:
    uid, tok = api.user_id(ctx), api.token(ctx)
    api.guard_login_tokens(ctx)  # a lenient server might answer a generated login with a token
    plan: list[tuple[str, dict[str, str], str | dict[str, str]]] = [("getRooms", {"userId": uid}, "valid")]
    if not ctx.options.read_only:
        unknown = api.unknown_id(ctx, "user")
        plan += [
            ("importBookingsV1", {"userId": unknown}, api.headers_for(unknown, tok)),
            ("importBookingsV2", {"userId": unknown}, api.headers_for(unknown, tok)),
            ("login", {}, "none"),
        ]
    for operation_id, params, auth in plan:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if ctx.out_of_time():
                return
            fuzz_operation(ctx, operation_id, params, mode, auth)
    if ctx.options.read_only:
        ctx.note("RM-5XX", "generated requests for get-rooms only: --read-only sends no POST")
        return
    for version in ("v1", "v2"):
        for body in JUNK:
            api.post_import(ctx, version, None, raw=body)
    accepted = ctx.state.get("rm_unknown_accepted")
    if accepted is not None:
        ctx.note("RM-5XX", f"a generated import for an unknown user id was accepted ({accepted.describe()}): see RM-CUSTOMER")
