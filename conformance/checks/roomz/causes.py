"""Root causes: where a pattern of findings points to one cause, say it once.

Each requirement keeps its own verdict; these sentences only help a reader see that a dozen
findings are three mistakes. Each detector reads the ledger (and the run's traffic) and names
the requirements it explains.
"""
from __future__ import annotations

from conformance.checks.apis import RootCause
from conformance.checks.roomz.discovery import Listing, RoomzDiscovery
from conformance.client import Exchange
from conformance.results import Ledger

AUTH = ("RZ-AUTH-MISSING", "RZ-AUTH-WRONG", "RZ-AUTH-MALFORMED")


CONTRACT_NAMES = {"meetingId": ("id", "meeting_id"), "startDateUTC": ("start", "startDate", "start_date"),
                  "endDateUTC": ("end", "endDate", "end_date"), "organizerId": ("organizer",),
                  "subject": ("title", "summary")}


def renamed_fields(d: RoomzDiscovery) -> list[tuple[str, str]]:
    """(their name, the contract's) for Meeting fields listed under another name, as the target
    room's meetings show them: the likely mapping, so the vendor knows what to rename."""
    wide = d.__dict__.get("_memo", {}).get("wide")   # as the run read it: naming causes sends nothing
    if not isinstance(wide, Listing):
        return []
    meetings = wide.meetings
    out: list[tuple[str, str]] = []
    for m in meetings[:50]:
        for ours, aliases in CONTRACT_NAMES.items():
            theirs = next((a for a in aliases if a in m), None)
            if ours not in m and theirs is not None and (theirs, ours) not in out:
                out.append((theirs, ours))
    return out


def root_causes(ledger: Ledger, d: RoomzDiscovery, traffic: list[Exchange]) -> list[RootCause]:
    causes = []
    auth_off = RootCause.authentication_off(ledger, traffic, AUTH)
    if auth_off:
        causes.append(auth_off)
    if "window-ignored" in ledger["RZ-MEETINGS-WINDOW"].kinds:
        # a bad date is explained by an ignored window only when it was listed (2xx), not when it crashed
        baddate = ("RZ-MEETINGS-BADDATE",) if any(f.response.startswith("HTTP 2")
                                                  for f in ledger["RZ-MEETINGS-BADDATE"].findings) else ()
        causes.append(RootCause("the listing ignores from and to: a window in 2001 listed today's meetings",
                                RootCause.failed(ledger, "RZ-MEETINGS-WINDOW", *baddate)))
    renamed = renamed_fields(d)
    if renamed and ledger["RZ-MEETINGS"].findings:
        create = ledger["RZ-CREATE"].findings
        refused = ("RZ-CREATE",) if any(f.response.startswith("HTTP 4") for f in create) else ()
        causes.append(RootCause("the Meeting objects carry the contract's data under other names ("
                                + ", ".join(f"{theirs} → {ours}" for theirs, ours in renamed)
                                + (") and POST refuses the contract's names" if refused else ")"),
                                ("RZ-MEETINGS", *refused)))
    wrapped = [rid for rid in ("RZ-ROOMS", "RZ-MEETINGS") if "wrapped" in ledger[rid].kinds]
    if wrapped:
        what = " and ".join({"RZ-ROOMS": "the room list", "RZ-MEETINGS": "the meeting list"}[r] for r in wrapped)
        causes.append(RootCause(f"{what} {'is' if len(wrapped) == 1 else 'are'} wrapped in an object instead of being "
                                "the body itself; the suite read the array inside and judged the rest", tuple(wrapped)))
    json_ops = {k.split(":")[0] for k in ledger["RZ-JSON"].kinds}
    if len(json_ops) >= 3:
        causes.append(RootCause("successful answers are not sent as application/json on any call",
                                RootCause.failed(ledger, "RZ-JSON")))
    crashed = {k.split(":")[0] for k in ledger["RZ-5XX"].kinds}
    if len(crashed) >= 2:
        causes.append(RootCause("the server answers 5xx to input it should refuse with 400 or 404, on "
                                f"{len(crashed)} calls", RootCause.failed(ledger, "RZ-5XX")))
    if any(k.startswith("accepted:") for k in ledger["RZ-CREATE-CONFLICT"].kinds) and \
            any(not k.startswith("changed") and "adjacent" not in k for k in ledger["RZ-UPDATE-CONFLICT"].kinds):
        causes.append(
            RootCause(
                "the server never checks for conflicts: overlapping meetings are accepted on POST and PUT",
                ("RZ-CREATE-CONFLICT", "RZ-UPDATE-CONFLICT"),
            )
        )
    writer = d.writer
    if writer is not None and writer.full_post:
        causes.append(RootCause("POST needs more than the contract's four fields; the suite sent every Meeting field "
                                "to judge the rest", RootCause.failed(ledger, "RZ-CREATE")))
    if writer is not None and writer.dates_only_put:
        causes.append(
            RootCause(
                "PUT refuses the meeting's full field set; the suite sent the dates alone to judge the rest",
                RootCause.failed(ledger, "RZ-UPDATE"),
            )
        )
    return causes
