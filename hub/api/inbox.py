"""The inbox's company-wide settings: canned responses, presence, automatic assignment.

Every agent of the company reads them; canned responses and the assignment settings are
changed by owners only; each agent sets its own presence.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.describe import describe
from hub.api.requests import agent_of, json_body, owner_of
from hub.api.schemas import CannedList, CannedResponse, InboxSettings
from hub.conversations import assignment
from hub.conversations.service import MAX_TEXT
from hub.state import hub_of

SHORTCUT = r"^[A-Za-z0-9_-]+$"  # what follows the `/` in the reply box


class CannedBody(BaseModel):
    shortcut: str = Field(min_length=1, max_length=32, pattern=SHORTCUT)
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class PresenceBody(BaseModel):
    status: Literal["online", "away"]


class InboxSettingsBody(BaseModel):
    auto_assign: bool = True
    assign_cap: int = Field(default=10, ge=1, le=1000)


@describe(response=CannedList, summary="List canned responses")
async def list_canned(request: Request) -> JSONResponse:
    agent = await agent_of(request)
    responses = await hub_of(request).canned.list(agent.company_id)
    return JSONResponse({"responses": responses})


@describe(
    auth="owner",
    body=CannedBody,
    response=CannedResponse,
    status=201,
    summary="Add a canned response",
)
async def create_canned(request: Request) -> JSONResponse:
    agent = await owner_of(request)
    body: CannedBody = await json_body(request, CannedBody)
    created = await hub_of(request).canned.create(agent.company_id, body.shortcut, body.text)
    return JSONResponse(created, status_code=201)


@describe(
    auth="owner", body=CannedBody, response=CannedResponse, summary="Change a canned response"
)
async def update_canned(request: Request) -> JSONResponse:
    agent = await owner_of(request)
    body: CannedBody = await json_body(request, CannedBody)
    updated = await hub_of(request).canned.update(
        agent.company_id, request.path_params["response_id"], body.shortcut, body.text
    )
    return JSONResponse(updated)


@describe(auth="owner", status=204, summary="Delete a canned response")
async def delete_canned(request: Request) -> Response:
    agent = await owner_of(request)
    await hub_of(request).canned.delete(agent.company_id, request.path_params["response_id"])
    return Response(status_code=204)


@describe(summary="Who is online")
async def presence(request: Request) -> JSONResponse:
    """Every active agent of the company with its presence, as `presence.snapshot`."""
    agent = await agent_of(request)
    return JSONResponse({"agents": await hub_of(request).presence.agents(agent.company_id)})


@describe(body=PresenceBody, summary="Set my presence")
async def set_presence(request: Request) -> JSONResponse:
    """The caller chooses online or away (offline is having no socket open)."""
    agent = await agent_of(request)
    body: PresenceBody = await json_body(request, PresenceBody)
    status = await hub_of(request).presence.set_away(agent, body.status == "away")
    return JSONResponse({"status": status})


@describe("GET", response=InboxSettings, summary="Inbox settings")
@describe(
    "PUT",
    auth="owner",
    body=InboxSettingsBody,
    response=InboxSettings,
    summary="Change the inbox settings",
)
async def inbox_settings(request: Request) -> JSONResponse:
    db = hub_of(request).db
    if request.method == "GET":
        agent = await agent_of(request)
        return JSONResponse(await assignment.inbox_settings(db, agent.company_id))
    agent = await owner_of(request)
    body: InboxSettingsBody = await json_body(request, InboxSettingsBody)
    settings = await assignment.update_inbox_settings(db, agent.company_id, body.model_dump())
    return JSONResponse(settings)
