"""`/api/widget-settings`: how the company's widget looks and speaks, and its identity secret.

Every agent of the company may read the settings; only owners change them or create the
secret, which is shown once, in the answer that creates (or rotates) it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, StrictBool
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.describe import describe
from hub.api.requests import agent_of, json_body, owner_of
from hub.state import hub_of


class WidgetSettingsBody(BaseModel):
    greeting: str | None = Field(default=None, min_length=1, max_length=500)
    color: str = Field(default="#1d4e89", pattern=r"^#[0-9a-fA-F]{6}$")
    text_color: str = Field(default="#ffffff", pattern=r"^#[0-9a-fA-F]{6}$")
    position: Literal["left", "right"] = "right"
    language: Literal["auto", "en", "es"] = "auto"
    pre_chat_form: bool = False
    rating_enabled: StrictBool = True


@describe("GET", summary="Widget settings")
@describe("PUT", auth="owner", body=WidgetSettingsBody, summary="Change the widget settings")
async def widget_settings(request: Request) -> JSONResponse:
    service = hub_of(request).widget_settings
    if request.method == "GET":
        agent = await agent_of(request)
        return JSONResponse(await service.get(agent.company_id))
    owner = await owner_of(request, "change the widget")
    body = await json_body(request, WidgetSettingsBody)
    return JSONResponse(await service.put(owner.company_id, body.model_dump()))


@describe(auth="owner", summary="New identity secret")
async def new_widget_secret(request: Request) -> JSONResponse:
    """Create or rotate the identity secret; the answer is the only time it is shown."""
    owner = await owner_of(request, "change the widget secret")
    secret = await hub_of(request).widget_settings.new_secret(owner.company_id)
    return JSONResponse({"secret": secret}, status_code=201)
