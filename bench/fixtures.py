"""Bench fixtures for ``conformance validate``: a large v2 import, made on demand (never committed).

    python bench/fixtures.py [DIR] [--bookings 30000]

writes ``DIR/v2-valid.json`` (every booking valid, about 200 bytes each: 6 MB for 30,000) and
``DIR/v2-faults.json`` (the same import with a fault in every tenth booking: each RMP-* rule a
v2 import can break, in turn, MUST and SHOULD alike, one duplicated key among them), plus
``DIR/booking-v2-array.json``, a schema for the whole import (an array of ``schemas/booking-v2.json``)
for tools that validate one document against one schema, such as check-jsonschema.

The data look like a property-management system's export: mostly the roomId variant, a third
customRoomId bookings (some of them updates), mobile numbers that some numbering plan accepts,
names with accents, a few guests with two numbers. Deterministic (a fixed seed), so two runs
measure the same bytes.
"""
from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = Path(__file__).resolve().parent / ".data"

FIRST = ["LOUIS", "JOHAN", "María", "José", "Zoë", "Ana", "Pierre", "Jürgen", "Siobhán", "Luca", "Øyvind",
         "Nuno", "Chloé", "Mateo", "Ines", "Hannah", "Oliver", "Aiko", "Tomás", "Élodie"]
LAST = ["MCARTHUR", "García López", "Müller", "Dubois", "Rossi", "O'Brien", "Silva", "Kowalski", "Nakamura",
        "Fernández", "Jensen", "Costa", "Novák", "Smith", "Ivanova", "Bianchi", "Martin", "Svensson"]
LANGS = ["EN", "ES", "FR", "DE", "IT", "PT", "NL", "CA"]
PMS = ["zapier", "avantio", "guesty", "hostaway", "smoobu"]
# (calling code, a prefix of a mobile range, digits after it): numbers those plans accept
MOBILES = [("34", "6", 8), ("34", "7", 8), ("44", "7", 9), ("33", "6", 8), ("49", "151", 8), ("39", "3", 9),
           ("351", "91", 7), ("31", "6", 8), ("1", "212555", 4)]
DAY_MS = 86_400_000
START_MS = 1_704_067_200_000   # 2024-01-01T00:00:00Z


def _phone(rng: random.Random) -> str:
    import phonenumbers

    while True:
        cc, head, n = rng.choice(MOBILES)
        number = f"+{cc}{head}{rng.randrange(10 ** n):0{n}d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(number, None)):
            return number


def valid_bookings(count: int, seed: int = 21) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(count):
        checkin = START_MS + rng.randrange(3 * 365) * DAY_MS + 15 * 3_600_000
        checkout = checkin + rng.randrange(0, 15) * DAY_MS - 4 * 3_600_000 * (rng.random() < 0.5)
        checkout = max(checkin, checkout)
        phone = _phone(rng) if rng.random() > 0.05 else f"{_phone(rng)}, {_phone(rng)}"
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if rng.random() < 0.67:
            out.append({"id": f"B{100000 + i}", "roomId": f"r{rng.randrange(16 ** 12):012x}", "checkin": checkin,
                        "checkout": checkout, "guestPhone": phone, "guestName": name, "lang": rng.choice(LANGS)})
        elif rng.random() < 0.9:
            out.append({"customRoomId": f"APT-{rng.randrange(1, 400)}", "idBooking": str(3_000_000 + i),
                        "pm": rng.choice(PMS), "bookingType": "Booked", "checkin": checkin, "checkout": checkout,
                        "guestPhone": phone, "guestName": name, "lang": rng.choice(LANGS), "updatedBooking": False})
        else:   # an update (a cancellation) of a booking made in an earlier import
            out.append({"customRoomId": f"APT-{rng.randrange(1, 400)}", "idBooking": str(2_000_000 + i),
                        "pm": rng.choice(PMS), "bookingType": "Cancel", "guestName": name,
                        "lang": rng.choice(LANGS), "updatedBooking": True})
    return out


def _drop(key: str) -> Callable[[dict], None]:
    return lambda b: b.pop(key, None)


def _set(key: str, value: Any) -> Callable[[dict], None]:
    def apply(b: dict) -> None:
        b[key] = value
    return apply


def _first_present(*keys: str) -> Callable[[dict], None]:
    def apply(b: dict) -> None:
        b.pop(next(k for k in keys if k in b))
    return apply


def _seconds(b: dict) -> None:
    if "checkin" in b:
        b["checkin"] //= 1000
    else:
        b["lang"] = "XX"


