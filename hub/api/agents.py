"""`/api/agents`: owners invite, list and revoke their company's agents (open sockets end)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub import events
from hub.api.errors import ApiError
from hub.api.knowledge import owner_of
from hub.api.routes import json_body
from hub.conversations.views import iso
from hub.events import Event
from hub.identity.tokens import AgentIdentity, issue_token
from hub.persistence import repository as repo
from hub.persistence.models import new_id


async def list_agents(request: Request) -> JSONResponse:
    owner = await owner_of(request)
    table = repo.agents
    stmt = select(table).where(table.c.company_id == owner.company_id).order_by(table.c.created_at)
    async with request.app.state.hub.db.read() as conn:
        rows = (await conn.execute(stmt)).all()
    return JSONResponse({"agents": [agent_view(r) for r in rows]})


def agent_view(r: Any) -> dict[str, Any]:
    """An agent as the API shows it (never a token)."""
    return {
        "id": r.id,
        "email": r.email,
        "name": r.name,
        "role": r.role,
        "revoked": r.revoked,
        "supabase_linked": r.supabase_user_id is not None,
        "last_sign_in_at": iso(r.last_sign_in_at) if r.last_sign_in_at else None,
        # A number proven through Twilio Verify (hub/api/verify.py), else both None.
        "phone": r.phone,
        "phone_verified_at": iso(r.phone_verified_at) if r.phone_verified_at else None,
    }


class InviteBody(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str | None = Field(default=None, max_length=200)
    role: Literal["owner", "agent"] = "agent"
    supabase_user_id: str | None = Field(default=None, min_length=1, max_length=64)


async def invite_agent(request: Request) -> JSONResponse:
    """An owner adds an agent: the answer carries a hub token for them, and with Supabase
    configured their Supabase account signs in as this agent (linked by email at first
    sign-in, or at once by `supabase_user_id`)."""
    owner = await owner_of(request)
    body: InviteBody = await json_body(request, InviteBody)
    hub = request.app.state.hub
    agent_id = new_id()
    values = body.model_dump() | {"id": agent_id, "company_id": owner.company_id}
    try:
        async with hub.db.write() as conn:
            await conn.execute(insert(repo.agents).values(**values))
            row = await repo.one(conn, select(repo.agents).where(repo.agents.c.id == agent_id))
    except IntegrityError:
        raise ApiError(409, "conflict", "that email or Supabase user is already an agent") from None
    identity = AgentIdentity(agent_id, owner.company_id, body.role)
    token = issue_token(hub.settings.secret_key, identity, hub.settings.token_ttl_days)
    return JSONResponse({"agent": agent_view(row), "agent_token": token}, status_code=201)


async def revoke_agent(request: Request) -> Response:
    """Revoke an agent: its tokens stop working and its open sockets close with 4401."""
    owner = await owner_of(request)
    agent_id = request.path_params["agent_id"]
    if agent_id == owner.agent_id:
        raise ApiError(400, "bad_request", "an owner cannot revoke themselves")
    table = repo.agents
    stmt = (
        update(table)
        .where(table.c.id == agent_id, table.c.company_id == owner.company_id)
        .values(revoked=True)
    )
    hub = request.app.state.hub
    async with hub.db.write() as conn:
        if not (await conn.execute(stmt)).rowcount:
            raise ApiError(404, "not_found", "no such agent")
    event = Event.build(events.AGENT_REVOKED, owner.company_id, {"agent_id": agent_id})
    await hub.bus.publish(event)
    return Response(status_code=204)


routes = [
    Route("/api/agents", list_agents, methods=["GET"]),
    Route("/api/agents", invite_agent, methods=["POST"]),
    Route("/api/agents/{agent_id}", revoke_agent, methods=["DELETE"]),
]
