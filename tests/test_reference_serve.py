"""Starting and stopping the bundled reference server, and ``serve_main`` (the ``serve`` command):
foreground run, credentials printed, the sandbox report directory (helpers in tests/reference_client.py)."""
from __future__ import annotations

import json
import threading

import pytest
import requests

from conformance.reference_server import DEFAULTS, ReferenceServer, serve_main
from tests.reference_client import Client, rooms_of, v2_booking


def test_start_stop_and_context_manager_are_idempotent():
    srv = ReferenceServer()
    with pytest.raises(RuntimeError):
        srv.url
    assert srv.start() is srv and srv.start() is srv
    url = srv.url
    srv.stop()
    srv.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/rooms", timeout=2)


def test_serve_main_prints_credentials_and_writes_the_sandbox_report(monkeypatch, capsys, tmp_path):
    def session(self: ReferenceServer) -> None:  # what a PMS developer does before pressing Ctrl-C
        self.start()
        c = Client(self)
        room = rooms_of(c)[0]
        c.imports("v2", [v2_booking(room, "1"), {**v2_booking(room, "2"), "guestPhone": "34 666"}])
        c.imports("v1", None, raw=b"[{,}]")
        self.stop()

    monkeypatch.setattr(ReferenceServer, "serve_forever", session)
    assert serve_main("roomonitor", port=0, report_dir=tmp_path / "out") == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:" in out and DEFAULTS["auth_token"] in out and DEFAULTS["login_email"] in out
    assert "2 import(s) received" in out
    report = json.loads((tmp_path / "out" / "sandbox.json").read_text())
    first, second = report["imports"]
    assert first["status"] == 200 and first["results"][0].startswith("[SUCCESS]")
    assert first["results"][1].startswith("[ERROR][Booking ID: 2]") and second["status"] == 400
    assert {v["rule"] for v in second["violations"]} == {"RMP-JSON"} and second["valid"] is False
    text = (tmp_path / "out" / "sandbox.txt").read_text()
    assert "import #1 (v2" in text and "RMP-JSON" in text
    assert DEFAULTS["auth_token"] not in text + json.dumps(report)


def test_serve_main_refuses_an_unwritable_report_dir(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert serve_main("roomonitor", port=0, report_dir=blocker / "sub") == 2


def test_serve_main_foreground(capsys):
    import _thread
    import signal

    # an xdist worker may ignore SIGINT, and interrupt_main() then does nothing: restore the default
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Timer(0.3, _thread.interrupt_main).start()
        assert serve_main("roomz", port=0, prefix="/api") == 0
    finally:
        signal.signal(signal.SIGINT, previous)
    out = capsys.readouterr().out
    assert "/api" in out and DEFAULTS["password"] in out and "Stopped." in out
