"""`/ws/agent`: an agent's live inbox (auth, snapshot, every event of its company)."""

from __future__ import annotations

import json
import logging
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
    SetStatus,
    Takeover,
    parse,
)
from hub.connections.registry import Registry
from hub.connections.session import Disconnected, Session
from hub.connections.widget import refuse_nul, unavailable
from hub.conversations.counts import read_counts
from hub.conversations.handoff import Handoff
from hub.conversations.workflow import snooze_problem
from hub.errors import HubError
from hub.events import Event, dumps
from hub.identity.tokens import AgentIdentity, AuthError, authenticate
from hub.persistence.db import database_unavailable
from hub.persistence.tenancy import enter_tenant
from hub.state import Hub, hub_of

log = logging.getLogger("hub.agent")


class AgentSession(Session):
    """An agent after `auth`: the company's conversations and everything that happens in them."""

    __slots__ = ("agent", "hub")

    def __init__(self, ws: WebSocket, hub: Hub) -> None:
        super().__init__(ws, hub.settings, self._fetch)
        self.hub = hub
        self.agent: AgentIdentity | None = None

    @property
    def company_id(self) -> str:
        assert self.agent is not None
        return self.agent.company_id

    async def _fetch(self, conversation_id: str, after: int, limit: int) -> list[dict[str, Any]]:
        history: list[dict[str, Any]] = await self.hub.conversations.history(
            self.company_id, conversation_id, after, limit
        )
        return history

    def resync(self) -> None:
        self.later(self.snapshot)

    def deliver(self, event: Event) -> None:
        if event.type == events.AGENT_REVOKED:
            # Rare, so parsing the frame here costs nothing worth caching.
            revoked = json.loads(event.frame)["agent_id"]  # "*": the company was erased
            if self.agent is not None and revoked in ("*", self.agent.agent_id):
                self.stop(Close.UNAUTHORIZED)
            return
        super().deliver(event)

    async def snapshot(self) -> None:
        """Send the inbox and today's counters, then any message this socket has not seen
        in it (after a resync)."""
        inbox = await self.hub.conversations.inbox(self.company_id)
        await self.ws.send_text(dumps({"type": "inbox.snapshot", "conversations": inbox}))
        today = await self.hub.visitors.today(self.company_id)
        await self.ws.send_text(dumps({"type": "stats.updated", **today}))
        agents = await self.hub.presence.agents(self.company_id)
        await self.ws.send_text(dumps({"type": "presence.snapshot", "agents": agents}))
        counts = await read_counts(self.hub.db, self.company_id)
        await self.ws.send_text(dumps({"type": events.INBOX_COUNTS, **counts}))
        first = not self.delivered
        for conversation in inbox:
            known = self.delivered.get(conversation["id"])
            if first or known is None:
                self.delivered[conversation["id"]] = conversation["last_seq"]
            elif conversation["last_seq"] > known:
                await self.catch_up(conversation["id"])

    async def handle(self, raw: str) -> None:
        assert self.agent is not None
        frame = parse(AGENT_FRAMES, raw)
        refuse_nul(frame)
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
