"""`/ws/widget`: a visitor's socket (hello, replay, send, typing, engage, ping)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel
from starlette.websockets import WebSocket

from hub.connections.protocol import (
    WIDGET_FRAMES,
    Close,
    Engage,
    FrameError,
    Hello,
    Ping,
    Profile,
    Rate,
    RateComment,
    WidgetSend,
    error_frame,
    parse,
)
from hub.connections.protocol import WidgetTyping as Typing
from hub.connections.session import Disconnected, Session
from hub.conversations.ratings import Ratings
from hub.conversations.service import ConversationService
from hub.conversations.visitors import Visitor, VisitorContext, VisitorService, known_zone
from hub.events import dumps
from hub.persistence import repository as repo
from hub.persistence.db import database_unavailable
from hub.persistence.tenancy import enter_tenant
from hub.runtime.ratelimit import WidgetLimits, client_ip
from hub.settings import Settings
from hub.state import Hub, hub_of
from hub.workspace.attachments import AttachmentService
from hub.workspace.widget_settings import widget_config

log = logging.getLogger("hub.session")

MAX_SEQ = 2**31 - 1  # seq is a 32-bit INTEGER column (hub/persistence/models.py)


def refuse_nul(frame: BaseModel) -> None:
    """bad_frame for a NUL character in any string field: PostgreSQL cannot store one, and no
    field needs one (refused on SQLite too, so both behave alike)."""
    for name, value in frame:
        if isinstance(value, str) and "\x00" in value:
            raise FrameError("bad_frame", f"bad field {name}: NUL characters are not allowed")


def unavailable(exc: BaseException) -> FrameError:
    """The `error` frame for a frame that needed the database while it was unreachable."""
    log.warning("frame not handled: database unavailable (%r)", exc)
    return FrameError("unavailable", "the hub cannot reach its database; send it again")


class WidgetSession(Session):
    """A visitor after `hello`: sees its own conversation's messages, AI deltas and typing."""

    __slots__ = ("attachments", "conversations", "limits", "ratings", "visitor", "visitors")

    def __init__(
        self,
        ws: WebSocket,
        settings: Settings,
        conversations: ConversationService,
        visitors: VisitorService,
        limits: WidgetLimits,
        ratings: Ratings,
        attachments: AttachmentService,
    ) -> None:
        super().__init__(ws, settings, self._fetch)
        self.attachments = attachments
        self.conversations = conversations
        self.visitors = visitors
        self.limits = limits
        self.ratings = ratings
        self.visitor: Visitor | None = None

    async def _fetch(self, conversation_id: str, after: int, limit: int) -> list[dict[str, Any]]:
        assert self.visitor is not None
        return await self.conversations.history(
            self.visitor.company_id, conversation_id, after, limit
        )

    async def _send(self, client_id: str, text: str, ids: tuple[str, ...]) -> None:
        assert self.visitor is not None
        appended = await self.attachments.visitor_send(self.visitor, client_id, text, ids)
        if not appended.created:  # a resend: acknowledge with the stored message
            self.send({"type": "message.created", "message": appended.message})

    async def handle(self, raw: str) -> None:
        try:
            await self._handle(raw)
        except Exception as exc:
            if database_unavailable(exc):
                raise unavailable(exc) from None
            raise

    async def _handle(self, raw: str) -> None:
        assert self.visitor is not None
        frame = parse(WIDGET_FRAMES, raw)
        refuse_nul(frame)
        match frame:
            case WidgetSend(client_id=client_id, text=text, attachments=ids):
                refused = self.limits.message_refused(
                    self.visitor.session_row_id, client_ip(self.ws.scope)
                )
                if refused is not None:
                    raise FrameError("rate_limited", refused)
                await self._send(client_id, text, ids)
            case Typing(active=active):
                await self.conversations.typing(
                    self.visitor.company_id,
                    self.visitor.conversation_id,
                    "visitor",
                    active,
                    "widget",
                )
            case Engage():
                await self.visitors.engage(self.visitor)
            case Profile(name=name, email=email, typed=typed):
                await self.visitors.profile(self.visitor, name, email, typed)
            case Rate(score=score, comment=comment):
                # Acknowledged by `conversation.rated`, to every tab of the conversation.
                await self.ratings.rate(
                    self.visitor.company_id, self.visitor.conversation_id, score, comment
                )
            case RateComment(comment=comment):
                # Acknowledged by `conversation.rated` again, with the comment.
                await self.ratings.comment(
                    self.visitor.company_id, self.visitor.conversation_id, comment
                )
            case Ping():
                self.send({"type": "pong"})
            case Hello():
                raise FrameError("bad_frame", "already said hello")


