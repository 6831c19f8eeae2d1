"""Conventions (RZ-JSON, RZ-UTC, RZ-UTC-ACCEPT, RZ-NULL, RZ-5XX, RZ-STATUS-LISTED, RZ-HTTPS).

Apart from RZ-HTTPS and RZ-UTC-ACCEPT these are observers: they judge every response the run
receives, whichever check caused the request.
"""
from __future__ import annotations

from datetime import timedelta

from conformance.checks import tolerant
from conformance.checks.dates import fmt, looks_like_datetime, now_utc, parse_utc, why_not_utc
from conformance.checks.model import Recorder, check, observer
from conformance.checks.roomz import api, forms
from conformance.checks.roomz.discovery import RoomzDiscovery
from conformance.checks.shared import (
    MAX_WALK,
    json_problems,
    media_type,
    register_https,
    register_no_server_error,
    walk,
)
from conformance.client import Exchange
from conformance.spec import listed_statuses

DATE_FIELDS = ("startDateUTC", "endDateUTC", "creationDateUTC")
FREE_TEXT_FIELDS = ("subject", "name", "organizerName", "organizerId", "meetingId", "roomId", "imageUrl")
JSON = "a 2xx body to be JSON with Content-Type application/json"


@observer("RZ-JSON")
def success_is_json(rec: Recorder, ex: Exchange) -> None:
    if not ex.ok or ex.operation is None:
        return
    if not ex.body:
        if ex.method == "GET":
            rec.fail("a GET success to have a JSON body",
                     f"{ex.method} {ex.path} answered {ex.status} with an empty body",
                     ex, kind=f"empty:{ex.operation}")
        else:
            rec.passed()
        return
    problems = json_problems(ex)
    if problems == [f"Content-Type {ex.content_type!r} instead of application/json"] and media_type(ex).endswith(
        "+json"
    ):
        # a +json structured-syntax suffix is JSON, but not what displays are documented to receive
        rec.warn(JSON, f"{ex.method} {ex.path} answered Content-Type {ex.content_type!r}: JSON by its +json suffix "
                 "(RFC 6839), yet not the documented application/json", ex, kind=f"suffix:{ex.operation}")
    elif problems:
        rec.fail(JSON, f"{ex.method} {ex.path} answered " + " and ".join(problems), ex,
                 kind=f"{ex.operation}:{'|'.join(p[:30] for p in problems)}")
    else:
        rec.passed()


def _cut(rec: Recorder) -> None:
    rec.note(f"answers of more than {MAX_WALK} JSON values were judged on their first {MAX_WALK} only")


@observer("RZ-UTC", unseen="no successful answer of the run held a date-time to judge")
def dates_are_exact_utc(rec: Recorder, ex: Exchange) -> None:
    if not ex.ok or ex.operation is None:
        return
    data = ex.json_or_none()
    if data is None:
        return
    for pointer, key, value in walk(data, on_cut=lambda: _cut(rec)):
        if key in DATE_FIELDS or (key not in FREE_TEXT_FIELDS and isinstance(value, str)
                                  and looks_like_datetime(value)):
            if not isinstance(value, str):
                continue  # a missing or mistyped field is RZ-MEETINGS' business, a null RZ-NULL's
            if parse_utc(value) is None:
                by, setup = forms.stored_by(ex, forms.meeting_at(ex, pointer))
                rec.fail("YYYY-MM-DDThh:mm:ssZ and a real UTC instant",
                         f"{pointer} is {value[:60]!r}: {why_not_utc(value)}{by}",
                         ex, kind=f"{ex.operation}:{key}:{why_not_utc(value)}", setup=setup)
            else:
                rec.passed()


def _image_url_pointers(ex: Exchange, data: object) -> set[str]:
    """Where a Meeting's own imageUrl sits in this answer: /i/imageUrl in a listing (wherever
    its array sits), /imageUrl in a POST or PUT answer. A null anywhere else is a finding of RZ-NULL."""
    if not ex.ok:
        return set()
    if ex.operation == "listMeetings":
        array, where = tolerant.the_array(data)
        if array is None:
            return set()
        prefix = "/" + "/".join(where.split(".")) if where else ""
        return {f"{prefix}/{i}/imageUrl" for i in range(len(array))}
    if ex.operation in ("createMeeting", "updateMeeting") and isinstance(data, dict):
        return {"/imageUrl"}
    return set()


