"""A widget visitors trust, over real sockets and HTTP: the company's widget settings and
their delivery in `welcome`, verified signed-in users (HMAC of the user id), the pre-chat
profile on the contact, and agents' names on their replies."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from hub.connections.protocol import Close
from hub.persistence import repository as repo
from hub.persistence.tenancy import tenant
from hub.runtime.crypto import Vault
from hub.settings import Secret
from hub.workspace.companies import CreatedCompany, agent_token
from hub.workspace.widget_settings import WidgetSettingsService, rotate_widget_secrets
from tests.conftest import SECRET, make_settings
from tests.support.clients import Agent, Widget
from tests.support.server import HubServer, start_hub


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    """A hub on SQLite, then on PostgreSQL."""
    async with start_hub(make_settings(database_url)) as started:
        yield started


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign(secret: str, user_id: str) -> str:
    """What the company's server computes: the recipe in docs/protocol.md."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


async def new_secret(server: HubServer, company: CreatedCompany) -> str:
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        response = await http.post("/api/widget-settings/secret", headers=auth(company.agent_token))
    assert response.status_code == 201, response.text
    return str(response.json()["secret"])


async def member_token(server: HubServer, company: CreatedCompany) -> str:
    """A token for a plain agent (not an owner) of the company."""
    return await agent_token(
        server.hub.db, server.settings, company.company_id, "agent", "member@example.com"
    )


async def count(server: HubServer, table: Any, **where: Any) -> int:
    async with server.hub.db.read() as conn:
        return await repo.count_rows(conn, table, **where)


# -- settings ------------------------------------------------------------------------------


async def test_owners_set_the_widget_and_it_arrives_in_welcome(hub: HubServer) -> None:
    company = await hub.company("Acme Solar")
    before = await Widget.open(hub.ws, company.widget_key)
    assert before.welcome["config"] == {
        "name": "Acme Solar",
        "greeting": None,
        "color": "#1d4e89",
        "text_color": "#ffffff",
        "position": "right",
        "language": "auto",
        "pre_chat_form": False,
        "rating_enabled": True,
    }
    wanted = {
        "greeting": "¡Hola! ¿Te ayudamos?",
        "color": "#0A7D44",
        "text_color": "#fffff0",
        "position": "left",
        "language": "es",
        "pre_chat_form": True,
    }
    member = await member_token(hub, company)
    async with httpx.AsyncClient(base_url=hub.http, timeout=10) as http:
        defaults = await http.get("/api/widget-settings", headers=auth(member))
        assert defaults.status_code == 200
        assert defaults.json()["identity_verification"] is False
        refused = await http.put("/api/widget-settings", json=wanted, headers=auth(member))
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        for bad in ({"color": "green"}, {"position": "top"}, {"language": "fr"}):
            answer = await http.put(
                "/api/widget-settings", json={**wanted, **bad}, headers=auth(company.agent_token)
            )
            assert answer.status_code == 400, bad
            assert next(iter(bad)) in answer.json()["error"]["message"]
        stored = await http.put(
            "/api/widget-settings", json=wanted, headers=auth(company.agent_token)
        )
        assert stored.status_code == 200, stored.text
        assert stored.json() == {**wanted, "identity_verification": False, "rating_enabled": True}
    after = await Widget.open(hub.ws, company.widget_key)
    assert after.welcome["config"] == {"name": "Acme Solar", **wanted, "rating_enabled": True}
    other = await hub.company("Globex")  # another company's widget keeps its own
    assert (await Widget.open(hub.ws, other.widget_key)).welcome["config"]["position"] == "right"


