"""Issue 19, part 6, without a browser: what the inbox's contact page and its anonymous
visitors read (the visitor's time zone, a contact with their past conversations, edited with
the data rights' PATCH) and the rating asked again of a visitor who comes back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import make_settings
from tests.support.clients import Agent, Widget
from tests.support.server import HubServer, start_hub


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    async with start_hub(make_settings(database_url)) as started:
        yield started


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_the_visitor_time_zone_reaches_the_inbox(server: HubServer) -> None:
    """The widget tells its time zone in `hello`; agents see it in `visitor.timezone`, from
    which the inbox shows the place and the local time. An unknown zone is not shown; a
    malformed one is refused (and the session is not opened)."""
    company = await server.company()
    agent = await Agent.open(server.ws, company.agent_token)
    visitor = await Widget.open(server.ws, company.widget_key, timezone="Europe/Madrid")
    said = await visitor.say("Hola")
    updated = await agent.expect("conversation.updated")
    assert updated["conversation"]["visitor"]["timezone"] == "Europe/Madrid"
    async with httpx.AsyncClient(base_url=server.http, headers=auth(company.agent_token)) as http:
        listed = (await http.get("/api/conversations")).json()["conversations"]
    assert [c["visitor"]["timezone"] for c in listed] == ["Europe/Madrid"]
    assert listed[0]["id"] == said["conversation_id"]

    unknown = await Widget.open(server.ws, company.widget_key, timezone="Mars/Olympus_Mons")
    await unknown.say("Hello from far away")
    updated = await agent.expect("conversation.updated")
    assert updated["conversation"]["visitor"]["timezone"] is None

    bad = await Widget.hello(server.ws, company.widget_key, timezone="<script>")
    error = await bad.expect("error")
    assert error["code"] == "bad_frame"
    for socket in (visitor, unknown, bad, agent):
        await socket.close()


async def test_a_contact_page_with_past_conversations_and_edit(server: HubServer) -> None:
    """`GET /api/contacts/{id}`: the contact (lead, time zone) and their conversations, newest
    first, as the inbox shows them; edited with `PATCH /api/contacts/{id}`."""
    company = await server.company()
    other = await server.company("Other")
    visitor = await Widget.open(server.ws, company.widget_key, timezone="America/Denver")
    first = await visitor.say("First question")
    contact_id = None
    async with httpx.AsyncClient(base_url=server.http, headers=auth(company.agent_token)) as http:
        conv = (await http.get(f"/api/conversations/{first['conversation_id']}")).json()
        contact_id = conv["contact"]["id"]
        page = await http.get(f"/api/contacts/{contact_id}")
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["contact"]["id"] == contact_id
        assert body["contact"]["timezone"] == "America/Denver"
        assert body["contact"]["name"] is None
        assert [c["id"] for c in body["conversations"]] == [first["conversation_id"]]
        assert body["conversations"][0]["last_message"]["text"] == "First question"

        edited = await http.patch(
            f"/api/contacts/{contact_id}", json={"name": "Dana Scully", "email": "dana@x.example"}
        )
        assert edited.status_code == 200, edited.text
        again = (await http.get(f"/api/contacts/{contact_id}")).json()
        assert (again["contact"]["name"], again["contact"]["email"]) == (
            "Dana Scully",
            "dana@x.example",
        )
        missing = await http.get("/api/contacts/0123456789abcdef0123456789abcdef")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    async with httpx.AsyncClient(base_url=server.http, headers=auth(other.agent_token)) as http:
        foreign = await http.get(f"/api/contacts/{contact_id}")
        assert foreign.status_code == 404
    await visitor.close()


async def test_the_widget_is_told_the_conversation_was_resolved(server: HubServer) -> None:
    """The widget never said the conversation was resolved: `conversation.resolved` live
    (with `rating.request` when a rating is wanted), `welcome.resolved` to a visitor who comes
    back later, with the question still pending while unrated."""
    company = await server.company()
    agent = await Agent.open(server.ws, company.agent_token)
    visitor = await Widget.open(server.ws, company.widget_key)
    said = await visitor.say("Is my order shipped?")
    cid = said["conversation_id"]
    assert visitor.welcome["resolved"] is False
    resolve = {"type": "conversation.status", "conversation_id": cid, "status": "resolved"}
    await agent.send(resolve)
    resolved = await visitor.expect("conversation.resolved")
    assert resolved == {"type": "conversation.resolved", "conversation_id": cid}
    await visitor.expect("rating.request")
    session = visitor.welcome["session_id"]
    await visitor.close()

    back = await Widget.open(server.ws, company.widget_key, session_id=session, last_seq=1)
    assert (back.welcome["resolved"], back.welcome["rating_pending"]) == (True, True)
    reopen = {"type": "conversation.status", "conversation_id": cid, "status": "open"}
    await agent.send(reopen)
    await back.expect("rating.withdrawn")
    await back.close()
    again = await Widget.open(server.ws, company.widget_key, session_id=session, last_seq=1)
    assert (again.welcome["resolved"], again.welcome["rating_pending"]) == (False, False)
    await again.close()
    await agent.close()
