"""The agent socket: auth, live events, takeover, typing, and walls between companies."""

from __future__ import annotations

import asyncio

import httpx
from websockets.asyncio.client import connect

from hub.connections.protocol import Close
from hub.identity.tokens import AgentIdentity, issue_token
from tests.conftest import SECRET
from tests.support.clients import Agent, Client, Widget
from tests.support.server import HubServer


async def test_bad_or_expired_token_closes_4401(hub: HubServer) -> None:
    company = await hub.company()
    identity = AgentIdentity("nobody", company.company_id, "agent")
    expired = issue_token(SECRET, identity, ttl_days=-1)
    for token in ("garbage", expired, company.agent_token + "x"):
        async with connect(f"{hub.ws}/ws/agent") as ws:
            client = Client(ws)
            await client.send({"type": "auth", "token": token})
            assert await client.closed() == Close.UNAUTHORIZED


async def test_no_auth_within_the_timeout_closes_4408(hub: HubServer) -> None:
    async with connect(f"{hub.ws}/ws/agent") as ws:
        assert await Client(ws).closed(timeout=5) == Close.HANDSHAKE_TIMEOUT


async def test_a_new_conversation_is_shown_as_the_inbox_stores_it(hub: HubServer) -> None:
    """The first message's conversation.updated is built from the rows just written; it must
    match what the inbox reads back from the database, field for field."""
    company = await hub.company()
    agent = await Agent.open(hub.ws, company.agent_token)
    chrome = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/120.0 Safari/537.36"
    headers = {"Origin": "https://shop.example", "User-Agent": chrome}
    widget = await Widget.open(hub.ws, company.widget_key, headers=headers)
    await widget.say("first words")
    shown = (await agent.expect("conversation.updated"))["conversation"]
    async with httpx.AsyncClient() as http:
        listed = await http.get(
            hub.http + "/api/conversations",
            headers={"Authorization": f"Bearer {company.agent_token}"},
        )
    [stored] = listed.json()["conversations"]
    assert shown == stored
    assert shown["visitor"]["browser"] and shown["visitor"]["page_url"] == "https://shop.example"
    assert shown["last_message"]["text"] == "first words" and shown["last_seq"] == 1
    await widget.close()
    await agent.close()


async def test_takeover_release_and_typing(hub: HubServer) -> None:
    company = await hub.company()
    agent = await Agent.open(hub.ws, company.agent_token)
    widget = await Widget.open(hub.ws, company.widget_key)
    conversation_id = widget.welcome["conversation_id"]
    await widget.say("anyone there?")
    created = await agent.expect("conversation.updated")
    assert created["conversation"]["id"] == conversation_id
    assert created["conversation"]["handled_by"] == "ai"

    await agent.send({"type": "conversation.takeover", "conversation_id": conversation_id})
    taken = await agent.expect("conversation.updated")
    assert taken["conversation"]["handled_by"] == "human"
    await agent.send({"type": "conversation.release", "conversation_id": conversation_id})
    released = await agent.expect("conversation.updated")
    assert released["conversation"]["handled_by"] == "ai"
    assert released["conversation"]["needs_human"] is False

    await agent.send({"type": "typing", "conversation_id": conversation_id, "active": True})
    typing = await widget.expect("typing")
    assert typing == {
        "type": "typing",
        "conversation_id": conversation_id,
        "sender": "agent",
        "active": True,
    }
    await widget.send({"type": "typing", "active": True})
    seen = await agent.expect("typing", sender="visitor")
    assert seen["conversation_id"] == conversation_id


async def test_no_event_of_one_company_reaches_another(hub: HubServer) -> None:
    acme, globex = await hub.company("Acme"), await hub.company("Globex")
    acme_agent = await Agent.open(hub.ws, acme.agent_token)
    globex_agent = await Agent.open(hub.ws, globex.agent_token)
    acme_widget = await Widget.open(hub.ws, acme.widget_key)
    globex_widget = await Widget.open(hub.ws, globex.widget_key)
    acme_conversation = acme_widget.welcome["conversation_id"]

    await acme_widget.say("acme secret")
    await acme_agent.message("acme secret")
    await acme_widget.send({"type": "engage"})
    await acme_agent.expect("stats.updated", engaged_visits=1)

    # Globex's agent naming Acme's conversation: not_found, and nothing is stored.
    await globex_agent.reply(acme_conversation, "hijack")
    error = await globex_agent.expect("error")
    assert error["code"] == "not_found"
    for frame in ("conversation.takeover", "conversation.release"):
        await globex_agent.send({"type": frame, "conversation_id": acme_conversation})
        assert (await globex_agent.expect("error"))["code"] == "not_found"
    await globex_agent.send({"type": "typing", "conversation_id": acme_conversation, "active": 1})
    assert (await globex_agent.expect("error"))["code"] == "not_found"

    async with httpx.AsyncClient(base_url=hub.http) as http:
        auth = {"Authorization": f"Bearer {globex.agent_token}"}
        url = f"/api/conversations/{acme_conversation}/messages"
        assert (await http.get(url, headers=auth)).status_code == 404
        posted = await http.post(url, headers=auth, json={"text": "hijack", "client_id": "h"})
        assert posted.status_code == 404
        assert posted.json()["error"]["code"] == "not_found"
        assert (await http.get("/api/conversations", headers=auth)).json()["conversations"] == []

    # Globex's own traffic still flows; then prove Globex's agent saw nothing of Acme.
    await globex_widget.say("globex hello")
    await globex_agent.message("globex hello")
    await globex_agent.send({"type": "ping"})
    await globex_agent.expect("pong")
    leaked = [f for f in globex_agent.seen if "acme" in str(f) or acme_conversation in str(f)]
    assert leaked == []
    assert [m["text"] for m in acme_widget.messages()] == ["acme secret"]


