"""`/api/api-keys`: an owner's named API keys for scripts: made (the key shown once), listed,
revoked (its open sockets end at once). Managed by a person only: an API key cannot make or
revoke keys, so a leaked key cannot mint itself successors."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.describe import describe
from hub.api.errors import ApiError
from hub.api.requests import json_body, owner_of
from hub.api.schemas import ApiKeyList, NewApiKey, Scope
from hub.identity import api_keys
from hub.identity.tokens import AgentIdentity
from hub.state import hub_of


def _all_scopes() -> list[Scope]:
    return ["read", "write", "admin"]


class NewKeyBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: Literal["owner", "agent"] = "agent"
    # What the key may do (hub.identity.scopes): all three unless chosen.
    scopes: list[Scope] = Field(default_factory=_all_scopes, min_length=1, max_length=3)


async def _manager(request: Request) -> AgentIdentity:
    owner = await owner_of(request, "manage API keys")
    if owner.api_key_id is not None:
        raise ApiError(403, "forbidden", "an API key cannot manage API keys")
    return owner


@describe(auth="owner", response=ApiKeyList, summary="List API keys")
async def list_api_keys(request: Request) -> JSONResponse:
    owner = await _manager(request)
    keys = await api_keys.list_keys(hub_of(request).db, owner.company_id)
    return JSONResponse({"api_keys": keys})


@describe(auth="owner", body=NewKeyBody, response=NewApiKey, status=201, summary="Make an API key")
async def create_api_key(request: Request) -> JSONResponse:
    """A new key acting as this owner with `role`: the answer is the only time it is shown."""
    owner = await _manager(request)
    body: NewKeyBody = await json_body(request, NewKeyBody)
    name = body.name.strip()
    if not name:
        raise ApiError(400, "bad_request", "name: the key needs a name")
    view, key = await api_keys.create_key(
        hub_of(request).db, owner.company_id, owner.agent_id, name, body.role, tuple(body.scopes)
    )
    return JSONResponse({"api_key": view, "key": key}, status_code=201)


@describe(auth="owner", status=204, summary="Revoke an API key")
async def revoke_api_key(request: Request) -> Response:
    """Delete the key: it stops working at once and the sockets it opened close (4401)."""
    owner = await _manager(request)
    hub = hub_of(request)
    key_id = request.path_params["key_id"]
    if not await api_keys.revoke_key(hub.db, owner.company_id, key_id):
        raise ApiError(404, "not_found", "no such API key")
    await hub.conversations.publisher.api_key_revoked(owner.company_id, key_id)
    return Response(status_code=204)
