"""The suite against servers it does not control (issue 5): bounded time and size, garbage,
redirects, TLS, secrets, report safety, unreachable targets.

Every test talks to a real misbehaving server on loopback (tests/hostile.py); nothing in the
HTTP layer is mocked. Runs use the quick profile, a 1 s --timeout and small budgets.
"""
from __future__ import annotations

import base64
import html
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conformance.client import Client
from conformance.options import RunOptions
from conformance.reference_server import DEFAULTS, ReferenceServer
from conformance.requirements import load_catalog
from conformance.runner.engine import Engine, Unreachable, Verdict
from tests.hostile import BlackHole, Conn, HostileServer, free_port, transparent

CATALOG = load_catalog()
CREDENTIAL_ENV = ("ROOMZ_USERNAME", "ROOMZ_PASSWORD", "ROOMONITOR_USER_ID", "ROOMONITOR_AUTH_TOKEN",
                  "ROOMONITOR_LOGIN_EMAIL", "ROOMONITOR_LOGIN_PASSWORD", "CONFORMANCE_BASE_URL")


# -- helpers ------------------------------------------------------------------------------------
@dataclass
class Run:
    engine: Engine
    verdict: Verdict
    results: dict[str, Any]

    def status(self, rid: str) -> str:
        return self.engine.status(rid)

    def messages(self, rid: str) -> str:
        o = self.engine.ledger[rid]
        return "\n".join([f.message for f in o.findings] + [o.skip_reason or ""])


def run_engine_at(url: str, api: str = "roomz", **options: Any) -> Run:
    """One in-process run against ``url`` with the reference server's credentials."""
    opts: dict[str, Any] = {"profile": "quick", "timeout": 1.0}
    keys = ("username", "password") if api == "roomz" else ("user_id", "auth_token", "login_email", "login_password")
    opts.update({k: DEFAULTS[k] for k in keys})
    opts.update(options)
    if "only" in opts:
        opts["requirement"] = tuple(opts.pop("only"))
    engine = Engine(RunOptions(api=api, base_url=url, **opts))
    try:
        try:
            engine.preflight()
        except Unreachable:
            pass
        else:
            engine.run()
    finally:
        verdict = engine.finish()
    return Run(engine, verdict, engine.results())


@dataclass
class Cli:
    code: int
    stdout: str
    stderr: str
    elapsed: float
    maxrss_mb: float
    report_dir: Path

    def results(self) -> dict[str, Any]:
        return json.loads((self.report_dir / "results.json").read_text(encoding="utf-8"))

    def requirement(self, rid: str) -> dict[str, Any]:
        return next(r for r in self.results()["requirements"] if r["id"] == rid)

    def outputs(self) -> dict[str, str]:
        """Every file the run wrote, and the terminal."""
        out = {p.name: p.read_text(encoding="utf-8", errors="replace")
               for p in self.report_dir.rglob("*") if p.is_file()}
        out["stdout"], out["stderr"] = self.stdout, self.stderr
        return out


def cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None, limit: float = 60.0) -> Cli:
    """``python -m conformance run`` in a child process, killed after ``limit`` seconds; its peak
    memory is that child's own (wait4), not the test process's."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    report_dir = tmp_path / "report"
    child_env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_ENV}
    child_env.update(env or {})
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    cmd = [sys.executable, "-m", "conformance", "run", "--report-dir", str(report_dir), *args]
    start = time.monotonic()
    with open(out, "wb") as o, open(err, "wb") as e:
        proc = subprocess.Popen(cmd, stdout=o, stderr=e, env=child_env, cwd=tmp_path)
        killer = threading.Timer(limit, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - start
    assert elapsed < limit, f"`conformance run` did not end within {limit:g} s: {' '.join(cmd)}"
    return Cli(code, out.read_text(errors="replace"), err.read_text(errors="replace"), elapsed,
               usage.ru_maxrss / 1024, report_dir)


def assert_no_traceback(result: Cli) -> None:
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        assert "Traceback" not in text, f"a traceback on {name}:\n{text[-3000:]}"


def reference(api: str = "roomz", **kw: Any) -> ReferenceServer:
    return ReferenceServer(api=api, **kw)


def after_probe(action, *, path: str = "/rooms"):
    """A rule: the probe (the first request) and every other path are relayed; ``path`` after
    the probe gets ``action``."""
    def rule(c: Conn) -> None:
        if c.req.path == path and c.server.count() > 1:
            action(c)
        else:
            transparent(c)
    return rule


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    bundle = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return server_context, str(bundle)


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


# -- size ---------------------------------------------------------------------------------------
def gzip_bomb(megabytes: int) -> bytes:
    """A valid gzip body of ``megabytes`` MiB of zeros in about 1 KiB per MiB, built in a moment:
    after a full flush, deflate encodes the same MiB to the same bytes, so one block repeats."""
    import struct
    import zlib

    chunk = b"\0" * (1 << 20)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    end = co.flush()
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + first + block * (megabytes - 1) + end + struct.pack("<II", crc, (megabytes << 20) & 0xFFFFFFFF)


def test_gzip_bomb_stops_at_the_cap_and_memory_stays_bounded(tmp_path) -> None:
    bomb = gzip_bomb(1024)   # 1 GiB once decompressed, 1 MB on the wire
    assert len(bomb) < 2_000_000

    def bombing(c: Conn) -> None:
        c.respond(200, bomb, headers={"Content-Encoding": "gzip"})

    with HostileServer(after_probe(bombing), upstream=reference()) as srv:
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

    with HostileServer(after_probe(lambda c: c.respond(200, big)), upstream=reference()) as srv:
        run = run_engine_at(srv.url, max_body=1_000_000, only=("RZ-ROOMS",))
    assert run.status("RZ-ROOMS") == "failed"
    assert "could not be used: the body is larger than the 1000000-byte cap" in run.messages("RZ-ROOMS")


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
    with HostileServer(after_probe(action), upstream=reference()) as srv:
        run = run_engine_at(srv.url, only=("RZ-ROOMS", "RZ-JSON"))
        seen = list(srv.seen)
    assert run.status(rid) == "failed", run.results["requirements"]
    assert message in run.messages(rid)
    assert run.verdict.exit_code == 1
    assert not any("internal error" in n for o in run.engine.ledger.outcomes.values() for n in o.notes)
    # nothing is followed or retried: one request received per request sent
    assert len(seen) == run.engine.client.count


def test_server_text_cannot_drive_the_terminal(tmp_path) -> None:
    """A Location header carrying escape sequences (clear screen, set the window title) reaches
    the failure message; stdout and stderr, which CI logs keep, carry none of its control bytes."""
    location = "/rooms\x1b[2J\x1b]0;owned\x07"
    with HostileServer(after_probe(lambda c: c.respond(302, b"", headers={"Location": location})),
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


# -- redirects ----------------------------------------------------------------------------------
@pytest.mark.parametrize("api", ["roomz", "roomonitor"])
@pytest.mark.parametrize("elsewhere", ["other-host", "other-port"])
def test_credentials_never_follow_a_redirect(api, elsewhere) -> None:
    """Every answer redirects (307 keeps method and body) to a collector on another host
    (127.0.0.2) or another port; nothing at all may arrive there, credentials least of all."""
    with HostileServer(lambda c: c.respond(200, []), host="127.0.0.2" if elsewhere == "other-host"
                       else "127.0.0.1") as collector:
        def redirect(c: Conn) -> None:
            c.respond(307, b"", headers={"Location": collector.url + c.req.target})

        with HostileServer(redirect) as srv:
            run = run_engine_at(srv.url, api=api)
        leaked = [(s.method, s.path, k) for s in collector.seen for k in s.headers
                  if k in ("authorization", "x-auth-token", "x-user-id")]
        assert leaked == [], f"credentials arrived at {collector.url}: {leaked}"
        assert collector.seen == [], f"{len(collector.seen)} redirected requests were followed"
    assert len(srv.seen) == run.engine.client.count
    assert run.verdict.verdict != "conformant"
    rooms = "RZ-ROOMS" if api == "roomz" else "RM-ROOMS"
    assert run.status(rooms) == "failed"
    assert "307" in run.messages(rooms)
    if api == "roomz":   # the ROOMZ checks quote the exchange, Location included
        assert f"307 redirecting to {collector.url}" in run.messages(rooms)


def test_a_location_that_is_not_utf8_is_judged_as_the_redirect_it_is() -> None:
    """requests decodes Location as UTF-8 to prepare a redirect even when none is followed; a
    server sending a Latin-1 byte there still gave an answer, and the finding quotes it."""
    def redirect(c: Conn) -> None:
        c.respond(302, b"", headers={"Location": "/r\xe4ume"})   # one byte 0xE4 on the wire

    with HostileServer(redirect) as srv:
        run = run_engine_at(srv.url, only=("RZ-ROOMS",))
    assert run.status("RZ-ROOMS") == "failed"
    assert "302 redirecting to" in run.messages("RZ-ROOMS"), run.messages("RZ-ROOMS")
    assert "no answer" not in run.messages("RZ-ROOMS")


# -- TLS ----------------------------------------------------------------------------------------
def test_https_with_ca_bundle_is_conformant_and_passes_rz_https(tmp_path, tls) -> None:
    context, bundle = tls
    with reference(ssl_context=context) as srv:
        result = cli(tmp_path, "--base-url", srv.url, "--profile", "quick", "--timeout", "2", "--ca-bundle", bundle,
                     env={"ROOMZ_USERNAME": DEFAULTS["username"], "ROOMZ_PASSWORD": DEFAULTS["password"]})
    assert_no_traceback(result)
    assert result.code == 0, result.stderr + result.stdout[-2000:]
    assert result.requirement("RZ-HTTPS")["status"] == "passed"
    assert {r["status"] for r in result.results()["requirements"]} == {"passed"}


def test_insecure_runs_against_an_untrusted_certificate(tmp_path, tls) -> None:
    context, _ = tls
    with reference(ssl_context=context) as srv:
        result = cli(tmp_path, "--base-url", srv.url, "--profile", "quick", "--timeout", "2", "--insecure",
                     "--requirement", "RZ-HTTPS", "--requirement", "RZ-ROOMS",
                     env={"ROOMZ_USERNAME": DEFAULTS["username"], "ROOMZ_PASSWORD": DEFAULTS["password"]})
    assert_no_traceback(result)
    assert result.code == 0, result.stderr
    assert result.requirement("RZ-ROOMS")["status"] == "passed"
    assert result.requirement("RZ-HTTPS")["status"] == "passed"
    assert "InsecureRequestWarning" not in result.stderr


def test_a_tls_handshake_failing_after_the_probe_fails_the_requirement(tls) -> None:
    context, bundle = tls
    with HostileServer(upstream=reference(), ssl_context=context, tls_fail_after=1) as srv:
        run = run_engine_at(srv.url, ca_bundle=bundle, only=("RZ-ROOMS",))
    assert run.status("RZ-ROOMS") == "failed"
    assert "got no answer: TLS handshake failed" in run.messages("RZ-ROOMS")


def _non_loopback_ipv4() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))   # no packet is sent; this only picks the outgoing interface
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


@pytest.mark.parametrize("api, rid", [("roomz", "RZ-HTTPS"), ("roomonitor", "RM-HTTPS")])
def test_plain_http_warns_on_https_requirement(api, rid) -> None:
    """Plain http to a host other than loopback warns; so does loopback (documented)."""
    address = _non_loopback_ipv4()
    with reference(api, host="0.0.0.0") as srv:
        hosts = ["127.0.0.1"] + ([address] if address else [])
        for host in hosts:
            run = run_engine_at(f"http://{host}:{srv.port}", api=api, only=(rid,))
            assert run.status(rid) == "warning", (host, run.messages(rid))
            assert "plain http" in run.messages(rid)
    if address is None:
        pytest.skip("no non-loopback IPv4 address on this machine: only loopback was checked")


# -- secrets ------------------------------------------------------------------------------------
SECRETS = {"username": "labuser", "password": "Pw7fLq2ZsecretX9", "user_id": "UidK3v9QeR7tLw2Yh",
           "auth_token": "TokA8c1D4e7F0g3H6j9K2m5N8p1Q4r7S0", "login_email": "pms@lab.example",
           "login_password": "LoginPw5Ts8Vw1Xz4"}
BASIC = base64.b64encode(f"{SECRETS['username']}:{SECRETS['password']}".encode()).decode()


def echoing(poison_after: int):
    """Relays, but echoes the request's credentials and body into every answer: errors become a
    500 quoting them, JSON successes carry them, redirects point at them. After
    ``poison_after`` requests it answers non-HTTP garbage quoting them, so the run aborts and
    its abort message (on the terminal) quotes the server."""
    def rule(c: Conn) -> None:
        h = c.req.headers
        auth = h.get("authorization", "")
        decoded = ""
        if auth.startswith("Basic "):
            decoded = base64.b64decode(auth[6:]).decode("utf-8", "replace")
        echo = {"authorization": auth, "decoded": decoded, "x-auth-token": h.get("x-auth-token", ""),
                "body": c.req.body.decode("utf-8", "replace")}
        if auth.startswith("Basic ") or "x-auth-token" in h:   # remembers the last credentials it saw
            c.server.state["last"] = f"{auth} {decoded} {h.get('x-auth-token', '')}"
        if c.server.count() > poison_after:
            c.write(f"ECHO {c.server.state.get('last', '')}\r\n\r\n".encode())
            return c.close()
        if "unknown" in c.req.path and c.req.method == "GET":
            return c.respond(
                302, b"", headers={"Location": f"/login?user={decoded}&token={h.get('x-auth-token', '')}&auth={auth}"}
            )
        up = c.forward()
        data = up.json()
        if up.status >= 400:
            up.status = 500
            up.set_json({"error": "you sent", "echo": echo})
        elif isinstance(data, dict):
            data["echo"] = echo
            up.set_json(data)
        elif isinstance(data, list) and data and isinstance(data[0], dict):
            data[0]["echo"] = echo
            up.set_json(data)
        up.extra_headers["X-You-Sent"] = auth or h.get("x-auth-token", "")
        c.relay(up)
    return rule


@pytest.mark.parametrize("api", ["roomz", "roomonitor"])
def test_secrets_appear_in_no_output_even_when_the_server_echoes_them(tmp_path, api) -> None:
    if api == "roomz":
        env = {"ROOMZ_USERNAME": SECRETS["username"], "ROOMZ_PASSWORD": SECRETS["password"]}
        secrets = {"password": SECRETS["password"], "basic": BASIC}
        upstream = reference("roomz", username=SECRETS["username"], password=SECRETS["password"])
        poison_after = 100
    else:
        env = {"ROOMONITOR_USER_ID": SECRETS["user_id"], "ROOMONITOR_AUTH_TOKEN": SECRETS["auth_token"],
               "ROOMONITOR_LOGIN_EMAIL": SECRETS["login_email"], "ROOMONITOR_LOGIN_PASSWORD": SECRETS["login_password"]}
        secrets = {"token": SECRETS["auth_token"], "login password": SECRETS["login_password"]}
        upstream = reference("roomonitor", user_id=SECRETS["user_id"], auth_token=SECRETS["auth_token"],
                             login_email=SECRETS["login_email"], login_password=SECRETS["login_password"])
        poison_after = 40
    with HostileServer(echoing(poison_after), upstream=upstream) as srv:
        result = cli(tmp_path, "--api", api, "--base-url", srv.url, "--profile", "quick", "--timeout", "1", env=env)
        echoed = sum(1 for s in srv.seen if any(v in (s.headers.get("authorization", ""),
                                                      s.headers.get("x-auth-token", ""))
                                                 for v in ("Basic " + BASIC, SECRETS["auth_token"])))
    assert_no_traceback(result)
    assert echoed > 10, "the server saw (and echoed) the credentials"
    outputs = result.outputs()
    assert {"report.html", "results.json", "junit.xml", "stdout", "stderr"} <= set(outputs)
    for where, text in outputs.items():
        for what, secret in secrets.items():
            assert secret not in text, f"the {what} appears in {where}"
    # the echo did reach the outputs, masked: the protection was exercised, not bypassed
    for where in ("report.html", "results.json", "junit.xml", "stderr"):
        assert "[REDACTED]" in outputs[where], f"no masked echo in {where}"
    assert "run aborted" in result.stderr


# -- report safety ------------------------------------------------------------------------------
MARK = "data-pwned"
SCRIPT = f"<script>document.documentElement.setAttribute('{MARK}','script')</script>"
IMG = f"<img src=x onerror=\"document.documentElement.setAttribute('{MARK}','img')\">"
SVG = f"\"'><svg onload=\"document.documentElement.setAttribute('{MARK}','svg')\">"
BREAKOUT = "</code></pre></td></tr></tbody></table></div>"
PAYLOAD = BREAKOUT + SCRIPT + IMG + SVG


def injecting(c: Conn) -> None:
    """Room names, subjects, imageUrls, a Content-Type and a 500 page all carry HTML payloads."""
    if c.req.method == "GET" and "unknown" in c.req.path:
        return c.respond(500, f"<html><body><h1>{PAYLOAD}</h1></body></html>", content_type="text/html")
    up = c.forward()
    data = up.json()
    if c.req.path == "/rooms" and isinstance(data, list):
        for room in data:
            room["name"] = "Room " + PAYLOAD
        if c.server.count() > 1:
            up.headers = [(k, v) for k, v in up.headers if k.lower() != "content-type"]
            up.extra_headers["Content-Type"] = "text/html; charset=" + SCRIPT
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    for m in items:
        if isinstance(m, dict) and "subject" in m:
            m["subject"] = "Meeting " + PAYLOAD
            if isinstance(m.get("imageUrl"), str):
                m["imageUrl"] = "javascript:" + SCRIPT
    if data is not None:
        up.set_json(data)
    c.relay(up)


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell"):
        path = shutil.which(name)
        if path:
            return path
    return None


class DomSummary(HTMLParser):
    """What the rendered report holds: elements the payload marked, live payload elements
    (handlers on img/svg, scripts quoting the mark), and the requirement table's body rows."""

    def __init__(self) -> None:
        super().__init__()
        self.marked: list[tuple[str, dict]] = []
        self.live_payloads: list[tuple[str, dict]] = []
        self.rows = 0
        self._tables: list[bool] = []      # open tables: is it the requirement table?
        self._in_body = False
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if MARK in a:
            self.marked.append((tag, a))
        if tag in ("img", "svg") and any(k.startswith("on") for k in a):
            self.live_payloads.append((tag, a))
        self._in_script = tag == "script"
        if tag == "table":
            self._tables.append(a.get("id") == "requirements")
        elif self._tables and self._tables[-1] and tag == "tbody":
            self._in_body = True
        elif self._tables and self._tables[-1] and self._in_body and tag == "tr":
            self.rows += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._tables:
            self._tables.pop()
        elif tag == "tbody":
            self._in_body = False
        elif tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and MARK in data:
            self.live_payloads.append(("script", {"text": data[:80]}))


