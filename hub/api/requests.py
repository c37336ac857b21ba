"""What every HTTP handler needs from its request: the agent, the owner, the JSON body."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from hub.api.bodies import BadText, TooDeep, parse_json
from hub.api.errors import ApiError
from hub.identity import csrf, scopes
from hub.identity.csrf import SAFE_METHODS
from hub.identity.sessions import COOKIE, SECURE_COOKIE, BrowserSession
from hub.identity.tokens import AgentIdentity, AuthError, authenticate
from hub.persistence.tenancy import enter_tenant
from hub.state import hub_of


async def agent_of(request: Request) -> AgentIdentity:
    """The agent named by `Authorization: Bearer TOKEN`, or else by the session cookie (with
    the CSRF checks on a state-changing method: hub.identity.csrf); 401 with neither. An API
    key needs its `read` scope for a GET, `write` for any other method (403 `forbidden`)."""
    agent = await _caller(request)
    _require_scope(agent, scopes.needed(request.method, owner_only=False))
    return agent


def _require_scope(agent: AgentIdentity, scope: str) -> None:
    """403 `forbidden` for an API key without `scope` (tokens and sessions have no scopes)."""
    if agent.scopes is not None and scope not in agent.scopes:
        raise ApiError(403, "forbidden", f"this API key lacks the {scope!r} scope")


async def _caller(request: Request) -> AgentIdentity:
    header = request.headers.get("authorization", "")
    if not header:
        agent = (await session_of(request)).agent
        enter_tenant(agent.company_id)
        return agent
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorized", "send Authorization: Bearer AGENT_TOKEN")
    hub = hub_of(request)
    try:
        agent = await authenticate(hub.db, hub.settings, token.strip())
    except AuthError as exc:
        raise ApiError(401, "unauthorized", f"invalid or expired token: {exc}") from None
    enter_tenant(agent.company_id)  # every transaction of this request sees this company only
    return agent


def secure(request: Request) -> bool:
    """Served over HTTPS, as uvicorn reports it (X-Forwarded-Proto from a trusted proxy)."""
    return request.url.scheme == "https"


def cookie_name(request: Request) -> str:
    """`__Host-` prefixed over HTTPS (Secure, Path=/, this host only), plain otherwise."""
    return SECURE_COOKIE if secure(request) else COOKIE


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


async def session_of(request: Request) -> BrowserSession:
    """The browser session of the request's cookie (401 without a live one); a
    state-changing request must also pass the CSRF checks (403 `csrf`)."""
    cached = getattr(request.state, "browser_session", None)
    if isinstance(cached, BrowserSession):
        return cached
    raw = request.cookies.get(cookie_name(request))
    hub = hub_of(request)
    found = await hub.sessions.lookup(raw) if raw else None
    if found is None:
        raise ApiError(401, "unauthorized", "sign in, or send Authorization: Bearer AGENT_TOKEN")
    if request.method not in SAFE_METHODS:
        try:
            csrf.check(
                hub.settings.secret_key,
                found.raw,
                request.headers.get(csrf.HEADER),
                request.headers.get("origin"),
                own_origin(request),
                request.headers.get("sec-fetch-site"),
            )
        except csrf.CsrfRefused as exc:
            raise ApiError(403, "csrf", str(exc)) from None
    request.state.browser_session = found
    return found


async def owner_of(request: Request, what: str = "change this") -> AgentIdentity:
    """The agent, who must be an owner of its company (else 403); an API key needs its
    `admin` scope (and no other) for an owner-only call."""
    agent = await _caller(request)
    _require_scope(agent, scopes.needed(request.method, owner_only=True))
    if not agent.is_owner:
        raise ApiError(403, "forbidden", f"only an owner may {what}")
    return agent


def required_name(value: str, what: str) -> str:
    """`value` without surrounding spaces; 400 when nothing is left ("the `what` needs a
    name")."""
    name = value.strip()
    if not name:
        raise ApiError(400, "bad_request", f"name: the {what} needs a name")
    return name


async def json_body(request: Request, model: type[BaseModel]) -> Any:
    """The body validated as `model` (400 `bad_request` naming the first bad field). The body
    is at most the route's cap (hub.api.bodies.BodyLimit) and nests at most MAX_DEPTH."""
    try:
        body = model.model_validate(parse_json(await request.body()))
    except (ValueError, ValidationError) as exc:
        raise ApiError(400, "bad_request", _first_error(exc)) from None
    if has_nul(body.model_dump()):  # PostgreSQL cannot store one; refused on SQLite too
        raise ApiError(400, "bad_request", "NUL characters are not allowed")
    return body


async def json_value(request: Request) -> Any:
    """The body as any JSON value, for a handler that checks its fields itself (400
    `bad_request` when it is not JSON, nests too deep or holds no Unicode text)."""
    try:
        return parse_json(await request.body())
    except ValueError as exc:
        raise ApiError(400, "bad_request", _first_error(exc)) from None


def has_nul(value: Any) -> bool:
    """A NUL character (U+0000) in any string of a JSON value, keys included."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "body"
        return f"{where}: {error['msg']}"
    if isinstance(exc, TooDeep | BadText):
        return str(exc)
    return "body is not valid JSON"
