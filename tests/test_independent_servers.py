"""The suite against servers it has never seen (tests/independent/).

The servers were written from the contract alone (shared/contract/*.md and the README's
"Interpretations of ours"), not from the bundled reference server, so these tests check the
suite's verdicts against an independent reading:

* correct variants — allowed differences; the verdict must be ``conformant`` with every
  requirement passed (RZ-HTTPS/RM-HTTPS warn on plain http, RZ-IMAGE may be skipped when no
  meeting carries an imageUrl string, RZ-CREATE-UNKNOWN-ORGANIZER may warn for a
  service-account server);
* planted faults — one contract violation each; the suite must fail exactly the intended
  requirement (``warning`` for a SHOULD) and nothing else.

The points the first round left open as expected failures are decided by the rulings in
CONTRACT.md ("Rulings on points left open after the first round") and are plain tests now.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from conformance.options import RunOptions
from conformance.requirements import load_catalog
from conformance.runner.engine import Engine, Verdict
from tests.independent import ROOMONITOR_FAULTS, ROOMZ_FAULTS, RoomonitorServer, RoomzServer

CATALOG = load_catalog()


# =============================================================================================
# running the suite in-process
# =============================================================================================
@dataclass
class Run:
    engine: Engine
    verdict: Verdict
    server: Any

    def status(self, rid: str) -> str:
        return self.engine.status(rid)

    def summary(self) -> dict[str, str]:
        """Every requirement that did not pass, with its status."""
        return {r.id: self.engine.status(r.id) for r in self.engine.requirements
                if self.engine.status(r.id) != "passed"}

    def report(self) -> str:
        """What the suite said, for assertion messages."""
        lines = [f"verdict {self.verdict.verdict}"]
        for rid, status in self.summary().items():
            o = self.engine.ledger[rid]
            lines.append(f"  {rid}: {status} {o.skip_reason or ''}")
            lines += [f"    - {f.message[:300]}" for f in o.findings[:3]]
        return "\n".join(lines)


def run_roomz(server_kwargs: dict[str, Any], **options: Any) -> Run:
    srv = RoomzServer(**server_kwargs)
    opts = dict(api="roomz", username=srv.username, password=srv.password, profile="quick")
    opts.update(options)
    return _run_started(srv, opts)


def _run_started(srv: Any, opts: dict[str, Any]) -> Run:
    srv.start()
    try:
        opts = dict(opts, base_url=srv.url)
        engine = Engine(RunOptions(**opts))
        try:
            engine.preflight()
            engine.run()
        finally:
            verdict = engine.finish()
        return Run(engine, verdict, srv)
    finally:
        srv.stop()


def run_roomonitor(server_kwargs: dict[str, Any], **options: Any) -> Run:
    srv = RoomonitorServer(**server_kwargs)
    opts = dict(api="roomonitor", user_id=srv.user_id, auth_token=srv.token, login_email=srv.login_email,
                login_password=srv.login_password, profile="quick")
    opts.update(options)
    return _run_started(srv, opts)


def expected_level(rid: str) -> str:
    return "failed" if CATALOG[rid].is_must else "warning"


# =============================================================================================
# ROOMZ — correct servers that differ from a naive one
# =============================================================================================
COMBO_A = dict(prefix="/api/roomz", id_style="exotic", create_response="201-location", put_response="200-empty",
               error_style="html", creation="start", extra_fields=True, image="mixed", private_created=True, rooms=50,
               exotic_ids=True, challenge="multi-headers", put_mode="replace", horizon_days=365, lenient_input=True,
               round_minutes=True, order="desc", latency=0.003, chunked=True, gzip=True,
               content_type="application/json;charset=UTF-8", strict_request_ctype=True, creation_on_update=True)
COMBO_B = dict(prefix="/connector/v1", id_style="uuid", create_response="200-meeting", put_response="200-meeting",
               error_style="problem", extra_fields=True, image="https", private_subject="", organizers="service",
               challenge="multi-one-header", put_mode="patch", order="random", connection_close=True, gzip=True)
COMBO_C = dict(id_style="numeric", create_response="201-meeting", error_style="text", image="absent", exotic_ids=True,
               connection_close=True, chunked=True, lenient_input=True, rooms=400)

RZ_CORRECT = [
    pytest.param({}, id="naive-baseline"),
    pytest.param({"prefix": "/api/roomz"}, id="path-prefix"),
    pytest.param({"id_style": "numeric"}, id="numeric-string-ids"),
    pytest.param({"id_style": "uuid"}, id="uuid-ids"),
    pytest.param({"id_style": "exotic"}, id="meeting-ids-with-space-slash-hash-question-non-ascii"),
    pytest.param({"exotic_ids": True}, id="room-id-with-space-slash-non-ascii"),
    pytest.param({"create_response": "201-location"}, id="post-201-location-no-body"),
    pytest.param({"create_response": "201-meeting"}, id="post-201-with-meeting"),
    pytest.param({"create_response": "200-meeting"}, id="post-200-with-meeting"),
    pytest.param({"create_response": "200-empty"}, id="post-200-empty"),
    pytest.param({"put_response": "200-empty"}, id="put-200-empty"),
    pytest.param({"put_response": "200-meeting"}, id="put-200-with-meeting"),
    pytest.param({"put_mode": "replace"}, id="put-replaces"),
    pytest.param({"put_mode": "patch"}, id="put-patches"),
    pytest.param({"error_style": "problem"}, id="errors-problem-json"),
    pytest.param({"error_style": "html"}, id="errors-html"),
    pytest.param({"error_style": "text"}, id="errors-plain-text"),
    pytest.param({"error_style": "empty"}, id="errors-empty-body"),
    pytest.param({"creation": "start"}, id="creation-equals-start"),
    pytest.param({"creation_on_update": True}, id="creation-reports-last-change"),
    pytest.param({"extra_fields": True}, id="extra-fields-everywhere"),
    pytest.param({"image": "absent"}, id="image-url-absent"),
    pytest.param({"image": "null"}, id="image-url-null"),
    pytest.param({"image": "https"}, id="image-url-https"),
    pytest.param({"image": "mixed"}, id="image-url-mixed"),
    pytest.param({"private_created": True}, id="display-bookings-private-subject-masked"),
    pytest.param({"private_subject": ""}, id="private-subject-empty"),
    pytest.param({"rooms": 400}, id="400-rooms"),
    pytest.param({"challenge": "multi-headers"}, id="two-www-authenticate-headers"),
    pytest.param({"challenge": "multi-one-header"}, id="several-challenges-one-header"),
    pytest.param({"horizon_days": 365}, id="booking-horizon-365-days"),
    pytest.param({"organizers": "service"}, id="service-account-organizer"),
    pytest.param({"lenient_input": True}, id="accepts-offsets-and-fractions-on-input"),
    pytest.param({"round_minutes": True}, id="stores-whole-minutes"),
    pytest.param({"order": "desc"}, id="listing-newest-first"),
    pytest.param({"order": "random"}, id="listing-unordered"),
    pytest.param({"latency": 0.02}, id="latency-20ms"),
    pytest.param({"connection_close": True}, id="connection-close"),
    pytest.param({"chunked": True}, id="chunked-transfer-encoding"),
    pytest.param({"gzip": True}, id="gzip-content-encoding"),
    pytest.param({"content_type": "application/json"}, id="content-type-no-charset"),
    pytest.param({"content_type": "Application/JSON;Charset=UTF-8"}, id="content-type-odd-case"),
    pytest.param({"strict_request_ctype": True}, id="415-without-json-content-type"),
    pytest.param(COMBO_A, id="combo-a"),
    pytest.param(COMBO_B, id="combo-b"),
    pytest.param(COMBO_C, id="combo-c"),
    # -- where the suite's verdict is wrong --------------------------------------------------------
    pytest.param({"date_subjects": True}, id="subjects-beginning-with-a-date"),
    pytest.param({"daily_block": True}, id="target-room-booked-every-day"),
    pytest.param({"empty_target": True}, id="target-room-empty-near-now-strict-organizers"),
    pytest.param({"external_first": True}, id="first-meeting-organized-by-external-guest"),
    pytest.param({"error_style": "json-list-401"}, id="401-body-is-a-json-list-of-errors"),
    pytest.param({"zero_window_400": True}, id="refuses-empty-window-from-equal-to"),
    pytest.param({"horizon_days": 180}, id="booking-horizon-180-days"),
    pytest.param({"write_delay": 1.5}, id="sync-connector-lists-new-meetings-after-1.5s"),
]


def test_roomz_hal_json_is_a_warning_not_a_failure() -> None:
    """Ruling (CONTRACT.md): a +json media type is JSON, but not what displays are documented to
    receive: a SHOULD-level finding of RZ-JSON, and the verdict stays conformant."""
    run = run_roomz({"content_type": "application/hal+json"})
    assert run.summary() == {"RZ-HTTPS": "warning", "RZ-IMAGE": "skipped", "RZ-JSON": "warning"}, run.report()
    assert run.verdict.verdict == "conformant"
    assert "+json" in run.engine.ledger["RZ-JSON"].findings[0].message


@pytest.mark.parametrize("server_kwargs", RZ_CORRECT)
def test_roomz_correct_server_is_conformant(server_kwargs: dict[str, Any]) -> None:
    run = run_roomz(server_kwargs)
    allowed = {"RZ-HTTPS": "warning"}
    if server_kwargs.get("image", "null") not in ("https", "mixed"):
        allowed["RZ-IMAGE"] = "skipped"
    if server_kwargs.get("organizers") == "service":
        allowed["RZ-CREATE-UNKNOWN-ORGANIZER"] = "warning"
    unexpected = {k: v for k, v in run.summary().items() if allowed.get(k) != v}
    assert run.verdict.verdict == "conformant" and not unexpected, run.report()
    assert run.status("RZ-HTTPS") == "warning"


# =============================================================================================
# ROOMZ — one planted fault each
# =============================================================================================
# (fault, the requirement it breaks, collateral that is legitimately unavoidable, profile)
RZ_FAULT_CASES = [
    pytest.param("window-to-inclusive", "RZ-MEETINGS-WINDOW", {}, id="window-to-inclusive"),
    pytest.param("window-end-inclusive", "RZ-MEETINGS-WINDOW", {}, id="window-end-inclusive"),
    pytest.param("window-starts-only", "RZ-MEETINGS-WINDOW", {}, id="window-starts-only"),
    pytest.param("creation-millis", "RZ-UTC", {}, id="creation-millis"),
    pytest.param("lowercase-z", "RZ-UTC", {}, id="lowercase-z"),
    pytest.param("null-in-error", "RZ-NULL", {}, id="null-in-error-bodies"),
    pytest.param("null-in-409", "RZ-NULL", {}, id="null-only-in-409"),
    pytest.param("room-image-null", "RZ-NULL", {}, id="room-image-null"),
    pytest.param("no-challenge-on-post", "RZ-AUTH-CHALLENGE", {}, id="no-challenge-on-post"),
    pytest.param("bearer-on-put", "RZ-AUTH-MALFORMED", {}, id="bearer-accepted-on-put"),
    pytest.param("unknown-room-get-400", "RZ-MEETINGS-UNKNOWN-ROOM", {}, id="unknown-room-get-400"),
    pytest.param("update-changes-subject", "RZ-UPDATE-PERSIST", {}, id="update-changes-subject"),
    pytest.param("create-missing-end-default", "RZ-CREATE-INVALID", {}, id="create-missing-end-defaults-1h"),
    pytest.param("post-body-text-plain", "RZ-JSON", {}, id="post-201-text-plain"),
    pytest.param("put-204", "RZ-STATUS-LISTED", {}, id="put-204"),
    pytest.param("put-upsert", "RZ-UPDATE-UNKNOWN", {}, id="put-upsert"),
    pytest.param("duplicate-across-midnight", "RZ-MEETINGS-UNIQUE", {}, id="duplicate-across-midnight"),
    # one parser for every call: the ruling's Feb 30 and hour 24, sent as a POST's and a PUT's end too, are booked
    pytest.param("baddate-rollover", "RZ-MEETINGS-BADDATE",
                 {"RZ-CREATE-INVALID": "failed", "RZ-UPDATE-INVALID": "failed"}, id="baddate-rollover"),
    # -- where the suite's verdict is wrong --------------------------------------------------------
    pytest.param("update-changes-id", "RZ-UPDATE-PERSIST", {}, id="update-changes-id"),
    pytest.param("window-misses-enclosing", "RZ-MEETINGS-WINDOW", {}, id="window-misses-enclosing-meeting"),
    pytest.param("from-equal-start-excluded", "RZ-MEETINGS-WINDOW", {}, id="window-excludes-meeting-starting-at-from"),
    pytest.param("conflict-endpoints-only", "RZ-CREATE-CONFLICT", {}, id="conflict-misses-booking-inside-meeting"),
    pytest.param("conflict-grace-5min", "RZ-CREATE-CONFLICT", {"RZ-UPDATE-CONFLICT": "failed"},
                 id="conflict-grace-5min"),
    pytest.param("post-touching-end-conflict", "RZ-CREATE-CONFLICT", {}, id="post-ending-at-next-start-refused"),
    pytest.param("put-adjacent-conflict", "RZ-UPDATE-CONFLICT", {}, id="put-to-adjacent-refused"),
    pytest.param("unknown-room-404-but-books-first", "RZ-CREATE-UNKNOWN-ROOM", {},
                 id="unknown-room-404-but-books-anyway"),
    pytest.param("post-nested-image-null", "RZ-NULL", {}, id="post-body-nested-image-null"),
    pytest.param("empty-password-ok", "RZ-AUTH-WRONG", {}, id="known-user-empty-password-accepted"),
    pytest.param("password-case-insensitive", "RZ-AUTH-WRONG", {}, id="password-case-insensitive"),
    pytest.param("challenge-no-realm", "RZ-AUTH-CHALLENGE", {}, id="challenge-without-realm"),
    pytest.param("challenge-bearer-basic-realm", "RZ-AUTH-CHALLENGE", {}, id="challenge-bearer-with-realm-basic"),
    pytest.param("listing-ignores-room", "RZ-MEETINGS", {}, id="listing-ignores-room"),
    pytest.param("put-ignores-room", "RZ-UPDATE-UNKNOWN", {}, id="put-through-another-room"),  # ruling: 404
    pytest.param("unknown-organizer-404-but-creates", "RZ-CREATE-UNKNOWN-ORGANIZER", {},
                 id="unknown-organizer-404-but-books"),
    pytest.param("long-subject-500", "RZ-5XX", {}, id="long-subject-500"),
    pytest.param("window-max-31-days", "RZ-UTC-ACCEPT", {}, id="window-longer-than-31-days-refused"),
    pytest.param("y2038", "RZ-UTC-ACCEPT", {}, id="dates-after-2038-refused-quick"),
]


@pytest.mark.parametrize("fault, rid, collateral", RZ_FAULT_CASES)
def test_roomz_fault_fails_exactly_its_requirement(fault: str, rid: str, collateral: dict[str, str]) -> None:
    assert fault in ROOMZ_FAULTS
    run = run_roomz({"faults": {fault}})
    assert run.status(rid) == expected_level(rid), run.report()
    others = {k: v for k, v in run.summary().items() if k != rid and not (k == "RZ-HTTPS" and v == "warning")
              and not (k == "RZ-IMAGE" and v == "skipped")}
    assert others == collateral, run.report()


def test_roomz_cancelled_meeting_blocking_a_booking_stays_untested_and_says_so() -> None:
    """Ruling (CONTRACT.md): the suite cannot create a cancelled meeting without DELETE and must
    not write over a real one, so a server whose cancelled meetings still block bookings is not
    caught; the report says the case is untested instead of passing it silently."""
    run = run_roomz({"faults": {"conflict-counts-cancelled"}})
    assert run.summary() == {"RZ-HTTPS": "warning", "RZ-IMAGE": "skipped"}, run.report()
    notes = run.engine.ledger["RZ-CREATE-CONFLICT"].notes
    assert any("cancelled meeting" in n and "not tested" in n for n in notes), notes


def test_roomz_y2038_fault_is_caught_by_the_full_profile() -> None:
    run = run_roomz({"faults": {"y2038"}}, profile="full")
    assert run.status("RZ-UTC-ACCEPT") == "failed", run.report()


# =============================================================================================
# Roomonitor — correct variants and planted faults
# =============================================================================================
RM_CORRECT = [
    pytest.param({}, {}, id="naive-baseline"),
    pytest.param({"error_extra": True}, {}, id="extra-fields-in-error-bodies"),
    pytest.param({"mismatch_status": 400}, {}, id="400-for-user-id-mismatch"),
    pytest.param({"v1_lines": "ref"}, {}, id="v1-lines-name-customer-reference"),
    pytest.param({"v1_lines": "server-id"}, {}, id="v1-lines-name-a-server-id"),
    pytest.param({"success_text": "Booking saved successfully ✓",
                  "failure_prefix": "[FAILED]"}, {}, id="other-wording"),
    pytest.param({"content_type": "application/json"}, {}, id="content-type-no-charset"),
    pytest.param({"chunked": True, "gzip": True, "connection_close": True, "latency": 0.005}, {},
                 id="transport-variants"),
    pytest.param({"custom_rooms": "configured"}, {"custom_room_id": "APT-101"}, id="configured-custom-room-given"),
    pytest.param({"error_extra": True, "mismatch_status": 400, "v1_lines": "server-id", "success_text": "Saved",
                  "chunked": True, "gzip": True}, {}, id="combo"),
    pytest.param({"static_token": True}, {}, id="login-answers-the-permanent-token"),
    pytest.param({"phone_validation": True}, {}, id="guest-phones-validated-against-numbering-plans"),
    pytest.param({"phone_validation": True, "custom_rooms": "configured"}, {"custom_room_id": "APT-102"},
                 id="phones-validated-configured-custom-room-given"),
    # -- where the suite's verdict is wrong --------------------------------------------------------
]


@pytest.mark.parametrize("server_kwargs, options", RM_CORRECT)
def test_roomonitor_correct_server_is_conformant(server_kwargs: dict[str, Any], options: dict[str, Any]) -> None:
    run = run_roomonitor(server_kwargs, **options)
    allowed = {"RM-HTTPS": "warning"}
    if server_kwargs.get("static_token"):   # a login answering the given token gives the suite none to log out
        allowed["RM-LOGOUT"] = "skipped"
    unexpected = {k: v for k, v in run.summary().items() if allowed.get(k) != v}
    assert run.verdict.verdict == "conformant" and not unexpected, run.report()


def test_roomonitor_login_answering_the_given_token_does_not_log_it_out() -> None:
    """A login may answer the account's one permanent token, the very one the suite was given:
    the suite must not log it out (CONTRACT B), and says so."""
    run = run_roomonitor({"static_token": True})
    assert run.server.token in run.server.tokens, "the given token was logged out"
    assert "login answered the configured token, so it was not logged out" in run.engine.ledger["RM-LOGIN"].notes


def test_roomonitor_own_custom_room_refused_is_skipped_not_failed() -> None:
    """Without --custom-room-id the suite names its own customRoomId; a server that accepts only
    configured ids refuses it, which leaves RM-IMPORT-V2-CUSTOM unverified: skipped with the way
    out, verdict incomplete (green means tested), never failed."""
    run = run_roomonitor({"custom_rooms": "configured"})
    assert run.summary() == {"RM-HTTPS": "warning", "RM-IMPORT-V2-CUSTOM": "skipped"}, run.report()
    reason = run.engine.ledger["RM-IMPORT-V2-CUSTOM"].skip_reason
    assert reason.startswith("the server refused the suite's own customRoomId 'conformance-room-"), reason
    assert reason.endswith("pass --custom-room-id with a customRoomId your account is configured with"), reason
    assert (run.verdict.verdict, run.verdict.exit_code) == ("incomplete", 3)


@pytest.mark.parametrize("server_kwargs, options", [
    pytest.param({"custom_rooms": "configured"}, {"custom_room_id": "APT-999"}, id="given-custom-room-refused"),
    pytest.param({"faults": {"cancel-needs-dates"}}, {"custom_room_id": "APT-101"},
                 id="given-custom-room-update-fails"),
    pytest.param({"faults": {"cancel-needs-dates"}, "custom_rooms": "configured"}, {"custom_room_id": "APT-101"},
                 id="given-configured-custom-room-update-fails"),
])
def test_roomonitor_custom_room_failures_with_given_id_fail(server_kwargs: dict[str, Any],
                                                            options: dict[str, Any]) -> None:
    """With --custom-room-id a refused insert is the server's fault; a failed update after a saved
    insert fails whether or not the id was given (the no-option case is RM_FAULT_CASES')."""
    run = run_roomonitor(server_kwargs, **options)
    assert run.summary() == {"RM-HTTPS": "warning", "RM-IMPORT-V2-CUSTOM": "failed"}, run.report()
    assert run.verdict.verdict == "non-conformant"


RM_FAULT_CASES = [
    pytest.param("401-lowercase", "RM-ERROR-BODY", {}, id="401-message-lowercase"),
    pytest.param("mismatch-accepted", "RM-AUTH-WRONG", {}, id="user-id-mismatch-accepted"),
    pytest.param("empty-array-200", "RM-EMPTY", {}, id="empty-array-200"),
    pytest.param("internal-ids", "RM-IMPORT-V2", {"RM-IMPORT-PARTIAL": "failed"}, id="lines-name-internal-ids"),
    pytest.param("all-or-nothing", "RM-IMPORT-PARTIAL", {}, id="all-or-nothing-import"),
    pytest.param("status-as-string", "RM-ERROR-BODY", {}, id="error-status-as-string"),
    pytest.param("login-json-only", "RM-LOGIN", {}, id="form-login-refused"),
    pytest.param("cancel-needs-dates", "RM-IMPORT-V2-CUSTOM", {}, id="cancel-update-needs-dates"),
    pytest.param("missing-user-header-ok", "RM-AUTH-MISSING", {}, id="token-without-user-id-accepted"),
    pytest.param("customer-accepted", "RM-CUSTOMER", {}, id="unknown-customer-saved-under-token-user"),
    pytest.param("junk-true-500", "RM-5XX", {}, id="body-true-crashes"),
    pytest.param("text-plain-200", "RM-JSON", {}, id="import-answer-text-plain"),
    pytest.param("foreign-room-accepted", "RM-IMPORT-PARTIAL", {}, id="foreign-room-booking-saved"),
    pytest.param("reversed-dates-accepted", "RM-IMPORT-PARTIAL", {}, id="checkout-before-checkin-saved"),
    pytest.param("form-login-any-password", "RM-LOGIN", {}, id="form-login-ignores-password"),
    pytest.param("lenient-payload", "RM-IMPORT-PARTIAL", {}, id="payload-rules-not-enforced"),
    pytest.param("surrogate-echo-500", "RM-5XX", {}, id="lone-surrogate-id-echoed-crashes"),
    pytest.param("deep-nesting-500", "RM-5XX", {}, id="deep-nesting-crashes"),
    # -- where the suite's verdict is wrong --------------------------------------------------------
]


@pytest.mark.parametrize("server_kwargs, rid", [
    pytest.param({"unknown_customer": "401"}, "RM-CUSTOMER", id="credentials-checked-before-customer"),
    pytest.param({"faults": {"v1-never-saves"}}, "RM-IMPORT-V1", id="v1-never-saves"),
])
def test_roomonitor_rulings_that_stay_warnings(server_kwargs: dict[str, Any], rid: str) -> None:
    """Rulings (CONTRACT.md): checking credentials before the customer, and reporting a v1
    booking as failed, stay warnings as the catalog says: the verdict is conformant."""
    run = run_roomonitor(server_kwargs)
    assert run.summary() == {"RM-HTTPS": "warning", rid: "warning"}, run.report()
    assert run.verdict.verdict == "conformant"


@pytest.mark.parametrize("fault, rid, collateral", RM_FAULT_CASES)
def test_roomonitor_fault_fails_exactly_its_requirement(fault: str, rid: str, collateral: dict[str, str]) -> None:
    assert fault in ROOMONITOR_FAULTS
    run = run_roomonitor({"faults": {fault}})
    assert run.status(rid) == expected_level(rid), run.report()
    others = {k: v for k, v in run.summary().items() if k != rid and not (k == "RM-HTTPS" and v == "warning")}
    assert others == collateral, run.report()