async def test_the_secret_is_shown_once_and_stored_encrypted(hub: HubServer) -> None:
    company = await hub.company()
    member = await member_token(hub, company)
    async with httpx.AsyncClient(base_url=hub.http, timeout=10) as http:
        forbidden = await http.post("/api/widget-settings/secret", headers=auth(member))
        assert forbidden.status_code == 403
    secret = await new_secret(hub, company)
    assert secret.startswith("whs_") and len(secret) >= 40
    async with httpx.AsyncClient(base_url=hub.http, timeout=10) as http:
        shown = await http.get("/api/widget-settings", headers=auth(company.agent_token))
        exported = await http.get("/api/export", headers=auth(company.agent_token))
    assert shown.json()["identity_verification"] is True
    assert secret not in shown.text and secret not in exported.text
    async with hub.hub.db.read() as conn:
        stored = (await conn.execute(select(repo.widget_settings.c.secret))).scalar()
    assert stored is not None and secret not in stored  # Fernet ciphertext
    # rotated: a new secret, and hashes made with the old one stop verifying
    rotated = await new_secret(hub, company)
    assert rotated != secret
    old = await Widget.hello(hub.ws, company.widget_key, user_id="u1", user_hash=sign(secret, "u1"))
    assert (await old.expect("error"))["code"] == "identity_refused"
    new = await Widget.open(hub.ws, company.widget_key, user_id="u1", user_hash=sign(rotated, "u1"))
    assert new.welcome["user_id"] == "u1"


async def test_rotating_the_hub_key_keeps_widget_secrets_verifying(sqlite_url: str) -> None:
    async with start_hub(make_settings(sqlite_url)) as hub:
        company = await hub.company()
        secret = await new_secret(hub, company)
        db = hub.hub.db
        new_key = Secret("a-brand-new-hub-secret-key-42")
        assert await rotate_widget_secrets(db, Vault(new_key, (SECRET,))) == 1
        async with db.read() as conn:
            sealed = (await conn.execute(select(repo.widget_settings.c.secret))).scalar()
        under_new = WidgetSettingsService(db, Vault(new_key))
        assert under_new.verified(sealed, "u9", sign(secret, "u9"))
        assert not under_new.verified(sealed, "u9", sign(secret, "u8"))
        assert not WidgetSettingsService(db, Vault(SECRET)).verified(
            sealed, "u9", sign(secret, "u9")
        )


# -- verified users ------------------------------------------------------------------------


async def test_a_verified_user_sees_their_history_on_any_device(server: HubServer) -> None:
    company = await server.company()
    secret = await new_secret(server, company)
    agent = await Agent.open(server.ws, company.agent_token)
    laptop = await Widget.open(
        server.ws, company.widget_key, user_id="user-42", user_hash=sign(secret, "user-42")
    )
    assert laptop.welcome["user_id"] == "user-42"
    await laptop.say("asked on my laptop")
    await agent.reply(laptop.welcome["conversation_id"], "answered")
    await laptop.message("answered")

    # another device: no session of its own yet, the same signed-in user
    phone = await Widget.open(
        server.ws,
        company.widget_key,
        user_id="user-42",
        user_hash=sign(secret, "user-42").upper(),  # hex in any case
    )
    assert phone.welcome["session_id"] != laptop.welcome["session_id"]
    assert phone.welcome["conversation_id"] == laptop.welcome["conversation_id"]
    assert phone.welcome["last_seq"] == 2
    replay = [await phone.message() for _ in range(2)]
    assert [m["text"] for m in replay] == ["asked on my laptop", "answered"]
    # both devices are live on the one conversation
    await phone.say("and now from my phone")
    await laptop.message("and now from my phone")
    assert await count(server, repo.conversations, company_id=company.company_id) == 1
    assert await count(server, repo.contacts, company_id=company.company_id) == 1
    assert await count(server, repo.widget_users, company_id=company.company_id) == 1


async def test_a_wrong_hash_is_refused_and_never_links(server: HubServer) -> None:
    company = await server.company()
    before_secret = await Widget.hello(
        server.ws, company.widget_key, user_id="u1", user_hash=sign("guess", "u1")
    )
    refused = await before_secret.expect("error")
    assert refused["code"] == "identity_refused"
    assert "not set up" in refused["message"]
    assert await before_secret.closed() == Close.FORBIDDEN

    secret = await new_secret(server, company)
    cases = [
        {"user_id": "u1", "user_hash": sign(secret, "u2")},  # another user's hash
        {"user_id": "u1", "user_hash": sign("not-the-secret", "u1")},
        {"user_id": "u1"},  # no hash
        {"user_hash": sign(secret, "u1")},  # no id
    ]
    for fields in cases:
        widget = await Widget.hello(server.ws, company.widget_key, **fields)
        error = await widget.expect("error")
        assert error["code"] == "identity_refused", fields
        assert await widget.closed() == Close.FORBIDDEN, fields
        assert not [f for f in widget.seen if f["type"] == "welcome"], fields
    assert await count(server, repo.widget_users, company_id=company.company_id) == 0
    assert await count(server, repo.widget_sessions, company_id=company.company_id) == 0


