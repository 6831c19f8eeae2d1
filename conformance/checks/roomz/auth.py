"""Authentication (RZ-AUTH-*): the same matrix of credentials on each of the four calls.

Authentication needs no successful listing: GET /rooms is always probed, GET meetings with the
target room (a made-up one when none could be discovered, where a 404 proves nothing), and the
writes in the scratch stretch (an unknown room when there is none). Every probe is otherwise a
valid request, so a server checking other things first still has to answer 401. A POST wrongly
accepted is released.

Probe credentials are independent of the configured ones, or derived from them and then shown
as shell expressions of the placeholder (``${ROOMZ_PASSWORD%?}``): no configured secret, nor any
value computed from one, appears in any output.
"""
from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from conformance.checks.dates import now_utc
from conformance.checks.model import Blocked, Recorder, check, memo, observer
from conformance.checks.roomz import api
from conformance.checks.roomz.discovery import RoomzDiscovery
from conformance.checks.roomz.scratch import far_start
from conformance.checks.shared import walk
from conformance.client import Exchange

Auth = dict[str, str] | str
WRONG_PASSWORD = "conformance-wrong-password"
UNKNOWN_USER = "conformance-unknown-user"
_SWAP = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + _b64(f"{user}:{password}")}


@dataclass(frozen=True)
class Call:
    label: str
    send: Callable[[Auth, str], Exchange]
    made_up: bool = False     # names a made-up room or meeting: a 404 proves nothing about auth


class AuthTargets:
    """The calls every auth requirement probes, built once per run."""

    def __init__(self, d: RoomzDiscovery) -> None:
        self.d = d
        self.notes: list[str] = []
        self._memo_lock = d._memo_lock

    @memo
    def calls(self) -> list[Call]:
        d = self.d
        room, known = d.probe_room()
        now = now_utc()
        out = [
            Call("GET /rooms", lambda auth, label: api.get_rooms(d.client, auth=auth, auth_label=label)),
            Call("GET meetings", lambda auth, label: api.get_meetings(d.client, room, now - timedelta(days=1),
                                                                        now + timedelta(days=1), auth=auth,
                                                                        auth_label=label), made_up=not known),
        ]
        if not known:
            self.notes.append(f"no room could be discovered, so GET meetings was probed with the made-up room {room!r}")
        if d.options.read_only:
            self.notes.append("verified on the two GET calls only: --read-only sends no POST or PUT")
            return out
        return out + self._writes()

    def _writes(self) -> list[Call]:
        d = self.d
        try:
            s = d.scratch
            start = s.at("auth")
            room = d.target_room
            subject = s.subject("auth probe")
            body = s.body(subject, d.organizer, start, start + timedelta(minutes=30))
        except Blocked as blocked:
            self.notes.append(f"POST and PUT were probed on a made-up room: {blocked}")
            room = d.made_up_room
            start = far_start()
            body = api.contract_body("conformance auth probe", "conformance", start, start + timedelta(minutes=30))
            meeting = d.unknown_id("meeting")
            return [
                Call(
                    "POST meetings",
                    lambda auth, label: api.post_meeting(d.client, room, body, auth=auth, auth_label=label),
                    made_up=True,
                ),
                Call(
                    "PUT meeting",
                    lambda auth, label: api.put_meeting(d.client, room, meeting, body, auth=auth, auth_label=label),
                    made_up=True,
                ),
            ]

        def post(auth: Auth, label: str) -> Exchange:
            ex = api.post_meeting(d.client, room, body, auth=auth, auth_label=label)
            if ex.ok:   # accepted (rightly with valid credentials, wrongly otherwise): released at the end
                found, _ = d.find(room, start, start + timedelta(minutes=30), subject=subject)
                if found is not None:
                    s.track(room, found, start)
                    if auth != "valid":
                        s.evict(room, found)
            return ex

        target = self._put_target()

        def put(auth: Auth, label: str) -> Exchange:
            if target is None:
                return api.put_meeting(d.client, room, d.unknown_id("meeting"), body, auth=auth, auth_label=label)
            # the meeting's own current fields: even a wrongly accepted PUT changes nothing
            return api.put_meeting(d.client, room, str(target.get("meetingId")), dict(target),
                                   auth=auth, auth_label=label)

        return [Call("POST meetings", post), Call("PUT meeting", put, made_up=target is None)]

    def _put_target(self) -> dict[str, object] | None:
        """The suite's own meeting for the PUT probes (never a meeting of the vendor's)."""
        s = self.d.scratch
        start = s.at("auth") + timedelta(minutes=30)
        ex, meeting = s.create("auth PUT target", start, start + timedelta(minutes=30))
        if meeting is None:
            self.notes.append(f"no meeting of the suite's own could be created ({ex.describe()}), so the PUT probes "
                              "used an unknown meetingId")
        return meeting

    def expect_401(self, rec: Recorder, probe: str, headers: Auth,
                   also: Callable[[Exchange, Call], None] | None = None) -> None:
        for call in self.calls:
            ex = call.send(headers, f"probe: {probe}")
            if ex.status is None:
                continue   # no answer: the engine reports it if nothing else could judge
            if ex.status == 401:
                rec.passed()
                if also is not None:
                    also(ex, call)
            elif ex.status == 404 and call.made_up:
                rec.note(f"{call.label} with {probe} answered 404 on a made-up room or meeting, which proves nothing "
                         "about authentication")
            else:
                rec.fail(f"401 for {call.label} with {probe}", f"the server answered {ex.describe()}", ex,
                         kind=f"{call.label}:{probe}")
        for note in self.notes:
            rec.note(note)


