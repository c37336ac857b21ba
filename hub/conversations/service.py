"""The conversation service: the only writer of conversations and messages.

Every change goes persist -> commit -> publish, so the database is always ahead of the bus and
any client can catch up from it by `seq`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub import events
from hub.bus import Bus
from hub.conversations.views import conversation_view, message_view, new_conversation_view
from hub.events import Event
from hub.identity.tokens import AgentIdentity
from hub.persistence import repository as repo
from hub.persistence.batch import DayTotals
from hub.persistence.db import Database
from hub.persistence.group_commit import GroupCommit, NewConversation, Request
from hub.persistence.models import utcnow
from hub.runtime import metrics

MAX_TEXT = 4000  # characters in one message, on every surface
INBOX_LIMIT = 200
PAGE_LIMIT = 500


WHATSAPP_WINDOW = dt.timedelta(hours=24)


async def _always(_company_id: str, _channel: str) -> bool:
    return True


class NotFound(LookupError):
    """No such conversation in the caller's company."""


class Refused(Exception):
    """The conversation's channel may not carry this message now (`code` says why)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


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
    type: str = "text"
    attachments: list[dict[str, Any]] | None = None
    id: str | None = None  # chosen by the caller: an AI reply's id is its reply_id
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    def columns(self) -> dict[str, Any]:
        """The message's columns (without an id when none was chosen)."""
        return {k: v for k, v in self.__dict__.items() if v is not None or k != "id"}


@dataclass(frozen=True)
class Appended:
    message: dict[str, Any]
    created: bool  # False: the client_id (or provider id) was already stored
    # With `engage_visit`: whether the engaged visit was handled here, and the day's
    # totals when it was counted just now.
    engage_handled: bool = False
    engaged: DayTotals | None = None


