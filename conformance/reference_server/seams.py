"""Seams: the named points where a fault or a variant may change what the correct server does.

The correct server computes each decision the correct way and then passes it through its seam:
``other = self.fx.create_conflict(self._conflict(...), start=start, meetings=...)``. A hook gets
the value, the seam's context and ``app`` (the server, to build an answer), and returns the value.
With no fault switched on a seam gives its value back unchanged, so the handlers read as a
correct server; a fault is a small function on one seam (``faults.py``). Several faults on one
seam apply in the order given.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol, TypeVar, cast

# A hook gets the seam's value first, then ``app=`` and the seam's context as keywords; each hook
# in faults.py declares exactly what it reads and gives back a value of the seam's kind.
Hook = Callable[..., object]
T = TypeVar("T")


class Through(Protocol):
    """A seam: the value goes in, the value (or what the hooks made of it) comes out.

    A caller whose hooks may change the kind of value (a refusal that becomes None, a list
    wrapped in an object) states that wider type where it passes the value.
    """

    def __call__(self, subject: T, /, **context: object) -> T: ...


SEAMS: dict[str, tuple[str, ...]] = {
    "roomz": (
        "seeds", "seeded", "error", "challenge", "ok_content_type", "room", "rooms", "rooms_body", "meeting",
        "meetings", "meetings_body", "unauthenticated", "malformed", "basic_scheme", "bearer", "any_user",
        "password_ok", "date", "non_object_body", "bad_date_status", "unknown_room_listing", "bad_window_date",
        "window", "unknown_room_create", "create_fields", "reversed_create", "unknown_organizer", "create_conflict",
        "stored_subject", "stored", "create_status", "create_response", "unknown_update", "update_fields",
        "reversed_update", "update_conflict", "valid_put", "update_saved", "update_response",
    ),
    "roomonitor": (
        "error", "ok_content_type", "unauthenticated", "token_ok", "mismatch", "unknown_customer", "form_login",
        "room", "rooms_body", "empty_import", "non_array", "booking_problems", "custom_update_ok", "verdicts",
        "v1_answer", "logout_revokes", "import_answer", "unreadable_body", "login_answer",
    ),
}


class Seams:
    """The seams of one API with the hooks of the switches turned on."""

    def __init__(self, api: str, hooks: Iterable[Mapping[str, Hook]], app: object) -> None:
        self._app = app
        self._hooks: dict[str, list[Hook]] = {name: [] for name in SEAMS[api]}
        for mapping in hooks:
            for name, fn in mapping.items():
                self._hooks[name].append(fn)

    def __getattr__(self, name: str) -> Through:
        try:
            hooks = self.__dict__["_hooks"][name]
        except KeyError:
            raise AttributeError(f"no seam {name!r}") from None
        app = self.__dict__["_app"]

        def through(subject: T, /, **context: object) -> T:
            for hook in hooks:
                subject = cast(T, hook(subject, app=app, **context))
            return subject

        return through


def check_hooks(api: str, name: str, hooks: Mapping[str, Hook]) -> None:
    unknown = set(hooks) - set(SEAMS[api])
    if unknown:
        raise ValueError(f"{name}: no seam {', '.join(sorted(unknown))} in the {api} server")
