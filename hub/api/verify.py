"""`/api/agents/me` and its phone: the signed-in agent (any role) proves a number through
Twilio Verify, as the product's sign-up does, and the hub keeps it with the time it was proven.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select, update
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from hub.api.agents import agent_view
from hub.api.errors import ApiError
from hub.api.routes import agent_of, json_body
from hub.channels.verify import PhoneVerifier, VerifyFailed
from hub.conversations.views import iso
from hub.identity.tokens import AgentIdentity
from hub.persistence import repository as repo
from hub.persistence.models import utcnow

# Our VerifyFailed codes onto HTTP statuses (docs/protocol.md, HTTP API).
STATUSES = {
    "bad_phone": 400,
    "wrong_code": 400,
    "not_found": 404,
    "rate_limited": 429,
    "provider_error": 502,
}


class PhoneBody(BaseModel):
    phone: str = Field(min_length=1, max_length=32)


class CheckBody(PhoneBody):
    code: str = Field(min_length=4, max_length=10)  # Verify's codes are 4-10 characters


async def me(request: Request) -> JSONResponse:
    """The token's own agent, with its verified phone."""
    agent = await agent_of(request)
    return JSONResponse(await _me_view(request, agent))


async def start_phone(request: Request) -> JSONResponse:
    """Text a code to the number: `202 {"status": "pending", "phone": E.164}`."""
    await agent_of(request)  # any signed-in agent; nothing is stored until the check
    verifier = _verifier(request)
    body: PhoneBody = await json_body(request, PhoneBody)
    try:
        phone = await verifier.start(body.phone)
    except VerifyFailed as exc:
        raise _api_error(exc) from None
    return JSONResponse({"status": "pending", "phone": phone}, status_code=202)


async def check_phone(request: Request) -> JSONResponse:
    """Check the code; once Verify approves it, store the number as the agent's."""
    agent = await agent_of(request)
    verifier = _verifier(request)
    body: CheckBody = await json_body(request, CheckBody)
    try:
        phone = await verifier.check(body.phone, body.code)
    except VerifyFailed as exc:
        raise _api_error(exc) from None
    verified_at = utcnow()
    await _store_phone(request, agent, phone, verified_at)
    return JSONResponse({"phone": phone, "verified_at": iso(verified_at)})


def _verifier(request: Request) -> PhoneVerifier:
    verifier = PhoneVerifier.from_settings(request.app.state.hub.settings)
    if verifier is None:
        raise ApiError(
            503,
            "not_configured",
            "phone verification is not configured on this hub "
            "(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_VERIFY_SERVICE_SID)",
        )
    return verifier


def _api_error(exc: VerifyFailed) -> ApiError:
    return ApiError(STATUSES.get(exc.code, 502), exc.code, exc.message)


async def _store_phone(
    request: Request, agent: AgentIdentity, phone: str, verified_at: dt.datetime
) -> None:
    """The proven number replaces any earlier one."""
    table = repo.agents
    stmt = (
        update(table)
        .where(table.c.id == agent.agent_id, table.c.company_id == agent.company_id)
        .values(phone=phone, phone_verified_at=verified_at)
    )
    async with request.app.state.hub.db.write() as conn:
        await conn.execute(stmt)


async def _me_view(request: Request, agent: AgentIdentity) -> dict[str, Any]:
    """The agent as `GET /api/agents` lists it, plus its company."""
    table = repo.agents
    stmt = select(table).where(table.c.id == agent.agent_id, table.c.company_id == agent.company_id)
    async with request.app.state.hub.db.read() as conn:
        row = await repo.one(conn, stmt)
    if row is None:  # revoked or erased between authentication and now
        raise ApiError(401, "unauthorized", "this agent no longer exists")
    return {"company_id": row.company_id, **agent_view(row)}


routes: list[BaseRoute] = [
    Route("/api/agents/me", me, methods=["GET"]),
    Route("/api/agents/me/phone", start_phone, methods=["POST"]),
    Route("/api/agents/me/phone/check", check_phone, methods=["POST"]),
]
