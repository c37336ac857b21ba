"""Widget visitors: sessions, visits and engaged visits, and what visitors write."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from hub.conversations.append import Outgoing
from hub.conversations.service import Appended, ConversationService
from hub.conversations.useragent import describe
from hub.persistence import repository as repo
from hub.persistence.group_commit import NewConversation
from hub.persistence.models import new_id


@dataclass(frozen=True)
class VisitorContext:
    """What the browser told us about itself, shown to agents."""

    page_url: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None


@dataclass(slots=True)
class Visitor:
    """One widget socket after `hello`."""

    company_id: str
    session_row_id: str
    conversation_id: str
    session_token: str  # the bearer secret returned in `welcome`
    visit_id: str
    resumed: bool  # the hello named an existing session
    last_seq: int  # the conversation's last seq at hello
    engaged: bool  # this visit is already counted as engaged
    # What agents see of the visitor (page_url, ip_address, browser, device): kept so a
    # first message can show its new conversation without reading it back.
    context: tuple[str | None, ...] = ()


VISITOR_FIELDS = ("page_url", "ip_address", "browser", "device")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class VisitorService:
    """Opens widget sessions, counts visits, and stores what visitors write."""

    def __init__(self, conversations: ConversationService) -> None:
        self.conversations = conversations
        self.db = conversations.db
        self.publisher = conversations.publisher

    async def session_exists(self, company_id: str, session_token: str) -> bool:
        """Whether the bearer `session_id` names one of the company's widget sessions."""
        async with self.db.read() as conn:
            row = await repo.widget_session_by_hash(conn, company_id, token_hash(session_token))
        return row is not None

    async def hello(
        self, company_id: str, visit_id: str, session_token: str | None, ctx: VisitorContext
    ) -> Visitor:
        """Resume the session `session_token` names, or start a new one; count the visit."""
        browser, device = describe(ctx.user_agent)
        details = {
            "page_url": _clip(ctx.page_url, 2000),
            "ip_address": ctx.ip_address,
            "user_agent": _clip(ctx.user_agent, 500),
            "browser": browser,
            "device": device,
        }
        async with self.db.write() as conn:
            row = None
            if session_token:
                row = await repo.widget_session_by_hash(conn, company_id, token_hash(session_token))
            resumed = row is not None
            if row is None:
                session_token = secrets.token_urlsafe(24)  # 192 random bits
                row = await repo.insert_widget_session(
                    conn, company_id=company_id, token_hash=token_hash(session_token), **details
                )
            else:
                await repo.touch_widget_session(conn, row.id, **details)
            stats = await self._count_visit(conn, company_id, visit_id, row.id, ctx.page_url)
            engaged = stats is None and await repo.visit_engaged(conn, company_id, visit_id)
            # A new session's conversation starts with its first message: nothing to read.
            conv = (
                await repo.conversation(conn, company_id, row.conversation_id) if resumed else None
            )
        await self._publish_stats(company_id, stats)
        assert session_token is not None
        last_seq = 0 if conv is None else int(conv.last_seq)
        return Visitor(
            company_id,
            row.id,
            row.conversation_id,
            session_token,
            visit_id,
            resumed,
            last_seq,
            engaged,
            tuple(details[key] for key in VISITOR_FIELDS),
        )

    async def engage(self, visitor: Visitor) -> None:
        """Count the visit as engaged, once."""
        if visitor.engaged:
            return
        visitor.engaged = True
        async with self.db.write() as conn:
            day = await repo.mark_engaged(conn, visitor.company_id, visitor.visit_id)
            stats = None
            if day is not None:
                stats = await repo.bump_daily(conn, visitor.company_id, day, engaged=1)
        await self._publish_stats(visitor.company_id, stats)

    async def send(self, visitor: Visitor, client_id: str, text: str) -> Appended:
        """Store a visitor's message (creating the conversation on the first one, and counting
        the visit engaged in the same transaction when it can)."""
        contact_id = new_id()
        new = NewConversation(
            contact={"id": contact_id, "company_id": visitor.company_id},
            conversation={
                "id": visitor.conversation_id,
                "company_id": visitor.company_id,
                "contact_id": contact_id,
                "channel": "widget",
            },
            shown=dict(zip(VISITOR_FIELDS, visitor.context, strict=True)),
        )
        out = Outgoing("widget", "inbound", "visitor", text, "received", client_id=client_id)
        engage_visit = None if visitor.engaged else visitor.visit_id
        appended = await self.conversations.append(
            visitor.company_id, visitor.conversation_id, out, new=new, engage_visit=engage_visit
        )
        if appended.created:
            if appended.engage_handled:
                visitor.engaged = True
                await self._publish_stats(visitor.company_id, appended.engaged)
            else:
                await self.engage(visitor)
            self.conversations.on_inbound(visitor.company_id, visitor.conversation_id)
        return appended

    async def _count_visit(
        self,
        conn: AsyncConnection,
        company_id: str,
        visit_id: str,
        session_row_id: str,
        page_url: str | None,
    ) -> Any:
        day = dt.datetime.now(dt.UTC).date()
        new = await repo.insert_visit(
            conn,
            company_id=company_id,
            visit_id=visit_id,
            session_id=session_row_id,
            day=day,
            page_url=_clip(page_url, 2000),
        )
        return await repo.bump_daily(conn, company_id, day, visits=1) if new else None

    async def today(self, company_id: str) -> dict[str, Any]:
        """Today's (UTC) visit counters: the `stats.updated` an agent gets on connecting."""
        day = dt.datetime.now(dt.UTC).date()
        async with self.db.read() as conn:
            row = await repo.day_totals(conn, company_id, day)
        visits, engaged = (0, 0) if row is None else (row.visits, row.engaged_visits)
        return {"day": day.isoformat(), "visits": visits, "engaged_visits": engaged}

    async def _publish_stats(self, company_id: str, stats: Any) -> None:
        if stats is None:
            return
        await self.publisher.stats_updated(
            company_id, stats.day, stats.visits, stats.engaged_visits
        )


def _clip(value: str | None, limit: int) -> str | None:
    return None if value is None else value[:limit]
