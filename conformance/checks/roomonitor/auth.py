"""Authentication (RM-AUTH-MISSING, RM-AUTH-WRONG, RM-LOGIN).

Every probe is otherwise a valid request (a fictional booking naming the account's room), so a
server that looks at other things first still has to refuse it for its credentials. With
--read-only only get-rooms is probed. Login tokens obtained by the suite are redacted from every
output and logged out at the end; the token the suite was given is never logged out, even when a
login answers it (a server may hand out the account's one permanent token).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlencode

from conformance.checks.base import Context, Skip, check
from conformance.checks.roomonitor import api
from conformance.client import Exchange
from conformance.spec import shape_problems


@dataclass
class Call:
    label: str
    send: Callable[[dict[str, str] | str, str], Exchange]
    booking_id: str | None = None


def calls(ctx: Context, uid: str) -> list[Call]:
    """get-rooms always; both imports (one fresh fictional booking each) unless --read-only."""
    out = [Call("GET get-rooms", lambda auth, label: api.get_rooms(ctx, uid, auth=auth, auth_label=label))]
    if ctx.options.read_only:
        return out
    room = api.room_or_placeholder(ctx)
    v1 = [api.v1_booking(ctx, room)]
    v2 = [api.v2_booking(ctx, room)]
    out.append(Call("POST v1 import", lambda auth, label: api.post_import(ctx, "v1", v1, uid, auth=auth, auth_label=label), v1[0]["customerReference"]))
    out.append(Call("POST v2 import", lambda auth, label: api.post_import(ctx, "v2", v2, uid, auth=auth, auth_label=label), v2[0]["id"]))
    return out


def _read_only_note(ctx: Context, rid: str) -> None:
    if ctx.options.read_only:
        ctx.note(rid, "verified on get-rooms only: --read-only sends no POST, so the imports were not probed")


@check("RM-AUTH-MISSING")
def missing_headers_are_refused(ctx: Context) -> None:
    uid, tok = api.user_id(ctx), api.token(ctx)
    probes = [
        ("no X-User-Id (X-Auth-Token only)", {"X-Auth-Token": tok}),
        ("no X-Auth-Token (X-User-Id only)", {"X-User-Id": uid}),
        ("neither X-User-Id nor X-Auth-Token", "none"),
    ]
    for label, headers in probes:
        _expect_401(ctx, "RM-AUTH-MISSING", uid, label, headers)
    _read_only_note(ctx, "RM-AUTH-MISSING")


def _expect_401(ctx: Context, rid: str, uid: str, label: str, headers: dict[str, str] | str) -> None:
    """Each call with these headers answers 401 (a 5xx or no answer is RM-5XX's, noted here)."""
    for call in calls(ctx, uid):
        ex = call.send(headers, label)
        if ex.status == 401:
            ctx.exercised(rid)
        elif ex.status is None or ex.status >= 500:
            ctx.note(rid, f"{call.label} with {label} was not verified: {ex.describe()}")
        else:
            ctx.fail(rid, f"{rid} expects 401 for {call.label} with {label}; the server answered {api.body_kind(ex)}",
                     ex, signature=f"{call.label}:{label}")


@check("RM-AUTH-WRONG")
def wrong_token_is_refused(ctx: Context) -> None:
    uid = api.user_id(ctx)
    _expect_401(ctx, "RM-AUTH-WRONG", uid, "a wrong X-Auth-Token", {"X-User-Id": uid, "X-Auth-Token": api.unknown_id(ctx, "token")})
    _read_only_note(ctx, "RM-AUTH-WRONG")


@check("RM-AUTH-WRONG")
def mismatched_user_is_refused(ctx: Context) -> None:
    """X-User-Id differs from the path's user id, X-Auth-Token is the path user's valid token."""
    uid, tok = api.user_id(ctx), api.token(ctx)
    other = api.unknown_id(ctx, "user")
    headers = {"X-User-Id": other, "X-Auth-Token": tok}
    refused_ids = []
    for call in calls(ctx, uid):
        ex = call.send(headers, "X-User-Id different from the path")
        if ex.status in (400, 401):
            ctx.exercised("RM-AUTH-WRONG")
            if call.booking_id:
                refused_ids.append(call.booking_id)
        elif ex.status is None or ex.status >= 500:
            ctx.note("RM-AUTH-WRONG", f"{call.label} with a mismatched X-User-Id was not verified: {ex.describe()}")
        elif 400 <= ex.status < 500:
            ctx.fail("RM-AUTH-WRONG", f"RM-AUTH-WRONG expects 401 or 400 for {call.label} whose X-User-Id differs from the path's user id; "
                     f"the server refused it, but with {api.body_kind(ex)}", ex, severity="SHOULD", signature=f"mismatch-other-4xx:{call.label}")
        else:
            saved = ""
            if call.booking_id:
                saved = f" (booking {call.booking_id} may now be saved in the path user's account)"
            ctx.fail("RM-AUTH-WRONG", f"RM-AUTH-WRONG expects {call.label} whose X-User-Id differs from the path's user id to be refused with 401 "
                     f"or 400; the server answered {api.body_kind(ex)}{saved}", ex, signature=f"mismatch-accepted:{call.label}")
    if refused_ids:
        ctx.note("RM-AUTH-WRONG", "the refused imports with a mismatched X-User-Id carried the bookings "
                 f"{', '.join(refused_ids)}; whether anything was saved cannot be observed through the contract (it has no "
                 "booking listing), so 'saves nothing' rests on the refusal; the ids are unique to this run and can be looked up on the server")


# -- login -------------------------------------------------------------------------------------
def _login(ctx: Context, how: str, email: str, password: str) -> Exchange:
    if how == "JSON":
        return ctx.client.request("POST", "/login", json={"email": email, "password": password}, auth="none", auth_label="login",
                                  operation="login")
    return ctx.client.request("POST", "/login", data=urlencode({"username": email, "password": password}),
                              content_type="application/x-www-form-urlencoded", auth="none", auth_label="login", operation="login")


@check("RM-LOGIN")
def login_gives_a_working_token(ctx: Context) -> None:
    email, password = ctx.options.login_email, ctx.options.login_password
    if not email or not password:
        raise Skip("no login credentials were given (--login-email and --login-password, or ROOMONITOR_LOGIN_EMAIL and "
                   "ROOMONITOR_LOGIN_PASSWORD), so POST /login could not be verified")
    api.remember_secret(ctx, password)
    api.guard_login_tokens(ctx)
    obtained: list[tuple[str, str]] = []
    try:
        for how in ("JSON", "form"):
            ex = _login(ctx, how, email, password)
            data = ex.json_or_none() if ex.ok else None
            pair = api.login_pair(data)
            if pair is not None:  # registered before any message can quote it; logged out at the end
                _keep(ctx, obtained, pair)
            if ex.status is None or ex.status >= 500:
                ctx.note("RM-LOGIN", f"login with a {how} body was not verified: {ex.describe()}")
                continue
            if ex.status != 200:
                ctx.fail("RM-LOGIN", f"RM-LOGIN expects POST /login with a {how} body and the given credentials to answer 200; "
                         f"the server answered {api.body_kind(ex)}", ex, signature=f"login-status:{how}")
                continue
            problems = shape_problems("login-response.json", data) if data is not None else [("shape", "", "the body is not JSON")]
            if problems:
                detail = "; ".join(f"{p or 'the body'}: {m}" for _, p, m in problems[:3])
                ctx.fail("RM-LOGIN", f"RM-LOGIN expects {{\"status\": \"success\", \"data\": {{\"authToken\": <string>, \"userId\": <string>}}}} "
                         f"from a {how} login; the server answered 200 with {detail}", ex, signature=f"login-shape:{how}")
            if pair is None:
                continue
            login_user, token = pair
            if ctx.options.user_id and login_user != ctx.options.user_id:
                ctx.note("RM-LOGIN", "the login answered a userId different from the --user-id given; the token was tried with the login's userId")
            use = api.get_rooms(ctx, login_user, auth=api.headers_for(login_user, token), auth_label="login token")
            if use.status == 200 or (use.status == 400 and api.message_of(use) == api.NO_ROOMS):
                ctx.exercised("RM-LOGIN")
            elif use.status is None or use.status >= 500:
                ctx.note("RM-LOGIN", f"the token of the {how} login could not be tried: {use.describe()}")
            else:
                ctx.fail("RM-LOGIN", f"RM-LOGIN expects the token of a {how} login to work on get-rooms; the server answered {api.body_kind(use)}",
                         use, signature=f"token-refused:{how}")
        for how in ("JSON", "form"):  # each body form checks the password on its own
            _wrong_password(ctx, how, email, password, obtained)
    finally:
        _logout_all(ctx, obtained)


def _wrong_password(ctx: Context, how: str, email: str, password: str, obtained: list[tuple[str, str]]) -> None:
    wrong = _login(ctx, how, email, password + "-conformance-wrong")
    if wrong.status == 401:
        ctx.exercised("RM-LOGIN")
    elif wrong.status is None or wrong.status >= 500:
        ctx.note("RM-LOGIN", f"the wrong-password login with a {how} body was not verified: {wrong.describe()}")
    else:
        pair = api.login_pair(wrong.json_or_none()) if wrong.ok else None
        if pair is not None:  # a token obtained by the suite's own (wrong) login: log it out too
            _keep(ctx, obtained, pair)
        ctx.fail("RM-LOGIN", f"RM-LOGIN expects POST /login with a {how} body and a wrong password to answer 401; the server "
                 f"answered {api.body_kind(wrong)}", wrong, signature=f"wrong-password:{how}")


def _keep(ctx: Context, obtained: list[tuple[str, str]], pair: tuple[str, str]) -> None:
    """Remember a token a login answered, to log it out at the end, unless it is the token the
    suite was given (a server may answer the account's one permanent token to every login):
    logging that out would revoke the suite's own credentials (CONTRACT B)."""
    api.remember_secret(ctx, pair[1])
    if ctx.options.auth_token and pair[1] == str(ctx.options.auth_token):
        ctx.note("RM-LOGIN", "login answered the configured token, so it was not logged out")
        return
    if pair not in obtained:
        obtained.append(pair)


def _logout_all(ctx: Context, obtained: list[tuple[str, str]]) -> None:
    """Log out exactly the tokens this check obtained by its own logins."""
    for login_user, token in obtained:
        ex = ctx.client.request("POST", "/logout", auth=api.headers_for(login_user, token), auth_label="login token", operation="logout")
        if ex.status != 200:
            ctx.note("RM-LOGIN", f"logging out a token the suite obtained answered {ex.describe()}; it may still be valid")