def _swap(b: dict) -> None:
    if "checkin" in b and b["checkin"] != b["checkout"]:
        b["checkin"], b["checkout"] = b["checkout"], b["checkin"]
    else:
        b["checkout"] = b.get("checkin", START_MS) - DAY_MS


def _both_variants(b: dict) -> None:
    b["customRoomId"] = "APT-1"


def _neither_variant(b: dict) -> None:
    for k in ("id", "roomId", "customRoomId", "idBooking"):
        b.pop(k, None)


def _v1_shape(b: dict) -> None:
    b.clear()
    b.update({"firstname": "Jose", "lastname": "Garcia", "prefix": "34", "telephone": "666555444",
              "email": "jose@example.com", "room": "gNY7H9ND3KMzbsFAQ", "checkin": "2024-02-10",
              "checkout": "2024-02-12", "customerReference": "x"})


def _float_stamp(b: dict) -> None:
    if "checkin" in b:
        b["checkin"] = float(b["checkin"])
    else:
        b["guestName"] = ""


# One fault a booking, in turn: (what, how). Applied to every tenth booking of the valid import.
FAULTS: list[tuple[str, Callable[[dict], None]]] = [
    ("missing guestName", _drop("guestName")),
    ("timestamp as a string", lambda b: b.__setitem__("checkin", str(b.get("checkin", START_MS)))),
    ("timestamp in seconds", _seconds),
    ("checkout before checkin", _swap),
    ("phone with spaces", _set("guestPhone", "+34 666 555 666")),
    ("phone no plan knows", _set("guestPhone", "+99912345678")),
    ("unassigned lang", _set("lang", "XX")),
    ("lowercase lang", _set("lang", "es")),
    ("lang with a region", _set("lang", "en-GB")),
    ("unknown field", _set("guest_name", "x")),
    ("both variants", _both_variants),
    ("neither variant", _neither_variant),
    ("empty string", _set("guestName", "")),
    ("null value", _set("lang", None)),
    ("a v1 booking", _v1_shape),
    ("float timestamp", _float_stamp),
    ("id partner missing", _first_present("id", "idBooking")),
    ("ISO date for a timestamp", _set("checkout", "2024-03-01T10:00:00Z")),
    ("phone without +", _set("guestPhone", "0034666555666")),
    ("number as a name", _set("guestName", 12345)),
    ("bookingType misspelt", _set("bookingType", "Cancelled")),
    ("updatedBooking as a string", _set("updatedBooking", "true")),
]
DUPLICATE_ID_EVERY = 7       # every 7th fault also repeats an earlier booking's id (RMP-UNIQUE)


def faulty_bookings(valid: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = [dict(b) for b in valid]
    for n, i in enumerate(range(9, len(out), 10)):
        _, fault = FAULTS[n % len(FAULTS)]
        fault(out[i])
        if n % DUPLICATE_ID_EVERY == DUPLICATE_ID_EVERY - 1:
            for key in ("id", "idBooking"):
                if key in out[i] and key in out[i - 5]:
                    out[i][key] = out[i - 5][key]
    return out


def dump(bookings: list[dict[str, Any]], duplicate_key_at: int | None = None) -> bytes:
    """One booking a line, as an export usually looks; ``duplicate_key_at`` repeats a key there."""
    lines = [json.dumps(b, ensure_ascii=False) for b in bookings]
    if duplicate_key_at is not None:
        lines[duplicate_key_at] = lines[duplicate_key_at].replace("{", '{"lang": "EN", ', 1)
    return ("[\n" + ",\n".join(lines) + "\n]\n").encode("utf-8")


def array_schema() -> dict[str, Any]:
    """The whole import as one schema: a non-empty array of ``schemas/booking-v2.json``."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "array", "minItems": 1,
            "items": {"$ref": (ROOT / "schemas" / "booking-v2.json").as_uri()}}


def write(directory: Path, count: int = 30_000) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    valid = valid_bookings(count)
    paths = {"valid": directory / "v2-valid.json", "faults": directory / "v2-faults.json",
             "schema": directory / "booking-v2-array.json"}
    paths["valid"].write_bytes(dump(valid))
    paths["faults"].write_bytes(dump(faulty_bookings(valid), duplicate_key_at=min(29, count - 1)))
    paths["schema"].write_text(json.dumps(array_schema(), indent=1))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--bookings", type=int, default=30_000)
    args = parser.parse_args()
    for name, path in write(args.dir, args.bookings).items():
        print(f"{name}: {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
