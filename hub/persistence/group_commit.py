"""Group commit for the hot path: many appends, one transaction.

Appends that arrive while a batch is being written wait for the next one, so under load a
batch holds many messages and costs about the same as one: a look-up of repeated client ids,
the seq reservation of every conversation in the batch (it also takes their row locks), the
creation of conversations that start with this message (a widget's first), the handoff an
agent's reply makes (who handles the conversation, its assignee), one INSERT of all
its messages (the analytics counters are kept by the database's triggers, migration 0008, in
the same transaction), engaged visits counted, and the commit; on the driver directly
(hub.persistence.batch).
Anything unusual (a repeated client id, a unique key lost to another process, a conversation
that does not exist) is answered `None`, and the caller takes its careful one-at-a-time path.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError

from hub.persistence import repository as repo
from hub.persistence.batch import (
    CHANGEABLE,
    BatchConflict,
    BatchStore,
    Changes,
    DayTotals,
    Key,
    Visit,
    batch_for,
    full_rows,
)
from hub.persistence.db import Database
from hub.persistence.models import new_id, utcnow
from hub.runtime import metrics

MAX_BATCH = 256


@dataclass(frozen=True)
class NewConversation:
    """A conversation created with its first message (a widget's), and its new contact."""

    contact: dict[str, Any]
    conversation: dict[str, Any]
    shown: dict[str, Any] | None = None  # the inbox's extra fields (the widget's visitor)


@dataclass(frozen=True)
class Request:
    company_id: str
    conversation_id: str
    values: dict[str, Any]  # the message's columns but id, seq and created_at
    new: NewConversation | None = None  # create the conversation if it does not exist
    engage_visit: str | None = None  # also count this visit as engaged (once)
    changes: dict[str, Any] | None = None  # conversation columns to set (of CHANGEABLE)

    @staticmethod
    def takes(changes: dict[str, Any]) -> bool:
        """Whether a batch can apply these conversation changes with the message."""
        return set(changes) <= set(CHANGEABLE)


@dataclass(frozen=True)
class Stored:
    """A message the batch stored (repeats are answered None: the careful path finds them)."""

    row: dict[str, Any]  # every column of the message
    # The conversation's row, when it was created with this message (else None).
    conversation: dict[str, Any] | None = None
    engaged: DayTotals | None = None  # the visit was counted engaged: the day's totals
    reopened: bool = False  # an inbound message made the (resolved, snoozed...) conversation open
    changed: bool = False  # the request's `changes` were applied to the conversation


class GroupCommit:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.batch = batch_for(db)
        self._pending: list[tuple[Request, asyncio.Future[Stored | None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def append(self, request: Request) -> Stored | None:
        """Store with the next seq in a shared transaction; None: use the careful path."""
        if self.batch is None:
            return None
        future: asyncio.Future[Stored | None] = asyncio.get_running_loop().create_future()
        self._pending.append((request, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await future

    async def close(self) -> None:
        if self.batch is not None:
            await self.batch.close()

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            metrics.batch_size.observe(len(batch))
            try:
                results = await self._write([request for request, _ in batch])
            except (DBAPIError, BatchConflict):
                # Another writer won a key, or two processes' batches deadlocked on their
                # row locks: each message then takes the one-at-a-time path.
                results = [None] * len(batch)
            except Exception as exc:  # noqa: BLE001 - every waiter must hear of it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _write(self, batch: list[Request]) -> list[Stored | None]:
        assert self.batch is not None
        async with self.batch.transaction() as store:
            keys = {key for key in map(_key, batch) if key is not None}
            existing = await store.existing(keys) if keys else set()
            chosen = _first_of_each_key(batch, existing)
            counts = Counter((batch[i].company_id, batch[i].conversation_id) for i in chosen)
            inbound = {batch[i].conversation_id for i in chosen if _inbound(batch[i])}
            last, reopened = (
                await store.reserve(counts, utcnow(), inbound) if counts else ({}, set())
            )
            fresh = await _create_missing(store, [batch[i] for i in chosen], counts, last)
            changes = _changes([batch[i] for i in chosen], last)
            if changes:
                await store.change(changes)

            rows: dict[int, dict[str, Any]] = {}
            next_seq = {cid: last[cid] - counts[(co, cid)] + 1 for co, cid in counts if cid in last}
            for i in chosen:
                request = batch[i]
                seq = next_seq.get(request.conversation_id)
                if seq is None:
                    continue  # no such conversation: the careful path says NotFound
                next_seq[request.conversation_id] = seq + 1
                rows[i] = _message_row(request, seq)
            visits = {visit for i in rows if (visit := _visit(batch[i])) is not None}
            engaged = await store.engage(visits) if visits else {}
            if rows:
                await store.insert(repo.messages, list(rows.values()))
        results: list[Stored | None] = [None] * len(batch)
        for i, row in rows.items():
            # A visit counted once: its first message of the batch reports the totals.
            visit = _visit(batch[i])
            totals = None if visit is None else engaged.pop(visit, None)
            cid = batch[i].conversation_id
            # A reopening is reported once, by the conversation's first message of the batch.
            again = cid in reopened
            reopened.discard(cid)
            changed = bool(batch[i].changes)
            results[i] = Stored(row, fresh.get(cid), totals, again, changed)
        return results


def _changes(chosen: list[Request], last: dict[str, int]) -> Changes:
    """The columns to set per existing conversation, in the order the requests came."""
    out: Changes = {}
    for request in chosen:
        if request.changes and request.conversation_id in last:
            key = (request.company_id, request.conversation_id)
            out.setdefault(key, {}).update(request.changes)
    return out


def _inbound(request: Request) -> bool:
    return request.values.get("direction") == "inbound"


def _message_row(request: Request, seq: int) -> dict[str, Any]:
    values = {
        **request.values,
        "id": request.values.get("id") or new_id(),
        "company_id": request.company_id,
        "conversation_id": request.conversation_id,
        "seq": seq,
        "created_at": utcnow(),
    }
    return full_rows(repo.messages, [values])[0]


async def _create_missing(
    store: BatchStore, chosen: list[Request], counts: Counter[tuple[str, str]], last: dict[str, int]
) -> dict[str, dict[str, Any]]:
    """Create the conversations that do not exist yet and may be (their first message);
    their last_seq is set, and `last` learns it. Returns their rows by id."""
    new: dict[str, NewConversation] = {}
    for request in chosen:
        if request.conversation_id not in last and request.new is not None:
            new.setdefault(request.conversation_id, request.new)
    if not new:
        return {}
    now = utcnow()
    contacts = [{"created_at": now, **spec.contact} for spec in new.values()]
    conversations = [
        {
            "created_at": now,
            "updated_at": now,
            **spec.conversation,
            "last_seq": counts[(spec.conversation["company_id"], cid)],
        }
        for cid, spec in new.items()
    ]
    rows = full_rows(repo.conversations, conversations)
    await store.insert(repo.contacts, full_rows(repo.contacts, contacts))
    await store.insert(repo.conversations, rows)
    last.update((row["id"], row["last_seq"]) for row in rows)
    return {row["id"]: row for row in rows}


def _visit(request: Request) -> Visit | None:
    visit_id = request.engage_visit
    return None if visit_id is None else (request.company_id, visit_id)


def _key(request: Request) -> Key | None:
    client_id = request.values.get("client_id")
    return None if client_id is None else (request.conversation_id, client_id)


def _first_of_each_key(batch: list[Request], existing: set[Key]) -> list[int]:
    """Indexes to insert: not stored already, and the first of any repeats in the batch.
    The others are answered None: the careful path finds the stored copy."""
    seen: set[Key] = set()
    chosen = []
    for i, request in enumerate(batch):
        key = _key(request)
        if key is not None and (key in existing or key in seen):
            continue
        if key is not None:
            seen.add(key)
        chosen.append(i)
    return chosen
