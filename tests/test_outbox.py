"""The outbox across restarts: nothing queued is lost, nothing is sent twice."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx

from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import utcnow
from tests.channel_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CUSTOMER,
    TWILIO_NUMBER,
    configure,
    free_port,
    providers,
)
from tests.fakes.webhooks import inbound_sms_params, post_twilio
from tests.support.clients import Agent
from tests.support.server import HubServer, start_hub


async def sms_conversation(server: HubServer, http: httpx.AsyncClient) -> tuple[str, str, str]:
    """A company with integrations and one inbound SMS: (company, agent token, conversation)."""
    company = await server.company()
    await configure(http, server.http, company.agent_token)
    params = inbound_sms_params(ACCOUNT_SID, CUSTOMER, TWILIO_NUMBER, "hello?")
    await post_twilio(http, server.http + "/webhooks/twilio/sms", AUTH_TOKEN, params)
    auth = {"Authorization": f"Bearer {company.agent_token}"}
    listed = (await http.get(server.http + "/api/conversations", headers=auth)).json()
    return company.company_id, company.agent_token, listed["conversations"][0]["id"]


async def agent_message(server: HubServer, text: str, status: str | None = None) -> Any:
    """The stored message with `text`, once it has `status` (polled: the outbox runs in the
    background and no socket is open to hear about it)."""
    async with asyncio.timeout(10):
        while True:
            async with server.hub.db.read() as conn:
                query = repo.messages.select().where(repo.messages.c.text == text)
                row = (await conn.execute(query)).one()
            if status is None or row.status == status:
                return row
            await asyncio.sleep(0.02)


async def test_a_queued_reply_is_sent_once_after_a_restart(sqlite_url: str) -> None:
    port = free_port()
    async with providers() as fakes, httpx.AsyncClient() as http:
        settings = fakes.settings(sqlite_url, port)
        async with start_hub(settings, port=port) as server:
            _, token, conversation_id = await sms_conversation(server, http)
            agent = await Agent.open(server.ws, token)
            fakes.twilio.fail_next(503, 20500, "down for maintenance", times=1)
            await agent.reply(conversation_id, "survives a restart")
            await fakes.twilio.wait_for_attempts(1)
            await agent.close()
        # The hub stopped while the reply waited for its retry; a new one picks it up.
        async with start_hub(settings, port=port) as again:
            sent = await fakes.twilio.wait_for_messages(1, timeout=10)
            assert [m["Body"] for m in sent] == ["survives a restart"]
            row = await agent_message(again, "survives a restart", "sent")
            assert (row.attempts, row.provider_id) == (2, sent[0]["sid"])
        assert fakes.twilio.request_count == 2


async def test_an_interrupted_send_is_marked_failed_not_resent(sqlite_url: str) -> None:
    port = free_port()
    async with providers() as fakes, httpx.AsyncClient() as http:
        settings = fakes.settings(sqlite_url, port)
        async with start_hub(settings, port=port) as server:
            company_id, _, conversation_id = await sms_conversation(server, http)
        # What a process killed mid-request leaves behind: `sending`, its lease run out.
        db = Database(settings.database_url)
        async with db.write() as conn:
            await repo.insert_message(
                conn,
                company_id=company_id,
                conversation_id=conversation_id,
                seq=2,
                channel="sms",
                direction="outbound",
                sender="agent",
                text="in flight when it died",
                status="sending",
                attempts=1,
                next_attempt_at=utcnow() - dt.timedelta(seconds=1),
            )
        await db.close()
        async with start_hub(settings, port=port) as again:
            row = await agent_message(again, "in flight when it died")
        assert (row.status, row.error_code) == ("failed", "interrupted")
        assert fakes.twilio.request_count == 0
