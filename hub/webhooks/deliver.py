"""The webhook worker: sends stored deliveries, in order per conversation, at least once.

The database is the queue (hub.webhooks.record writes it). Each process sweeps it for due
deliveries whose endpoint is active and that have no earlier pending delivery with the same
order key (so a conversation's events go one at a time, a later one waiting while an earlier
one is retried), and claims each by moving its `next_attempt_at` a lease ahead in one
conditional UPDATE: one process sends it, and if that process dies mid-POST the lease runs
out and it is sent again (at least once; receivers dedupe on `webhook-id`). Different
conversations go in parallel, `concurrency` POSTs at a time.

A failed attempt (no answer, or anything but 2xx: redirects are not followed) is retried
after the next step of the schedule; a delivery still failing after its last step is
`failed`. An endpoint with no success for `pause_after` seconds since its first failure is
paused: its deliveries wait, and `on_paused` tells the company's agents.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from sqlalchemy import func, select, update

from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id, utcnow
from hub.runtime.crypto import Vault
from hub.webhooks import addresses, signing
from hub.webhooks.record import recorder
from hub.webhooks.views import endpoint_view

log = logging.getLogger("hub.webhooks")

# Idle, the worker looks every SWEEP_SECONDS, or sooner when a retry falls due: events
# recorded by this process wake it at once; the sweep finds other processes' retries and
# those of a process that stopped. (Few reads when idle: on SQLite each one may delay the
# write-ahead log's truncation after an erasure, hub.persistence.db.forget.)
SWEEP_SECONDS = 5.0
BATCH = 200
# A claim takes a conversation's next events with its head, up to CHAIN, and one task POSTs
# them in order: one claim and one write per CHAIN events rather than per event (a
# conversation's events cannot go in parallel, so its pace is the round trip of one step).
CHAIN = 20
# Seconds a woken worker waits before it sweeps: the sweep's query walks every due pending
# delivery (those behind a head too), so with a backlog it must not run per finished POST.
COALESCE = 0.05
RESPONSE_BYTES = 2048  # of each response body, kept in the log
USER_AGENT = "LeadOp-Hub-Webhooks/1"


async def _nothing(_company_id: str, _endpoint: dict[str, Any]) -> None:
    return None


@dataclass(frozen=True)
class Policy:
    """How hard the worker tries (hub.settings: HUB_WEBHOOK_*)."""

    schedule: tuple[float, ...]
    pause_after: float
    timeout: float
    concurrency: int
    allow_private: bool


@dataclass(frozen=True)
class Outcome:
    """What one POST came to."""

    ok: bool
    status_code: int | None
    response: str | None
    error: str | None
    duration_ms: int


class Deliverer:
    """Sweeps, claims and sends deliveries; records each attempt and its consequences."""

    def __init__(self, db: Database, vault: Vault, policy: Policy) -> None:
        self.db = db
        self.vault = vault
        self.policy = policy
        self.lease = dt.timedelta(seconds=policy.timeout + 30)
        # Told (company_id, endpoint view) when the hub paused an endpoint; set by hub.app.
        self.on_paused: Callable[[str, dict[str, Any]], Awaitable[None]] = _nothing
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._inflight: dict[str, asyncio.Task[None]] = {}
        # Attempts waiting to be written, and the task writing them (one transaction each
        # round, however many finished meanwhile).
        # (each delivery of a chain with its outcome, None: released untried; its waiter)
        self._outcomes: list[tuple[list[tuple[Any, Outcome | None]], asyncio.Future[None]]] = []
        self._failing: set[str] = set()  # endpoints with a failure this process knows of
        self._writer: asyncio.Task[None] | None = None
        self._secrets: dict[str, str] = {}  # sealed -> plain, so each is opened once
        self._http: aiohttp.ClientSession | None = None
        recorder(db).wakers.append(self._wake.set)

    async def start(self) -> None:
        # aiohttp, not httpx: an order of magnitude less CPU per POST with dozens of
        # connections open (bench/README.md, "Outgoing webhooks").
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.policy.concurrency),
            timeout=aiohttp.ClientTimeout(total=self.policy.timeout),
            trust_env=False,  # never through a proxy from the environment
            auto_decompress=False,
        )
        self._task = asyncio.create_task(self._run(), name="webhooks")

    async def close(self) -> None:
        tasks = [t for t in (self._task, self._writer, *self._inflight.values()) if t]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._http is not None:
            await self._http.close()

    async def _run(self) -> None:
        woken = False
        while True:
            self._wake.clear()
            wait = SWEEP_SECONDS
            try:
                if not woken:
                    await self._promote_stranded()
                wait = await self._sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook sweep failed")
            woken = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
                woken = True
                # Woken by a finished delivery or a new event: let the others finishing
                # meanwhile in, so one sweep claims them all (fewer, larger rounds).
                await asyncio.sleep(COALESCE)

    async def _promote_stranded(self) -> None:
        """Waiting deliveries with nothing pending ahead (the one ahead settled in another
        process while they were being recorded): due now. On idle sweeps only."""
        d = repo.webhook_deliveries
        ahead = _pending_ahead(d)
        stranded = (
            select(d.c.id)
            .where(d.c.status == "pending", d.c.next_attempt_at.is_(None), ~ahead)
            .limit(BATCH)
        )
        async with self.db.read(system=True) as conn:
            ids = list((await conn.execute(stranded)).scalars())
        if ids:
            async with self.db.write(system=True) as conn:
                stmt = update(d).where(d.c.id.in_(ids), d.c.next_attempt_at.is_(None))
                await conn.execute(stmt.values(next_attempt_at=utcnow()))

    async def _sweep(self) -> float:
        """Claim as many due deliveries as there are free slots, in one transaction; the
        seconds until the next sweep."""
        free = self.policy.concurrency - len(self._inflight)
        if free <= 0:
            return SWEEP_SECONDS  # a finishing delivery wakes the loop
        due, wait = await self._due(free)
        for chain, endpoint in await self._claim(due) if due else ():
            task = asyncio.create_task(self._attempt(chain, endpoint))
            self._inflight[chain[0].id] = task
            task.add_done_callback(self._finished(chain[0].id))
        return wait

    def _finished(self, delivery_id: str) -> Callable[[asyncio.Task[None]], None]:
        def done(_task: asyncio.Task[None]) -> None:
            self._inflight.pop(delivery_id, None)
            self._wake.set()  # the conversation's next event, or a free slot, may be waiting

        return done

    async def _due(self, limit: int) -> tuple[list[str], float]:
        """Due deliveries of active endpoints with no earlier pending one in their order, and
        the seconds until the next pending one falls due (at most SWEEP_SECONDS)."""
        d, e = repo.webhook_deliveries, repo.webhook_endpoints
        waits = _pending_ahead(d)
        stmt = (
            select(d.c.id)
            .join(e, e.c.id == d.c.endpoint_id)
            .where(d.c.status == "pending", d.c.next_attempt_at <= utcnow())
            .where(e.c.state == "active", ~waits)
            .order_by(d.c.next_attempt_at)
            .limit(min(limit, BATCH))
        )
        now = utcnow()
        soonest = select(func.min(d.c.next_attempt_at)).where(
            d.c.status == "pending", d.c.next_attempt_at > now
        )
        async with self.db.read(system=True) as conn:
            due = [row.id for row in (await conn.execute(stmt)).all()]
            at = await conn.scalar(soonest)
        wait = SWEEP_SECONDS if at is None else (at - now).total_seconds()
        return due, min(max(wait, 0.01), SWEEP_SECONDS)

    async def _claim(self, ids: list[str]) -> list[tuple[list[Any], Any]]:
        """Take the lease of those still due (another process may have some) and of the
        due events right behind each in its order: (chain, endpoint) pairs, in id order."""
        d, e = repo.webhook_deliveries, repo.webhook_endpoints
        now = utcnow()
        async with self.db.write(system=True) as conn:
            heads = (await conn.execute(self._lease(d.c.id.in_(ids), now))).all()
            chains = [[head, *await self._behind(conn, head, now)] for head in heads]
            wanted = {head.endpoint_id for head in heads}
            found = (await conn.execute(select(e).where(e.c.id.in_(wanted)))).all()
        endpoints = {row.id: row for row in found}
        self._failing |= {row.id for row in found if row.failing_since is not None}
        pairs = [(chain, endpoints.get(chain[0].endpoint_id)) for chain in chains]
        return sorted((p for p in pairs if p[1] is not None), key=lambda p: str(p[0][0].id))

    def _lease(self, which: Any, now: dt.datetime) -> Any:
        d = repo.webhook_deliveries
        return (
            update(d)
            .where(which, d.c.status == "pending", d.c.next_attempt_at <= now)
            .values(next_attempt_at=now + self.lease, attempts=d.c.attempts + 1)
            .returning(*d.c)
        )

    async def _behind(self, conn: Any, head: Any, now: dt.datetime) -> list[Any]:
        """Lease the pending events right behind `head` in its order, up to the first that
        is not due (never past it: that would break the order)."""
        d = repo.webhook_deliveries
        stmt = (
            select(d.c.id, d.c.next_attempt_at)
            .where(d.c.endpoint_id == head.endpoint_id, d.c.order_key == head.order_key)
            .where(d.c.status == "pending", d.c.id > head.id)
            .order_by(d.c.id)
            .limit(CHAIN - 1)
        )
        ids = []
        for row in (await conn.execute(stmt)).all():
            if row.next_attempt_at is not None and row.next_attempt_at > now:
                break  # a retry not yet due (waiting ones, NULL, come along)
            ids.append(row.id)
        if not ids:
            return []
        waiting = (d.c.next_attempt_at.is_(None)) | (d.c.next_attempt_at <= now)
        lease = (
            update(d)
            .where(d.c.id.in_(ids), d.c.status == "pending", waiting)
            .values(next_attempt_at=now + self.lease, attempts=d.c.attempts + 1)
            .returning(*d.c)
        )
        leased = (await conn.execute(lease)).all()
        return sorted(leased, key=lambda row: str(row.id))

    async def deliver(self, delivery_id: str) -> None:
        """Claim this delivery (and those behind it) if due and POST now: a sweep's work."""
        for chain, endpoint in await self._claim([delivery_id]):
            await self._attempt(chain, endpoint)

    async def _attempt(self, chain: list[Any], endpoint: Any) -> None:
        """POST a claimed chain in order, stopping at a failure (the rest is released);
        returns once the attempts are written."""
        settled: list[tuple[Any, Outcome | None]] = []
        for index, delivery in enumerate(chain):
            outcome = await self._post(delivery, endpoint)
            settled.append((delivery, outcome))
            if not outcome.ok:
                settled += [(later, None) for later in chain[index + 1 :]]
                break
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outcomes.append((settled, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_outcomes(), name="webhook-outcomes")
        await done

    async def _write_outcomes(self) -> None:
        """Write every finished attempt, a round at a time, until none is left."""
        while self._outcomes:
            batch, self._outcomes = self._outcomes, []
            try:
                paused = await self._record(batch)
            except Exception as exc:  # the leases run out: those are sent again later
                log.exception("webhook attempts not recorded")
                for _, done in batch:
                    done.set_exception(exc)
                continue
            for _, done in batch:
                done.set_result(None)
            for company_id, view in paused:
                log.warning("webhook endpoint %s paused after a day of failures", view["id"])
                await self.on_paused(company_id, view)

    def _secret(self, sealed: str) -> str:
        plain = self._secrets.get(sealed)
        if plain is None:
            plain = str(self.vault.open(sealed)["secret"])
            self._secrets[sealed] = plain
        return plain

    async def _post(self, delivery: Any, endpoint: Any) -> Outcome:
        started = time.perf_counter()
        try:
            target = await addresses.resolve(endpoint.url, self.policy.allow_private)
            headers = signing.headers(
                self._secret(endpoint.secret), delivery.event_id, utcnow(), delivery.payload
            )
            status, text = await self._send(target, headers, delivery.payload)
        except addresses.Refused as exc:
            return Outcome(False, None, None, f"{exc.code}: {exc.message}", _ms(started))
        except (aiohttp.ClientError, TimeoutError) as exc:
            failure = f"{type(exc).__name__}: {exc}"[:300]
            return Outcome(False, None, None, failure, _ms(started))
        ok = 200 <= status < 300
        return Outcome(ok, status, text, None if ok else _why(status), _ms(started))

    async def _send(
        self, target: addresses.Target, signed: dict[str, str], payload: str
    ) -> tuple[int, str]:
        """POST to the checked address, never following a redirect; (status, the response
        body's first 2 KB). TLS names and checks the URL's host, not the address."""
        assert self._http is not None
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "host": target.host,
            **signed,
        }
        tls_name = target.server_name if target.url.startswith("https:") else None
        async with self._http.post(
            target.url,
            data=payload.encode(),
            headers=headers,
            allow_redirects=False,
            server_hostname=tls_name,
        ) as response:
            kept = b""
            while len(kept) < RESPONSE_BYTES:
                chunk = await response.content.read(RESPONSE_BYTES - len(kept))
                if not chunk:
                    break
                kept += chunk
            return response.status, kept.decode("utf-8", "replace")

    async def _record(
        self, batch: list[tuple[list[tuple[Any, Outcome | None]], asyncio.Future[None]]]
    ) -> list[tuple[str, dict[str, Any]]]:
        """Log the attempts, settle the deliveries and their endpoints, release what was
        not tried, in one transaction; (company, endpoint view) of each endpoint a failure
        paused."""
        now = utcnow()
        d = repo.webhook_deliveries
        paused: list[tuple[str, dict[str, Any]]] = []
        settled = [pair for chain, _ in batch for pair in chain]
        async with self.db.write(system=True) as conn:
            ids = [delivery.id for delivery, _ in settled]
            # Deleted while in flight (its contact erased, its endpoint deleted): no log.
            alive = set((await conn.execute(select(d.c.id).where(d.c.id.in_(ids)))).scalars())
            tried = [(x, o) for x, o in settled if x.id in alive and o is not None]
            untried = [x.id for x, o in settled if x.id in alive and o is None]
            if untried:  # behind a failure: waiting again, as if never claimed
                await conn.execute(
                    update(d)
                    .where(d.c.id.in_(untried))
                    .values(attempts=d.c.attempts - 1, next_attempt_at=None)
                )
            if tried:
                await conn.execute(
                    repo.webhook_attempts.insert(), [_attempt(*t, now) for t in tried]
                )
            await self._succeeded(conn, [delivery for delivery, o in tried if o.ok], now)
            for delivery, outcome in tried:
                if outcome.ok:
                    continue
                self._failing.add(delivery.endpoint_id)
                view = await self._endpoint_failed(conn, delivery.endpoint_id, now)
                await self._failed(conn, delivery, outcome, now, view is not None)
                if view is not None:
                    paused.append((delivery.company_id, view))
            await self._promote(conn, {(x.endpoint_id, x.order_key) for x, _ in settled}, now)
        return paused

    @staticmethod
    async def _promote(conn: Any, orders: set[tuple[str, str]], now: dt.datetime) -> None:
        """Make the first waiting delivery of each order due, unless one ahead of it is
        still pending (then it waits on)."""
        d = repo.webhook_deliveries
        for endpoint_id, order_key in orders:
            first = await repo.one(
                conn,
                select(d.c.id, d.c.next_attempt_at)
                .where(d.c.endpoint_id == endpoint_id, d.c.order_key == order_key)
                .where(d.c.status == "pending")
                .order_by(d.c.id)
                .limit(1),
            )
            if first is not None and first.next_attempt_at is None:
                stmt = update(d).where(d.c.id == first.id).values(next_attempt_at=now)
                await conn.execute(stmt)

    async def _succeeded(self, conn: Any, deliveries: list[Any], now: dt.datetime) -> None:
        if not deliveries:
            return
        d, e = repo.webhook_deliveries, repo.webhook_endpoints
        await conn.execute(
            update(d)
            .where(d.c.id.in_([delivery.id for delivery in deliveries]))
            .values(status="delivered", delivered_at=now, next_attempt_at=None, last_error=None)
        )
        # An endpoint's failure streak ends (only those known to have one: no statement on
        # the usual path).
        endpoints = {d.endpoint_id for d in deliveries if d.endpoint_id in self._failing}
        if not endpoints:
            return
        self._failing -= endpoints
        await conn.execute(
            update(e)
            .where(e.c.id.in_(endpoints), e.c.failing_since.is_not(None))
            .values(failing_since=None)
        )

    async def _failed(
        self, conn: Any, delivery: Any, outcome: Outcome, now: dt.datetime, paused: bool
    ) -> None:
        """Schedule the next attempt, or give up after the last; a delivery whose failure
        paused its endpoint stays pending (it goes first when the endpoint resumes)."""
        d = repo.webhook_deliveries
        schedule = self.policy.schedule
        values: dict[str, Any] = {
            "last_status_code": outcome.status_code,
            "last_response": outcome.response,
            "last_error": outcome.error,
        }
        if paused:
            values["next_attempt_at"] = now
        elif delivery.attempts <= len(schedule):
            delay = schedule[delivery.attempts - 1]
            values["next_attempt_at"] = now + dt.timedelta(seconds=delay)
            if delay < SWEEP_SECONDS:  # sooner than the next sweep: wake for it
                asyncio.get_running_loop().call_later(delay, self._wake.set)
        else:
            values |= {"status": "failed", "next_attempt_at": None}
        await conn.execute(update(d).where(d.c.id == delivery.id).values(**values))

    async def _endpoint_failed(
        self, conn: Any, endpoint_id: str, now: dt.datetime
    ) -> dict[str, Any] | None:
        """Note the failure on the endpoint; pause it after `pause_after` of failures."""
        e = repo.webhook_endpoints
        row = await repo.one(conn, select(e).where(e.c.id == endpoint_id))
        if row is None:
            return None
        since = row.failing_since or now
        window = dt.timedelta(seconds=self.policy.pause_after)
        if row.state != "active" or now - since < window:
            if row.failing_since is None:
                await conn.execute(update(e).where(e.c.id == endpoint_id).values(failing_since=now))
            return None
        reason = "every delivery failed for a day"
        paused = await repo.one(
            conn,
            update(e)
            .where(e.c.id == endpoint_id, e.c.state == "active")
            .values(state="paused", paused_reason=reason, updated_at=now)
            .returning(*e.c),
        )
        return None if paused is None else endpoint_view(paused)


def _attempt(delivery: Any, outcome: Outcome, now: dt.datetime) -> dict[str, Any]:
    """The `webhook_attempts` row of one POST."""
    return {
        "id": new_id(),
        "company_id": delivery.company_id,
        "delivery_id": delivery.id,
        "attempt": delivery.attempts,
        "status_code": outcome.status_code,
        "response": outcome.response,
        "error": outcome.error,
        "duration_ms": outcome.duration_ms,
        "created_at": now,
    }


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _why(status: int) -> str:
    if 300 <= status < 400:
        return f"HTTP {status}: a redirect (not followed)"
    return f"HTTP {status}"


def _pending_ahead(d: Any) -> Any:
    """Whether a pending delivery of the same endpoint and order key (conversation or
    contact) was recorded before the row of `d`: that one goes first."""
    earlier = d.alias("earlier")
    return (
        select(earlier.c.id)
        .where(
            earlier.c.endpoint_id == d.c.endpoint_id,
            earlier.c.order_key == d.c.order_key,
            earlier.c.status == "pending",
            earlier.c.id < d.c.id,
        )
        .exists()
    )
