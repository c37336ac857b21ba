"""Agents' presence (online, away, offline), true across every hub process.

Kept in the database, so every process sees the same answer whichever process an agent's
sockets are on:

- `agent_sockets`: one row per agent per process that holds at least one of its sockets,
  written when the process's first socket of that agent opens and deleted when its last one
  closes. Each process refreshes its rows every `interval` seconds (`heartbeat`); a row older
  than three intervals belongs to a process that died, and the first heartbeat anywhere to
  find it deletes it and announces the change.
- `agent_presence`: per agent, `away` (its own choice, kept across reconnects), `version`, and
  the round-robin's `last_assigned_at` (hub.conversations.assignment).

An agent is online with a fresh socket row and not away, away with one and away, else offline.
Every change is one transaction that first bumps the agent's `version` (an upsert, which takes
the agent's row lock, so changes to one agent are serialised across processes) and reads the
status inside it. `presence.updated` carries both: whatever order two processes' frames
arrive in, a client that keeps the highest version per agent shows the last state committed.

Sockets come and go in waves (a deploy, a network blip), so a process writes them the way the
group commit writes messages: one writer task; the agents whose first or last socket here came
or went while it wrote are written together in its next transaction, a few statements for all
of them. The writer alone writes `agent_sockets` rows of this process, so each agent's row
follows its sockets here in order; and an opening socket waits for the transaction that
records it, so the company hears of the agent before the agent's own `welcome`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from hub.conversations.publish import Publisher
from hub.conversations.views import avatar_url
from hub.identity.tokens import AgentIdentity
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import utcnow

log = logging.getLogger("hub.presence")

ONLINE, AWAY, OFFLINE = "online", "away", "offline"
ATTEMPTS = 3  # two processes' batches may deadlock on each other's rows: try again


def _status(live: bool, away: bool) -> str:
    return AWAY if live and away else ONLINE if live else OFFLINE


class Presence:
    """This process's share of presence: which agents it holds sockets of."""

    def __init__(
        self, db: Database, publisher: Publisher, process_id: str, interval: float
    ) -> None:
        self.db = db
        self.publisher = publisher
        self.process_id = process_id
        self.interval = interval
        self.local: dict[str, tuple[str, int]] = {}  # agent id -> (company id, its sockets)
        # Agents whose row here must follow `local` (agent id -> company id), and the future
        # of the transaction that will write them.
        self._dirty: dict[str, str] = {}
        self._next: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None

    @property
    def ttl(self) -> dt.timedelta:
        """How long a socket row stays fresh without a heartbeat."""
        return dt.timedelta(seconds=3 * self.interval)

    def cutoff(self, now: dt.datetime | None = None) -> dt.datetime:
        return (now or utcnow()) - self.ttl

    async def opened(self, agent: AgentIdentity) -> None:
        """A socket of `agent` opened here (its first one here is written down)."""
        _, count = self.local.get(agent.agent_id, (agent.company_id, 0))
        self.local[agent.agent_id] = (agent.company_id, count + 1)
        if count == 0:
            try:
                await self._sync(agent.agent_id, agent.company_id)
            except BaseException:
                self._uncount(agent)  # the socket fails to open: it holds nothing here
                raise

    async def closed(self, agent: AgentIdentity) -> None:
        """A socket of `agent` closed here (its last one here is struck out)."""
        if self._uncount(agent) == 0:
            await self._sync(agent.agent_id, agent.company_id)

    def _uncount(self, agent: AgentIdentity) -> int:
        """One socket fewer here; how many are left."""
        _, count = self.local.get(agent.agent_id, (agent.company_id, 1))
        if count > 1:
            self.local[agent.agent_id] = (agent.company_id, count - 1)
            return count - 1
        self.local.pop(agent.agent_id, None)
        return 0

    async def set_away(self, agent: AgentIdentity, away: bool) -> str:
        """The agent's own choice; returns its status now."""
        async with self.db.write() as conn:
            version, _ = await repo.bump_presence(conn, agent.agent_id, agent.company_id, away)
            live = bool(await repo.live_agents(conn, [agent.agent_id], self.cutoff()))
        status = _status(live, away)
        await self.publisher.presence_updated(agent.company_id, agent.agent_id, status, version)
        return status

    async def agents(self, company_id: str) -> list[dict[str, Any]]:
        """Every active agent of the company with its status and version."""
        async with self.db.read() as conn:
            rows = await repo.company_presence(conn, company_id, self.cutoff())
        return [_agent_view(row) for row in rows]

    # -- the writer ---------------------------------------------------------------------------

    async def _sync(self, agent_id: str, company_id: str) -> None:
        """Have the agent's row here follow `local`, in the writer's next transaction."""
        self._dirty[agent_id] = company_id
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        waiting = self._next
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        await asyncio.shield(waiting)  # one cancelled socket must not fail the others' batch

    async def _drain(self) -> None:
        while self._dirty:
            batch, self._dirty = self._dirty, {}
            done, self._next = self._next, None
            assert done is not None
            try:
                changes = await self._write(batch)
            except Exception as exc:  # noqa: BLE001 - every waiter must hear of it
                if not done.done():
                    done.set_exception(exc)
                    done.exception()  # retrieved here: a waiter may have gone
                continue
            # Announced before the waiters go on: an opening socket's company hears of the
            # agent before the agent's own `welcome`.
            for agent_id, (status, version) in changes.items():
                try:
                    await self.publisher.presence_updated(
                        batch[agent_id], agent_id, status, version
                    )
                except Exception:  # the next change announces it again
                    log.warning("presence of %s not announced", agent_id, exc_info=True)
            if not done.done():
                done.set_result(None)

    async def _write(self, batch: dict[str, str]) -> dict[str, tuple[str, int]]:
        """One transaction for the batch: (status, version) of each agent."""
        agents = sorted(batch.items())  # the same lock order on every process
        for attempt in range(ATTEMPTS):
            try:
                return await self._write_once(agents)
            except DBAPIError as exc:
                if attempt == ATTEMPTS - 1 or exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    async def _write_once(self, agents: list[tuple[str, str]]) -> dict[str, tuple[str, int]]:
        now = utcnow()
        held = [(a, c) for a, c in agents if a in self.local]
        gone = [a for a, _ in agents if a not in self.local]
        async with self.db.write(system=True) as conn:  # many companies' agents at once
            bumped = await repo.bump_presences(conn, agents)
            if held:
                await repo.hold_sockets(conn, held, self.process_id, now)
            if gone:
                await repo.drop_sockets(conn, gone, self.process_id)
            live = {a for a, _ in held} | await repo.live_agents(conn, gone, self.cutoff(now))
        return {
            agent_id: (_status(agent_id in live, away), version)
            for agent_id, (version, away) in bumped.items()
        }

    # -- the schedule ---------------------------------------------------------------------------

    async def heartbeat(self) -> None:
        """Refresh this process's rows, strike out those of processes that died, and mend
        rows of this process that no longer follow its sockets."""
        now = utcnow()
        s = repo.agent_sockets
        mine = s.c.process_id == self.process_id
        async with self.db.write(system=True) as conn:
            await conn.execute(update(s).where(mine).values(seen_at=now))
            rows = (await conn.execute(select(s.c.agent_id, s.c.company_id).where(mine))).all()
            expired = (
                await conn.execute(
                    delete(s)
                    .where(s.c.seen_at <= self.cutoff(now))
                    .returning(s.c.agent_id, s.c.company_id)
                )
            ).all()
        for agent_id, company_id in {(r.agent_id, r.company_id) for r in expired}:
            await self._announce(agent_id, company_id)
        held = {r.agent_id: r.company_id for r in rows}
        # Rows another process struck out while this one could not reach the database, and
        # rows whose last socket closed while it could not.
        wrong = {a: c for a, (c, _) in self.local.items() if a not in held}
        wrong |= {a: c for a, c in held.items() if a not in self.local}
        for agent_id, company_id in wrong.items():
            await self._sync(agent_id, company_id)

    async def close(self) -> None:
        """Shutting down: this process holds no socket any more."""
        gone, self.local = self.local, {}
        if not gone:
            return
        try:
            await asyncio.gather(*(self._sync(a, c) for a, (c, _) in gone.items()))
        except Exception:  # the rows expire by themselves
            log.warning("presence of this process not cleared at shutdown", exc_info=True)

    async def _announce(self, agent_id: str, company_id: str) -> None:
        async with self.db.write(system=True) as conn:
            bumped = await repo.bump_presences(conn, [(agent_id, company_id)])
            live = bool(await repo.live_agents(conn, [agent_id], self.cutoff()))
        version, away = bumped[agent_id]
        await self.publisher.presence_updated(company_id, agent_id, _status(live, away), version)


def _agent_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "role": row.role,
        "avatar_url": avatar_url(row.id, row.avatar_id),
        "status": _status(bool(row.live), bool(row.away)),
        "version": row.version or 0,
    }
