"""An agent's later answer reaches a visitor who left, by mail, once per burst, with the
conversation so far; never while the visitor is there (on any process), never to an address
the visitor did not type."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from hub.conversations.visitors import Visitor
from hub.persistence import repository as repo
from hub.persistence.models import utcnow
from hub.settings import Secret
from tests.conftest import make_settings
from tests.support.clients import Widget
from tests.support.server import HubServer, start_hub
from tests.support.smtp import Inbox, smtp_server

PAGE = "https://shop.example/chairs"
ADDRESS = "visitor@example.com"


@pytest.fixture
async def mail() -> AsyncIterator[tuple[str, Inbox]]:
    async with smtp_server() as (url, inbox):
        yield url, inbox


@pytest.fixture
async def server(database_url: str, mail: tuple[str, Inbox]) -> AsyncIterator[HubServer]:
    # Due at once: the test runs the worker itself (`followups.run`), when it means to.
    settings = make_settings(database_url, smtp_url=Secret(mail[0]), followup_delay=0.0)
    async with start_hub(settings) as started:
        yield started


def watch_closes(server: HubServer) -> asyncio.Event:
    """Set when the hub has handled a widget socket's close (its session left, and the
    registry forgot it in the same step)."""
    closed = asyncio.Event()
    visitors = server.hub.visitors
    handled = visitors.closed

    def close(visitor: Visitor) -> None:
        handled(visitor)
        closed.set()

    visitors.closed = close  # type: ignore[method-assign]
    return closed


async def answer(server: HubServer, token: str, conversation_id: str, text: str) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        sent = await http.post(
            f"/api/conversations/{conversation_id}/messages",
            json={"text": text},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert sent.status_code in (200, 201), sent.text


async def visitor_who_leaves(server: HubServer, key: str, *, typed: bool = True) -> str:
    """A visitor writes, gives their email, and closes the page; the conversation id."""
    closed = watch_closes(server)
    widget = await Widget.open(server.ws, key, page_url=PAGE)
    said = await widget.say("Do you have 40 oak chairs in stock?")
    await widget.send({"type": "profile", "email": ADDRESS, "typed": typed})
    await widget.send({"type": "ping"})
    await widget.expect("pong")  # the profile, handled before it, is stored
    await widget.close()
    await asyncio.wait_for(closed.wait(), 10)
    conversation_id = str(said["conversation_id"])
    assert conversation_id not in server.hub.registry.widgets
    return conversation_id


async def test_an_answer_burst_is_mailed_once_with_the_conversation(
    server: HubServer, mail: tuple[str, Inbox]
) -> None:
    company = await server.company("Oak & Co")
    conversation_id = await visitor_who_leaves(server, company.widget_key)
    await answer(server, company.agent_token, conversation_id, "Yes, 52 in stock.")
    await answer(server, company.agent_token, conversation_id, "Delivery takes a week.")
    assert await server.hub.followups.run() == 1
    inbox = mail[1]
    (sent,) = await inbox.wait(1)
    assert sent["To"] == ADDRESS and sent["Subject"] == "Oak & Co answered your message"
    body = sent.get_content()
    assert "You: Do you have 40 oak chairs in stock?" in body
    assert "Yes, 52 in stock." in body and "Delivery takes a week." in body
    assert f"Reply in the chat: {PAGE}" in body
    assert await server.hub.followups.run() == 0  # once per burst
    # A later answer is a new burst: one more mail, with everything so far.
    await answer(server, company.agent_token, conversation_id, "Anything else?")
    assert await server.hub.followups.run() == 1
    second = (await inbox.wait(2))[1].get_content()
    assert "Delivery takes a week." in second and "Anything else?" in second
    assert len(inbox.mails) == 2


async def test_no_mail_to_an_address_the_page_gave(
    server: HubServer, mail: tuple[str, Inbox]
) -> None:
    company = await server.company()
    conversation_id = await visitor_who_leaves(server, company.widget_key, typed=False)
    await answer(server, company.agent_token, conversation_id, "Yes, 52 in stock.")
    assert await server.hub.followups.run() == 0
    assert mail[1].mails == []


async def test_no_mail_while_the_visitor_is_connected(
    server: HubServer, mail: tuple[str, Inbox]
) -> None:
    company = await server.company()
    widget = await Widget.open(server.ws, company.widget_key, page_url=PAGE)
    said = await widget.say("Hello?")
    await widget.send({"type": "profile", "email": ADDRESS, "typed": True})
    await answer(server, company.agent_token, said["conversation_id"], "Hi, here!")
    await widget.message("Hi, here!")
    assert await server.hub.followups.run() == 0
    assert mail[1].mails == []


async def test_no_mail_while_the_visitor_is_connected_to_another_process(
    database_url: str, mail: tuple[str, Inbox]
) -> None:
    settings = make_settings(database_url, smtp_url=Secret(mail[0]), followup_delay=0.0)
    async with start_hub(settings) as near, start_hub(settings) as far:
        company = await far.company()
        widget = await Widget.open(near.ws, company.widget_key, page_url=PAGE)
        said = await widget.say("Hello?")
        await widget.send({"type": "profile", "email": ADDRESS, "typed": True})
        await widget.send({"type": "ping"})
        await widget.expect("pong")
        # The answer goes through the process without the visitor's socket.
        await answer(far, company.agent_token, said["conversation_id"], "Hi, here!")
        await near.hub.visitors.refresh_seen()  # its schedule: the visitor is still there
        assert await far.hub.followups.run() == 0
        await widget.close()
    assert mail[1].mails == []


async def pending_due(server: HubServer, conversation_id: str) -> list[dt.datetime]:
    """When the conversation's pending follow-up rows fall due."""
    table = repo.mail_followups
    stmt = select(table.c.due_at).where(table.c.conversation_id == conversation_id)
    async with server.hub.db.read(system=True) as conn:
        return list((await conn.execute(stmt)).scalars())


async def test_an_answer_after_a_claimed_burst_is_noted_again_on_another_process(
    database_url: str, mail: tuple[str, Inbox]
) -> None:
    # Each process skips the insert while a row it wrote or found is pending: `near` must
    # not take the row `far` wrote, due at once, for one of its own, due in an hour.
    now_due = make_settings(database_url, smtp_url=Secret(mail[0]), followup_delay=0.0)
    later = make_settings(database_url, smtp_url=Secret(mail[0]), followup_delay=3600.0)
    async with start_hub(now_due) as far, start_hub(later) as near:
        company = await far.company()
        conversation_id = await visitor_who_leaves(far, company.widget_key)
        await answer(far, company.agent_token, conversation_id, "Yes, 52 in stock.")
        await answer(near, company.agent_token, conversation_id, "Delivery takes a week.")
        assert await far.hub.followups.run() == 1  # far's row: the burst, mailed
        assert await pending_due(near, conversation_id) == []
        await answer(near, company.agent_token, conversation_id, "Anything else?")
        await answer(near, company.agent_token, conversation_id, "We close at six.")
        (due,) = await pending_due(near, conversation_id)  # a new burst, one row
        assert due > utcnow() + dt.timedelta(minutes=59)
    assert len(mail[1].mails) == 1
