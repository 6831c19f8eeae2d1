"""Bounded size: bodies over --max-body (decompressed size counted) are clear failures, huge
answers cost bounded time and memory, the JSON walk is bounded and lazy."""
from __future__ import annotations

import json

from conformance.reference_server import DEFAULTS
from tests.hostile import Conn, HostileServer, after_probe, gzip_bomb, transparent
from tests.hostile_run import assert_no_traceback, cli, reference, run_engine_at


# -- size ---------------------------------------------------------------------------------------
def test_gzip_bomb_stops_at_the_cap_and_memory_stays_bounded(tmp_path) -> None:
    bomb = gzip_bomb(1024)   # 1 GiB once decompressed, 1 MB on the wire
    assert len(bomb) < 2_000_000

    def bombing(c: Conn) -> None:
        c.respond(200, bomb, headers={"Content-Encoding": "gzip"})

    with HostileServer(after_probe(bombing, path="/rooms"), upstream=reference()) as srv:
        result = cli(tmp_path, "--base-url", srv.url, "--profile", "quick", "--timeout", "5", "--max-body", "5000000",
                     "--requirement", "RZ-ROOMS",
                     env={"ROOMZ_USERNAME": DEFAULTS["username"], "ROOMZ_PASSWORD": DEFAULTS["password"]})
    assert_no_traceback(result)
    assert result.code == 1, result.stderr
    rooms = result.requirement("RZ-ROOMS")
    assert rooms["status"] == "failed"
    assert "larger than the 5000000-byte cap (--max-body" in rooms["failures"][0]["message"]
    # the run as a whole (Python, pytest, schemathesis) needs ~100 MB; the bomb would add 1 GB+
    assert result.maxrss_mb < 400, f"peak memory {result.maxrss_mb:.0f} MB"


def test_a_plain_body_over_the_cap_is_a_clear_failure() -> None:
    big = json.dumps([{"roomId": str(i), "name": "x" * 100} for i in range(20_000)]).encode()   # ~2.4 MB

    with HostileServer(after_probe(lambda c: c.respond(200, big), path="/rooms"), upstream=reference()) as srv:
        run = run_engine_at(srv.url, max_body=1_000_000, only=("RZ-ROOMS",))
    assert run.status("RZ-ROOMS") == "failed"
    assert "could not be used: the body is larger than the 1000000-byte cap" in run.messages("RZ-ROOMS")


def test_a_generated_request_with_an_answer_too_big_is_noted_not_failed() -> None:
    """Generated windows reach back centuries; on a real calendar the answer may exceed --max-body.
    That is no 5xx: RZ-5XX (which drives the campaign) does not fail, RZ-MEETINGS notes it."""
    def huge_history(c: Conn) -> None:
        if "/meetings" in c.req.path and "from=1" in c.req.query:   # a window starting in the years 1000-1999
            return c.respond(200, b"[" + b",".join([b"{}"] * 20_000) + b"]",
                             headers={"Content-Type": "application/json"})
        transparent(c)

    with HostileServer(huge_history, upstream=reference()) as srv:
        run = run_engine_at(srv.url, profile="full", max_body=30_000, only=("RZ-5XX", "RZ-MEETINGS"))
    notes = run.engine.ledger["RZ-MEETINGS"].notes
    assert any("could not be used" in n for n in notes), "no generated window reached the years 1000-1999"
    assert run.status("RZ-5XX") == "passed", run.results.requirements


def test_huge_answers_cost_bounded_time_and_memory(tmp_path) -> None:
    """Every listing answers 40,000 malformed meetings (4 MB): each is judged on its first
    MAX_JUDGED items, each repeated failure costs a counter, older bodies are shed, so the run
    keeps its budget and its memory stays far below what the answers add up to (hundreds of MB
    of bodies, gigabytes once parsed)."""
    big = json.dumps([{"meetingId": f"m{i}", "subject": "x" * 40, "organizerId": "u567"}
                      for i in range(40_000)]).encode()

    def huge_listings(c: Conn) -> None:
        if c.req.method == "GET" and "/meetings" in c.req.path:
            c.respond(200, big, headers={"Content-Type": "application/json"})
        else:
            transparent(c)

    with HostileServer(huge_listings, upstream=reference()) as srv:
        result = cli(tmp_path, "--base-url", srv.url, "--profile", "quick", "--timeout", "5", "--max-time", "10",
                     env={"ROOMZ_USERNAME": DEFAULTS["username"], "ROOMZ_PASSWORD": DEFAULTS["password"]}, limit=90)
    assert_no_traceback(result)
    results = result.results()
    assert results["stats"]["duration_s"] <= 10 + 5 + 5, results["stats"]   # budget + a request + its judgement
    meetings = result.requirement("RZ-MEETINGS")
    assert meetings["status"] == "failed"
    assert any("judged on their first" in n for n in meetings.get("notes", [])), meetings
    # 32 answers kept whole (~130 MB), 4 of them parsed, and the run itself (~100 MB); 260 MB measured,
    # 570 MB with every whole answer's parse kept, 600 MB+ and growing without shedding
    assert result.maxrss_mb < 500, f"peak memory {result.maxrss_mb:.0f} MB"


def test_the_json_walk_is_depth_first_bounded_and_lazy() -> None:
    """RZ-UTC and RZ-NULL walk every answer: pointers escaped, depth first, at most MAX_WALK
    values, the cut told, and a wide container read only as far as the walk goes (a 10 MB flat
    array must not be turned into a million pointers first)."""
    from conformance.checks.shared import MAX_WALK, walk

    doc = {"a": [1, {"b": None, "c/d": [2]}], "e~": "x"}
    assert [p for p, _, _ in walk(doc)] == ["/a", "/a/0", "/a/1", "/a/1/b", "/a/1/c~1d", "/a/1/c~1d/0", "/e~0"]
    told: list[int] = []
    assert len(list(walk(list(range(5)), limit=5, on_cut=lambda: told.append(1)))) == 5 and not told

    class Counting(dict):
        read = 0

        def items(self):  # type: ignore[override]
            for item in super().items():
                Counting.read += 1
                yield item

    wide = Counting((str(i), i) for i in range(MAX_WALK * 4))
    assert sum(1 for _ in walk(wide, on_cut=lambda: told.append(1))) == MAX_WALK and told == [1]
    assert Counting.read <= MAX_WALK + 1
