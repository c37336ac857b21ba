"""The agent's own inbox switches (`notifications`, `sound`) through PATCH /api/agents/me:
validated, stored server-side (so they follow the agent to any device), per agent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import make_settings
from tests.support.server import HubServer, start_hub


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    async with start_hub(make_settings(database_url)) as started:
        yield started


@pytest.fixture
async def http(server: HubServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_switches_persist_per_agent(server: HubServer, http: httpx.AsyncClient) -> None:
    company = await server.company("Acme")
    _, sam = await server.hub.agents.add(
        company.company_id, {"email": "sam@acme.example", "name": "Sam", "role": "agent"}
    )
    owner = bearer(company.agent_token)
    me = (await http.get("/api/agents/me", headers=owner)).json()
    assert (me["notifications"], me["sound"]) == (True, True)  # on until switched off

    changed = await http.patch("/api/agents/me", json={"notifications": False}, headers=owner)
    assert changed.status_code == 200
    assert (changed.json()["notifications"], changed.json()["sound"]) == (False, True)
    assert changed.json()["name"] == me["name"]  # a field not named is left alone

    again = (await http.get("/api/agents/me", headers=owner)).json()
    assert (again["notifications"], again["sound"]) == (False, True)
    theirs = (await http.get("/api/agents/me", headers=bearer(sam))).json()
    assert (theirs["notifications"], theirs["sound"]) == (True, True)

    both = await http.patch(
        "/api/agents/me", json={"sound": False, "name": "Sam S."}, headers=bearer(sam)
    )
    assert both.json()["sound"] is False and both.json()["name"] == "Sam S."
    listed = (await http.get("/api/agents", headers=owner)).json()["agents"]
    assert {a["email"]: a["sound"] for a in listed}["sam@acme.example"] is False


@pytest.mark.parametrize(
    "body",
    [{}, {"notifications": "yes"}, {"notifications": None}, {"sound": 1}, {"name": ""}, []],
)
async def test_bad_bodies_change_nothing(
    server: HubServer, http: httpx.AsyncClient, body: object
) -> None:
    company = await server.company("Acme")
    owner = bearer(company.agent_token)
    before = (await http.get("/api/agents/me", headers=owner)).json()
    answer = await http.patch("/api/agents/me", json=body, headers=owner)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_request"
    assert (await http.get("/api/agents/me", headers=owner)).json() == before


async def test_a_token_is_needed(http: httpx.AsyncClient) -> None:
    answer = await http.patch("/api/agents/me", json={"notifications": False})
    assert answer.status_code == 401
