"""Group commit for the hot path: many appends, one transaction, five round trips.

Appends that arrive while a batch is being written wait for the next one, so under load a
batch holds many messages and costs the same as one: a SELECT for repeated client ids, one
UPDATE handing out every conversation's seqs (it also takes their row locks), one INSERT of
all rows, and the commit. Anything unusual (a conversation that does not exist yet, a
unique key lost to another process) is answered `None`, and the caller takes its careful
one-at-a-time path for that message.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, insert, select, tuple_, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id, utcnow

MAX_BATCH = 256


@dataclass(frozen=True)
class Request:
    company_id: str
    conversation_id: str
    values: dict[str, Any]  # the message's columns but id, seq and created_at


@dataclass(frozen=True)
class Stored:
    row: dict[str, Any]  # every column of the message
    created: bool


class GroupCommit:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: list[tuple[Request, asyncio.Future[Stored | None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def append(self, request: Request) -> Stored | None:
        """Store with the next seq in a shared transaction; None: use the careful path."""
        future: asyncio.Future[Stored | None] = asyncio.get_running_loop().create_future()
        self._pending.append((request, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                results = await self._write([request for request, _ in batch])
            except DBAPIError:
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
        async with self.db.write(system=True) as conn:  # a batch spans companies
            existing = await _existing(conn, batch)
            fresh = _first_of_each_key(batch, existing)
            seqs = await _hand_out_seqs(conn, [batch[i] for i in fresh])
            results: list[Stored | None] = [None] * len(batch)
            rows = []
            for i in fresh:
                request = batch[i]
                seq = seqs.get(request.conversation_id)
                if seq is None:
                    continue  # no such conversation (yet): the careful path creates it
                seqs[request.conversation_id] = seq + 1
                row = {
                    "id": new_id(),
                    **request.values,
                    "company_id": request.company_id,
                    "conversation_id": request.conversation_id,
                    "seq": seq,
                    "created_at": utcnow(),
                }
                rows.append(_full_row(row))
                results[i] = Stored(rows[-1], True)
            if rows:
                await conn.execute(insert(repo.messages), rows)
        return _resolve_repeats(batch, results, existing)


def _key(request: Request) -> tuple[str, str] | None:
    client_id = request.values.get("client_id")
    return None if client_id is None else (request.conversation_id, client_id)


async def _existing(conn: AsyncConnection, batch: list[Request]) -> dict[tuple[str, str], Any]:
    keys = {key for key in map(_key, batch) if key is not None}
    if not keys:
        return {}
    table = repo.messages
    stmt = select(table).where(tuple_(table.c.conversation_id, table.c.client_id).in_(keys))
    return {(r.conversation_id, r.client_id): r for r in (await conn.execute(stmt)).all()}


def _first_of_each_key(batch: list[Request], existing: dict[tuple[str, str], Any]) -> list[int]:
    """Indexes to insert: not stored already, and the first of any repeats in the batch."""
    seen: set[tuple[str, str]] = set()
    chosen = []
    for i, request in enumerate(batch):
        key = _key(request)
        if key is not None and (key in existing or key in seen):
            continue
        if key is not None:
            seen.add(key)
        chosen.append(i)
    return chosen


async def _hand_out_seqs(conn: AsyncConnection, requests: list[Request]) -> dict[str, int]:
    """Reserve each conversation's seqs in one UPDATE; returns the first new seq of each."""
    counts = Counter((r.company_id, r.conversation_id) for r in requests)
    if not counts:
        return {}
    table = repo.conversations
    step = case({cid: n for (_, cid), n in counts.items()}, value=table.c.id)
    stmt = (
        update(table)
        .where(tuple_(table.c.company_id, table.c.id).in_(list(counts)))
        .values(last_seq=table.c.last_seq + step, updated_at=utcnow())
        .returning(table.c.id, table.c.last_seq)
    )
    rows = (await conn.execute(stmt)).all()
    by_id = {cid: n for (_, cid), n in counts.items()}
    return {row.id: int(row.last_seq) - by_id[row.id] + 1 for row in rows}


def _full_row(row: dict[str, Any]) -> dict[str, Any]:
    defaults = {
        "client_id": None,
        "provider_id": None,
        "agent_id": None,
        "type": "text",
        "attachments": None,
        "error_code": None,
        "error_message": None,
        "attempts": 0,
        "next_attempt_at": None,
        "prompt_tokens": None,
        "completion_tokens": None,
    }
    return {**defaults, **row}


def _resolve_repeats(
    batch: list[Request], results: list[Stored | None], existing: dict[tuple[str, str], Any]
) -> list[Stored | None]:
    """Repeated client ids answer with the stored message (or the batch's first copy)."""
    inserted = {_key(batch[i]): result for i, result in enumerate(results) if result is not None}
    for i, request in enumerate(batch):
        key = _key(request)
        if results[i] is not None or key is None:
            continue
        if key in existing:
            results[i] = Stored(dict(existing[key]._mapping), False)
        elif key in inserted and inserted[key] is not None:
            results[i] = Stored(inserted[key].row, False)
    return results
