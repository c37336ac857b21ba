"""The OpenAPI document (issue 21): built from the routes, every HTTP route of the app in it
(bar pages, static files and provider webhooks, marked so), valid OpenAPI 3.1, served at
/api/openapi.json and browsable at /api/docs (a Chromium test reads it)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.api.describe import is_undocumented
from hub.api.openapi import Undescribed, build
from hub.api.pages import INBOX_CSP
from hub.api.routes import ROUTES
from tests.support.browser import ARTIFACTS, expect, new_context
from tests.support.server import HubServer

# What may stay out of the document: HTML pages, static files, provider webhooks.
UNDOCUMENTED = {
    "/",
    "/signup",
    "/login",
    "/forgot",
    "/reset",
    "/verify",
    "/invite",
    "/inbox",
    "/demo",
    "/preview",
    "/widget.js",
    "/static/{name}",
    "/webhooks/twilio/sms",
    "/webhooks/twilio/status",
    "/webhooks/kapso",
}


def test_every_route_is_in_the_document() -> None:
    document = build(ROUTES)
    validate(document)  # OpenAPI 3.1, as openapi-spec-validator reads it
    routes = [r for r in ROUTES if isinstance(r, Route)]
    for route in routes:
        if is_undocumented(route.endpoint):
            assert route.path in UNDOCUMENTED, f"{route.path} is marked undocumented"
            continue
        for method in (route.methods or set()) - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][route.path], f"{method} {route.path}"
    operations = sum(len(item) for item in document["paths"].values())
    assert operations >= 85


def test_a_route_without_a_description_fails_the_build() -> None:
    async def forgotten(_request: Request) -> JSONResponse:
        return JSONResponse({})

    with pytest.raises(Undescribed, match="GET /api/forgotten"):
        build([*ROUTES, Route("/api/forgotten", forgotten, methods=["GET"])])


def test_the_document_says_auth_scopes_and_bodies() -> None:
    paths = build(ROUTES)["paths"]
    company = paths["/api/company"]
    assert company["get"]["x-scopes"] == ["read"]
    assert company["put"]["x-scopes"] == ["admin"]
    assert company["put"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CompanyBody"
    }
    note = paths["/api/conversations/{conversation_id}/notes"]["post"]
    assert note["x-scopes"] == ["write"]
    assert {"bearer": []} in note["security"]
    assert {"session": [], "csrf": []} in note["security"]
    assert [p["name"] for p in note["parameters"]] == ["conversation_id"]
    assert paths["/api/account/signin"]["post"]["security"] == []
    assert paths["/api/openapi.json"]["get"]["security"] == []
    keys = paths["/api/api-keys"]["get"]["responses"]["200"]["content"]["application/json"]
    assert keys["schema"] == {"$ref": "#/components/schemas/ApiKeyList"}


async def test_served_public_and_once_per_process(hub: HubServer) -> None:
    async with httpx.AsyncClient(base_url=hub.http) as http:
        first = await http.get("/api/openapi.json")
        second = await http.get("/api/openapi.json")
        page = await http.get("/api/docs")
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    document: dict[str, Any] = first.json()
    assert document["openapi"] == "3.1.0" and first.content == second.content
    assert "/api/openapi.json" in document["paths"] and "/webhooks/kapso" not in document["paths"]
    assert page.status_code == 200 and page.headers["content-security-policy"] == INBOX_CSP
    assert "<script" in page.text and "<script>" not in page.text  # no inline code


@pytest.mark.usefixtures("needs_chromium")
async def test_the_docs_page_renders_the_document(hub: HubServer, browser: Any) -> None:
    async with new_context(browser) as ctx:
        page = await ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await page.goto(f"{hub.http}/api/docs")
        reply = page.locator("#post_api_conversations_conversation_id_messages")
        await expect(reply).to_contain_text("/api/conversations/{conversation_id}/messages")
        await reply.locator("summary").click()
        await expect(reply).to_contain_text("API key scope: write")
        await expect(reply).to_contain_text('"client_id"')  # the body's schema, resolved
        assert await page.locator("details.api-op").count() >= 85
        assert errors == []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
