"""Data rights over HTTP: company export, one contact's export, correction and erasure.

Exports and erasure are an owner's (403 `forbidden` for an agent); correcting a contact's
name, email or phone is ordinary contact editing, open to any agent of the company."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from hub.api.describe import describe
from hub.api.errors import ApiError
from hub.api.queries import AuditQuery
from hub.api.requests import agent_of, json_body, owner_of
from hub.channels.phones import BadPhone
from hub.state import hub_of
from hub.workspace import audit, data_rights


class ContactCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)


@describe(auth="owner", query=AuditQuery, summary="Audit log")
async def audit_log(request: Request) -> JSONResponse:
    """Owners: the company's latest audit records (`?limit=`, at most 500), newest first."""
    owner = await owner_of(request)
    limit = _limit(request.query_params.get("limit", "100"))
    records = await audit.recent_records(hub_of(request).db, owner.company_id, limit)
    return JSONResponse({"records": records})


def _limit(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 500:
        raise ApiError(400, "bad_request", "limit must be 1 to 500")
    return int(raw)


@describe(auth="owner", summary="Export the company")
async def export_company(request: Request) -> Response:
    """Owners only: everything of the company (the roster, the audit log, every visitor's
    address among it), streamed."""
    agent = await owner_of(request, "export the company")
    hub = hub_of(request)
    if not await data_rights.company_exists(hub.db, agent.company_id):
        raise ApiError(404, "not_found", "no such company")
    body = data_rights.export_company(hub.db, hub.integrations, agent.company_id)
    return StreamingResponse(
        body,
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="export.json"'},
    )


@describe(auth="owner", summary="Export a contact")
async def export_contact(request: Request) -> Response:
    """Owners only, as erasure: a data-rights request, everything held on one person."""
    agent = await owner_of(request, "export a contact")
    contact_id = request.path_params["contact_id"]
    data = await data_rights.export_contact(hub_of(request).db, agent.company_id, contact_id)
    if data is None:
        raise ApiError(404, "not_found", "no such contact")
    return JSONResponse(
        data,
        headers={"Content-Disposition": f'attachment; filename="contact-{contact_id}.json"'},
    )


@describe(body=ContactCorrection, summary="Correct a contact")
async def correct_contact(request: Request) -> Response:
    agent = await agent_of(request)
    body: ContactCorrection = await json_body(request, ContactCorrection)
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    try:
        contact = await data_rights.correct_contact(
            hub_of(request).db, agent.company_id, request.path_params["contact_id"], changes
        )
    except BadPhone as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
    except data_rights.PhoneTaken:
        raise ApiError(409, "conflict", "another contact has this phone number") from None
    if contact is None:
        raise ApiError(404, "not_found", "no such contact")
    return JSONResponse({"contact": contact})


@describe(auth="owner", status=204, summary="Erase a contact")
async def erase_contact(request: Request) -> Response:
    agent = await owner_of(request, "erase a contact")
    hub = hub_of(request)
    # The files first: once the contact's conversations are gone nothing links them.
    await hub.attachments.erase_contact(agent.company_id, request.path_params["contact_id"])
    erased = await data_rights.erase_contact(
        hub.db,
        agent.company_id,
        request.path_params["contact_id"],
        agent_id=agent.agent_id,
    )
    if erased is None:
        raise ApiError(404, "not_found", "no such contact")
    return Response(status_code=204)


@describe(auth="owner", status=204, summary="Erase the company")
async def erase_company(request: Request) -> Response:
    """Owners only: everything of the company goes; every agent socket of it closes 4401."""
    agent = await owner_of(request, "erase the company")
    hub = hub_of(request)
    await data_rights.erase_company(hub.db, agent.company_id, agent_id=agent.agent_id)
    await hub.attachments.erase_company(agent.company_id)
    await hub.conversations.publisher.agent_revoked(agent.company_id, "*")
    return Response(status_code=204)
