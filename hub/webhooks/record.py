"""Recording webhook events: one `webhook_deliveries` row per subscribed endpoint.

Sources record an event inside the transaction that makes the change (`record`), so the
change and its deliveries commit together and a crash loses neither; the worker
(hub.webhooks.deliver) sends what is stored. The message write path is the exception: its
group commit belongs to hub.conversations.append, so `record_now` stores the event in its
own transaction just after (a crash between the two commits loses that event).

Whether anyone subscribes is answered from a per-company set kept in memory for `TTL`
seconds, so a company without endpoints pays a dictionary lookup per event, no query and no
insert. Changes made through this process forget the company's set at once; other
processes see them within `TTL`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import threading
import time
import weakref
from asyncio import Future
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id, utcnow

log = logging.getLogger("hub.webhooks")
TTL = 5.0  # seconds a company's subscriptions are trusted without reading them again
# Wake-ups after the caller's commit: `record` runs inside the transaction, before the rows
# are visible to the worker's reads (the message path wakes the worker after its commit).
AFTER_COMMIT = (0.05, 0.5)

_recorders: weakref.WeakKeyDictionary[Database, Recorder] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
# Set in the task writing batched events, which wakes the worker after its own commit.
_batching: ContextVar[bool] = ContextVar("webhook_batching", default=False)
_last_ns = 0


def delivery_id() -> str:
    """32 hex digits that sort in the order this process made them (nanoseconds, made
    strictly increasing, then random bits): a conversation's deliveries go in id order."""
    global _last_ns
    with _lock:
        _last_ns = max(time.time_ns(), _last_ns + 1)
        stamp = _last_ns
    return f"{stamp:016x}{new_id()[16:]}"


def body(type_: str, data: dict[str, Any], at: dt.datetime) -> str:
    """The JSON body Standard Webhooks recommends: `type`, `timestamp`, `data`."""
    event = {"type": type_, "timestamp": at.isoformat(), "data": data}
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False, default=str)


