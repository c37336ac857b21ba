"""Appending a message: both write paths, and the choice between them, in one place.

The hot path is the group commit (`hub.persistence.group_commit`): appends waiting at the
same moment share one transaction. Anything it cannot take, or answers `None` for (a repeated
`client_id` or provider id, a unique key lost to another process, a conversation that does not
exist yet without `new`, or conversation columns to change with the message other than an
agent reply's handoff), goes the careful path: one message in its own transaction, retried
when a concurrent writer wins a key.
Either way the message gets the conversation's next gapless `seq`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.conversations.views import message_view, new_conversation_view
from hub.errors import NotFound
from hub.persistence import repository as repo
from hub.persistence.batch import DayTotals
from hub.persistence.db import Database
from hub.persistence.group_commit import GroupCommit, NewConversation, Request
from hub.runtime import metrics


@dataclass(frozen=True)
class Outgoing:
    """A message to append: who says what on which channel."""

    channel: str
    direction: str
    sender: str
    text: str
    status: str
    client_id: str | None = None
    provider_id: str | None = None
    agent_id: str | None = None
    sender_name: str | None = None  # an agent reply: the agent's name, for the visitor
    sender_avatar: str | None = None  # and its avatar (the agent's avatar_id then)
    type: str = "text"
    attachments: list[dict[str, Any]] | None = None
    id: str | None = None  # chosen by the caller: an AI reply's id is its reply_id
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    def columns(self) -> dict[str, Any]:
        """The message's columns (without an id when none was chosen)."""
        return {k: v for k, v in self.__dict__.items() if v is not None or k != "id"}


@dataclass(frozen=True)
class Written:
    """What an append stored, and what its caller must publish."""

    message: dict[str, Any]  # the Message view
    created: bool  # False: the client_id (or provider id) was already stored
    # The new conversation's inbox view, when the batch created it with this message.
    new_conversation: dict[str, Any] | None = None
    # The conversation row changed (created, or `changes` applied): publish a fresh view.
    conversation_changed: bool = False
    engage_handled: bool = False  # the engaged visit was counted in the same transaction
    engaged: DayTotals | None = None  # the day's totals, when it was counted just now
    reopened: bool = False  # an inbound message made a pending, snoozed or resolved one open


class Appender:
    """The only code that inserts messages."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.group = GroupCommit(db)

    async def close(self) -> None:
        """Release the group commit's own database connection."""
        await self.group.close()

    async def append(
        self,
        company_id: str,
        conversation_id: str,
        out: Outgoing,
        changes: dict[str, Any],
        new: NewConversation | None,
        engage_visit: str | None,
    ) -> Written:
        """Store one message with the next seq, idempotently on `client_id`."""
        started = time.perf_counter()
        written: Written | None = None
        if Request.takes(changes) and out.provider_id is None:
            request = Request(
                company_id, conversation_id, out.columns(), new, engage_visit, changes or None
            )
            written = await self._grouped(request)
        if written is None:
            written = await self._carefully(company_id, conversation_id, out, changes, new)
        metrics.append_seconds.observe(time.perf_counter() - started)
        return written

    async def _grouped(self, request: Request) -> Written | None:
        stored = await self.group.append(request)
        if stored is None:
            return None
        view = None
        if stored.conversation is not None and request.new is not None:
            view = new_conversation_view(stored.conversation, request.new.shown, stored.row)
        message = message_view(SimpleNamespace(**stored.row))
        engage = request.engage_visit is not None
        changed = stored.reopened or stored.changed
        return Written(message, True, view, changed, engage, stored.engaged, stored.reopened)

    async def _carefully(
        self,
        company_id: str,
        conversation_id: str,
        out: Outgoing,
        changes: dict[str, Any],
        new: NewConversation | None,
    ) -> Written:
        for attempt in range(3):
            try:
                row, created, fresh, reopened = await self._once(
                    company_id, conversation_id, out, changes, new
                )
                break
            except IntegrityError:
                # A concurrent writer won a unique key (client_id, provider id or a first
                # message creating the conversation); the next attempt finds its row.
                if attempt == 2:
                    raise
        changed = created and (fresh or reopened or bool(changes))
        return Written(message_view(row), created, conversation_changed=changed, reopened=reopened)

    async def _once(
        self,
        company_id: str,
        conversation_id: str,
        out: Outgoing,
        changes: dict[str, Any],
        new: NewConversation | None,
    ) -> tuple[Row[Any], bool, bool, bool]:
        """(the message, stored now, conversation created now, conversation reopened now)"""
        reopen = out.direction == "inbound"  # every inbound message reopens its conversation
        async with self.db.write() as conn:
            existing = await _existing(conn, company_id, conversation_id, out)
            if existing is not None:
                return existing, False, False, False
            # The UPDATE takes the conversation's row lock: concurrent writers queue here,
            # and a concurrent duplicate then fails its unique key and retries (above).
            reserved = await repo.next_seq(
                conn, company_id, conversation_id, reopen=reopen, **changes
            )
            fresh = reserved is None
            if reserved is None:
                if new is None:
                    raise NotFound()
                await repo.insert_contact(conn, **new.contact)
                await repo.insert_conversation(conn, **new.conversation)
                reserved = await repo.next_seq(conn, company_id, conversation_id, **changes)
                assert reserved is not None
            seq, reopened = reserved
            row = await repo.insert_message(
                conn,
                company_id=company_id,
                conversation_id=conversation_id,
                seq=seq,
                **out.columns(),
            )
            return row, True, fresh, reopened


async def _existing(
    conn: AsyncConnection, company_id: str, conversation_id: str, out: Outgoing
) -> Row[Any] | None:
    """The message this one repeats (same client_id, or same provider message id)."""
    if out.client_id is not None:
        return await repo.message_by_client_id(conn, conversation_id, out.client_id)
    if out.provider_id is not None:
        return await repo.message_by_provider_id(conn, company_id, out.channel, out.provider_id)
    return None
