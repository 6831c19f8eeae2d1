"""The two import calls (RM-EMPTY, RM-CUSTOMER, RM-IMPORT-V1, RM-IMPORT-V2, RM-IMPORT-V2-CUSTOM,
RM-IMPORT-PARTIAL).

All of them write, so --read-only leaves them out (the engine does, from the catalog's
``writes``). Every booking is fictional (see ``api``); the result lines are judged against the
bookings sent: one line per booking, in order, ``[SUCCESS][Booking ID: <id>] …`` for a saved
one. A 5xx is a failure of the requirement that asked (besides RM-5XX's): one answer, every
verdict it decides.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from conformance.checks.model import Blocked, Recorder, check
from conformance.checks.roomonitor import api, invalid
from conformance.checks.roomonitor.discovery import RoomonitorDiscovery
from conformance.client import Exchange

UNVERIFIABLE = "whether anything was saved cannot be observed through the contract (it has no booking listing)"


def lines_or_fail(rec: Recorder, what: str, ex: Exchange, count: int) -> list[str] | None:
    """The result lines when the answer is 200 with a JSON array of ``count`` strings; else a finding."""
    if ex.status is None:
        return None
    lines = api.result_lines(ex)
    if lines is None:
        rec.fail(f"{what} to answer 200 with a JSON array of strings, one per booking",
                 f"the server answered {api.body_kind(ex)}", ex, kind=f"{what}:not-array:{ex.status}")
        return None
    texts = [line for line in lines if isinstance(line, str)]
    if len(texts) != len(lines):
        rec.fail(f"{what} to answer a JSON array of strings",
                 f"it holds {api.short([x for x in lines if not isinstance(x, str)][:2])}",
                 ex, kind=f"{what}:not-strings")
        return None
    if len(lines) != count:
        rec.fail(f"one result line per booking ({count}) for {what}",
                 f"the server answered {len(lines)}: {api.short(lines, 300)}",
                 ex, kind=f"{what}:count")
        return None
    return texts


def judge_success(rec: Recorder, what: str, ex: Exchange, line: str, bid: str, position: int, why: str = "") -> None:
    got = api.success_id(line)
    if got == bid:
        rec.passed()
    elif got is None:
        rec.fail(f"line {position + 1} of {what} to read [SUCCESS][Booking ID: {bid}] …, for a valid booking{why}",
                 f"the server answered {line[:200]!r}", ex, kind=f"{what}:not-success:{why}")
    else:
        rec.fail(
            f"line {position + 1} of {what} to name booking {bid} ([SUCCESS][Booking ID: {bid}] …, "
            "in the order sent)",
            f"the server answered {line[:200]!r}",
            ex,
            kind=f"{what}:wrong-id",
        )


def _name_the_bookings(d: RoomonitorDiscovery, rec: Recorder) -> None:
    rec.note(f"this run's bookings carry ids {d.run_prefix}<n> and the guest {api.GUEST_NAME!r}, so they can be found "
             "and removed on the server")


# -- empty and refused imports ---------------------------------------------------------------------
@check("RM-EMPTY")
def empty_import_is_refused(d: RoomonitorDiscovery, rec: Recorder) -> None:
    for version in ("v1", "v2"):
        for label, body, raw in (("[]", [], None), ("an empty body", None, b"")):
            ex = api.post_import(d.client, version, d.user_id, body, raw=raw)
            if ex.status is None:
                continue
            message = api.message_of(ex)
            if ex.status == 400 and message == api.EMPTY_MESSAGE:
                rec.passed()
            else:
                rec.fail(f'a {version} import with {label} to answer 400 {{"message": "{api.EMPTY_MESSAGE}"}}',
                         f"the server answered {api.body_kind(ex)}", ex,
                         kind=f"{version}:{label}:{ex.status}:{message == api.EMPTY_MESSAGE}")


@check("RM-CUSTOMER")
def unknown_customer_is_refused(d: RoomonitorDiscovery, rec: Recorder) -> None:
    """An unknown user id in the path and in X-User-Id, with the valid token. The bookings name
    the account's room (a fictional one when none is known: the customer is refused first)."""
    room = d.probe_room()
    unknown = d.unknown_id("user")
    headers = api.headers_for(unknown, d.token)
    sent = []
    for version in ("v1", "v2"):
        booking: Mapping[str, object] = d.v1(room) if version == "v1" else d.v2(room)
        ex = api.post_import(d.client, version, unknown, [booking], auth=headers, auth_label="unknown user")
        what = f"a {version} import for the unknown user id {unknown}"
        if ex.status is None:
            continue
        message = api.message_of(ex)
        if ex.status == 400 and message == api.NO_CUSTOMER:
            rec.passed()
            sent.append(booking.get("customerReference") or booking.get("id"))
        elif 400 <= ex.status < 500:
            rec.warn(f'{what} to answer 400 {{"message": "{api.NO_CUSTOMER}"}}', f"the server refused it, but with "
                     f"{api.body_kind(ex)}", ex, kind=f"other-refusal:{ex.status}")
            sent.append(booking.get("customerReference") or booking.get("id"))
        else:
            rec.fail(f"{what} to be refused (400 {api.NO_CUSTOMER!r})", f"the server answered {api.body_kind(ex)}", ex,
                     kind=f"accepted:{version}:{ex.status}")
    if sent:
        rec.note(f"{UNVERIFIABLE}; 'saves nothing' rests on the refusal (bookings {', '.join(str(s) for s in sent)})")