def test_server_content_cannot_run_in_the_report(tmp_path) -> None:
    browser = chromium_binary()
    if browser is None:
        pytest.skip("no chromium binary on PATH (apt-get install -y chromium): the rendered report cannot be checked")
    with HostileServer(injecting, upstream=reference()) as srv:
        result = cli(tmp_path, "--base-url", srv.url, "--profile", "quick", "--timeout", "1",
                     env={"ROOMZ_USERNAME": DEFAULTS["username"], "ROOMZ_PASSWORD": DEFAULTS["password"]})
    assert_no_traceback(result)
    report = result.report_dir / "report.html"
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", "--dump-dom", report.as_uri()],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert dom.returncode == 0 and "<html" in dom.stdout, dom.stderr[-2000:]
    summary = DomSummary()
    summary.feed(dom.stdout)
    assert summary.marked == [], f"an injected script ran: {summary.marked}"
    assert summary.live_payloads == [], f"injected elements are live in the report: {summary.live_payloads}"
    assert summary.rows == len(CATALOG.for_api("roomz")), "the requirement table lost or gained rows"
    # and the payloads did reach the report, shown as text: in the table and in the evidence
    assert "&lt;script&gt;document.documentElement" in dom.stdout
    html_text = report.read_text(encoding="utf-8")
    table = html_text[html_text.index('id="requirements"'):]
    table = table[: table.index("</table>")]
    assert html.escape(SCRIPT) in table, "a payload shows in the requirement table, escaped"


