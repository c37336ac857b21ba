"""Satisfaction ratings: the visitor rates a resolved widget conversation, once per resolution.

A resolution is named by the conversation's `status_at` when it became `resolved`: a rating
stores it as `resolved_at`, and (conversation_id, resolved_at) is unique, so one resolution is
rated at most once (a second rating is refused, `already_rated`), while a conversation
reopened and resolved again may be rated again. A rating is pending while the conversation is
resolved, the company has `rating_enabled` (widget settings, default on) and that resolution
has no rating yet: the widget's `welcome` says so, and resolving publishes `rating.request`.

A star is sent alone, at once; the visitor may then add a comment (`rating.comment`), which
updates that same rating, once, while the conversation stays at that resolution.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any, NoReturn

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.conversations.service import ConversationService
from hub.conversations.views import rating_view
from hub.errors import HubError
from hub.persistence import repository as repo
from hub.persistence.models import new_id, utcnow
from hub.webhooks.catalog import RATING_GIVEN

SCORES = (1, 2, 3, 4, 5)
MAX_COMMENT = 1000  # characters


async def satisfaction(
    conn: AsyncConnection, company_id: str, since: dt.datetime, until: dt.datetime
) -> dict[str, Any]:
    """`GET /api/analytics`'s `satisfaction`: ratings given in [since, until)."""
    r = repo.ratings
    stmt = (
        select(r.c.score, func.count())
        .where(r.c.company_id == company_id, r.c.created_at >= since, r.c.created_at < until)
        .group_by(r.c.score)
    )
    by_score = {str(score): 0 for score in SCORES}
    for score, count in await conn.execute(stmt):
        by_score[str(score)] = int(count)
    total = sum(by_score.values())
    points = sum(int(score) * n for score, n in by_score.items())
    return {
        "ratings": total,
        "average": round(points / total, 2) if total else None,
        "by_score": by_score,
    }


async def enabled(conn: AsyncConnection, company_id: str) -> bool:
    """The company's `rating_enabled` widget setting (on when it never set any)."""
    s = repo.widget_settings
    stmt = select(s.c.rating_enabled).where(s.c.company_id == company_id)
    value = (await conn.execute(stmt)).scalar()
    return value is None or bool(value)


async def _pending_resolution(conn: AsyncConnection, company_id: str, conversation_id: str) -> Any:
    """The conversation row when a rating of its current resolution is awaited, else None."""
    conv = await repo.conversation(conn, company_id, conversation_id)
    if conv is None or conv.channel != "widget" or conv.status != "resolved":
        return None
    if conv.status_at is None or not await enabled(conn, company_id):
        return None
    r = repo.ratings
    stmt = select(r.c.id).where(
        r.c.conversation_id == conversation_id, r.c.resolved_at == conv.status_at
    )
    return None if await repo.one(conn, stmt) is not None else conv


