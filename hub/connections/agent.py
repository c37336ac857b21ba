"""`/ws/agent`: an agent's live inbox (auth, snapshot, every event of its company)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from typing import Any

from starlette.websockets import WebSocket

from hub import events
from hub.connections.protocol import (
    AGENT_FRAMES,
    AgentSend,
    AgentTyping,
    Assign,
    Auth,
    Close,
    FrameError,
    NoteCreate,
    Ping,
    PresenceSet,
    Release,
    Resume,
    SetStatus,
    Takeover,
    parse,
)
from hub.connections.registry import Registry
from hub.connections.repair import LOOKBACK, MARGIN
from hub.connections.session import Disconnected, Session
from hub.connections.widget import refuse_nul, unavailable
from hub.conversations.handoff import Handoff
from hub.conversations.publish import message_created
from hub.conversations.workflow import snooze_problem
from hub.errors import HubError
from hub.events import Event
from hub.identity import scopes
from hub.identity.tokens import AgentIdentity, AuthError, authenticate
from hub.persistence.db import database_unavailable
from hub.persistence.tenancy import enter_tenant
from hub.state import Hub, hub_of

log = logging.getLogger("hub.agent")


class AgentSession(Session):
    """An agent after `auth`: the company's conversations and everything that happens in them."""

    __slots__ = ("agent", "hub", "resume")

    def __init__(self, ws: WebSocket, hub: Hub) -> None:
        super().__init__(ws, hub.settings, self._fetch)
        self.hub = hub
        self.agent: AgentIdentity | None = None
        self.resume: Resume | None = None

    @property
    def company_id(self) -> str:
        assert self.agent is not None
        return self.agent.company_id

    async def _fetch(self, conversation_id: str, after: int, limit: int) -> list[dict[str, Any]]:
        history: list[dict[str, Any]] = await self.hub.conversations.history(
            self.company_id, conversation_id, after, limit
        )
        return history

    def refresh(self, frames: Sequence[str]) -> None:
        """A resync's snapshot frames, read once for the company (hub.connections.repair)."""
        for frame in frames:
            self.send_text(frame)

    def deliver(self, event: Event) -> None:
        if event.type == events.AGENT_REVOKED:
            # Rare, so parsing the frame here costs nothing worth caching.
            frame = json.loads(event.frame)
            revoked = frame["agent_id"]  # "*": the company was erased
            key = frame.get("api_key_id")  # an API key revoked: the sockets it opened
            if self.agent is not None and (
                revoked in ("*", self.agent.agent_id)
                or (key is not None and key == self.agent.api_key_id)
            ):
                self.stop(Close.UNAUTHORIZED)
            return
        super().deliver(event)

    async def snapshot(self) -> None:
        """The first frames: the inbox, today's counters, presence and counts; with
        `resume`, every conversation changed since in the inbox, then every message the
        agent misses."""
        resume = self.resume
        since = None if resume is None else resume.since.timestamp() - MARGIN
        changed = [] if since is None else await self.hub.repair.changed(self.company_id, since)
        frames = await self.hub.repair.company_frames(self.company_id, [c.id for c in changed])
        for frame in frames:
            await self.ws.send_text(frame)
        inbox = json.loads(frames[0])["conversations"]
        for conversation in inbox:
            self.delivered[conversation["id"]] = conversation["last_seq"]
        if resume is not None and since is not None:
            await self._resume(resume, changed, since)

    async def _resume(self, resume: Resume, changed: list[Any], since: float) -> None:
        """Send what the reconnecting agent misses: in the conversations it holds, what is
        past its seq; in the others changed since, every message since (older ones are
        history, read when the conversation is opened)."""
        for conversation in changed:
            self.delivered[conversation.id] = resume.seqs.get(conversation.id, -1)
        behind = [c.id for c in changed if c.last_seq > self.delivered[c.id]]
        stamp = dt.datetime.fromtimestamp(since - LOOKBACK, dt.UTC)
        found = await self.hub.repair.messages(self.company_id, behind, stamp) if behind else []
        for message in found:
            cid = message["conversation_id"]
            if self.delivered[cid] < 0:  # not held: these messages are its start
                self.delivered[cid] = message["seq"] - 1
            await self._write_event(message_created(self.company_id, message))
        for conversation in changed:
            cid = conversation.id
            if cid in resume.seqs and self.delivered[cid] < conversation.last_seq:
                await self.catch_up(cid)  # held, and missing more than `since` covered
            else:  # not held: whatever was older than `since` is history
                self.delivered[cid] = max(self.delivered[cid], conversation.last_seq)

    async def handle(self, raw: str) -> None:
        assert self.agent is not None
        frame = parse(AGENT_FRAMES, raw)
        refuse_nul(frame)
        if not isinstance(frame, Ping | AgentTyping | Auth):
            _require_write(self.agent)
        try:
            await self._dispatch(frame)
        except HubError:
            raise  # answered with an error frame by the session
        except Exception as exc:
            if database_unavailable(exc):
                raise unavailable(exc) from None
            raise

    async def _dispatch(self, frame: Any) -> None:
        agent = self.agent
        assert agent is not None
        match frame:
            case AgentSend(conversation_id=cid, client_id=client_id, text=text, attachments=ids):
                appended = await self.hub.attachments.agent_reply(agent, cid, client_id, text, ids)
                if not appended.created:
                    self.send({"type": "message.created", "message": appended.message})
            case Takeover(conversation_id=cid):
                await self.hub.conversations.handoff(
                    agent.company_id, cid, Handoff.AGENT_TAKES_OVER, agent_id=agent.agent_id
                )
            case Release(conversation_id=cid):
                await self.hub.conversations.handoff(agent.company_id, cid, Handoff.AGENT_RELEASES)
            case SetStatus(conversation_id=cid, status=status, snoozed_until=until):
                problem = snooze_problem(status, until)
                if problem is not None:
                    raise FrameError("bad_frame", problem)
                await self.hub.workflow.set_status(agent.company_id, cid, status, until)
            case Assign(conversation_id=cid, agent_id=assignee):
                await self.hub.workflow.assign(agent.company_id, cid, assignee)
            case NoteCreate(conversation_id=cid, client_id=client_id, text=text):
                note, created = await self.hub.notes.add(agent, cid, client_id, text)
                if not created:
                    self.send({"type": "note.created", "note": note})
            case PresenceSet(status=status):
                await self.hub.presence.set_away(agent, status == "away")
            case AgentTyping(conversation_id=cid, active=active):
                conv = await self.hub.conversations.require(agent.company_id, cid)
                await self.hub.conversations.typing(
                    agent.company_id, cid, "agent", active, conv.channel
                )
            case Ping():
                self.send({"type": "pong"})
            case Auth():
                raise FrameError("bad_frame", "already authenticated")


