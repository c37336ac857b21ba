"""`/api/teams`: the company's teams (owners manage them, every agent reads them), and
`PUT /api/conversations/{id}/team`: any agent assigns a conversation to a team or to none
(hub.workspace.teams)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.describe import describe
from hub.api.errors import ApiError
from hub.api.requests import agent_of, json_body, owner_of, required_name
from hub.state import hub_of

NAME = {"min_length": 1, "max_length": 100}
AN_ID = {"min_length": 1, "max_length": 128}


class NewTeamBody(BaseModel):
    name: str = Field(**NAME)  # type: ignore[call-overload]
    round_robin: bool = False
    member_ids: tuple[str, ...] = Field(default=(), max_length=500)


class TeamChangeBody(BaseModel):
    name: str | None = Field(default=None, **NAME)  # type: ignore[call-overload]
    round_robin: bool | None = None


class MemberBody(BaseModel):
    agent_id: str = Field(**AN_ID)  # type: ignore[call-overload]


class TeamBody(BaseModel):
    team_id: str | None = Field(**AN_ID)  # type: ignore[call-overload]


@describe(summary="List the company's teams")
async def list_teams(request: Request) -> JSONResponse:
    agent = await agent_of(request)
    return JSONResponse({"teams": await hub_of(request).teams.listing(agent.company_id)})


@describe(auth="owner", body=NewTeamBody, status=201, summary="Create a team")
async def create_team(request: Request) -> JSONResponse:
    """201 with the team; 409 when the name is taken, 404 for a member not in the company."""
    owner = await owner_of(request, "manage teams")
    body: NewTeamBody = await json_body(request, NewTeamBody)
    team = await hub_of(request).teams.create(
        owner.company_id, required_name(body.name, "team"), body.round_robin, body.member_ids
    )
    return JSONResponse({"team": team}, status_code=201)


@describe(auth="owner", body=TeamChangeBody, summary="Rename a team or switch its round robin")
async def update_team(request: Request) -> JSONResponse:
    """Rename the team and/or turn its round robin on or off."""
    owner = await owner_of(request, "manage teams")
    body: TeamChangeBody = await json_body(request, TeamChangeBody)
    values: dict[str, Any] = body.model_dump(exclude_none=True)
    if "name" in values:
        values["name"] = required_name(values["name"], "team")
    if not values:
        raise ApiError(400, "bad_request", "send name and/or round_robin")
    team = await hub_of(request).teams.update(
        owner.company_id, request.path_params["team_id"], values
    )
    return JSONResponse({"team": team})


@describe(auth="owner", status=204, summary="Delete a team")
async def delete_team(request: Request) -> Response:
    owner = await owner_of(request, "manage teams")
    await hub_of(request).teams.delete(owner.company_id, request.path_params["team_id"])
    return Response(status_code=204)


@describe(auth="owner", body=MemberBody, summary="Add a member to a team")
async def add_member(request: Request) -> JSONResponse:
    owner = await owner_of(request, "manage teams")
    body: MemberBody = await json_body(request, MemberBody)
    team = await hub_of(request).teams.add_member(
        owner.company_id, request.path_params["team_id"], body.agent_id
    )
    return JSONResponse({"team": team})


@describe(auth="owner", summary="Remove a member from a team")
async def remove_member(request: Request) -> JSONResponse:
    owner = await owner_of(request, "manage teams")
    team = await hub_of(request).teams.remove_member(
        owner.company_id, request.path_params["team_id"], request.path_params["agent_id"]
    )
    return JSONResponse({"team": team})


@describe(body=TeamBody, summary="Assign a conversation to a team")
async def set_team(request: Request) -> JSONResponse:
    """Assign the conversation to a team of the company, or to none (`team_id` null); 404
    for another company's team. With its round robin on, a member gets it."""
    agent = await agent_of(request)
    body: TeamBody = await json_body(request, TeamBody)
    view = await hub_of(request).teams.assign(
        agent.company_id, request.path_params["conversation_id"], body.team_id
    )
    return JSONResponse({"conversation": view})
