"""Two hubs on one PostgreSQL and one Redis: provider retries hit both at once."""

from __future__ import annotations

import asyncio

import httpx

from tests.channel_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CUSTOMER,
    TWILIO_NUMBER,
    configure,
    free_port,
    providers,
)
from tests.fakes.webhooks import inbound_sms_params, post_twilio, twilio_sid
from tests.support.clients import Agent
from tests.support.server import start_hub


async def test_a_retry_reaching_two_processes_at_once_is_stored_and_sent_once(
    pg_url: str, redis_url: str
) -> None:
    port_a, port_b = free_port(), free_port()
    async with providers() as fakes, httpx.AsyncClient() as http:
        settings_a = fakes.settings(pg_url, port_a, redis_url=redis_url)
        settings_b = fakes.settings(pg_url, port_b, redis_url=redis_url)
        async with start_hub(settings_a, port=port_a) as a, start_hub(settings_b, port=port_b) as b:
            company = await a.company()
            await configure(http, a.http, company.agent_token)
            agent = await Agent.open(b.ws, company.agent_token)

            sid = twilio_sid("SM")
            params = inbound_sms_params(ACCOUNT_SID, CUSTOMER, TWILIO_NUMBER, "once", sid)
            responses = await asyncio.gather(
                *(
                    post_twilio(http, hub.http + "/webhooks/twilio/sms", AUTH_TOKEN, params)
                    for hub in (a, b, a, b)
                )
            )
            assert [r.status_code for r in responses] == [200] * 4
            inbound = await agent.message("once")

            await agent.reply(inbound["conversation_id"], "one reply")
            sent = await fakes.twilio.wait_for_messages(1)
            assert (await agent.expect("message.updated"))["message"]["status"] == "sent"
            # The status callback lands on the other process; the agent still hears of it.
            for hub in (a, b):
                callback = await fakes.twilio.send_status_callback(
                    http, sent[0]["sid"], "delivered", url=hub.http + "/webhooks/twilio/status"
                )
                assert callback.status_code == 200
            assert (await agent.expect("message.updated"))["message"]["status"] == "delivered"
            await agent.send({"type": "ping"})
            await agent.expect("pong")
            updates = [f for f in agent.seen if f["type"] == "message.updated"]
            assert [u["message"]["status"] for u in updates] == ["sent", "delivered"]
            assert [m["text"] for m in agent.messages()] == ["once", "one reply"]
            assert fakes.twilio.request_count == 1
