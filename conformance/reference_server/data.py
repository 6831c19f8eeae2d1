"""Seed data and demo credentials of the reference server.

The ROOMZ meetings are placed relative to the moment the server starts, so that a suite run at
any time sees past meetings, one in progress, future ones, a private one, a cancelled one, both
imageUrl shapes and an empty room, all within seven days of now (a suite that writes must keep
its own meetings far in the future, away from these).

The Roomonitor room ids look like the production ones but are deliberately *not* the ids printed
in the vendor's examples: a suite that books the documentation's room ids instead of taking them
from get-rooms must fail here, as it would on a real server.
"""
from __future__ import annotations

from dataclasses import dataclass

# The reference server's own demo credentials; `conformance serve` prints them, nothing else may.
DEFAULTS: dict[str, str] = {
    "username": "roomz",
    "password": "roomz-secret",
    "user_id": "jXm4Rk2TqP8sWbN7e",
    "auth_token": "Zk3v9QeR7tLw2YhN8pXc4FmB6sJd1GuA0oKi5TyE3rW",
    "login_email": "pms@example.com",
    "login_password": "pms-sandbox-2024",
}

ROOMZ_ROOMS: tuple[tuple[str, str], ...] = (
    ("57", "Weisshorn"),
    ("22", "Moleson"),
    ("r212", "Cervin"),
    ("8", "Eiger"),          # deliberately without meetings
    ("r305", "Dent Blanche"),
)

ORGANIZERS: dict[str, str] = {
    "u567": "John Doe",
    "u568": "Maria Rossi",
    "u569": "Luca Bernasconi",
    "u570": "Anna Keller",
}

# Marks a seeded meeting without the imageUrl field (as opposed to an explicit null).
NO_IMAGE = "<absent>"


@dataclass(frozen=True)
class SeedMeeting:
    """A meeting of the seed, its times in hours relative to the start hour (now, floored)."""
    room_id: str
    meeting_id: str
    subject: str
    organizer_id: str
    start_h: float
    end_h: float
    created_h: float
    is_private: bool = False
    is_cancelled: bool = False
    image_url: str | None = NO_IMAGE


IMAGE = "https://images.example.com/roomz/sprint-demo.png"

SEED_MEETINGS: tuple[SeedMeeting, ...] = (
    SeedMeeting("57", "m1001", "Product Review", "u567", -26, -25, -72),
    # In progress whatever the minute: it runs from an hour before the start hour to an hour after.
    SeedMeeting("57", "m1002", "Sprint Demo", "u568", -1, 1, -48, image_url=IMAGE),
    SeedMeeting("57", "m1003", "Budget 2025", "u569", 2, 3, -24, is_private=True, image_url=None),
    # Cancelled, and re-booked by m1005 over part of its slot: cancelled meetings never conflict.
    SeedMeeting("57", "m1004", "Vendor Call", "u570", 3, 4, -30, is_cancelled=True),
    SeedMeeting("57", "m1005", "Team Sync", "u567", 3.5, 4.5, -2),
    SeedMeeting("57", "m1006", "Client Workshop", "u568", 26, 29, -100),
    SeedMeeting("22", "m2001", "Board Meeting", "u570", -48, -46, -160),
    SeedMeeting("22", "m2002", "1:1 Anna / Marc", "u570", 5, 5.5, -12, image_url=None),
    SeedMeeting("22", "m2003", "Architecture Board", "u569", 48, 50, -20,
                image_url="https://images.example.com/roomz/architecture.jpg"),
    SeedMeeting("r212", "m3001", "Interview", "u567", -3, -2, -50),
    SeedMeeting("r212", "m3002", "Design Critique", "u568", 1, 2, -6),
    SeedMeeting("r212", "m3003", "Offsite Prep", "u569", 144, 146, -1),
    SeedMeeting("r305", "m5001", "Training", "u570", -144, -140, -150),
    SeedMeeting("r305", "m5002", "All Hands Rehearsal", "u567", 96, 97, -3, is_private=True),
)

# Only under the end-before-start fault: a meeting that ends before it starts.
REVERSED_MEETING = SeedMeeting("57", "m1099", "Retro", "u569", 6, 5.5, -5)

# The account of the Roomonitor sandbox: (room id, name); extra accounts exercise the 400s.
ROOMONITOR_ROOMS: tuple[tuple[str, str], ...] = (
    ("Hq7ZtB3mKx9WpR2cA", "ROOM 1"),
    ("N4sLd8YvQe6JfT1uK", "Apartment Sol 2B"),
    ("pC2wX9rMb5GhZ7kDs", "Loft Ramblas 4"),
    ("Ty6VnE3jUq8RaL4zW", "Studio Gracia 1A"),
)
# A second customer that owns no rooms (get-rooms answers 400 "No rooms associated ...").
ROOMLESS_USER = ("aN5pRw8XkT2mQz7Lc", "Vb8Nq2Lw6RtY4Hs9Kp1Xm3Dc7Fj5Gz0Ae2Ui8Oo4Ps")

SERVICE_ORGANIZER_NAME = "ROOMZ Display"


def extra_room_ids(count: int, prefix: str) -> list[tuple[str, str]]:
    """``count`` more rooms for load tests: stable ids and names, distinct from the seed."""
    return [(f"{prefix}{i:03d}", f"Meeting Room {i:03d}") for i in range(1, count + 1)]
