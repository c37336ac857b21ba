"""An agent's answer reaches a visitor who left, by mail, with the conversation so far.

When an agent answers in a widget conversation whose visitor has no socket on this process,
`answered` writes one `mail_followups` row for the conversation (an insert that does nothing
when one is pending: a burst of answers makes one row, so one mail). The worker (`run`, a
schedule on every process; mail never goes from the reply's request) claims due rows by
deleting them, so each is handled by one process, and mails the conversation when:

- the visitor was not seen since the burst's first answer: every process stamps its widget
  sessions' `last_seen_at` each presence interval while a socket is open, and with the moment
  of the close when the last one closes (`VisitorService.refresh_seen`), so a visitor who
  was connected, or came back and read it, on any process, is seen; and
- the visitor typed an address in this conversation's widget themselves (`reply_email` of
  one of its sessions, from a `profile` frame with `typed`). Never an address a page passed
  in, nor one from elsewhere.

A mail the SMTP server refused is tried again later, at most `ATTEMPTS` times.

A pending row stays until it is due (only the worker's claim, of due rows, deletes one), so
until then another answer's insert would do nothing: the process remembers when the row it
wrote, or found, falls due and skips the insert until then, and an agent answering a visitor
on another process costs one write per conversation and delay, not one per reply.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete, or_, select

from hub.conversations.service import ConversationService
from hub.conversations.visitors import VisitorService
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import utcnow
from hub.runtime.mailer import Mail, Mailer, MailError

log = logging.getLogger("hub.followups")

ATTEMPTS = 3
RETRY = dt.timedelta(minutes=1)
BATCH = 100  # rows claimed per transaction
NOTED_MAX = 10_000  # rows remembered as written (expired ones are dropped past this)
SHOWN = 50  # the last messages a mail shows
WHO = {"visitor": "You", "ai": "Assistant"}


class Followups:
    """Writes pending follow-ups and mails them from the background."""

    def __init__(
        self,
        conversations: ConversationService,
        visitors: VisitorService,
        mailer: Mailer,
        delay: float,
    ) -> None:
        self.conversations = conversations
        self.db: Database = conversations.db
        self.visitors = visitors
        self.mailer = mailer
        self.delay = dt.timedelta(seconds=delay)
        # Whether this process holds a widget socket of the conversation (its registry):
        # then the visitor is reading it, and nothing is written. Wired by hub.app.
        self.connected_here: Callable[[str], bool] = lambda _conversation_id: False
        # Conversations this process wrote a row for, and when that row falls due: before
        # then the row is surely still there (see the module doc).
        self._noted: dict[str, dt.datetime] = {}

    async def answered(self, company_id: str, conversation_id: str) -> None:
        """An agent answered in a widget conversation (ConversationService.on_answered)."""
        if self.connected_here(conversation_id):
            return
        now = utcnow()
        due = self._noted.get(conversation_id)
        if due is not None and now < due:
            return  # our row is pending: the insert would do nothing
        table = repo.mail_followups
        async with self.db.write() as conn:
            stmt = repo.upsert(conn, table).values(
                conversation_id=conversation_id,
                company_id=company_id,
                first_at=now,
                due_at=now + self.delay,
                attempts=0,
            )
            await conn.execute(stmt.on_conflict_do_nothing(index_elements=["conversation_id"]))
            # Ours, or one already pending (another process's, a retry): when it falls due.
            pending = select(table.c.due_at).where(table.c.conversation_id == conversation_id)
            due = (await conn.execute(pending)).scalar()
        if due is not None:
            self._remember(conversation_id, due, now)

    def _remember(self, conversation_id: str, due: dt.datetime, now: dt.datetime) -> None:
        """Note that the conversation's row is pending until `due` (bounded memory)."""
        if len(self._noted) >= NOTED_MAX:
            self._noted = {c: d for c, d in self._noted.items() if d > now}
        if len(self._noted) < NOTED_MAX:
            self._noted[conversation_id] = due

    async def run(self) -> int:
        """Mail the due follow-ups (the schedule); how many mails went."""
        await self.visitors.refresh_seen()  # this process's own sessions first
        sent = 0
        while True:
            claimed = await self._claim()
            for row in claimed:
                sent += await self._follow(row)
            if len(claimed) < BATCH:
                return sent

    async def _claim(self) -> Sequence[Any]:
        table = repo.mail_followups
        due = select(table.c.conversation_id).where(table.c.due_at <= utcnow()).limit(BATCH)
        stmt = delete(table).where(table.c.conversation_id.in_(due)).returning(*table.c)
        async with self.db.write(system=True) as conn:
            return (await conn.execute(stmt)).all()

    async def _follow(self, row: Any) -> int:
        if self.connected_here(row.conversation_id):
            return 0
        sessions = await self._sessions(row.company_id, row.conversation_id)
        seen = max((s.last_seen_at for s in sessions), default=None)
        if seen is not None and seen >= row.first_at:
            return 0  # the visitor was there after the answer, on some process
        typed = [s for s in sessions if s.reply_email]
        if not typed:
            return 0  # no address the visitor gave us themselves
        session = max(typed, key=lambda s: s.last_seen_at)
        mail = await self._mail(row, session)
        try:
            await self.mailer.send(mail)
        except MailError:
            await self._again(row)
            return 0
        log.info("answer in %s mailed to the visitor", row.conversation_id)
        return 1

    async def _sessions(self, company_id: str, conversation_id: str) -> Sequence[Any]:
        """The widget sessions of the conversation (a verified user's sessions share it)."""
        s, u = repo.widget_sessions, repo.widget_users
        users = select(u.c.id).where(
            u.c.company_id == company_id, u.c.conversation_id == conversation_id
        )
        stmt = select(s.c.last_seen_at, s.c.reply_email, s.c.page_url).where(
            s.c.company_id == company_id,
            or_(s.c.conversation_id == conversation_id, s.c.user_ref.in_(users)),
        )
        async with self.db.read(system=True) as conn:
            return (await conn.execute(stmt)).all()

    async def _mail(self, row: Any, session: Any) -> Mail:
        async with self.db.read(system=True) as conn:
            company = await repo.company_by_id(conn, row.company_id)
        name = company.name if company is not None else "The team"
        messages = await self.conversations.recent(row.company_id, row.conversation_id, SHOWN)
        url = session.page_url or (company.website if company is not None else None)
        return Mail(
            to=session.reply_email,
            subject=f"{name} answered your message",
            text=transcript(name, messages, url),
        )

    async def _again(self, row: Any) -> None:
        if row.attempts + 1 >= ATTEMPTS:
            log.warning("answer in %s not mailed: giving up", row.conversation_id)
            return
        table = repo.mail_followups
        values = {
            "conversation_id": row.conversation_id,
            "company_id": row.company_id,
            "first_at": row.first_at,
            "due_at": utcnow() + RETRY,
            "attempts": row.attempts + 1,
        }
        async with self.db.write(system=True) as conn:
            stmt = repo.upsert(conn, table).values(**values)
            await conn.execute(stmt.on_conflict_do_nothing(index_elements=["conversation_id"]))


def transcript(company: str, messages: list[dict[str, Any]], url: str | None) -> str:
    """The mail's text: the conversation so far, then where to answer."""
    lines = [f"{company} answered you. The conversation so far:", ""]
    for message in messages:
        who = WHO.get(message["sender"]) or message["sender_name"] or company
        text = message["text"] or ", ".join(a.get("name", "a file") for a in message["attachments"])
        lines.append(f"{who}: {text}")
    lines += ["", "-- ", f"Reply in the chat: {url}" if url else "Reply in the chat on our site."]
    return "\n".join(lines) + "\n"
