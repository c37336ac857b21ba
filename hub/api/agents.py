"""`/api/agents`: owners list their company's agents and revoke them (open sockets end)."""

from __future__ import annotations

from sqlalchemy import select, update
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub import events
from hub.api.errors import ApiError
from hub.api.knowledge import owner_of
from hub.events import Event
from hub.persistence import repository as repo
from hub.views import iso


async def list_agents(request: Request) -> JSONResponse:
    owner = await owner_of(request)
    table = repo.agents
    stmt = select(table).where(table.c.company_id == owner.company_id).order_by(table.c.created_at)
    async with request.app.state.hub.db.read() as conn:
        rows = (await conn.execute(stmt)).all()
    agents = [
        {
            "id": r.id,
            "email": r.email,
            "role": r.role,
            "revoked": r.revoked,
            "last_sign_in_at": iso(r.last_sign_in_at) if r.last_sign_in_at else None,
        }
        for r in rows
    ]
    return JSONResponse({"agents": agents})


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
    Route("/api/agents/{agent_id}", revoke_agent, methods=["DELETE"]),
]
