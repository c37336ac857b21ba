"""SMS through Twilio: signed webhooks in, agent replies out through the real SDK."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from hub.persistence import repository as repo
from tests.channel_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CUSTOMER,
    TWILIO_NUMBER,
    ChannelHub,
    channel_hub,
)
from tests.fakes.webhooks import inbound_sms_params, post_twilio, twilio_form, twilio_sid
from tests.support.clients import Agent


@pytest.fixture
async def ch(sqlite_url: str) -> AsyncIterator[ChannelHub]:
    async with channel_hub(sqlite_url) as hub:
        yield hub


async def text_in(ch: ChannelHub, body: str, sid: str | None = None, **kw: object) -> int:
    params = inbound_sms_params(ACCOUNT_SID, CUSTOMER, TWILIO_NUMBER, body, message_sid=sid)
    response = await post_twilio(ch.http, ch.url("/webhooks/twilio/sms"), AUTH_TOKEN, params, **kw)  # type: ignore[arg-type]
    return response.status_code


async def count_messages(ch: ChannelHub) -> int:
    async with ch.server.hub.db.read() as conn:
        return await repo.count_rows(conn, repo.messages)


async def test_inbound_sms_reaches_the_inbox_and_the_reply_goes_out(ch: ChannelHub) -> None:
    agent = await Agent.open(ch.server.ws, ch.company.agent_token)
    params = inbound_sms_params(ACCOUNT_SID, "+1 (555) 123-0001", TWILIO_NUMBER, "Quote please")
    response = await post_twilio(ch.http, ch.url("/webhooks/twilio/sms"), AUTH_TOKEN, params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert "<Response" in response.text
    inbound = await agent.message("Quote please")
    assert (inbound["channel"], inbound["sender"], inbound["status"]) == (
        "sms",
        "contact",
        "received",
    )
    conversation = (await agent.expect("conversation.updated"))["conversation"]
    assert conversation["contact"]["phone"] == CUSTOMER

    await agent.reply(inbound["conversation_id"], "It is $4,000 installed.")
    queued = await agent.message("It is $4,000 installed.")
    assert (queued["status"], queued["channel"]) == ("queued", "sms")
    sent = await ch.twilio.wait_for_messages(1)
    assert (sent[0]["To"], sent[0]["From"], sent[0]["Body"]) == (
        CUSTOMER,
        TWILIO_NUMBER,
        "It is $4,000 installed.",
    )
    assert sent[0]["StatusCallback"] == ch.url("/webhooks/twilio/status")
    updated = await agent.expect("message.updated")
    assert updated["message"]["id"] == queued["id"] and updated["message"]["status"] == "sent"

    # Status callbacks move it forward, never back.
    assert (
        await ch.twilio.send_status_callback(ch.http, sent[0]["sid"], "delivered")
    ).status_code == 200
    delivered = await agent.expect("message.updated")
    assert delivered["message"]["status"] == "delivered"
    await ch.twilio.send_status_callback(ch.http, sent[0]["sid"], "sent")
    await agent.send({"type": "ping"})
    await agent.expect("pong")
    history = (
        await ch.http.get(
            ch.url(f"/api/conversations/{inbound['conversation_id']}/messages"), headers=ch.auth
        )
    ).json()["messages"]
    assert [m["status"] for m in history] == ["received", "delivered"]


async def test_a_retry_stores_nothing_new_even_concurrently(ch: ChannelHub) -> None:
    sid = twilio_sid("SM")
    codes = await asyncio.gather(*(text_in(ch, "hello", sid) for _ in range(5)))
    assert codes == [200] * 5
    assert await text_in(ch, "hello", sid) == 200
    assert await count_messages(ch) == 1


async def test_bad_missing_signature_and_unknown_number(ch: ChannelHub) -> None:
    assert await text_in(ch, "forged", signature="bm90IGEgc2lnbmF0dXJl") == 403
    assert (
        await text_in(ch, "wrong url", sign_url="http://elsewhere.example/webhooks/twilio/sms")
        == 403
    )
    params = inbound_sms_params(ACCOUNT_SID, CUSTOMER, TWILIO_NUMBER, "no signature")
    raw = await ch.http.post(
        ch.url("/webhooks/twilio/sms"),
        content="&".join(f"{k}={v}" for k, v in params).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert raw.status_code == 403
    other = inbound_sms_params(ACCOUNT_SID, CUSTOMER, "+15550000000", "who?")
    unknown = await post_twilio(ch.http, ch.url("/webhooks/twilio/sms"), AUTH_TOKEN, other)
    assert unknown.status_code == 404
    assert await count_messages(ch) == 0


async def test_stop_opts_out_and_start_opts_back_in(ch: ChannelHub) -> None:
    agent = await Agent.open(ch.server.ws, ch.company.agent_token)
    await text_in(ch, "Hi")
    conversation_id = (await agent.message("Hi"))["conversation_id"]
    assert await text_in(ch, " stop ") == 200
    await agent.message(" stop ")
    await agent.reply(conversation_id, "Are you sure?")
    error = await agent.expect("error")
    assert error["code"] == "opted_out"
    url = ch.url(f"/api/conversations/{conversation_id}/messages")
    refused = await ch.http.post(url, headers=ch.auth, json={"text": "HTTP too?"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "opted_out"
    assert ch.twilio.request_count == 0
    await text_in(ch, "HELP")  # recorded like any message, changes nothing
    await text_in(ch, "START")
    await agent.message("START")
    await agent.reply(conversation_id, "Welcome back")
    await agent.message("Welcome back")
    assert (await ch.twilio.wait_for_messages(1))[0]["Body"] == "Welcome back"
    texts = [m["text"] for m in agent.messages()]
    assert texts == ["Hi", " stop ", "HELP", "START", "Welcome back"]


async def test_transient_errors_are_retried_and_permanent_ones_fail(ch: ChannelHub) -> None:
    agent = await Agent.open(ch.server.ws, ch.company.agent_token)
    await text_in(ch, "Hi")
    conversation_id = (await agent.message("Hi"))["conversation_id"]
    ch.twilio.fail_next(429, 20429, "Too Many Requests", times=1)
    ch.twilio.fail_next(503, 20500, "Service Unavailable", times=1)
    await agent.reply(conversation_id, "after a retry")
    assert (await ch.twilio.wait_for_messages(1))[0]["Body"] == "after a retry"
    assert ch.twilio.request_count == 3
    sent = await agent.expect("message.updated")
    assert sent["message"]["status"] == "sent"

    ch.twilio.fail_next(400, 21211, "The 'To' number is not a valid phone number.")
    await agent.reply(conversation_id, "never delivered")
    failed = await agent.expect("message.updated")
    assert failed["message"]["status"] == "failed"
    assert failed["message"]["error"]["code"] == "21211"
    assert "not a valid phone number" in failed["message"]["error"]["message"]
    assert ch.twilio.request_count == 4  # a permanent error is not retried


async def test_mms_media_is_kept_as_attachments(ch: ChannelHub) -> None:
    agent = await Agent.open(ch.server.ws, ch.company.agent_token)
    media = [("https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM1/Media/ME1", "image/png")]
    params = inbound_sms_params(
        ACCOUNT_SID, CUSTOMER, TWILIO_NUMBER, "", twilio_sid("MM"), num_media=1, media=media
    )
    response = await post_twilio(ch.http, ch.url("/webhooks/twilio/sms"), AUTH_TOKEN, params)
    assert response.status_code == 200
    message = await agent.message()
    assert (message["type"], message["text"]) == ("image", "")
    assert message["attachments"] == [{"url": media[0][0], "content_type": "image/png"}]


async def test_a_reply_with_no_provider_account_is_refused(ch: ChannelHub) -> None:
    agent = await Agent.open(ch.server.ws, ch.company.agent_token)
    await text_in(ch, "Hi")
    conversation_id = (await agent.message("Hi"))["conversation_id"]
    async with ch.server.hub.db.write() as conn:
        await conn.execute(repo.integrations.delete())
    await agent.reply(conversation_id, "nowhere to send this")
    assert (await agent.expect("error"))["code"] == "not_configured"
    assert await count_messages(ch) == 1


async def test_a_non_ascii_signature_is_a_403(ch: ChannelHub) -> None:
    params = inbound_sms_params(ACCOUNT_SID, CUSTOMER, TWILIO_NUMBER, "forged")
    for signature in ("é" * 28, "bm90IGEgc2lnbmF0dXJl✓"):
        response = await ch.http.post(
            ch.url("/webhooks/twilio/sms"),
            content=twilio_form(params),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature.encode("utf-8"),  # raw bytes on the wire
            },
        )
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "bad_signature"
    assert await count_messages(ch) == 0
