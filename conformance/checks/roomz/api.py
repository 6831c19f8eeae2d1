"""The four ROOMZ calls as the checks make them.

Every call tags its exchange with the spec's operationId, so the observers (RZ-STATUS-LISTED,
RZ-MEETINGS, ...) know which call they are looking at.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from conformance.checks.dates import fmt
from conformance.client import Client, Exchange

if TYPE_CHECKING:
    from typing import Unpack

    from conformance.client import Credentials


def room_path(room_id: str) -> str:
    return f"/rooms/{quote(str(room_id), safe='')}/meetings"


def meeting_path(room_id: str, meeting_id: str) -> str:
    return f"{room_path(room_id)}/{quote(str(meeting_id), safe='')}"


def get_rooms(client: Client, **kw: Unpack[Credentials]) -> Exchange:
    return client.request("GET", "/rooms", operation="listRooms", **kw)


def get_meetings(client: Client, room_id: str, frm: str | datetime | None, to: str | datetime | None,
                 **kw: Unpack[Credentials]) -> Exchange:
    params = {}
    if frm is not None:
        params["from"] = frm if isinstance(frm, str) else fmt(frm)
    if to is not None:
        params["to"] = to if isinstance(to, str) else fmt(to)
    return client.request("GET", room_path(room_id), params=params, operation="listMeetings", **kw)


def post_meeting(client: Client, room_id: str, body: object, **kw: Unpack[Credentials]) -> Exchange:
    return client.request("POST", room_path(room_id), json=body, operation="createMeeting", **kw)


def put_meeting(client: Client, room_id: str, meeting_id: str, body: object,
                **kw: Unpack[Credentials]) -> Exchange:
    return client.request("PUT", meeting_path(room_id, meeting_id), json=body, operation="updateMeeting", **kw)


def contract_body(subject: str, organizer: str, start: datetime, end: datetime) -> dict[str, object]:
    """The POST body the suite reads the contract to mean: exactly these four fields."""
    return {"subject": subject, "organizerId": organizer, "startDateUTC": fmt(start), "endDateUTC": fmt(end)}


def full_body(subject: str, organizer: str, start: datetime, end: datetime) -> dict[str, object]:
    """Every Meeting field a client can give: sent once the contract's four-field body was refused,
    so the other write requirements can still be judged."""
    return {**contract_body(subject, organizer, start, end), "organizerName": organizer, "creationDateUTC": fmt(start),
            "isPrivate": False, "isCancelled": False}
