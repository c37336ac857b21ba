"""API keys (issue 19): named keys an owner makes for scripts, shown once, stored hashed,
revoked at once, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select, update

from hub.persistence import repository as repo
from tests.conftest import make_settings
from tests.support.clients import Agent
from tests.support.server import HubServer, start_hub


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    async with start_hub(make_settings(database_url)) as hub:
        yield hub


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_an_owner_makes_lists_and_revokes_a_key(server: HubServer) -> None:
    company = await server.company("Acme")
    owner = bearer(company.agent_token)
    async with httpx.AsyncClient(base_url=server.http) as http:
        made = await http.post("/api/api-keys", json={"name": "CRM sync"}, headers=owner)
        assert made.status_code == 201, made.text
        key, view = made.json()["key"], made.json()["api_key"]
        assert key.startswith("lok_") and len(key) >= 4 + 43  # 256 random bits
        assert view["name"] == "CRM sync" and view["role"] == "agent"
        assert key.startswith(view["prefix"]) and len(view["prefix"]) < 16
        assert view["last_used_at"] is None and view["created_by"]["id"]

        # Stored as its SHA-256 only.
        async with server.hub.db.read() as conn:
            [row] = (await conn.execute(select(repo.api_keys))).all()
        assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert key not in [str(v) for v in row]

        # The key works as an agent of the company, over HTTP and the socket.
        assert (await http.get("/api/conversations", headers=bearer(key))).status_code == 200
        denied = await http.put("/api/company", json={"name": "X"}, headers=bearer(key))
        assert denied.status_code == 403
        socket = await Agent.open(server.ws, key)
        assert socket.welcome["company_id"] == company.company_id

        listed = (await http.get("/api/api-keys", headers=owner)).json()["api_keys"]
        assert [k["id"] for k in listed] == [view["id"]]
        assert listed[0]["last_used_at"] is not None
        assert key not in str(listed) and "key_hash" not in listed[0]

        gone = await http.delete(f"/api/api-keys/{view['id']}", headers=owner)
        assert gone.status_code == 204
        assert await socket.closed() == 4401
        refused = await http.get("/api/conversations", headers=bearer(key))
        assert refused.status_code == 401
        assert (await http.get("/api/api-keys", headers=owner)).json()["api_keys"] == []
        again = await http.delete(f"/api/api-keys/{view['id']}", headers=owner)
        assert again.status_code == 404
        # The owner's own token still works.
        assert (await http.get("/api/conversations", headers=owner)).status_code == 200


async def test_only_owners_manage_keys_and_keys_cannot(server: HubServer) -> None:
    acme, globex = await server.company("Acme"), await server.company("Globex")
    owner = bearer(acme.agent_token)
    async with httpx.AsyncClient(base_url=server.http) as http:
        invited = await http.post("/api/agents", json={"email": "a@x.example"}, headers=owner)
        agent = bearer(invited.json()["agent_token"])
        for call in (
            http.get("/api/api-keys", headers=agent),
            http.post("/api/api-keys", json={"name": "mine"}, headers=agent),
        ):
            assert (await call).status_code == 403
        made = await http.post(
            "/api/api-keys", json={"name": "admin", "role": "owner"}, headers=owner
        )
        key = made.json()["key"]
        # An owner key acts as an owner, but cannot make or revoke keys.
        put = await http.put("/api/company", json={"name": "Acme Inc"}, headers=bearer(key))
        assert put.status_code == 200
        minted = await http.post("/api/api-keys", json={"name": "x"}, headers=bearer(key))
        assert minted.status_code == 403
        # Another company's owner sees and revokes none of Acme's keys.
        theirs = bearer(globex.agent_token)
        assert (await http.get("/api/api-keys", headers=theirs)).json()["api_keys"] == []
        key_id = made.json()["api_key"]["id"]
        assert (await http.delete(f"/api/api-keys/{key_id}", headers=theirs)).status_code == 404
        for bad in ({}, {"name": ""}, {"name": "   "}, {"name": "x", "role": "admin"}):
            refused = await http.post("/api/api-keys", json=bad, headers=owner)
            assert refused.status_code == 400, bad
        for wrong in ("lok_" + "A" * 43, "lok_", key[:-1]):
            assert (await http.get("/api/conversations", headers=bearer(wrong))).status_code == 401
    async with server.hub.db.read() as conn:
        assert len((await conn.execute(select(repo.api_keys))).all()) == 1


async def test_a_key_stops_with_its_owner_and_loses_owner_rights_on_demotion(
    server: HubServer,
) -> None:
    from hub.workspace.companies import agent_token

    company = await server.company("Acme")
    db, settings = server.hub.db, server.settings
    second = await agent_token(db, settings, company.company_id, "owner", "b@x.example")
    async with httpx.AsyncClient(base_url=server.http) as http:
        made = await http.post(
            "/api/api-keys", json={"name": "b's", "role": "owner"}, headers=bearer(second)
        )
        key = bearer(made.json()["key"])
        await agent_token(db, settings, company.company_id, "agent", "b@x.example")  # demoted
        assert (await http.put("/api/company", json={"name": "Y"}, headers=key)).status_code == 403
        assert (await http.get("/api/conversations", headers=key)).status_code == 200
        b_id = made.json()["api_key"]["created_by"]["id"]
        revoked = await http.delete(f"/api/agents/{b_id}", headers=bearer(company.agent_token))
        assert revoked.status_code == 204
        assert (await http.get("/api/conversations", headers=key)).status_code == 401


async def test_last_used_is_written_at_most_once_a_minute(server: HubServer) -> None:
    company = await server.company("Acme")
    async with httpx.AsyncClient(base_url=server.http) as http:
        made = await http.post(
            "/api/api-keys", json={"name": "poller"}, headers=bearer(company.agent_token)
        )
        key = bearer(made.json()["key"])
        k = repo.api_keys

        async def last_used() -> dt.datetime | None:
            async with server.hub.db.read() as conn:
                return (await conn.execute(select(k.c.last_used_at))).scalar()

        await http.get("/api/conversations", headers=key)
        first = await last_used()
        assert first is not None
        for _ in range(3):
            await http.get("/api/conversations", headers=key)
        assert await last_used() == first  # within the minute: not written again
        older = first - dt.timedelta(minutes=2)
        async with server.hub.db.write() as conn:
            await conn.execute(update(k).values(last_used_at=older))
        await http.get("/api/conversations", headers=key)
        latest = await last_used()
        assert latest is not None and latest > older + dt.timedelta(minutes=1)
