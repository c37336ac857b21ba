"""`/api/onboarding` (owners): the walkthrough's checklist; `/preview`: the widget's preview.

The checklist is read from the company's data (hub.workspace.onboarding); the one thing an
owner sets is `dismissed`. `/preview?key=…` is a page of the hub's own with the company's
widget on it, framed by the walkthrough (only the hub's pages may frame it); its visits are
not counted (hub.connections.widget), so opening the walkthrough never ticks "installed".
"""

from __future__ import annotations

import html

from pydantic import BaseModel, StrictBool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from hub.api.describe import describe, undocumented
from hub.api.errors import ApiError
from hub.api.pages import STATIC
from hub.api.requests import json_body, owner_of
from hub.state import hub_of
from hub.workspace import onboarding

PREVIEW_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class OnboardingBody(BaseModel):
    dismissed: StrictBool


@describe(auth="owner", summary="Onboarding checklist")
async def get_onboarding(request: Request) -> JSONResponse:
    owner = await owner_of(request, "see the onboarding checklist")
    hub = hub_of(request)
    return JSONResponse(
        await onboarding.checklist(hub.db, hub.settings.public_url, owner.company_id)
    )


@describe(auth="owner", body=OnboardingBody, summary="Dismiss the walkthrough")
async def put_onboarding(request: Request) -> JSONResponse:
    """Dismiss the walkthrough (it stops opening by itself) or bring it back."""
    owner = await owner_of(request, "dismiss the walkthrough")
    body = await json_body(request, OnboardingBody)
    hub = hub_of(request)
    await onboarding.set_dismissed(hub.db, owner.company_id, body.dismissed)
    return JSONResponse(
        await onboarding.checklist(hub.db, hub.settings.public_url, owner.company_id)
    )


@undocumented("an HTML page or static file")
async def preview(request: Request) -> HTMLResponse:
    """A sample page with the widget of the company `key` names (the key is public)."""
    key = request.query_params.get("key", "")
    name = await onboarding.widget_owner_name(hub_of(request).db, key) if key else None
    if name is None:
        raise ApiError(404, "not_found", "no company has this widget key")
    page = (STATIC / "preview.html").read_text(encoding="utf-8")
    page = page.replace("{{WIDGET_KEY}}", html.escape(key, quote=True))
    page = page.replace("{{COMPANY}}", html.escape(name, quote=True))
    return HTMLResponse(page, headers=PREVIEW_HEADERS)