async def widget_endpoint(ws: WebSocket) -> None:
    hub = hub_of(ws)
    await ws.accept()
    session = WidgetSession(
        ws,
        hub.settings,
        hub.conversations,
        hub.visitors,
        hub.widget_limits,
        hub.ratings,
        hub.attachments,
    )
    try:
        company = await _company(hub, ws)
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        await ws.close(Close.TRY_AGAIN, reason="database unavailable; reconnect")
        return
    if company is None:
        return
    company_id = company.id
    enter_tenant(company_id)  # every transaction of this socket sees this company only
    registered = False
    try:
        visitor = await _greet(hub, ws, session, company)
        company = None  # the handshake's: not kept for the socket's lifetime
        await hub.registry.add_widget(session, company_id, visitor.conversation_id)
        registered = True
        await session.run(session.handle)
    except Disconnected:
        pass
    finally:
        if session.visitor is not None:
            hub.visitors.closed(session.visitor)
        if registered and session.visitor is not None:
            await hub.registry.remove_widget(session, company_id, session.visitor.conversation_id)
        await session.close()


@dataclass(frozen=True, slots=True)
class WidgetCompany:
    """What the handshake needs of the widget key's company."""

    id: str
    config: dict[str, Any]  # welcome.config
    secret: str | None  # the sealed identity secret


async def _greet(
    hub: Hub, ws: WebSocket, session: WidgetSession, company: WidgetCompany
) -> Visitor:
    """`hello` in, `welcome` and the replay out. Its own frame, so the handshake's objects
    are not kept for the socket's lifetime."""
    hello = await _hello(session)
    user_id = await _identity(hub, session, company, hello)
    company_id = company.id
    try:
        await _admit(hub, ws, company_id, hello)
        visitor: Visitor = await hub.visitors.hello(
            company_id, hello.visit_id, hello.session_id, _ctx(hub.settings, ws, hello), user_id
        )
        # Every message from the visitor asks for the AI settings: load them (once a process,
        # for each company) at the handshake, not in the burst of a busy moment's first messages.
        await hub.knowledge.ai_config(company_id)
        availability = await hub.availability.current(company_id)
        rating_state = await _rating_state(hub, company, visitor)
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        session.close_code = Close.TRY_AGAIN
        raise Disconnected from None
    session.visitor = visitor
    hub.visitors.opened(visitor)  # not idle while open (VisitorService.purge_idle)
    # A resumed session replays after the client's last_seq; a new one from the start. No seq
    # exceeds MAX_SEQ, so a larger last_seq means the same and is never put to the database.
    cursor = min(hello.last_seq, MAX_SEQ) if visitor.resumed else 0
    session.delivered[visitor.conversation_id] = cursor
    session.send(
        {
            "type": "welcome",
            "session_id": visitor.session_token,
            "conversation_id": visitor.conversation_id,
            "last_seq": visitor.last_seq,
            "config": company.config,
            "contact": {"name": visitor.name, "email": visitor.email},
            "user_id": visitor.user_id,
            "availability": availability,
            **rating_state,  # rating_pending, resolved ("This conversation was resolved"), rating
        }
    )
    # A new session has no conversation yet, so nothing to replay (nor can anything be sent to
    # it before its first message); a resumed one replays, covering the hello-to-register gap.
    if visitor.resumed or visitor.last_seq:
        conversation_id = visitor.conversation_id
        session.later(lambda: session.catch_up(conversation_id))
    return visitor


async def _rating_state(hub: Hub, company: WidgetCompany, visitor: Visitor) -> dict[str, Any]:
    """`welcome`'s `rating_pending`, `resolved` and `rating`: a visitor who reloads, or was
    away when the agent resolved it, is still asked; one who rated with a star alone is
    offered the comment box again."""
    company_id, conversation_id = company.id, visitor.conversation_id
    pending = bool(
        visitor.last_seq
        and company.config["rating_enabled"]
        and await hub.ratings.pending(company_id, conversation_id)
    )
    resolved = bool(visitor.last_seq and await hub.ratings.resolved(company_id, conversation_id))
    rating = (
        await hub.ratings.current(company_id, conversation_id) if resolved and not pending else None
    )
    return {"rating_pending": pending, "resolved": resolved, "rating": rating}


