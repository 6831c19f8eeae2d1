"""Replays and the traffic archive: a failure is replayed once to tell a flaky server from a steady
one, and traffic.har holds every request the run sent (replays and 429 waits included), as HAR
1.2 a standard parser reads, with no secret in it.

The intermittent fault ``null-location-once`` breaks RZ-NULL in one answer only, so the replay
does not reproduce it; ``null-location`` breaks it every time, so the replay confirms it. Both
fail the requirement: a server right only some of the time is not conformant.
"""
from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from haralyzer import HarParser

from conformance import __version__
from conformance.checks.model import MAX_EXCERPT, excerpt
from conformance.client import Exchange, Redactor
from conformance.client.redact import MARGIN
from conformance.reference_server import DEFAULTS
from conformance.report import har
from tests.helpers import RunResult, run_engine

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("ROOMZ_", "ROOMONITOR_", "CONFORMANCE_"))}
PASSWORD = DEFAULTS["password"]            # roomz-secret
USER = DEFAULTS["username"]
ROOMONITOR_SECRETS = {"token": "Zk3v9QeR7tLw2YhN8pXc4FmB6sJd1GuA0oKi5TyE3rW", "login password": "pms-sandbox-2024"}


def basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def roomz_secrets() -> dict[str, str]:
    """The demo password, its Basic token, and every wrong password the suite derives from it
    (RZ-AUTH-WRONG: case swapped, last character dropped, one appended) with their tokens."""
    derived = {"case swapped": PASSWORD.swapcase(), "shortened": PASSWORD[:-1], "lengthened": PASSWORD + "x"}
    out = {"password": PASSWORD, "basic token": basic(USER, PASSWORD)}
    for label, value in derived.items():
        out[f"{label} password"] = value
        out[f"{label} token"] = basic(USER, value)
    return out


def test_the_secrets_are_what_the_brief_names() -> None:
    assert roomz_secrets()["basic token"] == "cm9vbXo6cm9vbXotc2VjcmV0"
    assert DEFAULTS["auth_token"] == ROOMONITOR_SECRETS["token"]
    assert DEFAULTS["login_password"] == ROOMONITOR_SECRETS["login password"]


# -- replay ------------------------------------------------------------------------------------------
def rz_null(result: RunResult) -> dict[str, Any]:
    return next(r for r in result.results["requirements"] if r["id"] == "RZ-NULL")


@pytest.mark.parametrize("fault, mark", [("null-location-once", "not reproduced on replay"),
                                         ("null-location", "confirmed")])
def test_replay_tells_a_flaky_failure_from_a_steady_one(fault: str, mark: str) -> None:
    result = run_engine("roomz", faults=[fault])
    entry = rz_null(result)
    assert entry["status"] == "failed" and result.verdict.verdict == "non-conformant", result.summary()
    assert result.failed() == {"RZ-NULL"}, "either way it counts: the verdict does not depend on the replay"
    replay = entry["failures"][0]["replay"]
    assert replay.startswith(mark), replay
    if mark == "confirmed":
        assert replay == "confirmed"
    stats = result.results["stats"]
    assert stats["replays"] == 1 == stats["phase_requests"]["replay"], stats
    assert stats["requests"] == sum(stats["phase_requests"].values()) == len(result.server.requests)
    deciding = result.outcome("RZ-NULL").findings[0].exchange
    replays = [ex for ex in result.engine.traffic if ex.auth == f"replay of #{deciding}"]
    assert len(replays) == 1 and replays[0].path == next(ex.path for ex in result.engine.traffic
                                                          if ex.index == deciding)


def test_a_clean_run_replays_nothing() -> None:
    result = run_engine("roomz", requirement=("RZ-ROOMS", "RZ-NULL"))
    assert result.results["stats"]["replays"] == 0 and result.verdict.verdict == "conformant", result.summary()


# -- the archive: one entry per request --------------------------------------------------------------
ENTRY_FIELDS = {"startedDateTime", "time", "request", "response", "cache", "timings"}
REQUEST_FIELDS = {"method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize"}
RESPONSE_FIELDS = {"status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL",
                   "headersSize", "bodySize"}


def assert_har_1_2(data: dict[str, Any]) -> None:
    """The fields HAR 1.2 requires, on every entry (what strict viewers refuse a file without)."""
    log = data["log"]
    assert log["version"] == "1.2" and log["creator"] == {"name": "conformance", "version": __version__}
    for entry in log["entries"]:
        assert ENTRY_FIELDS <= set(entry) and REQUEST_FIELDS <= set(entry["request"]), entry
        assert RESPONSE_FIELDS <= set(entry["response"]) and {"size", "mimeType"} <= set(entry["response"]["content"])
        assert {"send", "wait", "receive"} <= set(entry["timings"])


def exchange_numbers(entries: list[dict[str, Any]]) -> list[int]:
    return [int(re.match(r"#(\d+) ", e["comment"]).group(1)) for e in entries]   # type: ignore[union-attr]


