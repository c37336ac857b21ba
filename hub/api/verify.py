"""`/api/agents/me` and its phone: the signed-in agent (any role) proves a number through
Twilio Verify, as the product's sign-up does, and the hub keeps it with the time it was proven.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StrictBool, StringConstraints, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.describe import describe
from hub.api.errors import ApiError
from hub.api.requests import agent_of, json_body
from hub.channels.verify import PhoneVerifier
from hub.conversations.views import iso
from hub.state import hub_of

# The name teammates and visitors see: trimmed, never empty, one line.
DisplayName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]


class MeBody(BaseModel):
    """What an agent changes of itself: any of these, each only when given."""

    name: DisplayName | None = None  # given, it is a name: never null or blank
    notifications: StrictBool = True  # the inbox's desktop notifications
    sound: StrictBool = True  # and their sound

    @field_validator("name", mode="before")
    @classmethod
    def _named(cls, value: object) -> object:
        if value is None:
            raise ValueError("a display name is required (it cannot be removed)")
        return value


class PhoneBody(BaseModel):
    phone: str = Field(min_length=1, max_length=32)


class CheckBody(PhoneBody):
    code: str = Field(min_length=4, max_length=10)  # Verify's codes are 4-10 characters


@describe(summary="Me")
async def me(request: Request) -> JSONResponse:
    """The token's own agent, with its verified phone."""
    agent = await agent_of(request)
    view = await hub_of(request).agents.me(agent)
    if view is None:  # revoked or erased between authentication and now
        raise ApiError(401, "unauthorized", "this agent no longer exists")
    return JSONResponse(view)


@describe(body=MeBody, summary="Change my profile")
async def rename_me(request: Request) -> JSONResponse:
    """The agent's own settings: its display name (the author visitors see on its widget
    replies) and its inbox switches (`notifications`, `sound`), whichever the body names."""
    agent = await agent_of(request)
    body: MeBody = await json_body(request, MeBody)
    changes = body.model_dump(include=body.model_fields_set)
    if not changes:
        raise ApiError(400, "bad_request", "name, notifications or sound is required")
    view = await hub_of(request).agents.update_me(agent, changes)
    if view is None:
        raise ApiError(401, "unauthorized", "this agent no longer exists")
    return JSONResponse(view)


@describe(body=PhoneBody, summary="Verify a phone number")
async def start_phone(request: Request) -> JSONResponse:
    """Text a code to the number: `202 {"status": "pending", "phone": E.164}`."""
    await agent_of(request)  # any signed-in agent; nothing is stored until the check
    verifier = _verifier(request)
    body: PhoneBody = await json_body(request, PhoneBody)
    phone = await verifier.start(body.phone)
    return JSONResponse({"status": "pending", "phone": phone}, status_code=202)


@describe(body=CheckBody, summary="Check the phone code")
async def check_phone(request: Request) -> JSONResponse:
    """Check the code; once Verify approves it, store the number as the agent's."""
    agent = await agent_of(request)
    verifier = _verifier(request)
    body: CheckBody = await json_body(request, CheckBody)
    phone = await verifier.check(body.phone, body.code)
    verified_at = dt.datetime.now(dt.UTC)
    await hub_of(request).agents.store_phone(agent, phone, verified_at)
    return JSONResponse({"phone": phone, "verified_at": iso(verified_at)})


def _verifier(request: Request) -> PhoneVerifier:
    verifier = PhoneVerifier.from_settings(hub_of(request).settings)
    if verifier is None:
        raise ApiError(
            503,
            "not_configured",
            "phone verification is not configured on this hub "
            "(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_VERIFY_SERVICE_SID)",
        )
    return verifier
