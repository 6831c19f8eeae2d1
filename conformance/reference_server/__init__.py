"""The bundled reference server: a correct implementation of both contracts, with opt-in faults.

It is the suite's out-of-the-box demo (``conformance run`` without ``--base-url``), the sandbox
behind ``conformance serve``, and the fixture that proves every check fires: each entry of
``FAULTS`` breaks exactly one catalog requirement. It imports nothing from the rest of the
project except ``conformance.payloads`` (the RMP-* rules the sandbox applies), so it can never
be wrong in the same way as the checks it is used to test.

Public surface::

    ReferenceServer(api="roomz"|"roomonitor", host, port, faults, variants, prefix, ssl_context,
                    latency_ms, rooms, username, password, user_id, auth_token, login_email,
                    login_password, record)
    FAULTS    name -> Fault(name, api, note, hooks, requirement, collateral, why)
    VARIANTS  name -> Variant(name, api, note, hooks); VARIANT_API name -> api
    MASKS     the few fault combinations where one hides another's requirement; masked(names)
    DEFAULTS  the demo credentials
    serve_main(api, host, port, faults, variants, prefix, ...)   for `conformance serve`
"""
from __future__ import annotations

from .data import DEFAULTS
from .faults import FAULTS, MASKS, VARIANT_API, VARIANTS, Fault, Variant, masked
from .httpd import MAX_BODY, RecordedRequest
from .roomonitor import BookingVerdict, ReceivedImport, StoredBooking
from .server import ReferenceServer, serve_main

__all__ = [
    "BookingVerdict", "DEFAULTS", "FAULTS", "Fault", "MASKS", "MAX_BODY", "Variant", "masked",
    "RecordedRequest", "ReceivedImport",
    "ReferenceServer", "StoredBooking", "VARIANTS", "VARIANT_API", "serve_main",
]
