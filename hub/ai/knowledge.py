"""What the AI knows about a company: its profile and facts, Q&A pairs, and AI settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, delete, select

from hub.persistence import repository as repo
from hub.persistence.changes import ChangePoll
from hub.persistence.db import Database
from hub.persistence.models import new_id, utcnow

PROFILE_FIELDS = ("name", "website", "description", "facts", "allowed_origins", "retention_days")
AI_DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "model": "llama-3.1-8b-instant",
    "use_case": "customer_support",
    "instructions": "",
    "temperature": 0.3,
    "max_tokens": 400,
    "answer_off_hours": True,  # outside business hours (hub.workspace.business_hours)
}


@dataclass(frozen=True)
class AiConfig:
    enabled: bool
    model: str
    use_case: str
    instructions: str
    temperature: float
    max_tokens: int
    answer_off_hours: bool = True


CONFIG_POLL = 5.0  # seconds another process's change to AI settings may take to apply here
CONFIG_CACHE_LIMIT = 50_000  # companies whose settings a process keeps (oldest go first)


class KnowledgeService:
    def __init__(self, db: Database) -> None:
        self.db = db
        # Read on every inbound message, so cached until a poll sees the row change: no
        # query per message, and no expiry that reloads every company at the same moment.
        self._configs: dict[str, tuple[AiConfig, dt.datetime | None]] = {}
        self._poll = ChangePoll(db, repo.ai_settings)

    async def profile(self, company_id: str) -> dict[str, Any]:
        async with self.db.read() as conn:
            row = await repo.company_by_id(conn, company_id)
        assert row is not None
        return {name: getattr(row, name) for name in PROFILE_FIELDS}

    async def update_profile(self, company_id: str, values: dict[str, Any]) -> dict[str, Any]:
        async with self.db.write() as conn:
            stmt = repo.companies.update().where(repo.companies.c.id == company_id)
            await conn.execute(stmt.values(**values))
        return await self.profile(company_id)

    async def pairs(self, company_id: str) -> Sequence[Row[Any]]:
        table = repo.qa_pairs
        stmt = select(table).where(table.c.company_id == company_id).order_by(table.c.created_at)
        async with self.db.read() as conn:
            return (await conn.execute(stmt)).all()

    async def add_pair(self, company_id: str, question: str, answer: str) -> dict[str, str]:
        pair = {"id": new_id(), "question": question, "answer": answer}
        async with self.db.write() as conn:
            await conn.execute(repo.qa_pairs.insert().values(company_id=company_id, **pair))
        return pair

    async def update_pair(
        self, company_id: str, pair_id: str, question: str, answer: str
    ) -> dict[str, str] | None:
        """Replace a pair's question and answer; None when the company has no such pair."""
        table = repo.qa_pairs
        stmt = (
            table.update()
            .where(table.c.id == pair_id, table.c.company_id == company_id)
            .values(question=question, answer=answer)
        )
        async with self.db.write() as conn:
            if not (await conn.execute(stmt)).rowcount:
                return None
        return {"id": pair_id, "question": question, "answer": answer}

    async def delete_pair(self, company_id: str, pair_id: str) -> bool:
        table = repo.qa_pairs
        stmt = delete(table).where(table.c.id == pair_id, table.c.company_id == company_id)
        async with self.db.write() as conn:
            return bool((await conn.execute(stmt)).rowcount)

    def cached_ai_config(self, company_id: str) -> AiConfig | None:
        """The AI settings if cached, without a query (None: not cached)."""
        cached = self._configs.get(company_id)
        return None if cached is None else cached[0]

    async def ai_config(self, company_id: str) -> AiConfig:
        cached = self._configs.get(company_id)
        if cached is not None:
            return cached[0]
        loaded = await self._load_config(company_id)
        if len(self._configs) >= CONFIG_CACHE_LIMIT:
            del self._configs[next(iter(self._configs))]
        self._configs[company_id] = loaded
        return loaded[0]

    async def forget_changed(self) -> int:
        """Drop cached settings that any process changed since they were read (run every
        CONFIG_POLL seconds by hub.runtime.periodic); how many were dropped."""
        stale = await self._poll.stale(self._configs)
        for company_id in stale:
            del self._configs[company_id]
        return len(stale)

    async def _load_config(self, company_id: str) -> tuple[AiConfig, dt.datetime | None]:
        """The settings (defaults without a row) and the row's `updated_at`."""
        table = repo.ai_settings
        async with self.db.read() as conn:
            row = await repo.one(conn, select(table).where(table.c.company_id == company_id))
        if row is None:
            return AiConfig(**AI_DEFAULTS), None
        return AiConfig(**{k: getattr(row, k) for k in AI_DEFAULTS}), row.updated_at

    async def update_ai_config(self, company_id: str, values: dict[str, Any]) -> AiConfig:
        table = repo.ai_settings
        async with self.db.write() as conn:
            values = {**values, "updated_at": utcnow()}
            stmt = repo.upsert(conn, table).values(company_id=company_id, **values)
            await conn.execute(
                stmt.on_conflict_do_update(index_elements=["company_id"], set_=values)
            )
        self._configs.pop(company_id, None)
        return await self.ai_config(company_id)
