"""Generated writes that reach the server's real logic (CONTRACT.md, the rulings after the second
round): schemathesis' cases for POST and PUT, moved onto what discovery settled.

A generated POST to a made-up room proves only what the server does with made-up rooms: a
server that looks the room up first answers 404 before reading a byte of the body. So each
generated case is *rebased* before it is sent (``Rebase``):

* POST goes to the target room; a valid generated date is replaced by a place of the forms
  stretch (``forms.WrongForms.place``: a one-minute meeting far ahead, checked free); a valid
  organizerId by the organizer that works; and when the server demands every Meeting field (the
  settled POST style), the fields the generated body lacks are added, except the contract's
  four, whose absence is what a case may be testing. Whatever the case made wrong stays wrong:
  that is what it probes.
* PUT goes to the suite's own meeting (the forms' PUT target), its valid dates replaced by that
  meeting's own; the meeting is put back at the end.

Every accepted write is read back (the observers judge the listing) and tracked for release, and
a wrong value it stored is named after it (``forms.stored_by``). The cases come from schemathesis
itself: its generate phase (``properties.fuzz``) and its coverage phase
(``schema.iter_coverage_cases``: each field in each wrong type, each required field missing);
the suite adds only the rebase.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import requests
from hypothesis import HealthCheck, Phase, settings
from schemathesis import Case, GenerationMode
from schemathesis.core.transport import Response
from schemathesis.generation.stateful import run_state_machine_as_test

from conformance.checks import schemathesis_bridge as bridge
from conformance.checks import tolerant
from conformance.checks.dates import fmt, parse_utc
from conformance.checks.model import Blocked
from conformance.checks.roomz import forms
from conformance.checks.roomz.discovery import RoomzDiscovery
from conformance.client import DeadlineReached, Exchange

CONTRACT_FIELDS = ("subject", "organizerId", "startDateUTC", "endDateUTC")


class Rebase:
    """Generated cases moved onto the target room and the suite's own places (one per run)."""

    def __init__(self, d: RoomzDiscovery) -> None:
        self.d = d
        self.forms = forms.wrong_forms(d)
        self.room = d.target_room            # raises Blocked: then generated writes go to made-up rooms
        self.scratch = d.scratch
        self.slot = self.forms.place()
        self.accepted: list[tuple[datetime, Exchange]] = []
        self.put_changed = False
        if self.slot is None:
            raise Blocked("the suite's place for generated writes is full")

    # -- POST -----------------------------------------------------------------------------------
    def post(self, case: Case) -> datetime | None:
        """Rebase a generated POST in place; the place it books when accepted (None: its dates
        are not the suite's, so it books nothing the suite could find)."""
        case.path_parameters = {**(case.path_parameters or {}), "roomId": self.room}
        body: dict[str, object] | None = case.body if isinstance(case.body, dict) else None   # type: ignore[assignment]
        if body is None or self.slot is None:   # (a generated body is a mutable JSON object: edited in place)
            return None
        at = self.slot
        s, d = self.scratch, self.d
        settled = s.body(s.subject("generated"), d.organizer, at, at + forms.LENGTH)
        placed = False
        for key in ("startDateUTC", "endDateUTC"):
            if parse_utc(body.get(key)) is not None:
                body[key] = settled[key]
                placed = True
        if isinstance(body.get("organizerId"), str) and body["organizerId"]:
            body["organizerId"] = settled["organizerId"]
        for key, value in settled.items():
            if key not in CONTRACT_FIELDS and key not in body:
                body[key] = value
        return at if placed else None

    def posted(self, at: datetime | None, ex: Exchange) -> None:
        if at is None or ex.status is None or 400 <= ex.status < 500:
            return   # refused: the place is free for the next case
        if ex.ok:
            self.accepted.append((at, ex))
            forms.remember(self.d, at, forms.Stored(f"the generated POST {ex.path} (RZ-5XX's campaign)", ex))
        self.slot = self.forms.place()

    # -- PUT ------------------------------------------------------------------------------------
    def put(self, case: Case) -> bool:
        """Rebase a generated PUT onto the suite's own meeting; False when there is none."""
        target = self.forms.put_target
        if target is None:
            return False
        meeting, start, end = target
        case.path_parameters = {**(case.path_parameters or {}), "roomId": self.room,
                                "meetingId": tolerant.meeting_id(meeting) or ""}
        body: dict[str, object] | None = case.body if isinstance(case.body, dict) else None   # type: ignore[assignment]
        if body is not None:
            for key, value in (("startDateUTC", start), ("endDateUTC", end)):
                if parse_utc(body.get(key)) is not None:
                    body[key] = fmt(value)
        return True

    def updated(self, ex: Exchange) -> None:
        target = self.forms.put_target
        if target is None or not ex.ok:
            return
        _, start, end = target
        self.put_changed = True
        forms.remember(self.d, start, forms.Stored(f"the generated PUT {ex.path} (RZ-5XX's campaign)", ex))
        self.d.find(self.room, start, end)   # read back: the observers judge what it stored

    # -- afterwards ------------------------------------------------------------------------------
    def finish(self) -> None:
        """Read back what the generated POSTs booked (one listing), track it for release, and put
        the PUT target back as it was."""
        if self.accepted:
            lo = min(at for at, _ in self.accepted)
            hi = max(at for at, _ in self.accepted) + forms.LENGTH
            listing = self.d.list_window(self.room, lo - timedelta(minutes=1), hi + timedelta(minutes=1))
            starts = {at for at, _ in self.accepted}
            for m in listing.meetings:
                t = tolerant.start_of(m)
                if t is not None and t.replace(microsecond=0) in starts:
                    self.scratch.track(self.room, m, t)
        target = self.forms.put_target
        if self.put_changed and target is not None:
            self.scratch.put(*target)


