"""Opt-in faults and allowed variants of the reference server.

A *fault* breaks exactly one catalog requirement so the suite's own tests can prove that the
check for that requirement fires (and that the clean server passes). Each fault is as narrow as
the contract allows; where another requirement cannot help being touched, the description says
which one and why, so a check author knows what to expect.

A *variant* is behaviour the contract allows but the default server does not show (an empty
POST answer, extra fields, ...). Variants let the suite prove it does not fail a conformant
server merely for choosing differently.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

APIS = ("roomz", "roomonitor")


@dataclass(frozen=True)
class Fault:
    name: str          # kebab-case, stable: tests and the CLI use it
    api: str           # "roomz" or "roomonitor"
    requirement: str   # the one catalog ID this fault breaks
    description: str   # what changes, and any requirement it unavoidably touches


def _faults(*faults: Fault) -> dict[str, Fault]:
    return {f.name: f for f in faults}


FAULTS: dict[str, Fault] = _faults(
    # --- ROOMZ: conventions ---
    Fault("text-content-type", "roomz", "RZ-JSON",
          "Every 2xx answer with a body is sent as 'text/plain; charset=utf-8' (the body is still "
          "JSON). Error answers keep application/json."),
    Fault("date-offset", "roomz", "RZ-UTC",
          "creationDateUTC is rendered as '2024-05-01T10:00:00+00:00' instead of '...Z'. Only "
          "creationDateUTC, so window, order and persistence checks (which compare start and end "
          "dates) are not touched."),
    Fault("reject-seconds", "roomz", "RZ-UTC-ACCEPT",
          "A date whose seconds are not 00 is refused with 400: GET from/to, POST and PUT dates. "
          "Touches any other check that happens to send such dates."),
    Fault("null-location", "roomz", "RZ-NULL",
          "The seeded meeting in progress now (room 57) carries an extra field "
          "\"location\": null. Extra fields are allowed, so nothing but RZ-NULL is broken."),
    Fault("crash-non-object-body", "roomz", "RZ-5XX",
          "POST or PUT whose body is JSON but not an object (array, string, number, null) answers "
          "500. A 5xx is also not a listed status (RZ-STATUS-LISTED) by nature."),
    Fault("bad-date-422", "roomz", "RZ-STATUS-LISTED",
          "POST with a missing or malformed date answers 422 instead of 400 (POST only: PUT must "
          "answer 400 under RZ-UPDATE-INVALID). RZ-CREATE-INVALID still passes: any 4xx refuses."),
    # --- ROOMZ: authentication ---
    Fault("no-auth-rooms", "roomz", "RZ-AUTH-MISSING",
          "GET /rooms without an Authorization header answers 200 with the rooms."),
    Fault("any-password", "roomz", "RZ-AUTH-WRONG",
          "The known user name is accepted with any password (unknown users still get 401)."),
    Fault("accept-bearer", "roomz", "RZ-AUTH-MALFORMED",
          "'Authorization: Bearer <anything>' is accepted as valid credentials."),
    Fault("reject-valid-put", "roomz", "RZ-AUTH-VALID",
          "A PUT with valid credentials that would succeed answers 403 (validation, 404 and 409 "
          "answers are unchanged). The meeting is not updated, so RZ-UPDATE and RZ-UPDATE-PERSIST "
          "cannot pass either: their successful PUT is exactly what is refused; 403 is not a listed "
          "code, so RZ-STATUS-LISTED warns about the same answer."),
    Fault("no-challenge", "roomz", "RZ-AUTH-CHALLENGE",
          "401 answers carry no WWW-Authenticate header."),
    # --- ROOMZ: rooms ---
    Fault("room-id-number", "roomz", "RZ-ROOMS",
          "GET /rooms renders numeric-looking room ids as JSON numbers (57 instead of \"57\"); the "
          "rooms still work when addressed as /rooms/57/..."),
    Fault("duplicate-room", "roomz", "RZ-ROOMS-UNIQUE",
          "GET /rooms lists the first room a second time at the end."),
    # --- ROOMZ: listing meetings ---
    Fault("missing-is-private", "roomz", "RZ-MEETINGS",
          "Meetings are rendered without the isPrivate field (in every answer that holds a "
          "meeting)."),
    Fault("duplicate-meeting", "roomz", "RZ-MEETINGS-UNIQUE",
          "Every non-empty GET meetings answer repeats its first meeting at the end."),
    Fault("end-before-start", "roomz", "RZ-MEETINGS-ORDER",
          "Room 57 holds an extra seeded meeting whose end is 30 minutes before its start "
          "(starting 6 hours after the server started). It is listed when its start lies in the "
          "window, which a checker that computes overlap from the reversed dates may also count "
          "against RZ-MEETINGS-WINDOW."),
    Fault("window-starts-only", "roomz", "RZ-MEETINGS-WINDOW",
          "GET meetings lists only meetings that start inside [from, to): a meeting already in "
          "progress at 'from' is dropped."),
    Fault("lenient-dates", "roomz", "RZ-MEETINGS-BADDATE",
          "GET meetings ignores a from/to that is not a date (the window is open on that side) "
          "and answers 200; a missing from/to still answers 400."),
    Fault("unknown-room-empty", "roomz", "RZ-MEETINGS-UNKNOWN-ROOM",
          "GET meetings of an unknown room answers 200 []."),
    Fault("http-image", "roomz", "RZ-IMAGE",
          "Every https imageUrl is served as http:// (the seed has two, one on the meeting in "
          "progress in room 57)."),
    # --- ROOMZ: creating meetings ---
    Fault("create-202", "roomz", "RZ-CREATE",
          "A successful POST answers 202 (the meeting is still created). 202 is not a listed "
          "code either, so RZ-STATUS-LISTED is touched by nature."),
    Fault("create-drops-subject", "roomz", "RZ-CREATE-PERSIST",
          "POST stores the subject as 'Booked' whatever was sent."),
    Fault("no-create-conflict", "roomz", "RZ-CREATE-CONFLICT",
          "POST never answers 409: overlapping meetings are created."),
    Fault("create-unknown-room", "roomz", "RZ-CREATE-UNKNOWN-ROOM",
          "POST to an unknown room answers 201 and stores the meeting in a hidden bucket (the "
          "room still does not appear in GET /rooms and GET meetings of it still answers 404)."),
    Fault("any-organizer", "roomz", "RZ-CREATE-UNKNOWN-ORGANIZER",
          "POST with an unknown organizerId creates the meeting (organizerName = the id) instead "
          "of answering 404. RZ-CREATE-UNKNOWN-ORGANIZER is a SHOULD: a warning only."),
    Fault("create-accepts-reversed", "roomz", "RZ-CREATE-INVALID",
          "POST with an end before its start answers 201 and stores the meeting with start and "
          "end swapped (so listings still obey RZ-MEETINGS-ORDER). Malformed dates still 400."),
    # --- ROOMZ: updating meetings ---
    Fault("update-rejects-full-body", "roomz", "RZ-UPDATE",
          "PUT whose body carries any field besides startDateUTC/endDateUTC answers 400 (after "
          "404/400/409 checks, so those answers are unchanged). RZ-UPDATE-PERSIST cannot be "
          "verified when every full-body PUT is refused."),
    Fault("update-not-saved", "roomz", "RZ-UPDATE-PERSIST",
          "PUT answers 200 with the updated meeting but stores nothing."),
    Fault("update-unknown-200", "roomz", "RZ-UPDATE-UNKNOWN",
          "PUT to an unknown room or meeting answers 200 with an empty body and changes nothing."),
    Fault("update-accepts-reversed", "roomz", "RZ-UPDATE-INVALID",
          "PUT that makes end precede start answers 200 and stores the dates swapped (listings "
          "still obey RZ-MEETINGS-ORDER). Malformed dates still 400."),
    Fault("no-update-conflict", "roomz", "RZ-UPDATE-CONFLICT",
          "PUT never answers 409: a meeting may be moved onto another one."),
    # --- Roomonitor ---
    Fault("rm-text-content-type", "roomonitor", "RM-JSON",
          "200 answers are sent as 'text/plain; charset=utf-8' (bodies are still JSON)."),
    Fault("rm-crash-non-array", "roomonitor", "RM-5XX",
          "An import whose body is a JSON object (not an array) answers 500."),
    Fault("rm-no-auth-rooms", "roomonitor", "RM-AUTH-MISSING",
          "GET /get-rooms/{userId} with neither X-User-Id nor X-Auth-Token answers 200 with the "
          "rooms (wrong headers are still refused)."),
    Fault("rm-ignore-user-mismatch", "roomonitor", "RM-AUTH-WRONG",
          "An X-User-Id that differs from the path is accepted when X-Auth-Token is valid for the "
          "path's user (and the import saves)."),
    Fault("rm-error-shape", "roomonitor", "RM-ERROR-BODY",
          "401 bodies are {\"error\": \"Unauthorized\"} instead of {status, message}; the status "
          "code stays 401 and other 4xx bodies are unchanged."),
    Fault("rm-login-json-only", "roomonitor", "RM-LOGIN",
          "POST /login with a form body (username/password) answers 401 even when correct."),
    Fault("rm-rooms-no-name", "roomonitor", "RM-ROOMS",
          "get-rooms renders rooms as {\"_id\", \"roomName\"}: no 'name'. The _id is kept so "
          "imports still find their rooms."),
    Fault("rm-empty-200", "roomonitor", "RM-EMPTY",
          "An import with [] or an empty body answers 200 [] instead of 400."),
    Fault("rm-unknown-customer-saves", "roomonitor", "RM-CUSTOMER",
          "An import for an unknown user id (with X-User-Id equal to it, any token) answers 200 "
          "and saves the bookings under that id, accepting any room."),
    Fault("rm-v1-object", "roomonitor", "RM-IMPORT-V1",
          "A v1 import answers 200 {\"status\": \"success\", \"data\": [lines]} instead of the "
          "array of lines. A v1-based partial-import check is touched too."),
    Fault("rm-v2-wrong-id", "roomonitor", "RM-IMPORT-V2",
          "When every booking of a v2 import is a valid roomId-variant booking, each [SUCCESS] "
          "line names the roomId instead of the booking id (imports with an invalid booking or a "
          "customRoomId booking are unchanged, so RM-IMPORT-PARTIAL and RM-IMPORT-V2-CUSTOM hold)."),
    Fault("rm-custom-update-fails", "roomonitor", "RM-IMPORT-V2-CUSTOM",
          "A customRoomId update (updatedBooking: true) always answers '[ERROR][Booking ID: x] no "
          "booking x to update', even after its insert."),
    Fault("rm-all-or-nothing", "roomonitor", "RM-IMPORT-PARTIAL",
          "When one booking of an import is invalid, every line is [ERROR] and nothing is saved."),
)

VARIANTS: dict[str, str] = {
    "create-200-empty": "ROOMZ: a successful POST answers 200 with an empty body (no Content-Type); "
                        "the meeting is found again through GET meetings.",
    "put-no-body": "ROOMZ: a successful PUT answers 200 with an empty body and no Content-Type.",
    "extra-fields": "ROOMZ: rooms and meetings carry extra non-null fields (\"capacity\": 12, "
                    "\"location\": {\"floor\": 2, ...}), which clients must ignore.",
    "no-image-url": "ROOMZ: meetings never carry imageUrl (it is optional).",
    "plain-4xx": "ROOMZ: 4xx answers have a text/plain body (the contract only says 2xx content is JSON).",
    "service-organizer": "ROOMZ: POST accepts any organizerId: meetings of unknown organizers are "
                         "booked under one service account (organizerName 'ROOMZ Display') and keep "
                         "the organizerId sent. Only the SHOULD RZ-CREATE-UNKNOWN-ORGANIZER is "
                         "affected: a warning, the verdict stays conformant.",
    "creation-equals-start": "ROOMZ: the system keeps no creation date, so creationDateUTC equals "
                             "startDateUTC, as the contract prescribes for that case.",
    "rm-mismatch-400": "Roomonitor: an X-User-Id that differs from the path is refused with 400 "
                       "{status, message} instead of 401 (the suite allows either).",
}

# The API each variant applies to; a variant of the other API is refused like an unknown name.
VARIANT_API: dict[str, str] = {name: ("roomonitor" if name.startswith("rm-") else "roomz")
                               for name in VARIANTS}


def resolve_faults(api: str, names: Iterable[str | Fault]) -> frozenset[str]:
    """The validated fault names for ``api``; ValueError names the known ones otherwise."""
    chosen = set()
    for item in names:
        name = item.name if isinstance(item, Fault) else item
        fault = FAULTS.get(name)
        if fault is None or fault.api != api:
            known = ", ".join(n for n, f in FAULTS.items() if f.api == api)
            why = "unknown fault" if fault is None else f"fault for the {fault.api} API, not {api}"
            raise ValueError(f"{why}: {name!r}; known {api} faults: {known}")
        chosen.add(name)
    return frozenset(chosen)


def resolve_variants(api: str, names: Iterable[str]) -> frozenset[str]:
    """The validated variant names for ``api``; ValueError names the known ones otherwise."""
    chosen = set()
    for name in names:
        if VARIANT_API.get(name) != api:
            known = ", ".join(n for n, a in VARIANT_API.items() if a == api) or "none"
            why = "unknown variant" if name not in VARIANTS else f"variant for the {VARIANT_API[name]} API, not {api}"
            raise ValueError(f"{why}: {name!r}; known {api} variants: {known}")
        chosen.add(name)
    return frozenset(chosen)


def check_api(api: str) -> str:
    """``api`` itself when it is one the reference server implements."""
    if api not in APIS:
        raise ValueError(f"unknown api {api!r}; known: {', '.join(APIS)}")
    return api