async def _identity(
    hub: Hub, session: WidgetSession, company: WidgetCompany, hello: Hello
) -> str | None:
    """The verified user the `hello` names, None for an anonymous one; a user id without a
    hash, a hash without an id, or a hash that does not match is refused: an `error`
    `identity_refused`, then close 4403 before `welcome`. Nothing is linked or stored."""
    if hello.user_id is None and hello.user_hash is None:
        return None
    if company.secret is None:
        reason = "identity verification is not set up for this widget"
    elif not hello.user_id or not hello.user_hash:
        reason = "user_id and user_hash go together"
    elif hub.widget_settings.verified(company.secret, hello.user_id, hello.user_hash):
        return hello.user_id
    else:
        reason = "user_hash is not the HMAC-SHA256 of user_id with the widget secret"
    log.info("widget identity refused for company %s: %s", company.id, reason)
    await session.ws.send_text(dumps(error_frame("identity_refused", reason)))
    session.close_code = Close.FORBIDDEN
    raise Disconnected


async def _hello(session: WidgetSession) -> Hello:
    """The first `hello` the hub can use, within the handshake timeout in all: one with a NUL
    character is answered like any other bad frame."""
    try:
        async with asyncio.timeout(session.settings.handshake_timeout):
            while True:
                hello = await session.handshake(WIDGET_FRAMES, Hello)
                try:
                    refuse_nul(hello)
                except FrameError as exc:
                    await session.ws.send_text(dumps(error_frame(exc.code, exc.message)))
                    continue
                return hello
    except TimeoutError:
        session.close_code = Close.HANDSHAKE_TIMEOUT
        raise Disconnected from None


async def _admit(hub: Hub, ws: WebSocket, company_id: str, hello: Hello) -> None:
    """Close 4429 (and raise Disconnected) for a hello over the new-session limit of its
    address and company, or over its company's limit. The company's bucket comes last, so
    the sockets an address's flood had refused cost the company nothing."""
    reason = None
    if not await _new_session_allowed(hub, ws, company_id, hello):
        reason = "too many new sessions from this address"
    elif not hub.widget_limits.connects_per_company.allow(company_id):
        reason = "too many connections for this widget"
    if reason is not None:
        await ws.close(Close.RATE_LIMITED, reason=reason)
        raise Disconnected


async def _new_session_allowed(hub: Hub, ws: WebSocket, company_id: str, hello: Hello) -> bool:
    """A token of the address's new-session bucket for this company, or else a hello that
    resumes a known session: visitors already chatting behind a shared address get back in
    while others there flood. Only an address over its limit pays for the lookup."""
    limits: WidgetLimits = hub.widget_limits
    if limits.sessions_per_ip.allow(f"{client_ip(ws.scope)} {company_id}"):
        return True
    if not hello.session_id:
        return False
    return await hub.visitors.session_exists(company_id, hello.session_id)


async def _company(hub: Hub, ws: WebSocket) -> WidgetCompany | None:
    """The company the widget key names, or close 4401 / 4403 / 4429. The per-address
    connection limit comes first: it is the one check that needs no query."""
    limits: WidgetLimits = hub.widget_limits
    if not limits.connects_per_ip.allow(client_ip(ws.scope)):
        await ws.close(Close.RATE_LIMITED, reason="too many connections from this address")
        return None
    key = ws.query_params.get("key", "")
    async with hub.db.read() as conn:
        company = await repo.widget_company(conn, key) if key else None
    if company is None:
        await ws.close(Close.UNAUTHORIZED, reason="unknown widget key")
        return None
    origin = ws.headers.get("origin")
    allowed = company.allowed_origins
    if allowed and origin not in allowed and not _own_origin(hub.settings, ws, origin):
        await ws.close(Close.FORBIDDEN, reason="origin not allowed")
        return None
    # Not the row: its metadata would outlive the handshake.
    return WidgetCompany(str(company.id), widget_config(company), company.secret)


def _own_origin(settings: Settings, ws: WebSocket, origin: str | None) -> bool:
    """The page is one of the hub's own (its demo, the walkthrough's preview): served from the
    host this socket was opened on, or from PUBLIC_URL's."""
    if not origin:
        return False
    host = urlsplit(origin).netloc
    return bool(host) and host in (ws.headers.get("host"), urlsplit(settings.public_url).netloc)


def _preview(settings: Settings, ws: WebSocket, page_url: str | None) -> bool:
    """The walkthrough's preview (`/preview` of the hub itself): its visits are not counted,
    so an owner looking at it never ticks the checklist's "widget installed"."""
    origin = ws.headers.get("origin")
    if not page_url or not _own_origin(settings, ws, origin):
        return False
    page = urlsplit(page_url)
    return page.path == "/preview" and page.netloc == urlsplit(origin).netloc


def _ctx(settings: Settings, ws: WebSocket, hello: Hello) -> VisitorContext:
    return VisitorContext(
        page_url=hello.page_url or ws.headers.get("origin"),
        ip_address=ws.client.host if ws.client else None,
        user_agent=ws.headers.get("user-agent"),
        preview=_preview(settings, ws, hello.page_url),
        timezone=known_zone(hello.timezone),
    )
