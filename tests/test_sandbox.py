"""The Roomonitor sandbox as a PMS developer uses it: `conformance serve --api roomonitor`,
their client talking real HTTP to it, and the report written on shutdown."""
from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time

import requests

from conformance.reference_server import DEFAULTS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_pms_client_against_the_sandbox_gets_a_report(tmp_path) -> None:
    port = _free_port()
    report = tmp_path / "sandbox"
    proc = subprocess.Popen([sys.executable, "-m", "conformance", "serve", "--api", "roomonitor", "--port", str(port),
                             "--report-dir", str(report)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        # the client's side: log in, list rooms, import one good and one bad booking
        login = requests.post(f"{base}/login", json={"email": DEFAULTS["login_email"],
                                                     "password": DEFAULTS["login_password"]}, timeout=5)
        assert login.status_code == 200
        data = login.json()["data"]
        headers = {"X-User-Id": data["userId"], "X-Auth-Token": data["authToken"]}
        rooms = requests.get(f"{base}/get-rooms/{data['userId']}", headers=headers, timeout=5).json()
        good = {"id": "pms-1", "roomId": rooms[0]["_id"], "checkin": 1893456000000, "checkout": 1893628800000,
                "guestPhone": "+447700900123", "guestName": "Test Guest", "lang": "EN"}
        bad = {**good, "id": "pms-2", "guestPhone": "+44 7700 900123", "lang": "english"}
        answer = requests.post(f"{base}/v2/import_bookings/{data['userId']}", headers=headers,
                               json=[good, bad], timeout=5)
        assert answer.status_code == 200
        lines = answer.json()
        assert lines[0].startswith("[SUCCESS][Booking ID: pms-1]")
        assert not lines[1].startswith("[SUCCESS]") and "RMP-V2-PHONE" in lines[1]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    document = json.loads((report / "sandbox.json").read_text())
    [imported] = document["imports"]
    assert imported["valid"] is False
    rules = {v["rule"] for v in imported["violations"]}
    assert {"RMP-V2-PHONE", "RMP-V2-LANG"} <= rules
    assert all(v["path"].startswith("/1/") for v in imported["violations"] if v["level"] == "MUST")
    html = (report / "sandbox.html").read_text()
    assert "RMP-V2-PHONE" in html and "Roomonitor sandbox report" in html
    assert "RMP-V2-PHONE" in (report / "sandbox.txt").read_text()