class ConversationService:
    """Appends messages, changes conversation state, and publishes what changed."""

    def __init__(self, db: Database, bus: Bus) -> None:
        self.db = db
        self.bus = bus
        self.group = GroupCommit(db)
        # Told the id of every outbound message queued for a provider (the outbox).
        self.on_queued: Callable[[str], None] = lambda _message_id: None
        # Asked (company_id, channel) whether a provider account exists to send through.
        self.can_send: Callable[[str, str], Awaitable[bool]] = _always
        # Told (company_id, conversation_id) of every new message from a visitor or contact.
        self.on_inbound: Callable[[str, str], None] = lambda _company, _conversation: None

    async def close(self) -> None:
        """Release the group commit's own database connection."""
        await self.group.close()

    # -- writes -------------------------------------------------------------------------

    async def append(
        self,
        company_id: str,
        conversation_id: str,
        out: Outgoing,
        *,
        changes: dict[str, Any] | None = None,
        new: NewConversation | None = None,
        engage_visit: str | None = None,
    ) -> Appended:
        """Store one message with the next seq, idempotently on `client_id`, then publish it.

        `new` creates the conversation when it does not exist yet (a widget's first message);
        `changes` are applied to the conversation in the same transaction; the batched path
        may also count `engage_visit` as engaged in it (see `Appended.engage_handled`).
        """
        started = time.perf_counter()
        if not changes and out.provider_id is None:
            request = Request(company_id, conversation_id, out.columns(), new, engage_visit)
            grouped = await self._append_grouped(request)
            if grouped is not None:
                metrics.append_seconds.observe(time.perf_counter() - started)
                return grouped
        appended = await self._append_carefully(company_id, conversation_id, out, changes, new)
        metrics.append_seconds.observe(time.perf_counter() - started)
        return appended

    async def _append_carefully(
        self,
        company_id: str,
        conversation_id: str,
        out: Outgoing,
        changes: dict[str, Any] | None,
        new: NewConversation | None,
    ) -> Appended:
        """One message in its own transaction, retried when a concurrent writer wins a key."""
        for attempt in range(3):
            try:
                row, created, fresh = await self._append_once(
                    company_id, conversation_id, out, changes or {}, new
                )
                break
            except IntegrityError:
                # A concurrent writer won a unique key (client_id, provider id or a first
                # message creating the conversation); the next attempt finds its row.
                if attempt == 2:
                    raise
        message = message_view(row)
        if created:
            await self._publish_message(company_id, message)
            if fresh or changes:
                await self.publish_conversation(company_id, conversation_id)
        return Appended(message, created)

    async def _append_grouped(self, request: Request) -> Appended | None:
        """The hot path: written with whatever else is waiting (None: take the careful one)."""
        stored = await self.group.append(request)
        if stored is None:
            return None
        message = message_view(SimpleNamespace(**stored.row))
        await self._publish_message(request.company_id, message)
        if stored.conversation is not None and request.new is not None:
            view = new_conversation_view(stored.conversation, request.new.shown, stored.row)
            await self._publish_conversation_view(request.company_id, view)
        return Appended(message, True, request.engage_visit is not None, stored.engaged)

    async def _append_once(
        self,
        company_id: str,
        conversation_id: str,
        out: Outgoing,
        changes: dict[str, Any],
        new: NewConversation | None,
    ) -> tuple[Row[Any], bool, bool]:
        async with self.db.write() as conn:
            existing = await self._existing(conn, company_id, conversation_id, out)
            if existing is not None:
                return existing, False, False
            # The UPDATE takes the conversation's row lock: concurrent writers queue here,
            # and a concurrent duplicate then fails its unique key and retries (above).
            seq = await repo.next_seq(conn, company_id, conversation_id, **changes)
            fresh = seq is None
            if seq is None:
                if new is None:
                    raise NotFound(conversation_id)
                await repo.insert_contact(conn, **new.contact)
                await repo.insert_conversation(conn, **new.conversation)
                seq = await repo.next_seq(conn, company_id, conversation_id, **changes)
                assert seq is not None
            row = await repo.insert_message(
                conn,
                company_id=company_id,
                conversation_id=conversation_id,
                seq=seq,
                **out.columns(),
            )
            return row, True, fresh

    async def agent_reply(
        self, agent: AgentIdentity, conversation_id: str, client_id: str | None, text: str
    ) -> Appended:
        """An agent's reply: hands the conversation to a human and goes out on its channel.

        Raises Refused (opted_out, window_closed) when the channel may not carry it.
        """
        conv = await self.require(agent.company_id, conversation_id)
        await self.check_can_send(agent.company_id, conv)
        # Widget replies are delivered by being published; provider channels start queued.
        status = "delivered" if conv.channel == "widget" else "queued"
        out = Outgoing(
            conv.channel, "outbound", "agent", text, status, client_id, agent_id=agent.agent_id
        )
        changes = {} if conv.handled_by == "human" else {"handled_by": "human"}
        appended = await self.append(agent.company_id, conversation_id, out, changes=changes)
        if appended.created and status == "queued":
            self.on_queued(appended.message["id"])
        return appended

    async def check_can_send(self, company_id: str, conv: Row[Any]) -> None:
        """Raise Refused when the conversation's channel may not carry a reply now."""
        if conv.channel != "widget" and not await self.can_send(company_id, conv.channel):
            raise Refused("not_configured", f"no {conv.channel} integration is set up")
        if conv.channel == "sms":
            async with self.db.read() as conn:
                contact = await repo.contact(conn, company_id, conv.contact_id)
            if contact is not None and contact.opted_out:
                raise Refused("opted_out", "the contact opted out of SMS (STOP)")
        if conv.channel == "whatsapp":
            last = conv.last_inbound_at
            if last is None or utcnow() - last > WHATSAPP_WINDOW:
                raise Refused(
                    "window_closed",
                    "the WhatsApp 24-hour window is closed: only templates may be sent",
                )

    @staticmethod
    async def _existing(
        conn: AsyncConnection, company_id: str, conversation_id: str, out: Outgoing
    ) -> Row[Any] | None:
        """The message this one repeats (same client_id, or same provider message id)."""
        if out.client_id is not None:
            return await repo.message_by_client_id(conn, conversation_id, out.client_id)
        if out.provider_id is not None:
            return await repo.message_by_provider_id(conn, company_id, out.channel, out.provider_id)
        return None

    async def set_state(self, company_id: str, conversation_id: str, **values: Any) -> None:
        """Change handled_by / needs_human / status and tell the company's agents."""
        async with self.db.write() as conn:
            row = await repo.update_conversation(conn, company_id, conversation_id, **values)
        if row is None:
            raise NotFound(conversation_id)
        await self.publish_conversation(company_id, conversation_id)

    async def typing(
        self, company_id: str, conversation_id: str, sender: str, active: bool
    ) -> None:
        """Tell the company's agents (and, unless the visitor types, the widget)."""
        data = {"conversation_id": conversation_id, "sender": sender, "active": active}
        event = Event.build(
            events.TYPING,
            company_id,
            data,
            conversation_id=conversation_id,
            to_widget=sender != "visitor",
        )
        await self.bus.publish(event)

    # -- reads ----------------------------------------------------------------------------

    async def require(self, company_id: str, conversation_id: str) -> Row[Any]:
        async with self.db.read() as conn:
            row = await repo.conversation(conn, company_id, conversation_id)
        if row is None:
            raise NotFound(conversation_id)
        return row

    async def inbox(
        self, company_id: str, limit: int = INBOX_LIMIT, ids: tuple[str, ...] = ()
    ) -> list[dict[str, Any]]:
        """Conversations, most recent first, each with its last message."""
        async with self.db.read() as conn:
            rows = await repo.recent_conversations(conn, company_id, limit, ids)
            last = await repo.last_messages(conn, rows)
        return [conversation_view(row, last.get(row.id)) for row in rows]

    async def history(
        self, company_id: str, conversation_id: str, after_seq: int, limit: int = PAGE_LIMIT
    ) -> list[dict[str, Any]]:
        """Messages with seq > after_seq, in seq order (at most `limit`)."""
        async with self.db.read() as conn:
            rows = await repo.messages_after(conn, company_id, conversation_id, after_seq, limit)
        return [message_view(row) for row in rows]

    async def recent(
        self, company_id: str, conversation_id: str, limit: int = 50
    ) -> list[dict[str, Any]]:
        """The last `limit` messages, oldest first (the AI's history)."""
        async with self.db.read() as conn:
            rows = await repo.last_n_messages(conn, company_id, conversation_id, limit)
        return [message_view(row) for row in reversed(rows)]

    # -- publishing ----------------------------------------------------------------------

    async def _publish_message(self, company_id: str, message: dict[str, Any]) -> None:
        metrics.messages.labels(message["channel"], message["sender"]).inc()
        event = Event.build(
            events.MESSAGE_CREATED,
            company_id,
            {"message": message},
            conversation_id=message["conversation_id"],
            to_widget=message["channel"] == "widget",
        )
        await self.bus.publish(event)

    async def publish_conversation(self, company_id: str, conversation_id: str) -> None:
        views = await self.inbox(company_id, 1, (conversation_id,))
        if views:
            await self._publish_conversation_view(company_id, views[0])

    async def _publish_conversation_view(self, company_id: str, view: dict[str, Any]) -> None:
        event = Event.build(
            events.CONVERSATION_UPDATED,
            company_id,
            {"conversation": view},
            conversation_id=view["id"],
        )
        await self.bus.publish(event)
