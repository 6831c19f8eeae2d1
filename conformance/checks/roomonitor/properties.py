"""The generated campaign of RM-5XX: schemathesis-generated requests, valid and invalid.

Generated data never reaches a real account's rooms: get-rooms is generated for the real user
(a read), generated import bodies go to an UNKNOWN user id (with a matching X-User-Id and the
valid token), so a correct server refuses them with 400 or 401 and the generator exercises its
parsing only. Every answer is judged by the observers (RM-5XX, RM-JSON, RM-ERROR-BODY,
RM-ROOMS against the spec's schema). Login bodies are generated without credentials (they cannot match the account);
logout is never generated, since it would revoke the token the suite was given. A fixed list
of bodies that are no booking array at all goes to the real account's imports (nothing in them
can be imported). The documentation's example bookings (real-looking guests and phone numbers)
are never sent, even to the unknown user. With --read-only only get-rooms is generated.
"""
from __future__ import annotations

import zlib

from schemathesis import APIOperation, Case, GenerationMode

from conformance.checks import schemathesis_bridge as bridge
from conformance.checks.model import Recorder, check
from conformance.checks.roomonitor import api
from conformance.checks.roomonitor.discovery import RoomonitorDiscovery
from conformance.client import Exchange
from conformance.profiles import setting

# JSON that is not an array of bookings, arrays of things that are not bookings, and bytes that
# are not JSON: refused, never a crash. Nothing in them can be imported.
JUNK = [b"{}", b'{"bookings": []}', b'"text"', b"42", b"null", b"true", b"{", b"[", b"\xff\xfe\x00",
        b"[1]", b'["booking"]', b"[null]", b"[[]]", b"[{}]"]


def examples(d: RoomonitorDiscovery, kind: str) -> int:
    return int(setting(d.options.profile, kind))


def _documented_examples(op: APIOperation) -> list[object]:
    """The request-body examples printed in openapi.yaml (copied from the vendor's docs)."""
    content = ((op.definition.raw.get("requestBody") or {}).get("content") or {})
    return [media["example"] for media in content.values() if isinstance(media, dict) and "example" in media]


def fuzz(d: RoomonitorDiscovery, operation_id: str, path_parameters: dict[str, str], mode: GenerationMode,
         auth: str | dict[str, str], accepted: list[Exchange]) -> None:
    op = bridge.operations(d, "roomonitor")[operation_id]
    strategy = op.as_strategy(generation_mode=mode, path_parameters=path_parameters) if path_parameters \
        else op.as_strategy(generation_mode=mode)
    documented = _documented_examples(op)

    def one(case: Case) -> None:
        if operation_id.startswith("importBookings") and getattr(case, "body", None) in documented:
            return  # the documentation's example guests may be real people: never sent
        ex = bridge.send_case(d.client, case, operation_id, auth=auth)
        if ex.ok and operation_id.startswith("importBookings"):
            accepted.append(ex)

    run_seed = d.options.seed + zlib.crc32(f"{operation_id}:{mode.value}".encode()) % 10_000
    valid = mode == GenerationMode.POSITIVE
    count = examples(d, "generated" if valid else "invalid")
    if not bridge.has_inputs(op, path_parameters):   # nothing to vary: one request says it all
        count = 1 if valid else 0
    bridge.drive(strategy, count, run_seed, one, chunk=bridge.CHUNK if valid else bridge.NEGATIVE_CHUNK,
                 budget=bridge.pace(d))


def _wrong_types(d: RoomonitorDiscovery) -> None:
    """The suite's own (fictional) bookings with fields of the wrong JSON type, to the real
    account: generated bodies go to an unknown user, so this is what reaches the booking checks
    of a server that looks the customer up first. Refused or reported failed, never a crash."""
    room = d.probe_room()
    v2: dict[str, object] = dict(d.v2(room, offset_days=56))
    v2.update(checkin="tomorrow", checkout=str(v2["checkout"]))
    v1: dict[str, object] = dict(d.v1(room, offset_days=59))
    v1.update(checkin=20270101, room=[room])
    api.post_import(d.client, "v2", d.user_id, [v2])
    api.post_import(d.client, "v1", d.user_id, [v1])


@check("RM-5XX", generated=True)
def generated_requests(d: RoomonitorDiscovery, rec: Recorder) -> None:
    d.guard_login_tokens()  # a lenient server might answer a generated login with a token
    plan: list[tuple[str, dict[str, str], str | dict[str, str]]] = [("getRooms", {"userId": d.user_id}, "valid")]
    if not d.options.read_only:
        unknown = d.unknown_id("user")
        plan += [
            ("importBookingsV1", {"userId": unknown}, api.headers_for(unknown, d.token)),
            ("importBookingsV2", {"userId": unknown}, api.headers_for(unknown, d.token)),
            ("login", {}, "none"),
        ]
    accepted: list[Exchange] = []
    for operation_id, params, auth in plan:
        before = d.client.count
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(d, operation_id, params, mode, auth, accepted)
        sent = d.client.count - before
        d.progress(f"generated: {operation_id}, {sent} request{'s' * (sent != 1)}")
    if d.options.read_only:
        rec.note("generated requests for get-rooms only: --read-only sends no POST")
        return
    for version in ("v1", "v2"):
        for body in JUNK:
            api.post_import(d.client, version, d.user_id, None, raw=body)
    _wrong_types(d)
    if examples(d, "generated") or examples(d, "invalid"):
        rec.note("generated import bodies went to an unknown user id (a real import e-mails and texts the guest), so "
                 "they exercise how the server parses a request, not how it validates bookings; that is judged by the "
                 "fixed probes of RM-IMPORT-PARTIAL; fixed bodies that are no booking array, arrays of things that are "
                 "no booking and bookings with fields of the wrong type went to the real account")
    if accepted:
        rec.note(f"a generated import for an unknown user id was accepted ({accepted[0].describe()}): see RM-CUSTOMER")
