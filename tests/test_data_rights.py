"""Data rights: company export (streamed, secrets masked), one contact's export, correction
and erasure, always within the caller's company, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import sqlite3
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select, update

from hub.persistence import repository as repo
from hub.persistence.migrate import upgrade
from hub.persistence.models import new_id
from hub.workspace.companies import CreatedCompany, agent_token
from hub.workspace.retention import purge_expired
from tests.conftest import make_settings
from tests.support.clients import Agent, Client, Widget
from tests.support.seeding import widget_conversation
from tests.support.server import HubServer, start_hub

AUTH_TOKEN = "secret-token-123456"
TWILIO = {"account_sid": "AC" + "1" * 32, "auth_token": AUTH_TOKEN, "phone_number": "+15559870002"}


@dataclass
class World:
    server: HubServer
    http: httpx.AsyncClient
    acme: CreatedCompany
    globex: CreatedCompany
    alice: str  # contact ids, with their conversations
    alice_conv: str
    bob: str
    bob_conv: str
    carol: str  # Globex's contact
    carol_conv: str

    def auth(self, company: CreatedCompany | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {(company or self.acme).agent_token}"}

    def url(self, path: str) -> str:
        return self.server.http + path


async def _conversation(
    server: HubServer, http: httpx.AsyncClient, company: CreatedCompany, words: list[str]
) -> tuple[str, str]:
    """A widget visitor says `words[0]`, an agent replies `words[1]`; (contact, conversation)."""
    widget = await Widget.open(server.ws, company.widget_key)
    said = await widget.say(words[0])
    await widget.close()
    conv_id = said["conversation_id"]
    reply = await http.post(
        f"{server.http}/api/conversations/{conv_id}/messages",
        json={"text": words[1]},
        headers={"Authorization": f"Bearer {company.agent_token}"},
    )
    assert reply.status_code == 201, reply.text
    async with server.hub.db.read() as conn:
        row = await repo.conversation(conn, company.company_id, conv_id)
    assert row is not None
    return row.contact_id, conv_id


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    async with start_hub(make_settings(database_url)) as server, httpx.AsyncClient() as http:
        acme = await server.company("Acme")
        globex = await server.company("Globex")
        alice, alice_conv = await _conversation(server, http, acme, ["alice-hello", "hi-alice"])
        bob, bob_conv = await _conversation(server, http, acme, ["bob-hello", "hi-bob"])
        carol, carol_conv = await _conversation(server, http, globex, ["carol-hello", "hi-carol"])
        stored = await http.put(
            f"{server.http}/api/integrations/twilio",
            json=TWILIO,
            headers={"Authorization": f"Bearer {acme.agent_token}"},
        )
        assert stored.status_code == 200, stored.text
        async with server.hub.db.write() as conn:
            await conn.execute(
                insert(repo.appointments).values(
                    id=new_id(),
                    company_id=acme.company_id,
                    contact_id=alice,
                    conversation_id=alice_conv,
                    requested_slot="Tuesday 10:00",
                    name="Alice",
                )
            )
        yield World(server, http, acme, globex, alice, alice_conv, bob, bob_conv, carol, carol_conv)


async def test_company_export_is_complete_streamed_and_masked(world: World) -> None:
    response = await world.http.get(world.url("/api/export"), headers=world.auth())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith("attachment")
    assert "content-length" not in response.headers  # streamed (chunked), not buffered
    assert AUTH_TOKEN not in response.text
    data = json.loads(response.text)
    assert data["company"]["id"] == world.acme.company_id
    texts = {m["text"] for m in data["messages"]}
    assert {"alice-hello", "hi-alice", "bob-hello", "hi-bob"} <= texts
    assert "carol-hello" not in response.text  # another company's data never appears
    assert {c["id"] for c in data["contacts"]} == {world.alice, world.bob}
    assert {c["id"] for c in data["conversations"]} == {world.alice_conv, world.bob_conv}
    twilio = data["integrations"]["twilio"]
    assert twilio["configured"] is True and twilio["auth_token"].endswith(AUTH_TOKEN[-4:])
    assert data["integrations"]["kapso"] is None
    assert data["agents"] and all("token" not in str(a.keys()) for a in data["agents"])
    assert all("phone_verified_at" in a and "supabase_user_id" in a for a in data["agents"])
    assert [a["requested_slot"] for a in data["appointments"]] == ["Tuesday 10:00"]
    assert data["ai_settings"] is not None and "qa_pairs" in data
    assert data["daily_stats"] and data["visits"]
    # The analytics counters: two conversations, each a visitor's message and an agent's reply.
    assert sum(row["messages"] for row in data["message_counts"]) == 4
    assert sum(row["conversations"] for row in data["conversation_counts"]) == 2
    assert sum(row["conversations"] for row in data["response_times"]) == 2
    assert all("token_hash" not in s for s in data["widget_sessions"])

    globex = await world.http.get(world.url("/api/export"), headers=world.auth(world.globex))
    assert "alice-hello" not in globex.text and AUTH_TOKEN not in globex.text
    unauthorized = await world.http.get(world.url("/api/export"))
    assert unauthorized.status_code == 401


async def test_exports_are_for_owners_only(world: World) -> None:
    """The company export holds the roster, the audit log and every visitor's address; one
    contact's export is a data-rights request too: both are an owner's, as erasure is."""
    member = await agent_token(
        world.server.hub.db, world.server.settings, world.acme.company_id, "agent", "m@acme.test"
    )
    as_member = {"Authorization": f"Bearer {member}"}
    for path in ("/api/export", f"/api/contacts/{world.alice}/export"):
        refused = await world.http.get(world.url(path), headers=as_member)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["error"]["code"] == "forbidden"
        assert "alice-hello" not in refused.text
        owner = await world.http.get(world.url(path), headers=world.auth())
        assert owner.status_code == 200 and "alice-hello" in owner.text, path


async def test_export_pages_through_many_messages(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.workspace import data_rights

    monkeypatch.setattr(data_rights, "PAGE", 3)  # several pages for even this small company
    response = await world.http.get(world.url("/api/export"), headers=world.auth())
    data = json.loads(response.text)
    assert len(data["messages"]) == 4 and len({m["id"] for m in data["messages"]}) == 4


async def test_contact_export(world: World) -> None:
    response = await world.http.get(
        world.url(f"/api/contacts/{world.alice}/export"), headers=world.auth()
    )
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment")
    data = response.json()
    assert data["contact"]["id"] == world.alice
    assert [c["id"] for c in data["conversations"]] == [world.alice_conv]
    assert [m["text"] for m in data["messages"]] == ["alice-hello", "hi-alice"]
    assert len(data["appointments"]) == 1
    assert "bob-hello" not in response.text
    other = await world.http.get(
        world.url(f"/api/contacts/{world.carol}/export"), headers=world.auth()
    )
    assert other.status_code == 404


async def test_contact_correction(world: World) -> None:
    url = world.url(f"/api/contacts/{world.alice}")
    body = {"name": "Alice Liddell", "email": "alice@example.com", "phone": "+1 555 987 0011"}
    fixed = await world.http.patch(url, json=body, headers=world.auth())
    assert fixed.status_code == 200, fixed.text
    contact = fixed.json()["contact"]
    assert contact["name"] == "Alice Liddell" and contact["email"] == "alice@example.com"
    assert contact["phone"] == "+15559870011"

    bad = await world.http.patch(url, json={"phone": "not a phone"}, headers=world.auth())
    assert bad.status_code == 400
    taken = await world.http.patch(
        world.url(f"/api/contacts/{world.bob}"),
        json={"phone": "+15559870011"},
        headers=world.auth(),
    )
    assert taken.status_code == 409
    # Globex may use the same number for its own contact, and cannot touch Acme's.
    own = await world.http.patch(
        world.url(f"/api/contacts/{world.carol}"),
        json={"phone": "+15559870011"},
        headers=world.auth(world.globex),
    )
    assert own.status_code == 200
    across = await world.http.patch(url, json={"name": "x"}, headers=world.auth(world.globex))
    assert across.status_code == 404
    cleared = await world.http.patch(url, json={"email": None}, headers=world.auth())
    assert cleared.json()["contact"] == {**contact, "email": None}


async def _count(world: World, table: Any, *where: Any) -> int:
    async with world.server.hub.db.read() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        )


async def test_erasure(world: World, caplog: pytest.LogCaptureFixture) -> None:
    server = world.server
    url = world.url(f"/api/contacts/{world.alice}")

    token = await agent_token(
        server.hub.db, server.settings, world.acme.company_id, "agent", "a@example.com"
    )
    refused = await world.http.delete(url, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    across = await world.http.delete(url, headers=world.auth(world.globex))
    assert across.status_code == 404

    async with server.hub.db.read() as conn:
        stats_before = (
            await conn.execute(select(repo.daily_stats).order_by(repo.daily_stats.c.day))
        ).all()

    with caplog.at_level(logging.INFO, logger="hub.audit"):
        erased = await world.http.delete(url, headers=world.auth())
    assert erased.status_code == 204

    # The person is gone from every table...
    m, c = repo.messages, repo.conversations
    assert await _count(world, m, m.c.conversation_id == world.alice_conv) == 0
    assert await _count(world, m, m.c.text.in_(["alice-hello", "hi-alice"])) == 0
    assert await _count(world, c, c.c.id == world.alice_conv) == 0
    assert await _count(world, repo.contacts, repo.contacts.c.id == world.alice) == 0
    assert (
        await _count(world, repo.appointments, repo.appointments.c.contact_id == world.alice) == 0
    )
    ws = repo.widget_sessions
    assert await _count(world, ws, ws.c.conversation_id == world.alice_conv) == 0
    # ...others' data and the aggregates stay.
    assert await _count(world, m, m.c.conversation_id == world.bob_conv) == 2
    assert await _count(world, m, m.c.conversation_id == world.carol_conv) == 2
    assert await _count(world, repo.contacts, repo.contacts.c.id.in_([world.bob, world.carol])) == 2
    async with server.hub.db.read() as conn:
        stats_after = (
            await conn.execute(select(repo.daily_stats).order_by(repo.daily_stats.c.day))
        ).all()
    assert stats_after == stats_before

    # The audit record (table and log line) names who erased what, never the erased data.
    [line] = [r.getMessage() for r in caplog.records if r.name == "hub.audit"]
    assert "alice-hello" not in line and "hi-alice" not in line
    audit = await world.http.get(world.url("/api/audit"), headers=world.auth())
    [record] = audit.json()["records"]
    assert json.loads(line) == record
    assert record["action"] == "contact.erased" and record["actor_agent_id"]
    assert record["subject_id"] == world.alice and record["detail"]["messages"] == 2
    agent_token_only = {"Authorization": f"Bearer {token}"}
    assert (
        await world.http.get(world.url("/api/audit"), headers=agent_token_only)
    ).status_code == 403

    export = (await world.http.get(world.url("/api/export"), headers=world.auth())).json()
    assert export["audit_log"] == [record]  # the one place the erased contact's id remains
    rest = json.dumps({key: value for key, value in export.items() if key != "audit_log"})
    assert "alice-hello" not in rest and world.alice not in rest
    assert "bob-hello" in rest
    again = await world.http.delete(url, headers=world.auth())
    assert again.status_code == 404


async def test_erasing_the_company_removes_everything_of_it_only(database_url: str) -> None:
    async with start_hub(make_settings(database_url)) as server:
        acme, globex = await server.company("Acme"), await server.company("Globex")
        for company in (acme, globex):
            widget = await Widget.open(server.ws, company.widget_key)
            await widget.say(f"hello from {company.company_id}")
        agent = await Agent.open(server.ws, acme.agent_token)
        async with httpx.AsyncClient(base_url=server.http) as http:
            auth = {"Authorization": f"Bearer {acme.agent_token}"}
            assert (await http.delete("/api/company", headers=auth)).status_code == 204
            assert await Client(agent.ws).closed() == 4401
            assert (await http.get("/api/conversations", headers=auth)).status_code == 401
        async with server.hub.db.read() as conn:
            names = ("companies", "messages", "conversations", "contacts", "agents")
            for name in (*names, "message_counts", "conversation_counts", "response_times"):
                table = getattr(repo, name)
                column = table.c.id if name == "companies" else table.c.company_id
                assert await repo.count_rows(conn, table, **{column.name: acme.company_id}) == 0
            kept = await repo.count_rows(conn, repo.messages, company_id=globex.company_id)
            assert kept == 1


def _file_bytes(sqlite_url: str) -> bytes:
    """The raw bytes of the SQLite database file and its write-ahead log, as they are now."""
    path = Path(sqlite_url.split("///", 1)[1])
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _secret_word() -> str:
    """A word no other text shares a prefix with: the full-text index stores a term after
    the previous one's shared prefix, so only such a word is sure to appear whole."""
    return "zq" + uuid.uuid4().hex[:10]


