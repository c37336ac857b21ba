"""The conversation service: the only writer of conversations and messages.

Every change goes persist -> commit -> publish, so the database is always ahead of the bus and
any client can catch up from it by `seq`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.bus import Bus
from hub.conversations import assignment, team_assignment
from hub.conversations.append import Appender, Outgoing
from hub.conversations.counts import Recounts
from hub.conversations.handoff import Handoff, State, applies_from, changes, target
from hub.conversations.publish import Publisher
from hub.conversations.views import conversation_view, message_view
from hub.conversations.webhook_events import after_append, conversation_changed
from hub.errors import HubError, NotFound
from hub.identity.tokens import AgentIdentity
from hub.persistence import repository as repo
from hub.persistence.batch import DayTotals
from hub.persistence.db import Database
from hub.persistence.group_commit import NewConversation
from hub.persistence.models import utcnow
from hub.webhooks.catalog import CONVERSATION_ASSIGNED
from hub.webhooks.record import recorder

MAX_TEXT = 4000  # characters in one message, on every surface
INBOX_LIMIT = 200
PAGE_LIMIT = 500

log = logging.getLogger("hub.conversations")


WHATSAPP_WINDOW = dt.timedelta(hours=24)


async def _nothing(_company_id: str, _conversation_id: str) -> None:
    return None


async def _always(_company_id: str, _channel: str) -> bool:
    return True


class Refused(HubError):
    """The conversation's channel may not carry this message now (`code` says why)."""


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

    def __init__(self, db: Database, bus: Bus, *, presence_ttl: float = 30.0) -> None:
        self.db = db
        self.publisher = Publisher(bus)
        self.appender = Appender(db)
        self.recounts = Recounts(db, self.publisher.inbox_counts)
        self.webhooks = recorder(db)  # outgoing webhooks' events (hub.webhooks.record)
        # How long an agent's socket row stays fresh (hub.conversations.presence): only
        # agents with a fresh one are assigned conversations automatically.
        self.presence_ttl = dt.timedelta(seconds=presence_ttl)
        # The hooks below are wired by hub.app.open_hub, in one block.
        # Told the id of every outbound message queued for a provider (the outbox).
        self.on_queued: Callable[[str], None] = lambda _message_id: None
        # Asked (company_id, channel) whether a provider account exists to send through.
        self.can_send: Callable[[str, str], Awaitable[bool]] = _always
        # Told (company_id, conversation_id) of every new message from a visitor or contact.
        self.on_inbound: Callable[[str, str], None] = lambda _company, _conversation: None
        # Told (company_id, conversation_id) of every new agent answer in a widget
        # conversation (hub.workspace.followups: a visitor who left may get it by mail).
        self.on_answered: Callable[[str, str], Awaitable[None]] = _nothing

    async def close(self) -> None:
        """Release the group commit's own database connection."""
        await self.recounts.close()
        await self.appender.close()

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
        written = await self.appender.append(
            company_id, conversation_id, out, changes or {}, new, engage_visit
        )
        if written.created:
            await self.publisher.message_created(company_id, written.message)
            if written.new_conversation is not None:
                await self.publisher.conversation_updated(company_id, written.new_conversation)
            elif written.conversation_changed:
                await self.publish_conversation(company_id, conversation_id)
            moved = {"status", "assignee_id"} & set(changes or ())
            if written.new_conversation is not None or written.reopened or moved:
                self.recounts.touch(company_id)
            await self._webhook_events(company_id, written.message, written.reopened, changes)
        else:
            # A resend: the first attempt may have committed after its sender was told
            # `unavailable` (a silent database), and never been published. Publishing again
            # costs a frame that every socket holding it skips by seq.
            await self.publisher.message_created(company_id, written.message, again=True)
        return Appended(written.message, written.created, written.engage_handled, written.engaged)

    async def _webhook_events(
        self,
        company_id: str,
        message: dict[str, Any],
        reopened: bool,
        changes: dict[str, Any] | None,
    ) -> None:
        """The outgoing webhooks' events of a stored message. Their failure is logged, not
        raised: the message is stored and published, and its sender must not retry it."""
        try:
            await after_append(
                self.webhooks, company_id, message, reopened=reopened, changes=changes or {}
            )
        except Exception:
            log.exception("webhook events of message %s not recorded", message["id"])

    async def agent_reply(
        self,
        agent: AgentIdentity,
        conversation_id: str,
        client_id: str | None,
        text: str,
        attachments: list[dict[str, Any]] | None = None,
    ) -> Appended:
        """An agent's reply: hands the conversation to a human and goes out on its channel.

        Raises Refused (opted_out, window_closed) when the channel may not carry it;
        `attachments` (checked uploads, hub.workspace.attachments) go on the widget only.
        """
        async with self.db.read() as conn:
            conv = await repo.reply_context(conn, agent.company_id, conversation_id, agent.agent_id)
        if conv is None:
            raise NotFound()
        await self.check_can_send(agent.company_id, conv)
        if attachments and conv.channel != "widget":
            raise Refused("not_supported", "attachments can be sent on the widget only")
        # Widget replies are delivered by being published; provider channels start queued.
        status = "delivered" if conv.channel == "widget" else "queued"
        out = Outgoing(
            conv.channel,
            "outbound",
            "agent",
            text,
            status,
            client_id,
            agent_id=agent.agent_id,
            sender_name=conv.author_name,
            sender_avatar=conv.author_avatar,
            type="file" if attachments else "text",
            attachments=attachments,
        )
        handoff = changes(Handoff.AGENT_REPLIES, State.of(conv))
        if conv.assignee_id is None:
            handoff["assignee_id"] = agent.agent_id  # replying to nobody's claims it
        appended = await self.append(agent.company_id, conversation_id, out, changes=handoff)
        if appended.created and status == "queued":
            self.on_queued(appended.message["id"])
        if appended.created and conv.channel == "widget":
            try:
                await self.on_answered(agent.company_id, conversation_id)
            except Exception:  # the reply is stored and sent: a lost follow-up is no failure
                log.warning("mail follow-up of %s not noted", conversation_id, exc_info=True)
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

    async def handoff(
        self,
        company_id: str,
        conversation_id: str,
        transition: Handoff,
        *,
        agent_id: str | None = None,
    ) -> None:
        """Apply one bot/human transition (hub.conversations.handoff) and tell the agents.

        An agent's takeover (`agent_id`) claims the conversation: it is assigned to them. A
        transition that leaves it needing a human and assigned to nobody assigns it
        automatically (hub.conversations.assignment), in the same transaction.
        """
        values = target(transition)
        if transition is Handoff.AGENT_TAKES_OVER and agent_id is not None:
            values["assignee_id"] = agent_id
        async with self.db.write() as conn:
            row = await repo.update_conversation(
                conn,
                company_id,
                conversation_id,
                handled_by_in=tuple(applies_from(transition)),
                **values,
            )
            if row is None:  # no such conversation, or the transition does not apply now
                await self.require(company_id, conversation_id)
                return
            assigned = "assignee_id" in values or await self._assign_if_needed(conn, row)
            if assigned:
                await conversation_changed(
                    self.webhooks, conn, company_id, conversation_id, CONVERSATION_ASSIGNED
                )
        await self.publish_conversation(company_id, conversation_id)
        if assigned:
            self.recounts.touch(company_id)

    async def _assign_if_needed(self, conn: AsyncConnection, row: Row[Any]) -> bool:
        """Round-robin assignment of a conversation that needs a human and has nobody: among
        its team's members when its team hands out in turn, else among the company's."""
        if not row.needs_human or row.assignee_id is not None:
            return False
        now, company_id = utcnow(), row.company_id
        cutoff = now - self.presence_ttl
        team_id = row.team_id  # a team with round robin on hands it to its own (issue 21)
        if team_id is not None and await team_assignment.round_robin(conn, company_id, team_id):
            agent_id = await team_assignment.pick_member(conn, company_id, team_id, now, cutoff)
        else:
            agent_id = await assignment.pick(conn, company_id, now, cutoff)
        if agent_id is None:
            return False
        await repo.update_conversation(conn, row.company_id, row.id, assignee_id=agent_id)
        return True

    async def typing(
        self, company_id: str, conversation_id: str, sender: str, active: bool, channel: str
    ) -> None:
        """Tell the company's agents (and, unless the visitor types, the widget)."""
        await self.publisher.typing(company_id, conversation_id, sender, active, channel=channel)

    # -- reads ----------------------------------------------------------------------------

    async def require(self, company_id: str, conversation_id: str) -> Row[Any]:
        async with self.db.read() as conn:
            row = await repo.conversation(conn, company_id, conversation_id)
        if row is None:
            raise NotFound()
        return row

    async def inbox(
        self,
        company_id: str,
        limit: int = INBOX_LIMIT,
        ids: tuple[str, ...] = (),
        *,
        status: str | None = None,
        assignee: str | None = None,
        team: str | None = None,
        label: str | None = None,
        priority: str | None = None,
    ) -> list[dict[str, Any]]:
        """Conversations, most recent first, each with its last message; only those with
        `status`, only `assignee`'s ("" for the unassigned ones), only `team`'s ("" for those
        of no team), only those carrying the label id `label` and only those of `priority`,
        when given."""
        async with self.db.read() as conn:
            rows = await repo.recent_conversations(
                conn,
                company_id,
                limit,
                ids,
                status=status,
                assignee=assignee,
                team=team,
                label=label,
                priority=priority,
            )
            last = await repo.last_messages(conn, rows)
            rated = await repo.last_ratings(conn, rows)
            labelled = await repo.labels_of_conversations(conn, rows)
        return [
            conversation_view(row, last.get(row.id), rated.get(row.id), labelled.get(row.id))
            for row in rows
        ]

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

    async def publish_conversation(self, company_id: str, conversation_id: str) -> None:
        """Publish the conversation's current inbox view (read fresh)."""
        views = await self.inbox(company_id, 1, (conversation_id,))
        if views:
            await self.publisher.conversation_updated(company_id, views[0])