def test_waits_and_replays_are_in_the_archive() -> None:
    """A server answering every twelfth request 429 with Retry-After, and failing RZ-NULL once:
    each waited-out answer and the replay are exchanges of their own, counted in stats.requests
    and archived, in the order they were sent."""
    result = run_engine("roomz", faults=["null-location-once"], server_kwargs={"throttle_every": 12},
                        requirement=("RZ-NULL", "RZ-AUTH-MALFORMED"))
    stats = result.results["stats"]
    assert stats["waits"] >= 1 and stats["replays"] == 1, stats
    data = har.build(result.engine.traffic, result.engine.redactor.text, __version__)
    assert_har_1_2(data)
    entries = data["log"]["entries"]
    assert len(entries) == stats["requests"] == len(result.server.requests), (len(entries), stats)
    assert exchange_numbers(entries) == list(range(1, stats["requests"] + 1))
    waited = [e for e in entries if "answered 429, waited out" in e["comment"]]
    assert len(waited) == stats["waits"] and {e["response"]["status"] for e in waited} == {429}
    replays = [e for e in entries if "credentials: replay of #" in e["comment"]]   # the replay may be throttled too
    assert sum("waited out" not in e["comment"] for e in replays) == 1, [e["comment"] for e in replays]


def run_cli(tmp_path: Path, *args: str) -> tuple[dict[str, Any], Path]:
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--profile", "quick", "--report-dir",
                           str(tmp_path), *args], capture_output=True, text=True, env=ENV, timeout=120)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    return json.loads((tmp_path / "results.json").read_text(encoding="utf-8")), tmp_path / "traffic.har"


CLI_RUNS = {
    # any-credentials: the derived wrong passwords are accepted, so their requests succeed and are
    # archived with their answers; null-location-once adds a replay to the traffic
    "roomz": (["--reference-fault", "any-credentials", "--reference-fault", "null-location-once"], roomz_secrets()),
    "roomonitor": (["--api", "roomonitor"], ROOMONITOR_SECRETS),
}


@pytest.mark.parametrize("api", sorted(CLI_RUNS))
def test_traffic_har_holds_every_request_and_no_secret(api: str, tmp_path: Path) -> None:
    args, secrets = CLI_RUNS[api]
    results, path = run_cli(tmp_path, *args)
    parser = HarParser.from_file(str(path))
    entries = [e for page in parser.pages for e in page.entries]
    stats = results["stats"]
    assert len(entries) == stats["requests"], (len(entries), stats)
    assert all(e.request.method and e.request.url.startswith(results["target"]) for e in entries)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert_har_1_2(data)
    assert exchange_numbers(data["log"]["entries"]) == list(range(1, stats["requests"] + 1))
    assert sum("; credentials: replay of #" in e["comment"] for e in data["log"]["entries"]) == stats["replays"]
    if api == "roomz":
        assert stats["replays"] >= 1
    masked = {"authorization", "x-auth-token"}
    sent = [h for e in entries for h in e.request.headers if h["name"].lower() in masked]
    assert sent and all(h["value"] == "[REDACTED]" for h in sent), "credential headers are masked whole"
    for where in ("traffic.har", "results.json", "report.html", "junit.xml", "record.json"):
        text = (tmp_path / where).read_text(encoding="utf-8")
        for what, secret in secrets.items():
            assert secret not in text, f"the {what} appears in {where}"


def test_a_secret_across_the_body_cut_is_not_half_shown() -> None:
    """traffic.har bounds bodies at 64 KiB: a secret the cut would split is masked all the same,
    whatever byte the cut falls on."""
    redactor = Redactor([PASSWORD])
    for offset in range(har.MAX_HAR_BODY - len(PASSWORD) - 1, har.MAX_HAR_BODY + 2):
        for tail in (10, MARGIN * 2):
            body = b"x" * offset + PASSWORD.encode() + b"y" * tail
            text, comment = har._text(body, redactor.text)
            assert len(text) <= har.MAX_HAR_BODY and comment.startswith("body cut at")
            assert PASSWORD[:4] not in text, (offset, tail, text[-30:])


def test_a_secret_across_the_excerpt_cut_is_not_half_shown() -> None:
    """A finding keeps the first MAX_EXCERPT characters of the body: the body is redacted before
    that cut, so a secret echoed across it leaves none of its characters in results.json."""
    redactor = Redactor([PASSWORD])
    for offset in range(MAX_EXCERPT - len(PASSWORD) - 1, MAX_EXCERPT + 2):
        for tail in (10, MARGIN * 2):   # the body ends inside the redacted window, or goes on past it
            body = b"x" * offset + PASSWORD.encode() + b"y" * tail
            ex = Exchange(method="GET", url="http://h/rooms", path="/rooms", request_headers={}, request_body=None,
                          status=200, headers={"Content-Type": "text/plain"}, body=body)
            shown = excerpt(ex, redactor.text)
            assert "…(truncated)" in shown and PASSWORD[:4] not in shown, (offset, tail, shown[-30:])


