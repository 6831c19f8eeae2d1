"""Conventions of every answer (RM-JSON, RM-5XX, RM-ERROR-BODY) and RM-HTTPS.

RM-JSON, RM-5XX and RM-ERROR-BODY are observers: they judge every response the run receives,
whichever check caused the request (the generated campaign of RM-5XX included).
"""
from __future__ import annotations

from conformance.checks.model import Recorder, observer
from conformance.checks.shared import (
    json_problems,
    register_https,
    register_no_server_error,
)
from conformance.client import Exchange


@observer("RM-JSON")
def body_is_json(rec: Recorder, ex: Exchange) -> None:
    """Every body is JSON sent as application/json; a 2xx always has a body (the contract
    documents one for every success). 5xx answers are RM-5XX's business."""
    if ex.status is None or ex.status >= 500:
        return
    if not ex.body:
        if ex.ok:
            rec.fail("a JSON body in every success", f"{ex.method} {ex.path} answered {ex.status} with an empty body",
                     ex,
                     kind=f"empty:{ex.operation}:{ex.status}")
        return  # an empty 4xx body is judged by RM-ERROR-BODY
    problems = json_problems(ex)
    if problems:
        rec.fail("every response body to be JSON with Content-Type application/json",
                 f"{ex.method} {ex.path} answered {ex.status} with " + " and ".join(problems), ex,
                 kind=f"{ex.operation}:{ex.status // 100}xx:{'|'.join(p[:25] for p in problems)}")
    else:
        rec.passed()


register_no_server_error("RM-5XX")


def _json(value: object) -> str:
    """A JSON value as JSON text (a message shows "null", never Python's None or {'a': 1})."""
    import json

    return json.dumps(value, ensure_ascii=False)[:120]


@observer("RM-ERROR-BODY", unseen="no call of the run was answered with a 4xx, so no error body could be judged",
          needs=("RM-AUTH-MISSING", "RM-AUTH-WRONG", "RM-EMPTY"))
def error_body_shape(rec: Recorder, ex: Exchange) -> None:
    """Every 4xx body is ``{"status": <the HTTP code>, "message": <non-empty string>}``; a 401
    says exactly ``Unauthorized``. Extra fields are allowed."""
    if ex.status is None or not 400 <= ex.status < 500:
        return
    wanted = '"Unauthorized"' if ex.status == 401 else "<non-empty string>"
    expected = f'{{"status": {ex.status}, "message": {wanted}}}'
    data = None if ex.truncated else ex.json_or_none()
    problem, kind = None, ""
    if not isinstance(data, dict):
        problem, kind = ("an empty body" if not ex.body else "a body that is not a JSON object"), "not-object"
    else:
        status, message = data.get("status"), data.get("message")
        if "status" not in data:
            problem, kind = "no \"status\" field", "no-status"
        elif not isinstance(status, int) or isinstance(status, bool) or status != ex.status:
            problem, kind = f"\"status\": {_json(status)}, not the HTTP code {ex.status}", "status-mismatch"
        elif not isinstance(message, str) or not message.strip():
            problem, kind = (
                f'"message": {_json(message)} instead of a non-empty string' if "message" in data
                else 'no "message" field',
                "message",
            )
        elif ex.status == 401 and message != "Unauthorized":
            problem, kind = f"the 401 message {_json(message[:80])} instead of \"Unauthorized\"", "401-message"
    if problem is None:
        rec.passed()
        return
    body = ex.body[:200].decode("utf-8", "replace")
    rec.fail(f"the {ex.status} body {expected}", f"{ex.method} {ex.path} answered {problem}: {body}", ex,
             kind=f"{ex.operation}:{ex.status}:{kind}")


register_https("RM-HTTPS", "the X-Auth-Token and the guests' personal data are readable on the wire")