def targets(d: RoomzDiscovery) -> AuthTargets:
    return d.shared(AuthTargets)


@check("RZ-AUTH-MISSING")
def no_credentials(d: RoomzDiscovery, rec: Recorder) -> None:
    known = d.known_values()

    def reveals_nothing(ex: Exchange, call: Call) -> None:
        """A 401 must not carry data: no room or meeting value of the authenticated listings as a
        JSON value (an error text merely mentioning a word, or a list of error messages, is fine)."""
        data = ex.json_or_none()
        if data is None:
            return
        leaked = sorted({v for _, _, v in walk(data) if isinstance(v, str) and v in known and v != str(ex.status)})
        if leaked:
            rec.fail("a 401 without data", f"the answer to {call.label} reveals "
                                           f"{', '.join(repr(k) for k in leaked[:3])}",
                     ex, kind=f"leak:{call.label}")

    targets(d).expect_401(rec, "no Authorization header", "none", reveals_nothing)


@check("RZ-AUTH-WRONG")
def wrong_credentials(d: RoomzDiscovery, rec: Recorder) -> None:
    user, password = d.options.username, d.options.password
    if not user or password is None:
        raise Blocked("no ROOMZ username was given, so a wrong password cannot be formed")
    t = targets(d)
    t.expect_401(rec, "a wrong password", basic(user, WRONG_PASSWORD))
    t.expect_401(rec, "an empty password", basic(user, ""))
    for label, value, expr in derived_passwords(password):
        d.client.protect(value, expr)
        d.client.protect_basic(user, value)
        t.expect_401(rec, label, basic(user, value))
    t.expect_401(rec, "an unknown user name", basic(UNKNOWN_USER, WRONG_PASSWORD))
    # the right password under an unknown user name: a server checking the password alone lets it in
    d.client.protect_basic(UNKNOWN_USER, password)
    t.expect_401(rec, "an unknown user name with the right password", basic(UNKNOWN_USER, password))


def derived_passwords(password: str) -> list[tuple[str, str, str]]:
    """Wrong passwords a careless comparison accepts, each with the shell expression that forms
    it from $ROOMZ_PASSWORD (so reproduce lines never show it)."""
    out = []
    swapped = password.translate(_SWAP)
    if swapped != password:
        out.append(("the password with its letters' case swapped", swapped,
                    '$(printf %s "$ROOMZ_PASSWORD" | tr a-zA-Z A-Za-z)'))
    if len(password) >= 2:
        out.append(("the password without its last character", password[:-1], "${ROOMZ_PASSWORD%?}"))
    out.append(("the password with a character appended", password + "x", "${ROOMZ_PASSWORD}x"))
    return out


