"""Two real `hub serve` processes sharing one PostgreSQL database and one Redis server.

A visitor on one process and an agent on the other talk live; a visitor who comes back on
the other process resumes by seq; concurrent writers on both processes share one gapless
seq per conversation.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import SECRET
from tests.support.clients import Agent, Client, Widget
from tests.support.processes import HubProcess, hub_processes, make_company, settle

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

WAIT = 10.0


@pytest.fixture
async def hubs(pg_url: str, redis_url: str) -> AsyncIterator[list[HubProcess]]:
    async with hub_processes(
        2, database_url=pg_url, redis_url=redis_url, secret_key=SECRET.reveal()
    ) as processes:
        yield processes
    for process in processes:
        assert process.log_errors() == [], process.output()


async def messages_until(client: Client, seq: int) -> list[dict[str, Any]]:
    """Read `message.created` frames until one with `seq` (or later) arrives."""
    got: list[dict[str, Any]] = []
    async with asyncio.timeout(WAIT):
        while not got or got[-1]["seq"] < seq:
            got.append(await client.message(timeout=WAIT))
    return got


def seqs(messages: list[dict[str, Any]]) -> list[int]:
    return [m["seq"] for m in messages]


def errors(client: Client) -> list[dict[str, Any]]:
    return [frame for frame in client.seen if frame["type"] == "error"]


async def test_visitor_and_agent_on_different_processes(hubs: list[HubProcess]) -> None:
    a, b = hubs
    company = await make_company(a)
    agent = await Agent.open(b.ws, company.agent_token)
    widget = await Widget.open(a.ws, company.widget_key)
    conversation_id = widget.welcome["conversation_id"]
    session_id = widget.welcome["session_id"]

    # visitor (A) -> agent (B), live over Redis
    first = await widget.say("Hello from process A")
    assert first["seq"] == 1
    assert await agent.message("Hello from process A", timeout=WAIT) == first

    # agent (B) -> visitor (A), live over Redis
    await agent.reply(conversation_id, "Hello from process B")
    reply = await widget.message("Hello from process B", timeout=WAIT)
    assert reply["seq"] == 2 and reply["sender"] == "agent"
    assert (await agent.message("Hello from process B", timeout=WAIT))["id"] == reply["id"]

    # The visitor leaves holding seq 2; the agent writes twice while it is away.
    last_seq = max(seqs(widget.messages()))
    assert last_seq == 2
    await widget.close()
    await agent.reply(conversation_id, "Missed one")
    await agent.reply(conversation_id, "Missed two")
    await agent.message("Missed two", timeout=WAIT)

    # It comes back on process B (the agent's) and gets exactly what it missed, in order.
    back = await Widget.open(b.ws, company.widget_key, session_id=session_id, last_seq=last_seq)
    assert back.welcome["conversation_id"] == conversation_id
    assert back.welcome["session_id"] == session_id
    missed = [await back.message(timeout=WAIT), await back.message(timeout=WAIT)]
    assert [(m["seq"], m["text"]) for m in missed] == [(3, "Missed one"), (4, "Missed two")]

    # Live afterwards, from both processes: an agent on A too, and the visitor writing on B.
    other_agent = await Agent.open(a.ws, company.agent_token)
    await other_agent.reply(conversation_id, "Live from A")
    assert (await back.message("Live from A", timeout=WAIT))["seq"] == 5
    said = await back.say("Visitor again, now on B")
    assert said["seq"] == 6
    assert (await other_agent.message("Visitor again, now on B", timeout=WAIT))["id"] == said["id"]
    assert (await agent.message("Visitor again, now on B", timeout=WAIT))["id"] == said["id"]

    await settle(back)
    assert seqs(back.messages()) == [3, 4, 5, 6]  # nothing replayed twice, nothing skipped
    await settle(agent)
    assert seqs(agent.messages()) == [1, 2, 3, 4, 5, 6]
    for client in (back, agent, other_agent):
        await client.close()


async def test_concurrent_writers_on_two_processes_share_one_seq(
    hubs: list[HubProcess],
) -> None:
    a, b = hubs
    company = await make_company(a)
    agent = await Agent.open(b.ws, company.agent_token)
    widget = await Widget.open(a.ws, company.widget_key)
    conversation_id = widget.welcome["conversation_id"]
    await widget.say("opening line")  # creates the conversation
    await agent.message("opening line", timeout=WAIT)

    burst = 20  # within the per-socket burst allowance
    http_each = 8
    sent: set[str] = set()

    async def visitor_burst() -> None:
        for i in range(burst):
            cid = f"v-{i}-{uuid.uuid4().hex[:6]}"
            sent.add(cid)
            await widget.send({"type": "message.send", "client_id": cid, "text": f"v{i}"})

    async def agent_burst() -> None:
        for i in range(burst):
            cid = f"a-{i}-{uuid.uuid4().hex[:6]}"
            sent.add(cid)
            await agent.reply(conversation_id, f"a{i}", client_id=cid)

    async def http_burst(process: HubProcess) -> None:
        auth = {"Authorization": f"Bearer {company.agent_token}"}
        url = f"/api/conversations/{conversation_id}/messages"
        async with httpx.AsyncClient(base_url=process.http, timeout=WAIT) as http:

            async def post(i: int) -> None:
                cid = f"h-{process.name}-{i}"
                sent.add(cid)
                response = await http.post(url, headers=auth, json={"text": "h", "client_id": cid})
                assert response.status_code == 201, response.text

            await asyncio.gather(*(post(i) for i in range(http_each)))

    async with asyncio.timeout(WAIT):
        await asyncio.gather(visitor_burst(), agent_burst(), http_burst(a), http_burst(b))
    total = 1 + 2 * burst + 2 * http_each

    # Both clients see every message exactly once, in seq order, whichever process wrote it.
    for client in (widget, agent):
        await messages_until(client, total)
        await settle(client)
        assert errors(client) == []
        assert seqs(client.messages()) == list(range(1, total + 1))

    # The database agrees, read through either process.
    for process in hubs:
        async with httpx.AsyncClient(base_url=process.http, timeout=WAIT) as http:
            response = await http.get(
                f"/api/conversations/{conversation_id}/messages",
                headers={"Authorization": f"Bearer {company.agent_token}"},
            )
        stored = response.json()["messages"]
        assert seqs(stored) == list(range(1, total + 1))
        assert len({m["id"] for m in stored}) == total
        assert {m["client_id"] for m in stored[1:]} == sent
    await widget.close()
    await agent.close()


async def test_resolving_and_presence_are_live_across_processes(hubs: list[HubProcess]) -> None:
    """Presence is kept in the database and announced over Redis: an agent on one process
    sees an agent of the other come, stay while a socket remains anywhere, and go; a
    resolve on one process shows on the other, and so does the reopening."""
    a, b = hubs
    company = await make_company(a)
    async with httpx.AsyncClient(base_url=a.http, timeout=WAIT) as http:
        invited = await http.post(
            "/api/agents",
            json={"email": "sam@acme.example", "name": "Sam"},
            headers={"Authorization": f"Bearer {company.agent_token}"},
        )
    assert invited.status_code == 201, invited.text
    member_id, member_token = invited.json()["agent"]["id"], invited.json()["agent_token"]
    owner = await Agent.open(a.ws, company.agent_token)
    owner_id = owner.welcome["agent_id"]

    member = await Agent.open(b.ws, member_token)
    await owner.expect("presence.updated", WAIT, agent_id=member_id, status="online")
    listed = (await member.expect("presence.snapshot", WAIT))["agents"]
    assert {x["id"]: x["status"] for x in listed} == {owner_id: "online", member_id: "online"}

    widget = await Widget.open(a.ws, company.widget_key)
    conversation_id = (await widget.say("Hello from process A"))["conversation_id"]
    await member.message("Hello from process A", timeout=WAIT)
    await owner.send(
        {"type": "conversation.status", "conversation_id": conversation_id, "status": "resolved"}
    )
    while True:
        seen = (await member.expect("conversation.updated", WAIT))["conversation"]
        if seen["inbox_status"] == "resolved":
            break
    assert seen["status"] == "closed"
    while (await member.expect("inbox.counts", WAIT))["all"]["resolved"] != 1:
        pass
    await widget.say("Back again")
    while (await member.expect("conversation.updated", WAIT))["conversation"][
        "inbox_status"
    ] != "open":
        pass

    # A second tab on process A, then the tab on B closes: still online, from A's row.
    tab = await Agent.open(a.ws, member_token)
    opened = await owner.expect("presence.updated", WAIT, agent_id=member_id)
    await member.close()
    after_b = await owner.expect("presence.updated", WAIT, agent_id=member_id)
    assert after_b["version"] > opened["version"] and after_b["status"] == "online"
    await tab.close()
    await owner.expect("presence.updated", WAIT, agent_id=member_id, status="offline")
    assert errors(owner) == []
