"""What the suite leaves on a ROOMZ server, and what an earlier run of it left there.

Every write the server accepts is witnessed as it happens (``written_by``), whichever part of
the run sent it: a scripted check, the generated campaign, the replay of a failure. The release
at the end (``scratch.release_all``) looks each one up and shortens it; what it cannot release is
listed with the request that would. The suite's meetings carry a recognisable subject
(``subject_for``) with a token of the run: a meeting with the suite's subject and another run's
token was left by an earlier run, and is never judged as the server's own data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

from conformance.checks import tolerant
from conformance.client import Exchange

SUITE_SUBJECT = re.compile(r"^conformance .*\(test booking, seed -?\d+(, run (?P<run>[0-9a-f]+))?\)$")


def subject_for(seed: int, label: str, run: str) -> str:
    """The subject of one of the suite's meetings: says what it is, and which run made it."""
    return f"conformance {label} (test booking, seed {seed}, run {run})"


def left_by_earlier_run(meeting: dict[str, object], run: str) -> str | None:
    """Why ``meeting`` is not the server's own data, or None: its subject is the suite's, and not
    this run's."""
    subject = meeting.get("subject")
    if not isinstance(subject, str):
        return None
    found = SUITE_SUBJECT.match(subject)
    if found is None or found.group("run") == run:
        return None
    return f"meeting {tolerant.meeting_id(meeting)!r} was left by an earlier run of this suite (subject {subject!r})"


@dataclass(frozen=True)
class Written:
    """A write the server accepted: what it may have created or changed, where, and when."""

    method: str                   # POST (a new meeting) or PUT (to an id the run may not own)
    room: str
    meeting_id: str | None        # from the path (PUT) or the answer (POST); None when it gave none
    start: datetime | None        # the dates sent (or answered), read tolerantly
    end: datetime | None
    subject: str | None
    exchange: Exchange


def _segments(ex: Exchange) -> list[str]:
    return [unquote(s) for s in urlsplit(ex.path).path.split("/") if s]


def written_by(ex: Exchange) -> Written | None:
    """The write an accepted POST or PUT of a meeting made, else None."""
    if not ex.ok or ex.method not in ("POST", "PUT"):
        return None
    parts = _segments(ex)
    post = ex.method == "POST" and len(parts) == 3 and parts[0] == "rooms" and parts[2] == "meetings"
    put = ex.method == "PUT" and len(parts) == 4 and parts[0] == "rooms" and parts[2] == "meetings"
    if not (post or put):
        return None
    sent = _json_object(ex.request_body)
    answered = ex.json_or_none() if ex.body else None
    answer = answered if isinstance(answered, dict) else {}
    meeting_id = parts[3] if put else tolerant.meeting_id(answer)
    start = tolerant.start_of(sent) or tolerant.start_of(answer)
    end = tolerant.end_of(sent) or tolerant.end_of(answer)
    subject = sent.get("subject")
    return Written(ex.method, parts[1], meeting_id, start, end, subject if isinstance(subject, str) else None, ex)


def _json_object(body: bytes | None) -> dict[str, object]:
    import json

    if not body:
        return {}
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}
