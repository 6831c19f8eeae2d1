"""Authentication (RZ-AUTH-*): the same matrix of credentials on each of the four calls.

Every probe is otherwise a valid request, so that a server checking other things first still
has to answer 401. Write probes use the scratch slot; a POST wrongly accepted is released.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from conformance.checks.base import Context, Skip, check, observer
from conformance.checks.dates import fmt, now_utc
from conformance.checks.roomz import api, scratch
from conformance.checks.shared import walk
from conformance.client import Exchange


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


@dataclass
class Call:
    label: str
    send: Callable[[dict[str, str] | str, str], Exchange]


def calls(ctx: Context) -> list[Call]:
    """The calls to probe: both GETs always, POST and PUT unless --read-only."""
    room = api.target_room(ctx)
    now = now_utc()
    out = [
        Call("GET /rooms", lambda auth, label: api.get_rooms(ctx, auth=auth, auth_label=label)),
        Call("GET meetings", lambda auth, label: api.get_meetings(ctx, room, fmt(now - timedelta(days=1)), fmt(now + timedelta(days=1)), auth=auth, auth_label=label)),
    ]
    if ctx.options.read_only:
        return out
    start = scratch.slot(ctx) + timedelta(hours=6)
    body = scratch.body(scratch.subject(ctx, "auth probe"), api.organizer(ctx), start, start + timedelta(minutes=30))

    def post(auth: dict[str, str] | str, label: str) -> Exchange:
        ex = api.post_meeting(ctx, room, body, auth=auth, auth_label=label)
        if ex.ok:  # wrongly accepted: release it at the end
            found, _ = api.find_meeting(ctx, room, start, start + timedelta(minutes=30))
            if found is not None:
                scratch.track(ctx, room, found.get("meetingId"), start)
        return ex

    target = ctx.state.get("a") or next(iter(api.wide_listing(ctx)), None)
    if target is not None and target.get("meetingId") is not None:
        put_body = dict(target)  # unchanged fields: even a wrongly accepted PUT changes nothing
        put_id = str(target["meetingId"])
    else:
        put_body, put_id = body, api.unknown_id(ctx, "meeting")
        ctx.state["auth_put_note"] = "no meeting was available, so the PUT probes used an unknown meetingId"
    out.append(Call("POST meetings", post))
    out.append(Call("PUT meeting", lambda auth, label: api.put_meeting(ctx, room, put_id, put_body, auth=auth, auth_label=label)))
    return out


def _expect_401(ctx: Context, rid: str, probe: str, headers: dict[str, str] | str) -> None:
    for call in calls(ctx):
        ex = call.send(headers, probe)
        if ex.status == 401:
            ctx.exercised(rid)
        else:
            ctx.fail(rid, f"{rid} expects 401 for {call.label} with {probe}; the server answered {ex.describe()}", ex, signature=f"{call.label}:{probe}")
        if rid == "RZ-AUTH-MISSING" and ex.status == 401:
            _reveals_nothing(ctx, ex, call.label)
    if ctx.options.read_only:
        ctx.note(rid, "verified on the two GET calls only: --read-only sends no POST or PUT")


def _reveals_nothing(ctx: Context, ex: Exchange, label: str) -> None:
    """A 401 must not carry data: no list of items, and no room or meeting value of the
    authenticated listings as a JSON value (an error text merely mentioning a word is fine)."""
    data = ex.json_or_none()
    if data is None:
        return
    known = {str(r.get(k)) for r in ctx.state.get("rooms") or [] for k in ("roomId", "name") if r.get(k) not in (None, "")}
    known |= {str(m.get(k)) for m in ctx.state.get("wide") or [] for k in ("meetingId", "subject") if m.get(k) not in (None, "")}
    leaked = sorted({v for _, _, v in walk(data) if isinstance(v, str) and v in known and v != str(ex.status)})
    if leaked or (isinstance(data, list) and data):
        what = ", ".join(repr(k) for k in leaked[:3]) if leaked else "a non-empty list"
        ctx.fail("RZ-AUTH-MISSING", f"RZ-AUTH-MISSING expects a 401 without data, but the answer to {label} reveals {what}", ex)


@check("RZ-AUTH-MISSING")
def no_credentials(ctx: Context) -> None:
    api.rooms(ctx)
    api.wide_listing(ctx)
    _expect_401(ctx, "RZ-AUTH-MISSING", "no Authorization header", "none")


@check("RZ-AUTH-WRONG")
def wrong_credentials(ctx: Context) -> None:
    creds = ctx.client.credentials
    if creds.username is None:
        raise Skip("no ROOMZ username was given, so a wrong password cannot be formed")
    _expect_401(ctx, "RZ-AUTH-WRONG", "a wrong password", {"Authorization": "Basic " + _b64(f"{creds.username}:conformance-wrong-password")})
    _expect_401(ctx, "RZ-AUTH-WRONG", "an unknown user name", {"Authorization": "Basic " + _b64("conformance-unknown-user:conformance-wrong-password")})


MALFORMED = {
    "a Bearer token": "Bearer conformance-not-a-basic-credential",
    "invalid base64": "Basic !!!not-base64!!!",
    "credentials without a colon": "Basic " + _b64("conformance-no-colon"),
    "empty Basic credentials": "Basic ",
    "an empty user and password": "Basic " + _b64(":"),
}


@check("RZ-AUTH-MALFORMED")
def malformed_credentials(ctx: Context) -> None:
    for label, value in MALFORMED.items():
        _expect_401(ctx, "RZ-AUTH-MALFORMED", label, {"Authorization": value})


@check("RZ-AUTH-VALID")
def valid_credentials_everywhere(ctx: Context) -> None:
    """The observer below judges every request sent with valid credentials; this makes sure
    each of the calls was made at least once."""
    for call in calls(ctx):
        call.send("valid", "valid")
    if ctx.options.read_only:
        ctx.note("RZ-AUTH-VALID", "verified on the two GET calls only: --read-only sends no POST or PUT")


@observer("RZ-AUTH-VALID")
def valid_is_never_refused(ctx: Context, ex: Exchange) -> None:
    if ex.auth != "valid" or ex.operation is None or ex.status is None:
        return
    if ex.status in (401, 403):
        ctx.fail("RZ-AUTH-VALID", f"RZ-AUTH-VALID expects valid credentials to be accepted; {ex.method} answered {ex.status}", ex,
                 signature=f"{ex.operation}:{ex.status}")
    else:
        ctx.exercised("RZ-AUTH-VALID")


@observer("RZ-AUTH-CHALLENGE")
def challenge_on_401(ctx: Context, ex: Exchange) -> None:
    if ex.status != 401:
        return
    value = ex.header("WWW-Authenticate") or ""
    if "basic" in value.lower():
        ctx.exercised("RZ-AUTH-CHALLENGE")
    else:
        got = repr(value) if value else "no WWW-Authenticate header"
        ctx.fail("RZ-AUTH-CHALLENGE", f"RZ-AUTH-CHALLENGE expects every 401 to carry WWW-Authenticate with the Basic scheme; got {got}", ex,
                 signature=f"challenge:{value[:40]}")
