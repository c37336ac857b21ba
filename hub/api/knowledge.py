"""`/api/company`, `/api/qa`, `/api/ai-settings`, `/api/appointments`: what the AI knows.

Everyone in the company may read; only owners may change anything.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.ai import leads
from hub.api.describe import describe
from hub.api.errors import ApiError
from hub.api.requests import agent_of, json_body, owner_of
from hub.api.schemas import AiSettings, Company, QaPair, QaPairs
from hub.state import hub_of


class CompanyBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    website: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    facts: list[str] = Field(default_factory=list, max_length=200)
    allowed_origins: list[str] = Field(default_factory=list, max_length=50)
    # Messages older than this are purged (hub.workspace.retention); None keeps everything.
    retention_days: int | None = Field(default=None, ge=1, le=36500)


class PairBody(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    answer: str = Field(min_length=1, max_length=5000)


class AiBody(BaseModel):
    enabled: bool = True
    model: str = Field(default="llama-3.1-8b-instant", min_length=1, max_length=100)
    use_case: Literal["lead_qualification", "customer_support", "faq", "appointment_scheduling"] = (
        "customer_support"
    )
    instructions: str = Field(default="", max_length=5000)
    temperature: float = Field(default=0.3, ge=0.0, le=2.0)
    max_tokens: int = Field(default=400, ge=16, le=4096)
    answer_off_hours: bool = True  # the AI answers outside business hours


@describe("GET", response=Company, summary="The company")
@describe("PUT", auth="owner", body=CompanyBody, response=Company, summary="Change the company")
async def company(request: Request) -> JSONResponse:
    service = hub_of(request).knowledge
    if request.method == "GET":
        agent = await agent_of(request)
        return JSONResponse(await service.profile(agent.company_id))
    agent = await owner_of(request)
    body = await json_body(request, CompanyBody)
    # A PUT that does not mention retention_days leaves the policy as it is.
    values = body.model_dump(
        exclude=None if "retention_days" in body.model_fields_set else {"retention_days"}
    )
    return JSONResponse(await service.update_profile(agent.company_id, values))


@describe("GET", response=QaPairs, summary="List Q&A pairs")
@describe(
    "POST", auth="owner", body=PairBody, response=QaPair, status=201, summary="Add a Q&A pair"
)
async def qa(request: Request) -> JSONResponse:
    service = hub_of(request).knowledge
    if request.method == "GET":
        agent = await agent_of(request)
        pairs = await service.pairs(agent.company_id)
        return JSONResponse(
            {"pairs": [{"id": p.id, "question": p.question, "answer": p.answer} for p in pairs]}
        )
    agent = await owner_of(request)
    body = await json_body(request, PairBody)
    pair = await service.add_pair(agent.company_id, body.question, body.answer)
    return JSONResponse(pair, status_code=201)


@describe(auth="owner", body=PairBody, response=QaPair, summary="Change a Q&A pair")
async def update_qa(request: Request) -> JSONResponse:
    """An owner edits a pair in place (its id stays, so nothing else needs to change)."""
    agent = await owner_of(request)
    body = await json_body(request, PairBody)
    pair = await hub_of(request).knowledge.update_pair(
        agent.company_id, request.path_params["pair_id"], body.question, body.answer
    )
    if pair is None:
        raise ApiError(404, "not_found", "no such Q&A pair")
    return JSONResponse(pair)


@describe(auth="owner", status=204, summary="Delete a Q&A pair")
async def delete_qa(request: Request) -> Response:
    agent = await owner_of(request)
    if not await hub_of(request).knowledge.delete_pair(
        agent.company_id, request.path_params["pair_id"]
    ):
        raise ApiError(404, "not_found", "no such Q&A pair")
    return Response(status_code=204)


@describe("GET", response=AiSettings, summary="AI settings")
@describe("PUT", auth="owner", body=AiBody, response=AiSettings, summary="Change the AI settings")
async def ai_settings(request: Request) -> JSONResponse:
    service = hub_of(request).knowledge
    if request.method == "GET":
        agent = await agent_of(request)
        config = await service.ai_config(agent.company_id)
    else:
        agent = await owner_of(request)
        body = await json_body(request, AiBody)
        config = await service.update_ai_config(agent.company_id, body.model_dump())
    return JSONResponse(dataclasses.asdict(config))


@describe(summary="Appointments requested")
async def appointments(request: Request) -> JSONResponse:
    agent = await agent_of(request)
    listed = await leads.appointments(hub_of(request).db, agent.company_id)
    return JSONResponse({"appointments": listed})
