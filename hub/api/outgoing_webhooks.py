"""`/api/webhooks`: an owner's outgoing webhook endpoints (hub.webhooks), their deliveries,
redelivery by hand and a test event. The secret is in the answer to POST and to
rotate-secret only. Another company's ids are 404."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.describe import describe
from hub.api.errors import ApiError
from hub.api.requests import json_body, owner_of
from hub.state import hub_of

WHAT = "manage webhooks"
URL = Field(min_length=1, max_length=2000)
EVENTS = Field(min_length=1, max_length=20)
DESCRIPTION = Field(default=None, max_length=200)


class NewEndpoint(BaseModel):
    url: str = URL
    events: list[str] = EVENTS
    description: str | None = DESCRIPTION


class DeliveriesQuery(BaseModel):
    before: str | None = Field(
        default=None, description="the last delivery id of the previous page"
    )


class EndpointChanges(BaseModel):
    url: str | None = Field(default=None, min_length=1, max_length=2000)
    events: list[str] | None = Field(default=None, min_length=1, max_length=20)
    description: str | None = DESCRIPTION
    state: Literal["active", "paused"] | None = None


def _missing() -> ApiError:
    return ApiError(404, "not_found", "no such webhook endpoint")


def _found(value: Any) -> Any:
    if value is None:
        raise _missing()
    return value


@describe(auth="owner", summary="List the outgoing webhook endpoints")
async def list_endpoints(request: Request) -> JSONResponse:
    owner = await owner_of(request, WHAT)
    return JSONResponse({"webhooks": await hub_of(request).webhooks.all(owner.company_id)})


@describe(auth="owner", body=NewEndpoint, status=201, summary="Register a webhook endpoint")
async def create_endpoint(request: Request) -> JSONResponse:
    """Register an endpoint; the answer carries its `secret`, shown this once."""
    owner = await owner_of(request, WHAT)
    body: NewEndpoint = await json_body(request, NewEndpoint)
    view, secret = await hub_of(request).webhooks.create(
        owner.company_id, body.url.strip(), body.events, body.description
    )
    return JSONResponse({"webhook": view, "secret": secret}, status_code=201)


@describe(auth="owner", summary="A webhook endpoint")
async def get_endpoint(request: Request) -> JSONResponse:
    owner = await owner_of(request, WHAT)
    endpoint_id = request.path_params["endpoint_id"]
    view = _found(await hub_of(request).webhooks.get(owner.company_id, endpoint_id))
    return JSONResponse({"webhook": view})


@describe(auth="owner", body=EndpointChanges, summary="Change or pause a webhook endpoint")
async def update_endpoint(request: Request) -> JSONResponse:
    """Change url, events, description, or state (`paused`, or `active` to resume)."""
    owner = await owner_of(request, WHAT)
    body: EndpointChanges = await json_body(request, EndpointChanges)
    changes = body.model_dump(exclude_unset=True)
    for name in ("url", "events", "state"):
        if name in changes and changes[name] is None:
            raise ApiError(400, "bad_request", f"{name} cannot be null")
    endpoint_id = request.path_params["endpoint_id"]
    hub = hub_of(request)
    if not changes:
        view = await hub.webhooks.get(owner.company_id, endpoint_id)
    else:
        view = await hub.webhooks.update(owner.company_id, endpoint_id, changes)
    return JSONResponse({"webhook": _found(view)})


@describe(auth="owner", status=204, summary="Delete a webhook endpoint")
async def delete_endpoint(request: Request) -> Response:
    owner = await owner_of(request, WHAT)
    endpoint_id = request.path_params["endpoint_id"]
    if not await hub_of(request).webhooks.delete(owner.company_id, endpoint_id):
        raise _missing()
    return Response(status_code=204)


@describe(auth="owner", summary="Rotate an endpoint's signing secret")
async def rotate_secret(request: Request) -> JSONResponse:
    """A new secret, used from the next attempt on; shown this once."""
    owner = await owner_of(request, WHAT)
    endpoint_id = request.path_params["endpoint_id"]
    secret = _found(await hub_of(request).webhooks.rotate(owner.company_id, endpoint_id))
    return JSONResponse({"secret": secret})


@describe(auth="owner", query=DeliveriesQuery, summary="An endpoint's deliveries")
async def list_deliveries(request: Request) -> JSONResponse:
    """The endpoint's deliveries, newest first (50; `?before=<delivery id>` pages on)."""
    owner = await owner_of(request, WHAT)
    endpoint_id = request.path_params["endpoint_id"]
    before = request.query_params.get("before") or None
    found = await hub_of(request).webhooks.deliveries(owner.company_id, endpoint_id, before)
    return JSONResponse({"deliveries": _found(found)})


@describe(auth="owner", status=202, summary="Deliver an event again")
async def redeliver(request: Request) -> JSONResponse:
    owner = await owner_of(request, WHAT)
    params = request.path_params
    view = await hub_of(request).webhooks.redeliver(
        owner.company_id, params["endpoint_id"], params["delivery_id"]
    )
    if view is None:
        raise ApiError(404, "not_found", "no such delivery")
    return JSONResponse({"delivery": view}, status_code=202)


@describe(auth="owner", status=202, summary="Send a test event")
async def send_test(request: Request) -> JSONResponse:
    """Queue a `webhook.test` event for this endpoint."""
    owner = await owner_of(request, WHAT)
    endpoint_id = request.path_params["endpoint_id"]
    view = _found(await hub_of(request).webhooks.test(owner.company_id, endpoint_id))
    return JSONResponse({"delivery": view}, status_code=202)
