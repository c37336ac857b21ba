"""Messages from SMS and WhatsApp contacts, and providers' delivery reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from hub.channels.base import STATUS_RANK, Inbound, StatusUpdate
from hub.conversations.append import Outgoing
from hub.conversations.service import Appended, ConversationService
from hub.conversations.views import message_view
from hub.persistence import repository as repo
from hub.persistence.models import new_id, utcnow
from hub.webhooks.catalog import CONTACT_CREATED, CONTACT_UPDATED, MESSAGE_STATUS_CHANGED
from hub.webhooks.payloads import contact_data

# Whole-body keywords, case-insensitive (PROVIDERS.md 1.6); HELP is stored like any message.
OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})
KEYWORDS = OPT_OUT | OPT_IN | {"HELP", "INFO"}


def opt_change(message: Inbound) -> bool | None:
    """True: opt out; False: opt back in; None: neither (SMS only)."""
    if message.channel != "sms":
        return None
    word = message.text.strip().upper()
    return True if word in OPT_OUT else False if word in OPT_IN else None


class InboundService:
    """Stores what contacts send (exactly once) and what providers report."""

    def __init__(self, conversations: ConversationService) -> None:
        self.conversations = conversations
        self.db = conversations.db
        self.webhooks = conversations.webhooks

    async def receive(self, company_id: str, message: Inbound) -> Appended:
        """Find or create the contact and its open conversation, then store the message."""
        for attempt in range(3):
            try:
                conversation_id = await self._conversation_for(company_id, message)
                break
            except IntegrityError:
                if attempt == 2:  # a concurrent first message created the contact; retry
                    raise
        out = Outgoing(
            message.channel,
            "inbound",
            "contact",
            message.text,
            "received",
            provider_id=message.provider_id,
            type=message.type,
            attachments=message.attachments or None,
        )
        # The append itself reopens a conversation that is not open (every inbound does).
        changes: dict[str, Any] = {"last_inbound_at": utcnow()}
        if message.external_conversation_id:
            changes["external_id"] = message.external_conversation_id
        appended = await self.conversations.append(
            company_id, conversation_id, out, changes=changes
        )
        # Keywords (STOP, START, HELP) are answered by the carrier, never by the AI.
        keyword = message.channel == "sms" and message.text.strip().upper() in KEYWORDS
        if appended.created and not keyword:
            self.conversations.on_inbound(company_id, conversation_id)
        return appended

    async def _conversation_for(self, company_id: str, message: Inbound) -> str:
        """The contact's latest conversation on this channel (reopened), or a new one.

        The contact row is locked first, so two processes handling the same contact's
        first message at once still make one conversation.
        """
        contacts = repo.contacts
        async with self.db.write() as conn:
            row = await repo.one(
                conn,
                select(contacts)
                .where(contacts.c.company_id == company_id, contacts.c.phone == message.sender)
                .with_for_update(),
            )
            contact_id = row.id if row is not None else new_id()
            values: dict[str, Any] = {}
            if message.contact_name and (row is None or not row.name):
                values["name"] = message.contact_name[:200]
            opted = opt_change(message)
            if opted is not None:
                values["opted_out"] = opted
            if row is None:
                await conn.execute(
                    contacts.insert().values(
                        id=contact_id, company_id=company_id, phone=message.sender, **values
                    )
                )
            elif values:
                await conn.execute(
                    update(contacts).where(contacts.c.id == contact_id).values(**values)
                )
            if row is None or values:
                await self._contact_event(conn, company_id, contact_id, created=row is None)
            return await self._latest_conversation(conn, company_id, contact_id, message.channel)

    async def _contact_event(
        self, conn: Any, company_id: str, contact_id: str, *, created: bool
    ) -> None:
        """Webhooks: `contact.created` for a new number, `contact.updated` for a new name
        or opt-out (STOP, START)."""
        type_ = CONTACT_CREATED if created else CONTACT_UPDATED
        if not await self.webhooks.subscribed(conn, company_id, type_):
            return
        contact = await repo.contact(conn, company_id, contact_id)
        data = {"contact": contact_data(contact)}
        await self.webhooks.record(conn, company_id, type_, data, contact_id=contact_id)

    @staticmethod
    async def _latest_conversation(
        conn: Any, company_id: str, contact_id: str, channel: str
    ) -> str:
        table = repo.conversations
        row = await repo.one(
            conn,
            select(table.c.id)
            .where(table.c.contact_id == contact_id, table.c.channel == channel)
            .order_by(table.c.updated_at.desc())
            .limit(1),
        )
        if row is not None:
            return str(row.id)
        conversation_id = new_id()
        await repo.insert_conversation(
            conn, id=conversation_id, company_id=company_id, contact_id=contact_id, channel=channel
        )
        return conversation_id

    async def status(self, company_id: str, report: StatusUpdate) -> bool:
        """Move an outbound message's status forward (never back); True when it moved."""
        table = repo.messages
        async with self.db.write() as conn:
            row = await repo.message_by_provider_id(
                conn, company_id, report.channel, report.provider_id
            )
            if row is None or not _moves_forward(row.status, report.status):
                return False
            values: dict[str, Any] = {"status": report.status}
            if report.error_code or report.error_message:
                values |= {"error_code": report.error_code, "error_message": report.error_message}
            updated = await repo.one(
                conn, update(table).where(table.c.id == row.id).values(**values).returning(*table.c)
            )
            assert updated is not None
            view = message_view(updated)
            await self.webhooks.record(
                conn,
                company_id,
                MESSAGE_STATUS_CHANGED,
                {"message": view},
                conversation_id=view["conversation_id"],
            )
        await self.conversations.publisher.message_updated(company_id, view)
        return True


def _moves_forward(current: str, new: str) -> bool:
    if current == "failed":
        return False
    return STATUS_RANK.get(new, -1) > STATUS_RANK.get(current, -1)
