"""`/api/business-hours`: the company's opening hours (every agent reads, owners write)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.describe import describe
from hub.api.errors import ApiError
from hub.api.requests import agent_of, has_nul, json_value, owner_of
from hub.api.schemas import BusinessHours, HoursBody
from hub.state import hub_of
from hub.workspace.business_hours import parse


@describe("GET", response=BusinessHours, summary="Business hours")
@describe(
    "PUT", auth="owner", body=HoursBody, response=BusinessHours, summary="Set the business hours"
)
async def business_hours(request: Request) -> JSONResponse:
    """GET: the hours (`configured: false` and always open when never set). PUT: replace
    them; 400 `bad_request` naming the bad field, and nothing changes."""
    service = hub_of(request).business_hours
    if request.method == "GET":
        agent = await agent_of(request)
        return JSONResponse((await service.get(agent.company_id)).view())
    agent = await owner_of(request)
    body = await json_value(request)
    if not isinstance(body, dict) or has_nul(body):
        raise ApiError(400, "bad_request", "the body is an object without NUL characters")
    hours = parse(body)  # BadHours is a HubError: 400 bad_request with its message
    return JSONResponse((await service.put(agent.company_id, hours)).view())
