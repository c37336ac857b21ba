"""Attachments over HTTP: uploads by visitors and agents, and downloads that are never run.

The body is the file itself (no multipart), its name in `?name=`. A visitor identifies with
the widget key in `?key=` and `Authorization: Bearer SESSION_ID` (welcome's session_id),
and a signed-in visitor also with `X-Widget-User-Id` and `X-Widget-User-Hash`, the proof
the socket asks for; an agent with its token. Downloads carry the sniffed type, `nosniff`,
a CSP that allows nothing and sandboxes the document, and `Content-Disposition: attachment`
(inline for images, so they show as thumbnails). Widget pages live on other origins: the
visitor's routes answer CORS (no cookies are involved, so `*` is safe; the Origin is checked
against the company's allowed origins as the socket checks it).
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.describe import describe
from hub.api.errors import STATUSES, ApiError, error_response
from hub.api.queries import DownloadQuery, UploadQuery, WidgetUploadQuery
from hub.api.requests import agent_of
from hub.errors import HubError
from hub.persistence.tenancy import enter_tenant
from hub.runtime.ratelimit import client_ip
from hub.state import hub_of
from hub.workspace.attachments import UserProof, VisitorScope, is_image

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST",
    "Access-Control-Allow-Headers": (
        "Authorization, Content-Type, X-Widget-User-Id, X-Widget-User-Hash"
    ),
    "Access-Control-Max-Age": "600",
}
NEVER_RUN = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=3600",
    "Referrer-Policy": "no-referrer",
}


@describe(
    "POST",
    auth="widget",
    query=WidgetUploadQuery,
    upload="application/octet-stream",
    status=201,
    summary="Upload as a visitor",
)
async def widget_upload(request: Request) -> Response:
    """`POST /api/widget/attachments?key=&name=`: a visitor's upload, 201 `{"attachment"}`."""
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=CORS)
    hub = hub_of(request)
    try:
        _rate_limit(request)
        scope = await _visitor(request)
        data = await request.body()  # capped by hub.api.bodies.BodyLimit
        view = await hub.attachments.upload(
            scope.company_id, scope.conversation_id, data, request.query_params.get("name")
        )
    except HubError as exc:
        return _cors_error(exc)
    return JSONResponse({"attachment": view}, status_code=201, headers=CORS)


@describe(
    query=UploadQuery, upload="application/octet-stream", status=201, summary="Upload an attachment"
)
async def agent_upload(request: Request) -> JSONResponse:
    """`POST /api/conversations/{id}/attachments?name=`: an agent's upload to a widget
    conversation of its company (404 for another's; 409 `not_supported` on SMS/WhatsApp)."""
    agent = await agent_of(request)
    hub = hub_of(request)
    _rate_limit(request)
    conversation_id = request.path_params["conversation_id"]
    conv = await hub.conversations.require(agent.company_id, conversation_id)
    if conv.channel != "widget":
        raise ApiError(409, "not_supported", "attachments can be sent on the widget only")
    data = await request.body()  # capped by hub.api.bodies.BodyLimit
    view = await hub.attachments.upload(
        agent.company_id,
        conversation_id,
        data,
        request.query_params.get("name"),
        agent_id=agent.agent_id,
    )
    return JSONResponse({"attachment": view}, status_code=201)


@describe(
    "GET",
    auth="public",
    query=DownloadQuery,
    produces="application/octet-stream",
    summary="Download an attachment",
)
async def download(request: Request) -> Response:
    """`GET /api/attachments/{id}`: with an agent token, or (`?key=`) a visitor's session."""
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=CORS)
    hub = hub_of(request)
    attachment_id = request.path_params["attachment_id"]
    if "key" in request.query_params:
        try:
            scope = await _visitor(request)
            row, data = await hub.attachments.read(scope.company_id, attachment_id, scope)
        except HubError as exc:
            return _cors_error(exc)
        extra = CORS
    else:
        agent = await agent_of(request)
        row, data = await hub.attachments.read(agent.company_id, attachment_id)
        extra = {}
    disposition = "inline" if is_image(row.content_type) else "attachment"
    headers = {**NEVER_RUN, **extra, "Content-Disposition": _disposition(disposition, row.name)}
    content_type = row.content_type
    if content_type == "text/plain":
        content_type += "; charset=utf-8"
    return Response(data, media_type=content_type, headers=headers)


def _cors_error(exc: HubError) -> Response:
    """The error, readable by the widget's page on its own origin."""
    status = exc.status if isinstance(exc, ApiError) else STATUSES.get(exc.code, 409)
    response = error_response(status, exc.code, exc.message)
    response.headers.update(CORS)
    return response


def _disposition(kind: str, name: str) -> str:
    """RFC 6266: an ASCII fallback name, and the real one percent-encoded as UTF-8."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _visitor(request: Request) -> VisitorScope:
    """The widget session of `?key=` and `Authorization: Bearer SESSION_ID`, or 401/403; a
    signed-in session also needs `X-Widget-User-Id` (percent-encoded UTF-8, so any id fits
    in a header) and `X-Widget-User-Hash`, else 403 `identity_refused`."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "send Authorization: Bearer SESSION_ID")
    attachments = hub_of(request).attachments
    key = request.query_params.get("key", "")
    caller = await attachments.widget_company(key, request.headers.get("origin"))
    enter_tenant(caller.company_id)  # the rest of the request sees this company only
    return await attachments.visitor(caller, token.strip(), _proof(request))


def _proof(request: Request) -> UserProof | None:
    user_id = request.headers.get("x-widget-user-id")
    user_hash = request.headers.get("x-widget-user-hash")
    if user_id is None and user_hash is None:
        return None
    return UserProof(unquote(user_id or ""), user_hash or "")


def _rate_limit(request: Request) -> None:
    if not hub_of(request).attachments.uploads_per_ip.allow(client_ip(request.scope)):
        raise ApiError(429, "rate_limited", "too many uploads from this address; slow down")
