"""`/api/agents`: owners list, add (scripts), revoke and manage their company's agents (open
sockets end); `/api/invitations`: owners invite teammates by email."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.describe import describe
from hub.api.errors import ApiError
from hub.api.requests import json_body, owner_of
from hub.state import hub_of


class InviteBody(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str | None = Field(default=None, max_length=200)
    role: Literal["owner", "agent"] = "agent"
    # No longer settable (issue 19): a Supabase account is linked only by accepting the
    # invitation, so an owner cannot bind someone else's account to their company.
    supabase_user_id: object = None


@describe(auth="owner", summary="List agents")
async def list_agents(request: Request) -> JSONResponse:
    owner = await owner_of(request)
    return JSONResponse({"agents": await hub_of(request).agents.list(owner.company_id)})


@describe(auth="owner", body=InviteBody, status=201, summary="Add an agent")
async def invite_agent(request: Request) -> JSONResponse:
    """An owner adds an agent for a script: the answer carries a hub token for them. Not an
    invitation: people join by accepting one (`POST /api/invitations`), by password or by
    Supabase sign-in."""
    owner = await owner_of(request)
    body: InviteBody = await json_body(request, InviteBody)
    if body.supabase_user_id is not None:
        raise ApiError(
            400,
            "bad_request",
            "supabase_user_id cannot be set: invite the person (POST /api/invitations) "
            "and they accept by signing in with Supabase, with the invited email confirmed",
        )
    values = body.model_dump(exclude={"supabase_user_id"})
    agent, token = await hub_of(request).agents.add(owner.company_id, values)
    return JSONResponse({"agent": agent, "agent_token": token}, status_code=201)


@describe(auth="owner", status=204, summary="Remove an agent")
async def revoke_agent(request: Request) -> Response:
    """Revoke an agent: its tokens stop working and its open sockets close with 4401."""
    owner = await owner_of(request)
    agent_id = request.path_params["agent_id"]
    if agent_id == owner.agent_id:
        raise ApiError(400, "bad_request", "an owner cannot revoke themselves")
    await hub_of(request).agents.revoke(owner.company_id, agent_id)
    return Response(status_code=204)


# -- teammates: roles, deactivation, ownership, invitations by email (issue 19) ---------------


class RoleBody(BaseModel):
    role: Literal["owner", "agent"]


class InvitationBody(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: Literal["owner", "agent"] = "agent"


@describe(auth="owner", body=RoleBody, summary="Set a role")
async def set_role(request: Request) -> JSONResponse:
    owner = await owner_of(request, "change roles")
    body: RoleBody = await json_body(request, RoleBody)
    agent_id = request.path_params["agent_id"]
    if agent_id == owner.agent_id:
        raise ApiError(400, "bad_request", "hand ownership on with transfer-ownership instead")
    agent = await hub_of(request).agents.set_role(owner, agent_id, body.role)
    return JSONResponse({"agent": agent})


@describe(auth="owner", status=204, summary="Deactivate an agent")
async def deactivate_agent(request: Request) -> Response:
    """The same as DELETE: the agent's tokens, sessions and sockets end; it can come back."""
    return await revoke_agent(request)


@describe(auth="owner", summary="Reactivate an agent")
async def reactivate_agent(request: Request) -> JSONResponse:
    owner = await owner_of(request, "reactivate agents")
    agent = await hub_of(request).agents.reactivate(
        owner.company_id, request.path_params["agent_id"]
    )
    return JSONResponse({"agent": agent})


@describe(auth="owner", summary="Hand ownership on")
async def transfer_ownership(request: Request) -> JSONResponse:
    """The teammate becomes the owner; the caller becomes an agent."""
    owner = await owner_of(request, "hand ownership on")
    agent = await hub_of(request).agents.transfer_ownership(owner, request.path_params["agent_id"])
    return JSONResponse({"agent": agent})


@describe(auth="owner", summary="List invitations")
async def list_invitations(request: Request) -> JSONResponse:
    owner = await owner_of(request)
    hub = hub_of(request)
    return JSONResponse(
        {
            "invitations": await hub.invitations.list(owner.company_id),
            "mail_configured": not hub.invitations.shows_links,
        }
    )


@describe(auth="owner", body=InvitationBody, status=201, summary="Invite a teammate")
async def create_invitation(request: Request) -> JSONResponse:
    """Invite an email: mailed when SMTP is configured, else its link in `invite_url`."""
    owner = await owner_of(request, "invite teammates")
    body: InvitationBody = await json_body(request, InvitationBody)
    view, url = await hub_of(request).invitations.invite(owner, body.email, body.role)
    return JSONResponse({"invitation": view, "invite_url": url}, status_code=201)


@describe(auth="owner", summary="Resend an invitation")
async def resend_invitation(request: Request) -> JSONResponse:
    """A new link (the old one stops working), valid another 7 days, sent again."""
    owner = await owner_of(request, "invite teammates")
    view, url = await hub_of(request).invitations.resend(
        owner, request.path_params["invitation_id"]
    )
    return JSONResponse({"invitation": view, "invite_url": url})


@describe(auth="owner", status=204, summary="Cancel an invitation")
async def cancel_invitation(request: Request) -> Response:
    owner = await owner_of(request, "invite teammates")
    await hub_of(request).invitations.cancel(owner, request.path_params["invitation_id"])
    return Response(status_code=204)
