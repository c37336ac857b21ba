"""Teammates (issue 19 part 2): invitations by email (single use, expiring, resent,
cancelled), roles, deactivation and reactivation, transfer of ownership."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from email.message import EmailMessage

import httpx
import pytest
from sqlalchemy import update

from hub.persistence import repository as repo
from hub.settings import Secret
from hub.workspace.companies import CreatedCompany
from tests.conftest import make_settings
from tests.support.server import HubServer, start_hub
from tests.support.smtp import smtp_server

PASSWORD = "a long enough passphrase"


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    async with start_hub(make_settings(database_url)) as started:  # no mail: links shown
        yield started


@pytest.fixture
async def owner(server: HubServer) -> AsyncIterator[tuple[CreatedCompany, httpx.AsyncClient]]:
    company = await server.company("Acme")
    headers = {"Authorization": f"Bearer {company.agent_token}"}
    async with httpx.AsyncClient(base_url=server.http, headers=headers) as http:
        await http.patch("/api/agents/me", json={"name": "Olive Owner"})
        yield company, http


def _link(body: object) -> str:
    assert isinstance(body, EmailMessage)
    found = re.search(r"\S+/invite#token=\S+", str(body.get_content()))
    assert found
    return found.group(0)


def token_of(url: str) -> str:
    found = re.search(r"/invite#token=(\S+)$", url)
    assert found
    return found.group(1)


async def accept(server: HubServer, token: str, name: str = "Sam") -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.http) as browser:
        body = {"token": token, "name": name, "password": PASSWORD}
        return await browser.post("/api/account/accept", json=body)


async def test_an_invitation_works_once(
    server: HubServer, owner: tuple[CreatedCompany, httpx.AsyncClient]
) -> None:
    _, http = owner
    made = await http.post("/api/invitations", json={"email": "Sam@Acme.example", "role": "agent"})
    assert made.status_code == 201
    token = token_of(made.json()["invite_url"])  # no mail configured: the link is shown
    async with httpx.AsyncClient(base_url=server.http) as browser:
        preview = await browser.post("/api/account/invitation", json={"token": token})
        assert preview.json() == {"company": "Acme", "email": "sam@acme.example", "role": "agent"}
    joined = await accept(server, token)
    assert joined.status_code == 201 and "hub_session=" in joined.headers["set-cookie"]
    assert (await accept(server, token)).status_code == 400  # single use
    agents = {a["email"]: a for a in (await http.get("/api/agents")).json()["agents"]}
    assert (
        agents["sam@acme.example"]["name"] == "Sam" and agents["sam@acme.example"]["email_verified"]
    )
    assert (await http.get("/api/invitations")).json()["invitations"] == []
    again = await http.post("/api/invitations", json={"email": "sam@acme.example"})
    assert again.status_code == 409  # already a teammate


async def test_expired_resent_and_cancelled_links(
    server: HubServer, owner: tuple[CreatedCompany, httpx.AsyncClient]
) -> None:
    _, http = owner
    made = (await http.post("/api/invitations", json={"email": "kim@acme.example"})).json()
    first = token_of(made["invite_url"])
    assert (
        await http.post("/api/invitations", json={"email": "kim@acme.example"})
    ).status_code == 409
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    async with server.hub.db.write(system=True) as conn:
        await conn.execute(update(repo.invitations).values(expires_at=past))
    assert (await accept(server, first)).status_code == 400  # expired
    listed = (await http.get("/api/invitations")).json()["invitations"]
    assert [i["expired"] for i in listed] == [True]

    resent = await http.post(f"/api/invitations/{made['invitation']['id']}/resend")
    assert resent.status_code == 200 and not resent.json()["invitation"]["expired"]
    second = token_of(resent.json()["invite_url"])
    assert second != first and (await accept(server, first)).status_code == 400

    assert (await http.delete(f"/api/invitations/{made['invitation']['id']}")).status_code == 204
    assert (await accept(server, second)).status_code == 400  # withdrawn
    assert (await http.delete(f"/api/invitations/{made['invitation']['id']}")).status_code == 404


async def test_invitation_mail_over_smtp(database_url: str) -> None:
    async with smtp_server() as (url, inbox):  # noqa: SIM117 (the hub needs the url)
        async with start_hub(make_settings(database_url, smtp_url=Secret(url))) as server:
            company = await server.company("Acme")
            headers = {"Authorization": f"Bearer {company.agent_token}"}
            async with httpx.AsyncClient(base_url=server.http, headers=headers) as http:
                made = await http.post("/api/invitations", json={"email": "lee@acme.example"})
                assert made.json()["invite_url"] is None  # mailed, not shown
                await http.post(f"/api/invitations/{made.json()['invitation']['id']}/resend")
            mails = await inbox.wait(2)
            tokens = [token_of(_link(m.get_body(("plain",)))) for m in mails]
            assert (
                mails[0]["To"] == "lee@acme.example"
                and mails[0]["Subject"] == "Join Acme on LeadOp Hub"
            )
            assert (await accept(server, tokens[0])).status_code == 400  # replaced by the resend
            assert (await accept(server, tokens[1])).status_code == 201


async def test_deactivate_ends_sessions_and_the_same_person_comes_back(
    server: HubServer, owner: tuple[CreatedCompany, httpx.AsyncClient]
) -> None:
    _, http = owner
    made = (await http.post("/api/invitations", json={"email": "sam@acme.example"})).json()
    async with httpx.AsyncClient(base_url=server.http) as sam:
        body = {"token": token_of(made["invite_url"]), "name": "Sam", "password": PASSWORD}
        assert (await sam.post("/api/account/accept", json=body)).status_code == 201
        sam_id = (await sam.get("/api/agents/me")).json()["id"]
        assert (await http.post(f"/api/agents/{sam_id}/deactivate")).status_code == 204
        assert (await sam.get("/api/agents/me")).status_code == 401  # the session ended
        signin = {"email": "sam@acme.example", "password": PASSWORD}
        assert (await sam.post("/api/account/signin", json=signin)).status_code == 401
        # invited again: the same agent comes back, with a new password
        again = (await http.post("/api/invitations", json={"email": "sam@acme.example"})).json()
        token = token_of(again["invite_url"])
        body = {"token": token, "name": "Sam again", "password": "another passphrase"}
        assert (await sam.post("/api/account/accept", json=body)).status_code == 201
        assert (await sam.get("/api/agents/me")).json()["id"] == sam_id
        assert (await http.post(f"/api/agents/{sam_id}/deactivate")).status_code == 204
        back = await http.post(f"/api/agents/{sam_id}/reactivate")
        assert back.status_code == 200 and back.json()["agent"]["revoked"] is False
        signin = {"email": "sam@acme.example", "password": "another passphrase"}
        assert (await sam.post("/api/account/signin", json=signin)).status_code == 200


async def test_roles_and_transfer_of_ownership(
    server: HubServer, owner: tuple[CreatedCompany, httpx.AsyncClient]
) -> None:
    _, http = owner
    made = (await http.post("/api/invitations", json={"email": "sam@acme.example"})).json()
    async with httpx.AsyncClient(base_url=server.http) as sam:
        body = {"token": token_of(made["invite_url"]), "name": "Sam", "password": PASSWORD}
        csrf = (await sam.post("/api/account/accept", json=body)).json()["csrf_token"]
        sam_id = (await sam.get("/api/agents/me")).json()["id"]
        assert (await sam.get("/api/invitations")).status_code == 403  # an agent
        promoted = await http.put(f"/api/agents/{sam_id}/role", json={"role": "owner"})
        assert promoted.json()["agent"]["role"] == "owner"
        assert (await sam.get("/api/invitations")).status_code == 200  # the role is read now
        demoted = await http.put(f"/api/agents/{sam_id}/role", json={"role": "agent"})
        assert demoted.json()["agent"]["role"] == "agent"
        moved = await http.post(f"/api/agents/{sam_id}/transfer-ownership")
        assert moved.status_code == 200 and moved.json()["agent"]["role"] == "owner"
        assert (await http.get("/api/invitations")).status_code == 403  # the old owner: an agent
        me = (await http.get("/api/agents/me")).json()
        assert me["role"] == "agent"
        # the new owner cannot leave the company without an owner
        alone = await sam.post(f"/api/agents/{sam_id}/deactivate", headers={"X-CSRF-Token": csrf})
        assert alone.status_code == 400  # an owner cannot deactivate themselves
        back = await sam.post(
            f"/api/agents/{me['id']}/transfer-ownership", headers={"X-CSRF-Token": csrf}
        )
        assert back.status_code == 200


async def test_never_a_nameless_owner(
    server: HubServer, owner: tuple[CreatedCompany, httpx.AsyncClient]
) -> None:
    company, http = owner
    sam, _ = await server.hub.agents.add(
        company.company_id, {"email": "sam@acme.example", "role": "agent"}
    )
    refused = await http.put(f"/api/agents/{sam['id']}/role", json={"role": "owner"})
    assert refused.status_code == 409
    assert (await http.post(f"/api/agents/{sam['id']}/transfer-ownership")).status_code == 409
    agents = {a["email"]: a["role"] for a in (await http.get("/api/agents")).json()["agents"]}
    assert agents["sam@acme.example"] == "agent"