MALFORMED = {
    "a Bearer token": "Bearer conformance-not-a-basic-credential",
    "invalid base64": "Basic !!!not-base64!!!",
    "credentials without a colon": "Basic " + _b64("conformance-no-colon"),
    "empty Basic credentials": "Basic ",
    "an empty user and password": "Basic " + _b64(":"),
}


@check("RZ-AUTH-MALFORMED")
def malformed_credentials(d: RoomzDiscovery, rec: Recorder) -> None:
    t = targets(d)
    for label, value in MALFORMED.items():
        t.expect_401(rec, label, {"Authorization": value})
    user, password = d.options.username, d.options.password
    if user and password is not None:
        # the valid token under another scheme: a server that reads whatever follows the first space
        # accepts it; no other probe can tell (the fixed ones are refused by any credential check)
        token = _b64(f"{user}:{password}")
        d.client.protect(token, '$(printf %s "$ROOMZ_USERNAME:$ROOMZ_PASSWORD" | base64 | tr -d "\\n")')
        t.expect_401(rec, "the valid credentials under the Bearer scheme", {"Authorization": f"Bearer {token}"})


@check("RZ-AUTH-VALID")
def valid_credentials_everywhere(d: RoomzDiscovery, rec: Recorder) -> None:
    """The observer below judges every request sent with valid credentials; this makes sure
    each of the calls was made at least once."""
    t = targets(d)
    for call in t.calls:
        call.send("valid", "valid")
    for note in t.notes:
        rec.note(note)


@observer("RZ-AUTH-VALID")
def valid_is_never_refused(rec: Recorder, ex: Exchange) -> None:
    if ex.auth != "valid" or ex.operation is None or ex.status is None:
        return
    if ex.status in (401, 403):
        rec.fail("valid credentials to be accepted", f"{ex.method} {ex.path[:80]} answered {ex.status}", ex,
                 kind=f"{ex.operation}:{ex.status}")
    else:
        rec.passed()


_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_ITEM = re.compile(r'(?:[^,"]|"(?:[^"\\]|\\.)*")+')   # comma-separated, commas inside quotes kept


def basic_challenge(header: str) -> tuple[bool, bool]:
    """(a Basic challenge is offered, it carries a realm) from a WWW-Authenticate value, which
    may hold several challenges (RFC 9110 §11.6.1; RFC 7617 makes realm required for Basic)."""
    has_basic = realm = False
    scheme = None
    for item in (i.strip() for i in _ITEM.findall(header)):
        start = re.match(rf"({_TOKEN})(?:\s+(.*))?$", item, re.S)
        if start and not re.match(rf"{_TOKEN}\s*=", item):  # "Scheme [param]" opens a challenge
            scheme, item = start.group(1).lower(), start.group(2) or ""
        if scheme == "basic":
            has_basic = True
            realm = realm or bool(re.match(r"realm\s*=", item, re.I))
    return has_basic, realm


@observer("RZ-AUTH-CHALLENGE", unseen="no call of the run was answered 401, so no challenge could be judged",
          needs=("RZ-AUTH-MISSING", "RZ-AUTH-WRONG", "RZ-AUTH-MALFORMED"))
def challenge_on_401(rec: Recorder, ex: Exchange) -> None:
    if ex.status != 401:
        return
    value = ex.header("WWW-Authenticate") or ""
    has_basic, realm = basic_challenge(value)
    if has_basic and realm:
        rec.passed()
    else:
        got = repr(value[:120]) if value else "no WWW-Authenticate header"
        why = "a Basic challenge without the realm RFC 7617 requires" if has_basic else got
        rec.fail('every 401 to carry WWW-Authenticate with a Basic challenge and its realm (e.g. Basic realm="ROOMZ")',
                 f"got {why}", ex, kind=f"challenge:{value[:40]}")
