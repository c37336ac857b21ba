"""Canned responses: a company's saved replies, found in the inbox by typing `/shortcut`.

Every agent of the company reads them; owners create, change and delete them (hub.api).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.conversations.views import iso
from hub.errors import HubError, NotFound
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id, utcnow

TAKEN = "another canned response already has this shortcut"


def canned_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "shortcut": row.shortcut,
        "text": row.text,
        "updated_at": iso(row.updated_at),
    }


class CannedResponses:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def list(self, company_id: str) -> list[dict[str, Any]]:
        """Every canned response of the company, by shortcut."""
        t = repo.canned_responses
        stmt = select(t).where(t.c.company_id == company_id).order_by(t.c.shortcut, t.c.id)
        async with self.db.read() as conn:
            return [canned_view(row) for row in (await conn.execute(stmt)).all()]

    async def create(self, company_id: str, shortcut: str, text: str) -> dict[str, Any]:
        """Raises HubError `conflict` when the shortcut is taken."""
        t = repo.canned_responses
        now = utcnow()
        values = {"id": new_id(), "company_id": company_id, "shortcut": shortcut, "text": text}
        try:
            async with self.db.write() as conn:
                stmt = insert(t).values(**values, created_at=now, updated_at=now)
                row = await repo.one(conn, stmt.returning(*t.c))
        except IntegrityError:
            raise HubError("conflict", TAKEN) from None
        return canned_view(row)

    async def update(
        self, company_id: str, response_id: str, shortcut: str, text: str
    ) -> dict[str, Any]:
        """Replace both fields. Raises NotFound, or HubError `conflict`."""
        t = repo.canned_responses
        stmt = (
            update(t)
            .where(t.c.id == response_id, t.c.company_id == company_id)
            .values(shortcut=shortcut, text=text, updated_at=utcnow())
            .returning(*t.c)
        )
        try:
            async with self.db.write() as conn:
                row = await repo.one(conn, stmt)
        except IntegrityError:
            raise HubError("conflict", TAKEN) from None
        if row is None:
            raise NotFound("no such canned response")
        return canned_view(row)

    async def delete(self, company_id: str, response_id: str) -> None:
        """Raises NotFound."""
        t = repo.canned_responses
        stmt = delete(t).where(t.c.id == response_id, t.c.company_id == company_id)
        async with self.db.write() as conn:
            if not (await conn.execute(stmt)).rowcount:
                raise NotFound("no such canned response")
