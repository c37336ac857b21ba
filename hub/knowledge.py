"""What the AI knows about a company: its profile and facts, Q&A pairs, and AI settings."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, delete, select

from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id

PROFILE_FIELDS = ("name", "website", "description", "facts", "allowed_origins", "retention_days")
AI_DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "model": "llama-3.1-8b-instant",
    "use_case": "customer_support",
    "instructions": "",
    "temperature": 0.3,
    "max_tokens": 400,
}


@dataclass(frozen=True)
class AiConfig:
    enabled: bool
    model: str
    use_case: str
    instructions: str
    temperature: float
    max_tokens: int


CONFIG_TTL = 5.0  # seconds another process's change to AI settings may take to apply here


class KnowledgeService:
    def __init__(self, db: Database) -> None:
        self.db = db
        # Read on every inbound message: cached briefly so a busy chat costs no extra query.
        self._configs: dict[str, tuple[float, AiConfig]] = {}

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

    async def delete_pair(self, company_id: str, pair_id: str) -> bool:
        table = repo.qa_pairs
        stmt = delete(table).where(table.c.id == pair_id, table.c.company_id == company_id)
        async with self.db.write() as conn:
            return bool((await conn.execute(stmt)).rowcount)

    def cached_ai_config(self, company_id: str) -> AiConfig | None:
        """The AI settings if read recently, without a query (None: not cached)."""
        cached = self._configs.get(company_id)
        if cached is not None and time.monotonic() - cached[0] < CONFIG_TTL:
            return cached[1]
        return None

    async def ai_config(self, company_id: str) -> AiConfig:
        cached = self.cached_ai_config(company_id)
        if cached is not None:
            return cached
        config = await self._load_config(company_id)
        self._configs[company_id] = (time.monotonic(), config)
        return config

    async def _load_config(self, company_id: str) -> AiConfig:
        table = repo.ai_settings
        async with self.db.read() as conn:
            row = await repo.one(conn, select(table).where(table.c.company_id == company_id))
        values = AI_DEFAULTS if row is None else {k: getattr(row, k) for k in AI_DEFAULTS}
        return AiConfig(**values)

    async def update_ai_config(self, company_id: str, values: dict[str, Any]) -> AiConfig:
        table = repo.ai_settings
        async with self.db.write() as conn:
            stmt = repo.upsert(conn, table).values(company_id=company_id, **values)
            await conn.execute(
                stmt.on_conflict_do_update(index_elements=["company_id"], set_=values)
            )
        self._configs.pop(company_id, None)
        return await self.ai_config(company_id)
