"""The run profiles as data: how deep each goes. Printed in the report's provenance.

``quick`` is a CI smoke gate that still gives every requirement a verdict (every answer of
its scripted probes, junk bodies and date properties is judged by the same observers; it
generates no schemathesis cases); ``full`` is certification depth. ``generated`` is the number
of valid schemathesis cases per operation, ``invalid`` the number of invalid ones (they cost
several times more to draw, and every answer to them is judged by the same observers); ``dates``
the number of hypothesis cases per date property; ``rooms`` how many listed rooms have their
meetings read (ROOMZ; each answer judged by every observer); ``wrong_forms`` how many of the wrong
JSON forms (null, a number, an object holding a null, true, ...) each field of a ROOMZ POST and PUT is
sent in (checks/roomz/forms.py); ``max_time`` the default upper
bound of a whole run in seconds (``--max-time``).
"""
from __future__ import annotations

PROFILES: dict[str, dict[str, float]] = {
    "quick": {"generated": 0, "invalid": 0, "dates": 6, "rooms": 5, "wrong_forms": 2, "max_time": 120},
    "full": {"generated": 60, "invalid": 20, "dates": 40, "rooms": 10, "wrong_forms": 7, "max_time": 900},
}


def setting(profile: str, name: str) -> float:
    return PROFILES.get(profile, PROFILES["full"])[name]


def describe(profile: str) -> str:
    s = PROFILES.get(profile, PROFILES["full"])
    return (f"{profile}: {int(s['generated'])} valid and {int(s['invalid'])} invalid generated cases per operation, "
            f"{int(s['dates'])} per date property, max {s['max_time']:g} s")
