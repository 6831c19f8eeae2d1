"""Independent ROOMZ and Roomonitor servers, written from the contract alone.

They do not share code or data with ``conformance/reference_server``: they were written from
shared/contract/CONTRACT.md, REQUIREMENTS.md and the README's "Interpretations of ours" only.
Each is a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 (port 0), HTTP/1.1 keep-alive with
Content-Length (unless a toggle asks for chunked framing or ``Connection: close``), started
and stopped in a background thread.

Constructor keyword options toggle behaviours. Two kinds:

* **correct variants** — things the contract allows a vendor to do differently (a path
  prefix, odd ids, 201 without a body, HTML error bodies, gzip, private meetings, ...);
* **faults** — ``faults={"name", ...}``: one planted contract violation each (see
  ``ROOMZ_FAULTS`` / ``ROOMONITOR_FAULTS`` for what each breaks and why).

    with RoomzServer(prefix="/api/roomz", error_style="html") as srv:
        srv.url, srv.username, srv.password

Layout: ``http`` holds the HTTP plumbing both servers share (start/stop in a thread, reply
framing: keep-alive, chunked, gzip, latency); ``roomz`` and ``roomonitor`` hold one server each.
"""
from __future__ import annotations

from tests.independent.roomonitor import ROOMONITOR_DEFAULTS, ROOMONITOR_FAULTS, RoomonitorServer
from tests.independent.roomz import ROOMZ_DEFAULTS, ROOMZ_FAULTS, RoomzServer

__all__ = ["ROOMONITOR_DEFAULTS", "ROOMONITOR_FAULTS", "ROOMZ_DEFAULTS", "ROOMZ_FAULTS",
           "RoomonitorServer", "RoomzServer"]
