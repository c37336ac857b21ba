"""The inbox's company-wide settings: presence and automatic assignment.

Every agent of the company reads them; the assignment settings are changed by owners only;
each agent sets its own presence.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.requests import agent_of, json_body, owner_of
from hub.conversations import assignment
from hub.state import hub_of


class PresenceBody(BaseModel):
    status: Literal["online", "away"]


class InboxSettingsBody(BaseModel):
    auto_assign: bool = True
    assign_cap: int = Field(default=10, ge=1, le=1000)


async def presence(request: Request) -> JSONResponse:
    """Every active agent of the company with its presence, as `presence.snapshot`."""
    agent = await agent_of(request)
    return JSONResponse({"agents": await hub_of(request).presence.agents(agent.company_id)})


async def set_presence(request: Request) -> JSONResponse:
    """The caller chooses online or away (offline is having no socket open)."""
    agent = await agent_of(request)
    body: PresenceBody = await json_body(request, PresenceBody)
    status = await hub_of(request).presence.set_away(agent, body.status == "away")
    return JSONResponse({"status": status})


async def inbox_settings(request: Request) -> JSONResponse:
    db = hub_of(request).db
    if request.method == "GET":
        agent = await agent_of(request)
        return JSONResponse(await assignment.inbox_settings(db, agent.company_id))
    agent = await owner_of(request)
    body: InboxSettingsBody = await json_body(request, InboxSettingsBody)
    settings = await assignment.update_inbox_settings(db, agent.company_id, body.model_dump())
    return JSONResponse(settings)