class Recorder:
    """The company's subscriptions (cached) and the insert of deliveries; one per database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # company id -> (expiry on the monotonic clock, event type -> endpoint ids)
        self._subscribed: dict[str, tuple[float, dict[str, list[str]]]] = {}
        self.wakers: list[Callable[[], None]] = []  # the workers of this process
        self._batch: list[tuple[Callable[[AsyncConnection], Awaitable[None]], Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    def forget(self, company_id: str) -> None:
        """The company's endpoints changed: read them again next time."""
        self._subscribed.pop(company_id, None)

    def cached(self, company_id: str, type_: str) -> list[str] | None:
        """Endpoint ids subscribed to `type_`, or None when the set must be read."""
        entry = self._subscribed.get(company_id)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1].get(type_, [])

    async def subscribed(self, conn: AsyncConnection, company_id: str, type_: str) -> list[str]:
        """Endpoint ids subscribed to `type_` (read in `conn` when the cache has none)."""
        known = self.cached(company_id, type_)
        if known is not None:
            return known
        return (await self._load(conn, company_id)).get(type_, [])

    async def any_subscribed(self, company_id: str, types: list[str]) -> bool:
        """Whether an endpoint subscribes to one of `types` (a read when not cached)."""
        if any(self.cached(company_id, t) is None for t in types):
            async with self.db.read(system=True) as conn:
                await self._load(conn, company_id)
        return any(self.cached(company_id, t) for t in types)

    async def _load(self, conn: AsyncConnection, company_id: str) -> dict[str, list[str]]:
        e = repo.webhook_endpoints
        stmt = select(e.c.id, e.c.events).where(e.c.company_id == company_id)
        by_type: dict[str, list[str]] = {}
        for endpoint_id, events in (await conn.execute(stmt)).all():
            for name in events:
                by_type.setdefault(name, []).append(endpoint_id)
        self._subscribed[company_id] = (time.monotonic() + TTL, by_type)
        return by_type

    async def record(
        self,
        conn: AsyncConnection,
        company_id: str,
        type_: str,
        data: dict[str, Any],
        *,
        conversation_id: str | None = None,
        contact_id: str | None = None,
    ) -> None:
        """Store the event for every endpoint subscribed to it, in the caller's transaction.
        Its order key: the conversation, else the contact (their events go in order)."""
        endpoints = await self.subscribed(conn, company_id, type_)
        if not endpoints:
            return
        now = utcnow()
        payload = body(type_, data, now)
        key = conversation_id or contact_id or new_id()
        await self.insert(conn, company_id, endpoints, type_, payload, key, contact_id, now)
        if not _batching.get():
            self.wake_after_commit()

    async def record_now(
        self,
        company_id: str,
        type_: str,
        data: dict[str, Any],
        *,
        conversation_id: str | None = None,
        contact_id: str | None = None,
    ) -> None:
        """`record` after the change committed; nothing at all when nobody subscribes."""
        if not await self.any_subscribed(company_id, [type_]):
            return

        async def write(conn: AsyncConnection) -> None:
            await self.record(
                conn,
                company_id,
                type_,
                data,
                conversation_id=conversation_id,
                contact_id=contact_id,
            )

        await self.in_batch(write)

    async def in_batch(self, write: Callable[[AsyncConnection], Awaitable[None]]) -> None:
        """Run `write` in a transaction shared with every other one waiting meanwhile (the
        message path's events: one transaction per round, not one per message); returns
        once it committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._batch.append((write, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches(), name="webhook-events")
        await done

    async def _write_batches(self) -> None:
        _batching.set(True)  # this task's `record` calls: it wakes the worker itself
        while self._batch:
            batch, self._batch = self._batch, []
            try:
                async with self.db.write(system=True) as conn:
                    for write, _ in batch:
                        await write(conn)
                self.wake()  # committed: the worker sees the rows now
            except Exception as exc:  # each caller hears of it (and logs it)
                log.debug("webhook events not recorded", exc_info=True)
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

    @staticmethod
    async def insert(
        conn: AsyncConnection,
        company_id: str,
        endpoints: list[str],
        type_: str,
        payload: str,
        order_key: str,
        contact_id: str | None,
        now: dt.datetime,
        event_id: str | None = None,
    ) -> list[str]:
        """Insert one pending delivery per endpoint; their ids. One behind an earlier
        pending delivery of its order waits without a time (`next_attempt_at` NULL): the
        worker's sweep then skips it, and settling the one ahead makes it due."""
        event_id = event_id or "msg_" + new_id()
        d = repo.webhook_deliveries
        behind = set(
            (
                await conn.execute(
                    select(d.c.endpoint_id).where(
                        d.c.endpoint_id.in_(endpoints),
                        d.c.order_key == order_key,
                        d.c.status == "pending",
                    )
                )
            ).scalars()
        )
        rows: list[dict[str, Any]] = [
            {
                "id": delivery_id(),
                "company_id": company_id,
                "endpoint_id": endpoint_id,
                "event_id": event_id,
                "event_type": type_,
                "order_key": order_key,
                "contact_id": contact_id,
                "payload": payload,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": None if endpoint_id in behind else now,
                "created_at": now,
            }
            for endpoint_id in endpoints
        ]
        await conn.execute(repo.webhook_deliveries.insert(), rows)
        return [str(row["id"]) for row in rows]

    def wake(self) -> None:
        """Tell this process's workers now (after a commit)."""
        for waker in self.wakers:
            waker()

    def wake_after_commit(self) -> None:
        """Tell this process's workers soon: the caller's transaction commits later."""
        self.wake()
        with contextlib.suppress(RuntimeError):  # no running loop: nothing to schedule
            loop = asyncio.get_running_loop()
            for delay in AFTER_COMMIT:
                loop.call_later(delay, self.wake)


def recorder(db: Database) -> Recorder:
    """The recorder of this database object (one per hub process)."""
    found = _recorders.get(db)
    if found is None:
        found = _recorders[db] = Recorder(db)
    return found
