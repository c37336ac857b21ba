"""WhatsApp through Kapso: signed (and batched) webhooks in, replies out, the 24-hour window."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.persistence import repository as repo
from tests.channel_support import KAPSO_SECRET, PHONE_NUMBER_ID, ChannelHub, channel_hub
from tests.fakes.webhooks import (
    KAPSO_STATUS_EVENTS,
    kapso_batch,
    kapso_message_received,
    kapso_raw,
    kapso_status_event,
    new_wamid,
    post_kapso,
)
from tests.support.clients import Agent

RECEIVED = "whatsapp.message.received"


@pytest.fixture
async def ch(sqlite_url: str) -> AsyncIterator[ChannelHub]:
    async with channel_hub(sqlite_url) as hub:
        yield hub


async def deliver(ch: ChannelHub, body: dict[str, Any], **kw: Any) -> int:
    event = kw.pop("event", RECEIVED)
    response = await post_kapso(
        ch.http, ch.url("/webhooks/kapso"), KAPSO_SECRET, body, event=event, **kw
    )
    return response.status_code


async def test_whatsapp_in_and_out_with_status_events(ch: ChannelHub) -> None:
    agent = await Agent.open(ch.server.ws, ch.company.agent_token)
    body = kapso_message_received(
        PHONE_NUMBER_ID, "15551230001", "Hola!", contact_name="Ana", kapso_conversation_id="kc-1"
    )
    assert await deliver(ch, body, prefix="sha256=") == 200
    inbound = await agent.message("Hola!")
    assert (inbound["channel"], inbound["type"]) == ("whatsapp", "text")
    conversation = (await agent.expect("conversation.updated"))["conversation"]
    assert conversation["contact"] == {
        "id": conversation["contact"]["id"],
        "name": "Ana",
        "phone": "+15551230001",
        "email": None,
        "lead": None,
    }
    await agent.reply(inbound["conversation_id"], "Hello Ana")
    sent = (await ch.kapso.wait_for_messages(1))[0]
    assert sent["to"] == "+15551230001" and sent["text"]["body"] == "Hello Ana"
    assert sent["phone_number_id"] == PHONE_NUMBER_ID
    assert (await agent.expect("message.updated"))["message"]["status"] == "sent"
    for status in ("delivered", "read"):
        event = kapso_status_event(PHONE_NUMBER_ID, sent["wamid"], status)
        assert await deliver(ch, event, event=KAPSO_STATUS_EVENTS[status]) == 200
        assert (await agent.expect("message.updated"))["message"]["status"] == status


async def test_batched_delivery_and_redelivery_store_each_message_once(ch: ChannelHub) -> None:
    agent = await Agent.open(ch.server.ws, ch.company.agent_token)
    events = [
        kapso_message_received(PHONE_NUMBER_ID, "15551230001", f"part {i}", wamid=new_wamid())
        for i in range(3)
    ]
    batch = kapso_batch(events, RECEIVED)
    assert await deliver(ch, batch, batch=True) == 200
    assert await deliver(ch, batch, batch=True) == 200  # Kapso retries a whole batch
    assert await deliver(ch, events[1]) == 200
    texts = [(await agent.message())["text"] for _ in range(3)]
    assert texts == ["part 0", "part 1", "part 2"]
    async with ch.server.hub.db.read() as conn:
        assert await repo.count_rows(conn, repo.messages) == 3
        assert await repo.count_rows(conn, repo.conversations) == 1


async def test_bad_signature_and_unknown_number_store_nothing(ch: ChannelHub) -> None:
    body = kapso_message_received(PHONE_NUMBER_ID, "15551230001", "sneaky")
    assert await deliver(ch, body, signature="0" * 64) == 403
    assert await deliver(ch, body, signature="") == 403
    other = kapso_message_received("999", "15551230001", "who?")
    assert await deliver(ch, other) == 404
    async with ch.server.hub.db.read() as conn:
        assert await repo.count_rows(conn, repo.messages) == 0


async def test_a_non_ascii_signature_is_a_403_and_stores_nothing(ch: ChannelHub) -> None:
    raw = kapso_raw(kapso_message_received(PHONE_NUMBER_ID, "15551230001", "sneaky"))
    for signature in ("é" * 64, "sha256=" + "0" * 63 + "✓"):
        response = await ch.http.post(
            ch.url("/webhooks/kapso"),
            content=raw,
            headers={
                "Content-Type": "application/json",
                "X-Webhook-Event": RECEIVED,
                "X-Webhook-Signature": signature.encode("utf-8"),  # raw bytes on the wire
            },
        )
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "bad_signature"
    async with ch.server.hub.db.read() as conn:
        assert await repo.count_rows(conn, repo.messages) == 0


async def test_the_24_hour_window(ch: ChannelHub) -> None:
    agent = await Agent.open(ch.server.ws, ch.company.agent_token)
    await deliver(ch, kapso_message_received(PHONE_NUMBER_ID, "15551230001", "hi"))
    conversation_id = (await agent.message("hi"))["conversation_id"]
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
    async with ch.server.hub.db.write() as conn:
        await conn.execute(
            repo.conversations.update()
            .where(repo.conversations.c.id == conversation_id)
            .values(last_inbound_at=stale)
        )
    await agent.reply(conversation_id, "too late")
    assert (await agent.expect("error"))["code"] == "window_closed"
    assert ch.kapso.request_count == 0
    await deliver(ch, kapso_message_received(PHONE_NUMBER_ID, "15551230001", "back again"))
    await agent.message("back again")
    await agent.reply(conversation_id, "just in time")
    assert (await ch.kapso.wait_for_messages(1))[0]["text"]["body"] == "just in time"


async def test_media_is_kept_as_attachments(ch: ChannelHub) -> None:
    agent = await Agent.open(ch.server.ws, ch.company.agent_token)
    media = {
        "id": "media-1",
        "mime_type": "image/jpeg",
        "caption": "my roof",
        "url": "https://files.example/roof.jpg",
        "byte_size": 2048,
        "filename": "roof.jpg",
    }
    body = kapso_message_received(PHONE_NUMBER_ID, "15551230001", "", type_="image", media=media)
    assert await deliver(ch, body) == 200
    message = await agent.message()
    assert (message["type"], message["text"]) == ("image", "my roof")
    assert message["attachments"] == [
        {
            "url": "https://files.example/roof.jpg",
            "content_type": "image/jpeg",
            "size": 2048,
            "filename": "roof.jpg",
        }
    ]
