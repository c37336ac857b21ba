"""Widget visitors: sessions, visits and engaged visits, and what visitors write."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from hub.conversations.append import Outgoing
from hub.conversations.service import Appended, ConversationService
from hub.conversations.useragent import describe
from hub.persistence import repository as repo
from hub.persistence.group_commit import NewConversation
from hub.persistence.models import new_id, utcnow

PURGE_BATCH = 500  # sessions per purge transaction: no long write lock


@dataclass(frozen=True)
class VisitorContext:
    """What the browser told us about itself, shown to agents."""

    page_url: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    # The hub's own preview page (the onboarding walkthrough's): no visit is counted.
    preview: bool = False
    timezone: str | None = None  # IANA, checked against the zone database (known_zone)


def known_zone(name: str | None) -> str | None:
    """`name` when the zone database knows it, else None: an unknown zone is not shown."""
    if not name:
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return name


@dataclass(slots=True)
class Visitor:
    """One widget socket after `hello`."""

    company_id: str
    session_row_id: str
    conversation_id: str
    session_token: str  # the bearer secret returned in `welcome`
    visit_id: str
    resumed: bool  # the hello named an existing session, on the same conversation
    last_seq: int  # the conversation's last seq at hello
    engaged: bool  # this visit is already counted as engaged
    # What agents see of the visitor (page_url, ip_address, browser, device): kept so a
    # first message can show its new conversation without reading it back.
    context: tuple[str | None, ...] = ()
    # The contact's id when it is known before the conversation exists (a verified user's,
    # allocated at their first sign-in), and what the visitor said of themselves.
    contact_id: str | None = None
    name: str | None = None
    email: str | None = None
    user_id: str | None = None  # the company's id of the verified user, else None


VISITOR_FIELDS = ("page_url", "ip_address", "browser", "device", "timezone")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class VisitorService:
    """Opens widget sessions, counts visits, and stores what visitors write."""

    def __init__(
        self,
        conversations: ConversationService,
        *,
        visit_window: dt.timedelta = dt.timedelta(minutes=30),
        idle_retention: dt.timedelta = dt.timedelta(hours=24),
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.conversations = conversations
        self.db = conversations.db
        self.publisher = conversations.publisher
        self.visit_window = visit_window
        self.idle_retention = idle_retention
        self.clock = clock  # tests pass their own: windows pass without sleeping
        # This process's widget sockets by session row, and the sessions whose last socket
        # closed since the last purge: the purge refreshes both before it looks for idle ones.
        self._open: Counter[str] = Counter()
        self._left: dict[str, dt.datetime] = {}  # session row id -> when its last socket closed

    async def session_exists(self, company_id: str, session_token: str) -> bool:
        """Whether the bearer `session_id` names one of the company's widget sessions."""
        async with self.db.read() as conn:
            row = await repo.widget_session_by_hash(conn, company_id, token_hash(session_token))
        return row is not None

    async def session_of(self, company_id: str, session_token: str) -> tuple[str, str | None]:
        """The conversation of the widget session the bearer `session_id` names (a verified
        user's shared one when the session is signed in) and that user's id (None for an
        anonymous session); KeyError for no such session (or a user since erased)."""
        async with self.db.read() as conn:
            row = await repo.widget_session_by_hash(conn, company_id, token_hash(session_token))
            if row is None:
                raise KeyError(session_token)
            if row.user_ref is None:
                return str(row.conversation_id), None
            user = await repo.widget_user_by_ref(conn, company_id, row.user_ref)
        if user is None:
            raise KeyError(session_token)
        return str(user.conversation_id), str(user.user_id)

    async def hello(
        self,
        company_id: str,
        visit_id: str,
        session_token: str | None,
        ctx: VisitorContext,
        user_id: str | None = None,
    ) -> Visitor:
        """Resume the session `session_token` names, or start a new one; count the visit.

        `user_id` is a signed-in user the caller has verified: the session then shares that
        user's conversation. A session signed in as one user never resumes without that
        same user (signed out, or another user): a fresh session starts instead."""
        browser, device = describe(ctx.user_agent)
        details = {
            "page_url": _clip(ctx.page_url, 2000),
            "ip_address": ctx.ip_address,
            "user_agent": _clip(ctx.user_agent, 500),
            "browser": browser,
            "device": device,
            "timezone": ctx.timezone,
        }
        now = self.clock()
        async with self.db.write() as conn:
            row, user = await self._session(conn, company_id, session_token, user_id)
            was = None if row is None else (user.conversation_id if user else row.conversation_id)
            fresh = row is None  # a new session has no visit yet
            if row is None:
                session_token = secrets.token_urlsafe(24)  # 192 random bits
                row = await repo.insert_widget_session(
                    conn,
                    company_id=company_id,
                    token_hash=token_hash(session_token),
                    created_at=now,
                    last_seen_at=now,
                    **details,
                )
            else:
                # Locks the session's row (PostgreSQL) until commit: two page loads of one
                # session at once look for its recent visit one after the other.
                await repo.touch_widget_session(conn, row.id, last_seen_at=now, **details)
            if user_id is not None:
                user = await _sign_in(conn, company_id, user_id, row)
                if user.conversation_id != row.conversation_id:  # what the inbox shows
                    await repo.touch_conversation_sessions(
                        conn, company_id, user.conversation_id, **details
                    )
            conversation_id = row.conversation_id if user is None else user.conversation_id
            resumed = was == conversation_id
            if ctx.preview:  # engaged: nothing to count later either
                engaged, stats = True, None
            else:
                visit_id, engaged, stats = await self._visit(
                    conn, company_id, visit_id, None if fresh else row.id, row.id, ctx.page_url, now
                )
            # A new session's conversation starts with its first message: nothing to read.
            conv = (
                await repo.conversation(conn, company_id, conversation_id)
                if resumed or user is not None
                else None
            )
            contact = conv and await repo.contact(conn, company_id, conv.contact_id)
        await self._publish_stats(company_id, stats)
        assert session_token is not None
        last_seq = 0 if conv is None else int(conv.last_seq)
        who = row if contact is None else contact
        return Visitor(
            company_id,
            row.id,
            conversation_id,
            session_token,
            visit_id,
            resumed,
            last_seq,
            engaged,
            tuple(details[key] for key in VISITOR_FIELDS),
            contact_id=None if user is None else user.contact_id,
            name=who.name,
            email=who.email,
            user_id=user_id,
        )

    @staticmethod
    async def _session(
        conn: AsyncConnection, company_id: str, session_token: str | None, user_id: str | None
    ) -> tuple[Any, Any]:
        """The session the token names and the user it is signed in as, when it may be
        resumed by this hello; (None, None) when a fresh session must start."""
        if not session_token:
            return None, None
        row = await repo.widget_session_by_hash(conn, company_id, token_hash(session_token))
        if row is None or row.user_ref is None:
            return row, None
        user = await repo.widget_user_by_ref(conn, company_id, row.user_ref)
        if user is None or user.user_id != user_id:
            return None, None  # signed out, or someone else: never their history
        return row, user

    async def profile(
        self, visitor: Visitor, name: str | None, email: str | None, typed: bool = False
    ) -> None:
        """What the visitor says of themselves (the pre-chat form, or the page's signed-in
        user): onto the conversation's contact, or kept on the session until the first
        message creates it. Agents get `conversation.updated` when a contact changed.
        `typed`: the visitor typed the email in the widget themselves, so an agent's later
        answer may be mailed to it (hub.workspace.followups); kept on the session."""
        values = {k: v for k, v in (("name", name), ("email", email)) if v is not None}
        if not values:
            return
        async with self.db.write() as conn:
            if typed and email is not None:
                await repo.touch_widget_session(conn, visitor.session_row_id, reply_email=email)
            conv = await repo.conversation(conn, visitor.company_id, visitor.conversation_id)
            if conv is not None:
                await repo.update_contact(conn, visitor.company_id, conv.contact_id, **values)
            else:
                await repo.touch_widget_session(conn, visitor.session_row_id, **values)
        visitor.name = values.get("name", visitor.name)
        visitor.email = values.get("email", visitor.email)
        if conv is not None:
            await self.conversations.publish_conversation(
                visitor.company_id, visitor.conversation_id
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

    async def send(
        self,
        visitor: Visitor,
        client_id: str,
        text: str,
        attachments: list[dict[str, Any]] | None = None,
    ) -> Appended:
        """Store a visitor's message (creating the conversation on the first one, and counting
        the visit engaged in the same transaction when it can); `attachments`: the views of
        uploads it carries, already checked (hub.workspace.attachments)."""
        contact_id = visitor.contact_id or new_id()
        contact: dict[str, Any] = {"id": contact_id, "company_id": visitor.company_id}
        contact.update(name=visitor.name, email=visitor.email)
        new = NewConversation(
            contact=contact,
            conversation={
                "id": visitor.conversation_id,
                "company_id": visitor.company_id,
                "contact_id": contact_id,
                "channel": "widget",
            },
            shown={
                **dict(zip(VISITOR_FIELDS, visitor.context, strict=True)),
                "name": visitor.name,
                "email": visitor.email,
            },
        )
        out = Outgoing(
            "widget",
            "inbound",
            "visitor",
            text,
            "received",
            client_id=client_id,
            type="file" if attachments else "text",
            attachments=attachments,
        )
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

    async def _visit(
        self,
        conn: AsyncConnection,
        company_id: str,
        visit_id: str,
        resumed: str | None,
        session_row_id: str,
        page_url: str | None,
        now: dt.datetime,
    ) -> tuple[str, bool, Any]:
        """The visit this hello belongs to: (its `visit_id`, whether it is engaged, the day's
        totals when it was counted now, else None). A page view already counted (a reconnect)
        continues its visit, and so does a page load of a session whose latest visit was
        active within the window; otherwise this page view starts one, counted on its day.
        `resumed`: the session's row id when it existed before this hello."""
        visit = await repo.visit_by_id(conn, company_id, visit_id)
        if visit is None and resumed is not None:
            visit = await repo.recent_visit(conn, resumed, now - self.visit_window)
        if visit is not None:
            await repo.touch_visit(conn, visit.id, now)
            return str(visit.visit_id), bool(visit.engaged), None
        day = now.astimezone(dt.UTC).date()
        new = await repo.insert_visit(
            conn,
            company_id=company_id,
            visit_id=visit_id,
            session_id=session_row_id,
            day=day,
            page_url=_clip(page_url, 2000),
            created_at=now,
            last_seen_at=now,
        )
        if not new:  # the same page view counted at this very moment by another socket
            return visit_id, await repo.visit_engaged(conn, company_id, visit_id), None
        return visit_id, False, await repo.bump_daily(conn, company_id, day, visits=1)

    def opened(self, visitor: Visitor) -> None:
        """A widget socket of this process said hello: its session is not idle while open."""
        self._open[visitor.session_row_id] += 1

    def closed(self, visitor: Visitor) -> None:
        """That socket closed: the next purge counts the close as the session's last activity."""
        key = visitor.session_row_id
        self._open[key] -= 1
        if self._open[key] <= 0:
            del self._open[key]
            self._left[key] = self.clock()  # stamped as it was: the mail follow-up asks

    async def purge_idle(self) -> int:
        """Delete the widget sessions idle for `idle_retention` that never wrote (their
        conversation does not exist) and are signed in as no user, with their visits; the
        count deleted. The day counters (`daily_stats`) are kept as they are. Every process
        runs it (hub.app): it first refreshes its own open and just-closed sessions, and the
        deletes repeat their conditions, so purges at once on several processes are safe."""
        now = self.clock()
        await self.refresh_seen()
        total = 0
        while True:
            async with self.db.write(system=True) as conn:
                deleted = await repo.purge_idle_sessions(
                    conn, now - self.idle_retention, PURGE_BATCH
                )
            total += deleted
            if deleted < PURGE_BATCH:
                return total

    async def refresh_seen(self) -> None:
        """Stamp `last_seen_at` of this process's sessions: now for those with a socket
        open, the moment of the close for those whose last socket closed since. Every
        process runs it each presence interval (hub.app), so whether a visitor was there
        after some moment is known across processes (hub.workspace.followups)."""
        now = self.clock()
        left, self._left = self._left, {}
        for chunk in _chunks(sorted(self._open), PURGE_BATCH):
            async with self.db.write(system=True) as conn:
                await repo.touch_widget_sessions(conn, chunk, now)
        gone = sorted((s, at) for s, at in left.items() if s not in self._open)
        for start in range(0, len(gone), PURGE_BATCH):
            async with self.db.write(system=True) as conn:
                for session_id, closed_at in gone[start : start + PURGE_BATCH]:
                    await repo.touch_widget_sessions(conn, [session_id], closed_at)

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


async def _sign_in(conn: AsyncConnection, company_id: str, user_id: str, session: Any) -> Any:
    """The verified user's mapping, created at their first sign-in from this session: they
    keep the conversation this browser had (and its contact), so nothing said before signing
    in is lost. Links the session to them."""
    user = await repo.widget_user(conn, company_id, user_id)
    if user is None:
        conv = await repo.conversation(conn, company_id, session.conversation_id)
        await repo.insert_widget_user(
            conn,
            company_id=company_id,
            user_id=user_id,
            conversation_id=session.conversation_id,
            contact_id=new_id() if conv is None else conv.contact_id,
        )
        user = await repo.widget_user(conn, company_id, user_id)
        assert user is not None
    if session.user_ref != user.id:
        await repo.link_widget_session(conn, session.id, user.id)
    return user


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _clip(value: str | None, limit: int) -> str | None:
    return None if value is None else value[:limit]
