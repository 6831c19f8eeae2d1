"""Every field of every Roomonitor request in every wrong form, for RM-5XX (issue 18).

schemathesis draws from the schemas; what a schema cannot express is here: each JSON type in
each field, ``null`` at the top and nested, empty strings and containers, extra fields,
non-ASCII text, and hostile-but-valid JSON (a lone surrogate such as ``"\\ud800"``, integers too
large for a float, Unicode digits such as ``"²"`` where a number is read, Unicode spaces, deep
nesting, very long strings). A correct server refuses what it cannot store or reports the
booking failed; it never answers 5xx.

Everything goes to the real account (the CONTRACT ruling: requests to made-up users prove only
what the server does with made-up users), so every request is built from the suite's own valid
bookings (``api``): one field changed per booking, the guest always the suite's fictional one.
Where a wrong form would still carry contact data (an e-mail address, a phone number) it keeps
the reserved domain and the fictional numbers; a changed id keeps the run's prefix, so nothing
can collide with a real booking. Bodies are sent as the exact bytes built here: UTF-8 text, a
lone surrogate as its JSON escape (``\\ud800``: valid JSON, no valid UTF-8 can carry it).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from urllib.parse import quote

NESTING = 1_500           # deeper than common parsers' default limits (Python 1,000, orjson 1,024)
DEEPER = 50_000           # deep enough for a recursive parser without a limit to exhaust its stack
LONG = 20_000             # characters of a very long string


class Raw(str):
    """JSON text written out by hand (nesting or numbers json.dumps cannot or will not write)."""


def nested(depth: int) -> Raw:
    return Raw("[" * depth + "]" * depth)


# JSON values of every type in place of a field's value: label -> value.
WRONG_TYPES: dict[str, object] = {
    "null": None, "true": True, "false": False, "0": 0, "-1": -1, "1.5": 1.5, "an empty string": "",
    "a string of spaces": "   ", "an empty array": [], "an empty object": {}, "an array holding null": [None],
    "an object holding null": {"a": None}, "an array of strings": ["a", "b"],
}

# Hostile but valid JSON in place of a field's value.
HOSTILE: dict[str, object] = {
    "non-ASCII text": "Zoë Ñandú Łódź 日本語 Ελληνικά עברית 😀",
    "a lone surrogate": "\ud800",
    "Unicode digits (superscripts)": "²³¹",
    "Unicode digits (Arabic-Indic)": "١٢٣٤٥",
    "Unicode spaces": "\u00a0\u2003\u3000\u200b",
    "an integer too large for a float": 10 ** 400,
    "a number with 5,000 digits": Raw("9" * 5_000),
    "a huge float": 1.7976931348623157e308,
    "a float in exponent form": Raw("1.5e9999"),
    "a negative zero": Raw("-0.0"),
    f"a {LONG:,}-character string": "x" * LONG,
    f"an array nested {NESTING} deep": nested(NESTING),
}

WRONG_FORMS: dict[str, object] = {**WRONG_TYPES, **HOSTILE}

IDS = ("id", "idBooking", "customerReference")
ROOMS = ("room", "roomId", "customRoomId")


def dumps(value: object) -> bytes:
    """The exact bytes sent: compact JSON in UTF-8, Raw fragments as written, a lone surrogate as
    its \\u escape (backslashreplace writes exactly that inside a JSON string)."""
    return _text(value).encode("utf-8", "backslashreplace")


def _text(value: object) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, list):
        return "[" + ",".join(_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)    # no float on the way: 10**400 stays an exact integer
    return json.dumps(value, ensure_ascii=False)


def harmless(field: str, value: object, booking: Mapping[str, object], fresh_id: Callable[[], str]) -> object:
    """``value`` as it may be sent in ``field`` of the real account's booking: a string id keeps
    the run's prefix (never a real booking's id), a string e-mail address keeps the reserved
    domain, a string phone number holds no digits but the fictional number's."""
    if not isinstance(value, str) or isinstance(value, Raw) or not value.strip():
        return value
    if field in IDS:
        return f"{fresh_id()}{value}"
    if field == "email":
        return f"{value}@example.com"
    if field in ("telephone", "guestPhone", "prefix") and any(c.isdigit() for c in value):
        own = str(booking.get(field, ""))
        return own + value if not value.isascii() else value.translate({ord(c): None for c in "0123456789"})
    return value


