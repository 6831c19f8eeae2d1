"""Authentication (RZ-AUTH-*): the same matrix of credentials on each of the four calls.

Every probe is otherwise a valid request, so that a server checking other things first still
has to answer 401. Write probes use the scratch slot; a POST wrongly accepted is released.
"""
from __future__ import annotations

import base64
import re
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
    """The calls to probe: both GETs always; POST and PUT unless --read-only or no scratch slot
    (then the GETs are still probed and a note says what was not)."""
    room = api.target_room(ctx)
    now = now_utc()
    out = [
        Call("GET /rooms", lambda auth, label: api.get_rooms(ctx, auth=auth, auth_label=label)),
        Call("GET meetings", lambda auth, label: api.get_meetings(ctx, room, fmt(now - timedelta(days=1)), fmt(now + timedelta(days=1)), auth=auth, auth_label=label)),
    ]
    if ctx.options.read_only:
        return out
    try:
        start = scratch.at(ctx, "auth")
    except Skip as skip:
        ctx.state["auth_write_note"] = f"POST and PUT were not probed: {skip}"
        return out
    body = scratch.body(scratch.subject(ctx, "auth probe"), api.organizer(ctx), start, start + timedelta(minutes=30))

    def post(auth: dict[str, str] | str, label: str) -> Exchange:
        ex = api.post_meeting(ctx, room, body, auth=auth, auth_label=label)
        if ex.ok:  # accepted (rightly with valid credentials, wrongly otherwise): release it at the end
            found, _ = api.find_meeting(ctx, room, start, start + timedelta(minutes=30))
            if found is not None:
                scratch.track(ctx, room, found.get("meetingId"), start)
                if auth != "valid":
                    scratch.evict(ctx, room, found)
        return ex

    def put(auth: dict[str, str] | str, label: str) -> Exchange:
        target = _put_target(ctx)
        if target is None:
            return api.put_meeting(ctx, room, api.unknown_id(ctx, "meeting"), body, auth=auth, auth_label=label)
        # its own current fields: even a wrongly accepted PUT changes nothing
        return api.put_meeting(ctx, room, str(target["meetingId"]), dict(target), auth=auth, auth_label=label)

    out.append(Call("POST meetings", post))
    out.append(Call("PUT meeting", put))
    return out


def _put_target(ctx: Context) -> dict | None:
    """The suite's own meeting for the PUT probes (never a meeting of the vendor's), as listed now."""
    if "auth_meeting" not in ctx.state:
        start = scratch.at(ctx, "auth") + timedelta(minutes=30)
        ex, meeting = scratch.create_tracked(ctx, "auth PUT target", start, start + timedelta(minutes=30))
        ctx.state["auth_meeting"] = meeting
        if meeting is None:
            ctx.state["auth_write_note"] = f"no meeting of the suite's own could be created ({ex.describe()}), so the PUT probes used an unknown meetingId"
    meeting = ctx.state["auth_meeting"]
    if meeting is None:
        return None
    start = scratch.at(ctx, "auth") + timedelta(minutes=30)
    current, _ = api.find_meeting(ctx, api.target_room(ctx), start, start + timedelta(minutes=30), meeting_id=meeting.get("meetingId"))
    return current or meeting


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
    elif ctx.state.get("auth_write_note"):
        ctx.note(rid, ctx.state["auth_write_note"])


def _reveals_nothing(ctx: Context, ex: Exchange, label: str) -> None:
    """A 401 must not carry data: no room or meeting value of the authenticated listings as a
    JSON value (an error text merely mentioning a word, or a list of error messages, is fine)."""
    data = ex.json_or_none()
    if data is None:
        return
    known = {str(r.get(k)) for r in ctx.state.get("rooms") or [] for k in ("roomId", "name") if r.get(k) not in (None, "")}
    known |= {str(m.get(k)) for m in ctx.state.get("wide") or [] for k in ("meetingId", "subject") if m.get(k) not in (None, "")}
    leaked = sorted({v for _, _, v in walk(data) if isinstance(v, str) and v in known and v != str(ex.status)})
    if leaked:
        what = ", ".join(repr(k) for k in leaked[:3])
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
    _expect_401(ctx, "RZ-AUTH-WRONG", "an empty password", {"Authorization": "Basic " + _b64(f"{creds.username}:")})
    swapped = (creds.password or "").swapcase()
    if swapped != creds.password:
        _expect_401(ctx, "RZ-AUTH-WRONG", "the password with its letters' case swapped", {"Authorization": "Basic " + _b64(f"{creds.username}:{swapped}")})
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


_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_ITEM = re.compile(r'(?:[^,"]|"(?:[^"\\]|\\.)*")+')   # comma-separated, commas inside quotes kept


def basic_challenge(header: str) -> tuple[bool, bool]:
    """(a Basic challenge is offered, it carries a realm) from a WWW-Authenticate value, which
    may hold several challenges (RFC 9110 §11.6.1; RFC 7617 makes realm required for Basic)."""
    basic = realm = False
    scheme = None
    for item in (i.strip() for i in _ITEM.findall(header)):
        start = re.match(rf"({_TOKEN})(?:\s+(.*))?$", item, re.S)
        if start and not re.match(rf"{_TOKEN}\s*=", item):  # "Scheme [param]" opens a challenge
            scheme, item = start.group(1).lower(), start.group(2) or ""
        if scheme == "basic":
            basic = True
            realm = realm or bool(re.match(r"realm\s*=", item, re.I))
    return basic, realm


@observer("RZ-AUTH-CHALLENGE")
def challenge_on_401(ctx: Context, ex: Exchange) -> None:
    if ex.status != 401:
        return
    value = ex.header("WWW-Authenticate") or ""
    basic, realm = basic_challenge(value)
    if basic and realm:
        ctx.exercised("RZ-AUTH-CHALLENGE")
    else:
        got = repr(value[:120]) if value else "no WWW-Authenticate header"
        why = "a Basic challenge without the realm RFC 7617 requires" if basic else got
        ctx.fail("RZ-AUTH-CHALLENGE", f"RZ-AUTH-CHALLENGE expects every 401 to carry WWW-Authenticate with a Basic challenge and its realm "
                 f"(e.g. Basic realm=\"ROOMZ\"); got {why}", ex, signature=f"challenge:{value[:40]}")
