"""API-key scopes (issue 21): `read` for GET, `write` for other agent calls, `admin` for the
owner-only ones; chosen when a key is made, all three for keys made before; enforced where
bearer auth resolves (HTTP) and on the agent socket. Agent tokens keep working unchanged."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import insert, select

from hub.persistence import repository as repo
from hub.persistence.models import new_id, utcnow
from tests.conftest import make_settings
from tests.support.clients import Agent
from tests.support.server import HubServer, start_hub


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    async with start_hub(make_settings(database_url)) as hub:
        yield hub


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_key(http: httpx.AsyncClient, owner: str, *scopes: str) -> dict[str, str]:
    body = {"name": "+".join(scopes), "role": "owner", "scopes": list(scopes)}
    made = await http.post("/api/api-keys", json=body, headers=bearer(owner))
    assert made.status_code == 201, made.text
    assert made.json()["api_key"]["scopes"] == list(scopes)
    return bearer(made.json()["key"])


def forbidden(response: httpx.Response) -> bool:
    return response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


async def test_each_scope_allows_only_its_calls(server: HubServer) -> None:
    company = await server.company("Acme")
    owner = company.agent_token
    async with httpx.AsyncClient(base_url=server.http) as http:
        read = await make_key(http, owner, "read")
        write = await make_key(http, owner, "read", "write")
        admin = await make_key(http, owner, "admin")
        away = {"status": "away"}
        assert (await http.get("/api/conversations", headers=read)).status_code == 200
        assert forbidden(await http.put("/api/agents/me/presence", json=away, headers=read))
        assert forbidden(await http.put("/api/company", json={"name": "X"}, headers=read))
        ok = await http.put("/api/agents/me/presence", json=away, headers=write)
        assert ok.status_code == 200, ok.text
        assert forbidden(await http.put("/api/company", json={"name": "X"}, headers=write))
        assert forbidden(await http.get("/api/audit", headers=write))  # owner-only read
        assert (
            await http.put("/api/company", json={"name": "Y"}, headers=admin)
        ).status_code == 200
        assert (await http.get("/api/audit", headers=admin)).status_code == 200
        assert forbidden(await http.get("/api/conversations", headers=admin))
        # The owner's token has no scopes: everything its role allows.
        token = bearer(owner)
        assert (
            await http.put("/api/company", json={"name": "Z"}, headers=token)
        ).status_code == 200
        # A session would have no scopes: a key cannot open one.
        assert forbidden(await http.post("/api/session", headers=write))
        session = await http.post("/api/session", headers=token)
        assert session.status_code == 201


async def test_scopes_default_to_all_and_bad_ones_are_refused(server: HubServer) -> None:
    company = await server.company("Acme")
    owner = bearer(company.agent_token)
    async with httpx.AsyncClient(base_url=server.http) as http:
        made = await http.post("/api/api-keys", json={"name": "all"}, headers=owner)
        assert made.json()["api_key"]["scopes"] == ["read", "write", "admin"]
        for bad in ([], ["delete"], "read", ["read"] * 4):
            body = {"name": "x", "scopes": bad}
            refused = await http.post("/api/api-keys", json=body, headers=owner)
            assert refused.status_code == 400, bad
        listed = (await http.get("/api/api-keys", headers=owner)).json()["api_keys"]
        assert [k["scopes"] for k in listed] == [["read", "write", "admin"]]


async def test_a_key_made_before_scopes_has_all_three(server: HubServer) -> None:
    """Migration 0024's default: a row written without scopes (as every older key was)."""
    company = await server.company("Acme")
    async with server.hub.db.read() as conn:
        agent_id = (await conn.execute(select(repo.agents.c.id))).scalar_one()
    key = "lok_" + "k" * 43

    async with server.hub.db.write() as conn:
        await conn.execute(
            insert(repo.api_keys).values(
                id=new_id(),
                company_id=company.company_id,
                agent_id=agent_id,
                name="old",
                role="owner",
                prefix=key[:12],
                key_hash=hashlib.sha256(key.encode()).hexdigest(),
                created_at=utcnow(),
            )
        )
    async with httpx.AsyncClient(base_url=server.http) as http:
        assert (await http.get("/api/conversations", headers=bearer(key))).status_code == 200
        put = await http.put("/api/company", json={"name": "Q"}, headers=bearer(key))
        assert put.status_code == 200


async def test_a_read_key_changes_nothing_over_the_socket(server: HubServer) -> None:
    company = await server.company("Acme")
    async with httpx.AsyncClient(base_url=server.http) as http:
        read = (await make_key(http, company.agent_token, "read"))["Authorization"][7:]
    socket = await Agent.open(server.ws, read)
    await socket.send({"type": "presence.set", "status": "away"})
    assert (await socket.expect("error"))["code"] == "forbidden"
    await socket.send({"type": "ping"})
    await socket.expect("pong")
    await socket.close()
