"""`GET /api/analytics?from=YYYY-MM-DD&to=YYYY-MM-DD&tz=Area/City`: the caller's company only.

The range defaults to the last 30 days ending today in `tz` (default UTC); `from=all` starts
on the company's first counted day. A bad date, `from` after `to`, more than 366 days between
two dates or an unknown time zone is a 400 `bad_request`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.describe import describe
from hub.api.errors import ApiError
from hub.api.queries import AnalyticsQuery
from hub.api.requests import agent_of
from hub.state import hub_of
from hub.workspace import analytics


@describe(query=AnalyticsQuery, summary="Analytics")
async def get_analytics(request: Request) -> JSONResponse:
    agent = await agent_of(request)
    params = request.query_params
    try:
        days = analytics.parse_range(params.get("from"), params.get("to"), params.get("tz"))
    except analytics.RangeError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
    return JSONResponse(await analytics.report(hub_of(request).db, agent.company_id, days))