def test_a_base_url_holding_the_user_name_stays_legible_and_the_password_stays_hidden() -> None:
    """User "roomz" under /api/roomz: the user name is no secret, so the traffic shows it as it is
    (never $ROOMZ_USERNAME in server content); the reproduce lines write it as $ROOMZ_USERNAME
    after -u and keep the base URL as it is."""
    from conformance.report.har import build

    result = run_engine("roomz", server_kwargs={"prefix": "/api/roomz"}, only=("RZ-AUTH-WRONG", "RZ-ROOMS"),
                        faults=["any-credentials"])
    assert DEFAULTS["username"] == "roomz"
    base = result.engine.client.base_url
    assert base.endswith("/api/roomz")
    har = build(result.engine.traffic, result.engine.redactor.text, __version__)
    urls = [e["request"]["url"] for e in har["log"]["entries"]]
    assert urls and all(url.startswith(base + "/") for url in urls), urls[:3]
    lines = [f.reproduce for f in result.engine.ledger["RZ-AUTH-WRONG"].findings]
    assert lines and all(base in line and "-u \"$ROOMZ_USERNAME:" in line for line in lines), lines
    assert DEFAULTS["password"] not in json.dumps(har) + "".join(lines)
    assert "$ROOMZ_USERNAME" not in json.dumps(har), "the user name was substituted into the traffic"
    outcome = result.engine.ledger["RZ-AUTH-WRONG"]
    assert all("$ROOMZ_USERNAME" not in f.message for f in outcome.findings), "…and into the suite's own words"


def test_a_base_url_holding_the_password_is_not_kept() -> None:
    redactor = Redactor()
    redactor.add("roomz", mask="$ROOMZ_USERNAME")
    redactor.keep("http://h/api/roomz/s3cret-pw")
    redactor.add("s3cret-pw")
    shown = redactor.text("GET http://h/api/roomz/s3cret-pw/rooms")
    assert shown == "GET http://h/api/$ROOMZ_USERNAME/[REDACTED]/rooms"
    redactor = Redactor()
    redactor.add("roomz", mask="$ROOMZ_USERNAME")
    redactor.keep("http://h/api/roomz")
    shown = redactor.text("GET http://h/api/roomz/rooms, user roomz")
    assert shown == "GET http://h/api/roomz/rooms, user $ROOMZ_USERNAME"


def test_non_ascii_evidence_is_shown_as_far_as_ascii_is() -> None:
    """The excerpt bound counts characters: a 13 KB Cyrillic error body shows its first
    MAX_EXCERPT characters, not nothing (2-byte characters once made the window all margin)."""
    body = json.dumps({"message": "Ошибка сервера " * 500}, ensure_ascii=False).encode()
    ex = Exchange(method="GET", url="http://h/rooms", path="/rooms", request_headers={}, request_body=None,
                  status=500, headers={"Content-Type": "application/json"}, body=body)
    shown = excerpt(ex, Redactor([PASSWORD]).text)
    assert shown.count("Ошибка") >= MAX_EXCERPT // 20 and shown.endswith("…(truncated)"), shown[:200]
    text, comment = har._text(body * 12, Redactor([PASSWORD]).text)
    assert len(text) == har.MAX_HAR_BODY and comment, comment


def test_a_shed_answer_keeps_its_size_in_the_har() -> None:
    body = b"[" + b'"x",' * 300_000 + b'"x"]'
    ex = Exchange(method="GET", url="http://h/rooms", path="/rooms", request_headers={}, request_body=None,
                  status=200, headers={"Content-Type": "application/json"}, body=body)
    assert ex.shed(256 * 1024) and len(ex.body) == 256 * 1024
    entry = har.entry(ex, str)
    assert entry["response"]["bodySize"] == entry["response"]["content"]["size"] == len(body)
    assert f"of {len(body)} bytes" in entry["response"]["content"]["comment"]
    assert f"{len(body)} bytes" in excerpt(ex)


@pytest.mark.parametrize("kept, secret, text", [
    ("http://h/api", "http://h/api?sig=TOPSECRET", "GET http://h/api?sig=TOPSECRET"),   # the secret holds it
    ("http://h/ap", "ap-SECRET-TOKEN", "GET http://h/ap-SECRET-TOKEN/rooms"),           # the secret starts inside
])
def test_a_kept_base_url_never_shields_a_secret_that_overlaps_it(kept: str, secret: str, text: str) -> None:
    redactor = Redactor()
    redactor.keep(kept)
    redactor.add(secret)
    assert "SECRET" not in redactor.text(text)
    from conformance.client.curl import shell_word
    assert "SECRET" not in shell_word(text, [], redactor.text, redactor.kept_spans)
