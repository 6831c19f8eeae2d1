"""The input side of ROOMZ (issue 18): what a lenient date parser reads, every field of a write in
every wrong form, and the read back that names the request which stored a wrong value. Real HTTP
against the reference server with the faults of each kind; the generic fault tests
(tests/test_roomz_run.py) show each fault fails exactly its requirement and the clean server
passes, these show what the findings say."""
from __future__ import annotations

import re
from datetime import timedelta

from conformance.checks.roomz.scratch import RELEASED_MINUTES
from conformance.reference_server.faults import Fault
from tests.helpers import run_engine

RULING = ("`1`", "`0`", "a word and a year", "a US date (MM/DD/YYYY)", "a month name (Mon D YYYY)", "February 30",
          "hour 24", "a local time (no Z, no offset)")


def test_a_lenient_window_parser_is_caught_on_every_form_of_the_ruling() -> None:
    result = run_engine("roomz", faults=["date-parser-window"], only=("RZ-MEETINGS-BADDATE",))
    kinds = {f.kind for f in result.outcome("RZ-MEETINGS-BADDATE").findings}
    for which in ("from", "to"):
        for label in RULING:
            assert f"{which}:{label}" in kinds, (which, label, kinds)
        assert any(k.startswith(f"{which}:a year outside 0000-9999") for k in kinds), kinds


def test_feb_30_rolled_over_fails_post_and_put_too() -> None:
    result = run_engine("roomz", faults=["date-rollover"], only=("RZ-CREATE-INVALID", "RZ-UPDATE-INVALID"))
    post = {f.kind for f in result.outcome("RZ-CREATE-INVALID").findings}
    put = {f.kind for f in result.outcome("RZ-UPDATE-INVALID").findings}
    assert {"accepted:February 30", "accepted:hour 24"} <= post, post
    assert {"malformed: February 30", "malformed: hour 24"} <= put, put


def test_a_lenient_post_is_caught_and_what_it_booked_is_moved_aside() -> None:
    result = run_engine("roomz", faults=["date-parser-create"], only=("RZ-CREATE-INVALID",))
    kinds = {f.kind for f in result.outcome("RZ-CREATE-INVALID").findings}
    assert {"accepted:a local time (no Z, no offset)", "accepted:a US date (MM/DD/YYYY)"} <= kinds, kinds
    scratch = result.engine.discovery.writer
    assert scratch is not None
    dates = scratch.at("dates")
    ours = [m for m in result.server.app.meetings["57"] if m.subject.startswith("conformance malformed")]
    assert ours, "the lenient server booked the probes"
    assert all(m.start < dates for m in ours), "each accepted probe was moved out of the dates place"


def test_a_stored_date_in_another_form_names_the_post_that_stored_it() -> None:
    result = run_engine("roomz", faults=["echo-iso-forms"], only=("RZ-UTC",))
    findings = [f for f in result.outcome("RZ-UTC").findings if f.kind.startswith("listMeetings")]
    assert findings, result.outcome("RZ-UTC")
    assert all("stored by RZ-CREATE-INVALID's probe POST /rooms/57/meetings with startDateUTC in another ISO 8601 "
               "form" in f.message for f in findings), [f.message for f in findings]
    assert all(any(step.startswith("POST ") for step in f.steps) for f in findings)


def test_a_client_meeting_id_kept_twice_is_a_duplicate_named_after_its_probe() -> None:
    result = run_engine("roomz", faults=["keep-client-id"], only=("RZ-MEETINGS-UNIQUE",))
    findings = result.outcome("RZ-MEETINGS-UNIQUE").findings
    assert findings and "client-supplied meetingId" in findings[0].message, findings


def test_wrong_types_and_nulls_stored_are_found_in_the_listing() -> None:
    result = run_engine("roomz", faults=["store-wrong-types", "store-nulls"],
                        only=("RZ-MEETINGS", "RZ-NULL"))
    shapes = [f.message for f in result.outcome("RZ-MEETINGS").findings]
    assert any("isPrivate" in m and 'isPrivate "false"' in m for m in shapes), shapes
    nulls = [f.message for f in result.outcome("RZ-NULL").findings if "GET" in f.message]
    assert any("notes" in m and "stored by RZ-CREATE-INVALID's probe" in m for m in nulls), nulls


def test_wrong_form_writes_stay_in_their_place_and_are_tracked() -> None:
    """On the correct server many wrong-form writes are accepted (fields it ignores): each is a
    one-minute meeting in the forms place, tracked for release, and none holds a wrong value."""
    result = run_engine("roomz", only=("RZ-UTC",))
    assert result.summary().get("RZ-UTC") is None
    scratch = result.engine.discovery.writer
    assert scratch is not None
    lo, hi = scratch.at("forms"), scratch.at("dates")
    ours = [m for m in result.server.app.meetings["57"] if lo <= m.start < hi]
    assert len(ours) > 5, "the correct server accepted some wrong-form writes"
    created = {mid for (_, mid) in result.engine.discovery.created}
    assert {m.meeting_id for m in ours} <= created
    assert all(m.end - m.start <= timedelta(minutes=RELEASED_MINUTES) for m in ours)


def _crash_on_foreign_subjects(refusal, *, app, body, **_):
    """After the presence check (create-needs-all-fields), a subject the suite's scripted probes
    never send (text not starting with "conformance") crashes the server: only a generated body
    that reached the parser in a real room can show it."""
    if refusal is not None:
        return refusal
    subject = body.get("subject")
    if isinstance(subject, str) and subject and not subject.startswith("conformance"):
        return app.error(500, "subject index rejected the value")
    return refusal


CRASH = Fault("crash-on-foreign-subjects", "roomz", "POST crashes on a subject the scripted probes never send.",
              {"create_fields": _crash_on_foreign_subjects}, requirement="RZ-5XX")


def test_generated_posts_reach_the_parser_of_a_server_that_checks_the_room_and_every_field_first() -> None:
    """The reference server looks the room up before reading the body (404 for a made-up room),
    and this one demands every Meeting field too: generated POSTs go to the target room with the
    settled full body, so the crash behind both checks is found, and every generated write is
    in the target room and tracked for release."""
    result = run_engine("roomz", profile="full", only=("RZ-5XX",), faults=["create-needs-all-fields", CRASH],
                        max_time=40)
    findings = result.outcome("RZ-5XX").findings
    assert any(f.request and f.request.startswith("POST /rooms/57/meetings") for f in findings), findings
    scripted = re.compile(r"/rooms/conformance-unknown-room-\d+-\d+/")   # a scripted made-up room
    posts = [r for r in result.server.requests if r.method == "POST" and not scripted.match(r.path)]
    assert posts and all("/rooms/57/" in r.path for r in posts), {r.path for r in posts}
    target = result.engine.discovery.created
    assert target, "what the generated POSTs booked is tracked for release"
