"""The audit trail: who did what to whose data, and when; never the data itself.

Records go to the `audit_log` table in the same transaction as the change they describe
(so an erasure and its record commit or fail together) and, as one JSON line, to the
`hub.audit` logger for log shippers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.conversations.views import iso
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id, utcnow

log = logging.getLogger("hub.audit")
FIELDS = ("id", "action", "actor_agent_id", "subject_type", "subject_id", "detail")


async def record(
    conn: AsyncConnection,
    company_id: str,
    action: str,
    subject: tuple[str, str | None],
    *,
    actor: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an audit record inside the caller's transaction. `detail` holds counts and
    identifiers only; `actor` is the agent (None: the hub itself, e.g. a retention purge)."""
    row = {
        "id": new_id(),
        "company_id": company_id,
        "actor_agent_id": actor,
        "action": action,
        "subject_type": subject[0],
        "subject_id": subject[1],
        "detail": detail or {},
        "created_at": utcnow(),
    }
    await conn.execute(repo.audit_log.insert().values(**row))
    log.info(json.dumps(view(row), separators=(",", ":")))


def view(row: Any) -> dict[str, Any]:
    """An audit record as the API and the log show it."""
    values: Mapping[str, Any] = row if isinstance(row, dict) else row._mapping
    shown = {key: values[key] for key in FIELDS}
    return shown | {"created_at": iso(values["created_at"])}


async def recent_records(db: Database, company_id: str, limit: int) -> list[dict[str, Any]]:
    """The company's latest audit records, newest first."""
    table = repo.audit_log
    stmt = (
        select(table)
        .where(table.c.company_id == company_id)
        .order_by(table.c.created_at.desc(), table.c.id)
        .limit(limit)
    )
    async with db.read() as conn:
        return [view(row) for row in (await conn.execute(stmt)).all()]