async def test_erased_text_is_gone_from_the_sqlite_files(sqlite_url: str) -> None:
    """Secure delete zeroes freed pages, the full-text index is rewritten without the erased
    rows, and the write-ahead log is folded and truncated: not even the database files'
    bytes keep an erased message's words (nor its page URL)."""
    word, page = _secret_word(), "https://shop.example/" + _secret_word()
    async with start_hub(make_settings(sqlite_url)) as server:
        company = await server.company()
        widget = await Widget.open(server.ws, company.widget_key, page_url=page)
        await widget.say(f"my card is {word} thanks")
        await widget.close()
        await Widget.open(server.ws, company.widget_key)  # someone else stays
        await server.hub.db.forget()  # the control: folded into the file, the word is there
        before = _file_bytes(sqlite_url)
        assert word.encode() in before and page.encode() in before
        auth = {"Authorization": f"Bearer {company.agent_token}"}
        async with httpx.AsyncClient(base_url=server.http) as http:
            listed = (await http.get("/api/conversations", headers=auth)).json()
            contact_id = listed["conversations"][0]["contact"]["id"]
            erased = await http.delete(f"/api/contacts/{contact_id}", headers=auth)
            assert erased.status_code == 204
        after = _file_bytes(sqlite_url)
        assert word.encode() not in after
        assert page.encode() not in after


