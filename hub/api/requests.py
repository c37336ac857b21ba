"""What every HTTP handler needs from its request: the agent, the owner, the JSON body."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from hub.api.bodies import TooDeep, parse_json
from hub.api.errors import ApiError
from hub.identity.tokens import AgentIdentity, AuthError, authenticate
from hub.persistence.tenancy import enter_tenant
from hub.state import hub_of


async def agent_of(request: Request) -> AgentIdentity:
    """The agent named by `Authorization: Bearer TOKEN`, or 401."""
    header = request.headers.get("authorization", "")
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


async def owner_of(request: Request, what: str = "change this") -> AgentIdentity:
    """The agent, who must be an owner of its company (else 403)."""
    agent = await agent_of(request)
    if not agent.is_owner:
        raise ApiError(403, "forbidden", f"only an owner may {what}")
    return agent


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
    if isinstance(exc, TooDeep):
        return str(exc)
    return "body is not valid JSON"
