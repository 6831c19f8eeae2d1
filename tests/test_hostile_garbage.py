"""Garbage answers (not JSON, not HTTP, cut short, reset, bad gzip, deep nesting) are failed
requirements with clear messages; server text cannot drive the terminal; the release moves no verdict."""
from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from conformance.options import RunOptions
from conformance.reference_server import DEFAULTS
from conformance.runner.engine import Engine
from tests.hostile import Conn, HostileServer, after_probe, transparent
from tests.hostile_run import CATALOG, assert_no_traceback, cli, reference, run_engine_at

# -- garbage ------------------------------------------------------------------------------------
GARBAGE = {
    "invalid-json": (lambda c: c.respond(200, b'[{"roomId": "57", "name": '), "RZ-JSON", "does not parse as JSON"),
    "content-length-too-long": (
        lambda c: (
            c.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n[]"),
            c.close(),
        ),
        "RZ-ROOMS",
        "the connection closed after 2 bytes of the body; its Content-Length announced 5000",
    ),
    "reset": (
        lambda c: c.reset(),
        "RZ-ROOMS",
        "got no answer: the server closed or reset the connection without answering",
    ),
    "reset-mid-body": (
        lambda c: (
            c.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n[{"),
            c.reset(),
        ),
        "RZ-ROOMS",
        "could not be used: the connection",
    ),
    "not-http": (
        lambda c: (c.write(b"SSH-2.0-OpenSSH_9.2\r\n\r\n"), c.close()),
        "RZ-ROOMS",
        "the server's answer is not HTTP",
    ),
    "redirect-loop": (
        lambda c: c.respond(302, b"", headers={"Location": c.req.target}),
        "RZ-ROOMS",
        "302 redirecting to /rooms (the suite follows no redirect)",
    ),
    "bad-gzip": (
        lambda c: c.respond(200, b"not gzip at all", headers={"Content-Encoding": "gzip"}),
        "RZ-ROOMS",
        "could not be decompressed as its Content-Encoding says",
    ),
    "nested-100000-deep": (
        lambda c: c.respond(200, b"[" * 100_000 + b"]" * 100_000, headers={"Content-Type": "application/json"}),
        "RZ-ROOMS",
        "got a body that is not JSON",
    ),
}


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_garbage_is_a_failed_requirement_with_a_clear_message(name) -> None:
    action, rid, message = GARBAGE[name]
    with HostileServer(after_probe(action, path="/rooms"), upstream=reference()) as srv:
        run = run_engine_at(srv.url, only=("RZ-ROOMS", "RZ-JSON"))
        seen = list(srv.seen)
    assert run.status(rid) == "failed", run.results.requirements
    assert message in run.messages(rid)
    assert run.verdict.exit_code == 1
    assert not any("internal error" in n for o in run.engine.ledger.outcomes.values() for n in o.notes)
    # nothing is followed or retried: one request received per request sent
    assert len(seen) == run.engine.client.count


def test_server_text_cannot_drive_the_terminal(tmp_path) -> None:
    """A Location header carrying escape sequences (clear screen, set the window title) reaches
    the failure message; stdout and stderr, which CI logs keep, carry none of its control bytes."""
    location = "/rooms\x1b[2J\x1b]0;owned\x07"
    with HostileServer(after_probe(lambda c: c.respond(302, b"", headers={"Location": location}), path="/rooms"),
                       upstream=reference()) as srv:
        result = cli(tmp_path, "--base-url", srv.url, "--profile", "quick", "--requirement", "RZ-ROOMS",
                     env={"ROOMZ_USERNAME": DEFAULTS["username"], "ROOMZ_PASSWORD": DEFAULTS["password"]})
    assert_no_traceback(result)
    assert "redirecting to /rooms" in result.stdout
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        assert not any(ch in text for ch in "\x1b\x07"), f"a control character on {name}"


def test_a_whole_run_against_garbage_ends_with_a_verdict_and_no_traceback(tmp_path) -> None:
    """A different misbehaviour on each call; the CLI still writes every report."""
    def chaos(c: Conn) -> None:
        req = c.req
        if c.server.count() == 1 or req.path == "/rooms":
            return transparent(c)
        if req.method == "POST":
            return c.reset()
        if req.method == "PUT":
            c.write(b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n{")
            return c.close()
        if "unknown" in req.path:
            return c.respond(302, b"", headers={"Location": req.target})
        return c.respond(200, b'[{"meetingId": ')

    with HostileServer(chaos, upstream=reference()) as srv:
        result = cli(tmp_path, "--base-url", srv.url, "--profile", "quick", "--timeout", "1", "--max-time", "30",
                     env={"ROOMZ_USERNAME": DEFAULTS["username"], "ROOMZ_PASSWORD": DEFAULTS["password"]})
    assert_no_traceback(result)
    assert result.code in (1, 3), result.stderr
    results = result.results()
    assert results["verdict"] in ("non-conformant", "incomplete")
    assert [r["id"] for r in results["requirements"]] == [r.id for r in CATALOG.for_api("roomz")]
    assert {"report.html", "junit.xml", "results.json"} <= {p.name for p in result.report_dir.iterdir()}
    for r in results["requirements"]:
        assert "internal error" not in json.dumps(r), r

def test_the_release_changes_no_verdict() -> None:
    """The release runs after every requirement was reported (JUnit has written its case): a server
    that breaks down then is kept in the traffic, and no status moves."""
    broken = threading.Event()

    def breaks_after_the_checks(c: Conn) -> None:
        if broken.is_set():
            return c.respond(500, b"null", headers={"Content-Type": "application/json"})
        transparent(c)

    with HostileServer(breaks_after_the_checks, upstream=reference()) as srv:
        opts: dict[str, Any] = {"profile": "quick", "timeout": 1.0, "username": DEFAULTS["username"],
                                "password": DEFAULTS["password"]}
        engine = Engine(RunOptions(api="roomz", base_url=srv.url, **opts))
        engine.preflight()
        engine.run()
        before = {r.id: engine.status(r.id) for r in engine.requirements}
        sent = engine.client.count
        broken.set()
        engine.finish()
    assert engine.client.count > sent, "the release sent nothing: this test proves nothing"
    assert {r.id: engine.status(r.id) for r in engine.requirements} == before
    assert engine.cleanup_problems

