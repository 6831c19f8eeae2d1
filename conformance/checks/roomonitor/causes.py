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
    probes = [ex for ex in traffic if ex.auth.startswith("probe:") and ex.status is not None]
    accepted = [ex for ex in probes if ex.ok]
    if len(probes) >= 3 and len(accepted) >= 0.75 * len(probes):
        causes.append(RootCause(f"{len(accepted)} of {len(probes)} calls with missing or wrong credentials were "
                                "accepted: authentication appears to be off",
                                _failed(ledger, "RM-AUTH-MISSING", "RM-AUTH-WRONG")))
    if "wrapped" in ledger["RM-ROOMS"].kinds:
        causes.append(
            RootCause(
                "get-rooms wraps its list in an object; the suite read the array inside and judged the rest",
                ("RM-ROOMS",),
            )
        )
    json_ops = {k.split(":")[0] for k in ledger["RM-JSON"].kinds}
    if len(json_ops) >= 2:
        causes.append(RootCause("answers are not sent as application/json on any call", _failed(ledger, "RM-JSON")))
    crashed = {k.split(":")[0] for k in ledger["RM-5XX"].kinds}
    if len(crashed) >= 2:
        causes.append(RootCause(f"the server answers 5xx to input it should refuse with 400, on {len(crashed)} calls",
                                _failed(ledger, "RM-5XX", "RM-EMPTY", "RM-CUSTOMER")))
    if len([k for k in ledger["RM-IMPORT-PARTIAL"].kinds if k.startswith("invalid-success")]) >= 3:
        causes.append(RootCause("the import saves bookings without validating them", ("RM-IMPORT-PARTIAL",)))
    return causes
