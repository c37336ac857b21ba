"""`GET /healthz` and `GET /metrics`: the process as operators and load balancers see it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.describe import describe
from hub.api.errors import ApiError
from hub.runtime import metrics
from hub.runtime.digests import same_secret
from hub.state import hub_of


@describe(auth="public", summary="Health of the process")
async def healthz(request: Request) -> JSONResponse:
    hub = hub_of(request)
    database = "ok" if await hub.db.ping() else "down"
    bus = hub.bus.state()
    healthy = database == "ok" and bus == "ok"
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "database_backend": "sqlite" if hub.db.is_sqlite else "postgresql",
        "bus": bus,
        "bus_backend": hub.bus.backend,
        "sessions": hub.registry.count(),
    }
    return JSONResponse(body, status_code=200 if healthy else 503)


@describe(auth="public", summary="Prometheus metrics", produces="text/plain")
async def metrics_page(request: Request) -> Response:
    """Prometheus metrics of this process (docs/operations.md); behind HUB_METRICS_TOKEN
    when it is set."""
    token = hub_of(request).settings.metrics_token
    if token is not None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not same_secret(given, token.reveal()):
            raise ApiError(401, "unauthorized", "send Authorization: Bearer HUB_METRICS_TOKEN")
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
