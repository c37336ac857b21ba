"""Attachments: files a visitor or an agent uploads, then sends in a message.

An upload is checked (type from its magic bytes, size, a scanned name: hub.workspace.filetypes),
stored under a random key (hub.workspace.attachment_store) and recorded against its
conversation. A message then names it by id; `resolve` checks the ids belong to that
conversation and uploader and are not yet sent, and `claim` ties them to the message.

Who may read one: the company's agents; the visitor of its conversation, once it was sent
to them (or when they uploaded it themselves): by the session id alone for an anonymous
visitor, with the user's id and hash too for a signed-in one. Anyone else is told it does
not exist.
Erasing a contact or the company deletes the files with the rows; the periodic sweep removes
files whose message is gone (retention) and uploads never sent within a day.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, update

from hub.conversations.service import Appended
from hub.conversations.visitors import Visitor, VisitorService
from hub.errors import HubError, NotFound
from hub.identity.tokens import AgentIdentity
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import Attachment, utcnow
from hub.runtime.ratelimit import Limiter
from hub.workspace.attachment_store import AttachmentStore, Missing
from hub.workspace.filetypes import IMAGE_TYPES, safe_name, sniff
from hub.workspace.widget_settings import WidgetSettingsService

log = logging.getLogger("hub.attachments")

attachments = cast(Table, Attachment.__table__)
MAX_PER_MESSAGE = 10
UNSENT_TTL = dt.timedelta(days=1)  # an upload no message carried by then is deleted
SWEEP_BATCH = 500


def attachment_view(row: Any) -> dict[str, Any]:
    """What a Message's `attachments` lists for an upload (the url needs a token or session)."""
    return {
        "id": row.id,
        "name": row.name,
        "content_type": row.content_type,
        "size": row.size,
        "url": f"/api/attachments/{row.id}",
    }


def is_image(content_type: str) -> bool:
    return content_type in IMAGE_TYPES


@dataclass(frozen=True, slots=True)
class WidgetCaller:
    """The company a widget key names, and its sealed identity secret (None: none set)."""

    company_id: str
    secret: str | None


@dataclass(frozen=True, slots=True)
class UserProof:
    """A signed-in user's id and hash, as the widget's `hello` carries them."""

    user_id: str
    user_hash: str


@dataclass(frozen=True, slots=True)
class VisitorScope:
    """The widget session an upload or download is made in."""

    company_id: str
    conversation_id: str


