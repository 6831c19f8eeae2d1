"""What a Roomonitor run learns before it can judge: typed, memoised, tolerant.

The account's rooms come from get-rooms (read tolerantly: a wrapped list still yields its rooms,
and RM-ROOMS fails on its own); ``--room-id`` is used even when the listing is broken. Checks that
need no room (authentication, unknown customers, empty imports) never wait for one: they book a
fictional room, which a correct server refuses for other reasons first.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from conformance.checks import tolerant
from conformance.checks.model import Blocked, Discovery, memo
from conformance.checks.roomonitor import api
from conformance.client import Client, Exchange

if TYPE_CHECKING:
    from conformance.options import RunOptions

PLACEHOLDER_ROOM = "conformance-room"


def blocker(ex: Exchange, own: str) -> str:
    if ex.status == 401:
        return "RM-AUTH-WRONG"
    if ex.status is not None and ex.status >= 500:
        return "RM-5XX"
    return own


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out or "0"


def login_token_expr(base_url: str) -> str:
    """Shell text (inside double quotes) that logs in with the exported login credentials and
    yields the token the login answers."""
    import shlex

    body = '{\\"email\\": \\"$ROOMONITOR_LOGIN_EMAIL\\", \\"password\\": \\"$ROOMONITOR_LOGIN_PASSWORD\\"}'
    pick = "'import json, sys; print(json.load(sys.stdin)[\"data\"][\"authToken\"])'"
    return (f"$(curl -s -X POST {shlex.quote(base_url + '/login')} -H 'Content-Type: application/json' "
            f'--data-binary "{body}" | python3 -c {pick})')


class RoomonitorDiscovery(Discovery):
    def __init__(self, client: Client, options: RunOptions, notes: Callable[[str], None]) -> None:
        super().__init__(client, options, notes)
        self.user_id = str(options.user_id or "")
        self.token = str(options.auth_token or "")
        self._ids = 0
        self._ids_lock = threading.Lock()
        # the stamp (the run's start second, base 36) keeps two runs with the same seed from sending
        # the same booking ids to a real server, where a repeated id would be an update
        self.stamp = _base36(int(time.time()))
        self._guarded = False

    # -- rooms ---------------------------------------------------------------------------------
    @memo
    def rooms_answer(self) -> Exchange:
        return api.get_rooms(self.client, self.user_id)

    @memo
    def rooms(self) -> list[str]:
        ex = self.rooms_answer
        if ex.status == 400 and api.message_of(ex) == api.NO_ROOMS:
            raise Blocked(f"the account has no rooms (get-rooms answered 400 {api.NO_ROOMS!r})",
                          hint="pass --room-id with a room of the account")
        found = tolerant.items_of(ex) if ex.status == 200 else tolerant.Items(None)
        if found.items is None:
            raise Blocked(tolerant.why_no_list(ex), by=blocker(ex, "RM-ROOMS"), hint="pass --room-id to judge the rest")
        ids = [i for i in (tolerant.text(tolerant.get(r, "_id", "id", "roomId")) for r in found.items) if i]
        if found.wrapped and ids:
            self.say(f"get-rooms: {found.how}; the suite read {len(ids)} room id(s) from it anyway (see RM-ROOMS)")
        if not ids:
            raise Blocked("get-rooms lists no room the suite can read", by="RM-ROOMS" if found.items else None,
                          hint="pass --room-id to judge the rest")
        return ids

    @memo
    def target_room(self) -> str:
        """The room the suite books: --room-id, else the first listed."""
        if self.options.room_id:
            return str(self.options.room_id)
        return self.rooms[0]

    def ordinary_reads(self) -> None:
        self.shared(BasicTraffic)

    def probe_room(self) -> str:
        """The target room, or a fictional one when none is known (for probes a correct server
        refuses before it looks at the bookings)."""
        try:
            return self.target_room
        except Blocked:
            return PLACEHOLDER_ROOM

    def foreign_room(self) -> str:
        """A room id the account does not own."""
        try:
            owned = set(self.rooms)
        except Blocked:
            owned = set()
        while True:
            candidate = self.unknown_id("room")
            if candidate not in owned:
                return candidate

    # -- bookings --------------------------------------------------------------------------------
    def next_id(self) -> str:
        """``conformance-<seed>-<stamp>-<n>``: unique per run, recognisable, never a real id."""
        with self._ids_lock:
            self._ids += 1
            return f"{self.run_prefix}{self._ids}"

    @property
    def run_prefix(self) -> str:
        return f"conformance-{self.options.seed}-{self.stamp}-"

    def phone(self) -> str:
        """The national number of the next guest (without the country code), cycling the four."""
        return api.PHONE_NUMBERS[self._ids % len(api.PHONE_NUMBERS)]

    def v1(self, room: str, *, offset_days: int = 0) -> dict[str, str]:
        return api.v1_booking(self.next_id(), room, self.phone(), offset_days=offset_days)

    def v2(self, room: str, *, offset_days: int = 0, nights: int = 2) -> api.V2Booking:
        return api.v2_booking(self.next_id(), room, self.phone(), offset_days=offset_days, nights=nights)

    # -- secrets -------------------------------------------------------------------------------
    def remember_secret(self, value: str) -> None:
        """Mask a secret in every output, in every form it takes in a request body."""
        for form in (value, json.dumps(value, ensure_ascii=False)[1:-1], urlencode({"x": value})[2:]):
            self.client.redactor.add(form)
        # a reproduce line holding a token of the suite's own login logs in for a token of its own, so it
        # runs as it stands (never "X-Auth-Token: [REDACTED]")
        self.client.protect(value, login_token_expr(self.client.base_url))

    def guard_login_tokens(self) -> None:
        """Mask every token a login answers before any observer can quote the answer in a finding
        (observers judge an exchange as soon as it arrives, before the check reads the token)."""
        with self._memo_lock:
            if self._guarded:
                return
            self._guarded = True

        def guard(ex: Exchange) -> None:
            if ex.operation == "login" and ex.ok:
                pair = api.login_pair(ex.json_or_none())
                if pair is not None:
                    self.remember_secret(pair[1])

        self.client.observers.insert(0, guard)


class BasicTraffic:
    """The run's ordinary reads (``Discovery.ordinary_reads``): a listing, and a refusal without
    credentials."""

    def __init__(self, d: RoomonitorDiscovery) -> None:
        d.rooms_answer
        api.get_rooms(d.client, d.user_id, auth="none", auth_label="probe: neither X-User-Id nor X-Auth-Token")
