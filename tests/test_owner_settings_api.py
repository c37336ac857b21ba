"""The HTTP side of the owners' settings page: editing a Q&A pair, owner-only changes,
integrations that never show a secret back, and the page's static files. Runs on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import make_settings
from tests.support.server import HubServer, start_hub

TWILIO_TOKEN = "tw-auth-token-0123456789abcdef"
KAPSO_KEY = "kapso-api-key-fedcba9876543210"
KAPSO_SECRET = "kapso-webhook-secret-5555aaaa"


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    async with start_hub(make_settings(database_url)) as hub:
        yield hub


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_an_owner_edits_a_pair_in_place_and_nobody_else_can(server: HubServer) -> None:
    acme = await server.company("Acme")
    other = await server.company("Other")
    _, agent_token = await server.hub.agents.add(
        acme.company_id, {"email": "sam@acme.example", "name": "Sam", "role": "agent"}
    )
    owner = bearer(acme.agent_token)
    async with httpx.AsyncClient(base_url=server.http) as http:
        made = await http.post(
            "/api/qa", json={"question": "Hours?", "answer": "9-5"}, headers=owner
        )
        pair_id = made.json()["id"]
        edited = {"question": "Opening hours?", "answer": "9 to 6, Monday to Saturday"}
        response = await http.put(f"/api/qa/{pair_id}", json=edited, headers=owner)
        assert response.status_code == 200, response.text
        assert response.json() == {"id": pair_id, **edited}

        refused = [
            (
                await http.put(
                    f"/api/qa/{pair_id}",
                    json={"question": "x", "answer": "y"},
                    headers=bearer(agent_token),
                ),
                403,
                "forbidden",
            ),
            (
                await http.put(
                    f"/api/qa/{pair_id}",
                    json={"question": "x", "answer": "y"},
                    headers=bearer(other.agent_token),
                ),
                404,
                "not_found",
            ),
            (
                await http.put(
                    f"/api/qa/{pair_id}", json={"question": "", "answer": "y"}, headers=owner
                ),
                400,
                "bad_request",
            ),
            (await http.put("/api/qa/nope", json=edited, headers=owner), 404, "not_found"),
        ]
        for answer, status, code in refused:
            assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
        pairs = (await http.get("/api/qa", headers=owner)).json()["pairs"]
        assert pairs == [{"id": pair_id, **edited}]  # nothing the refusals sent was stored


async def test_integrations_never_show_a_secret_back(server: HubServer) -> None:
    acme = await server.company("Acme")
    owner = bearer(acme.agent_token)
    twilio = {"account_sid": "AC123", "auth_token": TWILIO_TOKEN, "phone_number": "+14155550100"}
    kapso = {"api_key": KAPSO_KEY, "phone_number_id": "pn-1", "webhook_secret": KAPSO_SECRET}
    async with httpx.AsyncClient(base_url=server.http) as http:
        before = await http.get("/api/integrations/twilio", headers=owner)
        assert before.json() == {"provider": "twilio", "configured": False}
        answers = [
            await http.put("/api/integrations/twilio", json=twilio, headers=owner),
            await http.put("/api/integrations/kapso", json=kapso, headers=owner),
            await http.get("/api/integrations/twilio", headers=owner),
            await http.get("/api/integrations/kapso", headers=owner),
            await http.get("/api/export", headers=owner),  # the whole company, masked too
        ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        for secret in (TWILIO_TOKEN, KAPSO_KEY, KAPSO_SECRET):
            # Not the secret, nor any run of it longer than the last four characters shown.
            assert secret[:-4] not in answer.text and secret[-5:] not in answer.text
    shown = answers[2].json()
    assert shown["configured"] is True and shown["account_sid"] == "AC123"
    assert shown["auth_token"] == "••••" + TWILIO_TOKEN[-4:]
    assert answers[3].json()["webhook_secret"] == "••••" + KAPSO_SECRET[-4:]


async def test_settings_changes_are_the_owners(server: HubServer) -> None:
    acme = await server.company("Acme")
    _, agent_token = await server.hub.agents.add(
        acme.company_id, {"email": "sam@acme.example", "name": "Sam", "role": "agent"}
    )
    changes = [
        ("PUT", "/api/company", {"name": "Mine now"}),
        ("POST", "/api/qa", {"question": "q", "answer": "a"}),
        ("PUT", "/api/ai-settings", {"enabled": False}),
        ("PUT", "/api/widget-settings", {"color": "#000000"}),
        ("POST", "/api/widget-settings/secret", None),
        ("PUT", "/api/inbox-settings", {"auto_assign": False}),
        ("POST", "/api/agents", {"email": "eve@acme.example"}),
        ("GET", "/api/agents", None),
        (
            "PUT",
            "/api/integrations/twilio",
            {"account_sid": "AC1", "auth_token": "t", "phone_number": "+14155550100"},
        ),
    ]
    async with httpx.AsyncClient(base_url=server.http) as http:
        for method, path, body in changes:
            answer = await http.request(method, path, json=body, headers=bearer(agent_token))
            assert answer.status_code == 403, (method, path, answer.text)
            assert answer.json()["error"]["code"] == "forbidden"
        company = (await http.get("/api/company", headers=bearer(acme.agent_token))).json()
        assert company["name"] == "Acme"


async def test_the_settings_page_files_are_served(server: HubServer) -> None:
    async with httpx.AsyncClient(base_url=server.http) as http:
        for name, kind in (
            ("inbox.js", "text/javascript"),
            ("inbox-settings.css", "text/css"),
        ):
            answer = await http.get(f"/static/{name}")
            assert answer.status_code == 200, name
            assert answer.headers["content-type"].startswith(kind)
        inbox = (await http.get("/inbox")).text
        assert 'href="/static/inbox-settings.css"' in inbox