async def test_purged_text_is_gone_from_the_sqlite_files(sqlite_url: str) -> None:
    """A retention purge leaves no word of the purged messages in the database files."""
    word, kept = _secret_word(), _secret_word()
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    async with start_hub(make_settings(sqlite_url)) as server:
        company = await server.company()
        async with server.hub.db.write() as conn:
            await widget_conversation(
                conn, company.company_id, [f"old {word} text"], long_ago, dt.timedelta(minutes=1)
            )
            await conn.execute(update(repo.companies).values(retention_days=30))
        widget = await Widget.open(server.ws, company.widget_key)
        await widget.say(f"new {kept} text")
        await server.hub.db.forget()
        assert word.encode() in _file_bytes(sqlite_url)  # the control

        assert await purge_expired(server.hub.db) == {company.company_id: 1}
        after = _file_bytes(sqlite_url)
        assert word.encode() not in after
        assert kept.encode() in after  # the index still holds what stays


async def test_erasure_clears_the_persons_page_urls(database_url: str) -> None:
    """The erased contact's visits stay (they are counted) but lose their pages; other
    visitors' visits keep theirs."""
    page, other = "https://shop.example/" + _secret_word(), "https://shop.example/other"
    async with start_hub(make_settings(database_url)) as server, httpx.AsyncClient() as http:
        company = await server.company()
        for url in (page, other):
            widget = await Widget.open(server.ws, company.widget_key, page_url=url)
            said = await widget.say("hello")
            await widget.close()
            if url == page:
                conversation_id = said["conversation_id"]
        async with server.hub.db.read() as conn:
            row = await repo.conversation(conn, company.company_id, conversation_id)
        assert row is not None
        v = repo.visits
        async with server.hub.db.read() as conn:
            pages = (await conn.execute(select(v.c.page_url).order_by(v.c.page_url))).scalars()
            assert sorted(pages) == sorted([page, other])  # the control
        erased = await http.delete(
            f"{server.http}/api/contacts/{row.contact_id}",
            headers={"Authorization": f"Bearer {company.agent_token}"},
        )
        assert erased.status_code == 204
        async with server.hub.db.read() as conn:
            pages = (await conn.execute(select(v.c.page_url))).scalars().all()
        assert sorted(pages, key=str) == sorted([None, other], key=str)


async def test_migration_0015_drops_words_erased_before_it(sqlite_url: str) -> None:
    """A database whose index still holds words erased before the hub rewrote the index
    after erasures loses them when it is upgraded."""
    word = _secret_word()
    await upgrade(sqlite_url, "0013")
    path = sqlite_url.split("///", 1)[1]
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        # What 0011's insert and delete triggers do for a message written, then erased.
        row = (1, "company", f"an old {word} message")
        conn.execute("INSERT INTO messages_fts (rowid, company_id, text) VALUES (?, ?, ?)", row)
        conn.execute(
            "INSERT INTO messages_fts (messages_fts, rowid, company_id, text) "
            "VALUES ('delete', ?, ?, ?)",
            row,
        )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert word.encode() in _file_bytes(sqlite_url)  # the control

    await upgrade(sqlite_url)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert word.encode() not in _file_bytes(sqlite_url)
