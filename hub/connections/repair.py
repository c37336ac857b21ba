"""`Repair`: what this process's sockets missed, found in the database and delivered.

Pub/sub is at most once, and three things lose an event between a commit and a socket: the
bus was down (Redis restarted), a publisher's queue overflowed, or the process that committed
died before it published. A socket already fills a gap it can see (an event whose seq is past
the one it holds); what nobody can see is a conversation's *last* messages when nothing
follows them. `Repair` closes that, with no list limit deciding what is repaired:

- The registry notes, per company it holds, the highest seq of every conversation whose
  `message.created` this process dispatched (`Heard`).
- `sweep`, every second: the held companies' conversations changed in the last window (one
  query on the `(company_id, updated_at)` index). One whose stored `last_seq` is ahead of what
  was heard, once the grace a normal publish needs has passed, lost an event: its messages are
  read once for the whole process and handed to every local socket of the conversation, in one
  writer step each; sockets skip what they hold.
- `resync(since)`, when the bus is back or a publisher announced a loss: the same over the
  whole outage, plus, for each company's agents, the inbox snapshot (with every conversation
  changed since, beyond the 200 most recent), counts, presence and today's figures, read once
  per company and sent as the same text to each of its agent sockets. Nothing of it runs
  inside a socket's writer but the sending, so a resync never makes a socket slow.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Row

from hub import events
from hub.connections.registry import Registry
from hub.conversations.counts import read_counts
from hub.conversations.presence import Presence
from hub.conversations.publish import message_created
from hub.conversations.service import ConversationService
from hub.conversations.views import message_view
from hub.conversations.visitors import VisitorService
from hub.events import dumps
from hub.persistence import repository as repo
from hub.persistence.db import Database, database_unavailable

log = logging.getLogger("hub.repair")

SWEEP_INTERVAL = 1.0  # seconds between sweeps: how long a lost last message may wait
GRACE = 1.0  # a committed message is heard within milliseconds; the sweep looks after this
LOOKBACK = 30.0  # each sweep looks this far back: longer than a commit may take (HUB_DB_TIMEOUT)
MARGIN = 30.0  # a resync or resume starts this long before the last moment known good
PAGE = 1000  # messages read per query
CHUNK = 500  # companies or conversations named in one query
RETRY = 1.0  # seconds before a resync that could not read the database tries again
ROTATE = 600.0  # seconds between generations of what was heard (hub.connections.registry)
FAR = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)  # no upper bound


def _stamp(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class Repair:
    """Finds in the database what this process's sockets missed, and delivers it."""

    def __init__(
        self,
        db: Database,
        conversations: ConversationService,
        visitors: VisitorService,
        presence: Presence,
        registry: Registry,
    ) -> None:
        self.db = db
        self.conversations = conversations
        self.visitors = visitors
        self.presence = presence
        self.registry = registry
        self._swept_to: float | None = None
        self._rotated = time.time()
        self._since: float | None = None  # the earliest resync asked for and not yet run
        self._task: asyncio.Task[None] | None = None
        registry.bus.on_resync = self.resync
        # Told of every bus loss (hub.connections.availability reads presence again).
        self.on_loss: Callable[[], None] = lambda: None

    # -- the sweep: a publish that never happened ---------------------------------------

    async def sweep(self) -> None:
        """Repair the conversations changed in the last window whose last messages were
        never heard here (every process runs this every SWEEP_INTERVAL seconds)."""
        now = time.time()
        if now - self._rotated > ROTATE:
            self.registry.rotate_heard()
            self._rotated = now
        until = now - GRACE
        since = until - LOOKBACK
        if self._swept_to is not None:  # a late or failed sweep leaves no hole behind
            since = min(since, self._swept_to - LOOKBACK)
        await self._repair(since, until, refresh=False)
        self._swept_to = until

    # -- the resync: the bus lost events --------------------------------------------------

    def resync(self, since: float) -> None:
        """Repair everything changed since `since` (epoch seconds), in the background;
        resyncs asked for while one runs are folded into the next run."""
        self._since = since if self._since is None else min(self._since, since)
        self.on_loss()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._resync_loop(), name="resync")

    async def _resync_loop(self) -> None:
        while self._since is not None:
            since, self._since = self._since, None
            try:
                await self._repair(since - MARGIN, time.time() + 1.0, refresh=True)
            except Exception as exc:
                if not database_unavailable(exc):
                    log.exception("resync failed")
                self._since = since if self._since is None else min(self._since, since)
                await asyncio.sleep(RETRY)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    # -- shared by both -------------------------------------------------------------------

    async def _repair(self, since: float, until: float, *, refresh: bool) -> None:
        held = dict(self.registry.held_since)
        if not held:
            return
        rows = await self._changed(list(held), _stamp(since), _stamp(until))
        missed = [row for row in rows if self._missed(row, held[row.company_id])]
        if refresh:
            await self._refresh(rows)
        if missed:
            await self._deliver(missed, _stamp(since - LOOKBACK))

    def _missed(self, row: Row[Any], held_since: float) -> bool:
        """Whether the stored conversation is ahead of what this process heard of it."""
        heard = self.registry.heard.get(row.company_id)
        if heard is None:
            return False  # released meanwhile: no socket here to repair
        seq = heard.get(row.id)
        if seq is None and row.updated_at.timestamp() < held_since:
            # Last changed before this process held the company: its sockets read it from
            # the database when they joined.
            heard.note(row.id, row.last_seq)
            return False
        return int(row.last_seq) > (seq or 0)

    async def changed(self, company_id: str, since: float) -> list[Row[Any]]:
        """The company's conversations changed since `since` (epoch seconds), for a
        resuming agent: (id, company_id, last_seq, updated_at)."""
        async with self.db.read() as conn:
            rows = await repo.changed_conversations(conn, [company_id], _stamp(since), FAR)
        return list(rows)

    async def _changed(
        self, company_ids: list[str], since: dt.datetime, until: dt.datetime
    ) -> list[Row[Any]]:
        rows: list[Row[Any]] = []
        async with self.db.read(system=True) as conn:
            for chunk in _chunks(company_ids):
                rows.extend(await repo.changed_conversations(conn, chunk, since, until))
        return rows

    async def _deliver(self, missed: list[Row[Any]], since: dt.datetime) -> None:
        """Read the missed conversations' messages once and hand them to their sockets."""
        by_company: dict[str, list[str]] = defaultdict(list)
        for row in missed:
            by_company[row.company_id].append(row.id)
        for company_id, ids in by_company.items():
            for chunk in _chunks(ids):
                messages = await self.messages(company_id, chunk, since)
                self._hand_over(company_id, messages)

    async def messages(
        self, company_id: str, conversation_ids: Sequence[str], since: dt.datetime
    ) -> list[dict[str, Any]]:
        """Every message of these conversations created at or after `since`, in seq order
        per conversation."""
        found: list[dict[str, Any]] = []
        after: tuple[dt.datetime, str] | None = None
        async with self.db.read(system=True) as conn:
            while True:
                page = await repo.messages_since(
                    conn, [company_id], conversation_ids, since, after, PAGE
                )
                found.extend(message_view(row) for row in page)
                if len(page) < PAGE:
                    break
                after = (page[-1].created_at, page[-1].id)
        found.sort(key=lambda message: (message["conversation_id"], message["seq"]))
        return found

    def _hand_over(self, company_id: str, messages: list[dict[str, Any]]) -> None:
        built = [message_created(company_id, message) for message in messages]
        self.registry.replay(company_id, built)

    async def _refresh(self, rows: list[Row[Any]]) -> None:
        """Each held company with agents here: its snapshot frames, read once."""
        changed: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            changed[row.company_id].append(row.id)
        for company_id in list(self.registry.agents):
            frames = await self.company_frames(company_id, changed.get(company_id, []))
            self.registry.refresh(company_id, frames)

    async def company_frames(self, company_id: str, changed: Sequence[str] = ()) -> list[str]:
        """An agent's snapshot frames: the inbox (the 200 most recent and every conversation
        in `changed`), today's figures, presence and counts."""
        inbox = await self.conversations.inbox(company_id)
        listed = {conversation["id"] for conversation in inbox}
        extra = [cid for cid in changed if cid not in listed]
        for chunk in _chunks(extra):
            inbox += await self.conversations.inbox(company_id, len(chunk), tuple(chunk))
        today = await self.visitors.today(company_id)
        agents = await self.presence.agents(company_id)
        counts = await read_counts(self.db, company_id)
        return [
            dumps({"type": "inbox.snapshot", "conversations": inbox}),
            dumps({"type": events.STATS_UPDATED, **today}),
            dumps({"type": "presence.snapshot", "agents": agents}),
            dumps({"type": events.INBOX_COUNTS, **counts}),
        ]