class AttachmentService:
    def __init__(
        self,
        db: Database,
        store: AttachmentStore,
        visitors: VisitorService,
        identity: WidgetSettingsService,
        max_bytes: int,
        uploads_per_ip: tuple[float, int] = (1.0, 20),
    ) -> None:
        self.db = db
        self.store = store
        self.visitors = visitors
        self.identity = identity  # checks a signed-in visitor's user hash
        self.max_bytes = max_bytes
        self.uploads_per_ip = Limiter(*uploads_per_ip)  # checked by the upload routes

    # -- who is asking ---------------------------------------------------------------------

    async def widget_company(self, widget_key: str, origin: str | None) -> WidgetCaller:
        """The company whose widget key this is. Raises HubError unauthorized, or forbidden
        for an origin outside the company's allowed origins (as the socket does)."""
        async with self.db.read() as conn:
            company = await repo.widget_company(conn, widget_key) if widget_key else None
        if company is None:
            raise HubError("unauthorized", "unknown widget key")
        if company.allowed_origins and origin not in company.allowed_origins:
            raise HubError("forbidden", "origin not allowed")
        return WidgetCaller(str(company.id), company.secret)

    async def visitor(
        self, caller: WidgetCaller, session_token: str, proof: UserProof | None
    ) -> VisitorScope:
        """The widget session `session_token` (its `welcome.session_id`) names in the
        company, or HubError unauthorized. A session signed in as a verified user needs
        that user's `proof` as well, as the socket does to resume it: else HubError
        identity_refused (the bare session id is not enough to read their files)."""
        try:
            conversation_id, user_id = await self.visitors.session_of(
                caller.company_id, session_token
            )
        except KeyError:
            raise HubError("unauthorized", "unknown widget session") from None
        if user_id is not None and not self._proves(caller, user_id, proof):
            raise HubError(
                "identity_refused",
                "this session is signed in: send its user's X-Widget-User-Id and "
                "X-Widget-User-Hash",
            )
        return VisitorScope(caller.company_id, conversation_id)

    def _proves(self, caller: WidgetCaller, user_id: str, proof: UserProof | None) -> bool:
        return (
            proof is not None
            and proof.user_id == user_id
            and self.identity.verified(caller.secret, user_id, proof.user_hash)
        )

    # -- upload, send, read ----------------------------------------------------------------

    async def upload(
        self,
        company_id: str,
        conversation_id: str,
        data: bytes,
        name: str | None,
        *,
        agent_id: str | None = None,
    ) -> dict[str, Any]:
        """Check and store one file; its Message attachment view. Raises HubError
        bad_attachment (empty), too_large, unsupported_type; nothing is stored then."""
        if not data:
            raise HubError("bad_attachment", "the file is empty")
        if len(data) > self.max_bytes:
            raise HubError("too_large", f"files may be at most {self.max_bytes} bytes")
        content_type = sniff(data)
        if content_type is None:
            raise HubError(
                "unsupported_type",
                "only PNG, JPEG, GIF and WebP images, PDF, Word, Excel and plain text files",
            )
        attachment_id = secrets.token_hex(16)
        key = f"{company_id}/{attachment_id}"
        values = {
            "id": attachment_id,
            "company_id": company_id,
            "conversation_id": conversation_id,
            "uploader": "visitor" if agent_id is None else "agent",
            "agent_id": agent_id,
            "name": safe_name(name, content_type),
            "content_type": content_type,
            "size": len(data),
            "storage_key": key,
            "created_at": utcnow(),
        }
        await self.store.put(key, data, content_type)
        try:
            async with self.db.write() as conn:
                await conn.execute(insert(attachments).values(**values))
        except BaseException:
            await self.store.delete(key)  # no file without its row
            raise
        return attachment_view(SimpleNamespace(**values))

    async def resolve(
        self,
        company_id: str,
        conversation_id: str,
        ids: tuple[str, ...],
        uploader: str,
        client_id: str | None = None,
    ) -> list[dict[str, Any]] | None:
        """The views of the attachments a message names, in its order (None for none).
        Each must be an upload of `uploader` in this conversation not yet sent (or sent by
        the message `client_id` already stored: a resend, answered with that message); else
        HubError bad_attachment, and the message is not stored."""
        if not ids:
            return None
        if len(set(ids)) != len(ids) or len(ids) > MAX_PER_MESSAGE:
            raise HubError("bad_attachment", f"at most {MAX_PER_MESSAGE} attachments, each once")
        t = attachments
        stmt = select(t).where(t.c.company_id == company_id, t.c.id.in_(ids))
        async with self.db.read() as conn:
            rows = {row.id: row for row in (await conn.execute(stmt)).all()}
            stored = client_id and await repo.message_by_client_id(conn, conversation_id, client_id)
        resent = None if not stored else stored.id
        for attachment_id in ids:
            row = rows.get(attachment_id)
            if (
                row is None
                or row.conversation_id != conversation_id
                or row.uploader != uploader
                or row.message_id not in (None, resent)
            ):
                # The id is not echoed: it may be another company's.
                raise HubError("bad_attachment", "an attachment is not your unsent upload here")
        return [attachment_view(rows[attachment_id]) for attachment_id in ids]

    async def visitor_send(
        self, visitor: Visitor, client_id: str, text: str, ids: tuple[str, ...]
    ) -> Appended:
        """A visitor's message with the uploads `ids` names (hub.conversations.visitors)."""
        views = await self.resolve(
            visitor.company_id, visitor.conversation_id, ids, "visitor", client_id
        )
        appended = await self.visitors.send(visitor, client_id, text, views)
        if appended.created and views:
            await self.claim(visitor.company_id, views, appended.message["id"])
        return appended

    async def agent_reply(
        self,
        agent: AgentIdentity,
        conversation_id: str,
        client_id: str | None,
        text: str,
        ids: tuple[str, ...] = (),
    ) -> Appended:
        """An agent's reply with the uploads `ids` names (ConversationService.agent_reply).
        Another company's conversation is NotFound before any attachment is looked at."""
        if ids:
            await self.visitors.conversations.require(agent.company_id, conversation_id)
        views = await self.resolve(agent.company_id, conversation_id, ids, "agent", client_id)
        appended = await self.visitors.conversations.agent_reply(
            agent, conversation_id, client_id, text, views
        )
        if appended.created and views:
            await self.claim(agent.company_id, views, appended.message["id"])
        return appended

    async def claim(self, company_id: str, views: list[dict[str, Any]], message_id: str) -> None:
        """Tie the uploads to the message that now carries them."""
        ids = [view["id"] for view in views]
        t = attachments
        stmt = (
            update(t)
            .where(t.c.company_id == company_id, t.c.id.in_(ids), t.c.message_id.is_(None))
            .values(message_id=message_id)
        )
        async with self.db.write() as conn:
            await conn.execute(stmt)

    async def read(
        self, company_id: str, attachment_id: str, visitor: VisitorScope | None = None
    ) -> tuple[Any, bytes]:
        """(the row, the bytes). An agent's company reads any of its attachments; a visitor
        only those of their conversation that were sent, or that they uploaded. NotFound
        for anything else."""
        t = attachments
        stmt = select(t).where(t.c.company_id == company_id, t.c.id == attachment_id)
        async with self.db.read() as conn:
            row = await repo.one(conn, stmt)
        if row is None or (visitor is not None and not _visible(row, visitor)):
            raise NotFound("no such attachment")
        try:
            return row, await self.store.get(row.storage_key)
        except Missing:
            raise NotFound("no such attachment") from None

    # -- erasure and the sweep -------------------------------------------------------------

    async def erase_contact(self, company_id: str, contact_id: str) -> int:
        """Delete the files and rows of the contact's conversations (before the contact
        itself is erased: afterwards nothing links them)."""
        c = repo.conversations
        conversations = select(c.c.id).where(
            c.c.company_id == company_id, c.c.contact_id == contact_id
        )
        where = (attachments.c.company_id == company_id) & attachments.c.conversation_id.in_(
            conversations
        )
        return await self._delete(where, system=False)

    async def erase_company(self, company_id: str) -> None:
        """The company's files, every one (its rows go with the company's tables)."""
        await self.store.delete_prefix(company_id)

    async def sweep(self, now: dt.datetime | None = None) -> int:
        """Delete files whose message is gone (retention, erasure) and uploads never sent."""
        t, m = attachments, repo.messages
        cutoff = (now or utcnow()) - UNSENT_TTL
        gone = (
            t.c.message_id.is_not(None) & ~select(m.c.id).where(m.c.id == t.c.message_id).exists()
        )
        unsent = t.c.message_id.is_(None) & (t.c.created_at < cutoff)
        deleted = await self._delete(gone | unsent, system=True)
        if deleted:
            log.info("attachment sweep deleted %d files", deleted)
        return deleted

    async def _delete(self, where: Any, *, system: bool) -> int:
        """Files first, then their rows, in batches: a crash in between leaves a row whose
        file is missing (read answers 404), never a file nobody can find."""
        t = attachments
        total = 0
        while True:
            stmt = select(t.c.id, t.c.storage_key).where(where).limit(SWEEP_BATCH)
            async with self.db.read(system=system) as conn:
                rows = (await conn.execute(stmt)).all()
            for row in rows:
                await self.store.delete(row.storage_key)
            if rows:
                async with self.db.write(system=system) as conn:
                    await conn.execute(delete(t).where(t.c.id.in_([row.id for row in rows])))
            total += len(rows)
            if len(rows) < SWEEP_BATCH:
                return total


def _visible(row: Any, visitor: VisitorScope) -> bool:
    """A visitor sees their conversation's sent attachments and their own uploads; an
    agent's upload not yet sent stays with the agents."""
    if row.conversation_id != visitor.conversation_id:
        return False
    return bool(row.uploader == "visitor" or row.message_id is not None)
