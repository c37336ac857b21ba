"""The workspace: inviting agents, Supabase sign-in, retention purges, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import func, select, update

from hub.persistence import repository as repo
from hub.settings import Secret
from hub.workspace.retention import purge_expired
from tests.conftest import make_settings
from tests.fakes.serve import serve
from tests.fakes.supabase import FakeSupabaseAuth
from tests.support.clients import Agent, Widget
from tests.support.server import HubServer, start_hub

SUPABASE_SECRET = "super-secret-jwt-token-with-at-least-32-characters"
SUPABASE_URL = "https://abcdefgh.supabase.co"
SUPABASE_ANON_KEY = "sb_publishable_test_anon_key"


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


async def test_owner_invites_an_agent_who_signs_in_with_supabase(server: HubServer) -> None:
    company = await server.company("Acme")
    async with httpx.AsyncClient(base_url=server.http) as http:
        invited = await http.post(
            "/api/agents",
            json={"email": "Sam@Example.com", "name": "Sam"},
            headers=bearer(company.agent_token),
        )
        assert invited.status_code == 201, invited.text
        agent = invited.json()["agent"]
        assert agent["role"] == "agent" and not agent["supabase_linked"]
        # The hub token in the answer works at once.
        hub_token = invited.json()["agent_token"]
        assert (await http.get("/api/conversations", headers=bearer(hub_token))).status_code == 200

        user = str(uuid.uuid4())
        token = supabase_token(user, "sam@example.com", user_role="service_role")
        listed = await http.get("/api/conversations", headers=bearer(token))
        assert listed.status_code == 200, listed.text
        # The role is the agent row's, whatever the token claims.
        profile = {"name": "Hijacked"}
        assert (
            await http.put("/api/company", json=profile, headers=bearer(token))
        ).status_code == 403
        agents = (await http.get("/api/agents", headers=bearer(company.agent_token))).json()
        [sam] = [a for a in agents["agents"] if a["id"] == agent["id"]]
        assert sam["supabase_linked"] and sam["last_sign_in_at"] is None

    socket = await Agent.open(server.ws, token)
    try:
        assert socket.welcome["agent_id"] == agent["id"]
        assert socket.welcome["company_id"] == company.company_id
    finally:
        await socket.close()


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
    async with httpx.AsyncClient(base_url=server.http) as http:
        invite = {"email": "sam@example.com"}
        await http.post("/api/agents", json=invite, headers=bearer(company.agent_token))
        refused = await http.get("/api/conversations", headers=bearer(token))
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
    async with server.hub.db.read() as conn:
        linked = select(func.count()).where(repo.agents.c.supabase_user_id.is_not(None))
        assert (await conn.execute(linked)).scalar() == 0


async def test_an_email_invited_by_two_companies_is_not_guessed(server: HubServer) -> None:
    acme, globex = await server.company("Acme"), await server.company("Globex")
    user = str(uuid.uuid4())
    async with httpx.AsyncClient(base_url=server.http) as http:
        invited = []
        for company in (acme, globex):
            invite = {"email": "sam@example.com"}
            made = await http.post("/api/agents", json=invite, headers=bearer(company.agent_token))
            invited.append(made.json()["agent"]["id"])
        token = supabase_token(user, "sam@example.com")
        refused = await http.get("/api/conversations", headers=bearer(token))
        assert refused.status_code == 401 and "several companies" in refused.text
        # Acme withdraws its invitation: Globex's is the one left to accept.
        withdrawn = await http.delete(f"/api/agents/{invited[0]}", headers=bearer(acme.agent_token))
        assert withdrawn.status_code == 204
        socket = await Agent.open(server.ws, token)
        assert socket.welcome["company_id"] == globex.company_id
        await socket.close()


async def test_invitations_are_checked(server: HubServer) -> None:
    company = await server.company("Acme")
    async with httpx.AsyncClient(base_url=server.http) as http:
        owner = bearer(company.agent_token)
        first = await http.post("/api/agents", json={"email": "a@example.com"}, headers=owner)
        assert first.status_code == 201
        again = await http.post("/api/agents", json={"email": "a@example.com"}, headers=owner)
        assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
        bad = await http.post("/api/agents", json={"email": "not-an-email"}, headers=owner)
        assert bad.status_code == 400
        agent = bearer(first.json()["agent_token"])
        denied = await http.post("/api/agents", json={"email": "b@example.com"}, headers=agent)
        assert denied.status_code == 403
    async with server.hub.db.read() as conn:
        count = select(func.count()).where(repo.agents.c.company_id == company.company_id)
        assert (await conn.execute(count)).scalar() == 2  # the owner and a@


async def test_a_revoked_supabase_agent_is_refused_and_their_socket_closes(
    server: HubServer,
) -> None:
    company = await server.company("Acme")
    user = str(uuid.uuid4())
    async with httpx.AsyncClient(base_url=server.http) as http:
        owner = bearer(company.agent_token)
        made = await http.post("/api/agents", json={"email": "sam@example.com"}, headers=owner)
        token = supabase_token(user, "sam@example.com")
        socket = await Agent.open(server.ws, token)
        revoked = await http.delete(f"/api/agents/{made.json()['agent']['id']}", headers=owner)
        assert revoked.status_code == 204
        assert await socket.closed() == 4401
        assert (await http.get("/api/conversations", headers=bearer(token))).status_code == 401


async def linked_count(server: HubServer) -> int:
    async with server.hub.db.read() as conn:
        linked = select(func.count()).where(repo.agents.c.supabase_user_id.is_not(None))
        return int((await conn.execute(linked)).scalar_one())


async def test_only_a_confirmed_non_anonymous_email_accepts_an_invitation(
    server: HubServer, supabase_auth: FakeSupabaseAuth
) -> None:
    """Issue 19: any Supabase session whose email matched was linked, verified or not."""
    company = await server.company("Acme")
    unconfirmed, anonymous = str(uuid.uuid4()), str(uuid.uuid4())
    supabase_auth.users[unconfirmed] = {"email_confirmed_at": None}
    supabase_auth.users[anonymous] = {"is_anonymous": True}
    async with httpx.AsyncClient(base_url=server.http) as http:
        invite = {"email": "sam@example.com"}
        await http.post("/api/agents", json=invite, headers=bearer(company.agent_token))
        for token in (
            supabase_token(unconfirmed, "sam@example.com"),
            supabase_token(anonymous, "sam@example.com"),  # the record says anonymous
            supabase_token(str(uuid.uuid4()), "sam@example.com", is_anonymous=True),
            supabase_token(str(uuid.uuid4()), "sam@example.com", is_anonymous=None),
        ):
            refused = await http.get("/api/conversations", headers=bearer(token))
            assert refused.status_code == 401, refused.text
        assert await linked_count(server) == 0
        # The invitation is still open: the confirmed account accepts it.
        accepted = supabase_token(str(uuid.uuid4()), "sam@example.com")
        assert (await http.get("/api/conversations", headers=bearer(accepted))).status_code == 200
    assert await linked_count(server) == 1


async def test_only_an_open_invitation_is_linked(server: HubServer) -> None:
    """Issue 19: owners, active agents and old invitations were linked by email alone."""
    from hub.workspace.companies import agent_token

    company = await server.company("Acme")
    db, settings = server.hub.db, server.settings
    await agent_token(db, settings, company.company_id, "owner", "boss@example.com")
    async with httpx.AsyncClient(base_url=server.http) as http:
        owner = bearer(company.agent_token)
        for email in ("active@example.com", "late@example.com"):
            await http.post("/api/agents", json={"email": email}, headers=owner)
        agents = repo.agents
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        async with db.write() as conn:
            await conn.execute(
                update(agents)
                .where(agents.c.email == "active@example.com")
                .values(last_sign_in_at=long_ago)
            )
            await conn.execute(
                update(agents)
                .where(agents.c.email == "late@example.com")
                .values(invitation_expires_at=long_ago)
            )
        for email in ("boss@example.com", "active@example.com", "late@example.com"):
            token = supabase_token(str(uuid.uuid4()), email)
            refused = await http.get("/api/conversations", headers=bearer(token))
            assert refused.status_code == 401 and "no open invitation" in refused.text
    assert await linked_count(server) == 0


async def test_an_owner_cannot_bind_a_supabase_user_id(server: HubServer) -> None:
    """Issue 19: an owner could bind any (another company's) Supabase user to their company."""
    acme, globex = await server.company("Acme"), await server.company("Globex")
    user = str(uuid.uuid4())
    async with httpx.AsyncClient(base_url=server.http) as http:
        invite = {"email": "sam@example.com"}
        await http.post("/api/agents", json=invite, headers=bearer(acme.agent_token))
        claim = {"email": "sam2@example.com", "supabase_user_id": user}
        refused = await http.post("/api/agents", json=claim, headers=bearer(globex.agent_token))
        assert refused.status_code == 400 and "supabase_user_id" in refused.text
        socket = await Agent.open(server.ws, supabase_token(user, "sam@example.com"))
        assert socket.welcome["company_id"] == acme.company_id
        await socket.close()
    async with server.hub.db.read() as conn:
        count = select(func.count()).where(repo.agents.c.company_id == globex.company_id)
        assert (await conn.execute(count)).scalar() == 1  # its owner only


async def test_retention_purges_older_messages_only(server: HubServer) -> None:
    company = await server.company("Acme")
    widget = await Widget.open(server.ws, company.widget_key)
    for text in ("old-one", "old-two", "recent"):
        await widget.say(text)
    await widget.close()
    m = repo.messages
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    async with server.hub.db.write() as conn:
        await conn.execute(update(m).where(m.c.text.like("old-%")).values(created_at=long_ago))

    async with httpx.AsyncClient(base_url=server.http) as http:
        owner = bearer(company.agent_token)
        profile = (await http.get("/api/company", headers=owner)).json()
        assert profile["retention_days"] is None
        assert await purge_expired(server.hub.db) == {}  # no policy: nothing goes
        policy = {"name": "Acme", "retention_days": 30}
        assert (await http.put("/api/company", json=policy, headers=owner)).json()[
            "retention_days"
        ] == 30
        # A PUT that does not mention the policy keeps it.
        kept = await http.put("/api/company", json={"name": "Acme Inc"}, headers=owner)
        assert kept.json()["retention_days"] == 30

        assert await purge_expired(server.hub.db) == {company.company_id: 2}
        assert await purge_expired(server.hub.db) == {}
        async with server.hub.db.read() as conn:
            texts = (await conn.execute(select(m.c.text))).scalars().all()
        assert texts == ["recent"]
        [record] = (await http.get("/api/audit", headers=owner)).json()["records"]
        assert record["action"] == "retention.purged" and record["actor_agent_id"] is None
        assert record["detail"]["messages"] == 2


async def test_migration_0018_keeps_recent_pending_invitations_open(
    empty_database_url: str,
) -> None:
    """Invitations made before expiry existed stay open for their first seven days; agents
    already linked, signed in, or invited long ago get none."""
    from hub.persistence.db import Database
    from hub.persistence.migrate import upgrade

    await upgrade(empty_database_url, "0017")
    now = dt.datetime.now(dt.UTC)
    db = Database(empty_database_url)
    try:
        async with db.write(system=True) as conn:
            await conn.execute(
                repo.companies.insert().values(
                    id="c1", name="Acme", widget_key="wk", allowed_origins=[], facts=[]
                )
            )
            base = {"company_id": "c1", "role": "agent", "revoked": False}
            rows = [
                {"id": "pending", "email": "p@x.example", "created_at": now},
                {"id": "old", "email": "o@x.example", "created_at": now - dt.timedelta(days=9)},
                {"id": "active", "email": "a@x.example", "created_at": now, "last_sign_in_at": now},
                {"id": "nameless", "email": None, "created_at": now},
            ]
            for row in rows:
                await conn.execute(
                    repo.agents.insert().values(
                        **base, **{"last_sign_in_at": None, **row}, notifications=True, sound=True
                    )
                )
    finally:
        await db.close()
    await upgrade(empty_database_url)
    db = Database(empty_database_url)
    try:
        async with db.read(system=True) as conn:
            a = repo.agents
            found = dict((await conn.execute(select(a.c.id, a.c.invitation_expires_at))).all())
    finally:
        await db.close()
    assert found["pending"] is not None
    assert found["pending"] - now < dt.timedelta(days=7, seconds=5)
    assert found["pending"] > now + dt.timedelta(days=6)
    assert found["old"] is None and found["active"] is None and found["nameless"] is None
