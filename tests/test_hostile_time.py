"""Bounded time: a request costs at most --timeout whatever phase it hangs in, a run stops at
--max-time, a target that stops answering in time is given up on, and a request to slow down
(429, 503 with Retry-After) is waited out or leaves its requirement unverified."""
from __future__ import annotations

import time

import pytest

from conformance.client import Client
from conformance.reference_server import DEFAULTS
from tests.hostile import BlackHole, Conn, HostileServer, transparent
from tests.hostile_run import assert_no_traceback, cli, reference, run_engine_at

# -- time ---------------------------------------------------------------------------------------
SLOW_ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n" + b"[" + b" " * 62 + b"]"
)


@pytest.mark.parametrize("behaviour, status, error", [
    (lambda c: c.hang(), None, "no complete answer within 1 s (--timeout)"),
    # one byte every 0.2 s: every single read succeeds in time, the request as a whole does not
    (lambda c: c.drip(SLOW_ANSWER, 0.2), None, "no complete answer within 1 s (--timeout)"),
    (lambda c: (c.write(SLOW_ANSWER[:-64]), c.drip(SLOW_ANSWER[-64:], 0.2)), 200,
     "the body was not complete within 1 s (--timeout)"),
], ids=["never-answers", "drips-the-headers", "drips-the-body"])
def test_a_request_costs_at_most_its_timeout(behaviour, status, error) -> None:
    with HostileServer(behaviour) as srv:
        client = Client(srv.url, auth_headers={"Authorization": "Basic dTpw"}, timeout=1.0)
        start = time.monotonic()
        ex = client.request("GET", "/rooms")
        elapsed = time.monotonic() - start
    assert elapsed < 2.0, f"the request took {elapsed:.1f} s with --timeout 1"
    assert ex.status == status
    assert ex.error == error


def test_a_connection_that_is_never_accepted_costs_the_timeout() -> None:
    with BlackHole() as hole:
        client = Client(hole.url, auth_headers={"Authorization": "Basic dTpw"}, timeout=1.0)
        start = time.monotonic()
        ex = client.request("GET", "/rooms")
        elapsed = time.monotonic() - start
    assert elapsed < 2.0
    assert ex.status is None and ex.error == "no connection within 1 s (--timeout)"


def test_the_run_stops_at_max_time_and_is_incomplete(tmp_path) -> None:
    """Every answer takes 0.25 s: a full quick run would take ~45 s; --max-time 3 stops it."""
    def slow(c: Conn) -> None:
        c.server.stopping.wait(0.25)
        transparent(c)

    with HostileServer(slow, upstream=reference()) as srv:
        result = cli(tmp_path, "--base-url", srv.url, "--profile", "quick", "--timeout", "1", "--max-time", "3",
                     env={"ROOMZ_USERNAME": DEFAULTS["username"], "ROOMZ_PASSWORD": DEFAULTS["password"]}, limit=40)
    assert_no_traceback(result)
    assert result.code == 3, result.stderr
    results = result.results()
    assert results["verdict"] == "incomplete"
    assert results["stats"]["duration_s"] <= 3 + 1 + 1.5, results["stats"]   # budget + one request + the clean-up
    skipped = [r for r in results["requirements"] if r["status"] == "skipped"]
    assert skipped, "requirements past the budget are skipped"
    assert any("--max-time" in r["reason"] for r in skipped), [r["reason"] for r in skipped]
    assert all(r["reason"] for r in skipped)

# -- asked to slow down ---------------------------------------------------------------------------
def test_429_without_retry_after_is_backed_off_not_judged() -> None:
    """RFC 6585 makes Retry-After optional: a bare 429 on every twentieth request is waited out
    with a back-off (1 s, then 2, 4 …), and a correct server behind it is still conformant."""
    def bare_429(c: Conn) -> None:
        if c.server.count() % 20 == 0:
            return c.respond(429, b'{"message": "slow down"}', headers={"Content-Type": "application/json"})
        transparent(c)

    with HostileServer(bare_429, upstream=reference()) as srv:
        run = run_engine_at(srv.url, only=("RZ-ROOMS", "RZ-AUTH-WRONG", "RZ-STATUS-LISTED"))
    assert run.verdict.verdict == "conformant", run.results.requirements
    assert run.results.stats.waits >= 1


@pytest.mark.parametrize("status, retry_after", [(429, "3600"), (503, "3600")])
def test_a_wait_the_run_cannot_give_leaves_the_requirement_unverified(status: int, retry_after: str) -> None:
    """A 429 (or a 503 with Retry-After) asking for an hour: the calls it answers prove nothing,
    so their requirements are not verified, never failed, and the reason says how to slow down."""
    def busy_meetings(c: Conn) -> None:
        if "/meetings" in c.req.path:
            return c.respond(status, b"", headers={"Retry-After": retry_after})
        transparent(c)

    with HostileServer(busy_meetings, upstream=reference()) as srv:
        run = run_engine_at(srv.url, only=("RZ-MEETINGS-BADDATE", "RZ-5XX", "RZ-STATUS-LISTED", "RZ-ROOMS"))
    assert not any(run.status(r) == "failed" for r in ("RZ-MEETINGS-BADDATE", "RZ-5XX", "RZ-STATUS-LISTED")), \
        run.results.requirements
    assert run.status("RZ-MEETINGS-BADDATE") == "skipped"
    assert "--rate-limit" in run.messages("RZ-MEETINGS-BADDATE")
    assert run.verdict.verdict == "incomplete"