# -- successful imports --------------------------------------------------------------------------
@check("RM-IMPORT-V1")
def v1_import(d: RoomonitorDiscovery, rec: Recorder) -> None:
    room = d.target_room
    bookings = [d.v1(room), d.v1(room, offset_days=5)]
    ex = api.post_import(d.client, "v1", d.user_id, bookings)
    _name_the_bookings(d, rec)
    what = f"a v1 import of {len(bookings)} valid bookings"
    lines = lines_or_fail(rec, what, ex, len(bookings))
    if lines is None:
        return
    rec.passed()
    for position, (line, booking) in enumerate(zip(lines, bookings, strict=True)):
        if not api.is_success(line):
            rec.warn("a valid v1 booking to be reported as [SUCCESS] (the documented line)",
                     f"line {position + 1} reads {line[:200]!r}", ex, kind="v1:not-success")
        elif booking["customerReference"] not in line:
            rec.note("a v1 [SUCCESS] line does not name the booking's customerReference (v1 bookings carry no id; "
                     "naming it is optional)")


@check("RM-IMPORT-V2")
def v2_import(d: RoomonitorDiscovery, rec: Recorder) -> None:
    """Valid bookings in every documented form: an ordinary stay, checkout equal to checkin (a
    documented example has it), two guest phones in one field (as documented), lang ES with a
    guest name in other scripts than Latin (any Unicode is a valid name)."""
    room = d.target_room
    plain = d.v2(room, offset_days=10)
    same_day = d.v2(room, offset_days=13, nights=0)
    two_phones = d.v2(room, offset_days=16)
    two_phones["guestPhone"] = f"+{api.PHONE_PREFIX}{api.PHONE_NUMBERS[0]}, +{api.PHONE_PREFIX}{api.PHONE_NUMBERS[1]}"
    spanish = d.v2(room, offset_days=19)
    spanish["lang"] = "ES"
    spanish["guestName"] = api.GUEST_NAME_UNICODE   # a guest's name in any script (the payload rules allow it)
    bookings = [(plain, ""), (same_day, " (checkout equal to checkin, as documented)"),
                (two_phones, " (two guest phones, as documented)"),
                (spanish, f" (lang ES, guestName {api.GUEST_NAME_UNICODE!r})")]
    ex = api.post_import(d.client, "v2", d.user_id, [b for b, _ in bookings])
    _name_the_bookings(d, rec)
    what = f"a v2 import of {len(bookings)} valid bookings"
    lines = lines_or_fail(rec, what, ex, len(bookings))
    if lines is None:
        return
    for position, (line, (booking, why)) in enumerate(zip(lines, bookings, strict=True)):
        judge_success(rec, what, ex, line, booking["id"], position, why)


