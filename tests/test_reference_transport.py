"""The bundled reference server's transport: body limit (413), chunked bodies, keep-alive, path
prefix, TLS, concurrency, latency, and its record of requests (helpers in tests/reference_client.py)."""
from __future__ import annotations

import base64
import http.client
import json
import ssl
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
import requests

from conformance.reference_server import MAX_BODY, ReferenceServer
from tests.reference_client import (  # noqa: F401  (pytest fixtures)
    AUTH,
    Client,
    iso,
    meeting_body,
    parse,
    roomz_fixture,
    rz_fixture,
    slot,
)


def test_oversized_body_answers_413(rz):
    r = rz("POST", "/rooms/57/meetings", data=b"x" * (MAX_BODY + 1), auth=AUTH)
    assert r.status_code == 413 and r.json()["error"]


def test_chunked_body_is_read(rz):
    body = json.dumps(meeting_body(*slot(0))).encode()
    r = rz("POST", "/rooms/57/meetings", data=iter([body[:10], body[10:]]), auth=AUTH,
           headers={"Content-Type": "application/json"})
    assert r.status_code == 201


def test_keep_alive_serves_several_requests_on_one_connection(roomz):
    conn = http.client.HTTPConnection("127.0.0.1", roomz.port, timeout=5)
    token = base64.b64encode(b"roomz:roomz-secret").decode()
    for _ in range(3):
        conn.request("GET", "/rooms", headers={"Authorization": f"Basic {token}"})
        response = conn.getresponse()
        assert response.status == 200 and response.getheader("Content-Length")
        response.read()
    conn.request("GET", "/rooms")  # a 401 keeps the connection too
    response = conn.getresponse()
    assert response.status == 401
    response.read()
    conn.close()


def test_prefix_is_part_of_the_url():
    with ReferenceServer(prefix="api/roomz/") as srv:
        assert srv.url.endswith("/api/roomz")
        c = Client(srv)
        assert c("GET", "/rooms", auth=AUTH).status_code == 200
        bare = srv.url[: -len("/api/roomz")]
        assert requests.get(bare + "/rooms", auth=AUTH, timeout=5).status_code == 404
        assert requests.get(bare + "/rooms", timeout=5).status_code == 401  # auth before 404
        assert requests.get(bare + "/api/roomzz/rooms", auth=AUTH, timeout=5).status_code == 404


def test_tls_with_a_trusted_certificate(tmp_path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with ReferenceServer(ssl_context=context, prefix="/roomz") as srv:
        assert srv.url.startswith("https://127.0.0.1:")
        c = Client(srv, verify=str(bundle))
        assert c("GET", "/rooms", auth=AUTH).status_code == 200
        assert c.create("57", meeting_body(*slot(0))).status_code == 201
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(srv.url + "/rooms", auth=AUTH, timeout=5)  # not trusted by default
        # A plain-HTTP client must not hang the server.
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(srv.url.replace("https", "http") + "/rooms", timeout=5)
        assert c("GET", "/rooms", auth=AUTH).status_code == 200


def at_once(n: int, call: Callable[[int], int]) -> list[int]:
    """``call(0)`` … ``call(n-1)`` on n threads released together; their results (HTTP statuses)."""
    barrier = threading.Barrier(n)
    results: list[int] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        status = call(i)
        with lock:
            results.append(status)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_creates_in_free_slots_all_succeed(roomz):
    def create(i: int) -> int:
        body = meeting_body(*slot(0, i, 30), subject=f"c{i}")
        return requests.post(roomz.url + "/rooms/22/meetings", json=body, auth=AUTH, timeout=10).status_code

    assert at_once(20, create) == [201] * 20
    listed = Client(roomz).meetings("22", **{"from": slot(0)[0], "to": slot(1)[0]}).json()
    assert len(listed) == 20 and len({m["meetingId"] for m in listed}) == 20


def test_concurrent_overlapping_creates_exactly_one_wins(roomz):
    def create(i: int) -> int:
        start = parse(slot(0)[0]) + timedelta(minutes=i)
        body = meeting_body(iso(start), iso(start + timedelta(hours=1)))
        return requests.post(roomz.url + "/rooms/57/meetings", json=body, auth=AUTH, timeout=10).status_code

    assert sorted(at_once(20, create)) == [201] + [409] * 19
    assert len(Client(roomz).meetings("57", **{"from": slot(0)[0], "to": slot(1)[0]}).json()) == 1


def test_latency_and_room_count():
    with ReferenceServer(latency_ms=150, rooms=300) as srv:
        began = time.monotonic()
        rooms = Client(srv).rooms().json()
        assert time.monotonic() - began >= 0.15
    assert len(rooms) == 305 and len({r["roomId"] for r in rooms}) == 305


def test_requests_are_recorded_and_secrets_redacted_in_repr(roomz, rz):
    rz("POST", "/rooms/57/meetings?x=1", data=b'{"a": 1}', auth=AUTH)
    rec = roomz.requests[-1]
    assert (rec.method, rec.path, rec.query, rec.body) == ("POST", "/rooms/57/meetings", "x=1", b'{"a": 1}')
    assert rec.headers["authorization"].startswith("Basic ")  # case-insensitive lookup
    assert "cm9vbXo6" not in repr(rec) and "<redacted>" in repr(rec)
    with ReferenceServer(record=False) as quiet:
        Client(quiet).rooms()
        assert quiet.requests == []
