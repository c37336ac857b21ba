"""Delivery of queued outbound messages through SMS and WhatsApp providers.

The database is the outbox: an agent's reply is committed as `queued` first, then a
worker claims it (`queued` -> `sending`, atomically, so one process sends it), calls the
provider and records `sent` with the provider's id, or `failed` with its code and reason.
Transient failures go back to `queued` with a backoff; a sweeper picks up due retries and
anything queued by a process that stopped. A message found `sending` after its lease ran
out (its process died mid-request) is marked failed, never resent: the provider may have
taken it, and sending twice is worse than asking the agent to resend.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from typing import Any, Protocol

from sqlalchemy import and_, or_, select, update

from hub.channels.base import SendFailed
from hub.channels.integrations import IntegrationService
from hub.conversations.service import ConversationService
from hub.conversations.views import message_view
from hub.persistence import repository as repo
from hub.persistence.models import utcnow
from hub.runtime import metrics
from hub.webhooks.catalog import MESSAGE_STATUS_CHANGED

log = logging.getLogger("hub.outbox")

PROVIDER = {"sms": "twilio", "whatsapp": "kapso"}
MAX_ATTEMPTS = 5
LEASE = dt.timedelta(seconds=60)
SWEEP_SECONDS = 1.0


class Sender(Protocol):
    async def send(
        self, creds: dict[str, Any], to: str, text: str, status_callback: str | None
    ) -> str: ...


def backoff(attempt: int, retry_after: float | None) -> float:
    """Seconds before attempt `attempt + 1`: the provider's Retry-After, else 0.5 s doubling
    with jitter, capped at a minute."""
    if retry_after is not None:
        return float(min(max(retry_after, 0.0), 300.0))
    base: float = min(0.5 * 2.0 ** (attempt - 1), 60.0)
    return base + random.uniform(0, base / 2)


class Outbox:
    def __init__(
        self,
        conversations: ConversationService,
        integrations: IntegrationService,
        senders: dict[str, Sender],
        status_callback: str,
    ) -> None:
        self.conversations = conversations
        self.db = conversations.db
        self.integrations = integrations
        self.senders = senders
        self.status_callback = status_callback
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()

    async def can_send(self, company_id: str, channel: str) -> bool:
        """Whether the company has the provider account this channel sends through."""
        provider = PROVIDER.get(channel)
        if provider is None:
            return False
        return await self.integrations.for_company(company_id, provider) is not None

    def notify(self, _message_id: str) -> None:
        self._wake.set()

    async def start(self) -> None:
        await self._expire_leases()
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def close(self) -> None:
        tasks = [t for t in (self._task, *self._inflight) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                await self._expire_leases()
                for message_id in await self._due():
                    task = asyncio.create_task(self.deliver(message_id))
                    self._inflight.add(task)
                    task.add_done_callback(self._inflight.discard)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox sweep failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), SWEEP_SECONDS)

    async def _due(self) -> list[str]:
        table = repo.messages
        due = or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= utcnow())
        stmt = (
            select(table.c.id)
            .where(table.c.status == "queued", table.c.direction == "outbound", due)
            .where(table.c.channel.in_(tuple(PROVIDER)))
            .order_by(table.c.created_at)
            .limit(100)
        )
        async with self.db.read() as conn:
            return [row.id for row in (await conn.execute(stmt)).all()]

    async def deliver(self, message_id: str) -> None:
        """Claim one queued message and send it; records the outcome either way."""
        claimed = await self._claim(message_id)
        if claimed is None:
            return  # another worker or process has it
        try:
            provider_id = await self._send(claimed)
        except SendFailed as exc:
            await self._failed(claimed, exc)
            return
        except Exception as exc:  # an adapter bug must not strand the message
            log.exception("send %s failed unexpectedly", message_id)
            await self._failed(claimed, SendFailed(True, "internal", repr(exc)))
            return
        await self._finish(claimed, status="sent", provider_id=provider_id, next_attempt_at=None)

    async def _claim(self, message_id: str) -> Any:
        table = repo.messages
        stmt = (
            update(table)
            .where(table.c.id == message_id, table.c.status == "queued")
            .values(
                status="sending", attempts=table.c.attempts + 1, next_attempt_at=utcnow() + LEASE
            )
            .returning(*table.c)
        )
        async with self.db.write() as conn:
            return await repo.one(conn, stmt)

    async def _send(self, message: Any) -> str:
        provider = PROVIDER[message.channel]
        account = await self.integrations.for_company(message.company_id, provider)
        if account is None:
            raise SendFailed(False, "not_configured", f"no {provider} integration is set up")
        async with self.db.read() as conn:
            conv = await repo.conversation(conn, message.company_id, message.conversation_id)
            contact = conv and await repo.contact(conn, message.company_id, conv.contact_id)
        if contact is None or not contact.phone:
            raise SendFailed(False, "no_phone", "the contact has no phone number")
        if message.channel == "sms" and contact.opted_out:
            raise SendFailed(False, "opted_out", "the contact opted out of SMS (STOP)")
        callback = self.status_callback if message.channel == "sms" else None
        return await self.senders[provider].send(
            account.creds, contact.phone, message.text, callback
        )

    async def _failed(self, message: Any, exc: SendFailed) -> None:
        provider = PROVIDER.get(message.channel, message.channel)
        metrics.provider_errors.labels(
            provider, "transient" if exc.transient else "permanent"
        ).inc()
        if exc.transient and message.attempts < MAX_ATTEMPTS:
            delay = backoff(message.attempts, exc.retry_after)
            log.warning("send %s failed (%s); retry in %.1fs", message.id, exc.code, delay)
            retry_at = utcnow() + dt.timedelta(seconds=delay)
            await self._finish(message, status="queued", next_attempt_at=retry_at, publish=False)
            return
        await self._finish(
            message,
            status="failed",
            error_code=exc.code,
            error_message=exc.message,
            next_attempt_at=None,
        )

    async def _finish(self, message: Any, *, publish: bool = True, **values: Any) -> None:
        table = repo.messages
        stmt = (
            update(table)
            .where(table.c.id == message.id, table.c.status == "sending")
            .values(**values)
            .returning(*table.c)
        )
        async with self.db.write() as conn:
            row = await repo.one(conn, stmt)
            view = None if row is None else message_view(row)
            if view is not None and publish:  # sent or failed: webhooks hear of it
                await self.conversations.webhooks.record(
                    conn,
                    message.company_id,
                    MESSAGE_STATUS_CHANGED,
                    {"message": view},
                    conversation_id=message.conversation_id,
                )
        if view is not None and publish:
            await self.conversations.publisher.message_updated(message.company_id, view)

    async def _expire_leases(self) -> None:
        """Sends interrupted by a crash: failed, never resent (see the module docstring)."""
        table = repo.messages
        stmt = (
            update(table)
            .where(and_(table.c.status == "sending", table.c.next_attempt_at < utcnow()))
            .values(
                status="failed",
                error_code="interrupted",
                error_message="the hub stopped while sending; it may not have gone out",
            )
        )
        async with self.db.write() as conn:
            await conn.execute(stmt)
