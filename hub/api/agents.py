"""`/api/agents`: owners invite, list and revoke their company's agents (open sockets end)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.errors import ApiError
from hub.api.requests import json_body, owner_of
from hub.state import hub_of


class InviteBody(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str | None = Field(default=None, max_length=200)
    role: Literal["owner", "agent"] = "agent"
    # No longer settable (issue 19): a Supabase account is linked only by accepting the
    # invitation, so an owner cannot bind someone else's account to their company.
    supabase_user_id: object = None


async def list_agents(request: Request) -> JSONResponse:
    owner = await owner_of(request)
    return JSONResponse({"agents": await hub_of(request).agents.list(owner.company_id)})


async def invite_agent(request: Request) -> JSONResponse:
    """An owner adds an agent: the answer carries a hub token for them, and with Supabase
    configured their Supabase account accepts the invitation at its first sign-in (with the
    email confirmed, within HUB_INVITATION_TTL_DAYS)."""
    owner = await owner_of(request)
    body: InviteBody = await json_body(request, InviteBody)
    if body.supabase_user_id is not None:
        raise ApiError(
            400,
            "bad_request",
            "supabase_user_id cannot be set: the person signs in with Supabase, with the "
            "invited email confirmed, to accept the invitation",
        )
    values = body.model_dump(exclude={"supabase_user_id"})
    agent, token = await hub_of(request).agents.invite(owner.company_id, values)
    return JSONResponse({"agent": agent, "agent_token": token}, status_code=201)


async def revoke_agent(request: Request) -> Response:
    """Revoke an agent: its tokens stop working and its open sockets close with 4401."""
    owner = await owner_of(request)
    agent_id = request.path_params["agent_id"]
    if agent_id == owner.agent_id:
        raise ApiError(400, "bad_request", "an owner cannot revoke themselves")
    await hub_of(request).agents.revoke(owner.company_id, agent_id)
    return Response(status_code=204)
