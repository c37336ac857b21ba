"""An agent's reply hands its conversation to a human in the group commit's transaction:
the handoff rides with the message, seqs stay gapless, and the batch sets nothing else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from hub.conversations.append import Outgoing
from hub.persistence import repository as repo
from hub.persistence.group_commit import Request
from tests.conftest import make_settings
from tests.support.seeding import Seeder
from tests.support.server import HubServer, start_hub


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    async with start_hub(make_settings(database_url)) as hub:
        yield hub


def reply(text: str, agent_id: str) -> Outgoing:
    return Outgoing("widget", "outbound", "agent", text, "delivered", agent_id=agent_id)


async def test_replies_in_one_batch_hand_the_conversation_over_once(server: HubServer) -> None:
    company = await server.company()
    co = company.company_id
    conversation = await Seeder(server, co).conversation("widget", "2024-05-01T09:00:00")
    async with server.hub.db.read() as conn:
        stmt = select(repo.agents.c.id).where(repo.agents.c.company_id == co)
        agent_id = str((await conn.execute(stmt)).scalar_one())
    handoff = {"handled_by": "human", "needs_human": False, "assignee_id": agent_id}
    requests = [
        Request(co, conversation, reply("first", agent_id).columns(), changes=handoff),
        Request(co, conversation, reply("second", agent_id).columns()),
    ]
    group = server.hub.conversations.appender.group
    stored = await asyncio.gather(*map(group.append, requests))  # one batch: queued together
    assert all(s is not None for s in stored)
    assert [s.row["seq"] for s in stored if s] == [1, 2]
    assert [s.changed for s in stored if s] == [True, False]  # the first publishes the view
    async with server.hub.db.read() as conn:
        row = await repo.conversation(conn, co, conversation)
    assert row is not None
    assert (row.handled_by, row.needs_human, row.assignee_id, row.last_seq) == (
        "human",
        False,
        agent_id,
        2,
    )


def test_the_batch_takes_only_a_replys_handoff() -> None:
    assert Request.takes({"handled_by": "human", "needs_human": False, "assignee_id": "a"})
    assert Request.takes({})
    # An inbound message's columns, a status: the careful path sets those.
    assert not Request.takes({"last_inbound_at": None})
    assert not Request.takes({"handled_by": "human", "status": "open"})
