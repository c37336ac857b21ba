"""Labels and priority (issue 21): the company's labels (owners manage them), and the labels
and priority agents put on conversations and contacts (hub.workspace.labels)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.describe import describe
from hub.api.requests import agent_of, json_body, owner_of
from hub.state import hub_of
from hub.workspace.labels import PALETTE, colour_of

NAME = r"^[^\s:,][^:,]*$"  # no colon or comma: `label:NAME` in a search stays one term
Priority = Literal["none", "low", "medium", "high", "urgent"]


def _colour(value: str | None) -> str | None:
    return None if value is None else colour_of(value)


class LabelBody(BaseModel):
    name: str = Field(min_length=1, max_length=64, pattern=NAME)
    colour: str = Field(default=PALETTE["blue"], max_length=16)  # defaults skip the validator
    description: str = Field(default="", max_length=200)

    _check_colour = field_validator("colour")(colour_of)


class LabelPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=64, pattern=NAME)
    colour: str | None = Field(default=None, max_length=16)
    description: str | None = Field(default=None, max_length=200)

    _check_colour = field_validator("colour")(_colour)


LabelId = Annotated[str, Field(min_length=1, max_length=32)]


class LabelsBody(BaseModel):
    label_ids: list[LabelId] = Field(max_length=50)


class PriorityBody(BaseModel):
    priority: Priority


@describe(summary="List the company's labels")
async def list_labels(request: Request) -> JSONResponse:
    """Every label of the company, by name (any agent: the inbox's pickers and filters)."""
    agent = await agent_of(request)
    return JSONResponse({"labels": await hub_of(request).labels.catalogue(agent.company_id)})


@describe(auth="owner", body=LabelBody, status=201, summary="Create a label")
async def create_label(request: Request) -> JSONResponse:
    agent = await owner_of(request, "manage labels")
    body: LabelBody = await json_body(request, LabelBody)
    created = await hub_of(request).labels.create(
        agent.company_id, body.name.strip(), body.colour, body.description
    )
    return JSONResponse(created, status_code=201)


@describe(auth="owner", body=LabelPatch, summary="Rename, recolour or describe a label")
async def update_label(request: Request) -> JSONResponse:
    agent = await owner_of(request, "manage labels")
    body: LabelPatch = await json_body(request, LabelPatch)
    values = body.model_dump(exclude_none=True)
    if "name" in values:
        values["name"] = values["name"].strip()
    updated = await hub_of(request).labels.update(
        agent.company_id, request.path_params["label_id"], **values
    )
    return JSONResponse(updated)


@describe(auth="owner", status=204, summary="Delete a label")
async def delete_label(request: Request) -> Response:
    """Also takes it off every conversation and contact."""
    agent = await owner_of(request, "manage labels")
    await hub_of(request).labels.delete(agent.company_id, request.path_params["label_id"])
    return Response(status_code=204)


@describe(body=LabelsBody, summary="Set a conversation's labels")
async def label_conversation(request: Request) -> JSONResponse:
    """Replace the conversation's labels: `{"label_ids": [...]}` (404 for another company's
    conversation or label); `{"conversation": Conversation}`, as published."""
    agent = await agent_of(request)
    body: LabelsBody = await json_body(request, LabelsBody)
    view = await hub_of(request).labels.label_conversation(
        agent.company_id, request.path_params["conversation_id"], body.label_ids
    )
    return JSONResponse({"conversation": view})


@describe(body=PriorityBody, summary="Set a conversation's priority")
async def set_priority(request: Request) -> JSONResponse:
    """`{"priority": "none" | "low" | "medium" | "high" | "urgent"}`."""
    agent = await agent_of(request)
    body: PriorityBody = await json_body(request, PriorityBody)
    view = await hub_of(request).labels.set_priority(
        agent.company_id, request.path_params["conversation_id"], body.priority
    )
    return JSONResponse({"conversation": view})


@describe(body=LabelsBody, summary="Set a contact's labels")
async def label_contact(request: Request) -> JSONResponse:
    """Replace the contact's labels: `{"labels": [{"id", "name", "colour"}, ...]}`."""
    agent = await agent_of(request)
    body: LabelsBody = await json_body(request, LabelsBody)
    labels = await hub_of(request).labels.label_contact(
        agent.company_id, request.path_params["contact_id"], body.label_ids
    )
    return JSONResponse({"labels": labels})
