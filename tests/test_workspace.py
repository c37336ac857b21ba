"""The workspace: agents added by script, retention purges, the migrations of invitations,
on SQLite and PostgreSQL. (Supabase sign-in: tests/test_supabase_invitations.py.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import func, select, update

from hub.persistence import repository as repo
from hub.persistence.models import UTCDateTime
from hub.workspace.retention import purge_expired
from tests.conftest import make_settings
from tests.support.clients import Widget
from tests.support.server import HubServer, start_hub


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    async with start_hub(make_settings(database_url)) as hub:
        yield hub


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_agents_added_by_script_are_checked(server: HubServer) -> None:
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


OLD_AGENTS = sa.table(
    "agents",
    sa.column("id", sa.String),
    sa.column("invitation_expires_at", UTCDateTime()),
)


async def test_migrations_carry_open_invitations_into_invitations(
    empty_database_url: str,
) -> None:
    """0018: invitations made before expiry existed stay open for their first seven days;
    agents already linked, signed in, or invited long ago get none. 0022: those still open
    become `invitations` rows (Supabase accepts only those) and the column goes."""
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
                {"id": "pending", "email": "P@x.example", "created_at": now},
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
    await upgrade(empty_database_url, "0018")
    db = Database(empty_database_url)
    try:
        async with db.read(system=True) as conn:
            columns = OLD_AGENTS.c
            found = dict(
                (await conn.execute(select(columns.id, columns.invitation_expires_at))).all()
            )
    finally:
        await db.close()
    assert found["pending"] is not None
    assert found["pending"] - now < dt.timedelta(days=7, seconds=5)
    assert found["pending"] > now + dt.timedelta(days=6)
    assert found["old"] is None and found["active"] is None and found["nameless"] is None

    await upgrade(empty_database_url)
    db = Database(empty_database_url)
    try:
        async with db.read(system=True) as conn:
            t = repo.invitations
            carried = (await conn.execute(select(t.c.email, t.c.role, t.c.expires_at))).all()
    finally:
        await db.close()
    assert [(email, role) for email, role, _ in carried] == [("p@x.example", "agent")]
    assert abs(carried[0].expires_at - found["pending"]) < dt.timedelta(seconds=1)


async def test_migration_0023_names_every_nameless_owner(empty_database_url: str) -> None:
    """Issue 19: owners made by the CLI had no name; agents may stay nameless."""
    from hub.persistence.db import Database
    from hub.persistence.migrate import upgrade

    await upgrade(empty_database_url, "0022")
    db = Database(empty_database_url)
    try:
        async with db.write(system=True) as conn:
            await conn.execute(
                repo.companies.insert().values(
                    id="c1", name="Acme", widget_key="wk", allowed_origins=[], facts=[]
                )
            )
            rows = [
                ("o1", "owner", None, None),
                ("o2", "owner", "Boss@x.example", " "),
                ("o3", "owner", "k@x.example", "Kim"),
                ("a1", "agent", None, None),
            ]
            for agent_id, role, email, name in rows:
                await conn.execute(
                    repo.agents.insert().values(
                        id=agent_id, company_id="c1", role=role, email=email, name=name
                    )
                )
        await upgrade(empty_database_url)
        async with db.read(system=True) as conn:
            a = repo.agents
            names = dict((await conn.execute(select(a.c.id, a.c.name))).all())
    finally:
        await db.close()
    assert names == {"o1": "Acme owner", "o2": "Boss", "o3": "Kim", "a1": None}
