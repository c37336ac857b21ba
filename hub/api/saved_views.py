"""`/api/views`: the calling agent's own saved views (hub.workspace.saved_views); another
agent's view is 404, whatever the caller's role."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.describe import describe
from hub.api.errors import ApiError
from hub.api.requests import agent_of, json_body, required_name
from hub.state import hub_of


class NewViewBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    filter: dict[str, Any] = Field(default_factory=dict)


class ViewChangeBody(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    filter: dict[str, Any] | None = None


@describe(summary="List my saved views")
async def list_views(request: Request) -> JSONResponse:
    agent = await agent_of(request)
    return JSONResponse({"views": await hub_of(request).views.listing(agent)})


@describe(body=NewViewBody, status=201, summary="Save a view")
async def create_view(request: Request) -> JSONResponse:
    agent = await agent_of(request)
    body: NewViewBody = await json_body(request, NewViewBody)
    view = await hub_of(request).views.create(agent, required_name(body.name, "view"), body.filter)
    return JSONResponse({"view": view}, status_code=201)


@describe(body=ViewChangeBody, summary="Rename a saved view or change its filter")
async def update_view(request: Request) -> JSONResponse:
    agent = await agent_of(request)
    body: ViewChangeBody = await json_body(request, ViewChangeBody)
    values: dict[str, Any] = body.model_dump(exclude_none=True)
    if "name" in values:
        values["name"] = required_name(values["name"], "view")
    if not values:
        raise ApiError(400, "bad_request", "send name and/or filter")
    view = await hub_of(request).views.update(agent, request.path_params["view_id"], values)
    return JSONResponse({"view": view})


@describe(status=204, summary="Delete a saved view")
async def delete_view(request: Request) -> Response:
    agent = await agent_of(request)
    await hub_of(request).views.delete(agent, request.path_params["view_id"])
    return Response(status_code=204)
