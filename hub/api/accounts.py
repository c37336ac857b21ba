"""Accounts over HTTP (docs/protocol.md, *Accounts*): sign-up, verification, sign-in,
sign-out, password reset, invitation acceptance, and the browser's own sessions.

The forms of the hub's pages post JSON here. Every answer that could tell whether an email
has an account is the same either way. A successful sign-in sets the session cookie
(HttpOnly, SameSite=Lax, Secure and `__Host-` over HTTPS) and answers the session's CSRF
token, which the pages send back in `X-CSRF-Token`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.describe import describe as documented
from hub.api.errors import ApiError
from hub.api.requests import agent_of, cookie_name, json_body, own_origin, secure, session_of
from hub.conversations.useragent import describe
from hub.identity import csrf
from hub.identity.accounts import SignInFailed, Throttled, Unverified
from hub.identity.links import LinkInvalid
from hub.identity.passwords import MAX_LENGTH, PasswordRefused
from hub.identity.tokens import AgentIdentity
from hub.runtime.ratelimit import client_ip
from hub.state import hub_of

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
CHECK_EMAIL = {"status": "check_your_email"}  # the one answer to sign-up and forgot


class SignUpBody(BaseModel):
    company: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=200, pattern=r"\S")
    email: str = Field(min_length=3, max_length=320, pattern=EMAIL)
    password: str = Field(min_length=1, max_length=MAX_LENGTH * 4)


class SignInBody(BaseModel):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=MAX_LENGTH * 4)


class EmailBody(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=EMAIL)


class LinkBody(BaseModel):
    token: str = Field(min_length=10, max_length=200)


class ResetBody(LinkBody):
    password: str = Field(min_length=1, max_length=MAX_LENGTH * 4)


class AcceptBody(ResetBody):
    name: str = Field(min_length=1, max_length=200, pattern=r"\S")


async def _form(request: Request, model: type[BaseModel]) -> Any:
    """A page's JSON post: from the hub's own origin, as JSON (so another site's HTML form
    cannot send it: OWASP's login CSRF), then validated."""
    try:
        csrf.check_origin(
            request.headers.get("origin"),
            own_origin(request),
            request.headers.get("sec-fetch-site"),
        )
    except csrf.CsrfRefused as exc:
        raise ApiError(403, "csrf", str(exc)) from None
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise ApiError(415, "bad_request", "send the form as application/json")
    return await json_body(request, model)


def _throttled(exc: Throttled) -> ApiError:
    return ApiError(
        429, "rate_limited", f"too many attempts; try again in {exc.retry_after} seconds"
    )


async def _signed_in(request: Request, agent: AgentIdentity, status: int = 200) -> Response:
    """A new session (a new id at every sign-in), its cookie, and its CSRF token."""
    hub = hub_of(request)
    raw = await hub.sessions.create(agent, request.headers.get("user-agent"), client_ip(request))
    body = _session_body(hub.settings.secret_key, raw, agent)
    response = JSONResponse(body, status_code=status)
    response.set_cookie(
        cookie_name(request),
        raw,
        max_age=int(hub.settings.session_lifetime),
        path="/",
        secure=secure(request),
        httponly=True,
        samesite="lax",
    )
    return response


def _session_body(secret: Any, raw: str, agent: AgentIdentity) -> dict[str, Any]:
    return {
        "agent_id": agent.agent_id,
        "company_id": agent.company_id,
        "role": agent.role,
        "csrf_token": csrf.csrf_token(secret, raw),
    }


def _password_refused(exc: PasswordRefused) -> ApiError:
    return ApiError(400, "bad_password", str(exc))


# -- sign-up, verification, sign-in -----------------------------------------------------------


@documented(auth="form", body=SignUpBody, status=202, summary="Sign up")
async def sign_up(request: Request) -> JSONResponse:
    """A company and its owner; 202 "check your email" for every email, known or not."""
    body: SignUpBody = await _form(request, SignUpBody)
    try:
        await hub_of(request).accounts.sign_up(
            body.company.strip(), body.name.strip(), body.email, body.password, client_ip(request)
        )
    except Throttled as exc:
        raise _throttled(exc) from None
    except PasswordRefused as exc:
        raise _password_refused(exc) from None
    return JSONResponse(CHECK_EMAIL, status_code=202)


@documented(auth="form", body=LinkBody, summary="Confirm an email")
async def verify(request: Request) -> Response:
    """The verification link's token: the email is proven and the owner signed in."""
    body: LinkBody = await _form(request, LinkBody)
    try:
        agent = await hub_of(request).accounts.verify(body.token)
    except LinkInvalid:
        raise ApiError(400, "invalid_link", "this link is used, expired or unknown") from None
    return await _signed_in(request, agent)


@documented(auth="form", body=SignInBody, summary="Sign in")
async def sign_in(request: Request) -> Response:
    body: SignInBody = await _form(request, SignInBody)
    try:
        agent = await hub_of(request).accounts.sign_in(
            body.email, body.password, client_ip(request)
        )
    except Throttled as exc:
        raise _throttled(exc) from None
    except SignInFailed:
        raise ApiError(401, "invalid_credentials", "wrong email or password") from None
    except Unverified:
        raise ApiError(
            403, "unverified", "confirm your email first: we sent you a new link"
        ) from None
    return await _signed_in(request, agent)


@documented(auth="form", body=EmailBody, status=202, summary="Forgot password")
async def forgot(request: Request) -> JSONResponse:
    """A reset link by mail when the email has an account; 202 for every email."""
    body: EmailBody = await _form(request, EmailBody)
    try:
        await hub_of(request).accounts.forgot(body.email, client_ip(request))
    except Throttled as exc:
        raise _throttled(exc) from None
    return JSONResponse(CHECK_EMAIL, status_code=202)


@documented(auth="form", body=ResetBody, summary="Reset the password")
async def reset(request: Request) -> JSONResponse:
    """A new password from the reset link; every session of the agent ends (sign in again)."""
    body: ResetBody = await _form(request, ResetBody)
    hub = hub_of(request)
    try:
        agent = await hub.accounts.reset(body.token, body.password)
    except LinkInvalid:
        raise ApiError(400, "invalid_link", "this link is used, expired or unknown") from None
    except PasswordRefused as exc:
        raise _password_refused(exc) from None
    await hub.sessions.revoke_all(agent.company_id, agent.agent_id)
    return JSONResponse({"status": "password_changed"})


@documented(auth="form", body=LinkBody, summary="Read an invitation")
async def invitation(request: Request) -> JSONResponse:
    """What an invitation link is for (company, email, role), before it is accepted."""
    body: LinkBody = await _form(request, LinkBody)
    try:
        return JSONResponse(await hub_of(request).invitations.preview(body.token))
    except LinkInvalid:
        raise ApiError(
            400, "invalid_link", "this invitation is used, expired or withdrawn"
        ) from None


@documented(auth="form", body=AcceptBody, summary="Accept an invitation")
async def accept(request: Request) -> Response:
    """Accept an invitation with a name and password: signed in as the new teammate."""
    body: AcceptBody = await _form(request, AcceptBody)
    try:
        agent = await hub_of(request).invitations.accept(
            body.token, body.name.strip(), body.password
        )
    except LinkInvalid:
        raise ApiError(
            400, "invalid_link", "this invitation is used, expired or withdrawn"
        ) from None
    except PasswordRefused as exc:
        raise _password_refused(exc) from None
    return await _signed_in(request, agent, status=201)


# -- the browser's session --------------------------------------------------------------------


@documented(auth="session", summary="This session")
async def current_session(request: Request) -> JSONResponse:
    """The cookie's session: who is signed in, and the CSRF token for its requests."""
    found = await session_of(request)
    return JSONResponse(_session_body(hub_of(request).settings.secret_key, found.raw, found.agent))


@documented(summary="A session from a token")
async def token_session(request: Request) -> Response:
    """Exchange a bearer token (the inbox's `#token=` link) for a browser session."""
    if not request.headers.get("authorization"):
        raise ApiError(401, "unauthorized", "send Authorization: Bearer AGENT_TOKEN")
    agent = await agent_of(request)
    if agent.api_key_id is not None:  # a session has no scopes: it would widen the key's
        raise ApiError(403, "forbidden", "an API key cannot open a browser session")
    return await _signed_in(request, agent, status=201)


@documented(auth="session", status=204, summary="Sign out")
async def sign_out(request: Request) -> Response:
    """End this browser's session and forget its cookie."""
    found = await session_of(request)
    await hub_of(request).sessions.revoke(found.agent, found.id)
    response = Response(status_code=204)
    response.delete_cookie(
        cookie_name(request), path="/", secure=secure(request), httponly=True, samesite="lax"
    )
    return response


@documented(auth="session", summary="A token for the agent socket")
async def socket_token(request: Request) -> JSONResponse:
    """A two-minute hub token for the agent socket's `auth` frame."""
    found = await session_of(request)
    token = hub_of(request).sessions.socket_token(found.agent)
    return JSONResponse({"token": token, "expires_in": 120})


@documented(summary="List my sessions")
async def list_sessions(request: Request) -> JSONResponse:
    """The agent's signed-in browsers, the caller's own marked `current`."""
    agent = await agent_of(request)
    current = _current(request)
    sessions = await hub_of(request).sessions.list(agent, current)
    for view in sessions:
        browser, device = describe(view["user_agent"])
        view["browser"], view["device"] = browser, device
    return JSONResponse({"sessions": sessions})


@documented(status=204, summary="End a session")
async def revoke_session(request: Request) -> Response:
    agent = await agent_of(request)
    if not await hub_of(request).sessions.revoke(agent, request.path_params["session_id"]):
        raise ApiError(404, "not_found", "no such session")
    return Response(status_code=204)


@documented(status=204, summary="End my other sessions")
async def revoke_other_sessions(request: Request) -> Response:
    """Sign out everywhere else: every session of the agent but the caller's own."""
    agent = await agent_of(request)
    await hub_of(request).sessions.revoke_others(agent, _current(request))
    return Response(status_code=204)


def _current(request: Request) -> str | None:
    found = getattr(request.state, "browser_session", None)
    return getattr(found, "id", None)