@observer("RZ-NULL")
def no_null(rec: Recorder, ex: Exchange) -> None:
    if ex.status is None or not ex.body:
        return
    data = ex.json_or_none()
    if data is None:
        return
    allowed = _image_url_pointers(ex, data)
    for pointer, key, value in walk(data, on_cut=lambda: _cut(rec)):
        if value is None and pointer not in allowed:
            by, setup = forms.stored_by(ex, forms.meeting_at(ex, pointer))
            rec.fail("no null in any response body (only a Meeting's imageUrl may be null)",
                     f"{pointer or 'the body'} is null in the answer to {ex.method} {ex.path[:80]}{by}", ex,
                     kind=f"{ex.operation}:{key}", setup=setup)
            return
    rec.passed()


@check("RZ-UTC")
@check("RZ-NULL")
def ordinary_reads_and_wrong_forms(d: RoomzDiscovery, rec: Recorder) -> None:
    """The run's ordinary reads, and the wrong-form writes read back (``forms``): what a server
    accepts it must list in the contract's forms; the observers above judge every answer."""
    d.ordinary_reads()
    forms.wrong_forms(d)


register_no_server_error("RZ-5XX")


@observer("RZ-STATUS-LISTED")
def status_is_listed(rec: Recorder, ex: Exchange) -> None:
    if ex.operation is None or ex.status is None or ex.status >= 500:
        return  # 5xx are RZ-5XX's business
    listed = listed_statuses(ex.operation)
    if ex.status in listed:
        rec.passed()
    else:
        rec.fail(f"{ex.method} to answer one of the codes the contract lists for it "
                 f"({', '.join(str(s) for s in sorted(listed))})",
                 f"it answered {ex.status}", ex, kind=f"{ex.operation}:{ex.status}")


register_https("RZ-HTTPS", "the Basic credentials are readable on the wire")


@check("RZ-UTC-ACCEPT")
def exact_dates_are_accepted(d: RoomzDiscovery, rec: Recorder) -> None:
    """Dates with non-zero seconds, in the exact format: in GET windows, a POST and a PUT."""
    room, known = d.probe_room()
    now = now_utc()
    windows = {
        "seconds other than :00": ((now - timedelta(hours=2)).replace(second=17),
                                   (now + timedelta(hours=2)).replace(second=43)),
        "a window of 400 days": (now - timedelta(days=200), now + timedelta(days=200)),
        "dates after 2038-01-19 (beyond 32-bit time)": (now.replace(year=2040, month=1, day=1),
                                                        now.replace(year=2040, month=1, day=2)),
    }
    for label, (frm, to) in windows.items():
        ex = api.get_meetings(d.client, room, frm, to)
        if ex.status == 400:
            rec.fail(f"from={fmt(frm)} and to={fmt(to)} ({label}) to be accepted",
                     f"the server answered {ex.describe()}",
                     ex, kind=label)
        elif ex.ok:
            rec.passed()
    if not known:
        rec.note(f"GET meetings was probed with a made-up room ({room}): no room could be discovered")
    if d.options.read_only:
        rec.note("verified on GET meetings only: --read-only sends no POST or PUT")
        return
    s = d.scratch
    start = s.at("seconds") + timedelta(seconds=30)
    end = start + timedelta(minutes=20, seconds=15)
    post, created = s.create("dates with seconds", start, end)
    refused_anyway = s.refused_like_every_post(post)
    if refused_anyway is not None:
        raise refused_anyway
    if post.status == 400:
        rec.fail(f"a POST with startDateUTC {fmt(start)} and endDateUTC {fmt(end)} to be accepted",
                 f"the server answered {post.describe()}", post, kind="post-seconds")
    elif post.ok:
        rec.passed()
    if created is None:
        return
    later = end + timedelta(minutes=5, seconds=13)
    put = s.put(created, start, later)
    if put.status == 400:
        rec.fail(f"a PUT with endDateUTC {fmt(later)} to be accepted", f"the server answered {put.describe()}", put,
                 kind="put-seconds")
    elif put.ok:
        rec.passed()

