"""Redirects (never followed, credentials never sent elsewhere), TLS, plain http, and targets
that cannot be reached (exit 3, one sentence)."""
from __future__ import annotations

import socket
import ssl

import pytest

from conformance.options import RunOptions
from conformance.reference_server import DEFAULTS
from conformance.runner.engine import Engine, Unreachable
from tests.hostile import Conn, HostileServer, free_port
from tests.hostile_run import assert_no_traceback, cli, reference, run_engine_at


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    bundle = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return server_context, str(bundle)


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