async def test_visits_and_engaged_visits_are_counted_once(hub: HubServer) -> None:
    company = await hub.company()
    agent = await Agent.open(hub.ws, company.agent_token)
    widget = await Widget.open(hub.ws, company.widget_key, visit_id="visit-1")
    stats = await agent.expect("stats.updated")
    assert (stats["visits"], stats["engaged_visits"]) == (1, 0)
    session_id = widget.welcome["session_id"]
    await widget.close()
    # The same page view reconnecting is the same visit.
    again = await Widget.open(hub.ws, company.widget_key, session_id=session_id, visit_id="visit-1")
    await again.send({"type": "engage"})
    engaged = await agent.expect("stats.updated")
    assert (engaged["visits"], engaged["engaged_visits"]) == (1, 1)
    await again.send({"type": "engage"})
    await again.say("a message engages too, but this visit already counted")
    # Reloads (new page views of the session, within the visit window) continue the visit.
    for page in ("v-2", "v-3"):
        reload = await Widget.open(hub.ws, company.widget_key, session_id=session_id, visit_id=page)
        await reload.say(f"hello from {page}")
    other = await Widget.open(hub.ws, company.widget_key, visit_id="someone-else")
    await other.say("another visitor")
    after = await agent.expect("stats.updated", engaged_visits=2)
    assert after["visits"] == 2
    stats_frames = [f for f in agent.seen if f["type"] == "stats.updated"]
    assert [(f["visits"], f["engaged_visits"]) for f in stats_frames] == [
        (0, 0),  # today's counters when the agent connected
        (1, 0),
        (1, 1),
        (2, 1),
        (2, 2),
    ]
    assert stats_frames[-1]["day"] == engaged["day"]
    later = await Agent.open(hub.ws, company.agent_token)
    assert (later.today["visits"], later.today["engaged_visits"]) == (2, 2)


async def test_http_reply_is_idempotent_and_live(hub: HubServer) -> None:
    company = await hub.company()
    agent = await Agent.open(hub.ws, company.agent_token)
    widget = await Widget.open(hub.ws, company.widget_key)
    conversation_id = widget.welcome["conversation_id"]
    await widget.say("hi")
    async with httpx.AsyncClient(base_url=hub.http) as http:
        auth = {"Authorization": f"Bearer {company.agent_token}"}
        url = f"/api/conversations/{conversation_id}/messages"
        body = {"text": "hello from the API", "client_id": "api-1"}
        first, second = await asyncio.gather(
            http.post(url, headers=auth, json=body), http.post(url, headers=auth, json=body)
        )
        assert sorted([first.status_code, second.status_code]) == [200, 201]
        assert first.json()["message"] == second.json()["message"]
        assert (await http.post(url, headers=auth, json={"text": ""})).status_code == 400
        assert (await http.post(url, json=body)).status_code == 401
        after = await http.get(url + "?after_seq=1", headers=auth)
        assert [m["text"] for m in after.json()["messages"]] == ["hello from the API"]
    assert (await widget.message("hello from the API"))["seq"] == 2
    assert (await agent.message("hello from the API"))["sender"] == "agent"


async def test_revoking_an_agent_ends_their_sockets_and_tokens(hub: HubServer) -> None:
    from hub.workspace.companies import agent_token

    company = await hub.company()
    token = await agent_token(hub.hub.db, hub.settings, company.company_id, "agent", "a@x.example")
    agent = await Agent.open(hub.ws, token)
    owner = await Agent.open(hub.ws, company.agent_token)
    owner_auth = {"Authorization": f"Bearer {company.agent_token}"}
    async with httpx.AsyncClient(base_url=hub.http) as http:
        listed = (await http.get("/api/agents", headers=owner_auth)).json()["agents"]
        member = next(a for a in listed if a["email"] == "a@x.example")
        assert member["revoked"] is False and member["last_sign_in_at"] is not None
        agent_auth = {"Authorization": f"Bearer {token}"}
        assert (await http.get("/api/agents", headers=agent_auth)).status_code == 403
        gone = await http.delete(f"/api/agents/{member['id']}", headers=owner_auth)
        assert gone.status_code == 204
        assert await agent.closed() == Close.UNAUTHORIZED
        assert (await http.get("/api/conversations", headers=agent_auth)).status_code == 401
        other = await hub.company("Globex")
        cross = {"Authorization": f"Bearer {other.agent_token}"}
        assert (await http.delete(f"/api/agents/{member['id']}", headers=cross)).status_code == 404
    await owner.send({"type": "ping"})
    await owner.expect("pong")  # the owner's socket is untouched
    assert all(f["type"] != "agent.revoked" for f in owner.seen)
