"""Rows written straight through the repository, at chosen times (analytics tests), and the
analytics endpoint's answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.persistence import repository as repo
from hub.persistence.models import new_id
from tests.support.server import HubServer


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


async def widget_conversation(
    conn: AsyncConnection,
    company_id: str,
    texts: Sequence[str],
    start: dt.datetime,
    step: dt.timedelta,
    **contact: Any,
) -> tuple[str, str]:
    """A contact with one widget conversation of the visitor's `texts`, the first at
    `start + step` and each `step` apart, on `conn` (through every trigger). The conversation
    was last updated at its last message. Returns (contact id, conversation id)."""
    contact_id = await repo.insert_contact(conn, company_id=company_id, **contact)
    conversation_id = new_id()
    await repo.insert_conversation(
        conn,
        id=conversation_id,
        company_id=company_id,
        contact_id=contact_id,
        channel="widget",
        last_seq=len(texts),
        updated_at=start + step * len(texts),
    )
    for seq, text in enumerate(texts, 1):
        await repo.insert_message(
            conn,
            company_id=company_id,
            conversation_id=conversation_id,
            seq=seq,
            channel="widget",
            direction="inbound",
            sender="visitor",
            text=text,
            status="received",
            created_at=start + step * seq,
        )
    return contact_id, conversation_id


class Seeder:
    """One company's conversations, messages and visit counters, each in its own transaction."""

    def __init__(self, hub: HubServer, company_id: str) -> None:
        self.hub = hub
        self.company_id = company_id
        self.seqs: dict[str, int] = {}

    async def conversation(self, channel: str, created_at: str) -> str:
        async with self.hub.hub.db.write() as conn:
            contact_id = await repo.insert_contact(conn, company_id=self.company_id)
            conversation_id = new_id()
            await repo.insert_conversation(
                conn,
                id=conversation_id,
                company_id=self.company_id,
                contact_id=contact_id,
                channel=channel,
                created_at=utc(created_at),
                updated_at=utc(created_at),
            )
        self.seqs[conversation_id] = 0
        return conversation_id

    async def message(
        self, conversation_id: str, channel: str, sender: str, created_at: str, **extra: Any
    ) -> None:
        self.seqs[conversation_id] += 1
        inbound = sender in ("visitor", "contact")
        async with self.hub.hub.db.write() as conn:
            await repo.insert_message(
                conn,
                company_id=self.company_id,
                conversation_id=conversation_id,
                seq=self.seqs[conversation_id],
                channel=channel,
                direction="inbound" if inbound else "outbound",
                sender=sender,
                text="hello",
                status="received" if inbound else "delivered",
                created_at=utc(created_at),
                **extra,
            )

    async def day(self, day: str, visits: int, engaged: int) -> None:
        async with self.hub.hub.db.write() as conn:
            await repo.bump_daily(
                conn, self.company_id, dt.date.fromisoformat(day), visits=visits, engaged=engaged
            )


async def get(hub: HubServer, token: str | None, **params: str) -> httpx.Response:
    """`GET /api/analytics` with these query parameters, as the agent of `token`."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=hub.http) as http:
        return await http.get("/api/analytics", params=params, headers=headers)
