"""Profiles: an agent's own avatar (`PUT`/`DELETE /api/agents/me/avatar`) and every agent's
avatar served to anyone (`GET /avatars/{agent_id}?v=`): an avatar is public by nature, like
the name the widget shows beside it, and widgets load it from other origins.

The upload is the image itself as the body (no multipart), as attachments are; its type
comes from its magic bytes (PNG, JPEG, WebP, GIF), never from the client.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.attachments import NEVER_RUN
from hub.api.describe import describe
from hub.api.errors import ApiError
from hub.api.queries import AvatarQuery
from hub.api.requests import agent_of
from hub.state import hub_of
from hub.workspace.agents import AVATAR_MAX_BYTES

# The URL names its version (`?v=`): the version asked for is the same bytes for good.
FOREVER = "public, max-age=31536000, immutable"


@describe(upload="image/png", summary="Set my avatar")
async def put_avatar(request: Request) -> JSONResponse:
    """The caller's new avatar: 200 with its agent view (`avatar_url`); 413 over 1 MiB,
    415 for anything but a PNG, JPEG, WebP or GIF image."""
    agent = await agent_of(request)
    data = await request.body()  # capped by hub.api.bodies.BodyLimit, then by its own size
    if len(data) > AVATAR_MAX_BYTES:
        raise ApiError(413, "too_large", f"an avatar is at most {AVATAR_MAX_BYTES} bytes")
    view = await hub_of(request).agents.set_avatar(agent, data)
    if view is None:
        raise ApiError(401, "unauthorized", "this agent no longer exists")
    return JSONResponse(view)


@describe(summary="Remove my avatar")
async def delete_avatar(request: Request) -> JSONResponse:
    """The caller has no avatar any more: 200 with its agent view."""
    agent = await agent_of(request)
    view = await hub_of(request).agents.remove_avatar(agent)
    if view is None:
        raise ApiError(401, "unauthorized", "this agent no longer exists")
    return JSONResponse(view)


@describe(auth="public", query=AvatarQuery, produces="image/png", summary="An avatar")
async def get_avatar(request: Request) -> Response:
    """The agent's avatar, never run (`nosniff`, a CSP allowing nothing), loadable from any
    origin; cached for good when `?v=` is its current version, else revalidated (a reply
    sent with an older avatar shows the current one)."""
    version, content_type, data = await hub_of(request).agents.avatar(
        request.path_params["agent_id"]
    )
    current = request.query_params.get("v") == version
    headers = {
        **NEVER_RUN,
        "Cache-Control": FOREVER if current else "public, no-cache",
        "Cross-Origin-Resource-Policy": "cross-origin",
        "Content-Disposition": "inline",
    }
    return Response(data, media_type=content_type, headers=headers)
