"""Root causes: where a pattern of Roomonitor findings points to one cause, say it once."""
from __future__ import annotations

from conformance.checks.apis import RootCause
from conformance.checks.roomonitor.discovery import RoomonitorDiscovery
from conformance.client import Exchange
from conformance.results import Ledger


def root_causes(ledger: Ledger, d: RoomonitorDiscovery, traffic: list[Exchange]) -> list[RootCause]:
    causes = []
    auth_off = RootCause.authentication_off(ledger, traffic, ("RM-AUTH-MISSING", "RM-AUTH-WRONG"))
    if auth_off:
        causes.append(auth_off)
    if "wrapped" in ledger["RM-ROOMS"].kinds:
        causes.append(
            RootCause(
                "get-rooms wraps its list in an object; the suite read the array inside and judged the rest",
                ("RM-ROOMS",),
            )
        )
    json_ops = {k.split(":")[0] for k in ledger["RM-JSON"].kinds}
    if len(json_ops) >= 2:
        causes.append(RootCause("answers are not sent as application/json on any call",
                                RootCause.failed(ledger, "RM-JSON")))
    crashed = {k.split(":")[0] for k in ledger["RM-5XX"].kinds}
    if len(crashed) >= 2:
        explains = RootCause.failed(ledger, "RM-5XX") + RootCause.failed_on_5xx(ledger, "RM-EMPTY", "RM-CUSTOMER")
        causes.append(RootCause(f"the server answers 5xx to input it should refuse with 400, on {len(crashed)} calls",
                                explains))
    if len([k for k in ledger["RM-IMPORT-PARTIAL"].kinds if k.startswith("invalid-success")]) >= 3:
        causes.append(RootCause("the import saves bookings without validating them", ("RM-IMPORT-PARTIAL",)))
    return causes