def rebase(d: RoomzDiscovery) -> Rebase:
    return d.shared(Rebase)


def send(d: RoomzDiscovery, operation_id: str, case: Case) -> Exchange | None:
    """Send one generated write rebased onto the target room; None when it cannot be (no room,
    no place, no meeting of the suite's): the caller sends it to a made-up room instead."""
    try:
        r = rebase(d)
    except Blocked:
        return None
    if operation_id == "createMeeting":
        at = r.post(case)
        ex = bridge.send_case(d.client, case, operation_id)
        r.posted(at, ex)
        return ex
    if not r.put(case):
        return None
    ex = bridge.send_case(d.client, case, operation_id)
    r.updated(ex)
    return ex


def coverage(d: RoomzDiscovery, operation_id: str, limit: int) -> int:
    """schemathesis' coverage phase for one write (each field in each wrong type, each required
    field missing, the example itself), rebased and sent; the number sent. Other HTTP methods on
    the path are left out: a DELETE of a room's meetings is not the suite's to send."""
    if limit <= 0:   # the quick profile: building the coverage cases alone costs seconds
        return 0
    op = bridge.operations(d, "roomz")[operation_id]
    schema = op.schema
    config = schema.config.generation_for(operation=op)
    sent = 0
    pace = bridge.pace(d)
    for case in schema.iter_coverage_cases(op, generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                           generation_config=config):
        if sent >= limit or d.out_of_time():
            break
        if case.method.upper() != op.method.upper() or case.media_type not in (None, "application/json"):
            continue
        pace.check()
        if send(d, operation_id, case) is None:
            break
        sent += 1
    return sent


def finish(d: RoomzDiscovery) -> None:
    try:
        r = rebase(d)
    except Blocked:
        return
    r.finish()


def _response(ex: Exchange) -> Response:
    """The suite's exchange as the Response schemathesis' state machine reads links from."""
    prepared = requests.Request(ex.method, ex.url, data=ex.request_body or None).prepare()
    return Response(status_code=ex.status or 0, headers={k.lower(): [v] for k, v in ex.headers.items()},
                    content=ex.body, request=prepared, elapsed=ex.elapsed_s, verify=True)


def stateful(d: RoomzDiscovery, steps: int) -> int:
    """schemathesis' stateful phase: chains of calls through the links of ``openapi.yaml`` (a room
    GET /rooms listed, the Meeting a POST created, each carried into the next call). Every call
    goes through the suite's client; writes are rebased like any generated write (``send``), so a
    PUT never reaches a meeting of the vendor's; the observers judge every answer (schemathesis'
    own checks are not run). Returns the number of calls sent."""
    if steps <= 0 or d.options.read_only:
        return 0
    pace = bridge.pace(d)
    sent = [0]
    stopped: list[BaseException] = []

    class Workflow(bridge.schema_for("roomz").as_state_machine()):  # type: ignore[misc]
        def call(self, case: Case, **kwargs: object) -> Response:
            if sent[0] >= steps or stopped:
                raise bridge.Stop
            try:
                pace.check()
            except DeadlineReached as exc:
                stopped.append(exc)
                raise bridge.Stop from None
            operation_id = case.operation.definition.raw.get("operationId")
            ex = send(d, operation_id, case) if operation_id in ("createMeeting", "updateMeeting") else None
            if ex is None:
                if operation_id in ("createMeeting", "updateMeeting"):   # no real room: a made-up one
                    case.path_parameters = {k: f"conformance-unknown-{v}"
                                            for k, v in (case.path_parameters or {}).items()}
                ex = bridge.send_case(d.client, case, operation_id)
            sent[0] += 1
            if ex.status is None:
                raise bridge.Stop
            return _response(ex)

        def validate_response(self, response: Response, case: Case, **kwargs: object) -> None:
            return None   # the observers judge every answer, each for its own requirement

    config = settings(max_examples=max(1, steps // 4), stateful_step_count=4, database=None, deadline=None,
                      derandomize=True, phases=[Phase.generate], suppress_health_check=list(HealthCheck),
                      report_multiple_bugs=False)
    try:
        run_state_machine_as_test(Workflow, settings=config)
    except bridge.Stop:
        pass
    if stopped:
        raise stopped[0]
    return sent[0]