def bookings(base: Callable[[], dict[str, object]], fields: tuple[str, ...], label: str, value: object,
             fresh_id: Callable[[], str]) -> list[dict[str, object]]:
    """One booking per field, each the suite's valid booking with that field set to ``value``."""
    out = []
    for field in fields:
        booking = base()
        booking[field] = harmless(field, value, booking, fresh_id)
        out.append(booking)
    return out


def extra_fields(base: Callable[[], dict[str, object]]) -> list[dict[str, object]]:
    """The suite's valid booking with an unknown field of every form (a server may ignore it)."""
    out = []
    for label, value in WRONG_FORMS.items():
        booking = base()
        booking[f"conformanceExtra {label}"[:40]] = value
        out.append(booking)
    return out


def login_bodies(email: str) -> Iterator[tuple[str, bytes]]:
    """Login bodies with each field in every wrong form (``email`` a fictional address, so no
    real account is tried with them), the body itself of every JSON type, and a nesting deep
    enough to break a recursive parser in a body of about 3 KB, sent before any authentication."""
    for label, value in WRONG_FORMS.items():
        yield f"email {label}", dumps({"email": value, "password": "conformance-wrong-password"})
        yield f"password {label}", dumps({"email": email, "password": value})
    for label, value in WRONG_TYPES.items():
        yield f"a body of {label}", dumps(value)
    yield f"an array nested {NESTING} deep (a {2 * NESTING:,}-byte body)", dumps(nested(NESTING))
    yield f"an object nested {NESTING} deep in the password", dumps(
        {"email": email, "password": Raw('{"a":' * NESTING + "1" + "}" * NESTING)})


def form_logins(email: str) -> Iterator[tuple[str, bytes]]:
    """Form logins (``username``/``password``) with hostile values, ``email`` a fictional address."""
    user = quote(email)
    yield "a non-ASCII password", f"username={user}&password={quote('Zoë 日本 😀')}".encode()
    yield "a password of a UTF-8-encoded surrogate (no valid UTF-8)", f"username={user}&password=%ED%A0%80".encode()
    yield "a password byte that is no UTF-8", f"username={user}&password=%FF%FE".encode()
    yield "each field twice", f"username={user}&username=other%40example.invalid&password=a&password=b".encode()
    yield "no field names", b"=&=&&"
    yield f"a {LONG:,}-character password", f"username={user}&password={'x' * LONG}".encode()


def twice(body: bytes, key: str, value: str) -> bytes:
    """A one-booking body (``[{...}]``) with ``key`` written a second time, as ``value``."""
    return body[:-2] + f",{json.dumps(key)}:{json.dumps(value)}}}]".encode()


def import_bodies(version: str) -> Iterator[tuple[str, bytes]]:
    """Whole import bodies that are no booking array, hostile in their structure."""
    for label in ("null", "true", "0", "an empty string", "an empty object", "an array holding null",
                  "an object holding null", "an array of strings"):
        yield f"a body of {label}", dumps(WRONG_TYPES[label])
    yield f"an array nested {NESTING} deep", dumps(nested(NESTING))
    yield f"an array nested {DEEPER:,} deep", dumps(nested(DEEPER))
    yield f"a booking nested {NESTING} deep", dumps(Raw("[" * NESTING + "{}" + "]" * NESTING))
    yield "an array of 5,000-digit numbers", dumps([Raw("9" * 5_000)] * 3)


def ground(body: object, *, fresh_id: Callable[[], str], room: str, custom_room: str, phone: str,
           prefix: str) -> object:
    """A generated import body made safe for the real account, its shapes and types kept: every
    string id gets the run's prefix (a generated id may be a real booking's: the import would
    overwrite it), rooms become the target room (so the body reaches the booking checks, not
    just the room lookup), and contact data the fictional guest's: an e-mail address keeps its
    local part at example.com, a phone number with digits becomes the fictional one."""
    if not isinstance(body, list):
        return body
    out: list[object] = []
    for item in body:
        if not isinstance(item, dict):
            out.append(item)
            continue
        b = dict(item)
        for key, value in item.items():
            if not isinstance(value, str) or not value.strip():
                continue
            if key in IDS:
                b[key] = f"{fresh_id()}-{value[:40]}"
            elif key in ("room", "roomId"):
                b[key] = room
            elif key == "customRoomId":
                b[key] = custom_room
            elif key == "email" and "@" in value:
                b[key] = value.rsplit("@", 1)[0][:64] + "@example.com"
            elif key in ("telephone", "guestPhone", "prefix") and any(c.isdigit() for c in value):
                b[key] = {"telephone": phone, "guestPhone": f"+{prefix}{phone}", "prefix": prefix}[key]
        out.append(b)
    return out