async def test_a_non_ascii_hash_is_refused_like_any_wrong_one(server: HubServer) -> None:
    company = await server.company()
    secret = await new_secret(server, company)
    for claimed in ("é" * 64, sign(secret, "u1")[:-1] + "✓"):
        widget = await Widget.hello(server.ws, company.widget_key, user_id="u1", user_hash=claimed)
        error = await widget.expect("error")
        assert error["code"] == "identity_refused", claimed
        assert await widget.closed() == Close.FORBIDDEN, claimed
    assert await count(server, repo.widget_users, company_id=company.company_id) == 0
    assert await count(server, repo.widget_sessions, company_id=company.company_id) == 0


async def test_signing_in_keeps_what_was_said_and_signing_out_hides_it(server: HubServer) -> None:
    company = await server.company()
    secret = await new_secret(server, company)
    anonymous = await Widget.open(server.ws, company.widget_key)
    session_id = anonymous.welcome["session_id"]
    await anonymous.say("before signing in")
    await anonymous.close()

    # the same browser, now signed in: the conversation becomes the user's
    signed_in = await Widget.open(
        server.ws,
        company.widget_key,
        session_id=session_id,
        last_seq=1,
        user_id="u7",
        user_hash=sign(secret, "u7"),
    )
    assert signed_in.welcome["session_id"] == session_id
    assert signed_in.welcome["conversation_id"] == anonymous.welcome["conversation_id"]
    await signed_in.say("after signing in")
    await signed_in.close()

    # signed out in the same browser: a fresh session, none of the user's history
    signed_out = await Widget.open(server.ws, company.widget_key, session_id=session_id)
    assert signed_out.welcome["session_id"] != session_id
    assert signed_out.welcome["conversation_id"] != anonymous.welcome["conversation_id"]
    assert signed_out.welcome["last_seq"] == 0 and signed_out.welcome["user_id"] is None

    # another user with that browser's session: theirs, not u7's
    intruder = await Widget.open(
        server.ws,
        company.widget_key,
        session_id=session_id,
        user_id="u8",
        user_hash=sign(secret, "u8"),
    )
    assert intruder.welcome["conversation_id"] != anonymous.welcome["conversation_id"]
    assert intruder.welcome["last_seq"] == 0

    # u7 on a new device gets both messages
    elsewhere = await Widget.open(
        server.ws, company.widget_key, user_id="u7", user_hash=sign(secret, "u7")
    )
    assert elsewhere.welcome["conversation_id"] == anonymous.welcome["conversation_id"]
    replay = [await elsewhere.message() for _ in range(2)]
    assert [m["text"] for m in replay] == ["before signing in", "after signing in"]


async def test_erasing_a_verified_contact_unlinks_every_device(server: HubServer) -> None:
    company = await server.company()
    secret = await new_secret(server, company)
    fields = {"user_id": "gone", "user_hash": sign(secret, "gone")}
    first = await Widget.open(server.ws, company.widget_key, **fields)
    said = await first.say("erase me")
    second = await Widget.open(server.ws, company.widget_key, **fields)
    assert second.welcome["conversation_id"] == said["conversation_id"]
    async with server.hub.db.read() as conn:
        conv = await repo.conversation(conn, company.company_id, said["conversation_id"])
    assert conv is not None
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        erased = await http.delete(
            f"/api/contacts/{conv.contact_id}", headers=auth(company.agent_token)
        )
    assert erased.status_code == 204, erased.text
    assert await count(server, repo.widget_users, company_id=company.company_id) == 0
    assert await count(server, repo.widget_sessions, company_id=company.company_id) == 0
    again = await Widget.open(
        server.ws, company.widget_key, session_id=second.welcome["session_id"], **fields
    )
    assert again.welcome["conversation_id"] != said["conversation_id"]
    assert again.welcome["last_seq"] == 0