class Ratings:
    """Asks for, stores and publishes visitors' ratings."""

    def __init__(self, conversations: ConversationService) -> None:
        self.db = conversations.db
        self.publisher = conversations.publisher
        self.webhooks = conversations.webhooks

    async def pending(self, company_id: str, conversation_id: str) -> bool:
        """Whether the visitor is asked to rate the conversation now (`welcome`)."""
        async with self.db.read() as conn:
            return await _pending_resolution(conn, company_id, conversation_id) is not None

    async def resolved(self, company_id: str, conversation_id: str) -> bool:
        """Whether the conversation is resolved now (`welcome.resolved`)."""
        async with self.db.read() as conn:
            conv = await repo.conversation(conn, company_id, conversation_id)
        return conv is not None and conv.status == "resolved"

    async def current(self, company_id: str, conversation_id: str) -> dict[str, Any] | None:
        """The rating of the conversation's current resolution while it is resolved
        (`welcome.rating`: a visitor who rated with a star alone is offered the comment box
        again), else None."""
        r = repo.ratings
        async with self.db.read() as conn:
            conv = await repo.conversation(conn, company_id, conversation_id)
            if conv is None or conv.status != "resolved" or conv.status_at is None:
                return None
            stmt = select(r).where(
                r.c.conversation_id == conversation_id, r.c.resolved_at == conv.status_at
            )
            row = await repo.one(conn, stmt)
        return None if row is None else rating_view(row)

    async def request(self, company_id: str, conversation_id: str) -> None:
        """After a resolution: `conversation.resolved` to the conversation's widget, and
        `rating.request` when a rating is wanted."""
        await self.publisher.conversation_resolved(company_id, conversation_id)
        if await self.pending(company_id, conversation_id):
            await self.publisher.rating_request(company_id, conversation_id)

    async def withdraw(self, company_id: str, conversation_id: str) -> None:
        """After an agent moved it from `resolved`: the widget's question, if shown, goes (a
        rating sent for the resolution it asked about would be refused, `not_pending`)."""
        await self.publisher.rating_withdrawn(company_id, conversation_id)

    async def rate(
        self, company_id: str, conversation_id: str, score: int, comment: str | None
    ) -> dict[str, Any]:
        """Store the visitor's rating of the current resolution and tell agents and the
        widget (`conversation.rated`). HubError `not_pending` when nothing awaits a rating,
        `already_rated` when this resolution has one."""
        comment = (comment or "").strip() or None
        try:
            async with self.db.write() as conn:
                conv = await _pending_resolution(conn, company_id, conversation_id)
                if conv is None:
                    await self._refuse(conn, company_id, conversation_id)
                row = {
                    "id": new_id(),
                    "company_id": company_id,
                    "conversation_id": conversation_id,
                    "agent_id": conv.assignee_id,
                    "score": score,
                    "comment": comment,
                    "resolved_at": conv.status_at,
                    "created_at": utcnow(),
                }
                await conn.execute(repo.ratings.insert().values(**row))
                view = rating_view(SimpleNamespace(**row))
                data = {"conversation_id": conversation_id, "rating": view}
                await self.webhooks.record(
                    conn, company_id, RATING_GIVEN, data, conversation_id=conversation_id
                )
        except IntegrityError:  # another tab of the visitor rated it first
            raise _already() from None
        await self.publisher.conversation_rated(company_id, conversation_id, view)
        return view

    async def comment(self, company_id: str, conversation_id: str, comment: str) -> dict[str, Any]:
        """Add the visitor's comment to its rating of the current resolution (one without a
        comment) and tell agents and the widget again (`conversation.rated`). HubError
        `bad_frame` for a blank comment, `not_pending` when that resolution has no rating
        (not resolved, or not rated yet), `already_rated` when its rating has a comment."""
        text = comment.strip()
        if not text:
            raise HubError("bad_frame", "the comment is empty")
        r = repo.ratings
        async with self.db.write() as conn:
            conv = await repo.conversation(conn, company_id, conversation_id)
            if conv is None or conv.status != "resolved" or conv.status_at is None:
                raise _unrated()
            mine = (r.c.conversation_id == conversation_id, r.c.resolved_at == conv.status_at)
            row = await repo.one(conn, select(r).where(*mine))
            if row is None:
                raise _unrated()
            stmt = r.update().where(r.c.id == row.id, r.c.comment.is_(None)).values(comment=text)
            if not (await conn.execute(stmt)).rowcount:
                raise HubError("already_rated", "this rating already has a comment")
        view = rating_view(SimpleNamespace(**{**row._mapping, "comment": text}))
        await self.publisher.conversation_rated(company_id, conversation_id, view)
        return view

    @staticmethod
    async def _refuse(conn: AsyncConnection, company_id: str, conversation_id: str) -> NoReturn:
        """Raise why no rating is awaited: this resolution has one, or there is none."""
        conv = await repo.conversation(conn, company_id, conversation_id)
        if conv is not None and conv.status == "resolved" and await enabled(conn, company_id):
            raise _already()
        raise HubError("not_pending", "no rating is asked for: the conversation is not resolved")


def _unrated() -> HubError:
    return HubError("not_pending", "no rating of this resolution to comment on: rate it first")


def _already() -> HubError:
    return HubError("already_rated", "this conversation was already rated")
