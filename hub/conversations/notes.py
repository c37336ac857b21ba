"""Private notes between agents on a conversation.

A note is not a message: it lives in its own table, takes no `seq`, and is published as
`note.created` to the company's agents only. Nothing that reaches the contact reads that
table: not the widget's replay or live frames (they carry messages), not the outbox (it
sends messages), not the AI (its history is `ConversationService.recent`, messages only).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from hub.conversations.service import ConversationService
from hub.conversations.views import iso
from hub.identity.tokens import AgentIdentity
from hub.persistence import repository as repo
from hub.persistence.models import new_id, utcnow

NOTES_LIMIT = 500


def note_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "agent_id": row.agent_id,
        "text": row.text,
        "client_id": row.client_id,
        "created_at": iso(row.created_at),
        "private": True,  # never shown to the contact
    }


class NoteService:
    def __init__(self, conversations: ConversationService) -> None:
        self.conversations = conversations
        self.db = conversations.db

    async def add(
        self, agent: AgentIdentity, conversation_id: str, client_id: str | None, text: str
    ) -> tuple[dict[str, Any], bool]:
        """Store a note (once per `client_id`) and tell the agents; (the note, stored now).
        Raises NotFound for a conversation not in the agent's company."""
        await self.conversations.require(agent.company_id, conversation_id)
        n = repo.notes
        values = {
            "id": new_id(),
            "company_id": agent.company_id,
            "conversation_id": conversation_id,
            "agent_id": agent.agent_id,
            "client_id": client_id,
            "text": text,
            "created_at": utcnow(),
        }
        try:
            async with self.db.write() as conn:
                if client_id is not None and (
                    row := await self._by_client_id(conn, conversation_id, client_id)
                ):
                    return note_view(row), False
                await conn.execute(insert(n).values(**values))
        except IntegrityError:  # the same client_id, written at the same moment elsewhere
            async with self.db.read() as conn:
                row = await self._by_client_id(conn, conversation_id, str(client_id))
            assert row is not None
            return note_view(row), False
        note = note_view(SimpleNamespace(**values))
        await self.conversations.publisher.note_created(agent.company_id, note)
        return note, True

    async def list(self, company_id: str, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation's notes, oldest first (the first 500)."""
        await self.conversations.require(company_id, conversation_id)
        n = repo.notes
        stmt = (
            select(n)
            .where(n.c.company_id == company_id, n.c.conversation_id == conversation_id)
            .order_by(n.c.created_at, n.c.id)
            .limit(NOTES_LIMIT)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [note_view(row) for row in rows]

    @staticmethod
    async def _by_client_id(conn: Any, conversation_id: str, client_id: str) -> Any:
        n = repo.notes
        stmt = select(n).where(n.c.conversation_id == conversation_id, n.c.client_id == client_id)
        return await repo.one(conn, stmt)