# -- unreachable --------------------------------------------------------------------------------
def test_unreachable_targets_exit_3_with_one_clear_sentence(tmp_path, tls) -> None:
    context, _ = tls
    with HostileServer(lambda c: c.hang()) as silent, reference(ssl_context=context) as untrusted:
        cases = {
            "refused": (f"http://127.0.0.1:{free_port()}", "connection refused"),
            "unknown-host": ("http://no-such-host.invalid", "unknown host"),
            "never-answers": (silent.url, "no complete answer within 1 s (--timeout)"),
            "untrusted-certificate": (untrusted.url, "TLS handshake failed (" ),
        }
        for name, (url, cause) in cases.items():
            result = cli(tmp_path / name, "--base-url", url, "--timeout", "1",
                         env={"ROOMZ_USERNAME": "u", "ROOMZ_PASSWORD": "unreachable-pw"})
            assert_no_traceback(result)
            assert result.code == 3, (name, result.stderr)
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            assert len(lines) == 1, (name, result.stderr)
            assert lines[0].startswith(f"conformance: cannot reach {url}: {cause}"), (name, lines[0])
            assert result.results()["verdict"] == "incomplete"
            assert result.elapsed < 20


def test_engine_preflight_raises_unreachable_for_a_refused_port() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    engine = Engine(RunOptions(api="roomz", base_url=url, username="u", password="unreachable-pw", timeout=1))
    with pytest.raises(Unreachable, match=f"cannot reach {url}: connection refused"):
        engine.preflight()
    engine.finish()


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
    assert run.verdict.verdict == "conformant", run.results["requirements"]
    assert run.results["stats"]["waits"] >= 1


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
        run.results["requirements"]
    assert run.status("RZ-MEETINGS-BADDATE") == "skipped"
    assert "--rate-limit" in run.messages("RZ-MEETINGS-BADDATE")
    assert run.verdict.verdict == "incomplete"


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
    assert run.status("RZ-5XX") == "passed", run.results["requirements"]


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
