"""Supabase sign-in (issue 19): linked only by accepting an `invitations` row, the same
single-use, expiring invitation the email link carries; only with a confirmed,
non-anonymous email; bound to the inviting company. Real hub, a fake Supabase Auth."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import func, select, update

from hub.persistence import repository as repo
from hub.settings import Secret
from hub.workspace.companies import CreatedCompany, agent_token
from tests.conftest import make_settings
from tests.fakes.serve import serve
from tests.fakes.supabase import FakeSupabaseAuth
from tests.support.clients import Agent
from tests.support.server import HubServer, start_hub

SUPABASE_SECRET = "super-secret-jwt-token-with-at-least-32-characters"
SUPABASE_URL = "https://abcdefgh.supabase.co"
SUPABASE_ANON_KEY = "sb_publishable_test_anon_key"
PASSWORD = "a long enough passphrase"


def supabase_token(
    sub: str, email: str | None, *, secret: str = SUPABASE_SECRET, **claims: Any
) -> str:
    """An access token as Supabase Auth issues it (HS256 with the project's JWT secret)."""
    now = dt.datetime.now(dt.UTC)
    payload = {
        "iss": f"{SUPABASE_URL}/auth/v1",
        "aud": "authenticated",
        "sub": sub,
        "email": email,
        "role": "authenticated",
        "is_anonymous": False,
        "iat": now,
        "exp": now + dt.timedelta(hours=1),
        **claims,
    }
    return jwt.encode(payload, secret, algorithm="HS256")


@pytest.fixture
def supabase_auth() -> FakeSupabaseAuth:
    return FakeSupabaseAuth(SUPABASE_SECRET, SUPABASE_ANON_KEY)


@pytest.fixture
async def server(database_url: str, supabase_auth: FakeSupabaseAuth) -> AsyncIterator[HubServer]:
    async with serve(supabase_auth.app) as auth_url:
        settings = make_settings(
            database_url,
            supabase_jwt_secret=Secret(SUPABASE_SECRET),
            supabase_url=SUPABASE_URL,
            supabase_anon_key=Secret(SUPABASE_ANON_KEY),
            supabase_auth_url=auth_url,
        )
        async with start_hub(settings) as hub:
            yield hub


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def invite(
    server: HubServer, company: CreatedCompany, email: str, role: str = "agent"
) -> dict[str, Any]:
    """The owner invites `email` (no mail configured: the answer shows the link)."""
    async with httpx.AsyncClient(base_url=server.http) as http:
        made = await http.post(
            "/api/invitations",
            json={"email": email, "role": role},
            headers=bearer(company.agent_token),
        )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def signs_in(server: HubServer, token: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.http) as http:
        return await http.get("/api/conversations", headers=bearer(token))


async def agents_of(server: HubServer, company: CreatedCompany) -> dict[str, dict[str, Any]]:
    async with httpx.AsyncClient(base_url=server.http) as http:
        listed = await http.get("/api/agents", headers=bearer(company.agent_token))
    return {a["email"]: a for a in listed.json()["agents"] if a["email"]}


async def linked_count(server: HubServer) -> int:
    async with server.hub.db.read(system=True) as conn:
        linked = select(func.count()).where(repo.agents.c.supabase_user_id.is_not(None))
        return int((await conn.execute(linked)).scalar_one())


async def test_an_invited_email_signs_in_with_supabase(
    server: HubServer, supabase_auth: FakeSupabaseAuth
) -> None:
    company = await server.company("Acme")
    await invite(server, company, "Sam@Example.com")
    user = str(uuid.uuid4())
    supabase_auth.users[user] = {"user_metadata": {"full_name": "Sam Lee"}}
    token = supabase_token(user, "sam@example.com", user_role="service_role")
    assert (await signs_in(server, token)).status_code == 200
    sam = (await agents_of(server, company))["sam@example.com"]
    assert sam["supabase_linked"] and sam["name"] == "Sam Lee" and sam["role"] == "agent"
    assert sam["email_verified"]
    async with httpx.AsyncClient(base_url=server.http) as http:
        # The role is the agent row's, whatever the token claims.
        denied = await http.put("/api/company", json={"name": "Hijacked"}, headers=bearer(token))
        assert denied.status_code == 403
        owner = bearer(company.agent_token)
        # The invitation is used: no longer listed, nor open to anyone else.
        assert (await http.get("/api/invitations", headers=owner)).json()["invitations"] == []
    socket = await Agent.open(server.ws, token)
    try:
        assert socket.welcome["agent_id"] == sam["id"]
        assert socket.welcome["company_id"] == company.company_id
    finally:
        await socket.close()
    assert supabase_auth.calls == 1  # asked once, when accepting; later by `sub` alone


@pytest.mark.parametrize(
    "token",
    [
        supabase_token(str(uuid.uuid4()), "sam@example.com", secret="x" * 40),
        supabase_token(str(uuid.uuid4()), "sam@example.com", aud="anon"),
        supabase_token(
            str(uuid.uuid4()), "sam@example.com", iss="https://other.supabase.co/auth/v1"
        ),
        supabase_token(
            str(uuid.uuid4()), "sam@example.com", exp=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        ),
        supabase_token(str(uuid.uuid4()), "nobody@example.com"),
        supabase_token(str(uuid.uuid4()), None),
    ],
    ids=["wrong-secret", "wrong-audience", "wrong-issuer", "expired", "not-invited", "no-email"],
)
async def test_bad_supabase_tokens_are_refused(server: HubServer, token: str) -> None:
    company = await server.company("Acme")
    await invite(server, company, "sam@example.com")
    refused = await signs_in(server, token)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"
    assert await linked_count(server) == 0


async def test_only_a_confirmed_non_anonymous_email_accepts_an_invitation(
    server: HubServer, supabase_auth: FakeSupabaseAuth
) -> None:
    company = await server.company("Acme")
    await invite(server, company, "sam@example.com")
    unconfirmed, anonymous = str(uuid.uuid4()), str(uuid.uuid4())
    supabase_auth.users[unconfirmed] = {"email_confirmed_at": None}
    supabase_auth.users[anonymous] = {"is_anonymous": True}
    for token in (
        supabase_token(unconfirmed, "sam@example.com"),
        supabase_token(anonymous, "sam@example.com"),  # the record says anonymous
        supabase_token(str(uuid.uuid4()), "sam@example.com", is_anonymous=True),
        supabase_token(str(uuid.uuid4()), "sam@example.com", is_anonymous=None),
    ):
        refused = await signs_in(server, token)
        assert refused.status_code == 401, refused.text
    assert await linked_count(server) == 0
    # The invitation is still open: the confirmed account accepts it.
    accepted = supabase_token(str(uuid.uuid4()), "sam@example.com")
    assert (await signs_in(server, accepted)).status_code == 200
    assert await linked_count(server) == 1


async def test_an_expired_cancelled_or_used_invitation_does_not_link(server: HubServer) -> None:
    company = await server.company("Acme")
    expired = await invite(server, company, "late@example.com")
    cancelled = await invite(server, company, "gone@example.com")
    used = await invite(server, company, "used@example.com")
    taken = await invite(server, company, "taken@example.com")
    async with server.hub.db.write() as conn:
        t = repo.invitations
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        stmt = update(t).where(t.c.id == expired["invitation"]["id"]).values(expires_at=long_ago)
        await conn.execute(stmt)
    async with httpx.AsyncClient(base_url=server.http) as http:
        path = f"/api/invitations/{cancelled['invitation']['id']}"
        assert (await http.delete(path, headers=bearer(company.agent_token))).status_code == 204
        token = re.sub(r"^.*#token=", "", used["invite_url"])
        body = {"token": token, "name": "Used", "password": PASSWORD}
        assert (await http.post("/api/account/accept", json=body)).status_code == 201
    first = supabase_token(str(uuid.uuid4()), "taken@example.com")
    assert (await signs_in(server, first)).status_code == 200
    assert await linked_count(server) == 1
    for email in ("late@example.com", "gone@example.com", "used@example.com", "taken@example.com"):
        # A second Supabase account of an email already accepted gets nothing either.
        refused = await signs_in(server, supabase_token(str(uuid.uuid4()), email))
        assert refused.status_code == 401 and "no open invitation" in refused.text
    assert await linked_count(server) == 1
    assert not (await agents_of(server, company))["used@example.com"]["supabase_linked"]
    assert taken["invitation"]["email"] == "taken@example.com"


async def test_an_agent_never_invited_is_never_linked_by_email(server: HubServer) -> None:
    """Issue 19: owners, active agents and agents added by script were linked by email."""
    company = await server.company("Acme")
    db, settings = server.hub.db, server.settings
    await agent_token(db, settings, company.company_id, "owner", "boss@example.com")
    async with httpx.AsyncClient(base_url=server.http) as http:
        added = await http.post(
            "/api/agents", json={"email": "script@example.com"}, headers=bearer(company.agent_token)
        )
        assert added.status_code == 201  # an agent with a hub token: not an invitation
    for email in ("boss@example.com", "script@example.com"):
        refused = await signs_in(server, supabase_token(str(uuid.uuid4()), email))
        assert refused.status_code == 401 and "no open invitation" in refused.text
    assert await linked_count(server) == 0
    # The way for it: deactivate, invite; accepting brings the same agent back, linked.
    script_id = added.json()["agent"]["id"]
    async with httpx.AsyncClient(base_url=server.http) as http:
        path = f"/api/agents/{script_id}/deactivate"
        assert (await http.post(path, headers=bearer(company.agent_token))).status_code == 204
    await invite(server, company, "script@example.com")
    socket = await Agent.open(server.ws, supabase_token(str(uuid.uuid4()), "script@example.com"))
    assert socket.welcome["agent_id"] == script_id
    await socket.close()


async def test_an_agent_of_another_company_is_not_linked_there(server: HubServer) -> None:
    acme, globex = await server.company("Acme"), await server.company("Globex")
    async with httpx.AsyncClient(base_url=server.http) as http:
        added = await http.post(
            "/api/agents", json={"email": "sam@example.com"}, headers=bearer(acme.agent_token)
        )
        assert added.status_code == 201
    await invite(server, globex, "sam@example.com")
    user = str(uuid.uuid4())
    socket = await Agent.open(server.ws, supabase_token(user, "sam@example.com"))
    try:
        assert socket.welcome["company_id"] == globex.company_id
    finally:
        await socket.close()
    assert not (await agents_of(server, acme))["sam@example.com"]["supabase_linked"]
    assert (await agents_of(server, globex))["sam@example.com"]["supabase_linked"]


async def test_an_email_invited_by_two_companies_is_not_guessed(server: HubServer) -> None:
    acme, globex = await server.company("Acme"), await server.company("Globex")
    first = await invite(server, acme, "sam@example.com")
    await invite(server, globex, "sam@example.com")
    token = supabase_token(str(uuid.uuid4()), "sam@example.com")
    refused = await signs_in(server, token)
    assert refused.status_code == 401 and "several companies" in refused.text
    # Acme cancels its invitation: Globex's is the one left to accept.
    async with httpx.AsyncClient(base_url=server.http) as http:
        path = f"/api/invitations/{first['invitation']['id']}"
        assert (await http.delete(path, headers=bearer(acme.agent_token))).status_code == 204
    socket = await Agent.open(server.ws, token)
    assert socket.welcome["company_id"] == globex.company_id
    await socket.close()


async def test_an_owner_invited_through_supabase_is_named(server: HubServer) -> None:
    """Never a nameless owner: without a name from Supabase, the email's local part."""
    company = await server.company("Acme")
    await invite(server, company, "co.owner@example.com", role="owner")
    assert (
        await signs_in(server, supabase_token(str(uuid.uuid4()), "co.owner@example.com"))
    ).is_success
    co_owner = (await agents_of(server, company))["co.owner@example.com"]
    assert co_owner["role"] == "owner" and co_owner["name"] == "co.owner"


async def test_a_deactivated_agent_comes_back_through_a_new_invitation(server: HubServer) -> None:
    company = await server.company("Acme")
    await invite(server, company, "sam@example.com")
    user = str(uuid.uuid4())
    token = supabase_token(user, "sam@example.com")
    socket = await Agent.open(server.ws, token)
    sam_id = socket.welcome["agent_id"]
    async with httpx.AsyncClient(base_url=server.http) as http:
        owner = bearer(company.agent_token)
        assert (await http.delete(f"/api/agents/{sam_id}", headers=owner)).status_code == 204
        assert await socket.closed() == 4401
        assert (await http.get("/api/conversations", headers=bearer(token))).status_code == 401
        # Invited again, the same Supabase account accepts and the same agent is back.
        await invite(server, company, "sam@example.com")
        assert (await http.get("/api/conversations", headers=bearer(token))).status_code == 200
    sam = (await agents_of(server, company))["sam@example.com"]
    assert sam["id"] == sam_id and not sam["revoked"]


async def test_an_owner_cannot_bind_a_supabase_user_id(server: HubServer) -> None:
    """Issue 19: an owner could bind any (another company's) Supabase user to their company."""
    acme, globex = await server.company("Acme"), await server.company("Globex")
    user = str(uuid.uuid4())
    await invite(server, acme, "sam@example.com")
    async with httpx.AsyncClient(base_url=server.http) as http:
        claim = {"email": "sam2@example.com", "supabase_user_id": user}
        refused = await http.post("/api/agents", json=claim, headers=bearer(globex.agent_token))
        assert refused.status_code == 400 and "supabase_user_id" in refused.text
    socket = await Agent.open(server.ws, supabase_token(user, "sam@example.com"))
    assert socket.welcome["company_id"] == acme.company_id
    await socket.close()
    async with server.hub.db.read(system=True) as conn:
        count = select(func.count()).where(repo.agents.c.company_id == globex.company_id)
        assert (await conn.execute(count)).scalar() == 1  # its owner only
