"""Labels and priority: how agents organise the work (issue 21).

A company's labels have a name (unique in the company, compared without case), a colour (one
of PALETTE's names, kept as its hex, or any `#rrggbb`) and a description. Owners manage them;
any agent puts them on conversations and contacts, and sets a conversation's priority. Every
change to what a conversation shows publishes `conversation.updated` to the company's agents;
a renamed, recoloured or deleted label republishes the newest conversations carrying it (the
others are read fresh when next loaded).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.conversations.service import INBOX_LIMIT, ConversationService
from hub.conversations.views import iso, label_view
from hub.errors import HubError, NotFound
from hub.persistence import repository as repo
from hub.persistence.models import new_id, utcnow
from hub.workspace.data_rights import contact_view

PRIORITIES = ("none", "low", "medium", "high", "urgent")
# Chip colours: each dark enough for white text (WCAG AA, 4.5:1) in both themes.
PALETTE = {
    "grey": "#4b5563",
    "red": "#b91c1c",
    "orange": "#c2410c",
    "amber": "#a16207",
    "green": "#15803d",
    "teal": "#0f766e",
    "blue": "#1d4ed8",
    "indigo": "#4338ca",
    "purple": "#7e22ce",
    "pink": "#be185d",
}
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
TAKEN = "another label already has this name"
NO_LABEL = "no such label"


def colour_of(value: str) -> str:
    """A palette name or `#rrggbb` as the hex kept (lower case); ValueError otherwise."""
    if value in PALETTE:
        return PALETTE[value]
    if HEX.match(value):
        return value.lower()
    raise ValueError(f"colour: one of {', '.join(PALETTE)}, or #rrggbb")


def full_view(row: Any) -> dict[str, Any]:
    """A label as `GET /api/labels` lists it."""
    return label_view(row) | {"description": row.description, "updated_at": iso(row.updated_at)}


class LabelService:
    """The company's labels, and the labels and priority of its conversations and contacts."""

    def __init__(self, conversations: ConversationService) -> None:
        self.conversations = conversations
        self.db = conversations.db

    # -- the company's labels (owners) -----------------------------------------------------

    async def catalogue(self, company_id: str) -> list[dict[str, Any]]:
        """Every label of the company, by name."""
        t = repo.labels
        stmt = select(t).where(t.c.company_id == company_id).order_by(func.lower(t.c.name))
        async with self.db.read() as conn:
            return [full_view(row) for row in (await conn.execute(stmt)).all()]

    async def create(
        self, company_id: str, name: str, colour: str, description: str
    ) -> dict[str, Any]:
        """Raises HubError `conflict` when the name is taken."""
        t, now = repo.labels, utcnow()
        values = {"id": new_id(), "company_id": company_id, "name": name, "colour": colour}
        stmt = insert(t).values(**values, description=description, created_at=now, updated_at=now)
        try:
            async with self.db.write() as conn:
                await self._free(conn, company_id, name, None)
                row = await repo.one(conn, stmt.returning(*t.c))
        except IntegrityError:  # the same name, created at the same time
            raise HubError("conflict", TAKEN) from None
        return full_view(row)

    async def update(self, company_id: str, label_id: str, **values: str) -> dict[str, Any]:
        """Change any of name, colour, description; republishes the conversations carrying
        it. Raises NotFound, or HubError `conflict`."""
        t = repo.labels
        stmt = update(t).where(t.c.id == label_id, t.c.company_id == company_id)
        try:
            async with self.db.write() as conn:
                if "name" in values:
                    await self._free(conn, company_id, values["name"], label_id)
                row = await repo.one(
                    conn, stmt.values(**values, updated_at=utcnow()).returning(*t.c)
                )
                carrying = await self._carrying(conn, label_id) if row is not None else []
        except IntegrityError:
            raise HubError("conflict", TAKEN) from None
        if row is None:
            raise NotFound(NO_LABEL)
        await self._republish(company_id, carrying)
        return full_view(row)

    async def delete(self, company_id: str, label_id: str) -> None:
        """Remove the label from every conversation and contact, then the label. Raises
        NotFound."""
        t = repo.labels
        async with self.db.write() as conn:
            carrying = await self._carrying(conn, label_id)
            for link in (repo.conversation_labels, repo.contact_labels):
                await conn.execute(
                    delete(link).where(link.c.label_id == label_id, link.c.company_id == company_id)
                )
            stmt = delete(t).where(t.c.id == label_id, t.c.company_id == company_id)
            if not (await conn.execute(stmt)).rowcount:
                raise NotFound(NO_LABEL)
        await self._republish(company_id, carrying)

    async def _free(
        self, conn: AsyncConnection, company_id: str, name: str, label_id: str | None
    ) -> None:
        """Raise `conflict` when another label of the company has this name (any case)."""
        t = repo.labels
        stmt = select(t.c.id).where(
            t.c.company_id == company_id, func.lower(t.c.name) == name.lower()
        )
        if label_id is not None:
            stmt = stmt.where(t.c.id != label_id)
        if (await conn.execute(stmt.limit(1))).first() is not None:
            raise HubError("conflict", TAKEN)

    async def _carrying(self, conn: AsyncConnection, label_id: str) -> list[str]:
        """The newest INBOX_LIMIT conversations carrying the label."""
        cl, c = repo.conversation_labels, repo.conversations
        stmt = (
            select(cl.c.conversation_id)
            .join(c, c.c.id == cl.c.conversation_id)
            .where(cl.c.label_id == label_id)
            .order_by(c.c.updated_at.desc())
            .limit(INBOX_LIMIT)
        )
        return [str(i) for i in (await conn.execute(stmt)).scalars()]

    async def _republish(self, company_id: str, ids: Sequence[str]) -> None:
        if not ids:
            return
        for view in await self.conversations.inbox(company_id, len(ids), tuple(ids)):
            await self.conversations.publisher.conversation_updated(company_id, view)

    # -- on conversations and contacts (any agent) -----------------------------------------

    async def label_conversation(
        self, company_id: str, conversation_id: str, label_ids: Sequence[str]
    ) -> dict[str, Any]:
        """Replace the conversation's labels; its view, as published. Raises NotFound for an
        unknown conversation or a label id not the company's."""
        link = repo.conversation_labels
        async with self.db.write() as conn:
            if await repo.conversation(conn, company_id, conversation_id) is None:
                raise NotFound()
            await self._replace(
                conn, company_id, link, link.c.conversation_id, conversation_id, label_ids
            )
            await repo.update_conversation(conn, company_id, conversation_id)
        return await self._changed(company_id, conversation_id)

    async def set_priority(
        self, company_id: str, conversation_id: str, priority: str
    ) -> dict[str, Any]:
        """Set the conversation's priority (one of PRIORITIES); its view, as published."""
        async with self.db.write() as conn:
            row = await repo.update_conversation(
                conn, company_id, conversation_id, priority=priority
            )
        if row is None:
            raise NotFound()
        return await self._changed(company_id, conversation_id)

    async def label_contact(
        self, company_id: str, contact_id: str, label_ids: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Replace the contact's labels; the labels now on it. Raises NotFound."""
        link = repo.contact_labels
        async with self.db.write() as conn:
            if await repo.contact(conn, company_id, contact_id) is None:
                raise NotFound("no such contact")
            await self._replace(conn, company_id, link, link.c.contact_id, contact_id, label_ids)
        return await self.of_contact(company_id, contact_id)

    async def of_contact(self, company_id: str, contact_id: str) -> list[dict[str, Any]]:
        """The contact's labels, by name."""
        link, t = repo.contact_labels, repo.labels
        stmt = (
            select(t)
            .join(link, link.c.label_id == t.c.id)
            .where(link.c.contact_id == contact_id, link.c.company_id == company_id)
            .order_by(func.lower(t.c.name))
        )
        async with self.db.read() as conn:
            return [label_view(row) for row in (await conn.execute(stmt)).all()]

    async def _replace(
        self,
        conn: AsyncConnection,
        company_id: str,
        link: Any,
        owner: Any,
        owner_id: str,
        label_ids: Sequence[str],
    ) -> None:
        wanted = set(label_ids)
        t = repo.labels
        known = select(t.c.id).where(t.c.company_id == company_id, t.c.id.in_(wanted))
        if len(set((await conn.execute(known)).scalars())) != len(wanted):
            raise NotFound(NO_LABEL)  # another company's label is no label of this one
        await conn.execute(delete(link).where(owner == owner_id))
        if wanted:
            rows = [{owner.key: owner_id, "label_id": i, "company_id": company_id} for i in wanted]
            await conn.execute(insert(link), rows)

    async def _changed(self, company_id: str, conversation_id: str) -> dict[str, Any]:
        views = await self.conversations.inbox(company_id, 1, (conversation_id,))
        if not views:
            raise NotFound()
        await self.conversations.publisher.conversation_updated(company_id, views[0])
        return views[0]

    # -- search -----------------------------------------------------------------------------

    async def named(self, company_id: str, names: Sequence[str]) -> list[str] | None:
        """The ids of the labels with these names (any case); None when one is unknown."""
        t = repo.labels
        lowered = {n.lower() for n in names}
        stmt = select(t.c.id, t.c.name).where(
            t.c.company_id == company_id, func.lower(t.c.name).in_(lowered)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [row.id for row in rows] if len(rows) == len(lowered) else None

    async def contacts_labelled(
        self, company_id: str, label_ids: Sequence[str], limit: int
    ) -> list[dict[str, Any]]:
        """The newest contacts carrying every one of the labels."""
        link, ct = repo.contact_labels, repo.contacts
        stmt = select(ct).where(ct.c.company_id == company_id)
        for label_id in label_ids:
            carriers = select(link.c.contact_id).where(link.c.label_id == label_id)
            stmt = stmt.where(ct.c.id.in_(carriers))
        stmt = stmt.order_by(ct.c.created_at.desc(), ct.c.id.desc()).limit(limit)
        async with self.db.read() as conn:
            return [contact_view(row) for row in (await conn.execute(stmt)).all()]

    async def keep_labelled(
        self, conversation_ids: Sequence[str], label_ids: Sequence[str]
    ) -> set[str]:
        """Those of the conversations that carry every one of the labels."""
        link = repo.conversation_labels
        kept = set(conversation_ids)
        async with self.db.read() as conn:
            for label_id in label_ids:
                stmt = select(link.c.conversation_id).where(
                    link.c.label_id == label_id, link.c.conversation_id.in_(kept)
                )
                kept = {str(i) for i in (await conn.execute(stmt)).scalars()}
        return kept