@check("RM-IMPORT-V2-CUSTOM")
def v2_custom_insert_and_update(d: RoomonitorDiscovery, rec: Recorder) -> None:
    """Insert a customRoomId booking, then cancel it (updatedBooking true, bookingType Cancel).

    The suite cannot know the client room ids an account has configured, so it names its own
    (``conformance-room-<seed>``) unless ``--custom-room-id`` names one. A server may accept only
    configured ids, so without ``--custom-room-id`` a refused insert leaves the requirement
    skipped, not failed. With ``--custom-room-id`` a refused insert fails, and so does a failed
    update after a saved insert.
    """
    d.target_room  # an account without rooms cannot take bookings at all
    id_booking = d.next_id()
    given = bool(d.options.custom_room_id)
    custom_room = str(d.options.custom_room_id) if given else f"conformance-room-{d.options.seed}"
    steps: list[tuple[str, api.V2Booking]] = [
        ("a v2 customRoomId insert", api.v2_custom_insert(custom_room, id_booking, d.phone())),
        ("a v2 customRoomId update (updatedBooking true, bookingType Cancel)",
         api.v2_custom_cancel(custom_room, id_booking)),
    ]
    for step, (what, booking) in enumerate(steps):
        ex = api.post_import(d.client, "v2", d.user_id, [booking])
        lines = lines_or_fail(rec, what, ex, 1)
        if lines is None:
            return
        line = lines[0]
        if api.is_success(line) and id_booking in line:
            rec.passed()
            continue
        if step == 0 and not given and not api.is_success(line):
            raise Blocked(f"the server refused the suite's own customRoomId {custom_room!r} (it answered "
                          f"{line[:200]!r}); an account may accept only the client room ids it is configured with, so "
                          "the customRoomId variant could not be verified",
                          hint="pass --custom-room-id with a customRoomId your account is "
                          "configured with")
        rec.fail(f"{what} to be reported as [SUCCESS] naming idBooking {id_booking}",
                 f"the server answered {line[:200]!r}",
                 ex, kind=f"custom:{what[:30]}:{api.is_success(line)}")
        if not api.is_success(line):
            return  # an update of a booking that was not saved says nothing more


@check("RM-IMPORT-PARTIAL")
def partial_import(d: RoomonitorDiscovery, rec: Recorder) -> None:
    """Valid bookings around invalid ones, one mix per MUST-level payload rule (``invalid``: each
    invalid booking is a valid one with one change that ``conformance validate`` confirms breaks
    exactly that rule), plus a booking for a room the account does not own. Each invalid one is
    judged on its own line, and the valid ones after it must still be saved; v2 first, then v1
    (the requirement names no version). One mix per rule keeps one crash from hiding the rest."""
    room = d.target_room
    offsets = iter(range(20, 2000, 3))   # every stay its own, so no server sees two overlap

    def valid(version: str) -> dict[str, object]:
        return dict(d.v1(room, offset_days=next(offsets)) if version == "v1" else d.v2(room, offset_days=next(offsets)))

    v1_alone = _Alone(d, lambda: d.v1(room, offset_days=next(offsets)))
    rec.note(f"{UNVERIFIABLE}: that the valid bookings were saved, and the invalid ones not, rests on the server's "
             "own [SUCCESS] and [ERROR] lines")
    for version in ("v2", "v1"):
        groups: dict[str, list[tuple[Mapping[str, object], str | None]]] = {}
        for mutation in invalid.MUTATIONS[version]:
            booking = mutation.apply(valid(version))
            if not invalid.confirmed(booking, version, mutation.rule):   # the rules changed under the suite
                rec.note(f"the suite's invalid {version} booking ({mutation.label}) no longer breaks exactly "
                         f"{mutation.rule} by the payload rules, so it was not sent")
                continue
            groups.setdefault(mutation.rule, []).append((booking, f"{mutation.label}, against {mutation.rule}"))
        foreign = valid(version)
        foreign["room" if version == "v1" else "roomId"] = d.foreign_room()
        groups["room"] = [(foreign, invalid.WRONG_ROOM)]
        for bad in groups.values():
            plan = [(valid(version), None), *bad, (valid(version), None)]
            if not _judge_mix(rec, d, version, plan, alone=v1_alone if version == "v1" else None):
                break   # the account refuses v1 bookings altogether (noted): no v1 mix can be judged