def _require_write(agent: AgentIdentity) -> None:
    """A frame that changes something needs an API key's `write` scope (hub.identity.scopes);
    a token's or a session's socket has no scopes to check."""
    if agent.scopes is not None and scopes.WRITE not in agent.scopes:
        raise FrameError("forbidden", "this API key lacks the 'write' scope")


async def agent_endpoint(ws: WebSocket) -> None:
    hub = hub_of(ws)
    registry: Registry = hub.registry
    await ws.accept()
    session = AgentSession(ws, hub)
    registered = present = False
    try:
        agent = session.agent = await _authenticate(session)
        enter_tenant(agent.company_id)  # every transaction of this socket sees this company only
        # Before `welcome`: the company hears this agent is online before the agent hears
        # anything, so its own snapshot already shows it.
        present = await _arrive(session, agent)
        session.send(
            {"type": "welcome", "agent_id": agent.agent_id, "company_id": agent.company_id}
        )
        session.later(session.snapshot)  # before any live event: the writer runs it first
        await registry.add_agent(session, agent.company_id)
        registered = True
        await session.run(session.handle)
    except Disconnected:
        pass
    finally:
        if registered and session.agent is not None:
            await registry.remove_agent(session, session.agent.company_id)
        if present and session.agent is not None:
            await _leave(hub, session.agent)
        await session.close()


async def _arrive(session: AgentSession, agent: AgentIdentity) -> bool:
    """Count the socket in the agent's presence (close 1013 when the database is down)."""
    try:
        await session.hub.presence.opened(agent)
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        session.close_code = Close.TRY_AGAIN
        raise Disconnected from None
    return True


async def _leave(hub: Hub, agent: AgentIdentity) -> None:
    try:
        await hub.presence.closed(agent)
    except Exception:  # the heartbeat repairs it; the socket is gone anyway
        log.warning("presence of %s not updated on close", agent.agent_id, exc_info=True)


async def _authenticate(session: AgentSession) -> AgentIdentity:
    """The first frame must be `auth` with a valid token, else close 4401."""
    auth = await session.handshake(AGENT_FRAMES, Auth)
    session.resume = auth.resume
    hub = session.hub
    try:
        return await authenticate(hub.db, hub.settings, auth.token, sign_in=True)
    except AuthError:
        session.close_code = Close.UNAUTHORIZED
        raise Disconnected from None
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        session.close_code = Close.TRY_AGAIN
        raise Disconnected from None
