"""An owner's webhook endpoints: registered, changed, paused and resumed, their secret
rotated, their deliveries listed, redelivered by hand and tested.

A secret is shown once (on creation and rotation) and kept sealed by the Vault. Every change
forgets the company's cached subscriptions (hub.webhooks.record) so this process records
the next event by the new set at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.errors import HubError
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id, utcnow
from hub.runtime.crypto import Vault
from hub.webhooks import addresses, catalog, signing
from hub.webhooks.record import body, recorder
from hub.webhooks.views import delivery_view, endpoint_view

MAX_ENDPOINTS = 20  # per company
PAGE = 50
STATES = ("active", "paused")


def check_events(events: list[str]) -> list[str]:
    """The events, each known, without repeats; HubError `bad_request` otherwise."""
    unknown = [name for name in events if name not in catalog.EVENT_TYPES]
    if unknown or not events:
        known = ", ".join(catalog.EVENT_TYPES)
        raise HubError("bad_request", f"events: pick one or more of {known}")
    return list(dict.fromkeys(events))


class Endpoints:
    """The management of endpoints; the worker (hub.webhooks.deliver) sends."""

    def __init__(self, db: Database, vault: Vault, allow_private: bool) -> None:
        self.db = db
        self.vault = vault
        self.allow_private = allow_private
        self.recorder = recorder(db)

    async def _check_url(self, url: str) -> str:
        await addresses.resolve(url, self.allow_private)  # Refused: bad_url, address_refused
        return url

    async def all(self, company_id: str) -> list[dict[str, Any]]:
        e = repo.webhook_endpoints
        stmt = select(e).where(e.c.company_id == company_id).order_by(e.c.created_at)
        async with self.db.read() as conn:
            return [endpoint_view(row) for row in (await conn.execute(stmt)).all()]

    async def get(self, company_id: str, endpoint_id: str) -> dict[str, Any] | None:
        async with self.db.read() as conn:
            row = await _endpoint(conn, company_id, endpoint_id)
        return None if row is None else endpoint_view(row)

    async def create(
        self, company_id: str, url: str, events: list[str], description: str | None
    ) -> tuple[dict[str, Any], str]:
        """Register an endpoint: (its view, its secret, shown this once)."""
        events = check_events(events)
        await self._check_url(url)
        secret = signing.new_secret()
        now = utcnow()
        row = {
            "id": new_id(),
            "company_id": company_id,
            "url": url,
            "description": description,
            "events": events,
            "secret": self.vault.seal({"secret": secret}),
            "state": "active",
            "created_at": now,
            "updated_at": now,
        }
        async with self.db.write() as conn:
            count = await conn.scalar(
                select(repo.webhook_endpoints.c.id)
                .where(repo.webhook_endpoints.c.company_id == company_id)
                .offset(MAX_ENDPOINTS - 1)
                .limit(1)
            )
            if count is not None:
                raise HubError("too_many", f"a company has at most {MAX_ENDPOINTS} endpoints")
            stored = await repo.one(
                conn, repo.webhook_endpoints.insert().values(**row).returning(*_columns())
            )
        self.recorder.forget(company_id)
        return endpoint_view(stored), secret

    async def update(
        self, company_id: str, endpoint_id: str, changes: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Change url, events, description or state (`active` resumes a paused one: its
        waiting deliveries are due at once)."""
        values = dict(changes)
        if "events" in values:
            values["events"] = check_events(values["events"])
        if "url" in values:
            await self._check_url(values["url"])
        if values.get("state") == "active":
            values |= {"failing_since": None, "paused_reason": None}
        if values.get("state") == "paused":
            values["paused_reason"] = "paused by an owner"
        values["updated_at"] = utcnow()
        e, d = repo.webhook_endpoints, repo.webhook_deliveries
        async with self.db.write() as conn:
            row = await repo.one(
                conn,
                update(e)
                .where(e.c.id == endpoint_id, e.c.company_id == company_id)
                .values(**values)
                .returning(*_columns()),
            )
            if row is not None and values.get("state") == "active":
                await conn.execute(
                    update(d)
                    .where(d.c.endpoint_id == endpoint_id, d.c.status == "pending")
                    .values(next_attempt_at=utcnow())
                )
        self.recorder.forget(company_id)
        self.recorder.wake()
        return None if row is None else endpoint_view(row)

    async def delete(self, company_id: str, endpoint_id: str) -> bool:
        """Delete the endpoint with its deliveries and their log."""
        e = repo.webhook_endpoints
        async with self.db.write() as conn:
            result = await conn.execute(
                delete(e).where(e.c.id == endpoint_id, e.c.company_id == company_id)
            )
        self.recorder.forget(company_id)
        return bool(result.rowcount)

    async def rotate(self, company_id: str, endpoint_id: str) -> str | None:
        """A new secret, in force for the next attempt; shown this once."""
        secret = signing.new_secret()
        e = repo.webhook_endpoints
        async with self.db.write() as conn:
            result = await conn.execute(
                update(e)
                .where(e.c.id == endpoint_id, e.c.company_id == company_id)
                .values(secret=self.vault.seal({"secret": secret}), updated_at=utcnow())
            )
        return secret if result.rowcount else None

    async def deliveries(
        self, company_id: str, endpoint_id: str, before: str | None, limit: int = PAGE
    ) -> list[dict[str, Any]] | None:
        """The endpoint's deliveries, newest first, each with its log of attempts."""
        d, a = repo.webhook_deliveries, repo.webhook_attempts
        stmt = select(d).where(d.c.endpoint_id == endpoint_id, d.c.company_id == company_id)
        if before:
            stmt = stmt.where(d.c.id < before)
        async with self.db.read() as conn:
            if await _endpoint(conn, company_id, endpoint_id) is None:
                return None
            rows = (await conn.execute(stmt.order_by(d.c.id.desc()).limit(limit))).all()
            ids = [row.id for row in rows]
            logs = (
                await conn.execute(select(a).where(a.c.delivery_id.in_(ids)).order_by(a.c.attempt))
            ).all()
        by_delivery: dict[str, list[Any]] = {}
        for entry in logs:
            by_delivery.setdefault(entry.delivery_id, []).append(entry)
        return [delivery_view(row, by_delivery.get(row.id)) for row in rows]

    async def redeliver(
        self, company_id: str, endpoint_id: str, delivery_id: str
    ) -> dict[str, Any] | None:
        """Queue the delivery's event again, as a new delivery with the same `webhook-id`
        (the receiver dedupes on it) that waits behind nothing and holds nothing up."""
        d = repo.webhook_deliveries
        async with self.db.write() as conn:
            old = await repo.one(
                conn,
                select(d).where(
                    d.c.id == delivery_id,
                    d.c.endpoint_id == endpoint_id,
                    d.c.company_id == company_id,
                ),
            )
            if old is None:
                return None
            ids = await self.recorder.insert(
                conn,
                company_id,
                [endpoint_id],
                old.event_type,
                old.payload,
                new_id(),
                old.contact_id,
                utcnow(),
                old.event_id,
            )
            row = await repo.one(conn, select(d).where(d.c.id == ids[0]))
        self.recorder.wake()
        return delivery_view(row)

    async def test(self, company_id: str, endpoint_id: str) -> dict[str, Any] | None:
        """Queue a `webhook.test` event for this endpoint only."""
        now = utcnow()
        payload = body(catalog.TEST, {"endpoint_id": endpoint_id}, now)
        d = repo.webhook_deliveries
        async with self.db.write() as conn:
            if await _endpoint(conn, company_id, endpoint_id) is None:
                return None
            ids = await self.recorder.insert(
                conn, company_id, [endpoint_id], catalog.TEST, payload, new_id(), None, now
            )
            row = await repo.one(conn, select(d).where(d.c.id == ids[0]))
        self.recorder.wake()
        return delivery_view(row)


def _columns() -> list[Any]:
    return list(repo.webhook_endpoints.c)


async def _endpoint(conn: AsyncConnection, company_id: str, endpoint_id: str) -> Any:
    e = repo.webhook_endpoints
    stmt = select(e).where(e.c.id == endpoint_id, e.c.company_id == company_id)
    return await repo.one(conn, stmt)