async def test_new_tables_are_walled_per_company(pg_url: str) -> None:
    async with start_hub(make_settings(pg_url)) as server:
        companies = [await server.company(name) for name in ("Acme", "Globex")]
        for company in companies:
            secret = await new_secret(server, company)
            await Widget.open(
                server.ws, company.widget_key, user_id="u", user_hash=sign(secret, "u")
            )
        db = server.hub.db
        for table in ("widget_settings", "widget_users"):
            for company in companies:
                with tenant(company.company_id):
                    async with db.read() as conn:
                        seen = await conn.execute(text(f"SELECT company_id FROM {table}"))
                        assert {row[0] for row in seen} == {company.company_id}, table


# -- the visitor's profile and the agent's name -------------------------------------------------


async def test_the_pre_chat_profile_goes_onto_the_contact(server: HubServer) -> None:
    company = await server.company()
    agent = await Agent.open(server.ws, company.agent_token)
    widget = await Widget.open(server.ws, company.widget_key)
    assert widget.welcome["contact"] == {"name": None, "email": None}
    await widget.send({"type": "profile", "name": "Ana", "email": "not-an-email"})
    assert (await widget.expect("error"))["code"] == "bad_frame"
    await widget.send({"type": "profile", "name": "Ana García", "email": "ana@example.com"})
    await widget.send({"type": "ping"})
    await widget.expect("pong")  # the profile was handled (frames are handled in order)
    await widget.close()

    # kept with the session until the first message creates the contact
    again = await Widget.open(
        server.ws, company.widget_key, session_id=widget.welcome["session_id"]
    )
    assert again.welcome["contact"] == {"name": "Ana García", "email": "ana@example.com"}
    await again.say("hola")
    created = await agent.expect("conversation.updated")
    contact = created["conversation"]["contact"]
    assert (contact["name"], contact["email"]) == ("Ana García", "ana@example.com")

    # once the contact exists, a change reaches it and the agents at once
    await again.send({"type": "profile", "name": "Ana G."})
    updated = await agent.expect("conversation.updated")
    assert updated["conversation"]["contact"]["name"] == "Ana G."
    assert updated["conversation"]["contact"]["email"] == "ana@example.com"
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        listed = await http.get("/api/conversations", headers=auth(company.agent_token))
    assert listed.json()["conversations"][0]["contact"]["name"] == "Ana G."


async def test_agent_replies_carry_the_agent_name(server: HubServer) -> None:
    company = await server.company()
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        invited = await http.post(
            "/api/agents",
            json={"email": "maria@example.com", "name": "María"},
            headers=auth(company.agent_token),
        )
        assert invited.status_code == 201, invited.text
        maria = invited.json()["agent_token"]
        widget = await Widget.open(server.ws, company.widget_key)
        said = await widget.say("hi")
        assert said["sender_name"] is None
        me = await http.get("/api/agents/me", headers=auth(company.agent_token))
        owner_name = me.json()["name"]  # never nameless: the CLI names the owner
        assert owner_name
        for token in (maria, company.agent_token):
            reply = await http.post(
                f"/api/conversations/{said['conversation_id']}/messages",
                json={"text": "hello from us"},
                headers=auth(token),
            )
            assert reply.status_code == 201, reply.text
        # the owner renames themselves: their next replies carry it, the earlier one does not
        renamed = await http.patch(
            "/api/agents/me", json={"name": "Olga"}, headers=auth(company.agent_token)
        )
        assert renamed.status_code == 200 and renamed.json()["name"] == "Olga", renamed.text
        empty = await http.patch("/api/agents/me", json={"name": ""}, headers=auth(maria))
        assert empty.status_code == 400
        again = await http.post(
            f"/api/conversations/{said['conversation_id']}/messages",
            json={"text": "hello from us"},
            headers=auth(company.agent_token),
        )
        assert again.status_code == 201, again.text
    live = [await widget.message("hello from us") for _ in range(3)]
    assert [m["sender_name"] for m in live] == ["María", owner_name, "Olga"]
    replayed = await Widget.open(
        server.ws, company.widget_key, session_id=widget.welcome["session_id"]
    )
    history = [await replayed.message() for _ in range(4)]
    assert [m["sender_name"] for m in history] == [None, "María", owner_name, "Olga"]
    async with server.hub.db.read() as conn:
        names = await conn.execute(
            select(func.count()).where(repo.messages.c.sender_name == "María")
        )
    assert names.scalar() == 1