class _Alone:
    """Whether a valid v1 booking sent alone is saved: asked once, when a v1 mix loses its valid one."""

    def __init__(self, d: RoomonitorDiscovery, booking: Callable[[], Mapping[str, object]]) -> None:
        self.d, self.booking = d, booking
        self.answer: tuple[bool, str] | None = None

    def saved(self) -> tuple[bool, str]:
        if self.answer is None:
            single = api.post_import(self.d.client, "v1", self.d.user_id, [self.booking()])
            lines = api.result_lines(single)
            if lines and len(lines) == 1 and api.is_success(lines[0]):
                self.answer = (True, f"the same kind of booking sent alone reads {str(lines[0])[:200]!r}")
            else:
                self.answer = (False, api.body_kind(single))
        return self.answer


def _judge_mix(rec: Recorder, d: RoomonitorDiscovery, version: str,
               plan: Sequence[tuple[Mapping[str, object], str | None]], alone: _Alone | None = None) -> bool:
    """One mixed import: (booking, why it is invalid or None); a v2 booking's line names its id. A valid booking must be
    saved and reported as [SUCCESS] (the line's exact wording is RM-IMPORT-V1/-V2's business);
    an invalid one must not be.

    An account may refuse v1 as a whole (the ruling keeps that RM-IMPORT-V1's warning), so when
    the v1 mix loses its valid booking, or is refused whole, a valid v1 booking is sent alone:
    saved alone but lost in the mix is this requirement's failure; refused alone too, it is not,
    and False says no v1 mix can be judged."""
    invalid_ones = "; ".join(why for _, why in plan if why)
    what = f"a {version} import mixing valid bookings with invalid ones ({invalid_ones})"
    ex = api.post_import(d.client, version, d.user_id, [b for b, _ in plan])
    if alone is not None:
        raw = api.result_lines(ex)
        if raw is None or len(raw) != len(plan) or not all(isinstance(x, str) for x in raw):
            return _v1_lost(rec, what, ex, f"it answered {api.body_kind(ex)}, not one line per booking", alone)
        lines = [str(x) for x in raw]
    else:
        judged = lines_or_fail(rec, what, ex, len(plan))
        if judged is None:
            return True
        lines = judged
    mixed = f"a {version} mixed import"
    for position, (line, (booking, why)) in enumerate(zip(lines, plan, strict=True)):
        bid = booking.get("id")
        shown = f"line {position + 1} reads {line[:200]!r}"
        if why is None:
            if api.is_success(line) and (not isinstance(bid, str) or bid in line):
                rec.passed()
            elif alone is not None and not api.is_success(line):
                if not _v1_lost(rec, what, ex, f"its valid booking's {shown}", alone):
                    return False
            else:
                rec.fail(f"the valid booking at position {position + 1} of {mixed} to be saved and reported as "
                         f"[SUCCESS] naming its id {bid}", shown, ex, kind=f"{version}:valid-not-success")
            continue
        if api.is_success(line):
            rec.fail(f"the invalid booking at position {position + 1} of {mixed} ({why}; otherwise valid) to get a "
                     "line that does not start with [SUCCESS]", shown, ex, kind=f"invalid-success:{version}:{why}")
            continue
        rec.passed()
        if isinstance(bid, str) and bid not in line:
            rec.warn(f"the line of a failed booking to name its id {bid} (the suite's reading: one line per "
                     "booking, each naming its id)", shown, ex, kind="invalid-unnamed")
    return True


def _v1_lost(rec: Recorder, what: str, ex: Exchange, how: str, alone: _Alone) -> bool:
    """The v1 mix did not save its valid booking: the mix's fault only if one saves alone."""
    saved, answer = alone.saved()
    if saved:
        rec.fail(f"{what} to save its valid booking, as a valid v1 booking sent alone is saved",
                 f"{how}, while {answer}", ex, kind="v1:valid-lost-in-mix")
        return True
    rec.note(f"{what}: {how}; a valid v1 booking sent alone is not saved either ({answer}), so "
             "the account refuses v1 bookings (RM-IMPORT-V1's warning) and v1 was not judged here")
    return False
