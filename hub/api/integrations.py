"""`/api/integrations/{twilio|kapso}`: owners set provider accounts; secrets never return."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.describe import describe
from hub.api.errors import ApiError
from hub.api.requests import agent_of, json_body, owner_of
from hub.channels.integrations import AddressTaken
from hub.channels.phones import BadPhone, e164
from hub.state import hub_of

Str = Field(min_length=1, max_length=200)


class TwilioBody(BaseModel):
    account_sid: str = Str
    auth_token: str = Str
    phone_number: str = Str

    @field_validator("phone_number")
    @classmethod
    def _e164(cls, value: str) -> str:
        try:
            return e164(value)
        except BadPhone as exc:
            raise ValueError(str(exc)) from None


class KapsoBody(BaseModel):
    api_key: str = Str
    phone_number_id: str = Str
    webhook_secret: str = Str


BODIES: dict[str, type[BaseModel]] = {"twilio": TwilioBody, "kapso": KapsoBody}


def _provider(request: Request) -> str:
    provider = str(request.path_params["provider"])
    if provider not in BODIES:
        raise ApiError(404, "not_found", "providers are twilio and kapso")
    return provider


@describe(summary="A provider account")
async def get_integration(request: Request) -> JSONResponse:
    agent = await agent_of(request)
    provider = _provider(request)
    shown = await hub_of(request).integrations.get(agent.company_id, provider)
    return JSONResponse(shown or {"provider": provider, "configured": False})


@describe(auth="owner", body=TwilioBody | KapsoBody, summary="Set a provider account")
async def put_integration(request: Request) -> JSONResponse:
    agent = await owner_of(request, "change integrations")
    provider = _provider(request)
    body = await json_body(request, BODIES[provider])
    service = hub_of(request).integrations
    try:
        shown = await service.put(agent.company_id, provider, body.model_dump())
    except AddressTaken:
        raise ApiError(409, "conflict", "another company already uses this number") from None
    return JSONResponse(shown)
