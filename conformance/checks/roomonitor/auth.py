"""Authentication (RM-AUTH-MISSING, RM-AUTH-WRONG, RM-LOGIN, RM-LOGOUT).

Every probe is otherwise a valid request (a fictional booking naming the account's room, or a
fictional room when none is known: a correct server refuses the credentials first), so a server
that looks at other things first still has to refuse it for its credentials. With --read-only only
get-rooms is probed. Login tokens obtained by the suite are redacted from every output and logged
out at the end; the token the suite was given is never logged out, even when a login answers it
(a server may hand out the account's one permanent token).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conformance.checks.model import Blocked, Recorder, check
from conformance.checks.roomonitor import api
from conformance.checks.roomonitor.discovery import RoomonitorDiscovery
from conformance.client import Exchange
from conformance.errors import ConfigurationError
from conformance.spec import shape_problems

Auth = dict[str, str] | str


@dataclass
class Call:
    label: str
    send: Callable[[Auth, str], Exchange]
    booking_id: str | None = None


def calls(d: RoomonitorDiscovery) -> list[Call]:
    """get-rooms always; both imports (one fresh fictional booking each) unless --read-only."""
    uid = d.user_id
    out = [Call("GET get-rooms", lambda auth, label: api.get_rooms(d.client, uid, auth=auth, auth_label=label))]
    if d.options.read_only:
        return out
    room = d.probe_room()
    v1, v2 = [d.v1(room)], [d.v2(room)]
    out.append(Call("POST v1 import", lambda auth, label: api.post_import(d.client, "v1", uid, v1, auth=auth,
                                                                           auth_label=label),
                    v1[0]["customerReference"]))
    out.append(Call("POST v2 import", lambda auth, label: api.post_import(d.client, "v2", uid, v2, auth=auth,
                                                                           auth_label=label), v2[0]["id"]))
    return out


def _read_only_note(d: RoomonitorDiscovery, rec: Recorder) -> None:
    if d.options.read_only:
        rec.note("verified on get-rooms only: --read-only sends no POST, so the imports were not probed")


def _expect_401(d: RoomonitorDiscovery, rec: Recorder, label: str, headers: Auth) -> None:
    for call in calls(d):
        ex = call.send(headers, f"probe: {label}")
        if ex.status is None:
            continue
        if ex.status == 401:
            rec.passed()
        else:
            rec.fail(f"401 for {call.label} with {label}", f"the server answered {api.body_kind(ex)}", ex,
                     kind=f"{call.label}:{label}")


@check("RM-AUTH-MISSING")
def missing_headers_are_refused(d: RoomonitorDiscovery, rec: Recorder) -> None:
    probes: list[tuple[str, Auth]] = [
        ("no X-User-Id (X-Auth-Token only)", {"X-Auth-Token": d.token}),
        ("no X-Auth-Token (X-User-Id only)", {"X-User-Id": d.user_id}),
        ("neither X-User-Id nor X-Auth-Token", "none"),
    ]
    for label, headers in probes:
        _expect_401(d, rec, label, headers)
    _read_only_note(d, rec)


@check("RM-AUTH-WRONG")
def wrong_token_is_refused(d: RoomonitorDiscovery, rec: Recorder) -> None:
    _expect_401(d, rec, "a wrong X-Auth-Token", {"X-User-Id": d.user_id, "X-Auth-Token": d.unknown_id("token")})
    _read_only_note(d, rec)


@check("RM-AUTH-WRONG")
def mismatched_user_is_refused(d: RoomonitorDiscovery, rec: Recorder) -> None:
    """X-User-Id differs from the path's user id, X-Auth-Token is the path user's valid token."""
    headers = {"X-User-Id": d.unknown_id("user"), "X-Auth-Token": d.token}
    refused_ids = []
    what = "whose X-User-Id differs from the path's user id"
    for call in calls(d):
        ex = call.send(headers, "probe: X-User-Id different from the path")
        if ex.status is None:
            continue
        if ex.status in (400, 401):
            rec.passed()
            if call.booking_id:
                refused_ids.append(call.booking_id)
        elif 400 <= ex.status < 500:
            rec.warn(f"401 or 400 for {call.label} {what}", f"the server refused it, but with {api.body_kind(ex)}", ex,
                     kind=f"mismatch-other-4xx:{call.label}")
        else:
            saved = (
                f" (booking {call.booking_id} may now be saved in the path user's account)" if call.booking_id else ""
            )
            rec.fail(f"{call.label} {what} to be refused with 401 or 400",
                     f"the server answered {api.body_kind(ex)}{saved}",
                     ex, kind=f"mismatch-accepted:{call.label}")
    if refused_ids:
        rec.note("the refused imports with a mismatched X-User-Id carried the bookings "
                 f"{', '.join(refused_ids)}; whether anything was saved cannot be observed through the contract (it "
                 "has no booking listing), so 'saves nothing' rests on the refusal; the ids are unique to this run")


# -- login -------------------------------------------------------------------------------------
@check("RM-LOGIN")
def login_gives_a_working_token(d: RoomonitorDiscovery, rec: Recorder) -> None:
    email, password = d.options.login_email, d.options.login_password
    if not email or not password:
        raise Blocked("no login credentials were given (--login-email and --login-password, or ROOMONITOR_LOGIN_EMAIL "
                      "and ROOMONITOR_LOGIN_PASSWORD), so POST /login could not be verified")
    d.remember_secret(password)
    d.guard_login_tokens()
    obtained: list[tuple[str, str]] = []
    try:
        answers = [_login_once(d, rec, how, email, password, obtained) for how in ("JSON", "form")]
        if all(ex.status == 401 for ex in answers):   # refused in both forms: the credentials, not the server
            raise ConfigurationError(REFUSED_LOGIN)
        for how in ("JSON", "form"):  # each body form checks the password on its own
            _wrong_password(d, rec, how, email, password, obtained)
    finally:
        _logout_all(d, rec, obtained)


def _login_once(d: RoomonitorDiscovery, rec: Recorder, how: str, email: str, password: str,
                obtained: list[tuple[str, str]]) -> Exchange:
    ex = api.login(d.client, how, email, password)
    data = ex.json_or_none() if ex.ok else None
    pair = api.login_pair(data)
    if pair is not None:  # registered before any message can quote it; logged out at the end
        _keep(d, rec, obtained, pair)
    if ex.status is None:
        return ex
    if ex.status != 200:
        rec.fail(f"200 for POST /login with a {how} body and the given credentials",
                 f"the server answered {api.body_kind(ex)}",
                 ex, kind=f"login-status:{how}")
        return ex
    problems = (
        shape_problems("login-response.json", data) if data is not None else [("shape", "", "the body is not JSON")]
    )
    if problems:
        detail = "; ".join(f"{p or 'the body'}: {m}" for _, p, m in problems[:3])
        rec.fail(f'{{"status": "success", "data": {{"authToken": <string>, "userId": <string>}}}} from a {how} login',
                 f"the server answered 200 with {detail}", ex, kind=f"login-shape:{how}")
    if pair is None:
        return ex
    login_user, token = pair
    if d.user_id and login_user != d.user_id:
        rec.note("the login answered a userId different from the --user-id given; the token was tried with the "
                 "login's userId")
    use = api.get_rooms(d.client, login_user, auth=api.headers_for(login_user, token), auth_label="login token")
    if use.status == 200 or (use.status == 400 and api.message_of(use) == api.NO_ROOMS):
        rec.passed()
    elif use.status is not None:
        rec.fail(f"the token of a {how} login to work on get-rooms", f"the server answered {api.body_kind(use)}", use,
                 kind=f"token-refused:{how}", setup=[ex])
    return ex


def _wrong_password(d: RoomonitorDiscovery, rec: Recorder, how: str, email: str, password: str,
                    obtained: list[tuple[str, str]]) -> None:
    wrong = api.login(d.client, how, email, password + "-conformance-wrong")
    if wrong.status == 401:
        rec.passed()
    elif wrong.status is not None:
        pair = api.login_pair(wrong.json_or_none()) if wrong.ok else None
        if pair is not None:  # a token obtained by the suite's own (wrong) login: log it out too
            _keep(d, rec, obtained, pair)
        rec.fail(f"401 for POST /login with a {how} body and a wrong password",
                 f"the server answered {api.body_kind(wrong)}",
                 wrong, kind=f"wrong-password:{how}")


REFUSED_LOGIN = ("the server refused the given login credentials (POST /login -> 401 with a JSON and a form body); "
                 "check ROOMONITOR_LOGIN_EMAIL and ROOMONITOR_LOGIN_PASSWORD (or --login-email, --login-password)")


def _slip_if_refused(d: RoomonitorDiscovery, rec: Recorder, first: Exchange, email: str, password: str,
                     obtained: list[tuple[str, str]]) -> None:
    """The given login credentials refused 401 with a JSON body and with a form body: a slip in
    configuring the run (exit 2, CONTRACT's rulings), not RM-LOGIN's failure. One form refused
    while the other logs in is the server's failure, judged as such."""
    if first.status != 401:
        return
    form = api.login(d.client, "form", email, password)
    pair = api.login_pair(form.json_or_none()) if form.ok else None
    if pair is not None:
        _keep(d, rec, obtained, pair)
    if form.status == 401:
        raise ConfigurationError(REFUSED_LOGIN)


def _keep(d: RoomonitorDiscovery, rec: Recorder, obtained: list[tuple[str, str]], pair: tuple[str, str]) -> None:
    """Remember a token a login answered, to log it out at the end, unless it is the token the
    suite was given (a server may answer the account's one permanent token to every login):
    logging that out would revoke the suite's own credentials (CONTRACT B)."""
    d.remember_secret(pair[1])
    if d.token and pair[1] == d.token:
        rec.note("login answered the configured token, so it was not logged out")
        return
    if pair not in obtained:
        obtained.append(pair)


def _logout_all(d: RoomonitorDiscovery, rec: Recorder, obtained: list[tuple[str, str]]) -> None:
    """Log out exactly the tokens this check obtained by its own logins."""
    for login_user, token in obtained:
        ex = d.client.request("POST", "/logout", auth=api.headers_for(login_user, token), auth_label="login token",
                              operation="logout")
        if ex.status != 200:
            rec.note(f"logging out a token the suite obtained answered {ex.describe()}; it may still be valid")


# -- logout: only a token of the suite's own login, never the one it was given --------------------
LOGOUT_SHAPE = '{"status": "success", "data": {"message": <string>}}'


@check("RM-LOGOUT")
def logout_revokes_the_token(d: RoomonitorDiscovery, rec: Recorder) -> None:
    email, password = d.options.login_email, d.options.login_password
    if not email or not password:
        raise Blocked("no login credentials were given, so no token of the suite's own could be logged out")
    d.remember_secret(password)
    d.guard_login_tokens()
    login = api.login(d.client, "JSON", email, password)
    obtained: list[tuple[str, str]] = []
    try:
        _slip_if_refused(d, rec, login, email, password, obtained)
    finally:
        _logout_all(d, rec, obtained)
    pair = api.login_pair(login.json_or_none()) if login.ok else None
    if pair is None:
        raise Blocked(f"the suite's login gave no token to log out ({login.describe()})", by="RM-LOGIN")
    user, token = pair
    d.remember_secret(token)
    if d.token and token == d.token:
        raise Blocked("the login answered the token the suite was given, which it never logs out")
    out = d.client.request("POST", "/logout", auth=api.headers_for(user, token), auth_label="login token",
                           operation="logout")
    data = out.json_or_none()
    inner = data.get("data") if isinstance(data, dict) else None
    shaped = (isinstance(data, dict) and data.get("status") == "success"
              and isinstance((inner or {}).get("message"), str))
    if out.status != 200 or not shaped:
        rec.fail(f"200 {LOGOUT_SHAPE} for POST /logout with a token of the suite's own login",
                 f"the server answered {api.body_kind(out)}", out, kind=f"logout:{out.status}", setup=[login])
    else:
        rec.passed()
    after = api.get_rooms(d.client, user, auth=api.headers_for(user, token), auth_label="logged-out token")
    if after.status == 401:
        rec.passed()
    elif after.status is not None:
        rec.fail("401 for get-rooms with a token that was logged out", f"the server answered {api.body_kind(after)}",
                 after, kind="still-valid", setup=[login, out])
