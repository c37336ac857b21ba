"""The widget socket over a real loopback connection: resume, idempotency, bad input."""

from __future__ import annotations

import contextlib
import json
import uuid

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from hub.connections.protocol import Close
from tests.support.clients import Agent, Client, Widget
from tests.support.server import HubServer


async def test_resume_replays_exactly_the_missed_messages(hub: HubServer) -> None:
    company = await hub.company()
    agent = await Agent.open(hub.ws, company.agent_token)
    widget = await Widget.open(hub.ws, company.widget_key)
    session_id = widget.welcome["session_id"]
    conversation_id = widget.welcome["conversation_id"]
    first = await widget.say("first")
    await agent.reply(conversation_id, "second")
    await widget.message("second")
    await widget.close()

    for text in ("missed 1", "missed 2", "missed 3"):
        await agent.reply(conversation_id, text)
        await agent.message(text)

    again = await Widget.open(hub.ws, company.widget_key, session_id=session_id, last_seq=2)
    assert again.welcome["conversation_id"] == conversation_id
    assert again.welcome["session_id"] == session_id
    replayed = [await again.message() for _ in range(3)]
    assert [m["seq"] for m in replayed] == [3, 4, 5]
    assert [m["text"] for m in replayed] == ["missed 1", "missed 2", "missed 3"]

    await agent.reply(conversation_id, "live")
    assert (await again.message())["text"] == "live"
    await again.send({"type": "ping"})
    await again.expect("pong")
    assert [m["seq"] for m in again.messages()] == [3, 4, 5, 6]  # nothing twice

    full = await Widget.open(hub.ws, company.widget_key, session_id=session_id, last_seq=0)
    history = [await full.message() for _ in range(6)]
    assert history[0] == first
    assert [m["seq"] for m in history] == [1, 2, 3, 4, 5, 6]


async def test_unknown_session_id_starts_a_new_conversation(hub: HubServer) -> None:
    company = await hub.company()
    one = await Widget.open(hub.ws, company.widget_key)
    await one.say("mine")
    other = await Widget.open(hub.ws, company.widget_key, session_id="guessed-" + uuid.uuid4().hex)
    assert other.welcome["session_id"] != one.welcome["session_id"]
    assert other.welcome["conversation_id"] != one.welcome["conversation_id"]
    await other.send({"type": "ping"})
    await other.expect("pong")
    assert other.messages() == []


async def test_resent_client_id_makes_no_second_message(hub: HubServer) -> None:
    company = await hub.company()
    agent = await Agent.open(hub.ws, company.agent_token)
    widget = await Widget.open(hub.ws, company.widget_key)
    original = await widget.say("hello once", client_id="c-1")
    await agent.message("hello once")
    again = await widget.say("hello once (resent)", client_id="c-1")
    assert again == original
    await widget.say("next", client_id="c-2")
    seen = await agent.message("next")
    assert seen["seq"] == 2
    assert [m["text"] for m in agent.messages()] == ["hello once", "next"]


async def test_bad_frames_get_errors_and_the_socket_stays_open(hub: HubServer) -> None:
    company = await hub.company()
    widget = await Widget.open(hub.ws, company.widget_key)
    cases = [
        ("not json", "bad_frame"),
        (json.dumps({"type": "teleport"}), "bad_frame"),
        (json.dumps({"no": "type"}), "bad_frame"),
        (json.dumps({"type": "message.send", "text": "no client id"}), "bad_frame"),
        (json.dumps({"type": "message.send", "client_id": "x", "text": ""}), "bad_frame"),
        (json.dumps({"type": "message.send", "client_id": "x", "text": "y" * 4001}), "too_long"),
        (json.dumps({"type": "typing", "active": "maybe"}), "bad_frame"),
        (json.dumps([1, 2]), "bad_frame"),
    ]
    for raw, code in cases:
        await widget.send(raw)
        error = await widget.expect("error")
        assert error["code"] == code, raw[:40]
        assert error["message"]
    ok = await widget.say("y" * 4000)
    assert ok["seq"] == 1  # none of the bad frames stored anything
    async with hub.hub.db.read() as conn:
        from hub.persistence import repository as repo

        assert await repo.count_rows(conn, repo.messages) == 1


async def test_a_frame_over_64_kib_closes_with_1009(hub: HubServer) -> None:
    company = await hub.company()
    widget = await Widget.open(hub.ws, company.widget_key)
    await widget.send(json.dumps({"type": "message.send", "client_id": "x", "text": "z" * 70_000}))
    assert await widget.closed() == Close.TOO_BIG


async def test_unknown_widget_key_closes_4401(hub: HubServer) -> None:
    async with connect(f"{hub.ws}/ws/widget?key=wk_nope") as ws:
        assert await Client(ws).closed() == Close.UNAUTHORIZED
    async with connect(f"{hub.ws}/ws/widget") as ws:
        assert await Client(ws).closed() == Close.UNAUTHORIZED


async def test_no_hello_within_the_timeout_closes_4408(hub: HubServer) -> None:
    company = await hub.company()
    async with connect(f"{hub.ws}/ws/widget?key={company.widget_key}") as ws:
        client = Client(ws)
        await client.send({"type": "ping"})  # anything but hello is refused
        error = await client.expect("error")
        assert error["code"] == "bad_frame"
        assert await client.closed(timeout=5) == Close.HANDSHAKE_TIMEOUT


async def test_flooding_is_rate_limited_then_closed(hub: HubServer) -> None:
    company = await hub.company()
    widget = await Widget.open(hub.ws, company.widget_key)
    with contextlib.suppress(ConnectionClosed):
        for _ in range(300):
            await widget.send({"type": "ping"})
    assert await widget.closed() == Close.POLICY
    types = [frame["type"] for frame in widget.seen]
    assert 30 <= types.count("pong") <= 60  # the burst, then nothing
    errors = [frame for frame in widget.seen if frame["type"] == "error"]
    assert [e["code"] for e in errors] == ["rate_limited"]


async def test_origin_outside_allowed_origins_closes_4403(hub: HubServer) -> None:
    company = await hub.company()
    from hub.persistence import repository as repo

    async with hub.hub.db.write() as conn:
        await conn.execute(
            repo.companies.update()
            .where(repo.companies.c.id == company.company_id)
            .values(allowed_origins=["https://shop.example"])
        )
    bad = {"Origin": "https://evil.example"}
    async with connect(
        f"{hub.ws}/ws/widget?key={company.widget_key}", additional_headers=bad
    ) as ws:
        assert await Client(ws).closed() == Close.FORBIDDEN
    good = {"Origin": "https://shop.example"}
    widget = await Widget.open(hub.ws, company.widget_key, headers=good)
    assert widget.welcome["conversation_id"]
