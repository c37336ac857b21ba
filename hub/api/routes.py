"""The HTTP API: health, conversations and messages (the caller's company only)."""

from __future__ import annotations

import hmac
import json
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.api.errors import ApiError
from hub.conversations.service import MAX_TEXT, PAGE_LIMIT, NotFound, Refused
from hub.identity.tokens import AgentIdentity, AuthError, authenticate
from hub.persistence.tenancy import enter_tenant
from hub.runtime import metrics


class ReplyBody(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    client_id: str | None = Field(default=None, min_length=1, max_length=128)


async def agent_of(request: Request) -> AgentIdentity:
    """The agent named by `Authorization: Bearer TOKEN`, or 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorized", "send Authorization: Bearer AGENT_TOKEN")
    hub = request.app.state.hub
    try:
        agent = await authenticate(hub.db, hub.settings, token.strip())
    except AuthError as exc:
        raise ApiError(401, "unauthorized", f"invalid or expired token: {exc}") from None
    enter_tenant(agent.company_id)  # every transaction of this request sees this company only
    return agent


async def json_body(request: Request, model: type[BaseModel]) -> Any:
    try:
        body = model.model_validate(json.loads(await request.body()))
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
    return "body is not valid JSON"


async def healthz(request: Request) -> JSONResponse:
    hub = request.app.state.hub
    database = "ok" if await hub.db.ping() else "down"
    bus = hub.bus.state()
    healthy = database == "ok" and bus == "ok"
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "database_backend": "sqlite" if hub.db.is_sqlite else "postgresql",
        "bus": bus,
        "bus_backend": hub.bus.backend,
        "sessions": hub.registry.count(),
    }
    return JSONResponse(body, status_code=200 if healthy else 503)


async def metrics_page(request: Request) -> Response:
    """Prometheus metrics of this process (docs/operations.md); behind HUB_METRICS_TOKEN
    when it is set."""
    token = request.app.state.hub.settings.metrics_token
    if token is not None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.reveal().encode()):
            raise ApiError(401, "unauthorized", "send Authorization: Bearer HUB_METRICS_TOKEN")
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)


async def list_conversations(request: Request) -> JSONResponse:
    agent = await agent_of(request)
    inbox = await request.app.state.hub.conversations.inbox(agent.company_id)
    return JSONResponse({"conversations": inbox})


async def list_messages(request: Request) -> JSONResponse:
    agent = await agent_of(request)
    conversation_id = request.path_params["conversation_id"]
    try:
        after = int(request.query_params.get("after_seq", "0"))
        limit = min(int(request.query_params.get("limit", PAGE_LIMIT)), PAGE_LIMIT)
    except ValueError:
        raise ApiError(400, "bad_request", "after_seq and limit must be integers") from None
    service = request.app.state.hub.conversations
    try:
        await service.require(agent.company_id, conversation_id)
    except NotFound:
        raise ApiError(404, "not_found", "no such conversation") from None
    messages = await service.history(agent.company_id, conversation_id, after, max(limit, 1))
    return JSONResponse({"messages": messages})


async def post_message(request: Request) -> JSONResponse:
    agent = await agent_of(request)
    body: ReplyBody = await json_body(request, ReplyBody)
    service = request.app.state.hub.conversations
    try:
        appended = await service.agent_reply(
            agent, request.path_params["conversation_id"], body.client_id, body.text
        )
    except NotFound:
        raise ApiError(404, "not_found", "no such conversation") from None
    except Refused as exc:
        raise ApiError(409, exc.code, exc.message) from None
    return JSONResponse({"message": appended.message}, status_code=201 if appended.created else 200)


routes = [
    Route("/healthz", healthz),
    Route("/metrics", metrics_page),
    Route("/api/conversations", list_conversations),
    Route("/api/conversations/{conversation_id}/messages", list_messages, methods=["GET"]),
    Route("/api/conversations/{conversation_id}/messages", post_message, methods=["POST"]),
]
