"""RM-5XX's own requests: the schemathesis-generated campaign and every field in every wrong form.

Generated requests reach the server's real logic (the CONTRACT ruling after the second round):
get-rooms is generated for the real user, and generated import bodies go to the REAL account with
valid credentials, each made safe first (``wrongforms.ground``: the run's booking ids, the
target room, the fictional guest's e-mail domain and phone numbers; types and shapes as
generated), so a server that looks the customer or token up first still parses them. Login
bodies are generated without credentials (they cannot match the account); logout is never
generated, since it would revoke the token the suite was given. The documentation's example
bookings (real-looking guests and phone numbers) are never sent. ``wrong_forms`` adds what a
schema cannot express (``wrongforms``). Every answer is judged by the observers (RM-5XX,
RM-JSON, RM-ERROR-BODY, RM-ROOMS against the spec's schema). With --read-only only get-rooms
is generated.
"""
from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from conformance.checks.model import Recorder, check
from conformance.checks.roomonitor import api, wrongforms
from conformance.checks.roomonitor.discovery import RoomonitorDiscovery
from conformance.profiles import setting

if TYPE_CHECKING:   # schemathesis and the bridge are imported by the check that generates
    from schemathesis import APIOperation, Case, GenerationMode

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
         auth: str | dict[str, str]) -> None:
    from schemathesis import GenerationMode

    from conformance.checks import schemathesis_bridge as bridge

    op = bridge.operations(d, "roomonitor")[operation_id]
    strategy = op.as_strategy(generation_mode=mode, path_parameters=path_parameters) if path_parameters \
        else op.as_strategy(generation_mode=mode)
    documented = _documented_examples(op)

    def one(case: Case) -> None:
        if operation_id.startswith("importBookings"):
            if getattr(case, "body", None) in documented:
                return  # the documentation's example guests may be real people: never sent
            case.body = ground(d, case.body)  # type: ignore[assignment]  # same JSON, other values
        bridge.send_case(d.client, case, operation_id, auth=auth)

    run_seed = d.options.seed + zlib.crc32(f"{operation_id}:{mode.value}".encode()) % 10_000
    valid = mode == GenerationMode.POSITIVE
    count = examples(d, "generated" if valid else "invalid")
    if not bridge.has_inputs(op, path_parameters):   # nothing to vary: one request says it all
        count = 1 if valid else 0
    bridge.drive(strategy, count, run_seed, one, chunk=bridge.CHUNK if valid else bridge.NEGATIVE_CHUNK,
                 budget=bridge.pace(d))


def ground(d: RoomonitorDiscovery, body: object) -> object:
    """A generated import body with the run's ids, the target room and the fictional guest's
    contact data (``wrongforms.ground``)."""
    return wrongforms.ground(body, fresh_id=d.next_id, room=d.probe_room(), custom_room=custom_room(d),
                             phone=d.phone(), prefix=api.PHONE_PREFIX)


def custom_room(d: RoomonitorDiscovery) -> str:
    return str(d.options.custom_room_id or f"conformance-room-{d.options.seed}")


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
    from schemathesis import GenerationMode

    d.guard_login_tokens()  # a lenient server might answer a generated login with a token
    writes = () if d.options.read_only else ("POST importBookingsV1: bodies the server read",
                                             "POST importBookingsV2: bodies the server read")
    rec.plan("GET getRooms: answers", *writes)
    for item in writes:   # kept only if no answer reaches the item (by the end of the run)
        rec.unreached(item, "every import was answered 401, 403 or 404 before its body was read")
    plan: list[tuple[str, dict[str, str], str | dict[str, str]]] = [("getRooms", {"userId": d.user_id}, "valid")]
    if not d.options.read_only:
        real = api.headers_for(d.user_id, d.token)
        plan += [
            ("importBookingsV1", {"userId": d.user_id}, real),
            ("importBookingsV2", {"userId": d.user_id}, real),
            ("login", {}, "none"),
        ]
    for operation_id, params, auth in plan:
        before = d.client.count
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(d, operation_id, params, mode, auth)
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
        rec.note("generated import bodies went to the real account with the run's booking ids, the target room and "
                 "the suite's fictional guest contact data (example.com, the fictional phone numbers), so they reach "
                 "the server's booking checks; fixed bodies that are no booking array, arrays of things that are no "
                 "booking and bookings with fields of the wrong type went there too")

# the fictional address every wrong login body names: never a real account's
LOGIN_PROBE_EMAIL = "conformance.login@example.invalid"


@check("RM-5XX")
def wrong_forms(d: RoomonitorDiscovery, rec: Recorder) -> None:
    """Every field of the v1, v2 (both variants) and login bodies in every wrong form
    (``wrongforms``): each booking is the suite's own valid one with one field changed, sent to
    the real account with valid credentials, so a server that looks the customer or the token up
    first still parses every one. A lone surrogate as the password goes with the real login
    e-mail once (a server compares it only for an account that exists). Answers are judged by the
    observers: a 5xx fails RM-5XX and names the request."""
    if d.options.read_only:
        rec.note("no request with fields in wrong forms was sent: --read-only sends no POST")
        return
    before = d.client.count
    room = d.probe_room()
    custom = custom_room(d)
    templates: dict[str, tuple[str, Callable[[], dict[str, object]]]] = {
        "v1": ("v1", lambda: dict(d.v1(room, offset_days=70))),
        "v2 roomId": ("v2", lambda: dict(d.v2(room, offset_days=70))),
        "v2 customRoomId": ("v2", lambda: dict(api.v2_custom_insert(custom, d.next_id(), d.phone()))),
    }
    for version, make in templates.values():
        fields = tuple(make())
        for label, value in wrongforms.WRONG_FORMS.items():
            body = wrongforms.bookings(make, fields, label, value, d.next_id)
            api.post_import(d.client, version, d.user_id, None, raw=wrongforms.dumps(body))
        api.post_import(d.client, version, d.user_id, None, raw=wrongforms.dumps(wrongforms.extra_fields(make)))
        booking = make()
        key = "customerReference" if version == "v1" else "id" if "id" in booking else "idBooking"
        api.post_import(d.client, version, d.user_id, None,   # its id sent twice: JSON readers keep one
                        raw=wrongforms.twice(wrongforms.dumps([booking]), key, d.next_id()))
    for version in ("v1", "v2"):
        for _label, raw in wrongforms.import_bodies(version):
            api.post_import(d.client, version, d.user_id, None, raw=raw)
    d.guard_login_tokens()
    logins = list(wrongforms.login_bodies(LOGIN_PROBE_EMAIL))
    if d.options.login_email:
        logins.append(("a lone surrogate as the account's password",
                       wrongforms.dumps({"email": str(d.options.login_email), "password": "\ud800"})))
    for label, raw in logins:
        d.client.request("POST", "/login", data=raw, content_type="application/json", auth="none",
                         auth_label=f"login: {label}", operation="login")
    for label, raw in wrongforms.form_logins(LOGIN_PROBE_EMAIL):
        d.client.request("POST", "/login", data=raw, content_type="application/x-www-form-urlencoded", auth="none",
                         auth_label=f"login: {label}", operation="login")
    sent = d.client.count - before
    d.progress(f"wrong forms: {sent} request{'s' * (sent != 1)}")
    rec.note(f"{d.client.count - before} requests with every field of the v1, v2 and login bodies in every wrong form "
             "(each JSON type, null, empty, extra fields, non-ASCII text, lone surrogates, huge numbers, Unicode "
             "digits, deep nesting, long strings) went to the real account with the suite's fictional guest data")
