"""Root causes: where a pattern of Roomonitor findings points to one cause, say it once."""
from __future__ import annotations

from conformance.checks.apis import RootCause
from conformance.checks.roomonitor.discovery import RoomonitorDiscovery
from conformance.client import Exchange
from conformance.results import Ledger


def _failed(ledger: Ledger, *rids: str) -> tuple[str, ...]:
    return tuple(r for r in rids if ledger[r].findings)


def root_causes(ledger: Ledger, d: RoomonitorDiscovery, traffic: list[Exchange]) -> list[RootCause]:
    causes = []
    probes = [ex for ex in traffic if ex.operation in ("getRooms", "importBookingsV1", "importBookingsV2")
              and ex.auth not in ("valid", "preflight", "login token", "unknown user") and not ex.auth.startswith("replay")
              and ex.status is not None]
    if len(probes) >= 3 and not any(ex.status in (400, 401, 403) for ex in probes) and any(ex.ok for ex in probes):
        causes.append(RootCause("no call with missing or wrong credentials was ever refused: authentication appears to be off",
                                _failed(ledger, "RM-AUTH-MISSING", "RM-AUTH-WRONG")))
    if any(f.kind == "wrapped" for f in ledger["RM-ROOMS"].findings):
        causes.append(RootCause("get-rooms wraps its list in an object; the suite read the array inside and judged the rest",
                                ("RM-ROOMS",)))
    json_ops = {f.kind.split(":")[0] for f in ledger["RM-JSON"].findings}
    if len(json_ops) >= 2:
        causes.append(RootCause("answers are not sent as application/json on any call", _failed(ledger, "RM-JSON")))
    crashed = {f.kind.split(":")[0] for f in ledger["RM-5XX"].findings}
    if len(crashed) >= 2:
        causes.append(RootCause(f"the server answers 5xx to input it should refuse with 400, on {len(crashed)} calls",
                                _failed(ledger, "RM-5XX", "RM-EMPTY", "RM-CUSTOMER")))
    if any(f.kind.startswith("invalid-success") for f in ledger["RM-IMPORT-PARTIAL"].findings) and \
            len([f for f in ledger["RM-IMPORT-PARTIAL"].findings if f.kind.startswith("invalid-success")]) >= 3:
        causes.append(RootCause("the import saves bookings without validating them", ("RM-IMPORT-PARTIAL",)))
    return causes
